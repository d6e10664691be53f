/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The wizard against real DNS: the binary in tmux, pointed with
 * --resolver at an nsd on 127.0.0.1 that serves the whole test namespace
 * as the root zone (so that every name, _dmarc.com of the policy walk
 * included, gets an authoritative answer), or at resolvers that never
 * answer. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/nsd.h"
#include "lib/testenv.h"
#include "lib/tmux.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* Generous: the machine is shared and loaded. */
#define WAIT_MS 20000

/* The root zone the tests' nsd serves. example.com reports to its own
 * address, to reports.example.net, which authorizes it (RFC 7489 7.1),
 * and to forensic.example.org, which does not. */
static const char root_zone[] =
    "$ORIGIN .\n"
    "$TTL 300\n"
    ". SOA ns.root. hostmaster.root. 1 7200 3600 1209600 300\n"
    ". NS ns.root.\n"
    "ns.root. A 127.0.0.1\n"
    "example.com. A 192.0.2.10\n"
    "example.com. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "_dmarc.example.com. TXT \"v=DMARC1; p=none; "
    "rua=mailto:d@example.com,mailto:agg@reports.example.net; "
    "ruf=mailto:f@forensic.example.org\"\n"
    "reports.example.net. MX 10 mx.example.net.\n"
    "example.com._report._dmarc.reports.example.net. TXT \"v=DMARC1\"\n"
    "forensic.example.org. MX 10 mx.example.org.\n"
    "mail.example.com. A 192.0.2.10\n"
    "10.2.0.192.in-addr.arpa. PTR mail.example.com.\n";

/* One day's aggregate report for example.com (2026-03-02): 40 messages
 * from 192.0.2.10, which passes, and 5 from 198.51.100.7, which fails
 * and has no reverse name. */
static const char report_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
    "<feedback><report_metadata><org_name>Receiver</org_name>"
    "<email>r@receiver.example</email><report_id>r1</report_id>"
    "<date_range><begin>1772409600</begin><end>1772495999</end>"
    "</date_range></report_metadata>"
    "<policy_published><domain>example.com</domain><p>none</p>"
    "</policy_published>"
    "<record><row><source_ip>192.0.2.10</source_ip><count>40</count>"
    "<policy_evaluated><disposition>none</disposition><dkim>pass</dkim>"
    "<spf>pass</spf></policy_evaluated></row><identifiers>"
    "<header_from>example.com</header_from></identifiers><auth_results>"
    "<dkim><domain>example.com</domain><selector>s1</selector>"
    "<result>pass</result></dkim><spf><domain>example.com</domain>"
    "<result>pass</result></spf></auth_results></record>"
    "<record><row><source_ip>198.51.100.7</source_ip><count>5</count>"
    "<policy_evaluated><disposition>none</disposition><dkim>fail</dkim>"
    "<spf>fail</spf></policy_evaluated></row><identifiers>"
    "<header_from>example.com</header_from></identifiers><auth_results>"
    "<spf><domain>example.com</domain><result>fail</result></spf>"
    "</auth_results></record></feedback>\n";

/* The wizard on a domain, with its own database, in a terminal. */
struct live {
	struct nsd_server nsd;
	struct tmux_term t;
	char *dir;
	char *db;
	int fd; /* the silent resolver's socket, or -1 */
};

/* Imports the test report into the database, as an operator would
 * with the command line before opening the wizard. */
static void import_report(struct live *l)
{
	char *path = testenv_write_file(l->dir, "report.xml", report_xml);
	const char *args[] = { "--db", l->db, "report", "import", path, NULL };
	struct testenv_run run = testenv_run_dmarcpilot(args, NULL);

	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	free(path);
}

/* Adds the domain and its one sender, a range, with the command line. */
static void add_sender(struct live *l, const char *domain, const char *resolver)
{
	/* domain add reads what the domain serves: through the test's
	 * resolver, never the machine's. */
	const char *add[] = { "--db",      l->db, "--resolver", resolver,
			      "--timeout", "5",   "domain",     "add",
			      domain,      NULL };
	const char *sender[] = { "--db", l->db,  "sender",
				 "add",  domain, "ip4:192.0.2.0/24",
				 NULL };
	struct testenv_run run = testenv_run_dmarcpilot(add, NULL);

	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(sender, NULL);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
}

/* What the database holds before the wizard starts. */
enum setup { SETUP_NONE, SETUP_REPORT, SETUP_SENDER };

/* Starts the wizard on domain in an 80x24 terminal, with the resolver
 * given (ADDR:PORT) and a long timeout, after the setup. */
static void wizard_start(struct live *l, const char *resolver,
			 const char *domain, enum setup setup)
{
	const char *argv[] = { testenv_binary(),
			       "--resolver",
			       resolver,
			       "--timeout",
			       "120",
			       "--db",
			       l->db,
			       "--now",
			       "2026-03-09",
			       domain,
			       NULL };

	if (setup == SETUP_REPORT)
		import_report(l);
	if (setup == SETUP_SENDER)
		add_sender(l, domain, resolver);
	assert_true(tmux_start(&l->t, 80, 24, argv, NULL));
}

/* Starts nsd with the root zone and the wizard on domain against it. */
static void live_start(struct live *l, const char *domain, enum setup setup)
{
	struct nsd_zone zones[] = { { ".", root_zone } };

	memset(l, 0, sizeof *l);
	l->fd = -1;
	assert_true(nsd_start(&l->nsd, zones, 1));
	l->dir = testenv_mkdtemp();
	l->db = xasprintf("%s/db.sqlite", l->dir);
	wizard_start(l, l->nsd.address, domain, setup);
}

/* A UDP socket on 127.0.0.1 that receives queries and never answers;
 * *resolver gets its ADDR:PORT (caller frees). */
static int silent_resolver(char **resolver)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*resolver = xasprintf("127.0.0.1:%d", ntohs(sin.sin_port));
	return fd;
}

/* Starts the wizard on domain against a resolver that never answers. */
static int silent_start(struct live *l, const char *domain, enum setup setup)
{
	char *resolver;
	int fd = silent_resolver(&resolver);

	memset(l, 0, sizeof *l);
	l->fd = fd;
	l->dir = testenv_mkdtemp();
	l->db = xasprintf("%s/db.sqlite", l->dir);
	wizard_start(l, resolver, domain, setup);
	free(resolver);
	return fd;
}

/* Waits for text and frees the screen; fails the test without it. */
static void expect(struct tmux_term *t, const char *text)
{
	char *screen = tmux_wait_for(t, text, WAIT_MS);

	assert_non_null(screen);
	free(screen);
}

/* Stops everything and removes the scratch directory; safe to call
 * twice. */
static void live_stop(struct live *l)
{
	tmux_stop(&l->t);
	if (l->nsd.pid > 0)
		nsd_stop(&l->nsd);
	if (l->dir)
		testenv_rmdir(l->dir);
	free(l->dir);
	free(l->db);
	l->dir = NULL;
	l->db = NULL;
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* Gives a test its (not yet started) wizard and server. */
static int live_setup(void **state)
{
	struct live *l = xcalloc(1, sizeof *l);

	l->fd = -1;
	*state = l;
	return 0;
}

/* Stops them, whether the test passed or failed. */
static int live_teardown(void **state)
{
	live_stop(*state);
	free(*state);
	return 0;
}

/* Sends one key by its tmux name and waits until the wizard has handled
 * it and drawn the result (its queries may still be under way). */
static void key(struct tmux_term *t, const char *name)
{
	const char *keys[] = { name, NULL };
	char *screen;

	tmux_send_keys(t, keys);
	screen = tmux_drawn(t, WAIT_MS);
	assert_non_null(screen);
	free(screen);
}

/* The screen once every key sent is handled and drawn, and with idle
 * every query answered too (caller frees); fails the test when text is
 * not on it. */
static char *screen_with(struct tmux_term *t, const char *text, bool idle)
{
	char *screen = idle ? tmux_settle(t, WAIT_MS) : tmux_drawn(t, WAIT_MS);

	assert_non_null(screen);
	if (!strstr(screen, text))
		fprintf(stderr, "\"%s\" is not on the screen:\n%s\n", text,
			screen);
	assert_non_null(strstr(screen, text));
	return screen;
}

/* The screen with every query answered (see screen_with()). */
#define settled_with(t, text) screen_with(t, text, true)
/* The screen drawn, its queries perhaps still waiting. */
#define drawn_with(t, text) screen_with(t, text, false)

/* The line of a screen that contains text, copied; NULL when none. */
static char *screen_line(const char *screen, const char *text)
{
	const char *hit = strstr(screen, text), *start, *end;

	if (!hit)
		return NULL;
	start = hit;
	while (start > screen && start[-1] != '\n')
		start--;
	end = strchr(hit, '\n');
	return xstrndup(start, end ? (size_t)(end - start) : strlen(start));
}

/* The DMARC step checks every report address of the published record
 * that lies in another organizational domain: reports.example.net
 * publishes example.com._report._dmarc.reports.example.net, so it is
 * authorized; forensic.example.org does not, and the screen names the
 * exact record it must publish. The own address needs no check. At
 * 80x24 the list sits below the ladder, reached by scrolling. */
static void test_dmarc_external_rua(void **state)
{
	struct live *l = *state;
	char *screen, *line;

	live_start(l, "example.com", SETUP_NONE);
	expect(&l->t, "Rollout of example.com");
	key(&l->t, "6");
	/* End scrolls to the end of what is drawn: first every answer. */
	screen = settled_with(&l->t, "DMARC of example.com");
	free(screen);
	key(&l->t, "End");
	screen = settled_with(&l->t, "must publish");
	line = screen_line(screen, "agg@reports.example.net");
	assert_non_null(line);
	assert_non_null(strstr(line, "rua"));
	assert_non_null(strstr(line, "  authorized"));
	free(line);
	line = screen_line(screen, "mailto:d@example.com");
	assert_non_null(line);
	assert_non_null(strstr(line, "own organization"));
	free(line);
	line = screen_line(screen, "f@forensic.example.org");
	assert_non_null(line);
	assert_non_null(strstr(line, "ruf"));
	assert_non_null(strstr(line, "NOT authorized"));
	free(line);
	/* The record to publish, on its own line(s) below. */
	assert_non_null(strstr(screen, "forensic.example.org must publish:"));
	assert_non_null(strstr(screen, "example.com._report._dmarc.forensic"
				       ".example.org TXT \"v=DMARC1\""));
	free(screen);
	live_stop(l);
}

/* The report analysis asks DNS about each source (reverse name and its
 * confirmation, SPF against the domain's record) while the wizard stays
 * in the loop: against nsd the reports step ends with 192.0.2.10
 * explained by the domain's ip4 range and named by its confirmed
 * reverse name, two steps down a chain of queries. */
static void test_reports_analysis_live(void **state)
{
	struct live *l = *state;
	char *screen, *line;

	live_start(l, "example.com", SETUP_REPORT);
	expect(&l->t, "Rollout of example.com");
	key(&l->t, "7");
	/* The largest group, the domain's own server, is selected: its
	 * one source stands for it. */
	screen = settled_with(&l->t, "192.0.2.10: explained by "
				     "ip4:192.0.2.0/24");
	assert_non_null(strstr(screen, "1 of 1 reports, 45 messages"));
	line = screen_line(screen, "+ your servers");
	assert_non_null(line);
	assert_non_null(strstr(line, "192.0.2.10"));
	free(line);
	free(screen);
	key(&l->t, "Enter");
	screen = settled_with(&l->t, "- your servers");
	line = screen_line(screen, "192.0.2.10 ");
	assert_non_null(line);
	assert_non_null(strstr(line, "PASS"));
	assert_non_null(strstr(line, "mail.example.com"));
	free(line);
	line = screen_line(screen, "198.51.100.7");
	assert_non_null(line);
	assert_non_null(strstr(line, "FAIL-unknown"));
	free(line);
	free(screen);
	live_stop(l);
}

/* With reports to analyse and a resolver that never answers, the
 * timeline, the reports step and the export step each show that they
 * are waiting for DNS, with the spinner of the worker that loads them,
 * and each still answers keys: help opens, the import prompt opens, the
 * export format changes. (A wizard that waited for the analysis would
 * show none of these screens.) q then leaves at once. */
static void test_keys_while_analysis_waits(void **state)
{
	struct live *l = *state;
	const char *q[] = { "q", NULL };
	int status = -1;
	char *screen;

	silent_start(l, "example.com", SETUP_REPORT);
	expect(&l->t, "Asking DNS about the report sources for the plan");
	screen = drawn_with(&l->t, "Asking DNS about the report sources "
				   "for the plan");
	assert_non_null(strstr(screen, "Rollout of example.com"));
	assert_non_null(strstr(screen, " loading…"));
	free(screen);
	key(&l->t, "F1");
	expect(&l->t, "Keys everywhere");
	key(&l->t, "Escape");
	key(&l->t, "7");
	expect(&l->t, "Asking DNS about the report sources ...");
	key(&l->t, "i");
	screen = drawn_with(&l->t, "Import from");
	assert_non_null(strstr(screen, "Asking DNS about the report sources"));
	free(screen);
	key(&l->t, "Escape");
	key(&l->t, "8");
	expect(&l->t, "Export for example.com as BIND");
	expect(&l->t, "Asking DNS about the plan's report sources");
	key(&l->t, "F");
	screen = drawn_with(&l->t, "Export for example.com as nsupdate");
	assert_non_null(strstr(screen, "Asking DNS about the plan's report "
				       "sources"));
	free(screen);
	/* q leaves at once with status 0, though the workers still wait
	 * for their queries (a 120 s timeout). */
	tmux_send_keys(&l->t, q);
	assert_true(tmux_wait_exit(&l->t, WAIT_MS, &status));
	assert_int_equal(status, 0);
	live_stop(l);
}

/* Writes an aggregate report of n records, each a source of its own,
 * to dir/name; returns its path (caller frees). */
static char *big_report(const char *dir, const char *name, int n)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("<?xml version=\"1.0\"?><feedback><report_metadata>"
	      "<org_name>Receiver</org_name><email>r@receiver.example</email>"
	      "<report_id>big1</report_id><date_range><begin>1772409600"
	      "</begin><end>1772495999</end></date_range></report_metadata>"
	      "<policy_published><domain>example.com</domain><p>none</p>"
	      "</policy_published>",
	      f);
	for (int i = 0; i < n; i++)
		fprintf(f,
			"<record><row><source_ip>10.%d.%d.%d</source_ip>"
			"<count>1</count><policy_evaluated><disposition>none"
			"</disposition><dkim>fail</dkim><spf>fail</spf>"
			"</policy_evaluated></row><identifiers><header_from>"
			"example.com</header_from></identifiers><auth_results>"
			"<spf><domain>example.com</domain><result>fail</result>"
			"</spf></auth_results></record>",
			i / 65536 % 256, i / 256 % 256, i % 256);
	fputs("</feedback>\n", f);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* A large report is imported on a worker: while it is read, help opens
 * and closes (each key drawn) and the progress line says how far the
 * import is (files read, reports stored); at its end the counts show.
 * (An import in the loop would draw nothing until the file was read.) */
static void test_keys_while_import_runs(void **state)
{
	struct live *l = *state;
	const char *go[] = { "Enter", "F1", NULL };
	char *path, *screen;

	silent_start(l, "example.com", SETUP_NONE);
	path = big_report(l->dir, "big.xml", 250000);
	key(&l->t, "7");
	expect(&l->t, "i imports reports");
	key(&l->t, "i");
	expect(&l->t, "Import from");
	key(&l->t, "C-u");
	tmux_type(&l->t, path);
	/* Enter starts the import; F1 is read right after it. */
	tmux_send_keys(&l->t, go);
	free(drawn_with(&l->t, " · Help"));
	key(&l->t, "Escape");
	screen = drawn_with(&l->t, "Importing 1 of 1 (0 read, 0 reports "
				   "stored)");
	free(screen);
	/* The import itself may take long under a sanitizer on a loaded
	 * machine; what matters is that it ends, and the keys above. */
	free(tmux_wait_for(&l->t,
			   "1 new, 0 duplicate, 0 rejected; 1 reports, 250000 "
			   "messages",
			   180000));
	free(path);
	live_stop(l);
}

/* The export asks DNS for the value each record replaces; with a
 * resolver that never answers it says so, and the format key still
 * works; the DMARC step says it is asking the report addresses. */
static void test_keys_while_export_waits(void **state)
{
	struct live *l = *state;

	silent_start(l, "example.com", SETUP_SENDER);
	expect(&l->t, "Rollout of example.com");
	/* Every format waits for what is served now (the values replaced
	 * and their TTL); the format still changes while it waits. */
	key(&l->t, "8");
	expect(&l->t, "Export for example.com as BIND");
	expect(&l->t, "the records served now");
	expect(&l->t, "loading…");
	key(&l->t, "F");
	expect(&l->t, "Export for example.com as nsupdate");
	key(&l->t, "F");
	expect(&l->t, "Export for example.com as JSON");
	expect(&l->t, "the records served now");
	/* The DMARC step waits for its policy walk, which must end before
	 * the report addresses can be asked, and says so. */
	key(&l->t, "6");
	expect(&l->t, "DMARC of example.com");
	key(&l->t, "End");
	expect(&l->t, "Asking the report destinations ...");
	live_stop(l);
}

/* The SPF step's target for spf.example.org, whose senders are a range
 * and include:minus.example.net; that include fails one address of the
 * range it lists, so its ranges cannot stand in for it. */
static const char spf_zone[] =
    "$ORIGIN .\n"
    "$TTL 300\n"
    ". SOA ns.root. hostmaster.root. 1 7200 3600 1209600 300\n"
    ". NS ns.root.\n"
    "ns.root. A 127.0.0.1\n"
    "spf.example.org. TXT \"v=spf1 ip4:192.0.2.0/24 ~all\"\n"
    "minus.example.net. TXT \"v=spf1 -ip4:203.0.113.5 "
    "ip4:203.0.113.0/24 -all\"\n";

/* f on the "-ip4" include of the target: the wizard shows the app
 * layer's refusal naming it, and the target keeps the include. */
static void test_spf_flatten_refused(void **state)
{
	struct live *l = *state;
	struct nsd_zone zones[] = { { ".", spf_zone } };
	const char *include[] = { "--db",
				  NULL,
				  "sender",
				  "add",
				  "spf.example.org",
				  "include:minus.example.net",
				  NULL };
	struct testenv_run run;
	char *screen;
	const char *top, *item;
	int downs = 0;

	memset(l, 0, sizeof *l);
	l->fd = -1;
	assert_true(nsd_start(&l->nsd, zones, 1));
	l->dir = testenv_mkdtemp();
	l->db = xasprintf("%s/db.sqlite", l->dir);
	include[1] = l->db;
	add_sender(l, "spf.example.org", l->nsd.address);
	run = testenv_run_dmarcpilot(include, NULL);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	wizard_start(l, l->nsd.address, "spf.example.org", SETUP_NONE);
	expect(&l->t, "Rollout of spf.example.org");
	key(&l->t, "4");
	screen = settled_with(&l->t, "cannot be flattened");
	/* Down from the list's first line to the include's. */
	top = strstr(screen, "Include tree");
	item = strstr(screen, "  include:minus.example.net");
	assert_non_null(top);
	assert_non_null(item);
	for (const char *p = top; p < item; p++)
		downs += *p == '\n';
	free(screen);
	for (int i = 0; i < downs; i++)
		key(&l->t, "Down");
	key(&l->t, "f");
	screen = settled_with(&l->t, "include:minus.example.net cannot be "
				     "flattened");
	assert_null(strstr(screen, "203.0.113"));
	assert_non_null(strstr(screen, "include:minus.example.net ~all"));
	free(screen);
	live_stop(l);
}

/* The SPF step builds its target (every include asked) in the loop:
 * with a resolver that never answers, keys are still answered. */
static void test_keys_while_spf_target_waits(void **state)
{
	struct live *l = *state;
	const char *include[] = { "--db",        NULL,
				  "sender",      "add",
				  "example.com", "include:minus.example.net",
				  NULL };
	struct testenv_run run;

	silent_start(l, "example.com", SETUP_SENDER);
	include[1] = l->db;
	run = testenv_run_dmarcpilot(include, NULL);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	expect(&l->t, "Rollout of example.com");
	key(&l->t, "4");
	expect(&l->t, "Counting the lookups");
	key(&l->t, "F1");
	expect(&l->t, "Keys everywhere");
	key(&l->t, "Escape");
	expect(&l->t, "SPF of example.com");
	live_stop(l);
}

/* ------------------------------------------------------------ the walk
 * A fresh domain taken from the domains screen to p=reject and SPF -all
 * in the wizard alone, with --now moved a week at a time: the test is
 * the operator's DNS (an nsd restarted with each record published, as
 * a zone is edited and reloaded) and the receivers (one aggregate report
 * a week, imported on the reports screen). */

/* A DKIM public key (RSA 1024) as SendGrid would publish it at s1. */
/* clang-format off */
#define WALK_KEY                                                          \
	"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDZw6bRs3ugn" \
	"okrSHr6GGg9J2iNBc+453Ejmv7JfqrknsOW9tVHVxtfClw1iIRlMPNspM35NCN8jkqU" \
	"P+ay2ne7xsnZsiwdKXy8u6zpFvHfGgIIL0n5DyIM/YaUcp1peX0rrUpsT4uSPRuEz1L" \
	"RFivWeryfMuvbrkL9/fFctFS1FQIDAQAB"
/* clang-format on */

/* What walk.example publishes so far (NULL: nothing yet). */
struct walk {
	char *spf, *dkim_name, *dkim, *dmarc;
	int steps; /* steps recorded in the wizard */
};

/* walk.example's own zone (delegated from the root, served by the same
 * nsd, its one name server ns1.walk.example on 127.0.0.1) with what it
 * publishes so far. Caller frees. */
static char *walk_zone(const struct walk *w)
{
	char *preamble = nsd_zone_preamble("walk.example");
	struct strbuf z = STRBUF_INIT;

	strbuf_addf(&z, "%s@ MX 10 mx\nmx A 192.0.2.25\n", preamble);
	if (w->spf)
		strbuf_addf(&z, "@ TXT \"%s\"\n", w->spf);
	if (w->dkim)
		strbuf_addf(&z, "%s. TXT \"%s\"\n", w->dkim_name, w->dkim);
	if (w->dmarc)
		strbuf_addf(&z, "_dmarc TXT \"%s\"\n", w->dmarc);
	free(preamble);
	return strbuf_detach(&z);
}

/* Restarts nsd (same port) serving the root, with SendGrid's SPF and
 * the delegation of walk.example, and walk.example as it is now. */
static void walk_serve(struct live *l, const struct walk *w)
{
	char *root =
	    xasprintf("%s"
		      "sendgrid.net. TXT \"v=spf1 ip4:167.89.0.0/17 ~all\"\n"
		      "walk.example. NS ns1.walk.example.\n"
		      "ns1.walk.example. A 127.0.0.1\n",
		      root_zone);
	char *zone = walk_zone(w);
	struct nsd_zone zones[] = { { ".", root }, { "walk.example", zone } };

	if (l->nsd.pid > 0)
		assert_true(nsd_restart(&l->nsd, zones, 2));
	else
		assert_true(nsd_start(&l->nsd, zones, 2));
	free(zone);
	free(root);
}

/* The day n days after 2026-01-05 (a Monday) as YYYY-MM-DD into buf,
 * and its midnight UTC as seconds. */
static long long walk_day(int n, char buf[11])
{
	struct tm tm = { .tm_year = 126, .tm_mon = 0, .tm_mday = 5 + n };
	time_t t = timegm(&tm);

	gmtime_r(&t, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
	return (long long)t;
}

/* Writes the aggregate report of the 7 days before day n: 100 messages
 * from SendGrid, signed for walk.example (DKIM aligned, DMARC pass). */
static char *walk_report(struct live *l, int n)
{
	char day[11], *xml, *name, *path;
	long long end = walk_day(n, day);

	xml = xasprintf(
	    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
	    "<feedback><report_metadata><org_name>Receiver</org_name>"
	    "<email>r@receiver.example</email><report_id>walk-%d</report_id>"
	    "<date_range><begin>%lld</begin><end>%lld</end></date_range>"
	    "</report_metadata><policy_published><domain>walk.example"
	    "</domain><p>none</p></policy_published>"
	    "<record><row><source_ip>167.89.1.1</source_ip><count>100</count>"
	    "<policy_evaluated><disposition>none</disposition>"
	    "<dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>"
	    "<identifiers><header_from>walk.example</header_from>"
	    "</identifiers><auth_results><dkim><domain>walk.example</domain>"
	    "<selector>s1</selector><result>pass</result></dkim><spf>"
	    "<domain>bounces.sendgrid.net</domain><result>pass</result>"
	    "</spf></auth_results></record></feedback>\n",
	    n, end - 7 * 86400, end - 1);
	name = xasprintf("walk-%d.xml", n);
	path = testenv_write_file(l->dir, name, xml);
	free(name);
	free(xml);
	return path;
}

/* A fresh scratch directory and database, and nsd serving walk.example
 * as w says. */
static void walk_begin(struct live *l, struct walk *w)
{
	memset(l, 0, sizeof *l);
	l->fd = -1;
	l->dir = testenv_mkdtemp();
	l->db = xasprintf("%s/db.sqlite", l->dir);
	walk_serve(l, w);
}

/* Starts the wizard on day n, on walk.example or (domain false) on the
 * domains screen. */
static void walk_open(struct live *l, int n, bool domain)
{
	char day[11];
	const char *argv[] = { testenv_binary(),
			       "--resolver",
			       l->nsd.address,
			       "--timeout",
			       "10",
			       "--db",
			       l->db,
			       "--now",
			       day,
			       domain ? "walk.example" : NULL,
			       NULL };

	walk_day(n, day);
	assert_true(tmux_start(&l->t, 80, 24, argv, NULL));
	expect(&l->t, domain ? "Rollout of walk.example" : "Your domains");
}

/* Leaves the wizard with q: nothing is unsaved, so it exits 0. */
static void walk_close(struct live *l)
{
	const char *q[] = { "q", NULL };
	int status = -1;

	tmux_send_keys(&l->t, q);
	assert_true(tmux_wait_exit(&l->t, WAIT_MS, &status));
	assert_int_equal(status, 0);
	tmux_stop(&l->t);
}

/* The plan on day n as `dmarcpilot plan --json` gives it (the record the
 * operator copies into the zone). Caller frees. */
static json_t *walk_plan(struct live *l, int n)
{
	char day[11];
	const char *args[] = {
		"--db",      l->db,  "--resolver",   l->nsd.address,
		"--timeout", "10",   "--now",        day,
		"--json",    "plan", "walk.example", NULL
	};
	struct testenv_run run;
	json_error_t jerr;
	json_t *o;

	walk_day(n, day);
	run = testenv_run_dmarcpilot(args, NULL);
	o = json_loads(run.out, 0, &jerr);
	if (!o)
		fprintf(stderr, "plan --json: %s%s\n", run.out, run.err);
	assert_non_null(o);
	testenv_run_done(&run);
	return o;
}

/* Copies the plan's next record into what walk.example publishes. */
static void walk_publish(struct walk *w, json_t *plan)
{
	json_t *next = json_object_get(plan, "next");
	const char *name = json_string_value(json_object_get(next, "name"));
	const char *record =
	    json_string_value(json_object_get(plan, "next_record"));
	char **slot;

	assert_non_null(name);
	if (strstr(name, "._domainkey.")) {
		free(w->dkim_name);
		w->dkim_name = xstrdup(name);
		slot = &w->dkim;
		record = WALK_KEY;
	} else if (strncmp(name, "_dmarc.", 7) == 0) {
		slot = &w->dmarc;
	} else {
		slot = &w->spf;
	}
	assert_non_null(record);
	free(*slot);
	*slot = xstrdup(record);
}

/* True when a reason of the plan has code. */
static bool walk_reason(json_t *plan, const char *code)
{
	json_t *why = json_object_get(plan, "reasons");

	for (size_t i = 0; i < json_array_size(why); i++)
		if (strcmp(json_string_value(
			       json_object_get(json_array_get(why, i), "code")),
			   code) == 0)
			return true;
	return false;
}

/* The phase word of a plan. */
static const char *walk_phase(json_t *plan)
{
	return json_string_value(json_object_get(plan, "phase"));
}

/* Takes every step the plan calls ready on day n: the operator
 * publishes the record (nsd reloads), r reads the plan again, S
 * verifies it on the zone's name server and records it. A step the
 * plan holds back is refused by S with its reasons. Returns the phase
 * reached (caller frees). */
static char *walk_steps(struct live *l, struct walk *w, int n)
{
	json_t *plan = walk_plan(l, n);
	char *phase;

	if (!w->dkim && walk_reason(plan, "plan.dkim_missing")) {
		/* As the plan says: DKIM enabled in SendGrid, which then
		 * publishes its key at s1 for the domain. */
		w->dkim_name = xstrdup("s1._domainkey.walk.example");
		w->dkim = xstrdup(WALK_KEY);
		walk_serve(l, w);
		key(&l->t, "r");
		free(settled_with(&l->t, "Rollout of walk.example"));
		json_decref(plan);
		plan = walk_plan(l, n);
	}
	for (int k = 0; k < 4 && json_is_true(json_object_get(plan, "ready"));
	     k++) {
		char *screen;

		walk_publish(w, plan);
		walk_serve(l, w);
		key(&l->t, "r");
		free(settled_with(&l->t, "Rollout of walk.example"));
		key(&l->t, "S");
		screen = settled_with(&l->t, "Recorded: ");
		/* The first step, SPF ~all, was verified on the zone's
		 * name server, asked on the port of --resolver, where it
		 * listens (a provider's key is asked of the resolver). */
		if (w->steps == 0)
			assert_non_null(strstr(screen, l->nsd.address));
		free(screen);
		w->steps++;
		json_decref(plan);
		plan = walk_plan(l, n);
	}
	if (!json_is_true(json_object_get(plan, "ready"))) {
		json_t *why = json_object_get(plan, "reasons");

		/* What holds the walk this week, for a failing run's log. */
		for (size_t i = 0; i < json_array_size(why); i++)
			fprintf(stderr, "day %d: %s\n", n,
				json_string_value(json_object_get(
				    json_array_get(why, i), "message")));
		bool done = strcmp(walk_phase(plan), "enforced") == 0 ||
			    strcmp(walk_phase(plan), "maintenance") == 0;

		key(&l->t, "S");
		free(settled_with(&l->t,
				  done ? "Nothing to step: the rollout is "
					 "complete."
				       : "nothing recorded"));
	}
	phase = xstrdup(walk_phase(plan));
	json_decref(plan);
	return phase;
}

/* The walk: week 0 adds the domain and SendGrid in the wizard, then
 * SPF ~all, SendGrid's DKIM key and p=none; each later week imports the
 * week's report on the reports screen and takes what the plan allows,
 * up the default ladder to p=reject and SPF -all. */
static void test_walk_to_reject(void **state)
{
	struct live *l = *state;
	struct walk w = { 0 };
	char *phase = NULL, *rungs;
	int week;

	if (!tmux_available() || !nsd_available())
		skip();
	walk_begin(l, &w);
	walk_open(l, 0, false);
	key(&l->t, "a");
	tmux_type(&l->t, "walk.example");
	key(&l->t, "Enter");
	expect(&l->t, "Added walk.example.");
	key(&l->t, "Enter");
	expect(&l->t, "Rollout of walk.example");
	key(&l->t, "3");
	key(&l->t, "a");
	tmux_type(&l->t, "sendgrid");
	free(settled_with(&l->t, "Twilio SendGrid"));
	key(&l->t, "Enter");
	key(&l->t, "s");
	free(settled_with(&l->t, "Saved 1 change."));
	key(&l->t, "2");
	phase = walk_steps(l, &w, 0);
	walk_close(l);
	for (week = 1; week <= 20 && strcmp(phase, "enforced") != 0 &&
		       strcmp(phase, "maintenance") != 0;
	     week++) {
		char *report = walk_report(l, 7 * week);

		walk_open(l, 7 * week, true);
		key(&l->t, "7");
		key(&l->t, "i");
		expect(&l->t, "Import from");
		key(&l->t, "C-u");
		tmux_type(&l->t, report);
		key(&l->t, "Enter");
		free(settled_with(&l->t, "1 new, 0 duplicate, 0 rejected"));
		key(&l->t, "2");
		free(settled_with(&l->t, "Rollout of walk.example"));
		free(phase);
		phase = walk_steps(l, &w, 7 * week);
		walk_close(l);
		free(report);
	}
	assert_string_equal(phase, "enforced");
	/* Every rung of the default ladder, SPF twice, p=none first and
	 * reject without pct last, each verified in the wizard. */
	rungs = testenv_db_text(l->db, "SELECT group_concat(record, '|') FROM "
				       "(SELECT record FROM rung_history "
				       "ORDER BY id)");
	assert_non_null(rungs);
	assert_non_null(strstr(rungs, "p=none"));
	assert_non_null(strstr(rungs, "p=quarantine; pct=10"));
	assert_non_null(strstr(rungs, "p=reject; pct=50"));
	assert_non_null(strstr(w.dmarc, "p=reject"));
	assert_null(strstr(w.dmarc, "pct="));
	assert_non_null(strstr(w.spf, "-all"));
	assert_non_null(strstr(rungs, "-all"));
	free(rungs);
	free(phase);
	free(w.spf);
	free(w.dkim);
	free(w.dkim_name);
	free(w.dmarc);
}

/* S on the SPF screen: the plan loads on a worker, the step is
 * verified on walk.example's name server, then recorded on a worker
 * (the live record's lookups measured through DNS there), and the
 * screen says so; the rung is in the history with its lookups. */
static void test_spf_step_from_its_screen(void **state)
{
	struct live *l = *state;
	struct walk w = { 0 };
	const char *add[] = { "--db",         NULL,         "--resolver", NULL,
			      "--now",        "2026-01-05", "domain",     "add",
			      "walk.example", NULL };
	const char *sender[] = { "--db",         NULL,       "sender", "add",
				 "walk.example", "sendgrid", NULL };
	struct testenv_run run;
	json_t *plan;
	char *screen, *rung;

	if (!tmux_available() || !nsd_available())
		skip();
	walk_begin(l, &w);
	add[1] = sender[1] = l->db;
	add[3] = l->nsd.address;
	run = testenv_run_dmarcpilot(add, NULL);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(sender, NULL);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	/* The operator publishes SPF ~all as the plan asks. */
	plan = walk_plan(l, 0);
	assert_true(json_is_true(json_object_get(plan, "ready")));
	walk_publish(&w, plan);
	json_decref(plan);
	assert_non_null(w.spf);
	walk_serve(l, &w);
	walk_open(l, 0, true);
	key(&l->t, "4");
	expect(&l->t, "SPF of walk.example");
	key(&l->t, "S");
	screen = settled_with(&l->t, "Recorded: ");
	assert_non_null(strstr(screen, "Recorded: SPF"));
	assert_non_null(strstr(screen, l->nsd.address));
	free(screen);
	walk_close(l);
	rung = testenv_db_text(l->db, "SELECT kind || ' ' || record || ' ' "
				      "|| lookups FROM rung_history");
	assert_non_null(rung);
	assert_non_null(strstr(rung, w.spf));
	assert_non_null(strstr(rung, "spf "));
	free(rung);
	free(w.spf);
	free(w.dkim);
	free(w.dkim_name);
	free(w.dmarc);
	live_stop(l);
}

/* A test with its struct live from live_setup(), stopped by
 * live_teardown(). */
/* clang-format off */
#define LIVE_TEST(f) cmocka_unit_test_setup_teardown(f, live_setup, \
						     live_teardown)
/* clang-format on */

int main(void)
{
	const struct CMUnitTest tests[] = {
		LIVE_TEST(test_dmarc_external_rua),
		LIVE_TEST(test_reports_analysis_live),
		LIVE_TEST(test_keys_while_analysis_waits),
		LIVE_TEST(test_keys_while_export_waits),
		LIVE_TEST(test_keys_while_import_runs),
		LIVE_TEST(test_spf_flatten_refused),
		LIVE_TEST(test_keys_while_spf_target_waits),
		LIVE_TEST(test_walk_to_reject),
		LIVE_TEST(test_spf_step_from_its_screen),
	};

	testenv_require_program("TMUX_BIN");
	testenv_require_program("NSD");
	return cmocka_run_group_tests_name("tui_live", tests, NULL, NULL);
}
