// SPDX-License-Identifier: GPL-2.0
/*
 * Inodes: the in-memory table and its lifetime rules, attributes, open
 * handles, orphans, statfs, and mounting the store (recovery included).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "extent.h"
#include "dtfs/opts.h"

/* ---- the inode table ----------------------------------------------------- */

static unsigned int hash_ino(uint64_t ino)
{
	return (unsigned int)((ino * 0x9E3779B97F4A7C15ULL) >> 52) %
	       DT_HASH_SIZE;
}

/* Find or load @ino and take a temporary reference. */
int dt_iget(struct dt_fs *fs, uint64_t ino, struct dt_inode **out)
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
	ret = dt_store_get_irec(&fs->st, ino, &n->rec);
	if (ret) {
		free(n);
		return ret;
	}
	n->ino = ino;
	n->nref = 1;
	dt_maps_changed(fs, n);
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

int dt_iget_new(struct dt_fs *fs, uint64_t ino, const struct dt_irec *r,
		struct dt_inode **out)
{
	struct dt_inode *n = calloc(1, sizeof(*n));
	unsigned int h = hash_ino(ino);

	if (!n)
		return -ENOMEM;
	n->ino = ino;
	n->nref = 1;
	n->rec = *r;
	dt_maps_changed(fs, n);
	pthread_rwlock_init(&n->lock, NULL);
	pthread_mutex_lock(&fs->table_lock);
	n->hnext = fs->hash[h];
	fs->hash[h] = n;
	pthread_mutex_unlock(&fs->table_lock);
	*out = n;
	return 0;
}

int dt_delete_keys(struct dt_fs *fs, rocksdb_writebatch_t *wb, char type,
		   uint64_t ino)
{
	rocksdb_iterator_t *it = rocksdb_create_iterator(fs->st.db, fs->st.ro);
	char a[9];
	int ret;

	/* one by one, not DeleteRange: range tombstones in the memtable slow
	 * down every later read (each lookup re-fragments them) */
	dt_key(a, type, ino);
	for (rocksdb_iter_seek(it, a, 9); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl;
		const char *k = rocksdb_iter_key(it, &kl);

		if (kl < 9 || memcmp(k, a, 9))
			break;
		rocksdb_writebatch_delete(wb, k, kl);
	}
	ret = dt_store_iter_err(it, "delete", ino);
	rocksdb_iter_destroy(it);
	return ret;
}

int dt_idelete(struct dt_fs *fs, rocksdb_writebatch_t *wb, struct dt_inode *in,
	       struct dt_op *op)
{
	char k[DT_KEY_MAX];
	int ret = 0;

	if (in->rec.blocks)
		ret = dt_truncate_locked(fs, wb, in, 0, op);
	rocksdb_writebatch_delete(wb, k, dt_key(k, DT_K_INLINE, in->ino));
	if (!ret && (in->rec.flags & DT_IF_XATTR))
		ret = dt_delete_keys(fs, wb, DT_K_XATTR, in->ino);
	rocksdb_writebatch_delete(wb, k, dt_key(k, DT_K_INODE, in->ino));
	rocksdb_writebatch_delete(wb, k, dt_key(k, DT_K_LINK, in->ino));
	rocksdb_writebatch_delete(wb, k, dt_key(k, DT_K_ORPHAN, in->ino));
	return ret;
}

int dt_iclaim(struct dt_fs *fs, struct dt_inode *in)
{
	int ok;

	pthread_mutex_lock(&fs->table_lock);
	ok = in->nopen == 0;
	if (ok)
		in->deleted = 1;
	pthread_mutex_unlock(&fs->table_lock);
	return ok;
}

void dt_iunclaim(struct dt_fs *fs, struct dt_inode *in)
{
	pthread_mutex_lock(&fs->table_lock);
	in->deleted = 0;
	pthread_mutex_unlock(&fs->table_lock);
}

/* Remove every trace of an unlinked inode from the store. */
static void reclaim(struct dt_fs *fs, struct dt_inode *in)
{
	rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
	struct dt_op op;
	int ret;

	dt_op_begin(fs, &op);
	ret = dt_idelete(fs, wb, in, &op);
	if (!ret)
		ret = dt_store_commit(&fs->st, wb, 1);
	dt_op_end(&op, !ret);
	if (ret)
		fprintf(stderr,
			"dtfs: reclaim of unlinked inode %llu failed: %s (its "
			"orphan record stays for the next mount)\n",
			(unsigned long long)in->ino, strerror(-ret));
	rocksdb_writebatch_destroy(wb);
}

static void unhash(struct dt_fs *fs, struct dt_inode *in)
{
	struct dt_inode **pp = &fs->hash[hash_ino(in->ino)];

	while (*pp != in)
		pp = &(*pp)->hnext;
	*pp = in->hnext;
}

void dt_iput_counts(struct dt_fs *fs, struct dt_inode *in, uint64_t refs,
		    uint64_t lookups, uint64_t opens)
{
	int gone;

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
	if (in->rec.nlink == 0 && !in->deleted && !fs->readonly)
		reclaim(fs, in);
	pthread_rwlock_destroy(&in->lock);
	free(in);
}

void dt_iput(struct dt_fs *fs, struct dt_inode *in)
{
	dt_iput_counts(fs, in, 1, 0, 0);
}

void dt_iref_lookup(struct dt_fs *fs, struct dt_inode *in)
{
	pthread_mutex_lock(&fs->table_lock);
	in->nlookup++;
	in->nref--;
	pthread_mutex_unlock(&fs->table_lock);
}

/* ---- helpers ------------------------------------------------------------- */

void dt_now_ts(int64_t *sec, uint32_t *nsec)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	*sec = t.tv_sec;
	*nsec = (uint32_t)t.tv_nsec;
}

void dt_touch_mc(struct dt_irec *r)
{
	dt_now_ts(&r->mtime_sec, &r->mtime_nsec);
	r->ctime_sec = r->mtime_sec;
	r->ctime_nsec = r->mtime_nsec;
}

void dt_touch_c(struct dt_irec *r)
{
	dt_now_ts(&r->ctime_sec, &r->ctime_nsec);
}

void dt_put_irec(rocksdb_writebatch_t *wb, uint64_t ino,
		 const struct dt_irec *r)
{
	char k[DT_KEY_MAX];

	rocksdb_writebatch_put(wb, k, dt_key(k, DT_K_INODE, ino),
			       (const char *)r, sizeof(*r));
}

void dt_fill_stat(uint64_t ino, const struct dt_irec *r, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = r->mode;
	st->st_nlink = r->nlink;
	st->st_uid = r->uid;
	st->st_gid = r->gid;
	st->st_size = (off_t)r->size;
	st->st_blocks = (blkcnt_t)r->blocks;
	st->st_blksize = DT_BLOCK_SIZE;
	st->st_rdev = r->rdev;
	st->st_atim.tv_sec = r->atime_sec;
	st->st_atim.tv_nsec = r->atime_nsec;
	st->st_mtim.tv_sec = r->mtime_sec;
	st->st_mtim.tv_nsec = r->mtime_nsec;
	st->st_ctim.tv_sec = r->ctime_sec;
	st->st_ctim.tv_nsec = r->ctime_nsec;
}

/* ---- mounting ------------------------------------------------------------ */

/* Inodes unlinked while open when the daemon stopped: gone now. */
static int reclaim_orphans(struct dt_fs *fs)
{
	rocksdb_iterator_t *it = rocksdb_create_iterator(fs->st.db, fs->st.ro);
	char k = DT_K_ORPHAN;
	uint64_t *list = NULL;
	size_t n = 0, cap = 0;
	int ret;

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
	ret = dt_store_iter_err(it, "orphan scan", 0);
	rocksdb_iter_destroy(it);
	for (size_t i = 0; i < n; i++) {
		struct dt_inode *in;

		if (dt_iget(fs, list[i], &in)) {
			/* no inode left: only the orphan record */
			rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
			char key[9];

			rocksdb_writebatch_delete(
				wb, key, dt_key(key, DT_K_ORPHAN, list[i]));
			dt_store_commit(&fs->st, wb, 1);
			rocksdb_writebatch_destroy(wb);
			continue;
		}
		in->rec.nlink = 0; /* an orphan is unlinked by definition */
		dt_iput(fs, in);
	}
	free(list);
	return ret;
}

/* Roll back what a power cut kept from the disk, rebuild the allocator. */
static int recover(struct dt_fs *fs)
{
	rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
	size_t len;
	int ret = dt_data_scan(&fs->st, wb, 0, NULL, NULL, NULL);

	rocksdb_writebatch_data(wb, &len);
	if (!ret && rocksdb_writebatch_count(wb))
		ret = dt_store_commit(&fs->st, wb, 1);
	rocksdb_writebatch_destroy(wb);
	if (fs->st.recovered)
		fprintf(stderr,
			"dtfs: %s: unclean shutdown: %llu data blocks written "
			"after the last sync had not reached the disk; they "
			"went back to what they held at that sync\n",
			fs->st.path, (unsigned long long)fs->st.recovered);
	if (fs->st.lost)
		fprintf(stderr,
			"dtfs: %s: unclean shutdown: %llu data blocks written "
			"after the last sync had not reached the disk and "
			"their previous version is damaged too: they read as "
			"EIO; run dtfs-fsck\n",
			fs->st.path, (unsigned long long)fs->st.lost);
	return ret;
}

int dt_fs_open(const char *path, const struct dt_fs_opts *o, struct dt_fs **out,
	       char *err, size_t errlen)
{
	struct dt_fs *fs = calloc(1, sizeof(*fs));
	struct dt_store_opts so = {.create = o->create,
				   .readonly = o->readonly};
	int ret;

	if (!fs)
		return -ENOMEM;
	fs->readonly = o->readonly;
	pthread_mutex_init(&fs->table_lock, NULL);
	pthread_mutex_init(&fs->ns_lock, NULL);
	pthread_mutex_init(&fs->ino_lock, NULL);
	ret = dt_store_open(&fs->st, path, &so, err, errlen);
	fs->next_ino = fs->st.next_ino;
	if (!ret)
		ret = dt_mcache_init(fs);
	if (!ret && !o->readonly) {
		ret = recover(fs);
		if (!ret)
			ret = reclaim_orphans(fs);
		if (!ret)
			ret = dt_store_start(&fs->st);
		if (ret)
			snprintf(err, errlen,
				 "%s: cannot recover the store: %s", path,
				 strerror(-ret));
	}
	if (ret) {
		dt_store_close(&fs->st);
		dt_mcache_free(fs);
		free(fs);
		return ret;
	}
	/* The root stays loaded until dt_fs_close: the kernel never looks it
	 * up, so it holds no lookup reference, and without this every
	 * operation in it read its record from the store again (2 of the 3
	 * gets of an unlink). A store without a root is fsck's to report. */
	{
		struct dt_inode *root;

		if (!dt_iget(fs, DT_ROOT_INO, &root))
			(void)root; /* the reference is dropped by close */
	}
	*out = fs;
	return 0;
}

void dt_fs_set_state(struct dt_fs *fs, const char *state)
{
	dt_store_set_state(&fs->st, state);
}

void dt_fs_close(struct dt_fs *fs)
{
	/* The kernel is gone: whatever is still referenced goes now; orphans
	 * among them are reclaimed (no one can open them any more). */
	for (int h = 0; h < DT_HASH_SIZE; h++) {
		while (fs->hash[h]) {
			struct dt_inode *in = fs->hash[h];

			fs->hash[h] = in->hnext;
			if (in->rec.nlink == 0 && !in->deleted && !fs->readonly)
				reclaim(fs, in);
			pthread_rwlock_destroy(&in->lock);
			free(in);
		}
	}
	dt_store_close(&fs->st);
	dt_mcache_free(fs);
	pthread_mutex_destroy(&fs->table_lock);
	pthread_mutex_destroy(&fs->ns_lock);
	pthread_mutex_destroy(&fs->ino_lock);
	free(fs);
}

/* ---- attributes ---------------------------------------------------------- */

int dt_getattr(struct dt_fs *fs, uint64_t ino, struct stat *st)
{
	struct dt_inode *in;
	int ret = dt_iget(fs, ino, &in);

	if (ret)
		return ret;
	pthread_rwlock_rdlock(&in->lock);
	dt_fill_stat(ino, &in->rec, st);
	pthread_rwlock_unlock(&in->lock);
	dt_iput(fs, in);
	return 0;
}

/* The access time after a read that reached dtfs (dtfs(7), FILESYSTEM
 * SEMANTICS): FUSE marks its inodes S_NOATIME, so the kernel never sets it
 * and a read served from the page cache never arrives; relatime updates it
 * when it is not newer than the last change or is a day old, strictatime on
 * every read. Nothing is written when nothing changes. */
static int atime_due(const struct dt_irec *r, int mode, int64_t now)
{
	if (mode == DT_ATIME_STRICT)
		return 1;
	if (r->atime_sec < r->mtime_sec ||
	    (r->atime_sec == r->mtime_sec && r->atime_nsec <= r->mtime_nsec))
		return 1;
	if (r->atime_sec < r->ctime_sec ||
	    (r->atime_sec == r->ctime_sec && r->atime_nsec <= r->ctime_nsec))
		return 1;
	return now - r->atime_sec >= 24 * 3600;
}

int dt_touch_atime(struct dt_fs *fs, uint64_t ino, int mode)
{
	struct dt_inode *in;
	rocksdb_writebatch_t *wb;
	struct dt_irec save;
	struct timespec now;
	int ret, due;

	if (mode == DT_ATIME_NONE)
		return 0;
	ret = dt_iget(fs, ino, &in);
	if (ret)
		return ret;
	clock_gettime(CLOCK_REALTIME, &now);
	pthread_rwlock_rdlock(&in->lock);
	due = !in->deleted && atime_due(&in->rec, mode, now.tv_sec);
	pthread_rwlock_unlock(&in->lock);
	if (!due) {
		dt_iput(fs, in);
		return 0;
	}
	wb = rocksdb_writebatch_create();
	pthread_rwlock_wrlock(&in->lock);
	save = in->rec;
	if (!in->deleted && atime_due(&in->rec, mode, now.tv_sec)) {
		dt_now_ts(&in->rec.atime_sec, &in->rec.atime_nsec);
		dt_put_irec(wb, ino, &in->rec);
		ret = dt_store_commit(&fs->st, wb, 0);
		if (ret)
			in->rec = save;
	}
	pthread_rwlock_unlock(&in->lock);
	rocksdb_writebatch_destroy(wb);
	dt_iput(fs, in);
	return ret;
}

int dt_setattr(struct dt_fs *fs, uint64_t ino, const struct stat *s, int valid,
	       struct stat *out)
{
	struct dt_inode *in;
	rocksdb_writebatch_t *wb;
	struct dt_irec save;
	struct dt_op op;
	int ret = dt_iget(fs, ino, &in), sized = 0;

	if (ret)
		return ret;
	wb = rocksdb_writebatch_create();
	pthread_rwlock_wrlock(&in->lock);
	save = in->rec;
	if (in->deleted) { /* raced with the unlink of its last name */
		ret = -ENOENT;
		goto out;
	}
	if ((valid & DT_SET_SIZE) && !S_ISREG(in->rec.mode)) {
		ret = S_ISDIR(in->rec.mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	if ((valid & DT_SET_SIZE) && s->st_size < 0) {
		ret = -EINVAL;
		goto out;
	}
	if (valid & DT_SET_MODE) {
		in->rec.mode = (in->rec.mode & S_IFMT) | (s->st_mode & 07777);
		ret = dt_acl_on_chmod(fs, wb, in);
		if (ret)
			goto out;
	}
	if (valid & DT_SET_UID)
		in->rec.uid = s->st_uid;
	if (valid & DT_SET_GID)
		in->rec.gid = s->st_gid;
	if (valid & DT_SET_SIZE) {
		dt_op_begin(fs, &op);
		sized = 1;
		ret = dt_truncate_locked(fs, wb, in, (uint64_t)s->st_size, &op);
		if (ret)
			goto out;
		dt_touch_mc(&in->rec);
	}
	if (valid & DT_SET_ATIME_NOW) {
		dt_now_ts(&in->rec.atime_sec, &in->rec.atime_nsec);
	} else if (valid & DT_SET_ATIME) {
		in->rec.atime_sec = s->st_atim.tv_sec;
		in->rec.atime_nsec = (uint32_t)s->st_atim.tv_nsec;
	}
	if (valid & DT_SET_MTIME_NOW) {
		dt_now_ts(&in->rec.mtime_sec, &in->rec.mtime_nsec);
	} else if (valid & DT_SET_MTIME) {
		in->rec.mtime_sec = s->st_mtim.tv_sec;
		in->rec.mtime_nsec = (uint32_t)s->st_mtim.tv_nsec;
	}
	dt_touch_c(&in->rec);
	if (valid & DT_SET_CTIME) {
		in->rec.ctime_sec = s->st_ctim.tv_sec;
		in->rec.ctime_nsec = (uint32_t)s->st_ctim.tv_nsec;
	}
	dt_put_irec(wb, ino, &in->rec);
	ret = dt_store_commit(&fs->st, wb, 1);
out:
	if (sized)
		dt_op_end(&op, !ret);
	if (ret)
		in->rec = save;
	else if (out)
		dt_fill_stat(ino, &in->rec, out);
	pthread_rwlock_unlock(&in->lock);
	rocksdb_writebatch_destroy(wb);
	dt_iput(fs, in);
	return ret;
}

int dt_cred_in_group(const struct dt_cred *c, gid_t gid)
{
	return c->gid == gid || (c->in_group && c->in_group(c, gid));
}

int dt_cred_capable_fsetid(const struct dt_cred *c)
{
	return c->capable ? c->capable(c) : c->uid == 0;
}

/* The bits should_remove_suid() would kill in @mode for @c (before the
 * CAP_FSETID check). */
static mode_t privs_to_kill(mode_t mode, gid_t gid, const struct dt_cred *c)
{
	mode_t kill = 0;

	if (!S_ISREG(mode))
		return 0;
	if (mode & S_ISUID)
		kill |= S_ISUID;
	/* setattr_should_drop_sgid(): with group exec a real set-group-ID,
	 * without it kept only for members of the group */
	if ((mode & S_ISGID) && ((mode & S_IXGRP) || !dt_cred_in_group(c, gid)))
		kill |= S_ISGID;
	return kill;
}

/* ---- security.capability: file capabilities ------------------------------ */

static const char fcaps_name[] = "security.capability";

/* Whether @in (locked, either way) may have file capabilities: without a
 * look-up, so that a write asks the store nothing (in->fcaps). */
static int fcaps_maybe(const struct dt_inode *in)
{
	return (in->rec.flags & DT_IF_XATTR) && in->fcaps != 1;
}

/* Remove the file capabilities of @in (write-locked), if any, into @wb:
 * 1 if there were, 0, or -errno. If @wb is not committed, in->fcaps must
 * go back to 0 (not looked up). */
static int fcaps_kill(struct dt_fs *fs, rocksdb_writebatch_t *wb,
		      struct dt_inode *in)
{
	char k[DT_KEY_MAX], *v;
	size_t kl, vl;
	int ret;

	if (!fcaps_maybe(in))
		return 0;
	kl = dt_keyname(k, DT_K_XATTR, in->ino, fcaps_name);
	if (in->fcaps == 0) {
		ret = dt_store_get(&fs->st, k, kl, &v, &vl);
		if (ret && ret != -ENOENT)
			return ret;
		if (!ret)
			free(v);
		in->fcaps = ret ? 1 : 2;
	}
	if (in->fcaps != 2)
		return 0;
	rocksdb_writebatch_delete(wb, k, kl);
	in->fcaps = 1;
	return 1;
}

/* Drop @kill from the mode of @in (write-locked) and its file
 * capabilities, in one commit: the mode bits dropped, or -errno. */
static int kill_privs(struct dt_fs *fs, struct dt_inode *in, mode_t kill)
{
	rocksdb_writebatch_t *wb;
	struct dt_irec save = in->rec;
	int ret, caps;

	if (in->deleted)
		return -ENOENT;
	wb = rocksdb_writebatch_create();
	caps = fcaps_kill(fs, wb, in);
	ret = caps < 0 ? caps : 0;
	if (caps > 0 || (caps == 0 && kill)) {
		in->rec.mode &= ~kill;
		dt_touch_c(&in->rec);
		dt_put_irec(wb, in->ino, &in->rec);
		ret = dt_store_commit(&fs->st, wb, 0);
		if (ret) {
			in->rec = save;
			in->fcaps = 0;
		} else {
			ret = (int)kill;
		}
	}
	rocksdb_writebatch_destroy(wb);
	return ret;
}

/* Kill what @want says for @in, for the caller @c: the mode bits dropped,
 * or -errno. @want is called with @in locked and says the mode bits. */
static int remove_privs(struct dt_fs *fs, uint64_t ino, const struct dt_cred *c,
			mode_t (*want)(const struct dt_inode *in,
				       const struct dt_cred *c, int *capable))
{
	struct dt_inode *in;
	mode_t kill;
	int ret = dt_iget(fs, ino, &in), capable = -1, caps;

	if (ret)
		return ret;
	/* the common case, nothing to drop, under the read lock only */
	pthread_rwlock_rdlock(&in->lock);
	kill = want(in, c, &capable);
	caps = fcaps_maybe(in);
	pthread_rwlock_unlock(&in->lock);
	if (!kill && !caps) {
		dt_iput(fs, in);
		return 0;
	}
	pthread_rwlock_wrlock(&in->lock);
	ret = kill_privs(fs, in, want(in, c, &capable));
	pthread_rwlock_unlock(&in->lock);
	dt_iput(fs, in);
	return ret;
}

/* Asks CAP_FSETID once per operation: from /proc in dtfs. */
static int capable_once(const struct dt_cred *c, int *capable)
{
	if (*capable < 0)
		*capable = dt_cred_capable_fsetid(c);
	return *capable;
}

/* write, truncate, fallocate: should_remove_suid() */
static mode_t write_kills(const struct dt_inode *in, const struct dt_cred *c,
			  int *capable)
{
	mode_t kill = privs_to_kill(in->rec.mode, in->rec.gid, c);

	return kill && !capable_once(c, capable) ? kill : 0;
}

/* chown, chgrp: notify_change() for chown_common(): set-user-ID always,
 * set-group-ID by setattr_should_drop_sgid(), of any non-directory */
static mode_t chown_kills(const struct dt_inode *in, const struct dt_cred *c,
			  int *capable)
{
	mode_t mode = in->rec.mode, kill = 0;

	if (S_ISDIR(mode))
		return 0;
	if (mode & S_ISUID)
		kill |= S_ISUID;
	if ((mode & S_ISGID) &&
	    ((mode & S_IXGRP) ||
	     (!dt_cred_in_group(c, in->rec.gid) && !capable_once(c, capable))))
		kill |= S_ISGID;
	return kill;
}

int dt_remove_privs(struct dt_fs *fs, uint64_t ino, const struct dt_cred *c)
{
	return remove_privs(fs, ino, c, write_kills);
}

int dt_chown_privs(struct dt_fs *fs, uint64_t ino, const struct dt_cred *c)
{
	return remove_privs(fs, ino, c, chown_kills);
}

/* ---- open handles -------------------------------------------------------- */

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
	ret = dt_iget(fs, ino, &in);
	if (ret)
		return ret;
	pthread_mutex_lock(&fs->table_lock);
	if (in->deleted) {
		/* an open that raced with the unlink of its last name:
		 * as if it came after it */
		pthread_mutex_unlock(&fs->table_lock);
		dt_iput(fs, in);
		return -ENOENT;
	}
	in->nopen++;
	in->nref--;
	pthread_mutex_unlock(&fs->table_lock);
	return 0;
}

int dt_release(struct dt_fs *fs, uint64_t ino)
{
	struct dt_inode *in;
	int ret = dt_iget(fs, ino, &in);

	if (ret)
		return ret;
	dt_iput_counts(fs, in, 1, 0, 1);
	return 0;
}

/* ---- the filesystem ------------------------------------------------------ */

int dt_statfs(struct dt_fs *fs, struct statvfs *sv)
{
	if (fstatvfs(fs->st.lockfd, sv) < 0)
		return -errno;
	/* the space reserve is not for files: df shows full at ENOSPC; and
	 * every data block written costs metadata too (its map slot in the
	 * WAL and later a table, under 64 bytes): what is left is shown less
	 * that share, so that a file as large as df says fits, as on a disk
	 * filesystem whose metadata has its own room (xfstests generic/103) */
	if (sv->f_frsize && !fs->readonly) {
		fsblkcnt_t r =
			(fsblkcnt_t)(fs->st.space_reserve / sv->f_frsize);

		sv->f_bavail = sv->f_bavail > r ? sv->f_bavail - r : 0;
		sv->f_bfree = sv->f_bfree > r ? sv->f_bfree - r : 0;
		sv->f_bavail -= sv->f_bavail / (DT_BLOCK_SIZE / 64 + 1);
		sv->f_bfree -= sv->f_bfree / (DT_BLOCK_SIZE / 64 + 1);
	}
	sv->f_namemax = DT_NAME_MAX;
	sv->f_fsid = 0x64746673; /* "dtfs" */
	return 0;
}
