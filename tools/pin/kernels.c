// SPDX-License-Identifier: GPL-2.0
/*
 * dtfs-pin --kernel LIST: the matrix on several kernels, one table.
 *
 * For each entry of LIST ("host", or a Debian series such as 6.1 or 6.12)
 * this dtfs-pin runs itself with the other options and --json: directly
 * for "host", in a VM through dtfs-vm(1) otherwise (the guest sees the
 * host's root, so the same binary at the same path runs there). Each run
 * checks its own kernel's expectations (scenarios.c). The runs' results
 * are then put side by side: one row per scenario, one column per kernel,
 * a '*' on the rows whose verdicts differ between kernels and a '!' on a
 * cell that is not its kernel's expected verdict. With --json, one object
 * holds the table and every run's own JSON.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "dtfs/dirtylog.h"
#include "pin.h"

#define MAXK 8
#define MAXS 128

struct krun {
	char name[32]; /* as given: "6.1", "host" */
	char release[128]; /* uname -r of the kernel that ran */
	int status; /* exit status of the run; -1 did not run */
	char *out; /* its JSON */
	size_t len;
};

struct row {
	char name[96];
	char verdict[MAXK][64]; /* "" not run; "A|B" when repeats differ */
	int bad[MAXK]; /* not the kernel's expected verdict */
};

static int valid_kernel(const char *k)
{
	const char *p = k;

	if (!strcmp(k, "host"))
		return 1;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != '.' || *p < '0' || *p > '9')
		return 0;
	for (; *p; p++)
		if (!strchr("0123456789abcdefghijklmnopqrstuvwxyz.+-~", *p))
			return 0;
	return strlen(k) < 32;
}

/* dtfs-vm: $DTFS_VM, beside this binary (installed), in the source tree
 * (build/dtfs-pin -> tools/vm/dtfs-vm), else from PATH. */
static void find_vm(const char *self, char *buf, size_t len)
{
	const char *env = getenv("DTFS_VM");
	char dir[PATH_MAX - 64];
	char *slash;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)sizeof(dir) - 1, self);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	snprintf(buf, len, "%s/dtfs-vm", dir);
	if (!access(buf, X_OK))
		return;
	snprintf(buf, len, "%s/../tools/vm/dtfs-vm", dir);
	if (!access(buf, X_OK))
		return;
	snprintf(buf, len, "dtfs-vm");
}

static volatile pid_t running; /* the kernel's run, for the signals */
static volatile sig_atomic_t stopped;

/* SIGINT, SIGTERM, SIGHUP: stop the run under way (dtfs-vm stops its
 * guest), report nothing more. */
static void on_stop(int sig)
{
	stopped = sig;
	if (running > 0)
		kill(running, SIGTERM);
}

/* Runs argv with stdout into k->out; stderr passes through. */
static void run_capture(char **argv, struct krun *k)
{
	int pfd[2], st;
	size_t cap = 0;
	pid_t pid;

	k->status = -1;
	if (pipe(pfd))
		die("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "dtfs-pin: exec %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	running = pid;
	if (stopped)
		kill(pid, SIGTERM);
	close(pfd[1]);
	for (;;) {
		ssize_t n;

		if (k->len + 65536 > cap) {
			cap = cap ? cap * 2 : 1 << 17;
			k->out = realloc(k->out, cap + 1);
			if (!k->out)
				die("out of memory");
		}
		n = read(pfd[0], k->out + k->len, cap - k->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		k->len += (size_t)n;
	}
	close(pfd[0]);
	if (k->out)
		k->out[k->len] = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	running = 0;
	k->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The string value of "key" in a one-line JSON object, or "". */
static void json_get(const char *line, const char *key, char *buf, size_t len)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	buf[0] = 0;
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (!p)
		return;
	p += strlen(pat);
	if (*p == '"') {
		for (p++; *p && *p != '"' && n + 1 < len; p++) {
			if (*p == '\\' && p[1])
				p++;
			buf[n++] = *p;
		}
	} else {
		while (*p && *p != ',' && *p != '}' && n + 1 < len)
			buf[n++] = *p++;
	}
	buf[n] = 0;
}

static struct row *row_of(struct row *rows, int *nrows, const char *name)
{
	for (int i = 0; i < *nrows; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	if (*nrows >= MAXS)
		return NULL;
	memset(&rows[*nrows], 0, sizeof(rows[0]));
	snprintf(rows[*nrows].name, sizeof(rows[0].name), "%s", name);
	return &rows[(*nrows)++];
}

/* Each result line of a run's JSON into the rows. */
static void collect(struct krun *k, int ki, struct row *rows, int *nrows)
{
	const char *p = k->out;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[4096], name[96], v[32], ok[8];
		struct row *r;

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p = nl ? nl + 1 : NULL;
		if (!k->release[0])
			json_get(line, "kernel", k->release,
				 sizeof(k->release));
		if (strncmp(line, "{\"name\":", 8))
			continue;
		json_get(line, "name", name, sizeof(name));
		json_get(line, "verdict", v, sizeof(v));
		json_get(line, "ok", ok, sizeof(ok));
		r = row_of(rows, nrows, name);
		if (!r)
			continue;
		if (!r->verdict[ki][0])
			snprintf(r->verdict[ki], sizeof(r->verdict[ki]), "%s",
				 v);
		else if (!strstr(r->verdict[ki], v) &&
			 strlen(r->verdict[ki]) + strlen(v) + 2 <
				 sizeof(r->verdict[ki])) {
			strcat(r->verdict[ki], "|");
			strcat(r->verdict[ki], v);
		}
		if (strcmp(ok, "true"))
			r->bad[ki] = 1;
	}
}

static int differs(const struct row *r, int nk)
{
	for (int i = 1; i < nk; i++)
		if (strcmp(r->verdict[i], r->verdict[0]))
			return 1;
	return 0;
}

static void print_table(struct krun *ks, int nk, struct row *rows, int nrows)
{
	int ndiff = 0;

	printf("# dtfs-pin on %d kernels:", nk);
	for (int i = 0; i < nk; i++)
		printf(" %s (%s, exit %d)%s", ks[i].name,
		       ks[i].release[0] ? ks[i].release : "did not run",
		       ks[i].status, i + 1 < nk ? "," : "\n");
	printf("# %-26s", "scenario");
	for (int i = 0; i < nk; i++)
		printf(" %-22s", ks[i].name);
	printf("\n");
	for (int s = 0; s < nrows; s++) {
		const struct row *r = &rows[s];
		int d = differs(r, nk);

		ndiff += d;
		printf("%s %-26s", d ? "*" : " ", r->name);
		for (int i = 0; i < nk; i++) {
			char cell[80];

			snprintf(cell, sizeof(cell), "%s%s",
				 r->verdict[i][0] ? r->verdict[i] : "-",
				 r->bad[i] ? "!" : "");
			printf(" %-22s", cell);
		}
		printf("\n");
	}
	printf("# (*: the verdicts differ between kernels; !: not the "
	       "verdict expected on that kernel)\n");
	printf("# %d scenarios, %d differ between kernels\n", nrows, ndiff);
}

static void print_json(struct krun *ks, int nk, struct row *rows, int nrows)
{
	printf("{\"kernels\":[");
	for (int i = 0; i < nk; i++) {
		printf("%s{\"kernel\":", i ? "," : "");
		dt_json_str(stdout, ks[i].name);
		printf(",\"release\":");
		dt_json_str(stdout, ks[i].release);
		printf(",\"exit\":%d}", ks[i].status);
	}
	printf("],\n\"scenarios\":[\n");
	for (int s = 0; s < nrows; s++) {
		printf("{\"name\":");
		dt_json_str(stdout, rows[s].name);
		printf(",\"differs\":%s,\"verdicts\":{",
		       differs(&rows[s], nk) ? "true" : "false");
		for (int i = 0; i < nk; i++) {
			printf("%s", i ? "," : "");
			dt_json_str(stdout, ks[i].name);
			printf(":");
			dt_json_str(stdout, rows[s].verdict[i]);
		}
		printf("},\"expected\":{");
		for (int i = 0; i < nk; i++) {
			printf("%s", i ? "," : "");
			dt_json_str(stdout, ks[i].name);
			printf(":%s", rows[s].bad[i] ? "false" : "true");
		}
		printf("}}%s\n", s + 1 < nrows ? "," : "");
	}
	printf("],\n\"runs\":{\n");
	for (int i = 0; i < nk; i++) {
		size_t n = ks[i].len;

		while (n &&
		       (ks[i].out[n - 1] == '\n' || ks[i].out[n - 1] == ' '))
			n--;
		dt_json_str(stdout, ks[i].name);
		/* a run that printed no JSON object is null */
		if (n && ks[i].out[0] == '{' && ks[i].out[n - 1] == '}')
			printf(":%.*s", (int)n, ks[i].out);
		else
			printf(":null");
		printf("%s\n", i + 1 < nk ? "," : "");
	}
	printf("}}\n");
}

int run_kernels(int argc, char **argv, const char *list, int json)
{
	struct krun ks[MAXK];
	static struct row rows[MAXS];
	char self[PATH_MAX], vm[PATH_MAX], *copy, *tok, *save;
	char **cargs;
	int nk = 0, nrows = 0, nargs = 0, worst = 0;
	ssize_t n;

	struct sigaction sa = {.sa_handler = on_stop};

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	memset(ks, 0, sizeof(ks));
	copy = strdup(list);
	if (!copy)
		die("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!valid_kernel(tok))
			die("--kernel: '%s' is neither host nor a kernel "
			    "series such as 6.1",
			    tok);
		if (nk == MAXK)
			die("--kernel: at most %d kernels", MAXK);
		snprintf(ks[nk++].name, sizeof(ks[0].name), "%s", tok);
	}
	free(copy);
	if (!nk)
		die("--kernel needs a list such as 6.1,6.12,host");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("readlink /proc/self/exe: %s", strerror(errno));
	self[n] = 0;
	find_vm(self, vm, sizeof(vm));

	/* the child's command line: ours without --kernel, with --json */
	cargs = calloc((size_t)argc + 16, sizeof(*cargs));
	if (!cargs)
		die("out of memory");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--kernel")) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "--kernel=", 9) ||
		    !strcmp(argv[i], "--json"))
			continue;
		cargs[nargs++] = argv[i];
	}
	for (int i = 0; i < nk; i++) {
		char *full[64 + 16];
		int a = 0;

		if (strcmp(ks[i].name, "host")) {
			full[a++] = vm;
			full[a++] = "-q";
			full[a++] = "--kernel";
			full[a++] = ks[i].name;
			full[a++] = "--timeout";
			full[a++] = "1800";
			full[a++] = "--";
		}
		full[a++] = self;
		full[a++] = "--json";
		for (int j = 0; j < nargs && a < 64 + 14; j++)
			full[a++] = cargs[j];
		full[a] = NULL;
		fprintf(stderr, "dtfs-pin: kernel %s: %s\n", ks[i].name,
			strcmp(ks[i].name, "host") ? "in a VM (dtfs-vm)"
						   : "here");
		run_capture(full, &ks[i]);
		if (stopped) {
			fprintf(stderr,
				"dtfs-pin: interrupted; the run on %s "
				"was stopped\n",
				ks[i].name);
			exit(130);
		}
		collect(&ks[i], i, rows, &nrows);
		fprintf(stderr, "dtfs-pin: kernel %s (%s): exit %d\n",
			ks[i].name, ks[i].release[0] ? ks[i].release : "?",
			ks[i].status);
		if (ks[i].status != 0 && ks[i].status != 1)
			worst = 2;
		else if (ks[i].status == 1 && worst < 1)
			worst = 1;
	}
	if (json)
		print_json(ks, nk, rows, nrows);
	else
		print_table(ks, nk, rows, nrows);
	for (int i = 0; i < nk; i++)
		free(ks[i].out);
	free(cargs);
	return worst;
}
