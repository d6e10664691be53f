/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the TLS-RPT record parser (RFC 8460 3) on hostile
 * TXT data, and the judgement of an answer holding those bytes. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "audit/tlsrpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses; a refusal must carry a finding, an acceptance a rua URI. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings f = FINDINGS_INIT;
	struct tlsrpt_record rec;
	enum status st;

	st = tlsrpt_parse((const char *)data, size, &rec, &f);
	if (st == STATUS_OK && (rec.nrua == 0 || f.count != 0))
		__builtin_trap();
	if (st != STATUS_OK &&
	    (f.count == 0 || !f.items[0].message || !f.items[0].advice))
		__builtin_trap();
	tlsrpt_record_done(&rec);
	findings_done(&f);
	return 0;
}
