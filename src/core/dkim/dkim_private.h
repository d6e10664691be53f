/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the dkim*.c files share and nobody else needs: OpenSSL glue. */
#ifndef DMARCPILOT_DKIM_PRIVATE_H
#define DMARCPILOT_DKIM_PRIVATE_H

#include <openssl/evp.h>

#include "dkim/dkim.h"

/* The public key of a parsed, non-revoked record (RSA from SPKI or a
 * bare RSAPublicKey, Ed25519 from the raw 32 octets), or NULL. The
 * caller frees with EVP_PKEY_free(). */
EVP_PKEY *dkim_record_pkey(const struct dkim_record *record);

/* Records status in err with OpenSSL's own message of the last error
 * (drained from the queue) after the formatted context. */
enum status dkim_openssl_error(struct err *err, enum status status,
			       const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Trims RFC 5322 FWS (space, tab, CR, LF) from both ends of
 * [*s, *s + *len). */
void dkim_trim_fws(const char **s, size_t *len);

/* Appends a finding with the code's severity, and sets its selector,
 * record and advice when they are not NULL. */
struct finding *dkim_finding_add(struct findings *list, enum finding_code code,
				 const char *selector, const char *text,
				 const char *advice, const char *format, ...)
    __attribute__((format(printf, 6, 7)));

/* Removes FWS from a base64 value and checks its alphabet and padding
 * (RFC 6376 3.6.1); NULL when it is not base64. Caller frees. */
char *dkim_base64_compact(const char *value);

/* Decodes the output of dkim_base64_compact() with OpenSSL; NULL when it
 * does not decode. *len receives the octets; caller frees. */
unsigned char *dkim_base64_decode(const char *b64, size_t *len);

#endif
