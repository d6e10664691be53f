/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG keys (RFC 8945) as BIND's tsig-keygen writes them:
 *
 *   key "name" {
 *           algorithm hmac-sha256;
 *           secret "base64";
 *   };
 *
 * read from a file only its owner may read. The secret stays in this
 * object, is wiped when it is freed, and never appears in a message. */
#ifndef DMARCPILOT_TSIG_H
#define DMARCPILOT_TSIG_H

#include <stddef.h>

#include "util/status.h"

/* The largest key file read, in octets. */
#define TSIG_KEY_FILE_MAX 65536

struct tsig_key {
	char *name;      /* the key's name, lower case, no final dot */
	char *algorithm; /* the algorithm's DNS name as ldns wants it:
			    "hmac-sha256.", "hmac-md5.sig-alg.reg.int." */
	char *secret;    /* the base64 secret; wiped and freed by
			    tsig_key_free() */
};

/* Parses the text of a key file (len octets, any octet allowed): the
 * first key statement; comments (#, //, C style) are skipped. The
 * algorithms are those tsig-keygen writes (hmac-md5, hmac-sha1,
 * hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512). STATUS_PARSE
 * names what is wrong (never the secret), prefixed with what (the file
 * name). On STATUS_OK *out is the key; free it with tsig_key_free(). */
enum status tsig_key_parse(const char *text, size_t len, const char *what,
			   struct tsig_key **out, struct err *err);

/* Reads the key file at path: a regular file of its reader's that no
 * one else may read or write (mode 0600 or stricter), else
 * STATUS_REFUSED naming the file; then tsig_key_parse(). */
enum status tsig_key_read(const char *path, struct tsig_key **out,
			  struct err *err);

/* Wipes the secret and frees the key; NULL is fine. */
void tsig_key_free(struct tsig_key *key);

#endif
