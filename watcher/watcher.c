/* watcher.c — what a batch of changed paths means and how it is synced: the dirty
 * modules are read again one by one, the cross-module analysis runs again only when
 * a manifest changed, and mr_sync_run re-renders only the entries that differ. */
#include "watcher.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* a module (or its statistics) with changes not yet synced */
typedef struct dirty {
	char *id;
	double last;  /* when its latest change was seen */
	bool module;  /* its directory: manifest, README, docs, schemas */
	bool stats;   /* its statistics file */
} dirty;

struct mr_watcher {
	mr_watcher_opts o;
	mr_registry reg;
	bool loaded;         /* reg holds a registry (a full read happened) */
	mr_analysis an;
	bool analysed;
	mr_analysis old_an;     /* the analysis before the last, freed once the sync is written */
	bool old_analysed;
	mr_sync_state *state;
	dirty *d;            /* sorted by id */
	size_t nd, capd;
	bool extras;         /* the registry's own diagnostics may have changed */
	bool full;           /* read everything again */
	const char *full_reason;
	bool stats_full;     /* read every statistics file again */
	bool readme;         /* the registry's README.md changed (the site's index page) */
	char **reread;       /* modules read again by this sync: their README and docs pages may */
	size_t nreread, capreread; /* have changed with nothing in context.json to show it */
	bool started;        /* the first (full) sync happened */
	bool root_missing;
	double first, last;  /* the pending batch's first and latest change; first < 0: none */
	double hold_until;   /* only vanished manifests are pending: wait for them until then */
	double next_clock;   /* when to re-check clock-dependent health; < 0: nothing depends on it */
};

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---------------------------------------------------------------- paths */

static bool any_ignored(const char *rel)
{
	const char *p = rel;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *c = mr_xstrndup(p, n);
		bool ign = mr_name_ignored(c);
		free(c);
		if (ign) return true;
		p += n;
		if (*p == '/') p++;
	}
	return false;
}

bool mr_watcher_registry_path(const char *rel, char **id, bool *extras)
{
	*id = NULL;
	*extras = false;
	if (!*rel) {
		*extras = true; /* the root itself: its entries may have changed */
		return true;
	}
	if (rel[0] == '/' || any_ignored(rel)) return false;
	const char *slash = strchr(rel, '/');
	char *name = slash ? mr_xstrndup(rel, (size_t)(slash - rel)) : mr_xstrdup(rel);
	bool valid = mr_id_valid(name);
	if (!slash) {
		/* an entry of the root: a module appearing or going, or a plain file */
		*extras = true;
		if (valid) *id = name;
		else free(name);
		return true;
	}
	if (!valid) {
		/* inside a directory that cannot be a module: only whether it holds a manifest matters */
		free(name);
		*extras = !strcmp(slash + 1, "module.yaml");
		return *extras;
	}
	*id = name;
	return true;
}

bool mr_watcher_stats_path(const char *rel, char **id)
{
	*id = NULL;
	size_t n = strlen(rel);
	if (strchr(rel, '/') || mr_name_ignored(rel) || n <= 5 || strcmp(rel + n - 5, ".json")) return false;
	*id = mr_xstrndup(rel, n - 5);
	return true;
}

/* ---------------------------------------------------------------- life */

mr_watcher *mr_watcher_new(const mr_watcher_opts *opts)
{
	mr_watcher *w = mr_xcalloc(1, sizeof *w);
	w->o = *opts;
	w->o.registry = mr_xstrdup(opts->registry);
	w->o.stats = opts->stats ? mr_xstrdup(opts->stats) : NULL;
	w->o.out = mr_xstrdup(opts->out);
	if (w->o.quiet_ms <= 0) w->o.quiet_ms = 10;
	if (w->o.max_delay_ms <= 0) w->o.max_delay_ms = 200;
	if (w->o.grace_ms <= 0) w->o.grace_ms = 150;
	if (w->o.clock_ms <= 0) w->o.clock_ms = 60000;
	w->state = mr_sync_state_new(w->o.out, opts->render ? MR_KEEP_BRIEF : MR_KEEP_NONE);
	mr_sync_state_keep_spare(w->state);
	w->first = -1;
	w->next_clock = -1;
	w->full = true;
	w->full_reason = "start-up";
	return w;
}

static void clear_reread(mr_watcher *w)
{
	for (size_t i = 0; i < w->nreread; i++) free(w->reread[i]);
	w->nreread = 0;
}

static void clear_dirty(mr_watcher *w)
{
	for (size_t i = 0; i < w->nd; i++) free(w->d[i].id);
	w->nd = 0;
}

static void release_old(mr_watcher *w)
{
	if (w->old_analysed) mr_analysis_release(&w->old_an);
	w->old_analysed = false;
}

void mr_watcher_free(mr_watcher *w)
{
	if (!w) return;
	clear_dirty(w);
	free(w->d);
	clear_reread(w);
	free(w->reread);
	release_old(w);
	if (w->analysed) mr_analysis_release(&w->an);
	if (w->loaded) mr_registry_release(&w->reg);
	mr_sync_state_free(w->state);
	free((char *)w->o.registry);
	free((char *)w->o.stats);
	free((char *)w->o.out);
	free(w);
}

void mr_watcher_report_release(mr_watcher_report *r)
{
	mr_sync_result_release(&r->res);
	free(r->site_error);
	memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------- events */

static void seen(mr_watcher *w, double now)
{
	if (w->first < 0) w->first = now;
	w->last = now;
	w->hold_until = 0;
}

static dirty *mark(mr_watcher *w, char *id, double now)
{
	size_t lo = 0, hi = w->nd;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(w->d[mid].id, id);
		if (c == 0) {
			free(id);
			w->d[mid].last = now;
			return &w->d[mid];
		}
		if (c < 0) lo = mid + 1;
		else hi = mid;
	}
	MR_GROW(w->d, w->capd, w->nd + 1);
	memmove(w->d + lo + 1, w->d + lo, (w->nd - lo) * sizeof *w->d);
	w->d[lo] = (dirty){id, now, false, false};
	w->nd++;
	return &w->d[lo];
}

void mr_watcher_request_full(mr_watcher *w, const char *reason, double now_ms)
{
	if (!w->full || !w->full_reason) w->full_reason = reason;
	w->full = true;
	seen(w, now_ms);
}

bool mr_watcher_root_missing(const mr_watcher *w)
{
	return w->root_missing;
}

void mr_watcher_event(mr_watcher *w, const mr_watch_event *ev, double now_ms)
{
	bool registry = ev->root == MR_WATCHER_ROOT_REGISTRY;
	char *id = NULL;
	switch (ev->kind) {
	case MR_WATCH_CHANGED:
		if (registry) {
			bool extras;
			if (!mr_watcher_registry_path(ev->path, &id, &extras)) return;
			if (!strcmp(ev->path, "README.md")) w->readme = true;
			if (extras) w->extras = true;
			if (id) mark(w, id, now_ms)->module = true;
		} else {
			if (!mr_watcher_stats_path(ev->path, &id)) return;
			mark(w, id, now_ms)->stats = true;
		}
		break;
	case MR_WATCH_RESCAN:
		if (registry) {
			w->root_missing = false;
			mr_watcher_request_full(w, "rescan", now_ms);
		} else w->stats_full = true;
		break;
	case MR_WATCH_ROOT_GONE:
		if (registry) w->root_missing = true;
		else w->stats_full = true;
		break;
	case MR_WATCH_ERROR:
		return;
	}
	seen(w, now_ms);
}

double mr_watcher_due(const mr_watcher *w)
{
	if (w->root_missing) return -1;
	bool pending = w->full || w->nd || w->extras || w->stats_full || w->readme;
	if (!pending) return w->next_clock;
	if (!w->started) return w->first < 0 ? 0 : w->first;
	double due = fmin(w->last + w->o.quiet_ms, w->first + w->o.max_delay_ms);
	if (w->hold_until > due) due = w->hold_until;
	if (w->next_clock >= 0 && w->next_clock < due) due = w->next_clock;
	return due;
}

/* ---------------------------------------------------------------- syncing */

static bool diags_equal(const mr_diags *a, const mr_diags *b)
{
	if (a->len != b->len) return false;
	for (size_t i = 0; i < a->len; i++)
		if (strcmp(a->items[i].message, b->items[i].message)) return false;
	return true;
}

/* Read a module's statistics again; true when they differ. */
static bool reload_stats(mr_watcher *w, mr_module *mod)
{
	json_t *old = json_incref(mod->stats.json);
	mr_diags old_diags = mod->stats_diags;
	mr_diags_init(&mod->stats_diags);
	mr_module_load_stats(mod, w->o.stats);
	bool same = ((!old && !mod->stats.json) || (old && mod->stats.json && json_equal(old, mod->stats.json))) &&
	            diags_equal(&old_diags, &mod->stats_diags);
	json_decref(old);
	mr_diags_release(&old_diags);
	return !same;
}

static bool any_clock(const mr_registry *reg)
{
	for (size_t i = 0; i < reg->n; i++)
		if (reg->mods[i]->stats.json && !isnan(reg->mods[i]->stats.collected_at)) return true;
	return false;
}

static void reanalyse(mr_watcher *w, mr_watcher_report *rep)
{
	double t0 = mono_ms();
	/* freeing an analysis of 10,000 modules takes milliseconds: after the outputs */
	release_old(w);
	if (w->analysed) {
		w->old_an = w->an;
		w->old_analysed = true;
	}
	/* the groups of checks whose inputs the batch left alone are taken from the last one */
	mr_analyse_again(&w->reg, &w->an, w->old_analysed ? &w->old_an : NULL);
	w->analysed = true;
	rep->analyse_ms += mono_ms() - t0;
}

/* Read the whole registry again.  Returns -1 when its root cannot be read. */
static int read_all(mr_watcher *w, mr_watcher_report *rep)
{
	release_old(w);
	if (w->analysed) mr_analysis_release(&w->an);
	w->analysed = false;
	if (w->loaded) mr_registry_release(&w->reg);
	w->loaded = true;
	if (mr_registry_load(&w->reg, w->o.registry, w->o.stats) < 0) return -1;
	rep->full = true;
	rep->reloaded = w->reg.n;
	reanalyse(w, rep);
	if (w->started) mr_sync_state_reset(w->state);
	return 0;
}

/* Read the batch's modules again; vanished manifests within their grace wait. */
static void read_batch(mr_watcher *w, double now, mr_watcher_report *rep)
{
	bool manifests = false, extras = w->extras;
	size_t kept = 0;
	double hold = 0;
	for (size_t k = 0; k < w->nd; k++) {
		dirty *d = &w->d[k];
		long idx = mr_registry_index(&w->reg, d->id);
		if (d->module) {
			if (mr_registry_classify(w->reg.root, d->id) != MR_ENTRY_MODULE) {
				if (idx >= 0 && now - d->last < w->o.grace_ms) {
					/* editors replace a file by renaming the old one away first: wait a little */
					double until = d->last + w->o.grace_ms;
					if (!kept || until < hold) hold = until;
					w->d[kept++] = *d;
					rep->postponed++;
					continue;
				}
				if (idx >= 0) {
					mr_registry_remove(&w->reg, d->id);
					manifests = true;
				}
				extras = true; /* a directory without a manifest is a warning */
			} else {
				mr_module *mod = mr_module_load(w->reg.root, d->id);
				mr_module_load_stats(mod, w->o.stats);
				if (idx < 0) manifests = extras = true;
				else {
					const mr_module *old = w->reg.mods[idx];
					if (strcmp(old->sha256, mod->sha256) || old->valid != mod->valid || !old->m != !mod->m)
						manifests = true;
				}
				mr_registry_put(&w->reg, mod);
				mr_sync_state_touch(w->state, d->id);
				rep->reloaded++;
				MR_GROW(w->reread, w->capreread, w->nreread + 1);
				w->reread[w->nreread++] = mr_xstrdup(d->id);
			}
		} else if (d->stats) {
			if (idx >= 0) {
				if (reload_stats(w, w->reg.mods[idx])) mr_sync_state_touch(w->state, d->id);
			} else extras = true; /* statistics of no module: orphaned */
		}
		free(d->id);
	}
	w->nd = kept;
	if (kept) {
		w->first = w->last = now;
		w->hold_until = hold;
	} else w->first = -1;
	if (w->stats_full) {
		for (size_t i = 0; i < w->reg.n; i++)
			if (reload_stats(w, w->reg.mods[i])) mr_sync_state_touch(w->state, w->reg.mods[i]->id);
		extras = true;
		w->stats_full = false;
	}
	if (extras) {
		mr_registry_rescan_extras(&w->reg);
		mr_sync_state_extras_changed(w->state);
	}
	w->extras = false;
	if (manifests) {
		reanalyse(w, rep);
		mr_sync_state_analysis_changed(w->state);
	}
}

int mr_watcher_sync(mr_watcher *w, double now_ms, mr_watcher_report *rep, char **err)
{
	memset(rep, 0, sizeof *rep);
	mr_sync_result_init(&rep->res);
	*err = NULL;
	double due = mr_watcher_due(w);
	if (due < 0 || now_ms < due) return 0;
	double t0 = mono_ms();
	bool clock_only = !(w->full || w->nd || w->extras || w->stats_full || w->readme);
	bool first = !w->started;
	if (w->full) {
		rep->reason = w->full_reason ? w->full_reason : "resync";
		clear_dirty(w);
		w->full = w->extras = w->stats_full = false;
		w->full_reason = NULL;
		w->first = -1;
		if (read_all(w, rep) < 0) {
			w->root_missing = true;
			return 0;
		}
	} else {
		rep->reason = clock_only ? "clock" : "change";
		read_batch(w, now_ms, rep);
	}
	bool readme = w->readme;
	w->readme = false;
	double t1 = mono_ms();
	rep->read_ms = t1 - t0 - rep->analyse_ms;
	mr_sync_opts so = {w->o.out, mr_sync_now(), false, rep->reason};
	if (mr_sync_run(w->state, &w->reg, &w->an, &so, &rep->res, err) < 0) return -1;
	w->started = true;
	w->next_clock = any_clock(&w->reg) ? now_ms + w->o.clock_ms : -1;
	rep->res.duration_ms = mono_ms() - t0;
	bool changed = first || rep->res.nchanges || rep->res.entries_changed || rep->res.context_changed || rep->full;
	if (changed && mr_sync_write_status(w->o.out, &rep->res, rep->reason, err) < 0) return -1;
	double t2 = mono_ms();
	rep->write_ms = t2 - t1;
	if (w->o.render && (changed || readme || w->nreread)) {
		/* the pages of the modules whose entries changed, and of those read again */
		size_t n = 0;
		const char *const *changed_ids = mr_sync_state_changed(w->state, &n);
		const char **ids = mr_xcalloc(n + w->nreread + 1, sizeof *ids);
		memcpy(ids, changed_ids, n * sizeof *ids);
		for (size_t k = 0; k < w->nreread; k++) ids[n++] = w->reread[k];
		json_t *doc = mr_sync_state_json(w->state);
		char *serr = NULL;
		rep->site_rendered = true;
		if (doc && w->o.render(w->o.render_ctx, w->state, doc, &rep->res, first || rep->full ? NULL : ids, n, &rep->site_written,
		                       &serr) < 0)
			rep->site_error = serr ? serr : mr_xstrdup("the site could not be rendered");
		else free(serr);
		free(ids);
		rep->res.duration_ms = mono_ms() - t0;
		rep->site_ms = mono_ms() - t2;
	}
	release_old(w);
	clear_reread(w);
	return 1;
}
