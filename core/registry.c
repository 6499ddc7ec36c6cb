/* registry.c — find and load modules and their statistics files.
 * Files are opened only after lstat/stat say they are regular, and with
 * O_NONBLOCK, so a FIFO or device named module.yaml can never block a sync. */
#include "registry.h"

#include "check.h"

#include "sha256.h"
#include "similar.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const char *mr_health_name(mr_health h)
{
	static const char *const names[] = {"healthy", "warning", "error", "unknown"};
	return names[h];
}

/* Does path lead nowhere (a link to a missing file, or a loop)? */
static bool dangling(const char *path)
{
	char *rp = realpath(path, NULL);
	bool d = !rp && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP);
	free(rp);
	return d;
}

/* Is path (after resolving links) inside root (after resolving links)? */
static bool inside(const char *root, const char *path)
{
	char *rr = realpath(root, NULL), *rp = realpath(path, NULL);
	bool ok = false;
	if (rr && rp) {
		size_t n = strlen(rr);
		ok = strncmp(rr, rp, n) == 0 && (rp[n] == '/' || rp[n] == '\0');
	}
	free(rr);
	free(rp);
	return ok;
}

/* Is dir a directory (not a link) named directly under root?  Then it is inside root
 * without resolving either: the common case, checked with one lstat. */
static bool plain_child(const char *root, const char *dir)
{
	size_t n = strlen(root);
	if (strncmp(root, dir, n) != 0 || dir[n] != '/') return false;
	const char *name = dir + n + 1;
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) return false;
	struct stat st;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

mr_entry_kind mr_registry_classify(const char *root, const char *name)
{
	if (mr_name_ignored(name)) return MR_ENTRY_IGNORED;
	char *path = mr_path_join(root, name);
	struct stat st;
	mr_entry_kind k = MR_ENTRY_IGNORED;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		char *mf = mr_path_join(path, "module.yaml");
		struct stat ms;
		/* a directory we may not look into could hold one: let loading it say "permission
		 * denied" rather than call it "not a module" */
		bool has = lstat(mf, &ms) == 0 || errno == EACCES;
		free(mf);
		k = has && mr_id_valid(name) ? MR_ENTRY_MODULE : MR_ENTRY_NOT_MODULE;
	} else if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && mr_id_valid(name)) {
		/* a dangling or escaping link named like a module: report it as that module */
		k = MR_ENTRY_MODULE;
	}
	free(path);
	return k;
}

static void list_docs(mr_module *mod)
{
	char *docs = mr_path_join(mod->dir, "docs");
	DIR *d = opendir(docs);
	size_t cap = 0;
	if (!d) {
		free(docs);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (mr_name_ignored(e->d_name) || !mr_str_has_suffix(e->d_name, ".md")) continue;
		char *p = mr_path_join(docs, e->d_name);
		struct stat st;
		bool ok = lstat(p, &st) == 0 && (S_ISREG(st.st_mode) || (S_ISLNK(st.st_mode) && inside(mod->dir, p) &&
		                                                        stat(p, &st) == 0 && S_ISREG(st.st_mode)));
		free(p);
		if (!ok) continue;
		MR_GROW(mod->docs, cap, mod->ndocs + 1);
		mod->docs[mod->ndocs++] = mr_xstrdup(e->d_name);
	}
	closedir(d);
	free(docs);
	if (mod->ndocs > 1) qsort(mod->docs, mod->ndocs, sizeof *mod->docs, mr_strcmp_ptr);
}

static void add(mr_module *mod, unsigned line, const char *code, const char *fmt, const char *arg)
{
	mr_diag_add(&mod->diags, mod->file, line, line ? 1 : 0, code, mod->id, fmt, arg);
}

static mr_module *load_module(const char *root, const char *dir, const char *id, const char *file,
                              const char *manifest_name)
{
	mr_module *mod = mr_xcalloc(1, sizeof *mod);
	char *mpath = NULL, *data = NULL;
	size_t len = 0;
	struct stat st;
	mod->id = mr_xstrdup(id);
	mod->dir = mr_xstrdup(dir);
	mod->file = mr_xstrdup(file);
	mr_diags_init(&mod->diags);
	mr_diags_init(&mod->stats_diags);
	mod->stats.collected_at = NAN;
	mod->stats.avg_response_ms = NAN;
	mod->stats.requests = mod->stats.errors = -1;

	if (strcmp(root, dir) != 0 && !plain_child(root, dir) && !inside(root, dir)) {
		add(mod, 0, "bad-file-ref", "%s",
		    dangling(mod->dir) ? "the module directory is a link that leads nowhere (a dangling or looping link)"
		                       : "the module directory is a link that leads out of the registry");
		goto out;
	}
	mpath = mr_path_join(mod->dir, manifest_name);
	if (lstat(mpath, &st) < 0) {
		add(mod, 0, "bad-file-ref", errno == ENOENT || errno == ENOTDIR ? "module.yaml cannot be found: %s"
		                                                                 : "module.yaml cannot be read: %s",
		    strerror(errno));
		goto out;
	}
	if (S_ISLNK(st.st_mode) && !inside(root, mpath)) {
		add(mod, 0, "bad-file-ref", "%s",
		    dangling(mpath) ? "module.yaml is a link that leads nowhere (a dangling or looping link)"
		                    : "module.yaml is a link that leads out of the registry");
		goto out;
	}
	if (stat(mpath, &st) < 0) {
		add(mod, 0, "bad-file-ref", "module.yaml cannot be read: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		add(mod, 0, "bad-file-ref", "module.yaml is not a regular file (it is a %s)",
		    S_ISDIR(st.st_mode) ? "directory" : S_ISFIFO(st.st_mode) ? "FIFO" : S_ISSOCK(st.st_mode) ? "socket" : "device");
		goto out;
	}
	if (mr_read_file(mpath, MR_MANIFEST_MAX_BYTES, &data, &len) < 0) {
		if (errno == EFBIG)
			mr_diag_add(&mod->diags, mod->file, 0, 0, "too-large", mod->id,
			            "module.yaml is %lld bytes; a manifest is at most %d bytes", (long long)st.st_size,
			            MR_MANIFEST_MAX_BYTES);
		else
			add(mod, 0, "bad-file-ref", "module.yaml cannot be read: %s", strerror(errno));
		goto out;
	}
	mr_sha256_hex(data, len, mod->sha256);
	mod->m = mr_manifest_load(data, len, mod->dir, id, mod->file, &mod->diags);
	mod->valid = mod->m && mod->m->errors == 0 && mr_diags_count(&mod->diags, MR_ERROR) == 0;
	/* computed here, once per load (and in parallel on a cold start), not on every analysis */
	if (mod->valid) mod->profile = mr_simprofile_from_manifest(mod->m);

	char *readme = mr_path_join(mod->dir, "README.md");
	mod->has_readme = lstat(readme, &st) == 0 &&
	                  (S_ISREG(st.st_mode) || (S_ISLNK(st.st_mode) && inside(mod->dir, readme) &&
	                                           stat(readme, &st) == 0 && S_ISREG(st.st_mode)));
	free(readme);
	if (!mod->has_readme) add(mod, 0, "missing-readme", "%s", "the module has no README.md");
	list_docs(mod);
out:
	mr_module_fingerprint(mod);
	free(mpath);
	free(data);
	return mod;
}

mr_module *mr_module_load(const char *root, const char *id)
{
	char *dir = mr_path_join(root, id);
	char *file = mr_xasprintf("%s/module.yaml", id);
	mr_module *mod = load_module(root, dir, id, file, "module.yaml");
	free(dir);
	free(file);
	return mod;
}

static char *dirname_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash) return mr_xstrdup(".");
	if (slash == path) return mr_xstrdup("/");
	return mr_xstrndup(path, (size_t)(slash - path));
}

static char *basename_of(const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/') n--;
	const char *start = path;
	for (size_t i = 0; i < n; i++)
		if (path[i] == '/') start = path + i + 1;
	return mr_xstrndup(start, (size_t)(path + n - start));
}

mr_module *mr_module_load_path(const char *path)
{
	struct stat st;
	char *dir = NULL, *id = NULL, *file = NULL, *name = NULL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		char *real = realpath(path, NULL);
		dir = mr_xstrdup(path);
		id = basename_of(real ? real : path);
		free(real);
		file = mr_path_join(path, "module.yaml");
		name = mr_xstrdup("module.yaml");
	} else {
		dir = dirname_of(path);
		name = basename_of(path);
		file = mr_xstrdup(path);
		if (!strcmp(name, "module.yaml")) {
			char *real = realpath(dir, NULL);
			id = basename_of(real ? real : dir);
			free(real);
		} else {
			/* a proposal: its id key, else the file name */
			char *data = NULL;
			size_t len = 0;
			if (mr_read_file(path, MR_MANIFEST_MAX_BYTES, &data, &len) == 0) {
				mr_diags tmp;
				mr_diags_init(&tmp);
				mr_ydoc doc;
				if (mr_yaml_load(data, len, path, NULL, &tmp, &doc) == 0) {
					mr_ynode *v = mr_ymap_get(doc.root, "id");
					if (v && v->kind == MR_Y_STR) id = mr_xstrdup(v->str);
				}
				mr_ydoc_release(&doc);
				mr_diags_release(&tmp);
			}
			free(data);
			if (!id) {
				id = mr_xstrdup(name);
				char *dot = strrchr(id, '.');
				if (dot && dot != id) *dot = '\0';
			}
		}
	}
	/* the module's own directory is the boundary for its file references */
	mr_module *mod = load_module(dir, dir, id, file, name);
	mod->external = true;
	for (size_t i = 0; i < mod->diags.len; i++) mod->diags.items[i].external = true;
	free(dir);
	free(id);
	free(file);
	free(name);
	return mod;
}

static void stats_release(mr_stats *s)
{
	json_decref(s->json);
	free(s->file);
	memset(s, 0, sizeof *s);
	s->collected_at = NAN;
	s->avg_response_ms = NAN;
	s->requests = s->errors = -1;
}

void mr_module_free(mr_module *mod)
{
	if (!mod) return;
	free(mod->id);
	free(mod->dir);
	free(mod->file);
	mr_manifest_free(mod->m);
	mr_simprofile_free(mod->profile);
	mr_diags_release(&mod->diags);
	mr_diags_release(&mod->stats_diags);
	for (size_t i = 0; i < mod->ndocs; i++) free(mod->docs[i]);
	free(mod->docs);
	stats_release(&mod->stats);
	free(mod);
}

/* "2026-11-21T09:00:00Z" (or with an offset, or a date) -> epoch seconds; NAN if malformed */
static double parse_time(const char *s)
{
	struct tm tm = {0};
	int off_sign = 0, oh = 0, om = 0;
	char rest[16] = {0};
	int n = 0;
	/* sscanf's %d would also take signs and spaces ("2026- 1- 1"): check the shape first */
	static const char date_shape[] = "dddd-dd-dd", time_shape[] = "dd:dd:dd";
	for (size_t i = 0; i < sizeof date_shape - 1; i++)
		if (date_shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != date_shape[i]) return NAN;
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 || n != 10) return NAN;
	const char *p = s + 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		for (size_t i = 0; i < sizeof time_shape - 1; i++)
			if (time_shape[i] == 'd' ? !(p[1 + i] >= '0' && p[1 + i] <= '9') : p[1 + i] != time_shape[i]) return NAN;
		int k = 0;
		if (sscanf(p + 1, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &k) != 3 || k != 8) return NAN;
		p += 1 + k;
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9') p++;
		}
		if (*p == 'Z' || *p == 'z') p++;
		else if (*p == '+' || *p == '-') {
			off_sign = *p == '+' ? 1 : -1;
			if (strlen(p) != 6 || !(p[1] >= '0' && p[1] <= '9') || !(p[2] >= '0' && p[2] <= '9') || p[3] != ':' ||
			    !(p[4] >= '0' && p[4] <= '9') || !(p[5] >= '0' && p[5] <= '9') ||
			    sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
				return NAN;
			p += 6;
		}
	}
	(void)rest;
	if (*p) return NAN;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return NAN;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	return (double)t - off_sign * (oh * 3600 + om * 60);
}

static void bad_stats(mr_module *mod, const char *why)
{
	mr_diag *dg = mr_diag_add(&mod->stats_diags, mod->stats.file, 0, 0, "bad-stats", mod->id,
	                          "statistics file is unusable and ignored: %s", why);
	dg->external = true;
	json_decref(mod->stats.json);
	mod->stats.json = NULL;
}

void mr_module_load_stats(mr_module *mod, const char *stats_dir)
{
	stats_release(&mod->stats);
	mr_diags_release(&mod->stats_diags);
	if (!stats_dir) return;
	char *name = mr_xasprintf("%s.json", mod->id);
	char *path = mr_path_join(stats_dir, name);
	free(name);
	mod->stats.file = path;
	struct stat st;
	if (lstat(path, &st) < 0) return; /* no statistics */
	char *data = NULL;
	size_t len = 0;
	if (!S_ISREG(st.st_mode)) {
		bad_stats(mod, "not a regular file");
		return;
	}
	if (mr_read_file(path, MR_MANIFEST_MAX_BYTES, &data, &len) < 0) {
		bad_stats(mod, errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		return;
	}
	json_error_t jerr;
	json_t *js = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	free(data);
	if (!js) {
		mr_buf b = MR_BUF_INIT;
		mr_buf_printf(&b, "not JSON (line %d: %s)", jerr.line, jerr.text);
		bad_stats(mod, mr_buf_str(&b));
		mr_buf_release(&b);
		return;
	}
	mod->stats.json = js;
	if (!json_is_object(js)) {
		bad_stats(mod, "not a JSON object");
		return;
	}
	json_t *v = json_object_get(js, "collectedAt");
	if (v) {
		if (!json_is_string(v) || isnan(mod->stats.collected_at = parse_time(json_string_value(v)))) {
			bad_stats(mod, "collectedAt is not an ISO 8601 date-time");
			return;
		}
	}
	const char *ikeys[] = {"requests", "errors"};
	long long *ivals[] = {&mod->stats.requests, &mod->stats.errors};
	for (int i = 0; i < 2; i++) {
		v = json_object_get(js, ikeys[i]);
		if (!v || json_is_null(v)) continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			mr_buf b = MR_BUF_INIT;
			mr_buf_printf(&b, "%s is not a non-negative integer", ikeys[i]);
			bad_stats(mod, mr_buf_str(&b));
			mr_buf_release(&b);
			return;
		}
		*ivals[i] = (long long)json_integer_value(v);
	}
	v = json_object_get(js, "averageResponseMs");
	if (v && !json_is_null(v)) {
		if (!json_is_number(v) || json_number_value(v) < 0) {
			bad_stats(mod, "averageResponseMs is not a non-negative number");
			return;
		}
		mod->stats.avg_response_ms = json_number_value(v);
	}
	v = json_object_get(js, "entities");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v)) {
			bad_stats(mod, "entities is not an object");
			return;
		}
		const char *k;
		json_t *e;
		json_object_foreach(v, k, e)
		{
			if (!json_is_object(e)) {
				bad_stats(mod, "an entry of entities is not an object");
				return;
			}
			json_t *rc = json_object_get(e, "recordCount");
			if (rc && !json_is_null(rc) && (!json_is_integer(rc) || json_integer_value(rc) < 0)) {
				bad_stats(mod, "a recordCount is not a non-negative integer");
				return;
			}
			json_t *lu = json_object_get(e, "lastUpdate");
			if (lu && !json_is_null(lu) && (!json_is_string(lu) || isnan(parse_time(json_string_value(lu))))) {
				bad_stats(mod, "a lastUpdate is not an ISO 8601 date-time");
				return;
			}
		}
	}
}

/* ---------------------------------------------------------------- the registry */

static int mod_cmp(const void *a, const void *b)
{
	return strcmp((*(mr_module *const *)a)->id, (*(mr_module *const *)b)->id);
}

long mr_registry_index(const mr_registry *reg, const char *id)
{
	size_t lo = 0, hi = reg->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(reg->mods[mid]->id, id);
		if (c == 0) return (long)mid;
		if (c < 0) lo = mid + 1;
		else hi = mid;
	}
	return -1;
}

mr_module *mr_registry_find(const mr_registry *reg, const char *id)
{
	long i = mr_registry_index(reg, id);
	return i < 0 ? NULL : reg->mods[i];
}

void mr_registry_put(mr_registry *reg, mr_module *mod)
{
	size_t lo = 0, hi = reg->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(reg->mods[mid]->id, mod->id);
		if (c == 0) {
			mr_module_free(reg->mods[mid]);
			reg->mods[mid] = mod;
			return;
		}
		if (c < 0) lo = mid + 1;
		else hi = mid;
	}
	MR_GROW(reg->mods, reg->cap, reg->n + 1);
	memmove(reg->mods + lo + 1, reg->mods + lo, (reg->n - lo) * sizeof *reg->mods);
	reg->mods[lo] = mod;
	reg->n++;
}

int mr_registry_remove(mr_registry *reg, const char *id)
{
	long i = mr_registry_index(reg, id);
	if (i < 0) return -1;
	mr_module_free(reg->mods[i]);
	memmove(reg->mods + i, reg->mods + i + 1, (reg->n - (size_t)i - 1) * sizeof *reg->mods);
	reg->n--;
	return 0;
}

static char **list_dir(const char *path, size_t *count)
{
	DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	*count = 0;
	if (!d) return NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
		MR_GROW(names, cap, n + 1);
		names[n++] = mr_xstrdup(e->d_name);
	}
	closedir(d);
	if (n > 1) qsort(names, n, sizeof *names, mr_strcmp_ptr);
	*count = n;
	if (!names) names = mr_xcalloc(1, sizeof *names);
	return names;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++) free(names[i]);
	free(names);
}

/* Quote a name for a one-line message (spaces kept, control characters escaped). */
static char *quoted(const char *s)
{
	mr_buf b = MR_BUF_INIT;
	for (const char *p = s; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch < 0x20 || ch == 0x7f) mr_buf_printf(&b, "\\x%02x", ch);
		else mr_buf_putc(&b, (char)ch);
	}
	return mr_buf_detach(&b);
}

void mr_registry_rescan_extras(mr_registry *reg)
{
	mr_diags_release(&reg->diags);
	size_t n = 0;
	char **names = list_dir(reg->root, &n);
	for (size_t i = 0; i < n; i++) {
		/* a module of the registry is one (no need to look at the disk: at 10,000
		 * modules that took some 25 ms of every sync that adds or removes one) */
		if (mr_registry_find(reg, names[i]) || mr_registry_classify(reg->root, names[i]) != MR_ENTRY_NOT_MODULE) continue;
		char *q = quoted(names[i]);
		char *file = mr_xasprintf("%s/", names[i]);
		char *mf = mr_xasprintf("%s/%s/module.yaml", reg->root, names[i]);
		struct stat st;
		if (lstat(mf, &st) == 0)
			mr_diag_add(&reg->diags, file, 0, 0, "bad-id", NULL,
			            "directory name '%s' is not a valid module id (lowercase letters, digits and single hyphens, "
			            "starting with a letter, at most 63 bytes)",
			            q);
		else
			mr_diag_add(&reg->diags, file, 0, 0, "not-a-module",
			            NULL, "directory '%s' has no module.yaml, so it is not a module", q);
		free(mf);
		free(file);
		free(q);
	}
	free_names(names, n);
	if (!reg->stats_dir) return;
	names = list_dir(reg->stats_dir, &n);
	for (size_t i = 0; names && i < n; i++) {
		if (mr_name_ignored(names[i]) || !mr_str_has_suffix(names[i], ".json")) continue;
		char *id = mr_xstrndup(names[i], strlen(names[i]) - 5);
		if (!mr_registry_find(reg, id)) {
			char *path = mr_path_join(reg->stats_dir, names[i]);
			char *q = quoted(id);
			mr_diag *dg = mr_diag_add(&reg->diags, path, 0, 0, "orphaned-stats", NULL,
			                          "statistics for module '%s', which does not exist", q);
			dg->external = true;
			free(q);
			free(path);
		}
		free(id);
	}
	free_names(names, n);
}

/* Loading modules is independent per module (libyaml and jansson keep no global
 * state we touch), so a cold load uses every CPU: workers take the next name
 * from a shared counter and fill their own slot. */
typedef struct load_job {
	const char *root, *stats_dir;
	char **names;      /* module directory names */
	mr_module **out;   /* one slot per name */
	size_t n;
	atomic_size_t next;
} load_job;

static void *load_worker(void *arg)
{
	load_job *job = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&job->next, 1);
		if (i >= job->n) break;
		job->out[i] = mr_module_load(job->root, job->names[i]);
		mr_module_load_stats(job->out[i], job->stats_dir);
	}
	return NULL;
}

static size_t worker_count(size_t modules)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t w = cpus > 0 ? (size_t)cpus : 1;
	if (w > 8) w = 8;
	if (modules < 64) w = 1; /* not worth a thread */
	return w;
}

int mr_registry_load(mr_registry *reg, const char *root, const char *stats_dir)
{
	memset(reg, 0, sizeof *reg);
	reg->root = mr_xstrdup(root);
	reg->stats_dir = stats_dir ? mr_xstrdup(stats_dir) : NULL;
	mr_diags_init(&reg->diags);
	size_t n = 0;
	char **names = list_dir(root, &n);
	if (!names) return -1;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (mr_registry_classify(root, names[i]) != MR_ENTRY_MODULE) continue;
		char *t = names[k];
		names[k++] = names[i];
		names[i] = t;
	}
	load_job job = {root, stats_dir, names, mr_xcalloc(k + 1, sizeof(mr_module *)), k, 0};
	size_t workers = worker_count(k);
	pthread_t *tids = mr_xcalloc(workers, sizeof *tids);
	size_t started = 0;
	json_object_seed(0); /* jansson's hash seed, once, before any thread */
	for (size_t w = 1; w < workers; w++)
		if (pthread_create(&tids[started], NULL, load_worker, &job) == 0) started++;
	load_worker(&job);
	for (size_t w = 0; w < started; w++) pthread_join(tids[w], NULL);
	free(tids);
	reg->mods = job.out;
	reg->n = k;
	reg->cap = k + 1;
	free_names(names, n);
	if (reg->n > 1) qsort(reg->mods, reg->n, sizeof *reg->mods, mod_cmp);
	mr_registry_rescan_extras(reg);
	return 0;
}

void mr_registry_release(mr_registry *reg)
{
	for (size_t i = 0; i < reg->n; i++) mr_module_free(reg->mods[i]);
	free(reg->mods);
	free(reg->root);
	free(reg->stats_dir);
	mr_diags_release(&reg->diags);
	memset(reg, 0, sizeof *reg);
}
