/* cmd_index.c — `modreg index`: one full sync into --out, and `modreg status`. */
#include "commands.h"
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

int mr_cmd_index(const mr_opts *o)
{
	double t0 = now_ms();
	mr_registry reg;
	if (mr_registry_load(&reg, o->registry, o->stats) < 0) {
		mr_errorf("cannot read registry '%s': %s", o->registry, strerror(errno));
		return MR_EXIT_FAILURE;
	}
	mr_analysis an;
	mr_analyse(&reg, &an);
	/* the state reads the previous context.json one entry at a time (last known good) */
	mr_sync_state *state = mr_sync_state_new(o->out, MR_KEEP_NONE);
	mr_sync_result res;
	mr_sync_result_init(&res);
	mr_sync_opts so = {o->out, mr_sync_now(), false, "index"};
	char *err = NULL;
	int rc = MR_EXIT_OK;
	if (mr_sync_run(state, &reg, &an, &so, &res, &err) < 0) {
		mr_errorf("%s", err);
		rc = MR_EXIT_FAILURE;
	} else {
		res.duration_ms = now_ms() - t0;
		if (mr_sync_write_status(o->out, &res, "index", &err) < 0) {
			mr_errorf("%s", err);
			rc = MR_EXIT_FAILURE;
		}
	}
	if (rc == MR_EXIT_OK && !o->quiet) {
		char *sum = mr_sync_summary(&res);
		printf("indexed %zu module%s into %s/context.json: %s (%.0f ms)\n", reg.n, reg.n == 1 ? "" : "s", o->out, sum,
		       res.duration_ms);
		if (res.errors || res.warnings)
			printf("%zu error%s, %zu warning%s: run 'modreg validate' to see them\n", res.errors,
			       res.errors == 1 ? "" : "s", res.warnings, res.warnings == 1 ? "" : "s");
		if (o->verbose) mr_print_diags(o, &res.events, stdout);
		free(sum);
	}
	free(err);
	mr_sync_result_release(&res);
	mr_sync_state_free(state);
	mr_analysis_release(&an);
	mr_registry_release(&reg);
	return rc;
}

int mr_cmd_status(const mr_opts *o)
{
	char *path = mr_path_join(o->out, "status.json");
	json_error_t je;
	json_t *st = json_load_file(path, 0, &je);
	if (!st) {
		mr_errorf("no sync has been recorded in %s (run modreg index or modreg watch)", path);
		free(path);
		return MR_EXIT_FAILURE;
	}
	free(path);
	if (mr_opts_json(o)) {
		char *s = json_dumps(st, JSON_INDENT(2));
		if (s) puts(s);
		free(s);
	} else {
		json_t *v;
		printf("last sync: %s (%s, %.0f ms)\n", json_string_value(json_object_get(st, "time")),
		       json_string_value(json_object_get(st, "reason")), json_number_value(json_object_get(st, "durationMs")));
		printf("  %lld added, %lld updated, %lld removed, %lld unchanged, %lld invalid\n",
		       (long long)json_integer_value(json_object_get(st, "added")),
		       (long long)json_integer_value(json_object_get(st, "updated")),
		       (long long)json_integer_value(json_object_get(st, "removed")),
		       (long long)json_integer_value(json_object_get(st, "unchanged")),
		       (long long)json_integer_value(json_object_get(st, "invalid")));
		printf("  %lld errors, %lld warnings in the registry\n", (long long)json_integer_value(json_object_get(st, "errors")),
		       (long long)json_integer_value(json_object_get(st, "warnings")));
		size_t i;
		json_array_foreach(json_object_get(st, "changes"), i, v)
		{
			const char *ov = json_string_value(json_object_get(v, "oldVersion"));
			const char *nv = json_string_value(json_object_get(v, "newVersion"));
			printf("  %-8s %s%s%s%s%s\n", json_string_value(json_object_get(v, "action")),
			       json_string_value(json_object_get(v, "id")), ov || nv ? " " : "", ov ? ov : "", ov && nv ? " -> " : "",
			       nv ? nv : "");
		}
		json_t *noai = json_object_get(st, "modulesWithoutAiContext");
		if (json_array_size(noai)) {
			printf("  without AI context:");
			json_array_foreach(noai, i, v) printf(" %s", json_string_value(v));
			printf("\n");
		}
	}
	json_decref(st);
	return MR_EXIT_OK;
}
