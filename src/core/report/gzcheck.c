/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "report/gzcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/i18n.h"
#include "util/xalloc.h"

struct gzcheck {
	z_stream z;
	bool started;     /* the first two octets were seen */
	bool gzip;        /* and they were the magic */
	bool in_member;   /* a member is open (not yet at its trailer) */
	bool garbage;     /* something else followed a member */
	bool failed;      /* zlib refused the data */
	bool over;        /* more than max inflated */
	char why[128];    /* zlib's reason when failed */
	unsigned char first; /* the first octet, until the second comes */
	bool have_first;
	uint64_t total, max;
	unsigned char out[16384];
};

/* Starts a check. */
struct gzcheck *gzcheck_new(uint64_t max)
{
	struct gzcheck *g = xcalloc(1, sizeof *g);

	g->max = max;
	return g;
}

/* Inflates len octets, member after member. */
static void inflate_some(struct gzcheck *g, const unsigned char *p,
			 size_t len)
{
	g->z.next_in = (unsigned char *)p;
	g->z.avail_in = (uInt)len;
	while (g->z.avail_in > 0 && !g->failed && !g->garbage && !g->over) {
		int r;

		if (!g->in_member) {
			/* RFC 1952 2.2: members may follow one another;
			 * anything else after one is not gzip. */
			if (g->z.next_in[0] != 0x1f ||
			    (g->z.avail_in > 1 && g->z.next_in[1] != 0x8b)) {
				g->garbage = true;
				return;
			}
			if (inflateReset2(&g->z, 16 + MAX_WBITS) != Z_OK) {
				g->failed = true;
				return;
			}
			g->in_member = true;
		}
		g->z.next_out = g->out;
		g->z.avail_out = sizeof g->out;
		r = inflate(&g->z, Z_NO_FLUSH);
		g->total += sizeof g->out - g->z.avail_out;
		if (g->total > g->max)
			g->over = true;
		if (r == Z_STREAM_END) {
			/* zlib checked the trailer's CRC-32 and ISIZE. */
			g->in_member = false;
		} else if (r != Z_OK && r != Z_BUF_ERROR) {
			g->failed = true;
			snprintf(g->why, sizeof g->why, "%s",
				 g->z.msg ? g->z.msg : "inflate failed");
		}
	}
}

/* Feeds raw octets. */
void gzcheck_feed(struct gzcheck *g, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (len == 0 || (g->started && !g->gzip))
		return;
	if (!g->started) {
		if (!g->have_first) {
			g->first = p[0];
			g->have_first = true;
			p++;
			len--;
			if (len == 0)
				return;
		}
		g->started = true;
		g->gzip = g->first == 0x1f && p[0] == 0x8b;
		if (!g->gzip)
			return;
		if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
			g->failed = true;
			return;
		}
		g->in_member = true;
		inflate_some(g, &g->first, 1);
	}
	inflate_some(g, p, len);
}

/* Judges the whole stream. */
enum status gzcheck_end(struct gzcheck *g, const char *name,
			struct err *err)
{
	if (!g->gzip)
		return STATUS_OK;
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
		return err_set(err, STATUS_PARSE, _("%s: corrupt gzip data: %s"),
			       name, g->why);
	if (g->in_member)
		return err_set(err, STATUS_PARSE,
			       _("%s: the gzip stream is cut short"), name);
	return STATUS_OK;
}

/* Frees a check. */
void gzcheck_free(struct gzcheck *g)
{
	if (!g)
		return;
	if (g->started && g->gzip)
		inflateEnd(&g->z);
	free(g);
}
