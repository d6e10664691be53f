/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "util/text.h"

#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

/* Markers from utf8_sequence_length() for C1 controls (2 bytes). */
#define C1_OTHER ((size_t)-1)
#define C1_CSI ((size_t)-2)

/* Length of a valid UTF-8 sequence at s (at most len bytes), or 0. */
static size_t utf8_sequence_length(const unsigned char *s, size_t len)
{
	size_t need, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls (U+0080..U+009F) act as escapes on some terminals. */
	if (cp >= 0x80 && cp <= 0x9f)
		return cp == 0x9b ? C1_CSI : C1_OTHER;
	return need;
}

/* The length of a CSI sequence's parameters and final byte, from s. */
static size_t csi_length(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 0x40 && s[i] <= 0x7e)
			return i + 1;
		else if (s[i] < 0x20 || s[i] > 0x3f)
			return i;
	return len;
}

/* Skips an ESC sequence (CSI, OSC, or two-byte) starting at s[0] == ESC;
 * returns the number of bytes it spans. */
static size_t escape_length(const unsigned char *s, size_t len)
{
	size_t i = 1;

	if (len < 2)
		return 1;
	if (s[1] == '[')
		return 2 + csi_length(s + 2, len - 2);
	if (s[1] == ']' || s[1] == 'P' || s[1] == '_' || s[1] == '^') {
		for (i = 2; i < len; i++) {
			if (s[i] == 0x07)
				return i + 1;
			if (s[i] == 0x1b && i + 1 < len && s[i + 1] == '\\')
				return i + 2;
		}
		return len;
	}
	return 2;
}

/* Copies text and drops everything a terminal would interpret. */
char *text_clean(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	struct strbuf out = STRBUF_INIT;
	size_t i = 0, n;

	while (i < len) {
		if (p[i] == 0x1b) {
			i += escape_length(p + i, len - i);
			continue;
		}
		if (p[i] == 0) {
			/* DESIGN.md 8: a DNS string may hold any octet; a
			 * NUL is shown as RFC 1035 5.1 writes it, never
			 * dropped, so the operator sees what is there. */
			strbuf_addstr(&out, "\\000");
			i++;
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			/* Tabs and newlines become spaces: one record, one line. */
			if (p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
				strbuf_addch(&out, ' ');
			i++;
			continue;
		}
		n = utf8_sequence_length(p + i, len - i);
		if (n == C1_OTHER || n == C1_CSI) {
			i += 2;
			if (n == C1_CSI)
				i += csi_length(p + i, len - i);
			continue;
		}
		if (n == 0 && p[i] >= 0x80 && p[i] <= 0x9f) {
			/* A raw 8-bit C1 control; 0x9b is CSI on 8-bit
			 * terminals, so its parameters go too. */
			i++;
			if (p[i - 1] == 0x9b)
				i += csi_length(p + i, len - i);
			continue;
		}
		if (n == 0) {
			strbuf_addstr(&out, "\xef\xbf\xbd");
			i++;
			continue;
		}
		strbuf_add(&out, p + i, n);
		i += n;
	}
	return strbuf_detach(&out);
}

/* Cleans a NUL-terminated string. */
char *text_clean_str(const char *s)
{
	return s ? text_clean(s, strlen(s)) : xstrdup("");
}

/* Compares two strings, ignoring ASCII case. */
bool text_ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* Compares the first n bytes, ignoring ASCII case. */
bool text_ieqn(const char *a, const char *b, size_t n)
{
	return strncasecmp(a, b, n) == 0;
}

/* Tests a suffix, ignoring ASCII case. */
bool text_iends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

/* Lower-cases ASCII in place. */
char *text_lower(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/* Normalises a domain name for comparison and storage. */
char *text_domain_normalize(const char *name)
{
	char *s = xstrdup(name);
	size_t len = strlen(s);

	if (len > 1 && s[len - 1] == '.')
		s[len - 1] = '\0';
	return text_lower(s);
}

/* Counts columns character by character. */
int text_columns(const char *s)
{
	size_t len = strlen(s);
	mbstate_t st;
	int cols = 0;

	memset(&st, 0, sizeof st);
	while (len > 0) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, s, len, &st);
		int w;

		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			memset(&st, 0, sizeof st);
			r = 1;
			w = 1;
		} else {
			w = wcwidth(wc);
			if (w < 0)
				w = 1;
		}
		cols += w;
		s += r;
		len -= r;
	}
	return cols;
}

/* Quotes one character-string for a master file. */
void text_txt_quote(struct strbuf *sb, const char *s, size_t len)
{
	strbuf_addch(sb, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* RFC 1035 5.1: \X quotes X, \DDD is an octet. */
		if (c == '"' || c == '\\')
			strbuf_addf(sb, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			strbuf_addf(sb, "\\%03u", c);
		else
			strbuf_addch(sb, (char)c);
	}
	strbuf_addch(sb, '"');
}

/* Splits a value into quoted strings of at most 255 octets. */
char *text_txt_strings(const char *value)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(value), i = 0;

	do {
		size_t n = len - i < 255 ? len - i : 255;

		if (i)
			strbuf_addch(&sb, ' ');
		text_txt_quote(&sb, value + i, n);
		i += n;
	} while (i < len);
	return strbuf_detach(&sb);
}
