/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SPF against a real nsd on 127.0.0.1 through the live c-ares backend: a
 * realistic include tree of five sending services shaped like their
 * published records, and the hostile DNS of issue 10 (an include loop, a
 * 40-deep chain, a 64 KB TXT answer, SERVFAIL and a timeout in the middle
 * of the tree). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/dns.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "spf/spf_check.h"
#include "spf/spf_eval.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* The operator's domain, shaped like a real one in 2024:
 *
 *   example.com  v=spf1 mx include:_spf.google.com
 *                include:spf.protection.outlook.com include:sendgrid.net
 *                include:servers.mcsv.net include:_spf.salesforce.com ~all
 *
 * Lookups by hand (RFC 7208 4.6.4 counts include, a, mx, ptr, exists,
 * redirect):
 *   mx                                               1
 *   include:_spf.google.com                          1
 *     include:_netblocks.google.com                  1
 *     include:_netblocks2.google.com                 1
 *     include:_netblocks3.google.com                 1
 *   include:spf.protection.outlook.com (ranges only) 1
 *   include:sendgrid.net                             1
 *     include:ab.sendgrid.net                        1
 *   include:servers.mcsv.net (ranges only)           1
 *   include:_spf.salesforce.com                      1
 *     exists:%{i}._spf.mta.salesforce.com            1
 *                                                   --
 *                                                   11
 * One too many: the costliest branch is Google's with 4. */
static const char example_records[] =
    "@ TXT \"v=spf1 mx include:_spf.google.com "
    "include:spf.protection.outlook.com include:sendgrid.net "
    "include:servers.mcsv.net include:_spf.salesforce.com ~all\"\n"
    "@ MX 10 mx1\n"
    "mx1 A 192.0.2.25\n"
    /* An include loop. */
    "loop TXT \"v=spf1 include:loop2.example.com -all\"\n"
    "loop2 TXT \"v=spf1 include:loop.example.com -all\"\n"
    /* SERVFAIL and a timeout in the middle of a tree. */
    "sf TXT \"v=spf1 ip4:198.51.100.0/24 include:spf.broken.test -all\"\n"
    "to TXT \"v=spf1 ip4:198.51.100.0/24 include:timeout.example.com "
    "-all\"\n"
    "timeout TXT \"v=spf1 ip4:203.0.113.0/24 -all\"\n";

static const char google_records[] =
    "_spf TXT \"v=spf1 include:_netblocks.google.com "
    "include:_netblocks2.google.com include:_netblocks3.google.com "
    "~all\"\n"
    "_netblocks TXT \"v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 "
    "ip4:66.102.0.0/20 ip4:66.249.80.0/20 ip4:72.14.192.0/18 "
    "ip4:74.125.0.0/16 ip4:108.177.8.0/21 ip4:173.194.0.0/16 "
    "ip4:209.85.128.0/17 ip4:216.58.192.0/19 ip4:216.239.32.0/19 ~all\"\n"
    "_netblocks2 TXT \"v=spf1 ip6:2001:4860:4000::/36 "
    "ip6:2404:6800:4000::/36 ip6:2607:f8b0:4000::/36 "
    "ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 "
    "ip6:2c0f:fb50:4000::/36 ~all\"\n"
    "_netblocks3 TXT \"v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 "
    "ip4:172.217.128.0/19 ip4:108.177.96.0/19 ip4:35.191.0.0/16 "
    "ip4:130.211.0.0/22 ~all\"\n";

static const char outlook_records[] =
    "spf.protection TXT \"v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 "
    "ip4:52.100.0.0/15 ip4:52.102.0.0/16 ip4:52.103.0.0/16 "
    "ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 "
    "ip6:2a01:111:f403:8000::/51 ip6:2a01:111:f403:c000::/51 "
    "ip6:2a01:111:f403:f000::/52 -all\"\n";

static const char sendgrid_records[] =
    "@ TXT \"v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 "
    "ip4:50.31.32.0/19 ip4:198.37.144.0/20 ip4:198.21.0.0/21 "
    "ip4:192.254.112.0/20 ip4:168.245.0.0/17 ip4:149.72.0.0/16 "
    "ip4:159.183.0.0/16 include:ab.sendgrid.net ~all\"\n"
    "ab TXT \"v=spf1 ip4:168.245.0.0/17 ip4:159.183.0.0/16 ~all\"\n";

static const char mcsv_records[] =
    "servers TXT \"v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 "
    "ip4:148.105.8.0/21 ~all\"\n";

static const char salesforce_records[] =
    "_spf TXT \"v=spf1 exists:%{i}._spf.mta.salesforce.com -all\"\n"
    "5.208.110.13._spf.mta A 127.0.0.1\n";

struct fixture {
	struct nsd_server server;
	char *zones[7];
};

/* One zone: the preamble and the records. */
static char *zone(const char *name, const char *records)
{
	char *pre = nsd_zone_preamble(name);
	char *z = xasprintf("%s%s", pre, records);

	free(pre);
	return z;
}

/* The chain, the big answers. */
static char *hostile_records(void)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, example_records);
	/* d1 includes d2 ... d40: the limit is passed at d11. */
	for (int i = 1; i < 40; i++)
		strbuf_addf(
		    &sb,
		    "d%d.chain TXT \"v=spf1 include:d%d.chain.example.com"
		    " -all\"\n",
		    i, i + 1);
	strbuf_addstr(&sb, "d40.chain TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n");
	/* 250 verification strings of 250 octets: 64 KB that only TCP
	 * carries; big has one SPF record among them, big2 two. */
	for (int i = 0; i < 250; i++) {
		strbuf_addf(&sb, "big TXT \"site-verification-%03d=", i);
		for (int j = 0; j < 225; j++)
			strbuf_addch(&sb, (char)('a' + (i + j) % 26));
		strbuf_addstr(&sb, "\"\n");
		strbuf_addf(&sb, "big2 TXT \"site-verification-%03d=x\"\n", i);
	}
	strbuf_addstr(&sb, "big TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n");
	for (int i = 0; i < 250; i++) {
		strbuf_addf(&sb, "big2 TXT \"padding-%03d=", i);
		for (int j = 0; j < 200; j++)
			strbuf_addch(&sb, (char)('a' + (i * j) % 26));
		strbuf_addstr(&sb, "\"\n");
	}
	strbuf_addstr(&sb, "big2 TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
			   "big2 TXT \"v=spf1 -all\"\n");
	return strbuf_detach(&sb);
}

/* A live resolver asking servers. */
static struct dns *live(const char *servers, double timeout)
{
	struct dns_live_options o = { .servers = servers,
				      .timeout = timeout,
				      .tries = 1 };
	struct err err = ERR_INIT;
	struct dns *dns = NULL;

	if (dns_new_live(&dns, &o, &err) != STATUS_OK)
		fail_msg("resolver: %s", err_message(&err));
	return dns;
}

/* Starts nsd with every zone; skips when nsd is not installed. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *hostile = hostile_records();
	struct nsd_zone zones[7];

	if (!nsd_available()) {
		free(hostile);
		free(f);
		*state = NULL;
		return 0;
	}
	f->zones[0] = zone("example.com", hostile);
	f->zones[1] = zone("google.com", google_records);
	f->zones[2] = zone("outlook.com", outlook_records);
	f->zones[3] = zone("sendgrid.net", sendgrid_records);
	f->zones[4] = zone("mcsv.net", mcsv_records);
	f->zones[5] = zone("salesforce.com", salesforce_records);
	/* A zone nsd cannot load: it answers SERVFAIL for it. */
	f->zones[6] = xstrdup("$ORIGIN broken.test.\nthis is not a zone\n");
	free(hostile);
	zones[0] = (struct nsd_zone){ "example.com", f->zones[0] };
	zones[1] = (struct nsd_zone){ "google.com", f->zones[1] };
	zones[2] = (struct nsd_zone){ "outlook.com", f->zones[2] };
	zones[3] = (struct nsd_zone){ "sendgrid.net", f->zones[3] };
	zones[4] = (struct nsd_zone){ "mcsv.net", f->zones[4] };
	zones[5] = (struct nsd_zone){ "salesforce.com", f->zones[5] };
	zones[6] = (struct nsd_zone){ "broken.test", f->zones[6] };
	if (!nsd_start(&f->server, zones, 7))
		return -1;
	*state = f;
	/* nsd accepts TCP before it serves UDP: wait until it answers. */
	for (int i = 0; i < 20; i++) {
		struct dns *dns = live(f->server.address, 1);
		struct dns_answer *a =
		    dns_query_sync(dns, "example.com", DNS_T_SOA);
		bool up = a->result == DNS_DATA;

		dns_answer_free(a);
		dns_free(dns);
		if (up)
			return 0;
	}
	return -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	nsd_stop(&f->server);
	for (int i = 0; i < 7; i++)
		free(f->zones[i]);
	free(f);
	return 0;
}

/* check_host() for ip and sender@domain. */
static struct spf_outcome eval(struct dns *dns, const char *domain,
			       const char *ip)
{
	struct spf_query q = { .domain = domain };
	struct spf_outcome out;
	struct err err = ERR_INIT;
	char *sender = xasprintf("user@%s", domain);

	q.sender = sender;
	assert_true(ip_addr_parse(ip, &q.ip));
	assert_int_equal(spf_eval_sync(dns, &q, &out, &err), STATUS_OK);
	free(sender);
	return out;
}

/* The realistic tree costs 11 lookups, Google's branch the most. */
static void test_realistic_tree(void **state)
{
	struct fixture *f = *state;
	struct spf_check *c = NULL;
	struct err err = ERR_INIT;
	const struct spf_node *costly;
	struct dns *dns;

	if (!f)
		skip();
	dns = live(f->server.address, 5);
	assert_int_equal(spf_check_sync(dns, "example.com", &c, &err),
			 STATUS_OK);
	if (c->dns_failed)
		fail_msg("%s", c->dns_error);
	assert_int_equal(c->lookups, 11);
	assert_int_equal(c->void_lookups, 0);
	assert_int_equal(c->root->nchildren, 5);
	costly = spf_check_costliest(c);
	assert_string_equal(costly->via, "include:_spf.google.com");
	assert_int_equal(costly->cost, 4);
	assert_int_equal(c->root->children[1]->cost, 1); /* outlook */
	assert_int_equal(c->root->children[2]->cost, 2); /* sendgrid */
	assert_int_equal(c->root->children[4]->cost, 2); /* salesforce */
	assert_true(findings_has(&c->findings, F_SPF_LOOKUP_LIMIT));
	assert_true(findings_has(&c->findings, F_SPF_SOFTFAIL_ALL));
	spf_check_free(c);
	dns_free(dns);
}

/* What receivers make of the realistic tree: Google passes; Salesforce,
 * whose exists term is the 11th, gets permerror although it is listed;
 * so does every stranger. */
static void test_realistic_eval(void **state)
{
	struct fixture *f = *state;
	struct spf_outcome out;
	struct dns *dns;

	if (!f)
		skip();
	dns = live(f->server.address, 5);
	out = eval(dns, "example.com", "172.217.130.5");
	assert_int_equal(out.result, SPF_PASS);
	assert_string_equal(out.mechanism, "include:_spf.google.com");
	assert_int_equal(out.dns_terms, 5);
	spf_outcome_done(&out);
	out = eval(dns, "example.com", "2a01:111:f403:c000::25");
	assert_int_equal(out.result, SPF_PASS);
	assert_string_equal(out.mechanism,
			    "include:spf.protection.outlook.com");
	spf_outcome_done(&out);
	out = eval(dns, "example.com", "192.0.2.25");
	assert_int_equal(out.result, SPF_PASS);
	assert_string_equal(out.mechanism, "mx");
	spf_outcome_done(&out);
	out = eval(dns, "example.com", "13.110.208.5");
	assert_int_equal(out.result, SPF_PERMERROR);
	assert_int_equal(out.dns_terms, 11);
	spf_outcome_done(&out);
	out = eval(dns, "example.com", "203.0.113.1");
	assert_int_equal(out.result, SPF_PERMERROR);
	spf_outcome_done(&out);
	dns_free(dns);
}

/* The include loop and the 40-deep chain end in permerror and give the
 * loop and lookup_limit findings. */
static void test_loop_and_chain(void **state)
{
	struct fixture *f = *state;
	struct spf_check *c = NULL;
	struct err err = ERR_INIT;
	struct spf_outcome out;
	struct dns *dns;
	size_t depth = 0;

	if (!f)
		skip();
	dns = live(f->server.address, 5);
	out = eval(dns, "loop.example.com", "192.0.2.1");
	assert_int_equal(out.result, SPF_PERMERROR);
	assert_int_equal(out.dns_terms, 11);
	spf_outcome_done(&out);
	assert_int_equal(spf_check_sync(dns, "loop.example.com", &c, &err),
			 STATUS_OK);
	assert_true(findings_has(&c->findings, F_SPF_LOOP));
	spf_check_free(c);

	out = eval(dns, "d1.chain.example.com", "192.0.2.1");
	assert_int_equal(out.result, SPF_PERMERROR);
	assert_int_equal(out.dns_terms, 11);
	spf_outcome_done(&out);
	assert_int_equal(spf_check_sync(dns, "d1.chain.example.com", &c, &err),
			 STATUS_OK);
	assert_true(findings_has(&c->findings, F_SPF_LOOKUP_LIMIT));
	/* Followed to SPF_TREE_DEPTH_MAX, then cut. */
	for (const struct spf_node *n = c->root; n->nchildren;
	     n = n->children[0])
		depth++;
	assert_int_equal(depth, SPF_TREE_DEPTH_MAX + 1);
	assert_true(c->lookups > 10);
	spf_check_free(c);
	dns_free(dns);
}

/* A 64 KB TXT answer comes over TCP and is read whole: the SPF record
 * after 250 other records is found; two records are permerror. */
static void test_big_answer(void **state)
{
	struct fixture *f = *state;
	struct spf_check *c = NULL;
	struct err err = ERR_INIT;
	struct spf_outcome out;
	struct dns *dns;
	struct dns_answer *a;

	if (!f)
		skip();
	dns = live(f->server.address, 5);
	a = dns_query_sync(dns, "big.example.com", DNS_T_TXT);
	if (a->result != DNS_DATA)
		fail_msg("%s: %s", dns_result_name(a->result), a->error);
	assert_int_equal(a->count, 251);
	dns_answer_free(a);
	out = eval(dns, "big.example.com", "192.0.2.1");
	assert_int_equal(out.result, SPF_PASS);
	spf_outcome_done(&out);
	out = eval(dns, "big2.example.com", "192.0.2.1");
	assert_int_equal(out.result, SPF_PERMERROR);
	spf_outcome_done(&out);
	assert_int_equal(spf_check_sync(dns, "big2.example.com", &c, &err),
			 STATUS_OK);
	assert_true(findings_has(&c->findings, F_SPF_MULTIPLE));
	spf_check_free(c);
	dns_free(dns);
}

/* SERVFAIL in the middle of the tree: temperror and a finding; an
 * address listed before the failing include still passes. */
static void test_servfail_mid_tree(void **state)
{
	struct fixture *f = *state;
	struct spf_check *c = NULL;
	struct err err = ERR_INIT;
	struct spf_outcome out;
	struct dns *dns;

	if (!f)
		skip();
	dns = live(f->server.address, 5);
	out = eval(dns, "sf.example.com", "203.0.113.9");
	assert_int_equal(out.result, SPF_TEMPERROR);
	spf_outcome_done(&out);
	out = eval(dns, "sf.example.com", "198.51.100.9");
	assert_int_equal(out.result, SPF_PASS);
	spf_outcome_done(&out);
	assert_int_equal(spf_check_sync(dns, "sf.example.com", &c, &err),
			 STATUS_OK);
	assert_false(c->dns_failed);
	assert_true(findings_has(&c->findings, F_SPF_TEMPERROR));
	assert_int_equal(c->root->children[0]->state, SPF_NODE_TEMPERROR);
	spf_check_free(c);
	dns_free(dns);
}

/* A UDP relay in front of nsd that never answers questions about names
 * with a label "timeout": a server that stopped answering. */
struct relay {
	int front, back;
	struct sockaddr_in clients[65536 / 64];
	char *address;
};

/* Opens the relay's sockets. */
static void relay_open(struct relay *r, int nsd_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;

	memset(r, 0, sizeof *r);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->front = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(bind(r->front, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(r->front, (struct sockaddr *)&sa, &len),
			 0);
	r->address = xasprintf("127.0.0.1:%d", ntohs(sa.sin_port));
	r->back = socket(AF_INET, SOCK_DGRAM, 0);
	sa.sin_port = htons((uint16_t)nsd_port);
	assert_int_equal(connect(r->back, (struct sockaddr *)&sa, sizeof sa),
			 0);
}

/* True if the question of a DNS message has a label "timeout". */
static bool asks_timeout(const unsigned char *m, size_t len)
{
	size_t i = 12;

	while (i < len && m[i] != 0) {
		size_t l = m[i];

		if (l == 7 && i + 8 <= len &&
		    strncasecmp((const char *)m + i + 1, "timeout", 7) == 0)
			return true;
		i += l + 1;
	}
	return false;
}

/* Moves one datagram in either direction, as poll() reported. */
static void relay_step(struct relay *r, const struct pollfd *p)
{
	unsigned char buf[4096];
	ssize_t n;

	if (p[0].revents & POLLIN) {
		struct sockaddr_in from;
		socklen_t len = sizeof from;

		n = recvfrom(r->front, buf, sizeof buf, 0,
			     (struct sockaddr *)&from, &len);
		if (n >= 12 && !asks_timeout(buf, (size_t)n)) {
			r->clients[((buf[0] << 8) | buf[1]) / 64] = from;
			(void)send(r->back, buf, (size_t)n, 0);
		}
	}
	if (p[1].revents & POLLIN) {
		n = recv(r->back, buf, sizeof buf, 0);
		if (n >= 12) {
			struct sockaddr_in *to =
			    &r->clients[((buf[0] << 8) | buf[1]) / 64];

			(void)sendto(r->front, buf, (size_t)n, 0,
				     (struct sockaddr *)to, sizeof *to);
		}
	}
}

/* Runs the resolver and the relay in one poll() loop until *done. */
static void relay_run(struct relay *r, struct dns *dns, const bool *done)
{
	while (!*done) {
		struct pollfd fds[66];
		size_t n = dns_pollfds(dns, fds + 2, 64);
		int timeout = dns_timeout_ms(dns);

		fds[0] = (struct pollfd){ .fd = r->front, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = r->back, .events = POLLIN };
		if (poll(fds, n + 2, timeout < 0 ? 1000 : timeout) < 0 &&
		    errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		relay_step(r, fds);
		dns_process(dns, fds + 2, n);
	}
}

/* What the asynchronous calls deliver. */
struct waiting {
	bool done;
	struct spf_outcome out;
	struct spf_check *check;
};

/* Keeps an outcome. */
static void eval_done(void *arg, struct spf_outcome *o)
{
	struct waiting *w = arg;

	w->out = *o;
	memset(o, 0, sizeof *o);
	w->done = true;
}

/* Keeps a check. */
static void check_done(void *arg, struct spf_check *c)
{
	struct waiting *w = arg;

	w->check = c;
	w->done = true;
}

/* A timeout in the middle of the tree: temperror and a finding, with
 * the resolver and the relay driven by the caller's own poll() loop. */
static void test_timeout_mid_tree(void **state)
{
	struct fixture *f = *state;
	struct spf_query q = { .domain = "to.example.com",
			       .sender = "user@to.example.com" };
	struct waiting w = { 0 };
	struct spf_check_run *run;
	struct spf_eval *ev;
	struct relay r;
	struct dns *dns;

	if (!f)
		skip();
	relay_open(&r, f->server.port);
	dns = live(r.address, 1);
	assert_true(ip_addr_parse("203.0.113.9", &q.ip));
	ev = spf_eval_start(dns, &q, eval_done, &w);
	relay_run(&r, dns, &w.done);
	assert_int_equal(w.out.result, SPF_TEMPERROR);
	assert_non_null(strstr(w.out.reason, "timeout.example.com"));
	spf_outcome_done(&w.out);
	spf_eval_free(ev);
	/* An address before the silent include still passes. */
	memset(&w, 0, sizeof w);
	assert_true(ip_addr_parse("198.51.100.9", &q.ip));
	ev = spf_eval_start(dns, &q, eval_done, &w);
	relay_run(&r, dns, &w.done);
	assert_int_equal(w.out.result, SPF_PASS);
	spf_outcome_done(&w.out);
	spf_eval_free(ev);
	memset(&w, 0, sizeof w);
	run = spf_check_start(dns, "to.example.com", check_done, &w);
	relay_run(&r, dns, &w.done);
	assert_false(w.check->dns_failed);
	assert_true(findings_has(&w.check->findings, F_SPF_TEMPERROR));
	assert_int_equal(w.check->root->children[0]->state, SPF_NODE_TEMPERROR);
	assert_non_null(strstr(w.check->root->children[0]->error, "timeout"));
	spf_check_free(w.check);
	spf_check_run_free(run);
	dns_free(dns);
	close(r.front);
	close(r.back);
	free(r.address);
}

/* The commands on the realistic tree: spf check names the costliest
 * branch and exits 1; spf build --flatten gets under the limit while
 * Google and Microsoft stay includes. */
static void test_commands(void **state)
{
	struct fixture *f = *state;
	struct testenv_run run;

	if (!f)
		skip();
	{
		const char *args[] = { "--resolver", f->server.address, "spf",
				       "check",      "example.com",     NULL };

		run = testenv_run_dmarcpilot(args, NULL);
		assert_int_equal(run.status, 1);
		assert_non_null(strstr(run.out, "DNS lookups: 11 of 10"));
		assert_non_null(strstr(run.out, "Costliest branch: "
						"include:_spf.google.com "
						"(4 lookups)"));
		assert_non_null(strstr(run.out, "spf.lookup_limit"));
		testenv_run_done(&run);
	}
	{
		const char *args[] = { "--resolver",   f->server.address,
				       "--json",       "spf",
				       "eval",         "example.com",
				       "64.233.160.7", NULL };

		run = testenv_run_dmarcpilot(args, NULL);
		assert_int_equal(run.status, 0);
		assert_non_null(strstr(run.out, "\"result\": \"pass\""));
		assert_non_null(strstr(run.out, "\"mechanism\": "
						"\"include:_spf.google.com\""));
		testenv_run_done(&run);
	}
	{
		/* a + mx (2) + Google 4 + Microsoft 1 + SendGrid 2 +
		 * Salesforce 2 = 11. Salesforce has exists (not
		 * flattenable), Google and Microsoft rotate: SendGrid goes,
		 * 9 lookups remain. */
		const char *args[] = { "--resolver", f->server.address,
				       "--db",       "/nonexistent/x",
				       "spf",        "build",
				       "--provider", "google-workspace",
				       "--provider", "microsoft-365",
				       "--provider", "sendgrid",
				       "--provider", "salesforce",
				       "--a",        "--mx",
				       "--flatten",  NULL };

		run = testenv_run_dmarcpilot(args, NULL);
		assert_int_equal(run.status, 0);
		/* SendGrid's and ab.sendgrid.net's ranges, deduplicated. */
		assert_non_null(strstr(run.out, "v=spf1 ip4:149.72.0.0/16 "));
		assert_non_null(strstr(run.out, " ip4:167.89.0.0/17 "));
		assert_non_null(strstr(run.out, "into 9 ranges"));
		assert_non_null(strstr(run.out, "include:_spf.google.com"));
		assert_non_null(
		    strstr(run.out, "include:spf.protection.outlook.com"));
		assert_non_null(strstr(run.out, "include:_spf.salesforce.com"));
		assert_non_null(strstr(run.out, "DNS lookups: 9 of 10"));
		/* The record (the first line) no longer includes SendGrid. */
		*strchr(run.out, '\n') = '\0';
		assert_null(strstr(run.out, "sendgrid.net"));
		testenv_run_done(&run);
	}
	{
		const char *args[] = {
			"--resolver", f->server.address,     "spf",
			"check",      "nothing.broken.test", NULL
		};

		/* The domain's own query fails: exit 2 naming it. */
		run = testenv_run_dmarcpilot(args, NULL);
		assert_int_equal(run.status, 2);
		assert_non_null(strstr(run.err, "nothing.broken.test"));
		testenv_run_done(&run);
	}
}

/* domain adopt of a domain whose nsd serves two SPF records (RFC 7208
 * 4.5: permerror) takes neither: it names the finding spf.multiple and
 * exits 1, and nothing is recorded (a third record cannot pick one). */
static void test_adopt_two_records(void **state)
{
	struct nsd_server server;
	struct testenv_run run;
	char *pre, *text, *dir, *db, *rows;

	if (!*state)
		skip();
	pre = nsd_zone_preamble("twospf.test");
	text = xasprintf("%s"
			 "@ TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
			 "@ TXT \"v=spf1 include:_spf.google.com ~all\"\n"
			 "_dmarc TXT \"v=DMARC1; p=none\"\n",
			 pre);
	{
		struct nsd_zone zones[] = { { "twospf.test", text } };

		assert_true(nsd_start(&server, zones, 1));
	}
	dir = testenv_mkdtemp();
	db = xasprintf("%s/state.db", dir);
	{
		const char *add[] = { "--resolver",  server.address,
				      "--db",        db,
				      "domain",      "add",
				      "twospf.test", NULL };

		/* Tracked, but what it serves is not adopted. */
		run = testenv_run_dmarcpilot(add, NULL);
		assert_int_equal(run.status, 0);
		assert_non_null(strstr(run.err, "2 SPF records"));
		testenv_run_done(&run);
	}
	{
		const char *adopt[] = { "--resolver",  server.address,
					"--db",        db,
					"domain",      "adopt",
					"twospf.test", NULL };

		run = testenv_run_dmarcpilot(adopt, NULL);
		assert_int_equal(run.status, 1);
		assert_non_null(strstr(run.out, "spf.multiple"));
		assert_non_null(strstr(run.out, "twospf.test has 2 SPF"));
		assert_null(strstr(run.out, "recorded as live"));
		testenv_run_done(&run);
	}
	{
		const char *adopt[] = { "--resolver", server.address, "--db",
					db,           "--json",       "domain",
					"adopt",      "twospf.test",  NULL };

		run = testenv_run_dmarcpilot(adopt, NULL);
		assert_int_equal(run.status, 1);
		assert_non_null(strstr(run.out, "\"code\": \"spf.multiple\""));
		testenv_run_done(&run);
	}
	rows = testenv_db_text(db, "SELECT count(*) FROM rung_history");
	assert_string_equal(rows, "0");
	free(rows);
	nsd_stop(&server);
	testenv_rmdir(dir);
	free(dir);
	free(db);
	free(text);
	free(pre);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_realistic_tree),
		cmocka_unit_test(test_realistic_eval),
		cmocka_unit_test(test_loop_and_chain),
		cmocka_unit_test(test_big_answer),
		cmocka_unit_test(test_servfail_mid_tree),
		cmocka_unit_test(test_timeout_mid_tree),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_adopt_two_records),
	};

	return cmocka_run_group_tests_name("spf_nsd", tests, setup, teardown);
}
