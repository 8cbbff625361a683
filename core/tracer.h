/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between the BPF program (tracer.bpf.c) and its loader (tracer.c). */
#ifndef DTFS_TRACER_H
#define DTFS_TRACER_H

#define DT_KSTACK_MAX 32

enum dt_kev_type {
	DT_KEV_DIRTY = 1,
	DT_KEV_ADD,
	DT_KEV_DEL,
	DT_KEV_FAULT,
	DT_KEV_MAP_PAGES,
};

/* every record starts with this; DT_KEV_DIRTY records carry a stack */
struct dt_kevent {
	unsigned long long ts;
	unsigned long long ino;
	unsigned long long index;
	unsigned long long last; /* map_pages: last index; add/del: pages */
	unsigned int pid;
	unsigned int type;
	char comm[16];
};

struct dt_kevent_dirty {
	struct dt_kevent e;
	int stack_bytes;
	int pad;
	unsigned long long stack[DT_KSTACK_MAX];
};

#endif
