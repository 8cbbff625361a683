// SPDX-License-Identifier: GPL-2.0
/*
 * dtfs's command line (include/dtfs/opts.h): dtfs's options validated into
 * struct dt_opts, the rest handed on to libfuse; and what the tracer needs
 * before a mount asks for it. No libfuse here.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dtfs/opts.h"
#include "dtfs/pagestate.h"

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

/* ---- dtfs's options ---------------------------------------------------- */

static int want_uint(const char *name, const char *v, unsigned long lo,
		     unsigned long hi, const char *what, unsigned int *out,
		     char *err, size_t errlen)
{
	char b[300], *end;
	unsigned long n;

	if (v[0] >= '0' && v[0] <= '9') {
		errno = 0;
		n = strtoul(v, &end, 10);
		if (!errno && !*end && n >= lo && n <= hi) {
			*out = (unsigned int)n;
			return 0;
		}
	}
	msg(err, errlen, "bad value '%s' for -o %s (want %s %lu..%lu)",
	    shown(v, b, sizeof(b)), name, what, lo, hi);
	return -EINVAL;
}

static int want_secs(const char *name, const char *v, double *out, char *err,
		     size_t errlen)
{
	char b[300], *end;
	double d;

	/* decimal only: no sign, space, hex, inf or nan */
	if ((v[0] >= '0' && v[0] <= '9') ||
	    (v[0] == '.' && v[1] >= '0' && v[1] <= '9')) {
		errno = 0;
		d = strtod(v, &end);
		if (!errno && !*end && !strpbrk(v, "xXpP") && isfinite(d) &&
		    d >= 0 && d <= DT_OPT_TIMEOUT_MAX) {
			*out = d;
			return 0;
		}
	}
	msg(err, errlen, "bad value '%s' for -o %s (want seconds 0..%d)",
	    shown(v, b, sizeof(b)), name, DT_OPT_TIMEOUT_MAX);
	return -EINVAL;
}

static int want_choice(const char *name, const char *v,
		       const char *const *names, const char *list, int *out,
		       char *err, size_t errlen)
{
	char b[300];

	for (int i = 0; names[i]; i++) {
		if (!strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
	}
	msg(err, errlen, "bad value '%s' for -o %s (want %s)",
	    shown(v, b, sizeof(b)), name, list);
	return -EINVAL;
}

static const char *const tracer_names[] = {"auto", "on", "off", NULL};
static const char *const violation_names[] = {"warn", "eio", "abort", NULL};
static const char *const release_names[] = {"writeback", "evict", NULL};

/* the options dtfs takes, and what their values must be */
enum { O_FLAG, O_SECS, O_UINT, O_CHOICE, O_PATH };

static const struct dtopt {
	const char *name;
	int kind;
	const char *want; /* for messages */
} dtopts[] = {
	{"writeback_cache", O_FLAG, NULL},
	{"attr_timeout", O_SECS, "seconds 0..86400"},
	{"entry_timeout", O_SECS, "seconds 0..86400"},
	{"max_threads", O_UINT, "an integer 1..1024"},
	{"tracer", O_CHOICE, "auto, on or off"},
	{"on_violation", O_CHOICE, "warn, eio or abort"},
	{"release", O_CHOICE, "writeback or evict"},
	{"dirty_log", O_PATH, "a path or off"},
	{"dirty_log_max", O_UINT, "MiB 1..1048576"},
};

static int take_dtopt(struct dt_opts *o, const struct dtopt *d, const char *v,
		      char *err, size_t errlen)
{
	const char *n = d->name;

	if (!strcmp(n, "attr_timeout"))
		return want_secs(n, v, &o->attr_timeout, err, errlen);
	if (!strcmp(n, "entry_timeout"))
		return want_secs(n, v, &o->entry_timeout, err, errlen);
	if (!strcmp(n, "max_threads"))
		return want_uint(n, v, 1, DT_OPT_THREADS_MAX, "an integer",
				 &o->max_threads, err, errlen);
	if (!strcmp(n, "dirty_log_max"))
		return want_uint(n, v, 1, DT_OPT_LOG_MAX_MIB, "MiB",
				 &o->dirty_log_max, err, errlen);
	if (!strcmp(n, "tracer"))
		return want_choice(n, v, tracer_names, d->want, &o->tracer, err,
				   errlen);
	if (!strcmp(n, "on_violation"))
		return want_choice(n, v, violation_names, d->want,
				   &o->on_violation, err, errlen);
	if (!strcmp(n, "release"))
		return want_choice(n, v, release_names, d->want, &o->release,
				   err, errlen);
	/* dirty_log */
	free(o->dirty_log);
	o->dirty_log = NULL;
	o->dirty_log_off = !strcmp(v, "off");
	if (o->dirty_log_off)
		return 0;
	if (strlen(v) > DT_OPT_PATH_MAX) {
		msg(err, errlen,
		    "bad value for -o dirty_log (path longer "
		    "than %d bytes)",
		    DT_OPT_PATH_MAX);
		return -EINVAL;
	}
	o->dirty_log = strdup(v);
	return o->dirty_log ? 0 : -ENOMEM;
}

/* One option of a -o group: dtfs's, or handed on. */
static int one_opt(void *ctx, const char *opt, char *err, size_t errlen)
{
	struct builder *b = ctx;
	struct dt_opts *o = b->o;
	const char *eq = strchr(opt, '=');
	size_t nlen = eq ? (size_t)(eq - opt) : strlen(opt);
	char sb[300];

	for (size_t i = 0; i < sizeof(dtopts) / sizeof(dtopts[0]); i++) {
		const struct dtopt *d = &dtopts[i];

		if (strlen(d->name) != nlen || strncmp(opt, d->name, nlen))
			continue;
		if (d->kind == O_FLAG) {
			if (eq) {
				msg(err, errlen,
				    "-o %s takes no value (got '%s')", d->name,
				    shown(eq + 1, sb, sizeof(sb)));
				return -EINVAL;
			}
			o->writeback_cache = 1;
			return 0;
		}
		if (!eq) {
			msg(err, errlen, "-o %s needs a value (%s)", d->name,
			    d->want);
			return -EINVAL;
		}
		if (!eq[1]) {
			msg(err, errlen, "empty value for -o %s (want %s)",
			    d->name, d->want);
			return -EINVAL;
		}
		return take_dtopt(o, d, eq + 1, err, errlen);
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
