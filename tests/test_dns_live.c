/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live resolver against a real nsd on 127.0.0.1: every answer kind
 * the SPF, DKIM and DMARC checks tell apart, large TXT records over TCP,
 * unreachable servers, many queries at once, cancellation. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns/dns.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* More than any window of queries in flight: the rest wait their turn. */
#define IN_FLIGHT 3000
#define BIG_STRINGS 12 /* 12 x 250 octets: beyond any UDP size we offer */

struct fixture {
	struct nsd_server nsd;
	struct dns *dns;
	char *zones[4];
};

/* A character-string of 250 copies of one letter. */
static void add_long_string(struct strbuf *sb, char letter)
{
	strbuf_addch(sb, '"');
	for (int i = 0; i < 250; i++)
		strbuf_addch(sb, letter);
	strbuf_addstr(sb, "\" ");
}

/* The zone of most tests. */
static char *example_zone(void)
{
	char *preamble = nsd_zone_preamble("example.test");
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, preamble);
	free(preamble);
	strbuf_addstr(
	    &sb, "@ IN MX 10 mx1\n"
		 "@ IN MX 20 mx2\n"
		 "@ IN TXT \"v=spf1 include:_spf.example.test \" \"-all\"\n"
		 "@ IN TXT \"google-site-verification=abc\"\n"
		 "mx1 IN A 192.0.2.25\n"
		 "mx2 IN AAAA 2001:db8::25\n"
		 "www IN CNAME web\n"
		 "web IN A 192.0.2.80\n"
		 "c1 IN CNAME c2\n"
		 "c2 IN CNAME www\n"
		 "away IN CNAME host.elsewhere.invalid.\n"
		 "x.deep IN A 192.0.2.9\n"
		 "a\\032b IN TXT \"space\"\n");
	/* 700 octets: fits the EDNS UDP size, not the classic 512. */
	strbuf_addstr(&sb, "mid IN TXT ");
	for (int i = 0; i < 3; i++)
		add_long_string(&sb, (char)('p' + i));
	strbuf_addstr(&sb, "\nbig IN TXT ");
	for (int i = 0; i < BIG_STRINGS; i++)
		add_long_string(&sb, (char)('a' + i));
	strbuf_addch(&sb, '\n');
	for (int i = 0; i < IN_FLIGHT; i++)
		strbuf_addf(&sb, "q%d IN TXT \"value-%d\"\n", i, i);
	return strbuf_detach(&sb);
}

/* Starts nsd with the example zone, two reverse zones and a zone that
 * does not load (nsd answers SERVFAIL for it). */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *p4 = nsd_zone_preamble("2.0.192.in-addr.arpa");
	char *p6 = nsd_zone_preamble("8.b.d.0.1.0.0.2.ip6.arpa");
	struct nsd_zone zones[3];
	struct dns_live_options o = { .timeout = 5 };
	struct err err = ERR_INIT;

	*state = f;
	if (!nsd_available())
		return 0;
	f->zones[0] = example_zone();
	f->zones[1] = xasprintf("%s25 IN PTR mx1.example.test.\n", p4);
	f->zones[2] = xasprintf("%s5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
				"0.0.0.0 IN PTR mx2.example.test.\n",
				p6);
	zones[0] = (struct nsd_zone){ "example.test", f->zones[0] };
	zones[1] = (struct nsd_zone){ "2.0.192.in-addr.arpa", f->zones[1] };
	zones[2] = (struct nsd_zone){ "8.b.d.0.1.0.0.2.ip6.arpa", f->zones[2] };
	free(p4);
	free(p6);
	if (!nsd_start(&f->nsd, zones, 3))
		return -1;
	o.servers = f->nsd.address;
	if (dns_new_live(&f->dns, &o, &err) != STATUS_OK) {
		fprintf(stderr, "%s\n", err_message(&err));
		err_done(&err);
		return -1;
	}
	/* nsd accepts TCP before it serves UDP; on a loaded machine the
	 * zone may take a while to load. */
	for (int i = 0; i < 10; i++) {
		struct dns_answer *a =
		    dns_query_sync(f->dns, "example.test", DNS_T_SOA);
		bool ok = a->result == DNS_DATA;

		dns_answer_free(a);
		if (ok)
			return 0;
	}
	return -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dns_free(f->dns);
	if (f->nsd.pid)
		nsd_stop(&f->nsd);
	for (int i = 0; i < 4; i++)
		free(f->zones[i]);
	free(f);
	return 0;
}

/* The fixture, or a skip when nsd is not installed. */
static struct fixture *need_nsd(void **state)
{
	struct fixture *f = *state;

	if (!f->dns)
		skip();
	return f;
}

/* An SPF record split into two strings stays two strings, next to a
 * second TXT RR; the answer is authoritative and names the server. */
static void test_txt_data(void **state)
{
	struct fixture *f = need_nsd(state);
	struct dns_answer *a =
	    dns_query_sync(f->dns, "Example.TEST.", DNS_T_TXT);
	struct dns_txt_string *joined;
	size_t n, spf = 0;

	assert_int_equal(a->result, DNS_DATA);
	assert_int_equal(a->rcode, 0);
	assert_true(a->authoritative);
	assert_string_equal(a->server, f->nsd.address);
	assert_string_equal(a->qname, "example.test");
	assert_int_equal(a->count, 2);
	if (a->rrs[1].u.txt.count == 2)
		spf = 1;
	assert_string_equal(a->rrs[spf].name, "example.test");
	assert_int_equal(a->rrs[spf].ttl, 300);
	assert_int_equal(a->rrs[spf].u.txt.count, 2);
	assert_string_equal(a->rrs[spf].u.txt.strings[0].data,
			    "v=spf1 include:_spf.example.test ");
	assert_string_equal(a->rrs[spf].u.txt.strings[1].data, "-all");
	assert_int_equal(a->rrs[1 - spf].u.txt.count, 1);
	joined = dns_answer_txt_joined(a, &n);
	assert_int_equal(n, 2);
	assert_string_equal(joined[spf].data,
			    "v=spf1 include:_spf.example.test -all");
	dns_txt_joined_free(joined, n);
	dns_answer_free(a);
}

/* RFC 7208 4.6.4 and RFC 7489 6.6.3 depend on telling these apart. */
static void test_nodata_vs_nxdomain(void **state)
{
	struct fixture *f = need_nsd(state);
	struct dns_answer *a;

	a = dns_query_sync(f->dns, "mx1.example.test", DNS_T_TXT);
	assert_int_equal(a->result, DNS_NODATA);
	assert_int_equal(a->rcode, 0);
	assert_int_equal(a->count, 0);
	dns_answer_free(a);

	a = dns_query_sync(f->dns, "nope.example.test", DNS_T_TXT);
	assert_int_equal(a->result, DNS_NXDOMAIN);
	assert_int_equal(a->rcode, 3);
	assert_true(a->authoritative);
	dns_answer_free(a);

	/* An empty non-terminal exists (RFC 8020). */
	a = dns_query_sync(f->dns, "deep.example.test", DNS_T_A);
	assert_int_equal(a->result, DNS_NODATA);
	dns_answer_free(a);
}

/* A name with a raw space (an SPF macro can expand to one) is asked
 * with the octet itself and finds its record. */
static void test_raw_octets_in_name(void **state)
{
	struct fixture *f = need_nsd(state);
	struct dns_answer *a =
	    dns_query_sync(f->dns, "a b.example.test", DNS_T_TXT);

	assert_int_equal(a->result, DNS_DATA);
	assert_string_equal(a->rrs[0].u.txt.strings[0].data, "space");
	dns_answer_free(a);
}

/* MX, A, AAAA, NS, SOA and CNAME come out decoded. */
static void test_record_types(void **state)
{
	struct fixture *f = need_nsd(state);
	struct dns_answer *a;
	char buf[INET6_ADDRSTRLEN];

	a = dns_query_sync(f->dns, "example.test", DNS_T_MX);
	assert_int_equal(a->result, DNS_DATA);
	assert_int_equal(a->count, 2);
	for (size_t i = 0; i < 2; i++) {
		if (a->rrs[i].u.mx.preference == 10)
			assert_string_equal(a->rrs[i].u.mx.host,
					    "mx1.example.test");
		else
			assert_string_equal(a->rrs[i].u.mx.host,
					    "mx2.example.test");
	}
	dns_answer_free(a);

	a = dns_query_sync(f->dns, "mx1.example.test", DNS_T_A);
	assert_int_equal(a->result, DNS_DATA);
	inet_ntop(AF_INET, &a->rrs[0].u.a, buf, sizeof buf);
	assert_string_equal(buf, "192.0.2.25");
	dns_answer_free(a);

	a = dns_query_sync(f->dns, "mx2.example.test", DNS_T_AAAA);
	assert_int_equal(a->result, DNS_DATA);
	inet_ntop(AF_INET6, &a->rrs[0].u.aaaa, buf, sizeof buf);
	assert_string_equal(buf, "2001:db8::25");
	dns_answer_free(a);

	a = dns_query_sync(f->dns, "example.test", DNS_T_NS);
	assert_int_equal(a->result, DNS_DATA);
	assert_int_equal(a->count, 1);
	assert_string_equal(a->rrs[0].u.host, "ns1.example.test");
	dns_answer_free(a);

	a = dns_query_sync(f->dns, "example.test", DNS_T_SOA);
	assert_int_equal(a->result, DNS_DATA);
	assert_string_equal(a->rrs[0].u.soa.mname, "ns1.example.test");
	assert_string_equal(a->rrs[0].u.soa.rname, "hostmaster.example.test");
	assert_int_equal(a->rrs[0].u.soa.serial, 1);
	assert_int_equal(a->rrs[0].u.soa.minimum, 300);
	dns_answer_free(a);

	/* Asking for the CNAME itself gives it, not its target. */
	a = dns_query_sync(f->dns, "www.example.test", DNS_T_CNAME);
	assert_int_equal(a->result, DNS_DATA);
	assert_int_equal(a->count, 1);
	assert_string_equal(a->rrs[0].u.host, "web.example.test");
	dns_answer_free(a);
}

/* CNAME chains come first in the answer, then the data at the end. */
static void test_cname_chain(void **state)
{
	struct fixture *f = need_nsd(state);
	struct dns_answer *a;
	char buf[INET_ADDRSTRLEN];

	a = dns_query_sync(f->dns, "c1.example.test", DNS_T_A);
	assert_int_equal(a->result, DNS_DATA);
	assert_int_equal(a->count, 4);
	assert_int_equal(a->rrs[0].type, DNS_T_CNAME);
	assert_string_equal(a->rrs[0].name, "c1.example.test");
	assert_string_equal(a->rrs[0].u.host, "c2.example.test");
	assert_string_equal(a->rrs[1].u.host, "www.example.test");
	assert_string_equal(a->rrs[2].u.host, "web.example.test");
	assert_int_equal(a->rrs[3].type, DNS_T_A);
	assert_string_equal(a->rrs[3].name, "web.example.test");
	inet_ntop(AF_INET, &a->rrs[3].u.a, buf, sizeof buf);
	assert_string_equal(buf, "192.0.2.80");
	dns_answer_free(a);

	/* A CNAME out of the server's zones: no data behind it here. */
	a = dns_query_sync(f->dns, "away.example.test", DNS_T_TXT);
	assert_int_equal(a->result, DNS_NODATA);
	assert_int_equal(a->count, 1);
	assert_string_equal(a->rrs[0].u.host, "host.elsewhere.invalid");
	dns_answer_free(a);
}

/* Stores a copy of an answer. */
static void keep_answer(void *arg, const struct dns_answer *answer)
{
	*(struct dns_answer **)arg = dns_answer_dup(answer);
}

/* Report sources are looked up by PTR, IPv4 and IPv6. */
static void test_reverse(void **state)
{
	struct fixture *f = need_nsd(state);
	struct dns_answer *v4 = NULL, *v6 = NULL;

	dns_query_reverse(f->dns, "192.0.2.25", keep_answer, &v4);
	dns_query_reverse(f->dns, "2001:db8::25", keep_answer, &v6);
	assert_int_equal(dns_run(f->dns), STATUS_OK);
	assert_int_equal(v4->result, DNS_DATA);
	assert_string_equal(v4->qname, "25.2.0.192.in-addr.arpa");
	assert_string_equal(v4->rrs[0].u.host, "mx1.example.test");
	assert_int_equal(v6->result, DNS_DATA);
	assert_string_equal(v6->rrs[0].u.host, "mx2.example.test");
	dns_answer_free(v4);
	dns_answer_free(v6);
}

/* Checks that a TXT RR has n strings of 250 copies of first, first+1.. */
static void assert_long_txt(const struct dns_answer *a, int n, char first)
{
	assert_int_equal(a->result, DNS_DATA);
	assert_int_equal(a->count, 1);
	assert_int_equal(a->rrs[0].u.txt.count, n);
	for (int i = 0; i < n; i++) {
		const struct dns_txt_string *s = &a->rrs[0].u.txt.strings[i];

		assert_int_equal(s->len, 250);
		for (size_t j = 0; j < s->len; j++)
			assert_int_equal(s->data[j], first + i);
	}
}

/* A DKIM key of 4096 bits does not fit 512 octets: EDNS carries 700
 * octets over UDP, and 3000 octets come over TCP after truncation. */
static void test_large_txt(void **state)
{
	struct fixture *f = need_nsd(state);
	struct dns_answer *a;

	a = dns_query_sync(f->dns, "mid.example.test", DNS_T_TXT);
	assert_long_txt(a, 3, 'p');
	dns_answer_free(a);
	a = dns_query_sync(f->dns, "big.example.test", DNS_T_TXT);
	assert_long_txt(a, BIG_STRINGS, 'a');
	assert_string_equal(a->server, f->nsd.address);
	dns_answer_free(a);
}

/* A name outside every zone nsd serves is REFUSED, kept as such. */
static void test_refused(void **state)
{
	struct fixture *f = need_nsd(state);
	struct dns_answer *a = dns_query_sync(f->dns, "example.org", DNS_T_TXT);

	assert_int_equal(a->result, DNS_ERROR);
	assert_int_equal(a->rcode, 5);
	assert_non_null(strstr(a->error, f->nsd.address));
	assert_non_null(strstr(a->error, "example.org"));
	dns_answer_free(a);
}

/* Counts answers of the in-flight test. */
struct flight {
	int answered, right;
};

/* Checks that answer qN carries "value-N". */
static void flight_answer(void *arg, const struct dns_answer *a)
{
	struct flight *fl = arg;
	int n;
	char want[32];

	fl->answered++;
	if (a->result != DNS_DATA || a->count != 1 ||
	    sscanf(a->qname, "q%d.", &n) != 1)
		return;
	snprintf(want, sizeof want, "value-%d", n);
	if (a->rrs[0].u.txt.count == 1 &&
	    strcmp(a->rrs[0].u.txt.strings[0].data, want) == 0)
		fl->right++;
}

/* Milliseconds on the monotonic clock. */
static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* An audit sends all its queries at once; every one is answered. */
static void test_many_in_flight(void **state)
{
	struct fixture *f = need_nsd(state);
	struct flight fl = { 0, 0 };
	size_t asked = dns_questions_asked(f->dns);
	double start;

	start = now_ms();
	for (int i = 0; i < IN_FLIGHT; i++) {
		char name[64];

		snprintf(name, sizeof name, "q%d.example.test", i);
		dns_query(f->dns, name, DNS_T_TXT, flight_answer, &fl);
	}
	assert_int_equal(dns_pending(f->dns), IN_FLIGHT);
	assert_int_equal(fl.answered, 0);
	assert_int_equal(dns_run(f->dns), STATUS_OK);
	/* Reported for the record, never asserted. */
	fprintf(stderr, "# %d queries in flight answered in %.1f ms\n",
		IN_FLIGHT, now_ms() - start);
	assert_int_equal(fl.answered, IN_FLIGHT);
	assert_int_equal(fl.right, IN_FLIGHT);
	assert_int_equal(dns_pending(f->dns), 0);
	assert_int_equal(dns_questions_asked(f->dns) - asked, IN_FLIGHT);
}

/* Names asked of the lossy server, and its answers a second. */
#define LOSSY_NAMES 400
#define LOSSY_RATE 100

/* What the lossy server's answers came to. */
struct lossy {
	int calls, data, timeout, other;
};

/* Counts one answer of the lossy server by its kind. */
static void lossy_answer(void *arg, const struct dns_answer *a)
{
	struct lossy *l = arg;

	l->calls++;
	if (a->result == DNS_DATA && a->count == 1)
		l->data++;
	else if (a->result == DNS_TIMEOUT)
		l->timeout++;
	else
		l->other++;
}

/* A server that loses answers: nsd with its response rate limit on (of
 * the answers of one wildcard, 100 a second, the rest dropped), asked
 * 400 names at once. The losses cut the window of queries in flight,
 * and every name is still answered or reported as a timeout, once. */
static void test_window_adapts_to_losses(void **state)
{
	char *pre = nsd_zone_preamble("lossy.test");
	char *zone = xasprintf("%s* IN TXT \"wild\"\n", pre);
	struct nsd_zone zones[] = { { "lossy.test", zone } };
	struct dns_live_options o = { .timeout = 30, .tries = 5 };
	struct dns_window_stats before, after;
	struct err err = ERR_INIT;
	struct nsd_server server;
	struct lossy l = { 0 };
	struct dns *dns;

	(void)state;
	if (!nsd_available())
		skip();
	assert_true(nsd_start_lossy(&server, zones, 1, LOSSY_RATE));
	o.servers = server.address;
	assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
	assert_true(dns_window_stats(dns, &before));
	for (int i = 0; i < LOSSY_NAMES; i++) {
		char name[64];

		snprintf(name, sizeof name, "n%d.lossy.test", i);
		dns_query(dns, name, DNS_T_TXT, lossy_answer, &l);
	}
	assert_int_equal(dns_run(dns), STATUS_OK);
	assert_true(dns_window_stats(dns, &after));
	/* Reported for the record, never asserted. */
	fprintf(stderr,
		"# window %zu, grown to %zu, cut %lu times to %zu; "
		"%d answered, %d timed out\n",
		before.window, after.most, after.cuts, after.least, l.data,
		l.timeout);
	assert_int_equal(l.calls, LOSSY_NAMES);
	assert_int_equal(l.other, 0);
	assert_int_equal(l.data + l.timeout, LOSSY_NAMES);
	assert_true(l.data > LOSSY_RATE);
	assert_true(after.cuts >= 1);
	/* Halved (RFC 5681 3.1) from the most it had reached. */
	assert_true(after.least <= after.most / 2);
	assert_int_equal(dns_pending(dns), 0);
	dns_free(dns);
	nsd_stop(&server);
	free(zone);
	free(pre);
}

/* Appends an answer's first TXT string to the strbuf in arg. */
static void merged_answer(void *arg, const struct dns_answer *a)
{
	struct strbuf *sb = arg;

	strbuf_addf(sb, "%s=%s ", a->qname,
		    a->result == DNS_DATA && a->count == 1
			? a->rrs[0].u.txt.strings[0].data
			: dns_result_name(a->result));
}

/* The same question asked while it is in flight is sent once and
 * answered to every caller, in the order they asked; asked again once
 * answered, it is sent again. */
static void test_merged_in_flight(void **state)
{
	struct fixture *f = need_nsd(state);
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	size_t asked = dns_questions_asked(f->dns);

	dns_query(f->dns, "q1.example.test", DNS_T_TXT, merged_answer, &a);
	dns_query(f->dns, "Q1.example.test.", DNS_T_TXT, merged_answer, &b);
	dns_query(f->dns, "q2.example.test", DNS_T_TXT, merged_answer, &a);
	dns_query(f->dns, "q1.example.test", DNS_T_TXT, merged_answer, &a);
	dns_query(f->dns, "q1.example.test", DNS_T_A, merged_answer, &b);
	assert_int_equal(dns_pending(f->dns), 5);
	assert_int_equal(dns_questions_asked(f->dns) - asked, 3);
	assert_int_equal(dns_run(f->dns), STATUS_OK);
	assert_string_equal(strbuf_str(&b), "q1.example.test=value-1 "
					    "q1.example.test=nodata ");
	assert_non_null(strstr(strbuf_str(&a), "q1.example.test=value-1 "
					       "q1.example.test=value-1"));
	assert_non_null(strstr(strbuf_str(&a), "q2.example.test=value-2"));
	dns_answer_free(dns_query_sync(f->dns, "q1.example.test", DNS_T_TXT));
	assert_int_equal(dns_questions_asked(f->dns) - asked, 4);
	strbuf_done(&a);
	strbuf_done(&b);
}

/* Cancelling ends every query with DNS_ERROR "cancelled", once. */
static void test_cancel(void **state)
{
	struct fixture *f = need_nsd(state);
	struct dns_answer *a[5] = { NULL };

	for (int i = 0; i < 5; i++)
		dns_query(f->dns, "example.test", DNS_T_TXT, keep_answer,
			  &a[i]);
	dns_cancel_all(f->dns);
	assert_int_equal(dns_pending(f->dns), 0);
	for (int i = 0; i < 5; i++) {
		assert_non_null(a[i]);
		assert_int_equal(a[i]->result, DNS_ERROR);
		assert_string_equal(a[i]->error, "cancelled");
		dns_answer_free(a[i]);
	}
	/* The resolver still works afterwards. */
	a[0] = dns_query_sync(f->dns, "example.test", DNS_T_MX);
	assert_int_equal(a[0]->result, DNS_DATA);
	dns_answer_free(a[0]);
}

/* Freeing a resolver with queries outstanding calls them back. */
static void test_free_outstanding(void **state)
{
	struct fixture *f = need_nsd(state);
	struct dns_live_options o = { .servers = f->nsd.address };
	struct err err = ERR_INIT;
	struct dns_answer *a = NULL;
	struct dns *dns;

	assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
	dns_query(dns, "example.test", DNS_T_A, keep_answer, &a);
	dns_free(dns);
	assert_non_null(a);
	assert_int_equal(a->result, DNS_ERROR);
	dns_answer_free(a);
}

/* A live resolver on servers, with a short timeout. */
static struct dns *short_resolver(const char *servers, double timeout)
{
	struct dns_live_options o = { .servers = servers, .timeout = timeout };
	struct err err = ERR_INIT;
	struct dns *dns;

	if (dns_new_live(&dns, &o, &err) != STATUS_OK)
		fail_msg("%s", err_message(&err));
	return dns;
}

/* A UDP socket on 127.0.0.1 that never answers; *port receives its port. */
static int black_hole(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A server that never answers: TIMEOUT, naming the server. */
static void test_timeout(void **state)
{
	int port, fd = black_hole(&port);
	char *servers = xasprintf("127.0.0.1:%d", port);
	struct dns *dns = short_resolver(servers, 0.3);
	struct dns_answer *a = dns_query_sync(dns, "example.test", DNS_T_TXT);

	assert_int_equal(a->result, DNS_TIMEOUT);
	assert_non_null(a->error);
	assert_non_null(strstr(a->error, servers));
	assert_non_null(strstr(a->error, "example.test"));
	dns_answer_free(a);
	dns_free(dns);
	close(fd);
	free(servers);
}

/* A closed port (ICMP port unreachable) is a timeout too: no server
 * answered; the error names the address. */
static void test_unreachable(void **state)
{
	int port = nsd_free_port();
	char *servers = xasprintf("127.0.0.1:%d", port);
	struct dns *dns = short_resolver(servers, 1);
	struct dns_answer *a = dns_query_sync(dns, "example.test", DNS_T_TXT);

	assert_int_equal(a->result, DNS_TIMEOUT);
	assert_non_null(strstr(a->error, servers));
	dns_answer_free(a);
	dns_free(dns);
	free(servers);
}

/* With a dead first server the second answers, and is named. */
static void test_failover(void **state)
{
	struct fixture *f = need_nsd(state);
	int port, fd = black_hole(&port);
	char *servers = xasprintf("127.0.0.1:%d,%s", port, f->nsd.address);
	struct dns *dns = short_resolver(servers, 3);
	struct dns_answer *a = dns_query_sync(dns, "example.test", DNS_T_MX);

	assert_int_equal(a->result, DNS_DATA);
	assert_string_equal(a->server, f->nsd.address);
	dns_answer_free(a);
	dns_free(dns);
	close(fd);
	free(servers);
}

/* Bad --resolver values are refused with the value in the message. */
static void test_bad_servers(void **state)
{
	static const char *const bad[] = {
		"resolver.example",
		"127.0.0.1:99999",
		"127.0.0.1:",
		"127.0.0.1,",
		"",
		"[::1",
		"300.1.2.3",
		"[::1]x",
	};
	static const char *const good[] = {
		"127.0.0.1",
		"127.0.0.1:5353,192.0.2.1",
		"[::1]:5353",
		"::1",
	};

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct dns_live_options o = { .servers = bad[i] };
		struct err err = ERR_INIT;
		struct dns *dns = NULL;

		assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_USAGE);
		assert_null(dns);
		assert_non_null(strstr(err_message(&err), bad[i]));
		err_done(&err);
	}
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		struct dns_live_options o = { .servers = good[i] };
		struct err err = ERR_INIT;
		struct dns *dns = NULL;

		assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
		dns_free(dns);
	}
}

/* What the scripted server saw and how it answers. */
struct scripted {
	int fd;
	int rd;   /* the RD bit of the last query, -1 before one came */
	int mode; /* 0: malformed answer section, 1: SERVFAIL */
};

/* Answers one query on the scripted server. */
static void scripted_answer(struct scripted *s)
{
	unsigned char q[1500], r[1600];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof from;
	ssize_t n =
	    recvfrom(s->fd, q, sizeof q, 0, (struct sockaddr *)&from, &fromlen);
	size_t qend = 12;

	assert_true(n > 12);
	s->rd = q[2] & 1;
	/* Header and the question only (RFC 1035 4.1.2). */
	while (qend < (size_t)n && q[qend])
		qend += q[qend] + 1;
	qend += 5;
	memcpy(r, q, qend);
	r[2] = (unsigned char)(0x84 | (q[2] & 1)); /* QR, AA, RD copied */
	r[3] = s->mode == 1 ? 2 : 0;
	r[4] = 0, r[5] = 1;                    /* QDCOUNT */
	r[6] = 0, r[7] = s->mode == 1 ? 0 : 1; /* ANCOUNT */
	memset(r + 8, 0, 4);
	if (s->mode == 0) {
		/* An A RR claiming 10 octets of data, with 2. */
		static const unsigned char rr[] = { 0xc0, 12, 0,  1, 0,  1, 0,
						    0,    0,  60, 0, 10, 1, 2 };

		memcpy(r + qend, rr, sizeof rr);
		qend += sizeof rr;
	}
	sendto(s->fd, r, qend, 0, (struct sockaddr *)&from, fromlen);
}

/* Runs the resolver's loop with the scripted server's socket added, as
 * the TUI adds stdin, until the query is answered. */
static void scripted_run(struct dns *dns, struct scripted *s,
			 struct dns_answer **slot)
{
	while (!*slot) {
		struct pollfd fds[9];
		size_t n = dns_pollfds(dns, fds, 8);
		int timeout = dns_timeout_ms(dns);

		fds[n].fd = s->fd;
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		assert_true(poll(fds, n + 1, timeout) >= 0 || errno == EINTR);
		if (fds[n].revents & POLLIN)
			scripted_answer(s);
		dns_process(dns, fds, n);
	}
}

/* A garbled answer is DNS_ERROR naming the server; SERVFAIL keeps its
 * rcode; no_recursion clears RD and recursion sets it. */
static void test_scripted_server(void **state)
{
	struct scripted s = { .rd = -1 };
	int port;
	char *servers;
	struct dns_live_options o = { .timeout = 2, .tries = 1 };
	struct err err = ERR_INIT;
	struct dns *dns;
	struct dns_answer *a = NULL;

	s.fd = black_hole(&port);
	servers = xasprintf("127.0.0.1:%d", port);
	o.servers = servers;
	o.no_recursion = true;
	assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
	dns_query(dns, "garbled.example.test", DNS_T_A, keep_answer, &a);
	scripted_run(dns, &s, &a);
	assert_int_equal(s.rd, 0);
	assert_int_equal(a->result, DNS_ERROR);
	assert_non_null(strstr(a->error, servers));
	assert_non_null(strstr(a->error, "garbled.example.test"));
	dns_answer_free(a);
	dns_free(dns);

	o.no_recursion = false;
	s.mode = 1;
	a = NULL;
	assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
	dns_query(dns, "broken.example.test", DNS_T_TXT, keep_answer, &a);
	scripted_run(dns, &s, &a);
	assert_int_equal(s.rd, 1);
	assert_int_equal(a->result, DNS_SERVFAIL);
	assert_int_equal(a->rcode, 2);
	assert_string_equal(a->server, servers);
	assert_non_null(strstr(a->error, servers));
	dns_answer_free(a);
	dns_free(dns);
	close(s.fd);
	free(servers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt_data),
		cmocka_unit_test(test_nodata_vs_nxdomain),
		cmocka_unit_test(test_record_types),
		cmocka_unit_test(test_raw_octets_in_name),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_reverse),
		cmocka_unit_test(test_large_txt),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_many_in_flight),
		cmocka_unit_test(test_window_adapts_to_losses),
		cmocka_unit_test(test_merged_in_flight),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_free_outstanding),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_bad_servers),
		cmocka_unit_test(test_scripted_server),
	};

	return cmocka_run_group_tests_name("dns_live", tests, setup, teardown);
}
