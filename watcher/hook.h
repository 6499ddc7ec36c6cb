/* hook.h — the operator's --on-sync command: run with /bin/sh -c after a sync, the
 * sync's summary (JSON) on its standard input, in the background.  It never delays
 * the watcher: the input comes from a memory file (no pipe to fill), children are
 * reaped when the caller says SIGCHLD arrived, and one that outlives its time limit
 * is killed with its whole process group.  Only the operator chooses the command;
 * nothing from a manifest is ever run.  Status convention: 0 / -1; nothing prints. */
#ifndef MR_HOOK_H
#define MR_HOOK_H

#include <stddef.h>

typedef struct mr_hook mr_hook;

/* cmd: the shell command; timeout_ms: its time limit; max_running: more at once are
 * skipped (a slow command must not pile up).  Never NULL. */
mr_hook *mr_hook_new(const char *cmd, double timeout_ms, size_t max_running);
/* Kills what still runs and frees.  NULL is a no-op. */
void mr_hook_free(mr_hook *h);

/* Start the command with input on its stdin.  Returns 0, or -1 with *err (heap): it
 * could not start, or too many are still running. */
int mr_hook_start(mr_hook *h, const char *input, size_t len, double now_ms, char **err);

/* Reap finished runs and kill overdue ones.  Each run that ended badly adds a line to
 * *notes (heap array of heap strings, *n of them; NULL when none). */
void mr_hook_poll(mr_hook *h, double now_ms, char ***notes, size_t *n);
/* When the next running command's time is up, or a negative number when none runs. */
double mr_hook_deadline(const mr_hook *h);
size_t mr_hook_running(const mr_hook *h);

#endif
