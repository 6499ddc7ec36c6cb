/* registry.h — the registry on disk: one mr_module per direct child directory of
 * the root (SPEC §1), each loaded on its own so that the watcher can reload one
 * module without touching the others.  Statistics files (SPEC §5) are loaded here
 * too.  Nothing here looks across modules; that is check.h. */
#ifndef MR_REGISTRY_H
#define MR_REGISTRY_H

#include "manifest.h"

#include <jansson.h>

typedef enum mr_health { MR_HEALTH_HEALTHY, MR_HEALTH_WARNING, MR_HEALTH_ERROR, MR_HEALTH_UNKNOWN } mr_health;

typedef struct mr_stats {
	json_t *json;           /* the parsed file (NULL when absent or malformed) */
	double collected_at;    /* seconds since the epoch, NAN when absent */
	long long requests, errors; /* -1 when absent */
	double avg_response_ms; /* NAN when absent */
	char *file;             /* "stats/<id>.json" as shown in diagnostics */
} mr_stats;

typedef struct mr_module {
	char *id;
	char *dir;              /* the module's directory on disk */
	char *file;             /* "<id>/module.yaml", relative to the registry root */
	mr_manifest *m;         /* NULL when module.yaml could not be read or parsed */
	bool valid;             /* m != NULL and no errors of its own */
	mr_diags diags;         /* its own diagnostics: loading, validation, files */
	char sha256[65];        /* of module.yaml's bytes; "" when unreadable */
	bool has_readme;
	char **docs;            /* names of the Markdown pages in docs/ ("usage.md"), sorted */
	size_t ndocs;
	mr_stats stats;         /* statistics; json NULL when none */
	mr_diags stats_diags;   /* bad-stats */
	bool external;          /* loaded from a path outside the registry: file is that path */
	struct mr_simprofile *profile; /* similarity profile of a valid manifest (similar.h), or NULL */
	uint64_t sig[4];        /* mr_module_fingerprint (check.h), per group of checks */
	uint64_t idhash;
	bool has_sig;
} mr_module;

/* Load one module directory.  root: registry root; id: directory name (must name a
 * directory that holds module.yaml, or the module gets a bad-file-ref error).
 * Never NULL.  Free with mr_module_free. */
mr_module *mr_module_load(const char *root, const char *id);
void mr_module_free(mr_module *mod);

/* Load a module from a path given by a user: a module directory, or a manifest file
 * (module.yaml or any other name).  The module id is the directory's name (for a file not
 * named module.yaml: its `id:` key if present, else the file name without extension).
 * Diagnostics name the path as given (external).  Never NULL. */
mr_module *mr_module_load_path(const char *path);

/* Load the statistics file <stats_dir>/<id>.json into mod (replacing earlier ones).
 * A missing file means no statistics; a malformed one is a bad-stats warning. */
void mr_module_load_stats(mr_module *mod, const char *stats_dir);

typedef struct mr_registry {
	char *root;
	char *stats_dir;        /* NULL: no statistics */
	mr_module **mods;       /* sorted by id */
	size_t n, cap;
	mr_diags diags;         /* not a module: not-a-module, bad-id, orphaned-stats */
} mr_registry;

/* What kind of entry a root child is. */
typedef enum mr_entry_kind {
	MR_ENTRY_IGNORED,   /* hidden, editor leftover, plain file */
	MR_ENTRY_MODULE,    /* valid id directory with module.yaml */
	MR_ENTRY_NOT_MODULE /* directory without module.yaml, or a bad name */
} mr_entry_kind;
mr_entry_kind mr_registry_classify(const char *root, const char *name);

/* Scan root and load every module.  Returns 0, or -1 (errno set) when root cannot be read. */
int mr_registry_load(mr_registry *reg, const char *root, const char *stats_dir);
void mr_registry_release(mr_registry *reg);
/* Recompute reg->diags (not-a-module, bad names, orphaned statistics) from disk. */
void mr_registry_rescan_extras(mr_registry *reg);
mr_module *mr_registry_find(const mr_registry *reg, const char *id);
/* index of id, or -1 */
long mr_registry_index(const mr_registry *reg, const char *id);
/* Insert or replace (takes ownership; frees the module it replaces). */
void mr_registry_put(mr_registry *reg, mr_module *mod);
/* Remove and free; returns 0, or -1 when absent. */
int mr_registry_remove(mr_registry *reg, const char *id);

const char *mr_health_name(mr_health h);

#endif
