/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lib/testenv.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "lib/postgres.h"
#include "util/xalloc.h"
#include "util/strbuf.h"

/* The shared test data directory, if it is there. */
const char *testenv_testdata(void)
{
	const char *dir = getenv("DMARCPILOT_TESTDATA");
	struct stat st;

	if (!dir || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return dir;
}

/* Skips the whole program without the shared data. */
void testenv_require_testdata(void)
{
	if (testenv_testdata())
		return;
	printf("skipped: no shared test data (DMARCPILOT_TESTDATA=%s)\n",
	       getenv("DMARCPILOT_TESTDATA") ? getenv("DMARCPILOT_TESTDATA")
					     : "");
	exit(TESTENV_SKIP_STATUS);
}

/* Skips the whole program without a needed tool. */
void testenv_require_program(const char *var)
{
	if (testenv_program(var))
		return;
	printf("skipped: %s is not installed\n", var);
	exit(TESTENV_SKIP_STATUS);
}

/* The binary under test. */
const char *testenv_binary(void)
{
	const char *bin = getenv("DMARCPILOT_BIN");

	return bin && *bin ? bin : "src/dmarcpilot";
}

/* The source tree. */
const char *testenv_srcdir(void)
{
	const char *dir = getenv("top_srcdir");

	return dir && *dir ? dir : ".";
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw);

/* Scratch directories made and not removed yet. A failed assertion
 * leaves its test function early (cmocka longjmps out), so these are
 * removed at exit, by the process that made them; the caller's copy of
 * the path stays referenced here, so that a failed test's report is not
 * buried under reports of leaks. */
#define TESTENV_MAX_DIRS 256
static struct {
	char *path;        /* our own copy */
	const void *given; /* the caller's, never read */
	pid_t owner;
} testenv_dirs[TESTENV_MAX_DIRS];

/* Removes every scratch directory this process left; run at exit. */
static void testenv_rmdir_all(void)
{
	for (size_t i = 0; i < TESTENV_MAX_DIRS; i++) {
		if (!testenv_dirs[i].path || testenv_dirs[i].owner != getpid())
			continue;
		nftw(testenv_dirs[i].path, remove_entry, 16,
		     FTW_DEPTH | FTW_PHYS);
		free(testenv_dirs[i].path);
		testenv_dirs[i].path = NULL;
	}
}

/* Makes a scratch directory. */
char *testenv_mkdtemp(void)
{
	static bool registered;
	const char *tmp = getenv("TMPDIR");
	char *path =
	    xasprintf("%s/dmarcpilot-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");

	if (!mkdtemp(path)) {
		perror("mkdtemp");
		abort();
	}
	for (size_t i = 0; i < TESTENV_MAX_DIRS; i++)
		if (!testenv_dirs[i].path) {
			testenv_dirs[i].path = xstrdup(path);
			testenv_dirs[i].given = path;
			testenv_dirs[i].owner = getpid();
			break;
		}
	if (!registered) {
		atexit(testenv_rmdir_all);
		registered = true;
	}
	return path;
}

/* Removes one entry for nftw. */
static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	return remove(path);
}

/* Removes a directory tree. */
void testenv_rmdir(const char *path)
{
	if (!path)
		return;
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < TESTENV_MAX_DIRS; i++)
		if (testenv_dirs[i].path &&
		    strcmp(testenv_dirs[i].path, path) == 0) {
			free(testenv_dirs[i].path);
			testenv_dirs[i].path = NULL;
			testenv_dirs[i].given = NULL;
			break;
		}
}

/* Writes a file in a directory. */
char *testenv_write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");

	if (!fp) {
		perror(path);
		abort();
	}
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* Writes the failure report mail of testenv.h. */
char *testenv_write_arf(const char *dir, const char *domain, const char *ip)
{
	char *text = xasprintf(
	    "From: dmarc-noreply@receiver.example\r\n"
	    "To: ruf@%s\r\n"
	    "Subject: DMARC failure report\r\n"
	    "Message-ID: <ruf-7@receiver.example>\r\n"
	    "Date: Sun, 08 Mar 2026 10:00:00 +0000\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=feedback-report;\r\n"
	    " boundary=\"b1\"\r\n"
	    "\r\n"
	    "--b1\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "A message failed DMARC.\r\n"
	    "--b1\r\n"
	    "Content-Type: message/feedback-report\r\n"
	    "\r\n"
	    "Feedback-Type: auth-failure\r\n"
	    "Version: 1\r\n"
	    "Original-Mail-From: <bounce@spoof.example>\r\n"
	    "Arrival-Date: Sun, 08 Mar 2026 09:58:00 +0000\r\n"
	    "Source-IP: %s\r\n"
	    "Reported-Domain: %s\r\n"
	    "Auth-Failure: dmarc\r\n"
	    "\r\n"
	    "--b1\r\n"
	    "Content-Type: text/rfc822-headers\r\n"
	    "\r\n"
	    "From: Billing <billing@%s>\r\n"
	    "Subject: invoice\r\n"
	    "Message-ID: <fake-9@spoof.example>\r\n"
	    "DKIM-Signature: v=1; a=rsa-sha256; d=spoof.example; s=k9;\r\n"
	    " h=from; bh=AAAA; b=AAAA\r\n"
	    "\r\n"
	    "--b1--\r\n",
	    domain, ip, domain, domain);
	char *path = testenv_write_file(dir, "ruf.eml", text);

	free(text);
	return path;
}

/* Reads a file into memory. */
char *testenv_read_file(const char *path, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (!fp)
		return NULL;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(fp);
	if (len)
		*len = sb.len;
	return strbuf_detach(&sb);
}

/* Runs a program with pipes for its three standard streams. */
struct testenv_run testenv_run(const char *const argv[],
			       const char *const env[], const char *input)
{
	struct testenv_run run = { 0 };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	int in_pipe[2], out_pipe[2], err_pipe[2], status;
	size_t in_off = 0, in_len = input ? strlen(input) : 0;
	pid_t pid;

	if (pipe(in_pipe) || pipe(out_pipe) || pipe(err_pipe)) {
		perror("pipe");
		abort();
	}
	pid = fork();
	if (pid == 0) {
		dup2(in_pipe[0], 0);
		dup2(out_pipe[1], 1);
		dup2(err_pipe[1], 2);
		close(in_pipe[0]);
		close(in_pipe[1]);
		close(out_pipe[0]);
		close(out_pipe[1]);
		close(err_pipe[0]);
		close(err_pipe[1]);
		for (size_t i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in_pipe[0]);
	close(out_pipe[1]);
	close(err_pipe[1]);
	if (in_len == 0) {
		close(in_pipe[1]);
		in_pipe[1] = -1;
	} else {
		fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
	}
	for (;;) {
		struct pollfd fds[3] = {
			{ out_pipe[0], POLLIN, 0 },
			{ err_pipe[0], POLLIN, 0 },
			{ in_pipe[1], POLLOUT, 0 },
		};
		char buf[65536];
		ssize_t n;

		if (fds[0].fd < 0 && fds[1].fd < 0)
			break;
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			n = read(fds[i].fd, buf, sizeof buf);
			if (n <= 0) {
				close(fds[i].fd);
				if (i == 0)
					out_pipe[0] = -1;
				else
					err_pipe[0] = -1;
			} else {
				strbuf_add(i == 0 ? &out : &err, buf,
					   (size_t)n);
			}
		}
		if (in_pipe[1] >= 0 && fds[2].revents) {
			n = write(in_pipe[1], input + in_off, in_len - in_off);
			if (n > 0)
				in_off += (size_t)n;
			if (n < 0 || in_off == in_len) {
				close(in_pipe[1]);
				in_pipe[1] = -1;
			}
		}
	}
	if (in_pipe[1] >= 0)
		close(in_pipe[1]);
	waitpid(pid, &status, 0);
	run.status =
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	run.out = strbuf_detach(&out);
	run.err = strbuf_detach(&err);
	return run;
}

/* Runs dmarcpilot with arguments. */
struct testenv_run testenv_run_dmarcpilot(const char *const args[],
					  const char *const env[])
{
	const char *argv[64];
	size_t n = 0;

	argv[n++] = testenv_binary();
	for (size_t i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return testenv_run(argv, env, NULL);
}

/* Frees a run's output. */
void testenv_run_done(struct testenv_run *run)
{
	free(run->out);
	free(run->err);
	run->out = run->err = NULL;
}

/* A program path from the environment. */
const char *testenv_program(const char *var)
{
	const char *p = getenv(var);

	if (!p || !*p || access(p, X_OK) != 0)
		return NULL;
	return p;
}

/* Whether a process has ended: kill() finds none, or /proc shows a
 * zombie (state Z after the command's closing parenthesis). */
bool testenv_process_gone(int pid)
{
	char *path = xasprintf("/proc/%d/stat", pid);
	char *stat = testenv_read_file(path, NULL);
	const char *end = stat ? strrchr(stat, ')') : NULL;
	bool gone = (kill(pid, 0) < 0 && errno == ESRCH) ||
		    (end && end[1] == ' ' && end[2] == 'Z');

	free(stat);
	free(path);
	return gone;
}

static char *pg_value(const char *uri, const char *sql);

/* One value from the database, through a read-only connection. */
char *testenv_db_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	char *out = NULL;
	int rc;

	if (strncmp(path, "postgresql://", 13) == 0)
		return pg_value(path, sql);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("%s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("%s: %s: %s", path, sql, sqlite3_errmsg(db));
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0))
		out = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		fail_msg("%s: %s: %s", path, sql, sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return out ? out : xstrdup("");
}

/* The report rows' authentication results as words. */
char *testenv_db_auth_text(const char *path)
{
	bool pg = strncmp(path, "postgres", 8) == 0;
	const char *rows =
	    pg ? "string_agg(x, ';' ORDER BY k)" : "group_concat(x, ';')";
	const char *words =
	    pg ? "string_agg(y, ' ' ORDER BY p)" : "group_concat(y, ' ')";
	char *sql = xasprintf(
	    "SELECT %s FROM (SELECT w.id || '|' || coalesce((SELECT %s FROM"
	    " (SELECT a.domain || ':' || a.selector || ':' || a.result AS y,"
	    " a.position AS p FROM report_row_auth a WHERE a.row_id = w.id"
	    " AND a.kind = 'dkim' ORDER BY a.position) AS d), '') || '|' ||"
	    " coalesce((SELECT %s FROM (SELECT a.domain || ':' || a.result"
	    " AS y, a.position AS p FROM report_row_auth a WHERE"
	    " a.row_id = w.id AND a.kind = 'spf' AND a.selector IS NULL"
	    " ORDER BY a.position) AS s), '') AS x, w.id AS k"
	    " FROM report_row w WHERE EXISTS (SELECT 1 FROM report_row_auth a"
	    " WHERE a.row_id = w.id) ORDER BY w.id) AS t",
	    rows, words, words);
	char *text = testenv_db_text(path, sql);

	free(sql);
	return text;
}

/* Whether the tests run on PostgreSQL. */
bool testenv_db_postgres(void)
{
	const char *which = getenv("DMARCPILOT_TEST_DB");

	return which && strcmp(which, "postgres") == 0;
}

/* A fresh database on the process's one server. */
char *testenv_postgres_db(void)
{
	static struct postgres_server server;
	static bool up;
	static int serial;
	char *db, *uri;

	if (!up) {
		if (!postgres_available())
			fail_msg("PostgreSQL is needed, but initdb and "
				 "postgres are not installed (INITDB, "
				 "POSTGRES)");
		if (!postgres_start(&server))
			fail_msg("PostgreSQL did not start");
		up = true;
	}
	db = xasprintf("t%d_%d", (int)getpid(), ++serial);
	uri = postgres_create_db(&server, db);
	free(db);
	if (!uri)
		fail_msg("cannot create a PostgreSQL database");
	return uri;
}

/* A file, or a fresh database on the process's one server. */
char *testenv_db(const char *dir, const char *name)
{
	if (!testenv_db_postgres())
		return xasprintf("%s/%s", dir, name);
	return testenv_postgres_db();
}

/* One value through libpq. */
static char *pg_value(const char *uri, const char *sql)
{
	PGconn *conn = PQconnectdb(uri);
	PGresult *res = NULL;
	char *out = NULL;

	if (PQstatus(conn) != CONNECTION_OK)
		fail_msg("%s", PQerrorMessage(conn));
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		out = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
	return out ? out : xstrdup("");
}

/* Everything the database holds, as text to search: the SQLite file's
 * bytes, or every row of every table of a PostgreSQL database. */
char *testenv_db_dump(const char *path, size_t *len)
{
	PGconn *conn;
	PGresult *tables;
	struct strbuf sb = STRBUF_INIT;

	if (strncmp(path, "postgresql://", 13) != 0)
		return testenv_read_file(path, len);
	conn = PQconnectdb(path);
	if (PQstatus(conn) != CONNECTION_OK)
		fail_msg("%s", PQerrorMessage(conn));
	tables = PQexec(conn, "SELECT quote_ident(table_name) FROM"
			      " information_schema.tables WHERE"
			      " table_schema = 'public'");
	if (PQresultStatus(tables) != PGRES_TUPLES_OK)
		fail_msg("%s", PQresultErrorMessage(tables));
	for (int i = 0; i < PQntuples(tables); i++) {
		char *sql = xasprintf("SELECT t::text FROM %s t",
				      PQgetvalue(tables, i, 0));
		PGresult *rows = PQexec(conn, sql);

		if (PQresultStatus(rows) != PGRES_TUPLES_OK)
			fail_msg("%s: %s", sql, PQresultErrorMessage(rows));
		for (int r = 0; r < PQntuples(rows); r++) {
			strbuf_addstr(&sb, PQgetvalue(rows, r, 0));
			strbuf_addch(&sb, '\n');
		}
		PQclear(rows);
		free(sql);
	}
	PQclear(tables);
	PQfinish(conn);
	if (len)
		*len = sb.len;
	return strbuf_detach(&sb);
}

/* Makes the self-signed certificate for 127.0.0.1. */
bool testenv_self_signed(const char *cert, const char *key)
{
	const char *argv[] = { testenv_program("OPENSSL"),
			       "req",
			       "-x509",
			       "-newkey",
			       "rsa:2048",
			       "-nodes",
			       "-keyout",
			       key,
			       "-out",
			       cert,
			       "-days",
			       "2",
			       "-subj",
			       "/CN=127.0.0.1",
			       "-addext",
			       "subjectAltName=IP:127.0.0.1",
			       NULL };
	struct testenv_run run;
	bool ok;

	if (!argv[0])
		return false;
	run = testenv_run(argv, NULL, NULL);
	ok = run.status == 0;
	if (!ok)
		fprintf(stderr, "openssl req failed: %s\n", run.err);
	testenv_run_done(&run);
	return ok;
}

/* Runs a statement that must succeed. */
void testenv_pg_ok(struct pg_conn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
}

/* Polls pg_stat_activity until n sessions wait on a lock. */
void testenv_pg_wait_blocked(struct pg_conn *conn, int n)
{
	for (int i = 0; i < 30000; i++) {
		PGresult *res =
		    PQexec(conn, "SELECT count(*) FROM pg_stat_activity"
				 " WHERE datname = current_database()"
				 " AND wait_event_type = 'Lock'");
		int blocked = PQresultStatus(res) == PGRES_TUPLES_OK
				  ? atoi(PQgetvalue(res, 0, 0))
				  : -1;
		struct timespec ts = { 0, 1000 * 1000 };

		PQclear(res);
		if (blocked >= n)
			return;
		nanosleep(&ts, NULL);
	}
	fail_msg("%d sessions never all waited on a lock", n);
}
