/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: a TSIG key file (publish --key, domain set
 * publish-key) as BIND's tsig-keygen writes it, parsed; a key that
 * parses is put to use: an update is built and formatted with its
 * name, as publish --dry-run does. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/tsig.h"
#include "dns/update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses the input as a key file. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsig_key *key = NULL;
	struct err err = ERR_INIT;
	struct dns_update u;
	char *value = "v=DMARC1; p=none";

	if (tsig_key_parse((const char *)data, size, "fuzz", &key, &err) ==
	    STATUS_OK) {
		/* Its parts are C strings, and the secret is base64. */
		if (!key->name || !key->algorithm || !key->secret ||
		    strspn(key->secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
					"klmnopqrstuvwxyz0123456789+/=") !=
			strlen(key->secret))
			abort();
		dns_update_init(&u, "example.com");
		dns_update_add_text(&u, DNS_UPDATE_ADD, "_dmarc.example.com",
				    300, &value, 1);
		free(dns_update_format(&u, "192.0.2.53:53", key->name));
		dns_update_done(&u);
		tsig_key_free(key);
	} else if (err.status == STATUS_OK) {
		abort(); /* a failure always says why */
	}
	err_done(&err);
	return 0;
}
