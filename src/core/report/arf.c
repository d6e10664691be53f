/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "report/arf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The most field text either block may have. */
#define ARF_BLOCK_MAX (64 * 1024)

/* Calls fn for every header field of a block: RFC 5322 2.2 fields,
 * unfolded (2.2.3), name and value trimmed. Stops at an empty line. */
static void arf_fields(const char *s, size_t len,
		       void (*fn)(void *arg, const char *name,
				  const char *value),
		       void *arg)
{
	struct strbuf name = STRBUF_INIT, value = STRBUF_INIT;
	size_t i = 0;
	bool have = false;

	while (i < len) {
		size_t end = i, next;

		while (end < len && s[end] != '\n')
			end++;
		next = end < len ? end + 1 : end;
		if (end > i && s[end - 1] == '\r')
			end--;
		if (end == i)
			break; /* the empty line ends the header block */
		if ((s[i] == ' ' || s[i] == '\t') && have) {
			strbuf_addch(&value, ' ');
			strbuf_add(&value, s + i, end - i);
		} else {
			const char *colon = memchr(s + i, ':', end - i);

			if (have)
				fn(arg, strbuf_str(&name), strbuf_str(&value));
			have = false;
			strbuf_reset(&name);
			strbuf_reset(&value);
			if (colon) {
				strbuf_add(&name, s + i,
					   (size_t)(colon - s - i));
				strbuf_add(&value, colon + 1,
					   (size_t)(s + end - colon - 1));
				have = true;
			}
		}
		i = next;
	}
	if (have)
		fn(arg, strbuf_str(&name), strbuf_str(&value));
	strbuf_done(&name);
	strbuf_done(&value);
}

/* Copies a value into a field, trimmed, cut at ARF_FIELD_MAX bytes. */
static void arf_copy(char *field, const char *value, bool lower)
{
	size_t len;

	while (*value == ' ' || *value == '\t')
		value++;
	len = strlen(value);
	while (len > 0 && strchr(" \t\r\n", value[len - 1]))
		len--;
	if (len > ARF_FIELD_MAX)
		len = ARF_FIELD_MAX;
	memcpy(field, value, len);
	field[len] = '\0';
	if (lower)
		text_lower(field);
}

/* The address of a From or Original-Mail-From value: inside <> when
 * there are angle brackets (RFC 5322 3.4), else the whole value. */
static void arf_address(char *field, const char *value)
{
	const char *lt = strrchr(value, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	char buf[ARF_FIELD_MAX + 1];
	size_t len;

	if (lt && gt) {
		len = (size_t)(gt - lt - 1);
		if (len > ARF_FIELD_MAX)
			len = ARF_FIELD_MAX;
		memcpy(buf, lt + 1, len);
		buf[len] = '\0';
		arf_copy(field, buf, false);
	} else {
		arf_copy(field, value, false);
	}
}

/* The domain of an address ("user@Example.COM" gives "example.com"). */
static void arf_domain_of(char *field, const char *address)
{
	const char *at = strrchr(address, '@');

	arf_copy(field, at ? at + 1 : address, true);
}

/* The value of tag (e.g. "d") in a DKIM-Signature (RFC 6376 3.2). */
static void arf_dkim_tag(char *field, const char *sig, const char *tag)
{
	size_t tlen = strlen(tag);
	const char *p = sig;

	while (*p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *q = p;

		while (q < p + len && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(p + len - q) > tlen &&
		    strncmp(q, tag, tlen) == 0) {
			const char *eq = q + tlen;

			while (eq < p + len && (*eq == ' ' || *eq == '\t'))
				eq++;
			if (eq < p + len && *eq == '=') {
				char buf[ARF_FIELD_MAX + 1];
				size_t vlen = (size_t)(p + len - eq - 1);

				if (vlen > ARF_FIELD_MAX)
					vlen = ARF_FIELD_MAX;
				memcpy(buf, eq + 1, vlen);
				buf[vlen] = '\0';
				arf_copy(field, buf, true);
				return;
			}
		}
		if (!end)
			break;
		p = end + 1;
	}
}

struct arf_state {
	struct arf_report *r;
	char source_ip[ARF_FIELD_MAX + 1];
	bool have_source_ip;
	bool saw_feedback_type;
};

/* One field of the message/feedback-report part (RFC 5965 3.1, RFC 6591
 * 3.1). */
static void arf_feedback_field(void *arg, const char *name, const char *value)
{
	struct arf_state *st = arg;
	struct arf_report *r = st->r;

	if (text_ieq(name, "Feedback-Type")) {
		arf_copy(r->feedback_type, value, true);
		st->saw_feedback_type = true;
	} else if (text_ieq(name, "Source-IP")) {
		arf_copy(st->source_ip, value, false);
		st->have_source_ip = true;
	} else if (text_ieq(name, "Reported-Domain")) {
		if (!r->reported_domain[0])
			arf_copy(r->reported_domain, value, true);
	} else if (text_ieq(name, "Auth-Failure")) {
		arf_copy(r->auth_failure, value, true);
	} else if (text_ieq(name, "Original-Mail-From")) {
		arf_address(r->original_mail_from, value);
	} else if (text_ieq(name, "DKIM-Domain")) {
		arf_copy(r->dkim_domain, value, true);
	} else if (text_ieq(name, "DKIM-Selector")) {
		arf_copy(r->dkim_selector, value, true);
	} else if (text_ieq(name, "Arrival-Date") ||
		   text_ieq(name, "Received-Date")) {
		arf_copy(r->arrival_date, value, false);
	} else if (text_ieq(name, "Delivery-Result")) {
		arf_copy(r->delivery_result, value, true);
	} else if (text_ieq(name, "Original-Envelope-Id") ||
		   text_ieq(name, "Message-ID")) {
		if (!r->message_id[0])
			arf_copy(r->message_id, value, false);
	}
}

/* One field of the original message's headers. */
static void arf_header_field(void *arg, const char *name, const char *value)
{
	struct arf_state *st = arg;
	struct arf_report *r = st->r;

	if (text_ieq(name, "From")) {
		if (!r->original_from[0])
			arf_address(r->original_from, value);
	} else if (text_ieq(name, "DKIM-Signature")) {
		/* The first signature names the domain that signed. */
		if (!r->dkim_domain[0])
			arf_dkim_tag(r->dkim_domain, value, "d");
		if (!r->dkim_selector[0])
			arf_dkim_tag(r->dkim_selector, value, "s");
	} else if (text_ieq(name, "Message-ID")) {
		if (!r->message_id[0])
			arf_copy(r->message_id, value, false);
	} else if (text_ieq(name, "Return-Path")) {
		if (!r->original_mail_from[0])
			arf_address(r->original_mail_from, value);
	}
}

/* Parses a failure report's two header blocks. */
enum status arf_parse(const char *feedback, size_t flen, const char *headers,
		      size_t hlen, const char *name, struct arf_report *out,
		      struct err *err)
{
	struct arf_state st;
	struct ip_net ip;

	memset(out, 0, sizeof *out);
	memset(&st, 0, sizeof st);
	st.r = out;
	if (flen > ARF_BLOCK_MAX || hlen > ARF_BLOCK_MAX)
		return err_set(err, STATUS_LIMIT,
			       _("%s: failure report fields longer than %d "
				 "bytes"),
			       name, ARF_BLOCK_MAX);
	arf_fields(feedback, flen, arf_feedback_field, &st);
	/* RFC 5965 3.1: Feedback-Type is required. */
	if (!st.saw_feedback_type || !out->feedback_type[0])
		return err_set(err, STATUS_PARSE,
			       _("%s: failure report without Feedback-Type"),
			       name);
	if (st.have_source_ip && st.source_ip[0]) {
		if (!ip_addr_parse(st.source_ip, &ip)) {
			char *clean = text_clean_str(st.source_ip);

			err_set(err, STATUS_PARSE,
				_("%s: Source-IP \"%s\" is not an IP address"),
				name, clean);
			free(clean);
			return STATUS_PARSE;
		}
		ip_net_format(&ip, out->source_ip);
	}
	if (headers)
		arf_fields(headers, hlen, arf_header_field, &st);
	/* RFC 6591 3.1: Reported-Domain names the author's domain; take
	 * the From's domain when the reporter left it out. */
	if (!out->reported_domain[0] && out->original_from[0])
		arf_domain_of(out->reported_domain, out->original_from);
	if (!out->spf_domain[0] && out->original_mail_from[0] &&
	    strchr(out->original_mail_from, '@'))
		arf_domain_of(out->spf_domain, out->original_mail_from);
	return STATUS_OK;
}
