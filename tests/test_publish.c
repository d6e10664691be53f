/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publish through the real binary against real servers: BIND's named
 * as the primary of example.test, taking updates signed with a key made
 * by tsig-keygen, and Knot DNS as its secondary by zone transfer, so
 * that the propagation the program waits for is real. What the servers
 * serve is read with dig, an independent client; what was recorded,
 * from the database. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/bind.h"
#include "lib/daemon.h"
#include "lib/knot.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "lib/tmux.h"
#include "lib/unbound.h"
#include "app/plan.h"
#include "app/publish.h"
#include "app/session.h"
#include "dns/tsig.h"
#include "dns/update.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define ZONE "example.test"
/* The secondary's address: Knot listens on the same port as named, on
 * another loopback address, as the zone's second name server. */
#define SECONDARY "127.0.0.2"

/* The zone: two name servers (named and Knot), a site verification
 * beside the SPF record and a note beside the DMARC record that no
 * update may touch, and the TTLs the updates must keep. */
static const char zone_head[] =
    "$ORIGIN example.test.\n"
    "$TTL 300\n"
    "@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 "
    "86400 300\n"
    "@ IN NS ns1.example.test.\n"
    "@ IN NS ns2.example.test.\n"
    "ns1 IN A 127.0.0.1\n"
    "ns2 IN A " SECONDARY "\n"
    "@ 600 IN TXT \"google-site-verification=abc123\"\n"
    "_dmarc 900 IN TXT \"note: managed by dmarcpilot\"\n"
    "_dmarc 900 IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@example.test\"\n";

struct fixture {
	char *dir;
	char *db;
	char *port;    /* named's and Knot's port, as text */
	char *primary; /* "127.0.0.1:PORT", the resolver of most runs */
	char *secret;  /* the key's secret, which no output may hold */
	struct bind_server bind;
	struct knot_server knot;
	struct nsd_server nsd;
	struct tmux_term tmux;         /* the wizard's terminal, when started */
	struct unbound_server unbound; /* a caching resolver, when started */
};

/* Starts the primary and the secondary with the zone head plus spf
 * (the apex's SPF lines), the key allowed what grant says (NULL: every
 * TXT record in the zone). */
static void servers_start_zone(struct fixture *f, const char *zone,
			       const char *grant);

static void servers_start_grant(struct fixture *f, const char *spf,
				const char *grant)
{
	char *zone = xasprintf("%s%s", zone_head, spf);

	servers_start_zone(f, zone, grant);
	free(zone);
}

/* Starts the primary and the secondary with the whole zone text. */
static void servers_start_zone(struct fixture *f, const char *zone,
			       const char *grant)
{
	char *key, *s, *e;

	assert_true(
	    bind_start_grant(&f->bind, ZONE, zone, 0, SECONDARY, grant));
	assert_true(
	    knot_start(&f->knot, ZONE, SECONDARY, f->bind.port, "127.0.0.1"));
	f->port = xasprintf("%d", f->bind.port);
	f->primary = xstrdup(f->bind.address);
	key = testenv_read_file(f->bind.key_path, NULL);
	assert_non_null(key);
	s = strstr(key, "secret \"");
	assert_non_null(s);
	s += strlen("secret \"");
	e = strchr(s, '"');
	assert_non_null(e);
	f->secret = xstrndup(s, (size_t)(e - s));
	free(key);
}

/* Starts the servers with the key allowed every TXT record. */
static void servers_start(struct fixture *f, const char *spf)
{
	servers_start_grant(f, spf, NULL);
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	f->dir = testenv_mkdtemp();
	f->db = testenv_db(f->dir, "dmarcpilot.db");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tmux_stop(&f->tmux);
	if (f->unbound.pid)
		unbound_stop(&f->unbound);
	/* A test that froze the secondary and failed lets it go. */
	if (f->knot.pid > 0)
		kill(f->knot.pid, SIGCONT);
	knot_stop(&f->knot);
	bind_stop(&f->bind);
	if (f->nsd.pid)
		nsd_stop(&f->nsd);
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f->port);
	free(f->primary);
	free(f->secret);
	free(f);
	return 0;
}

/* Runs dmarcpilot with the database, resolver and day, then args (up
 * to 8, NULL-terminated); no output may hold the key's secret. */
static struct testenv_run run(struct fixture *f, const char *resolver,
			      const char *now, ...)
{
	const char *argv[20];
	struct testenv_run r;
	size_t n = 0;
	va_list ap;
	const char *a;

	argv[n++] = "--db";
	argv[n++] = f->db;
	argv[n++] = "--resolver";
	argv[n++] = resolver ? resolver : f->primary;
	argv[n++] = "--now";
	argv[n++] = now;
	va_start(ap, now);
	while ((a = va_arg(ap, const char *)) && n < 19)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	r = testenv_run_dmarcpilot(argv, NULL);
	if (f->secret) {
		assert_null(strstr(r.out, f->secret));
		assert_null(strstr(r.err, f->secret));
	}
	return r;
}

/* The exit status of a run, its output freed. */
static int run_status(struct testenv_run r)
{
	int status = r.status;

	if (status != 0)
		fprintf(stderr, "dmarcpilot: %d\n%s%s", status, r.out, r.err);
	testenv_run_done(&r);
	return status;
}

/* What server (ADDR) serves at name as dig +noall +answer prints it:
 * "TTL TXT-data" per line, sorted by dig as it comes. */
static char *dig(struct fixture *f, const char *server, const char *name)
{
	char *at = xasprintf("@%s", server);
	const char *argv[] = { testenv_program("DIG"),
			       "+noall",
			       "+answer",
			       "+norecurse",
			       at,
			       "-p",
			       f->port,
			       name,
			       "TXT",
			       NULL };
	struct testenv_run r = testenv_run(argv, NULL, NULL);
	struct strbuf sb = STRBUF_INIT;
	char *save = NULL;

	assert_int_equal(r.status, 0);
	/* "name. TTL IN TXT data": keep TTL and data. */
	for (char *line = strtok_r(r.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char owner[256], cls[8], type[8];
		unsigned ttl;
		int used = 0;

		if (sscanf(line, "%255s %u %7s %7s %n", owner, &ttl, cls, type,
			   &used) == 4 &&
		    used > 0)
			strbuf_addf(&sb, "%u %s\n", ttl, line + used);
	}
	testenv_run_done(&r);
	free(at);
	return strbuf_detach(&sb);
}

/* How many lines of text contain what. */
static int count_lines(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* Both servers serve exactly one SPF record, one DMARC record, the
 * site verification and the note, with their TTLs; returns the SPF and
 * DMARC lines of the secondary (caller frees). */
static void check_served(struct fixture *f, char **spf, char **dmarc)
{
	const char *servers[] = { "127.0.0.1", SECONDARY };

	for (int i = 1; i >= 0; i--) {
		char *apex = dig(f, servers[i], ZONE);
		char *d = dig(f, servers[i], "_dmarc." ZONE);

		assert_int_equal(count_lines(apex, "v=spf1"), 1);
		assert_non_null(
		    strstr(apex, "600 \"google-site-verification=abc123\""));
		assert_int_equal(count_lines(d, "v=DMARC1"), 1);
		assert_non_null(
		    strstr(d, "900 \"note: managed by dmarcpilot\""));
		/* RFC 2181 5.2: the TTL of the RRset is kept. */
		assert_int_equal(count_lines(apex, "600 \""), 2);
		assert_int_equal(count_lines(d, "900 \""), 2);
		if (i == 0) {
			char *s = strstr(apex, "\"v=spf1");
			char *m = strstr(d, "\"v=DMARC1");

			*spf = xstrndup(s, strcspn(s, "\n"));
			*dmarc = xstrndup(m, strcspn(m, "\n"));
		}
		free(apex);
		free(d);
	}
}

/* One day's aggregate report for the domain: 100 messages from the
 * domain's own server, passing (RFC 7489 appendix C). */
static void import_report(struct fixture *f, const char *day)
{
	struct tm tm = { 0 };
	time_t begin;
	char *xml, *name, *path;

	assert_non_null(strptime(day, "%Y-%m-%d", &tm));
	begin = timegm(&tm);
	xml = xasprintf(
	    "<?xml version=\"1.0\"?><feedback><report_metadata>"
	    "<org_name>Receiver</org_name><email>r@receiver.example</email>"
	    "<report_id>%s</report_id><date_range><begin>%lld</begin>"
	    "<end>%lld</end></date_range></report_metadata>"
	    "<policy_published><domain>example.test</domain><p>none</p>"
	    "</policy_published><record><row><source_ip>192.0.2.10"
	    "</source_ip><count>100</count><policy_evaluated><disposition>"
	    "none</disposition><dkim>pass</dkim><spf>pass</spf>"
	    "</policy_evaluated></row><identifiers><header_from>example.test"
	    "</header_from></identifiers><auth_results><dkim><domain>"
	    "example.test</domain><selector>s1</selector><result>pass"
	    "</result></dkim><spf><domain>example.test</domain><result>pass"
	    "</result></spf></auth_results></record></feedback>\n",
	    day, (long long)begin, (long long)begin + 86399);
	name = xasprintf("report-%s.xml", day);
	path = testenv_write_file(f->dir, name, xml);
	assert_int_equal(
	    run_status(run(f, NULL, day, "report", "import", path, NULL)), 0);
	free(path);
	free(name);
	free(xml);
}

/* Adds the domain (placed on the rung it serves), its sender, short
 * phases and where publish goes. */
static void domain_setup(struct fixture *f, const char *day)
{
	char *port = xasprintf("publish-port=%s", f->port);
	char *key = xasprintf("publish-key=%s", f->bind.key_path);

	assert_int_equal(
	    run_status(run(f, NULL, day, "domain", "add", ZONE, NULL)), 0);
	assert_int_equal(run_status(run(f, NULL, day, "sender", "add", ZONE,
					"ip4:192.0.2.10", NULL)),
			 0);
	assert_int_equal(
	    run_status(run(f, NULL, day, "domain", "set", ZONE, port, key,
			   "min-days-monitor=1", "min-days-rung=1",
			   "window-days=1", NULL)),
	    0);
	free(port);
	free(key);
}

/* The number of rungs recorded. */
static int history_count(struct fixture *f)
{
	char *n = testenv_db_text(f->db, "SELECT count(*) FROM rung_history");
	int v = atoi(n);

	free(n);
	return v;
}

/* The record of the last rung recorded. */
static char *history_last(struct fixture *f)
{
	return testenv_db_text(f->db, "SELECT record FROM rung_history "
				      "ORDER BY id DESC LIMIT 1");
}

/* The day `days` after 2026-03-01. */
static char *day_after(int days)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 2, .tm_mday = 1 + days };
	char buf[16];
	time_t t = timegm(&tm);

	strftime(buf, sizeof buf, "%Y-%m-%d", gmtime(&t));
	return xstrdup(buf);
}

/* From p=none to p=reject and SPF -all, one ready step a day, each
 * published, waited for on both servers and recorded; the unrelated
 * TXT records and the TTLs survive every step. */
static void test_walk(void **state)
{
	struct fixture *f = *state;
	static const char *const dmarc_walk[] = {
		"p=quarantine; pct=10; t=y", "p=quarantine; pct=25; t=y",
		"p=quarantine; pct=50; t=y", "p=quarantine;",
		"p=reject; pct=10; t=y",     "p=reject; pct=25; t=y",
		"p=reject; pct=50; t=y",     "p=reject;",
	};
	size_t next_dmarc = 0;
	bool complete = false;
	char *spf, *dmarc;

	servers_start(f, "@ 600 IN TXT \"v=spf1 mx ~all\"\n");
	domain_setup(f, "2026-03-01");
	for (int d = 1; d <= 14 && !complete; d++) {
		char *day = day_after(d);
		struct testenv_run r;

		import_report(f, day);
		r = run(f, NULL, day, "publish", ZONE, NULL);
		assert_int_equal(r.status, 0);
		complete = strstr(r.out, "rollout is complete") != NULL;
		if (!complete)
			assert_non_null(strstr(r.out, "recorded on"));
		testenv_run_done(&r);
		check_served(f, &spf, &dmarc);
		if (!complete && strstr(dmarc, "p=quarantine") == NULL &&
		    strstr(dmarc, "p=reject") == NULL)
			assert_non_null(strstr(spf, "ip4:192.0.2.10 ~all"));
		/* Each DMARC step is the next rung of the ladder. */
		if (next_dmarc < 8 &&
		    strstr(dmarc, dmarc_walk[next_dmarc]) != NULL)
			next_dmarc++;
		free(spf);
		free(dmarc);
		free(day);
	}
	assert_true(complete);
	assert_int_equal(next_dmarc, 8);
	check_served(f, &spf, &dmarc);
	assert_string_equal(spf, "\"v=spf1 ip4:192.0.2.10 -all\"");
	assert_string_equal(dmarc, "\"v=DMARC1; p=reject; "
				   "rua=mailto:dmarc@example.test\"");
	free(spf);
	free(dmarc);
}

/* The first step (the SPF record) when the apex serves two SPF records:
 * both go, one comes, the site verification stays; then undo puts the
 * rung before back on both servers and records it. */
static void test_two_spf_and_undo(void **state)
{
	struct fixture *f = *state;
	char *spf, *dmarc, *last;
	int before;

	servers_start(f, "@ 600 IN TXT \"v=spf1 mx ~all\"\n"
			 "@ 600 IN TXT \"v=spf1 a -all\"\n");
	domain_setup(f, "2026-03-01");
	import_report(f, "2026-03-02");
	assert_int_equal(
	    run_status(run(f, NULL, "2026-03-02", "publish", ZONE, NULL)), 0);
	check_served(f, &spf, &dmarc);
	/* Adoption took neither of two SPF records (RFC 7208 4.5: a
	 * permerror), so the plan starts SPF at ~all. */
	assert_string_equal(spf, "\"v=spf1 ip4:192.0.2.10 ~all\"");
	free(spf);
	free(dmarc);
	/* One SPF record now: adoption takes the live DMARC record. */
	assert_int_equal(run_status(run(f, NULL, "2026-03-02", "domain",
					"adopt", ZONE, NULL)),
			 0);
	import_report(f, "2026-03-03");
	assert_int_equal(
	    run_status(run(f, NULL, "2026-03-03", "publish", ZONE, NULL)), 0);
	check_served(f, &spf, &dmarc);
	assert_non_null(strstr(dmarc, "p=quarantine; pct=10"));
	free(spf);
	free(dmarc);
	/* The morning after: back to p=none. */
	before = history_count(f);
	assert_int_equal(run_status(run(f, NULL, "2026-03-04", "publish", ZONE,
					"--undo", NULL)),
			 0);
	check_served(f, &spf, &dmarc);
	assert_string_equal(dmarc, "\"v=DMARC1; p=none; "
				   "rua=mailto:dmarc@example.test\"");
	assert_int_equal(history_count(f), before + 1);
	last = history_last(f);
	assert_string_equal(last,
			    "v=DMARC1; p=none; rua=mailto:dmarc@example.test");
	free(last);
	free(spf);
	free(dmarc);
}

/* Someone changes the DMARC record on the primary, and the plan's
 * resolver (an nsd with the zone as it was) has not seen it: the record
 * the primary serves is neither the one the plan read nor the one
 * recorded, so nothing is sent; the message names the server and shows
 * what is live, nothing is recorded. */
static void test_concurrent_change(void **state)
{
	struct fixture *f = *state;
	char *zone = xasprintf(
	    "%s@ 600 IN TXT \"v=spf1 ip4:192.0.2.10 ~all\"\n", zone_head);
	struct nsd_zone stale = { ZONE, zone };
	char *script, *d, *cmd;
	const char *argv[] = { testenv_program("NSUPDATE"), "-k", NULL, NULL };
	struct testenv_run r;
	int before;

	servers_start(f, "@ 600 IN TXT \"v=spf1 ip4:192.0.2.10 ~all\"\n");
	domain_setup(f, "2026-03-01");
	import_report(f, "2026-03-02");
	/* The other operator's change, with nsupdate, on the primary. */
	script =
	    xasprintf("server 127.0.0.1 %s\nzone example.test.\n"
		      "update delete _dmarc.example.test. TXT "
		      "\"v=DMARC1; p=none; rua=mailto:dmarc@example.test\"\n"
		      "update add _dmarc.example.test. 900 TXT "
		      "\"v=DMARC1; p=reject; rua=mailto:other@example.test\"\n"
		      "send\n",
		      f->port);
	argv[2] = f->bind.key_path;
	r = testenv_run(argv, NULL, script);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	assert_true(nsd_start(&f->nsd, &stale, 1));
	before = history_count(f);
	r = run(f, f->nsd.address, "2026-03-02", "publish", ZONE, NULL);
	assert_int_equal(r.status, 2);
	cmd = xasprintf("%s:", f->primary);
	assert_non_null(strstr(r.err, cmd));
	assert_non_null(strstr(r.err, "a record the plan did not see"));
	assert_non_null(strstr(r.err, "nothing sent"));
	assert_non_null(strstr(r.err, "served now: _dmarc.example.test TXT "
				      "\"v=DMARC1; p=reject; "
				      "rua=mailto:other@example.test\""));
	testenv_run_done(&r);
	assert_int_equal(history_count(f), before);
	d = dig(f, "127.0.0.1", "_dmarc." ZONE);
	assert_non_null(strstr(d, "p=reject; rua=mailto:other@example.test"));
	assert_null(strstr(d, "pct=10"));
	free(d);
	free(cmd);
	free(script);
	free(zone);
}

/* A key with the right name and another secret: NOTAUTH (BADSIG),
 * exit 2, nothing changed or recorded; a key file others may read is
 * refused before anything is sent. */
static void test_wrong_key(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = { testenv_program("TSIG_KEYGEN"), "-a",
			       "hmac-sha256", "dmarcpilot-test", NULL };
	struct testenv_run r = { 0 };
	char *path, *d, *where;
	int before;

	servers_start(f, "@ 600 IN TXT \"v=spf1 ip4:192.0.2.10 ~all\"\n");
	domain_setup(f, "2026-03-01");
	import_report(f, "2026-03-02");
	r = testenv_run(argv, NULL, NULL);
	assert_int_equal(r.status, 0);
	path = testenv_write_file(f->dir, "wrong.key", r.out);
	testenv_run_done(&r);
	assert_int_equal(chmod(path, 0600), 0);
	before = history_count(f);
	r = run(f, NULL, "2026-03-02", "publish", ZONE, "--key", path, NULL);
	assert_int_equal(r.status, 2);
	where = xasprintf("%s: NOTAUTH", f->primary);
	assert_non_null(strstr(r.err, where));
	assert_non_null(strstr(r.err, "BADSIG"));
	testenv_run_done(&r);
	assert_int_equal(history_count(f), before);
	d = dig(f, "127.0.0.1", "_dmarc." ZONE);
	assert_non_null(strstr(d, "\"v=DMARC1; p=none;"));
	free(d);
	/* Readable by others: refused, naming the file. */
	assert_int_equal(chmod(path, 0644), 0);
	r = run(f, NULL, "2026-03-02", "publish", ZONE, "--key", path, NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, path));
	assert_non_null(strstr(r.err, "owner only"));
	testenv_run_done(&r);
	assert_int_equal(history_count(f), before);
	free(where);
	free(path);
}

/* The primary is down (the secondary still answers the plan's
 * questions): exit 2 naming the primary, nothing recorded; --dry-run
 * shows the update without sending it and without the secret. */
static void test_primary_down(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	char *where, *secondary, *db_secret;
	int before;

	servers_start(f, "@ 600 IN TXT \"v=spf1 ip4:192.0.2.10 ~all\"\n");
	domain_setup(f, "2026-03-01");
	import_report(f, "2026-03-02");
	before = history_count(f);
	r = run(f, NULL, "2026-03-02", "publish", ZONE, "--dry-run", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "prereq yxrrset _dmarc.example.test. "
				      "TXT \"note: managed by dmarcpilot\""));
	assert_non_null(strstr(r.out, "update delete _dmarc.example.test. TXT "
				      "\"v=DMARC1; p=none;"));
	assert_null(strstr(r.out, "update delete _dmarc.example.test. TXT "
				  "\"note"));
	assert_non_null(strstr(r.out, "update add _dmarc.example.test. 900 "
				      "TXT \"v=DMARC1; p=quarantine; pct=10"));
	testenv_run_done(&r);
	/* The dry run sent nothing: both servers serve what they did. */
	for (int i = 0; i < 2; i++) {
		char *d = dig(f, i ? SECONDARY : "127.0.0.1", "_dmarc." ZONE);

		assert_non_null(strstr(d, "900 \"v=DMARC1; p=none; "
					  "rua=mailto:dmarc@example.test\""));
		assert_null(strstr(d, "quarantine"));
		free(d);
	}
	/* The key's path is stored, never its secret. */
	db_secret = testenv_db_text(f->db, "SELECT count(*) FROM plan_settings"
					   " WHERE publish_key LIKE '%key'");
	assert_string_equal(db_secret, "1");
	free(db_secret);
	{
		size_t len = 0;
		char *bytes = testenv_db_dump(f->db, &len);

		assert_non_null(bytes);
		assert_null(memmem(bytes, len, f->secret, strlen(f->secret)));
		free(bytes);
	}
	secondary = xstrdup(f->knot.address);
	/* named ends; its directory (and the key) stays. */
	daemon_stop(f->bind.pid);
	f->bind.pid = 0;
	r = run(f, secondary, "2026-03-02", "publish", ZONE, NULL);
	assert_int_equal(r.status, 2);
	where = xasprintf("127.0.0.1:%s: ", f->port);
	assert_non_null(strstr(r.err, where));
	testenv_run_done(&r);
	assert_int_equal(history_count(f), before);
	free(where);
	free(secondary);
}

/* A primary whose update-policy does not let the key change the DMARC
 * record refuses the update (REFUSED), and a name server that takes no
 * updates at all says so (NOTIMP, nsd): each error names the server and
 * the reason, exit 2, nothing recorded, the records as they were. */
static void test_refused_and_notimp(void **state)
{
	struct fixture *f = *state;
	struct nsd_zone served = { ZONE, NULL };
	struct testenv_run r;
	char *where, *d, *zone;
	int before;

	servers_start_grant(f, "@ 600 IN TXT \"v=spf1 ip4:192.0.2.10 ~all\"\n",
			    "name example.test. TXT");
	domain_setup(f, "2026-03-01");
	import_report(f, "2026-03-02");
	before = history_count(f);
	r = run(f, NULL, "2026-03-02", "publish", ZONE, NULL);
	assert_int_equal(r.status, 2);
	where = xasprintf("%s: REFUSED", f->primary);
	assert_non_null(strstr(r.err, where));
	assert_non_null(strstr(r.err, "update-policy"));
	testenv_run_done(&r);
	free(where);
	assert_int_equal(history_count(f), before);
	d = dig(f, "127.0.0.1", "_dmarc." ZONE);
	assert_non_null(strstr(d, "\"v=DMARC1; p=none;"));
	free(d);
	/* An nsd serving the same zone, named as the primary by mistake. */
	zone = xasprintf("%s@ 600 IN TXT \"v=spf1 ip4:192.0.2.10 ~all\"\n",
			 zone_head);
	served.text = zone;
	assert_true(nsd_start(&f->nsd, &served, 1));
	r = run(f, NULL, "2026-03-02", "publish", ZONE, "--server",
		f->nsd.address, NULL);
	assert_int_equal(r.status, 2);
	where = xasprintf("%s: NOTIMP", f->nsd.address);
	assert_non_null(strstr(r.err, where));
	testenv_run_done(&r);
	assert_int_equal(history_count(f), before);
	free(where);
	free(zone);
}

/* The other operator's change, with nsupdate on the primary: the DMARC
 * record replaced by p=reject. */
static void other_operator(struct fixture *f)
{
	const char *argv[] = { testenv_program("NSUPDATE"), "-k",
			       f->bind.key_path, NULL };
	char *script =
	    xasprintf("server 127.0.0.1 %s\nzone example.test.\n"
		      "update delete _dmarc.example.test. TXT "
		      "\"v=DMARC1; p=none; rua=mailto:dmarc@example.test\"\n"
		      "update add _dmarc.example.test. 900 TXT "
		      "\"v=DMARC1; p=reject; rua=mailto:other@example.test\"\n"
		      "send\n",
		      f->port);
	struct testenv_run r = testenv_run(argv, NULL, script);

	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	free(script);
}

/* The plan is loaded (q10 ready, as the wizard shows it), then another
 * operator sets p=reject with nsupdate, then the plan is published:
 * nothing is sent, the error names the server and the name, what is
 * live now is shown, nothing recorded, p=reject stays (dig). */
static void test_change_after_plan_load(void **state)
{
	struct fixture *f = *state;
	struct session_options so = { 0 };
	struct app_publish_options o = { 0 };
	struct app_publish_result r;
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct err err = ERR_INIT;
	struct session s;
	date_t today;
	bool shown = false;
	char *d;
	int before;

	servers_start(f, "@ 600 IN TXT \"v=spf1 ip4:192.0.2.10 ~all\"\n");
	domain_setup(f, "2026-03-01");
	import_report(f, "2026-03-02");
	before = history_count(f);
	so.resolver = f->primary;
	so.db_path = f->db;
	so.datadir = getenv("DMARCPILOT_DATADIR") ? getenv("DMARCPILOT_DATADIR")
						  : ABS_SRCDIR "/data";
	session_init(&s, &so);
	assert_true(date_parse("2026-03-02", &today));
	assert_int_equal(app_plan_load(&s, ZONE, today, &in, &plan, &err),
			 STATUS_OK);
	assert_true(plan.ready);
	assert_non_null(strstr(plan.next.record, "p=quarantine; pct=10"));
	other_operator(f);
	assert_int_not_equal(
	    app_publish_run(&s, &in, &plan, today, &o, &r, &err), STATUS_OK);
	assert_non_null(strstr(err_message(&err), f->primary));
	assert_non_null(strstr(err_message(&err), "_dmarc.example.test"));
	assert_non_null(strstr(err_message(&err), "nothing sent"));
	assert_false(r.sent);
	assert_false(r.recorded);
	for (size_t i = 0; i < r.nlive; i++)
		shown = shown || strstr(r.live[i], "p=reject; "
						   "rua=mailto:other@") != NULL;
	assert_true(shown);
	err_done(&err);
	app_publish_done(&r);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	session_done(&s);
	assert_int_equal(history_count(f), before);
	d = dig(f, "127.0.0.1", "_dmarc." ZONE);
	assert_non_null(strstr(d, "p=reject; rua=mailto:other@example.test"));
	assert_null(strstr(d, "pct=10"));
	free(d);
}

/* The TTL unbound serves the DMARC RRset with, cached. */
static unsigned cached_ttl(struct fixture *f)
{
	const char *colon = strrchr(f->unbound.address, ':');
	char *port = xstrdup(colon + 1);
	const char *argv[] = { testenv_program("DIG"), "+noall", "+answer",
			       "@127.0.0.1",           "-p",     port,
			       "_dmarc." ZONE,         "TXT",    NULL };
	struct testenv_run r = testenv_run(argv, NULL, NULL);
	unsigned ttl = 0;
	char owner[256];

	assert_int_equal(r.status, 0);
	assert_int_equal(sscanf(r.out, "%255s %u", owner, &ttl), 2);
	testenv_run_done(&r);
	free(port);
	return ttl;
}

/* Through a caching resolver (unbound in front of named and Knot) whose
 * cached TTLs count down and which still serves yesterday's record
 * after the first publish: the update keeps the zone's TTLs (the
 * note beside the record keeps 900, the site verification 600), and
 * the next day's publish goes through on the first one's result. */
static void test_caching_resolver(void **state)
{
	struct fixture *f = *state;
	const char *zones[] = { ZONE };
	char *spf, *dmarc;
	struct testenv_run r;

	if (!unbound_available())
		skip();
	servers_start(f, "@ 600 IN TXT \"v=spf1 ip4:192.0.2.10 ~all\"\n");
	assert_true(unbound_start(&f->unbound, "", zones, 1, f->primary));
	free(f->primary);
	f->primary = xstrdup(f->unbound.address); /* every run's resolver */
	domain_setup(f, "2026-03-01");
	import_report(f, "2026-03-02");
	/* Until the cache's copy has aged (a state, not a pause). */
	while (cached_ttl(f) >= 900)
		continue;
	r = run(f, NULL, "2026-03-02", "publish", ZONE, "--dry-run", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "update add _dmarc.example.test. 900 "
				      "TXT \"v=DMARC1; p=quarantine; pct=10"));
	testenv_run_done(&r);
	assert_int_equal(
	    run_status(run(f, NULL, "2026-03-02", "publish", ZONE, NULL)), 0);
	check_served(f, &spf, &dmarc);
	assert_non_null(strstr(dmarc, "p=quarantine; pct=10"));
	free(spf);
	free(dmarc);
	import_report(f, "2026-03-03");
	assert_int_equal(
	    run_status(run(f, NULL, "2026-03-03", "publish", ZONE, NULL)), 0);
	check_served(f, &spf, &dmarc);
	assert_non_null(strstr(dmarc, "p=quarantine; pct=25"));
	free(spf);
	free(dmarc);
}

/* A zone whose $TTL is 300 and whose DMARC record sends reports to
 * d@example.test: adoption keeps that address, so the first step (the
 * SPF record) changes the SPF record only and says so; the DMARC
 * record and its reports stay as they were. */
static void test_adopted_rua_and_zone_ttl(void **state)
{
	struct fixture *f = *state;
	static const char zone[] =
	    "$ORIGIN example.test.\n$TTL 300\n"
	    "@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 "
	    "86400 300\n"
	    "@ IN NS ns1.example.test.\n@ IN NS ns2.example.test.\n"
	    "ns1 IN A 127.0.0.1\nns2 IN A " SECONDARY "\n"
	    "@ 600 IN TXT \"v=spf1 mx ~all\"\n"
	    "_dmarc 900 IN TXT \"v=DMARC1; p=none; "
	    "rua=mailto:d@example.test\"\n";
	struct testenv_run r;
	char *d, *rua;

	servers_start_zone(f, zone, NULL);
	domain_setup(f, "2026-03-01");
	rua = testenv_db_text(f->db, "SELECT rua FROM plan_settings");
	assert_string_equal(rua, "mailto:d@example.test");
	free(rua);
	import_report(f, "2026-03-02");
	r = run(f, NULL, "2026-03-02", "publish", ZONE, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "  example.test TXT \"v=spf1 "
				      "ip4:192.0.2.10 ~all\" (was \"v=spf1 mx "
				      "~all\")"));
	assert_null(strstr(r.out, "_dmarc"));
	testenv_run_done(&r);
	for (int i = 0; i < 2; i++) {
		d = dig(f, i ? SECONDARY : "127.0.0.1", "_dmarc." ZONE);
		assert_string_equal(d, "900 \"v=DMARC1; p=none; "
				       "rua=mailto:d@example.test\"\n");
		free(d);
	}
	/* The JSON form names the records it changes too. */
	import_report(f, "2026-03-03");
	r = run(f, NULL, "2026-03-03", "--json", "publish", ZONE, "--dry-run",
		NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"records\""));
	assert_non_null(strstr(r.out, "\"name\": \"_dmarc.example.test\""));
	assert_non_null(strstr(r.out, "rua=mailto:d@example.test"));
	testenv_run_done(&r);
}

/* A listener that accepts connections (the kernel does, in its
 * backlog) and never answers, on TCP and UDP; its port. */
static int black_hole(int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fds[0] >= 0);
	assert_int_equal(bind(fds[0], (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fds[0], 4), 0);
	assert_int_equal(getsockname(fds[0], (struct sockaddr *)&a, &len), 0);
	fds[1] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fds[1] >= 0);
	assert_int_equal(bind(fds[1], (struct sockaddr *)&a, sizeof a), 0);
	return ntohs(a.sin_port);
}

/* A primary that takes the connection and never answers: the error
 * names it and says timeout, exit 2, nothing recorded or changed. */
static void test_reply_timeout(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	int fds[2], before;
	char *server, *d;

	servers_start(f, "@ 600 IN TXT \"v=spf1 ip4:192.0.2.10 ~all\"\n");
	domain_setup(f, "2026-03-01");
	import_report(f, "2026-03-02");
	before = history_count(f);
	server = xasprintf("127.0.0.1:%d", black_hole(fds));
	r = run(f, NULL, "2026-03-02", "--timeout", "1", "publish", ZONE,
		"--server", server, NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, server));
	assert_non_null(strstr(r.err, "timeout"));
	testenv_run_done(&r);
	assert_int_equal(history_count(f), before);
	d = dig(f, "127.0.0.1", "_dmarc." ZONE);
	assert_non_null(strstr(d, "\"v=DMARC1; p=none;"));
	free(d);
	close(fds[0]);
	close(fds[1]);
	free(server);
}

/* Every algorithm tsig-keygen writes: named takes an update signed
 * with its key, answers it signed, and serves the record (dig). */
static void test_algorithms(void **state)
{
	static const char *const algorithms[] = {
		"hmac-sha1",   "hmac-sha224", "hmac-sha256",
		"hmac-sha384", "hmac-sha512", "hmac-md5",
	};
	static const char zone[] =
	    "$ORIGIN example.test.\n$TTL 300\n"
	    "@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 "
	    "86400 300\n@ IN NS ns1.example.test.\nns1 IN A 127.0.0.1\n";
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof algorithms / sizeof algorithms[0]; i++) {
		struct tsig_key *key = NULL;
		struct err err = ERR_INIT;
		struct dns_update u;
		char *value =
		    xasprintf("v=DMARC1; p=none; alg=%s", algorithms[i]);
		char *d;
		int rcode = -1;

		assert_true(bind_start_key(&f->bind, ZONE, zone, 0, NULL, NULL,
					   algorithms[i]));
		free(f->port);
		f->port = xasprintf("%d", f->bind.port);
		assert_int_equal(tsig_key_read(f->bind.key_path, &key, &err),
				 STATUS_OK);
		dns_update_init(&u, ZONE);
		dns_update_add(&u, DNS_UPDATE_ABSENT, "_dmarc." ZONE, 0, NULL,
			       0);
		dns_update_add_text(&u, DNS_UPDATE_ADD, "_dmarc." ZONE, 300,
				    &value, 1);
		d = NULL;
		if (!dns_update_can_sign(key->algorithm)) {
			/* This ldns cannot sign with it: a clear error
			 * naming the key and the algorithm, nothing sent. */
			assert_int_equal(dns_update_send(&u, f->bind.address,
							 key, 0, &rcode, &err),
					 STATUS_CRYPTO);
			assert_int_equal(rcode, -1);
			assert_non_null(
			    strstr(err_message(&err), algorithms[i]));
			d = dig(f, "127.0.0.1", "_dmarc." ZONE);
			assert_string_equal(d, "");
		} else if (dns_update_send(&u, f->bind.address, key, 0, &rcode,
					   &err) != STATUS_OK) {
			fail_msg("%s: %s", algorithms[i], err_message(&err));
		} else {
			assert_int_equal(rcode, 0);
			d = dig(f, "127.0.0.1", "_dmarc." ZONE);
			assert_non_null(strstr(d, value));
		}
		free(d);
		dns_update_done(&u);
		tsig_key_free(key);
		free(value);
		err_done(&err);
		bind_stop(&f->bind);
	}
}

/* A zone whose $TTL is 300: the DKIM key record the step adds at
 * ed2027._domainkey, a name with no TXT RRset, takes the zone's TTL
 * (the SOA's, read from the primary) on both servers, not 3600. */
static void test_new_name_zone_ttl(void **state)
{
	struct fixture *f = *state;
	static const char zone[] =
	    "$ORIGIN example.test.\n$TTL 300\n"
	    "@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 "
	    "86400 300\n"
	    "@ IN NS ns1.example.test.\n@ IN NS ns2.example.test.\n"
	    "ns1 IN A 127.0.0.1\nns2 IN A " SECONDARY "\n"
	    "@ 600 IN TXT \"v=spf1 ip4:192.0.2.10 ~all\"\n";
	struct testenv_run r;

	servers_start_zone(f, zone, NULL);
	domain_setup(f, "2026-03-01");
	assert_int_equal(run_status(run(f, NULL, "2026-03-01", "dkim", "keygen",
					ZONE, "ed2027", "--out", f->dir, NULL)),
			 0);
	import_report(f, "2026-03-02");
	r = run(f, NULL, "2026-03-02", "publish", ZONE, "--force", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "  ed2027._domainkey.example.test TXT "
				      "\"v=DKIM1; "));
	assert_non_null(strstr(r.out, "(added)"));
	testenv_run_done(&r);
	for (int i = 0; i < 2; i++) {
		char *d = dig(f, i ? SECONDARY : "127.0.0.1",
			      "ed2027._domainkey." ZONE);

		assert_int_equal(strncmp(d, "300 \"v=DKIM1; ", 14), 0);
		free(d);
	}
}

/* Starts the wizard on the domain's screen key (a step key, "4" SPF,
 * "6" DMARC) on day, waits for title, presses p and waits for the
 * publish to end; help opens and closes while it runs. Returns the
 * screen (caller frees); the wizard is left with q, status 0. */
static char *wizard_publish_on(struct fixture *f, const char *day,
			       const char *step, const char *title)
{
	const char *argv[] = {
		testenv_binary(), "--resolver", f->primary, "--db", f->db,
		"--now",          day,          ZONE,       NULL
	};
	const char *go[] = { step, NULL };
	const char *p[] = { "p", "?", NULL };
	const char *esc[] = { "Escape", NULL };
	const char *q[] = { "q", NULL };
	struct tmux_term *t = &f->tmux;
	char *screen;
	int status = -1;

	assert_true(tmux_start(t, 80, 24, argv, NULL));
	free(tmux_settle(t, 30000));
	tmux_send_keys(t, go);
	screen = tmux_wait_for(t, title, 30000);
	assert_non_null(screen);
	free(screen);
	/* The publish goes on while help is open over the screen. */
	tmux_send_keys(t, p);
	screen = tmux_wait_for(t, " · Help", 30000);
	assert_non_null(screen);
	free(screen);
	tmux_send_keys(t, esc);
	screen = tmux_wait_for(t, "Published and recorded", 30000);
	assert_non_null(screen);
	free(screen);
	screen = tmux_settle(t, 30000);
	assert_non_null(screen);
	tmux_send_keys(t, q);
	assert_true(tmux_wait_exit(t, 30000, &status));
	assert_int_equal(status, 0);
	tmux_stop(t);
	return screen;
}

/* p on the SPF screen publishes SPF ~all, waited for on both servers
 * and recorded; the next day p on the DMARC screen publishes the first
 * quarantine rung the same way, the day after p on the timeline the
 * second and then p on the DKIM screen the third. The screens show the
 * end where the step's lines are; the unrelated records survive
 * (check_served). */
static void test_wizard_publish_screens(void **state)
{
	struct fixture *f = *state;
	char *screen, *spf, *dmarc;
	int before;

	if (!tmux_available())
		skip();
	servers_start(f, "@ 600 IN TXT \"v=spf1 mx ~all\"\n");
	domain_setup(f, "2026-03-01");
	import_report(f, "2026-03-02");
	before = history_count(f);
	screen = wizard_publish_on(f, "2026-03-02", "4", "SPF of " ZONE);
	assert_non_null(strstr(screen, "Published and recorded: SPF"));
	free(screen);
	assert_int_equal(history_count(f), before + 1);
	check_served(f, &spf, &dmarc);
	assert_string_equal(spf, "\"v=spf1 ip4:192.0.2.10 ~all\"");
	free(spf);
	free(dmarc);
	import_report(f, "2026-03-03");
	screen = wizard_publish_on(f, "2026-03-03", "6", "DMARC of " ZONE);
	free(screen);
	assert_int_equal(history_count(f), before + 2);
	check_served(f, &spf, &dmarc);
	assert_non_null(strstr(dmarc, "p=quarantine; pct=10; t=y"));
	free(spf);
	free(dmarc);
	/* And on the timeline, which reads its history again. */
	import_report(f, "2026-03-04");
	screen = wizard_publish_on(f, "2026-03-04", "2", "Rollout of " ZONE);
	assert_non_null(strstr(screen, "quarantine 10 %"));
	free(screen);
	assert_int_equal(history_count(f), before + 3);
	check_served(f, &spf, &dmarc);
	assert_non_null(strstr(dmarc, "p=quarantine; pct=25; t=y"));
	free(spf);
	free(dmarc);
	/* And on the DKIM screen: p takes the plan's next step there too. */
	import_report(f, "2026-03-05");
	screen = wizard_publish_on(f, "2026-03-05", "5", "DKIM of " ZONE);
	assert_non_null(strstr(screen, "Published and recorded: quarantine "
				       "50 %"));
	free(screen);
	assert_int_equal(history_count(f), before + 4);
	check_served(f, &spf, &dmarc);
	assert_non_null(strstr(dmarc, "p=quarantine; pct=50; t=y"));
	free(spf);
	free(dmarc);
}

/* The phase of the last rotation in the database. */
static char *rotation_phase(struct fixture *f)
{
	return testenv_db_text(f->db, "SELECT phase FROM dkim_rotation"
				      " ORDER BY id DESC LIMIT 1");
}

/* Waits for text on the wizard's screen; fails with the screen. */
static void wizard_wait(struct fixture *f, const char *text)
{
	char *screen = tmux_wait_for(&f->tmux, text, 30000);

	if (!screen)
		fail_msg("never drawn: %s\n%s", text, tmux_capture(&f->tmux));
	free(screen);
}

/* The DKIM screen's rotation goes on a worker: v sends the new key's
 * record to the BIND primary and waits for Knot, frozen (SIGSTOP) so
 * that the wait lasts; meanwhile the progress line says the primary
 * took it, keys are drawn, and q asks first (n keeps the wizard: once
 * Knot runs again the phase is recorded). Then d d sends the removal,
 * Ctrl-C asks the same question, and y leaves at once: the record is
 * gone from the primary, the cancel not recorded. */
static void test_wizard_rotation_publishes(void **state)
{
	struct fixture *f = *state;
	char *keys = xasprintf("%s/keys", f->dir);
	const char *argv[] = { testenv_binary(),
			       "--resolver",
			       f->primary,
			       "--db",
			       f->db,
			       "--now",
			       "2026-03-02",
			       "--timeout",
			       "2",
			       ZONE,
			       NULL };
	const char *dkim[] = { "5", NULL };
	const char *rot[] = { "R", NULL };
	const char *v[] = { "v", NULL };
	const char *q[] = { "q", NULL };
	const char *n[] = { "n", NULL };
	const char *y[] = { "y", NULL };
	const char *dd[] = { "d", "d", NULL };
	char *phase, *served, *screen;
	int status = -1;

	if (!tmux_available())
		skip();
	servers_start(f, "@ 600 IN TXT \"v=spf1 mx ~all\"\n");
	argv[2] = f->primary;
	domain_setup(f, "2026-03-01");
	assert_int_equal(run_status(run(f, NULL, "2026-03-01", "dkim", "keygen",
					ZONE, "s2026", "--out", keys, NULL)),
			 0);
	assert_int_equal(run_status(run(f, NULL, "2026-03-02", "dkim", "rotate",
					ZONE, "--selector", "s2027", NULL)),
			 0);
	assert_true(tmux_start(&f->tmux, 80, 24, argv, NULL));
	free(tmux_settle(&f->tmux, 30000));
	tmux_send_keys(&f->tmux, dkim);
	wizard_wait(f, "DKIM of " ZONE);
	tmux_send_keys(&f->tmux, rot);
	wizard_wait(f, "Rotation of s2026 to s2027: generated");
	assert_int_equal(kill(f->knot.pid, SIGSTOP), 0);
	tmux_send_keys(&f->tmux, v);
	wizard_wait(f, "accepted by 127.0.0.1");
	tmux_send_keys(&f->tmux, q);
	wizard_wait(f, "A publish is under way: quit anyway");
	tmux_send_keys(&f->tmux, n);
	assert_int_equal(kill(f->knot.pid, SIGCONT), 0);
	wizard_wait(f, "Recorded published on 2026-03-02.");
	phase = rotation_phase(f);
	assert_string_equal(phase, "published");
	free(phase);
	served = dig(f, SECONDARY, "s2027._domainkey." ZONE);
	assert_non_null(strstr(served, "v=DKIM1"));
	free(served);

	/* The cancel's removal, cut short by Ctrl-C and y. */
	assert_int_equal(kill(f->knot.pid, SIGSTOP), 0);
	tmux_send_keys(&f->tmux, dd);
	wizard_wait(f, "accepted by 127.0.0.1");
	/* Ctrl-C's signal, to the program alone (not its wrapper). */
	assert_int_equal(kill(tmux_pane_pid(&f->tmux), SIGINT), 0);
	wizard_wait(f, "A publish is under way: quit anyway");
	screen = tmux_capture(&f->tmux);
	assert_non_null(strstr(screen, "Sent the update for "
				       "s2027._domainkey." ZONE));
	free(screen);
	tmux_send_keys(&f->tmux, y);
	if (!tmux_wait_exit(&f->tmux, 30000, &status))
		fail_msg("y did not leave:\n%s", tmux_capture(&f->tmux));
	assert_int_equal(status, 0);
	assert_int_equal(kill(f->knot.pid, SIGCONT), 0);
	phase = rotation_phase(f);
	assert_string_equal(phase, "published");
	free(phase);
	served = dig(f, "127.0.0.1", "s2027._domainkey." ZONE);
	assert_null(strstr(served, "v=DKIM1"));
	free(served);
	free(keys);
}

/* text without its white space. Caller frees. */
static char *unspaced(const char *text)
{
	char *out = xmalloc(strlen(text) + 1), *o = out;

	for (; *text; text++)
		if (*text != ' ' && *text != '\n')
			*o++ = *text;
	*o = '\0';
	return out;
}

/* True when the screen holds text, read without white space: a line
 * the terminal wrapped at 80 columns, or the wizard wrapped at a word
 * with its continuation indented, reads whole again. */
static bool screen_has(struct tmux_term *t, const char *text)
{
	char *screen = tmux_capture(t);
	char *flat = unspaced(screen), *want = unspaced(text);
	bool found = strstr(flat, want) != NULL;

	free(want);
	free(flat);
	free(screen);
	return found;
}

/* Milliseconds of a monotonic clock. */
static long long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits (up to 30 s) for text on the screen, lines wrapped or not;
 * fails with the screen. */
static void wizard_wait_joined(struct fixture *f, const char *text)
{
	long long end = clock_ms() + 30000;

	while (!screen_has(&f->tmux, text)) {
		if (clock_ms() > end)
			fail_msg("never drawn: %s\n%s", text,
				 tmux_capture(&f->tmux));
		free(tmux_drawn(&f->tmux, 30000));
	}
}

/* q during a publish's pause between propagation rounds: the pause (a
 * test knob makes it 300 s) ends at once, the wizard leaves and says on
 * the terminal that the update is in the zone and nothing is recorded,
 * with the command that records it. Knot, frozen, never serves it
 * meanwhile. The wizard must be gone long before the pause would have
 * ended: waited for on the process, 60 s at most; the time it took is
 * printed, not judged. Then Knot runs again and that command, publish,
 * finds the update served, sends nothing and records the step. */
static void test_wizard_quit_in_pause(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {
		testenv_binary(), "--resolver", NULL, "--db", f->db, "--now",
		"2026-03-02",     "--timeout",  "2",  ZONE,   NULL
	};
	/* No leak check in the wizard: it leaves while the cancelled
	 * job's thread may still be ending, and LeakSanitizer's check at
	 * exit then races that thread (one abort in a loaded sanitizer
	 * run). Every other sanitizer check stays on. */
	const char *env[] = { "DMARCPILOT_TEST_PUBLISH_PAUSE_MS=300000",
			      "ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:"
			      "detect_leaks=0",
			      NULL };
	const char *p[] = { "p", NULL };
	const char *q[] = { "q", NULL };
	const char *y[] = { "y", NULL };
	char *served, *last;
	int before, status = -1;
	long long start;
	struct testenv_run r;

	if (!tmux_available())
		skip();
	/* SPF is where the plan wants it: the step is DMARC's. */
	servers_start(f, "@ 600 IN TXT \"v=spf1 ip4:192.0.2.10 ~all\"\n");
	argv[2] = f->primary;
	domain_setup(f, "2026-03-01");
	import_report(f, "2026-03-02");
	before = history_count(f);
	assert_int_equal(kill(f->knot.pid, SIGSTOP), 0);
	assert_true(tmux_start(&f->tmux, 80, 24, argv, env));
	free(tmux_settle(&f->tmux, 30000));
	wizard_wait(f, "Rollout of " ZONE);
	tmux_send_keys(&f->tmux, p);
	/* The round before the pause: the primary serves it, Knot does
	 * not answer. */
	wizard_wait_joined(f, "; 1 of 2 servers serve it (");
	tmux_send_keys(&f->tmux, q);
	wizard_wait(f, "A publish is under way: quit anyway");
	start = clock_ms();
	tmux_send_keys(&f->tmux, y);
	if (!tmux_wait_exit(&f->tmux, 60000, &status))
		fail_msg("y did not end the pause:\n%s",
			 tmux_capture(&f->tmux));
	fprintf(stderr, "q in a 300 s pause: left in %lld ms\n",
		clock_ms() - start);
	assert_int_equal(status, 0);
	if (!screen_has(&f->tmux, "the update is in the zone, but the wait "
				  "for every server was cut short with 1 of 2 "
				  "serving it; nothing recorded (dmarcpilot "
				  "publish " ZONE " waits for them and "
				  "records it"))
		fail_msg("no word of the update:\n%s", tmux_capture(&f->tmux));
	assert_int_equal(history_count(f), before);
	served = dig(f, "127.0.0.1", "_dmarc." ZONE);
	assert_non_null(strstr(served, "p=quarantine; pct=10"));
	free(served);
	/* Knot takes the change; publish finds it served and records. */
	assert_int_equal(kill(f->knot.pid, SIGCONT), 0);
	r = run(f, NULL, "2026-03-02", "publish", ZONE, NULL);
	if (r.status != 0)
		fail_msg("publish: %d\n%s%s", r.status, r.out, r.err);
	testenv_run_done(&r);
	assert_int_equal(history_count(f), before + 1);
	last = history_last(f);
	assert_non_null(strstr(last, "p=quarantine; pct=10"));
	free(last);
}

/* The queries of one plan load at the apex and at _dmarc, as named
 * logs them: all into all[], those without recursion into rd0[]. */
static void plan_queries(struct fixture *f, int all[2], int rd0[2])
{
	const char *names[] = { ZONE, "_dmarc." ZONE };
	int before[2][2];
	struct testenv_run r;

	for (int i = 0; i < 2; i++) {
		before[i][0] = bind_query_count(&f->bind, names[i], "TXT", -1);
		before[i][1] = bind_query_count(&f->bind, names[i], "TXT", 0);
		assert_true(before[i][0] >= 0 && before[i][1] >= 0);
	}
	r = run(f, NULL, "2026-03-02", "--json", "plan", ZONE, NULL);
	/* The plan saw the live record: the step replaces it. */
	assert_non_null(strstr(r.out, "v=spf1 ip4:192.0.2.10 ~all"));
	testenv_run_done(&r);
	for (int i = 0; i < 2; i++) {
		all[i] = bind_query_count(&f->bind, names[i], "TXT", -1) -
			 before[i][0];
		rd0[i] = bind_query_count(&f->bind, names[i], "TXT", 0) -
			 before[i][1];
	}
}

/* A plan load of a domain set up to publish also reads the records at
 * the apex and at _dmarc from the zone's primary, without recursion,
 * for the update's prerequisites. When the resolver is that primary,
 * what it read there is what the domain serves too: the publish
 * settings cost no second question. Counted in named's query log,
 * against the same plan load before the settings. */
static void test_plan_asks_primary_once(void **state)
{
	struct fixture *f = *state;
	char *port, *key;
	int plain[2], plain_rd0[2], set[2], set_rd0[2];

	servers_start(f, "@ 600 IN TXT \"v=spf1 mx ~all\"\n");
	assert_int_equal(
	    run_status(run(f, NULL, "2026-03-01", "domain", "add", ZONE, NULL)),
	    0);
	assert_int_equal(run_status(run(f, NULL, "2026-03-01", "sender", "add",
					ZONE, "ip4:192.0.2.10", NULL)),
			 0);
	import_report(f, "2026-03-02");
	plan_queries(f, plain, plain_rd0);
	assert_int_equal(plain_rd0[0], 0);
	assert_int_equal(plain_rd0[1], 0);
	assert_true(plain[0] >= 1 && plain[1] >= 1);
	port = xasprintf("publish-port=%s", f->port);
	key = xasprintf("publish-key=%s", f->bind.key_path);
	assert_int_equal(run_status(run(f, NULL, "2026-03-02", "domain", "set",
					ZONE, port, key, NULL)),
			 0);
	free(port);
	free(key);
	plan_queries(f, set, set_rd0);
	fprintf(stderr,
		"plan load: apex TXT %d, _dmarc TXT %d queries; %d and %d "
		"without publish settings\n",
		set[0], set[1], plain[0], plain[1]);
	/* Read from the primary itself, and nothing asked twice. */
	assert_int_equal(set_rd0[0], 1);
	assert_int_equal(set_rd0[1], 1);
	assert_int_equal(set[0], plain[0]);
	assert_int_equal(set[1], plain[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_spf_and_undo, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_change, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_primary_down, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_and_notimp, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wizard_publish_screens,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_after_plan_load,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_caching_resolver, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_adopted_rua_and_zone_ttl,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_timeout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_algorithms, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_new_name_zone_ttl, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wizard_rotation_publishes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_wizard_quit_in_pause,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_asks_primary_once,
						setup, teardown),
	};

	if (!bind_available() || !knot_available() || !nsd_available() ||
	    !testenv_program("DIG") || !testenv_program("NSUPDATE")) {
		printf("skipped: bind9 (named, tsig-keygen), knot, nsd and "
		       "dnsutils (dig, nsupdate) are needed\n");
		return TESTENV_SKIP_STATUS;
	}
	return cmocka_run_group_tests_name("publish", tests, NULL, NULL);
}
