/* Unit tests for lib/flight: one run per key at a time, shared results and errors, bounded slots. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "lib/err.h"
#include "lib/flight.h"
#include "lib/xmalloc.h"

/* A job whose runs are counted and which holds until released, so callers can pile up behind it. */
struct job {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	int runs;    /* ops.run calls */
	int running; /* runs in progress now */
	int max_running;
	bool go;   /* a run may finish */
	int fail;  /* the code a run returns (0: success) */
	int value; /* what a successful run stores */
	int releases;
};

struct result {
	char *text; /* heap memory, so a missing or double release shows under the sanitizers */
};

static int job_run(void *arg, void *res, struct err *e)
{
	struct job *j = arg;
	struct result *r = res;
	pthread_mutex_lock(&j->lock);
	j->runs++;
	if (++j->running > j->max_running)
		j->max_running = j->running;
	pthread_cond_broadcast(&j->cv);
	while (!j->go)
		pthread_cond_wait(&j->cv, &j->lock);
	j->running--;
	int fail = j->fail, value = j->value;
	pthread_mutex_unlock(&j->lock);
	if (fail)
		return err_set(e, "run %d failed", value), fail;
	char tmp[32];
	snprintf(tmp, sizeof tmp, "value %d", value);
	r->text = xstrdup(tmp);
	return 0;
}

static void job_copy(void *out, const void *res)
{
	const struct result *r = res;
	((struct result *)out)->text = xstrdup(r->text);
}

static struct job *releases_of; /* the job whose releases are counted */

static void job_release(void *res)
{
	struct result *r = res;
	free(r->text);
	pthread_mutex_lock(&releases_of->lock);
	releases_of->releases++;
	pthread_mutex_unlock(&releases_of->lock);
}

static const struct flight_ops ops = {sizeof(struct result), job_run, job_copy, job_release};

struct caller {
	struct flight_gate *g;
	struct job *j;
	const char *key;
	struct result out;
	bool shared;
	int rc;
	struct err e;
	pthread_t t;
};

static void *caller_main(void *arg)
{
	struct caller *c = arg;
	c->e.msg[0] = '\0';
	c->rc = flight_do(c->g, c->key, &ops, c->j, &c->out, &c->shared, &c->e);
	return NULL;
}

/* Waits (up to 30 s, however busy the machine is) until pred holds for j; false on timeout. */
static bool wait_until(struct job *j, int want_running, int want_runs)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(&j->lock);
	int rc = 0;
	while ((j->running < want_running || j->runs < want_runs) && rc == 0)
		rc = pthread_cond_timedwait(&j->cv, &j->lock, &until);
	bool ok = j->running >= want_running && j->runs >= want_runs;
	pthread_mutex_unlock(&j->lock);
	return ok;
}

static void job_init(struct job *j, int fail, int value)
{
	memset(j, 0, sizeof *j);
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->cv, NULL);
	j->fail = fail;
	j->value = value;
	releases_of = j;
}

static void job_go(struct job *j)
{
	pthread_mutex_lock(&j->lock);
	j->go = true;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->lock);
}

/* Every waiter that arrives while the first run is in progress is queued behind it before it finishes. */
static void start_callers(struct caller *c, size_t n, struct flight_gate *g, struct job *j, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		c[i] = (struct caller){.g = g, .j = j, .key = key};
		assert_int_equal(pthread_create(&c[i].t, NULL, caller_main, &c[i]), 0);
		if (i == 0)
			assert_true(wait_until(j, 1, 1));
	}
	/* Every other caller is waiting for that run (up to 30 s to get there on a busy machine). */
	struct timespec pause = {0, 1000 * 1000};
	for (int k = 0; k < 30000 && flight_waiting(g, key) < (int)n - 1; k++)
		nanosleep(&pause, NULL);
	assert_int_equal(flight_waiting(g, key), (int)n - 1);
}

static void test_same_key_runs_once_and_all_share(void **state)
{
	(void)state;
	static struct flight_gate g = FLIGHT_GATE_INIT;
	struct job j;
	job_init(&j, 0, 42);
	struct caller c[8];
	start_callers(c, 8, &g, &j, "province 17");
	job_go(&j);
	int shared = 0;
	for (size_t i = 0; i < 8; i++) {
		pthread_join(c[i].t, NULL);
		assert_int_equal(c[i].rc, 0);
		assert_non_null(c[i].out.text);
		assert_string_equal(c[i].out.text, "value 42");
		shared += c[i].shared;
		free(c[i].out.text);
	}
	assert_int_equal(j.runs, 1);
	assert_int_equal(shared, 7);
	assert_int_equal(j.releases, 1);
	assert_null(g.running);
}

static void test_error_is_shared_not_cached(void **state)
{
	(void)state;
	static struct flight_gate g = FLIGHT_GATE_INIT;
	struct job j;
	job_init(&j, -3, 7);
	struct caller c[4];
	start_callers(c, 4, &g, &j, "k");
	job_go(&j);
	for (size_t i = 0; i < 4; i++) {
		pthread_join(c[i].t, NULL);
		assert_int_equal(c[i].rc, -3);
		assert_string_equal(c[i].e.msg, "run 7 failed");
		assert_null(c[i].out.text);
	}
	assert_int_equal(j.runs, 1);
	assert_int_equal(j.releases, 1);
	/* A later call runs again: now it succeeds. */
	pthread_mutex_lock(&j.lock);
	j.fail = 0;
	j.value = 8;
	pthread_mutex_unlock(&j.lock);
	struct result out = {0};
	bool shared = true;
	struct err e;
	assert_int_equal(flight_do(&g, "k", &ops, &j, &out, &shared, &e), 0);
	assert_false(shared);
	assert_string_equal(out.text, "value 8");
	assert_int_equal(j.runs, 2);
	free(out.text);
	assert_null(g.running);
}

static void test_different_keys_run_in_parallel(void **state)
{
	(void)state;
	static struct flight_gate g = FLIGHT_GATE_INIT;
	struct job j;
	job_init(&j, 0, 5);
	static const char *keys[] = {"a", "b", "c"};
	struct caller c[3];
	for (size_t i = 0; i < 3; i++) {
		c[i] = (struct caller){.g = &g, .j = &j, .key = keys[i]};
		assert_int_equal(pthread_create(&c[i].t, NULL, caller_main, &c[i]), 0);
	}
	/* All three runs are in progress at once before any may finish. */
	assert_true(wait_until(&j, 3, 3));
	job_go(&j);
	for (size_t i = 0; i < 3; i++) {
		pthread_join(c[i].t, NULL);
		assert_int_equal(c[i].rc, 0);
		assert_false(c[i].shared);
		free(c[i].out.text);
	}
	assert_int_equal(j.max_running, 3);
	assert_int_equal(j.releases, 3);
}

/* Slots: at most max holders at once. */
static struct flight_slots slots = FLIGHT_SLOTS_INIT(2);
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static int slot_in, slot_max;

static void *slot_main(void *arg)
{
	(void)arg;
	for (int k = 0; k < 20; k++) {
		flight_slots_enter(&slots);
		pthread_mutex_lock(&slot_lock);
		if (++slot_in > slot_max)
			slot_max = slot_in;
		pthread_mutex_unlock(&slot_lock);
		struct timespec pause = {0, 200 * 1000};
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&slot_lock);
		slot_in--;
		pthread_mutex_unlock(&slot_lock);
		flight_slots_leave(&slots);
	}
	return NULL;
}

static void test_slots_bound_holders(void **state)
{
	(void)state;
	pthread_t t[6];
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(pthread_create(&t[i], NULL, slot_main, NULL), 0);
	for (size_t i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(slot_max, 2);
	assert_int_equal(slots.used, 0);
	/* Default: one slot per core, at least one. */
	static struct flight_slots cores = FLIGHT_SLOTS_INIT(0);
	flight_slots_enter(&cores);
	assert_true(cores.max >= 1);
	assert_int_equal(cores.used, 1);
	flight_slots_leave(&cores);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_key_runs_once_and_all_share),
	    cmocka_unit_test(test_error_is_shared_not_cached),
	    cmocka_unit_test(test_different_keys_run_in_parallel),
	    cmocka_unit_test(test_slots_bound_holders),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
