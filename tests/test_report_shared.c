/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Report importers sharing one database: two `report import` processes
 * reading the same reports at once store each report once (the unique
 * constraint on (org, report id) decides, RFC 7489 7.2), on SQLite and
 * on a real PostgreSQL started on 127.0.0.1; and a connection to the
 * server lost in the middle of an import loses no report committed
 * before, says which server without its password, exits 2, and an
 * import run again adds exactly what was missing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <libpq-fe.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/postgres.h"
#include "lib/testenv.h"
#include "util/xalloc.h"

extern char **environ;

/* Reports in the set, records in each, and the report both importers
 * (or the lost connection) are held at. */
#define NREPORTS 12
#define NRECORDS 3
#define HELD 5

/* The server of the PostgreSQL cases, started once. */
static struct postgres_server server;
static bool server_up;

/* A scratch directory with the report files and where the database
 * is: an SQLite path or a PostgreSQL URI. */
struct fixture {
	char *dir;
	char *target;
	char *files[NREPORTS + 1]; /* the last: a copy of the first */
};

/* Report n of the set: NRECORDS records of n + 1 messages each. */
static char *report_xml(int n)
{
	char *rows = xstrdup("");

	for (int i = 0; i < NRECORDS; i++) {
		char *more = xasprintf(
		    "%s<record><row><source_ip>192.0.2.%d</source_ip>"
		    "<count>%d</count><policy_evaluated><disposition>none"
		    "</disposition><dkim>pass</dkim><spf>fail</spf>"
		    "</policy_evaluated></row><identifiers><header_from>"
		    "example.com</header_from></identifiers><auth_results>"
		    "<spf><domain>example.com</domain><result>pass</result>"
		    "</spf></auth_results></record>",
		    rows, i + 1, n + 1);

		free(rows);
		rows = more;
	}
	{
		char *xml = xasprintf(
		    "<?xml version=\"1.0\"?>\n<feedback><report_metadata>"
		    "<org_name>receiver.example</org_name>"
		    "<email>r@receiver.example</email>"
		    "<report_id>shared-%d</report_id><date_range>"
		    "<begin>1700006400</begin><end>1700092799</end>"
		    "</date_range></report_metadata><policy_published>"
		    "<domain>example.com</domain><p>none</p>"
		    "</policy_published>%s</feedback>\n",
		    n, rows);

		free(rows);
		return xml;
	}
}

/* Writes the report files; the last is the first again under another
 * name, as a report that arrives twice. */
static void write_reports(struct fixture *f)
{
	for (int n = 0; n < NREPORTS; n++) {
		char *name = xasprintf("report-%02d.xml", n);
		char *xml = report_xml(n);

		f->files[n] = testenv_write_file(f->dir, name, xml);
		free(xml);
		free(name);
	}
	{
		char *xml = report_xml(0);

		f->files[NREPORTS] =
		    testenv_write_file(f->dir, "again-00.xml", xml);
		free(xml);
	}
}

/* A fixture on a new SQLite file. */
static int sqlite_setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	f->dir = testenv_mkdtemp();
	f->target = xasprintf("%s/shared.db", f->dir);
	write_reports(f);
	*state = f;
	return 0;
}

/* A fixture on a new PostgreSQL database (NULL, and the test skips,
 * without the server's programs). */
static int postgres_setup(void **state)
{
	static int serial;
	struct fixture *f;
	char *name;

	*state = NULL;
	if (!postgres_available())
		return 0;
	if (!server_up) {
		if (!postgres_start(&server))
			return -1;
		server_up = true;
	}
	f = xcalloc(1, sizeof *f);
	f->dir = testenv_mkdtemp();
	name = xasprintf("shared%d", ++serial);
	f->target = postgres_create_db(&server, name);
	free(name);
	if (!f->target)
		return -1;
	write_reports(f);
	*state = f;
	return 0;
}

/* Removes what setup made. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	testenv_rmdir(f->dir);
	for (int n = 0; n <= NREPORTS; n++)
		free(f->files[n]);
	free(f->target);
	free(f->dir);
	free(f);
	return 0;
}

/* The fixture, or a skip when there is no server. */
static struct fixture *fixture(void **state)
{
	if (!*state)
		skip();
	return *state;
}

/* A `report import` running in the background. */
struct importer {
	pid_t pid;
	char *out, *err; /* files its stdout and stderr go to */
	int status;      /* once waited for */
	char *stdout_text, *stderr_text;
};

/* Starts `dmarcpilot --db TARGET report import` of the report files,
 * in order or the other way round. */
static void importer_start(struct importer *im, struct fixture *f,
			   const char *tag, bool reverse)
{
	const char *argv[5 + NREPORTS + 2];
	posix_spawn_file_actions_t fa;
	int k = 0;

	memset(im, 0, sizeof *im);
	im->out = xasprintf("%s/%s.out", f->dir, tag);
	im->err = xasprintf("%s/%s.err", f->dir, tag);
	argv[k++] = testenv_binary();
	argv[k++] = "--db";
	argv[k++] = f->target;
	argv[k++] = "report";
	argv[k++] = "import";
	for (int n = 0; n <= NREPORTS; n++)
		argv[k++] = f->files[reverse ? NREPORTS - n : n];
	argv[k] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, im->out,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, im->err,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(posix_spawn(&im->pid, argv[0], &fa, NULL,
				     (char *const *)argv, environ),
			 0);
	posix_spawn_file_actions_destroy(&fa);
}

/* Waits for the importer to end and reads what it printed. */
static void importer_wait(struct importer *im)
{
	int status;

	assert_int_equal(waitpid(im->pid, &status, 0), im->pid);
	im->status =
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	im->stdout_text = testenv_read_file(im->out, NULL);
	im->stderr_text = testenv_read_file(im->err, NULL);
	assert_non_null(im->stdout_text);
	assert_non_null(im->stderr_text);
}

/* Frees an importer's strings. */
static void importer_done(struct importer *im)
{
	free(im->out);
	free(im->err);
	free(im->stdout_text);
	free(im->stderr_text);
}

/* The numbers of an importer's summary line. */
struct summary {
	unsigned long imported, duplicates, rejected;
};

/* Reads "imported N, duplicates N, rejected N" from its output. */
static struct summary importer_summary(const struct importer *im)
{
	struct summary s = { 0, 0, 0 };

	if (sscanf(im->stdout_text,
		   "imported %lu, duplicates %lu, "
		   "rejected %lu",
		   &s.imported, &s.duplicates, &s.rejected) != 3)
		fail_msg("no summary: %s / %s", im->stdout_text,
			 im->stderr_text);
	return s;
}

/* What the database holds, as "reports/records/messages", then the
 * reports and the messages of the per-day sums the importers kept (by
 * day, and by day and source), the same query on either server. */
static const char sql_contents[] =
    "SELECT (SELECT count(*) FROM report) || '/' ||"
    " (SELECT count(*) FROM report_row) || '/' ||"
    " (SELECT coalesce(sum(count), 0) FROM report_row) || ' ' ||"
    " (SELECT coalesce(sum(reports), 0) FROM report_day) || '/' ||"
    " (SELECT coalesce(sum(n), 0) FROM report_day) || '/' ||"
    " (SELECT coalesce(sum(n), 0) FROM report_day_source)";

/* "reports/records/messages reports/messages/messages" for the first n
 * reports of the set. */
static char *contents_of(int n)
{
	int messages = NRECORDS * n * (n + 1) / 2;

	return xasprintf("%d/%d/%d %d/%d/%d", n, n * NRECORDS, messages, n,
			 messages, messages);
}

/* A connection of the test's own to the PostgreSQL database. */
static PGconn *pg_connect(const struct fixture *f)
{
	PGconn *conn = PQconnectdb(f->target);

	if (PQstatus(conn) != CONNECTION_OK)
		fail_msg("%s", PQerrorMessage(conn));
	return conn;
}

/* Runs sql and returns the first column of its first row ("" when
 * none); fails the test when it does not run. Caller frees. */
static char *pg_text(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	char *text;

	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	text = xstrdup(PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return text;
}

/* What the database holds (see sql_contents). */
static char *contents(const struct fixture *f)
{
	return testenv_db_text(f->target, sql_contents);
}

/* Creates the schema by opening the database once (an import of an
 * empty folder), so that the test's own connection finds the tables. */
static void schema_create(const struct fixture *f)
{
	char *empty = xasprintf("%s/empty", f->dir);
	const char *args[] = { "--db",   f->target, "report",
			       "import", empty,     NULL };
	struct testenv_run run;

	assert_int_equal(mkdir(empty, 0700), 0);
	run = testenv_run_dmarcpilot(args, NULL);
	if (run.status != 0)
		fail_msg("import of nothing: %s", run.err);
	testenv_run_done(&run);
	free(empty);
}

/* Holds report HELD of the set: inserts it in a transaction left open,
 * so that an importer that reaches it waits for the test. */
static PGconn *hold_report(const struct fixture *f)
{
	PGconn *conn = pg_connect(f);
	char *sql =
	    xasprintf("BEGIN; INSERT INTO report (org_name, report_id, domain,"
		      " date_begin, date_end, format, imported) VALUES"
		      " ('receiver.example', 'shared-%d', 'example.com', 0, 0,"
		      " 'rfc7489', 'held by the test')",
		      HELD);

	free(pg_text(conn, sql));
	free(sql);
	return conn;
}

/* Waits until count backends of dmarcpilot wait for a lock (the
 * held report), and returns the pid of one: the state, not a time.
 * Asks on a connection of its own, outside the transaction that holds
 * the report (which would see one snapshot of the activity). Fails,
 * with what it printed, when importer im ends first. */
static char *wait_lock_waiters(const struct fixture *f, int count,
			       struct importer *im)
{
	PGconn *conn = pg_connect(f);
	char *sql =
	    xasprintf("SELECT CASE WHEN count(*) = %d THEN min(pid) END FROM"
		      " pg_stat_activity WHERE application_name = 'dmarcpilot'"
		      " AND wait_event_type = 'Lock'",
		      count);
	time_t end = time(NULL) + 60;
	char *pid = NULL;

	while (time(NULL) < end) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		pid = pg_text(conn, sql);
		if (*pid)
			break;
		free(pid);
		pid = NULL;
		if (testenv_process_gone(im->pid)) {
			importer_wait(im);
			fail_msg("the importer ended (%d): %s%s", im->status,
				 im->stdout_text, im->stderr_text);
		}
		/* pg_stat_activity has no notification to block on */
		nanosleep(&ts, NULL);
	}
	free(sql);
	PQfinish(conn);
	if (!pid)
		fail_msg("the importers never reached the held report");
	return pid;
}

/* Two importers, the files in opposite orders, at once: every report
 * is stored once and each counted once as imported and once as a
 * duplicate between them. */
static void two_importers(struct fixture *f, PGconn *held)
{
	struct importer a, b;
	struct summary sa, sb;
	char *got, *want = contents_of(NREPORTS);

	importer_start(&a, f, "a", false);
	importer_start(&b, f, "b", true);
	if (held) {
		/* Both wait on the same report; let them race for it. */
		free(wait_lock_waiters(f, 2, &a));
		free(pg_text(held, "ROLLBACK"));
	}
	importer_wait(&a);
	importer_wait(&b);
	if (a.status != 0 || b.status != 0)
		fail_msg("exit %d, %d: %s%s", a.status, b.status, a.stderr_text,
			 b.stderr_text);
	sa = importer_summary(&a);
	sb = importer_summary(&b);
	/* NREPORTS + 1 files each; the copy of report 0 is a duplicate
	 * for whoever reads it second (or both). */
	assert_int_equal(sa.imported + sb.imported, NREPORTS);
	assert_int_equal(sa.duplicates + sb.duplicates, NREPORTS + 2);
	assert_int_equal(sa.rejected + sb.rejected, 0);
	got = contents(f);
	assert_string_equal(got, want);
	free(got);
	free(want);
	importer_done(&a);
	importer_done(&b);
}

/* SQLite: the write lock queues the two importers file by file. */
static void test_two_importers_sqlite(void **state)
{
	struct fixture *f = fixture(state);

	schema_create(f);
	two_importers(f, NULL);
}

/* PostgreSQL: both importers are held at the same report by the
 * test's open transaction, then race for it when it rolls back: one
 * inserts it, the other waits on the unique index and adds nothing. */
static void test_two_importers_postgres(void **state)
{
	struct fixture *f = fixture(state);
	PGconn *held;

	schema_create(f);
	held = hold_report(f);
	two_importers(f, held);
	PQfinish(held);
}

/* The server ends the importer's connection while it waits at report
 * HELD: the reports before it stay, nothing of it or after it is
 * stored, the error names the server and not the password, exit 2;
 * the same import again adds exactly the rest. */
static void test_connection_lost(void **state)
{
	struct fixture *f = fixture(state);
	struct importer im, again;
	struct summary s;
	PGconn *held;
	char *pid, *sql, *got, *want;

	schema_create(f);
	held = hold_report(f);
	importer_start(&im, f, "lost", false);
	pid = wait_lock_waiters(f, 1, &im);
	sql = xasprintf("SELECT pg_terminate_backend(%s)", pid);
	got = pg_text(held, sql);
	assert_string_equal(got, "t");
	free(got);
	free(sql);
	free(pid);
	free(pg_text(held, "ROLLBACK"));
	PQfinish(held);
	importer_wait(&im);
	print_message("the importer said: %s", im.stderr_text);
	assert_int_equal(im.status, 2);
	{
		char *name = xasprintf("postgresql://dmarcpilot@127.0.0.1:%d/",
				       server.port);

		if (!strstr(im.stderr_text, name))
			fail_msg("the server is not named: %s", im.stderr_text);
		free(name);
	}
	assert_null(strstr(im.stderr_text, server.password));
	assert_null(strstr(im.stdout_text, server.password));
	s = importer_summary(&im);
	assert_int_equal(s.imported, HELD);
	got = contents(f);
	want = contents_of(HELD);
	assert_string_equal(got, want);
	free(got);
	free(want);
	importer_done(&im);

	importer_start(&again, f, "again", false);
	importer_wait(&again);
	assert_int_equal(again.status, 0);
	s = importer_summary(&again);
	assert_int_equal(s.imported, NREPORTS - HELD);
	assert_int_equal(s.duplicates, HELD + 1);
	got = contents(f);
	want = contents_of(NREPORTS);
	assert_string_equal(got, want);
	free(got);
	free(want);
	importer_done(&again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_importers_sqlite,
						sqlite_setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_importers_postgres,
						postgres_setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_lost,
						postgres_setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (server_up)
		postgres_stop(&server);
	return rc;
}
