/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The tracked DKIM rotation, driven through the real binary with --now
 * over 40 days: the records served by a real nsd on 127.0.0.1, weekly
 * aggregate reports (generated here, with the DKIM selectors a signer
 * would use) imported as an operator would. Phases advance only on
 * their evidence; a revocation while the old selector still signs is
 * refused; the old key file goes only after its record left DNS; RSA to
 * Ed25519 keeps the RSA key; cancel removes the unused key. */
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

#include "lib/bind.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "lib/tmux.h"
#include "util/date.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	char *db;
	char *keys;
	char *xdg;        /* XDG_DATA_HOME=... for the binary */
	char *old_record; /* the TXT value of the first key */
	char *old_path;
	struct nsd_server nsd;
	bool nsd_up;
	struct bind_server bind; /* the primary taking signed updates */
	bool bind_up;
	int nreports;
	bool text; /* run_on without --json */
};

/* The day n days after 2026-11-02 (a Monday), as text. */
static const char *walk_day(int n, char buf[DATE_BUFSIZE])
{
	date_t d;

	assert_true(date_parse("2026-11-02", &d));
	return date_format(d + n, buf);
}

/* Runs the binary on day n with the database, the nsd as resolver and
 * servers to verify on, and the words given (NULL-terminated). */
static struct testenv_run run_on(struct fixture *f, int n, ...)
{
	const char *argv[32];
	const char *env[] = { f->xdg, NULL };
	char day[DATE_BUFSIZE];
	size_t k = 0, first;
	va_list ap;
	const char *w;

	argv[k++] = "--db";
	argv[k++] = f->db;
	argv[k++] = "--now";
	argv[k++] = walk_day(n, day);
	if (!f->text)
		argv[k++] = "--json";
	if (f->nsd_up || f->bind_up) {
		argv[k++] = "--resolver";
		argv[k++] = f->bind_up ? f->bind.address : f->nsd.address;
		argv[k++] = "--timeout";
		argv[k++] = "10";
	}
	first = k;
	va_start(ap, n);
	while ((w = va_arg(ap, const char *)) && k < 28)
		argv[k++] = w;
	va_end(ap);
	/* Propagation asks the nsd, not the zone's NS on port 53. */
	if (f->nsd_up && k >= first + 2 && strcmp(argv[first], "dkim") == 0 &&
	    strcmp(argv[first + 1], "rotate") == 0) {
		argv[k++] = "--servers";
		argv[k++] = f->nsd.address;
	}
	argv[k] = NULL;
	return testenv_run_dmarcpilot(argv, env);
}

/* The JSON object a run printed; fails the test when it is none. */
static json_t *json_of(const struct testenv_run *r)
{
	json_error_t e;
	json_t *o = json_loads(r->out, 0, &e);

	if (!o)
		fail_msg("no JSON (%d): %s\nstderr: %s", r->status, r->out,
			 r->err);
	return o;
}

/* A string member. */
static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Serves the zone with the TXT records given as (owner, value) pairs,
 * NULL-terminated, each value split into strings of 200 octets; once
 * started, again on the same port. */
static void serve(struct fixture *f, ...)
{
	char *pre = nsd_zone_preamble("example.com");
	struct strbuf z = STRBUF_INIT;
	struct nsd_zone zone = { "example.com", NULL };
	const char *owner;
	va_list ap;

	strbuf_addstr(&z, pre);
	free(pre);
	va_start(ap, f);
	while ((owner = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);
		size_t len = strlen(v);

		strbuf_addf(&z, "%s IN TXT (", owner);
		for (size_t i = 0; i < len || i == 0; i += 200)
			strbuf_addf(&z, " \"%.*s\"",
				    (int)(len - i < 200 ? len - i : 200),
				    v + i);
		strbuf_addstr(&z, " )\n");
	}
	va_end(ap);
	zone.text = strbuf_str(&z);
	/* Again on the same port, as an operator publishes a record:
	 * the wizard under test keeps asking there. */
	if (f->nsd_up)
		assert_true(nsd_restart(&f->nsd, &zone, 1));
	else
		assert_true(nsd_start(&f->nsd, &zone, 1));
	f->nsd_up = true;
	strbuf_done(&z);
}

/* Writes and imports one weekly aggregate report for days
 * [first, first + 6] with one row per selector given (NULL-terminated),
 * each passing DKIM (RFC 7489 appendix C). */
static void report_week(struct fixture *f, int first, ...)
{
	struct strbuf x = STRBUF_INIT;
	char day[DATE_BUFSIZE], *id, *path;
	struct testenv_run r;
	const char *sel;
	date_t d;
	va_list ap;
	long begin;

	assert_true(date_parse(walk_day(first, day), &d));
	begin = (long)date_to_time(d);
	id = xasprintf("rotate-%d", ++f->nreports);
	strbuf_addf(&x,
		    "<?xml version=\"1.0\"?>\n<feedback><report_metadata>"
		    "<org_name>google.com</org_name><email>noreply@google.com"
		    "</email><report_id>%s</report_id><date_range><begin>%ld"
		    "</begin><end>%ld</end></date_range></report_metadata>"
		    "<policy_published><domain>example.com</domain>"
		    "<p>none</p></policy_published>",
		    id, begin, begin + 7 * 86400 - 1);
	va_start(ap, first);
	while ((sel = va_arg(ap, const char *)))
		strbuf_addf(&x,
			    "<record><row><source_ip>192.0.2.25</source_ip>"
			    "<count>40</count><policy_evaluated><disposition>"
			    "none</disposition><dkim>pass</dkim><spf>pass"
			    "</spf></policy_evaluated></row><identifiers>"
			    "<header_from>example.com</header_from>"
			    "</identifiers><auth_results><dkim><domain>"
			    "example.com</domain><selector>%s</selector>"
			    "<result>pass</result></dkim><spf><domain>"
			    "example.com</domain><result>pass</result></spf>"
			    "</auth_results></record>",
			    sel);
	va_end(ap);
	strbuf_addstr(&x, "</feedback>\n");
	free(id);
	id = xasprintf("week-%d.xml", f->nreports);
	path = testenv_write_file(f->dir, id, strbuf_str(&x));
	r = run_on(f, first + 7, "report", "import", path, NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	free(path);
	free(id);
	strbuf_done(&x);
}

/* A database with example.com and its RSA key "s2026", made in March. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct testenv_run r;
	json_t *o;

	if (!nsd_available()) {
		free(f);
		*state = NULL;
		return 0;
	}
	f->dir = testenv_mkdtemp();
	f->db = testenv_db(f->dir, "state.db");
	f->keys = xasprintf("%s/keys", f->dir);
	f->xdg = xasprintf("XDG_DATA_HOME=%s/xdg", f->dir);
	r = run_on(f, -240, "domain", "add", "example.com", NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	r = run_on(f, -240, "dkim", "keygen", "example.com", "s2026", "--out",
		   f->keys, NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	f->old_record = xstrdup(jstr(o, "record"));
	f->old_path = xstrdup(jstr(o, "key"));
	json_decref(o);
	testenv_run_done(&r);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	if (f->nsd_up)
		nsd_stop(&f->nsd);
	if (f->bind_up)
		bind_stop(&f->bind);
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f->keys);
	free(f->xdg);
	free(f->old_record);
	free(f->old_path);
	free(f);
	return 0;
}

/* The rotation's phase as the database holds it. */
static char *db_phase(struct fixture *f)
{
	return testenv_db_text(f->db, "SELECT phase FROM dkim_rotation"
				      " ORDER BY id DESC LIMIT 1");
}

/* Asserts a file's permission bits. */
static void assert_mode(const char *path, mode_t mode)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, mode);
}

/* The whole rotation over 40 days. */
static void test_rotation_walk(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	char *new_record, *new_path, *phase;
	json_t *o;

	if (!f)
		skip();
	serve(f, "s2026._domainkey", f->old_record, NULL);
	/* Day 0: start. The new key is 0600 beside the old one. */
	r = run_on(f, 0, "dkim", "rotate", "example.com", "--selector", "s2027",
		   NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_string_equal(jstr(o, "phase"), "generated");
	assert_string_equal(jstr(o, "old_selector"), "s2026");
	new_record = xstrdup(jstr(o, "record"));
	new_path = xstrdup(jstr(o, "key"));
	json_decref(o);
	testenv_run_done(&r);
	assert_mode(new_path, 0600);
	assert_mode(f->keys, 0700);
	assert_non_null(strstr(new_path, f->keys));

	/* Not published yet: nothing recorded, exit 1. */
	r = run_on(f, 0, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 1);
	o = json_of(&r);
	assert_string_equal(jstr(o, "phase"), "generated");
	assert_int_equal(json_array_size(json_object_get(o, "recorded")), 0);
	json_decref(o);
	testenv_run_done(&r);

	/* Day 1: both served. Published; the switch is awaited, with the
	 * signer snippets for the new key. */
	serve(f, "s2026._domainkey", f->old_record, "s2027._domainkey",
	      new_record, NULL);
	r = run_on(f, 1, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_string_equal(jstr(o, "phase"), "published");
	assert_string_equal(jstr(o, "published"), "2026-11-03");
	assert_non_null(strstr(
	    jstr(json_object_get(json_object_get(o, "snippets"), "opendkim"),
		 "keytable"),
	    "s2027._domainkey.example.com example.com:s2027:"));
	json_decref(o);
	testenv_run_done(&r);

	/* Week 1: the signer still uses the old key. */
	report_week(f, 0, "s2026", NULL);
	r = run_on(f, 7, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 1);
	phase = db_phase(f);
	assert_string_equal(phase, "published");
	free(phase);
	testenv_run_done(&r);

	/* Week 2: the switch happens mid-week; both selectors show. */
	report_week(f, 7, "s2026", "s2027", NULL);
	r = run_on(f, 14, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_string_equal(jstr(o, "phase"), "switched");
	assert_string_equal(jstr(o, "switched"), "2026-11-09");
	assert_false(json_is_true(json_object_get(o, "refused")));
	json_decref(o);
	testenv_run_done(&r);

	/* Day 15: the operator revokes too early. Refused, saying what
	 * the old key still signs; nothing recorded. */
	serve(f, "s2026._domainkey", "v=DKIM1; k=rsa; p=", "s2027._domainkey",
	      new_record, NULL);
	r = run_on(f, 15, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 1);
	o = json_of(&r);
	assert_true(json_is_true(json_object_get(o, "refused")));
	assert_string_equal(jstr(o, "phase"), "switched");
	assert_non_null(strstr(jstr(o, "waiting_for"), "s2026"));
	assert_int_equal(json_array_size(json_object_get(o, "old_signers")), 1);
	json_decref(o);
	testenv_run_done(&r);
	phase = db_phase(f);
	assert_string_equal(phase, "switched");
	free(phase);

	/* Week 3: only the new selector signs; seven silent days are
	 * covered. The revocation served is recorded; the record must
	 * still go before the key file does. */
	report_week(f, 14, "s2027", NULL);
	r = run_on(f, 21, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_string_equal(jstr(o, "phase"), "revoked");
	assert_string_equal(jstr(o, "revoked"), "2026-11-23");
	assert_false(json_is_true(json_object_get(o, "key_deleted")));
	json_decref(o);
	testenv_run_done(&r);
	assert_int_equal(access(f->old_path, F_OK), 0);

	/* Week 4: the revoked record is still served: the key stays. */
	report_week(f, 21, "s2027", NULL);
	r = run_on(f, 28, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 1);
	testenv_run_done(&r);
	assert_int_equal(access(f->old_path, F_OK), 0);
	phase = db_phase(f);
	assert_string_equal(phase, "revoked");
	free(phase);

	/* Day 35: the record is gone from every server; the key file is
	 * deleted and the old key retired. */
	serve(f, "s2027._domainkey", new_record, NULL);
	r = run_on(f, 35, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_string_equal(jstr(o, "phase"), "done");
	assert_true(json_is_true(json_object_get(o, "key_deleted")));
	json_decref(o);
	testenv_run_done(&r);
	assert_int_equal(access(f->old_path, F_OK), -1);
	assert_mode(new_path, 0600);
	phase = testenv_db_text(f->db, "SELECT retired FROM dkim_key"
				       " WHERE selector = 's2026'");
	assert_string_equal(phase, "2026-12-07");
	free(phase);

	/* Day 40: nothing is due; the new key is not. */
	r = run_on(f, 40, "plan", "example.com", NULL);
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.out, "rotation was due"));
	testenv_run_done(&r);
	free(new_record);
	free(new_path);
}

/* Starts the rotation to s2027 on day 0; returns the new key's path
 * and, when record is not NULL, its TXT value (the caller frees
 * both). */
static char *start_s2027(struct fixture *f, char **record)
{
	struct testenv_run r = run_on(f, 0, "dkim", "rotate", "example.com",
				      "--selector", "s2027", NULL);
	char *path;
	json_t *o;

	assert_int_equal(r.status, 0);
	o = json_of(&r);
	path = xstrdup(jstr(o, "key"));
	if (record)
		*record = xstrdup(jstr(o, "record"));
	/* The run says whether the next one publishes the record itself:
	 * it does where the primary is configured. */
	assert_int_equal(json_is_true(json_object_get(o, "publishes")),
			 f->bind_up);
	json_decref(o);
	testenv_run_done(&r);
	return path;
}

/* Walks a rotation to "published" on day 1; returns the new record
 * (the caller frees). */
static char *walk_to_published(struct fixture *f)
{
	struct testenv_run r;
	char *new_record;

	serve(f, "s2026._domainkey", f->old_record, NULL);
	free(start_s2027(f, &new_record));
	serve(f, "s2026._domainkey", f->old_record, "s2027._domainkey",
	      new_record, NULL);
	r = run_on(f, 1, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	return new_record;
}

/* Walks a rotation to "switched" on day 14 with reports in which the
 * old selector still signs in the second week; returns the new record
 * (the caller frees). */
static char *walk_to_switched(struct fixture *f)
{
	struct testenv_run r;
	char *new_record = walk_to_published(f), *phase;

	report_week(f, 7, "s2026", "s2027", NULL);
	r = run_on(f, 14, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	phase = db_phase(f);
	assert_string_equal(phase, "switched");
	free(phase);
	return new_record;
}

/* Revoking while the old selector still signs: refused without
 * --force; with it the revocation is recorded, marked forced, and the
 * output says which sources still sign with the old key. The key file
 * still stays until the record is gone. */
static void test_force_revoke(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	char *new_record, *phase;
	const char *env[] = { f ? f->xdg : NULL, NULL };
	json_t *o, *g;

	if (!f)
		skip();
	new_record = walk_to_switched(f);
	serve(f, "s2026._domainkey", "v=DKIM1; k=rsa; p=", "s2027._domainkey",
	      new_record, NULL);
	/* Without --force: refused, naming the source still signing. */
	{
		char day[DATE_BUFSIZE];
		const char *argv[] = { "--db",         f->db,
				       "--now",        walk_day(15, day),
				       "--resolver",   f->nsd.address,
				       "dkim",         "rotate",
				       "example.com",  "--servers",
				       f->nsd.address, NULL };

		r = testenv_run_dmarcpilot(argv, env);
		assert_int_equal(r.status, 1);
		assert_non_null(strstr(r.out, "Still signed with s2026"));
		assert_non_null(strstr(r.out, "192.0.2.25: 40 messages"));
		assert_non_null(strstr(r.out, "Refused:"));
		testenv_run_done(&r);
	}
	r = run_on(f, 15, "dkim", "rotate", "example.com", "--force", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_string_equal(jstr(o, "phase"), "revoked");
	assert_string_equal(jstr(o, "revoked"), "2026-11-17");
	assert_true(json_is_true(json_object_get(o, "forced")));
	g = json_array_get(json_object_get(o, "old_signers"), 0);
	assert_non_null(g);
	assert_string_equal(jstr(g, "ip"), "192.0.2.25");
	assert_int_equal(json_integer_value(json_object_get(g, "messages")),
			 40);
	assert_string_equal(jstr(g, "last"), "2026-11-15");
	assert_false(json_is_true(json_object_get(o, "key_deleted")));
	json_decref(o);
	testenv_run_done(&r);
	assert_int_equal(access(f->old_path, F_OK), 0);
	phase = db_phase(f);
	assert_string_equal(phase, "revoked");
	free(phase);
	free(new_record);
}

/* While a rotation is under way the options of a start are refused
 * (exit 2, nothing changed) and --silent-days changes its silent
 * days. */
static void test_options_under_way(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	json_t *o;
	char *n;

	if (!f)
		skip();
	serve(f, "s2026._domainkey", f->old_record, NULL);
	r = run_on(f, 0, "dkim", "rotate", "example.com", "--selector", "s2027",
		   NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	r = run_on(f, 0, "dkim", "rotate", "example.com", "--selector", "s2028",
		   NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--selector"));
	testenv_run_done(&r);
	r = run_on(f, 0, "dkim", "rotate", "example.com", "--algorithm",
		   "ed25519", NULL);
	assert_int_equal(r.status, 2);
	testenv_run_done(&r);
	n = testenv_db_text(f->db, "SELECT count(*) FROM dkim_key");
	assert_string_equal(n, "2");
	free(n);
	r = run_on(f, 0, "dkim", "rotate", "example.com", "--silent-days", "0",
		   NULL);
	assert_int_equal(r.status, 2);
	testenv_run_done(&r);
	r = run_on(f, 0, "dkim", "rotate", "example.com", "--silent-days", "14",
		   NULL);
	assert_int_equal(r.status, 1); /* not published: nothing recorded */
	o = json_of(&r);
	assert_int_equal(json_integer_value(json_object_get(o, "silent_days")),
			 14);
	json_decref(o);
	testenv_run_done(&r);
	n = testenv_db_text(f->db, "SELECT silent_days FROM dkim_rotation");
	assert_string_equal(n, "14");
	free(n);
}

/* The default selector is never one the domain had: with keys
 * 202611 and 20261102 made already, a rotation started on 2026-11-02
 * takes 20261102b. */
static void test_default_selector_fresh(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	json_t *o;

	if (!f)
		skip();
	serve(f, "s2026._domainkey", f->old_record, NULL);
	r = run_on(f, 0, "dkim", "keygen", "example.com", "202611", "--out",
		   f->keys, NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	r = run_on(f, 0, "dkim", "keygen", "example.com", "20261102", "--out",
		   f->keys, NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	r = run_on(f, 0, "dkim", "rotate", "example.com", "--from", "s2026",
		   NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_string_equal(jstr(o, "new_selector"), "20261102b");
	assert_string_equal(jstr(o, "old_selector"), "s2026");
	json_decref(o);
	testenv_run_done(&r);
}

/* What the primary serves at owner (under example.com), as dig, an
 * independent client, prints the TXT data: one line per record. */
static char *dig_txt(struct fixture *f, const char *owner)
{
	char *at = xasprintf("@127.0.0.1");
	char *port = xasprintf("%d", f->bind.port);
	char *name = xasprintf("%s.example.com", owner);
	const char *argv[] = { testenv_program("DIG"),
			       "+short",
			       "+norecurse",
			       at,
			       "-p",
			       port,
			       name,
			       "TXT",
			       NULL };
	struct testenv_run r = testenv_run(argv, NULL, NULL);
	char *out = xstrdup(r.out);

	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	free(name);
	free(port);
	free(at);
	return out;
}

/* Starts BIND as the primary of example.com serving the old key, and
 * points the domain's updates at it (publish-key, publish-port). */
static void primary_start(struct fixture *f)
{
	struct strbuf z = STRBUF_INIT;
	struct testenv_run r;
	char *pre = nsd_zone_preamble("example.com");
	char *arg_key, *arg_port;
	size_t len = strlen(f->old_record);

	strbuf_addstr(&z, pre);
	free(pre);
	strbuf_addstr(&z, "s2026._domainkey IN TXT (");
	for (size_t i = 0; i < len; i += 200)
		strbuf_addf(&z, " \"%.*s\"",
			    (int)(len - i < 200 ? len - i : 200),
			    f->old_record + i);
	strbuf_addstr(&z, " )\n");
	assert_true(
	    bind_start(&f->bind, "example.com", strbuf_str(&z), 0, NULL));
	f->bind_up = true;
	strbuf_done(&z);
	arg_key = xasprintf("publish-key=%s", f->bind.key_path);
	arg_port = xasprintf("publish-port=%d", f->bind.port);
	r = run_on(f, 0, "domain", "set", "example.com", arg_key, arg_port,
		   NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	free(arg_key);
	free(arg_port);
}

/* With the domain's updates configured (publish-key, publish-port),
 * the rotation publishes the new record, the revocation and the
 * removal itself, as signed RFC 2136 updates to a real BIND primary,
 * each phase only when its evidence allows; dig sees each change, and
 * the old key file goes only after the removal is served. */
static void test_rotation_publishes(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	char *served, *new_path, *phase;
	json_t *o;

	if (!f || !bind_available())
		skip();
	primary_start(f);
	/* Day 0: the key is made; the next run publishes its record. */
	new_path = start_s2027(f, NULL);
	served = dig_txt(f, "s2027._domainkey");
	assert_string_equal(served, "");
	free(served);
	r = run_on(f, 0, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_string_equal(jstr(o, "phase"), "published");
	assert_int_equal(json_array_size(json_object_get(o, "updates")), 1);
	assert_non_null(strstr(
	    json_string_value(json_array_get(json_object_get(o, "updates"), 0)),
	    "s2027._domainkey.example.com"));
	json_decref(o);
	testenv_run_done(&r);
	served = dig_txt(f, "s2027._domainkey");
	assert_non_null(strstr(served, "v=DKIM1"));
	free(served);

	/* The switch and silence come from the reports alone; with the
	 * old selector still signing nothing is sent. */
	report_week(f, 0, "s2026", "s2027", NULL);
	r = run_on(f, 7, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_string_equal(jstr(o, "phase"), "switched");
	assert_int_equal(json_array_size(json_object_get(o, "updates")), 0);
	json_decref(o);
	testenv_run_done(&r);
	served = dig_txt(f, "s2026._domainkey");
	assert_null(strstr(served, "p=\""));
	assert_non_null(strstr(served, "p=MII"));
	free(served);

	/* Day 14: silent for seven days; the revocation is sent and
	 * recorded; the record stays until DKIM_KEEP_DAYS have passed. */
	report_week(f, 7, "s2027", NULL);
	r = run_on(f, 14, "dkim", "rotate", "example.com", NULL);
	if (r.status != 0)
		fail_msg("%d: %s\n%s", r.status, r.out, r.err);
	o = json_of(&r);
	assert_string_equal(jstr(o, "phase"), "revoked");
	assert_false(json_is_true(json_object_get(o, "forced")));
	assert_int_equal(json_array_size(json_object_get(o, "updates")), 1);
	assert_false(json_is_true(json_object_get(o, "key_deleted")));
	assert_non_null(strstr(jstr(o, "waiting_for"), "stays until "
						       "2026-11-23"));
	json_decref(o);
	testenv_run_done(&r);
	served = dig_txt(f, "s2026._domainkey");
	assert_string_equal(served, "\"v=DKIM1; k=rsa; p=\"\n");
	free(served);
	assert_int_equal(access(f->old_path, F_OK), 0);

	/* Day 21: the removal is sent; once it is served the key file
	 * goes and the rotation is done; the new record stays. */
	r = run_on(f, 21, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_string_equal(jstr(o, "phase"), "done");
	assert_int_equal(json_array_size(json_object_get(o, "updates")), 1);
	assert_true(json_is_true(json_object_get(o, "key_deleted")));
	json_decref(o);
	testenv_run_done(&r);
	served = dig_txt(f, "s2026._domainkey");
	assert_string_equal(served, "");
	free(served);
	served = dig_txt(f, "s2027._domainkey");
	assert_non_null(strstr(served, "v=DKIM1"));
	free(served);
	assert_int_equal(access(f->old_path, F_OK), -1);
	assert_mode(new_path, 0600);
	phase = db_phase(f);
	assert_string_equal(phase, "done");
	free(phase);
	free(new_path);
}

/* Cancelling a rotation whose record went out through the primary
 * takes the record back the same way, then forgets the rotation and
 * deletes the unused key. */
static void test_cancel_publishes(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	char *served, *path, *n;
	json_t *o;

	if (!f || !bind_available())
		skip();
	primary_start(f);
	path = start_s2027(f, NULL);
	r = run_on(f, 0, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	served = dig_txt(f, "s2027._domainkey");
	assert_non_null(strstr(served, "v=DKIM1"));
	free(served);
	r = run_on(f, 1, "dkim", "rotate", "example.com", "--cancel", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_true(json_is_true(json_object_get(o, "record_removed")));
	json_decref(o);
	testenv_run_done(&r);
	served = dig_txt(f, "s2027._domainkey");
	assert_string_equal(served, "");
	free(served);
	served = dig_txt(f, "s2026._domainkey");
	assert_non_null(strstr(served, "p=MII"));
	free(served);
	assert_int_equal(access(path, F_OK), -1);
	n = testenv_db_text(f->db, "SELECT count(*) FROM dkim_key"
				   " WHERE selector = 's2027'"
				   " AND retired IS NULL");
	assert_string_equal(n, "0");
	free(n);
	free(path);

	/* A rotation cancelled before its record was ever sent: nothing
	 * was removed, and the run does not say it was. */
	r = run_on(f, 2, "dkim", "rotate", "example.com", "--selector", "s2028",
		   NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	f->text = true;
	r = run_on(f, 2, "dkim", "rotate", "example.com", "--cancel", NULL);
	f->text = false;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Cancelled the rotation to s2028"));
	assert_null(strstr(r.out, "Removed its record"));
	testenv_run_done(&r);
}

/* A domain whose only keys a provider holds has nothing of its own to
 * rotate: exit 2, and the message gives the provider's own
 * instructions from the catalogue; nothing is recorded. */
static void test_provider_held(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	char *n;

	if (!f)
		skip();
	serve(f, "s2026._domainkey", f->old_record, NULL);
	r = run_on(f, 0, "domain", "add", "example.org", NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	r = run_on(f, 0, "sender", "add", "example.org", "google-workspace",
		   NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	r = run_on(f, 0, "dkim", "rotate", "example.org", NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "no key of its own"));
	assert_non_null(strstr(r.err, "Google Workspace signs with a key it "
				      "holds; rotate it there: "));
	assert_non_null(strstr(r.err, "google._domainkey"));
	testenv_run_done(&r);
	n = testenv_db_text(f->db, "SELECT count(*) FROM dkim_rotation");
	assert_string_equal(n, "0");
	free(n);
}

/* RSA to Ed25519: the RSA key keeps signing beside the new one (RFC
 * 8463 section 4); nothing is revoked or deleted. */
/* The alerts of `monitor --dry-run` on day n with code rotation due,
 * joined by newlines (the caller frees). */
static char *monitor_due(struct fixture *f, int n)
{
	struct testenv_run r =
	    run_on(f, n, "monitor", "--dry-run", "example.com", NULL);
	struct strbuf sb = STRBUF_INIT;
	json_t *o = json_of(&r), *a;
	size_t i;

	json_array_foreach(
	    json_object_get(o, "alerts"), i,
	    a) if (strcmp(jstr(a, "code"), "monitor.dkim_rotation_due") == 0)
	    strbuf_addf(&sb, "%s\n", jstr(a, "message"));
	json_decref(o);
	testenv_run_done(&r);
	return strbuf_detach(&sb);
}

/* The plan's due list on day n, joined by newlines (the caller
 * frees). */
static char *plan_due(struct fixture *f, int n)
{
	struct testenv_run r = run_on(f, n, "plan", "example.com", NULL);
	struct strbuf sb = STRBUF_INIT;
	json_t *o = json_of(&r), *d;
	size_t i;

	json_array_foreach(json_object_get(o, "due"), i, d)
	    strbuf_addf(&sb, "%s\n", json_string_value(d));
	json_decref(o);
	testenv_run_done(&r);
	return strbuf_detach(&sb);
}

/* After the move to Ed25519 (day 0) the RSA key s2026, 240 days old,
 * signs beside ed2027 (RFC 8463 section 4): it is not due then, in
 * monitor or plan; the two are due together 180 days after ed2027 was
 * made (2027-05-01), and dkim rotate --from replaces the RSA key with a
 * fresh RSA key, after which only ed2027 is left due. */
static void assert_rsa_pair_due(struct fixture *f)
{
	struct testenv_run r;
	char *m, *p;
	json_t *o;

	m = monitor_due(f, 7);
	p = plan_due(f, 7);
	assert_string_equal(m, "");
	assert_string_equal(p, "");
	free(m);
	free(p);
	/* dkim rotate names the two keys it could replace. */
	r = run_on(f, 7, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "(s2026, ed2027)"));
	testenv_run_done(&r);
	m = monitor_due(f, 181);
	p = plan_due(f, 181);
	assert_non_null(strstr(m, "'s2026' has signed beside 'ed2027'"));
	assert_non_null(strstr(m, "'ed2027'"));
	assert_non_null(strstr(p, "'s2026' has signed beside 'ed2027' for "
				  "181 days"));
	assert_non_null(strstr(p, "due on 2027-05-01"));
	assert_null(strstr(p, "2026-09-03"));
	free(m);
	free(p);
	r = run_on(f, 181, "dkim", "rotate", "example.com", "--from", "s2026",
		   "--selector", "s2027", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_string_equal(jstr(o, "algorithm"), "rsa");
	assert_false(json_is_true(json_object_get(o, "keep_old")));
	json_decref(o);
	testenv_run_done(&r);
	p = plan_due(f, 181);
	assert_null(strstr(p, "'s2026'"));
	assert_non_null(strstr(p, "'ed2027'"));
	free(p);
}

static void test_rsa_to_ed25519(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	char *new_record;
	json_t *o;
	const char *kt;

	if (!f)
		skip();
	r = run_on(f, 0, "dkim", "rotate", "example.com", "--selector",
		   "ed2027", "--algorithm", "ed25519", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_true(json_is_true(json_object_get(o, "keep_old")));
	assert_string_equal(jstr(o, "algorithm"), "ed25519");
	new_record = xstrdup(jstr(o, "record"));
	assert_non_null(strstr(new_record, "k=ed25519"));
	assert_mode(jstr(o, "key"), 0600);
	kt = jstr(json_object_get(json_object_get(o, "snippets"), "opendkim"),
		  "keytable");
	assert_non_null(strstr(kt, "example.com:s2026:"));
	assert_non_null(strstr(kt, "example.com:ed2027:"));
	json_decref(o);
	testenv_run_done(&r);
	serve(f, "s2026._domainkey", f->old_record, "ed2027._domainkey",
	      new_record, NULL);
	report_week(f, 0, "s2026", "ed2027", NULL);
	r = run_on(f, 7, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	assert_string_equal(jstr(o, "phase"), "done");
	assert_null(json_string_value(json_object_get(o, "revoked")));
	json_decref(o);
	testenv_run_done(&r);
	assert_int_equal(access(f->old_path, F_OK), 0);
	{
		char *retired =
		    testenv_db_text(f->db, "SELECT retired FROM dkim_key"
					   " WHERE selector = 's2026'");

		assert_string_equal(retired, "");
		free(retired);
	}
	assert_rsa_pair_due(f);
	free(new_record);
}

/* A third party's aggregate report cannot forge the switch: its row
 * names a selector that, joined with the others as stored, would read
 * "example.com:s2027:pass". The import keeps the row without that
 * result, and the rotation still waits for the new selector. */
static void test_forged_evidence(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	char *new_record, *path, *n;
	char day[DATE_BUFSIZE];
	date_t d;
	char *xml;

	if (!f)
		skip();
	new_record = walk_to_published(f);
	assert_true(date_parse(walk_day(7, day), &d));
	xml = xasprintf(
	    "<?xml version=\"1.0\"?>\n<feedback><report_metadata>"
	    "<org_name>evil.example</org_name><email>r@evil.example</email>"
	    "<report_id>forged-1</report_id><date_range><begin>%ld</begin>"
	    "<end>%ld</end></date_range></report_metadata>"
	    "<policy_published><domain>example.com</domain><p>none</p>"
	    "</policy_published><record><row><source_ip>198.51.100.9"
	    "</source_ip><count>500</count><policy_evaluated><disposition>"
	    "none</disposition><dkim>fail</dkim><spf>fail</spf>"
	    "</policy_evaluated></row><identifiers><header_from>example.com"
	    "</header_from></identifiers><auth_results><dkim><domain>"
	    "evil.example</domain><selector>x example.com:s2027 pass y"
	    "</selector><result>fail</result></dkim><spf><domain>"
	    "example.com:s2027:pass</domain><result>fail</result></spf>"
	    "</auth_results></record></feedback>\n",
	    (long)date_to_time(d), (long)date_to_time(d) + 7 * 86400 - 1);
	path = testenv_write_file(f->dir, "forged.xml", xml);
	r = run_on(f, 14, "report", "import", path, NULL);
	assert_int_equal(r.status, 0);
	/* The import says what it left out, naming the file. */
	assert_non_null(strstr(r.err, "forged.xml: "));
	assert_non_null(strstr(r.err, "<auth_results> entr"));
	testenv_run_done(&r);
	r = run_on(f, 14, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 1);
	testenv_run_done(&r);
	n = db_phase(f);
	assert_string_equal(n, "published");
	free(n);
	/* The row is kept, without the two results. */
	n = testenv_db_text(f->db, "SELECT count(*) FROM report_row w"
				   " WHERE count = 500 AND NOT EXISTS"
				   " (SELECT 1 FROM report_row_auth a"
				   " WHERE a.row_id = w.id)");
	assert_string_equal(n, "1");
	free(n);
	free(path);
	free(xml);
	free(new_record);
}

/* Cancel deletes the unused key and forgets the rotation; once the
 * signer switched it is refused. */
static void test_cancel(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	char *path, *n;
	json_t *o;

	if (!f)
		skip();
	r = run_on(f, 0, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	o = json_of(&r);
	/* The default selector: YYYYMM of today. */
	assert_string_equal(jstr(o, "new_selector"), "202611");
	path = xstrdup(jstr(o, "key"));
	json_decref(o);
	testenv_run_done(&r);
	/* A second start is refused while one is under way: exit 2,
	 * naming the rotation, and nothing changes. */
	r = run_on(f, 0, "dkim", "rotate", "example.com", "--selector", "s2030",
		   NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "is under way"));
	testenv_run_done(&r);
	n = testenv_db_text(f->db, "SELECT count(*) FROM dkim_key"
				   " WHERE selector = 's2030'");
	assert_string_equal(n, "0");
	free(n);
	assert_int_equal(access(path, F_OK), 0);
	/* Cancelled: the unused key file and the rotation go; the key's
	 * row stays, retired, so that its selector is not used again. */
	r = run_on(f, 0, "dkim", "rotate", "example.com", "--cancel", NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	assert_int_equal(access(path, F_OK), -1);
	n = testenv_db_text(f->db, "SELECT count(*) FROM dkim_rotation");
	assert_string_equal(n, "0");
	free(n);
	n = testenv_db_text(f->db, "SELECT count(*) FROM dkim_key"
				   " WHERE selector = '202611'"
				   " AND retired IS NOT NULL");
	assert_string_equal(n, "1");
	free(n);
	r = run_on(f, 0, "dkim", "rotate", "example.com", "--cancel", NULL);
	assert_int_equal(r.status, 2);
	testenv_run_done(&r);

	/* Switched (forced twice): cancel is refused, the key stays. The
	 * new start takes a selector other than the cancelled one. */
	r = run_on(f, 1, "dkim", "rotate", "example.com", NULL);
	o = json_of(&r);
	assert_string_not_equal(jstr(o, "new_selector"), "202611");
	free(path);
	path = xstrdup(jstr(o, "key"));
	json_decref(o);
	testenv_run_done(&r);
	r = run_on(f, 1, "dkim", "rotate", "example.com", "--force", NULL);
	testenv_run_done(&r);
	r = run_on(f, 1, "dkim", "rotate", "example.com", "--force", NULL);
	testenv_run_done(&r);
	n = db_phase(f);
	assert_string_equal(n, "switched");
	free(n);
	r = run_on(f, 1, "dkim", "rotate", "example.com", "--cancel", NULL);
	assert_int_equal(r.status, 1);
	testenv_run_done(&r);
	assert_int_equal(access(path, F_OK), 0);
	free(path);
}

/* Sets the domain's rotation interval through `domain set`. */
static void set_interval(struct fixture *f, const char *value)
{
	char *arg = xasprintf("rotation-interval=%s", value);
	struct testenv_run r =
	    run_on(f, 0, "domain", "set", "example.com", arg, NULL);

	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	free(arg);
}

/* The timeline week of `plan --json` that begins on monday, or NULL. */
static const char *timeline_due(json_t *plan, const char *monday)
{
	json_t *w;
	size_t i;

	json_array_foreach(json_object_get(plan, "timeline"), i,
			   w) if (strcmp(jstr(w, "monday"), monday) ==
				  0) return jstr(w, "due");
	return NULL;
}

/* The interval (the domain's rotation-interval setting): a key older
 * than it with no rotation under way is due, and the four places that
 * say so agree on the day: dkim check's finding and rotation_due, the
 * plan's due list, the timeline's week and the monitor's alert. The
 * key was made on 2026-03-07; 100 days make 2026-06-15, a Monday.
 * Starting a rotation clears it everywhere. */
static void test_interval_due(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	const char *msg;
	json_t *o, *a;
	size_t i;

	if (!f)
		skip();
	serve(f, "s2026._domainkey", f->old_record, NULL);
	/* 240 days old: annual is not due. */
	set_interval(f, "annual");
	r = run_on(f, 0, "dkim", "check", "example.com", "s2026", NULL);
	assert_null(strstr(r.out, "dkim.rotation_due"));
	testenv_run_done(&r);
	r = run_on(f, 0, "monitor", "--dry-run", "example.com", NULL);
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.out, "monitor.dkim_rotation_due"));
	testenv_run_done(&r);

	set_interval(f, "100");
	r = run_on(f, 0, "dkim", "check", "example.com", "s2026", NULL);
	o = json_of(&r);
	assert_string_equal(jstr(o, "rotation_due"), "2026-06-15");
	a = json_array_get(json_object_get(o, "findings"), 0);
	assert_string_equal(jstr(a, "code"), "dkim.rotation_due");
	assert_non_null(strstr(jstr(a, "message"), "due on 2026-06-15"));
	json_decref(o);
	testenv_run_done(&r);

	r = run_on(f, 0, "plan", "example.com", NULL);
	o = json_of(&r);
	assert_int_equal(json_array_size(json_object_get(o, "due")), 1);
	msg = json_string_value(json_array_get(json_object_get(o, "due"), 0));
	assert_non_null(strstr(msg, "'s2026'"));
	assert_non_null(strstr(msg, "due on 2026-06-15"));
	assert_non_null(timeline_due(o, "2026-06-15"));
	assert_non_null(strstr(timeline_due(o, "2026-06-15"),
			       "DKIM selector s2026: rotation due"));
	json_decref(o);
	testenv_run_done(&r);

	/* The text plan lists it too, after the reasons. */
	{
		const char *due;

		f->text = true;
		r = run_on(f, 0, "plan", "example.com", NULL);
		f->text = false;
		assert_int_equal(r.status, 0);
		due = strstr(r.out, "\nDue:\n  - ");
		assert_non_null(due);
		assert_non_null(strstr(due, "'s2026'"));
		assert_non_null(strstr(due, "due on 2026-06-15"));
		assert_true(strstr(r.out, "Ready: ") < due);
		testenv_run_done(&r);
	}

	r = run_on(f, 0, "monitor", "--dry-run", "example.com", NULL);
	assert_int_equal(r.status, 1);
	o = json_of(&r);
	msg = NULL;
	json_array_foreach(
	    json_object_get(o, "alerts"), i,
	    a) if (strcmp(jstr(a, "code"), "monitor.dkim_rotation_due") == 0)
	    msg = jstr(a, "message");
	assert_non_null(msg);
	assert_non_null(strstr(msg, "'s2026'"));
	assert_non_null(strstr(msg, "due on 2026-06-15"));
	json_decref(o);
	testenv_run_done(&r);

	/* Quarterly: 2026-06-05, in the week of Monday 2026-06-01. */
	set_interval(f, "quarterly");
	r = run_on(f, 0, "plan", "example.com", NULL);
	o = json_of(&r);
	assert_non_null(strstr(
	    json_string_value(json_array_get(json_object_get(o, "due"), 0)),
	    "due on 2026-06-05"));
	assert_non_null(timeline_due(o, "2026-06-01"));
	assert_non_null(strstr(timeline_due(o, "2026-06-01"),
			       "DKIM selector s2026: rotation due"));
	json_decref(o);
	testenv_run_done(&r);

	/* Under way: no longer due, in any of them. */
	r = run_on(f, 0, "dkim", "rotate", "example.com", NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	r = run_on(f, 0, "dkim", "check", "example.com", "s2026", NULL);
	assert_null(strstr(r.out, "dkim.rotation_due"));
	testenv_run_done(&r);
	r = run_on(f, 0, "plan", "example.com", NULL);
	o = json_of(&r);
	assert_int_equal(json_array_size(json_object_get(o, "due")), 0);
	json_decref(o);
	testenv_run_done(&r);
	r = run_on(f, 0, "monitor", "--dry-run", "example.com", NULL);
	assert_null(strstr(r.out, "monitor.dkim_rotation_due"));
	testenv_run_done(&r);
}

/* Waits for text on the wizard's screen; fails with the screen. */
static void wizard_wait(struct tmux_term *t, const char *text)
{
	char *screen = tmux_wait_for(t, text, 30000);

	if (!screen)
		fail_msg("never drawn: %s\n%s", text, tmux_capture(t));
	free(screen);
}

/* The DKIM screen's rotation against nsd, each step on a worker: R on
 * the own key, K with the selector typed starts it (the key file 0600),
 * v finds the new record not served yet and says what to publish; once
 * nsd serves it, v records "published"; the wizard leaves with q at
 * once, nothing running. */
static void test_wizard_rotation_nsd(void **state)
{
	struct fixture *f = *state;
	const char *env[] = { f ? f->xdg : NULL, NULL };
	const char *argv[] = { testenv_binary(),
			       "--resolver",
			       NULL,
			       "--db",
			       f ? f->db : NULL,
			       "--now",
			       "2026-11-02",
			       "--timeout",
			       "5",
			       "example.com",
			       NULL };
	const char *dkim[] = { "5", NULL };
	const char *rot[] = { "R", NULL };
	const char *k[] = { "K", NULL };
	const char *erase[] = { "BSpace", "BSpace", "BSpace",
				"BSpace", "BSpace", "BSpace",
				"BSpace", "BSpace", NULL };
	const char *enter[] = { "Enter", NULL };
	const char *v[] = { "v", NULL };
	const char *q[] = { "q", NULL };
	struct tmux_term t = { 0 };
	struct testenv_run r;
	char *servers, *record, *path, *phase;
	int status = -1;
	json_t *o;

	if (!f || !tmux_available())
		skip();
	serve(f, "s2026._domainkey", f->old_record, NULL);
	argv[2] = f->nsd.address;
	servers = xasprintf("servers=%s", f->nsd.address);
	r = run_on(f, 0, "domain", "set", "example.com", servers, NULL);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	assert_true(tmux_start(&t, 80, 24, argv, env));
	free(tmux_settle(&t, 30000));
	tmux_send_keys(&t, dkim);
	wizard_wait(&t, "DKIM of example.com");
	tmux_send_keys(&t, rot);
	wizard_wait(&t, "Rotating s2026 to");
	tmux_send_keys(&t, k);
	wizard_wait(&t, "Selector of the rotated key:");
	tmux_send_keys(&t, erase);
	tmux_type(&t, "s2027");
	tmux_send_keys(&t, enter);
	wizard_wait(&t, "Rotation of s2026 to s2027: generated");
	tmux_send_keys(&t, v);
	wizard_wait(&t, "Waiting: publish the new key at");
	phase = db_phase(f);
	assert_string_equal(phase, "generated");
	free(phase);
	/* The record the rotation asks for, as the command line says. */
	r = run_on(f, 0, "dkim", "rotate", "example.com", NULL);
	/* 1: it waits for that record, as the wizard said. */
	assert_int_equal(r.status, 1);
	o = json_of(&r);
	record = xstrdup(jstr(o, "record"));
	json_decref(o);
	testenv_run_done(&r);
	serve(f, "s2026._domainkey", f->old_record, "s2027._domainkey", record,
	      NULL);
	tmux_send_keys(&t, v);
	wizard_wait(&t, "Recorded published on 2026-11-02.");
	phase = db_phase(f);
	assert_string_equal(phase, "published");
	free(phase);
	path = testenv_db_text(f->db, "SELECT key_path FROM dkim_key"
				      " WHERE selector = 's2027'");
	assert_mode(path, 0600);
	tmux_send_keys(&t, q);
	assert_true(tmux_wait_exit(&t, 30000, &status));
	assert_int_equal(status, 0);
	tmux_stop(&t);
	free(path);
	free(record);
	free(servers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rotation_walk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rsa_to_ed25519, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_evidence, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_provider_held, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_force_revoke, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_options_under_way, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_default_selector_fresh,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_interval_due, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wizard_rotation_nsd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rotation_publishes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancel_publishes, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
