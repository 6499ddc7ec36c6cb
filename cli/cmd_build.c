/* cmd_build.c — `modreg build`: one full sync (as `modreg index`), then the
 * documentation site rendered from the same data, kept parsed from the sync. */
#include "commands.h"
#include "site.h"
#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The build ends the process: the registry, the analysis and every entry parsed are
 * millions of small blocks, and handing them back one by one took a second at 10,000
 * modules for nothing.  Under the sanitizers they are freed, so that a leak still shows. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FREE_AT_EXIT 1
#else
#define FREE_AT_EXIT 0
#endif

int mr_cmd_build(const mr_opts *o)
{
	double t0 = now_ms();
	char *templates = mr_site_find_templates(o->templates);
	if (!templates) {
		if (o->templates) mr_errorf("templates directory '%s' does not exist", o->templates);
		else
			mr_errorf("no templates directory: none in ./templates, $MODREG_TEMPLATES or next to the program "
			          "(use --templates DIR)");
		return MR_EXIT_FAILURE;
	}
	mr_registry reg;
	if (mr_registry_load(&reg, o->registry, o->stats) < 0) {
		mr_errorf("cannot read registry '%s': %s", o->registry, strerror(errno));
		free(templates);
		return MR_EXIT_FAILURE;
	}
	mr_analysis an;
	mr_analyse(&reg, &an);
	/* the state reads the previous context.json one entry at a time (last known good), and
	 * keeps every entry it writes, parsed, for the pages */
	mr_sync_state *state = mr_sync_state_new(o->out, MR_KEEP_WHOLE);
	mr_sync_result res;
	mr_sync_result_init(&res);
	mr_sync_opts so = {o->out, mr_sync_now(), false, "build"};
	char *err = NULL;
	int rc = MR_EXIT_FAILURE;
	mr_site *site = NULL;
	size_t written = 0;
	if (mr_sync_run(state, &reg, &an, &so, &res, &err) < 0) goto out;
	res.duration_ms = now_ms() - t0;
	if (mr_sync_write_status(o->out, &res, "build", &err) < 0) goto out;
	double t1 = now_ms();
	mr_site_opts sopts = {o->out, templates, o->registry, o->repo_url, 0};
	site = mr_site_new(&sopts, &err);
	if (!site) goto out;
	if (mr_site_render(site, mr_sync_state_json(state), &res, NULL, 0, &written, &err) < 0) goto out;
	rc = MR_EXIT_OK;
	if (!o->quiet) {
		char *sum = mr_sync_summary(&res);
		printf("indexed %zu module%s: %s (%.0f ms)\n", reg.n, reg.n == 1 ? "" : "s", sum, res.duration_ms);
		printf("built the site in %s: %zu file%s written (%.0f ms)\n", o->out, written, written == 1 ? "" : "s",
		       now_ms() - t1);
		if (res.errors || res.warnings)
			printf("%zu error%s, %zu warning%s: see %s/status.html or run 'modreg validate'\n", res.errors,
			       res.errors == 1 ? "" : "s", res.warnings, res.warnings == 1 ? "" : "s", o->out);
		if (o->verbose) mr_print_diags(o, &res.events, stdout);
		free(sum);
	}
out:
	if (rc != MR_EXIT_OK) mr_errorf("%s", err ? err : "build failed");
	free(err);
	mr_site_free(site);
	free(templates);
	mr_sync_result_release(&res);
	if (FREE_AT_EXIT) {
		mr_sync_state_free(state);
		mr_analysis_release(&an);
		mr_registry_release(&reg);
	}
	return rc;
}
