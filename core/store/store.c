// SPDX-License-Identifier: GPL-2.0
/*
 * The store: a directory holding the RocksDB database (db/), the data file
 * (data), and a lock file. store.h says how an operation reaches the disk;
 * this file opens and closes the store, guards its free space, commits
 * batches and runs group commits and the store's background thread.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include "store.h"

#define DATA_MAGIC "dtfs-data 2\n"

/* Sync on our own at least this often (seconds) while there are changes,
 * as a journaling filesystem commits: bounds what a power cut takes and
 * lets freed blocks be reused. */
#define COMMIT_INTERVAL 5
/* ...and earlier when this much data was written since the last sync
 * (bounds the blocks the mount after a power cut reads back), or this
 * many freed blocks wait for a sync to be reused. */
#define COMMIT_DATA_BYTES (1ULL << 30)
#define COMMIT_DEFERRED_BLOCKS (64ULL << 20 >> DT_BLOCK_SHIFT)

/* Largest RocksDB memtable (open_options). */
#define MEMTABLE_MAX (8ULL << 20)

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	}
	closedir(d);
	return empty;
}

/* ---- records ------------------------------------------------------------ */

/* RocksDB counts into a per-thread perf context by default (level
 * enable_count): a few hundred instructions per write batch and get that
 * nobody reads. The level is per thread, so each request thread turns it
 * off on its first store call. */
static void thread_perf_off(void)
{
	static __thread int done;

	if (!done) {
		rocksdb_set_perf_level(rocksdb_disable);
		done = 1;
	}
}

int dt_store_get(struct dt_store *st, const char *k, size_t kl, char **v,
		 size_t *vl)
{
	char *err = NULL;

	thread_perf_off();
	*v = rocksdb_get(st->db, st->ro, k, kl, vl, &err);
	if (err) {
		fprintf(stderr, "dtfs: store read failed: %s; run dtfs-fsck\n",
			err);
		free(err);
		return -EIO;
	}
	return *v ? 0 : -ENOENT;
}

int dt_store_get_irec(struct dt_store *st, uint64_t ino, struct dt_irec *rec)
{
	char k[DT_KEY_MAX], *v;
	size_t vl;
	int ret = dt_store_get(st, k, dt_key(k, DT_K_INODE, ino), &v, &vl);

	if (ret)
		return ret;
	ret = dt_irec_decode(v, vl, rec);
	free(v);
	return ret;
}

/* A damaged table block ends an iteration as if the keys ran out: tell
 * the difference, so damage is EIO and never a hole or a short list. */
int dt_store_iter_err(rocksdb_iterator_t *it, const char *op, uint64_t ino)
{
	char *e = NULL;

	rocksdb_iter_get_error(it, &e);
	if (!e)
		return 0;
	fprintf(stderr,
		"dtfs: %s ino %llu: store read failed: %s; run dtfs-fsck\n", op,
		(unsigned long long)ino, e);
	free(e);
	return -EIO;
}

/* ---- free space ---------------------------------------------------------- */

/*
 * The disk under the store can fill. RocksDB must never meet ENOSPC
 * itself: a failed WAL append stops all its writes until it recovers, and
 * recovery needs the free space only deletes (more WAL writes) would give
 * back. So dtfs answers ENOSPC first: an operation that adds data is
 * refused while the host has less than space_reserve free, one that frees
 * data (unlink, truncate, punch) only below space_floor.
 *
 * RocksDB holds only metadata now; the reserve is room for its memtable
 * flushes and for a compaction rewriting all of it on a small disk: an
 * eighth of the filesystem, at least 8 MiB, at most 1 GiB.
 *
 * statvfs is not asked on every write: the last answer is kept with what
 * we may have used since (data blocks, batches), and asked again after a
 * second or when that estimate comes near the limit.
 */
#define DT_RESERVE_MIN (8ULL << 20)
#define DT_RESERVE_MAX (1ULL << 30)
#define DT_FLOOR (1ULL << 20)
#define SPACE_RECHECK_NS 1000000000ull

uint64_t dt_space_reserve(int fd)
{
	struct statvfs sv;
	uint64_t r;

	if (fstatvfs(fd, &sv) < 0)
		return DT_RESERVE_MIN;
	r = (uint64_t)sv.f_blocks * sv.f_frsize / 8;
	if (r < DT_RESERVE_MIN)
		r = DT_RESERVE_MIN;
	if (r > DT_RESERVE_MAX)
		r = DT_RESERVE_MAX;
	return r;
}

int dt_store_avail(struct dt_store *st, uint64_t *avail)
{
	struct statvfs sv;

	if (fstatvfs(st->lockfd, &sv) < 0)
		return -errno;
	*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	return 0;
}

/* Set @flag under @lock and wake every waiter on @cond: the store's two
 * threads are told to work or to stop this way. */
static void set_and_wake(pthread_mutex_t *lock, pthread_cond_t *cond, int *flag)
{
	pthread_mutex_lock(lock);
	*flag = 1;
	pthread_cond_broadcast(cond);
	pthread_mutex_unlock(lock);
}

static void kick(struct dt_store *st)
{
	if (st->thread_started)
		set_and_wake(&st->thread_lock, &st->thread_cond,
			     &st->thread_kick);
}

/* Background work that gives space back when it ends. */
static int busy(struct dt_store *st)
{
	static const char *const props[] = {"rocksdb.num-running-flushes",
					    "rocksdb.num-running-compactions",
					    "rocksdb.mem-table-flush-pending"};
	uint64_t v;

	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (!rocksdb_property_int(st->db, props[i], &v) && v)
			return 1;
	return 0;
}

int dt_store_space(struct dt_store *st, uint64_t bytes, int frees)
{
	uint64_t limit, avail = 0, t;

	if (st->readonly || !st->space_reserve)
		return 0;
	limit = frees ? st->space_floor : st->space_reserve;
	t = now_ns();
	pthread_mutex_lock(&st->thread_lock);
	if (t - st->avail_ns < SPACE_RECHECK_NS &&
	    st->avail > st->consumed + bytes + limit + st->space_reserve / 4) {
		st->consumed += bytes;
		pthread_mutex_unlock(&st->thread_lock);
		return 0;
	}
	pthread_mutex_unlock(&st->thread_lock);

	if (dt_store_avail(st, &avail))
		return 0; /* cannot tell: let the write find out */
	/* a flush or compaction holds data twice until it ends */
	for (int i = 0; avail < limit + bytes && i < 200 && busy(st); i++) {
		usleep(10000);
		dt_store_avail(st, &avail);
	}
	pthread_mutex_lock(&st->thread_lock);
	st->avail = avail;
	st->avail_ns = now_ns();
	st->consumed = 0;
	if (avail < limit + bytes) {
		pthread_mutex_unlock(&st->thread_lock);
		return -ENOSPC;
	}
	st->consumed = bytes;
	pthread_mutex_unlock(&st->thread_lock);
	if (frees && avail < 2 * st->space_reserve)
		kick(st); /* reclaim: punch, flush, compact */
	return 0;
}

/* ---- commits and syncs ------------------------------------------------- */

/* Each thread keeps one cleared batch; a batch larger than BATCH_KEEP
 * (a big truncate's) is not kept, so an idle thread holds little. */
#define BATCH_KEEP (64u << 10)

static pthread_key_t batch_key;
static pthread_once_t batch_once = PTHREAD_ONCE_INIT;
static __thread rocksdb_writebatch_t *batch_spare;

static void batch_key_free(void *wb)
{
	rocksdb_writebatch_destroy(wb);
}

static void batch_key_init(void)
{
	/* without a key the spare would leak at thread exit: keep none */
	if (pthread_key_create(&batch_key, batch_key_free))
		batch_key = (pthread_key_t)-1;
}

rocksdb_writebatch_t *dt_batch_get(void)
{
	rocksdb_writebatch_t *wb = batch_spare;

	if (!wb)
		return rocksdb_writebatch_create();
	batch_spare = NULL;
	return wb;
}

void dt_batch_put(rocksdb_writebatch_t *wb)
{
	size_t len;

	pthread_once(&batch_once, batch_key_init);
	rocksdb_writebatch_data(wb, &len);
	if (batch_spare || len > BATCH_KEEP || batch_key == (pthread_key_t)-1) {
		rocksdb_writebatch_destroy(wb);
	} else {
		rocksdb_writebatch_clear(wb);
		batch_spare = wb;
	}
	/* the key names what the thread's exit frees: the spare only */
	if (batch_key != (pthread_key_t)-1)
		pthread_setspecific(batch_key, batch_spare);
}

int dt_store_commit(struct dt_store *st, rocksdb_writebatch_t *wb, int frees)
{
	size_t len;
	char *err = NULL;
	int ret;

	rocksdb_writebatch_data(wb, &len);
	ret = dt_store_space(st, len, frees);
	if (ret)
		return ret;
	rocksdb_write(st->db, st->wo, wb, &err);
	if (err) {
		ret = strstr(err, "No space") ? -ENOSPC : -EIO;
		fprintf(stderr, "dtfs: store write failed: %s\n", err);
		free(err);
		return ret;
	}
	__atomic_store_n(&st->dirty, 1, __ATOMIC_RELAXED);
	return 0;
}

/*
 * The epoch lock prefers writers (a sync), so a thread that took it for
 * reading must not ask again while a sync waits: it would wait behind the
 * sync that waits for it. An operation begun inside another on the same
 * thread (and store) shares its epoch instead.
 */
static __thread struct dt_store *epoch_held;
static __thread int epoch_depth;

uint32_t dt_store_begin(struct dt_store *st)
{
	thread_perf_off();
	if (epoch_held == st) {
		epoch_depth++;
		return st->epoch;
	}
	pthread_rwlock_rdlock(&st->epoch_lock);
	epoch_held = st;
	epoch_depth = 1;
	return st->epoch;
}

void dt_store_end(struct dt_store *st)
{
	if (epoch_held == st && --epoch_depth > 0)
		return;
	if (epoch_held == st)
		epoch_held = NULL;
	pthread_rwlock_unlock(&st->epoch_lock);
	if (__atomic_load_n(&st->since_sync, __ATOMIC_RELAXED) >
		    COMMIT_DATA_BYTES ||
	    __atomic_load_n(&st->alloc.def_blocks, __ATOMIC_RELAXED) >
		    COMMIT_DEFERRED_BLOCKS)
		kick(st);
}

static int put_durable(struct dt_store *st, uint32_t e)
{
	rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
	char *err = NULL;

	rocksdb_writebatch_put(wb, DT_SK_DURABLE, sizeof(DT_SK_DURABLE) - 1,
			       (const char *)&e, sizeof(e));
	rocksdb_write(st->db, st->wo, wb, &err);
	rocksdb_writebatch_destroy(wb);
	if (err) {
		fprintf(stderr, "dtfs: sync: store write failed: %s\n", err);
		free(err);
		return -EIO;
	}
	return 0;
}

/*
 * The data file's fdatasync on a thread of its own, so that it and the
 * WAL's run at once: the host filesystem then often commits both in one
 * journal transaction (ext4), and a sync costs about the slower of the
 * two instead of their sum.
 */
static void *dsync_thread(void *arg)
{
	struct dt_store *st = arg;

	pthread_mutex_lock(&st->dsync_lock);
	for (;;) {
		if (st->dsync_stop)
			break;
		if (st->dsync_done == st->dsync_req) {
			pthread_cond_wait(&st->dsync_cond, &st->dsync_lock);
			continue;
		}
		pthread_mutex_unlock(&st->dsync_lock);
		int err = fdatasync(st->datafd) < 0 ? errno : 0;
		pthread_mutex_lock(&st->dsync_lock);
		st->dsync_err = err;
		st->dsync_done = st->dsync_req;
		pthread_cond_broadcast(&st->dsync_cond);
	}
	pthread_mutex_unlock(&st->dsync_lock);
	return NULL;
}

/* Start the data file's fdatasync: 1 when the thread took it, 0 when the
 * caller must run it itself. */
static int dsync_start(struct dt_store *st)
{
	if (!st->dsync_started) {
		if (pthread_create(&st->dsync_thread, NULL, dsync_thread, st))
			return 0;
		st->dsync_started = 1;
	}
	pthread_mutex_lock(&st->dsync_lock);
	st->dsync_req++;
	pthread_cond_broadcast(&st->dsync_cond);
	pthread_mutex_unlock(&st->dsync_lock);
	return 1;
}

/* Wait for the fdatasync dsync_start gave the thread: 0 or an errno. */
static int dsync_wait(struct dt_store *st)
{
	int err;

	pthread_mutex_lock(&st->dsync_lock);
	while (st->dsync_done != st->dsync_req)
		pthread_cond_wait(&st->dsync_cond, &st->dsync_lock);
	err = st->dsync_err;
	pthread_mutex_unlock(&st->dsync_lock);
	return err;
}

static void dsync_stop(struct dt_store *st)
{
	if (!st->dsync_started)
		return;
	set_and_wake(&st->dsync_lock, &st->dsync_cond, &st->dsync_stop);
	pthread_join(st->dsync_thread, NULL);
	st->dsync_started = 0;
}

/*
 * One sync: close the epoch; make its data (fdatasync of the data file) and
 * the WAL durable, the two at once; then write the record that says the
 * epoch is durable. That record needs the data on the disk first, and it
 * reaches the disk with the next sync: until then a power cut only makes
 * the mount verify more blocks (store.h).
 */
static int do_sync(struct dt_store *st)
{
	char *err = NULL;
	int derr = 0, threaded = 0;
	uint32_t e;

	pthread_rwlock_wrlock(&st->epoch_lock);
	e = st->epoch++;
	st->dirty = 0;
	st->since_sync = 0;
	pthread_rwlock_unlock(&st->epoch_lock);
	if (!st->fault_skip_data_sync) {
		threaded = dsync_start(st);
		if (!threaded && fdatasync(st->datafd) < 0)
			derr = errno;
	}
	rocksdb_flush_wal(st->db, 1, &err);
	if (threaded)
		derr = dsync_wait(st);
	if (derr) {
		fprintf(stderr, "dtfs: sync: data file: %s\n", strerror(derr));
		free(err);
		return -EIO;
	}
	if (err) {
		fprintf(stderr, "dtfs: sync: WAL: %s\n", err);
		free(err);
		return -EIO;
	}
	if (put_durable(st, e))
		return -EIO;
	__atomic_store_n(&st->durable, e, __ATOMIC_RELEASE);
	dt_alloc_durable(&st->alloc, e, 0);
	if (st->alloc.npunch)
		kick(st);
	return 0;
}

/*
 * Group commit: concurrent syncs share one. A caller needs every epoch up
 * to the one current at its call durable; while a sync runs, later callers
 * wait for it and then check whether it covered them.
 */
int dt_store_sync(struct dt_store *st)
{
	uint32_t target;
	int ret = 0;

	if (st->readonly)
		return 0;
	pthread_mutex_lock(&st->sync_lock);
	target = __atomic_load_n(&st->epoch, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&st->durable, __ATOMIC_ACQUIRE) < target) {
		if (st->syncing) {
			pthread_cond_wait(&st->sync_cond, &st->sync_lock);
			continue;
		}
		if (!__atomic_load_n(&st->dirty, __ATOMIC_RELAXED) &&
		    st->durable + 1 == target)
			break; /* nothing committed since the last sync */
		st->syncing = 1;
		pthread_mutex_unlock(&st->sync_lock);
		ret = do_sync(st);
		pthread_mutex_lock(&st->sync_lock);
		st->syncing = 0;
		pthread_cond_broadcast(&st->sync_cond);
		if (ret)
			break;
	}
	pthread_mutex_unlock(&st->sync_lock);
	return ret;
}

/* ---- the store thread ---------------------------------------------------- */

static void punch_queued(struct dt_store *st)
{
	size_t n;
	struct dt_run *r = dt_alloc_take_punch(&st->alloc, &n);

	for (size_t i = 0; i < n; i++) {
		if (fallocate(st->datafd,
			      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)(r[i].pblk << DT_BLOCK_SHIFT),
			      (off_t)(r[i].n << DT_BLOCK_SHIFT)) < 0 &&
		    errno != EOPNOTSUPP)
			fprintf(stderr,
				"dtfs: punch data blocks %llu+%llu: %s\n",
				(unsigned long long)r[i].pblk,
				(unsigned long long)r[i].n, strerror(errno));
		dt_alloc_put(&st->alloc, r[i].pblk, r[i].n);
	}
	free(r);
	if (n)
		dt_alloc_shrink(&st->alloc, st->datafd);
}

static uint64_t sst_size(struct dt_store *st)
{
	uint64_t v = UINT64_MAX;

	if (rocksdb_property_int(st->db, "rocksdb.total-sst-files-size", &v))
		v = UINT64_MAX;
	return v;
}

/* On a nearly full disk: every free block out of the data file, and the
 * space of deleted metadata back from RocksDB (flush, then compact when
 * the live data fits). */
static void reclaim(struct dt_store *st, rocksdb_flushoptions_t *fo)
{
	uint64_t avail = 0;
	char *e = NULL;

	dt_alloc_punch_free(&st->alloc, 1);
	punch_queued(st);
	rocksdb_flush(st->db, fo, &e);
	if (e) {
		fprintf(stderr, "dtfs: reclaim: flush: %s\n", e);
		free(e);
	}
	if (!dt_store_avail(st, &avail) &&
	    sst_size(st) + st->space_floor < avail)
		rocksdb_compact_range(st->db, NULL, 0, NULL, 0);
}

static void *store_thread(void *arg)
{
	struct dt_store *st = arg;
	rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();

	rocksdb_flushoptions_set_wait(fo, 1);
	pthread_mutex_lock(&st->thread_lock);
	while (!st->thread_stop) {
		struct timespec until;
		uint64_t avail = UINT64_MAX;

		if (!st->thread_kick) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += COMMIT_INTERVAL;
			pthread_cond_timedwait(&st->thread_cond,
					       &st->thread_lock, &until);
		}
		if (st->thread_stop)
			break;
		st->thread_kick = 0;
		pthread_mutex_unlock(&st->thread_lock);
		if (__atomic_load_n(&st->dirty, __ATOMIC_RELAXED) ||
		    st->alloc.ndef)
			dt_store_sync(st);
		punch_queued(st);
		if (!dt_store_avail(st, &avail) &&
		    avail < 2 * st->space_reserve)
			reclaim(st, fo);
		pthread_mutex_lock(&st->thread_lock);
	}
	pthread_mutex_unlock(&st->thread_lock);
	rocksdb_flushoptions_destroy(fo);
	return NULL;
}

/* ---- the lock file ------------------------------------------------------- */

/*
 * dtfs.lock: flock()ed by the process that has the store open, and
 * holding its pid and state for the others' messages:
 *
 *   PID\n                       opening (or an older dtfs)
 *   PID\nmounted MAJ:MIN MNT\n  serving the mount with that device number
 *   PID\nclosing\n               the mount is gone, the store is being closed
 */
void dt_store_set_state(struct dt_store *st, const char *state)
{
	char buf[4200];
	int n;

	if (st->readonly || st->lockfd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d\n%s%s", (int)getpid(),
		     state ? state : "", state ? "\n" : "");
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	/* a hint for other processes' messages: a failure costs nothing */
	if (pwrite(st->lockfd, buf, (size_t)n, 0) == n &&
	    ftruncate(st->lockfd, n) == 0)
		(void)0;
}

/* Is a mount with device number @dev ("MAJ:MIN") in our mount table? */
static int mount_alive(const char *dev)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[8192], d[64];
	int alive = 0;

	if (!f)
		return 1; /* cannot tell: assume it is */
	while (!alive && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*u %*u %63s", d) == 1 && !strcmp(d, dev))
			alive = 1;
	fclose(f);
	return alive;
}

/*
 * Take the store's lock. A store held by a daemon whose mount is gone
 * (unmounted, the daemon still closing the store) is waited for, up to
 * DT_LOCK_WAIT_MS: scripts unmount and remount or fsck at once. A store
 * held by a live mount, or by a daemon still starting, is refused at once.
 * The wait is said on stderr only once it passes DT_LOCK_SAY_MS: a close
 * mostly takes a fraction of a second, but syncing gigabytes of data just
 * written takes seconds, and harnesses that remount at once compare stderr
 * with their expected output (xfstests). A disk filesystem's umount would
 * have blocked as long.
 */
#define DT_LOCK_WAIT_MS 30000
#define DT_LOCK_SAY_MS 10000

static int store_lock(struct dt_store *st, const char *path, char *err,
		      size_t errlen)
{
	char buf[4200], pid[32] = "?", dev[64] = "", mnt[4100] = "";
	int closing = 0, said = 0;
	ssize_t n;

	for (int waited = 0;; waited += 10) {
		const char *state;

		if (flock(st->lockfd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		n = pread(st->lockfd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = 0;
		closing = 0;
		dev[0] = mnt[0] = 0;
		if (sscanf(buf, "%31[0-9]", pid) != 1)
			snprintf(pid, sizeof(pid), "?");
		state = strchr(buf, '\n');
		state = state ? state + 1 : "";
		if (!strncmp(state, "closing", 7))
			closing = 1;
		else if (sscanf(state, "mounted %63s %4095[^\n]", dev, mnt) >=
				 1 &&
			 !mount_alive(dev))
			closing = 1;
		if (!closing || waited >= DT_LOCK_WAIT_MS)
			break;
		if (!said && waited >= DT_LOCK_SAY_MS) {
			fprintf(stderr,
				"dtfs: %s: waiting up to %d s more for dtfs "
				"(pid "
				"%s) to close the store (its mount is gone)\n",
				path, (DT_LOCK_WAIT_MS - waited) / 1000, pid);
			said = 1;
		}
		usleep(10000);
	}
	if (closing)
		snprintf(err, errlen,
			 "%s: store is still being closed by dtfs (pid %s) "
			 "after %d s",
			 path, pid, DT_LOCK_WAIT_MS / 1000);
	else if (mnt[0])
		snprintf(err, errlen,
			 "%s: store is in use by a running dtfs (pid %s, "
			 "mounted on %s)",
			 path, pid, mnt);
	else
		snprintf(err, errlen,
			 "%s: store is in use by a running dtfs (pid %s)", path,
			 pid);
	close(st->lockfd);
	st->lockfd = -1;
	return -EBUSY;
}

/* ---- open and close ------------------------------------------------------ */

static int put_fresh(struct dt_store *st)
{
	rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
	struct dt_irec r = {0};
	struct timespec now;
	char k[DT_KEY_MAX], fmt[32];
	uint64_t next = 2; /* after the root, inode 1 */
	uint32_t durable = 0;
	char *err = NULL;

	clock_gettime(CLOCK_REALTIME, &now);
	r.mode = S_IFDIR | 0755;
	r.nlink = 2;
	r.uid = getuid();
	r.gid = getgid();
	r.parent = 1;
	r.generation = 1;
	r.atime_sec = r.mtime_sec = r.ctime_sec = now.tv_sec;
	r.atime_nsec = r.mtime_nsec = r.ctime_nsec = (uint32_t)now.tv_nsec;
	rocksdb_writebatch_put(wb, k, dt_key(k, DT_K_INODE, 1),
			       (const char *)&r, sizeof(r));
	rocksdb_writebatch_put(wb, DT_SK_NEXT_INO, sizeof(DT_SK_NEXT_INO) - 1,
			       (const char *)&next, 8);
	rocksdb_writebatch_put(wb, DT_SK_DURABLE, sizeof(DT_SK_DURABLE) - 1,
			       (const char *)&durable, 4);
	snprintf(fmt, sizeof(fmt), "dtfs-store %d", DT_STORE_FORMAT);
	rocksdb_writebatch_put(wb, DT_SK_FORMAT, sizeof(DT_SK_FORMAT) - 1, fmt,
			       strlen(fmt));
	rocksdb_write(st->db, st->wo, wb, &err);
	rocksdb_writebatch_destroy(wb);
	if (!err)
		rocksdb_flush_wal(st->db, 1, &err);
	if (err) {
		free(err);
		return -EIO;
	}
	return 0;
}

static int check_format(struct dt_store *st, char *err, size_t errlen)
{
	char *v, buf[64];
	size_t vl;
	int ver, ret;

	ret = dt_store_get(st, DT_SK_FORMAT, sizeof(DT_SK_FORMAT) - 1, &v, &vl);
	if (ret == -ENOENT) {
		snprintf(err, errlen,
			 "%s: not a dtfs store (no format record); run "
			 "dtfs-fsck",
			 st->path);
		return -EUCLEAN;
	}
	if (ret) {
		snprintf(err, errlen, "%s: cannot read the format record",
			 st->path);
		return ret;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)(vl < 63 ? vl : 63), v);
	free(v);
	if (sscanf(buf, "dtfs-store %d", &ver) != 1) {
		snprintf(err, errlen, "%s: damaged format record '%s'",
			 st->path, buf);
		return -EUCLEAN;
	}
	if (ver == 1) {
		snprintf(err, errlen,
			 "%s: store format version 1 (file data in RocksDB); "
			 "this dtfs reads version %d: mount it with the dtfs "
			 "that made it and copy the files to a new store",
			 st->path, DT_STORE_FORMAT);
		return -EPROTO;
	}
	if (ver != DT_STORE_FORMAT) {
		snprintf(err, errlen,
			 "%s: store format version %d, this dtfs reads version "
			 "%d",
			 st->path, ver, DT_STORE_FORMAT);
		return -EPROTO;
	}
	ret = dt_store_get(st, DT_SK_NEXT_INO, sizeof(DT_SK_NEXT_INO) - 1, &v,
			   &vl);
	if (!ret && vl == 8)
		memcpy(&st->next_ino, v, 8);
	if (!ret)
		free(v);
	if (ret || vl != 8) {
		snprintf(err, errlen, "%s: damaged store (next inode record)",
			 st->path);
		return ret == -EIO ? -EIO : -EUCLEAN;
	}
	ret = dt_store_get(st, DT_SK_DURABLE, sizeof(DT_SK_DURABLE) - 1, &v,
			   &vl);
	if (!ret && vl == 4)
		memcpy(&st->durable, v, 4);
	if (!ret)
		free(v);
	if (ret || vl != 4) {
		snprintf(err, errlen, "%s: damaged store (durable record)",
			 st->path);
		return ret == -EIO ? -EIO : -EUCLEAN;
	}
	ret = dt_store_get(st, DT_SK_CLEAN, sizeof(DT_SK_CLEAN) - 1, &v, &vl);
	st->was_clean = !ret;
	if (!ret)
		free(v);
	return ret == -EIO ? -EIO : 0;
}

static int open_datafile(struct dt_store *st, int fresh, char *err,
			 size_t errlen)
{
	char p[4200], hdr[DT_BLOCK_SIZE];
	struct stat sb;
	int flags = st->readonly ? O_RDONLY : O_RDWR;

	snprintf(p, sizeof(p), "%s/data", st->path);
	if (fresh)
		flags |= O_CREAT | O_EXCL;
	st->datafd = open(p, flags | O_CLOEXEC, 0600);
	if (st->datafd < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s%s", p, strerror(e),
			 e == ENOENT ? "; run dtfs-fsck" : "");
		return e == ENOENT ? -EBADMSG : -e;
	}
	if (fresh) {
		memset(hdr, 0, sizeof(hdr));
		memcpy(hdr, DATA_MAGIC, sizeof(DATA_MAGIC) - 1);
		if (pwrite(st->datafd, hdr, sizeof(hdr), 0) != sizeof(hdr) ||
		    fdatasync(st->datafd) < 0) {
			snprintf(err, errlen, "%s: %s", p, strerror(errno));
			return -EIO;
		}
	} else if (pread(st->datafd, hdr, sizeof(DATA_MAGIC) - 1, 0) !=
			   sizeof(DATA_MAGIC) - 1 ||
		   memcmp(hdr, DATA_MAGIC, sizeof(DATA_MAGIC) - 1)) {
		snprintf(err, errlen,
			 "%s: not a dtfs data file (damaged header); run "
			 "dtfs-fsck",
			 p);
		return -EBADMSG;
	}
	if (fstat(st->datafd, &sb) < 0)
		return -errno;
	return dt_alloc_init(&st->alloc, ((uint64_t)sb.st_size + DT_BLOCK_SIZE -
					  1) >> DT_BLOCK_SHIFT);
}

static int open_options(struct dt_store *st, char *err, size_t errlen)
{
	rocksdb_options_t *n;
	char *e = NULL;

	st->opts = rocksdb_options_create();
	rocksdb_options_set_compression(st->opts, 0); /* kNoCompression */
	/* Only an incomplete last WAL record is a crash's normal trace;
	 * damage inside the WAL refuses the open instead of silently
	 * dropping every later (acknowledged) operation, as RocksDB's
	 * default point-in-time recovery would. */
	rocksdb_options_set_wal_recovery_mode(st->opts, 0);
	/* Memtables stay well inside the space reserve, and small: every
	 * write inserts its map and inode record into a skiplist of all
	 * versions since the last flush, and in a 64 MiB one (100k entries
	 * of 4 KiB writes) the search for the insert point missing the CPU
	 * cache was a sixth of a write's CPU time; with 8 MiB a 4 KiB random
	 * write costs about 15% less CPU, flushes included. */
	rocksdb_options_set_write_buffer_size(
		st->opts, st->space_reserve / 4 < (MEMTABLE_MAX)
				  ? (size_t)st->space_reserve / 4
				  : (size_t)MEMTABLE_MAX);
	rocksdb_options_set_max_write_buffer_number(st->opts, 3);
	rocksdb_options_increase_parallelism(st->opts, 2);
	rocksdb_options_set_keep_log_file_num(st->opts, 2);
	/* RocksDB's own LOG sits on the store's disk: with that disk full,
	 * this RocksDB build asserts when it logs again after a failed
	 * append. dtfs reports store errors itself. */
	rocksdb_options_set_info_log_level(st->opts, 4); /* FATAL */
	st->cache = rocksdb_cache_create_lru(64 << 20);
	st->bbo = rocksdb_block_based_options_create();
	rocksdb_block_based_options_set_block_cache(st->bbo, st->cache);
	/* XXH3 block checksums (4 = kXXH3): Debian's RocksDB computes its
	 * crc32c without SSE4.2; every read verifies them */
	rocksdb_block_based_options_set_checksum(st->bbo, 4);
	rocksdb_block_based_options_set_filter_policy(
		st->bbo, rocksdb_filterpolicy_create_bloom_full(10));
	rocksdb_options_set_block_based_table_factory(st->opts, st->bbo);
	/* No fallocate'd WAL: on a nearly full disk a new WAL preallocating
	 * its memtable's size at once is what ran it out. The C API sets it
	 * only by string. */
	n = rocksdb_options_create();
	rocksdb_get_options_from_string(st->opts, "allow_fallocate=false", n,
					&e);
	if (e) {
		snprintf(err, errlen, "%s: rocksdb options: %s", st->path, e);
		free(e);
		rocksdb_options_destroy(n);
		return -EINVAL;
	}
	rocksdb_options_destroy(st->opts);
	st->opts = n;
	st->wo = rocksdb_writeoptions_create();
	st->ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_verify_checksums(st->ro, 1);
	return 0;
}

/*
 * Every key of the store readable? The mount reads all maps to rebuild the
 * allocator; a damaged table block found only then would leave a store
 * half recovered, so the read-only look before the mount reads them all.
 */
static int check_tables(struct dt_store *st, char *err, size_t errlen)
{
	rocksdb_iterator_t *it = rocksdb_create_iterator(st->db, st->ro);
	char *e = NULL;

	for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it))
		;
	rocksdb_iter_get_error(it, &e);
	rocksdb_iter_destroy(it);
	if (!e)
		return 0;
	snprintf(err, errlen, "%s: store damaged (%s); run dtfs-fsck %s",
		 st->path, e, st->path);
	free(e);
	return -EBADMSG;
}

static int open_db(struct dt_store *st, const char *dbpath, int fresh,
		   char *err, size_t errlen)
{
	char *e = NULL;
	int ret = 0;

	rocksdb_options_set_create_if_missing(st->opts, fresh);
	/* An existing store is looked at read-only first: a read-write open
	 * writes (a new MANIFEST, OPTIONS, a flushed WAL), and a store of
	 * another version or a damaged one must be left byte for byte. */
	if (!fresh && !st->readonly) {
		st->db = rocksdb_open_for_read_only(st->opts, dbpath, 0, &e);
		if (!e) {
			ret = check_format(st, err, errlen);
			if (!ret)
				ret = check_tables(st, err, errlen);
			rocksdb_close(st->db);
			st->db = NULL;
			if (ret)
				return ret;
		}
	}
	if (!e) {
		if (st->readonly)
			st->db = rocksdb_open_for_read_only(st->opts, dbpath, 0,
							    &e);
		else
			st->db = rocksdb_open(st->opts, dbpath, &e);
	}
	if (!e)
		return 0;
	if (strstr(e, "lock")) {
		ret = -EBUSY;
		snprintf(err, errlen, "%s: cannot lock store: %s", st->path, e);
	} else if (strstr(e, "Corruption") || strstr(e, "No such file")) {
		/* a damaged WAL, MANIFEST, CURRENT or table file */
		ret = -EBADMSG;
		snprintf(err, errlen,
			 "%s: store damaged (%s); run dtfs-fsck %s", st->path,
			 e, st->path);
	} else {
		ret = -EIO;
		snprintf(err, errlen, "%s: cannot open store database: %s",
			 st->path, e);
	}
	free(e);
	return ret;
}

static int open_lock(struct dt_store *st, const char *path, int readonly,
		     char *err, size_t errlen)
{
	char lockpath[4200];
	int ret;

	snprintf(lockpath, sizeof(lockpath), "%s/dtfs.lock", path);
	st->lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	/* fsck checks a store it cannot write (read-only media) too */
	if (st->lockfd < 0 && readonly && (errno == EROFS || errno == EACCES))
		st->lockfd = open(lockpath, O_RDONLY | O_CLOEXEC);
	if (st->lockfd < 0 && readonly && errno == ENOENT)
		st->lockfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->lockfd < 0) {
		ret = -errno;
		if (errno == EROFS || errno == EACCES)
			snprintf(err, errlen, "%s: store not writable (%s)",
				 path, strerror(errno));
		else
			snprintf(err, errlen, "%s: %s", lockpath,
				 strerror(errno));
		return ret;
	}
	return store_lock(st, path, err, errlen);
}

int dt_store_open(struct dt_store *st, const char *path,
		  const struct dt_store_opts *o, char *err, size_t errlen)
{
	char dbpath[4200];
	struct stat sb;
	const char *fault = getenv("DTFS_FAULT");
	pthread_rwlockattr_t ra;
	int fresh = 0, ret;

	memset(st, 0, sizeof(*st));
	st->lockfd = st->datafd = -1;
	st->readonly = o->readonly;
	st->path = strdup(path);

	/* writers first: a sync must not wait behind a stream of writes */
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(
		&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&st->epoch_lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&st->sync_lock, NULL);
	pthread_cond_init(&st->sync_cond, NULL);
	pthread_mutex_init(&st->thread_lock, NULL);
	pthread_cond_init(&st->thread_cond, NULL);
	pthread_mutex_init(&st->dsync_lock, NULL);
	pthread_cond_init(&st->dsync_cond, NULL);
	if (!st->path)
		return -ENOMEM;
	st->fault_skip_data_sync = fault && strstr(fault, "fsync-skip-data");

	if (stat(path, &sb) < 0) {
		if (errno != ENOENT || !o->create || o->readonly) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return ret;
		}
		if (mkdir(path, 0700) < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot create store %s: %s",
				 path, strerror(errno));
			return ret;
		}
		fresh = 1;
	} else if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: store must be a directory", path);
		return -ENOTDIR;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/db", path);
	if (!fresh && stat(dbpath, &sb) < 0) {
		ret = dir_is_empty(path);
		if (ret < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
			return ret;
		}
		if (!ret || !o->create || o->readonly) {
			snprintf(err, errlen,
				 "%s: not a dtfs store (non-empty directory "
				 "without db/)",
				 path);
			return -EUCLEAN;
		}
		fresh = 1;
	}
	/* Our own lock first, so a second daemon gets a clear message. */
	ret = open_lock(st, path, o->readonly, err, errlen);
	if (ret)
		return ret;
	if (!o->readonly)
		dt_store_set_state(st, NULL);

	/* The store holds other users' file data: whatever dtfs and RocksDB
	 * create is the daemon's alone (0700/0600). RocksDB creates files
	 * for as long as the store is open, so the umask stays. */
	if (!o->readonly) {
		umask(077);
		if (!fresh && chmod(dbpath, 0700) < 0 && errno != ENOENT) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", dbpath,
				 strerror(errno));
			return ret;
		}
	}
	st->space_reserve = dt_space_reserve(st->lockfd);
	st->space_floor = DT_FLOOR;
	/* the data file of an existing store first: a store without one is
	 * refused before RocksDB opens (and writes) anything */
	ret = fresh ? 0 : open_datafile(st, 0, err, errlen);
	if (!ret)
		ret = open_options(st, err, errlen);
	if (!ret)
		ret = open_db(st, dbpath, fresh, err, errlen);
	if (ret)
		return ret;
	if (fresh) {
		ret = put_fresh(st);
		if (ret) {
			snprintf(err, errlen, "%s: cannot initialise store: %s",
				 path, strerror(-ret));
			return ret;
		}
	}
	ret = check_format(st, err, errlen);
	if (!ret && fresh)
		ret = open_datafile(st, 1, err, errlen);
	if (ret)
		return ret;
	st->epoch = st->durable + 1;
	return 0;
}

/* After the mount's recovery: the store is in use from now on. */
int dt_store_start(struct dt_store *st)
{
	char *err = NULL;

	if (st->readonly)
		return 0;
	rocksdb_delete(st->db, st->wo, DT_SK_CLEAN, sizeof(DT_SK_CLEAN) - 1,
		       &err);
	if (err) {
		fprintf(stderr, "dtfs: store write failed: %s\n", err);
		free(err);
		return -EIO;
	}
	st->dirty = 1;
	/* free space left in the data file by a crash goes back to the host */
	dt_alloc_punch_free(&st->alloc, DT_PUNCH_MIN);
	if (pthread_create(&st->thread, NULL, store_thread, st) == 0)
		st->thread_started = 1;
	return dt_store_sync(st);
}

void dt_store_close(struct dt_store *st)
{
	if (st->thread_started) {
		set_and_wake(&st->thread_lock, &st->thread_cond,
			     &st->thread_stop);
		pthread_join(st->thread, NULL);
		st->thread_started = 0;
		/* A clean close: everything durable, every free block given
		 * back to the host, and a record that says so (dtfs-fsck then
		 * expects no unreferenced space in the data file). */
		if (!dt_store_sync(st)) {
			char *err = NULL;

			dt_alloc_durable(&st->alloc, st->durable, 1);
			dt_alloc_punch_free(&st->alloc, 1);
			punch_queued(st);
			rocksdb_put(st->db, st->wo, DT_SK_CLEAN,
				    sizeof(DT_SK_CLEAN) - 1, "", 0, &err);
			if (!err)
				rocksdb_flush_wal(st->db, 1, &err);
			free(err);
		}
	}
	dsync_stop(st);
	if (st->db)
		rocksdb_close(st->db);
	if (st->datafd >= 0)
		close(st->datafd);
	dt_alloc_destroy(&st->alloc);
	if (st->wo)
		rocksdb_writeoptions_destroy(st->wo);
	if (st->ro)
		rocksdb_readoptions_destroy(st->ro);
	if (st->opts)
		rocksdb_options_destroy(st->opts);
	if (st->bbo)
		rocksdb_block_based_options_destroy(st->bbo);
	if (st->cache)
		rocksdb_cache_destroy(st->cache);
	/* the lock goes last: another dtfs may start on the store now */
	if (st->lockfd >= 0)
		close(st->lockfd);
	pthread_rwlock_destroy(&st->epoch_lock);
	pthread_mutex_destroy(&st->sync_lock);
	pthread_cond_destroy(&st->sync_cond);
	pthread_mutex_destroy(&st->thread_lock);
	pthread_cond_destroy(&st->thread_cond);
	pthread_mutex_destroy(&st->dsync_lock);
	pthread_cond_destroy(&st->dsync_cond);
	free(st->path);
	st->path = NULL;
}
