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
	/* where the group of checks running reports, per module (an->found[list]) */
	mr_diags *out;
	size_t *out_errors;
	const char **all_ids; /* every id, for did-you-mean (made when first needed) */
	size_t id_bytes;      /* their total length */
} ctx;

_Static_assert(MR_GROUPS == sizeof ((mr_module *)0)->sig / sizeof(uint64_t), "a fingerprint per group");

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
	mr_diag *dg = mr_diag_add(&c->out[mod], m->file, p.line, p.col, code, m->id, "%s", mr_buf_str(&b));
	dg->cross = true;
	dg->external = m->external;
	if (dg->severity == MR_ERROR) c->out_errors[mod]++;
	mr_buf_release(&b);
	return dg;
}

/* ---- relationships: targets, ranges, deprecated targets, incoming lists, cycles ---- */

/* the findings of list l go to c->out from now on */
static void use_list(ctx *c, int l)
{
	c->out = c->an->found[l];
	c->out_errors = c->an->found_errors[l];
}

static void clear_found(ctx *c, int l, size_t i)
{
	mr_diags_release(&c->an->found[l][i]);
	c->an->found_errors[l][i] = 0;
}

static long resolve(const ctx *c, const char *id)
{
	return c->ids ? find_id(c, id) : mr_registry_index(c->reg, id);
}

/* Module i as a source: its targets (resolved, unless kept from the last analysis),
 * whether its dependencies are satisfied, its dependency edges and first parent, and what
 * it reports of its own relationships: unknown targets, unsatisfied ranges, deprecated or
 * inactive dependencies, second parents.  satisfied and deps must be NULL. */
static void rel_source(ctx *c, size_t i)
{
	const mr_registry *reg = c->reg;
	const mr_manifest *m = man(c, i);
	mr_modinfo *info = &c->an->info[i];
	info->hparent = -1;
	if (!m) return;
	use_list(c, MR_FOUND_SOURCE);
	info->nrel = m->nrelations;
	if (!info->target) {
		info->target = mr_xcalloc(m->nrelations + 1, sizeof(long));
		for (size_t r = 0; r < m->nrelations; r++) info->target[r] = resolve(c, m->relations[r].target.s);
	}
	info->satisfied = mr_xcalloc(m->nrelations + 1, 1);
	/* did-you-mean compares a target with every id: bound that work per module, so that
	 * thousands of unknown targets in one manifest cannot make an analysis quadratic */
	size_t budget = SUGGEST_BUDGET;
	const mr_relation *first_parent = NULL;
	for (size_t r = 0; r < m->nrelations; r++) {
		const mr_relation *rel = &m->relations[r];
		info->satisfied[r] = -1;
		long t = info->target[r];
		if (!usable(c, i)) continue;
		if (t < 0) {
			if (!c->all_ids) {
				c->all_ids = mr_xcalloc(reg->n + 1, sizeof *c->all_ids);
				for (size_t k = 0; k < reg->n; k++) {
					c->all_ids[k] = reg->mods[k]->id;
					c->id_bytes += strlen(c->all_ids[k]);
				}
			}
			size_t cost = strlen(rel->target.s) * c->id_bytes;
			const char *sug = NULL;
			if (cost <= budget) {
				budget -= cost;
				sug = mr_suggest(rel->target.s, c->all_ids, reg->n);
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
		const mr_module *tm = reg->mods[t];
		if (rel->rtype == MR_REL_HIERARCHICAL) {
			if (first_parent) {
				mr_diag *dg = report(c, i, rel->target.pos, "multiple-parents",
				                     "%s is a hierarchical child of both %s and %s; the hierarchy must be a forest "
				                     "(one parent at most)",
				                     m->id, first_parent->target.s, rel->target.s);
				mr_diag_note(dg, reg->mods[i]->file, first_parent->target.pos.line, first_parent->target.pos.col,
				             "first parent declared here");
				continue;
			}
			first_parent = rel;
			info->hparent = t;
		}
		if (rel->rtype != MR_REL_DEPENDENCY) continue;
		if (!info->deps) info->deps = mr_xcalloc(m->nrelations, sizeof *info->deps);
		info->deps[info->ndeps++] = (size_t)t;
		if (tm->m && tm->valid && tm->m->has_semver && rel->range) {
			bool ok = mr_range_satisfies(rel->range, &tm->m->semver);
			info->satisfied[r] = ok ? 1 : 0;
			if (!ok) {
				mr_diag *dg = report(c, i, rel->version.s ? rel->version.pos : rel->target.pos, "unsatisfied-range",
				                     "%s requires %s %s, but %s is %s", m->id, tm->id, rel->range_text, tm->id,
				                     tm->m->version.s);
				mr_diag_note(dg, tm->file, tm->m->version.pos.line, tm->m->version.pos.col, "%s declares its version here",
				             tm->id);
			}
		}
		const char *st = m->status.s ? m->status.s : "active";
		const char *tst = tm->m && tm->m->status.s ? tm->m->status.s : "active";
		if (!strcmp(st, "active") && (!strcmp(tst, "deprecated") || !strcmp(tst, "inactive")))
			report(c, i, rel->target.pos, !strcmp(tst, "deprecated") ? "depends-on-deprecated" : "depends-on-inactive",
			       "active module %s depends on %s, which is %s", m->id, tm->id, tst);
	}
}

/* Module t as a target: the dependencies on it whose range its version does not satisfy
 * (the target is involved too: its health says so). */
static void rel_target(ctx *c, size_t t)
{
	const mr_module *tm = c->reg->mods[t];
	const mr_modinfo *info = &c->an->info[t];
	use_list(c, MR_FOUND_TARGET);
	for (size_t k = 0; k < info->nincoming; k++) {
		size_t s = info->incoming[k].module, r = info->incoming[k].rel;
		const signed char *sat = c->an->info[s].satisfied;
		if (!sat || sat[r] != 0) continue;
		const mr_manifest *m = man(c, s);
		const mr_relation *rel = &m->relations[r];
		mr_diag *dg = report(c, t, tm->m->version.pos, "unsatisfied-range", "%s requires %s %s, but %s is %s", m->id, tm->id,
		                     rel->range_text, tm->id, tm->m->version.s);
		mr_diag_note(dg, c->reg->mods[s]->file, rel->pos.line, rel->pos.col, "%s declares the dependency here", m->id);
	}
}

static int relref_cmp(const void *pa, const void *pb)
{
	const mr_relref *a = pa, *b = pb;
	if (a->module != b->module) return a->module < b->module ? -1 : 1;
	return a->rel < b->rel ? -1 : a->rel > b->rel;
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

/* Cycles, dependency order and roots, from every module's edges (rel_source). */
static void rel_graphs(ctx *c)
{
	const mr_registry *reg = c->reg;
	mr_analysis *an = c->an;
	for (size_t i = 0; i < reg->n; i++)
		if (an->found[MR_FOUND_CYCLES][i].len) clear_found(c, MR_FOUND_CYCLES, i);
	mr_cycles_free(an->cycles, an->ncycles);
	free(an->order);
	free(an->roots);
	mr_digraph *dep = mr_digraph_new(reg->n), *hier = mr_digraph_new(reg->n);
	for (size_t i = 0; i < reg->n; i++) {
		const mr_modinfo *info = &an->info[i];
		for (size_t k = 0; k < info->ndeps; k++) mr_digraph_add_edge(dep, i, info->deps[k]);
		if (info->hparent >= 0) mr_digraph_add_edge(hier, i, (size_t)info->hparent);
	}
	use_list(c, MR_FOUND_CYCLES);
	mr_cycle *cy = NULL;
	size_t ncy = 0;
	mr_digraph_cycles(dep, &cy, &ncy);
	report_cycles(c, MR_REL_DEPENDENCY, "dependency-cycle", cy, ncy);
	an->cycles = cy;
	an->ncycles = ncy;
	mr_cycle *hc = NULL;
	size_t nhc = 0;
	mr_digraph_cycles(hier, &hc, &nhc);
	report_cycles(c, MR_REL_HIERARCHICAL, "hierarchy-cycle", hc, nhc);
	mr_cycles_free(hc, nhc);

	an->order = mr_xcalloc(reg->n + 1, sizeof *an->order);
	mr_digraph_dependency_order(dep, an->order);
	an->roots = mr_xcalloc(reg->n + 1, sizeof *an->roots);
	an->nroots = mr_digraph_roots(dep, an->roots);
	mr_digraph_free(dep);
	mr_digraph_free(hier);
}

/* The relations group over the whole registry. */
static void check_relations(ctx *c)
{
	const mr_registry *reg = c->reg;
	mr_analysis *an = c->an;
	ids_build(c);
	for (size_t i = 0; i < reg->n; i++) rel_source(c, i);
	/* incoming lists, sorted by source id (registry order) then relation order */
	size_t *nin = mr_xcalloc(reg->n + 1, sizeof *nin);
	for (size_t i = 0; i < reg->n; i++)
		for (size_t r = 0; r < an->info[i].nrel; r++)
			if (an->info[i].target[r] >= 0) nin[an->info[i].target[r]]++;
	for (size_t i = 0; i < reg->n; i++)
		if (nin[i]) an->info[i].incoming = mr_xcalloc(nin[i], sizeof(mr_relref));
	for (size_t i = 0; i < reg->n; i++) {
		for (size_t r = 0; r < an->info[i].nrel; r++) {
			long t = an->info[i].target[r];
			if (t < 0) continue;
			mr_modinfo *ti = &an->info[t];
			ti->incoming[ti->nincoming++] = (mr_relref){i, r};
		}
	}
	free(nin);
	for (size_t t = 0; t < reg->n; t++)
		if (an->info[t].nincoming) rel_target(c, t);
	rel_graphs(c);
}

typedef struct newref {
	size_t target, module, rel;
} newref;

static int newref_cmp(const void *pa, const void *pb)
{
	const newref *a = pa, *b = pb;
	if (a->target != b->target) return a->target < b->target ? -1 : 1;
	if (a->module != b->module) return a->module < b->module ? -1 : 1;
	return a->rel < b->rel ? -1 : a->rel > b->rel;
}

static int size_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	return a < b ? -1 : a > b;
}

/* per module in recheck_relations: CHANGED (in dirty), SOURCE (re-checked as a source),
 * TARGET (its incoming list and reports made again) */
enum { CHANGED = 1, SOURCE = 2, TARGET = 4 };

typedef struct targetlist {
	size_t *v;
	size_t n, cap;
} targetlist;

/* module t's incoming list and reports are to be made again (once) */
static void add_target(targetlist *tl, unsigned char *mark, size_t t)
{
	if (mark[t] & TARGET) return;
	mark[t] |= TARGET;
	MR_GROW(tl->v, tl->cap, tl->n + 1);
	tl->v[tl->n++] = t;
}

/* forget what module i found as a source (its targets too, unless keep_targets) */
static void unsource(ctx *c, size_t i, bool keep_targets)
{
	mr_modinfo *info = &c->an->info[i];
	free(info->satisfied);
	free(info->deps);
	info->satisfied = NULL;
	info->deps = NULL;
	info->ndeps = 0;
	info->hparent = -1;
	if (!keep_targets) {
		free(info->target);
		info->target = NULL;
		info->nrel = 0;
	}
	clear_found(c, MR_FOUND_SOURCE, i);
}

/* The relations group again, after only the modules in dirty (nd of them, ascending)
 * changed (the same ids in the same order): their relationships, those of their sources
 * (whose targets changed), the incoming lists and reports of the targets they had and
 * have, and the cycles when an edge changed or a changed module was on one.  an holds
 * the last analysis's results (take_group).  Returns true when the cycles stayed, with
 * an->changed saying which modules were checked again. */
static bool recheck_relations(ctx *c, const size_t *dirty, size_t nd)
{
	mr_analysis *an = c->an;
	size_t n = c->reg->n;
	unsigned char *mark = mr_xcalloc(n + 1, 1);
	targetlist tl = {NULL, 0, 0};
	newref *fresh = NULL;
	size_t nf = 0, capf = 0;
	bool graphs = false;
	for (size_t k = 0; k < nd; k++) mark[dirty[k]] = CHANGED | SOURCE;
	for (size_t k = 0; k < nd; k++) {
		size_t d = dirty[k];
		mr_modinfo *info = &an->info[d];
		/* the targets it had (its old target list, with the old manifest's count) */
		for (size_t r = 0; r < info->nrel; r++)
			if (info->target[r] >= 0) add_target(&tl, mark, (size_t)info->target[r]);
		graphs |= an->found[MR_FOUND_CYCLES][d].len > 0;
		size_t *olddeps = info->deps, oldn = info->ndeps;
		long oldparent = info->hparent;
		info->deps = NULL;
		unsource(c, d, false);
		rel_source(c, d);
		graphs |= oldn != info->ndeps || oldparent != info->hparent ||
		          (oldn && memcmp(olddeps, info->deps, oldn * sizeof *olddeps));
		free(olddeps);
		/* the targets it has */
		for (size_t r = 0; r < info->nrel; r++) {
			long t = info->target[r];
			if (t < 0) continue;
			MR_GROW(fresh, capf, nf + 1);
			fresh[nf++] = (newref){(size_t)t, d, r};
			add_target(&tl, mark, (size_t)t);
		}
		/* its own version, status or validity may have changed: its reports as a target */
		add_target(&tl, mark, d);
	}
	/* their sources (the incoming lists are still the last analysis's): what they depend
	 * on changed; their targets and so their edges did not */
	for (size_t k = 0; k < nd; k++) {
		const mr_modinfo *info = &an->info[dirty[k]];
		for (size_t j = 0; j < info->nincoming; j++) {
			size_t s = info->incoming[j].module;
			if (mark[s] & SOURCE) continue;
			mark[s] |= SOURCE;
			unsource(c, s, true);
			rel_source(c, s);
		}
	}
	/* the targets' incoming lists: the changed sources' entries made anew */
	size_t *targets = tl.v, nt = tl.n;
	qsort(targets, nt, sizeof *targets, size_cmp);
	if (nf > 1) qsort(fresh, nf, sizeof *fresh, newref_cmp);
	size_t f = 0;
	for (size_t k = 0; k < nt; k++) {
		size_t t = targets[k];
		mr_modinfo *info = &an->info[t];
		while (f < nf && fresh[f].target < t) f++;
		size_t f0 = f;
		while (f < nf && fresh[f].target == t) f++;
		mr_relref *in = mr_xcalloc(info->nincoming + (f - f0) + 1, sizeof *in);
		size_t len = 0;
		for (size_t j = 0; j < info->nincoming; j++)
			if (!(mark[info->incoming[j].module] & CHANGED)) in[len++] = info->incoming[j];
		for (size_t j = f0; j < f; j++) in[len++] = (mr_relref){fresh[j].module, fresh[j].rel};
		qsort(in, len, sizeof *in, relref_cmp);
		free(info->incoming);
		info->incoming = len ? in : NULL;
		info->nincoming = len;
		if (!len) free(in);
	}
	/* the targets' reports: every source re-checked is a changed module's source or a
	 * changed module itself, whose targets are all in the list */
	for (size_t k = 0; k < nt; k++) {
		clear_found(c, MR_FOUND_TARGET, targets[k]);
		rel_target(c, targets[k]);
	}
	if (graphs) rel_graphs(c);
	else {
		an->changed = mr_xcalloc(n + 1, sizeof *an->changed);
		for (size_t i = 0; i < n; i++) an->changed[i] = mark[i] != 0;
	}
	free(mark);
	free(targets);
	free(fresh);
	return !graphs;
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

/* ---- fingerprints ---- */

static uint64_t h_pos(uint64_t h, mr_pos p)
{
	return mr_hash_u64(h, (uint64_t)p.line << 32 | p.col);
}

static uint64_t h_text(uint64_t h, const mr_text *t)
{
	return h_pos(mr_hash_str(h, t->s), t->pos);
}

static uint64_t h_texts(uint64_t h, const mr_textlist *l)
{
	h = mr_hash_u64(h, l->n);
	for (size_t i = 0; i < l->n; i++) h = h_text(h, &l->v[i]);
	return h;
}

/* Everything a group reads of a module: keep in step with the checks above. */
void mr_module_fingerprint(mr_module *mod)
{
	const mr_manifest *m = mod->m;
	uint64_t base = mr_hash_str(mr_hash_str(MR_STR_HASH_BASIS, mod->id), mod->file);
	base = mr_hash_u64(base, (uint64_t)mod->valid | (uint64_t)(m != NULL) << 1 | (uint64_t)mod->external << 2);
	uint64_t rel = base, ev = base, cl = base, like = base;
	if (m) {
		rel = h_text(h_text(rel, &m->status), &m->version);
		rel = mr_hash_u64(rel, m->nrelations);
		for (size_t r = 0; r < m->nrelations; r++) {
			const mr_relation *x = &m->relations[r];
			rel = h_text(h_text(h_text(rel, &x->target), &x->type), &x->version);
			rel = h_pos(mr_hash_str(mr_hash_u64(rel, x->rtype), x->range_text), x->pos);
		}
		ev = mr_hash_u64(ev, m->npublishes);
		for (size_t e = 0; e < m->npublishes; e++) ev = h_text(ev, &m->publishes[e].name);
		ev = h_texts(ev, &m->subscribes);
		cl = mr_hash_u64(cl, m->nroutes);
		for (size_t r = 0; r < m->nroutes; r++) {
			const mr_route *x = &m->routes[r];
			cl = h_pos(mr_hash_str(mr_hash_str(mr_hash_str(cl, x->key), x->method.s), x->full_path), x->path.pos);
		}
		cl = mr_hash_u64(cl, m->npages);
		for (size_t p = 0; p < m->npages; p++) cl = h_text(cl, &m->pages[p].path);
		cl = h_text(cl, &m->name);
		/* the similarity profile's sources (mr_simprofile_from_manifest) */
		like = h_text(like, &m->name);
		like = mr_hash_str(mr_hash_str(mr_hash_str(like, m->declared_id.s), m->description.s), m->ai_purpose.s);
		like = mr_hash_u64(like, m->nentities);
		for (size_t e = 0; e < m->nentities; e++) like = mr_hash_str(like, m->entities[e].name.s);
		like = mr_hash_u64(like, m->nroutes);
		for (size_t r = 0; r < m->nroutes; r++)
			like = mr_hash_str(mr_hash_str(mr_hash_str(like, m->routes[r].method.s), m->routes[r].path.s), m->routes[r].full_path);
		like = h_texts(h_texts(h_texts(like, &m->ai_keywords), &m->tags), &m->ai_concepts);
	}
	mod->sig[MR_GROUP_RELATIONS] = rel;
	mod->sig[MR_GROUP_EVENTS] = ev;
	mod->sig[MR_GROUP_CLAIMS] = cl;
	mod->sig[MR_GROUP_LIKENESS] = like;
	mod->idhash = mr_hash_str(MR_STR_HASH_BASIS, mod->id);
	mod->has_sig = true;
}

/* ---- the analysis ---- */

/* the lists of findings of group g: [first, end) */
static int group_first(int g)
{
	return g == MR_GROUP_RELATIONS ? MR_FOUND_SOURCE : g + MR_FOUND_EVENTS - MR_GROUP_EVENTS;
}

static int group_end(int g)
{
	return g == MR_GROUP_RELATIONS ? MR_FOUND_CYCLES + 1 : group_first(g) + 1;
}

static void run_group(ctx *c, int g)
{
	for (int l = group_first(g); l < group_end(g); l++) {
		c->an->found[l] = mr_xcalloc(c->reg->n + 1, sizeof(mr_diags));
		c->an->found_errors[l] = mr_xcalloc(c->reg->n + 1, sizeof(size_t));
	}
	use_list(c, group_first(g));
	switch (g) {
	case MR_GROUP_RELATIONS: check_relations(c); break;
	case MR_GROUP_EVENTS: check_events(c); break;
	case MR_GROUP_CLAIMS: check_conflicts(c); break;
	default: check_duplicates(c); break;
	}
}

/* Move group g's results from prev to an. */
static void take_group(mr_analysis *an, mr_analysis *prev, int g)
{
	for (int l = group_first(g); l < group_end(g); l++) {
		an->found[l] = prev->found[l];
		an->found_errors[l] = prev->found_errors[l];
		prev->found[l] = NULL;
		prev->found_errors[l] = NULL;
	}
	prev->taken[g] = true;
	if (g != MR_GROUP_RELATIONS) return;
	for (size_t i = 0; i < an->n; i++) {
		mr_modinfo *a = &an->info[i], *p = &prev->info[i];
		a->incoming = p->incoming;
		a->nincoming = p->nincoming;
		a->satisfied = p->satisfied;
		a->target = p->target;
		a->nrel = p->nrel;
		a->deps = p->deps;
		a->ndeps = p->ndeps;
		a->hparent = p->hparent;
		p->incoming = NULL;
		p->satisfied = NULL;
		p->target = NULL;
		p->deps = NULL;
	}
	an->order = prev->order;
	an->cycles = prev->cycles;
	an->ncycles = prev->ncycles;
	an->roots = prev->roots;
	an->nroots = prev->nroots;
	prev->order = prev->roots = NULL;
	prev->cycles = NULL;
	prev->ncycles = prev->nroots = 0;
}

typedef struct half {
	ctx c;
	bool run[MR_GROUPS];
} half;

/* the groups that need no resolved targets: claims and possible duplicates */
static void *second_half(void *arg)
{
	half *h = arg;
	if (h->run[MR_GROUP_CLAIMS]) run_group(&h->c, MR_GROUP_CLAIMS);
	/* the likeness group, unless the other thread took it meanwhile */
	if (__atomic_exchange_n(&h->run[MR_GROUP_LIKENESS], false, __ATOMIC_ACQ_REL)) run_group(&h->c, MR_GROUP_LIKENESS);
	return NULL;
}

void mr_analyse_again(const mr_registry *reg, mr_analysis *an, mr_analysis *prev)
{
	memset(an, 0, sizeof *an);
	size_t n = an->n = reg->n;
	an->info = mr_xcalloc(n + 1, sizeof *an->info);
	for (size_t i = 0; i < n; i++) an->info[i].hparent = -1;
	bool run[MR_GROUPS];
	bool usable_prev = prev && prev->sig && prev->n == n;
	for (int g = 0; g < MR_GROUPS; g++) run[g] = !usable_prev || prev->taken[g];
	/* the modules whose relationships (or what their sources read of them) changed */
	size_t *dirty = NULL, nd = 0;
	bool same_ids = usable_prev;
	an->sig = mr_xcalloc(n + 1, sizeof *an->sig);
	an->idh = mr_xcalloc(n + 1, sizeof *an->idh);
	for (size_t i = 0; i < n; i++) {
		const mr_module *mod = reg->mods[i];
		if (!mod->has_sig) {
			free(an->sig);
			free(an->idh);
			an->sig = NULL;
			an->idh = NULL;
			for (int g = 0; g < MR_GROUPS; g++) run[g] = true;
			same_ids = false;
			break;
		}
		an->idh[i] = mod->idhash;
		for (int g = 0; g < MR_GROUPS; g++) an->sig[i][g] = mod->sig[g];
		if (!usable_prev) continue;
		if (prev->idh[i] != mod->idhash) same_ids = false;
		for (int g = 0; g < MR_GROUPS; g++)
			if (prev->sig[i][g] != mod->sig[g]) run[g] = true;
		if (prev->sig[i][MR_GROUP_RELATIONS] != mod->sig[MR_GROUP_RELATIONS]) {
			if (!dirty) dirty = mr_xcalloc(n + 1, sizeof *dirty);
			dirty[nd++] = i;
		}
	}
	ctx c = {reg, an, NULL, 0, NULL, NULL, NULL, 0};
	half h = {{reg, an, NULL, 0, NULL, NULL, NULL, 0}, {false}};
	/* a few modules' relationships changed: only they and their neighbours are checked */
	bool again = run[MR_GROUP_RELATIONS] && same_ids && !prev->taken[MR_GROUP_RELATIONS] && nd <= n / 4 + 1;
	h.run[MR_GROUP_CLAIMS] = run[MR_GROUP_CLAIMS];
	h.run[MR_GROUP_LIKENESS] = run[MR_GROUP_LIKENESS];
	for (int g = 0; g < MR_GROUPS; g++)
		if (!run[g] || (g == MR_GROUP_RELATIONS && again)) take_group(an, prev, g);
	/* two threads: together the checks take some 50 ms at 10,000 modules */
	pthread_t t;
	bool second = run[MR_GROUP_CLAIMS] || run[MR_GROUP_LIKENESS];
	bool threaded = second && pthread_create(&t, NULL, second_half, &h) == 0;
	/* which modules' results may have changed: known when every group was taken over
	 * or only some modules' relations were checked again */
	bool known = usable_prev && an->sig;
	for (int g = 0; g < MR_GROUPS; g++) known &= !run[g] || (g == MR_GROUP_RELATIONS && again);
	if (again) known &= recheck_relations(&c, dirty, nd);
	else if (run[MR_GROUP_RELATIONS]) run_group(&c, MR_GROUP_RELATIONS);
	if (run[MR_GROUP_EVENTS]) run_group(&c, MR_GROUP_EVENTS);
	/* the likeness group is run by whichever thread is free first (after a change, the
	 * relations are checked again in a millisecond, and the claims take the other thread) */
	if (threaded && __atomic_exchange_n(&h.run[MR_GROUP_LIKENESS], false, __ATOMIC_ACQ_REL))
		run_group(&c, MR_GROUP_LIKENESS);
	if (threaded) pthread_join(t, NULL);
	else if (second) second_half(&h);
	free(dirty);
	if (!known) {
		free(an->changed);
		an->changed = NULL;
	} else if (!an->changed)
		an->changed = mr_xcalloc(n + 1, sizeof *an->changed);
	/* every module's findings: shallow copies of its lists', in one sorted list */
	for (size_t i = 0; i < n; i++) {
		mr_modinfo *info = &an->info[i];
		size_t len = 0;
		for (int l = 0; l < MR_FOUND_LISTS; l++) {
			len += an->found[l][i].len;
			info->cross_errors += an->found_errors[l][i];
		}
		if (!len) continue;
		info->diags.items = mr_xcalloc(len, sizeof *info->diags.items);
		info->diags.cap = len;
		for (int l = 0; l < MR_FOUND_LISTS; l++) {
			const mr_diags *d = &an->found[l][i];
			if (d->len) memcpy(info->diags.items + info->diags.len, d->items, d->len * sizeof *d->items);
			info->diags.len += d->len;
		}
		mr_diags_sort(&info->diags);
	}
	free(c.ids);
	free(c.all_ids);
	free(h.c.ids);
}

void mr_analyse(const mr_registry *reg, mr_analysis *an)
{
	mr_analyse_again(reg, an, NULL);
}

void mr_analysis_release(mr_analysis *an)
{
	for (size_t i = 0; i < an->n; i++) {
		free(an->info[i].incoming);
		free(an->info[i].satisfied);
		free(an->info[i].target);
		free(an->info[i].deps);
		free(an->info[i].diags.items); /* shallow: the lists own them */
	}
	for (int l = 0; l < MR_FOUND_LISTS; l++) {
		if (an->found[l])
			for (size_t i = 0; i < an->n; i++) mr_diags_release(&an->found[l][i]);
		free(an->found[l]);
		free(an->found_errors[l]);
	}
	free(an->sig);
	free(an->idh);
	free(an->changed);
	free(an->info);
	free(an->order);
	free(an->roots);
	mr_cycles_free(an->cycles, an->ncycles);
	memset(an, 0, sizeof *an);
}
