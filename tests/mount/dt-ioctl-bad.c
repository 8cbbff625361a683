// SPDX-License-Identifier: GPL-2.0
/*
 * dt-ioctl-bad FILE: malformed control ioctls on FILE of a dtfs mount
 * (as root or the mount's owner), each expecting its errno: sizes and
 * directions that are not the command's, unknown numbers, a foreign magic,
 * bad policy values, a marker without its NUL, EVICT ranges past 2^63, gates
 * too big or with out-fields set. Then good ones, to show the daemon still
 * serves. One line per case ("ok NAME: errno" or "FAIL NAME: ..."), exit 0
 * if every case got what it expects.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dtfs/ioctl.h"

static int fd, failed;

static void expect(const char *name, unsigned long cmd, void *arg, int want)
{
	int ret = ioctl(fd, cmd, arg), got = ret < 0 ? errno : 0;

	if (got == want) {
		printf("ok %s: %s\n", name, want ? strerror(want) : "0");
		return;
	}
	printf("FAIL %s: got %s, want %s\n", name, got ? strerror(got) : "0",
	       want ? strerror(want) : "0");
	failed = 1;
}

int main(int argc, char **argv)
{
	static char big[16384];
	struct dtfs_status *st = calloc(1, sizeof(*st));
	struct dtfs_mark m;
	struct dtfs_range r;
	struct dtfs_gate g;
	struct dtfs_policy p;

	if (argc != 2 || !st) {
		fprintf(stderr, "usage: dt-ioctl-bad FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "dt-ioctl-bad: %s: %s\n", argv[1],
			strerror(errno));
		return 2;
	}
	/* the command word */
	memset(big, 'x', sizeof(big));
	expect("mark-size-100", _IOW(DTFS_IOC_MAGIC, 2, char[100]), big,
	       EINVAL);
	expect("mark-size-16383", _IOC(_IOC_WRITE, DTFS_IOC_MAGIC, 2, 16383),
	       big, EINVAL);
	expect("status-size-8", _IOR(DTFS_IOC_MAGIC, 1, uint64_t), big, EINVAL);
	expect("mark-as-read", _IOR(DTFS_IOC_MAGIC, 2, struct dtfs_mark), big,
	       EINVAL);
	expect("status-no-dir", _IO(DTFS_IOC_MAGIC, 1), NULL, EINVAL);
	expect("release-as-write", _IOW(DTFS_IOC_MAGIC, 5, uint32_t), big,
	       EINVAL);
	expect("policy-write-only", _IOW(DTFS_IOC_MAGIC, 7, struct dtfs_policy),
	       big, EINVAL);
	expect("unknown-nr-0", _IO(DTFS_IOC_MAGIC, 0), NULL, ENOTTY);
	expect("unknown-nr-8", _IOW(DTFS_IOC_MAGIC, 8, uint32_t), big, ENOTTY);
	expect("unknown-nr-255", _IOWR(DTFS_IOC_MAGIC, 255, uint64_t), big,
	       ENOTTY);
	expect("wrong-magic", _IOR(0xD8, 1, struct dtfs_status), st, ENOTTY);
	expect("wrong-magic-0", _IOW(0, 2, struct dtfs_mark), big, ENOTTY);
	/* the kernel itself: an argument it cannot copy */
	expect("mark-null-pointer", DTFS_IOC_MARK, NULL, EFAULT);
	/* fields */
	memset(&m, 'm', sizeof(m));
	expect("mark-no-nul", DTFS_IOC_MARK, &m, EINVAL);
	r = (struct dtfs_range){(uint64_t)INT64_MAX + 1, 0};
	expect("evict-off-2^63", DTFS_IOC_EVICT, &r, EINVAL);
	r = (struct dtfs_range){0, UINT64_MAX};
	expect("evict-len-max", DTFS_IOC_EVICT, &r, EINVAL);
	r = (struct dtfs_range){INT64_MAX, 2};
	expect("evict-end-overflow", DTFS_IOC_EVICT, &r, EINVAL);
	r = (struct dtfs_range){2, INT64_MAX};
	expect("evict-end-overflow-2", DTFS_IOC_EVICT, &r, EINVAL);
	g = (struct dtfs_gate){.reads = 1000000};
	expect("gate-too-many", DTFS_IOC_GATE, &g, EINVAL);
	g = (struct dtfs_gate){.reads = UINT32_MAX, .writes = 2};
	expect("gate-sum-wraps", DTFS_IOC_GATE, &g, EINVAL);
	g = (struct dtfs_gate){.reads = 1, .held = 1};
	expect("gate-held-set", DTFS_IOC_GATE, &g, EINVAL);
	g = (struct dtfs_gate){.writes = 1, .timeout_ms = 5};
	expect("gate-timeout-set", DTFS_IOC_GATE, &g, EINVAL);
	p = (struct dtfs_policy){3, -1};
	expect("policy-violation-3", DTFS_IOC_POLICY, &p, EINVAL);
	p = (struct dtfs_policy){-1, 2};
	expect("policy-release-2", DTFS_IOC_POLICY, &p, EINVAL);
	p = (struct dtfs_policy){-2, 0};
	expect("policy-violation--2", DTFS_IOC_POLICY, &p, EINVAL);
	p = (struct dtfs_policy){INT32_MIN, INT32_MAX};
	expect("policy-extremes", DTFS_IOC_POLICY, &p, EINVAL);
	/* and the daemon still serves, its state unchanged */
	expect("status", DTFS_IOC_STATUS, st, 0);
	if (st->abi_version != DTFS_ABI_VERSION || st->on_violation != 0 ||
	    st->release != 0 || st->gate_reads || st->gate_writes) {
		printf("FAIL state: abi %u policy %d/%d gate %u/%u\n",
		       st->abi_version, st->on_violation, st->release,
		       st->gate_reads, st->gate_writes);
		failed = 1;
	}
	memset(&m, 0, sizeof(m));
	strcpy(m.text, "after bad ioctls");
	expect("mark", DTFS_IOC_MARK, &m, 0);
	r = (struct dtfs_range){1, INT64_MAX};
	expect("evict-to-2^63", DTFS_IOC_EVICT, &r, 0);
	p = (struct dtfs_policy){-1, -1};
	expect("policy-unchanged", DTFS_IOC_POLICY, &p, 0);
	g = (struct dtfs_gate){.timeout_ms = 1};
	expect("wait-gated-nothing", DTFS_IOC_WAIT_GATED, &g, ETIMEDOUT);
	close(fd);
	free(st);
	return failed;
}
