// SPDX-License-Identifier: GPL-2.0
/* A file's block maps and the data blocks behind them (extent.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "extent.h"

/* ---- operations ---------------------------------------------------------- */

void dt_op_begin(struct dt_fs *fs, struct dt_op *op)
{
	memset(op, 0, sizeof(*op));
	op->fs = fs;
	op->frees = op->inl_frees;
	op->capfrees = sizeof(op->inl_frees) / sizeof(op->inl_frees[0]);
	op->allocs = op->inl_allocs;
	op->capallocs = sizeof(op->inl_allocs) / sizeof(op->inl_allocs[0]);
	op->epoch = dt_store_begin(&fs->st);
}

/* Append run [pblk, pblk + n) to a list, merging with its last run. */
static int add_run(struct dt_run **v, size_t *nr, size_t *cap,
		   struct dt_run *inl, uint64_t pblk, uint64_t n)
{
	if (*nr && (*v)[*nr - 1].pblk + (*v)[*nr - 1].n == pblk) {
		(*v)[*nr - 1].n += n;
		return 0;
	}
	if (*nr == *cap) {
		size_t c = *cap * 4;
		struct dt_run *p = malloc(c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		memcpy(p, *v, *nr * sizeof(*p));
		if (*v != inl)
			free(*v);
		*v = p;
		*cap = c;
	}
	(*v)[(*nr)++] = (struct dt_run){pblk, n};
	return 0;
}

void dt_op_end(struct dt_op *op, int committed)
{
	struct dt_store *st = &op->fs->st;

	if (committed) {
		for (size_t i = 0; i < op->nfrees; i++)
			dt_alloc_defer(&st->alloc, op->frees[i].pblk,
				       op->frees[i].n, op->epoch);
	} else {
		/* no committed map ever pointed at them */
		for (size_t i = 0; i < op->nallocs; i++)
			dt_alloc_put(&st->alloc, op->allocs[i].pblk,
				     op->allocs[i].n);
	}
	dt_store_end(st);
	if (op->frees != op->inl_frees)
		free(op->frees);
	if (op->allocs != op->inl_allocs)
		free(op->allocs);
}

int dt_op_alloc(struct dt_op *op, struct dt_inode *in, uint64_t n,
		struct dt_run *runs, int max)
{
	struct dt_store *st = &op->fs->st;
	int nr, ret = dt_store_space(st, n << DT_BLOCK_SHIFT, 0);

	if (ret)
		return ret;
	nr = dt_alloc_get(&st->alloc,
			  __atomic_load_n(&in->goal, __ATOMIC_RELAXED), n, runs,
			  max);
	if (nr < 0)
		return nr;
	for (int i = 0; i < nr; i++) {
		if (add_run(&op->allocs, &op->nallocs, &op->capallocs,
			    op->inl_allocs, runs[i].pblk, runs[i].n)) {
			/* cannot track them for a failure: give back */
			for (int j = i; j < nr; j++)
				dt_alloc_put(&st->alloc, runs[j].pblk,
					     runs[j].n);
			return -ENOMEM;
		}
	}
	/* a hint, also read without the inode lock (dt_prep_blocks) */
	__atomic_store_n(&in->goal, runs[nr - 1].pblk + runs[nr - 1].n,
			 __ATOMIC_RELAXED);
	return nr;
}

int dt_prep_blocks(struct dt_fs *fs, struct dt_inode *in, uint64_t n,
		   struct dt_run *runs, int max)
{
	struct dt_store *st = &fs->st;
	int nr = dt_store_space(st, n << DT_BLOCK_SHIFT, 0);

	if (nr)
		return nr;
	nr = dt_alloc_get(&st->alloc,
			  __atomic_load_n(&in->goal, __ATOMIC_RELAXED), n, runs,
			  max);
	if (nr > 0)
		__atomic_store_n(&in->goal, runs[nr - 1].pblk + runs[nr - 1].n,
				 __ATOMIC_RELAXED);
	return nr;
}

void dt_prep_put(struct dt_fs *fs, const struct dt_run *runs, int nr)
{
	for (int i = 0; i < nr; i++)
		dt_alloc_put(&fs->st.alloc, runs[i].pblk, runs[i].n);
}

int dt_op_adopt(struct dt_op *op, const struct dt_run *runs, int nr)
{
	for (int i = 0; i < nr; i++) {
		if (add_run(&op->allocs, &op->nallocs, &op->capallocs,
			    op->inl_allocs, runs[i].pblk, runs[i].n)) {
			/* the op gives back those it has if it fails */
			dt_prep_put(op->fs, runs + i, nr - i);
			return -ENOMEM;
		}
	}
	return 0;
}

void dt_op_free(struct dt_op *op, uint64_t pblk, uint64_t n)
{
	/* without memory to remember it the block stays in use until the
	 * next mount rebuilds the allocator: a leak, never a reuse */
	add_run(&op->frees, &op->nfrees, &op->capfrees, op->inl_frees, pblk, n);
}

/* ---- slots --------------------------------------------------------------- */

#define SECTORS_PER_BLOCK (DT_BLOCK_SIZE >> 9)

void dt_slot_set(struct dt_op *op, struct dt_irec *r, struct dt_slot *s,
		 unsigned int kind, uint64_t pblk, uint32_t crc)
{
	struct dt_slot old = *s, n = {0};

	if (kind != DT_SLOT_HOLE) {
		n.kind = (uint8_t)kind;
		n.pblk = pblk;
		n.crc = kind == DT_SLOT_DATA ? crc : 0;
		n.epoch = op->epoch;
		/* the fallback: the slot as it was before this epoch
		 * (an unwritten block is never read back: it needs none) */
		if (kind == DT_SLOT_DATA && old.kind != DT_SLOT_HOLE) {
			if (old.epoch < op->epoch) {
				n.fb_kind = old.kind;
				n.fb_pblk = old.pblk;
				n.fb_crc = old.crc;
			} else {
				n.fb_kind = old.fb_kind;
				n.fb_pblk = old.fb_pblk;
				n.fb_crc = old.fb_crc;
			}
		}
	}
	if (old.kind != DT_SLOT_HOLE &&
	    (n.kind == DT_SLOT_HOLE || n.pblk != old.pblk))
		dt_op_free(op, old.pblk, 1);
	if (old.kind == DT_SLOT_HOLE && n.kind != DT_SLOT_HOLE)
		r->blocks += SECTORS_PER_BLOCK;
	if (old.kind != DT_SLOT_HOLE && n.kind == DT_SLOT_HOLE)
		r->blocks -= SECTORS_PER_BLOCK;
	*s = n;
}

int dt_block_read(struct dt_fs *fs, uint64_t ino, uint64_t lblk,
		  const struct dt_slot *s, char *buf)
{
	if (s->kind != DT_SLOT_DATA) {
		memset(buf, 0, DT_BLOCK_SIZE);
		return 0;
	}
	return dt_data_read(&fs->st, ino, lblk, s->pblk, 1, &s->crc, buf);
}

int dt_block_rewrite(struct dt_op *op, struct dt_inode *in, struct dt_slot *s,
		     uint64_t lblk, size_t from, size_t to, const char *src)
{
	struct dt_fs *fs = op->fs;
	char buf[DT_BLOCK_SIZE];
	struct iovec iov = {buf, DT_BLOCK_SIZE};
	struct dt_run run;
	uint64_t target;
	int ret = dt_block_read(fs, in->ino, lblk, s, buf);

	if (ret)
		return ret;
	if (src)
		memcpy(buf + from, src, to - from);
	else
		memset(buf + from, 0, to - from);
	if (s->kind == DT_SLOT_UNWRITTEN) {
		target = s->pblk;
	} else {
		ret = dt_op_alloc(op, in, 1, &run, 1);
		if (ret < 0)
			return ret;
		target = run.pblk;
	}
	ret = dt_data_write(&fs->st, target, &iov, 1, DT_BLOCK_SIZE);
	if (ret)
		return ret;
	dt_slot_set(op, &in->rec, s, DT_SLOT_DATA, target,
		    dt_block_crc(target, buf));
	return 0;
}

/* ---- the map cache ------------------------------------------------------- */

#define MCACHE_MAX 16384 /* maps: 1 GiB of file data, about 11 MiB */
#define MCACHE_SHARDS 16 /* each with its own lock and LRU list */
#define MCACHE_BUCKETS 512 /* per shard */

struct mc_ent {
	uint64_t ino, idx, gen;
	struct mc_ent *hnext, *prev, *next; /* hash chain, LRU list */
	struct dt_map m;
};

struct mc_shard {
	pthread_mutex_t lock;
	struct mc_ent *hash[MCACHE_BUCKETS];
	struct mc_ent lru; /* head: lru.next most recent */
	size_t n;
} __attribute__((aligned(64)));

/* Sharded by (ino, idx): concurrent writers of one file mostly take
 * different locks, and none is held for more than a map copy. */
struct dt_mcache {
	struct mc_shard sh[MCACHE_SHARDS];
};

int dt_mcache_init(struct dt_fs *fs)
{
	struct dt_mcache *c;

	if (posix_memalign((void **)&c, 64, sizeof(*c)))
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < MCACHE_SHARDS; i++) {
		pthread_mutex_init(&c->sh[i].lock, NULL);
		c->sh[i].lru.next = c->sh[i].lru.prev = &c->sh[i].lru;
	}
	fs->mcache = c;
	return 0;
}

void dt_mcache_free(struct dt_fs *fs)
{
	struct dt_mcache *c = fs->mcache;

	if (!c)
		return;
	for (int i = 0; i < MCACHE_SHARDS; i++) {
		struct mc_shard *sh = &c->sh[i];

		for (struct mc_ent *e = sh->lru.next, *n; e != &sh->lru;
		     e = n) {
			n = e->next;
			free(e);
		}
		pthread_mutex_destroy(&sh->lock);
	}
	free(c);
	fs->mcache = NULL;
}

void dt_maps_changed(struct dt_fs *fs, struct dt_inode *in)
{
	in->mapgen = __atomic_add_fetch(&fs->mapgen, 1, __ATOMIC_RELAXED);
}

static unsigned int mc_hash(uint64_t ino, uint64_t idx)
{
	return (unsigned int)(((ino * 0x9E3779B97F4A7C15ULL) ^ idx) *
				      0xff51afd7ed558ccdULL >>
			      48);
}

static struct mc_shard *mc_shard(struct dt_mcache *c, unsigned int h)
{
	return &c->sh[h % MCACHE_SHARDS];
}

static void lru_unlink(struct mc_ent *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
}

static void lru_front(struct mc_shard *c, struct mc_ent *e)
{
	e->next = c->lru.next;
	e->prev = &c->lru;
	c->lru.next->prev = e;
	c->lru.next = e;
}

static struct mc_ent **mc_find(struct mc_shard *c, unsigned int h, uint64_t ino,
			       uint64_t idx)
{
	struct mc_ent **pp = &c->hash[(h / MCACHE_SHARDS) % MCACHE_BUCKETS];

	while (*pp && ((*pp)->ino != ino || (*pp)->idx != idx))
		pp = &(*pp)->hnext;
	return pp;
}

/* Slots [@from, @from + @n) of map @idx into @out if the cache has the
 * map: a reader copies the 32 bytes a block needs, not the 512 of its map
 * (for a random 4 KiB read, a copy from a cold entry was most of what
 * looking its block up cost). */
static int mc_get_slots(struct dt_fs *fs, struct dt_inode *in, uint64_t idx,
			unsigned int from, unsigned int n, struct dt_slot *out)
{
	unsigned int h = mc_hash(in->ino, idx);
	struct mc_shard *c = mc_shard(fs->mcache, h);
	struct mc_ent *e;
	int hit = 0;

	pthread_mutex_lock(&c->lock);
	e = *mc_find(c, h, in->ino, idx);
	if (e && e->gen == in->mapgen) {
		memcpy(out, &e->m.s[from], n * sizeof(*out));
		if (c->lru.next != e) {
			lru_unlink(e);
			lru_front(c, e);
		}
		hit = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

static int mc_get(struct dt_fs *fs, struct dt_inode *in, uint64_t idx,
		  struct dt_map *out)
{
	return mc_get_slots(fs, in, idx, 0, DT_MAP_SLOTS, out->s);
}

static void mc_put(struct dt_fs *fs, struct dt_inode *in, uint64_t idx,
		   const struct dt_map *m)
{
	unsigned int h = mc_hash(in->ino, idx);
	struct mc_shard *c = mc_shard(fs->mcache, h);
	struct mc_ent **pp, *e;

	pthread_mutex_lock(&c->lock);
	pp = mc_find(c, h, in->ino, idx);
	e = *pp;
	if (e) {
		lru_unlink(e);
	} else if (c->n >= MCACHE_MAX / MCACHE_SHARDS) {
		/* reuse the least recently used entry */
		struct mc_ent **old;

		e = c->lru.prev;
		lru_unlink(e);
		old = mc_find(c, mc_hash(e->ino, e->idx), e->ino, e->idx);
		*old = e->hnext;
		pp = mc_find(c, h, in->ino, idx);
		e->hnext = NULL;
		*pp = e;
	} else {
		e = malloc(sizeof(*e));
		if (!e) {
			pthread_mutex_unlock(&c->lock);
			return;
		}
		e->hnext = NULL;
		*pp = e;
		c->n++;
	}
	e->ino = in->ino;
	e->idx = idx;
	e->gen = in->mapgen;
	e->m = *m;
	lru_front(c, e);
	pthread_mutex_unlock(&c->lock);
}

/* ---- map windows --------------------------------------------------------- */

static int bad_map(uint64_t ino, uint64_t idx)
{
	fprintf(stderr,
		"dtfs: ino %llu: damaged block map of blocks %llu-%llu; run "
		"dtfs-fsck\n",
		(unsigned long long)ino,
		(unsigned long long)(idx * DT_MAP_SLOTS),
		(unsigned long long)(idx * DT_MAP_SLOTS + DT_MAP_SLOTS - 1));
	return -EIO;
}

int dt_win_load(struct dt_fs *fs, struct dt_win *w, struct dt_inode *in,
		uint64_t first, uint64_t last)
{
	uint64_t fi = first >> DT_MAP_SHIFT, li = last >> DT_MAP_SHIFT;
	uint64_t ino = in->ino;
	unsigned int n = (unsigned int)(li - fi + 1), hits = 0;
	char k[17];
	int ret = 0;

	w->ino = ino;
	w->first = fi;
	w->n = n;
	if (n <= 4) {
		w->m = w->inl;
		w->dirty = w->inl_dirty;
		memset(w->inl, 0, n * sizeof(w->inl[0]));
		memset(w->inl_dirty, 0, sizeof(w->inl_dirty));
	} else {
		w->m = calloc(n, sizeof(*w->m));
		w->dirty = calloc(n, 1);
		if (!w->m || !w->dirty) {
			dt_win_free(w);
			return -ENOMEM;
		}
	}
	for (unsigned int i = 0; i < n; i++)
		hits += (unsigned int)mc_get(fs, in, fi + i, &w->m[i]);
	if (hits == n)
		return 0;
	if (n <= 2) {
		/* one or two maps: point lookups */
		for (unsigned int i = 0; i < n && !ret; i++) {
			char *err = NULL;
			rocksdb_pinnableslice_t *ps;

			dt_key2(k, DT_K_MAP, ino, fi + i);
			ps = rocksdb_get_pinned(fs->st.db, fs->st.ro, k, 17,
						&err);
			if (err) {
				fprintf(stderr,
					"dtfs: ino %llu: store read failed: "
					"%s; run dtfs-fsck\n",
					(unsigned long long)ino, err);
				free(err);
				ret = -EIO;
			} else if (ps) {
				size_t vl;
				const char *v =
					rocksdb_pinnableslice_value(ps, &vl);

				if (dt_map_decode(v, vl, &w->m[i]))
					ret = bad_map(ino, fi + i);
			}
			rocksdb_pinnableslice_destroy(ps);
		}
	} else {
		rocksdb_iterator_t *it =
			rocksdb_create_iterator(fs->st.db, fs->st.ro);

		dt_key2(k, DT_K_MAP, ino, fi);
		for (rocksdb_iter_seek(it, k, 17); rocksdb_iter_valid(it);
		     rocksdb_iter_next(it)) {
			size_t kl, vl;
			const char *key = rocksdb_iter_key(it, &kl);
			const char *v;
			uint64_t idx;

			if (kl != 17 || key[0] != DT_K_MAP ||
			    dt_get_be64(key + 1) != ino)
				break;
			idx = dt_get_be64(key + 9);
			if (idx > li)
				break;
			v = rocksdb_iter_value(it, &vl);
			if (dt_map_decode(v, vl, &w->m[idx - fi])) {
				ret = bad_map(ino, idx);
				break;
			}
		}
		if (!ret)
			ret = dt_store_iter_err(it, "read maps", ino);
		rocksdb_iter_destroy(it);
	}
	if (ret) {
		dt_win_free(w);
		return ret;
	}
	for (unsigned int i = 0; i < n; i++)
		mc_put(fs, in, fi + i, &w->m[i]);
	return 0;
}

int dt_slots_get(struct dt_fs *fs, struct dt_inode *in, uint64_t first,
		 uint64_t last, struct dt_slot *out)
{
	uint64_t idx = first >> DT_MAP_SHIFT;
	unsigned int from = (unsigned int)(first & (DT_MAP_SLOTS - 1));
	unsigned int n = (unsigned int)(last - first + 1);
	struct dt_win w;
	int ret;

	if (mc_get_slots(fs, in, idx, from, n, out))
		return 0;
	ret = dt_win_load(fs, &w, in, first, last);
	if (ret)
		return ret;
	memcpy(out, &w.m[0].s[from], n * sizeof(*out));
	dt_win_free(&w);
	return 0;
}

static void put_map(rocksdb_writebatch_t *wb, uint64_t ino, uint64_t idx,
		    const struct dt_map *m)
{
	char k[17], enc[DT_MAP_ENC_MAX];
	size_t el = dt_map_encode(m, enc);

	dt_key2(k, DT_K_MAP, ino, idx);
	if (el)
		rocksdb_writebatch_put(wb, k, 17, enc, el);
	else
		rocksdb_writebatch_delete(wb, k, 17);
}

void dt_win_put(struct dt_win *w, rocksdb_writebatch_t *wb)
{
	for (unsigned int i = 0; i < w->n; i++)
		if (w->dirty[i])
			put_map(wb, w->ino, w->first + i, &w->m[i]);
}

void dt_win_cache(struct dt_fs *fs, struct dt_inode *in, struct dt_win *w)
{
	for (unsigned int i = 0; i < w->n; i++)
		if (w->dirty[i])
			mc_put(fs, in, w->first + i, &w->m[i]);
}

void dt_win_free(struct dt_win *w)
{
	if (w->m != w->inl)
		free(w->m);
	if (w->dirty != w->inl_dirty)
		free(w->dirty);
	w->m = NULL;
	w->dirty = NULL;
}

int dt_maps_walk(struct dt_fs *fs, rocksdb_writebatch_t *wb, uint64_t ino,
		 uint64_t from, uint64_t to, dt_walk_fn fn, void *ctx)
{
	rocksdb_iterator_t *it = rocksdb_create_iterator(fs->st.db, fs->st.ro);
	char k[17];
	int ret = 0;

	dt_key2(k, DT_K_MAP, ino, from);
	for (rocksdb_iter_seek(it, k, 17); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl, vl;
		const char *key = rocksdb_iter_key(it, &kl);
		const char *v;
		struct dt_map m;
		uint64_t idx;

		if (kl != 17 || key[0] != DT_K_MAP ||
		    dt_get_be64(key + 1) != ino)
			break;
		idx = dt_get_be64(key + 9);
		if (idx > to)
			break;
		v = rocksdb_iter_value(it, &vl);
		if (dt_map_decode(v, vl, &m)) {
			ret = bad_map(ino, idx);
			break;
		}
		ret = fn(ctx, idx, &m);
		if (ret < 0)
			break;
		if (ret == 1 && wb)
			put_map(wb, ino, idx, &m);
		if (ret == 2) {
			ret = 0;
			break;
		}
		ret = 0;
	}
	if (!ret)
		ret = dt_store_iter_err(it, "walk maps", ino);
	rocksdb_iter_destroy(it);
	return ret;
}
