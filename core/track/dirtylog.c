// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty log writer and reader.
 *
 * Emitters (request threads, the tracer's drain) append encoded records to
 * an in-memory buffer under a mutex, a memcpy of ~100 bytes; a writer thread
 * swaps the buffer out and writes it. Nothing on the request path waits for
 * the disk. If the writer falls behind by more than DT_LOG_BACKLOG bytes,
 * records are dropped and counted, and a LOST record says how many.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "dtfs/core.h"
#include "dtfs/dirtylog.h"

#define DT_LOG_BACKLOG (64u << 20)

const char *dt_source_name(unsigned int src)
{
	switch (src) {
	case DT_SRC_FUSE:
		return "fuse";
	case DT_SRC_KERNEL:
		return "kernel";
	case DT_SRC_DTFS:
		return "dtfs";
	}
	return "unknown";
}

/* dt_crc32c: core/crc32c.c */

uint64_t dt_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* ---- writer ---- */

struct dt_log {
	char *path;
	int fd;
	uint64_t max_bytes;
	uint64_t file_bytes; /* in the current file (writer thread) */
	uint64_t total_bytes;
	uint32_t flags, tracer_missing;

	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	char *buf; /* pending records */
	size_t len, cap;
	uint64_t seq;
	uint64_t emitted_upto, written_upto; /* seqs */
	uint64_t dropped, dropped_reported;
	uint64_t reserve; /* free space left to the store (writer thread) */
	int write_err; /* last write error, reported once (writer thread) */
	int stop;
	pthread_t thread;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static uint64_t count_recs(const char *p, size_t n)
{
	uint64_t c = 0;

	while (n >= sizeof(struct dt_rec)) {
		uint32_t l;

		memcpy(&l, p, 4);
		if (l < sizeof(struct dt_rec) || l > n)
			break;
		p += l;
		n -= l;
		c++;
	}
	return c;
}

/*
 * Write a batch of records, or none of them: the log shares its disk
 * with the store, so it stops at the store's space reserve rather than
 * eat it, and a failed write is cut back to the last whole record. What
 * is not written is counted as dropped (a LOST record follows).
 */
static int write_batch(struct dt_log *log, const char *p, size_t n)
{
	struct statvfs sv;
	int ret = 0;

	if (fstatvfs(log->fd, &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < log->reserve + n)
		ret = -ENOSPC;
	else
		ret = write_all(log->fd, p, n);
	if (ret && ftruncate(log->fd, (off_t)log->file_bytes) == 0)
		lseek(log->fd, (off_t)log->file_bytes, SEEK_SET);
	if (ret != log->write_err && ret)
		fprintf(stderr,
			"dtfs: dirty log %s: %s: records dropped until it "
			"can write again\n",
			log->path, strerror(-ret));
	log->write_err = ret;
	return ret;
}

static int start_file(struct dt_log *log)
{
	struct dt_log_hdr h;
	struct timespec rt;
	char old[4200];

	if (log->fd >= 0) {
		close(log->fd);
		snprintf(old, sizeof(old), "%s.1", log->path);
		if (rename(log->path, old) < 0)
			fprintf(stderr, "dtfs: rotate %s: %s\n", log->path,
				strerror(errno));
	}
	log->fd =
		open(log->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (log->fd < 0)
		return -errno;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, DT_LOG_MAGIC, 8);
	h.version = DT_LOG_VERSION;
	h.hdr_size = DT_LOG_HDR_SIZE;
	h.start_mono_ns = dt_now_ns();
	clock_gettime(CLOCK_REALTIME, &rt);
	h.start_real_ns =
		(uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
	h.flags = log->flags;
	h.tracer_missing = log->tracer_missing;
	h.page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	log->file_bytes = sizeof(h);
	return write_all(log->fd, (const char *)&h, sizeof(h));
}

static void *writer_main(void *arg)
{
	struct dt_log *log = arg;
	char *mine = NULL;
	size_t mine_cap = 0;

	pthread_mutex_lock(&log->lock);
	for (;;) {
		size_t n;
		uint64_t upto;

		while (!log->len && !log->stop) {
			struct timespec t;

			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_nsec += 50000000;
			if (t.tv_nsec >= 1000000000) {
				t.tv_sec++;
				t.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&log->wake, &log->lock, &t);
		}
		if (!log->len && log->stop)
			break;
		/* swap buffers: emitters continue into the other one */
		n = log->len;
		upto = log->emitted_upto;
		{
			char *b = log->buf;
			size_t c = log->cap;

			log->buf = mine;
			log->cap = mine_cap;
			log->len = 0;
			mine = b;
			mine_cap = c;
		}
		pthread_mutex_unlock(&log->lock);
		if (log->max_bytes && log->file_bytes + n > log->max_bytes &&
		    log->file_bytes > DT_LOG_HDR_SIZE)
			start_file(log);
		if (log->fd >= 0 && write_batch(log, mine, n) < 0) {
			uint64_t c = count_recs(mine, n);

			pthread_mutex_lock(&log->lock);
			log->dropped += c;
			pthread_mutex_unlock(&log->lock);
		} else {
			log->file_bytes += n;
		}
		pthread_mutex_lock(&log->lock);
		log->total_bytes += n;
		log->written_upto = upto;
		pthread_cond_broadcast(&log->done);
	}
	pthread_mutex_unlock(&log->lock);
	free(mine);
	return NULL;
}

int dt_log_open(const char *path, uint64_t max_bytes, uint32_t flags,
		uint32_t tracer_missing, struct dt_log **out)
{
	struct dt_log *log = calloc(1, sizeof(*log));
	int ret;

	if (!log)
		return -ENOMEM;
	log->path = strdup(path);
	log->fd = -1;
	log->max_bytes = max_bytes;
	log->flags = flags;
	log->tracer_missing = tracer_missing;
	pthread_mutex_init(&log->lock, NULL);
	pthread_cond_init(&log->wake, NULL);
	pthread_cond_init(&log->done, NULL);
	ret = start_file(log);
	if (!ret)
		log->reserve = dt_space_reserve(log->fd);
	if (!ret)
		ret = -pthread_create(&log->thread, NULL, writer_main, log);
	if (ret) {
		if (log->fd >= 0)
			close(log->fd);
		free(log->path);
		free(log);
		return ret;
	}
	*out = log;
	return 0;
}

static void append_locked(struct dt_log *log, struct dt_rec *r,
			  const char *text)
{
	size_t tl = text && *text ? strlen(text) + 1 : 0, len;

	if (tl > DT_REC_MAX - sizeof(*r) - 8)
		tl = DT_REC_MAX - sizeof(*r) - 8;
	len = (sizeof(*r) + tl + 7) & ~(size_t)7;
	if (log->len + len > DT_LOG_BACKLOG) {
		log->dropped++;
		return;
	}
	if (log->len + len > log->cap) {
		size_t cap = log->cap ? log->cap * 2 : 65536;
		char *b;

		while (cap < log->len + len)
			cap *= 2;
		b = realloc(log->buf, cap);
		if (!b) {
			log->dropped++;
			return;
		}
		log->buf = b;
		log->cap = cap;
	}
	r->len = (uint32_t)len;
	r->seq = ++log->seq;
	{
		char *p = log->buf + log->len;

		memcpy(p, r, sizeof(*r));
		memset(p + sizeof(*r), 0, len - sizeof(*r));
		if (tl) {
			memcpy(p + sizeof(*r), text, tl - 1);
			p[sizeof(*r) + tl - 1] = 0;
		}
		r->crc = dt_crc32c(0, p + 8, len - 8);
		memcpy(p + 4, &r->crc, 4);
	}
	log->len += len;
	log->emitted_upto = r->seq;
}

uint64_t dt_log_emit(struct dt_log *log, struct dt_rec *r, const char *text)
{
	uint64_t seq;

	if (!log)
		return 0;
	if (!r->ts)
		r->ts = dt_now_ns();
	pthread_mutex_lock(&log->lock);
	if (log->dropped != log->dropped_reported &&
	    log->len + 2 * DT_REC_MAX < DT_LOG_BACKLOG) {
		struct dt_rec lost = {.ts = r->ts,
				      .source = DT_SRC_DTFS,
				      .event = DTFS_EV_LOST};

		lost.aux = log->dropped - log->dropped_reported;
		log->dropped_reported = log->dropped;
		append_locked(log, &lost, NULL);
	}
	append_locked(log, r, text);
	seq = r->seq;
	if (log->len > (1u << 20))
		pthread_cond_signal(&log->wake);
	pthread_mutex_unlock(&log->lock);
	return seq;
}

void dt_log_flush(struct dt_log *log)
{
	if (!log)
		return;
	pthread_mutex_lock(&log->lock);
	pthread_cond_signal(&log->wake);
	while (log->written_upto < log->emitted_upto)
		pthread_cond_wait(&log->done, &log->lock);
	pthread_mutex_unlock(&log->lock);
}

uint64_t dt_log_dropped(struct dt_log *log)
{
	uint64_t d;

	pthread_mutex_lock(&log->lock);
	d = log->dropped;
	pthread_mutex_unlock(&log->lock);
	return d;
}

uint64_t dt_log_bytes(struct dt_log *log)
{
	uint64_t b;

	pthread_mutex_lock(&log->lock);
	b = log->total_bytes + log->len;
	pthread_mutex_unlock(&log->lock);
	return b;
}

void dt_log_close(struct dt_log *log)
{
	if (!log)
		return;
	pthread_mutex_lock(&log->lock);
	log->stop = 1;
	pthread_cond_signal(&log->wake);
	pthread_mutex_unlock(&log->lock);
	pthread_join(log->thread, NULL);
	if (log->fd >= 0) {
		fsync(log->fd);
		close(log->fd);
	}
	pthread_mutex_destroy(&log->lock);
	pthread_cond_destroy(&log->wake);
	pthread_cond_destroy(&log->done);
	free(log->buf);
	free(log->path);
	free(log);
}

/* ---- reader ---- */

struct dt_log_reader {
	FILE *f;
	struct dt_log_hdr hdr;
	uint64_t off;
	int done;
	uint64_t skipped, first_skip; /* damaged bytes passed over */
};

int dt_log_reader_open(const char *path, struct dt_log_reader **out, char *err,
		       size_t errlen)
{
	struct dt_log_reader *rd;
	FILE *f = fopen(path, "rb");

	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	rd = calloc(1, sizeof(*rd));
	if (!rd) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(&rd->hdr, sizeof(rd->hdr), 1, f) != 1 ||
	    memcmp(rd->hdr.magic, DT_LOG_MAGIC, 8)) {
		snprintf(err, errlen, "%s: not a dtfs dirty log", path);
		goto bad;
	}
	if (rd->hdr.version < DT_LOG_VERSION_MIN ||
	    rd->hdr.version > DT_LOG_VERSION ||
	    rd->hdr.hdr_size != DT_LOG_HDR_SIZE) {
		snprintf(err, errlen,
			 "%s: dirty log version %u, this tool reads versions "
			 "%d to %d",
			 path, rd->hdr.version, DT_LOG_VERSION_MIN,
			 DT_LOG_VERSION);
		goto bad;
	}
	if (rd->hdr.version < 2)
		rd->hdr.tracer_missing = 0; /* reserved (zero) in version 1 */
	rd->f = f;
	rd->off = DT_LOG_HDR_SIZE;
	*out = rd;
	return 0;
bad:
	fclose(f);
	free(rd);
	return -EPROTO;
}

const struct dt_log_hdr *dt_log_reader_hdr(struct dt_log_reader *rd)
{
	return &rd->hdr;
}

/* The record at @off into @buf: 1 if whole and its CRC matches, 0 if
 * not a record, -1 if the file ends before a record header. A length
 * that runs past the end is "not a record" too: inside damage, any 8
 * bytes can look like a header, and a good record may still follow. */
static int rec_at(struct dt_log_reader *rd, uint64_t off, char *buf)
{
	uint32_t len, crc;
	size_t n;

	if (ftello(rd->f) != (off_t)off && fseeko(rd->f, (off_t)off, SEEK_SET))
		return -1;
	n = fread(buf, 1, 8, rd->f);
	if (n < 8)
		return -1;
	memcpy(&len, buf, 4);
	memcpy(&crc, buf + 4, 4);
	if (len < sizeof(struct dt_rec) || len > DT_REC_MAX || len % 8)
		return 0;
	if (fread(buf + 8, 1, len - 8, rd->f) != len - 8)
		return 0;
	return dt_crc32c(0, buf + 8, len - 8) == crc;
}

/*
 * Records are 8-byte aligned and each carries its CRC, so past a damaged
 * one the reader looks for the next good record 8 bytes at a time and
 * counts what it skipped; only when no good record follows is it a torn
 * tail (what a crash of the writer leaves).
 */
int dt_log_read(struct dt_log_reader *rd, struct dt_rec *r, char *text)
{
	static __thread char buf[DT_REC_MAX];
	uint64_t off;
	int v = -1;

	if (rd->done)
		return rd->done;
	for (off = rd->off;; off += 8) {
		v = rec_at(rd, off, buf);
		if (v)
			break;
	}
	if (v < 0) {
		char c;

		/* nothing at all after the last good record: a clean end */
		if (fseeko(rd->f, (off_t)rd->off, SEEK_SET) == 0 &&
		    fread(&c, 1, 1, rd->f) == 0)
			rd->done = DT_READ_END;
		else
			rd->done = DT_READ_TORN;
		fseeko(rd->f, (off_t)rd->off, SEEK_SET);
		return rd->done;
	}
	if (off != rd->off) {
		if (!rd->skipped)
			rd->first_skip = rd->off;
		rd->skipped += off - rd->off;
	}
	memcpy(r, buf, sizeof(*r));
	if (r->len > sizeof(*r)) {
		size_t tl = r->len - sizeof(*r);

		memcpy(text, buf + sizeof(*r), tl);
		text[tl - 1] = 0;
	} else {
		text[0] = 0;
	}
	rd->off = off + r->len;
	return DT_READ_OK;
}

uint64_t dt_log_reader_skipped(struct dt_log_reader *rd, uint64_t *first)
{
	if (first)
		*first = rd->first_skip;
	return rd->skipped;
}

void dt_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int dt_log_reader_seek(struct dt_log_reader *rd, uint64_t off)
{
	if (off < DT_LOG_HDR_SIZE || fseeko(rd->f, (off_t)off, SEEK_SET))
		return -EINVAL;
	rd->off = off;
	rd->done = 0;
	return 0;
}

uint64_t dt_log_reader_offset(struct dt_log_reader *rd)
{
	return rd->off;
}

void dt_log_reader_close(struct dt_log_reader *rd)
{
	if (!rd)
		return;
	fclose(rd->f);
	free(rd);
}
