/* cmd_watch.c — `modreg watch`: the watchd.  One poll() loop over three sources:
 * path records from watcher/watch.h, signals (through a self-pipe) and the clock (the
 * debounce, the periodic resync, --on-sync time limits).  What a record means and
 * how a batch is synced is watcher/watcher.c; this file prints the log lines.
 *
 * Log line of a sync that changed something (stderr):
 *   modreg: sync 14:02:11 change +0 ~1 -0 !0 =12, 1 entry, 6 files, 3.2 ms: crm 1.0.0 -> 1.1.0
 * reason (start-up, change, resync, rescan, clock), then added (+), updated (~), removed (-),
 * invalid (!), unchanged (=) modules, the module entries of context.json that changed, the
 * files rewritten, the time taken, and what changed (at most eight, then "and N more"),
 * followed by the sync's events (version-not-bumped). */
#include "commands.h"
#include "hook.h"
#include "site.h"
#include "watch.h"
#include "watcher.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define HOOK_TIMEOUT_MS 30000
#define HOOK_MAX_RUNNING 4
#define EXIT_GRACE_US 900000 /* SIGTERM: exit within a second, even in the middle of a sync */

static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t got_stop, got_hup, got_chld;

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGTERM || sig == SIGINT) {
		if (!got_stop) {
			/* a sync in progress may not return soon: every output is replaced by rename,
			 * so leaving in the middle of one is safe, and the timer does that */
			struct itimerval it = {{0, 0}, {0, EXIT_GRACE_US}};
			setitimer(ITIMER_REAL, &it, NULL);
		}
		got_stop = 1;
	} else if (sig == SIGHUP) got_hup = 1;
	else if (sig == SIGCHLD) got_chld = 1;
	ssize_t r = write(sig_pipe[1], "s", 1);
	(void)r;
	errno = saved;
}

static void on_alarm(int sig)
{
	(void)sig;
	_exit(0);
}

static int setup_signals(void)
{
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* the write lease on context.json's spare (sync.c) never asks for SIGIO; should one
	 * come all the same, it must not end the daemon */
	signal(SIGIO, SIG_IGN);
	return 0;
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---------------------------------------------------------------- the site, one call */

typedef struct site_ctx {
	mr_site *site;
} site_ctx;

static json_t *whole_entry(void *state, const char *id)
{
	return mr_sync_state_entry(state, id);
}

static int render_site(void *ctx, mr_sync_state *state, json_t *doc, const mr_sync_result *res,
                       const char *const *changed, size_t n, size_t *written, char **err)
{
	site_ctx *sc = ctx;
	mr_site_set_entries(sc->site, whole_entry, state);
	return mr_site_render(sc->site, doc, res, changed, n, written, err);
}

/* ---------------------------------------------------------------- log lines */

static const char *change_word(const mr_change *c, mr_buf *b)
{
	mr_buf_reset(b);
	switch (c->kind) {
	case MR_CHANGE_ADDED:
		mr_buf_printf(b, "%s added (%s)", c->id, c->new_version ? c->new_version : "?");
		break;
	case MR_CHANGE_UPDATED:
		if (c->old_version && c->new_version && strcmp(c->old_version, c->new_version))
			mr_buf_printf(b, "%s %s -> %s", c->id, c->old_version, c->new_version);
		else mr_buf_printf(b, "%s changed (%s)", c->id, c->new_version ? c->new_version : "?");
		break;
	case MR_CHANGE_REMOVED:
		mr_buf_printf(b, "%s removed", c->id);
		break;
	case MR_CHANGE_INVALID:
		mr_buf_printf(b, "%s invalid%s", c->id, c->old_version ? ", keeps its last valid entry" : "");
		break;
	}
	return mr_buf_str(b);
}

static void log_sync(const mr_opts *o, const mr_watcher_report *rep)
{
	const mr_sync_result *r = &rep->res;
	bool changed = r->nchanges || r->entries_changed || r->context_changed || rep->full || rep->site_written;
	if (o->quiet || (!changed && !o->verbose)) return;
	char when[16];
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	mr_buf line = MR_BUF_INIT, tmp = MR_BUF_INIT;
	mr_buf_printf(&line, "modreg: sync %s %s +%zu ~%zu -%zu !%zu =%zu, %zu entr%s, %zu file%s", when, rep->reason, r->added,
	              r->updated, r->removed, r->invalid, r->unchanged, r->entries_changed,
	              r->entries_changed == 1 ? "y" : "ies", r->files_written, r->files_written == 1 ? "" : "s");
	if (rep->site_rendered) mr_buf_printf(&line, ", %zu page%s", rep->site_written, rep->site_written == 1 ? "" : "s");
	if (rep->postponed) mr_buf_printf(&line, ", %zu waiting", rep->postponed);
	mr_buf_printf(&line, ", %.1f ms", r->duration_ms);
	if (o->verbose)
		mr_buf_printf(&line, " (read %.1f, analyse %.1f, write %.1f, site %.1f)", rep->read_ms, rep->analyse_ms, rep->write_ms,
		              rep->site_ms);
	for (size_t i = 0; i < r->nchanges && i < 8; i++)
		mr_buf_printf(&line, "%s%s", i ? ", " : ": ", change_word(&r->changes[i], &tmp));
	if (r->nchanges > 8) mr_buf_printf(&line, " and %zu more", r->nchanges - 8);
	for (size_t i = 0; i < r->events.len && i < 3; i++) mr_buf_printf(&line, "; %s", r->events.items[i].message);
	if (r->events.len > 3) mr_buf_printf(&line, "; and %zu more warnings like these", r->events.len - 3);
	fprintf(stderr, "%s\n", mr_buf_str(&line));
	if (rep->site_error) mr_errorf("the site was not rendered: %s", rep->site_error);
	mr_buf_release(&line);
	mr_buf_release(&tmp);
}

/* ---------------------------------------------------------------- the loop */

typedef struct watchd {
	const mr_opts *o;
	mr_watch *watch;
	mr_watcher *w;
	mr_hook *hook;
	const char *resync_reason; /* the next registry RESCAN is this resync */
	double next_resync;
	bool said_missing;
} watchd;

static void take_records(watchd *d, double now)
{
	mr_watch_event *evs;
	size_t n = mr_watch_take(d->watch, &evs);
	for (size_t i = 0; i < n; i++) {
		const mr_watch_event *ev = &evs[i];
		bool registry = ev->root == MR_WATCHER_ROOT_REGISTRY;
		switch (ev->kind) {
		case MR_WATCH_ERROR:
			mr_errorf("%s", ev->message);
			break;
		case MR_WATCH_ROOT_GONE:
			if (!d->o->quiet) mr_errorf("%s", ev->message);
			break;
		case MR_WATCH_RESCAN:
			if (registry && d->resync_reason) {
				mr_watcher_request_full(d->w, d->resync_reason, now);
				d->resync_reason = NULL;
				continue;
			}
			if (!d->o->quiet) mr_errorf("%s; rescanning %s", ev->message, registry ? "the registry" : "the statistics");
			break;
		case MR_WATCH_CHANGED:
			if (d->o->verbose > 1) mr_errorf("changed: %s/%s", registry ? d->o->registry : d->o->stats, ev->path);
			break;
		}
		mr_watcher_event(d->w, ev, now);
	}
	mr_watch_events_free(evs, n);
}

static void run_hook(watchd *d, const mr_watcher_report *rep, double now)
{
	const mr_sync_result *r = &rep->res;
	if (!d->hook || !(r->nchanges || r->entries_changed || r->context_changed)) return;
	char *json = mr_sync_status_json(r, rep->reason);
	char *err = NULL;
	if (mr_hook_start(d->hook, json, strlen(json), now, &err) < 0) {
		mr_errorf("%s", err);
		free(err);
	}
	free(json);
}

static void reap_hooks(watchd *d, double now)
{
	if (!d->hook) return;
	char **notes;
	size_t n;
	mr_hook_poll(d->hook, now, &notes, &n);
	for (size_t i = 0; i < n; i++) {
		mr_errorf("%s", notes[i]);
		free(notes[i]);
	}
	free(notes);
}

static int poll_timeout(const watchd *d, double now)
{
	double next = mr_watcher_due(d->w);
	double hd = d->hook ? mr_hook_deadline(d->hook) : -1;
	if (hd >= 0 && (next < 0 || hd < next)) next = hd;
	if (d->next_resync > 0 && (next < 0 || d->next_resync < next)) next = d->next_resync;
	if (next < 0) return -1;
	double wait = ceil(next - now);
	return wait <= 0 ? 0 : wait > 60000 ? 60000 : (int)wait;
}

static int loop(watchd *d)
{
	const mr_opts *o = d->o;
	bool first = true;
	for (;;) {
		double now = mono_ms();
		if (got_stop) return 0;
		if (got_hup) {
			got_hup = 0;
			if (!o->quiet) mr_errorf("SIGHUP: full resync");
			d->resync_reason = "resync";
			mr_watch_reinit(d->watch);
		}
		if (got_chld) {
			got_chld = 0;
			reap_hooks(d, now);
		}
		if (d->next_resync > 0 && now >= d->next_resync) {
			d->resync_reason = "resync";
			mr_watch_reinit(d->watch);
			d->next_resync = now + (double)o->resync * 1000;
		}
		if (d->hook && mr_hook_deadline(d->hook) >= 0 && now >= mr_hook_deadline(d->hook)) reap_hooks(d, now);
		double due = mr_watcher_due(d->w);
		if (due >= 0 && now >= due) {
			mr_watcher_report rep;
			char *err = NULL;
			int r = mr_watcher_sync(d->w, now, &rep, &err);
			if (r < 0) {
				/* the disk is full or the output unwritable: say so, try again on the next change */
				mr_errorf("sync failed: %s", err);
				free(err);
			} else if (r > 0) {
				log_sync(o, &rep);
				if (first && !o->quiet) {
					mr_errorf("watching %s%s%s, writing %s%s", o->registry, o->stats ? " and " : "", o->stats ? o->stats : "",
					          o->out, d->hook ? "; --on-sync set" : "");
					first = false;
				}
				run_hook(d, &rep, mono_ms());
			}
			mr_watcher_report_release(&rep);
			if (mr_watcher_root_missing(d->w) && !d->said_missing) {
				mr_errorf("the registry %s does not exist; waiting for it", o->registry);
				d->said_missing = true;
			} else if (!mr_watcher_root_missing(d->w)) d->said_missing = false;
			continue;
		}
		struct pollfd pfd[2] = {{mr_watch_fd(d->watch), POLLIN, 0}, {sig_pipe[0], POLLIN, 0}};
		int pr = poll(pfd, 2, poll_timeout(d, now));
		if (pr < 0 && errno != EINTR) {
			mr_errorf("poll: %s", strerror(errno));
			return MR_EXIT_FAILURE;
		}
		if (pfd[1].revents & POLLIN) {
			char buf[64];
			while (read(sig_pipe[0], buf, sizeof buf) > 0) {
			}
		}
		if (pfd[0].revents & POLLIN) take_records(d, mono_ms());
	}
}

/* Is dir inside root (lexically)?  Then the watcher must not watch its own output. */
static bool inside(const char *dir, const char *root)
{
	char *d = realpath(dir, NULL), *r = realpath(root, NULL);
	bool in = false;
	if (d && r) {
		size_t n = strlen(r);
		in = !strncmp(d, r, n) && (d[n] == '/' || d[n] == '\0');
	}
	free(d);
	free(r);
	return in;
}

int mr_cmd_watch(const mr_opts *o)
{
	if (setup_signals() < 0) {
		mr_errorf("cannot set up signal handling: %s", strerror(errno));
		return MR_EXIT_FAILURE;
	}
	/* A daemon: give freed memory at the top of the heap back to the system rather than
	 * keep it for later (glibc otherwise raises its thresholds as large buffers come and
	 * go, and a watcher's occasional large buffers — a full sync's — would stay with it
	 * for good).  But large blocks come from the heap, not from mmap() each time: a group
	 * of checks run over the whole registry allocates some megabytes of tables, and
	 * mapping them anew each time (page faults, unmapping across both threads) doubled
	 * its time. */
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	int rc = MR_EXIT_FAILURE;
	char *err = NULL, *templates = NULL;
	site_ctx sc = {NULL};
	watchd d = {o, NULL, NULL, NULL, NULL, 0, false};
	if (mr_mkdirs(o->out, 0755) < 0) {
		mr_errorf("cannot create %s: %s", o->out, strerror(errno));
		goto out;
	}
	if (inside(o->out, o->registry)) {
		mr_errorf("the output directory %s is inside the registry %s; choose another --out", o->out, o->registry);
		goto out;
	}
	templates = mr_site_find_templates(o->templates);
	if (!templates && o->templates) {
		mr_errorf("templates directory '%s' does not exist", o->templates);
		goto out;
	}
	if (templates) {
		/* the index is the main job: templates that cannot be used stop the site, not the daemon */
		mr_site_opts so = {o->out, templates, o->registry, o->repo_url, 1}; /* in process: no fork() while the inotify thread runs */
		sc.site = mr_site_new(&so, &err);
		if (!sc.site) {
			mr_errorf("the site will not be built: %s", err);
			free(err);
			err = NULL;
		}
	} else if (!o->quiet)
		mr_errorf("no templates directory found (--templates DIR): writing the index, not the site");
	mr_watch_root roots[2] = {{o->registry, 6, NULL}, {o->stats, 0, NULL}};
	d.watch = mr_watch_start(roots, o->stats ? 2 : 1, &err);
	if (!d.watch) {
		mr_errorf("%s", err);
		goto out;
	}
	mr_watcher_opts wo = {o->registry, o->stats, o->out, 0, 0, 0, 0, sc.site ? render_site : NULL, &sc};
	d.w = mr_watcher_new(&wo);
	if (o->on_sync && *o->on_sync) {
		/* the tests shorten the time limit; nothing else should */
		const char *t = getenv("MODREG_WATCH_HOOK_TIMEOUT");
		double timeout = t && atof(t) > 0 ? atof(t) * 1000 : HOOK_TIMEOUT_MS;
		d.hook = mr_hook_new(o->on_sync, timeout, HOOK_MAX_RUNNING);
	}
	if (o->resync > 0) d.next_resync = mono_ms() + (double)o->resync * 1000;
	rc = loop(&d);
	if (rc == 0 && !o->quiet) mr_errorf("stopped");
out:
	mr_hook_free(d.hook);
	mr_watch_stop(d.watch);
	mr_watcher_free(d.w);
	mr_site_free(sc.site);
	free(templates);
	free(err);
	return rc;
}
