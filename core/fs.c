// SPDX-License-Identifier: GPL-2.0
/*
 * The POSIX layer of dtfs over the store: inodes, directories, data.
 *
 * Locking: table_lock guards the inode hash and the reference counts;
 * each inode's rwlock guards its record and its data chunks; ns_lock
 * serialises namespace changes (create, link, unlink, rename, ...), which
 * are the only operations taking more than one inode lock, so they need no
 * ordering among themselves. Nothing here calls back into the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <sys/xattr.h>
#include "internal.h"

#define CHUNK DT_CHUNK_SIZE
#define BLOCKS_OF(len) ((((uint64_t)(len) + 4095) & ~4095ULL) >> 9)

/* ---- inode table ---------------------------------------------------- */

static unsigned int hash_ino(uint64_t ino)
{
	return (unsigned int)((ino * 0x9E3779B97F4A7C15ULL) >> 52) %
	       DT_HASH_SIZE;
}

/* Find or load @ino and take a temporary reference. */
static int iget(struct dt_fs *fs, uint64_t ino, struct dt_inode **out)
{
	struct dt_inode *in, *n;
	unsigned int h = hash_ino(ino);
	int ret;

	pthread_mutex_lock(&fs->table_lock);
	for (in = fs->hash[h]; in; in = in->hnext) {
		if (in->ino == ino) {
			in->nref++;
			pthread_mutex_unlock(&fs->table_lock);
			*out = in;
			return 0;
		}
	}
	pthread_mutex_unlock(&fs->table_lock);

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	ret = dt_store_get_irec(fs, ino, &n->rec);
	if (ret) {
		free(n);
		return ret;
	}
	n->ino = ino;
	n->nref = 1;
	pthread_rwlock_init(&n->lock, NULL);

	pthread_mutex_lock(&fs->table_lock);
	for (in = fs->hash[h]; in; in = in->hnext) {
		if (in->ino == ino) { /* lost a race: use the winner */
			in->nref++;
			pthread_mutex_unlock(&fs->table_lock);
			pthread_rwlock_destroy(&n->lock);
			free(n);
			*out = in;
			return 0;
		}
	}
	n->hnext = fs->hash[h];
	fs->hash[h] = n;
	pthread_mutex_unlock(&fs->table_lock);
	*out = n;
	return 0;
}

/*
 * Delete every key of @type for @ino, one by one. Not DeleteRange: range
 * tombstones in the memtable slow down every later read (each lookup
 * re-fragments them), which made create/unlink runs 10x slower.
 */
/* A damaged table block ends an iteration as if the keys ran out: tell
 * the difference, so damage is EIO and never a hole or a short list. */
static int iter_err(rocksdb_iterator_t *it, const char *op, uint64_t ino)
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

static void delete_prefix(struct dt_fs *fs, rocksdb_writebatch_t *wb, char type,
			  uint64_t ino)
{
	rocksdb_readoptions_t *ro = dt_store_readopts();
	rocksdb_iterator_t *it;
	char a[9], b[9];

	dt_key(a, type, ino);
	dt_key(b, type, ino + 1);
	rocksdb_readoptions_set_iterate_upper_bound(ro, b, 9);
	it = rocksdb_create_iterator(fs->db, ro);
	for (rocksdb_iter_seek(it, a, 9); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl;
		const char *k = rocksdb_iter_key(it, &kl);

		rocksdb_writebatch_delete(wb, k, kl);
	}
	iter_err(it, "delete", ino);
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
}

/* Remove every trace of an unlinked inode from the store. */
static void reclaim(struct dt_fs *fs, uint64_t ino, uint64_t blocks)
{
	rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
	char k[DT_KEY_MAX];

	if (blocks) /* every stored chunk counts blocks */
		delete_prefix(fs, wb, DT_K_DATA, ino);
	delete_prefix(fs, wb, DT_K_XATTR, ino);
	rocksdb_writebatch_delete(wb, k, dt_key(k, DT_K_INODE, ino));
	rocksdb_writebatch_delete(wb, k, dt_key(k, DT_K_LINK, ino));
	rocksdb_writebatch_delete(wb, k, dt_key(k, DT_K_ORPHAN, ino));
	if (dt_store_write_freeing(fs, wb))
		fprintf(stderr, "dtfs: reclaim of inode %llu failed\n",
			(unsigned long long)ino);
	rocksdb_writebatch_destroy(wb);
}

static void unhash(struct dt_fs *fs, struct dt_inode *in)
{
	struct dt_inode **pp = &fs->hash[hash_ino(in->ino)];

	while (*pp != in)
		pp = &(*pp)->hnext;
	*pp = in->hnext;
}

/* Drop references; free the inode (and reclaim it if unlinked) when none
 * are left. @lookups and @opens are the kernel's, @refs core's own. */
static void iput_counts(struct dt_fs *fs, struct dt_inode *in, uint64_t refs,
			uint64_t lookups, uint64_t opens)
{
	int gone, dead;

	pthread_mutex_lock(&fs->table_lock);
	in->nref -= refs;
	in->nlookup -= lookups < in->nlookup ? lookups : in->nlookup;
	in->nopen -= opens < in->nopen ? opens : in->nopen;
	gone = !in->nref && !in->nlookup && !in->nopen;
	if (gone)
		unhash(fs, in);
	pthread_mutex_unlock(&fs->table_lock);
	if (!gone)
		return;
	/* No one else can find it now; rec is stable. */
	dead = in->rec.nlink == 0;
	if (dead && !fs->readonly)
		reclaim(fs, in->ino, in->rec.blocks);
	pthread_rwlock_destroy(&in->lock);
	free(in);
}

static void iput(struct dt_fs *fs, struct dt_inode *in)
{
	iput_counts(fs, in, 1, 0, 0);
}

/* Convert a temporary reference into a kernel lookup reference. */
static void iref_lookup(struct dt_fs *fs, struct dt_inode *in)
{
	pthread_mutex_lock(&fs->table_lock);
	in->nlookup++;
	in->nref--;
	pthread_mutex_unlock(&fs->table_lock);
}

/* ---- helpers -------------------------------------------------------- */

static void now_ts(int64_t *sec, uint32_t *nsec)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	*sec = t.tv_sec;
	*nsec = (uint32_t)t.tv_nsec;
}

static void touch_mc(struct dt_irec *r)
{
	now_ts(&r->mtime_sec, &r->mtime_nsec);
	r->ctime_sec = r->mtime_sec;
	r->ctime_nsec = r->mtime_nsec;
}

static void touch_c(struct dt_irec *r)
{
	now_ts(&r->ctime_sec, &r->ctime_nsec);
}

static void put_irec(rocksdb_writebatch_t *wb, uint64_t ino,
		     const struct dt_irec *r)
{
	char k[DT_KEY_MAX];

	rocksdb_writebatch_put(wb, k, dt_key(k, DT_K_INODE, ino),
			       (const char *)r, sizeof(*r));
}

static void fill_stat(uint64_t ino, const struct dt_irec *r, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = r->mode;
	st->st_nlink = r->nlink;
	st->st_uid = r->uid;
	st->st_gid = r->gid;
	st->st_size = (off_t)r->size;
	st->st_blocks = (blkcnt_t)r->blocks;
	st->st_blksize = 4096;
	st->st_rdev = r->rdev;
	st->st_atim.tv_sec = r->atime_sec;
	st->st_atim.tv_nsec = r->atime_nsec;
	st->st_mtim.tv_sec = r->mtime_sec;
	st->st_mtim.tv_nsec = r->mtime_nsec;
	st->st_ctim.tv_sec = r->ctime_sec;
	st->st_ctim.tv_nsec = r->ctime_nsec;
}

static int check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return -ENOENT;
	if (n > DT_NAME_MAX)
		return -ENAMETOOLONG;
	/* the VFS never hands these to a filesystem; core refuses them too */
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	return 0;
}

/*
 * A name was not found in @dir: ENOENT, or ENOTDIR when @dir is not a
 * directory (as ext4 answers a lookup under a regular file).
 */
static int missing_name(struct dt_fs *fs, uint64_t dir)
{
	struct dt_irec r;

	if (!dt_store_get_irec(fs, dir, &r) && !S_ISDIR(r.mode))
		return -ENOTDIR;
	return -ENOENT;
}

/* Look a name up in directory @dir: child ino or -ENOENT. */
static int dirent_get(struct dt_fs *fs, uint64_t dir, const char *name,
		      uint64_t *ino)
{
	char k[DT_KEY_MAX], *err = NULL, *v;
	size_t kl = dt_keyname(k, DT_K_DIRENT, dir, name), vl;

	v = rocksdb_get(fs->db, fs->ro, k, kl, &vl, &err);
	if (err) {
		free(err);
		return -EIO;
	}
	if (!v)
		return -ENOENT;
	if (vl < 8) {
		free(v);
		return -EUCLEAN;
	}
	memcpy(ino, v, 8);
	free(v);
	return 0;
}

static void dirent_put(rocksdb_writebatch_t *wb, uint64_t dir, const char *name,
		       uint64_t ino, mode_t mode)
{
	char k[DT_KEY_MAX], v[9];

	memcpy(v, &ino, 8);
	v[8] = (char)((mode & S_IFMT) >> 12);
	rocksdb_writebatch_put(wb, k, dt_keyname(k, DT_K_DIRENT, dir, name), v,
			       9);
}

static void dirent_del(rocksdb_writebatch_t *wb, uint64_t dir, const char *name)
{
	char k[DT_KEY_MAX];

	rocksdb_writebatch_delete(wb, k, dt_keyname(k, DT_K_DIRENT, dir, name));
}

static int dir_is_empty(struct dt_fs *fs, uint64_t dir)
{
	char lo[9], hi[9];
	rocksdb_readoptions_t *ro = dt_store_readopts();
	rocksdb_iterator_t *it;
	int empty;

	dt_key(lo, DT_K_DIRENT, dir);
	dt_key(hi, DT_K_DIRENT, dir + 1);
	rocksdb_readoptions_set_iterate_upper_bound(ro, hi, 9);
	it = rocksdb_create_iterator(fs->db, ro);
	rocksdb_iter_seek(it, lo, 9);
	empty = !rocksdb_iter_valid(it);
	if (iter_err(it, "rmdir", dir))
		empty = -EIO;
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
	return empty;
}

static uint64_t alloc_ino(struct dt_fs *fs, rocksdb_writebatch_t *wb)
{
	uint64_t ino, next;

	pthread_mutex_lock(&fs->ino_lock);
	ino = fs->next_ino++;
	next = fs->next_ino;
	pthread_mutex_unlock(&fs->ino_lock);
	rocksdb_writebatch_put(wb, "Snext_ino", 9, (const char *)&next, 8);
	return ino;
}

/* ---- data chunks ---------------------------------------------------- */

static void chunk_put(rocksdb_writebatch_t *wb, uint64_t ino, uint64_t idx,
		      const char *buf, size_t len)
{
	char k[17];

	dt_key2(k, DT_K_DATA, ino, idx);
	if (len)
		rocksdb_writebatch_put(wb, k, 17, buf, len);
	else
		rocksdb_writebatch_delete(wb, k, 17);
}

/* Length of @buf without its trailing zero bytes. */
static size_t trim_zeros(const char *buf, size_t len)
{
	while (len && !buf[len - 1])
		len--;
	return len;
}

/* Zero [from, to) of the file within existing chunks (for truncate, punch,
 * zero range), adjusting rec->blocks. Caller holds the inode write lock. */
static int zero_range(struct dt_fs *fs, rocksdb_writebatch_t *wb, uint64_t ino,
		      struct dt_irec *r, uint64_t from, uint64_t to)
{
	char lo[17], hi[17], *buf = NULL;
	rocksdb_readoptions_t *ro;
	rocksdb_iterator_t *it;
	int ret = 0;

	if (from >= to)
		return 0;
	ro = dt_store_readopts();
	dt_key2(lo, DT_K_DATA, ino, from / CHUNK);
	dt_key2(hi, DT_K_DATA, ino, (to + CHUNK - 1) / CHUNK);
	rocksdb_readoptions_set_iterate_upper_bound(ro, hi, 17);
	it = rocksdb_create_iterator(fs->db, ro);
	for (rocksdb_iter_seek(it, lo, 17); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl, vl;
		const char *key = rocksdb_iter_key(it, &kl);
		const char *v = rocksdb_iter_value(it, &vl);
		uint64_t idx = dt_get_be64(key + 9), cs = idx * CHUNK;
		uint64_t a = from > cs ? from - cs : 0;
		uint64_t b = to < cs + CHUNK ? to - cs : CHUNK;
		size_t nl;

		if (vl > CHUNK)
			vl = CHUNK;
		if (a >= vl)
			continue;
		if (!buf && !(buf = malloc(CHUNK))) {
			ret = -ENOMEM;
			break;
		}
		memcpy(buf, v, vl);
		if (b > vl)
			b = vl;
		memset(buf + a, 0, b - a);
		nl = trim_zeros(buf, vl);
		r->blocks -= BLOCKS_OF(vl);
		r->blocks += BLOCKS_OF(nl);
		chunk_put(wb, ino, idx, buf, nl);
	}
	if (!ret)
		ret = iter_err(it, "zero range", ino);
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
	free(buf);
	return ret;
}

/* ---- the filesystem ------------------------------------------------- */

int dt_fs_open(const char *path, const struct dt_fs_opts *o, struct dt_fs **out,
	       char *err, size_t errlen)
{
	struct dt_fs *fs = calloc(1, sizeof(*fs));
	int ret;

	if (!fs)
		return -ENOMEM;
	fs->lockfd = -1;
	fs->readonly = o->readonly;
	fs->path = strdup(path);
	pthread_mutex_init(&fs->table_lock, NULL);
	pthread_mutex_init(&fs->ns_lock, NULL);
	pthread_mutex_init(&fs->ino_lock, NULL);
	ret = dt_store_open(fs, path, o, err, errlen);
	if (!ret && !o->readonly)
		ret = dt_reclaim_orphans(fs);
	if (ret) {
		dt_store_close(fs);
		free(fs->path);
		free(fs);
		return ret;
	}
	*out = fs;
	return 0;
}

void dt_fs_close(struct dt_fs *fs)
{
	/* The kernel is gone: whatever is still referenced goes now; orphans
	 * among them are reclaimed (no one can open them any more). */
	for (int h = 0; h < DT_HASH_SIZE; h++) {
		while (fs->hash[h]) {
			struct dt_inode *in = fs->hash[h];

			fs->hash[h] = in->hnext;
			if (in->rec.nlink == 0 && !fs->readonly)
				reclaim(fs, in->ino, in->rec.blocks);
			pthread_rwlock_destroy(&in->lock);
			free(in);
		}
	}
	dt_store_close(fs);
	pthread_mutex_destroy(&fs->table_lock);
	pthread_mutex_destroy(&fs->ns_lock);
	pthread_mutex_destroy(&fs->ino_lock);
	free(fs->path);
	free(fs);
}

int dt_reclaim_orphans(struct dt_fs *fs)
{
	rocksdb_iterator_t *it = rocksdb_create_iterator(fs->db, fs->ro);
	char k = DT_K_ORPHAN;
	uint64_t *list = NULL;
	size_t n = 0, cap = 0;

	for (rocksdb_iter_seek(it, &k, 1); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl;
		const char *key = rocksdb_iter_key(it, &kl);

		if (kl != 9 || key[0] != DT_K_ORPHAN)
			break;
		if (n == cap) {
			uint64_t *nl;

			cap = cap ? cap * 2 : 16;
			nl = realloc(list, cap * sizeof(*list));
			if (!nl)
				break;
			list = nl;
		}
		list[n++] = dt_get_be64(key + 1);
	}
	iter_err(it, "orphan scan", 0);
	rocksdb_iter_destroy(it);
	for (size_t i = 0; i < n; i++)
		reclaim(fs, list[i], 1);
	free(list);
	return 0;
}

int dt_getattr(struct dt_fs *fs, uint64_t ino, struct stat *st)
{
	struct dt_inode *in;
	int ret = iget(fs, ino, &in);

	if (ret)
		return ret;
	pthread_rwlock_rdlock(&in->lock);
	fill_stat(ino, &in->rec, st);
	pthread_rwlock_unlock(&in->lock);
	iput(fs, in);
	return 0;
}

static int truncate_locked(struct dt_fs *fs, rocksdb_writebatch_t *wb,
			   struct dt_inode *in, uint64_t size)
{
	struct dt_irec *r = &in->rec;
	int ret = 0;

	if (size < r->size) {
		uint64_t first_whole = (size + CHUNK - 1) / CHUNK;

		/* Partial chunk at the new end: zero its tail. */
		if (size % CHUNK)
			ret = zero_range(fs, wb, in->ino, r, size,
					 first_whole * CHUNK);
		/* Whole chunks past it: zeroing them deletes them. */
		if (!ret)
			ret = zero_range(fs, wb, in->ino, r,
					 first_whole * CHUNK,
					 UINT64_MAX - CHUNK);
	}
	r->size = size;
	return ret;
}

int dt_setattr(struct dt_fs *fs, uint64_t ino, const struct stat *s, int valid,
	       struct stat *out)
{
	struct dt_inode *in;
	rocksdb_writebatch_t *wb;
	struct dt_irec save;
	int ret = iget(fs, ino, &in);

	if (ret)
		return ret;
	wb = rocksdb_writebatch_create();
	pthread_rwlock_wrlock(&in->lock);
	save = in->rec;
	if ((valid & DT_SET_SIZE) && !S_ISREG(in->rec.mode)) {
		ret = S_ISDIR(in->rec.mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	if ((valid & DT_SET_SIZE) && s->st_size < 0) {
		ret = -EINVAL;
		goto out;
	}
	if (valid & DT_SET_MODE)
		in->rec.mode = (in->rec.mode & S_IFMT) | (s->st_mode & 07777);
	if (valid & DT_SET_UID)
		in->rec.uid = s->st_uid;
	if (valid & DT_SET_GID)
		in->rec.gid = s->st_gid;
	if (valid & DT_SET_SIZE) {
		ret = truncate_locked(fs, wb, in, (uint64_t)s->st_size);
		if (ret)
			goto out;
		touch_mc(&in->rec);
	}
	if (valid & DT_SET_ATIME_NOW) {
		now_ts(&in->rec.atime_sec, &in->rec.atime_nsec);
	} else if (valid & DT_SET_ATIME) {
		in->rec.atime_sec = s->st_atim.tv_sec;
		in->rec.atime_nsec = (uint32_t)s->st_atim.tv_nsec;
	}
	if (valid & DT_SET_MTIME_NOW) {
		now_ts(&in->rec.mtime_sec, &in->rec.mtime_nsec);
	} else if (valid & DT_SET_MTIME) {
		in->rec.mtime_sec = s->st_mtim.tv_sec;
		in->rec.mtime_nsec = (uint32_t)s->st_mtim.tv_nsec;
	}
	touch_c(&in->rec);
	if (valid & DT_SET_CTIME) {
		in->rec.ctime_sec = s->st_ctim.tv_sec;
		in->rec.ctime_nsec = (uint32_t)s->st_ctim.tv_nsec;
	}
	put_irec(wb, ino, &in->rec);
	ret = dt_store_write_freeing(fs, wb);
out:
	if (ret)
		in->rec = save;
	else if (out)
		fill_stat(ino, &in->rec, out);
	pthread_rwlock_unlock(&in->lock);
	rocksdb_writebatch_destroy(wb);
	iput(fs, in);
	return ret;
}

int dt_lookup(struct dt_fs *fs, uint64_t parent, const char *name,
	      struct stat *st)
{
	struct dt_inode *in;
	uint64_t ino;
	int ret = check_name(name);

	if (ret)
		return ret;
	ret = dirent_get(fs, parent, name, &ino);
	if (ret == -ENOENT)
		return missing_name(fs, parent);
	if (ret)
		return ret;
	ret = iget(fs, ino, &in);
	if (ret)
		return ret == -ENOENT ? -EUCLEAN : ret;
	pthread_rwlock_rdlock(&in->lock);
	fill_stat(ino, &in->rec, st);
	pthread_rwlock_unlock(&in->lock);
	iref_lookup(fs, in);
	return 0;
}

void dt_forget(struct dt_fs *fs, uint64_t ino, uint64_t nlookup)
{
	struct dt_inode *in;

	if (iget(fs, ino, &in))
		return;
	iput_counts(fs, in, 1, nlookup, 0);
}

/* Create a new inode named @name in @parent. Takes ns_lock. */
static int make_node(struct dt_fs *fs, uint64_t parent, const char *name,
		     mode_t mode, dev_t rdev, uid_t uid, gid_t gid,
		     const char *link, struct stat *st, struct dt_inode **out)
{
	struct dt_inode *dir, *in;
	rocksdb_writebatch_t *wb;
	struct dt_irec r = {0}, dsave;
	uint64_t ino, dummy;
	char k[DT_KEY_MAX];
	int ret = check_name(name);

	if (ret)
		return ret;
	ret = iget(fs, parent, &dir);
	if (ret)
		return ret;
	pthread_mutex_lock(&fs->ns_lock);
	pthread_rwlock_wrlock(&dir->lock);
	dsave = dir->rec;
	if (!S_ISDIR(dir->rec.mode)) {
		ret = -ENOTDIR;
		goto out;
	}
	if (dir->rec.nlink == 0) {
		ret = -ENOENT;
		goto out;
	}
	ret = dirent_get(fs, parent, name, &dummy);
	if (ret != -ENOENT) {
		ret = ret ? ret : -EEXIST;
		goto out;
	}
	if (S_ISDIR(mode) && dir->rec.nlink >= 65000) {
		ret = -EMLINK;
		goto out;
	}
	wb = rocksdb_writebatch_create();
	ino = alloc_ino(fs, wb);
	r.mode = mode;
	r.uid = uid;
	r.gid = gid;
	if (dir->rec.mode & S_ISGID) { /* BSD group semantics, as ext4 */
		r.gid = dir->rec.gid;
		if (S_ISDIR(mode))
			r.mode |= S_ISGID;
	}
	r.rdev = rdev;
	r.nlink = S_ISDIR(mode) ? 2 : 1;
	r.parent = parent;
	touch_mc(&r);
	r.atime_sec = r.mtime_sec;
	r.atime_nsec = r.mtime_nsec;
	if (link) {
		r.size = strlen(link);
		rocksdb_writebatch_put(wb, k, dt_key(k, DT_K_LINK, ino), link,
				       r.size);
	}
	put_irec(wb, ino, &r);
	dirent_put(wb, parent, name, ino, mode);
	if (S_ISDIR(mode))
		dir->rec.nlink++;
	touch_mc(&dir->rec);
	put_irec(wb, parent, &dir->rec);
	ret = dt_store_write(fs, wb);
	rocksdb_writebatch_destroy(wb);
	if (ret)
		goto out;
	pthread_rwlock_unlock(&dir->lock);
	pthread_mutex_unlock(&fs->ns_lock);
	iput(fs, dir);

	ret = iget(fs, ino, &in);
	if (ret)
		return ret;
	fill_stat(ino, &in->rec, st);
	*out = in;
	return 0;
out:
	dir->rec = dsave;
	pthread_rwlock_unlock(&dir->lock);
	pthread_mutex_unlock(&fs->ns_lock);
	iput(fs, dir);
	return ret;
}

static int make_and_lookup(struct dt_fs *fs, uint64_t parent, const char *name,
			   mode_t mode, dev_t rdev, uid_t uid, gid_t gid,
			   const char *link, struct stat *st)
{
	struct dt_inode *in;
	int ret = make_node(fs, parent, name, mode, rdev, uid, gid, link, st,
			    &in);

	if (!ret)
		iref_lookup(fs, in);
	return ret;
}

int dt_mknod(struct dt_fs *fs, uint64_t parent, const char *name, mode_t mode,
	     dev_t rdev, uid_t uid, gid_t gid, struct stat *st)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
	case S_IFCHR:
	case S_IFBLK:
		break;
	case 0:
		mode |= S_IFREG;
		break;
	default:
		return -EINVAL;
	}
	return make_and_lookup(fs, parent, name, mode, rdev, uid, gid, NULL,
			       st);
}

int dt_mkdir(struct dt_fs *fs, uint64_t parent, const char *name, mode_t mode,
	     uid_t uid, gid_t gid, struct stat *st)
{
	return make_and_lookup(fs, parent, name, S_IFDIR | (mode & 07777), 0,
			       uid, gid, NULL, st);
}

int dt_symlink(struct dt_fs *fs, uint64_t parent, const char *name,
	       const char *target, uid_t uid, gid_t gid, struct stat *st)
{
	if (strlen(target) > DT_SYMLINK_MAX)
		return -ENAMETOOLONG;
	return make_and_lookup(fs, parent, name, S_IFLNK | 0777, 0, uid, gid,
			       target, st);
}

int dt_create(struct dt_fs *fs, uint64_t parent, const char *name, mode_t mode,
	      uid_t uid, gid_t gid, int flags, struct stat *st)
{
	struct dt_inode *in;
	int ret;

	(void)flags;
	ret = make_node(fs, parent, name, S_IFREG | (mode & 07777), 0, uid, gid,
			NULL, st, &in);
	if (ret)
		return ret;
	pthread_mutex_lock(&fs->table_lock);
	in->nlookup++;
	in->nopen++;
	in->nref--;
	pthread_mutex_unlock(&fs->table_lock);
	return 0;
}

int dt_readlink(struct dt_fs *fs, uint64_t ino, char *buf, size_t size)
{
	char k[9], *err = NULL, *v;
	size_t vl;

	v = rocksdb_get(fs->db, fs->ro, k, dt_key(k, DT_K_LINK, ino), &vl,
			&err);
	if (err) {
		free(err);
		return -EIO;
	}
	if (!v)
		return -EINVAL;
	if (vl >= size)
		vl = size - 1;
	memcpy(buf, v, vl);
	buf[vl] = 0;
	free(v);
	return 0;
}

int dt_link(struct dt_fs *fs, uint64_t ino, uint64_t newparent,
	    const char *newname, struct stat *st)
{
	struct dt_inode *in, *dir;
	rocksdb_writebatch_t *wb;
	struct dt_irec isave, dsave;
	uint64_t dummy;
	int ret = check_name(newname);

	if (ret)
		return ret;
	ret = iget(fs, ino, &in);
	if (ret)
		return ret;
	ret = iget(fs, newparent, &dir);
	if (ret) {
		iput(fs, in);
		return ret;
	}
	pthread_mutex_lock(&fs->ns_lock);
	pthread_rwlock_wrlock(&dir->lock);
	pthread_rwlock_wrlock(&in->lock);
	isave = in->rec;
	dsave = dir->rec;
	if (S_ISDIR(in->rec.mode)) {
		ret = -EPERM;
		goto out;
	}
	if (!S_ISDIR(dir->rec.mode)) {
		ret = -ENOTDIR;
		goto out;
	}
	if (in->rec.nlink == 0 || dir->rec.nlink == 0) {
		ret = -ENOENT;
		goto out;
	}
	if (in->rec.nlink >= 65000) {
		ret = -EMLINK;
		goto out;
	}
	ret = dirent_get(fs, newparent, newname, &dummy);
	if (ret != -ENOENT) {
		ret = ret ? ret : -EEXIST;
		goto out;
	}
	wb = rocksdb_writebatch_create();
	in->rec.nlink++;
	touch_c(&in->rec);
	touch_mc(&dir->rec);
	put_irec(wb, ino, &in->rec);
	put_irec(wb, newparent, &dir->rec);
	dirent_put(wb, newparent, newname, ino, in->rec.mode);
	ret = dt_store_write(fs, wb);
	rocksdb_writebatch_destroy(wb);
out:
	if (ret) {
		in->rec = isave;
		dir->rec = dsave;
	} else {
		fill_stat(ino, &in->rec, st);
	}
	pthread_rwlock_unlock(&in->lock);
	pthread_rwlock_unlock(&dir->lock);
	pthread_mutex_unlock(&fs->ns_lock);
	iput(fs, dir);
	if (!ret)
		iref_lookup(fs, in);
	else
		iput(fs, in);
	return ret;
}

/* Drop one link of @in (locked) whose dirent is being removed in @wb. */
/* Whether inode @ino (of @mode) may go from its name to make way for a
 * directory (@want_dir) or a non-directory: the types must agree, and a
 * directory must be empty. 0 or -ENOTDIR/-EISDIR/-ENOTEMPTY/-EIO. */
static int may_remove(struct dt_fs *fs, int want_dir, mode_t mode, uint64_t ino)
{
	int empty;

	if (want_dir && !S_ISDIR(mode))
		return -ENOTDIR;
	if (!want_dir && S_ISDIR(mode))
		return -EISDIR;
	if (!want_dir)
		return 0;
	empty = dir_is_empty(fs, ino);
	if (empty < 0)
		return empty;
	return empty ? 0 : -ENOTEMPTY;
}

static void drop_link(rocksdb_writebatch_t *wb, struct dt_inode *in)
{
	char k[9];

	if (S_ISDIR(in->rec.mode))
		in->rec.nlink = 0;
	else if (in->rec.nlink)
		in->rec.nlink--;
	touch_c(&in->rec);
	put_irec(wb, in->ino, &in->rec);
	if (in->rec.nlink == 0)
		rocksdb_writebatch_put(wb, k, dt_key(k, DT_K_ORPHAN, in->ino),
				       "", 0);
}

static int remove_entry(struct dt_fs *fs, uint64_t parent, const char *name,
			int want_dir)
{
	struct dt_inode *dir, *in;
	rocksdb_writebatch_t *wb;
	struct dt_irec isave, dsave;
	uint64_t ino;
	int ret = check_name(name);

	if (ret)
		return ret;
	ret = iget(fs, parent, &dir);
	if (ret)
		return ret;
	pthread_mutex_lock(&fs->ns_lock);
	ret = dirent_get(fs, parent, name, &ino);
	if (ret == -ENOENT)
		ret = S_ISDIR(dir->rec.mode) ? -ENOENT : -ENOTDIR;
	if (ret)
		goto out_ns;
	ret = iget(fs, ino, &in);
	if (ret)
		goto out_ns;
	pthread_rwlock_wrlock(&dir->lock);
	pthread_rwlock_wrlock(&in->lock);
	isave = in->rec;
	dsave = dir->rec;
	ret = may_remove(fs, want_dir, in->rec.mode, ino);
	if (ret)
		goto out;
	wb = rocksdb_writebatch_create();
	dirent_del(wb, parent, name);
	drop_link(wb, in);
	if (want_dir)
		dir->rec.nlink--;
	touch_mc(&dir->rec);
	put_irec(wb, parent, &dir->rec);
	ret = dt_store_write_freeing(fs, wb);
	rocksdb_writebatch_destroy(wb);
out:
	if (ret) {
		in->rec = isave;
		dir->rec = dsave;
	}
	pthread_rwlock_unlock(&in->lock);
	pthread_rwlock_unlock(&dir->lock);
	pthread_mutex_unlock(&fs->ns_lock);
	iput(fs, in);
	iput(fs, dir);
	return ret;
out_ns:
	pthread_mutex_unlock(&fs->ns_lock);
	iput(fs, dir);
	return ret;
}

int dt_unlink(struct dt_fs *fs, uint64_t parent, const char *name)
{
	return remove_entry(fs, parent, name, 0);
}

int dt_rmdir(struct dt_fs *fs, uint64_t parent, const char *name)
{
	return remove_entry(fs, parent, name, 1);
}

/* Is @anc an ancestor of (or equal to) directory @ino? ns_lock held. */
static int is_ancestor(struct dt_fs *fs, uint64_t anc, uint64_t ino)
{
	struct dt_irec r;

	for (int depth = 0; depth < 4096; depth++) {
		if (ino == anc)
			return 1;
		if (ino == DT_ROOT_INO)
			return 0;
		if (dt_store_get_irec(fs, ino, &r))
			return 0;
		ino = r.parent;
	}
	return 0;
}

#define MAX_LOCKED 4

int dt_rename(struct dt_fs *fs, uint64_t parent, const char *name,
	      uint64_t newparent, const char *newname, unsigned int flags)
{
	struct dt_inode *lk[MAX_LOCKED] = {0};
	struct dt_irec saves[MAX_LOCKED];
	struct dt_inode *sd = NULL, *dd = NULL, *src = NULL, *dst = NULL;
	rocksdb_writebatch_t *wb = NULL;
	uint64_t sino, dino = 0;
	int nlk = 0, ret, sdir, ddir = 0;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) &&
	    (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	ret = check_name(name);
	if (!ret)
		ret = check_name(newname);
	if (ret)
		return ret;
	pthread_mutex_lock(&fs->ns_lock);
	ret = dirent_get(fs, parent, name, &sino);
	if (ret)
		goto out;
	ret = dirent_get(fs, newparent, newname, &dino);
	if (ret && ret != -ENOENT)
		goto out;
	if (ret == -ENOENT) {
		dino = 0;
		if (flags & RENAME_EXCHANGE)
			goto out;
	} else if (flags & RENAME_NOREPLACE) {
		ret = -EEXIST;
		goto out;
	}
	ret = 0;
	if (sino == dino && !(flags & RENAME_EXCHANGE))
		goto out; /* same inode: POSIX says do nothing */
	if ((ret = iget(fs, parent, &sd)) || (ret = iget(fs, newparent, &dd)) ||
	    (ret = iget(fs, sino, &src)) ||
	    (dino && (ret = iget(fs, dino, &dst))))
		goto out;
	lk[nlk++] = sd;
	if (dd != sd)
		lk[nlk++] = dd;
	if (src != sd && src != dd)
		lk[nlk++] = src;
	if (dst && dst != sd && dst != dd && dst != src)
		lk[nlk++] = dst;
	for (int i = 0; i < nlk; i++) {
		pthread_rwlock_wrlock(&lk[i]->lock);
		saves[i] = lk[i]->rec;
	}
	if (!S_ISDIR(dd->rec.mode) || !S_ISDIR(sd->rec.mode)) {
		ret = -ENOTDIR;
		goto unlock;
	}
	if (dd->rec.nlink == 0) { /* target directory was removed */
		ret = -ENOENT;
		goto unlock;
	}
	sdir = S_ISDIR(src->rec.mode);
	ddir = dst && S_ISDIR(dst->rec.mode);
	if (sdir && is_ancestor(fs, sino, newparent)) {
		ret = -EINVAL;
		goto unlock;
	}
	if ((flags & RENAME_EXCHANGE) && ddir &&
	    is_ancestor(fs, dino, parent)) {
		ret = -EINVAL;
		goto unlock;
	}
	if (dst && !(flags & RENAME_EXCHANGE)) {
		/* the target goes as rmdir/unlink would take it */
		ret = may_remove(fs, sdir, dst->rec.mode, dino);
		if (ret)
			goto unlock;
	}
	wb = rocksdb_writebatch_create();
	if (flags & RENAME_EXCHANGE) {
		dirent_put(wb, parent, name, dino, dst->rec.mode);
		dirent_put(wb, newparent, newname, sino, src->rec.mode);
		if (sd != dd && sdir != ddir) {
			/* a directory moves each way: parents' nlink follow */
			if (sdir) {
				sd->rec.nlink--;
				dd->rec.nlink++;
			} else {
				sd->rec.nlink++;
				dd->rec.nlink--;
			}
		}
		if (sdir)
			src->rec.parent = newparent;
		if (ddir)
			dst->rec.parent = parent;
		touch_c(&dst->rec);
		put_irec(wb, dino, &dst->rec);
	} else {
		if (flags & RENAME_WHITEOUT) {
			/* overlayfs' whiteout: a 0/0 char device in its place */
			struct dt_irec w = {
				.mode = S_IFCHR, .nlink = 1, .parent = parent};
			uint64_t wino = alloc_ino(fs, wb);

			touch_mc(&w);
			w.atime_sec = w.mtime_sec;
			w.atime_nsec = w.mtime_nsec;
			put_irec(wb, wino, &w);
			dirent_put(wb, parent, name, wino, S_IFCHR);
		} else {
			dirent_del(wb, parent, name);
		}
		dirent_put(wb, newparent, newname, sino, src->rec.mode);
		if (dst) {
			drop_link(wb, dst);
			if (ddir)
				dd->rec.nlink--;
		}
		if (sdir) {
			src->rec.parent = newparent;
			sd->rec.nlink--;
			dd->rec.nlink++;
		}
	}
	touch_c(&src->rec);
	put_irec(wb, sino, &src->rec);
	touch_mc(&sd->rec);
	put_irec(wb, parent, &sd->rec);
	if (dd != sd) {
		touch_mc(&dd->rec);
		put_irec(wb, newparent, &dd->rec);
	}
	ret = dt_store_write_freeing(fs, wb);
	rocksdb_writebatch_destroy(wb);
unlock:
	for (int i = nlk - 1; i >= 0; i--) {
		if (ret)
			lk[i]->rec = saves[i];
		pthread_rwlock_unlock(&lk[i]->lock);
	}
out:
	pthread_mutex_unlock(&fs->ns_lock);
	if (dst)
		iput(fs, dst);
	if (src)
		iput(fs, src);
	if (dd)
		iput(fs, dd);
	if (sd)
		iput(fs, sd);
	return ret;
}

int dt_open(struct dt_fs *fs, uint64_t ino, int flags)
{
	struct dt_inode *in;
	int ret;

	/* The kernel passes O_TRUNC down (atomic_o_trunc): truncate here. */
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
		struct stat zero = {.st_size = 0}, st;

		ret = dt_getattr(fs, ino, &st);
		if (!ret && S_ISREG(st.st_mode) && st.st_size)
			ret = dt_setattr(fs, ino, &zero, DT_SET_SIZE, NULL);
		if (ret)
			return ret;
	}
	ret = iget(fs, ino, &in);
	if (ret)
		return ret;
	pthread_mutex_lock(&fs->table_lock);
	in->nopen++;
	in->nref--;
	pthread_mutex_unlock(&fs->table_lock);
	return 0;
}

int dt_release(struct dt_fs *fs, uint64_t ino)
{
	struct dt_inode *in;
	int ret = iget(fs, ino, &in);

	if (ret)
		return ret;
	iput_counts(fs, in, 1, 0, 1);
	return 0;
}

/* Copy chunk data @v (@vl bytes stored) at chunk offset @co, @n bytes. */
static void copy_chunk(char *p, const char *v, size_t vl, uint64_t co, size_t n)
{
	if (co < vl) {
		size_t c = vl - co < n ? vl - co : n;

		memcpy(p, v + co, c);
		memset(p + c, 0, n - c);
	} else {
		memset(p, 0, n);
	}
}

ssize_t dt_read(struct dt_fs *fs, uint64_t ino, void *buf, size_t size,
		off_t off)
{
	struct dt_inode *in;
	char k[17], hi[17], *err = NULL, *p = buf;
	uint64_t pos = (uint64_t)off, end;
	ssize_t ret;

	if (off < 0)
		return -EINVAL;
	ret = iget(fs, ino, &in);
	if (ret)
		return ret;
	if (S_ISDIR(in->rec.mode)) {
		iput(fs, in);
		return -EISDIR;
	}
	pthread_rwlock_rdlock(&in->lock);
	end = pos + size;
	if (end > in->rec.size)
		end = in->rec.size;
	if (pos < end && pos / CHUNK == (end - 1) / CHUNK) {
		/* one chunk: a point lookup */
		rocksdb_pinnableslice_t *ps;
		const char *v = NULL;
		size_t vl = 0;

		dt_key2(k, DT_K_DATA, ino, pos / CHUNK);
		ps = rocksdb_get_pinned(fs->db, fs->ro, k, 17, &err);
		if (err) {
			fprintf(stderr,
				"dtfs: read ino %llu: store read failed: %s; "
				"run dtfs-fsck\n",
				(unsigned long long)ino, err);
			free(err);
			ret = -EIO;
		} else {
			if (ps)
				v = rocksdb_pinnableslice_value(ps, &vl);
			copy_chunk(p, v, vl, pos % CHUNK, end - pos);
			p += end - pos;
			rocksdb_pinnableslice_destroy(ps);
		}
	} else if (pos < end) {
		/* several: one iterator pass, holes are gaps in the keys */
		rocksdb_readoptions_t *ro = dt_store_readopts();
		rocksdb_iterator_t *it;
		int valid;

		dt_key2(k, DT_K_DATA, ino, pos / CHUNK);
		dt_key2(hi, DT_K_DATA, ino, (end - 1) / CHUNK + 1);
		rocksdb_readoptions_set_iterate_upper_bound(ro, hi, 17);
		it = rocksdb_create_iterator(fs->db, ro);
		rocksdb_iter_seek(it, k, 17);
		valid = rocksdb_iter_valid(it);
		while (pos < end) {
			uint64_t idx = pos / CHUNK, co = pos % CHUNK;
			size_t n = CHUNK - co, vl = 0, kl;
			const char *v = NULL;

			if (n > end - pos)
				n = end - pos;
			if (valid &&
			    dt_get_be64(rocksdb_iter_key(it, &kl) + 9) == idx) {
				v = rocksdb_iter_value(it, &vl);
				copy_chunk(p, v, vl, co, n);
				rocksdb_iter_next(it);
				valid = rocksdb_iter_valid(it);
			} else {
				memset(p, 0, n);
			}
			p += n;
			pos += n;
		}
		ret = iter_err(it, "read", ino);
		rocksdb_iter_destroy(it);
		rocksdb_readoptions_destroy(ro);
	}
	pthread_rwlock_unlock(&in->lock);
	iput(fs, in);
	if (ret < 0)
		return ret;
	return p - (char *)buf;
}

/* Write @size bytes at @off into the chunks of @in (write-locked), adding
 * the puts to @wb. One iterator pass over the chunks the write covers tells
 * which exist and how long they are (for st_blocks); only the partial chunks
 * at either end are read-modified-written. @chunkbuf is CHUNK bytes. */
static int write_locked(struct dt_fs *fs, rocksdb_writebatch_t *wb,
			struct dt_inode *in, const char *src, size_t size,
			uint64_t off, char *chunkbuf)
{
	uint64_t pos = off, end = off + size;
	uint64_t first = off / CHUNK, last = (end - 1) / CHUNK;
	struct dt_irec *r = &in->rec;
	rocksdb_readoptions_t *ro = dt_store_readopts();
	rocksdb_iterator_t *it;
	char lo[17], hi[17];
	int valid, ret;

	dt_key2(lo, DT_K_DATA, in->ino, first);
	dt_key2(hi, DT_K_DATA, in->ino, last + 1);
	rocksdb_readoptions_set_iterate_upper_bound(ro, hi, 17);
	it = rocksdb_create_iterator(fs->db, ro);
	rocksdb_iter_seek(it, lo, 17);
	valid = rocksdb_iter_valid(it);
	for (uint64_t idx = first; idx <= last; idx++) {
		uint64_t co = pos % CHUNK;
		size_t n = CHUNK - co, ol = 0, nl, kl;
		const char *ov = NULL;

		if (n > end - pos)
			n = end - pos;
		if (valid) {
			const char *k = rocksdb_iter_key(it, &kl);

			if (dt_get_be64(k + 9) == idx) {
				ov = rocksdb_iter_value(it, &ol);
				if (ol > CHUNK)
					ol = CHUNK;
				rocksdb_iter_next(it);
				valid = rocksdb_iter_valid(it);
			}
		}
		if (co == 0 && n == CHUNK) {
			nl = CHUNK;
			chunk_put(wb, in->ino, idx, src, CHUNK);
		} else {
			if (ol)
				memcpy(chunkbuf, ov, ol);
			if (co > ol)
				memset(chunkbuf + ol, 0, co - ol);
			memcpy(chunkbuf + co, src, n);
			nl = co + n > ol ? co + n : ol;
			chunk_put(wb, in->ino, idx, chunkbuf, nl);
		}
		r->blocks -= BLOCKS_OF(ol);
		r->blocks += BLOCKS_OF(nl);
		src += n;
		pos += n;
	}
	ret = iter_err(it, "write", in->ino);
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
	if (!ret && end > r->size)
		r->size = end;
	return ret;
}

ssize_t dt_write(struct dt_fs *fs, uint64_t ino, const void *buf, size_t size,
		 off_t off)
{
	struct dt_inode *in;
	rocksdb_writebatch_t *wb;
	struct dt_irec save;
	char *chunkbuf;
	int ret;

	if (off < 0 || (uint64_t)off + size > (uint64_t)INT64_MAX)
		return -EFBIG;
	ret = iget(fs, ino, &in);
	if (ret)
		return ret;
	if (S_ISDIR(in->rec.mode) || !size) {
		/* a zero-length write changes nothing, not even the size */
		ret = S_ISDIR(in->rec.mode) ? -EISDIR : 0;
		iput(fs, in);
		return ret;
	}
	chunkbuf = malloc(CHUNK);
	if (!chunkbuf) {
		iput(fs, in);
		return -ENOMEM;
	}
	wb = rocksdb_writebatch_create();
	pthread_rwlock_wrlock(&in->lock);
	save = in->rec;
	ret = write_locked(fs, wb, in, buf, size, (uint64_t)off, chunkbuf);
	if (!ret) {
		touch_mc(&in->rec);
		put_irec(wb, ino, &in->rec);
		ret = dt_store_write(fs, wb);
	}
	if (ret)
		in->rec = save;
	pthread_rwlock_unlock(&in->lock);
	rocksdb_writebatch_destroy(wb);
	free(chunkbuf);
	iput(fs, in);
	return ret ? ret : (ssize_t)size;
}

int dt_sync(struct dt_fs *fs)
{
	char *err = NULL;

	rocksdb_flush_wal(fs->db, 1, &err);
	if (err) {
		fprintf(stderr, "dtfs: WAL sync failed: %s\n", err);
		free(err);
		return -EIO;
	}
	return 0;
}

int dt_fallocate(struct dt_fs *fs, uint64_t ino, int mode, off_t off, off_t len)
{
	struct dt_inode *in;
	rocksdb_writebatch_t *wb;
	struct dt_irec save;
	uint64_t a = (uint64_t)off, b;
	int ret;

	if (off < 0 || len <= 0)
		return -EINVAL;
	b = a + (uint64_t)len;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
		     FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) &&
	    (!(mode & FALLOC_FL_KEEP_SIZE) || (mode & FALLOC_FL_ZERO_RANGE)))
		return -EOPNOTSUPP;
	ret = iget(fs, ino, &in);
	if (ret)
		return ret;
	wb = rocksdb_writebatch_create();
	pthread_rwlock_wrlock(&in->lock);
	save = in->rec;
	if (!S_ISREG(in->rec.mode)) {
		ret = S_ISDIR(in->rec.mode) ? -EISDIR : -ENODEV;
		goto out;
	}
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		uint64_t first = (a + CHUNK - 1) / CHUNK, last = b / CHUNK;

		/* whole chunks go; partial ones are zeroed in place */
		if (first < last) {
			ret = zero_range(fs, wb, ino, &in->rec, a,
					 first * CHUNK);
			if (!ret)
				ret = zero_range(fs, wb, ino, &in->rec,
						 first * CHUNK, last * CHUNK);
			if (!ret)
				ret = zero_range(fs, wb, ino, &in->rec,
						 last * CHUNK, b);
		} else {
			ret = zero_range(fs, wb, ino, &in->rec, a, b);
		}
		if (ret)
			goto out;
		touch_mc(&in->rec);
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && b > in->rec.size) {
		in->rec.size = b;
		touch_mc(&in->rec);
	}
	put_irec(wb, ino, &in->rec);
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		ret = dt_store_write_freeing(fs, wb);
	} else {
		uint64_t avail;

		/* dtfs stores no blocks for an allocation, but a range that
		 * the disk could not hold now fails as it would elsewhere */
		if (!(mode & FALLOC_FL_ZERO_RANGE) && !fs->readonly &&
		    !dt_store_avail(fs, &avail) &&
		    avail < fs->space_reserve + (b - a))
			ret = -ENOSPC;
		else
			ret = dt_store_write(fs, wb);
	}
out:
	if (ret)
		in->rec = save;
	pthread_rwlock_unlock(&in->lock);
	rocksdb_writebatch_destroy(wb);
	iput(fs, in);
	return ret;
}

off_t dt_lseek(struct dt_fs *fs, uint64_t ino, off_t off, int whence)
{
	struct dt_inode *in;
	rocksdb_readoptions_t *ro;
	rocksdb_iterator_t *it;
	char lo[17], hi[9];
	uint64_t pos = (uint64_t)off, size;
	off_t ret;

	if (off < 0)
		return -ENXIO;
	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return -EINVAL;
	ret = iget(fs, ino, &in);
	if (ret)
		return ret;
	pthread_rwlock_rdlock(&in->lock);
	size = in->rec.size;
	if (pos >= size) {
		ret = -ENXIO;
		goto out;
	}
	ro = dt_store_readopts();
	dt_key2(lo, DT_K_DATA, ino, pos / CHUNK);
	dt_key(hi, DT_K_DATA, ino + 1);
	rocksdb_readoptions_set_iterate_upper_bound(ro, hi, 9);
	it = rocksdb_create_iterator(fs->db, ro);
	rocksdb_iter_seek(it, lo, 17);
	ret = whence == SEEK_DATA ? -ENXIO : (off_t)size;
	for (; rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
		size_t kl, vl;
		const char *key = rocksdb_iter_key(it, &kl);
		uint64_t cs = dt_get_be64(key + 9) * CHUNK;

		rocksdb_iter_value(it, &vl);
		if (cs >= size)
			break;
		if (whence == SEEK_DATA) {
			if (pos < cs + vl) {
				ret = (off_t)(pos > cs ? pos : cs);
				break;
			}
		} else {
			if (pos < cs) /* a missing chunk before this one */
				break;
			if (pos < cs + vl)
				pos = cs + vl;
			if (vl < CHUNK)
				break;
		}
	}
	if (whence == SEEK_HOLE)
		ret = (off_t)(pos < size ? pos : size);
	if (iter_err(it, "lseek", ino))
		ret = -EIO;
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
out:
	pthread_rwlock_unlock(&in->lock);
	iput(fs, in);
	return ret;
}

ssize_t dt_copy_file_range(struct dt_fs *fs, uint64_t ino_in, off_t off_in,
			   uint64_t ino_out, off_t off_out, size_t len)
{
	size_t done = 0, step = 1 << 20;
	char *buf;

	if (len > (64UL << 20))
		len = 64UL << 20; /* a short copy; the caller loops */
	buf = malloc(step);
	if (!buf)
		return -ENOMEM;
	while (done < len) {
		size_t n = len - done < step ? len - done : step;
		ssize_t r = dt_read(fs, ino_in, buf, n, off_in + (off_t)done);
		ssize_t w;

		if (r <= 0) {
			if (r < 0 && !done)
				done = (size_t)r;
			break;
		}
		w = dt_write(fs, ino_out, buf, (size_t)r,
			     off_out + (off_t)done);
		if (w < 0) {
			if (!done)
				done = (size_t)w;
			break;
		}
		done += (size_t)w;
		if (r < (ssize_t)n)
			break;
	}
	free(buf);
	return (ssize_t)done;
}

/* ---- directories ---------------------------------------------------- */

struct dt_dirent {
	size_t name_off;
	uint64_t ino;
	mode_t type;
};

struct dt_dir {
	struct dt_dirent *ents;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
};

static int dir_add(struct dt_dir *d, const char *name, size_t nl, uint64_t ino,
		   mode_t type)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct dt_dirent *e = realloc(d->ents, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		d->ents = e;
		d->cap = cap;
	}
	if (d->names_len + nl + 1 > d->names_cap) {
		size_t cap = (d->names_cap ? d->names_cap * 2 : 4096) + nl;
		char *p = realloc(d->names, cap);

		if (!p)
			return -ENOMEM;
		d->names = p;
		d->names_cap = cap;
	}
	memcpy(d->names + d->names_len, name, nl);
	d->names[d->names_len + nl] = 0;
	d->ents[d->n].name_off = d->names_len;
	d->ents[d->n].ino = ino;
	d->ents[d->n].type = type;
	d->n++;
	d->names_len += nl + 1;
	return 0;
}

int dt_opendir(struct dt_fs *fs, uint64_t ino, struct dt_dir **out)
{
	struct dt_irec r;
	struct dt_dir *d;
	rocksdb_readoptions_t *ro;
	rocksdb_iterator_t *it;
	char lo[9], hi[9];
	int ret = dt_store_get_irec(fs, ino, &r);

	if (ret)
		return ret;
	if (!S_ISDIR(r.mode))
		return -ENOTDIR;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = dir_add(d, ".", 1, ino, S_IFDIR);
	if (!ret)
		ret = dir_add(d, "..", 2, r.parent, S_IFDIR);
	ro = dt_store_readopts();
	dt_key(lo, DT_K_DIRENT, ino);
	dt_key(hi, DT_K_DIRENT, ino + 1);
	rocksdb_readoptions_set_iterate_upper_bound(ro, hi, 9);
	it = rocksdb_create_iterator(fs->db, ro);
	for (rocksdb_iter_seek(it, lo, 9); !ret && rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl, vl;
		const char *key = rocksdb_iter_key(it, &kl);
		const char *v = rocksdb_iter_value(it, &vl);
		uint64_t child;

		if (vl < 9)
			continue;
		memcpy(&child, v, 8);
		ret = dir_add(d, key + 9, kl - 9, child,
			      (mode_t)((unsigned char)v[8]) << 12);
	}
	if (!ret)
		ret = iter_err(it, "readdir", ino);
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
	if (ret) {
		dt_closedir(d);
		return ret;
	}
	*out = d;
	return 0;
}

int dt_dir_entry(struct dt_dir *d, size_t idx, const char **name,
		 struct stat *st)
{
	if (idx >= d->n)
		return -ENOENT;
	*name = d->names + d->ents[idx].name_off;
	memset(st, 0, sizeof(*st));
	st->st_ino = d->ents[idx].ino;
	st->st_mode = d->ents[idx].type;
	return 0;
}

void dt_closedir(struct dt_dir *d)
{
	if (!d)
		return;
	free(d->ents);
	free(d->names);
	free(d);
}

int dt_statfs(struct dt_fs *fs, struct statvfs *sv)
{
	char dbpath[4096];

	snprintf(dbpath, sizeof(dbpath), "%s/db", fs->path);
	if (statvfs(dbpath, sv) < 0)
		return -errno;
	/* the space reserve is not for files: df shows full at ENOSPC */
	if (sv->f_frsize && !fs->readonly) {
		fsblkcnt_t r = (fsblkcnt_t)(fs->space_reserve / sv->f_frsize);

		sv->f_bavail = sv->f_bavail > r ? sv->f_bavail - r : 0;
		sv->f_bfree = sv->f_bfree > r ? sv->f_bfree - r : 0;
	}
	sv->f_namemax = DT_NAME_MAX;
	sv->f_fsid = 0x64746673; /* "dtfs" */
	return 0;
}

/* ---- xattrs --------------------------------------------------------- */

static int xattr_check_name(const char *name)
{
	static const char *const ns[] = {"user.", "trusted.", "security.",
					 "system."};
	size_t n = strlen(name);

	if (n == 0 || n > DT_XATTR_NAME_MAX)
		return -ERANGE;
	/* as ext4: a name outside the known namespaces is not supported */
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		if (!strncmp(name, ns[i], strlen(ns[i])) && n > strlen(ns[i]))
			return 0;
	return -EOPNOTSUPP;
}

int dt_setxattr(struct dt_fs *fs, uint64_t ino, const char *name,
		const void *value, size_t size, int flags)
{
	struct dt_inode *in;
	rocksdb_writebatch_t *wb;
	struct dt_irec save;
	char k[DT_KEY_MAX], *err = NULL, *v;
	size_t kl, vl;
	int ret = xattr_check_name(name);

	if (ret)
		return ret;
	if (size > DT_XATTR_SIZE_MAX)
		return -E2BIG;
	ret = iget(fs, ino, &in);
	if (ret)
		return ret;
	kl = dt_keyname(k, DT_K_XATTR, ino, name);
	pthread_rwlock_wrlock(&in->lock);
	save = in->rec;
	v = rocksdb_get(fs->db, fs->ro, k, kl, &vl, &err);
	if (err) {
		free(err);
		ret = -EIO;
		goto out;
	}
	free(v);
	if ((flags & XATTR_CREATE) && v) {
		ret = -EEXIST;
		goto out;
	}
	if ((flags & XATTR_REPLACE) && !v) {
		ret = -ENODATA;
		goto out;
	}
	wb = rocksdb_writebatch_create();
	rocksdb_writebatch_put(wb, k, kl, value, size);
	touch_c(&in->rec);
	put_irec(wb, ino, &in->rec);
	ret = dt_store_write(fs, wb);
	rocksdb_writebatch_destroy(wb);
out:
	if (ret)
		in->rec = save;
	pthread_rwlock_unlock(&in->lock);
	iput(fs, in);
	return ret;
}

ssize_t dt_getxattr(struct dt_fs *fs, uint64_t ino, const char *name, void *buf,
		    size_t size)
{
	char k[DT_KEY_MAX], *err = NULL, *v;
	size_t kl, vl;
	ssize_t ret = xattr_check_name(name);
	struct stat st;

	if (ret)
		return ret == -ERANGE ? -ENODATA : ret;
	ret = dt_getattr(fs, ino, &st);
	if (ret)
		return ret;
	kl = dt_keyname(k, DT_K_XATTR, ino, name);
	v = rocksdb_get(fs->db, fs->ro, k, kl, &vl, &err);
	if (err) {
		free(err);
		return -EIO;
	}
	if (!v)
		return -ENODATA;
	if (size == 0)
		ret = (ssize_t)vl;
	else if (size < vl)
		ret = -ERANGE;
	else {
		memcpy(buf, v, vl);
		ret = (ssize_t)vl;
	}
	free(v);
	return ret;
}

ssize_t dt_listxattr(struct dt_fs *fs, uint64_t ino, char *buf, size_t size)
{
	rocksdb_readoptions_t *ro;
	rocksdb_iterator_t *it;
	char lo[9], hi[9];
	size_t total = 0;
	struct stat st;
	ssize_t ret = dt_getattr(fs, ino, &st);

	if (ret)
		return ret;
	ro = dt_store_readopts();
	dt_key(lo, DT_K_XATTR, ino);
	dt_key(hi, DT_K_XATTR, ino + 1);
	rocksdb_readoptions_set_iterate_upper_bound(ro, hi, 9);
	it = rocksdb_create_iterator(fs->db, ro);
	for (rocksdb_iter_seek(it, lo, 9); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl;
		const char *key = rocksdb_iter_key(it, &kl);
		size_t nl = kl - 9;

		if (size && total + nl + 1 <= size) {
			memcpy(buf + total, key + 9, nl);
			buf[total + nl] = 0;
		}
		total += nl + 1;
	}
	ret = iter_err(it, "listxattr", ino);
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
	if (ret)
		return ret;
	if (size && total > size)
		return -ERANGE;
	return (ssize_t)total;
}

int dt_removexattr(struct dt_fs *fs, uint64_t ino, const char *name)
{
	char buf[1];
	ssize_t n = dt_getxattr(fs, ino, name, buf, 0);
	struct dt_inode *in;
	rocksdb_writebatch_t *wb;
	char k[DT_KEY_MAX];
	int ret;

	if (n < 0)
		return (int)n;
	ret = iget(fs, ino, &in);
	if (ret)
		return ret;
	wb = rocksdb_writebatch_create();
	pthread_rwlock_wrlock(&in->lock);
	rocksdb_writebatch_delete(wb, k, dt_keyname(k, DT_K_XATTR, ino, name));
	touch_c(&in->rec);
	put_irec(wb, ino, &in->rec);
	ret = dt_store_write_freeing(fs, wb);
	pthread_rwlock_unlock(&in->lock);
	rocksdb_writebatch_destroy(wb);
	iput(fs, in);
	return ret;
}
