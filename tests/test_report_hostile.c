/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hostile input to `report import` (tests/hostile/ and generated bombs):
 * each file is refused with exit status 2 and one clean line naming it,
 * and the database is afterwards exactly as before. Then the import is
 * killed with SIGKILL at random points: the database stays intact and
 * importing again gives the totals of one clean import. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/testenv.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* One valid report, so that "unchanged" means something. */
static char *report_xml(const char *id, const char *ip, int count)
{
	return xasprintf(
	    "<?xml version=\"1.0\"?>\n<feedback><report_metadata>"
	    "<org_name>base.example</org_name><report_id>%s</report_id>"
	    "<date_range><begin>1700006400</begin><end>1700092799</end>"
	    "</date_range></report_metadata><policy_published><domain>"
	    "example.com</domain><p>none</p></policy_published><record>"
	    "<row><source_ip>%s</source_ip><count>%d</count>"
	    "<policy_evaluated><disposition>none</disposition><dkim>pass"
	    "</dkim><spf>fail</spf></policy_evaluated></row><identifiers>"
	    "<header_from>example.com</header_from></identifiers></record>"
	    "</feedback>\n",
	    id, ip, count);
}

/* Every row of the report tables, as one string. */
static char *dump(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *stmt;
	struct strbuf sb = STRBUF_INIT;
	static const char *const sql[] = {
		"SELECT * FROM report ORDER BY id",
		"SELECT * FROM report_row ORDER BY id",
		"SELECT * FROM failure_report ORDER BY id",
	};

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	for (size_t q = 0; q < 3; q++) {
		assert_int_equal(sqlite3_prepare_v2(h, sql[q], -1, &stmt, NULL),
				 SQLITE_OK);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(stmt); c++) {
				const unsigned char *t =
				    sqlite3_column_text(stmt, c);

				strbuf_addf(&sb, "%s|",
					    t ? (const char *)t : "NULL");
			}
			strbuf_addch(&sb, '\n');
		}
		sqlite3_finalize(stmt);
	}
	sqlite3_close(h);
	return strbuf_detach(&sb);
}

/* Runs `report import path` against db. */
static struct testenv_run import(const char *db, const char *path)
{
	const char *args[] = { "--db", db, "report", "import", path, NULL };

	return testenv_run_dmarcpilot(args, NULL);
}

/* Imports a hostile file and checks the refusal and the database. */
static void refuse(const char *db, const char *path, const char *expect)
{
	char *before = dump(db), *after;
	struct testenv_run run = import(db, path);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	bool found = false;
	char *alts = xstrdup(expect), *save = NULL;

	assert_int_equal(run.status, 2);
	/* One line, naming the file, without control characters. */
	assert_non_null(strstr(run.err, base));
	assert_int_equal(strlen(run.err) - 1, strcspn(run.err, "\n"));
	for (const char *p = run.err; *p; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
	assert_null(strstr(run.err, "\xc2\x9b"));
	for (char *alt = strtok_r(alts, "|", &save); alt;
	     alt = strtok_r(NULL, "|", &save))
		if (strstr(run.err, alt))
			found = true;
	if (!found)
		fail_msg("%s: expected \"%s\", got \"%s\"", base, expect,
			 run.err);
	after = dump(db);
	assert_string_equal(before, after);
	free(alts);
	free(before);
	free(after);
	testenv_run_done(&run);
}

/* A base database with one real report in it. */
static char *base_db(const char *dir)
{
	char *db = xasprintf("%s/hostile.db", dir);
	char *x = report_xml("base-1", "192.0.2.1", 7);
	char *path = testenv_write_file(dir, "base.xml", x);
	struct testenv_run run = import(db, path);

	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	unlink(path);
	free(path);
	free(x);
	return db;
}

/* Every file of tests/hostile/ with the error EXPECTED gives it. */
static void test_hostile_files(void **state)
{
	char *dir = testenv_mkdtemp();
	char *db = base_db(dir);
	char *list = xasprintf("%s/tests/hostile/EXPECTED", testenv_srcdir());
	char *text = testenv_read_file(list, NULL);
	size_t checked = 0;
	char *save = NULL;

	assert_non_null(text);
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		char *path;

		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		path = xasprintf("%s/tests/hostile/%s", testenv_srcdir(), line);
		refuse(db, path, tab + 1);
		free(path);
		checked++;
	}
	assert_true(checked >= 9);
	free(text);
	free(list);
	free(db);
	testenv_rmdir(dir);
	free(dir);
}

/* Writes a zip (or a gzip when zip is false) of n entries, each made of
 * a head, repeat copies of a 1 KiB element, and a tail. */
static void write_archive(const char *path, bool zip, size_t n,
			  const char *head, size_t repeat)
{
	struct archive *a = archive_write_new();
	char chunk[1024];

	memcpy(chunk, "<pad>", 5);
	memset(chunk + 5, 'x', sizeof chunk - 11);
	memcpy(chunk + sizeof chunk - 6, "</pad>", 6);
	if (zip) {
		archive_write_set_format_zip(a);
	} else {
		archive_write_set_format_raw(a);
		archive_write_add_filter_gzip(a);
	}
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		char name[32];

		snprintf(name, sizeof name, "r%zu.xml", i);
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		archive_write_data(a, head, strlen(head));
		for (size_t k = 0; k < repeat; k++)
			archive_write_data(a, chunk, sizeof chunk);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* Bombs, 10000 entries, a 100 MB line, a Maildir loop. */
static void test_generated(void **state)
{
	char *dir = testenv_mkdtemp();
	char *db = base_db(dir);
	char *path;
	FILE *fp;

	path = xasprintf("%s/bomb.xml.gz", dir);
	write_archive(path, false, 1, "<feedback>", 300 * 1024);
	refuse(db, path, "expands to more than 268435456 bytes");
	free(path);

	path = xasprintf("%s/bomb.zip", dir);
	write_archive(path, true, 1, "<feedback>", 300 * 1024);
	refuse(db, path, "expands to more than 268435456 bytes");
	free(path);

	path = xasprintf("%s/many.zip", dir);
	{
		char *x = report_xml("many", "192.0.2.5", 1);

		write_archive(path, true, 10000, x, 0);
		free(x);
	}
	refuse(db, path, "more than 1000 archive entries");
	free(path);

	path = xasprintf("%s/line.xml", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	{
		char *block = xmalloc(1 << 20);

		memset(block, 'A', 1 << 20);
		for (int i = 0; i < 100; i++)
			assert_int_equal(fwrite(block, 1, 1 << 20, fp),
					 1 << 20);
		free(block);
	}
	fclose(fp);
	refuse(db, path,
	       "Document is empty|Start tag expected|not a DMARC aggregate "
	       "report");
	free(path);

	/* Maildir/cur/loop -> Maildir */
	path = xasprintf("%s/Maildir", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	{
		char *cur = xasprintf("%s/cur", path);
		char *newd = xasprintf("%s/new", path);
		char *sub = xasprintf("%s/Maildir/cur/sub", dir);
		char *loop = xasprintf("%s/Maildir/cur/sub/loop", dir);

		assert_int_equal(mkdir(cur, 0700), 0);
		assert_int_equal(mkdir(newd, 0700), 0);
		assert_int_equal(mkdir(sub, 0700), 0);
		assert_int_equal(symlink(path, loop), 0);
		refuse(db, path, "folder loop");
		free(cur);
		free(newd);
		free(sub);
		free(loop);
	}
	free(path);
	free(db);
	testenv_rmdir(dir);
	free(dir);
}

/* Totals of the report tables: reports, rows, messages. */
static char *totals(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *stmt;
	char *out;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(h,
			       "SELECT (SELECT count(*) FROM report) || '/' ||"
			       " (SELECT count(*) FROM report_row) || '/' ||"
			       " (SELECT coalesce(sum(count), 0) FROM"
			       " report_row)",
			       -1, &stmt, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	out = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(h);
	return out;
}

/* PRAGMA integrity_check says "ok". */
static void assert_intact(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *stmt;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &stmt, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "ok");
	sqlite3_finalize(stmt);
	sqlite3_close(h);
}

/* Milliseconds since some fixed point. */
static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* SIGKILL at 50 random points of an import. */
static void test_sigkill(void **state)
{
	char *dir = testenv_mkdtemp();
	char *corpus = xasprintf("%s/corpus", dir);
	char *clean = xasprintf("%s/clean.db", dir);
	char *db = xasprintf("%s/killed.db", dir);
	char *want, *got;
	long t0, span;
	unsigned seed = 20261123;

	assert_int_equal(mkdir(corpus, 0700), 0);
	for (int i = 0; i < 30; i++) {
		struct strbuf sb = STRBUF_INIT;
		char name[32];

		strbuf_addf(&sb,
			    "<feedback><report_metadata><org_name>k%d"
			    "</org_name><report_id>%d</report_id><date_range>"
			    "<begin>1700006400</begin><end>1700092799</end>"
			    "</date_range></report_metadata>"
			    "<policy_published><domain>example.com</domain>"
			    "</policy_published>",
			    i % 5, i);
		for (int r = 0; r < 100; r++)
			strbuf_addf(&sb,
				    "<record><row><source_ip>10.%d.%d.1"
				    "</source_ip><count>%d</count>"
				    "<policy_evaluated><dkim>pass</dkim>"
				    "<spf>pass</spf></policy_evaluated></row>"
				    "</record>",
				    i, r, r + 1);
		strbuf_addstr(&sb, "</feedback>\n");
		snprintf(name, sizeof name, "r%02d.xml", i);
		free(testenv_write_file(corpus, name, strbuf_str(&sb)));
		strbuf_done(&sb);
	}
	t0 = now_ms();
	{
		struct testenv_run run = import(clean, corpus);

		assert_int_equal(run.status, 0);
		testenv_run_done(&run);
	}
	span = now_ms() - t0;
	print_message("clean import: %ld ms\n", span);
	if (span < 20)
		span = 20;
	want = totals(clean);
	/* 30 reports of 100 rows; each counts 1+2+...+100 = 5050. */
	assert_string_equal(want, "30/3000/151500");

	for (int k = 0; k < 50; k++) {
		const char *argv[] = { testenv_binary(), "--db", db,  "report",
				       "import",         corpus, NULL };
		long delay = (long)(rand_r(&seed) % (unsigned)span);
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0) {
			int null = open("/dev/null", 0);

			dup2(null, 1);
			execv(argv[0], (char *const *)argv);
			_exit(127);
		}
		{
			struct timespec ts = { delay / 1000,
					       (delay % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_intact(db);
		{
			struct testenv_run run = import(db, corpus);

			assert_int_equal(run.status, 0);
			testenv_run_done(&run);
		}
		assert_intact(db);
		got = totals(db);
		assert_string_equal(got, want);
		free(got);
		/* Half the rounds start again from nothing. */
		if (k % 2 == 0) {
			char *wal = xasprintf("%s-wal", db);
			char *shm = xasprintf("%s-shm", db);

			unlink(db);
			unlink(wal);
			unlink(shm);
			free(wal);
			free(shm);
		}
	}
	free(want);
	free(db);
	free(clean);
	free(corpus);
	testenv_rmdir(dir);
	free(dir);
}

/* An element with 200,000 attributes (libxml2 2.9.14 spends over two
 * minutes on its duplicate check) is refused before libxml2 parses
 * the tag, gzipped or not. */
static void test_attribute_flood(void **state)
{
	char *dir = testenv_mkdtemp();
	char *db = base_db(dir);
	struct strbuf sb = STRBUF_INIT;
	char *path;

	strbuf_addstr(&sb, "<?xml version=\"1.0\"?>\n<feedback><org_name");
	for (int i = 0; i < 200000; i++)
		strbuf_addf(&sb, " a%d='x>y'", i);
	strbuf_addstr(&sb, ">o</org_name></feedback>\n");
	path = testenv_write_file(dir, "attributes.xml", strbuf_str(&sb));
	refuse(db, path,
	       "attributes.xml:2: an element has more than 32 "
	       "attributes");
	free(path);
	path = xasprintf("%s/attributes.xml.gz", dir);
	{
		struct archive *a = archive_write_new();
		struct archive_entry *e = archive_entry_new();

		archive_write_set_format_raw(a);
		archive_write_add_filter_gzip(a);
		assert_int_equal(archive_write_open_filename(a, path),
				 ARCHIVE_OK);
		archive_entry_set_pathname(e, "attributes.xml");
		archive_entry_set_filetype(e, AE_IFREG);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		archive_write_data(a, strbuf_str(&sb), sb.len);
		archive_entry_free(e);
		assert_int_equal(archive_write_close(a), ARCHIVE_OK);
		archive_write_free(a);
	}
	refuse(db, path, "more than 32 attributes");
	free(path);
	strbuf_done(&sb);
	free(db);
	testenv_rmdir(dir);
	free(dir);
}

/* The disk fills during an import (a file size limit stands in): the
 * summary line still says what was imported, the exit status is 2 with
 * one line naming the failure, the database is intact, and importing
 * again with room gives the totals of one clean import. */
static void test_disk_full(void **state)
{
	char *dir = testenv_mkdtemp();
	char *db = base_db(dir);
	char *corpus = xasprintf("%s/corpus", dir);
	char *out = xasprintf("%s/out.txt", dir);
	char *errp = xasprintf("%s/err.txt", dir);
	char *text, *got;
	struct stat sb;
	int status;
	pid_t pid;

	assert_int_equal(mkdir(corpus, 0700), 0);
	for (int i = 0; i < 200; i++) {
		char name[32], id[32];
		char *x;

		snprintf(name, sizeof name, "r%03d.xml", i);
		snprintf(id, sizeof id, "full-%d", i);
		x = report_xml(id, "192.0.2.9", i + 1);
		free(testenv_write_file(corpus, name, x));
		free(x);
	}
	assert_int_equal(stat(db, &sb), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[] = { testenv_binary(), "--db", db,  "report",
				       "import",         corpus, NULL };
		struct rlimit rl;
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		rl.rlim_cur = rl.rlim_max = (rlim_t)sb.st_size + 64 * 1024;
		dup2(o, 1);
		dup2(e, 2);
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);
	text = testenv_read_file(out, NULL);
	assert_non_null(strstr(text, "imported "));
	free(text);
	text = testenv_read_file(errp, NULL);
	assert_true(text[0] != '\0');
	assert_int_equal(strlen(text) - 1, strcspn(text, "\n"));
	free(text);
	assert_intact(db);
	{
		struct testenv_run run = import(db, corpus);

		assert_int_equal(run.status, 0);
		testenv_run_done(&run);
	}
	got = totals(db);
	/* base-1 (7 messages) and 200 reports of 1..200 messages. */
	assert_string_equal(got, "201/201/20107");
	free(got);
	free(errp);
	free(out);
	free(corpus);
	free(db);
	testenv_rmdir(dir);
	free(dir);
}

/* Strict is not lossy: what real reporters send (tests/lenient/) is
 * recovered: <feedback> inside an unclosed wrapper, a stray Latin-1
 * octet in <header_from> (replaced, with a warning naming the field),
 * a plain-text failure report without an ARF part. A wrapped report
 * cut short is still refused. */
static void test_lenient(void **state)
{
	static const char *const files[] = {
		"schema-wrapper.xml",
		"bad-utf8-header-from.xml",
		"exim-failure.eml",
	};
	char *dir = testenv_mkdtemp();
	char *db = base_db(dir);
	char *got, *text, *cut;

	for (size_t i = 0; i < 3; i++) {
		char *path = xasprintf("%s/tests/lenient/%s", testenv_srcdir(),
				       files[i]);
		struct testenv_run run = import(db, path);

		if (run.status != 0)
			fail_msg("%s: %s", files[i], run.err);
		assert_non_null(strstr(run.out, "imported 1,"));
		if (i == 1)
			assert_non_null(strstr(run.err,
					       "invalid UTF-8 in <header_from> "
					       "replaced with U+FFFD"));
		else
			assert_string_equal(run.err, "");
		testenv_run_done(&run);
		free(path);
	}
	got = dump(db);
	assert_non_null(strstr(got, "b\xef\xbf\xbd"
				    "cker.example.com"));
	assert_non_null(strstr(got, "192.0.2.66"));
	assert_non_null(strstr(got, "wrapped-1"));
	free(got);
	/* The wrapper's report without its end: refused. */
	cut =
	    xasprintf("%s/tests/lenient/schema-wrapper.xml", testenv_srcdir());
	text = testenv_read_file(cut, NULL);
	free(cut);
	*strstr(text, "</record>") = '\0';
	cut = testenv_write_file(dir, "cut.xml", text);
	refuse(db, cut, "cut.xml");
	free(cut);
	free(text);
	free(db);
	testenv_rmdir(dir);
	free(dir);
}

/* Writes a mail whose Subject is one line of size bytes. */
static void write_long_header(const char *path, bool mbox, size_t size)
{
	FILE *fp = fopen(path, "w");
	char *block = xmalloc(1 << 20);

	assert_non_null(fp);
	if (mbox)
		fputs("From a@example.com Mon Jan  1 00:00:00 2024\n", fp);
	fputs("From: a@example.com\nSubject: ", fp);
	memset(block, 'A', 1 << 20);
	for (size_t done = 0; done < size; done += 1 << 20)
		assert_int_equal(fwrite(block, 1, 1 << 20, fp), 1 << 20);
	fputs("\n\nbody\n", fp);
	assert_int_equal(fclose(fp), 0);
	free(block);
}

/* A 100 MB header line in an mbox or a Maildir mail, and a mail of
 * 1001 MIME parts, are refused by line without GMime holding them:
 * the import stays under 64 MiB (not measured under AddressSanitizer,
 * whose shadow memory counts too). */
static void test_mail_limits(void **state)
{
	char *dir = testenv_mkdtemp();
	char *db = base_db(dir);
	char *path = xasprintf("%s/huge.mbox", dir);
	char *maildir = xasprintf("%s/Maildir", dir);
	char *mail = xasprintf("%s/Maildir/cur/1.eml", dir);
	struct strbuf sb = STRBUF_INIT;
	struct rusage ru;

	write_long_header(path, true, 100 << 20);
	refuse(db, path,
	       "huge.mbox:2: a header block is longer than "
	       "1048576 bytes");
	assert_int_equal(mkdir(maildir, 0700), 0);
	free(maildir);
	maildir = xasprintf("%s/Maildir/cur", dir);
	assert_int_equal(mkdir(maildir, 0700), 0);
	write_long_header(mail, false, 100 << 20);
	refuse(db, mail, "a header block is longer than 1048576 bytes");
	assert_int_equal(getrusage(RUSAGE_CHILDREN, &ru), 0);
#ifndef __SANITIZE_ADDRESS__
	assert_true(ru.ru_maxrss < 64 * 1024);
#endif
	free(path);
	strbuf_addstr(&sb, "From: a@example.com\nMIME-Version: 1.0\n"
			   "Content-Type: multipart/mixed; boundary=b\n\n");
	for (int i = 0; i < 1001; i++)
		strbuf_addstr(&sb, "--b\nContent-Type: text/plain\n\nx\n");
	strbuf_addstr(&sb, "--b--\n");
	path = testenv_write_file(dir, "parts.eml", strbuf_str(&sb));
	refuse(db, path,
	       "parts.eml:1: the message has more than 1000 MIME "
	       "parts");
	strbuf_done(&sb);
	free(path);
	free(mail);
	free(maildir);
	free(db);
	testenv_rmdir(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_attribute_flood),
		cmocka_unit_test(test_mail_limits),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_lenient),
		cmocka_unit_test(test_sigkill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
