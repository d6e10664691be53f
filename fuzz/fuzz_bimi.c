/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the BIMI record parser on hostile TXT data. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "audit/bimi.h"
#include "audit/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses; every location of an accepted record must be https. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings f = FINDINGS_INIT;
	struct bimi_record rec;
	enum status st;

	st = bimi_parse((const char *)data, size, &rec, &f);
	if (st != STATUS_OK && f.count == 0)
		__builtin_trap();
	if (st == STATUS_OK) {
		if (f.count != 0)
			__builtin_trap();
		for (size_t i = 0; i < rec.nlogos; i++)
			if (!uri_report_valid(rec.logos[i], false))
				__builtin_trap();
		if (rec.evidence && !uri_report_valid(rec.evidence, false))
			__builtin_trap();
		if (rec.declined && (rec.nlogos || rec.evidence))
			__builtin_trap();
	}
	bimi_record_done(&rec);
	findings_done(&f);
	return 0;
}
