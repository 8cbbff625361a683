/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store, internal to core/: RocksDB as the journal and the home of all
 * metadata, and the data file for file data (records.h has the layout).
 *
 * An operation: write its new data blocks to the data file (copy-on-write:
 * never over a block a committed map points to), then commit one RocksDB
 * WriteBatch with the new maps and records through the WAL. Once the batch
 * is written the operation survives kill -9 of the daemon (both writes are
 * in the host's page cache). dt_store_sync makes everything so far durable
 * against power loss: fdatasync of the data file and a synced WAL, the two
 * at once.
 *
 * Epochs order the two: each operation runs inside one epoch (between
 * dt_store_begin and dt_store_end) and tags what it writes with it; a sync
 * closes the current epoch, makes the data of every closed epoch and the
 * WAL up to there durable, then records that fact ("S" "durable") in the
 * WAL, where the next sync takes it to the disk. Blocks freed in an epoch
 * are reused only after it is durable. After a power cut, data blocks of
 * epochs after the durable record on the disk are verified at mount and
 * roll back to their fallback when their data did not reach the disk
 * (their fallbacks are still there: the sync that would free them has not
 * returned, or their data is durable and verifies).
 */
#ifndef DTFS_STORE_STORE_H
#define DTFS_STORE_STORE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>
#include <rocksdb/c.h>
#include "alloc.h"
#include "records.h"

struct dt_store_opts {
	int create; /* create the store if absent */
	int readonly; /* for fsck: no recovery, no writes */
};

struct dt_store {
	rocksdb_t *db;
	rocksdb_options_t *opts;
	rocksdb_writeoptions_t *wo;
	rocksdb_readoptions_t *ro; /* verifies checksums; shared */
	rocksdb_block_based_table_options_t *bbo;
	rocksdb_cache_t *cache;
	char *path;
	int readonly;
	int lockfd;
	int datafd;
	uint64_t next_ino; /* as read at open */
	int was_clean; /* the store had been closed cleanly */

	struct dt_alloc alloc;

	/* epochs: operations hold epoch_lock for reading */
	pthread_rwlock_t epoch_lock;
	uint32_t epoch; /* current */
	uint32_t durable; /* data of epochs <= durable is on disk */
	pthread_mutex_t sync_lock;
	pthread_cond_t sync_cond;
	int syncing;
	int dirty; /* committed something since the last sync */
	uint64_t since_sync; /* bytes of data written since the last sync */
	int fault_skip_data_sync; /* DTFS_FAULT=fsync-skip-data (tests) */
	/* the data file's fdatasync runs on this thread while do_sync syncs
	 * the WAL (started by the first sync) */
	pthread_t dsync_thread;
	int dsync_started, dsync_stop, dsync_err;
	unsigned int dsync_req, dsync_done;
	pthread_mutex_t dsync_lock;
	pthread_cond_t dsync_cond;

	/* space guard (store.c) */
	uint64_t space_reserve, space_floor;
	uint64_t avail; /* bytes free on the host at the last look */
	uint64_t avail_ns; /* when */
	uint64_t consumed; /* bytes we may have used since */

	/* the store thread: periodic commit, punching, RocksDB reclaim */
	pthread_t thread;
	int thread_started, thread_stop, thread_kick;
	pthread_mutex_t thread_lock;
	pthread_cond_t thread_cond;

	/* counters for dtfs-fsck -v and the log */
	uint64_t recovered, lost;
};

int dt_store_open(struct dt_store *st, const char *path,
		  const struct dt_store_opts *o, char *err, size_t errlen);
/* Close; after a clean unmount, everything is synced and free space is
 * punched out of the data file first. */
void dt_store_close(struct dt_store *st);
/* After the mount's recovery (data.c's scan, orphans): start the store's
 * thread and sync, so every slot there is is trusted from now on. */
int dt_store_start(struct dt_store *st);
void dt_store_set_state(struct dt_store *st, const char *state);

/* An operation's epoch: begin returns it; every block the operation
 * writes carries it; end after its commit (and its deferred frees). */
uint32_t dt_store_begin(struct dt_store *st);
void dt_store_end(struct dt_store *st);

/* Commit a batch: @frees says it removes data or only changes metadata
 * (allowed on a nearly full disk down to the floor). @data_bytes: data
 * blocks this operation wrote or will write (for the space guard). */
int dt_store_commit(struct dt_store *st, rocksdb_writebatch_t *wb, int frees);
/* Is there room for @bytes more on the host (data blocks written by an
 * operation about to commit)? 0 or -ENOSPC. */
int dt_store_space(struct dt_store *st, uint64_t bytes, int frees);
int dt_store_avail(struct dt_store *st, uint64_t *avail);
/* A write batch for one operation, empty: the calling thread's own, reused
 * (no allocation on the hot path), or a new one when that is in use (an
 * operation inside another). Give it back with dt_batch_put, never
 * rocksdb_writebatch_destroy. */
rocksdb_writebatch_t *dt_batch_get(void);
void dt_batch_put(rocksdb_writebatch_t *wb);
/* Everything committed so far durable (group commit). */
int dt_store_sync(struct dt_store *st);

/* Records */
int dt_store_get(struct dt_store *st, const char *k, size_t kl, char **v,
		 size_t *vl);
int dt_store_get_irec(struct dt_store *st, uint64_t ino, struct dt_irec *r);
int dt_store_iter_err(rocksdb_iterator_t *it, const char *op, uint64_t ino);

/* Data blocks (data.c): read @n blocks at @pblk into @buf and verify them
 * against @crcs; -EIO (logged with @ino and @lblk, the file block) on a
 * short read or a mismatch. */
int dt_data_read(struct dt_store *st, uint64_t ino, uint64_t lblk,
		 uint64_t pblk, uint64_t n, const uint32_t *crcs, char *buf);
/* Write @iov to blocks starting at @pblk. */
int dt_data_write(struct dt_store *st, uint64_t pblk, const struct iovec *iov,
		  int iovcnt, size_t bytes);
/* Reserve host space for [pblk, pblk + n) (fallocate's blocks). */
int dt_data_reserve(struct dt_store *st, uint64_t pblk, uint64_t n);

/*
 * Walk every map of the store (data.c): decide each slot as the mount's
 * recovery does (a data slot of an epoch after durable is read back, and
 * rolled back to its fallback when it does not verify), and report each
 * slot's outcome to @fn (every slot that is not a hole, and every slot
 * rolled back). With @wb, the rolled-back maps and the block counts of
 * their inodes are put into it; with @verify_all every data block is read
 * back. A store opened for writing also marks the allocator and moves the
 * current epoch past every epoch seen.
 */
enum dt_slot_verdict {
	DT_SV_OK, /* trusted or verified */
	DT_SV_DAMAGED, /* durable, but its data does not verify */
	DT_SV_ROLLED_BACK, /* did not reach the disk: the fallback is used */
	DT_SV_LOST, /* did not reach the disk, nor did its fallback */
};
typedef void (*dt_slot_fn)(void *ctx, uint64_t ino, uint64_t lblk,
			   const struct dt_slot *final, int verdict);
typedef void (*dt_map_err_fn)(void *ctx, uint64_t ino, uint64_t mapidx,
			      const char *what);
int dt_data_scan(struct dt_store *st, rocksdb_writebatch_t *wb, int verify_all,
		 dt_slot_fn fn, dt_map_err_fn bad, void *ctx);

#endif
