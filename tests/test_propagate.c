/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Propagation: after the operator publishes a record, the check names
 * the authoritative servers that do not serve it yet. Real nsd servers
 * play the zone's primaries; the table plays them in the demo. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "dns/propagate.h"
#include "util/xalloc.h"

#define NEW_DMARC                                                              \
	"v=DMARC1; p=quarantine; pct=25; t=y; rua=mailto:d@example.test"
#define OLD_DMARC "v=DMARC1; p=none; rua=mailto:d@example.test"

struct fixture {
	struct nsd_server fresh, stale, parent;
	char *texts[3];
};

/* A zone with the DMARC record split in two strings, as many panels
 * publish long values. */
static char *zone_with(const char *dmarc, int serial)
{
	char half[128];
	size_t cut = strlen(dmarc) / 2;

	memcpy(half, dmarc, cut);
	half[cut] = '\0';
	return xasprintf("$ORIGIN example.test.\n$TTL 300\n"
			 "@ IN SOA ns1 hostmaster %d 3600 600 86400 300\n"
			 "@ IN NS ns1\n"
			 "@ IN NS ns2.elsewhere.invalid.\n"
			 "@ IN NS ns3\n"
			 "ns1 IN A 127.0.0.1\n"
			 "ns3 IN A 192.0.2.53\n"
			 "@ IN MX 10 mx1\n"
			 "_dmarc IN TXT \"%s\" \"%s\"\n",
			 serial, half, dmarc + cut);
}

/* Waits until nsd answers over UDP too (it accepts TCP first, and a
 * loaded machine may take a while to load the zone). */
static bool warm_up(const struct nsd_server *server, const char *zone)
{
	struct dns_live_options o = { .servers = server->address,
				      .timeout = 20,
				      .tries = 4 };
	struct err err = ERR_INIT;
	struct dns *dns;
	struct dns_answer *a;
	bool ok;

	if (dns_new_live(&dns, &o, &err) != STATUS_OK)
		return false;
	a = dns_query_sync(dns, zone, DNS_T_SOA);
	ok = a->result == DNS_DATA;
	dns_answer_free(a);
	dns_free(dns);
	return ok;
}

/* Two nsd with the same zone at different serials, and one that only
 * delegates a child zone. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *pre;
	struct nsd_zone z;

	*state = f;
	if (!nsd_available())
		return 0;
	f->texts[0] = zone_with(NEW_DMARC, 2);
	f->texts[1] = zone_with(OLD_DMARC, 1);
	pre = nsd_zone_preamble("parent.test");
	f->texts[2] = xasprintf("%schild IN NS ns.child\n"
				"ns.child IN A 127.0.0.1\n",
				pre);
	free(pre);
	z = (struct nsd_zone){ "example.test", f->texts[0] };
	if (!nsd_start(&f->fresh, &z, 1))
		return -1;
	z = (struct nsd_zone){ "example.test", f->texts[1] };
	if (!nsd_start(&f->stale, &z, 1))
		return -1;
	z = (struct nsd_zone){ "parent.test", f->texts[2] };
	if (!nsd_start(&f->parent, &z, 1))
		return -1;
	if (!warm_up(&f->fresh, "example.test") ||
	    !warm_up(&f->stale, "example.test") ||
	    !warm_up(&f->parent, "parent.test"))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->fresh.pid)
		nsd_stop(&f->fresh);
	if (f->stale.pid)
		nsd_stop(&f->stale);
	if (f->parent.pid)
		nsd_stop(&f->parent);
	for (int i = 0; i < 3; i++)
		free(f->texts[i]);
	free(f);
	return 0;
}

/* A live resolver on servers. */
static struct dns *live(const char *servers, double timeout)
{
	struct dns_live_options o = { .servers = servers, .timeout = timeout };
	struct err err = ERR_INIT;
	struct dns *dns;

	if (dns_new_live(&dns, &o, &err) != STATUS_OK)
		fail_msg("%s", err_message(&err));
	return dns;
}

/* The entry of a result for host (and address, when not NULL). */
static const struct propagate_server *
find_server(const struct propagate_result *r, const char *host)
{
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->servers[i].host, host) == 0)
			return &r->servers[i];
	fail_msg("no server %s in the result", host);
	return NULL;
}

/* The check names the server that still serves the old record and what
 * it serves, and the one that does not answer. */
static void test_names_the_lagging_server(void **state)
{
	struct fixture *f = *state;
	struct dns *dns;
	int closed = nsd_free_port();
	char *servers, *dead;
	struct propagate_options o = { .timeout = 3 };
	struct propagate_result *r;
	struct err err = ERR_INIT;
	const struct propagate_server *s;

	if (!f->fresh.pid)
		skip();
	dead = xasprintf("127.0.0.1:%d", closed);
	servers =
	    xasprintf("%s,%s,%s", f->fresh.address, f->stale.address, dead);
	o.servers = servers;
	dns = live(f->fresh.address, 2);
	assert_int_equal(propagate_check(dns, "_dmarc.example.test.", DNS_T_TXT,
					 NEW_DMARC, &o, &r, &err),
			 STATUS_OK);
	assert_null(r->error);
	assert_null(r->zone);
	assert_int_equal(r->count, 3);
	assert_int_equal(r->serving, 1);

	s = find_server(r, f->fresh.address);
	assert_int_equal(s->state, PROPAGATE_SERVES);

	s = find_server(r, f->stale.address);
	assert_int_equal(s->state, PROPAGATE_DIFFERENT);
	assert_int_equal(s->result, DNS_DATA);
	assert_int_equal(s->nvalues, 1);
	assert_string_equal(s->values[0], OLD_DMARC);

	s = find_server(r, dead);
	assert_int_equal(s->state, PROPAGATE_UNREACHABLE);
	assert_non_null(strstr(s->error, dead));
	assert_int_equal(dns_pending(dns), 0);
	propagate_result_free(r);

	/* Once the stale server has the record it counts too. */
	free(servers);
	servers = xasprintf("%s,%s", f->fresh.address, f->stale.address);
	o.servers = servers;
	assert_int_equal(propagate_check(dns, "_dmarc.example.test", DNS_T_TXT,
					 OLD_DMARC, &o, &r, &err),
			 STATUS_OK);
	assert_int_equal(find_server(r, f->fresh.address)->state,
			 PROPAGATE_DIFFERENT);
	assert_int_equal(find_server(r, f->stale.address)->state,
			 PROPAGATE_SERVES);
	propagate_result_free(r);
	dns_free(dns);
	free(servers);
	free(dead);
}

/* The servers come from the zone's NS records: walking up from the
 * record's name to the apex, then each host's addresses. */
static void test_finds_the_zone_servers(void **state)
{
	struct fixture *f = *state;
	struct dns *dns;
	struct propagate_options o = { .timeout = 2 };
	struct propagate_result *r;
	struct err err = ERR_INIT;
	const struct propagate_server *s;
	char *want;

	if (!f->fresh.pid)
		skip();
	dns = live(f->fresh.address, 2);
	o.port = f->fresh.port;
	assert_int_equal(propagate_check(dns, "_dmarc.example.test", DNS_T_TXT,
					 NEW_DMARC, &o, &r, &err),
			 STATUS_OK);
	assert_null(r->error);
	assert_string_equal(r->zone, "example.test");
	assert_int_equal(r->count, 3);
	/* Sorted by host. */
	assert_string_equal(r->servers[0].host, "ns1.example.test");
	assert_string_equal(r->servers[1].host, "ns2.elsewhere.invalid");
	assert_string_equal(r->servers[2].host, "ns3.example.test");

	s = find_server(r, "ns1.example.test");
	want = xasprintf("127.0.0.1:%d", f->fresh.port);
	assert_string_equal(s->address, want);
	assert_int_equal(s->state, PROPAGATE_SERVES);
	free(want);

	/* Its address lies outside every zone we serve. */
	s = find_server(r, "ns2.elsewhere.invalid");
	assert_null(s->address);
	assert_int_equal(s->state, PROPAGATE_UNREACHABLE);
	assert_non_null(strstr(s->error, "ns2.elsewhere.invalid"));

	/* 192.0.2.53 (TEST-NET-1) never answers. */
	s = find_server(r, "ns3.example.test");
	want = xasprintf("192.0.2.53:%d", f->fresh.port);
	assert_string_equal(s->address, want);
	assert_int_equal(s->state, PROPAGATE_UNREACHABLE);
	free(want);
	assert_int_equal(r->serving, 1);
	propagate_result_free(r);

	/* MX values compare without case or final dot. */
	assert_int_equal(propagate_check(dns, "example.test", DNS_T_MX,
					 "10 MX1.Example.Test.", &o, &r, &err),
			 STATUS_OK);
	assert_int_equal(find_server(r, "ns1.example.test")->state,
			 PROPAGATE_SERVES);
	propagate_result_free(r);

	/* A name in no zone. */
	assert_int_equal(propagate_check(dns, "www.nowhere.invalid", DNS_T_A,
					 "192.0.2.1", &o, &r, &err),
			 STATUS_OK);
	assert_int_equal(r->count, 0);
	assert_non_null(r->error);
	assert_non_null(strstr(r->error, "www.nowhere.invalid"));
	propagate_result_free(r);
	dns_free(dns);
}

/* A server that only refers elsewhere (no AA bit) is not counted. */
static void test_lame_server(void **state)
{
	struct fixture *f = *state;
	struct dns *dns;
	struct propagate_options o = { .timeout = 3 };
	struct propagate_result *r;
	struct err err = ERR_INIT;

	if (!f->fresh.pid)
		skip();
	dns = live(f->parent.address, 2);
	o.servers = f->parent.address;
	assert_int_equal(propagate_check(dns, "_dmarc.child.parent.test",
					 DNS_T_TXT, "v=DMARC1; p=none", &o, &r,
					 &err),
			 STATUS_OK);
	assert_int_equal(r->count, 1);
	assert_int_equal(r->servers[0].state, PROPAGATE_UNREACHABLE);
	assert_non_null(strstr(r->servers[0].error, "not authoritative"));
	propagate_result_free(r);
	dns_free(dns);
}

/* Records the asynchronous result. */
static void keep_result(void *arg, struct propagate_result *result)
{
	*(struct propagate_result **)arg = result;
}

/* The check runs on the caller's loop and never answers inside start. */
static void test_asynchronous(void **state)
{
	struct fixture *f = *state;
	struct dns *dns;
	struct propagate_options o = { .timeout = 3 };
	struct propagate_result *r = NULL;
	struct err err = ERR_INIT;

	if (!f->fresh.pid)
		skip();
	dns = live(f->fresh.address, 2);
	o.servers = f->stale.address;
	assert_int_equal(propagate_start(dns, "_dmarc.example.test", DNS_T_TXT,
					 NEW_DMARC, &o, keep_result, &r, &err),
			 STATUS_OK);
	assert_null(r);
	assert_true(dns_pending(dns) > 0);
	assert_int_equal(dns_run(dns), STATUS_OK);
	assert_non_null(r);
	assert_int_equal(r->servers[0].state, PROPAGATE_DIFFERENT);
	propagate_result_free(r);

	/* Cancelling ends the check: its servers are unreachable. */
	r = NULL;
	o.servers = f->fresh.address;
	assert_int_equal(propagate_start(dns, "_dmarc.example.test", DNS_T_TXT,
					 NEW_DMARC, &o, keep_result, &r, &err),
			 STATUS_OK);
	dns_cancel_all(dns);
	assert_non_null(r);
	assert_int_equal(r->servers[0].state, PROPAGATE_UNREACHABLE);
	assert_int_equal(dns_pending(dns), 0);
	propagate_result_free(r);
	dns_free(dns);
}

/* A bad explicit server list is refused up front. */
static void test_bad_server_list(void **state)
{
	struct dns *dns = dns_new_table();
	struct propagate_options o = { .servers = "127.0.0.1,ns.example" };
	struct propagate_result *r = NULL;
	struct err err = ERR_INIT;

	assert_int_equal(propagate_start(dns, "example.test", DNS_T_A,
					 "192.0.2.1", &o, keep_result, &r,
					 &err),
			 STATUS_USAGE);
	assert_non_null(strstr(err_message(&err), "ns.example"));
	assert_null(r);
	err_done(&err);
	dns_free(dns);
}

/* Offline, each NS of the table's zone answers from the table. */
static void test_table(void **state)
{
	struct dns *dns = dns_new_table();
	struct err err = ERR_INIT;
	struct propagate_result *r;

	assert_int_equal(
	    dns_table_add(dns,
			  "example.test. 300 IN NS ns1.example.test.\n"
			  "example.test. 300 IN NS ns2.example.net.\n"
			  "example.test. 300 IN TXT \"v=spf1 \" \"-all\"\n",
			  &err),
	    STATUS_OK);
	assert_int_equal(propagate_check(dns, "example.test", DNS_T_TXT,
					 "v=spf1 -all", NULL, &r, &err),
			 STATUS_OK);
	assert_string_equal(r->zone, "example.test");
	assert_int_equal(r->count, 2);
	assert_int_equal(r->serving, 2);
	assert_string_equal(r->servers[0].host, "ns1.example.test");
	assert_string_equal(r->servers[0].address, "table");
	propagate_result_free(r);

	assert_int_equal(propagate_check(dns, "example.test", DNS_T_TXT,
					 "v=spf1 mx -all", NULL, &r, &err),
			 STATUS_OK);
	assert_int_equal(r->serving, 0);
	assert_int_equal(r->servers[1].state, PROPAGATE_DIFFERENT);
	assert_int_equal(r->servers[1].nvalues, 1);
	assert_string_equal(r->servers[1].values[0], "v=spf1 -all");
	propagate_result_free(r);

	/* Nothing published yet: the servers serve "nothing". */
	assert_int_equal(propagate_check(dns, "_dmarc.example.test", DNS_T_TXT,
					 "v=DMARC1; p=none", NULL, &r, &err),
			 STATUS_OK);
	assert_int_equal(r->servers[0].state, PROPAGATE_DIFFERENT);
	assert_int_equal(r->servers[0].result, DNS_NXDOMAIN);
	assert_int_equal(r->servers[0].nvalues, 0);
	propagate_result_free(r);
	dns_free(dns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_the_lagging_server),
		cmocka_unit_test(test_finds_the_zone_servers),
		cmocka_unit_test(test_lame_server),
		cmocka_unit_test(test_asynchronous),
		cmocka_unit_test(test_bad_server_list),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests_name("propagate", tests, setup, teardown);
}
