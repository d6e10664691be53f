/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the DMARC record parser on hostile TXT data, the
 * record checks on whatever it accepts, the builder's round trip, and
 * the ladder's rung-list parser on the same bytes. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "dmarc/ladder.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses, checks, formats and re-parses: the built text must parse to
 * the same text again. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings f = FINDINGS_INIT;
	struct dmarc_record rec, again;
	struct err err = ERR_INIT;
	struct ladder l;
	enum status st;
	char *text, *first, *second;

	st = dmarc_parse((const char *)data, size, &rec, &f, &err);
	if (st != STATUS_OK) {
		/* A refusal must say why. */
		if (!err.message || !*err.message)
			__builtin_trap();
		err_done(&err);
	} else {
		text = xstrndup((const char *)data, size);
		dmarc_check_record(&rec, text, &f);
		ladder_init_default(&l);
		(void)ladder_find(&l, &rec);
		ladder_done(&l);
		first = dmarc_format(&rec);
		if (dmarc_parse(first, strlen(first), &again, NULL, NULL) !=
		    STATUS_OK)
			__builtin_trap();
		second = dmarc_format(&again);
		if (strcmp(first, second) != 0)
			__builtin_trap();
		free(first);
		free(second);
		free(text);
		dmarc_record_done(&again);
	}
	for (size_t i = 0; i < f.count; i++)
		if (!f.items[i].message || !f.items[i].advice)
			__builtin_trap();
	findings_done(&f);
	dmarc_record_done(&rec);

	/* The same bytes as a stored ladder. */
	text = xstrndup((const char *)data, size);
	if (ladder_parse(&l, text, &err) == STATUS_OK) {
		char *back = ladder_format(&l);
		struct ladder l2;

		if (ladder_parse(&l2, back, NULL) != STATUS_OK ||
		    l2.count != l.count)
			__builtin_trap();
		free(back);
		ladder_done(&l2);
		ladder_done(&l);
	} else {
		err_done(&err);
	}
	free(text);
	return 0;
}
