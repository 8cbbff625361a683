// SPDX-License-Identifier: GPL-2.0
/*
 * The store: a directory holding a RocksDB database (db/) and a lock file.
 *
 * Every filesystem operation is one WriteBatch written through the WAL
 * (sync=false): once rocksdb_write returns, the batch is in the kernel's page
 * cache, so it survives the daemon being killed. fsync/syncfs sync the WAL.
 *
 * File data lives in 64 KiB chunk values (DT_CHUNK_SIZE). The choice,
 * measured with fio on these 2-vCPU machines: 1 MiB sequential writes cost
 * 16 puts per request, 4 KiB random writes a 64 KiB read-modify-write of a
 * value that is usually in the memtable or the page cache; smaller chunks
 * multiplied per-key costs on the sequential rows, larger ones the RMW cost
 * on the random rows. Values of 4 KiB and more go to blob files (RocksDB's
 * integrated BlobDB), so compaction moves keys, not file data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <dirent.h>
#include "internal.h"

static const char format_key[] = "Sformat";
static const char next_ino_key[] = "Snext_ino";

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

/*
 * Reads verify block checksums: a damaged table file must give EIO, not
 * someone's data with a hole of garbage in it. Debian's RocksDB computes
 * crc32c without SSE4.2, so tables use XXH3 checksums instead (set at
 * open). Measured, 4 KiB O_DIRECT random reads of a 1 GiB file (past the
 * block cache), medians of 3 runs twice: 30.5k IOPS unverified, 25k
 * verified with XXH3 (with crc32c, verified reads had run at 9.3k).
 */
rocksdb_readoptions_t *dt_store_readopts(void)
{
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();

	rocksdb_readoptions_set_verify_checksums(ro, 1);
	return ro;
}

/*
 * The disk under the store can fill. RocksDB must never meet ENOSPC
 * itself: a failed WAL append stops all its writes until it recovers,
 * and recovery needs the free space that only deletes (more WAL writes)
 * would give back. So dtfs answers ENOSPC first: a write that adds data
 * is refused while the store's filesystem has less than space_reserve
 * free (room for memtable flushes and compaction), one that frees data
 * (unlink, truncate, punch, removexattr) only below space_floor.
 *
 * The reserve is what a compaction may need on top of the data it
 * rewrites: on a small disk all the data sits in one level and one
 * compaction can copy all of it (measured on a 64 MiB tmpfs: a 23 MiB
 * output SST next to its inputs filled the disk with a 1/16 reserve). So:
 * half the filesystem, at least 8 MiB, at most 1 GiB (past a few GiB,
 * leveled compaction rewrites one level's slice at a time).
 */
#define DT_RESERVE_MIN (8ULL << 20)
#define DT_RESERVE_MAX (1ULL << 30)
#define DT_FLOOR (1ULL << 20)

int dt_store_avail(struct dt_fs *fs, uint64_t *avail)
{
	struct statvfs sv;

	if (fstatvfs(fs->lockfd, &sv) < 0)
		return -errno;
	*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	return 0;
}

uint64_t dt_space_reserve(int fd)
{
	struct statvfs sv;
	uint64_t r;

	if (fstatvfs(fd, &sv) < 0)
		return DT_RESERVE_MIN;
	r = (uint64_t)sv.f_blocks * sv.f_frsize / 2;
	if (r < DT_RESERVE_MIN)
		r = DT_RESERVE_MIN;
	if (r > DT_RESERVE_MAX)
		r = DT_RESERVE_MAX;
	return r;
}

static void space_init(struct dt_fs *fs)
{
	fs->space_reserve = dt_space_reserve(fs->lockfd);
	fs->space_floor = DT_FLOOR;
}

/* Ask the reclaimer for a flush and a compaction: deleted data leaves the
 * disk only when its WAL is retired and its SST entries compacted away. */
static void want_reclaim(struct dt_fs *fs)
{
	if (!fs->reclaimer_started)
		return;
	pthread_mutex_lock(&fs->reclaim_lock);
	fs->reclaim_wanted = 1;
	pthread_cond_signal(&fs->reclaim_cond);
	pthread_mutex_unlock(&fs->reclaim_lock);
}

static uint64_t sst_size(struct dt_fs *fs)
{
	uint64_t v = UINT64_MAX;

	if (rocksdb_property_int(fs->db, "rocksdb.total-sst-files-size", &v))
		v = UINT64_MAX;
	return v;
}

static uint64_t avail_now(struct dt_fs *fs)
{
	uint64_t a = 0;

	dt_store_avail(fs, &a);
	return a;
}

static void *reclaimer(void *arg)
{
	struct dt_fs *fs = arg;
	rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();

	rocksdb_flushoptions_set_wait(fo, 1);
	pthread_mutex_lock(&fs->reclaim_lock);
	for (;;) {
		char *e = NULL;

		while (!fs->reclaim_wanted && !fs->reclaim_stop)
			pthread_cond_wait(&fs->reclaim_cond, &fs->reclaim_lock);
		if (fs->reclaim_stop)
			break;
		fs->reclaim_wanted = 0;
		pthread_mutex_unlock(&fs->reclaim_lock);
		rocksdb_flush(fs->db, fo, &e);
		if (e) {
			fprintf(stderr, "dtfs: reclaim: flush: %s\n", e);
			free(e);
		}
		/* a full compaction drops deleted data from the SSTs, but
		 * needs room for all the live data it rewrites */
		if (sst_size(fs) + fs->space_floor < avail_now(fs))
			rocksdb_compact_range(fs->db, NULL, 0, NULL, 0);
		/* at most one round a second */
		sleep(1);
		pthread_mutex_lock(&fs->reclaim_lock);
	}
	pthread_mutex_unlock(&fs->reclaim_lock);
	rocksdb_flushoptions_destroy(fo);
	return NULL;
}

/* Background work that gives space back when it ends. */
static int busy(struct dt_fs *fs)
{
	static const char *const props[] = {"rocksdb.num-running-flushes",
					    "rocksdb.num-running-compactions",
					    "rocksdb.mem-table-flush-pending"};
	uint64_t v;

	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (!rocksdb_property_int(fs->db, props[i], &v) && v)
			return 1;
	return 0;
}

static int store_write(struct dt_fs *fs, rocksdb_writebatch_t *wb, int frees)
{
	uint64_t avail = 0, limit;
	size_t len;
	char *err = NULL;

	if (!fs->readonly && fs->space_reserve && !dt_store_avail(fs, &avail)) {
		rocksdb_writebatch_data(wb, &len);
		limit = frees ? fs->space_floor : fs->space_reserve;
		/* a flush or compaction holds data twice until it ends */
		for (int i = 0; avail < limit + len && i < 200 && busy(fs);
		     i++) {
			usleep(10000);
			dt_store_avail(fs, &avail);
		}
		if (avail < limit + len)
			return -ENOSPC;
		if (frees && avail < 2 * fs->space_reserve)
			want_reclaim(fs);
	}
	rocksdb_write(fs->db, fs->wo, wb, &err);
	if (err) {
		int e = strstr(err, "No space") ? -ENOSPC : -EIO;

		fprintf(stderr, "dtfs: store write failed: %s\n", err);
		free(err);
		return e;
	}
	return 0;
}

/* A write that adds data or names. */
int dt_store_write(struct dt_fs *fs, rocksdb_writebatch_t *wb)
{
	return store_write(fs, wb, 0);
}

/* A write that removes data or changes only metadata: still allowed on a
 * nearly full disk, so space can be given back. */
int dt_store_write_freeing(struct dt_fs *fs, rocksdb_writebatch_t *wb)
{
	return store_write(fs, wb, 1);
}

int dt_store_get_irec(struct dt_fs *fs, uint64_t ino, struct dt_irec *rec)
{
	char k[DT_KEY_MAX], *err = NULL;
	size_t kl = dt_key(k, DT_K_INODE, ino), vl;
	char *v = rocksdb_get(fs->db, fs->ro, k, kl, &vl, &err);

	if (err) {
		free(err);
		return -EIO;
	}
	if (!v)
		return -ENOENT;
	if (vl != sizeof(*rec)) {
		free(v);
		return -EUCLEAN;
	}
	memcpy(rec, v, sizeof(*rec));
	free(v);
	return 0;
}

static int put_root(struct dt_fs *fs)
{
	rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
	struct dt_irec r = {0};
	struct timespec now;
	char k[DT_KEY_MAX], fmt[32], ni[8];
	uint64_t next = DT_ROOT_INO + 1;
	int ret;

	clock_gettime(CLOCK_REALTIME, &now);
	r.mode = S_IFDIR | 0755;
	r.nlink = 2;
	r.uid = getuid();
	r.gid = getgid();
	r.parent = DT_ROOT_INO;
	r.atime_sec = r.mtime_sec = r.ctime_sec = now.tv_sec;
	r.atime_nsec = r.mtime_nsec = r.ctime_nsec = (uint32_t)now.tv_nsec;
	rocksdb_writebatch_put(wb, k, dt_key(k, DT_K_INODE, DT_ROOT_INO),
			       (const char *)&r, sizeof(r));
	memcpy(ni, &next, 8);
	rocksdb_writebatch_put(wb, next_ino_key, sizeof(next_ino_key) - 1, ni,
			       8);
	snprintf(fmt, sizeof(fmt), "dtfs-store %d", DT_FORMAT_VERSION);
	rocksdb_writebatch_put(wb, format_key, sizeof(format_key) - 1, fmt,
			       strlen(fmt));
	ret = dt_store_write(fs, wb);
	rocksdb_writebatch_destroy(wb);
	if (!ret) {
		char *err = NULL;

		rocksdb_flush_wal(fs->db, 1, &err);
		if (err) {
			free(err);
			ret = -EIO;
		}
	}
	return ret;
}

static int check_format(struct dt_fs *fs, char *err, size_t errlen)
{
	char *e = NULL, *v;
	size_t vl;
	int ver;
	char buf[64];

	v = rocksdb_get(fs->db, fs->ro, format_key, sizeof(format_key) - 1, &vl,
			&e);
	if (e) {
		snprintf(err, errlen, "cannot read store format record: %s", e);
		free(e);
		return -EIO;
	}
	if (!v) {
		snprintf(err, errlen,
			 "%s: not a dtfs store (no format record); run "
			 "dtfs-fsck",
			 fs->path);
		return -EUCLEAN;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)(vl < 63 ? vl : 63), v);
	free(v);
	if (sscanf(buf, "dtfs-store %d", &ver) != 1) {
		snprintf(err, errlen, "%s: damaged format record '%s'",
			 fs->path, buf);
		return -EUCLEAN;
	}
	if (ver != DT_FORMAT_VERSION) {
		snprintf(err, errlen,
			 "%s: store format version %d, this dtfs reads version "
			 "%d",
			 fs->path, ver, DT_FORMAT_VERSION);
		return -EPROTO;
	}
	v = rocksdb_get(fs->db, fs->ro, next_ino_key, sizeof(next_ino_key) - 1,
			&vl, &e);
	if (e || !v || vl != 8) {
		free(e);
		free(v);
		snprintf(err, errlen, "%s: damaged store (next inode record)",
			 fs->path);
		return -EUCLEAN;
	}
	memcpy(&fs->next_ino, v, 8);
	free(v);
	return 0;
}

/*
 * The lock file dtfs.lock: flock()ed by the process that has the store
 * open, and holding its pid and state for the others' messages:
 *
 *   PID\n                       opening (or an older dtfs)
 *   PID\nmounted MAJ:MIN MNT\n  serving the mount with that device number
 *   PID\nclosing\n               the mount is gone, the store is being closed
 */
void dt_fs_set_state(struct dt_fs *fs, const char *state)
{
	char buf[4200];
	int n;

	if (fs->readonly || fs->lockfd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d\n%s%s", (int)getpid(),
		     state ? state : "", state ? "\n" : "");
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	/* a hint for other processes' messages: a failure costs nothing */
	if (pwrite(fs->lockfd, buf, (size_t)n, 0) == n &&
	    ftruncate(fs->lockfd, n) == 0)
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
 */
#define DT_LOCK_WAIT_MS 10000

static int store_lock(struct dt_fs *fs, const char *path, char *err,
		      size_t errlen)
{
	char buf[4200], pid[32] = "?", dev[64] = "", mnt[4100] = "";
	int closing = 0, said = 0;
	ssize_t n;

	for (int waited = 0;; waited += 10) {
		if (flock(fs->lockfd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		n = pread(fs->lockfd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = 0;
		closing = 0;
		dev[0] = mnt[0] = 0;
		if (sscanf(buf, "%31[0-9]", pid) != 1)
			snprintf(pid, sizeof(pid), "?");
		{
			const char *st = strchr(buf, '\n');

			st = st ? st + 1 : "";
			if (!strncmp(st, "closing", 7))
				closing = 1;
			else if (sscanf(st, "mounted %63s %4095[^\n]", dev,
					mnt) >= 1 &&
				 !mount_alive(dev))
				closing = 1;
		}
		if (!closing || waited >= DT_LOCK_WAIT_MS)
			break;
		if (!said) {
			fprintf(stderr,
				"dtfs: %s: waiting up to %d s for dtfs (pid "
				"%s) to close the store (its mount is gone)\n",
				path, DT_LOCK_WAIT_MS / 1000, pid);
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
	close(fs->lockfd);
	fs->lockfd = -1;
	return -EBUSY;
}

int dt_store_open(struct dt_fs *fs, const char *path,
		  const struct dt_fs_opts *o, char *err, size_t errlen)
{
	char dbpath[4096], lockpath[4096];
	struct stat st;
	int fresh = 0, ret;
	char *e = NULL;

	if (stat(path, &st) < 0) {
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
	} else if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: store must be a directory", path);
		return -ENOTDIR;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/db", path);
	snprintf(lockpath, sizeof(lockpath), "%s/dtfs.lock", path);
	if (!fresh && stat(dbpath, &st) < 0) {
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
	fs->lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	/* fsck checks a store it cannot write (read-only media) too */
	if (fs->lockfd < 0 && o->readonly &&
	    (errno == EROFS || errno == EACCES))
		fs->lockfd = open(lockpath, O_RDONLY | O_CLOEXEC);
	if (fs->lockfd < 0 && o->readonly && errno == ENOENT)
		fs->lockfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->lockfd < 0) {
		ret = -errno;
		if (errno == EROFS || errno == EACCES)
			snprintf(err, errlen, "%s: store not writable (%s)",
				 path, strerror(errno));
		else
			snprintf(err, errlen, "%s: %s", lockpath,
				 strerror(errno));
		return ret;
	}
	ret = store_lock(fs, path, err, errlen);
	if (ret)
		return ret;
	if (!o->readonly)
		dt_fs_set_state(fs, NULL);

	/* The store holds other users' file data: whatever RocksDB creates
	 * (db/, WAL, SST, MANIFEST) is the daemon's alone (0700/0600).
	 * RocksDB creates files for as long as the store is open, so the
	 * umask stays; dtfs creates no other files on the host. db/ of a
	 * store made before this rule is closed off too. */
	if (!o->readonly) {
		umask(077);
		if (!fresh && chmod(dbpath, 0700) < 0 && errno != ENOENT) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", dbpath,
				 strerror(errno));
			return ret;
		}
	}
	fs->opts = rocksdb_options_create();
	rocksdb_options_set_create_if_missing(fs->opts, fresh);
	rocksdb_options_set_compression(fs->opts, 0); /* kNoCompression */
	/* Only an incomplete last WAL record is a crash's normal trace;
	 * damage inside the WAL refuses the open instead of silently
	 * dropping every later (acknowledged) operation, as RocksDB's
	 * default point-in-time recovery would. */
	rocksdb_options_set_wal_recovery_mode(fs->opts, 0);
	/* Larger and more memtables: fewer flushes and L0 stalls under
	 * sustained writes (measured: +15% sequential, +20% random writes). */
	/* On a small filesystem, memtables (and so unflushed WAL) must stay
	 * well inside the space reserve. */
	space_init(fs);
	rocksdb_options_set_write_buffer_size(
		fs->opts, fs->space_reserve / 2 < (128 << 20)
				  ? (size_t)fs->space_reserve / 2
				  : (size_t)128 << 20);
	rocksdb_options_set_max_write_buffer_number(fs->opts, 3);
	rocksdb_options_increase_parallelism(fs->opts, 2);
	rocksdb_options_set_keep_log_file_num(fs->opts, 2);
	/* RocksDB's own LOG sits on the store's disk: with that disk full,
	 * this RocksDB build asserts when it logs again after a failed
	 * append. dtfs reports store errors itself; RocksDB logs only
	 * fatal ones. */
	rocksdb_options_set_info_log_level(fs->opts, 4); /* FATAL */
	if (o->blob) {
		rocksdb_options_set_enable_blob_files(fs->opts, 1);
		rocksdb_options_set_min_blob_size(fs->opts, 4096);
		rocksdb_options_set_blob_file_size(fs->opts, 256 << 20);
		rocksdb_options_set_enable_blob_gc(fs->opts, 1);
	}
	/* A block cache and bloom filters: point lookups of chunks and
	 * dirents are the hot path. */
	fs->cache = rocksdb_cache_create_lru(256 << 20);
	fs->bbo = rocksdb_block_based_options_create();
	rocksdb_block_based_options_set_block_cache(fs->bbo, fs->cache);
	/* XXH3 block checksums (4 = kXXH3): cheap enough to verify on
	 * every read from a table file (see dt_store_readopts) */
	rocksdb_block_based_options_set_checksum(fs->bbo, 4);
	rocksdb_block_based_options_set_filter_policy(
		fs->bbo, rocksdb_filterpolicy_create_bloom_full(10));
	rocksdb_options_set_block_based_table_factory(fs->opts, fs->bbo);
	/* No fallocate'd WAL and SST space: on a nearly full disk, a new WAL
	 * preallocating 1.1 memtables at once is what ran it out (on the
	 * tmpfs of t_fulldisk: 17 MiB). The C API sets it only by string. */
	{
		rocksdb_options_t *n = rocksdb_options_create();

		rocksdb_get_options_from_string(fs->opts,
						"allow_fallocate=false", n, &e);
		if (e) {
			snprintf(err, errlen, "%s: rocksdb options: %s", path,
				 e);
			free(e);
			rocksdb_options_destroy(n);
			return -EINVAL;
		}
		rocksdb_options_destroy(fs->opts);
		fs->opts = n;
	}
	fs->wo = rocksdb_writeoptions_create();
	fs->ro = dt_store_readopts();
	/* An existing store is looked at read-only first: a read-write open
	 * writes (a new MANIFEST, OPTIONS, a flushed WAL), and a store of
	 * another version or a damaged one must be left byte for byte. */
	if (!fresh && !o->readonly) {
		fs->db = rocksdb_open_for_read_only(fs->opts, dbpath, 0, &e);
		if (!e) {
			ret = check_format(fs, err, errlen);
			rocksdb_close(fs->db);
			fs->db = NULL;
			if (ret)
				return ret;
		}
	}
	if (e)
		; /* reported below */
	else if (o->readonly)
		fs->db = rocksdb_open_for_read_only(fs->opts, dbpath, 0, &e);
	else
		fs->db = rocksdb_open(fs->opts, dbpath, &e);
	if (e) {
		if (strstr(e, "lock")) {
			ret = -EBUSY;
			snprintf(err, errlen, "%s: cannot lock store: %s", path,
				 e);
		} else if (strstr(e, "Corruption") ||
			   strstr(e, "No such file")) {
			/* a damaged WAL, MANIFEST, CURRENT or table file */
			ret = -EBADMSG;
			snprintf(err, errlen,
				 "%s: store damaged (%s); run dtfs-fsck %s",
				 path, e, path);
		} else {
			ret = -EIO;
			snprintf(err, errlen,
				 "%s: cannot open store database: %s", path, e);
		}
		free(e);
		return ret;
	}
	if (fresh) {
		ret = put_root(fs);
		if (ret) {
			snprintf(err, errlen, "%s: cannot initialise store: %s",
				 path, strerror(-ret));
			return ret;
		}
	}
	ret = check_format(fs, err, errlen);
	if (ret || o->readonly)
		return ret;
	pthread_mutex_init(&fs->reclaim_lock, NULL);
	pthread_cond_init(&fs->reclaim_cond, NULL);
	if (pthread_create(&fs->reclaimer, NULL, reclaimer, fs) == 0)
		fs->reclaimer_started = 1;
	return 0;
}

void dt_store_close(struct dt_fs *fs)
{
	if (fs->reclaimer_started) {
		pthread_mutex_lock(&fs->reclaim_lock);
		fs->reclaim_stop = 1;
		pthread_cond_signal(&fs->reclaim_cond);
		pthread_mutex_unlock(&fs->reclaim_lock);
		pthread_join(fs->reclaimer, NULL);
		fs->reclaimer_started = 0;
	}
	if (fs->db) {
		char *e = NULL;

		rocksdb_flush_wal(fs->db, 1, &e);
		free(e);
		rocksdb_close(fs->db);
	}
	if (fs->wo)
		rocksdb_writeoptions_destroy(fs->wo);
	if (fs->ro)
		rocksdb_readoptions_destroy(fs->ro);
	if (fs->opts)
		rocksdb_options_destroy(fs->opts);
	if (fs->bbo)
		rocksdb_block_based_options_destroy(fs->bbo);
	if (fs->cache)
		rocksdb_cache_destroy(fs->cache);
	if (fs->lockfd >= 0)
		close(fs->lockfd);
}
