/* pieces.c — see pieces.h. */
#include "pieces.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHUNK ((size_t)256 << 10)

enum { OP_MEM, OP_FILE, OP_SPOOL };

/* one step of writing the plan: bytes in memory, or a range of the kept file or spool */
typedef struct op {
	const char *mem;
	off_t off;
	size_t len;
	size_t last_slot; /* OP_FILE: the kept file's slot its range ends with */
	unsigned char kind;
	unsigned char lane; /* OP_SPOOL */
} op;

/* constant text put in a spool lane (so that a plan can take it from there too) */
typedef struct ltext {
	off_t off;
	const char *text;
	size_t n;
} ltext;

/* An unnamed spool file.  Writes are gathered in memory and written in large blocks. */
typedef struct lane {
	int fd;           /* -1 until needed */
	off_t len;        /* bytes put */
	off_t flushed;    /* of which in the file */
	mr_buf wbuf;      /* the others */
	ltext *texts;
	size_t ntexts, captexts;
} lane;

#define LANE_FLUSH ((size_t)256 << 10)

/* what is at a slot of a planned (or the kept) file: constant text, or a piece */
typedef struct slot {
	const char *text; /* NULL: a piece */
	size_t len;
} slot;

typedef struct rec {
	mr_piece *p;
	off_t off;
	size_t slot;
} rec;

typedef struct range {
	off_t start, end;
} range;

typedef struct ranges {
	range *v; /* sorted, apart */
	size_t n, cap;
} ranges;

struct mr_pieces {
	char *dir;
	int kept;           /* the last file written (or found equal), or -1 */
	off_t kept_size;
	struct timespec kept_mtime;
	slot *kslots;       /* its slots */
	size_t nkslots, capkslots;
	lane lanes[MR_PIECES_LANES];
	/* the plan */
	op *ops;
	size_t nops, capops;
	slot *slots;
	size_t nslots, capslots;
	rec *recs;
	size_t nrecs, caprecs;
	size_t size;
	size_t pending;     /* in-memory text ops at the end of the plan (since the last piece) */
	size_t calls;       /* system calls of the last write */
	unsigned gen;       /* bumped by each commit */
	bool broken;        /* the plan holds a piece that is gone */
	char *buf, *buf2;   /* CHUNK each, when needed */
	/* where the kept file holds the bytes the file kept before it holds at the same
	 * offsets (sorted, apart): mr_pieces_write_over() need not write them again */
	ranges same;
	ranges next;        /* the same for the file being written, made by the write */
	bool wrote;         /* the plan was written (commit takes next as same) */
};

mr_pieces *mr_pieces_new(const char *dir)
{
	mr_pieces *ps = mr_xcalloc(1, sizeof *ps);
	ps->dir = mr_xstrdup(dir);
	ps->kept = -1;
	for (int l = 0; l < MR_PIECES_LANES; l++) ps->lanes[l].fd = -1;
	return ps;
}

static void *close_thread(void *arg)
{
	close((int)(intptr_t)arg);
	return NULL;
}

/* Close fd off the caller's path: the last descriptor of a large deleted file frees its
 * blocks, which takes as long as writing them did. */
static void close_later(int fd)
{
	if (fd >= 0) mr_in_background(close_thread, (void *)(intptr_t)fd);
}

void mr_pieces_free(mr_pieces *ps)
{
	if (!ps) return;
	if (ps->kept >= 0) close(ps->kept);
	for (int l = 0; l < MR_PIECES_LANES; l++) {
		if (ps->lanes[l].fd >= 0) close(ps->lanes[l].fd);
		mr_buf_release(&ps->lanes[l].wbuf);
		free(ps->lanes[l].texts);
	}
	free(ps->kslots);
	free(ps->ops);
	free(ps->slots);
	free(ps->recs);
	free(ps->buf);
	free(ps->buf2);
	free(ps->same.v);
	free(ps->next.v);
	free(ps->dir);
	free(ps);
}

static char *chunk(char **b)
{
	if (!*b) *b = mr_xmalloc(CHUNK);
	return *b;
}

static int open_spool(mr_pieces *ps, lane *ln)
{
	if (ln->fd >= 0) return 0;
#ifdef O_TMPFILE
	ln->fd = open(ps->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (ln->fd >= 0) return 0;
#endif
	/* no unnamed files here: a named one, unlinked at once (and a stale temp if killed
	 * in between, which the next sync removes) */
	char *path = mr_xasprintf("%s/context.json.spool%d.tmp.%ld", ps->dir, (int)(ln - ps->lanes), (long)getpid());
	ln->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (ln->fd >= 0) unlink(path);
	free(path);
	return ln->fd >= 0 ? 0 : -1;
}

static int write_all_at(int fd, const char *p, size_t n, off_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0) {
			if (errno == EINTR) continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/* Read exactly n bytes at off; a short file is EIO. */
static int read_all_at(int fd, char *p, size_t n, off_t off)
{
	while (n) {
		ssize_t r = pread(fd, p, n, off);
		if (r < 0) {
			if (errno == EINTR) continue;
			return -1;
		}
		if (r == 0) {
			errno = EIO;
			return -1;
		}
		p += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

static int flush_lane(lane *ln)
{
	if (!ln->wbuf.len) return 0;
	if (write_all_at(ln->fd, ln->wbuf.data, ln->wbuf.len, ln->flushed) < 0) return -1;
	ln->flushed += (off_t)ln->wbuf.len;
	mr_buf_reset(&ln->wbuf);
	return 0;
}

/* every lane's bytes in its file, before anything reads them */
static int flush(mr_pieces *ps)
{
	for (int l = 0; l < MR_PIECES_LANES; l++)
		if (flush_lane(&ps->lanes[l]) < 0) return -1;
	return 0;
}

static int lane_add(mr_pieces *ps, lane *ln, const char *data, size_t len)
{
	if (open_spool(ps, ln) < 0) return -1;
	if (len >= LANE_FLUSH) {
		/* large enough to be written as it is (not copied first) */
		if (flush_lane(ln) < 0 || write_all_at(ln->fd, data, len, ln->flushed) < 0) return -1;
		ln->flushed += (off_t)len;
		ln->len += (off_t)len;
		return 0;
	}
	mr_buf_add(&ln->wbuf, data, len);
	ln->len += (off_t)len;
	return ln->wbuf.len >= LANE_FLUSH ? flush_lane(ln) : 0;
}

int mr_pieces_put_lane(mr_pieces *ps, int l, mr_piece *p, const char *data, size_t len)
{
	lane *ln = &ps->lanes[l];
	off_t at = ln->len;
	if (lane_add(ps, ln, data, len) < 0) return -1;
	*p = (mr_piece){at, len, 0, ps->gen, MR_PIECE_SPOOL, (unsigned char)l};
	return 0;
}

int mr_pieces_put(mr_pieces *ps, mr_piece *p, const char *data, size_t len)
{
	return mr_pieces_put_lane(ps, 0, p, data, len);
}

int mr_pieces_put_text(mr_pieces *ps, int l, const char *text, size_t n)
{
	lane *ln = &ps->lanes[l];
	MR_GROW(ln->texts, ln->captexts, ln->ntexts + 1);
	ln->texts[ln->ntexts++] = (ltext){ln->len, text, n};
	return lane_add(ps, ln, text, n);
}

static int source(const mr_pieces *ps, const mr_piece *p)
{
	if (p->where == MR_PIECE_FILE) return ps->kept;
	if (p->where == MR_PIECE_SPOOL && p->lane < MR_PIECES_LANES) return ps->lanes[p->lane].fd;
	return -1;
}

/* Is the piece still where it says? */
static bool live(const mr_pieces *ps, const mr_piece *p)
{
	return p->where != MR_PIECE_NONE && p->gen == ps->gen && source(ps, p) >= 0;
}

int mr_pieces_read(mr_pieces *ps, const mr_piece *p, mr_buf *out)
{
	if (p->where == MR_PIECE_NONE || !p->len) return 0;
	if (!live(ps, p)) {
		errno = EINVAL;
		return -1;
	}
	if (flush(ps) < 0) return -1;
	int fd = source(ps, p);
	mr_buf_grow(out, p->len + 1);
	if (read_all_at(fd, out->data + out->len, p->len, p->off) < 0) return -1;
	out->len += p->len;
	out->data[out->len] = '\0';
	return 0;
}

bool mr_pieces_equal(mr_pieces *ps, const mr_piece *p, const char *data, size_t len)
{
	if (!live(ps, p) || p->len != len || flush(ps) < 0) return false;
	int fd = source(ps, p);
	char *b = chunk(&ps->buf);
	for (size_t done = 0; done < len;) {
		size_t n = len - done < CHUNK ? len - done : CHUNK;
		if (read_all_at(fd, b, n, p->off + (off_t)done) < 0 || memcmp(b, data + done, n)) return false;
		done += n;
	}
	return true;
}

bool mr_pieces_keeps(const mr_pieces *ps, const char *path)
{
	struct stat a, b;
	return ps->kept >= 0 && fstat(ps->kept, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

bool mr_pieces_intact(mr_pieces *ps)
{
	if (ps->kept < 0) return true;
	struct stat st;
	if (fstat(ps->kept, &st) == 0 && st.st_size == ps->kept_size && st.st_mtim.tv_sec == ps->kept_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == ps->kept_mtime.tv_nsec)
		return true;
	close(ps->kept);
	ps->kept = -1;
	ps->nkslots = 0;
	ps->same.n = 0;
	return false;
}

/* ---------------------------------------------------------------- the plan */

void mr_pieces_begin(mr_pieces *ps)
{
	ps->nops = ps->nslots = ps->nrecs = ps->size = ps->pending = 0;
	ps->broken = ps->wrote = false;
}

static void add_slot(mr_pieces *ps, const char *text, size_t n)
{
	MR_GROW(ps->slots, ps->capslots, ps->nslots + 1);
	ps->slots[ps->nslots++] = (slot){text, n};
	ps->size += n;
}

static void add_op(mr_pieces *ps, op o)
{
	MR_GROW(ps->ops, ps->capops, ps->nops + 1);
	ps->ops[ps->nops++] = o;
}

/* Is slot k of the kept file the text t? */
static bool kept_text_is(const mr_pieces *ps, size_t k, const char *t, size_t n)
{
	return k < ps->nkslots && ps->kslots[k].text && ps->kslots[k].len == n && !memcmp(ps->kslots[k].text, t, n);
}

/* Was the text t put in the lane at off? */
static bool lane_text_is(const lane *ln, off_t off, const char *t, size_t n)
{
	size_t lo = 0, hi = ln->ntexts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ln->texts[mid].off < off) lo = mid + 1;
		else hi = mid;
	}
	return lo < ln->ntexts && ln->texts[lo].off == off && ln->texts[lo].n == n && !memcmp(ln->texts[lo].text, t, n);
}

/* The last op, when it is a range of the kept file. */
static op *last_file_op(mr_pieces *ps)
{
	return ps->kept >= 0 && ps->nops && ps->ops[ps->nops - 1].kind == OP_FILE ? &ps->ops[ps->nops - 1] : NULL;
}

void mr_pieces_add_text(mr_pieces *ps, const char *text, size_t n)
{
	if (!n) return;
	add_slot(ps, text, n);
	/* the same text follows the same piece in the kept file: copy it with that */
	op *f = last_file_op(ps);
	if (f && kept_text_is(ps, f->last_slot + 1, text, n)) {
		f->len += n;
		f->last_slot++;
		return;
	}
	/* ... or the same text was put after the last piece in its spool lane */
	op *o = ps->nops && ps->ops[ps->nops - 1].kind == OP_SPOOL ? &ps->ops[ps->nops - 1] : NULL;
	if (o && lane_text_is(&ps->lanes[o->lane], o->off + (off_t)o->len, text, n)) {
		o->len += n;
		return;
	}
	add_op(ps, (op){text, 0, n, 0, OP_MEM, 0});
	ps->pending++;
}

/* A piece of the kept file: it continues the last op's range when it came next there,
 * and takes in the texts planned just before it when they came just before it there. */
static void add_file_piece(mr_pieces *ps, const mr_piece *p)
{
	op *f = last_file_op(ps);
	if (f && f->last_slot + 1 == p->slot) {
		f->len += p->len;
		f->last_slot = p->slot;
		return;
	}
	size_t take = 0;
	off_t start = p->off;
	while (take < ps->pending && take < p->slot) {
		const op *o = &ps->ops[ps->nops - 1 - take];
		if (!kept_text_is(ps, p->slot - 1 - take, o->mem, o->len)) break;
		start -= (off_t)o->len;
		take++;
	}
	ps->nops -= take;
	add_op(ps, (op){NULL, start, (size_t)(p->off - start) + p->len, p->slot, OP_FILE, 0});
}

void mr_pieces_add(mr_pieces *ps, mr_piece *p)
{
	MR_GROW(ps->recs, ps->caprecs, ps->nrecs + 1);
	ps->recs[ps->nrecs++] = (rec){p, (off_t)ps->size, ps->nslots};
	add_slot(ps, NULL, p->where == MR_PIECE_NONE ? 0 : p->len);
	if (p->where == MR_PIECE_NONE || !p->len) return;
	if (!live(ps, p)) {
		ps->broken = true;
		return;
	}
	if (p->where == MR_PIECE_FILE && p->slot < ps->nkslots) {
		add_file_piece(ps, p);
	} else if (p->where == MR_PIECE_SPOOL && ps->nops && !ps->pending && ps->ops[ps->nops - 1].kind == OP_SPOOL &&
	           ps->ops[ps->nops - 1].lane == p->lane && ps->ops[ps->nops - 1].off + (off_t)ps->ops[ps->nops - 1].len == p->off) {
		ps->ops[ps->nops - 1].len += p->len;
	} else {
		add_op(ps, (op){NULL, p->off, p->len, p->slot, p->where == MR_PIECE_FILE ? OP_FILE : OP_SPOOL, p->lane});
	}
	ps->pending = 0;
}

size_t mr_pieces_size(const mr_pieces *ps)
{
	return ps->size;
}

/* where an op's bytes are (-1 for memory) */
static int op_source(const mr_pieces *ps, const op *o)
{
	return o->kind == OP_FILE ? ps->kept : o->kind == OP_SPOOL ? ps->lanes[o->lane].fd : -1;
}

/* copy len bytes at off of src to fd's position */
static int copy_range(mr_pieces *ps, int src, off_t off, size_t len, int fd)
{
	if (src < 0) {
		errno = EBADF;
		return -1;
	}
	bool plain = false;
	while (len) {
		if (!plain) {
			ssize_t c = copy_file_range(src, &off, fd, NULL, len, 0);
			ps->calls++;
			if (c > 0) {
				len -= (size_t)c;
				continue;
			}
			if (c == 0) {
				errno = EIO; /* the source is shorter than it was */
				return -1;
			}
			if (errno == EINTR) continue;
			if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) return -1;
			plain = true; /* a file system or kernel without it */
		}
		char *b = chunk(&ps->buf);
		size_t n = len < CHUNK ? len : CHUNK;
		if (read_all_at(src, b, n, off) < 0) return -1;
		for (size_t done = 0; done < n;) {
			ssize_t w = write(fd, b + done, n - done);
			ps->calls++;
			if (w < 0) {
				if (errno == EINTR) continue;
				return -1;
			}
			done += (size_t)w;
		}
		off += (off_t)n;
		len -= n;
	}
	return 0;
}

/* write ops [k, end) — all in memory — with as few writev calls as IOV_MAX allows */
static int write_mem(mr_pieces *ps, size_t k, size_t end, int fd)
{
	struct iovec v[64];
	while (k < end) {
		int cnt = 0;
		for (size_t i = k; i < end && cnt < 64; i++, cnt++) v[cnt] = (struct iovec){(void *)ps->ops[i].mem, ps->ops[i].len};
		ssize_t w = writev(fd, v, cnt);
		ps->calls++;
		if (w < 0) {
			if (errno == EINTR) continue;
			return -1;
		}
		/* skip what was written; a partial write leaves part of one op */
		while (w > 0 && k < end) {
			op *o = &ps->ops[k];
			if ((size_t)w >= o->len) {
				w -= (ssize_t)o->len;
				k++;
			} else {
				o->mem += w;
				o->len -= (size_t)w;
				w = 0;
			}
		}
	}
	return 0;
}

/* [start, end) of the file being written holds the kept file's bytes at the same offsets */
static void note_next(mr_pieces *ps, off_t start, off_t end)
{
	ranges *r = &ps->next;
	if (r->n && r->v[r->n - 1].end == start) {
		r->v[r->n - 1].end = end;
		return;
	}
	MR_GROW(r->v, r->cap, r->n + 1);
	r->v[r->n++] = (range){start, end};
}

/* The kept file's [off, off + len) to the same offsets of fd (at its position, off):
 * what fd holds already (ps->same) is stepped over, the rest copied. */
static int copy_over(mr_pieces *ps, off_t off, size_t len, int fd)
{
	off_t end = off + (off_t)len;
	const ranges *same = &ps->same;
	size_t lo = 0, hi = same->n;
	while (lo < hi) { /* the first range that ends past off */
		size_t mid = lo + (hi - lo) / 2;
		if (same->v[mid].end <= off) lo = mid + 1;
		else hi = mid;
	}
	for (size_t k = lo; off < end; k++) {
		off_t from = k < same->n && same->v[k].start < end ? same->v[k].start : end;
		if (from > off) {
			if (copy_range(ps, ps->kept, off, (size_t)(from - off), fd) < 0) return -1;
			off = from;
		}
		if (off >= end) break;
		off_t to = same->v[k].end < end ? same->v[k].end : end;
		if (lseek(fd, to - off, SEEK_CUR) < 0) return -1;
		off = to;
	}
	return 0;
}

static int write_plan(mr_pieces *ps, int fd, bool over)
{
	ps->calls = 0;
	ps->next.n = 0;
	ps->wrote = false;
	if (ps->broken) {
		errno = EINVAL;
		return -1;
	}
	if (flush(ps) < 0) return -1;
	off_t at = 0;
	for (size_t k = 0; k < ps->nops;) {
		op *o = &ps->ops[k];
		if (o->kind == OP_MEM) {
			size_t end = k;
			while (end < ps->nops && ps->ops[end].kind == OP_MEM) at += (off_t)ps->ops[end++].len;
			if (write_mem(ps, k, end, fd) < 0) return -1;
			k = end;
			continue;
		}
		bool in_place = o->kind == OP_FILE && o->off == at;
		if (in_place) note_next(ps, at, at + (off_t)o->len);
		if (in_place && over ? copy_over(ps, o->off, o->len, fd) < 0
		                     : copy_range(ps, op_source(ps, o), o->off, o->len, fd) < 0)
			return -1;
		at += (off_t)o->len;
		k++;
	}
	if (over && ftruncate(fd, at) < 0) return -1;
	ps->wrote = true;
	return 0;
}

int mr_pieces_write(mr_pieces *ps, int fd)
{
	return write_plan(ps, fd, false);
}

int mr_pieces_write_over(mr_pieces *ps, int fd)
{
	if (lseek(fd, 0, SEEK_SET) < 0) return -1;
	return write_plan(ps, fd, true);
}

void mr_pieces_forget_same(mr_pieces *ps)
{
	ps->same.n = 0;
}

int mr_pieces_copy_kept(mr_pieces *ps, int fd)
{
	ps->same.n = 0;
	if (ps->kept < 0 || ps->kept_size < 0) {
		errno = EBADF;
		return -1;
	}
	if (copy_range(ps, ps->kept, 0, (size_t)ps->kept_size, fd) < 0) return -1;
	if (ps->kept_size) {
		MR_GROW(ps->same.v, ps->same.cap, 1);
		ps->same.v[ps->same.n++] = (range){0, ps->kept_size};
	}
	return 0;
}

bool mr_pieces_same_as(mr_pieces *ps, int fd)
{
	struct stat st;
	if (ps->broken || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != ps->size || flush(ps) < 0)
		return false;
	char *fb = chunk(&ps->buf), *ob = chunk(&ps->buf2);
	off_t at = 0;
	for (size_t k = 0; k < ps->nops; k++) {
		const op *o = &ps->ops[k];
		int src = op_source(ps, o);
		for (size_t done = 0; done < o->len;) {
			size_t n = o->len - done < CHUNK ? o->len - done : CHUNK;
			const char *want = o->mem + done;
			if (o->kind != OP_MEM) {
				if (read_all_at(src, ob, n, o->off + (off_t)done) < 0) return false;
				want = ob;
			}
			if (read_all_at(fd, fb, n, at) < 0 || memcmp(fb, want, n)) return false;
			done += n;
			at += (off_t)n;
		}
	}
	return true;
}

/* close every spool file (in the background) and start them empty */
static void empty_lanes(mr_pieces *ps)
{
	for (int l = 0; l < MR_PIECES_LANES; l++) {
		lane *ln = &ps->lanes[l];
		close_later(ln->fd);
		ln->fd = -1;
		ln->len = ln->flushed = 0;
		ln->ntexts = 0;
		mr_buf_release(&ln->wbuf);
	}
}

void mr_pieces_commit(mr_pieces *ps, int fd)
{
	/* a file that still has a name frees nothing when closed */
	struct stat st;
	if (ps->kept >= 0 && fstat(ps->kept, &st) == 0 && st.st_nlink > 0) close(ps->kept);
	else close_later(ps->kept);
	ps->kept = fd;
	if (fstat(fd, &st) == 0) {
		ps->kept_size = st.st_size;
		ps->kept_mtime = st.st_mtim;
	} else {
		ps->kept_size = -1;
	}
	/* the file written holds the old kept file's bytes where the plan copied them in place */
	if (ps->wrote) {
		ranges t = ps->same;
		ps->same = ps->next;
		ps->next = t;
	} else
		ps->same.n = 0;
	/* the buffers of this file let go: a watcher would keep megabytes of them between syncs */
	for (int l = 0; l < MR_PIECES_LANES; l++)
		if (flush_lane(&ps->lanes[l]) == 0) mr_buf_release(&ps->lanes[l].wbuf);
	free(ps->buf);
	free(ps->buf2);
	ps->buf = ps->buf2 = NULL;
	ps->gen++;
	for (size_t i = 0; i < ps->nrecs; i++) {
		const rec *r = &ps->recs[i];
		size_t len = ps->slots[r->slot].len;
		*r->p = (mr_piece){r->off, len, r->slot, ps->gen, len ? MR_PIECE_FILE : MR_PIECE_NONE, 0};
	}
	/* the plan's slots are the kept file's now */
	slot *t = ps->kslots;
	size_t tc = ps->capkslots;
	ps->kslots = ps->slots;
	ps->capkslots = ps->capslots;
	ps->nkslots = ps->nslots;
	ps->slots = t;
	ps->capslots = tc;
	/* the spool's pieces are all in the file now */
	empty_lanes(ps);
	mr_pieces_begin(ps);
}

void mr_pieces_forget_spool(mr_pieces *ps)
{
	empty_lanes(ps);
	ps->gen++; /* every piece is gone */
	mr_pieces_begin(ps);
}

size_t mr_pieces_last_calls(const mr_pieces *ps)
{
	return ps->calls;
}
