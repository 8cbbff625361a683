// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX ACLs (dtfs(7), "POSIX ACLs"). The kernel enforces them
 * (FUSE_CAP_POSIX_ACL) from the xattrs system.posix_acl_access and
 * system.posix_acl_default, which dtfs stores like any xattr; what FUSE
 * leaves to the filesystem is done here, with the kernel's own rules
 * (fs/posix_acl.c):
 *   - setting an access ACL sets the mode from it, and an ACL the mode can
 *     say alone is not stored (posix_acl_update_mode), and drops
 *     set-group-ID when the caller is outside the file's group;
 *   - chmod rewrites the owner, mask (or group) and other entries of the
 *     access ACL (posix_acl_chmod);
 *   - a new inode in a directory with a default ACL gets it as its access
 *     ACL masked by the create mode, the umask unused, and a new directory
 *     also as its default ACL (posix_acl_create).
 * The value is the kernel's xattr form: a little-endian u32 version (2),
 * then entries of u16 tag, u16 perm, u32 id.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs.h"

#define ACL_VERSION 2
#define ACL_USER_OBJ 0x01
#define ACL_USER 0x02
#define ACL_GROUP_OBJ 0x04
#define ACL_GROUP 0x08
#define ACL_MASK 0x10
#define ACL_OTHER 0x20

const char dt_acl_access[] = "system.posix_acl_access";
const char dt_acl_default[] = "system.posix_acl_default";

static uint16_t get16(const char *p)
{
	return (uint16_t)((unsigned char)p[0] | (unsigned char)p[1] << 8);
}

static void put16(char *p, uint16_t v)
{
	p[0] = (char)(v & 0xff);
	p[1] = (char)(v >> 8);
}

#define ENT(v, i) ((v) + 4 + 8 * (i))
#define TAG(v, i) get16(ENT(v, i))
#define PERM(v, i) (get16(ENT(v, i) + 2) & 7)
#define SET_PERM(v, i, p) put16(ENT(v, i) + 2, (uint16_t)(p))

int dt_acl_check(const char *v, size_t n)
{
	size_t count;
	unsigned int seen = 0;

	if (n < 4 || (n - 4) % 8 || (unsigned char)v[0] != ACL_VERSION ||
	    v[1] || v[2] || v[3])
		return -EINVAL;
	count = (n - 4) / 8;
	for (size_t i = 0; i < count; i++) {
		uint16_t tag = TAG(v, i);

		switch (tag) {
		case ACL_USER_OBJ:
		case ACL_GROUP_OBJ:
		case ACL_MASK:
		case ACL_OTHER:
			if (seen & tag)
				return -EINVAL;
			/* fall through */
		case ACL_USER:
		case ACL_GROUP:
			seen |= tag;
			break;
		default:
			return -EINVAL;
		}
		if (get16(ENT(v, i) + 2) & ~7)
			return -EINVAL;
	}
	if (count == 0)
		return 0;
	if ((seen & (ACL_USER_OBJ | ACL_GROUP_OBJ | ACL_OTHER)) !=
	    (ACL_USER_OBJ | ACL_GROUP_OBJ | ACL_OTHER))
		return -EINVAL;
	if ((seen & (ACL_USER | ACL_GROUP)) && !(seen & ACL_MASK))
		return -EINVAL;
	return (int)count;
}

int dt_acl_equiv_mode(const char *v, size_t n, mode_t *mode)
{
	size_t count = (n - 4) / 8;
	mode_t m = 0;
	int not_equiv = 0, mask = -1;

	for (size_t i = 0; i < count; i++) {
		switch (TAG(v, i)) {
		case ACL_USER_OBJ:
			m |= (mode_t)PERM(v, i) << 6;
			break;
		case ACL_GROUP_OBJ:
			m |= (mode_t)PERM(v, i) << 3;
			break;
		case ACL_OTHER:
			m |= PERM(v, i);
			break;
		case ACL_MASK:
			mask = PERM(v, i);
			not_equiv = 1;
			break;
		default:
			not_equiv = 1;
		}
	}
	if (mask >= 0)
		m = (m & ~(mode_t)070) | (mode_t)mask << 3;
	*mode = (*mode & ~(mode_t)0777) | m;
	return not_equiv;
}

void dt_acl_chmod(char *v, size_t n, mode_t mode)
{
	size_t count = (n - 4) / 8;
	int has_mask = 0;

	for (size_t i = 0; i < count; i++)
		has_mask |= TAG(v, i) == ACL_MASK;
	for (size_t i = 0; i < count; i++) {
		switch (TAG(v, i)) {
		case ACL_USER_OBJ:
			SET_PERM(v, i, (mode >> 6) & 7);
			break;
		case ACL_GROUP_OBJ:
			if (!has_mask)
				SET_PERM(v, i, (mode >> 3) & 7);
			break;
		case ACL_MASK:
			SET_PERM(v, i, (mode >> 3) & 7);
			break;
		case ACL_OTHER:
			SET_PERM(v, i, mode & 7);
			break;
		}
	}
}

int dt_acl_create_masq(char *v, size_t n, mode_t *mode)
{
	size_t count = (n - 4) / 8;
	long group = -1, mask = -1;
	mode_t m = *mode;
	int not_equiv = 0;

	for (size_t i = 0; i < count; i++) {
		unsigned int p = PERM(v, i);

		switch (TAG(v, i)) {
		case ACL_USER_OBJ:
			p &= (m >> 6) & 7;
			SET_PERM(v, i, p);
			m &= ((mode_t)p << 6) | ~(mode_t)0700;
			break;
		case ACL_USER:
		case ACL_GROUP:
			not_equiv = 1;
			break;
		case ACL_GROUP_OBJ:
			group = (long)i;
			break;
		case ACL_OTHER:
			p &= m & 7;
			SET_PERM(v, i, p);
			m &= (mode_t)p | ~(mode_t)07;
			break;
		case ACL_MASK:
			mask = (long)i;
			not_equiv = 1;
			break;
		}
	}
	if (mask >= 0 || group >= 0) {
		size_t i = (size_t)(mask >= 0 ? mask : group);
		unsigned int p = PERM(v, i) & ((m >> 3) & 7);

		SET_PERM(v, i, p);
		m &= ((mode_t)p << 3) | ~(mode_t)070;
	}
	*mode = m;
	return not_equiv;
}
