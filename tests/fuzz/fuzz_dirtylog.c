// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the dirty-log reader and the offline replay of
 * `dtfs-log check` (dt_log_reader_* + dt_pages_replay).
 *
 * Input byte 0 picks the mode:
 *   even: the rest is a whole log file, header included (header checks,
 *         torn and garbage tails, CRC mismatches);
 *   odd:  the rest is a list of records without len/crc, each
 *         "u8 textlen, 72 record bytes, textlen bytes of text"; the target
 *         writes a valid header, frames every record with its length and
 *         CRC-32C, so the fuzzer reaches the replay with any field values
 *         (page ranges, events, classes) a damaged or hostile log can hold.
 *         Bit 1 of byte 0: the log says the tracer was on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "dtfs/dirtylog.h"
#include "dtfs/pagestate.h"

#define REC_BODY (sizeof(struct dt_rec) - 8)

static size_t frame(const uint8_t *d, size_t n, uint8_t *out, size_t cap,
		    int tracer)
{
	struct dt_log_hdr h = {0};
	size_t o = sizeof(h);

	memcpy(h.magic, DT_LOG_MAGIC, sizeof(DT_LOG_MAGIC));
	h.version = DT_LOG_VERSION;
	h.hdr_size = DT_LOG_HDR_SIZE;
	h.flags = tracer ? DT_LOGF_TRACER : 0;
	h.page_size = 4096;
	memcpy(out, &h, sizeof(h));
	while (n >= 1 + REC_BODY) {
		size_t tl = d[0] % 128, len;
		uint32_t l32, crc;

		d++;
		n--;
		if (tl > n - REC_BODY)
			tl = n - REC_BODY;
		len = sizeof(struct dt_rec) + (tl ? (tl + 1 + 7) / 8 * 8 : 0);
		if (o + len > cap)
			break;
		memset(out + o, 0, len);
		memcpy(out + o + 8, d, REC_BODY);
		memcpy(out + o + sizeof(struct dt_rec), d + REC_BODY, tl);
		l32 = (uint32_t)len;
		crc = dt_crc32c(0, out + o + 8, len - 8);
		memcpy(out + o, &l32, 4);
		memcpy(out + o + 4, &crc, 4);
		o += len;
		d += REC_BODY + tl;
		n -= REC_BODY + tl;
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[1 << 20];
	static struct dt_rec r;
	static char text[DT_REC_MAX];
	struct dt_log_reader *rd = NULL;
	struct dt_pages *m;
	char path[64], err[256];
	size_t n;
	int fd;

	if (size < 1 || size > sizeof(buf) / 2)
		return 0;
	if (data[0] & 1) {
		n = frame(data + 1, size - 1, buf, sizeof(buf), data[0] & 2);
	} else {
		n = size - 1;
		memcpy(buf, data + 1, n);
	}
	fd = memfd_create("dtlog", 0);
	if (fd < 0)
		abort();
	if (write(fd, buf, n) != (ssize_t)n)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (dt_log_reader_open(path, &rd, err, sizeof(err))) {
		close(fd);
		return 0;
	}
	m = dt_pages_new();
	if (!m)
		abort();
	dt_pages_observe(m, dt_pages_observed_by(dt_log_reader_hdr(rd)));
	while (dt_log_read(rd, &r, text) == DT_READ_OK) {
		/* what show prints and check replays */
		(void)dtfs_event_name(r.event);
		(void)dtfs_class_name(r.cls);
		(void)dt_source_name(r.source);
		dt_pages_replay(m, &r, text);
	}
	dt_pages_free(m);
	dt_log_reader_close(rd);
	close(fd);
	return 0;
}
