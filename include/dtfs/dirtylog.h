/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dirty log: every page event dtfs sees, from its FUSE requests and from
 * the kernel tracer, in one file. Format version 2, described in
 * dtfs-dirtylog(5) (readers also read version 1):
 *
 *   file header (64 bytes), then records. Every record starts with
 *   struct dt_rec (80 bytes, little-endian) followed by an optional text
 *   (NUL-terminated, zero-padded so that len is a multiple of 8). crc is the
 *   CRC-32C of the record's bytes from offset 8 to len. A damaged record is
 *   skipped up to the next good one; a torn tail ends the log.
 *
 * Event and class numbers and their names are the ABI's
 * (include/dtfs/ioctl.h); what they mean is in dtfs(7).
 */
#ifndef DTFS_DIRTYLOG_H
#define DTFS_DIRTYLOG_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include "dtfs/ioctl.h"

#define DT_LOG_MAGIC "DTFSLOG"
#define DT_LOG_VERSION 2 /* written */
#define DT_LOG_VERSION_MIN 1 /* the oldest read */
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
	uint32_t tracer_missing; /* v2: DTFS_TP_* the kernel lacked */
	char reserved[20];
};

#define DT_LOGF_TRACER 1 /* kernel tracer on: write-notify observed */
#define DT_LOGF_OBSERVER 2 /* written by dtfs-trace: no FUSE side */

enum dt_source {
	DT_SRC_FUSE = 1, /* a FUSE request dtfs served */
	DT_SRC_KERNEL = 2, /* the BPF tracer */
	DT_SRC_DTFS = 3, /* dtfs itself: model, control, names */
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
		uint32_t tracer_missing, struct dt_log **out);
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

/* -EPROTO: not a dirty log or a version this reader does not know
 * (message in @err). */
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
