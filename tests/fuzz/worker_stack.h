/*
 * Runs a parser the way the server does: on a thread whose stack is a
 * CivetWeb worker's (SERVER_WORKER_STACK, server/http.h), less what CivetWeb
 * and dispatch() have already used when a handler runs (about 23 KB
 * measured; WORKER_STACK_USED rounds it up). A parser that recurses on its
 * input then overflows the guard page here, and the harness crashes, instead
 * of passing on the main thread's 8 MB stack.
 */
#ifndef SALA_FUZZ_WORKER_STACK_H
#define SALA_FUZZ_WORKER_STACK_H
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "server/http.h"

#define WORKER_STACK_USED (32 * 1024)

struct worker_call {
	void (*fn)(void *);
	void *arg;
};

static void *worker_entry(void *p)
{
	struct worker_call *c = p;
	/* Stand-in for the frames below a handler: the parser gets only what is left. */
	volatile char used[WORKER_STACK_USED];
	memset((char *)used, 0, sizeof used);
	c->fn(c->arg);
	return (void *)(size_t)used[0];
}

/* Calls fn(arg) on a thread with the server's worker stack size, and waits for it. */
static void on_worker_stack(void (*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	struct worker_call c = {fn, arg};
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SERVER_WORKER_STACK);
	if (pthread_create(&t, &attr, worker_entry, &c) != 0)
		abort();
	pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
}

#endif
