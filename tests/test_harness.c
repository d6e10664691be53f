/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The test harness itself: a real nsd answers on 127.0.0.1, and the real
 * binary runs in a real terminal. Other tests build on both. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ldns/ldns.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/nsd.h"
#include "lib/testenv.h"
#include "lib/tmux.h"
#include "util/xalloc.h"

/* nsd serves a zone the test wrote; ldns asks it over UDP. */
static void test_nsd_answers(void **state)
{
	struct nsd_server server;
	char *preamble = nsd_zone_preamble("harness.test");
	char *zone = xasprintf("%s@ IN TXT \"v=spf1 -all\"\n", preamble);
	struct nsd_zone zones[] = { { "harness.test", zone } };
	ldns_resolver *res;
	ldns_rdf *ns, *name;
	ldns_pkt *pkt = NULL;
	ldns_rr_list *txt;
	char *data;

	if (!nsd_available())
		skip();
	assert_true(nsd_start(&server, zones, 1));
	res = ldns_resolver_new();
	ns = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, "127.0.0.1");
	ldns_resolver_push_nameserver(res, ns);
	ldns_resolver_set_port(res, (uint16_t)server.port);
	ldns_resolver_set_recursive(res, false);
	name = ldns_dname_new_frm_str("harness.test.");
	assert_int_equal(ldns_resolver_send(&pkt, res, name, LDNS_RR_TYPE_TXT,
					    LDNS_RR_CLASS_IN, 0),
			 LDNS_STATUS_OK);
	assert_true(ldns_pkt_aa(pkt));
	txt = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_TXT,
				       LDNS_SECTION_ANSWER);
	assert_non_null(txt);
	data = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(txt, 0), 0));
	assert_string_equal(data, "\"v=spf1 -all\"");
	free(data);
	ldns_rr_list_deep_free(txt);
	ldns_pkt_free(pkt);
	ldns_rdf_deep_free(name);
	ldns_rdf_deep_free(ns);
	ldns_resolver_deep_free(res);
	nsd_stop(&server);
	nsd_stop(&server);
	free(zone);
	free(preamble);
}

/* Gives each tmux test a terminal that teardown always stops. */
static int tmux_setup(void **state)
{
	*state = calloc(1, sizeof(struct tmux_term));
	return 0;
}

static int tmux_teardown(void **state)
{
	tmux_stop(*state);
	free(*state);
	return 0;
}

/* The binary's help appears in an 80x24 terminal. */
static void test_binary_in_tmux(void **state)
{
	struct tmux_term *t = *state;
	const char *argv[] = { testenv_binary(), "--help", NULL };
	char *screen;
	int status;

	if (!tmux_available())
		skip();
	assert_true(tmux_start(t, 80, 24, argv, NULL));
	screen = tmux_wait_for(t, "Report bugs to", 10000);
	assert_non_null(screen);
	assert_non_null(strstr(screen, "--zone FILE"));
	free(screen);
	assert_true(tmux_wait_exit(t, 10000, &status));
	assert_int_equal(status, 0);
}

/* Closing the terminal (a closed window, a dropped ssh session) ends the
 * wizard instead of leaving it spinning on a hung-up tty. */
static void test_wizard_exits_when_terminal_closes(void **state)
{
	struct tmux_term *t = *state;
	char *dir = testenv_mkdtemp();
	char *db = xasprintf("%s/db.sqlite", dir);
	const char *argv[] = { testenv_binary(), "--db", db, "--demo", NULL };
	char *screen;
	int pid, gone = 0;

	if (!tmux_available())
		skip();
	assert_true(tmux_start(t, 80, 24, argv, NULL));
	screen = tmux_wait_for(t, "demo", 20000);
	assert_non_null(screen);
	free(screen);
	pid = tmux_pane_pid(t);
	assert_true(pid > 0);
	tmux_stop(t);
	for (int waited = 0; waited < 10000 && !gone; waited += 50) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		gone = testenv_process_gone(pid);
		nanosleep(&ts, NULL);
	}
	if (!gone)
		kill(pid, SIGKILL);
	assert_true(gone);
	testenv_rmdir(dir);
	free(db);
	free(dir);
}

/* A test that fails leaves its function without stopping its terminal;
 * the harness still ends the terminal and the program in it when the
 * test program exits, so no wizard outlives a failed run. */
static void test_terminal_ends_with_test_program(void **state)
{
	int fds[2], pid = -1, gone = 0, status;
	pid_t child;

	(void)state;
	if (!tmux_available())
		skip();
	assert_int_equal(pipe(fds), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* the failing test: starts a terminal, never stops it */
		struct tmux_term t;
		const char *argv[] = { "/bin/sleep", "600", NULL };
		int p = -1;

		close(fds[0]);
		if (tmux_start(&t, 80, 24, argv, NULL))
			p = tmux_pane_pid(&t);
		if (write(fds[1], &p, sizeof p) != (ssize_t)sizeof p)
			_exit(1);
		exit(0); /* atexit handlers run, as after a cmocka failure */
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &pid, sizeof pid), (ssize_t)sizeof pid);
	close(fds[0]);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(pid > 0);
	for (int waited = 0; waited < 10000 && !gone; waited += 50) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		gone = testenv_process_gone(pid);
		nanosleep(&ts, NULL);
	}
	if (!gone)
		kill(pid, SIGKILL);
	assert_true(gone);
}

/* An operator whose language is German reads German. */
static void test_help_in_german(void **state)
{
	const char *args[] = { "--help", NULL };
	const char *env[] = { "LANG=C.UTF-8", "LC_ALL=", "LANGUAGE=de", NULL };
	struct testenv_run run = testenv_run_dmarcpilot(args, env);

	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "Aufruf:"));
	assert_non_null(strstr(run.out, "Befehle:"));
	testenv_run_done(&run);
}

/* Usage errors exit 2 with a one-line message naming the problem. */
static void test_usage_errors_exit_2(void **state)
{
	const char *unknown[] = { "frobnicate", NULL };
	const char *badnow[] = { "--now", "2026-02-30", "version", NULL };
	struct testenv_run run;

	run = testenv_run_dmarcpilot(unknown, NULL);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "frobnicate"));
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(badnow, NULL);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "2026-02-30"));
	testenv_run_done(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nsd_answers),
		cmocka_unit_test_setup_teardown(test_binary_in_tmux, tmux_setup,
						tmux_teardown),
		cmocka_unit_test_setup_teardown(
		    test_wizard_exits_when_terminal_closes, tmux_setup,
		    tmux_teardown),
		cmocka_unit_test(test_terminal_ends_with_test_program),
		cmocka_unit_test(test_help_in_german),
		cmocka_unit_test(test_usage_errors_exit_2),
	};

	return cmocka_run_group_tests_name("harness", tests, NULL, NULL);
}
