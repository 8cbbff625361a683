// SPDX-License-Identifier: GPL-2.0
/*
 * Extended attributes: one record per name. An inode that never had one
 * (no DT_IF_XATTR) answers without asking the store: the kernel asks for
 * security.capability on every write unless dtfs handles it (killpriv_v2,
 * dtfs(7), "Set-ID bits").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include "fs.h"

/* file capabilities: dt_inode.fcaps follows them (inode.c) */
static const char fcaps_name[] = "security.capability";

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
	char k[DT_KEY_MAX], *v = NULL;
	size_t kl, vl;
	int ret = xattr_check_name(name), exists = 0;

	if (ret)
		return ret;
	if (size > DT_XATTR_SIZE_MAX)
		return -E2BIG;
	ret = dt_iget(fs, ino, &in);
	if (ret)
		return ret;
	kl = dt_keyname(k, DT_K_XATTR, ino, name);
	pthread_rwlock_wrlock(&in->lock);
	save = in->rec;
	if (in->deleted) {
		ret = -ENOENT;
		goto out;
	}
	if (in->rec.flags & DT_IF_XATTR) {
		ret = dt_store_get(&fs->st, k, kl, &v, &vl);
		free(v);
		if (ret && ret != -ENOENT)
			goto out;
		exists = !ret;
	}
	if ((flags & XATTR_CREATE) && exists) {
		ret = -EEXIST;
		goto out;
	}
	if ((flags & XATTR_REPLACE) && !exists) {
		ret = -ENODATA;
		goto out;
	}
	wb = rocksdb_writebatch_create();
	rocksdb_writebatch_put(wb, k, kl, value, size);
	in->rec.flags |= DT_IF_XATTR;
	dt_touch_c(&in->rec);
	dt_put_irec(wb, ino, &in->rec);
	ret = dt_store_commit(&fs->st, wb, 0);
	rocksdb_writebatch_destroy(wb);
	if (!ret && !strcmp(name, fcaps_name))
		in->fcaps = 2;
out:
	if (ret)
		in->rec = save;
	pthread_rwlock_unlock(&in->lock);
	dt_iput(fs, in);
	return ret;
}

/* Whether @ino ever had an xattr (0/1), or -errno. */
static int has_xattrs(struct dt_fs *fs, uint64_t ino)
{
	struct dt_inode *in;
	int ret = dt_iget(fs, ino, &in);

	if (ret)
		return ret;
	pthread_rwlock_rdlock(&in->lock);
	ret = !!(in->rec.flags & DT_IF_XATTR);
	pthread_rwlock_unlock(&in->lock);
	dt_iput(fs, in);
	return ret;
}

ssize_t dt_getxattr(struct dt_fs *fs, uint64_t ino, const char *name, void *buf,
		    size_t size)
{
	char k[DT_KEY_MAX], *v;
	size_t vl;
	ssize_t ret = xattr_check_name(name);

	if (ret)
		return ret == -ERANGE ? -ENODATA : ret;
	ret = has_xattrs(fs, ino);
	if (ret <= 0)
		return ret ? ret : -ENODATA;
	ret = dt_store_get(&fs->st, k, dt_keyname(k, DT_K_XATTR, ino, name), &v,
			   &vl);
	if (ret)
		return ret == -ENOENT ? -ENODATA : ret;
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
	rocksdb_iterator_t *it;
	char lo[9];
	size_t total = 0;
	ssize_t ret = has_xattrs(fs, ino);

	if (ret <= 0)
		return ret;
	it = rocksdb_create_iterator(fs->st.db, fs->st.ro);
	dt_key(lo, DT_K_XATTR, ino);
	for (rocksdb_iter_seek(it, lo, 9); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl;
		const char *key = rocksdb_iter_key(it, &kl);
		size_t nl = kl - 9;

		if (kl <= 9 || memcmp(key, lo, 9))
			break;
		if (size && total + nl + 1 <= size) {
			memcpy(buf + total, key + 9, nl);
			buf[total + nl] = 0;
		}
		total += nl + 1;
	}
	ret = dt_store_iter_err(it, "listxattr", ino);
	rocksdb_iter_destroy(it);
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
	ret = dt_iget(fs, ino, &in);
	if (ret)
		return ret;
	wb = rocksdb_writebatch_create();
	pthread_rwlock_wrlock(&in->lock);
	rocksdb_writebatch_delete(wb, k, dt_keyname(k, DT_K_XATTR, ino, name));
	dt_touch_c(&in->rec);
	dt_put_irec(wb, ino, &in->rec);
	ret = in->deleted ? -ENOENT : dt_store_commit(&fs->st, wb, 1);
	if (!ret && !strcmp(name, fcaps_name))
		in->fcaps = 1;
	pthread_rwlock_unlock(&in->lock);
	rocksdb_writebatch_destroy(wb);
	dt_iput(fs, in);
	return ret;
}

/* ---- POSIX ACLs (acl.c) ---------------------------------------------------- */

/* The value of xattr @name of @in (locked), or -ENOENT. */
static int xattr_get_locked(struct dt_fs *fs, struct dt_inode *in,
			    const char *name, char **v, size_t *vl)
{
	char k[DT_KEY_MAX];

	if (!(in->rec.flags & DT_IF_XATTR))
		return -ENOENT;
	return dt_store_get(&fs->st, k,
			    dt_keyname(k, DT_K_XATTR, in->ino, name), v, vl);
}

int dt_acl_on_chmod(struct dt_fs *fs, rocksdb_writebatch_t *wb,
		    struct dt_inode *in)
{
	char k[DT_KEY_MAX], *v;
	size_t vl;
	int ret = xattr_get_locked(fs, in, dt_acl_access, &v, &vl);

	if (ret)
		return ret == -ENOENT ? 0 : ret;
	if (dt_acl_check(v, vl) > 0) {
		dt_acl_chmod(v, vl, in->rec.mode);
		rocksdb_writebatch_put(
			wb, k,
			dt_keyname(k, DT_K_XATTR, in->ino, dt_acl_access), v,
			vl);
	}
	free(v);
	return 0;
}

int dt_acl_inherit(struct dt_fs *fs, rocksdb_writebatch_t *wb,
		   struct dt_inode *dir, uint64_t ino, struct dt_irec *r)
{
	char k[DT_KEY_MAX], *v;
	size_t vl;
	mode_t mode = r->mode;
	int ret = xattr_get_locked(fs, dir, dt_acl_default, &v, &vl);

	if (ret)
		return ret == -ENOENT ? 0 : ret;
	if (dt_acl_check(v, vl) <= 0) { /* stored by hand, not by the kernel */
		free(v);
		return 0;
	}
	if (S_ISDIR(r->mode)) {
		rocksdb_writebatch_put(
			wb, k, dt_keyname(k, DT_K_XATTR, ino, dt_acl_default),
			v, vl);
		r->flags |= DT_IF_XATTR;
	}
	if (dt_acl_create_masq(v, vl, &mode)) {
		rocksdb_writebatch_put(
			wb, k, dt_keyname(k, DT_K_XATTR, ino, dt_acl_access), v,
			vl);
		r->flags |= DT_IF_XATTR;
	}
	r->mode = mode;
	free(v);
	return 0;
}

int dt_has_default_acl(struct dt_fs *fs, uint64_t ino)
{
	ssize_t n = dt_getxattr(fs, ino, dt_acl_default, NULL, 0);

	return n == -ENODATA ? 0 : n < 0 ? (int)n : n > 4;
}

int dt_set_acl(struct dt_fs *fs, uint64_t ino, int dflt, const void *value,
	       size_t size, const struct dt_cred *c)
{
	const char *name = dflt ? dt_acl_default : dt_acl_access;
	struct dt_inode *in;
	rocksdb_writebatch_t *wb;
	struct dt_irec save;
	char k[DT_KEY_MAX];
	size_t kl;
	int n = dt_acl_check(value, size), keep = n > 0, ret;

	if (n < 0)
		return n;
	ret = dt_iget(fs, ino, &in);
	if (ret)
		return ret;
	kl = dt_keyname(k, DT_K_XATTR, ino, name);
	wb = rocksdb_writebatch_create();
	pthread_rwlock_wrlock(&in->lock);
	save = in->rec;
	if (in->deleted) {
		ret = -ENOENT;
		goto out;
	}
	if (dflt && !S_ISDIR(in->rec.mode)) {
		ret = -EACCES;
		goto out;
	}
	if (!dflt) {
		mode_t mode = in->rec.mode;

		/* posix_acl_update_mode(): an ACL the mode says alone goes */
		if (keep)
			keep = dt_acl_equiv_mode(value, size, &mode);
		if (!dt_cred_in_group(c, (gid_t)in->rec.gid) &&
		    !dt_cred_capable_fsetid(c))
			mode &= ~(mode_t)S_ISGID;
		in->rec.mode = mode;
	}
	if (keep) {
		rocksdb_writebatch_put(wb, k, kl, value, size);
		in->rec.flags |= DT_IF_XATTR;
	} else {
		rocksdb_writebatch_delete(wb, k, kl);
	}
	dt_touch_c(&in->rec);
	dt_put_irec(wb, ino, &in->rec);
	ret = dt_store_commit(&fs->st, wb, 0);
out:
	if (ret)
		in->rec = save;
	pthread_rwlock_unlock(&in->lock);
	rocksdb_writebatch_destroy(wb);
	dt_iput(fs, in);
	return ret;
}
