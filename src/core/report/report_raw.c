/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The raw input of an aggregate report on its way to libxml2: read
 * ahead, invalid UTF-8 replaced in UTF-8 documents, the attributes of
 * start tags counted before libxml2 parses them, and a reporter's
 * wrapper left unclosed closed at the end. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "report/report_private.h"
#include "util/i18n.h"
#include "util/text.h"

/* True if an element name is feedback, with or without a prefix. */
static bool scan_is_feedback(const char *name)
{
	const char *colon = strchr(name, ':');

	return strcmp(colon ? colon + 1 : name, "feedback") == 0;
}

/* Keeps the stack of open elements when a tag ends in the raw input. */
static void scan_tag_end(struct parser *p)
{
	p->scan_name[p->scan_namelen] = '\0';
	if (p->scan_closing) {
		if (p->scan_depth > 0)
			p->scan_depth--;
		return;
	}
	if (p->scan_slash)
		return;
	if (p->scan_depth == 0 && !scan_is_feedback(p->scan_name))
		p->seen_wrapper = true;
	if (p->scan_depth < 8)
		memcpy(p->scan_open[p->scan_depth], p->scan_name,
		       p->scan_namelen + 1);
	p->scan_depth++;
}

/* At the end of input: the end tags of a reporter's wrapper left open
 * around a complete <feedback> (only wrappers open, <feedback> not
 * among them), written to buf; 0 when there are none or they do not
 * fit. */
static size_t scan_close_wrappers(struct parser *p, char *buf, size_t len)
{
	size_t o = 0;

	if (p->scan_closed || p->scan_depth == 0 || p->scan_depth > 8 ||
	    p->scan != SCAN_TEXT)
		return 0;
	for (int i = 0; i < p->scan_depth; i++)
		if (scan_is_feedback(p->scan_open[i]))
			return 0;
	p->scan_closed = true;
	for (int i = p->scan_depth - 1; i >= 0; i--) {
		size_t n = strlen(p->scan_open[i]);

		if (o + n + 3 > len)
			return 0;
		buf[o++] = '<';
		buf[o++] = '/';
		memcpy(buf + o, p->scan_open[i], n);
		o += n;
		buf[o++] = '>';
	}
	return o;
}

/* How many octets of s (n of them) are newlines, eight at a time: each
 * byte of a word counts in its own lane, summed before a lane could
 * pass 255. */
static long count_newlines(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull,
		       low = 0x7f7f7f7f7f7f7f7full;
	long lines = 0;
	size_t i = 0;

	while (i + 8 <= n) {
		uint64_t lanes = 0;

		for (int k = 0; k < 255 && i + 8 <= n; k++, i += 8) {
			uint64_t x, y;

			memcpy(&x, s + i, 8);
			x ^= ones * '\n';
			/* A byte of y is 1 exactly where x is 0. */
			y = ~(((x & low) + low) | x | low) >> 7;
			lanes += y;
		}
		/* Pairs of lanes into 16 bits, then the four summed. */
		lanes = (lanes & 0x00ff00ff00ff00ffull) +
			((lanes >> 8) & 0x00ff00ff00ff00ffull);
		lines += (long)((lanes * 0x0001000100010001ull) >> 48);
	}
	for (; i < n; i++)
		lines += s[i] == '\n';
	return lines;
}

/* Counts the attributes of the start tags in raw input; false (the
 * report refused) when one tag has more than REPORT_ATTR_MAX. Comments,
 * declarations and processing instructions are skipped to their first
 * ">"; text after it that looks like a tag is counted too, which only
 * errs towards refusing a document nobody sends. Text between tags is
 * skipped with memchr(), and the state lives in locals while a buffer
 * is scanned: this runs over every octet before libxml2 does. */
static bool parser_scan(struct parser *p, const char *buf, size_t len)
{
	const char *s = buf, *end = buf + len;
	int scan = p->scan;
	char quote = p->scan_quote;
	size_t attrs = p->scan_attrs, namelen = p->scan_namelen;
	bool named = p->scan_named, slash = p->scan_slash;

	while (s < end) {
		char c;

		if (scan == SCAN_TEXT || scan == SCAN_SKIP) {
			const char *q = memchr(s, scan == SCAN_TEXT ? '<' : '>',
					       (size_t)(end - s));

			if (!q)
				break;
			s = q + 1;
			scan = scan == SCAN_TEXT ? SCAN_LT : SCAN_TEXT;
			continue;
		}
		c = *s++;
		if (scan == SCAN_LT) {
			scan = c == '!' || c == '?' ? SCAN_SKIP : SCAN_TAG;
			attrs = 0;
			quote = 0;
			p->scan_closing = c == '/';
			named = false;
			slash = false;
			namelen = 0;
			if (c != '/' && c != '>' && c != '!' && c != '?')
				p->scan_name[namelen++] = c;
			if (c == '>')
				scan = SCAN_TEXT;
			continue;
		}
		/* SCAN_TAG */
		if (!named && !quote) {
			if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
			    c == '/' || c == '>')
				named = true;
			else if (namelen + 1 < sizeof p->scan_name)
				p->scan_name[namelen++] = c;
		}
		if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '>') {
			scan = SCAN_TEXT;
			p->scan_namelen = namelen;
			p->scan_slash = slash;
			scan_tag_end(p);
		} else if ((slash = c == '/')) {
			/* maybe "/>" */
		} else if (c == '=' && ++attrs > REPORT_ATTR_MAX) {
			p->st = STATUS_LIMIT;
			err_set(p->err, p->st,
				_("%s:%ld: an element has more than %d "
				  "attributes"),
				p->name,
				p->scan_line +
				    count_newlines(buf, (size_t)(s - buf)) + 1,
				REPORT_ATTR_MAX);
			return false;
		}
	}
	p->scan = scan;
	p->scan_quote = quote;
	p->scan_attrs = attrs;
	p->scan_namelen = namelen;
	p->scan_named = named;
	p->scan_slash = slash;
	p->scan_line += count_newlines(buf, len);
	return true;
}

/* Decides from the first octets whether the document is UTF-8: no
 * UTF-16 or UTF-32 start and no other encoding declared (XML 1.0 4.3.3
 * and F.1). */
static bool utf8_document(const char *s, size_t n)
{
	const char *end, *enc;
	char value[32];
	size_t i = 0;

	if (n >= 2 &&
	    (s[0] == '\0' || s[1] == '\0' ||
	     ((unsigned char)s[0] == 0xfe && (unsigned char)s[1] == 0xff) ||
	     ((unsigned char)s[0] == 0xff && (unsigned char)s[1] == 0xfe)))
		return false;
	if (n < 5 || memcmp(s, "<?xml", 5) != 0)
		return true;
	end = memmem(s, n, "?>", 2);
	if (!end)
		return true;
	enc = memmem(s, (size_t)(end - s), "encoding", 8);
	if (!enc)
		return true;
	for (enc += 8; enc < end && (*enc == ' ' || *enc == '='); enc++)
		;
	if (enc >= end || (*enc != '"' && *enc != '\''))
		return true;
	for (enc++;
	     enc < end && *enc != '"' && *enc != '\'' && i + 1 < sizeof value;
	     enc++)
		value[i++] = *enc;
	value[i] = '\0';
	return text_ieq(value, "UTF-8") || text_ieq(value, "UTF8");
}

/* The length of the UTF-8 sequence at s (n octets available): its
 * length when valid, 0 when invalid, -1 when cut off by the end. */
static int utf8_length(const unsigned char *s, size_t n)
{
	int need;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < need; i++) {
		if ((size_t)i >= n)
			return -1;
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

/* The length of the run of ASCII octets at the start of s (n octets),
 * eight at a time. */
static size_t ascii_run(const char *s, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, s + i, 8);
		if (x & 0x8080808080808080ull)
			break;
	}
	while (i < n && (unsigned char)s[i] < 0x80)
		i++;
	return i;
}

/* Converts the raw input waiting in p->raw into out (room octets) with
 * each invalid UTF-8 octet replaced by U+FFFD; stops where the room
 * ends or where a sequence is cut off by the end of what was read (it
 * waits for more unless the input is at its end). Returns the length. */
static size_t utf8_repair(struct parser *p, char *out, size_t room)
{
	const char *raw = p->raw;
	size_t o = 0;

	while (o < room && p->raw_pos < p->raw_len) {
		size_t left = p->raw_len - p->raw_pos;
		size_t run = ascii_run(raw + p->raw_pos,
				       left < room - o ? left : room - o);
		int k;

		if (run > 0) {
			memcpy(out + o, raw + p->raw_pos, run);
			o += run;
			p->raw_pos += run;
			continue;
		}
		k = utf8_length((const unsigned char *)raw + p->raw_pos, left);
		if (k < 0 && !p->raw_eof)
			break;
		if (k <= 0) {
			if (o + 3 > room)
				break;
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			p->raw_pos++;
			p->utf8_repairs++;
			continue;
		}
		if (o + (size_t)k > room)
			break;
		memcpy(out + o, raw + p->raw_pos, (size_t)k);
		o += (size_t)k;
		p->raw_pos += (size_t)k;
	}
	return o;
}

/* Reads more raw input after what is left unconverted (moved to the
 * front); false with p->read_err set on a read error. */
static bool raw_fill(struct parser *p)
{
	ssize_t n;

	memmove(p->raw, p->raw + p->raw_pos, p->raw_len - p->raw_pos);
	p->raw_len -= p->raw_pos;
	p->raw_pos = 0;
	n = p->read(p->read_arg, p->raw + p->raw_len,
		    sizeof p->raw - p->raw_len, &p->read_err);
	if (n < 0)
		return false;
	p->raw_eof = n == 0;
	p->raw_len += (size_t)n;
	if (!p->utf8_decided) {
		p->utf8_decided = true;
		p->utf8_filter = utf8_document(p->raw, p->raw_len);
	}
	return true;
}

/* The libxml2 input callback: hands over what read() gives, repaired
 * where the document is UTF-8, in pieces as large as libxml2 takes. */
int report_io_read(void *arg, char *buf, int len)
{
	struct parser *p = arg;
	size_t n = 0;

	if (len <= 0)
		return 0;
	for (;;) {
		size_t before = p->raw_pos;

		if (p->utf8_filter) {
			n = utf8_repair(p, buf, (size_t)len);
		} else {
			n = p->raw_len - p->raw_pos;
			if (n > (size_t)len)
				n = (size_t)len;
			memcpy(buf, p->raw + p->raw_pos, n);
			p->raw_pos += n;
		}
		if (n > 0 || (p->raw_eof && p->raw_pos == p->raw_len))
			break;
		/* Nothing converted: the raw input is used up, or ends in a
		 * sequence cut off, or (first call) was never read. */
		if ((p->raw_eof && p->raw_pos == before) || !raw_fill(p)) {
			if (!p->raw_eof)
				goto fail;
			break;
		}
	}
	if (p->st == STATUS_OK && !parser_scan(p, buf, n))
		return -1;
	/* Lenient for real reporters: a wrapper left open is closed,
	 * once <feedback> itself is. */
	if (n == 0 && p->seen_wrapper)
		n = scan_close_wrappers(p, buf, (size_t)len);
	return (int)n;
fail:
	if (p->st == STATUS_OK) {
		p->st = p->read_err.status != STATUS_OK ? p->read_err.status
							: STATUS_IO;
		err_set(p->err, p->st, "%s", err_message(&p->read_err));
	}
	return -1;
}

/* libxml2 closes its input through this; the caller owns the source. */
int report_io_close(void *arg)
{
	return 0;
}
