/* diag.c — the diagnostic list, its code table and the gcc-style text form. */
#include "diag.h"

#include "secret.h"

#include <stdlib.h>
#include <string.h>

static const mr_code_info codes[] = {
	{"yaml-syntax", MR_ERROR, "libyaml's problem and position"},
	{"not-utf8", MR_ERROR, "the file is not UTF-8 text (or holds NUL bytes)"},
	{"too-large", MR_ERROR, "the file is over 1 MiB or the document over 100,000 nodes"},
	{"too-deep", MR_ERROR, "the document nests deeper than 64 levels"},
	{"alias-limit", MR_ERROR, "aliases expand past 100,000 nodes or refer to themselves"},
	{"multi-document", MR_ERROR, "more than one YAML document"},
	{"not-a-mapping", MR_ERROR, "the document is not a mapping"},
	{"unknown-key", MR_ERROR, "a key the format does not define"},
	{"duplicate-key", MR_ERROR, "a key given twice in one mapping"},
	{"missing-key", MR_ERROR, "a required key is absent"},
	{"wrong-type", MR_ERROR, "a value of the wrong YAML type"},
	{"bad-value", MR_ERROR, "a value that breaks a rule of the format"},
	{"bad-id", MR_ERROR, "an invalid module id, or id differs from the directory name"},
	{"bad-version", MR_ERROR, "not a SemVer 2.0.0 version"},
	{"bad-range", MR_ERROR, "not a valid node-semver range"},
	{"unknown-entity", MR_ERROR, "an entity that the module does not declare"},
	{"duplicate-entity", MR_ERROR, "an entity declared twice"},
	{"duplicate-route", MR_ERROR, "a route declared twice in one module"},
	{"bad-config", MR_ERROR, "a configuration field that breaks a rule"},
	{"sensitive-default", MR_ERROR, "a secret configuration field with a default"},
	{"leaked-secret", MR_ERROR, "a value that looks like a credential"},
	{"unmarked-secret", MR_WARNING, "a config key named like a secret but not marked sensitive"},
	{"bad-file-ref", MR_ERROR, "a missing, escaping or non-regular file"},
	{"self-relationship", MR_ERROR, "a module related to itself"},
	{"duplicate-relationship", MR_ERROR, "the same relationship declared twice"},
	{"unknown-target", MR_ERROR, "a relationship to a module that does not exist"},
	{"unsatisfied-range", MR_ERROR, "a dependency whose version range the target does not satisfy"},
	{"dependency-cycle", MR_ERROR, "modules that depend on each other in a cycle"},
	{"multiple-parents", MR_ERROR, "a module with more than one hierarchical parent"},
	{"hierarchy-cycle", MR_ERROR, "hierarchical relationships that form a cycle"},
	{"route-conflict", MR_ERROR, "the same route in two modules"},
	{"ui-path-conflict", MR_ERROR, "the same UI page path in two modules"},
	{"duplicate-name", MR_ERROR, "two modules with the same name"},
	{"not-a-module", MR_WARNING, "a directory without module.yaml"},
	{"possible-duplicate", MR_WARNING, "two modules that look alike"},
	{"depends-on-deprecated", MR_WARNING, "an active module depends on a deprecated one"},
	{"depends-on-inactive", MR_WARNING, "an active module depends on an inactive one"},
	{"unpublished-event", MR_WARNING, "a subscription to an event no module publishes"},
	{"version-not-bumped", MR_WARNING, "the manifest changed but its version did not"},
	{"missing-readme", MR_WARNING, "the module has no README.md"},
	{"bad-stats", MR_WARNING, "an unreadable statistics file"},
	{"orphaned-stats", MR_WARNING, "statistics for a module that does not exist"},
};

const mr_code_info *mr_code_table(size_t *n)
{
	*n = sizeof codes / sizeof codes[0];
	return codes;
}

const char *mr_code_lookup(const char *code)
{
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(codes[i].code, code) == 0) return codes[i].code;
	return NULL;
}

mr_severity mr_code_severity(const char *code)
{
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(codes[i].code, code) == 0) return codes[i].severity;
	return MR_ERROR;
}

const char *mr_severity_name(mr_severity s)
{
	return s == MR_ERROR ? "error" : "warning";
}

/* Diagnostics end up in a terminal, an editor's problem list and JSON: whatever a file
 * or directory name holds, the text stays one line of valid UTF-8.  Control characters
 * and bytes that are not UTF-8 become \xNN. */
static char *clean_text(const char *s)
{
	mr_buf b = MR_BUF_INIT;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		size_t k = ch < 0x80 ? 1 : (ch & 0xE0) == 0xC0 ? 2 : (ch & 0xF0) == 0xE0 ? 3 : (ch & 0xF8) == 0xF0 ? 4 : 0;
		if (ch < 0x20 || ch == 0x7f || k == 0 || i + k > n || !mr_utf8_valid(s + i, k)) {
			mr_buf_printf(&b, "\\x%02x", ch);
			i++;
			continue;
		}
		mr_buf_add(&b, s + i, k);
		i += k;
	}
	return mr_buf_detach(&b);
}

/* The last line of defence for SPEC §3's promise that a credential appears in no output:
 * a message that would quote one (a secret pasted as a path, a key, a version...) is
 * replaced as a whole.  The checks that build messages redact values themselves; this
 * catches whatever they miss. */
static char *clean_message(const char *s)
{
	if (mr_secret_kind(s, strlen(s)))
		return mr_xstrdup("(message withheld: it would quote a value that looks like a credential)");
	return clean_text(s);
}

void mr_diags_init(mr_diags *d)
{
	d->items = NULL;
	d->len = d->cap = 0;
}

static void diag_release(mr_diag *dg)
{
	free(dg->file);
	free(dg->message);
	free(dg->module);
	for (size_t i = 0; i < dg->nnotes; i++) {
		free(dg->notes[i].file);
		free(dg->notes[i].message);
	}
	free(dg->notes);
}

void mr_diags_release(mr_diags *d)
{
	for (size_t i = 0; i < d->len; i++) diag_release(&d->items[i]);
	free(d->items);
	mr_diags_init(d);
}

mr_diag *mr_diag_add(mr_diags *d, const char *file, unsigned line, unsigned col, const char *code,
                     const char *module, const char *fmt, ...)
{
	MR_GROW(d->items, d->cap, d->len + 1);
	mr_diag *dg = &d->items[d->len++];
	memset(dg, 0, sizeof *dg);
	dg->file = clean_text(file ? file : "");
	dg->line = line;
	dg->col = col;
	const char *canon = mr_code_lookup(code);
	dg->code = canon ? canon : "bad-value";
	dg->severity = mr_code_severity(dg->code);
	dg->module = module ? mr_xstrdup(module) : NULL;
	mr_buf b = MR_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	mr_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	dg->message = clean_message(mr_buf_str(&b));
	mr_buf_release(&b);
	return dg;
}

void mr_diag_note(mr_diag *dg, const char *file, unsigned line, unsigned col, const char *fmt, ...)
{
	dg->notes = mr_xreallocarray(dg->notes, dg->nnotes + 1, sizeof *dg->notes);
	mr_note *n = &dg->notes[dg->nnotes++];
	n->file = clean_text(file ? file : "");
	n->line = line;
	n->col = col;
	mr_buf b = MR_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	mr_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	n->message = clean_message(mr_buf_str(&b));
	mr_buf_release(&b);
}

void mr_diags_append_copy(mr_diags *dst, const mr_diag *src)
{
	MR_GROW(dst->items, dst->cap, dst->len + 1);
	mr_diag *dg = &dst->items[dst->len++];
	*dg = *src;
	dg->file = mr_xstrdup(src->file);
	dg->message = mr_xstrdup(src->message);
	dg->module = src->module ? mr_xstrdup(src->module) : NULL;
	dg->notes = src->nnotes ? mr_xcalloc(src->nnotes, sizeof *dg->notes) : NULL;
	for (size_t i = 0; i < src->nnotes; i++) {
		dg->notes[i] = src->notes[i];
		dg->notes[i].file = mr_xstrdup(src->notes[i].file);
		dg->notes[i].message = mr_xstrdup(src->notes[i].message);
	}
}

static int diag_cmp(const void *pa, const void *pb)
{
	const mr_diag *a = pa, *b = pb;
	int c = strcmp(a->file, b->file);
	if (c) return c;
	if (a->line != b->line) return a->line < b->line ? -1 : 1;
	if (a->col != b->col) return a->col < b->col ? -1 : 1;
	if ((c = strcmp(a->code, b->code))) return c;
	return strcmp(a->message, b->message);
}

void mr_diags_sort(mr_diags *d)
{
	if (d->len > 1) qsort(d->items, d->len, sizeof *d->items, diag_cmp);
}

size_t mr_diags_count(const mr_diags *d, mr_severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < d->len; i++)
		if (d->items[i].severity == sev) n++;
	return n;
}

static void put_loc(mr_buf *out, const char *prefix, const char *file, unsigned line, unsigned col)
{
	mr_buf_printf(out, "%s%s", prefix ? prefix : "", file);
	if (line) {
		mr_buf_printf(out, ":%u", line);
		if (col) mr_buf_printf(out, ":%u", col);
	}
	mr_buf_puts(out, ": ");
}

void mr_diag_format_text(const mr_diag *dg, const char *prefix, bool color, mr_buf *out)
{
	const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
	const char *sevc = !color ? "" : dg->severity == MR_ERROR ? "\033[1;31m" : "\033[1;35m";
	mr_buf_puts(out, bold);
	if (dg->external) prefix = NULL;
	put_loc(out, prefix, dg->file, dg->line, dg->col);
	mr_buf_printf(out, "%s%s%s%s: ", reset, sevc, mr_severity_name(dg->severity), reset);
	mr_buf_printf(out, "%s [%s]\n", dg->message, dg->code);
	for (size_t i = 0; i < dg->nnotes; i++) {
		const mr_note *n = &dg->notes[i];
		mr_buf_puts(out, bold);
		put_loc(out, prefix, n->file, n->line, n->col);
		mr_buf_printf(out, "%s%snote%s: %s\n", reset, color ? "\033[1;36m" : "", reset, n->message);
	}
}
