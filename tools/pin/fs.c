// SPDX-License-Identifier: GPL-2.0
/*
 * --fs: the filesystems dtfs-pin tests besides dtfs. Each gets its own
 * instance in the temp directory: ext4, xfs and btrfs an image on a loop
 * device made by their mkfs, tmpfs a mount of its own. dtfs's evidence
 * comes from the daemon; here it comes from the observer (the tracer on
 * the instance's superblock, include/dtfs/observe.h), and the data is
 * checked again after a remount, from the disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include "dtfs/dirtylog.h"
#include "pin.h"

#define IMG_BYTES (512LL << 20) /* xfs wants 300 MiB at least */

static const struct fs_kind {
	const char *name, *mkfs;
	const char *mkfs_opts[4]; /* before the image path */
} kinds[] = {
	{"dtfs", NULL, {NULL}},
	{"ext4", "mkfs.ext4", {"-q", "-F", NULL}},
	{"xfs", "mkfs.xfs", {"-q", "-f", NULL}},
	{"btrfs", "mkfs.btrfs", {"-q", "-f", NULL}},
	{"tmpfs", NULL, {NULL}},
};

static const struct fs_kind *kind_of(const char *name)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}

const char *fs_known(const char *name)
{
	const struct fs_kind *k = kind_of(name);

	return k ? k->name : NULL;
}

/* @prog in PATH or an sbin directory: its path in @out */
static int find_prog(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char dirs[8192];

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin:/usr/bin:/bin",
		 path ? path : "");
	for (char *save, *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", d, prog);
		if (!access(out, X_OK))
			return 0;
	}
	return -1;
}

/* Run @argv; its first line of output in @out (if @out), the rest of
 * its output dropped. Exit status, or -1. */
static int run(char *const argv[], char *out, size_t len)
{
	int pfd[2], st = 0;
	pid_t p;

	if (pipe(pfd))
		return -1;
	fflush(NULL);
	p = fork();
	if (p < 0)
		return -1;
	if (p == 0) {
		int nul = open("/dev/null", O_RDWR);

		dup2(pfd[1], 1);
		if (nul >= 0)
			dup2(nul, 2);
		close(pfd[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	if (out) {
		ssize_t n = read(pfd[0], out, len - 1);

		out[n > 0 ? n : 0] = 0;
		out[strcspn(out, "\n")] = 0;
	}
	{
		char sink[512];

		while (read(pfd[0], sink, sizeof(sink)) > 0)
			;
	}
	close(pfd[0]);
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Does the kernel know filesystem @name (after asking modprobe)? */
static int kernel_has(const char *name)
{
	char line[256], *argv[] = {"modprobe", "-q", (char *)name, NULL};
	int found = 0;
	FILE *f;

	for (int pass = 0; pass < 2 && !found; pass++) {
		if (pass)
			run(argv, NULL, 0);
		f = fopen("/proc/filesystems", "r");
		while (f && fgets(line, sizeof(line), f)) {
			char *w = strrchr(line, '\t');

			w = w ? w + 1 : line;
			w[strcspn(w, "\n")] = 0;
			if (!strcmp(w, name))
				found = 1;
		}
		if (f)
			fclose(f);
	}
	return found;
}

static int mount_instance(const char *name)
{
	const char *opts = strcmp(name, "tmpfs") ? NULL : "size=512m";

	return mount(ctx.loopdev[0] ? ctx.loopdev : "tmpfs", ctx.mnt, name, 0,
		     opts)
		       ? -errno
		       : 0;
}

static int observe(char *why, size_t whylen)
{
	snprintf(ctx.log, sizeof(ctx.log), "%s/%s.%d.dirty.log", ctx.tmp,
		 ctx.fs, ctx.nlogs++);
	ctx.log_off = 0;
	if (dt_observer_start(ctx.mnt, ctx.log, 1ULL << 30, &ctx.ob, why,
			      whylen)) {
		ctx.ob = NULL;
		ctx.log[0] = 0;
		ctx.tracer_on = 0;
		return -1;
	}
	ctx.tracer_on = 1;
	return 0;
}

int fs_setup(const char *name, char *why, size_t whylen)
{
	const struct fs_kind *k = kind_of(name);
	char mkfs[PATH_MAX], losetup[PATH_MAX];
	int fd, ret;

	ctx.fs = k->name;
	ctx.foreign = 1;
	ctx.mnt[0] = ctx.work[0] = ctx.log[0] = 0;
	ctx.no_dirty_tracking = !strcmp(name, "tmpfs");
	ctx.can_remount = !ctx.no_dirty_tracking;
	ctx.loopdev[0] = 0;
	ctx.img[0] = 0;
	if (!kernel_has(name)) {
		snprintf(why, whylen, "the kernel has no %s", name);
		return -1;
	}
	if (k->mkfs) {
		char *argv[8];
		int a = 0;

		if (find_prog(k->mkfs, mkfs, sizeof(mkfs))) {
			snprintf(why, whylen, "%s is not installed", k->mkfs);
			return -1;
		}
		if (find_prog("losetup", losetup, sizeof(losetup))) {
			snprintf(why, whylen, "losetup is not installed");
			return -1;
		}
		snprintf(ctx.img, sizeof(ctx.img), "%s/%s.img", ctx.tmp, name);
		fd = open(ctx.img, O_CREAT | O_RDWR | O_TRUNC, 0600);
		if (fd < 0 || ftruncate(fd, IMG_BYTES)) {
			snprintf(why, whylen, "%s: %s", ctx.img,
				 strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
		argv[a++] = mkfs;
		for (int i = 0; k->mkfs_opts[i]; i++)
			argv[a++] = (char *)k->mkfs_opts[i];
		argv[a++] = ctx.img;
		argv[a] = NULL;
		ret = run(argv, NULL, 0);
		if (ret) {
			snprintf(why, whylen, "%s %s failed (exit %d)", mkfs,
				 ctx.img, ret);
			return -1;
		}
		{
			char *lo[] = {losetup, "-f", "--show", ctx.img, NULL};

			ret = run(lo, ctx.loopdev, sizeof(ctx.loopdev));
			if (ret || strncmp(ctx.loopdev, "/dev/", 5)) {
				snprintf(why, whylen,
					 "no loop device for %s (losetup "
					 "exit %d)",
					 ctx.img, ret);
				ctx.loopdev[0] = 0;
				return -1;
			}
		}
	}
	snprintf(ctx.mnt, sizeof(ctx.mnt), "%s/mnt-%s", ctx.tmp, name);
	if (mkdir(ctx.mnt, 0755) && errno != EEXIST) {
		snprintf(why, whylen, "mkdir %s: %s", ctx.mnt, strerror(errno));
		fs_teardown();
		return -1;
	}
	ret = mount_instance(name);
	if (ret) {
		snprintf(why, whylen, "mount -t %s %s: %s", name,
			 ctx.loopdev[0] ? ctx.loopdev : "tmpfs",
			 strerror(-ret));
		fs_teardown();
		return -1;
	}
	snprintf(ctx.work, sizeof(ctx.work), "%s", ctx.mnt);
	if (observe(why, whylen))
		fprintf(stderr,
			"dtfs-pin: %s: no observer (%s): verdicts rest on "
			"the data alone\n",
			name, why);
	return 0;
}

static void unmount_instance(void)
{
	for (int i = 0; i < 50; i++) {
		if (!umount2(ctx.mnt, 0) || errno == EINVAL || errno == ENOENT)
			return;
		usleep(100000); /* EBUSY: a dying child's files */
	}
	umount2(ctx.mnt, MNT_DETACH);
}

void fs_teardown(void)
{
	if (!ctx.foreign)
		return;
	if (ctx.ob) {
		dt_observer_stop(ctx.ob);
		ctx.ob = NULL;
	}
	if (ctx.mnt[0]) {
		unmount_instance();
		rmdir(ctx.mnt);
	}
	if (ctx.loopdev[0]) {
		char *argv[] = {"losetup", "-d", ctx.loopdev, NULL};

		run(argv, NULL, 0);
		ctx.loopdev[0] = 0;
	}
	if (ctx.img[0]) {
		unlink(ctx.img);
		ctx.img[0] = 0;
	}
	ctx.mnt[0] = ctx.work[0] = ctx.log[0] = 0;
	ctx.foreign = 0;
	ctx.fs = "dtfs";
}

static int sb_dev(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[8192], mp[4096], dev[32];

	out[0] = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %31s %*s %4095s", dev, mp) == 2 &&
		    !strcmp(mp, ctx.mnt))
			snprintf(out, len, "%s", dev);
	if (f)
		fclose(f);
	return out[0] ? 0 : -1;
}

int fs_remount(char *why, size_t whylen)
{
	char before[32], after[32];
	int ret;

	if (!ctx.can_remount)
		return 0;
	sb_dev(before, sizeof(before));
	/* the writeback at unmount is the scenario's: seen before it ends */
	sync();
	unmount_instance();
	ret = mount_instance(ctx.fs);
	if (ret) {
		snprintf(why, whylen, "remount %s: %s", ctx.fs, strerror(-ret));
		return ret;
	}
	sb_dev(after, sizeof(after));
	if (ctx.ob && strcmp(before, after)) {
		/* btrfs: a new anonymous device on every mount */
		dt_observer_stop(ctx.ob);
		ctx.ob = NULL;
		observe(why, whylen);
	}
	return 0;
}

int fs_status(struct dtfs_status *st)
{
	struct dt_pages_counters c;

	memset(st, 0, sizeof(*st));
	st->abi_version = DTFS_ABI_VERSION;
	if (!ctx.ob)
		return 0;
	dt_observer_counters(ctx.ob, &c);
	st->tracer_on = 1;
	st->viol_no_notify = c.viol_no_notify;
	st->viol_no_buffers = c.viol_no_buffers;
	st->refused = c.refused;
	st->writepages = c.writepages;
	for (unsigned int i = 0; i < DTFS_CLS_COUNT && i < DTFS_CLS_SLOTS; i++)
		st->dirty_by_class[i] = c.dirty_by_class[i];
	st->tracer_lost = dt_observer_lost(ctx.ob);
	return 0;
}

void fs_mark(const char *text)
{
	if (ctx.ob)
		dt_observer_mark(ctx.ob, text);
}

/* After a remount: does each file the scenario named hold what it must?
 * D_OK, D_LOST (what a lost write leaves) or D_CORRUPT; @detail says. */
int fs_check_files(const struct outcome *o, char *detail, size_t len)
{
	detail[0] = 0;
	for (int i = 0; i < o->nfiles && i < OUT_FILES; i++) {
		const struct expect_file *f = &o->files[i];
		char p[PATH_MAX + 200], *b = malloc(f->len);
		ssize_t n = -1;
		uint32_t crc;
		int fd;

		snprintf(p, sizeof(p), "%s/%s", ctx.sdir, f->name);
		fd = open(p, O_RDONLY);
		if (fd >= 0 && b)
			n = pread(fd, b, f->len, 0);
		if (fd >= 0)
			close(fd);
		if (n != (ssize_t)f->len) {
			snprintf(detail, len,
				 "after remount %s: cannot read %u bytes (%s)",
				 f->name, f->len,
				 n < 0 ? strerror(errno) : "short");
			free(b);
			return D_CORRUPT;
		}
		crc = dt_crc32c(0, b, f->len);
		free(b);
		if (crc == f->crc)
			continue;
		snprintf(detail, len, "after remount %s holds %s", f->name,
			 crc == f->crc_old
				 ? "the data from before the write"
				 : "neither the new data nor the old");
		return crc == f->crc_old ? D_LOST : D_CORRUPT;
	}
	return D_OK;
}
