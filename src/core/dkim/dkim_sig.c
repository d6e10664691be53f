/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DKIM-Signature header field (RFC 6376 3.5): its tag-list (3.2)
 * parsed and checked the way a verifier must (6.1.1). */
#include "config.h"

#include "dkim/dkim_verify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_private.h"
#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The most tags one signature may carry before we stop reading. */
#define SIG_TAGS_MAX 64

/* Tag values the verifier needs, before they are interpreted. */
struct raw_tags {
	char *v, *a, *b, *bh, *c, *cv, *d, *h, *i, *l, *q, *s, *t, *x;
};

/* Where each tag of interest is kept. */
static char **tag_slot(struct raw_tags *r, const char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t off;
	} map[] = {
		{ "v", offsetof(struct raw_tags, v) },
		{ "a", offsetof(struct raw_tags, a) },
		{ "b", offsetof(struct raw_tags, b) },
		{ "bh", offsetof(struct raw_tags, bh) },
		{ "c", offsetof(struct raw_tags, c) },
		{ "cv", offsetof(struct raw_tags, cv) },
		{ "d", offsetof(struct raw_tags, d) },
		{ "h", offsetof(struct raw_tags, h) },
		{ "i", offsetof(struct raw_tags, i) },
		{ "l", offsetof(struct raw_tags, l) },
		{ "q", offsetof(struct raw_tags, q) },
		{ "s", offsetof(struct raw_tags, s) },
		{ "t", offsetof(struct raw_tags, t) },
		{ "x", offsetof(struct raw_tags, x) },
	};

	for (size_t k = 0; k < sizeof map / sizeof *map; k++)
		if (strlen(map[k].name) == len &&
		    memcmp(map[k].name, name, len) == 0)
			return (char **)((char *)r + map[k].off);
	return NULL;
}

static void raw_tags_done(struct raw_tags *r)
{
	char **all[] = { &r->v, &r->a, &r->b, &r->bh, &r->c, &r->cv, &r->d,
			 &r->h, &r->i, &r->l, &r->q,  &r->s, &r->t,  &r->x };

	for (size_t k = 0; k < sizeof all / sizeof *all; k++)
		free(*all[k]);
}

/* RFC 6376 3.2: tag-name = ALPHA *ALNUMPUNC. */
static bool tag_name_ok(const char *s, size_t len)
{
	if (len == 0 ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t k = 1; k < len; k++) {
		char c = s[k];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* Splits the tag-list into the tags of interest; duplicates and
 * malformed specs are errors (RFC 6376 3.2). */
static enum status split_tags(const char *value, size_t len, struct raw_tags *r,
			      struct err *err)
{
	const char *p = value, *end = value + len;
	size_t ntags = 0;

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *spec = p, *eq, *name, *val;
		size_t slen = (size_t)((semi ? semi : end) - p), nlen, vlen;
		char **slot;

		p = semi ? semi + 1 : end;
		dkim_trim_fws(&spec, &slen);
		if (slen == 0)
			continue; /* the optional ";" at the end */
		if (++ntags > SIG_TAGS_MAX)
			return err_set(err, STATUS_PARSE,
				       _("more than %d tags"), SIG_TAGS_MAX);
		eq = memchr(spec, '=', slen);
		if (!eq)
			return err_set(err, STATUS_PARSE,
				       _("a tag without '=' in the "
					 "signature"));
		name = spec;
		nlen = (size_t)(eq - spec);
		dkim_trim_fws(&name, &nlen);
		val = eq + 1;
		vlen = (size_t)(spec + slen - val);
		dkim_trim_fws(&val, &vlen);
		if (!tag_name_ok(name, nlen))
			return err_set(err, STATUS_PARSE,
				       _("a malformed tag name in the "
					 "signature"));
		slot = tag_slot(r, name, nlen);
		if (!slot)
			continue; /* RFC 6376 3.2: unknown tags are ignored */
		if (*slot)
			return err_set(err, STATUS_PARSE,
				       _("the tag %.*s= appears twice"),
				       (int)nlen, name);
		*slot = xstrndup(val, vlen);
	}
	return STATUS_OK;
}

/* Removes FWS from a string in place. */
static void strip_fws(char *s)
{
	char *w = s;

	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			*w++ = *s;
	*w = '\0';
}

/* Decodes a base64 tag value (FWS allowed anywhere). */
static bool decode_b64(const char *value, unsigned char **out, size_t *len)
{
	char *compact = dkim_base64_compact(value);

	if (!compact || !*compact) {
		free(compact);
		return false;
	}
	*out = dkim_base64_decode(compact, len);
	free(compact);
	return *out != NULL;
}

/* Reads 1..max decimal digits into *out. */
static bool read_digits(const char *s, size_t max, uint64_t *out)
{
	size_t n = strlen(s);
	uint64_t v = 0;

	if (n == 0 || n > max)
		return false;
	for (size_t k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[k] - '0');
	}
	*out = v;
	return true;
}

/* Splits h= at its colons (RFC 6376 3.5: FWS allowed around names). */
static bool split_h(struct dkim_sig *sig, const char *h)
{
	size_t cap = 0;
	const char *p = h;

	for (;;) {
		const char *colon = strchr(p, ':');
		const char *name = p;
		size_t len = colon ? (size_t)(colon - p) : strlen(p);

		dkim_trim_fws(&name, &len);
		if (len == 0)
			return false;
		for (size_t k = 0; k < len; k++)
			if (!((unsigned char)name[k] >= 33 &&
			      (unsigned char)name[k] <= 126))
				return false;
		sig->h = xgrow(sig->h, &cap, sig->nh + 1, sizeof *sig->h);
		sig->h[sig->nh++] = xstrndup(name, len);
		if (!colon)
			return true;
		p = colon + 1;
	}
}

/* Parses c= (RFC 6376 3.5): header[/body], each simple or relaxed. */
static bool read_canon(struct dkim_sig *sig, const char *c)
{
	const char *slash = strchr(c, '/');
	size_t hlen = slash ? (size_t)(slash - c) : strlen(c);

	if (hlen == 6 && memcmp(c, "simple", 6) == 0)
		sig->header_relaxed = false;
	else if (hlen == 7 && memcmp(c, "relaxed", 7) == 0)
		sig->header_relaxed = true;
	else
		return false;
	if (!slash) {
		sig->body_relaxed = false;
		return true;
	}
	if (strcmp(slash + 1, "simple") == 0)
		sig->body_relaxed = false;
	else if (strcmp(slash + 1, "relaxed") == 0)
		sig->body_relaxed = true;
	else
		return false;
	return true;
}

/* The domain part of i= (after the last '@'). */
static const char *i_domain(const char *i)
{
	const char *at = strrchr(i, '@');

	return at ? at + 1 : NULL;
}

/* Parses and checks a DKIM-Signature value. */
enum status dkim_sig_parse(const char *value, size_t len, struct dkim_sig *out,
			   struct err *err)
{
	return dkim_sig_parse_kind(value, len, DKIM_SIG_DKIM, out, err);
}

/* Reads the ARC instance (RFC 8617 4.2.1: 1 to 50). */
static bool read_instance(const char *s, int *out)
{
	uint64_t n;

	if (!read_digits(s, 2, &n) || n < 1 || n > 50)
		return false;
	*out = (int)n;
	return true;
}

/* Parses and checks a DKIM-Signature, ARC-Message-Signature or ARC-Seal
 * value. */
enum status dkim_sig_parse_kind(const char *value, size_t len,
				enum dkim_sig_kind kind, struct dkim_sig *out,
				struct err *err)
{
	bool dkim = kind == DKIM_SIG_DKIM, seal = kind == DKIM_SIG_ARC_SEAL;
	struct raw_tags r = { 0 };
	enum status st;
	uint64_t n;
	const char *id;

	memset(out, 0, sizeof *out);
	if (memchr(value, '\0', len)) {
		st = err_set(err, STATUS_PARSE,
			     _("the signature holds a NUL octet"));
		goto out;
	}
	st = split_tags(value, len, &r, err);
	if (st != STATUS_OK)
		goto out;
	/* RFC 6376 6.1.1, RFC 8617 4.1.2 and 4.1.3: the required tags. */
	{
		const struct {
			const char *name;
			char *value;
			bool needed;
		} req[] = { { "v", r.v, dkim },    { "i", r.i, !dkim },
			    { "a", r.a, true },    { "b", r.b, true },
			    { "bh", r.bh, !seal }, { "cv", r.cv, seal },
			    { "d", r.d, true },    { "h", r.h, !seal },
			    { "s", r.s, true } };

		for (size_t k = 0; k < sizeof req / sizeof *req; k++)
			if (req[k].needed && !req[k].value) {
				st = err_set(err, STATUS_PARSE,
					     _("the required tag %s= is "
					       "missing"),
					     req[k].name);
				goto out;
			}
	}
	if (seal && r.h) {
		st = err_set(err, STATUS_PARSE,
			     _("an ARC-Seal must not have h="));
		goto out;
	}
	if (!dkim && !read_instance(r.i, &out->instance)) {
		st = err_set(err, STATUS_PARSE,
			     _("i=%s is not an ARC instance (1 to 50)"), r.i);
		goto out;
	}
	if (seal) {
		if (strcmp(r.cv, "none") != 0 && strcmp(r.cv, "pass") != 0 &&
		    strcmp(r.cv, "fail") != 0) {
			st =
			    err_set(err, STATUS_PARSE,
				    _("cv=%s is not none, pass or fail"), r.cv);
			goto out;
		}
		out->cv = xstrdup(r.cv);
	}
	if (dkim && strcmp(r.v, "1") != 0) {
		st =
		    err_set(err, STATUS_PARSE, _("v=%s is not version 1"), r.v);
		goto out;
	}
	out->a = xstrdup(r.a);
	if (strcmp(r.a, "rsa-sha256") == 0) {
		out->alg = DKIM_ALG_RSA_SHA256;
	} else if (strcmp(r.a, "rsa-sha1") == 0) {
		out->alg = DKIM_ALG_RSA_SHA1;
	} else if (strcmp(r.a, "ed25519-sha256") == 0) {
		out->alg = DKIM_ALG_ED25519_SHA256;
	} else {
		st = err_set(err, STATUS_UNSUPPORTED,
			     _("a=%s is not an algorithm a verifier knows"),
			     r.a);
		goto out;
	}
	/* RFC 8617 5.1.1: the seal is relaxed, without a c= tag. */
	out->c = xstrdup(seal ? "relaxed" : r.c ? r.c : "simple/simple");
	if (!read_canon(out, out->c)) {
		st = err_set(err, STATUS_PARSE,
			     _("c=%s is not a canonicalization"), out->c);
		goto out;
	}
	/* RFC 6376 3.5: q= lists methods; dns/txt is the only one. */
	out->q = xstrdup(r.q ? r.q : "dns/txt");
	if (!strstr(out->q, "dns/txt")) {
		st = err_set(err, STATUS_PARSE,
			     _("q=%s names no query method a verifier knows"),
			     out->q);
		goto out;
	}
	out->d = text_domain_normalize(r.d);
	out->s = text_lower(xstrdup(r.s));
	strip_fws(out->d);
	if (!*out->d || !dkim_selector_valid(out->s)) {
		st = err_set(err, STATUS_PARSE,
			     _("d= or s= is not a domain name"));
		goto out;
	}
	if (!seal && !split_h(out, r.h)) {
		st = err_set(err, STATUS_PARSE, _("h= is malformed"));
		goto out;
	}
	/* RFC 6376 5.4: From MUST be signed; 6.1.1: else it fails. */
	if (dkim && !dkim_sig_covers(out, "from")) {
		st = err_set(err, STATUS_PARSE, _("h= does not include From"));
		goto out;
	}
	/* RFC 6376 6.1.1: the domain of i= must be d= or below it. */
	if (dkim && r.i) {
		out->i = xstrdup(r.i);
		id = i_domain(r.i);
		if (!id || !(text_ieq(id, out->d) ||
			     (strlen(id) > strlen(out->d) &&
			      id[strlen(id) - strlen(out->d) - 1] == '.' &&
			      text_iends_with(id, out->d)))) {
			st = err_set(err, STATUS_PARSE,
				     _("i=%s is not in the domain d=%s"), r.i,
				     out->d);
			goto out;
		}
	}
	if (r.l) {
		if (!read_digits(r.l, 76, &n)) {
			st = err_set(err, STATUS_PARSE,
				     _("l=%s is not a number"), r.l);
			goto out;
		}
		out->has_l = true;
		out->l = n;
	}
	if (r.t) {
		if (!read_digits(r.t, 12, &n)) {
			st = err_set(err, STATUS_PARSE, _("t=%s is not a time"),
				     r.t);
			goto out;
		}
		out->has_t = true;
		out->t = (int64_t)n;
	}
	if (r.x) {
		if (!read_digits(r.x, 12, &n)) {
			st = err_set(err, STATUS_PARSE, _("x=%s is not a time"),
				     r.x);
			goto out;
		}
		out->has_x = true;
		out->x = (int64_t)n;
	}
	/* RFC 6376 3.5: x= MUST be greater than t=. */
	if (out->has_t && out->has_x && out->x <= out->t) {
		st = err_set(err, STATUS_PARSE, _("x= is not later than t="));
		goto out;
	}
	if (!decode_b64(r.b, &out->b, &out->b_len)) {
		st = err_set(err, STATUS_PARSE, _("b= is not valid base64"));
		goto out;
	}
	if (!seal && !decode_b64(r.bh, &out->bh, &out->bh_len)) {
		st = err_set(err, STATUS_PARSE, _("bh= is not valid base64"));
		goto out;
	}
out:
	raw_tags_done(&r);
	return st;
}

/* Frees a parsed signature. */
void dkim_sig_done(struct dkim_sig *sig)
{
	free(sig->a);
	free(sig->d);
	free(sig->s);
	free(sig->i);
	free(sig->q);
	free(sig->c);
	free(sig->cv);
	for (size_t k = 0; k < sig->nh; k++)
		free(sig->h[k]);
	free(sig->h);
	free(sig->b);
	free(sig->bh);
	memset(sig, 0, sizeof *sig);
}

/* Whether h= names a field. */
bool dkim_sig_covers(const struct dkim_sig *sig, const char *name)
{
	for (size_t k = 0; k < sig->nh; k++)
		if (text_ieq(sig->h[k], name))
			return true;
	return false;
}

/* The a= word of an algorithm. */
const char *dkim_alg_name(enum dkim_alg alg)
{
	switch (alg) {
	case DKIM_ALG_RSA_SHA256:
		return "rsa-sha256";
	case DKIM_ALG_RSA_SHA1:
		return "rsa-sha1";
	case DKIM_ALG_ED25519_SHA256:
		return "ed25519-sha256";
	}
	return "";
}
