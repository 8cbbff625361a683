// SPDX-License-Identifier: GPL-2.0
/*
 * dt-sem: small probes of POSIX semantics for the mount tests, each a
 * subcommand that exits 0 when the behaviour is right, 1 with one line
 * saying what was wrong, 2 on bad usage or a setup failure.
 *
 *   dt-sem rewinddir DIR
 *       a name created after opendir shows after rewinddir
 *   dt-sem dio-stale FILE SECONDS
 *       asynchronous O_DIRECT writes (io_uring) of alternating patterns
 *       while two threads read the file through the page cache; after each
 *       write completes, a buffered read must return what it wrote
 *   dt-sem handle-save PATH HANDLEFILE
 *       name_to_handle_at(PATH) into HANDLEFILE
 *   dt-sem handle-open MOUNTDIR HANDLEFILE [EXPECT]
 *       open_by_handle_at(HANDLEFILE) on the mount of MOUNTDIR and print
 *       the file's first bytes ("directory" for one); with EXPECT
 *       "ESTALE" the open must fail so
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DIO_SIZE (640 * 1024)

static int usage(void)
{
	fprintf(stderr, "usage: dt-sem rewinddir DIR | dio-stale FILE SECONDS "
			"| handle-save PATH HANDLEFILE | handle-open MOUNTDIR "
			"HANDLEFILE [ESTALE]\n");
	return 2;
}

static int has_name(DIR *d, const char *name)
{
	struct dirent *e;
	int found = 0;

	while ((e = readdir(d)))
		if (!strcmp(e->d_name, name))
			found = 1;
	return found;
}

/* create @dir/@name; 0 or 2 */
static int create_in(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
	if (fd < 0) {
		fprintf(stderr, "dt-sem: create %s: %s\n", path,
			strerror(errno));
		return 2;
	}
	close(fd);
	return 0;
}

/* Two streams: one rewound before it was ever read (xfstests' case), one
 * read to its end first. */
static int cmd_rewinddir(const char *dir)
{
	DIR *fresh = opendir(dir), *used = opendir(dir);
	int ret = 0;

	if (!fresh || !used) {
		fprintf(stderr, "dt-sem: opendir %s: %s\n", dir,
			strerror(errno));
		return 2;
	}
	if (has_name(used, "dt-sem-new")) {
		fprintf(stderr, "dt-sem: %s/dt-sem-new exists already\n", dir);
		return 2;
	}
	if (create_in(dir, "dt-sem-new"))
		return 2;
	rewinddir(fresh);
	rewinddir(used);
	if (!has_name(fresh, "dt-sem-new")) {
		printf("rewinddir: %s/dt-sem-new created after opendir is "
		       "missing after rewinddir of an unread stream\n",
		       dir);
		ret = 1;
	}
	if (!has_name(used, "dt-sem-new")) {
		printf("rewinddir: %s/dt-sem-new created after opendir is "
		       "missing after rewinddir of a stream read to its end\n",
		       dir);
		ret = 1;
	}
	closedir(fresh);
	closedir(used);
	return ret;
}

struct reader {
	const char *path;
	volatile int stop;
};

static void *read_loop(void *arg)
{
	struct reader *r = arg;
	char *buf = malloc(DIO_SIZE);

	while (buf && !r->stop) {
		int fd = open(r->path, O_RDONLY);

		if (fd < 0)
			break;
		if (pread(fd, buf, DIO_SIZE, 0) < 0)
			break;
		close(fd);
	}
	free(buf);
	return NULL;
}

static int cmd_dio_stale(const char *path, int seconds)
{
	struct io_uring ring;
	struct reader r = {.path = path};
	pthread_t th[2];
	char *pat[2], *cmp = malloc(DIO_SIZE);
	time_t end = time(NULL) + seconds;
	long rounds = 0;
	int ret = 0, fd;

	if (!cmp || posix_memalign((void **)&pat[0], 4096, DIO_SIZE) ||
	    posix_memalign((void **)&pat[1], 4096, DIO_SIZE))
		return 2;
	memset(pat[0], 0xaa, DIO_SIZE);
	memset(pat[1], 0x55, DIO_SIZE);
	fd = open(path, O_CREAT | O_RDWR | O_DIRECT, 0644);
	if (fd < 0 || pwrite(fd, pat[1], DIO_SIZE, 0) != DIO_SIZE) {
		fprintf(stderr, "dt-sem: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (io_uring_queue_init(4, &ring, 0)) {
		fprintf(stderr, "dt-sem: io_uring_queue_init failed\n");
		return 2;
	}
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, read_loop, &r);
	while (time(NULL) < end && !ret) {
		const char *want = pat[rounds % 2];
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		struct io_uring_cqe *cqe;
		int rfd;

		io_uring_prep_write(sqe, fd, want, DIO_SIZE, 0);
		io_uring_submit(&ring);
		if (io_uring_wait_cqe(&ring, &cqe) || cqe->res != DIO_SIZE) {
			fprintf(stderr, "dt-sem: O_DIRECT write: %s\n",
				strerror(cqe ? -cqe->res : EIO));
			ret = 2;
			break;
		}
		io_uring_cqe_seen(&ring, cqe);
		rfd = open(path, O_RDONLY);
		if (rfd < 0 || pread(rfd, cmp, DIO_SIZE, 0) != DIO_SIZE) {
			fprintf(stderr, "dt-sem: buffered read: %s\n",
				strerror(errno));
			ret = 2;
		} else if (memcmp(cmp, want, DIO_SIZE)) {
			size_t i = 0;

			while (cmp[i] == want[i])
				i++;
			printf("dio-stale: round %ld: a buffered read after an "
			       "O_DIRECT write returned stale data at byte "
			       "%zu (0x%02x, want 0x%02x)\n",
			       rounds, i, (unsigned char)cmp[i],
			       (unsigned char)want[i]);
			ret = 1;
		}
		if (rfd >= 0)
			close(rfd);
		rounds++;
	}
	r.stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	io_uring_queue_exit(&ring);
	close(fd);
	if (!ret)
		fprintf(stderr,
			"dt-sem: dio-stale: %ld rounds, no stale data\n",
			rounds);
	return ret;
}

static int cmd_handle_save(const char *path, const char *out)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	int mnt_id, fd;

	if (!fh)
		return 2;
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, fh, &mnt_id, 0)) {
		printf("handle-save: name_to_handle_at %s: %s\n", path,
		       strerror(errno));
		return 1;
	}
	fd = open(out, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0 || write(fd, fh, sizeof(*fh) + fh->handle_bytes) < 0) {
		fprintf(stderr, "dt-sem: %s: %s\n", out, strerror(errno));
		return 2;
	}
	close(fd);
	return 0;
}

static int cmd_handle_open(const char *mnt, const char *in, const char *expect)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	char line[256];
	struct stat st;
	int mfd, fd, ifd = open(in, O_RDONLY);
	ssize_t n;

	if (!fh || ifd < 0 ||
	    read(ifd, fh, sizeof(*fh) + MAX_HANDLE_SZ) < (ssize_t)sizeof(*fh)) {
		fprintf(stderr, "dt-sem: %s: cannot read a handle\n", in);
		return 2;
	}
	close(ifd);
	mfd = open(mnt, O_RDONLY | O_DIRECTORY);
	if (mfd < 0) {
		fprintf(stderr, "dt-sem: %s: %s\n", mnt, strerror(errno));
		return 2;
	}
	fd = open_by_handle_at(mfd, fh, O_RDONLY);
	if (expect && !strcmp(expect, "ESTALE")) {
		if (fd >= 0) {
			printf("handle-open: a handle of a deleted file opened "
			       "(want ESTALE)\n");
			return 1;
		}
		if (errno != ESTALE) {
			printf("handle-open: %s (want ESTALE)\n",
			       strerror(errno));
			return 1;
		}
		return 0;
	}
	if (fd < 0) {
		printf("handle-open: open_by_handle_at: %s\n", strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		printf("directory\n");
		close(fd);
		return 0;
	}
	n = read(fd, line, sizeof(line) - 1);
	if (n < 0) {
		printf("handle-open: read: %s\n", strerror(errno));
		return 1;
	}
	line[n] = 0;
	fputs(line, stdout);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "rewinddir"))
		return cmd_rewinddir(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "dio-stale"))
		return cmd_dio_stale(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "handle-save"))
		return cmd_handle_save(argv[2], argv[3]);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "handle-open"))
		return cmd_handle_open(argv[2], argv[3],
				       argc == 5 ? argv[4] : NULL);
	return usage();
}
