// SPDX-License-Identifier: GPL-2.0
/*
 * The dtfs kernel tracer: page-cache events of one superblock, into a ring
 * buffer. Tracepoints only (tp_btf): fentry and kprobes are not
 * available on the machines dtfs targets.
 *
 * A record is written inside the tracepoint, before the kernel goes on to
 * (for example) write the page back: the dirtier holds the folio lock
 * across the clean->dirty transition and the tracepoint, and writeback
 * takes that lock before it cleans the page. So every dirtying that caused
 * a writeback is counted in `produced' before the writeback's request can
 * reach dtfs, and a consumer that has seen `produced' records has seen it
 * (dtfs(7), ORDER).
 *
 * Cheap on the hot path: the stack is classified here, against the decider
 * symbols' address ranges the loader found in kallsyms (`deciders'), so a
 * dirtying costs one small record; only a stack no decider explains
 * ("other") carries its frames to user space; events on adjacent pages
 * become one record (runs, below). Records do not wake the
 * reader one by one: it is woken when `wake_bytes' are waiting, polls on
 * a timer otherwise, and a writepage drains synchronously anyway.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kevent.h"

char LICENSE[] SEC("license") = "GPL";

/* A per-CPU variable: a one-slot per-CPU array, looked up at key 0 */
#define PERCPU_VAR(name, T)                              \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, 1);                  \
		__type(key, unsigned int);               \
		__type(value, T);                        \
	} name SEC(".maps")

/* the superblock to watch (kernel dev_t encoding), set before load */
const volatile unsigned int target_dev = 0;
/* frames to look at (<= DT_KSTACK_MAX) */
const volatile unsigned int stack_depth = 10;
/* 1: every dirtying carries its stack, user space classifies (to measure
 * what classifying here saves) */
const volatile unsigned int user_classify = 0;
/* 1: every dirtying carries its stack, classified here all the same (user
 * space checks that both classifiers agree) */
const volatile unsigned int send_stacks = 0;
/* wake the reader once this much is waiting; 0: on every record */
const volatile unsigned long long wake_bytes = 256 << 10;
/* 1: runs of adjacent pages become one record here (below) */
const volatile unsigned int kernel_runs = 1;

/* records the ring buffer had no room for: user space stops trusting the
 * model's view of write-notify once this moves */
unsigned long long dropped = 0;
/* records started (counted before the reserve): a consumer waiting for a
 * mark waits until it has consumed or seen dropped this many, so a record
 * that another CPU has reserved but not committed yet is not skipped. Per
 * CPU, so that producers on different CPUs do not pass one cache line
 * around; the consumer sums them only when it must wait (dt_tracer_mark). */
PERCPU_VAR(produced, unsigned long long);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} events SEC(".maps");

struct deciders_tab {
	unsigned int n;
	unsigned int pad;
	struct dt_krange r[DT_KRANGES_MAX];
};

/*
 * Write faults without a stack. A shared-mapping store dirties its page in
 * the fault handler (fault_dirty_shared_page): most dirtyings of a mmap
 * workload, and unwinding their stacks was most of the tracer's cost
 * (~2.6 us of ~3 us a dirtying on 6.18). A dirtying made by a task on its
 * own stack (not an interrupt) while it handles a fault from user space is
 * that fault's: it gets fault_prio, the decider its stack would show. How
 * the program knows the task is in a user fault (fault_how):
 *  - FAULT_TASK: the task's in_user_fault bit, which memcg sets across
 *    handle_mm_fault() of every FAULT_FLAG_USER fault, slow ones included;
 *    costs the dirtying one load, and no other program;
 *  - FAULT_MARKS (kernels without that bit, x86 only): page_fault_user
 *    notes, per CPU, which task's user write fault entered with which
 *    saved user registers; a dirtying by that task while its saved
 *    registers are still that fault's (no system call since) and soon
 *    after is the fault's.
 * The loader turns this on only where it holds (dtfs(7), CLASSES): dtfs's
 * own mounts, whose page_mkwrite dirties nothing, on kernels that have
 * fault_dirty_shared_page as a function. Anything else is classified from
 * its stack as before.
 */
const volatile int fault_prio = DT_KPRIO_NONE;
#define FAULT_TASK 1
#define FAULT_MARKS 2
const volatile int fault_how = FAULT_TASK;
/* a fault's mark is trusted this long (ns) */
#define DT_FAULT_MARK_NS 1000000ULL
/* x86 page-fault error code: a write access */
#define DT_PF_WRITE 2

struct fault_mark {
	unsigned long long task, ip, sp, ts;
};

PERCPU_VAR(fault_marks, struct fault_mark);

/* the decider symbols' code ranges, from the loader (a map, so that the
 * verifier does not follow each constant) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, unsigned int);
	__type(value, struct deciders_tab);
} deciders SEC(".maps");

static __always_inline unsigned long long wake_flags(void)
{
	if (!wake_bytes ||
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wake_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void fill(struct dt_kevent *e, unsigned int type,
				 unsigned long long ino,
				 unsigned long long index,
				 unsigned long long last)
{
	e->ts = bpf_ktime_get_ns();
	e->ino = ino;
	e->index = index;
	e->last = last;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->type = type;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

static __always_inline void *reserve(unsigned long long size)
{
	void *e;

	unsigned int zero = 0;
	unsigned long long *started = bpf_map_lookup_elem(&produced, &zero);

	/* atomic: a program in an interrupt may nest on this CPU */
	if (started)
		__sync_fetch_and_add(started, 1);
	e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e)
		__sync_fetch_and_add(&dropped, 1);
	return e;
}

/*
 * Runs. A sequential store through a mapping dirties one page a fault,
 * readahead adds and fadvise or truncate deletes one folio after another:
 * events of one kind, inode and task on adjacent pages. Each CPU keeps its
 * open run here, and one record goes to the ring when an event that does
 * not extend it comes on that CPU, when the run reaches DT_RUN_MAX_PAGES,
 * or when user space asks (dt_flush, run on every CPU before a mark and on
 * the reader's timer). Per CPU, so the events of a CPU stay in order and
 * the hot path takes no lock; a run is counted in `produced' when it is
 * written, and a mark is taken only after every CPU's run was written, so
 * a consumer that reaches the mark has still seen every event that
 * happened before it (dtfs(7), ORDER).
 *
 * `busy': a program on this CPU is inside the run. Only an interrupt can
 * nest (tracepoint programs run with preemption off, and dt_flush runs in
 * an IPI on the run's CPU), and a nested program finishes before the one
 * it interrupted goes on, so a plain flag and compiler barriers do; the
 * nested event is written on its own, ahead of the run it interrupted.
 */
struct run {
	unsigned int busy;
	unsigned int open;
	unsigned long long tid; /* the task's pid_tgid */
	unsigned long long next; /* the page that extends it */
	unsigned long long pages;
	struct dt_kevent e;
	int prio; /* dirty: as dt_kevent_dirty */
	unsigned short flags;
	unsigned short pad0;
};

PERCPU_VAR(runs, struct run);

static __always_inline struct run *run_enter(void)
{
	unsigned int zero = 0;
	struct run *r;

	if (!kernel_runs)
		return NULL;
	r = bpf_map_lookup_elem(&runs, &zero);
	if (!r || r->busy)
		return NULL;
	r->busy = 1;
	barrier();
	return r;
}

static __always_inline void run_leave(struct run *r)
{
	barrier();
	r->busy = 0;
}

/* The open run to the ring (inside run_enter/run_leave) */
static __always_inline void run_write(struct run *r)
{
	struct dt_kevent_dirty *d;

	if (!r->open)
		return;
	r->open = 0;
	if (r->e.type == DT_KEV_DIRTY) {
		d = reserve(DT_KEV_DIRTY_SIZE);
		if (!d)
			return;
		__builtin_memcpy(&d->e, &r->e, sizeof(d->e));
		d->prio = r->prio;
		d->flags = r->flags;
		d->pad0 = 0;
		bpf_ringbuf_submit(d, wake_flags());
		return;
	}
	d = reserve(sizeof(struct dt_kevent));
	if (!d)
		return;
	__builtin_memcpy(&d->e, &r->e, sizeof(d->e));
	bpf_ringbuf_submit(d, wake_flags());
}

/*
 * Event @type of pages [@index, @index + @pages) of inode @ino: into this
 * CPU's run (extending it, or writing it and opening a new one). 0: not
 * taken (runs off, or nested in a program that holds the run), and the
 * caller writes its own record.
 */
static __always_inline int run_event(unsigned int type, unsigned long long ino,
				     unsigned long long index,
				     unsigned long long pages, int prio,
				     unsigned short flags)
{
	unsigned long long tid = bpf_get_current_pid_tgid();
	struct run *r = run_enter();

	if (!r)
		return 0;
	if (r->open && r->e.type == type && r->e.ino == ino && r->tid == tid &&
	    r->next == index && r->prio == prio && r->flags == flags &&
	    r->pages + pages <= DT_RUN_MAX_PAGES) {
		r->pages += pages;
		r->next = index + pages;
		/* add and delete carry a page count, the others a last page */
		r->e.last = type == DT_KEV_ADD || type == DT_KEV_DEL
				    ? r->pages
				    : index + pages - 1;
		run_leave(r);
		return 1;
	}
	run_write(r);
	fill(&r->e, type, ino, index,
	     type == DT_KEV_ADD || type == DT_KEV_DEL ? pages
						      : index + pages - 1);
	r->prio = prio;
	r->flags = flags;
	r->tid = tid;
	r->next = index + pages;
	r->pages = pages;
	r->open = 1;
	run_leave(r);
	return 1;
}

/* Before a record that is not part of a run: this CPU's run first */
static __always_inline void run_close(void)
{
	struct run *r = run_enter();

	if (!r)
		return;
	run_write(r);
	run_leave(r);
}

/* Not attached: user space runs it on each CPU (BPF_PROG_TEST_RUN with
 * BPF_F_TEST_RUN_ON_CPU) to have that CPU's run written. 1: the CPU was
 * inside its run, ask again. */
SEC("raw_tp")
int dt_flush(void *ctx)
{
	unsigned int zero = 0;
	struct run *r = bpf_map_lookup_elem(&runs, &zero);

	if (!r)
		return 0;
	if (r->busy)
		return 1;
	r->busy = 1;
	barrier();
	run_write(r);
	run_leave(r);
	return 0;
}

/*
 * Reads from a tp_btf program's arguments are direct loads (the verifier
 * makes them fault-safe), not bpf_probe_read_kernel calls: every program
 * runs for every page-cache event on the machine, the store's own disk
 * I/O included, and a helper call per field was most of what an event of
 * another superblock cost.
 */
/* the folio's first flags word: an unsigned long on every kernel, typed
 * memdesc_flags_t since 6.17 */
static __always_inline unsigned long folio_flags(struct folio *folio)
{
	return *(unsigned long *)folio;
}

/* the folio's size in pages, on kernels whose struct folio differs
 * (CO-RE) */
struct folio___nr_new {
	unsigned int _nr_pages;
} __attribute__((preserve_access_index));
struct folio___nr_old {
	unsigned int _folio_nr_pages;
} __attribute__((preserve_access_index));

static __always_inline unsigned long long folio_pages(struct folio *f,
						      unsigned long fl)
{
	unsigned long head = 1UL
			     << bpf_core_enum_value(enum pageflags, PG_head);

	if (!(fl & head))
		return 1;
	if (bpf_core_field_exists(struct folio___nr_new, _nr_pages))
		return BPF_CORE_READ((struct folio___nr_new *)f, _nr_pages);
	if (bpf_core_field_exists(struct folio___nr_old, _folio_nr_pages))
		return BPF_CORE_READ((struct folio___nr_old *)f,
				     _folio_nr_pages);
	return 1;
}

static __always_inline int watched(struct address_space *mapping,
				   unsigned long long *ino)
{
	struct inode *host;

	if (!mapping)
		return 0;
	host = mapping->host;
	if (!host || host->i_sb->s_dev != target_dev)
		return 0;
	*ino = host->i_ino;
	return 1;
}

/*
 * The priority (the decider table's index) of the decider whose code holds
 * @ip, or DT_KPRIO_NONE: a binary search of the ranges, which the loader
 * sorted by address. A global function: the verifier checks it once, on
 * its own, instead of once for every frame of every path.
 */
__attribute__((noinline)) int dt_frame_prio(unsigned long long ip)
{
	unsigned int zero = 0, lo = 0, hi;
	struct deciders_tab *t = bpf_map_lookup_elem(&deciders, &zero);

	if (!t)
		return DT_KPRIO_NONE;
	hi = t->n < DT_KRANGES_MAX ? t->n : DT_KRANGES_MAX;
	/* the last range starting at or below ip: at most log2 steps */
	for (int step = 0; step < 7 && lo < hi; step++) {
		unsigned int mid = (lo + hi) / 2;

		if (mid >= DT_KRANGES_MAX)
			return DT_KPRIO_NONE;
		if (t->r[mid].start <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || lo > DT_KRANGES_MAX)
		return DT_KPRIO_NONE;
	if (ip >= t->r[lo - 1].end)
		return DT_KPRIO_NONE;
	return (int)t->r[lo - 1].prio;
}

/* The highest-priority decider found anywhere in the frames, as
 * dt_classify_stack decides in user space; DT_KPRIO_NONE: "other". */
static __always_inline int classify(const unsigned long long *stack, int n)
{
	int best = DT_KPRIO_NONE;

	for (int i = 0; i < DT_KSTACK_MAX && i < n; i++) {
		int p = dt_frame_prio(stack[i]);

		if (p < best)
			best = p;
	}
	return best;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(dt_ufault, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	unsigned int zero = 0;
	struct fault_mark *m;

	if (!(error_code & DT_PF_WRITE))
		return 0;
	m = bpf_map_lookup_elem(&fault_marks, &zero);
	if (!m)
		return 0;
	m->task = bpf_get_current_task();
	m->ip = regs->ip;
	m->sp = regs->sp;
	m->ts = bpf_ktime_get_ns();
	return 0;
}

/* Is this dirtying the current task's user write fault's own? (above) */
static __always_inline int in_write_fault(void)
{
	unsigned int zero = 0;
	struct fault_mark *m;
	struct task_struct *task;
	struct pt_regs *regs;
	unsigned long long here, base, end;

	if (fault_prio == DT_KPRIO_NONE)
		return 0;
	task = bpf_get_current_task_btf();
	/* this program's frame on the task's stack (16 KiB, 32 with KASAN),
	 * not on an interrupt stack; compared, not subtracted: older
	 * verifiers refuse arithmetic on the frame pointer */
	here = (unsigned long long)&zero;
	base = (unsigned long long)task->stack;
	end = base + 32768;
	barrier_var(end);
	if (here < base || here >= end)
		return 0;
	if (fault_how == FAULT_TASK) {
		if (bpf_core_field_exists(task->in_user_fault))
			return BPF_CORE_READ_BITFIELD(task, in_user_fault);
		return 0;
	}
	m = bpf_map_lookup_elem(&fault_marks, &zero);
	if (!m || m->task != (unsigned long long)task)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs || regs->ip != m->ip || regs->sp != m->sp)
		return 0;
	if (bpf_ktime_get_ns() - m->ts > DT_FAULT_MARK_NS)
		return 0;
	m->task = 0; /* one fault, one dirtying */
	return 1;
}

SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(dt_dirty, struct folio *folio, struct address_space *mapping)
{
	unsigned long long stack[DT_KSTACK_MAX];
	unsigned long long size = DT_KEV_DIRTY_SIZE, first, ino, npages;
	struct dt_kevent_dirty *d;
	unsigned short wb;
	unsigned long fl;
	unsigned int depth = stack_depth;
	int prio = DT_KPRIO_NONE, fault;
	long n;

	if (!watched(mapping, &ino))
		return 0;
	if (depth > DT_KSTACK_MAX)
		depth = DT_KSTACK_MAX;
	fault = !user_classify && in_write_fault();
	if (fault && !send_stacks) {
		prio = fault_prio;
		n = 0;
		goto record;
	}
	n = bpf_get_stack(ctx, stack, depth * sizeof(stack[0]), 0);
	n = n > 0 ? (long)((unsigned long)n >> 3) : 0; /* bytes to frames */
	if (!user_classify)
		prio = classify(stack, (int)n);
	/* no decider in the frames looked at: look at all of them before
	 * calling it "other" (a bypass) */
	if (!user_classify && prio == DT_KPRIO_NONE && depth < DT_KSTACK_MAX) {
		n = bpf_get_stack(ctx, stack, sizeof(stack), 0);
		n = n > 0 ? (long)((unsigned long)n >> 3) : 0;
		prio = classify(stack, (int)n);
	}
	/* with send_stacks, user space checks the fault's answer against
	 * the stack's */
	if (fault)
		prio = fault_prio;
	if (user_classify || send_stacks || prio == DT_KPRIO_NONE)
		size = sizeof(*d);
record:
	fl = folio_flags(folio);
	first = folio->index;
	npages = folio_pages(folio, fl);
	wb = fl & (1UL << bpf_core_enum_value(enum pageflags, PG_writeback))
		     ? DT_KEV_UNDER_WRITEBACK
		     : 0;
	if (size == DT_KEV_DIRTY_SIZE) {
		if (run_event(DT_KEV_DIRTY, ino, first, npages, prio, wb))
			return 0;
	} else {
		run_close();
	}
	d = reserve(size);
	if (!d)
		return 0;
	fill(&d->e, size == sizeof(*d) ? DT_KEV_DIRTY_STACK : DT_KEV_DIRTY, ino,
	     first, first + npages - 1);
	d->prio = prio;
	d->flags = wb;
	if (size == sizeof(*d)) {
		d->stack_bytes = (int)(n << 3);
		d->pad = 0;
		for (int i = 0; i < DT_KSTACK_MAX; i++)
			d->stack[i] = i < n ? stack[i] : 0;
	}
	bpf_ringbuf_submit(d, wake_flags());
	return 0;
}

/*
 * Page-cache add, delete, fault and map-pages: tp_btf, not classic
 * tracepoints. A classic one formats its trace record into a perf buffer
 * before the program runs; a mmap workload that faults pages in and drops
 * them pays that on every page, twice.
 */
static __always_inline int cache_op(struct folio *folio, unsigned int type)
{
	unsigned long long ino;
	struct dt_kevent *e;
	unsigned long fl;

	if (!watched(folio->mapping, &ino))
		return 0;
	fl = folio_flags(folio);
	if (run_event(type, ino, folio->index, folio_pages(folio, fl), 0, 0))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill(e, type, ino, folio->index, folio_pages(folio, fl));
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(dt_add, struct folio *folio)
{
	return cache_op(folio, DT_KEV_ADD);
}

SEC("tp_btf/mm_filemap_delete_from_page_cache")
int BPF_PROG(dt_del, struct folio *folio)
{
	return cache_op(folio, DT_KEV_DEL);
}

/* mm_filemap_fault and mm_filemap_map_pages are not on every kernel (6.1
 * has neither): their programs load only where the tracepoints exist */
SEC("tp_btf/mm_filemap_fault")
int BPF_PROG(dt_fault, struct address_space *mapping, unsigned long index)
{
	unsigned long long ino;
	struct dt_kevent *e;

	if (!watched(mapping, &ino))
		return 0;
	if (run_event(DT_KEV_FAULT, ino, index, 1, 0, 0))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill(e, DT_KEV_FAULT, ino, index, index);
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

SEC("tp_btf/mm_filemap_map_pages")
int BPF_PROG(dt_map_pages, struct address_space *mapping, unsigned long index,
	     unsigned long last_index)
{
	unsigned long long ino;
	struct dt_kevent *e;

	if (!watched(mapping, &ino))
		return 0;
	run_close();
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill(e, DT_KEV_MAP_PAGES, ino, index, last_index);
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

/*
 * Observer mode (dtfs-trace, dtfs-pin --fs): a disk filesystem's writeback
 * has no FUSE request to show it, so the tracer watches the block layer.
 * A write bio whose pages are page-cache folios of the watched superblock
 * under writeback is that folio's writeback (an O_DIRECT write from a
 * mapping of the same filesystem has no PG_writeback). Loaded only when
 * the loader asks for it.
 */
/* pages of one bio looked at, at most (bpf_loop: one callback a page) */
#define DT_BIO_PAGES 4096

/* The writeback of the folio of page @pg, if it is one of ours */
static __always_inline struct folio *bio_page(struct page *pg,
					      struct folio *prev)
{
	unsigned long wb = 1UL
			   << bpf_core_enum_value(enum pageflags, PG_writeback);
	struct address_space *mapping;
	unsigned long ch, fl = 0;
	unsigned long long first;
	struct dt_kevent *e;
	struct inode *host;
	struct folio *f;

	ch = BPF_CORE_READ(pg, compound_head);
	f = ch & 1 ? (struct folio *)(ch - 1) : (struct folio *)pg;
	if (f == prev)
		return f;
	mapping = BPF_CORE_READ(f, mapping);
	if (!mapping || ((unsigned long)mapping & 3))
		return f; /* anonymous or movable: not a file's */
	host = BPF_CORE_READ(mapping, host);
	if (!host || BPF_CORE_READ(host, i_sb, s_dev) != target_dev)
		return f;
	bpf_probe_read_kernel(&fl, sizeof(fl), f);
	if (!(fl & wb))
		return f;
	first = BPF_CORE_READ(f, index);
	if (run_event(DT_KEV_WRITEBACK, BPF_CORE_READ(host, i_ino), first,
		      folio_pages(f, fl), 0, 0))
		return f;
	e = reserve(sizeof(*e));
	if (!e)
		return f;
	fill(e, DT_KEV_WRITEBACK, BPF_CORE_READ(host, i_ino), first,
	     first + folio_pages(f, fl) - 1);
	bpf_ringbuf_submit(e, wake_flags());
	return f;
}

/* A bio's pages, one by one: its bvecs may be multi-page (contiguous
 * pages, of one folio or of several). */
struct bio_walk {
	struct bio_vec *vec;
	unsigned int vcnt, i; /* bvec */
	unsigned int j, npg; /* page within it */
	char *base; /* its first page */
	unsigned long psize;
	struct folio *prev;
};

static long bio_step(unsigned long long n, void *arg)
{
	struct bio_walk *w = arg;

	(void)n;
	if (w->j >= w->npg) { /* the next bvec */
		unsigned int off = 0, len = 0;
		struct page *pg = NULL;
		struct bio_vec *v;

		if (w->i >= w->vcnt)
			return 1;
		v = w->vec + w->i; /* (CO-RE relocates bio_vec's fields only) */
		if (bpf_core_read(&pg, sizeof(pg), &v->bv_page) || !pg)
			return 1;
		bpf_core_read(&off, sizeof(off), &v->bv_offset);
		bpf_core_read(&len, sizeof(len), &v->bv_len);
		w->base = (char *)pg + (off >> 12) * w->psize;
		w->npg = ((off & 4095) + len + 4095) >> 12;
		w->j = 0;
		w->i++;
	}
	if (w->j >= w->npg)
		return 0;
	w->prev = bio_page((struct page *)(w->base + w->j * w->psize), w->prev);
	w->j++;
	return 0;
}

SEC("tp_btf/block_bio_queue")
int BPF_PROG(dt_bio, struct bio *bio)
{
	struct bio_walk w = {.psize = bpf_core_type_size(struct page)};

	if ((BPF_CORE_READ(bio, bi_opf) & 0xff) != 1) /* REQ_OP_WRITE */
		return 0;
	w.vcnt = BPF_CORE_READ(bio, bi_vcnt);
	w.vec = BPF_CORE_READ(bio, bi_io_vec);
	if (!w.vec)
		return 0;
	bpf_loop(DT_BIO_PAGES, bio_step, &w, 0);
	return 0;
}
