/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decoder of the control ioctls (include/dtfs/ioctl.h), without
 * libfuse: given what a FUSE ioctl request carries (cmd, the argument
 * bytes in, the reply size out) it checks everything and decodes it, so
 * that fs/dtfs.c only acts. Who may call (root, the mount's owner) and
 * 32-bit compat ioctls are the daemon's to refuse, before decoding.
 *
 * cmd: DTFS_IOC_MAGIC and a known number, else -ENOTTY; then exactly the
 * direction and size of DTFS_IOC_*, and in_size/out_size those the kernel
 * passes for it (the size if written/read, else 0), else -EINVAL. Fields
 * (each else -EINVAL):
 *   MARK        text NUL-terminated within its 240 bytes
 *   EVICT       off and len at most INT64_MAX, off + len too (len 0: to
 *               the end of the file)
 *   GATE        reads + writes at most @gate_max (each held request holds
 *               a daemon thread), timeout_ms and held 0
 *   WAIT_GATED  timeout_ms clamped to DT_CTL_WAIT_MAX_MS; reads, writes
 *               and held ignored
 *   POLICY      on_violation -1..2, release -1..1 (-1: unchanged)
 */
#ifndef DTFS_CTL_H
#define DTFS_CTL_H

#include <stddef.h>
#include <stdint.h>
#include "dtfs/ioctl.h"

#define DT_CTL_WAIT_MAX_MS 600000u

enum dt_ctl_op {
	DT_CTL_STATUS = 1,
	DT_CTL_MARK,
	DT_CTL_EVICT,
	DT_CTL_GATE,
	DT_CTL_RELEASE,
	DT_CTL_WAIT_GATED,
	DT_CTL_POLICY,
};

struct dt_ctl {
	enum dt_ctl_op op;
	size_t out_size; /* bytes of the reply (0: none) */
	union {
		char mark[sizeof(((struct dtfs_mark *)0)->text)];
		struct {
			uint64_t off, len; /* as given, len 0: to the end */
			uint64_t last; /* last byte, UINT64_MAX: to the end */
		} evict;
		struct {
			uint32_t reads, writes;
		} gate;
		uint32_t timeout_ms; /* WAIT_GATED */
		struct {
			int32_t on_violation, release; /* -1: unchanged */
		} policy;
	} u;
};

/* 0 and @c filled, or -ENOTTY / -EINVAL. @in may be NULL if !in_size. */
int dt_ctl_decode(unsigned int cmd, const void *in, size_t in_size,
		  size_t out_size, uint32_t gate_max, struct dt_ctl *c);

/* The name of a DTFS_IOC_* number, or NULL. */
const char *dt_ctl_name(unsigned int cmd);

#endif
