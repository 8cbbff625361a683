// SPDX-License-Identifier: GPL-2.0
/*
 * Directory listings: a handle lists its directory (with "." and "..") when
 * it is first read, and again whenever it is read from offset 0
 * (rewinddir, or a seek to 0): POSIX wants a rewound stream to show the
 * directory as it is now, names created after opendir included. Offsets
 * are positions in the listing, stable until the next read from 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs.h"

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
	struct dt_fs *fs;
	uint64_t ino;
	int listed; /* a listing was taken (dir_fill) */
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

/* List directory @ino into @d (emptied first): ".", "..", then the
 * entries in key order. */
static int dir_fill(struct dt_fs *fs, uint64_t ino, struct dt_dir *d)
{
	struct dt_irec r;
	rocksdb_iterator_t *it;
	char lo[9];
	int ret = dt_store_get_irec(&fs->st, ino, &r);

	if (ret)
		return ret;
	if (!S_ISDIR(r.mode))
		return -ENOTDIR;
	d->n = 0;
	d->names_len = 0;
	ret = dir_add(d, ".", 1, ino, S_IFDIR);
	if (!ret)
		ret = dir_add(d, "..", 2, r.parent, S_IFDIR);
	it = rocksdb_create_iterator(fs->st.db, fs->st.ro);
	dt_key(lo, DT_K_DIRENT, ino);
	for (rocksdb_iter_seek(it, lo, 9); !ret && rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl, vl;
		const char *key = rocksdb_iter_key(it, &kl);
		const char *v;
		uint64_t child;
		uint32_t type;

		if (kl <= 9 || memcmp(key, lo, 9))
			break;
		v = rocksdb_iter_value(it, &vl);
		if (dt_dirent_decode(v, vl, &child, &type))
			continue; /* fsck's business; lookup says EUCLEAN */
		ret = dir_add(d, key + 9, kl - 9, child, type);
	}
	if (!ret)
		ret = dt_store_iter_err(it, "readdir", ino);
	rocksdb_iter_destroy(it);
	return ret;
}

int dt_opendir(struct dt_fs *fs, uint64_t ino, struct dt_dir **out)
{
	struct dt_irec r;
	struct dt_dir *d;
	int ret = dt_store_get_irec(&fs->st, ino, &r);

	if (ret)
		return ret;
	if (!S_ISDIR(r.mode))
		return -ENOTDIR;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fs = fs;
	d->ino = ino;
	*out = d;
	return 0;
}

int dt_dir_rewind(struct dt_fs *fs, uint64_t ino, struct dt_dir *d)
{
	int ret = dir_fill(fs, ino, d);

	d->listed = !ret;
	return ret;
}

int dt_dir_entry(struct dt_dir *d, size_t idx, const char **name,
		 struct stat *st)
{
	if (!d->listed) {
		int ret = dt_dir_rewind(d->fs, d->ino, d);

		if (ret)
			return ret;
	}
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
