// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty-tracking engine (include/dtfs/track.h): what each FUSE request
 * means for the page-state model, and the one writepage pipeline (drain,
 * wait for the tracer when the decision depends on it, decide, log).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "dtfs/track.h"
#include "dtfs/tracer.h"

/* How long a writepage waits for the tracer to deliver the dirtyings that
 * came before it. The records exist already (the dirtier wrote them
 * before the kernel could start the writeback, tracer.bpf.c); what is
 * waited for is another CPU's commit of a record it has reserved, which
 * takes microseconds. Past this something is wrong: decide with what is
 * there and count it. */
#define ORDER_WAIT_MAX_NS (100ull * 1000 * 1000)

struct dt_track {
	struct dt_pages *model;
	struct dt_tracer *tracer;
	struct dt_log *log;
	unsigned int page_shift;
	unsigned int missing; /* DTFS_TP_* */
	pthread_mutex_t lock; /* the counters below */
	uint64_t order_checks, order_waits, order_wait_ns, order_wait_max_ns;
	uint64_t order_timeouts;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int dt_track_new(struct dt_track **out)
{
	struct dt_track *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->model = dt_pages_new();
	if (!t->model) {
		free(t);
		return -ENOMEM;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->page_shift = (unsigned int)__builtin_ctzl(
		(unsigned long)sysconf(_SC_PAGESIZE));
	*out = t;
	return 0;
}

struct dt_pages *dt_track_model(struct dt_track *t)
{
	return t->model;
}

int dt_track_tracer_on(struct dt_track *t)
{
	return t->tracer != NULL;
}

static int start_tracer(struct dt_track *t, const struct dt_track_opts *o,
			char *why, size_t whylen)
{
	struct dt_tracer_conf c;
	int ret = dt_tracer_conf_default(&c, why, whylen);

	if (ret)
		return ret;
	c.major = o->major;
	c.minor = o->minor;
	c.model = t->model;
	if (getenv("DTFS_TRACER_PRETEND_MISSING"))
		c.pretend_missing = (unsigned int)strtoul(
			getenv("DTFS_TRACER_PRETEND_MISSING"), NULL, 0);
	return dt_tracer_start(&c, &t->tracer, why, whylen);
}

int dt_track_start(struct dt_track *t, const struct dt_track_opts *o, char *err,
		   size_t errlen)
{
	char why[512] = "", miss[400] = "", text[2048];
	uint32_t flags = 0;
	int ret;

	if (o->tracer != DT_TRACER_OFF) {
		ret = start_tracer(t, o, why, sizeof(why));
		if (ret && o->tracer == DT_TRACER_ON) {
			snprintf(err, errlen,
				 "tracer=on but it cannot load: %s", why);
			return -1;
		}
		if (ret)
			fprintf(stderr,
				"dtfs: kernel tracer off (%s): write-notify is "
				"inferred, not observed; no violations are "
				"reported\n",
				why);
	} else {
		snprintf(why, sizeof(why), "tracer=off");
	}
	if (t->tracer) {
		t->missing = dt_tracer_missing(t->tracer);
		dt_tracer_missing_text(t->missing, miss, sizeof(miss));
		if (t->missing)
			fprintf(stderr, "dtfs: tracer: %s\n", miss);
		flags |= DT_LOGF_TRACER;
	}
	/* the model learns what it may believe; it is not recreated */
	dt_pages_observe(t->model,
			 t->tracer ? dt_tracer_observes(t->missing) : 0);
	if (o->log_path) {
		ret = dt_log_open(o->log_path, o->log_max_bytes, flags,
				  t->missing, &t->log);
		if (ret) {
			snprintf(err, errlen, "dirty log %s: %s", o->log_path,
				 strerror(-ret));
			return -1;
		}
		dt_pages_set_log(t->model, t->log);
	}
	snprintf(text, sizeof(text), "%s dev=%u:%u tracer=%s%s%s",
		 o->describe ? o->describe : "", o->major, o->minor,
		 t->tracer ? "on" : "off ", t->tracer ? "" : why,
		 miss[0] ? "; " : "");
	if (miss[0])
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s",
			 miss);
	dt_pages_note(t->model, DT_SRC_DTFS, DTFS_EV_MOUNT, 0, 0, 0, 0, text,
		      NULL);
	dt_pages_set_policy(t->model, o->on_violation, o->release, NULL, 0);
	return 0;
}

void dt_track_stop(struct dt_track *t)
{
	if (!t)
		return;
	dt_tracer_stop(t->tracer);
	t->tracer = NULL;
}

void dt_track_flush(struct dt_track *t)
{
	if (t)
		dt_log_flush(t->log);
}

void dt_track_free(struct dt_track *t)
{
	if (!t)
		return;
	dt_track_stop(t);
	dt_pages_set_log(t->model, NULL);
	dt_log_close(t->log);
	dt_pages_free(t->model);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static void pages_of(const struct dt_track *t, uint64_t off, uint64_t size,
		     uint64_t *first, uint64_t *last)
{
	*first = off >> t->page_shift;
	*last = size ? (off + size - 1) >> t->page_shift : *first;
}

/*
 * The writepage pipeline. The drain before the decision is cheap (the
 * CPUs' open runs and what is committed). When the model then says a page
 * lacks buffers, that is a violation only if no dirtying with write-notify
 * came before this request; such a dirtying's record was started before
 * the request was sent, so wait until the tracer has delivered everything
 * started up to our arrival (the mark), then decide.
 */
static enum dt_wp_verdict writepage(struct dt_track *t, uint64_t ino,
				    uint64_t first, uint64_t last,
				    const struct dt_origin *o)
{
	dt_tracer_drain(t->tracer);
	if (t->tracer && dt_pages_lack_buffers(t->model, ino, first, last)) {
		uint64_t t0 = mono_ns(), dt;
		/* taken now, not at our arrival: a later mark waits for
		 * more records, never for fewer */
		int ret = dt_tracer_wait(t->tracer, dt_tracer_mark(t->tracer),
					 ORDER_WAIT_MAX_NS);

		dt = mono_ns() - t0;
		pthread_mutex_lock(&t->lock);
		t->order_checks++;
		if (ret) { /* not all there at the first drain */
			t->order_waits++;
			t->order_wait_ns += dt;
			if (dt > t->order_wait_max_ns)
				t->order_wait_max_ns = dt;
		}
		if (ret < 0 && !t->order_timeouts++)
			fprintf(stderr,
				"dtfs: a writepage of inode %llu gave up "
				"waiting for the tracer after %llu ms; "
				"deciding on what it delivered\n",
				(unsigned long long)ino,
				(unsigned long long)(dt / 1000000));
		pthread_mutex_unlock(&t->lock);
	}
	return dt_pages_writepage_begin(t->model, ino, first, last, o);
}

enum dt_wp_verdict dt_track_write_begin(struct dt_track *t, uint64_t ino,
					uint64_t off, uint64_t size,
					enum dt_write_kind kind,
					const struct dt_origin *o)
{
	uint64_t first, last;

	pages_of(t, off, size, &first, &last);
	switch (kind) {
	case DT_WRITE_WRITEPAGE:
		return writepage(t, ino, first, last, o);
	case DT_WRITE_DIRECT:
		dt_pages_note(t->model, DT_SRC_FUSE, DTFS_EV_DIO_WRITE, ino,
			      first, last, size, NULL, o);
		break;
	case DT_WRITE_BUFFERED:
		dt_pages_write(t->model, ino, first, last, o);
		break;
	}
	return DT_WP_STORE;
}

void dt_track_write_end(struct dt_track *t, uint64_t ino, uint64_t off,
			uint64_t size, enum dt_write_kind kind)
{
	uint64_t first, last;

	if (kind != DT_WRITE_WRITEPAGE)
		return;
	pages_of(t, off, size, &first, &last);
	dt_pages_writepage_end(t->model, ino, first, last);
}

void dt_track_read(struct dt_track *t, uint64_t ino, uint64_t off,
		   uint64_t size, int direct, const struct dt_origin *o)
{
	uint64_t first, last;

	if (!size)
		return;
	pages_of(t, off, size, &first, &last);
	dt_pages_read(t->model, ino, first, last, direct, o);
}

void dt_track_truncate(struct dt_track *t, uint64_t ino, uint64_t size,
		       const struct dt_origin *o)
{
	uint64_t keep = (size + (1ull << t->page_shift) - 1) >> t->page_shift;

	dt_pages_note(t->model, DT_SRC_FUSE, DTFS_EV_TRUNCATE, ino, keep,
		      UINT64_MAX, size, NULL, o);
	dt_pages_drop(t->model, ino, keep, UINT64_MAX);
}

void dt_track_punch(struct dt_track *t, uint64_t ino, uint64_t off,
		    uint64_t len, int mode, const struct dt_origin *o)
{
	uint64_t ps = 1ull << t->page_shift;
	uint64_t first = (off + ps - 1) >> t->page_shift;
	uint64_t end = (off + len) >> t->page_shift;

	dt_pages_note(t->model, DT_SRC_FUSE, DTFS_EV_PUNCH, ino, first,
		      end ? end - 1 : 0, (uint64_t)mode, NULL, o);
	if (end > first) /* the kernel drops whole pages it covers */
		dt_pages_drop(t->model, ino, first, end - 1);
}

void dt_track_evict(struct dt_track *t, uint64_t ino, uint64_t off,
		    uint64_t len, const struct dt_origin *o)
{
	dt_pages_note(t->model, DT_SRC_DTFS, DTFS_EV_EVICT, ino,
		      off >> t->page_shift,
		      len ? (off + len - 1) >> t->page_shift : UINT64_MAX, 0,
		      NULL, o);
}

void dt_track_note(struct dt_track *t, unsigned int src, unsigned int ev,
		   uint64_t ino, uint64_t aux, const char *text,
		   const struct dt_origin *o)
{
	dt_pages_note(t->model, src, ev, ino, 0, 0, aux, text, o);
}

void dt_track_policy(struct dt_track *t, int on_violation, int release,
		     uint64_t ino, const struct dt_origin *o,
		     struct dtfs_policy *out)
{
	int ov, rel;

	dt_pages_set_policy(t->model, on_violation, release, o, ino);
	dt_pages_get_policy(t->model, &ov, &rel);
	out->on_violation = ov;
	out->release = rel;
}

static void status_page(void *ctx, uint64_t index, unsigned int flags)
{
	struct dtfs_status *st = ctx;

	if (st->npages < DTFS_STATUS_PAGES) {
		st->pages[st->npages].index = index;
		st->pages[st->npages].flags = flags;
	}
	st->npages++;
}

void dt_track_status(struct dt_track *t, uint64_t ino, struct dtfs_status *st)
{
	struct dt_pages_counters c;
	struct dt_tracer_stats ts;
	int ov, rel;

	st->abi_version = DTFS_ABI_VERSION;
	st->tracer_on = t->tracer != NULL;
	dt_pages_get_policy(t->model, &ov, &rel);
	st->on_violation = ov;
	st->release = rel;
	dt_pages_counters(t->model, &c);
	st->events = c.events;
	st->tracked_pages = c.pages;
	st->writes = c.writes;
	st->writepages = c.writepages;
	st->viol_no_notify = c.viol_no_notify;
	st->viol_no_buffers = c.viol_no_buffers;
	st->refused = c.refused;
	for (unsigned int i = 0; i < DTFS_CLS_COUNT; i++)
		st->dirty_by_class[i] = c.dirty_by_class[i];
	dt_tracer_stats(t->tracer, &ts);
	st->tracer_events = ts.records;
	st->tracer_lost = ts.lost;
	st->tracer_missing = t->missing;
	st->tracer_cpu_ns = ts.cpu_ns;
	st->tracer_wakeups = ts.wakeups;
	st->tracer_model_events = ts.events;
	st->tracer_bpf_ns = ts.bpf_ns;
	st->tracer_bpf_runs = ts.bpf_runs;
	st->log_bytes = t->log ? dt_log_bytes(t->log) : 0;
	st->log_dropped = t->log ? dt_log_dropped(t->log) : 0;
	pthread_mutex_lock(&t->lock);
	st->order_checks = t->order_checks;
	st->order_waits = t->order_waits;
	st->order_wait_ns = t->order_wait_ns;
	st->order_wait_max_ns = t->order_wait_max_ns;
	st->order_timeouts = t->order_timeouts;
	pthread_mutex_unlock(&t->lock);
	st->ino = ino;
	st->npages = 0;
	dt_pages_each(t->model, ino, status_page, st);
}
