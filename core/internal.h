/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to core/: the filesystem object and the in-memory inode table. */
#ifndef DTFS_CORE_INTERNAL_H
#define DTFS_CORE_INTERNAL_H

#include <pthread.h>
#include "dtfs/core.h"
#include "store.h"

struct dt_inode {
	uint64_t ino;
	struct dt_inode *hnext;
	pthread_rwlock_t lock; /* guards rec and the file's data chunks */
	struct dt_irec rec;
	uint64_t nlookup; /* kernel lookup references (table lock) */
	uint64_t nopen; /* open handles (table lock) */
	uint64_t nref; /* core's own temporary references (table lock) */
};

#define DT_HASH_SIZE 4096

struct dt_fs {
	rocksdb_t *db;
	rocksdb_options_t *opts;
	rocksdb_writeoptions_t *wo;
	rocksdb_readoptions_t *ro;
	rocksdb_block_based_table_options_t *bbo;
	rocksdb_cache_t *cache;
	char *path;
	int readonly;
	int lockfd;

	pthread_mutex_t table_lock;
	struct dt_inode *hash[DT_HASH_SIZE];

	/* Free-space guard of the store's filesystem (store.c): growing
	 * writes stop at reserve, freeing ones at floor; the reclaimer
	 * thread flushes and compacts after frees on a nearly full disk. */
	uint64_t space_reserve, space_floor;
	pthread_t reclaimer;
	int reclaimer_started, reclaim_stop, reclaim_wanted;
	pthread_mutex_t reclaim_lock;
	pthread_cond_t reclaim_cond;

	pthread_mutex_t ns_lock; /* serialises namespace changes */
	pthread_mutex_t ino_lock;
	uint64_t next_ino;
};

/* store.c */
int dt_store_open(struct dt_fs *fs, const char *path,
		  const struct dt_fs_opts *o, char *err, size_t errlen);
void dt_store_close(struct dt_fs *fs);
int dt_store_write(struct dt_fs *fs, rocksdb_writebatch_t *wb);
int dt_store_write_freeing(struct dt_fs *fs, rocksdb_writebatch_t *wb);
int dt_store_avail(struct dt_fs *fs, uint64_t *avail);
int dt_store_get_irec(struct dt_fs *fs, uint64_t ino, struct dt_irec *rec);
rocksdb_readoptions_t *dt_store_readopts(void);

/* fs.c */
int dt_reclaim_orphans(struct dt_fs *fs);

#endif
