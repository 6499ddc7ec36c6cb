/* pieces.h — the texts of a large output file kept on disk instead of in memory.
 *
 * context.json is a sequence of pieces (one per module entry, one per section) and the
 * constant text between them.  After a sync writes it, every piece is a range of that
 * file: the store keeps the file open and the next sync reads an unchanged piece back
 * from it — or better, has the kernel copy whole runs of unchanged pieces into the next
 * file (copy_file_range) without them passing through memory.  A piece rendered anew
 * goes to an unnamed spool file until the next file is written.  So the watcher's
 * memory does not grow with the size of context.json.
 *
 * Writing a file: mr_pieces_begin(), then in order mr_pieces_add_text() (constant
 * text, which must outlive the plan) and mr_pieces_add() (a piece), then
 * mr_pieces_write() or mr_pieces_same_as(), then mr_pieces_commit() with the file now
 * holding those bytes: every piece added is then a range of it.
 *
 * The kept file is the one this process wrote (an open descriptor, not a path): files
 * renamed over it change nothing.  If it is changed in place all the same, its size or
 * modification time changes and mr_pieces_intact() says so. */
#ifndef MR_PIECES_H
#define MR_PIECES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

typedef enum { MR_PIECE_NONE, MR_PIECE_FILE, MR_PIECE_SPOOL } mr_piece_where;

typedef struct mr_piece {
	off_t off;
	size_t len;
	size_t slot;           /* MR_PIECE_FILE: its position in the kept file's plan */
	unsigned gen;          /* the store's generation it belongs to (a piece of an earlier
	                        * file or spool, left out of the files since, is gone) */
	unsigned char where;   /* mr_piece_where */
	unsigned char lane;    /* MR_PIECE_SPOOL: which spool */
} mr_piece;

/* Spool files ("lanes"): pieces that a plan takes in the order they were put, with
 * the same constant text between them, are copied in one run — so pieces of two
 * interleaved sequences (module entries, relationship rows) go to lanes of their own. */
#define MR_PIECES_LANES 3

typedef struct mr_pieces mr_pieces;

/* A store whose spool file is made in dir (when first needed). */
mr_pieces *mr_pieces_new(const char *dir);
void mr_pieces_free(mr_pieces *ps);

/* Store len bytes as the piece *p (in the spool, lane 0).  0, or -1 with errno. */
int mr_pieces_put(mr_pieces *ps, mr_piece *p, const char *data, size_t len);
int mr_pieces_put_lane(mr_pieces *ps, int lane, mr_piece *p, const char *data, size_t len);
/* Put constant text (static) after the last piece of a lane: a plan that has the same
 * text after that piece copies it from there with the piece. */
int mr_pieces_put_text(mr_pieces *ps, int lane, const char *text, size_t n);
/* Append the piece's bytes to out.  0, or -1 with errno (a piece NONE is empty). */
int mr_pieces_read(mr_pieces *ps, const mr_piece *p, mr_buf *out);
/* Does the piece hold exactly these bytes?  (false when it cannot be read) */
bool mr_pieces_equal(mr_pieces *ps, const mr_piece *p, const char *data, size_t len);
/* Is the kept file the one at path (so that replacing path does not free it)? */
bool mr_pieces_keeps(const mr_pieces *ps, const char *path);
/* Forget the kept file when it was changed by someone else; false then. */
bool mr_pieces_intact(mr_pieces *ps);

/* planning a file (begin forgets any earlier plan) */
void mr_pieces_begin(mr_pieces *ps);
void mr_pieces_add_text(mr_pieces *ps, const char *text, size_t n);
void mr_pieces_add(mr_pieces *ps, mr_piece *p); /* p is updated by commit */
size_t mr_pieces_size(const mr_pieces *ps);     /* bytes planned */
/* Write the plan at fd's position.  0, or -1 with errno (EINVAL when the plan holds a
 * piece that is gone). */
int mr_pieces_write(mr_pieces *ps, int fd);
/* Write the plan over the file open at fd, which holds what the kept file replaced (the
 * file kept before it, or the copy mr_pieces_copy_kept() made), from its start, and cut
 * it to the plan's size: ranges the plan copies from the kept file to the same offsets,
 * where fd holds those bytes already, are stepped over rather than written.  0, or -1
 * with errno. */
int mr_pieces_write_over(mr_pieces *ps, int fd);
/* Copy the kept file to fd's position (a new, empty file): the file the next plan is
 * written over.  0, or -1 with errno. */
int mr_pieces_copy_kept(mr_pieces *ps, int fd);
/* The file written over next is not what the store thinks (someone else changed it):
 * write all of it. */
void mr_pieces_forget_same(mr_pieces *ps);
/* Does the file open at fd hold exactly the planned bytes? */
bool mr_pieces_same_as(mr_pieces *ps, int fd);
/* fd (taken) now holds the plan: keep it, and make every piece added a range of it.
 * The file kept before is closed in the background (freeing a large deleted file's
 * blocks takes as long as writing them).  The spool is emptied. */
void mr_pieces_commit(mr_pieces *ps, int fd);
/* Empty the spool files: every piece stored so far is gone (the kept file stays, for
 * mr_pieces_intact).  For a caller that starts again from the disk. */
void mr_pieces_forget_spool(mr_pieces *ps);

/* for tests: the system calls that moved bytes in the last write */
size_t mr_pieces_last_calls(const mr_pieces *ps);

#endif
