/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rollout's state: domains and senders as the operator types them,
 * DKIM keys, rung history and plan settings survive in the database, bad
 * input is refused with a message naming the database or the input, and
 * a kill in the middle of a write leaves a valid database. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/testenv.h"
#include "providers/providers.h"
#include "store/state.h"
#include "store/state_internal.h"
#include "util/dname.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	char *path; /* a file, or a PostgreSQL URI (testenv_db()) */
	char *name; /* what messages call the database */
	struct store *store;
	struct providers *catalogue;
};

/* A fresh database, and the real catalogue when it is there. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct err err = ERR_INIT;
	const char *datadir = getenv("DMARCPILOT_DATADIR");
	char *ini;

	f->dir = testenv_mkdtemp();
	f->path = testenv_db(f->dir, "state.db");
	assert_int_equal(store_open(&f->store, f->path, &err), STATUS_OK);
	f->name = xstrdup(store_path(f->store));
	ini = xasprintf("%s/providers.ini",
			datadir ? datadir : ABS_SRCDIR "/data");
	assert_int_equal(providers_load(&f->catalogue, ini, &err), STATUS_OK);
	free(ini);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	providers_free(f->catalogue);
	store_close(f->store);
	testenv_rmdir(f->dir);
	free(f->path);
	free(f->name);
	free(f->dir);
	free(f);
	return 0;
}

/* 2026-11-23, the day these tests pretend it is. */
static date_t day(const char *s)
{
	date_t d;

	assert_true(date_parse(s, &d));
	return d;
}

/* Domains are stored lower case without the final dot, once. */
static void test_domains(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct state_domain *v;
	size_t n;
	int64_t id, id2;

	assert_int_equal(state_domain_add(f->store, "Example.COM.",
					  day("2026-11-23"), &id, &err),
			 STATUS_OK);
	assert_int_equal(state_domain_add(f->store, "b.example.org",
					  day("2026-11-24"), NULL, &err),
			 STATUS_OK);
	/* The same domain in another case is the same domain. */
	assert_int_equal(state_domain_add(f->store, "example.com",
					  day("2026-11-25"), NULL, &err),
			 STATUS_EXISTS);
	assert_non_null(strstr(err_message(&err), f->name));
	assert_non_null(strstr(err_message(&err), "example.com"));
	err_done(&err);
	/* Not names: refused before the database is touched. */
	const char *bad[] = { "localhost",    "-a.example",
			      "a-.example",   "a..example",
			      "exa mple.com", "",
			      "a.example/24", NULL };
	for (size_t i = 0; bad[i]; i++) {
		assert_int_equal(
		    state_domain_add(f->store, bad[i], 0, NULL, &err),
		    STATUS_USAGE);
		err_done(&err);
	}
	/* 64-octet label. */
	{
		char label[80];

		memset(label, 'a', 64);
		strcpy(label + 64, ".example");
		assert_false(dname_valid(label, DNAME_UNDERSCORE));
		strcpy(label + 63, ".example");
		assert_true(dname_valid(label, DNAME_UNDERSCORE));
	}
	assert_int_equal(state_domain_id(f->store, "EXAMPLE.com", &id2, &err),
			 STATUS_OK);
	assert_int_equal(id, id2);
	assert_int_equal(state_domain_id(f->store, "nope.example", &id2, &err),
			 STATUS_NOT_FOUND);
	assert_non_null(strstr(err_message(&err), f->name));
	assert_non_null(strstr(err_message(&err), "nope.example"));
	err_done(&err);

	assert_int_equal(state_domain_list(f->store, &v, &n, &err), STATUS_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "b.example.org");
	assert_string_equal(v[1].name, "example.com");
	assert_int_equal(v[1].created, day("2026-11-23"));
	state_domains_free(v, n);
}

/* What the operator types becomes one normalised sender. */
/* An internationalised domain is added, found and listed by its
 * A-labels (RFC 5891), however the operator types it. */
static void test_domain_idn(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct state_domain *list;
	int64_t id, id2;
	size_t n;

	assert_int_equal(state_domain_add(f->store,
					  "b\xc3\xbc"
					  "cher.example",
					  day("2026-11-24"), &id, &err),
			 STATUS_OK);
	assert_int_equal(
	    state_domain_id(f->store, "xn--bcher-kva.example", &id2, &err),
	    STATUS_OK);
	assert_int_equal(id, id2);
	assert_int_equal(state_domain_id(f->store,
					 "B\xc3\x9c"
					 "CHER.example.",
					 &id2, &err),
			 STATUS_OK);
	assert_int_equal(id, id2);
	assert_int_equal(state_domain_add(f->store, "xn--bcher-kva.example",
					  day("2026-11-24"), NULL, &err),
			 STATUS_EXISTS);
	err_done(&err);
	assert_int_equal(state_domain_list(f->store, &list, &n, &err),
			 STATUS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "xn--bcher-kva.example");
	state_domains_free(list, n);
}

static void test_sender_parse(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	static const struct {
		const char *spec;
		enum status st;
		enum sender_kind kind;
		const char *value;
	} cases[] = {
		{ "google-workspace", STATUS_OK, SENDER_PROVIDER,
		  "google-workspace" },
		{ "sendgrid", STATUS_OK, SENDER_PROVIDER, "sendgrid" },
		{ "no-such-service", STATUS_USAGE, 0, NULL },
		{ "ip4:192.0.2.0/24", STATUS_OK, SENDER_IP4, "192.0.2.0/24" },
		{ "ip4:192.0.2.7", STATUS_OK, SENDER_IP4, "192.0.2.7" },
		{ "ip4:192.0.2.7/32", STATUS_OK, SENDER_IP4, "192.0.2.7" },
		{ "IP4:198.51.100.0/24", STATUS_OK, SENDER_IP4,
		  "198.51.100.0/24" },
		{ "ip4:192.0.2.0/33", STATUS_USAGE, 0, NULL },
		{ "ip4:192.0.2.01", STATUS_USAGE, 0, NULL },
		{ "ip4:2001:db8::/32", STATUS_USAGE, 0, NULL },
		{ "ip6:2001:DB8::/32", STATUS_OK, SENDER_IP6, "2001:db8::/32" },
		{ "ip6:192.0.2.0/24", STATUS_USAGE, 0, NULL },
		{ "ip6:2001:db8::/129", STATUS_USAGE, 0, NULL },
		{ "a:Mail.Example.com.", STATUS_OK, SENDER_A,
		  "mail.example.com" },
		{ "a", STATUS_OK, SENDER_A, "" },
		{ "mx", STATUS_OK, SENDER_MX, "" },
		{ "mx:mx.example.net", STATUS_OK, SENDER_MX, "mx.example.net" },
		{ "include:_spf.example.net", STATUS_OK, SENDER_INCLUDE,
		  "_spf.example.net" },
		{ "include:", STATUS_USAGE, 0, NULL },
		{ "include:%{i}.example", STATUS_USAGE, 0, NULL },
		{ "ptr:example.com", STATUS_USAGE, 0, NULL },
		{ "a:bad..host", STATUS_USAGE, 0, NULL },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		enum sender_kind kind;
		char *value = NULL;
		enum status st = state_sender_parse(cases[i].spec, f->catalogue,
						    &kind, &value, &err);

		if (st != cases[i].st)
			fail_msg("%s: status %d, expected %d", cases[i].spec,
				 st, cases[i].st);
		if (st == STATUS_OK) {
			assert_int_equal(kind, cases[i].kind);
			assert_string_equal(value, cases[i].value);
		} else {
			/* The message quotes what was typed. */
			assert_non_null(
			    strstr(err_message(&err), cases[i].spec));
			assert_null(value);
		}
		free(value);
		err_done(&err);
	}
}

/* Senders are added, listed in order with notes, refused twice, and
 * removed by id or as listed. */
static void test_senders(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct state_sender *v;
	size_t n;
	int64_t id1, id2, id3;
	char *s;

	assert_int_equal(state_domain_add(f->store, "example.com",
					  day("2026-11-23"), NULL, &err),
			 STATUS_OK);
	assert_int_equal(state_sender_add(f->store, "example.com",
					  "google-workspace", "staff mail",
					  f->catalogue, day("2026-11-23"), &id1,
					  &err),
			 STATUS_OK);
	assert_int_equal(
	    state_sender_add(f->store, "EXAMPLE.COM", "ip4:192.0.2.0/24", NULL,
			     f->catalogue, day("2026-11-24"), &id2, &err),
	    STATUS_OK);
	assert_int_equal(state_sender_add(f->store, "example.com", "mx", NULL,
					  f->catalogue, day("2026-11-24"), &id3,
					  &err),
			 STATUS_OK);
	/* The same network again, written differently. */
	assert_int_equal(
	    state_sender_add(f->store, "example.com", "IP4:192.0.2.0/24", NULL,
			     f->catalogue, day("2026-11-25"), NULL, &err),
	    STATUS_EXISTS);
	assert_non_null(strstr(err_message(&err), f->name));
	err_done(&err);
	/* Unknown domain: nothing is added, the message says how. */
	assert_int_equal(state_sender_add(f->store, "other.example", "mx", NULL,
					  f->catalogue, 0, NULL, &err),
			 STATUS_NOT_FOUND);
	assert_non_null(strstr(err_message(&err), "domain add"));
	err_done(&err);

	assert_int_equal(
	    state_sender_list(f->store, "example.com", &v, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].id, id1);
	assert_int_equal(v[0].kind, SENDER_PROVIDER);
	assert_string_equal(v[0].note, "staff mail");
	assert_int_equal(v[0].created, day("2026-11-23"));
	s = state_sender_mechanism(&v[0], f->catalogue);
	assert_string_equal(s, "include:_spf.google.com");
	free(s);
	s = state_sender_spec(&v[1]);
	assert_string_equal(s, "ip4:192.0.2.0/24");
	free(s);
	assert_null(v[1].note);
	s = state_sender_mechanism(&v[2], f->catalogue);
	assert_string_equal(s, "mx");
	free(s);
	state_senders_free(v, n);

	/* By id, then by spec in another case; a third time it is gone. */
	{
		char idtext[32];

		snprintf(idtext, sizeof idtext, "%lld", (long long)id1);
		assert_int_equal(
		    state_sender_remove(f->store, "example.com", idtext, &err),
		    STATUS_OK);
	}
	assert_int_equal(state_sender_remove(f->store, "example.com",
					     "IP4:192.0.2.0/24", &err),
			 STATUS_OK);
	assert_int_equal(state_sender_remove(f->store, "example.com",
					     "ip4:192.0.2.0/24", &err),
			 STATUS_NOT_FOUND);
	assert_non_null(strstr(err_message(&err), "ip4:192.0.2.0/24"));
	err_done(&err);
	assert_int_equal(
	    state_sender_list(f->store, "example.com", &v, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, id3);
	state_senders_free(v, n);
}

/* Keys, rungs and settings come back as they were stored. */
static void test_keys_rungs_settings(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct state_dkim_key key = {
		.selector = (char *)"s2026",
		.algorithm = (char *)"rsa",
		.bits = 2048,
		.key_path = (char *)"/etc/dkim/s2026.key",
		.created = day("2026-11-23"),
		.published = DATE_NONE,
		.retired = DATE_NONE,
	};
	struct state_dkim_key *keys;
	struct state_rung *rungs;
	struct state_settings s;
	size_t n;

	assert_int_equal(state_domain_add(f->store, "example.com",
					  day("2026-11-23"), NULL, &err),
			 STATUS_OK);
	assert_int_equal(
	    state_dkim_key_add(f->store, "example.com", &key, NULL, &err),
	    STATUS_OK);
	key.selector = (char *)"google";
	key.algorithm = (char *)"rsa";
	key.key_path = NULL;
	key.provider = (char *)"google-workspace";
	key.created = day("2026-11-20");
	assert_int_equal(
	    state_dkim_key_add(f->store, "example.com", &key, NULL, &err),
	    STATUS_OK);
	assert_int_equal(
	    state_dkim_key_add(f->store, "example.com", &key, NULL, &err),
	    STATUS_EXISTS);
	err_done(&err);
	key.selector = (char *)"bad selector";
	assert_int_equal(
	    state_dkim_key_add(f->store, "example.com", &key, NULL, &err),
	    STATUS_USAGE);
	err_done(&err);
	assert_int_equal(state_dkim_key_published(f->store, "example.com",
						  "s2026", day("2026-11-30"),
						  &err),
			 STATUS_OK);
	assert_int_equal(state_dkim_key_retired(f->store, "example.com",
						"nosuch", day("2026-11-30"),
						&err),
			 STATUS_NOT_FOUND);
	err_done(&err);
	assert_int_equal(
	    state_dkim_key_list(f->store, "example.com", &keys, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 2);
	assert_string_equal(keys[0].selector, "google");
	assert_string_equal(keys[0].provider, "google-workspace");
	assert_null(keys[0].key_path);
	assert_int_equal(keys[0].published, DATE_NONE);
	assert_string_equal(keys[1].selector, "s2026");
	assert_int_equal(keys[1].bits, 2048);
	assert_string_equal(keys[1].key_path, "/etc/dkim/s2026.key");
	assert_int_equal(keys[1].published, day("2026-11-30"));
	assert_int_equal(keys[1].retired, DATE_NONE);
	state_dkim_keys_free(keys, n);

	assert_int_equal(state_rung_add(f->store, "example.com", RUNG_DMARC, 1,
					"v=DMARC1; p=quarantine; pct=10",
					day("2026-12-30"), &err),
			 STATUS_OK);
	assert_int_equal(state_rung_add(f->store, "example.com", RUNG_SPF, 0,
					"v=spf1 mx ~all", day("2026-11-24"),
					&err),
			 STATUS_OK);
	assert_int_equal(
	    state_rung_list(f->store, "example.com", &rungs, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rungs[0].kind, RUNG_SPF);
	assert_string_equal(rungs[0].record, "v=spf1 mx ~all");
	assert_int_equal(rungs[1].kind, RUNG_DMARC);
	assert_int_equal(rungs[1].rung, 1);
	assert_int_equal(rungs[1].verified, day("2026-12-30"));
	state_rungs_free(rungs, n);

	/* Defaults of DESIGN.md 4 until something is stored. */
	assert_int_equal(state_settings_get(f->store, "example.com", &s, &err),
			 STATUS_OK);
	assert_int_equal(s.min_days_monitor, 28);
	assert_int_equal(s.min_days_rung, 7);
	assert_int_equal(s.window_days, 14);
	assert_true(s.pass_threshold == 98.0);
	assert_true(s.unknown_threshold == 0.5);
	assert_null(s.rua);
	s.min_days_monitor = 21;
	s.rua = xstrdup("mailto:dmarc@reports.example.net");
	s.adkim = xstrdup("s");
	s.np = xstrdup("reject");
	assert_int_equal(state_settings_set(f->store, "example.com", &s, &err),
			 STATUS_OK);
	state_settings_done(&s);
	assert_int_equal(state_settings_get(f->store, "example.com", &s, &err),
			 STATUS_OK);
	assert_int_equal(s.min_days_monitor, 21);
	assert_int_equal(s.min_days_rung, 7);
	assert_string_equal(s.rua, "mailto:dmarc@reports.example.net");
	assert_string_equal(s.adkim, "s");
	assert_string_equal(s.np, "reject");
	assert_null(s.sp);
	/* A bad value is refused and nothing changes. */
	free(s.sp);
	s.sp = xstrdup("maybe");
	assert_int_equal(state_settings_set(f->store, "example.com", &s, &err),
			 STATUS_USAGE);
	err_done(&err);
	state_settings_done(&s);
	assert_int_equal(state_settings_get(f->store, "example.com", &s, &err),
			 STATUS_OK);
	assert_null(s.sp);
	state_settings_done(&s);
}

/* Runs the binary against the fixture's database. */
static struct testenv_run run_cmd(struct fixture *f, const char *a1,
				  const char *a2, const char *a3,
				  const char *a4, const char *a5)
{
	/* An empty zone file as the resolver: domain add reads what the
	 * domain serves, never through the machine's resolver. */
	char *zone = testenv_write_file(f->dir, "empty.zone",
					"$ORIGIN empty.test.\n$TTL 300\n"
					"@ SOA ns1 h 1 3600 600 86400 300\n"
					"@ NS ns1\nns1 A 192.0.2.53\n");
	const char *args[] = { "--db",   f->path, "--now", "2026-11-23",
			       "--zone", zone,    a1,      a2,
			       a3,       a4,      a5,      NULL };
	struct testenv_run r = testenv_run_dmarcpilot(args, NULL);

	free(zone);
	return r;
}

/* The commands as an operator uses them, text and JSON. */
static void test_commands(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;

	/* The test holds the database open itself: close it so the
	 * binary is the only writer. */
	store_close(f->store);
	f->store = NULL;
	r = run_cmd(f, "domain", "add", "Example.com", NULL, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "example.com"));
	testenv_run_done(&r);
	r = run_cmd(f, "domain", "add", "example.com", NULL, NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, f->name));
	testenv_run_done(&r);
	r = run_cmd(f, "--json", "domain", "list", NULL, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"domain\": \"example.com\""));
	assert_non_null(strstr(r.out, "\"created\": \"2026-11-23\""));
	testenv_run_done(&r);
	r = run_cmd(f, "sender", "add", "example.com", "google-workspace",
		    NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	r = run_cmd(f, "sender", "add", "example.com", "ip4:192.0.2.0/24",
		    "--note=office");
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	r = run_cmd(f, "sender", "add", "example.com", "ip4:192.0.2.300", NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "ip4:192.0.2.300"));
	testenv_run_done(&r);
	r = run_cmd(f, "--json", "sender", "list", "example.com", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"spf\": \"include:_spf.google.com\""));
	assert_non_null(strstr(r.out, "\"spec\": \"ip4:192.0.2.0/24\""));
	assert_non_null(strstr(r.out, "\"note\": \"office\""));
	testenv_run_done(&r);
	r = run_cmd(f, "sender", "list", "example.com", NULL, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "google-workspace"));
	assert_non_null(strstr(r.out, "# office"));
	testenv_run_done(&r);
	r = run_cmd(f, "sender", "remove", "example.com", "google-workspace",
		    NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	r = run_cmd(f, "sender", "remove", "example.com", "google-workspace",
		    NULL);
	assert_int_equal(r.status, 2);
	testenv_run_done(&r);
	r = run_cmd(f, "--json", "sender", "list", "example.com", NULL);
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.out, "google-workspace"));
	testenv_run_done(&r);
	r = run_cmd(f, "sender", "list", NULL, NULL, NULL);
	assert_int_equal(r.status, 2);
	testenv_run_done(&r);
}

/* Commands that only read, with no database yet: domain list says there
 * is no domain, the others say there is no database and exit 2, and
 * neither the file nor its folder is created. */
static void test_read_only_creates_nothing(void **state)
{
	struct fixture *f = *state;
	char *sub = xasprintf("%s/new", f->dir);
	char *db = xasprintf("%s/state.db", sub);
	const char *list[] = { "--db", db, "domain", "list", NULL };
	const char *json[] = { "--db", db, "--json", "domain", "list", NULL };
	const char *show[] = {
		"--db", db, "domain", "show", "example.com", NULL
	};
	const char *senders[] = { "--db",        db,  "sender", "list",
				  "example.com", NULL };
	const char *summary[] = { "--db",        db,  "report", "summary",
				  "example.com", NULL };
	const char *const *twos[] = { show, senders, summary };
	struct testenv_run r;

	r = testenv_run_dmarcpilot(list, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "No domains yet"));
	testenv_run_done(&r);
	r = testenv_run_dmarcpilot(json, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"domains\": []"));
	testenv_run_done(&r);
	for (size_t i = 0; i < sizeof twos / sizeof twos[0]; i++) {
		r = testenv_run_dmarcpilot(twos[i], NULL);
		assert_int_equal(r.status, 2);
		assert_non_null(strstr(r.err, db));
		assert_non_null(strstr(r.err, "no database yet"));
		testenv_run_done(&r);
	}
	assert_int_not_equal(access(sub, F_OK), 0);
	free(db);
	free(sub);
}

/* Counts rows with one statement on a fresh connection; -1 on error. */
static long long count_rows(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	long long n = -1;

	if (testenv_db_postgres()) {
		char *v = testenv_db_text(path, sql);

		n = strtoll(v, NULL, 10);
		free(v);
		return n;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return n;
}

/* A writer killed with SIGKILL in the middle of its transactions leaves
 * a database that passes integrity_check, holds only whole changes, and
 * takes new ones. */
static void test_kill_during_write(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	sqlite3 *db;
	sqlite3_stmt *stmt;
	long long senders, rungs;
	pid_t pid;
	int status;

	assert_int_equal(
	    state_domain_add(f->store, "example.com", 0, NULL, &err),
	    STATUS_OK);
	store_close(f->store);
	f->store = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The writer: each step adds a sender and a rung naming it
		 * in one transaction, so a half write would show. */
		struct store *store;

		if (store_open(&store, f->path, &err))
			_exit(3);
		for (int i = 0;; i++) {
			char sql[256];

			snprintf(sql, sizeof sql,
				 "INSERT INTO sender(domain_id, kind, value,"
				 " created) VALUES (1, 'ip4', '10.%d.%d.0/24',"
				 " 'x');"
				 "INSERT INTO rung_history(domain_id, kind,"
				 " rung, record, verified) VALUES (1, 'spf',"
				 " 0, 'v=spf1 ip4:10.%d.%d.0/24 ~all', 'x')",
				 (i >> 8) & 255, i & 255, (i >> 8) & 255,
				 i & 255);
			if (store_begin(store, &err))
				_exit(4);
			store_exec(store, sql, &err);
			if (store_commit(store, &err))
				_exit(6);
		}
	}
	/* Let it commit a good number of steps, then kill it mid-stream. */
	for (int tries = 0; tries < 3000; tries++) {
		if (count_rows(f->path, "SELECT count(*) FROM sender") >= 200)
			break;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);

	/* SQLite's own check of the file; a PostgreSQL server rolls a
	 * dead connection's transaction back itself. */
	if (!testenv_db_postgres()) {
		assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db,
						    "PRAGMA integrity_check",
						    -1, &stmt, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(stmt, 0),
				    "ok");
		sqlite3_finalize(stmt);
		sqlite3_close(db);
	}
	senders = count_rows(f->path, "SELECT count(*) FROM sender");
	rungs = count_rows(f->path, "SELECT count(*) FROM rung_history");
	assert_true(senders >= 200);
	/* Whole transactions only: every sender has its rung. */
	assert_int_equal(senders, rungs);
	assert_int_equal(count_rows(f->path,
				    "SELECT count(*) FROM sender s WHERE NOT"
				    " EXISTS (SELECT 1 FROM rung_history r"
				    " WHERE r.record = 'v=spf1 ip4:' ||"
				    " s.value || ' ~all')"),
			 0);
	/* And it takes new changes. */
	assert_int_equal(store_open(&f->store, f->path, &err), STATUS_OK);
	assert_int_equal(state_sender_add(f->store, "example.com", "mx", NULL,
					  f->catalogue, 0, NULL, &err),
			 STATUS_OK);
}

/* One operator's step in a child process: waits on go, records rung 1
 * planned from the history whose newest rung is latest, and exits 0
 * when it was recorded, 1 when refused (the message in dir/who), 2 on
 * anything else. */
static void operator_step(const struct fixture *f, const char *who,
			  const char *at, int64_t latest, int ready, int go)
{
	struct state_step step = {
		.kind = RUNG_DMARC,
		.rung = 1,
		.lookups = -1,
		.record = "v=DMARC1; p=quarantine; pct=10",
		.verified = day("2026-12-05"),
		.recorded_by = who,
		.recorded_at = at,
		.check_latest = true,
		.latest_id = latest,
	};
	struct err err = ERR_INIT;
	struct store *store;
	enum status st;
	char c = 'r';

	if (store_open(&store, f->path, &err))
		_exit(2);
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
		_exit(2);
	st = state_step_record(store, "example.com", &step, &err);
	if (st != STATUS_OK) {
		char *path = xasprintf("%s/%s", f->dir, who);
		FILE *out = fopen(path, "w");

		if (out) {
			fputs(err_message(&err), out);
			fclose(out);
		}
	}
	store_close(store);
	_exit(st == STATUS_OK ? 0 : st == STATUS_REFUSED ? 1 : 2);
}

/* Two operators step the same domain at once, each in its own process
 * with its own connection: one step is recorded, the other is refused
 * naming who recorded which rung and when, and the history holds the
 * one rung. */
static void test_two_operators_step(void **state)
{
	static const char *const who[2] = { "alice@desk1", "bob@desk2" };
	static const char *const at[2] = { "2026-12-05 08:20 UTC",
					   "2026-12-05 08:21 UTC" };
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct state_rung *rungs = NULL;
	int ready[2], go[2], status[2];
	pid_t pid[2];
	size_t n = 0;
	char buf[2];
	int winner;

	assert_int_equal(
	    state_domain_add(f->store, "example.com", 0, NULL, &err),
	    STATUS_OK);
	assert_int_equal(state_rung_add(f->store, "example.com", RUNG_DMARC, 0,
					"v=DMARC1; p=none", day("2026-11-01"),
					&err),
			 STATUS_OK);
	assert_int_equal(
	    state_rung_list(f->store, "example.com", &rungs, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	for (int k = 0; k < 2; k++) {
		pid[k] = fork();
		assert_true(pid[k] >= 0);
		if (pid[k] == 0)
			operator_step(f, who[k], at[k], rungs[0].id, ready[1],
				      go[0]);
	}
	state_rungs_free(rungs, n);
	/* Both have planned and connected: let them go together. */
	assert_int_equal(read(ready[0], buf, 1), 1);
	assert_int_equal(read(ready[0], buf, 1), 1);
	if (testenv_db_postgres()) {
		/* Make the race certain: both read the history in their
		 * transactions before either may write, so that the
		 * server must refuse one serializable transaction, which
		 * then runs again and finds the other's rung. */
		PGconn *conn = PQconnectdb(f->path);

		assert_int_equal(PQstatus(conn), CONNECTION_OK);
		testenv_pg_ok(conn, "BEGIN");
		testenv_pg_ok(conn,
			      "LOCK TABLE rung_history IN EXCLUSIVE MODE");
		assert_int_equal(write(go[1], "gg", 2), 2);
		testenv_pg_wait_blocked(conn, 2);
		testenv_pg_ok(conn, "COMMIT");
		PQfinish(conn);
	} else {
		assert_int_equal(write(go[1], "gg", 2), 2);
	}
	for (int k = 0; k < 2; k++) {
		assert_int_equal(waitpid(pid[k], &status[k], 0), pid[k]);
		assert_true(WIFEXITED(status[k]));
	}
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	assert_int_equal(WEXITSTATUS(status[0]) + WEXITSTATUS(status[1]), 1);
	winner = WEXITSTATUS(status[0]) == 0 ? 0 : 1;
	{
		char *path = xasprintf("%s/%s", f->dir, who[1 - winner]);
		char *msg = testenv_read_file(path, NULL);

		assert_non_null(msg);
		assert_non_null(strstr(msg, who[winner]));
		assert_non_null(strstr(msg, at[winner]));
		assert_non_null(strstr(msg, "DMARC rung 1"));
		assert_non_null(strstr(msg, "example.com"));
		free(msg);
		free(path);
	}
	assert_int_equal(
	    state_rung_list(f->store, "example.com", &rungs, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rungs[1].rung, 1);
	state_rungs_free(rungs, n);
	{
		char *by = testenv_db_text(
		    f->path, "SELECT recorded_by FROM rung_history"
			     " WHERE rung = 1");

		assert_string_equal(by, who[winner]);
		free(by);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_idn, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sender_parse, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_senders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_rungs_settings, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_only_creates_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_during_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_two_operators_step, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
