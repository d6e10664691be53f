/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every test program needs: where the shared test data and the
 * binary are, scratch directories, running a program and capturing it. */
#ifndef DMARCPILOT_TESTENV_H
#define DMARCPILOT_TESTENV_H

#include <stdbool.h>
#include <stddef.h>

/* $DMARCPILOT_TESTDATA (the shared conformance data and reports), or NULL
 * when it is absent, in which case a test must skip(), never pass. */
const char *testenv_testdata(void);

/* Automake's exit status for "this whole test program was skipped". */
#define TESTENV_SKIP_STATUS 77

/* For a test program that needs the shared data throughout: exits with
 * TESTENV_SKIP_STATUS, saying why, when it is absent, so that automake
 * reports SKIP rather than PASS (DESIGN.md section 1). */
void testenv_require_testdata(void);

/* The same for a program that needs an installed program (NSD, TMUX_BIN,
 * NAMED_CHECKZONE: the Makefile's variable names). */
void testenv_require_program(const char *var);

/* The dmarcpilot binary under test ($DMARCPILOT_BIN). */
const char *testenv_binary(void);

/* The source tree ($top_srcdir, or "." when unset). */
const char *testenv_srcdir(void);

/* A fresh directory under $TMPDIR, removed with testenv_rmdir(). Caller
 * frees the string. */
char *testenv_mkdtemp(void);

/* Removes a directory tree. */
void testenv_rmdir(const char *path);

/* Writes text to dir/name; returns the full path (caller frees). */
char *testenv_write_file(const char *dir, const char *name, const char *text);

/* Writes dir/ruf.eml, a DMARC failure report (RFC 6591) about domain:
 * a message from billing@DOMAIN with envelope sender
 * bounce@spoof.example and Message-ID <fake-9@spoof.example>, signed
 * by spoof.example with selector k9, sent from ip, arrived Sun, 08 Mar
 * 2026 09:58:00 +0000, failing dmarc. Returns the path (caller
 * frees). */
char *testenv_write_arf(const char *dir, const char *domain, const char *ip);

/* Reads a whole file; NULL if it cannot. Caller frees. */
char *testenv_read_file(const char *path, size_t *len);

/* The result of running a program. */
struct testenv_run {
	int status; /* exit status, or 128+signal */
	char *out;  /* stdout, NUL-terminated */
	char *err;  /* stderr, NUL-terminated */
};

/* Runs argv (argv[0] a path or a name in PATH) with extra environment
 * entries "NAME=value" (env may be NULL), optional stdin text, and
 * collects its output. */
struct testenv_run testenv_run(const char *const argv[],
			       const char *const env[], const char *input);

/* Runs the dmarcpilot binary with argv (not counting the program name). */
struct testenv_run testenv_run_dmarcpilot(const char *const args[],
					  const char *const env[]);

void testenv_run_done(struct testenv_run *run);

/* True when process pid has ended: it is gone, or a zombie its parent
 * has not reaped yet. */
bool testenv_process_gone(int pid);

/* The path of a program from the environment variable var (set by the
 * Makefile: NSD, TMUX_BIN, NAMED_CHECKZONE), or NULL when not installed. */
const char *testenv_program(const char *var);

/* Makes a self-signed certificate for 127.0.0.1 (its own CA) at cert
 * with its private key at key, by openssl; false, saying why, if it
 * cannot. */
bool testenv_self_signed(const char *cert, const char *key);

/* The database a test stores into, by DMARCPILOT_TEST_DB: unset or
 * "sqlite", the file dir/name; "postgres", a new, empty database on a
 * PostgreSQL server this process starts on 127.0.0.1 at the first call
 * and stops at exit (postgres.h), as a postgresql:// URI. Without
 * PostgreSQL installed the test fails: it must not pass having tested
 * nothing. Caller frees. */
char *testenv_db(const char *dir, const char *name);

/* A new, empty database on the process's PostgreSQL server (started
 * at the first call) whatever DMARCPILOT_TEST_DB says, as a
 * postgresql:// URI with the password; fails the test without
 * PostgreSQL. Caller frees. */
char *testenv_postgres_db(void);

/* True when DMARCPILOT_TEST_DB asks for PostgreSQL. */
bool testenv_db_postgres(void);

/* The first column of the first row of sql run on the database at path
 * (a file, or a PostgreSQL URI from testenv_db()) through a connection
 * of its own (read-only, so that tests look at what
 * the program committed without the store's own handle), as text: ""
 * for NULL or no row. Fails the test when sql does not run. Caller
 * frees. */
char *testenv_db_text(const char *path, const char *sql);

struct pg_conn; /* libpq's PGconn */

/* Runs sql on a PostgreSQL connection the test holds; fails the test
 * when it does not run. */
void testenv_pg_ok(struct pg_conn *conn, const char *sql);

/* Waits until n sessions of conn's database, other than conn's, wait
 * on a lock (a lock conn holds, say): a state to wait on, so that two
 * writers are known to be past their reads. Fails the test after 30
 * seconds. */
void testenv_pg_wait_blocked(struct pg_conn *conn, int n);
/* The raw authentication results of the report rows that have any, as
 * report_row_auth holds them, in the words schema 10 stored them in:
 * "ID|DKIM|SPF;..." by row id, DKIM "domain:selector:result" and SPF
 * "domain:result" words space-separated in their positions. The
 * database at path as for testenv_db_text(). Caller frees. */
char *testenv_db_auth_text(const char *path);

/* Everything the database at path holds, to search for what must never
 * be stored (a secret): the SQLite file's bytes, or every row of every
 * table of a PostgreSQL database as text; *len (may be NULL) is its
 * length. Caller frees. */
char *testenv_db_dump(const char *path, size_t *len);

#endif
