/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the program loads when it starts, through the real binary: the
 * report readers (libxml2, libarchive, GMime and what they bring) only
 * when an import needs them, through the reportio.so module; and the
 * demo's prebuilt database, which must be exactly what the demo's own
 * seeding and import produce. The glibc loader says what it loads when
 * LD_DEBUG is set; no test here measures time. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/testenv.h"
#include "util/xalloc.h"

/* The libraries only the report readers need. */
static const char *const reader_libs[] = {
	"libxml2.so",
	"libarchive.so",
	"libgmime-3.0.so",
	"libglib-2.0.so",
};

/* Fails unless the loader's log names the libraries every start needs,
 * so that a log which says nothing cannot pass for one without the
 * readers. */
static void assert_loader_logged(const char *log)
{
	assert_non_null(strstr(log, "libldns.so"));
	assert_non_null(strstr(log, "libsqlite3.so"));
}

/* --version and `check` of an offline zone load none of the readers. */
static void test_start_without_readers(void **state)
{
	char *dir = testenv_mkdtemp();
	char *zone = testenv_write_file(dir, "example.test.zone",
					"$ORIGIN example.test.\n$TTL 300\n"
					"@ SOA ns hostmaster 1 7200 900 "
					"1209600 300\n"
					"@ NS ns\n@ MX 10 mx\n"
					"@ TXT \"v=spf1 -all\"\n"
					"_dmarc TXT \"v=DMARC1; p=reject\"\n");
	const char *version[] = { "--version", NULL };
	const char *check[] = { "--zone", zone, "check", "example.test", NULL };
	const char *env[] = { "LD_DEBUG=libs", NULL };
	const char *const *runs[] = { version, check };

	(void)state;
	for (size_t r = 0; r < 2; r++) {
		struct testenv_run run = testenv_run_dmarcpilot(runs[r], env);

		assert_true(run.status == 0 || run.status == 1);
		assert_non_null(
		    strstr(run.out, r == 0 ? "dmarcpilot " : "example.test"));
		assert_loader_logged(run.err);
		for (size_t i = 0; i < sizeof reader_libs / sizeof *reader_libs;
		     i++)
			if (strstr(run.err, reader_libs[i]))
				fail_msg("%s loaded %s", runs[r][0],
					 reader_libs[i]);
		testenv_run_done(&run);
	}
	testenv_rmdir(dir);
	free(zone);
	free(dir);
}

/* An import loads the module, and with it libxml2, and imports. */
static void test_import_loads_the_module(void **state)
{
	char *dir = testenv_mkdtemp();
	char *db = xasprintf("%s/t.db", dir);
	char *report = xasprintf("%s/data/demo/reports/enterprise!demo.example!"
				 "1771200000!1771286399.xml",
				 testenv_srcdir());
	const char *args[] = { "--db", db, "report", "import", report, NULL };
	const char *env[] = { "LD_DEBUG=files", NULL };
	struct testenv_run run = testenv_run_dmarcpilot(args, env);

	(void)state;
	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "imported 1,"));
	assert_loader_logged(run.err);
	assert_non_null(strstr(run.err, "reportio.so"));
	assert_non_null(strstr(run.err, "libxml2.so"));
	testenv_run_done(&run);
	testenv_rmdir(dir);
	free(report);
	free(db);
	free(dir);
}

/* Every row of the tables the demo fills, as text, in a fixed order,
 * without row ids, the import's wall-clock time or the path the reports
 * were read from. Caller frees. */
static char *demo_rows(const char *path)
{
	static const char *const sql[] = {
		"SELECT name, created FROM domain",
		"SELECT kind, value, note, created FROM sender ORDER BY 1, 2",
		"SELECT kind, rung, record, verified, lookups, "
		"(SELECT group_concat(x, ' ') FROM (SELECT c.include || '=' "
		"|| c.lookups AS x FROM rung_include_cost c WHERE "
		"c.rung_id = r.id ORDER BY c.position)) "
		"FROM rung_history r ORDER BY verified, kind, rung",
		"SELECT org_name, report_id, domain, date_begin, date_end, "
		"policy, pct, format FROM report ORDER BY 1, 2",
		"SELECT r.org_name, r.report_id, w.source_ip, w.count, "
		"w.disposition, w.dkim, w.spf, w.reasons, w.arc, "
		"w.header_from, w.envelope_from, w.dkim_aligned, "
		"w.spf_aligned, (SELECT group_concat(x, ' ') FROM (SELECT "
		"a.kind || ':' || a.domain || ':' || coalesce(a.selector, '') "
		"|| ':' || a.result AS x FROM report_row_auth a WHERE "
		"a.row_id = w.id ORDER BY a.kind, a.position)) AS auth "
		"FROM report_row w JOIN report r ON r.id = w.report "
		"ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14",
	};
	sqlite3 *db;
	char *text = xstrdup("");

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	for (size_t q = 0; q < sizeof sql / sizeof *sql; q++) {
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(db, sql[q], -1, &st, NULL) != SQLITE_OK)
			fail_msg("%s: %s", sql[q], sqlite3_errmsg(db));
		while (sqlite3_step(st) == SQLITE_ROW)
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *v =
				    sqlite3_column_text(st, c);
				char *next =
				    xasprintf("%s%s|", text,
					      v ? (const char *)v : "NULL");

				free(text);
				text = next;
			}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return text;
}

/* The prebuilt demo database make installs holds what --demo-prepare
 * writes now: the demo domain, its five senders, its four rungs and
 * the 42 reports of its first two weeks. */
static void test_prebuilt_demo_is_current(void **state)
{
	const char *prebuilt = ABS_BUILDDIR "/data/demo/demo.db";
	char *dir = testenv_mkdtemp();
	char *db = xasprintf("%s/fresh.db", dir);
	const char *args[] = { "--demo-prepare", db, NULL };
	struct testenv_run run = testenv_run_dmarcpilot(args, NULL);
	char *want, *got;

	(void)state;
	assert_int_equal(run.status, 0);
	assert_int_equal(access(prebuilt, R_OK), 0);
	want = demo_rows(db);
	got = demo_rows(prebuilt);
	assert_non_null(strstr(want, "demo.example|"));
	assert_non_null(strstr(want, "google-workspace|"));
	assert_string_equal(got, want);
	testenv_run_done(&run);
	testenv_rmdir(dir);
	free(want);
	free(got);
	free(db);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_without_readers),
		cmocka_unit_test(test_import_loads_the_module),
		cmocka_unit_test(test_prebuilt_demo_is_current),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
