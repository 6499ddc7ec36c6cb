/* context.c — write context.json.  Key order is fixed here, once; lists come
 * sorted from the model (manifest.c) or are sorted here by their natural key. */
#include "context.h"

#include "similar.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- small pieces */

static void kstr_or_null(mr_jw *w, const char *key, const mr_text *t)
{
	mr_jw_kstr(w, key, t->s);
}

static void textlist(mr_jw *w, const char *key, const mr_textlist *l)
{
	mr_jw_key(w, key);
	mr_jw_arr(w);
	for (size_t i = 0; i < l->n; i++) mr_jw_str(w, l->v[i].s);
	mr_jw_end(w);
}

static void kvmap(mr_jw *w, const char *key, const mr_kvlist *l)
{
	mr_jw_key(w, key);
	mr_jw_obj(w);
	for (size_t i = 0; i < l->n; i++) mr_jw_kstr(w, l->v[i].key.s, l->v[i].value.s);
	mr_jw_end(w);
}

static void kint_or_null(mr_jw *w, const char *key, long long v)
{
	mr_jw_key(w, key);
	if (v < 0) mr_jw_null(w);
	else mr_jw_int(w, v);
}

void mr_context_diag(mr_jw *w, const mr_diag *dg, const char *prefix)
{
	mr_buf f = MR_BUF_INIT;
	mr_jw_obj(w);
	if (prefix && !dg->external) mr_buf_puts(&f, prefix);
	mr_buf_puts(&f, dg->file);
	mr_jw_kstr(w, "file", mr_buf_str(&f));
	mr_jw_kint(w, "line", dg->line);
	mr_jw_kint(w, "column", dg->col);
	mr_jw_kstr(w, "severity", mr_severity_name(dg->severity));
	mr_jw_kstr(w, "code", dg->code);
	mr_jw_kstr(w, "message", dg->message);
	mr_jw_kstr(w, "module", dg->module);
	mr_jw_key(w, "notes");
	mr_jw_arr(w);
	for (size_t i = 0; i < dg->nnotes; i++) {
		const mr_note *n = &dg->notes[i];
		mr_buf_reset(&f);
		if (prefix) mr_buf_puts(&f, prefix);
		mr_buf_puts(&f, n->file);
		mr_jw_obj(w);
		mr_jw_kstr(w, "file", mr_buf_str(&f));
		mr_jw_kint(w, "line", n->line);
		mr_jw_kint(w, "column", n->col);
		mr_jw_kstr(w, "message", n->message);
		mr_jw_end(w);
	}
	mr_jw_end(w);
	mr_jw_end(w);
	mr_buf_release(&f);
}

/* Shallow copies of d's diagnostics appended to out: the strings stay owned by d, so out is
 * released with free(out->items) only.  Sorting shallow copies orders them exactly as
 * sorting deep copies would, without copying every string. */
static void shallow_add(mr_diags *out, const mr_diags *d)
{
	if (!d->len) return;
	MR_GROW(out->items, out->cap, out->len + d->len);
	memcpy(out->items + out->len, d->items, d->len * sizeof *d->items);
	out->len += d->len;
}

/* all diagnostics of module i, sorted: own, statistics and cross-module (shallow copies) */
static void module_diags(const mr_context_in *in, size_t i, mr_diags *out)
{
	const mr_module *mod = in->reg->mods[i];
	mr_diags_init(out);
	shallow_add(out, &mod->diags);
	shallow_add(out, &mod->stats_diags);
	if (in->an && i < in->an->n) shallow_add(out, &in->an->info[i].diags);
	mr_diags_sort(out);
}

static void diag_list(mr_jw *w, const mr_diags *d)
{
	mr_jw_key(w, "diagnostics");
	mr_jw_arr(w);
	for (size_t k = 0; k < d->len; k++) mr_context_diag(w, &d->items[k], NULL);
	mr_jw_end(w);
}

/* ---------------------------------------------------------------- health */

static void add_reason(mr_health_report *h, mr_health sev, char *text)
{
	if (h->n < MR_HEALTH_MAX_REASONS) h->reasons[h->n++] = text;
	else free(text);
	if (sev == MR_HEALTH_ERROR) h->status = MR_HEALTH_ERROR;
	else if (sev == MR_HEALTH_WARNING && h->status != MR_HEALTH_ERROR) h->status = MR_HEALTH_WARNING;
}

static char *fmt_duration(double s)
{
	if (s >= 2 * 86400) return mr_xasprintf("%.0f days", floor(s / 86400));
	if (s >= 2 * 3600) return mr_xasprintf("%.0f hours", floor(s / 3600));
	if (s >= 120) return mr_xasprintf("%.0f minutes", floor(s / 60));
	return mr_xasprintf("%.0f seconds", s);
}

void mr_context_health(const mr_context_in *in, size_t i, mr_health_report *h)
{
	const mr_module *mod = in->reg->mods[i];
	memset(h, 0, sizeof *h);
	h->status = MR_HEALTH_HEALTHY;
	if (!mod->valid) {
		size_t errs = mr_diags_count(&mod->diags, MR_ERROR);
		add_reason(h, MR_HEALTH_ERROR,
		           mr_xasprintf("The manifest is invalid (%zu error%s).", errs, errs == 1 ? "" : "s"));
	}
	const mr_manifest *m = mod->m;
	double max_rate = m && mod->valid ? m->max_error_rate : 0.05;
	double max_ms = m && mod->valid ? m->max_response_ms : 1000;
	long long stale_after = m && mod->valid ? m->stale_after : 86400;
	const mr_stats *st = &mod->stats;
	bool have_stats = st->json != NULL;
	if (have_stats) {
		if (st->requests > 0 && st->errors >= 0) {
			double rate = (double)st->errors / (double)st->requests;
			if (rate > max_rate)
				add_reason(h, MR_HEALTH_ERROR,
				           mr_xasprintf("Error rate %.2f%% (%lld of %lld requests) exceeds the limit of %.2f%%.",
				                        rate * 100, st->errors, st->requests, max_rate * 100));
		}
		if (!isnan(st->avg_response_ms) && st->avg_response_ms > max_ms)
			add_reason(h, MR_HEALTH_WARNING,
			           mr_xasprintf("Average response time %.0f ms exceeds the limit of %.0f ms.", st->avg_response_ms, max_ms));
		if (!isnan(st->collected_at) && (double)in->now - st->collected_at > (double)stale_after) {
			char *age = fmt_duration((double)in->now - st->collected_at);
			add_reason(h, MR_HEALTH_WARNING, mr_xasprintf("Statistics are %s old (stale after %lld seconds).", age, stale_after));
			free(age);
		}
		if (isnan(st->collected_at))
			add_reason(h, MR_HEALTH_WARNING, mr_xstrdup("Statistics do not say when they were collected."));
	}
	size_t cross = in->an && i < in->an->n ? in->an->info[i].cross_errors : 0;
	if (cross)
		add_reason(h, MR_HEALTH_WARNING,
		           mr_xasprintf("%zu cross-module error%s involve%s this module.", cross, cross == 1 ? "" : "s",
		                        cross == 1 ? "s" : ""));
	if (!have_stats) {
		if (mod->stats_diags.len) add_reason(h, MR_HEALTH_UNKNOWN, mr_xstrdup("The statistics file is unusable."));
		else add_reason(h, MR_HEALTH_UNKNOWN, mr_xstrdup("No statistics have been collected."));
		if (h->status == MR_HEALTH_HEALTHY) h->status = MR_HEALTH_UNKNOWN;
	}
}

void mr_health_report_release(mr_health_report *h)
{
	for (size_t i = 0; i < h->n; i++) free(h->reasons[i]);
	h->n = 0;
}

static void health(mr_jw *w, const mr_health_report *h)
{
	mr_jw_key(w, "health");
	mr_jw_obj(w);
	mr_jw_kstr(w, "status", mr_health_name(h->status));
	mr_jw_key(w, "reasons");
	mr_jw_arr(w);
	for (size_t i = 0; i < h->n; i++) mr_jw_str(w, h->reasons[i]);
	mr_jw_end(w);
	mr_jw_end(w);
}

/* ---------------------------------------------------------------- module sections */

static void entities(mr_jw *w, const mr_module *mod)
{
	const mr_manifest *m = mod->m;
	mr_jw_key(w, "entities");
	mr_jw_arr(w);
	for (size_t i = 0; i < m->nentities; i++) {
		const mr_entity *e = &m->entities[i];
		mr_jw_obj(w);
		kstr_or_null(w, "name", &e->name);
		kstr_or_null(w, "plural", &e->plural);
		kstr_or_null(w, "description", &e->description);
		mr_jw_key(w, "schema");
		if (e->schema.s) {
			char *p = mr_xasprintf("%s/%s", mod->id, e->schema.s);
			mr_jw_str(w, p);
			free(p);
		} else mr_jw_null(w);
		mr_jw_key(w, "fields");
		mr_jw_arr(w);
		for (size_t f = 0; f < e->nfields; f++) {
			const mr_field *fd = &e->fields[f];
			mr_jw_obj(w);
			mr_jw_kstr(w, "name", fd->name);
			mr_jw_kstr(w, "type", fd->type);
			mr_jw_kstr(w, "format", fd->format);
			mr_jw_kbool(w, "required", fd->required);
			mr_jw_kstr(w, "description", fd->description);
			mr_jw_end(w);
		}
		mr_jw_end(w);
		mr_jw_end(w);
	}
	mr_jw_end(w);
}

static void api(mr_jw *w, const mr_manifest *m)
{
	mr_jw_key(w, "api");
	mr_jw_obj(w);
	kstr_or_null(w, "basePath", &m->base_path);
	mr_jw_key(w, "routes");
	mr_jw_arr(w);
	for (size_t i = 0; i < m->nroutes; i++) {
		const mr_route *r = &m->routes[i];
		mr_jw_obj(w);
		kstr_or_null(w, "method", &r->method);
		kstr_or_null(w, "path", &r->path);
		mr_jw_kstr(w, "fullPath", r->full_path);
		kstr_or_null(w, "entity", &r->entity);
		kstr_or_null(w, "operation", &r->operation);
		textlist(w, "permissions", &r->permissions);
		kstr_or_null(w, "handler", &r->handler);
		kstr_or_null(w, "description", &r->description);
		mr_jw_end(w);
	}
	mr_jw_end(w);
	mr_jw_end(w);
}

static const char *const crud_ops[] = {"create", "read", "update", "delete", "list"};

/* the CRUD operation a route performs: its declared operation, else from method and path */
static int route_op(const mr_route *r)
{
	if (r->operation.s) {
		for (int k = 0; k < 5; k++)
			if (!strcmp(r->operation.s, crud_ops[k])) return k;
		return -1;
	}
	const char *mth = r->method.s;
	size_t pl = strlen(r->path.s);
	bool item = pl && (r->path.s[pl - 1] == '}' || strrchr(r->path.s, ':') > strrchr(r->path.s, '/'));
	if (!strcmp(mth, "GET")) return item ? 1 : 4;
	if (!strcmp(mth, "POST")) return 0;
	if (!strcmp(mth, "PUT") || !strcmp(mth, "PATCH")) return 2;
	if (!strcmp(mth, "DELETE")) return 3;
	return -1;
}

typedef struct capout {
	const char *type, *entity, *description, *source;
	const mr_textlist *ops, *eps;      /* declared */
	bool detected_ops[5];
	const char **detected_eps;
	size_t ndetected_eps;
} capout;

static int capout_cmp(const void *pa, const void *pb)
{
	const capout *a = pa, *b = pb;
	int r = strcmp(a->type, b->type);
	if (r) return r;
	if ((r = strcmp(a->entity ? a->entity : "", b->entity ? b->entity : ""))) return r;
	return strcmp(a->source, b->source);
}

static void capabilities(mr_jw *w, const mr_manifest *m)
{
	capout *caps = mr_xcalloc(m->ncapabilities + m->nentities + 1, sizeof *caps);
	size_t n = 0;
	for (size_t i = 0; i < m->ncapabilities; i++) {
		const mr_capability *cp = &m->capabilities[i];
		caps[n++] = (capout){cp->type.s, cp->entity.s, cp->description.s, "declared", &cp->operations, &cp->endpoints,
		                     {0}, NULL, 0};
	}
	for (size_t e = 0; e < m->nentities; e++) {
		const char *ent = m->entities[e].name.s;
		bool declared = false;
		for (size_t i = 0; i < m->ncapabilities && !declared; i++)
			declared = !strcmp(m->capabilities[i].type.s, "crud") && m->capabilities[i].entity.s &&
			           !strcmp(m->capabilities[i].entity.s, ent);
		if (declared) continue;
		capout c = {"crud", ent, NULL, "detected", NULL, NULL, {0}, NULL, 0};
		bool any = false;
		for (size_t r = 0; r < m->nroutes; r++) {
			const mr_route *rt = &m->routes[r];
			if (!rt->entity.s || strcmp(rt->entity.s, ent)) continue;
			int op = route_op(rt);
			if (op < 0) continue; /* an action route is not a CRUD endpoint */
			c.detected_ops[op] = any = true;
			bool seen = false;
			for (size_t k = 0; k < c.ndetected_eps && !seen; k++) seen = !strcmp(c.detected_eps[k], rt->full_path);
			if (!seen) {
				c.detected_eps = mr_xreallocarray(c.detected_eps, c.ndetected_eps + 1, sizeof *c.detected_eps);
				c.detected_eps[c.ndetected_eps++] = rt->full_path;
			}
		}
		if (any) {
			qsort(c.detected_eps, c.ndetected_eps, sizeof *c.detected_eps, mr_strcmp_ptr);
			caps[n++] = c;
		} else free(c.detected_eps);
	}
	qsort(caps, n, sizeof *caps, capout_cmp);
	mr_jw_key(w, "capabilities");
	mr_jw_arr(w);
	for (size_t i = 0; i < n; i++) {
		capout *c = &caps[i];
		mr_jw_obj(w);
		mr_jw_kstr(w, "type", c->type);
		mr_jw_kstr(w, "entity", c->entity);
		mr_jw_key(w, "operations");
		mr_jw_arr(w);
		if (c->ops)
			for (size_t k = 0; k < c->ops->n; k++) mr_jw_str(w, c->ops->v[k].s);
		else
			for (int k = 0; k < 5; k++)
				if (c->detected_ops[k]) mr_jw_str(w, crud_ops[k]);
		mr_jw_end(w);
		mr_jw_key(w, "endpoints");
		mr_jw_arr(w);
		if (c->eps)
			for (size_t k = 0; k < c->eps->n; k++) mr_jw_str(w, c->eps->v[k].s);
		else
			for (size_t k = 0; k < c->ndetected_eps; k++) mr_jw_str(w, c->detected_eps[k]);
		mr_jw_end(w);
		mr_jw_kstr(w, "description", c->description);
		mr_jw_kstr(w, "source", c->source);
		mr_jw_end(w);
		free(c->detected_eps);
	}
	mr_jw_end(w);
	free(caps);
}

static void actions_jobs_events_ui(mr_jw *w, const mr_manifest *m)
{
	mr_jw_key(w, "actions");
	mr_jw_arr(w);
	for (size_t i = 0; i < m->nactions; i++) {
		mr_jw_obj(w);
		kstr_or_null(w, "name", &m->actions[i].name);
		kstr_or_null(w, "description", &m->actions[i].description);
		textlist(w, "permissions", &m->actions[i].permissions);
		mr_jw_end(w);
	}
	mr_jw_end(w);
	mr_jw_key(w, "jobs");
	mr_jw_arr(w);
	for (size_t i = 0; i < m->njobs; i++) {
		const mr_job *j = &m->jobs[i];
		mr_jw_obj(w);
		kstr_or_null(w, "name", &j->name);
		kstr_or_null(w, "schedule", &j->schedule);
		kint_or_null(w, "timeout", j->timeout);
		kint_or_null(w, "retries", j->retries);
		kstr_or_null(w, "description", &j->description);
		mr_jw_end(w);
	}
	mr_jw_end(w);
	mr_jw_key(w, "events");
	mr_jw_obj(w);
	mr_jw_key(w, "publishes");
	mr_jw_arr(w);
	for (size_t i = 0; i < m->npublishes; i++) {
		mr_jw_obj(w);
		kstr_or_null(w, "name", &m->publishes[i].name);
		kstr_or_null(w, "entity", &m->publishes[i].entity);
		kstr_or_null(w, "description", &m->publishes[i].description);
		mr_jw_end(w);
	}
	mr_jw_end(w);
	textlist(w, "subscribes", &m->subscribes);
	mr_jw_end(w);
	mr_jw_key(w, "ui");
	mr_jw_obj(w);
	mr_jw_key(w, "pages");
	mr_jw_arr(w);
	for (size_t i = 0; i < m->npages; i++) {
		const mr_uipage *p = &m->pages[i];
		mr_jw_obj(w);
		kstr_or_null(w, "path", &p->path);
		kstr_or_null(w, "title", &p->title);
		kstr_or_null(w, "icon", &p->icon);
		textlist(w, "permissions", &p->permissions);
		kstr_or_null(w, "description", &p->description);
		mr_jw_end(w);
	}
	mr_jw_end(w);
	mr_jw_key(w, "navigation");
	mr_jw_arr(w);
	for (size_t i = 0; i < m->nnavigation; i++) {
		const mr_navitem *nv = &m->navigation[i];
		mr_jw_obj(w);
		kstr_or_null(w, "label", &nv->label);
		kstr_or_null(w, "path", &nv->path);
		kstr_or_null(w, "icon", &nv->icon);
		kint_or_null(w, "order", nv->order);
		mr_jw_end(w);
	}
	mr_jw_end(w);
	mr_jw_end(w);
}

static void relation_body(mr_jw *w, const mr_module *src, const mr_relation *r, signed char sat, bool with_config)
{
	mr_jw_kstr(w, "type", r->type.s);
	mr_jw_kstr(w, "version", r->rtype == MR_REL_DEPENDENCY ? r->range_text : NULL);
	mr_jw_key(w, "satisfied");
	if (sat < 0) mr_jw_null(w);
	else mr_jw_bool(w, sat == 1);
	textlist(w, "entities", &r->entities);
	kstr_or_null(w, "description", &r->description);
	if (with_config) {
		mr_jw_key(w, "config");
		if (r->config) mr_jw_yaml(w, r->config);
		else {
			mr_jw_obj(w);
			mr_jw_end(w);
		}
	}
	char *at = mr_xasprintf("%s:%u", src->file, r->pos.line);
	mr_jw_kstr(w, "declaredAt", at);
	free(at);
}

static signed char sat_of(const mr_context_in *in, size_t i, size_t r)
{
	if (!in->an || i >= in->an->n || !in->an->info[i].satisfied) return -1;
	return in->an->info[i].satisfied[r];
}

static void relationships(mr_jw *w, const mr_context_in *in, size_t i)
{
	const mr_module *mod = in->reg->mods[i];
	const mr_manifest *m = mod->m;
	mr_jw_key(w, "relationships");
	mr_jw_obj(w);
	mr_jw_key(w, "outgoing");
	mr_jw_arr(w);
	for (size_t r = 0; r < m->nrelations; r++) {
		mr_jw_obj(w);
		mr_jw_kstr(w, "target", m->relations[r].target.s);
		mr_jw_kbool(w, "resolved", mr_registry_find(in->reg, m->relations[r].target.s) != NULL);
		relation_body(w, mod, &m->relations[r], sat_of(in, i, r), true);
		mr_jw_end(w);
	}
	mr_jw_end(w);
	mr_jw_key(w, "incoming");
	mr_jw_arr(w);
	if (in->an && i < in->an->n)
		for (size_t k = 0; k < in->an->info[i].nincoming; k++) {
			const mr_relref *ref = &in->an->info[i].incoming[k];
			const mr_module *src = in->reg->mods[ref->module];
			if (!src->valid) continue;
			mr_jw_obj(w);
			mr_jw_kstr(w, "source", src->id);
			relation_body(w, src, &src->m->relations[ref->rel], sat_of(in, ref->module, ref->rel), false);
			mr_jw_end(w);
		}
	mr_jw_end(w);
	mr_jw_end(w);
}

static void config(mr_jw *w, const mr_manifest *m)
{
	mr_jw_key(w, "config");
	mr_jw_arr(w);
	for (size_t i = 0; i < m->nconfig; i++) {
		const mr_configfield *f = &m->config[i];
		mr_jw_obj(w);
		kstr_or_null(w, "key", &f->key);
		kstr_or_null(w, "type", &f->type);
		kstr_or_null(w, "label", &f->label);
		kstr_or_null(w, "description", &f->description);
		mr_jw_kbool(w, "required", f->required);
		mr_jw_kbool(w, "sensitive", f->sensitive);
		/* a sensitive field never has a default (sensitive-default), so nothing secret is written */
		mr_jw_key(w, "default");
		if (f->def && !f->sensitive) mr_jw_yaml(w, f->def);
		else mr_jw_null(w);
		mr_jw_key(w, "min");
		if (f->min) mr_jw_yaml(w, f->min);
		else mr_jw_null(w);
		mr_jw_key(w, "max");
		if (f->max) mr_jw_yaml(w, f->max);
		else mr_jw_null(w);
		textlist(w, "values", &f->values);
		mr_jw_end(w);
	}
	mr_jw_end(w);
}

static void ai(mr_jw *w, const mr_manifest *m)
{
	mr_jw_key(w, "ai");
	mr_jw_obj(w);
	kstr_or_null(w, "purpose", &m->ai_purpose);
	kstr_or_null(w, "category", &m->ai_category);
	textlist(w, "keywords", &m->ai_keywords);
	textlist(w, "patterns", &m->ai_patterns);
	textlist(w, "concepts", &m->ai_concepts);
	mr_jw_key(w, "contextProviders");
	mr_jw_arr(w);
	for (size_t i = 0; i < m->nproviders; i++) {
		const mr_provider *p = &m->providers[i];
		mr_jw_obj(w);
		kstr_or_null(w, "name", &p->name);
		kstr_or_null(w, "endpoint", &p->endpoint);
		kint_or_null(w, "cacheSeconds", p->cache_seconds);
		kstr_or_null(w, "description", &p->description);
		mr_jw_end(w);
	}
	mr_jw_end(w);
	mr_jw_end(w);
}

static void stats_time(mr_jw *w, const char *key, json_t *v)
{
	mr_jw_key(w, key);
	if (json_is_string(v)) mr_jw_str(w, json_string_value(v));
	else mr_jw_null(w);
}

static void stats_num(mr_jw *w, const char *key, json_t *v)
{
	mr_jw_key(w, key);
	if (json_is_integer(v)) mr_jw_int(w, (long long)json_integer_value(v));
	else if (json_is_real(v)) mr_jw_num(w, json_real_value(v));
	else mr_jw_null(w);
}

static void statistics(mr_jw *w, const mr_module *mod)
{
	mr_jw_key(w, "statistics");
	json_t *js = mod->stats.json;
	if (!js) {
		mr_jw_null(w);
		return;
	}
	mr_jw_obj(w);
	stats_time(w, "collectedAt", json_object_get(js, "collectedAt"));
	stats_num(w, "requests", json_object_get(js, "requests"));
	stats_num(w, "errors", json_object_get(js, "errors"));
	mr_jw_key(w, "errorRate");
	if (mod->stats.requests > 0 && mod->stats.errors >= 0)
		mr_jw_num(w, round((double)mod->stats.errors / (double)mod->stats.requests * 1e6) / 1e6);
	else mr_jw_null(w);
	stats_num(w, "averageResponseMs", json_object_get(js, "averageResponseMs"));
	mr_jw_key(w, "entities");
	mr_jw_obj(w);
	json_t *ents = json_object_get(js, "entities");
	if (json_is_object(ents)) {
		size_t n = json_object_size(ents), k = 0;
		const char **keys = mr_xcalloc(n + 1, sizeof *keys);
		const char *key;
		json_t *v;
		json_object_foreach(ents, key, v) keys[k++] = key;
		qsort(keys, n, sizeof *keys, mr_strcmp_ptr);
		for (k = 0; k < n; k++) {
			json_t *e = json_object_get(ents, keys[k]);
			mr_jw_key(w, keys[k]);
			mr_jw_obj(w);
			stats_num(w, "recordCount", json_object_get(e, "recordCount"));
			stats_time(w, "lastUpdate", json_object_get(e, "lastUpdate"));
			stats_num(w, "errors", json_object_get(e, "errors"));
			stats_num(w, "averageResponseMs", json_object_get(e, "averageResponseMs"));
			mr_jw_end(w);
		}
		free(keys);
	}
	mr_jw_end(w);
	mr_jw_end(w);
}

static void docs(mr_jw *w, const mr_module *mod)
{
	mr_jw_key(w, "docs");
	mr_jw_obj(w);
	mr_jw_key(w, "readme");
	if (mod->has_readme) {
		char *p = mr_xasprintf("%s/README.md", mod->id);
		mr_jw_str(w, p);
		free(p);
	} else mr_jw_null(w);
	mr_jw_key(w, "pages");
	mr_jw_arr(w);
	for (size_t i = 0; i < mod->ndocs; i++) {
		char *name = mr_xstrndup(mod->docs[i], strlen(mod->docs[i]) - 3);
		char *src = mr_xasprintf("%s/docs/%s", mod->id, mod->docs[i]);
		char *page = mr_xasprintf("modules/%s/%s.html", mod->id, name);
		mr_jw_obj(w);
		mr_jw_kstr(w, "name", name);
		mr_jw_kstr(w, "path", src);
		mr_jw_kstr(w, "page", page);
		mr_jw_end(w);
		free(name);
		free(src);
		free(page);
	}
	mr_jw_end(w);
	char *page = mr_xasprintf("modules/%s.html", mod->id);
	mr_jw_kstr(w, "page", page);
	free(page);
	mr_jw_end(w);
}

static void source(mr_jw *w, const mr_module *mod)
{
	mr_jw_key(w, "source");
	mr_jw_obj(w);
	mr_jw_kstr(w, "path", mod->file);
	mr_jw_kstr(w, "sha256", mod->sha256[0] ? mod->sha256 : NULL);
	mr_jw_end(w);
}

json_t *mr_context_prev_module(json_t *previous, const char *id)
{
	json_t *mods = json_object_get(previous, "modules");
	if (!json_is_array(mods)) return NULL;
	size_t lo = 0, hi = json_array_size(mods);
	/* modules are sorted by id: binary search, with a linear fallback for hand-edited files */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		json_t *m = json_array_get(mods, mid);
		const char *mid_id = json_string_value(json_object_get(m, "id"));
		if (!mid_id) break;
		int c = strcmp(mid_id, id);
		if (c == 0) return m;
		if (c < 0) lo = mid + 1;
		else hi = mid;
	}
	size_t i;
	json_t *m;
	json_array_foreach(mods, i, m)
	{
		const char *mid = json_string_value(json_object_get(m, "id"));
		if (mid && !strcmp(mid, id)) return m;
	}
	return NULL;
}

void mr_context_module(mr_jw *w, const mr_context_in *in, size_t i, json_t *prev)
{
	const mr_module *mod = in->reg->mods[i];
	mr_diags d;
	module_diags(in, i, &d);
	mr_health_report h;
	mr_context_health(in, i, &h);
	const mr_manifest *m = mod->m;
	if (!mod->valid) {
		/* last known good: the previous valid content, marked stale */
		bool has_prev = prev && json_is_object(prev) && json_object_get(prev, "name");
		mr_jw_obj(w);
		if (has_prev) {
			const char *k;
			json_t *v;
			json_object_foreach(prev, k, v)
			{
				mr_jw_key(w, k);
				if (!strcmp(k, "valid")) mr_jw_bool(w, false);
				else if (!strcmp(k, "stale")) mr_jw_bool(w, true);
				else if (!strcmp(k, "health")) {
					mr_jw_obj(w);
					mr_jw_kstr(w, "status", "error");
					mr_jw_key(w, "reasons");
					mr_jw_arr(w);
					for (size_t r = 0; r < h.n; r++) mr_jw_str(w, h.reasons[r]);
					mr_jw_str(w, "The manifest is shown as it was when it was last valid.");
					mr_jw_end(w);
					mr_jw_end(w);
				} else if (!strcmp(k, "diagnostics")) {
					mr_jw_arr(w);
					for (size_t q = 0; q < d.len; q++) mr_context_diag(w, &d.items[q], NULL);
					mr_jw_end(w);
				} else mr_jw_json(w, v);
			}
		} else {
			mr_jw_kstr(w, "id", mod->id);
			mr_jw_kbool(w, "valid", false);
			diag_list(w, &d);
		}
		mr_jw_end(w);
		goto out;
	}
	mr_jw_obj(w);
	mr_jw_kstr(w, "id", mod->id);
	kstr_or_null(w, "name", &m->name);
	kstr_or_null(w, "description", &m->description);
	kstr_or_null(w, "type", &m->type);
	kstr_or_null(w, "version", &m->version);
	mr_jw_kstr(w, "status", m->status.s ? m->status.s : "active");
	mr_jw_kbool(w, "valid", true);
	mr_jw_kbool(w, "stale", false);
	health(w, &h);
	kstr_or_null(w, "owner", &m->owner);
	kstr_or_null(w, "license", &m->license);
	textlist(w, "tags", &m->tags);
	mr_jw_key(w, "created");
	mr_jw_obj(w);
	kstr_or_null(w, "at", &m->created_at);
	kstr_or_null(w, "by", &m->created_by);
	mr_jw_key(w, "ai");
	mr_jw_obj(w);
	kstr_or_null(w, "model", &m->ai_model);
	kstr_or_null(w, "patch", &m->ai_patch);
	mr_jw_end(w);
	mr_jw_end(w);
	kvmap(w, "links", &m->links);
	mr_jw_key(w, "requires");
	mr_jw_obj(w);
	kvmap(w, "packages", &m->req_packages);
	kvmap(w, "system", &m->req_system);
	mr_jw_end(w);
	entities(w, mod);
	api(w, m);
	capabilities(w, m);
	actions_jobs_events_ui(w, m);
	relationships(w, in, i);
	config(w, m);
	textlist(w, "permissions", &m->permissions);
	ai(w, m);
	statistics(w, mod);
	docs(w, mod);
	source(w, mod);
	diag_list(w, &d);
	mr_jw_key(w, "extensions");
	mr_jw_obj(w);
	for (size_t k = 0; k < m->nextensions; k++) {
		mr_jw_key(w, m->extensions[k].key.s);
		mr_jw_yaml(w, m->extensions[k].value);
	}
	mr_jw_end(w);
	mr_jw_end(w);
out:
	mr_health_report_release(&h);
	free(d.items);
}

/* ---------------------------------------------------------------- the whole file */

/* A key of an index table and a module that adds it.  The registry is sorted by id, so
 * module indices sort as the ids do. */
typedef struct pair {
	const char *key;
	uint32_t mod;  /* the module's index in the registry */
	bool owned;    /* key was made for the table (else it is the manifest's) */
} pair;

static int pair_cmp(const void *pa, const void *pb)
{
	const pair *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);
	return c ? c : a->mod < b->mod ? -1 : a->mod > b->mod;
}

typedef struct pairs {
	pair *v;
	size_t n, cap;
} pairs;

/* key -> module mod; the table takes key (heap) when owned, else borrows it */
static void pairs_add(pairs *p, const char *key, size_t mod, bool owned)
{
	if (!key || !*key) {
		if (owned) free((char *)key);
		return;
	}
	MR_GROW(p->v, p->cap, p->n + 1);
	p->v[p->n++] = (pair){key, (uint32_t)mod, owned};
}

static void pairs_release(pairs *p)
{
	for (size_t k = 0; k < p->n; k++)
		if (p->v[k].owned) free((char *)p->v[k].key);
	free(p->v);
	memset(p, 0, sizeof *p);
}

/* the first pair after v[s]'s key */
static size_t key_end(const pairs *p, size_t s)
{
	size_t e = s + 1;
	while (e < p->n && !strcmp(p->v[e].key, p->v[s].key)) e++;
	return e;
}

/* "key": [ids] of the sorted pairs [s, e), which share their key: each id once */
static void emit_key(mr_jw *w, const mr_registry *reg, const pairs *p, size_t s, size_t e)
{
	mr_jw_key(w, p->v[s].key);
	mr_jw_arr(w);
	for (size_t k = s; k < e; k++)
		if (k == s || p->v[k].mod != p->v[k - 1].mod) mr_jw_str(w, reg->mods[p->v[k].mod]->id);
	mr_jw_end(w);
}

/* the table (sorted) as a JSON object */
static void pairs_emit_sorted(mr_jw *w, const mr_registry *reg, const pairs *p)
{
	mr_jw_obj(w);
	for (size_t s = 0, e; s < p->n; s = e) emit_key(w, reg, p, s, e = key_end(p, s));
	mr_jw_end(w);
}

/* the table sorted and written, then freed */
static void pairs_emit_value(mr_jw *w, const mr_registry *reg, pairs *p)
{
	if (p->n > 1) qsort(p->v, p->n, sizeof *p->v, pair_cmp);
	pairs_emit_sorted(w, reg, p);
	pairs_release(p);
}

/* key s in lower case into table p: s itself when it has no upper-case letter (most
 * keywords, every tag), else a copy */
static void pairs_add_lower(pairs *p, const char *s, size_t mod)
{
	const char *q = s;
	while (*q && !(*q >= 'A' && *q <= 'Z')) q++;
	if (!*q) {
		pairs_add(p, s, mod, false);
		return;
	}
	char *r = mr_xstrdup(s);
	for (char *c = r + (q - s); *c; c++)
		if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
	pairs_add(p, r, mod, true);
}

static const char *const index_tables[] = {"keywords", "entities", "endpoints", "permissions", "events"};
#define NINDEX_TABLES (sizeof index_tables / sizeof *index_tables)
_Static_assert(NINDEX_TABLES == MR_INDEX_TABLES, "the index's tables, in the order of context.h");

/* the pairs of index table t of modules [from, to) */
static void index_collect(const mr_context_in *in, size_t t, pairs *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const mr_module *mod = in->reg->mods[i];
		const mr_manifest *m = mod->m;
		if (!mod->valid) continue;
		switch (t) {
		case 0:
			for (size_t k = 0; k < m->ai_keywords.n; k++) pairs_add_lower(p, m->ai_keywords.v[k].s, i);
			for (size_t k = 0; k < m->tags.n; k++) pairs_add_lower(p, m->tags.v[k].s, i);
			break;
		case 1:
			for (size_t k = 0; k < m->nentities; k++) pairs_add(p, mr_normalise_term(m->entities[k].name.s), i, true);
			break;
		case 2:
			for (size_t k = 0; k < m->nroutes; k++) pairs_add(p, m->routes[k].key, i, false);
			break;
		case 3:
			for (size_t k = 0; k < m->permissions.n; k++) pairs_add(p, m->permissions.v[k].s, i, false);
			break;
		default:
			for (size_t k = 0; k < m->npublishes; k++) pairs_add(p, m->publishes[k].name.s, i, false);
			break;
		}
	}
}

static void index_value(mr_jw *w, const mr_context_in *in)
{
	mr_jw_obj(w);
	for (size_t t = 0; t < NINDEX_TABLES; t++) {
		pairs p = {0};
		index_collect(in, t, &p, 0, in->reg->n);
		mr_jw_key(w, index_tables[t]);
		pairs_emit_value(w, in->reg, &p);
	}
	mr_jw_end(w);
}

uint64_t mr_context_index_hash(const mr_context_in *in, size_t i)
{
	const mr_module *mod = in->reg->mods[i];
	const mr_manifest *m = mod->m;
	uint64_t h = mr_hash_str(MR_STR_HASH_BASIS, mod->id);
	if (!mod->valid) return h;
	h = mr_hash_str(h, "k");
	for (size_t k = 0; k < m->ai_keywords.n; k++) h = mr_hash_str(h, m->ai_keywords.v[k].s);
	h = mr_hash_str(h, "t");
	for (size_t k = 0; k < m->tags.n; k++) h = mr_hash_str(h, m->tags.v[k].s);
	h = mr_hash_str(h, "e");
	for (size_t k = 0; k < m->nentities; k++) h = mr_hash_str(h, m->entities[k].name.s);
	h = mr_hash_str(h, "r");
	for (size_t k = 0; k < m->nroutes; k++) h = mr_hash_str(h, m->routes[k].key);
	h = mr_hash_str(h, "p");
	for (size_t k = 0; k < m->permissions.n; k++) h = mr_hash_str(h, m->permissions.v[k].s);
	h = mr_hash_str(h, "v");
	for (size_t k = 0; k < m->npublishes; k++) h = mr_hash_str(h, m->publishes[k].name.s);
	return h;
}

typedef struct relrow {
	const mr_relation *rel;
	signed char sat;
} relrow;

static int relrow_cmp(const void *pa, const void *pb)
{
	const relrow *a = pa, *b = pb;
	int c = strcmp(a->rel->type.s, b->rel->type.s);
	return c ? c : strcmp(a->rel->target.s, b->rel->target.s);
}

/* The relationships declared by module i, by type then target: the file lists them by
 * source, type and target, and modules are in id order, so the whole list is the
 * modules' rows one after the other. */
static void relationship_rows(const mr_context_in *in, size_t i, mr_buf *out)
{
	const mr_module *mod = in->reg->mods[i];
	if (!mod->valid || !mod->m->nrelations) return;
	size_t n = mod->m->nrelations;
	relrow *rows = mr_xcalloc(n, sizeof *rows);
	for (size_t r = 0; r < n; r++) rows[r] = (relrow){&mod->m->relations[r], sat_of(in, i, r)};
	if (n > 1) qsort(rows, n, sizeof *rows, relrow_cmp);
	for (size_t k = 0; k < n; k++) {
		if (k) mr_buf_puts(out, ",\n    ");
		mr_jw w;
		mr_jw_init(&w, out, 2, true);
		mr_jw_obj(&w);
		mr_jw_kstr(&w, "source", mod->id);
		mr_jw_kstr(&w, "target", rows[k].rel->target.s);
		mr_jw_kbool(&w, "resolved", mr_registry_find(in->reg, rows[k].rel->target.s) != NULL);
		relation_body(&w, mod, rows[k].rel, rows[k].sat, false);
		mr_jw_end(&w);
	}
	free(rows);
}

static void graph_value(mr_jw *w, const mr_context_in *in)
{
	const mr_registry *reg = in->reg;
	mr_jw_obj(w);
	mr_jw_key(w, "dependencyOrder");
	mr_jw_arr(w);
	if (in->an)
		for (size_t k = 0; k < in->an->n; k++) mr_jw_str(w, reg->mods[in->an->order[k]]->id);
	mr_jw_end(w);
	mr_jw_key(w, "cycles");
	mr_jw_arr(w);
	for (size_t k = 0; in->an && k < in->an->ncycles; k++) {
		mr_jw_arr(w);
		for (size_t j = 0; j < in->an->cycles[k].len; j++) mr_jw_str(w, reg->mods[in->an->cycles[k].nodes[j]]->id);
		mr_jw_end(w);
	}
	mr_jw_end(w);
	mr_jw_key(w, "roots");
	mr_jw_arr(w);
	for (size_t k = 0; in->an && k < in->an->nroots; k++) mr_jw_str(w, reg->mods[in->an->roots[k]]->id);
	mr_jw_end(w);
	pairs h = {0};
	for (size_t i = 0; in->an && i < in->an->n; i++) {
		long p = in->an->info[i].hparent;
		if (p >= 0 && (size_t)p < reg->n) pairs_add(&h, reg->mods[p]->id, i, false);
	}
	mr_jw_key(w, "hierarchy");
	pairs_emit_value(w, reg, &h);
	mr_jw_end(w);
}

/* ---------------------------------------------------------------- pieces and assembly */

void mr_context_module_piece(const mr_context_in *in, size_t i, json_t *prev, mr_buf *text, mr_buf *rows,
                             mr_context_modinfo *info)
{
	mr_jw w;
	mr_jw_init(&w, text, 2, true);
	mr_context_module(&w, in, i, prev);
	if (rows) relationship_rows(in, i, rows);
	if (info) {
		const mr_module *mod = in->reg->mods[i];
		mr_diags d;
		module_diags(in, i, &d);
		mr_health_report h;
		mr_context_health(in, i, &h);
		info->valid = mod->valid;
		info->health = h.status;
		info->errors = mr_diags_count(&d, MR_ERROR);
		info->warnings = mr_diags_count(&d, MR_WARNING);
		mr_health_report_release(&h);
		free(d.items);
	}
}

void mr_context_counts_add(mr_context_counts *c, const mr_context_modinfo *mi)
{
	c->modules++;
	if (mi->valid) c->valid++;
	c->errors += mi->errors;
	c->warnings += mi->warnings;
	c->health[mi->health]++;
}

void mr_context_counts_add_registry(mr_context_counts *c, const mr_registry *reg)
{
	c->errors += mr_diags_count(&reg->diags, MR_ERROR);
	c->warnings += mr_diags_count(&reg->diags, MR_WARNING);
}

void mr_context_registry_text(const mr_context_counts *c, mr_buf *out)
{
	mr_jw w;
	mr_jw_init(&w, out, 1, true);
	mr_jw_obj(&w);
	mr_jw_kint(&w, "modules", (long long)c->modules);
	mr_jw_kint(&w, "valid", (long long)c->valid);
	mr_jw_kint(&w, "invalid", (long long)(c->modules - c->valid));
	mr_jw_kint(&w, "errors", (long long)c->errors);
	mr_jw_kint(&w, "warnings", (long long)c->warnings);
	mr_jw_key(&w, "health");
	mr_jw_obj(&w);
	for (int k = 0; k < 4; k++) mr_jw_kint(&w, mr_health_name((mr_health)k), (long long)c->health[k]);
	mr_jw_end(&w);
	mr_jw_end(&w);
}

void mr_context_graph_text(const mr_context_in *in, mr_buf *out)
{
	mr_jw w;
	mr_jw_init(&w, out, 1, true);
	graph_value(&w, in);
}

void mr_context_index_text(const mr_context_in *in, mr_buf *out)
{
	mr_jw w;
	mr_jw_init(&w, out, 1, true);
	index_value(&w, in);
}

/* ---- the index kept from sync to sync ---- */

size_t mr_context_index_chunk_pairs = 512;
size_t mr_index_cache_remade;

/* a table of more pairs than this is laid out one key per line (it has more than
 * MR_JW_FLAT_MAX keys, or a key with more than MR_JW_FLAT_MAX ids) */
#define INDEX_WHOLE_MAX ((size_t)MR_JW_FLAT_MAX * MR_JW_FLAT_MAX)

typedef struct itable {
	pairs p;            /* sorted by key, then module */
	mr_index_chunk *ch; /* chunked: runs of whole keys; else one chunk, the whole table */
	size_t nch, chcap;
	bool chunked;
} itable;

struct mr_index_cache {
	itable t[NINDEX_TABLES];
	bool primed;
};

mr_index_cache *mr_index_cache_new(void)
{
	return mr_xcalloc(1, sizeof(mr_index_cache));
}

static void itable_release(itable *it)
{
	pairs_release(&it->p);
	free(it->ch);
	memset(it, 0, sizeof *it);
}

void mr_index_cache_free(mr_index_cache *c)
{
	if (!c) return;
	for (size_t t = 0; t < NINDEX_TABLES; t++) itable_release(&c->t[t]);
	free(c);
}

/* about how many pairs a chunk holds */
static size_t chunk_size(void)
{
	return mr_context_index_chunk_pairs ? mr_context_index_chunk_pairs : 1;
}

static void chunk_push(itable *it, size_t start)
{
	MR_GROW(it->ch, it->chcap, it->nch + 1);
	it->ch[it->nch++] = (mr_index_chunk){start, true, {0, 0, 0, 0, MR_PIECE_NONE, 0}};
}

/* the pairs [from, to), whole keys, cut in new chunks (dirty) of about the chunk size,
 * appended to out */
static void cut(const pairs *p, size_t from, size_t to, mr_index_chunk **out, size_t *n, size_t *cap)
{
	size_t size = chunk_size();
	for (size_t s = from; s < to;) {
		size_t e = s;
		while (e < to && e - s < size) e = key_end(p, e);
		MR_GROW(*out, *cap, *n + 1);
		(*out)[(*n)++] = (mr_index_chunk){s, true, {0, 0, 0, 0, MR_PIECE_NONE, 0}};
		s = e;
	}
}

static size_t chunk_end(const itable *it, size_t k)
{
	return k + 1 < it->nch ? it->ch[k + 1].start : it->p.n;
}

/* Is the table laid out one key per line (not a record on one line)?  Then it is cut in
 * chunks, whose texts are the lines of their keys. */
static bool one_key_per_line(const pairs *p)
{
	if (p->n > INDEX_WHOLE_MAX) return true;
	size_t keys = 0;
	for (size_t s = 0, e; s < p->n; s = e) {
		e = key_end(p, s);
		size_t ids = 1;
		for (size_t k = s + 1; k < e; k++) ids += p->v[k].mod != p->v[k - 1].mod;
		if (++keys > MR_JW_FLAT_MAX || ids > MR_JW_FLAT_MAX) return true;
	}
	return false;
}

/* The chunks after the pairs changed: a table on one line is one chunk, the whole
 * table; another's empty chunks go, and a dirty chunk grown past twice the size is cut
 * again.  true when chunks came or went. */
static bool rechunk(itable *it)
{
	bool chunked = one_key_per_line(&it->p);
	if (chunked != it->chunked || !it->nch) {
		it->nch = 0;
		if (chunked) cut(&it->p, 0, it->p.n, &it->ch, &it->nch, &it->chcap);
		else chunk_push(it, 0);
		it->chunked = chunked;
		return true;
	}
	if (!chunked) return false;
	size_t size = chunk_size();
	mr_index_chunk *v = NULL;
	size_t n = 0, cap = 0;
	bool first_gone = false, reshaped = false;
	for (size_t k = 0; k < it->nch; k++) {
		size_t s = it->ch[k].start, e = chunk_end(it, k);
		if (s == e) {
			first_gone |= n == 0;
			reshaped = true;
			continue;
		}
		if (it->ch[k].dirty && e - s > 2 * size) {
			cut(&it->p, s, e, &v, &n, &cap);
			reshaped = true;
		} else {
			MR_GROW(v, cap, n + 1);
			v[n++] = it->ch[k];
		}
	}
	/* the first chunk's text has no comma before its first key */
	if (first_gone && n) v[0].dirty = true;
	free(it->ch);
	it->ch = v;
	it->nch = n;
	it->chcap = cap;
	return reshaped;
}

/* the chunk that holds pair x (the last one starting at or before it) */
static size_t chunk_of(const itable *it, size_t x, size_t from)
{
	size_t k = from;
	while (k + 1 < it->nch && it->ch[k + 1].start <= x) k++;
	return k;
}

typedef struct modpos {
	uint32_t mod;
	size_t pos;
} modpos;

static int modpos_cmp(const void *pa, const void *pb)
{
	const modpos *a = pa, *b = pb;
	if (a->mod != b->mod) return a->mod < b->mod ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The pairs of the modules read again whose part is the same (n of them, at positions
 * keep[] of the table, by module then position) pointed at their new manifests' keys:
 * a module's pairs in the table are its keys in order, as index_collect gives them
 * sorted.  false when a module's part is not what its hash said. */
static bool repoint(const mr_context_in *in, pairs *p, size_t t, modpos *keep, size_t n)
{
	if (n > 1) qsort(keep, n, sizeof *keep, modpos_cmp);
	bool ok = true;
	for (size_t s = 0, e; s < n; s = e) {
		for (e = s + 1; e < n && keep[e].mod == keep[s].mod; e++) {}
		pairs now = {0};
		index_collect(in, t, &now, keep[s].mod, keep[s].mod + 1);
		if (now.n > 1) qsort(now.v, now.n, sizeof *now.v, pair_cmp);
		if (now.n != e - s) ok = false;
		for (size_t k = 0; k < now.n && k < e - s; k++) {
			pair *x = &p->v[keep[s + k].pos];
			if (x->owned) free((char *)x->key);
			*x = now.v[k];
			now.v[k].owned = false;
		}
		pairs_release(&now);
	}
	return ok;
}

/* Table t brought up to date: the pairs of the modules gone or read again with a new
 * part dropped (their keys not read: a module read again has freed the manifest they
 * pointed into), the others' module indices as remap says, the new parts sorted and
 * merged in (found by bisection: no pass that compares
 * every key), and the chunks whose pairs changed marked dirty; the pairs of those read
 * again with the same part pointed at their new keys.  false when the table must be
 * made anew. */
static bool cache_update(const mr_context_in *in, itable *it, size_t t, const unsigned char *redo, const long *remap,
                         bool *reshaped)
{
	pairs *old = &it->p;
	size_t n = in->reg->n, w = 0, c = 0;
	modpos *keep = NULL;
	size_t nkeep = 0, capkeep = 0;
	for (size_t k = 0; k < old->n; k++) {
		/* the chunks starting here start at the kept pairs' count */
		while (c < it->nch && it->ch[c].start == k) it->ch[c++].start = w;
		/* a module gone: its pairs go; the others' indices move with the modules around
		 * them (both orders are by id: the pairs stay sorted) */
		long now = remap ? remap[old->v[k].mod] : (long)old->v[k].mod;
		unsigned char r = now < 0 ? MR_INDEX_NEW : redo[now];
		if (now >= 0) old->v[k].mod = (uint32_t)now;
		if (r == MR_INDEX_NEW) {
			if (old->v[k].owned) free((char *)old->v[k].key);
			it->ch[c - 1].dirty = true;
			continue;
		}
		if (r == MR_INDEX_SAME) {
			MR_GROW(keep, capkeep, nkeep + 1);
			keep[nkeep++] = (modpos){old->v[k].mod, w};
		}
		old->v[w++] = old->v[k];
	}
	for (; c < it->nch; c++) it->ch[c].start = w;
	old->n = w;
	bool ok = repoint(in, old, t, keep, nkeep);
	free(keep);
	if (!ok) return false;
	pairs add = {0};
	for (size_t i = 0; i < n; i++)
		if (redo[i] == MR_INDEX_NEW) index_collect(in, t, &add, i, i + 1);
	if (add.n) {
		if (add.n > 1) qsort(add.v, add.n, sizeof *add.v, pair_cmp);
		if (!it->nch) chunk_push(it, 0);
		size_t *added = mr_xcalloc(it->nch, sizeof *added); /* pairs added to each chunk */
		size_t *at = mr_xcalloc(add.n, sizeof *at);          /* the old pairs before each */
		size_t from = 0, ck = 0;
		for (size_t k = 0; k < add.n; k++) {
			/* the first old pair after add.v[k] */
			size_t lo = from, hi = old->n;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (pair_cmp(&old->v[mid], &add.v[k]) <= 0) lo = mid + 1;
				else hi = mid;
			}
			/* its chunk: that of the pairs of its key, else the one before it */
			size_t x = lo < old->n && !strcmp(old->v[lo].key, add.v[k].key) ? lo : lo ? lo - 1 : 0;
			ck = chunk_of(it, x, ck);
			added[ck]++;
			it->ch[ck].dirty = true;
			at[k] = from = lo;
		}
		/* merged in place from the end (no second table of a hundred thousand pairs) */
		size_t total = old->n + add.n, to = total, o = old->n;
		MR_GROW(old->v, old->cap, total);
		for (size_t k = add.n; k-- > 0;) {
			while (o > at[k]) old->v[--to] = old->v[--o];
			old->v[--to] = add.v[k];
		}
		old->n = total;
		size_t before = 0;
		for (size_t k = 0; k < it->nch; k++) {
			it->ch[k].start += before;
			before += added[k];
		}
		free(added);
		free(at);
	}
	free(add.v);
	*reshaped |= rechunk(it);
	return true;
}

bool mr_index_cache_update(const mr_context_in *in, mr_index_cache *c, const unsigned char *redo, const long *remap)
{
	size_t n = in->reg->n;
	bool reshaped = false;
	for (size_t t = 0; t < NINDEX_TABLES; t++) {
		itable *it = &c->t[t];
		if (redo && c->primed) {
			if (cache_update(in, it, t, redo, remap, &reshaped)) continue;
			mr_index_cache_remade++;
		}
		itable_release(it);
		index_collect(in, t, &it->p, 0, n);
		if (it->p.n > 1) qsort(it->p.v, it->p.n, sizeof(pair), pair_cmp);
		rechunk(it);
		reshaped = true;
	}
	c->primed = true;
	return reshaped;
}

bool mr_index_cache_primed(const mr_index_cache *c)
{
	return c->primed;
}

void mr_index_cache_forget(mr_index_cache *c)
{
	for (size_t t = 0; t < NINDEX_TABLES; t++) itable_release(&c->t[t]);
	c->primed = false;
}

size_t mr_index_cache_chunks(mr_index_cache *c, size_t t, mr_index_chunk **v)
{
	if (t >= NINDEX_TABLES) return 0;
	*v = c->t[t].ch;
	return c->t[t].nch;
}

void mr_index_cache_chunk_text(const mr_context_in *in, const mr_index_cache *c, size_t t, size_t k, mr_buf *out)
{
	const itable *it = &c->t[t];
	mr_jw w;
	mr_buf tmp = MR_BUF_INIT;
	/* a table, or one key, written where the index writer puts them: members of a table
	 * at depth 3, the table's braces at depth 2 */
	mr_jw_init(&w, it->chunked ? &tmp : out, 2, true);
	if (!it->chunked) {
		pairs_emit_sorted(&w, in->reg, &it->p);
		return;
	}
	/* a run of keys of a table laid out one key per line: the text between its braces */
	mr_jw_obj(&w);
	mr_jw_resume(&w, k > 0);
	for (size_t s = it->ch[k].start, e, end = chunk_end(it, k); s < end; s = e) emit_key(&w, in->reg, &it->p, s, e = key_end(&it->p, s));
	mr_buf_add(out, tmp.data + 1, tmp.len - 1);
	mr_buf_release(&tmp);
}

void mr_index_cache_table_text(const mr_context_in *in, const mr_index_cache *c, size_t table, mr_buf *out)
{
	mr_jw w;
	mr_jw_init(&w, out, 0, true);
	pairs_emit_sorted(&w, in->reg, &c->t[table].p);
}

size_t mr_index_cache_refs(mr_index_cache *c, mr_text_ref **out)
{
	static const char *const head[NINDEX_TABLES] = {
	    "{\n    \"keywords\": ", ",\n    \"entities\": ", ",\n    \"endpoints\": ", ",\n    \"permissions\": ",
	    ",\n    \"events\": "};
	static const char empty[] = "{\"keywords\": {}, \"entities\": {}, \"endpoints\": {}, \"permissions\": {}, \"events\": {}}";
	size_t n = 0, cap = 0;
	mr_text_ref *v = NULL;
#define REF(text, len, piece)                                                                                          \
	do {                                                                                                           \
		MR_GROW(v, cap, n + 1);                                                                                \
		v[n++] = (mr_text_ref){text, len, piece};                                                              \
	} while (0)
	bool any = false;
	for (size_t t = 0; t < NINDEX_TABLES; t++) any |= c->t[t].p.n > 0;
	if (!any) REF(empty, sizeof empty - 1, NULL);
	else {
		for (size_t t = 0; t < NINDEX_TABLES; t++) {
			itable *it = &c->t[t];
			REF(head[t], strlen(head[t]), NULL);
			if (it->chunked) REF("{", 1, NULL);
			for (size_t k = 0; k < it->nch; k++) REF(NULL, it->ch[k].piece.len, &it->ch[k].piece);
			if (it->chunked) REF("\n    }", 6, NULL);
		}
		REF("\n  }", 4, NULL);
	}
#undef REF
	*out = v;
	return n;
}

void mr_context_diagnostics_text(const mr_context_in *in, mr_buf *out)
{
	const mr_registry *reg = in->reg;
	mr_diags all;
	mr_diags_init(&all);
	for (size_t i = 0; i < reg->n; i++) {
		shallow_add(&all, &reg->mods[i]->diags);
		shallow_add(&all, &reg->mods[i]->stats_diags);
		if (in->an && i < in->an->n) shallow_add(&all, &in->an->info[i].diags);
	}
	shallow_add(&all, &reg->diags);
	mr_diags_sort(&all);
	mr_jw w;
	mr_jw_init(&w, out, 1, true);
	mr_jw_arr(&w);
	for (size_t k = 0; k < all.len; k++) mr_context_diag(&w, &all.items[k], NULL);
	mr_jw_end(&w);
	free(all.items);
}

#define EMIT_LIT(lit) emit(ctx, lit, sizeof lit - 1, NULL)

static void emit_list(const mr_text_ref *v, size_t n, mr_context_emit_fn emit, void *ctx)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].n) continue;
		if (any) EMIT_LIT(MR_CONTEXT_LIST_SEP);
		else EMIT_LIT("[\n    ");
		emit(ctx, v[i].p, v[i].n, v[i].tag);
		any = true;
	}
	if (any) EMIT_LIT("\n  ]");
	else EMIT_LIT("[]");
}

void mr_context_assemble(const mr_context_parts *p, mr_context_emit_fn emit, void *ctx)
{
	static const char head[] = "{\n  \"schemaVersion\": \"" MR_SCHEMA_VERSION "\",\n  \"generator\": {\n"
	                           "    \"name\": \"modreg\",\n    \"version\": \"" MR_VERSION "\"\n  },\n  \"registry\": ";
	EMIT_LIT(head);
	emit(ctx, p->registry.p, p->registry.n, p->registry.tag);
	EMIT_LIT(",\n  \"modules\": ");
	emit_list(p->modules, p->n, emit, ctx);
	EMIT_LIT(",\n  \"relationships\": ");
	emit_list(p->rows, p->n, emit, ctx);
	EMIT_LIT(",\n  \"graph\": ");
	emit(ctx, p->graph.p, p->graph.n, p->graph.tag);
	EMIT_LIT(",\n  \"index\": ");
	for (size_t k = 0; k < p->nindex; k++) emit(ctx, p->index[k].p, p->index[k].n, p->index[k].tag);
	EMIT_LIT(",\n  \"diagnostics\": ");
	emit(ctx, p->diagnostics.p, p->diagnostics.n, p->diagnostics.tag);
	EMIT_LIT("\n}\n");
}

static void emit_buf(void *ctx, const char *p, size_t n, void *tag)
{
	(void)tag;
	if (n) mr_buf_add(ctx, p, n);
}

void mr_context_render(const mr_context_in *in, mr_buf *out)
{
	const mr_registry *reg = in->reg;
	size_t n = reg->n;
	mr_buf *texts = mr_xcalloc(n + 1, sizeof *texts), *rows = mr_xcalloc(n + 1, sizeof *rows);
	mr_text_ref *tref = mr_xcalloc(n + 1, sizeof *tref), *rref = mr_xcalloc(n + 1, sizeof *rref);
	mr_context_counts counts = {0};
	for (size_t i = 0; i < n; i++) {
		mr_context_modinfo mi;
		json_t *prev = reg->mods[i]->valid ? NULL : mr_context_prev_module(in->previous, reg->mods[i]->id);
		mr_context_module_piece(in, i, prev, &texts[i], &rows[i], &mi);
		mr_context_counts_add(&counts, &mi);
		tref[i] = (mr_text_ref){texts[i].data, texts[i].len, NULL};
		rref[i] = (mr_text_ref){rows[i].data, rows[i].len, NULL};
	}
	mr_context_counts_add_registry(&counts, reg);
	mr_buf rg = MR_BUF_INIT, gr = MR_BUF_INIT, ix = MR_BUF_INIT, dg = MR_BUF_INIT;
	mr_context_registry_text(&counts, &rg);
	mr_context_graph_text(in, &gr);
	mr_context_index_text(in, &ix);
	mr_context_diagnostics_text(in, &dg);
	mr_text_ref iref = {ix.data, ix.len, NULL};
	mr_context_parts parts = {{rg.data, rg.len, NULL}, tref, rref, n, {gr.data, gr.len, NULL}, &iref, 1, {dg.data, dg.len, NULL}};
	mr_context_assemble(&parts, emit_buf, out);
	for (size_t i = 0; i < n; i++) {
		mr_buf_release(&texts[i]);
		mr_buf_release(&rows[i]);
	}
	free(texts);
	free(rows);
	free(tref);
	free(rref);
	mr_buf_release(&rg);
	mr_buf_release(&gr);
	mr_buf_release(&ix);
	mr_buf_release(&dg);
}
