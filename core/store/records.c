// SPDX-License-Identifier: GPL-2.0
/* Encoders and decoders of the store's records (records.h). */
#include <errno.h>
#include "records.h"

static void put_le(char **p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++) {
		*(*p)++ = (char)(v & 0xff);
		v >>= 8;
	}
}

static int get_le(const char **p, const char *end, uint64_t *v, int bytes)
{
	if (end - *p < bytes)
		return -1;
	*v = 0;
	for (int i = bytes - 1; i >= 0; i--)
		*v = (*v << 8) | (unsigned char)(*p)[i];
	*p += bytes;
	return 0;
}

#define MAP_VERSION 1

/*
 * A map: u8 version, u16 bitmap of the slots that are not holes, then for
 * each of them u8 kinds (kind | fb_kind << 2), u64 pblk, u32 epoch, u32 crc
 * (data only), and for a fallback that is not a hole u64 fb_pblk and u32
 * fb_crc (data only).
 */
size_t dt_map_encode(const struct dt_map *m, char *buf)
{
	char *p = buf + 3;
	unsigned int present = 0;

	for (unsigned int i = 0; i < DT_MAP_SLOTS; i++) {
		const struct dt_slot *s = &m->s[i];

		if (s->kind == DT_SLOT_HOLE)
			continue;
		present |= 1u << i;
		*p++ = (char)(s->kind | s->fb_kind << 2);
		put_le(&p, s->pblk, 8);
		put_le(&p, s->epoch, 4);
		if (s->kind == DT_SLOT_DATA)
			put_le(&p, s->crc, 4);
		if (s->fb_kind != DT_SLOT_HOLE) {
			put_le(&p, s->fb_pblk, 8);
			if (s->fb_kind == DT_SLOT_DATA)
				put_le(&p, s->fb_crc, 4);
		}
	}
	if (!present)
		return 0;
	buf[0] = MAP_VERSION;
	buf[1] = (char)(present & 0xff);
	buf[2] = (char)(present >> 8);
	return (size_t)(p - buf);
}

static int kind_ok(unsigned int k)
{
	return k == DT_SLOT_DATA || k == DT_SLOT_UNWRITTEN;
}

int dt_map_decode(const char *v, size_t len, struct dt_map *m)
{
	const char *p = v + 3, *end = v + len;
	unsigned int present;
	uint64_t x;

	memset(m, 0, sizeof(*m));
	if (len < 3 || v[0] != MAP_VERSION)
		return -EUCLEAN;
	present = (unsigned char)v[1] | (unsigned int)(unsigned char)v[2] << 8;
	if (!present)
		return -EUCLEAN;
	for (unsigned int i = 0; i < DT_MAP_SLOTS; i++) {
		struct dt_slot *s = &m->s[i];
		unsigned int k, fk;

		if (!(present & (1u << i)))
			continue;
		if (p >= end)
			return -EUCLEAN;
		k = (unsigned char)*p & 3;
		fk = ((unsigned char)*p >> 2) & 3;
		if (((unsigned char)*p & ~0xfu) || !kind_ok(k) ||
		    (fk && !kind_ok(fk)))
			return -EUCLEAN;
		p++;
		s->kind = (uint8_t)k;
		s->fb_kind = (uint8_t)fk;
		if (get_le(&p, end, &s->pblk, 8) || get_le(&p, end, &x, 4))
			return -EUCLEAN;
		s->epoch = (uint32_t)x;
		if (k == DT_SLOT_DATA) {
			if (get_le(&p, end, &x, 4))
				return -EUCLEAN;
			s->crc = (uint32_t)x;
		}
		if (fk) {
			if (get_le(&p, end, &s->fb_pblk, 8))
				return -EUCLEAN;
			if (fk == DT_SLOT_DATA) {
				if (get_le(&p, end, &x, 4))
					return -EUCLEAN;
				s->fb_crc = (uint32_t)x;
			}
		}
		if (!s->pblk || (fk && !s->fb_pblk))
			return -EUCLEAN;
	}
	return p == end ? 0 : -EUCLEAN;
}

int dt_irec_decode(const char *v, size_t len, struct dt_irec *r)
{
	if (len != sizeof(*r))
		return -EUCLEAN;
	memcpy(r, v, sizeof(*r));
	return 0;
}

void dt_dirent_encode(char *v, uint64_t ino, uint32_t mode)
{
	char *p = v;

	put_le(&p, ino, 8);
	*p = (char)((mode & 0170000) >> 12);
}

int dt_dirent_decode(const char *v, size_t len, uint64_t *ino, uint32_t *type)
{
	const char *p = v;

	if (len != DT_DIRENT_SIZE || get_le(&p, v + len, ino, 8))
		return -EUCLEAN;
	*type = (uint32_t)(unsigned char)*p << 12;
	return 0;
}

uint32_t dt_block_crc(uint64_t pblk, const void *data)
{
	char seed[8];

	memcpy(seed, &pblk, 8);
	return dt_crc32c(dt_crc32c(0, seed, 8), data, DT_BLOCK_SIZE);
}
