/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to core/fs/: the filesystem object, the in-memory inode table,
 * and what the files of the POSIX layer share.
 *
 *   inode.c   the inode table, getattr/setattr, open/release, statfs,
 *             orphans, mounting and unmounting the store
 *   namei.c   names: lookup, create, mknod, mkdir, symlink, link, unlink,
 *             rmdir, rename, readlink
 *   file.c    file data: read, write, truncate, fallocate, lseek,
 *             copy_file_range, sync
 *   extent.c  a file's block maps and the data blocks behind them
 *   dir.c     directory listings
 *   xattr.c   extended attributes
 *
 * Locking: table_lock guards the inode hash and the reference counts;
 * each inode's rwlock guards its record and its maps; ns_lock serialises
 * namespace changes (create, link, unlink, rename, ...), which are the only
 * operations taking more than one inode lock, so they need no ordering
 * among themselves. A data operation takes the store's epoch (for reading)
 * inside its inode lock and never the other way round. Nothing here calls
 * back into the kernel.
 */
#ifndef DTFS_CORE_FS_H
#define DTFS_CORE_FS_H

#include <pthread.h>
#include "dtfs/core.h"
#include "store/store.h"

struct dt_inode {
	uint64_t ino;
	struct dt_inode *hnext;
	pthread_rwlock_t lock; /* guards rec and the file's maps */
	struct dt_irec rec;
	uint64_t nlookup; /* kernel lookup references (table lock) */
	uint64_t nopen; /* open handles (table lock) */
	uint64_t nref; /* core's own temporary references (table lock) */
	uint64_t goal; /* where this file's next data block would follow */
	uint64_t mapgen; /* its maps in the map cache carry this (extent.c) */
	int deleted; /* its records are gone with its last name (table lock
		      * to set; readers hold the inode lock) */
	int fcaps; /* security.capability: 0 not looked up, 1 none, 2 some
		    * (inode.c; inode lock) */
};

#define DT_HASH_SIZE 4096

/* Names just looked up (namei.c): an entry is valid while it carries the
 * current ns_gen, which every namespace change bumps. Zero-initialised
 * (dt_fs is calloc'ed): glibc's PTHREAD_MUTEX_INITIALIZER is all zeros. */
#define DT_DCACHE_SIZE 16
struct dt_dcache {
	pthread_mutex_t lock;
	uint64_t ns_gen;
	struct {
		uint64_t dir, ino, gen;
		char name[DT_NAME_MAX + 1];
	} e[DT_DCACHE_SIZE];
};

struct dt_fs {
	struct dt_store st;
	int readonly;

	pthread_mutex_t table_lock;
	struct dt_inode *hash[DT_HASH_SIZE];

	pthread_mutex_t ns_lock; /* serialises namespace changes */
	struct dt_dcache dcache;
	pthread_mutex_t ino_lock;
	uint64_t next_ino;

	struct dt_mcache *mcache; /* decoded maps of recent use (extent.c) */
	uint64_t mapgen; /* last generation handed to an inode */
};

/* inode.c */
int dt_iget(struct dt_fs *fs, uint64_t ino, struct dt_inode **out);
/* A new inode, just committed with record @r, into the table. */
int dt_iget_new(struct dt_fs *fs, uint64_t ino, const struct dt_irec *r,
		struct dt_inode **out);
void dt_iput(struct dt_fs *fs, struct dt_inode *in);
/* drop @refs temporary, @lookups kernel and @opens open references */
void dt_iput_counts(struct dt_fs *fs, struct dt_inode *in, uint64_t refs,
		    uint64_t lookups, uint64_t opens);
/* a temporary reference becomes a kernel lookup reference */
void dt_iref_lookup(struct dt_fs *fs, struct dt_inode *in);
void dt_now_ts(int64_t *sec, uint32_t *nsec);
void dt_touch_mc(struct dt_irec *r);
void dt_touch_c(struct dt_irec *r);
void dt_put_irec(rocksdb_writebatch_t *wb, uint64_t ino,
		 const struct dt_irec *r);
void dt_fill_stat(uint64_t ino, const struct dt_irec *r, struct stat *st);
/* An inode without open handles whose last name goes: claim it (no open
 * can start from now on) and put the deletion of all its records and data
 * into @wb inside @op; unclaim if the batch fails. */
struct dt_op;
int dt_iclaim(struct dt_fs *fs, struct dt_inode *in);
void dt_iunclaim(struct dt_fs *fs, struct dt_inode *in);
int dt_idelete(struct dt_fs *fs, rocksdb_writebatch_t *wb, struct dt_inode *in,
	       struct dt_op *op);
/* Delete every key of @type for @ino into @wb. */
int dt_delete_keys(struct dt_fs *fs, rocksdb_writebatch_t *wb, char type,
		   uint64_t ino);

/* namei.c */
uint64_t dt_alloc_ino(struct dt_fs *fs, rocksdb_writebatch_t *wb);

/* file.c: change the size of @in (write-locked) into @wb, inside the
 * operation @op (extent.c). */
struct dt_op;
int dt_truncate_locked(struct dt_fs *fs, rocksdb_writebatch_t *wb,
		       struct dt_inode *in, uint64_t size, struct dt_op *op);
/* Remove all data of @in (reclaim of an unlinked inode). */
int dt_free_all_data(struct dt_fs *fs, rocksdb_writebatch_t *wb,
		     struct dt_inode *in, struct dt_op *op);

/* acl.c: the kernel's ACL rules on the xattr form of an ACL */
extern const char dt_acl_access[], dt_acl_default[];
/* the number of entries of a well-formed ACL value, or -EINVAL */
int dt_acl_check(const char *v, size_t n);
/* @mode's permission bits from the ACL; 1 if the ACL says more than them */
int dt_acl_equiv_mode(const char *v, size_t n, mode_t *mode);
/* chmod: the owner, mask (else group) and other entries from @mode */
void dt_acl_chmod(char *v, size_t n, mode_t mode);
/* create: mask the inherited ACL @v and @mode by each other; 1 if the ACL
 * says more than the mode (keep it) */
int dt_acl_create_masq(char *v, size_t n, mode_t *mode);

/* xattr.c: inside a change of @in (write-locked) into @wb */
/* keep the access ACL of @in in step with its new mode */
int dt_acl_on_chmod(struct dt_fs *fs, rocksdb_writebatch_t *wb,
		    struct dt_inode *in);
/* new inode @ino (record @r) in @dir: inherit @dir's default ACL */
int dt_acl_inherit(struct dt_fs *fs, rocksdb_writebatch_t *wb,
		   struct dt_inode *dir, uint64_t ino, struct dt_irec *r);

#endif
