/* test_pieces.c — texts kept in the last written file: whatever mix of unchanged pieces
 * (copied from the last file, in runs), new ones (from the spool) and constant text a
 * plan holds, the file written holds exactly its bytes; runs of unchanged pieces take
 * few copies; a kept file changed in place is noticed. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pieces.h"
#include "util.h"

static char dir[] = "/tmp/modreg-pieces-XXXXXX";
static int serial;

static void setup(void)
{
	strcpy(dir, "/tmp/modreg-pieces-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char *cmd = mr_xasprintf("rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
}

/* the bytes of the file open at fd */
static char *file_bytes(int fd)
{
	mr_buf b = MR_BUF_INIT;
	char tmp[4096];
	ssize_t r;
	off_t at = 0;
	while ((r = pread(fd, tmp, sizeof tmp, at)) > 0) {
		mr_buf_add(&b, tmp, (size_t)r);
		at += r;
	}
	mr_buf_putc(&b, '\0');
	return mr_buf_detach(&b);
}

/* write the plan to a new file, commit it, return its bytes */
static char *write_plan(mr_pieces *ps, char **path_out)
{
	char *path = mr_xasprintf("%s/out%d", dir, serial++);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(mr_pieces_write(ps, fd), 0);
	char *bytes = file_bytes(fd);
	cr_assert_eq(strlen(bytes), mr_pieces_size(ps));
	mr_pieces_commit(ps, fd);
	if (path_out) *path_out = path;
	else free(path);
	return bytes;
}

static const char SEP[] = ",\n", SEP2[] = ";\n", OPEN[] = "[", CLOSE[] = "]";

/* a plan of texts with SEP between them, in order; the expected bytes in want */
static void plan_list(mr_pieces *ps, mr_piece *p, char **texts, const size_t *order, size_t n, const char *sep,
                      mr_buf *want)
{
	mr_pieces_begin(ps);
	mr_buf_reset(want);
	mr_pieces_add_text(ps, OPEN, 1);
	mr_buf_puts(want, OPEN);
	for (size_t k = 0; k < n; k++) {
		if (k) {
			mr_pieces_add_text(ps, sep, strlen(sep));
			mr_buf_puts(want, sep);
		}
		mr_pieces_add(ps, &p[order[k]]);
		mr_buf_puts(want, texts[order[k]]);
	}
	mr_pieces_add_text(ps, CLOSE, 1);
	mr_buf_puts(want, CLOSE);
}

TestSuite(pieces, .init = setup, .fini = teardown);

Test(pieces, unchanged_runs_are_copied_in_few_calls)
{
	enum { N = 200 };
	mr_pieces *ps = mr_pieces_new(dir);
	mr_piece p[N];
	char *texts[N];
	size_t order[N];
	for (size_t i = 0; i < N; i++) {
		texts[i] = mr_xasprintf("{\"id\": \"m%03zu\"}", i);
		cr_assert_eq(mr_pieces_put(ps, &p[i], texts[i], strlen(texts[i])), 0);
		order[i] = i;
	}
	mr_buf want = MR_BUF_INIT;
	plan_list(ps, p, texts, order, N, SEP, &want);
	char *got = write_plan(ps, NULL);
	cr_assert_str_eq(got, want.data);
	free(got);
	for (size_t i = 0; i < N; i++) cr_assert_eq(p[i].where, MR_PIECE_FILE);

	/* one piece changes, to a text of the same length: the runs around it are copied */
	free(texts[100]);
	texts[100] = mr_xstrdup("{\"id\": \"M100\"}");
	cr_assert(!mr_pieces_equal(ps, &p[100], texts[100], strlen(texts[100])));
	cr_assert(mr_pieces_equal(ps, &p[99], texts[99], strlen(texts[99])));
	cr_assert_eq(mr_pieces_put(ps, &p[100], texts[100], strlen(texts[100])), 0);
	plan_list(ps, p, texts, order, N, SEP, &want);
	got = write_plan(ps, NULL);
	cr_assert_str_eq(got, want.data);
	cr_assert_leq(mr_pieces_last_calls(ps), 6, "%zu system calls for one changed piece", mr_pieces_last_calls(ps));
	free(got);

	/* read back */
	mr_buf b = MR_BUF_INIT;
	cr_assert_eq(mr_pieces_read(ps, &p[100], &b), 0);
	cr_assert_str_eq(b.data, texts[100]);
	mr_buf_release(&b);
	for (size_t i = 0; i < N; i++) free(texts[i]);
	mr_buf_release(&want);
	mr_pieces_free(ps);
}

/* Separators that differ, pieces removed or moved: never copied from the old file's gaps. */
Test(pieces, gaps_of_the_old_file_are_copied_only_when_they_are_the_same_text)
{
	enum { N = 6 };
	mr_pieces *ps = mr_pieces_new(dir);
	mr_piece p[N];
	char *texts[N] = {"aaaa", "bbbb", "cccc", "dddd", "eeee", "ffff"};
	size_t order[N] = {0, 1, 2, 3, 4, 5};
	for (size_t i = 0; i < N; i++) cr_assert_eq(mr_pieces_put(ps, &p[i], texts[i], 4), 0);
	mr_buf want = MR_BUF_INIT;
	plan_list(ps, p, texts, order, N, SEP, &want);
	free(write_plan(ps, NULL));

	/* another separator of the same length */
	plan_list(ps, p, texts, order, N, SEP2, &want);
	char *got = write_plan(ps, NULL);
	cr_assert_str_eq(got, want.data);
	free(got);
	/* one removed: its neighbours are no longer adjacent */
	size_t less[] = {0, 1, 3, 4, 5};
	plan_list(ps, p, texts, less, 5, SEP2, &want);
	got = write_plan(ps, NULL);
	cr_assert_str_eq(got, want.data);
	free(got);
	/* back in, and the order reversed */
	size_t rev[] = {5, 4, 3, 2, 1, 0};
	cr_assert_eq(mr_pieces_put(ps, &p[2], texts[2], 4), 0);
	plan_list(ps, p, texts, rev, N, SEP2, &want);
	got = write_plan(ps, NULL);
	cr_assert_str_eq(got, want.data);
	free(got);
	mr_buf_release(&want);
	mr_pieces_free(ps);
}

/* the texts of the random tests: N of them, each a piece */
enum { NTEXTS = 40 };

static void put_texts(mr_pieces *ps, mr_piece *p, char **texts)
{
	for (size_t i = 0; i < NTEXTS; i++) {
		texts[i] = mr_xasprintf("<%zu>", i);
		cr_assert_eq(mr_pieces_put(ps, &p[i], texts[i], strlen(texts[i])), 0);
	}
}

/* change up to max - 1 texts at random, some to the same length */
static void change_texts(mr_pieces *ps, mr_piece *p, char **texts, int max, int round)
{
	for (int c = rand() % max; c > 0; c--) {
		size_t i = (size_t)rand() % NTEXTS;
		free(texts[i]);
		texts[i] = rand() % 2 ? mr_xasprintf("<%zu:%d>", i, round) : mr_xasprintf("<%zu>", (size_t)rand() % 100);
		cr_assert_eq(mr_pieces_put(ps, &p[i], texts[i], strlen(texts[i])), 0);
	}
}

/* pieces left out of the last file are written again before they are used */
static void put_missing_texts(mr_pieces *ps, mr_piece *p, char **texts)
{
	for (size_t i = 0; i < NTEXTS; i++)
		if (p[i].where != MR_PIECE_FILE || !mr_pieces_equal(ps, &p[i], texts[i], strlen(texts[i])))
			cr_assert_eq(mr_pieces_put(ps, &p[i], texts[i], strlen(texts[i])), 0);
}

static void free_texts(char **texts)
{
	for (size_t i = 0; i < NTEXTS; i++) free(texts[i]);
}

Test(pieces, random_plans_write_their_bytes)
{
	unsigned seed = (unsigned)getpid();
	srand(seed);
	mr_pieces *ps = mr_pieces_new(dir);
	mr_piece p[NTEXTS];
	char *texts[NTEXTS];
	put_texts(ps, p, texts);
	mr_buf want = MR_BUF_INIT;
	for (int round = 0; round < 200; round++) {
		/* change a few texts, then a random subsequence */
		change_texts(ps, p, texts, 4, round);
		size_t order[NTEXTS], n = 0;
		for (size_t i = 0; i < NTEXTS; i++)
			if (rand() % 5) order[n++] = i;
		if (rand() % 4 == 0 && n > 1) {
			size_t a = (size_t)rand() % n, b = (size_t)rand() % n, t = order[a];
			order[a] = order[b];
			order[b] = t;
		}
		plan_list(ps, p, texts, order, n, rand() % 3 ? SEP : SEP2, &want);
		char *got = write_plan(ps, NULL);
		cr_assert_str_eq(got, want.data, "round %d (seed %u)", round, seed);
		free(got);
		put_missing_texts(ps, p, texts);
	}
	free_texts(texts);
	mr_buf_release(&want);
	mr_pieces_free(ps);
}

Test(pieces, a_kept_file_changed_in_place_is_noticed)
{
	mr_pieces *ps = mr_pieces_new(dir);
	mr_piece a;
	cr_assert_eq(mr_pieces_put(ps, &a, "hello", 5), 0);
	mr_pieces_begin(ps);
	mr_pieces_add(ps, &a);
	char *path;
	free(write_plan(ps, &path));
	cr_assert(mr_pieces_intact(ps));
	cr_assert(mr_pieces_equal(ps, &a, "hello", 5));
	/* someone writes into the file itself (not a new file renamed over it) */
	usleep(20000);
	FILE *f = fopen(path, "r+");
	cr_assert_not_null(f);
	fputs("HELLO", f);
	fclose(f);
	cr_assert(!mr_pieces_intact(ps));
	cr_assert(!mr_pieces_equal(ps, &a, "hello", 5));
	free(path);
	mr_pieces_free(ps);
}

/* A first sync puts every entry in order, each followed by the list's separator, in a
 * lane of its own (rows in another): the plan then copies the whole list in one run. */
Test(pieces, pieces_put_in_order_with_their_separators_are_one_run)
{
	enum { N = 300 };
	mr_pieces *ps = mr_pieces_new(dir);
	mr_piece e[N], r[N];
	char *et[N], *rt[N];
	size_t order[N];
	for (size_t i = 0; i < N; i++) {
		et[i] = mr_xasprintf("{\"entry\": %zu}", i);
		rt[i] = mr_xasprintf("{\"row\": %zu}", i);
		/* interleaved, as a sync renders a module's entry and rows together */
		cr_assert_eq(mr_pieces_put_lane(ps, 1, &e[i], et[i], strlen(et[i])), 0);
		cr_assert_eq(mr_pieces_put_text(ps, 1, SEP, strlen(SEP)), 0);
		cr_assert_eq(mr_pieces_put_lane(ps, 2, &r[i], rt[i], strlen(rt[i])), 0);
		cr_assert_eq(mr_pieces_put_text(ps, 2, SEP, strlen(SEP)), 0);
		order[i] = i;
	}
	mr_buf want = MR_BUF_INIT, want2 = MR_BUF_INIT;
	plan_list(ps, e, et, order, N, SEP, &want);
	/* and the rows after the entries, in the same file */
	mr_pieces_add_text(ps, SEP2, strlen(SEP2));
	mr_buf_puts(&want, SEP2);
	for (size_t i = 0; i < N; i++) {
		if (i) {
			mr_pieces_add_text(ps, SEP, strlen(SEP));
			mr_buf_puts(&want, SEP);
		}
		mr_pieces_add(ps, &r[i]);
		mr_buf_puts(&want, rt[i]);
	}
	char *got = write_plan(ps, NULL);
	cr_assert_str_eq(got, want.data);
	cr_assert_leq(mr_pieces_last_calls(ps), 6, "%zu system calls for two runs", mr_pieces_last_calls(ps));
	free(got);
	/* another separator than the one put: not taken from the lane */
	mr_pieces_begin(ps);
	for (size_t i = 0; i < N; i++) {
		cr_assert_eq(mr_pieces_put_lane(ps, 1, &e[i], et[i], strlen(et[i])), 0);
		cr_assert_eq(mr_pieces_put_text(ps, 1, SEP, strlen(SEP)), 0);
	}
	plan_list(ps, e, et, order, N, SEP2, &want2);
	got = write_plan(ps, NULL);
	cr_assert_str_eq(got, want2.data);
	free(got);
	for (size_t i = 0; i < N; i++) {
		free(et[i]);
		free(rt[i]);
	}
	mr_buf_release(&want);
	mr_buf_release(&want2);
	mr_pieces_free(ps);
}

/* What the spool holds can be taken back (a sync that fails again and again must not
 * make the spool files grow): pieces stored before are gone, new ones start at 0. */
Test(pieces, the_spool_can_be_taken_back)
{
	mr_pieces *ps = mr_pieces_new(dir);
	mr_piece a, b;
	size_t n = (size_t)1 << 20;
	char *data = mr_xmalloc(n);
	memset(data, 'x', n);
	cr_assert_eq(mr_pieces_put(ps, &a, data, n), 0);
	mr_pieces_forget_spool(ps);
	cr_assert(!mr_pieces_equal(ps, &a, data, n));
	cr_assert_eq(mr_pieces_put(ps, &b, "x", 1), 0);
	cr_assert_eq(b.off, 0);
	free(data);
	mr_pieces_free(ps);
}

/* As the watcher does: each file written over the one before the last (its spare), the
 * ranges it holds already stepped over.  Random plans (seeded from the pid, printed on
 * failure); now and then the spare is changed behind the store's back, which is told so. */
Test(pieces, random_plans_written_over_the_file_before)
{
	unsigned seed = (unsigned)getpid();
	srand(seed);
	mr_pieces *ps = mr_pieces_new(dir);
	mr_piece p[NTEXTS];
	char *texts[NTEXTS];
	put_texts(ps, p, texts);
	mr_buf want = MR_BUF_INIT;
	size_t all[NTEXTS];
	for (size_t i = 0; i < NTEXTS; i++) all[i] = i;
	/* the first file, new; its spare a copy */
	plan_list(ps, p, texts, all, NTEXTS, SEP, &want);
	char *path = NULL, *spare_path = mr_xasprintf("%s/spare", dir);
	free(write_plan(ps, &path));
	int spare = open(spare_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	cr_assert(spare >= 0);
	cr_assert_eq(mr_pieces_copy_kept(ps, spare), 0);
	for (int round = 0; round < 300; round++) {
		int r = rand() % 10;
		if (r < 6) change_texts(ps, p, texts, 3, round);
		size_t order[NTEXTS], n = 0;
		for (size_t i = 0; i < NTEXTS; i++)
			if (r == 9 || rand() % 8) order[n++] = i;
		plan_list(ps, p, texts, order, n, rand() % 5 ? SEP : SEP2, &want);
		if (r == 7) { /* someone wrote into the spare */
			cr_assert_eq(pwrite(spare, "##", 2, 1), 2);
			mr_pieces_forget_same(ps);
		}
		cr_assert_eq(mr_pieces_write_over(ps, spare), 0, "round %d (seed %u)", round, seed);
		char *got = file_bytes(spare);
		cr_assert_str_eq(got, want.data, "round %d (seed %u)", round, seed);
		free(got);
		/* the names swap: the file just written is kept, the one kept before is the spare */
		int next_spare = open(path, O_RDWR);
		cr_assert(next_spare >= 0);
		mr_pieces_commit(ps, spare);
		spare = next_spare;
		char *t = path;
		path = spare_path;
		spare_path = t;
		put_missing_texts(ps, p, texts);
	}
	close(spare);
	free(path);
	free(spare_path);
	free_texts(texts);
	mr_buf_release(&want);
	mr_pieces_free(ps);
}

/* a plan that is the kept file again, written over the file before it that was the same:
 * not one byte to write */
Test(pieces, the_same_file_over_the_same_file_writes_nothing)
{
	mr_pieces *ps = mr_pieces_new(dir);
	mr_piece p[2];
	char *texts[] = {"alpha", "beta"};
	const size_t order[] = {0, 1};
	mr_buf want = MR_BUF_INIT;
	cr_assert_eq(mr_pieces_put(ps, &p[0], "alpha", 5), 0);
	cr_assert_eq(mr_pieces_put(ps, &p[1], "beta", 4), 0);
	plan_list(ps, p, texts, order, 2, SEP, &want);
	char *path = NULL;
	free(write_plan(ps, &path));
	char *copy = mr_xasprintf("%s/copy", dir);
	int fd = open(copy, O_RDWR | O_CREAT | O_TRUNC, 0644);
	cr_assert_eq(mr_pieces_copy_kept(ps, fd), 0);
	plan_list(ps, p, texts, order, 2, SEP, &want);
	cr_assert_eq(mr_pieces_write_over(ps, fd), 0);
	cr_assert_eq(mr_pieces_last_calls(ps), 0, "%zu calls", mr_pieces_last_calls(ps));
	char *got = file_bytes(fd);
	cr_assert_str_eq(got, "[alpha,\nbeta]");
	free(got);
	/* told that the copy may differ, it writes it all */
	mr_pieces_forget_same(ps);
	cr_assert_eq(mr_pieces_write_over(ps, fd), 0);
	cr_assert_gt(mr_pieces_last_calls(ps), 0);
	int old = open(path, O_RDWR);
	cr_assert(old >= 0);
	mr_pieces_commit(ps, fd);
	/* and the file written knows it is the file before it again: the next one over that
	 * one writes nothing either */
	plan_list(ps, p, texts, order, 2, SEP, &want);
	cr_assert_eq(mr_pieces_write_over(ps, old), 0);
	cr_assert_eq(mr_pieces_last_calls(ps), 0, "%zu calls", mr_pieces_last_calls(ps));
	got = file_bytes(old);
	cr_assert_str_eq(got, "[alpha,\nbeta]");
	free(got);
	mr_pieces_commit(ps, old);
	mr_buf_release(&want);
	free(copy);
	free(path);
	mr_pieces_free(ps);
}
