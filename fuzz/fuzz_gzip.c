/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: the one-pass gzip decoder of report files (gzcheck.h) on
 * arbitrary bytes. The first octet picks the chunk size the raw octets
 * arrive in and the room each call gets for its output; the decoder must
 * give the same octets and the same verdict as when all of it arrives at
 * once into a large buffer, and never more than its limit. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/gzcheck.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The limit of inflated octets: small, so that bombs are cheap. */
#define FUZZ_GZIP_MAX (1 << 20)

/* Decodes data in chunks of chunk octets with room octets of output a
 * call; returns the verdict, the octets into out. */
static enum status decode(const uint8_t *data, size_t size, size_t chunk,
			  size_t room, struct strbuf *out)
{
	struct gzcheck *g = gzcheck_new(FUZZ_GZIP_MAX);
	unsigned char *buf = malloc(room);
	struct err err = ERR_INIT;
	enum status st;

	for (size_t at = 0; at < size || at == 0; at += chunk) {
		size_t n = size - at < chunk ? size - at : chunk;
		const unsigned char *in = data + at;
		size_t left = n;
		ssize_t made;

		/* Until it has taken the chunk and holds nothing more. */
		do {
			made = gzcheck_inflate(g, &in, &left, buf, room);
			if (made > 0)
				strbuf_add(out, buf, (size_t)made);
			/* It never stalls with input left. */
			if (made == 0 && left > 0)
				abort();
		} while (made > 0);
		if (made < 0 || size == 0)
			break;
	}
	if (out->len > FUZZ_GZIP_MAX)
		abort();
	st = gzcheck_end(g, "fuzz", &err);
	err_done(&err);
	gzcheck_free(g);
	free(buf);
	return st;
}

/* Decodes the input twice, chunked and whole, and compares. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf whole = STRBUF_INIT, chunked = STRBUF_INIT;
	enum status a, b;
	size_t chunk, room;

	if (size < 1)
		return 0;
	chunk = (size_t)(data[0] & 0x0f) + 1;
	room = (size_t)(data[0] >> 4) * 7 + 1;
	data++;
	size--;
	a = decode(data, size, size ? size : 1, 1 << 16, &whole);
	b = decode(data, size, chunk, room, &chunked);
	/* The limit may cut the two at different octets; below it they
	 * must reach the same verdict, and a stream both accept must give
	 * the same octets (a refused one's last octets may be dropped). */
	if (a != STATUS_LIMIT && b != STATUS_LIMIT &&
	    (a != b || (a == STATUS_OK &&
			(whole.len != chunked.len ||
			 memcmp(strbuf_str(&whole), strbuf_str(&chunked),
				whole.len) != 0))))
		abort();
	strbuf_done(&whole);
	strbuf_done(&chunked);
	return 0;
}
