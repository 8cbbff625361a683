/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block allocator of the data file. It is not stored: the mount
 * rebuilds it from the maps. A bit per block says "in use"; a block freed
 * by an operation stays in use (deferred) until the epoch of that operation
 * is durable, so that no block a durable map may still point to is written
 * again (a power cut would show another file's data in its place). Freed
 * runs of at least DT_PUNCH_MIN blocks are punched out of the data file
 * before they are reused, so the host sees the space come back.
 */
#ifndef DTFS_STORE_ALLOC_H
#define DTFS_STORE_ALLOC_H

#include <pthread.h>
#include <stdint.h>

#define DT_PUNCH_MIN 16 /* blocks: 64 KiB */

struct dt_run {
	uint64_t pblk, n;
};

struct dt_deferred {
	uint64_t pblk, n;
	uint32_t epoch;
};

struct dt_alloc {
	pthread_mutex_t lock;
	uint64_t *bits; /* 1: in use (or deferred, or being punched) */
	uint64_t nbits; /* capacity of bits, a multiple of 64 */
	uint64_t end; /* blocks in the data file: the next never used */
	uint64_t used; /* bits set */
	uint64_t cursor; /* next-fit search starts here */
	struct dt_deferred *def; /* deferred frees, in epoch order */
	size_t ndef, capdef;
	uint64_t def_blocks;
	struct dt_run *punch; /* runs to punch, then free */
	size_t npunch, cappunch;
	uint64_t punch_blocks;
};

int dt_alloc_init(struct dt_alloc *a, uint64_t end);
void dt_alloc_destroy(struct dt_alloc *a);
/* At mount: @n blocks at @pblk are in use (may lie past end: damage that
 * must never be handed out). Returns how many of them were in use already
 * (doubly owned). */
uint64_t dt_alloc_mark(struct dt_alloc *a, uint64_t pblk, uint64_t n);
/*
 * Allocate @n blocks, contiguous at @goal when it is free, else as few
 * runs as the free space allows (first fit from a moving cursor), else at
 * the end of the data file. Fills @runs (at most @max) and returns their
 * number, or -ENOSPC when @max runs cannot hold @n blocks.
 */
int dt_alloc_get(struct dt_alloc *a, uint64_t goal, uint64_t n,
		 struct dt_run *runs, int max);
/* Give back blocks no committed map ever pointed to. */
void dt_alloc_put(struct dt_alloc *a, uint64_t pblk, uint64_t n);
/* Free blocks once epoch @epoch is durable. */
int dt_alloc_defer(struct dt_alloc *a, uint64_t pblk, uint64_t n,
		   uint32_t epoch);
/* Epoch @epoch is durable: its deferred frees become free, or queued for
 * punching when they are DT_PUNCH_MIN blocks or more (or @punch_all). */
void dt_alloc_durable(struct dt_alloc *a, uint32_t epoch, int punch_all);
/* Queue every free run (of at least @min blocks) for punching. */
void dt_alloc_punch_free(struct dt_alloc *a, uint64_t min);
/* Take the runs queued for punching (caller frees the array), and after
 * punching them, give them back with dt_alloc_put. */
struct dt_run *dt_alloc_take_punch(struct dt_alloc *a, size_t *n);
/* Blocks at the end of the data file that are free: the caller may
 * truncate the file to the returned end (under the allocator's lock via
 * dt_alloc_shrink, which does it and updates end). */
int dt_alloc_shrink(struct dt_alloc *a, int fd);
void dt_alloc_stats(struct dt_alloc *a, uint64_t *end, uint64_t *used,
		    uint64_t *deferred);

#endif
