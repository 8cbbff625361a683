/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtfs's command line, without libfuse:
 *
 *   dtfs STORE MOUNTPOINT [-f] [-d] [-s] [-o opt[,opt...]]... [-oopt...]
 *
 * One table in core/opts.c lists dtfs's -o options (writeback_cache,
 * attr_timeout=, entry_timeout=, max_threads=, tracer=, on_violation=,
 * release=, dirty_log=, dirty_log_max=) and the generic mount options that
 * mount(8) and mount.fuse3 hand down (ro, rw, dev, suid, exec, sync,
 * atime, relatime, lazytime... and their negations): it drives parsing,
 * validation and --help (dt_opts_help). dt_opts_parse() takes dtfs's own
 * options out of the command line and validates them strictly into struct
 * dt_opts; the generic ones libfuse knows and everything else (-f, -d, -s,
 * allow_other, fsname=, ...) are handed on, in order, in fuse_argv for
 * libfuse (fuse_parse_cmdline, fuse_session_new), which refuses what it
 * does not know; the generic ones it does not know are accepted and noted
 * in dt_opts.accepted. Inside -o, options are separated by commas; a
 * backslash quotes the next character (\, is a comma in a value, \\ a
 * backslash) and \ooo is an octal byte, as in libfuse. A repeated option:
 * the last wins.
 *
 * Errors: -EINVAL and one line in @err naming the problem, e.g.
 * "bad value 'abc' for -o max_threads (want an integer 1..1024)".
 */
#ifndef DTFS_OPTS_H
#define DTFS_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "dtfs/track.h"

#define DT_OPT_TIMEOUT_MAX 86400 /* seconds */
#define DT_OPT_THREADS_MAX 1024
#define DT_OPT_LOG_MAX_MIB (1u << 20) /* 1 TiB */
#define DT_OPT_PATH_MAX 4095

/* Access-time modes: the relatime (default), strictatime and noatime
 * mount options (dt_touch_atime). */
enum dt_atime { DT_ATIME_RELATIME, DT_ATIME_STRICT, DT_ATIME_NONE };

struct dt_opts {
	const char *store; /* argv strings */
	const char *mountpoint;
	int show_help; /* -h/--help or -V/--version: nothing else is checked */
	int show_version;
	int foreground; /* -f or -d (also handed on to libfuse) */
	int debug; /* -d or -o debug */
	int singlethread; /* -s */
	int writeback_cache;
	int cached_dio; /* O_DIRECT opens without FOPEN_DIRECT_IO */
	int nosubtype; /* the mount's type is plain "fuse", not fuse.dtfs */
	double attr_timeout; /* default 1.0 */
	double entry_timeout; /* default 1.0 */
	unsigned int max_threads; /* default 16 */
	int tracer; /* enum dt_tracer_mode, default auto */
	int on_violation; /* enum dt_on_violation, default warn */
	int release; /* enum dt_release, default writeback */
	int dirty_log_off; /* dirty_log=off */
	char *dirty_log; /* dirty_log=PATH; NULL: STORE/dirty.log */
	unsigned int dirty_log_max; /* MiB, default 256 */
	int allow_other; /* allow_other or allow_root was asked for */
	int fsname; /* fsname= was given */
	int atime; /* enum dt_atime (dtfs/core.h): relatime, strict, none */
	int nodiratime; /* no access times on directories */
	int ro; /* -o ro: no access times either */
	/* generic mount options taken without effect, comma-separated, in
	 * the order given ("" if none) */
	char accepted[128];
	/* for libfuse: argv[0], the options not dtfs's, NULL-terminated */
	int fuse_argc;
	char **fuse_argv;
};

/* Parse @argv into @o (which it initialises; free with dt_opts_free, also
 * after an error). 0, or -EINVAL with one line in @err, or -ENOMEM. */
int dt_opts_parse(int argc, char *const argv[], struct dt_opts *o, char *err,
		  size_t errlen);
void dt_opts_free(struct dt_opts *o);

/* The option table as help text (the "dtfs options" and "mount options"
 * sections of --help), on @f. */
void dt_opts_help(FILE *f);
/* The name of dtfs's own option @i (0, 1, ...), NULL past the last: for
 * tests that must know which options are dtfs's. */
const char *dt_opts_own_name(size_t i);

/* One -o option group split and unescaped as libfuse does: calls @fn for
 * each non-empty option. -EINVAL (one line in @err) on a trailing
 * backslash or an escaped NUL; otherwise what @fn returns if not 0. */
int dt_opts_split(const char *group,
		  int (*fn)(void *ctx, const char *opt, char *err,
			    size_t errlen),
		  void *ctx, char *err, size_t errlen);

#endif
