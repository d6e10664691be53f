/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: a zone file (--zone, the demo) loaded into the table
 * backend through ldns, then questions that walk CNAME chains, wildcards
 * and empty non-terminals, and every answer printed and copied. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/dns_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints, joins and copies an answer as the checks and screens do. */
static void fuzz_use(void *arg, const struct dns_answer *a)
{
	struct dns_answer *copy = dns_answer_dup(a);
	struct dns_txt_string *joined;
	size_t n;

	(void)arg;
	for (size_t i = 0; i < copy->count; i++)
		free(dns_rr_data_to_string(&copy->rrs[i]));
	joined = dns_answer_txt_joined(copy, &n);
	dns_txt_joined_free(joined, n);
	dns_answer_free(copy);
}

/* Loads the input as a zone with origin example.com and asks about it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"example.com",
		"www.example.com",
		"a.b.example.com",
		"_dmarc.example.com",
		"x.wild.example.com",
		"s1._domainkey.example.com",
		"b.example.com",
		"example.org",
		"25.2.0.192.in-addr.arpa",
		"a b.example.com",
		"*.example.com",
	};
	static const enum dns_type types[] = {
		DNS_T_A,  DNS_T_AAAA,  DNS_T_TXT, DNS_T_MX,
		DNS_T_NS, DNS_T_CNAME, DNS_T_SOA, DNS_T_PTR,
	};
	struct dns *dns = dns_new_table();
	struct err err = ERR_INIT;
	FILE *fp;

	fp = fmemopen((void *)data, size, "r");
	if (!fp || size == 0) {
		if (fp)
			fclose(fp);
		dns_free(dns);
		return 0;
	}
	if (dns_table_load_zone_fp(dns, fp, "fuzz.zone", "example.com", &err) !=
	    STATUS_OK) {
		/* A refusal names the file and the line. */
		if (!err.message || strncmp(err.message, "fuzz.zone:", 10))
			abort();
	}
	fclose(fp);
	err_done(&err);
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		for (size_t j = 0; j < sizeof types / sizeof *types; j++)
			dns_query(dns, names[i], types[j], fuzz_use, NULL);
	dns_query_reverse(dns, "192.0.2.25", fuzz_use, NULL);
	dns_query_reverse(dns, "2001:db8::25", fuzz_use, NULL);
	if (dns_run(dns) != STATUS_OK || dns_pending(dns) != 0)
		abort();
	dns_free(dns);
	return 0;
}
