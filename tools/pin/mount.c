// SPDX-License-Identifier: GPL-2.0
/*
 * The filesystem dtfs-pin tests: a fresh dtfs mount in its temp directory,
 * or one the user gives (--mount); the watchdog's way out of a deadlock
 * (abort the FUSE connection); and leaving nothing behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pin.h"

#ifndef FUSECTL_SUPER_MAGIC
#define FUSECTL_SUPER_MAGIC 0x65735543
#endif
#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

static int run_cmd(char *const argv[], int quiet)
{
	pid_t p = fork();
	int st;

	if (p < 0)
		return -1;
	if (p == 0) {
		if (quiet) {
			int nul = open("/dev/null", O_WRONLY);

			if (nul >= 0) {
				dup2(nul, 1);
				dup2(nul, 2);
			}
		}
		execvp(argv[0], argv);
		fprintf(stderr, "dtfs-pin: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

void find_dtfs(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = 0;
		*strrchr(self, '/') = 0;
		snprintf(ctx.dtfs, sizeof(ctx.dtfs), "%.4000s/dtfs", self);
		if (!access(ctx.dtfs, X_OK))
			return;
		/* installed: dtfs in sbin, dtfs-pin in bin */
		snprintf(ctx.dtfs, sizeof(ctx.dtfs), "%.4000s/../sbin/dtfs",
			 self);
		if (!access(ctx.dtfs, X_OK))
			return;
	}
	snprintf(ctx.dtfs, sizeof(ctx.dtfs), "dtfs");
}

static pid_t daemon_pid(void)
{
	char p[PATH_MAX + 32], buf[32] = "";
	int fd;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/dtfs.lock", ctx.store);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? (pid_t)atoi(buf) : 0;
}

void mount_fresh(void)
{
	char opts[] = "tracer=on,dirty_log_max=4096";
	char *argv[] = {ctx.dtfs, ctx.store, ctx.mnt, "-o", opts, NULL};
	int ret;

	snprintf(ctx.store, sizeof(ctx.store), "%s/store%d", ctx.tmp,
		 ctx.mounts);
	snprintf(ctx.mnt, sizeof(ctx.mnt), "%s/mnt%d", ctx.tmp, ctx.mounts);
	snprintf(ctx.log, sizeof(ctx.log), "%s/dirty.log", ctx.store);
	if (mkdir(ctx.mnt, 0755))
		die("mkdir %s: %s", ctx.mnt, strerror(errno));
	ret = run_cmd(argv, 0);
	if (ret)
		die("cannot mount dtfs (%s %s %s -o %s: exit %d)", ctx.dtfs,
		    ctx.store, ctx.mnt, opts, ret);
	ctx.mounts++;
	ctx.own_mount = 1;
	ctx.log_off = 0;
}

void unmount_own(void)
{
	char *argv[] = {"fusermount3", "-u", ctx.mnt, NULL};
	pid_t pid = daemon_pid();

	if (!ctx.own_mount)
		return;
	if (run_cmd(argv, 1))
		umount2(ctx.mnt, MNT_DETACH);
	for (int i = 0; pid > 0 && i < 100 && !kill(pid, 0); i++)
		usleep(50000);
	if (pid > 0 && !kill(pid, 0))
		kill(pid, SIGKILL);
	ctx.own_mount = 0;
}

/* Abort the FUSE connection of the mount: every request then fails, so
 * a task stuck in dtfs comes back. */
int abort_connection(void)
{
	struct stat st;
	char p[96];
	int fd, ret = -1;

	if (stat(ctx.mnt, &st))
		return -1;
	snprintf(p, sizeof(p), "/sys/fs/fuse/connections/%u/abort",
		 minor(st.st_dev));
	fd = open(p, O_WRONLY);
	if (fd >= 0) {
		ret = write(fd, "1", 1) == 1 ? 0 : -1;
		close(fd);
	}
	if (ret && ctx.own_mount) {
		/* no fusectl: the daemon's death closes /dev/fuse, which
		 * aborts the connection the same way */
		pid_t pid = daemon_pid();

		if (pid > 0 && !kill(pid, SIGKILL))
			ret = 0;
	}
	return ret;
}

/* The FUSE control filesystem (for the watchdog's abort) is not always
 * mounted on a fresh machine: mount it, as `mount -t fusectl` would. */
void ensure_fusectl(void)
{
	struct statfs sf;

	if (!statfs("/sys/fs/fuse/connections", &sf) &&
	    sf.f_type == FUSECTL_SUPER_MAGIC)
		return;
	if (mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, NULL))
		fprintf(stderr,
			"dtfs-pin: cannot mount fusectl (%s): a deadlock "
			"will be broken by killing the daemon\n",
			strerror(errno));
}

/* Reap the scenario's child; if it stays stuck in the kernel after the
 * abort, kill our daemon too. */
void reap_child(pid_t child, int *status)
{
	for (int i = 0; i < 200; i++) {
		pid_t r = waitpid(child, status, WNOHANG);

		if (r == child || (r < 0 && errno != EINTR))
			return;
		usleep(50000);
		if (i == 100 && ctx.own_mount) {
			pid_t pid = daemon_pid();

			if (pid > 0)
				kill(pid, SIGKILL);
		}
	}
	while (waitpid(child, status, 0) < 0 && errno == EINTR)
		;
}

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
	(void)s;
	(void)f;
	(void)w;
	remove(p);
	return 0;
}

void cleanup(void)
{
	if (ctx.child > 0) {
		kill(ctx.child, SIGKILL);
		if (waitpid(ctx.child, NULL, WNOHANG) == 0) {
			abort_connection();
			waitpid(ctx.child, NULL, 0);
		}
		ctx.child = 0;
	}
	if (ctx.foreign)
		fs_teardown();
	else if (ctx.own_mount)
		unmount_own();
	else if (ctx.work[0] && !ctx.dead)
		nftw(ctx.work, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	if (ctx.tmp[0]) {
		/* leftover (lazily unmounted) mountpoints are empty dirs */
		nftw(ctx.tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		ctx.tmp[0] = 0;
	}
}

/* Open every gate on the files of @dir (an interrupted scenario). */
void release_gates(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NONBLOCK);

		if (fd >= 0) {
			ioctl(fd, DTFS_IOC_RELEASE);
			close(fd);
		}
	}
	if (d)
		closedir(d);
}

/* Use a mount given with --mount: it must be dtfs and answer STATUS. */
void use_mount(const char *dir, const char *log)
{
	struct dtfs_status *st = calloc(1, sizeof(*st));
	struct statfs sf;
	char line[8192];
	FILE *mi;
	int ret;

	if (!realpath(dir, ctx.mnt))
		die("--mount %s: %s", dir, strerror(errno));
	if (statfs(ctx.mnt, &sf) || sf.f_type != FUSE_SUPER_MAGIC)
		die("--mount %s: not a FUSE mount", dir);
	ret = st ? get_status(ctx.mnt, st) : -ENOMEM;
	if (ret)
		die("--mount %s: not a dtfs mount (STATUS ioctl: %s)", dir,
		    strerror(-ret));
	if (st->abi_version != DTFS_ABI_VERSION)
		die("--mount %s: dtfs ioctl ABI %u, this tool speaks %u", dir,
		    st->abi_version, (unsigned int)DTFS_ABI_VERSION);
	free(st);
	ctx.log[0] = 0;
	if (log) {
		snprintf(ctx.log, sizeof(ctx.log), "%s", log);
		return;
	}
	/* the store is the mount's source: its dirty.log, if it has one */
	mi = fopen("/proc/self/mountinfo", "r");
	while (mi && fgets(line, sizeof(line), mi)) {
		char mp[4096], src[4096], *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    strcmp(mp, ctx.mnt) ||
		    sscanf(dash, " - %*s %4095s", src) != 1)
			continue;
		snprintf(ctx.log, sizeof(ctx.log), "%.4000s/dirty.log", src);
		if (access(ctx.log, R_OK))
			ctx.log[0] = 0;
	}
	if (mi)
		fclose(mi);
}
