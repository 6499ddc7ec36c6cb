/* cmd_validate.c — `modreg validate [PATH...]`: the CI gate.  The same loading
 * and checking as the watcher; only the printing is here. */
#include "commands.h"
#include "context.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Is path a module directory (or its module.yaml) directly inside the registry root?
 * Returns the module id (heap) or NULL. */
static char *registry_member(const char *root, const char *path)
{
	char *rr = realpath(root, NULL), *rp = realpath(path, NULL), *id = NULL;
	if (rr && rp) {
		size_t n = strlen(rr);
		struct stat st;
		if (stat(rp, &st) == 0 && !S_ISDIR(st.st_mode)) {
			char *slash = strrchr(rp, '/');
			if (slash && !strcmp(slash + 1, "module.yaml")) *slash = '\0';
			else goto out;
		}
		if (!strncmp(rr, rp, n) && rp[n] == '/' && !strchr(rp + n + 1, '/')) id = mr_xstrdup(rp + n + 1);
	}
out:
	free(rr);
	free(rp);
	return id;
}

int mr_cmd_validate(const mr_opts *o)
{
	mr_registry reg;
	int rc = MR_EXIT_FAILURE;
	bool have_reg = mr_registry_load(&reg, o->registry, o->stats) == 0;
	if (!have_reg) {
		if (o->nargs == 0) {
			mr_errorf("cannot read registry '%s': %s", o->registry, strerror(errno));
			return MR_EXIT_FAILURE;
		}
		/* validating lone manifests without a registry around them */
		memset(&reg, 0, sizeof reg);
		reg.root = mr_xstrdup(o->registry);
		mr_diags_init(&reg.diags);
	}
	char **only = NULL;
	size_t nonly = 0;
	mr_diags extra; /* registry diagnostics about the paths given */
	mr_diags_init(&extra);
	for (int i = 0; i < o->nargs; i++) {
		struct stat st;
		if (stat(o->args[i], &st) < 0) {
			mr_errorf("cannot read '%s': %s", o->args[i], strerror(errno));
			goto out;
		}
		char *id = have_reg ? registry_member(o->registry, o->args[i]) : NULL;
		if (id && !mr_registry_find(&reg, id)) {
			/* a directory of the registry that is not a module (a bad name, no module.yaml):
			 * what the registry says about it is the answer, not silence */
			char *dir = mr_xasprintf("%s/", id);
			bool said = false;
			for (size_t k = 0; k < reg.diags.len; k++)
				if (!strcmp(reg.diags.items[k].file, dir)) {
					mr_diags_append_copy(&extra, &reg.diags.items[k]);
					said = true;
				}
			free(dir);
			if (said) {
				free(id);
				continue;
			}
			free(id);
			id = NULL;
		}
		if (!id) {
			mr_module *mod = mr_module_load_path(o->args[i]);
			id = mr_xstrdup(mod->id);
			mr_registry_put(&reg, mod);
		}
		only = mr_xreallocarray(only, nonly + 1, sizeof *only);
		only[nonly++] = id;
	}
	mr_analysis an;
	mr_analyse(&reg, &an);
	mr_diags all;
	mr_diags_init(&all);
	for (size_t i = 0; i < reg.n; i++) {
		bool want = o->nargs == 0;
		for (size_t k = 0; k < nonly && !want; k++) want = !strcmp(only[k], reg.mods[i]->id);
		if (!want) continue;
		const mr_module *mod = reg.mods[i];
		for (size_t k = 0; k < mod->diags.len; k++) mr_diags_append_copy(&all, &mod->diags.items[k]);
		for (size_t k = 0; k < mod->stats_diags.len; k++) mr_diags_append_copy(&all, &mod->stats_diags.items[k]);
		for (size_t k = 0; k < an.info[i].diags.len; k++) mr_diags_append_copy(&all, &an.info[i].diags.items[k]);
	}
	if (nonly == 0 && o->nargs == 0)
		for (size_t k = 0; k < reg.diags.len; k++) mr_diags_append_copy(&all, &reg.diags.items[k]);
	for (size_t k = 0; k < extra.len; k++) mr_diags_append_copy(&all, &extra.items[k]);
	mr_diags_sort(&all);
	size_t errors = mr_diags_count(&all, MR_ERROR), warnings = mr_diags_count(&all, MR_WARNING);
	if (mr_opts_json(o)) {
		mr_buf b = MR_BUF_INIT;
		mr_jw w;
		mr_jw_init(&w, &b, 0, true);
		char *prefix = mr_registry_prefix(o->registry);
		mr_jw_arr(&w);
		for (size_t k = 0; k < all.len; k++) mr_context_diag(&w, &all.items[k], prefix);
		mr_jw_end(&w);
		mr_buf_putc(&b, '\n');
		fwrite(b.data, 1, b.len, stdout);
		free(prefix);
		mr_buf_release(&b);
	} else {
		mr_print_diags(o, &all, stdout);
		if (!o->quiet)
			fprintf(stderr, "%zu module%s checked: %zu error%s, %zu warning%s\n", o->nargs ? nonly : reg.n,
			        (o->nargs ? nonly : reg.n) == 1 ? "" : "s", errors, errors == 1 ? "" : "s", warnings,
			        warnings == 1 ? "" : "s");
	}
	rc = errors || (o->strict && warnings) ? MR_EXIT_FOUND_ERRORS : MR_EXIT_OK;
	mr_diags_release(&all);
	mr_analysis_release(&an);
out:
	mr_diags_release(&extra);
	for (size_t k = 0; k < nonly; k++) free(only[k]);
	free(only);
	mr_registry_release(&reg);
	return rc;
}
