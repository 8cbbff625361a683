// SPDX-License-Identifier: GPL-2.0
/*
 * Loader of the BPF tracer: opens the skeleton, sets the superblock to
 * watch, attaches, and feeds ring-buffer records to the page-state model.
 * A poll thread drains continuously; dt_tracer_drain() lets a writepage
 * drain synchronously before it decides (see tracer.bpf.c for why that is
 * exact). Both hold drain_lock, so records reach the model in ring order.
 */
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "dtfs/tracer.h"
#include "tracer.h"
#include "tracer.skel.h"

struct ksym {
	unsigned long long addr;
	const char *name;
};

/* Stacks repeat (one code path dirties page after page): remember how each
 * recent stack classified, so symbolizing and matching run once per path,
 * not once per page. Direct-mapped, keyed by a hash of the addresses. */
#define DT_STACK_CACHE 4096

struct stack_entry {
	uint64_t hash;
	int n;
	unsigned int cls;
	const char *decider;
	unsigned long long stack[DT_KSTACK_MAX];
};

struct dt_tracer {
	struct stack_entry *scache;
	struct dt_tracer_bpf *skel;
	struct ring_buffer *rb;
	struct dt_pages *model;
	pthread_mutex_t drain_lock;
	pthread_t poller;
	int stop;
	uint64_t events;
	uint64_t dropped; /* ring-buffer records lost so far */
	int debug_stacks; /* DTFS_DEBUG_STACKS=1: print each stack to the log */
	struct ksym *syms;
	size_t nsyms;
	char *names;
};

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* /proc/kallsyms: text symbols, sorted, for symbolizing stacks. */
static int load_kallsyms(struct dt_tracer *t)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	size_t cap = 0, ncap = 0, nlen = 0;
	char line[512];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256];
		size_t l;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (type != 't' && type != 'T')
			continue;
		if (t->nsyms == cap) {
			struct ksym *s;

			cap = cap ? cap * 2 : 65536;
			s = realloc(t->syms, cap * sizeof(*s));
			if (!s)
				break;
			t->syms = s;
		}
		l = strlen(name) + 1;
		if (nlen + l > ncap) {
			char *n;

			ncap = ncap ? ncap * 2 : 1 << 20;
			n = realloc(t->names, ncap);
			if (!n)
				break;
			t->names = n;
		}
		memcpy(t->names + nlen, name, l);
		t->syms[t->nsyms].addr = addr;
		t->syms[t->nsyms].name = (const char *)(uintptr_t)nlen;
		t->nsyms++;
		nlen += l;
	}
	fclose(f);
	for (size_t i = 0; i < t->nsyms; i++)
		t->syms[i].name = t->names + (uintptr_t)t->syms[i].name;
	qsort(t->syms, t->nsyms, sizeof(*t->syms), cmp_ksym);
	if (t->nsyms && t->syms[t->nsyms - 1].addr == 0)
		return -EPERM; /* addresses hidden: not privileged */
	return t->nsyms ? 0 : -ENOENT;
}

static const char *ksym_name(struct dt_tracer *t, unsigned long long addr)
{
	size_t lo = 0, hi = t->nsyms;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* past the last text symbol (JIT code, trampolines): unknown */
	if (!lo || !strcmp(t->syms[lo - 1].name, "_einittext") ||
	    !strcmp(t->syms[lo - 1].name, "_etext"))
		return NULL;
	return t->syms[lo - 1].name;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct dt_tracer *t = ctx;
	const struct dt_kevent *e = data;
	const struct dt_kevent_dirty *dk = data;
	struct dt_origin o = {.ts = e->ts, .pid = e->pid};

	if (size < sizeof(*e) ||
	    (e->type == DT_KEV_DIRTY && size < sizeof(*dk)))
		return 0;
	t->events++;
	memcpy(o.comm, e->comm, sizeof(o.comm));
	switch (e->type) {
	case DT_KEV_DIRTY: {
		const char *syms[DT_KSTACK_MAX] = {0}, *decider = "?";
		size_t n = dk->stack_bytes > 0 ? (size_t)dk->stack_bytes /
							 sizeof(dk->stack[0])
					       : 0;
		uint64_t h = 1469598103934665603ULL;
		struct stack_entry *ce;
		unsigned int cls;

		if (n > DT_KSTACK_MAX)
			n = DT_KSTACK_MAX;
		for (size_t i = 0; i < n; i++)
			h = (h ^ dk->stack[i]) * 1099511628211ULL;
		ce = &t->scache[h % DT_STACK_CACHE];
		if (!t->debug_stacks && ce->hash == h && ce->n == (int)n &&
		    !memcmp(ce->stack, dk->stack, n * sizeof(dk->stack[0]))) {
			dt_pages_kernel_dirty(t->model, e->ino, e->index,
					      ce->cls, ce->decider, &o);
			break;
		}
		for (size_t i = 0; i < n; i++)
			syms[i] = ksym_name(t, dk->stack[i]);
		cls = dt_classify_stack(syms, n, &decider);
		ce->hash = h;
		ce->n = (int)n;
		ce->cls = cls;
		ce->decider = decider; /* points into the kallsyms table */
		memcpy(ce->stack, dk->stack, n * sizeof(dk->stack[0]));
		if (t->debug_stacks)
			for (size_t i = 0; i < n && i < DT_KSTACK_MAX; i++)
				fprintf(stderr, "dtfs: stack[%zu] %llx %s\n", i,
					dk->stack[i], syms[i] ? syms[i] : "?");
		dt_pages_kernel_dirty(t->model, e->ino, e->index, cls, decider,
				      &o);
		break;
	}
	case DT_KEV_ADD:
	case DT_KEV_DEL:
		dt_pages_kernel_cache(t->model, e->ino, e->index, e->last,
				      e->type == DT_KEV_ADD, &o);
		break;
	case DT_KEV_FAULT:
	case DT_KEV_MAP_PAGES:
		dt_pages_kernel_fault(t->model, e->ino, e->index, e->last,
				      e->type == DT_KEV_MAP_PAGES, &o);
		break;
	}
	return 0;
}

void dt_tracer_drain(struct dt_tracer *t)
{
	uint64_t target, dropped, spins = 0;

	if (!t)
		return;
	pthread_mutex_lock(&t->drain_lock);
	/* Everything started before now must be consumed: ring_buffer__consume
	 * stops at a record another CPU has reserved but not committed yet,
	 * so loop until the count of started records is reached (a commit is
	 * microseconds away; give up after ~20 ms and say so). */
	target = __atomic_load_n(&t->skel->bss->produced, __ATOMIC_ACQUIRE);
	for (;;) {
		ring_buffer__consume(t->rb);
		dropped = __atomic_load_n(&t->skel->bss->dropped,
					  __ATOMIC_RELAXED);
		if (t->events + dropped >= target)
			break;
		if (++spins > 20000) {
			fprintf(stderr,
				"dtfs: tracer drain gave up waiting for %llu "
				"records\n",
				(unsigned long long)(target - t->events -
						     dropped));
			break;
		}
		if (spins > 100)
			usleep(1);
		else
			sched_yield();
	}
	/* Lost records mean lost write-notify evidence: from here on the
	 * model infers instead of accusing (it reports no violation it
	 * cannot prove), and the log says so. */
	if (dropped != t->dropped) {
		dt_pages_kernel_lost(t->model, dropped - t->dropped);
		t->dropped = dropped;
	}
	pthread_mutex_unlock(&t->drain_lock);
}

static void *poll_main(void *arg)
{
	struct dt_tracer *t = arg;
	int efd = ring_buffer__epoll_fd(t->rb);

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		struct epoll_event ev;

		/* wait without consuming, then drain under the lock */
		if (epoll_wait(efd, &ev, 1, 100) > 0)
			dt_tracer_drain(t);
	}
	return NULL;
}

/*
 * libbpf attaches tracepoint programs through tracefs (the event ids under
 * events/). A fresh machine may not have it mounted: as root, mount it at
 * its usual place, as `mount -t tracefs nodev /sys/kernel/tracing` would.
 */
static void ensure_tracefs(void)
{
	struct stat st;

	if (!stat("/sys/kernel/tracing/events", &st) ||
	    !stat("/sys/kernel/debug/tracing/events", &st))
		return;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		fprintf(stderr,
			"dtfs: cannot mount tracefs at "
			"/sys/kernel/tracing: %s\n",
			strerror(errno));
}

static int silent(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	(void)l;
	(void)fmt;
	(void)ap;
	return 0;
}

/* What dt_tracer_start built, after a failure or the poller's stop. */
static void tracer_free(struct dt_tracer *t)
{
	if (t->rb)
		ring_buffer__free(t->rb);
	if (t->skel)
		dt_tracer_bpf__destroy(t->skel);
	free(t->syms);
	free(t->names);
	free(t->scache);
	pthread_mutex_destroy(&t->drain_lock);
	free(t);
}

/* ---- the tracer's privileges ------------------------------------------ */

int dt_caps_tracer_ok(uint64_t eff)
{
	uint64_t admin = 1ULL << DT_CAP_SYS_ADMIN;

	/* the kernel's bpf_capable() and perfmon_capable() */
	return ((eff & admin) || (eff & (1ULL << DT_CAP_BPF))) &&
	       ((eff & admin) || (eff & (1ULL << DT_CAP_PERFMON)));
}

int dt_caps_effective(uint64_t *eff)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	*eff = (uint64_t)d[0].effective | (uint64_t)d[1].effective << 32;
	return 0;
}

int dt_tracer_precheck(char *why, size_t whylen)
{
	uint64_t eff = 0;
	char line[256];
	FILE *f;
	int visible = 0, ret = dt_caps_effective(&eff);

	if (ret) {
		snprintf(why, whylen, "cannot read capabilities: %s",
			 strerror(-ret));
		return ret;
	}
	if (!dt_caps_tracer_ok(eff)) {
		snprintf(why, whylen,
			 "needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN "
			 "(effective capabilities 0x%llx)",
			 (unsigned long long)eff);
		return -EPERM;
	}
	/* and root: tracefs (mounted here if missing) and its events are
	 * root's */
	if (geteuid() != 0) {
		snprintf(why, whylen, "the tracer is loaded as root only");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		snprintf(why, whylen,
			 "no kernel BTF (/sys/kernel/btf/vmlinux)");
		return -ENOENT;
	}
	/* stacks are symbolized from /proc/kallsyms: addresses must show */
	f = fopen("/proc/kallsyms", "r");
	for (int n = 0; f && n < 10000 && fgets(line, sizeof(line), f); n++) {
		unsigned long long addr;
		char type;

		if (sscanf(line, "%llx %c", &addr, &type) == 2 &&
		    (type == 't' || type == 'T')) {
			visible = addr != 0;
			break;
		}
	}
	if (f)
		fclose(f);
	if (!visible) {
		snprintf(why, whylen,
			 "kernel symbol addresses are hidden in /proc/kallsyms "
			 "(needs CAP_SYSLOG)");
		return -EPERM;
	}
	return 0;
}

int dt_tracer_start(unsigned int major, unsigned int minor,
		    struct dt_pages *model, struct dt_tracer **out, char *why,
		    size_t whylen)
{
	struct dt_tracer *t;
	int ret;

	ret = dt_tracer_precheck(why, whylen);
	if (ret)
		return ret;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->model = model;
	t->debug_stacks = getenv("DTFS_DEBUG_STACKS") != NULL;
	t->scache = calloc(DT_STACK_CACHE, sizeof(*t->scache));
	if (!t->scache) {
		free(t);
		return -ENOMEM;
	}
	pthread_mutex_init(&t->drain_lock, NULL);
	libbpf_set_print(silent);
	ret = load_kallsyms(t);
	if (ret) {
		snprintf(why, whylen, "cannot read /proc/kallsyms: %s",
			 strerror(-ret));
		goto fail;
	}
	t->skel = dt_tracer_bpf__open();
	if (!t->skel) {
		ret = -errno;
		snprintf(why, whylen, "cannot open BPF object: %s",
			 strerror(errno));
		goto fail;
	}
	/* kernel dev_t: major << 20 | minor */
	t->skel->rodata->target_dev = (major << 20) | minor;
	ret = dt_tracer_bpf__load(t->skel);
	if (ret) {
		snprintf(why, whylen, "BPF program refused by the kernel: %s",
			 strerror(-ret));
		goto fail;
	}
	ensure_tracefs();
	ret = dt_tracer_bpf__attach(t->skel);
	if (ret) {
		snprintf(why, whylen, "cannot attach tracepoints: %s",
			 strerror(-ret));
		goto fail;
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t,
				 NULL);
	if (!t->rb) {
		ret = -errno;
		snprintf(why, whylen, "cannot map ring buffer: %s",
			 strerror(errno));
		goto fail;
	}
	ret = -pthread_create(&t->poller, NULL, poll_main, t);
	if (ret) {
		snprintf(why, whylen, "cannot start poll thread");
		goto fail;
	}
	*out = t;
	return 0;
fail:
	tracer_free(t);
	return ret ? ret : -EINVAL;
}

uint64_t dt_tracer_events(struct dt_tracer *t)
{
	uint64_t n;

	if (!t)
		return 0;
	pthread_mutex_lock(&t->drain_lock);
	n = t->events;
	pthread_mutex_unlock(&t->drain_lock);
	return n;
}

void dt_tracer_stop(struct dt_tracer *t)
{
	if (!t)
		return;
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
	pthread_join(t->poller, NULL);
	dt_tracer_drain(t);
	tracer_free(t);
}
