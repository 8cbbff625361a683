// SPDX-License-Identifier: GPL-2.0
/*
 * Check unit tests of the two parsers of outside input that need no mount:
 * dtfs's command line (core/opts.c) and the control ioctls' argument
 * decoder (core/ctl.c). Good input: the exact values and the exact argv
 * handed to libfuse. Bad input: refused, with the exact one-line message
 * (command line) or errno (ioctls).
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dtfs/ctl.h"
#include "dtfs/opts.h"
#include "dtfs/tracer.h"
#include "dtfs/pagestate.h"

/* ---- command line ------------------------------------------------------ */

static struct dt_opts o;
static char err[512];

/* parse "dtfs" + @args (NULL-terminated) */
static int parse_args(const char *const *args)
{
	char *argv[64];
	int argc = 0;

	argv[argc++] = "dtfs";
	for (; *args && argc < 63; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	dt_opts_free(&o);
	memset(err, 0, sizeof(err));
	return dt_opts_parse(argc, argv, &o, err, sizeof(err));
}

#define parse(...) parse_args((const char *const[]){__VA_ARGS__})

/* fuse_argv joined by spaces */
static const char *fuse_line(void)
{
	static char buf[1024];
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < o.fuse_argc; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
				      i ? " " : "", o.fuse_argv[i]);
	ck_assert_ptr_null(o.fuse_argv[o.fuse_argc]);
	return buf;
}

static void opts_teardown(void)
{
	dt_opts_free(&o);
}

START_TEST(test_opts_defaults)
{
	ck_assert_int_eq(parse("st", "mnt", NULL), 0);
	ck_assert_str_eq(o.store, "st");
	ck_assert_str_eq(o.mountpoint, "mnt");
	ck_assert(o.attr_timeout == 1.0 && o.entry_timeout == 1.0);
	ck_assert_uint_eq(o.max_threads, 16);
	ck_assert_int_eq(o.tracer, DT_TRACER_AUTO);
	ck_assert_int_eq(o.on_violation, DTFS_ON_WARN);
	ck_assert_int_eq(o.release, DTFS_REL_WRITEBACK);
	ck_assert_uint_eq(o.dirty_log_max, 256);
	ck_assert_ptr_null(o.dirty_log);
	ck_assert(!o.dirty_log_off && !o.writeback_cache && !o.nosubtype &&
		  !o.cached_dio && !o.allow_other && !o.fsname &&
		  !o.foreground && !o.debug && !o.singlethread);
	/* libfuse gets nothing but argv[0]: no allow_other unless asked */
	ck_assert_str_eq(fuse_line(), "dtfs");
	ck_assert_int_eq(o.fuse_argc, 1);
}
END_TEST

START_TEST(test_opts_all)
{
	ck_assert_int_eq(
		parse("-o", "writeback_cache,attr_timeout=0.5,cached_dio",
		      "-oentry_timeout=2,max_threads=1024", "st", "-o",
		      "tracer=off", "-otracer=on", "mnt", "-o",
		      "on_violation=abort,release=evict",
		      "-odirty_log_max=1048576,dirty_log=/l/x.log", NULL),
		0);
	ck_assert(o.writeback_cache && o.cached_dio);
	ck_assert(!o.nosubtype);
	ck_assert(o.attr_timeout == 0.5 && o.entry_timeout == 2.0);
	ck_assert_uint_eq(o.max_threads, 1024);
	ck_assert_int_eq(o.tracer, DT_TRACER_ON); /* the last one wins */
	ck_assert_int_eq(o.on_violation, DTFS_ON_ABORT);
	ck_assert_int_eq(o.release, DTFS_REL_EVICT);
	ck_assert_uint_eq(o.dirty_log_max, 1048576);
	ck_assert_str_eq(o.dirty_log, "/l/x.log");
	ck_assert_str_eq(o.store, "st");
	ck_assert_str_eq(o.mountpoint, "mnt");
	ck_assert_str_eq(fuse_line(), "dtfs"); /* all dtfs's own */
	/* nosubtype is dtfs's: libfuse never sees it */
	ck_assert_int_eq(
		parse("st", "mnt", "-o", "nosubtype,allow_other", NULL), 0);
	ck_assert(o.nosubtype && o.allow_other);
	ck_assert_str_eq(fuse_line(), "dtfs -o allow_other");
	ck_assert_int_eq(parse("st", "mnt", "-o", "dirty_log=/x,dirty_log=off",
			       "-o", "attr_timeout=0,entry_timeout=86400", "-o",
			       "max_threads=1,dirty_log_max=1", NULL),
			 0);
	ck_assert(o.dirty_log_off);
	ck_assert_ptr_null(o.dirty_log);
	ck_assert(o.attr_timeout == 0 && o.entry_timeout == 86400);
	ck_assert_uint_eq(o.max_threads, 1);
	ck_assert_uint_eq(o.dirty_log_max, 1);
	ck_assert_int_eq(parse("st", "mnt", "-o", "attr_timeout=1e-3", "-o",
			       "entry_timeout=.25", NULL),
			 0);
	ck_assert(o.attr_timeout == 0.001 && o.entry_timeout == 0.25);
	ck_assert_int_eq(parse("st", "mnt", "-o", "on_violation=eio", NULL), 0);
	ck_assert_int_eq(o.on_violation, DTFS_ON_EIO);
}
END_TEST

START_TEST(test_opts_passthrough)
{
	/* libfuse's switches and options go on, in order, dtfs's taken out */
	ck_assert_int_eq(parse("-f", "st", "-d", "mnt", "-s", "-o",
			       "allow_other,max_threads=4,default_permissions",
			       "-oclone_fd", "-o", "max_idle_threads=2", NULL),
			 0);
	ck_assert_str_eq(fuse_line(),
			 "dtfs -f -d -s -o "
			 "allow_other,default_permissions,clone_fd,max_idle_"
			 "threads=2");
	ck_assert(o.foreground && o.debug && o.singlethread && o.allow_other);
	ck_assert(!o.fsname);
	ck_assert_uint_eq(o.max_threads, 4);
	/* unknown ones too: libfuse refuses them */
	ck_assert_int_eq(
		parse("st", "mnt", "-x", "--bogus", "-o", "nosuch", NULL), 0);
	ck_assert_str_eq(fuse_line(), "dtfs -x --bogus -o nosuch");
	/* allow_root is allow_other to the kernel; debug is -d */
	ck_assert_int_eq(parse("st", "mnt", "-o", "allow_root,debug", NULL), 0);
	ck_assert(o.allow_other && o.debug && o.foreground);
	ck_assert_str_eq(fuse_line(), "dtfs -o allow_root,debug");
	/* an option that only starts like dtfs's is not dtfs's */
	ck_assert_int_eq(
		parse("st", "mnt", "-o", "tracer_x=1,max_threadsx", NULL), 0);
	ck_assert_str_eq(fuse_line(), "dtfs -o tracer_x=1,max_threadsx");
	ck_assert_uint_eq(o.max_threads, 16);
	/* generic mount options: libfuse's set on the mount, the
	 * access-time ones dtfs's, the others taken without effect (and
	 * noted once), none with a value */
	ck_assert_int_eq(parse("st", "mnt", "-o",
			       "relatime,ro,dev,suid,nodiratime,noatime,"
			       "lazytime,relatime,strictatime,exec,sync",
			       NULL),
			 0);
	ck_assert_str_eq(fuse_line(), "dtfs -o ro,dev,suid,noatime,exec,sync");
	ck_assert_str_eq(o.accepted, "lazytime");
	/* the access-time options: dtfs's, the last one wins */
	ck_assert_int_eq(o.atime, DT_ATIME_STRICT);
	ck_assert_int_eq(o.nodiratime, 1);
	ck_assert_int_eq(parse("st", "mnt", "-o", "rw", NULL), 0);
	ck_assert_str_eq(o.accepted, "");
	ck_assert_int_eq(o.atime, DT_ATIME_RELATIME);
	ck_assert_int_eq(o.nodiratime, 0);
	ck_assert_int_eq(parse("st", "mnt", "-o", "strictatime,noatime", NULL),
			 0);
	ck_assert_int_eq(o.atime, DT_ATIME_NONE);
	ck_assert_int_eq(
		parse("st", "mnt", "-o", "noatime,atime,diratime", NULL), 0);
	ck_assert_int_eq(o.atime, DT_ATIME_RELATIME);
	ck_assert_int_eq(parse("st", "mnt", "-o", "norelatime", NULL), 0);
	ck_assert_int_eq(o.atime, DT_ATIME_STRICT);
	/* empty options in a group are dropped */
	ck_assert_int_eq(parse("st", "mnt", "-o", ",,ro,", "-o", "", NULL), 0);
	ck_assert_str_eq(fuse_line(), "dtfs -o ro");
}
END_TEST

START_TEST(test_opts_escapes)
{
	/* \, is a comma in a value, \\ a backslash, \ooo a byte; handed on
	 * quoted again so that libfuse reads the same value */
	ck_assert_int_eq(parse("st", "mnt", "-o",
			       "fsname=a\\,b\\\\c\\040d,allow_other", NULL),
			 0);
	ck_assert(o.fsname && o.allow_other);
	ck_assert_str_eq(fuse_line(),
			 "dtfs -o fsname=a\\,b\\\\c d,allow_other");
	ck_assert_int_eq(parse("st", "mnt", "-o",
			       "dirty_log=/t/a\\,b,max_threads=3", NULL),
			 0);
	ck_assert_str_eq(o.dirty_log, "/t/a,b");
	ck_assert_uint_eq(o.max_threads, 3);
	ck_assert_int_eq(
		parse("st", "mnt", "-o", "max_threads=\\061\\062", NULL), 0);
	ck_assert_uint_eq(o.max_threads, 12);
	/* an escaped comma does not split: this is one bad value */
	ck_assert_int_eq(parse("st", "mnt", "-o", "max_threads=4\\,5", NULL),
			 -EINVAL);
	ck_assert_str_eq(err, "bad value '4,5' for -o max_threads (want an "
			      "integer 1..1024)");
}
END_TEST

START_TEST(test_opts_positional)
{
	/* -- ends the options; "-" is a name */
	ck_assert_int_eq(parse("--", "-st", "-o", NULL), 0);
	ck_assert_str_eq(o.store, "-st");
	ck_assert_str_eq(o.mountpoint, "-o");
	ck_assert_str_eq(fuse_line(), "dtfs");
	ck_assert_int_eq(parse("-", "mnt", NULL), 0);
	ck_assert_str_eq(o.store, "-");
	/* help and version win wherever they are, bad options or not */
	ck_assert_int_eq(parse("-o", "max_threads=abc", "--help", NULL), 0);
	ck_assert(o.show_help);
	ck_assert_int_eq(parse("-h", NULL), 0);
	ck_assert(o.show_help);
	ck_assert_int_eq(parse("st", "-V", NULL), 0);
	ck_assert(o.show_version && !o.show_help);
	ck_assert_int_eq(parse("st", "mnt", "--version", NULL), 0);
	ck_assert(o.show_version);
	/* but not after -- */
	ck_assert_int_eq(parse("st", "--", "-h", NULL), 0);
	ck_assert(!o.show_help);
	ck_assert_str_eq(o.mountpoint, "-h");
}
END_TEST

static const struct {
	const char *args[6];
	const char *msg;
} bad_cmdlines[] = {
	{{NULL},
	 "missing STORE and MOUNTPOINT (usage: STORE MOUNTPOINT [-f] [-d] [-s] "
	 "[-o opt[,opt...]]; --help for more)"},
	{{"st"},
	 "missing MOUNTPOINT (usage: STORE MOUNTPOINT [-f] [-d] [-s] "
	 "[-o opt[,opt...]]; --help for more)"},
	{{"st", "-o", "ro"},
	 "missing MOUNTPOINT (usage: STORE MOUNTPOINT [-f] [-d] [-s] "
	 "[-o opt[,opt...]]; --help for more)"},
	{{"st", "mnt", "st"},
	 "too many arguments: 'st' (after STORE and MOUNTPOINT)"},
	{{"st", "mnt", "-f", "x", "y"},
	 "too many arguments: 'x' (after STORE and MOUNTPOINT)"},
	{{"", "mnt"}, "empty STORE argument"},
	{{"st", ""}, "empty MOUNTPOINT argument"},
	{{"st", "mnt", "-o"}, "missing argument after -o"},
	{{"st", "mnt", "-o", "max_threads=abc"},
	 "bad value 'abc' for -o max_threads (want an integer 1..1024)"},
	{{"st", "mnt", "-omax_threads=5x"},
	 "bad value '5x' for -o max_threads (want an integer 1..1024)"},
	{{"st", "mnt", "-o", "max_threads=0"},
	 "bad value '0' for -o max_threads (want an integer 1..1024)"},
	{{"st", "mnt", "-o", "max_threads=1025"},
	 "bad value '1025' for -o max_threads (want an integer 1..1024)"},
	{{"st", "mnt", "-o", "max_threads=-1"},
	 "bad value '-1' for -o max_threads (want an integer 1..1024)"},
	{{"st", "mnt", "-o", "max_threads= 4"},
	 "bad value ' 4' for -o max_threads (want an integer 1..1024)"},
	{{"st", "mnt", "-o", "max_threads=0x10"},
	 "bad value '0x10' for -o max_threads (want an integer 1..1024)"},
	{{"st", "mnt", "-o", "max_threads=18446744073709551617"},
	 "bad value '18446744073709551617' for -o max_threads (want an integer "
	 "1..1024)"},
	{{"st", "mnt", "-o", "max_threads="},
	 "empty value for -o max_threads (want an integer 1..1024)"},
	{{"st", "mnt", "-o", "max_threads"},
	 "-o max_threads needs a value (an integer 1..1024)"},
	{{"st", "mnt", "-o", "attr_timeout=-1"},
	 "bad value '-1' for -o attr_timeout (want seconds 0..86400)"},
	{{"st", "mnt", "-o", "attr_timeout=nan"},
	 "bad value 'nan' for -o attr_timeout (want seconds 0..86400)"},
	{{"st", "mnt", "-o", "entry_timeout=inf"},
	 "bad value 'inf' for -o entry_timeout (want seconds 0..86400)"},
	{{"st", "mnt", "-o", "entry_timeout=0x1p3"},
	 "bad value '0x1p3' for -o entry_timeout (want seconds 0..86400)"},
	{{"st", "mnt", "-o", "entry_timeout=86400.5"},
	 "bad value '86400.5' for -o entry_timeout (want seconds 0..86400)"},
	{{"st", "mnt", "-o", "attr_timeout=1e999"},
	 "bad value '1e999' for -o attr_timeout (want seconds 0..86400)"},
	{{"st", "mnt", "-o", "attr_timeout=1s"},
	 "bad value '1s' for -o attr_timeout (want seconds 0..86400)"},
	{{"st", "mnt", "-o", "attr_timeout=."},
	 "bad value '.' for -o attr_timeout (want seconds 0..86400)"},
	{{"st", "mnt", "-o", "entry_timeout="},
	 "empty value for -o entry_timeout (want seconds 0..86400)"},
	{{"st", "mnt", "-o", "tracer=maybe"},
	 "bad value 'maybe' for -o tracer (want auto, on or off)"},
	{{"st", "mnt", "-o", "tracer=ON"},
	 "bad value 'ON' for -o tracer (want auto, on or off)"},
	{{"st", "mnt", "-o", "tracer="},
	 "empty value for -o tracer (want auto, on or off)"},
	{{"st", "mnt", "-o", "on_violation=panic"},
	 "bad value 'panic' for -o on_violation (want warn, eio or abort)"},
	{{"st", "mnt", "-o", "release=never"},
	 "bad value 'never' for -o release (want writeback or evict)"},
	{{"st", "mnt", "-o", "dirty_log_max=0"},
	 "bad value '0' for -o dirty_log_max (want MiB 1..1048576)"},
	{{"st", "mnt", "-o", "dirty_log_max=1048577"},
	 "bad value '1048577' for -o dirty_log_max (want MiB 1..1048576)"},
	{{"st", "mnt", "-o", "dirty_log="},
	 "empty value for -o dirty_log (want a path or off)"},
	{{"st", "mnt", "-o", "dirty_log"},
	 "-o dirty_log needs a value (a path or off)"},
	{{"st", "mnt", "-o", "writeback_cache=1"},
	 "-o writeback_cache takes no value (got '1')"},
	{{"st", "mnt", "-o", "ro=1"}, "-o ro takes no value (got '1')"},
	{{"st", "mnt", "-o", "relatime=yes"},
	 "-o relatime takes no value (got 'yes')"},
	{{"st", "mnt", "-o", "allow_other,bad\\"},
	 "trailing backslash in -o 'allow_other,bad\\'"},
	{{"st", "mnt", "-o", "fsname=a\\000b"},
	 "NUL byte (\\000) in -o 'fsname=a\\000b'"},
	/* the value is shown on one line, control bytes escaped, cut */
	{{"st", "mnt", "-o", "tracer=o\nn"},
	 "bad value 'o\\x0an' for -o tracer (want auto, on or off)"},
	{{"st", "mnt", "-o",
	  "max_threads="
	  "1111111111222222222233333333334444444444555555555566666666667777"},
	 "bad value "
	 "'1111111111222222222233333333334444444444555555555566666666667777' "
	 "for -o max_threads (want an integer 1..1024)"},
	{{"st", "mnt", "-o",
	  "max_threads="
	  "11111111112222222222333333333344444444445555555555666666666677777"},
	 "bad value "
	 "'1111111111222222222233333333334444444444555555555566666666667777..."
	 "' for -o max_threads (want an integer 1..1024)"},
	/* switches are not options: libfuse would obey -o -f, -o --help */
	{{"st", "mnt", "-o", "--version"},
	 "bad option '--version' in -o (a switch goes alone)"},
	{{"st", "mnt", "-o", "ro,-f"},
	 "bad option '-f' in -o (a switch goes alone)"},
	{{"-o-h", "st", "mnt"}, "bad option '-h' in -o (a switch goes alone)"},
	/* the first error stops the parse */
	{{"st", "mnt", "-o", "tracer=x,max_threads=y"},
	 "bad value 'x' for -o tracer (want auto, on or off)"},
};

START_TEST(test_opts_bad)
{
	const char *const *a = bad_cmdlines[_i].args;

	ck_assert_int_eq(parse_args(a), -EINVAL);
	ck_assert_str_eq(err, bad_cmdlines[_i].msg);
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

static int count(void *ctx, const char *opt, char *er, size_t len)
{
	(void)er;
	(void)len;
	(*(int *)ctx)++;
	return strcmp(opt, "stop") ? 0 : -ENOENT;
}

/* --help comes from the table: every option, its range and choices */
START_TEST(test_opts_help)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	dt_opts_help(f);
	fclose(f);
	for (size_t i = 0; dt_opts_own_name(i); i++)
		ck_assert_msg(strstr(buf, dt_opts_own_name(i)),
			      "--help lacks %s", dt_opts_own_name(i));
	ck_assert_ptr_nonnull(strstr(buf, "max_threads=N"));
	ck_assert_ptr_nonnull(strstr(buf, "1..1024"));
	ck_assert_ptr_nonnull(strstr(buf, "tracer=auto|on|off"));
	ck_assert_ptr_nonnull(strstr(buf, "on_violation=warn|eio|abort"));
	ck_assert_ptr_nonnull(strstr(buf, "release=writeback|evict"));
	ck_assert_ptr_nonnull(strstr(buf, " nosuid "));
	ck_assert_ptr_nonnull(strstr(buf, " relatime "));
	ck_assert_str_eq(dt_opts_own_name(0), "writeback_cache");
	ck_assert_ptr_null(dt_opts_own_name(11));
	free(buf);
}
END_TEST

START_TEST(test_opts_split)
{
	char e[64];
	int n = 0;

	ck_assert_int_eq(dt_opts_split("a,b\\,c,,d", count, &n, e, sizeof(e)),
			 0);
	ck_assert_int_eq(n, 3);
	n = 0;
	ck_assert_int_eq(dt_opts_split("a,stop,c", count, &n, e, sizeof(e)),
			 -ENOENT);
	ck_assert_int_eq(n, 2);
	/* a message cut to the buffer is still a string */
	ck_assert_int_eq(dt_opts_split("x\\", count, &n, e, 8), -EINVAL);
	ck_assert_str_eq(e, "trailin");
}
END_TEST

START_TEST(test_caps)
{
	uint64_t bpf = 1ULL << DT_CAP_BPF, perf = 1ULL << DT_CAP_PERFMON;
	uint64_t admin = 1ULL << DT_CAP_SYS_ADMIN, eff;

	ck_assert(dt_caps_tracer_ok(bpf | perf));
	ck_assert(dt_caps_tracer_ok(admin));
	ck_assert(dt_caps_tracer_ok(admin | bpf));
	ck_assert(dt_caps_tracer_ok(admin | perf));
	ck_assert(!dt_caps_tracer_ok(bpf));
	ck_assert(!dt_caps_tracer_ok(perf));
	ck_assert(!dt_caps_tracer_ok(0));
	ck_assert(!dt_caps_tracer_ok(~(bpf | perf | admin)));
	ck_assert_int_eq(dt_caps_effective(&eff), 0);
}
END_TEST

/* ---- ioctl decoder ----------------------------------------------------- */

static struct dt_ctl c;

static int dec(unsigned int cmd, const void *in, size_t in_size,
	       size_t out_size)
{
	return dt_ctl_decode(cmd, in, in_size, out_size, 14, &c);
}

START_TEST(test_ctl_good)
{
	struct dtfs_mark m = {{0}};
	struct dtfs_range r = {4096, 8192};
	struct dtfs_gate g = {.reads = 10, .writes = 4};
	struct dtfs_policy p = {DTFS_ON_EIO, -1};

	ck_assert_int_eq(
		dec(DTFS_IOC_STATUS, NULL, 0, sizeof(struct dtfs_status)), 0);
	ck_assert_int_eq(c.op, DT_CTL_STATUS);
	ck_assert_uint_eq(c.out_size, sizeof(struct dtfs_status));
	ck_assert_int_eq(dec(DTFS_IOC_RELEASE, NULL, 0, 0), 0);
	ck_assert_int_eq(c.op, DT_CTL_RELEASE);
	ck_assert_uint_eq(c.out_size, 0);
	strcpy(m.text, "fsx op 42");
	ck_assert_int_eq(dec(DTFS_IOC_MARK, &m, sizeof(m), 0), 0);
	ck_assert_int_eq(c.op, DT_CTL_MARK);
	ck_assert_str_eq(c.u.mark, "fsx op 42");
	memset(m.text, 'a', sizeof(m.text) - 1); /* 239 bytes and the NUL */
	ck_assert_int_eq(dec(DTFS_IOC_MARK, &m, sizeof(m), 0), 0);
	ck_assert_uint_eq(strlen(c.u.mark), sizeof(m.text) - 1);
	ck_assert_int_eq(dec(DTFS_IOC_EVICT, &r, sizeof(r), 0), 0);
	ck_assert_int_eq(c.op, DT_CTL_EVICT);
	ck_assert_uint_eq(c.u.evict.off, 4096);
	ck_assert_uint_eq(c.u.evict.len, 8192);
	ck_assert_uint_eq(c.u.evict.last, 12287);
	r = (struct dtfs_range){0, 0};
	ck_assert_int_eq(dec(DTFS_IOC_EVICT, &r, sizeof(r), 0), 0);
	ck_assert_uint_eq(c.u.evict.last, UINT64_MAX);
	r = (struct dtfs_range){INT64_MAX, 0}; /* to the end */
	ck_assert_int_eq(dec(DTFS_IOC_EVICT, &r, sizeof(r), 0), 0);
	r = (struct dtfs_range){INT64_MAX, 1}; /* the last byte */
	ck_assert_int_eq(dec(DTFS_IOC_EVICT, &r, sizeof(r), 0), 0);
	ck_assert_uint_eq(c.u.evict.last, INT64_MAX);
	r = (struct dtfs_range){1, INT64_MAX};
	ck_assert_int_eq(dec(DTFS_IOC_EVICT, &r, sizeof(r), 0), 0);
	ck_assert_uint_eq(c.u.evict.last, INT64_MAX);
	ck_assert_int_eq(dec(DTFS_IOC_GATE, &g, sizeof(g), 0), 0);
	ck_assert_int_eq(c.op, DT_CTL_GATE);
	ck_assert_uint_eq(c.u.gate.reads, 10);
	ck_assert_uint_eq(c.u.gate.writes, 4);
	g = (struct dtfs_gate){0}; /* nothing more to hold */
	ck_assert_int_eq(dec(DTFS_IOC_GATE, &g, sizeof(g), 0), 0);
	/* wait-gated: timeout clamped to 10 min, other fields ignored */
	g = (struct dtfs_gate){.reads = 1, .held = 7, .timeout_ms = 5000};
	ck_assert_int_eq(dec(DTFS_IOC_WAIT_GATED, &g, sizeof(g), sizeof(g)), 0);
	ck_assert_int_eq(c.op, DT_CTL_WAIT_GATED);
	ck_assert_uint_eq(c.u.timeout_ms, 5000);
	g.timeout_ms = UINT32_MAX;
	ck_assert_int_eq(dec(DTFS_IOC_WAIT_GATED, &g, sizeof(g), sizeof(g)), 0);
	ck_assert_uint_eq(c.u.timeout_ms, DT_CTL_WAIT_MAX_MS);
	ck_assert_int_eq(dec(DTFS_IOC_POLICY, &p, sizeof(p), sizeof(p)), 0);
	ck_assert_int_eq(c.op, DT_CTL_POLICY);
	ck_assert_int_eq(c.u.policy.on_violation, DTFS_ON_EIO);
	ck_assert_int_eq(c.u.policy.release, -1);
	p = (struct dtfs_policy){DTFS_ON_ABORT, DTFS_REL_EVICT};
	ck_assert_int_eq(dec(DTFS_IOC_POLICY, &p, sizeof(p), sizeof(p)), 0);
	ck_assert_str_eq(dt_ctl_name(DTFS_IOC_WAIT_GATED), "wait-gated");
	ck_assert_ptr_null(dt_ctl_name(_IO(DTFS_IOC_MAGIC, 9)));
}
END_TEST

START_TEST(test_ctl_bad)
{
	static char buf[16384];
	struct dtfs_mark m;
	struct dtfs_range r;
	struct dtfs_gate g;
	struct dtfs_policy p;
	const size_t gs = sizeof(g), ps = sizeof(p);

	/* the command word: magic, number, direction, size */
	ck_assert_int_eq(dec(_IOR(0xD8, 1, struct dtfs_status), NULL, 0,
			     sizeof(struct dtfs_status)),
			 -ENOTTY);
	ck_assert_int_eq(dec(0, NULL, 0, 0), -ENOTTY);
	ck_assert_int_eq(dec(_IO(DTFS_IOC_MAGIC, 0), NULL, 0, 0), -ENOTTY);
	ck_assert_int_eq(dec(_IO(DTFS_IOC_MAGIC, 8), NULL, 0, 0), -ENOTTY);
	ck_assert_int_eq(dec(_IOW(DTFS_IOC_MAGIC, 2, char[100]), buf, 100, 0),
			 -EINVAL);
	ck_assert_int_eq(dec(_IOR(DTFS_IOC_MAGIC, 2, struct dtfs_mark), NULL, 0,
			     sizeof(struct dtfs_mark)),
			 -EINVAL);
	ck_assert_int_eq(dec(_IO(DTFS_IOC_MAGIC, 1), NULL, 0, 0), -EINVAL);
	ck_assert_int_eq(dec(_IOW(DTFS_IOC_MAGIC, 5, int), buf, 4, 0), -EINVAL);
	/* in and out sizes other than the command's */
	ck_assert_int_eq(dec(DTFS_IOC_MARK, buf, sizeof(m) - 1, 0), -EINVAL);
	ck_assert_int_eq(dec(DTFS_IOC_MARK, buf, sizeof(m) + 1, 0), -EINVAL);
	ck_assert_int_eq(dec(DTFS_IOC_MARK, buf, sizeof(m), 1), -EINVAL);
	ck_assert_int_eq(dec(DTFS_IOC_MARK, NULL, sizeof(m), 0), -EINVAL);
	ck_assert_int_eq(dec(DTFS_IOC_STATUS, NULL, 0, 100), -EINVAL);
	ck_assert_int_eq(
		dec(DTFS_IOC_STATUS, buf, 8, sizeof(struct dtfs_status)),
		-EINVAL);
	ck_assert_int_eq(dec(DTFS_IOC_RELEASE, buf, 1, 0), -EINVAL);
	ck_assert_int_eq(dec(DTFS_IOC_POLICY, buf, ps, 0), -EINVAL);
	ck_assert_int_eq(dec(DTFS_IOC_WAIT_GATED, buf, gs, gs - 1), -EINVAL);
	/* fields */
	memset(&m, 'x', sizeof(m));
	ck_assert_int_eq(dec(DTFS_IOC_MARK, &m, sizeof(m), 0), -EINVAL);
	r = (struct dtfs_range){(uint64_t)INT64_MAX + 1, 0};
	ck_assert_int_eq(dec(DTFS_IOC_EVICT, &r, sizeof(r), 0), -EINVAL);
	r = (struct dtfs_range){0, (uint64_t)INT64_MAX + 1};
	ck_assert_int_eq(dec(DTFS_IOC_EVICT, &r, sizeof(r), 0), -EINVAL);
	r = (struct dtfs_range){INT64_MAX, 2};
	ck_assert_int_eq(dec(DTFS_IOC_EVICT, &r, sizeof(r), 0), -EINVAL);
	r = (struct dtfs_range){2, INT64_MAX};
	ck_assert_int_eq(dec(DTFS_IOC_EVICT, &r, sizeof(r), 0), -EINVAL);
	r = (struct dtfs_range){UINT64_MAX, UINT64_MAX};
	ck_assert_int_eq(dec(DTFS_IOC_EVICT, &r, sizeof(r), 0), -EINVAL);
	g = (struct dtfs_gate){.reads = 15};
	ck_assert_int_eq(dec(DTFS_IOC_GATE, &g, gs, 0), -EINVAL);
	g = (struct dtfs_gate){.reads = 10, .writes = 5};
	ck_assert_int_eq(dec(DTFS_IOC_GATE, &g, gs, 0), -EINVAL);
	g = (struct dtfs_gate){.reads = UINT32_MAX, .writes = 2};
	ck_assert_int_eq(dec(DTFS_IOC_GATE, &g, gs, 0), -EINVAL);
	g = (struct dtfs_gate){.reads = 1, .held = 1};
	ck_assert_int_eq(dec(DTFS_IOC_GATE, &g, gs, 0), -EINVAL);
	g = (struct dtfs_gate){.writes = 1, .timeout_ms = 1};
	ck_assert_int_eq(dec(DTFS_IOC_GATE, &g, gs, 0), -EINVAL);
	/* single-threaded: nothing can be held */
	g = (struct dtfs_gate){.reads = 1};
	ck_assert_int_eq(dt_ctl_decode(DTFS_IOC_GATE, &g, gs, 0, 0, &c),
			 -EINVAL);
	p = (struct dtfs_policy){3, -1};
	ck_assert_int_eq(dec(DTFS_IOC_POLICY, &p, ps, ps), -EINVAL);
	p = (struct dtfs_policy){-2, -1};
	ck_assert_int_eq(dec(DTFS_IOC_POLICY, &p, ps, ps), -EINVAL);
	p = (struct dtfs_policy){-1, 2};
	ck_assert_int_eq(dec(DTFS_IOC_POLICY, &p, ps, ps), -EINVAL);
	p = (struct dtfs_policy){0, INT32_MIN};
	ck_assert_int_eq(dec(DTFS_IOC_POLICY, &p, ps, ps), -EINVAL);
}
END_TEST

static Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("cmdline");

	tcase_add_checked_fixture(tc, NULL, opts_teardown);
	tcase_add_test(tc, test_opts_defaults);
	tcase_add_test(tc, test_opts_all);
	tcase_add_test(tc, test_opts_passthrough);
	tcase_add_test(tc, test_opts_escapes);
	tcase_add_test(tc, test_opts_positional);
	tcase_add_loop_test(tc, test_opts_bad, 0,
			    sizeof(bad_cmdlines) / sizeof(bad_cmdlines[0]));
	tcase_add_test(tc, test_opts_split);
	tcase_add_test(tc, test_opts_help);
	tcase_add_test(tc, test_caps);
	suite_add_tcase(s, tc);
	tc = tcase_create("ioctl");
	tcase_add_test(tc, test_ctl_good);
	tcase_add_test(tc, test_ctl_bad);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(parse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
