/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel tracer: a BPF program (core/tracer.bpf.c) watching the page
 * cache of one superblock, and the stack classifier that tells how a page
 * got dirty. Events feed the page-state model.
 */
#ifndef DTFS_TRACER_API_H
#define DTFS_TRACER_API_H

#include <stdint.h>
#include <stddef.h>
#include "dtfs/pagestate.h"

struct dt_tracer;

/* Load and attach, filtering to device @major:@minor. On failure returns
 * a negative errno and one line saying why in @why. */
int dt_tracer_start(unsigned int major, unsigned int minor,
		    struct dt_pages *model, struct dt_tracer **out, char *why,
		    size_t whylen);
/* Feed every event recorded so far to the model. Thread-safe. */
void dt_tracer_drain(struct dt_tracer *t);
void dt_tracer_stop(struct dt_tracer *t);
uint64_t dt_tracer_events(struct dt_tracer *t);

/* Classify a dirtying by its kernel stack (innermost frame first): the
 * first entry of the class table found anywhere in the stack decides.
 * *decider is the symbol that decided (or the first frame outside the
 * page-dirtying plumbing for "other"). */
unsigned int dt_classify_stack(const char *const *syms, size_t n,
			       const char **decider);

#endif
