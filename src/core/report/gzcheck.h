/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A gzip report's one inflation (RFC 1952): zlib decodes the raw octets
 * member after member and verifies each trailer's CRC-32 and size as it
 * goes, and libarchive is handed what comes out (its own gzip filter
 * checks neither and ignores what follows the last member). */
#ifndef DMARCPILOT_GZCHECK_H
#define DMARCPILOT_GZCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/status.h"

struct gzcheck;

/* A decoder that inflates at most max octets in all (a bomb appended
 * after the report is refused like one inside it). */
struct gzcheck *gzcheck_new(uint64_t max);

/* Inflates from *in (*inlen octets, both advanced past what zlib took)
 * into out (at most outlen octets). Returns how many octets it wrote,
 * 0 when it needs more input, or -1 once the stream is refused
 * (gzcheck_end() says why). Call it with *inlen 0 to drain what zlib
 * holds. */
ssize_t gzcheck_inflate(struct gzcheck *g, const unsigned char **in,
			size_t *inlen, unsigned char *out, size_t outlen);

/* True once the stream is refused (a bad CRC-32 or size, corrupt data,
 * garbage after a member, more than max). */
bool gzcheck_refused(const struct gzcheck *g);

/* After the last octet: STATUS_PARSE naming name when a member's CRC-32
 * or size is wrong, a member is cut short, or something other than
 * another member follows one; STATUS_LIMIT when it inflates to more
 * than max. */
enum status gzcheck_end(struct gzcheck *g, const char *name, struct err *err);

void gzcheck_free(struct gzcheck *g);

#endif
