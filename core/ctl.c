// SPDX-License-Identifier: GPL-2.0
/*
 * The control ioctls' argument decoder (include/dtfs/ctl.h). Nothing the
 * caller sends reaches the daemon's state unchecked.
 */
#include <errno.h>
#include <string.h>
#include "dtfs/ctl.h"
#include "dtfs/pagestate.h"

static const struct {
	unsigned int cmd;
	enum dt_ctl_op op;
	const char *name;
} cmds[] = {
	{DTFS_IOC_STATUS, DT_CTL_STATUS, "status"},
	{DTFS_IOC_MARK, DT_CTL_MARK, "mark"},
	{DTFS_IOC_EVICT, DT_CTL_EVICT, "evict"},
	{DTFS_IOC_GATE, DT_CTL_GATE, "gate"},
	{DTFS_IOC_RELEASE, DT_CTL_RELEASE, "release"},
	{DTFS_IOC_WAIT_GATED, DT_CTL_WAIT_GATED, "wait-gated"},
	{DTFS_IOC_POLICY, DT_CTL_POLICY, "policy"},
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

const char *dt_ctl_name(unsigned int cmd)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (cmds[i].cmd == cmd)
			return cmds[i].name;
	return NULL;
}

int dt_ctl_decode(unsigned int cmd, const void *in, size_t in_size,
		  size_t out_size, uint32_t gate_max, struct dt_ctl *c)
{
	size_t i, size = _IOC_SIZE(cmd);

	memset(c, 0, sizeof(*c));
	if (_IOC_TYPE(cmd) != DTFS_IOC_MAGIC)
		return -ENOTTY;
	for (i = 0; i < NCMDS; i++)
		if (_IOC_NR(cmds[i].cmd) == _IOC_NR(cmd))
			break;
	if (i == NCMDS)
		return -ENOTTY;
	/* a known number: the direction and size must be its own */
	if (cmd != cmds[i].cmd)
		return -EINVAL;
	if (in_size != (_IOC_DIR(cmd) & _IOC_WRITE ? size : 0) ||
	    out_size != (_IOC_DIR(cmd) & _IOC_READ ? size : 0) ||
	    (in_size && !in))
		return -EINVAL;
	c->op = cmds[i].op;
	c->out_size = out_size;
	switch (c->op) {
	case DT_CTL_STATUS:
	case DT_CTL_RELEASE:
		return 0;
	case DT_CTL_MARK: {
		const struct dtfs_mark *m = in;

		if (!memchr(m->text, 0, sizeof(m->text)))
			return -EINVAL;
		memcpy(c->u.mark, m->text, sizeof(c->u.mark));
		return 0;
	}
	case DT_CTL_EVICT: {
		struct dtfs_range r;

		memcpy(&r, in, sizeof(r));
		if (r.off > INT64_MAX || r.len > INT64_MAX ||
		    (r.len && r.off > (uint64_t)INT64_MAX - (r.len - 1)))
			return -EINVAL;
		c->u.evict.off = r.off;
		c->u.evict.len = r.len;
		c->u.evict.last = r.len ? r.off + r.len - 1 : UINT64_MAX;
		return 0;
	}
	case DT_CTL_GATE: {
		struct dtfs_gate g;

		memcpy(&g, in, sizeof(g));
		if (g.timeout_ms || g.held ||
		    (uint64_t)g.reads + g.writes > gate_max)
			return -EINVAL;
		c->u.gate.reads = g.reads;
		c->u.gate.writes = g.writes;
		return 0;
	}
	case DT_CTL_WAIT_GATED: {
		struct dtfs_gate g;

		memcpy(&g, in, sizeof(g));
		c->u.timeout_ms = g.timeout_ms > DT_CTL_WAIT_MAX_MS
					  ? DT_CTL_WAIT_MAX_MS
					  : g.timeout_ms;
		return 0;
	}
	case DT_CTL_POLICY: {
		struct dtfs_policy p;

		memcpy(&p, in, sizeof(p));
		if (p.on_violation < -1 || p.on_violation > DTFS_ON_ABORT ||
		    p.release < -1 || p.release > DTFS_REL_EVICT)
			return -EINVAL;
		c->u.policy.on_violation = p.on_violation;
		c->u.policy.release = p.release;
		return 0;
	}
	}
	return -ENOTTY;
}
