// SPDX-License-Identifier: GPL-2.0
/*
 * pf-work: the journaled workload and the checker of the power-fail test
 * (tests/powerfail/powerfail.sh).
 *
 *   pf-work run DIR JOURNAL [--ops N] [--seed S] [--mark DMDEV]
 *                           [--skip-sync K]
 *   pf-work check DIR JOURNAL [--mark TEXT] [--point LABEL]
 *
 * run: one process performs N operations (default 150) on the names
 * f0..f7 of DIR: write (pwrite of 1 byte to 128 KiB at an offset up to
 * 64 KiB past the end; creates the file when absent), truncate, rename
 * (also over an existing name), unlink, and the sync calls fsync,
 * fdatasync (of one file) and syncfs (of DIR's filesystem). Every byte
 * written is a function of the operation's number and the file offset and
 * is never 0, so a hole or a lost write cannot pass for data. Each
 * operation is appended to JOURNAL once its system call returned
 * (operation number, kind, name(s), arguments); a sync call carries its
 * sync number K. With --mark, after sync K returned, the workload sends
 * the mark "pf-sync-K" to the dm-log-writes device DMDEV (dmsetup message),
 * so the device's log says where the sync was complete. The last operation
 * is always an fsync. --skip-sync K is the harness's own test: before sync
 * K the workload writes to a file, then journals and marks sync K as an
 * fsync without making the call, i.e. an fsync that lost its data.
 *
 * What a sync covers is dtfs's promise (dtfs(8), DURABILITY): fsync and
 * fdatasync of any file, once they return 0, make every operation dtfs
 * acknowledged before them durable, for all files of the mount (write-
 * through mode: an operation is acknowledged when its system call
 * returns). syncfs covers nothing: the kernel does not pass it (nor sync)
 * to a FUSE daemon; it is journaled and marked like the others, and shows
 * that no check depends on it.
 *
 * check: DIR is the store after a replayed power cut, mounted by dtfs.
 * --mark TEXT is the last mark in the replayed part of the log ("" when
 * none): the syncs up to that mark's K were complete, so every operation
 * before the last fsync/fdatasync among them is covered. Each name must
 * exist or not, and have a size, as after the covered operations or as a
 * later operation left it, and each 4 KiB block must hold what it held in
 * one of those states (a later operation may or may not have reached the
 * disk, block by block; a write that creates its file is two requests,
 * so the empty file is one of those states); a name no later operation
 * touched must be as the covered operations left it, byte for byte. Names other than f0..f7 must
 * not exist. A failure
 * is one line per name: the point, the covered operation whose result is
 * missing, and what was found (absent, or size and the first differing
 * byte). Prints "check LABEL: ok, K syncs, O operations covered" or the
 * failures; exit 0 ok, 1 failures, 2 usage or a bad journal.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define NNAMES 8
#define MAXSIZE (1u << 20)
#define MAXWRITE (128u << 10)

enum kind {
	K_WRITE,
	K_TRUNC,
	K_RENAME,
	K_UNLINK,
	K_FSYNC,
	K_FDATASYNC,
	K_SYNCFS
};
static const char *const kind_name[] = {
	"write", "trunc", "rename", "unlink", "fsync", "fdatasync", "syncfs"};

struct op {
	long n;
	enum kind kind;
	int a, b; /* names (b: rename target) */
	uint64_t off, len; /* write: offset, length; trunc: size in off */
	long sync; /* sync number, -1 for data operations */
};

/* The model: contents of the names. */
struct file {
	int exists;
	uint64_t size;
	unsigned char *data; /* MAXSIZE bytes */
};

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("pf-work: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static unsigned char pattern(long n, uint64_t off)
{
	uint64_t x = (uint64_t)n * 0x9e3779b97f4a7c15ULL ^
		     (off >> 3) * 0xbf58476d1ce4e5b9ULL;

	x ^= x >> 29;
	return (unsigned char)(1 + (x + off) % 255);
}

static void model_init(struct file *fs)
{
	for (int i = 0; i < NNAMES; i++) {
		fs[i].exists = 0;
		fs[i].size = 0;
		fs[i].data = calloc(1, MAXSIZE);
		if (!fs[i].data)
			die(2, "out of memory");
	}
}

/* Applies a data operation to the model; returns a mask of changed names. */
static unsigned model_apply(struct file *fs, const struct op *o)
{
	struct file *f = &fs[o->a], *t;
	unsigned char *swap;

	switch (o->kind) {
	case K_WRITE:
		if (!f->exists) {
			f->exists = 1;
			f->size = 0;
			memset(f->data, 0, MAXSIZE);
		}
		for (uint64_t i = 0; i < o->len; i++)
			f->data[o->off + i] = pattern(o->n, o->off + i);
		if (o->off + o->len > f->size)
			f->size = o->off + o->len;
		return 1u << o->a;
	case K_TRUNC:
		if (o->off < f->size)
			memset(f->data + o->off, 0, f->size - o->off);
		f->size = o->off;
		return 1u << o->a;
	case K_RENAME:
		t = &fs[o->b];
		swap = t->data;
		*t = *f;
		f->data = swap;
		f->exists = 0;
		f->size = 0;
		memset(f->data, 0, MAXSIZE);
		return (1u << o->a) | (1u << o->b);
	case K_UNLINK:
		f->exists = 0;
		f->size = 0;
		memset(f->data, 0, MAXSIZE);
		return 1u << o->a;
	default:
		return 0;
	}
}

/* ---- run ---------------------------------------------------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static int pick(const struct file *fs, int want_exist)
{
	int start = (int)below(NNAMES);

	for (int i = 0; i < NNAMES; i++) {
		int k = (start + i) % NNAMES;
		if (fs[k].exists == want_exist)
			return k;
	}
	return -1;
}

/* The next operation, drawn from the state: only valid ones are drawn. */
static void next_op(const struct file *fs, long n, long *nsync, struct op *o)
{
	unsigned r = (unsigned)below(100);
	int a = pick(fs, 1);

	memset(o, 0, sizeof(*o));
	o->n = n;
	o->sync = -1;
	if (r < 45 || a < 0) {
		o->kind = K_WRITE;
		o->a = a >= 0 && below(4) ? a : (int)below(NNAMES);
		uint64_t size = fs[o->a].exists ? fs[o->a].size : 0;
		uint64_t end = size + (64 << 10);
		if (end > MAXSIZE - 1)
			end = MAXSIZE - 1;
		o->off = below(end);
		if (below(2))
			o->off &= ~4095ULL;
		o->len = 1 + below(below(4) ? 16384 : MAXWRITE);
		if (o->off + o->len > MAXSIZE)
			o->len = MAXSIZE - o->off;
	} else if (r < 53) {
		o->kind = K_TRUNC;
		o->a = a;
		o->off = below(2) ? below(fs[a].size + 1) : below(MAXSIZE / 2);
	} else if (r < 61) {
		o->kind = K_RENAME;
		o->a = a;
		do
			o->b = (int)below(NNAMES);
		while (o->b == a);
	} else if (r < 66) {
		o->kind = K_UNLINK;
		o->a = a;
	} else {
		o->kind = r < 80 ? K_FSYNC : r < 93 ? K_FDATASYNC : K_SYNCFS;
		o->a = o->kind == K_SYNCFS ? 0 : a;
		o->sync = (*nsync)++;
	}
}

static void path_of(char *buf, size_t len, const char *dir, int name)
{
	snprintf(buf, len, "%s/f%d", dir, name);
}

static void mark(const char *dmdev, long k)
{
	char text[32];
	char *argv[] = {"dmsetup", "message", (char *)dmdev, "0",
			"mark",	   text,      NULL};
	pid_t pid;
	int st;

	snprintf(text, sizeof(text), "pf-sync-%ld", k);
	if (posix_spawnp(&pid, "dmsetup", NULL, NULL, argv, environ))
		die(1, "spawn dmsetup: %s", strerror(errno));
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		die(1, "dmsetup message %s 0 mark %s failed", dmdev, text);
}

static void do_sync(const char *dir, const struct op *o)
{
	char p[4096];
	int fd, r;

	if (o->kind == K_SYNCFS) {
		fd = open(dir, O_RDONLY | O_DIRECTORY);
		if (fd < 0 || syncfs(fd))
			die(1, "op %ld: syncfs %s: %s", o->n, dir,
			    strerror(errno));
		close(fd);
		return;
	}
	path_of(p, sizeof(p), dir, o->a);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		die(1, "op %ld: open %s: %s", o->n, p, strerror(errno));
	r = o->kind == K_FSYNC ? fsync(fd) : fdatasync(fd);
	if (r)
		die(1, "op %ld: %s %s: %s", o->n, kind_name[o->kind], p,
		    strerror(errno));
	close(fd);
}

static void do_data(const char *dir, const struct op *o, unsigned char *buf)
{
	char p[4096], q[4096];
	int fd;

	path_of(p, sizeof(p), dir, o->a);
	switch (o->kind) {
	case K_WRITE:
		fd = open(p, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			die(1, "op %ld: open %s: %s", o->n, p, strerror(errno));
		for (uint64_t i = 0; i < o->len; i++)
			buf[i] = pattern(o->n, o->off + i);
		if (pwrite(fd, buf, o->len, (off_t)o->off) != (ssize_t)o->len)
			die(1, "op %ld: pwrite %s %" PRIu64 "+%" PRIu64 ": %s",
			    o->n, p, o->off, o->len, strerror(errno));
		close(fd);
		break;
	case K_TRUNC:
		if (truncate(p, (off_t)o->off))
			die(1, "op %ld: truncate %s: %s", o->n, p,
			    strerror(errno));
		break;
	case K_RENAME:
		path_of(q, sizeof(q), dir, o->b);
		if (rename(p, q))
			die(1, "op %ld: rename %s %s: %s", o->n, p, q,
			    strerror(errno));
		break;
	case K_UNLINK:
		if (unlink(p))
			die(1, "op %ld: unlink %s: %s", o->n, p,
			    strerror(errno));
		break;
	default:
		break;
	}
}

static void journal_op(FILE *j, const struct op *o)
{
	fprintf(j, "%ld %s f%d", o->n, kind_name[o->kind], o->a);
	if (o->kind == K_WRITE)
		fprintf(j, " %" PRIu64 " %" PRIu64, o->off, o->len);
	else if (o->kind == K_TRUNC)
		fprintf(j, " %" PRIu64, o->off);
	else if (o->kind == K_RENAME)
		fprintf(j, " f%d", o->b);
	else if (o->sync >= 0)
		fprintf(j, " %ld", o->sync);
	fputc('\n', j);
	if (fflush(j))
		die(1, "journal: %s", strerror(errno));
}

static int cmd_run(const char *dir, const char *jpath, long nops, uint64_t seed,
		   const char *dmdev, long skip)
{
	struct file fs[NNAMES];
	unsigned char *buf = malloc(MAXWRITE);
	FILE *j = fopen(jpath, "w");
	long n = 0, nsync = 0, syncs = 0;
	struct op o;

	if (!j)
		die(1, "open %s: %s", jpath, strerror(errno));
	if (!buf)
		die(1, "out of memory");
	model_init(fs);
	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	fprintf(j, "pf-work 1 seed %" PRIu64 " ops %ld\n", seed, nops);
	while (n < nops) {
		next_op(fs, n, &nsync, &o);
		if (n == nops - 1 && o.sync < 0) {
			/* the last operation makes everything durable */
			o.kind = K_FSYNC;
			o.a = pick(fs, 1) < 0 ? 0 : pick(fs, 1);
			o.sync = nsync++;
		}
		if ((o.kind == K_FSYNC || o.kind == K_FDATASYNC) &&
		    !fs[o.a].exists) {
			int a = pick(fs, 1);
			if (a < 0)
				o.kind = K_SYNCFS, a = 0;
			o.a = a;
		}
		if (skip >= 0 && o.sync == skip) {
			/* the harness's own test: data, then a lying fsync */
			struct op w = {.n = n,
				       .kind = K_WRITE,
				       .a = o.a,
				       .off = 0,
				       .len = 8192,
				       .sync = -1};
			do_data(dir, &w, buf);
			model_apply(fs, &w);
			journal_op(j, &w);
			o.n = ++n;
			o.kind = K_FSYNC;
			fprintf(j, "# sync %ld not performed (--skip-sync)\n",
				o.sync);
		} else if (o.sync >= 0) {
			do_sync(dir, &o);
		} else {
			do_data(dir, &o, buf);
			model_apply(fs, &o);
		}
		journal_op(j, &o);
		if (o.sync >= 0) {
			syncs++;
			if (dmdev)
				mark(dmdev, o.sync);
		}
		n++;
	}
	fclose(j);
	printf("pf-work: %ld operations, %ld syncs\n", n, syncs);
	return 0;
}

/* ---- check -------------------------------------------------------------- */

static int name_of(const char *s)
{
	if (s[0] != 'f' || s[1] < '0' || s[1] >= '0' + NNAMES || s[2])
		return -1;
	return s[1] - '0';
}

static struct op *read_journal(const char *jpath, long *nops)
{
	FILE *j = fopen(jpath, "r");
	struct op *ops = NULL;
	long n = 0, cap = 0, lineno = 0;
	char line[256];

	if (!j)
		die(2, "open %s: %s", jpath, strerror(errno));
	while (fgets(line, sizeof(line), j)) {
		char kind[32], a[16], b[32] = "", c[32] = "";
		struct op o = {.sync = -1};
		int k, f;

		lineno++;
		if (lineno == 1) {
			if (strncmp(line, "pf-work 1 ", 10))
				die(2, "%s: not a pf-work journal", jpath);
			continue;
		}
		if (line[0] == '#')
			continue;
		f = sscanf(line, "%ld %31s %15s %31s %31s", &o.n, kind, a, b,
			   c);
		for (k = 0; k <= K_SYNCFS; k++)
			if (f >= 3 && !strcmp(kind, kind_name[k]))
				break;
		if (k > K_SYNCFS || o.n != n || (o.a = name_of(a)) < 0)
			die(2, "%s:%ld: bad line", jpath, lineno);
		o.kind = (enum kind)k;
		if ((k == K_WRITE &&
		     (f != 5 || sscanf(b, "%" SCNu64, &o.off) != 1 ||
		      sscanf(c, "%" SCNu64, &o.len) != 1 ||
		      o.off + o.len > MAXSIZE)) ||
		    (k == K_TRUNC &&
		     (f != 4 || sscanf(b, "%" SCNu64, &o.off) != 1 ||
		      o.off > MAXSIZE)) ||
		    (k == K_RENAME && (f != 4 || (o.b = name_of(b)) < 0)) ||
		    (k >= K_FSYNC &&
		     (f != 4 || sscanf(b, "%ld", &o.sync) != 1)))
			die(2, "%s:%ld: bad arguments", jpath, lineno);
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			ops = realloc(ops, (size_t)cap * sizeof(*ops));
			if (!ops)
				die(2, "out of memory");
		}
		ops[n++] = o;
	}
	fclose(j);
	*nops = n;
	return ops;
}

static void describe(char *buf, size_t len, const struct op *o)
{
	int n = snprintf(buf, len, "op %ld (%s f%d", o->n, kind_name[o->kind],
			 o->a);

	if (o->kind == K_WRITE)
		snprintf(buf + n, len - (size_t)n,
			 " at %" PRIu64 ", %" PRIu64 " bytes)", o->off, o->len);
	else if (o->kind == K_TRUNC)
		snprintf(buf + n, len - (size_t)n, " to %" PRIu64 ")", o->off);
	else if (o->kind == K_RENAME)
		snprintf(buf + n, len - (size_t)n, " to f%d)", o->b);
	else
		snprintf(buf + n, len - (size_t)n, ")");
}

/* What one name holds after the replayed power cut. */
struct actual {
	int exists, read_ok;
	uint64_t size;
	unsigned char *data;
	/* which candidate states explained it */
	int exist_ok, size_ok;
	unsigned char matched[MAXSIZE / 4096 + 1];
};

#define BLK 4096u

static uint64_t nblocks(uint64_t size)
{
	return (size + BLK - 1) / BLK;
}

/* Marks what candidate state m of the name explains in a. */
static void explain(struct actual *a, const struct file *m)
{
	if (m->exists != a->exists)
		return;
	a->exist_ok = 1;
	if (!a->exists)
		return;
	if (m->size == a->size)
		a->size_ok = 1;
	for (uint64_t b = 0; b < nblocks(a->size); b++) {
		uint64_t off = b * BLK,
			 n = a->size - off < BLK ? a->size - off : BLK;

		/* the model's bytes past its size are zeros */
		if (!a->matched[b] && !memcmp(a->data + off, m->data + off, n))
			a->matched[b] = 1;
	}
}

static int read_actual(const char *dir, int f, struct actual *a,
		       const char *label)
{
	char p[4096];
	struct stat st;
	int fd;
	ssize_t r;

	path_of(p, sizeof(p), dir, f);
	a->read_ok = 0;
	if (lstat(p, &st)) {
		if (errno != ENOENT) {
			printf("FAIL %s: f%d: lstat: %s\n", label, f,
			       strerror(errno));
			return -1;
		}
		a->exists = 0;
		a->read_ok = 1;
		return 0;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAXSIZE) {
		printf("FAIL %s: f%d is not a regular file of at most 1 MiB "
		       "(mode %o, size %lld)\n",
		       label, f, st.st_mode, (long long)st.st_size);
		return -1;
	}
	fd = open(p, O_RDONLY);
	r = fd < 0 ? -1 : pread(fd, a->data, (size_t)st.st_size, 0);
	if (fd >= 0)
		close(fd);
	if (r != st.st_size) {
		printf("FAIL %s: f%d: read %lld bytes: %s\n", label, f,
		       (long long)st.st_size,
		       r < 0 ? strerror(errno) : "short read");
		return -1;
	}
	a->exists = 1;
	a->size = (uint64_t)st.st_size;
	a->read_ok = 1;
	return 0;
}

/*
 * The rule (dtfs(8), DURABILITY): what a completed sync covered is there;
 * after it nothing is promised but that no garbage appears. So each name
 * must exist (or not) and have a size as the state the covered operations
 * left it in or as a later operation left it, and each of its 4 KiB
 * blocks must hold what that block held in one of those states (a block
 * written after the sync may be rolled back to its synced contents, a
 * hole if it was new). A name no later operation touched has exactly one
 * such state: the covered one, byte for byte.
 */
static int cmd_check(const char *dir, const char *jpath, const char *marktext,
		     const char *label)
{
	long nops, k = -1, covered = -1, syncs = 0, sync_op = -1;
	struct op *ops = read_journal(jpath, &nops);
	struct file fs[NNAMES], at[NNAMES];
	static struct actual act[NNAMES];
	long last_change[NNAMES];
	int failures = 0;
	char what[160];
	DIR *d;
	struct dirent *de;

	if (marktext && *marktext) {
		char *end;

		if (strncmp(marktext, "pf-sync-", 8))
			die(2, "--mark '%s' is not a pf-sync-K mark", marktext);
		k = strtol(marktext + 8, &end, 10);
		if (*end || k < 0)
			die(2, "--mark '%s' is not a pf-sync-K mark", marktext);
	}
	/* The covered prefix: operations before the last fsync/fdatasync
	 * among syncs 0..k. */
	for (long i = 0; i < nops; i++) {
		if (ops[i].sync < 0 || ops[i].sync > k)
			continue;
		syncs++;
		if (ops[i].kind != K_SYNCFS) {
			covered = i - 1;
			sync_op = i;
		}
	}
	if (k >= 0 && syncs != k + 1)
		die(2, "mark pf-sync-%ld: the journal has %ld of its syncs", k,
		    syncs);
	for (int f = 0; f < NNAMES; f++) {
		memset(&act[f], 0, sizeof(act[f]));
		act[f].data = malloc(MAXSIZE);
		if (!act[f].data)
			die(2, "out of memory");
		if (read_actual(dir, f, &act[f], label))
			failures++;
	}
	model_init(fs);
	for (int f = 0; f < NNAMES; f++)
		last_change[f] = -1;
	for (long i = 0; i <= covered; i++) {
		unsigned m = model_apply(fs, &ops[i]);
		for (int f = 0; f < NNAMES; f++)
			if (m & (1u << f))
				last_change[f] = i;
	}
	for (int f = 0; f < NNAMES; f++) {
		at[f] = fs[f];
		at[f].data = malloc(MAXSIZE);
		if (!at[f].data)
			die(2, "out of memory");
		memcpy(at[f].data, fs[f].data, MAXSIZE);
		if (act[f].read_ok)
			explain(&act[f], &fs[f]);
	}
	for (long i = covered + 1; i < nops; i++) {
		unsigned m;

		/* A write that creates its file is two requests, CREATE and
		 * WRITE: the empty file between them is a state too. */
		if (ops[i].kind == K_WRITE && !fs[ops[i].a].exists &&
		    act[ops[i].a].read_ok) {
			struct file empty = {.exists = 1,
					     .size = 0,
					     .data = fs[ops[i].a].data};
			explain(&act[ops[i].a], &empty);
		}
		m = model_apply(fs, &ops[i]);
		for (int f = 0; f < NNAMES; f++)
			if ((m & (1u << f)) && act[f].read_ok)
				explain(&act[f], &fs[f]);
	}

	for (int f = 0; f < NNAMES; f++) {
		struct actual *a = &act[f];
		uint64_t bad = 0;

		if (!a->read_ok)
			continue;
		while (a->exists && bad < nblocks(a->size) && a->matched[bad])
			bad++;
		if (a->exist_ok &&
		    (!a->exists || (a->size_ok && bad == nblocks(a->size))))
			continue;
		failures++;
		if (last_change[f] >= 0)
			describe(what, sizeof(what), &ops[last_change[f]]);
		else
			snprintf(what, sizeof(what),
				 "no operation (f%d never existed)", f);
		printf("FAIL %s: f%d: %s, covered by %s %ld (op %ld), is not "
		       "durable: ",
		       label, f, what,
		       sync_op >= 0 ? kind_name[ops[sync_op].kind] : "-",
		       sync_op >= 0 ? ops[sync_op].sync : -1L, sync_op);
		if (!a->exist_ok)
			printf(a->exists
				       ? "found %" PRIu64 " bytes, expected "
					 "no file\n"
				       : "the file is absent, expected %" PRIu64
					 " bytes\n",
			       a->exists ? a->size : at[f].size);
		else if (!a->size_ok)
			printf("found %" PRIu64 " bytes, a size no state had "
			       "(covered: %" PRIu64 ")\n",
			       a->size, at[f].size);
		else {
			uint64_t off = bad * BLK, i = off;
			uint64_t end =
				off + BLK < a->size ? off + BLK : a->size;

			while (i < end && a->data[i] == at[f].data[i])
				i++;
			if (i == end)
				i = off;
			printf("block %" PRIu64 " holds what no state had; "
			       "byte %" PRIu64 ": 0x%02x, covered 0x%02x\n",
			       bad, i, a->data[i], at[f].data[i]);
		}
	}
	d = opendir(dir);
	if (!d) {
		printf("FAIL %s: opendir %s: %s\n", label, dir,
		       strerror(errno));
		return 1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    name_of(de->d_name) >= 0)
			continue;
		printf("FAIL %s: unexpected entry %s\n", label, de->d_name);
		failures++;
	}
	closedir(d);
	if (!failures)
		printf("check %s: ok, %ld syncs, %ld operations covered\n",
		       label, syncs, covered + 1);
	return failures ? 1 : 0;
}

static void usage(int code)
{
	fputs("usage: pf-work run DIR JOURNAL [--ops N] [--seed S] [--mark "
	      "DMDEV] [--skip-sync K]\n"
	      "       pf-work check DIR JOURNAL [--mark TEXT] [--point "
	      "LABEL]\n",
	      code ? stderr : stdout);
	exit(code);
}

static long num(const char *opt, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0)
		die(2, "%s: '%s' is not a number", opt, s);
	return v;
}

int main(int argc, char **argv)
{
	const char *dmdev = NULL, *marktext = NULL, *label = "point";
	long nops = 150, skip = -1;
	uint64_t seed = 1;
	int run;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		usage(0);
	if (argc < 4)
		usage(2);
	if (!strcmp(argv[1], "run"))
		run = 1;
	else if (!strcmp(argv[1], "check"))
		run = 0;
	else
		usage(2);
	for (int i = 4; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 >= argc)
			die(2, "%s needs a value", a);
		if (run && !strcmp(a, "--ops"))
			nops = num(a, argv[++i]);
		else if (run && !strcmp(a, "--seed"))
			seed = (uint64_t)num(a, argv[++i]);
		else if (run && !strcmp(a, "--mark"))
			dmdev = argv[++i];
		else if (run && !strcmp(a, "--skip-sync"))
			skip = num(a, argv[++i]);
		else if (!run && !strcmp(a, "--mark"))
			marktext = argv[++i];
		else if (!run && !strcmp(a, "--point"))
			label = argv[++i];
		else
			die(2, "unknown option '%s'", a);
	}
	if (run && nops < 1)
		die(2, "--ops must be at least 1");
	return run ? cmd_run(argv[2], argv[3], nops, seed, dmdev, skip)
		   : cmd_check(argv[2], argv[3], marktext, label);
}
