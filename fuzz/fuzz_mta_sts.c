/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the MTA-STS policy parser (RFC 8461 3.2) on hostile
 * bodies, and the _mta-sts TXT record parser on the same bytes. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "audit/mta_sts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses; a valid policy has a mode, a max_age in range and valid mx
 * patterns that match themselves. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings f = FINDINGS_INIT;
	struct mta_sts_policy p;
	char *id;

	if (mta_sts_policy_parse((const char *)data, size, &p, &f) ==
	    STATUS_OK) {
		if (f.count || p.mode == MTA_STS_MODE_UNSET || p.max_age < 0 ||
		    p.max_age > MTA_STS_MAX_AGE_MAX)
			__builtin_trap();
		for (size_t i = 0; i < p.nmx; i++)
			if (p.mx[i][0] != '*' &&
			    !mta_sts_mx_matches(p.mx[i], p.mx[i]))
				__builtin_trap();
	} else if (f.count == 0) {
		__builtin_trap();
	}
	mta_sts_policy_done(&p);
	findings_done(&f);
	if (mta_sts_txt_parse((const char *)data, size, &id, &f) == STATUS_OK) {
		if (!id || f.count)
			__builtin_trap();
		free(id);
	} else if (id || f.count == 0) {
		__builtin_trap();
	}
	findings_done(&f);
	return 0;
}
