/* main.c — parse the command line and dispatch to one command.  Nothing else. */
#include "commands.h"
#include "context.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: modreg <command> [options] [args]\n"
	"\n"
	"commands:\n"
	"  validate [PATH...]   check the registry (or some modules) and print diagnostics\n"
	"  index                one full sync: write context.json and the api/ files\n"
	"  build                index, then render the documentation site\n"
	"  watch                keep the index and site true to the registry (daemon)\n"
	"  status               print the last sync from status.json\n"
	"  query SUBCOMMAND     list | show ID | deps ID | rdeps ID | search TEXT | similar\n"
	"  new ID               scaffold registry/ID with a commented manifest\n"
	"  mcp                  Model Context Protocol server on stdin/stdout\n"
	"\n"
	"options:\n"
	"  --registry DIR   registry root (default ./registry)\n"
	"  --out DIR        output directory (default ./site)\n"
	"  --stats DIR      statistics directory (default ./stats)\n"
	"  --format FMT     text or json\n"
	"  --strict         validate: warnings count as errors\n"
	"  --json           query: answer as JSON\n"
	"  --status S, --type T   query list: filters\n"
	"  --transitive     query deps/rdeps: the whole closure\n"
	"  --repo-url URL   build/watch: base of the \"edit\" links to manifests\n"
	"  --templates DIR  build/watch: the site's templates (default ./templates)\n"
	"  --resync SECS    watch: periodic full resync (default 3600, 0 = off)\n"
	"  --on-sync CMD    watch: run CMD after each sync that changed something\n"
	"  -q, -v           quieter, more verbose\n"
	"  --help, --version\n"
	"\n"
	"See modreg(1) and modreg-manifest(5).\n";

void mr_errorf(const char *fmt, ...)
{
	va_list ap;
	fputs("modreg: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool mr_opts_json(const mr_opts *o)
{
	return o->json || (o->format && !strcmp(o->format, "json"));
}

char *mr_registry_prefix(const char *root)
{
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/') n--;
	mr_buf b = MR_BUF_INIT;
	mr_buf_add(&b, root, n);
	mr_buf_putc(&b, '/');
	return mr_buf_detach(&b);
}

void mr_print_diags(const mr_opts *o, const mr_diags *d, FILE *f)
{
	char *prefix = mr_registry_prefix(o->registry);
	mr_buf b = MR_BUF_INIT;
	for (size_t i = 0; i < d->len; i++) mr_diag_format_text(&d->items[i], prefix, o->color, &b);
	fwrite(mr_buf_str(&b), 1, b.len, f);
	mr_buf_release(&b);
	free(prefix);
}

/* options that take a value */
static const char **value_slot(mr_opts *o, const char *name)
{
	static const char *resync_text;
	if (!strcmp(name, "--registry")) return &o->registry;
	if (!strcmp(name, "--out")) return &o->out;
	if (!strcmp(name, "--stats")) return &o->stats;
	if (!strcmp(name, "--format")) return &o->format;
	if (!strcmp(name, "--repo-url")) return &o->repo_url;
	if (!strcmp(name, "--on-sync")) return &o->on_sync;
	if (!strcmp(name, "--manifest")) return &o->manifest;
	if (!strcmp(name, "--templates")) return &o->templates;
	if (!strcmp(name, "--direction")) return &o->direction;
	if (!strcmp(name, "--status")) return &o->status;
	if (!strcmp(name, "--type")) return &o->type;
	if (!strcmp(name, "--resync")) return &resync_text;
	return NULL;
}

static int parse(int argc, char **argv, mr_opts *o)
{
	const char *resync = NULL;
	o->registry = "registry";
	o->out = "site";
	o->stats = "stats";
	o->format = "text";
	o->resync = 3600;
	o->args = calloc((size_t)argc + 1, sizeof *o->args);
	if (!o->args) return -1;
	bool only_args = false;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (only_args || a[0] != '-' || !strcmp(a, "-")) {
			if (!o->command) o->command = a;
			else o->args[o->nargs++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = true;
			continue;
		}
		char *eq = strchr(a, '=');
		char name[32];
		size_t nl = eq ? (size_t)(eq - a) : strlen(a);
		if (nl >= sizeof name) nl = sizeof name - 1;
		memcpy(name, a, nl);
		name[nl] = '\0';
		const char **slot = value_slot(o, name);
		if (slot) {
			const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!val) {
				mr_errorf("option %s needs a value", name);
				return -1;
			}
			if (!strcmp(name, "--resync")) resync = val;
			else *slot = val;
			continue;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o->quiet++;
		else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) o->verbose++;
		else if (!strcmp(a, "--strict")) o->strict = true;
		else if (!strcmp(a, "--json")) o->json = true;
		else if (!strcmp(a, "--transitive")) o->transitive = true;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) o->command = "help";
		else if (!strcmp(a, "-V") || !strcmp(a, "--version")) o->command = "version";
		else {
			mr_errorf("unknown option '%s' (see modreg --help)", a);
			return -1;
		}
	}
	if (resync) {
		char *end;
		errno = 0;
		long v = strtol(resync, &end, 10);
		if (errno || *end || v < 0) {
			mr_errorf("--resync takes a number of seconds, not '%s'", resync);
			return -1;
		}
		o->resync = v;
	}
	if (strcmp(o->format, "text") && strcmp(o->format, "json")) {
		mr_errorf("--format takes text or json, not '%s'", o->format);
		return -1;
	}
	o->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	return 0;
}

typedef int (*cmd_fn)(const mr_opts *o);
typedef struct command {
	const char *name;
	cmd_fn fn;
} command;

int main(int argc, char **argv)
{
	mr_opts o = {0};
	if (parse(argc, argv, &o) < 0) {
		free(o.args);
		return MR_EXIT_FAILURE;
	}
	static const command commands[] = {
		{"validate", mr_cmd_validate},
		{"index", mr_cmd_index},
		{"status", mr_cmd_status},
		{"build", mr_cmd_build},
		{"watch", mr_cmd_watch},
		{"query", mr_cmd_query},
		{"new", mr_cmd_new},
		{"mcp", mr_cmd_mcp},
	};
	int rc = MR_EXIT_FAILURE;
	if (!o.command || !strcmp(o.command, "help")) {
		fputs(usage, o.command ? stdout : stderr);
		rc = o.command ? MR_EXIT_OK : MR_EXIT_FAILURE;
	} else if (!strcmp(o.command, "version")) {
		printf("modreg %s\n", MR_VERSION);
		rc = MR_EXIT_OK;
	} else if (!strcmp(o.command, "__semver-oracle")) {
		char *av[3] = {"__semver-oracle", o.nargs ? o.args[0] : NULL, NULL};
		rc = mr_cmd_semver_oracle(o.nargs ? 2 : 1, av);
	} else {
		size_t i;
		for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
			if (!strcmp(commands[i].name, o.command)) break;
		if (i < sizeof commands / sizeof commands[0]) rc = commands[i].fn(&o);
		else mr_errorf("unknown command '%s' (see modreg --help)", o.command);
	}
	free(o.args);
	return rc;
}
