/* fuzz_manifest.c — libFuzzer target for the manifest loader and validator: every
 * input is loaded as YAML (mr_yaml_load) and as a manifest (mr_manifest_load, without
 * a module directory), and the diagnostics must keep their promises whatever the
 * bytes: one line of valid UTF-8 each, no control characters, never a credential,
 * positions inside the input.  An input with form feeds is also split into up to four
 * manifests (modules alpha, beta, gamma, delta) that go through the cross-module
 * checks; then alpha takes the last part's text, then beta goes, and each analysis made
 * again from the last (as the watcher makes it) must find what a whole new one finds.  Built and run
 * by tests/fuzz/run.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "manifest.h"
#include "secret.h"

static void check_text(const char *what, const char *s)
{
	size_t n = strlen(s);
	if (!mr_utf8_valid(s, n)) {
		fprintf(stderr, "%s is not valid UTF-8: %s\n", what, s);
		abort();
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			fprintf(stderr, "%s holds control character 0x%02x: %s\n", what, (unsigned char)s[i], s);
			abort();
		}
	if (mr_secret_kind(s, n)) {
		fprintf(stderr, "%s quotes a credential: %s\n", what, s);
		abort();
	}
}

static void check_diags(const mr_diags *d, unsigned lines)
{
	for (size_t i = 0; i < d->len; i++) {
		const mr_diag *dg = &d->items[i];
		if (!mr_code_lookup(dg->code)) {
			fprintf(stderr, "unknown code %s\n", dg->code);
			abort();
		}
		check_text("message", dg->message);
		check_text("file", dg->file);
		if (dg->line > lines + 1) {
			fprintf(stderr, "line %u past the end of a %u-line input: %s\n", dg->line, lines, dg->message);
			abort();
		}
		for (size_t k = 0; k < dg->nnotes; k++) {
			check_text("note", dg->notes[k].message);
			if (dg->notes[k].line > lines + 1) abort();
		}
	}
	/* the printers must cope with whatever the checks produced */
	mr_buf b = MR_BUF_INIT;
	for (size_t i = 0; i < d->len; i++) mr_diag_format_text(&d->items[i], "registry/", false, &b);
	mr_buf_release(&b);
}

static mr_module *fuzz_module(const char *id, const char *text, size_t len)
{
	mr_module *mod = mr_xcalloc(1, sizeof *mod);
	mod->id = mr_xstrdup(id);
	mod->dir = mr_xasprintf("fuzz/%s", id);
	mod->file = mr_xasprintf("%s/module.yaml", id);
	mr_diags_init(&mod->diags);
	mr_diags_init(&mod->stats_diags);
	mod->m = mr_manifest_load(text, len, NULL, mod->id, mod->file, &mod->diags);
	mod->valid = mod->m && mod->m->errors == 0;
	mr_module_fingerprint(mod);
	return mod;
}

/* the findings of every module, as text */
static char *findings(const mr_analysis *an)
{
	mr_buf b = MR_BUF_INIT;
	for (size_t i = 0; i < an->n; i++) {
		mr_buf_printf(&b, "[%zu: %zu in]\n", i, an->info[i].nincoming);
		for (size_t k = 0; k < an->info[i].diags.len; k++) mr_diag_format_text(&an->info[i].diags.items[k], "", false, &b);
	}
	return mr_buf_detach(&b);
}

/* *an made again for reg as it is now, checked against a whole new analysis; *an is then
 * the one made again */
static void again_equals_anew(const mr_registry *reg, mr_analysis *an)
{
	mr_analysis again, anew;
	mr_analyse_again(reg, &again, an);
	mr_analyse(reg, &anew);
	char *a = findings(&again), *f = findings(&anew);
	if (strcmp(a, f) || mr_analysis_kept(&again) != mr_analysis_kept(&anew)) {
		fprintf(stderr, "the analysis made again differs from a new one:\n%s---\n%s", a, f);
		abort();
	}
	free(a);
	free(f);
	mr_analysis_release(&anew);
	mr_analysis_release(an);
	*an = again;
}

/* the parts of data between form feeds as modules of one registry, analysed together */
static void fuzz_registry(const char *data, size_t size)
{
	static const char *const ids[] = {"alpha", "beta", "gamma", "delta"};
	mr_registry reg;
	memset(&reg, 0, sizeof reg);
	reg.root = mr_xstrdup("fuzz");
	mr_diags_init(&reg.diags);
	size_t start = 0, last = 0, lastlen = size;
	for (size_t k = 0; k < 4 && start <= size; k++) {
		const char *ff = memchr(data + start, '\f', size - start);
		size_t end = ff ? (size_t)(ff - data) : size;
		mr_registry_put(&reg, fuzz_module(ids[k], data + start, end - start));
		last = start;
		lastlen = end - start;
		if (!ff) break;
		start = end + 1;
	}
	mr_analysis an;
	mr_analyse(&reg, &an);
	for (size_t i = 0; i < reg.n; i++) {
		const mr_diags *d = &an.info[i].diags;
		for (size_t k = 0; k < d->len; k++) {
			if (!d->items[k].cross) abort();
			check_text("cross-module message", d->items[k].message);
			for (size_t j = 0; j < d->items[k].nnotes; j++) check_text("cross-module note", d->items[k].notes[j].message);
		}
	}
	/* every module is in the dependency order exactly once */
	char seen[4] = {0};
	for (size_t i = 0; i < reg.n; i++) {
		if (an.order[i] >= reg.n || seen[an.order[i]]) abort();
		seen[an.order[i]] = 1;
	}
	/* alpha changes, then beta goes: each analysis made again from the last equals a
	 * whole new one */
	mr_registry_put(&reg, fuzz_module("alpha", data + last, lastlen));
	again_equals_anew(&reg, &an);
	mr_registry_remove(&reg, "beta");
	again_equals_anew(&reg, &an);
	mr_analysis_release(&an);
	mr_registry_release(&reg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	/* YAML line breaks: LF, CR, CRLF, and (YAML 1.1, as libyaml counts) NEL, LS, PS */
	unsigned lines = 1;
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\n') lines++;
		else if (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n')) lines++;
		else if (data[i] == 0xC2 && i + 1 < size && data[i + 1] == 0x85) lines++;
		else if (data[i] == 0xE2 && i + 2 < size && data[i + 1] == 0x80 && (data[i + 2] == 0xA8 || data[i + 2] == 0xA9))
			lines++;
	}

	mr_diags d;
	mr_diags_init(&d);
	mr_ydoc doc;
	int rc = mr_yaml_load(text, size, "fuzz/module.yaml", "fuzz", &d, &doc);
	if (rc == 0 && !doc.root) abort();
	if (rc < 0 && (doc.root || d.len == 0)) abort(); /* a failed load always says why */
	check_diags(&d, lines);
	mr_ydoc_release(&doc);
	mr_diags_release(&d);

	mr_diags_init(&d);
	mr_manifest *m = mr_manifest_load(text, size, NULL, "fuzz", "fuzz/module.yaml", &d);
	if (m) {
		/* what the rest of modreg relies on: sorted, normalised, counted */
		size_t errors = 0;
		for (size_t i = 0; i < d.len; i++) errors += d.items[i].severity == MR_ERROR;
		if (m->errors != errors) abort();
		for (size_t i = 0; i < m->nroutes; i++) {
			if (!m->routes[i].key || !mr_path_valid(m->routes[i].path.s)) abort();
			if (i && strcmp(m->routes[i - 1].full_path, m->routes[i].full_path) > 0) abort();
		}
		for (size_t i = 1; i < m->nentities; i++)
			if (strcmp(m->entities[i - 1].name.s, m->entities[i].name.s) >= 0) abort(); /* sorted, unique */
		for (size_t i = 0; i < m->nrelations; i++) {
			if (!mr_id_valid(m->relations[i].target.s)) abort();
			if ((m->relations[i].rtype == MR_REL_DEPENDENCY) != (m->relations[i].range != NULL)) abort();
		}
		for (size_t i = 0; i < m->nconfig; i++)
			if (m->config[i].sensitive && m->config[i].def) abort(); /* never kept */
	}
	check_diags(&d, lines);
	mr_manifest_free(m);
	mr_diags_release(&d);

	if (memchr(data, '\f', size)) fuzz_registry(text, size);
	return 0;
}
