// SPDX-License-Identifier: GPL-2.0
/*
 * dtfs-log: read dtfs dirty logs.
 *
 *   dtfs-log show [filters] LOG        human text
 *   dtfs-log json [filters] LOG        JSON Lines
 *   dtfs-log check LOG                 re-verify the contract; exit 1 on violations
 *   dtfs-log diff [--all] A B          per-file, per-page event sequences
 *   dtfs-log stats LOG                 counts by event, class and file; rates
 *   dtfs-log timeline FILE LOG [-o OUT.svg]
 *
 * Exit: 0 fine (same, clean), 1 violations / different / damaged records
 * (check), 2 usage or unreadable input. Damaged records are skipped up to
 * the next good one and a torn or garbage tail is skipped; both are
 * reported.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dtfs/dirtylog.h"
#include "dtfs/pagestate.h"
#include "dtfs/tracer.h"

static const char *prog = "dtfs-log";

/* names from the ABI's tables (include/dtfs/ioctl.h); a number no table
 * has is shown as such */
static const char *ev_str(unsigned int ev)
{
	return dtfs_event_name(ev) ?: "unknown";
}

static const char *cls_str(unsigned int cls)
{
	return dtfs_class_name(cls) ?: "unknown";
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s COMMAND [options] LOG...\n"
		"  show [filters] LOG          events as text\n"
		"  json [filters] LOG          events as JSON Lines\n"
		"  check LOG                   re-verify the dirty-tracking "
		"contract;\n"
		"                              exit 1 and explain each "
		"violation\n"
		"  diff [--all] [--max N] A B  compare per-file, per-page "
		"event sequences\n"
		"                              (time, pids and inode numbers "
		"ignored);\n"
		"                              exit 0 same, 1 different\n"
		"  stats LOG                   counts by event, class and "
		"file; rates\n"
		"  timeline FILE LOG [-o SVG]  SVG of the page states of FILE "
		"over time\n"
		"filters: --file PATH|INO  --page N  --event NAME  --since NS  "
		"--until NS\n"
		"exit: 0 fine, 1 violations or different, 2 usage or "
		"unreadable log\n",
		prog);
}

/* ---- reading, with a path map built from name events ---- */

struct name {
	uint64_t ino;
	char *path;
};

struct names {
	struct name *v;
	size_t n, cap;
};

static struct name *name_find(struct names *nm, uint64_t ino)
{
	for (size_t i = nm->n; i-- > 0;)
		if (nm->v[i].ino == ino)
			return &nm->v[i];
	return NULL;
}

static const char *path_of(struct names *nm, uint64_t ino, char *buf,
			   size_t len)
{
	struct name *e = name_find(nm, ino);

	if (ino == 1)
		return "/";
	if (e)
		return e->path;
	snprintf(buf, len, "ino:%" PRIu64, ino);
	return buf;
}

static void name_set(struct names *nm, uint64_t ino, const char *path)
{
	struct name *e = name_find(nm, ino);

	if (!e) {
		if (nm->n == nm->cap) {
			size_t cap = nm->cap ? nm->cap * 2 : 256;
			struct name *v = realloc(nm->v, cap * sizeof(*v));

			if (!v)
				return;
			nm->v = v;
			nm->cap = cap;
		}
		e = &nm->v[nm->n++];
		e->ino = ino;
		e->path = NULL;
	}
	free(e->path);
	e->path = strdup(path);
}

/* "PINO/name" -> full path */
static void join(struct names *nm, const char *pn, char *out, size_t len)
{
	char buf[64];
	uint64_t parent = strtoull(pn, NULL, 10);
	const char *slash = strchr(pn, '/');
	const char *pp = path_of(nm, parent, buf, sizeof(buf));

	snprintf(out, len, "%s%s%s", pp, strcmp(pp, "/") ? "/" : "",
		 slash ? slash + 1 : pn);
}

/* Follow name events. Renames move the inode whose path matched. */
static void names_update(struct names *nm, const struct dt_rec *r,
			 const char *text)
{
	char a[4200], b[4200];

	switch (r->event) {
	case DTFS_EV_CREATE:
	case DTFS_EV_LINK:
		if (r->ino) {
			join(nm, text, a, sizeof(a));
			if (r->event == DTFS_EV_CREATE ||
			    !name_find(nm, r->ino))
				name_set(nm, r->ino, a);
		}
		break;
	case DTFS_EV_RENAME: {
		const char *arrow = strstr(text, " -> ");
		char src[4200];

		if (!arrow)
			break;
		snprintf(src, sizeof(src), "%.*s", (int)(arrow - text), text);
		join(nm, src, a, sizeof(a));
		join(nm, arrow + 4, b, sizeof(b));
		for (size_t i = 0; i < nm->n; i++) {
			size_t al = strlen(a);

			if (!strcmp(nm->v[i].path, a)) {
				free(nm->v[i].path);
				nm->v[i].path = strdup(b);
			} else if (!strncmp(nm->v[i].path, a, al) &&
				   nm->v[i].path[al] == '/') {
				char np[8400];

				snprintf(np, sizeof(np), "%s%s", b,
					 nm->v[i].path + al);
				free(nm->v[i].path);
				nm->v[i].path = strdup(np);
			}
		}
		break;
	}
	}
}

static void names_free(struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i].path);
	free(nm->v);
}

struct filt {
	const char *file;
	int64_t page;
	int event;
	uint64_t since, until;
};

static int open_log(const char *path, struct dt_log_reader **rd)
{
	char err[4300];
	int ret = dt_log_reader_open(path, rd, err, sizeof(err));

	if (ret)
		fprintf(stderr, "%s: %s\n", prog, err);
	return ret;
}

/* Damage skipped inside the log and a torn tail, one line each on stderr.
 * Returns 1 if records were damaged (not just a torn tail). */
static int report_tail(struct dt_log_reader *rd, const char *path, int st)
{
	uint64_t first, skipped = dt_log_reader_skipped(rd, &first);

	if (skipped)
		fprintf(stderr,
			"%s: %s: %" PRIu64 " damaged bytes skipped (the first "
			"at byte %" PRIu64
			"); reading went on at the next good "
			"record\n",
			prog, path, skipped, first);
	if (st == DT_READ_TORN)
		fprintf(stderr,
			"%s: %s: torn or garbage tail at byte %" PRIu64
			" skipped\n",
			prog, path, dt_log_reader_offset(rd));
	return skipped != 0;
}

static int match(struct names *nm, const struct filt *f, const struct dt_rec *r)
{
	char buf[64];

	if (f->event >= 0 && r->event != f->event)
		return 0;
	if (f->since && r->ts < f->since)
		return 0;
	if (f->until && r->ts > f->until)
		return 0;
	if (f->page >= 0 &&
	    ((uint64_t)f->page < r->first || (uint64_t)f->page > r->last ||
	     r->event >= DTFS_EV_CREATE))
		return 0;
	if (f->file) {
		char *end;
		uint64_t ino = strtoull(f->file, &end, 10);

		if (*end == 0 && end != f->file)
			return r->ino == ino;
		return r->ino &&
		       !strcmp(path_of(nm, r->ino, buf, sizeof(buf)), f->file);
	}
	return 1;
}

static void fmt_range(const struct dt_rec *r, char *out, size_t len)
{
	if (r->event >= DTFS_EV_CREATE)
		snprintf(out, len, "-");
	else if (r->last == UINT64_MAX)
		snprintf(out, len, "%" PRIu64 "-", r->first);
	else if (r->first == r->last)
		snprintf(out, len, "%" PRIu64, r->first);
	else
		snprintf(out, len, "%" PRIu64 "-%" PRIu64, r->first, r->last);
}

/* dtfs-trace learns names by walking the tree, so a file's name may come
 * after its first events: in its logs, every name is read first. */
static void observer_names(const char *path, struct dt_log_reader *rd,
			   struct names *nm)
{
	static char text[DT_REC_MAX];
	struct dt_log_reader *r2;
	struct dt_rec r;

	if (!(dt_log_reader_hdr(rd)->flags & DT_LOGF_OBSERVER) ||
	    open_log(path, &r2))
		return;
	while (dt_log_read(r2, &r, text) == DT_READ_OK)
		if (r.event >= DTFS_EV_CREATE && r.event <= DTFS_EV_RENAME)
			names_update(nm, &r, text);
	dt_log_reader_close(r2);
}

static int cmd_show(const char *path, const struct filt *f, int json)
{
	struct dt_log_reader *rd;
	struct names nm = {0};
	struct dt_rec r;
	char text[DT_REC_MAX], buf[64], range[64], comm[17];
	uint64_t t0;
	int st;

	if (open_log(path, &rd))
		return 2;
	observer_names(path, rd, &nm);
	t0 = dt_log_reader_hdr(rd)->start_mono_ns;
	if (!json) {
		const struct dt_log_hdr *h = dt_log_reader_hdr(rd);
		char miss[400];

		printf("# dirty log %s (format %u): tracer %s%s%s%s\n", path,
		       h->version,
		       h->flags & DT_LOGF_TRACER
			       ? "on (write-notify observed)"
			       : "off (write-notify inferred, not observed)",
		       h->flags & DT_LOGF_OBSERVER
			       ? "; written by dtfs-trace (observer)"
			       : "",
		       h->tracer_missing ? "; " : "",
		       dt_tracer_missing_text(h->tracer_missing, miss,
					      sizeof(miss)));
	}
	while ((st = dt_log_read(rd, &r, text)) == DT_READ_OK) {
		names_update(&nm, &r, text);
		if (!match(&nm, f, &r))
			continue;
		snprintf(comm, sizeof(comm), "%.16s", r.comm);
		fmt_range(&r, range, sizeof(range));
		if (json) {
			printf("{\"seq\":%" PRIu64 ",\"ts\":%" PRIu64
			       ",\"source\":\"%s\",\"event\":\"%s\",\"ino\":"
			       "%" PRIu64 ",\"file\":",
			       r.seq, r.ts, dt_source_name(r.source),
			       ev_str(r.event), r.ino);
			dt_json_str(stdout, r.ino ? path_of(&nm, r.ino, buf,
							    sizeof(buf))
						  : "");
			printf(",\"first\":%" PRIu64 ",\"last\":%" PRIu64
			       ",\"aux\":%" PRIu64
			       ",\"class\":\"%s\",\"pid\":%u,\"comm\":",
			       r.first, r.last, r.aux, cls_str(r.cls), r.pid);
			dt_json_str(stdout, comm);
			printf(",\"text\":");
			dt_json_str(stdout, text);
			printf("}\n");
		} else {
			printf("%8" PRIu64
			       " %12.6f %-6s %-14s %-20s pages %-12s",
			       r.seq,
			       r.ts >= t0 ? (double)(r.ts - t0) / 1e9
					  : -(double)(t0 - r.ts) / 1e9,
			       dt_source_name(r.source), ev_str(r.event),
			       r.ino ? path_of(&nm, r.ino, buf, sizeof(buf))
				     : "-",
			       range);
			if (r.cls)
				printf(" class=%s", cls_str(r.cls));
			if (r.pid)
				printf(" task=%u/%s", r.pid, comm);
			if (r.aux && r.event == DTFS_EV_VIOL_NO_NOTIFY)
				printf(" dirty=#%" PRIu64, r.aux);
			if (r.aux && r.event == DTFS_EV_VIOL_NO_BUFFERS)
				printf(" root-cause=#%" PRIu64, r.aux);
			if (text[0])
				printf(" %s", text);
			printf("\n");
		}
	}
	report_tail(rd, path, st);
	names_free(&nm);
	dt_log_reader_close(rd);
	return 0;
}

/* ---- check ---- */

/* A model that believes what the log's writer observed. */
static struct dt_pages *replay_model(struct dt_log_reader *rd)
{
	struct dt_pages *m = dt_pages_new();

	if (!m) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(2);
	}
	dt_pages_observe(m, dt_pages_observed_by(dt_log_reader_hdr(rd)));
	return m;
}

struct viol {
	unsigned int ev;
	uint64_t ino, index, seq;
	char why[200];
};

struct check {
	struct viol *v;
	size_t n, cap;
	uint64_t cur_seq;
};

static void on_viol(void *ctx, unsigned int ev, uint64_t ino, uint64_t index,
		    const char *why)
{
	struct check *c = ctx;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct viol *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].ev = ev;
	c->v[c->n].ino = ino;
	c->v[c->n].index = index;
	c->v[c->n].seq = c->cur_seq;
	snprintf(c->v[c->n].why, sizeof(c->v[c->n].why), "%s", why);
	c->n++;
}

static int cmd_check(const char *path)
{
	struct dt_log_reader *rd;
	struct check c = {0};
	struct names nm = {0};
	struct dt_pages *m;
	struct dt_rec r;
	char text[DT_REC_MAX], buf[64];
	uint64_t nrec = 0, logged = 0, bad = 0;
	size_t shown = 0;
	int st, damaged;

	if (open_log(path, &rd))
		return 2;
	m = replay_model(rd);
	dt_pages_set_violation_cb(m, on_viol, &c);
	while ((st = dt_log_read(rd, &r, text)) == DT_READ_OK) {
		nrec++;
		c.cur_seq = r.seq;
		if (r.event == DTFS_EV_VIOL_NO_NOTIFY ||
		    r.event == DTFS_EV_VIOL_NO_BUFFERS)
			logged++;
		if (dt_pages_replay(m, &r, text))
			bad++;
	}
	damaged = report_tail(rd, path, st);
	if (bad)
		printf("%s: %" PRIu64 " records with page ranges dtfs never "
		       "logs were not replayed (a damaged or forged log)\n",
		       path, bad);
	dt_log_reader_close(rd);
	dt_pages_free(m);
	printf("%s: %" PRIu64
	       " records, %zu violations found on replay, %" PRIu64
	       " logged live\n",
	       path, nrec, c.n, logged);
	if (!c.n) {
		free(c.v);
		return damaged ? 1 : 0; /* damaged: the replay cannot vouch */
	}
	/* second pass: each violating page's history (names too) */
	if (open_log(path, &rd) == 0) {
		struct {
			struct dt_rec r;
			char text[160];
		} *hist = calloc(16, sizeof(*hist));
		size_t vi = 0;

		observer_names(path, rd, &nm);

		while (hist && vi < c.n && shown < 20 &&
		       dt_log_read(rd, &r, text) == DT_READ_OK) {
			names_update(&nm, &r, text);
			/* the history of the page of violation vi */
			if (r.seq <= c.v[vi].seq && r.ino == c.v[vi].ino &&
			    r.event < DTFS_EV_CREATE &&
			    c.v[vi].index >= r.first &&
			    c.v[vi].index <= r.last) {
				memmove(&hist[0], &hist[1], 15 * sizeof(*hist));
				hist[15].r = r;
				snprintf(hist[15].text, sizeof(hist[15].text),
					 "%.150s", text);
			}
			while (vi < c.n && r.seq >= c.v[vi].seq) {
				struct viol *v = &c.v[vi];

				printf("\n%s at #%" PRIu64 ": %s page %" PRIu64
				       ": %s\n  history of the page:\n",
				       v->ev == DTFS_EV_VIOL_NO_NOTIFY
					       ? "ROOT CAUSE (dirtied without "
						 "write-notify)"
					       : "SYMPTOM (dirty page without "
						 "buffers)",
				       v->seq,
				       path_of(&nm, v->ino, buf, sizeof(buf)),
				       v->index, v->why);
				for (int i = 0; i < 16; i++) {
					if (!hist[i].r.seq)
						continue;
					printf("    #%-8" PRIu64
					       " %-6s %-12s%s%s %s\n",
					       hist[i].r.seq,
					       dt_source_name(hist[i].r.source),
					       ev_str(hist[i].r.event),
					       hist[i].r.cls ? " class=" : "",
					       hist[i].r.cls
						       ? cls_str(hist[i].r.cls)
						       : "",
					       hist[i].text);
				}
				memset(hist, 0, 16 * sizeof(*hist));
				vi++;
				shown++;
			}
		}
		if (c.n > shown)
			printf("\n... and %zu more violations\n", c.n - shown);
		free(hist);
		dt_log_reader_close(rd);
	}
	names_free(&nm);
	free(c.v);
	return 1;
}

/* ---- diff ---- */

struct pagekey {
	char *key; /* "path\tpage" */
	char *seq; /* normalised event sequence, space-separated */
	size_t len, cap;
};

struct pagemap {
	struct pagekey *v;
	size_t n, cap;
	struct pagekey **hash;
	size_t hcap;
};

static size_t strhash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static struct pagekey *pm_get(struct pagemap *pm, const char *key)
{
	size_t h;

	if (pm->n * 2 >= pm->hcap) {
		size_t nc = pm->hcap ? pm->hcap * 2 : 4096;
		struct pagekey **nh = calloc(nc, sizeof(*nh));

		if (!nh)
			return NULL;
		free(pm->hash);
		pm->hash = nh;
		pm->hcap = nc;
		for (size_t i = 0; i < pm->n; i++) {
			size_t j = strhash(pm->v[i].key) & (nc - 1);

			while (pm->hash[j])
				j = (j + 1) & (nc - 1);
			pm->hash[j] = &pm->v[i];
		}
	}
	h = strhash(key) & (pm->hcap - 1);
	while (pm->hash[h]) {
		if (!strcmp(pm->hash[h]->key, key))
			return pm->hash[h];
		h = (h + 1) & (pm->hcap - 1);
	}
	if (pm->n == pm->cap) {
		size_t cap = pm->cap ? pm->cap * 2 : 1024;
		struct pagekey *v = realloc(pm->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		pm->v = v;
		pm->cap = cap;
		/* rebuild the index: the array moved */
		memset(pm->hash, 0, pm->hcap * sizeof(*pm->hash));
		for (size_t i = 0; i < pm->n; i++) {
			size_t j = strhash(pm->v[i].key) & (pm->hcap - 1);

			while (pm->hash[j])
				j = (j + 1) & (pm->hcap - 1);
			pm->hash[j] = &pm->v[i];
		}
		h = strhash(key) & (pm->hcap - 1);
		while (pm->hash[h])
			h = (h + 1) & (pm->hcap - 1);
	}
	memset(&pm->v[pm->n], 0, sizeof(pm->v[0]));
	pm->v[pm->n].key = strdup(key);
	pm->hash[h] = &pm->v[pm->n];
	return &pm->v[pm->n++];
}

static void pk_append(struct pagekey *k, const char *tok)
{
	size_t tl = strlen(tok);

	if (k->len + tl + 2 > k->cap) {
		size_t cap = (k->cap ? k->cap * 2 : 64) + tl;
		char *s = realloc(k->seq, cap);

		if (!s)
			return;
		k->seq = s;
		k->cap = cap;
	}
	if (k->len)
		k->seq[k->len++] = ' ';
	memcpy(k->seq + k->len, tok, tl + 1);
	k->len += tl;
}

/* events whose timing the kernel decides are left out unless --all */
static int diff_event(const struct dt_rec *r, int all)
{
	switch (r->event) {
	case DTFS_EV_WRITE:
	case DTFS_EV_WRITEPAGE:
	case DTFS_EV_DIO_WRITE:
	case DTFS_EV_TRUNCATE:
	case DTFS_EV_PUNCH:
	case DTFS_EV_DIRTY:
	case DTFS_EV_VIOL_NO_NOTIFY:
	case DTFS_EV_VIOL_NO_BUFFERS:
	case DTFS_EV_REFUSED:
		return 1;
	case DTFS_EV_READ:
	case DTFS_EV_CACHE_ADD:
	case DTFS_EV_CACHE_DEL:
	case DTFS_EV_FAULT:
	case DTFS_EV_MAP_PAGES:
		return all;
	}
	return 0;
}

static int load_pages(const char *path, struct pagemap *pm, int all)
{
	struct dt_log_reader *rd;
	struct names nm = {0};
	struct dt_rec r;
	char text[DT_REC_MAX], buf[64], key[4300], tok[64];
	int st;

	if (open_log(path, &rd))
		return -1;
	while ((st = dt_log_read(rd, &r, text)) == DT_READ_OK) {
		uint64_t last;

		names_update(&nm, &r, text);
		if (!diff_event(&r, all) || !r.ino)
			continue;
		last = r.last;
		if (last - r.first > 4096) /* open-ended truncate: its start */
			last = r.first;
		if (r.event == DTFS_EV_DIRTY)
			snprintf(tok, sizeof(tok), "dirty:%s", cls_str(r.cls));
		else
			snprintf(tok, sizeof(tok), "%s", ev_str(r.event));
		for (uint64_t p = r.first; p <= last; p++) {
			struct pagekey *k;

			snprintf(key, sizeof(key), "%s\tpage %" PRIu64,
				 path_of(&nm, r.ino, buf, sizeof(buf)), p);
			k = pm_get(pm, key);
			if (k)
				pk_append(k, tok);
		}
	}
	report_tail(rd, path, st);
	dt_log_reader_close(rd);
	names_free(&nm);
	return 0;
}

static void pm_free(struct pagemap *pm)
{
	for (size_t i = 0; i < pm->n; i++) {
		free(pm->v[i].key);
		free(pm->v[i].seq);
	}
	free(pm->v);
	free(pm->hash);
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct pagekey *)a)->key,
		      ((const struct pagekey *)b)->key);
}

/* the first differing token of two sequences */
static void first_divergence(const char *a, const char *b)
{
	size_t i = 0, tok = 0;

	while (a[i] && a[i] == b[i]) {
		if (a[i] == ' ')
			tok++;
		i++;
	}
	while (i && a[i - 1] != ' ')
		i--;
	printf("    at event %zu: A: %.60s%s\n", tok + 1, a + i,
	       strlen(a + i) > 60 ? "..." : "");
	printf("    %*s  B: %.60s%s\n",
	       (int)(snprintf(NULL, 0, "%zu", tok + 1) + 9), "", b + i,
	       strlen(b + i) > 60 ? "..." : "");
}

static int cmd_diff(const char *a, const char *b, int all, int max)
{
	struct pagemap pa = {0}, pb = {0};
	size_t i = 0, j = 0, ndiff = 0;

	if (load_pages(a, &pa, all) || load_pages(b, &pb, all)) {
		pm_free(&pa);
		pm_free(&pb);
		return 2;
	}
	qsort(pa.v, pa.n, sizeof(*pa.v), cmp_key);
	qsort(pb.v, pb.n, sizeof(*pb.v), cmp_key);
	while (i < pa.n || j < pb.n) {
		int c = i >= pa.n   ? 1
			: j >= pb.n ? -1
				    : strcmp(pa.v[i].key, pb.v[j].key);

		if (c == 0) {
			if (strcmp(pa.v[i].seq ? pa.v[i].seq : "",
				   pb.v[j].seq ? pb.v[j].seq : "")) {
				if ((int)ndiff < max) {
					printf("%s\n", pa.v[i].key);
					first_divergence(pa.v[i].seq ?: "",
							 pb.v[j].seq ?: "");
				}
				ndiff++;
			}
			i++;
			j++;
		} else if (c < 0) {
			if ((int)ndiff < max)
				printf("%s\n    only in A: %.60s\n",
				       pa.v[i].key, pa.v[i].seq ?: "");
			ndiff++;
			i++;
		} else {
			if ((int)ndiff < max)
				printf("%s\n    only in B: %.60s\n",
				       pb.v[j].key, pb.v[j].seq ?: "");
			ndiff++;
			j++;
		}
	}
	printf("%zu pages in A, %zu in B, %zu differ\n", pa.n, pb.n, ndiff);
	pm_free(&pa);
	pm_free(&pb);
	return ndiff ? 1 : 0;
}

/* ---- stats ---- */

static int cmd_stats(const char *path)
{
	struct dt_log_reader *rd;
	struct names nm = {0};
	struct dt_rec r;
	char text[DT_REC_MAX], buf[64];
	uint64_t by_ev[128] = {0}, by_cls[DTFS_CLS_COUNT] = {0}, n = 0;
	uint64_t t_first = 0, t_last = 0, bytes = DT_LOG_HDR_SIZE;
	struct {
		uint64_t ino, n;
	} files[64];
	size_t nf = 0;
	int st;

	if (open_log(path, &rd))
		return 2;
	while ((st = dt_log_read(rd, &r, text)) == DT_READ_OK) {
		names_update(&nm, &r, text);
		n++;
		bytes += r.len;
		if (!t_first || r.ts < t_first)
			t_first = r.ts;
		if (r.ts > t_last)
			t_last = r.ts;
		if (r.event < 128)
			by_ev[r.event]++;
		if (r.event == DTFS_EV_DIRTY && r.cls < DTFS_CLS_COUNT)
			by_cls[r.cls]++;
		if (r.ino && r.event < DTFS_EV_CREATE) {
			size_t k;

			for (k = 0; k < nf && files[k].ino != r.ino; k++)
				;
			if (k == nf && nf < 64)
				files[nf++] = (typeof(files[0])){r.ino, 0};
			if (k < nf)
				files[k].n++;
		}
	}
	report_tail(rd, path, st);
	dt_log_reader_close(rd);
	{
		double secs =
			t_last > t_first ? (double)(t_last - t_first) / 1e9 : 0;

		printf("%s: %" PRIu64 " records over %.3f s (%.0f/s), %" PRIu64
		       " bytes, %.1f bytes/record\n",
		       path, n, secs, secs ? (double)n / secs : 0.0, bytes,
		       n ? (double)(bytes - DT_LOG_HDR_SIZE) / (double)n : 0.0);
	}
	printf("\nby event:\n");
	for (int e = 0; e < 128; e++)
		if (by_ev[e])
			printf("  %-40s %10" PRIu64 "\n", ev_str(e), by_ev[e]);
	printf("\ndirtyings by class:\n");
	for (int c = 1; c < DTFS_CLS_COUNT; c++)
		printf("  %-20s %10" PRIu64 "%s\n", cls_str(c), by_cls[c],
		       dtfs_class_is_bypass(c) ? "  (bypass)" : "");
	printf("\nby file (page events):\n");
	for (size_t k = 0; k < nf; k++)
		printf("  %-40s %10" PRIu64 "\n",
		       path_of(&nm, files[k].ino, buf, sizeof(buf)),
		       files[k].n);
	names_free(&nm);
	return 0;
}

/* ---- timeline ---- */

struct span {
	uint64_t page, t0, t1;
	unsigned int flags;
};

struct tl {
	struct span *v;
	size_t n, cap;
	/* open state per page: index into open[] */
	struct {
		uint64_t page, t0;
		unsigned int flags;
	} open[4096];
	size_t nopen;
	struct {
		uint64_t page, t;
		int root;
	} marks[1024];
	size_t nmarks;
};

static void tl_push(struct tl *t, uint64_t page, uint64_t t0, uint64_t t1,
		    unsigned int flags)
{
	if (!flags || t1 <= t0)
		return;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct span *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct span){page, t0, t1, flags};
}

struct tlctx {
	struct tl *t;
	uint64_t now;
	uint64_t ino;
	int seen[4096];
};

static void tl_visit(void *ctx, uint64_t index, unsigned int flags)
{
	struct tlctx *c = ctx;
	struct tl *t = c->t;
	size_t k;

	for (k = 0; k < t->nopen && t->open[k].page != index; k++)
		;
	if (k < sizeof(c->seen) / sizeof(c->seen[0]))
		c->seen[k] = 1;
	if (k == t->nopen) {
		if (t->nopen == 4096)
			return;
		t->open[t->nopen].page = index;
		t->open[t->nopen].t0 = c->now;
		t->open[t->nopen].flags = flags;
		c->seen[t->nopen] = 1;
		t->nopen++;
		return;
	}
	if (t->open[k].flags != flags) {
		tl_push(t, index, t->open[k].t0, c->now, t->open[k].flags);
		t->open[k].t0 = c->now;
		t->open[k].flags = flags;
	}
}

static void on_tl_viol(void *ctx, unsigned int ev, uint64_t ino, uint64_t index,
		       const char *why)
{
	struct tlctx *c = ctx;

	(void)why;
	if (ino != c->ino || c->t->nmarks >= 1024)
		return;
	c->t->marks[c->t->nmarks].page = index;
	c->t->marks[c->t->nmarks].t = c->now;
	c->t->marks[c->t->nmarks].root = ev == DTFS_EV_VIOL_NO_NOTIFY;
	c->t->nmarks++;
}

static const char *tl_color(unsigned int f)
{
	if (f & DT_PG_WRITEBACK)
		return "#3b6fd8"; /* under writeback */
	if ((f & DT_PG_DIRTY) && !(f & DT_PG_BUFFERS))
		return "#d62728"; /* dirty without buffers */
	if (f & DT_PG_DIRTY)
		return "#2ca02c"; /* dirty with buffers */
	if (f & DT_PG_BUFFERS)
		return "#98df8a"; /* clean with buffers */
	return "#c7c7c7"; /* resident, clean */
}

static int cmd_timeline(const char *file, const char *path, const char *out)
{
	struct dt_log_reader *rd;
	struct names nm = {0};
	struct dt_pages *m;
	struct dt_rec r;
	struct tl *t = calloc(1, sizeof(*t));
	struct tlctx c = {.t = t};
	char text[DT_REC_MAX], buf[64];
	uint64_t t_first = 0, t_last = 0, maxpage = 0;
	FILE *f;
	int st;

	if (!t || open_log(path, &rd)) {
		free(t);
		return 2;
	}
	m = replay_model(rd);
	dt_pages_set_violation_cb(m, on_tl_viol, &c);
	while ((st = dt_log_read(rd, &r, text)) == DT_READ_OK) {
		char *end;
		uint64_t want = strtoull(file, &end, 10);

		names_update(&nm, &r, text);
		if (!c.ino) {
			if (*end == 0 && end != file)
				c.ino = want;
			else if (r.ino &&
				 !strcmp(path_of(&nm, r.ino, buf, sizeof(buf)),
					 file))
				c.ino = r.ino;
		}
		if (!t_first)
			t_first = r.ts;
		if (r.ts > t_last)
			t_last = r.ts;
		c.now = r.ts;
		(void)dt_pages_replay(m, &r, text); /* a bad range: skipped */
		if (!c.ino || r.ino != c.ino)
			continue;
		memset(c.seen, 0, sizeof(c.seen));
		dt_pages_each(m, c.ino, tl_visit, &c);
		/* pages that have no state any more close their span */
		for (size_t k = 0; k < t->nopen;) {
			if (!c.seen[k]) {
				tl_push(t, t->open[k].page, t->open[k].t0,
					c.now, t->open[k].flags);
				t->open[k] = t->open[--t->nopen];
				c.seen[k] = c.seen[t->nopen];
			} else {
				k++;
			}
		}
	}
	report_tail(rd, path, st);
	dt_log_reader_close(rd);
	dt_pages_free(m);
	for (size_t k = 0; k < t->nopen; k++)
		tl_push(t, t->open[k].page, t->open[k].t0, t_last,
			t->open[k].flags);
	if (!c.ino) {
		fprintf(stderr, "%s: %s: no such file in %s\n", prog, file,
			path);
		names_free(&nm);
		free(t->v);
		free(t);
		return 2;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].page > maxpage)
			maxpage = t->v[i].page;
	f = out ? fopen(out, "w") : stdout;
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, out, strerror(errno));
		return 2;
	}
	{
		double W = 1000, H = 40 + 12.0 * (double)(maxpage + 1), L = 70;
		double span = t_last > t_first ? (double)(t_last - t_first) : 1;

		if (H > 4000)
			H = 4000;
		fprintf(f,
			"<svg xmlns=\"http://www.w3.org/2000/svg\" "
			"width=\"%.0f\" height=\"%.0f\" "
			"font-family=\"monospace\" font-size=\"11\">\n",
			W + L + 20, H + 90);
		fprintf(f,
			"<text x=\"10\" y=\"16\">dtfs page states of %s (ino "
			"%" PRIu64 ") over %.3f s</text>\n",
			file, c.ino, span / 1e9);
		for (size_t i = 0; i < t->n; i++) {
			struct span *s = &t->v[i];
			double x = L + W * (double)(s->t0 - t_first) / span;
			double w = W * (double)(s->t1 - s->t0) / span;
			double y = 30 + (H - 40) * (double)s->page /
						(double)(maxpage + 1);
			double h = (H - 40) / (double)(maxpage + 1);

			fprintf(f,
				"<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
				"height=\"%.2f\" fill=\"%s\"><title>page "
				"%" PRIu64 " %s%s%s%s</title></rect>\n",
				x, y, w < 0.5 ? 0.5 : w, h > 1 ? h - 0.5 : h,
				tl_color(s->flags), s->page,
				s->flags & DT_PG_DIRTY ? "dirty " : "",
				s->flags & DT_PG_BUFFERS ? "buffers " : "",
				s->flags & DT_PG_WRITEBACK ? "writeback " : "",
				s->flags & DT_PG_RESIDENT ? "resident" : "");
		}
		for (size_t i = 0; i < t->nmarks; i++) {
			double x = L +
				   W * (double)(t->marks[i].t - t_first) / span;
			double y = 30 +
				   (H - 40) * ((double)t->marks[i].page + 0.5) /
					   (double)(maxpage + 1);

			fprintf(f,
				"<text x=\"%.2f\" y=\"%.2f\" fill=\"#000\" "
				"font-size=\"14\" "
				"text-anchor=\"middle\">%s<title>%s page "
				"%" PRIu64 "</title></text>\n",
				x, y + 5,
				t->marks[i].root ? "&#x2716;" : "&#x25B2;",
				t->marks[i].root
					? "dirtied without write-notify"
					: "writepage without buffers",
				t->marks[i].page);
		}
		for (uint64_t p = 0; p <= maxpage && maxpage < 64; p++)
			fprintf(f,
				"<text x=\"5\" y=\"%.2f\">page %" PRIu64
				"</text>\n",
				30 + (H - 40) * ((double)p + 0.7) /
						(double)(maxpage + 1),
				p);
		{
			static const struct {
				unsigned int f;
				const char *label;
			} legend[] = {
				{DT_PG_RESIDENT, "resident, clean"},
				{DT_PG_BUFFERS, "clean, buffers"},
				{DT_PG_DIRTY | DT_PG_BUFFERS, "dirty, buffers"},
				{DT_PG_DIRTY, "dirty WITHOUT buffers"},
				{DT_PG_WRITEBACK, "under writeback"},
			};
			for (int i = 0; i < 5; i++) {
				fprintf(f,
					"<rect x=\"%d\" y=\"%.0f\" "
					"width=\"12\" height=\"12\" "
					"fill=\"%s\"/><text x=\"%d\" "
					"y=\"%.0f\">%s</text>\n",
					10 + i * 190, H + 20,
					tl_color(legend[i].f), 26 + i * 190,
					H + 30, legend[i].label);
			}
			fprintf(f,
				"<text x=\"10\" y=\"%.0f\">&#x2716; dirtied "
				"without write-notify   &#x25B2; writepage "
				"without buffers   time runs left to "
				"right</text>\n",
				H + 55);
		}
		fprintf(f, "</svg>\n");
	}
	if (out)
		fclose(f);
	names_free(&nm);
	free(t->v);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"file", 1, NULL, 'f'},	 {"page", 1, NULL, 'p'},
		{"event", 1, NULL, 'e'}, {"since", 1, NULL, 's'},
		{"until", 1, NULL, 'u'}, {"all", 0, NULL, 'a'},
		{"max", 1, NULL, 'm'},	 {"output", 1, NULL, 'o'},
		{"help", 0, NULL, 'h'},	 {NULL, 0, NULL, 0}};
	struct filt f = {.page = -1, .event = -1};
	const char *cmd, *out = NULL;
	int all = 0, max = 20, c;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "f:p:e:s:u:am:o:h", lo, NULL)) !=
	       -1) {
		char *end;

		switch (c) {
		case 'f':
			f.file = optarg;
			break;
		case 'p':
			f.page = strtoll(optarg, &end, 10);
			if (*end || f.page < 0) {
				fprintf(stderr, "%s: bad page '%s'\n", prog,
					optarg);
				return 2;
			}
			break;
		case 'e':
			f.event = dtfs_by_name(dtfs_event_name, DTFS_EV_LIMIT,
					       optarg);
			if (f.event < 0) {
				fprintf(stderr, "%s: unknown event '%s'\n",
					prog, optarg);
				return 2;
			}
			break;
		case 's':
		case 'u': {
			uint64_t v = strtoull(optarg, &end, 10);

			if (*end) {
				fprintf(stderr, "%s: bad time '%s' (ns)\n",
					prog, optarg);
				return 2;
			}
			if (c == 's')
				f.since = v;
			else
				f.until = v;
			break;
		}
		case 'a':
			all = 1;
			break;
		case 'm':
			max = atoi(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if ((!strcmp(cmd, "show") || !strcmp(cmd, "json")) && argc == 1)
		return cmd_show(argv[0], &f, cmd[0] == 'j');
	if (!strcmp(cmd, "check") && argc == 1)
		return cmd_check(argv[0]);
	if (!strcmp(cmd, "diff") && argc == 2)
		return cmd_diff(argv[0], argv[1], all, max);
	if (!strcmp(cmd, "stats") && argc == 1)
		return cmd_stats(argv[0]);
	if (!strcmp(cmd, "timeline") && argc == 2)
		return cmd_timeline(argv[0], argv[1], out);
	fprintf(stderr, "%s: bad command line (see --help)\n", prog);
	return 2;
}
