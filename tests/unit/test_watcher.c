/* test_watcher.c — the watcher's logic without inotify: which module a changed path
 * belongs to, which names are ignored, when a batch is due (quiet period, maximum
 * delay), how a burst is coalesced into one sync, how a vanished manifest is given a
 * moment to come back, and that a sync re-renders only what a change affects.  The
 * records are synthetic; the registry is real files in a temporary directory. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "watcher.h"

/* ---------------------------------------------------------------- paths */

static void reg_path(const char *rel, bool matters, const char *id, bool extras)
{
	char *got = NULL;
	bool ex = false;
	bool m = mr_watcher_registry_path(rel, &got, &ex);
	cr_expect_eq(m, matters, "'%s': matters %d, expected %d", rel, m, matters);
	if (id) cr_expect(got && !strcmp(got, id), "'%s': module %s, expected %s", rel, got ? got : "(none)", id);
	else cr_expect_null(got, "'%s': module %s, expected none", rel, got);
	cr_expect_eq(ex, extras, "'%s': extras %d, expected %d", rel, ex, extras);
	free(got);
}

Test(watcher_paths, registry)
{
	reg_path("crm/module.yaml", true, "crm", false);
	reg_path("crm/README.md", true, "crm", false);
	reg_path("crm/docs/usage.md", true, "crm", false);
	reg_path("crm/schemas/deep/customer.json", true, "crm", false);
	reg_path("crm", true, "crm", true);         /* created, deleted or moved: the root's entries change */
	reg_path("", true, NULL, true);             /* the root itself */
	reg_path("README.md", true, NULL, true);    /* a file of the root */
	reg_path("Bad_Name", true, NULL, true);     /* not a module id: a bad-id warning maybe */
	reg_path("Bad_Name/module.yaml", true, NULL, true);
	reg_path("Bad_Name/README.md", false, NULL, false);
	reg_path("order-fulfillment/module.yaml", true, "order-fulfillment", false);
}

Test(watcher_paths, ignored_names)
{
	reg_path(".git/objects/ab/cdef", false, NULL, false);
	reg_path(".hidden", false, NULL, false);
	reg_path("crm/.module.yaml.swp", false, NULL, false);
	reg_path("crm/.module.yaml.swx", false, NULL, false);
	reg_path("crm/module.yaml~", false, NULL, false);
	reg_path("crm/4913", false, NULL, false);
	reg_path("crm/#module.yaml#", false, NULL, false);
	reg_path("crm/.#module.yaml", false, NULL, false);
	reg_path("crm/.cache/x", false, NULL, false);
	reg_path("crm~/module.yaml", false, NULL, false);
}

Test(watcher_paths, stats)
{
	char *id = NULL;
	cr_expect(mr_watcher_stats_path("crm.json", &id));
	cr_expect_str_eq(id, "crm");
	free(id);
	cr_expect(mr_watcher_stats_path("Not-A-Module.json", &id), "statistics of any name may be orphaned");
	free(id);
	cr_expect_not(mr_watcher_stats_path("crm.json~", &id));
	cr_expect_not(mr_watcher_stats_path(".crm.json", &id));
	cr_expect_not(mr_watcher_stats_path("crm.txt", &id));
	cr_expect_not(mr_watcher_stats_path(".json", &id));
	cr_expect_not(mr_watcher_stats_path("sub/crm.json", &id));
	cr_expect_null(id);
}

/* ---------------------------------------------------------------- a registry on disk */

static char dir[64];
static char *reg, *out, *stats;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static void module(const char *id, const char *version, const char *dep)
{
	char *d = mr_path_join(reg, id);
	mkdir(d, 0755);
	char *text = mr_xasprintf("apiVersion: modreg/v1\nname: Module %s\ndescription: The %s module.\ntype: service\n"
	                          "version: %s\n%s%s%s",
	                          id, id, version, dep ? "relationships:\n  - { target: " : "", dep ? dep : "",
	                          dep ? ", type: dependency, version: \"^1.0.0\" }\n" : "");
	char *f = mr_path_join(d, "module.yaml");
	write_file(f, text);
	free(f);
	f = mr_path_join(d, "README.md");
	write_file(f, "# readme\n");
	free(f);
	free(text);
	free(d);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/modreg-watcher-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	reg = mr_path_join(dir, "reg");
	out = mr_path_join(dir, "out");
	stats = mr_path_join(dir, "stats");
	mkdir(reg, 0755);
	setenv("SOURCE_DATE_EPOCH", "1795000000", 1);
}

static void teardown(void)
{
	char *cmd = mr_xasprintf("rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
	free(reg);
	free(out);
	free(stats);
}

static mr_watcher *new_watcher(void)
{
	mr_watcher_opts o = {reg, stats, out, 10, 200, 150, 0, NULL, NULL};
	return mr_watcher_new(&o);
}

static void changed(mr_watcher *w, const char *path, double now)
{
	mr_watch_event ev = {MR_WATCH_CHANGED, MR_WATCHER_ROOT_REGISTRY, false, (char *)path, NULL};
	mr_watcher_event(w, &ev, now);
}

/* run the sync that is due at now; returns its report (caller releases) */
static int sync_at(mr_watcher *w, double now, mr_watcher_report *rep)
{
	char *err = NULL;
	int r = mr_watcher_sync(w, now, rep, &err);
	cr_assert_geq(r, 0, "sync failed: %s", err ? err : "");
	free(err);
	return r;
}

TestSuite(watcher, .init = setup, .fini = teardown);

Test(watcher, first_sync_is_full_and_immediate)
{
	module("a", "1.0.0", NULL);
	module("b", "1.0.0", "a");
	mr_watcher *w = new_watcher();
	cr_expect_eq(mr_watcher_due(w), 0, "the start-up sync is due at once");
	mr_watcher_report rep;
	cr_expect_eq(sync_at(w, 0, &rep), 1);
	cr_expect(rep.full);
	cr_expect_str_eq(rep.reason, "start-up");
	cr_expect_eq(rep.res.added, 2);
	cr_expect(rep.res.context_changed);
	mr_watcher_report_release(&rep);
	cr_expect_lt(mr_watcher_due(w), 0, "nothing is due after it");
	cr_expect_eq(sync_at(w, 5000, &rep), 0, "no sync without a change");
	mr_watcher_report_release(&rep);
	mr_watcher_free(w);
}

Test(watcher, quiet_period_and_maximum_delay)
{
	module("a", "1.0.0", NULL);
	mr_watcher *w = new_watcher();
	mr_watcher_report rep;
	sync_at(w, 0, &rep);
	mr_watcher_report_release(&rep);

	changed(w, "a/module.yaml", 1000);
	cr_expect_float_eq(mr_watcher_due(w), 1010, 1e-9, "due after the quiet period");
	changed(w, "a/module.yaml", 1006);
	cr_expect_float_eq(mr_watcher_due(w), 1016, 1e-9, "a new change restarts the quiet period");
	cr_expect_eq(sync_at(w, 1012, &rep), 0, "not due while changes are still coming");
	mr_watcher_report_release(&rep);
	/* a stream that never pauses is synced all the same, at the maximum delay */
	for (double t = 1006; t < 1400; t += 5) changed(w, "a/README.md", t);
	cr_expect_float_eq(mr_watcher_due(w), 1200, 1e-9, "the maximum delay bounds the wait");
	cr_expect_eq(sync_at(w, 1200, &rep), 1);
	mr_watcher_report_release(&rep);
	cr_expect_lt(mr_watcher_due(w), 0);
	mr_watcher_free(w);
}

Test(watcher, a_burst_is_one_sync)
{
	char id[16];
	for (int i = 0; i < 20; i++) {
		snprintf(id, sizeof id, "m%02d", i);
		module(id, "1.0.0", NULL);
	}
	mr_watcher *w = new_watcher();
	mr_watcher_report rep;
	sync_at(w, 0, &rep);
	mr_watcher_report_release(&rep);
	/* 20 modules, each saved twice, its README too: 60 records, one batch */
	double t = 100;
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 20; i++) {
			snprintf(id, sizeof id, "m%02d", i);
			module(id, round ? "2.0.0" : "1.5.0", NULL);
			char path[64];
			snprintf(path, sizeof path, "%s/module.yaml", id);
			changed(w, path, t);
			snprintf(path, sizeof path, "%s/README.md", id);
			changed(w, path, t);
			t += 1;
		}
	cr_expect_eq(sync_at(w, t + 10, &rep), 1);
	cr_expect_eq(rep.reloaded, 20, "each module read once: %zu", rep.reloaded);
	cr_expect_eq(rep.res.updated, 20);
	cr_expect_eq(rep.res.nchanges, 20);
	cr_expect_str_eq(rep.res.changes[0].old_version, "1.0.0");
	cr_expect_str_eq(rep.res.changes[0].new_version, "2.0.0");
	mr_watcher_report_release(&rep);
	cr_expect_lt(mr_watcher_due(w), 0, "everything synced at once");
	mr_watcher_free(w);
}

Test(watcher, only_affected_entries_are_rendered)
{
	module("base", "1.0.0", NULL);
	module("user", "1.0.0", "base");
	module("alone1", "1.0.0", NULL);
	module("alone2", "1.0.0", NULL);
	mr_watcher *w = new_watcher();
	mr_watcher_report rep;
	sync_at(w, 0, &rep);
	mr_watcher_report_release(&rep);

	/* a README: only that module */
	char *f = mr_path_join(reg, "alone1/README.md");
	write_file(f, "# new readme\n");
	free(f);
	changed(w, "alone1/README.md", 100);
	sync_at(w, 200, &rep);
	cr_expect_eq(rep.res.rendered, 1, "rendered %zu entries for a README", rep.res.rendered);
	cr_expect_eq(rep.res.nchanges, 0, "a README is not a manifest change");
	mr_watcher_report_release(&rep);

	/* base 2.0.0 no longer satisfies user's ^1.0.0: base and user change, the others not */
	module("base", "2.0.0", NULL);
	changed(w, "base/module.yaml", 300);
	sync_at(w, 400, &rep);
	cr_expect_eq(rep.res.rendered, 2, "rendered %zu entries for a version bump", rep.res.rendered);
	cr_expect_eq(rep.res.entries_changed, 2);
	cr_expect_gt(rep.res.errors, 0, "the unsatisfied range is an error");
	mr_watcher_report_release(&rep);
	mr_watcher_free(w);
}

Test(watcher, a_vanished_manifest_gets_a_moment)
{
	module("a", "1.0.0", NULL);
	module("b", "1.0.0", NULL);
	mr_watcher *w = new_watcher();
	mr_watcher_report rep;
	sync_at(w, 0, &rep);
	mr_watcher_report_release(&rep);

	/* an editor renames the manifest away before it writes the new one */
	char *f = mr_path_join(reg, "a/module.yaml"), *g = mr_path_join(reg, "a/module.yaml~");
	cr_assert_eq(rename(f, g), 0);
	changed(w, "a/module.yaml", 1000);
	cr_expect_eq(sync_at(w, 1010, &rep), 1);
	cr_expect_eq(rep.postponed, 1, "the module waits for its manifest");
	cr_expect_eq(rep.res.removed, 0, "and is not removed yet");
	mr_watcher_report_release(&rep);
	cr_expect_float_eq(mr_watcher_due(w), 1150, 1e-9, "it is looked at again when the grace ends");
	cr_assert_eq(rename(g, f), 0);
	changed(w, "a/module.yaml", 1020);
	cr_expect_eq(sync_at(w, 1030, &rep), 1);
	cr_expect_eq(rep.postponed, 0);
	cr_expect_eq(rep.res.removed, 0, "it came back: never removed");
	mr_watcher_report_release(&rep);

	/* gone for good: removed once the grace is over */
	char *cmd = mr_xasprintf("rm -rf '%s/b'", reg);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	changed(w, "b", 2000);
	cr_expect_eq(sync_at(w, 2010, &rep), 1);
	cr_expect_eq(rep.postponed, 1);
	mr_watcher_report_release(&rep);
	cr_expect_eq(sync_at(w, 2150, &rep), 1);
	cr_expect_eq(rep.res.removed, 1);
	cr_expect_str_eq(rep.res.changes[0].id, "b");
	mr_watcher_report_release(&rep);
	free(f);
	free(g);
	mr_watcher_free(w);
}

Test(watcher, root_gone_holds_syncs_until_rescan)
{
	module("a", "1.0.0", NULL);
	mr_watcher *w = new_watcher();
	mr_watcher_report rep;
	sync_at(w, 0, &rep);
	mr_watcher_report_release(&rep);
	mr_watch_event gone = {MR_WATCH_ROOT_GONE, MR_WATCHER_ROOT_REGISTRY, false, NULL, "gone"};
	mr_watcher_event(w, &gone, 100);
	changed(w, "a/module.yaml", 110);
	cr_expect(mr_watcher_root_missing(w));
	cr_expect_lt(mr_watcher_due(w), 0, "nothing is synced while the root is missing");
	mr_watch_event back = {MR_WATCH_RESCAN, MR_WATCHER_ROOT_REGISTRY, false, NULL, "back"};
	mr_watcher_event(w, &back, 200);
	cr_expect_not(mr_watcher_root_missing(w));
	cr_expect_eq(sync_at(w, 300, &rep), 1);
	cr_expect(rep.full, "a rescan reads everything");
	cr_expect_str_eq(rep.reason, "rescan");
	mr_watcher_report_release(&rep);
	mr_watcher_free(w);
}

Test(watcher, statistics_feed_health)
{
	module("a", "1.0.0", NULL);
	mkdir(stats, 0755);
	mr_watcher *w = new_watcher();
	mr_watcher_report rep;
	sync_at(w, 0, &rep);
	mr_watcher_report_release(&rep);
	char *f = mr_path_join(stats, "a.json");
	write_file(f, "{\"collectedAt\": \"2026-11-21T09:00:00Z\", \"requests\": 10, \"errors\": 9}\n");
	mr_watch_event ev = {MR_WATCH_CHANGED, MR_WATCHER_ROOT_STATS, false, "a.json", NULL};
	mr_watcher_event(w, &ev, 100);
	sync_at(w, 200, &rep);
	cr_expect_eq(rep.res.rendered, 1);
	cr_expect(rep.res.context_changed);
	mr_watcher_report_release(&rep);
	char *ctx = NULL;
	char *path = mr_path_join(out, "context.json");
	cr_assert_eq(mr_read_file(path, 1 << 24, &ctx, NULL), 0);
	cr_expect_not_null(strstr(ctx, "exceeds the limit"), "health shows the error rate");
	free(ctx);
	/* the same bytes again: nothing to render */
	write_file(f, "{\"collectedAt\": \"2026-11-21T09:00:00Z\", \"requests\": 10, \"errors\": 9}\n");
	mr_watcher_event(w, &ev, 300);
	sync_at(w, 400, &rep);
	cr_expect_eq(rep.res.rendered, 0, "unchanged statistics render nothing");
	cr_expect_not(rep.res.context_changed);
	mr_watcher_report_release(&rep);
	free(path);
	free(f);
	mr_watcher_free(w);
}

Test(watcher, a_failed_write_is_retried_and_reported)
{
	module("a", "1.0.0", NULL);
	mr_watcher *w = new_watcher();
	mr_watcher_report rep;
	sync_at(w, 0, &rep);
	mr_watcher_report_release(&rep);
	/* context.json cannot be replaced: a directory took its place */
	char *ctx = mr_path_join(out, "context.json");
	cr_assert_eq(unlink(ctx), 0);
	cr_assert_eq(mkdir(ctx, 0755), 0);
	module("a", "2.0.0", NULL);
	changed(w, "a/module.yaml", 100);
	char *err = NULL;
	cr_expect_eq(mr_watcher_sync(w, 200, &rep, &err), -1, "the write must fail");
	cr_expect_not_null(err);
	free(err);
	mr_watcher_report_release(&rep);
	/* the disk is fine again: the next sync writes it and reports the change it could not */
	cr_assert_eq(rmdir(ctx), 0);
	changed(w, "a/README.md", 300);
	cr_expect_eq(sync_at(w, 400, &rep), 1);
	cr_expect(rep.res.context_changed);
	cr_expect_eq(rep.res.added, 1, "nothing on disk: the module is reported again (added %zu, updated %zu)",
	             rep.res.added, rep.res.updated);
	mr_watcher_report_release(&rep);
	char *text = NULL;
	cr_assert_eq(mr_read_file(ctx, 1 << 24, &text, NULL), 0);
	cr_expect_not_null(strstr(text, "\"version\": \"2.0.0\""));
	free(text);
	free(ctx);
	mr_watcher_free(w);
}

static size_t occurrences(const char *path, const char *needle)
{
	char *text = NULL;
	size_t len = 0, n = 0;
	cr_assert_eq(mr_read_file(path, 1 << 30, &text, &len), 0, "cannot read %s", path);
	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle)) n++;
	free(text);
	return n;
}

static void user_with(const char *words)
{
	char *d = mr_path_join(reg, "user"), *f = mr_path_join(d, "module.yaml");
	mkdir(d, 0755);
	char *text = mr_xasprintf("apiVersion: modreg/v1\nname: Module user\ndescription: The user module.\ntype: service\n"
	                          "version: 1.0.0\nrelationships:\n  - { target: base, type: integration, description: %s }\n",
	                          words);
	write_file(f, text);
	free(text);
	free(f);
	f = mr_path_join(d, "README.md");
	write_file(f, "# readme\n");
	free(f);
	free(d);
}

/* A change to what a relationship says, and to nothing the checks read: the analysis
 * changes nothing, yet the target's entry lists the relationship among its incoming ones
 * and must show the new words (the top-level list, the source's and the target's entry). */
Test(watcher, a_relationship_s_words_reach_its_target)
{
	module("base", "1.0.0", NULL);
	module("other", "1.0.0", "base");
	user_with("Old words.");
	mr_watcher *w = new_watcher();
	mr_watcher_report rep;
	sync_at(w, 0, &rep);
	mr_watcher_report_release(&rep);
	char *ctx = mr_path_join(out, "context.json");
	cr_assert_eq(occurrences(ctx, "Old words."), 3);
	user_with("New words.");
	changed(w, "user/module.yaml", 100);
	sync_at(w, 200, &rep);
	cr_expect_eq(rep.res.entries_changed, 2, "%zu entries changed", rep.res.entries_changed);
	mr_watcher_report_release(&rep);
	cr_expect_eq(occurrences(ctx, "Old words."), 0);
	cr_expect_eq(occurrences(ctx, "New words."), 3);
	free(ctx);
	mr_watcher_free(w);
}
