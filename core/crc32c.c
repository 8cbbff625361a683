// SPDX-License-Identifier: GPL-2.0
/*
 * crc32c (Castagnoli, reflected polynomial 0x82f63b78), as the kernel's and
 * RocksDB's: the SSE4.2 instruction where the CPU has it, a slicing-by-8
 * table otherwise. Every data block of the store is checksummed on write
 * and verified on read, and every dirty-log record, so this is on the hot
 * path.
 */
#include <pthread.h>
#include <string.h>
#include "dtfs/crc32c.h"

static uint32_t table[8][256];
static int have_sse42;

/*
 * A 4 KiB block is checksummed as three interleaved streams of 1360 bytes
 * (the crc32 instruction has a latency of 3 cycles and a throughput of 1),
 * joined with shift[]: the crc state after 1360 zero bytes, as a linear
 * map of the state, one table per byte of it. Then the last 16 bytes.
 */
#define LANE 1360
static uint32_t shift[4][256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^
				      table[0][table[t - 1][i] & 0xff];
	for (int k = 0; k < 4; k++)
		for (uint32_t v = 0; v < 256; v++) {
			uint32_t c = v << (8 * k);

			for (int i = 0; i < LANE; i++)
				c = (c >> 8) ^ table[0][c & 0xff];
			shift[k][v] = c;
		}
	__builtin_cpu_init();
	have_sse42 = __builtin_cpu_supports("sse4.2");
}

static uint32_t shift_lane(uint32_t c)
{
	return shift[0][c & 0xff] ^ shift[1][(c >> 8) & 0xff] ^
	       shift[2][(c >> 16) & 0xff] ^ shift[3][c >> 24];
}

static uint32_t crc_soft(uint32_t crc, const unsigned char *p, size_t len)
{
	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		v ^= crc;
		crc = table[7][v & 0xff] ^ table[6][(v >> 8) & 0xff] ^
		      table[5][(v >> 16) & 0xff] ^ table[4][(v >> 24) & 0xff] ^
		      table[3][(v >> 32) & 0xff] ^ table[2][(v >> 40) & 0xff] ^
		      table[1][(v >> 48) & 0xff] ^ table[0][v >> 56];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t
crc_hw(uint32_t crc, const unsigned char *p, size_t len)
{
	uint64_t c = crc;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		len -= 8;
	}
	crc = (uint32_t)c;
	while (len--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}
#endif

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t
crc_hw_4k(uint32_t crc, const unsigned char *p)
{
	uint64_t a = crc, b = 0, c = 0, v;
	const unsigned char *q = p + LANE, *r = p + 2 * LANE;

	for (int i = 0; i < LANE; i += 8) {
		memcpy(&v, p + i, 8);
		a = __builtin_ia32_crc32di(a, v);
		memcpy(&v, q + i, 8);
		b = __builtin_ia32_crc32di(b, v);
		memcpy(&v, r + i, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	crc = shift_lane(shift_lane((uint32_t)a) ^ (uint32_t)b) ^ (uint32_t)c;
	return crc_hw(crc, p + 3 * LANE, 4096 - 3 * LANE);
}
#endif

uint32_t dt_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&once, init);
	crc = ~crc;
#if defined(__x86_64__)
	if (have_sse42 && len == 4096)
		return ~crc_hw_4k(crc, buf);
	if (have_sse42)
		return ~crc_hw(crc, buf, len);
#endif
	return ~crc_soft(crc, buf, len);
}

