// SPDX-License-Identifier: GPL-2.0
/*
 * The data file: block reads that verify checksums, block writes, and the
 * walk over every map that the mount (recovery, the allocator) and
 * dtfs-fsck make.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store.h"

static int read_full(int fd, char *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t r = pread(fd, buf, len, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ENXIO; /* past the end of the data file */
		buf += r;
		len -= (size_t)r;
		off += r;
	}
	return 0;
}

int dt_data_read(struct dt_store *st, uint64_t ino, uint64_t lblk,
		 uint64_t pblk, uint64_t n, const uint32_t *crcs, char *buf)
{
	int ret = read_full(st->datafd, buf, n << DT_BLOCK_SHIFT,
			    (off_t)(pblk << DT_BLOCK_SHIFT));

	if (ret) {
		fprintf(stderr,
			"dtfs: read ino %llu block %llu: data blocks "
			"%llu+%llu: %s; run dtfs-fsck\n",
			(unsigned long long)ino, (unsigned long long)lblk,
			(unsigned long long)pblk, (unsigned long long)n,
			ret == -ENXIO ? "past the end of the data file"
				      : strerror(-ret));
		return -EIO;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (dt_block_crc(pblk + i, buf + (i << DT_BLOCK_SHIFT)) ==
		    crcs[i])
			continue;
		fprintf(stderr,
			"dtfs: read ino %llu block %llu: checksum mismatch in "
			"data block %llu; run dtfs-fsck\n",
			(unsigned long long)ino,
			(unsigned long long)(lblk + i),
			(unsigned long long)(pblk + i));
		return -EIO;
	}
	return 0;
}

int dt_data_write(struct dt_store *st, uint64_t pblk, const struct iovec *iov,
		  int iovcnt, size_t bytes)
{
	off_t off = (off_t)(pblk << DT_BLOCK_SHIFT);

	__atomic_add_fetch(&st->since_sync, bytes, __ATOMIC_RELAXED);
	while (iovcnt > 0) {
		ssize_t w = pwritev(st->datafd, iov,
				    iovcnt < IOV_MAX ? iovcnt : IOV_MAX, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += w;
		/* past what was written; the rest of a vector written in
		 * part (the host ran short of something) one by one */
		while (w > 0) {
			size_t rest;
			const char *p;

			if ((size_t)w >= iov->iov_len) {
				w -= (ssize_t)iov->iov_len;
				iov++;
				iovcnt--;
				continue;
			}
			p = (const char *)iov->iov_base + w;
			rest = iov->iov_len - (size_t)w;
			while (rest) {
				ssize_t r = pwrite(st->datafd, p, rest, off);

				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0)
					goto fail;
				p += r;
				rest -= (size_t)r;
				off += r;
			}
			iov++;
			iovcnt--;
			w = 0;
		}
	}
	return 0;
fail:
	{
		int e = errno ? errno : EIO;

		fprintf(stderr, "dtfs: write data block %llu: %s\n",
			(unsigned long long)(off >> DT_BLOCK_SHIFT), strerror(e));
		return e == ENOSPC ? -ENOSPC : -EIO;
	}
}

int dt_data_reserve(struct dt_store *st, uint64_t pblk, uint64_t n)
{
	if (fallocate(st->datafd, 0, (off_t)(pblk << DT_BLOCK_SHIFT),
		      (off_t)(n << DT_BLOCK_SHIFT)) == 0)
		return 0;
	if (errno == EOPNOTSUPP)
		return 0; /* the host cannot promise: writes will find out */
	return errno == ENOSPC ? -ENOSPC : -EIO;
}

/* ---- the walk over all maps ------------------------------------------- */

static int verify(struct dt_store *st, uint64_t pblk, uint32_t crc, char *buf)
{
	if (read_full(st->datafd, buf, DT_BLOCK_SIZE,
		      (off_t)(pblk << DT_BLOCK_SHIFT)))
		return 0;
	return dt_block_crc(pblk, buf) == crc;
}

struct delta {
	uint64_t ino;
	int64_t blocks;
};

/* Roll a slot that did not reach the disk back to its fallback. */
static int roll_back(struct dt_store *st, struct dt_slot *s, char *buf)
{
	struct dt_slot fb = {.kind = s->fb_kind,
			     .pblk = s->fb_pblk,
			     .crc = s->fb_crc,
			     .epoch = s->epoch};

	if (s->fb_kind == DT_SLOT_DATA && !verify(st, fb.pblk, fb.crc, buf))
		return -1; /* the older data is damaged too */
	if (fb.kind == DT_SLOT_HOLE)
		fb.pblk = fb.epoch = 0;
	*s = fb;
	return 0;
}

static int apply_deltas(struct dt_store *st, rocksdb_writebatch_t *wb,
			struct delta *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct dt_irec r;
		char k[DT_KEY_MAX];

		if (dt_store_get_irec(st, d[i].ino, &r))
			continue; /* an orphan's map: fsck's business */
		r.blocks += (uint64_t)d[i].blocks;
		rocksdb_writebatch_put(wb, k, dt_key(k, DT_K_INODE, d[i].ino),
				       (const char *)&r, sizeof(r));
	}
	return 0;
}

int dt_data_scan(struct dt_store *st, rocksdb_writebatch_t *wb,
		 int verify_all, dt_slot_fn fn, dt_map_err_fn bad, void *ctx)
{
	rocksdb_iterator_t *it = rocksdb_create_iterator(st->db, st->ro);
	char prefix = DT_K_MAP, *buf = malloc(DT_BLOCK_SIZE);
	struct delta *deltas = NULL;
	size_t ndelta = 0, capdelta = 0;
	uint32_t maxep = st->durable;
	int ret = 0;

	if (!buf) {
		rocksdb_iter_destroy(it);
		return -ENOMEM;
	}
	for (rocksdb_iter_seek(it, &prefix, 1); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl, vl;
		const char *k = rocksdb_iter_key(it, &kl);
		const char *v = rocksdb_iter_value(it, &vl);
		uint64_t ino, idx;
		struct dt_map m;
		int changed = 0;
		int64_t dblocks = 0;

		if (!kl || k[0] != DT_K_MAP)
			break;
		if (kl != 17) {
			if (bad)
				bad(ctx, 0, 0, "map key of a bad size");
			continue;
		}
		ino = dt_get_be64(k + 1);
		idx = dt_get_be64(k + 9);
		if (dt_map_decode(v, vl, &m)) {
			if (bad)
				bad(ctx, ino, idx, "undecodable map");
			continue;
		}
		for (unsigned int i = 0; i < DT_MAP_SLOTS; i++) {
			struct dt_slot *s = &m.s[i];
			int verdict = DT_SV_OK;
			uint64_t lblk = idx * DT_MAP_SLOTS + i;

			if (s->kind == DT_SLOT_HOLE)
				continue;
			if (s->epoch > maxep)
				maxep = s->epoch;
			if (s->kind == DT_SLOT_DATA &&
			    (s->epoch > st->durable || verify_all) &&
			    !verify(st, s->pblk, s->crc, buf)) {
				if (s->epoch <= st->durable)
					verdict = DT_SV_DAMAGED;
				else if (roll_back(st, s, buf))
					verdict = DT_SV_LOST;
				else
					verdict = DT_SV_ROLLED_BACK;
			}
			if (verdict == DT_SV_ROLLED_BACK) {
				changed = 1;
				st->recovered++;
				if (s->kind == DT_SLOT_HOLE)
					dblocks -= DT_BLOCK_SIZE >> 9;
			}
			if (verdict == DT_SV_LOST)
				st->lost++;
			if (!st->readonly && s->kind != DT_SLOT_HOLE)
				dt_alloc_mark(&st->alloc, s->pblk, 1);
			if (fn)
				fn(ctx, ino, lblk, s, verdict);
		}
		if (changed && wb) {
			char enc[DT_MAP_ENC_MAX];
			size_t el = dt_map_encode(&m, enc);

			if (el)
				rocksdb_writebatch_put(wb, k, kl, enc, el);
			else
				rocksdb_writebatch_delete(wb, k, kl);
		}
		if (dblocks) {
			if (ndelta && deltas[ndelta - 1].ino == ino) {
				deltas[ndelta - 1].blocks += dblocks;
			} else {
				if (ndelta == capdelta) {
					size_t c = capdelta ? capdelta * 2 : 16;
					struct delta *nd = realloc(
						deltas, c * sizeof(*nd));

					if (!nd) {
						ret = -ENOMEM;
						break;
					}
					deltas = nd;
					capdelta = c;
				}
				deltas[ndelta++] = (struct delta){ino, dblocks};
			}
		}
	}
	if (!ret)
		ret = dt_store_iter_err(it, "map scan", 0);
	rocksdb_iter_destroy(it);
	if (!ret && wb)
		ret = apply_deltas(st, wb, deltas, ndelta);
	free(deltas);
	free(buf);
	if (!st->readonly)
		st->epoch = maxep + 1;
	return ret;
}
