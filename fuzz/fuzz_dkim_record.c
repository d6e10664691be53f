/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: the DKIM key record parser and validator (records come
 * from DNS and are hostile). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dkim/dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses one record and, when it parses, validates it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_record r;
	struct findings findings = FINDINGS_INIT;
	struct err err = ERR_INIT;
	const char *bad = NULL;

	if (dkim_record_parse((const char *)data, size, &r, &bad, &err) ==
	    STATUS_OK) {
		dkim_record_validate(&r, "fuzz", "record", &findings);
		dkim_record_done(&r);
	}
	findings_done(&findings);
	err_done(&err);
	return 0;
}
