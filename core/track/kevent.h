/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The records of the kernel tracer's ring buffer, shared by the BPF program
 * (tracer.bpf.c) and its loader (tracer.c). The program names a dirtying's
 * decider by its index in the loader's decider table (its priority); the
 * loader turns that into the ABI's class and the symbol's name.
 */
#ifndef DTFS_KEVENT_H
#define DTFS_KEVENT_H

/* frames of a dirtying's stack the BPF program can look at (it looks at
 * stack_depth of them, fewer by default: see tracer.c) */
#define DT_KSTACK_MAX 32
/* decider symbols the loader can give the program (address ranges) */
#define DT_KRANGES_MAX 48

/* dt_kevent_dirty.prio when no decider is on the stack ("other") */
#define DT_KPRIO_NONE 0x7fffffff

/* the longest run of pages one record carries (tracer.bpf.c, runs; the
 * reader's own coalescing keeps to it too): far below what dtfs-log
 * replays (DT_REPLAY_MAX_PAGES) */
#define DT_RUN_MAX_PAGES 4096

enum dt_kev_type {
	DT_KEV_DIRTY = 1, /* classified in the kernel */
	DT_KEV_DIRTY_STACK, /* with its stack: "other", or debugging */
	DT_KEV_ADD,
	DT_KEV_DEL,
	DT_KEV_FAULT,
	DT_KEV_MAP_PAGES,
	DT_KEV_WRITEBACK, /* observer: a folio under writeback in a write bio */
};

/* dt_kevent_dirty.flags */
#define DT_KEV_UNDER_WRITEBACK 1 /* the folio was under writeback */

/* every record starts with this */
struct dt_kevent {
	unsigned long long ts;
	unsigned long long ino;
	unsigned long long index;
	unsigned long long last; /* dirty, map_pages: last index;
				  * add/del: pages */
	unsigned int pid;
	unsigned int type;
	char comm[16];
};

struct dt_kevent_dirty {
	struct dt_kevent e;
	int prio; /* the decider table's entry that decided, or
		   * DT_KPRIO_NONE */
	unsigned short flags; /* DT_KEV_* */
	unsigned short pad0;
	/* DT_KEV_DIRTY_STACK only */
	int stack_bytes;
	int pad;
	unsigned long long stack[DT_KSTACK_MAX];
};

#define DT_KEV_DIRTY_SIZE (sizeof(struct dt_kevent) + 2 * sizeof(unsigned int))

/* one decider symbol, [start, end) of its code: a frame in it decides the
 * stack unless a range of lower @prio is also on the stack */
struct dt_krange {
	unsigned long long start, end;
	unsigned int prio, pad;
};

#endif
