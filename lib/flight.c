#include "lib/flight.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xmalloc.h"

struct flight {
	struct flight *next;
	char *key;
	bool done;
	int waiters;
	int rc;
	struct err e;
	void *result;
	const struct flight_ops *ops;
	pthread_cond_t cv;
};

/* Removes a finished flight once nobody waits on it. Called with the gate's lock held. */
static void flight_drop(struct flight_gate *g, struct flight *f)
{
	if (!f->done || f->waiters > 0)
		return;
	for (struct flight **p = &g->running; *p; p = &(*p)->next) {
		if (*p == f) {
			*p = f->next;
			break;
		}
	}
	f->ops->release(f->result);
	free(f->result);
	free(f->key);
	pthread_cond_destroy(&f->cv);
	free(f);
}

/* Hands f's outcome to one caller. Called with the gate's lock held. */
static int flight_take(struct flight *f, void *out, struct err *e)
{
	if (f->rc == 0)
		f->ops->copy(out, f->result);
	else if (e)
		*e = f->e;
	return f->rc;
}

int flight_do(struct flight_gate *g, const char *key, const struct flight_ops *ops, void *arg, void *out, bool *shared,
	      struct err *e)
{
	pthread_mutex_lock(&g->lock);
	/* A finished flight still handing out copies is not joined: its result may already be stale. */
	struct flight *f = g->running;
	while (f && (f->done || strcmp(f->key, key) != 0))
		f = f->next;
	if (shared)
		*shared = f != NULL;
	if (f) {
		f->waiters++;
		while (!f->done)
			pthread_cond_wait(&f->cv, &g->lock);
		int rc = flight_take(f, out, e);
		f->waiters--;
		flight_drop(g, f);
		pthread_mutex_unlock(&g->lock);
		return rc;
	}
	f = xcalloc(1, sizeof *f);
	f->key = xstrdup(key);
	f->ops = ops;
	f->result = xcalloc(1, ops->result_size ? ops->result_size : 1);
	pthread_cond_init(&f->cv, NULL);
	f->next = g->running;
	g->running = f;
	pthread_mutex_unlock(&g->lock);

	int rc = ops->run(arg, f->result, &f->e);

	pthread_mutex_lock(&g->lock);
	f->rc = rc < 0 ? rc : 0;
	f->done = true;
	rc = flight_take(f, out, e);
	pthread_cond_broadcast(&f->cv);
	flight_drop(g, f);
	pthread_mutex_unlock(&g->lock);
	return rc;
}

int flight_waiting(struct flight_gate *g, const char *key)
{
	int n = 0;
	pthread_mutex_lock(&g->lock);
	for (struct flight *f = g->running; f; f = f->next)
		if (!f->done && strcmp(f->key, key) == 0)
			n = f->waiters;
	pthread_mutex_unlock(&g->lock);
	return n;
}

void flight_slots_enter(struct flight_slots *s)
{
	pthread_mutex_lock(&s->lock);
	if (s->max <= 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		s->max = cores > 1 ? (int)cores : 1;
	}
	while (s->used >= s->max)
		pthread_cond_wait(&s->free, &s->lock);
	s->used++;
	pthread_mutex_unlock(&s->lock);
}

void flight_slots_leave(struct flight_slots *s)
{
	pthread_mutex_lock(&s->lock);
	s->used--;
	pthread_cond_signal(&s->free);
	pthread_mutex_unlock(&s->lock);
}
