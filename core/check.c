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
 * changed saying which modules were checked again. */
static bool recheck_relations(ctx *c, const size_t *dirty, size_t nd, bool *changed)
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
	else
		for (size_t i = 0; i < n; i++) changed[i] = mark[i] != 0;
	free(mark);
	free(targets);
	free(fresh);
	return !graphs;
}

/* ---- conflicts: same key claimed by several modules ---- */

/* The modules a group checks again after only those in dirty (nd of them) changed: them
 * and those in also (NULL: none), n in all; *dset (when asked for) marks dirty alone. */
static unsigned char *to_redo(size_t n, const size_t *dirty, size_t nd, const unsigned char *also, unsigned char **dset)
{
	unsigned char *redo = mr_xcalloc(n + 1, 1);
	if (also) memcpy(redo, also, n);
	if (dset) *dset = mr_xcalloc(n + 1, 1);
	for (size_t k = 0; k < nd; k++) {
		redo[dirty[k]] = 1;
		if (dset) (*dset)[dirty[k]] = 1;
	}
	return redo;
}

/* The kinds of keys a module claims: its routes, its UI page paths, its name. */
enum { CLAIM_ROUTE, CLAIM_UI, CLAIM_NAME, CLAIM_KINDS };

/* A claim of a key by module mod (+ 1; 0: an empty slot); idx says which of its routes or
 * pages; h is a 32-bit hash of the key.  Claims of keys with the same hash are one probe
 * run of their table: a group is found without the keys, which live in the manifests. */
typedef struct cslot {
	uint32_t h, mod, idx;
} cslot;

typedef struct ctable {
	cslot *v;
	size_t size, n; /* size: any (ct_init) */
} ctable;

/* The claims of the last analysis, kept for the next one (a change re-checks only the
 * groups of the keys it touched): 12 bytes a claim, the tables at most three quarters
 * full.  A module's own claims are found from its manifest, or (those it had) by a pass
 * over the tables. */
struct mr_claims {
	ctable t[CLAIM_KINDS];
};

static uint32_t claim_hash(uint64_t h)
{
	return (uint32_t)((h * 0x9e3779b97f4a7c15u) >> 32);
}

/* the home slot of hash h: h scaled to the table's size (no power of two needed) */
static size_t ct_home(const ctable *t, uint32_t h)
{
	return (size_t)(((uint64_t)h * t->size) >> 32);
}

static size_t ct_next(const ctable *t, size_t s)
{
	return s + 1 < t->size ? s + 1 : 0;
}

static void ct_init(ctable *t, size_t claims)
{
	t->size = claims + claims / 3 + 8;
	t->v = mr_xcalloc(t->size, sizeof *t->v);
	t->n = 0;
}

static void ct_put(ctable *t, uint32_t h, uint32_t mod, uint32_t idx)
{
	if (4 * (t->n + 1) > 3 * t->size) {
		ctable g;
		ct_init(&g, 2 * t->n);
		for (size_t k = 0; k < t->size; k++) {
			if (!t->v[k].mod) continue;
			size_t s = ct_home(&g, t->v[k].h);
			while (g.v[s].mod) s = ct_next(&g, s);
			g.v[s] = t->v[k];
		}
		g.n = t->n;
		free(t->v);
		*t = g;
	}
	size_t s = ct_home(t, h);
	while (t->v[s].mod) s = ct_next(t, s);
	t->v[s] = (cslot){h, mod + 1, idx};
	t->n++;
}

/* remove every claim of hash h by module mod (linear probing: the run closes up behind) */
static void ct_drop(ctable *t, uint32_t h, uint32_t mod)
{
	size_t size = t->size;
	for (size_t s = ct_home(t, h); t->v[s].mod;) {
		if (t->v[s].h != h || t->v[s].mod != mod + 1) {
			s = ct_next(t, s);
			continue;
		}
		size_t hole = s;
		for (size_t k = ct_next(t, hole); t->v[k].mod; k = ct_next(t, k)) {
			size_t home = ct_home(t, t->v[k].h);
			/* k may move back to the hole unless its home lies in (hole, k] */
			if ((k + size - home) % size >= (k + size - hole) % size) {
				t->v[hole] = t->v[k];
				hole = k;
			}
		}
		t->v[hole] = (cslot){0, 0, 0};
		t->n--;
		/* s now holds the next entry of the run (or is empty) */
	}
}

/* the claims of hash h: appended to *out */
static size_t ct_group(const ctable *t, uint32_t h, cslot **out, size_t *cap)
{
	size_t n = 0;
	for (size_t s = ct_home(t, h); t->v[s].mod; s = ct_next(t, s))
		if (t->v[s].h == h) {
			MR_GROW(*out, *cap, n + 1);
			(*out)[n++] = t->v[s];
		}
	return n;
}

/* the entries of the modules marked in mods: appended to *out (one pass over the table) */
static size_t ct_entries_of(const ctable *t, const unsigned char *mods, cslot **out, size_t *n, size_t *cap)
{
	size_t before = *n;
	for (size_t s = 0; s < t->size; s++) {
		if (!t->v[s].mod || !mods[t->v[s].mod - 1]) continue;
		MR_GROW(*out, *cap, *n + 1);
		(*out)[(*n)++] = t->v[s];
	}
	return *n - before;
}

/* Drop the entries of the modules marked in mods, after marking in mark the modules of
 * the groups of their hashes in table marks (NULL: none), through remap when given (a
 * module it maps to -1 is not marked). */
static void ct_remove(ctable *t, const unsigned char *mods, const ctable *marks, const long *remap, unsigned char *mark)
{
	cslot *had = NULL, *g = NULL;
	size_t nhad = 0, caphad = 0, gcap = 0;
	ct_entries_of(t, mods, &had, &nhad, &caphad);
	for (size_t k = 0; k < nhad && marks; k++) {
		size_t gn = ct_group(marks, had[k].h, &g, &gcap);
		for (size_t j = 0; j < gn; j++) {
			long m = remap ? remap[g[j].mod - 1] : (long)g[j].mod - 1;
			if (m >= 0) mark[m] = 1;
		}
	}
	for (size_t k = 0; k < nhad; k++) ct_drop(t, had[k].h, had[k].mod - 1);
	free(had);
	free(g);
}

static void claims_free(mr_claims *cs)
{
	if (!cs) return;
	for (int k = 0; k < CLAIM_KINDS; k++) free(cs->t[k].v);
	free(cs);
}

/* the key of a claim, from the module's manifest as it is now (*owned: to free) */
static const char *claim_key(const ctx *c, int kind, size_t mod, size_t idx, char **owned)
{
	const mr_manifest *m = man(c, mod);
	*owned = NULL;
	if (kind == CLAIM_ROUTE) return m->routes[idx].key;
	if (kind == CLAIM_UI) return *owned = mr_path_normalise(m->pages[idx].path.s);
	char *lower = *owned = mr_xstrdup(m->name.s);
	for (char *p = lower; *p; p++) *p = (char)tolower((unsigned char)*p);
	return lower;
}

/* how many claims of the kind module i makes now */
static size_t claims_of(const ctx *c, size_t i, int kind)
{
	if (!usable(c, i)) return 0;
	const mr_manifest *m = man(c, i);
	return kind == CLAIM_ROUTE ? m->nroutes : kind == CLAIM_UI ? m->npages : m->name.s ? 1 : 0;
}

static uint32_t claim_hash_of(const ctx *c, int kind, size_t i, size_t x)
{
	if (kind == CLAIM_ROUTE) return claim_hash(man(c, i)->routes[x].key_hash);
	char *owned;
	uint64_t h = mr_str_hash(claim_key(c, kind, i, x, &owned));
	free(owned);
	return claim_hash(h);
}

/* Put module i's claims in the tables. */
static void claims_add(ctx *c, mr_claims *cs, size_t i)
{
	for (int kind = 0; kind < CLAIM_KINDS; kind++)
		for (size_t x = 0, n = claims_of(c, i, kind); x < n; x++)
			ct_put(&cs->t[kind], claim_hash_of(c, kind, i, x), (uint32_t)i, (uint32_t)x);
}

typedef struct keyed {
	const char *key;
	char *owned;
	uint32_t mod, idx;
} keyed;

static int keyed_cmp(const void *pa, const void *pb)
{
	const keyed *a = pa, *b = pb;
	int r = strcmp(a->key, b->key);
	if (r) return r;
	if (a->mod != b->mod) return a->mod < b->mod ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void route_conflict(ctx *c, const keyed *h, const keyed *o)
{
	const mr_manifest *m = man(c, h->mod);
	mr_pos hp = m->routes[h->idx].path.pos, op = man(c, o->mod)->routes[o->idx].path.pos;
	mr_diag *dg = report(c, h->mod, hp, "route-conflict", "route %s %s is already declared by %s",
	                     m->routes[h->idx].method.s, m->routes[h->idx].full_path, c->reg->mods[o->mod]->id);
	mr_diag_note(dg, c->reg->mods[o->mod]->file, op.line, op.col, "%s declares it here", c->reg->mods[o->mod]->id);
}

static void ui_conflict(ctx *c, const keyed *h, const keyed *o)
{
	const mr_text *hp = &man(c, h->mod)->pages[h->idx].path, *op = &man(c, o->mod)->pages[o->idx].path;
	mr_diag *dg = report(c, h->mod, hp->pos, "ui-path-conflict", "UI page path %s is also claimed by %s", hp->s,
	                     c->reg->mods[o->mod]->id);
	mr_diag_note(dg, c->reg->mods[o->mod]->file, op->pos.line, op->pos.col, "%s claims it here", c->reg->mods[o->mod]->id);
}

static void name_conflict(ctx *c, const keyed *h, const keyed *o)
{
	const mr_text *hn = &man(c, h->mod)->name, *on = &man(c, o->mod)->name;
	mr_diag *dg = report(c, h->mod, hn->pos, "duplicate-name", "name '%s' is also used by %s (names are compared ignoring case)",
	                     hn->s, c->reg->mods[o->mod]->id);
	mr_diag_note(dg, c->reg->mods[o->mod]->file, on->pos.line, on->pos.col, "%s uses it here", c->reg->mods[o->mod]->id);
}

typedef void (*conflict_fn)(ctx *c, const keyed *here, const keyed *other);
static const conflict_fn conflict_fns[CLAIM_KINDS] = {route_conflict, ui_conflict, name_conflict};

/* a set of (kind, hash): the groups already looked at */
typedef struct seen {
	uint64_t *v; /* kind << 32 | hash, + 1; 0: empty */
	size_t size;
} seen;

static bool seen_add(seen *s, int kind, uint32_t h)
{
	uint64_t key = ((uint64_t)kind << 32 | h) + 1;
	size_t k = (size_t)(key * 0x9e3779b97f4a7c15u >> 20) & (s->size - 1);
	for (; s->v[k]; k = (k + 1) & (s->size - 1))
		if (s->v[k] == key) return false;
	s->v[k] = key;
	return true;
}

/* The conflicts of the group of claims of hash h of a kind, reported on those of the
 * modules marked in redo: every claim of theirs whose key another module claims too is
 * told the first such claim (registry order).  A key claimed by thousands costs a sort,
 * not their square. */
typedef struct grouping {
	cslot *g;
	size_t gcap;
	keyed *kv;
	size_t kcap;
} grouping;

static void report_group(ctx *c, const mr_claims *cs, int kind, uint32_t h, const unsigned char *redo, grouping *gr)
{
	size_t n = ct_group(&cs->t[kind], h, &gr->g, &gr->gcap);
	bool shared = false;
	for (size_t j = 1; j < n; j++) shared |= gr->g[j].mod != gr->g[0].mod;
	if (!shared) return;
	MR_GROW(gr->kv, gr->kcap, n);
	keyed *kv = gr->kv;
	for (size_t j = 0; j < n; j++) {
		kv[j].mod = gr->g[j].mod - 1;
		kv[j].idx = gr->g[j].idx;
		kv[j].key = claim_key(c, kind, kv[j].mod, kv[j].idx, &kv[j].owned);
	}
	qsort(kv, n, sizeof *kv, keyed_cmp);
	for (size_t s = 0, e; s < n; s = e) {
		for (e = s + 1; e < n && !strcmp(kv[e].key, kv[s].key); e++) {}
		for (size_t a = s; a < e; a++) {
			if (!redo[kv[a].mod]) continue;
			size_t o = s;
			while (o < e && kv[o].mod == kv[a].mod) o++;
			if (o < e) conflict_fns[kind](c, &kv[a], &kv[o]);
		}
	}
	for (size_t j = 0; j < n; j++) free(kv[j].owned);
}

static void grouping_release(grouping *gr)
{
	free(gr->g);
	free(gr->kv);
}

/* Report the conflicts of the modules marked in redo (listed in mods), group by group. */
static void claims_report(ctx *c, const mr_claims *cs, const unsigned char *redo, const size_t *mods, size_t nmods)
{
	size_t total = 0;
	for (size_t k = 0; k < nmods; k++)
		for (int kind = 0; kind < CLAIM_KINDS; kind++) total += claims_of(c, mods[k], kind);
	if (!total) return;
	seen sn = {NULL, 16};
	while (sn.size < 2 * total) sn.size <<= 1;
	sn.v = mr_xcalloc(sn.size, sizeof *sn.v);
	grouping gr = {NULL, 0, NULL, 0};
	for (size_t k = 0; k < nmods; k++)
		for (int kind = 0; kind < CLAIM_KINDS; kind++)
			for (size_t x = 0, nx = claims_of(c, mods[k], kind); x < nx; x++) {
				uint32_t h = claim_hash_of(c, kind, mods[k], x);
				if (seen_add(&sn, kind, h)) report_group(c, cs, kind, h, redo, &gr);
			}
	grouping_release(&gr);
	free(sn.v);
}

/* The same for every module: each group once, at the first slot of its hash in its run
 * of the table (no set of the groups seen: a full run has hundreds of thousands). */
static void claims_report_all(ctx *c, const mr_claims *cs, const unsigned char *all)
{
	grouping gr = {NULL, 0, NULL, 0};
	for (int kind = 0; kind < CLAIM_KINDS; kind++) {
		const ctable *t = &cs->t[kind];
		for (size_t s = 0; s < t->size; s++) {
			if (!t->v[s].mod) continue;
			uint32_t h = t->v[s].h;
			size_t q = ct_home(t, h);
			while (q != s && t->v[q].h != h) q = ct_next(t, q);
			if (q == s) report_group(c, cs, kind, h, all, &gr);
		}
	}
	grouping_release(&gr);
}

/* The claims group over the whole registry: the tables made anew. */
static void check_conflicts(ctx *c)
{
	size_t n = c->reg->n;
	mr_claims *cs = c->an->claims = mr_xcalloc(1, sizeof *cs);
	for (int kind = 0; kind < CLAIM_KINDS; kind++) {
		size_t total = 0;
		for (size_t i = 0; i < n; i++) total += claims_of(c, i, kind);
		ct_init(&cs->t[kind], total);
	}
	unsigned char *all = mr_xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		claims_add(c, cs, i);
		all[i] = usable(c, i);
	}
	claims_report_all(c, cs, all);
	free(all);
}

/* The claims group again after only the modules in dirty (nd, ascending) changed what it
 * reads (the same ids): their claims replaced in the tables taken over, and the conflicts
 * made again for them and for every module that claims a key of the same hash as one
 * they had or have.  Marks those modules in changed. */
static void recheck_conflicts(ctx *c, const size_t *dirty, size_t nd, const unsigned char *also, bool *changed)
{
	mr_claims *cs = c->an->claims;
	size_t n = c->reg->n;
	unsigned char *dset, *redo = to_redo(n, dirty, nd, also, &dset);
	/* the claims they had: the modules of the groups of those hashes, then the claims
	 * dropped and theirs put anew */
	for (int kind = 0; kind < CLAIM_KINDS; kind++) ct_remove(&cs->t[kind], dset, &cs->t[kind], NULL, redo);
	for (size_t k = 0; k < nd; k++) claims_add(c, cs, dirty[k]);
	cslot *g = NULL;
	size_t gcap = 0;
	/* and of the groups of the hashes they have */
	for (size_t k = 0; k < nd; k++)
		for (int kind = 0; kind < CLAIM_KINDS; kind++)
			for (size_t x = 0, nx = claims_of(c, dirty[k], kind); x < nx; x++) {
				size_t gn = ct_group(&cs->t[kind], claim_hash_of(c, kind, dirty[k], x), &g, &gcap);
				for (size_t j = 0; j < gn; j++) redo[g[j].mod - 1] = 1;
			}
	size_t *mods = NULL, nm = 0, cap = 0;
	for (size_t i = 0; i < n; i++) {
		if (!redo[i]) continue;
		clear_found(c, MR_FOUND_CLAIMS, i);
		changed[i] = true;
		MR_GROW(mods, cap, nm + 1);
		mods[nm++] = i;
	}
	claims_report(c, cs, redo, mods, nm);
	free(redo);
	free(dset);
	free(mods);
	free(g);
}

/* ---- events ---- */

/* The events group's state, kept for the next analysis: who publishes (any manifest that
 * loaded) and who subscribes (valid ones) to which event name, kept as the claims are. */
struct mr_events {
	ctable pub, sub;
};

static void events_free(mr_events *ev)
{
	if (!ev) return;
	free(ev->pub.v);
	free(ev->sub.v);
	free(ev);
}

static uint32_t name_hash(const char *name)
{
	return claim_hash(mr_str_hash(name));
}

static void events_add(ctx *c, mr_events *ev, size_t i)
{
	const mr_manifest *m = man(c, i);
	if (!m) return;
	for (size_t e = 0; e < m->npublishes; e++) ct_put(&ev->pub, name_hash(m->publishes[e].name.s), (uint32_t)i, (uint32_t)e);
	if (!usable(c, i)) return;
	for (size_t e = 0; e < m->subscribes.n; e++) ct_put(&ev->sub, name_hash(m->subscribes.v[e].s), (uint32_t)i, (uint32_t)e);
}

/* does some module publish the event? */
static bool published(const ctx *c, const mr_events *ev, const char *name)
{
	uint32_t h = name_hash(name);
	for (size_t s = ct_home(&ev->pub, h); ev->pub.v[s].mod; s = ct_next(&ev->pub, s)) {
		const cslot *x = &ev->pub.v[s];
		if (x->h == h && !strcmp(man(c, x->mod - 1)->publishes[x->idx].name.s, name)) return true;
	}
	return false;
}

/* module i's subscriptions to events nobody publishes */
static void events_report(ctx *c, const mr_events *ev, size_t i)
{
	if (!usable(c, i)) return;
	const mr_manifest *m = man(c, i);
	for (size_t e = 0; e < m->subscribes.n; e++)
		if (!published(c, ev, m->subscribes.v[e].s))
			report(c, i, m->subscribes.v[e].pos, "unpublished-event", "%s subscribes to event '%s', which no module publishes",
			       m->id, m->subscribes.v[e].s);
}

/* The events group over the whole registry: the tables made anew. */
static void check_events(ctx *c)
{
	size_t n = c->reg->n, npub = 0, nsub = 0;
	for (size_t i = 0; i < n; i++) {
		if (man(c, i)) npub += man(c, i)->npublishes;
		if (usable(c, i)) nsub += man(c, i)->subscribes.n;
	}
	mr_events *ev = c->an->events = mr_xcalloc(1, sizeof *ev);
	ct_init(&ev->pub, npub);
	ct_init(&ev->sub, nsub);
	for (size_t i = 0; i < n; i++) events_add(c, ev, i);
	for (size_t i = 0; i < n; i++) events_report(c, ev, i);
}

/* The events group again after only the modules in dirty (nd, ascending) changed their
 * events (the same ids): their publications and subscriptions replaced in the tables
 * taken over, and the findings made again for them and for the subscribers of every name
 * they published or publish.  Marks those modules in changed. */
static void recheck_events(ctx *c, const size_t *dirty, size_t nd, const unsigned char *also, bool *changed)
{
	mr_events *ev = c->an->events;
	size_t n = c->reg->n;
	unsigned char *dset, *redo = to_redo(n, dirty, nd, also, &dset);
	/* what they had: the subscribers of the names they published, then both dropped and
	 * theirs put anew */
	ct_remove(&ev->pub, dset, &ev->sub, NULL, redo);
	ct_remove(&ev->sub, dset, NULL, NULL, NULL);
	for (size_t k = 0; k < nd; k++) events_add(c, ev, dirty[k]);
	/* and the subscribers of the names they publish */
	cslot *g = NULL;
	size_t gcap = 0;
	for (size_t k = 0; k < nd; k++) {
		const mr_manifest *m = man(c, dirty[k]);
		for (size_t e = 0; m && e < m->npublishes; e++) {
			size_t gn = ct_group(&ev->sub, name_hash(m->publishes[e].name.s), &g, &gcap);
			for (size_t j = 0; j < gn; j++) redo[g[j].mod - 1] = 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!redo[i]) continue;
		clear_found(c, MR_FOUND_EVENTS, i);
		changed[i] = true;
		events_report(c, ev, i);
	}
	free(redo);
	free(dset);
	free(g);
}

/* ---- possible duplicates ---- */

/* The likeness group's state, kept for the next analysis: each module's tokens as they
 * were indexed (a module read again has freed the profile they came from) and the modules
 * it was reported alike. */
struct mr_likeness {
	uint64_t **tok;      /* per module: NULL, or its tokens */
	uint32_t *ntok;
	uint32_t **partners; /* per module: NULL, or {count, modules ascending...} */
	size_t n;
};

static void likeness_free(mr_likeness *lk)
{
	if (!lk) return;
	for (size_t i = 0; i < lk->n; i++) {
		free(lk->tok[i]);
		free(lk->partners[i]);
	}
	free(lk->tok);
	free(lk->ntok);
	free(lk->partners);
	free(lk);
}

/* module i's profile, or NULL when it takes no part */
static mr_simprofile *profile_of(ctx *c, size_t i)
{
	mr_module *mod = c->reg->mods[i];
	if (!usable(c, i)) return NULL;
	/* modules built by hand (tests, proposals) may come without a profile */
	if (!mod->profile) mod->profile = mr_simprofile_from_manifest(mod->m);
	return mod->profile;
}

/* keep module i's tokens as they are now (taken from its profile: kept once) */
static void likeness_tokens(ctx *c, mr_likeness *lk, size_t i)
{
	free(lk->tok[i]);
	lk->tok[i] = NULL;
	lk->ntok[i] = 0;
	mr_simprofile *p = profile_of(c, i);
	size_t nt = 0;
	if (p) lk->tok[i] = mr_simprofile_take_tokens(p, &nt);
	lk->ntok[i] = (uint32_t)nt;
}

static void partner_add(mr_likeness *lk, size_t i, size_t j)
{
	uint32_t *p = lk->partners[i];
	uint32_t n = p ? p[0] : 0;
	p = lk->partners[i] = mr_xrealloc(p, (n + 2) * sizeof *p);
	p[0] = n + 1;
	p[n + 1] = (uint32_t)j;
}

/* the possible-duplicate finding on module a about b, which scored score */
static void dup_report(ctx *c, size_t a, size_t b, int score)
{
	size_t i = a < b ? a : b, j = a ^ b ^ i;
	mr_buf why = MR_BUF_INIT;
	mr_similarity(c->reg->mods[i]->profile, c->reg->mods[j]->profile, &why);
	const mr_module *ma = c->reg->mods[a], *mb = c->reg->mods[b];
	report(c, a, ma->m->name.pos, "possible-duplicate", "%s looks like %s (similarity %d/100: %s)", ma->id, mb->id, score,
	       mr_buf_str(&why));
	mr_buf_release(&why);
}

static void dup_pair(void *vc, size_t i, size_t j, int score)
{
	ctx *c = vc;
	dup_report(c, i, j, score);
	dup_report(c, j, i, score);
	partner_add(c->an->likeness, i, j);
	partner_add(c->an->likeness, j, i);
}

/* The likeness group over the whole registry: every candidate pair through the inverted
 * index of mr_similar_pairs. */
static void check_duplicates(ctx *c)
{
	size_t n = c->reg->n;
	mr_likeness *lk = c->an->likeness = mr_xcalloc(1, sizeof *lk);
	lk->n = n;
	lk->tok = mr_xcalloc(n + 1, sizeof *lk->tok);
	lk->ntok = mr_xcalloc(n + 1, sizeof *lk->ntok);
	lk->partners = mr_xcalloc(n + 1, sizeof *lk->partners);
	mr_simprofile **p = mr_xcalloc(n + 1, sizeof *p);
	for (size_t i = 0; i < n; i++) p[i] = profile_of(c, i);
	mr_similar_pairs(p, n, MR_DUPLICATE_THRESHOLD, dup_pair, c);
	for (size_t i = 0; i < n; i++) likeness_tokens(c, lk, i);
	free(p);
}

/* Postings of some tokens: which modules hold them, found by one pass over every
 * module's tokens (some hundreds of thousands at 10,000 modules: a millisecond), and how
 * often they are held. */
typedef struct posting {
	uint32_t tok; /* index in the set */
	uint32_t mod;
} posting;

typedef struct tokset {
	uint64_t *v; /* the tokens (a hash set: used says which slots hold one) */
	bool *used;
	uint32_t *count; /* holdings (a module holding a token twice counts twice, as in mr_similar_pairs) */
	uint32_t *first; /* into the sorted postings */
	size_t size;
	posting *post;
	size_t npost;
} tokset;

static long ts_find(const tokset *s, uint64_t t)
{
	for (size_t k = (size_t)(t * 0x9e3779b97f4a7c15u >> 17) & (s->size - 1); s->used[k]; k = (k + 1) & (s->size - 1))
		if (s->v[k] == t) return (long)k;
	return -1;
}

static void ts_add(tokset *s, uint64_t t)
{
	size_t k = (size_t)(t * 0x9e3779b97f4a7c15u >> 17) & (s->size - 1);
	for (; s->used[k]; k = (k + 1) & (s->size - 1))
		if (s->v[k] == t) return;
	s->used[k] = true;
	s->v[k] = t;
}

static int posting_cmp(const void *pa, const void *pb)
{
	const posting *a = pa, *b = pb;
	if (a->tok != b->tok) return a->tok < b->tok ? -1 : 1;
	return a->mod < b->mod ? -1 : a->mod > b->mod;
}

/* the tokens of the modules marked in want (and the extra ones, count of them) */
static void ts_make(tokset *s, const mr_likeness *lk, const unsigned char *want, const uint64_t *extra, size_t nextra)
{
	size_t total = nextra;
	for (size_t i = 0; i < lk->n; i++)
		if (want[i]) total += lk->ntok[i];
	s->size = 16;
	while (s->size < 2 * total) s->size <<= 1;
	s->v = mr_xcalloc(s->size, sizeof *s->v);
	s->used = mr_xcalloc(s->size, sizeof *s->used);
	s->count = mr_xcalloc(s->size, sizeof *s->count);
	s->first = mr_xcalloc(s->size + 1, sizeof *s->first);
	for (size_t k = 0; k < nextra; k++) ts_add(s, extra[k]);
	for (size_t i = 0; i < lk->n; i++)
		if (want[i])
			for (size_t k = 0; k < lk->ntok[i]; k++) ts_add(s, lk->tok[i][k]);
	size_t cap = 0;
	s->post = NULL;
	s->npost = 0;
	for (size_t i = 0; i < lk->n; i++)
		for (size_t k = 0; k < lk->ntok[i]; k++) {
			long at = ts_find(s, lk->tok[i][k]);
			if (at < 0) continue;
			s->count[at]++;
			MR_GROW(s->post, cap, s->npost + 1);
			s->post[s->npost++] = (posting){(uint32_t)at, (uint32_t)i};
		}
	if (s->npost > 1) qsort(s->post, s->npost, sizeof *s->post, posting_cmp);
	/* first[k]: the first posting of slot k (postings sorted by slot) */
	size_t at = 0;
	for (size_t k = 0; k <= s->size; k++) {
		while (at < s->npost && s->post[at].tok < k) at++;
		s->first[k] = (uint32_t)at;
	}
}

static void ts_free(tokset *s)
{
	free(s->v);
	free(s->used);
	free(s->count);
	free(s->first);
	free(s->post);
}

static int u32_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	return a < b ? -1 : a > b;
}

/* The modules that score with module a at least the threshold, ascending, from the
 * postings of its tokens (which s must hold). */
static size_t alike(ctx *c, const mr_likeness *lk, const tokset *s, size_t a, uint32_t **out, size_t *cap, int **scores,
                    size_t *scap)
{
	size_t n = 0;
	for (size_t k = 0; k < lk->ntok[a]; k++) {
		long at = ts_find(s, lk->tok[a][k]);
		if (at < 0 || s->count[at] > MR_COMMON_TOKEN) continue;
		for (size_t q = s->first[at]; q < s->first[at + 1]; q++)
			if (s->post[q].mod != a) {
				MR_GROW(*out, *cap, n + 1);
				(*out)[n++] = s->post[q].mod;
			}
	}
	if (n > 1) qsort(*out, n, sizeof **out, u32_cmp);
	size_t w = 0;
	for (size_t k = 0; k < n; k++) {
		if (k && (*out)[k] == (*out)[k - 1]) continue;
		size_t b = (*out)[k], i = a < b ? a : b, j = a ^ b ^ i;
		int sc = mr_similarity_cached(c->reg->mods[i]->profile, c->reg->mods[j]->profile);
		if (sc < MR_DUPLICATE_THRESHOLD) continue;
		MR_GROW(*scores, *scap, w + 1);
		(*scores)[w] = sc;
		(*out)[w++] = (uint32_t)b;
	}
	return w;
}

/* The likeness group again after only the modules in dirty (nd, ascending) changed their
 * profiles (the same ids): the pairs of those modules scored again, and the findings made
 * again for them, for the modules they were or are alike, and for the holders of a token
 * that their change made too common or no longer too common.  Marks those modules in
 * changed. */
static void recheck_likeness(ctx *c, const size_t *dirty, size_t nd, const unsigned char *also, const uint64_t *gone_tok,
                             size_t ngone, bool *changed)
{
	mr_likeness *lk = c->an->likeness;
	size_t n = c->reg->n;
	unsigned char *redo = to_redo(n, dirty, nd, also, NULL);
	/* the tokens they had and have (and those of the modules removed), with what each of
	 * them held */
	uint64_t *oldt = NULL;
	size_t nold = 0, capo = 0;
	MR_GROW(oldt, capo, ngone + 1);
	if (ngone) memcpy(oldt, gone_tok, ngone * sizeof *oldt);
	nold = ngone;
	for (size_t k = 0; k < nd; k++) {
		size_t d = dirty[k];
		MR_GROW(oldt, capo, nold + lk->ntok[d] + 1);
		if (lk->ntok[d]) memcpy(oldt + nold, lk->tok[d], lk->ntok[d] * sizeof *oldt);
		nold += lk->ntok[d];
		const uint32_t *pt = lk->partners[d];
		for (uint32_t j = 0; pt && j < pt[0]; j++) redo[pt[j + 1]] = 1;
		likeness_tokens(c, lk, d);
	}
	/* the postings of their tokens and of those of the modules they were alike (which
	 * are made again): often all the modules to do again */
	unsigned char *want = mr_xcalloc(n + 1, 1);
	memcpy(want, redo, n);
	tokset s1;
	ts_make(&s1, lk, want, oldt, nold);
	/* a token of theirs whose holdings crossed MR_COMMON_TOKEN: its pairs came or went */
	long *before = mr_xcalloc(s1.size, sizeof *before);
	for (size_t k = 0; k < s1.size; k++) before[k] = s1.count[k];
	for (size_t q = 0; q < nold; q++) before[ts_find(&s1, oldt[q])]++;
	for (size_t k = 0; k < nd; k++)
		for (size_t q = 0; q < lk->ntok[dirty[k]]; q++) before[ts_find(&s1, lk->tok[dirty[k]][q])]--;
	for (size_t k = 0; k < s1.size; k++) {
		if (!s1.used[k] || (before[k] > MR_COMMON_TOKEN) == (s1.count[k] > MR_COMMON_TOKEN)) continue;
		for (size_t q = s1.first[k]; q < s1.first[k + 1]; q++) redo[s1.post[q].mod] = 1;
	}
	free(before);
	/* the modules they are alike now */
	uint32_t *al = NULL;
	int *sc = NULL;
	size_t acap = 0, scap = 0;
	for (size_t k = 0; k < nd; k++) {
		size_t na = alike(c, lk, &s1, dirty[k], &al, &acap, &sc, &scap);
		for (size_t j = 0; j < na; j++) redo[al[j]] = 1;
	}
	/* the postings of every module to do again: those made above, unless more came */
	tokset s2 = s1;
	if (memcmp(want, redo, n)) {
		ts_free(&s1);
		ts_make(&s2, lk, redo, NULL, 0);
	}
	free(want);
	for (size_t a = 0; a < n; a++) {
		if (!redo[a]) continue;
		changed[a] = true;
		clear_found(c, MR_FOUND_LIKENESS, a);
		free(lk->partners[a]);
		lk->partners[a] = NULL;
		size_t na = alike(c, lk, &s2, a, &al, &acap, &sc, &scap);
		for (size_t j = 0; j < na; j++) {
			dup_report(c, a, al[j], sc[j]);
			partner_add(lk, a, al[j]);
		}
	}
	ts_free(&s2);
	free(al);
	free(sc);
	free(oldt);
	free(redo);
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

/* Move group g's results from prev to an: with remap (modules were added or removed:
 * where prev's modules are now), the findings to the new indices, those of the removed
 * modules let go (the relations group is never taken so). */
static void take_group(mr_analysis *an, mr_analysis *prev, int g, const long *remap)
{
	for (int l = group_first(g); l < group_end(g); l++) {
		if (!remap) {
			an->found[l] = prev->found[l];
			an->found_errors[l] = prev->found_errors[l];
		} else {
			an->found[l] = mr_xcalloc(an->n + 1, sizeof(mr_diags));
			an->found_errors[l] = mr_xcalloc(an->n + 1, sizeof(size_t));
			for (size_t o = 0; o < prev->n; o++) {
				if (remap[o] < 0) {
					mr_diags_release(&prev->found[l][o]);
					continue;
				}
				an->found[l][remap[o]] = prev->found[l][o];
				an->found_errors[l][remap[o]] = prev->found_errors[l][o];
			}
			free(prev->found[l]);
			free(prev->found_errors[l]);
		}
		prev->found[l] = NULL;
		prev->found_errors[l] = NULL;
	}
	prev->taken[g] = true;
	if (g == MR_GROUP_CLAIMS) {
		an->claims = prev->claims;
		prev->claims = NULL;
	}
	if (g == MR_GROUP_LIKENESS) {
		an->likeness = prev->likeness;
		prev->likeness = NULL;
	}
	if (g == MR_GROUP_EVENTS) {
		an->events = prev->events;
		prev->events = NULL;
	}
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

/* what the relations group keeps of a module, let go */
static void rel_free(mr_modinfo *info)
{
	free(info->incoming);
	free(info->satisfied);
	free(info->target);
	free(info->deps);
	info->incoming = NULL;
	info->satisfied = NULL;
	info->target = NULL;
	info->deps = NULL;
}

/* Let go of group g's results in prev, which the analysis made from it runs anew: before,
 * not after, so that both are never held at once (some megabytes at 10,000 modules). */
static void drop_group(mr_analysis *prev, int g)
{
	for (int l = group_first(g); l < group_end(g); l++) {
		if (prev->found[l])
			for (size_t i = 0; i < prev->n; i++) mr_diags_release(&prev->found[l][i]);
		free(prev->found[l]);
		free(prev->found_errors[l]);
		prev->found[l] = NULL;
		prev->found_errors[l] = NULL;
	}
	switch (g) {
	case MR_GROUP_CLAIMS: claims_free(prev->claims); prev->claims = NULL; break;
	case MR_GROUP_EVENTS: events_free(prev->events); prev->events = NULL; break;
	case MR_GROUP_LIKENESS: likeness_free(prev->likeness); prev->likeness = NULL; break;
	default:
		for (size_t i = 0; i < prev->n; i++) rel_free(&prev->info[i]);
		break;
	}
}

/* What an analysis does of each group: run it (run), and if so over the changed modules
 * only (again: dirty, nd of them), marking in changed what it checked again. */
typedef struct plan {
	bool run[MR_GROUPS], again[MR_GROUPS];
	size_t *dirty[MR_GROUPS], nd[MR_GROUPS];
	bool *changed[MR_GROUPS];
	bool known[MR_GROUPS]; /* ran again and knows which modules it changed */
	/* after modules were added or removed: per group run again, the modules the removed
	 * ones leave findings on (NULL: none), and the tokens the removed ones held */
	unsigned char *also[MR_GROUPS];
	uint64_t *gone_tok;
	size_t ngone_tok;
} plan;

/* ---- modules added or removed: the kept results moved to the new indices ---- */

/* Where each module of prev is in the registry now (-1: removed), from the ids' hashes:
 * both are sorted by id, so the indices must grow together.  NULL when they do not (two
 * ids of one hash). */
static long *map_prev(const mr_analysis *an, const mr_analysis *prev)
{
	size_t size = 16;
	while (size < 2 * (an->n + 1)) size <<= 1;
	size_t *slot = mr_xcalloc(size, sizeof *slot); /* index + 1 */
	long *remap = mr_xcalloc(prev->n + 1, sizeof *remap);
	bool ok = true;
	for (size_t i = 0; i < an->n && ok; i++) {
		size_t h = (size_t)an->idh[i] & (size - 1);
		for (; slot[h]; h = (h + 1) & (size - 1)) ok &= an->idh[slot[h] - 1] != an->idh[i];
		slot[h] = i + 1;
	}
	long last = -1;
	for (size_t o = 0; o < prev->n && ok; o++) {
		remap[o] = -1;
		for (size_t h = (size_t)prev->idh[o] & (size - 1); slot[h]; h = (h + 1) & (size - 1))
			if (an->idh[slot[h] - 1] == prev->idh[o]) remap[o] = (long)slot[h] - 1;
		if (remap[o] >= 0) {
			ok &= remap[o] > last;
			last = remap[o];
		}
	}
	free(slot);
	if (!ok) {
		free(remap);
		return NULL;
	}
	return remap;
}

/* In a table of claims (or publications, subscriptions) kept from prev: the entries of
 * the removed modules dropped, the modules of the groups of their hashes in table marks
 * (not yet moved; NULL: none) marked in also (new indices), the others' modules moved. */
static void ct_moved(ctable *t, const long *remap, size_t nold, const ctable *marks, unsigned char *also)
{
	unsigned char *gone = mr_xcalloc(nold + 1, 1);
	for (size_t o = 0; o < nold; o++) gone[o] = remap[o] < 0;
	ct_remove(t, gone, marks, remap, also);
	for (size_t s = 0; s < t->size; s++)
		if (t->v[s].mod) t->v[s].mod = (uint32_t)remap[t->v[s].mod - 1] + 1;
	free(gone);
}

/* The likeness state kept from prev moved to the new indices: the removed modules'
 * tokens handed to the plan (they count as held no more) and the modules they were alike
 * marked in also. */
static void likeness_moved(mr_likeness *lk, const long *remap, size_t n, plan *p, unsigned char *also)
{
	uint64_t **tok = mr_xcalloc(n + 1, sizeof *tok);
	uint32_t *ntok = mr_xcalloc(n + 1, sizeof *ntok), **partners = mr_xcalloc(n + 1, sizeof *partners);
	size_t cap = 0;
	for (size_t o = 0; o < lk->n; o++) {
		long i = remap[o];
		if (i >= 0) {
			tok[i] = lk->tok[o];
			ntok[i] = lk->ntok[o];
			partners[i] = lk->partners[o];
			continue;
		}
		MR_GROW(p->gone_tok, cap, p->ngone_tok + lk->ntok[o] + 1);
		if (lk->ntok[o]) memcpy(p->gone_tok + p->ngone_tok, lk->tok[o], lk->ntok[o] * sizeof *p->gone_tok);
		p->ngone_tok += lk->ntok[o];
		const uint32_t *pt = lk->partners[o];
		for (uint32_t j = 0; pt && j < pt[0]; j++)
			if (remap[pt[j + 1]] >= 0) also[remap[pt[j + 1]]] = 1;
		free(lk->tok[o]);
		free(lk->partners[o]);
	}
	/* the partners' indices moved, the removed ones gone */
	for (size_t i = 0; i < n; i++) {
		uint32_t *pt = partners[i];
		if (!pt) continue;
		uint32_t w = 0;
		for (uint32_t j = 0; j < pt[0]; j++)
			if (remap[pt[j + 1]] >= 0) pt[1 + w++] = (uint32_t)remap[pt[j + 1]];
		pt[0] = w;
	}
	free(lk->tok);
	free(lk->ntok);
	free(lk->partners);
	lk->tok = tok;
	lk->ntok = ntok;
	lk->partners = partners;
	lk->n = n;
}

/* Group g's kept state, taken from an analysis of nold modules (take_group) before modules
 * were added or removed (remap: where its modules are now), moved to the new indices and
 * ready to be checked again for the changed modules and for those the removed ones leave
 * findings on (p->also[g]). */
static void move_kept(mr_analysis *an, size_t nold, int g, const long *remap, plan *p)
{
	unsigned char *also = p->also[g] = mr_xcalloc(an->n + 1, 1);
	switch (g) {
	case MR_GROUP_CLAIMS:
		for (int k = 0; k < CLAIM_KINDS; k++) ct_moved(&an->claims->t[k], remap, nold, &an->claims->t[k], also);
		break;
	case MR_GROUP_EVENTS:
		/* a name no longer published: its subscribers */
		ct_moved(&an->events->pub, remap, nold, &an->events->sub, also);
		ct_moved(&an->events->sub, remap, nold, NULL, also);
		break;
	default: likeness_moved(an->likeness, remap, an->n, p, also); break;
	}
}

static void do_group(ctx *c, plan *p, int g)
{
	if (!p->again[g]) {
		run_group(c, g);
		return;
	}
	use_list(c, group_first(g));
	p->known[g] = true;
	switch (g) {
	case MR_GROUP_RELATIONS: p->known[g] = recheck_relations(c, p->dirty[g], p->nd[g], p->changed[g]); break;
	case MR_GROUP_CLAIMS: recheck_conflicts(c, p->dirty[g], p->nd[g], p->also[g], p->changed[g]); break;
	case MR_GROUP_EVENTS: recheck_events(c, p->dirty[g], p->nd[g], p->also[g], p->changed[g]); break;
	default: recheck_likeness(c, p->dirty[g], p->nd[g], p->also[g], p->gone_tok, p->ngone_tok, p->changed[g]); break;
	}
}

typedef struct half {
	ctx c;
	plan *p;
	bool likeness; /* still to run: whichever thread is free first takes it */
} half;

/* the groups that need no resolved targets: claims and possible duplicates */
static void *second_half(void *arg)
{
	half *h = arg;
	if (h->p->run[MR_GROUP_CLAIMS]) do_group(&h->c, h->p, MR_GROUP_CLAIMS);
	if (__atomic_exchange_n(&h->likeness, false, __ATOMIC_ACQ_REL)) do_group(&h->c, h->p, MR_GROUP_LIKENESS);
	return NULL;
}

/* the groups whose inputs changed little are checked again for the changed modules only */
enum { AGAIN_MAX_DIV = 4 };

void mr_analyse_again(const mr_registry *reg, mr_analysis *an, mr_analysis *prev)
{
	memset(an, 0, sizeof *an);
	size_t n = an->n = reg->n;
	an->info = mr_xcalloc(n + 1, sizeof *an->info);
	for (size_t i = 0; i < n; i++) an->info[i].hparent = -1;
	plan p;
	memset(&p, 0, sizeof p);
	/* the modules' fingerprints (none when a module has none: everything runs) */
	an->sig = mr_xcalloc(n + 1, sizeof *an->sig);
	an->idh = mr_xcalloc(n + 1, sizeof *an->idh);
	for (size_t i = 0; i < n && an->sig; i++) {
		const mr_module *mod = reg->mods[i];
		if (!mod->has_sig) {
			free(an->sig);
			free(an->idh);
			an->sig = NULL;
			an->idh = NULL;
			break;
		}
		an->idh[i] = mod->idhash;
		for (int g = 0; g < MR_GROUPS; g++) an->sig[i][g] = mod->sig[g];
	}
	/* the last analysis's modules: the same ones, or where they are now (modules were
	 * added or removed: every group runs, some of them for the changed modules only) */
	bool usable_prev = prev && prev->sig && an->sig;
	bool same_ids = usable_prev && prev->n == n;
	for (size_t i = 0; same_ids && i < n; i++) same_ids = prev->idh[i] == an->idh[i];
	long *remap = usable_prev && !same_ids ? map_prev(an, prev) : NULL;
	long *inv = NULL; /* per module: its index in prev, or -1 */
	if (remap) {
		inv = mr_xcalloc(n + 1, sizeof *inv);
		for (size_t i = 0; i < n; i++) inv[i] = -1;
		for (size_t o = 0; o < prev->n; o++)
			if (remap[o] >= 0) inv[remap[o]] = (long)o;
	}
	size_t removed = 0;
	for (size_t o = 0; remap && o < prev->n; o++) removed += remap[o] < 0;
	bool mapped = same_ids || remap;
	for (int g = 0; g < MR_GROUPS; g++) p.run[g] = !mapped || prev->taken[g] || remap;
	/* per group, the modules whose fingerprint changed (or that were added) */
	for (size_t i = 0; mapped && i < n; i++) {
		long o = same_ids ? (long)i : inv[i];
		for (int g = 0; g < MR_GROUPS; g++) {
			if (o >= 0 && prev->sig[o][g] == an->sig[i][g]) continue;
			p.run[g] = true;
			if (!p.dirty[g]) p.dirty[g] = mr_xcalloc(n + 1, sizeof *p.dirty[g]);
			p.dirty[g][p.nd[g]++] = i;
		}
	}
	for (int g = 0; g < MR_GROUPS; g++) {
		/* a few modules changed: only they and what they touch are checked again (the
		 * relations group, only when no module came or went) */
		bool kept = g == MR_GROUP_CLAIMS ? prev && prev->claims : g == MR_GROUP_EVENTS ? prev && prev->events
		            : g == MR_GROUP_LIKENESS ? prev && prev->likeness : same_ids;
		p.again[g] = p.run[g] && mapped && !prev->taken[g] && kept && p.nd[g] + removed <= n / AGAIN_MAX_DIV + 1;
		if (p.again[g]) p.changed[g] = mr_xcalloc(n + 1, sizeof *p.changed[g]);
		if (!p.run[g] || p.again[g]) take_group(an, prev, g, remap);
		else if (prev) drop_group(prev, g);
		if (p.again[g] && remap) move_kept(an, prev->n, g, remap, &p);
	}
	ctx c = {reg, an, NULL, 0, NULL, NULL, NULL, 0};
	half h = {{reg, an, NULL, 0, NULL, NULL, NULL, 0}, &p, p.run[MR_GROUP_LIKENESS]};
	/* two threads: together the whole checks take some 50 ms at 10,000 modules */
	pthread_t t;
	bool second = p.run[MR_GROUP_CLAIMS] || p.run[MR_GROUP_LIKENESS];
	bool threaded = second && pthread_create(&t, NULL, second_half, &h) == 0;
	if (p.run[MR_GROUP_RELATIONS]) do_group(&c, &p, MR_GROUP_RELATIONS);
	if (p.run[MR_GROUP_EVENTS]) do_group(&c, &p, MR_GROUP_EVENTS);
	/* the likeness group is run by whichever thread is free first (after a change, the
	 * relations are checked again in a millisecond) */
	if (threaded && __atomic_exchange_n(&h.likeness, false, __ATOMIC_ACQ_REL)) do_group(&c, &p, MR_GROUP_LIKENESS);
	if (threaded) pthread_join(t, NULL);
	else if (second) second_half(&h);
	/* which modules' results may have changed: known when every group was taken over
	 * or checked again for some modules only (and the cycles stayed) */
	bool known = same_ids;
	for (int g = 0; g < MR_GROUPS; g++) known &= !p.run[g] || p.known[g];
	if (known) {
		an->changed = mr_xcalloc(n + 1, sizeof *an->changed);
		for (int g = 0; g < MR_GROUPS; g++)
			if (p.changed[g])
				for (size_t i = 0; i < n; i++) an->changed[i] |= p.changed[g][i];
	}
	for (int g = 0; g < MR_GROUPS; g++) {
		free(p.dirty[g]);
		free(p.changed[g]);
		free(p.also[g]);
	}
	free(p.gone_tok);
	free(remap);
	free(inv);
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

size_t mr_analysis_kept(const mr_analysis *an)
{
	size_t n = 0;
	for (int k = 0; an->claims && k < CLAIM_KINDS; k++) n += an->claims->t[k].n;
	if (an->events) n += an->events->pub.n + an->events->sub.n;
	for (size_t i = 0; an->likeness && i < an->likeness->n; i++) {
		n += an->likeness->ntok[i];
		if (an->likeness->partners[i]) n += an->likeness->partners[i][0];
	}
	return n;
}

void mr_analyse(const mr_registry *reg, mr_analysis *an)
{
	mr_analyse_again(reg, an, NULL);
}

void mr_analysis_release(mr_analysis *an)
{
	for (size_t i = 0; i < an->n; i++) {
		rel_free(&an->info[i]);
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
	claims_free(an->claims);
	events_free(an->events);
	likeness_free(an->likeness);
	free(an->info);
	free(an->order);
	free(an->roots);
	mr_cycles_free(an->cycles, an->ncycles);
	memset(an, 0, sizeof *an);
}
