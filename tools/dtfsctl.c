// SPDX-License-Identifier: GPL-2.0
/*
 * dtfsctl: control a mounted dtfs through its ioctls (include/dtfs/ioctl.h).
 *
 *   dtfsctl status FILE
 *   dtfsctl mark [-m MNT] TEXT...
 *   dtfsctl evict FILE [OFF LEN]
 *   dtfsctl gate FILE --reads N | --writes N
 *   dtfsctl release FILE
 *   dtfsctl wait-gated FILE [--timeout MS]
 *   dtfsctl policy [-m MNT] [on_violation=warn|eio|abort] [release=writeback|evict]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dtfs/ioctl.h"

static const char *prog = "dtfsctl";

/* "a|b|c" of a name table */
static const char *choices(const char *(*name)(unsigned int),
			   unsigned int count, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (unsigned int v = 0; v < count && o < len; v++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", v ? "|" : "",
				      name(v));
	return buf;
}

static void usage(FILE *f)
{
	char ov[64], rel[64];

	choices(dtfs_on_violation_name, DTFS_ON_COUNT, ov, sizeof(ov));
	choices(dtfs_release_name, DTFS_REL_COUNT, rel, sizeof(rel));
	fprintf(f,
		"usage: %s COMMAND ...\n"
		"  status FILE                      tracer, policy, counters, "
		"FILE's page states\n"
		"  mark [-m MNT] TEXT...            put a marker event in the "
		"dirty log\n"
		"  evict FILE [OFF LEN]             drop FILE's pages from the "
		"page cache\n"
		"                                   (dtfs-driven "
		"notify_inval_inode)\n"
		"  gate FILE --reads N|--writes N   hold FILE's next N "
		"READs/WRITEs in dtfs\n"
		"  release FILE                     let held requests of FILE "
		"go on\n"
		"  wait-gated FILE [--timeout MS]   wait until a request of "
		"FILE is held\n"
		"  policy [-m MNT] [on_violation=%s] [release=%s]\n"
		"                                   show or change the policy\n"
		"MNT defaults to the current directory. Root or the mount's "
		"owner only.\n"
		"exit: 0 ok, 1 the operation failed, 2 usage\n",
		prog, ov, rel);
}

/*
 * With O_DIRECT where it can: dtfs answers such an open with FUSE's
 * direct_io, which leaves the file's io mode alone. An open without it
 * puts the file in FUSE's caching mode, which waits for every parallel
 * direct write in flight; with one of them held by a gate, "release"
 * would wait for the write it is to release (dtfs(7), "O_DIRECT and the
 * page cache"). Directories and other files without O_DIRECT: EINVAL,
 * and a plain open.
 */
static int open_target(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_DIRECT);

	if (fd < 0 && errno == EINVAL)
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
	return fd;
}

static int do_ioctl(int fd, unsigned long cmd, void *arg, const char *what,
		    const char *path)
{
	if (ioctl(fd, cmd, arg) == 0)
		return 0;
	if (errno == ENOTTY || errno == ENOSYS)
		fprintf(stderr, "%s: %s: %s: not a dtfs mount\n", prog, what,
			path);
	else
		fprintf(stderr, "%s: %s: %s: %s\n", prog, what, path,
			strerror(errno));
	return 1;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end || end == s || s[0] == '-') {
		fprintf(stderr, "%s: bad number '%s'\n", prog, s);
		return -1;
	}
	return 0;
}

static const char *flags_str(uint32_t f, char *buf)
{
	snprintf(buf, 64, "%s%s%s%s%s", f & DTFS_PG_RESIDENT ? "resident " : "",
		 f & DTFS_PG_DIRTY ? "dirty " : "",
		 f & DTFS_PG_BUFFERS ? "buffers " : "no-buffers ",
		 f & DTFS_PG_WRITEBACK ? "writeback " : "",
		 f & DTFS_PG_VIOLATED ? "VIOLATED" : "");
	return buf;
}

static const char *name_or(const char *name, const char *dflt)
{
	return name ? name : dflt;
}

static int cmd_status(const char *path)
{
	struct dtfs_status *st = calloc(1, sizeof(*st));
	char buf[64];
	int fd = open_target(path), ret;

	if (fd < 0 || !st) {
		free(st);
		return 1;
	}
	ret = do_ioctl(fd, DTFS_IOC_STATUS, st, "status", path);
	close(fd);
	if (ret) {
		free(st);
		return ret;
	}
	if (st->abi_version != DTFS_ABI_VERSION) {
		fprintf(stderr,
			"%s: %s: dtfs ioctl ABI %u, this tool speaks %u\n",
			prog, path, st->abi_version,
			(unsigned int)DTFS_ABI_VERSION);
		free(st);
		return 1;
	}
	printf("tracer: %s\n",
	       st->tracer_on ? "on" : "off (write-notify inferred)");
	if (st->tracer_on && st->tracer_missing)
		printf("tracepoints missing: 0x%x (see the mount record of the "
		       "dirty log)\n",
		       st->tracer_missing);
	printf("policy: on_violation=%s release=%s\n",
	       name_or(dtfs_on_violation_name((unsigned int)st->on_violation),
		       "?"),
	       name_or(dtfs_release_name((unsigned int)st->release), "?"));
	printf("events: %" PRIu64 " (kernel records %" PRIu64 ", lost %" PRIu64
	       "), pages tracked %" PRIu64 ", writes %" PRIu64
	       ", writepages %" PRIu64 "\n",
	       st->events, st->tracer_events, st->tracer_lost,
	       st->tracked_pages, st->writes, st->writepages);
	printf("violations: dirtied-without-write-notify %" PRIu64
	       ", dirty-page-without-buffers %" PRIu64 ", refused %" PRIu64
	       "\n",
	       st->viol_no_notify, st->viol_no_buffers, st->refused);
	if (st->tracer_on)
		printf("tracer cost: %.1f ms CPU draining, %" PRIu64
		       " wakeups, %" PRIu64 " events to the model\n",
		       (double)st->tracer_cpu_ns / 1e6, st->tracer_wakeups,
		       st->tracer_model_events);
	if (st->tracer_on && st->tracer_bpf_runs)
		printf("tracer in the kernel: %" PRIu64 " dirtyings, %.0f ns "
		       "each\n",
		       st->tracer_bpf_runs,
		       (double)st->tracer_bpf_ns / (double)st->tracer_bpf_runs);
	printf("order: %" PRIu64 " writepages checked, %" PRIu64
	       " waited for the tracer (%.3f ms in all, %.3f ms at most), "
	       "%" PRIu64 " gave up\n",
	       st->order_checks, st->order_waits,
	       (double)st->order_wait_ns / 1e6,
	       (double)st->order_wait_max_ns / 1e6, st->order_timeouts);
	printf("dirtyings by class:");
	for (unsigned int i = 1; i < DTFS_CLS_COUNT; i++)
		printf(" %s=%" PRIu64, dtfs_class_name(i),
		       st->dirty_by_class[i]);
	printf("\ndirty log: %" PRIu64 " bytes, %" PRIu64 " records dropped\n",
	       st->log_bytes, st->log_dropped);
	printf("file %s (ino %" PRIu64
	       "): gate reads=%u writes=%u held=%u, %u pages with state\n",
	       path, st->ino, st->gate_reads, st->gate_writes, st->gate_held,
	       st->npages);
	for (uint32_t i = 0; i < st->npages && i < DTFS_STATUS_PAGES; i++)
		printf("  page %-8" PRIu64 " %s\n", st->pages[i].index,
		       flags_str(st->pages[i].flags, buf));
	if (st->npages > DTFS_STATUS_PAGES)
		printf("  ... %u more\n", st->npages - DTFS_STATUS_PAGES);
	free(st);
	return 0;
}

/* "on_violation=NAME" or "release=NAME" into @p; -1 if neither. */
static int parse_policy(const char *arg, struct dtfs_policy *p)
{
	const char *eq = strchr(arg, '=');
	int v;

	if (!eq)
		return -1;
	if (!strncmp(arg, "on_violation=", 13)) {
		v = dtfs_by_name(dtfs_on_violation_name, DTFS_ON_COUNT, eq + 1);
		if (v < 0)
			return -1;
		p->on_violation = v;
		return 0;
	}
	if (!strncmp(arg, "release=", 8)) {
		v = dtfs_by_name(dtfs_release_name, DTFS_REL_COUNT, eq + 1);
		if (v < 0)
			return -1;
		p->release = v;
		return 0;
	}
	return -1;
}

/* -m MNT as first arguments */
static const char *take_mount(int *argc, char ***argv)
{
	if (*argc >= 2 && !strcmp((*argv)[0], "-m")) {
		const char *m = (*argv)[1];

		*argc -= 2;
		*argv += 2;
		return m;
	}
	return ".";
}

int main(int argc, char **argv)
{
	const char *cmd;
	int fd, ret;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "status") && argc == 1)
		return cmd_status(argv[0]);
	if (!strcmp(cmd, "mark")) {
		struct dtfs_mark m = {{0}};
		const char *mnt = take_mount(&argc, &argv);
		size_t len = 0;

		if (argc < 1) {
			usage(stderr);
			return 2;
		}
		for (int i = 0; i < argc; i++)
			len += (size_t)snprintf(
				m.text + len,
				len < sizeof(m.text) ? sizeof(m.text) - len : 0,
				"%s%s", i ? " " : "", argv[i]);
		if (len >= sizeof(m.text)) {
			fprintf(stderr, "%s: marker longer than %zu bytes\n",
				prog, sizeof(m.text) - 1);
			return 2;
		}
		fd = open_target(mnt);
		if (fd < 0)
			return 1;
		ret = do_ioctl(fd, DTFS_IOC_MARK, &m, "mark", mnt);
		close(fd);
		return ret;
	}
	if (!strcmp(cmd, "evict") && (argc == 1 || argc == 3)) {
		struct dtfs_range r = {0, 0};

		if (argc == 3 &&
		    (parse_u64(argv[1], &r.off) || parse_u64(argv[2], &r.len)))
			return 2;
		fd = open_target(argv[0]);
		if (fd < 0)
			return 1;
		ret = do_ioctl(fd, DTFS_IOC_EVICT, &r, "evict", argv[0]);
		close(fd);
		return ret;
	}
	if (!strcmp(cmd, "gate") && argc == 3) {
		struct dtfs_gate g = {0};
		uint64_t n;

		if (parse_u64(argv[2], &n) || n > UINT32_MAX)
			return 2;
		if (!strcmp(argv[1], "--reads"))
			g.reads = (uint32_t)n;
		else if (!strcmp(argv[1], "--writes"))
			g.writes = (uint32_t)n;
		else {
			usage(stderr);
			return 2;
		}
		fd = open_target(argv[0]);
		if (fd < 0)
			return 1;
		ret = do_ioctl(fd, DTFS_IOC_GATE, &g, "gate", argv[0]);
		close(fd);
		return ret;
	}
	if (!strcmp(cmd, "release") && argc == 1) {
		fd = open_target(argv[0]);
		if (fd < 0)
			return 1;
		ret = do_ioctl(fd, DTFS_IOC_RELEASE, NULL, "release", argv[0]);
		close(fd);
		return ret;
	}
	if (!strcmp(cmd, "wait-gated") && (argc == 1 || argc == 3)) {
		struct dtfs_gate g = {.timeout_ms = 10000};
		uint64_t ms;

		if (argc == 3) {
			if (strcmp(argv[1], "--timeout") ||
			    parse_u64(argv[2], &ms) || ms > 600000) {
				usage(stderr);
				return 2;
			}
			g.timeout_ms = (uint32_t)ms;
		}
		fd = open_target(argv[0]);
		if (fd < 0)
			return 1;
		ret = do_ioctl(fd, DTFS_IOC_WAIT_GATED, &g, "wait-gated",
			       argv[0]);
		close(fd);
		if (!ret)
			printf("%u held\n", g.held);
		return ret;
	}
	if (!strcmp(cmd, "policy")) {
		struct dtfs_policy p = {-1, -1};
		const char *mnt = take_mount(&argc, &argv);

		for (int i = 0; i < argc; i++) {
			if (parse_policy(argv[i], &p)) {
				fprintf(stderr, "%s: bad policy '%s'\n", prog,
					argv[i]);
				return 2;
			}
		}
		fd = open_target(mnt);
		if (fd < 0)
			return 1;
		ret = do_ioctl(fd, DTFS_IOC_POLICY, &p, "policy", mnt);
		close(fd);
		if (!ret)
			printf("on_violation=%s release=%s\n",
			       name_or(dtfs_on_violation_name(
					       (unsigned int)p.on_violation),
				       "?"),
			       name_or(dtfs_release_name(
					       (unsigned int)p.release),
				       "?"));
		return ret;
	}
	fprintf(stderr, "%s: bad command line (see --help)\n", prog);
	return 2;
}
