// SPDX-License-Identifier: GPL-2.0
/*
 * Offline consistency check of a store: dirents against inodes, link
 * counts, directory parents, block maps against sizes and block counts,
 * every data block against its checksum, the allocation of the data file
 * (blocks out of range, owned twice, or holding host space while no map
 * points to them), symlink targets, xattrs and orphans of dead inodes.
 * dtfs-fsck never writes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fs/fs.h"

struct fsck_ino {
	uint64_t ino;
	struct dt_irec rec;
	uint64_t links; /* dirents naming it */
	uint64_t subdirs; /* directories among its entries */
	uint64_t blocks; /* counted from its maps */
	int orphan;
	int has_link;
};

struct fsck {
	struct fsck_ino *v;
	size_t n, cap;
	long problems;
	FILE *out;
	int verbose;
	struct dt_alloc owners; /* data blocks seen in maps */
	uint64_t data_end; /* blocks in the data file */
	uint64_t rolled_back, data_blocks, out_of_range, doubly;
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
static void scan(struct dt_store *st, char type, struct fsck *f,
		 void (*fn)(struct fsck *, const char *, size_t, const char *,
			    size_t))
{
	/* unlike the daemon's reads, fsck verifies every block's checksum */
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	rocksdb_iterator_t *it;
	char *err = NULL;

	rocksdb_readoptions_set_verify_checksums(ro, 1);
	it = rocksdb_create_iterator(st->db, ro);
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

	struct dt_irec r;

	if (kl != 9 || dt_irec_decode(v, vl, &r)) {
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
	i->rec = r;
}

static void check_dirent(struct fsck *f, const char *k, size_t kl,
			 const char *v, size_t vl)
{
	uint64_t dir = dt_get_be64(k + 1), child;
	struct fsck_ino *d = find(f, dir), *c;
	uint32_t type;

	if (kl <= 9 || dt_dirent_decode(v, vl, &child, &type)) {
		problem(f, "directory %llu: malformed entry",
			(unsigned long long)dir);
		return;
	}
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
	if (type != (c->rec.mode & S_IFMT))
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

static void check_slot(void *ctx, uint64_t ino, uint64_t lblk,
		       const struct dt_slot *sl, int verdict)
{
	struct fsck *f = ctx;
	struct fsck_ino *i = find(f, ino);
	unsigned long long in = ino, lb = lblk, pb = sl->pblk;

	if (verdict == DT_SV_ROLLED_BACK) {
		f->rolled_back++;
		if (f->verbose)
			fprintf(f->out,
				"inode %llu block %llu: written after the last "
				"sync, did not reach the disk: rolled back at "
				"the next mount\n",
				in, lb);
	}
	if (sl->kind == DT_SLOT_HOLE) {
		/* the mount will take it off the inode's block count */
		if (i && verdict == DT_SV_ROLLED_BACK)
			i->blocks += DT_BLOCK_SIZE >> 9;
		return;
	}
	if (!i) {
		problem(f, "block map of missing inode %llu (block %llu)", in,
			lb);
		return;
	}
	i->blocks += DT_BLOCK_SIZE >> 9;
	if (sl->kind == DT_SLOT_DATA) {
		f->data_blocks++;
		if (lblk << DT_BLOCK_SHIFT >= i->rec.size)
			problem(f,
				"inode %llu: data block %llu past its size "
				"%llu",
				in, lb, (unsigned long long)i->rec.size);
		if (sl->pblk >= f->data_end) {
			f->out_of_range++;
			problem(f,
				"inode %llu block %llu: map points past the "
				"data file (block %llu of %llu)",
				in, lb, pb, (unsigned long long)f->data_end);
			return;
		}
	}
	if (dt_alloc_mark(&f->owners, sl->pblk, 1)) {
		f->doubly++;
		problem(f,
			"inode %llu block %llu: data block %llu is owned "
			"twice",
			in, lb, pb);
	}
	if (verdict == DT_SV_DAMAGED)
		problem(f,
			"inode %llu block %llu: checksum mismatch in data "
			"block %llu (reads as EIO)",
			in, lb, pb);
	if (verdict == DT_SV_LOST)
		problem(f,
			"inode %llu block %llu: written after the last sync, "
			"and neither it nor its previous version verifies "
			"(reads as EIO)",
			in, lb);
}

static void bad_map(void *ctx, uint64_t ino, uint64_t idx, const char *what)
{
	problem(ctx, "inode %llu: %s (blocks %llu-%llu)",
		(unsigned long long)ino, what,
		(unsigned long long)(idx * DT_MAP_SLOTS),
		(unsigned long long)(idx * DT_MAP_SLOTS + DT_MAP_SLOTS - 1));
}

/*
 * After a clean close every block no map points to was punched out of
 * the data file: host space behind such a block is leaked.
 */
static void check_leaks(struct dt_store *st, struct fsck *f)
{
	off_t end = (off_t)(f->data_end << DT_BLOCK_SHIFT), pos = 0;
	uint64_t leaked = 0;

	while (pos < end) {
		off_t d = lseek(st->datafd, pos, SEEK_DATA), h;

		if (d < 0)
			break;
		h = lseek(st->datafd, d, SEEK_HOLE);
		if (h < 0)
			h = end;
		for (uint64_t b = (uint64_t)d >> DT_BLOCK_SHIFT;
		     b < ((uint64_t)h + DT_BLOCK_SIZE - 1) >> DT_BLOCK_SHIFT;
		     b++)
			if (b && !(b < f->owners.nbits &&
				   (f->owners.bits[b >> 6] >> (b & 63)) & 1))
				leaked++;
		pos = h;
	}
	if (leaked)
		problem(f,
			"%llu data blocks hold space on the host but belong to "
			"no file (leaked)",
			(unsigned long long)leaked);
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
	struct dt_store *st = &fs->st;
	struct fsck f = {.out = out, .verbose = verbose};
	long pending = 0;
	struct stat sb;
	int ret;

	if (fstat(st->datafd, &sb) < 0)
		return -errno;
	f.data_end = ((uint64_t)sb.st_size + DT_BLOCK_SIZE - 1) >>
		     DT_BLOCK_SHIFT;
	if (dt_alloc_init(&f.owners, f.data_end))
		return -ENOMEM;
	scan(st, DT_K_INODE, &f, load_inode);
	if (!find(&f, DT_ROOT_INO))
		problem(&f, "root inode missing");
	scan(st, DT_K_DIRENT, &f, check_dirent);
	ret = dt_data_scan(st, NULL, 1, check_slot, bad_map, &f);
	if (ret)
		problem(&f, "block maps unreadable: %s", strerror(-ret));
	if (st->was_clean && fs->readonly)
		check_leaks(st, &f);
	scan(st, DT_K_LINK, &f, check_link);
	scan(st, DT_K_ORPHAN, &f, check_orphan);
	scan(st, DT_K_XATTR, &f, check_xattr);
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
	if (verbose) {
		fprintf(out,
			"%zu inodes, %ld pending orphans, %llu data blocks "
			"verified, %llu blocks to roll back at the next mount\n",
			f.n, pending, (unsigned long long)f.data_blocks,
			(unsigned long long)f.rolled_back);
		if (!st->was_clean)
			fprintf(out,
				"not closed cleanly: the next mount recovers "
				"and gives free space back to the host\n");
	}
	dt_alloc_destroy(&f.owners);
	free(f.v);
	return f.problems;
}
