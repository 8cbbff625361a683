// SPDX-License-Identifier: GPL-2.0
/*
 * nullfs: the FUSE round-trip ceiling of this machine, for the benchmark.
 * Low-level API, multithreaded. One flat directory of regular files kept in
 * memory (names and attributes only): reads return zeros up to the size,
 * writes are dropped but extend the size.
 *
 * It has no extended attributes: its first GETXATTR answers ENOSYS, and the
 * kernel asks no more. A filesystem that has them is asked for
 * security.capability before every write (file_remove_privs; a libfuse
 * without FUSE_HANDLE_KILLPRIV_V2 cannot take that over), one more round
 * trip per write. NULLFS_XATTR=1 answers ENODATA instead, to measure that
 * ceiling.
 *
 *   [NULLFS_XATTR=1] nullfs MOUNTPOINT [-f] [-o opts]
 */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NBUCKET 65536

struct nfile {
	struct nfile *next; /* by name */
	struct nfile *inext; /* by ino */
	fuse_ino_t ino;
	off_t size;
	mode_t mode;
	char name[];
};

static struct nfile *by_name[NBUCKET], *by_ino[NBUCKET];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static fuse_ino_t next_ino = 2;
static char zeros[1 << 20];

static unsigned int hash(const char *s)
{
	unsigned int h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % NBUCKET;
}

static struct nfile *find_name(const char *name)
{
	struct nfile *f;

	for (f = by_name[hash(name)]; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static struct nfile *find_ino(fuse_ino_t ino)
{
	struct nfile *f;

	for (f = by_ino[ino % NBUCKET]; f; f = f->inext)
		if (f->ino == ino)
			return f;
	return NULL;
}

static void fill(struct stat *st, fuse_ino_t ino, mode_t mode, off_t size)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = mode;
	st->st_nlink = S_ISDIR(mode) ? 2 : 1;
	st->st_size = size;
	st->st_blksize = 4096;
}

static int attr_of(fuse_ino_t ino, struct stat *st)
{
	struct nfile *f;

	if (ino == FUSE_ROOT_ID) {
		fill(st, ino, S_IFDIR | 0777, 0);
		return 0;
	}
	pthread_mutex_lock(&lock);
	f = find_ino(ino);
	if (f)
		fill(st, ino, f->mode, f->size);
	pthread_mutex_unlock(&lock);
	return f ? 0 : ENOENT;
}

static void reply_entry(fuse_req_t req, struct stat *st)
{
	struct fuse_entry_param e = {.ino = st->st_ino,
				     .attr = *st,
				     .attr_timeout = 1.0,
				     .entry_timeout = 1.0};

	fuse_reply_entry(req, &e);
}

static void n_init(void *ud, struct fuse_conn_info *conn)
{
	(void)ud;
	conn->max_write = 1 << 20;
	conn->max_readahead = 1 << 20;
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
}

static void n_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct nfile *f;
	struct stat st;

	if (parent != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	pthread_mutex_lock(&lock);
	f = find_name(name);
	if (f)
		fill(&st, f->ino, f->mode, f->size);
	pthread_mutex_unlock(&lock);
	if (!f)
		fuse_reply_err(req, ENOENT);
	else
		reply_entry(req, &st);
}

static void n_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	int e = attr_of(ino, &st);

	(void)fi;
	if (e)
		fuse_reply_err(req, e);
	else
		fuse_reply_attr(req, &st, 1.0);
}

static void n_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		      int to_set, struct fuse_file_info *fi)
{
	struct nfile *f;
	struct stat st;

	(void)fi;
	pthread_mutex_lock(&lock);
	f = find_ino(ino);
	if (f && (to_set & FUSE_SET_ATTR_SIZE))
		f->size = attr->st_size;
	pthread_mutex_unlock(&lock);
	if (attr_of(ino, &st))
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, 1.0);
}

static int make(const char *name, mode_t mode, struct stat *st)
{
	size_t n = strlen(name);
	struct nfile *f;

	pthread_mutex_lock(&lock);
	if (find_name(name)) {
		pthread_mutex_unlock(&lock);
		return EEXIST;
	}
	f = calloc(1, sizeof(*f) + n + 1);
	if (!f) {
		pthread_mutex_unlock(&lock);
		return ENOMEM;
	}
	memcpy(f->name, name, n + 1);
	f->ino = next_ino++;
	f->mode = mode;
	f->next = by_name[hash(name)];
	by_name[hash(name)] = f;
	f->inext = by_ino[f->ino % NBUCKET];
	by_ino[f->ino % NBUCKET] = f;
	fill(st, f->ino, mode, 0);
	pthread_mutex_unlock(&lock);
	return 0;
}

static void n_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		    mode_t mode, dev_t rdev)
{
	struct stat st;
	int e = parent == FUSE_ROOT_ID ? make(name, mode, &st) : ENOENT;

	(void)rdev;
	if (e)
		fuse_reply_err(req, e);
	else
		reply_entry(req, &st);
}

static void n_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, struct fuse_file_info *fi)
{
	struct fuse_entry_param e = {.attr_timeout = 1.0, .entry_timeout = 1.0};
	int err = parent == FUSE_ROOT_ID
			  ? make(name, S_IFREG | (mode & 0777), &e.attr)
			  : ENOENT;

	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	e.ino = e.attr.st_ino;
	fi->keep_cache = 1;
	fuse_reply_create(req, &e, fi);
}

static void n_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct nfile **pp, *f = NULL;

	if (parent != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	pthread_mutex_lock(&lock);
	for (pp = &by_name[hash(name)]; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->name, name)) {
			f = *pp;
			*pp = f->next;
			break;
		}
	}
	if (f) {
		for (pp = &by_ino[f->ino % NBUCKET]; *pp != f;
		     pp = &(*pp)->inext)
			;
		*pp = f->inext;
		free(f);
	}
	pthread_mutex_unlock(&lock);
	fuse_reply_err(req, f ? 0 : ENOENT);
}

static void n_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void n_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (attr_of(ino, &st)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (off >= st.st_size)
		size = 0;
	else if ((off_t)size > st.st_size - off)
		size = (size_t)(st.st_size - off);
	if (size > sizeof(zeros))
		size = sizeof(zeros);
	fuse_reply_buf(req, zeros, size);
}

static void n_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		    size_t size, off_t off, struct fuse_file_info *fi)
{
	struct nfile *f;

	(void)buf;
	(void)fi;
	pthread_mutex_lock(&lock);
	f = find_ino(ino);
	if (f && off + (off_t)size > f->size)
		f->size = off + (off_t)size;
	pthread_mutex_unlock(&lock);
	fuse_reply_write(req, size);
}

static void n_ok(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void n_fsync(fuse_req_t req, fuse_ino_t ino, int ds,
		    struct fuse_file_info *fi)
{
	(void)ds;
	n_ok(req, ino, fi);
}

static void n_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	char buf[512];
	struct stat st;
	size_t n = 0;

	(void)fi;
	(void)size;
	fill(&st, ino, S_IFDIR, 0);
	if (off == 0)
		n = fuse_add_direntry(req, buf, sizeof(buf), ".", &st, 1);
	fuse_reply_buf(req, buf, n);
}

static void n_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		       size_t size)
{
	(void)ino;
	(void)name;
	(void)size;
	fuse_reply_err(req, ENODATA);
}

static void n_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	(void)ino;
	if (size)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_xattr(req, 0);
}

static struct fuse_lowlevel_ops ops = {
	.init = n_init,
	.lookup = n_lookup,
	.getattr = n_getattr,
	.setattr = n_setattr,
	.mknod = n_mknod,
	.create = n_create,
	.unlink = n_unlink,
	.open = n_open,
	.read = n_read,
	.write = n_write,
	.flush = n_ok,
	.release = n_ok,
	.fsync = n_fsync,
	.readdir = n_readdir,
};

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts o;
	struct fuse_session *se;
	struct fuse_loop_config *lc;
	int ret = 1;

	if (fuse_parse_cmdline(&args, &o) != 0)
		return 1;
	if (o.show_help || !o.mountpoint) {
		printf("usage: %s MOUNTPOINT [-f] [-o opts]\n", argv[0]);
		fuse_cmdline_help();
		return o.show_help ? 0 : 2;
	}
	if (getenv("NULLFS_XATTR") && !strcmp(getenv("NULLFS_XATTR"), "1")) {
		ops.getxattr = n_getxattr;
		ops.listxattr = n_listxattr;
	}
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se)
		goto out;
	if (fuse_set_signal_handlers(se) ||
	    fuse_session_mount(se, o.mountpoint))
		goto out_se;
	fuse_daemonize(o.foreground);
	lc = fuse_loop_cfg_create();
	fuse_loop_cfg_set_idle_threads(lc, 4);
	fuse_loop_cfg_set_max_threads(lc, 16);
	ret = fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	fuse_session_unmount(se);
	fuse_remove_signal_handlers(se);
out_se:
	fuse_session_destroy(se);
out:
	free(o.mountpoint);
	fuse_opt_free_args(&args);
	return ret ? 1 : 0;
}
