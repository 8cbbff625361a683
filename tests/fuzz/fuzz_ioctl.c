// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the control ioctls' argument decoder (dt_ctl_decode,
 * core/ctl.c), fed what a FUSE ioctl request can carry.
 *
 * Input: byte 0 picks how the command word is made (low 2 bits):
 *   0: one of the DTFS_IOC_* commands (byte 1 picks which), with the sizes
 *      the kernel passes for it;
 *   1: a DTFS_IOC_* number with the direction and size of bytes 2-3;
 *   2: any 32-bit command word (bytes 1-4);
 *   3: a DTFS_IOC_* command with any in_size/out_size (bytes 2-5).
 * Bits 2-7 of byte 0 are the gate limit (threads - 2). The argument is the
 * rest of the input (cut to in_size), copied to a buffer of exactly in_size
 * bytes so that any read past it is caught. Beyond the sanitizers, the
 * target aborts when an errno is not ENOTTY/EINVAL or not the right one,
 * or an accepted argument decodes to a value out of its documented range.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dtfs/ctl.h"
#include "dtfs/pagestate.h"

static const unsigned int known[] = {
	DTFS_IOC_STATUS,  DTFS_IOC_MARK,       DTFS_IOC_EVICT,	DTFS_IOC_GATE,
	DTFS_IOC_RELEASE, DTFS_IOC_WAIT_GATED, DTFS_IOC_POLICY,
};

#define NKNOWN (sizeof(known) / sizeof(known[0]))

static size_t in_for(unsigned int cmd)
{
	return _IOC_DIR(cmd) & _IOC_WRITE ? _IOC_SIZE(cmd) : 0;
}

static size_t out_for(unsigned int cmd)
{
	return _IOC_DIR(cmd) & _IOC_READ ? _IOC_SIZE(cmd) : 0;
}

static uint32_t get32(const uint8_t *d)
{
	return (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
	       (uint32_t)d[3] << 24;
}

static void check(unsigned int cmd, const uint8_t *in, size_t in_size,
		  size_t out_size, uint32_t gate_max, int ret,
		  const struct dt_ctl *c)
{
	int nr_known = 0, exact = 0;

	for (size_t i = 0; i < NKNOWN; i++) {
		nr_known |= _IOC_NR(known[i]) == _IOC_NR(cmd);
		exact |= known[i] == cmd;
	}
	if (_IOC_TYPE(cmd) != DTFS_IOC_MAGIC || !nr_known) {
		if (ret != -ENOTTY)
			abort();
		return;
	}
	if (!exact || in_size != in_for(cmd) || out_size != out_for(cmd)) {
		if (ret != -EINVAL)
			abort();
		return;
	}
	if (ret && ret != -EINVAL)
		abort();
	if (ret)
		return;
	if (c->out_size != out_size)
		abort();
	switch (c->op) {
	case DT_CTL_STATUS:
		if (cmd != DTFS_IOC_STATUS)
			abort();
		break;
	case DT_CTL_RELEASE:
		if (cmd != DTFS_IOC_RELEASE)
			abort();
		break;
	case DT_CTL_MARK:
		if (cmd != DTFS_IOC_MARK ||
		    !memchr(c->u.mark, 0, sizeof(c->u.mark)) ||
		    strcmp(c->u.mark, (const char *)in))
			abort();
		break;
	case DT_CTL_EVICT: {
		uint64_t off = c->u.evict.off, len = c->u.evict.len;
		uint64_t last = c->u.evict.last;

		if (cmd != DTFS_IOC_EVICT || off > INT64_MAX || len > INT64_MAX)
			abort();
		if (!len && last != UINT64_MAX)
			abort();
		if (len &&
		    (last > INT64_MAX || last < off || last - off != len - 1))
			abort();
		break;
	}
	case DT_CTL_GATE:
		if (cmd != DTFS_IOC_GATE ||
		    (uint64_t)c->u.gate.reads + c->u.gate.writes > gate_max)
			abort();
		break;
	case DT_CTL_WAIT_GATED:
		if (cmd != DTFS_IOC_WAIT_GATED ||
		    c->u.timeout_ms > DT_CTL_WAIT_MAX_MS)
			abort();
		break;
	case DT_CTL_POLICY:
		if (cmd != DTFS_IOC_POLICY || c->u.policy.on_violation < -1 ||
		    c->u.policy.on_violation > DTFS_ON_ABORT ||
		    c->u.policy.release < -1 ||
		    c->u.policy.release > DTFS_REL_EVICT)
			abort();
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int cmd;
	size_t in_size, out_size, hdr = 6, avail;
	uint32_t gate_max;
	uint8_t *in = NULL;
	struct dt_ctl c;
	int ret;

	if (size < hdr)
		return 0;
	gate_max = data[0] >> 2;
	cmd = known[data[1] % NKNOWN];
	switch (data[0] & 3) {
	case 1:
		cmd = _IOC((unsigned int)(data[2] & 3), DTFS_IOC_MAGIC,
			   _IOC_NR(cmd),
			   ((unsigned int)data[3] << 6 | data[2] >> 2) &
				   _IOC_SIZEMASK);
		break;
	case 2:
		cmd = get32(data + 1);
		break;
	}
	in_size = in_for(cmd);
	out_size = out_for(cmd);
	if ((data[0] & 3) == 3) {
		in_size = data[2] | (size_t)(data[3] & 0x3f) << 8;
		out_size = data[4] | (size_t)(data[5] & 0x3f) << 8;
	}
	avail = size - hdr;
	if (in_size > avail)
		in_size = avail;
	if (in_size) {
		in = malloc(in_size);
		if (!in)
			return 0;
		memcpy(in, data + hdr, in_size);
	}
	ret = dt_ctl_decode(cmd, in, in_size, out_size, gate_max, &c);
	check(cmd, in, in_size, out_size, gate_max, ret, &c);
	free(in);
	return 0;
}
