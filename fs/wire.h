/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's side of /dev/fuse, under libfuse: what libfuse 3.14 cannot
 * say to the kernel. It reads and writes the device itself (libfuse's
 * custom io) and, when asked to and the kernel offers it, accepts
 * FUSE_HANDLE_KILLPRIV_V2 in the INIT reply: dtfs then drops set-ID bits
 * and security.capability itself on write, truncate and chown, and the
 * kernel stops asking for security.capability before every write
 * (dtfs(7), "Set-ID bits").
 */
#ifndef DTFS_FS_WIRE_H
#define DTFS_FS_WIRE_H

#include <stdint.h>

struct fuse_session;

/* Read and write @se's device through this module (after
 * fuse_session_mount); accept KILLPRIV_V2 if @killpriv_v2 and the kernel
 * offers it. 0 or -errno. */
int wire_install(struct fuse_session *se, int killpriv_v2);

/* What INIT decided: 1 KILLPRIV_V2 on, 0 off (not asked for), -1 the
 * kernel did not offer it; -2 before INIT. */
int wire_killpriv_v2(void);

/* GETXATTR requests read so far, and those for security.capability */
uint64_t wire_getxattrs(void);
uint64_t wire_getxattrs_caps(void);

#endif
