/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --resolver, --zone and --timeout through the real binary: the same
 * answers live (nsd) and offline (the zone file), and exit status 2 with
 * a message naming the resolver, the file or the line when DNS cannot
 * be used. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/nsd.h"
#include "lib/testenv.h"
#include "util/xalloc.h"

static const char zone_body[] =
    "@ IN TXT \"v=spf1 include:_spf.example.test \" \"-all\"\n"
    "_spf IN TXT \"v=spf1 ip4:192.0.2.0/24 ~all\"\n";

struct fixture {
	char *dir;
	char *zone_text;
	char *zone_path;
	char *xdg;
	struct nsd_server nsd;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *pre = nsd_zone_preamble("example.test");

	f->dir = testenv_mkdtemp();
	f->zone_text = xasprintf("%s%s", pre, zone_body);
	f->zone_path =
	    testenv_write_file(f->dir, "example.test.zone", f->zone_text);
	f->xdg = xasprintf("XDG_DATA_HOME=%s", f->dir);
	free(pre);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->nsd.pid)
		nsd_stop(&f->nsd);
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f->zone_text);
	free(f->zone_path);
	free(f->xdg);
	free(f);
	return 0;
}

/* Runs the binary with the fixture's private data directory. */
static struct testenv_run run(const struct fixture *f, const char *const args[])
{
	const char *env[] = { f->xdg, NULL };

	return testenv_run_dmarcpilot(args, env);
}

/* The JSON of `spf check` is the same from nsd and from the zone file,
 * and shows the include was followed (one DNS lookup). */
static void test_live_and_offline_agree(void **state)
{
	struct fixture *f = *state;
	struct nsd_zone z = { "example.test", f->zone_text };
	struct testenv_run live, offline;

	if (!nsd_available())
		skip();
	assert_true(nsd_start(&f->nsd, &z, 1));
	{
		const char *args[] = {
			"--json",    "--resolver",   f->nsd.address,
			"--timeout", "10",           "spf",
			"check",     "example.test", NULL
		};

		live = run(f, args);
	}
	{
		const char *args[] = { "--json", "--zone", f->zone_path,
				       "spf",    "check",  "example.test",
				       NULL };

		offline = run(f, args);
	}
	assert_int_equal(offline.status, 0);
	assert_non_null(strstr(offline.out, "\"lookups\": 1"));
	assert_non_null(
	    strstr(offline.out, "v=spf1 include:_spf.example.test -all"));
	assert_int_equal(live.status, offline.status);
	assert_string_equal(live.out, offline.out);
	testenv_run_done(&live);
	testenv_run_done(&offline);
	nsd_stop(&f->nsd);
}

/* Nothing listens on the resolver's port: exit 2 naming it. */
static void test_unreachable_resolver(void **state)
{
	struct fixture *f = *state;
	char *addr = xasprintf("127.0.0.1:%d", nsd_free_port());
	const char *args[] = { "--resolver", addr,    "--timeout",    "1",
			       "spf",        "check", "example.test", NULL };
	struct testenv_run r = run(f, args);

	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, addr));
	/* One line on stderr. */
	assert_non_null(strchr(r.err, '\n'));
	assert_null(strchr(strchr(r.err, '\n') + 1, '\n'));
	testenv_run_done(&r);
	free(addr);
}

/* The brief's example: port 1 on the loopback. */
static void test_port_one(void **state)
{
	struct fixture *f = *state;
	const char *args[] = {
		"--resolver", "127.0.0.1:1", "--timeout",    "1",
		"spf",        "check",       "example.test", NULL
	};
	struct testenv_run r = run(f, args);

	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "127.0.0.1:1"));
	testenv_run_done(&r);
}

/* A resolver that takes the packets and never answers: a timeout, exit
 * 2 naming it. */
static void test_silent_resolver(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char *addr;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	addr = xasprintf("127.0.0.1:%d", ntohs(sa.sin_port));
	{
		const char *args[] = { "--resolver",   addr,
				       "--timeout",    "1",
				       "spf",          "check",
				       "example.test", NULL };
		struct testenv_run r = run(f, args);

		assert_int_equal(r.status, 2);
		assert_non_null(strstr(r.err, addr));
		testenv_run_done(&r);
	}
	close(fd);
	free(addr);
}

/* A --resolver that is not an address list is a usage error quoting it. */
static void test_bad_resolver(void **state)
{
	struct fixture *f = *state;
	const char *args[] = { "--resolver", "dns.example:53", "spf",
			       "check",      "example.test",   NULL };
	struct testenv_run r = run(f, args);

	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "dns.example:53"));
	testenv_run_done(&r);
}

/* A zone file with a bad line: exit 2 naming file and line. */
static void test_bad_zone(void **state)
{
	struct fixture *f = *state;
	char *text = xasprintf("%swww IN A 192.0.2.300\n", f->zone_text);
	char *path = testenv_write_file(f->dir, "bad.zone", text);
	char *where = xasprintf("%s:8:", path);
	const char *args[] = { "--zone", path,           "spf",
			       "check",  "example.test", NULL };
	struct testenv_run r = run(f, args);

	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, where));
	testenv_run_done(&r);
	free(where);
	free(path);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_and_offline_agree),
		cmocka_unit_test(test_unreachable_resolver),
		cmocka_unit_test(test_port_one),
		cmocka_unit_test(test_silent_resolver),
		cmocka_unit_test(test_bad_resolver),
		cmocka_unit_test(test_bad_zone),
	};

	return cmocka_run_group_tests_name("dns_cli", tests, setup, teardown);
}
