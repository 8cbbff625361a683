// SPDX-License-Identifier: GPL-2.0
/*
 * The dtfs kernel tracer: page-cache events of one superblock, into a ring
 * buffer. Tracepoints only (tp_btf and classic): fentry and kprobes are not
 * available on the machines dtfs targets.
 *
 * A record is written inside the tracepoint, before the kernel goes on to
 * (for example) write the page back; so once user space has drained the
 * ring buffer, it has seen every dirtying that happened before the
 * writepage request it is about to decide on.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tracer.h"

char LICENSE[] SEC("license") = "GPL";

/* the superblock of this mount (kernel dev_t encoding), set before load */
const volatile unsigned int target_dev = 0;

/* records the ring buffer had no room for: user space stops trusting the
 * model's view of write-notify once this moves */
unsigned long long dropped = 0;
/* records started (counted before the reserve): a drain waits until it has
 * consumed or seen dropped this many, so a record that another CPU has
 * reserved but not yet committed cannot be skipped */
unsigned long long produced = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} events SEC(".maps");

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

static __always_inline struct dt_kevent *new_event(unsigned int type,
						   unsigned long long ino,
						   unsigned long long index,
						   unsigned long long last)
{
	struct dt_kevent *e;

	__sync_fetch_and_add(&produced, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return NULL;
	}
	fill(e, type, ino, index, last);
	return e;
}

SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(dt_dirty, struct folio *folio, struct address_space *mapping)
{
	struct dt_kevent_dirty *d;
	struct inode *host;

	if (!mapping)
		return 0;
	host = BPF_CORE_READ(mapping, host);
	if (!host || BPF_CORE_READ(host, i_sb, s_dev) != target_dev)
		return 0;
	__sync_fetch_and_add(&produced, 1);
	d = bpf_ringbuf_reserve(&events, sizeof(*d), 0);
	if (!d) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	fill(&d->e, DT_KEV_DIRTY, BPF_CORE_READ(host, i_ino),
	     BPF_CORE_READ(folio, index), 1);
	d->stack_bytes = bpf_get_stack(ctx, d->stack, sizeof(d->stack), 0);
	bpf_ringbuf_submit(d, 0);
	return 0;
}

static __always_inline int
cache_op(struct trace_event_raw_mm_filemap_op_page_cache *tp, unsigned int type)
{
	struct dt_kevent *e;

	if (tp->s_dev != target_dev)
		return 0;
	e = new_event(type, tp->i_ino, tp->index, 1ULL << (tp->order & 31));
	if (e)
		bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/filemap/mm_filemap_add_to_page_cache")
int dt_add(struct trace_event_raw_mm_filemap_op_page_cache *tp)
{
	return cache_op(tp, DT_KEV_ADD);
}

SEC("tracepoint/filemap/mm_filemap_delete_from_page_cache")
int dt_del(struct trace_event_raw_mm_filemap_op_page_cache *tp)
{
	return cache_op(tp, DT_KEV_DEL);
}

SEC("tracepoint/filemap/mm_filemap_fault")
int dt_fault(struct trace_event_raw_mm_filemap_fault *tp)
{
	struct dt_kevent *e;

	if (tp->s_dev != target_dev)
		return 0;
	e = new_event(DT_KEV_FAULT, tp->i_ino, tp->index, tp->index);
	if (e)
		bpf_ringbuf_submit(e, 0);
	return 0;
}

/* filemap:mm_filemap_map_pages has no named record type in vmlinux.h */
struct dt_map_pages_tp {
	unsigned long long common;
	unsigned long i_ino;
	unsigned int s_dev;
	unsigned long index;
	unsigned long last_index;
};

SEC("tracepoint/filemap/mm_filemap_map_pages")
int dt_map_pages(struct dt_map_pages_tp *tp)
{
	struct dt_kevent *e;

	if (tp->s_dev != target_dev)
		return 0;
	e = new_event(DT_KEV_MAP_PAGES, tp->i_ino, tp->index, tp->last_index);
	if (e)
		bpf_ringbuf_submit(e, 0);
	return 0;
}
