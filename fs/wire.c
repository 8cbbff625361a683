// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's side of /dev/fuse (wire.h). libfuse 3.14 has no capability
 * for FUSE_HANDLE_KILLPRIV_V2; it sends the INIT reply through the custom
 * io's writev like any other, so that is where the bit goes in: on a copy
 * of the reply, never in libfuse's buffer. Requests are read with read(2)
 * as libfuse would; splice is not offered to libfuse with a custom io that
 * has none, which costs dtfs nothing: it asks for neither
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

static const char caps_name[] = "security.capability";

static struct {
	int want; /* accept KILLPRIV_V2 if offered */
	/* the INIT request being answered: its unique and the kernel's
	 * flags (set by the reading thread before libfuse handles it) */
	_Atomic uint64_t init_unique;
	_Atomic int init_pending;
	_Atomic uint32_t init_flags;
	_Atomic int killpriv_v2; /* wire_killpriv_v2() */
	_Atomic uint64_t getxattrs, getxattrs_caps;
} wire = {.killpriv_v2 = -2};

static void note_request(const char *buf, size_t n)
{
	const struct fuse_in_header *h = (const void *)buf;

	if (n < sizeof(*h))
		return;
	switch (h->opcode) {
	case FUSE_INIT: {
		const struct fuse_init_in *in = (const void *)(h + 1);

		/* major, minor, max_readahead, flags: in every version */
		if (n < sizeof(*h) + offsetof(struct fuse_init_in, flags2))
			return;
		atomic_store(&wire.init_flags, in->flags);
		atomic_store(&wire.init_unique, h->unique);
		atomic_store(&wire.init_pending, 1);
		break;
	}
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
 * KILLPRIV_V2 into @copy of its body, which @iov then points at. */
static void patch_init(struct iovec *iov, int count, struct fuse_init_out *copy)
{
	const struct fuse_out_header *oh = iov[0].iov_base;
	uint32_t offered;
	int on;

	if (count < 2 || iov[0].iov_len < sizeof(*oh) ||
	    !atomic_load(&wire.init_pending) ||
	    oh->unique != atomic_load(&wire.init_unique))
		return;
	/* this is INIT's answer; a major above 7 is answered first with
	 * libfuse's version and comes again */
	if (oh->error ||
	    iov[1].iov_len < offsetof(struct fuse_init_out, max_background) ||
	    ((const struct fuse_init_out *)iov[1].iov_base)->major != 7)
		return;
	atomic_store(&wire.init_pending, 0);
	offered = atomic_load(&wire.init_flags);
	on = !(offered & FUSE_HANDLE_KILLPRIV_V2) ? -1 : wire.want;
	atomic_store(&wire.killpriv_v2, on);
	if (on == 1) {
		memset(copy, 0, sizeof(*copy));
		memcpy(copy, iov[1].iov_base,
		       iov[1].iov_len < sizeof(*copy) ? iov[1].iov_len
						      : sizeof(*copy));
		copy->flags |= FUSE_HANDLE_KILLPRIV_V2;
		iov[1].iov_base = copy;
	}
	fprintf(stderr, "dtfs: killpriv_v2 %s\n",
		on == 1	  ? "on (dtfs drops set-ID bits and capabilities)"
		: on == 0 ? "off (DTFS_KILLPRIV_V2=0)"
			  : "off (the kernel does not offer it)");
}

static ssize_t wire_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct iovec mine[2];
	struct fuse_init_out copy;

	(void)userdata;
	/* a reply of two parts whose header may be INIT's */
	if (count == 2 &&
	    atomic_load_explicit(&wire.init_pending, memory_order_relaxed)) {
		memcpy(mine, iov, sizeof(*iov) * 2);
		patch_init(mine, 2, &copy);
		return writev(fd, mine, 2);
	}
	return writev(fd, iov, count);
}

int wire_install(struct fuse_session *se, int killpriv_v2)
{
	static const struct fuse_custom_io io = {
		.read = wire_read,
		.writev = wire_writev,
	};

	wire.want = !!killpriv_v2;
	return fuse_session_custom_io(se, &io, fuse_session_fd(se));
}

int wire_killpriv_v2(void)
{
	return atomic_load(&wire.killpriv_v2);
}

uint64_t wire_getxattrs(void)
{
	return atomic_load(&wire.getxattrs);
}

uint64_t wire_getxattrs_caps(void)
{
	return atomic_load(&wire.getxattrs_caps);
}
