/* test_manifest.c — the module model: defaults, sorting, path rules and their
 * normalisation, ids, file references, the config rules, and which problems make a
 * manifest invalid.  Golden tests (tests/golden) cover the messages; these cover the
 * data the rest of modreg reads.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "manifest.h"

#define HEAD "apiVersion: modreg/v1\nname: Test\ndescription: A test module.\ntype: crud\nversion: 1.2.3\n"

static mr_manifest *load_in(const char *text, const char *dir, mr_diags *d)
{
	mr_diags_init(d);
	return mr_manifest_load(text, strlen(text), dir, "test", "test/module.yaml", d);
}

static mr_manifest *load(const char *text, mr_diags *d)
{
	return load_in(text, NULL, d);
}

static size_t count_code(const mr_diags *d, const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < d->len; i++) n += !strcmp(d->items[i].code, code);
	return n;
}

static const mr_diag *find_code(const mr_diags *d, const char *code)
{
	for (size_t i = 0; i < d->len; i++)
		if (!strcmp(d->items[i].code, code)) return &d->items[i];
	return NULL;
}

static void expect_clean(const mr_manifest *m, const mr_diags *d)
{
	cr_assert_not_null(m);
	for (size_t i = 0; i < d->len; i++)
		cr_expect_fail("unexpected %u:%u %s [%s]", d->items[i].line, d->items[i].col, d->items[i].message,
		               d->items[i].code);
	cr_expect_eq(m->errors, 0);
}

Test(manifest, id_valid)
{
	const char *good[] = {"a", "crm", "core-auth", "a1", "a-1-b", "x2y", NULL};
	const char *bad[] = {"", "A", "1a", "-a", "a-", "a--b", "a_b", "a.b", "a b", "ü", "crm/", NULL};
	for (size_t i = 0; good[i]; i++) cr_expect(mr_id_valid(good[i]), "'%s' should be valid", good[i]);
	for (size_t i = 0; bad[i]; i++) cr_expect_not(mr_id_valid(bad[i]), "'%s' should be invalid", bad[i]);
	char id[70];
	memset(id, 'a', sizeof id);
	id[63] = '\0';
	cr_expect(mr_id_valid(id), "63 bytes is the maximum");
	id[63] = 'a';
	id[64] = '\0';
	cr_expect_not(mr_id_valid(id), "64 bytes is too long");
}

Test(manifest, path_valid)
{
	const char *good[] = {"/", "/crm", "/crm/customers/{id}", "/a/:key", "/a/{x_1}/b/:y2", "/a:b", "/a/b.json",
	                      "/ü", NULL};
	const char *bad[] = {"", "crm", "/a b", "/a\tb", "/a/{}", "/a/{1}", "/a/{id", "/a/id}", "/a/:", "/a/:9",
	                     "/a/{a-b}", NULL};
	for (size_t i = 0; good[i]; i++) cr_expect(mr_path_valid(good[i]), "'%s' should be valid", good[i]);
	for (size_t i = 0; bad[i]; i++) cr_expect_not(mr_path_valid(bad[i]), "'%s' should be invalid", bad[i]);
}

Test(manifest, path_normalise)
{
	struct {
		const char *in, *out;
	} cases[] = {
		{"/a/{id}", "/a/{}"},
		{"/a/:key", "/a/{}"},
		{"/a/{id}/b/:x", "/a/{}/b/{}"},
		{"/a/", "/a"},
		{"/a//", "/a"},
		{"/", "/"},
		{"/a:b", "/a:b"},
		{"/crm/customers/{customerId}/orders", "/crm/customers/{}/orders"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *n = mr_path_normalise(cases[i].in);
		cr_expect_str_eq(n, cases[i].out, "%s", cases[i].in);
		free(n);
	}
	char *a = mr_path_normalise("/a/{id}"), *b = mr_path_normalise("/a/:key");
	cr_expect_str_eq(a, b, "/a/{id} and /a/:key are the same route");
	free(a);
	free(b);
}

Test(manifest, defaults)
{
	mr_diags d;
	mr_manifest *m = load(HEAD, &d);
	expect_clean(m, &d);
	cr_expect_str_eq(m->id, "test");
	cr_expect_str_eq(m->file, "test/module.yaml");
	cr_expect_str_eq(m->name.s, "Test");
	cr_expect_eq(m->name.pos.line, 2);
	cr_expect_eq(m->name.pos.col, 7);
	cr_expect_null(m->status.s, "status absent: readers use active");
	cr_expect_null(m->declared_id.s);
	cr_expect(m->has_semver);
	cr_expect_float_eq(m->max_error_rate, 0.05, 1e-12);
	cr_expect_float_eq(m->max_response_ms, 1000.0, 1e-12);
	cr_expect_eq(m->stale_after, 86400);
	cr_expect_eq(m->nentities + m->nroutes + m->ncapabilities + m->nrelations + m->nconfig + m->nextensions, 0);
	cr_expect_eq(m->tags.n, 0);
	mr_manifest_free(m);
	mr_diags_release(&d);
}

Test(manifest, sorted_lists)
{
	mr_diags d;
	mr_manifest *m = load(HEAD "tags: [zeta, alpha, mid]\n"
	                           "permissions: [\"b:x\", \"a:y\"]\n"
	                           "entities: [{name: Order}, {name: Customer}, {name: Address}]\n"
	                           "api:\n  basePath: /shop\n  routes:\n"
	                           "    - { method: POST, path: /b }\n"
	                           "    - { method: GET, path: /b }\n"
	                           "    - { method: DELETE, path: /a }\n"
	                           "capabilities:\n"
	                           "  - { type: query, operations: [zz, find] }\n"
	                           "  - { type: crud, entity: Order, operations: [list, delete, create] }\n"
	                           "actions: [{name: zap}, {name: archive}]\n"
	                           "jobs: [{name: z, schedule: '* * * * *'}, {name: a, schedule: '0 0 * * *'}]\n"
	                           "events:\n  publishes: [{name: z.e}, {name: a.e}]\n  subscribes: [y, b]\n"
	                           "ui:\n  pages: [{path: /z}, {path: /a}]\n"
	                           "  navigation: [{label: B, path: /b, order: 2}, {label: A, path: /a, order: 1}, {label: C}]\n"
	                           "relationships:\n"
	                           "  - { target: zed, type: integration }\n"
	                           "  - { target: bee, type: dependency }\n"
	                           "  - { target: ant, type: integration }\n"
	                           "config: { zed: {type: string}, alpha: {type: integer} }\n"
	                           "requires: { packages: { zlib: '*', bison: '>=3' } }\n"
	                           "ai: { keywords: [z, a], contextProviders: [{name: z, endpoint: /z}, {name: a, endpoint: /a}] }\n",
	                      &d);
	expect_clean(m, &d);
	cr_expect_str_eq(m->tags.v[0].s, "alpha");
	cr_expect_str_eq(m->tags.v[2].s, "zeta");
	cr_expect_eq(m->tags.v[0].pos.line, 6, "sorting keeps each item's position");
	cr_expect_str_eq(m->permissions.v[0].s, "a:y");
	cr_expect_str_eq(m->entities[0].name.s, "Address");
	cr_expect_str_eq(m->entities[2].name.s, "Order");
	/* routes: by full path, then method in the order of the method list */
	cr_assert_eq(m->nroutes, 3);
	cr_expect_str_eq(m->routes[0].full_path, "/shop/a");
	cr_expect_str_eq(m->routes[1].method.s, "GET");
	cr_expect_str_eq(m->routes[2].method.s, "POST");
	cr_expect_str_eq(m->routes[1].key, "GET /shop/b");
	/* capabilities by type; crud operations in create read update delete list order */
	cr_assert_eq(m->ncapabilities, 2);
	cr_expect_str_eq(m->capabilities[0].type.s, "crud");
	cr_expect_str_eq(m->capabilities[0].operations.v[0].s, "create");
	cr_expect_str_eq(m->capabilities[0].operations.v[1].s, "delete");
	cr_expect_str_eq(m->capabilities[0].operations.v[2].s, "list");
	cr_expect_str_eq(m->capabilities[1].operations.v[0].s, "find");
	cr_expect_str_eq(m->actions[0].name.s, "archive");
	cr_expect_str_eq(m->jobs[0].name.s, "a");
	cr_expect_eq(m->jobs[0].timeout, -1, "timeout absent");
	cr_expect_str_eq(m->publishes[0].name.s, "a.e");
	cr_expect_str_eq(m->subscribes.v[0].s, "b");
	cr_expect_str_eq(m->pages[0].path.s, "/a");
	/* navigation: by order (absent = -1 first), then label */
	cr_assert_eq(m->nnavigation, 3);
	cr_expect_str_eq(m->navigation[0].label.s, "C");
	cr_expect_str_eq(m->navigation[1].label.s, "A");
	/* relationships: by type (dependency first), then target */
	cr_assert_eq(m->nrelations, 3);
	cr_expect_eq(m->relations[0].rtype, MR_REL_DEPENDENCY);
	cr_expect_str_eq(m->relations[1].target.s, "ant");
	cr_expect_str_eq(m->relations[2].target.s, "zed");
	cr_expect_str_eq(m->config[0].key.s, "alpha");
	cr_expect_str_eq(m->req_packages.v[0].key.s, "bison");
	cr_expect_str_eq(m->ai_keywords.v[0].s, "a");
	cr_expect_str_eq(m->providers[0].name.s, "a");
	mr_manifest_free(m);
	mr_diags_release(&d);
}

Test(manifest, routes_join_base_path_and_normalise)
{
	mr_diags d;
	mr_manifest *m = load(HEAD "api:\n  basePath: /crm/\n  routes:\n"
	                           "    - { method: GET, path: \"/customers/{id}\" }\n"
	                           "    - { method: PUT, path: /customers/:key }\n",
	                      &d);
	expect_clean(m, &d);
	cr_assert_eq(m->nroutes, 2);
	cr_expect_str_eq(m->routes[0].full_path, "/crm/customers/:key");
	cr_expect_str_eq(m->routes[0].key, "PUT /crm/customers/{}");
	cr_expect_str_eq(m->routes[1].full_path, "/crm/customers/{id}");
	cr_expect_str_eq(m->routes[1].key, "GET /crm/customers/{}");
	mr_manifest_free(m);
	mr_diags_release(&d);
	/* the same route under two parameter names is a duplicate */
	m = load(HEAD "api:\n  routes:\n    - { method: GET, path: \"/a/{id}\" }\n    - { method: GET, path: \"/a/:key/\" }\n", &d);
	cr_assert_not_null(m);
	cr_expect_eq(count_code(&d, "duplicate-route"), 1);
	cr_expect_eq(m->nroutes, 1, "the duplicate is dropped");
	const mr_diag *dg = find_code(&d, "duplicate-route");
	cr_expect_eq(dg->line, 9);
	cr_assert_eq(dg->nnotes, 1);
	cr_expect_eq(dg->notes[0].line, 8);
	cr_expect_gt(m->errors, 0);
	mr_manifest_free(m);
	mr_diags_release(&d);
}

Test(manifest, relationship_ranges)
{
	mr_diags d;
	mr_manifest *m = load(HEAD "relationships:\n"
	                           "  - { target: a, type: dependency }\n"
	                           "  - { target: b, type: dependency, version: '^1.2.0' }\n"
	                           "  - { target: c, type: hierarchical }\n"
	                           "  - { target: d, type: data-flow, entities: [Z, A], config: {k: v} }\n",
	                      &d);
	expect_clean(m, &d);
	cr_assert_eq(m->nrelations, 4);
	/* sorted by type name, then target: data-flow d, dependency a, dependency b, hierarchical c */
	cr_expect_str_eq(m->relations[1].range_text, "*", "a dependency without a version takes any");
	cr_expect_not_null(m->relations[1].range);
	cr_expect_str_eq(m->relations[2].range_text, "^1.2.0");
	mr_semver v;
	cr_assert_eq(mr_semver_parse("1.9.0", 5, &v), 0);
	cr_expect(mr_range_satisfies(m->relations[2].range, &v));
	mr_semver_release(&v);
	cr_assert_eq(mr_semver_parse("2.0.0", 5, &v), 0);
	cr_expect_not(mr_range_satisfies(m->relations[2].range, &v));
	mr_semver_release(&v);
	cr_expect_null(m->relations[0].range, "only dependencies have a range");
	cr_expect_eq(m->relations[0].rtype, MR_REL_DATAFLOW);
	cr_expect_str_eq(m->relations[0].entities.v[0].s, "A");
	cr_expect_not_null(m->relations[0].config);
	cr_expect_str_eq(mr_reltype_name(m->relations[3].rtype), "hierarchical");
	mr_manifest_free(m);
	mr_diags_release(&d);
}

Test(manifest, relationship_problems)
{
	mr_diags d;
	mr_manifest *m = load(HEAD "relationships:\n"
	                           "  - { target: test, type: dependency }\n"
	                           "  - { target: x, type: integration }\n"
	                           "  - { target: x, type: integration }\n"
	                           "  - { target: x, type: dependency }\n"
	                           "  - { target: y, type: dependency, version: 'not a range' }\n"
	                           "  - { target: Bad_Id, type: dependency }\n",
	                      &d);
	cr_assert_not_null(m);
	cr_expect_eq(count_code(&d, "self-relationship"), 1);
	cr_expect_eq(count_code(&d, "duplicate-relationship"), 1);
	cr_expect_eq(count_code(&d, "bad-range"), 1);
	cr_expect_eq(count_code(&d, "bad-value"), 1);
	cr_expect_eq(m->nrelations, 2, "integration x and dependency x are different relationships");
	mr_manifest_free(m);
	mr_diags_release(&d);
}

Test(manifest, health_and_extensions)
{
	mr_diags d;
	mr_manifest *m = load(HEAD "health: { maxErrorRate: 0.1, maxResponseMs: 250, staleAfter: 30m }\n"
	                           "x-team: { slack: '#t' }\nx-b: 1\n",
	                      &d);
	expect_clean(m, &d);
	cr_expect_float_eq(m->max_error_rate, 0.1, 1e-12);
	cr_expect_float_eq(m->max_response_ms, 250.0, 1e-12);
	cr_expect_eq(m->stale_after, 1800);
	cr_expect_str_eq(m->stale_after_text.s, "30m");
	cr_assert_eq(m->nextensions, 2);
	cr_expect_str_eq(m->extensions[0].key.s, "x-team", "extensions keep the order written");
	cr_expect_eq(m->extensions[0].value->kind, MR_Y_MAP);
	mr_manifest_free(m);
	mr_diags_release(&d);
	const char *durations[][2] = {{"90s", "90"}, {"2h", "7200"}, {"7d", "604800"}};
	for (size_t i = 0; i < 3; i++) {
		char text[256];
		snprintf(text, sizeof text, HEAD "health: { staleAfter: %s }\n", durations[i][0]);
		m = load(text, &d);
		expect_clean(m, &d);
		cr_expect_eq(m->stale_after, atoll(durations[i][1]), "%s", durations[i][0]);
		mr_manifest_free(m);
		mr_diags_release(&d);
	}
}

Test(manifest, config_fields)
{
	mr_diags d;
	mr_manifest *m = load(HEAD "config:\n"
	                           "  token: { type: password, required: true }\n"
	                           "  region: { type: enum, values: [eu, us], default: eu }\n"
	                           "  size: { type: integer, min: 1, max: 10, default: 5 }\n"
	                           "  flag: { type: boolean, default: true }\n"
	                           "  secretThing: { type: string, sensitive: true }\n",
	                      &d);
	expect_clean(m, &d);
	cr_assert_eq(m->nconfig, 5);
	const mr_configfield *f = &m->config[4]; /* token */
	cr_expect_str_eq(f->key.s, "token");
	cr_expect(f->sensitive, "password implies sensitive");
	cr_expect(f->required);
	cr_expect_str_eq(m->config[1].key.s, "region");
	cr_expect_eq(m->config[1].values.n, 2);
	cr_expect_str_eq(m->config[1].def->str, "eu");
	cr_expect_eq(m->config[3].min->v.i, 1);
	cr_expect(m->config[2].sensitive);
	mr_manifest_free(m);
	mr_diags_release(&d);
}

Test(manifest, config_rules)
{
	struct {
		const char *field, *code;
	} cases[] = {
		{"Bad: { type: string }", "bad-config"},
		{"a: { type: text }", "bad-config"},
		{"a: { type: enum }", "bad-config"},
		{"a: { type: string, values: [x] }", "bad-config"},
		{"a: { type: string, min: 1 }", "bad-config"},
		{"a: { type: integer, min: 5, max: 1 }", "bad-config"},
		{"a: { type: integer, default: 1.5 }", "bad-config"},
		{"a: { type: integer, default: 0, min: 1 }", "bad-config"},
		{"a: { type: string, default: 6 }", "bad-config"},
		{"a: { type: url, default: 'ftp://x' }", "bad-config"},
		{"a: { type: enum, values: [x], default: y }", "bad-config"},
		{"a: { type: boolean, default: yes }", "bad-config"},
		{"a: { type: password, default: x }", "sensitive-default"},
		{"a: { type: string, sensitive: true, default: x }", "sensitive-default"},
		{"apiKey: { type: string }", "unmarked-secret"},
		{"a: { type: string, required: yes }", "wrong-type"},
		{"a: { type: string, nope: 1 }", "unknown-key"},
		{"a: string", "wrong-type"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char text[512];
		snprintf(text, sizeof text, HEAD "config:\n  %s\n", cases[i].field);
		mr_diags d;
		mr_manifest *m = load(text, &d);
		cr_assert_not_null(m);
		cr_expect_eq(count_code(&d, cases[i].code), 1, "'%s': want one %s, got %zu diagnostics (first: %s)",
		             cases[i].field, cases[i].code, d.len, d.len ? d.items[0].message : "-");
		/* an unmarked secret is a warning: the manifest stays valid */
		if (!strcmp(cases[i].code, "unmarked-secret")) {
			cr_expect_eq(m->errors, 0);
			cr_expect_eq(m->warnings, 1);
		} else
			cr_expect_gt(m->errors, 0, "'%s' makes the manifest invalid", cases[i].field);
		mr_manifest_free(m);
		mr_diags_release(&d);
	}
}

Test(manifest, bad_config_key_does_not_hide_other_problems)
{
	mr_diags d;
	mr_manifest *m = load(HEAD "config:\n  API_TOKEN: { type: password, default: x }\n", &d);
	cr_assert_not_null(m);
	cr_expect_eq(count_code(&d, "bad-config"), 1);
	cr_expect_eq(count_code(&d, "sensitive-default"), 1);
	cr_expect_eq(m->nconfig, 0);
	mr_manifest_free(m);
	mr_diags_release(&d);
}

Test(manifest, booleans_are_yaml_1_2)
{
	mr_diags d;
	mr_manifest *m = load(HEAD "config:\n  a: { type: string, required: yes }\n", &d);
	cr_assert_not_null(m);
	const mr_diag *dg = find_code(&d, "wrong-type");
	cr_assert_not_null(dg);
	cr_expect(strstr(dg->message, "YAML 1.2"), "the message explains why: %s", dg->message);
	cr_expect_eq(dg->line, 7);
	cr_expect_eq(dg->col, 32);
	mr_manifest_free(m);
	mr_diags_release(&d);
}

Test(manifest, entities_and_references)
{
	mr_diags d;
	mr_manifest *m = load(HEAD "entities: [{name: Customer}, {name: Order}, {name: Customer}]\n"
	                           "api:\n  routes: [{ method: GET, path: /c, entity: Custmer }]\n"
	                           "events:\n  publishes: [{ name: e, entity: Order }]\n",
	                      &d);
	cr_assert_not_null(m);
	cr_expect_eq(m->nentities, 2);
	cr_expect_eq(count_code(&d, "duplicate-entity"), 1);
	const mr_diag *dg = find_code(&d, "unknown-entity");
	cr_assert_not_null(dg);
	cr_expect(strstr(dg->message, "did you mean 'Customer'"), "%s", dg->message);
	cr_expect_eq(count_code(&d, "unknown-entity"), 1, "Order is declared");
	mr_manifest_free(m);
	mr_diags_release(&d);
}

Test(manifest, route_operations_may_name_actions)
{
	mr_diags d;
	mr_manifest *m = load(HEAD "actions: [{name: merge}]\n"
	                           "api:\n  routes:\n"
	                           "    - { method: POST, path: /m, operation: merge }\n"
	                           "    - { method: POST, path: /n, operation: list }\n"
	                           "    - { method: POST, path: /o, operation: fly }\n",
	                      &d);
	cr_assert_not_null(m);
	cr_expect_eq(d.len, 1);
	cr_expect_eq(count_code(&d, "bad-value"), 1);
	cr_expect_eq(d.items[0].line, 11);
	mr_manifest_free(m);
	mr_diags_release(&d);
}

Test(manifest, required_keys_and_types)
{
	mr_diags d;
	mr_manifest *m = load("owner: x\n", &d);
	cr_assert_not_null(m);
	cr_expect_eq(count_code(&d, "missing-key"), 5);
	mr_manifest_free(m);
	mr_diags_release(&d);
	m = load("- a\n", &d);
	cr_assert_not_null(m, "a manifest that is not a mapping still loads, with an error");
	cr_expect_eq(count_code(&d, "not-a-mapping"), 1);
	cr_expect_eq(m->errors, 1);
	mr_manifest_free(m);
	mr_diags_release(&d);
	m = load("a: [\n", &d);
	cr_expect_null(m, "YAML that does not load gives no manifest");
	cr_expect_eq(count_code(&d, "yaml-syntax"), 1);
	mr_diags_release(&d);
	/* duplicate keys found by the loader count as the manifest's errors */
	m = load(HEAD "owner: a\nowner: b\n", &d);
	cr_assert_not_null(m);
	cr_expect_eq(m->errors, 1);
	cr_expect_str_eq(m->owner.s, "a");
	mr_manifest_free(m);
	mr_diags_release(&d);
}

Test(manifest, any_scalar_is_text)
{
	mr_diags d;
	mr_manifest *m = load("apiVersion: modreg/v1\nname: 2026\ndescription: true\ntype: crud\nversion: \"1.0.0\"\nowner: 3.5\n",
	                      &d);
	expect_clean(m, &d);
	cr_expect_str_eq(m->name.s, "2026");
	cr_expect_str_eq(m->description.s, "true");
	cr_expect_str_eq(m->owner.s, "3.5");
	mr_manifest_free(m);
	mr_diags_release(&d);
}

Test(manifest, dates)
{
	const char *good[] = {"2026-02-16", "2024-02-29", "2026-02-16T10:00:00Z", "2026-02-16T10:00Z", "2026-02-16T10:00:00.5+01:00",
	                      "2026-12-31T23:59:60Z", NULL};
	const char *bad[] = {"2026-2-16", "2025-02-29", "2026-04-31", "2026-13-01", "2026-02-16T24:00:00Z", "16/02/2026",
	                     "2026-02-16T10", "2026-02-16Z", "2026-02-16T10:00:00+0100", NULL};
	for (int pass = 0; pass < 2; pass++) {
		const char *const *list = pass ? bad : good;
		for (size_t i = 0; list[i]; i++) {
			char text[512];
			snprintf(text, sizeof text, HEAD "created: { at: '%s' }\n", list[i]);
			mr_diags d;
			mr_manifest *m = load(text, &d);
			cr_assert_not_null(m);
			cr_expect_eq(count_code(&d, "bad-value"), (size_t)pass, "%s", list[i]);
			mr_manifest_free(m);
			mr_diags_release(&d);
		}
	}
}

Test(manifest, leaked_secrets_are_named_not_shown)
{
	const char *tok = "ghp_Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg7Hj9K0m";
	char text[1024];
	snprintf(text, sizeof text,
	         HEAD "owner: %s\ntags: [%s]\nentities: [{name: A}]\napi:\n  routes: [{method: GET, path: /x, entity: %s}]\n"
	              "x-deep: {a: [{b: 'https://u:pw12345@h.example'}]}\n",
	         tok, tok, tok);
	mr_diags d;
	mr_manifest *m = load(text, &d);
	cr_assert_not_null(m);
	cr_expect_eq(count_code(&d, "leaked-secret"), 4);
	for (size_t i = 0; i < d.len; i++) {
		cr_expect_null(strstr(d.items[i].message, "Xq7Lm2"), "%s", d.items[i].message);
		cr_expect_null(strstr(d.items[i].message, "pw12345"), "%s", d.items[i].message);
	}
	bool named = false;
	for (size_t i = 0; i < d.len; i++) named = named || strstr(d.items[i].message, "'x-deep.a[0].b'");
	cr_expect(named, "the message names the key path");
	mr_manifest_free(m);
	mr_diags_release(&d);
}

/* ---- file references: a module directory in a temporary directory ---- */

static char *tmpdir(void)
{
	char *t = mr_xstrdup("/tmp/modreg-test-manifest.XXXXXX");
	cr_assert_not_null(mkdtemp(t));
	return t;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *p = mr_path_join(dir, name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f, "cannot write %s", p);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void rm_rf(const char *dir)
{
	char *cmd = mr_xasprintf("rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
}

Test(manifest, schema_fields)
{
	char *root = tmpdir();
	char *dir = mr_path_join(root, "test");
	cr_assert_eq(mkdir(dir, 0755), 0);
	char *schemas = mr_path_join(dir, "schemas");
	cr_assert_eq(mkdir(schemas, 0755), 0);
	write_file(schemas, "c.json",
	           "{\"properties\": {\"name\": {\"type\": \"string\", \"description\": \"Full name\"},"
	           " \"email\": {\"type\": [\"string\", \"null\"], \"format\": \"email\"}, \"ref\": {\"$ref\": \"x.json\"}},"
	           " \"required\": [\"name\"]}");
	write_file(root, "outside.json", "{}");
	char *link = mr_path_join(schemas, "out.json");
	cr_assert_eq(symlink("../../outside.json", link), 0);
	free(link);
	mr_diags d;
	mr_manifest *m = load_in(HEAD "entities:\n"
	                              "  - { name: C, schema: schemas/c.json }\n"
	                              "  - { name: D, schema: schemas/../schemas/c.json }\n"
	                              "  - { name: E, schema: ../outside.json }\n"
	                              "  - { name: F, schema: schemas/out.json }\n"
	                              "  - { name: G, schema: schemas/none.json }\n"
	                              "  - { name: H, schema: schemas }\n"
	                              "  - { name: I, schema: /etc/hostname }\n",
	                         dir, &d);
	cr_assert_not_null(m);
	cr_expect_eq(count_code(&d, "bad-file-ref"), 5, "E F G H I: got %zu (first %s)", count_code(&d, "bad-file-ref"),
	             d.len ? d.items[0].message : "-");
	cr_assert_eq(m->nentities, 7);
	const mr_entity *c = &m->entities[0];
	cr_expect_str_eq(c->name.s, "C");
	cr_assert_eq(c->nfields, 3);
	cr_expect_str_eq(c->fields[0].name, "email", "fields sorted by name");
	cr_expect_str_eq(c->fields[0].type, "string|null");
	cr_expect_str_eq(c->fields[0].format, "email");
	cr_expect_not(c->fields[0].required);
	cr_expect_str_eq(c->fields[1].name, "name");
	cr_expect(c->fields[1].required);
	cr_expect_str_eq(c->fields[1].description, "Full name");
	cr_expect_str_eq(c->fields[2].type, "object");
	cr_expect_eq(m->entities[1].nfields, 3, "a .. that stays inside is fine");
	mr_manifest_free(m);
	mr_diags_release(&d);
	/* without a module directory no file is checked */
	m = load(HEAD "entities: [{ name: G, schema: schemas/none.json }]\n", &d);
	expect_clean(m, &d);
	mr_manifest_free(m);
	mr_diags_release(&d);
	rm_rf(root);
	free(schemas);
	free(dir);
	free(root);
}

Test(manifest, huge_lists_stay_fast)
{
	/* tens of thousands of entities and routes: duplicate and reference checks must not
	 * compare all pairs (they took seconds) */
	mr_buf b = MR_BUF_INIT;
	mr_buf_puts(&b, HEAD "entities:\n");
	for (int i = 0; i < 12000; i++) mr_buf_printf(&b, "  - {name: E%d}\n", i);
	mr_buf_puts(&b, "  - {name: E7}\napi:\n  routes:\n");
	/* every other route names an entity that does not exist: each asks for a did-you-mean */
	for (int i = 0; i < 8000; i++) mr_buf_printf(&b, "  - {method: GET, path: /r%d, entity: %c%d}\n", i, i % 2 ? 'X' : 'E', i);
	mr_buf_puts(&b, "  - {method: GET, path: /r5, entity: Nope}\n");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mr_diags d;
	mr_diags_init(&d);
	mr_manifest *m = mr_manifest_load(b.data, b.len, NULL, "test", "f", &d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_assert_not_null(m);
	cr_expect_lt(s, 2.0, "took %.2f s", s);
	cr_expect_eq(count_code(&d, "duplicate-entity"), 1);
	cr_expect_eq(count_code(&d, "duplicate-route"), 1);
	cr_expect_eq(count_code(&d, "unknown-entity"), 4001);
	cr_expect_eq(m->nentities, 12000);
	cr_expect_eq(m->nroutes, 8000);
	mr_manifest_free(m);
	mr_diags_release(&d);
	mr_buf_release(&b);
}
