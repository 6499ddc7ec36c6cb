/* sync.c — write the index outputs of a sync and account for what changed.  A state
 * keeps the rendered pieces of the last sync, so that the sync after a small change
 * renders only the modules the change affects and writes only the files that differ. */
#include "sync.h"

#include "pieces.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void mr_sync_result_init(mr_sync_result *r)
{
	memset(r, 0, sizeof *r);
	mr_diags_init(&r->events);
}

void mr_sync_result_release(mr_sync_result *r)
{
	for (size_t i = 0; i < r->nchanges; i++) {
		free(r->changes[i].id);
		free(r->changes[i].old_version);
		free(r->changes[i].new_version);
		free(r->changes[i].sha256);
	}
	free(r->changes);
	for (size_t i = 0; i < r->nno_ai; i++) free(r->no_ai[i]);
	free(r->no_ai);
	mr_diags_release(&r->events);
	memset(r, 0, sizeof *r);
}

time_t mr_sync_now(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	if (s && *s) {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (!errno && !*end && v >= 0) return (time_t)v;
	}
	return time(NULL);
}

char *mr_sync_summary(const mr_sync_result *r)
{
	return mr_xasprintf("%zu added, %zu updated, %zu removed, %zu unchanged, %zu invalid", r->added, r->updated,
	                    r->removed, r->unchanged, r->invalid);
}


static void add_change(mr_sync_result *r, const char *id, mr_change_kind k, const char *oldv, const char *newv,
                       const char *sha)
{
	r->changes = mr_xreallocarray(r->changes, r->nchanges + 1, sizeof *r->changes);
	mr_change *c = &r->changes[r->nchanges++];
	c->id = mr_xstrdup(id);
	c->kind = k;
	c->old_version = oldv ? mr_xstrdup(oldv) : NULL;
	c->new_version = newv ? mr_xstrdup(newv) : NULL;
	c->sha256 = sha && *sha ? mr_xstrdup(sha) : NULL;
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---------------------------------------------------------------- accounting */

/* What the previous output said about one module: all the accounting compares. */
typedef struct prevsum {
	const char *id, *version, *sha256; /* NULL when absent */
	bool valid, stale;
} prevsum;

static prevsum prevsum_of(json_t *pm)
{
	return (prevsum){jstr(pm, "id"), jstr(pm, "version"), jstr(json_object_get(pm, "source"), "sha256"),
	                 json_is_true(json_object_get(pm, "valid")), json_is_true(json_object_get(pm, "stale"))};
}

static int prevsum_ptr_cmp(const void *pa, const void *pb)
{
	const prevsum *a = *(const prevsum *const *)pa, *b = *(const prevsum *const *)pb;
	int c = strcmp(a->id, b->id);
	return c ? c : (a < b ? -1 : a > b); /* the first of duplicate ids wins */
}

/* ---------------------------------------------------------------- the previous context.json
 * Read one module entry at a time: the accounting needs five fields of each, and only the
 * modules that are invalid now need their whole entry (last known good).  Parsing the
 * whole file at once would take about ten times its size in memory. */

typedef struct prevfile {
	char *text;     /* the file */
	size_t len;
	prevsum *sums;  /* per module entry, in file order (strings owned, in strs) */
	size_t *start, *span; /* each entry's text */
	size_t n;
	bool sorted;    /* by id, as modreg writes them: entries are found by bisection */
	char **strs;
	size_t nstrs;
} prevfile;

static size_t skip_ws(const char *p, size_t i, size_t n)
{
	while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t')) i++;
	return i;
}

/* The end of the JSON value at p[i], or n when it is malformed. */
static size_t skip_value(const char *p, size_t i, size_t n)
{
	i = skip_ws(p, i, n);
	if (i >= n) return n;
	if (p[i] != '{' && p[i] != '[' && p[i] != '"') {
		while (i < n && !strchr(",}] \n\r\t", p[i])) i++;
		return i;
	}
	size_t depth = 0;
	for (; i < n; i++) {
		char c = p[i];
		if (c == '"') {
			for (i++; i < n && p[i] != '"'; i++)
				if (p[i] == '\\') i++;
			if (i >= n) return n;
			if (!depth) return i + 1;
		} else if (c == '{' || c == '[') depth++;
		else if (c == '}' || c == ']') {
			if (!depth) return n;
			if (--depth == 0) return i + 1;
		}
	}
	return n;
}

/* Calls fn for each member of the object at p[i]; false when it is not a well-formed object. */
typedef void (*member_fn)(void *ctx, const char *key, size_t klen, const char *val, size_t vlen);
static bool each_member(const char *p, size_t i, size_t n, member_fn fn, void *ctx)
{
	i = skip_ws(p, i, n);
	if (i >= n || p[i] != '{') return false;
	i = skip_ws(p, i + 1, n);
	if (i < n && p[i] == '}') return true;
	for (;;) {
		if (i >= n || p[i] != '"') return false;
		size_t ke = skip_value(p, i, n);
		if (ke >= n) return false;
		size_t c = skip_ws(p, ke, n);
		if (c >= n || p[c] != ':') return false;
		size_t vs = skip_ws(p, c + 1, n), ve = skip_value(p, vs, n);
		if (ve >= n || ve == vs) return false;
		fn(ctx, p + i + 1, ke - i - 2, p + vs, ve - vs);
		i = skip_ws(p, ve, n);
		if (i < n && p[i] == '}') return true;
		if (i >= n || p[i] != ',') return false;
		i = skip_ws(p, i + 1, n);
	}
}

static bool key_is(const char *key, size_t klen, const char *want)
{
	return strlen(want) == klen && !memcmp(key, want, klen);
}

/* a JSON string value as a heap string; NULL for anything else */
static char *string_value(const char *v, size_t n)
{
	if (!n || v[0] != '"') return NULL;
	json_t *j = json_loadb(v, n, JSON_DECODE_ANY, NULL);
	char *s = json_is_string(j) ? mr_xstrdup(json_string_value(j)) : NULL;
	json_decref(j);
	return s;
}

typedef struct entry_scan {
	prevfile *pf;
	prevsum sum;
} entry_scan;

static const char *keep_str(prevfile *pf, char *s)
{
	if (!s) return NULL;
	pf->strs = mr_xreallocarray(pf->strs, pf->nstrs + 1, sizeof *pf->strs);
	pf->strs[pf->nstrs++] = s;
	return s;
}

static void source_member(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
	entry_scan *es = ctx;
	if (key_is(key, klen, "sha256")) es->sum.sha256 = keep_str(es->pf, string_value(val, vlen));
}

static void entry_member(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
	entry_scan *es = ctx;
	if (key_is(key, klen, "id")) es->sum.id = keep_str(es->pf, string_value(val, vlen));
	else if (key_is(key, klen, "version")) es->sum.version = keep_str(es->pf, string_value(val, vlen));
	else if (key_is(key, klen, "valid")) es->sum.valid = vlen == 4 && !memcmp(val, "true", 4);
	else if (key_is(key, klen, "stale")) es->sum.stale = vlen == 4 && !memcmp(val, "true", 4);
	else if (key_is(key, klen, "source")) {
		es->sum.sha256 = NULL;
		each_member(val, 0, vlen, source_member, es);
	}
}

typedef struct top_scan {
	const char *modules; /* the value of the last "modules" member */
	size_t mlen;
} top_scan;

static void top_member(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
	top_scan *ts = ctx;
	if (key_is(key, klen, "modules")) ts->modules = val, ts->mlen = vlen;
}

static void prevfile_free(prevfile *pf)
{
	if (!pf) return;
	for (size_t i = 0; i < pf->nstrs; i++) free(pf->strs[i]);
	free(pf->strs);
	free(pf->sums);
	free(pf->start);
	free(pf->span);
	free(pf->text);
	free(pf);
}

/* <out>/context.json summarised; NULL when absent or not a JSON object. */
static prevfile *prevfile_read(const char *out_dir)
{
	char *path = mr_path_join(out_dir, "context.json");
	prevfile *pf = mr_xcalloc(1, sizeof *pf);
	int r = mr_read_file(path, (size_t)1 << 34, &pf->text, &pf->len);
	free(path);
	top_scan ts = {NULL, 0};
	if (r < 0 || !each_member(pf->text, 0, pf->len, top_member, &ts) ||
	    skip_ws(pf->text, skip_value(pf->text, 0, pf->len), pf->len) != pf->len) {
		prevfile_free(pf);
		return NULL;
	}
	pf->sorted = true;
	if (!ts.modules || ts.modules[0] != '[') return pf;
	size_t cap = 0, i = 1, n = ts.mlen;
	const char *a = ts.modules;
	i = skip_ws(a, i, n);
	while (i < n && a[i] != ']') {
		size_t e = skip_value(a, i, n);
		if (e >= n) break;
		MR_GROW(pf->sums, cap, pf->n + 1);
		pf->start = mr_xreallocarray(pf->start, cap, sizeof *pf->start);
		pf->span = mr_xreallocarray(pf->span, cap, sizeof *pf->span);
		entry_scan es = {pf, {NULL, NULL, NULL, false, false}};
		each_member(a, i, e, entry_member, &es);
		pf->sums[pf->n] = es.sum;
		if (!es.sum.id || (pf->n && (!pf->sums[pf->n - 1].id || strcmp(pf->sums[pf->n - 1].id, es.sum.id) >= 0)))
			pf->sorted = false;
		pf->start[pf->n] = (size_t)(a + i - pf->text);
		pf->span[pf->n] = e - i;
		pf->n++;
		i = skip_ws(a, e, n);
		if (i < n && a[i] == ',') i = skip_ws(a, i + 1, n);
	}
	return pf;
}

/* The previous entry of module id, parsed (the caller decrefs), or NULL. */
static json_t *prevfile_entry(const prevfile *pf, const char *id)
{
	if (!pf) return NULL;
	size_t k = pf->n;
	if (pf->sorted) {
		size_t lo = 0, hi = pf->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(pf->sums[mid].id, id) < 0) lo = mid + 1;
			else hi = mid;
		}
		if (lo < pf->n && !strcmp(pf->sums[lo].id, id)) k = lo;
	} else
		for (k = 0; k < pf->n; k++)
			if (pf->sums[k].id && !strcmp(pf->sums[k].id, id)) break;
	if (k == pf->n) return NULL;
	json_t *m = json_loadb(pf->text + pf->start[k], pf->span[k], 0, NULL);
	if (json_is_object(m)) return m;
	json_decref(m);
	return NULL;
}

/* compare with the previous output: added / updated / removed / unchanged / invalid */
static void account(const mr_registry *reg, const prevsum *prev, size_t nprev, mr_sync_result *res)
{
	const prevsum **sorted = mr_xcalloc(nprev + 1, sizeof *sorted);
	size_t ns = 0;
	bool in_order = true; /* the usual case: sort only a hand-edited file */
	for (size_t k = 0; k < nprev; k++)
		if (prev[k].id) {
			if (ns && strcmp(sorted[ns - 1]->id, prev[k].id) >= 0) in_order = false;
			sorted[ns++] = &prev[k];
		}
	if (ns > 1 && !in_order) qsort(sorted, ns, sizeof *sorted, prevsum_ptr_cmp);
	/* both sorted by id: one walk through the two */
	bool *seen = mr_xcalloc(nprev + 1, sizeof *seen);
	size_t j = 0;
	for (size_t i = 0; i < reg->n; i++) {
		const mr_module *mod = reg->mods[i];
		while (j < ns && strcmp(sorted[j]->id, mod->id) < 0) j++;
		const prevsum *pm = NULL;
		for (; j < ns && !strcmp(sorted[j]->id, mod->id); j++) {
			if (!pm) pm = sorted[j];
			seen[sorted[j] - prev] = true;
		}
		const char *newv = mod->valid ? mod->m->version.s : NULL;
		if (!mod->valid) res->invalid++;
		if (!pm) {
			res->added++;
			add_change(res, mod->id, mod->valid ? MR_CHANGE_ADDED : MR_CHANGE_INVALID, NULL, newv, mod->sha256);
			continue;
		}
		/* a stale entry's source is its last valid version: compare validity too */
		bool same = pm->sha256 && !strcmp(pm->sha256, mod->sha256) && pm->valid == mod->valid;
		if (!pm->sha256 && !pm->valid && !mod->valid && !pm->stale) same = false;
		if (same) {
			res->unchanged++;
			continue;
		}
		res->updated++;
		const char *oldv = pm->version;
		add_change(res, mod->id, mod->valid ? MR_CHANGE_UPDATED : MR_CHANGE_INVALID, oldv, newv, mod->sha256);
		if (mod->valid && pm->valid && oldv && newv && !strcmp(oldv, newv))
			mr_diag_add(&res->events, mod->file, mod->m->version.pos.line, mod->m->version.pos.col, "version-not-bumped",
			            mod->id, "%s changed but its version is still %s", mod->id, newv);
	}
	for (size_t k = 0; k < nprev; k++) {
		if (!prev[k].id || seen[k]) continue;
		res->removed++;
		add_change(res, prev[k].id, MR_CHANGE_REMOVED, prev[k].version, NULL, NULL);
	}
	for (size_t i = 0; i < reg->n; i++)
		if (reg->mods[i]->valid && !reg->mods[i]->m->ai_purpose.s) {
			res->no_ai = mr_xreallocarray(res->no_ai, res->nno_ai + 1, sizeof *res->no_ai);
			res->no_ai[res->nno_ai++] = mr_xstrdup(reg->mods[i]->id);
		}
	free(seen);
	free(sorted);
}

/* ---------------------------------------------------------------- the api/ai files */

static int write_out(const char *dir, const char *name, const char *data, size_t len, mr_sync_result *res, char **err)
{
	char *path = mr_path_join(dir, name);
	bool changed = false;
	int rc = mr_write_file_atomic(path, data, len, &changed);
	if (rc < 0) *err = mr_xasprintf("cannot write %s: %s", path, strerror(errno));
	else if (changed) res->files_written++;
	free(path);
	return rc;
}

static void emit_sub(json_t *mod, const char *key, mr_buf *out)
{
	mr_jw w;
	mr_buf_reset(out);
	mr_jw_init(&w, out, 0, true);
	mr_jw_obj(&w);
	mr_jw_kstr(&w, "id", jstr(mod, "id"));
	json_t *v = json_object_get(mod, key);
	mr_jw_key(&w, key);
	if (v) mr_jw_json(&w, v);
	else mr_jw_null(&w);
	if (!strcmp(key, "statistics")) {
		mr_jw_key(&w, "health");
		json_t *h = json_object_get(mod, "health");
		if (h) mr_jw_json(&w, h);
		else mr_jw_null(&w);
	}
	mr_jw_end(&w);
	mr_buf_putc(out, '\n');
}

/* The module's entries in api/ai/modules.json and api/ai/health.json (heap), as
 * elements of their "modules" arrays. */
static void list_entry(json_t *m, mr_buf *b)
{
	mr_jw w;
	mr_jw_init(&w, b, 2, true);
	mr_jw_obj(&w);
	const char *keys[] = {"id", "name", "description", "type", "version", "status", "valid", "stale"};
	for (int k = 0; k < 8; k++) {
		json_t *v = json_object_get(m, keys[k]);
		mr_jw_key(&w, keys[k]);
		if (v) mr_jw_json(&w, v);
		else if (!strcmp(keys[k], "stale")) mr_jw_bool(&w, false); /* a never-valid entry has no content to be stale */
		else mr_jw_null(&w);
	}
	const char *hs = jstr(json_object_get(m, "health"), "status");
	mr_jw_kstr(&w, "health", hs ? hs : "error"); /* never valid: as api/ai/health.json says */
	char *url = mr_xasprintf("modules/%s.json", jstr(m, "id"));
	mr_jw_kstr(&w, "url", url);
	free(url);
	mr_jw_end(&w);
}

static void health_entry(json_t *m, mr_buf *b)
{
	mr_jw w;
	mr_jw_init(&w, b, 2, true);
	mr_jw_obj(&w);
	mr_jw_kstr(&w, "id", jstr(m, "id"));
	json_t *h = json_object_get(m, "health");
	mr_jw_kstr(&w, "status", h ? jstr(h, "status") : "error");
	mr_jw_key(&w, "reasons");
	json_t *r = json_object_get(h, "reasons");
	if (r) mr_jw_json(&w, r);
	else {
		mr_jw_arr(&w);
		mr_jw_str(&w, "The manifest has never been valid.");
		mr_jw_end(&w);
	}
	mr_jw_end(&w);
}

/* api/ai/modules/<id>.json and api/ai/modules/<id>/{capabilities,relationships,statistics}.json */
/* The module's own file is its entry of context.json moved left: the entry is written
 * with two levels (four spaces) of indentation on every line after the first, and no
 * string holds a raw newline, so dropping four spaces after each newline gives the same
 * bytes as writing it again at the top level — without parsing and re-writing it. */
static void dedent_entry(const char *text, size_t len, mr_buf *b)
{
	mr_buf_reset(b);
	mr_buf_grow(b, len + 1);
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\n') continue;
		mr_buf_add(b, text + start, i + 1 - start);
		start = i + 1;
		if (len - start >= 4 && !memcmp(text + start, "    ", 4)) start += 4;
	}
	mr_buf_add(b, text + start, len - start);
	mr_buf_putc(b, '\n');
}

/* A thread that writes the api files of a sync that renders many modules, while the
 * sync renders the next ones: creating tens of thousands of small files is kernel work
 * that overlaps with rendering.  Files are still written one by one, atomically. */
typedef struct wjob {
	char *dir, *name; /* name NULL: create the directory dir */
	char *data;
	size_t len;
} wjob;

typedef struct writer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	wjob *q;
	size_t head, n, cap; /* a ring of cap jobs */
	bool closing;
	size_t written;      /* files that changed */
	char *err;           /* the first failure */
} writer;

#define WRITER_QUEUE 256
#define WRITER_MIN_MODULES 64 /* fewer: not worth a thread */

static void wjob_free(wjob *j)
{
	free(j->dir);
	free(j->name);
	free(j->data);
}

static void *writer_main(void *arg)
{
	writer *wr = arg;
	for (;;) {
		pthread_mutex_lock(&wr->mu);
		while (!wr->n && !wr->closing) pthread_cond_wait(&wr->more, &wr->mu);
		if (!wr->n) {
			pthread_mutex_unlock(&wr->mu);
			return NULL;
		}
		wjob j = wr->q[wr->head];
		wr->head = (wr->head + 1) % wr->cap;
		/* the producer waits only on a full queue: wake it only then */
		if (wr->n-- == wr->cap) pthread_cond_signal(&wr->room);
		bool failed = wr->err != NULL;
		pthread_mutex_unlock(&wr->mu);
		char *err = NULL;
		bool changed = false;
		if (failed) {
		} else if (!j.name) {
			if (mr_mkdirs(j.dir, 0755) < 0) err = mr_xasprintf("cannot create %s: %s", j.dir, strerror(errno));
		} else {
			char *path = mr_path_join(j.dir, j.name);
			if (mr_write_file_atomic(path, j.data, j.len, &changed) < 0)
				err = mr_xasprintf("cannot write %s: %s", path, strerror(errno));
			free(path);
		}
		wjob_free(&j);
		pthread_mutex_lock(&wr->mu);
		if (changed) wr->written++;
		if (err && !wr->err) wr->err = err;
		else free(err);
		pthread_mutex_unlock(&wr->mu);
	}
}

static void writer_free(writer *wr)
{
	pthread_mutex_destroy(&wr->mu);
	pthread_cond_destroy(&wr->more);
	pthread_cond_destroy(&wr->room);
	free(wr->q);
	free(wr);
}

/* A started writer, or NULL when no thread can be started (the caller writes itself). */
static writer *writer_start(void)
{
	writer *wr = mr_xcalloc(1, sizeof *wr);
	wr->cap = WRITER_QUEUE;
	wr->q = mr_xcalloc(wr->cap, sizeof *wr->q);
	pthread_mutex_init(&wr->mu, NULL);
	pthread_cond_init(&wr->more, NULL);
	pthread_cond_init(&wr->room, NULL);
	if (pthread_create(&wr->thread, NULL, writer_main, wr) != 0) {
		writer_free(wr);
		return NULL;
	}
	return wr;
}

static void writer_put(writer *wr, const char *dir, const char *name, const char *data, size_t len)
{
	char *copy = NULL;
	if (data) {
		copy = mr_xmalloc(len + 1);
		memcpy(copy, data, len);
	}
	wjob j = {mr_xstrdup(dir), name ? mr_xstrdup(name) : NULL, copy, len};
	pthread_mutex_lock(&wr->mu);
	while (wr->n == wr->cap) pthread_cond_wait(&wr->room, &wr->mu);
	wr->q[(wr->head + wr->n) % wr->cap] = j;
	/* the writer waits only on an empty queue */
	if (wr->n++ == 0) pthread_cond_signal(&wr->more);
	pthread_mutex_unlock(&wr->mu);
}

/* Wait for every queued file, stop the thread; 0, or -1 with *err the first failure. */
static int writer_finish(writer *wr, mr_sync_result *res, char **err)
{
	if (!wr) return 0;
	pthread_mutex_lock(&wr->mu);
	wr->closing = true;
	pthread_cond_signal(&wr->more);
	pthread_mutex_unlock(&wr->mu);
	pthread_join(wr->thread, NULL);
	res->files_written += wr->written;
	int rc = 0;
	if (wr->err) {
		if (!*err) *err = wr->err;
		else free(wr->err);
		rc = -1;
	}
	writer_free(wr);
	return rc;
}

/* one api file: by the writer when there is one, else here */
static int put_out(writer *wr, const char *dir, const char *name, const mr_buf *b, mr_sync_result *res, char **err)
{
	if (!wr) return write_out(dir, name, b->data, b->len, res, err);
	writer_put(wr, dir, name, b->data, b->len);
	return 0;
}

static int write_module_api(writer *wr, const char *moddir, json_t *m, const char *text, size_t text_len, mr_buf *b,
                            mr_sync_result *res, char **err)
{
	const char *id = jstr(m, "id");
	if (!id) return 0;
	dedent_entry(text, text_len, b);
	char *name = mr_xasprintf("%s.json", id);
	int r = put_out(wr, moddir, name, b, res, err);
	free(name);
	if (r < 0) return -1;
	char *sub = mr_path_join(moddir, id);
	if (wr) writer_put(wr, sub, NULL, NULL, 0);
	else if (mr_mkdirs(sub, 0755) < 0) {
		*err = mr_xasprintf("cannot create %s: %s", sub, strerror(errno));
		free(sub);
		return -1;
	}
	const char *parts[] = {"capabilities", "relationships", "statistics"};
	for (int k = 0; k < 3 && r == 0; k++) {
		emit_sub(m, parts[k], b);
		char *pn = mr_xasprintf("%s.json", parts[k]);
		r = put_out(wr, sub, pn, b, res, err);
		free(pn);
	}
	free(sub);
	return r;
}

static const char *const api_parts[] = {"capabilities.json", "relationships.json", "statistics.json"};

static void remove_module_api(const char *moddir, const char *id)
{
	char *name = mr_xasprintf("%s.json", id);
	char *p = mr_path_join(moddir, name);
	unlink(p);
	free(p);
	free(name);
	char *sub = mr_path_join(moddir, id);
	for (int k = 0; k < 3; k++) {
		char *q = mr_path_join(sub, api_parts[k]);
		unlink(q);
		free(q);
	}
	rmdir(sub);
	free(sub);
}

/* remove api/ai/modules/<id>.json and <id>/ of modules that are gone */
static void prune_api(const char *moddir, const mr_registry *reg)
{
	DIR *d = opendir(moddir);
	if (!d) return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.') continue;
		char *id = mr_xstrdup(e->d_name);
		bool file = mr_str_has_suffix(id, ".json");
		if (file) id[strlen(id) - 5] = '\0';
		if (!mr_registry_find(reg, id)) {
			char *p = mr_path_join(moddir, e->d_name);
			if (file) unlink(p);
			else {
				for (int k = 0; k < 3; k++) {
					char *q = mr_path_join(p, api_parts[k]);
					unlink(q);
					free(q);
				}
				rmdir(p);
			}
			free(p);
		}
		free(id);
	}
	closedir(d);
}

/* The plan of a list file: {["schemaVersion": ...,] "modules": [entries]} */
static void list_plan(mr_pieces *ps, bool with_schema, mr_piece *const *entries, size_t n)
{
	static const char head[] = "{\n  \"schemaVersion\": \"" MR_SCHEMA_VERSION "\",\n  \"modules\": ",
	                  head2[] = "{\n  \"modules\": ", open[] = "[\n    ", close[] = "\n  ]", none[] = "[]",
	                  end[] = "\n}\n";
	mr_pieces_begin(ps);
	if (with_schema) mr_pieces_add_text(ps, head, sizeof head - 1);
	else mr_pieces_add_text(ps, head2, sizeof head2 - 1);
	if (!n) mr_pieces_add_text(ps, none, sizeof none - 1);
	for (size_t i = 0; i < n; i++) {
		if (i) mr_pieces_add_text(ps, MR_CONTEXT_LIST_SEP, sizeof MR_CONTEXT_LIST_SEP - 1);
		else mr_pieces_add_text(ps, open, sizeof open - 1);
		mr_pieces_add(ps, entries[i]);
	}
	if (n) mr_pieces_add_text(ps, close, sizeof close - 1);
	mr_pieces_add_text(ps, end, sizeof end - 1);
}

/* Temporary files of writers that were killed (name.tmp.PID with PID gone), in dir and,
 * with subdirs, in its subdirectories. */
static void remove_stale_temps(const char *dir, bool subdirs)
{
	DIR *d = opendir(dir);
	if (!d) return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (subdirs && e->d_type == DT_DIR && e->d_name[0] != '.') {
			char *sub = mr_path_join(dir, e->d_name);
			remove_stale_temps(sub, false);
			free(sub);
			continue;
		}
		const char *t = strstr(e->d_name, ".tmp.");
		if (!t || e->d_name[0] == '.') continue;
		char *end;
		long pid = strtol(t + 5, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid()) continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
		char *p = mr_path_join(dir, e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
}

/* ---------------------------------------------------------------- context.json from pieces */

static void *unlink_thread(void *arg)
{
	unlink(arg);
	free(arg);
	return NULL;
}


static void plan_emit(void *ctx, const char *p, size_t n, void *tag)
{
	if (tag) mr_pieces_add(ctx, tag);
	else mr_pieces_add_text(ctx, p, n);
}

/* The file at path, open for reading, when it holds exactly the planned bytes; else -1. */
static int same_file(mr_pieces *ps, const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) return -1;
	if (mr_pieces_same_as(ps, fd)) return fd;
	close(fd);
	return -1;
}

/* The context.json the last sync replaced (mr_sync_state_keep_spare), and its size and
 * time then: changed since, it is not what the store thinks it holds. */
typedef struct mr_spare {
	int fd;
	off_t size;
	struct timespec mtime;
} mr_spare;

static void spare_set(mr_spare *sp, int fd)
{
	struct stat st;
	sp->fd = fd;
	sp->size = -1;
	if (fd >= 0 && fstat(fd, &st) == 0) {
		sp->size = st.st_size;
		sp->mtime = st.st_mtim;
	}
}

/* The spare (see mr_sync_state_keep_spare), made ready to be written over: nobody else
 * holds it open (a write lease, which the kernel grants only then and which makes anyone
 * opening it wait until it is released) and it has no other name.  Else it is let go. */
static int spare_take(mr_spare *sp, const char *tmp, bool *untouched)
{
	int fd = sp->fd;
	sp->fd = -1;
	if (fd < 0) return -1;
	struct stat st;
	*untouched = false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 && fcntl(fd, F_SETLEASE, F_WRLCK) == 0) {
		/* as it was when it became the spare: what the store knows it holds, it holds */
		*untouched = st.st_size == sp->size && st.st_mtim.tv_sec == sp->mtime.tv_sec &&
		             st.st_mtim.tv_nsec == sp->mtime.tv_nsec;
		/* whoever breaks the lease waits for us; no signal to us (SIGIO would end us) */
		if (fcntl(fd, F_SETOWN, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0) return fd;
		fcntl(fd, F_SETLEASE, F_UNLCK);
	}
	close(fd);
	unlink(tmp);
	return -1;
}

/* A copy of the store's kept file (path), as its spare; -1 when it cannot be made (then
 * the next sync writes a new file, as without a spare). */
static int make_spare(mr_pieces *ps, const char *path)
{
	char *tmp = mr_temp_name(path);
	int sp = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (sp >= 0 && mr_pieces_copy_kept(ps, sp) < 0) {
		close(sp);
		sp = -1;
	}
	if (sp < 0) unlink(tmp);
	free(tmp);
	return sp;
}

/* Write the plan as path's new content: to path.tmp.PID, then into path's place in one
 * step, so that a reader (and a kill -9 at any moment) sees the old file or the new one,
 * never a part.  The new file's open descriptor is returned (the pieces' home from now
 * on), or -1 with errno.  With spare (not NULL) the file replaced stays as the spare. */
static int write_plan_atomic(mr_pieces *ps, const char *path, mr_spare *spare)
{
	char *tmp = mr_temp_name(path), *old = NULL;
	bool untouched = false;
	int fd = spare ? spare_take(spare, tmp, &untouched) : -1;
	bool leased = fd >= 0;
	if (fd < 0) fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) goto err;
	if (leased) {
		/* over the spare: what it holds already need not be written again, when it is
		 * as the store left it */
		if (!untouched) mr_pieces_forget_same(ps);
		if (mr_pieces_write_over(ps, fd) < 0) goto err;
	} else if (mr_pieces_write(ps, fd) < 0)
		goto err;
	/* the file stays open (the pieces' home), but a file system that reports write errors
	 * only when a descriptor is closed (NFS) must be heard before the rename: close a
	 * duplicate */
	int dupfd = dup(fd);
	if (dupfd < 0 || close(dupfd) < 0) goto err;
	if (spare) {
		/* swap the names: tmp is now the file replaced, the spare of the next sync */
		struct stat cur;
		if (lstat(path, &cur) == 0 && S_ISREG(cur.st_mode) &&
		    renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
			if (leased) fcntl(fd, F_SETLEASE, F_UNLCK);
			spare_set(spare, open(tmp, O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
			if (spare->fd < 0) unlink(tmp);
			free(tmp);
			return fd;
		}
		/* no file to swap with yet, or a file system that cannot swap: rename */
	}
	/* Replacing a large file frees its blocks inside rename(), which then takes as long as
	 * writing it did — unless something still holds it.  The store holds the file it
	 * wrote last (and closes it in the background); a large file it does not hold is kept
	 * linked under another name across the rename and let go afterwards, off the path
	 * between a save and the new file. */
	static unsigned serial;
	old = mr_xasprintf("%s.old%u.tmp.%ld", path, serial++, (long)getpid());
	bool linked = mr_pieces_size(ps) > ((size_t)8 << 20) && !mr_pieces_keeps(ps, path) && link(path, old) == 0;
	if (rename(tmp, path) < 0) {
		if (linked) unlink(old);
		goto err;
	}
	if (leased) fcntl(fd, F_SETLEASE, F_UNLCK);
	if (linked) mr_in_background(unlink_thread, old);
	else free(old);
	free(tmp);
	return fd;
err: {
	int saved = errno;
	if (fd >= 0) close(fd); /* the lease goes with it */
	unlink(tmp);
	free(tmp);
	free(old);
	errno = saved;
	return -1;
}
}

/* ---------------------------------------------------------------- the state */

/* What the last sync wrote about one module. */
typedef struct smod {
	char *id;
	mr_piece text;          /* its element of "modules" (NONE until rendered) */
	mr_piece rows;          /* its rows of "relationships" */
	mr_piece list;          /* its entry in api/ai/modules.json */
	mr_piece health;        /* its entry in api/ai/health.json */
	mr_context_modinfo info;
	uint64_t digest[2];     /* the cross-module facts its entry was rendered with (hashed) */
	bool has_digest;
	char *health_key;       /* its health, when that depends on the clock; else NULL */
	uint64_t index_hash;    /* mr_context_index_hash when it was rendered */
	char *version, *sha256; /* from its entry (sha256: of its last valid manifest) */
	bool valid, stale;
	char *seen_sha;         /* the manifest the last sync saw, and whether it was valid: */
	bool seen_valid;        /* what the next sync's accounting compares with */
	json_t *json;           /* its parsed entry, abridged or whole (keep) */
	json_t *rows_json;      /* its parsed rows, an array (keep) */
} smod;

struct mr_sync_state {
	char *out_dir;
	mr_sync_keep keep;
	bool keep_spare;        /* mr_sync_state_keep_spare */
	mr_spare spare;         /* the context.json the last sync replaced (fd -1: none) */
	/* api/ai/modules.json and api/ai/health.json: like context.json, pieces (one per
	 * module) of the file the last sync wrote, and the file it replaced */
	mr_pieces *lps[2];
	mr_spare lspare[2];
	bool primed;            /* mods and the texts below are what the last sync wrote */
	bool full;              /* render everything and compare with the disk */
	bool analysis_changed, extras_changed;
	smod **mods;            /* sorted by id */
	size_t n;
	mr_pieces *ps;          /* where the texts of the entries and sections are */
	mr_piece registry, graph, diags; /* the index's pieces are its chunks' (icache) */
	char **changed;         /* ids whose entry changed in the last sync */
	size_t nchanged, capchanged;
	time_t last_now;
	prevfile *pf;           /* the previous context.json, read from out_dir, until the first sync */
	bool previous_loaded;
	json_t *json;           /* the last sync's document (keep) */
	json_t *jregistry, *jgraph, *jindex, *jdiags; /* its sections, parsed when they change */
	mr_buf scratch_text, scratch_rows, scratch_file;
	bool lists_changed[2];  /* an entry of modules.json, health.json changed in this sync */
	char **touched;         /* the ids of mr_sync_state_touch since the last sync (read
	                         * again: they are rendered again, as are their index parts) */
	size_t ntouched, captouched;
	mr_index_cache *icache; /* the index's tables, sorted and in chunks, kept from sync to sync */
};

static void smod_free(smod *m)
{
	if (!m) return;
	free(m->id);
	free(m->health_key);
	free(m->version);
	free(m->sha256);
	free(m->seen_sha);
	json_decref(m->json);
	json_decref(m->rows_json);
	free(m);
}

mr_sync_state *mr_sync_state_new(const char *out_dir, mr_sync_keep keep)
{
	mr_sync_state *s = mr_xcalloc(1, sizeof *s);
	s->out_dir = mr_xstrdup(out_dir);
	s->keep = keep;
	s->spare.fd = -1;
	s->ps = mr_pieces_new(out_dir);
	s->icache = mr_index_cache_new();
	for (int k = 0; k < 2; k++) {
		s->lspare[k].fd = -1;
		s->lps[k] = mr_pieces_new(out_dir);
	}
	return s;
}

void mr_sync_state_keep_spare(mr_sync_state *s)
{
	s->keep_spare = true;
}

static const char *const list_names[2] = {"api/ai/modules.json", "api/ai/health.json"};

static void drop_spare(mr_sync_state *s, mr_spare *sp, const char *name)
{
	if (sp->fd < 0) return;
	close(sp->fd);
	sp->fd = -1;
	char *path = mr_path_join(s->out_dir, name), *tmp = mr_temp_name(path);
	unlink(tmp);
	free(tmp);
	free(path);
}

static void clear_touched(mr_sync_state *s)
{
	for (size_t k = 0; k < s->ntouched; k++) free(s->touched[k]);
	s->ntouched = 0;
}

static void clear_changed(mr_sync_state *s)
{
	s->lists_changed[0] = s->lists_changed[1] = false;
	for (size_t i = 0; i < s->nchanged; i++) free(s->changed[i]);
	s->nchanged = 0;
}

void mr_sync_state_free(mr_sync_state *s)
{
	if (!s) return;
	drop_spare(s, &s->spare, "context.json");
	for (int k = 0; k < 2; k++) drop_spare(s, &s->lspare[k], list_names[k]);
	for (size_t i = 0; i < s->n; i++) smod_free(s->mods[i]);
	free(s->mods);
	clear_changed(s);
	free(s->changed);
	clear_touched(s);
	free(s->touched);
	mr_pieces_free(s->ps);
	mr_index_cache_free(s->icache);
	for (int k = 0; k < 2; k++) mr_pieces_free(s->lps[k]);
	mr_buf_release(&s->scratch_text);
	mr_buf_release(&s->scratch_rows);
	mr_buf_release(&s->scratch_file);
	prevfile_free(s->pf);
	json_decref(s->json);
	json_decref(s->jregistry);
	json_decref(s->jgraph);
	json_decref(s->jindex);
	json_decref(s->jdiags);
	free(s->out_dir);
	free(s);
}

static long find_smod(const mr_sync_state *s, const char *id)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->mods[mid]->id, id);
		if (c == 0) return (long)mid;
		if (c < 0) lo = mid + 1;
		else hi = mid;
	}
	return -1;
}

void mr_sync_state_touch(mr_sync_state *s, const char *id)
{
	MR_GROW(s->touched, s->captouched, s->ntouched + 1);
	s->touched[s->ntouched++] = mr_xstrdup(id);
}

/* Per module of reg, whether it was read again since the last sync (mr_sync_state_touch). */
static bool *reread_of(const mr_sync_state *s, const mr_registry *reg)
{
	bool *reread = mr_xcalloc(reg->n + 1, sizeof *reread);
	for (size_t k = 0; k < s->ntouched; k++) {
		long i = mr_registry_index(reg, s->touched[k]);
		if (i >= 0) reread[i] = true;
	}
	return reread;
}

/* Which modules' digests a sync after an analysis made from the last one must make (NULL:
 * all): those the analysis says may have changed, the modules read again, and their
 * targets (whose entries show a source's relationships). */
static bool *digests_wanted(const mr_registry *reg, const mr_analysis *an, const bool *reread)
{
	if (!an || !an->changed || an->n != reg->n) return NULL;
	bool *want = mr_xcalloc(reg->n + 1, sizeof *want);
	memcpy(want, an->changed, reg->n * sizeof *want);
	for (size_t i = 0; i < reg->n; i++) {
		if (!reread[i]) continue;
		want[i] = true;
		const mr_modinfo *info = &an->info[i];
		for (size_t r = 0; r < info->nrel; r++)
			if (info->target[r] >= 0) want[info->target[r]] = true;
	}
	return want;
}

void mr_sync_state_analysis_changed(mr_sync_state *s)
{
	s->analysis_changed = true;
}

void mr_sync_state_extras_changed(mr_sync_state *s)
{
	s->extras_changed = true;
}

void mr_sync_state_reset(mr_sync_state *s)
{
	s->full = true;
}

const char *const *mr_sync_state_changed(const mr_sync_state *s, size_t *n)
{
	*n = s->nchanged;
	return (const char *const *)s->changed;
}

json_t *mr_sync_state_json(mr_sync_state *s)
{
	return s->json;
}

static void note_changed(mr_sync_state *s, const char *id)
{
	MR_GROW(s->changed, s->capchanged, s->nchanged + 1);
	s->changed[s->nchanged++] = mr_xstrdup(id);
}

/* The cross-module facts module i's entry shows, as text: resolved targets and satisfied
 * ranges of its relationships, the relationships pointing at it (by their source's manifest
 * and satisfied flag), its cross-module diagnostics.  Equal text, equal entry. */
static void put_size(mr_buf *b, size_t v)
{
	char d[24];
	size_t n = 0;
	do d[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof d);
	while (n) mr_buf_putc(b, d[--n]);
}

/* prefix, then "file:line:col " */
static void put_place(mr_buf *b, const char *prefix, const char *file, unsigned line, unsigned col)
{
	mr_buf_puts(b, prefix);
	mr_buf_puts(b, file);
	mr_buf_putc(b, ':');
	put_size(b, line);
	mr_buf_putc(b, ':');
	put_size(b, col);
	mr_buf_putc(b, ' ');
}

/* 128 bits of n bytes: two 64-bit hashes of their words, of different constants.  Kept
 * instead of the digest text (hundreds of bytes per module); a collision would leave
 * one module's entry stale until the next full sync, at odds of 2^-128 per sync. */
static void hash128(const char *p, size_t n, uint64_t out[2])
{
	uint64_t a = 0x243f6a8885a308d3u ^ n, b = 0x13198a2e03707344u + n;
	size_t k = 0;
	for (; k + 8 <= n; k += 8) {
		uint64_t w;
		memcpy(&w, p + k, 8);
		a = (a ^ w) * 0x9e3779b97f4a7c15u;
		a ^= a >> 29;
		b = (b + w) * 0xff51afd7ed558ccdu;
		b ^= b >> 32;
	}
	uint64_t w = 0;
	if (k < n) memcpy(&w, p + k, n - k);
	a = (a ^ w) * 0x9e3779b97f4a7c15u;
	b = (b + w) * 0xc4ceb9fe1a85ec53u;
	a ^= a >> 31;
	b ^= b >> 33;
	out[0] = a * 0xbf58476d1ce4e5b9u;
	out[1] = b * 0x94d049bb133111ebu;
}

static void cross_digest(const mr_context_in *in, size_t i, mr_buf *b)
{
	const mr_registry *reg = in->reg;
	const mr_module *mod = reg->mods[i];
	mr_buf_reset(b);
	const mr_modinfo *info = in->an && i < in->an->n ? &in->an->info[i] : NULL;
	if (mod->m)
		for (size_t r = 0; r < mod->m->nrelations; r++) {
			bool resolved = info && info->target ? info->target[r] >= 0
			                                     : mr_registry_find(reg, mod->m->relations[r].target.s) != NULL;
			int sat = info && info->satisfied ? info->satisfied[r] : -1;
			mr_buf_putc(b, 'r');
			mr_buf_putc(b, resolved ? '1' : '0');
			mr_buf_putc(b, sat < 0 ? '-' : (char)('0' + sat));
		}
	if (!info) return;
	/* made for every module on every sync that changed a manifest: no printf here */
	for (size_t k = 0; k < info->nincoming; k++) {
		const mr_relref *ref = &info->incoming[k];
		const mr_module *src = reg->mods[ref->module];
		const mr_modinfo *si = &in->an->info[ref->module];
		int sat = si->satisfied ? si->satisfied[ref->rel] : -1;
		mr_buf_puts(b, "\ni");
		mr_buf_puts(b, src->id);
		mr_buf_putc(b, ' ');
		put_size(b, ref->rel);
		mr_buf_putc(b, ' ');
		mr_buf_puts(b, src->sha256);
		mr_buf_putc(b, src->valid ? '1' : '0');
		mr_buf_putc(b, sat < 0 ? '-' : (char)('0' + sat));
	}
	mr_buf_puts(b, "\ne");
	put_size(b, info->cross_errors);
	for (size_t k = 0; k < info->diags.len; k++) {
		const mr_diag *dg = &info->diags.items[k];
		put_place(b, "\nd", dg->file, dg->line, dg->col);
		mr_buf_puts(b, dg->code);
		mr_buf_puts(b, dg->external ? " 1 " : " 0 ");
		mr_buf_puts(b, dg->message);
		for (size_t q = 0; q < dg->nnotes; q++) {
			put_place(b, "\nn", dg->notes[q].file, dg->notes[q].line, dg->notes[q].col);
			mr_buf_puts(b, dg->notes[q].message);
		}
	}
}

typedef struct digest_job {
	const mr_context_in *in;
	const bool *want;
	size_t from, to;
	uint64_t (*out)[2];
} digest_job;

static void *digest_range(void *arg)
{
	digest_job *d = arg;
	mr_buf b = MR_BUF_INIT;
	for (size_t i = d->from; i < d->to; i++) {
		if (d->want && !d->want[i]) continue;
		cross_digest(d->in, i, &b);
		hash128(b.data ? b.data : "", b.len, d->out[i]);
	}
	mr_buf_release(&b);
	return NULL;
}

/* The modules' digests of cross-module facts, hashed, after each new analysis: of those
 * want says (NULL: of all, some 8 ms at 10,000 modules, so in two threads). */
static uint64_t (*digest_all(const mr_context_in *in, const bool *want))[2]
{
	size_t n = in->reg->n;
	uint64_t (*out)[2] = mr_xcalloc(n + 1, sizeof *out);
	digest_job a = {in, want, 0, n / 2, out}, b = {in, want, n / 2, n, out};
	pthread_t t;
	bool threaded = n >= 64 && pthread_create(&t, NULL, digest_range, &b) == 0;
	digest_range(&a);
	if (threaded) pthread_join(t, NULL);
	else digest_range(&b);
	return out;
}

/* Health that depends on the clock (statistics with a collection time), as text; NULL otherwise. */
static char *health_key(const mr_context_in *in, size_t i)
{
	const mr_module *mod = in->reg->mods[i];
	if (!mod->stats.json || isnan(mod->stats.collected_at)) return NULL;
	mr_health_report h;
	mr_context_health(in, i, &h);
	mr_buf b = MR_BUF_INIT;
	mr_buf_printf(&b, "%d", (int)h.status);
	for (size_t k = 0; k < h.n; k++) mr_buf_printf(&b, "\n%s", h.reasons[k]);
	mr_health_report_release(&h);
	return mr_buf_detach(&b);
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static char *dup_or_null(const char *s)
{
	return s ? mr_xstrdup(s) : NULL;
}

/* spool lanes: sections, module entries, relationship rows */
enum { LANE_SECTIONS = 0, LANE_ENTRIES = 1, LANE_ROWS = 2 };

/* Does the piece hold the text of b?  (An empty text is no piece.) */
static bool piece_is(mr_sync_state *s, const mr_piece *p, const mr_buf *b)
{
	if (!b->len) return p->where == MR_PIECE_NONE || !p->len;
	return mr_pieces_equal(s->ps, p, b->data, b->len);
}

/* Make the piece hold the text of b, in the spool lane for its kind.  A list item (entry,
 * rows) is followed by the list's separator, so that a run of them rendered in order (a
 * first sync renders them all) is copied into context.json in one piece. */
static int piece_set(mr_sync_state *s, mr_piece *p, const mr_buf *b, int lane, char **err)
{
	if (!b->len) {
		*p = (mr_piece){0, 0, 0, 0, MR_PIECE_NONE, 0};
		return 0;
	}
	if (mr_pieces_put_lane(s->ps, lane, p, b->data, b->len) < 0 ||
	    (lane != LANE_SECTIONS &&
	     mr_pieces_put_text(s->ps, lane, MR_CONTEXT_LIST_SEP, sizeof MR_CONTEXT_LIST_SEP - 1) < 0)) {
		*err = mr_xasprintf("cannot write a temporary file in %s: %s", s->out_dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* What the pages about other modules and about the whole registry read of a module's
 * entry (mr_sync_state_json); a module's own pages read all of it, from the file
 * (mr_sync_state_entry).  Most of an entry (routes, configuration, capabilities,
 * entities, the details of its relationships and events) is on its own page only: kept
 * parsed for every module, it was most of the watcher's memory. */
static const char *const brief_keys[] = {"id",      "name",  "description", "type",   "version", "status", "valid",
                                         "stale",   "health", "owner",      "tags",   "created", "docs",   NULL};
/* of a relationship, a row of "relationships" and an event published */
static const char *const brief_out[] = {"target", "type", "description", NULL};
static const char *const brief_in[] = {"source", "type", "description", NULL};
static const char *const brief_row[] = {"source", "target", "type", "description", NULL};
static const char *const brief_pub[] = {"name", NULL};

/* an object of o's members named in keys (the values shared) */
static json_t *pick(json_t *o, const char *const *keys)
{
	json_t *b = json_object();
	for (const char *const *k = keys; *k; k++) {
		json_t *v = json_object_get(o, *k);
		if (v) json_object_set(b, *k, v);
	}
	return b;
}

/* an array of pick() of each element of a */
static json_t *pick_each(json_t *a, const char *const *keys)
{
	json_t *b = json_array();
	size_t k;
	json_t *x;
	json_array_foreach(a, k, x) json_array_append_new(b, pick(x, keys));
	return b;
}

static json_t *brief_entry(json_t *m)
{
	json_t *b = pick(m, brief_keys);
	json_t *rels = json_object_get(m, "relationships"), *ev = json_object_get(m, "events"), *ai = json_object_get(m, "ai");
	if (rels) {
		json_t *r = json_object();
		json_object_set_new(r, "outgoing", pick_each(json_object_get(rels, "outgoing"), brief_out));
		json_object_set_new(r, "incoming", pick_each(json_object_get(rels, "incoming"), brief_in));
		json_object_set_new(b, "relationships", r);
	}
	if (ev) {
		json_t *e = json_object();
		json_object_set_new(e, "publishes", pick_each(json_object_get(ev, "publishes"), brief_pub));
		json_t *subs = json_object_get(ev, "subscribes");
		if (subs) json_object_set(e, "subscribes", subs);
		json_object_set_new(b, "events", e);
	}
	/* of its AI context, the keywords (the index page searches them) */
	if (ai) {
		json_t *a = json_object();
		json_t *kw = json_object_get(ai, "keywords");
		if (kw) json_object_set(a, "keywords", kw);
		json_object_set_new(b, "ai", a);
	}
	return b;
}

json_t *mr_sync_state_entry(mr_sync_state *s, const char *id)
{
	long k = find_smod(s, id);
	if (k < 0 || s->mods[k]->text.where == MR_PIECE_NONE) return NULL;
	mr_buf b = MR_BUF_INIT;
	json_t *m = mr_pieces_read(s->ps, &s->mods[k]->text, &b) == 0 ? json_loadb(b.data, b.len, 0, NULL) : NULL;
	mr_buf_release(&b);
	return m;
}

/* Render module i into sm.  Returns 1 when its entry changed, 0 when not, -1 on a write error. */
static int render_module(mr_sync_state *s, const mr_context_in *in, size_t i, smod *sm, bool fresh, const char *moddir,
                         writer *wr, bool *rows_changed, mr_sync_result *res, char **err)
{
	const mr_module *mod = in->reg->mods[i];
	json_t *prev = NULL;
	bool own_prev = false;
	if (!mod->valid) {
		/* last known good: the entry as the last sync wrote it */
		if (fresh) {
			prev = prevfile_entry(s->pf, mod->id);
			own_prev = true;
		} else if (sm->text.where != MR_PIECE_NONE) {
			mr_buf_reset(&s->scratch_file);
			if (mr_pieces_read(s->ps, &sm->text, &s->scratch_file) == 0)
				prev = json_loadb(s->scratch_file.data, s->scratch_file.len, 0, NULL);
			own_prev = true;
		}
	}
	mr_buf *tb = &s->scratch_text, *rb = &s->scratch_rows;
	mr_buf_reset(tb);
	mr_buf_reset(rb);
	mr_context_module_piece(in, i, prev, tb, rb, &sm->info);
	if (own_prev) json_decref(prev);
	res->rendered++;
	if (!piece_is(s, &sm->rows, rb)) {
		if (piece_set(s, &sm->rows, rb, LANE_ROWS, err) < 0) return -1;
		*rows_changed = true;
		if (s->keep) {
			json_decref(sm->rows_json);
			mr_buf_reset(&s->scratch_file);
			mr_buf_putc(&s->scratch_file, '[');
			if (rb->len) mr_buf_add(&s->scratch_file, rb->data, rb->len);
			mr_buf_putc(&s->scratch_file, ']');
			json_t *rows = json_loadb(s->scratch_file.data, s->scratch_file.len, 0, NULL);
			if (s->keep == MR_KEEP_WHOLE) sm->rows_json = rows;
			else {
				sm->rows_json = pick_each(rows, brief_row);
				json_decref(rows);
			}
		}
	}
	bool changed = !piece_is(s, &sm->text, tb);
	if (!changed && !s->full && !fresh) return 0;
	if (changed && piece_set(s, &sm->text, tb, LANE_ENTRIES, err) < 0) return -1;
	json_error_t je;
	json_t *m = json_loadb(tb->data, tb->len, 0, &je);
	if (!m) {
		*err = mr_xasprintf("internal error: the entry of %s does not parse: %s", mod->id, je.text);
		return -1;
	}
	prevsum ps = prevsum_of(m);
	free(sm->version);
	free(sm->sha256);
	sm->version = dup_or_null(ps.version);
	sm->sha256 = dup_or_null(ps.sha256);
	sm->valid = ps.valid;
	sm->stale = ps.stale;
	mr_piece *lp[2] = {&sm->list, &sm->health};
	for (int k = 0; k < 2; k++) {
		mr_buf *b = &s->scratch_file;
		mr_buf_reset(b);
		(k ? health_entry : list_entry)(m, b);
		if (mr_pieces_equal(s->lps[k], lp[k], b->data, b->len)) continue;
		changed = true;
		s->lists_changed[k] = true;
		if (mr_pieces_put(s->lps[k], lp[k], b->data, b->len) < 0 ||
		    mr_pieces_put_text(s->lps[k], 0, MR_CONTEXT_LIST_SEP, sizeof MR_CONTEXT_LIST_SEP - 1) < 0) {
			*err = mr_xasprintf("cannot write a temporary file in %s: %s", s->out_dir, strerror(errno));
			json_decref(m);
			return -1;
		}
	}
	int rc = write_module_api(wr, moddir, m, tb->data, tb->len, &s->scratch_file, res, err);
	json_decref(sm->json);
	sm->json = s->keep == MR_KEEP_WHOLE ? json_incref(m) : s->keep ? brief_entry(m) : NULL;
	json_decref(m);
	return rc < 0 ? -1 : changed;
}

/* The planned file name (in the output directory) written, when changed says it differs
 * from the last one — or, after a full render, when it differs from the file there — and
 * kept as the home of its pieces.  Returns 1 written, 0 not, -1 with *err. */
static int put_planned(mr_sync_state *s, mr_pieces *ps, mr_spare *spare, const char *name, bool full, bool changed,
                       char **err)
{
	char *path = mr_path_join(s->out_dir, name);
	int fd = full ? same_file(ps, path) : -1;
	bool write = full ? fd < 0 : changed;
	if (write) fd = write_plan_atomic(ps, path, s->keep_spare ? spare : NULL);
	if (write && fd < 0) {
		*err = mr_xasprintf("cannot write %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (fd >= 0) mr_pieces_commit(ps, fd);
	/* a watcher's first sync also makes the spare the next one writes over: a copy, so that
	 * the first save after start-up does not write a new file either (nor much of this one) */
	if (fd >= 0 && s->keep_spare && spare->fd < 0 && full) spare_set(spare, make_spare(ps, path));
	free(path);
	return write;
}

/* a section's parsed value (null until there is one) */
static json_t *section(json_t *cache)
{
	return cache ? json_incref(cache) : json_null();
}

static void build_json(mr_sync_state *s)
{
	json_decref(s->json);
	s->json = NULL;
	json_t *doc = json_object(), *mods = json_array(), *rels = json_array();
	json_object_set_new(doc, "schemaVersion", json_string(MR_SCHEMA_VERSION));
	json_t *gen = json_object();
	json_object_set_new(gen, "name", json_string("modreg"));
	json_object_set_new(gen, "version", json_string(MR_VERSION));
	json_object_set_new(doc, "generator", gen);
	json_object_set_new(doc, "registry", section(s->jregistry));
	for (size_t i = 0; i < s->n; i++) {
		if (s->mods[i]->json) json_array_append(mods, s->mods[i]->json);
		if (s->mods[i]->rows_json) json_array_extend(rels, s->mods[i]->rows_json);
	}
	json_object_set_new(doc, "modules", mods);
	json_object_set_new(doc, "relationships", rels);
	json_object_set_new(doc, "graph", section(s->jgraph));
	json_object_set_new(doc, "index", section(s->jindex));
	json_object_set_new(doc, "diagnostics", section(s->jdiags));
	s->json = doc;
}

/* A section rendered into b: kept as *p when it differs from it (1 then, 0 when not, -1
 * when it cannot be kept); with a kept document, also parsed into *cache. */
static int store_section(mr_sync_state *s, mr_piece *p, json_t **cache, const mr_buf *b, char **err)
{
	bool same = piece_is(s, p, b);
	if (!same && piece_set(s, p, b, LANE_SECTIONS, err) < 0) return -1;
	if (s->keep && (!same || !*cache)) {
		json_decref(*cache);
		*cache = json_loadb(b->len ? b->data : "null", b->len ? b->len : 4, 0, NULL);
	}
	return !same;
}

/* Render a section with render(in) and store it. */
static int update_section(mr_sync_state *s, mr_piece *p, json_t **cache, const mr_context_in *in,
                          void (*render)(const mr_context_in *, mr_buf *), char **err)
{
	mr_buf_reset(&s->scratch_file);
	render(in, &s->scratch_file);
	return store_section(s, p, cache, &s->scratch_file, err);
}

/* Start again from what the disk holds, as a first sync does. */
static void forget(mr_sync_state *s)
{
	for (size_t k = 0; k < s->n; k++) smod_free(s->mods[k]);
	free(s->mods);
	s->mods = NULL;
	s->n = 0;
	s->primed = s->full = false;
	s->registry = s->graph = s->diags = (mr_piece){0, 0, 0, 0, MR_PIECE_NONE, 0};
	/* what the spool files hold is of no use any more: a sync that keeps failing must not
	 * make them grow */
	mr_pieces_forget_spool(s->ps);
	mr_index_cache_forget(s->icache);
	for (int k = 0; k < 2; k++) mr_pieces_forget_spool(s->lps[k]);
	prevfile_free(s->pf);
	s->pf = NULL;
	s->previous_loaded = false;
}

/* The index section: the chunks of its tables that changed (at start-up, or after modules
 * came or went, all of them), rendered again and kept as pieces when their text differs.
 * reshaped: chunks came or went.  1 when the section changed, 0 when not, -1 when it
 * cannot be kept. */
static int update_index(mr_sync_state *s, const mr_context_in *in, bool reshaped, char **err)
{
	bool changed = reshaped, events = reshaped;
	mr_buf *b = &s->scratch_file;
	mr_index_chunk *ch;
	size_t n;
	for (size_t t = 0; (n = mr_index_cache_chunks(s->icache, t, &ch)) > 0; t++)
		for (size_t k = 0; k < n; k++) {
			if (!ch[k].dirty) continue;
			mr_buf_reset(b);
			mr_index_cache_chunk_text(in, s->icache, t, k, b);
			ch[k].dirty = false;
			if (piece_is(s, &ch[k].piece, b)) continue;
			if (piece_set(s, &ch[k].piece, b, LANE_SECTIONS, err) < 0) return -1;
			changed = true;
			events |= t == MR_INDEX_EVENTS;
		}
	if (s->keep && (events || !s->jindex)) {
		/* of the index, the pages read the events table (who publishes what) */
		mr_buf_reset(b);
		mr_index_cache_table_text(in, s->icache, MR_INDEX_EVENTS, b);
		json_decref(s->jindex);
		s->jindex = json_object();
		json_object_set_new(s->jindex, "events", json_loadb(b->data, b->len, 0, NULL));
	}
	return changed;
}

int mr_sync_run(mr_sync_state *s, const mr_registry *reg, const mr_analysis *an, const mr_sync_opts *opts,
                mr_sync_result *res, char **err)
{
	int rc = -1;
	*err = NULL;
	char *apidir = mr_path_join(s->out_dir, "api/ai");
	char *moddir = mr_path_join(s->out_dir, "api/ai/modules");
	smod **nv = NULL;
	prevsum *prev = NULL;
	uint64_t (*digests)[2] = NULL;
	bool *want = NULL, *reread = NULL;
	unsigned char *iredo = NULL; /* per module read again: MR_INDEX_SAME or _NEW */
	long *remap = NULL;          /* per module of the last sync: its index now, or -1 */
	writer *wr = NULL;
	/* the last context.json, where the unchanged pieces are, was changed by someone else */
	if (s->primed && (!mr_pieces_intact(s->ps) || !mr_pieces_intact(s->lps[0]) || !mr_pieces_intact(s->lps[1])))
		forget(s);
	bool fresh = !s->primed;
	if (mr_mkdirs(moddir, 0755) < 0) {
		*err = mr_xasprintf("cannot create %s: %s", moddir, strerror(errno));
		goto out;
	}
	if (fresh && !s->previous_loaded) {
		s->pf = prevfile_read(s->out_dir);
		s->previous_loaded = true;
	}
	if (fresh || s->full) {
		remove_stale_temps(s->out_dir, false);
		remove_stale_temps(apidir, false);
		remove_stale_temps(moddir, true);
	}
	clear_changed(s);

	/* what changed since the last output */
	size_t nprev = 0;
	if (fresh) {
		size_t np = s->pf ? s->pf->n : 0;
		prev = mr_xcalloc(np + 1, sizeof *prev);
		for (size_t k = 0; k < np; k++) prev[nprev++] = s->pf->sums[k];
	} else {
		/* what the last sync saw: a module that stays invalid with the same manifest is unchanged */
		prev = mr_xcalloc(s->n + 1, sizeof *prev);
		for (size_t k = 0; k < s->n; k++)
			prev[nprev++] = (prevsum){s->mods[k]->id, s->mods[k]->version, s->mods[k]->seen_sha, s->mods[k]->seen_valid,
			                          false};
	}
	account(reg, prev, nprev, res);

	/* match the registry with what was written: both are sorted by id */
	mr_context_in in = {reg, an, NULL, opts->now};
	bool cross = fresh || s->full || s->analysis_changed || res->nchanges > 0;
	bool clock = s->last_now != opts->now;
	/* the analysis was made from the one of the last sync (the watcher's way): the modules
	 * it says did not change, and that no change read again, keep their digests */
	reread = reread_of(s, reg);
	want = cross && !fresh && !s->full && s->analysis_changed ? digests_wanted(reg, an, reread) : NULL;
	if (cross) digests = digest_all(&in, want);
	bool set_changed = false, rows_changed = false, any_changed = false;
	nv = mr_xcalloc(reg->n + 1, sizeof *nv);
	iredo = mr_xcalloc(reg->n + 1, sizeof *iredo);
	/* where each module of the last sync is now (-1: gone), for the index's tables */
	remap = mr_xcalloc(s->n + 1, sizeof *remap);
	for (size_t k = 0; k < s->n; k++) remap[k] = -1;
	size_t j = 0;
	for (size_t i = 0; i < reg->n; i++) {
		const char *id = reg->mods[i]->id;
		while (j < s->n && strcmp(s->mods[j]->id, id) < 0) {
			/* gone from the registry */
			remove_module_api(moddir, s->mods[j]->id);
			note_changed(s, s->mods[j]->id);
			smod_free(s->mods[j]);
			s->mods[j++] = NULL;
			set_changed = true;
		}
		smod *sm;
		bool is_new = false;
		if (j < s->n && !strcmp(s->mods[j]->id, id)) {
			sm = s->mods[j];
			remap[j] = (long)i;
			s->mods[j++] = NULL;
		} else {
			sm = mr_xcalloc(1, sizeof *sm);
			sm->id = mr_xstrdup(id);
			is_new = set_changed = true;
		}
		nv[i] = sm;
		if (!str_eq(sm->seen_sha, reg->mods[i]->sha256)) {
			free(sm->seen_sha);
			sm->seen_sha = mr_xstrdup(reg->mods[i]->sha256);
		}
		sm->seen_valid = reg->mods[i]->valid;
		bool render = fresh || s->full || is_new || reread[i];
		if (cross && (!want || want[i])) {
			const uint64_t *h = digests[i];
			if (!sm->has_digest || h[0] != sm->digest[0] || h[1] != sm->digest[1]) {
				sm->digest[0] = h[0];
				sm->digest[1] = h[1];
				sm->has_digest = true;
				render = true;
			}
		}
		if (render || clock || sm->health_key) {
			char *hk = health_key(&in, i);
			if (!str_eq(hk, sm->health_key)) render = true;
			free(sm->health_key);
			sm->health_key = hk;
		}
		if (!render) continue;
		uint64_t ih = mr_context_index_hash(&in, i);
		if (reread[i] || is_new) iredo[i] = is_new || ih != sm->index_hash ? MR_INDEX_NEW : MR_INDEX_SAME;
		sm->index_hash = ih;
		if (!wr && (fresh || s->full) && reg->n >= WRITER_MIN_MODULES) wr = writer_start();
		int r = render_module(s, &in, i, sm, fresh, moddir, wr, &rows_changed, res, err);
		if (r < 0) goto fail;
		if (r > 0) {
			any_changed = true;
			note_changed(s, id);
		}
	}
	for (; j < s->n; j++) {
		remove_module_api(moddir, s->mods[j]->id);
		note_changed(s, s->mods[j]->id);
		smod_free(s->mods[j]);
		s->mods[j] = NULL;
		set_changed = true;
	}
	free(s->mods);
	s->mods = nv;
	s->n = reg->n;
	nv = NULL;
	/* a first (or full) sync renders every entry: how many differ from the file is what counts */
	res->entries_changed = s->nchanged;
	if (s->nchanged > 1) qsort(s->changed, s->nchanged, sizeof *s->changed, mr_strcmp_ptr);

	/* every api file of the entries is written before the context.json that lists them */
	int wrc = writer_finish(wr, res, err);
	wr = NULL;
	if (wrc < 0) goto fail;

	/* the index's tables, kept sorted and in chunks: the parts of the modules read again
	 * or added made anew (their pairs point into the manifests they replaced), those of
	 * the modules gone dropped */
	bool reshaped = false;
	if (fresh || s->full || !mr_index_cache_primed(s->icache))
		reshaped = mr_index_cache_update(&in, s->icache, NULL, NULL);
	else if (s->ntouched || set_changed)
		reshaped = mr_index_cache_update(&in, s->icache, iredo, set_changed ? remap : NULL);

	/* the other sections */
	bool sections = fresh || s->full;
	int r;
	if (cross) {
		if ((r = update_section(s, &s->graph, &s->jgraph, &in, mr_context_graph_text, err)) < 0) goto fail;
		sections |= r;
	}
	if ((r = update_index(s, &in, reshaped, err)) < 0) goto fail;
	sections |= r;
	if (fresh || s->full || any_changed || set_changed || s->extras_changed || cross) {
		if ((r = update_section(s, &s->diags, &s->jdiags, &in, mr_context_diagnostics_text, err)) < 0) goto fail;
		sections |= r;
	}
	mr_context_counts counts = {0};
	for (size_t i = 0; i < s->n; i++) mr_context_counts_add(&counts, &s->mods[i]->info);
	mr_context_counts_add_registry(&counts, reg);
	res->errors = counts.errors;
	res->warnings = counts.warnings;
	mr_buf_reset(&s->scratch_file);
	mr_context_registry_text(&counts, &s->scratch_file);
	if ((r = store_section(s, &s->registry, &s->jregistry, &s->scratch_file, err)) < 0) goto fail;
	sections |= r;
	/* the rendering buffers may have grown large (the index section): let them go */
	if (s->scratch_file.cap > ((size_t)1 << 20)) mr_buf_release(&s->scratch_file);

	/* context.json, from the pieces: a run of unchanged ones is copied from the last file */
	mr_text_ref *tref = mr_xcalloc(s->n + 1, sizeof *tref), *rref = mr_xcalloc(s->n + 1, sizeof *rref);
	for (size_t i = 0; i < s->n; i++) {
		tref[i] = (mr_text_ref){NULL, s->mods[i]->text.len, &s->mods[i]->text};
		rref[i] = (mr_text_ref){NULL, s->mods[i]->rows.len, &s->mods[i]->rows};
	}
	mr_text_ref *iref;
	size_t niref = mr_index_cache_refs(s->icache, &iref);
	mr_context_parts parts = {{NULL, s->registry.len, &s->registry}, tref, rref, s->n, {NULL, s->graph.len, &s->graph},
	                          iref, niref, {NULL, s->diags.len, &s->diags}};
	mr_pieces_begin(s->ps);
	mr_context_assemble(&parts, plan_emit, s->ps);
	free(tref);
	free(rref);
	free(iref);
	bool write = (r = put_planned(s, s->ps, &s->spare, "context.json", fresh || s->full,
	                              any_changed || set_changed || rows_changed || sections, err)) > 0;
	if (r < 0) goto fail;
	res->context_changed = write;
	if (write) res->files_written++;
	if ((fresh || s->full) && !write) res->entries_changed = 0;

	/* the lists of api/ai/ */
	if (fresh || s->full || any_changed || set_changed) {
		mr_piece **pe = mr_xcalloc(s->n + 1, sizeof *pe);
		for (int k = 0; k < 2; k++) {
			for (size_t i = 0; i < s->n; i++) pe[i] = k ? &s->mods[i]->health : &s->mods[i]->list;
			list_plan(s->lps[k], k == 0, pe, s->n);
			r = put_planned(s, s->lps[k], &s->lspare[k], list_names[k], fresh || s->full, set_changed || s->lists_changed[k],
			                err);
			if (r < 0) break;
			if (r > 0) res->files_written++;
		}
		free(pe);
		if (r < 0) goto fail;
	}
	if (fresh || s->full) prune_api(moddir, reg);
	if (s->keep) build_json(s);
	if (opts->write_status && mr_sync_write_status(s->out_dir, res, opts->reason, err) < 0) goto fail;

	s->primed = true;
	s->full = s->analysis_changed = s->extras_changed = false;
	s->last_now = opts->now;
	prevfile_free(s->pf);
	s->pf = NULL;
	rc = 0;
	goto out;
fail:
	writer_finish(wr, res, err);
	wr = NULL;
	/* What was written is uncertain: start again from what the disk holds, as a first
	 * sync does, so that the next sync renders everything and reports every change that
	 * this one could not write down. */
	if (nv)
		for (size_t i = 0; i < reg->n; i++) smod_free(nv[i]);
	free(nv);
	nv = NULL;
	forget(s);
out:
	free(prev);
	free(digests);
	free(want);
	free(reread);
	free(iredo);
	free(remap);
	clear_touched(s);
	free(apidir);
	free(moddir);
	return rc;
}

static void iso_time(time_t t, char out[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *change_name(mr_change_kind k)
{
	static const char *const n[] = {"added", "updated", "removed", "invalid"};
	return n[k];
}
static void status_json(const mr_sync_result *res, const char *reason, const char *now, mr_buf *b)
{
	mr_jw w;
	mr_jw_init(&w, b, 0, true);
	mr_jw_obj(&w);
	mr_jw_kstr(&w, "time", now);
	mr_jw_key(&w, "durationMs");
	mr_jw_num(&w, (double)(long long)(res->duration_ms * 1000) / 1000.0);
	mr_jw_kstr(&w, "reason", reason ? reason : "sync");
	mr_jw_kint(&w, "added", (long long)res->added);
	mr_jw_kint(&w, "updated", (long long)res->updated);
	mr_jw_kint(&w, "removed", (long long)res->removed);
	mr_jw_kint(&w, "unchanged", (long long)res->unchanged);
	mr_jw_kint(&w, "invalid", (long long)res->invalid);
	mr_jw_kint(&w, "errors", (long long)res->errors);
	mr_jw_kint(&w, "warnings", (long long)res->warnings);
	mr_jw_key(&w, "changes");
	mr_jw_arr(&w);
	for (size_t i = 0; i < res->nchanges; i++) {
		const mr_change *c = &res->changes[i];
		mr_jw_obj(&w);
		mr_jw_kstr(&w, "id", c->id);
		mr_jw_kstr(&w, "action", change_name(c->kind));
		mr_jw_kstr(&w, "oldVersion", c->old_version);
		mr_jw_kstr(&w, "newVersion", c->new_version);
		mr_jw_end(&w);
	}
	mr_jw_end(&w);
	mr_jw_key(&w, "modulesWithoutAiContext");
	mr_jw_arr(&w);
	for (size_t i = 0; i < res->nno_ai; i++) mr_jw_str(&w, res->no_ai[i]);
	mr_jw_end(&w);
	mr_jw_key(&w, "events");
	mr_jw_arr(&w);
	for (size_t i = 0; i < res->events.len; i++) mr_context_diag(&w, &res->events.items[i], NULL);
	mr_jw_end(&w);
	mr_jw_end(&w);
	mr_buf_putc(b, '\n');
}

char *mr_sync_status_json(const mr_sync_result *res, const char *reason)
{
	char now[32];
	iso_time(time(NULL), now);
	mr_buf b = MR_BUF_INIT;
	status_json(res, reason, now, &b);
	return mr_buf_detach(&b);
}

int mr_sync_write_status(const char *out_dir, const mr_sync_result *res, const char *reason, char **err)
{
	char now[32];
	iso_time(time(NULL), now);
	mr_buf b = MR_BUF_INIT;
	mr_jw w;
	status_json(res, reason, now, &b);
	char *path = mr_path_join(out_dir, "status.json");
	int rc = mr_write_file_atomic(path, mr_buf_str(&b), b.len, NULL);
	if (rc < 0) *err = mr_xasprintf("cannot write %s: %s", path, strerror(errno));
	free(path);
	if (rc == 0 && res->nchanges) {
		/* the audit log: appended with O_APPEND, one whole line per write */
		mr_buf_reset(&b);
		for (size_t i = 0; i < res->nchanges; i++) {
			const mr_change *c = &res->changes[i];
			mr_jw_init(&w, &b, 0, false);
			mr_jw_obj(&w);
			mr_jw_kstr(&w, "time", now);
			mr_jw_kstr(&w, "id", c->id);
			mr_jw_kstr(&w, "action", change_name(c->kind));
			mr_jw_kstr(&w, "oldVersion", c->old_version);
			mr_jw_kstr(&w, "newVersion", c->new_version);
			mr_jw_kstr(&w, "sha256", c->sha256);
			mr_jw_end(&w);
			mr_buf_putc(&b, '\n');
		}
		path = mr_path_join(out_dir, "sync.log");
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len) {
			*err = mr_xasprintf("cannot append to %s: %s", path, strerror(errno));
			rc = -1;
		}
		if (fd >= 0) close(fd);
		free(path);
	}
	mr_buf_release(&b);
	return rc;
}
