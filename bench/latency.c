/* latency.c — how long after a save context.json is replaced (SPEC §10), measured
 * from outside the watcher: write a file, then wait (inotify on the output directory)
 * for context.json to be renamed into place.  Used by bench/latency.sh.
 *
 *   latency OUTDIR FILE RUNS MODE [NAME [LOG]]
 * MODE version: FILE is a module.yaml; each run rewrites its `version:` line in place
 *               (1.50.x, 1.51.x, ...: the module's entry keeps its length)
 *      resize:  the same, the version alternately 1.7.x and 1.10NN.x: the entry's
 *               length changes with each save, and what follows it in context.json moves
 *      stats:   FILE is a statistics file; each run replaces it (temp + rename) with
 *               new counts, as collectors do
 * NAME the file renamed into OUTDIR that ends a run (default context.json; a module's
 *      page is OUTDIR=<site>/modules NAME=<id>.html)
 * LOG  the watcher's standard error: one save at a time, each after the log line of the
 *      previous one's sync (which comes once the whole sync is done, site pages and
 *      graphs included); without it, 150 ms after the previous run
 * Prints one latency in milliseconds per line. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)len + 1);
	*n = fread(b, 1, (size_t)len, f);
	b[*n] = 0;
	fclose(f);
	return b;
}

/* rewrite the file the way an editor's in-place save does */
static void save(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

static const char *wait_name = "context.json";

/* how many syncs the watcher's log reports */
static long syncs_logged(const char *log)
{
	size_t n;
	char *text = slurp(log, &n);
	long count = 0;
	for (char *p = text; p && (p = strstr(p, "modreg: sync ")); p++) count++;
	free(text);
	return count;
}

/* wait until the log reports at least want syncs; -1 after timeout_ms */
static int wait_logged(const char *log, long want, double timeout_ms)
{
	double end = now_ms() + timeout_ms;
	while (syncs_logged(log) < want)
		if (now_ms() > end) return -1;
		else usleep(2000);
	return 0;
}

/* wait until wait_name is renamed into outdir; -1 on timeout */
static int wait_replaced(int fd, double timeout_ms)
{
	char buf[8192] __attribute__((aligned(8)));
	double end = now_ms() + timeout_ms;
	for (;;) {
		double left = end - now_ms();
		if (left <= 0) return -1;
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, (int)left + 1) <= 0) continue;
		ssize_t r = read(fd, buf, sizeof buf);
		for (char *q = buf; r > 0 && q < buf + r;) {
			struct inotify_event *e = (struct inotify_event *)q;
			if (e->len && !strcmp(e->name, wait_name)) return 0;
			q += sizeof *e + e->len;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: latency OUTDIR FILE RUNS version|resize|stats [NAME [LOG]]\n");
		return 2;
	}
	if (argc >= 6) wait_name = argv[5];
	const char *log = argc == 7 ? argv[6] : NULL;
	long logged = log ? syncs_logged(log) : 0;
	const char *out = argv[1], *file = argv[2], *mode = argv[4];
	int runs = atoi(argv[3]);
	size_t n;
	char *orig = slurp(file, &n);
	if (!orig && !strcmp(mode, "stats")) {
		orig = strdup("{}\n");
		n = 3;
	}
	if (!orig) {
		perror(file);
		return 2;
	}
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0 || inotify_add_watch(fd, out, IN_MOVED_TO) < 0) {
		perror("inotify");
		return 2;
	}
	char *line = strstr(orig, "\nversion: ");
	bool resize = !strcmp(mode, "resize");
	if (resize) mode = "version";
	if (!strcmp(mode, "version") && !line) {
		fprintf(stderr, "%s has no version line\n", file);
		return 2;
	}
	for (int i = 0; i < runs; i++) {
		char *text;
		if (!strcmp(mode, "version")) {
			/* version: 1.<i>.<x> keeps every ^1.0.0 dependant satisfied */
			char *eol = strchr(line + 1, '\n');
			int minor = resize ? (i % 2 ? 7 : 1000 + i) : 50 + i;
			if (asprintf(&text, "%.*s\nversion: 1.%d.%d%s", (int)(line - orig), orig, minor, i % 7, eol) < 0) return 2;
		} else if (asprintf(&text, "{ \"collectedAt\": \"2026-11-21T09:00:00Z\", \"requests\": %d, \"errors\": %d }\n",
		                    1000 + i, i % 5) < 0)
			return 2;
		/* let the previous sync finish: one save at a time */
		if (!log) usleep(150 * 1000);
		else if (wait_logged(log, logged, 60000) < 0) {
			fprintf(stderr, "%s: no sync logged within 60 s\n", log);
			return 1;
		}
		char drain[4096];
		while (read(fd, drain, sizeof drain) > 0) {
		}
		double t0 = now_ms();
		if (!strcmp(mode, "stats")) {
			char *tmp;
			if (asprintf(&tmp, "%s.tmp", file) < 0) return 2;
			save(tmp, text, strlen(text));
			if (rename(tmp, file) < 0) {
				perror(file);
				return 2;
			}
			free(tmp);
		} else save(file, text, strlen(text));
		if (wait_replaced(fd, 60000) < 0) {
			fprintf(stderr, "%s was not replaced within 60 s\n", wait_name);
			return 1;
		}
		printf("%.3f\n", now_ms() - t0);
		fflush(stdout);
		logged++;
		free(text);
	}
	/* put the file back as it was, and wait for the watcher to follow */
	char drain[4096];
	while (read(fd, drain, sizeof drain) > 0) {
	}
	if (!strcmp(mode, "stats")) unlink(file);
	else save(file, orig, n);
	wait_replaced(fd, 60000);
	free(orig);
	return 0;
}
