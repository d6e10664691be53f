/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DKIM canonicalization (RFC 6376 3.4): simple and relaxed, for header
 * fields and for the body, and the signature field with b= emptied. */
#include "config.h"

#include "dkim/dkim_verify.h"

#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_private.h"
#include "util/xalloc.h"

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Canonicalizes one header field. */
void dkim_canon_header(struct strbuf *out, const char *raw, size_t len,
		       bool relaxed, bool crlf)
{
	const char *colon = memchr(raw, ':', len);
	size_t name_len, k;
	bool space = false, started = false;

	if (!relaxed || !colon) {
		/* RFC 6376 3.4.1: simple changes nothing. */
		strbuf_add(out, raw, len);
		goto out;
	}
	/* RFC 6376 3.4.2: the name in lower case, no WSP around the
	 * colon, the value unfolded with WSP runs made one SP and none at
	 * its end. */
	name_len = (size_t)(colon - raw);
	while (name_len > 0 && is_wsp(raw[name_len - 1]))
		name_len--;
	for (k = 0; k < name_len; k++) {
		char c = raw[k];

		strbuf_addch(out, c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
	}
	strbuf_addch(out, ':');
	for (k = (size_t)(colon - raw) + 1; k < len; k++) {
		char c = raw[k];

		if (c == '\r' || c == '\n')
			continue;
		if (is_wsp(c)) {
			space = true;
			continue;
		}
		if (space && started)
			strbuf_addch(out, ' ');
		space = false;
		started = true;
		strbuf_addch(out, c);
	}
out:
	if (crlf)
		strbuf_add(out, "\r\n", 2);
}

/* Appends one body line canonicalized (without its CRLF). */
static void canon_line(struct strbuf *line, const char *s, size_t len,
		       bool relaxed)
{
	bool space = false;

	strbuf_reset(line);
	if (!relaxed) {
		strbuf_add(line, s, len);
		return;
	}
	/* RFC 6376 3.4.4: WSP runs become one SP, none at the line end.
	 * Runs of other octets are copied whole: bodies are large. */
	for (size_t k = 0; k < len;) {
		size_t run = k;

		if (is_wsp(s[k])) {
			while (k < len && is_wsp(s[k]))
				k++;
			space = true;
			continue;
		}
		while (run < len && !is_wsp(s[run]))
			run++;
		if (space)
			strbuf_addch(line, ' ');
		space = false;
		strbuf_add(line, s + k, run - k);
		k = run;
	}
}

/* Canonicalizes the body. */
void dkim_canon_body(struct strbuf *out, const char *body, size_t len,
		     bool relaxed)
{
	struct strbuf line = STRBUF_INIT;
	size_t pos = 0, empty = 0, before = out->len;

	while (pos < len) {
		const char *p = body + pos;
		const char *eol = memmem(p, len - pos, "\r\n", 2);
		size_t llen = eol ? (size_t)(eol - p) : len - pos;

		pos += llen + (eol ? 2 : 0);
		canon_line(&line, p, llen, relaxed);
		/* RFC 6376 3.4.3 and 3.4.4: empty lines at the end are
		 * ignored, so hold them until a line with content comes. */
		if (line.len == 0) {
			empty++;
			continue;
		}
		for (; empty > 0; empty--)
			strbuf_add(out, "\r\n", 2);
		strbuf_add(out, line.data, line.len);
		strbuf_add(out, "\r\n", 2);
	}
	/* RFC 6376 3.4.3: an empty body is one CRLF under simple; under
	 * relaxed it stays empty (3.4.4, erratum 3192). */
	if (!relaxed && out->len == before)
		strbuf_add(out, "\r\n", 2);
	strbuf_done(&line);
}

/* The signature field with b='s value removed. */
char *dkim_canon_strip_b(const char *raw, size_t len, size_t *out_len)
{
	const char *colon = memchr(raw, ':', len);
	const char *p, *end = raw + len;
	char *out = xmalloc(len + 1);
	size_t n;

	if (!colon) {
		memcpy(out, raw, len);
		*out_len = len;
		return out;
	}
	n = (size_t)(colon + 1 - raw);
	memcpy(out, raw, n);
	p = colon + 1;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		const char *name = p;
		size_t nlen = eq ? (size_t)(eq - p) : 0;

		if (eq)
			dkim_trim_fws(&name, &nlen);
		if (eq && nlen == 1 && *name == 'b') {
			/* RFC 6376 3.7: keep "b=", drop the value with the
			 * whitespace around it. */
			memcpy(out + n, p, (size_t)(eq + 1 - p));
			n += (size_t)(eq + 1 - p);
		} else {
			memcpy(out + n, p, (size_t)(stop - p));
			n += (size_t)(stop - p);
		}
		if (semi)
			out[n++] = ';';
		p = semi ? semi + 1 : end;
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}
