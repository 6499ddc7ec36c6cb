/* yamldoc.h — load one YAML document into a small tree that keeps line:column of
 * every key and value, with YAML 1.2 core-schema scalar types, and with every
 * hostile case bounded: invalid UTF-8, NUL bytes, more than one document, nesting
 * past MR_YAML_MAX_DEPTH, alias expansion past MR_YAML_MAX_NODES, alias cycles and
 * duplicate keys all become diagnostics.  Aliases are shared, never copied. */
#ifndef MR_YAML_H
#define MR_YAML_H

#include "diag.h"

#define MR_YAML_MAX_DEPTH 64
#define MR_YAML_MAX_NODES 100000
#define MR_MANIFEST_MAX_BYTES (1024 * 1024)

typedef enum mr_ykind { MR_Y_NULL, MR_Y_BOOL, MR_Y_INT, MR_Y_FLOAT, MR_Y_STR, MR_Y_SEQ, MR_Y_MAP } mr_ykind;

typedef struct mr_ynode mr_ynode;
struct mr_ynode {
	mr_ykind kind;
	bool plain;          /* an untagged plain scalar (types were resolved from its text) */
	unsigned line, col;  /* 1-based position of the node (its anchor, tag or first character) */
	const char *str;     /* scalars: the text, NUL-terminated (arena) */
	size_t len;          /* scalars: text length in bytes */
	size_t n;            /* SEQ: number of items; MAP: number of pairs */
	mr_ynode **items;    /* SEQ: items[i]; MAP: keys items[2i], values items[2i+1] */
	size_t weight;       /* nodes in the expanded subtree (aliases counted in full) */
	unsigned height;     /* levels in the expanded subtree */
	union {
		bool b;
		long long i;
		double f;
	} v;                 /* BOOL, INT, FLOAT values */
};

typedef struct mr_ydoc {
	mr_arena *arena; /* owns every scalar's text */
	mr_arena *nodes; /* owns the nodes and their item lists */
	mr_ynode *root;  /* NULL when loading failed or after mr_ydoc_drop_nodes */
} mr_ydoc;

/* Load data[0..len) (need not be NUL-terminated).  file names the file in diagnostics,
 * module the module id (may be NULL).  On success returns 0 and doc->root is set; on
 * failure returns -1 with at least one diagnostic added to d.  Duplicate keys are reported
 * (duplicate-key) but do not fail the load: the first value wins.  Always call
 * mr_ydoc_release(doc) afterwards. */
int mr_yaml_load(const char *data, size_t len, const char *file, const char *module, mr_diags *d,
                 mr_ydoc *doc);
void mr_ydoc_release(mr_ydoc *doc);
/* A deep copy of n's nodes in a (the texts are shared: they stay in the document's arena). */
mr_ynode *mr_ynode_copy(mr_arena *a, const mr_ynode *n);
/* Free the tree but keep the texts: for a model that kept its strings and copied the few
 * subtrees it needs (mr_ynode_copy), the tree is most of a document's memory. */
void mr_ydoc_drop_nodes(mr_ydoc *doc);

/* value of key in a mapping (NULL if absent or not a mapping) */
mr_ynode *mr_ymap_get(const mr_ynode *map, const char *key);
const char *mr_ykind_name(mr_ykind k);
/* resolve a plain scalar's YAML 1.2 core-schema kind (exposed for tests) */
mr_ykind mr_yaml_resolve_plain(const char *s, size_t len);

#endif
