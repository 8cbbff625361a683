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
 * before the last fsync/fdatasync among them is covered. For each name,
 * the file must be in the state it had after the last covered operation,
 * or in a state a later operation gave it (those may or may not have
 * reached the disk); names other than f0..f7 must not exist; and all of
 * them together must be the state after one operation from the covered
 * one on (the store applies its journal in order). A failure
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

static uint64_t fnv(const unsigned char *p, uint64_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (uint64_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
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

struct allowed {
	int n;
	struct {
		int exists;
		uint64_t size, hash;
	} s[512];
};

static void allow(struct allowed *al, const struct file *f)
{
	uint64_t h = f->exists ? fnv(f->data, f->size) : 0;

	for (int i = 0; i < al->n; i++)
		if (al->s[i].exists == f->exists && al->s[i].size == f->size &&
		    al->s[i].hash == h)
			return;
	if (al->n < (int)(sizeof(al->s) / sizeof(al->s[0]))) {
		al->s[al->n].exists = f->exists;
		al->s[al->n].size = f->size;
		al->s[al->n].hash = h;
		al->n++;
	}
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

struct seen {
	int exists;
	uint64_t size, hash;
};

static int fits(const struct file *f, const struct seen *g)
{
	if (f->exists != g->exists)
		return 0;
	return !g->exists ||
	       (f->size == g->size && fnv(f->data, f->size) == g->hash);
}

/*
 * Each file fits the states allowed to it; now all of them together must
 * be the state after one operation j from the covered one on: the store
 * applies its journal in order, so a later operation is never durable
 * without an earlier one. (A name-by-name check alone lets a lost write
 * pass when a later unlink or rename of that name explains its absence.)
 */
static int check_prefix(const struct op *ops, long nops, long covered,
			long sync_op, const struct seen *seen,
			const long *last_change, const char *label)
{
	struct file m[NNAMES];
	int match[NNAMES], first_bad = -1, all = 1;
	long first_fit[NNAMES];
	char what[160], later[160];

	model_init(m);
	for (long i = 0; i <= covered; i++)
		model_apply(m, &ops[i]);
	for (int f = 0; f < NNAMES; f++) {
		match[f] = fits(&m[f], &seen[f]);
		first_fit[f] = match[f] ? covered : -1;
		all &= match[f];
	}
	for (long i = covered + 1; i < nops && !all; i++) {
		unsigned changed = model_apply(m, &ops[i]);

		all = 1;
		for (int f = 0; f < NNAMES; f++) {
			if (changed & (1u << f)) {
				match[f] = fits(&m[f], &seen[f]);
				if (match[f] && first_fit[f] < 0)
					first_fit[f] = i;
			}
			all &= match[f];
		}
	}
	for (int f = 0; f < NNAMES; f++)
		free(m[f].data);
	if (all)
		return 0;
	for (int f = 0; f < NNAMES; f++)
		if (first_fit[f] > covered &&
		    (first_bad < 0 || first_fit[f] < first_fit[first_bad]))
			first_bad = f;
	if (first_bad < 0 || last_change[first_bad] < 0) {
		printf("FAIL %s: the files are the state after no single "
		       "operation from op %ld on\n",
		       label, covered);
		return 1;
	}
	describe(what, sizeof(what), &ops[last_change[first_bad]]);
	describe(later, sizeof(later), &ops[first_fit[first_bad]]);
	printf("FAIL %s: f%d: %s, covered by %s %ld (op %ld), is not "
	       "durable: f%d is as the later %s left it, but the other files "
	       "are not as after that operation\n",
	       label, first_bad, what,
	       sync_op >= 0 ? kind_name[ops[sync_op].kind] : "-",
	       sync_op >= 0 ? ops[sync_op].sync : -1L, sync_op, first_bad,
	       later);
	return 1;
}

static int cmd_check(const char *dir, const char *jpath, const char *marktext,
		     const char *label)
{
	long nops, k = -1, covered = -1, syncs = 0;
	struct op *ops = read_journal(jpath, &nops);
	struct file fs[NNAMES], at[NNAMES];
	static struct allowed al[NNAMES];
	long last_change[NNAMES], sync_op = -1;
	struct seen seen[NNAMES];
	unsigned char *buf = malloc(MAXSIZE);
	int failures = 0;
	char p[4096], what[160];
	DIR *d;
	struct dirent *de;

	if (!buf)
		die(2, "out of memory");
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
	model_init(fs);
	for (int i = 0; i < NNAMES; i++)
		last_change[i] = -1;
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
		al[f].n = 0;
		allow(&al[f], &fs[f]);
	}
	for (long i = covered + 1; i < nops; i++) {
		unsigned m = model_apply(fs, &ops[i]);
		for (int f = 0; f < NNAMES; f++)
			if (m & (1u << f))
				allow(&al[f], &fs[f]);
	}

	for (int f = 0; f < NNAMES; f++) {
		struct file got = {.exists = 0, .size = 0, .data = buf};
		struct stat st;
		uint64_t h = 0;
		int ok = 0;

		path_of(p, sizeof(p), dir, f);
		if (lstat(p, &st) == 0) {
			if (!S_ISREG(st.st_mode) || st.st_size > MAXSIZE) {
				printf("FAIL %s: f%d is not a regular file of "
				       "at most 1 MiB (mode %o, size %lld)\n",
				       label, f, st.st_mode,
				       (long long)st.st_size);
				failures++;
				continue;
			}
			int fd = open(p, O_RDONLY);
			ssize_t r =
				fd < 0 ? -1
				       : pread(fd, buf, (size_t)st.st_size, 0);
			if (r != st.st_size) {
				printf("FAIL %s: f%d: read %lld bytes: %s\n",
				       label, f, (long long)st.st_size,
				       r < 0 ? strerror(errno) : "short read");
				failures++;
				if (fd >= 0)
					close(fd);
				continue;
			}
			close(fd);
			got.exists = 1;
			got.size = (uint64_t)st.st_size;
			h = fnv(buf, got.size);
		} else if (errno != ENOENT) {
			printf("FAIL %s: f%d: lstat: %s\n", label, f,
			       strerror(errno));
			failures++;
			continue;
		}
		seen[f].exists = got.exists;
		seen[f].size = got.size;
		seen[f].hash = h;
		for (int i = 0; i < al[f].n && !ok; i++)
			ok = al[f].s[i].exists == got.exists &&
			     (!got.exists || (al[f].s[i].size == got.size &&
					      al[f].s[i].hash == h));
		if (ok)
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
		if (!got.exists)
			printf("the file is absent, expected %" PRIu64
			       " bytes\n",
			       at[f].size);
		else if (!at[f].exists)
			printf("found %" PRIu64 " bytes, expected no file\n",
			       got.size);
		else {
			uint64_t i, n = got.size < at[f].size ? got.size
							      : at[f].size;
			for (i = 0; i < n && buf[i] == at[f].data[i]; i++)
				;
			printf("found %" PRIu64 " bytes (expected %" PRIu64
			       "), ",
			       got.size, at[f].size);
			if (i < n)
				printf("first difference at byte %" PRIu64
				       ": 0x%02x, expected 0x%02x\n",
				       i, buf[i], at[f].data[i]);
			else
				printf("same bytes up to the shorter size\n");
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
		failures += check_prefix(ops, nops, covered, sync_op, seen,
					 last_change, label);
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
