/* watcher.h — the logic of `modreg watch`, apart from the operating system: which
 * module a changed path belongs to, how long to wait for a burst of changes to end
 * (debounce), and the sync of a batch: reload only what changed, analyse again only
 * when a manifest changed, and write through an mr_sync_state, which re-renders only
 * the entries the batch affects.  cli/cmd_watch.c feeds it the records of watch.h
 * and the clock; the tests feed it synthetic ones.  Nothing here prints or sleeps.
 * Status convention: 0 / -1. */
#ifndef MR_WATCHER_H
#define MR_WATCHER_H

#include "sync.h"
#include "watch.h"

/* The roots of watch.h records: mr_watch_start gets them in this order. */
enum { MR_WATCHER_ROOT_REGISTRY = 0, MR_WATCHER_ROOT_STATS = 1 };

/* Called after each sync that changed something (and after the first, with changed NULL:
 * render everything).  doc: the parsed context.json, its module entries abridged
 * (borrowed; mr_sync_state_json); state: where whole entries come from
 * (mr_sync_state_entry).  Returns 0, or -1 with *err (heap).  This is where the site
 * generator plugs in: one call. */
typedef int (*mr_watcher_render_fn)(void *ctx, mr_sync_state *state, json_t *doc, const mr_sync_result *res,
                                    const char *const *changed, size_t nchanged, size_t *written, char **err);

typedef struct mr_watcher_opts {
	const char *registry;       /* the registry root */
	const char *stats;          /* the statistics directory (need not exist), or NULL */
	const char *out;            /* where context.json and the rest go */
	double quiet_ms;            /* sync once changes have been quiet this long (0: 10 ms) */
	double max_delay_ms;        /* ... or this long after the first change, however busy (0: 200 ms) */
	double grace_ms;            /* a manifest that vanished may come back this long (0: 150 ms) */
	double clock_ms;            /* re-check clock-dependent health this often (0: 60 s) */
	mr_watcher_render_fn render; /* NULL: no site */
	void *render_ctx;
} mr_watcher_opts;

/* What one sync did, for the log line, status.json and the --on-sync hook. */
typedef struct mr_watcher_report {
	mr_sync_result res;   /* release with mr_watcher_report_release */
	const char *reason;   /* "start-up", "change", "resync", "rescan", "clock" (static) */
	bool full;            /* the whole registry was read again */
	size_t reloaded;      /* modules read again */
	size_t postponed;     /* modules whose manifest vanished, given a moment to come back */
	bool site_rendered;
	size_t site_written;  /* pages rewritten */
	char *site_error;     /* the site failed (heap), the index was written all the same */
	/* where the time went (ms): reading manifests and statistics, the cross-module
	 * analysis, writing context.json and api/ (status.json included), the site */
	double read_ms, analyse_ms, write_ms, site_ms;
} mr_watcher_report;

void mr_watcher_report_release(mr_watcher_report *r);

typedef struct mr_watcher mr_watcher;

/* Never NULL.  Nothing is read until the first mr_watcher_sync (a full one). */
mr_watcher *mr_watcher_new(const mr_watcher_opts *opts);
void mr_watcher_free(mr_watcher *w);

/* Take one record of watch.h (root: MR_WATCHER_ROOT_*) seen at now_ms (a monotonic clock). */
void mr_watcher_event(mr_watcher *w, const mr_watch_event *ev, double now_ms);
/* Read everything again at the next sync (SIGHUP, --resync, a RESCAN).  reason is static. */
void mr_watcher_request_full(mr_watcher *w, const char *reason, double now_ms);
/* The registry root is gone: hold every sync until a RESCAN says it is back. */
bool mr_watcher_root_missing(const mr_watcher *w);

/* When the next sync is due (the clock of now_ms), or a negative number when nothing is. */
double mr_watcher_due(const mr_watcher *w);
/* Sync what is due at now_ms.  *rep gets what happened (initialised here; release it).
 * Returns 1 when a sync ran, 0 when nothing was due, -1 on a failure to write (*err). */
int mr_watcher_sync(mr_watcher *w, double now_ms, mr_watcher_report *rep, char **err);

/* ---- the rules, exposed for the tests ---- */

/* A path relative to the registry root: the module it belongs to (*id, heap, or NULL)
 * and whether the registry's own diagnostics (not-a-module, bad ids) may change.
 * Returns false when the path does not matter (hidden, editor leftovers, ...). */
bool mr_watcher_registry_path(const char *rel, char **id, bool *extras);
/* A path relative to the statistics directory: the module whose statistics it holds
 * (*id, heap).  Returns false when it is not a statistics file. */
bool mr_watcher_stats_path(const char *rel, char **id);

#endif
