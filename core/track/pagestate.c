// SPDX-License-Identifier: GPL-2.0
/*
 * The page-state model (dtfs(7), PAGE STATES). State lives in a chained hash
 * keyed by (ino, index), with a per-inode list so that ranges and inode
 * teardown visit only that inode's pages. A page with nothing to say (no
 * flag set) has no node: a node costs 64 bytes, and an event costs one
 * hash lookup per page under one mutex plus one dirty-log record per run
 * of pages (a ~100-byte memcpy).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dtfs/pagestate.h"

#define PG_BUCKETS (1u << 16)
#define INO_BUCKETS (1u << 12)
/* internal flags, never shown outside */
#define PG_REDIRTIED \
	32 /* dirtied again after the kernel cleaned it for a
			 * writeback dtfs has not finished */
#define PG_REBUFFERED 64 /* ... through write-notify: buffers of its own */
#define PG_INTERNAL (PG_REDIRTIED | PG_REBUFFERED)

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
	unsigned int observed; /* DT_OBS_* */
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

/* Adjacent pages of an inode in adjacent buckets: events come as ranges
 * (a 1 MiB write is 256 pages), and a range then walks the bucket array in
 * order instead of missing the cache on every page. */
static unsigned int pg_hash(uint64_t ino, uint64_t index)
{
	uint64_t h = (ino * 0x9E3779B97F4A7C15ULL >> 32) + index;

	return (unsigned int)h & (PG_BUCKETS - 1);
}

struct dt_pages *dt_pages_new(void)
{
	struct dt_pages *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->on_violation = DTFS_ON_WARN;
	m->release = DTFS_REL_WRITEBACK;
	return m;
}

unsigned int dt_pages_observed_by(const struct dt_log_hdr *h)
{
	unsigned int o = 0;

	if (h->flags & DT_LOGF_TRACER) {
		if (!(h->tracer_missing & DTFS_TP_DIRTY))
			o |= DT_OBS_DIRTY;
		if (!(h->tracer_missing & DTFS_TP_CACHE))
			o |= DT_OBS_CACHE;
	}
	if (h->flags & DT_LOGF_OBSERVER)
		o |= DT_OBS_OBSERVER;
	return o;
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

void dt_pages_observe(struct dt_pages *m, unsigned int observed)
{
	pthread_mutex_lock(&m->lock);
	m->observed = observed;
	pthread_mutex_unlock(&m->lock);
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
	seq = emit(m, o, src, ev, ino, first, last, aux, DTFS_CLS_NONE, text);
	pthread_mutex_unlock(&m->lock);
	return seq;
}

/* The policy record carries the policy as numbers (first = on_violation,
 * last = release, aux = DT_POLICY_NUMBERS); the text is for people. Logs
 * of format version 1 had only the text. */
#define DT_POLICY_NUMBERS 1

static void policy_locked(struct dt_pages *m, int on_violation, int release)
{
	if (on_violation >= 0 && on_violation < DTFS_ON_COUNT)
		m->on_violation = on_violation;
	if (release >= 0 && release < DTFS_REL_COUNT)
		m->release = release;
}

void dt_pages_set_policy(struct dt_pages *m, int on_violation, int release,
			 const struct dt_origin *o, uint64_t ino)
{
	char text[80];

	pthread_mutex_lock(&m->lock);
	policy_locked(m, on_violation, release);
	snprintf(text, sizeof(text), "on_violation=%s release=%s",
		 dtfs_on_violation_name((unsigned int)m->on_violation),
		 dtfs_release_name((unsigned int)m->release));
	emit(m, o, DT_SRC_DTFS, DTFS_EV_POLICY, ino, (uint64_t)m->on_violation,
	     (uint64_t)m->release, DT_POLICY_NUMBERS, DTFS_CLS_NONE, text);
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

static void write_one(struct dt_pages *m, struct pg *p, void *ctx)
{
	(void)ctx;
	/* write_begin attaches buffers; write-through stores the data at
	 * once, so this is also the page's writeback, unless the page was
	 * already dirty in the kernel (then writeback is still to come). */
	p->flags |= DT_PG_RESIDENT | DT_PG_BUFFERS;
	if (!(p->flags & DT_PG_DIRTY) && m->release == DTFS_REL_WRITEBACK)
		p->flags &= ~DT_PG_BUFFERS;
	pg_settle(m, p);
}

void dt_pages_write(struct dt_pages *m, uint64_t ino, uint64_t first,
		    uint64_t last, const struct dt_origin *o)
{
	pthread_mutex_lock(&m->lock);
	m->c.writes++;
	emit(m, o, DT_SRC_FUSE, DTFS_EV_WRITE, ino, first, last, 0,
	     DTFS_CLS_WRITE_BEGIN, NULL);
	for_range(m, ino, first, last, 1, write_one, NULL);
	pthread_mutex_unlock(&m->lock);
}

/* A writepage of a page without buffers is a violation only where
 * write-notify is observed. */
static int lacks_buffers(const struct dt_pages *m, const struct pg *p)
{
	return (m->observed & DT_OBS_DIRTY) && !(p->flags & DT_PG_BUFFERS);
}

int dt_pages_lack_buffers(struct dt_pages *m, uint64_t ino, uint64_t first,
			  uint64_t last)
{
	int lack = 0;

	pthread_mutex_lock(&m->lock);
	if (m->observed & DT_OBS_DIRTY) {
		for (uint64_t i = first; !lack; i++) {
			struct pg *p = pg_find(m, ino, i);

			lack = !p || lacks_buffers(m, p);
			if (i == last)
				break;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return lack;
}

/*
 * Runs of pages that share an outcome become one record: the pages of a
 * range are visited in order, and a run is flushed when the outcome (or
 * the root cause it names) changes or a page is skipped.
 */
struct run {
	uint64_t first, last, key;
	int open;
};

struct wpctx {
	const struct dt_origin *o;
	struct run run;
	uint64_t bad; /* pages without buffers */
};

static void symptom_flush(struct dt_pages *m, struct wpctx *w, uint64_t ino)
{
	char why[200];

	if (!w->run.open)
		return;
	if (w->run.key)
		snprintf(why, sizeof(why),
			 "writepage of pages %llu-%llu without buffers: "
			 "dirtied without write-notify at #%llu",
			 (unsigned long long)w->run.first,
			 (unsigned long long)w->run.last,
			 (unsigned long long)w->run.key);
	else
		snprintf(why, sizeof(why),
			 "writepage of pages %llu-%llu without buffers: no "
			 "dirtying of them was seen",
			 (unsigned long long)w->run.first,
			 (unsigned long long)w->run.last);
	emit(m, w->o, DT_SRC_DTFS, DTFS_EV_VIOL_NO_BUFFERS, ino, w->run.first,
	     w->run.last, w->run.key, DTFS_CLS_NONE, why);
	w->run.open = 0;
}

static void writepage_page(struct dt_pages *m, struct pg *p, struct wpctx *w)
{
	if (lacks_buffers(m, p)) {
		char why[120];

		m->c.viol_no_buffers++;
		w->bad++;
		if (m->viol_fn) {
			snprintf(why, sizeof(why),
				 "writepage of page %llu without buffers%s",
				 (unsigned long long)p->index,
				 p->viol_seq ? " (dirtied without write-notify)"
					     : " (no dirtying seen)");
			m->viol_fn(m->viol_ctx, DTFS_EV_VIOL_NO_BUFFERS, p->ino,
				   p->index, why);
		}
		if (w->run.open &&
		    (w->run.key != p->viol_seq || w->run.last + 1 != p->index))
			symptom_flush(m, w, p->ino);
		if (!w->run.open) {
			w->run.open = 1;
			w->run.first = p->index;
			w->run.key = p->viol_seq;
		}
		w->run.last = p->index;
	} else {
		symptom_flush(m, w, p->ino);
	}
	if (!(m->observed & DT_OBS_DIRTY))
		p->flags |= DT_PG_BUFFERS; /* inferred page_mkwrite */
	/* PG_REDIRTIED stays: the page was dirtied again after the kernel
	 * cleaned it for this writeback, before dtfs saw the request */
	p->flags |= DT_PG_WRITEBACK | DT_PG_RESIDENT;
}

enum dt_wp_verdict dt_pages_writepage_begin(struct dt_pages *m, uint64_t ino,
					    uint64_t first, uint64_t last,
					    const struct dt_origin *o)
{
	struct wpctx w = {.o = o};
	enum dt_wp_verdict v = DT_WP_STORE;

	pthread_mutex_lock(&m->lock);
	m->c.writepages++;
	emit(m, o, DT_SRC_FUSE, DTFS_EV_WRITEPAGE, ino, first, last, 0,
	     DTFS_CLS_NONE, NULL);
	for (uint64_t i = first;; i++) {
		struct pg *p = pg_get(m, ino, i);

		if (p)
			writepage_page(m, p, &w);
		if (i == last)
			break;
	}
	symptom_flush(m, &w, ino);
	if (w.bad && m->on_violation == DTFS_ON_EIO) {
		m->c.refused++;
		emit(m, o, DT_SRC_DTFS, DTFS_EV_REFUSED, ino, first, last, EIO,
		     DTFS_CLS_NONE, "on_violation=eio: writepage data refused");
		v = DT_WP_REFUSE;
	} else if (w.bad && m->on_violation == DTFS_ON_ABORT) {
		emit(m, o, DT_SRC_DTFS, DTFS_EV_ABORT, ino, first, last, 0,
		     DTFS_CLS_NONE,
		     "on_violation=abort: dirty page without buffers");
		v = DT_WP_ABORT;
	}
	pthread_mutex_unlock(&m->lock);
	return v;
}

static void writepage_end_one(struct dt_pages *m, struct pg *p, void *ctx)
{
	int keep_buffers = 0;

	(void)ctx;
	p->flags &= ~DT_PG_WRITEBACK;
	if (p->flags & PG_REDIRTIED) {
		/* dirtied again while this writeback ran: still dirty; its
		 * old buffers go with this writeback (release=writeback)
		 * unless the new dirtying attached its own */
		keep_buffers = p->flags & PG_REBUFFERED;
		p->flags &= ~PG_INTERNAL;
	} else {
		p->flags &= ~(DT_PG_DIRTY | DT_PG_VIOLATED);
		p->viol_seq = 0;
	}
	if (m->release == DTFS_REL_WRITEBACK && !keep_buffers)
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
	emit(m, o, DT_SRC_FUSE, DTFS_EV_READ, ino, first, last,
	     (uint64_t)direct, DTFS_CLS_NONE, NULL);
	/* Residency of the page cache comes from the tracer when it
	 * observes it; otherwise a page-filling read is the best evidence
	 * there is. */
	if (!direct && !(m->observed & DT_OBS_CACHE))
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

/* ---- kernel dirtyings ---------------------------------------------------- */

enum root { ROOT_NONE, ROOT_NO_BUFFERS, ROOT_UNDER_WRITEBACK };

struct dctx {
	const struct dt_origin *o;
	const char *symbol;
	unsigned int cls, kflags;
	uint64_t dirty_seq;
	struct run run; /* key: enum root */
	struct pg *run_pages[64]; /* pages of the open run, for viol_seq */
	unsigned int nrun;
};

static void root_flush(struct dt_pages *m, struct dctx *d, uint64_t ino)
{
	char why[256];
	uint64_t seq;

	if (!d->run.open)
		return;
	snprintf(why, sizeof(why),
		 "pages %llu-%llu dirtied by %s (%s) %s; task %u %.16s",
		 (unsigned long long)d->run.first,
		 (unsigned long long)d->run.last, d->symbol ? d->symbol : "?",
		 dtfs_class_name(d->cls),
		 d->run.key == ROOT_UNDER_WRITEBACK ? "under writeback"
						    : "without buffers",
		 d->o ? d->o->pid : 0, d->o ? d->o->comm : "");
	seq = emit(m, d->o, DT_SRC_DTFS, DTFS_EV_VIOL_NO_NOTIFY, ino,
		   d->run.first, d->run.last, d->dirty_seq, d->cls, why);
	for (unsigned int i = 0; i < d->nrun; i++)
		d->run_pages[i]->viol_seq = seq ? seq : d->dirty_seq;
	d->nrun = 0;
	d->run.open = 0;
}

/*
 * One page went clean->dirty. The tracepoint fires only on that
 * transition, so a page the model still holds dirty was cleaned by the
 * kernel in between: a writeback dtfs has not seen yet (its WRITE is on
 * its way, or the filesystem skipped it). Either way this dirtying came
 * after the page was cleaned for I/O, as one during a writeback dtfs is
 * serving does, and the old buffers go with that writeback.
 */
static void dirty_page(struct dt_pages *m, struct pg *p, struct dctx *d)
{
	int pending_wb = p->flags & (DT_PG_WRITEBACK | DT_PG_DIRTY);
	int notify = d->cls == DTFS_CLS_WRITE_NOTIFY ||
		     d->cls == DTFS_CLS_WRITE_BEGIN;
	enum root root = ROOT_NONE;

	if (d->cls == DTFS_CLS_REDIRTY)
		pending_wb = 0; /* that writeback gave the page back */
	if (pending_wb)
		p->flags |= PG_REDIRTIED;
	if (notify || !(m->observed & DT_OBS_DIRTY)) {
		/* page_mkwrite / write_begin (or, without trustworthy
		 * kernel evidence, inferred) */
		p->flags |= DT_PG_BUFFERS;
		if (pending_wb)
			p->flags |= PG_REBUFFERED;
	} else if (d->cls == DTFS_CLS_REDIRTY) {
		/* writeback handed the page back dirty, with what it had */
	} else if (!(p->flags & DT_PG_BUFFERS)) {
		root = ROOT_NO_BUFFERS;
	} else if (pending_wb || (d->kflags & DT_DIRTY_UNDER_WRITEBACK)) {
		root = ROOT_UNDER_WRITEBACK;
	}
	if (root != ROOT_NONE) {
		m->c.viol_no_notify++;
		if (m->viol_fn) {
			char why[200];

			snprintf(why, sizeof(why),
				 "page %llu dirtied by %s (%s) %s; task %u "
				 "%.16s",
				 (unsigned long long)p->index,
				 d->symbol ? d->symbol : "?",
				 dtfs_class_name(d->cls),
				 root == ROOT_UNDER_WRITEBACK
					 ? "under writeback"
					 : "without buffers",
				 d->o ? d->o->pid : 0, d->o ? d->o->comm : "");
			m->viol_fn(m->viol_ctx, DTFS_EV_VIOL_NO_NOTIFY, p->ino,
				   p->index, why);
		}
		p->flags |= DT_PG_VIOLATED;
	}
	if (d->run.open &&
	    (d->run.key != root || d->run.last + 1 != p->index ||
	     d->nrun == sizeof(d->run_pages) / sizeof(d->run_pages[0])))
		root_flush(m, d, p->ino);
	if (root != ROOT_NONE) {
		if (!d->run.open) {
			d->run.open = 1;
			d->run.first = p->index;
			d->run.key = root;
		}
		d->run.last = p->index;
		d->run_pages[d->nrun++] = p;
	}
	p->flags |= DT_PG_DIRTY | DT_PG_RESIDENT;
}

void dt_pages_kernel_dirty(struct dt_pages *m, uint64_t ino, uint64_t first,
			   uint64_t last, unsigned int cls, unsigned int kflags,
			   const char *symbol, const struct dt_origin *o)
{
	struct dctx d = {
		.o = o, .symbol = symbol, .cls = cls, .kflags = kflags};

	pthread_mutex_lock(&m->lock);
	if (cls < DTFS_CLS_COUNT)
		m->c.dirty_by_class[cls] += last - first + 1;
	d.dirty_seq = emit(m, o, DT_SRC_KERNEL, DTFS_EV_DIRTY, ino, first, last,
			   kflags, cls, symbol);
	for (uint64_t i = first;; i++) {
		struct pg *p = pg_get(m, ino, i);

		if (p)
			dirty_page(m, p, &d);
		if (i == last)
			break;
	}
	root_flush(m, &d, ino);
	pthread_mutex_unlock(&m->lock);
}

/*
 * Observer (dt_pages_kernel_writeback): the filesystem's own buffers are
 * not modelled (pages it never saw dirtied may be written back, and are
 * not accused); a page dirtied without write-notify since its last
 * writeback (DT_PG_VIOLATED) is written back without what write-notify
 * would have given the filesystem: the symptom, naming the root cause.
 */
void dt_pages_kernel_writeback(struct dt_pages *m, uint64_t ino, uint64_t first,
			       uint64_t last, const struct dt_origin *o)
{
	struct wpctx w = {.o = o};

	pthread_mutex_lock(&m->lock);
	m->c.writepages++;
	emit(m, o, DT_SRC_KERNEL, DTFS_EV_WRITEPAGE, ino, first, last, 0,
	     DTFS_CLS_NONE, NULL);
	for (uint64_t i = first;; i++) {
		struct pg *p = pg_find(m, ino, i);

		if (p && (p->flags & DT_PG_VIOLATED) &&
		    (m->observed & DT_OBS_DIRTY)) {
			/* writepage_page's symptom, for this page */
			p->flags &= ~DT_PG_BUFFERS;
			writepage_page(m, p, &w);
		} else {
			symptom_flush(m, &w, ino);
			if (p)
				p->flags |= DT_PG_WRITEBACK | DT_PG_RESIDENT;
		}
		if (i == last)
			break;
	}
	symptom_flush(m, &w, ino);
	for_range(m, ino, first, last, 0, writepage_end_one, NULL);
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
	if (m->release == DTFS_REL_EVICT)
		p->flags &= ~DT_PG_BUFFERS;
	/* a deleted folio is neither dirty nor under writeback any more */
	p->flags &= ~(DT_PG_DIRTY | DT_PG_WRITEBACK | PG_INTERNAL);
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
	emit(m, o, DT_SRC_KERNEL, added ? DTFS_EV_CACHE_ADD : DTFS_EV_CACHE_DEL,
	     ino, index, index + nr - 1, 0, DTFS_CLS_NONE, NULL);
	for_range(m, ino, index, index + nr - 1, added, cache_one, &c);
	pthread_mutex_unlock(&m->lock);
}

void dt_pages_kernel_lost(struct dt_pages *m, uint64_t n)
{
	int was;

	pthread_mutex_lock(&m->lock);
	was = !!(m->observed & DT_OBS_DIRTY);
	emit(m, NULL, DT_SRC_KERNEL, DTFS_EV_LOST, 0, 0, 0, n, DTFS_CLS_NONE,
	     was ? "tracer records lost: write-notify inferred from now on"
		 : "tracer records lost");
	if (was)
		fprintf(stderr,
			"dtfs: the tracer lost %llu records (ring buffer "
			"full): violations are no longer reported for this "
			"mount\n",
			(unsigned long long)n);
	m->observed = 0;
	pthread_mutex_unlock(&m->lock);
}

void dt_pages_kernel_fault(struct dt_pages *m, uint64_t ino, uint64_t index,
			   uint64_t last, int around, const struct dt_origin *o)
{
	pthread_mutex_lock(&m->lock);
	emit(m, o, DT_SRC_KERNEL, around ? DTFS_EV_MAP_PAGES : DTFS_EV_FAULT,
	     ino, index, last < index ? index : last, 0, DTFS_CLS_NONE, NULL);
	pthread_mutex_unlock(&m->lock);
}

unsigned int dt_pages_state(struct dt_pages *m, uint64_t ino, uint64_t index)
{
	struct pg *p;
	unsigned int f;

	pthread_mutex_lock(&m->lock);
	p = pg_find(m, ino, index);
	f = p ? p->flags & ~PG_INTERNAL : 0;
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
		fn(ctx, p->index, p->flags & ~PG_INTERNAL);
	pthread_mutex_unlock(&m->lock);
}

/* ---- replay -------------------------------------------------------------- */

/* A policy record of a version 1 log: only its text says it. */
static void replay_policy_text(struct dt_pages *m, const char *text)
{
	const char *ov = text ? strstr(text, "on_violation=") : NULL;
	const char *rel = text ? strstr(text, "release=") : NULL;
	char word[16];

	if (ov && sscanf(ov + 13, "%15[a-z]", word) == 1)
		policy_locked(m,
			      dtfs_by_name(dtfs_on_violation_name,
					   DTFS_ON_COUNT, word),
			      -1);
	if (rel && sscanf(rel + 8, "%15[a-z]", word) == 1)
		policy_locked(
			m, -1,
			dtfs_by_name(dtfs_release_name, DTFS_REL_COUNT, word));
}

int dt_pages_replay(struct dt_pages *m, const struct dt_rec *r,
		    const char *text)
{
	struct dt_origin o = {.ts = r->ts, .pid = r->pid};

	switch (r->event) {
	case DTFS_EV_WRITE:
	case DTFS_EV_WRITEPAGE:
	case DTFS_EV_READ:
	case DTFS_EV_CACHE_ADD:
	case DTFS_EV_CACHE_DEL:
	case DTFS_EV_DIRTY:
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
	case DTFS_EV_WRITE:
		dt_pages_write(m, r->ino, r->first, r->last, &o);
		break;
	case DTFS_EV_WRITEPAGE:
		if (r->source == DT_SRC_KERNEL) {
			/* an observer's writeback (dtfs-trace) */
			dt_pages_kernel_writeback(m, r->ino, r->first, r->last,
						  &o);
			break;
		}
		dt_pages_writepage_begin(m, r->ino, r->first, r->last, &o);
		dt_pages_writepage_end(m, r->ino, r->first, r->last);
		break;
	case DTFS_EV_READ:
		dt_pages_read(m, r->ino, r->first, r->last, (int)r->aux, &o);
		break;
	case DTFS_EV_TRUNCATE:
		dt_pages_drop(m, r->ino, r->first, r->last);
		break;
	case DTFS_EV_PUNCH:
		if (r->last >= r->first && r->last + 1 > r->first)
			dt_pages_drop(m, r->ino, r->first, r->last);
		break;
	case DTFS_EV_DIRTY:
		/* version 1: one page, aux 0; version 2: a run, aux flags */
		dt_pages_kernel_dirty(
			m, r->ino, r->first, r->last, r->cls,
			(unsigned int)(r->aux & DT_DIRTY_UNDER_WRITEBACK), text,
			&o);
		break;
	case DTFS_EV_CACHE_ADD:
	case DTFS_EV_CACHE_DEL:
		dt_pages_kernel_cache(m, r->ino, r->first,
				      r->last - r->first + 1,
				      r->event == DTFS_EV_CACHE_ADD, &o);
		break;
	case DTFS_EV_LOST:
		if (r->source == DT_SRC_KERNEL) {
			pthread_mutex_lock(&m->lock);
			m->observed = 0;
			pthread_mutex_unlock(&m->lock);
		}
		break;
	case DTFS_EV_POLICY:
		pthread_mutex_lock(&m->lock);
		if (r->aux == DT_POLICY_NUMBERS)
			policy_locked(
				m,
				r->first < DTFS_ON_COUNT ? (int)r->first : -1,
				r->last < DTFS_REL_COUNT ? (int)r->last : -1);
		else
			replay_policy_text(m, text);
		pthread_mutex_unlock(&m->lock);
		break;
	}
	return 0;
}
