/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `monitor` against real servers on 127.0.0.1: an SMTP submission
 * server (python3-aiosmtpd) that requires STARTTLS and AUTH, an HTTP
 * server recording webhook bodies, and Dovecot holding reports. Each
 * alert is sent once and its clearing once; a webhook answering 500 is
 * tried again on the next run; --dry-run sends and changes nothing;
 * thresholds are read per domain; no password leaves the config. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/alertd.h"
#include "lib/dovecot.h"
#include "lib/testenv.h"
#include "store/state.h"
#include "store/store.h"
#include "util/date.h"
#include "util/xalloc.h"

/* A scratch directory with a database holding mon.example, a zone for
 * it and a config directory; the servers a test starts. */
struct fixture {
	char *dir, *db, *zone, *config, *env_xdg;
	struct alertd_server smtp, hook;
	struct dovecot_server imap;
};

/* Runs the program with the fixture's database and configuration. */
static struct testenv_run run_cli(struct fixture *f, const char *const *args)
{
	const char *argv[24] = { "--db", f->db, "--zone", f->zone };
	const char *env[] = { f->env_xdg, NULL };
	size_t n = 4;

	for (size_t i = 0; args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return testenv_run_dmarcpilot(argv, env);
}

static int fixture_setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	const char *add[] = { "domain", "add", "mon.example", NULL };
	struct testenv_run run;
	char *conf_dir, *xdg;

	*state = f;
	f->dir = testenv_mkdtemp();
	f->db = testenv_db(f->dir, "test.db");
	f->zone = testenv_write_file(f->dir, "mon.example.zone",
				     "$ORIGIN mon.example.\n$TTL 300\n"
				     "@ IN SOA ns1 host 1 3600 600 86400 300\n"
				     "@ IN NS ns1\nns1 IN A 192.0.2.53\n");
	xdg = xasprintf("%s/config", f->dir);
	conf_dir = xasprintf("%s/dmarcpilot", xdg);
	mkdir(xdg, 0700);
	mkdir(conf_dir, 0700);
	f->config = xasprintf("%s/config.ini", conf_dir);
	f->env_xdg = xasprintf("XDG_CONFIG_HOME=%s", xdg);
	free(conf_dir);
	free(xdg);
	run = run_cli(f, add);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	alertd_stop(&f->smtp);
	alertd_stop(&f->hook);
	dovecot_stop(&f->imap);
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f->zone);
	free(f->config);
	free(f->env_xdg);
	free(f);
	return 0;
}

/* An aggregate report of mon.example for the day: pass messages that
 * pass SPF and DKIM from a known address, fail from an unknown one. */
static char *report_xml(const char *id, const char *day, int pass, int fail)
{
	date_t d;
	long begin;

	assert_true(date_parse(day, &d));
	begin = (long)date_to_time(d);
	return xasprintf(
	    "<?xml version=\"1.0\"?>\n<feedback><report_metadata>"
	    "<org_name>receiver.example</org_name><email>noreply@receiver."
	    "example</email><report_id>%s</report_id><date_range><begin>%ld"
	    "</begin><end>%ld</end></date_range></report_metadata>"
	    "<policy_published><domain>mon.example</domain><p>none</p>"
	    "</policy_published>"
	    "<record><row><source_ip>192.0.2.1</source_ip><count>%d</count>"
	    "<policy_evaluated><disposition>none</disposition><dkim>pass"
	    "</dkim><spf>pass</spf></policy_evaluated></row><identifiers>"
	    "<header_from>mon.example</header_from></identifiers>"
	    "<auth_results><spf><domain>mon.example</domain><result>pass"
	    "</result></spf></auth_results></record>"
	    "<record><row><source_ip>203.0.113.7</source_ip><count>%d"
	    "</count><policy_evaluated><disposition>none</disposition>"
	    "<dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>"
	    "<identifiers><header_from>mon.example</header_from>"
	    "</identifiers><auth_results><spf><domain>evil.example</domain>"
	    "<result>fail</result></spf></auth_results></record>"
	    "</feedback>\n",
	    id, begin, begin + 86399, pass, fail);
}

/* Imports one report. */
static void import_report(struct fixture *f, const char *id, const char *day,
			  int pass, int fail)
{
	char *xml = report_xml(id, day, pass, fail);
	char *name = xasprintf("%s.xml", id);
	char *path = testenv_write_file(f->dir, name, xml);
	const char *args[] = { "report", "import", path, NULL };
	struct testenv_run run = run_cli(f, args);

	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	free(path);
	free(name);
	free(xml);
}

/* Writes the configuration, private to its owner. */
static void write_config(struct fixture *f, const char *text)
{
	FILE *fp = fopen(f->config, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	chmod(f->config, 0600);
}

/* The [webhook ops] section for the fixture's HTTP server. */
static char *webhook_section(struct fixture *f)
{
	return xasprintf("[webhook ops]\nurl = http://127.0.0.1:%d/hook/"
			 "s3cr3t-token\nformat = json\n",
			 f->hook.port);
}

/* Runs `monitor --json` on day (and extra arguments) and parses it. */
static json_t *monitor_json(struct fixture *f, const char *day,
			    const char *extra, struct testenv_run *run)
{
	const char *args[] = { "--now", day, "--json", "monitor", extra, NULL };
	json_t *o;

	*run = run_cli(f, args);
	o = json_loads(run->out, 0, NULL);
	if (!o)
		fprintf(stderr, "not JSON (exit %d): %s\n%s\n", run->status,
			run->out, run->err);
	return o;
}

/* Runs `monitor` on day and checks its exit status and how many bodies
 * the webhook server holds after it. */
static void monitor_expect(struct fixture *f, const char *day, int status,
			   size_t bodies)
{
	struct testenv_run run;
	json_t *o = monitor_json(f, day, NULL, &run);

	assert_non_null(o);
	assert_int_equal(run.status, status);
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(alertd_count(&f->hook), bodies);
}

/* Runs `monitor` on day, which must exit 2 with channel the first one
 * named in failed_channels; returns its JSON. */
static json_t *monitor_failing(struct fixture *f, const char *day,
			       const char *channel, struct testenv_run *run)
{
	json_t *o = monitor_json(f, day, NULL, run);

	assert_non_null(o);
	assert_int_equal(run->status, 2);
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(o, "failed_channels"), 0)),
			    channel);
	return o;
}

/* The state of the alert with code in a monitor result or a webhook
 * body, or NULL when it is not there. */
static const char *state_of(json_t *o, const char *code)
{
	json_t *alerts = json_object_get(o, "alerts"), *a;
	size_t i;

	json_array_foreach(alerts, i, a)
	{
		if (!strcmp(json_string_value(json_object_get(a, "code")),
			    code))
			return json_string_value(json_object_get(a, "state"));
	}
	return NULL;
}

/* The n-th webhook body, parsed. */
static json_t *hook_body(struct fixture *f, size_t n)
{
	char *text = alertd_read(&f->hook, n, "json");
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;

	free(text);
	assert_non_null(o);
	return o;
}

/* An alert goes out once while it holds, and its clearing once. */
static void test_alert_sent_once_and_cleared_once(void **state)
{
	struct fixture *f = *state;
	struct testenv_run run;
	char *hook;
	json_t *o, *body;

	if (access("/usr/bin/python3", X_OK) != 0)
		skip();
	assert_true(webhookd_start(&f->hook));
	hook = webhook_section(f);
	write_config(f, hook);
	import_report(f, "bad1", "2026-03-08", 80, 20);

	o = monitor_json(f, "2026-03-09", NULL, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 1);
	assert_string_equal(state_of(o, "monitor.dmarc_fail_rate"), "new");
	assert_string_equal(state_of(o, "monitor.spf_fail_rate"), "new");
	assert_int_equal(json_integer_value(json_object_get(o, "sent")), 4);
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(alertd_count(&f->hook), 1);
	body = hook_body(f, 1);
	assert_string_equal(state_of(body, "monitor.dmarc_fail_rate"), "new");
	assert_string_equal(state_of(body, "monitor.unknown_source"), "new");
	json_decref(body);
	{
		char *status = alertd_read(&f->hook, 1, "status");

		assert_non_null(strstr(status, "application/json"));
		free(status);
	}

	/* The next run finds the same: nothing is sent again. */
	o = monitor_json(f, "2026-03-09", NULL, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 0);
	assert_string_equal(state_of(o, "monitor.dmarc_fail_rate"), "open");
	assert_int_equal(json_integer_value(json_object_get(o, "sent")), 0);
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(alertd_count(&f->hook), 1);

	/* A week of clean mail: the rates clear, once. */
	import_report(f, "good1", "2026-03-15", 100, 0);
	o = monitor_json(f, "2026-03-16", NULL, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 0);
	assert_string_equal(state_of(o, "monitor.dmarc_fail_rate"), "cleared");
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(alertd_count(&f->hook), 2);
	body = hook_body(f, 2);
	assert_string_equal(state_of(body, "monitor.dmarc_fail_rate"),
			    "cleared");
	assert_string_equal(state_of(body, "monitor.spf_fail_rate"), "cleared");
	/* Still failing above the plan's threshold in the window. */
	assert_null(state_of(body, "monitor.unknown_source"));
	json_decref(body);

	o = monitor_json(f, "2026-03-16", NULL, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 0);
	assert_null(state_of(o, "monitor.dmarc_fail_rate"));
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(alertd_count(&f->hook), 2);
	free(hook);
}

/* A webhook that answers 500 fails the run (exit 2, named) and gets the
 * same alerts on the next run, once. */
static void test_webhook_500_retried_next_run(void **state)
{
	struct fixture *f = *state;
	struct testenv_run run;
	char *hook;
	json_t *o, *body;

	if (access("/usr/bin/python3", X_OK) != 0)
		skip();
	assert_true(webhookd_start(&f->hook));
	webhookd_set_status(&f->hook, 500);
	hook = webhook_section(f);
	write_config(f, hook);
	import_report(f, "bad1", "2026-03-08", 80, 20);

	o = monitor_failing(f, "2026-03-09", "webhook:ops", &run);
	assert_non_null(strstr(run.err, "webhook:ops"));
	assert_non_null(strstr(run.err, "500"));
	/* The URL's token is never printed. */
	assert_null(strstr(run.err, "s3cr3t-token"));
	assert_null(strstr(run.out, "s3cr3t-token"));
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(alertd_count(&f->hook), 1);

	webhookd_set_status(&f->hook, 200);
	o = monitor_json(f, "2026-03-09", NULL, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 0);
	assert_int_equal(json_array_size(json_object_get(o, "failed_channels")),
			 0);
	assert_int_equal(json_integer_value(json_object_get(o, "sent")), 4);
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(alertd_count(&f->hook), 2);
	body = hook_body(f, 2);
	assert_string_equal(state_of(body, "monitor.dmarc_fail_rate"), "new");
	json_decref(body);

	/* Delivered now: not again. */
	monitor_expect(f, "2026-03-09", 0, 2);
	free(hook);
}

/* Mail through a submission server that requires STARTTLS and AUTH, the
 * password from a private file; it appears nowhere else. */
static void test_smtp_starttls_auth(void **state)
{
	struct fixture *f = *state;
	struct testenv_run run;
	char *config, *pwfile, *text, *db;
	json_t *o;

	if (!alert_smtpd_available())
		skip();
	assert_true(alert_smtpd_start(&f->smtp));
	pwfile = testenv_write_file(f->dir, "smtp.pw", f->smtp.password);
	chmod(pwfile, 0600);
	config = xasprintf("[smtp]\nurl = smtp://127.0.0.1:%d\nuser = %s\n"
			   "password_file = %s\nca_file = %s\n"
			   "from = dmarcpilot@mon.example\n"
			   "to = ops@mon.example, oncall@mon.example\n",
			   f->smtp.port, f->smtp.user, pwfile, f->smtp.cert);
	write_config(f, config);
	import_report(f, "bad1", "2026-03-08", 80, 20);

	o = monitor_json(f, "2026-03-09", NULL, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 1);
	assert_int_equal(json_array_size(json_object_get(o, "failed_channels")),
			 0);
	assert_null(strstr(run.out, f->smtp.password));
	assert_null(strstr(run.err, f->smtp.password));
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(alertd_count(&f->smtp), 1);
	text = alertd_read(&f->smtp, 1, "env");
	assert_non_null(strstr(text, "tls True"));
	assert_non_null(strstr(text, "auth True"));
	assert_non_null(strstr(text, "to ops@mon.example"));
	assert_non_null(strstr(text, "to oncall@mon.example"));
	free(text);
	text = alertd_read(&f->smtp, 1, "eml");
	assert_non_null(strstr(text, "Subject: dmarcpilot: 4 new, 0 cleared "
				     "(mon.example)"));
	assert_non_null(strstr(text, "monitor.dmarc_fail_rate"));
	assert_non_null(strstr(text, "\r\nFrom: <dmarcpilot@mon.example>"));
	free(text);
	/* Never in the database. */
	db = testenv_db_dump(f->db, NULL);
	assert_non_null(db);
	assert_null(
	    memmem(db, strlen(db), f->smtp.password, strlen(f->smtp.password)));
	free(db);

	/* A wrong password: the channel fails, named, and is retried. */
	free(config);
	config = xasprintf("[smtp]\nurl = smtp://127.0.0.1:%d\nuser = %s\n"
			   "password_env = MONITOR_TEST_PW\nca_file = %s\n"
			   "from = dmarcpilot@mon.example\n"
			   "to = ops@mon.example\n",
			   f->smtp.port, f->smtp.user, f->smtp.cert);
	write_config(f, config);
	import_report(f, "good1", "2026-03-15", 100, 0);
	{
		const char *args[] = { "--now", "2026-03-16", "monitor", NULL };
		const char *env[] = { f->env_xdg, "MONITOR_TEST_PW=wrong-one",
				      NULL };
		const char *argv[] = { "--db",  f->db,   "--zone", f->zone,
				       args[0], args[1], args[2],  NULL };

		run = testenv_run_dmarcpilot(argv, env);
		assert_int_equal(run.status, 2);
		assert_non_null(strstr(run.err, "email"));
		assert_non_null(strstr(run.err, "127.0.0.1"));
		assert_null(strstr(run.err, "wrong-one"));
		testenv_run_done(&run);
	}
	assert_int_equal(alertd_count(&f->smtp), 1);
	free(config);
	free(pwfile);
}

/* --dry-run says what it would send, and sends, fetches and records
 * nothing: the next real run still sends it all. */
static void test_dry_run_sends_nothing(void **state)
{
	struct fixture *f = *state;
	struct testenv_run run;
	char *hook, *count;
	json_t *o;

	if (access("/usr/bin/python3", X_OK) != 0)
		skip();
	assert_true(webhookd_start(&f->hook));
	hook = webhook_section(f);
	write_config(f, hook);
	import_report(f, "bad1", "2026-03-08", 80, 20);

	o = monitor_json(f, "2026-03-09", "--dry-run", &run);
	assert_non_null(o);
	assert_int_equal(run.status, 1);
	assert_true(json_is_true(json_object_get(o, "dry_run")));
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(o, "would_send"), 0),
		"channel")),
	    "webhook:ops");
	assert_string_equal(state_of(o, "monitor.dmarc_fail_rate"), "new");
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(alertd_count(&f->hook), 0);
	count = testenv_db_text(f->db, "SELECT count(*) FROM monitor_alert");
	assert_string_equal(count, "0");
	free(count);
	count = testenv_db_text(f->db, "SELECT count(*) FROM monitor_run");
	assert_string_equal(count, "0");
	free(count);

	monitor_expect(f, "2026-03-09", 1, 1);
	free(hook);
}

/* A local sendmail that fails is a failed channel, named with its exit
 * status and kept for the next run; a domain not in the database stops
 * the run before anything is done. */
static void test_sendmail_failing_and_unknown_domain(void **state)
{
	struct fixture *f = *state;
	const char *unknown[] = { "monitor", "nowhere.example", NULL };
	struct testenv_run run;
	char *count;
	json_t *o;

	if (access("/bin/false", X_OK) != 0)
		skip();
	write_config(f, "[smtp]\nsendmail = /bin/false\n"
			"from = dmarcpilot@mon.example\n"
			"to = ops@mon.example\n");
	import_report(f, "bad1", "2026-03-08", 80, 20);
	o = monitor_failing(f, "2026-03-09", "email", &run);
	assert_non_null(strstr(run.err, "/bin/false"));
	json_decref(o);
	testenv_run_done(&run);
	count = testenv_db_text(f->db, "SELECT count(*) FROM monitor_outbox "
				       "WHERE channel = 'email' AND tries = 1");
	assert_string_equal(count, "4");
	free(count);

	run = run_cli(f, unknown);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "nowhere.example"));
	testenv_run_done(&run);
}

/* Thresholds per domain: a higher DMARC limit and SPF off for
 * mon.example silence those rules; the others keep the defaults. */
static void test_thresholds_per_domain(void **state)
{
	struct fixture *f = *state;
	struct testenv_run run;
	json_t *o;

	write_config(f, "[thresholds]\ndkim_fail = 50\n"
			"[thresholds mon.example]\ndmarc_fail = 30 %\n"
			"spf_fail = off\n");
	import_report(f, "bad1", "2026-03-08", 80, 20);
	o = monitor_json(f, "2026-03-09", NULL, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 1);
	assert_null(state_of(o, "monitor.dmarc_fail_rate"));
	assert_null(state_of(o, "monitor.spf_fail_rate"));
	assert_null(state_of(o, "monitor.dkim_fail_rate"));
	assert_string_equal(state_of(o, "monitor.unknown_source"), "new");
	json_decref(o);
	testenv_run_done(&run);

	/* A volume that halves against the week before. */
	import_report(f, "low1", "2026-03-15", 10, 0);
	o = monitor_json(f, "2026-03-16", NULL, &run);
	assert_non_null(o);
	assert_string_equal(state_of(o, "monitor.volume_drop"), "new");
	json_decref(o);
	testenv_run_done(&run);
}

/* config check names the file and line of a bad [smtp], [webhook] or
 * [thresholds] setting, and exits 2. */
static void test_config_check_names_line(void **state)
{
	struct fixture *f = *state;
	const char *args[] = { "config", "check", NULL };
	struct testenv_run run;
	char *where;

	write_config(f, "[thresholds]\nspf_fail = 5\ndmarc_fail = lots\n");
	run = run_cli(f, args);
	assert_int_equal(run.status, 2);
	where = xasprintf("%s:3:", f->config);
	assert_non_null(strstr(run.err, where));
	free(where);
	testenv_run_done(&run);

	write_config(f, "[webhook ops]\nurl = ftp://example.net/\n");
	run = run_cli(f, args);
	assert_int_equal(run.status, 2);
	where = xasprintf("%s:2:", f->config);
	assert_non_null(strstr(run.err, where));
	free(where);
	testenv_run_done(&run);

	write_config(f, "[smtp]\nurl = smtp://mail.example.net\n"
			"to = ops@example.net\n");
	run = run_cli(f, args);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "from"));
	testenv_run_done(&run);

	/* An SMTP password in a file others can read is refused. */
	write_config(f, "[smtp]\nurl = smtp://mail.example.net\n"
			"user = u\npassword = hunter2\n"
			"from = a@example.net\nto = ops@example.net\n");
	chmod(f->config, 0644);
	run = run_cli(f, args);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "chmod 600"));
	assert_null(strstr(run.err, "hunter2"));
	testenv_run_done(&run);

	/* So is a webhook URL with a token in it, naming the file and its
	 * mode and never the token; a URL of a bare host is no secret. */
	write_config(f, "[webhook chat]\nurl = https://hooks.example.net/"
			"services/T000/B000/s3cr3t-token\nformat = slack\n");
	chmod(f->config, 0640);
	run = run_cli(f, args);
	assert_int_equal(run.status, 2);
	where = xasprintf("%s:2:", f->config);
	assert_non_null(strstr(run.err, where));
	free(where);
	assert_non_null(strstr(run.err, "0640"));
	assert_non_null(strstr(run.err, "chmod 600"));
	assert_null(strstr(run.err, "s3cr3t"));
	testenv_run_done(&run);
	write_config(f, "[webhook chat]\nurl = https://hooks.example.net/\n");
	chmod(f->config, 0644);
	run = run_cli(f, args);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
}

/* monitor itself refuses to run with a webhook's token in a config file
 * others can read: exit 2, the file named, nothing sent. */
static void test_monitor_refuses_readable_token(void **state)
{
	struct fixture *f = *state;
	struct testenv_run run;
	char *hook;
	json_t *o;

	assert_true(webhookd_start(&f->hook));
	hook = webhook_section(f);
	write_config(f, hook);
	chmod(f->config, 0604);
	import_report(f, "bad1", "2026-03-08", 80, 20);
	o = monitor_json(f, "2026-03-09", NULL, &run);
	json_decref(o);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, f->config));
	assert_non_null(strstr(run.err, "0604"));
	assert_null(strstr(run.err, "s3cr3t"));
	testenv_run_done(&run);
	assert_int_equal(alertd_count(&f->hook), 0);
	free(hook);
}

/* The plan's own news: the next rung ready since the day it first
 * was (the day stays as it was on later runs), and a key of ours past
 * its lifetime (the rotation rule of the DKIM module). */
static void test_step_ready_and_rotation_due(void **state)
{
	struct fixture *f = *state;
	const char *add[] = { "sender", "add", "mon.example", "ip4:192.0.2.1",
			      NULL };
	struct state_dkim_key key = { 0 };
	struct err err = ERR_INIT;
	struct testenv_run run;
	struct store *store;
	int64_t id;
	json_t *o, *a;
	size_t i;

	run = run_cli(f, add);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	assert_int_equal(store_open(&store, f->db, &err), STATUS_OK);
	key.selector = (char *)"old2025";
	key.algorithm = (char *)"rsa";
	key.bits = 2048;
	key.key_path = (char *)"/nonexistent/old2025.private";
	assert_true(date_parse("2025-09-01", &key.created));
	key.published = DATE_NONE;
	key.retired = DATE_NONE;
	assert_int_equal(
	    state_dkim_key_add(store, "mon.example", &key, &id, &err),
	    STATUS_OK);
	store_close(store);

	o = monitor_json(f, "2026-03-09", NULL, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 1);
	assert_string_equal(state_of(o, "monitor.step_ready"), "new");
	assert_string_equal(state_of(o, "monitor.dkim_rotation_due"), "new");
	json_decref(o);
	testenv_run_done(&run);

	o = monitor_json(f, "2026-03-12", NULL, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 0);
	json_array_foreach(json_object_get(o, "alerts"), i, a)
	{
		if (strcmp(json_string_value(json_object_get(a, "code")),
			   "monitor.step_ready"))
			continue;
		assert_string_equal(
		    json_string_value(json_object_get(a, "state")), "open");
		assert_non_null(
		    strstr(json_string_value(json_object_get(a, "message")),
			   "ready since 2026-03-09"));
	}
	json_decref(o);
	testenv_run_done(&run);
}

/* Runs `monitor --json` for adopt.example with the zone file zone. */
static json_t *monitor_zone(struct fixture *f, const char *zone,
			    const char *day, struct testenv_run *run)
{
	const char *args[] = { "--db",          f->db, "--zone", zone,
			       "--now",         day,   "--json", "monitor",
			       "adopt.example", NULL };
	const char *env[] = { f->env_xdg, NULL };
	json_t *o;

	*run = testenv_run_dmarcpilot(args, env);
	o = json_loads(run->out, 0, NULL);
	if (!o)
		fprintf(stderr, "not JSON (exit %d): %s\n%s\n", run->status,
			run->out, run->err);
	return o;
}

/* The records verified by a step are watched: a DMARC record changed to
 * an external address nobody authorised, then removed, then put back. */
static void test_dns_against_what_was_stepped(void **state)
{
	struct fixture *f = *state;
	static const char head[] =
	    "$ORIGIN adopt.example.\n$TTL 300\n"
	    "@ IN SOA ns1 host 1 3600 600 86400 300\n@ IN NS ns1\n"
	    "ns1 IN A 192.0.2.53\n"
	    "@ IN TXT \"v=spf1 ip4:192.0.2.1 ~all\"\n";
	char *text = xasprintf("%s_dmarc IN TXT \"v=DMARC1; p=none; "
			       "rua=mailto:dmarc@adopt.example\"\n",
			       head);
	char *good = testenv_write_file(f->dir, "good.zone", text);
	char *moved, *gone;
	struct testenv_run run;
	json_t *o;

	free(text);
	text = xasprintf("%s_dmarc IN TXT \"v=DMARC1; p=none; "
			 "rua=mailto:dmarc@elsewhere.example\"\n",
			 head);
	moved = testenv_write_file(f->dir, "moved.zone", text);
	gone = testenv_write_file(f->dir, "gone.zone", head);
	{
		const char *add[] = { "--db", f->db,           "domain",
				      "add",  "adopt.example", NULL };
		const char *adopt[] = { "--db",   f->db,   "--zone",
					good,     "--now", "2026-03-09",
					"domain", "adopt", "adopt.example",
					NULL };

		run = testenv_run_dmarcpilot(add, NULL);
		assert_int_equal(run.status, 0);
		testenv_run_done(&run);
		run = testenv_run_dmarcpilot(adopt, NULL);
		assert_int_equal(run.status, 0);
		testenv_run_done(&run);
	}
	o = monitor_zone(f, good, "2026-03-09", &run);
	assert_non_null(o);
	assert_int_equal(run.status, 0);
	assert_int_equal(json_array_size(json_object_get(o, "alerts")), 0);
	json_decref(o);
	testenv_run_done(&run);

	o = monitor_zone(f, moved, "2026-03-10", &run);
	assert_non_null(o);
	assert_int_equal(run.status, 1);
	assert_string_equal(state_of(o, "monitor.record_changed"), "new");
	assert_string_equal(state_of(o, "monitor.rua_unauthorized"), "new");
	json_decref(o);
	testenv_run_done(&run);

	o = monitor_zone(f, gone, "2026-03-11", &run);
	assert_non_null(o);
	assert_int_equal(run.status, 1);
	assert_string_equal(state_of(o, "monitor.record_removed"), "new");
	assert_string_equal(state_of(o, "monitor.record_changed"), "cleared");
	json_decref(o);
	testenv_run_done(&run);

	o = monitor_zone(f, good, "2026-03-12", &run);
	assert_non_null(o);
	assert_int_equal(run.status, 0);
	assert_string_equal(state_of(o, "monitor.record_removed"), "cleared");
	assert_null(state_of(o, "monitor.rua_unauthorized"));
	json_decref(o);
	testenv_run_done(&run);
	free(text);
	free(good);
	free(moved);
	free(gone);
}

/* monitor fetches the reports waiting in the mailbox first, then
 * alerts on them. */
static void test_monitor_fetches_from_dovecot(void **state)
{
	struct fixture *f = *state;
	struct testenv_run run;
	char *xml, *mail, *config, *hook;
	json_t *o, *fetch;

	if (!dovecot_available() || access("/usr/bin/python3", X_OK) != 0)
		skip();
	assert_true(dovecot_start(&f->imap));
	assert_true(webhookd_start(&f->hook));
	xml = report_xml("imap1", "2026-03-08", 70, 30);
	mail = xasprintf("From: noreply-dmarc@receiver.example\r\n"
			 "To: dmarc@mon.example\r\n"
			 "Subject: Report domain: mon.example Report-ID: "
			 "imap1\r\n"
			 "Message-ID: <imap1@receiver.example>\r\n"
			 "MIME-Version: 1.0\r\nContent-Type: text/xml\r\n\r\n"
			 "%s",
			 xml);
	assert_true(dovecot_append(&f->imap, "INBOX", mail, false));
	/* A Slack-compatible webhook this time: {"text": ...}. */
	hook = xasprintf("[webhook chat]\nurl = http://127.0.0.1:%d/slack\n"
			 "format = slack\n",
			 f->hook.port);
	config = xasprintf("[mailbox]\nurl = imaps://127.0.0.1:%d\n"
			   "user = %s\npassword = %s\nca_file = %s\n%s",
			   f->imap.imaps_port, f->imap.user, f->imap.password,
			   f->imap.cert, hook);
	write_config(f, config);

	o = monitor_json(f, "2026-03-09", NULL, &run);
	assert_non_null(o);
	assert_int_equal(run.status, 1);
	fetch = json_object_get(o, "fetch");
	assert_true(json_is_true(json_object_get(fetch, "complete")));
	assert_int_equal(json_integer_value(json_object_get(fetch, "imported")),
			 1);
	assert_string_equal(state_of(o, "monitor.dmarc_fail_rate"), "new");
	assert_null(strstr(run.out, f->imap.password));
	json_decref(o);
	testenv_run_done(&run);
	assert_int_equal(dovecot_count(&f->imap, "INBOX"), 0);
	assert_int_equal(alertd_count(&f->hook), 1);
	{
		char *text = alertd_read(&f->hook, 1, "json");
		json_t *body = json_loads(text, 0, NULL);
		const char *said =
		    json_string_value(json_object_get(body, "text"));

		assert_non_null(said);
		assert_non_null(strstr(said, "monitor.dmarc_fail_rate"));
		assert_non_null(strstr(said, "mon.example"));
		json_decref(body);
		free(text);
	}
	free(config);
	free(hook);
	free(mail);
	free(xml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_alert_sent_once_and_cleared_once, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_webhook_500_retried_next_run, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_smtp_starttls_auth, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_sends_nothing,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_sendmail_failing_and_unknown_domain, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_thresholds_per_domain,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_config_check_names_line,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_monitor_refuses_readable_token, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_dns_against_what_was_stepped, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_step_ready_and_rotation_due, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_monitor_fetches_from_dovecot, fixture_setup,
		    fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
