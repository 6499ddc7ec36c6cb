/* context.h — context.json (SPEC §4): the registry as one deterministic JSON
 * document for AI tools, and its per-module pieces.  The bytes are a pure function
 * of the registry, the statistics, `now` and (for last-known-good entries only) the
 * previous context.json. */
#ifndef MR_CONTEXT_H
#define MR_CONTEXT_H

#include "check.h"
#include "jsonw.h"

#include <time.h>

#define MR_SCHEMA_VERSION "1.0.0"
#define MR_VERSION "0.1.0"

typedef struct mr_context_in {
	const mr_registry *reg;
	const mr_analysis *an;
	json_t *previous; /* previous context.json (borrowed) or NULL */
	time_t now;       /* for statistics staleness */
} mr_context_in;

/* The module object of registry entry i, written at the writer's position.
 * prev is the module's object from the previous context.json (or NULL). */
void mr_context_module(mr_jw *w, const mr_context_in *in, size_t i, json_t *prev);
/* The whole context.json (with final newline) appended to out. */
void mr_context_render(const mr_context_in *in, mr_buf *out);
/* A diagnostic as a JSON object; prefix is put before relative file names (may be NULL). */
void mr_context_diag(mr_jw *w, const mr_diag *dg, const char *prefix);
/* Module health from validity, statistics, thresholds and cross-module errors (SPEC §5). */
#define MR_HEALTH_MAX_REASONS 8
typedef struct mr_health_report {
	mr_health status;
	char *reasons[MR_HEALTH_MAX_REASONS]; /* sentences (heap) */
	size_t n;
} mr_health_report;
void mr_context_health(const mr_context_in *in, size_t i, mr_health_report *out);
void mr_health_report_release(mr_health_report *h);
/* previous module object by id in a previous context (borrowed) or NULL */
json_t *mr_context_prev_module(json_t *previous, const char *id);

#endif
