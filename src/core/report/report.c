/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "report/report.h"

#include <errno.h>
#include <libxml/xmlerror.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* RFC 9990 section 4 (the XML schema's target namespace). */
#define NS_DMARC2 "urn:ietf:params:xml:ns:dmarc-2.0"
/* The namespace of the pre-RFC dmarc.org schema, which some send. */
#define NS_DMARC_ORG "http://dmarc.org/dmarc-xml/0.1"

/* Deepest element the schema has (feedback/record/row/policy_evaluated/
 * reason/type is 6); anything deeper in a known branch is refused. */
#define REPORT_DEPTH_MAX 32

/* The elements the parser knows; everything else is EL_OTHER. */
#define ELEMENT_LIST(X)                                                \
	X(FEEDBACK, "feedback") X(VERSION, "version")                  \
	X(REPORT_METADATA, "report_metadata") X(ORG_NAME, "org_name")  \
	X(EMAIL, "email") X(REPORT_ID, "report_id")                    \
	X(DATE_RANGE, "date_range") X(BEGIN, "begin") X(END, "end")    \
	X(POLICY_PUBLISHED, "policy_published") X(DOMAIN, "domain")    \
	X(ADKIM, "adkim") X(ASPF, "aspf") X(P, "p") X(SP, "sp")        \
	X(NP, "np") X(PCT, "pct") X(TESTING, "testing")                \
	X(RECORD, "record") X(ROW, "row") X(SOURCE_IP, "source_ip")    \
	X(COUNT_, "count") X(POLICY_EVALUATED, "policy_evaluated")      \
	X(DISPOSITION, "disposition") X(DKIM, "dkim") X(SPF, "spf")    \
	X(REASON, "reason") X(TYPE, "type") X(COMMENT, "comment")      \
	X(IDENTIFIERS, "identifiers") X(HEADER_FROM, "header_from")    \
	X(ENVELOPE_FROM, "envelope_from")                              \
	X(ENVELOPE_TO, "envelope_to") X(AUTH_RESULTS, "auth_results")  \
	X(SELECTOR, "selector") X(RESULT, "result")

#define ELEMENT_ENUM(id, name) EL_##id,
enum element { EL_OTHER, ELEMENT_LIST(ELEMENT_ENUM) EL_MAX };
#undef ELEMENT_ENUM

#define ELEMENT_NAME(id, name) [EL_##id] = name,
static const char *const element_names[EL_MAX] = {
	[EL_OTHER] = "", ELEMENT_LIST(ELEMENT_NAME)
};
#undef ELEMENT_NAME

/* How the text of the current element is used once it ends. */
enum text_kind {
	TEXT_IGNORE,   /* not collected */
	TEXT_STRING,   /* copied as it is (trimmed) */
	TEXT_LOWER,    /* copied and lower-cased */
	TEXT_INT,      /* a non-negative decimal */
};

struct parser {
	xmlParserCtxtPtr ctxt;
	const char *name;
	const struct report_handler *h;
	struct err *err;
	enum status st;          /* first failure, from any source */
	report_read_fn read;
	void *read_arg;
	struct err read_err;

	/* Local names come from libxml2's dictionary, so a name is always
	 * the same pointer: remember which element each one is. */
	struct {
		const xmlChar *name;
		enum element el;
	} names[64];
	size_t nnames;
	unsigned char name_slot[256]; /* by pointer hash: index + 1 */

	enum element stack[REPORT_DEPTH_MAX];
	int depth;
	/* Unknown elements open around <feedback> (a reporter's wrapper,
	 * such as an unclosed <xs:schema>); the report ends with its
	 * </feedback> then. */
	int wrap_depth;
	bool wrapped_done;
	bool wrap_error;         /* libxml2 failed inside the wrapper */
	bool stopped;            /* we stopped libxml2: what it says after
				    that is no error of the document */
	bool seen_wrapper;       /* the raw input's first element is not
				    <feedback> */
	char root[64];           /* the first element's name, for errors */

	/* The input's invalid UTF-8 replaced by U+FFFD (declared UTF-8
	 * or undeclared documents only); the fields it reached are named
	 * in meta.repaired. */
	bool utf8_filter, utf8_decided;
	size_t utf8_repairs;
	/* Raw input read ahead of libxml2, converted into its buffer as
	 * room allows (an incomplete sequence at the end waits for the next
	 * read). */
	char raw[64 * 1024];
	size_t raw_pos, raw_len;
	bool raw_eof;
	bool in_foreign;         /* inside an element of another namespace */
	int foreign_depth;

	struct strbuf text;      /* text of the element being collected */
	enum text_kind kind;
	bool collecting;

	struct report_meta meta;
	bool seen_root, seen_metadata, seen_policy, meta_sent, skip;
	struct report_row row;
	bool have_count;

	/* The raw input's start tags, counted before libxml2 sees them
	 * (its duplicate check costs quadratic time in attributes). */
	enum { SCAN_TEXT, SCAN_LT, SCAN_TAG, SCAN_SKIP } scan;
	char scan_quote;         /* the quote an attribute value is in */
	size_t scan_attrs;       /* "=" outside quotes in this tag */
	long scan_line;
	/* The elements open in the raw input (names of the outer 8), so
	 * that a wrapper left unclosed can be closed at the end. */
	char scan_open[8][64];
	int scan_depth;
	char scan_name[64];
	size_t scan_namelen;
	bool scan_closing, scan_named, scan_slash, scan_closed;
	size_t nreasons;
	struct report_auth *auth; /* the dkim/spf result being filled */
};

/* Records the first failure with "NAME:LINE: message". */
static enum status parser_fail(struct parser *p, enum status st,
			       const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static enum status parser_fail(struct parser *p, enum status st,
			       const char *format, ...)
{
	va_list ap;
	char *msg;
	int line = p->ctxt ? xmlSAX2GetLineNumber(p->ctxt) : 0;

	if (p->st != STATUS_OK)
		return p->st;
	va_start(ap, format);
	msg = xvasprintf(format, ap);
	va_end(ap);
	if (line > 0)
		err_set(p->err, st, "%s:%d: %s", p->name, line, msg);
	else
		err_set(p->err, st, "%s: %s", p->name, msg);
	free(msg);
	p->st = st;
	return st;
}

/* Keeps libxml2's own message for the first error it reports. */
static void parser_xml_error(void *arg, xmlErrorPtr error)
{
	struct parser *p = arg;
	char *msg;
	size_t len;

	if (!error || error->level < XML_ERR_ERROR || p->st != STATUS_OK ||
	    p->stopped)
		return;
	/* Inside a reporter's wrapper, what comes after </feedback> (an
	 * unclosed wrapper) does not matter once the report is whole. */
	if (p->wrap_depth > 0 && p->seen_root) {
		p->wrap_error = true;
		return;
	}
	msg = xstrdup(error->message ? error->message : "malformed XML");
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	if (error->line > 0)
		err_set(p->err, STATUS_PARSE, "%s:%d: %s", p->name, error->line,
			msg);
	else
		err_set(p->err, STATUS_PARSE, "%s: %s", p->name, msg);
	p->st = STATUS_PARSE;
	free(msg);
}

/* libxml2's generic error callback: encoding and I/O errors bypass the
 * reader's handler and would otherwise be printed on stderr (over the
 * wizard's screen); the first one becomes the report's error. */
static void parser_generic_error(void *arg, const char *format, ...)
{
	struct parser *p = arg;
	char *msg;
	size_t len;
	va_list ap;

	if (p->st != STATUS_OK)
		return;
	va_start(ap, format);
	msg = xvasprintf(format, ap);
	va_end(ap);
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	if (len > 0) {
		char *clean = text_clean(msg, len);

		err_set(p->err, STATUS_PARSE, "%s: %s", p->name, clean);
		p->st = STATUS_PARSE;
		free(clean);
	}
	free(msg);
}

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
	const uint64_t ones = 0x0101010101010101ull, low = 0x7f7f7f7f7f7f7f7full;
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

	if (n >= 2 && (s[0] == '\0' || s[1] == '\0' ||
		       ((unsigned char)s[0] == 0xfe &&
			(unsigned char)s[1] == 0xff) ||
		       ((unsigned char)s[0] == 0xff &&
			(unsigned char)s[1] == 0xfe)))
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
	for (enc++; enc < end && *enc != '"' && *enc != '\'' &&
		    i + 1 < sizeof value;
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
static int parser_io_read(void *arg, char *buf, int len)
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
static int parser_io_close(void *arg)
{
	return 0;
}

/* Maps a local name to the element it is. */
static enum element element_lookup(const char *name)
{
	for (int i = 1; i < EL_MAX; i++)
		if (strcmp(element_names[i], name) == 0)
			return (enum element)i;
	return EL_OTHER;
}

/* Maps a dictionary name to its element, remembering the answer. */
static enum element parser_lookup(struct parser *p, const xmlChar *name)
{
	size_t h = ((uintptr_t)name >> 3 ^ (uintptr_t)name >> 11) & 255;
	unsigned char slot = p->name_slot[h];
	enum element el;

	/* Every element start asks: the last name seen at this hash is
	 * most often the one. */
	if (slot && p->names[slot - 1].name == name)
		return p->names[slot - 1].el;
	for (size_t i = 0; i < p->nnames; i++) {
		if (p->names[i].name == name) {
			p->name_slot[h] = (unsigned char)(i + 1);
			return p->names[i].el;
		}
	}
	el = element_lookup((const char *)name);
	if (p->nnames < sizeof p->names / sizeof *p->names) {
		p->names[p->nnames].name = name;
		p->names[p->nnames++].el = el;
		p->name_slot[h] = (unsigned char)p->nnames;
	}
	return el;
}

/* Empties a record without touching all of its (large) arrays. */
static void row_reset(struct report_row *r)
{
	r->source_ip[0] = '\0';
	r->count = 0;
	r->disposition[0] = r->dkim[0] = r->spf[0] = '\0';
	r->reasons[0] = '\0';
	r->arc = false;
	r->header_from[0] = r->envelope_from[0] = r->envelope_to[0] = '\0';
	r->ndkim_auth = r->nspf_auth = 0;
}

/* The element n levels up from the current one (0 = current). */
static enum element parser_up(const struct parser *p, int n)
{
	int i = p->depth - 1 - n;

	return i >= 0 ? p->stack[i] : EL_OTHER;
}

/* Parses a non-negative decimal into *out; false if it is not one or
 * passes 2^63-1 (RFC 7489 C: count and times are unsigned integers). */
static bool parse_count(const char *s, int64_t *out, bool *overflow)
{
	int64_t v = 0;

	*overflow = false;
	if (*s == '+')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		int d = *s - '0';

		if (v > (INT64_MAX - d) / 10) {
			*overflow = true;
			return false;
		}
		v = v * 10 + d;
	}
	if (*s)
		return false;
	*out = v;
	return true;
}

/* Names a field whose invalid UTF-8 was replaced, once. */
static void parser_note_repair(struct parser *p, const char *what)
{
	char *r = p->meta.repaired;
	size_t have = strlen(r), add = strlen(what);
	const char *at = strstr(r, what);

	if (at && (at == r || at[-1] == ',') &&
	    (at[add] == '\0' || at[add] == ','))
		return;
	if (have + add + 2 > sizeof p->meta.repaired)
		return;
	if (have)
		r[have++] = ',';
	memcpy(r + have, what, add + 1);
}

/* Copies the collected text into a field, refusing over-long values. */
static bool parser_store(struct parser *p, char *field, const char *what)
{
	const char *s = strbuf_str(&p->text);
	size_t len = p->text.len;

	if (len > REPORT_FIELD_MAX) {
		parser_fail(p, STATUS_LIMIT,
			    _("<%s> is longer than %d bytes"), what,
			    REPORT_FIELD_MAX);
		return false;
	}
	memcpy(field, s, len + 1);
	if (p->kind == TEXT_LOWER)
		text_lower(field);
	if (p->utf8_repairs && strstr(field, "\xef\xbf\xbd"))
		parser_note_repair(p, what);
	return true;
}

/* Removes leading and trailing white space from the collected text. */
static void parser_trim(struct parser *p)
{
	char *s = p->text.data;
	size_t start = 0, len = p->text.len;

	if (!s)
		return;
	while (start < len && strchr(" \t\r\n", s[start]))
		start++;
	while (len > start && strchr(" \t\r\n", s[len - 1]))
		len--;
	memmove(s, s + start, len - start);
	p->text.len = len - start;
	s[p->text.len] = '\0';
}

/* Decides whether the element just opened has text the parser keeps;
 * also starts records and authentication results. */
static void parser_open(struct parser *p, enum element el)
{
	enum element parent = parser_up(p, 1);
	enum element grand = parser_up(p, 2);

	p->kind = TEXT_IGNORE;
	switch (el) {
	case EL_REPORT_METADATA:
		if (parent == EL_FEEDBACK)
			p->seen_metadata = true;
		return;
	case EL_POLICY_PUBLISHED:
		if (parent == EL_FEEDBACK)
			p->seen_policy = true;
		return;
	case EL_RECORD:
		if (parent != EL_FEEDBACK)
			return;
		row_reset(&p->row);
		p->have_count = false;
		p->nreasons = 0;
		return;
	case EL_DKIM:
	case EL_SPF:
		if (parent == EL_AUTH_RESULTS) {
			size_t *n = el == EL_DKIM ? &p->row.ndkim_auth
						  : &p->row.nspf_auth;
			struct report_auth *a = el == EL_DKIM
							? p->row.dkim_auth
							: p->row.spf_auth;

			if (*n >= REPORT_AUTH_MAX) {
				parser_fail(p, STATUS_LIMIT,
					    _("more than %d <%s> results in "
					      "one record"),
					    REPORT_AUTH_MAX, element_names[el]);
				return;
			}
			p->auth = &a[(*n)++];
			p->auth->domain[0] = p->auth->selector[0] = '\0';
			p->auth->result[0] = '\0';
			return;
		}
		if (parent == EL_POLICY_EVALUATED)
			p->kind = TEXT_LOWER;
		return;
	case EL_REASON:
		if (parent == EL_POLICY_EVALUATED &&
		    p->nreasons++ >= REPORT_REASON_MAX)
			parser_fail(p, STATUS_LIMIT,
				    _("more than %d reasons in one record"),
				    REPORT_REASON_MAX);
		return;
	default:
		break;
	}
	switch (parent) {
	case EL_REPORT_METADATA:
		if (el == EL_ORG_NAME || el == EL_EMAIL || el == EL_REPORT_ID)
			p->kind = TEXT_STRING;
		break;
	case EL_DATE_RANGE:
		if (grand == EL_REPORT_METADATA &&
		    (el == EL_BEGIN || el == EL_END))
			p->kind = TEXT_INT;
		break;
	case EL_POLICY_PUBLISHED:
		if (el == EL_PCT)
			p->kind = TEXT_INT;
		else if (el == EL_DOMAIN || el == EL_ADKIM || el == EL_ASPF ||
			 el == EL_P || el == EL_SP || el == EL_NP ||
			 el == EL_TESTING)
			p->kind = TEXT_LOWER;
		break;
	case EL_ROW:
		if (el == EL_SOURCE_IP)
			p->kind = TEXT_STRING;
		else if (el == EL_COUNT_)
			p->kind = TEXT_INT;
		break;
	case EL_POLICY_EVALUATED:
		if (el == EL_DISPOSITION)
			p->kind = TEXT_LOWER;
		break;
	case EL_REASON:
		if (el == EL_TYPE)
			p->kind = TEXT_LOWER;
		else if (el == EL_COMMENT)
			p->kind = TEXT_STRING;
		break;
	case EL_IDENTIFIERS:
		if (el == EL_HEADER_FROM || el == EL_ENVELOPE_FROM ||
		    el == EL_ENVELOPE_TO)
			p->kind = TEXT_LOWER;
		break;
	case EL_DKIM:
	case EL_SPF:
		if (grand == EL_AUTH_RESULTS && p->auth &&
		    (el == EL_DOMAIN || el == EL_RESULT ||
		     (el == EL_SELECTOR && parent == EL_DKIM)))
			p->kind = TEXT_LOWER;
		break;
	default:
		break;
	}
}

/* Fills the empty org_name from the domain of the report's email. */
static void parser_fix_org(struct parser *p)
{
	const char *at;

	if (p->meta.org_name[0])
		return;
	at = strrchr(p->meta.email, '@');
	if (at && at[1]) {
		memcpy(p->meta.org_name, at + 1, strlen(at + 1) + 1);
		text_lower(p->meta.org_name);
	}
}

/* Checks the metadata and hands it to the meta callback, once. */
static void parser_send_meta(struct parser *p)
{
	if (p->meta_sent || p->st != STATUS_OK)
		return;
	p->meta_sent = true;
	/* RFC 7489 C / RFC 9990 4: report_metadata and policy_published
	 * come before the records. */
	if (!p->seen_metadata || !p->seen_policy) {
		parser_fail(p, STATUS_PARSE,
			    _("no <report_metadata> and <policy_published> "
			      "before the records"));
		return;
	}
	parser_fix_org(p);
	if (!p->meta.org_name[0]) {
		parser_fail(p, STATUS_PARSE, _("no <org_name>"));
		return;
	}
	if (!p->meta.report_id[0]) {
		parser_fail(p, STATUS_PARSE, _("no <report_id>"));
		return;
	}
	if (p->meta.date_begin < 0 || p->meta.date_end < 0) {
		parser_fail(p, STATUS_PARSE, _("no <date_range>"));
		return;
	}
	if (!p->meta.domain[0]) {
		parser_fail(p, STATUS_PARSE,
			    _("no <domain> in <policy_published>"));
		return;
	}
	if (p->h && p->h->meta) {
		enum status st = p->h->meta(p->h->arg, &p->meta, &p->skip,
					    p->err);

		if (st != STATUS_OK)
			p->st = st;
	}
}

/* Appends a reason type to the record's list. */
static void parser_add_reason(struct parser *p, const char *type)
{
	size_t have = strlen(p->row.reasons), add = strlen(type);

	if (!add)
		return;
	if (have + add + 1 > REPORT_FIELD_MAX) {
		parser_fail(p, STATUS_LIMIT, _("<reason> types too long"));
		return;
	}
	if (have)
		p->row.reasons[have++] = ',';
	memcpy(p->row.reasons + have, type, add + 1);
}

/* Checks a finished record and hands it to the row callback. */
static void parser_end_record(struct parser *p)
{
	struct ip_net ip;
	char raw[REPORT_FIELD_MAX + 1];

	parser_send_meta(p);
	if (p->st != STATUS_OK || p->skip)
		return;
	if (!p->row.source_ip[0]) {
		parser_fail(p, STATUS_PARSE, _("a record has no <source_ip>"));
		return;
	}
	memcpy(raw, p->row.source_ip, sizeof p->row.source_ip);
	if (!ip_addr_parse(raw, &ip)) {
		char *clean = text_clean_str(raw);

		parser_fail(p, STATUS_PARSE,
			    _("<source_ip> \"%s\" is not an IP address"),
			    clean);
		free(clean);
		return;
	}
	ip_net_format(&ip, p->row.source_ip);
	if (!p->have_count) {
		parser_fail(p, STATUS_PARSE, _("a record has no <count>"));
		return;
	}
	if (p->h && p->h->row) {
		enum status st = p->h->row(p->h->arg, &p->meta, &p->row,
					   p->err);

		if (st != STATUS_OK)
			p->st = st;
	}
}

/* Uses the text of an element that just ended. */
static void parser_close(struct parser *p, enum element el)
{
	enum element parent = parser_up(p, 1);
	const char *s;
	int64_t v;
	bool overflow;

	if (el == EL_RECORD && parent == EL_FEEDBACK) {
		parser_end_record(p);
		return;
	}
	if ((el == EL_DKIM || el == EL_SPF) && parent == EL_AUTH_RESULTS) {
		p->auth = NULL;
		return;
	}
	if (p->kind == TEXT_IGNORE)
		return;
	parser_trim(p);
	s = strbuf_str(&p->text);
	if (p->kind == TEXT_INT) {
		if (!parse_count(s, &v, &overflow)) {
			char *clean = text_clean(s, p->text.len > 40
							    ? 40
							    : p->text.len);

			parser_fail(p, overflow ? STATUS_LIMIT : STATUS_PARSE,
				    overflow ? _("<%s> \"%s\" is too large")
					     : _("<%s> \"%s\" is not a "
						 "non-negative integer"),
				    element_names[el], clean);
			free(clean);
			return;
		}
		if ((el == EL_BEGIN || el == EL_END) &&
		    (v < REPORT_DATE_MIN || v >= REPORT_DATE_MAX)) {
			parser_fail(p, STATUS_PARSE,
				    _("<%s> %lld is not a date between 1970 "
				      "and 2100"),
				    element_names[el], (long long)v);
			return;
		}
		if (el == EL_BEGIN)
			p->meta.date_begin = v;
		else if (el == EL_END)
			p->meta.date_end = v;
		else if (el == EL_PCT)
			p->meta.pct = v > 100 ? 100 : (int)v;
		else if (el == EL_COUNT_) {
			p->row.count = v;
			p->have_count = true;
		}
		return;
	}
	switch (el) {
	case EL_ORG_NAME:
		parser_store(p, p->meta.org_name, "org_name");
		break;
	case EL_EMAIL:
		parser_store(p, p->meta.email, "email");
		break;
	case EL_REPORT_ID:
		parser_store(p, p->meta.report_id, "report_id");
		break;
	case EL_DOMAIN:
		if (parent == EL_POLICY_PUBLISHED)
			parser_store(p, p->meta.domain, "domain");
		else if (p->auth)
			parser_store(p, p->auth->domain, "domain");
		break;
	case EL_ADKIM:
		parser_store(p, p->meta.adkim, "adkim");
		break;
	case EL_ASPF:
		parser_store(p, p->meta.aspf, "aspf");
		break;
	case EL_P:
		parser_store(p, p->meta.p, "p");
		break;
	case EL_SP:
		parser_store(p, p->meta.sp, "sp");
		break;
	case EL_NP:
		parser_store(p, p->meta.np, "np");
		break;
	case EL_TESTING:
		parser_store(p, p->meta.testing, "testing");
		break;
	case EL_SOURCE_IP:
		if (p->text.len >= sizeof p->row.source_ip) {
			char *clean = text_clean(s, 40);

			parser_fail(p, STATUS_PARSE,
				    _("<source_ip> \"%s\" is not an IP "
				      "address"),
				    clean);
			free(clean);
			break;
		}
		memcpy(p->row.source_ip, s, p->text.len + 1);
		break;
	case EL_DISPOSITION:
		parser_store(p, p->row.disposition, "disposition");
		break;
	case EL_DKIM:
		parser_store(p, p->row.dkim, "dkim");
		break;
	case EL_SPF:
		parser_store(p, p->row.spf, "spf");
		break;
	case EL_TYPE: {
		char type[REPORT_FIELD_MAX + 1];

		if (parser_store(p, type, "type"))
			parser_add_reason(p, type);
		break;
	}
	case EL_COMMENT:
		/* RFC 8617: receivers name ARC in the override comment. */
		if (strstr(s, "arc") || strstr(s, "ARC"))
			p->row.arc = true;
		break;
	case EL_HEADER_FROM:
		parser_store(p, p->row.header_from, "header_from");
		break;
	case EL_ENVELOPE_FROM:
		parser_store(p, p->row.envelope_from, "envelope_from");
		break;
	case EL_ENVELOPE_TO:
		parser_store(p, p->row.envelope_to, "envelope_to");
		break;
	case EL_SELECTOR:
		if (p->auth)
			parser_store(p, p->auth->selector, "selector");
		break;
	case EL_RESULT:
		if (p->auth)
			parser_store(p, p->auth->result, "result");
		break;
	default:
		break;
	}
}

/* True if the namespace is one a DMARC report may use. */
static bool namespace_ok(const char *ns, enum report_format *format)
{
	if (!ns || !*ns) {
		*format = REPORT_FORMAT_RFC7489;
		return true;
	}
	if (strcmp(ns, NS_DMARC2) == 0) {
		*format = REPORT_FORMAT_RFC9990;
		return true;
	}
	if (strcmp(ns, NS_DMARC_ORG) == 0) {
		*format = REPORT_FORMAT_RFC7489;
		return true;
	}
	return false;
}

/* Handles one start tag. */
static void parser_start(struct parser *p, const xmlChar *xlocal,
			 const char *ns)
{
	const char *local = (const char *)xlocal;
	enum report_format format;
	enum element el;

	/* SAX sends <x/> as a start and an end, as <x></x>. */
	if (p->in_foreign) {
		p->foreign_depth++;
		return;
	}
	if (p->depth == 0) {
		if (!p->root[0])
			snprintf(p->root, sizeof p->root, "%s",
				 local ? local : "");
		if (!local || strcmp(local, "feedback") != 0 ||
		    !namespace_ok(ns, &format)) {
			/* A report some reporters wrap in an element of
			 * their own: look for <feedback> inside it. */
			if (!p->seen_root && p->wrap_depth < REPORT_WRAP_MAX) {
				p->wrap_depth++;
				return;
			}
			parser_fail(p, STATUS_PARSE,
				    _("not a DMARC aggregate report"));
			return;
		}
		p->meta.format = format;
		p->seen_root = true;
	} else if (!namespace_ok(ns, &format)) {
		/* Extensions (RFC 9990 4.2) live in other namespaces. */
		p->in_foreign = true;
		p->foreign_depth = 1;
		return;
	}
	if (p->depth >= REPORT_DEPTH_MAX) {
		parser_fail(p, STATUS_LIMIT, _("elements nested too deep"));
		return;
	}
	el = xlocal ? parser_lookup(p, xlocal) : EL_OTHER;
	if (p->depth > 0 && el == EL_FEEDBACK)
		el = EL_OTHER;
	p->stack[p->depth++] = el;
	strbuf_reset(&p->text);
	p->collecting = true;
	parser_open(p, el);
}

/* Handles one end tag. */
static void parser_end(struct parser *p)
{
	if (p->in_foreign) {
		if (--p->foreign_depth == 0)
			p->in_foreign = false;
		return;
	}
	if (p->depth == 0) {
		if (p->wrap_depth > 0)
			p->wrap_depth--;
		return;
	}
	parser_close(p, p->stack[p->depth - 1]);
	p->depth--;
	/* A wrapped report ends with its </feedback>, whatever follows
	 * (the wrapper is often left open). */
	if (p->depth == 0 && p->wrap_depth > 0)
		p->wrapped_done = true;
	p->collecting = false;
	p->kind = TEXT_IGNORE;
}

/* Collects text of the element being read, bounded; libxml2 may hand
 * one text over in several pieces. */
static void parser_text(struct parser *p, const char *value, size_t len)
{
	if (p->in_foreign || !p->collecting || p->kind == TEXT_IGNORE)
		return;
	/* The whole value is checked, never a cut one: spaces or zeros
	 * in front must not hide what follows. A comment is only
	 * searched for "arc", so it alone is cut. */
	if (p->text.len + len > REPORT_TEXT_MAX) {
		enum element el = parser_up(p, 0);

		if (el != EL_COMMENT) {
			parser_fail(p, STATUS_LIMIT,
				    _("<%s> holds more than %d bytes"),
				    element_names[el], REPORT_TEXT_MAX);
			return;
		}
		len = REPORT_TEXT_MAX - p->text.len;
	}
	strbuf_add(&p->text, value, len);
}

/* Stops libxml2 once the report failed, is skipped (known already) or
 * is whole inside a wrapper. */
static void parser_check_stop(struct parser *p)
{
	if (!p->stopped &&
	    (p->st != STATUS_OK || p->skip || p->wrapped_done)) {
		p->stopped = true;
		xmlStopParser(p->ctxt);
	}
}

/* SAX: a start tag. */
static void sax_start(void *ctx, const xmlChar *localname,
		      const xmlChar *prefix, const xmlChar *uri,
		      int nb_namespaces, const xmlChar **namespaces,
		      int nb_attributes, int nb_defaulted,
		      const xmlChar **attributes)
{
	struct parser *p = ctx;

	(void)prefix, (void)nb_namespaces, (void)namespaces;
	(void)nb_attributes, (void)nb_defaulted, (void)attributes;
	if (p->stopped)
		return;
	parser_start(p, localname, (const char *)uri);
	parser_check_stop(p);
}

/* SAX: an end tag. */
static void sax_end(void *ctx, const xmlChar *localname,
		    const xmlChar *prefix, const xmlChar *uri)
{
	struct parser *p = ctx;

	(void)localname, (void)prefix, (void)uri;
	if (p->stopped)
		return;
	parser_end(p);
	parser_check_stop(p);
}

/* SAX: text (and CDATA, which XML_PARSE_NOCDATA makes text). */
static void sax_text(void *ctx, const xmlChar *text, int len)
{
	struct parser *p = ctx;

	if (p->stopped || len <= 0)
		return;
	parser_text(p, (const char *)text, (size_t)len);
	parser_check_stop(p);
}

/* SAX: a document type declaration. DESIGN.md 8: no DTD, so no entity
 * expansion; refused before its internal subset is read. */
static void sax_doctype(void *ctx, const xmlChar *name,
			const xmlChar *external_id, const xmlChar *system_id)
{
	struct parser *p = ctx;

	(void)name, (void)external_id, (void)system_id;
	parser_fail(p, STATUS_REFUSED,
		    _("a document type declaration (DTD) is not allowed in "
		      "a report"));
	parser_check_stop(p);
}

/* SAX: a reference to an entity that is not predefined. */
static void sax_reference(void *ctx, const xmlChar *name)
{
	struct parser *p = ctx;

	(void)name;
	parser_fail(p, STATUS_REFUSED,
		    _("entities are not allowed in a report"));
	parser_check_stop(p);
}

/* Runs libxml2's SAX parser over the document: events go straight to
 * the handlers, with no tree of nodes built and freed for each (the
 * reader's way, which cost as much as the parsing itself). */
static void parser_run(struct parser *p)
{
	int ret = xmlParseDocument(p->ctxt);

	if (p->st != STATUS_OK || p->skip)
		return;
	if ((ret < 0 || !p->ctxt->wellFormed || p->wrap_error) &&
	    !p->wrapped_done) {
		parser_fail(p, STATUS_PARSE, _("malformed XML"));
		return;
	}
	if (!p->seen_root) {
		char *clean = text_clean_str(p->root);

		parser_fail(p, STATUS_PARSE,
			    _("not a DMARC aggregate report (root "
			      "element <%s>)"),
			    clean);
		free(clean);
		return;
	}
	parser_send_meta(p);
}

/* Parses a report from a read callback. */
enum status report_parse(report_read_fn read, void *read_arg,
			 const char *name, const struct report_handler *h,
			 struct err *err)
{
	struct parser p;
	/* DESIGN.md 8: no network, no DTD loading, no entity substitution
	 * (XML_PARSE_NOENT is deliberately absent), libxml2's size limits
	 * kept (no XML_PARSE_HUGE). */
	int options = XML_PARSE_NONET | XML_PARSE_NOERROR |
		      XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
		      XML_PARSE_NOBLANKS;

	xmlSAXHandler sax;
	xmlStructuredErrorFunc saved_structured;
	xmlGenericErrorFunc saved_generic;
	void *saved_structured_ctx, *saved_generic_ctx;

	memset(&p, 0, sizeof p);
	p.name = name;
	p.h = h;
	p.err = err;
	p.read = read;
	p.read_arg = read_arg;
	p.meta.date_begin = p.meta.date_end = -1;
	p.meta.pct = -1;
	strbuf_init(&p.text);
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = sax_start;
	sax.endElementNs = sax_end;
	sax.characters = sax_text;
	sax.cdataBlock = sax_text;
	sax.internalSubset = sax_doctype;
	sax.reference = sax_reference;
	sax.serror = parser_xml_error;
	p.ctxt = xmlCreateIOParserCtxt(&sax, &p, parser_io_read,
				       parser_io_close, &p,
				       XML_CHAR_ENCODING_NONE);
	if (!p.ctxt) {
		parser_fail(&p, STATUS_PARSE, _("cannot start the XML reader"));
		goto out;
	}
	xmlCtxtUseOptions(p.ctxt, options);
	/* The thread's own handlers catch what the reader's does not. */
	saved_structured = xmlStructuredError;
	saved_structured_ctx = xmlStructuredErrorContext;
	saved_generic = xmlGenericError;
	saved_generic_ctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(&p, parser_xml_error);
	xmlSetGenericErrorFunc(&p, parser_generic_error);
	parser_run(&p);
	xmlSetStructuredErrorFunc(saved_structured_ctx, saved_structured);
	xmlSetGenericErrorFunc(saved_generic_ctx, saved_generic);
out:
	if (p.ctxt)
		xmlFreeParserCtxt(p.ctxt);
	strbuf_done(&p.text);
	err_done(&p.read_err);
	return p.st;
}

struct memory_source {
	const char *data;
	size_t len;
	size_t pos;
};

/* Reads from a buffer. */
static ssize_t memory_read(void *arg, char *buf, size_t len, struct err *err)
{
	struct memory_source *m = arg;
	size_t n = m->len - m->pos;

	if (n > len)
		n = len;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

/* Parses a report held in memory. */
enum status report_parse_memory(const char *data, size_t len,
				const char *name,
				const struct report_handler *h,
				struct err *err)
{
	struct memory_source m = { data, len, 0 };

	return report_parse(memory_read, &m, name, h, err);
}
