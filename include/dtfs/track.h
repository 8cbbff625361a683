/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dirty-tracking engine (dtfs(7)): the page-state model, the kernel
 * tracer and the dirty log behind the calls the FUSE daemon makes. fs/
 * translates a request into one of these calls and replies; the rules
 * (what a request means for the pages, when to wait for the tracer, what
 * the policy says) live here. Byte offsets in, page ranges inside.
 */
#ifndef DTFS_TRACK_H
#define DTFS_TRACK_H

#include <stddef.h>
#include <stdint.h>
#include "dtfs/ioctl.h"
#include "dtfs/pagestate.h"

enum dt_tracer_mode {
	DT_TRACER_AUTO = 0, /* on where it loads */
	DT_TRACER_ON = 1, /* fail the mount if it cannot load */
	DT_TRACER_OFF = 2,
	DT_TRACER_COUNT
};

static inline const char *dt_tracer_mode_name(unsigned int m)
{
	static const char *const names[DT_TRACER_COUNT] = {
		[DT_TRACER_AUTO] = "auto",
		[DT_TRACER_ON] = "on",
		[DT_TRACER_OFF] = "off",
	};

	return m < DT_TRACER_COUNT ? names[m] : NULL;
}

struct dt_track;

struct dt_track_opts {
	int tracer; /* enum dt_tracer_mode */
	unsigned int major, minor; /* the mount's device */
	int on_violation, release; /* enum dtfs_on_violation, dtfs_release */
	const char *log_path; /* NULL: no dirty log */
	uint64_t log_max_bytes;
	const char *describe; /* for the mount record: store, mountpoint */
};

/* The model alone, before the mount: requests may come as soon as it is
 * up. 0 or -ENOMEM. */
int dt_track_new(struct dt_track **out);
/* Once the mount is up: the tracer as opts->tracer says (auto: one line
 * on stderr when it cannot load, and the log says write-notify is
 * inferred; on: -1 and the reason in @err), one line when the kernel lacks
 * some tracepoints, the dirty log, its mount and policy records. The model
 * is configured for what is observed, not recreated. 0, or -1 with one
 * line in @err. */
int dt_track_start(struct dt_track *t, const struct dt_track_opts *opts,
		   char *err, size_t errlen);
/* The tracer off (at unmount): no more kernel events. */
void dt_track_stop(struct dt_track *t);
/* Everything logged so far in the file (before an abort). */
void dt_track_flush(struct dt_track *t);
void dt_track_free(struct dt_track *t);
int dt_track_tracer_on(struct dt_track *t);

/* What a FUSE WRITE is. */
enum dt_write_kind {
	DT_WRITE_BUFFERED, /* write(): write_begin..write_end */
	DT_WRITE_DIRECT, /* O_DIRECT: no page cache */
	DT_WRITE_WRITEPAGE, /* kernel writeback of dirty pages */
};

/*
 * Before a WRITE is stored. For a writepage: drain the tracer; if a page
 * lacks buffers, first wait (bounded) until the tracer has delivered every
 * dirtying that happened before this request arrived, so the decision and
 * the log see the root cause before its symptom (dtfs(7), ORDER); then
 * decide and log. Other writes are logged and give their pages state.
 */
enum dt_wp_verdict dt_track_write_begin(struct dt_track *t, uint64_t ino,
					uint64_t off, uint64_t size,
					enum dt_write_kind kind,
					const struct dt_origin *o);
/* After it was stored (or refused): writeback of those pages is over. */
void dt_track_write_end(struct dt_track *t, uint64_t ino, uint64_t off,
			uint64_t size, enum dt_write_kind kind);
void dt_track_read(struct dt_track *t, uint64_t ino, uint64_t off,
		   uint64_t size, int direct, const struct dt_origin *o);
/* setattr size: pages past @size leave the cache */
void dt_track_truncate(struct dt_track *t, uint64_t ino, uint64_t size,
		       const struct dt_origin *o);
/* fallocate punch hole / zero range: the whole pages covered leave */
void dt_track_punch(struct dt_track *t, uint64_t ino, uint64_t off,
		    uint64_t len, int mode, const struct dt_origin *o);
/* dtfs evicts [off, off + len) (len 0: to the end) */
void dt_track_evict(struct dt_track *t, uint64_t ino, uint64_t off,
		    uint64_t len, const struct dt_origin *o);
/* A record without page state: names, fsync, flush, release, marks,
 * gates (src: enum dt_source). */
void dt_track_note(struct dt_track *t, unsigned int src, unsigned int ev,
		   uint64_t ino, uint64_t aux, const char *text,
		   const struct dt_origin *o);
/* The policy: -1 leaves a value as it is; logged; the result in @out. */
void dt_track_policy(struct dt_track *t, int on_violation, int release,
		     uint64_t ino, const struct dt_origin *o,
		     struct dtfs_policy *out);
/* Counters, the policy and @ino's pages into @st (gates left alone). */
void dt_track_status(struct dt_track *t, uint64_t ino, struct dtfs_status *st);

/* The model, for the daemon's own consistency checks and the tests. */
struct dt_pages *dt_track_model(struct dt_track *t);

#endif
