/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the aggregate report parser (report_parse_memory)
 * on arbitrary bytes. Every callback checks the contract: strings are
 * bounded and NUL-terminated, counts non-negative, addresses valid. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/ip.h"
#include "report/report.h"

/* Aborts (a finding) when a parsed value breaks the header's promise. */
static void check_field(const char *s)
{
	if (strnlen(s, REPORT_FIELD_MAX + 1) > REPORT_FIELD_MAX)
		abort();
}

static enum status fuzz_meta(void *arg, const struct report_meta *m, bool *skip,
			     struct err *err)
{
	check_field(m->org_name);
	check_field(m->report_id);
	check_field(m->domain);
	if (!m->org_name[0] || !m->report_id[0] || m->date_begin < 0 ||
	    m->date_end < 0)
		abort();
	return STATUS_OK;
}

static enum status fuzz_row(void *arg, const struct report_meta *m,
			    const struct report_row *r, struct err *err)
{
	struct ip_net ip;

	if (r->count < 0 || !ip_addr_parse(r->source_ip, &ip))
		abort();
	if (r->ndkim_auth > REPORT_AUTH_MAX || r->nspf_auth > REPORT_AUTH_MAX)
		abort();
	check_field(r->reasons);
	check_field(r->header_from);
	for (size_t i = 0; i < r->ndkim_auth; i++)
		check_field(r->dkim_auth[i].domain);
	/* Kept auth results are stored as "domain:selector:result"
	 * words: none of their values may hold a space or a colon. */
	for (size_t i = 0; i < r->ndkim_auth; i++)
		if (strpbrk(r->dkim_auth[i].domain, " :") ||
		    strpbrk(r->dkim_auth[i].selector, " :") ||
		    strpbrk(r->dkim_auth[i].result, " :"))
			abort();
	for (size_t i = 0; i < r->nspf_auth; i++)
		if (strpbrk(r->spf_auth[i].domain, " :") ||
		    strpbrk(r->spf_auth[i].result, " :"))
			abort();
	return STATUS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_handler h = { fuzz_meta, fuzz_row, NULL };
	struct err err = ERR_INIT;
	enum status st;

	st =
	    report_parse_memory((const char *)data, size, "fuzz.xml", &h, &err);
	if (st != STATUS_OK && !err.message)
		abort();
	err_done(&err);
	return 0;
}
