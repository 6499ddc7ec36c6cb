/* test_similar.c — similarity: normalisation of entities, endpoints and words, the
 * reasons given, the possible-duplicate warning, and the measured test set of
 * tests/data/similarity/ against the example registry (top-1 accuracy on
 * near-duplicates at least 95%, false alarms on new modules at most 5%).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "query.h"
#include "similar.h"
#include "util.h"

#define SET_DIR "tests/data/similarity"
#define REGISTRY "registry"

static mr_simprofile *prof(const char *json)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	cr_assert(j, "bad test JSON: %s", je.text);
	mr_simprofile *p = mr_simprofile_from_json(j);
	json_decref(j);
	return p;
}

static int score(const char *a, const char *b, mr_buf *why)
{
	mr_simprofile *pa = prof(a), *pb = prof(b);
	int s = mr_similarity(pa, pb, why);
	mr_simprofile_free(pa);
	mr_simprofile_free(pb);
	return s;
}

Test(similar, normalise_term_keeps_index_keys)
{
	const char *cases[][2] = {{"OrderTrackings", "order-tracking"}, {"order_tracking", "order-tracking"},
	                          {"Categories", "category"},            {"HTTPServer", "http-server"},
	                          {"boxes", "box"},                      {"Status", "status"},
	                          {"ESXiHost", "es-xi-host"},            {"", ""}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *t = mr_normalise_term(cases[i][0]);
		cr_expect_str_eq(t, cases[i][1], "normalise '%s'", cases[i][0]);
		free(t);
	}
}

Test(similar, entities_meet_across_case_number_and_separators)
{
	const char *forms[] = {"OrderTracking", "order_tracking", "order-trackings", "ORDER_TRACKINGS", "orderTrackings",
	                       "Order Tracking"};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		char *a = mr_xasprintf("{\"entities\":[\"%s\"]}", forms[i]);
		mr_buf why = MR_BUF_INIT;
		int s = score(a, "{\"entities\":[\"OrderTracking\"]}", &why);
		cr_expect_eq(s, 100, "'%s' vs OrderTracking: %d (%s)", forms[i], s, mr_buf_str(&why));
		cr_expect(strstr(mr_buf_str(&why), "both manage OrderTracking"), "reason: %s", mr_buf_str(&why));
		mr_buf_release(&why);
		free(a);
	}
	/* different entities do not meet */
	cr_expect_eq(score("{\"entities\":[\"Order\"]}", "{\"entities\":[\"Invoice\"]}", NULL), 0);
}

Test(similar, a_namespaced_or_qualified_entity)
{
	/* "ChatChannel" in a module named chat is its Channel */
	mr_buf why = MR_BUF_INIT;
	int s = score("{\"name\":\"Slack clone\",\"entities\":[\"ChatChannel\"]}",
	              "{\"id\":\"chat\",\"name\":\"Team Chat\",\"entities\":[\"Channel\"]}", &why);
	cr_expect_geq(s, MR_DUPLICATE_THRESHOLD, "%d (%s)", s, mr_buf_str(&why));
	cr_expect(strstr(mr_buf_str(&why), "both manage Channel"), "%s", mr_buf_str(&why));
	mr_buf_release(&why);
	/* "ComputeCluster" and "Cluster": the same kind, half a match */
	s = score("{\"entities\":[\"Cluster\",\"Node\"]}", "{\"entities\":[\"ComputeCluster\",\"Datastore\"]}", &why);
	cr_expect(s > 0 && s < MR_DUPLICATE_THRESHOLD, "%d", s);
	cr_expect(strstr(mr_buf_str(&why), "entities of the same kind as ComputeCluster"), "%s", mr_buf_str(&why));
	mr_buf_release(&why);
	/* a generic head noun is no evidence */
	cr_expect_eq(score("{\"entities\":[\"LeaveRequest\"]}", "{\"entities\":[\"Request\"]}", NULL), 0);
}

Test(similar, endpoints_normalise_parameters_number_and_base_path)
{
	const char *module = "{\"api\":{\"basePath\":\"/crm\",\"routes\":["
	                     "{\"method\":\"GET\",\"path\":\"/customers/{id}\",\"fullPath\":\"/crm/customers/{id}\"},"
	                     "{\"method\":\"POST\",\"path\":\"/order-tracking\",\"fullPath\":\"/crm/order-tracking\"}]}}";
	const char *same[] = {"GET /customers/:customerId", "get /customer/{key}", "GET /crm/customers/{x}",
	                      "POST /orderTracking", "POST /crm/order_trackings"};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		char *a = mr_xasprintf("{\"endpoints\":[\"%s\"]}", same[i]);
		mr_buf why = MR_BUF_INIT;
		int s = score(a, module, &why);
		cr_expect_geq(s, MR_DUPLICATE_THRESHOLD, "'%s': %d", same[i], s);
		cr_expect(strstr(mr_buf_str(&why), "1 shared endpoint ("), "'%s': %s", same[i], mr_buf_str(&why));
		mr_buf_release(&why);
		free(a);
	}
	/* another method or another resource is another endpoint */
	cr_expect_eq(score("{\"endpoints\":[\"DELETE /customers/{id}\"]}", module, NULL), 0);
	cr_expect_eq(score("{\"endpoints\":[\"GET /customers/{id}/orders\"]}", module, NULL), 0);
	/* a bare path is a GET */
	cr_expect_gt(score("{\"endpoints\":[\"/customers/{id}\"]}", module, NULL), 0);
}

Test(similar, reasons_name_what_is_shared)
{
	mr_buf why = MR_BUF_INIT;
	int s = score("{\"name\":\"Customer Relationship Management\",\"entities\":[\"customers\",\"Orders\"],"
	              "\"keywords\":[\"CRM\",\"order tracking\"],\"endpoints\":[\"GET /customers\",\"GET /orders\"]}",
	              "{\"id\":\"crm\",\"name\":\"CRM\",\"entities\":[{\"name\":\"Customer\"},{\"name\":\"Order\"},"
	              "{\"name\":\"Invoice\"}],\"ai\":{\"keywords\":[\"crm\",\"Order Tracking\"]},\"api\":{\"routes\":["
	              "{\"method\":\"GET\",\"path\":\"/customers\"},{\"method\":\"GET\",\"path\":\"/orders\"}]}}",
	              &why);
	const char *r = mr_buf_str(&why);
	cr_expect_geq(s, MR_DUPLICATE_THRESHOLD);
	cr_expect(strstr(r, "both manage Customer and Order"), "%s", r);
	cr_expect(strstr(r, "2 shared endpoints (GET /customers, GET /orders)"), "%s", r);
	cr_expect(strstr(r, "shared keywords: crm, Order Tracking"), "%s", r);
	cr_expect(strstr(r, "alike names (Customer Relationship Management, CRM)"), "%s", r);
	mr_buf_release(&why);
	/* nothing shared: no reasons, score 0 */
	cr_expect_eq(score("{\"name\":\"Fleet\",\"entities\":[\"Vehicle\"]}", "{\"name\":\"Chat\",\"entities\":[\"Message\"]}",
	                   &why),
	             0);
	cr_expect_eq(why.len, 0, "%s", mr_buf_str(&why));
	mr_buf_release(&why);
}

Test(similar, little_evidence_is_not_a_duplicate)
{
	/* one shared word or keyword out of one is not certainty */
	cr_expect_lt(score("{\"name\":\"customer\"}", "{\"description\":\"Customers and their orders, invoices and "
	                                                "payments, with tracking of every shipment.\"}",
	                   NULL),
	             MR_DUPLICATE_THRESHOLD);
	cr_expect_lt(score("{\"keywords\":[\"customer\"]}", "{\"ai\":{\"keywords\":[\"customer\",\"order\",\"crm\"]}}", NULL),
	             MR_DUPLICATE_THRESHOLD);
	/* alike words, different data and endpoints */
	cr_expect_lt(score("{\"description\":\"Customer orders and order tracking\",\"entities\":[\"Ticket\"],"
	                   "\"endpoints\":[\"GET /tickets\"]}",
	                   "{\"description\":\"Customer orders and order tracking\",\"entities\":[\"Order\"],"
	                   "\"endpoints\":[\"GET /orders\"]}",
	                   NULL),
	             MR_DUPLICATE_THRESHOLD);
	/* one shared word of a name is not a duplicate; the same name or its acronym is */
	const char *sales = "{\"id\":\"sales-suite\",\"name\":\"Sales Suite\"}";
	cr_expect_lt(score("{\"name\":\"Sales Dashboard\"}", sales, NULL), MR_DUPLICATE_THRESHOLD);
	cr_expect_lt(score("{\"name\":\"Team Wiki\"}", "{\"id\":\"chat\",\"name\":\"Team Chat\"}", NULL),
	             MR_DUPLICATE_THRESHOLD);
	cr_expect_geq(score("{\"name\":\"sales suite\"}", sales, NULL), MR_DUPLICATE_THRESHOLD);
	cr_expect_geq(score("{\"name\":\"Customer Relationship Management\"}", "{\"id\":\"crm\",\"name\":\"CRM\"}", NULL),
	              MR_DUPLICATE_THRESHOLD);
	mr_simprofile *e = prof("{\"name\":\"\",\"entities\":[],\"keywords\":[],\"description\":\"the of and\"}");
	cr_expect(mr_simprofile_empty(e));
	mr_simprofile *f = prof("{\"name\":\"Billing\"}");
	cr_expect_eq(mr_similarity(e, f, NULL), 0);
	mr_simprofile_free(e);
	mr_simprofile_free(f);
	mr_simprofile *g = mr_simprofile_from_json(NULL);
	cr_expect(mr_simprofile_empty(g));
	mr_simprofile_free(g);
}

Test(similar, hostile_input_is_harmless, .timeout = 20)
{
	/* wrong types are ignored, long and odd text does not break anything */
	mr_simprofile *p = prof("{\"name\":5,\"entities\":[1,null,{\"x\":1},\"\"],\"endpoints\":[\"GET\",\"\",\"  \","
	                        "\"GET relative\",{\"path\":7}],\"keywords\":{\"a\":1},\"description\":\"\\u2014\\u00a0"
	                        "\\u00e9t\\u00e9 \\u2014\"}");
	mr_simprofile *q = prof("{\"name\":\"été\"}");
	cr_expect_geq(mr_similarity(p, q, NULL), 0);
	mr_simprofile_free(p);
	mr_simprofile_free(q);
	mr_buf big = MR_BUF_INIT;
	mr_buf_puts(&big, "{\"description\":\"");
	for (int i = 0; i < 20000; i++) mr_buf_printf(&big, "word%d ", i % 3000);
	mr_buf_puts(&big, "\",\"entities\":[");
	for (int i = 0; i < 3000; i++) mr_buf_printf(&big, "%s\"Entity%d\"", i ? "," : "", i);
	mr_buf_puts(&big, "]}");
	p = prof(mr_buf_str(&big));
	cr_expect_eq(mr_similarity(p, p, NULL), 100);
	mr_simprofile_free(p);
	mr_buf_release(&big);
	/* two modules with twenty thousand distinct routes each compare quickly */
	mr_buf_puts(&big, "{\"endpoints\":[");
	for (int i = 0; i < 20000; i++) mr_buf_printf(&big, "%s\"GET /r%d/{id}\"", i ? "," : "", i);
	mr_buf_puts(&big, "]}");
	p = prof(mr_buf_str(&big));
	q = prof(mr_buf_str(&big));
	cr_expect_eq(mr_similarity(p, q, NULL), 100);
	mr_simprofile_free(p);
	mr_simprofile_free(q);
	mr_buf_release(&big);
}

/* ---- the registry ---- */

static void load_registry(mr_registry *reg)
{
	cr_assert_eq(mr_registry_load(reg, REGISTRY, NULL), 0, "run the tests from the repository root");
}

Test(similar, manifest_and_context_profiles_agree)
{
	/* check.c scores manifests, query.c scores context.json: both must say the same */
	mr_registry reg;
	load_registry(&reg);
	json_t *ctx = mr_query_build(REGISTRY, NULL, NULL, NULL);
	cr_assert(ctx);
	size_t n = reg.n;
	mr_simprofile **pm = mr_xcalloc(n + 1, sizeof *pm), **pj = mr_xcalloc(n + 1, sizeof *pj);
	for (size_t i = 0; i < n; i++) {
		cr_assert(reg.mods[i]->m, "%s has no manifest", reg.mods[i]->id);
		pm[i] = mr_simprofile_from_manifest(reg.mods[i]->m);
		json_t *m = mr_query_module(ctx, reg.mods[i]->id);
		cr_assert(m);
		pj[i] = mr_simprofile_from_json(m);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			mr_buf a = MR_BUF_INIT, b = MR_BUF_INIT;
			int sm = mr_similarity(pm[i], pm[j], &a), sj = mr_similarity(pj[i], pj[j], &b);
			cr_expect_eq(sm, sj, "%s vs %s: manifest %d, context %d", reg.mods[i]->id, reg.mods[j]->id, sm, sj);
			cr_expect_str_eq(mr_buf_str(&a), mr_buf_str(&b));
			cr_expect_eq(sm, mr_similarity(pm[j], pm[i], NULL), "not symmetric: %s, %s", reg.mods[i]->id,
			             reg.mods[j]->id);
			if (i == j) cr_expect_eq(sm, 100, "%s vs itself: %d", reg.mods[i]->id, sm);
			mr_buf_release(&a);
			mr_buf_release(&b);
		}
	for (size_t i = 0; i < n; i++) {
		mr_simprofile_free(pm[i]);
		mr_simprofile_free(pj[i]);
	}
	free(pm);
	free(pj);
	json_decref(ctx);
	mr_registry_release(&reg);
}

static size_t count_code(const mr_registry *reg, const mr_analysis *an, const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < reg->n; i++)
		for (size_t k = 0; k < an->info[i].diags.len; k++) n += !strcmp(an->info[i].diags.items[k].code, code);
	return n;
}

Test(similar, example_registry_has_no_possible_duplicate)
{
	mr_registry reg;
	load_registry(&reg);
	mr_analysis an;
	mr_analyse(&reg, &an);
	cr_expect_eq(count_code(&reg, &an, "possible-duplicate"), 0);
	mr_analysis_release(&an);
	mr_registry_release(&reg);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *p = mr_path_join(dir, name);
	bool changed;
	cr_assert_eq(mr_write_file_atomic(p, text, strlen(text), &changed), 0, "write %s", p);
	free(p);
}

static void add_module(const char *root, const char *id, const char *yaml)
{
	char *dir = mr_path_join(root, id);
	cr_assert_eq(mr_mkdirs(dir, 0755), 0);
	write_file(dir, "module.yaml", yaml);
	write_file(dir, "README.md", "# x\n");
	free(dir);
}

Test(similar, possible_duplicate_warning_uses_the_same_score)
{
	char root[] = "/tmp/modreg-similar-XXXXXX";
	cr_assert(mkdtemp(root));
	add_module(root, "crm",
	           "apiVersion: modreg/v1\nname: CRM\ndescription: Customers and their orders.\ntype: crud\nversion: 1.0.0\n"
	           "entities: [{name: Customer}, {name: Order}]\n"
	           "api: {basePath: /crm, routes: [{method: GET, path: /customers}, {method: GET, path: \"/orders/{id}\"}]}\n");
	add_module(root, "client-hub",
	           "apiVersion: modreg/v1\nname: Client Hub\ndescription: Clients and what they ordered.\ntype: crud\n"
	           "version: 0.1.0\nentities: [{name: Customers}, {name: Orders}]\n"
	           "api: {basePath: /hub, routes: [{method: GET, path: /customers}, {method: GET, path: \"/orders/:key\"}]}\n");
	add_module(root, "fleet",
	           "apiVersion: modreg/v1\nname: Fleet\ndescription: Vehicles and trips.\ntype: crud\nversion: 0.1.0\n"
	           "entities: [{name: Vehicle}, {name: Trip}]\n"
	           "api: {basePath: /fleet, routes: [{method: GET, path: /vehicles}]}\n");
	mr_registry reg;
	cr_assert_eq(mr_registry_load(&reg, root, NULL), 0);
	mr_analysis an;
	mr_analyse(&reg, &an);
	cr_expect_eq(count_code(&reg, &an, "possible-duplicate"), 2, "one warning on each of crm and client-hub");
	long i = mr_registry_index(&reg, "client-hub");
	cr_assert_geq(i, 0);
	bool seen = false;
	for (size_t k = 0; k < an.info[i].diags.len; k++) {
		const mr_diag *d = &an.info[i].diags.items[k];
		if (strcmp(d->code, "possible-duplicate")) continue;
		seen = true;
		cr_expect(strstr(d->message, "client-hub looks like crm (similarity "), "%s", d->message);
		cr_expect(strstr(d->message, "both manage Customer and Order"), "%s", d->message);
		cr_expect(strstr(d->message, "2 shared endpoints"), "%s", d->message);
	}
	cr_expect(seen);
	long f = mr_registry_index(&reg, "fleet");
	for (size_t k = 0; k < an.info[f].diags.len; k++)
		cr_expect_str_neq(an.info[f].diags.items[k].code, "possible-duplicate");
	mr_analysis_release(&an);
	mr_registry_release(&reg);
	char *cmd = mr_xasprintf("rm -rf '%s'", root);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
}

/* ---- the measured test set ---- */

typedef struct proposal {
	char *file;
	char *expect; /* module id or "none" */
	mr_simprofile *p;
} proposal;

static proposal load_proposal(const char *name)
{
	proposal pr = {mr_path_join(SET_DIR, name), NULL, NULL};
	char *data = NULL;
	size_t len = 0;
	cr_assert_eq(mr_read_file(pr.file, MR_MANIFEST_MAX_BYTES, &data, &len), 0, "read %s", pr.file);
	if (mr_str_has_suffix(name, ".json")) {
		json_error_t je;
		json_t *j = json_loadb(data, len, 0, &je);
		cr_assert(j, "%s: %s", pr.file, je.text);
		cr_assert(json_is_string(json_object_get(j, "expect")), "%s has no expect", pr.file);
		pr.expect = mr_xstrdup(json_string_value(json_object_get(j, "expect")));
		pr.p = mr_simprofile_from_json(j);
		json_decref(j);
	} else {
		mr_diags d;
		mr_diags_init(&d);
		mr_manifest *m = mr_manifest_load(data, len, NULL, "proposal", pr.file, &d);
		cr_assert(m, "%s does not load", pr.file);
		for (size_t i = 0; i < m->nextensions; i++)
			if (!strcmp(m->extensions[i].key.s, "x-expect")) pr.expect = mr_xstrdup(m->extensions[i].value->str);
		cr_assert(pr.expect, "%s has no x-expect", pr.file);
		/* a proposal that does not load cleanly would test less than it claims */
		for (size_t i = 0; i < d.len; i++)
			cr_expect(strcmp(d.items[i].code, "bad-value") && strcmp(d.items[i].code, "unknown-key") &&
			              strcmp(d.items[i].code, "wrong-type"),
			          "%s:%u: %s", pr.file, d.items[i].line, d.items[i].message);
		pr.p = mr_simprofile_from_manifest(m);
		mr_manifest_free(m);
		mr_diags_release(&d);
	}
	free(data);
	return pr;
}

Test(similar, test_set_accuracy_and_false_alarms, .timeout = 60)
{
	json_t *ctx = mr_query_build(REGISTRY, NULL, NULL, NULL);
	cr_assert(ctx, "run the tests from the repository root");
	DIR *d = opendir(SET_DIR);
	cr_assert(d, "no %s", SET_DIR);
	char **names = NULL;
	size_t nn = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (mr_str_has_suffix(e->d_name, ".json") || mr_str_has_suffix(e->d_name, ".yaml")) {
			MR_GROW(names, cap, nn + 1);
			names[nn++] = mr_xstrdup(e->d_name);
		}
	closedir(d);
	qsort(names, nn, sizeof *names, mr_strcmp_ptr);
	size_t dups = 0, found = 0, ranked_first = 0, fresh = 0, alarms = 0;
	int weakest_dup = 101, strongest_new = -1;
	for (size_t k = 0; k < nn; k++) {
		proposal pr = load_proposal(names[k]);
		json_t *res = mr_query_similar(ctx, pr.p, NULL, 1);
		json_t *top = json_array_get(json_object_get(res, "modules"), 0);
		const char *top_id = top ? json_string_value(json_object_get(top, "id")) : "none";
		int top_score = top ? (int)json_integer_value(json_object_get(top, "score")) : 0;
		const char *why = top ? json_string_value(json_object_get(top, "reasons")) : "";
		bool is_new = !strcmp(pr.expect, "none");
		bool ok;
		if (is_new) {
			fresh++;
			ok = top_score < MR_DUPLICATE_THRESHOLD;
			alarms += !ok;
			if (top_score > strongest_new) strongest_new = top_score;
		} else {
			cr_expect(mr_query_module(ctx, pr.expect), "%s expects %s, which is not in the registry", names[k], pr.expect);
			dups++;
			bool first = !strcmp(top_id, pr.expect);
			ranked_first += first;
			ok = first && top_score >= MR_DUPLICATE_THRESHOLD;
			found += ok;
			if (first && top_score < weakest_dup) weakest_dup = top_score;
		}
		printf("%s %-38s expect %-17s top %-17s %3d  %s\n", ok ? "  " : "XX", names[k], pr.expect, top_id, top_score, why);
		json_decref(res);
		mr_simprofile_free(pr.p);
		free(pr.file);
		free(pr.expect);
		free(names[k]);
	}
	free(names);
	json_decref(ctx);
	cr_assert_geq(dups + fresh, 30, "the test set needs at least 30 proposals, has %zu", dups + fresh);
	cr_assert_geq(fresh * 4, dups + fresh, "at least a quarter of the proposals must be new modules");
	double accuracy = 100.0 * (double)found / (double)dups, false_alarms = 100.0 * (double)alarms / (double)fresh;
	printf("similarity: %zu near-duplicates, top-1 found (ranked first and at or above %d) %zu = %.1f%% "
	       "(ranked first %zu); %zu new modules, false alarms %zu = %.1f%%; weakest duplicate %d, strongest new %d\n",
	       dups, MR_DUPLICATE_THRESHOLD, found, accuracy, ranked_first, fresh, alarms, false_alarms, weakest_dup,
	       strongest_new);
	fflush(stdout);
	cr_expect_geq(accuracy, 95.0, "top-1 accuracy %.1f%% is below 95%%", accuracy);
	cr_expect_leq(false_alarms, 5.0, "false alarms %.1f%% are above 5%%", false_alarms);
}

/* The stop words are found by binary search: the list must stay in strcmp order, and
 * every word of it must be found. */
Test(similar, every_stopword_is_found)
{
	const char *const *w = mr_sim_stopwords();
	size_t n = 0;
	for (; w[n]; n++) {
		if (n) cr_assert_lt(strcmp(w[n - 1], w[n]), 0, "'%s' before '%s'", w[n - 1], w[n]);
		cr_assert(mr_sim_stopword(w[n]), "'%s'", w[n]);
	}
	cr_assert_gt(n, 100);
	const char *content[] = {"invoice", "customer", "zz", "aa", "managements", "yours", "ab", NULL};
	for (size_t i = 0; content[i]; i++) cr_assert_not(mr_sim_stopword(content[i]), "'%s'", content[i]);
	cr_assert(mr_sim_stopword("x"), "one letter");
	cr_assert(mr_sim_stopword(""), "empty");
}
