/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A file's block maps (records.h: 16 slots of 4 KiB per map) and the data
 * blocks behind them, for the operations of file.c.
 *
 * An operation that changes data runs as a struct dt_op: it holds the
 * store's epoch from dt_op_begin to dt_op_end, allocates new blocks and
 * frees old ones through it. Data is never written over a block that a
 * committed map points to: a new version goes to a new block, except into
 * an unwritten (fallocated) block, whose contents no one reads. Frees take
 * effect only after the commit, new blocks go back if the commit failed.
 */
#ifndef DTFS_CORE_EXTENT_H
#define DTFS_CORE_EXTENT_H

#include "fs.h"

struct dt_op {
	struct dt_fs *fs;
	uint32_t epoch;
	struct dt_run *frees, *allocs;
	size_t nfrees, capfrees, nallocs, capallocs;
	struct dt_run inl_frees[8], inl_allocs[8];
};

void dt_op_begin(struct dt_fs *fs, struct dt_op *op);
/* After the commit (@committed 1) or instead of it (0). */
void dt_op_end(struct dt_op *op, int committed);
/* @n new blocks for @in, contiguous after its last ones where possible. */
int dt_op_alloc(struct dt_op *op, struct dt_inode *in, uint64_t n,
		struct dt_run *runs, int max);
void dt_op_free(struct dt_op *op, uint64_t pblk, uint64_t n);

/*
 * A write of whole blocks prepares them before it takes the inode lock
 * (file.c): @n new blocks, outside any operation and epoch, which no map
 * points to yet; they are written with the data, then adopted by the
 * operation that commits the maps (its epoch is later than the data
 * write, so a sync that makes that epoch durable has synced the data), or
 * given back with dt_prep_put. After a crash in between they are free:
 * the mount rebuilds the allocator from the maps.
 */
int dt_prep_blocks(struct dt_fs *fs, struct dt_inode *in, uint64_t n,
		   struct dt_run *runs, int max);
void dt_prep_put(struct dt_fs *fs, const struct dt_run *runs, int nr);
/* The op gives them back if it fails; on -ENOMEM they are given back. */
int dt_op_adopt(struct dt_op *op, const struct dt_run *runs, int nr);

/*
 * Change slot @s of a file (its inode record @r) to @kind at @pblk with
 * @crc, in @op's epoch: keeps the fallback a power cut may need, frees the
 * old block unless the new slot keeps it, and counts st_blocks.
 */
void dt_slot_set(struct dt_op *op, struct dt_irec *r, struct dt_slot *s,
		 unsigned int kind, uint64_t pblk, uint32_t crc);

/* The 4 KiB of file block @lblk of @ino (slot @s) into @buf: zeros for a
 * hole or an unwritten block, else read and verified (-EIO). */
int dt_block_read(struct dt_fs *fs, uint64_t ino, uint64_t lblk,
		  const struct dt_slot *s, char *buf);
/* Rewrite bytes [from, to) of file block @lblk (slot @s) with @src, or
 * zeros when @src is NULL: a new block with the merged contents (or in
 * place into an unwritten block). */
int dt_block_rewrite(struct dt_op *op, struct dt_inode *in, struct dt_slot *s,
		     uint64_t lblk, size_t from, size_t to, const char *src);

/* The maps of blocks [first, last] of a file, loaded for one operation. */
struct dt_win {
	uint64_t ino, first; /* first map index */
	unsigned int n;
	struct dt_map *m;
	uint8_t *dirty;
	struct dt_map inl[4];
	uint8_t inl_dirty[4];
};

int dt_win_load(struct dt_fs *fs, struct dt_win *w, struct dt_inode *in,
		uint64_t first, uint64_t last);
/* A reader's copy of the slots of blocks [@first, @last], which lie in one
 * map; @in's lock held (shared is enough). */
int dt_slots_get(struct dt_fs *fs, struct dt_inode *in, uint64_t first,
		 uint64_t last, struct dt_slot *out);
static inline struct dt_slot *dt_win_slot(struct dt_win *w, uint64_t lblk)
{
	return &w->m[(lblk >> DT_MAP_SHIFT) - w->first]
			.s[lblk & (DT_MAP_SLOTS - 1)];
}
static inline void dt_win_dirty(struct dt_win *w, uint64_t lblk)
{
	w->dirty[(lblk >> DT_MAP_SHIFT) - w->first] = 1;
}
/* Put the changed maps into @wb (deleted when all holes); after the
 * commit, dt_win_cache keeps them in the map cache. */
void dt_win_put(struct dt_win *w, rocksdb_writebatch_t *wb);
void dt_win_cache(struct dt_fs *fs, struct dt_inode *in, struct dt_win *w);
void dt_win_free(struct dt_win *w);

/*
 * The map cache: decoded maps of the files in use, so that reads and
 * writes do not search RocksDB's memtable for them. An entry is valid while
 * it carries its inode's mapgen: an operation that changes maps other than
 * through a window (truncate, punch, fallocate) calls dt_maps_changed.
 */
int dt_mcache_init(struct dt_fs *fs);
void dt_mcache_free(struct dt_fs *fs);
void dt_maps_changed(struct dt_fs *fs, struct dt_inode *in);

/*
 * Visit the existing maps of @ino with index in [from, to], in order;
 * @fn returns 1 when it changed the map (then put into @wb, or deleted
 * when all holes), 0 to go on, 2 to stop, or a negative errno.
 */
typedef int (*dt_walk_fn)(void *ctx, uint64_t idx, struct dt_map *m);
int dt_maps_walk(struct dt_fs *fs, rocksdb_writebatch_t *wb, uint64_t ino,
		 uint64_t from, uint64_t to, dt_walk_fn fn, void *ctx);

#endif
