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
#include <unistd.h>

#include "lib/nsd.h"
#include "lib/testenv.h"
#include "lib/tmux.h"
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
static void add_sender(struct live *l, const char *domain,
		       const char *resolver)
{
	/* domain add reads what the domain serves: through the test's
	 * resolver, never the machine's. */
	const char *add[] = { "--db", l->db, "--resolver", resolver,
			      "--timeout", "5", "domain", "add", domain,
			      NULL };
	const char *sender[] = { "--db", l->db, "sender", "add", domain,
				 "ip4:192.0.2.0/24", NULL };
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
	const char *argv[] = { testenv_binary(), "--resolver", resolver,
			       "--timeout", "120", "--db", l->db, "--now",
			       "2026-03-09", domain, NULL };

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
static int silent_start(struct live *l, const char *domain,
			enum setup setup)
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
	screen = settled_with(&l->t, "192.0.2.10: explained by "
				     "ip4:192.0.2.0/24");
	assert_non_null(strstr(screen, "1 report, 45 messages"));
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
 * are waiting for DNS, with the spinner's count of queries, and each
 * still answers keys: help opens, the import prompt opens, the export
 * format changes. (A wizard that waited for the analysis would show
 * none of these screens.) */
static void test_keys_while_analysis_waits(void **state)
{
	struct live *l = *state;
	char *screen;

	silent_start(l, "example.com", SETUP_REPORT);
	expect(&l->t, "Asking DNS about the report sources for the plan");
	screen = drawn_with(&l->t, "Asking DNS about the report sources "
				   "for the plan");
	assert_non_null(strstr(screen, "Rollout of example.com"));
	assert_non_null(strstr(screen, " queries"));
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
	expect(&l->t, "Asking DNS about the report sources for the plan");
	key(&l->t, "F");
	screen = drawn_with(&l->t, "Export for example.com as nsupdate");
	assert_non_null(strstr(screen, "Asking DNS about the report sources "
				       "for the plan"));
	free(screen);
	live_stop(l);
}

/* The export's plan reads what the domain serves now, as dmarcpilot
 * export does; with a resolver that never answers it says it is
 * asking, and the format key still works meanwhile; the DMARC step
 * says it is asking the report addresses. */
static void test_keys_while_nsupdate_waits(void **state)
{
	struct live *l = *state;

	silent_start(l, "example.com", SETUP_SENDER);
	expect(&l->t, "Rollout of example.com");
	key(&l->t, "8");
	expect(&l->t, "Asking DNS about the report sources for the plan");
	expect(&l->t, "query");
	key(&l->t, "F");
	expect(&l->t, "Export for example.com as nsupdate");
	key(&l->t, "F");
	expect(&l->t, "Export for example.com as JSON");
	/* The DMARC step waits for its policy walk, which must end before
	 * the report addresses can be asked, and says so. */
	key(&l->t, "6");
	expect(&l->t, "DMARC of example.com");
	key(&l->t, "End");
	expect(&l->t, "Asking the report destinations ...");
	live_stop(l);
}

/* A test with its struct live from live_setup(), stopped by
 * live_teardown(). */
#define LIVE_TEST(f) cmocka_unit_test_setup_teardown(f, live_setup, \
						     live_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		LIVE_TEST(test_dmarc_external_rua),
		LIVE_TEST(test_reports_analysis_live),
		LIVE_TEST(test_keys_while_analysis_waits),
		LIVE_TEST(test_keys_while_nsupdate_waits),
	};

	testenv_require_program("TMUX_BIN");
	testenv_require_program("NSD");
	return cmocka_run_group_tests_name("tui_live", tests, NULL, NULL);
}
