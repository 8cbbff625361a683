// SPDX-License-Identifier: GPL-2.0
/*
 * dt-bench-meta PHASE DIR N: one phase of the metadata benchmark over N
 * files DIR/m000000...: create (open O_CREAT + close), stat, unlink.
 * Prints "PHASE ops_per_second". The caller drops caches between phases.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	char path[4096];
	struct stat st;
	long n, errors = 0;
	double secs;

	if (argc != 4 || (n = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: %s create|stat|unlink DIR N\n",
			argv[0]);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/m%06ld", argv[2], i);
		if (!strcmp(argv[1], "create")) {
			int fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0644);

			if (fd < 0)
				errors++;
			else
				close(fd);
		} else if (!strcmp(argv[1], "stat")) {
			errors += stat(path, &st) < 0;
		} else if (!strcmp(argv[1], "unlink")) {
			errors += unlink(path) < 0;
		} else {
			fprintf(stderr, "%s: unknown phase %s\n", argv[0],
				argv[1]);
			return 2;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	if (errors) {
		fprintf(stderr, "%s: %ld of %ld %s calls failed\n", argv[0],
			errors, n, argv[1]);
		return 1;
	}
	printf("%s %.0f\n", argv[1], (double)n / secs);
	return 0;
}
