/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to core/: the key layout of the RocksDB store and the on-disk
 * inode record. Every integer in a key is big-endian so that iteration
 * order is numeric order (all chunks of a file, all entries of a directory
 * are one contiguous key range).
 *
 *   "S" "format"              -> "dtfs-store <version>"
 *   "S" "next_ino"            -> u64 (LE), next inode number to hand out
 *   "I" ino                   -> struct dt_irec
 *   "D" parent name           -> u64 child ino (LE) + u8 type (mode >> 12)
 *   "B" ino chunk             -> bytes of that chunk up to its last written
 *                                byte; a missing chunk is a hole
 *   "L" ino                   -> symlink target
 *   "X" ino name              -> xattr value
 *   "O" ino                   -> "" (unlinked while in use: reclaim at mount)
 */
#ifndef DTFS_CORE_STORE_H
#define DTFS_CORE_STORE_H

#include <stdint.h>
#include <string.h>
#include <rocksdb/c.h>

#define DT_K_SUPER 'S'
#define DT_K_INODE 'I'
#define DT_K_DIRENT 'D'
#define DT_K_DATA 'B'
#define DT_K_LINK 'L'
#define DT_K_XATTR 'X'
#define DT_K_ORPHAN 'O'

#define DT_KEY_MAX (1 + 8 + 8 + 256)

/* On-disk inode record, little-endian (the store is not portable to
 * big-endian hosts; the format version would change if it ever were). */
struct dt_irec {
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t nlink;
	uint64_t size;
	uint64_t blocks; /* 512-byte units actually stored */
	uint64_t rdev;
	uint64_t
		parent; /* directories: the parent's ino (for ".." and loops) */
	int64_t atime_sec, mtime_sec, ctime_sec;
	uint32_t atime_nsec, mtime_nsec, ctime_nsec;
	uint32_t pad;
};

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

/* Build key @type + @a (+ @b) into @k; returns its length. */
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

#endif
