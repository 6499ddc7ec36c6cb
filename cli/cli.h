/* cli.h — the parsed command line shared by every command of the front end.
 * Only the front end prints and decides exit statuses. */
#ifndef MR_CLI_H
#define MR_CLI_H

#include "diag.h"

#include <stdbool.h>
#include <stdio.h>

enum { MR_EXIT_OK = 0, MR_EXIT_FOUND_ERRORS = 1, MR_EXIT_FAILURE = 2 };

typedef struct mr_opts {
	const char *command;
	const char *registry; /* --registry, default ./registry */
	const char *out;      /* --out, default ./site */
	const char *stats;    /* --stats, default ./stats */
	const char *format;   /* text | json */
	const char *repo_url; /* --repo-url */
	const char *on_sync;  /* --on-sync CMD */
	const char *manifest; /* --manifest FILE (query similar) */
	const char *templates;/* --templates DIR */
	const char *direction;/* --direction */
	const char *status;   /* --status (query list) */
	const char *type;     /* --type (query list) */
	long resync;          /* --resync SECONDS */
	int quiet, verbose;
	bool strict, json, transitive, color;
	char **args;          /* positional arguments after the command */
	int nargs;
} mr_opts;

/* true when --format json or --json */
bool mr_opts_json(const mr_opts *o);
/* print diagnostics in text (stdout) form with the registry prefix */
void mr_print_diags(const mr_opts *o, const mr_diags *d, FILE *f);
/* "registry/" style prefix for diagnostics of this registry (heap) */
char *mr_registry_prefix(const char *root);
void mr_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
