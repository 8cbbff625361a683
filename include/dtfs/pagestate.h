/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulated dirty-tracking contract of a disk filesystem, dtfs(7): per
 * page of every file, buffers attached, dirty in the kernel, under
 * writeback, resident. Fed by FUSE requests and by the kernel tracer; every
 * transition and every violation goes to the dirty log.
 *
 * Rules (dtfs(7), THE CONTRACT): buffers attach at write_begin (a write())
 * and when a page is dirtied through write-notify (our page_mkwrite); they
 * are released when writeback of the page completes (release=writeback) or
 * when the kernel evicts it (release=evict). A bypass dirtying of a page
 * without buffers, or of a page under writeback, is the root-cause
 * violation; a writepage of a page without buffers is the symptom, handled
 * by the on_violation policy and naming its root cause's record.
 *
 * What the model may believe depends on what is observed (dt_pages_observe):
 * without the tracer nothing shows write-notify, so writepage attaches
 * buffers itself (inferred) and no violation is reported.
 */
#ifndef DTFS_PAGESTATE_H
#define DTFS_PAGESTATE_H

#include <stdint.h>
#include "dtfs/dirtylog.h"
#include "dtfs/ioctl.h"

#define DT_PG_BUFFERS 1
#define DT_PG_DIRTY 2
#define DT_PG_WRITEBACK 4
#define DT_PG_RESIDENT 8
#define DT_PG_VIOLATED 16 /* dirtied without notify, not yet written back */

/* the model's flags are the ABI's (dtfsctl status shows them as they are) */
_Static_assert(DT_PG_BUFFERS == DTFS_PG_BUFFERS &&
		       DT_PG_DIRTY == DTFS_PG_DIRTY &&
		       DT_PG_WRITEBACK == DTFS_PG_WRITEBACK &&
		       DT_PG_RESIDENT == DTFS_PG_RESIDENT &&
		       DT_PG_VIOLATED == DTFS_PG_VIOLATED,
	       "page flags differ from include/dtfs/ioctl.h");

/* what the kernel tracer observes for the model (dt_pages_observe) */
#define DT_OBS_DIRTY 1 /* clean->dirty transitions: write-notify observed */
#define DT_OBS_CACHE 2 /* page-cache insert/delete: residency observed */
/* an observer of a disk filesystem (dtfs-trace): no FUSE side, no buffer
 * model of its own; a bypass dirtying is the root cause and the
 * filesystem's next writeback of the page its symptom */
#define DT_OBS_OBSERVER 4

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
	uint64_t dirty_by_class[DTFS_CLS_COUNT];
	uint64_t viol_no_notify; /* pages */
	uint64_t viol_no_buffers; /* pages */
	uint64_t refused;
	uint64_t writepages;
	uint64_t writes;
};

/* What a writepage may do with its data (dt_pages_writepage_begin). */
enum dt_wp_verdict {
	DT_WP_STORE = 0, /* store it (also policy warn after a violation) */
	DT_WP_REFUSE, /* policy eio: refuse the data with EIO */
	DT_WP_ABORT, /* policy abort: the daemon stops with a report */
};

struct dt_pages *dt_pages_new(void);
/* What the writer of a log with header @h observed (DT_OBS_*): how a
 * replay must read it. */
unsigned int dt_pages_observed_by(const struct dt_log_hdr *h);
void dt_pages_free(struct dt_pages *m);
/* What the tracer observes (DT_OBS_*), set when it starts; 0 (the
 * default): everything inferred. */
void dt_pages_observe(struct dt_pages *m, unsigned int observed);
/* called under the model's lock for each page found in violation (dtfs-log
 * check replays a log through the model and reports through this) */
typedef void (*dt_violation_fn)(void *ctx, unsigned int ev, uint64_t ino,
				uint64_t index, const char *why);
void dt_pages_set_violation_cb(struct dt_pages *m, dt_violation_fn fn,
			       void *ctx);
/* set the log once it is open */
void dt_pages_set_log(struct dt_pages *m, struct dt_log *log);
/* a record with no effect on page state (names, control, fsync, ...) */
uint64_t dt_pages_note(struct dt_pages *m, unsigned int src, unsigned int ev,
		       uint64_t ino, uint64_t first, uint64_t last,
		       uint64_t aux, const char *text,
		       const struct dt_origin *o);
/* -1 leaves a value unchanged; logs the policy record (as numbers). */
void dt_pages_set_policy(struct dt_pages *m, int on_violation, int release,
			 const struct dt_origin *o, uint64_t ino);
void dt_pages_get_policy(struct dt_pages *m, int *on_violation, int *release);
void dt_pages_counters(struct dt_pages *m, struct dt_pages_counters *c);

/* FUSE side */
void dt_pages_write(struct dt_pages *m, uint64_t ino, uint64_t first,
		    uint64_t last, const struct dt_origin *o);
/* Does a page of [first, last] lack buffers, so that a writepage of it
 * would be a violation? (The writepage pipeline waits for the tracer
 * before it believes so.) */
int dt_pages_lack_buffers(struct dt_pages *m, uint64_t ino, uint64_t first,
			  uint64_t last);
/* Before storing a writepage: log it, find pages without buffers (the
 * symptom, naming each page's root cause), apply the policy. */
enum dt_wp_verdict dt_pages_writepage_begin(struct dt_pages *m, uint64_t ino,
					    uint64_t first, uint64_t last,
					    const struct dt_origin *o);
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

/* aux of a dirty record: the folio was under writeback when dirtied */
#define DT_DIRTY_UNDER_WRITEBACK 1

/* [first, last] went clean->dirty by one path (@cls, @symbol decided),
 * one task; @kflags DT_DIRTY_* */
void dt_pages_kernel_dirty(struct dt_pages *m, uint64_t ino, uint64_t first,
			   uint64_t last, unsigned int cls, unsigned int kflags,
			   const char *symbol, const struct dt_origin *o);
void dt_pages_kernel_cache(struct dt_pages *m, uint64_t ino, uint64_t index,
			   uint64_t nr, int added, const struct dt_origin *o);

/* observer: the filesystem wrote [first, last] back (a write bio of
 * folios under writeback): logged as a kernel writepage; a page dirtied
 * without write-notify since its last writeback is the symptom */
void dt_pages_kernel_writeback(struct dt_pages *m, uint64_t ino, uint64_t first,
			       uint64_t last, const struct dt_origin *o);

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
 * dtfs-log check and timeline re-verify a log offline (versions 1 and 2 of
 * dtfs-dirtylog(5)). -EINVAL (nothing applied) for a record whose page
 * range the daemon never logs: reversed, or DT_REPLAY_MAX_PAGES or more
 * pages for an event that gives each page state (one FUSE request or
 * folio run is at most a few hundred pages). */
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
