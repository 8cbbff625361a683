// SPDX-License-Identifier: GPL-2.0
/*
 * Loader of the BPF tracer: opens the skeleton, sets the superblock to
 * watch, gives the program the decider symbols' code ranges, loads the
 * programs whose tracepoints this kernel has, attaches, and feeds
 * ring-buffer records to the page-state model.
 *
 * A poll thread drains on a timer (the program wakes it only when much is
 * waiting); dt_tracer_drain() and dt_tracer_wait() let a writepage drain
 * synchronously before it decides (see tracer.bpf.c for why that is
 * exact). All of them hold drain_lock, so records reach the model in ring
 * order. Runs of adjacent pages dirtied by one path and one task are fed
 * to the model as one event; a run never outlives a drain.
 */
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "dtfs/tracer.h"
#include "kevent.h"
#include "tracer.skel.h"

/* what the BPF program writes is what the dirty log says */
_Static_assert(DT_KEV_UNDER_WRITEBACK == DT_DIRTY_UNDER_WRITEBACK,
	       "kevent.h dirty flags differ from the dirty log's");

#define POLL_MS 20 /* the reader's timer when nothing wakes it */

struct ksym {
	unsigned long long addr;
	const char *name;
};

/* Stacks repeat (one code path dirties page after page): remember how each
 * recent stack classified, so symbolizing and matching run once per path,
 * not once per page. Direct-mapped, keyed by a hash of the addresses. */
#define DT_STACK_CACHE 4096

struct stack_entry {
	uint64_t hash;
	int n;
	unsigned int cls;
	const char *decider;
	unsigned long long stack[DT_KSTACK_MAX];
};

/*
 * Runs of kernel events not yet given to the model, one per kind: events of
 * one kind on adjacent pages of one inode by one task (and, for dirtyings,
 * one path) become one event. Kinds interleave (a store faults a page in,
 * then dirties it), so the dirty, cache-add and fault runs grow side by
 * side; they are flushed in the order of their first events, and a page is
 * added to a run only if that keeps each page's own events in order. A
 * cache delete ends every other run (it undoes what they say) and has its
 * own run.
 */
enum { RUN_DIRTY, RUN_ADD, RUN_FAULT, RUN_DEL, RUN_WB, NRUNS };

struct pending {
	int open;
	uint64_t ino, first, last;
	unsigned int cls, kflags; /* dirty */
	const char *decider;
	struct dt_origin o; /* ts: the first event's */
};

/*
 * A drain's records, sorted by time before the model sees them: each CPU
 * writes its records in order, but a run is written when it ends, after
 * the other CPUs' later events (tracer.bpf.c, runs). Every drain first
 * has the CPUs write their open runs, so one drain holds every event up to
 * it, and sorting puts, say, a cache insert held in one CPU's run before
 * the delete another CPU made later.
 */
#define BATCH_MAX 1024
struct batch_rec {
	uint64_t seq; /* arrival: records of one time keep their order */
	size_t size;
	struct dt_kevent_dirty r;
};

struct dt_tracer {
	struct dt_tracer_conf conf;
	struct stack_entry *scache;
	struct dt_tracer_bpf *skel;
	struct ring_buffer *rb;
	pthread_mutex_t drain_lock;
	pthread_t poller;
	int stop;
	unsigned int missing; /* DTFS_TP_* */
	struct dt_tracer_stats st;
	uint64_t dropped; /* ring-buffer records lost so far */
	uint64_t mismatches; /* kernel and user classifier disagreed */
	int ncpus; /* possible CPUs: the per-CPU `produced' counters */
	unsigned long long *started; /* their values, read under mark_lock */
	pthread_mutex_t mark_lock;
	struct pending runs[NRUNS];
	struct batch_rec *batch; /* one drain's records, put in time order */
	size_t nbatch;
	struct ksym *syms;
	size_t nsyms;
	char *names;
	const struct dt_decider *dec; /* the decider table */
	size_t ndec;
};

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* /proc/kallsyms: text symbols, sorted, for symbolizing stacks and for
 * the deciders' code ranges. */
static int load_kallsyms(struct dt_tracer *t)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	size_t cap = 0, ncap = 0, nlen = 0;
	char line[512];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256];
		size_t l;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (type != 't' && type != 'T')
			continue;
		if (t->nsyms == cap) {
			struct ksym *s;

			cap = cap ? cap * 2 : 65536;
			s = realloc(t->syms, cap * sizeof(*s));
			if (!s)
				break;
			t->syms = s;
		}
		l = strlen(name) + 1;
		if (nlen + l > ncap) {
			char *n;

			ncap = ncap ? ncap * 2 : 1 << 20;
			n = realloc(t->names, ncap);
			if (!n)
				break;
			t->names = n;
		}
		memcpy(t->names + nlen, name, l);
		t->syms[t->nsyms].addr = addr;
		t->syms[t->nsyms].name = (const char *)(uintptr_t)nlen;
		t->nsyms++;
		nlen += l;
	}
	fclose(f);
	for (size_t i = 0; i < t->nsyms; i++)
		t->syms[i].name = t->names + (uintptr_t)t->syms[i].name;
	qsort(t->syms, t->nsyms, sizeof(*t->syms), cmp_ksym);
	if (t->nsyms && t->syms[t->nsyms - 1].addr == 0)
		return -EPERM; /* addresses hidden: not privileged */
	return t->nsyms ? 0 : -ENOENT;
}

static const char *ksym_name(struct dt_tracer *t, unsigned long long addr)
{
	size_t lo = 0, hi = t->nsyms;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* past the last text symbol (JIT code, trampolines): unknown */
	if (!lo || !strcmp(t->syms[lo - 1].name, "_einittext") ||
	    !strcmp(t->syms[lo - 1].name, "_etext"))
		return NULL;
	return t->syms[lo - 1].name;
}

static int cmp_krange(const void *a, const void *b)
{
	const struct dt_krange *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * The deciders' code, for the program: each symbol of the decider table
 * (and its compiler clones, ".isra.0", ".cold") from its address to the
 * next symbol's. Priority is the table's order.
 */
static int fill_deciders(struct dt_tracer *t)
{
	struct {
		unsigned int n, pad;
		struct dt_krange r[DT_KRANGES_MAX];
	} tab;
	const struct dt_decider *dec = t->dec;
	size_t ndec = t->ndec;
	unsigned int zero = 0;

	memset(&tab, 0, sizeof(tab));
	for (size_t i = 0; i + 1 < t->nsyms; i++) {
		for (size_t c = 0; c < ndec; c++) {
			if (!dt_same_func(t->syms[i].name, dec[c].sym))
				continue;
			if (tab.n == DT_KRANGES_MAX)
				return -E2BIG;
			tab.r[tab.n].start = t->syms[i].addr;
			tab.r[tab.n].end = t->syms[i + 1].addr;
			tab.r[tab.n].prio = (unsigned int)c;
			tab.n++;
		}
	}
	/* sorted by address: the program searches them */
	qsort(tab.r, tab.n, sizeof(tab.r[0]), cmp_krange);
	return bpf_map_update_elem(bpf_map__fd(t->skel->maps.deciders), &zero,
				   &tab, BPF_ANY)
		       ? -errno
		       : 0;
}

static void run_give(struct dt_tracer *t, int kind)
{
	struct pending *r = &t->runs[kind];

	r->open = 0;
	t->st.events++;
	switch (kind) {
	case RUN_DIRTY:
		dt_pages_kernel_dirty(t->conf.model, r->ino, r->first, r->last,
				      r->cls, r->kflags, r->decider, &r->o);
		break;
	case RUN_ADD:
	case RUN_DEL:
		dt_pages_kernel_cache(t->conf.model, r->ino, r->first,
				      r->last - r->first + 1, kind == RUN_ADD,
				      &r->o);
		break;
	case RUN_FAULT:
		dt_pages_kernel_fault(t->conf.model, r->ino, r->first, r->last,
				      0, &r->o);
		break;
	case RUN_WB: /* observer mode */
		dt_pages_kernel_writeback(t->conf.model, r->ino, r->first,
					  r->last, &r->o);
		break;
	}
}

/* Give every open run to the model, oldest first. */
static void runs_flush(struct dt_tracer *t)
{
	for (;;) {
		int k = -1;

		for (int i = 0; i < NRUNS; i++)
			if (t->runs[i].open &&
			    (k < 0 || t->runs[i].o.ts < t->runs[k].o.ts))
				k = i;
		if (k < 0)
			return;
		run_give(t, k);
	}
}

/* May event @kind on page @p of @e's task join its open run? */
static int run_takes(struct dt_tracer *t, int kind, const struct dt_kevent *e,
		     uint64_t last, unsigned int cls, unsigned int kflags,
		     const char *decider)
{
	struct pending *r = &t->runs[kind];

	if (!t->conf.coalesce || !r->open || r->ino != e->ino ||
	    r->last + 1 != e->index || r->o.pid != e->pid ||
	    last - r->first >= DT_RUN_MAX_PAGES ||
	    memcmp(r->o.comm, e->comm, sizeof(r->o.comm)))
		return 0;
	if (kind == RUN_DIRTY &&
	    (r->cls != cls || r->kflags != kflags || r->decider != decider))
		return 0;
	/* this page's earlier events in a run that is flushed after ours
	 * would come out after this one */
	for (int i = 0; i < NRUNS; i++) {
		const struct pending *u = &t->runs[i];

		if (i != kind && u->open && u->ino == e->ino &&
		    u->first <= e->index && u->last >= e->index &&
		    u->o.ts > r->o.ts)
			return 0;
	}
	return 1;
}

static void kernel_event(struct dt_tracer *t, int kind,
			 const struct dt_kevent *e, uint64_t last,
			 unsigned int cls, unsigned int kflags,
			 const char *decider)
{
	struct pending *r = &t->runs[kind];

	if (run_takes(t, kind, e, last, cls, kflags, decider)) {
		r->last = last;
		return;
	}
	/* a delete ends the other runs; anything else ends a delete run */
	if (kind == RUN_DEL) {
		runs_flush(t);
	} else {
		if (t->runs[RUN_DEL].open)
			run_give(t, RUN_DEL);
		if (r->open)
			runs_flush(t);
	}
	r->open = 1;
	r->ino = e->ino;
	r->first = e->index;
	r->last = last;
	r->cls = cls;
	r->kflags = kflags;
	r->decider = decider;
	r->o.ts = e->ts;
	r->o.pid = e->pid;
	memcpy(r->o.comm, e->comm, sizeof(r->o.comm));
	if (!t->conf.coalesce)
		runs_flush(t);
}

static void dirtied(struct dt_tracer *t, const struct dt_kevent *e,
		    unsigned int cls, unsigned int kflags, const char *decider)
{
	uint64_t last = e->last < e->index ? e->index : e->last;

	t->st.dirty_pages += last - e->index + 1;
	kernel_event(t, RUN_DIRTY, e, last, cls, kflags, decider);
}

/* A record with its stack: classify it here (and, when the kernel
 * classified it too, check that both agree). */
static void dirty_stack(struct dt_tracer *t, const struct dt_kevent_dirty *dk)
{
	const char *syms[DT_KSTACK_MAX] = {0}, *decider = "?";
	size_t n = dk->stack_bytes > 0
			   ? (size_t)dk->stack_bytes / sizeof(dk->stack[0])
			   : 0;
	uint64_t h = 1469598103934665603ULL;
	struct stack_entry *ce;
	unsigned int cls;

	t->st.stacks++;
	if (n > DT_KSTACK_MAX)
		n = DT_KSTACK_MAX;
	for (size_t i = 0; i < n; i++)
		h = (h ^ dk->stack[i]) * 1099511628211ULL;
	ce = &t->scache[h % DT_STACK_CACHE];
	if (!t->conf.debug_stacks && ce->hash == h && ce->n == (int)n &&
	    !memcmp(ce->stack, dk->stack, n * sizeof(dk->stack[0]))) {
		cls = ce->cls;
		decider = ce->decider;
	} else {
		for (size_t i = 0; i < n; i++)
			syms[i] = ksym_name(t, dk->stack[i]);
		cls = dt_classify_stack(syms, n, &decider);
		ce->hash = h;
		ce->n = (int)n;
		ce->cls = cls;
		ce->decider = decider; /* points into the kallsyms table */
		memcpy(ce->stack, dk->stack, n * sizeof(dk->stack[0]));
		if (t->conf.debug_stacks)
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, "dtfs: stack[%zu] %llx %s\n", i,
					dk->stack[i], syms[i] ? syms[i] : "?");
	}
	if (!t->conf.user_classify) {
		unsigned int kcls = dk->prio >= 0 && (size_t)dk->prio < t->ndec
					    ? t->dec[dk->prio].cls
					    : DTFS_CLS_OTHER;

		if (kcls != cls) {
			t->mismatches++;
			if (t->conf.debug_stacks)
				fprintf(stderr,
					"dtfs: classifiers disagree: kernel "
					"%s, user %s (%s)\n",
					dtfs_class_name(kcls) ?: "?",
					dtfs_class_name(cls) ?: "?", decider);
		}
	}
	dirtied(t, &dk->e, cls, dk->flags, decider);
}

static int handle_record(struct dt_tracer *t, const void *data, size_t size)
{
	const struct dt_kevent *e = data;
	const struct dt_kevent_dirty *dk = data;
	struct dt_origin o = {.ts = e->ts, .pid = e->pid};

	if (size < sizeof(*e))
		return 0;
	t->st.records++;
	if (t->conf.skip_ino && e->ino == t->conf.skip_ino)
		return 0;
	switch (e->type) {
	case DT_KEV_DIRTY:
		if (size < DT_KEV_DIRTY_SIZE)
			return 0;
		if (dk->prio < 0 || (size_t)dk->prio >= t->ndec)
			return 0; /* not from this loader's table */
		dirtied(t, e, t->dec[dk->prio].cls, dk->flags,
			t->dec[dk->prio].sym);
		return 0;
	case DT_KEV_DIRTY_STACK:
		if (size >= sizeof(*dk))
			dirty_stack(t, dk);
		return 0;
	}
	switch (e->type) {
	case DT_KEV_ADD:
	case DT_KEV_DEL:
		/* a folio of e->last pages */
		kernel_event(t, e->type == DT_KEV_ADD ? RUN_ADD : RUN_DEL, e,
			     e->index + (e->last ? e->last : 1) - 1, 0, 0,
			     NULL);
		break;
	case DT_KEV_FAULT: /* a run of faults on adjacent pages */
		kernel_event(t, RUN_FAULT, e,
			     e->last < e->index ? e->index : e->last, 0, 0,
			     NULL);
		break;
	case DT_KEV_WRITEBACK:
		/* a folio of a write bio (observer mode); a bio's folios
		 * become one run */
		kernel_event(t, RUN_WB, e,
			     e->last < e->index ? e->index : e->last, 0, 0,
			     NULL);
		break;
	case DT_KEV_MAP_PAGES:
		runs_flush(t);
		t->st.events++;
		memcpy(o.comm, e->comm, sizeof(o.comm));
		dt_pages_kernel_fault(t->conf.model, e->ino, e->index, e->last,
				      1, &o);
		break;
	}
	return 0;
}

/* The ring buffer's callback: into the batch; a full batch stops the
 * consume (the record is kept) */
static int on_event(void *ctx, void *data, size_t size)
{
	struct dt_tracer *t = ctx;
	struct batch_rec *b = &t->batch[t->nbatch];

	if (size > sizeof(b->r))
		size = sizeof(b->r); /* no record is longer */
	b->seq = t->nbatch;
	b->size = size;
	memcpy(&b->r, data, size);
	return ++t->nbatch == BATCH_MAX ? -ENOSPC : 0;
}

static int cmp_batch(const void *a, const void *b)
{
	const struct batch_rec *x = a, *y = b;

	if (x->r.e.ts != y->r.e.ts)
		return x->r.e.ts < y->r.e.ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Under drain_lock: everything committed, in time order, then the open
 * runs. */
static void drain_locked(struct dt_tracer *t)
{
	uint64_t dropped;
	int ret;

	do {
		ret = ring_buffer__consume(t->rb);
		qsort(t->batch, t->nbatch, sizeof(t->batch[0]), cmp_batch);
		for (size_t i = 0; i < t->nbatch; i++)
			handle_record(t, &t->batch[i].r, t->batch[i].size);
		t->nbatch = 0;
	} while (ret == -ENOSPC);
	runs_flush(t);
	/* Lost records mean lost write-notify evidence: from here on the
	 * model infers instead of accusing (it reports no violation it
	 * cannot prove), and the log says so. */
	dropped = __atomic_load_n(&t->skel->bss->dropped, __ATOMIC_RELAXED);
	if (dropped != t->dropped) {
		dt_pages_kernel_lost(t->conf.model, dropped - t->dropped);
		t->st.lost = dropped;
		t->dropped = dropped;
	}
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Have every CPU write its open run to the ring (tracer.bpf.c, runs):
 * dt_flush on each CPU, in an IPI for the others. A CPU whose program is
 * inside its run at that instant says so, and is asked again: a program
 * run is well under a microsecond. Before every drain (the reader's, at
 * least every POLL_MS, and a writepage's) and every mark.
 */
static void runs_kick(struct dt_tracer *t)
{
	int fd;

	if (!t->conf.kernel_runs || !t->skel)
		return;
	fd = bpf_program__fd(t->skel->progs.dt_flush);
	if (fd < 0)
		return;
	for (int cpu = 0; cpu < t->ncpus; cpu++) {
		for (int tries = 0; tries < 10000; tries++) {
			LIBBPF_OPTS(bpf_test_run_opts, o,
				    .flags = BPF_F_TEST_RUN_ON_CPU,
				    .cpu = (__u32)cpu);

			if (bpf_prog_test_run_opts(fd, &o))
				break; /* offline */
			if (!o.retval)
				break;
			__atomic_fetch_add(&t->st.kick_retries, 1,
					   __ATOMIC_RELAXED);
			sched_yield();
		}
	}
	__atomic_fetch_add(&t->st.kicks, 1, __ATOMIC_RELAXED);
}

void dt_tracer_drain(struct dt_tracer *t)
{
	uint64_t c0;

	if (!t)
		return;
	runs_kick(t); /* the CPUs' open runs are events before now */
	pthread_mutex_lock(&t->drain_lock);
	c0 = thread_cpu_ns();
	drain_locked(t);
	t->st.cpu_ns += thread_cpu_ns() - c0;
	pthread_mutex_unlock(&t->drain_lock);
}

/* The records started so far: a syscall, so a writepage takes it only
 * when it must wait (a later mark than its arrival's only waits for more;
 * dt_track's writepage). Under mark_lock: one buffer for all callers. */
uint64_t dt_tracer_mark(struct dt_tracer *t)
{
	unsigned int zero = 0;
	uint64_t sum = 0;

	if (!t)
		return 0;
	pthread_mutex_lock(&t->mark_lock);
	/* the runs still open are events that happened before now */
	runs_kick(t);
	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.produced), &zero,
				t->started))
		sum = UINT64_MAX; /* cannot happen; the wait's timeout decides */
	for (int i = 0; i < t->ncpus && sum != UINT64_MAX; i++)
		sum += t->started[i];
	pthread_mutex_unlock(&t->mark_lock);
	return sum;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int dt_tracer_wait(struct dt_tracer *t, uint64_t mark, uint64_t timeout_ns)
{
	uint64_t t0 = 0;
	int ret = 0;

	uint64_t c0;

	if (!t)
		return 0;
	pthread_mutex_lock(&t->drain_lock);
	c0 = thread_cpu_ns();
	/* ring_buffer__consume stops at a record another CPU has reserved
	 * but not committed yet: a commit is microseconds away, so yield
	 * and look again until the mark is reached */
	for (unsigned int spins = 0;; spins++) {
		drain_locked(t);
		if (t->st.records + t->dropped >= mark)
			break;
		ret = 1;
		if (!t0)
			t0 = mono_ns();
		else if (mono_ns() - t0 > timeout_ns) {
			ret = -ETIMEDOUT;
			break;
		}
		if (spins > 100)
			usleep(1);
		else
			sched_yield();
	}
	t->st.cpu_ns += thread_cpu_ns() - c0;
	pthread_mutex_unlock(&t->drain_lock);
	return ret;
}

static void *poll_main(void *arg)
{
	struct dt_tracer *t = arg;
	int efd = ring_buffer__epoll_fd(t->rb);

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		struct epoll_event ev;

		/* woken when much is waiting, else on the timer; then
		 * drain under the lock (with the CPUs' open runs) */
		if (epoll_wait(efd, &ev, 1, POLL_MS) > 0)
			__atomic_fetch_add(&t->st.wakeups, 1, __ATOMIC_RELAXED);
		dt_tracer_drain(t);
	}
	return NULL;
}

/*
 * libbpf attaches tracepoint programs through tracefs (the event ids under
 * events/). A fresh machine may not have it mounted: as root, mount it at
 * its usual place, as `mount -t tracefs nodev /sys/kernel/tracing` would.
 */
static const char *tracefs_events(void)
{
	struct stat st;

	if (!stat("/sys/kernel/tracing/events", &st))
		return "/sys/kernel/tracing/events";
	if (!stat("/sys/kernel/debug/tracing/events", &st))
		return "/sys/kernel/debug/tracing/events";
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		fprintf(stderr,
			"dtfs: cannot mount tracefs at "
			"/sys/kernel/tracing: %s\n",
			strerror(errno));
	return "/sys/kernel/tracing/events";
}

static const struct {
	unsigned int bit;
	const char *event; /* under tracefs events/ */
} dt_tracepoints[] = {
	{DTFS_TP_DIRTY, "writeback/writeback_dirty_folio"},
	{DTFS_TP_CACHE, "filemap/mm_filemap_add_to_page_cache"},
	{DTFS_TP_CACHE, "filemap/mm_filemap_delete_from_page_cache"},
	{DTFS_TP_FAULT, "filemap/mm_filemap_fault"},
	{DTFS_TP_MAP_PAGES, "filemap/mm_filemap_map_pages"},
};

static unsigned int probe_missing(unsigned int pretend)
{
	const char *ev = tracefs_events();
	unsigned int missing = pretend;
	char p[256];
	struct stat st;

	for (size_t i = 0; i < sizeof(dt_tracepoints) / sizeof(*dt_tracepoints);
	     i++) {
		snprintf(p, sizeof(p), "%s/%s", ev, dt_tracepoints[i].event);
		if (stat(p, &st))
			missing |= dt_tracepoints[i].bit;
	}
	return missing;
}

unsigned int dt_tracer_observes(unsigned int missing)
{
	unsigned int o = 0;

	if (!(missing & DTFS_TP_DIRTY))
		o |= DT_OBS_DIRTY;
	if (!(missing & DTFS_TP_CACHE))
		o |= DT_OBS_CACHE;
	return o;
}

const char *dt_tracer_missing_text(unsigned int missing, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	if (!missing)
		return buf;
	o += (size_t)snprintf(buf + o, len - o, "the kernel has no");
	for (size_t i = 0; i < sizeof(dt_tracepoints) / sizeof(*dt_tracepoints);
	     i++)
		if ((missing & dt_tracepoints[i].bit) && o < len)
			o += (size_t)snprintf(buf + o, len - o, " %s",
					      dt_tracepoints[i].event);
	if (o < len)
		snprintf(buf + o, len - o, "%s%s%s%s",
			 missing & DTFS_TP_DIRTY
				 ? ": write-notify cannot be observed"
				 : ": write-notify is still observed",
			 missing & DTFS_TP_CACHE
				 ? "; residency is inferred from reads"
				 : "",
			 missing & DTFS_TP_FAULT ? "; faults are not logged"
						 : "",
			 missing & DTFS_TP_MAP_PAGES
				 ? "; fault-around is not logged"
				 : "");
	return buf;
}

unsigned int dt_tracer_missing(struct dt_tracer *t)
{
	return t ? t->missing : 0;
}

static int silent(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	(void)l;
	(void)fmt;
	(void)ap;
	return 0;
}

/* DTFS_DEBUG_BPF=1: libbpf's messages, the verifier's log among them */
static int loud(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	(void)l;
	return vfprintf(stderr, fmt, ap);
}

/* What dt_tracer_start built, after a failure or the poller's stop. */
static void tracer_free(struct dt_tracer *t)
{
	if (t->rb)
		ring_buffer__free(t->rb);
	if (t->skel)
		dt_tracer_bpf__destroy(t->skel);
	free(t->syms);
	free(t->names);
	free(t->scache);
	free(t->started);
	free(t->batch);
	pthread_mutex_destroy(&t->drain_lock);
	pthread_mutex_destroy(&t->mark_lock);
	free(t);
}

/* ---- the tracer's privileges ------------------------------------------ */

int dt_caps_tracer_ok(uint64_t eff)
{
	uint64_t admin = 1ULL << DT_CAP_SYS_ADMIN;

	/* the kernel's bpf_capable() and perfmon_capable() */
	return ((eff & admin) || (eff & (1ULL << DT_CAP_BPF))) &&
	       ((eff & admin) || (eff & (1ULL << DT_CAP_PERFMON)));
}

int dt_caps_effective(uint64_t *eff)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	*eff = (uint64_t)d[0].effective | (uint64_t)d[1].effective << 32;
	return 0;
}

int dt_tracer_precheck(char *why, size_t whylen)
{
	uint64_t eff = 0;
	char line[256];
	FILE *f;
	int visible = 0, ret = dt_caps_effective(&eff);

	if (ret) {
		snprintf(why, whylen, "cannot read capabilities: %s",
			 strerror(-ret));
		return ret;
	}
	if (!dt_caps_tracer_ok(eff)) {
		snprintf(why, whylen,
			 "needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN "
			 "(effective capabilities 0x%llx)",
			 (unsigned long long)eff);
		return -EPERM;
	}
	/* and root: tracefs (mounted here if missing) and its events are
	 * root's */
	if (geteuid() != 0) {
		snprintf(why, whylen, "the tracer is loaded as root only");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		snprintf(why, whylen,
			 "no kernel BTF (/sys/kernel/btf/vmlinux)");
		return -ENOENT;
	}
	/* stacks are symbolized from /proc/kallsyms: addresses must show */
	f = fopen("/proc/kallsyms", "r");
	for (int n = 0; f && n < 10000 && fgets(line, sizeof(line), f); n++) {
		unsigned long long addr;
		char type;

		if (sscanf(line, "%llx %c", &addr, &type) == 2 &&
		    (type == 't' || type == 'T')) {
			visible = addr != 0;
			break;
		}
	}
	if (f)
		fclose(f);
	if (!visible) {
		snprintf(why, whylen,
			 "kernel symbol addresses are hidden in /proc/kallsyms "
			 "(needs CAP_SYSLOG)");
		return -EPERM;
	}
	return 0;
}

/* ---- configuration ------------------------------------------------------ */

int dt_tracer_conf_default(struct dt_tracer_conf *c, char *why, size_t whylen)
{
	const char *tune = getenv("DTFS_TRACER_TUNE");
	char buf[256], *save = NULL, *tok;

	memset(c, 0, sizeof(*c));
	/* Measured on 6.18 (DTFS_DEBUG_STACKS): the deciding frame of every
	 * class seen sits at index 5 or 6; each frame costs the unwinder
	 * ~35 ns. 10 leaves room for other kernels, and a stack with no
	 * decider in them is unwound in full before it counts as "other". */
	c->stack_depth = 10;
	c->fault_fast = 1;
	c->coalesce = 1;
	c->kernel_runs = 1;
	c->wake_bytes = 256 << 10;
	c->debug_stacks = getenv("DTFS_DEBUG_STACKS") != NULL;
	if (!tune || !*tune)
		return 0;
	snprintf(buf, sizeof(buf), "%s", tune);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long long v;

		if (!strcmp(tok, "classify=kernel")) {
			c->user_classify = 0;
			continue;
		}
		if (!strcmp(tok, "classify=user")) {
			c->user_classify = 1;
			continue;
		}
		if (!strncmp(tok, "depth=", 6)) {
			v = strtoull(tok + 6, &end, 10);
			if (!*end && v >= 1 && v <= DT_KSTACK_MAX) {
				c->stack_depth = (unsigned int)v;
				continue;
			}
		} else if (!strncmp(tok, "fault=", 6)) {
			if (tok[6] >= '0' && tok[6] <= '2' && !tok[7]) {
				c->fault_fast = tok[6] - '0';
				continue;
			}
		} else if (!strncmp(tok, "coalesce=", 9)) {
			if (!strcmp(tok + 9, "0") || !strcmp(tok + 9, "1")) {
				c->coalesce = tok[9] == '1';
				continue;
			}
		} else if (!strncmp(tok, "runs=", 5)) {
			if (!strcmp(tok + 5, "0") || !strcmp(tok + 5, "1")) {
				c->kernel_runs = tok[5] == '1';
				continue;
			}
		} else if (!strncmp(tok, "wake=", 5)) {
			v = strtoull(tok + 5, &end, 10);
			if (!*end && tok[5]) {
				c->wake_bytes = v;
				continue;
			}
		}
		snprintf(why, whylen,
			 "bad DTFS_TRACER_TUNE item '%.40s' (want depth=1..%d, "
			 "classify=kernel|user, fault=0|1|2, coalesce=0|1, "
			 "runs=0|1, wake=BYTES)",
			 tok, DT_KSTACK_MAX);
		return -EINVAL;
	}
	return 0;
}

/* Does this kernel's task_struct have memcg's in_user_fault bit? */
static int has_in_user_fault(void)
{
	struct btf *vb = btf__load_vmlinux_btf();
	const struct btf_type *ts;
	const struct btf_member *m;
	int id, found = 0;

	if (!vb)
		return 0;
	id = btf__find_by_name_kind(vb, "task_struct", BTF_KIND_STRUCT);
	ts = id > 0 ? btf__type_by_id(vb, (__u32)id) : NULL;
	m = ts ? btf_members(ts) : NULL;
	for (int i = 0; m && i < btf_vlen(ts) && !found; i++, m++)
		found = !strcmp(btf__name_by_offset(vb, m->name_off),
				"in_user_fault");
	btf__free(vb);
	return found;
}

/*
 * The decider a user write fault's dirtying gets without its stack (see
 * fault_how in tracer.bpf.c), or DT_KPRIO_NONE to classify every dirtying
 * from its stack: in observer mode (a disk filesystem's page_mkwrite
 * dirties the page itself, under do_page_mkwrite), where
 * fault_dirty_shared_page is not a function of its own (inlined: the
 * stack would name its caller), without a way to tell a user fault (no
 * in_user_fault bit and no x86 page_fault_user tracepoint), or with
 * DTFS_TRACER_TUNE=fault=0. *how: FAULT_TASK or FAULT_MARKS (fault=2
 * forces the marks, to measure them).
 */
static int fault_prio(const struct dt_tracer *t,
		      const struct dt_tracer_conf *conf, int *how)
{
	static const char fsp[] = "fault_dirty_shared_page";
	char p[256];
	struct stat st;
	int prio = DT_KPRIO_NONE;

	if (conf->observer || !conf->fault_fast || conf->user_classify)
		return DT_KPRIO_NONE;
	*how = 1; /* FAULT_TASK */
	if (conf->fault_fast == 2 || !has_in_user_fault()) {
		*how = 2; /* FAULT_MARKS */
		snprintf(p, sizeof(p), "%s/exceptions/page_fault_user",
			 tracefs_events());
		if (stat(p, &st))
			return DT_KPRIO_NONE;
	}
	for (size_t c = 0; c < t->ndec && prio == DT_KPRIO_NONE; c++)
		if (!strcmp(t->dec[c].sym, fsp))
			prio = (int)c;
	for (size_t i = 0; i < t->nsyms; i++)
		if (dt_same_func(t->syms[i].name, fsp))
			return prio;
	return DT_KPRIO_NONE;
}

int dt_tracer_start(const struct dt_tracer_conf *conf, struct dt_tracer **out,
		    char *why, size_t whylen)
{
	static const struct {
		unsigned int bit;
		size_t prog; /* offset of the program in the skeleton */
	} progs[] = {
		{DTFS_TP_DIRTY, offsetof(struct dt_tracer_bpf, progs.dt_dirty)},
		{DTFS_TP_CACHE, offsetof(struct dt_tracer_bpf, progs.dt_add)},
		{DTFS_TP_CACHE, offsetof(struct dt_tracer_bpf, progs.dt_del)},
		{DTFS_TP_FAULT, offsetof(struct dt_tracer_bpf, progs.dt_fault)},
		{DTFS_TP_MAP_PAGES,
		 offsetof(struct dt_tracer_bpf, progs.dt_map_pages)},
	};
	struct dt_tracer *t;
	int ret, fprio, fhow = 0;

	ret = dt_tracer_precheck(why, whylen);
	if (ret)
		return ret;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->conf = *conf;
	t->scache = calloc(DT_STACK_CACHE, sizeof(*t->scache));
	t->batch = calloc(BATCH_MAX, sizeof(*t->batch));
	if (!t->scache || !t->batch) {
		free(t->scache);
		free(t->batch);
		free(t);
		return -ENOMEM;
	}
	pthread_mutex_init(&t->drain_lock, NULL);
	pthread_mutex_init(&t->mark_lock, NULL);
	t->ncpus = libbpf_num_possible_cpus();
	t->started = t->ncpus > 0
			     ? calloc((size_t)t->ncpus, sizeof(*t->started))
			     : NULL;
	if (!t->started) {
		ret = t->ncpus > 0 ? -ENOMEM : t->ncpus;
		free(t->scache);
		free(t->batch);
		free(t);
		return ret;
	}
	t->ndec = dt_classify_deciders(&t->dec);
	libbpf_set_print(getenv("DTFS_DEBUG_BPF") ? loud : silent);
	t->missing = probe_missing(conf->pretend_missing);
	if (t->missing & DTFS_TP_DIRTY) {
		ret = -ENOENT;
		dt_tracer_missing_text(t->missing, why, whylen);
		goto fail;
	}
	ret = load_kallsyms(t);
	if (ret) {
		snprintf(why, whylen, "cannot read /proc/kallsyms: %s",
			 strerror(-ret));
		goto fail;
	}
	fprio = fault_prio(t, conf, &fhow);
again:
	t->skel = dt_tracer_bpf__open();
	if (!t->skel) {
		ret = -errno;
		snprintf(why, whylen, "cannot open BPF object: %s",
			 strerror(errno));
		goto fail;
	}
	/* kernel dev_t: major << 20 | minor */
	t->skel->rodata->target_dev = (conf->major << 20) | conf->minor;
	t->skel->rodata->stack_depth = conf->stack_depth;
	t->skel->rodata->user_classify = !!conf->user_classify;
	t->skel->rodata->send_stacks = !!conf->debug_stacks;
	t->skel->rodata->wake_bytes = conf->wake_bytes;
	t->skel->rodata->kernel_runs = !!conf->kernel_runs;
	/* run by runs_kick, never attached */
	bpf_program__set_autoattach(t->skel->progs.dt_flush, false);
	/* a program whose tracepoint this kernel lacks is not loaded */
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (t->missing & progs[i].bit)
			bpf_program__set_autoload(
				*(struct bpf_program **)((char *)t->skel +
							 progs[i].prog),
				false);
	if (!conf->observer)
		bpf_program__set_autoload(t->skel->progs.dt_bio, false);
	t->skel->rodata->fault_prio = fprio;
	t->skel->rodata->fault_how = fhow;
	if (fprio == DT_KPRIO_NONE || fhow != 2)
		bpf_program__set_autoload(t->skel->progs.dt_ufault, false);
	ret = dt_tracer_bpf__load(t->skel);
	if (ret && fprio != DT_KPRIO_NONE) {
		/* a verifier that refuses the task bit's read: the marks;
		 * one that refuses the marks' checks: every dirtying is
		 * classified from its stack, as before them */
		struct dt_tracer_conf marks = *conf;

		dt_tracer_bpf__destroy(t->skel);
		t->skel = NULL;
		marks.fault_fast = 2;
		fprio = fhow == 1 ? fault_prio(t, &marks, &fhow)
				  : DT_KPRIO_NONE;
		goto again;
	}
	if (ret) {
		snprintf(why, whylen, "BPF program refused by the kernel: %s",
			 strerror(-ret));
		goto fail;
	}
	ret = fill_deciders(t);
	if (ret) {
		snprintf(why, whylen, "cannot give the deciders to BPF: %s",
			 strerror(-ret));
		goto fail;
	}
	ret = dt_tracer_bpf__attach(t->skel);
	if (ret) {
		snprintf(why, whylen, "cannot attach tracepoints: %s",
			 strerror(-ret));
		goto fail;
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t,
				 NULL);
	if (!t->rb) {
		ret = -errno;
		snprintf(why, whylen, "cannot map ring buffer: %s",
			 strerror(errno));
		goto fail;
	}
	ret = -pthread_create(&t->poller, NULL, poll_main, t);
	if (ret) {
		snprintf(why, whylen, "cannot start poll thread");
		goto fail;
	}
	if (!conf->observer && getenv("DTFS_DEBUG_BPF"))
		fprintf(stderr,
			"dtfs: tracer: a user write fault's dirtying "
			"is known %s\n",
			fprio == DT_KPRIO_NONE ? "by its stack"
			: fhow == 1	       ? "by the task's in_user_fault"
					       : "by page_fault_user marks");
	*out = t;
	return 0;
fail:
	tracer_free(t);
	return ret ? ret : -EINVAL;
}

void dt_tracer_stats(struct dt_tracer *t, struct dt_tracer_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (!t)
		return;
	pthread_mutex_lock(&t->drain_lock);
	*s = t->st;
	s->mismatches = t->mismatches;
	pthread_mutex_unlock(&t->drain_lock);
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(
			    bpf_program__fd(t->skel->progs.dt_dirty), &info,
			    &len)) {
			s->bpf_ns = info.run_time_ns;
			s->bpf_runs = info.run_cnt;
		}
		/* the fault marks are part of a dirtying's cost */
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_program__fd(t->skel->progs.dt_ufault) >= 0 &&
		    !bpf_obj_get_info_by_fd(
			    bpf_program__fd(t->skel->progs.dt_ufault), &info,
			    &len))
			s->bpf_ns += info.run_time_ns;
	}
}

void dt_tracer_stop(struct dt_tracer *t)
{
	if (!t)
		return;
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
	pthread_join(t->poller, NULL);
	dt_tracer_drain(t);
	if (t->mismatches)
		fprintf(stderr,
			"dtfs: the kernel and user-space classifiers disagreed "
			"on %llu stacks\n",
			(unsigned long long)t->mismatches);
	tracer_free(t);
}
