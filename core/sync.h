/* sync.h — one sync: from a loaded registry and its analysis to every output file
 * of SPEC §4 and §6 that does not need the site generator: context.json, the
 * api/ai/ files, status.json and the sync.log audit trail.  Every file is
 * replaced atomically and left alone when its bytes would not change.
 * `modreg index` runs one sync; the watcher runs one per batch of changes. */
#ifndef MR_SYNC_H
#define MR_SYNC_H

#include "context.h"

typedef enum mr_change_kind { MR_CHANGE_ADDED, MR_CHANGE_UPDATED, MR_CHANGE_REMOVED, MR_CHANGE_INVALID } mr_change_kind;

typedef struct mr_change {
	char *id;
	mr_change_kind kind;
	char *old_version, *new_version; /* NULL when unknown */
	char *sha256;                    /* of the new manifest; NULL when removed */
} mr_change;

typedef struct mr_sync_result {
	size_t added, updated, removed, unchanged, invalid;
	mr_change *changes;   /* what changed, by id */
	size_t nchanges;
	mr_diags events;      /* version-not-bumped: events of this sync, not of the registry */
	char **no_ai;         /* valid modules without AI context (no ai.purpose) */
	size_t nno_ai;
	bool context_changed; /* context.json was rewritten */
	size_t files_written; /* output files rewritten */
	double duration_ms;   /* set by the caller (it knows when the sync started) */
	size_t errors, warnings;
} mr_sync_result;

typedef struct mr_sync_opts {
	const char *out_dir;
	time_t now;            /* for statistics staleness (SOURCE_DATE_EPOCH or time()) */
	bool write_status;     /* status.json and sync.log */
	const char *reason;    /* "start-up", "change", "resync", ... for status.json (static) */
} mr_sync_opts;

void mr_sync_result_init(mr_sync_result *r);
void mr_sync_result_release(mr_sync_result *r);

/* Write the outputs.  previous: the previous context.json (borrowed, may be NULL; read
 * it with mr_sync_load_previous).  Returns 0, or -1 with *err (heap) on an I/O failure. */
int mr_sync_write(const mr_registry *reg, const mr_analysis *an, json_t *previous, const mr_sync_opts *opts,
                  mr_sync_result *res, char **err);
/* Read <out>/context.json; NULL when absent or unreadable. */
json_t *mr_sync_load_previous(const char *out_dir);
/* status.json and sync.log for a finished sync (called by mr_sync_write when write_status,
 * exposed so that the watcher can add its duration first). */
int mr_sync_write_status(const char *out_dir, const mr_sync_result *res, const char *reason, char **err);
/* "now" for staleness: SOURCE_DATE_EPOCH when set and valid, else time(NULL) */
time_t mr_sync_now(void);
/* one-line summary: "3 added, 1 updated, 0 removed, 10 unchanged, 1 invalid" (heap) */
char *mr_sync_summary(const mr_sync_result *res);

#endif
