/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the configuration parser (inih reader and handler,
 * the mailbox, SMTP and webhook URLs, recipients, thresholds) on hostile
 * input, then the thresholds lookup on whatever it accepted. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app/config_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses the input as a config.ini and reads the limits of a domain. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_thresholds t;
	struct err err = ERR_INIT;
	struct config cfg;

	if (config_parse(&cfg, "fuzz.ini", (const char *)data, size, &err) !=
	    STATUS_OK) {
		/* A refusal must say why, naming the file. */
		if (!err.message || strncmp(err.message, "fuzz.ini", 8) != 0)
			__builtin_trap();
		err_done(&err);
		return 0;
	}
	config_thresholds_for(&cfg, "example.com", &t);
	if (t.period_days < 1)
		__builtin_trap();
	for (size_t i = 0; i < cfg.nthresholds; i++)
		config_thresholds_for(&cfg, cfg.thresholds[i].domain, &t);
	config_done(&cfg);
	return 0;
}
