/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's side of /dev/fuse, under libfuse: what libfuse 3.14 cannot
 * say to the kernel. It reads and writes the device itself (libfuse's
 * custom io) and, when asked to and the kernel offers it, accepts
 * FUSE_HANDLE_KILLPRIV_V2 in the INIT reply: dtfs then drops set-ID bits
 * and security.capability itself on write, truncate and chown, and the
 * kernel stops asking for security.capability before every write
 * (dtfs(7), "Set-ID bits"). When asked to and the kernel offers
 * FUSE_DIRECT_IO_ALLOW_MMAP, it accepts that too and marks the opens dtfs
 * answers with FOPEN_DIRECT_IO for parallel direct writes (dtfs(7),
 * "O_DIRECT and the page cache").
 */
#ifndef DTFS_FS_WIRE_H
#define DTFS_FS_WIRE_H

#include <stdint.h>

struct fuse_session;

/* Read and write @se's device through this module (after
 * fuse_session_mount); accept KILLPRIV_V2 if @killpriv_v2 and
 * DIRECT_IO_ALLOW_MMAP if @direct_io, where the kernel offers them.
 * 0 or -errno. */
int wire_install(struct fuse_session *se, int killpriv_v2, int direct_io);

/* What INIT decided: 1 KILLPRIV_V2 on, 0 off (not asked for), -1 the
 * kernel did not offer it; -2 before INIT. */
int wire_killpriv_v2(void);

/* What INIT decided for O_DIRECT opens: 1 they may be answered with
 * FOPEN_DIRECT_IO (and get FOPEN_PARALLEL_DIRECT_WRITES here), 0 not
 * asked for, -1 the kernel does not offer DIRECT_IO_ALLOW_MMAP (a
 * MAP_SHARED mmap of such a file would fail); -2 before INIT. */
int wire_direct_io(void);

/* GETXATTR requests read so far, and those for security.capability */
uint64_t wire_getxattrs(void);
uint64_t wire_getxattrs_caps(void);

#endif
