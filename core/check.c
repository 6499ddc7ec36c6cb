/* check.c — cross-module checks and graph facts.  Only modules whose manifest
 * loaded are looked at; an invalid manifest's relationships still count (they
 * are what the author meant), but its errors of its own are not repeated here. */
#include "check.h"

#include "similar.h"
#include "suggest.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct ctx {
	const mr_registry *reg;
	mr_analysis *an;
	size_t *ids;   /* hash table of module indices + 1 by id (0: empty), ids_size slots */
	size_t ids_size;
	/* the passes run in two threads; the second one's findings go here, per module, and
	 * join the first one's at the end (NULL: straight into an->info) */
	mr_diags *own;
	size_t *own_errors;
} ctx;

static void ids_build(ctx *c)
{
	c->ids_size = 16;
	while (c->ids_size < 2 * c->reg->n) c->ids_size <<= 1;
	c->ids = mr_xcalloc(c->ids_size, sizeof *c->ids);
	for (size_t i = 0; i < c->reg->n; i++) {
		size_t h = (size_t)mr_str_hash(c->reg->mods[i]->id) & (c->ids_size - 1);
		while (c->ids[h]) h = (h + 1) & (c->ids_size - 1);
		c->ids[h] = i + 1;
	}
}

/* the index of module id in the registry, or -1 (as mr_registry_index, without bisecting) */
static long find_id(const ctx *c, const char *id)
{
	for (size_t h = (size_t)mr_str_hash(id) & (c->ids_size - 1); c->ids[h]; h = (h + 1) & (c->ids_size - 1))
		if (!strcmp(c->reg->mods[c->ids[h] - 1]->id, id)) return (long)c->ids[h] - 1;
	return -1;
}

/* edit-distance cells one module's did-you-mean suggestions may cost (some tens of ms) */
#define SUGGEST_BUDGET ((size_t)50 * 1000 * 1000)

static const mr_manifest *man(const ctx *c, size_t i)
{
	return c->reg->mods[i]->m;
}

static bool usable(const ctx *c, size_t i)
{
	/* cross-module rules look at manifests that loaded and are valid of their own */
	return c->reg->mods[i]->m && c->reg->mods[i]->valid;
}

static mr_diag *report(ctx *c, size_t mod, mr_pos p, const char *code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static mr_diag *report(ctx *c, size_t mod, mr_pos p, const char *code, const char *fmt, ...)
{
	mr_buf b = MR_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	mr_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	const mr_module *m = c->reg->mods[mod];
	mr_modinfo *info = &c->an->info[mod];
	mr_diag *dg = mr_diag_add(c->own ? &c->own[mod] : &info->diags, m->file, p.line, p.col, code, m->id, "%s",
	                          mr_buf_str(&b));
	dg->cross = true;
	dg->external = m->external;
	if (dg->severity == MR_ERROR) (c->own ? c->own_errors[mod]++ : info->cross_errors++);
	mr_buf_release(&b);
	return dg;
}

/* ---- relationships: targets, ranges, deprecated targets, incoming lists ---- */

static void check_relations(ctx *c)
{
	const mr_registry *reg = c->reg;
	const char **ids = mr_xcalloc(reg->n + 1, sizeof *ids);
	for (size_t i = 0; i < reg->n; i++) ids[i] = reg->mods[i]->id;
	size_t *nin = mr_xcalloc(reg->n + 1, sizeof *nin);
	/* did-you-mean compares a target with every id: bound that work per module, so that
	 * thousands of unknown targets in one manifest cannot make an analysis quadratic */
	size_t id_bytes = 0;
	for (size_t i = 0; i < reg->n; i++) id_bytes += strlen(ids[i]);
	for (size_t i = 0; i < reg->n; i++) {
		const mr_manifest *m = man(c, i);
		if (!m) continue;
		size_t budget = SUGGEST_BUDGET;
		c->an->info[i].satisfied = mr_xcalloc(m->nrelations + 1, 1);
		c->an->info[i].target = mr_xcalloc(m->nrelations + 1, sizeof(long));
		for (size_t r = 0; r < m->nrelations; r++) {
			const mr_relation *rel = &m->relations[r];
			c->an->info[i].satisfied[r] = -1;
			long t = c->an->info[i].target[r] = find_id(c, rel->target.s);
			if (t < 0) {
				if (!usable(c, i)) continue;
				size_t cost = strlen(rel->target.s) * id_bytes;
				const char *sug = NULL;
				if (cost <= budget) {
					budget -= cost;
					sug = mr_suggest(rel->target.s, ids, reg->n);
				} else
					budget = 0;
				if (sug)
					report(c, i, rel->target.pos, "unknown-target",
					       "%s relationship to '%s', which is not a module of this registry (did you mean '%s'?)",
					       rel->type.s, rel->target.s, sug);
				else
					report(c, i, rel->target.pos, "unknown-target",
					       "%s relationship to '%s', which is not a module of this registry", rel->type.s, rel->target.s);
				continue;
			}
			nin[t]++;
			const mr_module *tm = reg->mods[t];
			if (rel->rtype != MR_REL_DEPENDENCY || !usable(c, i)) continue;
			if (tm->m && tm->valid && tm->m->has_semver && rel->range) {
				bool ok = mr_range_satisfies(rel->range, &tm->m->semver);
				c->an->info[i].satisfied[r] = ok ? 1 : 0;
				if (!ok) {
					mr_diag *dg = report(c, i, rel->version.s ? rel->version.pos : rel->target.pos, "unsatisfied-range",
					                     "%s requires %s %s, but %s is %s", m->id, tm->id, rel->range_text, tm->id,
					                     tm->m->version.s);
					mr_diag_note(dg, tm->file, tm->m->version.pos.line, tm->m->version.pos.col, "%s declares its version here",
					             tm->id);
					/* the target is involved too: its health says so */
					mr_diag *d2 = report(c, (size_t)t, tm->m->version.pos, "unsatisfied-range",
					                     "%s requires %s %s, but %s is %s", m->id, tm->id, rel->range_text, tm->id,
					                     tm->m->version.s);
					mr_diag_note(d2, m->file, rel->pos.line, rel->pos.col, "%s declares the dependency here", m->id);
				}
			}
			const char *st = m->status.s ? m->status.s : "active";
			const char *tst = tm->m && tm->m->status.s ? tm->m->status.s : "active";
			if (!strcmp(st, "active") && (!strcmp(tst, "deprecated") || !strcmp(tst, "inactive")))
				report(c, i, rel->target.pos, !strcmp(tst, "deprecated") ? "depends-on-deprecated" : "depends-on-inactive",
				       "active module %s depends on %s, which is %s", m->id, tm->id, tst);
		}
	}
	/* incoming lists, sorted by source id (registry order) then relation order */
	for (size_t i = 0; i < reg->n; i++)
		if (nin[i]) c->an->info[i].incoming = mr_xcalloc(nin[i], sizeof(mr_relref));
	for (size_t i = 0; i < reg->n; i++) {
		const mr_manifest *m = man(c, i);
		if (!m) continue;
		for (size_t r = 0; r < m->nrelations; r++) {
			long t = c->an->info[i].target[r];
			if (t < 0) continue;
			mr_modinfo *ti = &c->an->info[t];
			ti->incoming[ti->nincoming].module = i;
			ti->incoming[ti->nincoming].rel = r;
			ti->nincoming++;
		}
	}
	free(nin);
	free(ids);
}

/* ---- cycles ---- */

static const mr_relation *find_rel(const mr_manifest *m, mr_reltype type, const char *target)
{
	for (size_t r = 0; r < m->nrelations; r++)
		if (m->relations[r].rtype == type && !strcmp(m->relations[r].target.s, target)) return &m->relations[r];
	return NULL;
}

static void report_cycles(ctx *c, mr_reltype type, const char *code, mr_cycle *cy, size_t ncy)
{
	for (size_t k = 0; k < ncy; k++) {
		mr_buf path = MR_BUF_INIT;
		for (size_t j = 0; j < cy[k].len; j++) mr_buf_printf(&path, "%s -> ", c->reg->mods[cy[k].nodes[j]]->id);
		mr_buf_puts(&path, c->reg->mods[cy[k].nodes[0]]->id);
		for (size_t j = 0; j < cy[k].len; j++) {
			size_t from = cy[k].nodes[j], to = cy[k].nodes[(j + 1) % cy[k].len];
			const mr_relation *rel = find_rel(man(c, from), type, c->reg->mods[to]->id);
			mr_pos p = rel ? rel->target.pos : (mr_pos){0, 0};
			report(c, from, p, code, "%s cycle: %s", type == MR_REL_DEPENDENCY ? "dependency" : "hierarchy",
			       mr_buf_str(&path));
		}
		mr_buf_release(&path);
	}
}

static void check_graphs(ctx *c)
{
	const mr_registry *reg = c->reg;
	mr_digraph *dep = mr_digraph_new(reg->n), *hier = mr_digraph_new(reg->n);
	for (size_t i = 0; i < reg->n; i++) {
		const mr_manifest *m = man(c, i);
		if (!m || !usable(c, i)) continue;
		const mr_relation *first_parent = NULL;
		for (size_t r = 0; r < m->nrelations; r++) {
			const mr_relation *rel = &m->relations[r];
			long t = c->an->info[i].target[r];
			if (t < 0) continue;
			if (rel->rtype == MR_REL_DEPENDENCY) mr_digraph_add_edge(dep, i, (size_t)t);
			if (rel->rtype == MR_REL_HIERARCHICAL) {
				if (first_parent) {
					mr_diag *dg = report(c, i, rel->target.pos, "multiple-parents",
					                     "%s is a hierarchical child of both %s and %s; the hierarchy must be a forest "
					                     "(one parent at most)",
					                     m->id, first_parent->target.s, rel->target.s);
					mr_diag_note(dg, c->reg->mods[i]->file, first_parent->target.pos.line, first_parent->target.pos.col,
					             "first parent declared here");
					continue;
				}
				first_parent = rel;
				c->an->info[i].parent = mr_xstrdup(rel->target.s);
				mr_digraph_add_edge(hier, i, (size_t)t);
			}
		}
	}
	mr_cycle *cy = NULL;
	size_t ncy = 0;
	mr_digraph_cycles(dep, &cy, &ncy);
	report_cycles(c, MR_REL_DEPENDENCY, "dependency-cycle", cy, ncy);
	c->an->cycles = cy;
	c->an->ncycles = ncy;
	mr_cycle *hc = NULL;
	size_t nhc = 0;
	mr_digraph_cycles(hier, &hc, &nhc);
	report_cycles(c, MR_REL_HIERARCHICAL, "hierarchy-cycle", hc, nhc);
	mr_cycles_free(hc, nhc);

	c->an->order = mr_xcalloc(reg->n + 1, sizeof *c->an->order);
	mr_digraph_dependency_order(dep, c->an->order);
	c->an->roots = mr_xcalloc(reg->n + 1, sizeof *c->an->roots);
	c->an->nroots = mr_digraph_roots(dep, c->an->roots);
	mr_digraph_free(dep);
	mr_digraph_free(hier);
}

/* ---- conflicts: same key claimed by several modules ---- */

/* A claim of a key (a route, a UI page path, a name) by module mod; idx says which of
 * its routes or pages.  Small: a save at 10,000 modules makes some 200,000 of them. */
typedef struct claim {
	uint64_t hash;   /* mr_str_hash(key) */
	const char *key;
	uint32_t mod;
	uint32_t idx;
} claim;

typedef void (*conflict_fn)(ctx *c, const claim *here, const claim *other);

/* Group the claims (in registry order) by key with a hash table, and tell every claim of a
 * group the first claim of another module: linear in the number of claims. */
static void conflicts(ctx *c, claim *cl, size_t n, conflict_fn fn)
{
	if (n < 2) return;
	size_t size = 16;
	while (size < 2 * n) size <<= 1;
	uint32_t *head = mr_xcalloc(size, sizeof *head); /* claim index + 1 of each group's first */
	uint32_t *tail = mr_xcalloc(size, sizeof *tail);
	uint32_t *next = mr_xcalloc(n, sizeof *next);    /* next claim of the same key + 1 */
	bool *shared = mr_xcalloc(size, sizeof *shared);
	for (size_t k = 0; k < n; k++) {
		size_t h = (size_t)cl[k].hash & (size - 1);
		while (head[h] && (cl[head[h] - 1].hash != cl[k].hash || strcmp(cl[head[h] - 1].key, cl[k].key)))
			h = (h + 1) & (size - 1);
		if (!head[h]) head[h] = (uint32_t)(k + 1);
		else {
			next[tail[h] - 1] = (uint32_t)(k + 1);
			if (cl[head[h] - 1].mod != cl[k].mod) shared[h] = true;
		}
		tail[h] = (uint32_t)(k + 1);
	}
	for (size_t h = 0; h < size; h++) {
		if (!shared[h]) continue;
		for (size_t a = head[h]; a; a = next[a - 1]) {
			size_t other = head[h];
			while (other && (other == a || cl[other - 1].mod == cl[a - 1].mod)) other = next[other - 1];
			if (other) fn(c, &cl[a - 1], &cl[other - 1]);
		}
	}
	free(head);
	free(tail);
	free(next);
	free(shared);
}

static char *route_shown(const mr_manifest *m, size_t r)
{
	return mr_xasprintf("%s %s", m->routes[r].method.s, m->routes[r].full_path);
}

static void route_conflict(ctx *c, const claim *h, const claim *o)
{
	char *shown = route_shown(man(c, h->mod), h->idx);
	mr_pos hp = man(c, h->mod)->routes[h->idx].path.pos, op = man(c, o->mod)->routes[o->idx].path.pos;
	mr_diag *dg = report(c, h->mod, hp, "route-conflict", "route %s is already declared by %s", shown,
	                     c->reg->mods[o->mod]->id);
	mr_diag_note(dg, c->reg->mods[o->mod]->file, op.line, op.col, "%s declares it here", c->reg->mods[o->mod]->id);
	free(shown);
}

static void ui_conflict(ctx *c, const claim *h, const claim *o)
{
	const mr_text *hp = &man(c, h->mod)->pages[h->idx].path, *op = &man(c, o->mod)->pages[o->idx].path;
	mr_diag *dg = report(c, h->mod, hp->pos, "ui-path-conflict", "UI page path %s is also claimed by %s", hp->s,
	                     c->reg->mods[o->mod]->id);
	mr_diag_note(dg, c->reg->mods[o->mod]->file, op->pos.line, op->pos.col, "%s claims it here", c->reg->mods[o->mod]->id);
}

static void name_conflict(ctx *c, const claim *h, const claim *o)
{
	const mr_text *hn = &man(c, h->mod)->name, *on = &man(c, o->mod)->name;
	mr_diag *dg = report(c, h->mod, hn->pos, "duplicate-name", "name '%s' is also used by %s (names are compared ignoring case)",
	                     hn->s, c->reg->mods[o->mod]->id);
	mr_diag_note(dg, c->reg->mods[o->mod]->file, on->pos.line, on->pos.col, "%s uses it here", c->reg->mods[o->mod]->id);
}

static void check_conflicts(ctx *c)
{
	const mr_registry *reg = c->reg;
	claim *cl = NULL;
	size_t n = 0, cap = 0;
	/* the keys live only as long as this pass: allocating them in the manifests' arenas
	 * made every analysis (one per sync in the watcher) grow unchanged manifests */
	mr_arena *tmp = mr_arena_new();
	for (size_t i = 0; i < reg->n; i++) {
		if (!usable(c, i)) continue;
		const mr_manifest *m = man(c, i);
		MR_GROW(cl, cap, n + m->nroutes);
		for (size_t r = 0; r < m->nroutes; r++)
			cl[n++] = (claim){m->routes[r].key_hash, m->routes[r].key, (uint32_t)i, (uint32_t)r};
	}
	conflicts(c, cl, n, route_conflict);
	n = 0;
	for (size_t i = 0; i < reg->n; i++) {
		if (!usable(c, i)) continue;
		const mr_manifest *m = man(c, i);
		for (size_t p = 0; p < m->npages; p++) {
			char *norm = mr_path_normalise(m->pages[p].path.s);
			MR_GROW(cl, cap, n + 1);
			cl[n++] = (claim){mr_str_hash(norm), mr_arena_strdup(tmp, norm), (uint32_t)i, (uint32_t)p};
			free(norm);
		}
	}
	conflicts(c, cl, n, ui_conflict);
	n = 0;
	for (size_t i = 0; i < reg->n; i++) {
		if (!usable(c, i) || !man(c, i)->name.s) continue;
		const mr_manifest *m = man(c, i);
		char *lower = mr_arena_strdup(tmp, m->name.s);
		for (char *p = lower; *p; p++) *p = (char)tolower((unsigned char)*p);
		MR_GROW(cl, cap, n + 1);
		cl[n++] = (claim){mr_str_hash(lower), lower, (uint32_t)i, 0};
	}
	conflicts(c, cl, n, name_conflict);
	free(cl);
	mr_arena_free(tmp);
}

/* ---- events ---- */

static void check_events(ctx *c)
{
	const mr_registry *reg = c->reg;
	/* the published names in a hash table (pointers into the manifests) */
	size_t n = 0;
	for (size_t i = 0; i < reg->n; i++)
		if (man(c, i)) n += man(c, i)->npublishes;
	size_t size = 16;
	while (size < 2 * n) size <<= 1;
	const char **pub = mr_xcalloc(size, sizeof *pub);
	for (size_t i = 0; i < reg->n; i++) {
		const mr_manifest *m = man(c, i);
		if (!m) continue;
		for (size_t e = 0; e < m->npublishes; e++) {
			const char *name = m->publishes[e].name.s;
			size_t h = (size_t)mr_str_hash(name) & (size - 1);
			while (pub[h] && strcmp(pub[h], name)) h = (h + 1) & (size - 1);
			pub[h] = name;
		}
	}
	for (size_t i = 0; i < reg->n; i++) {
		if (!usable(c, i)) continue;
		const mr_manifest *m = man(c, i);
		for (size_t s = 0; s < m->subscribes.n; s++) {
			const char *ev = m->subscribes.v[s].s;
			size_t h = (size_t)mr_str_hash(ev) & (size - 1);
			while (pub[h] && strcmp(pub[h], ev)) h = (h + 1) & (size - 1);
			if (pub[h]) continue;
			report(c, i, m->subscribes.v[s].pos, "unpublished-event", "%s subscribes to event '%s', which no module publishes",
			       m->id, ev);
		}
	}
	free(pub);
}

/* ---- possible duplicates ---- */

static void dup_pair(void *vc, size_t i, size_t j, int score)
{
	ctx *c = vc;
	mr_simprofile *a = c->reg->mods[i]->profile, *b = c->reg->mods[j]->profile;
	mr_buf why = MR_BUF_INIT;
	mr_similarity(a, b, &why);
	const mr_module *mi = c->reg->mods[i], *mj = c->reg->mods[j];
	report(c, i, mi->m->name.pos, "possible-duplicate", "%s looks like %s (similarity %d/100: %s)", mi->id, mj->id, score,
	       mr_buf_str(&why));
	report(c, j, mj->m->name.pos, "possible-duplicate", "%s looks like %s (similarity %d/100: %s)", mj->id, mi->id, score,
	       mr_buf_str(&why));
	mr_buf_release(&why);
}

static void check_duplicates(ctx *c)
{
	size_t n = c->reg->n;
	mr_simprofile **p = mr_xcalloc(n + 1, sizeof *p);
	for (size_t i = 0; i < n; i++) {
		mr_module *mod = c->reg->mods[i];
		if (!usable(c, i)) continue;
		/* modules built by hand (tests, proposals) may come without a profile */
		if (!mod->profile) mod->profile = mr_simprofile_from_manifest(mod->m);
		p[i] = mod->profile;
	}
	mr_similar_pairs(p, n, MR_DUPLICATE_THRESHOLD, dup_pair, c);
	free(p);
}

/* the passes that need no resolved targets: conflicts and possible duplicates */
static void *second_half(void *arg)
{
	ctx *c = arg;
	check_conflicts(c);
	check_duplicates(c);
	return NULL;
}

void mr_analyse(const mr_registry *reg, mr_analysis *an)
{
	memset(an, 0, sizeof *an);
	an->n = reg->n;
	an->info = mr_xcalloc(reg->n + 1, sizeof *an->info);
	ctx c = {reg, an, NULL, 0, NULL, NULL};
	ctx c2 = {reg, an, NULL, 0, mr_xcalloc(reg->n + 1, sizeof(mr_diags)), mr_xcalloc(reg->n + 1, sizeof(size_t))};
	/* two threads: together the passes take some 50 ms per save at 10,000 modules */
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, second_half, &c2) == 0;
	ids_build(&c);
	check_relations(&c);
	check_graphs(&c);
	check_events(&c);
	if (threaded) pthread_join(t, NULL);
	else second_half(&c2);
	for (size_t i = 0; i < reg->n; i++) {
		mr_modinfo *info = &an->info[i];
		mr_diags *d = &c2.own[i];
		if (d->len) {
			MR_GROW(info->diags.items, info->diags.cap, info->diags.len + d->len);
			memcpy(info->diags.items + info->diags.len, d->items, d->len * sizeof *d->items);
			info->diags.len += d->len;
		}
		free(d->items);
		info->cross_errors += c2.own_errors[i];
		mr_diags_sort(&info->diags);
	}
	free(c2.own);
	free(c2.own_errors);
	free(c.ids);
}

void mr_analysis_release(mr_analysis *an)
{
	for (size_t i = 0; i < an->n; i++) {
		free(an->info[i].incoming);
		free(an->info[i].satisfied);
		free(an->info[i].target);
		free(an->info[i].parent);
		mr_diags_release(&an->info[i].diags);
	}
	free(an->info);
	free(an->order);
	free(an->roots);
	mr_cycles_free(an->cycles, an->ncycles);
	memset(an, 0, sizeof *an);
}
