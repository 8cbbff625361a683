// SPDX-License-Identifier: GPL-2.0
/*
 * dtfs's command line (include/dtfs/opts.h): dtfs's options validated into
 * struct dt_opts, the rest handed on to libfuse; and what the tracer needs
 * before a mount asks for it. No libfuse here.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dtfs/opts.h"

static void msg(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A user's string for a one-line message: at most 64 bytes, control and
 * non-ASCII bytes as \xNN, then "..." if cut. */
static const char *shown(const char *s, char *buf, size_t cap)
{
	size_t o = 0, i;

	for (i = 0; s[i] && o + 8 < cap && i < 64; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (s[i] && o + 4 <= cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
	return buf;
}

/* ---- the libfuse-side argv --------------------------------------------- */

struct builder {
	struct dt_opts *o;
	char *group; /* pass-through -o options, escaped, comma-separated */
	size_t glen, gcap;
	int nomem;
};

static int push_arg(struct dt_opts *o, const char *a)
{
	char **v = realloc(o->fuse_argv,
			   (size_t)(o->fuse_argc + 2) * sizeof(*o->fuse_argv));

	if (!v)
		return -ENOMEM;
	o->fuse_argv = v;
	if (!(v[o->fuse_argc] = strdup(a)))
		return -ENOMEM;
	v[++o->fuse_argc] = NULL;
	return 0;
}

/* Append @opt to the group, quoting ',' and '\' as libfuse expects. */
static int push_opt(struct builder *b, const char *opt)
{
	size_t need = b->glen + 1 + 2 * strlen(opt) + 1;

	if (need > b->gcap) {
		char *g = realloc(b->group, need * 2);

		if (!g)
			return -ENOMEM;
		b->group = g;
		b->gcap = need * 2;
	}
	if (b->glen)
		b->group[b->glen++] = ',';
	for (; *opt; opt++) {
		if (*opt == ',' || *opt == '\\')
			b->group[b->glen++] = '\\';
		b->group[b->glen++] = *opt;
	}
	b->group[b->glen] = 0;
	return 0;
}

/* ---- the option table --------------------------------------------------- */

enum kind {
	O_FLAG, /* no value: sets an int to 1 */
	O_SECS, /* decimal seconds 0..DT_OPT_TIMEOUT_MAX into a double */
	O_UINT, /* decimal lo..hi into an unsigned int */
	O_CHOICE, /* one name of a table into an int */
	O_PATH, /* a path, or "off" */
	O_MOUNT_FUSE, /* generic mount option libfuse sets on the mount */
	O_MOUNT_ATIME, /* access-time option dtfs applies itself */
	O_MOUNT_NOOP, /* generic mount option accepted without effect */
};

struct optdef {
	const char *name;
	enum kind kind;
	size_t off; /* in struct dt_opts */
	unsigned long lo, hi; /* O_UINT */
	const char *(*names)(unsigned int); /* O_CHOICE: the name table */
	unsigned int count;
	const char *unit; /* O_UINT: what the number is, for messages */
	const char *arg; /* for --help: name=ARG */
	const char *help; /* for --help; "\n" continues on the next line */
};

#define F(field) offsetof(struct dt_opts, field)

static const struct optdef optdefs[] = {
	{.name = "writeback_cache",
	 .kind = O_FLAG,
	 .off = F(writeback_cache),
	 .help = "let the kernel cache writes (default: write-through,\n"
		 "every write() reaches dtfs)"},
	{.name = "cached_dio",
	 .kind = O_FLAG,
	 .off = F(cached_dio),
	 .help = "O_DIRECT opens go through the page cache's path,\n"
		 "one write at a time (default: FUSE direct_io with\n"
		 "parallel writes, where the kernel has it)"},
	{.name = "nosubtype",
	 .kind = O_FLAG,
	 .off = F(nosubtype),
	 .help = "the mount's type is fuse, not fuse.dtfs (for\n"
		 "xfstests' FSTYP=fuse; dtfs(8), XFSTESTS)"},
	{.name = "attr_timeout",
	 .kind = O_SECS,
	 .off = F(attr_timeout),
	 .arg = "SECS",
	 .help = "attribute cache timeout (default 1.0)"},
	{.name = "entry_timeout",
	 .kind = O_SECS,
	 .off = F(entry_timeout),
	 .arg = "SECS",
	 .help = "name cache timeout (default 1.0)"},
	{.name = "max_threads",
	 .kind = O_UINT,
	 .off = F(max_threads),
	 .lo = 1,
	 .hi = DT_OPT_THREADS_MAX,
	 .unit = "an integer",
	 .arg = "N",
	 .help = "request threads at most (default 16)"},
	{.name = "tracer",
	 .kind = O_CHOICE,
	 .off = F(tracer),
	 .names = dt_tracer_mode_name,
	 .count = DT_TRACER_COUNT,
	 .help = "kernel tracer (default auto: on where it loads;\n"
		 "on: fail the mount if it cannot; needs CAP_BPF and\n"
		 "CAP_PERFMON, or CAP_SYS_ADMIN)"},
	{.name = "on_violation",
	 .kind = O_CHOICE,
	 .off = F(on_violation),
	 .names = dtfs_on_violation_name,
	 .count = DTFS_ON_COUNT,
	 .help = "writepage of a dirty page without buffers: log it,\n"
		 "refuse the data, or stop (default warn)"},
	{.name = "release",
	 .kind = O_CHOICE,
	 .off = F(release),
	 .names = dtfs_release_name,
	 .count = DTFS_REL_COUNT,
	 .help = "buffers go at writeback (default) or eviction"},
	{.name = "dirty_log",
	 .kind = O_PATH,
	 .arg = "PATH|off",
	 .help = "dirty log (default STORE/dirty.log)"},
	{.name = "dirty_log_max",
	 .kind = O_UINT,
	 .off = F(dirty_log_max),
	 .lo = 1,
	 .hi = DT_OPT_LOG_MAX_MIB,
	 .unit = "MiB",
	 .arg = "MIB",
	 .help = "rotate the dirty log past MIB (default 256)"},
	/* what mount(8) and mount.fuse3 hand down: libfuse sets these on
	 * the mount (nosuid,nodev unless dev and suid are given) */
	{.name = "ro", .kind = O_MOUNT_FUSE},
	{.name = "rw", .kind = O_MOUNT_FUSE},
	{.name = "dev", .kind = O_MOUNT_FUSE},
	{.name = "nodev", .kind = O_MOUNT_FUSE},
	{.name = "suid", .kind = O_MOUNT_FUSE},
	{.name = "nosuid", .kind = O_MOUNT_FUSE},
	{.name = "exec", .kind = O_MOUNT_FUSE},
	{.name = "noexec", .kind = O_MOUNT_FUSE},
	{.name = "sync", .kind = O_MOUNT_FUSE},
	{.name = "async", .kind = O_MOUNT_FUSE},
	{.name = "dirsync", .kind = O_MOUNT_FUSE},
	{.name = "atime", .kind = O_MOUNT_FUSE},
	{.name = "noatime", .kind = O_MOUNT_FUSE},
	/* ... these, which libfuse 3.14 would refuse, dtfs applies itself:
	 * the kernel marks FUSE inodes S_NOATIME and leaves access times to
	 * the filesystem, which sees only the reads that reach it */
	{.name = "relatime", .kind = O_MOUNT_ATIME},
	{.name = "norelatime", .kind = O_MOUNT_ATIME},
	{.name = "strictatime", .kind = O_MOUNT_ATIME},
	{.name = "nostrictatime", .kind = O_MOUNT_ATIME},
	{.name = "diratime", .kind = O_MOUNT_ATIME},
	{.name = "nodiratime", .kind = O_MOUNT_ATIME},
	/* ... and these mean nothing here: taken, without effect */
	{.name = "lazytime", .kind = O_MOUNT_NOOP},
	{.name = "nolazytime", .kind = O_MOUNT_NOOP},
};

#define NOPTDEFS (sizeof(optdefs) / sizeof(optdefs[0]))

const char *dt_opts_own_name(size_t i)
{
	size_t k = 0;

	for (size_t j = 0; j < NOPTDEFS; j++)
		if (optdefs[j].kind < O_MOUNT_FUSE && k++ == i)
			return optdefs[j].name;
	return NULL;
}

/* "auto, on or off" / "auto|on|off" of a name table */
static const char *choices(const struct optdef *d, const char *sep,
			   const char *last, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (unsigned int v = 0; v < d->count && o < len; v++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s",
				      !v		  ? ""
				      : v + 1 == d->count ? last
							  : sep,
				      d->names(v));
	return buf;
}

/* What a value of @d must be, for messages: "an integer 1..1024". */
static const char *want(const struct optdef *d, char *buf, size_t len)
{
	switch (d->kind) {
	case O_SECS:
		snprintf(buf, len, "seconds 0..%d", DT_OPT_TIMEOUT_MAX);
		break;
	case O_UINT:
		snprintf(buf, len, "%s %lu..%lu", d->unit, d->lo, d->hi);
		break;
	case O_CHOICE:
		choices(d, ", ", " or ", buf, len);
		break;
	case O_PATH:
		snprintf(buf, len, "a path or off");
		break;
	default:
		snprintf(buf, len, "no value");
	}
	return buf;
}

void dt_opts_help(FILE *f)
{
	char arg[96], col[128];

	fprintf(f, "dtfs options:\n");
	for (size_t i = 0; i < NOPTDEFS; i++) {
		const struct optdef *d = &optdefs[i];
		const char *h = d->help;

		if (d->kind >= O_MOUNT_FUSE)
			continue;
		if (d->kind == O_CHOICE)
			choices(d, "|", "|", arg, sizeof(arg));
		else
			snprintf(arg, sizeof(arg), "%s", d->arg ? d->arg : "");
		snprintf(col, sizeof(col), "-o %s%s%s", d->name,
			 arg[0] ? "=" : "", arg);
		if (strlen(col) > 22) {
			fprintf(f, "    %s\n%27s", col, "");
		} else {
			fprintf(f, "    %-22s ", col);
		}
		if (d->kind == O_SECS)
			fprintf(f, "0..%d s, ", DT_OPT_TIMEOUT_MAX);
		else if (d->kind == O_UINT)
			fprintf(f, "%lu..%lu, ", d->lo, d->hi);
		for (; *h; h++) {
			fputc(*h, f);
			if (*h == '\n')
				fprintf(f, "%27s", "");
		}
		fputc('\n', f);
	}
	for (int k = O_MOUNT_FUSE; k <= O_MOUNT_NOOP; k++) {
		size_t w = 4;

		fprintf(f, "%s",
			k == O_MOUNT_FUSE
				? "mount options (from mount(8), mount.fuse3), "
				  "set on the mount by libfuse\n(nosuid,nodev "
				  "unless suid and dev are given):\n   "
			: k == O_MOUNT_ATIME
				? "access times, set by dtfs when a read or "
				  "readdir reaches it (default\nrelatime; "
				  "noatime above turns them off):\n   "
				: "mount options accepted without effect:\n  "
				  " ");
		for (size_t i = 0; i < NOPTDEFS; i++) {
			if (optdefs[i].kind != (enum kind)k)
				continue;
			if (w + strlen(optdefs[i].name) + 2 > 78) {
				fprintf(f, "\n   ");
				w = 4;
			}
			w += (size_t)fprintf(f, " %s", optdefs[i].name);
		}
		fputc('\n', f);
	}
	fprintf(f,
		"A bad value, an unknown option or a missing argument is "
		"refused with\none line and exit status 2 before anything is "
		"created or mounted.\n");
}

static int want_uint(const struct optdef *d, const char *v, unsigned int *out,
		     char *err, size_t errlen)
{
	char b[300], w[96], *end;
	unsigned long n;

	if (v[0] >= '0' && v[0] <= '9') {
		errno = 0;
		n = strtoul(v, &end, 10);
		if (!errno && !*end && n >= d->lo && n <= d->hi) {
			*out = (unsigned int)n;
			return 0;
		}
	}
	msg(err, errlen, "bad value '%s' for -o %s (want %s)",
	    shown(v, b, sizeof(b)), d->name, want(d, w, sizeof(w)));
	return -EINVAL;
}

static int want_secs(const struct optdef *d, const char *v, double *out,
		     char *err, size_t errlen)
{
	char b[300], w[96], *end;
	double x;

	/* decimal only: no sign, space, hex, inf or nan */
	if ((v[0] >= '0' && v[0] <= '9') ||
	    (v[0] == '.' && v[1] >= '0' && v[1] <= '9')) {
		errno = 0;
		x = strtod(v, &end);
		if (!errno && !*end && !strpbrk(v, "xXpP") && isfinite(x) &&
		    x >= 0 && x <= DT_OPT_TIMEOUT_MAX) {
			*out = x;
			return 0;
		}
	}
	msg(err, errlen, "bad value '%s' for -o %s (want %s)",
	    shown(v, b, sizeof(b)), d->name, want(d, w, sizeof(w)));
	return -EINVAL;
}

static int want_choice(const struct optdef *d, const char *v, int *out,
		       char *err, size_t errlen)
{
	char b[300], w[96];
	int i = dtfs_by_name(d->names, d->count, v);

	if (i >= 0) {
		*out = i;
		return 0;
	}
	msg(err, errlen, "bad value '%s' for -o %s (want %s)",
	    shown(v, b, sizeof(b)), d->name, want(d, w, sizeof(w)));
	return -EINVAL;
}

static int want_path(struct dt_opts *o, const char *v, char *err, size_t errlen)
{
	free(o->dirty_log);
	o->dirty_log = NULL;
	o->dirty_log_off = !strcmp(v, "off");
	if (o->dirty_log_off)
		return 0;
	if (strlen(v) > DT_OPT_PATH_MAX) {
		msg(err, errlen,
		    "bad value for -o dirty_log (path longer than %d bytes)",
		    DT_OPT_PATH_MAX);
		return -EINVAL;
	}
	o->dirty_log = strdup(v);
	return o->dirty_log ? 0 : -ENOMEM;
}

static int take_value(struct dt_opts *o, const struct optdef *d, const char *v,
		      char *err, size_t errlen)
{
	void *field = (char *)o + d->off;

	switch (d->kind) {
	case O_SECS:
		return want_secs(d, v, field, err, errlen);
	case O_UINT:
		return want_uint(d, v, field, err, errlen);
	case O_CHOICE:
		return want_choice(d, v, field, err, errlen);
	case O_PATH:
		return want_path(o, v, err, errlen);
	default:
		return -EINVAL;
	}
}

/* A generic option without effect: noted, once, in the order given. */
/* The access-time options, the last one winning as in mount(8):
 * noatime, strictatime (or norelatime), relatime (the default; also atime
 * and nostrictatime); and ro, which sets no access time at all. */
static void take_atime(struct dt_opts *o, const char *name)
{
	if (!strcmp(name, "noatime"))
		o->atime = DT_ATIME_NONE;
	else if (!strcmp(name, "strictatime") || !strcmp(name, "norelatime"))
		o->atime = DT_ATIME_STRICT;
	else if (!strcmp(name, "relatime") || !strcmp(name, "atime") ||
		 !strcmp(name, "nostrictatime"))
		o->atime = DT_ATIME_RELATIME;
	else if (!strcmp(name, "nodiratime"))
		o->nodiratime = 1;
	else if (!strcmp(name, "diratime"))
		o->nodiratime = 0;
	else if (!strcmp(name, "ro"))
		o->ro = 1;
	else if (!strcmp(name, "rw"))
		o->ro = 0;
}

static void note_accepted(struct dt_opts *o, const char *name)
{
	size_t n = strlen(o->accepted), l = strlen(name);

	for (const char *p = o->accepted; (p = strstr(p, name)); p += l)
		if ((p == o->accepted || p[-1] == ',') &&
		    (p[l] == ',' || !p[l]))
			return;
	if (n + l + 2 <= sizeof(o->accepted))
		snprintf(o->accepted + n, sizeof(o->accepted) - n, "%s%s",
			 n ? "," : "", name);
}

/* One option of a -o group: dtfs's, or handed on. */
static int one_opt(void *ctx, const char *opt, char *err, size_t errlen)
{
	struct builder *b = ctx;
	struct dt_opts *o = b->o;
	const char *eq = strchr(opt, '=');
	size_t nlen = eq ? (size_t)(eq - opt) : strlen(opt);
	char sb[300], w[96];

	for (size_t i = 0; i < NOPTDEFS; i++) {
		const struct optdef *d = &optdefs[i];

		if (strlen(d->name) != nlen || strncmp(opt, d->name, nlen))
			continue;
		if (d->kind == O_FLAG || d->kind >= O_MOUNT_FUSE) {
			if (eq) {
				msg(err, errlen,
				    "-o %s takes no value (got '%s')", d->name,
				    shown(eq + 1, sb, sizeof(sb)));
				return -EINVAL;
			}
			if (d->kind == O_FLAG) {
				*(int *)((char *)o + d->off) = 1;
				return 0;
			}
			if (d->kind == O_MOUNT_NOOP) {
				note_accepted(o, d->name);
				return 0;
			}
			take_atime(o, d->name);
			if (d->kind == O_MOUNT_ATIME)
				return 0;
			return push_opt(b, opt); /* libfuse's to apply */
		}
		if (!eq) {
			msg(err, errlen, "-o %s needs a value (%s)", d->name,
			    want(d, w, sizeof(w)));
			return -EINVAL;
		}
		if (!eq[1]) {
			msg(err, errlen, "empty value for -o %s (want %s)",
			    d->name, want(d, w, sizeof(w)));
			return -EINVAL;
		}
		return take_value(o, d, eq + 1, err, errlen);
	}
	/* libfuse would take -f, -h... here as the switches: not in -o */
	if (opt[0] == '-') {
		msg(err, errlen, "bad option '%s' in -o (a switch goes alone)",
		    shown(opt, sb, sizeof(sb)));
		return -EINVAL;
	}
	/* libfuse's: note what dtfs must know, hand it on */
	if (!strcmp(opt, "allow_other") || !strcmp(opt, "allow_root"))
		o->allow_other = 1;
	else if (!strncmp(opt, "fsname=", 7))
		o->fsname = 1;
	else if (!strcmp(opt, "debug"))
		o->debug = o->foreground = 1;
	return push_opt(b, opt);
}

int dt_opts_split(const char *group,
		  int (*fn)(void *ctx, const char *opt, char *err,
			    size_t errlen),
		  void *ctx, char *err, size_t errlen)
{
	char *buf = malloc(strlen(group) + 1), *d = buf, sb[300];
	const char *s = group;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (;; s++) {
		if (*s == ',' || !*s) {
			*d = 0;
			if (*buf && (ret = fn(ctx, buf, err, errlen)))
				break;
			d = buf;
			if (!*s)
				break;
			continue;
		}
		if (*s != '\\') {
			*d++ = *s;
			continue;
		}
		if (!s[1]) {
			msg(err, errlen, "trailing backslash in -o '%s'",
			    shown(group, sb, sizeof(sb)));
			ret = -EINVAL;
			break;
		}
		s++;
		if (s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' &&
		    s[2] >= '0' && s[2] <= '7') {
			*d = (char)((s[0] - '0') * 64 + (s[1] - '0') * 8 +
				    (s[2] - '0'));
			if (!*d) {
				msg(err, errlen, "NUL byte (\\000) in -o '%s'",
				    shown(group, sb, sizeof(sb)));
				ret = -EINVAL;
				break;
			}
			d++;
			s += 2;
		} else {
			*d++ = *s;
		}
	}
	free(buf);
	return ret;
}

static void defaults(struct dt_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->attr_timeout = 1.0;
	o->entry_timeout = 1.0;
	o->max_threads = 16;
	o->tracer = DT_TRACER_AUTO;
	o->on_violation = DTFS_ON_WARN;
	o->release = DTFS_REL_WRITEBACK;
	o->dirty_log_max = 256;
}

int dt_opts_parse(int argc, char *const argv[], struct dt_opts *o, char *err,
		  size_t errlen)
{
	struct builder b = {.o = o};
	const char *pos[2] = {NULL, NULL};
	char sb[300];
	int npos = 0, ret = 0, dashdash = 0;

	defaults(o);
	if (errlen)
		err[0] = 0;
	/* help and version win wherever they are */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-o"))
			i++; /* its value is an option group */
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			o->show_help = 1;
		else if (!strcmp(argv[i], "-V") ||
			 !strcmp(argv[i], "--version"))
			o->show_version = 1;
	}
	if (o->show_help || o->show_version)
		return 0;
	if (push_arg(o, argc > 0 && argv[0] ? argv[0] : "dtfs"))
		return -ENOMEM;
	for (int i = 1; i < argc && !ret; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || !a[1]) {
			if (npos == 2) {
				msg(err, errlen,
				    "too many arguments: '%s' (after STORE "
				    "and MOUNTPOINT)",
				    shown(a, sb, sizeof(sb)));
				ret = -EINVAL;
				break;
			}
			if (!a[0]) {
				msg(err, errlen, "empty %s argument",
				    npos ? "MOUNTPOINT" : "STORE");
				ret = -EINVAL;
				break;
			}
			pos[npos++] = a;
		} else if (!strcmp(a, "--")) {
			dashdash = 1;
		} else if (a[1] == 'o') {
			const char *g = a[2]	       ? a + 2
					: i + 1 < argc ? argv[++i]
						       : NULL;

			if (!g) {
				msg(err, errlen, "missing argument after -o");
				ret = -EINVAL;
				break;
			}
			ret = dt_opts_split(g, one_opt, &b, err, errlen);
		} else {
			/* a switch: libfuse's (-f -d -s) or refused by it */
			if (!strcmp(a, "-f"))
				o->foreground = 1;
			else if (!strcmp(a, "-d"))
				o->debug = o->foreground = 1;
			else if (!strcmp(a, "-s"))
				o->singlethread = 1;
			ret = push_arg(o, a);
		}
	}
	if (!ret && npos < 2) {
		msg(err, errlen,
		    "missing %s (usage: STORE MOUNTPOINT [-f] [-d] [-s] "
		    "[-o opt[,opt...]]; --help for more)",
		    npos ? "MOUNTPOINT" : "STORE and MOUNTPOINT");
		ret = -EINVAL;
	}
	if (!ret && b.group && (push_arg(o, "-o") || push_arg(o, b.group)))
		ret = -ENOMEM;
	free(b.group);
	if (ret == -ENOMEM)
		msg(err, errlen, "out of memory");
	o->store = pos[0];
	o->mountpoint = pos[1];
	return ret;
}

void dt_opts_free(struct dt_opts *o)
{
	for (int i = 0; i < o->fuse_argc; i++)
		free(o->fuse_argv[i]);
	free(o->fuse_argv);
	free(o->dirty_log);
	o->fuse_argv = NULL;
	o->fuse_argc = 0;
	o->dirty_log = NULL;
}
