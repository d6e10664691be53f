/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A check of a gzip stream's integrity (RFC 1952), fed with the raw
 * octets as they are read: libarchive inflates gzip reports but checks
 * neither the CRC-32 nor the size in a member's trailer, and ignores
 * what follows the last member. */
#ifndef DMARCPILOT_GZCHECK_H
#define DMARCPILOT_GZCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

struct gzcheck;

/* A check that inflates at most max octets in all (a bomb appended
 * after the report is refused like one inside it). */
struct gzcheck *gzcheck_new(uint64_t max);

/* Feeds the next raw octets. The first octets decide: a stream that
 * does not start with the gzip magic is not checked at all. */
void gzcheck_feed(struct gzcheck *g, const void *data, size_t len);

/* After the last octet: STATUS_PARSE naming name when the stream is
 * gzip and a member's CRC-32 or size is wrong, a member is cut short,
 * or something other than another member follows one; STATUS_LIMIT
 * when it inflates to more than max. */
enum status gzcheck_end(struct gzcheck *g, const char *name,
			struct err *err);

void gzcheck_free(struct gzcheck *g);

#endif
