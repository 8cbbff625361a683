// SPDX-License-Identifier: GPL-2.0
/* Check unit tests of the dirty-tracking core: the page-state model and its
 * policies, the dirty log (round trip, torn and garbage tails), the stack
 * classifier on recorded stacks, and the gate. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dtfs/dirtylog.h"
#include "dtfs/gate.h"
#include "dtfs/pagestate.h"
#include "dtfs/tracer.h"

static const struct dt_origin O = {.pid = 42, .comm = "test"};

struct viols {
	int n_root, n_symptom;
	uint64_t last_index;
};

static void count_viol(void *ctx, unsigned int ev, uint64_t ino, uint64_t index,
		       const char *why)
{
	struct viols *v = ctx;

	(void)ino;
	(void)why;
	if (ev == DTFS_EV_VIOL_NO_NOTIFY)
		v->n_root++;
	else
		v->n_symptom++;
	v->last_index = index;
}

static struct dt_pages *model(struct viols *v, int tracer)
{
	struct dt_pages *m = dt_pages_new();

	ck_assert_ptr_nonnull(m);
	dt_pages_observe(m, tracer ? DT_OBS_DIRTY | DT_OBS_CACHE : 0);
	dt_pages_set_violation_cb(m, count_viol, v);
	return m;
}

/* ---- model transitions ---- */

START_TEST(test_write_notify_then_writeback)
{
	struct viols v = {0};
	struct dt_pages *m = model(&v, 1);

	dt_pages_kernel_cache(m, 5, 0, 1, 1, &O);
	ck_assert_uint_eq(dt_pages_state(m, 5, 0), DT_PG_RESIDENT);
	dt_pages_kernel_dirty(m, 5, 0, 0, DTFS_CLS_WRITE_NOTIFY, 0,
			      "fault_dirty_shared_page", &O);
	ck_assert_uint_eq(dt_pages_state(m, 5, 0),
			  DT_PG_RESIDENT | DT_PG_DIRTY | DT_PG_BUFFERS);
	ck_assert_int_eq(dt_pages_writepage_begin(m, 5, 0, 0, &O), DT_WP_STORE);
	ck_assert_uint_eq(dt_pages_state(m, 5, 0),
			  DT_PG_RESIDENT | DT_PG_DIRTY | DT_PG_BUFFERS |
				  DT_PG_WRITEBACK);
	dt_pages_writepage_end(m, 5, 0, 0);
	/* release=writeback: buffers go with the writeback */
	ck_assert_uint_eq(dt_pages_state(m, 5, 0), DT_PG_RESIDENT);
	dt_pages_kernel_cache(m, 5, 0, 1, 0, &O);
	ck_assert_uint_eq(dt_pages_state(m, 5, 0), 0); /* node dropped */
	ck_assert_int_eq(v.n_root + v.n_symptom, 0);
	dt_pages_free(m);
}
END_TEST

START_TEST(test_write_begin)
{
	struct viols v = {0};
	struct dt_pages *m = model(&v, 1);

	/* write(): buffers at write_begin, stored at once (write-through) */
	dt_pages_write(m, 1, 0, 3, &O);
	ck_assert_uint_eq(dt_pages_state(m, 1, 2), DT_PG_RESIDENT);
	/* a page already dirty keeps its buffers until its writeback */
	dt_pages_kernel_dirty(m, 1, 7, 7, DTFS_CLS_WRITE_NOTIFY, 0, "x", &O);
	dt_pages_write(m, 1, 7, 7, &O);
	ck_assert(dt_pages_state(m, 1, 7) & DT_PG_BUFFERS);
	ck_assert_int_eq(dt_pages_writepage_begin(m, 1, 7, 7, &O), DT_WP_STORE);
	dt_pages_writepage_end(m, 1, 7, 7);
	ck_assert_int_eq(v.n_root + v.n_symptom, 0);
	/* writeback_cache: the kernel's write path dirties with write-begin */
	dt_pages_kernel_dirty(m, 1, 9, 9, DTFS_CLS_WRITE_BEGIN, 0,
			      "fuse_write_end", &O);
	ck_assert(dt_pages_state(m, 1, 9) & DT_PG_BUFFERS);
	dt_pages_free(m);
}
END_TEST

START_TEST(test_both_violations)
{
	struct viols v = {0};
	struct dt_pages *m = model(&v, 1);

	dt_pages_kernel_dirty(m, 3, 4, 4, DTFS_CLS_WRITE_NOTIFY, 0, "x", &O);
	ck_assert_int_eq(dt_pages_writepage_begin(m, 3, 4, 4, &O), DT_WP_STORE);
	dt_pages_writepage_end(m, 3, 4, 4);
	/* clean, no buffers: a bypass dirtying is the root cause */
	dt_pages_kernel_dirty(m, 3, 4, 4, DTFS_CLS_FUSE_DIO_RELEASE, 0,
			      "fuse_release_user_pages", &O);
	ck_assert_int_eq(v.n_root, 1);
	ck_assert_uint_eq(v.last_index, 4);
	ck_assert(dt_pages_state(m, 3, 4) & DT_PG_VIOLATED);
	ck_assert(!(dt_pages_state(m, 3, 4) & DT_PG_BUFFERS));
	/* and its writeback the symptom (policy warn: store) */
	ck_assert_int_eq(dt_pages_writepage_begin(m, 3, 4, 4, &O), DT_WP_STORE);
	dt_pages_writepage_end(m, 3, 4, 4);
	ck_assert_int_eq(v.n_symptom, 1);
	/* a bypass on a clean page that kept its buffers (release=evict)
	 * is fine */
	dt_pages_set_policy(m, -1, DTFS_REL_EVICT, NULL, 0);
	dt_pages_kernel_dirty(m, 3, 8, 8, DTFS_CLS_WRITE_NOTIFY, 0, "x", &O);
	ck_assert_int_eq(dt_pages_writepage_begin(m, 3, 8, 8, &O), DT_WP_STORE);
	dt_pages_writepage_end(m, 3, 8, 8);
	dt_pages_kernel_dirty(m, 3, 8, 8, DTFS_CLS_DIO_BIO_COMPLETION, 0,
			      "bio_dirty_fn", &O);
	ck_assert_int_eq(v.n_root, 1);
	/* ... but under writeback it is not */
	ck_assert_int_eq(dt_pages_writepage_begin(m, 3, 8, 8, &O), DT_WP_STORE);
	dt_pages_kernel_dirty(m, 3, 8, 8, DTFS_CLS_DIO_BIO_COMPLETION, 0,
			      "bio_dirty_fn", &O);
	ck_assert_int_eq(v.n_root, 2);
	dt_pages_set_policy(m, -1, DTFS_REL_WRITEBACK, NULL, 0);
	dt_pages_writepage_end(m, 3, 8, 8);
	ck_assert(dt_pages_state(m, 3, 8) & DT_PG_DIRTY); /* redirtied */
	ck_assert(!(dt_pages_state(m, 3, 8) & DT_PG_BUFFERS));
	/* and the kernel's own word that the folio was under writeback */
	dt_pages_set_policy(m, -1, DTFS_REL_EVICT, NULL, 0);
	dt_pages_kernel_dirty(m, 3, 9, 9, DTFS_CLS_WRITE_NOTIFY, 0, "x", &O);
	ck_assert_int_eq(dt_pages_writepage_begin(m, 3, 9, 9, &O), DT_WP_STORE);
	dt_pages_writepage_end(m, 3, 9, 9);
	dt_pages_kernel_dirty(m, 3, 9, 9, DTFS_CLS_GUP_UNPIN,
			      DT_DIRTY_UNDER_WRITEBACK, "unpin", &O);
	ck_assert_int_eq(v.n_root, 3);
	dt_pages_free(m);
}
END_TEST

/*
 * The race of the ordering issue: the kernel cleans a page for writeback
 * and, before dtfs has seen that writepage, a bypass dirties it again.
 * The second dirtying of a page the model holds dirty can only come after
 * such a cleaning: it is the root cause (under writeback), the writepage
 * already on its way is not a symptom, the next one is, and names it.
 */
START_TEST(test_dirtied_before_writepage_seen)
{
	char path[64], text[DT_REC_MAX], err[256];
	struct viols v = {0};
	struct dt_pages *m = model(&v, 1);
	struct dt_log_reader *rd;
	struct dt_log *log;
	struct dt_rec r;
	uint64_t root_seq = 0, symptom_aux = 0, symptom_seq = 0;
	int nsymptom_recs = 0;

	strcpy(path, "/tmp/dtfs-order-XXXXXX");
	ck_assert_int_ge(mkstemp(path), 0);
	ck_assert_int_eq(dt_log_open(path, 0, DT_LOGF_TRACER, 0, &log), 0);
	dt_pages_set_log(m, log);
	dt_pages_kernel_dirty(m, 6, 0, 3, DTFS_CLS_WRITE_NOTIFY, 0,
			      "fault_dirty_shared_page", &O);
	/* kernel: pages 0-3 cleaned for writeback #1, its WRITE in flight;
	 * a DIO completion dirties 1-2 again */
	dt_pages_kernel_dirty(m, 6, 1, 2, DTFS_CLS_DIO_BIO_COMPLETION, 0,
			      "bio_dirty_fn", &O);
	ck_assert_int_eq(v.n_root, 2);
	ck_assert_int_eq(dt_pages_writepage_begin(m, 6, 0, 3, &O), DT_WP_STORE);
	dt_pages_writepage_end(m, 6, 0, 3);
	ck_assert_int_eq(v.n_symptom, 0);
	ck_assert_uint_eq(dt_pages_state(m, 6, 1) &
				  (DT_PG_DIRTY | DT_PG_BUFFERS),
			  DT_PG_DIRTY);
	ck_assert_uint_eq(dt_pages_state(m, 6, 0), DT_PG_RESIDENT);
	/* writeback #2 of the redirtied pages: the symptom */
	ck_assert_int_eq(dt_pages_writepage_begin(m, 6, 1, 2, &O), DT_WP_STORE);
	dt_pages_writepage_end(m, 6, 1, 2);
	ck_assert_int_eq(v.n_symptom, 2);
	dt_log_close(log);
	dt_pages_set_log(m, NULL);
	/* in the log: one root-cause record for the run 1-2, then one
	 * symptom record for it that names the root cause */
	ck_assert_int_eq(dt_log_reader_open(path, &rd, err, sizeof(err)), 0);
	while (dt_log_read(rd, &r, text) == DT_READ_OK) {
		if (r.event == DTFS_EV_VIOL_NO_NOTIFY) {
			ck_assert_uint_eq(root_seq, 0);
			root_seq = r.seq;
			ck_assert_uint_eq(r.first, 1);
			ck_assert_uint_eq(r.last, 2);
			ck_assert_uint_eq(r.cls, DTFS_CLS_DIO_BIO_COMPLETION);
			ck_assert_ptr_nonnull(strstr(text, "under writeback"));
		}
		if (r.event == DTFS_EV_VIOL_NO_BUFFERS) {
			nsymptom_recs++;
			symptom_seq = r.seq;
			symptom_aux = r.aux;
			ck_assert_uint_eq(r.first, 1);
			ck_assert_uint_eq(r.last, 2);
		}
	}
	dt_log_reader_close(rd);
	ck_assert_int_eq(nsymptom_recs, 1);
	ck_assert_uint_gt(root_seq, 0);
	ck_assert_uint_eq(symptom_aux, root_seq);
	ck_assert_uint_lt(root_seq, symptom_seq);
	unlink(path);
	dt_pages_free(m);
}
END_TEST

/* A writeback that hands a page back (redirty) is neither a bypass nor a
 * new writeback to wait for. */
START_TEST(test_redirty_is_not_a_bypass)
{
	struct viols v = {0};
	struct dt_pages *m = model(&v, 1);

	dt_pages_kernel_dirty(m, 2, 0, 0, DTFS_CLS_WRITE_NOTIFY, 0, "x", &O);
	dt_pages_kernel_dirty(m, 2, 0, 0, DTFS_CLS_REDIRTY, 0,
			      "folio_redirty_for_writepage", &O);
	ck_assert_int_eq(dt_pages_writepage_begin(m, 2, 0, 0, &O), DT_WP_STORE);
	dt_pages_writepage_end(m, 2, 0, 0);
	ck_assert_uint_eq(dt_pages_state(m, 2, 0), DT_PG_RESIDENT);
	ck_assert_int_eq(v.n_root + v.n_symptom, 0);
	dt_pages_free(m);
}
END_TEST

START_TEST(test_policies)
{
	struct viols v = {0};
	struct dt_pages *m = model(&v, 1);
	int ov, rel;

	dt_pages_set_policy(m, DTFS_ON_EIO, -1, NULL, 0);
	dt_pages_get_policy(m, &ov, &rel);
	ck_assert_int_eq(ov, DTFS_ON_EIO);
	ck_assert_int_eq(rel, DTFS_REL_WRITEBACK);
	dt_pages_kernel_dirty(m, 2, 0, 0, DTFS_CLS_GUP_UNPIN, 0, "unpin", &O);
	ck_assert_int_eq(dt_pages_writepage_begin(m, 2, 0, 0, &O),
			 DT_WP_REFUSE);
	dt_pages_writepage_end(m, 2, 0, 0);
	dt_pages_set_policy(m, DTFS_ON_ABORT, -1, NULL, 0);
	dt_pages_kernel_dirty(m, 2, 1, 1, DTFS_CLS_GUP_UNPIN, 0, "unpin", &O);
	ck_assert_int_eq(dt_pages_writepage_begin(m, 2, 1, 1, &O), DT_WP_ABORT);
	dt_pages_writepage_end(m, 2, 1, 1);
	dt_pages_set_policy(m, DTFS_ON_WARN, -1, NULL, 0);
	dt_pages_kernel_dirty(m, 2, 2, 2, DTFS_CLS_GUP_UNPIN, 0, "unpin", &O);
	ck_assert_int_eq(dt_pages_writepage_begin(m, 2, 2, 2, &O), DT_WP_STORE);
	dt_pages_writepage_end(m, 2, 2, 2);
	ck_assert_int_eq(v.n_symptom, 3);
	/* release=evict: buffers survive writeback, go with the page */
	dt_pages_set_policy(m, -1, DTFS_REL_EVICT, NULL, 0);
	dt_pages_kernel_dirty(m, 2, 5, 5, DTFS_CLS_WRITE_NOTIFY, 0, "x", &O);
	ck_assert_int_eq(dt_pages_writepage_begin(m, 2, 5, 5, &O), DT_WP_STORE);
	dt_pages_writepage_end(m, 2, 5, 5);
	ck_assert(dt_pages_state(m, 2, 5) & DT_PG_BUFFERS);
	dt_pages_kernel_dirty(m, 2, 5, 5, DTFS_CLS_DIO_SUBMIT, 0,
			      "bio_set_pages_dirty", &O);
	ck_assert_int_eq(v.n_root, 3); /* buffers still attached: no root */
	dt_pages_kernel_cache(m, 2, 5, 1, 0, &O);
	ck_assert_uint_eq(dt_pages_state(m, 2, 5), 0);
	dt_pages_free(m);
}
END_TEST

START_TEST(test_no_tracer_infers)
{
	struct viols v = {0};
	struct dt_pages *m = model(&v, 0);

	/* no write-notify is ever seen: writepage infers page_mkwrite */
	ck_assert_int_eq(dt_pages_writepage_begin(m, 1, 0, 9, &O), DT_WP_STORE);
	dt_pages_writepage_end(m, 1, 0, 9);
	ck_assert_int_eq(v.n_root + v.n_symptom, 0);
	dt_pages_free(m);
}
END_TEST

START_TEST(test_lost_records_infer)
{
	struct viols v = {0};
	struct dt_pages *m = model(&v, 1);

	/* after the tracer lost records nothing can be proved any more */
	dt_pages_kernel_lost(m, 10);
	dt_pages_kernel_dirty(m, 1, 0, 0, DTFS_CLS_DIO_SUBMIT, 0,
			      "bio_set_pages_dirty", &O);
	ck_assert_int_eq(dt_pages_writepage_begin(m, 1, 0, 0, &O), DT_WP_STORE);
	dt_pages_writepage_end(m, 1, 0, 0);
	ck_assert_int_eq(v.n_root + v.n_symptom, 0);
	dt_pages_free(m);
}
END_TEST

START_TEST(test_drop_and_bounded)
{
	struct viols v = {0};
	struct dt_pages *m = model(&v, 1);
	struct dt_pages_counters c;

	for (uint64_t i = 0; i < 10000; i++)
		dt_pages_kernel_dirty(m, 9, i, i, DTFS_CLS_WRITE_NOTIFY, 0, "x",
				      &O);
	dt_pages_counters(m, &c);
	ck_assert_uint_eq(c.pages, 10000);
	dt_pages_drop(m, 9, 5000, UINT64_MAX); /* truncate */
	dt_pages_counters(m, &c);
	ck_assert_uint_eq(c.pages, 5000);
	dt_pages_forget(m, 9);
	dt_pages_counters(m, &c);
	ck_assert_uint_eq(c.pages, 0);
	ck_assert_uint_eq(c.dirty_by_class[DTFS_CLS_WRITE_NOTIFY], 10000);
	dt_pages_free(m);
}
END_TEST

/* ---- log ---- */

static char dir[64];

static void log_setup(void)
{
	strcpy(dir, "/tmp/dtfs-log-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void log_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_log(const char *path, int n)
{
	struct dt_log *log;

	ck_assert_int_eq(dt_log_open(path, 0, DT_LOGF_TRACER, 0, &log), 0);
	for (int i = 0; i < n; i++) {
		struct dt_rec r = {.source = DT_SRC_KERNEL,
				   .event = DTFS_EV_DIRTY,
				   .ino = 7,
				   .first = (uint64_t)i,
				   .last = (uint64_t)i,
				   .cls = DTFS_CLS_WRITE_NOTIFY,
				   .pid = 99};

		memcpy(r.comm, "proc", 5);
		ck_assert_uint_eq(dt_log_emit(log, &r, i % 2 ? "sym" : NULL),
				  (uint64_t)i + 1);
	}
	dt_log_close(log);
}

START_TEST(test_log_roundtrip)
{
	char path[128], text[DT_REC_MAX];
	struct dt_log_reader *rd;
	struct dt_rec r;
	char err[256];
	int n = 0, st;

	snprintf(path, sizeof(path), "%s/l", dir);
	write_log(path, 1000);
	ck_assert_int_eq(dt_log_reader_open(path, &rd, err, sizeof(err)), 0);
	ck_assert(dt_log_reader_hdr(rd)->flags & DT_LOGF_TRACER);
	while ((st = dt_log_read(rd, &r, text)) == DT_READ_OK) {
		ck_assert_uint_eq(r.seq, (uint64_t)n + 1);
		ck_assert_uint_eq(r.first, (uint64_t)n);
		ck_assert_uint_eq(r.event, DTFS_EV_DIRTY);
		ck_assert_uint_eq(r.pid, 99);
		ck_assert_str_eq(r.comm, "proc");
		ck_assert_str_eq(text, n % 2 ? "sym" : "");
		n++;
	}
	ck_assert_int_eq(st, DT_READ_END);
	ck_assert_int_eq(n, 1000);
	dt_log_reader_close(rd);
}
END_TEST

static int count_records(const char *path, int *status)
{
	char text[DT_REC_MAX], err[256];
	struct dt_log_reader *rd;
	struct dt_rec r;
	int n = 0;

	ck_assert_int_eq(dt_log_reader_open(path, &rd, err, sizeof(err)), 0);
	while ((*status = dt_log_read(rd, &r, text)) == DT_READ_OK)
		n++;
	dt_log_reader_close(rd);
	return n;
}

START_TEST(test_log_torn_and_garbage)
{
	char path[128], err[256];
	struct dt_log_reader *rd;
	struct stat st;
	int status, fd;

	snprintf(path, sizeof(path), "%s/l", dir);
	write_log(path, 100);
	ck_assert_int_eq(stat(path, &st), 0);
	/* torn: cut in the middle of the last record */
	ck_assert_int_eq(truncate(path, st.st_size - 13), 0);
	ck_assert_int_eq(count_records(path, &status), 99);
	ck_assert_int_eq(status, DT_READ_TORN);
	/* garbage appended after good records */
	write_log(path, 100);
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(
		write(fd, "\x50\x00\x00\x00garbage-garbage-garbage-garbage",
		      35),
		35);
	close(fd);
	ck_assert_int_eq(count_records(path, &status), 100);
	ck_assert_int_eq(status, DT_READ_TORN);
	/* a flipped byte inside record 51 costs that record only: the
	 * reader resynchronises on the next good one and counts the skip */
	write_log(path, 100);
	{
		char text[DT_REC_MAX];
		struct dt_rec r;
		uint64_t first = 0, prev = 0, n = 0, off51 = 0, len51 = 0;

		ck_assert_int_eq(
			dt_log_reader_open(path, &rd, err, sizeof(err)), 0);
		for (;;) {
			uint64_t off = dt_log_reader_offset(rd);

			ck_assert_int_eq(dt_log_read(rd, &r, text), DT_READ_OK);
			if (r.seq == 51) {
				off51 = off;
				len51 = r.len;
				break;
			}
		}
		dt_log_reader_close(rd);
		fd = open(path, O_WRONLY);
		ck_assert_int_eq(pwrite(fd, "X", 1, (off_t)off51 + 30), 1);
		close(fd);
		ck_assert_int_eq(
			dt_log_reader_open(path, &rd, err, sizeof(err)), 0);
		while ((status = dt_log_read(rd, &r, text)) == DT_READ_OK) {
			n++;
			ck_assert_uint_eq(r.seq, prev + 1 + (prev == 50));
			prev = r.seq;
		}
		ck_assert_int_eq(status, DT_READ_END);
		ck_assert_uint_eq(n, 99);
		ck_assert_uint_eq(dt_log_reader_skipped(rd, &first), len51);
		ck_assert_uint_eq(first, off51);
		dt_log_reader_close(rd);
		/* a damaged length field too: 8-byte steps find record 52 */
		write_log(path, 100);
		fd = open(path, O_WRONLY);
		ck_assert_int_eq(pwrite(fd, "\xff\xff", 2, (off_t)off51), 2);
		close(fd);
		ck_assert_int_eq(count_records(path, &status), 99);
		ck_assert_int_eq(status, DT_READ_END);
		/* a damaged length that runs past the end of the file is
		 * damage, not a torn tail, while a good record follows */
		write_log(path, 100);
		ck_assert_int_eq(
			dt_log_reader_open(path, &rd, err, sizeof(err)), 0);
		for (off51 = 0; off51 == 0;) {
			uint64_t off = dt_log_reader_offset(rd);

			ck_assert_int_eq(dt_log_read(rd, &r, text), DT_READ_OK);
			if (r.seq == 99)
				off51 = off; /* now record 99's */
		}
		dt_log_reader_close(rd);
		fd = open(path, O_WRONLY);
		ck_assert_int_eq(
			pwrite(fd, "\x00\x10\x00\x00", 4, (off_t)off51), 4);
		close(fd);
		ck_assert_int_eq(
			dt_log_reader_open(path, &rd, err, sizeof(err)), 0);
		n = 0;
		while ((status = dt_log_read(rd, &r, text)) == DT_READ_OK)
			n++;
		ck_assert_int_eq(status, DT_READ_END);
		ck_assert_uint_eq(n, 99);
		ck_assert_uint_gt(dt_log_reader_skipped(rd, NULL), 0);
		dt_log_reader_close(rd);
	}
	/* not a log at all */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd,
			       "hello world, not a log, 64 bytes at "
			       "least......................",
			       64),
			 64);
	close(fd);
	ck_assert_int_eq(dt_log_reader_open(path, &rd, err, sizeof(err)),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "not a dtfs dirty log"));
}
END_TEST

START_TEST(test_log_rotation)
{
	char path[128], old[140];
	struct dt_log *log;
	struct stat st;

	snprintf(path, sizeof(path), "%s/l", dir);
	snprintf(old, sizeof(old), "%s/l.1", dir);
	ck_assert_int_eq(dt_log_open(path, 16384, 0, 0, &log), 0);
	for (int i = 0; i < 2000; i++) {
		struct dt_rec r = {.event = DTFS_EV_MARK};

		dt_log_emit(log, &r, "x");
		if (i % 100 == 0)
			dt_log_flush(log);
	}
	dt_log_close(log);
	ck_assert_int_eq(stat(old, &st), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_le(st.st_size, 16384 + 100 * 88);
}
END_TEST

START_TEST(test_log_replay_matches)
{
	/* a live model writing a log, and the log replayed, agree */
	char path[128], text[DT_REC_MAX], err[256];
	struct viols live = {0}, replay = {0};
	struct dt_log_reader *rd;
	struct dt_pages *m, *r2;
	struct dt_log *log;
	struct dt_rec r;

	snprintf(path, sizeof(path), "%s/l", dir);
	ck_assert_int_eq(dt_log_open(path, 0, DT_LOGF_TRACER, 0, &log), 0);
	m = model(&live, 1);
	dt_pages_set_log(m, log);
	dt_pages_kernel_dirty(m, 4, 0, 0, DTFS_CLS_WRITE_NOTIFY, 0, "x", &O);
	dt_pages_writepage_begin(m, 4, 0, 0, &O);
	dt_pages_writepage_end(m, 4, 0, 0);
	dt_pages_kernel_dirty(m, 4, 0, 0, DTFS_CLS_FUSE_DIO_RELEASE, 0, "f",
			      &O);
	dt_pages_writepage_begin(m, 4, 0, 0, &O);
	dt_pages_writepage_end(m, 4, 0, 0);
	dt_log_close(log);
	r2 = model(&replay, 1);
	ck_assert_int_eq(dt_log_reader_open(path, &rd, err, sizeof(err)), 0);
	while (dt_log_read(rd, &r, text) == DT_READ_OK)
		dt_pages_replay(r2, &r, text);
	dt_log_reader_close(rd);
	ck_assert_int_eq(live.n_root, 1);
	ck_assert_int_eq(live.n_symptom, 1);
	ck_assert_int_eq(replay.n_root, live.n_root);
	ck_assert_int_eq(replay.n_symptom, live.n_symptom);
	dt_pages_free(m);
	dt_pages_free(r2);
}
END_TEST

/* The observer (dtfs-trace): no buffer model of its own; a bypass since
 * the page's last writeback is the root cause, the next writeback the
 * symptom; a page never seen dirtied is not accused; the log, replayed,
 * says the same. */
START_TEST(test_observer)
{
	char path[128], text[DT_REC_MAX], err[256];
	struct viols live = {0}, replay = {0};
	struct dt_log_reader *rd;
	struct dt_pages *m, *r2;
	struct dt_log *log;
	struct dt_rec r;
	uint64_t root = 0, sym_names = 0;

	snprintf(path, sizeof(path), "%s/obs", dir);
	ck_assert_int_eq(dt_log_open(path, 0, DT_LOGF_TRACER | DT_LOGF_OBSERVER,
				     0, &log),
			 0);
	m = model(&live, 1);
	dt_pages_observe(m, DT_OBS_DIRTY | DT_OBS_CACHE | DT_OBS_OBSERVER);
	dt_pages_set_log(m, log);
	/* dirty before the observer began: its writeback accuses nothing */
	dt_pages_kernel_writeback(m, 7, 0, 3, &O);
	/* honest: write-notify, writeback, again */
	for (int round = 0; round < 3; round++) {
		dt_pages_kernel_dirty(m, 7, 0, 1, DTFS_CLS_WRITE_NOTIFY, 0,
				      "do_wp_page", &O);
		dt_pages_kernel_writeback(m, 7, 0, 1, &O);
	}
	/* clean, and no buffers of the observer's own after a writeback */
	ck_assert_uint_eq(dt_pages_state(m, 7, 0), DT_PG_RESIDENT);
	ck_assert_int_eq(live.n_root + live.n_symptom, 0);
	/* the DIO completion re-dirties page 1 after its writeback */
	dt_pages_kernel_dirty(m, 7, 1, 1, DTFS_CLS_DIO_BIO_COMPLETION, 0,
			      "bio_dirty_fn", &O);
	ck_assert_int_eq(live.n_root, 1);
	ck_assert_int_eq(live.n_symptom, 0);
	dt_pages_kernel_writeback(m, 7, 0, 1, &O);
	ck_assert_int_eq(live.n_symptom, 1);
	ck_assert_uint_eq(live.last_index, 1);
	/* once written back, the page is clean again: no second symptom */
	dt_pages_kernel_writeback(m, 7, 1, 1, &O);
	ck_assert_int_eq(live.n_symptom, 1);
	dt_log_close(log);

	r2 = dt_pages_new();
	dt_pages_set_violation_cb(r2, count_viol, &replay);
	ck_assert_int_eq(dt_log_reader_open(path, &rd, err, sizeof(err)), 0);
	dt_pages_observe(r2, dt_pages_observed_by(dt_log_reader_hdr(rd)));
	while (dt_log_read(rd, &r, text) == DT_READ_OK) {
		if (r.event == DTFS_EV_WRITEPAGE)
			ck_assert_uint_eq(r.source, DT_SRC_KERNEL);
		if (r.event == DTFS_EV_VIOL_NO_NOTIFY) {
			root = r.seq;
			ck_assert_uint_eq(r.cls, DTFS_CLS_DIO_BIO_COMPLETION);
		}
		if (r.event == DTFS_EV_VIOL_NO_BUFFERS)
			sym_names = r.aux;
		dt_pages_replay(r2, &r, text);
	}
	dt_log_reader_close(rd);
	ck_assert_uint_ne(root, 0);
	ck_assert_uint_eq(sym_names, root); /* the symptom names its cause */
	ck_assert_int_eq(replay.n_root, 1);
	ck_assert_int_eq(replay.n_symptom, 1);
	dt_pages_free(m);
	dt_pages_free(r2);
}
END_TEST

/* ---- classifier, on stacks recorded on the project's kernel ---- */

START_TEST(test_replay_refuses_bad_ranges)
{
	/* ranges the daemon never logs (a fuzzer's find): not replayed */
	struct viols v = {0};
	struct dt_pages *m = model(&v, 1);
	struct dt_pages_counters c;
	struct dt_rec r = {.ino = 9, .event = DTFS_EV_WRITE};

	r.first = 0;
	r.last = UINT64_MAX;
	ck_assert_int_eq(dt_pages_replay(m, &r, ""), -EINVAL);
	r.first = 5;
	r.last = 4;
	ck_assert_int_eq(dt_pages_replay(m, &r, ""), -EINVAL);
	r.event = DTFS_EV_CACHE_ADD;
	r.first = 1;
	r.last = DT_REPLAY_MAX_PAGES + 1;
	ck_assert_int_eq(dt_pages_replay(m, &r, ""), -EINVAL);
	dt_pages_counters(m, &c);
	ck_assert_uint_eq(c.pages, 0);
	/* a real one still applies */
	r.event = DTFS_EV_WRITE;
	r.first = 0;
	r.last = 255;
	ck_assert_int_eq(dt_pages_replay(m, &r, ""), 0);
	dt_pages_counters(m, &c);
	ck_assert_uint_eq(c.writes, 1);
	/* truncate to the end (last = UINT64_MAX) is a real record */
	r.event = DTFS_EV_TRUNCATE;
	r.first = 0;
	r.last = UINT64_MAX;
	ck_assert_int_eq(dt_pages_replay(m, &r, ""), 0);
	dt_pages_counters(m, &c);
	ck_assert_uint_eq(c.pages, 0);
	dt_pages_free(m);
}
END_TEST

START_TEST(test_classify)
{
	static const char *const mmap_store[] = {
		NULL,
		"bpf_trace_run2",
		"__folio_mark_dirty",
		"filemap_dirty_folio",
		"fault_dirty_shared_page",
		"do_wp_page",
		"__handle_mm_fault",
		"handle_mm_fault",
		"do_user_addr_fault",
		"exc_page_fault",
	};
	static const char *const fuse_dio[] = {
		NULL,
		"bpf_trace_run2",
		"__folio_mark_dirty",
		"filemap_dirty_folio",
		"folio_mark_dirty_lock",
		"fuse_release_user_pages.isra.0",
		"fuse_aio_complete_req",
		"fuse_request_end",
		"fuse_dev_do_write",
	};
	static const char *const bio_done[] = {
		"bpf_trace_run2",	"__folio_mark_dirty",
		"folio_mark_dirty",	"__bio_release_pages",
		"iomap_dio_bio_end_io", "blk_update_request",
	};
	static const char *const bio_submit[] = {
		"bpf_trace_run2",      "__folio_mark_dirty",
		"bio_set_pages_dirty", "iomap_dio_bio_iter",
		"__iomap_dio_rw",
	};
	static const char *const unpin[] = {
		"__folio_mark_dirty",
		"folio_mark_dirty_lock",
		"unpin_user_pages_dirty_lock",
		"io_rw_done",
	};
	static const char *const gup_fault[] = {
		"__folio_mark_dirty", "fault_dirty_shared_page",
		"do_shared_fault",    "handle_mm_fault",
		"__get_user_pages",   "fuse_get_user_pages",
	};
	static const char *const other[] = {
		"bpf_trace_run2",   "__folio_mark_dirty",
		"folio_mark_dirty", "some_driver_dma_done",
		"irq_handler",
	};
	const char *d;

	ck_assert_uint_eq(dt_classify_stack(mmap_store, 10, &d),
			  DTFS_CLS_WRITE_NOTIFY);
	ck_assert_str_eq(d, "fault_dirty_shared_page");
	ck_assert_uint_eq(dt_classify_stack(fuse_dio, 9, &d),
			  DTFS_CLS_FUSE_DIO_RELEASE);
	ck_assert_str_eq(d, "fuse_release_user_pages");
	ck_assert_uint_eq(dt_classify_stack(bio_done, 6, &d),
			  DTFS_CLS_DIO_BIO_COMPLETION);
	ck_assert_uint_eq(dt_classify_stack(bio_submit, 5, &d),
			  DTFS_CLS_DIO_SUBMIT);
	ck_assert_uint_eq(dt_classify_stack(unpin, 4, &d), DTFS_CLS_GUP_UNPIN);
	ck_assert_uint_eq(dt_classify_stack(gup_fault, 6, &d),
			  DTFS_CLS_WRITE_NOTIFY);
	ck_assert_uint_eq(dt_classify_stack(other, 5, &d), DTFS_CLS_OTHER);
	ck_assert_str_eq(d, "some_driver_dma_done");
	ck_assert(dtfs_class_is_bypass(DTFS_CLS_OTHER));
	ck_assert(!dtfs_class_is_bypass(DTFS_CLS_WRITE_BEGIN));
}
END_TEST

/* ---- gate ---- */

struct gate_arg {
	struct dt_gates *g;
	int held;
};

static void *gate_reader(void *p)
{
	struct gate_arg *a = p;

	a->held = dt_gate_pass(a->g, 3, 0);
	return NULL;
}

START_TEST(test_gate)
{
	struct dt_gates *g = dt_gates_new();
	struct gate_arg a = {.g = g};
	uint32_t r, w, h;
	pthread_t th;

	ck_assert_int_eq(dt_gate_pass(g, 3, 0), 0); /* no gate */
	ck_assert_uint_eq(dt_gate_wait(g, 3, 50), 0); /* times out */
	dt_gate_set(g, 3, 1, 0);
	ck_assert_int_eq(dt_gate_pass(g, 3, 1), 0); /* writes pass */
	pthread_create(&th, NULL, gate_reader, &a);
	ck_assert_uint_eq(dt_gate_wait(g, 3, 5000), 1);
	dt_gate_get(g, 3, &r, &w, &h);
	ck_assert_uint_eq(h, 1);
	ck_assert_uint_eq(r, 0);
	dt_gate_release(g, 3);
	pthread_join(th, NULL);
	ck_assert_int_eq(a.held, 1);
	ck_assert_int_eq(dt_gate_pass(g, 3, 0), 0); /* count used up */
	dt_gates_free(g);
}
END_TEST

static Suite *dirty_suite(void)
{
	Suite *s = suite_create("dirty");
	TCase *tm = tcase_create("model"), *tl = tcase_create("log"),
	      *tc = tcase_create("classify");

	tcase_add_test(tm, test_write_notify_then_writeback);
	tcase_add_test(tm, test_write_begin);
	tcase_add_test(tm, test_both_violations);
	tcase_add_test(tm, test_dirtied_before_writepage_seen);
	tcase_add_test(tm, test_redirty_is_not_a_bypass);
	tcase_add_test(tm, test_policies);
	tcase_add_test(tm, test_no_tracer_infers);
	tcase_add_test(tm, test_lost_records_infer);
	tcase_add_test(tm, test_drop_and_bounded);
	tcase_add_test(tm, test_gate);
	tcase_add_checked_fixture(tl, log_setup, log_teardown);
	tcase_add_test(tl, test_log_roundtrip);
	tcase_add_test(tl, test_log_torn_and_garbage);
	tcase_add_test(tl, test_log_rotation);
	tcase_add_test(tl, test_log_replay_matches);
	tcase_add_test(tl, test_replay_refuses_bad_ranges);
	tcase_add_test(tl, test_observer);
	tcase_add_test(tc, test_classify);
	suite_add_tcase(s, tm);
	suite_add_tcase(s, tl);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dirty_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
