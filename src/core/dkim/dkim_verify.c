/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DKIM verification (RFC 6376 6.1): every DKIM-Signature of a message,
 * its key fetched through the resolver, the body hash and the header
 * signature checked with OpenSSL EVP, and each failure named. */
#include "config.h"

#include "dkim/dkim_verify.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_private.h"
#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The most names one h= may list before the signature is refused (it
 * bounds the header selection's cost; real signers list a few dozen). */
#define DKIM_MAX_H 512

/* Keeps the key lookup's result in its check. */
static void key_arrived(void *arg, struct dkim_selector_result *r)
{
	struct dkim_check *c = arg;

	c->key = r;
}

/* Parses the signatures and asks for their keys. */
void dkim_checks_start(struct dns *dns, const struct dkim_msg *msg,
		       struct dkim_checks *c)
{
	size_t total = dkim_msg_count(msg, "DKIM-Signature"), n = 0;

	memset(c, 0, sizeof *c);
	c->count = total < DKIM_MAX_SIGNATURES ? total : DKIM_MAX_SIGNATURES;
	c->skipped = total - c->count;
	c->items = xcalloc(c->count ? c->count : 1, sizeof *c->items);
	for (size_t i = 0; i < msg->nfields && n < c->count; i++) {
		const struct dkim_field *f = &msg->fields[i];
		struct dkim_check *k;
		struct err err = ERR_INIT;
		enum status st;

		if (!dkim_field_is(f, "DKIM-Signature"))
			continue;
		k = &c->items[n++];
		k->field = i;
		st = dkim_sig_parse(f->value, f->value_len, &k->sig, &err);
		if (st == STATUS_OK && k->sig.nh > DKIM_MAX_H)
			st = err_set(&err, STATUS_LIMIT,
				     _("h= names more than %d fields"),
				     DKIM_MAX_H);
		if (st != STATUS_OK) {
			/* RFC 6376 6.1.1: a malformed signature is a
			 * PERMFAIL; RFC 8601 2.7.1 calls it neutral when
			 * the algorithm is unknown. */
			k->result = st == STATUS_UNSUPPORTED ? DKIM_NEUTRAL
							     : DKIM_PERMERROR;
			k->reason = DKIM_REASON_SYNTAX;
			k->detail = xstrdup(err_message(&err));
			err_done(&err);
			continue;
		}
		k->parsed = true;
		dkim_check_lookup(dns, k);
	}
}

/* Asks for a parsed check's key. */
void dkim_check_lookup(struct dns *dns, struct dkim_check *k)
{
	dkim_lookup(dns, k->sig.d, k->sig.s, key_arrived, k);
}

/* Sets the verdict of a check. */
static void verdict(struct dkim_check *k, enum dkim_result result,
		    enum dkim_reason reason, char *detail)
{
	k->result = result;
	k->reason = reason;
	free(k->detail);
	k->detail = detail;
}

/* Whether the key record's colon list value (h= or s=) names word. */
static bool list_has(const char *list, const char *word)
{
	size_t wlen = strlen(word);
	const char *p = list;

	while (p && *p) {
		const char *colon = strchr(p, ':');
		const char *item = p;
		size_t len = colon ? (size_t)(colon - p) : strlen(p);

		dkim_trim_fws(&item, &len);
		if (len == wlen && text_ieqn(item, word, len))
			return true;
		p = colon ? colon + 1 : NULL;
	}
	return false;
}

/* Judges the key record against the signature (RFC 6376 6.1.2, RFC
 * 8301, RFC 8463); false with the verdict set when it cannot be used. */
bool dkim_check_key_usable(struct dkim_check *k)
{
	const struct dkim_selector_result *r = k->key;
	const struct dkim_record *key = &r->key;
	bool want_ed = k->sig.alg == DKIM_ALG_ED25519_SHA256;
	const char *hash = k->sig.alg == DKIM_ALG_RSA_SHA1 ? "sha1" : "sha256";

	if (r->dns == DNS_NXDOMAIN || r->dns == DNS_NODATA) {
		verdict(k, DKIM_PERMERROR, DKIM_REASON_KEY_MISSING,
			xasprintf(_("no key is published at %s"), r->name));
		return false;
	}
	if (r->dns != DNS_DATA) {
		/* RFC 6376 6.1.2: a failed query is a TEMPFAIL. */
		verdict(k, DKIM_TEMPERROR, DKIM_REASON_DNS,
			xstrdup(r->dns_error ? r->dns_error : r->name));
		return false;
	}
	if (!r->parsed) {
		verdict(k, DKIM_PERMERROR, DKIM_REASON_KEY_INVALID,
			xasprintf(_("the record at %s is not a valid key "
				    "record"),
				  r->name));
		return false;
	}
	k->bits = key->bits;
	k->testing = key->testing;
	if (key->revoked) {
		/* RFC 6376 3.6.1: an empty p= means the key is revoked. */
		verdict(k, DKIM_PERMERROR, DKIM_REASON_KEY_REVOKED,
			xasprintf(_("the key at %s is revoked (empty p=)"),
				  r->name));
		return false;
	}
	if ((key->type == DKIM_KEY_ED25519) != want_ed ||
	    key->type == DKIM_KEY_UNKNOWN) {
		verdict(k, DKIM_PERMERROR, DKIM_REASON_KEY_INVALID,
			xasprintf(_("the key at %s is k=%s, the signature "
				    "a=%s"),
				  r->name, dkim_key_type_name(key->type),
				  dkim_alg_name(k->sig.alg)));
		return false;
	}
	if (key->type == DKIM_KEY_RSA && (key->bits < DKIM_RSA_MIN_BITS ||
					  key->bits > DKIM_VERIFY_MAX_BITS)) {
		/* RFC 8301 3.2: keys under 1024 bits MUST NOT be
		 * considered valid. */
		verdict(k, DKIM_PERMERROR, DKIM_REASON_KEY_SIZE,
			xasprintf(_("the RSA key at %s has %d bits; "
				    "verifiers use %d to %d"),
				  r->name, key->bits, DKIM_RSA_MIN_BITS,
				  DKIM_VERIFY_MAX_BITS));
		return false;
	}
	/* RFC 6376 3.6.1: h= of the key lists the hashes it may sign
	 * with, s= the services. */
	if (key->h && !list_has(key->h, hash)) {
		verdict(k, DKIM_PERMERROR, DKIM_REASON_KEY_POLICY,
			xasprintf(_("the key at %s does not allow %s (h=%s)"),
				  r->name, hash, key->h));
		return false;
	}
	if (!key->email) {
		verdict(k, DKIM_PERMERROR, DKIM_REASON_KEY_POLICY,
			xasprintf(_("the key at %s is not for email (s=%s)"),
				  r->name, key->s ? key->s : ""));
		return false;
	}
	/* RFC 6376 3.6.1: t=s forbids an i= in a subdomain of d=. */
	if (key->strict && k->sig.i) {
		const char *at = strrchr(k->sig.i, '@');

		if (at && !text_ieq(at + 1, k->sig.d)) {
			verdict(k, DKIM_PERMERROR, DKIM_REASON_KEY_POLICY,
				xasprintf(_("the key at %s has t=s, but i= "
					    "is in a subdomain of d=%s"),
					  r->name, k->sig.d));
			return false;
		}
	}
	return true;
}

/* The message digest of an algorithm. */
static const EVP_MD *alg_md(enum dkim_alg alg)
{
	return alg == DKIM_ALG_RSA_SHA1 ? EVP_sha1() : EVP_sha256();
}

/* Checks bh= against the canonical body (RFC 6376 3.7, 6.1.3). */
static bool body_matches(struct dkim_check *k, const struct strbuf *body)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t len = body->len;

	if (k->sig.has_l) {
		/* RFC 6376 3.5: l= beyond the body cannot be verified. */
		if (k->sig.l > body->len) {
			verdict(k, DKIM_PERMERROR, DKIM_REASON_LENGTH,
				xasprintf(_("l=%llu is longer than the "
					    "canonical body (%zu octets)"),
					  (unsigned long long)k->sig.l,
					  body->len));
			return false;
		}
		len = (size_t)k->sig.l;
	}
	if (!EVP_Digest(body->data ? body->data : "", len, md, &mdlen,
			alg_md(k->sig.alg), NULL)) {
		ERR_clear_error();
		verdict(k, DKIM_TEMPERROR, DKIM_REASON_BODY_HASH,
			xstrdup(_("the body could not be hashed")));
		return false;
	}
	if (mdlen != k->sig.bh_len || memcmp(md, k->sig.bh, mdlen) != 0) {
		verdict(k, DKIM_FAIL, DKIM_REASON_BODY_HASH,
			xstrdup(_("the body hash does not match: the body "
				  "was changed after signing")));
		return false;
	}
	return true;
}

/* The header hash input (RFC 6376 5.4.2): the fields h= names, each
 * taken from the bottom up, a name with no instance left adding
 * nothing, then the signature itself with b= empty and no CRLF. */
static void header_input(const struct dkim_msg *msg, const struct dkim_check *k,
			 struct strbuf *out)
{
	bool *used = xcalloc(msg->nfields ? msg->nfields : 1, sizeof *used);
	const struct dkim_field *self = &msg->fields[k->field];
	size_t len;
	char *stripped;

	for (size_t n = 0; n < k->sig.nh; n++) {
		for (size_t j = msg->nfields; j-- > 0;) {
			const struct dkim_field *f = &msg->fields[j];

			if (used[j] || !dkim_field_is(f, k->sig.h[n]))
				continue;
			used[j] = true;
			dkim_canon_header(out, f->raw, f->raw_len,
					  k->sig.header_relaxed, true);
			break;
		}
	}
	stripped = dkim_canon_strip_b(self->raw, self->raw_len, &len);
	dkim_canon_header(out, stripped, len, k->sig.header_relaxed, false);
	free(stripped);
	free(used);
}

/* Verifies b= over the header input with the key (RFC 6376 3.7; RFC
 * 8463 3: Ed25519 signs the SHA-256 of that input). */
bool dkim_check_signature(struct dkim_check *k, const struct strbuf *in)
{
	EVP_PKEY *pkey = dkim_record_pkey(&k->key->key);
	EVP_MD_CTX *ctx = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const unsigned char *data = (const unsigned char *)in->data;
	size_t len = in->len;
	bool ok = false;
	int rc = 0;

	if (!pkey) {
		verdict(
		    k, DKIM_PERMERROR, DKIM_REASON_KEY_INVALID,
		    xasprintf(_("the key at %s cannot be read"), k->key->name));
		goto out;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		goto fail;
	if (k->sig.alg == DKIM_ALG_ED25519_SHA256) {
		if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
			goto fail;
		if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1)
			goto fail;
		rc = EVP_DigestVerify(ctx, k->sig.b, k->sig.b_len, md, mdlen);
	} else {
		if (EVP_DigestVerifyInit(ctx, NULL, alg_md(k->sig.alg), NULL,
					 pkey) != 1)
			goto fail;
		rc = EVP_DigestVerify(ctx, k->sig.b, k->sig.b_len, data, len);
	}
	if (rc == 1) {
		ok = true;
		goto out;
	}
fail:
	verdict(k, DKIM_FAIL, DKIM_REASON_SIGNATURE,
		xstrdup(_("the signature does not verify over the header: "
			  "a signed header field was changed, or the key "
			  "is not the one that signed")));
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}

/* Verifies one check whose key lookup is over (RFC 6376 6.1). */
void dkim_check_verify(const struct dkim_msg *msg, struct dkim_check *k,
		       int64_t now, struct dkim_body_cache *cache)
{
	struct strbuf in = STRBUF_INIT;
	int b;

	if (!k->parsed)
		return;
	if (!k->key) {
		verdict(k, DKIM_TEMPERROR, DKIM_REASON_DNS,
			xstrdup(_("the key query was not answered")));
		return;
	}
	if (!dkim_check_key_usable(k))
		return;
	/* RFC 6376 3.5: a signature past x= MAY be considered invalid;
	 * receivers do. */
	if (k->sig.has_x && now > k->sig.x) {
		verdict(k, DKIM_PERMERROR, DKIM_REASON_EXPIRED,
			xstrdup(_("the signature expired (x= is past)")));
		return;
	}
	/* RFC 6376 3.5: a signature stamped in the future MAY be ignored;
	 * the slack forgives a signer's clock that runs ahead. */
	if (k->sig.has_t && k->sig.t > now + DKIM_CLOCK_SLACK) {
		verdict(k, DKIM_PERMERROR, DKIM_REASON_FUTURE,
			xstrdup(_("the signature is dated in the future "
				  "(t= is later than now)")));
		return;
	}
	b = k->sig.body_relaxed ? 1 : 0;
	if (!cache->made[b]) {
		dkim_canon_body(&cache->body[b], msg->body, msg->body_len,
				k->sig.body_relaxed);
		cache->made[b] = true;
	}
	if (!body_matches(k, &cache->body[b]))
		return;
	header_input(msg, k, &in);
	if (dkim_check_signature(k, &in))
		verdict(k, DKIM_PASS, DKIM_REASON_NONE, NULL);
	strbuf_done(&in);
}

/* Frees the canonical bodies. */
void dkim_body_cache_done(struct dkim_body_cache *cache)
{
	strbuf_done(&cache->body[0]);
	strbuf_done(&cache->body[1]);
	memset(cache, 0, sizeof *cache);
}

/* Verifies every check whose key has arrived. */
void dkim_checks_finish(const struct dkim_msg *msg, struct dkim_checks *c,
			int64_t now)
{
	struct dkim_body_cache cache = DKIM_BODY_CACHE_INIT;

	for (size_t n = 0; n < c->count; n++)
		dkim_check_verify(msg, &c->items[n], now, &cache);
	dkim_body_cache_done(&cache);
}

/* Frees one check. */
void dkim_check_done(struct dkim_check *k)
{
	dkim_sig_done(&k->sig);
	if (k->key) {
		dkim_selector_result_done(k->key);
		free(k->key);
	}
	free(k->detail);
	memset(k, 0, sizeof *k);
}

/* Frees the checks and their key results. */
void dkim_checks_done(struct dkim_checks *c)
{
	for (size_t n = 0; n < c->count; n++)
		dkim_check_done(&c->items[n]);
	free(c->items);
	memset(c, 0, sizeof *c);
}

/* The RFC 8601 word of a result. */
const char *dkim_result_name(enum dkim_result result)
{
	static const char *const names[] = {
		[DKIM_PASS] = "pass",           [DKIM_FAIL] = "fail",
		[DKIM_NEUTRAL] = "neutral",     [DKIM_TEMPERROR] = "temperror",
		[DKIM_PERMERROR] = "permerror",
	};

	return names[result];
}

/* The stable word of a reason. */
const char *dkim_reason_name(enum dkim_reason reason)
{
	static const char *const names[] = {
		[DKIM_REASON_NONE] = "",
		[DKIM_REASON_BODY_HASH] = "body_hash",
		[DKIM_REASON_SIGNATURE] = "signature",
		[DKIM_REASON_KEY_MISSING] = "key_missing",
		[DKIM_REASON_KEY_REVOKED] = "key_revoked",
		[DKIM_REASON_KEY_INVALID] = "key_invalid",
		[DKIM_REASON_KEY_SIZE] = "key_size",
		[DKIM_REASON_SYNTAX] = "syntax",
		[DKIM_REASON_EXPIRED] = "expired",
		[DKIM_REASON_LENGTH] = "length",
		[DKIM_REASON_DNS] = "dns",
		[DKIM_REASON_KEY_POLICY] = "key_policy",
		[DKIM_REASON_FUTURE] = "future",
	};

	return names[reason];
}
