// SPDX-License-Identifier: GPL-2.0
/*
 * The pin methods of dtfs-pin: each runs in a child process in its own
 * directory of the mount (ctx.sdir), sets up its files, takes its pin,
 * runs the row's cleaner while it holds it, lets the pin's write land,
 * and judges the data: what the mapping shows, what the file holds (an
 * O_DIRECT read: the filesystem's own answer, not the page cache's).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <liburing.h>
#include "dtfs/dirtylog.h"
#include "pin.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define SELF_LEN (256 << 10) /* self-referential I/O: 64 pages */
#define EXT_PAGES 26

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

static void path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", ctx.sdir, name);
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

	/* a filesystem without O_DIRECT (tmpfs before 6.6): its page cache
	 * is all there is */
	if (fd < 0 && errno == EINVAL && ctx.foreign)
		fd = open_in(name, O_RDONLY);
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

	if (ctx.foreign) /* no dtfs: the page cache dropped the usual way */
		return fsync(fd) ? -1
				 : posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	return ioctl(fd, DTFS_IOC_EVICT, &r);
}

/* What file @name must hold, checked after a remount on a disk
 * filesystem: @len bytes of @want (a buffer, or @byte repeated), and
 * what a lost write leaves (@old, or @old_byte; -1: nothing known). */
static void expect_file(struct outcome *o, const char *name, const char *want,
			int byte, size_t len, const char *old, int old_byte)
{
	struct expect_file *f;
	char *b;

	if (o->nfiles >= OUT_FILES || !(b = malloc(len)))
		return;
	f = &o->files[o->nfiles++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->len = (uint32_t)len;
	if (!want)
		memset(b, byte, len);
	f->crc = dt_crc32c(0, want ? want : b, len);
	f->crc_old = f->crc;
	if (old || old_byte >= 0) {
		if (!old)
			memset(b, old_byte, len);
		f->crc_old = dt_crc32c(0, old ? old : b, len);
	}
	free(b);
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
	expect_file(o, "dst", NULL, want, PG, NULL, old);
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
void pin_odirect_gated(const struct scenario *sc, struct outcome *o)
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
		out_set(o, D_ERROR, -ret, "%s: %s", cleaner_name(sc->cleaner),
			strerror(-ret));
		return;
	}
	judge_pinned(o, dst, m, 'S',
		     sc->cleaner == C_TRUNCATE || sc->cleaner == C_PUNCH ? 0
									 : 'D');
}

/* The same through io_uring: a plain (non-fixed) read on the O_DIRECT
 * file; the pin is taken by the io-wq worker that runs it. */
void pin_uring_gated(const struct scenario *sc, struct outcome *o)
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
		out_set(o, D_ERROR, -ret, "%s: %s", cleaner_name(sc->cleaner),
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
void pin_uring_fixed(const struct scenario *sc, struct outcome *o)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = {.tv_sec = 15};
	struct iovec iov;
	int src, dst, ret, res, held;
	char *m;

	(void)sc;
	if (ctx.foreign) { /* no gate: a plain O_DIRECT source */
		SETUP(!make_file("src", PG, 'S'), "create src");
		src = open_in("src", O_RDONLY | O_DIRECT);
		if (src < 0 && errno == EINVAL) /* no O_DIRECT here */
			src = open_in("src", O_RDONLY);
		SETUP(src >= 0, "open src");
	} else {
		src = gated_source(o);
	}
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
	held = ctx.foreign ? 1 : ioc_wait_gated(src, 10000);
	if (held > 0)
		msync(m, PG, MS_SYNC);
	if (!ctx.foreign)
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
	struct dtfs_status *st;
	int ret = -1;

	if (ctx.foreign) { /* the observer, in the parent */
		*v = *ctx.viol_seen;
		return 0;
	}
	st = malloc(sizeof(*st));
	if (st && !ioctl(fd, DTFS_IOC_STATUS, st)) {
		*v = st->viol_no_notify + st->viol_no_buffers;
		ret = 0;
	}
	free(st);
	return ret;
}

/* One read of the racy loop: pread, or through io_uring */
static ssize_t ext_read(struct io_uring *ring, int src, char *m, off_t off)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int res;

	if (!ring)
		return pread(src, m, PG, off);
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_read(sqe, src, m, PG, (uint64_t)off);
	io_uring_submit(ring);
	res = io_uring_wait_cqe(ring, &cqe);
	if (!res) {
		res = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	if (res < 0) {
		errno = -res;
		return -1;
	}
	return res;
}

void pin_odirect_ext(const struct scenario *sc, struct outcome *o)
{
	struct io_uring ring, *ringp = NULL;
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
	if (sc->v.ext == EXT_URING) {
		int ret = io_uring_queue_init(4, &ring, 0);

		if (ret) {
			out_set(o, D_SKIP, -ret, "io_uring unavailable: %s",
				strerror(-ret));
			return;
		}
		ringp = &ring;
	}
	r.fd = dst;
	r.m = m;
	violations_now(dst, &v0);
	pthread_create(&th, NULL, ext_cleaner, &r);
	t0 = now_s();
	for (i = 0;; i++) {
		int want = 'A' + (int)(i % EXT_PAGES);
		ssize_t n =
			ext_read(ringp, src, m, (off_t)(i % EXT_PAGES) * PG);

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
	expect_file(o, "dst", NULL, 'A' + (int)(i % EXT_PAGES), PG, NULL, -1);
	if (store_read("dst", b, PG, 0) != PG ||
	    !all_bytes(b, PG, 'A' + (int)(i % EXT_PAGES))) {
		out_set(o, D_LOST, 0, "after %ld reads the file has '%s'",
			i + 1, show_bytes(b, PG));
		return;
	}
	out_set(o, D_OK, 0, "%ld %s reads, %ld %s in %.1f s", i + 1,
		ringp ? "io_uring" : "O_DIRECT", r.runs,
		cleaner_name(sc->cleaner), now_s() - t0);
	if (ringp)
		io_uring_queue_exit(ringp);
	free(b);
}

/* vmsplice: the pipe takes plain references to the mapped page; then the
 * cleaner, then the file is overwritten with write(). What does the pipe
 * deliver? The page the file still has (SAFE: it aliases the page cache),
 * or a page the file no longer has (STALE). */
void pin_vmsplice(const struct scenario *sc, struct outcome *o)
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
		out_set(o, D_ERROR, -ret, "%s: %s", cleaner_name(sc->cleaner),
			strerror(-ret));
		return;
	}
	memset(buf, 'N', PG);
	SETUP(pwrite(dst, buf, PG, 0) == PG, "overwrite");
	SETUP(!fsync(dst), "fsync");
	n = read(pfd[0], buf, PG);
	SETUP(n == PG, "read pipe");
	SETUP(store_read("dst", now, PG, 0) == PG, "read back");
	expect_file(o, "dst", NULL, 'N', PG, NULL, 'V');
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
void pin_remote(const struct scenario *sc, struct outcome *o)
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
	if (sc->v.remote == REMOTE_PROCESS_VM_WRITEV) {
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
			sc->v.remote == REMOTE_PROC_PID_MEM
				? "/proc/PID/mem"
				: "process_vm_writev",
			n < 0 ? strerror(e) : "short");
		return;
	}
	SETUP(write(to[1], "x", 1) == 1, "wake target");
	waitpid(t, NULL, 0);
	SETUP(!posix_memalign((void **)&b, PG, PG), "memory");
	SETUP(store_read("dst", b, PG, 0) == PG, "read back");
	expect_file(o, "dst", NULL, 'P', PG, NULL, 'D');
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
void pin_cow_fork(const struct scenario *sc, struct outcome *o)
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
	if (sc->v.cow == COW_FORK_AND_WRITE)
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
 * of a read/write is an mmap of the same file (or of another dtfs file),
 * page cache cold. */
static unsigned char pat(off_t x, int seed)
{
	return (unsigned char)((x >> 12) * 13 + (x >> 9) + seed);
}

void pin_selfref(const struct scenario *sc, struct outcome *o)
{
	int other = sc->v.selfref.buf == SELFREF_OTHER_FILE;
	int dio = sc->v.selfref.io == SELFREF_DIO_WRITE ||
		  sc->v.selfref.io == SELFREF_DIO_READ;
	int rd = sc->v.selfref.io == SELFREF_READ ||
		 sc->v.selfref.io == SELFREF_DIO_READ;
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
		if (io < 0 && errno == EINVAL) {
			out_set(o, D_SKIP, EINVAL,
				"%s has no O_DIRECT on this kernel", ctx.fs);
			return;
		}
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
	if (msync(m, SELF_LEN, MS_SYNC) || fsync(fd) || fsync(gd)) {
		/* a writeback error (btrfs on 6.12: EUCLEAN for a page
		 * dirtied without its notice): the data may not be there */
		out_set(o, D_LOST, errno, "msync/fsync after the %s: %s",
			rd ? "read" : "write", strerror(errno));
		return;
	}
	expect_file(o, "f", want, 0, 2 * SELF_LEN, NULL, -1);
	if (other)
		expect_file(o, "g", g, 0, 2 * SELF_LEN, NULL, -1);
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
void pin_held_forever(const struct scenario *sc, struct outcome *o)
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
