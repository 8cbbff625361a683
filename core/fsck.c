// SPDX-License-Identifier: GPL-2.0
/*
 * Offline consistency check of a store: dirents against inodes, link
 * counts, directory parents, data chunks against sizes and block counts,
 * symlink targets, xattrs and orphans of dead inodes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct fsck_ino {
	uint64_t ino;
	struct dt_irec rec;
	uint64_t links; /* dirents naming it */
	uint64_t subdirs; /* directories among its entries */
	uint64_t blocks; /* counted from its chunks */
	int orphan;
	int has_link;
};

struct fsck {
	struct fsck_ino *v;
	size_t n, cap;
	long problems;
	FILE *out;
};

static struct fsck_ino *find(struct fsck *f, uint64_t ino)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (f->v[mid].ino == ino)
			return &f->v[mid];
		if (f->v[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void problem(struct fsck *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void problem(struct fsck *f, const char *fmt, ...)
{
	va_list ap;

	f->problems++;
	va_start(ap, fmt);
	vfprintf(f->out, fmt, ap);
	va_end(ap);
	fputc('\n', f->out);
}

/* Iterate all keys with prefix @type, calling @fn. */
static void scan(struct dt_fs *fs, char type, struct fsck *f,
		 void (*fn)(struct fsck *, const char *, size_t, const char *,
			    size_t))
{
	/* unlike the daemon's reads, fsck verifies every block's checksum */
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	rocksdb_iterator_t *it;
	char *err = NULL;

	rocksdb_readoptions_set_verify_checksums(ro, 1);
	it = rocksdb_create_iterator(fs->db, ro);
	for (rocksdb_iter_seek(it, &type, 1); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl, vl;
		const char *k = rocksdb_iter_key(it, &kl);
		const char *v = rocksdb_iter_value(it, &vl);

		if (!kl || k[0] != type)
			break;
		fn(f, k, kl, v, vl);
	}
	/* a damaged block ends the iteration: say so, never stop quietly */
	rocksdb_iter_get_error(it, &err);
	if (err) {
		problem(f, "store unreadable after key type '%c': %s", type,
			err);
		free(err);
	}
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
}

static void load_inode(struct fsck *f, const char *k, size_t kl, const char *v,
		       size_t vl)
{
	struct fsck_ino *i;

	if (kl != 9 || vl != sizeof(struct dt_irec)) {
		problem(f, "inode record with bad key/value size (%zu/%zu)", kl,
			vl);
		return;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 1024;
		struct fsck_ino *nv = realloc(f->v, cap * sizeof(*nv));

		if (!nv)
			return;
		f->v = nv;
		f->cap = cap;
	}
	i = &f->v[f->n++];
	memset(i, 0, sizeof(*i));
	i->ino = dt_get_be64(k + 1);
	memcpy(&i->rec, v, sizeof(i->rec));
}

static void check_dirent(struct fsck *f, const char *k, size_t kl,
			 const char *v, size_t vl)
{
	uint64_t dir = dt_get_be64(k + 1), child;
	struct fsck_ino *d = find(f, dir), *c;

	if (kl <= 9 || vl != 9) {
		problem(f, "directory %llu: malformed entry",
			(unsigned long long)dir);
		return;
	}
	memcpy(&child, v, 8);
	c = find(f, child);
	if (!d || !S_ISDIR(d->rec.mode))
		problem(f, "entry '%.*s' in %llu, which is not a directory",
			(int)(kl - 9), k + 9, (unsigned long long)dir);
	if (!c) {
		problem(f,
			"entry '%.*s' in directory %llu names missing inode "
			"%llu",
			(int)(kl - 9), k + 9, (unsigned long long)dir,
			(unsigned long long)child);
		return;
	}
	c->links++;
	if (((unsigned)(unsigned char)v[8] << 12) != (c->rec.mode & S_IFMT))
		problem(f, "entry '%.*s' in %llu: type differs from inode %llu",
			(int)(kl - 9), k + 9, (unsigned long long)dir,
			(unsigned long long)child);
	if (S_ISDIR(c->rec.mode)) {
		if (d)
			d->subdirs++;
		if (c->rec.parent != dir)
			problem(f,
				"directory %llu: parent is %llu, but it is "
				"named in %llu",
				(unsigned long long)child,
				(unsigned long long)c->rec.parent,
				(unsigned long long)dir);
	}
}

static void check_chunk(struct fsck *f, const char *k, size_t kl, const char *v,
			size_t vl)
{
	uint64_t ino = dt_get_be64(k + 1), idx;
	struct fsck_ino *i = find(f, ino);

	(void)v;
	if (kl != 17) {
		problem(f, "data key of inode %llu malformed",
			(unsigned long long)ino);
		return;
	}
	idx = dt_get_be64(k + 9);
	if (!i) {
		problem(f, "data chunk %llu of missing inode %llu",
			(unsigned long long)idx, (unsigned long long)ino);
		return;
	}
	if (vl > DT_CHUNK_SIZE || idx * DT_CHUNK_SIZE + vl > i->rec.size)
		problem(f,
			"inode %llu: chunk %llu holds %zu bytes past size %llu",
			(unsigned long long)ino, (unsigned long long)idx, vl,
			(unsigned long long)i->rec.size);
	i->blocks += ((vl + 4095) & ~4095ULL) >> 9;
}

static void check_link(struct fsck *f, const char *k, size_t kl, const char *v,
		       size_t vl)
{
	struct fsck_ino *i = find(f, dt_get_be64(k + 1));

	(void)v;
	(void)kl;
	if (!i || !S_ISLNK(i->rec.mode) || i->rec.size != vl)
		problem(f,
			"symlink target of inode %llu without a matching "
			"symlink",
			(unsigned long long)dt_get_be64(k + 1));
	else
		i->has_link = 1;
}

static void check_orphan(struct fsck *f, const char *k, size_t kl,
			 const char *v, size_t vl)
{
	struct fsck_ino *i = find(f, dt_get_be64(k + 1));

	(void)v;
	(void)vl;
	(void)kl;
	if (i)
		i->orphan = 1;
}

static void check_xattr(struct fsck *f, const char *k, size_t kl, const char *v,
			size_t vl)
{
	(void)v;
	(void)vl;
	if (kl <= 9 || !find(f, dt_get_be64(k + 1)))
		problem(f, "xattr of missing inode %llu",
			(unsigned long long)dt_get_be64(k + 1));
}

long dt_fsck(struct dt_fs *fs, FILE *out, int verbose)
{
	struct fsck f = {.out = out};
	long pending = 0;

	scan(fs, DT_K_INODE, &f, load_inode);
	if (!find(&f, DT_ROOT_INO))
		problem(&f, "root inode missing");
	scan(fs, DT_K_DIRENT, &f, check_dirent);
	scan(fs, DT_K_DATA, &f, check_chunk);
	scan(fs, DT_K_LINK, &f, check_link);
	scan(fs, DT_K_ORPHAN, &f, check_orphan);
	scan(fs, DT_K_XATTR, &f, check_xattr);
	for (size_t n = 0; n < f.n; n++) {
		struct fsck_ino *i = &f.v[n];
		unsigned long long ino = i->ino;
		uint64_t want;

		if (i->ino >= fs->next_ino)
			problem(&f, "inode %llu beyond next inode number %llu",
				ino, (unsigned long long)fs->next_ino);
		if (S_ISDIR(i->rec.mode)) {
			want = i->links || i->ino == DT_ROOT_INO
				       ? 2 + i->subdirs
				       : 0;
		} else {
			want = i->links;
		}
		if (want == 0 && i->ino != DT_ROOT_INO) {
			if (i->orphan && i->rec.nlink == 0) {
				pending++;
				if (verbose)
					fprintf(out,
						"inode %llu: unlinked while "
						"open; reclaimed at next "
						"mount\n",
						ino);
			} else {
				problem(&f,
					"inode %llu: no directory entry and "
					"not an orphan (nlink %u)",
					ino, i->rec.nlink);
			}
			continue;
		}
		if (i->rec.nlink != want)
			problem(&f, "inode %llu: nlink %u, counted %llu", ino,
				i->rec.nlink, (unsigned long long)want);
		if (i->blocks != i->rec.blocks)
			problem(&f,
				"inode %llu: %llu blocks recorded, %llu stored",
				ino, (unsigned long long)i->rec.blocks,
				(unsigned long long)i->blocks);
		if (S_ISLNK(i->rec.mode) && !i->has_link)
			problem(&f, "symlink %llu has no target", ino);
		if (i->orphan)
			problem(&f, "inode %llu: orphan record but %u links",
				ino, i->rec.nlink);
	}
	if (verbose)
		fprintf(out, "%zu inodes, %ld pending orphans\n", f.n, pending);
	free(f.v);
	return f.problems;
}
