// SPDX-License-Identifier: GPL-2.0
/*
 * pf-replay: list or replay a dm-log-writes log (the power-fail test,
 * tests/powerfail/powerfail.sh).
 *
 *   pf-replay --list LOG
 *   pf-replay LOG TARGET [--upto N] [--at FILE --exec CMD [--marks PREFIX]]
 *
 * The log is what the kernel's dm-log-writes target wrote to its log
 * device: a super block at byte 0 (magic, version 1, number of entries,
 * the sector size S of the logged device), then from byte S on, for each
 * entry, one S-byte sector holding the entry (little-endian u64 sector,
 * nr_sectors, flags, data_len; a mark's text follows it in the same
 * sector), then nr_sectors * S bytes of the data written (none for a
 * discard, a flush without data or a mark). Entries are in the order the
 * target saw them reach stable storage: writes as they completed, each
 * flush after the writes it made durable, FUA writes at once, marks when
 * userspace sent them (dmsetup message DEV 0 mark TEXT).
 *
 * --list prints one line per entry: index, flags (FLUSH FUA DISCARD MARK
 * META), first sector, sectors, and the mark's text; then a summary line.
 *
 * Replay applies entries 0..N (all by default) to TARGET, a file or block
 * device that held zeros when the logged device was created: writes are
 * written, discards punched out (or zeroed where punching is refused). It
 * is a prefix of the log, i.e. the device as a power cut right after entry
 * N would have left it. With --at FILE (entry indexes, one per line, in
 * increasing order) and --exec CMD, TARGET is fsynced after each of those
 * entries and CMD run by sh with PF_ENTRY (the index), PF_MARK (the text
 * of the last mark at or before it that starts with PREFIX, default any;
 * empty if none) and PF_TARGET set;
 * replay goes on whatever CMD returns. Prints "pf-replay: P points, F
 * failed" with --exec (and every 10 points the progress on stderr); exit status 0 when every CMD exited 0, 1 when some
 * did not, 2 on bad usage or a damaged log.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/falloc.h>

#define LW_MAGIC 0x6a736677736872ULL
#define LW_VERSION 1
#define LW_FLUSH (1u << 0)
#define LW_FUA (1u << 1)
#define LW_DISCARD (1u << 2)
#define LW_MARK (1u << 3)
#define LW_META (1u << 4)

#define CHUNK (1u << 20)

struct lw_super {
	uint64_t magic;
	uint64_t version;
	uint64_t nr_entries;
	uint32_t sectorsize;
} __attribute__((packed));

struct lw_entry {
	uint64_t sector;
	uint64_t nr_sectors;
	uint64_t flags;
	uint64_t data_len;
} __attribute__((packed));

struct lw_log {
	int fd;
	const char *path;
	uint64_t size; /* bytes of the log file or device */
	uint64_t nr_entries;
	uint32_t ss; /* sector size */
	uint64_t off; /* byte offset of the next entry */
	uint64_t idx; /* index of the next entry */
};

struct lw_rec {
	uint64_t sector, nr_sectors, flags;
	char mark[512];
};

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("pf-replay: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void usage(int code)
{
	fputs("usage: pf-replay --list LOG\n"
	      "       pf-replay LOG TARGET [--upto N] [--at FILE --exec CMD "
	      "[--marks PREFIX]]\n"
	      "List or replay a dm-log-writes log onto TARGET (see the source "
	      "header).\n",
	      code ? stderr : stdout);
	exit(code);
}

static uint64_t dev_size(int fd, const char *path)
{
	struct stat st;
	off_t end;

	if (fstat(fd, &st))
		die(2, "stat %s: %s", path, strerror(errno));
	if (S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		die(2, "size of %s: %s", path, strerror(errno));
	return (uint64_t)end;
}

static void read_at(struct lw_log *lg, void *buf, size_t len, uint64_t off,
		    const char *what)
{
	size_t done = 0;

	if (off > lg->size || len > lg->size - off)
		die(2,
		    "%s: %s of entry %" PRIu64 " at byte %" PRIu64
		    " lies past the end (%" PRIu64 " bytes): truncated log",
		    lg->path, what, lg->idx, off, lg->size);
	while (done < len) {
		ssize_t n = pread(lg->fd, (char *)buf + done, len - done,
				  (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(2, "read %s at %" PRIu64 ": %s", lg->path,
			    off + done, n ? strerror(errno) : "end of file");
		done += (size_t)n;
	}
}

static void log_open(struct lw_log *lg, const char *path)
{
	struct lw_super sb;

	lg->path = path;
	lg->fd = open(path, O_RDONLY);
	if (lg->fd < 0)
		die(2, "open %s: %s", path, strerror(errno));
	lg->size = dev_size(lg->fd, path);
	lg->idx = 0;
	read_at(lg, &sb, sizeof(sb), 0, "super block");
	if (le64toh(sb.magic) != LW_MAGIC)
		die(2, "%s: not a dm-log-writes log (magic %#" PRIx64 ")", path,
		    le64toh(sb.magic));
	if (le64toh(sb.version) != LW_VERSION)
		die(2, "%s: log version %" PRIu64 ", only %d is known", path,
		    le64toh(sb.version), LW_VERSION);
	lg->ss = le32toh(sb.sectorsize);
	if (lg->ss < 512 || lg->ss > 65536 || (lg->ss & (lg->ss - 1)))
		die(2, "%s: sector size %u is not a power of two in 512..65536",
		    path, lg->ss);
	lg->nr_entries = le64toh(sb.nr_entries);
	lg->off = lg->ss;
}

/* Reads the next entry's header; lg->off then points at its data. */
static int log_next(struct lw_log *lg, struct lw_rec *r)
{
	struct lw_entry e;
	char *sec;
	uint64_t dlen;

	if (lg->idx >= lg->nr_entries)
		return 0;
	sec = malloc(lg->ss);
	if (!sec)
		die(2, "out of memory");
	read_at(lg, sec, lg->ss, lg->off, "header");
	memcpy(&e, sec, sizeof(e));
	r->sector = le64toh(e.sector);
	r->nr_sectors = le64toh(e.nr_sectors);
	r->flags = le64toh(e.flags);
	dlen = le64toh(e.data_len);
	r->mark[0] = 0;
	if (r->flags & LW_MARK) {
		if (dlen > lg->ss - sizeof(e) || dlen >= sizeof(r->mark))
			die(2,
			    "%s: entry %" PRIu64 ": mark of %" PRIu64
			    " bytes does not fit its sector",
			    lg->path, lg->idx, dlen);
		memcpy(r->mark, sec + sizeof(e), dlen);
		r->mark[dlen] = 0;
	}
	free(sec);
	if (r->nr_sectors > (UINT64_MAX / 2) / lg->ss ||
	    r->sector > (UINT64_MAX / 2) / lg->ss)
		die(2,
		    "%s: entry %" PRIu64 ": impossible range sector %" PRIu64
		    " + %" PRIu64,
		    lg->path, lg->idx, r->sector, r->nr_sectors);
	lg->off += lg->ss;
	return 1;
}

/* Bytes of data that follow the header of entry r in the log. */
static uint64_t data_bytes(const struct lw_log *lg, const struct lw_rec *r)
{
	if (r->flags & (LW_DISCARD | LW_MARK))
		return 0;
	return r->nr_sectors * lg->ss;
}

static void flags_str(uint64_t f, char *buf, size_t len)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {{LW_FLUSH, "FLUSH"},
		     {LW_FUA, "FUA"},
		     {LW_DISCARD, "DISCARD"},
		     {LW_MARK, "MARK"},
		     {LW_META, "META"}};
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & names[i].bit)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? "|" : "", names[i].name);
	if (!n)
		snprintf(buf, len, "WRITE");
}

static int do_list(const char *path)
{
	struct lw_log lg;
	struct lw_rec r;
	uint64_t writes = 0, flushes = 0, fuas = 0, marks = 0, bytes = 0;
	char fl[64];

	log_open(&lg, path);
	while (log_next(&lg, &r)) {
		flags_str(r.flags, fl, sizeof(fl));
		printf("%" PRIu64 " %s %" PRIu64 " %" PRIu64 "%s%s\n", lg.idx,
		       fl, r.sector, r.nr_sectors, r.mark[0] ? " " : "",
		       r.mark);
		writes += r.nr_sectors && !(r.flags & LW_DISCARD);
		flushes += !!(r.flags & LW_FLUSH);
		fuas += !!(r.flags & LW_FUA);
		marks += !!(r.flags & LW_MARK);
		bytes += data_bytes(&lg, &r);
		lg.off += data_bytes(&lg, &r);
		lg.idx++;
	}
	printf("# %" PRIu64 " entries: %" PRIu64 " writes (%" PRIu64
	       " bytes), %" PRIu64 " flushes, %" PRIu64 " FUA, %" PRIu64
	       " marks; sector size %u\n",
	       lg.nr_entries, writes, bytes, flushes, fuas, marks, lg.ss);
	return 0;
}

static void write_all(int fd, const char *path, const char *buf, size_t len,
		      uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n =
			pwrite(fd, buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(2, "write %s at %" PRIu64 ": %s", path, off + done,
			    n ? strerror(errno) : "no progress");
		done += (size_t)n;
	}
}

/* A discard: punch the range out, or write zeros where that is refused. */
static void discard(int fd, const char *path, uint64_t off, uint64_t len,
		    char *zbuf)
{
	if (!fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		       (off_t)off, (off_t)len))
		return;
	memset(zbuf, 0, CHUNK);
	while (len) {
		size_t n = len < CHUNK ? (size_t)len : CHUNK;

		write_all(fd, path, zbuf, n, off);
		off += n;
		len -= n;
	}
}

static uint64_t *read_points(const char *file, size_t *np)
{
	FILE *f = fopen(file, "r");
	uint64_t *v = NULL, x, prev = 0;
	size_t n = 0, cap = 0;
	char line[64];

	if (!f)
		die(2, "open %s: %s", file, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *end;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		errno = 0;
		x = strtoull(line, &end, 10);
		if (errno || end == line || (*end && *end != '\n'))
			die(2, "%s: '%.*s' is not an entry index", file,
			    (int)strcspn(line, "\n"), line);
		if (n && x <= prev)
			die(2,
			    "%s: entry indexes must increase (%" PRIu64
			    " after %" PRIu64 ")",
			    file, x, prev);
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die(2, "out of memory");
		}
		v[n++] = prev = x;
	}
	fclose(f);
	*np = n;
	return v;
}

static int run_point(const char *cmd, uint64_t idx, const char *mark,
		     const char *target)
{
	char num[32];
	int st;

	snprintf(num, sizeof(num), "%" PRIu64, idx);
	setenv("PF_ENTRY", num, 1);
	setenv("PF_MARK", mark, 1);
	setenv("PF_TARGET", target, 1);
	fflush(stdout);
	st = system(cmd);
	return st == 0 ? 0 : 1;
}

static int do_replay(const char *logpath, const char *target, uint64_t upto,
		     const char *atfile, const char *cmd, const char *prefix)
{
	struct lw_log lg;
	struct lw_rec r;
	uint64_t *pts = NULL;
	size_t npts = 0, pi = 0, failed = 0, ran = 0;
	char *buf = malloc(CHUNK), lastmark[512] = "";
	int tfd;

	if (!buf)
		die(2, "out of memory");
	log_open(&lg, logpath);
	if (atfile)
		pts = read_points(atfile, &npts);
	tfd = open(target, O_WRONLY);
	if (tfd < 0)
		die(2, "open %s: %s", target, strerror(errno));
	while (lg.idx <= upto && log_next(&lg, &r)) {
		uint64_t len = data_bytes(&lg, &r), dst = r.sector * lg.ss;

		if (r.flags & LW_DISCARD)
			discard(tfd, target, dst, r.nr_sectors * lg.ss, buf);
		for (uint64_t done = 0; done < len;) {
			size_t n = len - done < CHUNK ? (size_t)(len - done)
						      : CHUNK;

			read_at(&lg, buf, n, lg.off + done, "data");
			write_all(tfd, target, buf, n, dst + done);
			done += n;
		}
		if ((r.flags & LW_MARK) &&
		    !strncmp(r.mark, prefix, strlen(prefix)))
			snprintf(lastmark, sizeof(lastmark), "%s", r.mark);
		lg.off += len;
		while (pi < npts && pts[pi] < lg.idx)
			pi++; /* points past the log's end never come */
		if (pi < npts && pts[pi] == lg.idx) {
			if (fsync(tfd))
				die(2, "fsync %s: %s", target, strerror(errno));
			failed += run_point(cmd, lg.idx, lastmark, target);
			ran++;
			pi++;
			if (ran % 10 == 0 && ran < npts)
				fprintf(stderr,
					"pf-replay: %zu of %zu points, %zu "
					"failed\n",
					ran, npts, failed);
		}
		lg.idx++;
	}
	if (fsync(tfd))
		die(2, "fsync %s: %s", target, strerror(errno));
	close(tfd);
	free(buf);
	free(pts);
	if (cmd) {
		printf("pf-replay: %zu points, %zu failed\n", ran, failed);
		if (pi < npts)
			fprintf(stderr,
				"pf-replay: %zu points past the log's last "
				"entry (%" PRIu64 ") not run\n",
				npts - pi, lg.idx ? lg.idx - 1 : 0);
	}
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *atfile = NULL, *cmd = NULL, *pos[2] = {NULL, NULL};
	const char *prefix = "";
	uint64_t upto = UINT64_MAX;
	int npos = 0, list = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			usage(0);
		else if (!strcmp(a, "--list"))
			list = 1;
		else if (!strcmp(a, "--upto") || !strcmp(a, "--at") ||
			 !strcmp(a, "--exec") || !strcmp(a, "--marks")) {
			char *end;

			if (i + 1 >= argc)
				die(2, "%s needs a value", a);
			if (!strcmp(a, "--at"))
				atfile = argv[++i];
			else if (!strcmp(a, "--exec"))
				cmd = argv[++i];
			else if (!strcmp(a, "--marks"))
				prefix = argv[++i];
			else {
				errno = 0;
				upto = strtoull(argv[++i], &end, 10);
				if (errno || *end || end == argv[i])
					die(2,
					    "--upto: '%s' is not an entry "
					    "index",
					    argv[i]);
			}
		} else if (a[0] == '-' && a[1])
			die(2, "unknown option '%s' (--help)", a);
		else if (npos < 2)
			pos[npos++] = a;
		else
			die(2, "too many arguments (--help)");
	}
	if (list) {
		if (npos != 1)
			usage(2);
		return do_list(pos[0]);
	}
	if (npos != 2)
		usage(2);
	if (!atfile != !cmd)
		die(2, "--at and --exec go together");
	return do_replay(pos[0], pos[1], upto, atfile, cmd, prefix);
}
