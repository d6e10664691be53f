/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The message as a DKIM verifier sees it: header fields byte for byte
 * and the body, with line ends made CRLF (RFC 6376 5.3: the signer
 * signed the SMTP form, whose lines end in CRLF). This is the wire form
 * split at its line structure, which canonicalization needs untouched;
 * MIME is not interpreted here. */
#include "config.h"

#include "dkim/dkim_verify.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Copies data with every line end made CRLF; drops a leading mbox
 * "From " line and stops at the next message of an mbox. */
static char *to_crlf(const char *data, size_t len, size_t *out_len)
{
	char *out = xmalloc(len * 2 + 1);
	size_t n = 0, i = 0;
	bool mbox = false;

	if (len >= 5 && memcmp(data, "From ", 5) == 0) {
		const char *nl = memchr(data, '\n', len);

		i = nl ? (size_t)(nl - data) + 1 : len;
		mbox = true;
	}
	for (; i < len; i++) {
		char c = data[i];

		if (c == '\r') {
			out[n++] = '\r';
			out[n++] = '\n';
			if (i + 1 < len && data[i + 1] == '\n')
				i++;
		} else if (c == '\n') {
			out[n++] = '\r';
			out[n++] = '\n';
		} else {
			out[n++] = c;
			continue;
		}
		/* mbox: a blank line, then "From " starts the next message;
		 * the blank line belongs to the separator. */
		if (mbox && i + 5 < len &&
		    memcmp(data + i + 1, "From ", 5) == 0 && n >= 4 &&
		    memcmp(out + n - 4, "\r\n\r\n", 4) == 0) {
			n -= 2;
			break;
		}
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

/* RFC 5322 3.6.8: ftext is any printable ASCII except the colon. */
static bool is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/* Splits a message into its fields and body. */
enum status dkim_msg_parse(const char *data, size_t len, struct dkim_msg *out,
			   struct err *err)
{
	size_t cap = 0, pos = 0, line = 0;
	enum status st = STATUS_OK;

	memset(out, 0, sizeof *out);
	if (len > DKIM_MSG_MAX_SIZE)
		return err_set(err, STATUS_LIMIT,
			       _("the message is larger than %u MiB"),
			       DKIM_MSG_MAX_SIZE >> 20);
	out->data = to_crlf(data, len, &out->len);
	while (pos < out->len) {
		const char *p = out->data + pos;
		const char *eol = memmem(p, out->len - pos, "\r\n", 2);
		size_t llen = eol ? (size_t)(eol - p) : out->len - pos;
		size_t next = pos + llen + (eol ? 2 : 0);

		line++;
		if (llen == 0) { /* the empty line: the body follows */
			out->body = out->data + next;
			out->body_len = out->len - next;
			break;
		}
		if (next > DKIM_MSG_MAX_HEADER) {
			st = err_set(err, STATUS_LIMIT,
				     _("the header is larger than %u MiB"),
				     DKIM_MSG_MAX_HEADER >> 20);
			goto out;
		}
		if (memchr(p, '\0', llen)) {
			st = err_set(err, STATUS_PARSE,
				     _("line %zu of the header holds a NUL "
				       "octet"),
				     line);
			goto out;
		}
		if (*p == ' ' || *p == '\t') {
			struct dkim_field *f;

			if (out->nfields == 0) {
				st = err_set(err, STATUS_PARSE,
					     _("the message starts with a "
					       "continuation line"));
				goto out;
			}
			/* RFC 5322 2.2.3: folded into the field above. */
			f = &out->fields[out->nfields - 1];
			f->raw_len = (size_t)(p + llen - f->raw);
			f->value_len = (size_t)(p + llen - f->value);
		} else {
			size_t nlen = 0;
			struct dkim_field *f;

			while (nlen < llen && is_ftext((unsigned char)p[nlen]))
				nlen++;
			/* RFC 5322 4.5.3: obsolete WSP before the colon. */
			size_t c = nlen;
			while (c < llen && (p[c] == ' ' || p[c] == '\t'))
				c++;
			if (nlen == 0 || c >= llen || p[c] != ':') {
				st = err_set(err, STATUS_PARSE,
					     _("line %zu of the header is not "
					       "a header field"),
					     line);
				goto out;
			}
			if (out->nfields == DKIM_MSG_MAX_FIELDS) {
				st = err_set(err, STATUS_LIMIT,
					     _("the header has more than %d "
					       "fields"),
					     DKIM_MSG_MAX_FIELDS);
				goto out;
			}
			out->fields = xgrow(out->fields, &cap, out->nfields + 1,
					    sizeof *f);
			f = &out->fields[out->nfields++];
			f->raw = p;
			f->raw_len = llen;
			f->name_len = nlen;
			f->value = p + c + 1;
			f->value_len = llen - c - 1;
		}
		pos = next;
	}
	if (out->nfields == 0)
		st = err_set(err, STATUS_PARSE,
			     _("no header field: this is not a message"));
	if (!out->body)
		out->body = out->data + out->len;
out:
	if (st != STATUS_OK) {
		dkim_msg_done(out);
		memset(out, 0, sizeof *out);
	}
	return st;
}

/* Frees what dkim_msg_parse() allocated. */
void dkim_msg_done(struct dkim_msg *msg)
{
	free(msg->data);
	free(msg->fields);
	msg->data = NULL;
	msg->fields = NULL;
	msg->nfields = 0;
}

/* Compares a field's name with name, ignoring case. */
bool dkim_field_is(const struct dkim_field *field, const char *name)
{
	return strlen(name) == field->name_len &&
	       text_ieqn(field->raw, name, field->name_len);
}

/* The unfolded, trimmed value of a field. */
static char *field_unfold(const struct dkim_field *f)
{
	char *s = xmalloc(f->value_len + 1);
	size_t n = 0;

	for (size_t i = 0; i < f->value_len; i++)
		if (f->value[i] != '\r' && f->value[i] != '\n')
			s[n++] = f->value[i];
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	s[n] = '\0';
	size_t lead = strspn(s, " \t");
	memmove(s, s + lead, n - lead + 1);
	return s;
}

/* Finds a field by name from the top or the bottom. */
char *dkim_msg_get(const struct dkim_msg *msg, const char *name, bool first,
		   size_t *index)
{
	for (size_t k = 0; k < msg->nfields; k++) {
		size_t i = first ? k : msg->nfields - 1 - k;

		if (dkim_field_is(&msg->fields[i], name)) {
			if (index)
				*index = i;
			return field_unfold(&msg->fields[i]);
		}
	}
	return NULL;
}

/* Counts the fields of one name. */
size_t dkim_msg_count(const struct dkim_msg *msg, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < msg->nfields; i++)
		n += dkim_field_is(&msg->fields[i], name);
	return n;
}
