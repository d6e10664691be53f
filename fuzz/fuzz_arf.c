/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the failure report (ARF) parser. The input is split
 * at its first blank line into the feedback-report fields and the
 * original message's headers. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/arf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *split = NULL;
	struct arf_report r;
	struct err err = ERR_INIT;
	size_t flen = size;

	for (size_t i = 0; i + 1 < size; i++) {
		if (s[i] == '\n' && s[i + 1] == '\n') {
			split = s + i + 2;
			flen = i + 1;
			break;
		}
	}
	if (arf_parse(s, flen, split, split ? size - (size_t)(split - s) : 0,
		      "fuzz", &r, &err) == STATUS_OK) {
		struct ip_net ip;

		if (!r.feedback_type[0])
			abort();
		if (r.source_ip[0] && !ip_addr_parse(r.source_ip, &ip))
			abort();
		if (strnlen(r.original_from, ARF_FIELD_MAX + 1) > ARF_FIELD_MAX)
			abort();
	} else if (!err.message) {
		abort();
	}
	err_done(&err);
	return 0;
}
