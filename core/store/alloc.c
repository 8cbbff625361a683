// SPDX-License-Identifier: GPL-2.0
/* The data file's block allocator (alloc.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "alloc.h"
#include "records.h"

static int bit(const struct dt_alloc *a, uint64_t b)
{
	return b < a->nbits && (a->bits[b >> 6] >> (b & 63)) & 1;
}

static int grow(struct dt_alloc *a, uint64_t nbits)
{
	uint64_t cap = a->nbits ? a->nbits : 1 << 16, *nb;

	if (nbits <= a->nbits)
		return 0;
	while (cap < nbits)
		cap *= 2;
	nb = realloc(a->bits, cap / 8);
	if (!nb)
		return -ENOMEM;
	memset(nb + a->nbits / 64, 0, (cap - a->nbits) / 8);
	a->bits = nb;
	a->nbits = cap;
	return 0;
}

/* Set or clear [b, b + n); returns how many bits changed. */
static uint64_t change(struct dt_alloc *a, uint64_t b, uint64_t n, int set)
{
	uint64_t changed = 0;

	while (n) {
		uint64_t w = b >> 6, s = b & 63, k = 64 - s, mask, old;

		if (k > n)
			k = n;
		mask = (k == 64 ? ~0ULL : ((1ULL << k) - 1)) << s;
		old = a->bits[w];
		a->bits[w] = set ? old | mask : old & ~mask;
		changed += (uint64_t)__builtin_popcountll(
			(set ? ~old : old) & mask);
		b += k;
		n -= k;
	}
	return changed;
}

int dt_alloc_init(struct dt_alloc *a, uint64_t end)
{
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);
	if (end < 1)
		end = 1;
	if (grow(a, end + 1))
		return -ENOMEM;
	a->end = end;
	a->cursor = 1;
	a->used = change(a, 0, 1, 1); /* block 0: the data file's header */
	return 0;
}

void dt_alloc_destroy(struct dt_alloc *a)
{
	free(a->bits);
	free(a->def);
	free(a->punch);
	pthread_mutex_destroy(&a->lock);
	memset(a, 0, sizeof(*a));
}

uint64_t dt_alloc_mark(struct dt_alloc *a, uint64_t pblk, uint64_t n)
{
	uint64_t dup;

	pthread_mutex_lock(&a->lock);
	if (grow(a, pblk + n + 1)) {
		pthread_mutex_unlock(&a->lock);
		return 0;
	}
	dup = n - change(a, pblk, n, 1);
	a->used += n - dup;
	if (pblk + n > a->end)
		a->end = pblk + n;
	pthread_mutex_unlock(&a->lock);
	return dup;
}

/* Length of the free run at @b (below end), at most @max. */
static uint64_t free_run(const struct dt_alloc *a, uint64_t b, uint64_t max)
{
	uint64_t k = 0;

	while (k < max && b + k < a->end) {
		uint64_t w = (b + k) >> 6, s = (b + k) & 63;
		uint64_t word = a->bits[w] >> s;

		if (word) {
			k += (uint64_t)__builtin_ctzll(word);
			break;
		}
		k += 64 - s;
	}
	if (k > max)
		k = max;
	if (b + k > a->end)
		k = a->end > b ? a->end - b : 0;
	return k;
}

/* First free block at or after @b below end, or end. */
static uint64_t next_free(const struct dt_alloc *a, uint64_t b)
{
	while (b < a->end) {
		uint64_t w = b >> 6, s = b & 63;
		uint64_t word = ~a->bits[w] >> s;

		if (word)
			return b + (uint64_t)__builtin_ctzll(word);
		b += 64 - s;
	}
	return a->end;
}

int dt_alloc_get(struct dt_alloc *a, uint64_t goal, uint64_t n,
		 struct dt_run *runs, int max)
{
	uint64_t need = n, b;
	int nr = 0, wrapped = 0;

	if (max < 1)
		return -ENOSPC;
	pthread_mutex_lock(&a->lock);
	if (goal && goal < a->end) {
		uint64_t k = free_run(a, goal, need);

		if (k) {
			runs[nr++] = (struct dt_run){goal, k};
			change(a, goal, k, 1);
			need -= k;
		}
	}
	/* free blocks inside the file, first fit from the cursor; a stream
	 * that is at the end of the file stays there, contiguous */
	b = a->cursor;
	while (need && nr < max - 1 && a->used < a->end &&
	       !(goal && goal >= a->end)) {
		uint64_t k;

		b = next_free(a, b);
		if (b >= a->end) {
			if (wrapped)
				break;
			wrapped = 1;
			b = 1;
			continue;
		}
		k = free_run(a, b, need);
		runs[nr++] = (struct dt_run){b, k};
		change(a, b, k, 1);
		need -= k;
		b += k;
	}
	/* the rest at the end of the file */
	if (need) {
		if (grow(a, a->end + need + 1)) {
			for (int i = 0; i < nr; i++)
				change(a, runs[i].pblk, runs[i].n, 0);
			pthread_mutex_unlock(&a->lock);
			return -ENOMEM;
		}
		runs[nr++] = (struct dt_run){a->end, need};
		change(a, a->end, need, 1);
		a->end += need;
		b = a->end;
	}
	a->used += n;
	a->cursor = b < a->end ? b : 1;
	pthread_mutex_unlock(&a->lock);
	return nr;
}

static void put_locked(struct dt_alloc *a, uint64_t pblk, uint64_t n)
{
	if (pblk + n > a->nbits)
		return;
	a->used -= change(a, pblk, n, 0);
}

void dt_alloc_put(struct dt_alloc *a, uint64_t pblk, uint64_t n)
{
	pthread_mutex_lock(&a->lock);
	put_locked(a, pblk, n);
	pthread_mutex_unlock(&a->lock);
}

int dt_alloc_defer(struct dt_alloc *a, uint64_t pblk, uint64_t n,
		   uint32_t epoch)
{
	int ret = 0;

	pthread_mutex_lock(&a->lock);
	if (a->ndef && a->def[a->ndef - 1].epoch == epoch &&
	    a->def[a->ndef - 1].pblk + a->def[a->ndef - 1].n == pblk) {
		a->def[a->ndef - 1].n += n; /* extends the last run */
	} else {
		if (a->ndef == a->capdef) {
			size_t cap = a->capdef ? a->capdef * 2 : 256;
			struct dt_deferred *d =
				realloc(a->def, cap * sizeof(*d));

			if (!d) {
				/* the blocks stay in use until the next
				 * mount rebuilds the allocator */
				ret = -ENOMEM;
				goto out;
			}
			a->def = d;
			a->capdef = cap;
		}
		a->def[a->ndef++] = (struct dt_deferred){pblk, n, epoch};
	}
	a->def_blocks += n;
out:
	pthread_mutex_unlock(&a->lock);
	return ret;
}

static void queue_punch(struct dt_alloc *a, uint64_t pblk, uint64_t n)
{
	if (a->npunch == a->cappunch) {
		size_t cap = a->cappunch ? a->cappunch * 2 : 64;
		struct dt_run *p = realloc(a->punch, cap * sizeof(*p));

		if (!p) { /* free without punching: only the host's df */
			put_locked(a, pblk, n);
			return;
		}
		a->punch = p;
		a->cappunch = cap;
	}
	a->punch[a->npunch++] = (struct dt_run){pblk, n};
	a->punch_blocks += n;
}

void dt_alloc_durable(struct dt_alloc *a, uint32_t epoch, int punch_all)
{
	size_t i;

	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->ndef && a->def[i].epoch <= epoch; i++) {
		struct dt_deferred *d = &a->def[i];

		a->def_blocks -= d->n;
		if (d->n >= DT_PUNCH_MIN || punch_all)
			queue_punch(a, d->pblk, d->n);
		else
			put_locked(a, d->pblk, d->n);
	}
	if (i) {
		memmove(a->def, a->def + i, (a->ndef - i) * sizeof(*a->def));
		a->ndef -= i;
	}
	pthread_mutex_unlock(&a->lock);
}

void dt_alloc_punch_free(struct dt_alloc *a, uint64_t min)
{
	uint64_t b = 1;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		uint64_t k;

		b = next_free(a, b);
		if (b >= a->end)
			break;
		k = free_run(a, b, a->end - b);
		if (k >= min) {
			change(a, b, k, 1); /* held until punched */
			a->used += k;
			queue_punch(a, b, k);
		}
		b += k;
	}
	pthread_mutex_unlock(&a->lock);
}

struct dt_run *dt_alloc_take_punch(struct dt_alloc *a, size_t *n)
{
	struct dt_run *p;

	pthread_mutex_lock(&a->lock);
	p = a->punch;
	*n = a->npunch;
	a->punch = NULL;
	a->npunch = a->cappunch = 0;
	a->punch_blocks = 0;
	pthread_mutex_unlock(&a->lock);
	return p;
}

int dt_alloc_shrink(struct dt_alloc *a, int fd)
{
	uint64_t last;
	int ret = 0;

	pthread_mutex_lock(&a->lock);
	last = a->end;
	while (last > 1 && !bit(a, last - 1)) {
		if (!((last - 1) & 63) || a->bits[(last - 1) >> 6]) {
			last--;
			continue;
		}
		last = (last - 1) & ~63ULL; /* a whole free word down */
		if (!last)
			last = 1;
	}
	if (last < a->end) {
		if (ftruncate(fd, (off_t)(last << DT_BLOCK_SHIFT)) < 0)
			ret = -errno;
		else
			a->end = last;
		if (a->cursor >= a->end)
			a->cursor = 1;
	}
	pthread_mutex_unlock(&a->lock);
	return ret;
}

void dt_alloc_stats(struct dt_alloc *a, uint64_t *end, uint64_t *used,
		    uint64_t *deferred)
{
	pthread_mutex_lock(&a->lock);
	*end = a->end;
	*used = a->used;
	*deferred = a->def_blocks;
	pthread_mutex_unlock(&a->lock);
}
