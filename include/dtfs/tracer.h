/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel tracer: a BPF program (core/track/tracer.bpf.c) watching the
 * page cache of one superblock, and the stack classifier that tells how a
 * page got dirty (dtfs(7), CLASSES). Events feed the page-state model.
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

struct dt_tracer_conf {
	unsigned int major, minor; /* the superblock's device */
	struct dt_pages *model; /* fed with every event */
	/* DTFS_TP_* to treat as missing though the kernel has them (tests
	 * of the path other kernels take) */
	unsigned int pretend_missing;
	/* the costs, each step switchable to measure it (tests/bench);
	 * dt_tracer_conf_default() gives the tuned values */
	unsigned int stack_depth; /* frames, 1..32 */
	int user_classify; /* every stack to user space */
	int fault_fast; /* a user write fault's dirtying without its stack:
			 * 0 no, 1 the best way this kernel has, 2 the
			 * page_fault_user marks */
	int coalesce; /* runs of adjacent pages into one event */
	int kernel_runs; /* ... and into one record, in the kernel */
	uint64_t wake_bytes; /* 0: wake the reader on every record */
	int debug_stacks; /* print each symbolized stack to stderr */
	/* observer mode (dtfs-trace, dtfs-pin --fs): the superblock is a
	 * disk filesystem's, whose writeback the tracer sees in the block
	 * layer (a write bio of folios under writeback) */
	int observer;
	/* an inode whose events are not the model's (btrfs's btree inode,
	 * whose metadata pages are dirtied by no user path); 0: none */
	uint64_t skip_ino;
};

/* The defaults, then DTFS_TRACER_TUNE (dtfs(8), ENVIRONMENT) applied:
 * "depth=N,classify=kernel|user,fault=0|1,coalesce=0|1,runs=0|1,
 * wake=BYTES". -EINVAL and a
 * line in @why for a bad value. */
int dt_tracer_conf_default(struct dt_tracer_conf *c, char *why, size_t whylen);

/* Load and attach. The programs of tracepoints this kernel lacks are not
 * loaded (dt_tracer_missing); without writeback_dirty_folio the tracer
 * cannot observe write-notify and fails. On failure returns a negative
 * errno and one line saying why in @why. */
int dt_tracer_start(const struct dt_tracer_conf *conf, struct dt_tracer **out,
		    char *why, size_t whylen);
void dt_tracer_stop(struct dt_tracer *t);
/* DTFS_TP_* this kernel (or pretend_missing) does not have */
unsigned int dt_tracer_missing(struct dt_tracer *t);
/* What a missing set means, in one line (empty if nothing is missing). */
const char *dt_tracer_missing_text(unsigned int missing, char *buf, size_t len);
/* What the model may trust given what is missing (DT_OBS_*). */
unsigned int dt_tracer_observes(unsigned int missing);

/* Progress: records the kernel has started so far. Every dirtying that
 * happened before this call is among them. */
uint64_t dt_tracer_mark(struct dt_tracer *t);
/* Feed every record committed so far to the model. Thread-safe. */
void dt_tracer_drain(struct dt_tracer *t);
/* Drain until all records up to @mark are delivered (or dropped and
 * accounted as lost), at most @timeout_ns. 0: they were at the first
 * drain; 1: after waiting; -ETIMEDOUT. */
int dt_tracer_wait(struct dt_tracer *t, uint64_t mark, uint64_t timeout_ns);

struct dt_tracer_stats {
	uint64_t records; /* ring-buffer records consumed */
	uint64_t events; /* events fed to the model (after coalescing) */
	uint64_t dirty_pages; /* pages of dirtying records */
	uint64_t lost; /* records the kernel dropped */
	uint64_t stacks; /* records that carried a stack */
	uint64_t mismatches; /* stacks the two classifiers disagreed on */
	uint64_t cpu_ns; /* thread CPU time spent draining */
	uint64_t wakeups; /* the reader woken by the program */
	uint64_t bpf_ns, bpf_runs; /* the dirtying program's, if counted */
	uint64_t kicks; /* the CPUs asked for their open runs */
	uint64_t kick_retries; /* ... a CPU was inside its run: again */
};
void dt_tracer_stats(struct dt_tracer *t, struct dt_tracer_stats *s);

/* Classify a dirtying by its kernel stack (innermost frame first): the
 * first entry of the decider table found anywhere in the stack decides.
 * *decider is the symbol that decided (or the first frame outside the
 * page-dirtying plumbing for "other"). */
unsigned int dt_classify_stack(const char *const *syms, size_t n,
			       const char **decider);

struct dt_decider {
	const char *sym;
	unsigned int cls; /* enum dtfs_class */
};
/* The decider table, in priority order. */
size_t dt_classify_deciders(const struct dt_decider **tab);
/* @sym is function @name, up to a compiler suffix (".isra.0"). */
int dt_same_func(const char *sym, const char *name);

#endif
