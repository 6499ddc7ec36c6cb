/* diag.h — diagnostics: the one way problems travel from where they are found
 * (loader, validator, cross-module checks) to the front end that prints them.
 * A diagnostic's file is relative to the registry root ("crm/module.yaml");
 * printers take the prefix to show ("registry/").  Nothing here prints. */
#ifndef MR_DIAG_H
#define MR_DIAG_H

#include "util.h"

typedef enum mr_severity { MR_ERROR = 0, MR_WARNING = 1 } mr_severity;

typedef struct mr_note {
	char *file;      /* relative to the registry root */
	unsigned line;   /* 1-based; 0 = whole file */
	unsigned col;    /* 1-based; 0 = whole line */
	char *message;
} mr_note;

typedef struct mr_diag {
	char *file;        /* relative to the registry root, or as given for lone files */
	unsigned line, col;
	mr_severity severity;
	const char *code;  /* static string from the code table */
	char *message;
	char *module;      /* module id or NULL */
	mr_note *notes;
	size_t nnotes;
	bool cross;        /* found by a cross-module check (does not make a manifest invalid) */
	bool external;     /* file is a path as given (statistics), not relative to the registry root */
} mr_diag;

typedef struct mr_diags {
	mr_diag *items;
	size_t len, cap;
} mr_diags;

void mr_diags_init(mr_diags *d);
void mr_diags_release(mr_diags *d);
/* Adds a diagnostic; severity comes from the code table (mr_code_severity).
 * code must be one of the codes of SPEC §3.  Returns the new entry (valid until the next add). */
mr_diag *mr_diag_add(mr_diags *d, const char *file, unsigned line, unsigned col, const char *code,
                     const char *module, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void mr_diag_note(mr_diag *dg, const char *file, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* deep copy of src appended to dst */
void mr_diags_append_copy(mr_diags *dst, const mr_diag *src);
/* sort by file, line, column, code, message (stable order for output) */
void mr_diags_sort(mr_diags *d);
size_t mr_diags_count(const mr_diags *d, mr_severity sev);

/* known codes */
typedef struct mr_code_info {
	const char *code;
	mr_severity severity;
	const char *what;
} mr_code_info;
const mr_code_info *mr_code_table(size_t *n);
/* canonical static pointer for a code, NULL if unknown */
const char *mr_code_lookup(const char *code);
mr_severity mr_code_severity(const char *code);
const char *mr_severity_name(mr_severity s);

/* gcc-style text: "<prefix><file>:<line>:<col>: error: message [code]\n" then notes.
 * color adds ANSI colours. */
void mr_diag_format_text(const mr_diag *dg, const char *prefix, bool color, mr_buf *out);

#endif
