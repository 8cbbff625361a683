// SPDX-License-Identifier: GPL-2.0
/*
 * dtfs: the FUSE daemon. A thin layer: each op translates its request into
 * a core/ call and replies exactly once. All state, locking and storage
 * live in core/.
 */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include "dtfs/core.h"
#include "dtfs/ctl.h"
#include "dtfs/gate.h"
#include "dtfs/ioctl.h"
#include "dtfs/opts.h"
#include "dtfs/track.h"
#include "dtfs/tracer.h"
#include "wire.h"

struct dtfs {
	struct dt_fs *fs;
	struct dt_opts conf;
	struct fuse_session *se;
	struct dt_track *track; /* the dirty-tracking engine, dtfs(7) */
	struct dt_gates *gates;
	uid_t owner;
	int acl; /* the kernel enforces POSIX ACLs (FUSE_CAP_POSIX_ACL) */
	/* inodes whose pages may be in the kernel's page cache, by hash
	 * (dio_write_inval); set, never cleared */
	atomic_uchar page_cached[4096];
	/* direct writes' invalidations: how many request threads are in one,
	 * and the ones left to a thread of their own (dio_write_inval) */
	atomic_int inval_busy;
	pthread_mutex_t inval_lock;
	pthread_cond_t inval_cond;
	struct inval_item *inval_list;
	int inval_stop;
	pthread_t inval_thread;
	int inval_started;
};

struct inval_item {
	struct inval_item *next;
	fuse_ino_t ino;
	off_t off, len;
};

static struct dtfs *dtfs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static struct dt_fs *fs_of(fuse_req_t req)
{
	return dtfs_of(req)->fs;
}

static struct dt_track *track_of(fuse_req_t req)
{
	return dtfs_of(req)->track;
}

static void origin_of(fuse_req_t req, struct dt_origin *o)
{
	memset(o, 0, sizeof(*o));
	o->pid = (uint32_t)fuse_req_ctx(req)->pid;
}

/* ---- the caller, for set-id bits and ACLs (struct dt_cred) ------------ */

static int req_in_group(const struct dt_cred *c, gid_t gid)
{
	fuse_req_t req = c->arg;
	gid_t small[64], *list = small;
	int n = fuse_req_getgroups(req, 64, small), found = 0;

	if (n > 64) {
		list = malloc((size_t)n * sizeof(*list));
		if (!list)
			return 0;
		n = fuse_req_getgroups(req, n, list);
	}
	for (int i = 0; i < n && !found; i++)
		found = list[i] == gid;
	if (list != small)
		free(list);
	return found;
}

/* CAP_FSETID in the caller's effective set, from /proc (FUSE sends no
 * capabilities); fsuid 0 stands for it when the task is not found. */
static int req_capable(const struct dt_cred *c)
{
	pid_t pid = fuse_req_ctx(c->arg)->pid;
	unsigned long long caps;
	char path[64], line[256];
	int found = 0, cap = c->uid == 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = pid > 0 ? fopen(path, "r") : NULL;
	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", &caps) == 1;
	if (f)
		fclose(f);
	if (found)
		cap = !!(caps & (1ULL << 4)); /* CAP_FSETID */
	return cap;
}

static void cred_of(fuse_req_t req, struct dt_cred *c)
{
	const struct fuse_ctx *x = fuse_req_ctx(req);

	memset(c, 0, sizeof(*c));
	c->uid = x->uid;
	c->gid = x->gid;
	c->in_group = req_in_group;
	c->capable = req_capable;
	c->arg = req;
}

/*
 * A write, truncate or fallocate by the caller of @req drops set-id bits
 * as should_remove_suid() says. The kernel's FUSE does it with an older
 * rule (set-group-ID only when group-executable), so dtfs applies the
 * exact one itself before the operation (dtfs(7), "Set-ID bits"). With
 * @notify the kernel's cached mode is dropped (attributes only: nothing
 * waits on a page, no dtfs lock is held). The bits dropped (S_ISUID,
 * S_ISGID), or -errno.
 */
static int remove_privs(fuse_req_t req, fuse_ino_t ino, int notify)
{
	struct dt_cred c;
	int ret;

	cred_of(req, &c);
	ret = dt_remove_privs(fs_of(req), ino, &c);
	if (ret > 0 && notify)
		fuse_lowlevel_notify_inval_inode(dtfs_of(req)->se, ino, -1, 0);
	return ret;
}

/* name events, so that logs can map inodes to paths */
static void note_name(fuse_req_t req, unsigned int ev, uint64_t ino,
		      uint64_t parent, const char *name, uint64_t parent2,
		      const char *name2)
{
	struct dt_origin o;
	char text[DT_NAME_MAX * 2 + 64];

	origin_of(req, &o);
	if (name2)
		snprintf(text, sizeof(text), "%llu/%s -> %llu/%s",
			 (unsigned long long)parent, name,
			 (unsigned long long)parent2, name2);
	else
		snprintf(text, sizeof(text), "%llu/%s",
			 (unsigned long long)parent, name);
	dt_track_note(track_of(req), DT_SRC_DTFS, ev, ino, 0, text, &o);
}

/* Errors other than the expected ones carry context to the log. */
static void reply_err(fuse_req_t req, const char *op, fuse_ino_t ino, int err)
{
	if (err == EIO || err == EUCLEAN || err == ENOMEM || err == ENOSPC)
		fprintf(stderr, "dtfs: %s ino %llu: %s\n", op,
			(unsigned long long)ino, strerror(err));
	fuse_reply_err(req, err);
}

static void reply_entry(fuse_req_t req, const struct stat *st)
{
	struct dtfs *d = dtfs_of(req);
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = st->st_ino;
	e.generation = 1;
	e.attr = *st;
	e.attr_timeout = d->conf.attr_timeout;
	e.entry_timeout = d->conf.entry_timeout;
	fuse_reply_entry(req, &e);
}

static void dtfs_init(void *userdata, struct fuse_conn_info *conn)
{
	struct dtfs *d = userdata;

	/* 1 MiB requests: on FUSE the cost per request dominates, not the
	 * copying (tests/bench/bench.sh). */
	conn->max_write = 1 << 20;
	conn->max_readahead = 1 << 20;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	if (conn->capable & FUSE_CAP_ASYNC_DIO)
		conn->want |= FUSE_CAP_ASYNC_DIO;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	/* file handles that outlive the kernel's inode cache and the mount:
	 * node ids are store inode numbers, never reused (dtfs_lookup) */
	if (conn->capable & FUSE_CAP_EXPORT_SUPPORT)
		conn->want |= FUSE_CAP_EXPORT_SUPPORT;
	/* POSIX ACLs: the kernel checks them (default_permissions is on),
	 * dtfs keeps the mode and the ACL in step and does inheritance, for
	 * which it needs the create mode unmasked and the umask apart
	 * (DONT_MASK). dtfs(7), "POSIX ACLs". */
	if ((conn->capable & FUSE_CAP_POSIX_ACL) &&
	    (conn->capable & FUSE_CAP_DONT_MASK)) {
		conn->want |= FUSE_CAP_POSIX_ACL | FUSE_CAP_DONT_MASK;
		d->acl = 1;
	}
	/* dtfs is the only writer of its files (see dtfs_open): a change of
	 * mtime or size that a GETATTR brings is one the kernel made itself,
	 * so its cached pages stay. With libfuse's default AUTO_INVAL_DATA
	 * the kernel dropped every page of a file whenever a GETATTR saw a
	 * new mtime, i.e. at the first stat after each write: events no disk
	 * filesystem has, and READs to fill the pages again. */
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	/* Write-through by default: every write() reaches dtfs at once. */
	if (d->conf.writeback_cache &&
	    (conn->capable & FUSE_CAP_WRITEBACK_CACHE))
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	else
		conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
}

static void dtfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct stat st;
	int ret;

	/* The VFS never looks these up; the kernel's export operations do,
	 * with any inode number, to open a file handle whose inode it no
	 * longer caches (FUSE_CAP_EXPORT_SUPPORT): ENOENT becomes ESTALE. */
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		ret = name[1] ? dt_lookup_parent(fs_of(req), parent, &st)
			      : dt_lookup_self(fs_of(req), parent, &st);
		if (ret)
			fuse_reply_err(req, -ret);
		else
			reply_entry(req, &st);
		return;
	}
	ret = dt_lookup(fs_of(req), parent, name, &st);

	if (ret == -ENOENT) {
		/* negative entry, cached like a positive one */
		struct fuse_entry_param e;

		memset(&e, 0, sizeof(e));
		e.entry_timeout = dtfs_of(req)->conf.entry_timeout;
		fuse_reply_entry(req, &e);
		return;
	}
	if (ret)
		reply_err(req, "lookup", parent, -ret);
	else
		reply_entry(req, &st);
}

static void dtfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	dt_forget(fs_of(req), ino, nlookup);
	fuse_reply_none(req);
}

static void dtfs_forget_multi(fuse_req_t req, size_t count,
			      struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		dt_forget(fs_of(req), forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void dtfs_getattr(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct stat st;
	int ret = dt_getattr(fs_of(req), ino, &st);

	(void)fi;
	if (ret)
		reply_err(req, "getattr", ino, -ret);
	else
		fuse_reply_attr(req, &st, dtfs_of(req)->conf.attr_timeout);
}

/* FUSE's setattr bits and core's */
static const struct {
	int fuse, dt;
} set_map[] = {
	{FUSE_SET_ATTR_MODE, DT_SET_MODE},
	{FUSE_SET_ATTR_UID, DT_SET_UID},
	{FUSE_SET_ATTR_GID, DT_SET_GID},
	{FUSE_SET_ATTR_SIZE, DT_SET_SIZE},
	{FUSE_SET_ATTR_ATIME, DT_SET_ATIME},
	{FUSE_SET_ATTR_MTIME, DT_SET_MTIME},
	{FUSE_SET_ATTR_ATIME_NOW, DT_SET_ATIME_NOW},
	{FUSE_SET_ATTR_MTIME_NOW, DT_SET_MTIME_NOW},
	{FUSE_SET_ATTR_CTIME, DT_SET_CTIME},
};

/*
 * Whether a SETATTR is what the kernel's file_remove_privs() sends for a
 * writer: nothing to set (its FUSE side found no bit to drop by its older
 * rule) or only a mode that drops set-ID bits of the current one. With
 * writeback_cache the WRITEs come later from writeback, without the
 * writer, so this is where the exact rule can apply. For a chmod that
 * looks the same the rule changes nothing: a chmod by a non-member drops
 * set-group-ID as well (setattr_prepare()).
 */
static int kills_privs(fuse_req_t req, fuse_ino_t ino, const struct stat *attr,
		       int to_set)
{
	struct stat st;
	mode_t gone;

	if (!to_set)
		return 1;
	if (to_set != FUSE_SET_ATTR_MODE || dt_getattr(fs_of(req), ino, &st))
		return 0;
	gone = st.st_mode & ~attr->st_mode & 07777;
	return gone && !(gone & ~(mode_t)(S_ISUID | S_ISGID)) &&
	       !(attr->st_mode & ~st.st_mode & 07777);
}

static void dtfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			 int to_set, struct fuse_file_info *fi)
{
	struct stat st;
	int valid = 0, ret;

	(void)fi;
	for (size_t i = 0; i < sizeof(set_map) / sizeof(set_map[0]); i++)
		if (to_set & set_map[i].fuse)
			valid |= set_map[i].dt;
	/* A truncate by a user without CAP_FSETID; the kernel may send the
	 * mode its older rule computed with it: what dtfs dropped stays
	 * dropped. */
	ret = valid & DT_SET_SIZE || kills_privs(req, ino, attr, to_set)
		      ? remove_privs(req, ino, 0)
		      : 0;
	/* chown, chgrp: with killpriv_v2 the kernel sends no mode for the
	 * set-ID bits it would drop; dtfs drops them (dtfs(7), "Set-ID
	 * bits") */
	if (ret >= 0 && (valid & (DT_SET_UID | DT_SET_GID))) {
		struct dt_cred c;
		int more;

		cred_of(req, &c);
		more = dt_chown_privs(fs_of(req), ino, &c);
		ret = more < 0 ? more : ret | more;
	}
	if (ret > 0)
		attr->st_mode &= ~(mode_t)ret;
	if (ret >= 0)
		ret = dt_setattr(fs_of(req), ino, attr, valid, &st);
	if (!ret && (valid & DT_SET_SIZE)) {
		struct dt_origin o;

		origin_of(req, &o);
		dt_track_truncate(track_of(req), ino, (uint64_t)attr->st_size,
				  &o);
	}
	if (ret)
		reply_err(req, "setattr", ino, -ret);
	else
		fuse_reply_attr(req, &st, dtfs_of(req)->conf.attr_timeout);
}

static void dtfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[DT_SYMLINK_MAX + 1];
	int ret = dt_readlink(fs_of(req), ino, buf, sizeof(buf));

	if (ret)
		reply_err(req, "readlink", ino, -ret);
	else
		fuse_reply_readlink(req, buf);
}

/* The mode of a new inode: the umask applies unless the directory has a
 * default ACL, which masks the mode instead (posix_acl_create). */
static mode_t create_mode(fuse_req_t req, fuse_ino_t parent, mode_t mode)
{
	if (dtfs_of(req)->acl && dt_has_default_acl(fs_of(req), parent) > 0)
		return mode;
	return mode & ~fuse_req_ctx(req)->umask;
}

static void dtfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode, dev_t rdev)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	struct stat st;
	int ret = dt_mknod(fs_of(req), parent, name,
			   create_mode(req, parent, mode), rdev, c->uid, c->gid,
			   &st);

	if (ret) {
		reply_err(req, "mknod", parent, -ret);
		return;
	}
	note_name(req, DTFS_EV_CREATE, st.st_ino, parent, name, 0, NULL);
	reply_entry(req, &st);
}

static void dtfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	struct stat st;
	int ret = dt_mkdir(fs_of(req), parent, name,
			   create_mode(req, parent, mode), c->uid, c->gid, &st);

	if (ret) {
		reply_err(req, "mkdir", parent, -ret);
		return;
	}
	note_name(req, DTFS_EV_CREATE, st.st_ino, parent, name, 0, NULL);
	reply_entry(req, &st);
}

static void dtfs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
			 const char *name)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	struct stat st;
	int ret =
		dt_symlink(fs_of(req), parent, name, link, c->uid, c->gid, &st);

	if (ret) {
		reply_err(req, "symlink", parent, -ret);
		return;
	}
	note_name(req, DTFS_EV_CREATE, st.st_ino, parent, name, 0, NULL);
	reply_entry(req, &st);
}

static void dtfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		      const char *newname)
{
	struct stat st;
	int ret = dt_link(fs_of(req), ino, newparent, newname, &st);

	if (ret) {
		reply_err(req, "link", ino, -ret);
		return;
	}
	note_name(req, DTFS_EV_LINK, ino, newparent, newname, 0, NULL);
	reply_entry(req, &st);
}

static void dtfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int ret = dt_unlink(fs_of(req), parent, name);

	if (!ret)
		note_name(req, DTFS_EV_UNLINK, 0, parent, name, 0, NULL);
	fuse_reply_err(req, -ret);
}

static void dtfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int ret = dt_rmdir(fs_of(req), parent, name);

	if (!ret)
		note_name(req, DTFS_EV_UNLINK, 0, parent, name, 0, NULL);
	fuse_reply_err(req, -ret);
}

static void dtfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
			fuse_ino_t newparent, const char *newname,
			unsigned int flags)
{
	int ret =
		dt_rename(fs_of(req), parent, name, newparent, newname, flags);

	if (!ret)
		note_name(req, DTFS_EV_RENAME, 0, parent, name, newparent,
			  newname);
	fuse_reply_err(req, -ret);
}

/*
 * An O_DIRECT open is answered with FOPEN_DIRECT_IO, and fs/wire.c adds
 * FOPEN_PARALLEL_DIRECT_WRITES: direct writes that overwrite then take
 * the inode lock shared, as ext4's and xfs's do, instead of one at a time
 * under the exclusive lock of FUSE's page-cache path. Only where the
 * kernel lets such a file be mmap()ed MAP_SHARED (DIRECT_IO_ALLOW_MMAP,
 * 6.6); -o cached_dio keeps the page-cache path. What differs for the
 * page cache: dtfs(7), "O_DIRECT and the page cache".
 */
static int direct_open(int flags)
{
	return (flags & O_DIRECT) && wire_direct_io() == 1;
}

/* A file handle: the open's flags (O_DIRECT for the log), and whether it
 * was answered with direct_io (its writes are then all direct). */
#define FH_DIRECT_IO (1ULL << 32)

static uint64_t fh_of(const struct fuse_file_info *fi)
{
	return (uint64_t)(unsigned int)fi->flags |
	       (fi->direct_io ? FH_DIRECT_IO : 0);
}

static void dtfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int ret = 0;

	if ((fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY)
		ret = remove_privs(req, ino, 1);
	if (ret >= 0)
		ret = dt_open(fs_of(req), ino, fi->flags);

	if (ret) {
		reply_err(req, "open", ino, -ret);
		return;
	}
	/* dtfs is the only writer of its files: the page cache stays valid
	 * across opens, as on a local filesystem; except with strictatime,
	 * where every read must reach dtfs to set the access time. */
	fi->keep_cache = dtfs_of(req)->conf.atime != DT_ATIME_STRICT;
	fi->direct_io = direct_open(fi->flags);
	fi->fh = fh_of(fi);
	/* A read-only direct_io descriptor has no page-cache state of its
	 * own: its close needs no FLUSH, which on some kernels (6.12) takes
	 * the inode lock, and so waits for the parallel direct writes in
	 * flight, a held one too (dtfsctl's own descriptors). */
	fi->noflush = fi->direct_io && (fi->flags & O_ACCMODE) == O_RDONLY;
	fuse_reply_open(req, fi);
}

static void dtfs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
			mode_t mode, struct fuse_file_info *fi)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	struct fuse_entry_param e;
	struct stat st;
	int ret = dt_create(fs_of(req), parent, name,
			    create_mode(req, parent, mode), c->uid, c->gid,
			    fi->flags, &st);

	if (ret) {
		reply_err(req, "create", parent, -ret);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = st.st_ino;
	e.generation = 1;
	e.attr = st;
	e.attr_timeout = dtfs_of(req)->conf.attr_timeout;
	e.entry_timeout = dtfs_of(req)->conf.entry_timeout;
	fi->keep_cache = 1;
	fi->direct_io = direct_open(fi->flags);
	fi->fh = fh_of(fi);
	note_name(req, DTFS_EV_CREATE, st.st_ino, parent, name, 0, NULL);
	fuse_reply_create(req, &e, fi);
}

static void note(fuse_req_t req, unsigned int ev, fuse_ino_t ino)
{
	struct dt_origin o;

	origin_of(req, &o);
	dt_track_note(track_of(req), DT_SRC_FUSE, ev, ino, 0, NULL, &o);
}

static void dtfs_release(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	(void)fi;
	note(req, DTFS_EV_RELEASE, ino);
	dt_release(fs_of(req), ino);
	fuse_reply_err(req, 0);
}

static void dtfs_flush(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)fi;
	note(req, DTFS_EV_FLUSH, ino);
	fuse_reply_err(req, 0);
}

static void dtfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		       struct fuse_file_info *fi)
{
	int ret = dt_sync(fs_of(req));

	(void)datasync;
	(void)fi;
	note(req, DTFS_EV_FSYNC, ino);
	if (ret)
		reply_err(req, "fsync", ino, -ret);
	else
		fuse_reply_err(req, 0);
}

/*
 * The buffer a read is served from: one per request thread, kept for the
 * thread's life and grown as needed (up to the largest FUSE read, 1 MiB).
 * A fresh 1 MiB malloc per read was an mmap and 256 page faults.
 */
static pthread_key_t read_buf_key;
static pthread_once_t read_buf_once = PTHREAD_ONCE_INIT;

struct read_buf {
	size_t size;
	char data[];
};

static void read_buf_key_make(void)
{
	pthread_key_create(&read_buf_key, free);
}

static char *read_buf(size_t size)
{
	struct read_buf *b;

	pthread_once(&read_buf_once, read_buf_key_make);
	b = pthread_getspecific(read_buf_key);
	if (b && b->size >= size)
		return b->data;
	free(b);
	b = malloc(sizeof(*b) + size);
	pthread_setspecific(read_buf_key, b);
	if (!b)
		return NULL;
	b->size = size;
	return b->data;
}

static atomic_uchar *page_cached(struct dtfs *d, fuse_ino_t ino)
{
	return &d->page_cached[(ino * 0x9e3779b97f4a7c15ULL) >> 52];
}

/*
 * Pages of a file enter the page cache only through a READ (a page fill,
 * readahead, a fault: dtfs cannot tell them from an O_DIRECT read, so
 * every READ counts) or a buffered write-through WRITE; both mark the
 * inode before touching the store, so a direct write that finds it
 * unmarked after storing its data knows no page of its range can hold the
 * old data (the inode lock orders the two).
 */
static void note_page_cached(struct dtfs *d, fuse_ino_t ino)
{
	atomic_uchar *p = page_cached(d, ino);

	if (!atomic_load(p))
		atomic_store(p, 1);
}

static void dtfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	char *buf = read_buf(size);
	ssize_t n;

	struct dtfs *d = dtfs_of(req);
	struct dt_origin o;

	if (!buf) {
		reply_err(req, "read", ino, ENOMEM);
		return;
	}
	dt_gate_pass(d->gates, ino, 0);
	note_page_cached(d, ino);
	n = dt_read(fs_of(req), ino, buf, size, off);
	if (n > 0) {
		origin_of(req, &o);
		dt_track_read(d->track, ino, (uint64_t)off, (uint64_t)n,
			      !!(fi->fh & O_DIRECT), &o);
	}
	/* the access time (dtfs(7)): a failure to store it (a full disk)
	 * does not fail the read */
	if (n >= 0 && !d->conf.ro)
		dt_touch_atime(fs_of(req), ino, d->conf.atime);
	if (n < 0)
		reply_err(req, "read", ino, (int)-n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
}

/* policy abort: the filesystem's BUG(). Report, flush the log, and leave
 * without unmounting, so the mount answers ENOTCONN from now on. */
static void __attribute__((noreturn))
abort_daemon(struct dtfs *d, fuse_ino_t ino, uint64_t off, uint64_t size)
{
	fprintf(stderr,
		"dtfs: ABORT (on_violation=abort): writepage of inode %llu "
		"bytes %llu+%llu found a dirty page without buffers; see the "
		"dirty log\n",
		(unsigned long long)ino, (unsigned long long)off,
		(unsigned long long)size);
	dt_track_flush(d->track);
	fflush(stderr);
	_exit(4);
}

static void inval_range(struct dtfs *d, fuse_ino_t ino, off_t off, off_t len)
{
	int ret = fuse_lowlevel_notify_inval_inode(d->se, ino, off, len);

	if (ret && ret != -ENOENT && ret != -ENOTCONN)
		fprintf(stderr,
			"dtfs: write ino %llu: dropping cached pages of an "
			"O_DIRECT write: %s\n",
			(unsigned long long)ino, strerror(-ret));
}

static void *inval_worker(void *arg)
{
	struct dtfs *d = arg;

	pthread_mutex_lock(&d->inval_lock);
	for (;;) {
		struct inval_item *it = d->inval_list;

		if (!it) {
			if (d->inval_stop)
				break;
			pthread_cond_wait(&d->inval_cond, &d->inval_lock);
			continue;
		}
		d->inval_list = it->next;
		pthread_mutex_unlock(&d->inval_lock);
		inval_range(d, it->ino, it->off, it->len);
		free(it);
		pthread_mutex_lock(&d->inval_lock);
	}
	pthread_mutex_unlock(&d->inval_lock);
	return NULL;
}

static void inval_worker_start(struct dtfs *d)
{
	pthread_mutex_init(&d->inval_lock, NULL);
	pthread_cond_init(&d->inval_cond, NULL);
	d->inval_started =
		!pthread_create(&d->inval_thread, NULL, inval_worker, d);
}

/* after the session loop, before the session goes */
static void inval_worker_stop(struct dtfs *d)
{
	if (!d->inval_started)
		return;
	pthread_mutex_lock(&d->inval_lock);
	d->inval_stop = 1;
	pthread_cond_signal(&d->inval_cond);
	pthread_mutex_unlock(&d->inval_lock);
	pthread_join(d->inval_thread, NULL);
	d->inval_started = 0;
}

/*
 * An O_DIRECT write drops the cached pages of its range before it is
 * acknowledged (dtfs(7), "O_DIRECT and the page cache"). The kernel drops
 * them itself around a synchronous direct write, but FUSE's asynchronous
 * one (AIO, io_uring: FUSE_CAP_ASYNC_DIO) completes in fuse_aio_complete()
 * without the invalidation that generic_file_direct_write() skips for a
 * queued write; a buffered reader that filled a page from the old data
 * meanwhile keeps it, and with keep_cache later readers are served that
 * stale page (xfstests generic/451). Dropping the range here, after the
 * data is in the store and before the reply, means any page filled from
 * now on reads the new data. Skipped for an inode no READ or buffered
 * WRITE has touched (note_page_cached): an O_DIRECT-only workload pays
 * nothing. No dtfs lock is held: the invalidation may wait for a READ of
 * a locked page or launder a dirty one, which spare session threads
 * serve. A single-threaded daemon has none, so it skips this and keeps
 * the kernel's behaviour.
 *
 * Only a write that is surely direct may wait for the invalidation:
 * FUSE's buffered write-through keeps a partly written page locked until
 * its WRITE is answered, and the invalidation would wait for that lock.
 * The write's flags are the file's when the kernel built the request, so
 * an fcntl() that sets O_DIRECT meanwhile makes a buffered write look
 * direct (xfstests generic/036 hung so). Surely direct (@sync): an open
 * answered with direct_io, or opened with O_DIRECT and still so; a write
 * that is O_DIRECT by fcntl alone has its range dropped by the worker,
 * just after the reply.
 */
static void dio_write_inval(struct dtfs *d, fuse_ino_t ino, off_t off,
			    size_t len, int sync)
{
	int limit = (int)d->conf.max_threads - 2;
	struct inval_item *it;

	if (d->conf.singlethread || !atomic_load(page_cached(d, ino)))
		return;
	/* Each request thread in an invalidation may wait for a READ that
	 * needs another: at most max_threads - 2 of them, so two stay free.
	 * Past that (many concurrent direct writes to cached files) the
	 * invalidation goes to the worker thread and follows the reply. */
	if (!sync && d->inval_started)
		goto queue;
	if (atomic_fetch_add(&d->inval_busy, 1) < limit || !d->inval_started) {
		inval_range(d, ino, off, (off_t)len);
		atomic_fetch_sub(&d->inval_busy, 1);
		return;
	}
	atomic_fetch_sub(&d->inval_busy, 1);
queue:
	it = malloc(sizeof(*it));
	if (!it) {
		inval_range(d, ino, off, (off_t)len);
		return;
	}
	it->ino = ino;
	it->off = off;
	it->len = (off_t)len;
	pthread_mutex_lock(&d->inval_lock);
	it->next = d->inval_list;
	d->inval_list = it;
	pthread_cond_signal(&d->inval_cond);
	pthread_mutex_unlock(&d->inval_lock);
}

static void dtfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		       size_t size, off_t off, struct fuse_file_info *fi)
{
	struct dtfs *d = dtfs_of(req);
	enum dt_write_kind kind = fi->writepage	      ? DT_WRITE_WRITEPAGE
				  : fi->fh & O_DIRECT ? DT_WRITE_DIRECT
						      : DT_WRITE_BUFFERED;
	/* the file's flags now: O_DIRECT may have come with fcntl */
	int direct =
		!fi->writepage && ((fi->fh | (unsigned)fi->flags) & O_DIRECT);
	struct dt_origin o;
	ssize_t n;

	if (!direct)
		note_page_cached(d, ino);

	if (kind != DT_WRITE_WRITEPAGE) {
		int ret = remove_privs(req, ino, 1);

		if (ret < 0) {
			reply_err(req, "write", ino, -ret);
			return;
		}
	}
	dt_gate_pass(d->gates, ino, 1);
	origin_of(req, &o);
	switch (dt_track_write_begin(d->track, ino, (uint64_t)off, size, kind,
				     &o)) {
	case DT_WP_ABORT:
		abort_daemon(d, ino, (uint64_t)off, size);
	case DT_WP_REFUSE:
		dt_track_write_end(d->track, ino, (uint64_t)off, size, kind);
		fuse_reply_err(req, EIO);
		return;
	case DT_WP_STORE:
		break;
	}
	n = dt_write(fs_of(req), ino, buf, size, off);
	dt_track_write_end(d->track, ino, (uint64_t)off, size, kind);
	if (n > 0 && direct)
		dio_write_inval(d, ino, off, (size_t)n,
				(fi->fh & FH_DIRECT_IO) ||
					((fi->fh & O_DIRECT) &&
					 (fi->flags & O_DIRECT)));
	if (n < 0)
		reply_err(req, "write", ino, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

static void dtfs_opendir(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct dt_dir *d;
	int ret = dt_opendir(fs_of(req), ino, &d);

	if (ret) {
		reply_err(req, "opendir", ino, -ret);
		return;
	}
	fi->fh = (uintptr_t)d;
	fuse_reply_open(req, fi);
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, int plus)
{
	struct dt_dir *d = (struct dt_dir *)(uintptr_t)fi->fh;
	char *buf = malloc(size), *p = buf;
	size_t left = size;
	const char *name;
	struct stat st;

	if (!buf) {
		reply_err(req, "readdir", ino, ENOMEM);
		return;
	}
	if (off == 0) {
		int ret = dt_dir_rewind(fs_of(req), ino, d);

		if (ret) {
			free(buf);
			reply_err(req, "readdir", ino, -ret);
			return;
		}
		if (!dtfs_of(req)->conf.nodiratime && !dtfs_of(req)->conf.ro)
			dt_touch_atime(fs_of(req), ino,
				       dtfs_of(req)->conf.atime);
	}
	for (size_t i = (size_t)off; !dt_dir_entry(d, i, &name, &st); i++) {
		size_t len;

		if (plus) {
			struct fuse_entry_param e;
			int dots = !strcmp(name, ".") || !strcmp(name, "..");

			memset(&e, 0, sizeof(e));
			if (!dots) {
				if (dt_lookup(fs_of(req), ino, name, &e.attr))
					continue; /* gone since opendir */
				e.ino = e.attr.st_ino;
				e.generation = 1;
				e.attr_timeout =
					dtfs_of(req)->conf.attr_timeout;
				e.entry_timeout =
					dtfs_of(req)->conf.entry_timeout;
			} else {
				e.attr = st;
			}
			len = fuse_add_direntry_plus(req, p, left, name, &e,
						     (off_t)i + 1);
			if (len > left) {
				if (!dots)
					dt_forget(fs_of(req), e.ino, 1);
				break;
			}
		} else {
			len = fuse_add_direntry(req, p, left, name, &st,
						(off_t)i + 1);
			if (len > left)
				break;
		}
		p += len;
		left -= len;
	}
	fuse_reply_buf(req, buf, size - left);
	free(buf);
}

static void dtfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			 struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, 0);
}

static void dtfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			     off_t off, struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, 1);
}

static void dtfs_releasedir(fuse_req_t req, fuse_ino_t ino,
			    struct fuse_file_info *fi)
{
	(void)ino;
	dt_closedir((struct dt_dir *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void dtfs_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			  struct fuse_file_info *fi)
{
	dtfs_fsync(req, ino, datasync, fi);
}

static void dtfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;
	int ret = dt_statfs(fs_of(req), &sv);

	if (ret)
		reply_err(req, "statfs", ino, -ret);
	else
		fuse_reply_statfs(req, &sv);
}

static void dtfs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			  const char *value, size_t size, int flags)
{
	int dflt = !strcmp(name, "system.posix_acl_default");
	struct dt_cred c;

	if (dtfs_of(req)->acl &&
	    (dflt || !strcmp(name, "system.posix_acl_access"))) {
		cred_of(req, &c);
		fuse_reply_err(req, -dt_set_acl(fs_of(req), ino, dflt, value,
						size, &c));
		return;
	}
	fuse_reply_err(req,
		       -dt_setxattr(fs_of(req), ino, name, value, size, flags));
}

/* getxattr/listxattr: the size asked for (size 0) or the bytes, or the
 * error; frees @buf. */
static void reply_xattr(fuse_req_t req, char *buf, size_t size, ssize_t n)
{
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

static void dtfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			  size_t size)
{
	char *buf = size ? malloc(size) : NULL;
	ssize_t n;

	if (size && !buf) {
		reply_xattr(req, NULL, size, -ENOMEM);
		return;
	}
	n = dt_getxattr(fs_of(req), ino, name, buf, size);
	reply_xattr(req, buf, size, n);
}

static void dtfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char *buf = size ? malloc(size) : NULL;
	ssize_t n;

	if (size && !buf) {
		reply_xattr(req, NULL, size, -ENOMEM);
		return;
	}
	n = dt_listxattr(fs_of(req), ino, buf, size);
	reply_xattr(req, buf, size, n);
}

static void dtfs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	fuse_reply_err(req, -dt_removexattr(fs_of(req), ino, name));
}

static void dtfs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			   off_t offset, off_t length,
			   struct fuse_file_info *fi)
{
	int ret = remove_privs(req, ino, 1);

	(void)fi;
	if (ret >= 0)
		ret = dt_fallocate(fs_of(req), ino, mode, offset, length);
	if (!ret && (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))) {
		struct dt_origin o;

		origin_of(req, &o);
		dt_track_punch(track_of(req), ino, (uint64_t)offset,
			       (uint64_t)length, mode, &o);
	}
	fuse_reply_err(req, -ret);
}

static void dtfs_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		       struct fuse_file_info *fi)
{
	off_t r = dt_lseek(fs_of(req), ino, off, whence);

	(void)fi;
	if (r < 0)
		fuse_reply_err(req, (int)-r);
	else
		fuse_reply_lseek(req, r);
}

static void dtfs_copy_file_range(fuse_req_t req, fuse_ino_t ino_in,
				 off_t off_in, struct fuse_file_info *fi_in,
				 fuse_ino_t ino_out, off_t off_out,
				 struct fuse_file_info *fi_out, size_t len,
				 int flags)
{
	ssize_t n;

	(void)fi_in;
	(void)fi_out;
	if (flags) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	/* as a write to @ino_out (the kernel's file_modified() is skipped
	 * with killpriv_v2 once the inode is S_NOSEC) */
	n = remove_privs(req, ino_out, 1);
	if (n >= 0)
		n = dt_copy_file_range(fs_of(req), ino_in, off_in, ino_out,
				       off_out, len);
	if (n < 0)
		reply_err(req, "copy_file_range", ino_out, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

/* ---- control ioctls (include/dtfs/ioctl.h) -------------------------- */

static int ioc_status(struct dtfs *d, fuse_ino_t ino, struct dtfs_status *st)
{
	memset(st, 0, sizeof(*st));
	dt_track_status(d->track, ino, st);
	dt_gate_get(d->gates, ino, &st->gate_reads, &st->gate_writes,
		    &st->gate_held);
	return 0;
}

/* Each held request holds a session thread: a gate leaves two free, for
 * the RELEASE and for requests the kernel sends meanwhile (writeback). */
static uint32_t gate_max(const struct dtfs *d)
{
	if (d->conf.singlethread || d->conf.max_threads < 3)
		return 0;
	return d->conf.max_threads - 2;
}

static void dtfs_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd,
		       void *arg, struct fuse_file_info *fi, unsigned int flags,
		       const void *in, size_t in_size, size_t out_size)
{
	struct dtfs *d = dtfs_of(req);
	const struct fuse_ctx *c = fuse_req_ctx(req);
	struct dt_origin o;
	struct dt_ctl ctl;
	char text[300];
	int ret;

	(void)arg;
	(void)fi;
	if (flags & FUSE_IOCTL_COMPAT) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	if (c->uid != 0 && c->uid != d->owner) {
		fuse_reply_err(req, EPERM);
		return;
	}
	ret = dt_ctl_decode(cmd, in, in_size, out_size, gate_max(d), &ctl);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	origin_of(req, &o);
	switch (ctl.op) {
	case DT_CTL_STATUS: {
		struct dtfs_status *st = malloc(sizeof(*st));

		if (!st) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		ioc_status(d, ino, st);
		fuse_reply_ioctl(req, 0, st, sizeof(*st));
		free(st);
		return;
	}
	case DT_CTL_MARK:
		dt_track_note(d->track, DT_SRC_DTFS, DTFS_EV_MARK, ino, 0,
			      ctl.u.mark, &o);
		fuse_reply_ioctl(req, 0, NULL, 0);
		return;
	case DT_CTL_EVICT:
		dt_track_evict(d->track, ino, ctl.u.evict.off, ctl.u.evict.len,
			       &o);
		/* no dtfs lock is held here: the kernel may call back into
		 * dtfs (writeback) and spare threads serve that */
		ret = fuse_lowlevel_notify_inval_inode(d->se, ino,
						       (off_t)ctl.u.evict.off,
						       (off_t)ctl.u.evict.len);
		if (ret && ret != -ENOENT) {
			fuse_reply_err(req, -ret);
			return;
		}
		fuse_reply_ioctl(req, 0, NULL, 0);
		return;
	case DT_CTL_GATE:
		snprintf(text, sizeof(text), "reads=%u writes=%u",
			 ctl.u.gate.reads, ctl.u.gate.writes);
		dt_gate_set(d->gates, ino, ctl.u.gate.reads, ctl.u.gate.writes);
		dt_track_note(d->track, DT_SRC_DTFS, DTFS_EV_GATE, ino, 0, text,
			      &o);
		fuse_reply_ioctl(req, 0, NULL, 0);
		return;
	case DT_CTL_RELEASE:
		dt_track_note(d->track, DT_SRC_DTFS, DTFS_EV_GATE_RELEASE, ino,
			      0, NULL, &o);
		dt_gate_release(d->gates, ino);
		fuse_reply_ioctl(req, 0, NULL, 0);
		return;
	case DT_CTL_WAIT_GATED: {
		struct dtfs_gate g = {.timeout_ms = ctl.u.timeout_ms};

		g.held = dt_gate_wait(d->gates, ino, g.timeout_ms);
		if (!g.held) {
			fuse_reply_err(req, ETIMEDOUT);
			return;
		}
		fuse_reply_ioctl(req, 0, &g, sizeof(g));
		return;
	}
	case DT_CTL_POLICY: {
		struct dtfs_policy p;

		dt_track_policy(d->track, ctl.u.policy.on_violation,
				ctl.u.policy.release, ino, &o, &p);
		fuse_reply_ioctl(req, 0, &p, sizeof(p));
		return;
	}
	}
	fuse_reply_err(req, ENOTTY);
}

static const struct fuse_lowlevel_ops dtfs_ops = {
	.init = dtfs_init,
	.lookup = dtfs_lookup,
	.forget = dtfs_forget,
	.forget_multi = dtfs_forget_multi,
	.getattr = dtfs_getattr,
	.setattr = dtfs_setattr,
	.readlink = dtfs_readlink,
	.mknod = dtfs_mknod,
	.mkdir = dtfs_mkdir,
	.symlink = dtfs_symlink,
	.link = dtfs_link,
	.unlink = dtfs_unlink,
	.rmdir = dtfs_rmdir,
	.rename = dtfs_rename,
	.open = dtfs_open,
	.create = dtfs_create,
	.read = dtfs_read,
	.write = dtfs_write,
	.flush = dtfs_flush,
	.release = dtfs_release,
	.fsync = dtfs_fsync,
	.opendir = dtfs_opendir,
	.readdir = dtfs_readdir,
	.readdirplus = dtfs_readdirplus,
	.releasedir = dtfs_releasedir,
	.fsyncdir = dtfs_fsyncdir,
	.statfs = dtfs_statfs,
	.setxattr = dtfs_setxattr,
	.getxattr = dtfs_getxattr,
	.listxattr = dtfs_listxattr,
	.removexattr = dtfs_removexattr,
	.fallocate = dtfs_fallocate,
	.lseek = dtfs_lseek,
	.copy_file_range = dtfs_copy_file_range,
	.ioctl = dtfs_ioctl,
};

/* ---- command line (core/opts.c parses it) ----------------------------- */

static void usage(const char *prog)
{
	printf("usage: %s STORE MOUNTPOINT [options]\n"
	       "\n"
	       "Mount the dtfs store in directory STORE (created if absent) "
	       "on\nMOUNTPOINT.\n\n",
	       prog);
	dt_opts_help(stdout); /* the option table, core/opts.c */
	printf("\nFUSE options:\n");
	fflush(stdout);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

/*
 * libfuse's messages while it parses its options (fuse_parse_cmdline,
 * fuse_session_new) are kept here: a refusal then becomes one dtfs line,
 * anything else is printed as it was.
 */
static char fuse_msg[1024];

static void keep_fuse_msg(enum fuse_log_level level, const char *fmt,
			  va_list ap)
{
	size_t n = strlen(fuse_msg);

	(void)level;
	if (n < sizeof(fuse_msg) - 1)
		vsnprintf(fuse_msg + n, sizeof(fuse_msg) - n, fmt, ap);
}

static void refuse_fuse_msg(void)
{
	char line[sizeof(fuse_msg)], *p = fuse_msg;
	size_t o = 0;

	while (*p) {
		size_t n = strcspn(p, "\n");

		if (!strncmp(p, "fuse: ", 6) && n >= 6) {
			p += 6;
			n -= 6;
		}
		if (n && o)
			o += (size_t)snprintf(line + o, sizeof(line) - o, "; ");
		if (n && o < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o,
					      "%.*s", (int)n, p);
		if (o >= sizeof(line))
			o = sizeof(line) - 1;
		p += n;
		if (*p)
			p++;
	}
	line[o] = 0;
	fprintf(stderr, "dtfs: %s\n", o ? line : "bad FUSE options");
}

/* /dev/fuse must be there, usable and the FUSE device (misc 10:229). */
static int check_fuse_dev(void)
{
	struct stat st;
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC), e = errno;

	if (fd < 0) {
		fprintf(stderr, "dtfs: /dev/fuse: %s%s\n", strerror(e),
			e == ENOENT ? " (no FUSE device here: modprobe fuse, "
				      "or give the container /dev/fuse)"
				    : "");
		return -1;
	}
	if (fstat(fd, &st) < 0)
		st.st_mode = 0;
	close(fd);
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 10 ||
	    minor(st.st_rdev) != 229) {
		fprintf(stderr, "dtfs: /dev/fuse is not the FUSE device (%s)\n",
			S_ISCHR(st.st_mode) ? "another character device"
					    : "not a character device");
		return -1;
	}
	return 0;
}

/* @path made absolute against the current directory (the daemon chdirs to
 * / once mounted). 0, or -1 with a message. */
static int absolute(const char *what, const char *path, char *out, size_t len)
{
	char cwd[PATH_MAX];

	if (path[0] == '/') {
		if ((size_t)snprintf(out, len, "%s", path) < len)
			return 0;
	} else if (!getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "dtfs: %s %s: current directory: %s\n", what,
			path, strerror(errno));
		return -1;
	} else if ((size_t)snprintf(out, len, "%s/%s", cwd, path) < len) {
		return 0;
	}
	fprintf(stderr, "dtfs: %s path too long\n", what);
	return -1;
}

/* The device number of our mount, from mountinfo (never stat the
 * mountpoint: that would be a request to ourselves). */
static int mount_dev(const char *mnt, int nosubtype, unsigned int *major,
		     unsigned int *minor)
{
	const char *type = nosubtype ? "fuse " : "fuse.dtfs ";

	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[8192], path[PATH_MAX];
	int found = 0;

	if (!f)
		return -errno;
	if (!realpath(mnt, path))
		snprintf(path, sizeof(path), "%s", mnt);
	while (fgets(line, sizeof(line), f)) {
		unsigned int ma, mi;
		char mp[4096], *sep;

		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &ma, &mi, mp) != 3)
			continue;
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, type, strlen(type)))
			continue;
		/* mountinfo escapes spaces as \040: compare unescaped */
		{
			char un[4096];
			size_t j = 0;

			for (size_t i = 0; mp[i] && j < sizeof(un) - 1; i++) {
				if (mp[i] == '\\' && mp[i + 1] && mp[i + 2] &&
				    mp[i + 3]) {
					un[j++] =
						(char)((mp[i + 1] - '0') * 64 +
						       (mp[i + 2] - '0') * 8 +
						       (mp[i + 3] - '0'));
					i += 3;
				} else {
					un[j++] = mp[i];
				}
			}
			un[j] = 0;
			if (strcmp(un, path))
				continue;
		}
		*major = ma;
		*minor = mi;
		found = 1; /* the last one is the topmost */
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

/* After the mount is up: the tracking engine's tracer (per -o tracer=),
 * dirty log and first records. */
static int start_tracking(struct dtfs *d, const char *store, const char *mnt)
{
	char path[PATH_MAX + 32], text[2 * PATH_MAX + 64], err[1024];
	struct dt_track_opts to = {
		.tracer = d->conf.tracer,
		.on_violation = d->conf.on_violation,
		.release = d->conf.release,
		.log_max_bytes = (uint64_t)d->conf.dirty_log_max << 20,
		.describe = text,
	};

	if (mount_dev(mnt, d->conf.nosubtype, &to.major, &to.minor)) {
		if (to.tracer == DT_TRACER_ON) {
			fprintf(stderr, "dtfs: tracer=on but the mount is not "
					"in mountinfo\n");
			return -1;
		}
		to.tracer = DT_TRACER_OFF;
	}
	if (!d->conf.dirty_log_off) {
		if (d->conf.dirty_log)
			snprintf(path, sizeof(path), "%s", d->conf.dirty_log);
		else
			snprintf(path, sizeof(path), "%s/dirty.log", store);
		to.log_path = path;
	}
	snprintf(text, sizeof(text), "store=%s mount=%s", store, mnt);
	if (dt_track_start(d->track, &to, err, sizeof(err))) {
		fprintf(stderr, "dtfs: %s\n", err);
		return -1;
	}
	return 0;
}

/*
 * Daemonize before opening the store (RocksDB's threads do not survive a
 * fork), but keep the parent waiting on a pipe until the child has mounted
 * or failed, so errors reach the user's terminal and the exit code.
 */
static int status_fd = -1;

static int start_daemon(void)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1) {
			int st;

			waitpid(pid, &st, 0);
			_exit(WIFEXITED(st) && WEXITSTATUS(st) ? WEXITSTATUS(st)
							       : 1);
		}
		_exit(0);
	}
	close(p[0]);
	status_fd = p[1];
	setsid();
	return 0;
}

static void daemon_ready(const char *store)
{
	char path[PATH_MAX + 16];
	int fd;

	if (status_fd < 0)
		return;
	/* From now on stderr is the daemon's log next to the store. */
	snprintf(path, sizeof(path), "%s/dtfs.log", store);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		close(fd);
	}
	if (chdir("/") < 0)
		(void)0;
	if (write(status_fd, "", 1) != 1)
		(void)0;
	close(status_fd);
	status_fd = -1;
}

/* The argv libfuse gets: the options dtfs does not take, default
 * permissions, the subtype, and the store as the mount's source (mount(8),
 * mountinfo) unless the user named one: tools find the dirty log by it. */
static int fuse_argv(const struct dt_opts *c, const char *store,
		     struct fuse_args *args)
{
	char *o = NULL, *arg = NULL;
	int ret = 0;

	for (int i = 0; i < c->fuse_argc; i++)
		if (fuse_opt_add_arg(args, c->fuse_argv[i]))
			return -1;
	/* The kernel checks permissions; dtfs never gives them away. */
	if (fuse_opt_add_arg(args, "-odefault_permissions") ||
	    (!c->nosubtype && fuse_opt_add_arg(args, "-osubtype=dtfs")))
		return -1;
	if (c->fsname)
		return 0;
	if (fuse_opt_add_opt_escaped(&o, store) ||
	    asprintf(&arg, "-ofsname=%s", o) < 0) {
		arg = NULL;
		ret = -1;
	} else if (fuse_opt_add_arg(args, arg)) {
		ret = -1;
	}
	free(o);
	free(arg);
	return ret;
}

/* DTFS_KILLPRIV_V2=0 keeps the kernel dropping set-ID bits and
 * capabilities itself (dtfs(8), ENVIRONMENT). 1, 0, or -1 after a line. */
static int killpriv_v2_wanted(void)
{
	const char *v = getenv("DTFS_KILLPRIV_V2");

	if (!v || !strcmp(v, "1") || !strcmp(v, "on"))
		return 1;
	if (!strcmp(v, "0") || !strcmp(v, "off"))
		return 0;
	fprintf(stderr, "dtfs: DTFS_KILLPRIV_V2=%s: want 1, on, 0 or off\n", v);
	return -1;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_cmdline_opts opts = {0};
	struct fuse_loop_config *lc = NULL;
	struct fuse_session *se = NULL;
	struct dtfs d = {0};
	struct dt_fs_opts fo = {.create = 1};
	char err[512], store[PATH_MAX], mnt[PATH_MAX], logpath[PATH_MAX];
	struct stat st;
	int ret, killpriv_v2;

	/* 1. the command line: dtfs's options, then libfuse's */
	ret = dt_opts_parse(argc, argv, &d.conf, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "dtfs: %s\n", err);
		dt_opts_free(&d.conf);
		return 2;
	}
	if (d.conf.show_help || d.conf.show_version) {
		if (d.conf.show_help)
			usage(argv[0]);
		else
			printf("dtfs store format %d, FUSE library %s\n",
			       DT_FORMAT_VERSION, fuse_pkgversion());
		dt_opts_free(&d.conf);
		return 0;
	}
	ret = 2;
	killpriv_v2 = killpriv_v2_wanted();
	if (killpriv_v2 < 0)
		goto out;
	if (d.conf.tracer == DT_TRACER_ON &&
	    dt_tracer_precheck(err, sizeof(err))) {
		fprintf(stderr, "dtfs: tracer=on: %s\n", err);
		goto out;
	}
	if (stat(d.conf.mountpoint, &st) < 0 ||
	    (!S_ISDIR(st.st_mode) && (errno = ENOTDIR)) ||
	    !realpath(d.conf.mountpoint, mnt)) {
		fprintf(stderr, "dtfs: mountpoint %s: %s\n", d.conf.mountpoint,
			strerror(errno));
		goto out;
	}
	if (!realpath(d.conf.store, store)) {
		if (errno != ENOENT) {
			fprintf(stderr, "dtfs: store %s: %s\n", d.conf.store,
				strerror(errno));
			goto out;
		}
		/* not there yet: the daemon chdirs to /, so make it absolute */
		if (absolute("store", d.conf.store, store, sizeof(store)))
			goto out;
	}
	if (d.conf.dirty_log) {
		char dir[PATH_MAX], *slash;

		if (absolute("dirty log", d.conf.dirty_log, logpath,
			     sizeof(logpath)))
			goto out;
		free(d.conf.dirty_log);
		d.conf.dirty_log = strdup(logpath);
		if (!d.conf.dirty_log)
			goto out;
		/* its directory must be there (the log is opened once the
		 * mount is up) */
		snprintf(dir, sizeof(dir), "%s", logpath);
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash++; /* in / */
		*slash = 0;
		if (stat(dir, &st) < 0 ||
		    (!S_ISDIR(st.st_mode) && (errno = ENOTDIR))) {
			fprintf(stderr, "dtfs: dirty log %s: %s: %s\n", logpath,
				dir, strerror(errno));
			goto out;
		}
	}
	/* libfuse refuses what it does not know, before anything is made */
	if (fuse_argv(&d.conf, store, &args))
		goto out;
	fuse_msg[0] = 0;
	fuse_set_log_func(keep_fuse_msg);
	if (fuse_parse_cmdline(&args, &opts) == 0)
		se = fuse_session_new(&args, &dtfs_ops, sizeof(dtfs_ops), &d);
	fuse_set_log_func(NULL);
	if (!se) {
		refuse_fuse_msg();
		goto out;
	}
	fputs(fuse_msg, stderr);
	d.se = se;

	/* 2. the environment */
	ret = 1;
	if (check_fuse_dev())
		goto out;
	if (!opts.foreground && start_daemon() < 0) {
		fprintf(stderr, "dtfs: cannot start daemon: %s\n",
			strerror(errno));
		goto out;
	}

	/* 3. the store, the mount, the tracking */
	ret = dt_fs_open(store, &fo, &d.fs, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "dtfs: %s\n", err);
		ret = ret == -EBUSY ? 3 : 1;
		goto out;
	}
	ret = 1;
	d.owner = getuid();
	d.gates = dt_gates_new();
	if (!d.gates || dt_track_new(&d.track))
		goto out;
	if (fuse_set_signal_handlers(se) != 0)
		goto out;
	if (fuse_session_mount(se, mnt) != 0)
		goto out_sig;
	ret = wire_install(se, killpriv_v2, !d.conf.cached_dio);
	if (ret) {
		fprintf(stderr, "dtfs: %s: reading /dev/fuse: %s\n", mnt,
			strerror(-ret));
		ret = 1;
		fuse_session_unmount(se);
		goto out_sig;
	}
	ret = 1;
	if (start_tracking(&d, store, mnt) < 0) {
		fuse_session_unmount(se);
		goto out_sig;
	}
	{
		unsigned int ma, mi;
		char state[PATH_MAX + 64];

		if (!mount_dev(mnt, d.conf.nosubtype, &ma, &mi)) {
			snprintf(state, sizeof(state), "mounted %u:%u %s", ma,
				 mi, mnt);
			dt_fs_set_state(d.fs, state);
		}
	}
	daemon_ready(store);
	fprintf(stderr, "dtfs: mounted %s on %s (%s)%s%s\n", store, mnt,
		d.conf.writeback_cache ? "writeback_cache" : "write-through",
		d.conf.accepted[0] ? "; without effect: " : "",
		d.conf.accepted);
	if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		lc = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(lc, opts.clone_fd);
		/* spare threads: requests a kernel callback triggers must
		 * always find one free (dtfs(7), THE GATE) */
		fuse_loop_cfg_set_idle_threads(lc, 4);
		fuse_loop_cfg_set_max_threads(lc, d.conf.max_threads);
		inval_worker_start(&d);
		ret = fuse_session_loop_mt(se, lc);
		fuse_loop_cfg_destroy(lc);
		inval_worker_stop(&d);
	}
	/* The mount is gone: a dtfs or dtfs-fsck started now on this store
	 * waits for us instead of refusing it. */
	dt_fs_set_state(d.fs, "closing");
	fuse_session_unmount(se);
	fprintf(stderr,
		"dtfs: unmounted %s (GETXATTR requests: %llu, of "
		"security.capability: %llu)\n",
		mnt, (unsigned long long)wire_getxattrs(),
		(unsigned long long)wire_getxattrs_caps());
	dt_track_stop(d.track);
out_sig:
	fuse_remove_signal_handlers(se);
out:
	if (se)
		fuse_session_destroy(se);
	if (d.fs)
		dt_fs_close(d.fs);
	dt_track_free(d.track);
	dt_gates_free(d.gates);
	free(opts.mountpoint);
	dt_opts_free(&d.conf);
	fuse_opt_free_args(&args);
	return ret ? (ret < 0 ? 1 : ret) : 0;
}
