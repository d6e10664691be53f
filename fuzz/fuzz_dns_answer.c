/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: a raw DNS reply, as a hostile server may send it,
 * turned into an answer (ldns_wire2pkt, the CNAME chain, the RR
 * conversion), then printed, joined and copied. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/dns_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first octet picks the question; the rest is the reply. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"example.com",     "_dmarc.example.com",
		"www.example.com", "s1._domainkey.example.com",
		"a b.example.com",
	};
	static const enum dns_type types[] = {
		DNS_T_A,  DNS_T_AAAA,  DNS_T_TXT, DNS_T_MX,
		DNS_T_NS, DNS_T_CNAME, DNS_T_SOA, DNS_T_PTR,
	};
	struct dns_answer *a, *copy;
	struct dns_txt_string *joined;
	size_t n;

	if (size < 1)
		return 0;
	a = dns_answer_from_wire(names[(data[0] >> 3) % 5], types[data[0] & 7],
				 data + 1, size - 1, "192.0.2.53:53");
	/* Every kind but a timeout can come from a reply; failures say
	 * why, data comes with records. */
	if (a->result == DNS_TIMEOUT ||
	    ((a->result == DNS_ERROR || a->result == DNS_SERVFAIL) &&
	     !a->error) ||
	    (a->result == DNS_DATA && a->count == 0))
		abort();
	for (size_t i = 0; i < a->count; i++)
		free(dns_rr_data_to_string(&a->rrs[i]));
	joined = dns_answer_txt_joined(a, &n);
	dns_txt_joined_free(joined, n);
	copy = dns_answer_dup(a);
	dns_answer_free(a);
	dns_answer_free(copy);
	return 0;
}
