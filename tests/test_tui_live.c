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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/nsd.h"
#include "lib/testenv.h"
#include "lib/tmux.h"
#include "xalloc.h"

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
    "forensic.example.org. MX 10 mx.example.org.\n";

/* The wizard on a domain, with its own database, in a terminal. */
struct live {
	struct nsd_server nsd;
	struct tmux_term t;
	char *dir;
	char *db;
};

/* Starts nsd with the root zone and the wizard on domain against it. */
static void live_start(struct live *l, const char *domain, int cols,
		       int rows)
{
	/* nsd_start() probes the first zone by name, which "." cannot
	 * be: a small zone goes first. */
	char *probe = nsd_zone_preamble("probe.test");
	struct nsd_zone zones[] = { { "probe.test", probe },
				    { ".", root_zone } };
	const char *argv[9];

	memset(l, 0, sizeof *l);
	assert_true(nsd_start(&l->nsd, zones, 2));
	free(probe);
	l->dir = testenv_mkdtemp();
	l->db = xasprintf("%s/db.sqlite", l->dir);
	argv[0] = testenv_binary();
	argv[1] = "--resolver";
	argv[2] = l->nsd.address;
	argv[3] = "--db";
	argv[4] = l->db;
	argv[5] = "--now";
	argv[6] = "2026-03-09";
	argv[7] = domain;
	argv[8] = NULL;
	assert_true(tmux_start(&l->t, cols, rows, argv, NULL));
}

/* Stops everything and removes the scratch directory. */
static void live_stop(struct live *l)
{
	tmux_stop(&l->t);
	nsd_stop(&l->nsd);
	testenv_rmdir(l->dir);
	free(l->dir);
	free(l->db);
}

/* Sends one key by its tmux name. */
static void key(struct tmux_term *t, const char *name)
{
	const char *keys[] = { name, NULL };

	tmux_send_keys(t, keys);
}

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
	struct live l;
	char *screen, *line;

	(void)state;
	live_start(&l, "example.com", 80, 24);
	screen = tmux_wait_for(&l.t, "Rollout of example.com", WAIT_MS);
	assert_non_null(screen);
	free(screen);
	key(&l.t, "6");
	screen = tmux_wait_for(&l.t, "DMARC of example.com", WAIT_MS);
	assert_non_null(screen);
	free(screen);
	key(&l.t, "End");
	screen = tmux_wait_for(&l.t, "must publish", WAIT_MS);
	assert_non_null(screen);
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
	live_stop(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dmarc_external_rua),
	};

	testenv_require_program("TMUX_BIN");
	testenv_require_program("NSD");
	return cmocka_run_group_tests_name("tui_live", tests, NULL, NULL);
}
