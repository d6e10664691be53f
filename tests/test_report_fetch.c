/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `report fetch` against a real Dovecot on 127.0.0.1: reports imported
 * once and archived, a bad one left in place and named once, a wrong
 * password and a connection cut mid-fetch reported without losing or
 * doubling anything, a configuration others can read refused. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/dovecot.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* One Dovecot and a scratch directory with a database and a config. */
struct fixture {
	struct dovecot_server imap;
	char *dir, *db, *xdg, *config;
	char *env_xdg;
	pid_t proxy;
};

static int fixture_setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *conf_dir;

	*state = f;
	if (!dovecot_available())
		return 0;
	if (!dovecot_start(&f->imap))
		return -1;
	f->dir = testenv_mkdtemp();
	f->db = testenv_db(f->dir, "test.db");
	f->xdg = xasprintf("%s/config", f->dir);
	conf_dir = xasprintf("%s/dmarcpilot", f->xdg);
	mkdir(f->xdg, 0700);
	mkdir(conf_dir, 0700);
	f->config = xasprintf("%s/config.ini", conf_dir);
	f->env_xdg = xasprintf("XDG_CONFIG_HOME=%s", f->xdg);
	free(conf_dir);
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	if (f->proxy > 0) {
		kill(f->proxy, SIGKILL);
		waitpid(f->proxy, NULL, 0);
	}
	dovecot_stop(&f->imap);
	if (f->dir)
		testenv_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f->xdg);
	free(f->config);
	free(f->env_xdg);
	free(f);
	return 0;
}

/* Writes the configuration with the given mode; url_port 0 means the
 * IMAPS port. extra is appended as is. */
static void write_config(struct fixture *f, mode_t mode, const char *url,
			 const char *password_line, const char *extra)
{
	char *text = xasprintf("# written by the test\n"
			       "[mailbox]\n"
			       "url = %s\n"
			       "user = %s\n"
			       "%s\n"
			       "ca_file = %s\n"
			       "archive = Archive\n"
			       "%s",
			       url, f->imap.user, password_line, f->imap.cert,
			       extra ? extra : "");
	FILE *fp = fopen(f->config, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	chmod(f->config, mode);
	free(text);
}

/* The usual configuration: IMAPS, the password in the private file. */
static void write_good_config(struct fixture *f)
{
	char *url = xasprintf("imaps://127.0.0.1:%d", f->imap.imaps_port);
	char *line = xasprintf("password = %s", f->imap.password);

	write_config(f, 0600, url, line, NULL);
	free(line);
	free(url);
}

/* A report mail as receivers send it: the XML inline, one report id. */
static char *report_mail(const char *report_id, int day)
{
	return xasprintf(
	    "From: noreply-dmarc@receiver.example\r\n"
	    "To: dmarc@fetch.example\r\n"
	    "Subject: Report domain: fetch.example Report-ID: %s\r\n"
	    "Message-ID: <%s@receiver.example>\r\n"
	    "Date: Mon, 2 Mar 2026 00:00:00 +0000\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/xml\r\n"
	    "\r\n"
	    "<?xml version=\"1.0\"?>\r\n"
	    "<feedback><report_metadata><org_name>receiver.example"
	    "</org_name><email>noreply@receiver.example</email>"
	    "<report_id>%s</report_id><date_range><begin>%ld</begin>"
	    "<end>%ld</end></date_range></report_metadata>"
	    "<policy_published><domain>fetch.example</domain><p>none</p>"
	    "</policy_published><record><row><source_ip>192.0.2.%d"
	    "</source_ip><count>%d</count><policy_evaluated>"
	    "<disposition>none</disposition><dkim>pass</dkim><spf>pass"
	    "</spf></policy_evaluated></row><identifiers><header_from>"
	    "fetch.example</header_from></identifiers><auth_results><spf>"
	    "<domain>fetch.example</domain><result>pass</result></spf>"
	    "</auth_results></record></feedback>\r\n",
	    report_id, report_id, report_id, 1772409600L + day * 86400L,
	    1772409600L + day * 86400L + 86399, day + 1, 10 + day);
}

/* Mail that is no report at all. */
static const char notice_mail[] = "From: postmaster@receiver.example\r\n"
				  "To: dmarc@fetch.example\r\n"
				  "Subject: Your mailbox is almost full\r\n"
				  "Message-ID: <notice@receiver.example>\r\n"
				  "\r\n"
				  "Please tidy up.\r\n";

/* A report whose XML stops half-way. */
static const char broken_mail[] =
    "From: noreply-dmarc@broken.example\r\n"
    "To: dmarc@fetch.example\r\n"
    "Subject: Report domain: fetch.example Report-ID: broken\r\n"
    "Message-ID: <broken@receiver.example>\r\n"
    "Content-Type: text/xml\r\n"
    "\r\n"
    "<feedback><report_metadata><org_name>broken\r\n";

/* Runs `report fetch --json` and parses its output. */
static json_t *fetch_json(struct fixture *f, struct testenv_run *run)
{
	const char *args[] = {
		"--db", f->db, "--json", "report", "fetch", NULL
	};
	const char *env[] = { f->env_xdg, NULL };
	json_t *o;

	*run = testenv_run_dmarcpilot(args, env);
	o = json_loads(run->out, 0, NULL);
	if (run->status != 0)
		fprintf(stderr, "report fetch exited %d: %s", run->status,
			run->err);
	if (!o)
		fprintf(stderr, "not JSON (exit %d): %s\n%s\n", run->status,
			run->out, run->err);
	return o;
}

/* A count from the JSON summary. */
static json_int_t count(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* Imported reports are archived and never imported twice; mail that is
 * no report stays where it is. */
static void test_fetch_then_fetch_again(void **state)
{
	struct fixture *f = *state;
	struct testenv_run run;
	json_t *o;

	if (!dovecot_available())
		skip();
	for (int day = 0; day < 3; day++) {
		char id[16], *mail;

		snprintf(id, sizeof id, "r%d", day);
		mail = report_mail(id, day);
		assert_true(dovecot_append(&f->imap, "INBOX", mail, false));
		free(mail);
	}
	assert_true(dovecot_append(&f->imap, "INBOX", notice_mail, false));
	write_good_config(f);

	o = fetch_json(f, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 0);
	assert_int_equal(count(o, "fetched"), 4);
	assert_int_equal(count(o, "imported"), 3);
	assert_int_equal(count(o, "skipped"), 1);
	assert_int_equal(count(o, "archived"), 3);
	assert_int_equal(count(o, "reports"), 3);
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(dovecot_count(&f->imap, "INBOX"), 1);
	assert_int_equal(dovecot_count(&f->imap, "Archive"), 3);

	/* Nothing new: nothing fetched, nothing imported. */
	o = fetch_json(f, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 0);
	assert_int_equal(count(o, "fetched"), 0);
	assert_int_equal(count(o, "imported"), 0);
	json_decref(o);
	testenv_run_done(&run);

	/* One more arrives: only it is fetched. */
	{
		char *mail = report_mail("r9", 9);

		assert_true(dovecot_append(&f->imap, "INBOX", mail, false));
		free(mail);
	}
	o = fetch_json(f, &run);
	assert_non_null(o);
	assert_int_equal(count(o, "fetched"), 1);
	assert_int_equal(count(o, "imported"), 1);
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(dovecot_count(&f->imap, "Archive"), 4);
}

/* A report that does not import stays in the folder, is named on the
 * run that first meets it (exit 2), and quietly retried after. */
static void test_bad_report_stays_and_is_named_once(void **state)
{
	struct fixture *f = *state;
	struct testenv_run run;
	char *good = report_mail("good", 1);
	json_t *o;

	if (!dovecot_available())
		skip();
	assert_true(dovecot_append(&f->imap, "INBOX", broken_mail, false));
	assert_true(dovecot_append(&f->imap, "INBOX", good, false));
	free(good);
	write_good_config(f);

	o = fetch_json(f, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 2);
	assert_int_equal(count(o, "rejected"), 1);
	assert_int_equal(count(o, "imported"), 1);
	assert_non_null(strstr(run.err, "UID 1"));
	assert_non_null(strstr(run.err, "INBOX"));
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(dovecot_count(&f->imap, "INBOX"), 1);

	o = fetch_json(f, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 0);
	assert_int_equal(count(o, "fetched"), 1); /* the retry */
	assert_int_equal(count(o, "imported"), 0);
	assert_null(strstr(run.err, "rejected"));
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(dovecot_count(&f->imap, "INBOX"), 1);
}

/* A wrong password: exit 2, one line naming the server, never the
 * password; the database keeps no progress. */
static void test_wrong_password(void **state)
{
	struct fixture *f = *state;
	const char *args[] = { "--db", f->db, "report", "fetch", NULL };
	const char *env[] = { f->env_xdg, NULL };
	char *url = xasprintf("imaps://127.0.0.1:%d", f->imap.imaps_port);
	char *server = xasprintf("127.0.0.1:%d", f->imap.imaps_port);
	struct testenv_run run;

	if (!dovecot_available())
		skip();
	write_config(f, 0600, url, "password = not-the-password", NULL);
	run = testenv_run_dmarcpilot(args, env);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, server));
	assert_non_null(strstr(run.err, "login"));
	assert_null(strstr(run.err, "not-the-password"));
	assert_null(strstr(run.out, "not-the-password"));
	assert_null(strchr(strchr(run.err, '\n') + 1, '\n'));
	testenv_run_done(&run);
	free(server);
	free(url);
}

/* STARTTLS on the plain port, the password from the environment, and a
 * configuration file that others may read because it holds no secret. */
static void test_starttls_and_password_from_environment(void **state)
{
	struct fixture *f = *state;
	const char *args[] = {
		"--db", f->db, "--json", "report", "fetch", NULL
	};
	char *url = xasprintf("imap://127.0.0.1:%d", f->imap.imap_port);
	char *secret = xasprintf("FETCH_TEST_SECRET=%s", f->imap.password);
	const char *env[] = { f->env_xdg, secret, NULL };
	char *mail = report_mail("tls", 2);
	struct testenv_run run;
	json_t *o;

	if (!dovecot_available())
		skip();
	assert_true(dovecot_append(&f->imap, "INBOX", mail, false));
	write_config(f, 0644, url, "password_env = FETCH_TEST_SECRET", NULL);
	run = testenv_run_dmarcpilot(args, env);
	o = json_loads(run.out, 0, NULL);
	assert_int_equal(run.status, 0);
	assert_non_null(o);
	assert_int_equal(count(o, "imported"), 1);
	assert_null(strstr(run.out, f->imap.password));
	assert_null(strstr(run.err, f->imap.password));
	json_decref(o);
	testenv_run_done(&run);
	free(mail);
	free(secret);
	free(url);
}

/* A password in a file others can read is refused, naming the file and
 * line and saying what to do; config check agrees. */
static void test_config_readable_by_others_refused(void **state)
{
	struct fixture *f = *state;
	const char *fetch[] = { "--db", f->db, "report", "fetch", NULL };
	const char *check[] = { "config", "check", NULL };
	const char *env[] = { f->env_xdg, NULL };
	char *url = xasprintf("imaps://127.0.0.1:%d", f->imap.imaps_port);
	struct testenv_run run;

	if (!dovecot_available())
		skip();
	write_config(f, 0644, url, "password = hunter2", NULL);
	run = testenv_run_dmarcpilot(fetch, env);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "config.ini:5:"));
	assert_non_null(strstr(run.err, "chmod 600"));
	assert_null(strstr(run.err, "hunter2"));
	testenv_run_done(&run);
	assert_int_not_equal(access(f->db, F_OK), 0);

	run = testenv_run_dmarcpilot(check, env);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "chmod 600"));
	testenv_run_done(&run);

	chmod(f->config, 0600);
	run = testenv_run_dmarcpilot(check, env);
	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "valid"));
	assert_null(strstr(run.out, "hunter2"));
	testenv_run_done(&run);
	free(url);
}

/* config check names the file and line of what it does not know. */
static void test_config_check_names_line(void **state)
{
	struct fixture *f = *state;
	const char *check[] = { "config", "check", NULL };
	const char *env[] = { f->env_xdg, NULL };
	char *url = xasprintf("imaps://127.0.0.1:%d", f->imap.imaps_port);
	struct testenv_run run;

	if (!dovecot_available())
		skip();
	write_config(f, 0600, url, "password_file = /nonexistent",
		     "colour = blue\n");
	run = testenv_run_dmarcpilot(check, env);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "config.ini:8:"));
	assert_non_null(strstr(run.err, "colour"));
	testenv_run_done(&run);
	free(url);
}

/* A relay between the program and Dovecot that cuts the connection when
 * the client sends its cut_at'th UID FETCH: the server "goes away"
 * mid-fetch at a point the test chooses, not at a time. */
static pid_t start_cutting_proxy(int listen_port, int server_port, int cut_at)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	pid_t pid;

	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)listen_port);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(lfd, 4), 0);
	pid = fork();
	if (pid != 0) {
		close(lfd);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (int fetches = 0;;) {
		int c = accept(lfd, NULL, NULL), s;
		struct pollfd p[2];

		if (c < 0)
			_exit(1);
		s = socket(AF_INET, SOCK_STREAM, 0);
		sa.sin_port = htons((uint16_t)server_port);
		if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0)
			_exit(1);
		p[0] = (struct pollfd){ .fd = c, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = s, .events = POLLIN };
		while (poll(p, 2, -1) > 0) {
			char buf[65536];
			ssize_t n;

			if (p[0].revents) {
				n = read(c, buf, sizeof buf - 1);
				if (n <= 0)
					break;
				buf[n] = '\0';
				if (strstr(buf, "UID FETCH") &&
				    ++fetches >= cut_at)
					break; /* the server is gone */
				if (write(s, buf, (size_t)n) != n)
					break;
			}
			if (p[1].revents) {
				n = read(s, buf, sizeof buf);
				if (n <= 0 || write(c, buf, (size_t)n) != n)
					break;
			}
		}
		close(c);
		close(s);
	}
}

/* The server goes away after the first message: what was imported is
 * kept and archived, the error names the server, and the next run
 * imports the rest, nothing twice. */
static void test_server_gone_mid_fetch_loses_nothing(void **state)
{
	struct fixture *f = *state;
	int port;
	char *url, *server;
	struct testenv_run run;
	json_t *o;

	if (!dovecot_available())
		skip();
	for (int day = 0; day < 3; day++) {
		char id[16], *mail;

		snprintf(id, sizeof id, "cut%d", day);
		mail = report_mail(id, day);
		assert_true(dovecot_append(&f->imap, "INBOX", mail, false));
		free(mail);
	}
	port = nsd_free_port();
	f->proxy = start_cutting_proxy(port, f->imap.imap_port, 2);
	url = xasprintf("imap://127.0.0.1:%d", port);
	server = xasprintf("127.0.0.1:%d", port);
	{
		char *line = xasprintf("password = %s", f->imap.password);

		write_config(f, 0600, url, line, "plaintext = yes\n");
		free(line);
	}
	o = fetch_json(f, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, server));
	assert_int_equal(count(o, "imported"), 1);
	assert_false(json_is_true(json_object_get(o, "complete")));
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(dovecot_count(&f->imap, "INBOX"), 2);
	assert_int_equal(dovecot_count(&f->imap, "Archive"), 1);

	/* The server is back (no more cuts): the rest, nothing twice. */
	kill(f->proxy, SIGKILL);
	waitpid(f->proxy, NULL, 0);
	f->proxy = start_cutting_proxy(port, f->imap.imap_port, 1000);
	o = fetch_json(f, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 0);
	assert_int_equal(count(o, "imported"), 2);
	assert_int_equal(count(o, "duplicates"), 0);
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(dovecot_count(&f->imap, "INBOX"), 0);
	assert_int_equal(dovecot_count(&f->imap, "Archive"), 3);
	free(server);
	free(url);
}

/* A folder whose UIDs were renumbered (deleted and made again) is read
 * again from the start; what was imported counts as duplicates. */
static void test_uidvalidity_change_reads_again(void **state)
{
	struct fixture *f = *state;
	const char *args[] = { "--db",  f->db,      "--json",  "report",
			       "fetch", "--folder", "Reports", NULL };
	const char *env[] = { f->env_xdg, NULL };
	char *mail = report_mail("uv", 4);
	struct testenv_run run;
	json_t *o;
	char *answer;

	if (!dovecot_available())
		skip();
	assert_true(dovecot_append(&f->imap, "Reports", mail, true));
	{
		char *url =
		    xasprintf("imaps://127.0.0.1:%d", f->imap.imaps_port);
		char *line = xasprintf("password = %s", f->imap.password);

		write_config(f, 0600, url, line, "after_import = seen\n");
		free(line);
		free(url);
	}
	run = testenv_run_dmarcpilot(args, env);
	o = json_loads(run.out, 0, NULL);
	assert_int_equal(run.status, 0);
	assert_int_equal(count(o, "imported"), 1);
	json_decref(o);
	testenv_run_done(&run);

	answer = dovecot_command(&f->imap, "DELETE \"Reports\"");
	free(answer);
	assert_true(dovecot_append(&f->imap, "Reports", mail, true));
	run = testenv_run_dmarcpilot(args, env);
	o = json_loads(run.out, 0, NULL);
	assert_int_equal(run.status, 0);
	assert_int_equal(count(o, "fetched"), 1);
	assert_int_equal(count(o, "imported"), 0);
	assert_int_equal(count(o, "duplicates"), 1);
	json_decref(o);
	testenv_run_done(&run);
	free(mail);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fetch_then_fetch_again,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_bad_report_stays_and_is_named_once, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_wrong_password, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_starttls_and_password_from_environment, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_config_readable_by_others_refused, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_config_check_names_line,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_server_gone_mid_fetch_loses_nothing, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_uidvalidity_change_reads_again, fixture_setup,
		    fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
