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

/*
 * What the BPF tracer needs: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN
 * (which implies both), in the effective set.
 */
#define DT_CAP_SYS_ADMIN 21
#define DT_CAP_PERFMON 38
#define DT_CAP_BPF 39
int dt_caps_tracer_ok(uint64_t effective);
/* This process's effective capabilities (capget). 0 or -errno. */
int dt_caps_effective(uint64_t *effective);
/* Before mounting with tracer=on: can the tracer load here? 0, or
 * -EPERM/-ENOENT with one line in @why (missing capabilities, no kernel
 * BTF, kernel symbol addresses hidden). */
int dt_tracer_precheck(char *why, size_t whylen);

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
