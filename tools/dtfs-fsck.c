// SPDX-License-Identifier: GPL-2.0
/* dtfs-fsck: check a dtfs store offline. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "dtfs/core.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-v] STORE\n"
		"Check the dtfs store in directory STORE (not mounted).\n"
		"  -v, --verbose  also report pending orphans and totals\n"
		"  -h, --help     this text\n"
		"Exit: 0 clean, 1 damage found (also damage that stops the "
		"open), 2 usage\nor cannot open, 3 store in use by a live "
		"mount "
		"(a daemon still closing\nthe store after its unmount is "
		"waited for, up to 30 s).\n",
		prog);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"verbose", 0, NULL, 'v'},
					   {"help", 0, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	struct dt_fs_opts o = {.readonly = 1};
	struct dt_fs *fs;
	char err[512];
	int verbose = 0, c, ret;
	long n;

	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr, argv[0]);
		return 2;
	}
	ret = dt_fs_open(argv[optind], &o, &fs, err, sizeof(err));
	if (ret) {
		char *hint = strstr(err, "; run dtfs-fsck");

		if (hint) /* that is us */
			*hint = 0;
		fprintf(stderr, "dtfs-fsck: %s\n", err);
		if (ret == -EBADMSG) /* damage RocksDB found at open */
			return 1;
		return ret == -EBUSY ? 3 : 2;
	}
	n = dt_fsck(fs, stdout, verbose);
	dt_fs_close(fs);
	if (n < 0) {
		fprintf(stderr, "dtfs-fsck: %s: %s\n", argv[optind],
			strerror((int)-n));
		return 2;
	}
	printf("%s: %ld problem%s\n", argv[optind], n, n == 1 ? "" : "s");
	return n ? 1 : 0;
}
