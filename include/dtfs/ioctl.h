/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control ABI of a mounted dtfs: ioctls on any file (or directory) of
 * the mount. Allowed for root and the mount's owner; EPERM otherwise.
 * Fixed-size arguments (FUSE restricted ioctls). Tools use nothing else.
 */
#ifndef DTFS_IOCTL_H
#define DTFS_IOCTL_H

#include <stdint.h>
#include <sys/ioctl.h>

#define DTFS_IOC_MAGIC 0xD7
#define DTFS_ABI_VERSION 1
#define DTFS_STATUS_PAGES 256

/* page flags in dtfs_status.pages[].flags (same as the model's) */
#define DTFS_PG_BUFFERS 1
#define DTFS_PG_DIRTY 2
#define DTFS_PG_WRITEBACK 4
#define DTFS_PG_RESIDENT 8
#define DTFS_PG_VIOLATED 16

struct dtfs_status {
	uint32_t abi_version;
	uint32_t tracer_on;
	int32_t on_violation; /* 0 warn, 1 eio, 2 abort */
	int32_t release; /* 0 writeback, 1 evict */
	uint64_t events, tracked_pages, writes, writepages;
	uint64_t viol_no_notify, viol_no_buffers, refused;
	uint64_t dirty_by_class[8];
	uint64_t tracer_events, log_bytes, log_dropped;
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
	int32_t on_violation; /* -1: unchanged */
	int32_t release; /* -1: unchanged */
};

#define DTFS_IOC_STATUS _IOR(DTFS_IOC_MAGIC, 1, struct dtfs_status)
#define DTFS_IOC_MARK _IOW(DTFS_IOC_MAGIC, 2, struct dtfs_mark)
#define DTFS_IOC_EVICT _IOW(DTFS_IOC_MAGIC, 3, struct dtfs_range)
#define DTFS_IOC_GATE _IOW(DTFS_IOC_MAGIC, 4, struct dtfs_gate)
#define DTFS_IOC_RELEASE _IO(DTFS_IOC_MAGIC, 5)
#define DTFS_IOC_WAIT_GATED _IOWR(DTFS_IOC_MAGIC, 6, struct dtfs_gate)
#define DTFS_IOC_POLICY _IOWR(DTFS_IOC_MAGIC, 7, struct dtfs_policy)

#endif
