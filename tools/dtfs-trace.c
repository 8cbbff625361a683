// SPDX-License-Identifier: GPL-2.0
/*
 * dtfs-trace: dtfs's kernel tracer and classifier as a standalone observer
 * of any mounted filesystem (dtfs-trace(1)). Writes a dirty log in the
 * dtfs-dirtylog(5) format until COMMAND exits, or until SIGINT/SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "dtfs/observe.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dtfs-trace [options] MOUNTPOINT [-- COMMAND [ARG...]]\n"
		"Observe the page cache of the filesystem mounted at "
		"MOUNTPOINT (any\nfilesystem): how each page got dirty "
		"(write-notify, write_begin or a\nbypass, with its kernel "
		"path), its writeback, page-cache inserts and\ndeletes, into "
		"a dirty log (dtfs-dirtylog(5)) that dtfs-log reads.\nA "
		"bypass dirtying is flagged as the root cause, the "
		"filesystem's next\nwriteback of that page as its symptom. "
		"Runs until COMMAND exits, or\nuntil SIGINT/SIGTERM "
		"without one.\n\n"
		"  -o, --log FILE    the dirty log (default dtfs-trace.log)\n"
		"  --log-max BYTES   rotate the log past this size (default "
		"1 GiB)\n"
		"  -q, --quiet       no summary on stderr\n"
		"  -h, --help        this help\n\n"
		"Exit status: COMMAND's (128+N if killed by signal N); "
		"without COMMAND 0;\n2 usage or setup error (needs root: "
		"BPF).\n");
}

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Sleep a little, and now and then walk the tree for the names of new
 * files, so that the log names them near their first events; a walk costs
 * at most a tenth of the time. */
static void name_tick(struct dt_observer *ob)
{
	static double next, cost = 0.01;

	usleep(20000);
	if (mono_s() < next)
		return;
	{
		double t0 = mono_s();

		dt_observer_names(ob);
		cost = mono_s() - t0;
		next = mono_s() + (cost * 10 > 0.2 ? cost * 10 : 0.2);
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"log", required_argument, NULL, 'o'},
		{"log-max", required_argument, NULL, 'M'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *log = "dtfs-trace.log", *mnt;
	unsigned long long log_max = 1ULL << 30;
	struct sigaction sa = {.sa_handler = on_signal};
	struct dt_pages_counters c;
	struct dt_observer *ob;
	char why[512], *end;
	struct statfs sf;
	struct stat st;
	int opt, quiet = 0, rc = 0, status;
	pid_t child = 0;

	opterr = 0; /* bad input: one line of ours */
	while ((opt = getopt_long(argc, argv, "+o:qh", lo, NULL)) != -1) {
		switch (opt) {
		case 'o':
			log = optarg;
			break;
		case 'M':
			log_max = strtoull(optarg, &end, 10);
			if (*end || log_max < 65536) {
				fprintf(stderr,
					"dtfs-trace: --log-max: bytes, at "
					"least 65536, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "dtfs-trace: %s '%s' (try --help)\n",
				optopt && strchr("o", optopt)
					? "option needs an argument:"
					: "unknown option",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "dtfs-trace: which mountpoint? (try --help)\n");
		return 2;
	}
	mnt = argv[optind++];
	if (optind < argc && strcmp(argv[optind - 1], "--") &&
	    strcmp(argv[optind], "--")) {
		fprintf(stderr,
			"dtfs-trace: unexpected argument '%s' (a command "
			"goes after --)\n",
			argv[optind]);
		return 2;
	}
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (stat(mnt, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "dtfs-trace: %s: %s\n", mnt,
			errno ? strerror(errno) : "not a directory");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "dtfs-trace: needs root (the BPF tracer)\n");
		return 2;
	}
	if (dt_observer_start(mnt, log, log_max, &ob, why, sizeof(why))) {
		fprintf(stderr, "dtfs-trace: %s: cannot observe: %s\n", mnt,
			why);
		return 2;
	}
	dt_observer_names(ob);
	if (!quiet && !statfs(mnt, &sf) && sf.f_type == TMPFS_MAGIC)
		fprintf(stderr,
			"dtfs-trace: %s is tmpfs: shmem tracks no dirty pages "
			"and its page-cache inserts have no tracepoint, so the "
			"log will hold names and little else\n",
			mnt);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (optind < argc) {
		fflush(NULL);
		child = fork();
		if (child < 0) {
			fprintf(stderr, "dtfs-trace: fork: %s\n",
				strerror(errno));
			dt_observer_stop(ob);
			return 2;
		}
		if (child == 0) {
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			execvp(argv[optind], argv + optind);
			fprintf(stderr, "dtfs-trace: %s: %s\n", argv[optind],
				strerror(errno));
			_exit(127);
		}
		for (;;) {
			pid_t r = waitpid(child, &status, WNOHANG);

			if (r == child || (r < 0 && errno != EINTR))
				break;
			if (stop) { /* pass it on, then wait for the command */
				kill(child, (int)stop);
				stop = 0;
			}
			name_tick(ob);
		}
		rc = WIFEXITED(status)	   ? WEXITSTATUS(status)
		     : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
					   : 2;
	} else {
		while (!stop)
			name_tick(ob);
	}
	/* names of what the command created, then the end */
	dt_observer_names(ob);
	dt_observer_mark(ob, "dtfs-trace: end");
	dt_observer_counters(ob, &c);
	if (!quiet)
		fprintf(stderr,
			"dtfs-trace: %s: %llu dirtyings (%llu write-notify, "
			"%llu bypass), %llu writebacks, %llu root causes, "
			"%llu symptoms%s; log %s\n",
			mnt,
			(unsigned long long)(c.dirty_by_class
						     [DTFS_CLS_WRITE_NOTIFY] +
					     c.dirty_by_class
						     [DTFS_CLS_WRITE_BEGIN] +
					     c.dirty_by_class
						     [DTFS_CLS_DIO_BIO_COMPLETION] +
					     c.dirty_by_class
						     [DTFS_CLS_DIO_SUBMIT] +
					     c.dirty_by_class
						     [DTFS_CLS_FUSE_DIO_RELEASE] +
					     c.dirty_by_class
						     [DTFS_CLS_GUP_UNPIN] +
					     c.dirty_by_class[DTFS_CLS_OTHER] +
					     c.dirty_by_class
						     [DTFS_CLS_REDIRTY]),
			(unsigned long long)
				c.dirty_by_class[DTFS_CLS_WRITE_NOTIFY],
			(unsigned long long)(c.dirty_by_class
						     [DTFS_CLS_DIO_BIO_COMPLETION] +
					     c.dirty_by_class
						     [DTFS_CLS_DIO_SUBMIT] +
					     c.dirty_by_class
						     [DTFS_CLS_FUSE_DIO_RELEASE] +
					     c.dirty_by_class
						     [DTFS_CLS_GUP_UNPIN] +
					     c.dirty_by_class[DTFS_CLS_OTHER]),
			(unsigned long long)c.writepages,
			(unsigned long long)c.viol_no_notify,
			(unsigned long long)c.viol_no_buffers,
			dt_observer_lost(ob) ? " (tracer records lost)" : "",
			log);
	dt_observer_stop(ob);
	return rc;
}
