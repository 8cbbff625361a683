// SPDX-License-Identifier: GPL-2.0
/*
 * dtfs-pin's report: a kselftest-style TAP line per run, then the matrix
 * (pin method x cleaner or variant), how often repeated runs agreed, and
 * the totals; or the same as one JSON document.
 */
#include <stdio.h>
#include <string.h>
#include "dtfs/dirtylog.h"
#include "pin.h"

static void verdict_set(unsigned int mask, char *buf, size_t n)
{
	buf[0] = 0;
	for (int v = 0; v < V_MAX; v++)
		if (mask & VB(v))
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s",
				 buf[0] ? "|" : "", verdict_name(v));
}

/* "ext4:odirect-ext/msync"; dtfs's rows keep their names */
static const char *result_name(const struct result *x, char *buf, size_t n)
{
	char name[128];

	scenario_name(x->sc, name, sizeof(name));
	if (x->fs && strcmp(x->fs, "dtfs"))
		snprintf(buf, n, "%s:%s", x->fs, name);
	else
		snprintf(buf, n, "%s", name);
	return buf;
}

void report_begin(const struct report *r, int total)
{
	if (r->json)
		return;
	printf("TAP version 13\n1..%d\n", total);
	if (r->fslist) {
		printf("# dtfs-pin on Linux %s %s; filesystems %s; "
		       "expectations: %s\n",
		       r->kernel, r->machine, r->fslist, r->expect_src);
		fflush(stdout);
		return;
	}
	printf("# dtfs-pin on Linux %s %s; mount %s%s; expectations: %s\n",
	       r->kernel, r->machine, ctx.mnt, ctx.own_mount ? " (fresh)" : "",
	       r->expect_src);
	printf("# dirty log: %s\n", ctx.log[0] ? ctx.log : "(unknown)");
	fflush(stdout);
}

void report_result(const struct report *r, const struct result *x, int k)
{
	char name[128], rep[32] = "", ex[128];

	if (r->json)
		return;
	result_name(x, name, sizeof(name));
	if (r->repeat > 1)
		snprintf(rep, sizeof(rep), " [%d/%d]", x->run, r->repeat);
	if (x->verdict == V_SKIP)
		printf("ok %d %s%s # SKIP %s\n", k, name, rep, x->detail);
	else
		printf("%sok %d %s%s # %s %s%s\n", x->expected_ok ? "" : "not ",
		       k, name, rep, verdict_name(x->verdict),
		       x->permitted ? "(permitted by POSIX) " : "", x->detail);
	if (!x->expected_ok && x->verdict != V_SKIP) {
		verdict_set(x->expected, ex, sizeof(ex));
		printf("#   expected %s\n",
		       ex[0] ? ex
			     : "no CORRUPT, DEADLOCK, KERNEL_WARN or ERROR "
			       "(no expectation for this kernel)");
	}
	fflush(stdout);
}

static void json_result(const struct result *x, int first)
{
	const struct evidence *e = &x->ev;
	char name[128], ex[128];

	scenario_name(x->sc, name, sizeof(name));
	verdict_set(x->expected, ex, sizeof(ex));
	printf("%s\n{\"name\":", first ? "" : ",");
	dt_json_str(stdout, name);
	printf(",\"fs\":");
	dt_json_str(stdout, x->fs ? x->fs : "dtfs");
	printf(",\"method\":");
	dt_json_str(stdout, x->sc->method);
	printf(",\"cleaner\":");
	dt_json_str(stdout, strchr(name, '/') + 1);
	printf(",\"run\":%d,\"verdict\":\"%s\",\"expected\":\"%s\","
	       "\"permitted\":%s,\"racy\":%s,\"ok\":%s,\"errno\":%d,"
	       "\"errno_name\":",
	       x->run, verdict_name(x->verdict), ex,
	       x->permitted ? "true" : "false",
	       x->sc->flags & S_RACY ? "true" : "false",
	       x->expected_ok || x->verdict == V_SKIP ? "true" : "false",
	       x->err);
	dt_json_str(stdout, x->err ? strerrorname_np(x->err) ?: "" : "");
	printf(",\"detail\":");
	dt_json_str(stdout, x->detail);
	printf(",\"meaning\":");
	dt_json_str(stdout, x->sc->meaning ? x->sc->meaning : "");
	printf(",\"seconds\":%.3f,\"evidence\":{"
	       "\"violations_no_notify\":%llu,"
	       "\"violations_no_buffers\":%llu,"
	       "\"write_notify\":%llu,"
	       "\"bypass_dirtyings\":%llu,"
	       "\"root_cause_seq\":%llu,"
	       "\"root_cause_class\":\"%s\","
	       "\"symptom_seq\":%llu,"
	       "\"symptom_root_cause_seq\":%llu,"
	       "\"log_read\":%s}}",
	       x->secs, (unsigned long long)e->viol_nn,
	       (unsigned long long)e->viol_nb, (unsigned long long)e->notify,
	       (unsigned long long)e->bypass, (unsigned long long)e->root_seq,
	       e->root_seq ? dtfs_class_name((unsigned int)e->root_cls) ?: "?"
			   : "",
	       (unsigned long long)e->symptom_seq,
	       (unsigned long long)e->symptom_root,
	       e->log_read ? "true" : "false");
}

static const char *cell_name(int v)
{
	static const char *const ab[V_MAX] = {
		[V_SAFE] = "SAFE",
		[V_REFUSED] = "REFUSED",
		[V_DIRTY_WITHOUT_NOTIFY] = "DIRTY-NN",
		[V_LOST_WRITE] = "LOST",
		[V_STALE] = "STALE",
		[V_DEADLOCK] = "DEADLOCK",
		[V_CORRUPT] = "CORRUPT",
		[V_KERNEL_WARN] = "KWARN",
		[V_SKIP] = "SKIP",
		[V_ERROR] = "ERROR",
	};

	return v >= 0 && v < V_MAX ? ab[v] : "?";
}

static const char *column_of(const struct scenario *sc)
{
	return sc->variant ? sc->variant : cleaner_name(sc->cleaner);
}

/* rows are pin methods, columns cleaners or variants */
static void matrix(const struct report *r)
{
	const char *rows[64], *cols[64];
	int nr = 0, nc = 0;

	for (int k = 0; k < r->n; k++) {
		const struct scenario *sc = r->res[k].sc;
		int seen = 0;

		for (int j = 0; j < nr; j++)
			seen |= !strcmp(rows[j], sc->method);
		if (!seen && nr < 64)
			rows[nr++] = sc->method;
		seen = 0;
		for (int j = 0; j < nc; j++)
			seen |= !strcmp(cols[j], column_of(sc));
		if (!seen && nc < 64)
			cols[nc++] = column_of(sc);
	}
	printf("#\n# %-18s", "method \\ cleaner");
	for (int j = 0; j < nc; j++)
		printf(" %-11.11s", cols[j]);
	printf("\n");
	for (int ri = 0; ri < nr; ri++) {
		printf("# %-18s", rows[ri]);
		for (int j = 0; j < nc; j++) {
			char cell[32] = "-";
			int first = -1, mixed = 0, bad = 0, perm = 0;

			for (int k = 0; k < r->n; k++) {
				const struct result *x = &r->res[k];

				if (strcmp(x->sc->method, rows[ri]) ||
				    strcmp(column_of(x->sc), cols[j]))
					continue;
				if (first < 0)
					first = x->verdict;
				else if (first != x->verdict)
					mixed = 1;
				perm |= x->permitted;
				bad |= !x->expected_ok && x->verdict != V_SKIP;
			}
			if (first >= 0)
				snprintf(cell, sizeof(cell), "%s%s%s",
					 mixed ? "MIXED" : cell_name(first),
					 perm && !mixed ? "*" : "",
					 bad ? "!" : "");
			printf(" %-11s", cell);
		}
		printf("\n");
	}
	printf("# (DIRTY-NN: DIRTY_WITHOUT_NOTIFY; LOST: LOST_WRITE; *: a "
	       "loss POSIX permits,\n# the range was truncated or punched; "
	       "!: not the expected verdict)\n");
}

/* --fs: rows are scenarios, columns filesystems; a cell whose runs
 * differed shows each verdict's count */
static void fs_matrix(const struct report *r)
{
	const char *fss[8];
	int nf = 0;

	for (int k = 0; k < r->n; k++) {
		int seen = 0;

		for (int j = 0; j < nf; j++)
			seen |= fss[j] == r->res[k].fs;
		if (!seen && nf < 8 && r->res[k].fs)
			fss[nf++] = r->res[k].fs;
	}
	printf("#\n# %-26s", "scenario \\ filesystem");
	for (int j = 0; j < nf; j++)
		printf(" %-13s", fss[j]);
	printf("\n");
	for (size_t i = 0; i < pin_nscenarios; i++) {
		const struct scenario *sc = &pin_scenarios[i];
		char name[128], line[512];
		int any = 0;

		snprintf(line, sizeof(line), "# %-26s",
			 scenario_name(sc, name, sizeof(name)));
		for (int j = 0; j < nf; j++) {
			int count[V_MAX] = {0}, runs = 0, bad = 0, kinds = 0;
			char cell[64] = "-";

			for (int k = 0; k < r->n; k++) {
				const struct result *x = &r->res[k];

				if (x->sc != sc || x->fs != fss[j])
					continue;
				count[x->verdict]++;
				runs++;
				bad |= !x->expected_ok && x->verdict != V_SKIP;
			}
			for (int v = 0; v < V_MAX; v++)
				kinds += count[v] > 0;
			if (runs)
				cell[0] = 0;
			for (int v = 0; v < V_MAX && runs; v++) {
				if (!count[v])
					continue;
				if (kinds > 1)
					snprintf(cell + strlen(cell),
						 sizeof(cell) - strlen(cell),
						 "%s%s%d/%d",
						 cell[0] ? "," : "",
						 cell_name(v), count[v], runs);
				else
					snprintf(cell, sizeof(cell), "%s",
						 cell_name(v));
			}
			if (bad)
				snprintf(cell + strlen(cell),
					 sizeof(cell) - strlen(cell), "!");
			any |= runs > 0;
			snprintf(line + strlen(line),
				 sizeof(line) - strlen(line), " %-13s", cell);
		}
		if (any)
			printf("%s\n", line);
	}
	printf("# (DIRTY-NN: DIRTY_WITHOUT_NOTIFY; LOST: LOST_WRITE; KWARN: "
	       "KERNEL_WARN;\n# -: not run there (needs dtfs's gate or "
	       "eviction); V3/10: racy, as often;\n# !: not the expected "
	       "verdict)\n");
}

/* With --repeat: the rows whose runs did not all agree, with the rates. */
static void agreement(const struct report *r)
{
	for (int k = 0; k < r->n;) {
		const struct scenario *sc = r->res[k].sc;
		const struct result *x0 = &r->res[k];
		int count[V_MAX] = {0}, runs = 0, kinds = 0;
		char name[160];

		for (; k < r->n && r->res[k].sc == sc && r->res[k].fs == x0->fs;
		     k++, runs++)
			count[r->res[k].verdict]++;
		for (int v = 0; v < V_MAX; v++)
			kinds += count[v] > 0;
		if (kinds < 2)
			continue;
		printf("# %s %s:",
		       sc->flags & S_RACY ? "racy" : "NOT REPEATABLE",
		       result_name(x0, name, sizeof(name)));
		for (int v = 0; v < V_MAX; v++)
			if (count[v])
				printf(" %s %d/%d", verdict_name(v), count[v],
				       runs);
		printf("\n");
	}
}

void report_end(const struct report *r, int nfail, int nskip)
{
	int npass = r->n - nfail - nskip;

	if (r->json) {
		printf("{\"kernel\":");
		dt_json_str(stdout, r->kernel);
		printf(",\"mount\":");
		dt_json_str(stdout, r->fslist ? "" : ctx.mnt);
		printf(",\"filesystems\":");
		dt_json_str(stdout, r->fslist ? r->fslist : "dtfs");
		printf(",\"expectations\":");
		dt_json_str(stdout, r->expect_src);
		printf(",\"results\":[");
		for (int k = 0; k < r->n; k++)
			json_result(&r->res[k], k == 0);
		printf("\n],\"passed\":%d,\"failed\":%d,\"skipped\":%d}\n",
		       npass, nfail, nskip);
		return;
	}
	if (r->fslist)
		fs_matrix(r);
	else
		matrix(r);
	if (r->repeat > 1)
		agreement(r);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       npass, nfail, nskip);
}
