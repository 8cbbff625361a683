// SPDX-License-Identifier: GPL-2.0
/* Gates: a short list of gated inodes under one mutex and condvar. Only
 * gated files pay more than an empty-list check. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "dtfs/gate.h"

struct gate {
	struct gate *next;
	uint64_t ino;
	uint32_t reads, writes, held;
	uint64_t generation; /* bumped by release */
};

struct dt_gates {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct gate *list;
	int any; /* fast path: no gate at all */
};

struct dt_gates *dt_gates_new(void)
{
	struct dt_gates *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	return g;
}

static struct gate *find(struct dt_gates *g, uint64_t ino, int create)
{
	struct gate *e;

	for (e = g->list; e; e = e->next)
		if (e->ino == ino)
			return e;
	if (!create || !(e = calloc(1, sizeof(*e))))
		return NULL;
	e->ino = ino;
	e->next = g->list;
	g->list = e;
	__atomic_store_n(&g->any, 1, __ATOMIC_RELEASE);
	return e;
}

void dt_gate_set(struct dt_gates *g, uint64_t ino, uint32_t reads,
		 uint32_t writes)
{
	struct gate *e;

	pthread_mutex_lock(&g->lock);
	e = find(g, ino, 1);
	if (e) {
		e->reads = reads;
		e->writes = writes;
	}
	pthread_mutex_unlock(&g->lock);
}

int dt_gate_pass(struct dt_gates *g, uint64_t ino, int is_write)
{
	struct gate *e;
	uint64_t gen;

	if (!__atomic_load_n(&g->any, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&g->lock);
	e = find(g, ino, 0);
	if (!e || !(is_write ? e->writes : e->reads)) {
		pthread_mutex_unlock(&g->lock);
		return 0;
	}
	if (is_write)
		e->writes--;
	else
		e->reads--;
	e->held++;
	gen = e->generation;
	pthread_cond_broadcast(&g->cond);
	while (e->generation == gen)
		pthread_cond_wait(&g->cond, &g->lock);
	e->held--;
	pthread_mutex_unlock(&g->lock);
	return 1;
}

void dt_gate_release(struct dt_gates *g, uint64_t ino)
{
	struct gate *e;

	pthread_mutex_lock(&g->lock);
	e = find(g, ino, 0);
	if (e) {
		e->reads = e->writes = 0;
		e->generation++;
		pthread_cond_broadcast(&g->cond);
	}
	pthread_mutex_unlock(&g->lock);
}

uint32_t dt_gate_wait(struct dt_gates *g, uint64_t ino, uint32_t timeout_ms)
{
	struct timespec until;
	struct gate *e;
	uint32_t held = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&g->lock);
	for (;;) {
		e = find(g, ino, 0);
		if (e && e->held) {
			held = e->held;
			break;
		}
		if (pthread_cond_timedwait(&g->cond, &g->lock, &until) ==
		    ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&g->lock);
	return held;
}

void dt_gate_get(struct dt_gates *g, uint64_t ino, uint32_t *reads,
		 uint32_t *writes, uint32_t *held)
{
	struct gate *e;

	pthread_mutex_lock(&g->lock);
	e = find(g, ino, 0);
	*reads = e ? e->reads : 0;
	*writes = e ? e->writes : 0;
	*held = e ? e->held : 0;
	pthread_mutex_unlock(&g->lock);
}

void dt_gates_free(struct dt_gates *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	for (struct gate *e = g->list; e; e = e->next) {
		e->reads = e->writes = 0;
		e->generation++;
	}
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	/* held requests are gone once the session loop has stopped */
	while (g->list) {
		struct gate *e = g->list;

		g->list = e->next;
		free(e);
	}
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}
