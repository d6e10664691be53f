/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The message's own account of its trip: the From address, the
 * connecting client from the receiver's Received field (or Received-SPF)
 * and the reverse-path from Return-Path. */
#include "config.h"

#include "app/mail_check.h"
#include "app/mail_check_private.h"

#include <stdlib.h>
#include <string.h>

#include "util/ip.h"
#include "util/text.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------ addresses */

/* Removes RFC 5322 comments from a header value, keeping quoted strings
 * as they are. Caller frees. */
char *mail_strip_comments(const char *s)
{
	char *out = xmalloc(strlen(s) + 1);
	size_t n = 0;
	int depth = 0;
	bool quoted = false;

	for (; *s; s++) {
		if (*s == '\\' && s[1] && (quoted || depth)) {
			if (!depth) {
				out[n++] = s[0];
				out[n++] = s[1];
			}
			s++;
			continue;
		}
		if (!depth && *s == '"')
			quoted = !quoted;
		if (!quoted && *s == '(') {
			depth++;
			continue;
		}
		if (!quoted && depth && *s == ')') {
			depth--;
			continue;
		}
		if (!depth)
			out[n++] = *s;
	}
	out[n] = '\0';
	return out;
}

/* The header block of msg (its fields, end to end) read by GMime. */
enum status mail_header_parse(const struct dkim_msg *msg,
			      struct mailmsg_header_info *out, struct err *err)
{
	const struct dkim_field *last;

	memset(out, 0, sizeof *out);
	if (!msg->nfields)
		return STATUS_OK;
	last = &msg->fields[msg->nfields - 1];
	return mailmsg_parse_header(
	    msg->fields[0].raw,
	    (size_t)(last->raw + last->raw_len - msg->fields[0].raw), out, err);
}

/* Whether GMime's addr-spec is one DMARC can use: a local part, "@" and
 * a domain, nothing that cannot stand in an addr-spec (RFC 5322 3.4.1). */
bool mail_address_valid(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at && at != addr && at[1] && !strpbrk(addr, " \t<>,");
}

/* The lower-case domain of an address, without a final dot. */
char *mail_address_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at && at[1] ? text_domain_normalize(at + 1) : NULL;
}

/* ------------------------------------------------------------- Received */

/* What one Received field says about the hop it records. */
struct received {
	char *helo, *ip, *by;
	bool tls;
};

static void received_done(struct received *r)
{
	free(r->helo);
	free(r->ip);
	free(r->by);
	memset(r, 0, sizeof *r);
}

/* The word after "key " in s (case-insensitive, at a word start), or
 * NULL. Caller frees. */
static char *word_after(const char *s, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = s; *p; p++) {
		if ((p == s || p[-1] == ' ' || p[-1] == '\t' || p[-1] == ')') &&
		    text_ieqn(p, key, klen) &&
		    (p[klen] == ' ' || p[klen] == '\t')) {
			const char *w = p + klen;
			size_t len;

			w += strspn(w, " \t");
			len = strcspn(w, " \t;()");
			return len ? xstrndup(w, len) : NULL;
		}
	}
	return NULL;
}

/* Reads the "from" clause of a Received field (RFC 5321 4.4: "from
 * HELO (TCP-info) by HOST with PROTOCOL ..."). False when it names no
 * client address (local submission, an internal hop). */
static bool received_parse(const char *value, struct received *out)
{
	char *v = xstrdup(value), *semi, *by, *lb, *rb;
	bool ok = false;

	memset(out, 0, sizeof *out);
	semi = strrchr(v, ';'); /* the date */
	if (semi)
		*semi = '\0';
	if (!text_ieqn(v + strspn(v, " \t"), "from ", 5))
		goto out;
	out->helo = word_after(v, "from");
	out->by = word_after(v, "by");
	/* RFC 5321 4.4: the client's address is in brackets in the
	 * TCP-info, before "by". */
	by = NULL;
	for (char *p = v; *p; p++)
		if ((*p == ' ' || *p == '\t') && text_ieqn(p + 1, "by ", 3)) {
			by = p;
			break;
		}
	lb = strchr(v, '[');
	rb = lb ? strchr(lb, ']') : NULL;
	if (lb && rb && (!by || lb < by)) {
		char *addr = xstrndup(lb + 1, (size_t)(rb - lb - 1));
		const char *a = text_ieqn(addr, "IPv6:", 5) ? addr + 5 : addr;
		struct ip_net net;

		if (ip_addr_parse(a, &net)) {
			out->ip = xstrdup(a);
			ok = true;
		}
		free(addr);
	}
	/* RFC 3848: ESMTPS and its kin mean TLS; Postfix and others also
	 * write "(using TLSv1.3 ...)" or "(version=TLS1_3 ...)". */
	{
		char *with = word_after(v, "with");

		out->tls =
		    (with && (strstr(with, "SMTPS") || strstr(with, "smtps") ||
			      text_ieq(with, "LMTPS"))) ||
		    strstr(v, "using TLS") || strstr(v, "version=TLS");
		free(with);
	}
out:
	if (!ok)
		received_done(out);
	free(v);
	return ok;
}

/* Whether a hop is one of the operator's own (--trusted-hosts). */
static bool trusted_hop(const struct mail_check_options *o,
			const struct received *r)
{
	struct ip_net addr;

	if (!ip_addr_parse(r->ip, &addr))
		return false;
	for (size_t i = 0; i < o->ntrusted; i++) {
		struct ip_net net;

		if (ip_net_parse(o->trusted[i], AF_UNSPEC, &net)) {
			if (ip_net_contains(&net, &addr))
				return true;
		} else if (r->helo && text_ieq(r->helo, o->trusted[i])) {
			return true;
		}
	}
	return false;
}

/* The value of key= in a Received-SPF field (RFC 7208 9.1), or NULL. */
static char *received_spf_value(const char *value, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = value; *p; p++)
		if ((p == value || strchr(" \t;(", p[-1])) &&
		    text_ieqn(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;

			return xstrndup(v, strcspn(v, " \t;)"));
		}
	return NULL;
}

/* Finds the connecting client: the options first, then the topmost
 * Received field that names a client outside the trusted hosts, then
 * a Received-SPF field; the reverse-path from the options, else the
 * Return-Path GMime read (return_path, may be NULL). */
void mail_find_envelope(const struct dkim_msg *msg,
			const struct mail_check_options *o,
			const char *return_path, struct mail_envelope *env)
{
	memset(env, 0, sizeof *env);
	if (o->ip) {
		env->ip = xstrdup(o->ip);
		env->source = "options";
	}
	for (size_t i = 0; i < msg->nfields && !env->source; i++) {
		struct received r;
		char *value;

		if (!dkim_field_is(&msg->fields[i], "Received"))
			continue;
		value =
		    xstrndup(msg->fields[i].value, msg->fields[i].value_len);
		for (char *p = value; *p; p++)
			if (*p == '\r' || *p == '\n')
				*p = ' ';
		if (received_parse(value, &r) && !trusted_hop(o, &r)) {
			env->ip = r.ip;
			env->helo = r.helo;
			env->receiver = r.by;
			env->tls_known = true;
			env->tls = r.tls;
			env->source = "received";
			r.ip = r.helo = r.by = NULL;
		}
		received_done(&r);
		free(value);
	}
	if (!env->source) {
		char *spf = dkim_msg_get(msg, "Received-SPF", true, NULL);

		if (spf) {
			env->ip = received_spf_value(spf, "client-ip");
			env->helo = received_spf_value(spf, "helo");
			if (env->ip)
				env->source = "received-spf";
		}
		free(spf);
	}
	if (o->helo) {
		free(env->helo);
		env->helo = xstrdup(o->helo);
	}
	/* RFC 5321 4.4: the final receiver writes the reverse-path into
	 * Return-Path. */
	if (o->mail_from) {
		env->mail_from = xstrdup(
		    strcmp(o->mail_from, "<>") == 0 ? "" : o->mail_from);
	} else if (return_path) {
		env->mail_from = xstrdup(return_path);
	}
}
