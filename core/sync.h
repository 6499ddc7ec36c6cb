/* sync.h — one sync: from a loaded registry and its analysis to every output file
 * of SPEC §4 and §6 that does not need the site generator: context.json, the
 * api/ai/ files, status.json and the sync.log audit trail.  Every file is
 * replaced atomically and left alone when its bytes would not change.
 * `modreg index` runs one sync; the watcher keeps an mr_sync_state and runs one
 * per batch of changes, re-rendering only the modules the batch affects.  Both go
 * through mr_sync_run, so they write the same bytes for the same registry. */
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
	size_t rendered;      /* module entries rendered (the others were kept) */
	size_t entries_changed; /* module entries whose text changed, removed ones included */
} mr_sync_result;

typedef struct mr_sync_opts {
	const char *out_dir;
	time_t now;            /* for statistics staleness (SOURCE_DATE_EPOCH or time()) */
	bool write_status;     /* status.json and sync.log */
	const char *reason;    /* "start-up", "change", "resync", ... for status.json (static) */
} mr_sync_opts;

void mr_sync_result_init(mr_sync_result *r);
void mr_sync_result_release(mr_sync_result *r);

/* status.json and sync.log for a finished sync (called by mr_sync_run when write_status,
 * exposed so that the watcher and the build can add its duration first). */
int mr_sync_write_status(const char *out_dir, const mr_sync_result *res, const char *reason, char **err);
/* The JSON of status.json for a finished sync (heap): also the --on-sync hook's input. */
char *mr_sync_status_json(const mr_sync_result *res, const char *reason);
/* "now" for staleness: SOURCE_DATE_EPOCH when set and valid, else time(NULL) */
time_t mr_sync_now(void);
/* one-line summary: "3 added, 1 updated, 0 removed, 10 unchanged, 1 invalid" (heap) */
char *mr_sync_summary(const mr_sync_result *res);

/* ---- incremental syncs ----
 * A state remembers what the last sync wrote: each module's entry, its relationship
 * rows and its api/ai/ list entries, and the text of the other sections.  A sync
 * re-renders a module only when it was touched (reloaded) or, after a new analysis,
 * when the cross-module facts its entry shows changed (incoming relationships,
 * satisfied ranges, resolved targets, cross-module diagnostics), or when its health
 * depends on the clock and reads differently now.  Everything else is reused, and
 * context.json is written from the pieces without building it in one buffer. */
typedef struct mr_sync_state mr_sync_state;

/* A state writing into out_dir.  Its first sync compares with what out_dir holds: the
 * previous context.json gives last-known-good entries and the accounting of what
 * changed while no one was syncing.  keep: also keep the parsed document for
 * mr_sync_state_json (costs memory): MR_KEEP_BRIEF abridged (the watcher: a module's
 * own pages read its entry back with mr_sync_state_entry), MR_KEEP_WHOLE every entry
 * whole (a build that renders the site once).  Never NULL; free with mr_sync_state_free. */
typedef enum mr_sync_keep { MR_KEEP_NONE, MR_KEEP_BRIEF, MR_KEEP_WHOLE } mr_sync_keep;
mr_sync_state *mr_sync_state_new(const char *out_dir, mr_sync_keep keep);
void mr_sync_state_free(mr_sync_state *s);
/* For a state that makes many syncs (the watcher): keep the context.json each sync
 * replaces, linked as context.json.tmp.<pid>, and write the next one over it in place
 * before swapping the two names in one step — no blocks freed and none allocated per
 * sync.  The spare is left alone while anyone else has it open (a write lease), and
 * removed by mr_sync_state_free. */
void mr_sync_state_keep_spare(mr_sync_state *s);
/* Module id was reloaded (manifest, README, docs, schemas or statistics may differ). */
void mr_sync_state_touch(mr_sync_state *s, const char *id);
/* The next sync gets a new analysis: compare every module's cross-module facts. */
void mr_sync_state_analysis_changed(mr_sync_state *s);
/* The registry's own diagnostics (not-a-module, orphaned statistics) were recomputed. */
void mr_sync_state_extras_changed(mr_sync_state *s);
/* Forget what was written: the next sync renders everything and compares with the disk. */
void mr_sync_state_reset(mr_sync_state *s);
/* One sync of reg (analysed as an) into the state's directory.  opts->out_dir is ignored.
 * Returns 0, or -1 with *err (heap) on an I/O failure (the state then renders everything
 * on the next sync). */
int mr_sync_run(mr_sync_state *s, const mr_registry *reg, const mr_analysis *an, const mr_sync_opts *opts,
                mr_sync_result *res, char **err);
/* Ids of the modules whose entry changed in the last sync, removed ones included, sorted
 * (borrowed until the next sync). */
const char *const *mr_sync_state_changed(const mr_sync_state *s, size_t *n);
/* The last sync's context.json as a parsed document (borrowed until the next sync), or
 * NULL when the state was made with MR_KEEP_NONE or no sync succeeded yet.  With
 * MR_KEEP_BRIEF it is abridged to what pages about other modules and about the whole
 * registry show: of a module, its id, name, description, type, version, status,
 * validity, health, owner, tags, created, docs, AI keywords, the other end, type and
 * description of its relationships and the names of its events; of "relationships", the
 * same.  Of "index", either way, only the events table.  A module's whole entry:
 * mr_sync_state_entry. */
json_t *mr_sync_state_json(mr_sync_state *s);
/* Module id's whole entry as the last sync wrote it, read back from context.json (a new
 * reference), or NULL. */
json_t *mr_sync_state_entry(mr_sync_state *s, const char *id);

#endif
