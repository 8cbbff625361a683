// SPDX-License-Identifier: GPL-2.0
/*
 * dtfs-pin: the command line, then the mount set-up, then the matrix run
 * (pin.h says where the rest lives).
 *
 * Each scenario runs in a child process; the parent is its watchdog: a
 * scenario that does not finish in time gets the FUSE connection aborted
 * (/sys/fs/fuse/connections/N/abort), so a deadlock is a verdict, not a
 * hang.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pin.h"

struct pin_ctx ctx = {.timeout = 20, .race_secs = 2.0, .fs = "dtfs"};

static volatile sig_atomic_t interrupted;

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("dtfs-pin: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	interrupted = sig;
}

/* ---- the command line ---------------------------------------------------- */

struct config {
	int list, print_expect, json, repeat;
	char **pats; /* --run patterns */
	int npats;
	const char *mountdir, *logpath, *expfile, *kernels;
	char fslist[128]; /* "" : dtfs alone, as without --fs */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dtfs-pin [options]\n"
		"Pin pages of MAP_SHARED dtfs mappings (with --fs, of ext4, "
		"xfs, btrfs, tmpfs\ntoo), race writeback, reclaim, eviction "
		"and truncation with the pin, and\nreport what the kernel did "
		"(TAP + matrix).\n\n"
		"  --list            list the scenarios, what each does and "
		"what its verdict\n"
		"                    means, and exit\n"
		"  --run NAME...     run only these scenarios (shell patterns, "
		"e.g. 'odirect-gated/*')\n"
		"  --repeat N        run each scenario N times (default 1)\n"
		"  --mount DIR       use this dtfs mount instead of mounting a "
		"fresh one\n"
		"  --log FILE        its dirty log (default: STORE/dirty.log "
		"from the mount's source)\n"
		"  --expect FILE     expected verdicts ('SCENARIO "
		"VERDICT[|VERDICT]' lines),\n"
		"                    instead of the scenario table's for this "
		"kernel\n"
		"  --print-expect    print the table's expectations for this "
		"kernel and exit\n"
		"  --json            print JSON instead of TAP and the matrix\n"
		"  --kernel LIST     run on each kernel of LIST (host, or "
		"Debian's 6.1, 6.12\n"
		"                    in a VM through dtfs-vm), e.g. "
		"6.1,6.12,host; then one\n"
		"                    scenario x kernel table of verdicts\n"
		"  --fs LIST         run on each filesystem of LIST: dtfs, "
		"ext4, xfs, btrfs,\n"
		"                    tmpfs, or all (default dtfs); each "
		"but dtfs is a fresh\n"
		"                    instance in the temp dir (loop device + "
		"mkfs, or tmpfs),\n"
		"                    watched by the tracer as an observer; "
		"then one\n"
		"                    filesystem x scenario table\n"
		"  --timeout SEC     watchdog per scenario (default 20)\n"
		"  --race-time SEC   bound of the racy scenarios (default 2)\n"
		"  -h, --help        this help\n\n"
		"Exit status: 0 every scenario matched its expectation, 1 some "
		"did not,\n2 usage or setup error, 130 interrupted.\n");
}

static int selected(const struct config *c, const struct scenario *sc)
{
	char name[128];

	scenario_name(sc, name, sizeof(name));
	if (!c->npats)
		return !(sc->flags & S_HIDDEN);
	for (int i = 0; i < c->npats; i++) {
		/* a check of the tool itself runs only when named */
		if (sc->flags & S_HIDDEN ? !strcmp(c->pats[i], name)
					 : !fnmatch(c->pats[i], name, 0))
			return 1;
	}
	return 0;
}

/* Is @w one of the comma-separated words of @list? */
static int has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; *p;
	     p += strcspn(p, ",") + !!p[strcspn(p, ",")])
		if (strcspn(p, ",") == n && !strncmp(p, w, n))
			return 1;
	return 0;
}

/* "ext4,tmpfs" or "all": each known, none twice */
static void parse_fs(struct config *c, const char *arg)
{
	char list[128], *save;

	if (!strcmp(arg, "all"))
		arg = FS_ALL;
	if (strlen(arg) >= sizeof(list) || !*arg)
		die("--fs: a list of dtfs, ext4, xfs, btrfs, tmpfs, or all");
	snprintf(list, sizeof(list), "%s", arg);
	c->fslist[0] = 0;
	for (char *w = strtok_r(list, ",", &save); w;
	     w = strtok_r(NULL, ",", &save)) {
		if (!fs_known(w))
			die("--fs: unknown filesystem '%s' (dtfs, ext4, xfs, "
			    "btrfs, tmpfs, all)",
			    w);
		if (has_word(c->fslist, w))
			die("--fs: '%s' twice", w);
		snprintf(c->fslist + strlen(c->fslist),
			 sizeof(c->fslist) - strlen(c->fslist), "%s%s",
			 c->fslist[0] ? "," : "", w);
	}
}

static void parse_args(int argc, char **argv, struct config *c)
{
	static const struct option lo[] = {
		{"list", no_argument, NULL, 'l'},
		{"run", no_argument, NULL, 'r'},
		{"repeat", required_argument, NULL, 'n'},
		{"mount", required_argument, NULL, 'm'},
		{"log", required_argument, NULL, 'L'},
		{"expect", required_argument, NULL, 'e'},
		{"print-expect", no_argument, NULL, 'P'},
		{"json", no_argument, NULL, 'j'},
		{"kernel", required_argument, NULL, 'K'},
		{"fs", required_argument, NULL, 'F'},
		{"timeout", required_argument, NULL, 't'},
		{"race-time", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt, run = 0;
	char *end;

	memset(c, 0, sizeof(*c));
	c->repeat = 1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'l':
			c->list = 1;
			break;
		case 'r':
			run = 1;
			break;
		case 'n':
			c->repeat = (int)strtol(optarg, &end, 10);
			if (*end || c->repeat < 1 || c->repeat > 10000)
				die("--repeat: a number from 1 to 10000, not "
				    "'%s'",
				    optarg);
			break;
		case 'm':
			c->mountdir = optarg;
			break;
		case 'L':
			c->logpath = optarg;
			break;
		case 'e':
			c->expfile = optarg;
			break;
		case 'P':
			c->print_expect = 1;
			break;
		case 'j':
			c->json = 1;
			break;
		case 'K':
			c->kernels = optarg;
			break;
		case 'F':
			parse_fs(c, optarg);
			break;
		case 't':
			ctx.timeout = (int)strtol(optarg, &end, 10);
			if (*end || ctx.timeout < 1 || ctx.timeout > 3600)
				die("--timeout: seconds from 1 to 3600, not "
				    "'%s'",
				    optarg);
			break;
		case 'R':
			ctx.race_secs = strtod(optarg, &end);
			if (*end || !(ctx.race_secs > 0) || ctx.race_secs > 600)
				die("--race-time: seconds (0 < s <= 600), not "
				    "'%s'",
				    optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "dtfs-pin: try --help\n");
			exit(2);
		}
	}
	if (optind < argc && !run && !c->list)
		die("unexpected argument '%s' (scenarios go after --run)",
		    argv[optind]);
	c->pats = argv + optind;
	c->npats = argc - optind;
	if (run && !c->npats)
		die("--run needs at least one scenario name (see --list)");
	for (int i = 0; i < c->npats; i++) {
		struct config one = *c;
		int hit = 0;

		one.pats = c->pats + i;
		one.npats = 1;
		for (size_t s = 0; s < pin_nscenarios; s++)
			hit |= selected(&one, &pin_scenarios[s]);
		if (!hit)
			die("no scenario matches '%s' (see --list)",
			    c->pats[i]);
	}
	if (c->fslist[0] && (c->mountdir || c->logpath || c->kernels))
		die("--fs makes its own instance of each filesystem: not with "
		    "--mount, --log or --kernel");
	if (c->kernels &&
	    (c->mountdir || c->logpath || c->list || c->print_expect))
		die("--kernel makes its own mount on each kernel: not with "
		    "--mount, --log, --list or --print-expect");
	if (c->expfile)
		load_expect_file(c->expfile);
}

static void list(const struct config *c)
{
	char name[128];

	for (size_t i = 0; i < pin_nscenarios; i++) {
		const struct scenario *sc = &pin_scenarios[i];

		if (!selected(c, sc))
			continue;
		printf("%-26s %s\n", scenario_name(sc, name, sizeof(name)),
		       sc->what);
		printf("%-26s   means: %s%s\n", "", sc->meaning,
		       sc->flags & S_RACY ? " (racy: bounded loops)" : "");
	}
}

/* ---- set-up ---------------------------------------------------------------- */

/* What every run needs: root, signals, the temp directory. */
static void setup_common(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	const char *t = getenv("TMPDIR");

	if (geteuid() != 0)
		die("needs root (BPF tracer, gates, /sys/fs/fuse, mounts)");
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	atexit(cleanup);
	snprintf(ctx.tmp, sizeof(ctx.tmp), "%s/dtfs-pin.XXXXXX",
		 t && *t ? t : "/tmp");
	if (!mkdtemp(ctx.tmp))
		die("mkdtemp %s: %s", ctx.tmp, strerror(errno));
	ctx.viol_seen =
		mmap(NULL, sizeof(*ctx.viol_seen), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctx.viol_seen == MAP_FAILED)
		die("mmap: %s", strerror(errno));
}

/* dtfs: a fresh mount, or the one given */
static void setup_dtfs(const struct config *c)
{
	if (access("/dev/fuse", R_OK | W_OK))
		die("/dev/fuse: %s", strerror(errno));
	ensure_fusectl();
	ctx.fs = "dtfs";
	ctx.foreign = 0;
	if (c->mountdir) {
		use_mount(c->mountdir, c->logpath);
		snprintf(ctx.work, sizeof(ctx.work), "%s/.dtfs-pin.%d", ctx.mnt,
			 (int)getpid());
		if (mkdir(ctx.work, 0755))
			die("mkdir %s: %s", ctx.work, strerror(errno));
	} else {
		find_dtfs();
		mount_fresh();
		if (c->logpath)
			snprintf(ctx.log, sizeof(ctx.log), "%s", c->logpath);
		snprintf(ctx.work, sizeof(ctx.work), "%s", ctx.mnt);
	}
}

/* ---- the run ------------------------------------------------------------- */

/* The child: the scenario, its outcome through the pipe. */
static void child(const struct scenario *sc, int fd)
{
	struct outcome o = {.data = D_ERROR};

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sc->run(sc, &o);
	if (write(fd, &o, sizeof(o)) != sizeof(o))
		_exit(1);
	_exit(0);
}

/* Wait for the child's outcome up to the watchdog's time. 1: got it, 0:
 * timed out, -1: interrupted. */
static int await_outcome(int fd, double t0, struct outcome *o, ssize_t *n)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		double left = ctx.timeout - (now_s() - t0);

		if (interrupted)
			return -1;
		if (left <= 0)
			return 0;
		if (ctx.foreign && ctx.ob) {
			/* tell a racy loop what the observer saw */
			static struct dtfs_status st;

			fs_status(&st);
			*ctx.viol_seen = st.viol_no_notify + st.viol_no_buffers;
			if (left > 0.05)
				left = 0.05;
		}
		if (poll(&p, 1, (int)(left * 1000) + 1) > 0) {
			*n = read(fd, o, sizeof(*o));
			return 1;
		}
	}
}

/* The watchdog fired: the mount is aborted; go on with a fresh one. */
static void after_deadlock(struct result *res)
{
	res->verdict = V_DEADLOCK;
	snprintf(res->detail, sizeof(res->detail),
		 "no progress in %d s: FUSE connection aborted", ctx.timeout);
	if (ctx.own_mount) {
		umount2(ctx.mnt, MNT_DETACH);
		unmount_own();
		mount_fresh();
		snprintf(ctx.work, sizeof(ctx.work), "%s", ctx.mnt);
	} else {
		ctx.dead = 1;
	}
}

static void describe(struct result *res, const struct outcome *o,
		     const char *note)
{
	const struct evidence *e = &res->ev;
	char ev[200] = "";

	if (res->verdict == V_SKIP && note[0]) {
		snprintf(res->detail, sizeof(res->detail), "%s", note);
		return;
	}
	if (res->verdict == V_DIRTY_WITHOUT_NOTIFY || e->viol_nn || e->viol_nb)
		snprintf(ev, sizeof(ev),
			 "; violations %llu+%llu (root-cause seq %llu class "
			 "%s, symptom seq %llu naming #%llu)",
			 (unsigned long long)e->viol_nn,
			 (unsigned long long)e->viol_nb,
			 (unsigned long long)e->root_seq,
			 e->root_seq
				 ? dtfs_class_name((unsigned int)e->root_cls)
					   ?: "?"
				 : "-",
			 (unsigned long long)e->symptom_seq,
			 (unsigned long long)e->symptom_root);
	else if (res->sc->flags & S_NEEDS_NOTIFY)
		snprintf(ev, sizeof(ev), "; write-notify %llu",
			 (unsigned long long)e->notify);
	snprintf(res->detail, sizeof(res->detail), "%s%s%s%s%s",
		 res->verdict == V_REFUSED ? strerrorname_np(o->err) ?: "?"
					   : "",
		 res->verdict == V_REFUSED ? ": " : "", o->detail, ev, note);
}

static void run_one(const struct scenario *sc, int rep, const char *kernel,
		    struct result *res)
{
	struct dtfs_status *st0 = calloc(1, sizeof(*st0)),
			   *st1 = calloc(1, sizeof(*st1));
	struct outcome o = {.data = D_ERROR};
	char tag[200], name[128], note[160], warn[300], fsnote[200] = "";
	double t0 = now_s();
	int pfd[2], status = 0, got, kfd = -1, nwarn = 0;
	ssize_t n = 0;

	memset(res, 0, sizeof(*res));
	res->sc = sc;
	res->fs = ctx.fs;
	res->run = rep;
	res->expected = !ctx.foreign && expect_override(sc)
				? expect_override(sc)
				: expected_on(sc, ctx.fs, kernel);
	res->expected_known = !!res->expected;
	if (!st0 || !st1)
		die("out of memory");
	scenario_name(sc, name, sizeof(name));
	if (ctx.dead) {
		res->verdict = V_SKIP;
		snprintf(res->detail, sizeof(res->detail),
			 "the mount was aborted by an earlier deadlock");
		goto out;
	}
	snprintf(ctx.sdir, sizeof(ctx.sdir), "%.4000s/%.100s.%d", ctx.work,
		 name, rep);
	for (char *p = ctx.sdir + strlen(ctx.work) + 1; *p; p++)
		if (*p == '/')
			*p = '_';
	if (mkdir(ctx.sdir, 0755) && errno != EEXIST)
		die("mkdir %s: %s", ctx.sdir, strerror(errno));
	snprintf(tag, sizeof(tag), "dtfs-pin %d: %s run %d", (int)getpid(),
		 name, rep);
	mark("%s begin", tag);
	if (get_status(ctx.work, st0))
		die("%s: the STATUS ioctl failed: %s", ctx.work,
		    strerror(errno));
	if (pipe(pfd))
		die("pipe: %s", strerror(errno));
	kfd = kmsg_open();
	fflush(NULL);
	ctx.child = fork();
	if (ctx.child < 0)
		die("fork: %s", strerror(errno));
	if (ctx.child == 0) {
		close(pfd[0]);
		child(sc, pfd[1]);
	}
	close(pfd[1]);
	got = await_outcome(pfd[0], t0, &o, &n);
	if (got == 0) {
		/* the watchdog: whatever the child waits for in dtfs will
		 * now fail, so it can be reaped */
		if (!ctx.foreign)
			abort_connection();
		kill(ctx.child, SIGKILL);
	} else if (got < 0) {
		/* let held requests go, so the child can die without
		 * breaking the mount (reap_child escalates if it cannot) */
		release_gates(ctx.sdir);
		kill(ctx.child, SIGKILL);
	}
	reap_child(ctx.child, &status);
	ctx.child = 0;
	close(pfd[0]);
	res->secs = now_s() - t0;
	if (got < 0)
		goto out;
	if (got == 0) {
		if (ctx.foreign) {
			res->verdict = V_DEADLOCK;
			snprintf(res->detail, sizeof(res->detail),
				 "no progress in %d s", ctx.timeout);
			goto out;
		}
		after_deadlock(res);
		goto out;
	}
	if (n != sizeof(o)) {
		res->verdict = V_ERROR;
		snprintf(res->detail, sizeof(res->detail),
			 "scenario process died (status 0x%x)", status);
		goto out;
	}
	if (ctx.foreign)
		sync(); /* the filesystem's writeback is part of the evidence */
	if (!get_status(ctx.work, st1)) {
		evidence_diff(st0, st1, &res->ev);
		ctx.tracer_on = (int)st1->tracer_on;
	}
	mark("%s end", tag);
	snprintf(tag + strlen(tag), sizeof(tag) - strlen(tag), " end");
	read_log(tag, &res->ev);
	if (ctx.foreign && ctx.can_remount && o.data == D_OK && o.nfiles) {
		/* what the disk holds, with the page cache gone */
		char why[200];

		if (fs_remount(why, sizeof(why))) {
			o.data = D_ERROR;
			snprintf(o.detail, sizeof(o.detail), "%s", why);
		} else {
			o.data = fs_check_files(&o, fsnote, sizeof(fsnote));
			if (o.data != D_OK)
				snprintf(o.detail, sizeof(o.detail), "%s",
					 fsnote);
			else
				snprintf(o.detail + strlen(o.detail),
					 sizeof(o.detail) - strlen(o.detail),
					 "; checked after remount");
		}
	}
	nwarn = kmsg_collect(kfd, warn, sizeof(warn));
	kfd = -1;
	res->verdict = decide_verdict(sc, &o, &res->ev, ctx.tracer_on, note,
				      sizeof(note));
	res->err = o.err;
	res->permitted =
		res->verdict == V_LOST_WRITE && (sc->flags & S_LOSS_PERMITTED);
	describe(res, &o, note);
	if (nwarn && res->verdict != V_ERROR) {
		/* the data's own verdict stays in the detail */
		char was[sizeof(res->detail)];

		snprintf(was, sizeof(was), "%s", res->detail);
		snprintf(res->detail, sizeof(res->detail),
			 "%d kernel message%s: %.300s; then %s: %.150s", nwarn,
			 nwarn > 1 ? "s" : "", warn, verdict_name(res->verdict),
			 was);
		res->verdict = V_KERNEL_WARN;
	}
out:
	if (kfd >= 0)
		close(kfd);
	if (res->expected)
		res->expected_ok = !!(res->expected & VB(res->verdict));
	else
		res->expected_ok = res->verdict != V_CORRUPT &&
				   res->verdict != V_DEADLOCK &&
				   res->verdict != V_KERNEL_WARN &&
				   res->verdict != V_ERROR;
	free(st0);
	free(st1);
}

/* A racy row that missed its expectation gets two more tries (the race
 * may not have been won in time on a loaded machine); the detail says so.
 * Never a flaky failure, and never a hidden one: a kernel warning is not
 * retried, and a verdict outside the
 * expectation three times is reported. */
static void retry_racy(const struct scenario *sc, int rep, const char *kernel,
		       struct result *x)
{
	for (int t = 1; t <= 2 && !interrupted; t++) {
		char first[32];

		if (!(sc->flags & S_RACY) || x->expected_ok ||
		    x->verdict == V_SKIP || x->verdict == V_DEADLOCK ||
		    x->verdict == V_KERNEL_WARN)
			return;
		snprintf(first, sizeof(first), "%s", verdict_name(x->verdict));
		run_one(sc, rep, kernel, x);
		snprintf(x->detail + strlen(x->detail),
			 sizeof(x->detail) - strlen(x->detail),
			 " (racy: try %d, after %s)", t + 1, first);
	}
}

int main(int argc, char **argv)
{
	struct config c;
	struct report r = {0};
	struct utsname un;
	int total = 0, nfail = 0, nskip = 0, k = 0;

	parse_args(argc, argv, &c);
	if (c.kernels)
		return run_kernels(argc, argv, c.kernels, c.json);
	uname(&un);
	if (c.list) {
		list(&c);
		return 0;
	}
	if (c.print_expect) {
		print_expectations(stdout, un.release);
		return 0;
	}
	if (!c.fslist[0])
		snprintf(c.fslist, sizeof(c.fslist), "dtfs");
	setup_common();
	for (const char *f = c.fslist; *f;
	     f += strcspn(f, ",") + !!f[strcspn(f, ",")]) {
		char fs[16];

		snprintf(fs, sizeof(fs), "%.*s", (int)strcspn(f, ","), f);
		for (size_t i = 0; i < pin_nscenarios; i++)
			if (selected(&c, &pin_scenarios[i]) &&
			    scenario_applies(&pin_scenarios[i], fs))
				total += c.repeat;
	}
	r.res = calloc((size_t)total + 1, sizeof(*r.res));
	if (!r.res)
		die("out of memory");
	r.kernel = un.release;
	r.machine = un.machine;
	r.json = c.json;
	r.repeat = c.repeat;
	r.fslist = strcmp(c.fslist, "dtfs") ? c.fslist : NULL;
	r.expect_src = c.expfile ? c.expfile : "the scenario table";
	if (!r.fslist)
		setup_dtfs(&c);
	report_begin(&r, total);
	for (const char *f = c.fslist; *f && !interrupted;
	     f += strcspn(f, ",") + !!f[strcspn(f, ",")]) {
		char fs[16], why[300] = "";
		int skip = 0;

		snprintf(fs, sizeof(fs), "%.*s", (int)strcspn(f, ","), f);
		if (r.fslist) {
			if (!strcmp(fs, "dtfs"))
				setup_dtfs(&c);
			else
				skip = fs_setup(fs, why, sizeof(why));
			if (!c.json)
				printf("# %s: %s\n", fs, skip ? why : ctx.mnt);
		}
		for (size_t i = 0; i < pin_nscenarios && !interrupted; i++) {
			const struct scenario *sc = &pin_scenarios[i];

			if (!selected(&c, sc) || !scenario_applies(sc, fs))
				continue;
			for (int rep = 1; rep <= c.repeat && !interrupted;
			     rep++) {
				struct result *x = &r.res[k];

				if (skip) {
					memset(x, 0, sizeof(*x));
					x->sc = sc;
					x->fs = fs_known(fs);
					x->run = rep;
					x->verdict = V_SKIP;
					snprintf(x->detail, sizeof(x->detail),
						 "%s", why);
				} else {
					run_one(sc, rep, un.release, x);
					retry_racy(sc, rep, un.release, x);
				}
				if (interrupted)
					break;
				k++;
				r.n = k;
				if (x->verdict == V_SKIP)
					nskip++;
				else if (!x->expected_ok)
					nfail++;
				report_result(&r, x, k);
			}
		}
		if (r.fslist) {
			if (ctx.foreign)
				fs_teardown();
			else if (ctx.own_mount)
				unmount_own();
		}
	}
	if (interrupted) {
		fprintf(stderr, "dtfs-pin: interrupted; cleaned up\n");
		cleanup();
		return 130;
	}
	report_end(&r, nfail, nskip);
	free(r.res);
	cleanup();
	return nfail ? 1 : 0;
}
