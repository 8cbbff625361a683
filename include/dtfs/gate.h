/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gate (dtfs(7), THE GATE): hold the next N READs or WRITEs of a file
 * inside the daemon until released, so that a test can make writeback race
 * with a pinned page deterministically. Held requests sleep in their session
 * thread; the daemon keeps spare threads for everything else.
 */
#ifndef DTFS_GATE_H
#define DTFS_GATE_H

#include <stdint.h>

struct dt_gates;

struct dt_gates *dt_gates_new(void);
void dt_gates_free(struct dt_gates *g); /* releases everything first */
void dt_gate_set(struct dt_gates *g, uint64_t ino, uint32_t reads,
		 uint32_t writes);
/* Called by a READ/WRITE of @ino: returns at once unless the gate holds
 * it; then waits until dt_gate_release. Returns 1 if it was held. */
int dt_gate_pass(struct dt_gates *g, uint64_t ino, int is_write);
/* Open the gate: held requests go on, pending counts are cleared. */
void dt_gate_release(struct dt_gates *g, uint64_t ino);
/* Wait until at least one request of @ino is held; returns the number
 * held, or 0 on timeout. */
uint32_t dt_gate_wait(struct dt_gates *g, uint64_t ino, uint32_t timeout_ms);
void dt_gate_get(struct dt_gates *g, uint64_t ino, uint32_t *reads,
		 uint32_t *writes, uint32_t *held);

#endif
