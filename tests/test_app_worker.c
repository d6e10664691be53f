/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Use cases on worker threads, as the wizard runs them: a job has a
 * database connection of its own (what the front end's connection
 * wrote is there), a resolver of its own over the parent's offline
 * table, and the parent's catalogue; the news descriptor becomes
 * readable when it is done; an abandoned job ends and frees itself, and
 * the pool can be freed only when no job runs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/session.h"
#include "app/worker.h"
#include "lib/testenv.h"
#include "store/state.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	char *db;
	struct session s;
	struct worker_pool *pool;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct session_options o = { 0 };
	struct dns *table = dns_new_table();

	f->dir = testenv_mkdtemp();
	f->db = xasprintf("%s/db.sqlite", f->dir);
	o.db_path = f->db;
	o.datadir = getenv("DMARCPILOT_DATADIR") ? getenv("DMARCPILOT_DATADIR")
						 : ABS_SRCDIR "/data";
	session_init(&f->s, &o);
	assert_int_equal(dns_table_add(table,
				       "w.example. 300 IN TXT "
				       "\"v=spf1 -all\"",
				       NULL),
			 STATUS_OK);
	session_set_dns(&f->s, table);
	f->pool = worker_pool_new(&f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_true(worker_pool_free(f->pool));
	session_done(&f->s);
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

/* What a job found. */
struct found {
	bool own_store; /* not the parent's connection */
	size_t domains; /* the domains it read */
	char *txt;      /* w.example's TXT through its resolver */
	bool catalogue; /* the parent's catalogue */
	int release;    /* a pipe the job waits on, or -1 */
	struct session *parent;
};

static void found_free(void *arg)
{
	struct found *r = arg;

	free(r->txt);
	if (r->release >= 0)
		close(r->release);
	free(r);
}

/* The job: reads through its own session. */
static void look(void *arg, struct session *s, struct worker *w)
{
	struct found *r = arg;
	struct store *store = session_store(s, NULL);
	struct dns *dns = session_dns(s, NULL);
	struct state_domain *d = NULL;
	char c;

	(void)w;
	if (r->release >= 0)
		while (read(r->release, &c, 1) < 0)
			;
	r->own_store = store && store != r->parent->store;
	if (store &&
	    state_domain_list(store, &d, &r->domains, NULL) == STATUS_OK)
		state_domains_free(d, r->domains);
	if (dns) {
		struct dns_answer *a =
		    dns_query_sync(dns, "w.example", DNS_T_TXT);
		size_t n = 0;
		struct dns_txt_string *t = dns_answer_txt_joined(a, &n);

		if (n == 1)
			r->txt = xstrndup(t[0].data, t[0].len);
		dns_txt_joined_free(t, n);
		dns_answer_free(a);
	}
	r->catalogue = session_providers(s, NULL) != NULL &&
		       session_providers(s, NULL) == r->parent->providers;
}

/* Waits on the news descriptor until the job is done. */
static void wait_done(struct fixture *f, struct worker *w)
{
	while (!worker_done(w)) {
		struct pollfd p = { worker_pool_fd(f->pool), POLLIN, 0 };

		assert_true(poll(&p, 1, 30000) > 0);
		worker_pool_drain(f->pool);
	}
}

/* A job reads what the parent's connection wrote, through a connection
 * of its own, and asks the parent's table through its own resolver. */
static void test_job_has_its_own_session(void **state)
{
	struct fixture *f = *state;
	struct found *r = xcalloc(1, sizeof *r);
	struct worker *w;
	date_t today;

	assert_true(date_parse("2026-03-09", &today));
	assert_int_equal(state_domain_add(session_store(&f->s, NULL),
					  "w.example", today, NULL, NULL),
			 STATUS_OK);
	r->release = -1;
	r->parent = &f->s;
	w = worker_start(f->pool, look, r, found_free);
	wait_done(f, w);
	assert_ptr_equal(worker_arg(w), r);
	assert_true(r->own_store);
	assert_int_equal(r->domains, 1);
	assert_string_equal(r->txt, "v=spf1 -all");
	assert_true(r->catalogue);
	assert_int_equal(worker_pool_busy(f->pool), 0);
	worker_free(w);
}

/* A job abandoned while it runs is no longer waited for (busy drops at
 * once), keeps the pool from being freed until it ends, then ends and
 * frees its argument on its own. */
static void test_abandoned_job_ends_on_its_own(void **state)
{
	struct fixture *f = *state;
	struct found *r = xcalloc(1, sizeof *r);
	int gate[2];
	struct pollfd p;

	assert_int_equal(pipe(gate), 0);
	r->release = gate[0];
	r->parent = &f->s;
	worker_free(worker_start(f->pool, look, r, found_free));
	assert_int_equal(worker_pool_busy(f->pool), 0);
	assert_false(worker_pool_free(f->pool));
	assert_int_equal(write(gate[1], "x", 1), 1);
	close(gate[1]);
	/* Its end is news; then the pool may go (teardown frees it). */
	p.fd = worker_pool_fd(f->pool);
	p.events = POLLIN;
	assert_true(poll(&p, 1, 30000) > 0);
	worker_pool_drain(f->pool);
}

/* A held job (a publish) is counted while it runs, abandoned or not,
 * and no longer once it ended; an unheld one never is. */
static void test_held_job_counted_until_it_ends(void **state)
{
	struct fixture *f = *state;
	struct found *r = xcalloc(1, sizeof *r);
	struct found *other = xcalloc(1, sizeof *other);
	struct worker *w;
	int gate[2];

	assert_int_equal(pipe(gate), 0);
	r->release = gate[0];
	r->parent = &f->s;
	other->release = -1;
	other->parent = &f->s;
	w = worker_start(f->pool, look, other, found_free);
	wait_done(f, w);
	assert_int_equal(worker_pool_holding(f->pool), 0);
	worker_free(w);
	w = worker_start(f->pool, look, r, found_free);
	worker_hold(w);
	assert_int_equal(worker_pool_holding(f->pool), 1);
	/* Abandoned: still under way, so still held. */
	worker_free(w);
	assert_int_equal(worker_pool_busy(f->pool), 0);
	assert_int_equal(worker_pool_holding(f->pool), 1);
	assert_int_equal(write(gate[1], "x", 1), 1);
	close(gate[1]);
	while (worker_pool_holding(f->pool) > 0) {
		struct pollfd p = { worker_pool_fd(f->pool), POLLIN, 0 };

		assert_true(poll(&p, 1, 30000) > 0);
		worker_pool_drain(f->pool);
	}
	/* The thread's last news comes after the count: teardown frees
	 * the pool once it ran out. */
	while (!worker_pool_free(f->pool)) {
		struct pollfd p = { worker_pool_fd(f->pool), POLLIN, 0 };

		assert_true(poll(&p, 1, 30000) > 0);
		worker_pool_drain(f->pool);
	}
	f->pool = worker_pool_new(&f->s);
}

/* The count of ended jobs moves with the job's end, in one step with
 * busy: a front end that reads it before drawing never takes a job
 * that ended while it drew for one it drew the end of. An abandoned
 * job's end is not counted. */
static void test_ended_moves_with_the_end(void **state)
{
	struct fixture *f = *state;
	struct found *r = xcalloc(1, sizeof *r);
	struct found *gone = xcalloc(1, sizeof *gone);
	unsigned long before = worker_pool_ended(f->pool);
	struct worker *w;
	int gate[2];

	assert_int_equal(pipe(gate), 0);
	r->release = gate[0];
	r->parent = &f->s;
	w = worker_start(f->pool, look, r, found_free);
	assert_int_equal(worker_pool_busy(f->pool), 1);
	assert_int_equal(worker_pool_ended(f->pool), before);
	assert_int_equal(write(gate[1], "x", 1), 1);
	close(gate[1]);
	wait_done(f, w);
	assert_int_equal(worker_pool_busy(f->pool), 0);
	assert_int_equal(worker_pool_ended(f->pool), before + 1);
	worker_free(w);
	/* Abandoned before its end: not counted. */
	assert_int_equal(pipe(gate), 0);
	gone->release = gate[0];
	gone->parent = &f->s;
	worker_free(worker_start(f->pool, look, gone, found_free));
	assert_int_equal(write(gate[1], "x", 1), 1);
	close(gate[1]);
	while (!worker_pool_free(f->pool)) {
		struct pollfd p = { worker_pool_fd(f->pool), POLLIN, 0 };

		assert_true(poll(&p, 1, 30000) > 0);
		worker_pool_drain(f->pool);
	}
	f->pool = worker_pool_new(&f->s);
	assert_int_equal(worker_pool_ended(f->pool), 0);
}

/* What a pausing job saw. */
struct paused {
	int ms;         /* the pause asked for */
	bool completed; /* worker_pause() said it was not cancelled */
	bool later;     /* a second pause after a cancel: its answer */
	int started[2]; /* the job writes here when it starts pausing */
};

static void paused_free(void *arg)
{
	struct paused *p = arg;

	close(p->started[0]);
	close(p->started[1]);
	free(p);
}

/* The job: tells it started, pauses, then pauses again. */
static void pause_job(void *arg, struct session *s, struct worker *w)
{
	struct paused *p = arg;
	ssize_t n;

	(void)s;
	/* No cmocka assertion off the test's thread: the test's own
	 * read fails instead. */
	n = write(p->started[1], "x", 1);
	(void)n;
	p->completed = worker_pause(w, p->ms);
	p->later = worker_pause(w, p->ms);
}

/* A pause of an hour ends as soon as the job is cancelled, and so does
 * every pause after it; a short one that nobody cancels runs out and
 * says so. The test waits on states, never on the clock: it would hang
 * (and the harness fail it) if the cancel did not end the pause. */
static void test_pause_ends_on_cancel(void **state)
{
	struct fixture *f = *state;
	struct paused *p = xcalloc(1, sizeof *p);
	struct paused *q = xcalloc(1, sizeof *q);
	struct pollfd fd;
	struct worker *w;
	char c;

	assert_int_equal(pipe(p->started), 0);
	p->ms = 3600 * 1000;
	w = worker_start(f->pool, pause_job, p, paused_free);
	fd.fd = p->started[0];
	fd.events = POLLIN;
	assert_true(poll(&fd, 1, 30000) > 0);
	assert_int_equal(read(p->started[0], &c, 1), 1);
	assert_false(worker_done(w));
	worker_pool_cancel(f->pool);
	wait_done(f, w);
	assert_false(p->completed);
	assert_false(p->later);
	worker_cancel(w); /* done: nothing to do */
	worker_free(w);
	assert_int_equal(pipe(q->started), 0);
	q->ms = 1;
	w = worker_start(f->pool, pause_job, q, paused_free);
	wait_done(f, w);
	assert_true(q->completed);
	assert_true(q->later);
	worker_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_held_job_counted_until_it_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ended_moves_with_the_end,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_ends_on_cancel,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_has_its_own_session,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_abandoned_job_ends_on_its_own, setup, teardown),
	};

	return cmocka_run_group_tests_name("app_worker", tests, NULL, NULL);
}
