/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every record of a dtfs store, format version 2: the keys and values in
 * RocksDB, and their encoders and decoders. The daemon and dtfs-fsck use
 * these and nothing else to read or write a record.
 *
 * Keys are a type byte and big-endian integers, so that iteration order is
 * numeric order (all maps of a file, all entries of a directory are one
 * contiguous key range):
 *
 *   "S" "format"          -> "dtfs-store 2"
 *   "S" "next_ino"        -> u64, next inode number to hand out (never reused)
 *   "S" "durable"         -> u32, the last epoch whose data is durable
 *   "S" "clean"           -> "" while the store is cleanly closed
 *   "I" ino               -> struct dt_irec
 *   "D" parent name       -> u64 child ino + u8 type (mode >> 12)
 *   "E" ino mapidx        -> the block map of file blocks
 *                            [mapidx * 16, mapidx * 16 + 16): struct dt_map
 *   "L" ino               -> symlink target
 *   "X" ino name          -> xattr value
 *   "O" ino               -> "" (unlinked while in use: reclaim at mount)
 *
 * File data lives in the data file STORE/data in 4 KiB blocks (block 0 is
 * its header); a map slot says for one file block: a hole, a block written
 * with data (its number, the crc32c of its contents, the epoch in which it
 * was written) or a block allocated but unwritten (fallocate: reads as
 * zeros). A slot written in an epoch that is not durable yet also keeps the
 * slot it replaced (its fallback): after a power cut, a block whose data did
 * not reach the disk rolls back to it (dtfs(8), "THE STORE").
 *
 * Integers in values are little-endian (the store is not portable to
 * big-endian hosts; the format version would change if it ever were).
 */
#ifndef DTFS_STORE_RECORDS_H
#define DTFS_STORE_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "dtfs/crc32c.h"

#define DT_STORE_FORMAT 2

#define DT_K_SUPER 'S'
#define DT_K_INODE 'I'
#define DT_K_DIRENT 'D'
#define DT_K_MAP 'E'
#define DT_K_LINK 'L'
#define DT_K_XATTR 'X'
#define DT_K_ORPHAN 'O'

#define DT_KEY_MAX (1 + 8 + 8 + 256)

/* super records */
#define DT_SK_FORMAT "Sformat"
#define DT_SK_NEXT_INO "Snext_ino"
#define DT_SK_DURABLE "Sdurable"
#define DT_SK_CLEAN "Sclean"

/* ---- data blocks and maps --------------------------------------------- */

#define DT_BLOCK_SHIFT 12
#define DT_BLOCK_SIZE (1u << DT_BLOCK_SHIFT)
#define DT_MAP_SHIFT 4
#define DT_MAP_SLOTS (1u << DT_MAP_SHIFT) /* blocks per map: 64 KiB */

enum dt_slot_kind {
	DT_SLOT_HOLE = 0,
	DT_SLOT_DATA = 1, /* pblk holds data with checksum crc */
	DT_SLOT_UNWRITTEN = 2, /* pblk allocated, reads as zeros */
};

struct dt_slot {
	uint8_t kind, fb_kind; /* fb_*: the fallback (see above) */
	uint32_t crc, epoch, fb_crc;
	uint64_t pblk, fb_pblk;
};

struct dt_map {
	struct dt_slot s[DT_MAP_SLOTS];
};

/* Largest encoded map (every slot with a fallback). */
#define DT_MAP_ENC_MAX (4 + DT_MAP_SLOTS * 34)

/* Encode @m into @buf (DT_MAP_ENC_MAX bytes); returns the length, 0 when
 * every slot is a hole (the map's key is then deleted). */
size_t dt_map_encode(const struct dt_map *m, char *buf);
/* Decode; -EUCLEAN when @v is not a well-formed map. */
int dt_map_decode(const char *v, size_t len, struct dt_map *m);

/* ---- inodes ------------------------------------------------------------ */

#define DT_IF_XATTR 1u /* has (or had) xattrs: scan "X" keys */

struct dt_irec {
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t nlink;
	uint64_t size;
	uint64_t blocks; /* 512-byte units: 8 per data or unwritten block */
	uint64_t rdev;
	uint64_t parent; /* directories: the parent's ino (for ".." and loops) */
	int64_t atime_sec, mtime_sec, ctime_sec;
	uint32_t atime_nsec, mtime_nsec, ctime_nsec;
	uint32_t flags; /* DT_IF_* */
	uint64_t generation;
};

#define DT_IREC_SIZE 96
_Static_assert(sizeof(struct dt_irec) == DT_IREC_SIZE,
	       "the on-disk inode record has a fixed size");

int dt_irec_decode(const char *v, size_t len, struct dt_irec *r);

/* ---- directory entries -------------------------------------------------- */

#define DT_DIRENT_SIZE 9
void dt_dirent_encode(char *v, uint64_t ino, uint32_t mode);
int dt_dirent_decode(const char *v, size_t len, uint64_t *ino, uint32_t *type);

/* ---- keys --------------------------------------------------------------- */

static inline void dt_put_be64(char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (char)(v & 0xff);
		v >>= 8;
	}
}

static inline uint64_t dt_get_be64(const char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | (unsigned char)p[i];
	return v;
}

/* Build key @type + @a (+ @b / + @name) into @k; returns its length. */
static inline size_t dt_key(char *k, char type, uint64_t a)
{
	k[0] = type;
	dt_put_be64(k + 1, a);
	return 9;
}

static inline size_t dt_key2(char *k, char type, uint64_t a, uint64_t b)
{
	dt_key(k, type, a);
	dt_put_be64(k + 9, b);
	return 17;
}

static inline size_t dt_keyname(char *k, char type, uint64_t a,
				const char *name)
{
	size_t n = strlen(name);

	dt_key(k, type, a);
	memcpy(k + 9, name, n);
	return 9 + n;
}

/* ---- checksums ---------------------------------------------------------- */

/* The checksum of one data block: crc32c seeded with its block number, so
 * that a block read from the wrong place does not verify. */
uint32_t dt_block_crc(uint64_t pblk, const void *data);

#endif
