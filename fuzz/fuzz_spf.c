/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the SPF record parser (RFC 7208 section 12) on
 * hostile TXT data with the serializer's round trip, and the macro
 * expander (section 7) on the same bytes for IPv4 and IPv6 clients. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses, formats and re-parses: the formatted text must parse to the
 * same text again; a refusal must name a column inside the input. */
static void fuzz_parse(const char *text, size_t size)
{
	struct spf_record *rec = NULL, *again = NULL;
	struct err err = ERR_INIT;
	size_t column = 0;
	char *first, *second;

	if (spf_parse(text, size, &rec, &column, &err) != STATUS_OK) {
		if (column < 1 || column > size + 1 || !err.message)
			__builtin_trap();
		err_done(&err);
		return;
	}
	first = spf_record_format(rec);
	if (spf_parse(first, strlen(first), &again, NULL, NULL) != STATUS_OK)
		__builtin_trap();
	second = spf_record_format(again);
	if (strcmp(first, second) != 0)
		__builtin_trap();
	free(first);
	free(second);
	spf_record_free(rec);
	spf_record_free(again);
}

/* Expands the bytes as a macro-string in every mode. */
static void fuzz_macros(const char *text)
{
	struct ip_net ip4, ip6;
	struct spf_macro_vars v = {
		.sender = "strong-bad@email.example.com",
		.domain = "email.example.com",
		.helo = "mx.example.org",
		.ptr = "mx.example.com",
		.now = 1700000000,
	};

	if (!ip_addr_parse("192.0.2.3", &ip4) ||
	    !ip_addr_parse("2001:db8::cb01", &ip6))
		__builtin_trap();
	for (int i = 0; i < 4; i++) {
		struct err err = ERR_INIT;
		char *out = NULL;
		enum status st;

		v.ip = i & 1 ? &ip6 : &ip4;
		st = spf_macro_expand(text, &v, i & 2, !(i & 2), &out, &err);
		if (st == STATUS_OK) {
			if (!out)
				__builtin_trap();
			/* Truncation keeps query names to 253 octets unless
			 * one label is longer on its own. */
			if (!(i & 2) && strlen(out) > 253 && strchr(out, '.'))
				__builtin_trap();
		} else if (out) {
			__builtin_trap();
		}
		free(out);
		err_done(&err);
	}
	(void)spf_macro_uses(text, 'p');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);

	fuzz_parse((const char *)data, size);
	if (strlen(text) == size)
		fuzz_macros(text);
	free(text);
	return 0;
}
