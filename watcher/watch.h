/* watch.h — file-system change notification for the watcher, behind a narrow
 * interface.  watcher/inotify.c implements it with libinotifytools and is the only
 * file that touches that library.  Above it there are only "something changed at
 * this path" records, read from a descriptor that the caller poll()s together with
 * its own (libinotifytools hides its descriptor and waits in one-second ticks, so it
 * runs in a thread of its own that hands records over).
 *
 * What the implementation takes care of, so that callers need not:
 * - every directory under a root is watched, new ones as they appear, each watched
 *   before it is listed (a child created in between is not lost), hidden and
 *   editor-leftover names skipped;
 * - directories moved within a root keep their watches under the new name; moved
 *   out, their watches are dropped (libinotifytools would report them under the old
 *   name); watches the kernel dropped leave no stale bookkeeping behind;
 * - a lost event (queue overflow) or a watch that could not be added (the kernel's
 *   limit) is reported as a RESCAN of the root, the limit also as an ERROR that
 *   says what to raise;
 * - a root that does not exist yet, or is deleted or moved away, is waited for and
 *   reported (RESCAN) when it appears.
 * Status convention: 0 / -1; nothing here prints. */
#ifndef MR_WATCH_H
#define MR_WATCH_H

#include <stdbool.h>
#include <stddef.h>

typedef enum mr_watch_kind {
	MR_WATCH_CHANGED,   /* something at path was written, created, deleted, moved or changed mode */
	MR_WATCH_RESCAN,    /* events of this root may have been lost, or it (re)appeared: rescan it in full */
	MR_WATCH_ROOT_GONE, /* the root was deleted or moved away; it is waited for */
	MR_WATCH_ERROR      /* a problem to tell the operator (message); a RESCAN follows when it matters */
} mr_watch_kind;

typedef struct mr_watch_event {
	mr_watch_kind kind;
	int root;      /* which root: its index in the array given to mr_watch_start */
	bool is_dir;   /* CHANGED: the path is (or was) a directory */
	char *path;    /* CHANGED: relative to the root ("crm/module.yaml"; "" is the root itself) */
	char *message; /* RESCAN, ROOT_GONE, ERROR: why, one line for the log; else NULL */
} mr_watch_event;

typedef struct mr_watch_root {
	const char *path; /* a directory; it need not exist yet */
	int depth;        /* levels of subdirectories to watch: 0 = the directory only */
	const char *skip; /* a directory inside it whose events are not wanted (the output), or NULL */
} mr_watch_root;

typedef struct mr_watch mr_watch;

/* Start watching roots[0..n) (copied).  Returns NULL with *err (heap) when inotify cannot
 * be used at all.  Free with mr_watch_stop. */
mr_watch *mr_watch_start(const mr_watch_root *roots, size_t n, char **err);
/* Readable (poll POLLIN) while records are waiting. */
int mr_watch_fd(const mr_watch *w);
/* Take every waiting record without blocking: *evs gets a new array (NULL when none);
 * returns how many.  Free with mr_watch_events_free. */
size_t mr_watch_take(mr_watch *w, mr_watch_event **evs);
void mr_watch_events_free(mr_watch_event *evs, size_t n);
/* Drop every watch and set them up again from the disk (within about a second); each
 * root is then reported with RESCAN.  For forced resyncs: whatever the bookkeeping
 * missed is healed. */
void mr_watch_reinit(mr_watch *w);
/* Stop the watching thread and free everything; returns promptly.  NULL is a no-op. */
void mr_watch_stop(mr_watch *w);

/* Test hooks, read once by mr_watch_start (never set in production):
 *   MODREG_WATCH_TEST_DROP=N   after the N-th event, throw away what is queued for
 *                              0.2 s and report it as a queue overflow;
 *   MODREG_WATCH_TEST_LIMIT=N  behave as if the kernel allowed only N watches. */

#endif
