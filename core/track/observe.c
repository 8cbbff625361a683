// SPDX-License-Identifier: GPL-2.0
/*
 * The observer of a filesystem that is not dtfs (include/dtfs/observe.h;
 * dtfs(7), OBSERVER): the tracer in observer mode on the superblock of a
 * mountpoint, a page-state model that knows it observes, and its log.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "dtfs/dirtylog.h"
#include "dtfs/observe.h"
#include "dtfs/tracer.h"

#ifndef BTRFS_SUPER_MAGIC
#define BTRFS_SUPER_MAGIC 0x9123683E
#endif

#define WAIT_NS (3ULL * 1000000000ULL)

struct dt_observer {
	char mnt[4096];
	dev_t dev;
	struct dt_pages *model;
	struct dt_log *log;
	struct dt_tracer *tracer;
	uint64_t *named; /* inodes named so far (sorted) */
	size_t nnamed, capnamed;
};

/* The superblock's device as the kernel has it (mountinfo's major:minor):
 * btrfs gives stat(2) a subvolume's own anonymous device instead. */
static void sb_dev(const char *mnt, dev_t st_dev, unsigned int *maj,
		   unsigned int *min)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[8192], mp[4096];
	unsigned int a, b;

	*maj = major(st_dev);
	*min = minor(st_dev);
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %u:%u %*s %4095s", &a, &b, mp) == 3 &&
		    !strcmp(mp, mnt)) {
			*maj = a; /* the last mount on top wins */
			*min = b;
		}
	if (f)
		fclose(f);
}

static int ino_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int dt_observer_start(const char *mnt, const char *log, uint64_t log_max,
		      struct dt_observer **out, char *why, size_t whylen)
{
	struct dt_observer *ob = calloc(1, sizeof(*ob));
	struct dt_tracer_conf c;
	struct statfs sf;
	struct stat st;
	char text[4400], miss[400] = "";
	unsigned int missing;
	int ret;

	if (!ob)
		return -ENOMEM;
	if (!realpath(mnt, ob->mnt) || stat(ob->mnt, &st) ||
	    statfs(ob->mnt, &sf)) {
		ret = -errno;
		snprintf(why, whylen, "%s: %s", mnt, strerror(errno));
		free(ob);
		return ret;
	}
	ob->dev = st.st_dev;
	ob->model = dt_pages_new();
	ret = ob->model ? dt_tracer_conf_default(&c, why, whylen) : -ENOMEM;
	if (ret)
		goto fail;
	sb_dev(ob->mnt, st.st_dev, &c.major, &c.minor);
	c.model = ob->model;
	c.observer = 1;
	/* btrfs's metadata lives in the page cache of its btree inode,
	 * dirtied by no user path */
	if ((unsigned int)sf.f_type == (unsigned int)BTRFS_SUPER_MAGIC)
		c.skip_ino = 1;
	if (log) {
		ret = dt_log_open(log, log_max,
				  DT_LOGF_TRACER | DT_LOGF_OBSERVER, 0,
				  &ob->log);
		if (ret) {
			snprintf(why, whylen, "dirty log %s: %s", log,
				 strerror(-ret));
			goto fail;
		}
		dt_pages_set_log(ob->model, ob->log);
	}
	ret = dt_tracer_start(&c, &ob->tracer, why, whylen);
	if (ret)
		goto fail;
	missing = dt_tracer_missing(ob->tracer);
	dt_pages_observe(ob->model,
			 dt_tracer_observes(missing) | DT_OBS_OBSERVER);
	dt_tracer_missing_text(missing, miss, sizeof(miss));
	snprintf(text, sizeof(text),
		 "observer of %.4000s dev=%u:%u fstype=0x%lx tracer=on%s%s",
		 ob->mnt, c.major, c.minor, (unsigned long)sf.f_type,
		 miss[0] ? "; " : "", miss);
	dt_pages_note(ob->model, DT_SRC_DTFS, DTFS_EV_MOUNT, 0, 0, 0, 0, text,
		      NULL);
	*out = ob;
	return 0;
fail:
	if (ob->log)
		dt_log_close(ob->log);
	dt_pages_free(ob->model);
	free(ob);
	return ret ? ret : -EINVAL;
}

uint64_t dt_observer_mark(struct dt_observer *ob, const char *text)
{
	dt_tracer_wait(ob->tracer, dt_tracer_mark(ob->tracer), WAIT_NS);
	return dt_pages_note(ob->model, DT_SRC_DTFS, DTFS_EV_MARK, 0, 0, 0, 0,
			     text, NULL);
}

static int named(struct dt_observer *ob, uint64_t ino)
{
	return ob->nnamed && bsearch(&ino, ob->named, ob->nnamed,
				     sizeof(*ob->named), ino_cmp);
}

static void add_named(struct dt_observer *ob, uint64_t ino)
{
	if (ob->nnamed == ob->capnamed) {
		size_t cap = ob->capnamed ? ob->capnamed * 2 : 256;
		uint64_t *v = realloc(ob->named, cap * sizeof(*v));

		if (!v)
			return;
		ob->named = v;
		ob->capnamed = cap;
	}
	ob->named[ob->nnamed++] = ino;
	qsort(ob->named, ob->nnamed, sizeof(*ob->named), ino_cmp);
}

/* nftw has no context argument: one walk at a time */
static struct dt_observer *walking;

static int name_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
	struct dt_observer *ob = walking;
	char text[4200], dir[4096];
	struct stat ps;
	uint64_t parent = 1; /* the log's readers call inode 1 "/" */

	(void)f;
	if (s->st_dev != ob->dev || named(ob, s->st_ino))
		return 0;
	if (w->level > 0) {
		snprintf(dir, sizeof(dir), "%.*s", w->base - 1, p);
		if (stat(dir, &ps))
			return 0;
		parent = ps.st_ino;
	}
	snprintf(text, sizeof(text), "%llu/%s", (unsigned long long)parent,
		 w->level > 0 ? p + w->base : "");
	add_named(ob, s->st_ino);
	dt_pages_note(ob->model, DT_SRC_DTFS, DTFS_EV_CREATE, s->st_ino, 0, 0,
		      0, text, NULL);
	return 0;
}

void dt_observer_names(struct dt_observer *ob)
{
	walking = ob;
	nftw(ob->mnt, name_cb, 16, FTW_PHYS | FTW_MOUNT);
	walking = NULL;
}

void dt_observer_counters(struct dt_observer *ob, struct dt_pages_counters *c)
{
	dt_tracer_drain(ob->tracer);
	dt_pages_counters(ob->model, c);
}

uint64_t dt_observer_lost(struct dt_observer *ob)
{
	struct dt_tracer_stats s;

	dt_tracer_stats(ob->tracer, &s);
	return s.lost;
}

void dt_observer_stop(struct dt_observer *ob)
{
	if (!ob)
		return;
	dt_tracer_stop(ob->tracer);
	if (ob->log)
		dt_log_close(ob->log);
	dt_pages_free(ob->model);
	free(ob->named);
	free(ob);
}
