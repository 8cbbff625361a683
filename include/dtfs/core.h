/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtfs core: a POSIX filesystem on a RocksDB journaling store, without libfuse.
 *
 * fs/dtfs.c translates FUSE requests into these calls; tests call them
 * directly. Every call returns 0 (or a byte count) on success and a negative
 * errno on failure. Inode numbers are the store's; the root is DT_ROOT_INO.
 *
 * Lifetime: dt_lookup/dt_create/dt_mknod/... take one lookup reference on
 * the inode they return (as a FUSE reply_entry does); dt_forget drops them.
 * dt_open/dt_create take an open reference, dt_release drops it. An inode
 * whose link count reached zero is reclaimed when both counts are zero; if
 * the daemon dies first, the orphan is reclaimed at the next dt_fs_open.
 */
#ifndef DTFS_CORE_H
#define DTFS_CORE_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define DT_ROOT_INO 1ULL
#define DT_NAME_MAX 255
#define DT_SYMLINK_MAX 4095
#define DT_XATTR_NAME_MAX 255
#define DT_XATTR_SIZE_MAX 65536
#define DT_FORMAT_VERSION 2

struct dt_fs;

struct dt_fs_opts {
	int create; /* create the store if absent */
	int readonly; /* open for fsck: no recovery, no orphan reclaim, no
		       * writes */
};

/* Open (and, if asked, create) the store in directory @path; opened for
 * writing, a store that was not closed cleanly is recovered first. On
 * failure writes a one-line reason into @err. -EBUSY: held by a running
 * daemon; -EPROTO: another format version (version 1 included); -ENOTDIR/-ENOENT/-EACCES as usual;
 * -EUCLEAN: not a dtfs store or damaged records; -EBADMSG: RocksDB found
 * damage (WAL, MANIFEST, CURRENT, a table file) and refuses the open. */
int dt_fs_open(const char *path, const struct dt_fs_opts *o, struct dt_fs **out,
	       char *err, size_t errlen);
void dt_fs_close(struct dt_fs *fs);
/* What the daemon is doing with the store, for other processes that find
 * it locked: NULL (opening), "mounted MAJ:MIN MOUNTPOINT" or "closing". A
 * store whose mount is gone is waited for by dt_fs_open (up to 10 s); one
 * with a live mount is refused at once with -EBUSY. */
void dt_fs_set_state(struct dt_fs *fs, const char *state);

/* Free space dtfs keeps on the filesystem of @fd (the store's, or the
 * dirty log's): writes that add data stop there with ENOSPC. */
uint64_t dt_space_reserve(int fd);

/* Attribute setting (dt_setattr @valid bits). */
#define DT_SET_MODE (1 << 0)
#define DT_SET_UID (1 << 1)
#define DT_SET_GID (1 << 2)
#define DT_SET_SIZE (1 << 3)
#define DT_SET_ATIME (1 << 4)
#define DT_SET_MTIME (1 << 5)
#define DT_SET_ATIME_NOW (1 << 7)
#define DT_SET_MTIME_NOW (1 << 8)
#define DT_SET_CTIME (1 << 10)

/*
 * The caller of an operation, for the decisions the kernel's FUSE leaves
 * to the filesystem (set-id bits, ACLs). @in_group and @capable answer
 * for the caller: membership of a group other than its fsgid (NULL: none)
 * and CAP_FSETID (NULL: fsuid 0 stands for it).
 */
struct dt_cred {
	uid_t uid; /* fsuid */
	gid_t gid; /* fsgid */
	int (*in_group)(const struct dt_cred *c, gid_t gid);
	int (*capable)(const struct dt_cred *c);
	void *arg; /* for the callbacks */
};
int dt_cred_in_group(const struct dt_cred *c, gid_t gid);
int dt_cred_capable_fsetid(const struct dt_cred *c);

int dt_getattr(struct dt_fs *fs, uint64_t ino, struct stat *st);
/*
 * Before a write, truncate or fallocate by @c: drop the set-user-ID bit,
 * and the set-group-ID bit when the file is group-executable or @c is not
 * in its group, unless @c has CAP_FSETID (the kernel's should_remove_suid;
 * regular files only); and the file's capabilities (security.capability),
 * whoever @c is. The mode bits dropped (0 if none), or -errno.
 */
int dt_remove_privs(struct dt_fs *fs, uint64_t ino, const struct dt_cred *c);
/*
 * Before a chown or chgrp by @c of a non-directory: drop the set-user-ID
 * bit, the set-group-ID bit when the file is group-executable or @c is
 * neither in its group nor has CAP_FSETID, and the file's capabilities
 * (the kernel's notify_change for chown). As dt_remove_privs returns.
 */
int dt_chown_privs(struct dt_fs *fs, uint64_t ino, const struct dt_cred *c);
/* After a read of @ino that reached dtfs: set its access time if @mode
 * (enum dt_atime, dtfs/opts.h) says so (see dtfs(7)). 0 or -errno. */
int dt_touch_atime(struct dt_fs *fs, uint64_t ino, int mode);
int dt_setattr(struct dt_fs *fs, uint64_t ino, const struct stat *in, int valid,
	       struct stat *out);

int dt_lookup(struct dt_fs *fs, uint64_t parent, const char *name,
	      struct stat *st);
/* Lookups by inode number, for file handles (dtfs(7), "File handles"):
 * "." of any inode that still has a name, ".." of a directory; one lookup
 * reference as dt_lookup; -ENOENT for an inode number not (or no longer)
 * in use: inode numbers are never reused in a store. */
int dt_lookup_self(struct dt_fs *fs, uint64_t ino, struct stat *st);
int dt_lookup_parent(struct dt_fs *fs, uint64_t ino, struct stat *st);
void dt_forget(struct dt_fs *fs, uint64_t ino, uint64_t nlookup);

int dt_mknod(struct dt_fs *fs, uint64_t parent, const char *name, mode_t mode,
	     dev_t rdev, uid_t uid, gid_t gid, struct stat *st);
int dt_mkdir(struct dt_fs *fs, uint64_t parent, const char *name, mode_t mode,
	     uid_t uid, gid_t gid, struct stat *st);
int dt_symlink(struct dt_fs *fs, uint64_t parent, const char *name,
	       const char *target, uid_t uid, gid_t gid, struct stat *st);
int dt_readlink(struct dt_fs *fs, uint64_t ino, char *buf, size_t size);
int dt_link(struct dt_fs *fs, uint64_t ino, uint64_t newparent,
	    const char *newname, struct stat *st);
int dt_unlink(struct dt_fs *fs, uint64_t parent, const char *name);
int dt_rmdir(struct dt_fs *fs, uint64_t parent, const char *name);
/* flags: 0, RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT */
int dt_rename(struct dt_fs *fs, uint64_t parent, const char *name,
	      uint64_t newparent, const char *newname, unsigned int flags);

/* create = mknod(S_IFREG) + open; O_EXCL is the kernel's business. */
int dt_create(struct dt_fs *fs, uint64_t parent, const char *name, mode_t mode,
	      uid_t uid, gid_t gid, int flags, struct stat *st);
int dt_open(struct dt_fs *fs, uint64_t ino, int flags);
int dt_release(struct dt_fs *fs, uint64_t ino);

ssize_t dt_read(struct dt_fs *fs, uint64_t ino, void *buf, size_t size,
		off_t off);
ssize_t dt_write(struct dt_fs *fs, uint64_t ino, const void *buf, size_t size,
		 off_t off);
/* Make everything acknowledged so far durable against power loss: the
 * data file, then the WAL; concurrent calls share one sync. */
int dt_sync(struct dt_fs *fs);

/* mode: 0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE|KEEP_SIZE,
 * FALLOC_FL_ZERO_RANGE[|KEEP_SIZE]; others -EOPNOTSUPP. */
int dt_fallocate(struct dt_fs *fs, uint64_t ino, int mode, off_t off,
		 off_t len);
/* SEEK_DATA / SEEK_HOLE (others are the kernel's). */
off_t dt_lseek(struct dt_fs *fs, uint64_t ino, off_t off, int whence);
ssize_t dt_copy_file_range(struct dt_fs *fs, uint64_t ino_in, off_t off_in,
			   uint64_t ino_out, off_t off_out, size_t len);

/* Directories. A handle lists the directory (with "." and "..") at its
 * first dt_dir_entry, or at dt_dir_rewind, which lists it afresh: a read
 * from offset 0 (rewinddir) shows names created since. Offsets are
 * positions in the listing, stable until the next dt_dir_rewind. */
struct dt_dir;
int dt_opendir(struct dt_fs *fs, uint64_t ino, struct dt_dir **out);
int dt_dir_rewind(struct dt_fs *fs, uint64_t ino, struct dt_dir *d);
/* Entry @idx of the listing: 0 and sets @name and @st, -ENOENT past end,
 * or the error of taking the listing. */
int dt_dir_entry(struct dt_dir *d, size_t idx, const char **name,
		 struct stat *st);
void dt_closedir(struct dt_dir *d);

int dt_statfs(struct dt_fs *fs, struct statvfs *sv);

/*
 * POSIX ACLs in the kernel's xattr form (dtfs(7), "POSIX ACLs"). Set the
 * access (@dflt 0) or default ACL of @ino for @c: an access ACL sets the
 * mode's permission bits, is not stored when the mode says it all, and
 * drops set-group-ID when @c is outside the file's group without
 * CAP_FSETID; a default ACL is for directories only (-EACCES). chmod keeps
 * a stored access ACL in step, and a new inode inherits its directory's
 * default ACL (dt_setattr, dt_create, dt_mknod, dt_mkdir).
 */
int dt_set_acl(struct dt_fs *fs, uint64_t ino, int dflt, const void *value,
	       size_t size, const struct dt_cred *c);
/* Whether directory @ino has a default ACL (then the create mode is not
 * masked by the umask): 1, 0 or -errno. */
int dt_has_default_acl(struct dt_fs *fs, uint64_t ino);

/* xattrs: flags XATTR_CREATE / XATTR_REPLACE. get/list with size 0 return
 * the size needed; -ERANGE when @size is too small. */
int dt_setxattr(struct dt_fs *fs, uint64_t ino, const char *name,
		const void *value, size_t size, int flags);
ssize_t dt_getxattr(struct dt_fs *fs, uint64_t ino, const char *name, void *buf,
		    size_t size);
ssize_t dt_listxattr(struct dt_fs *fs, uint64_t ino, char *buf, size_t size);
int dt_removexattr(struct dt_fs *fs, uint64_t ino, const char *name);

/* Offline checking (tools/dtfs-fsck): walks the store and prints each
 * problem found to @report; returns the number of problems (>= 0) or a
 * negative errno if the store could not be read. */
#include <stdio.h>
long dt_fsck(struct dt_fs *fs, FILE *report, int verbose);

/* Block size of file data: holes, SEEK_DATA/SEEK_HOLE and st_blocks are
 * exact to it. */
#define DT_DATA_BLOCK 4096

#endif
