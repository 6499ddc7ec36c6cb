/* sync.c — write the index outputs of one sync and account for what changed. */
#include "sync.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

json_t *mr_sync_load_previous(const char *out_dir)
{
	char *path = mr_path_join(out_dir, "context.json");
	char *data = NULL;
	size_t len = 0;
	json_t *js = NULL;
	if (mr_read_file(path, (size_t)1 << 32, &data, &len) == 0) {
		json_error_t e;
		js = json_loadb(data, len, 0, &e);
		if (js && !json_is_object(js)) {
			json_decref(js);
			js = NULL;
		}
	}
	free(data);
	free(path);
	return js;
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

static const char *prev_sha(json_t *pm)
{
	return jstr(json_object_get(pm, "source"), "sha256");
}

/* compare with the previous context: added / updated / removed / unchanged / invalid */
static void account(const mr_registry *reg, json_t *previous, mr_sync_result *res)
{
	for (size_t i = 0; i < reg->n; i++) {
		const mr_module *mod = reg->mods[i];
		json_t *pm = mr_context_prev_module(previous, mod->id);
		const char *newv = mod->valid ? mod->m->version.s : NULL;
		if (!mod->valid) res->invalid++;
		if (!pm) {
			res->added++;
			add_change(res, mod->id, mod->valid ? MR_CHANGE_ADDED : MR_CHANGE_INVALID, NULL, newv, mod->sha256);
			continue;
		}
		const char *psha = prev_sha(pm);
		bool was_valid = json_is_true(json_object_get(pm, "valid"));
		bool was_stale = json_is_true(json_object_get(pm, "stale"));
		/* a stale entry's source is its last valid version: compare validity too */
		bool same = psha && !strcmp(psha, mod->sha256) && was_valid == mod->valid;
		if (!psha && !was_valid && !mod->valid && !was_stale) same = false;
		if (same) {
			res->unchanged++;
			continue;
		}
		res->updated++;
		const char *oldv = jstr(pm, "version");
		add_change(res, mod->id, mod->valid ? MR_CHANGE_UPDATED : MR_CHANGE_INVALID, oldv, newv, mod->sha256);
		if (mod->valid && was_valid && oldv && newv && !strcmp(oldv, newv))
			mr_diag_add(&res->events, mod->file, mod->m->version.pos.line, mod->m->version.pos.col, "version-not-bumped",
			            mod->id, "%s changed but its version is still %s", mod->id, newv);
	}
	json_t *mods = json_object_get(previous, "modules");
	size_t k;
	json_t *pm;
	json_array_foreach(mods, k, pm)
	{
		const char *id = jstr(pm, "id");
		if (!id || mr_registry_find(reg, id)) continue;
		res->removed++;
		add_change(res, id, MR_CHANGE_REMOVED, jstr(pm, "version"), NULL, NULL);
	}
	for (size_t i = 0; i < reg->n; i++)
		if (reg->mods[i]->valid && !reg->mods[i]->m->ai_purpose.s) {
			res->no_ai = mr_xreallocarray(res->no_ai, res->nno_ai + 1, sizeof *res->no_ai);
			res->no_ai[res->nno_ai++] = mr_xstrdup(reg->mods[i]->id);
		}
}

static int write_out(const char *dir, const char *name, const mr_buf *b, mr_sync_result *res, char **err)
{
	char *path = mr_path_join(dir, name);
	bool changed = false;
	int rc = mr_write_file_atomic(path, mr_buf_str(b), b->len, &changed);
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
				const char *subs[] = {"capabilities.json", "relationships.json", "statistics.json"};
				for (int k = 0; k < 3; k++) {
					char *q = mr_path_join(p, subs[k]);
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

static int write_api(const mr_registry *reg, json_t *ctx, const char *out_dir, mr_sync_result *res, char **err)
{
	char *apidir = mr_path_join(out_dir, "api/ai");
	char *moddir = mr_path_join(out_dir, "api/ai/modules");
	int rc = -1;
	mr_buf b = MR_BUF_INIT;
	if (mr_mkdirs(moddir, 0755) < 0) {
		*err = mr_xasprintf("cannot create %s: %s", moddir, strerror(errno));
		goto out;
	}
	json_t *mods = json_object_get(ctx, "modules");
	mr_jw w;
	/* the list */
	mr_jw_init(&w, &b, 0, true);
	mr_jw_obj(&w);
	mr_jw_kstr(&w, "schemaVersion", MR_SCHEMA_VERSION);
	mr_jw_key(&w, "modules");
	mr_jw_arr(&w);
	size_t i;
	json_t *m;
	json_array_foreach(mods, i, m)
	{
		mr_jw_obj(&w);
		const char *keys[] = {"id", "name", "description", "type", "version", "status", "valid", "stale"};
		for (int k = 0; k < 8; k++) {
			json_t *v = json_object_get(m, keys[k]);
			mr_jw_key(&w, keys[k]);
			if (v) mr_jw_json(&w, v);
			else mr_jw_null(&w);
		}
		mr_jw_kstr(&w, "health", jstr(json_object_get(m, "health"), "status"));
		char *url = mr_xasprintf("modules/%s.json", jstr(m, "id"));
		mr_jw_kstr(&w, "url", url);
		free(url);
		mr_jw_end(&w);
	}
	mr_jw_end(&w);
	mr_jw_end(&w);
	mr_buf_putc(&b, '\n');
	if (write_out(apidir, "modules.json", &b, res, err) < 0) goto out;
	/* health */
	mr_buf_reset(&b);
	mr_jw_init(&w, &b, 0, true);
	mr_jw_obj(&w);
	mr_jw_key(&w, "modules");
	mr_jw_arr(&w);
	json_array_foreach(mods, i, m)
	{
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
	mr_jw_end(&w);
	mr_jw_end(&w);
	mr_buf_putc(&b, '\n');
	if (write_out(apidir, "health.json", &b, res, err) < 0) goto out;
	/* one module and its parts */
	json_array_foreach(mods, i, m)
	{
		const char *id = jstr(m, "id");
		if (!id) continue;
		mr_buf_reset(&b);
		mr_jw_init(&w, &b, 0, true);
		mr_jw_json(&w, m);
		mr_buf_putc(&b, '\n');
		char *name = mr_xasprintf("%s.json", id);
		int r = write_out(moddir, name, &b, res, err);
		free(name);
		if (r < 0) goto out;
		char *sub = mr_path_join(moddir, id);
		if (mr_mkdirs(sub, 0755) < 0) {
			*err = mr_xasprintf("cannot create %s: %s", sub, strerror(errno));
			free(sub);
			goto out;
		}
		const char *parts[] = {"capabilities", "relationships", "statistics"};
		for (int k = 0; k < 3; k++) {
			emit_sub(m, parts[k], &b);
			char *pn = mr_xasprintf("%s.json", parts[k]);
			r = write_out(sub, pn, &b, res, err);
			free(pn);
			if (r < 0) {
				free(sub);
				goto out;
			}
		}
		free(sub);
	}
	prune_api(moddir, reg);
	rc = 0;
out:
	mr_buf_release(&b);
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

int mr_sync_write_status(const char *out_dir, const mr_sync_result *res, const char *reason, char **err)
{
	char now[32];
	iso_time(time(NULL), now);
	mr_buf b = MR_BUF_INIT;
	mr_jw w;
	mr_jw_init(&w, &b, 0, true);
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
	mr_buf_putc(&b, '\n');
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

int mr_sync_write(const mr_registry *reg, const mr_analysis *an, json_t *previous, const mr_sync_opts *opts,
                  mr_sync_result *res, char **err)
{
	mr_buf b = MR_BUF_INIT;
	int rc = -1;
	json_t *ctx = NULL;
	*err = NULL;
	if (mr_mkdirs(opts->out_dir, 0755) < 0) {
		*err = mr_xasprintf("cannot create %s: %s", opts->out_dir, strerror(errno));
		goto out;
	}
	mr_context_in in = {reg, an, previous, opts->now};
	mr_context_render(&in, &b);
	account(reg, previous, res);
	/* counts of the registry's diagnostics */
	json_error_t je;
	ctx = json_loadb(b.data, b.len, 0, &je);
	if (!ctx) {
		*err = mr_xasprintf("internal error: context.json does not parse: %s", je.text);
		goto out;
	}
	json_t *rg = json_object_get(ctx, "registry");
	res->errors = (size_t)json_integer_value(json_object_get(rg, "errors"));
	res->warnings = (size_t)json_integer_value(json_object_get(rg, "warnings"));
	char *path = mr_path_join(opts->out_dir, "context.json");
	bool changed = false;
	if (mr_write_file_atomic(path, b.data, b.len, &changed) < 0) {
		*err = mr_xasprintf("cannot write %s: %s", path, strerror(errno));
		free(path);
		goto out;
	}
	free(path);
	res->context_changed = changed;
	if (changed) res->files_written++;
	if (write_api(reg, ctx, opts->out_dir, res, err) < 0) goto out;
	if (opts->write_status && mr_sync_write_status(opts->out_dir, res, opts->reason, err) < 0) goto out;
	rc = 0;
out:
	json_decref(ctx);
	mr_buf_release(&b);
	return rc;
}
