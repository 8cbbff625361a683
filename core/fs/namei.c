// SPDX-License-Identifier: GPL-2.0
/*
 * Names: lookup, create, mknod, mkdir, symlink, link, unlink, rmdir,
 * rename, readlink. Every change of the namespace is one batch under
 * ns_lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "extent.h"

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
	struct dt_inode *d;
	int notdir;

	if (dt_iget(fs, dir, &d))
		return -ENOENT;
	notdir = !S_ISDIR(d->rec.mode);
	dt_iput(fs, d);
	return notdir ? -ENOTDIR : -ENOENT;
}

/* Look a name up in directory @dir: child ino or -ENOENT. */
static int dirent_get(struct dt_fs *fs, uint64_t dir, const char *name,
		      uint64_t *ino)
{
	char k[DT_KEY_MAX], *v;
	size_t vl;
	uint32_t type;
	int ret = dt_store_get(&fs->st, k,
			       dt_keyname(k, DT_K_DIRENT, dir, name), &v, &vl);

	if (ret)
		return ret;
	ret = dt_dirent_decode(v, vl, ino, &type);
	free(v);
	return ret;
}

/*
 * The name cache (fs.h): the kernel looks a name up right before it
 * unlinks it, so unlink finds the child in the cache instead of asking
 * RocksDB again. A lookup reads ns_gen before its store read and fills an
 * entry only if no namespace change committed since; every change bumps
 * ns_gen after its commit (under ns_lock), which drops every entry.
 */
static struct dt_dcache *dcache_of(struct dt_fs *fs)
{
	return &fs->dcache;
}

static unsigned int dc_slot(uint64_t dir, const char *name)
{
	uint64_t h = dir * 0x9E3779B97F4A7C15ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return (unsigned int)(h >> 32) % DT_DCACHE_SIZE;
}

/* Read without the lock: dc_insert checks it again under the lock. */
static uint64_t dc_gen(struct dt_fs *fs)
{
	return __atomic_load_n(&dcache_of(fs)->ns_gen, __ATOMIC_ACQUIRE);
}

static void dc_insert(struct dt_fs *fs, uint64_t dir, const char *name,
		      uint64_t ino, uint64_t gen)
{
	struct dt_dcache *c = dcache_of(fs);
	unsigned int i = dc_slot(dir, name);

	pthread_mutex_lock(&c->lock);
	if (gen == c->ns_gen) {
		c->e[i].dir = dir;
		c->e[i].ino = ino;
		c->e[i].gen = gen;
		snprintf(c->e[i].name, sizeof(c->e[i].name), "%s", name);
	}
	pthread_mutex_unlock(&c->lock);
}

/* Under ns_lock: the child @name of @dir if the cache knows it. */
static int dc_find(struct dt_fs *fs, uint64_t dir, const char *name,
		   uint64_t *ino)
{
	struct dt_dcache *c = dcache_of(fs);
	unsigned int i = dc_slot(dir, name);
	int hit;

	pthread_mutex_lock(&c->lock);
	hit = c->e[i].ino && c->e[i].gen == c->ns_gen && c->e[i].dir == dir &&
	      !strcmp(c->e[i].name, name);
	if (hit)
		*ino = c->e[i].ino;
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* Under ns_lock, after a namespace change's commit (or its failure). */
static void ns_changed(struct dt_fs *fs)
{
	struct dt_dcache *c = dcache_of(fs);

	pthread_mutex_lock(&c->lock);
	__atomic_store_n(&c->ns_gen, c->ns_gen + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->lock);
}

static void dirent_put(rocksdb_writebatch_t *wb, uint64_t dir, const char *name,
		       uint64_t ino, mode_t mode)
{
	char k[DT_KEY_MAX], v[DT_DIRENT_SIZE];

	dt_dirent_encode(v, ino, mode);
	rocksdb_writebatch_put(wb, k, dt_keyname(k, DT_K_DIRENT, dir, name), v,
			       sizeof(v));
}

static void dirent_del(rocksdb_writebatch_t *wb, uint64_t dir, const char *name)
{
	char k[DT_KEY_MAX];

	rocksdb_writebatch_delete(wb, k, dt_keyname(k, DT_K_DIRENT, dir, name));
}

static int dir_is_empty(struct dt_fs *fs, uint64_t dir)
{
	rocksdb_iterator_t *it = rocksdb_create_iterator(fs->st.db, fs->st.ro);
	char lo[9];
	int empty = 1;

	dt_key(lo, DT_K_DIRENT, dir);
	rocksdb_iter_seek(it, lo, 9);
	if (rocksdb_iter_valid(it)) {
		size_t kl;
		const char *k = rocksdb_iter_key(it, &kl);

		empty = !(kl > 9 && !memcmp(k, lo, 9));
	}
	if (dt_store_iter_err(it, "rmdir", dir))
		empty = -EIO;
	rocksdb_iter_destroy(it);
	return empty;
}

uint64_t dt_alloc_ino(struct dt_fs *fs, rocksdb_writebatch_t *wb)
{
	uint64_t ino, next;

	pthread_mutex_lock(&fs->ino_lock);
	ino = fs->next_ino++;
	next = fs->next_ino;
	pthread_mutex_unlock(&fs->ino_lock);
	rocksdb_writebatch_put(wb, DT_SK_NEXT_INO, sizeof(DT_SK_NEXT_INO) - 1,
			       (const char *)&next, 8);
	return ino;
}

int dt_lookup(struct dt_fs *fs, uint64_t parent, const char *name,
	      struct stat *st)
{
	struct dt_inode *in;
	uint64_t ino, gen;
	int ret = check_name(name);

	if (ret)
		return ret;
	gen = dc_gen(fs);
	ret = dirent_get(fs, parent, name, &ino);
	if (ret == -ENOENT)
		return missing_name(fs, parent);
	if (ret)
		return ret;
	dc_insert(fs, parent, name, ino, gen);
	ret = dt_iget(fs, ino, &in);
	if (ret)
		return ret == -ENOENT ? -EUCLEAN : ret;
	pthread_rwlock_rdlock(&in->lock);
	dt_fill_stat(ino, &in->rec, st);
	pthread_rwlock_unlock(&in->lock);
	dt_iref_lookup(fs, in);
	return 0;
}

int dt_lookup_self(struct dt_fs *fs, uint64_t ino, struct stat *st)
{
	struct dt_inode *in;
	int ret = dt_iget(fs, ino, &in), gone;

	if (ret)
		return ret;
	pthread_rwlock_rdlock(&in->lock);
	gone = in->deleted || in->rec.nlink == 0;
	if (!gone)
		dt_fill_stat(ino, &in->rec, st);
	pthread_rwlock_unlock(&in->lock);
	if (gone) {
		dt_iput(fs, in);
		return -ENOENT;
	}
	dt_iref_lookup(fs, in);
	return 0;
}

int dt_lookup_parent(struct dt_fs *fs, uint64_t ino, struct stat *st)
{
	struct dt_inode *in;
	uint64_t parent = 0;
	int ret = dt_iget(fs, ino, &in);

	if (ret)
		return ret;
	pthread_rwlock_rdlock(&in->lock);
	if (!S_ISDIR(in->rec.mode))
		ret = -ENOTDIR;
	else if (in->deleted || in->rec.nlink == 0)
		ret = -ENOENT;
	else
		parent = ino == DT_ROOT_INO ? DT_ROOT_INO : in->rec.parent;
	pthread_rwlock_unlock(&in->lock);
	dt_iput(fs, in);
	return ret ? ret : dt_lookup_self(fs, parent, st);
}

void dt_forget(struct dt_fs *fs, uint64_t ino, uint64_t nlookup)
{
	struct dt_inode *in;

	if (dt_iget(fs, ino, &in))
		return;
	dt_iput_counts(fs, in, 1, nlookup, 0);
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
	ret = dt_iget(fs, parent, &dir);
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
	wb = dt_batch_get();
	ino = dt_alloc_ino(fs, wb);
	r.mode = mode;
	r.uid = uid;
	r.gid = gid;
	if (dir->rec.mode & S_ISGID) { /* BSD group semantics, as ext4 */
		r.gid = dir->rec.gid;
		if (S_ISDIR(mode))
			r.mode |= S_ISGID;
	}
	if (!link && (dir->rec.flags & DT_IF_XATTR)) {
		ret = dt_acl_inherit(fs, wb, dir, ino, &r);
		if (ret) {
			dt_batch_put(wb);
			goto out;
		}
	}
	r.rdev = rdev;
	r.generation = 1;
	r.nlink = S_ISDIR(mode) ? 2 : 1;
	r.parent = parent;
	dt_touch_mc(&r);
	r.atime_sec = r.mtime_sec;
	r.atime_nsec = r.mtime_nsec;
	if (link) {
		r.size = strlen(link);
		rocksdb_writebatch_put(wb, k, dt_key(k, DT_K_LINK, ino), link,
				       r.size);
	}
	dt_put_irec(wb, ino, &r);
	dirent_put(wb, parent, name, ino, mode);
	if (S_ISDIR(mode))
		dir->rec.nlink++;
	dt_touch_mc(&dir->rec);
	dt_put_irec(wb, parent, &dir->rec);
	ret = dt_store_commit(&fs->st, wb, 0);
	ns_changed(fs);
	dt_batch_put(wb);
	if (ret)
		goto out;
	pthread_rwlock_unlock(&dir->lock);
	pthread_mutex_unlock(&fs->ns_lock);
	dt_iput(fs, dir);

	/* the record is the one just committed: no need to read it back */
	ret = dt_iget_new(fs, ino, &r, &in);
	if (ret)
		return ret;
	dt_fill_stat(ino, &in->rec, st);
	*out = in;
	return 0;
out:
	dir->rec = dsave;
	pthread_rwlock_unlock(&dir->lock);
	pthread_mutex_unlock(&fs->ns_lock);
	dt_iput(fs, dir);
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
		dt_iref_lookup(fs, in);
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
	char k[9], *v;
	size_t vl;
	int ret = dt_store_get(&fs->st, k, dt_key(k, DT_K_LINK, ino), &v, &vl);

	if (ret)
		return ret == -ENOENT ? -EINVAL : ret;
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
	ret = dt_iget(fs, ino, &in);
	if (ret)
		return ret;
	ret = dt_iget(fs, newparent, &dir);
	if (ret) {
		dt_iput(fs, in);
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
	wb = dt_batch_get();
	in->rec.nlink++;
	dt_touch_c(&in->rec);
	dt_touch_mc(&dir->rec);
	dt_put_irec(wb, ino, &in->rec);
	dt_put_irec(wb, newparent, &dir->rec);
	dirent_put(wb, newparent, newname, ino, in->rec.mode);
	ret = dt_store_commit(&fs->st, wb, 0);
	ns_changed(fs);
	dt_batch_put(wb);
out:
	if (ret) {
		in->rec = isave;
		dir->rec = dsave;
	} else {
		dt_fill_stat(ino, &in->rec, st);
	}
	pthread_rwlock_unlock(&in->lock);
	pthread_rwlock_unlock(&dir->lock);
	pthread_mutex_unlock(&fs->ns_lock);
	dt_iput(fs, dir);
	if (!ret)
		dt_iref_lookup(fs, in);
	else
		dt_iput(fs, in);
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
	dt_touch_c(&in->rec);
	dt_put_irec(wb, in->ino, &in->rec);
	if (in->rec.nlink == 0)
		rocksdb_writebatch_put(wb, k, dt_key(k, DT_K_ORPHAN, in->ino),
				       "", 0);
}

/*
 * The records of @in (write-locked, claimed), which loses its last name
 * in @wb, deleted into @wb within @op: what dt_idelete deletes, less the
 * tombstones of records it cannot have (each one a memtable entry): an
 * inline record without DT_IF_INLINE, a symlink target of a non-symlink,
 * an orphan record (drop_link puts one only with the last name, and an
 * inode without a name cannot lose one). Its inode record is not put
 * before it is deleted either.
 */
static int delete_last(struct dt_fs *fs, rocksdb_writebatch_t *wb,
		       struct dt_inode *in, struct dt_op *op)
{
	char k[DT_KEY_MAX];
	int ret = 0;

	if (in->rec.blocks)
		ret = dt_truncate_locked(fs, wb, in, 0, op);
	if (!ret && (in->rec.flags & DT_IF_INLINE))
		rocksdb_writebatch_delete(wb, k,
					  dt_key(k, DT_K_INLINE, in->ino));
	if (!ret && (in->rec.flags & DT_IF_XATTR))
		ret = dt_delete_keys(fs, wb, DT_K_XATTR, in->ino);
	rocksdb_writebatch_delete(wb, k, dt_key(k, DT_K_INODE, in->ino));
	if (S_ISLNK(in->rec.mode))
		rocksdb_writebatch_delete(wb, k, dt_key(k, DT_K_LINK, in->ino));
	return ret;
}

static int remove_entry(struct dt_fs *fs, uint64_t parent, const char *name,
			int want_dir)
{
	struct dt_inode *dir, *in;
	rocksdb_writebatch_t *wb;
	struct dt_irec isave, dsave;
	struct dt_op op;
	uint64_t ino;
	int ret = check_name(name), in_op = 0;

	if (ret)
		return ret;
	ret = dt_iget(fs, parent, &dir);
	if (ret)
		return ret;
	pthread_mutex_lock(&fs->ns_lock);
	/* the kernel looked the name up just before: mostly a cache hit */
	ret = dc_find(fs, parent, name, &ino)
		      ? 0
		      : dirent_get(fs, parent, name, &ino);
	if (ret == -ENOENT)
		ret = S_ISDIR(dir->rec.mode) ? -ENOENT : -ENOTDIR;
	if (ret)
		goto out_ns;
	ret = dt_iget(fs, ino, &in);
	if (ret)
		goto out_ns;
	pthread_rwlock_wrlock(&dir->lock);
	pthread_rwlock_wrlock(&in->lock);
	isave = in->rec;
	dsave = dir->rec;
	ret = may_remove(fs, want_dir, in->rec.mode, ino);
	if (ret)
		goto out;
	wb = dt_batch_get();
	dirent_del(wb, parent, name);
	if (want_dir)
		dir->rec.nlink--;
	dt_touch_mc(&dir->rec);
	dt_put_irec(wb, parent, &dir->rec);
	/* the last name of an inode no one has open: everything of it goes
	 * in this batch, no orphan record and no second batch at forget */
	if ((S_ISDIR(in->rec.mode) || in->rec.nlink <= 1) && !fs->readonly &&
	    dt_iclaim(fs, in)) {
		in->rec.nlink = 0;
		dt_touch_c(&in->rec);
		dt_op_begin(fs, &op);
		in_op = 1;
		ret = delete_last(fs, wb, in, &op);
	} else {
		drop_link(wb, in);
	}
	if (!ret)
		ret = dt_store_commit(&fs->st, wb, 1);
	ns_changed(fs);
	if (in_op)
		dt_op_end(&op, !ret);
	if (ret && in_op)
		dt_iunclaim(fs, in);
	dt_batch_put(wb);
out:
	if (ret) {
		in->rec = isave;
		dir->rec = dsave;
	}
	pthread_rwlock_unlock(&in->lock);
	pthread_rwlock_unlock(&dir->lock);
	pthread_mutex_unlock(&fs->ns_lock);
	dt_iput(fs, in);
	dt_iput(fs, dir);
	return ret;
out_ns:
	pthread_mutex_unlock(&fs->ns_lock);
	dt_iput(fs, dir);
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
		if (dt_store_get_irec(&fs->st, ino, &r))
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
	if ((ret = dt_iget(fs, parent, &sd)) ||
	    (ret = dt_iget(fs, newparent, &dd)) ||
	    (ret = dt_iget(fs, sino, &src)) ||
	    (dino && (ret = dt_iget(fs, dino, &dst))))
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
	wb = dt_batch_get();
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
		dt_touch_c(&dst->rec);
		dt_put_irec(wb, dino, &dst->rec);
	} else {
		if (flags & RENAME_WHITEOUT) {
			/* overlayfs' whiteout: a 0/0 char device in its place */
			struct dt_irec w = {
				.mode = S_IFCHR, .nlink = 1, .parent = parent};
			uint64_t wino = dt_alloc_ino(fs, wb);

			dt_touch_mc(&w);
			w.atime_sec = w.mtime_sec;
			w.atime_nsec = w.mtime_nsec;
			dt_put_irec(wb, wino, &w);
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
	dt_touch_c(&src->rec);
	dt_put_irec(wb, sino, &src->rec);
	dt_touch_mc(&sd->rec);
	dt_put_irec(wb, parent, &sd->rec);
	if (dd != sd) {
		dt_touch_mc(&dd->rec);
		dt_put_irec(wb, newparent, &dd->rec);
	}
	ret = dt_store_commit(&fs->st, wb, 1);
	ns_changed(fs);
	dt_batch_put(wb);
unlock:
	for (int i = nlk - 1; i >= 0; i--) {
		if (ret)
			lk[i]->rec = saves[i];
		pthread_rwlock_unlock(&lk[i]->lock);
	}
out:
	pthread_mutex_unlock(&fs->ns_lock);
	if (dst)
		dt_iput(fs, dst);
	if (src)
		dt_iput(fs, src);
	if (dd)
		dt_iput(fs, dd);
	if (sd)
		dt_iput(fs, sd);
	return ret;
}
