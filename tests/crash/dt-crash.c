// SPDX-License-Identifier: GPL-2.0
/*
 * dt-crash: the load and the checker of the crash campaign
 * (tests/crash/campaign.sh).
 *
 *   dt-crash writer DIR JOURNAL [--fsync] [--seed N] [--procs N] [--ops N]
 *   dt-crash check DIR JOURNAL
 *   dt-crash stress DIR [--procs N] [--seed N]
 *
 * writer: N processes (default 2), process K working in DIR/pK only,
 * perform a random mix of operations: create + write, replace (write a
 * temporary file, rename it over the target), pwrite at an offset, O_APPEND
 * append, ftruncate, punch/zero a range, store through a shared mapping +
 * msync, rename (also over an existing file or symlink, and of a whole
 * directory), unlink, mkdir, rmdir (of a directory with entries: unlink
 * them in name order first, "rmtree"), link, symlink, setxattr, removexattr.
 * The names come from a small fixed set (pK, pK/d0..d2; f0..f7 and tmp in
 * each), so names are reused all the time. All data is generated from the
 * operation's pattern (a number drawn from the seed) and the file offset.
 * With --fsync an operation is acknowledged only after fsync of the file it
 * changed (and of the parent directories of the names it changed) has
 * succeeded. After each acknowledged operation one line is appended to
 * JOURNAL (O_APPEND, then fdatasync): process, operation number, kind,
 * paths, arguments, and the resulting state of the paths (absent, dir,
 * file:size:hash:nlink:xattr-hash, symlink:length:hash). The journal holds
 * nothing else but a header line (seed, processes, fsync). A process stops
 * at the first failing system call (SIGBUS in a mapping counts): if the
 * error is ENOTCONN or ECONNABORTED or statfs(DIR) now fails, the
 * filesystem went away and it exits 0; otherwise the error is reported and
 * the exit status is 1. --ops N stops each process after N operations.
 * Prints "writer: N operations acknowledged".
 *
 * Every decision of the writer (kind, names, offsets, lengths, patterns) is
 * a function of the seed, the process number and the state its previous
 * operations produced, which is known because each of them succeeded. So
 * the checker regenerates the whole sequence: it replays each process's
 * journal lines through the same generator and the same model (a line that
 * differs from the regenerated one is a failure: wrong or damaged journal),
 * and then knows not only the state after the last acknowledged operation
 * but also the one operation the process may have had in flight (the next
 * one the generator yields), which is not in the journal.
 *
 * THE CHECK RULE. For each process, the tree DIR/pK must match, as a whole,
 * one of these states:
 *   S   the state after its last acknowledged operation (also the state
 *       when nothing was in flight);
 *   S'  the state after the in-flight operation, for namespace and xattr
 *       operations (mkdir, rmdir, rename, link, symlink, unlink, setxattr,
 *       removexattr: one request, atomic in dtfs);
 *   for the in-flight operations that change data (pwrite, append,
 *   truncate, punch, mapping store, and the writes of create and replace):
 *       S' with the changed file "torn": its size anywhere between the old
 *       and the new size, and each byte either the old or the new byte of
 *       that offset (bytes past a size count as zero). A write is split
 *       into several requests, and with writeback_cache the kernel writes
 *       pages back in any order before the fsync that would acknowledge
 *       it; for create the old file is the empty one just created; for
 *       replace the candidate is S plus the torn temporary file (the
 *       rename not done yet), and S' with the rename done;
 *   for an in-flight rmtree: also S with the first 1, 2, ... of the
 *       directory's entries unlinked (in the order the writer unlinks).
 * Matching a state means: every directory and name of the fixed set exists
 * exactly when the state says so (and nothing else is in the directories),
 * with the right type; files have the expected size, content, link count
 * and user.* xattrs, names of one file are hard links of one inode and
 * names of different files are different inodes; symlinks have the
 * expected target; nothing else is compared (no times, modes, directory
 * link counts). Matching the whole tree against each state, rather than
 * each path against its own last operation, keeps the atomicity of rename
 * checked (source and target cannot both be missing). So the one
 * unacknowledged operation cannot make a correct filesystem fail, and
 * every acknowledged operation must have survived: nothing is accepted
 * that needs an acknowledged operation undone. When no state matches, the
 * differences from the closest one (fewest differences) are printed after
 * a "#" line naming the in-flight operation, one line per difference:
 * "FAIL path: expected ..., found ...". Prints "check: N operations
 * verified, M failures" (N: the acknowledged operations of the processes
 * whose tree matched) and exits 1 on any failure.
 *
 * stress: an fsstress-like load of N processes (default 4) in DIR/sK on
 * random names in a small tree: create, write, read, truncate, rename,
 * unlink, mkdir, rmdir, link, symlink, xattrs, shared-mapping stores +
 * msync, fsync, fdatasync, fallocate, O_DIRECT, copy_file_range, readdir,
 * syncfs; errors are ignored. It runs until killed or until the filesystem
 * goes away (exit 0), then prints "stress: N operations".
 *
 * Bad arguments: a one-line usage error and exit status 2.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#define NDIR 4 /* pK, pK/d0, pK/d1, pK/d2 */
#define NNAME 9 /* f0..f7, tmp */
#define TMPN 8
#define NX 3 /* user.x0..x2 */
#define NINO (NDIR * NNAME)
#define XMAX 512
#define TMAX 256
#define MAXSIZE (1280u * 1024u)
#define MAXPROCS 64
#define LINE 1024

static const char *const dname[NDIR] = {"", "d0", "d1", "d2"};
static const char *const fname[NNAME] = {"f0", "f1", "f2", "f3", "f4",
					 "f5", "f6", "f7", "tmp"};
static const char *const xname[NX] = {"user.x0", "user.x1", "user.x2"};

static const char *usage_line =
	"usage: dt-crash writer DIR JOURNAL [--fsync] [--seed N] [--procs N] "
	"[--ops N] | check DIR JOURNAL | stress DIR [--procs N] [--seed N]";

/* ---- random numbers and data ------------------------------------------ */

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

/* The byte at file offset pos written by an operation with pattern pat. */
static void fill(unsigned char *buf, uint64_t pat, uint64_t pos, size_t len)
{
	uint64_t w = 0;

	for (size_t i = 0; i < len; i++, pos++) {
		if (i == 0 || (pos & 7) == 0)
			w = mix64(pat ^ ((pos >> 3) * 0xd6e8feb86659fd93ULL));
		buf[i] = (unsigned char)(w >> ((pos & 7) * 8));
	}
}

static uint64_t hash(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* ---- the model of one writer process's tree --------------------------- */

enum { T_NONE, T_FILE, T_SYMLINK };

struct mfile {
	int nlink; /* 0: unused */
	size_t size, cap;
	unsigned char *data;
	int xlen[NX]; /* -1: absent */
	unsigned char xval[NX][XMAX];
};

struct ment {
	int type;
	int ino;
	int tlen;
	char target[TMAX];
};

struct model {
	int proc;
	int dir[NDIR];
	struct ment e[NDIR][NNAME];
	struct mfile f[NINO];
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "dt-crash: out of memory\n");
		exit(3);
	}
	return p;
}

static struct model *model_new(int proc)
{
	struct model *m = xrealloc(NULL, sizeof(*m));

	memset(m, 0, sizeof(*m));
	m->proc = proc;
	return m;
}

static void model_free(struct model *m)
{
	if (!m)
		return;
	for (int i = 0; i < NINO; i++)
		free(m->f[i].data);
	free(m);
}

static struct model *model_copy(const struct model *s)
{
	struct model *m = xrealloc(NULL, sizeof(*m));

	memcpy(m, s, sizeof(*m));
	for (int i = 0; i < NINO; i++) {
		m->f[i].data = NULL;
		m->f[i].cap = 0;
		if (s->f[i].nlink && s->f[i].size) {
			m->f[i].data = xrealloc(NULL, s->f[i].size);
			m->f[i].cap = s->f[i].size;
			memcpy(m->f[i].data, s->f[i].data, s->f[i].size);
		}
	}
	return m;
}

static void fsize(struct mfile *f, size_t size)
{
	if (size > f->cap) {
		size_t c = f->cap ? f->cap : 4096;

		while (c < size)
			c *= 2;
		f->data = xrealloc(f->data, c);
		f->cap = c;
	}
	if (size > f->size)
		memset(f->data + f->size, 0, size - f->size);
	f->size = size;
}

static int ino_alloc(struct model *m)
{
	for (int i = 0; i < NINO; i++) {
		if (!m->f[i].nlink) {
			struct mfile *f = &m->f[i];

			f->nlink = 1;
			f->size = 0;
			for (int x = 0; x < NX; x++)
				f->xlen[x] = -1;
			return i;
		}
	}
	fprintf(stderr, "dt-crash: model out of inodes\n");
	exit(3);
}

static void ent_drop(struct model *m, int d, int n)
{
	struct ment *e = &m->e[d][n];

	if (e->type == T_FILE && --m->f[e->ino].nlink == 0) {
		free(m->f[e->ino].data);
		m->f[e->ino].data = NULL;
		m->f[e->ino].cap = 0;
		m->f[e->ino].size = 0;
	}
	memset(e, 0, sizeof(*e));
}

static int dir_empty(const struct model *m, int d)
{
	for (int n = 0; n < NNAME; n++)
		if (m->e[d][n].type)
			return 0;
	return 1;
}

static int rel_dir(char *b, size_t sz, int proc, int d)
{
	return snprintf(b, sz, "p%d%s%s", proc, d ? "/" : "", dname[d]);
}

static int rel_ent(char *b, size_t sz, int proc, int d, int n)
{
	return snprintf(b, sz, "p%d%s%s/%s", proc, d ? "/" : "", dname[d],
			fname[n]);
}

/* ---- operations ------------------------------------------------------- */

enum {
	K_MKROOT,
	K_CREATE,
	K_REPLACE,
	K_PWRITE,
	K_APPEND,
	K_TRUNC,
	K_PUNCH,
	K_MMAPW,
	K_RENAME,
	K_RENAMEDIR,
	K_UNLINK,
	K_MKDIR,
	K_RMDIR,
	K_LINK,
	K_SYMLINK,
	K_SETX,
	K_RMX,
	K_RMTREE,
	NKIND
};

static const char *const kname[NKIND] = {
	"mkroot",   "create",	   "replace",	"pwrite", "append",
	"truncate", "punch",	   "mmapwrite", "rename", "renamedir",
	"unlink",   "mkdir",	   "rmdir",	"link",	  "symlink",
	"setxattr", "removexattr", "rmtree"};

/* relative frequencies of the kinds the generator draws */
static const int weight[NKIND] = {0, 12, 6, 14, 10, 5, 4, 6, 10,
				  3, 8,	 3, 3,	5,  5, 6, 2, 0};

/* namespace kinds: S' is exact; the others change a file's data */
static int kind_changes_data(int k)
{
	return k == K_CREATE || k == K_REPLACE || k == K_PWRITE ||
	       k == K_APPEND || k == K_TRUNC || k == K_PUNCH || k == K_MMAPW;
}

struct op {
	int kind;
	unsigned long no;
	int d1, n1, d2, n2; /* slots; n = -1: a directory op on d */
	uint64_t off, len, aux; /* aux: punch mode, mapping length */
	uint64_t pat;
	int x;
};

struct slot {
	int d, n;
};

static size_t pick_len(struct rng *r)
{
	uint64_t u = below(r, 100);

	if (u < 50)
		return 1 + below(r, 4096);
	if (u < 80)
		return 1 + below(r, 65536);
	if (u < 95)
		return 1 + below(r, 262144);
	return 1 + below(r, 1200000);
}

static int collect(const struct model *m, struct slot *s, int want_type,
		   int want_file_nlink_below)
{
	int k = 0;

	for (int d = 0; d < NDIR; d++) {
		if (!m->dir[d])
			continue;
		for (int n = 0; n < TMPN; n++) {
			const struct ment *e = &m->e[d][n];

			if (want_type == -1 ? e->type == T_NONE
					    : e->type != want_type)
				continue;
			if (want_file_nlink_below &&
			    m->f[e->ino].nlink >= want_file_nlink_below)
				continue;
			s[k].d = d;
			s[k].n = n;
			k++;
		}
	}
	return k;
}

/* The next operation of the process whose tree is m. */
static void gen(const struct model *m, struct rng *r, unsigned long no,
		struct op *op)
{
	struct slot s[NINO * NX], t[NINO];
	int ns, nt, tot = 0;

	memset(op, 0, sizeof(*op));
	op->no = no;
	op->d2 = op->n2 = -1;
	op->n1 = -1;
	if (!m->dir[0]) {
		op->kind = K_MKROOT;
		op->d1 = 0;
		return;
	}
	for (int k = 0; k < NKIND; k++)
		tot += weight[k];
	for (;;) {
		int w = (int)below(r, (uint64_t)tot), k = 0;
		const struct mfile *f;

		while (w >= weight[k])
			w -= weight[k++];
		memset(op, 0, sizeof(*op));
		op->no = no;
		op->n1 = op->d2 = op->n2 = -1;
		op->kind = k;
		op->pat = rnd(r);
		switch (k) {
		case K_CREATE:
		case K_SYMLINK:
			ns = collect(m, s, T_NONE, 0);
			if (!ns)
				continue;
			ns = (int)below(r, (uint64_t)ns);
			op->d1 = s[ns].d;
			op->n1 = s[ns].n;
			if (k == K_SYMLINK)
				op->len = 1 + below(r, TMAX - 1);
			else
				op->len = below(r, 16) ? pick_len(r) : 0;
			return;
		case K_REPLACE:
			nt = 0;
			for (int d = 0; d < NDIR; d++)
				for (int n = 0; m->dir[d] && n < TMPN; n++) {
					t[nt].d = d;
					t[nt++].n = n;
				}
			nt = (int)below(r, (uint64_t)nt);
			op->d1 = t[nt].d;
			op->n1 = TMPN;
			op->d2 = t[nt].d;
			op->n2 = t[nt].n;
			op->len = pick_len(r);
			return;
		case K_PWRITE:
		case K_APPEND:
		case K_TRUNC:
		case K_PUNCH:
		case K_MMAPW:
		case K_SETX:
			ns = collect(m, s, T_FILE, 0);
			if (!ns)
				continue;
			ns = (int)below(r, (uint64_t)ns);
			op->d1 = s[ns].d;
			op->n1 = s[ns].n;
			f = &m->f[m->e[op->d1][op->n1].ino];
			if (k == K_PWRITE) {
				uint64_t lim = f->size + 65536;

				op->off =
					below(r, lim < MAXSIZE ? lim : MAXSIZE);
				op->len = pick_len(r);
				if (op->off + op->len > MAXSIZE)
					op->len = MAXSIZE - op->off;
			} else if (k == K_APPEND) {
				if (f->size + 1 >= MAXSIZE)
					continue;
				op->off = f->size;
				op->len = below(r, 10) ? 1 + below(r, 16384)
						       : pick_len(r);
				if (op->off + op->len > MAXSIZE)
					op->len = MAXSIZE - op->off;
			} else if (k == K_TRUNC) {
				uint64_t lim = f->size * 2 + 65536;

				op->len = below(r, lim < MAXSIZE ? lim + 1
								 : MAXSIZE + 1);
			} else if (k == K_PUNCH || k == K_MMAPW) {
				if (!f->size)
					continue;
				op->off = below(r, f->size);
				op->len = 1 + below(r, f->size - op->off);
				if (k == K_MMAPW && op->len > 65536)
					op->len = 1 + below(r, 65536);
				op->aux = k == K_MMAPW ? f->size : below(r, 2);
			} else {
				op->x = (int)below(r, NX);
				op->len = below(r, XMAX + 1);
			}
			return;
		case K_RMX:
			ns = 0;
			for (int d = 0; d < NDIR; d++)
				for (int n = 0; m->dir[d] && n < TMPN; n++) {
					const struct ment *e = &m->e[d][n];

					for (int x = 0;
					     e->type == T_FILE && x < NX; x++) {
						if (m->f[e->ino].xlen[x] < 0)
							continue;
						s[ns].d = d;
						s[ns].n = n * NX + x;
						ns++;
					}
				}
			if (!ns)
				continue;
			ns = (int)below(r, (uint64_t)ns);
			op->d1 = s[ns].d;
			op->n1 = s[ns].n / NX;
			op->x = s[ns].n % NX;
			return;
		case K_RENAME:
		case K_LINK:
			ns = collect(m, s, k == K_LINK ? T_FILE : -1,
				     k == K_LINK ? 6 : 0);
			nt = k == K_LINK ? collect(m, t, T_NONE, 0) : 0;
			if (k == K_RENAME)
				for (int d = 0; d < NDIR; d++)
					for (int n = 0; m->dir[d] && n < TMPN;
					     n++) {
						t[nt].d = d;
						t[nt++].n = n;
					}
			if (!ns || !nt)
				continue;
			ns = (int)below(r, (uint64_t)ns);
			nt = (int)below(r, (uint64_t)nt);
			if (s[ns].d == t[nt].d && s[ns].n == t[nt].n)
				continue;
			op->d1 = s[ns].d;
			op->n1 = s[ns].n;
			op->d2 = t[nt].d;
			op->n2 = t[nt].n;
			return;
		case K_UNLINK:
			ns = collect(m, s, -1, 0);
			if (!ns)
				continue;
			ns = (int)below(r, (uint64_t)ns);
			op->d1 = s[ns].d;
			op->n1 = s[ns].n;
			return;
		case K_MKDIR:
		case K_RMDIR:
		case K_RENAMEDIR:
			ns = 0;
			for (int d = 1; d < NDIR; d++)
				if (k == K_MKDIR ? !m->dir[d] : m->dir[d])
					s[ns++].d = d;
			if (!ns)
				continue;
			op->d1 = s[below(r, (uint64_t)ns)].d;
			/* a directory with entries goes with all of them */
			if (k == K_RMDIR && !dir_empty(m, op->d1))
				op->kind = K_RMTREE;
			if (k != K_RENAMEDIR)
				return;
			nt = 0;
			for (int d = 1; d < NDIR; d++)
				if (d != op->d1 &&
				    (!m->dir[d] || dir_empty(m, d)))
					t[nt++].d = d;
			if (!nt)
				continue;
			op->d2 = t[below(r, (uint64_t)nt)].d;
			return;
		}
	}
}

static void symlink_target(char *b, const struct op *op)
{
	unsigned char raw[TMAX];

	fill(raw, op->pat, 0, op->len);
	for (uint64_t i = 0; i < op->len; i++)
		b[i] = raw[i] % 9 == 0 ? '/' : (char)('a' + raw[i] % 26);
	b[op->len] = 0;
}

static void write_range(struct mfile *f, uint64_t pat, uint64_t off,
			uint64_t len)
{
	if (!len)
		return;
	if (off + len > f->size)
		fsize(f, off + len);
	fill(f->data + off, pat, off, len);
}

/* The state after op, which succeeded. */
static void apply(struct model *m, const struct op *op)
{
	struct ment *e = op->n1 >= 0 ? &m->e[op->d1][op->n1] : NULL;
	struct mfile *f = e && e->type == T_FILE ? &m->f[e->ino] : NULL;
	int i;

	switch (op->kind) {
	case K_MKROOT:
		m->dir[0] = 1;
		break;
	case K_CREATE:
	case K_REPLACE:
		i = ino_alloc(m);
		write_range(&m->f[i], op->pat, 0, op->len);
		if (op->kind == K_REPLACE) {
			ent_drop(m, op->d2, op->n2);
			e = &m->e[op->d2][op->n2];
		}
		e->type = T_FILE;
		e->ino = i;
		break;
	case K_PWRITE:
	case K_APPEND:
	case K_MMAPW:
		write_range(f, op->pat, op->off, op->len);
		break;
	case K_TRUNC:
		fsize(f, op->len);
		break;
	case K_PUNCH:
		memset(f->data + op->off, 0, op->len);
		break;
	case K_RENAME: {
		struct ment *t = &m->e[op->d2][op->n2];

		if (e->type == T_FILE && t->type == T_FILE && e->ino == t->ino)
			break; /* hard links of one file: nothing happens */
		ent_drop(m, op->d2, op->n2);
		*t = *e;
		memset(e, 0, sizeof(*e));
		break;
	}
	case K_RENAMEDIR:
		memcpy(m->e[op->d2], m->e[op->d1], sizeof(m->e[op->d1]));
		memset(m->e[op->d1], 0, sizeof(m->e[op->d1]));
		m->dir[op->d1] = 0;
		m->dir[op->d2] = 1;
		break;
	case K_UNLINK:
		ent_drop(m, op->d1, op->n1);
		break;
	case K_MKDIR:
		m->dir[op->d1] = 1;
		break;
	case K_RMTREE:
		for (int n = 0; n < NNAME; n++)
			ent_drop(m, op->d1, n);
		/* fall through */
	case K_RMDIR:
		m->dir[op->d1] = 0;
		break;
	case K_LINK:
		m->e[op->d2][op->n2] = *e;
		f->nlink++;
		break;
	case K_SYMLINK:
		e->type = T_SYMLINK;
		e->tlen = (int)op->len;
		symlink_target(e->target, op);
		break;
	case K_SETX:
		f->xlen[op->x] = (int)op->len;
		fill(f->xval[op->x], op->pat, 0, op->len);
		break;
	case K_RMX:
		f->xlen[op->x] = -1;
		break;
	}
}

static uint64_t xhash(const struct mfile *f)
{
	uint64_t h = 0;

	for (int x = 0; x < NX; x++)
		h = mix64(h ^ (f->xlen[x] < 0
				       ? 0x5a5aULL + (uint64_t)x
				       : hash(f->xval[x], (size_t)f->xlen[x])));
	return h;
}

static int ent_state(char *b, size_t sz, const struct model *m, int d, int n)
{
	const struct ment *e;
	const struct mfile *f;

	if (n < 0)
		return snprintf(b, sz, "%s", m->dir[d] ? "dir" : "absent");
	e = &m->e[d][n];
	if (!m->dir[d] || e->type == T_NONE)
		return snprintf(b, sz, "absent");
	if (e->type == T_SYMLINK)
		return snprintf(b, sz, "symlink:%d:%016" PRIx64, e->tlen,
				hash((const unsigned char *)e->target,
				     (size_t)e->tlen));
	f = &m->f[e->ino];
	return snprintf(b, sz, "file:%zu:%016" PRIx64 ":%d:%016" PRIx64,
			f->size, hash(f->data, f->size), f->nlink, xhash(f));
}

static void op_paths(const struct op *op, int proc, char *p1, char *p2)
{
	if (op->n1 >= 0)
		rel_ent(p1, 256, proc, op->d1, op->n1);
	else
		rel_dir(p1, 256, proc, op->d1);
	if (op->d2 < 0)
		strcpy(p2, "-");
	else if (op->kind == K_RENAMEDIR)
		rel_dir(p2, 256, proc, op->d2);
	else
		rel_ent(p2, 256, proc, op->d2, op->n2);
}

static void op_desc(char *b, size_t sz, const struct op *op, int proc)
{
	char p1[256], p2[256];

	op_paths(op, proc, p1, p2);
	snprintf(b, sz, "%lu %s %s%s%s", op->no, kname[op->kind], p1,
		 op->d2 < 0 ? "" : " ", op->d2 < 0 ? "" : p2);
}

/* The journal line of op, m being the state after it. */
static int record(char *b, size_t sz, const struct model *m,
		  const struct op *op)
{
	char p1[256], p2[256], s1[128], s2[128] = "-";

	op_paths(op, m->proc, p1, p2);
	ent_state(s1, sizeof(s1), m, op->d1, op->n1);
	if (op->d2 >= 0)
		ent_state(s2, sizeof(s2), m, op->d2,
			  op->kind == K_RENAMEDIR ? -1 : op->n2);
	return snprintf(b, sz,
			"%d %lu %s %s %s %" PRIu64 " %" PRIu64 " %" PRIu64
			" %016" PRIx64 " %d : %s %s\n",
			m->proc, op->no, kname[op->kind], p1, p2, op->off,
			op->len, op->aux, op->pat, op->x, s1, s2);
}

/* ---- the writer ------------------------------------------------------- */

static const char *fail_what;
static int fail_errno;
static sigjmp_buf bus_jb;
static volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	if (bus_armed)
		siglongjmp(bus_jb, 1);
	signal(sig, SIG_DFL);
}

static int failed(const char *what)
{
	fail_what = what;
	fail_errno = errno ? errno : EIO;
	return -1;
}

static int gone_errno(int e)
{
	return e == ENOTCONN || e == ECONNABORTED;
}

/* Did the filesystem under dir go away (daemon killed or aborted)? */
static int fs_gone(const char *dir, int err)
{
	struct statfs sf;

	if (gone_errno(err))
		return 1;
	if (statfs(dir, &sf) == 0)
		return 0;
	return gone_errno(errno) || errno == EIO || errno == ENODEV;
}

static int put_all(int fd, const unsigned char *b, size_t n, off_t off,
		   int positional)
{
	while (n) {
		ssize_t w =
			positional ? pwrite(fd, b, n, off) : write(fd, b, n);

		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		b += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY), ret;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	if (ret < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

/* Store into the mapping; -1 if that raised SIGBUS. */
static int store_guarded(unsigned char *map, const struct op *op)
{
	if (sigsetjmp(bus_jb, 1)) {
		bus_armed = 0;
		errno = EIO;
		return -1;
	}
	bus_armed = 1;
	fill(map + op->off, op->pat, op->off, op->len);
	bus_armed = 0;
	return 0;
}

struct wctx {
	const char *dir;
	int dofsync;
	unsigned char *buf; /* MAXSIZE */
};

static void abs_ent(char *b, const struct wctx *w, int proc, int d, int n)
{
	char rel[256];

	rel_ent(rel, sizeof(rel), proc, d, n);
	snprintf(b, 4096, "%s/%s", w->dir, rel);
}

static void abs_dir(char *b, const struct wctx *w, int proc, int d)
{
	char rel[256];

	rel_dir(rel, sizeof(rel), proc, d);
	snprintf(b, 4096, "%s/%s", w->dir, rel);
}

/* finish a data op on fd: fsync if asked, close */
static int data_done(int fd, int dofsync)
{
	if (dofsync && fsync(fd) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return failed("fsync");
	}
	if (close(fd) < 0)
		return failed("close");
	return 0;
}

static int data_fail(int fd, const char *what)
{
	int e = errno;

	close(fd);
	errno = e;
	return failed(what);
}

/* Perform op; 0 when every system call of it succeeded. */
static int perform(const struct wctx *w, const struct model *m,
		   const struct op *op)
{
	char a[4096], b[4096], pa[4096], pb[4096], root[4096];
	int p = m->proc, fd, flags;
	unsigned char *map;

	errno = 0;
	abs_dir(root, w, p, 0);
	if (op->n1 >= 0)
		abs_ent(a, w, p, op->d1, op->n1);
	else
		abs_dir(a, w, p, op->d1);
	abs_dir(pa, w, p, op->d1);
	if (op->d2 >= 0) {
		if (op->kind == K_RENAMEDIR)
			abs_dir(b, w, p, op->d2);
		else
			abs_ent(b, w, p, op->d2, op->n2);
		abs_dir(pb, w, p, op->d2);
	}
	switch (op->kind) {
	case K_MKROOT:
		if (mkdir(a, 0755) < 0)
			return failed("mkdir");
		if (w->dofsync && fsync_dir(w->dir) < 0)
			return failed("fsync dir");
		return 0;
	case K_CREATE:
	case K_REPLACE:
		fd = open(a, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0)
			return failed("create");
		fill(w->buf, op->pat, 0, op->len);
		if (put_all(fd, w->buf, op->len, 0, 0) < 0)
			return data_fail(fd, "write");
		if (data_done(fd, w->dofsync) < 0)
			return -1;
		if (op->kind == K_REPLACE && rename(a, b) < 0)
			return failed("rename");
		if (w->dofsync && fsync_dir(pa) < 0)
			return failed("fsync dir");
		return 0;
	case K_PWRITE:
	case K_APPEND:
		flags = O_WRONLY | (op->kind == K_APPEND ? O_APPEND : 0);
		fd = open(a, flags);
		if (fd < 0)
			return failed("open");
		fill(w->buf, op->pat, op->off, op->len);
		if (put_all(fd, w->buf, op->len, (off_t)op->off,
			    op->kind == K_PWRITE) < 0)
			return data_fail(fd, "write");
		return data_done(fd, w->dofsync);
	case K_TRUNC:
		fd = open(a, O_WRONLY);
		if (fd < 0)
			return failed("open");
		if (ftruncate(fd, (off_t)op->len) < 0)
			return data_fail(fd, "ftruncate");
		return data_done(fd, w->dofsync);
	case K_PUNCH:
		fd = open(a, O_WRONLY);
		if (fd < 0)
			return failed("open");
		flags = FALLOC_FL_KEEP_SIZE |
			(op->aux ? FALLOC_FL_ZERO_RANGE : FALLOC_FL_PUNCH_HOLE);
		if (fallocate(fd, flags, (off_t)op->off, (off_t)op->len) < 0)
			return data_fail(fd, "fallocate");
		return data_done(fd, w->dofsync);
	case K_MMAPW:
		fd = open(a, O_RDWR);
		if (fd < 0)
			return failed("open");
		map = mmap(NULL, op->aux, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		if (map == MAP_FAILED)
			return data_fail(fd, "mmap");
		if (store_guarded(map, op) < 0) {
			munmap(map, op->aux);
			return data_fail(fd, "store into the mapping (SIGBUS)");
		}
		if (msync(map, op->aux, MS_SYNC) < 0) {
			int e = errno;

			munmap(map, op->aux);
			errno = e;
			return data_fail(fd, "msync");
		}
		munmap(map, op->aux);
		return data_done(fd, w->dofsync);
	case K_RENAME:
	case K_RENAMEDIR:
		if (rename(a, b) < 0)
			return failed("rename");
		if (w->dofsync && op->kind == K_RENAMEDIR)
			return fsync_dir(root) < 0 ? failed("fsync dir") : 0;
		if (w->dofsync && (fsync_dir(pa) < 0 ||
				   (strcmp(pa, pb) && fsync_dir(pb) < 0)))
			return failed("fsync dir");
		return 0;
	case K_UNLINK:
		if (unlink(a) < 0)
			return failed("unlink");
		break;
	case K_MKDIR:
		if (mkdir(a, 0755) < 0)
			return failed("mkdir");
		break;
	case K_RMTREE:
		for (int n = 0; n < NNAME; n++) {
			if (!m->e[op->d1][n].type)
				continue;
			abs_ent(b, w, p, op->d1, n);
			if (unlink(b) < 0)
				return failed("unlink");
		}
		if (w->dofsync && fsync_dir(a) < 0)
			return failed("fsync dir");
		/* fall through */
	case K_RMDIR:
		if (rmdir(a) < 0)
			return failed("rmdir");
		break;
	case K_LINK:
		if (link(a, b) < 0)
			return failed("link");
		if (w->dofsync && fsync_dir(pb) < 0)
			return failed("fsync dir");
		return 0;
	case K_SYMLINK: {
		char t[TMAX];

		symlink_target(t, op);
		if (symlink(t, a) < 0)
			return failed("symlink");
		break;
	}
	case K_SETX:
	case K_RMX:
		if (op->kind == K_SETX) {
			fill(w->buf, op->pat, 0, op->len);
			if (setxattr(a, xname[op->x], w->buf, op->len, 0) < 0)
				return failed("setxattr");
		} else if (removexattr(a, xname[op->x]) < 0) {
			return failed("removexattr");
		}
		if (!w->dofsync)
			return 0;
		fd = open(a, O_RDONLY);
		if (fd < 0)
			return failed("open");
		return data_done(fd, 1);
	}
	/* a namespace op in one directory: sync it (for a directory op, the
	 * process's root) */
	if (w->dofsync && op->n1 < 0)
		return fsync_dir(root) < 0 ? failed("fsync dir") : 0;
	if (w->dofsync && fsync_dir(pa) < 0)
		return failed("fsync dir");
	return 0;
}

static uint64_t proc_seed(uint64_t seed, int proc)
{
	return mix64(seed * 1000003ULL + (uint64_t)proc + 1);
}

static int writer_proc(struct wctx *w, int jfd, int proc, uint64_t seed,
		       unsigned long maxops, volatile unsigned long *count)
{
	struct model *m = model_new(proc);
	struct rng r = {proc_seed(seed, proc)};
	char line[LINE], desc[600];
	struct op op;
	int n;

	for (unsigned long no = 0; !maxops || no < maxops; no++) {
		gen(m, &r, no, &op);
		if (perform(w, m, &op) < 0) {
			if (fs_gone(w->dir, fail_errno)) {
				model_free(m);
				return 0;
			}
			op_desc(desc, sizeof(desc), &op, proc);
			printf("writer: op %s: %s: %s, and the filesystem is "
			       "still there\n",
			       desc, fail_what, strerror(fail_errno));
			model_free(m);
			return 1;
		}
		apply(m, &op);
		n = record(line, sizeof(line), m, &op);
		if (write(jfd, line, (size_t)n) != n || fdatasync(jfd) < 0) {
			perror("writer: journal");
			model_free(m);
			return 1;
		}
		count[proc]++;
	}
	model_free(m);
	return 0;
}

static int parse_num(const char *s, unsigned long long max,
		     unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	*out = strtoull(s, &end, 0);
	return errno || *end || *out > max ? -1 : 0;
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "dt-crash: %s; %s\n", why, usage_line);
	else
		fprintf(stderr, "%s\n", usage_line);
	return 2;
}

/* run fn in procs children; the count of each is in the shared array */
static int run_procs(int procs, volatile unsigned long *count,
		     int (*fn)(int proc, void *arg, volatile unsigned long *),
		     void *arg)
{
	pid_t pids[MAXPROCS];
	int ret = 0, st;
	pid_t parent = getpid();

	signal(SIGBUS, on_sigbus);
	for (int i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("dt-crash: fork");
			return 1;
		}
		if (pids[i] == 0) {
			/* die with the parent, so killing it stops the load */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(1);
			fflush(stdout);
			st = fn(i, arg, count);
			fflush(stdout);
			_exit(st);
		}
	}
	for (int i = 0; i < procs; i++) {
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			if (WIFSIGNALED(st))
				printf("dt-crash: process %d killed by signal "
				       "%d\n",
				       i, WTERMSIG(st));
			ret = 1;
		}
	}
	return ret;
}

struct wargs {
	struct wctx w;
	int jfd;
	uint64_t seed;
	unsigned long maxops;
};

static int writer_child(int proc, void *arg, volatile unsigned long *count)
{
	struct wargs *a = arg;

	a->w.buf = xrealloc(NULL, MAXSIZE);
	return writer_proc(&a->w, a->jfd, proc, a->seed, a->maxops, count);
}

static int cmd_writer(int argc, char **argv)
{
	unsigned long long seed = 1, procs = 2, ops = 0;
	struct wargs a;
	volatile unsigned long *count;
	unsigned long total = 0;
	char hdr[128];
	int n, ret;

	memset(&a, 0, sizeof(a));
	if (argc < 4)
		return usage("writer needs DIR and JOURNAL");
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--fsync"))
			a.w.dofsync = 1;
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc &&
			 !parse_num(argv[i + 1], UINT64_MAX, &seed))
			i++;
		else if (!strcmp(argv[i], "--procs") && i + 1 < argc &&
			 !parse_num(argv[i + 1], MAXPROCS, &procs) && procs)
			i++;
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc &&
			 !parse_num(argv[i + 1], ULONG_MAX, &ops))
			i++;
		else
			return usage("bad writer argument");
	}
	a.w.dir = argv[2];
	a.seed = seed;
	a.maxops = (unsigned long)ops;
	a.jfd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (a.jfd < 0) {
		fprintf(stderr, "writer: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	n = snprintf(hdr, sizeof(hdr),
		     "dt-crash journal 1 seed=%llu procs=%llu fsync=%d\n", seed,
		     procs, a.w.dofsync);
	if (write(a.jfd, hdr, (size_t)n) != n || fdatasync(a.jfd) < 0) {
		perror("writer: journal");
		return 1;
	}
	count = mmap(NULL, MAXPROCS * sizeof(*count), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (count == MAP_FAILED) {
		perror("writer: mmap");
		return 1;
	}
	fflush(stdout);
	ret = run_procs((int)procs, count, writer_child, &a);
	for (unsigned long long i = 0; i < procs; i++)
		total += count[i];
	printf("writer: %lu operations acknowledged\n", total);
	close(a.jfd);
	return ret;
}

/* ---- the checker ------------------------------------------------------ */

/* a state the tree of one process may be in */
struct cand {
	struct model *m;
	int fz; /* the torn file's inode, or -1 */
	const struct mfile *old; /* its content before the in-flight op */
	const char *what;
};

struct creport {
	int report; /* print the differences */
	int n; /* differences found */
};

static void diff(struct creport *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diff(struct creport *c, const char *path, const char *fmt, ...)
{
	va_list ap;

	c->n++;
	if (!c->report)
		return;
	printf("FAIL %s: ", path);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static const char *found_type(const char *path, char *b, size_t sz)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		snprintf(b, sz, "%s",
			 errno == ENOENT ? "absent" : strerror(errno));
	else if (S_ISDIR(st.st_mode))
		snprintf(b, sz, "a directory");
	else if (S_ISLNK(st.st_mode))
		snprintf(b, sz, "a symlink");
	else if (S_ISREG(st.st_mode))
		snprintf(b, sz, "a file of %lld bytes", (long long)st.st_size);
	else
		snprintf(b, sz, "mode %o", st.st_mode);
	return b;
}

static unsigned char *slurp(const char *path, size_t *len, struct stat *st,
			    int *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	unsigned char *b = NULL;
	size_t cap = 0, n = 0;
	ssize_t r;

	*err = 0;
	if (fd < 0 || fstat(fd, st) < 0) {
		*err = errno;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	cap = (size_t)st->st_size + 65536;
	b = xrealloc(NULL, cap);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			b = xrealloc(b, cap);
		}
		r = read(fd, b + n, cap - n);
		if (r < 0) {
			*err = errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return b;
}

static unsigned char byte_at(const struct mfile *f, size_t i)
{
	return i < f->size ? f->data[i] : 0;
}

static void check_data(struct creport *c, const char *path,
		       const struct cand *cd, int ino, const unsigned char *got,
		       size_t n, const struct stat *st)
{
	const struct mfile *f = &cd->m->f[ino];

	if ((size_t)st->st_size != n) {
		diff(c, path,
		     "expected %zu bytes readable, found st_size %lld "
		     "but %zu bytes read",
		     f->size, (long long)st->st_size, n);
		return;
	}
	if (cd->fz == ino) {
		const struct mfile *o = cd->old;
		size_t lo = o->size < f->size ? o->size : f->size;
		size_t hi = o->size > f->size ? o->size : f->size;

		if (n < lo || n > hi) {
			diff(c, path,
			     "expected %zu..%zu bytes (in-flight "
			     "write), found %zu bytes",
			     lo, hi, n);
			return;
		}
		for (size_t i = 0; i < n; i++) {
			if (got[i] != byte_at(f, i) &&
			    got[i] != byte_at(o, i)) {
				diff(c, path,
				     "expected each byte old or new "
				     "(in-flight write), found byte "
				     "%zu = 0x%02x, old 0x%02x, new "
				     "0x%02x",
				     i, got[i], byte_at(o, i), byte_at(f, i));
				return;
			}
		}
		return;
	}
	if (n != f->size || (n && memcmp(got, f->data, n))) {
		size_t i = 0;

		while (i < n && i < f->size && got[i] == f->data[i])
			i++;
		diff(c, path,
		     "expected %zu bytes hash %016" PRIx64
		     ", found %zu bytes hash %016" PRIx64
		     ", first difference at offset %zu",
		     f->size, hash(f->data, f->size), n, hash(got, n), i);
	}
}

static void check_xattrs(struct creport *c, const char *path,
			 const struct mfile *f)
{
	unsigned char v[XMAX + 1];
	char list[4096];
	ssize_t n;

	for (int x = 0; x < NX; x++) {
		n = lgetxattr(path, xname[x], v, sizeof(v));
		if (f->xlen[x] < 0) {
			if (n >= 0 || errno != ENODATA)
				diff(c, path, "expected no %s, found %s",
				     xname[x],
				     n >= 0 ? "one" : strerror(errno));
			continue;
		}
		if (n < 0)
			diff(c, path, "expected %s of %d bytes, found %s",
			     xname[x], f->xlen[x],
			     errno == ENODATA ? "none" : strerror(errno));
		else if (n != f->xlen[x] || memcmp(v, f->xval[x], (size_t)n))
			diff(c, path,
			     "expected %s of %d bytes hash %016" PRIx64
			     ", found %zd bytes hash %016" PRIx64,
			     xname[x], f->xlen[x],
			     hash(f->xval[x], (size_t)f->xlen[x]), n,
			     hash(v, n > 0 ? (size_t)n : 0));
	}
	n = llistxattr(path, list, sizeof(list));
	if (n < 0) {
		diff(c, path, "expected listxattr to work, found %s",
		     strerror(errno));
		return;
	}
	for (char *p = list; p < list + n; p += strlen(p) + 1) {
		int x;

		if (strncmp(p, "user.", 5))
			continue;
		for (x = 0; x < NX && strcmp(p, xname[x]); x++)
			;
		if (x == NX)
			diff(c, path, "expected no xattr %s, found one", p);
	}
}

/* slot of a name in directory d of the fixed set; -1: none; -2 - k: dir k */
static int name_slot(int d, const char *name)
{
	for (int n = 0; n < NNAME; n++)
		if (!strcmp(name, fname[n]))
			return n;
	for (int k = 1; d == 0 && k < NDIR; k++)
		if (!strcmp(name, dname[k]))
			return -2 - k;
	return -1;
}

/* Compare the tree of one process with the state cd; count differences. */
static int compare(const char *dir, const struct cand *cd, int report)
{
	const struct model *m = cd->m;
	struct creport c = {report, 0};
	char path[4096], rel[256], fb[128], first[NINO][256];
	dev_t dev_of[NINO];
	ino_t st_of[NINO];
	struct stat st;

	memset(st_of, 0, sizeof(st_of));
	memset(dev_of, 0, sizeof(dev_of));
	for (int d = 0; d < NDIR; d++) {
		rel_dir(rel, sizeof(rel), m->proc, d);
		snprintf(path, sizeof(path), "%s/%s", dir, rel);
		if (!m->dir[d]) {
			if (lstat(path, &st) == 0 || errno != ENOENT)
				diff(&c, rel, "expected absent, found %s",
				     found_type(path, fb, sizeof(fb)));
			if (d == 0)
				return c.n;
			continue;
		}
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
			diff(&c, rel, "expected a directory, found %s",
			     found_type(path, fb, sizeof(fb)));
			continue;
		}
		DIR *dh = opendir(path);
		struct dirent *de;

		if (!dh) {
			diff(&c, rel, "expected a readable directory, found %s",
			     strerror(errno));
			continue;
		}
		while ((de = readdir(dh))) {
			char p2[4096], r2[512];

			if (!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			if (name_slot(d, de->d_name) != -1)
				continue;
			snprintf(r2, sizeof(r2), "%s/%s", rel, de->d_name);
			snprintf(p2, sizeof(p2), "%s/%s", dir, r2);
			diff(&c, r2, "expected absent, found %s",
			     found_type(p2, fb, sizeof(fb)));
		}
		closedir(dh);
	}
	for (int d = 0; d < NDIR; d++) {
		for (int n = 0; m->dir[d] && n < NNAME; n++) {
			const struct ment *e = &m->e[d][n];
			const struct mfile *f;
			unsigned char *got;
			size_t len = 0;
			int err;

			rel_ent(rel, sizeof(rel), m->proc, d, n);
			snprintf(path, sizeof(path), "%s/%s", dir, rel);
			if (e->type == T_NONE) {
				if (lstat(path, &st) == 0 || errno != ENOENT)
					diff(&c, rel,
					     "expected absent, found %s",
					     found_type(path, fb, sizeof(fb)));
				continue;
			}
			if (e->type == T_SYMLINK) {
				char t[TMAX + 2];
				ssize_t k = readlink(path, t, sizeof(t));

				if (k < 0)
					diff(&c, rel,
					     "expected a symlink, found %s",
					     found_type(path, fb, sizeof(fb)));
				else if (k != e->tlen ||
					 memcmp(t, e->target, (size_t)k))
					diff(&c, rel,
					     "expected symlink target "
					     "of %d bytes hash "
					     "%016" PRIx64 ", found %zd bytes",
					     e->tlen,
					     hash((const unsigned char *)
							  e->target,
						  (size_t)e->tlen),
					     k);
				continue;
			}
			f = &m->f[e->ino];
			if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
				diff(&c, rel,
				     "expected a file of %zu bytes, found %s",
				     f->size, found_type(path, fb, sizeof(fb)));
				continue;
			}
			got = slurp(path, &len, &st, &err);
			if (!got || err) {
				diff(&c, rel,
				     "expected a readable file, found %s",
				     strerror(err));
				free(got);
				continue;
			}
			check_data(&c, rel, cd, e->ino, got, len, &st);
			free(got);
			if ((int)st.st_nlink != f->nlink)
				diff(&c, rel, "expected %d links, found %lu",
				     f->nlink, (unsigned long)st.st_nlink);
			check_xattrs(&c, path, f);
			if (!st_of[e->ino]) {
				st_of[e->ino] = st.st_ino;
				dev_of[e->ino] = st.st_dev;
				snprintf(first[e->ino], sizeof(first[0]), "%s",
					 rel);
			} else if (st_of[e->ino] != st.st_ino) {
				diff(&c, rel,
				     "expected a hard link of %s, found "
				     "another inode",
				     first[e->ino]);
			}
		}
	}
	for (int i = 0; i < NINO; i++)
		for (int j = i + 1; st_of[i] && j < NINO; j++)
			if (st_of[j] == st_of[i] && dev_of[j] == dev_of[i])
				diff(&c, first[j],
				     "expected a file of its own, found a "
				     "hard link of %s",
				     first[i]);
	return c.n;
}

static const struct mfile empty_file = {.nlink = 1, .xlen = {-1, -1, -1}};

/* the states an in-flight op (after state s) may leave; returns count */
static int candidates(const struct model *s, const struct op *op,
		      struct cand *c)
{
	int k = 0, ino;

	c[k].m = model_copy(s);
	c[k].fz = -1;
	c[k++].what = "the state after the last acknowledged operation";
	if (op->kind == K_CREATE || op->kind == K_REPLACE) {
		struct op o = *op;

		/* created and torn; for replace, before the rename */
		o.kind = K_CREATE;
		c[k].m = model_copy(s);
		apply(c[k].m, &o);
		c[k].fz = c[k].m->e[op->d1][op->n1].ino;
		c[k].old = &empty_file;
		c[k++].what = "that state plus the new file, torn";
		if (op->kind == K_CREATE)
			return k;
	}
	for (int n = 0; op->kind == K_RMTREE && n < NNAME; n++) {
		/* the entries go one by one, in slot order */
		if (!s->e[op->d1][n].type)
			continue;
		c[k].m = model_copy(c[k - 1].m);
		c[k].fz = -1;
		c[k].what = "that state with the directory partly emptied";
		ent_drop(c[k++].m, op->d1, n);
	}
	c[k].m = model_copy(s);
	c[k].fz = -1;
	c[k].what = "the state after the in-flight operation";
	apply(c[k].m, op);
	if (kind_changes_data(op->kind) && op->kind != K_REPLACE) {
		ino = s->e[op->d1][op->n1].ino;
		c[k].fz = ino;
		c[k].old = &s->f[ino];
		c[k].what = "the state after the in-flight operation, torn";
	}
	return k + 1;
}

struct pstate {
	struct model *m;
	struct rng r;
	unsigned long acked;
	int broken;
};

static int cmd_check(int argc, char **argv)
{
	unsigned long long seed, procs;
	int fsync_mode, failures = 0;
	unsigned long verified = 0, lineno = 1;
	struct pstate ps[MAXPROCS];
	char *line = NULL, want[LINE];
	size_t cap = 0;
	ssize_t len;
	FILE *j;

	if (argc != 4)
		return usage("check needs DIR and JOURNAL");
	j = fopen(argv[3], "r");
	if (!j) {
		printf("check: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	if ((len = getline(&line, &cap, j)) <= 0 ||
	    sscanf(line, "dt-crash journal 1 seed=%llu procs=%llu fsync=%d",
		   &seed, &procs, &fsync_mode) != 3 ||
	    procs < 1 || procs > MAXPROCS) {
		printf("check: %s is not a dt-crash journal\n", argv[3]);
		return 1;
	}
	for (unsigned i = 0; i < procs; i++) {
		ps[i].m = model_new((int)i);
		ps[i].r.s = proc_seed(seed, (int)i);
		ps[i].acked = 0;
		ps[i].broken = 0;
	}
	while ((len = getline(&line, &cap, j)) > 0) {
		struct op op;
		char *end;
		long p;

		lineno++;
		if (line[len - 1] != '\n') {
			printf("# journal line %lu incomplete, ignored\n",
			       lineno);
			break;
		}
		p = strtol(line, &end, 10);
		if (end == line || *end != ' ' || p < 0 || p >= (long)procs) {
			printf("FAIL journal line %lu: expected a record, "
			       "found: %s",
			       lineno, line);
			failures++;
			continue;
		}
		if (ps[p].broken)
			continue;
		gen(ps[p].m, &ps[p].r, ps[p].acked, &op);
		apply(ps[p].m, &op);
		record(want, sizeof(want), ps[p].m, &op);
		if (strcmp(want, line)) {
			printf("FAIL journal line %lu: expected %.*s, found "
			       "%s",
			       lineno, (int)strlen(want) - 1, want, line);
			failures++;
			ps[p].broken = 1;
			continue;
		}
		ps[p].acked++;
	}
	free(line);
	fclose(j);
	for (unsigned i = 0; i < procs; i++) {
		struct cand c[NNAME + 3];
		struct op op;
		char desc[600];
		int nc, best = 0, bestn = -1, ok = 0;

		if (ps[i].broken) {
			model_free(ps[i].m);
			continue;
		}
		gen(ps[i].m, &ps[i].r, ps[i].acked, &op);
		nc = candidates(ps[i].m, &op, c);
		for (int k = 0; k < nc && !ok; k++) {
			int n = compare(argv[2], &c[k], 0);

			if (n == 0)
				ok = 1;
			else if (bestn < 0 || n < bestn) {
				bestn = n;
				best = k;
			}
		}
		if (ok) {
			verified += ps[i].acked;
		} else {
			op_desc(desc, sizeof(desc), &op, (int)i);
			printf("# p%u: %lu operations acknowledged; in flight "
			       "(may or may not have happened): op %s; no "
			       "acceptable state matched, differences from "
			       "%s:\n",
			       i, ps[i].acked, desc, c[best].what);
			failures += compare(argv[2], &c[best], 1);
		}
		for (int k = 0; k < nc; k++)
			model_free(c[k].m);
		model_free(ps[i].m);
	}
	/* nothing but the processes' trees in DIR */
	DIR *dh = opendir(argv[2]);
	struct dirent *de;

	if (!dh) {
		printf("FAIL %s: expected a directory, found %s\n", argv[2],
		       strerror(errno));
		failures++;
	}
	while (dh && (de = readdir(dh))) {
		unsigned long long k;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_name[0] == 'p' &&
		    !parse_num(de->d_name + 1, procs - 1, &k) &&
		    de->d_name[1] >= '0' && de->d_name[1] <= '9')
			continue;
		printf("FAIL %s: expected absent, found an entry\n",
		       de->d_name);
		failures++;
	}
	if (dh)
		closedir(dh);
	printf("check: %lu operations verified, %d failures\n", verified,
	       failures);
	return failures ? 1 : 0;
}

/* ---- stress ----------------------------------------------------------- */

struct sargs {
	const char *dir;
	uint64_t seed;
};

static void rpath(char *b, size_t sz, const char *base, struct rng *r)
{
	static const char *const leaf[] = {"a",	 "b",  "c",  "f0", "f1",
					   "f2", "f3", "f4", "f5", "f6",
					   "f7", "f8", "f9", "l0", "l1"};
	int n = snprintf(b, sz, "%s", base), depth = (int)below(r, 3);

	for (int i = 0; i < depth; i++)
		n += snprintf(b + n, sz - (size_t)n, "/%c",
			      (char)('a' + below(r, 3)));
	snprintf(b + n, sz - (size_t)n, "/%s",
		 leaf[below(r, sizeof(leaf) / sizeof(leaf[0]))]);
}

static int stress_child(int proc, void *arg, volatile unsigned long *count)
{
	struct sargs *a = arg;
	struct rng r = {proc_seed(a->seed, proc + 1000)};
	char base[4096], p1[4096], p2[4096];
	unsigned char *buf, *dbuf;
	size_t bufsz = 1 << 20;

	buf = xrealloc(NULL, bufsz);
	if (posix_memalign((void **)&dbuf, 4096, 65536))
		return 1;
	fill(buf, a->seed, 0, bufsz);
	memset(dbuf, 'D', 65536);
	snprintf(base, sizeof(base), "%s/s%d", a->dir, proc);
	for (unsigned long i = 0;; i++) {
		int fd = -1, ret = 0, fd2;
		size_t n = 1 + below(&r, 65536);
		off_t off = (off_t)below(&r, 1 << 20);
		unsigned char *map;
		struct stat st;

		errno = 0;
		if (mkdir(base, 0755) < 0 && errno != EEXIST)
			ret = -1;
		rpath(p1, sizeof(p1), base, &r);
		rpath(p2, sizeof(p2), base, &r);
		switch (below(&r, 22)) {
		case 0:
		case 1:
		case 2:
			fd = open(p1,
				  O_CREAT | O_WRONLY |
					  (below(&r, 4) ? 0 : O_APPEND) |
					  (below(&r, 8) ? 0 : O_TRUNC),
				  0644);
			ret = fd < 0 ? -1 : (int)pwrite(fd, buf, n, off);
			break;
		case 3:
			fd = open(p1, O_RDONLY);
			ret = fd < 0 ? -1 : (int)pread(fd, buf, n, off);
			break;
		case 4:
			ret = truncate(p1, (off_t)below(&r, 2 << 20));
			break;
		case 5:
		case 6:
			ret = rename(p1, p2);
			break;
		case 7:
			ret = unlink(p1);
			break;
		case 8:
			ret = mkdir(p1, 0755);
			break;
		case 9:
			ret = rmdir(p1);
			break;
		case 10:
			ret = link(p1, p2);
			break;
		case 11:
			ret = symlink(p2 + strlen(base) + 1, p1);
			break;
		case 12:
			if (below(&r, 3))
				ret = setxattr(p1, "user.s", buf, n % 4000, 0);
			else
				ret = removexattr(p1, "user.s");
			break;
		case 13:
		case 14:
			fd = open(p1, O_RDWR);
			if (fd < 0 || fstat(fd, &st) < 0 ||
			    !S_ISREG(st.st_mode))
				break;
			if (st.st_size == 0 && ftruncate(fd, 16384) < 0)
				break;
			if (st.st_size == 0)
				st.st_size = 16384;
			if (st.st_size > 4 << 20)
				st.st_size = 4 << 20;
			map = mmap(NULL, (size_t)st.st_size,
				   PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (map == MAP_FAILED)
				break;
			{
				struct op o = {.pat = i};

				o.off = below(&r, (uint64_t)st.st_size);
				o.len = 1 +
					below(&r, (uint64_t)st.st_size - o.off);
				if (o.len > 65536)
					o.len = 65536;
				ret = store_guarded(map, &o);
			}
			if (!ret && below(&r, 2))
				ret = msync(map, (size_t)st.st_size, MS_SYNC);
			munmap(map, (size_t)st.st_size);
			break;
		case 15:
			fd = open(p1, O_RDONLY);
			ret = fd < 0	     ? -1
			      : below(&r, 2) ? fsync(fd)
					     : fdatasync(fd);
			break;
		case 16: {
			DIR *dh;
			char *slash = strrchr(p1, '/');

			*slash = 0;
			dh = opendir(p1);
			if (!dh) {
				ret = -1;
				break;
			}
			while (readdir(dh))
				;
			closedir(dh);
			break;
		}
		case 17: {
			static const int modes[] = {
				0, FALLOC_FL_KEEP_SIZE,
				FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
				FALLOC_FL_ZERO_RANGE};

			fd = open(p1, O_WRONLY);
			ret = fd < 0 ? -1
				     : fallocate(fd, modes[below(&r, 4)], off,
						 (off_t)n);
			break;
		}
		case 18:
			fd = open(p1, O_RDWR | O_DIRECT | O_CREAT, 0644);
			if (fd < 0) {
				ret = -1;
				break;
			}
			off &= ~(off_t)4095;
			ret = below(&r, 2)
				      ? (int)pwrite(fd, dbuf,
						    (n + 4095) & ~4095UL, off)
				      : (int)pread(fd, dbuf,
						   (n + 4095) & ~4095UL, off);
			break;
		case 19:
			fd = open(p1, O_RDONLY);
			fd2 = open(p2, O_WRONLY | O_CREAT, 0644);
			if (fd >= 0 && fd2 >= 0) {
				loff_t o1 = 0, o2 = off;

				ret = (int)copy_file_range(fd, &o1, fd2, &o2, n,
							   0);
			} else {
				ret = -1;
			}
			if (fd2 >= 0)
				close(fd2);
			break;
		case 20:
			ret = lstat(p1, &st);
			if (!ret && S_ISLNK(st.st_mode))
				ret = (int)readlink(p1, p2, 100);
			break;
		case 21:
			if (below(&r, 20) == 0) {
				fd = open(base, O_RDONLY | O_DIRECTORY);
				ret = fd < 0 ? -1 : syncfs(fd);
			}
			break;
		}
		if (ret < 0 && gone_errno(errno) && fs_gone(a->dir, errno))
			return 0;
		if (fd >= 0 && close(fd) < 0 && gone_errno(errno))
			return 0;
		count[proc]++;
		if (i % 256 == 255 && fs_gone(a->dir, 0))
			return 0;
	}
}

static int cmd_stress(int argc, char **argv)
{
	unsigned long long seed = 1, procs = 4;
	struct sargs a;
	volatile unsigned long *count;
	unsigned long total = 0;

	if (argc < 3)
		return usage("stress needs DIR");
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc &&
		    !parse_num(argv[i + 1], UINT64_MAX, &seed))
			i++;
		else if (!strcmp(argv[i], "--procs") && i + 1 < argc &&
			 !parse_num(argv[i + 1], MAXPROCS, &procs) && procs)
			i++;
		else
			return usage("bad stress argument");
	}
	a.dir = argv[2];
	a.seed = seed;
	count = mmap(NULL, MAXPROCS * sizeof(*count), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (count == MAP_FAILED) {
		perror("stress: mmap");
		return 1;
	}
	fflush(stdout);
	run_procs((int)procs, count, stress_child, &a);
	for (unsigned long long i = 0; i < procs; i++)
		total += count[i];
	printf("stress: %lu operations\n", total);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(NULL);
	if (!strcmp(argv[1], "writer"))
		return cmd_writer(argc, argv);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc, argv);
	if (!strcmp(argv[1], "stress"))
		return cmd_stress(argc, argv);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		printf("%s\n", usage_line);
		return 0;
	}
	return usage("unknown command");
}
