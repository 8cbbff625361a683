/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtfs-pin: pin pages of MAP_SHARED mappings in the ways the kernel offers,
 * race writeback, reclaim, eviction and truncation with the pin, and report
 * what the running kernel did, with dtfs's counters and dirty log as
 * evidence. One file per concern:
 *
 *   scenarios.c  the matrix as data: one row per scenario, what it does,
 *                what its verdict means, the verdict expected per kernel
 *   pins.c       the pin methods and cleaners (run in a child process)
 *   evidence.c   dtfs's counters and dirty log around a scenario; the
 *                verdict, decided in one place
 *   mount.c      the filesystem under test: a fresh dtfs or a given mount,
 *                the watchdog's abort, clean-up
 *   fs.c         --fs: the other filesystems (ext4, xfs, btrfs on a loop
 *                device, tmpfs), the observer on them, remounts
 *   report.c     TAP, the matrix, JSON
 *   main.c       the command line, then set-up, then the run
 */
#ifndef DTFS_PIN_H
#define DTFS_PIN_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "dtfs/ioctl.h"
#include "dtfs/observe.h"

#define PG 4096

/* ---- verdicts ------------------------------------------------------------ */

enum verdict {
	V_SAFE,
	V_REFUSED,
	V_DIRTY_WITHOUT_NOTIFY,
	V_LOST_WRITE,
	V_STALE,
	V_DEADLOCK,
	V_CORRUPT,
	V_KERNEL_WARN, /* the kernel logged a WARN, BUG or fs error */
	V_SKIP,
	V_ERROR, /* the tool could not set the scenario up: always not ok */
	V_MAX
};

#define VB(v) (1u << (v)) /* a set of verdicts */

const char *verdict_name(int v);
int verdict_by_name(const char *s);

/* What a scenario's child found about the data; the parent adds the
 * evidence and decides the verdict (evidence.c). */
enum data_outcome {
	D_OK, /* every byte where it should be */
	D_REFUSED,
	D_LOST,
	D_STALE,
	D_CORRUPT,
	D_SKIP,
	D_ERROR,
};

/* What a file must hold after the scenario: checked again after a
 * remount on a disk filesystem (--fs), from the disk. */
#define OUT_FILES 3
struct expect_file {
	char name[16]; /* in the scenario's directory */
	uint32_t len, crc, crc_old; /* crc_old: what a lost write leaves */
};

struct outcome {
	int data;
	int err; /* errno of a refusal */
	char detail[200];
	int nfiles;
	struct expect_file files[OUT_FILES];
};

/* ---- the matrix -------------------------------------------------------- */

enum cleaner {
	C_NONE,
	C_MSYNC,
	C_FSYNC,
	C_PAGEOUT,
	C_EVICT,
	C_TRUNCATE,
	C_PUNCH,
	C_COUNT
};

const char *cleaner_name(enum cleaner c);

/* who writes into another process's mapping */
enum remote_via { REMOTE_PROCESS_VM_WRITEV, REMOTE_PROC_PID_MEM };
/* what a pinned private page sees */
enum cow_variant { COW_FORK, COW_FORK_AND_WRITE };
/* self-referential I/O: the request, and whose mapping is its buffer */
enum selfref_io {
	SELFREF_WRITE,
	SELFREF_READ,
	SELFREF_DIO_WRITE,
	SELFREF_DIO_READ
};
enum selfref_buf { SELFREF_SAME_FILE, SELFREF_OTHER_FILE };
/* the racy loops' reads: pread(2), or io_uring (the io-wq worker pins) */
enum ext_io { EXT_PREAD, EXT_URING };

/* scenario flags */
#define S_NEEDS_NOTIFY 1 /* SAFE needs write-notify in the evidence */
#define S_LOSS_PERMITTED 2 /* a LOST_WRITE is what POSIX allows here */
#define S_HIDDEN 4 /* a check of the tool: runs only when named */
#define S_RACY 8 /* bounded racy loop: the verdict may vary run to run */
#define S_DTFS_ONLY 16 /* needs dtfs (its gate or its eviction) */
#define S_FOREIGN_ONLY 32 /* a racy stand-in for a gated row elsewhere */

/* The verdicts a kernel gives: "6.18" matches 6.18.x; NULL any kernel. */
struct expectation {
	const char *kernel;
	unsigned int verdicts; /* VB(...) | ... */
};

#define PIN_EXPECT_MAX 4

struct scenario;
typedef void (*pin_fn)(const struct scenario *sc, struct outcome *o);

struct scenario {
	const char *method; /* row of the matrix */
	const char *variant; /* column; NULL: the cleaner's name */
	pin_fn run;
	enum cleaner cleaner;
	union {
		enum remote_via remote;
		enum cow_variant cow;
		enum ext_io ext;
		struct {
			enum selfref_io io;
			enum selfref_buf buf;
		} selfref;
	} v;
	unsigned int flags; /* S_* */
	const char *what; /* what it does */
	const char *meaning; /* what its expected verdict means */
	struct expectation expect[PIN_EXPECT_MAX];
};

extern const struct scenario pin_scenarios[];
extern const size_t pin_nscenarios;

/* The verdicts measured on a filesystem other than dtfs (--fs). */
struct fs_expectation {
	const char *fs, *scenario, *kernel;
	unsigned int verdicts;
};

/* "method/variant" */
const char *scenario_name(const struct scenario *sc, char *buf, size_t len);

/* ---- pin methods (pins.c) ---------------------------------------------- */

void pin_odirect_gated(const struct scenario *sc, struct outcome *o);
void pin_uring_gated(const struct scenario *sc, struct outcome *o);
void pin_uring_fixed(const struct scenario *sc, struct outcome *o);
void pin_odirect_ext(const struct scenario *sc, struct outcome *o);
void pin_vmsplice(const struct scenario *sc, struct outcome *o);
void pin_remote(const struct scenario *sc, struct outcome *o);
void pin_cow_fork(const struct scenario *sc, struct outcome *o);
void pin_selfref(const struct scenario *sc, struct outcome *o);
void pin_held_forever(const struct scenario *sc, struct outcome *o);

/* ---- the run's context --------------------------------------------------- */

struct pin_ctx {
	char tmp[PATH_MAX]; /* our temp dir (on a local filesystem) */
	char store[PATH_MAX + 16];
	char mnt[PATH_MAX + 16]; /* the dtfs mount */
	char work[PATH_MAX + 64]; /* our directory inside the mount */
	char sdir[PATH_MAX + 128]; /* the current scenario's directory */
	char log[PATH_MAX + 32]; /* dirty log, "" if unknown */
	char dtfs[PATH_MAX]; /* the dtfs binary */
	int own_mount;
	int mounts; /* mounts made so far (a deadlock costs one) */
	int dead; /* the mount was aborted and not replaced */
	int timeout; /* watchdog, seconds */
	double race_secs; /* racy scenarios: bound in seconds */
	uint64_t log_off; /* dirty log: where the next scenario starts */
	int tracer_on;
	pid_t child;
	/* --fs: the filesystem under test now */
	const char *fs; /* "dtfs", "ext4", ... */
	int foreign; /* not dtfs: no gate, no ioctls; the observer */
	int no_dirty_tracking; /* tmpfs: shared mappings need no notify */
	int can_remount; /* the data survives a remount (disk) */
	char img[PATH_MAX + 32], loopdev[64];
	struct dt_observer *ob;
	int nlogs;
	/* the observer's violations so far, shared with the scenario's
	 * process (a racy loop stops at the first) */
	volatile uint64_t *viol_seen;
};

extern struct pin_ctx ctx;

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
double now_s(void);

/* ---- mount.c --------------------------------------------------------------- */

void find_dtfs(void);
void mount_fresh(void);
void unmount_own(void);
void use_mount(const char *dir, const char *log);
int abort_connection(void);
void ensure_fusectl(void);
void reap_child(pid_t child, int *status);
void release_gates(const char *dir);
void cleanup(void);

/* ---- fs.c: --fs ---------------------------------------------------------- */

#define FS_ALL "dtfs,ext4,xfs,btrfs,tmpfs"
/* @name's own string if dtfs-pin knows it, else NULL */
const char *fs_known(const char *name);
/* Make @name's instance in ctx.tmp and watch it. 0, or -1 with why it
 * cannot be had here (a SKIP). */
int fs_setup(const char *name, char *why, size_t whylen);
void fs_teardown(void);
/* Unmount and mount again (the page cache is gone); 0 or -errno. */
int fs_remount(char *why, size_t whylen);
/* The observer's counters as dtfs's STATUS would give them. */
int fs_status(struct dtfs_status *st);
void fs_mark(const char *text);
/* After a remount: the files @o names hold what they must? D_OK, D_LOST
 * or D_CORRUPT, and why in @detail. */
int fs_check_files(const struct outcome *o, char *detail, size_t len);

/* ---- evidence.c ------------------------------------------------------------ */

struct evidence {
	uint64_t viol_nn, viol_nb, refused, notify, bypass;
	uint64_t cls[DTFS_CLS_SLOTS];
	/* from the dirty log: the first root cause, and the first symptom
	 * with the root cause it names */
	uint64_t root_seq, symptom_seq, symptom_root;
	int root_cls, log_read;
	int lost; /* tracer records lost */
};

int get_status(const char *path, struct dtfs_status *st);
/* /dev/kmsg from now on (-1 if unreadable) */
int kmsg_open(void);
/* The kernel's WARN/BUG/filesystem-error lines since kmsg_open that
 * concern this run, into @out; how many. Closes @fd. */
int kmsg_collect(int fd, char *out, size_t len);
void mark(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void evidence_diff(const struct dtfs_status *before,
		   const struct dtfs_status *after, struct evidence *e);
void read_log(const char *end, struct evidence *e);
int decide_verdict(const struct scenario *sc, const struct outcome *o,
		   const struct evidence *e, int tracer_on, char *note,
		   size_t notelen);

/* ---- a result, and the report (report.c) ----------------------------------- */

struct result {
	const struct scenario *sc;
	const char *fs;
	int run; /* 1.. of --repeat */
	int verdict, err, expected_ok, expected_known;
	unsigned int expected; /* VB set */
	int permitted; /* a LOST_WRITE POSIX allows */
	char detail[800];
	struct evidence ev;
	double secs;
};

/* The expectation of @sc on @kernel (uname release), or 0 if none. */
unsigned int expected_verdicts(const struct scenario *sc, const char *kernel);
/* ... on filesystem @fs (dtfs: the row's own) */
unsigned int expected_on(const struct scenario *sc, const char *fs,
			 const char *kernel);
/* Does @sc run on @fs? */
int scenario_applies(const struct scenario *sc, const char *fs);
/* --expect FILE: "SCENARIO VERDICT[|VERDICT]" lines override the rows. */
void load_expect_file(const char *path);
/* the override for @sc, or 0 */
unsigned int expect_override(const struct scenario *sc);
void print_expectations(FILE *f, const char *kernel);

struct report {
	const char *kernel, *machine, *expect_src;
	const char *fslist; /* NULL: dtfs only, as before --fs */
	int json, repeat;
	struct result *res;
	int n;
};

void report_begin(const struct report *r, int total);
void report_result(const struct report *r, const struct result *x, int k);
void report_end(const struct report *r, int nfail, int nskip);

/* ---- kernels.c: --kernel LIST, the matrix on each kernel ------------------- */

int run_kernels(int argc, char **argv, const char *list, int json);

#endif
