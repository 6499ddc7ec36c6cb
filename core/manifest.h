/* manifest.h — the module model: one module.yaml (format modreg/v1, SPEC §2)
 * loaded, checked and turned into typed data.  Checking a manifest here covers
 * every rule that needs only the module's own directory; rules across modules
 * live in check.h.  Every string points into the manifest's own arena and lives
 * as long as the manifest. */
#ifndef MR_MANIFEST_H
#define MR_MANIFEST_H

#include "diag.h"
#include "semver.h"
#include "yamldoc.h"

typedef struct mr_pos {
	unsigned line, col; /* 1-based; 0 when unknown */
} mr_pos;

typedef struct mr_text {
	const char *s; /* NULL when absent */
	mr_pos pos;    /* where the value is */
} mr_text;

typedef struct mr_textlist {
	mr_text *v;
	size_t n;
} mr_textlist;

typedef struct mr_kv {
	mr_text key, value;
} mr_kv;

typedef struct mr_kvlist {
	mr_kv *v;
	size_t n;
} mr_kvlist;

/* one property of an entity's JSON Schema */
typedef struct mr_field {
	const char *name, *type, *format, *description;
	bool required;
} mr_field;

typedef struct mr_entity {
	mr_text name, plural, description, schema;
	mr_field *fields; /* from the schema file, sorted by name */
	size_t nfields;
	mr_pos pos;
} mr_entity;

typedef struct mr_route {
	mr_text method, path, entity, operation, handler, description;
	mr_textlist permissions;
	const char *full_path; /* basePath + path */
	const char *key;       /* "GET /crm/customers/{}": parameters normalised */
	uint64_t key_hash;     /* mr_str_hash(key) */
	mr_pos pos;
} mr_route;

typedef struct mr_capability {
	mr_text type, entity, description;
	mr_textlist operations, endpoints;
	mr_pos pos;
} mr_capability;

typedef struct mr_action {
	mr_text name, description;
	mr_textlist permissions;
	mr_pos pos;
} mr_action;

typedef struct mr_job {
	mr_text name, schedule, description;
	long long timeout, retries; /* -1 when absent */
	mr_pos pos;
} mr_job;

typedef struct mr_event {
	mr_text name, entity, description;
	mr_pos pos;
} mr_event;

typedef struct mr_uipage {
	mr_text path, title, icon, description;
	mr_textlist permissions;
	mr_pos pos;
} mr_uipage;

typedef struct mr_navitem {
	mr_text label, path, icon;
	long long order; /* -1 when absent */
	mr_pos pos;
} mr_navitem;

typedef enum mr_reltype { MR_REL_DEPENDENCY, MR_REL_INTEGRATION, MR_REL_DATAFLOW, MR_REL_HIERARCHICAL } mr_reltype;

typedef struct mr_relation {
	mr_text target, type, version, description;
	mr_reltype rtype;
	mr_textlist entities;
	const mr_ynode *config; /* free-form; NULL when absent */
	mr_range *range;        /* dependency range ("*" by default); NULL for other types */
	const char *range_text; /* the range as written, or "*" */
	mr_pos pos;
} mr_relation;

typedef struct mr_configfield {
	mr_text key, type, label, description;
	bool required, sensitive; /* sensitive is true for type password */
	const mr_ynode *def, *min, *max;
	mr_textlist values;
	mr_pos pos;
} mr_configfield;

typedef struct mr_provider {
	mr_text name, endpoint, description;
	long long cache_seconds; /* -1 when absent */
	mr_pos pos;
} mr_provider;

typedef struct mr_extension {
	mr_text key;
	const mr_ynode *value;
} mr_extension;

typedef struct mr_manifest {
	mr_ydoc doc;       /* owns the tree and every string below */
	const char *id;    /* the directory name (arena) */
	const char *file;  /* "crm/module.yaml", relative to the registry root */
	mr_text api_version, declared_id, name, description, type, version, status, owner, license;
	mr_semver semver;  /* parsed version; valid when has_semver */
	bool has_semver;
	mr_textlist tags, permissions;
	mr_text created_at, created_by, ai_model, ai_patch;
	mr_kvlist links;
	mr_entity *entities;
	size_t nentities;
	mr_text base_path;
	mr_route *routes;
	size_t nroutes;
	mr_capability *capabilities;
	size_t ncapabilities;
	mr_action *actions;
	size_t nactions;
	mr_job *jobs;
	size_t njobs;
	mr_event *publishes;
	size_t npublishes;
	mr_textlist subscribes;
	mr_uipage *pages;
	size_t npages;
	mr_navitem *navigation;
	size_t nnavigation;
	mr_relation *relations;
	size_t nrelations;
	mr_configfield *config;
	size_t nconfig;
	mr_kvlist req_packages, req_system;
	mr_text ai_purpose, ai_category;
	mr_textlist ai_keywords, ai_patterns, ai_concepts;
	mr_provider *providers;
	size_t nproviders;
	double max_error_rate;  /* default 0.05 */
	double max_response_ms; /* default 1000 */
	long long stale_after;  /* seconds, default 86400 */
	mr_text stale_after_text;
	mr_extension *extensions;
	size_t nextensions;
	size_t errors;   /* errors of its own found while loading */
	size_t warnings;
} mr_manifest;

/* Load and check a manifest.
 * data/len: the file's bytes.  module_dir: the module's directory on disk (used to resolve
 * entities[].schema and to keep references inside it; NULL skips file checks, as for a manifest
 * given on its own).  id: the module id (the directory name).  file: the name used in
 * diagnostics.  Every problem is added to d.  Returns a manifest (free with mr_manifest_free)
 * even when it has errors, unless the YAML could not be loaded at all (then NULL).
 * m->errors counts its own errors: a manifest with errors is invalid. */
mr_manifest *mr_manifest_load(const char *data, size_t len, const char *module_dir, const char *id,
                              const char *file, mr_diags *d);
void mr_manifest_free(mr_manifest *m);

/* Rules shared with other parts */
bool mr_id_valid(const char *id);
/* normalise a path: parameters ({x} or :x) become {} (new heap string) */
char *mr_path_normalise(const char *path);
/* A path as SPEC §2 defines it: starts with '/', no whitespace, parameters {name} or :name. */
bool mr_path_valid(const char *path);
const char *mr_reltype_name(mr_reltype t);

#endif
