// SPDX-License-Identifier: GPL-2.0
/*
 * The dtfs-pin matrix as data, in the manner of the kernel's selftests
 * mm/gup_longterm.c and cow.c: each row names its pin method (the function
 * that runs it) and its variant, says what it does and what its verdict
 * means, and lists the verdict each kernel gives (measured there, never
 * assumed: a kernel without an entry has no expectation). --expect
 * overrides the rows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pin.h"

static const char *const verdict_names[V_MAX] = {
	[V_SAFE] = "SAFE",
	[V_REFUSED] = "REFUSED",
	[V_DIRTY_WITHOUT_NOTIFY] = "DIRTY_WITHOUT_NOTIFY",
	[V_LOST_WRITE] = "LOST_WRITE",
	[V_STALE] = "STALE",
	[V_DEADLOCK] = "DEADLOCK",
	[V_CORRUPT] = "CORRUPT",
	[V_KERNEL_WARN] = "KERNEL_WARN",
	[V_SKIP] = "SKIP",
	[V_ERROR] = "ERROR",
};

const char *verdict_name(int v)
{
	return v >= 0 && v < V_MAX ? verdict_names[v] : "?";
}

int verdict_by_name(const char *s)
{
	for (int i = 0; i < V_MAX; i++)
		if (!strcmp(s, verdict_names[i]))
			return i;
	return -1;
}

const char *cleaner_name(enum cleaner c)
{
	static const char *const names[C_COUNT] = {
		[C_NONE] = "none",   [C_MSYNC] = "msync",
		[C_FSYNC] = "fsync", [C_PAGEOUT] = "pageout",
		[C_EVICT] = "evict", [C_TRUNCATE] = "truncate",
		[C_PUNCH] = "punch",
	};

	return c < C_COUNT ? names[c] : "?";
}

const char *scenario_name(const struct scenario *sc, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", sc->method,
		 sc->variant ? sc->variant : cleaner_name(sc->cleaner));
	return buf;
}

/* what the gated O_DIRECT and io_uring rows mean, per cleaner */
#define MEANS_BYPASS                                                       \
	"the pin's write re-dirtied a page that writeback had cleaned, "   \
	"around page_mkwrite: a disk filesystem would then write back a "  \
	"dirty page without buffers (the 2018 ext4 crash); dtfs logs the " \
	"root cause with its class before the symptom"
#define MEANS_PAGEOUT                                                     \
	"reclaim leaves a pinned page alone (neither written back nor "   \
	"dropped), so the pin's write is an ordinary dirtying of a page " \
	"that already has buffers"
/* the racy loop: reclaim is not the only cleaner there */
#define MEANS_PAGEOUT_RACY                                                     \
	MEANS_PAGEOUT "; SAFE on an idle machine, but under memory or dirty "  \
		      "pressure from other work the kernel's own writeback "   \
		      "(the flusher, or kswapd on a page MADV_PAGEOUT marked " \
		      "for reclaim) may clean the page mid-I/O, and the bio "  \
		      "completion's redirty is then a bypass "                 \
		      "(DIRTY_WITHOUT_NOTIFY)"
#define MEANS_EVICT                                                          \
	"dtfs's invalidation (FUSE notify_inval_inode, "                     \
	"invalidate_inode_pages2) drops the pinned folio whatever its "      \
	"refcount: the pin writes into an orphaned page and the data never " \
	"reaches the file; a real loss"
#define MEANS_TRUNCATED                                                     \
	"the pinned range was cut from the file while pinned: the write "   \
	"lands in a page the file no longer has, which POSIX permits (the " \
	"data of a truncated or punched range is gone)"

#define K618 "6.18"

/*
 * The kernels the matrix was measured on: this project's hosts (6.18) and
 * Debian's 6.1 and 6.12 through dtfs-vm (dtfs-pin --kernel 6.1,6.12,host;
 * the README's table). A row whose verdict is the same on all of them.
 */
#define K61 "6.1"
#define K612 "6.12"
#define ON_MEASURED(v)                                     \
	{                                                  \
		{.kernel = K61, .verdicts = (v)},          \
			{.kernel = K612, .verdicts = (v)}, \
			{.kernel = K618, .verdicts = (v)}, \
	}

#define GATED(m, fn, c, v, fl, what_, meaning_)                  \
	{                                                        \
		.method = (m), .run = (fn), .cleaner = (c),      \
		.flags = S_NEEDS_NOTIFY | (fl), .what = (what_), \
		.meaning = (meaning_), .expect = ON_MEASURED(v)  \
	}

const struct scenario pin_scenarios[] = {
	/* O_DIRECT from a gated dtfs file: deterministic */
	GATED("odirect-gated", pin_odirect_gated, C_MSYNC,
	      VB(V_DIRTY_WITHOUT_NOTIFY), S_DTFS_ONLY | 0,
	      "O_DIRECT read from a gated dtfs file into a MAP_SHARED page; "
	      "msync(MS_SYNC) while the pin is held",
	      MEANS_BYPASS),
	GATED("odirect-gated", pin_odirect_gated, C_FSYNC,
	      VB(V_DIRTY_WITHOUT_NOTIFY), S_DTFS_ONLY | 0,
	      "as above, fsync while the pin is held", MEANS_BYPASS),
	GATED("odirect-gated", pin_odirect_gated, C_PAGEOUT, VB(V_SAFE),
	      S_DTFS_ONLY | 0,
	      "as above, madvise(MADV_PAGEOUT) while the pin is held",
	      MEANS_PAGEOUT),
	GATED("odirect-gated", pin_odirect_gated, C_EVICT, VB(V_LOST_WRITE),
	      S_DTFS_ONLY | 0,
	      "as above, dtfs evicts the page (FUSE inval) while pinned",
	      MEANS_EVICT),
	GATED("odirect-gated", pin_odirect_gated, C_TRUNCATE, VB(V_LOST_WRITE),
	      S_DTFS_ONLY | S_LOSS_PERMITTED,
	      "as above, ftruncate to 0 and back while pinned",
	      MEANS_TRUNCATED),
	GATED("odirect-gated", pin_odirect_gated, C_PUNCH, VB(V_LOST_WRITE),
	      S_DTFS_ONLY | S_LOSS_PERMITTED,
	      "as above, fallocate PUNCH_HOLE over the page while pinned",
	      MEANS_TRUNCATED),
	/* io_uring plain buffers: the io-wq worker takes the pin */
	GATED("uring-gated", pin_uring_gated, C_MSYNC,
	      VB(V_DIRTY_WITHOUT_NOTIFY), S_DTFS_ONLY | 0,
	      "io_uring read (plain buffer) from a gated O_DIRECT dtfs file; "
	      "msync while pinned",
	      MEANS_BYPASS),
	GATED("uring-gated", pin_uring_gated, C_FSYNC,
	      VB(V_DIRTY_WITHOUT_NOTIFY), S_DTFS_ONLY | 0,
	      "as above, fsync while pinned", MEANS_BYPASS),
	GATED("uring-gated", pin_uring_gated, C_PAGEOUT, VB(V_SAFE),
	      S_DTFS_ONLY | 0, "as above, MADV_PAGEOUT while pinned",
	      MEANS_PAGEOUT),
	GATED("uring-gated", pin_uring_gated, C_EVICT, VB(V_LOST_WRITE),
	      S_DTFS_ONLY | 0, "as above, dtfs eviction while pinned",
	      MEANS_EVICT),
	GATED("uring-gated", pin_uring_gated, C_TRUNCATE, VB(V_LOST_WRITE),
	      S_DTFS_ONLY | S_LOSS_PERMITTED,
	      "as above, truncate down and up while pinned", MEANS_TRUNCATED),
	GATED("uring-gated", pin_uring_gated, C_PUNCH, VB(V_LOST_WRITE),
	      S_DTFS_ONLY | S_LOSS_PERMITTED,
	      "as above, punch a hole while pinned", MEANS_TRUNCATED),
	/* io_uring fixed buffers: a long-term pin */
	{.method = "uring-fixed",
	 .variant = "register",
	 .run = pin_uring_fixed,
	 .cleaner = C_MSYNC,
	 .flags = S_NEEDS_NOTIFY,
	 .what = "io_uring_register_buffers on the MAP_SHARED page "
		 "(FOLL_LONGTERM), then READ_FIXED raced with msync",
	 .meaning = "since Linux 6.5 a long-term writable pin of a file "
		    "mapping that needs dirty tracking is refused (EFAULT): "
		    "the race cannot start; before that change (6.1) "
		    "io_uring's own check refuses file-backed fixed buffers "
		    "(EOPNOTSUPP)",
	 .expect = ON_MEASURED(VB(V_REFUSED))},
	/* O_DIRECT from another local filesystem: racy, bounded */
	GATED("odirect-ext", pin_odirect_ext, C_MSYNC,
	      VB(V_DIRTY_WITHOUT_NOTIFY), S_RACY,
	      "O_DIRECT reads from a file on the temp dir's filesystem into "
	      "the mapping in a loop, msync in a loop (bounded time)",
	      "the block layer's DIO completion (bio_dirty_fn, "
	      "__bio_release_pages) re-dirties pages writeback cleaned "
	      "mid-I/O: the race of the 2018 report, open for short-term pins"),
	GATED("odirect-ext", pin_odirect_ext, C_FSYNC,
	      VB(V_DIRTY_WITHOUT_NOTIFY), S_RACY,
	      "as above with fsync in a loop",
	      "as odirect-ext/msync, with fsync as the cleaner"),
	GATED("odirect-ext", pin_odirect_ext, C_PAGEOUT,
	      VB(V_SAFE) | VB(V_DIRTY_WITHOUT_NOTIFY), S_RACY,
	      "as above with MADV_PAGEOUT in a loop", MEANS_PAGEOUT_RACY),
	GATED("odirect-ext", pin_odirect_ext, C_EVICT, VB(V_LOST_WRITE),
	      S_RACY | S_DTFS_ONLY, "as above with dtfs eviction in a loop",
	      MEANS_EVICT),
	/* io_uring from a block device, racy: where there is no gate */
	{.method = "uring-ext",
	 .run = pin_odirect_ext,
	 .cleaner = C_MSYNC,
	 .v.ext = EXT_URING,
	 .flags = S_NEEDS_NOTIFY | S_RACY | S_FOREIGN_ONLY,
	 .what = "io_uring reads (plain buffer, O_DIRECT file on the temp "
		 "dir's filesystem) into the mapping in a loop, msync in a "
		 "loop (bounded time; --fs only: uring-gated on dtfs)",
	 .meaning = "as odirect-ext/msync, with the io-wq worker holding the "
		    "pin: the bio completion re-dirties the page around "
		    "write-notify all the same"},
	{.method = "uring-ext",
	 .run = pin_odirect_ext,
	 .cleaner = C_FSYNC,
	 .v.ext = EXT_URING,
	 .flags = S_NEEDS_NOTIFY | S_RACY | S_FOREIGN_ONLY,
	 .what = "as above with fsync in a loop",
	 .meaning = "as uring-ext/msync, with fsync as the cleaner"},
	/* vmsplice: plain references, no pin */
	{.method = "vmsplice",
	 .run = pin_vmsplice,
	 .cleaner = C_MSYNC,
	 .what = "vmsplice the mapped page into a pipe, msync, overwrite the "
		 "file with write(), read the pipe",
	 .meaning = "the pipe holds the page-cache page itself, which stays "
		    "in the file: it delivers the file's current data",
	 .expect = ON_MEASURED(VB(V_SAFE))},
	{.method = "vmsplice",
	 .run = pin_vmsplice,
	 .cleaner = C_PAGEOUT,
	 .what = "as above with MADV_PAGEOUT before the overwrite",
	 .meaning = "reclaim does not drop a page a pipe references: the "
		    "pipe still delivers the file's current data",
	 .expect = ON_MEASURED(VB(V_SAFE))},
	{.method = "vmsplice",
	 .run = pin_vmsplice,
	 .cleaner = C_EVICT,
	 .flags = S_DTFS_ONLY,
	 .what = "as above with dtfs eviction before the overwrite",
	 .meaning = "the page left the file but the pipe keeps it: the pipe "
		    "delivers data the file no longer has (vmsplice takes "
		    "plain references, which do not keep a page in the file)",
	 .expect = ON_MEASURED(VB(V_STALE))},
	{.method = "vmsplice",
	 .run = pin_vmsplice,
	 .cleaner = C_TRUNCATE,
	 .what = "as above with truncate down and up before the overwrite",
	 .meaning = "as vmsplice/evict: the truncated page lives on in the "
		    "pipe",
	 .expect = ON_MEASURED(VB(V_STALE))},
	{.method = "vmsplice",
	 .run = pin_vmsplice,
	 .cleaner = C_PUNCH,
	 .what = "as above with a punched hole before the overwrite",
	 .meaning = "as vmsplice/evict: the punched page lives on in the pipe",
	 .expect = ON_MEASURED(VB(V_STALE))},
	/* controls: GUP write-faults, so page_mkwrite runs */
	{.method = "process_vm_writev",
	 .variant = "msync",
	 .run = pin_remote,
	 .cleaner = C_MSYNC,
	 .v.remote = REMOTE_PROCESS_VM_WRITEV,
	 .flags = S_NEEDS_NOTIFY,
	 .what = "process_vm_writev into another process's MAP_SHARED page, "
		 "then msync (control: GUP write-faults, write-notify)",
	 .meaning = "a write through GUP that faults for write goes through "
		    "page_mkwrite: write-notify is seen, nothing is violated",
	 .expect = ON_MEASURED(VB(V_SAFE))},
	{.method = "proc-pid-mem",
	 .variant = "msync",
	 .run = pin_remote,
	 .cleaner = C_MSYNC,
	 .v.remote = REMOTE_PROC_PID_MEM,
	 .flags = S_NEEDS_NOTIFY,
	 .what = "pwrite to /proc/PID/mem at the mapped page, then msync "
		 "(control)",
	 .meaning = "as process_vm_writev/msync",
	 .expect = ON_MEASURED(VB(V_SAFE))},
	/* COW of a pinned private page */
	{.method = "cow-private",
	 .variant = "fork",
	 .run = pin_cow_fork,
	 .v.cow = COW_FORK,
	 .flags = S_DTFS_ONLY,
	 .what = "O_DIRECT read into a MAP_PRIVATE dtfs page, fork while "
		 "pinned",
	 .meaning = "fork copies a pinned anonymous page for the child "
		    "(PG_anon_exclusive): the DMA stays the parent's. On 6.1 "
		    "FUSE's direct I/O takes plain references "
		    "(iov_iter_get_pages2), not pins: fork shares the page, "
		    "the parent's next store copies it, and the DMA lands in "
		    "the child's copy (CORRUPT)",
	 .expect = {{.kernel = K61, .verdicts = VB(V_CORRUPT)},
		    {.kernel = K612, .verdicts = VB(V_SAFE)},
		    {.kernel = K618, .verdicts = VB(V_SAFE)}}},
	{.method = "cow-private",
	 .variant = "fork+write",
	 .run = pin_cow_fork,
	 .v.cow = COW_FORK_AND_WRITE,
	 .flags = S_DTFS_ONLY,
	 .what = "as above, and the parent writes to the page while pinned",
	 .meaning = "as cow-private/fork, with the parent's own store "
		    "during the pin; on 6.1 that store gives the parent a "
		    "copy and the DMA goes to the child's page: the parent "
		    "loses the read (LOST_WRITE)",
	 .expect = {{.kernel = K61, .verdicts = VB(V_LOST_WRITE)},
		    {.kernel = K612, .verdicts = VB(V_SAFE)},
		    {.kernel = K618, .verdicts = VB(V_SAFE)}}},
/* self-referential I/O: the gfs2 mmap + page fault class */
#define SELFREF(buf_, io_, name_, what_)                                       \
	{                                                                      \
		.method = (buf_) == SELFREF_SAME_FILE ? "selfref-same"         \
						      : "selfref-other",       \
		.variant = (name_), .run = pin_selfref,                        \
		.v.selfref = {.io = (io_), .buf = (buf_)}, .what = (what_),    \
		.meaning =                                                     \
			"the request's buffer faults in pages of a dtfs file " \
			"while dtfs serves it: dtfs holds no lock across it "  \
			"that the fault needs, so no deadlock, and the data "  \
			"is "                                                  \
			"right",                                               \
		.expect = ON_MEASURED(VB(V_SAFE))                              \
	}
	SELFREF(SELFREF_SAME_FILE, SELFREF_WRITE, "write",
		"buffered write() from a cold mmap of the same dtfs file"),
	SELFREF(SELFREF_SAME_FILE, SELFREF_READ, "read",
		"buffered read() into a cold mmap of the same dtfs file"),
	SELFREF(SELFREF_SAME_FILE, SELFREF_DIO_WRITE, "dio-write",
		"O_DIRECT write from a cold mmap of the same dtfs file"),
	SELFREF(SELFREF_SAME_FILE, SELFREF_DIO_READ, "dio-read",
		"O_DIRECT read into a cold mmap of the same dtfs file "
		"(xfstests generic/647 class)"),
	SELFREF(SELFREF_OTHER_FILE, SELFREF_WRITE, "write",
		"buffered write() from a cold mmap of another dtfs file"),
	SELFREF(SELFREF_OTHER_FILE, SELFREF_READ, "read",
		"buffered read() into a cold mmap of another dtfs file"),
	SELFREF(SELFREF_OTHER_FILE, SELFREF_DIO_WRITE, "dio-write",
		"O_DIRECT write from a cold mmap of another dtfs file"),
	SELFREF(SELFREF_OTHER_FILE, SELFREF_DIO_READ, "dio-read",
		"O_DIRECT read into a cold mmap of another dtfs file"),
#undef SELFREF
	/* the watchdog itself: a READ dtfs holds and nobody releases */
	{.method = "watchdog",
	 .variant = "held-forever",
	 .run = pin_held_forever,
	 .flags = S_HIDDEN | S_DTFS_ONLY,
	 .what = "an O_DIRECT read dtfs holds forever: the watchdog must "
		 "abort the FUSE connection and report DEADLOCK (run only "
		 "when named)",
	 .meaning = "a check of dtfs-pin itself: a task stuck in the "
		    "filesystem becomes a verdict, not a hang",
	 .expect = {{.kernel = NULL, .verdicts = VB(V_DEADLOCK)}}},
};

const size_t pin_nscenarios = sizeof(pin_scenarios) / sizeof(pin_scenarios[0]);

/* ---- expectations ---------------------------------------------------------- */

/* "6.18" matches "6.18" and "6.18.44-..." but not "6.180" */
static int kernel_matches(const char *want, const char *release)
{
	size_t n = strlen(want);

	return !strncmp(release, want, n) &&
	       (release[n] == 0 || release[n] == '.' || release[n] == '-');
}

unsigned int expected_verdicts(const struct scenario *sc, const char *kernel)
{
	for (int i = 0; i < PIN_EXPECT_MAX; i++) {
		const struct expectation *e = &sc->expect[i];

		if (!e->verdicts)
			break;
		if (!e->kernel || kernel_matches(e->kernel, kernel))
			return e->verdicts;
	}
	return 0;
}

/*
 * The other filesystems (dtfs-pin --fs), measured on this project's host
 * kernel (6.18: dtfs-pin --fs all --repeat 10, twice) and on Debian's 6.1
 * and 6.12 through dtfs-vm (--repeat 3; the README's table). A row that
 * is not the same everywhere lists every verdict it gave.
 */
#define FS_ROW(k_, fs_, sc_, v_)                                         \
	{                                                                \
		.fs = fs_, .scenario = sc_, .kernel = k_, .verdicts = v_ \
	}
#define FS_MEASURED(fs_, sc_, v_)                              \
	FS_ROW(K61, fs_, sc_, v_), FS_ROW(K612, fs_, sc_, v_), \
		FS_ROW(K618, fs_, sc_, v_)
static const struct fs_expectation fs_expect[] = {
	/* btrfs's racy rows, all four by the same mechanism: the DIO
	 * completion's redirty gives DIRTY_WITHOUT_NOTIFY; or btrfs itself
	 * notices (6.12: "marked dirty without notifying the fs", the
	 * writeback fails with EUCLEAN) or the DMA into a page under
	 * writeback breaks its checksum (6.18: "csum failed" on the next
	 * read), both KERNEL_WARN; or a msync misses the last read's data
	 * (LOST_WRITE: bio_dirty_fn redirties from a workqueue, after the
	 * read returned). On 6.1 and 6.12 a DIO read into a cold shared
	 * mapping (selfref dio-read) may meet the flusher's writeback of
	 * its buffer mid-I/O: the same bypass. */
	FS_MEASURED("ext4", "odirect-ext/fsync", VB(V_DIRTY_WITHOUT_NOTIFY)),
	FS_MEASURED("ext4", "odirect-ext/msync", VB(V_DIRTY_WITHOUT_NOTIFY)),
	/* SAFE when idle: see MEANS_PAGEOUT_RACY */
	FS_MEASURED("ext4", "odirect-ext/pageout",
		    VB(V_DIRTY_WITHOUT_NOTIFY) | VB(V_SAFE)),
	FS_MEASURED("ext4", "proc-pid-mem/msync", VB(V_SAFE)),
	FS_MEASURED("ext4", "process_vm_writev/msync", VB(V_SAFE)),
	FS_ROW(K61, "ext4", "selfref-other/dio-read",
	       VB(V_DIRTY_WITHOUT_NOTIFY)),
	FS_ROW(K612, "ext4", "selfref-other/dio-read", VB(V_SAFE)),
	FS_ROW(K618, "ext4", "selfref-other/dio-read", VB(V_SAFE)),
	FS_MEASURED("ext4", "selfref-other/dio-write", VB(V_SAFE)),
	FS_MEASURED("ext4", "selfref-other/read", VB(V_SAFE)),
	FS_MEASURED("ext4", "selfref-other/write", VB(V_SAFE)),
	FS_ROW(K61, "ext4", "selfref-same/dio-read",
	       VB(V_DIRTY_WITHOUT_NOTIFY) | VB(V_SAFE)),
	FS_ROW(K612, "ext4", "selfref-same/dio-read", VB(V_SAFE)),
	FS_ROW(K618, "ext4", "selfref-same/dio-read", VB(V_SAFE)),
	FS_MEASURED("ext4", "selfref-same/dio-write", VB(V_SAFE)),
	FS_MEASURED("ext4", "selfref-same/read", VB(V_SAFE)),
	FS_MEASURED("ext4", "selfref-same/write", VB(V_SAFE)),
	FS_MEASURED("ext4", "uring-ext/fsync", VB(V_DIRTY_WITHOUT_NOTIFY)),
	FS_MEASURED("ext4", "uring-ext/msync", VB(V_DIRTY_WITHOUT_NOTIFY)),
	FS_MEASURED("ext4", "uring-fixed/register", VB(V_REFUSED)),
	FS_MEASURED("ext4", "vmsplice/msync", VB(V_SAFE)),
	FS_MEASURED("ext4", "vmsplice/pageout", VB(V_SAFE)),
	FS_MEASURED("ext4", "vmsplice/punch", VB(V_STALE)),
	FS_MEASURED("ext4", "vmsplice/truncate", VB(V_STALE)),
	FS_MEASURED("xfs", "odirect-ext/fsync", VB(V_DIRTY_WITHOUT_NOTIFY)),
	FS_MEASURED("xfs", "odirect-ext/msync", VB(V_DIRTY_WITHOUT_NOTIFY)),
	/* SAFE when idle: see MEANS_PAGEOUT_RACY */
	FS_MEASURED("xfs", "odirect-ext/pageout",
		    VB(V_DIRTY_WITHOUT_NOTIFY) | VB(V_SAFE)),
	FS_MEASURED("xfs", "proc-pid-mem/msync", VB(V_SAFE)),
	FS_MEASURED("xfs", "process_vm_writev/msync", VB(V_SAFE)),
	FS_ROW(K61, "xfs", "selfref-other/dio-read",
	       VB(V_DIRTY_WITHOUT_NOTIFY) | VB(V_SAFE)),
	FS_ROW(K612, "xfs", "selfref-other/dio-read", VB(V_SAFE)),
	FS_ROW(K618, "xfs", "selfref-other/dio-read", VB(V_SAFE)),
	FS_MEASURED("xfs", "selfref-other/dio-write", VB(V_SAFE)),
	FS_MEASURED("xfs", "selfref-other/read", VB(V_SAFE)),
	FS_MEASURED("xfs", "selfref-other/write", VB(V_SAFE)),
	FS_ROW(K61, "xfs", "selfref-same/dio-read",
	       VB(V_DIRTY_WITHOUT_NOTIFY) | VB(V_SAFE)),
	FS_ROW(K612, "xfs", "selfref-same/dio-read",
	       VB(V_DIRTY_WITHOUT_NOTIFY) | VB(V_SAFE)),
	FS_ROW(K618, "xfs", "selfref-same/dio-read", VB(V_SAFE)),
	FS_MEASURED("xfs", "selfref-same/dio-write", VB(V_SAFE)),
	FS_MEASURED("xfs", "selfref-same/read", VB(V_SAFE)),
	FS_MEASURED("xfs", "selfref-same/write", VB(V_SAFE)),
	FS_MEASURED("xfs", "uring-ext/fsync", VB(V_DIRTY_WITHOUT_NOTIFY)),
	FS_MEASURED("xfs", "uring-ext/msync", VB(V_DIRTY_WITHOUT_NOTIFY)),
	FS_MEASURED("xfs", "uring-fixed/register", VB(V_REFUSED)),
	FS_MEASURED("xfs", "vmsplice/msync", VB(V_SAFE)),
	FS_MEASURED("xfs", "vmsplice/pageout", VB(V_SAFE)),
	FS_MEASURED("xfs", "vmsplice/punch", VB(V_STALE)),
	FS_MEASURED("xfs", "vmsplice/truncate", VB(V_STALE)),
	FS_MEASURED("btrfs", "odirect-ext/fsync",
		    VB(V_DIRTY_WITHOUT_NOTIFY) | VB(V_LOST_WRITE) |
			    VB(V_KERNEL_WARN)),
	FS_MEASURED("btrfs", "odirect-ext/msync",
		    VB(V_DIRTY_WITHOUT_NOTIFY) | VB(V_LOST_WRITE) |
			    VB(V_KERNEL_WARN)),
	/* SAFE when idle: see MEANS_PAGEOUT_RACY */
	FS_MEASURED("btrfs", "odirect-ext/pageout",
		    VB(V_DIRTY_WITHOUT_NOTIFY) | VB(V_SAFE)),
	FS_MEASURED("btrfs", "proc-pid-mem/msync", VB(V_SAFE)),
	FS_MEASURED("btrfs", "process_vm_writev/msync", VB(V_SAFE)),
	FS_MEASURED("btrfs", "selfref-other/dio-read", VB(V_SAFE)),
	FS_MEASURED("btrfs", "selfref-other/dio-write", VB(V_SAFE)),
	FS_MEASURED("btrfs", "selfref-other/read", VB(V_SAFE)),
	FS_MEASURED("btrfs", "selfref-other/write", VB(V_SAFE)),
	FS_ROW(K61, "btrfs", "selfref-same/dio-read", VB(V_SAFE)),
	FS_ROW(K612, "btrfs", "selfref-same/dio-read",
	       VB(V_SAFE) | VB(V_KERNEL_WARN)),
	FS_ROW(K618, "btrfs", "selfref-same/dio-read", VB(V_SAFE)),
	FS_MEASURED("btrfs", "selfref-same/dio-write", VB(V_SAFE)),
	FS_MEASURED("btrfs", "selfref-same/read", VB(V_SAFE)),
	FS_MEASURED("btrfs", "selfref-same/write", VB(V_SAFE)),
	FS_MEASURED("btrfs", "uring-ext/fsync",
		    VB(V_DIRTY_WITHOUT_NOTIFY) | VB(V_LOST_WRITE) |
			    VB(V_KERNEL_WARN)),
	FS_MEASURED("btrfs", "uring-ext/msync",
		    VB(V_DIRTY_WITHOUT_NOTIFY) | VB(V_LOST_WRITE) |
			    VB(V_KERNEL_WARN)),
	FS_MEASURED("btrfs", "uring-fixed/register", VB(V_REFUSED)),
	FS_MEASURED("btrfs", "vmsplice/msync", VB(V_SAFE)),
	FS_MEASURED("btrfs", "vmsplice/pageout", VB(V_SAFE)),
	FS_MEASURED("btrfs", "vmsplice/punch", VB(V_STALE)),
	FS_MEASURED("btrfs", "vmsplice/truncate", VB(V_STALE)),
	FS_MEASURED("tmpfs", "odirect-ext/fsync", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "odirect-ext/msync", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "odirect-ext/pageout", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "proc-pid-mem/msync", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "process_vm_writev/msync", VB(V_SAFE)),
	FS_ROW(K612, "tmpfs", "selfref-other/dio-read", VB(V_SAFE)),
	FS_ROW(K618, "tmpfs", "selfref-other/dio-read", VB(V_SAFE)),
	FS_ROW(K612, "tmpfs", "selfref-other/dio-write", VB(V_SAFE)),
	FS_ROW(K618, "tmpfs", "selfref-other/dio-write", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "selfref-other/read", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "selfref-other/write", VB(V_SAFE)),
	FS_ROW(K612, "tmpfs", "selfref-same/dio-read", VB(V_SAFE)),
	FS_ROW(K618, "tmpfs", "selfref-same/dio-read", VB(V_SAFE)),
	FS_ROW(K612, "tmpfs", "selfref-same/dio-write", VB(V_SAFE)),
	FS_ROW(K618, "tmpfs", "selfref-same/dio-write", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "selfref-same/read", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "selfref-same/write", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "uring-ext/fsync", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "uring-ext/msync", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "uring-fixed/register", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "vmsplice/msync", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "vmsplice/pageout", VB(V_SAFE)),
	FS_MEASURED("tmpfs", "vmsplice/punch", VB(V_STALE)),
	FS_MEASURED("tmpfs", "vmsplice/truncate", VB(V_STALE)),
};
#undef FS_MEASURED
#undef FS_ROW

int scenario_applies(const struct scenario *sc, const char *fs)
{
	if (!strcmp(fs, "dtfs"))
		return !(sc->flags & S_FOREIGN_ONLY);
	return !(sc->flags & S_DTFS_ONLY);
}

unsigned int expected_on(const struct scenario *sc, const char *fs,
			 const char *kernel)
{
	char name[128];

	if (!strcmp(fs, "dtfs"))
		return expected_verdicts(sc, kernel);
	scenario_name(sc, name, sizeof(name));
	for (size_t i = 0; i < sizeof(fs_expect) / sizeof(fs_expect[0]); i++)
		if (!strcmp(fs_expect[i].fs, fs) &&
		    !strcmp(fs_expect[i].scenario, name) &&
		    kernel_matches(fs_expect[i].kernel, kernel))
			return fs_expect[i].verdicts;
	return 0;
}

static unsigned int *overrides; /* per row; NULL: no --expect */

unsigned int expect_override(const struct scenario *sc)
{
	return overrides ? overrides[sc - pin_scenarios] : 0;
}

static int scen_index(const char *name)
{
	char buf[128];

	for (size_t i = 0; i < pin_nscenarios; i++)
		if (!strcmp(scenario_name(&pin_scenarios[i], buf, sizeof(buf)),
			    name))
			return (int)i;
	return -1;
}

/* "SCENARIO VERDICT[|VERDICT]" lines; one error line and exit 2 on a bad
 * one */
static void parse_expect(const char *text, const char *src)
{
	const char *p = text;
	int lineno = 0;

	overrides = calloc(pin_nscenarios, sizeof(*overrides));
	if (!overrides)
		die("out of memory");
	while (*p) {
		char line[256], name[128], vs[128], *tok, *save;
		size_t n = strcspn(p, "\n");
		int idx;

		lineno++;
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
		line[strcspn(line, "#")] = 0;
		if (sscanf(line, "%127s %127s", name, vs) != 2) {
			if (sscanf(line, "%127s", name) == 1)
				die("%s:%d: expected 'SCENARIO VERDICT'", src,
				    lineno);
			continue;
		}
		idx = scen_index(name);
		if (idx < 0)
			die("%s:%d: no scenario named %s (see --list)", src,
			    lineno, name);
		for (tok = strtok_r(vs, "|", &save); tok;
		     tok = strtok_r(NULL, "|", &save)) {
			int v = verdict_by_name(tok);

			if (v < 0)
				die("%s:%d: unknown verdict %s", src, lineno,
				    tok);
			overrides[idx] |= VB(v);
		}
	}
}

void load_expect_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	if (!f)
		die("--expect %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	if (!text || fread(text, 1, (size_t)n, f) != (size_t)n)
		die("--expect %s: cannot read", path);
	fclose(f);
	parse_expect(text, path);
	free(text);
}

static void verdict_set(unsigned int mask, char *buf, size_t n)
{
	buf[0] = 0;
	for (int v = 0; v < V_MAX; v++)
		if (mask & VB(v))
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s",
				 buf[0] ? "|" : "", verdict_name(v));
}

/* In the --expect format: what the rows say for @kernel. */
void print_expectations(FILE *f, const char *kernel)
{
	char name[128], vs[128];

	fprintf(f,
		"# dtfs-pin expectations for Linux %s (from the scenario "
		"table)\n",
		kernel);
	for (size_t i = 0; i < pin_nscenarios; i++) {
		unsigned int m = expected_verdicts(&pin_scenarios[i], kernel);

		if (!scenario_applies(&pin_scenarios[i], "dtfs"))
			continue; /* --fs only: not dtfs's row */
		scenario_name(&pin_scenarios[i], name, sizeof(name));
		if (!m) {
			fprintf(f, "# %s: no expectation for this kernel\n",
				name);
			continue;
		}
		verdict_set(m, vs, sizeof(vs));
		fprintf(f, "%s %s\n", name, vs);
	}
}
