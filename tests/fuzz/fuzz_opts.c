// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: dtfs's command-line parser (dt_opts_parse, core/opts.c).
 *
 * The input is the argument list after argv[0], arguments separated by NUL
 * bytes (at most 32). Beyond the sanitizers, the target aborts when:
 *   - a refusal is not -EINVAL with one non-empty line in the message;
 *   - an accepted command line has no STORE/MOUNTPOINT or a value out of
 *     its documented range;
 *   - the argv for libfuse is malformed, or still holds one of dtfs's own
 *     options, or is not a fixed point: parsing it again (with "--" STORE
 *     MOUNTPOINT) must be accepted with every dtfs option at its default
 *     and give the same argv (the quoting of ',' and '\' round-trips).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dtfs/opts.h"
#include "dtfs/pagestate.h"

#define MAX_ARGS 32

static int not_dtfs(void *ctx, const char *opt, char *err, size_t errlen)
{
	size_t n = strcspn(opt, "=");

	(void)ctx;
	(void)err;
	(void)errlen;
	if (!*opt)
		abort(); /* split never hands out empty options */
	for (size_t i = 0; dt_opts_own_name(i); i++)
		if (strlen(dt_opts_own_name(i)) == n &&
		    !strncmp(opt, dt_opts_own_name(i), n))
			abort(); /* a dtfs option leaked to libfuse */
	return 0;
}

static void check_ok(const struct dt_opts *o, const char *argv0)
{
	char err[512];

	if (o->show_help || o->show_version)
		return;
	if (!o->store || !o->mountpoint || !*o->store || !*o->mountpoint)
		abort();
	if (!(o->attr_timeout >= 0 && o->attr_timeout <= DT_OPT_TIMEOUT_MAX) ||
	    !(o->entry_timeout >= 0 &&
	      o->entry_timeout <= DT_OPT_TIMEOUT_MAX) ||
	    !isfinite(o->attr_timeout) || !isfinite(o->entry_timeout))
		abort();
	if (o->max_threads < 1 || o->max_threads > DT_OPT_THREADS_MAX ||
	    o->dirty_log_max < 1 || o->dirty_log_max > DT_OPT_LOG_MAX_MIB)
		abort();
	if (o->tracer < DT_TRACER_AUTO || o->tracer > DT_TRACER_OFF ||
	    o->on_violation < DTFS_ON_WARN || o->on_violation > DTFS_ON_ABORT ||
	    o->release < DTFS_REL_WRITEBACK || o->release > DTFS_REL_EVICT)
		abort();
	if (o->dirty_log && (o->dirty_log_off || !*o->dirty_log ||
			     strlen(o->dirty_log) > DT_OPT_PATH_MAX))
		abort();
	if (o->fuse_argc < 1 || !o->fuse_argv ||
	    strcmp(o->fuse_argv[0], argv0) || o->fuse_argv[o->fuse_argc])
		abort();
	for (int i = 1; i < o->fuse_argc; i++) {
		const char *a = o->fuse_argv[i];

		if (a[0] != '-' || !a[1])
			abort(); /* only switches go to libfuse */
		if (!strcmp(a, "-o")) {
			/* one group, last, and only libfuse's options */
			if (i != o->fuse_argc - 2 || !*o->fuse_argv[i + 1])
				abort();
			if (dt_opts_split(o->fuse_argv[i + 1], not_dtfs, NULL,
					  err, sizeof(err)))
				abort();
			break;
		}
		if (a[1] == 'o')
			abort(); /* attached -oX would be re-split */
	}
}

/* Parse the argv for libfuse again: the same argv, dtfs at its defaults. */
static void check_fixed_point(const struct dt_opts *o)
{
	char *argv[MAX_ARGS + 8], err[512];
	struct dt_opts p;
	int argc = 0, ret;

	if (o->show_help || o->show_version)
		return;
	for (int i = 0; i < o->fuse_argc; i++)
		argv[argc++] = o->fuse_argv[i];
	argv[argc++] = "--";
	argv[argc++] = (char *)o->store;
	argv[argc++] = (char *)o->mountpoint;
	argv[argc] = NULL;
	ret = dt_opts_parse(argc, argv, &p, err, sizeof(err));
	/* -h/-V never reach libfuse's argv (they win before) */
	if (ret || p.show_help || p.show_version)
		abort();
	if (p.fuse_argc != o->fuse_argc)
		abort();
	for (int i = 0; i < p.fuse_argc; i++)
		if (strcmp(p.fuse_argv[i], o->fuse_argv[i]))
			abort();
	if (strcmp(p.store, o->store) || strcmp(p.mountpoint, o->mountpoint))
		abort();
	if (p.writeback_cache || p.nosubtype || p.attr_timeout != 1.0 ||
	    p.entry_timeout != 1.0 || p.max_threads != 16 ||
	    p.tracer != DT_TRACER_AUTO || p.dirty_log || p.dirty_log_off ||
	    p.dirty_log_max != 256 || p.on_violation != DTFS_ON_WARN ||
	    p.release != DTFS_REL_WRITEBACK)
		abort();
	if (p.allow_other != o->allow_other || p.fsname != o->fsname ||
	    p.foreground != o->foreground || p.debug != o->debug ||
	    p.singlethread != o->singlethread)
		abort();
	dt_opts_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[MAX_ARGS + 2], err[512];
	struct dt_opts o;
	int argc = 0, ret;
	size_t i = 0;

	if (size > 4096)
		return 0;
	/* a copy with a final NUL: every argument is a C string */
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	argv[argc++] = "dtfs";
	while (i <= size && argc <= MAX_ARGS) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	memset(err, 0x55, sizeof(err));
	ret = dt_opts_parse(argc, argv, &o, err, sizeof(err));
	if (ret) {
		size_t n = strnlen(err, sizeof(err));

		if (ret != -EINVAL || n == 0 || n == sizeof(err) ||
		    memchr(err, '\n', n))
			abort();
	} else {
		check_ok(&o, argv[0]);
		check_fixed_point(&o);
	}
	dt_opts_free(&o);
	free(buf);
	return 0;
}
