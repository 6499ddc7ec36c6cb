/* jsonw.h — a streaming JSON writer with one fixed layout, so that every JSON file modreg
 * writes is byte-for-byte deterministic and can be assembled from cached pieces:
 * 2-space indentation, "key": value, empty containers as {} and [], LF; and a record —
 * an object of at most MR_JW_FLAT_MAX members that holds no non-empty object and no list
 * of lists — or a list of at most MR_JW_FLAT_MAX scalars, is written on one line
 * ({"a": 1, "b": ["x", "y"]}).  The writer decides as it goes: a container starts on one
 * line and is laid out again, one member per line, the moment it stops qualifying. */
#ifndef MR_JSONW_H
#define MR_JSONW_H

#include "util.h"
#include "yamldoc.h"

#include <jansson.h>

#define MR_JW_MAX_DEPTH 128
#define MR_JW_FLAT_MAX 16

/* A container still on one line at depth d has flat[d]; start[d] is the offset of its
 * opening bracket in out, members[d] the members written so far. */
typedef struct mr_jw {
	mr_buf *out;
	int depth;                           /* open containers */
	int base;                            /* extra indentation levels for every line */
	bool first[MR_JW_MAX_DEPTH];         /* no member written yet at this depth */
	char close[MR_JW_MAX_DEPTH];         /* the bracket that closes this depth */
	bool flat[MR_JW_MAX_DEPTH];
	size_t start[MR_JW_MAX_DEPTH];
	unsigned members[MR_JW_MAX_DEPTH];
	bool after_key;                      /* a key was written; the value follows on the same line */
	bool pretty;                         /* false: compact, one line */
} mr_jw;

void mr_jw_init(mr_jw *w, mr_buf *out, int base_indent, bool pretty);
void mr_jw_obj(mr_jw *w);   /* { */
void mr_jw_arr(mr_jw *w);   /* [ */
void mr_jw_end(mr_jw *w);   /* } or ] */
/* The container just opened is laid out one member per line from the start, and when
 * after_members, as if members came before (the next one is preceded by a comma): the
 * text of a part of a long object, written on its own. */
void mr_jw_resume(mr_jw *w, bool after_members);
void mr_jw_key(mr_jw *w, const char *key);
void mr_jw_str(mr_jw *w, const char *s);     /* NULL writes null */
void mr_jw_strn(mr_jw *w, const char *s, size_t n);
void mr_jw_int(mr_jw *w, long long v);
void mr_jw_num(mr_jw *w, double v);          /* shortest text that reads back the same; non-finite as null */
void mr_jw_bool(mr_jw *w, bool v);
void mr_jw_null(mr_jw *w);
void mr_jw_raw(mr_jw *w, const char *text);  /* a value already in JSON text */
/* key + value helpers */
void mr_jw_kstr(mr_jw *w, const char *key, const char *s);
void mr_jw_kint(mr_jw *w, const char *key, long long v);
void mr_jw_kbool(mr_jw *w, const char *key, bool v);
/* a jansson value, in this writer's layout (object keys in their stored order) */
void mr_jw_json(mr_jw *w, json_t *v);
/* a YAML value as JSON: scalars by their resolved type, numbers as written when the text is
 * valid JSON, .inf/.nan as strings */
void mr_jw_yaml(mr_jw *w, const mr_ynode *n);

#endif
