// SPDX-License-Identifier: GPL-2.0
/*
 * dtfs-pin: pin pages of MAP_SHARED dtfs mappings in the ways the kernel
 * offers, race writeback, reclaim, eviction and truncation with the pin
 * (deterministically, through dtfs's gate), and report what the running
 * kernel did, with dtfs's counters and dirty log as evidence.
 *
 * Output is kselftest-style TAP, then a matrix (pin method x cleaner).
 * Each scenario runs in a child process; the parent is its watchdog: a
 * scenario that does not finish in time gets the FUSE connection aborted
 * (/sys/fs/fuse/connections/N/abort), so a deadlock is a verdict, not a
 * hang. The tool talks to dtfs only through the ioctl ABI of
 * include/dtfs/ioctl.h and reads the dirty log file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/magic.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>
#include "dtfs/dirtylog.h"
#include "dtfs/ioctl.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef FUSECTL_SUPER_MAGIC
#define FUSECTL_SUPER_MAGIC 0x65735543
#endif
#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

#define PG 4096
#define SELF_LEN (256 << 10) /* self-referential I/O: 64 pages */
#define EXT_PAGES 26

/* ---- verdicts ---- */

enum verdict {
	V_SAFE,
	V_REFUSED,
	V_DIRTY_WITHOUT_NOTIFY,
	V_LOST_WRITE,
	V_STALE,
	V_DEADLOCK,
	V_CORRUPT,
	V_SKIP,
	V_ERROR, /* the tool could not set the scenario up: always not ok */
	V_MAX
};

static const char *const vname[V_MAX] = {
	"SAFE",	      "REFUSED", "DIRTY_WITHOUT_NOTIFY",
	"LOST_WRITE", "STALE",	 "DEADLOCK",
	"CORRUPT",    "SKIP",	 "ERROR",
};

static int verdict_by_name(const char *s)
{
	for (int i = 0; i < V_MAX; i++)
		if (!strcmp(s, vname[i]))
			return i;
	return -1;
}

/* What the scenario's child found about the data (the parent adds the
 * evidence of dtfs's counters and log and decides the verdict). */
enum data_outcome {
	D_OK, /* every byte where it should be */
	D_REFUSED,
	D_LOST,
	D_STALE,
	D_CORRUPT,
	D_SKIP,
	D_ERROR,
};

struct outcome {
	int data;
	int err; /* errno of a refusal */
	char detail[200];
};

/* ---- the scenarios ---- */

struct scenario;
typedef void (*scen_fn)(const struct scenario *sc, struct outcome *o);

enum cleaner {
	C_NONE,
	C_MSYNC,
	C_FSYNC,
	C_PAGEOUT,
	C_EVICT,
	C_TRUNCATE,
	C_PUNCH,
};

static const char *const cname[] = {
	"none", "msync", "fsync", "pageout", "evict", "truncate", "punch",
};

struct scenario {
	const char *method; /* row of the matrix */
	const char *column; /* column: the cleaner or the variant */
	int cleaner;
	int arg;
	scen_fn fn;
	int needs_notify; /* SAFE needs write-notify in the evidence */
	const char *what;
	char name[64];
};

/* ---- the run's context ---- */

static struct {
	char tmp[PATH_MAX]; /* our temp dir (on a local filesystem) */
	char store[PATH_MAX + 16];
	char mnt[PATH_MAX + 16]; /* the dtfs mount */
	char work[PATH_MAX + 64]; /* our directory inside the mount */
	char log[PATH_MAX + 32]; /* dirty log, "" if unknown */
	char dtfs[PATH_MAX]; /* the dtfs binary */
	int own_mount;
	int mounts; /* mounts made so far (a deadlock costs one) */
	int dead; /* the mount was aborted and not replaced */
	int timeout; /* watchdog, seconds */
	double race_secs; /* racy scenarios: bound in seconds */
	uint64_t log_off; /* dirty log: where the next scenario starts */
	int tracer_on;
	pid_t child;
} ctx = {.timeout = 20, .race_secs = 2.0};

static volatile sig_atomic_t interrupted;

/* The current scenario's directory: the child works in it. */
static char sdir[PATH_MAX + 128];

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("dtfs-pin: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void out_set(struct outcome *o, int data, int err, const char *fmt, ...)
{
	va_list ap;

	o->data = data;
	o->err = err;
	va_start(ap, fmt);
	vsnprintf(o->detail, sizeof(o->detail), fmt, ap);
	va_end(ap);
}

#define SETUP(cond, what)                                          \
	do {                                                       \
		if (!(cond)) {                                     \
			out_set(o, D_ERROR, errno, "%s: %s", what, \
				strerror(errno));                  \
			return;                                    \
		}                                                  \
	} while (0)

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", sdir, name);
}

/* Create @name in the scenario directory with @len bytes of @byte. */
static int make_file(const char *name, size_t len, int byte)
{
	char p[PATH_MAX + 160], *b = malloc(len);
	int fd, ret = -1;

	if (!b)
		return -1;
	memset(b, byte, len);
	path_of(p, sizeof(p), name);
	fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0644);
	if (fd >= 0 && pwrite(fd, b, len, 0) == (ssize_t)len && !fsync(fd))
		ret = 0;
	if (fd >= 0)
		close(fd);
	free(b);
	return ret;
}

static int open_in(const char *name, int flags)
{
	char p[PATH_MAX + 160];

	path_of(p, sizeof(p), name);
	return open(p, flags);
}

static int all_bytes(const char *p, size_t n, int byte)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] != (unsigned char)byte)
			return 0;
	return 1;
}

static const char *show_bytes(const char *p, size_t n)
{
	static char s[64];
	size_t k = 0;

	for (size_t i = 0; i < n && k + 4 < sizeof(s); i += n / 4 ? n / 4 : 1) {
		unsigned char c = (unsigned char)p[i];

		s[k++] = c >= 32 && c < 127 ? (char)c : '.';
	}
	s[k] = 0;
	return s;
}

/* What the store holds: an O_DIRECT read (FUSE serves it from the daemon,
 * not from the page cache). */
static ssize_t store_read(const char *name, char *buf, size_t len, off_t off)
{
	int fd = open_in(name, O_RDONLY | O_DIRECT);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, buf, len, off);
	close(fd);
	return n;
}

static int ioc_gate(int fd, uint32_t reads)
{
	struct dtfs_gate g = {.reads = reads};

	return ioctl(fd, DTFS_IOC_GATE, &g);
}

static int ioc_wait_gated(int fd, uint32_t ms)
{
	struct dtfs_gate g = {.timeout_ms = ms};

	if (ioctl(fd, DTFS_IOC_WAIT_GATED, &g) < 0)
		return -errno;
	return (int)g.held;
}

static int ioc_evict(int fd)
{
	struct dtfs_range r = {0, 0};

	return ioctl(fd, DTFS_IOC_EVICT, &r);
}

/* Clean, drop or cut the page(s) at @m of the file @fd. 0 or -errno. */
static int run_cleaner(int c, int fd, char *m, size_t len)
{
	int ret = 0;

	switch (c) {
	case C_MSYNC:
		ret = msync(m, len, MS_SYNC);
		break;
	case C_FSYNC:
		ret = fsync(fd);
		break;
	case C_PAGEOUT:
		ret = madvise(m, len, MADV_PAGEOUT);
		break;
	case C_EVICT:
		ret = ioc_evict(fd);
		break;
	case C_TRUNCATE:
		ret = ftruncate(fd, 0);
		if (!ret)
			ret = ftruncate(fd, (off_t)len);
		break;
	case C_PUNCH:
		ret = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, (off_t)len);
		break;
	}
	return ret ? -errno : 0;
}

/* Judge a pinned write of @want bytes into the page of "dst": the view
 * through the mapping, then what writeback stored. */
static void judge_pinned(struct outcome *o, int dst, char *m, int want, int old)
{
	char *b;
	int wb;

	errno = 0;
	wb = msync(m, PG, MS_SYNC) ? errno : 0;
	if (!wb && fsync(dst))
		wb = errno;
	if (posix_memalign((void **)&b, PG, PG)) {
		out_set(o, D_ERROR, ENOMEM, "no memory");
		return;
	}
	if (store_read("dst", b, PG, 0) != PG) {
		out_set(o, D_ERROR, errno, "read back: %s", strerror(errno));
	} else if (all_bytes(b, PG, want)) {
		out_set(o, D_OK, 0, "pinned data stored%s%s",
			wb ? "; writeback error " : "", wb ? strerror(wb) : "");
	} else if (all_bytes(b, PG, old)) {
		out_set(o, D_LOST, 0,
			"pinned write lost: file has '%s', mapping '%s'",
			show_bytes(b, PG), show_bytes(m, PG));
	} else {
		out_set(o, D_CORRUPT, 0, "file has '%s' (neither old nor new)",
			show_bytes(b, PG));
	}
	free(b);
}

/* The source of a gated pin: one page of 'S', its READs held by dtfs. */
static int gated_source(struct outcome *o)
{
	int src;

	if (make_file("src", PG, 'S')) {
		out_set(o, D_ERROR, errno, "create src: %s", strerror(errno));
		return -1;
	}
	src = open_in("src", O_RDONLY | O_DIRECT);
	if (src < 0) {
		out_set(o, D_ERROR, errno, "open src O_DIRECT: %s",
			strerror(errno));
		return -1;
	}
	/* the page cache of src stays out of it: O_DIRECT goes to dtfs */
	if (ioc_gate(src, 1)) {
		out_set(o, D_ERROR, errno, "gate: %s", strerror(errno));
		close(src);
		return -1;
	}
	return src;
}

/* The destination: one page of 'D', mapped shared, dirtied through the
 * mapping (write-notify) and cleaned, so its PTE is write-protected. */
static char *shared_dest(struct outcome *o, int *dstp, int flags)
{
	char *m;
	int dst;

	if (make_file("dst", PG, 'D')) {
		out_set(o, D_ERROR, errno, "create dst: %s", strerror(errno));
		return NULL;
	}
	dst = open_in("dst", O_RDWR);
	if (dst < 0) {
		out_set(o, D_ERROR, errno, "open dst: %s", strerror(errno));
		return NULL;
	}
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, flags, dst, 0);
	if (m == MAP_FAILED) {
		out_set(o, D_ERROR, errno, "mmap dst: %s", strerror(errno));
		close(dst);
		return NULL;
	}
	if (flags & MAP_SHARED) {
		m[0] = 'D';
		msync(m, PG, MS_SYNC);
	}
	*dstp = dst;
	return m;
}

struct pin_read {
	int src;
	char *buf;
	ssize_t got;
	int err;
};

static void *pin_reader(void *arg)
{
	struct pin_read *r = arg;

	r->got = pread(r->src, r->buf, PG, 0);
	r->err = r->got < 0 ? errno : 0;
	return NULL;
}

/* O_DIRECT read from a gated dtfs file into the mapping: the page is
 * pinned (FOLL_PIN) while dtfs holds the READ; clean it; let the READ go. */
static void sc_odirect_gated(const struct scenario *sc, struct outcome *o)
{
	struct pin_read r = {0};
	pthread_t th;
	int dst, held, ret;
	char *m;

	r.src = gated_source(o);
	if (r.src < 0)
		return;
	m = shared_dest(o, &dst, MAP_SHARED);
	if (!m)
		return;
	r.buf = m;
	pthread_create(&th, NULL, pin_reader, &r);
	held = ioc_wait_gated(r.src, 10000);
	if (held <= 0) {
		pthread_join(th, NULL);
		if (r.got < 0)
			out_set(o, D_REFUSED, r.err, "O_DIRECT read: %s",
				strerror(r.err));
		else
			out_set(o, D_ERROR, -held,
				"the READ never reached dtfs");
		return;
	}
	ret = run_cleaner(sc->cleaner, dst, m, PG);
	ioctl(r.src, DTFS_IOC_RELEASE);
	pthread_join(th, NULL);
	if (r.got < 0) {
		out_set(o, D_REFUSED, r.err, "O_DIRECT read: %s",
			strerror(r.err));
		return;
	}
	if (ret) {
		out_set(o, D_ERROR, -ret, "%s: %s", cname[sc->cleaner],
			strerror(-ret));
		return;
	}
	judge_pinned(o, dst, m, 'S',
		     sc->cleaner == C_TRUNCATE || sc->cleaner == C_PUNCH ? 0
									 : 'D');
}

/* The same through io_uring: a plain (non-fixed) read on the O_DIRECT
 * file; the pin is taken by the io-wq worker that runs it. */
static void sc_uring_gated(const struct scenario *sc, struct outcome *o)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = {.tv_sec = 15};
	int src, dst, held, ret, res;
	char *m;

	src = gated_source(o);
	if (src < 0)
		return;
	m = shared_dest(o, &dst, MAP_SHARED);
	if (!m)
		return;
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret) {
		out_set(o, D_SKIP, -ret, "io_uring unavailable: %s",
			strerror(-ret));
		return;
	}
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, src, m, PG, 0);
	io_uring_submit(&ring);
	held = ioc_wait_gated(src, 10000);
	if (held <= 0) {
		ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
		res = ret ? ret : cqe->res;
		out_set(o, res < 0 ? D_REFUSED : D_ERROR, res < 0 ? -res : 0,
			"io_uring read: %s",
			res < 0 ? strerror(-res) : "never reached dtfs");
		return;
	}
	ret = run_cleaner(sc->cleaner, dst, m, PG);
	ioctl(src, DTFS_IOC_RELEASE);
	res = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	if (!res)
		res = cqe->res;
	if (res < 0) {
		out_set(o, D_REFUSED, -res, "io_uring read: %s",
			strerror(-res));
		return;
	}
	if (ret) {
		out_set(o, D_ERROR, -ret, "%s: %s", cname[sc->cleaner],
			strerror(-ret));
		return;
	}
	judge_pinned(o, dst, m, 'S',
		     sc->cleaner == C_TRUNCATE || sc->cleaner == C_PUNCH ? 0
									 : 'D');
	io_uring_queue_exit(&ring);
}

/* io_uring fixed buffers: registering the mapping is a FOLL_LONGTERM pin,
 * which kernels since 6.5 refuse on dirty-tracked file mappings. */
static void sc_uring_fixed(const struct scenario *sc, struct outcome *o)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = {.tv_sec = 15};
	struct iovec iov;
	int src, dst, ret, res, held;
	char *m;

	(void)sc;
	src = gated_source(o);
	if (src < 0)
		return;
	m = shared_dest(o, &dst, MAP_SHARED);
	if (!m)
		return;
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret) {
		out_set(o, D_SKIP, -ret, "io_uring unavailable: %s",
			strerror(-ret));
		return;
	}
	iov.iov_base = m;
	iov.iov_len = PG;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret) {
		ioctl(src, DTFS_IOC_RELEASE);
		out_set(o, D_REFUSED, -ret, "io_uring_register_buffers: %s",
			strerror(-ret));
		return;
	}
	/* registered: a long-term pin; race it with msync as above */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, src, m, PG, 0, 0);
	io_uring_submit(&ring);
	held = ioc_wait_gated(src, 10000);
	if (held > 0)
		msync(m, PG, MS_SYNC);
	ioctl(src, DTFS_IOC_RELEASE);
	res = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	if (!res)
		res = cqe->res;
	if (res < 0) {
		out_set(o, D_REFUSED, -res, "READ_FIXED: %s", strerror(-res));
		return;
	}
	io_uring_unregister_buffers(&ring);
	judge_pinned(o, dst, m, 'S', 'D');
	io_uring_queue_exit(&ring);
}

/* O_DIRECT read from a file on a local filesystem into the mapping, in a
 * loop, while another thread runs the cleaner in a loop: the block layer
 * pins the page and re-dirties it at bio completion (bio_dirty_fn). */
struct ext_race {
	int cleaner, fd;
	char *m;
	volatile int stop;
	long runs;
};

static void *ext_cleaner(void *arg)
{
	struct ext_race *r = arg;

	while (!r->stop) {
		run_cleaner(r->cleaner, r->fd, r->m, PG);
		r->runs++;
	}
	return NULL;
}

static int violations_now(int fd, uint64_t *v)
{
	struct dtfs_status *st = malloc(sizeof(*st));
	int ret = -1;

	if (st && !ioctl(fd, DTFS_IOC_STATUS, st)) {
		*v = st->viol_no_notify + st->viol_no_buffers;
		ret = 0;
	}
	free(st);
	return ret;
}

static void sc_odirect_ext(const struct scenario *sc, struct outcome *o)
{
	struct ext_race r = {.cleaner = sc->cleaner};
	char ext[PATH_MAX + 16], *b;
	uint64_t v0 = 0, v = 0;
	double t0;
	pthread_t th;
	long i;
	int src, dst;
	char *m;

	snprintf(ext, sizeof(ext), "%s/ext-src", ctx.tmp);
	SETUP(!posix_memalign((void **)&b, PG, EXT_PAGES * PG), "memory");
	for (int p = 0; p < EXT_PAGES; p++)
		memset(b + p * PG, 'A' + p, PG);
	src = open(ext, O_CREAT | O_RDWR | O_TRUNC, 0644);
	SETUP(src >= 0, ext);
	SETUP(pwrite(src, b, EXT_PAGES * PG, 0) == EXT_PAGES * PG, "write ext");
	close(src);
	src = open(ext, O_RDONLY | O_DIRECT);
	if (src < 0) {
		out_set(o, D_SKIP, errno, "%s has no O_DIRECT (%s)", ctx.tmp,
			strerror(errno));
		return;
	}
	m = shared_dest(o, &dst, MAP_SHARED);
	if (!m)
		return;
	r.fd = dst;
	r.m = m;
	violations_now(dst, &v0);
	pthread_create(&th, NULL, ext_cleaner, &r);
	t0 = now_s();
	for (i = 0;; i++) {
		int want = 'A' + (int)(i % EXT_PAGES);
		ssize_t n = pread(src, m, PG, (off_t)(i % EXT_PAGES) * PG);

		if (n != PG) {
			r.stop = 1;
			pthread_join(th, NULL);
			out_set(o, n < 0 ? D_REFUSED : D_ERROR, errno,
				"O_DIRECT read %ld: %s", i,
				n < 0 ? strerror(errno) : "short");
			return;
		}
		/* the pin's write must be what the mapping shows now; after
		 * an eviction the page may have been refetched, but only
		 * after writeback stored it */
		if (!all_bytes(m, PG, want)) {
			r.stop = 1;
			pthread_join(th, NULL);
			out_set(o, D_LOST, 0,
				"read %ld: the mapping shows '%s', the pin "
				"wrote "
				"'%c' (to a page no longer in the file)",
				i, show_bytes(m, PG), want);
			return;
		}
		if (i % 64 == 63) {
			if (!violations_now(dst, &v) && v > v0)
				break;
			if (now_s() - t0 > ctx.race_secs)
				break;
		}
	}
	r.stop = 1;
	pthread_join(th, NULL);
	msync(m, PG, MS_SYNC);
	fsync(dst);
	if (store_read("dst", b, PG, 0) != PG ||
	    !all_bytes(b, PG, 'A' + (int)(i % EXT_PAGES))) {
		out_set(o, D_LOST, 0, "after %ld reads the file has '%s'",
			i + 1, show_bytes(b, PG));
		return;
	}
	out_set(o, D_OK, 0, "%ld O_DIRECT reads, %ld %s in %.1f s", i + 1,
		r.runs, cname[sc->cleaner], now_s() - t0);
	free(b);
}

/* vmsplice: the pipe takes plain references to the mapped page; then the
 * cleaner, then the file is overwritten with write(). What does the pipe
 * deliver? The page the file still has (SAFE: it aliases the page cache),
 * or a page the file no longer has (STALE). */
static void sc_vmsplice(const struct scenario *sc, struct outcome *o)
{
	struct iovec iov;
	char buf[PG], now[PG] __attribute__((aligned(PG)));
	int pfd[2], dst, ret;
	ssize_t n;
	char *m;

	m = shared_dest(o, &dst, MAP_SHARED);
	if (!m)
		return;
	memset(m, 'V', PG);
	SETUP(!msync(m, PG, MS_SYNC), "msync");
	SETUP(!pipe(pfd), "pipe");
	iov.iov_base = m;
	iov.iov_len = PG;
	n = vmsplice(pfd[1], &iov, 1, 0);
	if (n != PG) {
		out_set(o, D_REFUSED, errno, "vmsplice: %s",
			n < 0 ? strerror(errno) : "short");
		return;
	}
	ret = run_cleaner(sc->cleaner, dst, m, PG);
	if (ret) {
		out_set(o, D_ERROR, -ret, "%s: %s", cname[sc->cleaner],
			strerror(-ret));
		return;
	}
	memset(buf, 'N', PG);
	SETUP(pwrite(dst, buf, PG, 0) == PG, "overwrite");
	SETUP(!fsync(dst), "fsync");
	n = read(pfd[0], buf, PG);
	SETUP(n == PG, "read pipe");
	SETUP(store_read("dst", now, PG, 0) == PG, "read back");
	if (!all_bytes(now, PG, 'N'))
		out_set(o, D_CORRUPT, 0, "the file has '%s' after write()",
			show_bytes(now, PG));
	else if (all_bytes(buf, PG, 'N'))
		out_set(o, D_OK, 0, "pipe delivers the file's current page");
	else if (all_bytes(buf, PG, 'V'))
		out_set(o, D_STALE, 0,
			"pipe delivers 'V' from a page the file no longer has "
			"(file: 'N')");
	else
		out_set(o, D_CORRUPT, 0, "pipe delivers '%s'",
			show_bytes(buf, PG));
}

/* Controls: another process writes into the mapping through the kernel
 * (process_vm_writev, /proc/PID/mem). Both go through GUP with a write
 * fault, so page_mkwrite tells dtfs: write-notify, no violation. */
static void sc_remote(const struct scenario *sc, struct outcome *o)
{
	int to[2], from[2], dst, fd;
	char buf[PG], *b, *m = NULL;
	uintptr_t addr;
	pid_t t;
	ssize_t n;

	SETUP(!make_file("dst", PG, 'D'), "create dst");
	SETUP(!pipe(to) && !pipe(from), "pipe");
	t = fork();
	SETUP(t >= 0, "fork");
	if (t == 0) {
		/* the target: maps the page read-only in its PTE (a read
		 * fault), tells where, waits, then syncs */
		volatile char c;
		char x;

		dst = open_in("dst", O_RDWR);
		m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, dst, 0);
		if (m == MAP_FAILED)
			_exit(1);
		c = m[0];
		(void)c;
		addr = (uintptr_t)m;
		if (write(from[1], &addr, sizeof(addr)) != sizeof(addr) ||
		    read(to[0], &x, 1) != 1)
			_exit(1);
		_exit(msync(m, PG, MS_SYNC) ? 2 : 0);
	}
	SETUP(read(from[0], &addr, sizeof(addr)) == sizeof(addr), "target");
	memset(buf, 'P', PG);
	if (sc->arg == 0) {
		struct iovec l = {buf, PG}, r = {(void *)addr, PG};

		n = process_vm_writev(t, &l, 1, &r, 1, 0);
	} else {
		char p[64];

		snprintf(p, sizeof(p), "/proc/%d/mem", (int)t);
		fd = open(p, O_RDWR);
		n = fd < 0 ? -1 : pwrite(fd, buf, PG, (off_t)addr);
		if (fd >= 0)
			close(fd);
	}
	if (n != PG) {
		int e = errno;

		kill(t, SIGKILL);
		waitpid(t, NULL, 0);
		out_set(o, D_REFUSED, e, "%s: %s",
			sc->arg ? "/proc/PID/mem" : "process_vm_writev",
			n < 0 ? strerror(e) : "short");
		return;
	}
	SETUP(write(to[1], "x", 1) == 1, "wake target");
	waitpid(t, NULL, 0);
	SETUP(!posix_memalign((void **)&b, PG, PG), "memory");
	SETUP(store_read("dst", b, PG, 0) == PG, "read back");
	if (all_bytes(b, PG, 'P'))
		out_set(o, D_OK, 0, "the remote write is in the file");
	else if (all_bytes(b, PG, 'D'))
		out_set(o, D_LOST, 0,
			"the remote write never reached the file");
	else
		out_set(o, D_CORRUPT, 0, "the file has '%s'",
			show_bytes(b, PG));
	free(b);
}

/* MAP_PRIVATE: an O_DIRECT read into a private mapping of a dtfs file
 * (the pin breaks COW first: an anonymous page), then fork while the pin
 * is held. The pinned page must stay the parent's: fork copies it for the
 * child (PG_anon_exclusive); a wrong COW loses the DMA. arg 1: the parent
 * also writes to the page while the read is held. */
static void sc_cow_fork(const struct scenario *sc, struct outcome *o)
{
	struct pin_read r = {0};
	pthread_t th;
	int dst, held, st = 0, go[2];
	pid_t child;
	char *m, c, *b;

	r.src = gated_source(o);
	if (r.src < 0)
		return;
	m = shared_dest(o, &dst, MAP_PRIVATE);
	if (!m)
		return;
	m[0] = 'p'; /* an anonymous copy now */
	r.buf = m;
	SETUP(!pipe(go), "pipe");
	pthread_create(&th, NULL, pin_reader, &r);
	held = ioc_wait_gated(r.src, 10000);
	if (held <= 0) {
		pthread_join(th, NULL);
		out_set(o, r.got < 0 ? D_REFUSED : D_ERROR, r.err,
			"O_DIRECT read: %s",
			r.got < 0 ? strerror(r.err) : "never reached dtfs");
		return;
	}
	child = fork();
	if (child == 0) {
		/* the child's copy: what the parent had at fork */
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		m[1] = 'c';
		_exit(m[0] == 'p' ? 0 : 1);
	}
	if (sc->arg)
		m[PG / 2] = 'q'; /* the parent writes during the pin */
	ioctl(r.src, DTFS_IOC_RELEASE);
	pthread_join(th, NULL);
	if (write(go[1], "x", 1) != 1)
		kill(child, SIGKILL);
	waitpid(child, &st, 0);
	if (r.got < 0) {
		out_set(o, D_REFUSED, r.err, "O_DIRECT read: %s",
			strerror(r.err));
		return;
	}
	SETUP(!posix_memalign((void **)&b, PG, PG), "memory");
	SETUP(store_read("dst", b, PG, 0) == PG, "read back");
	if (!all_bytes(b, PG, 'D'))
		out_set(o, D_CORRUPT, 0,
			"a private mapping reached the file: '%s'",
			show_bytes(b, PG));
	else if (!all_bytes(m, PG, 'S'))
		out_set(o, D_LOST, 0,
			"the parent's page shows '%s': the DMA went to the "
			"child's copy",
			show_bytes(m, PG));
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		out_set(o, D_CORRUPT, 0,
			"the child's copy changed under it (exit %d)",
			WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	else
		out_set(o, D_OK, 0, "parent has the DMA data, child its copy");
	free(b);
}

/* Self-referential I/O (the gfs2 mmap + page fault class): the user buffer
 * of a read/write is an mmap of the same file (arg bit 1: of another dtfs
 * file), page cache cold. arg low bits: 0 buffered write, 1 buffered read,
 * 2 O_DIRECT write, 3 O_DIRECT read. */
static unsigned char pat(off_t x, int seed)
{
	return (unsigned char)((x >> 12) * 13 + (x >> 9) + seed);
}

static void sc_selfref(const struct scenario *sc, struct outcome *o)
{
	int kind = sc->arg & 3, other = sc->arg & 4, dio = kind >= 2;
	int rd = kind == 1 || kind == 3;
	const char *bname = other ? "g" : "f";
	char *f, *g, *want, *m;
	int fd, gd, io;
	ssize_t n;

	SETUP(!posix_memalign((void **)&f, PG, 2 * SELF_LEN) &&
		      !posix_memalign((void **)&g, PG, 2 * SELF_LEN) &&
		      !posix_memalign((void **)&want, PG, 2 * SELF_LEN),
	      "memory");
	for (off_t x = 0; x < 2 * SELF_LEN; x++) {
		f[x] = (char)pat(x, 1);
		g[x] = (char)pat(x, 101);
	}
	{
		char p[PATH_MAX + 160];

		path_of(p, sizeof(p), "f");
		fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0644);
		path_of(p, sizeof(p), "g");
		gd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0644);
	}
	SETUP(fd >= 0 && gd >= 0, "create");
	SETUP(pwrite(fd, f, 2 * SELF_LEN, 0) == 2 * SELF_LEN &&
		      pwrite(gd, g, 2 * SELF_LEN, 0) == 2 * SELF_LEN,
	      "fill");
	SETUP(!fsync(fd) && !fsync(gd), "fsync");
	/* cold: nothing of either file in the page cache */
	SETUP(!ioc_evict(fd) && !ioc_evict(gd), "evict");
	/* the buffer: the first half of the buffer file; the I/O: the
	 * second half of f */
	m = mmap(NULL, SELF_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		 other ? gd : fd, 0);
	SETUP(m != MAP_FAILED, "mmap");
	memcpy(want, f, 2 * SELF_LEN);
	if (rd) /* buffer file's first half gets f's second half */
		memcpy(other ? g : want, f + SELF_LEN, SELF_LEN);
	else /* f's second half gets the buffer's first half */
		memcpy(want + SELF_LEN, other ? g : f, SELF_LEN);
	io = fd;
	if (dio) {
		io = open_in("f", O_RDWR | O_DIRECT);
		SETUP(io >= 0, "open O_DIRECT");
	}
	n = rd ? pread(io, m, SELF_LEN, SELF_LEN)
	       : pwrite(io, m, SELF_LEN, SELF_LEN);
	if (n != SELF_LEN) {
		out_set(o, n < 0 ? D_REFUSED : D_CORRUPT, errno, "%s: %s",
			rd ? "read" : "write",
			n < 0 ? strerror(errno) : "short");
		return;
	}
	SETUP(!msync(m, SELF_LEN, MS_SYNC) && !fsync(fd) && !fsync(gd), "sync");
	/* f must be want; the buffer file g (when used) must be g */
	SETUP(store_read("f", f, 2 * SELF_LEN, 0) == 2 * SELF_LEN, "read f");
	if (memcmp(f, want, 2 * SELF_LEN)) {
		out_set(o, D_CORRUPT, 0, "f differs from the expected data");
		return;
	}
	if (other) {
		SETUP(store_read(bname, want, 2 * SELF_LEN, 0) == 2 * SELF_LEN,
		      "read g");
		if (memcmp(g, want, 2 * SELF_LEN)) {
			out_set(o, D_CORRUPT, 0,
				"g differs from the expected data");
			return;
		}
	}
	out_set(o, D_OK, 0,
		"%s%s of %d KiB through a cold mmap of %s: data "
		"correct",
		dio ? "O_DIRECT " : "buffered ", rd ? "read" : "write",
		SELF_LEN >> 10, other ? "another file" : "the same file");
}

/* A check of the watchdog: a read that dtfs holds and nobody releases,
 * as a real deadlock would hold it. */
static void sc_held_forever(const struct scenario *sc, struct outcome *o)
{
	char *b;
	int src;

	(void)sc;
	src = gated_source(o);
	if (src < 0)
		return;
	SETUP(!posix_memalign((void **)&b, PG, PG), "memory");
	if (pread(src, b, PG, 0) < 0)
		out_set(o, D_REFUSED, errno, "read: %s", strerror(errno));
	else
		out_set(o, D_ERROR, 0, "a held read came back");
}

#define GATED(m, fn, c, notify, w)               \
	{                                        \
		m, NULL, c, 0, fn, notify, w, "" \
	}

static struct scenario scen[] = {
	/* O_DIRECT from a gated dtfs file: deterministic */
	GATED("odirect-gated", sc_odirect_gated, C_MSYNC, 1,
	      "O_DIRECT read from a gated dtfs file into a MAP_SHARED page; "
	      "msync(MS_SYNC) while the pin is held"),
	GATED("odirect-gated", sc_odirect_gated, C_FSYNC, 1,
	      "as above, fsync while the pin is held"),
	GATED("odirect-gated", sc_odirect_gated, C_PAGEOUT, 1,
	      "as above, madvise(MADV_PAGEOUT) while the pin is held"),
	GATED("odirect-gated", sc_odirect_gated, C_EVICT, 1,
	      "as above, dtfs evicts the page (FUSE inval) while pinned"),
	GATED("odirect-gated", sc_odirect_gated, C_TRUNCATE, 1,
	      "as above, ftruncate to 0 and back while pinned"),
	GATED("odirect-gated", sc_odirect_gated, C_PUNCH, 1,
	      "as above, fallocate PUNCH_HOLE over the page while pinned"),
	/* io_uring plain buffers */
	GATED("uring-gated", sc_uring_gated, C_MSYNC, 1,
	      "io_uring read (plain buffer) from a gated O_DIRECT dtfs file; "
	      "msync while pinned"),
	GATED("uring-gated", sc_uring_gated, C_FSYNC, 1,
	      "as above, fsync while pinned"),
	GATED("uring-gated", sc_uring_gated, C_PAGEOUT, 1,
	      "as above, MADV_PAGEOUT while pinned"),
	GATED("uring-gated", sc_uring_gated, C_EVICT, 1,
	      "as above, dtfs eviction while pinned"),
	GATED("uring-gated", sc_uring_gated, C_TRUNCATE, 1,
	      "as above, truncate down and up while pinned"),
	GATED("uring-gated", sc_uring_gated, C_PUNCH, 1,
	      "as above, punch a hole while pinned"),
	/* io_uring fixed buffers: long-term pin */
	{"uring-fixed", "register", C_MSYNC, 0, sc_uring_fixed, 1,
	 "io_uring_register_buffers on the MAP_SHARED page (FOLL_LONGTERM), "
	 "then READ_FIXED raced with msync",
	 ""},
	/* O_DIRECT from another local filesystem: racy, bounded */
	GATED("odirect-ext", sc_odirect_ext, C_MSYNC, 1,
	      "O_DIRECT reads from a file on the temp dir's filesystem into "
	      "the mapping in a loop, msync in a loop (bounded time)"),
	GATED("odirect-ext", sc_odirect_ext, C_FSYNC, 1,
	      "as above with fsync in a loop"),
	GATED("odirect-ext", sc_odirect_ext, C_PAGEOUT, 1,
	      "as above with MADV_PAGEOUT in a loop"),
	GATED("odirect-ext", sc_odirect_ext, C_EVICT, 1,
	      "as above with dtfs eviction in a loop"),
	/* vmsplice */
	GATED("vmsplice", sc_vmsplice, C_MSYNC, 0,
	      "vmsplice the mapped page into a pipe, msync, overwrite the "
	      "file with write(), read the pipe"),
	GATED("vmsplice", sc_vmsplice, C_PAGEOUT, 0,
	      "as above with MADV_PAGEOUT before the overwrite"),
	GATED("vmsplice", sc_vmsplice, C_EVICT, 0,
	      "as above with dtfs eviction before the overwrite"),
	GATED("vmsplice", sc_vmsplice, C_TRUNCATE, 0,
	      "as above with truncate down and up before the overwrite"),
	GATED("vmsplice", sc_vmsplice, C_PUNCH, 0,
	      "as above with a punched hole before the overwrite"),
	/* controls */
	{"process_vm_writev", "msync", C_MSYNC, 0, sc_remote, 1,
	 "process_vm_writev into another process's MAP_SHARED page, then "
	 "msync (control: GUP write-faults, write-notify)",
	 ""},
	{"proc-pid-mem", "msync", C_MSYNC, 1, sc_remote, 1,
	 "pwrite to /proc/PID/mem at the mapped page, then msync (control)",
	 ""},
	/* COW */
	{"cow-private", "fork", C_NONE, 0, sc_cow_fork, 0,
	 "O_DIRECT read into a MAP_PRIVATE dtfs page, fork while pinned", ""},
	{"cow-private", "fork+write", C_NONE, 1, sc_cow_fork, 0,
	 "as above, and the parent writes to the page while pinned", ""},
	/* self-referential I/O */
	{"selfref-same", "write", C_NONE, 0, sc_selfref, 0,
	 "buffered write() from a cold mmap of the same dtfs file", ""},
	{"selfref-same", "read", C_NONE, 1, sc_selfref, 0,
	 "buffered read() into a cold mmap of the same dtfs file", ""},
	{"selfref-same", "dio-write", C_NONE, 2, sc_selfref, 0,
	 "O_DIRECT write from a cold mmap of the same dtfs file", ""},
	{"selfref-same", "dio-read", C_NONE, 3, sc_selfref, 0,
	 "O_DIRECT read into a cold mmap of the same dtfs file "
	 "(xfstests generic/647 class)",
	 ""},
	{"selfref-other", "write", C_NONE, 4, sc_selfref, 0,
	 "buffered write() from a cold mmap of another dtfs file", ""},
	{"selfref-other", "read", C_NONE, 5, sc_selfref, 0,
	 "buffered read() into a cold mmap of another dtfs file", ""},
	{"selfref-other", "dio-write", C_NONE, 6, sc_selfref, 0,
	 "O_DIRECT write from a cold mmap of another dtfs file", ""},
	{"selfref-other", "dio-read", C_NONE, 7, sc_selfref, 0,
	 "O_DIRECT read into a cold mmap of another dtfs file", ""},
	/* the watchdog itself: a READ dtfs holds and nobody releases */
	{"watchdog", "held-forever", C_NONE, 0, sc_held_forever, 0,
	 "an O_DIRECT read dtfs holds forever: the watchdog must abort the "
	 "FUSE connection and report DEADLOCK (run only when named)",
	 ""},
};

#define NSCEN (sizeof(scen) / sizeof(scen[0]))

/*
 * What this project's machines (kernel 6.18) do; used when no --expect is
 * given. "A|B" accepts either (only for the racy scenarios).
 */
static const char builtin_expect[] =
	"# dtfs-pin expectations for Linux 6.18 (x86_64, FUSE, dtfs tracer "
	"on)\n"
	"odirect-gated/msync DIRTY_WITHOUT_NOTIFY\n"
	"odirect-gated/fsync DIRTY_WITHOUT_NOTIFY\n"
	"odirect-gated/pageout SAFE\n"
	"odirect-gated/evict LOST_WRITE\n"
	"odirect-gated/truncate LOST_WRITE\n"
	"odirect-gated/punch LOST_WRITE\n"
	"uring-gated/msync DIRTY_WITHOUT_NOTIFY\n"
	"uring-gated/fsync DIRTY_WITHOUT_NOTIFY\n"
	"uring-gated/pageout SAFE\n"
	"uring-gated/evict LOST_WRITE\n"
	"uring-gated/truncate LOST_WRITE\n"
	"uring-gated/punch LOST_WRITE\n"
	"uring-fixed/register REFUSED\n"
	"odirect-ext/msync DIRTY_WITHOUT_NOTIFY\n"
	"odirect-ext/fsync DIRTY_WITHOUT_NOTIFY\n"
	"odirect-ext/pageout SAFE\n"
	"odirect-ext/evict LOST_WRITE\n"
	"vmsplice/msync SAFE\n"
	"vmsplice/pageout SAFE\n"
	"vmsplice/evict STALE\n"
	"vmsplice/truncate STALE\n"
	"vmsplice/punch STALE\n"
	"process_vm_writev/msync SAFE\n"
	"proc-pid-mem/msync SAFE\n"
	"cow-private/fork SAFE\n"
	"cow-private/fork+write SAFE\n"
	"selfref-same/write SAFE\n"
	"selfref-same/read SAFE\n"
	"selfref-same/dio-write SAFE\n"
	"selfref-same/dio-read SAFE\n"
	"selfref-other/write SAFE\n"
	"selfref-other/read SAFE\n"
	"selfref-other/dio-write SAFE\n"
	"selfref-other/dio-read SAFE\n"
	"watchdog/held-forever DEADLOCK\n";

/* expectations: bitmask of accepted verdicts per scenario; 0 = none */
static unsigned int expect[NSCEN];
static const char *expect_src = "built-in (Linux 6.18)";

static int scen_index(const char *name)
{
	for (size_t i = 0; i < NSCEN; i++)
		if (!strcmp(scen[i].name, name))
			return (int)i;
	return -1;
}

/* Parse expectations; one error line and exit 2 on a bad one. */
static void parse_expect(const char *text, const char *src)
{
	const char *p = text;
	int lineno = 0;

	memset(expect, 0, sizeof(expect));
	while (*p) {
		char line[256], name[128], vs[128], *tok, *save;
		size_t n = strcspn(p, "\n");
		int idx;

		lineno++;
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
		line[strcspn(line, "#")] = 0;
		if (sscanf(line, "%127s %127s", name, vs) != 2) {
			if (sscanf(line, "%127s", name) == 1)
				die("%s:%d: expected 'SCENARIO VERDICT'", src,
				    lineno);
			continue;
		}
		idx = scen_index(name);
		if (idx < 0)
			die("%s:%d: no scenario named %s (see --list)", src,
			    lineno, name);
		for (tok = strtok_r(vs, "|", &save); tok;
		     tok = strtok_r(NULL, "|", &save)) {
			int v = verdict_by_name(tok);

			if (v < 0)
				die("%s:%d: unknown verdict %s", src, lineno,
				    tok);
			expect[idx] |= 1u << v;
		}
	}
}

static void load_expect_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	if (!f)
		die("--expect %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	if (!text || fread(text, 1, (size_t)n, f) != (size_t)n)
		die("--expect %s: cannot read", path);
	fclose(f);
	parse_expect(text, path);
	free(text);
	expect_src = path;
}

/* ---- mount management ---- */

static int run_cmd(char *const argv[], int quiet)
{
	pid_t p = fork();
	int st;

	if (p < 0)
		return -1;
	if (p == 0) {
		if (quiet) {
			int nul = open("/dev/null", O_WRONLY);

			if (nul >= 0) {
				dup2(nul, 1);
				dup2(nul, 2);
			}
		}
		execvp(argv[0], argv);
		fprintf(stderr, "dtfs-pin: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void find_dtfs(const char *argv0)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	(void)argv0;
	if (n > 0) {
		self[n] = 0;
		*strrchr(self, '/') = 0;
		snprintf(ctx.dtfs, sizeof(ctx.dtfs), "%.4000s/dtfs", self);
		if (!access(ctx.dtfs, X_OK))
			return;
		/* installed: dtfs in sbin, dtfs-pin in bin */
		snprintf(ctx.dtfs, sizeof(ctx.dtfs), "%.4000s/../sbin/dtfs",
			 self);
		if (!access(ctx.dtfs, X_OK))
			return;
	}
	snprintf(ctx.dtfs, sizeof(ctx.dtfs), "dtfs");
}

static pid_t daemon_pid(void)
{
	char p[PATH_MAX + 32], buf[32] = "";
	int fd;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/dtfs.lock", ctx.store);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? (pid_t)atoi(buf) : 0;
}

static void mount_fresh(void)
{
	char opts[] = "tracer=on,dirty_log_max=4096";
	char *argv[] = {ctx.dtfs, ctx.store, ctx.mnt, "-o", opts, NULL};
	int ret;

	snprintf(ctx.store, sizeof(ctx.store), "%s/store%d", ctx.tmp,
		 ctx.mounts);
	snprintf(ctx.mnt, sizeof(ctx.mnt), "%s/mnt%d", ctx.tmp, ctx.mounts);
	snprintf(ctx.log, sizeof(ctx.log), "%s/dirty.log", ctx.store);
	if (mkdir(ctx.mnt, 0755))
		die("mkdir %s: %s", ctx.mnt, strerror(errno));
	ret = run_cmd(argv, 0);
	if (ret)
		die("cannot mount dtfs (%s %s %s -o %s: exit %d)", ctx.dtfs,
		    ctx.store, ctx.mnt, opts, ret);
	ctx.mounts++;
	ctx.own_mount = 1;
	ctx.log_off = 0;
}

static void unmount_own(void)
{
	char *argv[] = {"fusermount3", "-u", ctx.mnt, NULL};
	pid_t pid = daemon_pid();

	if (!ctx.own_mount)
		return;
	if (run_cmd(argv, 1))
		umount2(ctx.mnt, MNT_DETACH);
	for (int i = 0; pid > 0 && i < 100 && !kill(pid, 0); i++)
		usleep(50000);
	if (pid > 0 && !kill(pid, 0))
		kill(pid, SIGKILL);
	ctx.own_mount = 0;
}

/* Abort the FUSE connection of the mount: every request then fails, so
 * a task stuck in dtfs comes back. */
static int abort_connection(void)
{
	struct stat st;
	char p[96];
	int fd, ret = -1;

	if (stat(ctx.mnt, &st))
		return -1;
	snprintf(p, sizeof(p), "/sys/fs/fuse/connections/%u/abort",
		 minor(st.st_dev));
	fd = open(p, O_WRONLY);
	if (fd >= 0) {
		ret = write(fd, "1", 1) == 1 ? 0 : -1;
		close(fd);
	}
	if (ret && ctx.own_mount) {
		/* no fusectl: the daemon's death closes /dev/fuse, which
		 * aborts the connection the same way */
		pid_t pid = daemon_pid();

		if (pid > 0 && !kill(pid, SIGKILL))
			ret = 0;
	}
	return ret;
}

/* The FUSE control filesystem (for the watchdog's abort) is not always
 * mounted on a fresh machine: mount it, as `mount -t fusectl` would. */
static void ensure_fusectl(void)
{
	struct statfs sf;

	if (!statfs("/sys/fs/fuse/connections", &sf) &&
	    sf.f_type == FUSECTL_SUPER_MAGIC)
		return;
	if (mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, NULL))
		fprintf(stderr,
			"dtfs-pin: cannot mount fusectl (%s): a deadlock "
			"will be broken by killing the daemon\n",
			strerror(errno));
}

/* Reap the scenario's child; if it stays stuck in the kernel after the
 * abort, kill our daemon too. */
static void reap_child(pid_t child, int *status)
{
	for (int i = 0; i < 200; i++) {
		pid_t r = waitpid(child, status, WNOHANG);

		if (r == child || (r < 0 && errno != EINTR))
			return;
		usleep(50000);
		if (i == 100 && ctx.own_mount) {
			pid_t pid = daemon_pid();

			if (pid > 0)
				kill(pid, SIGKILL);
		}
	}
	while (waitpid(child, status, 0) < 0 && errno == EINTR)
		;
}

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
	(void)s;
	(void)f;
	(void)w;
	remove(p);
	return 0;
}

static void cleanup(void)
{
	if (ctx.child > 0) {
		kill(ctx.child, SIGKILL);
		if (waitpid(ctx.child, NULL, WNOHANG) == 0) {
			abort_connection();
			waitpid(ctx.child, NULL, 0);
		}
		ctx.child = 0;
	}
	if (ctx.own_mount)
		unmount_own();
	else if (ctx.work[0] && !ctx.dead)
		nftw(ctx.work, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	if (ctx.tmp[0]) {
		/* leftover (lazily unmounted) mountpoints are empty dirs */
		nftw(ctx.tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		ctx.tmp[0] = 0;
	}
}

static void on_signal(int sig)
{
	interrupted = sig;
}

/* Open every gate on the files of @dir (an interrupted scenario). */
static void release_gates(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NONBLOCK);

		if (fd >= 0) {
			ioctl(fd, DTFS_IOC_RELEASE);
			close(fd);
		}
	}
	if (d)
		closedir(d);
}

/* ---- evidence ---- */

struct evidence {
	uint64_t viol_nn, viol_nb, refused, notify, bypass;
	uint64_t cls[8];
	uint64_t root_seq, symptom_seq, symptom_root;
	int root_cls, log_read;
	int lost; /* tracer records lost */
};

static int get_status(const char *path, struct dtfs_status *st)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	int ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, DTFS_IOC_STATUS, st) ? -errno : 0;
	close(fd);
	return ret;
}

static void mark(const char *fmt, ...)
{
	struct dtfs_mark m = {0};
	va_list ap;
	int fd = open(ctx.work, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	ioctl(fd, DTFS_IOC_MARK, &m);
	close(fd);
}

/* Read the dirty log from the last scenario's end up to the mark @end:
 * the violations' sequence numbers and classes. Waits up to 3 s for the
 * log writer. */
static void read_log(const char *end, struct evidence *e)
{
	struct dt_log_reader *rd = NULL;
	static struct dt_rec r;
	static char text[DT_REC_MAX];
	char err[256];
	double t0 = now_s();

	if (!ctx.log[0])
		return;
	while (now_s() - t0 < 3.0) {
		int st;

		if (dt_log_reader_open(ctx.log, &rd, err, sizeof(err))) {
			usleep(20000);
			continue;
		}
		if (ctx.log_off)
			dt_log_reader_seek(rd, ctx.log_off);
		while ((st = dt_log_read(rd, &r, text)) == DT_READ_OK) {
			if (r.event == DTFS_EV_VIOL_NO_NOTIFY && !e->root_seq) {
				e->root_seq = r.seq;
				e->root_cls = r.cls;
			}
			if (r.event == DTFS_EV_VIOL_NO_BUFFERS &&
			    !e->symptom_seq) {
				e->symptom_seq = r.seq;
				e->symptom_root = r.aux;
			}
			if (r.event == DTFS_EV_LOST)
				e->lost = 1;
			if (r.event == DTFS_EV_MARK && !strcmp(text, end)) {
				ctx.log_off = dt_log_reader_offset(rd);
				e->log_read = 1;
				dt_log_reader_close(rd);
				return;
			}
		}
		/* not there yet: keep what was read, wait for the writer */
		ctx.log_off = dt_log_reader_offset(rd);
		dt_log_reader_close(rd);
		usleep(20000);
	}
}

/* ---- running a scenario ---- */

struct result {
	int verdict, err, expected_ok;
	char detail[320];
	struct evidence ev;
	double secs;
};

static int verdict_of(const struct scenario *sc, const struct outcome *o,
		      const struct evidence *e)
{
	switch (o->data) {
	case D_REFUSED:
		return V_REFUSED;
	case D_LOST:
		return V_LOST_WRITE;
	case D_STALE:
		return V_STALE;
	case D_CORRUPT:
		return V_CORRUPT;
	case D_SKIP:
		return V_SKIP;
	case D_ERROR:
		return V_ERROR;
	}
	if (e->viol_nn || e->viol_nb)
		return V_DIRTY_WITHOUT_NOTIFY;
	(void)sc;
	return V_SAFE;
}

static void run_one(const struct scenario *sc, int rep, struct result *res)
{
	struct dtfs_status *st0 = calloc(1, sizeof(*st0)),
			   *st1 = calloc(1, sizeof(*st1));
	struct outcome o = {.data = D_ERROR};
	char tag[160];
	double t0 = now_s();
	int pfd[2], status = 0, timed_out = 0;
	ssize_t n = 0;

	memset(res, 0, sizeof(*res));
	if (!st0 || !st1)
		die("out of memory");
	if (ctx.dead) {
		res->verdict = V_SKIP;
		snprintf(res->detail, sizeof(res->detail),
			 "the mount was aborted by an earlier deadlock");
		goto out;
	}
	snprintf(sdir, sizeof(sdir), "%s/%s.%d", ctx.work, sc->name, rep);
	for (char *p = sdir + strlen(ctx.work) + 1; *p; p++)
		if (*p == '/')
			*p = '_';
	if (mkdir(sdir, 0755) && errno != EEXIST)
		die("mkdir %s: %s", sdir, strerror(errno));
	snprintf(tag, sizeof(tag), "dtfs-pin %d: %s run %d", (int)getpid(),
		 sc->name, rep);
	mark("%s begin", tag);
	if (get_status(ctx.work, st0))
		die("%s: the STATUS ioctl failed: %s", ctx.work,
		    strerror(errno));
	if (pipe(pfd))
		die("pipe: %s", strerror(errno));
	fflush(NULL);
	ctx.child = fork();
	if (ctx.child < 0)
		die("fork: %s", strerror(errno));
	if (ctx.child == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(pfd[0]);
		sc->fn(sc, &o);
		if (write(pfd[1], &o, sizeof(o)) != sizeof(o))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		double left = ctx.timeout - (now_s() - t0);
		int r;

		if (interrupted)
			break;
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r > 0) {
			n = read(pfd[0], &o, sizeof(o));
			break;
		}
	}
	if (timed_out) {
		/* the watchdog: whatever the child waits for in dtfs will
		 * now fail, so it can be reaped */
		abort_connection();
		kill(ctx.child, SIGKILL);
	} else if (interrupted) {
		/* let held requests go, so the child can die without
		 * breaking the mount (reap_child escalates if it cannot) */
		release_gates(sdir);
		kill(ctx.child, SIGKILL);
	}
	reap_child(ctx.child, &status);
	ctx.child = 0;
	close(pfd[0]);
	res->secs = now_s() - t0;
	if (interrupted)
		return;
	if (timed_out) {
		res->verdict = V_DEADLOCK;
		snprintf(res->detail, sizeof(res->detail),
			 "no progress in %d s: FUSE connection aborted",
			 ctx.timeout);
		if (ctx.own_mount) {
			umount2(ctx.mnt, MNT_DETACH);
			unmount_own();
			mount_fresh();
			snprintf(ctx.work, sizeof(ctx.work), "%s", ctx.mnt);
		} else {
			ctx.dead = 1;
		}
		goto out;
	}
	if (n != sizeof(o)) {
		res->verdict = V_ERROR;
		snprintf(res->detail, sizeof(res->detail),
			 "scenario process died (status 0x%x)", status);
		goto out;
	}
	if (!get_status(ctx.work, st1)) {
		struct evidence *e = &res->ev;

		e->viol_nn = st1->viol_no_notify - st0->viol_no_notify;
		e->viol_nb = st1->viol_no_buffers - st0->viol_no_buffers;
		e->refused = st1->refused - st0->refused;
		for (int i = 0; i < 8; i++) {
			e->cls[i] =
				st1->dirty_by_class[i] - st0->dirty_by_class[i];
			if (i >= 3)
				e->bypass += e->cls[i];
		}
		e->notify = e->cls[1];
		ctx.tracer_on = (int)st1->tracer_on;
	}
	mark("%s end", tag);
	{
		char endtag[200];

		snprintf(endtag, sizeof(endtag), "%s end", tag);
		read_log(endtag, &res->ev);
	}
	res->verdict = verdict_of(sc, &o, &res->ev);
	res->err = o.err;
	{
		const struct evidence *e = &res->ev;
		char ev[160] = "";

		if (res->verdict == V_DIRTY_WITHOUT_NOTIFY || e->viol_nn ||
		    e->viol_nb) {
			snprintf(ev, sizeof(ev),
				 "; violations %llu+%llu (root-cause seq %llu "
				 "class %s, symptom seq %llu naming #%llu)",
				 (unsigned long long)e->viol_nn,
				 (unsigned long long)e->viol_nb,
				 (unsigned long long)e->root_seq,
				 dtfs_class_name((unsigned int)e->root_cls),
				 (unsigned long long)e->symptom_seq,
				 (unsigned long long)e->symptom_root);
		} else if (sc->needs_notify) {
			snprintf(ev, sizeof(ev), "; write-notify %llu",
				 (unsigned long long)e->notify);
		}
		snprintf(res->detail, sizeof(res->detail), "%s%s%s%s",
			 res->verdict == V_REFUSED ? strerrorname_np(o.err)
						   : "",
			 res->verdict == V_REFUSED ? ": " : "", o.detail, ev);
	}
	/* a shared-mapping SAFE needs the mount to have seen write-notify */
	if (res->verdict == V_SAFE && sc->needs_notify && !res->ev.notify &&
	    ctx.tracer_on) {
		res->verdict = V_CORRUPT;
		strncat(res->detail, " (but no write-notify was observed)",
			sizeof(res->detail) - strlen(res->detail) - 1);
	}
	if (!ctx.tracer_on && res->verdict == V_SAFE && sc->needs_notify) {
		res->verdict = V_SKIP;
		snprintf(res->detail, sizeof(res->detail),
			 "the dtfs tracer is off: write-notify cannot be seen");
	}
out:
	if (expect[sc - scen])
		res->expected_ok = !!(expect[sc - scen] & (1u << res->verdict));
	else
		res->expected_ok = res->verdict != V_CORRUPT &&
				   res->verdict != V_DEADLOCK &&
				   res->verdict != V_ERROR;
	free(st0);
	free(st1);
}

/* ---- output ---- */

static void expected_str(unsigned int mask, char *buf, size_t n)
{
	buf[0] = 0;
	for (int v = 0; v < V_MAX; v++)
		if (mask & (1u << v))
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s",
				 buf[0] ? "|" : "", vname[v]);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dtfs-pin [options]\n"
		"Pin pages of MAP_SHARED dtfs mappings, race writeback, "
		"reclaim, eviction\nand truncation with the pin, and report "
		"what the kernel did (TAP + matrix).\n\n"
		"  --list            list the scenarios and exit\n"
		"  --run NAME...     run only these scenarios (shell patterns, "
		"e.g. 'odirect-gated/*')\n"
		"  --repeat N        run each scenario N times (default 1)\n"
		"  --mount DIR       use this dtfs mount instead of mounting a "
		"fresh one\n"
		"  --log FILE        its dirty log (default: STORE/dirty.log "
		"from the mount's source)\n"
		"  --expect FILE     expected verdicts ('SCENARIO "
		"VERDICT[|VERDICT]' "
		"lines)\n"
		"  --print-expect    print the built-in expectations and exit\n"
		"  --json            print JSON instead of TAP and the matrix\n"
		"  --timeout SEC     watchdog per scenario (default 20)\n"
		"  --race-time SEC   bound of the racy scenarios (default 2)\n"
		"  -h, --help        this help\n\n"
		"Exit status: 0 every scenario matched its expectation, 1 some "
		"did not,\n2 usage or setup error, 130 interrupted.\n");
}

static int selected(const struct scenario *sc, char **pats, int npats)
{
	const char *name = sc->name;
	/* a check of the tool itself runs only when named */
	int hidden = sc->fn == sc_held_forever;

	if (!npats)
		return !hidden;
	if (hidden) {
		for (int i = 0; i < npats; i++)
			if (!strcmp(pats[i], name))
				return 1;
		return 0;
	}
	for (int i = 0; i < npats; i++)
		if (!fnmatch(pats[i], name, 0) || !strcmp(pats[i], name))
			return 1;
	return 0;
}

/* Use a mount given with --mount: it must be dtfs and answer STATUS. */
static void use_mount(const char *dir, const char *log)
{
	struct dtfs_status *st = calloc(1, sizeof(*st));
	struct statfs sf;
	char line[8192];
	FILE *mi;
	int ret;

	if (!realpath(dir, ctx.mnt))
		die("--mount %s: %s", dir, strerror(errno));
	if (statfs(ctx.mnt, &sf) || sf.f_type != FUSE_SUPER_MAGIC)
		die("--mount %s: not a FUSE mount", dir);
	ret = st ? get_status(ctx.mnt, st) : -ENOMEM;
	if (ret)
		die("--mount %s: not a dtfs mount (STATUS ioctl: %s)", dir,
		    strerror(-ret));
	if (st->abi_version != DTFS_ABI_VERSION)
		die("--mount %s: dtfs ioctl ABI %u, this tool speaks %u", dir,
		    st->abi_version, DTFS_ABI_VERSION);
	free(st);
	ctx.log[0] = 0;
	if (log) {
		snprintf(ctx.log, sizeof(ctx.log), "%s", log);
		return;
	}
	/* the store is the mount's source: its dirty.log, if it has one */
	mi = fopen("/proc/self/mountinfo", "r");
	while (mi && fgets(line, sizeof(line), mi)) {
		char mp[4096], src[4096], *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    strcmp(mp, ctx.mnt) ||
		    sscanf(dash, " - %*s %4095s", src) != 1)
			continue;
		snprintf(ctx.log, sizeof(ctx.log), "%.4000s/dirty.log", src);
		if (access(ctx.log, R_OK))
			ctx.log[0] = 0;
	}
	if (mi)
		fclose(mi);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"list", no_argument, NULL, 'l'},
		{"run", no_argument, NULL, 'r'},
		{"repeat", required_argument, NULL, 'n'},
		{"mount", required_argument, NULL, 'm'},
		{"log", required_argument, NULL, 'L'},
		{"expect", required_argument, NULL, 'e'},
		{"print-expect", no_argument, NULL, 'P'},
		{"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"race-time", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *mountdir = NULL, *logpath = NULL, *expfile = NULL;
	int c, repeat = 1, json = 0, list = 0, run = 0, npats = 0;
	char **pats = NULL, *end;
	struct result *res;
	struct sigaction sa = {.sa_handler = on_signal};
	struct utsname un;
	int nrun = 0, nfail = 0, nskip = 0, total = 0, k = 0;

	for (size_t i = 0; i < NSCEN; i++)
		snprintf(scen[i].name, sizeof(scen[i].name), "%s/%s",
			 scen[i].method,
			 scen[i].column ? scen[i].column
					: cname[scen[i].cleaner]);
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'l':
			list = 1;
			break;
		case 'r':
			run = 1;
			break;
		case 'n':
			repeat = (int)strtol(optarg, &end, 10);
			if (*end || repeat < 1 || repeat > 10000)
				die("--repeat: a number from 1 to 10000, not "
				    "'%s'",
				    optarg);
			break;
		case 'm':
			mountdir = optarg;
			break;
		case 'L':
			logpath = optarg;
			break;
		case 'e':
			expfile = optarg;
			break;
		case 'P':
			fputs(builtin_expect, stdout);
			return 0;
		case 'j':
			json = 1;
			break;
		case 't':
			ctx.timeout = (int)strtol(optarg, &end, 10);
			if (*end || ctx.timeout < 1 || ctx.timeout > 3600)
				die("--timeout: seconds from 1 to 3600, not "
				    "'%s'",
				    optarg);
			break;
		case 'R':
			ctx.race_secs = strtod(optarg, &end);
			if (*end || ctx.race_secs <= 0 || ctx.race_secs > 600)
				die("--race-time: seconds (0 < s <= 600), not "
				    "'%s'",
				    optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "dtfs-pin: try --help\n");
			return 2;
		}
	}
	if (optind < argc && !run && !list)
		die("unexpected argument '%s' (scenarios go after --run)",
		    argv[optind]);
	pats = argv + optind;
	npats = argc - optind;
	if (run && !npats)
		die("--run needs at least one scenario name (see --list)");
	for (int i = 0; i < npats; i++) {
		int hit = 0;

		for (size_t s = 0; s < NSCEN; s++)
			hit |= (selected(&scen[s], pats + i, 1) ||
				!strcmp(scen[s].name, pats[i]));
		if (!hit)
			die("no scenario matches '%s' (see --list)", pats[i]);
	}
	if (list) {
		for (size_t i = 0; i < NSCEN; i++)
			if (selected(&scen[i], pats, npats))
				printf("%-26s %s\n", scen[i].name,
				       scen[i].what);
		return 0;
	}
	if (expfile)
		load_expect_file(expfile);
	else
		parse_expect(builtin_expect, "built-in expectations");
	if (geteuid() != 0)
		die("needs root (BPF tracer, gates, /sys/fs/fuse)");
	if (access("/dev/fuse", R_OK | W_OK))
		die("/dev/fuse: %s", strerror(errno));

	ensure_fusectl();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	atexit(cleanup);
	{
		const char *t = getenv("TMPDIR");

		snprintf(ctx.tmp, sizeof(ctx.tmp), "%s/dtfs-pin.XXXXXX",
			 t && *t ? t : "/tmp");
		if (!mkdtemp(ctx.tmp))
			die("mkdtemp %s: %s", ctx.tmp, strerror(errno));
	}
	if (mountdir) {
		use_mount(mountdir, logpath);
		snprintf(ctx.work, sizeof(ctx.work), "%s/.dtfs-pin.%d", ctx.mnt,
			 (int)getpid());
		if (mkdir(ctx.work, 0755))
			die("mkdir %s: %s", ctx.work, strerror(errno));
	} else {
		find_dtfs(argv[0]);
		mount_fresh();
		if (logpath)
			snprintf(ctx.log, sizeof(ctx.log), "%s", logpath);
		snprintf(ctx.work, sizeof(ctx.work), "%s", ctx.mnt);
	}

	for (size_t i = 0; i < NSCEN; i++)
		if (selected(&scen[i], pats, npats))
			total += repeat;
	res = calloc((size_t)total, sizeof(*res));
	if (!res)
		die("out of memory");
	uname(&un);
	if (!json) {
		printf("TAP version 13\n1..%d\n", total);
		printf("# dtfs-pin on Linux %s %s; mount %s%s; expectations: "
		       "%s\n",
		       un.release, un.machine, ctx.mnt,
		       ctx.own_mount ? " (fresh)" : "", expect_src);
		printf("# dirty log: %s\n", ctx.log[0] ? ctx.log : "(unknown)");
		fflush(stdout);
	}
	for (size_t i = 0; i < NSCEN && !interrupted; i++) {
		if (!selected(&scen[i], pats, npats))
			continue;
		for (int r = 1; r <= repeat && !interrupted; r++) {
			struct result *x = &res[k];
			char rep[32] = "";

			run_one(&scen[i], r, x);
			if (interrupted)
				break;
			k++;
			nrun++;
			if (x->verdict == V_SKIP)
				nskip++;
			else if (!x->expected_ok)
				nfail++;
			if (json)
				continue;
			if (repeat > 1)
				snprintf(rep, sizeof(rep), " [%d/%d]", r,
					 repeat);
			if (x->verdict == V_SKIP)
				printf("ok %d %s%s # SKIP %s\n", k,
				       scen[i].name, rep, x->detail);
			else
				printf("%sok %d %s%s # %s %s\n",
				       x->expected_ok ? "" : "not ", k,
				       scen[i].name, rep, vname[x->verdict],
				       x->detail);
			if (!x->expected_ok && x->verdict != V_SKIP) {
				char ex[128];

				expected_str(expect[i], ex, sizeof(ex));
				printf("#   expected %s\n",
				       ex[0] ? ex : "(none)");
			}
			fflush(stdout);
		}
	}
	if (interrupted) {
		fprintf(stderr, "dtfs-pin: interrupted; cleaned up\n");
		cleanup();
		return 130;
	}
	if (json) {
		printf("{\"kernel\":");
		dt_json_str(stdout, un.release);
		printf(",\"mount\":");
		dt_json_str(stdout, ctx.mnt);
		printf(",\"expectations\":");
		dt_json_str(stdout, expect_src);
		printf(",\"results\":[");
		k = 0;
		for (size_t i = 0; i < NSCEN; i++) {
			if (!selected(&scen[i], pats, npats))
				continue;
			for (int r = 1; r <= repeat; r++, k++) {
				const struct result *x = &res[k];
				const struct evidence *e = &x->ev;
				char ex[128];

				expected_str(expect[i], ex, sizeof(ex));
				printf("%s\n{\"name\":\"%s\",\"method\":\"%s\","
				       "\"cleaner\":\"%s\",\"run\":%d,"
				       "\"verdict\":\"%s\",\"expected\":\"%s\","
				       "\"ok\":%s,\"errno\":%d,\"errno_name\":",
				       k ? "," : "", scen[i].name,
				       scen[i].method,
				       strchr(scen[i].name, '/') + 1, r,
				       vname[x->verdict], ex,
				       x->expected_ok || x->verdict == V_SKIP
					       ? "true"
					       : "false",
				       x->err);
				dt_json_str(stdout,
					    x->err ? strerrorname_np(x->err)
							     ?: ""
						   : "");
				printf(",\"detail\":");
				dt_json_str(stdout, x->detail);
				printf(",\"seconds\":%.3f,\"evidence\":{"
				       "\"violations_no_notify\":%llu,"
				       "\"violations_no_buffers\":%llu,"
				       "\"write_notify\":%llu,"
				       "\"bypass_dirtyings\":%llu,"
				       "\"root_cause_seq\":%llu,"
				       "\"root_cause_class\":\"%s\","
				       "\"symptom_seq\":%llu,"
				       "\"log_read\":%s}}",
				       x->secs, (unsigned long long)e->viol_nn,
				       (unsigned long long)e->viol_nb,
				       (unsigned long long)e->notify,
				       (unsigned long long)e->bypass,
				       (unsigned long long)e->root_seq,
				       e->root_seq
					       ? dtfs_class_name(
							 (unsigned int)
								 e->root_cls)
					       : "",
				       (unsigned long long)e->symptom_seq,
				       e->log_read ? "true" : "false");
			}
		}
		printf("\n],\"passed\":%d,\"failed\":%d,\"skipped\":%d}\n",
		       nrun - nfail - nskip, nfail, nskip);
	} else {
		/* the matrix: rows are pin methods, columns cleaners */
		const char *rows[NSCEN] = {0}, *cols[NSCEN] = {0};
		int nr = 0, nc = 0;

		for (size_t i = 0; i < NSCEN; i++) {
			const char *col = strchr(scen[i].name, '/') + 1;
			int seen = 0;

			if (!selected(&scen[i], pats, npats))
				continue;
			for (int j = 0; j < nr; j++)
				seen |= !strcmp(rows[j], scen[i].method);
			if (!seen)
				rows[nr++] = scen[i].method;
			seen = 0;
			for (int j = 0; j < nc; j++)
				seen |= !strcmp(cols[j], col);
			if (!seen)
				cols[nc++] = col;
		}
		printf("#\n# %-18s", "method \\ cleaner");
		for (int j = 0; j < nc; j++)
			printf(" %-11.11s", cols[j]);
		printf("\n");
		for (int ri = 0; ri < nr; ri++) {
			printf("# %-18s", rows[ri]);
			for (int j = 0; j < nc; j++) {
				char cell[32] = "-";
				int first = -1, mixed = 0, bad = 0;

				k = 0;
				for (size_t i = 0; i < NSCEN; i++) {
					if (!selected(&scen[i], pats, npats))
						continue;
					for (int r = 0; r < repeat; r++, k++) {
						if (strcmp(scen[i].method,
							   rows[ri]) ||
						    strcmp(strchr(scen[i].name,
								  '/') +
								   1,
							   cols[j]))
							continue;
						if (first < 0)
							first = res[k].verdict;
						else if (first !=
							 res[k].verdict)
							mixed = 1;
						bad |= !res[k].expected_ok &&
						       res[k].verdict != V_SKIP;
					}
				}
				if (first >= 0) {
					static const char *const ab[V_MAX] = {
						"SAFE",	    "REFUSED",
						"DIRTY-NN", "LOST",
						"STALE",    "DEADLOCK",
						"CORRUPT",  "SKIP",
						"ERROR"};

					snprintf(cell, sizeof(cell), "%s%s",
						 mixed ? "MIXED" : ab[first],
						 bad ? "!" : "");
				}
				printf(" %-11s", cell);
			}
			printf("\n");
		}
		printf("# (DIRTY-NN: DIRTY_WITHOUT_NOTIFY; LOST: LOST_WRITE; "
		       "!: not the expected verdict)\n");
		printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d "
		       "error:0\n",
		       nrun - nfail - nskip, nfail, nskip);
	}
	free(res);
	cleanup();
	return nfail ? 1 : 0;
}
