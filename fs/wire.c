// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's side of /dev/fuse (wire.h). libfuse 3.14 knows neither
 * FUSE_HANDLE_KILLPRIV_V2 nor FUSE_DIRECT_IO_ALLOW_MMAP nor
 * FOPEN_PARALLEL_DIRECT_WRITES; it sends the INIT and OPEN replies through
 * the custom io's writev like any other, so that is where the bits go in:
 * on a copy of the reply, never in libfuse's buffer. Requests are read
 * with read(2) as libfuse would; splice is not offered to libfuse with a
 * custom io that has none, which costs dtfs nothing: it asks for neither
 * FUSE_CAP_SPLICE_READ (no write_buf) nor FUSE_CAP_SPLICE_WRITE.
 */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <linux/fuse.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "wire.h"

/* linux/fuse.h of kernels before 6.6 and 6.2 */
#ifndef FUSE_DIRECT_IO_ALLOW_MMAP
#define FUSE_DIRECT_IO_ALLOW_MMAP (1ULL << 36)
#endif
#define ALLOW_MMAP2 ((uint32_t)(FUSE_DIRECT_IO_ALLOW_MMAP >> 32))
#ifndef FOPEN_PARALLEL_DIRECT_WRITES
#define FOPEN_PARALLEL_DIRECT_WRITES (1 << 6)
#endif

static const char caps_name[] = "security.capability";

/* the uniques of recent OPEN and CREATE requests, by unique modulo: an
 * answer whose unique is found here is one of theirs. A slot taken over
 * by a later open only costs that answer its parallel writes. */
#define OPENS 64

static struct {
	int want; /* accept KILLPRIV_V2 if offered */
	int want_dio; /* accept DIRECT_IO_ALLOW_MMAP if offered */
	/* the INIT request being answered: its unique and the kernel's
	 * flags (set by the reading thread before libfuse handles it) */
	_Atomic uint64_t init_unique;
	_Atomic int init_pending;
	_Atomic uint32_t init_flags, init_flags2;
	_Atomic int killpriv_v2; /* wire_killpriv_v2() */
	_Atomic int direct_io; /* wire_direct_io() */
	_Atomic uint64_t getxattrs, getxattrs_caps;
	_Atomic uint64_t opens[OPENS];
} wire = {.killpriv_v2 = -2, .direct_io = -2};

static void note_request(const char *buf, size_t n)
{
	const struct fuse_in_header *h = (const void *)buf;

	if (n < sizeof(*h))
		return;
	switch (h->opcode) {
	case FUSE_INIT: {
		const struct fuse_init_in *in = (const void *)(h + 1);
		int ext;

		/* major, minor, max_readahead, flags: in every version */
		if (n < sizeof(*h) + offsetof(struct fuse_init_in, flags2))
			return;
		atomic_store(&wire.init_flags, in->flags);
		/* flags2 is there if the kernel says FUSE_INIT_EXT */
		ext = (in->flags & FUSE_INIT_EXT) &&
		      n >= sizeof(*h) + offsetof(struct fuse_init_in, unused);
		atomic_store(&wire.init_flags2, ext ? in->flags2 : 0);
		atomic_store(&wire.init_unique, h->unique);
		atomic_store(&wire.init_pending, 1);
		break;
	}
	case FUSE_OPEN:
	case FUSE_CREATE:
		atomic_store_explicit(&wire.opens[h->unique % OPENS], h->unique,
				      memory_order_relaxed);
		break;
	case FUSE_GETXATTR: {
		const char *name =
			buf + sizeof(*h) + sizeof(struct fuse_getxattr_in);

		atomic_fetch_add_explicit(&wire.getxattrs, 1,
					  memory_order_relaxed);
		if (n >= (size_t)(name - buf) + sizeof(caps_name) &&
		    !memcmp(name, caps_name, sizeof(caps_name)))
			atomic_fetch_add_explicit(&wire.getxattrs_caps, 1,
						  memory_order_relaxed);
		break;
	}
	}
}

static ssize_t wire_read(int fd, void *buf, size_t len, void *userdata)
{
	ssize_t n = read(fd, buf, len);

	(void)userdata;
	if (n > 0) {
		int err = errno;

		note_request(buf, (size_t)n);
		errno = err;
	}
	return n;
}

/* If @iov is the INIT reply: note what was decided and, where due, put
 * KILLPRIV_V2 and DIRECT_IO_ALLOW_MMAP into @copy of its body, which @iov
 * then points at. */
static void patch_init(struct iovec *iov, int count, struct fuse_init_out *copy)
{
	const struct fuse_out_header *oh = iov[0].iov_base;
	const struct fuse_init_out *out;
	uint32_t offered;
	int on, dio, has2;

	if (count < 2 || iov[0].iov_len < sizeof(*oh) ||
	    !atomic_load(&wire.init_pending) ||
	    oh->unique != atomic_load(&wire.init_unique))
		return;
	/* this is INIT's answer; a major above 7 is answered first with
	 * libfuse's version and comes again */
	out = iov[1].iov_base;
	if (oh->error ||
	    iov[1].iov_len < offsetof(struct fuse_init_out, max_background) ||
	    out->major != 7)
		return;
	atomic_store(&wire.init_pending, 0);
	offered = atomic_load(&wire.init_flags);
	on = !(offered & FUSE_HANDLE_KILLPRIV_V2) ? -1 : wire.want;
	atomic_store(&wire.killpriv_v2, on);
	/* flags2 is in the answer if libfuse said FUSE_INIT_EXT */
	has2 = (out->flags & FUSE_INIT_EXT) &&
	       iov[1].iov_len >= offsetof(struct fuse_init_out, unused);
	dio = !has2 || !(atomic_load(&wire.init_flags2) & ALLOW_MMAP2)
		      ? -1
		      : wire.want_dio;
	atomic_store(&wire.direct_io, dio);
	if (on == 1 || dio == 1) {
		memset(copy, 0, sizeof(*copy));
		memcpy(copy, iov[1].iov_base,
		       iov[1].iov_len < sizeof(*copy) ? iov[1].iov_len
						      : sizeof(*copy));
		if (on == 1)
			copy->flags |= FUSE_HANDLE_KILLPRIV_V2;
		if (dio == 1)
			copy->flags2 |= ALLOW_MMAP2;
		iov[1].iov_base = copy;
	}
	fprintf(stderr, "dtfs: killpriv_v2 %s\n",
		on == 1	  ? "on (dtfs drops set-ID bits and capabilities)"
		: on == 0 ? "off (DTFS_KILLPRIV_V2=0)"
			  : "off (the kernel does not offer it)");
	fprintf(stderr, "dtfs: O_DIRECT %s\n",
		dio == 1   ? "direct_io, parallel writes"
		: dio == 0 ? "through the page cache (-o cached_dio)"
			   : "through the page cache (the kernel has no "
			     "DIRECT_IO_ALLOW_MMAP)");
}

/* If @iov is an OPEN or CREATE answer that says FOPEN_DIRECT_IO (dtfs
 * sets it only when wire_direct_io() is 1): add
 * FOPEN_PARALLEL_DIRECT_WRITES in @copy, which @iov then points at. */
static void patch_open(struct iovec *iov, char *copy)
{
	const struct fuse_out_header *oh = iov[0].iov_base;
	size_t len = iov[1].iov_len;
	struct fuse_open_out oo;

	if (iov[0].iov_len < sizeof(*oh) || oh->error ||
	    (len != sizeof(oo) &&
	     len != sizeof(struct fuse_entry_out) + sizeof(oo)) ||
	    atomic_load_explicit(&wire.opens[oh->unique % OPENS],
				 memory_order_relaxed) != oh->unique)
		return;
	memcpy(&oo, (const char *)iov[1].iov_base + len - sizeof(oo),
	       sizeof(oo));
	if (!(oo.open_flags & FOPEN_DIRECT_IO))
		return;
	oo.open_flags |= FOPEN_PARALLEL_DIRECT_WRITES;
	memcpy(copy, iov[1].iov_base, len - sizeof(oo));
	memcpy(copy + len - sizeof(oo), &oo, sizeof(oo));
	iov[1].iov_base = copy;
}

static ssize_t wire_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct iovec mine[2];
	union {
		struct fuse_init_out init;
		char open[sizeof(struct fuse_entry_out) +
			  sizeof(struct fuse_open_out)];
	} copy;

	(void)userdata;
	if (count != 2)
		return writev(fd, iov, count);
	/* a reply of two parts: INIT's, an OPEN's or a CREATE's maybe */
	memcpy(mine, iov, sizeof(*iov) * 2);
	if (atomic_load_explicit(&wire.init_pending, memory_order_relaxed))
		patch_init(mine, 2, &copy.init);
	else if (atomic_load_explicit(&wire.direct_io, memory_order_relaxed) ==
		 1)
		patch_open(mine, copy.open);
	return writev(fd, mine, 2);
}

int wire_install(struct fuse_session *se, int killpriv_v2, int direct_io)
{
	static const struct fuse_custom_io io = {
		.read = wire_read,
		.writev = wire_writev,
	};

	wire.want = !!killpriv_v2;
	wire.want_dio = !!direct_io;
	return fuse_session_custom_io(se, &io, fuse_session_fd(se));
}

int wire_killpriv_v2(void)
{
	return atomic_load(&wire.killpriv_v2);
}

int wire_direct_io(void)
{
	return atomic_load(&wire.direct_io);
}

uint64_t wire_getxattrs(void)
{
	return atomic_load(&wire.getxattrs);
}

uint64_t wire_getxattrs_caps(void)
{
	return atomic_load(&wire.getxattrs_caps);
}
