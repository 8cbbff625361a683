// SPDX-License-Identifier: GPL-2.0
/*
 * What dtfs saw during a scenario, and the verdict. dtfs-pin talks to dtfs
 * only through the ioctl ABI (include/dtfs/ioctl.h) and reads the dirty
 * log file (dtfs-dirtylog(5)).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "dtfs/dirtylog.h"
#include "pin.h"

int get_status(const char *path, struct dtfs_status *st)
{
	int fd, ret;

	if (ctx.foreign) /* the observer's counters */
		return fs_status(st);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, DTFS_IOC_STATUS, st) ? -errno : 0;
	close(fd);
	return ret;
}

void mark(const char *fmt, ...)
{
	struct dtfs_mark m = {0};
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	if (ctx.foreign) {
		fs_mark(m.text);
		return;
	}
	fd = open(ctx.work, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return;
	ioctl(fd, DTFS_IOC_MARK, &m);
	close(fd);
}

/* Read the dirty log from the last scenario's end up to the mark @end:
 * the violations' sequence numbers and classes. Waits up to 3 s for the
 * log writer. */
void read_log(const char *end, struct evidence *e)
{
	struct dt_log_reader *rd = NULL;
	static struct dt_rec r;
	static char text[DT_REC_MAX];
	char err[256];
	double t0 = now_s();

	if (!ctx.log[0])
		return;
	while (now_s() - t0 < 3.0) {
		int st;

		if (dt_log_reader_open(ctx.log, &rd, err, sizeof(err))) {
			usleep(20000);
			continue;
		}
		if (ctx.log_off)
			dt_log_reader_seek(rd, ctx.log_off);
		while ((st = dt_log_read(rd, &r, text)) == DT_READ_OK) {
			if (r.event == DTFS_EV_VIOL_NO_NOTIFY && !e->root_seq) {
				e->root_seq = r.seq;
				e->root_cls = r.cls;
			}
			if (r.event == DTFS_EV_VIOL_NO_BUFFERS &&
			    !e->symptom_seq) {
				e->symptom_seq = r.seq;
				e->symptom_root = r.aux;
			}
			if (r.event == DTFS_EV_LOST)
				e->lost = 1;
			if (r.event == DTFS_EV_MARK && !strcmp(text, end)) {
				ctx.log_off = dt_log_reader_offset(rd);
				e->log_read = 1;
				dt_log_reader_close(rd);
				return;
			}
		}
		/* not there yet: keep what was read, wait for the writer */
		ctx.log_off = dt_log_reader_offset(rd);
		dt_log_reader_close(rd);
		usleep(20000);
	}
}

/* ---- kernel messages ------------------------------------------------------ */

int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Does a message concern this run? Any WARN, BUG or Oops (a shared
 * machine may have others: the line says whose); an error or warning
 * naming our instance's device. */
static int ours(const char *msg, int level)
{
	const char *dev = ctx.loopdev[0] ? strrchr(ctx.loopdev, '/') + 1 : NULL;
	int oops = strstr(msg, "WARNING:") || strstr(msg, "BUG:") ||
		   strstr(msg, "kernel BUG") || strstr(msg, "Oops");

	if (dev && strstr(msg, dev) && (level <= 4 || oops))
		return 1; /* errors and warnings: "csum failed", ... */
	return oops;
}

int kmsg_collect(int fd, char *out, size_t len)
{
	char rec[8192];
	int n = 0;

	out[0] = 0;
	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t got = read(fd, rec, sizeof(rec) - 1);
		char *msg;
		int level;

		if (got < 0 && errno == EPIPE)
			continue; /* overwritten records: go on */
		if (got <= 0)
			break;
		rec[got] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		*msg++ = 0;
		level = atoi(rec) & 7;
		msg[strcspn(msg, "\n")] = 0;
		if (!ours(msg, level))
			continue;
		/* the WARN's own task line follows it: not a second hit */
		n++;
		if (strlen(out) + strlen(msg) + 4 < len)
			snprintf(out + strlen(out), len - strlen(out), "%s%s",
				 out[0] ? " | " : "", msg);
	}
	close(fd);
	return n;
}

/* The counters' difference over the scenario. */
void evidence_diff(const struct dtfs_status *st0, const struct dtfs_status *st1,
		   struct evidence *e)
{
	e->viol_nn = st1->viol_no_notify - st0->viol_no_notify;
	e->viol_nb = st1->viol_no_buffers - st0->viol_no_buffers;
	e->refused = st1->refused - st0->refused;
	for (unsigned int i = 0; i < DTFS_CLS_SLOTS; i++) {
		e->cls[i] = st1->dirty_by_class[i] - st0->dirty_by_class[i];
		if (dtfs_class_is_bypass(i))
			e->bypass += e->cls[i];
	}
	e->notify = e->cls[DTFS_CLS_WRITE_NOTIFY];
}

/*
 * The verdict, in one place: what the data says first (a refusal, a lost,
 * stale or corrupt write), then what dtfs saw (a violation); a SAFE that
 * needs write-notify as its evidence is only SAFE if write-notify was seen.
 * @note gets what the verdict rests on beyond the data.
 */
int decide_verdict(const struct scenario *sc, const struct outcome *o,
		   const struct evidence *e, int tracer_on, char *note,
		   size_t notelen)
{
	int v;

	note[0] = 0;
	switch (o->data) {
	case D_REFUSED:
		return V_REFUSED;
	case D_LOST:
		return V_LOST_WRITE;
	case D_STALE:
		return V_STALE;
	case D_CORRUPT:
		return V_CORRUPT;
	case D_SKIP:
		return V_SKIP;
	case D_ERROR:
		return V_ERROR;
	}
	v = e->viol_nn || e->viol_nb ? V_DIRTY_WITHOUT_NOTIFY : V_SAFE;
	if (v == V_SAFE && (sc->flags & S_NEEDS_NOTIFY) &&
	    ctx.no_dirty_tracking) {
		snprintf(note, notelen,
			 " (%s tracks no dirty pages: no write-notify to see)",
			 ctx.fs);
		return v;
	}
	if (v == V_SAFE && (sc->flags & S_NEEDS_NOTIFY)) {
		if (!tracer_on) {
			snprintf(note, notelen,
				 "the %s tracer is off: write-notify cannot "
				 "be seen",
				 ctx.foreign ? "observer's" : "dtfs");
			return V_SKIP;
		}
		if (!e->notify) {
			snprintf(note, notelen,
				 " (but no write-notify was observed)");
			return V_CORRUPT;
		}
	}
	return v;
}
