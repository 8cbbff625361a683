/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dirty log: every page event dtfs sees, from its FUSE requests and from
 * the kernel tracer, in one file. Format version 1, described in
 * dtfs-dirtylog(5):
 *
 *   file header (64 bytes), then records. Every record starts with
 *   struct dt_rec (80 bytes, little-endian) followed by an optional text
 *   (NUL-terminated, zero-padded so that len is a multiple of 8). crc is the
 *   CRC-32C of the record's bytes from offset 8 to len. A record whose len
 *   or crc does not check is a torn or garbage tail: readers stop there.
 */
#ifndef DTFS_DIRTYLOG_H
#define DTFS_DIRTYLOG_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#define DT_LOG_MAGIC "DTFSLOG"
#define DT_LOG_VERSION 1
#define DT_LOG_HDR_SIZE 64
#define DT_REC_MAX 4096

struct dt_log_hdr {
	char magic[8]; /* "DTFSLOG\0" */
	uint32_t version;
	uint32_t hdr_size;
	uint64_t start_mono_ns;
	uint64_t start_real_ns;
	uint32_t flags; /* DT_LOGF_* */
	uint32_t page_size;
	char reserved[24];
};

#define DT_LOGF_TRACER 1 /* kernel tracer on: write-notify observed */

enum dt_source {
	DT_SRC_FUSE = 1, /* a FUSE request dtfs served */
	DT_SRC_KERNEL = 2, /* the BPF tracer */
	DT_SRC_DTFS = 3, /* dtfs itself: model, control, names */
};

enum dt_event {
	/* FUSE requests */
	DT_EV_WRITE = 1, /* write(): write_begin..write_end */
	DT_EV_WRITEPAGE, /* kernel writeback of mapped/cached pages */
	DT_EV_DIO_WRITE, /* O_DIRECT write: no page cache */
	DT_EV_READ, /* page fill (or O_DIRECT read: aux=1) */
	DT_EV_TRUNCATE, /* setattr size; aux = new size */
	DT_EV_PUNCH, /* fallocate punch hole / zero range */
	DT_EV_FSYNC,
	DT_EV_FLUSH,
	DT_EV_RELEASE,
	/* kernel tracer */
	DT_EV_DIRTY = 20, /* clean->dirty transition; cls, text = symbol */
	DT_EV_CACHE_ADD, /* folio inserted into the page cache */
	DT_EV_CACHE_DEL, /* folio deleted from the page cache */
	DT_EV_FAULT, /* filemap_fault */
	DT_EV_MAP_PAGES, /* fault-around: PTEs for [first, last] */
	/* the model */
	DT_EV_VIOL_NO_NOTIFY =
		40, /* root cause: dirtied without write-notify */
	DT_EV_VIOL_NO_BUFFERS, /* symptom: writepage of a page w/o buffers */
	DT_EV_REFUSED, /* policy eio: writepage data refused */
	DT_EV_ABORT, /* policy abort: daemon stops */
	/* names */
	DT_EV_CREATE = 60, /* text = "parent-ino/name" */
	DT_EV_LINK,
	DT_EV_UNLINK,
	DT_EV_RENAME, /* text = "pino/name -> pino/name" */
	/* control */
	DT_EV_MARK = 80, /* text = marker */
	DT_EV_EVICT,
	DT_EV_GATE,
	DT_EV_GATE_RELEASE,
	DT_EV_POLICY, /* text = "on_violation=... release=..." */
	DT_EV_MOUNT, /* text = mount description */
	DT_EV_LOST, /* aux = records dropped (writer could not keep up) */
};

enum dt_class {
	DT_CLS_NONE = 0,
	DT_CLS_WRITE_NOTIFY, /* fault_dirty_shared_page / do_wp_page */
	DT_CLS_WRITE_BEGIN, /* buffered write path */
	DT_CLS_DIO_BIO_COMPLETION, /* __bio_release_pages / bio_dirty_fn */
	DT_CLS_DIO_SUBMIT, /* bio_set_pages_dirty */
	DT_CLS_FUSE_DIO_RELEASE, /* fuse_release_user_pages */
	DT_CLS_GUP_UNPIN, /* unpin_user_pages_dirty_lock & co */
	DT_CLS_OTHER, /* any other path */
	DT_CLS_MAX
};

struct dt_rec {
	uint32_t len; /* whole record, multiple of 8 */
	uint32_t crc; /* CRC-32C of bytes [8, len) */
	uint64_t seq;
	uint64_t ts; /* CLOCK_MONOTONIC ns */
	uint64_t ino;
	uint64_t first; /* page range, inclusive */
	uint64_t last;
	uint64_t aux;
	uint32_t pid;
	uint16_t event;
	uint8_t source;
	uint8_t cls;
	char comm[16];
};

const char *dt_event_name(unsigned int ev);
int dt_event_by_name(const char *name);
const char *dt_class_name(unsigned int cls);
/* a class that went around write-notify */
static inline int dt_class_is_bypass(unsigned int cls)
{
	return cls >= DT_CLS_DIO_BIO_COMPLETION && cls < DT_CLS_MAX;
}
const char *dt_source_name(unsigned int src);
uint32_t dt_crc32c(uint32_t crc, const void *buf, size_t len);
/* @s as a JSON string (quoted, escaped) on @f: the tools' JSON output */
void dt_json_str(FILE *f, const char *s);

/* ---- writer ---- */
struct dt_log;

/* Open @path for appending records (a fresh file with a header; the old
 * one, if any, becomes @path.1). @max_bytes caps a file: past it the log
 * rotates. A background thread writes; emitting never waits for I/O. */
int dt_log_open(const char *path, uint64_t max_bytes, uint32_t flags,
		struct dt_log **out);
/* Flush and close. */
void dt_log_close(struct dt_log *log);
/* Append a record; fills len, crc and seq (returned). ts 0 means now. */
uint64_t dt_log_emit(struct dt_log *log, struct dt_rec *r, const char *text);
/* Wait until everything emitted so far is in the file. */
void dt_log_flush(struct dt_log *log);
uint64_t dt_log_dropped(struct dt_log *log);
uint64_t dt_log_bytes(struct dt_log *log);
uint64_t dt_now_ns(void);

/* ---- reader ---- */
struct dt_log_reader;

enum dt_read_status {
	DT_READ_OK = 0,
	DT_READ_END = 1, /* clean end of file */
	DT_READ_TORN = 2, /* torn or garbage tail: stop, not misread */
};

/* -EPROTO: not a dirty log or unknown version (message in @err). */
int dt_log_reader_open(const char *path, struct dt_log_reader **out, char *err,
		       size_t errlen);
const struct dt_log_hdr *dt_log_reader_hdr(struct dt_log_reader *rd);
/* Next record into @r, its text (or "") into @text (DT_REC_MAX bytes). */
int dt_log_read(struct dt_log_reader *rd, struct dt_rec *r, char *text);
/* Offset of the first byte not read as a good record. */
uint64_t dt_log_reader_offset(struct dt_log_reader *rd);
/* Bytes of damaged records skipped so far (the reader resynchronises on
 * the next good record), and where the first such damage began. */
uint64_t dt_log_reader_skipped(struct dt_log_reader *rd, uint64_t *first);
/* Go on reading at @off, an offset dt_log_reader_offset gave (a log
 * still being written: read to its end, wait, seek back, read again). */
int dt_log_reader_seek(struct dt_log_reader *rd, uint64_t off);
void dt_log_reader_close(struct dt_log_reader *rd);

#endif
