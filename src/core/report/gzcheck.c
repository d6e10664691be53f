/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "report/gzcheck.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/i18n.h"
#include "util/xalloc.h"

struct gzcheck {
	z_stream z;
	bool ready;     /* inflateInit2 was done */
	bool in_member; /* a member is open (not yet at its trailer) */
	bool garbage;   /* something else followed a member */
	bool failed;    /* zlib refused the data */
	bool over;      /* more than max inflated */
	char why[128];  /* zlib's reason when failed */
	uint64_t total, max;
};

/* Starts a decoder. */
struct gzcheck *gzcheck_new(uint64_t max)
{
	struct gzcheck *g = xcalloc(1, sizeof *g);

	g->max = max;
	return g;
}

/* True once the stream is refused. */
bool gzcheck_refused(const struct gzcheck *g)
{
	return g->failed || g->garbage || g->over;
}

/* Opens the next member at *in, or marks what is there as garbage. */
static bool member_start(struct gzcheck *g, const unsigned char *in,
			 size_t inlen)
{
	/* RFC 1952 2.2: members may follow one another; anything else
	 * after one is not gzip (zlib's header check catches a wrong
	 * second octet that has not arrived yet). */
	if (in[0] != 0x1f || (inlen > 1 && in[1] != 0x8b)) {
		g->garbage = true;
		return false;
	}
	if ((g->ready ? inflateReset2(&g->z, 16 + MAX_WBITS)
		      : inflateInit2(&g->z, 16 + MAX_WBITS)) != Z_OK) {
		g->failed = true;
		snprintf(g->why, sizeof g->why, "%s", "zlib cannot start");
		return false;
	}
	g->ready = true;
	g->in_member = true;
	return true;
}

/* Inflates what it can into out. */
ssize_t gzcheck_inflate(struct gzcheck *g, const unsigned char **in,
			size_t *inlen, unsigned char *out, size_t outlen)
{
	size_t made = 0;

	while (made < outlen && !gzcheck_refused(g)) {
		int r;

		if (!g->in_member) {
			if (*inlen == 0 || !member_start(g, *in, *inlen))
				break;
		}
		g->z.next_in = (unsigned char *)*in;
		g->z.avail_in = (uInt)(*inlen > UINT_MAX ? UINT_MAX : *inlen);
		g->z.next_out = out + made;
		g->z.avail_out = (uInt)(outlen - made);
		r = inflate(&g->z, Z_NO_FLUSH);
		*inlen -= (size_t)(g->z.next_in - *in);
		*in = g->z.next_in;
		made = outlen - g->z.avail_out;
		if (r == Z_STREAM_END) {
			/* zlib checked the trailer's CRC-32 and ISIZE. */
			g->in_member = false;
		} else if (r == Z_BUF_ERROR) {
			break; /* needs more input */
		} else if (r != Z_OK) {
			g->failed = true;
			snprintf(g->why, sizeof g->why, "%s",
				 g->z.msg ? g->z.msg : "inflate failed");
		} else if (*inlen == 0 && g->z.avail_out > 0) {
			break; /* took it all, has more room: needs input */
		}
	}
	g->total += made;
	if (g->total > g->max)
		g->over = true;
	return gzcheck_refused(g) ? -1 : (ssize_t)made;
}

/* Judges the whole stream. */
enum status gzcheck_end(struct gzcheck *g, const char *name, struct err *err)
{
	if (g->over)
		return err_set(err, STATUS_LIMIT,
			       _("%s: expands to more than %llu bytes"), name,
			       (unsigned long long)g->max);
	if (g->garbage)
		return err_set(err, STATUS_PARSE,
			       _("%s: data after the end of the gzip "
				 "stream"),
			       name);
	if (g->failed)
		return err_set(err, STATUS_PARSE,
			       _("%s: corrupt gzip data: %s"), name, g->why);
	if (g->in_member)
		return err_set(err, STATUS_PARSE,
			       _("%s: the gzip stream is cut short"), name);
	return STATUS_OK;
}

/* Frees a decoder. */
void gzcheck_free(struct gzcheck *g)
{
	if (!g)
		return;
	if (g->ready)
		inflateEnd(&g->z);
	free(g);
}
