/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: raw DNS replies, as a hostile zone's servers may send
 * them, fed through the checks that read them: DMARC discovery (the tree
 * walk and the report authorizations), SPF evaluation (check_host) and
 * the SPF accounting, and the DKIM key lookup; every result is turned
 * into the JSON and text the commands print. fuzz_dns_answer parses one
 * reply alone; here the records reach the engines that copy, join and
 * print them (where a NUL octet inside a TXT string once read past the
 * record's end).
 *
 * The input is a series of replies, each a 2-octet big-endian length
 * and that many octets of wire format (RFC 1035 4.1), handed out in the
 * order the engines ask; a question past the last reply gets NXDOMAIN.
 * With FUZZ_DNS_TRACE set, the questions are printed in that order (to
 * write seeds: fuzz/seeds/make-dns-checks-seeds.py). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "dmarc/dmarc.h"
#include "dns/dns.h"
#include "dns/dns_private.h"
#include "dmarc/orgdomain.h"
#include "spf/spf_check.h"
#include "spf/spf_eval.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The replies not handed out yet. */
struct replay {
	const uint8_t *data;
	size_t size;
	bool trace;
};

/* Answers a question with the next reply of the input. */
static void replay_query(struct dns *dns, struct dns_request *req)
{
	struct replay *r = dns->impl;
	struct dns_answer *a;
	size_t len;

	if (r->trace)
		fprintf(stderr, "%s %s\n", dns_type_name(req->type), req->name);
	if (r->size < 2) {
		dns_request_defer(req, dns_answer_new(req, DNS_NXDOMAIN));
		return;
	}
	len = (size_t)r->data[0] << 8 | r->data[1];
	if (len > r->size - 2)
		len = r->size - 2;
	a = dns_answer_from_wire(req->name, req->type, r->data + 2, len,
				 "192.0.2.53:53");
	r->data += 2 + len;
	r->size -= 2 + len;
	dns_request_defer(req, a);
}

/* Frees the cursor; the input belongs to libFuzzer. */
static void replay_free(struct dns *dns)
{
	free(dns->impl);
}

static const struct dns_backend_ops replay_ops = {
	.query = replay_query,
	.free = replay_free,
	.offline = true,
};

/* Prints a JSON value as the commands do, and drops it. */
static void json_use(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));

	free(s);
	json_decref(j);
}

/* Keeps the DKIM result to print it. */
static void dkim_done(void *arg, struct dkim_selector_result *r)
{
	json_t *f = findings_to_json(&r->findings);

	(void)arg;
	json_use(f);
	free(dkim_zone_line(r->name, &r->record, r->record ? 1 : 0));
	dkim_selector_result_done(r);
	free(r);
}

/* One run of each engine over the replies. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct orgdomain *od;
	struct replay *r = xcalloc(1, sizeof *r);
	struct dns *dns;
	struct dmarc_discovery *d;
	struct spf_query q = { .sender = "postmaster@example.com",
			       .helo = "mail.example.com" };
	struct spf_outcome out;
	struct spf_check *check = NULL;
	struct err err = ERR_INIT;

	if (!od)
		od = orgdomain_new();
	r->data = data;
	r->size = size;
	r->trace = getenv("FUZZ_DNS_TRACE") != NULL;
	dns = dns_new_backend(&replay_ops, r);

	d = dmarc_discover(dns, od, "mail.example.com", 0);
	dns_run(dns);
	if (dmarc_discovery_result(d))
		json_use(dmarc_result_to_json(dmarc_discovery_result(d)));
	dmarc_discovery_free(d);

	if (!ip_addr_parse("192.0.2.1", &q.ip))
		abort();
	if (spf_eval_sync(dns, &q, &out, &err) == STATUS_OK)
		spf_outcome_done(&out);
	err_done(&err);

	if (spf_check_sync(dns, "example.com", &check, &err) == STATUS_OK) {
		json_use(spf_node_to_json(check->root));
		json_use(findings_to_json(&check->findings));
		spf_check_free(check);
	}
	err_done(&err);

	dkim_lookup(dns, "example.com", "s1", dkim_done, NULL);
	dns_run(dns);
	dns_free(dns);
	return 0;
}
