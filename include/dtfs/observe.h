/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An observer of a mounted filesystem that is not dtfs (dtfs-trace,
 * dtfs-pin --fs): the kernel tracer attached to its superblock in observer
 * mode, feeding a page-state model that writes a dirty log
 * (dtfs-dirtylog(5), header flag "written by dtfs-trace"). Without dtfs's
 * FUSE side, the model believes only what the kernel shows: write-notify
 * and write_begin dirtyings, bypass dirtyings (the root cause), the
 * filesystem's writeback of each folio (a write bio), page-cache inserts
 * and deletes (dtfs(7), OBSERVER).
 */
#ifndef DTFS_OBSERVE_H
#define DTFS_OBSERVE_H

#include <stddef.h>
#include <stdint.h>
#include "dtfs/pagestate.h"

struct dt_observer;

/* Watch the filesystem mounted at @mnt; its log goes to @log (NULL: no
 * log, counters only). On failure a negative errno and one line in @why
 * (no root, no BTF, not a mountpoint, ...). */
int dt_observer_start(const char *mnt, const char *log, uint64_t log_max,
		      struct dt_observer **out, char *why, size_t whylen);
/* Everything the kernel did so far is in the model (and the log), then a
 * mark record with @text. Returns its sequence number. */
uint64_t dt_observer_mark(struct dt_observer *ob, const char *text);
/* Name events for inodes under the mount not named yet (a walk of the
 * tree): the log's readers then show paths. */
void dt_observer_names(struct dt_observer *ob);
void dt_observer_counters(struct dt_observer *ob, struct dt_pages_counters *c);
/* records the tracer lost so far */
uint64_t dt_observer_lost(struct dt_observer *ob);
/* Drain, log, stop; the log is complete on return. */
void dt_observer_stop(struct dt_observer *ob);

#endif
