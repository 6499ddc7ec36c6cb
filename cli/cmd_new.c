/* cmd_new.c — `modreg new ID [DESCRIPTION...]`: scaffold <registry>/ID/ with a commented
 * module.yaml (every section, valid as written) and a README.md skeleton, after showing
 * the existing modules that look like it.  Exit status: 0 created, 1 the id is invalid or
 * taken, 2 usage or I/O failure. */
#include "commands.h"
#include "query.h"
#include "sync.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* "customer-hub" -> "Customer Hub" (heap) */
static char *title_of(const char *id)
{
	char *t = mr_xstrdup(id);
	bool start = true;
	for (char *p = t; *p; p++) {
		if (*p == '-') {
			*p = ' ';
			start = true;
		} else if (start) {
			*p = (char)toupper((unsigned char)*p);
			start = false;
		}
	}
	return t;
}

/* a name fit for a YAML plain scalar in the scaffold, or NULL */
static const char *user_name(void)
{
	const char *u = getenv("USER");
	if (!u || !*u) u = getenv("LOGNAME");
	if (!u || !*u || strlen(u) > 64) return NULL;
	for (const char *p = u; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-') return NULL;
	return u;
}

/* text as a YAML double-quoted scalar */
static void yaml_quoted(mr_buf *b, const char *s)
{
	mr_buf_json_string(b, s, strlen(s));
}

/* "key: value" padded so that the comment starts in column 32 */
static void line(mr_buf *b, const char *comment, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void line(mr_buf *b, const char *comment, const char *fmt, ...)
{
	size_t start = b->len;
	va_list ap;
	va_start(ap, fmt);
	mr_buf_vprintf(b, fmt, ap);
	va_end(ap);
	if (comment) {
		size_t n = b->len - start;
		do mr_buf_putc(b, ' ');
		while (++n < 31);
		mr_buf_printf(b, "# %s", comment);
	}
	mr_buf_putc(b, '\n');
}

static char *manifest_text(const char *id, const char *title, const char *description)
{
	char date[16];
	time_t now = mr_sync_now();
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	const char *who = user_name();
	if (!who) who = "unassigned";
	mr_buf b = MR_BUF_INIT, q = MR_BUF_INIT;
	mr_buf_puts(&b, "# yaml-language-server: $schema=../../schema/module.schema.json\n");
	mr_buf_printf(&b,
	              "# The manifest of %s (format modreg/v1, see modreg-manifest(5)).  Required keys:\n"
	              "# apiVersion, name, description, type, version; every other section is optional and\n"
	              "# may be left empty or deleted.  Check your changes with: modreg validate\n",
	              id);
	line(&b, NULL, "apiVersion: modreg/v1");
	line(&b, "must equal the directory name", "id: %s", id);
	yaml_quoted(&q, title);
	line(&b, "at most 100 characters, one line", "name: %s", mr_buf_str(&q));
	mr_buf_reset(&q);
	mr_buf_puts(&b, "# What the module does and for whom, for people and for AI tools deciding whether\n"
	                "# something already exists (at most 2000 characters).\n");
	yaml_quoted(&q, description);
	line(&b, NULL, "description: %s", mr_buf_str(&q));
	mr_buf_release(&q);
	line(&b, "crud | workflow | integration | service | ui | library", "type: service");
	line(&b, "SemVer 2.0.0; raise it with every change", "version: 0.1.0");
	line(&b, "active | inactive | deprecated | experimental", "status: experimental");
	line(&b, "the team or person answerable for it", "owner: %s", who);
	line(&b, "an SPDX identifier or expression", "# license: Apache-2.0");
	line(&b, "lowercase words, like [sales, customers]", "tags: []");
	line(&b, NULL, "created:");
	line(&b, "ISO 8601 date or date-time", "  at: %s", date);
	line(&b, NULL, "  by: %s", who);
	line(&b, "when an AI model wrote the module", "  # ai:");
	line(&b, NULL, "  #   model: claude-sonnet-4");
	line(&b, NULL, "  #   patch: patch-%s-%s", date, id);
	line(&b, NULL, "# links:");
	line(&b, NULL, "#   homepage: https://example.org/%s", id);
	line(&b, NULL, "#   repository: https://git.example.org/%s", id);
	mr_buf_printf(&b,
	              "\n"
	              "# The data it manages: PascalCase names, unique in the module.\n"
	              "entities: []\n"
	              "#  - name: Customer\n"
	              "#    plural: Customers\n"
	              "#    description: A person or company that buys from us.\n"
	              "#    schema: schemas/customer.json   # optional JSON Schema inside this directory\n"
	              "\n"
	              "api:\n"
	              "  basePath: /%s\n"
	              "  routes: []\n"
	              "  # - { method: GET,  path: /customers,        entity: Customer, operation: list, permissions: [\"%s:read\"] }\n"
	              "  # - { method: GET,  path: \"/customers/{id}\", entity: Customer, operation: read }\n"
	              "  # - { method: POST, path: /customers,        entity: Customer, operation: create }\n"
	              "\n"
	              "# Declared capabilities; crud capabilities are also detected from api.routes.\n"
	              "capabilities: []\n"
	              "#  - { type: crud, entity: Customer, operations: [create, read, update, delete, list] }\n"
	              "\n"
	              "actions: []\n"
	              "#  - { name: merge_customers, description: Merge two customer records., permissions: [\"%s:write\"] }\n"
	              "jobs: []\n"
	              "#  - { name: nightly-cleanup, schedule: \"0 3 * * *\", timeout: 300000, retries: 3 }\n"
	              "events:\n"
	              "  publishes: []\n"
	              "  # - { name: customer.created, entity: Customer, description: A customer was added. }\n"
	              "  subscribes: []\n"
	              "ui:\n"
	              "  pages: []\n"
	              "  # - { path: /%s, title: \"%s\", icon: box }\n"
	              "  navigation: []\n"
	              "  # - { label: \"%s\", path: /%s, order: 50 }\n",
	              id, id, id, id, title, title, id);
	mr_buf_printf(&b,
	              "\n"
	              "# How it relates to other modules of the registry.\n"
	              "relationships: []\n"
	              "#  - target: core-auth\n"
	              "#    type: dependency            # dependency | integration | data-flow | hierarchical\n"
	              "#    version: \"^1.0.0\"            # node-semver range, dependencies only\n"
	              "#    description: Sign-in and permissions.\n"
	              "\n"
	              "# Settings (schema only; values never go here, secrets never have a default).\n"
	              "config: {}\n"
	              "#  apiUrl:   { type: url, label: API URL, required: true }\n"
	              "#  apiToken: { type: password, required: true }\n"
	              "#  region:   { type: enum, values: [eu, us], default: eu }\n"
	              "permissions: []                # like [\"%s:read\", \"%s:write\"]\n"
	              "requires:                      # what it needs outside the registry (node-semver ranges)\n"
	              "  packages: {}\n"
	              "  system: {}\n"
	              "\n"
	              "# What AI tools read to decide whether to use this module.\n"
	              "ai:\n"
	              "  # purpose: One sentence on the job it does.\n"
	              "  # category: SALES\n"
	              "  keywords: []\n"
	              "  patterns: []                 # requests it answers: [\"show my customers\"]\n"
	              "  concepts: []\n"
	              "  contextProviders: []\n"
	              "  # - { name: recent_items, endpoint: /%s/ai/context/recent, cacheSeconds: 300 }\n"
	              "\n"
	              "health:                        # thresholds for the health status (defaults shown)\n"
	              "  maxErrorRate: 0.05\n"
	              "  maxResponseMs: 1000\n"
	              "  staleAfter: 24h\n"
	              "# x-team-chat: \"#%s\"          # any x- key is kept verbatim\n",
	              id, id, id, id);
	return mr_buf_detach(&b);
}

static char *readme_text(const char *title, const char *description)
{
	mr_buf b = MR_BUF_INIT;
	mr_buf_printf(&b,
	              "# %s\n"
	              "\n"
	              "%s\n"
	              "\n"
	              "## What it does\n"
	              "\n"
	              "Describe the module's job, the data it owns and what it deliberately leaves to\n"
	              "other modules.\n"
	              "\n"
	              "## Usage\n"
	              "\n"
	              "How other modules and people use it: the main API calls, events and pages.\n"
	              "\n"
	              "## Configuration\n"
	              "\n"
	              "What each setting of `config` in `module.yaml` changes.\n"
	              "\n"
	              "## Operations\n"
	              "\n"
	              "Jobs, statistics, what to watch and what to do when it is unhealthy.\n"
	              "\n"
	              "More pages go in `docs/*.md`.  Check the manifest with `modreg validate`\n"
	              "from the repository root.\n",
	              title, description);
	return mr_buf_detach(&b);
}

/* show the modules that look like the new one; never fails the command */
static void show_similar(const mr_opts *o, const char *id, const char *title, const char *description, bool given)
{
	json_t *ctx = mr_query_build(o->registry, o->stats, NULL, NULL);
	if (!ctx) return;
	/* the id's words may name what it manages ("customer-hub"): try them as entities and keywords too */
	json_t *words = json_array();
	char *w = mr_xstrdup(id);
	for (char *save = NULL, *t = strtok_r(w, "-", &save); t; t = strtok_r(NULL, "-", &save))
		json_array_append_new(words, json_string(t));
	free(w);
	json_t *keywords = json_copy(words);
	if (json_array_size(words) > 1) json_array_append_new(keywords, json_string(id)); /* "vm-inventory" */
	json_t *proposal = json_pack("{s:s, s:s, s:O, s:o}", "id", id, "name", title, "entities", words, "keywords", keywords);
	if (given) json_object_set_new(proposal, "description", json_string(description));
	json_decref(words);
	mr_simprofile *p = mr_simprofile_from_json(proposal);
	json_t *res = mr_query_similar(ctx, p, NULL, 5);
	if (mr_query_count(res)) {
		mr_buf b = MR_BUF_INIT;
		bool dup = json_is_true(json_object_get(json_array_get(json_object_get(res, "modules"), 0), "possibleDuplicate"));
		mr_buf_printf(&b, "%s%s\n", dup ? "warning: " : "", dup ? "a module like this one may exist already; extend or reuse it "
		                                                         "rather than build a second one:"
		                                                       : "existing modules that look alike:");
		mr_query_similar_text(res, &b);
		fputs(mr_buf_str(&b), stdout);
		mr_buf_release(&b);
	}
	json_decref(res);
	mr_simprofile_free(p);
	json_decref(proposal);
	json_decref(ctx);
}

int mr_cmd_new(const mr_opts *o)
{
	if (o->nargs < 1) {
		mr_errorf("usage: modreg new ID [DESCRIPTION...]");
		return MR_EXIT_FAILURE;
	}
	const char *id = o->args[0];
	if (!mr_id_valid(id)) {
		mr_errorf("'%s' is not a valid module id: lowercase letters and digits in words joined by '-', starting "
		          "with a letter, at most 63 bytes (like order-fulfillment)",
		          id);
		return MR_EXIT_FOUND_ERRORS;
	}
	char *dir = mr_path_join(o->registry, id);
	struct stat st;
	int rc = MR_EXIT_FAILURE;
	char *title = title_of(id), *description = NULL, *yaml = NULL, *readme = NULL, *ypath = NULL, *rpath = NULL;
	if (lstat(dir, &st) == 0) {
		mr_errorf("%s already exists: module ids are unique (see modreg query show %s)", dir, id);
		rc = MR_EXIT_FOUND_ERRORS;
		goto out;
	}
	mr_buf d = MR_BUF_INIT;
	for (int i = 1; i < o->nargs; i++) {
		if (d.len) mr_buf_putc(&d, ' ');
		mr_buf_puts(&d, o->args[i]);
	}
	bool given = d.len > 0;
	if (!given) mr_buf_printf(&d, "%s.", title);
	description = mr_buf_detach(&d);
	show_similar(o, id, title, description, given);

	if (mr_mkdirs(o->registry, 0777) < 0) {
		mr_errorf("cannot create %s: %s", o->registry, strerror(errno));
		goto out;
	}
	if (mkdir(dir, 0777) < 0) {
		mr_errorf("cannot create %s: %s", dir, strerror(errno));
		rc = errno == EEXIST ? MR_EXIT_FOUND_ERRORS : MR_EXIT_FAILURE;
		goto out;
	}
	yaml = manifest_text(id, title, description);
	readme = readme_text(title, description);
	ypath = mr_path_join(dir, "module.yaml");
	rpath = mr_path_join(dir, "README.md");
	bool changed;
	if (mr_write_file_atomic(ypath, yaml, strlen(yaml), &changed) < 0 ||
	    mr_write_file_atomic(rpath, readme, strlen(readme), &changed) < 0) {
		mr_errorf("cannot write into %s: %s", dir, strerror(errno));
		goto out;
	}
	if (!o->quiet)
		printf("created %s and %s\nnext: describe the module in both, then check it with: modreg validate %s\n", ypath,
		       rpath, dir);
	rc = MR_EXIT_OK;
out:
	free(dir);
	free(title);
	free(description);
	free(yaml);
	free(readme);
	free(ypath);
	free(rpath);
	return rc;
}
