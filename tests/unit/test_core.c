// SPDX-License-Identifier: GPL-2.0
/*
 * Check unit tests of core/: the filesystem over its store, no mount.
 *
 * Every test gets a fresh store in a mkdtemp directory (removed afterwards)
 * and asserts exact outcomes of the API in include/dtfs/core.h. The crash
 * test runs this binary again (--crash-child) to leave a store behind as a
 * killed daemon would: no dt_release, no dt_fs_close.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <rocksdb/c.h>
#include "dtfs/core.h"

/* one block map: 16 data blocks */
#define CH ((off_t)(16 * DT_DATA_BLOCK))
#define BLK ((off_t)DT_DATA_BLOCK)
#define MIB ((off_t)1 << 20)

static char tmpl[64];
static char store[96];
static struct dt_fs *fs;

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
	(void)s;
	(void)f;
	(void)w;
	return remove(p);
}

static struct dt_fs *open_opts(const struct dt_fs_opts *o)
{
	struct dt_fs *f = NULL;
	char err[512] = "";
	int ret = dt_fs_open(store, o, &f, err, sizeof(err));

	ck_assert_msg(ret == 0, "open %s: %d %s", store, ret, err);
	ck_assert_ptr_nonnull(f);
	return f;
}

static struct dt_fs *open_store(int create)
{
	struct dt_fs_opts o = {.create = create};

	return open_opts(&o);
}

/* The directory is made and removed in Check's parent process (unchecked
 * fixture), so a failed or timed-out test leaves nothing behind; the store
 * is opened and closed in the test's own process. */
static void mk_tmpdir(void)
{
	strcpy(tmpl, "/tmp/dtfs-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(store, sizeof(store), "%s/store", tmpl);
}

static void rm_tmpdir(void)
{
	nftw(tmpl, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	fs = open_store(1);
}

static void teardown(void)
{
	if (fs)
		dt_fs_close(fs);
	fs = NULL;
}

static void reopen(void)
{
	dt_fs_close(fs);
	fs = open_store(0);
}

static void fsck_clean(void)
{
	ck_assert_int_eq(dt_fsck(fs, stderr, 0), 0);
}

static uint64_t mkfile(uint64_t dir, const char *name)
{
	struct stat st;

	ck_assert_int_eq(
		dt_mknod(fs, dir, name, S_IFREG | 0644, 0, 1000, 1000, &st), 0);
	return st.st_ino;
}

static uint64_t mkd(uint64_t dir, const char *name)
{
	struct stat st;

	ck_assert_int_eq(dt_mkdir(fs, dir, name, 0755, 0, 0, &st), 0);
	return st.st_ino;
}

static uint64_t ino_of(uint64_t dir, const char *name)
{
	struct stat st;

	ck_assert_int_eq(dt_lookup(fs, dir, name, &st), 0);
	return st.st_ino;
}

static nlink_t nlink_of(uint64_t ino)
{
	struct stat st;

	ck_assert_int_eq(dt_getattr(fs, ino, &st), 0);
	return st.st_nlink;
}

static off_t size_of(uint64_t ino)
{
	struct stat st;

	ck_assert_int_eq(dt_getattr(fs, ino, &st), 0);
	return st.st_size;
}

static blkcnt_t blocks_of(uint64_t ino)
{
	struct stat st;

	ck_assert_int_eq(dt_getattr(fs, ino, &st), 0);
	return st.st_blocks;
}

static void fill(char *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (char)((i * 131 + seed * 7 + (i >> 9)) | 1);
}

static int all_zero(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static int ts_after(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec ||
	       (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static int ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static void tick(void)
{
	struct timespec ts = {0, 2000000};

	nanosleep(&ts, NULL);
}

static void assert_same_stat(const struct stat *a, const struct stat *b)
{
	ck_assert_uint_eq(a->st_ino, b->st_ino);
	ck_assert_uint_eq(a->st_mode, b->st_mode);
	ck_assert_uint_eq(a->st_nlink, b->st_nlink);
	ck_assert_uint_eq(a->st_uid, b->st_uid);
	ck_assert_uint_eq(a->st_gid, b->st_gid);
	ck_assert_int_eq(a->st_size, b->st_size);
	ck_assert_int_eq(a->st_blocks, b->st_blocks);
	ck_assert_uint_eq(a->st_rdev, b->st_rdev);
	ck_assert(ts_eq(a->st_mtim, b->st_mtim));
	ck_assert(ts_eq(a->st_ctim, b->st_ctim));
	ck_assert(ts_eq(a->st_atim, b->st_atim));
}

/* Type of @name in the snapshot of @dir (0 if absent), its ino in @ino. */
static mode_t dir_type(uint64_t dir, const char *want, uint64_t *ino)
{
	struct dt_dir *d;
	const char *name;
	struct stat st;
	mode_t t = 0;

	ck_assert_int_eq(dt_opendir(fs, dir, &d), 0);
	for (size_t i = 0; !dt_dir_entry(d, i, &name, &st); i++) {
		if (!strcmp(name, want)) {
			t = st.st_mode & S_IFMT;
			if (ino)
				*ino = st.st_ino;
		}
	}
	dt_closedir(d);
	return t;
}

static size_t dir_count(uint64_t dir)
{
	struct dt_dir *d;
	const char *name;
	struct stat st;
	size_t n = 0;

	ck_assert_int_eq(dt_opendir(fs, dir, &d), 0);
	while (!dt_dir_entry(d, n, &name, &st))
		n++;
	dt_closedir(d);
	return n;
}

/* ---- store ---- */

START_TEST(test_store_reopen)
{
	static char big[3 * CH + 123], out[3 * CH + 123];
	struct stat before[8], after[8], st;
	uint64_t ino[8];
	char buf[100];
	int n = 0;
	uint64_t d = mkd(DT_ROOT_INO, "d"), f = mkfile(d, "f");

	ck_assert_int_eq(dt_mkdir(fs, d, "sub", 0700, 7, 8, &st), 0);
	ino[n++] = st.st_ino;
	fill(big, sizeof(big), 1);
	ck_assert_int_eq(dt_write(fs, f, big, sizeof(big), CH - 17),
			 (ssize_t)sizeof(big));
	ck_assert_int_eq(dt_setxattr(fs, f, "user.k", "v", 1, 0), 0);
	ck_assert_int_eq(dt_symlink(fs, d, "l", "target/x", 3, 4, &st), 0);
	ino[n++] = st.st_ino;
	ck_assert_int_eq(dt_mknod(fs, d, "chr", S_IFCHR | 0620, makedev(4, 5),
				  11, 12, &st),
			 0);
	ino[n++] = st.st_ino;
	ck_assert_int_eq(dt_mknod(fs, d, "fifo", S_IFIFO | 0640, 0, 0, 0, &st),
			 0);
	ino[n++] = st.st_ino;
	ck_assert_int_eq(dt_link(fs, f, DT_ROOT_INO, "hard", &st), 0);
	ino[n++] = f;
	ino[n++] = d;
	ino[n++] = DT_ROOT_INO;
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(dt_getattr(fs, ino[i], &before[i]), 0);

	reopen();
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(dt_getattr(fs, ino[i], &after[i]), 0);
		assert_same_stat(&before[i], &after[i]);
	}
	ck_assert_uint_eq(ino_of(DT_ROOT_INO, "d"), d);
	ck_assert_uint_eq(ino_of(d, "f"), f);
	ck_assert_uint_eq(ino_of(DT_ROOT_INO, "hard"), f);
	ck_assert_uint_eq(nlink_of(f), 2);
	ck_assert_uint_eq(nlink_of(d), 3);
	ck_assert_int_eq(size_of(f), CH - 17 + (off_t)sizeof(big));
	ck_assert_int_eq(dt_read(fs, f, out, sizeof(out), CH - 17),
			 (ssize_t)sizeof(out));
	ck_assert_mem_eq(out, big, sizeof(big));
	ck_assert_int_eq(dt_read(fs, f, out, CH - 17, 0), CH - 17);
	ck_assert(all_zero(out, CH - 17));
	ck_assert_int_eq(dt_getxattr(fs, f, "user.k", buf, sizeof(buf)), 1);
	ck_assert_mem_eq(buf, "v", 1);
	ck_assert_int_eq(dt_readlink(fs, ino_of(d, "l"), buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "target/x");
	ck_assert_uint_eq(dir_type(d, "chr", NULL), S_IFCHR);
	ck_assert_uint_eq(dir_type(d, "fifo", NULL), S_IFIFO);
	ck_assert_uint_eq(dir_type(d, "sub", NULL), S_IFDIR);
	ck_assert_uint_eq(dir_type(d, "l", NULL), S_IFLNK);
	ck_assert_uint_eq(dir_count(d), 2 + 5);
	fsck_clean();
	/* new inode numbers do not reuse old ones after a reopen */
	ck_assert_uint_gt(mkfile(DT_ROOT_INO, "new"), ino[3]);
	ck_assert_uint_gt(ino_of(DT_ROOT_INO, "new"), f);
	fsck_clean();
}
END_TEST

/* Holes, SEEK_DATA/SEEK_HOLE and st_blocks are exact to the 4 KiB block;
 * fallocated blocks count and writing into them does not count again. */
START_TEST(test_store_blocks)
{
	static char a[3 * BLK], b[3 * BLK];
	uint64_t f = mkfile(DT_ROOT_INO, "f");

	fill(a, sizeof(a), 5);
	ck_assert_int_eq(dt_write(fs, f, "x", 1, 2 * BLK), 1);
	ck_assert_int_eq(blocks_of(f), BLK / 512);
	ck_assert_int_eq(dt_lseek(fs, f, 0, SEEK_DATA), 2 * BLK);
	ck_assert_int_eq(dt_lseek(fs, f, 0, SEEK_HOLE), 0);
	ck_assert_int_eq(dt_write(fs, f, a, BLK, 4 * BLK), BLK);
	ck_assert_int_eq(dt_lseek(fs, f, 2 * BLK + 1, SEEK_HOLE), 3 * BLK);
	ck_assert_int_eq(dt_lseek(fs, f, 3 * BLK, SEEK_DATA), 4 * BLK);
	ck_assert_int_eq(blocks_of(f), 2 * BLK / 512);
	/* a hole between two data blocks of one map reads as zeros */
	ck_assert_int_eq(dt_read(fs, f, b, 3 * BLK, 2 * BLK), 3 * BLK);
	ck_assert_int_eq(b[0], 'x');
	ck_assert(all_zero(b + 1, 2 * BLK - 1));
	ck_assert_mem_eq(b + 2 * BLK, a, BLK);
	/* punch one block out of the middle of data */
	ck_assert_int_eq(dt_write(fs, f, a, 3 * BLK, 8 * BLK), 3 * BLK);
	ck_assert_int_eq(
		dt_fallocate(fs, f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     9 * BLK, BLK),
		0);
	ck_assert_int_eq(dt_lseek(fs, f, 8 * BLK, SEEK_HOLE), 9 * BLK);
	ck_assert_int_eq(dt_lseek(fs, f, 9 * BLK, SEEK_DATA), 10 * BLK);
	ck_assert_int_eq(blocks_of(f), 4 * BLK / 512);
	/* fallocate: 16 new blocks count; writing into them does not */
	uint64_t g = mkfile(DT_ROOT_INO, "g");
	ck_assert_int_eq(dt_fallocate(fs, g, 0, 0, CH), 0);
	ck_assert_int_eq(blocks_of(g), CH / 512);
	ck_assert_int_eq(dt_lseek(fs, g, 0, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(dt_write(fs, g, a, sizeof(a), 100), sizeof(a));
	ck_assert_int_eq(blocks_of(g), CH / 512);
	ck_assert_int_eq(dt_read(fs, g, b, sizeof(b), 100), sizeof(b));
	ck_assert_mem_eq(a, b, sizeof(a));
	ck_assert_int_eq(dt_read(fs, g, b, 100, 0), 100);
	ck_assert(all_zero(b, 100));
	/* ... and survive a reopen */
	reopen();
	ck_assert_int_eq(blocks_of(g), CH / 512);
	ck_assert_int_eq(dt_read(fs, g, b, sizeof(b), 100), sizeof(b));
	ck_assert_mem_eq(a, b, sizeof(a));
	/* truncate drops blocks fallocated past the end too */
	ck_assert_int_eq(dt_fallocate(fs, g, FALLOC_FL_KEEP_SIZE, 2 * CH, CH),
			 0);
	ck_assert_int_eq(blocks_of(g), 2 * CH / 512);
	struct stat in = {.st_size = 10}, st;
	ck_assert_int_eq(dt_setattr(fs, g, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(blocks_of(g), BLK / 512);
	fsck_clean();
}
END_TEST

START_TEST(test_store_refusals)
{
	struct dt_fs_opts o = {.create = 1}, no = {0};
	struct dt_fs *f2 = NULL;
	char err[512], path[160];
	int fd;

	/* held by another open in this process, twice; the holder is fine */
	ck_assert_int_eq(dt_fs_open(store, &o, &f2, err, sizeof(err)), -EBUSY);
	ck_assert(strlen(err) > 0);
	ck_assert_int_eq(dt_fs_open(store, &no, &f2, err, sizeof(err)), -EBUSY);
	ck_assert_ptr_null(f2);
	mkfile(DT_ROOT_INO, "still-works");
	/* once closed it opens again */
	reopen();
	ck_assert_uint_gt(ino_of(DT_ROOT_INO, "still-works"), DT_ROOT_INO);
	/* a regular file */
	snprintf(path, sizeof(path), "%s/file", tmpl);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(dt_fs_open(path, &o, &f2, err, sizeof(err)), -ENOTDIR);
	ck_assert_int_eq(dt_fs_open(path, &no, &f2, err, sizeof(err)),
			 -ENOTDIR);
	/* a non-empty directory that is not a store, with or without create */
	snprintf(path, sizeof(path), "%s", tmpl);
	ck_assert_int_eq(dt_fs_open(path, &o, &f2, err, sizeof(err)), -EUCLEAN);
	ck_assert_int_eq(dt_fs_open(path, &no, &f2, err, sizeof(err)),
			 -EUCLEAN);
	/* missing without create; with create it is made */
	snprintf(path, sizeof(path), "%s/nothere", tmpl);
	ck_assert_int_eq(dt_fs_open(path, &no, &f2, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(dt_fs_open(path, &o, &f2, err, sizeof(err)), 0);
	ck_assert_int_eq(dt_getattr(f2, DT_ROOT_INO, &(struct stat){0}), 0);
	dt_fs_close(f2);
	/* an empty directory with create becomes a store */
	snprintf(path, sizeof(path), "%s/empty", tmpl);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(dt_fs_open(path, &o, &f2, err, sizeof(err)), 0);
	dt_fs_close(f2);
	ck_assert_int_eq(dt_fs_open(path, &no, &f2, err, sizeof(err)), 0);
	dt_fs_close(f2);
}
END_TEST

static void put_raw(const char *key, size_t kl, const char *val)
{
	char dbpath[160], *e = NULL;
	rocksdb_options_t *o = rocksdb_options_create();
	rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
	rocksdb_t *db;

	snprintf(dbpath, sizeof(dbpath), "%s/db", store);
	db = rocksdb_open(o, dbpath, &e);
	ck_assert_msg(!e, "rocksdb_open: %s", e);
	if (val)
		rocksdb_put(db, wo, key, kl, val, strlen(val), &e);
	else
		rocksdb_delete(db, wo, key, kl, &e);
	ck_assert_ptr_null(e);
	rocksdb_close(db);
	rocksdb_writeoptions_destroy(wo);
	rocksdb_options_destroy(o);
}

/* The format record is "S" "format" -> "dtfs-store <version>"
 * (core/store/records.h). */
START_TEST(test_store_version)
{
	struct dt_fs_opts fo = {0};
	struct dt_fs *f2 = NULL;
	char err[512], good[32];

	mkfile(DT_ROOT_INO, "f");
	dt_fs_close(fs);
	fs = NULL;
	put_raw("Sformat", 7, "dtfs-store 99");
	ck_assert_int_eq(dt_fs_open(store, &fo, &f2, err, sizeof(err)),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "99"));
	ck_assert_int_eq(dt_fs_open(store, &fo, &f2, err, sizeof(err)),
			 -EPROTO); /* the failed open released its locks */
	/* a version-1 store (file data in RocksDB): named, with what to do */
	put_raw("Sformat", 7, "dtfs-store 1");
	ck_assert_int_eq(dt_fs_open(store, &fo, &f2, err, sizeof(err)),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "version 1"));
	ck_assert_ptr_nonnull(strstr(err, "copy the files to a new store"));
	put_raw("Sformat", 7, "garbage");
	ck_assert_int_eq(dt_fs_open(store, &fo, &f2, err, sizeof(err)),
			 -EUCLEAN);
	put_raw("Sformat", 7, NULL);
	ck_assert_int_eq(dt_fs_open(store, &fo, &f2, err, sizeof(err)),
			 -EUCLEAN);
	snprintf(good, sizeof(good), "dtfs-store %d", DT_FORMAT_VERSION);
	put_raw("Sformat", 7, good);
	fs = open_store(0);
	ck_assert_uint_gt(ino_of(DT_ROOT_INO, "f"), DT_ROOT_INO);
	fsck_clean();
}
END_TEST

/* ---- inodes ---- */

START_TEST(test_nodes)
{
	struct stat st;
	char buf[64], target[DT_SYMLINK_MAX + 2];
	uint64_t d = mkd(DT_ROOT_INO, "d");

	ck_assert_int_eq(dt_mknod(fs, d, "reg", S_IFREG | 0640, 0, 21, 22, &st),
			 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0640);
	ck_assert_uint_eq(st.st_nlink, 1);
	ck_assert_uint_eq(st.st_uid, 21);
	ck_assert_uint_eq(st.st_gid, 22);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(st.st_blocks, 0);
	ck_assert_uint_gt(st.st_ino, d);
	ck_assert_int_eq(dt_mknod(fs, d, "fifo", S_IFIFO | 0600, 0, 0, 0, &st),
			 0);
	ck_assert_uint_eq(st.st_mode, S_IFIFO | 0600);
	ck_assert_int_eq(dt_mknod(fs, d, "sock", S_IFSOCK | 0600, 0, 0, 0, &st),
			 0);
	ck_assert_uint_eq(st.st_mode, S_IFSOCK | 0600);
	ck_assert_int_eq(dt_mknod(fs, d, "chr", S_IFCHR | 0600, makedev(1, 3),
				  0, 0, &st),
			 0);
	ck_assert_uint_eq(st.st_mode, S_IFCHR | 0600);
	ck_assert_uint_eq(st.st_rdev, makedev(1, 3));
	ck_assert_int_eq(dt_mknod(fs, d, "blk", S_IFBLK | 0600,
				  makedev(259, 70000), 0, 0, &st),
			 0);
	ck_assert_uint_eq(st.st_mode, S_IFBLK | 0600);
	ck_assert_uint_eq(st.st_rdev, makedev(259, 70000));
	ck_assert_int_eq(dt_getattr(fs, st.st_ino, &st), 0);
	ck_assert_uint_eq(st.st_rdev, makedev(259, 70000));
	ck_assert_uint_eq(st.st_nlink, 1);
	/* a directory is made by mkdir, not mknod */
	ck_assert_int_eq(dt_mknod(fs, d, "dir", S_IFDIR | 0700, 0, 0, 0, &st),
			 -EINVAL);
	ck_assert_int_eq(dt_mkdir(fs, d, "dir", 01777, 5, 6, &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFDIR | 01777);
	ck_assert_uint_eq(st.st_nlink, 2);
	ck_assert_uint_eq(st.st_uid, 5);
	ck_assert_uint_eq(st.st_gid, 6);
	/* symlinks */
	ck_assert_int_eq(dt_symlink(fs, d, "sl", "../x", 5, 6, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_uint_eq(st.st_nlink, 1);
	ck_assert_uint_eq(st.st_uid, 5);
	ck_assert_uint_eq(st.st_gid, 6);
	ck_assert_int_eq(st.st_size, 4);
	ck_assert_int_eq(dt_readlink(fs, st.st_ino, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "../x");
	ck_assert_int_eq(dt_readlink(fs, d, buf, sizeof(buf)), -EINVAL);
	memset(target, 't', sizeof(target));
	target[DT_SYMLINK_MAX + 1] = 0;
	ck_assert_int_eq(dt_symlink(fs, d, "toolong", target, 0, 0, &st),
			 -ENAMETOOLONG);
	target[DT_SYMLINK_MAX] = 0;
	ck_assert_int_eq(dt_symlink(fs, d, "max", target, 0, 0, &st), 0);
	ck_assert_int_eq(st.st_size, DT_SYMLINK_MAX);
	{
		char *out = calloc(1, DT_SYMLINK_MAX + 1);

		ck_assert_int_eq(
			dt_readlink(fs, st.st_ino, out, DT_SYMLINK_MAX + 1), 0);
		ck_assert_str_eq(out, target);
		free(out);
	}
	/* dir nlink = 2 + subdirectories */
	ck_assert_uint_eq(nlink_of(d), 3);
	ck_assert_uint_eq(nlink_of(DT_ROOT_INO), 3);
	ck_assert_int_eq(dt_getattr(fs, 987654, &st), -ENOENT);
	fsck_clean();
}
END_TEST

START_TEST(test_setattr)
{
	struct stat st, in = {0};
	uint64_t f = mkfile(DT_ROOT_INO, "f");

	in.st_mode = 04751 | S_IFDIR; /* the type bits are not changed */
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_MODE, &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 04751);
	in.st_uid = 33;
	in.st_gid = 44;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_UID, &st), 0);
	ck_assert_uint_eq(st.st_uid, 33);
	ck_assert_uint_eq(st.st_gid, 1000);
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_GID, &st), 0);
	ck_assert_uint_eq(st.st_gid, 44);
	ck_assert_int_eq(dt_getattr(fs, f, &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 04751);
	ck_assert_uint_eq(st.st_uid, 33);
	ck_assert_uint_eq(st.st_gid, 44);
	ck_assert_int_eq(dt_setattr(fs, 424242, &in, DT_SET_MODE, &st),
			 -ENOENT);
	/* a negative size is refused and changes nothing */
	in.st_size = -1;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &st), -EINVAL);
	ck_assert_int_eq(dt_getattr(fs, f, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	in.st_size = 5;
	ck_assert_int_eq(dt_setattr(fs, DT_ROOT_INO, &in, DT_SET_SIZE, &st),
			 -EISDIR);
}
END_TEST

/* ---- directory entries ---- */

START_TEST(test_name_errors)
{
	struct stat st;
	char longname[300], maxname[300];
	uint64_t d = mkd(DT_ROOT_INO, "d"), f = mkfile(DT_ROOT_INO, "f");

	memset(longname, 'a', 256);
	longname[256] = 0;
	memset(maxname, 'b', 255);
	maxname[255] = 0;
	ck_assert_int_eq(dt_lookup(fs, DT_ROOT_INO, "nope", &st), -ENOENT);
	ck_assert_int_eq(dt_mkdir(fs, DT_ROOT_INO, "d", 0755, 0, 0, &st),
			 -EEXIST);
	ck_assert_int_eq(dt_mknod(fs, DT_ROOT_INO, "d", S_IFREG, 0, 0, 0, &st),
			 -EEXIST);
	ck_assert_int_eq(dt_mknod(fs, DT_ROOT_INO, "f", S_IFREG, 0, 0, 0, &st),
			 -EEXIST);
	ck_assert_int_eq(dt_symlink(fs, DT_ROOT_INO, "f", "x", 0, 0, &st),
			 -EEXIST);
	ck_assert_int_eq(
		dt_create(fs, DT_ROOT_INO, "f", 0644, 0, 0, O_RDWR, &st),
		-EEXIST);
	/* 256 bytes: too long everywhere; 255 is fine */
	ck_assert_int_eq(
		dt_mknod(fs, DT_ROOT_INO, longname, S_IFREG, 0, 0, 0, &st),
		-ENAMETOOLONG);
	ck_assert_int_eq(dt_mkdir(fs, DT_ROOT_INO, longname, 0755, 0, 0, &st),
			 -ENAMETOOLONG);
	ck_assert_int_eq(dt_symlink(fs, DT_ROOT_INO, longname, "x", 0, 0, &st),
			 -ENAMETOOLONG);
	ck_assert_int_eq(dt_lookup(fs, DT_ROOT_INO, longname, &st),
			 -ENAMETOOLONG);
	ck_assert_int_eq(dt_link(fs, f, DT_ROOT_INO, longname, &st),
			 -ENAMETOOLONG);
	ck_assert_int_eq(
		dt_rename(fs, DT_ROOT_INO, "f", DT_ROOT_INO, longname, 0),
		-ENAMETOOLONG);
	ck_assert_int_eq(
		dt_mknod(fs, DT_ROOT_INO, maxname, S_IFREG, 0, 0, 0, &st), 0);
	ck_assert_uint_eq(ino_of(DT_ROOT_INO, maxname), st.st_ino);
	ck_assert_uint_eq(dir_type(DT_ROOT_INO, maxname, NULL), S_IFREG);
	/* directories vs files */
	mkfile(d, "inner");
	ck_assert_int_eq(dt_rmdir(fs, DT_ROOT_INO, "d"), -ENOTEMPTY);
	ck_assert_int_eq(dt_rmdir(fs, DT_ROOT_INO, "f"), -ENOTDIR);
	ck_assert_int_eq(dt_unlink(fs, DT_ROOT_INO, "d"), -EISDIR);
	ck_assert_int_eq(dt_mknod(fs, f, "x", S_IFREG, 0, 0, 0, &st), -ENOTDIR);
	ck_assert_int_eq(dt_mkdir(fs, f, "x", 0755, 0, 0, &st), -ENOTDIR);
	ck_assert_int_eq(dt_link(fs, d, DT_ROOT_INO, "dl", &st), -EPERM);
	ck_assert_int_eq(dt_link(fs, f, f, "x", &st), -ENOTDIR);
	ck_assert_int_eq(dt_opendir(fs, f, &(struct dt_dir *){NULL}), -ENOTDIR);
	ck_assert_int_eq(dt_unlink(fs, DT_ROOT_INO, "nope"), -ENOENT);
	ck_assert_int_eq(dt_rmdir(fs, DT_ROOT_INO, "nope"), -ENOENT);
	/* a regular file as the parent: ENOTDIR, as ext4 */
	ck_assert_int_eq(dt_lookup(fs, f, "x", &st), -ENOTDIR);
	ck_assert_int_eq(dt_unlink(fs, f, "x"), -ENOTDIR);
	ck_assert_int_eq(dt_rmdir(fs, f, "x"), -ENOTDIR);
	/* names the VFS never passes down are refused, not stored */
	ck_assert_int_eq(dt_mknod(fs, DT_ROOT_INO, ".", S_IFREG, 0, 0, 0, &st),
			 -EINVAL);
	ck_assert_int_eq(dt_mkdir(fs, DT_ROOT_INO, "..", 0755, 0, 0, &st),
			 -EINVAL);
	ck_assert_int_eq(
		dt_mknod(fs, DT_ROOT_INO, "a/b", S_IFREG, 0, 0, 0, &st),
		-EINVAL);
	ck_assert_int_eq(dt_rename(fs, DT_ROOT_INO, "f", DT_ROOT_INO, "x/y", 0),
			 -EINVAL);
	ck_assert_int_eq(dt_lookup(fs, DT_ROOT_INO, "f", &st), 0);
	/* data operations on a directory */
	ck_assert_int_eq(dt_read(fs, d, longname, 10, 0), -EISDIR);
	ck_assert_int_eq(dt_write(fs, d, "x", 1, 0), -EISDIR);
	ck_assert_int_eq(dt_unlink(fs, d, "inner"), 0);
	ck_assert_int_eq(dt_lookup(fs, d, "inner", &st), -ENOENT);
	ck_assert_int_eq(dt_rmdir(fs, DT_ROOT_INO, "d"), 0);
	ck_assert_int_eq(dt_lookup(fs, DT_ROOT_INO, "d", &st), -ENOENT);
	ck_assert_uint_eq(nlink_of(DT_ROOT_INO), 2);
	/* a removed directory still looked up takes no new entries */
	ck_assert_uint_eq(nlink_of(d), 0);
	ck_assert_int_eq(dt_mknod(fs, d, "late", S_IFREG, 0, 0, 0, &st),
			 -ENOENT);
	fsck_clean();
}
END_TEST

START_TEST(test_dir_nlink)
{
	uint64_t d = mkd(DT_ROOT_INO, "d");
	char nm[16];

	for (int i = 0; i < 5; i++) {
		snprintf(nm, sizeof(nm), "s%d", i);
		mkd(d, nm);
		snprintf(nm, sizeof(nm), "f%d", i);
		mkfile(d, nm);
		ck_assert_uint_eq(nlink_of(d), 2 + i + 1);
	}
	ck_assert_int_eq(dt_rmdir(fs, d, "s0"), 0);
	ck_assert_uint_eq(nlink_of(d), 2 + 4);
	ck_assert_int_eq(dt_unlink(fs, d, "f0"), 0);
	ck_assert_uint_eq(nlink_of(d), 2 + 4);
	ck_assert_uint_eq(nlink_of(DT_ROOT_INO), 3);
	reopen();
	ck_assert_uint_eq(nlink_of(d), 2 + 4);
	fsck_clean();
}
END_TEST

START_TEST(test_links)
{
	struct stat st, a;
	char buf[8];
	uint64_t f = mkfile(DT_ROOT_INO, "f"), d = mkd(DT_ROOT_INO, "d");

	ck_assert_int_eq(dt_getattr(fs, f, &a), 0);
	tick();
	ck_assert_int_eq(dt_link(fs, f, DT_ROOT_INO, "g", &st), 0);
	ck_assert_uint_eq(st.st_ino, f);
	ck_assert_uint_eq(st.st_nlink, 2);
	ck_assert(ts_after(st.st_ctim, a.st_ctim));
	ck_assert_int_eq(dt_link(fs, f, d, "h", &st), 0);
	ck_assert_uint_eq(st.st_nlink, 3);
	ck_assert_int_eq(dt_link(fs, f, DT_ROOT_INO, "g", &st), -EEXIST);
	ck_assert_uint_eq(nlink_of(f), 3);
	ck_assert_uint_eq(ino_of(d, "h"), f);
	ck_assert_uint_eq(ino_of(DT_ROOT_INO, "g"), f);
	ck_assert_int_eq(dt_write(fs, ino_of(d, "h"), "abc", 3, 0), 3);
	ck_assert_int_eq(dt_read(fs, ino_of(DT_ROOT_INO, "f"), buf, 8, 0), 3);
	ck_assert_mem_eq(buf, "abc", 3);
	ck_assert_uint_eq(nlink_of(d), 2); /* hard links are not subdirs */
	ck_assert_int_eq(dt_unlink(fs, DT_ROOT_INO, "f"), 0);
	ck_assert_uint_eq(nlink_of(f), 2);
	ck_assert_int_eq(dt_unlink(fs, d, "h"), 0);
	ck_assert_uint_eq(nlink_of(f), 1);
	ck_assert_int_eq(dt_read(fs, ino_of(DT_ROOT_INO, "g"), buf, 8, 0), 3);
	fsck_clean();
	reopen();
	ck_assert_uint_eq(nlink_of(f), 1);
	fsck_clean();
}
END_TEST

START_TEST(test_rename)
{
	struct stat st;
	uint64_t a = mkd(DT_ROOT_INO, "a"), b = mkd(DT_ROOT_INO, "b");
	uint64_t f = mkfile(a, "f"), g = mkfile(b, "g"), sub = mkd(a, "sub");

	/* plain move across directories */
	ck_assert_int_eq(dt_rename(fs, a, "f", b, "f2", 0), 0);
	ck_assert_int_eq(dt_lookup(fs, a, "f", &st), -ENOENT);
	ck_assert_uint_eq(ino_of(b, "f2"), f);
	ck_assert_uint_eq(nlink_of(f), 1);
	/* plain rename in one directory */
	ck_assert_int_eq(dt_rename(fs, b, "f2", b, "f3", 0), 0);
	ck_assert_int_eq(dt_lookup(fs, b, "f2", &st), -ENOENT);
	ck_assert_uint_eq(ino_of(b, "f3"), f);
	/* over an existing file: the old one loses its link */
	ck_assert_int_eq(dt_rename(fs, b, "f3", b, "g", 0), 0);
	ck_assert_uint_eq(ino_of(b, "g"), f);
	ck_assert_int_eq(dt_lookup(fs, b, "f3", &st), -ENOENT);
	ck_assert_uint_eq(nlink_of(g), 0); /* still looked up */
	dt_forget(fs, g, 1);
	ck_assert_int_eq(dt_getattr(fs, g, &st), -ENOENT); /* reclaimed */
	/* missing source */
	ck_assert_int_eq(dt_rename(fs, a, "zz", b, "q", 0), -ENOENT);
	/* NOREPLACE and EXCHANGE */
	uint64_t h = mkfile(a, "h");
	ck_assert_int_eq(dt_rename(fs, a, "h", b, "g", RENAME_NOREPLACE),
			 -EEXIST);
	ck_assert_uint_eq(ino_of(a, "h"), h);
	ck_assert_uint_eq(ino_of(b, "g"), f);
	ck_assert_int_eq(dt_rename(fs, a, "h", b, "g", RENAME_EXCHANGE), 0);
	ck_assert_uint_eq(ino_of(a, "h"), f);
	ck_assert_uint_eq(ino_of(b, "g"), h);
	ck_assert_uint_eq(nlink_of(f), 1);
	ck_assert_uint_eq(nlink_of(h), 1);
	ck_assert_int_eq(dt_rename(fs, a, "zz", b, "g", RENAME_EXCHANGE),
			 -ENOENT);
	ck_assert_int_eq(dt_rename(fs, a, "h", b, "none", RENAME_EXCHANGE),
			 -ENOENT);
	ck_assert_int_eq(dt_rename(fs, a, "h", b, "nn", RENAME_NOREPLACE), 0);
	ck_assert_uint_eq(ino_of(b, "nn"), f);
	ck_assert_int_eq(dt_rename(fs, b, "nn", a, "h", 0), 0);
	/* whiteout: the old name becomes a 0/0 character device */
	mkfile(a, "w");
	ck_assert_int_eq(dt_rename(fs, a, "w", b, "w2", RENAME_WHITEOUT), 0);
	ck_assert_int_eq(dt_lookup(fs, a, "w", &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_uint_eq(st.st_rdev, 0);
	ck_assert_int_eq(dt_lookup(fs, b, "w2", &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	/* directories: nlink of parents and ".." follow */
	ck_assert_int_eq(dt_rename(fs, a, "sub", b, "sub", 0), 0);
	ck_assert_uint_eq(nlink_of(a), 2);
	ck_assert_uint_eq(nlink_of(b), 3);
	ck_assert_uint_eq(nlink_of(sub), 2);
	{
		uint64_t dotdot = 0;

		ck_assert_uint_eq(dir_type(sub, "..", &dotdot), S_IFDIR);
		ck_assert_uint_eq(dotdot, b);
	}
	/* no loops, no overwrite of a non-empty directory */
	ck_assert_int_eq(dt_rename(fs, DT_ROOT_INO, "b", sub, "x", 0), -EINVAL);
	ck_assert_int_eq(dt_rename(fs, DT_ROOT_INO, "b", b, "x", 0), -EINVAL);
	mkfile(sub, "full");
	mkd(DT_ROOT_INO, "c");
	ck_assert_int_eq(dt_rename(fs, DT_ROOT_INO, "c", b, "sub", 0),
			 -ENOTEMPTY);
	ck_assert_int_eq(dt_rename(fs, a, "h", b, "sub", 0), -EISDIR);
	ck_assert_int_eq(dt_rename(fs, b, "sub", a, "h", 0), -ENOTDIR);
	ck_assert_uint_eq(ino_of(b, "sub"), sub);
	ck_assert_uint_eq(ino_of(a, "h"), f);
	fsck_clean();
}
END_TEST

START_TEST(test_rename_dirs)
{
	uint64_t a = mkd(DT_ROOT_INO, "a"), b = mkd(DT_ROOT_INO, "b");
	uint64_t x = mkd(a, "x"), y = mkd(b, "y"), f = mkfile(b, "f");
	uint64_t dotdot = 0;

	/* a directory over an empty directory elsewhere */
	ck_assert_int_eq(dt_rename(fs, a, "x", b, "y", 0), 0);
	ck_assert_uint_eq(ino_of(b, "y"), x);
	ck_assert_uint_eq(nlink_of(a), 2);
	ck_assert_uint_eq(nlink_of(b), 3);
	ck_assert_uint_eq(nlink_of(y), 0);
	dt_forget(fs, y, 1);
	ck_assert_int_eq(dt_getattr(fs, y, &(struct stat){0}), -ENOENT);
	fsck_clean();
	/* exchange a directory and a file across parents */
	uint64_t z = mkd(a, "z");
	ck_assert_int_eq(dt_rename(fs, a, "z", b, "f", RENAME_EXCHANGE), 0);
	ck_assert_uint_eq(ino_of(a, "z"), f);
	ck_assert_uint_eq(ino_of(b, "f"), z);
	ck_assert_uint_eq(nlink_of(a), 2);
	ck_assert_uint_eq(nlink_of(b), 4);
	ck_assert_uint_eq(dir_type(z, "..", &dotdot), S_IFDIR);
	ck_assert_uint_eq(dotdot, b);
	ck_assert_uint_eq(dir_type(a, "z", NULL), S_IFREG);
	ck_assert_uint_eq(dir_type(b, "f", NULL), S_IFDIR);
	/* rename of a directory within its parent keeps nlinks */
	ck_assert_int_eq(dt_rename(fs, b, "f", b, "g", 0), 0);
	ck_assert_uint_eq(nlink_of(b), 4);
	ck_assert_uint_eq(nlink_of(DT_ROOT_INO), 4);
	/* a file into a removed directory */
	mkd(DT_ROOT_INO, "dead");
	uint64_t dead = ino_of(DT_ROOT_INO, "dead");
	ck_assert_int_eq(dt_rmdir(fs, DT_ROOT_INO, "dead"), 0);
	ck_assert_int_eq(dt_rename(fs, a, "z", dead, "z", 0), -ENOENT);
	ck_assert_uint_eq(ino_of(a, "z"), f);
	fsck_clean();
	reopen();
	ck_assert_uint_eq(nlink_of(b), 4);
	ck_assert_uint_eq(ino_of(b, "g"), z);
	fsck_clean();
}
END_TEST

/* ---- data ---- */

START_TEST(test_data_roundtrip)
{
	static char a[5 * CH + 100], b[5 * CH + 100];
	uint64_t f = mkfile(DT_ROOT_INO, "f");
	/* offsets that straddle and hit chunk boundaries */
	const off_t offs[] = {0, 1, CH - 1, CH, 2 * CH + 17, 5 * CH - 3};
	const size_t lens[] = {CH, 2 * CH + 7, 1, 2, CH + 1, 3 * CH};

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			size_t n = lens[j];

			fill(a, n, (unsigned)(i * 10 + j));
			ck_assert_int_eq(dt_write(fs, f, a, n, offs[i]),
					 (ssize_t)n);
			ck_assert_int_eq(dt_read(fs, f, b, n, offs[i]),
					 (ssize_t)n);
			ck_assert_mem_eq(a, b, n);
		}
	}
	ck_assert_int_eq(size_of(f), 5 * CH - 3 + 3 * CH);
	/* an overwrite in the middle leaves both sides alone */
	ck_assert_int_eq(dt_read(fs, f, a, 3 * CH, CH), 3 * CH);
	ck_assert_int_eq(dt_write(fs, f, "XYZ", 3, 2 * CH - 1), 3);
	ck_assert_int_eq(dt_read(fs, f, b, 3 * CH, CH), 3 * CH);
	ck_assert_mem_eq(b, a, CH - 1);
	ck_assert_mem_eq(b + CH - 1, "XYZ", 3);
	ck_assert_mem_eq(b + CH + 2, a + CH + 2, 2 * CH - 2);
	/* short read at EOF, nothing past it */
	ck_assert_int_eq(dt_read(fs, f, b, 100, size_of(f) - 10), 10);
	ck_assert_int_eq(dt_read(fs, f, b, 100, size_of(f)), 0);
	ck_assert_int_eq(dt_read(fs, f, b, 100, size_of(f) + 10), 0);
	ck_assert_int_eq(dt_read(fs, f, b, 3 * CH, size_of(f) - CH - 1),
			 CH + 1);
	ck_assert_int_eq(dt_read(fs, f, b, 0, 0), 0);
	/* blocks: every chunk full, 8 of them */
	ck_assert_int_eq(blocks_of(f), 8 * CH / 512);
	fsck_clean();
}
END_TEST

START_TEST(test_write_empty)
{
	uint64_t f = mkfile(DT_ROOT_INO, "f");

	/* a write of nothing changes nothing (POSIX write(2)) */
	ck_assert_int_eq(dt_write(fs, f, "", 0, 100), 0);
	ck_assert_int_eq(size_of(f), 0);
	ck_assert_int_eq(blocks_of(f), 0);
	ck_assert_int_eq(dt_write(fs, f, "", 0, 2 * CH), 0);
	ck_assert_int_eq(size_of(f), 0);
	fsck_clean();
}
END_TEST

START_TEST(test_write_empty_at_zero)
{
	uint64_t f = mkfile(DT_ROOT_INO, "f");

	ck_assert_int_eq(dt_write(fs, f, "", 0, 0), 0);
	ck_assert_int_eq(size_of(f), 0);
	fsck_clean();
}
END_TEST

START_TEST(test_sparse)
{
	static char buf[3 * CH];
	struct stat st, in = {.st_size = 10 * CH};
	uint64_t f = mkfile(DT_ROOT_INO, "f");

	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(st.st_size, 10 * CH);
	ck_assert_int_eq(st.st_blocks, 0);
	memset(buf, 0x55, sizeof(buf));
	ck_assert_int_eq(dt_read(fs, f, buf, CH, 3 * CH), CH);
	ck_assert(all_zero(buf, CH));
	ck_assert_int_eq(dt_write(fs, f, "x", 1, 4 * CH + 7), 1);
	ck_assert_int_eq(dt_getattr(fs, f, &st), 0);
	ck_assert_int_gt(st.st_blocks, 0);
	ck_assert_int_le(st.st_blocks, CH / 512);
	ck_assert_int_eq(st.st_size, 10 * CH);
	/* a read across hole, data, hole */
	memset(buf, 0x55, sizeof(buf));
	ck_assert_int_eq(dt_read(fs, f, buf, 3 * CH, 3 * CH), 3 * CH);
	ck_assert(all_zero(buf, CH + 7));
	ck_assert_int_eq(buf[CH + 7], 'x');
	ck_assert(all_zero(buf + CH + 8, 2 * CH - 8));
	/* writing past EOF leaves a hole that reads zeros */
	uint64_t g = mkfile(DT_ROOT_INO, "g");
	ck_assert_int_eq(dt_write(fs, g, "end", 3, 20 * CH + 5), 3);
	ck_assert_int_eq(size_of(g), 20 * CH + 8);
	memset(buf, 0x55, sizeof(buf));
	ck_assert_int_eq(dt_read(fs, g, buf, 3 * CH, 18 * CH), 2 * CH + 8);
	ck_assert(all_zero(buf, 2 * CH + 5));
	ck_assert_mem_eq(buf + 2 * CH + 5, "end", 3);
	ck_assert_int_le(blocks_of(g), CH / 512);
	fsck_clean();
}
END_TEST

START_TEST(test_truncate)
{
	static char a[3 * CH], b[3 * CH];
	struct stat st, in = {0};
	uint64_t f = mkfile(DT_ROOT_INO, "f");

	fill(a, sizeof(a), 3);
	ck_assert_int_eq(dt_write(fs, f, a, sizeof(a), 0), (ssize_t)sizeof(a));
	/* down into the middle of chunk 1 */
	in.st_size = CH + 100;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(st.st_size, CH + 100);
	ck_assert_int_lt(st.st_blocks, 3 * CH / 512);
	ck_assert_int_ge(st.st_blocks, (CH + 100) / 512);
	ck_assert_int_eq(dt_read(fs, f, b, sizeof(b), 0), CH + 100);
	ck_assert_mem_eq(a, b, CH + 100);
	/* up again: what was cut off reads zeros */
	in.st_size = 3 * CH;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(st.st_size, 3 * CH);
	memset(b, 0x55, sizeof(b));
	ck_assert_int_eq(dt_read(fs, f, b, sizeof(b), 0), (ssize_t)sizeof(b));
	ck_assert_mem_eq(a, b, CH + 100);
	ck_assert(all_zero(b + CH + 100, sizeof(b) - CH - 100));
	/* a write past the old data does not resurrect it */
	ck_assert_int_eq(dt_write(fs, f, "q", 1, 3 * CH - 1), 1);
	ck_assert_int_eq(dt_read(fs, f, b, sizeof(b), 0), (ssize_t)sizeof(b));
	ck_assert(all_zero(b + CH + 100, 2 * CH - 101));
	/* down to a chunk boundary and to zero */
	in.st_size = CH;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(st.st_blocks, CH / 512);
	in.st_size = 0;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(st.st_blocks, 0);
	ck_assert_int_eq(dt_read(fs, f, b, 10, 0), 0);
	in.st_size = 5;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(dt_read(fs, f, b, 10, 0), 5);
	ck_assert(all_zero(b, 5));
	/* an unaligned truncate inside one chunk */
	ck_assert_int_eq(dt_write(fs, f, a, 1000, 0), 1000);
	in.st_size = 10;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &st), 0);
	in.st_size = 1000;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(dt_read(fs, f, b, 1000, 0), 1000);
	ck_assert_mem_eq(a, b, 10);
	ck_assert(all_zero(b + 10, 990));
	fsck_clean();
	/* only regular files can be truncated */
	ck_assert_int_eq(dt_setattr(fs, DT_ROOT_INO, &in, DT_SET_SIZE, &st),
			 -EISDIR);
	reopen();
	ck_assert_int_eq(size_of(f), 1000);
	ck_assert_int_eq(dt_read(fs, f, b, 1000, 0), 1000);
	ck_assert(all_zero(b + 10, 990));
	fsck_clean();
}
END_TEST

START_TEST(test_fallocate)
{
	static char a[4 * CH], b[4 * CH];
	struct stat st;
	uint64_t f = mkfile(DT_ROOT_INO, "f");
	blkcnt_t bl;

	fill(a, sizeof(a), 4);
	ck_assert_int_eq(dt_write(fs, f, a, sizeof(a), 0), (ssize_t)sizeof(a));
	ck_assert_int_eq(blocks_of(f), 4 * CH / 512);
	/* punch [100, 2*CH+100): chunk 1 goes whole */
	ck_assert_int_eq(
		dt_fallocate(fs, f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     100, 2 * CH),
		0);
	ck_assert_int_eq(dt_read(fs, f, b, sizeof(b), 0), (ssize_t)sizeof(b));
	ck_assert_mem_eq(a, b, 100);
	ck_assert(all_zero(b + 100, 2 * CH));
	ck_assert_mem_eq(a + 2 * CH + 100, b + 2 * CH + 100, 2 * CH - 100);
	ck_assert_int_eq(dt_getattr(fs, f, &st), 0);
	ck_assert_int_eq(st.st_size, 4 * CH);
	ck_assert_int_le(st.st_blocks, 3 * CH / 512);
	/* punching exactly one whole chunk drops a chunk's worth of blocks */
	bl = st.st_blocks;
	ck_assert_int_eq(
		dt_fallocate(fs, f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     3 * CH, CH),
		0);
	ck_assert_int_eq(blocks_of(f), bl - CH / 512);
	ck_assert_int_eq(size_of(f), 4 * CH);
	ck_assert_int_eq(dt_read(fs, f, b, CH, 3 * CH), CH);
	ck_assert(all_zero(b, CH));
	/* punch past EOF with KEEP_SIZE: nothing changes */
	ck_assert_int_eq(
		dt_fallocate(fs, f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     10 * CH, CH),
		0);
	ck_assert_int_eq(size_of(f), 4 * CH);
	/* punch needs KEEP_SIZE */
	ck_assert_int_eq(dt_fallocate(fs, f, FALLOC_FL_PUNCH_HOLE, 0, CH),
			 -EOPNOTSUPP);
	/* zero range inside data */
	fill(a, sizeof(a), 6);
	ck_assert_int_eq(dt_write(fs, f, a, sizeof(a), 0), (ssize_t)sizeof(a));
	ck_assert_int_eq(dt_fallocate(fs, f, FALLOC_FL_ZERO_RANGE, CH - 10, 20),
			 0);
	ck_assert_int_eq(dt_read(fs, f, b, sizeof(b), 0), (ssize_t)sizeof(b));
	ck_assert_mem_eq(a, b, CH - 10);
	ck_assert(all_zero(b + CH - 10, 20));
	ck_assert_mem_eq(a + CH + 10, b + CH + 10, 3 * CH - 10);
	ck_assert_int_eq(size_of(f), 4 * CH);
	/* zero range past EOF extends the size unless KEEP_SIZE */
	ck_assert_int_eq(
		dt_fallocate(fs, f, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
			     3 * CH, 2 * CH),
		0);
	ck_assert_int_eq(size_of(f), 4 * CH);
	ck_assert_int_eq(dt_read(fs, f, b, CH, 3 * CH), CH);
	ck_assert(all_zero(b, CH));
	ck_assert_int_eq(
		dt_fallocate(fs, f, FALLOC_FL_ZERO_RANGE, 3 * CH, 2 * CH), 0);
	ck_assert_int_eq(size_of(f), 5 * CH);
	/* default mode extends the size; KEEP_SIZE does not */
	ck_assert_int_eq(dt_fallocate(fs, f, 0, 0, 6 * CH + 3), 0);
	ck_assert_int_eq(size_of(f), 6 * CH + 3);
	ck_assert_int_eq(dt_read(fs, f, b, CH + 3, 5 * CH), CH + 3);
	ck_assert(all_zero(b, CH + 3));
	ck_assert_int_eq(dt_fallocate(fs, f, 0, 0, CH), 0); /* never shrinks */
	ck_assert_int_eq(size_of(f), 6 * CH + 3);
	ck_assert_int_eq(dt_fallocate(fs, f, FALLOC_FL_KEEP_SIZE, 0, 9 * CH),
			 0);
	ck_assert_int_eq(size_of(f), 6 * CH + 3);
	/* unsupported modes and bad ranges */
	ck_assert_int_eq(dt_fallocate(fs, f, FALLOC_FL_COLLAPSE_RANGE, 0, CH),
			 -EOPNOTSUPP);
	ck_assert_int_eq(dt_fallocate(fs, f, FALLOC_FL_INSERT_RANGE, 0, CH),
			 -EOPNOTSUPP);
	ck_assert_int_eq(dt_fallocate(fs, f, FALLOC_FL_UNSHARE_RANGE, 0, CH),
			 -EOPNOTSUPP);
	ck_assert_int_eq(dt_fallocate(fs, f, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(dt_fallocate(fs, f, 0, -1, 10), -EINVAL);
	ck_assert_int_eq(dt_fallocate(fs, DT_ROOT_INO, 0, 0, 10), -EISDIR);
	fsck_clean();
}
END_TEST

START_TEST(test_seek_data_hole)
{
	static char a[CH];
	struct stat st, in = {.st_size = 2 * MIB};
	uint64_t f = mkfile(DT_ROOT_INO, "f");
	off_t h;

	fill(a, sizeof(a), 8);
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(dt_write(fs, f, a, CH, 0), CH);
	ck_assert_int_eq(dt_write(fs, f, a, CH, 16 * CH), CH);
	ck_assert_int_eq(size_of(f), 2 * MIB);
	ck_assert_int_eq(dt_lseek(fs, f, 0, SEEK_DATA), 0);
	ck_assert_int_eq(dt_lseek(fs, f, 100, SEEK_DATA), 100);
	h = dt_lseek(fs, f, 0, SEEK_HOLE);
	ck_assert_int_ge(h, CH); /* chunk 0 is all data */
	ck_assert_int_le(h, MIB);
	ck_assert_int_eq(dt_lseek(fs, f, 70000, SEEK_DATA), MIB);
	ck_assert_int_eq(dt_lseek(fs, f, CH, SEEK_DATA), MIB);
	ck_assert_int_eq(dt_lseek(fs, f, MIB + 5, SEEK_DATA), MIB + 5);
	h = dt_lseek(fs, f, MIB, SEEK_HOLE);
	ck_assert_int_ge(h, MIB + CH);
	ck_assert_int_le(h, 2 * MIB);
	ck_assert_int_eq(dt_lseek(fs, f, 70000, SEEK_HOLE), 70000);
	ck_assert_int_eq(dt_lseek(fs, f, 17 * CH, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(dt_lseek(fs, f, 2 * MIB - 1, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(dt_lseek(fs, f, 17 * CH, SEEK_HOLE), 17 * CH);
	ck_assert_int_eq(dt_lseek(fs, f, 2 * MIB - 1, SEEK_HOLE), 2 * MIB - 1);
	ck_assert_int_eq(dt_lseek(fs, f, 2 * MIB, SEEK_HOLE), -ENXIO);
	ck_assert_int_eq(dt_lseek(fs, f, 40 * CH, SEEK_HOLE), -ENXIO);
	ck_assert_int_eq(dt_lseek(fs, f, 2 * MIB, SEEK_DATA), -ENXIO);
	/* a file with data up to EOF: the only hole is at EOF */
	uint64_t g = mkfile(DT_ROOT_INO, "g");
	ck_assert_int_eq(dt_write(fs, g, a, 1000, 0), 1000);
	ck_assert_int_eq(dt_lseek(fs, g, 0, SEEK_DATA), 0);
	ck_assert_int_eq(dt_lseek(fs, g, 0, SEEK_HOLE), 1000);
	ck_assert_int_eq(dt_lseek(fs, g, 999, SEEK_DATA), 999);
	ck_assert_int_eq(dt_lseek(fs, g, 1000, SEEK_DATA), -ENXIO);
	/* an empty sparse file has no data */
	uint64_t e = mkfile(DT_ROOT_INO, "e");
	ck_assert_int_eq(dt_setattr(fs, e, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(dt_lseek(fs, e, 0, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(dt_lseek(fs, e, 0, SEEK_HOLE), 0);
}
END_TEST

START_TEST(test_copy_file_range)
{
	static char a[3 * CH], b[3 * CH];
	uint64_t f = mkfile(DT_ROOT_INO, "f"), g = mkfile(DT_ROOT_INO, "g");

	fill(a, sizeof(a), 5);
	ck_assert_int_eq(dt_write(fs, f, a, sizeof(a), 0), (ssize_t)sizeof(a));
	ck_assert_int_eq(dt_copy_file_range(fs, f, 10, g, 7, 2 * CH), 2 * CH);
	ck_assert_int_eq(size_of(g), 2 * CH + 7);
	ck_assert_int_eq(dt_read(fs, g, b, sizeof(b), 0), 2 * CH + 7);
	ck_assert(all_zero(b, 7));
	ck_assert_mem_eq(a + 10, b + 7, 2 * CH);
	/* copying past the source's end copies what is there */
	ck_assert_int_eq(dt_copy_file_range(fs, f, 3 * CH - 5, g, 0, 100), 5);
	ck_assert_int_eq(dt_read(fs, g, b, 5, 0), 5);
	ck_assert_mem_eq(b, a + 3 * CH - 5, 5);
	ck_assert_int_eq(dt_copy_file_range(fs, f, 3 * CH, g, 0, 100), 0);
	ck_assert_int_eq(dt_copy_file_range(fs, f, 4 * CH, g, 0, 100), 0);
	ck_assert_int_eq(size_of(g), 2 * CH + 7);
	/* a sparse source copies zeros */
	uint64_t s = mkfile(DT_ROOT_INO, "s");
	struct stat st, in = {.st_size = 2 * CH};
	ck_assert_int_eq(dt_setattr(fs, s, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(dt_copy_file_range(fs, s, 0, g, 0, 2 * CH), 2 * CH);
	ck_assert_int_eq(dt_read(fs, g, b, 2 * CH, 0), 2 * CH);
	ck_assert(all_zero(b, 2 * CH));
	ck_assert_int_eq(dt_read(fs, g, b, 7, 2 * CH), 7);
	ck_assert_mem_eq(b, a + 2 * CH + 3, 7);
	fsck_clean();
}
END_TEST

/* ---- xattrs ---- */

START_TEST(test_xattr)
{
	static char big[DT_XATTR_SIZE_MAX + 1], out[DT_XATTR_SIZE_MAX + 1];
	char buf[64];
	struct stat st;
	uint64_t f = mkfile(DT_ROOT_INO, "f");

	ck_assert_int_eq(dt_listxattr(fs, f, buf, 0), 0);
	ck_assert_int_eq(dt_setxattr(fs, f, "user.a", "123", 3, 0), 0);
	ck_assert_int_eq(dt_setxattr(fs, f, "user.b", "4", 1, 0), 0);
	ck_assert_int_eq(dt_setxattr(fs, f, "user.a", "x", 1, XATTR_CREATE),
			 -EEXIST);
	ck_assert_int_eq(dt_setxattr(fs, f, "user.c", "x", 1, XATTR_REPLACE),
			 -ENODATA);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.c", buf, sizeof(buf)),
			 -ENODATA);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.a", buf, 0), 3);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.a", buf, 2), -ERANGE);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.a", buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "123", 3);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.a", buf, 3), 3);
	ck_assert_int_eq(dt_listxattr(fs, f, buf, 0), 14);
	ck_assert_int_eq(dt_listxattr(fs, f, buf, sizeof(buf)), 14);
	ck_assert_mem_eq(buf, "user.a\0user.b\0", 14);
	ck_assert_int_eq(dt_listxattr(fs, f, buf, 14), 14);
	ck_assert_int_eq(dt_listxattr(fs, f, buf, 5), -ERANGE);
	ck_assert_int_eq(dt_listxattr(fs, f, buf, 13), -ERANGE);
	/* replace and create flags that succeed */
	ck_assert_int_eq(dt_setxattr(fs, f, "user.a", "zz", 2, XATTR_REPLACE),
			 0);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.a", buf, sizeof(buf)), 2);
	ck_assert_mem_eq(buf, "zz", 2);
	ck_assert_int_eq(dt_setxattr(fs, f, "user.c", "", 0, XATTR_CREATE), 0);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.c", buf, 0), 0);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.c", buf, sizeof(buf)), 0);
	/* sizes: the maximum is fine, one more is E2BIG */
	fill(big, sizeof(big), 2);
	ck_assert_int_eq(dt_setxattr(fs, f, "user.big", big, sizeof(big), 0),
			 -E2BIG);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.big", out, sizeof(out)),
			 -ENODATA);
	ck_assert_int_eq(
		dt_setxattr(fs, f, "user.big", big, DT_XATTR_SIZE_MAX, 0), 0);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.big", out, 0),
			 DT_XATTR_SIZE_MAX);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.big", out, sizeof(out)),
			 DT_XATTR_SIZE_MAX);
	ck_assert_mem_eq(out, big, DT_XATTR_SIZE_MAX);
	/* namespaces */
	ck_assert_int_eq(dt_setxattr(fs, f, "trusted.t", "1", 1, 0), 0);
	ck_assert_int_eq(dt_setxattr(fs, f, "bogus.t", "1", 1, 0), -EOPNOTSUPP);
	/* xattrs on other inode types */
	ck_assert_int_eq(dt_setxattr(fs, DT_ROOT_INO, "user.r", "r", 1, 0), 0);
	ck_assert_int_eq(dt_getxattr(fs, DT_ROOT_INO, "user.r", buf, 1), 1);
	ck_assert_int_eq(dt_symlink(fs, DT_ROOT_INO, "l", "f", 0, 0, &st), 0);
	ck_assert_int_eq(dt_setxattr(fs, st.st_ino, "trusted.l", "l", 1, 0), 0);
	/* remove */
	ck_assert_int_eq(dt_removexattr(fs, f, "user.a"), 0);
	ck_assert_int_eq(dt_removexattr(fs, f, "user.a"), -ENODATA);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.a", buf, sizeof(buf)),
			 -ENODATA);
	ck_assert_int_eq(
		dt_listxattr(fs, f, buf, sizeof(buf)),
		(ssize_t)sizeof("user.b\0user.big\0user.c\0trusted.t"));
	/* on a missing inode */
	ck_assert_int_eq(dt_getxattr(fs, 777777, "user.a", buf, sizeof(buf)),
			 -ENOENT);
	ck_assert_int_eq(dt_setxattr(fs, 777777, "user.a", "1", 1, 0), -ENOENT);
	/* they persist */
	reopen();
	ck_assert_int_eq(dt_getxattr(fs, f, "user.big", out, sizeof(out)),
			 DT_XATTR_SIZE_MAX);
	ck_assert_mem_eq(out, big, DT_XATTR_SIZE_MAX);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.b", buf, sizeof(buf)), 1);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.a", buf, sizeof(buf)),
			 -ENODATA);
	fsck_clean();
	/* and go with their inode */
	ck_assert_int_eq(dt_unlink(fs, DT_ROOT_INO, "f"), 0);
	fsck_clean();
}
END_TEST

/* ---- orphans ---- */

START_TEST(test_orphan_release)
{
	static char a[2 * CH + 9], b[2 * CH + 9];
	struct stat st;
	uint64_t ino;

	ck_assert_int_eq(
		dt_create(fs, DT_ROOT_INO, "f", 0644, 0, 0, O_RDWR, &st), 0);
	ino = st.st_ino;
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0644);
	fill(a, sizeof(a), 7);
	ck_assert_int_eq(dt_write(fs, ino, a, sizeof(a), 0),
			 (ssize_t)sizeof(a));
	ck_assert_int_eq(dt_setxattr(fs, ino, "user.x", "1", 1, 0), 0);
	ck_assert_int_eq(dt_unlink(fs, DT_ROOT_INO, "f"), 0);
	ck_assert_int_eq(dt_lookup(fs, DT_ROOT_INO, "f", &st), -ENOENT);
	ck_assert_uint_eq(nlink_of(ino), 0);
	ck_assert_int_eq(dt_read(fs, ino, b, sizeof(b), 0), (ssize_t)sizeof(b));
	ck_assert_mem_eq(a, b, sizeof(a));
	ck_assert_int_eq(dt_write(fs, ino, "more", 4, 0), 4);
	ck_assert_int_eq(dt_read(fs, ino, b, 4, 0), 4);
	ck_assert_mem_eq(b, "more", 4);
	fsck_clean(); /* a pending orphan is fine */
	/* a second open and its release keep it */
	ck_assert_int_eq(dt_open(fs, ino, O_RDONLY), 0);
	ck_assert_int_eq(dt_release(fs, ino), 0);
	ck_assert_int_eq(dt_getattr(fs, ino, &st), 0);
	ck_assert_int_eq(dt_release(fs, ino), 0);
	ck_assert_int_eq(dt_getattr(fs, ino, &st), 0); /* still looked up */
	ck_assert_int_eq(dt_read(fs, ino, b, 4, 0), 4);
	dt_forget(fs, ino, 1);
	ck_assert_int_eq(dt_getattr(fs, ino, &st), -ENOENT);
	ck_assert_int_eq(dt_read(fs, ino, b, 4, 0), -ENOENT);
	fsck_clean();
	/* several lookups: forget must drop them all */
	uint64_t g = mkfile(DT_ROOT_INO, "g");
	ck_assert_uint_eq(ino_of(DT_ROOT_INO, "g"), g);
	ck_assert_uint_eq(ino_of(DT_ROOT_INO, "g"), g);
	ck_assert_int_eq(dt_unlink(fs, DT_ROOT_INO, "g"), 0);
	/* no one had it open: it went with its name; an open or a change
	 * that raced with the unlink finds it gone, a getattr still works */
	ck_assert_int_eq(dt_open(fs, g, O_RDONLY), -ENOENT);
	ck_assert_int_eq(dt_setattr(fs, g, &st, DT_SET_MODE, NULL), -ENOENT);
	ck_assert_int_eq(dt_setxattr(fs, g, "user.y", "1", 1, 0), -ENOENT);
	ck_assert_int_eq(nlink_of(g), 0);
	fsck_clean();
	dt_forget(fs, g, 2);
	ck_assert_int_eq(dt_getattr(fs, g, &st), 0);
	dt_forget(fs, g, 1);
	ck_assert_int_eq(dt_getattr(fs, g, &st), -ENOENT);
	fsck_clean();
	/* unlinking a file nobody holds reclaims it at once */
	uint64_t h = mkfile(DT_ROOT_INO, "h");
	dt_forget(fs, h, 1);
	ck_assert_int_eq(dt_write(fs, h, "x", 1, 0), 1);
	ck_assert_int_eq(dt_unlink(fs, DT_ROOT_INO, "h"), 0);
	ck_assert_int_eq(dt_getattr(fs, h, &st), -ENOENT);
	fsck_clean();
	reopen();
	ck_assert_int_eq(dt_getattr(fs, ino, &st), -ENOENT);
	fsck_clean();
}
END_TEST

/* core/fs.c: dt_fs_close reclaims orphans still referenced ("the kernel is
 * gone"), so a close without release leaves nothing behind. */
START_TEST(test_orphan_close)
{
	struct stat st;
	uint64_t ino;

	ck_assert_int_eq(
		dt_create(fs, DT_ROOT_INO, "f", 0644, 0, 0, O_RDWR, &st), 0);
	ino = st.st_ino;
	ck_assert_int_eq(dt_write(fs, ino, "data", 4, 0), 4);
	ck_assert_int_eq(dt_unlink(fs, DT_ROOT_INO, "f"), 0);
	reopen();
	ck_assert_int_eq(dt_getattr(fs, ino, &st), -ENOENT);
	fsck_clean();
}
END_TEST

/* The child of test_orphan_crash: leaves open orphans and dies. */
static int crash_child(const char *path)
{
	struct dt_fs_opts o = {0};
	struct dt_fs *f;
	struct stat st;
	char err[256], big[3 * CH];
	uint64_t a, b;

	if (dt_fs_open(path, &o, &f, err, sizeof(err)))
		return 2;
	memset(big, 'v', sizeof(big));
	if (dt_create(f, DT_ROOT_INO, "victim", 0644, 0, 0, O_RDWR, &st))
		return 3;
	a = st.st_ino;
	if (dt_write(f, a, big, sizeof(big), 0) != (ssize_t)sizeof(big) ||
	    dt_setxattr(f, a, "user.x", "1", 1, 0) || dt_unlink(f, 1, "victim"))
		return 4;
	if (dt_mknod(f, DT_ROOT_INO, "looked", S_IFREG | 0600, 0, 0, 0, &st) ||
	    dt_write(f, st.st_ino, "y", 1, 0) != 1 ||
	    dt_unlink(f, DT_ROOT_INO, "looked"))
		return 5;
	b = st.st_ino;
	if (dt_create(f, DT_ROOT_INO, "kept", 0644, 0, 0, O_RDWR, &st) ||
	    dt_write(f, st.st_ino, "hello", 5, 0) != 5)
		return 6;
	printf("%llu %llu %llu\n", (unsigned long long)a, (unsigned long long)b,
	       (unsigned long long)st.st_ino);
	fflush(stdout);
	_exit(0); /* a dead daemon: no release, no close */
}

/*
 * The child of test_power_cut: data written and synced, then written again
 * without a sync, then the daemon dies. Prints the inodes, and the data
 * file's size at the sync: what a power cut right after it could keep.
 */
static int powercut_child(const char *path)
{
	struct dt_fs_opts o = {0};
	struct dt_fs *f;
	struct stat st, sb;
	char err[256], v1[2 * CH], v2[CH], dpath[4200];
	uint64_t a, b;

	if (dt_fs_open(path, &o, &f, err, sizeof(err)))
		return 2;
	memset(v1, '1', sizeof(v1));
	memset(v2, '2', sizeof(v2));
	if (dt_create(f, DT_ROOT_INO, "a", 0644, 0, 0, O_RDWR, &st))
		return 3;
	a = st.st_ino;
	if (dt_write(f, a, v1, sizeof(v1), 0) != (ssize_t)sizeof(v1) ||
	    dt_sync(f))
		return 4;
	snprintf(dpath, sizeof(dpath), "%s/data", path);
	if (stat(dpath, &sb))
		return 5;
	/* after the sync: an overwrite, a write into a hole, a new file */
	if (dt_write(f, a, v2, sizeof(v2), 100) != (ssize_t)sizeof(v2) ||
	    dt_write(f, a, "x", 1, 5 * CH) != 1)
		return 6;
	if (dt_create(f, DT_ROOT_INO, "b", 0644, 0, 0, O_RDWR, &st) ||
	    dt_write(f, st.st_ino, v2, 3 * DT_DATA_BLOCK, 0) !=
		    3 * DT_DATA_BLOCK)
		return 7;
	b = st.st_ino;
	printf("%llu %llu %lld\n", (unsigned long long)a, (unsigned long long)b,
	       (long long)sb.st_size);
	fflush(stdout);
	_exit(0);
}

/* this binary, for the crash child: argv[0] made absolute (under valgrind
 * /proc/self/exe is valgrind's tool, not the test) */
static char self_exe[4096] = "/proc/self/exe";

START_TEST(test_orphan_crash)
{
	unsigned long long a = 0, b = 0, k = 0;
	struct dt_fs_opts ro = {.readonly = 1};
	struct stat st;
	char buf[8];
	int p[2], status;
	FILE *in;
	pid_t pid;

	dt_fs_close(fs);
	fs = NULL;
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(self_exe, "test_core", "--crash-child", store,
		      (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	in = fdopen(p[0], "r");
	ck_assert_int_eq(fscanf(in, "%llu %llu %llu", &a, &b, &k), 3);
	fclose(in);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* read-only: the orphans are still there, pending, not problems */
	fs = open_opts(&ro);
	ck_assert_int_eq(dt_getattr(fs, a, &st), 0);
	ck_assert_uint_eq(st.st_nlink, 0);
	ck_assert_int_eq(st.st_size, 3 * CH);
	/* unlinked while only looked up: deleted with its name at once */
	ck_assert_int_eq(dt_getattr(fs, b, &st), -ENOENT);
	fsck_clean();
	dt_fs_close(fs);
	fs = NULL;
	/* the next read-write open reclaims them */
	fs = open_store(0);
	ck_assert_int_eq(dt_getattr(fs, a, &st), -ENOENT);
	ck_assert_int_eq(dt_getattr(fs, b, &st), -ENOENT);
	ck_assert_int_eq(dt_getxattr(fs, a, "user.x", buf, sizeof(buf)),
			 -ENOENT);
	ck_assert_uint_eq(ino_of(DT_ROOT_INO, "kept"), k);
	ck_assert_int_eq(dt_read(fs, k, buf, sizeof(buf), 0), 5);
	ck_assert_mem_eq(buf, "hello", 5);
	fsck_clean();
	reopen();
	fsck_clean();
}
END_TEST

/*
 * A power cut: the WAL kept the maps of writes made after the last sync,
 * the data file lost their blocks. The next mount rolls each such block
 * back to what it held at the sync (or to a hole), never garbage, never
 * EIO; a read-only fsck before that mount reports them as pending, not as
 * damage.
 */
START_TEST(test_power_cut)
{
	unsigned long long a = 0, b = 0;
	long long synced = 0;
	struct dt_fs_opts ro = {.readonly = 1};
	static char buf[6 * CH], want[6 * CH];
	char dpath[200];
	struct stat st;
	int p[2], status, fd;
	FILE *in;
	pid_t pid;

	dt_fs_close(fs);
	fs = NULL;
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(self_exe, "test_core", "--powercut-child", store,
		      (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	in = fdopen(p[0], "r");
	ck_assert_int_eq(fscanf(in, "%llu %llu %lld", &a, &b, &synced), 3);
	fclose(in);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* the power cut: every data block written after the sync is zeros */
	snprintf(dpath, sizeof(dpath), "%s/data", store);
	fd = open(dpath, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_gt(st.st_size, synced);
	ck_assert_int_eq(fallocate(fd,
				   FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				   synced, st.st_size - synced),
			 0);
	close(fd);
	/* read-only: pending roll-backs, no problem */
	fs = open_opts(&ro);
	fsck_clean();
	dt_fs_close(fs);
	fs = NULL;
	/* the mount rolls back */
	fs = open_store(0);
	memset(want, '1', 2 * CH);
	memset(want + 2 * CH, 0, sizeof(want) - 2 * CH);
	ck_assert_int_eq(size_of(a), 5 * CH + 1);
	ck_assert_int_eq(dt_read(fs, a, buf, sizeof(buf), 0), 5 * CH + 1);
	ck_assert_mem_eq(buf, want, 5 * CH + 1);
	ck_assert_int_eq(blocks_of(a), 2 * CH / 512);
	ck_assert_int_eq(size_of(b), 3 * DT_DATA_BLOCK);
	ck_assert_int_eq(dt_read(fs, b, buf, sizeof(buf), 0),
			 3 * DT_DATA_BLOCK);
	ck_assert(all_zero(buf, 3 * DT_DATA_BLOCK));
	ck_assert_int_eq(blocks_of(b), 0);
	fsck_clean();
	/* and the rolled-back file is written as any other */
	ck_assert_int_eq(dt_write(fs, a, "zz", 2, CH), 2);
	reopen();
	ck_assert_int_eq(dt_read(fs, a, buf, 4, CH - 1), 4);
	ck_assert_mem_eq(buf, "1zz1", 4);
	fsck_clean();
}
END_TEST

/* Small files keep their data inline in RocksDB; every change of shape
 * moves it to a block and keeps the bytes. */
START_TEST(test_inline)
{
	static char a[2 * CH], b[2 * CH];
	struct stat st, in = {0};
	uint64_t f = mkfile(DT_ROOT_INO, "small");

	fill(a, sizeof(a), 3);
	ck_assert_int_eq(dt_write(fs, f, a, 100, 3000), 100);
	ck_assert_int_eq(size_of(f), 3100);
	ck_assert_int_eq(blocks_of(f), BLK / 512);
	ck_assert_int_eq(dt_read(fs, f, b, sizeof(b), 0), 3100);
	ck_assert(all_zero(b, 3000));
	ck_assert_mem_eq(b + 3000, a, 100);
	ck_assert_int_eq(dt_lseek(fs, f, 0, SEEK_DATA), 0);
	ck_assert_int_eq(dt_lseek(fs, f, 0, SEEK_HOLE), 3100);
	fsck_clean();
	reopen();
	ck_assert_int_eq(dt_read(fs, f, b, sizeof(b), 2990), 110);
	ck_assert_mem_eq(b + 10, a, 100);
	/* truncate down, then up past the inline limit: still inline, zeros */
	in.st_size = 3050;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &st), 0);
	in.st_size = CH;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(dt_read(fs, f, b, sizeof(b), 3000), CH - 3000);
	ck_assert_mem_eq(b, a, 50);
	ck_assert(all_zero(b + 50, CH - 3050));
	ck_assert_int_eq(dt_lseek(fs, f, 3050, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(dt_lseek(fs, f, 10, SEEK_HOLE), 3050);
	fsck_clean();
	/* a write past the limit moves the data to a block */
	ck_assert_int_eq(dt_write(fs, f, a, 10, 5000), 10);
	ck_assert_int_eq(dt_read(fs, f, b, 5010, 0), 5010);
	ck_assert(all_zero(b, 3000));
	ck_assert_mem_eq(b + 3000, a, 50);
	ck_assert(all_zero(b + 3050, 1950));
	ck_assert_mem_eq(b + 5000, a, 10);
	ck_assert_int_eq(blocks_of(f), 2 * BLK / 512);
	fsck_clean();
	/* fallocate and punch of an inline file */
	uint64_t g = mkfile(DT_ROOT_INO, "g");
	ck_assert_int_eq(dt_write(fs, g, a, 4096, 0), 4096);
	ck_assert_int_eq(blocks_of(g), BLK / 512);
	ck_assert_int_eq(
		dt_fallocate(fs, g, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     100, 200),
		0);
	ck_assert_int_eq(dt_read(fs, g, b, 4096, 0), 4096);
	ck_assert_mem_eq(b, a, 100);
	ck_assert(all_zero(b + 100, 200));
	ck_assert_mem_eq(b + 300, a + 300, 4096 - 300);
	ck_assert_int_eq(dt_fallocate(fs, g, 0, 0, CH), 0);
	ck_assert_int_eq(blocks_of(g), CH / 512);
	ck_assert_int_eq(size_of(g), CH);
	/* truncate to 0 and write small again: inline again */
	in.st_size = 0;
	ck_assert_int_eq(dt_setattr(fs, g, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(blocks_of(g), 0);
	ck_assert_int_eq(dt_write(fs, g, "hi", 2, 0), 2);
	ck_assert_int_eq(blocks_of(g), BLK / 512);
	in.st_size = 0;
	ck_assert_int_eq(dt_setattr(fs, g, &in, DT_SET_SIZE, &st), 0);
	ck_assert_int_eq(blocks_of(g), 0);
	ck_assert_int_eq(dt_read(fs, g, b, 10, 0), 0);
	fsck_clean();
	reopen();
	fsck_clean();
}
END_TEST

/* Syncs racing with writes that move small files' data to blocks: the
 * move is an operation inside the write's; a sync waiting between the two
 * must not block them (it did: a deadlock under the crash campaign). */
static volatile int sync_stop;

static void *sync_loop(void *arg)
{
	(void)arg;
	while (!sync_stop)
		ck_assert_int_eq(dt_sync(fs), 0);
	return NULL;
}

START_TEST(test_sync_vs_inline)
{
	static char a[3 * DT_DATA_BLOCK];
	struct timespec t0, t;
	pthread_t th;
	int n = 0;

	fill(a, sizeof(a), 2);
	sync_stop = 0;
	ck_assert_int_eq(pthread_create(&th, NULL, sync_loop, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		char nm[32];
		uint64_t f;

		snprintf(nm, sizeof(nm), "f%d", n++);
		f = mkfile(DT_ROOT_INO, nm);
		ck_assert_int_eq(dt_write(fs, f, a, 100, 0), 100);
		ck_assert_int_eq(dt_write(fs, f, a, sizeof(a), 50), sizeof(a));
		ck_assert_int_eq(dt_fallocate(fs, f, 0, 0, 1), 0);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 3);
	sync_stop = 1;
	pthread_join(th, NULL);
	fsck_clean();
}
END_TEST

/* ---- fsck ---- */

START_TEST(test_fsck_workload)
{
	static char a[2 * CH + 77];
	struct dt_fs_opts ro = {.readonly = 1};
	struct stat st, in = {0};
	char nm[32];
	uint64_t d = mkd(DT_ROOT_INO, "w");

	fill(a, sizeof(a), 11);
	for (int i = 0; i < 60; i++) {
		uint64_t f;

		snprintf(nm, sizeof(nm), "f%d", i);
		f = mkfile(d, nm);
		ck_assert_int_eq(dt_write(fs, f, a,
					  (size_t)(i * 997) % sizeof(a) + 1,
					  (off_t)i * 4099),
				 (ssize_t)((size_t)(i * 997) % sizeof(a) + 1));
		if (i % 3 == 0) {
			in.st_size = i * 1000;
			ck_assert_int_eq(
				dt_setattr(fs, f, &in, DT_SET_SIZE, &st), 0);
		}
		if (i % 4 == 0)
			ck_assert_int_eq(
				dt_fallocate(fs, f,
					     FALLOC_FL_PUNCH_HOLE |
						     FALLOC_FL_KEEP_SIZE,
					     100, CH),
				0);
		if (i % 5 == 0) {
			snprintf(nm, sizeof(nm), "sub%d", i);
			mkd(d, nm);
		}
		if (i % 7 == 0) {
			snprintf(nm, sizeof(nm), "l%d", i);
			ck_assert_int_eq(dt_link(fs, f, DT_ROOT_INO, nm, &st),
					 0);
		}
		if (i % 6 == 1) {
			snprintf(nm, sizeof(nm), "f%d", i);
			ck_assert_int_eq(dt_unlink(fs, d, nm), 0);
		}
		if (i % 8 == 2) {
			char nn[32];

			snprintf(nm, sizeof(nm), "f%d", i);
			snprintf(nn, sizeof(nn), "r%d", i);
			ck_assert_int_eq(
				dt_rename(fs, d, nm, DT_ROOT_INO, nn, 0), 0);
		}
		/* a file whose last name went is deleted with it (no one
		 * has it open): its xattrs cannot change any more */
		ck_assert_int_eq(
			dt_setxattr(fs, f, "user.i", nm, strlen(nm), 0),
			i % 6 == 1 && i % 7 ? -ENOENT : 0);
	}
	ck_assert_int_eq(dt_rmdir(fs, d, "sub5"), 0);
	ck_assert_int_eq(dt_rename(fs, d, "sub10", DT_ROOT_INO, "s10", 0), 0);
	fsck_clean();
	ck_assert_int_eq(dt_sync(fs), 0);
	reopen();
	fsck_clean();
	dt_fs_close(fs);
	fs = open_opts(&ro);
	fsck_clean();
}
END_TEST

/* ---- directories ---- */

START_TEST(test_readdir)
{
	struct dt_dir *d, *d2;
	const char *name;
	struct stat st;
	char nm[32];
	int seen[200] = {0}, n = 0;
	uint64_t dir = mkd(DT_ROOT_INO, "d");

	for (int i = 0; i < 200; i++) {
		snprintf(nm, sizeof(nm), "e%03d", i);
		if (i % 2)
			mkd(dir, nm);
		else
			mkfile(dir, nm);
	}
	ck_assert_int_eq(dt_opendir(fs, dir, &d), 0);
	for (size_t i = 0; !dt_dir_entry(d, i, &name, &st); i++) {
		int k;

		n++;
		if (i == 0) {
			ck_assert_str_eq(name, ".");
			ck_assert_uint_eq(st.st_ino, dir);
			ck_assert(S_ISDIR(st.st_mode));
			continue;
		}
		if (i == 1) {
			ck_assert_str_eq(name, "..");
			ck_assert_uint_eq(st.st_ino, DT_ROOT_INO);
			ck_assert(S_ISDIR(st.st_mode));
			continue;
		}
		ck_assert_int_eq(sscanf(name, "e%d", &k), 1);
		ck_assert_uint_eq(st.st_ino, ino_of(dir, name));
		seen[k]++;
		ck_assert(k % 2 ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
	}
	ck_assert_int_eq(n, 202);
	for (int i = 0; i < 200; i++)
		ck_assert_int_eq(seen[i], 1);
	/* the snapshot does not change under it */
	mkfile(dir, "late");
	ck_assert_int_eq(dt_unlink(fs, dir, "e000"), 0);
	ck_assert_int_eq(dt_dir_entry(d, 202, &name, &st), -ENOENT);
	ck_assert_int_eq(dt_dir_entry(d, 1000, &name, &st), -ENOENT);
	ck_assert_int_eq(dt_dir_entry(d, 2, &name, &st), 0);
	ck_assert_str_eq(name, "e000");
	ck_assert_int_eq(dt_opendir(fs, dir, &d2), 0);
	ck_assert_uint_eq(dir_type(dir, "late", NULL), S_IFREG);
	ck_assert_uint_eq(dir_type(dir, "e000", NULL), 0);
	dt_closedir(d2);
	dt_closedir(d);
	/* root: ".." is itself; all the types */
	ck_assert_int_eq(dt_symlink(fs, DT_ROOT_INO, "sl", "x", 0, 0, &st), 0);
	ck_assert_int_eq(
		dt_mknod(fs, DT_ROOT_INO, "p", S_IFIFO | 0600, 0, 0, 0, &st),
		0);
	ck_assert_int_eq(
		dt_mknod(fs, DT_ROOT_INO, "s", S_IFSOCK | 0600, 0, 0, 0, &st),
		0);
	ck_assert_int_eq(
		dt_mknod(fs, DT_ROOT_INO, "c", S_IFCHR | 0600, 0, 0, 0, &st),
		0);
	ck_assert_int_eq(
		dt_mknod(fs, DT_ROOT_INO, "b", S_IFBLK | 0600, 0, 0, 0, &st),
		0);
	{
		uint64_t dd = 0;

		ck_assert_uint_eq(dir_type(DT_ROOT_INO, "..", &dd), S_IFDIR);
		ck_assert_uint_eq(dd, DT_ROOT_INO);
	}
	ck_assert_uint_eq(dir_type(DT_ROOT_INO, "sl", NULL), S_IFLNK);
	ck_assert_uint_eq(dir_type(DT_ROOT_INO, "p", NULL), S_IFIFO);
	ck_assert_uint_eq(dir_type(DT_ROOT_INO, "s", NULL), S_IFSOCK);
	ck_assert_uint_eq(dir_type(DT_ROOT_INO, "c", NULL), S_IFCHR);
	ck_assert_uint_eq(dir_type(DT_ROOT_INO, "b", NULL), S_IFBLK);
	ck_assert_uint_eq(dir_type(DT_ROOT_INO, "d", NULL), S_IFDIR);
	ck_assert_uint_eq(dir_count(DT_ROOT_INO), 2 + 6);
	ck_assert_int_eq(dt_opendir(fs, 555555, &d), -ENOENT);
	/* an empty directory has just the two */
	ck_assert_uint_eq(dir_count(mkd(DT_ROOT_INO, "empty")), 2);
}
END_TEST

/* ---- timestamps ---- */

START_TEST(test_times)
{
	struct stat a, b, c, in = {0};
	struct timespec now;
	uint64_t f = mkfile(DT_ROOT_INO, "f");

	ck_assert_int_eq(dt_getattr(fs, f, &a), 0);
	clock_gettime(CLOCK_REALTIME, &now);
	ck_assert_int_le(a.st_mtim.tv_sec, now.tv_sec);
	ck_assert_int_ge(a.st_mtim.tv_sec, now.tv_sec - 5);
	/* write: mtime and ctime advance */
	tick();
	ck_assert_int_eq(dt_write(fs, f, "x", 1, 0), 1);
	ck_assert_int_eq(dt_getattr(fs, f, &b), 0);
	ck_assert(ts_after(b.st_mtim, a.st_mtim));
	ck_assert(ts_after(b.st_ctim, a.st_ctim));
	/* a read changes neither */
	ck_assert_int_eq(dt_read(fs, f, &c, 1, 0), 1);
	ck_assert_int_eq(dt_getattr(fs, f, &c), 0);
	ck_assert(ts_eq(c.st_mtim, b.st_mtim));
	ck_assert(ts_eq(c.st_ctim, b.st_ctim));
	/* chmod: ctime only */
	tick();
	in.st_mode = 0600;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_MODE, &a), 0);
	ck_assert_uint_eq(a.st_mode, S_IFREG | 0600);
	ck_assert(ts_after(a.st_ctim, b.st_ctim));
	ck_assert(ts_eq(a.st_mtim, b.st_mtim));
	/* truncate: both */
	tick();
	in.st_size = 0;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_SIZE, &b), 0);
	ck_assert(ts_after(b.st_mtim, a.st_mtim));
	ck_assert(ts_after(b.st_ctim, a.st_ctim));
	/* explicit times */
	tick();
	in.st_mtim.tv_sec = 12345;
	in.st_mtim.tv_nsec = 678;
	in.st_atim.tv_sec = 23456;
	in.st_atim.tv_nsec = 789;
	ck_assert_int_eq(
		dt_setattr(fs, f, &in, DT_SET_MTIME | DT_SET_ATIME, &a), 0);
	ck_assert_int_eq(a.st_mtim.tv_sec, 12345);
	ck_assert_int_eq(a.st_mtim.tv_nsec, 678);
	ck_assert_int_eq(a.st_atim.tv_sec, 23456);
	ck_assert_int_eq(a.st_atim.tv_nsec, 789);
	ck_assert(ts_after(a.st_ctim, b.st_ctim));
	ck_assert_int_eq(dt_getattr(fs, f, &c), 0);
	ck_assert(ts_eq(c.st_mtim, a.st_mtim));
	ck_assert(ts_eq(c.st_atim, a.st_atim));
	/* now */
	ck_assert_int_eq(
		dt_setattr(fs, f, &in, DT_SET_MTIME | DT_SET_MTIME_NOW, &a), 0);
	clock_gettime(CLOCK_REALTIME, &now);
	ck_assert_int_gt(a.st_mtim.tv_sec, 12345);
	ck_assert_int_le(a.st_mtim.tv_sec, now.tv_sec);
	ck_assert_int_ge(a.st_mtim.tv_sec, now.tv_sec - 5);
	ck_assert_int_eq(a.st_atim.tv_sec, 23456); /* untouched */
	ck_assert_int_eq(
		dt_setattr(fs, f, &in, DT_SET_ATIME | DT_SET_ATIME_NOW, &a), 0);
	ck_assert_int_ge(a.st_atim.tv_sec, now.tv_sec - 5);
	/* explicit ctime */
	in.st_ctim.tv_sec = 999;
	in.st_ctim.tv_nsec = 1;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_CTIME, &a), 0);
	ck_assert_int_eq(a.st_ctim.tv_sec, 999);
	ck_assert_int_eq(a.st_ctim.tv_nsec, 1);
	/* explicit times persist */
	in.st_mtim.tv_sec = 12345;
	ck_assert_int_eq(dt_setattr(fs, f, &in, DT_SET_MTIME, &a), 0);
	reopen();
	ck_assert_int_eq(dt_getattr(fs, f, &b), 0);
	ck_assert_int_eq(b.st_mtim.tv_sec, 12345);
	ck_assert_int_eq(b.st_mtim.tv_nsec, 678);
}
END_TEST

START_TEST(test_dir_times)
{
	struct stat a, b, c;
	uint64_t d = mkd(DT_ROOT_INO, "d"), f;

	ck_assert_int_eq(dt_getattr(fs, d, &a), 0);
	tick();
	f = mkfile(d, "f");
	ck_assert_int_eq(dt_getattr(fs, d, &b), 0);
	ck_assert(ts_after(b.st_mtim, a.st_mtim));
	ck_assert(ts_after(b.st_ctim, a.st_ctim));
	tick();
	ck_assert_int_eq(dt_getattr(fs, f, &a), 0);
	ck_assert_int_eq(dt_rename(fs, d, "f", d, "g", 0), 0);
	ck_assert_int_eq(dt_getattr(fs, d, &c), 0);
	ck_assert(ts_after(c.st_mtim, b.st_mtim));
	ck_assert_int_eq(dt_getattr(fs, f, &b), 0);
	ck_assert(ts_after(b.st_ctim, a.st_ctim));
	tick();
	ck_assert_int_eq(dt_unlink(fs, d, "g"), 0);
	ck_assert_int_eq(dt_getattr(fs, d, &a), 0);
	ck_assert(ts_after(a.st_mtim, c.st_mtim));
	ck_assert_int_eq(dt_getattr(fs, f, &c), 0);
	ck_assert(ts_after(c.st_ctim, b.st_ctim));
}
END_TEST

START_TEST(test_rewind)
{
	struct dt_dir *d;
	const char *name;
	struct stat st;
	uint64_t dir = mkd(DT_ROOT_INO, "d");
	size_t n = 0;

	mkfile(dir, "a");
	ck_assert_int_eq(dt_opendir(fs, dir, &d), 0);
	/* the listing is taken at the first read: "b" shows */
	mkfile(dir, "b");
	while (!dt_dir_entry(d, n, &name, &st))
		n++;
	ck_assert_uint_eq(n, 4);
	mkfile(dir, "c");
	ck_assert_int_eq(dt_dir_entry(d, 4, &name, &st), -ENOENT);
	/* read again from 0: the name created since shows */
	ck_assert_int_eq(dt_dir_rewind(fs, dir, d), 0);
	ck_assert_int_eq(dt_dir_entry(d, 4, &name, &st), 0);
	ck_assert_str_eq(name, "c");
	ck_assert_uint_eq(st.st_ino, ino_of(dir, "c"));
	dt_closedir(d);
}
END_TEST

static int never_member(const struct dt_cred *c, gid_t gid)
{
	(void)c;
	(void)gid;
	return 0;
}

static int member_of_500(const struct dt_cred *c, gid_t gid)
{
	(void)c;
	return gid == 500;
}

static mode_t mode_of(uint64_t ino)
{
	struct stat st;

	ck_assert_int_eq(dt_getattr(fs, ino, &st), 0);
	return st.st_mode & 07777;
}

static void chmod_to(uint64_t ino, mode_t mode)
{
	struct stat in = {.st_mode = mode};

	ck_assert_int_eq(dt_setattr(fs, ino, &in, DT_SET_MODE, NULL), 0);
}

/* the callers of the set-ID tests: a user outside group 500, a member of
 * it, root; and their file "f", group 500, with @mode */
static const struct dt_cred priv_user = {
	.uid = 1000, .gid = 1000, .in_group = never_member};
static const struct dt_cred priv_member = {
	.uid = 1000, .gid = 1000, .in_group = member_of_500};
static const struct dt_cred priv_root = {.uid = 0, .gid = 0};

static uint64_t privs_file(mode_t mode)
{
	struct stat st;

	ck_assert_int_eq(
		dt_mknod(fs, DT_ROOT_INO, "f", S_IFREG | 0666, 0, 0, 500, &st),
		0);
	chmod_to(st.st_ino, mode);
	return st.st_ino;
}

START_TEST(test_remove_privs)
{
	const struct dt_cred *user = &priv_user, *member = &priv_member,
			     *root = &priv_root;
	uint64_t f = privs_file(06666), d;

	ck_assert_int_eq(dt_remove_privs(fs, f, root), 0);
	ck_assert_uint_eq(mode_of(f), 06666);
	/* a member keeps SGID without group exec */
	ck_assert_int_eq(dt_remove_privs(fs, f, member), S_ISUID);
	ck_assert_uint_eq(mode_of(f), 02666);
	ck_assert_int_eq(dt_remove_privs(fs, f, user), S_ISGID);
	ck_assert_uint_eq(mode_of(f), 0666);
	chmod_to(f, 02676); /* group exec: a real SGID, members lose it too */
	ck_assert_int_eq(dt_remove_privs(fs, f, member), S_ISGID);
	ck_assert_uint_eq(mode_of(f), 0676);
	ck_assert_int_eq(dt_remove_privs(fs, f, user), 0);
	d = mkd(DT_ROOT_INO, "d");
	chmod_to(d, 02777); /* directories keep theirs */
	ck_assert_int_eq(dt_remove_privs(fs, d, user), 0);
	ck_assert_uint_eq(mode_of(d), 02777);
}
END_TEST

/* chown: set-user-ID always, set-group-ID when group-executable or the
 * caller is neither in the group nor privileged; non-directories */
START_TEST(test_chown_privs)
{
	const struct dt_cred *user = &priv_user, *member = &priv_member,
			     *root = &priv_root;
	uint64_t f = privs_file(06755), d;

	ck_assert_int_eq(dt_chown_privs(fs, f, root), S_ISUID | S_ISGID);
	ck_assert_uint_eq(mode_of(f), 0755);
	chmod_to(f, 06644);
	ck_assert_int_eq(dt_chown_privs(fs, f, root), S_ISUID);
	ck_assert_uint_eq(mode_of(f), 02644);
	ck_assert_int_eq(dt_chown_privs(fs, f, member), 0);
	ck_assert_int_eq(dt_chown_privs(fs, f, user), S_ISGID);
	ck_assert_uint_eq(mode_of(f), 0644);
	d = mkd(DT_ROOT_INO, "d");
	chmod_to(d, 06777);
	ck_assert_int_eq(dt_chown_privs(fs, d, user), 0);
	ck_assert_uint_eq(mode_of(d), 06777);
}
END_TEST

/* security.capability goes with a write, truncate or chown, whoever does
 * it; other xattrs stay; known or looked up after a reopen */
START_TEST(test_kill_fcaps)
{
	static const char caps[] = "security.capability";
	struct dt_cred root = {.uid = 0, .gid = 0};
	char v[20] = {2, 0, 0, 2}, buf[32];
	struct stat st;
	uint64_t f;

	ck_assert_int_eq(
		dt_mknod(fs, DT_ROOT_INO, "f", S_IFREG | 0755, 0, 0, 0, &st),
		0);
	f = st.st_ino;
	ck_assert_int_eq(dt_setxattr(fs, f, "user.k", "x", 1, 0), 0);
	ck_assert_int_eq(dt_remove_privs(fs, f, &root), 0);
	ck_assert_int_eq(dt_setxattr(fs, f, caps, v, sizeof(v), 0), 0);
	ck_assert_int_eq(dt_remove_privs(fs, f, &root), 0);
	ck_assert_int_eq(dt_getxattr(fs, f, caps, buf, sizeof(buf)), -ENODATA);
	ck_assert_int_eq(dt_getxattr(fs, f, "user.k", buf, sizeof(buf)), 1);
	/* not known after a reopen: looked up */
	ck_assert_int_eq(dt_setxattr(fs, f, caps, v, sizeof(v), 0), 0);
	reopen();
	ck_assert_int_eq(dt_chown_privs(fs, f, &root), 0);
	ck_assert_int_eq(dt_getxattr(fs, f, caps, buf, sizeof(buf)), -ENODATA);
	reopen();
	ck_assert_int_eq(dt_getxattr(fs, f, caps, buf, sizeof(buf)), -ENODATA);
	ck_assert_int_eq(dt_remove_privs(fs, f, &root), 0);
	/* removed by name, then set again */
	ck_assert_int_eq(dt_setxattr(fs, f, caps, v, sizeof(v), 0), 0);
	ck_assert_int_eq(dt_removexattr(fs, f, caps), 0);
	ck_assert_int_eq(dt_setxattr(fs, f, caps, v, sizeof(v), 0), 0);
	ck_assert_int_eq(dt_remove_privs(fs, f, &root), 0);
	ck_assert_int_eq(dt_getxattr(fs, f, caps, buf, sizeof(buf)), -ENODATA);
}
END_TEST

/* an ACL value of @n entries {tag, perm, id} */
static size_t acl_make(char *v, int n, const unsigned int (*e)[3])
{
	memset(v, 0, 4);
	v[0] = 2;
	for (int i = 0; i < n; i++) {
		char *p = v + 4 + 8 * i;

		p[0] = (char)e[i][0];
		p[1] = 0;
		p[2] = (char)e[i][1];
		p[3] = 0;
		memcpy(p + 4, &e[i][2], 4);
	}
	return 4 + 8 * (size_t)n;
}

START_TEST(test_acl)
{
	static const unsigned int named[][3] = {
		{0x01, 6, 0}, {0x02, 6, 77}, {0x04, 4, 0},
		{0x10, 6, 0}, {0x20, 0, 0},
	};
	static const unsigned int plain[][3] = {
		{0x01, 7, 0}, {0x04, 5, 0}, {0x20, 4, 0}};
	static const unsigned int bad[][3] = {{0x01, 7, 0}, {0x02, 6, 77}};
	struct dt_cred user = {
		.uid = 1000, .gid = 2000, .in_group = never_member};
	struct dt_cred root = {.uid = 0, .gid = 0};
	char v[128], got[128];
	size_t n = acl_make(v, 5, named);
	uint64_t f = mkfile(DT_ROOT_INO, "f"), d, sub;
	struct stat st;
	ssize_t gl;

	ck_assert_int_eq(dt_set_acl(fs, f, 0, v, acl_make(v, 2, bad), &root),
			 -EINVAL);
	n = acl_make(v, 5, named);
	ck_assert_int_eq(dt_set_acl(fs, f, 0, v, n, &root), 0);
	ck_assert_uint_eq(mode_of(f), 0660); /* group class = the mask */
	ck_assert_int_eq(
		dt_getxattr(fs, f, "system.posix_acl_access", got, sizeof(got)),
		(ssize_t)n);
	/* chmod rewrites owner, mask and other */
	chmod_to(f, 0604);
	gl = dt_getxattr(fs, f, "system.posix_acl_access", got, sizeof(got));
	ck_assert_int_eq(gl, (ssize_t)n);
	ck_assert_int_eq(got[4 + 2], 6); /* user:: */
	ck_assert_int_eq(got[4 + 8 + 2], 6); /* user:77 kept */
	ck_assert_int_eq(got[4 + 16 + 2], 4); /* group:: kept */
	ck_assert_int_eq(got[4 + 24 + 2], 0); /* mask */
	ck_assert_int_eq(got[4 + 32 + 2], 4); /* other */
	/* an ACL the mode says alone is not kept; SGID goes for a
	 * non-member */
	chmod_to(f, 02660);
	ck_assert_int_eq(dt_set_acl(fs, f, 0, v, acl_make(v, 3, plain), &user),
			 0);
	ck_assert_uint_eq(mode_of(f), 0754);
	ck_assert_int_eq(
		dt_getxattr(fs, f, "system.posix_acl_access", got, sizeof(got)),
		-ENODATA);
	/* default ACLs: directories only, inherited with the mode masked */
	ck_assert_int_eq(dt_set_acl(fs, f, 1, v, acl_make(v, 5, named), &root),
			 -EACCES);
	d = mkd(DT_ROOT_INO, "d");
	ck_assert_int_eq(dt_has_default_acl(fs, d), 0);
	n = acl_make(v, 5, named);
	ck_assert_int_eq(dt_set_acl(fs, d, 1, v, n, &root), 0);
	ck_assert_int_eq(dt_has_default_acl(fs, d), 1);
	ck_assert_int_eq(dt_mknod(fs, d, "g", S_IFREG | 0640, 0, 0, 0, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640); /* mask rw & 4 */
	gl = dt_getxattr(fs, st.st_ino, "system.posix_acl_access", got,
			 sizeof(got));
	ck_assert_int_eq(gl, (ssize_t)n);
	ck_assert_int_eq(got[4 + 24 + 2], 4); /* mask &= group bits */
	ck_assert_int_eq(dt_getxattr(fs, st.st_ino, "system.posix_acl_default",
				     got, sizeof(got)),
			 -ENODATA);
	ck_assert_int_eq(dt_mkdir(fs, d, "sub", 0777, 0, 0, &st), 0);
	sub = st.st_ino;
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	ck_assert_int_eq(dt_has_default_acl(fs, sub), 1);
}
END_TEST

START_TEST(test_lookup_by_ino)
{
	uint64_t d = mkd(DT_ROOT_INO, "d"), sub = mkd(d, "sub");
	uint64_t f = mkfile(sub, "f");
	struct stat st;

	ck_assert_int_eq(dt_lookup_self(fs, f, &st), 0);
	ck_assert_uint_eq(st.st_ino, f);
	dt_forget(fs, f, 1);
	ck_assert_int_eq(dt_lookup_parent(fs, sub, &st), 0);
	ck_assert_uint_eq(st.st_ino, d);
	dt_forget(fs, d, 1);
	ck_assert_int_eq(dt_lookup_parent(fs, DT_ROOT_INO, &st), 0);
	ck_assert_uint_eq(st.st_ino, DT_ROOT_INO);
	dt_forget(fs, DT_ROOT_INO, 1);
	ck_assert_int_eq(dt_lookup_parent(fs, f, &st), -ENOTDIR);
	ck_assert_int_eq(dt_unlink(fs, sub, "f"), 0);
	ck_assert_int_eq(dt_lookup_self(fs, f, &st), -ENOENT);
	ck_assert_int_eq(dt_lookup_self(fs, 999999, &st), -ENOENT);
	/* numbers are not reused */
	ck_assert_uint_gt(mkfile(sub, "g"), f);
}
END_TEST

START_TEST(test_statfs)
{
	struct statvfs sv;

	ck_assert_int_eq(dt_statfs(fs, &sv), 0);
	ck_assert_uint_eq(sv.f_namemax, DT_NAME_MAX);
	ck_assert_uint_gt(sv.f_blocks, 0);
	ck_assert_uint_gt(sv.f_bsize, 0);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	struct {
		const char *name;
		const TTest *fn;
		int timeout;
	} tests[] = {
		{"store", test_store_reopen, 60},
		{"store", test_store_blocks, 60},
		{"store", test_store_refusals, 60},
		{"store", test_store_version, 60},
		{"inodes", test_nodes, 60},
		{"inodes", test_setattr, 60},
		{"names", test_name_errors, 60},
		{"names", test_dir_nlink, 60},
		{"names", test_links, 60},
		{"names", test_rename, 60},
		{"names", test_rename_dirs, 60},
		{"data", test_data_roundtrip, 60},
		{"data", test_write_empty, 10},
		{"data", test_write_empty_at_zero, 5},
		{"data", test_sparse, 60},
		{"data", test_truncate, 60},
		{"data", test_fallocate, 60},
		{"data", test_seek_data_hole, 60},
		{"data", test_copy_file_range, 60},
		{"xattr", test_xattr, 60},
		{"orphans", test_orphan_release, 60},
		{"orphans", test_orphan_close, 60},
		{"orphans", test_orphan_crash, 60},
		{"store", test_power_cut, 60},
		{"data", test_inline, 60},
		{"data", test_sync_vs_inline, 30},
		{"fsck", test_fsck_workload, 60},
		{"dirs", test_readdir, 60},
		{"times", test_times, 60},
		{"times", test_dir_times, 60},
		{"misc", test_statfs, 60},
		{"dirs", test_rewind, 60},
		{"inodes", test_remove_privs, 60},
		{"inodes", test_chown_privs, 60},
		{"inodes", test_kill_fcaps, 60},
		{"xattr", test_acl, 60},
		{"names", test_lookup_by_ino, 60},
	};

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		TCase *tc = tcase_create(tests[i].name);

		tcase_add_unchecked_fixture(tc, mk_tmpdir, rm_tmpdir);
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, tests[i].timeout);
		_tcase_add_test(tc, tests[i].fn, 0, 0, 0, 1);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int failed;

	if (argc == 3 && !strcmp(argv[1], "--crash-child"))
		return crash_child(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--powercut-child"))
		return powercut_child(argv[2]);
	if (strchr(argv[0], '/') && !realpath(argv[0], self_exe))
		strcpy(self_exe, "/proc/self/exe");
	sr = srunner_create(core_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
