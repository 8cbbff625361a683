/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulated dirty-tracking contract of a disk filesystem (DESIGN §2):
 * per page of every file, buffers attached, dirty in the kernel, under
 * writeback, resident. Fed by FUSE requests (fs/) and by the kernel tracer;
 * every transition and every violation goes to the dirty log.
 *
 * Rules: buffers attach at write_begin (a write()) and when a page is
 * dirtied through write-notify (our page_mkwrite); they are released when
 * writeback of the page completes (release=writeback) or when the kernel
 * evicts it (release=evict). A bypass dirtying of a page without buffers is
 * the root-cause violation; a writepage of a page without buffers is the
 * symptom violation, handled by the on_violation policy.
 *
 * Without the tracer nothing shows write-notify, so writepage attaches
 * buffers itself (inferred) and no violation is reported.
 */
#ifndef DTFS_PAGESTATE_H
#define DTFS_PAGESTATE_H

#include <stdint.h>
#include "dtfs/dirtylog.h"

enum dt_on_violation { DT_ON_WARN = 0, DT_ON_EIO = 1, DT_ON_ABORT = 2 };
enum dt_release { DT_REL_WRITEBACK = 0, DT_REL_EVICT = 1 };

#define DT_PG_BUFFERS 1
#define DT_PG_DIRTY 2
#define DT_PG_WRITEBACK 4
#define DT_PG_RESIDENT 8
#define DT_PG_VIOLATED 16 /* dirtied without notify, not yet written back */

struct dt_pages;

/* who and when an event came from */
struct dt_origin {
	uint64_t ts; /* 0: now */
	uint32_t pid;
	char comm[16];
};

struct dt_pages_counters {
	uint64_t events;
	uint64_t pages; /* pages with state now */
	uint64_t dirty_by_class[DT_CLS_MAX];
	uint64_t viol_no_notify;
	uint64_t viol_no_buffers;
	uint64_t refused;
	uint64_t writepages;
	uint64_t writes;
};

struct dt_pages *dt_pages_new(struct dt_log *log, int tracer_on);
void dt_pages_free(struct dt_pages *m);
/* called under the model's lock for each violation found (dtfs-log check
 * replays a log through the model and reports through this) */
typedef void (*dt_violation_fn)(void *ctx, unsigned int ev, uint64_t ino,
				uint64_t index, const char *why);
void dt_pages_set_violation_cb(struct dt_pages *m, dt_violation_fn fn,
			       void *ctx);
/* set the log once it is open (the tracer decides its header flags) */
void dt_pages_set_log(struct dt_pages *m, struct dt_log *log);
/* a record with no effect on page state (names, control, fsync, ...) */
uint64_t dt_pages_note(struct dt_pages *m, unsigned int src, unsigned int ev,
		       uint64_t ino, uint64_t first, uint64_t last,
		       uint64_t aux, const char *text,
		       const struct dt_origin *o);
void dt_pages_set_policy(struct dt_pages *m, int on_violation, int release);
void dt_pages_get_policy(struct dt_pages *m, int *on_violation, int *release);
void dt_pages_counters(struct dt_pages *m, struct dt_pages_counters *c);

/* FUSE side */
void dt_pages_write(struct dt_pages *m, uint64_t ino, uint64_t first,
		    uint64_t last, const struct dt_origin *o);
/* Before storing a writepage: returns 0 to store, -EIO to refuse (policy
 * eio), or 1 when the policy is abort (the caller stops the daemon). */
int dt_pages_writepage_begin(struct dt_pages *m, uint64_t ino, uint64_t first,
			     uint64_t last, const struct dt_origin *o);
void dt_pages_writepage_end(struct dt_pages *m, uint64_t ino, uint64_t first,
			    uint64_t last);
void dt_pages_read(struct dt_pages *m, uint64_t ino, uint64_t first,
		   uint64_t last, int direct, const struct dt_origin *o);
/* truncate / punch / eviction by dtfs: pages leave the cache */
void dt_pages_drop(struct dt_pages *m, uint64_t ino, uint64_t first,
		   uint64_t last);
/* the inode is gone */
void dt_pages_forget(struct dt_pages *m, uint64_t ino);

/* kernel side (tracer) */
void dt_pages_kernel_dirty(struct dt_pages *m, uint64_t ino, uint64_t index,
			   unsigned int cls, const char *symbol,
			   const struct dt_origin *o);
void dt_pages_kernel_cache(struct dt_pages *m, uint64_t ino, uint64_t index,
			   uint64_t nr, int added, const struct dt_origin *o);

/* the tracer lost @n records: write-notify evidence may be missing, so
 * the model stops reporting violations (logged as a lost record) */
void dt_pages_kernel_lost(struct dt_pages *m, uint64_t n);

/* a fault (@around 0) or fault-around mapping [index, last] (@around 1):
 * logged; PTEs installed this way are read-only, so the next store still
 * faults for write-notify */
void dt_pages_kernel_fault(struct dt_pages *m, uint64_t ino, uint64_t index,
			   uint64_t last, int around,
			   const struct dt_origin *o);

/* Apply one dirty-log record to the model, as the daemon did live: how
 * dtfs-log check and timeline re-verify a log offline. -EINVAL (nothing
 * applied) for a record whose page range the daemon never logs: reversed,
 * or DT_REPLAY_MAX_PAGES or more pages for an event that gives each page
 * state (one FUSE request or folio is at most a few hundred pages). */
#define DT_REPLAY_MAX_PAGES (1u << 16)
int dt_pages_replay(struct dt_pages *m, const struct dt_rec *r,
		    const char *text);

/* state of one page, 0 if nothing is known */
unsigned int dt_pages_state(struct dt_pages *m, uint64_t ino, uint64_t index);
/* visit the pages of @ino with state (in no particular order) */
void dt_pages_each(struct dt_pages *m, uint64_t ino,
		   void (*fn)(void *ctx, uint64_t index, unsigned int flags),
		   void *ctx);

#endif
