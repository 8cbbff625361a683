// SPDX-License-Identifier: GPL-2.0
/*
 * How did this page get dirty? The kernel stack of the clean->dirty
 * transition says. Checked on the project's kernel (DESIGN §5): shared-mmap
 * stores come through fault_dirty_shared_page (do_wp_page / do_fault, and
 * GUP's own write faults); O_DIRECT completions re-dirty through
 * __bio_release_pages / bio_dirty_fn; FUSE direct I/O through
 * fuse_release_user_pages from the replying daemon's thread.
 */
#include <string.h>
#include "dtfs/dirtylog.h"
#include "dtfs/tracer.h"

/* In priority order: the first entry present anywhere in the stack wins,
 * so the write-notify path beats the generic helpers it calls, and the
 * specific bypasses beat set_page_dirty_lock and friends. */
static const struct {
	const char *sym;
	unsigned int cls;
} dt_stack_classes[] = {
	{"fault_dirty_shared_page", DT_CLS_WRITE_NOTIFY},
	{"wp_page_shared", DT_CLS_WRITE_NOTIFY},
	{"do_wp_page", DT_CLS_WRITE_NOTIFY},
	{"do_shared_fault", DT_CLS_WRITE_NOTIFY},
	{"fuse_release_user_pages", DT_CLS_FUSE_DIO_RELEASE},
	{"bio_dirty_fn", DT_CLS_DIO_BIO_COMPLETION},
	{"__bio_release_pages", DT_CLS_DIO_BIO_COMPLETION},
	{"bio_check_pages_dirty", DT_CLS_DIO_BIO_COMPLETION},
	{"bio_set_pages_dirty", DT_CLS_DIO_SUBMIT},
	{"unpin_user_pages_dirty_lock", DT_CLS_GUP_UNPIN},
	{"unpin_user_page_range_dirty_lock", DT_CLS_GUP_UNPIN},
	{"unpin_folios", DT_CLS_GUP_UNPIN},
	{"generic_perform_write", DT_CLS_WRITE_BEGIN},
	{"fuse_write_end", DT_CLS_WRITE_BEGIN},
	{"block_write_end", DT_CLS_WRITE_BEGIN},
	{"iomap_write_end", DT_CLS_WRITE_BEGIN},
};

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
};

/* "fuse_release_user_pages.isra.0" is fuse_release_user_pages: compare
 * up to the compiler's suffix (.isra, .constprop, .part, .cold) */
static int same_func(const char *sym, const char *name)
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
	for (size_t c = 0;
	     c < sizeof(dt_stack_classes) / sizeof(dt_stack_classes[0]); c++)
		for (size_t i = 0; i < n; i++)
			if (syms[i] &&
			    same_func(syms[i], dt_stack_classes[c].sym)) {
				*decider = dt_stack_classes[c].sym;
				return dt_stack_classes[c].cls;
			}
	*decider = n ? syms[0] : "?";
	for (size_t i = 0; i < n; i++)
		if (syms[i] && !is_plumbing(syms[i])) {
			*decider = syms[i];
			break;
		}
	if (!*decider)
		*decider = "?";
	return DT_CLS_OTHER;
}
