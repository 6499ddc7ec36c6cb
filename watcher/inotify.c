/* inotify.c — watch.h on libinotifytools, the only file that includes it.  The
 * library keeps one hidden descriptor and global state and waits in whole seconds,
 * so one thread owns it: it turns kernel events into path records, queues them and
 * wakes the caller through a pipe.  The thread keeps its own map from watch
 * descriptor to path, because the library's map goes stale (entries of watches the
 * kernel dropped stay behind, directories moved out keep their old names). */
#include "watch.h"

#include "util.h"

#include <inotifytools/inotify.h>
#include <inotifytools/inotifytools.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MASK                                                                                                     \
	(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | \
	 IN_ATTRIB | IN_ONLYDIR)

/* one watched directory */
typedef struct wentry {
	int wd;    /* 0: free slot (the kernel never hands out 0) */
	int root;  /* index of its root */
	int depth; /* levels below the root */
	char *rel; /* relative to the root, "" for the root itself */
} wentry;

typedef struct rootinfo {
	char *abs;     /* absolute, no trailing slash */
	int depth;     /* levels of subdirectories to watch */
	char *skip;    /* absolute path of a directory to leave out, or NULL */
	bool present;  /* watched; otherwise polled for until it appears */
	int wd;        /* of the root directory itself, 0 when none */
	bool was_gone; /* it existed and went away (says so when it is back) */
} rootinfo;

struct mr_watch {
	pthread_t thread;
	bool started;
	int pipe[2];
	pthread_mutex_t lock;
	mr_watch_event *q; /* under lock */
	size_t qn, qcap;
	atomic_bool stop, reinit;
	/* owned by the watching thread after start */
	rootinfo *roots;
	size_t nroots;
	wentry *map; /* open addressing by wd */
	size_t mapcap, mapn;
	size_t nwatches;
	bool move_pending; /* a directory was moved from here; where to is the next event */
	uint32_t move_cookie;
	int move_root;
	char *move_rel;
	bool limit_said; /* the watch limit was reported since the last reinit */
	unsigned long dead; /* library entries of dropped watches, renamed out of the way */
	double last_poll;
	unsigned long nevents;
	long test_drop, test_limit;
	double drop_until;
	bool dropping;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- records for the caller */

static void emit(mr_watch *w, mr_watch_kind kind, int root, const char *path, bool is_dir, char *message)
{
	pthread_mutex_lock(&w->lock);
	bool wake = w->qn == 0;
	MR_GROW(w->q, w->qcap, w->qn + 1);
	w->q[w->qn++] = (mr_watch_event){kind, root, is_dir, path ? mr_xstrdup(path) : NULL, message};
	pthread_mutex_unlock(&w->lock);
	if (wake) {
		ssize_t r = write(w->pipe[1], "w", 1);
		(void)r; /* a full pipe already wakes the reader */
	}
}

size_t mr_watch_take(mr_watch *w, mr_watch_event **evs)
{
	char buf[256];
	while (read(w->pipe[0], buf, sizeof buf) > 0) {
	}
	pthread_mutex_lock(&w->lock);
	size_t n = w->qn;
	*evs = w->q;
	w->q = NULL;
	w->qn = w->qcap = 0;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void mr_watch_events_free(mr_watch_event *evs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(evs[i].path);
		free(evs[i].message);
	}
	free(evs);
}

int mr_watch_fd(const mr_watch *w)
{
	return w->pipe[0];
}

/* ---------------------------------------------------------------- wd -> path */

static size_t slot_of(const mr_watch *w, int wd)
{
	return ((size_t)wd * 2654435761u) & (w->mapcap - 1);
}

static wentry *map_get(mr_watch *w, int wd)
{
	if (!w->mapcap || wd <= 0) return NULL;
	for (size_t i = slot_of(w, wd);; i = (i + 1) & (w->mapcap - 1)) {
		if (w->map[i].wd == wd) return &w->map[i];
		if (w->map[i].wd == 0) return NULL;
	}
}

static void map_put(mr_watch *w, int wd, int root, int depth, const char *rel);

static void map_grow(mr_watch *w)
{
	wentry *old = w->map;
	size_t oldcap = w->mapcap;
	w->mapcap = oldcap ? oldcap * 2 : 256;
	w->map = mr_xcalloc(w->mapcap, sizeof *w->map);
	w->mapn = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].wd) {
			map_put(w, old[i].wd, old[i].root, old[i].depth, NULL);
			map_get(w, old[i].wd)->rel = old[i].rel;
		}
	free(old);
}

static void map_put(mr_watch *w, int wd, int root, int depth, const char *rel)
{
	wentry *e = map_get(w, wd);
	if (e) {
		/* the same directory again (re-added after a move): it has one name, the newest */
		free(e->rel);
		e->rel = rel ? mr_xstrdup(rel) : NULL;
		e->root = root;
		e->depth = depth;
		return;
	}
	if ((w->mapn + 1) * 2 > w->mapcap) map_grow(w);
	size_t i = slot_of(w, wd);
	while (w->map[i].wd) i = (i + 1) & (w->mapcap - 1);
	w->map[i] = (wentry){wd, root, depth, rel ? mr_xstrdup(rel) : NULL};
	w->mapn++;
}

/* Remove by backward shifting, so that lookups need no tombstones. */
static void map_del(mr_watch *w, int wd)
{
	wentry *e = map_get(w, wd);
	if (!e) return;
	free(e->rel);
	size_t i = (size_t)(e - w->map);
	w->map[i].wd = 0;
	w->map[i].rel = NULL;
	w->mapn--;
	for (size_t j = (i + 1) & (w->mapcap - 1); w->map[j].wd; j = (j + 1) & (w->mapcap - 1)) {
		size_t home = slot_of(w, w->map[j].wd);
		/* can the entry at j move to the hole at i? (is i cyclically in [home, j)) */
		bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			w->map[i] = w->map[j];
			w->map[j].wd = 0;
			w->map[j].rel = NULL;
			i = j;
		}
	}
}

static void map_clear(mr_watch *w)
{
	for (size_t i = 0; i < w->mapcap; i++)
		if (w->map[i].wd) free(w->map[i].rel);
	free(w->map);
	w->map = NULL;
	w->mapcap = w->mapn = 0;
}

/* ---------------------------------------------------------------- watching */

static char *abs_of(const mr_watch *w, int root, const char *rel)
{
	return *rel ? mr_xasprintf("%s/%s", w->roots[root].abs, rel) : mr_xstrdup(w->roots[root].abs);
}

static char *join_rel(const char *dir, const char *name)
{
	return *dir ? mr_xasprintf("%s/%s", dir, name) : mr_xstrdup(name);
}

/* Is path dir or below it?  Every relative path is below "". */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (!n) return true;
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

static long read_proc_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1) v = -1;
		fclose(f);
	}
	return v;
}

static void say_limit(mr_watch *w, int root, const char *abs)
{
	if (w->limit_said) return;
	w->limit_said = true;
	long max = read_proc_long("/proc/sys/fs/inotify/max_user_watches");
	char *msg = mr_xasprintf("cannot watch %s: the inotify watch limit is reached (fs.inotify.max_user_watches = %ld, "
	                         "shared by all processes of this user); raise it, e.g. "
	                         "'sysctl fs.inotify.max_user_watches=%ld'; until then changes there are seen only by "
	                         "the periodic resync",
	                         abs, max, max > 0 ? max * 4 : 524288);
	emit(w, MR_WATCH_ERROR, root, NULL, false, msg);
}

/* Watch one directory; returns its wd, or -1 (errno set). */
static int add_watch(mr_watch *w, int root, const char *rel, int depth)
{
	if (w->test_limit >= 0 && (long)w->nwatches >= w->test_limit) {
		errno = ENOSPC;
		return -1;
	}
	char *abs = abs_of(w, root, rel);
	char *slashed = mr_xasprintf("%s/", abs);
	free(abs);
	errno = 0;
	int ok = inotifytools_watch_file(slashed, MASK);
	int saved = errno ? errno : inotifytools_error();
	int wd = ok ? inotifytools_wd_from_filename(slashed) : -1;
	free(slashed);
	if (wd <= 0) {
		errno = saved ? saved : ENOENT;
		return -1;
	}
	if (!map_get(w, wd)) w->nwatches++;
	map_put(w, wd, root, depth, rel);
	if (!*rel) w->roots[root].wd = wd;
	return wd;
}

/* Watch dir and everything below it, each directory before it is listed, so that nothing
 * created in between goes unseen.  Returns false when a watch could not be added for lack
 * of watches (events there will be missed). */
static bool watch_tree(mr_watch *w, int root, const char *rel, int depth)
{
	const rootinfo *r = &w->roots[root];
	char *abs = abs_of(w, root, rel);
	bool ok = true;
	if (r->skip && under(abs, r->skip)) goto out;
	if (add_watch(w, root, rel, depth) < 0) {
		if (errno == ENOSPC) {
			say_limit(w, root, abs);
			ok = false;
		}
		goto out;
	}
	if (depth >= r->depth) goto out;
	DIR *d = opendir(abs);
	if (!d) goto out;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (mr_name_ignored(e->d_name)) continue;
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
		char *child = mr_path_join(abs, e->d_name);
		struct stat st;
		bool dir = lstat(child, &st) == 0 && S_ISDIR(st.st_mode);
		free(child);
		if (!dir) continue;
		char *crel = join_rel(rel, e->d_name);
		ok = watch_tree(w, root, crel, depth + 1) && ok;
		free(crel);
	}
	closedir(d);
out:
	free(abs);
	return ok;
}

/* Forget the watches of root under rel (the directory itself included).  alive: the
 * kernel still has them (a directory moved away), so they are removed there too. */
static void unwatch_under(mr_watch *w, int root, const char *rel, bool alive)
{
	for (size_t i = 0; i < w->mapcap;) {
		wentry *e = &w->map[i];
		if (e->wd && e->root == root && under(e->rel, rel)) {
			int wd = e->wd;
			if (alive) inotifytools_remove_watch_by_wd(wd);
			map_del(w, wd);
			w->nwatches--;
			continue; /* another entry may have shifted into slot i */
		}
		i++;
	}
}

/* A directory moved within the tree: its watches (and the library's names) follow. */
static void rename_under(mr_watch *w, int root, const char *from, const char *to, int depth_delta)
{
	size_t fl = strlen(from);
	for (size_t i = 0; i < w->mapcap; i++) {
		wentry *e = &w->map[i];
		if (!e->wd || e->root != root || !under(e->rel, from)) continue;
		char *nrel = mr_xasprintf("%s%s", to, e->rel + fl);
		free(e->rel);
		e->rel = nrel;
		e->depth += depth_delta;
	}
	char *fa = abs_of(w, root, from), *ta = abs_of(w, root, to);
	char *fs = mr_xasprintf("%s/", fa), *ts = mr_xasprintf("%s/", ta);
	inotifytools_replace_filename(fs, ts);
	free(fa);
	free(ta);
	free(fs);
	free(ts);
}

static int depth_of(const char *rel)
{
	if (!*rel) return 0;
	int d = 1;
	for (const char *p = rel; *p; p++)
		if (*p == '/') d++;
	return d;
}

/* Watch a root that exists; false when it does not (it is polled for). */
static bool establish(mr_watch *w, int root)
{
	rootinfo *r = &w->roots[root];
	struct stat st;
	if (stat(r->abs, &st) < 0 || !S_ISDIR(st.st_mode)) return false;
	r->wd = 0;
	watch_tree(w, root, "", 0);
	/* when not even the root could be watched, it is polled for like a missing one */
	r->present = r->wd > 0;
	return r->present;
}

static void reinit_all(mr_watch *w, const char *why)
{
	inotifytools_cleanup();
	map_clear(w);
	w->nwatches = 0;
	w->dead = 0;
	w->limit_said = false;
	free(w->move_rel);
	w->move_rel = NULL;
	w->move_pending = false;
	if (!inotifytools_initialize()) {
		emit(w, MR_WATCH_ERROR, 0, NULL, false,
		     mr_xasprintf("cannot initialise inotify again: %s; only the periodic resync will see changes",
		                  strerror(inotifytools_error())));
		return;
	}
	for (size_t i = 0; i < w->nroots; i++) {
		w->roots[i].present = false;
		if (establish(w, (int)i)) emit(w, MR_WATCH_RESCAN, (int)i, NULL, false, mr_xstrdup(why));
	}
}

/* Roots that are missing: are they there now? */
static void poll_roots(mr_watch *w)
{
	double t = now_s();
	if (t - w->last_poll < 0.25) return;
	w->last_poll = t;
	for (size_t i = 0; i < w->nroots; i++) {
		rootinfo *r = &w->roots[i];
		if (r->present || !establish(w, (int)i)) continue;
		emit(w, MR_WATCH_RESCAN, (int)i, NULL, false,
		     mr_xasprintf("%s %s", r->abs, r->was_gone ? "is back" : "appeared"));
	}
}

/* ---------------------------------------------------------------- events */

static void moved_out(mr_watch *w)
{
	if (!w->move_pending) return;
	unwatch_under(w, w->move_root, w->move_rel, true);
	free(w->move_rel);
	w->move_rel = NULL;
	w->move_pending = false;
}

static void root_gone(mr_watch *w, int root, bool alive)
{
	rootinfo *r = &w->roots[root];
	if (!r->present) return;
	unwatch_under(w, root, "", alive);
	r->present = false;
	r->was_gone = true;
	emit(w, MR_WATCH_ROOT_GONE, root, NULL, false,
	     mr_xasprintf("%s was %s; waiting for it to come back", r->abs, alive ? "moved away" : "deleted"));
}

static void handle(mr_watch *w, struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		long max = read_proc_long("/proc/sys/fs/inotify/max_queued_events");
		char *why = mr_xasprintf("the inotify event queue overflowed (fs.inotify.max_queued_events = %ld): events "
		                         "were lost",
		                         max);
		reinit_all(w, why);
		free(why);
		return;
	}
	/* a directory moved from here: if this event is not its arrival, it left the tree */
	bool arrival = w->move_pending && (ev->mask & IN_MOVED_TO) && ev->cookie == w->move_cookie && (ev->mask & IN_ISDIR);
	if (w->move_pending && !arrival) moved_out(w);

	wentry *e = map_get(w, ev->wd);
	if (ev->mask & IN_IGNORED) {
		if (e) {
			map_del(w, ev->wd);
			w->nwatches--;
		}
		/* the library keeps the dead entry under the directory's name, where it would shadow
		 * a new directory of the same name: rename it out of the way */
		char *dead = mr_xasprintf("/dev/null/modreg-dropped-watch/%d/", ev->wd);
		inotifytools_set_filename_by_wd(ev->wd, dead);
		free(dead);
		/* the library never frees those entries: start it afresh once they pile up */
		if (++w->dead > 100000) reinit_all(w, "the watch bookkeeping was compacted");
		return;
	}
	if (!e) return; /* a watch already forgotten */
	int root = e->root;
	rootinfo *r = &w->roots[root];
	if (!ev->len) {
		/* about the watched directory itself */
		if (!*e->rel && (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))) root_gone(w, root, (ev->mask & IN_MOVE_SELF) != 0);
		else if (ev->mask & IN_ATTRIB) emit(w, MR_WATCH_CHANGED, root, e->rel, true, NULL);
		return;
	}
	if (mr_name_ignored(ev->name)) return;
	char *rel = join_rel(e->rel, ev->name);
	int depth = e->depth + 1;
	char *abs = abs_of(w, root, rel);
	bool skipped = r->skip && under(abs, r->skip);
	free(abs);
	if (skipped) goto out;
	bool isdir = (ev->mask & IN_ISDIR) != 0;
	if (isdir && (ev->mask & IN_MOVED_FROM)) {
		w->move_pending = true;
		w->move_cookie = ev->cookie;
		w->move_root = root;
		w->move_rel = mr_xstrdup(rel);
	} else if (arrival) {
		if (w->move_root == root) {
			rename_under(w, root, w->move_rel, rel, depth - depth_of(w->move_rel));
			free(w->move_rel);
			w->move_rel = NULL;
			w->move_pending = false;
		} else {
			moved_out(w);
			if (depth <= r->depth) watch_tree(w, root, rel, depth);
		}
	} else if (isdir && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
		/* when the limit keeps a watch from being added, the ERROR says so; what is in the
		 * directory now is read all the same (the record below), later changes wait for
		 * the periodic resync */
		if (depth <= r->depth) watch_tree(w, root, rel, depth);
	} else if (!isdir && (ev->mask & IN_CREATE) && !(ev->mask & IN_MOVED_TO)) {
		/* a new empty file is followed by its CLOSE_WRITE; links and special files are not */
		char *p = abs_of(w, root, rel);
		struct stat st;
		bool skip = lstat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
		free(p);
		if (skip) goto out;
	}
	emit(w, MR_WATCH_CHANGED, root, rel, isdir, NULL);
out:
	free(rel);
}

/* Test hook: after the N-th event, throw away what arrives for 0.2 s, then behave as on
 * a queue overflow. */
static bool test_dropping(mr_watch *w)
{
	if (w->test_drop <= 0) return false;
	if (!w->dropping && w->nevents == (unsigned long)w->test_drop) {
		w->dropping = true;
		w->drop_until = now_s() + 0.2;
	}
	if (!w->dropping) return false;
	if (now_s() < w->drop_until) return true;
	w->dropping = false;
	w->test_drop = 0;
	reinit_all(w, "the inotify event queue overflowed (simulated by MODREG_WATCH_TEST_DROP): events were lost");
	return true;
}

/* SIGUSR2 only interrupts the library's select(): mr_watch_stop sends it. */
static void wake(int sig)
{
	(void)sig;
}

static void *run(void *arg)
{
	mr_watch *w = arg;
	sigset_t all;
	sigfillset(&all);
	sigdelset(&all, SIGUSR2);
	pthread_sigmask(SIG_SETMASK, &all, NULL); /* signals are the main thread's, but for the wake-up */
	while (!atomic_load(&w->stop)) {
		if (atomic_exchange(&w->reinit, false)) reinit_all(w, "watches re-established for a full resync");
		poll_roots(w);
		struct inotify_event *ev = inotifytools_next_event(1);
		if (atomic_load(&w->stop)) break;
		if (!ev) {
			moved_out(w); /* nothing arrived after a move: it left the tree */
			if (w->dropping) test_dropping(w);
			continue;
		}
		w->nevents++;
		if (test_dropping(w)) continue;
		handle(w, ev);
	}
	return NULL;
}

/* ---------------------------------------------------------------- start and stop */

static char *absolute(const char *path)
{
	char *p;
	if (path[0] == '/') p = mr_xstrdup(path);
	else {
		char *cwd = getcwd(NULL, 0);
		p = mr_path_join(cwd ? cwd : ".", path);
		free(cwd);
	}
	/* no trailing slashes, no "/./" */
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/') p[--n] = '\0';
	char *q;
	while ((q = strstr(p, "/./"))) memmove(q, q + 2, strlen(q + 2) + 1);
	n = strlen(p);
	if (n > 2 && !strcmp(p + n - 2, "/.")) p[n - 2] = '\0';
	return p;
}

static long env_long(const char *name)
{
	const char *s = getenv(name);
	return s && *s ? strtol(s, NULL, 10) : -1;
}

mr_watch *mr_watch_start(const mr_watch_root *roots, size_t n, char **err)
{
	mr_watch *w = mr_xcalloc(1, sizeof *w);
	w->pipe[0] = w->pipe[1] = -1;
	pthread_mutex_init(&w->lock, NULL);
	if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		*err = mr_xasprintf("cannot create a pipe: %s", strerror(errno));
		goto fail;
	}
	if (!inotifytools_initialize()) {
		*err = mr_xasprintf("cannot use inotify: %s%s", strerror(inotifytools_error()),
		                    inotifytools_error() == EMFILE ? " (fs.inotify.max_user_instances is reached)" : "");
		goto fail;
	}
	w->test_drop = env_long("MODREG_WATCH_TEST_DROP");
	w->test_limit = env_long("MODREG_WATCH_TEST_LIMIT");
	w->roots = mr_xcalloc(n + 1, sizeof *w->roots);
	w->nroots = n;
	for (size_t i = 0; i < n; i++) {
		w->roots[i].abs = absolute(roots[i].path);
		w->roots[i].depth = roots[i].depth;
		w->roots[i].skip = roots[i].skip ? absolute(roots[i].skip) : NULL;
	}
	/* the wake-up signal interrupts system calls instead of restarting them */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = wake;
	sigaction(SIGUSR2, &sa, NULL);
	/* watch before the caller's first full scan, so that nothing after it is missed */
	for (size_t i = 0; i < n; i++) establish(w, (int)i);
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		*err = mr_xstrdup("cannot start the watching thread");
		goto fail;
	}
	w->started = true;
	return w;
fail:
	mr_watch_stop(w);
	return NULL;
}

void mr_watch_reinit(mr_watch *w)
{
	atomic_store(&w->reinit, true);
}

void mr_watch_stop(mr_watch *w)
{
	if (!w) return;
	bool joined = !w->started;
	if (w->started) {
		/* the thread waits in select() for at most a second; a signal cuts that short (again
		 * and again, in case one arrives just before it starts waiting) */
		atomic_store(&w->stop, true);
		for (int i = 0; i < 50 && !joined; i++) {
			pthread_kill(w->thread, SIGUSR2);
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 40 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
			joined = pthread_timedjoin_np(w->thread, NULL, &ts) == 0;
		}
		if (!joined) {
			/* still busy (a huge tree being watched): leave it to the process's exit */
			pthread_detach(w->thread);
			return;
		}
	}
	inotifytools_cleanup();
	map_clear(w);
	for (size_t i = 0; i < w->nroots; i++) {
		free(w->roots[i].abs);
		free(w->roots[i].skip);
	}
	free(w->roots);
	free(w->move_rel);
	mr_watch_events_free(w->q, w->qn);
	if (w->pipe[0] >= 0) close(w->pipe[0]);
	if (w->pipe[1] >= 0) close(w->pipe[1]);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
