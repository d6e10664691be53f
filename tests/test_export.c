/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zone export: the BIND snippet loads into a real nsd and every record
 * reads back equal, named-checkzone accepts it inside a zone, the
 * nsupdate script deletes only the exact old values, and --output
 * replaces the file atomically. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "dns/dns.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "export/zone.h"

struct fixture {
	char *dir;
	char *path;
	char *served; /* a zone file with what example.com serves now */
};

/* The records example.com serves before the export is published. */
static const char served_zone[] =
    "$ORIGIN example.com.\n$TTL 300\n"
    "@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\n"
    "ns1 A 192.0.2.53\n"
    "@ TXT \"v=spf1 mx ~all\"\n"
    "_dmarc TXT \"v=DMARC1; p=none\"\n";

static date_t day(const char *s)
{
	date_t d;

	assert_true(date_parse(s, &d));
	return d;
}

/* example.com at p=none since 2026-12-01 with twenty networks (an SPF
 * record longer than one string) and an external report address. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct err err = ERR_INIT;
	struct state_settings s;
	struct store *store;

	f->dir = testenv_mkdtemp();
	f->path = testenv_db(f->dir, "state.db");
	assert_int_equal(store_open(&store, f->path, &err), STATUS_OK);
	assert_int_equal(state_domain_add(store, "example.com",
					  day("2026-11-23"), NULL, &err),
			 STATUS_OK);
	for (int i = 0; i < 20; i++) {
		char spec[64];

		snprintf(spec, sizeof spec, "ip4:198.51.%d.0/24", 100 + i);
		assert_int_equal(state_sender_add(store, "example.com", spec,
						  NULL, NULL, 0, NULL, &err),
				 STATUS_OK);
	}
	state_settings_defaults(&s);
	s.rua = xstrdup("mailto:dmarc@example.com,"
			"mailto:agg@reports.example.net");
	assert_int_equal(state_settings_set(store, "example.com", &s, &err),
			 STATUS_OK);
	state_settings_done(&s);
	assert_int_equal(state_rung_add(store, "example.com", RUNG_SPF, 0,
					"v=spf1 mx ~all", day("2026-11-24"),
					&err),
			 STATUS_OK);
	assert_int_equal(state_rung_add(store, "example.com", RUNG_DMARC, 0,
					"v=DMARC1; p=none", day("2026-12-01"),
					&err),
			 STATUS_OK);
	store_close(store);
	f->served = testenv_write_file(f->dir, "served.zone", served_zone);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testenv_rmdir(f->dir);
	free(f->served);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

/* Runs export with extra arguments (NULL-terminated, at most 6). */
static struct testenv_run export(struct fixture *f, const char *a1,
				 const char *a2, const char *a3, const char *a4,
				 const char *a5)
{
	const char *args[] = { "--db",   f->path,   "--now",  "2026-12-29",
			       "--zone", f->served, "export", "example.com",
			       a1,       a2,        a3,       a4,
			       a5,       NULL };

	return testenv_run_dmarcpilot(args, NULL);
}

/* The SPF record the senders give, built here by hand. */
static char *expected_spf(void)
{
	char *s = xstrdup("v=spf1");

	for (int i = 0; i < 20; i++) {
		char *t = xasprintf("%s ip4:198.51.%d.0/24", s, 100 + i);

		free(s);
		s = t;
	}
	{
		char *t = xasprintf("%s ~all", s);

		free(s);
		s = t;
	}
	return s;
}

/* Quoting and splitting as RFC 1035 wants them. */
static void test_quote_and_split(void **state)
{
	struct strbuf q = STRBUF_INIT;
	char value[601];
	char **v;
	size_t n, total = 0;

	(void)state;
	text_txt_quote(&q, "a\"b\\c\007d", 7);
	assert_string_equal(strbuf_str(&q), "\"a\\\"b\\\\c\\007d\"");
	strbuf_done(&q);
	/* A DKIM-like value of 600 octets: tags first, then the key in
	 * strings of at most 255. */
	memset(value, 'A', sizeof value - 1);
	value[600] = '\0';
	memcpy(value, "v=DKIM1; k=rsa; p=", 18);
	v = zone_split(value, &n);
	assert_int_equal(n, 4);
	assert_string_equal(v[0], "v=DKIM1; k=rsa; ");
	for (size_t i = 0; i < n; i++) {
		assert_true(strlen(v[i]) <= 255);
		assert_int_equal(strncmp(v[i], value + total, strlen(v[i])), 0);
		total += strlen(v[i]);
	}
	assert_int_equal(total, 600);
	strlist_free(v, n);
	v = zone_split("", &n);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "");
	strlist_free(v, n);
}

/* The snippet as exported, the records it must hold, and a zone with
 * it inside. */
static char *bind_snippet(struct fixture *f)
{
	struct testenv_run r = export(f, "--format", "bind", NULL, NULL, NULL);
	char *out;

	assert_int_equal(r.status, 0);
	out = xstrdup(r.out);
	testenv_run_done(&r);
	return out;
}

/* Reads a TXT RRset through the engine and checks it holds exactly one
 * RR whose strings are want (joined equal to the value). */
static void expect_txt(struct dns *dns, const char *name,
		       const char *const *want, size_t nwant)
{
	struct dns_answer *a = dns_query_sync(dns, name, DNS_T_TXT);
	size_t txt = 0;

	if (a->result != DNS_DATA)
		fail_msg("%s: %s", name, dns_result_name(a->result));
	for (size_t i = 0; i < a->count; i++) {
		if (a->rrs[i].type != DNS_T_TXT)
			continue;
		txt++;
		assert_int_equal(a->rrs[i].u.txt.count, nwant);
		for (size_t j = 0; j < nwant; j++) {
			assert_int_equal(a->rrs[i].u.txt.strings[j].len,
					 strlen(want[j]));
			assert_memory_equal(a->rrs[i].u.txt.strings[j].data,
					    want[j], strlen(want[j]));
		}
	}
	assert_int_equal(txt, 1);
	dns_answer_free(a);
}

/* Loaded into a real nsd, every record reads back equal. */
static void test_snippet_in_nsd(void **state)
{
	struct fixture *f = *state;
	char *snippet = bind_snippet(f);
	char *pre = nsd_zone_preamble("example.com");
	char *zone = xasprintf("%s%s", pre, snippet);
	struct nsd_zone zones[] = { { "example.com", zone } };
	struct dns_live_options o = { .timeout = 20,
				      .tries = 3,
				      .no_recursion = true };
	struct nsd_server server;
	struct err err = ERR_INIT;
	struct dns *dns;
	char *spf = expected_spf();

	/* The SPF record is 411 octets: two strings, 255 and 156. */
	assert_int_equal(strlen(spf), 411);
	/* Each keeps the TTL its RRset is served with (RFC 2181 5.2). */
	assert_non_null(strstr(snippet, "example.com. 300 IN TXT \""));
	assert_non_null(strstr(snippet, "_dmarc.example.com. 300 IN TXT"));
	/* The authorisation belongs in the other zone: commented out. */
	assert_non_null(strstr(snippet, "; example.com._report._dmarc."
					"reports.example.net. 3600 IN TXT "
					"\"v=DMARC1\""));
	if (!nsd_available())
		skip();
	assert_true(nsd_start(&server, zones, 1));
	o.servers = server.address;
	assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
	{
		char *first = xstrndup(spf, 255);
		const char *want[] = { first, spf + 255 };

		expect_txt(dns, "example.com", want, 2);
		free(first);
	}
	{
		/* The rung verified (p=none) with the plan's tags: the
		 * next one is not ready (no reports) and is withheld. */
		const char *want[] = { "v=DMARC1; p=none; "
				       "rua=mailto:dmarc@example.com,"
				       "mailto:agg@reports.example.net" };

		expect_txt(dns, "_dmarc.example.com", want, 1);
	}
	dns_free(dns);
	nsd_stop(&server);
	free(spf);
	free(zone);
	free(pre);
	free(snippet);
}

/* named-checkzone accepts the snippet inside a zone. */
static void test_named_checkzone(void **state)
{
	struct fixture *f = *state;
	const char *checker = testenv_program("NAMED_CHECKZONE");
	char *snippet = bind_snippet(f);
	char *pre = nsd_zone_preamble("example.com");
	char *zone = xasprintf("%s%s", pre, snippet);
	char *file;
	struct testenv_run r;

	if (!checker)
		skip();
	file = testenv_write_file(f->dir, "example.com.zone", zone);
	{
		const char *argv[] = { checker, "example.com", file, NULL };

		r = testenv_run(argv, NULL, NULL);
	}
	if (r.status != 0)
		fail_msg("named-checkzone: %s%s", r.out, r.err);
	assert_non_null(strstr(r.out, "OK"));
	testenv_run_done(&r);
	free(file);
	free(zone);
	free(pre);
	free(snippet);
}

/* nsupdate: each changed record deletes exactly its old RR and adds the
 * new one; other TXT records at the name are not touched, records that
 * are already right are left out. */
static void test_nsupdate(void **state)
{
	struct fixture *f = *state;
	char *spf = expected_spf();
	char *zone =
	    xasprintf("$ORIGIN example.com.\n$TTL 300\n"
		      "@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\n"
		      "ns1 A 192.0.2.53\n"
		      "@ TXT \"v=spf1 mx ~all\"\n"
		      "@ TXT \"google-site-verification=abc\"\n"
		      "_dmarc TXT \"v=DMARC1; p=none\"\n");
	char *file = testenv_write_file(f->dir, "live.zone", zone);
	const char *args[] = { "--db",     f->path,    "--now",  "2026-12-29",
			       "--zone",   file,       "export", "example.com",
			       "--format", "nsupdate", NULL };
	struct testenv_run r = testenv_run_dmarcpilot(args, NULL);
	char *add;

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "update delete example.com. TXT "
				      "\"v=spf1 mx ~all\"\n"));
	/* The TTL the zone serves the TXT RRset with (RFC 2181 5.2). */
	add = xasprintf("update add example.com. 300 TXT \"%.255s\" \"%s\"\n",
			spf, spf + 255);
	assert_non_null(strstr(r.out, add));
	assert_non_null(strstr(r.out, "update delete _dmarc.example.com. TXT "
				      "\"v=DMARC1; p=none\"\n"));
	/* p=none with the report addresses; quarantine is not ready. */
	assert_non_null(strstr(r.out, "update add _dmarc.example.com. "));
	assert_non_null(strstr(r.out, "TXT \"v=DMARC1; p=none; rua="));
	assert_null(strstr(r.out, "p=quarantine"));
	/* Never a delete of a whole RRset or name; other TXT records
	 * only guard the change. */
	assert_null(strstr(r.out, "update delete example.com. TXT\n"));
	assert_null(strstr(r.out, "update delete example.com. TXT "
				  "\"google-site-verification"));
	assert_null(strstr(r.out, "_report._dmarc"));
	assert_non_null(strstr(r.out, "\nsend\n"));
	testenv_run_done(&r);
	free(add);
	free(file);
	free(zone);

	/* Once the zone has the new values, there is nothing to change. */
	{
		char *bind = bind_snippet(f);
		char *pre = xstrdup("$ORIGIN example.com.\n$TTL 300\n"
				    "@ SOA ns1 hostmaster 1 3600 600 86400 "
				    "300\n@ NS ns1\nns1 A 192.0.2.53\n");
		char *z2 = xasprintf("%s%s", pre, bind);
		char *file2 = testenv_write_file(f->dir, "new.zone", z2);

		args[5] = file2;
		r = testenv_run_dmarcpilot(args, NULL);
		assert_int_equal(r.status, 0);
		assert_null(strstr(r.out, "update "));
		assert_null(strstr(r.out, "send"));
		testenv_run_done(&r);
		free(file2);
		free(z2);
		free(pre);
		free(bind);
	}
	free(spf);
}

/* Two SPF and two DMARC records at their names (permerror today): the
 * script deletes every one by its exact value (a NUL octet included),
 * requires the TXT RRsets to be exactly as served so that a stale or
 * raced script fails, and keeps each RRset's TTL unless --ttl says. */
static void test_nsupdate_every_old_record(void **state)
{
	struct fixture *f = *state;
	char *zone =
	    xstrdup("$ORIGIN example.com.\n$TTL 300\n"
		    "@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\n"
		    "ns1 A 192.0.2.53\n"
		    "@ 7200 TXT \"v=spf1 mx ~all\"\n"
		    "@ 7200 TXT \"v=spf1 a\\000 -all\"\n"
		    "@ 7200 TXT \"google-site-verification=abc\"\n"
		    "_dmarc 900 TXT \"v=DMARC1; p=none\"\n"
		    "_dmarc 900 TXT \"v=DMARC1; p=reject\"\n");
	char *file = testenv_write_file(f->dir, "two.zone", zone);
	const char *args[] = { "--db",     f->path,    "--now",  "2026-12-29",
			       "--zone",   file,       "export", "example.com",
			       "--format", "nsupdate", NULL,     NULL,
			       NULL };
	struct testenv_run r = testenv_run_dmarcpilot(args, NULL);
	const char *const want[] = {
		"prereq yxrrset example.com. TXT \"v=spf1 mx ~all\"\n",
		"prereq yxrrset example.com. TXT \"v=spf1 a\\000 -all\"\n",
		"prereq yxrrset example.com. TXT "
		"\"google-site-verification=abc\"\n",
		"update delete example.com. TXT \"v=spf1 mx ~all\"\n",
		"update delete example.com. TXT \"v=spf1 a\\000 -all\"\n",
		"update add example.com. 7200 TXT \"v=spf1 ",
		"prereq yxrrset _dmarc.example.com. TXT \"v=DMARC1; "
		"p=none\"\n",
		"update delete _dmarc.example.com. TXT \"v=DMARC1; p=none\"\n",
		"update delete _dmarc.example.com. TXT \"v=DMARC1; "
		"p=reject\"\n",
		"update add _dmarc.example.com. 900 TXT \"v=DMARC1; ",
	};
	const char *prereq, *del, *add;

	assert_int_equal(r.status, 0);
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		if (!strstr(r.out, want[i]))
			fail_msg("missing \"%s\" in:\n%s", want[i], r.out);
	/* The guard comes before the change it guards. */
	prereq = strstr(r.out, "prereq yxrrset example.com.");
	del = strstr(r.out, "update delete example.com.");
	add = strstr(r.out, "update add example.com.");
	assert_true(prereq < del && del < add);
	assert_null(strstr(r.out, "update delete example.com. TXT "
				  "\"google"));
	testenv_run_done(&r);

	/* --ttl wins over the served TTL. */
	args[10] = "--ttl";
	args[11] = "600";
	r = testenv_run_dmarcpilot(args, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "update add example.com. 600 TXT "));
	assert_non_null(strstr(r.out, "update add _dmarc.example.com. 600 "));
	testenv_run_done(&r);
	args[11] = "-5";
	r = testenv_run_dmarcpilot(args, NULL);
	assert_int_equal(r.status, 2);
	testenv_run_done(&r);
	free(file);
	free(zone);
}

/* Counts the entries of a directory, . and .. excluded. */
static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* --output replaces the file whole, leaves no temporary file, and a
 * directory that does not exist is an error naming the path. */
static void test_output_atomic(void **state)
{
	struct fixture *f = *state;
	char *outdir = xasprintf("%s/out", f->dir);
	char *out = xasprintf("%s/example.com.json", outdir);
	char *bad = xasprintf("%s/missing/x.zone", f->dir);
	char *text, *old;
	struct testenv_run r;
	struct stat st;

	assert_int_equal(mkdir(outdir, 0755), 0);
	old = testenv_write_file(outdir, "example.com.json", "old\n");
	free(old);
	r = export(f, "--format", "json", "--output", out, NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	testenv_run_done(&r);
	text = testenv_read_file(out, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"purpose\": \"dmarc\""));
	assert_non_null(strstr(text, "\"zone\": \"reports.example.net\""));
	assert_null(strstr(text, "old\n"));
	free(text);
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(dir_entries(outdir), 1);

	r = export(f, "--output", bad, NULL, NULL, NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, bad));
	testenv_run_done(&r);
	r = export(f, "--format", "yaml", NULL, NULL, NULL);
	assert_int_equal(r.status, 2);
	testenv_run_done(&r);
	free(bad);
	free(out);
	free(outdir);
}

/* A key made with dkim keygen is exported with exactly the record keygen
 * printed, split into strings of at most 255 octets. */
static void test_dkim_key_exported(void **state)
{
	struct fixture *f = *state;
	char *keydir = xasprintf("%s/keys", f->dir);
	const char *gen[] = { "--db",   f->path, "--now",  "2026-12-29",
			      "--json", "dkim",  "keygen", "example.com",
			      "s2026",  "--out", keydir,   NULL };
	struct testenv_run r = testenv_run_dmarcpilot(gen, NULL);
	json_t *o, *root, *records, *rec;
	const char *want;
	size_t i;
	bool found = false;

	if (r.status != 0)
		fail_msg("keygen: %s%s", r.out, r.err);
	o = json_loads(r.out, 0, NULL);
	assert_non_null(o);
	want = json_string_value(json_object_get(o, "record"));
	assert_non_null(want);
	assert_true(strlen(want) > 255);
	testenv_run_done(&r);
	r = export(f, "--format", "json", NULL, NULL, NULL);
	assert_int_equal(r.status, 0);
	root = json_loads(r.out, 0, NULL);
	assert_non_null(root);
	records = json_object_get(root, "records");
	json_array_foreach(records, i, rec)
	{
		json_t *strings = json_object_get(rec, "strings"), *sv;
		size_t j;
		char *joined;

		if (strcmp(json_string_value(json_object_get(rec, "purpose")),
			   "dkim") != 0)
			continue;
		joined = xstrdup("");
		found = true;
		assert_string_equal(
		    json_string_value(json_object_get(rec, "name")),
		    "s2026._domainkey.example.com");
		/* No TXT at that name yet: the zone's own TTL (its SOA's,
		 * $TTL 300), not 3600. */
		assert_int_equal(
		    json_integer_value(json_object_get(rec, "ttl")), 300);
		assert_string_equal(
		    json_string_value(json_object_get(rec, "value")), want);
		json_array_foreach(strings, j, sv)
		{
			char *t =
			    xasprintf("%s%s", joined, json_string_value(sv));

			assert_true(strlen(json_string_value(sv)) <= 255);
			free(joined);
			joined = t;
		}
		assert_string_equal(joined, want);
		free(joined);
	}
	assert_true(found);
	testenv_run_done(&r);
	json_decref(root);
	json_decref(o);
	free(keydir);
}

/* ---------------------------------------------------------------- _spfN */

/* A second domain, split.example, with thirty networks: its SPF record
 * passes 450 octets and is laid out as the record and _spf1. */
static void split_domain(struct fixture *f)
{
	struct err err = ERR_INIT;
	struct store *store;

	assert_int_equal(store_open(&store, f->path, &err), STATUS_OK);
	assert_int_equal(state_domain_add(store, "split.example",
					  day("2026-11-23"), NULL, &err),
			 STATUS_OK);
	for (int i = 0; i < 30; i++) {
		char spec[64];

		snprintf(spec, sizeof spec, "ip4:198.51.%d.0/24", 100 + i);
		assert_int_equal(state_sender_add(store, "split.example", spec,
						  NULL, NULL, 0, NULL, &err),
				 STATUS_OK);
	}
	store_close(store);
}

/* The records by hand: each "ip4:198.51.1NN.0/24" is 19 octets. The
 * main record keeps what fits under 450 with " include:_spf1.
 * split.example ~all" (6 + 20 x 20 + 28 + 5 = 439 octets); _spf1 holds
 * the other ten (6 + 10 x 20 = 206). */
static void split_expected(char **main, char **part)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	strbuf_addstr(&a, "v=spf1");
	strbuf_addstr(&b, "v=spf1");
	for (int i = 0; i < 30; i++)
		strbuf_addf(i < 20 ? &a : &b, " ip4:198.51.%d.0/24", 100 + i);
	strbuf_addstr(&a, " include:_spf1.split.example ~all");
	*main = strbuf_detach(&a);
	*part = strbuf_detach(&b);
	assert_int_equal(strlen(*main), 439);
	assert_int_equal(strlen(*part), 206);
}

/* Runs export of split.example with a format and an optional zone. */
static struct testenv_run split_export(struct fixture *f, const char *format,
				       const char *zone)
{
	const char *with[] = { "--db",     f->path, "--now",  "2026-11-24",
			       "--zone",   zone,    "export", "split.example",
			       "--format", format,  NULL };
	const char *without[] = { "--db",       f->path,  "--now",
				  "2026-11-24", "export", "split.example",
				  "--format",   format,   NULL };

	return testenv_run_dmarcpilot(zone ? with : without, NULL);
}

/* The split record: the BIND snippet carries both parts in strings of
 * at most 255 octets, named-checkzone accepts it, a real nsd serves
 * both equal, and the nsupdate script replaces exactly the old values
 * at both names. */
static void test_spf_parts(void **state)
{
	struct fixture *f = *state;
	const char *checker = testenv_program("NAMED_CHECKZONE");
	char *main_rec, *part, *snippet, *pre, *zone, *file, *line;
	struct testenv_run r;

	split_domain(f);
	split_expected(&main_rec, &part);
	r = split_export(f, "bind", NULL);
	if (r.status != 0)
		fail_msg("export: %s%s", r.out, r.err);
	snippet = xstrdup(r.out);
	testenv_run_done(&r);
	line = xasprintf("split.example. 3600 IN TXT \"%.255s\" \"%s\"\n",
			 main_rec, main_rec + 255);
	assert_non_null(strstr(snippet, line));
	free(line);
	line = xasprintf("_spf1.split.example. 3600 IN TXT \"%s\"\n", part);
	assert_non_null(strstr(snippet, line));
	free(line);

	pre = nsd_zone_preamble("split.example");
	zone = xasprintf("%s%s", pre, snippet);
	file = testenv_write_file(f->dir, "split.example.zone", zone);
	if (checker) {
		const char *argv[] = { checker, "split.example", file, NULL };

		r = testenv_run(argv, NULL, NULL);
		if (r.status != 0)
			fail_msg("named-checkzone: %s%s", r.out, r.err);
		testenv_run_done(&r);
	}
	if (nsd_available()) {
		struct nsd_zone zones[] = { { "split.example", zone } };
		struct dns_live_options o = { .timeout = 20,
					      .tries = 3,
					      .no_recursion = true };
		struct nsd_server server;
		struct err err = ERR_INIT;
		struct dns *dns;
		char *first = xstrndup(main_rec, 255);
		const char *want_main[] = { first, main_rec + 255 };
		const char *want_part[] = { part };

		assert_true(nsd_start(&server, zones, 1));
		o.servers = server.address;
		assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
		expect_txt(dns, "split.example", want_main, 2);
		expect_txt(dns, "_spf1.split.example", want_part, 1);
		dns_free(dns);
		nsd_stop(&server);
		free(first);
	}
	free(file);
	free(zone);

	/* Live: an older split record and another TXT at _spf1. */
	zone = xasprintf("%s@ TXT \"v=spf1 ip4:192.0.2.0/24 "
			 "include:_spf1.split.example ~all\"\n"
			 "_spf1 TXT \"v=spf1 ip4:192.0.2.128/25\"\n"
			 "_spf1 TXT \"verification=xyz\"\n",
			 pre);
	file = testenv_write_file(f->dir, "live-split.zone", zone);
	r = split_export(f, "nsupdate", file);
	if (r.status != 0)
		fail_msg("export: %s%s", r.out, r.err);
	assert_non_null(strstr(r.out, "update delete split.example. TXT "
				      "\"v=spf1 ip4:192.0.2.0/24 "
				      "include:_spf1.split.example ~all\"\n"));
	assert_non_null(strstr(r.out, "update delete _spf1.split.example. "
				      "TXT \"v=spf1 ip4:192.0.2.128/25\"\n"));
	line =
	    xasprintf("update add _spf1.split.example. 300 TXT \"%s\"\n", part);
	assert_non_null(strstr(r.out, line));
	free(line);
	line = xasprintf("update add split.example. 300 TXT \"%.255s\" "
			 "\"%s\"\n",
			 main_rec, main_rec + 255);
	assert_non_null(strstr(r.out, line));
	free(line);
	assert_null(strstr(r.out, "update delete _spf1.split.example. TXT "
				  "\"verification"));
	assert_null(strstr(r.out, "update delete split.example. TXT\n"));
	testenv_run_done(&r);

	/* JSON names the part's purpose. */
	r = split_export(f, "json", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"name\": \"_spf1.split.example\""));
	assert_non_null(strstr(r.out, "\"purpose\": \"spf-part\""));
	testenv_run_done(&r);
	free(file);
	free(zone);
	free(pre);
	free(snippet);
	free(main_rec);
	free(part);
}

/* plan prints the records as the zone snippet does, through the one
 * TXT quoter: the split record in strings of at most 255 octets, so
 * that a line pasted into a zone file loads. */
static void test_plan_text_quoted(void **state)
{
	struct fixture *f = *state;
	const char *plan[] = { "--db", f->path,         "--now", "2026-11-24",
			       "plan", "split.example", NULL };
	char *main_rec, *part, *line;
	struct testenv_run r;

	split_domain(f);
	split_expected(&main_rec, &part);
	r = testenv_run_dmarcpilot(plan, NULL);
	if (r.status != 0)
		fail_msg("plan: %s%s", r.out, r.err);
	line = xasprintf("  split.example. TXT \"%.255s\" \"%s\"\n", main_rec,
			 main_rec + 255);
	if (!strstr(r.out, line))
		fail_msg("expected %s in: %s", line, r.out);
	free(line);
	line = xasprintf("  _spf1.split.example. TXT \"%s\"\n", part);
	assert_non_null(strstr(r.out, line));
	free(line);
	testenv_run_done(&r);
	free(main_rec);
	free(part);
}

/* ---------------------------------------------------------------- rua */

/* The _report._dmarc names zone_collect gives for a domain whose next
 * step is p=none with rua, joined by spaces ("" for none). */
static char *report_names(const char *domain, const char *rua)
{
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct zone_records z;
	struct strbuf sb = STRBUF_INIT;
	struct orgdomain *od;

	memset(&in, 0, sizeof in);
	memset(&plan, 0, sizeof plan);
	in.domain = (char *)domain;
	dmarc_record_init(&in.tags);
	assert_true(dmarc_uri_list_parse(rua, "rua", &in.tags.rua,
					 &in.tags.nrua, NULL));
	plan.next.action = ROLLOUT_ACTION_DMARC;
	plan.next.record = (char *)"v=DMARC1; p=none";
	od = orgdomain_new();
	zone_collect(&in, &plan, true, od, &z);
	orgdomain_free(od);
	for (size_t i = 0; i < z.count; i++)
		if (z.records[i].purpose == ZONE_REPORT) {
			assert_true(z.records[i].foreign);
			assert_string_equal(z.records[i].value, "v=DMARC1");
			strbuf_addf(&sb, "%s%s", sb.len ? " " : "",
				    z.records[i].name);
		}
	zone_records_done(&z);
	dmarc_record_done(&in.tags);
	return strbuf_detach(&sb);
}

/* RFC 7489 7.1 by organizational domain (checked by hand against the
 * Public Suffix List): reports.example.com is example.com's own, so
 * needs no record; example.net is another organization; under the
 * two-label suffix co.uk, other.co.uk is another organization than
 * example.co.uk, while reports.example.co.uk belongs to
 * mail.example.co.uk (neither name ends with the other), and co.uk
 * itself is a public suffix, not example.co.uk's organization. */
static void test_external_rua(void **state)
{
	static const struct {
		const char *domain, *rua, *want;
	} cases[] = {
		{ "example.com", "mailto:dmarc@reports.example.com", "" },
		{ "example.com", "mailto:dmarc@example.com", "" },
		{ "sub.example.com", "mailto:dmarc@example.com", "" },
		{ "example.com", "mailto:agg@example.net",
		  "example.com._report._dmarc.example.net" },
		{ "example.com",
		  "mailto:a@reports.example.com,mailto:b@rua.vendor.example,"
		  "mailto:c@rua.vendor.example",
		  "example.com._report._dmarc.rua.vendor.example" },
		{ "example.co.uk", "mailto:dmarc@other.co.uk",
		  "example.co.uk._report._dmarc.other.co.uk" },
		{ "mail.example.co.uk", "mailto:dmarc@reports.example.co.uk",
		  "" },
		{ "example.co.uk", "mailto:dmarc@co.uk",
		  "example.co.uk._report._dmarc.co.uk" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *got = report_names(cases[i].domain, cases[i].rua);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s with %s: got '%s', want '%s'",
				 cases[i].domain, cases[i].rua, got,
				 cases[i].want);
		free(got);
	}
}

/* step: the split record is recorded only once the record and its
 * _spf1 part are both served; with the part missing it names the part
 * and records nothing. */
static void test_step_waits_for_parts(void **state)
{
	struct fixture *f = *state;
	char *main_rec, *part, *pre, *zone, *file;
	struct testenv_run r;

	split_domain(f);
	split_expected(&main_rec, &part);
	pre = nsd_zone_preamble("split.example");
	for (int both = 0; both < 2; both++) {
		const char *step[] = { "--db",       f->path,         "--now",
				       "2026-11-24", "--zone",        NULL,
				       "step",       "split.example", NULL };
		const char *plan[] = { "--db",          f->path,  "--now",
				       "2026-11-24",    "--json", "plan",
				       "split.example", NULL };
		char *first = xstrndup(main_rec, 255);

		zone = xasprintf("%s@ TXT \"%s\" \"%s\"\n%s%s%s", pre, first,
				 main_rec + 255, both ? "_spf1 TXT \"" : "",
				 both ? part : "", both ? "\"\n" : "");
		file = testenv_write_file(f->dir, "step.zone", zone);
		step[5] = file;
		r = testenv_run_dmarcpilot(step, NULL);
		if (r.status != (both ? 0 : 1))
			fail_msg("step (part %s): %d %s%s",
				 both ? "live" : "missing", r.status, r.out,
				 r.err);
		if (!both)
			assert_non_null(strstr(r.out, "_spf1.split.example is "
						      "live on 0 of 1 "
						      "servers; nothing "
						      "recorded"));
		testenv_run_done(&r);
		r = testenv_run_dmarcpilot(plan, NULL);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, both ? "\"phase\": \"spf\""
						   : "\"phase\": "
						     "\"discovery\""));
		testenv_run_done(&r);
		free(first);
		free(file);
		free(zone);
	}
	free(pre);
	free(main_rec);
	free(part);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_and_split),
		cmocka_unit_test(test_external_rua),
		cmocka_unit_test_setup_teardown(test_snippet_in_nsd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_named_checkzone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nsupdate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nsupdate_every_old_record,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_atomic, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_spf_parts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_plan_text_quoted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_step_waits_for_parts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dkim_key_exported, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
