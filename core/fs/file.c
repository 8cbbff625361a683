// SPDX-License-Identifier: GPL-2.0
/*
 * File data: read, write, truncate, fallocate, lseek, copy_file_range and
 * sync, over the block maps of extent.c.
 *
 * A write: the new contents of every block it touches go to new blocks of
 * the data file (the partial first and last blocks merged with their old
 * contents, 4 KiB each), one pwritev per run of contiguous blocks, then one
 * batch commits the changed maps and the inode. Blocks of a file that is
 * written sequentially follow each other in the data file (extent.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "extent.h"

#define BS DT_BLOCK_SIZE
#define BSHIFT DT_BLOCK_SHIFT
#define RUN_MAX 256 /* blocks read in one pread */

/* ---- small files: data inline in RocksDB (records.h) ---------------------- */

static int is_inline(const struct dt_inode *in)
{
	return !!(in->rec.flags & DT_IF_INLINE);
}

/* The inline bytes of @in into @val (DT_INLINE_MAX); their length. */
static ssize_t inline_get(struct dt_fs *fs, struct dt_inode *in, char *val)
{
	char k[9], *v;
	size_t vl;
	int ret = dt_store_get(&fs->st, k, dt_key(k, DT_K_INLINE, in->ino), &v,
			       &vl);

	if (ret == -ENOENT || (!ret && vl > DT_INLINE_MAX)) {
		if (!ret)
			free(v);
		fprintf(stderr,
			"dtfs: ino %llu: inline data record %s; run "
			"dtfs-fsck\n",
			(unsigned long long)in->ino,
			ret ? "missing" : "too long");
		return -EIO;
	}
	if (ret)
		return ret;
	memcpy(val, v, vl);
	free(v);
	return (ssize_t)vl;
}

static void inline_put(rocksdb_writebatch_t *wb, struct dt_inode *in,
		       const char *val, size_t len)
{
	char k[9];

	dt_key(k, DT_K_INLINE, in->ino);
	if (len) {
		rocksdb_writebatch_put(wb, k, 9, val, len);
		in->rec.flags |= DT_IF_INLINE;
		in->rec.blocks = DT_BLOCK_SIZE >> 9;
	} else {
		rocksdb_writebatch_delete(wb, k, 9);
		in->rec.flags &= ~DT_IF_INLINE;
		in->rec.blocks = 0;
	}
}

/* Can [off, off + size) be written inline? A file with no blocks at all
 * (so no maps either) may become inline. */
static int inline_fits(const struct dt_inode *in, uint64_t end)
{
	return end <= DT_INLINE_MAX && (is_inline(in) || !in->rec.blocks);
}

static int inline_write(struct dt_fs *fs, rocksdb_writebatch_t *wb,
			struct dt_inode *in, const char *buf, size_t size,
			uint64_t off)
{
	char val[DT_INLINE_MAX];
	ssize_t len = 0;

	if (is_inline(in)) {
		len = inline_get(fs, in, val);
		if (len < 0)
			return (int)len;
	}
	if (off > (uint64_t)len)
		memset(val + len, 0, off - (uint64_t)len);
	memcpy(val + off, buf, size);
	if (off + size > (uint64_t)len)
		len = (ssize_t)(off + size);
	inline_put(wb, in, val, (size_t)len);
	if (off + size > in->rec.size)
		in->rec.size = off + size;
	return 0;
}

static int write_locked(struct dt_fs *fs, rocksdb_writebatch_t *batch,
			struct dt_inode *in, struct dt_op *op, struct dt_win *w,
			const char *buf, size_t size, uint64_t off);

/* Move the inline data of @in (write-locked) to block 0, in a batch of
 * its own: before a write past DT_INLINE_MAX, a fallocate, a punch. */
static int inline_convert(struct dt_fs *fs, struct dt_inode *in)
{
	rocksdb_writebatch_t *wb;
	struct dt_irec save = in->rec;
	struct dt_win w = {0};
	char val[DT_INLINE_MAX];
	struct dt_op op;
	ssize_t len;
	int ret;

	if (!is_inline(in))
		return 0;
	len = inline_get(fs, in, val);
	if (len < 0)
		return (int)len;
	wb = dt_batch_get();
	dt_op_begin(fs, &op);
	inline_put(wb, in, NULL, 0);
	ret = write_locked(fs, wb, in, &op, &w, val, (size_t)len, 0);
	if (!ret) {
		dt_put_irec(wb, in->ino, &in->rec);
		ret = dt_store_commit(&fs->st, wb, 0);
		if (!ret)
			dt_win_cache(fs, in, &w);
		dt_win_free(&w);
	}
	dt_op_end(&op, !ret);
	if (ret)
		in->rec = save;
	dt_batch_put(wb);
	return ret;
}

/* ---- read ---------------------------------------------------------------- */

struct read_run {
	uint64_t lblk, pblk, n;
	char *dst;
	uint32_t crcs[RUN_MAX];
};

static int flush_run(struct dt_fs *fs, uint64_t ino, struct read_run *r)
{
	int ret = 0;

	if (r->n)
		ret = dt_data_read(&fs->st, ino, r->lblk, r->pblk, r->n,
				   r->crcs, r->dst);
	r->n = 0;
	return ret;
}

ssize_t dt_read(struct dt_fs *fs, uint64_t ino, void *buf, size_t size,
		off_t off)
{
	struct dt_slot slots[DT_MAP_SLOTS];
	struct dt_inode *in;
	struct dt_win w;
	struct read_run run;
	uint64_t pos = (uint64_t)off, end, first, last;
	ssize_t ret;
	int one;

	if (off < 0)
		return -EINVAL;
	ret = dt_iget(fs, ino, &in);
	if (ret)
		return ret;
	if (S_ISDIR(in->rec.mode)) {
		dt_iput(fs, in);
		return -EISDIR;
	}
	run.n = 0;
	pthread_rwlock_rdlock(&in->lock);
	end = pos + size;
	if (end > in->rec.size)
		end = in->rec.size;
	if (pos >= end)
		goto out;
	if (is_inline(in)) {
		char val[DT_INLINE_MAX];
		ssize_t len = inline_get(fs, in, val);
		uint64_t c = 0;

		if (len < 0) {
			ret = len;
			goto out;
		}
		if (pos < (uint64_t)len) {
			c = ((uint64_t)len < end ? (uint64_t)len : end) - pos;
			memcpy(buf, val + pos, c);
		}
		memset((char *)buf + c, 0, end - pos - c);
		goto out;
	}
	first = pos >> BSHIFT;
	last = (end - 1) >> BSHIFT;
	/* within one map (every read up to 64 KiB that does not cross
	 * one): only the slots it needs */
	one = first >> DT_MAP_SHIFT == last >> DT_MAP_SHIFT;
	ret = one ? dt_slots_get(fs, in, first, last, slots)
		  : dt_win_load(fs, &w, in, first, last);
	if (ret)
		goto out;
	for (uint64_t b = first; b <= last && !ret; b++) {
		uint64_t bs = b << BSHIFT;
		size_t a = pos > bs ? (size_t)(pos - bs) : 0;
		size_t z = end - bs < BS ? (size_t)(end - bs) : BS;
		char *dst = (char *)buf + (bs + a - pos);
		struct dt_slot *s =
			one ? &slots[b - first] : dt_win_slot(&w, b);

		if (s->kind == DT_SLOT_DATA && a == 0 && z == BS) {
			/* a whole block: straight into the caller's buffer,
			 * one pread per physically contiguous run */
			if (run.n && run.n < RUN_MAX &&
			    run.pblk + run.n == s->pblk &&
			    run.dst + (run.n << BSHIFT) == dst) {
				run.crcs[run.n++] = s->crc;
				continue;
			}
			ret = flush_run(fs, ino, &run);
			run.lblk = b;
			run.pblk = s->pblk;
			run.n = 1;
			run.dst = dst;
			run.crcs[0] = s->crc;
			continue;
		}
		ret = flush_run(fs, ino, &run);
		if (ret)
			break;
		if (s->kind != DT_SLOT_DATA) {
			memset(dst, 0, z - a);
		} else {
			char tmp[BS];

			ret = dt_block_read(fs, ino, b, s, tmp);
			if (!ret)
				memcpy(dst, tmp + a, z - a);
		}
	}
	if (!ret)
		ret = flush_run(fs, ino, &run);
	if (!one)
		dt_win_free(&w);
out:
	pthread_rwlock_unlock(&in->lock);
	dt_iput(fs, in);
	if (ret < 0)
		return ret;
	return pos < end ? (ssize_t)(end - pos) : 0;
}

/* ---- write --------------------------------------------------------------- */

#define WRITE_INLINE 260 /* blocks handled without allocating (1 MiB + 2) */

/* The block buffers of one write: where each block's new contents come
 * from, where they go, and their checksums. */
struct wblocks {
	uint64_t *target;
	const char **src;
	uint32_t *crc;
	uint64_t t_inl[WRITE_INLINE];
	const char *s_inl[WRITE_INLINE];
	uint32_t c_inl[WRITE_INLINE];
};

static int wblocks_init(struct wblocks *wb, uint64_t n)
{
	if (n <= WRITE_INLINE) {
		wb->target = wb->t_inl;
		wb->src = wb->s_inl;
		wb->crc = wb->c_inl;
		return 0;
	}
	wb->target = malloc(n * sizeof(*wb->target));
	wb->src = malloc(n * sizeof(*wb->src));
	wb->crc = malloc(n * sizeof(*wb->crc));
	return wb->target && wb->src && wb->crc ? 0 : -ENOMEM;
}

static void wblocks_free(struct wblocks *wb)
{
	if (wb->target != wb->t_inl) {
		free(wb->target);
		free((void *)wb->src);
		free(wb->crc);
	}
}

/* Write blocks [0, n) of @wb, one pwritev per run of consecutive targets
 * (sources of consecutive blocks that are contiguous in memory merge). */
static int write_runs(struct dt_fs *fs, struct wblocks *wb, uint64_t n)
{
	uint64_t i = 0;

	while (i < n) {
		struct iovec iov[64];
		int cnt = 0;
		uint64_t j = i;

		while (j < n &&
		       (j == i || wb->target[j] == wb->target[j - 1] + 1)) {
			if (cnt && (const char *)iov[cnt - 1].iov_base +
						   iov[cnt - 1].iov_len ==
					   wb->src[j]) {
				iov[cnt - 1].iov_len += BS;
			} else if (cnt < 64) {
				iov[cnt].iov_base = (void *)wb->src[j];
				iov[cnt].iov_len = BS;
				cnt++;
			} else {
				break;
			}
			j++;
		}
		int ret = dt_data_write(&fs->st, wb->target[i], iov, cnt,
					(size_t)(j - i) << BSHIFT);

		if (ret)
			return ret;
		i = j;
	}
	return 0;
}

/* Write into the blocks of @in (write-locked): the new data to the data
 * file, the changed maps of window @w (loaded here) into @batch. */
static int write_locked(struct dt_fs *fs, rocksdb_writebatch_t *batch,
			struct dt_inode *in, struct dt_op *op, struct dt_win *w,
			const char *buf, size_t size, uint64_t off)
{
	uint64_t end = off + size, b0 = off >> BSHIFT, b1 = (end - 1) >> BSHIFT;
	uint64_t nb = b1 - b0 + 1, nnew = 0;
	char merge[2][BS]; /* the partial first and last blocks */
	struct wblocks wb;
	struct dt_run runs[64];
	int nr, ri = 0, ret;
	uint64_t rused = 0;

	ret = wblocks_init(&wb, nb);
	if (ret)
		goto out_free;
	ret = dt_win_load(fs, w, in, b0, b1);
	if (ret)
		goto out_free;
	/* whole blocks come from @buf; the partial ones at either end are
	 * their old contents with the new bytes */
	for (uint64_t b = b0; b <= b1; b++) {
		uint64_t bs = b << BSHIFT;
		size_t a = off > bs ? (size_t)(off - bs) : 0;
		size_t z = end - bs < BS ? (size_t)(end - bs) : BS;
		struct dt_slot *s = dt_win_slot(w, b);

		if (s->kind != DT_SLOT_UNWRITTEN)
			nnew++;
		if (a == 0 && z == BS) {
			wb.src[b - b0] = buf + (bs - off);
		} else {
			char *m = merge[b != b0];

			ret = dt_block_read(fs, in->ino, b, s, m);
			if (ret)
				goto out;
			memcpy(m + a, buf + (bs + a - off), z - a);
			wb.src[b - b0] = m;
		}
	}
	nr = 0;
	if (nnew) {
		nr = dt_op_alloc(op, in, nnew, runs, 64);
		if (nr < 0) {
			ret = nr;
			goto out;
		}
	}
	/* targets: in place into unwritten blocks, else the new runs */
	for (uint64_t i = 0; i < nb; i++) {
		struct dt_slot *s = dt_win_slot(w, b0 + i);

		if (s->kind == DT_SLOT_UNWRITTEN) {
			wb.target[i] = s->pblk;
		} else {
			wb.target[i] = runs[ri].pblk + rused;
			if (++rused == runs[ri].n) {
				ri++;
				rused = 0;
			}
		}
		wb.crc[i] = dt_block_crc(wb.target[i], wb.src[i]);
	}
	ret = write_runs(fs, &wb, nb);
	if (ret)
		goto out;
	for (uint64_t i = 0; i < nb; i++) {
		dt_slot_set(op, &in->rec, dt_win_slot(w, b0 + i), DT_SLOT_DATA,
			    wb.target[i], wb.crc[i]);
		dt_win_dirty(w, b0 + i);
	}
	dt_win_put(w, batch);
	if (end > in->rec.size)
		in->rec.size = end;
out:
	if (ret)
		dt_win_free(w);
out_free:
	wblocks_free(&wb);
	return ret;
}

/*
 * A write of whole blocks (O_DIRECT's, writeback's pages) past the inline
 * size: its new blocks are allocated and written, with their checksums,
 * before the inode lock is taken (extent.h, dt_prep_blocks), so that
 * concurrent writers of one file hold the lock only for their maps and
 * the commit. 1 when prepared, 0 when the write takes the locked path.
 */
struct prep {
	int nr;
	struct dt_run runs[64];
	struct wblocks wb;
};

static int prep_write(struct dt_fs *fs, struct dt_inode *in, struct prep *p,
		      const char *buf, size_t size, uint64_t off)
{
	uint64_t nb = size >> BSHIFT, rused = 0;
	int ri = 0;

	p->nr = 0;
	if (((off | size) & (BS - 1)) || nb > WRITE_INLINE ||
	    off + size <= DT_INLINE_MAX || wblocks_init(&p->wb, nb))
		return 0;
	p->nr = dt_prep_blocks(fs, in, nb, p->runs, 64);
	if (p->nr <= 0) {
		p->nr = 0;
		return 0; /* ENOSPC: the locked path answers (or fills
			   * unwritten blocks) */
	}
	for (uint64_t i = 0; i < nb; i++) {
		p->wb.src[i] = buf + (i << BSHIFT);
		p->wb.target[i] = p->runs[ri].pblk + rused;
		if (++rused == p->runs[ri].n) {
			ri++;
			rused = 0;
		}
		p->wb.crc[i] = dt_block_crc(p->wb.target[i], p->wb.src[i]);
	}
	if (write_runs(fs, &p->wb, nb)) {
		dt_prep_put(fs, p->runs, p->nr);
		p->nr = 0;
		return 0;
	}
	return 1;
}

/* The maps of a prepared write into @batch (inode write-locked): 0, an
 * error (the blocks given back), or 1 when a block of the range is
 * unwritten (fallocated): the caller gives the blocks back and writes in
 * place on the locked path. */
static int write_prepared(struct dt_fs *fs, rocksdb_writebatch_t *batch,
			  struct dt_inode *in, struct dt_op *op,
			  struct dt_win *w, struct prep *p, size_t size,
			  uint64_t off)
{
	uint64_t b0 = off >> BSHIFT, nb = size >> BSHIFT;
	int ret = dt_win_load(fs, w, in, b0, b0 + nb - 1);

	if (ret) {
		dt_prep_put(fs, p->runs, p->nr);
		return ret;
	}
	for (uint64_t i = 0; i < nb; i++) {
		if (dt_win_slot(w, b0 + i)->kind == DT_SLOT_UNWRITTEN) {
			dt_win_free(w);
			return 1;
		}
	}
	ret = dt_op_adopt(op, p->runs, p->nr);
	if (ret) {
		dt_win_free(w);
		return ret;
	}
	for (uint64_t i = 0; i < nb; i++) {
		dt_slot_set(op, &in->rec, dt_win_slot(w, b0 + i), DT_SLOT_DATA,
			    p->wb.target[i], p->wb.crc[i]);
		dt_win_dirty(w, b0 + i);
	}
	dt_win_put(w, batch);
	if (off + size > in->rec.size)
		in->rec.size = off + size;
	return 0;
}

ssize_t dt_write(struct dt_fs *fs, uint64_t ino, const void *buf, size_t size,
		 off_t off)
{
	struct dt_inode *in;
	rocksdb_writebatch_t *wb;
	struct dt_irec save;
	struct dt_win w = {0};
	struct dt_op op;
	struct prep p;
	int ret, prepared;

	if (off < 0 || (uint64_t)off + size > (uint64_t)INT64_MAX)
		return -EFBIG;
	ret = dt_iget(fs, ino, &in);
	if (ret)
		return ret;
	if (S_ISDIR(in->rec.mode) || !size) {
		/* a zero-length write changes nothing, not even the size */
		ret = S_ISDIR(in->rec.mode) ? -EISDIR : 0;
		dt_iput(fs, in);
		return ret;
	}
	prepared = !fs->readonly &&
		   prep_write(fs, in, &p, buf, size, (uint64_t)off);
	wb = dt_batch_get();
	pthread_rwlock_wrlock(&in->lock);
	if (prepared && is_inline(in)) {
		dt_prep_put(fs, p.runs, p.nr);
		prepared = 0;
	}
	/* a small file about to grow past its inline data: to a block first,
	 * as an operation of its own */
	ret = prepared || inline_fits(in, (uint64_t)off + size)
		      ? 0
		      : inline_convert(fs, in);
	save = in->rec;
	dt_op_begin(fs, &op);
	if (ret)
		goto done;
	if (prepared) {
		ret = write_prepared(fs, wb, in, &op, &w, &p, size,
				     (uint64_t)off);
		if (ret != 1)
			goto commit;
		dt_prep_put(fs, p.runs, p.nr);
		ret = 0;
	}
	if (inline_fits(in, (uint64_t)off + size)) {
		ret = inline_write(fs, wb, in, buf, size, (uint64_t)off);
		if (!ret) {
			dt_touch_mc(&in->rec);
			dt_put_irec(wb, ino, &in->rec);
			ret = dt_store_commit(&fs->st, wb, 0);
		}
		goto done;
	}
	ret = write_locked(fs, wb, in, &op, &w, buf, size, (uint64_t)off);
commit:
	if (!ret) {
		dt_touch_mc(&in->rec);
		dt_put_irec(wb, ino, &in->rec);
		ret = dt_store_commit(&fs->st, wb, 0);
		if (!ret)
			dt_win_cache(fs, in, &w);
		dt_win_free(&w);
	}
done:
	dt_op_end(&op, !ret);
	if (ret)
		in->rec = save;
	pthread_rwlock_unlock(&in->lock);
	dt_batch_put(wb);
	dt_iput(fs, in);
	return ret ? ret : (ssize_t)size;
}

int dt_sync(struct dt_fs *fs)
{
	return dt_store_sync(&fs->st);
}

/* ---- ranges: truncate, punch, zero, allocate ------------------------------ */

enum range_kind { R_DROP, R_ZERO, R_ALLOC };

/*
 * One change over the bytes [a, b) of a file, map by map:
 *   R_DROP   whole blocks become holes, partial ones are zeroed (truncate,
 *            punch);
 *   R_ZERO   whole blocks become unwritten (fresh blocks), partial ones
 *            are zeroed (zero range);
 *   R_ALLOC  holes become unwritten blocks, also partial ones (fallocate).
 */
struct range {
	enum range_kind kind;
	uint64_t a, b;
	struct dt_op *op;
	struct dt_inode *in;
};

static int range_map(void *ctx, uint64_t idx, struct dt_map *m)
{
	struct range *r = ctx;
	struct dt_run runs[DT_MAP_SLOTS];
	unsigned int want[DT_MAP_SLOTS], nwant = 0;
	int changed = 0, ret;

	for (unsigned int i = 0; i < DT_MAP_SLOTS; i++) {
		uint64_t lblk = idx * DT_MAP_SLOTS + i, bs = lblk << BSHIFT;
		uint64_t x = r->a > bs ? r->a : bs;
		uint64_t y = r->b < bs + BS ? r->b : bs + BS;
		struct dt_slot *s = &m->s[i];
		int whole;

		if (x >= y)
			continue;
		whole = x == bs && y == bs + BS;
		if (r->kind == R_ALLOC || (r->kind == R_ZERO && whole)) {
			if (s->kind == DT_SLOT_HOLE ||
			    (r->kind == R_ZERO && s->kind == DT_SLOT_DATA))
				want[nwant++] = i;
			continue;
		}
		if (whole) {
			if (s->kind != DT_SLOT_HOLE) {
				dt_slot_set(r->op, &r->in->rec, s, DT_SLOT_HOLE,
					    0, 0);
				changed = 1;
			}
		} else if (s->kind == DT_SLOT_DATA) {
			ret = dt_block_rewrite(r->op, r->in, s, lblk,
					       (size_t)(x - bs),
					       (size_t)(y - bs), NULL);
			if (ret)
				return ret;
			changed = 1;
		}
	}
	if (nwant) {
		int nr = dt_op_alloc(r->op, r->in, nwant, runs, DT_MAP_SLOTS);
		unsigned int k = 0;

		if (nr < 0)
			return nr;
		for (int j = 0; j < nr; j++) {
			ret = dt_data_reserve(&r->op->fs->st, runs[j].pblk,
					      runs[j].n);
			if (ret)
				return ret;
			for (uint64_t u = 0; u < runs[j].n; u++)
				dt_slot_set(r->op, &r->in->rec,
					    &m->s[want[k++]], DT_SLOT_UNWRITTEN,
					    runs[j].pblk + u, 0);
		}
		changed = 1;
	}
	return changed;
}

/* Apply @r to the existing maps only (dropping) or to every map of the
 * range (allocating). */
static int range_apply(struct dt_fs *fs, rocksdb_writebatch_t *wb,
		       struct range *r)
{
	uint64_t first = (r->a >> BSHIFT) >> DT_MAP_SHIFT;
	uint64_t last = ((r->b - 1) >> BSHIFT) >> DT_MAP_SHIFT;

	if (r->a >= r->b)
		return 0;
	if (r->kind == R_DROP)
		return dt_maps_walk(fs, wb, r->in->ino, first, last, range_map,
				    r);
	for (uint64_t idx = first; idx <= last; idx++) {
		struct dt_win w;
		int ret = dt_win_load(fs, &w, r->in, idx << DT_MAP_SHIFT,
				      idx << DT_MAP_SHIFT);

		if (ret)
			return ret;
		ret = range_map(r, idx, &w.m[0]);
		if (ret > 0) {
			w.dirty[0] = 1;
			dt_win_put(&w, wb);
			ret = 0;
		}
		dt_win_free(&w);
		if (ret)
			return ret;
	}
	return 0;
}

int dt_truncate_locked(struct dt_fs *fs, rocksdb_writebatch_t *wb,
		       struct dt_inode *in, uint64_t size, struct dt_op *op)
{
	/* everything past the new end goes, blocks fallocated past the old
	 * end too, and the new last block is zeroed past the end */
	struct range r = {R_DROP, size, UINT64_MAX & ~(uint64_t)(BS - 1), op,
			  in};
	int ret = 0;

	if (is_inline(in)) {
		char val[DT_INLINE_MAX];
		ssize_t len = size ? inline_get(fs, in, val) : 0;

		if (len < 0)
			return (int)len;
		if (size < (uint64_t)len || !size)
			inline_put(wb, in, val,
				   size < (uint64_t)len ? size : 0);
		in->rec.size = size;
		return 0;
	}
	if (size < in->rec.size || (in->rec.blocks && size == 0)) {
		ret = range_apply(fs, wb, &r);
		dt_maps_changed(fs, in);
	}
	if (!ret)
		in->rec.size = size;
	return ret;
}

int dt_fallocate(struct dt_fs *fs, uint64_t ino, int mode, off_t off, off_t len)
{
	struct dt_inode *in;
	rocksdb_writebatch_t *wb;
	struct dt_irec save;
	struct dt_op op;
	struct range r;
	uint64_t a = (uint64_t)off, b;
	int ret;

	if (off < 0 || len <= 0)
		return -EINVAL;
	b = a + (uint64_t)len;
	if (b > (uint64_t)INT64_MAX || b < a)
		return -EFBIG;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
		     FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) &&
	    (!(mode & FALLOC_FL_KEEP_SIZE) || (mode & FALLOC_FL_ZERO_RANGE)))
		return -EOPNOTSUPP;
	ret = dt_iget(fs, ino, &in);
	if (ret)
		return ret;
	wb = dt_batch_get();
	pthread_rwlock_wrlock(&in->lock);
	/* a small file's data goes to a block first (an operation of its
	 * own): ranges work on maps */
	ret = S_ISREG(in->rec.mode) ? inline_convert(fs, in) : 0;
	save = in->rec;
	dt_op_begin(fs, &op);
	if (ret)
		goto out;
	if (!S_ISREG(in->rec.mode)) {
		ret = S_ISDIR(in->rec.mode) ? -EISDIR : -ENODEV;
		goto out;
	}
	r = (struct range){R_ALLOC, a, b, &op, in};
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		r.kind = R_DROP;
		/* nothing lies past the end but fallocated blocks */
		if (r.b > in->rec.size && !in->rec.blocks)
			r.b = in->rec.size;
	} else if (mode & FALLOC_FL_ZERO_RANGE) {
		r.kind = R_ZERO;
	}
	ret = range_apply(fs, wb, &r);
	dt_maps_changed(fs, in);
	if (ret)
		goto out;
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		dt_touch_mc(&in->rec);
	if (!(mode & FALLOC_FL_KEEP_SIZE) && b > in->rec.size) {
		in->rec.size = b;
		dt_touch_mc(&in->rec);
	}
	dt_put_irec(wb, ino, &in->rec);
	ret = dt_store_commit(&fs->st, wb, !!(mode & FALLOC_FL_PUNCH_HOLE));
out:
	dt_op_end(&op, !ret);
	if (ret)
		in->rec = save;
	pthread_rwlock_unlock(&in->lock);
	dt_batch_put(wb);
	dt_iput(fs, in);
	return ret;
}

/* ---- lseek --------------------------------------------------------------- */

struct seek {
	int whence;
	uint64_t blk; /* first block to consider */
	uint64_t found; /* block found, or UINT64_MAX */
};

static int seek_map(void *ctx, uint64_t idx, struct dt_map *m)
{
	struct seek *k = ctx;

	for (unsigned int i = 0; i < DT_MAP_SLOTS; i++) {
		uint64_t lblk = idx * DT_MAP_SLOTS + i;
		int data = m->s[i].kind == DT_SLOT_DATA;

		if (lblk < k->blk)
			continue;
		if (k->whence == SEEK_HOLE && lblk > k->blk) {
			/* a missing map before this one is a hole */
			k->found = k->blk;
			return 2;
		}
		if (k->whence == SEEK_DATA ? data : !data) {
			k->found = lblk;
			return 2;
		}
		if (k->whence == SEEK_HOLE)
			k->blk = lblk + 1;
	}
	return 0;
}

/* SEEK_DATA / SEEK_HOLE at block granularity: unwritten (fallocated)
 * blocks are holes, as on ext4 and xfs. */
off_t dt_lseek(struct dt_fs *fs, uint64_t ino, off_t off, int whence)
{
	struct dt_inode *in;
	struct seek k = {whence, (uint64_t)off >> BSHIFT, UINT64_MAX};
	uint64_t pos = (uint64_t)off, size;
	off_t ret;

	if (off < 0)
		return -ENXIO;
	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return -EINVAL;
	ret = dt_iget(fs, ino, &in);
	if (ret)
		return ret;
	pthread_rwlock_rdlock(&in->lock);
	size = in->rec.size;
	if (pos >= size) {
		ret = -ENXIO;
		goto out;
	}
	if (is_inline(in)) {
		char val[DT_INLINE_MAX];
		ssize_t len = inline_get(fs, in, val);

		if (len < 0)
			ret = len;
		else if (pos < (uint64_t)len)
			ret = whence == SEEK_DATA ? (off_t)pos : len;
		else
			ret = whence == SEEK_DATA ? -ENXIO : (off_t)pos;
		goto out;
	}
	ret = dt_maps_walk(fs, NULL, ino, k.blk >> DT_MAP_SHIFT, UINT64_MAX,
			   seek_map, &k);
	if (ret)
		goto out;
	if (whence == SEEK_HOLE && k.found == UINT64_MAX)
		k.found = k.blk; /* past the last map: a hole */
	if (k.found == UINT64_MAX || (k.found << BSHIFT) >= size) {
		ret = whence == SEEK_DATA ? -ENXIO : (off_t)size;
		goto out;
	}
	ret = (off_t)(k.found << BSHIFT);
	if ((uint64_t)ret < pos)
		ret = (off_t)pos;
out:
	pthread_rwlock_unlock(&in->lock);
	dt_iput(fs, in);
	return ret;
}

/* ---- copy_file_range ------------------------------------------------------ */

ssize_t dt_copy_file_range(struct dt_fs *fs, uint64_t ino_in, off_t off_in,
			   uint64_t ino_out, off_t off_out, size_t len)
{
	size_t done = 0, step = 1 << 20;
	char *buf;

	if (len > (64UL << 20))
		len = 64UL << 20; /* a short copy; the caller loops */
	buf = malloc(step);
	if (!buf)
		return -ENOMEM;
	while (done < len) {
		size_t n = len - done < step ? len - done : step;
		ssize_t r = dt_read(fs, ino_in, buf, n, off_in + (off_t)done);
		ssize_t w;

		if (r <= 0) {
			if (r < 0 && !done)
				done = (size_t)r;
			break;
		}
		w = dt_write(fs, ino_out, buf, (size_t)r,
			     off_out + (off_t)done);
		if (w < 0) {
			if (!done)
				done = (size_t)w;
			break;
		}
		done += (size_t)w;
		if (r < (ssize_t)n)
			break;
	}
	free(buf);
	return (ssize_t)done;
}
