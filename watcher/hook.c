/* hook.c — run the --on-sync command in the background with a time limit. */
#include "hook.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct run {
	pid_t pid;       /* also its process group */
	double deadline; /* when it is killed */
	bool killed;
} run;

struct mr_hook {
	char *cmd;
	double timeout_ms;
	size_t max;
	run *runs;
	size_t n, cap;
};

mr_hook *mr_hook_new(const char *cmd, double timeout_ms, size_t max_running)
{
	mr_hook *h = mr_xcalloc(1, sizeof *h);
	h->cmd = mr_xstrdup(cmd);
	h->timeout_ms = timeout_ms;
	h->max = max_running ? max_running : 1;
	return h;
}

void mr_hook_free(mr_hook *h)
{
	if (!h) return;
	for (size_t i = 0; i < h->n; i++) {
		kill(-h->runs[i].pid, SIGTERM);
		waitpid(h->runs[i].pid, NULL, WNOHANG);
	}
	free(h->runs);
	free(h->cmd);
	free(h);
}

/* The input as a file the child reads at its own pace: a memory file, so that writing it
 * never waits for the child. */
static int input_fd(const char *input, size_t len)
{
	int fd = memfd_create("modreg-sync-summary", MFD_CLOEXEC);
	if (fd < 0) return -1;
	const char *p = input;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR) continue;
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int mr_hook_start(mr_hook *h, const char *input, size_t len, double now_ms, char **err)
{
	*err = NULL;
	if (h->n >= h->max) {
		*err = mr_xasprintf("--on-sync command not started: %zu earlier run%s still running", h->n, h->n == 1 ? " is" : "s are");
		return -1;
	}
	int fd = input_fd(input, len);
	if (fd < 0) {
		*err = mr_xasprintf("--on-sync command not started: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		*err = mr_xasprintf("--on-sync command not started: fork: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (pid == 0) {
		/* the child: its own process group (so that a timeout kills all it started),
		 * the summary on stdin, its output on our stderr, default signals */
		setpgid(0, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		dup2(fd, 0);
		dup2(2, 1);
		close_range(3, ~0U, 0); /* nothing of the watcher's (inotify, pipes) goes with it */
		execl("/bin/sh", "sh", "-c", h->cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid); /* also here: no race with a kill before the child ran setpgid */
	close(fd);
	MR_GROW(h->runs, h->cap, h->n + 1);
	h->runs[h->n++] = (run){pid, now_ms + h->timeout_ms, false};
	return 0;
}

static void add_note(char ***notes, size_t *n, char *s)
{
	*notes = mr_xreallocarray(*notes, *n + 1, sizeof **notes);
	(*notes)[(*n)++] = s;
}

void mr_hook_poll(mr_hook *h, double now_ms, char ***notes, size_t *n)
{
	*notes = NULL;
	*n = 0;
	for (size_t i = 0; i < h->n;) {
		run *r = &h->runs[i];
		int status;
		pid_t p = waitpid(r->pid, &status, WNOHANG);
		if (p == r->pid || (p < 0 && errno == ECHILD)) {
			if (r->killed)
				add_note(notes, n, mr_xasprintf("--on-sync command killed after %.0f s: %s", h->timeout_ms / 1000, h->cmd));
			else if (p == r->pid && WIFEXITED(status) && WEXITSTATUS(status) != 0)
				add_note(notes, n, mr_xasprintf("--on-sync command failed (exit status %d): %s", WEXITSTATUS(status), h->cmd));
			else if (p == r->pid && WIFSIGNALED(status))
				add_note(notes, n, mr_xasprintf("--on-sync command died of signal %d: %s", WTERMSIG(status), h->cmd));
			h->runs[i] = h->runs[--h->n];
			continue;
		}
		if (!r->killed && now_ms >= r->deadline) {
			kill(-r->pid, SIGKILL);
			r->killed = true;
		}
		i++;
	}
}

double mr_hook_deadline(const mr_hook *h)
{
	double d = -1;
	for (size_t i = 0; i < h->n; i++)
		if (!h->runs[i].killed && (d < 0 || h->runs[i].deadline < d)) d = h->runs[i].deadline;
	return d;
}

size_t mr_hook_running(const mr_hook *h)
{
	return h->n;
}
