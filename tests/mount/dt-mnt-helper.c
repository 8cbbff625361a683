// SPDX-License-Identifier: GPL-2.0
/*
 * dt-mnt-helper: syscall-level checks for the mount tests, where the shell
 * cannot say exactly which errno it wants.
 *
 *   dt-mnt-helper posix DIR      errnos, links, renames, times, xattrs,
 *                                fallocate, SEEK_DATA/HOLE, copy_file_range,
 *                                unlinked-but-open files, special files
 *   dt-mnt-helper mmap-coherence FILE (or mmap FILE)  shared-mmap coherence
 *                                with read()/write(), two mappings, private
 *                                mappings, truncation under a mapping
 *   dt-mnt-helper odirect FILE   O_DIRECT writes and reads, and their
 *                                coherence with buffered I/O
 *   dt-mnt-helper appender DIR JOURNAL  numbered O_APPEND records and
 *                                renamed files, each acknowledged one
 *                                counted in JOURNAL; runs until an error
 *   dt-mnt-helper appender-check DIR JOURNAL  every acknowledged record
 *                                and file is there, intact
 *   dt-mnt-helper workload DIR SEED   a deterministic mix of mmap stores +
 *                                msync, write(), truncate and punch
 *   dt-mnt-helper dio-race EXT DST SECS  O_DIRECT reads from EXT (another
 *                                filesystem) into a MAP_SHARED mapping of
 *                                DST while a thread loops msync
 *   dt-mnt-helper race SRC DST   the deterministic pinned-page race: gate
 *                                SRC, O_DIRECT read SRC into a MAP_SHARED
 *                                mapping of DST, msync while gated, release,
 *                                msync again (exit 0 if the steps ran; the
 *                                verdict is the dirty log's)
 *
 * Prints one line per failed check and exits 1 if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <grp.h>
#include "dtfs/ioctl.h"

static int failures;

#define CHECK(cond, ...)                                                    \
	do {                                                                \
		if (!(cond)) {                                              \
			failures++;                                         \
			printf("FAIL %s:%d: ", __func__, __LINE__);         \
			printf(__VA_ARGS__);                                \
			printf(" (errno %d %s)\n", errno, strerror(errno)); \
		}                                                           \
	} while (0)

/* expect call to fail with errno e */
#define ERR(call, e)                                                          \
	do {                                                                  \
		errno = 0;                                                    \
		long r_ = (long)(call);                                       \
		CHECK(r_ == -1 && errno == (e), "%s: want errno %d, got %ld", \
		      #call, (e), r_);                                        \
	} while (0)

#define OK(call)                                               \
	do {                                                   \
		errno = 0;                                     \
		long r_ = (long)(call);                        \
		CHECK(r_ >= 0, "%s: returned %ld", #call, r_); \
	} while (0)

static void put(const char *p, const char *data, size_t n)
{
	int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	CHECK(fd >= 0, "open %s", p);
	if (fd < 0)
		return;
	CHECK(write(fd, data, n) == (ssize_t)n, "write %s", p);
	close(fd);
}

static int ts_after(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec ||
	       (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static void pause_ms(int ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&t, NULL);
}

/* Is the directory we run in on FUSE? Some results are the kernel's FUSE
 * layer's, not the filesystem's (fallocate collapse/insert). */
static int on_fuse;
/* With -o writeback_cache the kernel caches attributes until attr_timeout;
 * settle() waits that out where a check reads st_blocks or the size. */
static int wb_cache;

static void settle(int fd)
{
	if (fd >= 0)
		fsync(fd);
	if (wb_cache)
		pause_ms(1100);
}

static void fill(char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (char)(seed >> 16);
	}
}

static int all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void names(void)
{
	char longname[300], target[4200], buf[4200];
	struct statvfs sv;
	struct stat st;
	ssize_t n;
	int fd;

	memset(longname, 'n', 256);
	longname[256] = 0;
	OK(mkdir("d", 0755));
	ERR(mkdir("d", 0755), EEXIST);
	ERR(mkdir(longname, 0755), ENAMETOOLONG);
	ERR(open(longname, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	ERR(symlink("x", longname), ENAMETOOLONG);
	ERR(mknod(longname, S_IFIFO | 0600, 0), ENAMETOOLONG);
	longname[255] = 0; /* NAME_MAX exactly is fine */
	fd = open(longname, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "create a 255-byte name");
	if (fd >= 0)
		close(fd);
	OK(stat(longname, &st));
	OK(unlink(longname));
	put("d/f", "x", 1);
	ERR(rmdir("d"), ENOTEMPTY);
	ERR(unlink("d"), EISDIR);
	ERR(rmdir("d/f"), ENOTDIR);
	ERR(mkdir("d/f/g", 0755), ENOTDIR);
	ERR(open("d/f/g", O_CREAT | O_WRONLY, 0644), ENOTDIR);
	ERR(open("d/f", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	ERR(open("d", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	ERR(open("d", O_WRONLY), EISDIR);
	ERR(open("d/f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	ERR(truncate("d", 0), EISDIR);
	ERR(open("nope/x", O_RDONLY), ENOENT);
	ERR(open("nope", O_RDONLY), ENOENT);
	ERR(unlink("nope"), ENOENT);
	ERR(rmdir("nope"), ENOENT);
	ERR(rmdir("d/."), EINVAL);
	ERR(link("d", "dl"), EPERM);
	ERR(link("nope", "dl"), ENOENT);
	ERR(link("d/f", "d"), EEXIST);
	ERR(mknod("d/f", S_IFIFO | 0600, 0), EEXIST);
	ERR(symlink("x", "d/f"), EEXIST);
	/* exact attributes of what was just made (umask is 0) */
	OK(stat("d", &st));
	CHECK(st.st_mode == (S_IFDIR | 0755), "dir mode %o", st.st_mode);
	CHECK(st.st_nlink == 2, "dir nlink %lu", (unsigned long)st.st_nlink);
	CHECK(st.st_uid == getuid() && st.st_gid == getgid(), "dir owner");
	OK(mkdir("d/sub", 0700));
	OK(stat("d", &st));
	CHECK(st.st_nlink == 3, "dir nlink with subdir %lu",
	      (unsigned long)st.st_nlink);
	OK(stat("d/sub", &st));
	CHECK(st.st_mode == (S_IFDIR | 0700), "subdir mode %o", st.st_mode);
	OK(rmdir("d/sub"));
	OK(stat("d", &st));
	CHECK(st.st_nlink == 2, "dir nlink after rmdir %lu",
	      (unsigned long)st.st_nlink);
	fd = open("d/m", O_CREAT | O_EXCL | O_WRONLY, 0640);
	CHECK(fd >= 0, "O_EXCL create");
	if (fd >= 0) {
		static char zb[12345];

		CHECK(write(fd, zb, sizeof(zb)) == 12345, "write 12345");
		OK(fstat(fd, &st));
		CHECK(st.st_mode == (S_IFREG | 0640) && st.st_nlink == 1 &&
			      st.st_size == 12345 && st.st_uid == getuid() &&
			      st.st_gid == getgid(),
		      "new file: mode %o nlink %lu size %ld", st.st_mode,
		      (unsigned long)st.st_nlink, (long)st.st_size);
		ERR(read(fd, buf, 1), EBADF);
		close(fd);
	}
	fd = open("d/m", O_RDONLY);
	ERR(write(fd, "x", 1), EBADF);
	ERR(ftruncate(fd, 0), EINVAL); /* not open for writing */
	close(fd);
	/* hard links */
	OK(link("d/f", "d/f2"));
	OK(stat("d/f", &st));
	CHECK(st.st_nlink == 2, "nlink after link %lu",
	      (unsigned long)st.st_nlink);
	OK(link("d/f", "f3"));
	OK(stat("f3", &st));
	CHECK(st.st_nlink == 3, "nlink after 2nd link %lu",
	      (unsigned long)st.st_nlink);
	put("f3", "through f3", 10);
	n = pread(fd = open("d/f2", O_RDONLY), buf, 64, 0);
	CHECK(n == 10 && !memcmp(buf, "through f3", 10),
	      "hard link shares data (%zd)", n);
	close(fd);
	OK(unlink("d/f2"));
	OK(unlink("f3"));
	OK(stat("d/f", &st));
	CHECK(st.st_nlink == 1 && st.st_size == 10, "nlink after unlink %lu",
	      (unsigned long)st.st_nlink);
	/* symlinks */
	OK(symlink("d/f", "sl"));
	n = readlink("sl", buf, sizeof(buf));
	CHECK(n == 3 && !memcmp(buf, "d/f", 3), "readlink %zd", n);
	n = readlink("sl", buf, 2);
	CHECK(n == 2 && !memcmp(buf, "d/", 2), "short readlink %zd", n);
	OK(lstat("sl", &st));
	CHECK(st.st_mode == (S_IFLNK | 0777) && st.st_size == 3,
	      "symlink lstat mode %o size %ld", st.st_mode, (long)st.st_size);
	OK(stat("sl", &st));
	CHECK(S_ISREG(st.st_mode), "symlink follows");
	ERR(readlink("d/f", buf, sizeof(buf)), EINVAL);
	ERR(open("sl", O_RDONLY | O_NOFOLLOW), ELOOP);
	OK(symlink("dangling/target", "dangle"));
	ERR(stat("dangle", &st), ENOENT);
	ERR(open("dangle", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	OK(symlink("loop2", "loop1"));
	OK(symlink("loop1", "loop2"));
	ERR(open("loop1", O_RDONLY), ELOOP);
	memset(target, 't', 4095);
	target[4095] = 0;
	OK(symlink(target, "longlink"));
	n = readlink("longlink", buf, sizeof(buf));
	CHECK(n == 4095 && !memcmp(buf, target, 4095), "readlink 4095: %zd", n);
	OK(link("sl", "sl-hard")); /* link() does not follow */
	OK(lstat("sl-hard", &st));
	CHECK(S_ISLNK(st.st_mode) && st.st_nlink == 2, "hard link to symlink");
	/* special files */
	OK(mknod("fifo", S_IFIFO | 0600, 0));
	OK(mknod("sock", S_IFSOCK | 0600, 0));
	OK(mknod("chr", S_IFCHR | 0600, makedev(1, 3)));
	OK(mknod("blk", S_IFBLK | 0640, makedev(7, 1)));
	OK(mkfifo("fifo2", 0644));
	OK(stat("chr", &st));
	CHECK(st.st_mode == (S_IFCHR | 0600) && st.st_rdev == makedev(1, 3),
	      "chr mode %o dev %lx", st.st_mode, (unsigned long)st.st_rdev);
	OK(stat("blk", &st));
	CHECK(st.st_mode == (S_IFBLK | 0640) && st.st_rdev == makedev(7, 1),
	      "blk mode %o dev %lx", st.st_mode, (unsigned long)st.st_rdev);
	OK(stat("fifo", &st));
	CHECK(st.st_mode == (S_IFIFO | 0600) && st.st_size == 0, "fifo mode %o",
	      st.st_mode);
	OK(stat("sock", &st));
	CHECK(st.st_mode == (S_IFSOCK | 0600), "sock mode %o", st.st_mode);
	/* the fifo is a pipe: what goes in comes out */
	fd = open("fifo", O_RDWR | O_NONBLOCK);
	CHECK(fd >= 0, "open fifo");
	if (fd >= 0) {
		CHECK(write(fd, "pipe", 4) == 4, "fifo write");
		CHECK(read(fd, buf, 16) == 4 && !memcmp(buf, "pipe", 4),
		      "fifo read");
		close(fd);
	}
	/* makedev(1,3) is /dev/null; FUSE mounts are nodev by default */
	if (statvfs(".", &sv) == 0 && (sv.f_flag & ST_NODEV)) {
		ERR(open("chr", O_RDWR), EACCES);
		fd = -1;
	} else {
		fd = open("chr", O_RDWR);
		CHECK(fd >= 0, "open char device");
	}
	if (fd >= 0) {
		CHECK(write(fd, "x", 1) == 1 && read(fd, buf, 1) == 0,
		      "char device is /dev/null");
		close(fd);
	}
}

static void renames(void)
{
	struct stat a, b, c;

	OK(mkdir("r", 0755));
	OK(mkdir("r/d1", 0755));
	OK(mkdir("r/d2", 0755));
	put("r/a", "aaaa", 4);
	put("r/b", "bb", 2);
	OK(stat("r/a", &a));
	OK(rename("r/a", "r/d1/a"));
	ERR(stat("r/a", &b), ENOENT);
	OK(stat("r/d1/a", &b));
	CHECK(a.st_ino == b.st_ino && b.st_size == 4, "rename keeps inode");
	OK(renameat2(AT_FDCWD, "r/b", AT_FDCWD, "r/d1/a", 0));
	OK(stat("r/d1/a", &b));
	CHECK(b.st_size == 2, "rename over replaces");
	ERR(stat("r/b", &b), ENOENT);
	put("r/c", "ccc", 3);
	ERR(renameat2(AT_FDCWD, "r/c", AT_FDCWD, "r/d1/a", RENAME_NOREPLACE),
	    EEXIST);
	OK(renameat2(AT_FDCWD, "r/c", AT_FDCWD, "r/new", RENAME_NOREPLACE));
	OK(rename("r/new", "r/c"));
	OK(renameat2(AT_FDCWD, "r/c", AT_FDCWD, "r/d1/a", RENAME_EXCHANGE));
	OK(stat("r/c", &a));
	OK(stat("r/d1/a", &b));
	CHECK(a.st_size == 2 && b.st_size == 3, "exchange swaps");
	ERR(renameat2(AT_FDCWD, "r/zz", AT_FDCWD, "r/c", RENAME_EXCHANGE),
	    ENOENT);
	ERR(renameat2(AT_FDCWD, "r/c", AT_FDCWD, "r/zz", RENAME_EXCHANGE),
	    ENOENT);
	ERR(renameat2(AT_FDCWD, "r/c", AT_FDCWD, "r/zz",
		      RENAME_EXCHANGE | RENAME_NOREPLACE),
	    EINVAL);
	/* rename onto another link of the same inode: nothing happens */
	OK(link("r/c", "r/c-link"));
	OK(rename("r/c", "r/c-link"));
	OK(stat("r/c", &a));
	OK(stat("r/c-link", &b));
	CHECK(a.st_ino == b.st_ino && a.st_nlink == 2,
	      "rename onto own hard link is a no-op");
	OK(unlink("r/c-link"));
	/* replaced file still open: data stays, nlink 0 */
	{
		int fd;
		char buf[8];

		put("r/victim", "victim", 6);
		fd = open("r/victim", O_RDONLY);
		put("r/winner", "w", 1);
		OK(rename("r/winner", "r/victim"));
		OK(fstat(fd, &a));
		CHECK(a.st_nlink == 0, "replaced inode nlink %lu",
		      (unsigned long)a.st_nlink);
		CHECK(pread(fd, buf, 8, 0) == 6 && !memcmp(buf, "victim", 6),
		      "replaced inode readable");
		close(fd);
	}
	/* directories */
	OK(stat("r/d2", &c));
	OK(rename("r/d2", "r/d1/d2"));
	OK(stat("r", &a));
	CHECK(a.st_nlink == 3, "parent nlink after dir move %lu",
	      (unsigned long)a.st_nlink);
	OK(stat("r/d1", &a));
	CHECK(a.st_nlink == 3, "new parent nlink %lu",
	      (unsigned long)a.st_nlink);
	OK(stat("r/d1/d2/..", &b));
	CHECK(b.st_ino == a.st_ino, "moved dir's .. is the new parent");
	ERR(rename("r/d1", "r/d1/d2/x"), EINVAL);
	put("r/d1/d2/full", "", 0);
	OK(mkdir("r/e", 0755));
	ERR(rename("r/e", "r/d1"), ENOTEMPTY);
	ERR(rename("r/c", "r/e"), EISDIR);
	ERR(rename("r/e", "r/c"), ENOTDIR);
	ERR(rename("r/nope", "r/e"), ENOENT);
	OK(mkdir("r/empty", 0755));
	OK(rename("r/e", "r/empty")); /* dir over empty dir */
	OK(stat("r", &a));
	CHECK(a.st_nlink == 4, "r nlink after dir over dir %lu",
	      (unsigned long)a.st_nlink);
	OK(rename("r/empty", "r/d1/d2/full2"));
	/* exchange a directory and a file in different parents */
	OK(mkdir("ex", 0755));
	OK(mkdir("ex/sub", 0755));
	OK(mkdir("ey", 0755));
	put("ey/file", "yy", 2);
	OK(renameat2(AT_FDCWD, "ex/sub", AT_FDCWD, "ey/file", RENAME_EXCHANGE));
	OK(stat("ex/sub", &a));
	CHECK(S_ISREG(a.st_mode) && a.st_size == 2, "exchanged file");
	OK(stat("ey/file", &a));
	CHECK(S_ISDIR(a.st_mode), "exchanged dir");
	OK(stat("ex", &a));
	CHECK(a.st_nlink == 2, "ex nlink after exchange %lu",
	      (unsigned long)a.st_nlink);
	OK(stat("ey", &b));
	CHECK(b.st_nlink == 3, "ey nlink after exchange %lu",
	      (unsigned long)b.st_nlink);
	OK(stat("ey/file/..", &c));
	CHECK(c.st_ino == b.st_ino, "exchanged dir's .. follows it");
}

static void times(void)
{
	struct stat a, b, d0, d1;
	struct timespec ts[2];
	int fd;

	put("t", "x", 1);
	OK(stat("t", &a));
	pause_ms(20);
	fd = open("t", O_WRONLY);
	CHECK(write(fd, "yy", 2) == 2, "write");
	close(fd);
	OK(stat("t", &b));
	CHECK(ts_after(b.st_mtim, a.st_mtim), "write advances mtime");
	CHECK(ts_after(b.st_ctim, a.st_ctim), "write advances ctime");
	pause_ms(20);
	OK(chmod("t", 0600));
	OK(stat("t", &a));
	CHECK(ts_after(a.st_ctim, b.st_ctim), "chmod advances ctime");
	CHECK(!ts_after(a.st_mtim, b.st_mtim), "chmod keeps mtime");
	CHECK((a.st_mode & 07777) == 0600, "chmod mode %o", a.st_mode);
	pause_ms(20);
	OK(chown("t", 1234, 5678));
	OK(stat("t", &b));
	CHECK(b.st_uid == 1234 && b.st_gid == 5678, "chown %u:%u", b.st_uid,
	      b.st_gid);
	CHECK(ts_after(b.st_ctim, a.st_ctim), "chown advances ctime");
	OK(chown("t", 0, 0));
	pause_ms(20);
	OK(stat("t", &a));
	OK(truncate("t", 1));
	OK(stat("t", &b));
	CHECK(ts_after(b.st_mtim, a.st_mtim) &&
		      ts_after(b.st_ctim, a.st_ctim) && b.st_size == 1,
	      "truncate advances mtime and ctime");
	pause_ms(20);
	fd = open("t", O_WRONLY | O_TRUNC);
	close(fd);
	OK(stat("t", &a));
	CHECK(ts_after(a.st_mtim, b.st_mtim) && a.st_size == 0,
	      "O_TRUNC advances mtime");
	pause_ms(20);
	OK(link("t", "t2"));
	OK(stat("t", &b));
	CHECK(ts_after(b.st_ctim, a.st_ctim), "link advances ctime");
	pause_ms(20);
	OK(unlink("t2"));
	OK(stat("t", &a));
	CHECK(ts_after(a.st_ctim, b.st_ctim), "unlink advances ctime");
	pause_ms(20);
	OK(rename("t", "t3"));
	OK(stat("t3", &b));
	CHECK(ts_after(b.st_ctim, a.st_ctim), "rename advances ctime");
	CHECK(!ts_after(b.st_mtim, a.st_mtim), "rename keeps mtime");
	OK(rename("t3", "t"));
	/* the parent directory's times follow its entries */
	OK(mkdir("td", 0755));
	OK(stat("td", &d0));
	pause_ms(20);
	put("td/e", "", 0);
	OK(stat("td", &d1));
	CHECK(ts_after(d1.st_mtim, d0.st_mtim) &&
		      ts_after(d1.st_ctim, d0.st_ctim),
	      "create advances dir mtime/ctime");
	pause_ms(20);
	OK(rename("td/e", "td/e2"));
	OK(stat("td", &d0));
	CHECK(ts_after(d0.st_mtim, d1.st_mtim), "rename advances dir mtime");
	pause_ms(20);
	OK(unlink("td/e2"));
	OK(stat("td", &d1));
	CHECK(ts_after(d1.st_mtim, d0.st_mtim), "unlink advances dir mtime");
	/* utimensat: explicit, OMIT, NOW */
	ts[0].tv_sec = 1000;
	ts[0].tv_nsec = 5;
	ts[1].tv_sec = 2000;
	ts[1].tv_nsec = 7;
	OK(stat("t", &b));
	OK(utimensat(AT_FDCWD, "t", ts, 0));
	OK(stat("t", &a));
	CHECK(a.st_atim.tv_sec == 1000 && a.st_atim.tv_nsec == 5 &&
		      a.st_mtim.tv_sec == 2000 && a.st_mtim.tv_nsec == 7,
	      "utimensat explicit: %ld.%09ld %ld.%09ld", (long)a.st_atim.tv_sec,
	      a.st_atim.tv_nsec, (long)a.st_mtim.tv_sec, a.st_mtim.tv_nsec);
	CHECK(!ts_after(b.st_ctim, a.st_ctim), "utimensat sets ctime");
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_NOW;
	OK(utimensat(AT_FDCWD, "t", ts, 0));
	OK(stat("t", &b));
	CHECK(b.st_atim.tv_sec == 1000 && b.st_atim.tv_nsec == 5 &&
		      b.st_mtim.tv_sec > 2000,
	      "utimensat OMIT/NOW");
	ts[0].tv_nsec = UTIME_NOW;
	ts[1].tv_sec = 3000;
	ts[1].tv_nsec = 0;
	OK(utimensat(AT_FDCWD, "t", ts, 0));
	OK(stat("t", &b));
	CHECK(b.st_atim.tv_sec > 1000 && b.st_mtim.tv_sec == 3000 &&
		      b.st_mtim.tv_nsec == 0,
	      "utimensat NOW/explicit");
	ts[0].tv_sec = 4000;
	ts[0].tv_nsec = 1;
	ts[1].tv_nsec = UTIME_OMIT;
	OK(utimensat(AT_FDCWD, "sl", ts, AT_SYMLINK_NOFOLLOW));
	OK(lstat("sl", &a));
	CHECK(a.st_atim.tv_sec == 4000, "utimensat on a symlink itself");
	OK(utimensat(AT_FDCWD, "t", NULL, 0));
	OK(stat("t", &a));
	CHECK(a.st_mtim.tv_sec >= b.st_ctim.tv_sec - 1 &&
		      a.st_mtim.tv_sec > 3000,
	      "utimensat NULL is now");
}

static void xattrs(void)
{
	char buf[128], big[70000], lname[300];
	ssize_t n;

	put("x", "", 0);
	OK(setxattr("x", "user.a", "123", 3, 0));
	OK(setxattr("x", "user.b", "4", 1, XATTR_CREATE));
	ERR(setxattr("x", "user.a", "z", 1, XATTR_CREATE), EEXIST);
	ERR(setxattr("x", "user.c", "z", 1, XATTR_REPLACE), ENODATA);
	OK(setxattr("x", "user.a", "56", 2, XATTR_REPLACE));
	n = getxattr("x", "user.a", buf, sizeof(buf));
	CHECK(n == 2 && !memcmp(buf, "56", 2), "getxattr %zd", n);
	CHECK(getxattr("x", "user.a", NULL, 0) == 2, "getxattr size");
	ERR(getxattr("x", "user.a", buf, 1), ERANGE);
	ERR(getxattr("x", "user.none", buf, sizeof(buf)), ENODATA);
	ERR(getxattr("nope", "user.a", buf, sizeof(buf)), ENOENT);
	n = listxattr("x", buf, sizeof(buf));
	CHECK(n == 14 && !memcmp(buf, "user.a\0user.b\0", 14), "listxattr %zd",
	      n);
	CHECK(listxattr("x", NULL, 0) == 14, "listxattr size");
	ERR(listxattr("x", buf, 3), ERANGE);
	OK(setxattr("x", "user.empty", "", 0, 0));
	CHECK(getxattr("x", "user.empty", buf, sizeof(buf)) == 0,
	      "empty value");
	OK(setxattr("x", "trusted.t", "tv", 2, 0));
	CHECK(getxattr("x", "trusted.t", buf, sizeof(buf)) == 2,
	      "trusted xattr as root");
	memset(big, 'v', sizeof(big));
	ERR(setxattr("x", "user.big", big, sizeof(big), 0), E2BIG);
	/* XATTR_SIZE_MAX fits in dtfs; ext4 without ea_inode takes less */
	fill(big, 65536, 3);
	n = on_fuse ? 65536 : 4000;
	OK(setxattr("x", "user.max", big, (size_t)n, 0));
	{
		static char got[65536];
		ssize_t m = getxattr("x", "user.max", got, sizeof(got));

		CHECK(m == n && !memcmp(got, big, (size_t)n),
		      "%zd-byte value back: %zd", n, m);
	}
	memset(lname, 'k', sizeof(lname));
	memcpy(lname, "user.", 5);
	lname[256] = 0;
	ERR(setxattr("x", lname, "v", 1, 0), ERANGE);
	ERR(setxattr("x", "nonamespace", "v", 1, 0), EOPNOTSUPP);
	(void)removexattr("x", "nonamespace"); /* not to fail twice */
	OK(removexattr("x", "user.a"));
	ERR(removexattr("x", "user.a"), ENODATA);
	ERR(getxattr("x", "user.a", buf, sizeof(buf)), ENODATA);
	/* on directories; user.* is refused on special files by the VFS */
	OK(mkdir("xd", 0755));
	OK(setxattr("xd", "user.dir", "dv", 2, 0));
	CHECK(getxattr("xd", "user.dir", buf, sizeof(buf)) == 2, "dir xattr");
	ERR(setxattr("fifo", "user.f", "v", 1, 0), EPERM);
	/* xattrs belong to the inode: visible through a hard link, kept
	 * across rename */
	OK(link("x", "x-link"));
	OK(rename("x", "x-renamed"));
	n = getxattr("x-link", "user.b", buf, sizeof(buf));
	CHECK(n == 1 && buf[0] == '4', "xattr through hard link");
	OK(removexattr("x-link", "user.b"));
	OK(removexattr("x-link", "user.empty"));
	OK(removexattr("x-link", "user.max"));
	OK(removexattr("x-link", "trusted.t"));
	n = listxattr("x-renamed", buf, sizeof(buf));
	CHECK(n == 0, "list after removing all: %zd", n);
}

#define MIB (1 << 20)
static char da[4 * MIB], db[4 * MIB];

static void data(void)
{
	struct stat st;
	off_t o;
	int fd = open("sparse", O_CREAT | O_RDWR | O_TRUNC, 0644);

	CHECK(fd >= 0, "open sparse");
	fill(da, sizeof(da), 1);
	/* a file that is all hole has no blocks */
	OK(ftruncate(fd, 10 * MIB));
	settle(fd);
	OK(fstat(fd, &st));
	CHECK(st.st_size == 10 * MIB && st.st_blocks == 0,
	      "all-hole file: size %ld blocks %ld", (long)st.st_size,
	      (long)st.st_blocks);
	CHECK(pread(fd, db, 65536, 5 * MIB) == 65536 && all_zero(db, 65536),
	      "hole reads zero");
	ERR(lseek(fd, 0, SEEK_DATA), ENXIO);
	o = lseek(fd, 0, SEEK_HOLE);
	CHECK(o == 0, "SEEK_HOLE in all-hole file: %ld", (long)o);
	OK(ftruncate(fd, 0));
	/* sparse: data at [0,4K) and [1M,1M+4K), size 2M */
	CHECK(pwrite(fd, da, 4096, 0) == 4096, "pwrite 0");
	CHECK(pwrite(fd, da, 4096, MIB) == 4096, "pwrite 1M");
	OK(ftruncate(fd, 2 * MIB));
	settle(fd);
	OK(fstat(fd, &st));
	CHECK(st.st_size == 2 * MIB, "size");
	CHECK(st.st_blocks >= 16 && st.st_blocks <= 256, "sparse blocks %ld",
	      (long)st.st_blocks);
	o = lseek(fd, 0, SEEK_DATA);
	CHECK(o == 0, "SEEK_DATA 0 -> %ld", (long)o);
	o = lseek(fd, 0, SEEK_HOLE);
	CHECK(o >= 4096 && o <= MIB, "SEEK_HOLE 0 -> %ld", (long)o);
	o = lseek(fd, 65536, SEEK_DATA);
	CHECK(o == MIB, "SEEK_DATA 64K -> %ld", (long)o);
	o = lseek(fd, MIB, SEEK_HOLE);
	CHECK(o >= MIB + 4096 && o <= 2 * MIB, "SEEK_HOLE 1M -> %ld", (long)o);
	o = lseek(fd, MIB + 65536, SEEK_HOLE);
	CHECK(o == MIB + 65536, "SEEK_HOLE in a hole -> %ld", (long)o);
	ERR(lseek(fd, MIB + 65536, SEEK_DATA), ENXIO);
	ERR(lseek(fd, 3 * MIB, SEEK_HOLE), ENXIO);
	ERR(lseek(fd, 2 * MIB, SEEK_DATA), ENXIO);
	CHECK(pread(fd, db, 8192, MIB - 4096) == 8192, "pread");
	CHECK(all_zero(db, 4096), "hole before 1M reads zero");
	CHECK(!memcmp(db + 4096, da, 4096), "data after hole");
	CHECK(pread(fd, db, 8192, 2 * MIB - 4096) == 4096, "short read at EOF");
	CHECK(pread(fd, db, 100, 2 * MIB) == 0, "read at EOF is 0");
	/* fallocate modes */
	OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1000,
		     2000));
	CHECK(pread(fd, db, 4096, 0) == 4096, "pread punched");
	CHECK(!memcmp(db, da, 1000) && all_zero(db + 1000, 2000) &&
		      !memcmp(db + 3000, da + 3000, 1096),
	      "punch hole content");
	OK(fstat(fd, &st));
	CHECK(st.st_size == 2 * MIB, "punch keeps size");
	OK(fallocate(fd, FALLOC_FL_ZERO_RANGE, 2 * MIB - 10, 100));
	OK(fstat(fd, &st));
	CHECK(st.st_size == 2 * MIB + 90, "zero range extends: %ld",
	      (long)st.st_size);
	OK(fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 2 * MIB,
		     MIB));
	OK(fstat(fd, &st));
	CHECK(st.st_size == 2 * MIB + 90, "zero range keep size: %ld",
	      (long)st.st_size);
	OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 4 * MIB));
	OK(fstat(fd, &st));
	CHECK(st.st_size == 2 * MIB + 90, "keep size");
	OK(fallocate(fd, 0, 0, 3 * MIB));
	OK(fstat(fd, &st));
	CHECK(st.st_size == 3 * MIB, "default mode extends");
	CHECK(pread(fd, db, 4096, 3 * MIB - 4096) == 4096 && all_zero(db, 4096),
	      "allocated range reads zero");
	ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096), EOPNOTSUPP);
	ERR(fallocate(fd, 0, 0, 0), EINVAL);
	if (on_fuse) {
		ERR(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 65536),
		    EOPNOTSUPP);
		ERR(fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, 65536),
		    EOPNOTSUPP);
	}
	/* punch a whole chunk out of written data: its blocks go, SEEK
	 * finds the hole, zeros read back */
	{
		struct stat s0, s1;

		OK(ftruncate(fd, 0));
		CHECK(pwrite(fd, da, 4 * 65536, 0) == 4 * 65536, "pwrite 256K");
		settle(fd);
		OK(fstat(fd, &s0));
		CHECK(s0.st_blocks >= 4 * 65536 / 512, "blocks after 256K: %ld",
		      (long)s0.st_blocks);
		OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     65536, 65536));
		settle(fd);
		OK(fstat(fd, &s1));
		CHECK(s1.st_blocks < s0.st_blocks,
		      "punching a chunk frees blocks: %ld -> %ld",
		      (long)s0.st_blocks, (long)s1.st_blocks);
		o = lseek(fd, 0, SEEK_HOLE);
		CHECK(o == 65536, "SEEK_HOLE finds punched chunk: %ld",
		      (long)o);
		o = lseek(fd, 65536, SEEK_DATA);
		CHECK(o == 2 * 65536, "SEEK_DATA after punched chunk: %ld",
		      (long)o);
		CHECK(pread(fd, db, 4 * 65536, 0) == 4 * 65536, "pread 256K");
		CHECK(!memcmp(db, da, 65536) && all_zero(db + 65536, 65536) &&
			      !memcmp(db + 131072, da + 131072, 131072),
		      "content around punched chunk");
	}
	close(fd);
}

static void content(void)
{
	int fd = open("big", O_CREAT | O_RDWR | O_TRUNC, 0644);
	size_t len = 3 * MIB + 12345, off;
	ssize_t n;
	struct stat st;

	CHECK(fd >= 0, "open big");
	if (fd < 0)
		return;
	fill(da, sizeof(da), 7);
	/* odd-sized writes straddling every chunk boundary */
	for (off = 0; off < len; off += 7777) {
		size_t k = len - off < 7777 ? len - off : 7777;

		CHECK(write(fd, da + off, k) == (ssize_t)k, "write at %zu",
		      off);
	}
	memset(db, 0, sizeof(db));
	for (off = 0; off < len; off += 5000) {
		n = pread(fd, db + off, 5000, (off_t)off);
		CHECK(n == (ssize_t)(len - off < 5000 ? len - off : 5000),
		      "pread at %zu: %zd", off, n);
	}
	CHECK(!memcmp(da, db, len), "odd-sized writes read back");
	/* overwrite across a chunk boundary */
	fill(da + 65536 - 3000, 6000, 99);
	CHECK(pwrite(fd, da + 65536 - 3000, 6000, 65536 - 3000) == 6000,
	      "overwrite");
	CHECK(pread(fd, db, len, 0) == (ssize_t)len && !memcmp(da, db, len),
	      "overwrite read back");
	/* truncate into the middle of a chunk, then extend: no stale data */
	OK(ftruncate(fd, 100000));
	OK(ftruncate(fd, 300000));
	CHECK(pread(fd, db, 300000, 0) == 300000, "pread after truncate");
	CHECK(!memcmp(db, da, 100000) && all_zero(db + 100000, 200000),
	      "truncate down then up reads zeros");
	CHECK(pwrite(fd, "Z", 1, 500000) == 1, "pwrite past EOF");
	OK(fstat(fd, &st));
	CHECK(st.st_size == 500001, "size after write past EOF %ld",
	      (long)st.st_size);
	CHECK(pread(fd, db, 200001, 300000) == 200001 && all_zero(db, 200000) &&
		      db[200000] == 'Z',
	      "gap before a write past EOF reads zeros");
	/* truncate down inside a chunk, write past the old EOF in the same
	 * chunk: the bytes between must be zero, not the old data */
	OK(ftruncate(fd, 10));
	CHECK(pwrite(fd, "W", 1, 60000) == 1, "pwrite same chunk");
	CHECK(pread(fd, db, 60001, 0) == 60001 && !memcmp(db, da, 10) &&
		      all_zero(db + 10, 59990) && db[60000] == 'W',
	      "no stale data after truncate + write in the same chunk");
	/* copy_file_range */
	int g = open("copy", O_CREAT | O_RDWR | O_TRUNC, 0644);
	loff_t in = 100, out = 5;

	fill(da, sizeof(da), 8);
	CHECK(pwrite(fd, da, 2 * MIB, 0) == 2 * MIB, "pwrite");
	OK(ftruncate(fd, 2 * MIB));
	n = copy_file_range(fd, &in, g, &out, 300000, 0);
	CHECK(n == 300000 && in == 300100 && out == 300005,
	      "copy_file_range %zd", n);
	CHECK(pread(g, db, 300000, 5) == 300000 &&
		      !memcmp(da + 100, db, 300000),
	      "copied content");
	CHECK(pread(g, db, 5, 0) == 5 && all_zero(db, 5), "copy dest head");
	in = 2 * MIB - 1000;
	out = 0;
	n = copy_file_range(fd, &in, g, &out, 5000, 0);
	CHECK(n == 1000, "copy_file_range short at EOF: %zd", n);
	n = copy_file_range(fd, &in, g, &out, 5000, 0);
	CHECK(n == 0, "copy_file_range at EOF: %zd", n);
	OK(fstat(g, &st));
	CHECK(st.st_size == 300005, "copy dest size %ld", (long)st.st_size);
	close(g);
	/* O_APPEND and O_TRUNC */
	g = open("app", O_CREAT | O_WRONLY | O_APPEND, 0644);
	CHECK(write(g, "12", 2) == 2 && write(g, "34", 2) == 2, "append");
	close(g);
	g = open("app", O_WRONLY | O_APPEND);
	CHECK(pwrite(g, "5", 1, 0) == 1, "append pwrite");
	close(g);
	g = open("app", O_RDONLY);
	CHECK(read(g, db, 16) == 5 && !memcmp(db, "12345", 5),
	      "O_APPEND content");
	close(g);
	g = open("app", O_WRONLY | O_TRUNC);
	close(g);
	OK(stat("app", &st));
	CHECK(st.st_size == 0, "O_TRUNC");
	close(fd);
	/* unlinked but open keeps data until close */
	fd = open("gone", O_CREAT | O_RDWR, 0644);
	CHECK(write(fd, "still", 5) == 5, "write gone");
	OK(unlink("gone"));
	ERR(stat("gone", &st), ENOENT);
	CHECK(pread(fd, db, 5, 0) == 5 && !memcmp(db, "still", 5),
	      "unlinked file readable");
	OK(fstat(fd, &st));
	CHECK(st.st_nlink == 0, "unlinked nlink %lu",
	      (unsigned long)st.st_nlink);
	CHECK(pwrite(fd, "more", 4, 5) == 4, "unlinked file writable");
	CHECK(pwrite(fd, da, 200000, 100000) == 200000, "unlinked file grows");
	CHECK(pread(fd, db, 9, 0) == 9 && !memcmp(db, "stillmore", 9) &&
		      pread(fd, db, 200000, 100000) == 200000 &&
		      !memcmp(db, da, 200000),
	      "unlinked file content");
	OK(ftruncate(fd, 3));
	OK(fstat(fd, &st));
	CHECK(st.st_size == 3, "unlinked file truncates");
	close(fd);
	/* a new file of the same name starts empty */
	fd = open("gone", O_CREAT | O_RDWR, 0644);
	OK(fstat(fd, &st));
	CHECK(st.st_size == 0, "recreated name is a new file");
	close(fd);
}

static void readdir_many(void)
{
	static unsigned char seen[1000];
	char nm[300];
	DIR *d;
	struct dirent *e;
	int n = 0, dots = 0, bad = 0, i, want_next = 0;
	long pos = -1;
	char after[300] = "";

	OK(mkdir("many", 0755));
	for (i = 0; i < 1000; i++) {
		snprintf(nm, sizeof(nm), "many/f%04d", i);
		put(nm, "", 0);
	}
	OK(mkdir("many/sub", 0755));
	OK(symlink("f0000", "many/lnk"));
	d = opendir("many");
	CHECK(d != NULL, "opendir");
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (want_next) {
			snprintf(after, sizeof(after), "%s", e->d_name);
			want_next = 0;
		}
		if (++n == 500) {
			pos = telldir(d);
			want_next = 1;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
			dots++;
			CHECK(e->d_type == DT_DIR, "dot type %d", e->d_type);
		} else if (!strcmp(e->d_name, "sub")) {
			CHECK(e->d_type == DT_DIR, "sub type %d", e->d_type);
		} else if (!strcmp(e->d_name, "lnk")) {
			CHECK(e->d_type == DT_LNK, "lnk type %d", e->d_type);
		} else if (sscanf(e->d_name, "f%4d", &i) == 1 && i >= 0 &&
			   i < 1000) {
			seen[i]++;
			CHECK(e->d_type == DT_REG, "%s type %d", e->d_name,
			      e->d_type);
		} else {
			bad++;
		}
	}
	CHECK(n == 1004 && dots == 2 && bad == 0,
	      "readdir: %d entries, %d dots", n, dots);
	for (i = 0; i < 1000; i++)
		CHECK(seen[i] == 1, "f%04d seen %d times", i, seen[i]);
	/* telldir/seekdir come back to the same place */
	if (pos >= 0) {
		seekdir(d, pos);
		e = readdir(d);
		CHECK(e != NULL && !strcmp(e->d_name, after),
		      "seekdir(telldir()) returns to %s, got %s", after,
		      e ? e->d_name : "(end)");
	}
	closedir(d);
	ERR(rmdir("many"), ENOTEMPTY);
	/* rm -r style: unlink each entry as readdir returns it */
	memset(seen, 0, sizeof(seen));
	d = opendir("many");
	n = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(nm, sizeof(nm), "many/%s", e->d_name);
		if (!strcmp(e->d_name, "sub"))
			OK(rmdir(nm));
		else
			OK(unlink(nm));
		n++;
	}
	if (d)
		closedir(d);
	CHECK(n == 1002, "unlink while reading: %d of 1002", n);
	OK(rmdir("many"));
}

/* default_permissions: the kernel checks modes against the caller. */
static void perms(void)
{
	pid_t pid;
	int st;
	struct stat s;

	OK(mkdir("p", 0755));
	put("p/secret", "s", 1);
	OK(chmod("p/secret", 0600));
	put("p/open", "o", 1);
	OK(mkdir("p/tmp", 01777));
	put("p/tmp/rootfile", "r", 1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct timespec ts[2] = {{1, 0}, {1, 0}};
		int fd;

		failures = 0;
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
			printf("FAIL perms: cannot drop privileges\n");
			_exit(1);
		}
		if (access(".", X_OK) < 0 && errno == EACCES) {
			/* FUSE without -o allow_other shuts out other users */
			printf("perms: other users cannot enter the mount "
			       "(no allow_other): skipped\n");
			_exit(0);
		}
		ERR(open("p/secret", O_RDONLY), EACCES);
		fd = open("p/open", O_RDONLY);
		CHECK(fd >= 0, "read a 0644 file as nobody");
		if (fd >= 0)
			close(fd);
		ERR(open("p/open", O_WRONLY), EACCES);
		ERR(open("p/new", O_CREAT | O_WRONLY, 0644), EACCES);
		ERR(mkdir("p/newdir", 0755), EACCES);
		ERR(unlink("p/open"), EACCES);
		ERR(rename("p/open", "p/tmp/open"), EACCES);
		ERR(chmod("p/open", 0777), EPERM);
		ERR(chown("p/open", 65534, 65534), EPERM);
		ERR(truncate("p/open", 0), EACCES);
		ERR(utimensat(AT_FDCWD, "p/open", ts, 0), EPERM);
		ERR(utimensat(AT_FDCWD, "p/open", NULL, 0), EACCES);
		ERR(setxattr("p/open", "user.x", "v", 1, 0), EACCES);
		put("p/tmp/mine", "m", 1);
		ERR(unlink("p/tmp/rootfile"), EPERM);
		OK(chmod("p/tmp/mine", 0640));
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	CHECK(pid > 0, "fork");
	if (pid <= 0)
		return;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "checks as nobody failed");
	OK(stat("p/tmp/mine", &s));
	CHECK(s.st_uid == 65534 && s.st_gid == 65534 &&
		      s.st_mode == (S_IFREG | 0640),
	      "file made by nobody: %u:%u %o", s.st_uid, s.st_gid, s.st_mode);
	OK(unlink("p/tmp/mine")); /* root may */
}

static void statfs_check(void)
{
	struct statvfs sv;

	OK(statvfs(".", &sv));
	CHECK(sv.f_namemax == 255, "f_namemax %lu", sv.f_namemax);
	CHECK(sv.f_bsize > 0 && sv.f_blocks > 0 && sv.f_bfree <= sv.f_blocks,
	      "statvfs blocks %lu free %lu", (unsigned long)sv.f_blocks,
	      (unsigned long)sv.f_bfree);
}

static int cmd_posix(const char *dir)
{
	struct statfs sf;

	if (chdir(dir) < 0) {
		perror(dir);
		return 2;
	}
	umask(0);
	on_fuse = statfs(".", &sf) == 0 && sf.f_type == 0x65735546;
	wb_cache = getenv("DTFS_WRITEBACK_CACHE") != NULL;
	names();
	renames();
	times();
	xattrs();
	data();
	content();
	readdir_many();
	perms();
	statfs_check();
	if (failures)
		printf("posix: %d checks failed\n", failures);
	return failures ? 1 : 0;
}

/* More coherence between a shared mapping and read()/write(), run by
 * cmd_mmap on an open file before it is unmapped. */
static void mmap_more(const char *path, int fd, char *m, size_t len)
{
	char buf[64], *m2, *p;
	int fd2 = open(path, O_RDWR);

	CHECK(fd2 >= 0, "second open");
	if (fd2 < 0)
		return;
	/* a second shared mapping of the same file sees the first's stores */
	m2 = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	CHECK(m2 != MAP_FAILED, "second mmap");
	if (m2 != MAP_FAILED) {
		memcpy(m + 200000, "shared", 6);
		CHECK(!memcmp(m2 + 200000, "shared", 6), "two mappings agree");
		munmap(m2, len);
	}
	/* stores to a page, then write() over part of it: the mapping sees
	 * the write, the rest of the page keeps the stores */
	memset(m + 300000, 'M', 100);
	CHECK(pwrite(fd2, "ww", 2, 300010) == 2, "pwrite into stored page");
	CHECK(m[300009] == 'M' && m[300010] == 'w' && m[300011] == 'w' &&
		      m[300012] == 'M',
	      "mapping sees write() next to stores");
	CHECK(pread(fd, buf, 14, 300000) == 14 &&
		      !memcmp(buf, "MMMMMMMMMMwwMM", 14),
	      "read() sees both");
	/* a private mapping's stores stay private */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd2, 0);
	CHECK(p != MAP_FAILED, "private mmap");
	if (p != MAP_FAILED) {
		CHECK(!memcmp(p + 5000, "stored", 6), "private sees file");
		memcpy(p + 5000, "PRIVAT", 6);
		CHECK(pread(fd, buf, 6, 5000) == 6 && !memcmp(buf, "stored", 6),
		      "private store does not reach the file");
		CHECK(!memcmp(m + 5000, "stored", 6),
		      "private store not in the shared mapping");
		munmap(p, len);
	}
	/* truncate down and up under the mapping: the cut part reads zero */
	memset(m + len - 8192, 'T', 8192);
	OK(msync(m, len, MS_SYNC));
	OK(ftruncate(fd2, (off_t)(len - 8192)));
	OK(ftruncate(fd2, (off_t)len));
	CHECK(m[len - 8192] == 0 && m[len - 1] == 0,
	      "truncated part of the mapping reads zero");
	CHECK(pread(fd, buf, 8, (off_t)len - 8) == 8 && all_zero(buf, 8),
	      "truncated part reads zero");
	memcpy(m + len - 6, "tailxx", 6);
	close(fd2);
}

static int cmd_odirect_more(const char *path)
{
	size_t len = 1 << 20;
	char *a, *b;
	int dfd, bfd;
	struct stat st;

	if (posix_memalign((void **)&a, 4096, len) ||
	    posix_memalign((void **)&b, 4096, len))
		return 1;
	dfd = open(path, O_RDWR | O_DIRECT);
	bfd = open(path, O_RDWR);
	CHECK(dfd >= 0 && bfd >= 0, "open direct + buffered");
	if (dfd < 0 || bfd < 0)
		return 1;
	/* buffered write, then an O_DIRECT read of it */
	fill(a, len, 21);
	CHECK(pwrite(bfd, a, len, 1 << 20) == (ssize_t)len, "buffered pwrite");
	CHECK(pread(dfd, b, len, 1 << 20) == (ssize_t)len && !memcmp(a, b, len),
	      "O_DIRECT read sees buffered write");
	/* cache a range, overwrite it with O_DIRECT, read it buffered */
	CHECK(pread(bfd, b, len, 2 << 20) == (ssize_t)len, "buffered read");
	fill(a, len, 22);
	CHECK(pwrite(dfd, a, len, 2 << 20) == (ssize_t)len, "direct pwrite");
	CHECK(pread(bfd, b, len, 2 << 20) == (ssize_t)len && !memcmp(a, b, len),
	      "buffered read sees O_DIRECT write over cached pages");
	/* extend with O_DIRECT, read across EOF */
	OK(fstat(dfd, &st));
	fill(a, len, 23);
	CHECK(pwrite(dfd, a, 65536, st.st_size + 65536) == 65536,
	      "direct pwrite past EOF");
	CHECK(pread(dfd, b, len, st.st_size) == 2 * 65536,
	      "direct read across EOF is short");
	CHECK(all_zero(b, 65536) && !memcmp(b + 65536, a, 65536),
	      "gap zero, data after");
	OK(fstat(bfd, &st));
	CHECK(st.st_size == (4 << 20) + 2 * 65536,
	      "size after direct extend %ld", (long)st.st_size);
	close(dfd);
	close(bfd);
	free(a);
	free(b);
	return failures ? 1 : 0;
}

/* Crash-consistency writer for t_kill9: appends numbered records with
 * write() to DIR/log (O_APPEND), every 8th record also creates a file
 * DIR/fNNNNNN through a temporary name and rename(), and after each
 * acknowledged operation rewrites JOURNAL (on another filesystem) with
 * the counts. Stops at the first error (the daemon was killed). */
static size_t record(unsigned int i, char *buf)
{
	size_t n = (size_t)sprintf(buf, "rec %08u ", i);
	unsigned int k = (i * 37) % 300;

	for (unsigned int j = 0; j < k; j++)
		buf[n++] = (char)('a' + (i + j) % 26);
	buf[n++] = '\n';
	return n;
}

static int cmd_appender(const char *dir, const char *journal)
{
	char path[4096], tmp[4096], buf[512], j[64];
	unsigned long recs = 0, files = 0;
	int fd, jfd, f;
	const char *why = "?";

	snprintf(path, sizeof(path), "%s/log", dir);
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	jfd = open(journal, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || jfd < 0) {
		perror("appender: open");
		return 1;
	}
	for (unsigned int i = 0;; i++) {
		size_t n = record(i, buf);
		ssize_t w = write(fd, buf, n);

		if (w != (ssize_t)n) {
			/* a short write is acknowledged as far as it went */
			if (w > 0) {
				n = (size_t)snprintf(j, sizeof(j),
						     "%20lu %20lu %20zd\n",
						     recs, files, w);
				if (pwrite(jfd, j, n, 0) != (ssize_t)n)
					return 1;
			}
			why = w < 0 ? "write" : "short write";
			break;
		}
		recs = i + 1;
		if (i % 8 == 7) {
			f = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (f < 0) {
				why = "create";
				break;
			}
			n = record((unsigned int)files, buf);
			if (write(f, buf, n) != (ssize_t)n) {
				why = "file write";
				close(f);
				break;
			}
			close(f);
			snprintf(path, sizeof(path), "%s/f%06lu", dir, files);
			if (rename(tmp, path) < 0) {
				why = "rename";
				break;
			}
			files++;
		}
		n = (size_t)snprintf(j, sizeof(j), "%20lu %20lu %20d\n", recs,
				     files, 0);
		if (pwrite(jfd, j, n, 0) != (ssize_t)n) {
			perror("appender: journal");
			return 1;
		}
	}
	printf("appender: %lu records, %lu files acknowledged; %s: %s\n", recs,
	       files, why, strerror(errno));
	close(jfd);
	return 0;
}

static int cmd_appender_check(const char *dir, const char *journal)
{
	char path[4096], buf[512], want[512], *log = NULL;
	unsigned long recs = 0, files = 0, i;
	size_t pos = 0, n, partial = 0;
	struct stat st;
	ssize_t got;
	FILE *jf = fopen(journal, "r");
	int fd;

	if (!jf || fscanf(jf, "%lu %lu %zu", &recs, &files, &partial) != 3) {
		printf("FAIL cannot read journal %s\n", journal);
		return 1;
	}
	fclose(jf);
	snprintf(path, sizeof(path), "%s/log", dir);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open %s", path);
	if (fd < 0)
		return 1;
	OK(fstat(fd, &st));
	log = malloc((size_t)st.st_size + 1);
	if (!log)
		return 1;
	got = pread(fd, log, (size_t)st.st_size, 0);
	CHECK(got == st.st_size, "read log: %zd of %ld", got, (long)st.st_size);
	close(fd);
	for (i = 0; i < recs && !failures; i++) {
		n = record((unsigned int)i, want);
		CHECK(pos + n <= (size_t)got && !memcmp(log + pos, want, n),
		      "acknowledged record %lu not intact at offset %zu", i,
		      pos);
		pos += n;
	}
	if (!failures) {
		/* The write in flight may have landed, in part or whole (the
		 * kernel splits a write at page boundaries); the part a short
		 * write acknowledged must be there. */
		n = record((unsigned int)recs, want);
		CHECK((size_t)got - pos >= partial && (size_t)got - pos <= n &&
			      !memcmp(log + pos, want, (size_t)got - pos),
		      "%zu bytes after the %lu acknowledged records are not a "
		      "prefix of record %lu of at least %zu bytes",
		      (size_t)got - pos, recs, recs, partial);
	}
	free(log);
	for (i = 0; i <= files; i++) {
		snprintf(path, sizeof(path), "%s/f%06lu", dir, i);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			CHECK(i == files, "acknowledged file %s missing", path);
			continue;
		}
		n = record((unsigned int)i, want);
		got = read(fd, buf, sizeof(buf));
		CHECK(got == (ssize_t)n && !memcmp(buf, want, n),
		      "file %s content (%zd bytes)", path, got);
		close(fd);
	}
	printf("appender-check: %lu records, %lu files acknowledged%s\n", recs,
	       files, failures ? "" : ", all present");
	return failures ? 1 : 0;
}

static int cmd_mmap(const char *path)
{
	size_t len = 1 << 20;
	char *m, buf[64];
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);

	CHECK(fd >= 0, "open");
	OK(ftruncate(fd, (off_t)len));
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap");
	if (m == MAP_FAILED)
		return 1;
	/* write() is visible through the mapping */
	CHECK(pwrite(fd, "written", 7, 70000) == 7, "pwrite");
	CHECK(!memcmp(m + 70000, "written", 7), "mapping sees write()");
	/* a store is visible to read() */
	memcpy(m + 5000, "stored", 6);
	CHECK(pread(fd, buf, 6, 5000) == 6 && !memcmp(buf, "stored", 6),
	      "read() sees store");
	mmap_more(path, fd, m, len);
	OK(msync(m, len, MS_SYNC));
	OK(munmap(m, len));
	close(fd);
	/* after unmap and reopen (cache dropped), the data is in the file */
	fd = open(path, O_RDONLY);
	OK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
	CHECK(pread(fd, buf, 6, 5000) == 6 && !memcmp(buf, "stored", 6),
	      "store persisted");
	CHECK(pread(fd, buf, 6, (off_t)len - 6) == 6 &&
		      !memcmp(buf, "tailxx", 6),
	      "tail persisted");
	close(fd);
	return failures ? 1 : 0;
}

static int cmd_odirect(const char *path)
{
	size_t len = 4 << 20;
	char *a, *b;
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC | O_DIRECT, 0644);

	CHECK(fd >= 0, "open O_DIRECT");
	if (fd < 0 || posix_memalign((void **)&a, 4096, len) ||
	    posix_memalign((void **)&b, 4096, len))
		return 1;
	for (size_t i = 0; i < len; i++)
		a[i] = (char)(i * 13 + (i >> 16));
	CHECK(pwrite(fd, a, len, 0) == (ssize_t)len, "direct pwrite");
	CHECK(pwrite(fd, a + 8192, 4096, 12288) == 4096, "direct 4K");
	memcpy(a + 12288, a + 8192, 4096);
	CHECK(pread(fd, b, len, 0) == (ssize_t)len, "direct pread");
	CHECK(!memcmp(a, b, len), "direct content");
	close(fd);
	fd = open(path, O_RDONLY);
	CHECK(pread(fd, b, len, 0) == (ssize_t)len && !memcmp(a, b, len),
	      "buffered sees direct writes");
	close(fd);
	free(a);
	free(b);
	return cmd_odirect_more(path);
}

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8) & 0xffffff;
}

static int cmd_workload(const char *dir, unsigned int seed)
{
	size_t len = 64 * 4096;
	char path[4096], buf[8192], *m;
	int fd;

	snprintf(path, sizeof(path), "%s/work", dir);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 0, "open %s", path);
	if (fd < 0)
		return 1;
	OK(ftruncate(fd, (off_t)len));
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap");
	if (m == MAP_FAILED)
		return 1;
	for (int op = 0; op < 400; op++) {
		size_t off = rnd(&seed) % (len - sizeof(buf));
		size_t n = 1 + rnd(&seed) % sizeof(buf);

		memset(buf, 'a' + op % 26, n);
		switch (rnd(&seed) % 5) {
		case 0:
		case 1: /* stores through the mapping, then writeback */
			memcpy(m + off, buf, n);
			OK(msync(m, len, MS_SYNC));
			break;
		case 2:
			CHECK(pwrite(fd, buf, n, (off_t)off) == (ssize_t)n,
			      "pwrite");
			break;
		case 3: /* punch whole pages */
			OK(fallocate(fd,
				     FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				     (off_t)(off & ~4095UL), 8192));
			break;
		case 4: /* truncate down and back up */
			OK(ftruncate(fd, (off_t)(off & ~4095UL)));
			OK(ftruncate(fd, (off_t)len));
			break;
		}
	}
	OK(msync(m, len, MS_SYNC));
	munmap(m, len);
	close(fd);
	return failures ? 1 : 0;
}

struct dio_race {
	char *map;
	size_t len;
	volatile int stop;
	long syncs;
};

static void *msync_loop(void *arg)
{
	struct dio_race *r = arg;

	while (!r->stop) {
		msync(r->map, r->len, MS_SYNC);
		r->syncs++;
	}
	return NULL;
}

static int cmd_dio_race(const char *ext, const char *dstpath, int secs)
{
	struct dio_race r = {.len = 256 << 10};
	struct timespec a, b;
	char *buf;
	long reads = 0;
	pthread_t th;
	int src, dst;

	if (posix_memalign((void **)&buf, 4096, r.len))
		return 1;
	memset(buf, 'E', r.len);
	put(ext, buf, r.len);
	free(buf);
	src = open(ext, O_RDONLY | O_DIRECT);
	dst = open(dstpath, O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(src >= 0 && dst >= 0, "open");
	if (src < 0 || dst < 0)
		return 1;
	OK(ftruncate(dst, (off_t)r.len));
	r.map = mmap(NULL, r.len, PROT_READ | PROT_WRITE, MAP_SHARED, dst, 0);
	CHECK(r.map != MAP_FAILED, "mmap");
	if (r.map == MAP_FAILED)
		return 1;
	memset(r.map, 'x', r.len);
	pthread_create(&th, NULL, msync_loop, &r);
	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		CHECK(pread(src, r.map, r.len, 0) == (ssize_t)r.len,
		      "O_DIRECT read into the mapping");
		reads++;
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while (b.tv_sec - a.tv_sec < secs && !failures);
	r.stop = 1;
	pthread_join(th, NULL);
	OK(msync(r.map, r.len, MS_SYNC));
	printf("%ld O_DIRECT reads, %ld msyncs\n", reads, r.syncs);
	munmap(r.map, r.len);
	close(src);
	close(dst);
	return failures ? 1 : 0;
}

struct race {
	int src;
	char *map;
	ssize_t got;
	int err;
};

static void *race_reader(void *arg)
{
	struct race *r = arg;

	r->got = pread(r->src, r->map, 4096, 0);
	r->err = r->got < 0 ? errno : 0;
	return NULL;
}

static int cmd_race(const char *srcpath, const char *dstpath)
{
	struct dtfs_gate g = {.reads = 1};
	struct race r = {0};
	char buf[4096];
	pthread_t th;
	int src, dst, ret;

	memset(buf, 'S', sizeof(buf));
	put(srcpath, buf, sizeof(buf));
	memset(buf, 'D', sizeof(buf));
	put(dstpath, buf, sizeof(buf));
	src = open(srcpath, O_RDONLY | O_DIRECT);
	dst = open(dstpath, O_RDWR);
	CHECK(src >= 0 && dst >= 0, "open");
	if (src < 0 || dst < 0)
		return 1;
	r.src = src;
	r.map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, dst, 0);
	CHECK(r.map != MAP_FAILED, "mmap");
	if (r.map == MAP_FAILED)
		return 1;
	r.map[0] = 'd'; /* dirty through write-notify, then clean */
	OK(msync(r.map, 4096, MS_SYNC));
	OK(ioctl(src, DTFS_IOC_GATE, &g));
	pthread_create(&th, NULL, race_reader, &r);
	g.timeout_ms = 10000;
	OK(ioctl(src, DTFS_IOC_WAIT_GATED, &g));
	CHECK(g.held == 1, "one READ held (%u)", g.held);
	/* the destination page is pinned by the O_DIRECT read: clean it */
	errno = 0;
	ret = msync(r.map, 4096, MS_SYNC);
	printf("msync while pinned: %d (%s)\n", ret,
	       ret ? strerror(errno) : "ok");
	OK(ioctl(src, DTFS_IOC_RELEASE));
	pthread_join(th, NULL);
	printf("O_DIRECT read: %zd bytes%s%s\n", r.got, r.err ? " error " : "",
	       r.err ? strerror(r.err) : "");
	CHECK(r.got == 4096, "pinned read completed");
	CHECK(r.map[0] == 'S' && r.map[4095] == 'S', "pinned data in mapping");
	/* the next writeback meets the page dirtied behind our back */
	errno = 0;
	ret = msync(r.map, 4096, MS_SYNC);
	printf("msync after release: %d (%s)\n", ret,
	       ret ? strerror(errno) : "ok");
	errno = 0;
	ret = fsync(dst);
	printf("fsync: %d (%s)\n", ret, ret ? strerror(errno) : "ok");
	munmap(r.map, 4096);
	close(src);
	close(dst);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "workload"))
		return cmd_workload(argv[2], (unsigned int)atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "dio-race"))
		return cmd_dio_race(argv[2], argv[3], atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "race"))
		return cmd_race(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "appender"))
		return cmd_appender(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "appender-check"))
		return cmd_appender_check(argv[2], argv[3]);
	if (argc != 3) {
		fprintf(stderr,
			"usage: %s posix DIR | mmap-coherence FILE | odirect "
			"FILE | appender DIR JOURNAL | appender-check DIR "
			"JOURNAL | workload DIR SEED | dio-race EXT DST SECS | "
			"race SRC DST\n",
			argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "posix"))
		return cmd_posix(argv[2]);
	if (!strcmp(argv[1], "mmap") || !strcmp(argv[1], "mmap-coherence"))
		return cmd_mmap(argv[2]);
	if (!strcmp(argv[1], "odirect"))
		return cmd_odirect(argv[2]);
	fprintf(stderr, "%s: unknown command %s\n", argv[0], argv[1]);
	return 2;
}
