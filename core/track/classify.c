// SPDX-License-Identifier: GPL-2.0
/*
 * How did this page get dirty? The kernel stack of the clean->dirty
 * transition says (dtfs(7), CLASSES). Checked on the project's kernels:
 * shared-mmap stores come through fault_dirty_shared_page (do_wp_page /
 * do_fault, and GUP's own write faults); O_DIRECT completions re-dirty
 * through __bio_release_pages / bio_dirty_fn; FUSE direct I/O through
 * fuse_release_user_pages from the replying daemon's thread; a writeback
 * that cannot write a page hands it back through
 * folio_redirty_for_writepage.
 *
 * The same table decides in the kernel: the tracer gives the BPF program
 * each decider's code range from kallsyms (dt_classify_deciders), and the
 * program applies the same priority rule to the frames it sees.
 */
#include <string.h>
#include "dtfs/dirtylog.h"
#include "dtfs/tracer.h"

/* In priority order: the first entry present anywhere in the stack wins,
 * so the write-notify path beats the generic helpers it calls, and the
 * specific bypasses beat set_page_dirty_lock and friends. */
static const struct dt_decider dt_deciders[] = {
	{"fault_dirty_shared_page", DTFS_CLS_WRITE_NOTIFY},
	{"wp_page_shared", DTFS_CLS_WRITE_NOTIFY},
	{"do_wp_page", DTFS_CLS_WRITE_NOTIFY},
	{"do_shared_fault", DTFS_CLS_WRITE_NOTIFY},
	{"do_page_mkwrite", DTFS_CLS_WRITE_NOTIFY},
	{"folio_redirty_for_writepage", DTFS_CLS_REDIRTY},
	{"redirty_page_for_writepage", DTFS_CLS_REDIRTY},
	{"fuse_release_user_pages", DTFS_CLS_FUSE_DIO_RELEASE},
	{"bio_dirty_fn", DTFS_CLS_DIO_BIO_COMPLETION},
	{"__bio_release_pages", DTFS_CLS_DIO_BIO_COMPLETION},
	{"bio_check_pages_dirty", DTFS_CLS_DIO_BIO_COMPLETION},
	{"bio_set_pages_dirty", DTFS_CLS_DIO_SUBMIT},
	{"unpin_user_pages_dirty_lock", DTFS_CLS_GUP_UNPIN},
	{"unpin_user_page_range_dirty_lock", DTFS_CLS_GUP_UNPIN},
	{"unpin_folios", DTFS_CLS_GUP_UNPIN},
	{"generic_perform_write", DTFS_CLS_WRITE_BEGIN},
	{"fuse_write_end", DTFS_CLS_WRITE_BEGIN},
	{"block_write_end", DTFS_CLS_WRITE_BEGIN},
	{"iomap_write_end", DTFS_CLS_WRITE_BEGIN},
	/* btrfs's buffered write dirties its folios itself
	 * (btrfs_dirty_folio), with none of the above on the stack */
	{"btrfs_buffered_write", DTFS_CLS_WRITE_BEGIN},
};

#define NDECIDERS (sizeof(dt_deciders) / sizeof(dt_deciders[0]))

size_t dt_classify_deciders(const struct dt_decider **tab)
{
	*tab = dt_deciders;
	return NDECIDERS;
}

/* frames that only carry the dirtying out: not informative for "other" */
static const char *const dt_plumbing[] = {
	"bpf_",
	"__bpf",
	"trace_",
	"__traceiter",
	"__probestub",
	"folio_account_dirtied",
	"__folio_mark_dirty",
	"filemap_dirty_folio",
	"folio_mark_dirty",
	"set_page_dirty",
	"fuse_dirty_folio",
	"noop_dirty_folio",
	"__set_page_dirty",
	"block_dirty_folio",
};

/* "fuse_release_user_pages.isra.0" is fuse_release_user_pages: compare
 * up to the compiler's suffix (.isra, .constprop, .part, .cold) */
int dt_same_func(const char *sym, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(sym, name, n) && (sym[n] == 0 || sym[n] == '.');
}

static int is_plumbing(const char *s)
{
	for (size_t i = 0; i < sizeof(dt_plumbing) / sizeof(dt_plumbing[0]);
	     i++)
		if (!strncmp(s, dt_plumbing[i], strlen(dt_plumbing[i])))
			return 1;
	return 0;
}

unsigned int dt_classify_stack(const char *const *syms, size_t n,
			       const char **decider)
{
	for (size_t c = 0; c < NDECIDERS; c++)
		for (size_t i = 0; i < n; i++)
			if (syms[i] &&
			    dt_same_func(syms[i], dt_deciders[c].sym)) {
				*decider = dt_deciders[c].sym;
				return dt_deciders[c].cls;
			}
	*decider = n ? syms[0] : "?";
	for (size_t i = 0; i < n; i++)
		if (syms[i] && !is_plumbing(syms[i])) {
			*decider = syms[i];
			break;
		}
	if (!*decider)
		*decider = "?";
	return DTFS_CLS_OTHER;
}
