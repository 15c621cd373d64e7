/*
 * Single flight and slots: two gates for expensive work that many requests ask
 * for at once (the reports).
 *
 * A flight gate runs a piece of work once per key at a time: callers that ask
 * for a key while its work is running wait for it and each get a copy of its
 * result, or of its error. Nothing is cached: once the last waiter has its
 * copy the result is freed, and a later call runs the work again (so an error
 * is shared by the callers who waited for it, never kept for later ones).
 * Different keys run in parallel.
 *
 * Slots bound how many such runs go on at once (by default one per core);
 * callers beyond that wait their turn.
 *
 * Both are shared structures: declare them static with their _INIT value.
 */
#ifndef SALA_FLIGHT_H
#define SALA_FLIGHT_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

/* What a gate runs and how its result is shared. */
struct flight_ops {
	size_t result_size;
	/* Does the work once for all waiters: fills result (zeroed, result_size bytes); 0, or negative with e set. */
	int (*run)(void *arg, void *result, struct err *e);
	/* Copies a finished result into a caller's out (called under the gate's lock, once per caller). */
	void (*copy)(void *out, const void *result);
	/* Frees what run put in result (after a success or a failure), once nobody waits for it. */
	void (*release)(void *result);
};

struct flight;
struct flight_gate {
	pthread_mutex_t lock;
	struct flight *running; /* the flights in progress, or finished with waiters still to copy */
};
#define FLIGHT_GATE_INIT                                                                                               \
	{                                                                                                              \
		PTHREAD_MUTEX_INITIALIZER, NULL                                                                        \
	}

/*
 * Runs ops->run(arg) for key, or waits for the run of key already in progress.
 * On success copies the result into out (ops->copy) and returns 0; on failure
 * returns the run's negative code with its message in *e. *shared (may be
 * NULL) says whether the result came from another caller's run: then this
 * caller waited and ops->run was not called on its behalf.
 */
int flight_do(struct flight_gate *g, const char *key, const struct flight_ops *ops, void *arg, void *out, bool *shared,
	      struct err *e);

/* How many callers wait now for the run of key in progress (0 when none runs); for tests and metrics. */
int flight_waiting(struct flight_gate *g, const char *key);

/* Counting slots: at most max holders at once (0 in FLIGHT_SLOTS_INIT: the number of online cores). */
struct flight_slots {
	pthread_mutex_t lock;
	pthread_cond_t free;
	int used, max;
};
#define FLIGHT_SLOTS_INIT(max)                                                                                         \
	{                                                                                                              \
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, (max)                                          \
	}

/* Waits for a free slot and takes it. */
void flight_slots_enter(struct flight_slots *s);
/* Gives back the slot taken by flight_slots_enter(). */
void flight_slots_leave(struct flight_slots *s);

#endif
