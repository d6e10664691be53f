/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The smaller repositories of the store, on whichever server
 * DMARCPILOT_TEST_DB names (SQLite by default; tests/store-postgres.sh
 * runs them on PostgreSQL): a mailbox's progress and failures, the kept
 * reverse names, monitor's alerts, deliveries and runs, and the DKIM
 * rotations with the report evidence they read. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/testenv.h"
#include "store/mailbox_store.h"
#include "store/monitor_store.h"
#include "store/reverse_store.h"
#include "store/rotation_store.h"
#include "store/state.h"
#include "store/store.h"
#include "store/state_internal.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	char *target;
	struct store *store;
};

/* A fresh database with one domain. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct err err = ERR_INIT;

	f->dir = testenv_mkdtemp();
	f->target = testenv_db(f->dir, "repos.db");
	if (store_open(&f->store, f->target, &err) != STATUS_OK)
		fail_msg("%s", err_message(&err));
	assert_int_equal(
	    state_domain_add(f->store, "example.com", 0, NULL, &err),
	    STATUS_OK);
	*state = f;
	return 0;
}

/* Closes and removes it. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->store);
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f->target);
	free(f);
	return 0;
}

/* A day. */
static date_t day(const char *s)
{
	date_t d;

	assert_true(date_parse(s, &d));
	return d;
}

/* Progress is replaced, failures are kept once and forgotten when the
 * UIDVALIDITY changes. */
static void test_mailbox(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct mailbox_progress p = { 0, 0 }, set = { 7, 42 };
	uint32_t *uids = NULL;
	size_t n = 0;
	bool is_new = false;

	assert_int_equal(mailbox_progress_get(f->store, "INBOX", &p, &err),
			 STATUS_OK);
	assert_int_equal(p.last_uid, 0);
	assert_int_equal(mailbox_progress_set(f->store, "INBOX", &set, &err),
			 STATUS_OK);
	set.last_uid = 4000000000u; /* UIDs are 32-bit unsigned */
	assert_int_equal(mailbox_progress_set(f->store, "INBOX", &set, &err),
			 STATUS_OK);
	assert_int_equal(mailbox_progress_get(f->store, "INBOX", &p, &err),
			 STATUS_OK);
	assert_int_equal(p.uidvalidity, 7);
	assert_int_equal(p.last_uid, 4000000000u);
	assert_int_equal(
	    mailbox_failed_add(f->store, "INBOX", 7, 5, "bad", &is_new, &err),
	    STATUS_OK);
	assert_true(is_new);
	assert_int_equal(
	    mailbox_failed_add(f->store, "INBOX", 7, 5, "bad", &is_new, &err),
	    STATUS_OK);
	assert_false(is_new);
	assert_int_equal(
	    mailbox_failed_add(f->store, "INBOX", 7, 3, "worse", &is_new, &err),
	    STATUS_OK);
	assert_int_equal(
	    mailbox_failed_list(f->store, "INBOX", 7, &uids, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(uids[0], 3);
	assert_int_equal(uids[1], 5);
	free(uids);
	assert_int_equal(mailbox_failed_remove(f->store, "INBOX", 7, 3, &err),
			 STATUS_OK);
	set.uidvalidity = 8;
	assert_int_equal(mailbox_progress_set(f->store, "INBOX", &set, &err),
			 STATUS_OK);
	assert_int_equal(
	    mailbox_failed_list(f->store, "INBOX", 7, &uids, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 0);
	free(uids);
}

/* Names are kept until they expire; a name that is none is kept too. */
static void test_reverse_names(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	char mail_name[] = "mail.example.com";
	struct reverse_name save[2] = {
		{ .ip = "192.0.2.1", .name = mail_name, .expires = 2000 },
		{ .ip = "2001:db8::1", .name = NULL, .expires = 1500 },
	};
	struct reverse_name look[3] = { { .ip = "192.0.2.1" },
					{ .ip = "2001:db8::1" },
					{ .ip = "198.51.100.7" } };

	assert_int_equal(reverse_names_save(f->store, save, 2, 1000, &err),
			 STATUS_OK);
	save[0].expires = 3000;
	assert_int_equal(reverse_names_save(f->store, save, 1, 1000, &err),
			 STATUS_OK);
	assert_int_equal(reverse_names_lookup(f->store, look, 3, 1600, &err),
			 STATUS_OK);
	assert_true(look[0].known);
	assert_string_equal(look[0].name, "mail.example.com");
	assert_false(look[1].known); /* expired at 1500 */
	assert_false(look[2].known);
	for (int i = 0; i < 3; i++)
		free(look[i].name);
}

/* Alerts are raised once per key (in any case of the domain), updated,
 * cleared and raised again; deliveries are owed once per channel. */
static void test_monitor(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct monitor_alert_row *rows = NULL;
	struct monitor_outbox_row *owed = NULL;
	struct monitor_run_row run = { .started = 1796428800,
				       .day = day("2026-12-05"),
				       .raised = 1,
				       .open = 1,
				       .sent = 1,
				       .failed = (char *)"webhook:ops" },
			       last;
	int64_t id = 0, again = 0;
	size_t n = 0;
	bool found = false;

	assert_int_equal(monitor_alert_raise(f->store, "example.com", "k1",
					     "monitor.x", "warning", "one",
					     day("2026-12-01"), &id, &err),
			 STATUS_OK);
	assert_true(id > 0);
	assert_int_equal(monitor_alert_raise(f->store, "Example.COM", "k1",
					     "monitor.x", "critical", "two",
					     day("2026-12-02"), &again, &err),
			 STATUS_OK);
	assert_int_equal(again, id);
	assert_int_equal(monitor_alert_update(f->store, id, "three", &err),
			 STATUS_OK);
	if (monitor_alert_list(f->store, "example.com", true, &rows, &n,
			       &err) != STATUS_OK)
		fail_msg("%s", err_message(&err));
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].message, "three");
	assert_string_equal(rows[0].severity, "critical");
	monitor_alert_rows_free(rows, n);
	assert_int_equal(
	    monitor_alert_list(f->store, NULL, false, &rows, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 1);
	monitor_alert_rows_free(rows, n);
	assert_int_equal(
	    monitor_outbox_add(f->store, id, "raised", "email", &err),
	    STATUS_OK);
	assert_int_equal(
	    monitor_outbox_add(f->store, id, "raised", "email", &err),
	    STATUS_OK);
	assert_int_equal(
	    monitor_outbox_add(f->store, id, "raised", "webhook:ops", &err),
	    STATUS_OK);
	assert_int_equal(monitor_outbox_failed(f->store, id, "raised",
					       "webhook:ops", "timeout", &err),
			 STATUS_OK);
	assert_int_equal(
	    monitor_outbox_sent(f->store, id, "raised", "email", &err),
	    STATUS_OK);
	assert_int_equal(monitor_outbox_list(f->store, &owed, &n, &err),
			 STATUS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(owed[0].channel, "webhook:ops");
	assert_int_equal(owed[0].tries, 1);
	assert_string_equal(owed[0].alert.key, "k1");
	monitor_outbox_rows_free(owed, n);
	assert_int_equal(monitor_outbox_drop(f->store, id, "raised", &err),
			 STATUS_OK);
	assert_int_equal(
	    monitor_alert_clear(f->store, id, day("2026-12-03"), &err),
	    STATUS_OK);
	assert_int_equal(
	    monitor_alert_list(f->store, NULL, true, &rows, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 0);
	free(rows);
	assert_int_equal(monitor_run_last(f->store, &last, &found, &err),
			 STATUS_OK);
	assert_false(found);
	assert_int_equal(monitor_run_add(f->store, &run, &err), STATUS_OK);
	assert_int_equal(monitor_run_last(f->store, &last, &found, &err),
			 STATUS_OK);
	assert_true(found);
	assert_int_equal(last.started, run.started);
	assert_int_equal(last.day, run.day);
	assert_string_equal(last.failed, "webhook:ops");
	free(last.failed);
}

/* A rotation starts with its key, is one at a time, moves through its
 * phases, and reads what the reports show of both selectors. */
static void test_rotation(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct state_dkim_key old = { .selector = (char *)"s1",
				      .algorithm = (char *)"rsa",
				      .bits = 2048,
				      .key_path = (char *)"/k/s1",
				      .created = day("2026-06-01"),
				      .published = DATE_NONE,
				      .retired = DATE_NONE };
	struct state_dkim_key key = { .selector = (char *)"s2",
				      .algorithm = (char *)"rsa",
				      .bits = 2048,
				      .key_path = (char *)"/k/s2",
				      .created = day("2026-12-01"),
				      .published = DATE_NONE,
				      .retired = DATE_NONE };
	struct rotation_record r = { .old_selector = (char *)"s1",
				     .new_selector = (char *)"s2",
				     .silent_days = 7,
				     .phase = DKIM_ROTATION_GENERATED,
				     .started = day("2026-12-01") },
			       cur;
	struct dkim_rotation_evidence ev;
	struct rotation_signer *signers = NULL;
	size_t n = 0;
	bool found = false;
	int days = 0;

	assert_int_equal(
	    state_dkim_key_add(f->store, "example.com", &old, NULL, &err),
	    STATUS_OK);
	assert_int_equal(
	    rotation_store_start(f->store, "example.com", &key, &r, &err),
	    STATUS_OK);
	/* One under way at a time. */
	key.selector = (char *)"s3";
	r.new_selector = (char *)"s3";
	assert_int_equal(
	    rotation_store_start(f->store, "example.com", &key, &r, &err),
	    STATUS_EXISTS);
	err_done(&err);
	assert_int_equal(
	    rotation_store_current(f->store, "example.com", &cur, &found, &err),
	    STATUS_OK);
	assert_true(found);
	assert_string_equal(cur.new_selector, "s2");
	assert_string_equal(cur.old_path, "/k/s1");
	assert_int_equal(rotation_store_advance(f->store, "example.com", &cur,
						DKIM_ROTATION_PUBLISHED,
						day("2026-12-02"), &err),
			 STATUS_OK);
	rotation_record_done(&cur);
	assert_int_equal(
	    rotation_store_current(f->store, "example.com", &cur, &found, &err),
	    STATUS_OK);
	assert_int_equal(cur.phase, DKIM_ROTATION_PUBLISHED);
	assert_int_equal(cur.published, day("2026-12-02"));
	/* The reports: s2 passing on 3 December, s1 still signing on the
	 * 4th (named in another case, and by another domain's signature
	 * that is no evidence). */
	assert_int_equal(store_exec(f->store,
				    "INSERT INTO report (id, org_name,"
				    " report_id, domain, date_begin, date_end,"
				    " format, imported) VALUES"
				    " (1, 'o', 'r1', 'Example.com', 1796256000,"
				    " 1796342400, 'rfc7489', 'x'),"
				    " (2, 'o', 'r2', 'example.com', 1796342400,"
				    " 1796428800, 'rfc7489', 'x');"
				    "INSERT INTO report_row (id, report,"
				    " source_ip, count, dkim_aligned,"
				    " spf_aligned) VALUES"
				    " (1, 1, '192.0.2.1', 5, 1, 1),"
				    " (2, 2, '192.0.2.2', 3, 1, 1),"
				    " (3, 2, '192.0.2.3', 9, 1, 1);"
				    /* Row 2 names s1 twice (signed twice):
				     * its messages count once. */
				    "INSERT INTO report_row_auth (row_id, kind,"
				    " position, domain, selector, result)"
				    " VALUES (1, 'dkim', 0, 'example.com',"
				    " 's2', 'pass'),"
				    " (2, 'dkim', 0, 'example.com', 'S1',"
				    " 'pass'),"
				    " (2, 'dkim', 1, 'example.com', 's1',"
				    " 'fail'),"
				    " (2, 'spf', 0, 'example.com', NULL,"
				    " 'pass'),"
				    " (3, 'dkim', 0, 'example.com', 'sx',"
				    " 'pass'),"
				    " (3, 'dkim', 1, 'other.example', 's1',"
				    " 'pass')",
				    &err),
			 STATUS_OK);
	assert_int_equal(rotation_store_evidence(f->store, "example.com", "s1",
						 "s2", &ev, &err),
			 STATUS_OK);
	assert_int_equal(ev.new_first_pass, day("2026-12-03"));
	assert_int_equal(ev.new_last_pass, day("2026-12-03"));
	assert_int_equal(ev.old_last_seen, day("2026-12-04"));
	assert_int_equal(ev.reports_last, day("2026-12-04"));
	assert_int_equal(rotation_store_signers(f->store, "example.com", "s1",
						day("2026-12-01"), &signers, &n,
						&err),
			 STATUS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(signers[0].ip, "192.0.2.2");
	assert_int_equal(signers[0].messages, 3);
	rotation_signers_free(signers, n);
	assert_int_equal(rotation_store_silent_days_set(f->store, "example.com",
							&cur, 14, &err),
			 STATUS_OK);
	assert_int_equal(rotation_store_cancel(f->store, "example.com", &cur,
					       day("2026-11-20"), &err),
			 STATUS_OK);
	rotation_record_done(&cur);
	assert_int_equal(
	    rotation_store_current(f->store, "example.com", &cur, &found, &err),
	    STATUS_OK);
	assert_false(found);
	assert_int_equal(
	    rotation_store_interval_get(f->store, "example.com", &days, &err),
	    STATUS_OK);
	assert_int_equal(days, DKIM_INTERVAL_BIANNUAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mailbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reverse_names, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_monitor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
	};

	return cmocka_run_group_tests_name("store repositories", tests, NULL,
					   NULL);
}
