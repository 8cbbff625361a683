/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control ABI of a mounted dtfs, and the one home of the names that
 * its users share with the dirty log: the policy, the release mode, the
 * events and the classes of a dirtying. The daemon, the dirty log and every
 * tool spell these names through the tables below and nowhere else; what
 * they mean is in dtfs(7), the record layout in dtfs-dirtylog(5).
 *
 * The ioctls act on any file (or directory) of the mount. Allowed for root
 * and the mount's owner; EPERM otherwise. Fixed-size arguments (FUSE
 * restricted ioctls).
 */
#ifndef DTFS_IOCTL_H
#define DTFS_IOCTL_H

#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#define DTFS_IOC_MAGIC 0xD7
/* 2: dirty_by_class has DTFS_CLS_SLOTS entries; ordering and tracer
 * counters in the status */
#define DTFS_ABI_VERSION 2
#define DTFS_STATUS_PAGES 256

/* ---- the policy: a writepage of a dirty page without buffers ---------- */

enum dtfs_on_violation {
	DTFS_ON_WARN = 0, /* log it, store the data */
	DTFS_ON_EIO = 1, /* refuse the data, as a filesystem that cannot
			  * allocate would */
	DTFS_ON_ABORT = 2, /* stop the daemon, as the filesystem's BUG() */
	DTFS_ON_COUNT
};

static inline const char *dtfs_on_violation_name(unsigned int v)
{
	static const char *const names[DTFS_ON_COUNT] = {
		[DTFS_ON_WARN] = "warn",
		[DTFS_ON_EIO] = "eio",
		[DTFS_ON_ABORT] = "abort",
	};

	return v < DTFS_ON_COUNT ? names[v] : NULL;
}

/* ---- the release mode: when a page's buffers go ------------------------ */

enum dtfs_release {
	DTFS_REL_WRITEBACK = 0, /* when writeback of the page completes */
	DTFS_REL_EVICT = 1, /* when the kernel evicts the page */
	DTFS_REL_COUNT
};

static inline const char *dtfs_release_name(unsigned int v)
{
	static const char *const names[DTFS_REL_COUNT] = {
		[DTFS_REL_WRITEBACK] = "writeback",
		[DTFS_REL_EVICT] = "evict",
	};

	return v < DTFS_REL_COUNT ? names[v] : NULL;
}

/* ---- classes: how a page got dirty (the kernel stack says) ------------ */

enum dtfs_class {
	DTFS_CLS_NONE = 0,
	DTFS_CLS_WRITE_NOTIFY, /* fault_dirty_shared_page / do_wp_page */
	DTFS_CLS_WRITE_BEGIN, /* buffered write path */
	DTFS_CLS_DIO_BIO_COMPLETION, /* __bio_release_pages / bio_dirty_fn */
	DTFS_CLS_DIO_SUBMIT, /* bio_set_pages_dirty */
	DTFS_CLS_FUSE_DIO_RELEASE, /* fuse_release_user_pages */
	DTFS_CLS_GUP_UNPIN, /* unpin_user_pages_dirty_lock & co */
	DTFS_CLS_OTHER, /* any other path */
	DTFS_CLS_REDIRTY, /* writeback gave the page back dirty */
	DTFS_CLS_COUNT
};

/* dirty_by_class[] of the status: room for classes to come */
#define DTFS_CLS_SLOTS 16
_Static_assert(DTFS_CLS_COUNT <= DTFS_CLS_SLOTS,
	       "more classes than the status has slots for");

static inline const char *dtfs_class_name(unsigned int cls)
{
	static const char *const names[DTFS_CLS_COUNT] = {
		[DTFS_CLS_NONE] = "-",
		[DTFS_CLS_WRITE_NOTIFY] = "write-notify",
		[DTFS_CLS_WRITE_BEGIN] = "write-begin",
		[DTFS_CLS_DIO_BIO_COMPLETION] = "dio-bio-completion",
		[DTFS_CLS_DIO_SUBMIT] = "dio-submit",
		[DTFS_CLS_FUSE_DIO_RELEASE] = "fuse-dio-release",
		[DTFS_CLS_GUP_UNPIN] = "gup-unpin",
		[DTFS_CLS_OTHER] = "other",
		[DTFS_CLS_REDIRTY] = "writeback-redirty",
	};

	return cls < DTFS_CLS_COUNT ? names[cls] : NULL;
}

/* A class that went around write-notify: a dirtying the filesystem was
 * not told about. */
static inline int dtfs_class_is_bypass(unsigned int cls)
{
	switch (cls) {
	case DTFS_CLS_DIO_BIO_COMPLETION:
	case DTFS_CLS_DIO_SUBMIT:
	case DTFS_CLS_FUSE_DIO_RELEASE:
	case DTFS_CLS_GUP_UNPIN:
	case DTFS_CLS_OTHER:
		return 1;
	}
	return 0;
}

/* ---- events of the dirty log (dtfs-dirtylog(5)) ----------------------- */

enum dtfs_event {
	/* FUSE requests */
	DTFS_EV_WRITE = 1, /* write(): write_begin..write_end */
	DTFS_EV_WRITEPAGE, /* kernel writeback of mapped/cached pages */
	DTFS_EV_DIO_WRITE, /* O_DIRECT write: no page cache */
	DTFS_EV_READ, /* page fill (or O_DIRECT read: aux=1) */
	DTFS_EV_TRUNCATE, /* setattr size; aux = new size */
	DTFS_EV_PUNCH, /* fallocate punch hole / zero range */
	DTFS_EV_FSYNC,
	DTFS_EV_FLUSH,
	DTFS_EV_RELEASE,
	/* kernel tracer */
	DTFS_EV_DIRTY = 20, /* clean->dirty transition; cls, text = symbol */
	DTFS_EV_CACHE_ADD, /* folio inserted into the page cache */
	DTFS_EV_CACHE_DEL, /* folio deleted from the page cache */
	DTFS_EV_FAULT, /* filemap_fault */
	DTFS_EV_MAP_PAGES, /* fault-around: PTEs for [first, last] */
	/* the model */
	DTFS_EV_VIOL_NO_NOTIFY = 40, /* root cause */
	DTFS_EV_VIOL_NO_BUFFERS, /* symptom */
	DTFS_EV_REFUSED, /* policy eio: writepage data refused */
	DTFS_EV_ABORT, /* policy abort: daemon stops */
	/* names */
	DTFS_EV_CREATE = 60, /* text = "parent-ino/name" */
	DTFS_EV_LINK,
	DTFS_EV_UNLINK,
	DTFS_EV_RENAME, /* text = "pino/name -> pino/name" */
	/* control */
	DTFS_EV_MARK = 80, /* text = marker */
	DTFS_EV_EVICT,
	DTFS_EV_GATE,
	DTFS_EV_GATE_RELEASE,
	DTFS_EV_POLICY, /* first = on_violation, last = release */
	DTFS_EV_MOUNT, /* text = mount description */
	DTFS_EV_LOST, /* aux = records dropped */
	DTFS_EV_LIMIT = 128 /* every event number is below */
};

static inline const char *dtfs_event_name(unsigned int ev)
{
	static const char *const names[DTFS_EV_LIMIT] = {
		[DTFS_EV_WRITE] = "write",
		[DTFS_EV_WRITEPAGE] = "writepage",
		[DTFS_EV_DIO_WRITE] = "dio-write",
		[DTFS_EV_READ] = "read",
		[DTFS_EV_TRUNCATE] = "truncate",
		[DTFS_EV_PUNCH] = "punch",
		[DTFS_EV_FSYNC] = "fsync",
		[DTFS_EV_FLUSH] = "flush",
		[DTFS_EV_RELEASE] = "release",
		[DTFS_EV_DIRTY] = "dirty",
		[DTFS_EV_CACHE_ADD] = "cache-add",
		[DTFS_EV_CACHE_DEL] = "cache-del",
		[DTFS_EV_FAULT] = "fault",
		[DTFS_EV_MAP_PAGES] = "map-pages",
		[DTFS_EV_VIOL_NO_NOTIFY] =
			"VIOLATION-dirtied-without-write-notify",
		[DTFS_EV_VIOL_NO_BUFFERS] =
			"VIOLATION-dirty-page-without-buffers",
		[DTFS_EV_REFUSED] = "refused",
		[DTFS_EV_ABORT] = "abort",
		[DTFS_EV_CREATE] = "create",
		[DTFS_EV_LINK] = "link",
		[DTFS_EV_UNLINK] = "unlink",
		[DTFS_EV_RENAME] = "rename",
		[DTFS_EV_MARK] = "mark",
		[DTFS_EV_EVICT] = "evict",
		[DTFS_EV_GATE] = "gate",
		[DTFS_EV_GATE_RELEASE] = "gate-release",
		[DTFS_EV_POLICY] = "policy",
		[DTFS_EV_MOUNT] = "mount",
		[DTFS_EV_LOST] = "lost",
	};

	return ev < DTFS_EV_LIMIT ? names[ev] : NULL;
}

/* The value whose name(v) is @s, v in [0, @count); -1 if none. For the
 * tables above: dtfs_by_name(dtfs_class_name, DTFS_CLS_COUNT, "other"). */
static inline int dtfs_by_name(const char *(*name)(unsigned int),
			       unsigned int count, const char *s)
{
	for (unsigned int v = 0; v < count; v++) {
		const char *n = name(v);

		if (n && !strcmp(n, s))
			return (int)v;
	}
	return -1;
}

/* ---- the ioctls --------------------------------------------------------- */

/* page flags in dtfs_status.pages[].flags (dtfs(7), PAGE STATES) */
#define DTFS_PG_BUFFERS 1
#define DTFS_PG_DIRTY 2
#define DTFS_PG_WRITEBACK 4
#define DTFS_PG_RESIDENT 8
#define DTFS_PG_VIOLATED 16

struct dtfs_status {
	uint32_t abi_version;
	uint32_t tracer_on;
	int32_t on_violation; /* enum dtfs_on_violation */
	int32_t release; /* enum dtfs_release */
	uint64_t events, tracked_pages, writes, writepages;
	uint64_t viol_no_notify, viol_no_buffers, refused;
	uint64_t dirty_by_class[DTFS_CLS_SLOTS]; /* enum dtfs_class */
	uint64_t tracer_events, log_bytes, log_dropped;
	/* writepages that met a page without buffers, so waited until the
	 * tracer had delivered every earlier dirtying (dtfs(7), ORDER):
	 * how often that was, how often the wait was not already over,
	 * for how long, and how often it gave up */
	uint64_t order_checks, order_waits, order_wait_ns, order_wait_max_ns;
	uint64_t order_timeouts;
	uint64_t tracer_lost; /* ring-buffer records the kernel dropped */
	uint32_t tracer_missing; /* DTFS_TP_* the kernel does not have */
	uint32_t reserved0;
	/* the tracer's own cost in dtfs: CPU time spent draining the ring
	 * buffer into the model and the log, wakeups of its reader, and the
	 * events it gave the model (runs of pages coalesced) */
	uint64_t tracer_cpu_ns, tracer_wakeups, tracer_model_events;
	/* the dirtying program's run time in the kernel, when the kernel
	 * counts it (sysctl kernel.bpf_stats_enabled=1) */
	uint64_t tracer_bpf_ns, tracer_bpf_runs;
	/* this file */
	uint64_t ino;
	uint32_t gate_reads, gate_writes, gate_held;
	uint32_t npages; /* pages with state (may exceed the array) */
	struct {
		uint64_t index;
		uint32_t flags;
		uint32_t pad;
	} pages[DTFS_STATUS_PAGES];
};

/* tracepoints the tracer uses (tracer_missing) */
#define DTFS_TP_DIRTY 1 /* writeback:writeback_dirty_folio */
#define DTFS_TP_CACHE 2 /* filemap:mm_filemap_{add_to,delete_from}_page_cache */
#define DTFS_TP_FAULT 4 /* filemap:mm_filemap_fault */
#define DTFS_TP_MAP_PAGES 8 /* filemap:mm_filemap_map_pages */

struct dtfs_mark {
	char text[240];
};

struct dtfs_range {
	uint64_t off, len; /* len 0: to the end */
};

struct dtfs_gate {
	uint32_t reads; /* hold the next N READs of this file */
	uint32_t writes; /* hold the next N WRITEs of this file */
	uint32_t timeout_ms; /* wait-gated: how long to wait */
	uint32_t held; /* out: requests held now */
};

struct dtfs_policy {
	int32_t on_violation; /* enum dtfs_on_violation, -1: unchanged */
	int32_t release; /* enum dtfs_release, -1: unchanged */
};

#define DTFS_IOC_STATUS _IOR(DTFS_IOC_MAGIC, 1, struct dtfs_status)
#define DTFS_IOC_MARK _IOW(DTFS_IOC_MAGIC, 2, struct dtfs_mark)
#define DTFS_IOC_EVICT _IOW(DTFS_IOC_MAGIC, 3, struct dtfs_range)
#define DTFS_IOC_GATE _IOW(DTFS_IOC_MAGIC, 4, struct dtfs_gate)
#define DTFS_IOC_RELEASE _IO(DTFS_IOC_MAGIC, 5)
#define DTFS_IOC_WAIT_GATED _IOWR(DTFS_IOC_MAGIC, 6, struct dtfs_gate)
#define DTFS_IOC_POLICY _IOWR(DTFS_IOC_MAGIC, 7, struct dtfs_policy)

#endif
