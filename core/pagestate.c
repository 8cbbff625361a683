// SPDX-License-Identifier: GPL-2.0
/*
 * The page-state model. State lives in a chained hash keyed by (ino, index),
 * with a per-inode list so that ranges and inode teardown visit only that
 * inode's pages. A page with nothing to say (no flag set) has no node: a
 * node costs 64 bytes, and an event costs one hash lookup under one mutex
 * plus one dirty-log record (a ~100-byte memcpy).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dtfs/pagestate.h"

#define PG_BUCKETS (1u << 16)
#define INO_BUCKETS (1u << 12)
#define PG_REDIRTIED 32 /* dirtied again while under writeback */

struct pg {
	struct pg *hnext;
	struct pg *inext, *iprev;
	uint64_t ino, index;
	uint64_t viol_seq; /* root-cause record of this page, if any */
	unsigned int flags;
};

struct ino_ent {
	struct ino_ent *next;
	uint64_t ino;
	struct pg *pages;
	uint64_t npages;
};

struct dt_pages {
	pthread_mutex_t lock;
	struct dt_log *log;
	int tracer_on;
	int on_violation, release;
	struct pg *buckets[PG_BUCKETS];
	struct ino_ent *inos[INO_BUCKETS];
	struct dt_pages_counters c;
	dt_violation_fn viol_fn;
	void *viol_ctx;
};

static uint64_t emit(struct dt_pages *m, const struct dt_origin *o,
		     unsigned int src, unsigned int ev, uint64_t ino,
		     uint64_t first, uint64_t last, uint64_t aux,
		     unsigned int cls, const char *text);

static unsigned int pg_hash(uint64_t ino, uint64_t index)
{
	uint64_t h =
		ino * 0x9E3779B97F4A7C15ULL ^ index * 0xC2B2AE3D27D4EB4FULL;

	return (unsigned int)(h >> 48) & (PG_BUCKETS - 1);
}

struct dt_pages *dt_pages_new(struct dt_log *log, int tracer_on)
{
	struct dt_pages *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->log = log;
	m->tracer_on = tracer_on;
	return m;
}

void dt_pages_free(struct dt_pages *m)
{
	if (!m)
		return;
	for (unsigned int i = 0; i < PG_BUCKETS; i++) {
		while (m->buckets[i]) {
			struct pg *p = m->buckets[i];

			m->buckets[i] = p->hnext;
			free(p);
		}
	}
	for (unsigned int i = 0; i < INO_BUCKETS; i++) {
		while (m->inos[i]) {
			struct ino_ent *e = m->inos[i];

			m->inos[i] = e->next;
			free(e);
		}
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void dt_pages_set_violation_cb(struct dt_pages *m, dt_violation_fn fn,
			       void *ctx)
{
	pthread_mutex_lock(&m->lock);
	m->viol_fn = fn;
	m->viol_ctx = ctx;
	pthread_mutex_unlock(&m->lock);
}

void dt_pages_set_log(struct dt_pages *m, struct dt_log *log)
{
	pthread_mutex_lock(&m->lock);
	m->log = log;
	pthread_mutex_unlock(&m->lock);
}

uint64_t dt_pages_note(struct dt_pages *m, unsigned int src, unsigned int ev,
		       uint64_t ino, uint64_t first, uint64_t last,
		       uint64_t aux, const char *text,
		       const struct dt_origin *o)
{
	uint64_t seq;

	pthread_mutex_lock(&m->lock);
	seq = emit(m, o, src, ev, ino, first, last, aux, DT_CLS_NONE, text);
	pthread_mutex_unlock(&m->lock);
	return seq;
}

void dt_pages_set_policy(struct dt_pages *m, int on_violation, int release)
{
	pthread_mutex_lock(&m->lock);
	if (on_violation >= 0)
		m->on_violation = on_violation;
	if (release >= 0)
		m->release = release;
	pthread_mutex_unlock(&m->lock);
}

void dt_pages_get_policy(struct dt_pages *m, int *on_violation, int *release)
{
	pthread_mutex_lock(&m->lock);
	*on_violation = m->on_violation;
	*release = m->release;
	pthread_mutex_unlock(&m->lock);
}

void dt_pages_counters(struct dt_pages *m, struct dt_pages_counters *c)
{
	pthread_mutex_lock(&m->lock);
	*c = m->c;
	pthread_mutex_unlock(&m->lock);
}

static struct ino_ent *ino_get(struct dt_pages *m, uint64_t ino, int create)
{
	struct ino_ent **pp = &m->inos[ino % INO_BUCKETS], *e;

	for (e = *pp; e; e = e->next)
		if (e->ino == ino)
			return e;
	if (!create)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->ino = ino;
	e->next = *pp;
	*pp = e;
	return e;
}

static void ino_put_if_empty(struct dt_pages *m, struct ino_ent *e)
{
	struct ino_ent **pp = &m->inos[e->ino % INO_BUCKETS];

	if (e->npages)
		return;
	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	free(e);
}

static struct pg *pg_find(struct dt_pages *m, uint64_t ino, uint64_t index)
{
	struct pg *p;

	for (p = m->buckets[pg_hash(ino, index)]; p; p = p->hnext)
		if (p->ino == ino && p->index == index)
			return p;
	return NULL;
}

static struct pg *pg_get(struct dt_pages *m, uint64_t ino, uint64_t index)
{
	struct pg *p = pg_find(m, ino, index);
	struct ino_ent *e;
	unsigned int h;

	if (p)
		return p;
	e = ino_get(m, ino, 1);
	p = calloc(1, sizeof(*p));
	if (!e || !p) {
		free(p);
		return NULL;
	}
	p->ino = ino;
	p->index = index;
	h = pg_hash(ino, index);
	p->hnext = m->buckets[h];
	m->buckets[h] = p;
	p->inext = e->pages;
	if (e->pages)
		e->pages->iprev = p;
	e->pages = p;
	e->npages++;
	m->c.pages++;
	return p;
}

/* Drop the node if it has nothing left to say. */
static void pg_settle(struct dt_pages *m, struct pg *p)
{
	struct pg **pp;
	struct ino_ent *e;

	if (p->flags)
		return;
	pp = &m->buckets[pg_hash(p->ino, p->index)];
	while (*pp != p)
		pp = &(*pp)->hnext;
	*pp = p->hnext;
	e = ino_get(m, p->ino, 0);
	if (e) {
		if (p->iprev)
			p->iprev->inext = p->inext;
		else
			e->pages = p->inext;
		if (p->inext)
			p->inext->iprev = p->iprev;
		e->npages--;
		ino_put_if_empty(m, e);
	}
	m->c.pages--;
	free(p);
}

static uint64_t emit(struct dt_pages *m, const struct dt_origin *o,
		     unsigned int src, unsigned int ev, uint64_t ino,
		     uint64_t first, uint64_t last, uint64_t aux,
		     unsigned int cls, const char *text)
{
	struct dt_rec r = {0};

	m->c.events++;
	if (!m->log)
		return 0;
	r.ts = o ? o->ts : 0;
	r.pid = o ? o->pid : 0;
	if (o)
		memcpy(r.comm, o->comm, sizeof(r.comm));
	r.source = (uint8_t)src;
	r.event = (uint16_t)ev;
	r.ino = ino;
	r.first = first;
	r.last = last;
	r.aux = aux;
	r.cls = (uint8_t)cls;
	return dt_log_emit(m->log, &r, text);
}

/* Visit pages of @ino in [first, last], existing ones only when @create is
 * 0. Large ranges walk the inode's list instead of the index range. */
static void for_range(struct dt_pages *m, uint64_t ino, uint64_t first,
		      uint64_t last, int create,
		      void (*fn)(struct dt_pages *, struct pg *, void *),
		      void *ctx)
{
	struct ino_ent *e = ino_get(m, ino, 0);

	if (!create && !e)
		return;
	if (!create && (last - first) / 4 > e->npages) {
		struct pg *p = e->pages, *next;

		while (p) {
			next = p->inext;
			if (p->index >= first && p->index <= last)
				fn(m, p, ctx); /* may free p, and e */
			p = next;
		}
		return;
	}
	for (uint64_t i = first;; i++) {
		struct pg *p = create ? pg_get(m, ino, i) : pg_find(m, ino, i);

		if (p)
			fn(m, p, ctx);
		if (i == last)
			break;
	}
}

struct wctx {
	int release;
};

static void write_one(struct dt_pages *m, struct pg *p, void *ctx)
{
	(void)ctx;
	/* write_begin attaches buffers; write-through stores the data at
	 * once, so this is also the page's writeback, unless the page was
	 * already dirty in the kernel (then writeback is still to come). */
	p->flags |= DT_PG_RESIDENT | DT_PG_BUFFERS;
	if (!(p->flags & DT_PG_DIRTY) && m->release == DT_REL_WRITEBACK)
		p->flags &= ~DT_PG_BUFFERS;
	pg_settle(m, p);
}

void dt_pages_write(struct dt_pages *m, uint64_t ino, uint64_t first,
		    uint64_t last, const struct dt_origin *o)
{
	pthread_mutex_lock(&m->lock);
	m->c.writes++;
	emit(m, o, DT_SRC_FUSE, DT_EV_WRITE, ino, first, last, 0,
	     DT_CLS_WRITE_BEGIN, NULL);
	for_range(m, ino, first, last, 1, write_one, NULL);
	pthread_mutex_unlock(&m->lock);
}

struct wpctx {
	const struct dt_origin *o;
	uint64_t wp_seq;
	int bad;
};

static void writepage_one(struct dt_pages *m, struct pg *p, void *ctx)
{
	struct wpctx *w = ctx;

	if (!(p->flags & DT_PG_BUFFERS) && m->tracer_on) {
		char why[200];

		snprintf(why, sizeof(why),
			 "writepage of page %llu without buffers%s",
			 (unsigned long long)p->index,
			 p->viol_seq ? " (dirtied without write-notify)"
				     : " (no write-notify seen)");
		m->c.viol_no_buffers++;
		if (m->viol_fn)
			m->viol_fn(m->viol_ctx, DT_EV_VIOL_NO_BUFFERS, p->ino,
				   p->index, why);
		emit(m, w->o, DT_SRC_DTFS, DT_EV_VIOL_NO_BUFFERS, p->ino,
		     p->index, p->index, p->viol_seq ? p->viol_seq : w->wp_seq,
		     DT_CLS_NONE, why);
		w->bad++;
	}
	if (!m->tracer_on)
		p->flags |= DT_PG_BUFFERS; /* inferred page_mkwrite */
	p->flags |= DT_PG_WRITEBACK | DT_PG_RESIDENT;
	p->flags &= ~PG_REDIRTIED;
}

int dt_pages_writepage_begin(struct dt_pages *m, uint64_t ino, uint64_t first,
			     uint64_t last, const struct dt_origin *o)
{
	struct wpctx w = {.o = o};
	int ret = 0;

	pthread_mutex_lock(&m->lock);
	m->c.writepages++;
	w.wp_seq = emit(m, o, DT_SRC_FUSE, DT_EV_WRITEPAGE, ino, first, last, 0,
			DT_CLS_NONE, NULL);
	for_range(m, ino, first, last, 1, writepage_one, &w);
	if (w.bad && m->on_violation == DT_ON_EIO) {
		m->c.refused++;
		emit(m, o, DT_SRC_DTFS, DT_EV_REFUSED, ino, first, last, EIO,
		     DT_CLS_NONE, "on_violation=eio: writepage data refused");
		ret = -EIO;
	} else if (w.bad && m->on_violation == DT_ON_ABORT) {
		emit(m, o, DT_SRC_DTFS, DT_EV_ABORT, ino, first, last, 0,
		     DT_CLS_NONE,
		     "on_violation=abort: dirty page without buffers");
		ret = 1;
	}
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static void writepage_end_one(struct dt_pages *m, struct pg *p, void *ctx)
{
	(void)ctx;
	p->flags &= ~DT_PG_WRITEBACK;
	if (p->flags & PG_REDIRTIED) {
		/* redirtied under writeback: still dirty, and its buffers go
		 * with this writeback all the same (release=writeback) */
		p->flags &= ~PG_REDIRTIED;
	} else {
		p->flags &= ~(DT_PG_DIRTY | DT_PG_VIOLATED);
		p->viol_seq = 0;
	}
	if (m->release == DT_REL_WRITEBACK)
		p->flags &= ~DT_PG_BUFFERS;
	pg_settle(m, p);
}

void dt_pages_writepage_end(struct dt_pages *m, uint64_t ino, uint64_t first,
			    uint64_t last)
{
	pthread_mutex_lock(&m->lock);
	for_range(m, ino, first, last, 0, writepage_end_one, NULL);
	pthread_mutex_unlock(&m->lock);
}

static void read_one(struct dt_pages *m, struct pg *p, void *ctx)
{
	(void)m;
	(void)ctx;
	p->flags |= DT_PG_RESIDENT;
}

void dt_pages_read(struct dt_pages *m, uint64_t ino, uint64_t first,
		   uint64_t last, int direct, const struct dt_origin *o)
{
	pthread_mutex_lock(&m->lock);
	emit(m, o, DT_SRC_FUSE, DT_EV_READ, ino, first, last, (uint64_t)direct,
	     DT_CLS_NONE, NULL);
	/* Residency of the page cache comes from the tracer when it is on;
	 * otherwise a page-filling read is the best evidence there is. */
	if (!direct && !m->tracer_on)
		for_range(m, ino, first, last, 1, read_one, NULL);
	pthread_mutex_unlock(&m->lock);
}

static void drop_one(struct dt_pages *m, struct pg *p, void *ctx)
{
	(void)ctx;
	/* truncate_inode_pages: the page and its buffers go */
	p->flags = 0;
	pg_settle(m, p);
}

void dt_pages_drop(struct dt_pages *m, uint64_t ino, uint64_t first,
		   uint64_t last)
{
	pthread_mutex_lock(&m->lock);
	for_range(m, ino, first, last, 0, drop_one, NULL);
	pthread_mutex_unlock(&m->lock);
}

void dt_pages_forget(struct dt_pages *m, uint64_t ino)
{
	dt_pages_drop(m, ino, 0, UINT64_MAX);
}

void dt_pages_kernel_dirty(struct dt_pages *m, uint64_t ino, uint64_t index,
			   unsigned int cls, const char *symbol,
			   const struct dt_origin *o)
{
	struct pg *p;
	uint64_t seq;

	pthread_mutex_lock(&m->lock);
	if (cls < DT_CLS_MAX)
		m->c.dirty_by_class[cls]++;
	seq = emit(m, o, DT_SRC_KERNEL, DT_EV_DIRTY, ino, index, index, 0, cls,
		   symbol);
	p = pg_get(m, ino, index);
	if (!p)
		goto out;
	if (p->flags & DT_PG_WRITEBACK)
		p->flags |= PG_REDIRTIED;
	if (cls == DT_CLS_WRITE_NOTIFY || cls == DT_CLS_WRITE_BEGIN ||
	    !m->tracer_on) {
		/* page_mkwrite / write_begin (or, without trustworthy kernel
		 * evidence, inferred) */
		p->flags |= DT_PG_BUFFERS;
	} else if (!(p->flags & DT_PG_BUFFERS) ||
		   (p->flags & DT_PG_WRITEBACK)) {
		char why[256];

		snprintf(why, sizeof(why),
			 "page %llu dirtied by %s (%s) %s; task %u %.16s",
			 (unsigned long long)index, symbol ? symbol : "?",
			 dt_class_name(cls),
			 p->flags & DT_PG_WRITEBACK ? "under writeback"
						    : "without buffers",
			 o ? o->pid : 0, o ? o->comm : "");
		m->c.viol_no_notify++;
		if (m->viol_fn)
			m->viol_fn(m->viol_ctx, DT_EV_VIOL_NO_NOTIFY, ino,
				   index, why);
		p->viol_seq = emit(m, o, DT_SRC_DTFS, DT_EV_VIOL_NO_NOTIFY, ino,
				   index, index, seq, cls, why);
		p->flags |= DT_PG_VIOLATED;
	}
	p->flags |= DT_PG_DIRTY | DT_PG_RESIDENT;
out:
	pthread_mutex_unlock(&m->lock);
}

struct cctx {
	int added;
};

static void cache_one(struct dt_pages *m, struct pg *p, void *ctx)
{
	struct cctx *c = ctx;

	if (c->added) {
		p->flags |= DT_PG_RESIDENT;
		return;
	}
	p->flags &= ~DT_PG_RESIDENT;
	if (m->release == DT_REL_EVICT)
		p->flags &= ~DT_PG_BUFFERS;
	/* a deleted folio is neither dirty nor under writeback any more */
	p->flags &= ~(DT_PG_DIRTY | DT_PG_WRITEBACK | PG_REDIRTIED);
	if (!(p->flags & DT_PG_BUFFERS))
		p->flags &= ~DT_PG_VIOLATED;
	pg_settle(m, p);
}

void dt_pages_kernel_cache(struct dt_pages *m, uint64_t ino, uint64_t index,
			   uint64_t nr, int added, const struct dt_origin *o)
{
	struct cctx c = {.added = added};

	if (!nr)
		nr = 1;
	pthread_mutex_lock(&m->lock);
	emit(m, o, DT_SRC_KERNEL, added ? DT_EV_CACHE_ADD : DT_EV_CACHE_DEL,
	     ino, index, index + nr - 1, 0, DT_CLS_NONE, NULL);
	for_range(m, ino, index, index + nr - 1, added, cache_one, &c);
	pthread_mutex_unlock(&m->lock);
}

void dt_pages_kernel_lost(struct dt_pages *m, uint64_t n)
{
	pthread_mutex_lock(&m->lock);
	emit(m, NULL, DT_SRC_KERNEL, DT_EV_LOST, 0, 0, 0, n, DT_CLS_NONE,
	     m->tracer_on
		     ? "tracer records lost: write-notify inferred from now on"
		     : "tracer records lost");
	if (m->tracer_on)
		fprintf(stderr,
			"dtfs: the tracer lost %llu records (ring buffer "
			"full): violations are no longer reported for this "
			"mount\n",
			(unsigned long long)n);
	m->tracer_on = 0;
	pthread_mutex_unlock(&m->lock);
}

void dt_pages_kernel_fault(struct dt_pages *m, uint64_t ino, uint64_t index,
			   uint64_t last, int around, const struct dt_origin *o)
{
	pthread_mutex_lock(&m->lock);
	emit(m, o, DT_SRC_KERNEL, around ? DT_EV_MAP_PAGES : DT_EV_FAULT, ino,
	     index, last < index ? index : last, 0, DT_CLS_NONE, NULL);
	pthread_mutex_unlock(&m->lock);
}

unsigned int dt_pages_state(struct dt_pages *m, uint64_t ino, uint64_t index)
{
	struct pg *p;
	unsigned int f;

	pthread_mutex_lock(&m->lock);
	p = pg_find(m, ino, index);
	f = p ? p->flags & ~PG_REDIRTIED : 0;
	pthread_mutex_unlock(&m->lock);
	return f;
}

void dt_pages_each(struct dt_pages *m, uint64_t ino,
		   void (*fn)(void *ctx, uint64_t index, unsigned int flags),
		   void *ctx)
{
	struct ino_ent *e;

	pthread_mutex_lock(&m->lock);
	e = ino_get(m, ino, 0);
	for (struct pg *p = e ? e->pages : NULL; p; p = p->inext)
		fn(ctx, p->index, p->flags & ~PG_REDIRTIED);
	pthread_mutex_unlock(&m->lock);
}

int dt_pages_replay(struct dt_pages *m, const struct dt_rec *r,
		    const char *text)
{
	struct dt_origin o = {.ts = r->ts, .pid = r->pid};

	switch (r->event) {
	case DT_EV_WRITE:
	case DT_EV_WRITEPAGE:
	case DT_EV_READ:
	case DT_EV_CACHE_ADD:
	case DT_EV_CACHE_DEL:
		/* these give pages state one by one: a range the daemon
		 * never logs is a damaged or forged record, not replayed
		 * (a fuzzer found that it made check loop for ever) */
		if (r->last < r->first ||
		    r->last - r->first >= DT_REPLAY_MAX_PAGES)
			return -EINVAL;
		break;
	}
	memcpy(o.comm, r->comm, sizeof(o.comm));
	switch (r->event) {
	case DT_EV_WRITE:
		dt_pages_write(m, r->ino, r->first, r->last, &o);
		break;
	case DT_EV_WRITEPAGE:
		dt_pages_writepage_begin(m, r->ino, r->first, r->last, &o);
		dt_pages_writepage_end(m, r->ino, r->first, r->last);
		break;
	case DT_EV_READ:
		dt_pages_read(m, r->ino, r->first, r->last, (int)r->aux, &o);
		break;
	case DT_EV_TRUNCATE:
		dt_pages_drop(m, r->ino, r->first, r->last);
		break;
	case DT_EV_PUNCH:
		if (r->last >= r->first && r->last + 1 > r->first)
			dt_pages_drop(m, r->ino, r->first, r->last);
		break;
	case DT_EV_DIRTY:
		dt_pages_kernel_dirty(m, r->ino, r->first, r->cls, text, &o);
		break;
	case DT_EV_CACHE_ADD:
	case DT_EV_CACHE_DEL:
		dt_pages_kernel_cache(m, r->ino, r->first,
				      r->last - r->first + 1,
				      r->event == DT_EV_CACHE_ADD, &o);
		break;
	case DT_EV_LOST:
		if (r->source == DT_SRC_KERNEL) {
			pthread_mutex_lock(&m->lock);
			m->tracer_on = 0;
			pthread_mutex_unlock(&m->lock);
		}
		break;
	case DT_EV_POLICY: {
		const char *rel = text ? strstr(text, "release=") : NULL;

		if (rel)
			dt_pages_set_policy(m, -1,
					    !strncmp(rel + 8, "evict", 5)
						    ? DT_REL_EVICT
						    : DT_REL_WRITEBACK);
		break;
	}
	}
	return 0;
}
