/* context.h — context.json (SPEC §4): the registry as one deterministic JSON
 * document for AI tools, and its per-module pieces.  The bytes are a pure function
 * of the registry, the statistics, `now` and (for last-known-good entries only) the
 * previous context.json. */
#ifndef MR_CONTEXT_H
#define MR_CONTEXT_H

#include <stdint.h>

#include "check.h"
#include "jsonw.h"
#include "pieces.h"

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

/* ---- context.json from parts ----
 * The file is assembled from pieces that can be rendered, and kept, one at a time: the
 * watcher re-renders only the modules a change affects and keeps the others' text.
 * `modreg index` renders every piece and assembles them the same way, so both write
 * the same bytes.  Every text below is in the file's layout at its place in the file. */

/* What one module adds to the "registry" counts. */
typedef struct mr_context_modinfo {
	bool valid;
	mr_health health;
	size_t errors, warnings; /* its own, statistics and cross-module diagnostics */
} mr_context_modinfo;

/* Module i: its element of "modules" (text: from '{' to '}', appended), its rows of
 * "relationships" (rows: appended, joined by ",\n    ", nothing when it declares none)
 * and its counts (info).  prev: its object in the previous context.json, used when the
 * manifest is invalid (last known good); NULL otherwise.  rows and info may be NULL. */
void mr_context_module_piece(const mr_context_in *in, size_t i, json_t *prev, mr_buf *text, mr_buf *rows,
                             mr_context_modinfo *info);

/* The counts of the whole registry: the modules' counts plus the registry's own diagnostics. */
typedef struct mr_context_counts {
	size_t modules, valid, errors, warnings, health[4];
} mr_context_counts;
void mr_context_counts_add(mr_context_counts *c, const mr_context_modinfo *mi);
void mr_context_counts_add_registry(mr_context_counts *c, const mr_registry *reg);

/* The values of "registry", "graph", "index" and "diagnostics", appended to out. */
void mr_context_registry_text(const mr_context_counts *c, mr_buf *out);
void mr_context_graph_text(const mr_context_in *in, mr_buf *out);
void mr_context_index_text(const mr_context_in *in, mr_buf *out);
typedef struct mr_text_ref {
	const char *p; /* the text, or NULL when the caller keeps it elsewhere (see tag) */
	size_t n;
	void *tag;     /* the caller's, handed to emit with the piece */
} mr_text_ref;

/* The index's tables kept sorted from sync to sync, each cut in chunks whose texts the
 * sync keeps as pieces: a change rewrites only the chunks it touched.
 * mr_index_cache_update brings c up to date with in->reg: with redo (per module of
 * in->reg), the modules redo[i] says were read again or added, with the same part of the
 * index (equal mr_context_index_hash) or a new one — every module read again must be, for
 * the pairs point into its manifest; with remap, per module of the last update, its index
 * in in->reg, or -1 when it is gone (NULL: the same modules in the same order); without
 * redo (and on the first update) all of them.  The chunks whose
 * text may have changed are then dirty: mr_index_cache_chunk_text makes it.
 * mr_index_cache_refs lists the section's texts: constant ones and the chunks' pieces
 * (tag: the mr_piece of the chunk), in order.  mr_index_cache_forget empties it. */
typedef struct mr_index_chunk {
	size_t start;   /* its first pair in the table */
	bool dirty;     /* its text is to be made again */
	mr_piece piece; /* its text, as the sync keeps it */
} mr_index_chunk;
typedef struct mr_index_cache mr_index_cache;
extern size_t mr_context_index_chunk_pairs; /* about how many pairs a chunk holds (512; tests make it small) */
/* tables made anew by an update given redo because a module read again with "the same"
 * part had not (a hash collision; tests see that it never happens otherwise) */
extern size_t mr_index_cache_remade;
mr_index_cache *mr_index_cache_new(void);
void mr_index_cache_free(mr_index_cache *c);
enum { MR_INDEX_SAME = 1, MR_INDEX_NEW = 2 }; /* redo[i]: read again, with the same or a new part */
bool mr_index_cache_update(const mr_context_in *in, mr_index_cache *c, const unsigned char *redo,
                           const long *remap); /* chunks came or went */
void mr_index_cache_forget(mr_index_cache *c);
bool mr_index_cache_primed(const mr_index_cache *c); /* updated since the last forget */
enum { MR_INDEX_TABLES = 5, MR_INDEX_EVENTS = 4 }; /* keywords, entities, endpoints, permissions, events */
size_t mr_index_cache_chunks(mr_index_cache *c, size_t table, mr_index_chunk **v); /* 0 past the last table */
/* one table (as it stands after the last update) as a JSON object, appended to out */
void mr_index_cache_table_text(const mr_context_in *in, const mr_index_cache *c, size_t table, mr_buf *out);
void mr_index_cache_chunk_text(const mr_context_in *in, const mr_index_cache *c, size_t table, size_t k, mr_buf *out);
size_t mr_index_cache_refs(mr_index_cache *c, mr_text_ref **out); /* *out: to free */
/* A hash of what module i adds to "index": equal hashes, the same contribution (so a
 * change that keeps every module's hash needs no new index). */
uint64_t mr_context_index_hash(const mr_context_in *in, size_t i);
void mr_context_diagnostics_text(const mr_context_in *in, mr_buf *out);

/* what stands between two module entries (or two modules' relationship rows) */
#define MR_CONTEXT_LIST_SEP ",\n    "

typedef struct mr_context_parts {
	mr_text_ref registry;
	const mr_text_ref *modules; /* n module texts, registry order */
	const mr_text_ref *rows;    /* n row groups (may be empty) */
	size_t n;
	mr_text_ref graph;
	const mr_text_ref *index; /* the index section's texts, in order */
	size_t nindex;
	mr_text_ref diagnostics;
} mr_context_parts;

/* Calls emit for each piece of context.json in order: the parts (with their tags) and
 * the constant text between them (static, tag NULL).  Concatenated, the pieces are the
 * file.  Empty module texts and row groups are left out. */
typedef void (*mr_context_emit_fn)(void *ctx, const char *p, size_t n, void *tag);
void mr_context_assemble(const mr_context_parts *parts, mr_context_emit_fn emit, void *ctx);

#endif
