/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DKIM verification of a received message (RFC 6376 sections 3 and 6,
 * RFC 8301, RFC 8463).
 *
 * dkim_msg.c    the message as DKIM sees it: header fields and body,
 *               byte for byte, with line ends made CRLF
 * dkim_sig.c    the DKIM-Signature tag-list (RFC 6376 3.5)
 * dkim_canon.c  simple and relaxed canonicalization (RFC 6376 3.4)
 * dkim_verify.c hashing, keys through dkim_lookup(), the verdict
 *
 * Keys come from dkim.h's dkim_lookup() (TXT, CNAMEs to a provider
 * followed by the resolver) and are judged by dkim_record_parse(); the
 * crypto is OpenSSL EVP only. */
#ifndef DMARCPILOT_DKIM_VERIFY_H
#define DMARCPILOT_DKIM_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dkim/dkim.h"
#include "dns/dns.h"
#include "util/status.h"
#include "util/strbuf.h"

/* ------------------------------------------------------------ message */

/* Safety limits for a message read from outside. */
#define DKIM_MSG_MAX_SIZE (64u << 20)  /* the whole message */
#define DKIM_MSG_MAX_HEADER (4u << 20) /* the header block */
#define DKIM_MSG_MAX_FIELDS 20000      /* header fields */

/* One header field as received (RFC 5322 2.2), pointing into the
 * message's data: raw is the whole field, name, colon, value and its
 * folding, without the CRLF that ends it. */
struct dkim_field {
	const char *raw;
	size_t raw_len;
	size_t name_len;   /* raw[0..name_len) is the name (no WSP) */
	const char *value; /* after the colon */
	size_t value_len;
};

/* A message split for verification. data holds a copy of the input with
 * every bare LF (and bare CR) made CRLF and a leading mbox "From " line
 * dropped; the fields and the body point into it. */
struct dkim_msg {
	char *data;
	size_t len;
	struct dkim_field *fields;
	size_t nfields;
	const char *body; /* after the empty line; len 0 when none */
	size_t body_len;
};

/* Splits a message (one .eml, or the first message of an mbox). A
 * message over DKIM_MSG_MAX_SIZE, a header block over
 * DKIM_MSG_MAX_HEADER or with more than DKIM_MSG_MAX_FIELDS fields gives
 * STATUS_LIMIT; input with no header field at all, a NUL octet in the
 * header, or a line that is neither a field nor its continuation gives
 * STATUS_PARSE. Free with dkim_msg_done(). */
enum status dkim_msg_parse(const char *data, size_t len, struct dkim_msg *out,
			   struct err *err);

void dkim_msg_done(struct dkim_msg *msg);

/* True if field's name is name (case-insensitive). */
bool dkim_field_is(const struct dkim_field *field, const char *name);

/* The value of the last (bottom-most) field named name unfolded and
 * trimmed, or NULL; index, when not NULL, receives its index. Caller
 * frees. first picks the topmost instead. */
char *dkim_msg_get(const struct dkim_msg *msg, const char *name, bool first,
		   size_t *index);

/* How many fields are named name. */
size_t dkim_msg_count(const struct dkim_msg *msg, const char *name);

/* ---------------------------------------------------------- signature */

enum dkim_alg {
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_RSA_SHA1,       /* verified, flagged (RFC 8301 3.1) */
	DKIM_ALG_ED25519_SHA256, /* RFC 8463 */
};

/* A parsed DKIM-Signature (RFC 6376 3.5). Strings are owned copies of
 * the tag values (d and s lower case, FWS removed from b and bh). */
struct dkim_sig {
	enum dkim_alg alg;
	char *a, *d, *s, *i, *q, *c;
	bool header_relaxed, body_relaxed;
	char **h; /* h= names, in order, as written */
	size_t nh;
	unsigned char *b; /* decoded signature */
	size_t b_len;
	unsigned char *bh; /* decoded body hash */
	size_t bh_len;
	bool has_l, has_t, has_x;
	uint64_t l;
	int64_t t, x; /* seconds since the epoch */
	int instance; /* ARC: i= (1..50); 0 for DKIM */
	char *cv;     /* ARC-Seal: cv= ("none", "pass", "fail") */
};

/* What a signature field is: DKIM-Signature (RFC 6376 3.5), or the
 * ARC-Message-Signature and ARC-Seal of RFC 8617 4.1.2 and 4.1.3. */
enum dkim_sig_kind {
	DKIM_SIG_DKIM,
	DKIM_SIG_ARC_MESSAGE,
	DKIM_SIG_ARC_SEAL,
};

/* Parses an ARC-Message-Signature or ARC-Seal (kind): i= is the instance
 * (1..50), AMS has no v=, AS has cv= and neither bh= nor h=, with
 * relaxed header canonicalization. DKIM_SIG_DKIM is dkim_sig_parse(). */
enum status dkim_sig_parse_kind(const char *value, size_t len,
				enum dkim_sig_kind kind, struct dkim_sig *out,
				struct err *err);

/* Parses the value of a DKIM-Signature field. A syntax error (a missing
 * required tag, a duplicate tag, v not 1, an unknown a=, c= or q=, From
 * not in h=, i= outside d=, x= before t=, bad base64) gives STATUS_PARSE
 * with a message naming the tag; STATUS_UNSUPPORTED for an algorithm
 * other than rsa-sha256, rsa-sha1 and ed25519-sha256. out is valid (free
 * with dkim_sig_done) in every case. */
enum status dkim_sig_parse(const char *value, size_t len, struct dkim_sig *out,
			   struct err *err);

void dkim_sig_done(struct dkim_sig *sig);

/* True if the signature's h= names the field (case-insensitive). */
bool dkim_sig_covers(const struct dkim_sig *sig, const char *name);

/* "rsa-sha256", "rsa-sha1", "ed25519-sha256". */
const char *dkim_alg_name(enum dkim_alg alg);

/* ---------------------------------------------------- canonicalization */

/* Appends the field canonicalized (RFC 6376 3.4.1 simple, 3.4.2 relaxed)
 * with its CRLF when crlf is true. */
void dkim_canon_header(struct strbuf *out, const char *raw, size_t len,
		       bool relaxed, bool crlf);

/* Appends the body canonicalized (RFC 6376 3.4.3 simple, 3.4.4
 * relaxed). body has CRLF line ends. */
void dkim_canon_body(struct strbuf *out, const char *body, size_t len,
		     bool relaxed);

/* The raw DKIM-Signature field with the value of its b= tag removed
 * (RFC 6376 3.7: "b=" stays, its value becomes empty). Caller frees. */
char *dkim_canon_strip_b(const char *raw, size_t len, size_t *out_len);

/* -------------------------------------------------------- verification */

/* The most signatures verified in one message; more are reported, not
 * verified, so that a message cannot make us do unbounded work. */
#define DKIM_MAX_SIGNATURES 32

/* Keys larger than this are not used (RFC 8301 3.2 asks verifiers for
 * 1024..4096 bits; twice that bounds the cost of a hostile key). */
#define DKIM_VERIFY_MAX_BITS 8192

/* How far in the future a t= may lie before the signature is refused
 * (seconds): dkimpy forgives ten hours of clock skew, and so do we. */
#define DKIM_CLOCK_SLACK (10 * 3600)

/* RFC 8601 2.7.1 words. */
enum dkim_result {
	DKIM_PASS,
	DKIM_FAIL,
	DKIM_NEUTRAL,
	DKIM_TEMPERROR,
	DKIM_PERMERROR,
};

/* Which part failed; stable words for --json. */
enum dkim_reason {
	DKIM_REASON_NONE,        /* passed */
	DKIM_REASON_BODY_HASH,   /* bh= does not match the body */
	DKIM_REASON_SIGNATURE,   /* b= does not verify over the header */
	DKIM_REASON_KEY_MISSING, /* no key record at the selector */
	DKIM_REASON_KEY_REVOKED, /* p= is empty */
	DKIM_REASON_KEY_INVALID, /* the record is no usable key */
	DKIM_REASON_KEY_SIZE,    /* below 1024 or above the limit */
	DKIM_REASON_SYNTAX,      /* the signature's own syntax */
	DKIM_REASON_EXPIRED,     /* x= is past */
	DKIM_REASON_LENGTH,      /* l= beyond the body */
	DKIM_REASON_DNS,         /* the key query failed */
	DKIM_REASON_KEY_POLICY,  /* the record's h=, s= or t=s refuse it */
	DKIM_REASON_FUTURE,      /* t= is later than now (and the slack) */
};

/* One DKIM-Signature and what became of it. */
struct dkim_check {
	size_t field; /* index in the message's fields */
	bool parsed;  /* sig holds a parsed signature */
	struct dkim_sig sig;
	struct dkim_selector_result *key; /* the lookup's result, or NULL */
	enum dkim_result result;
	enum dkim_reason reason;
	char *detail; /* translated explanation, or NULL */
	int bits;     /* the key's size, 0 when unknown */
	bool testing; /* the key record says t=y */
};

struct dkim_checks {
	struct dkim_check *items; /* in header order, topmost first */
	size_t count;
	size_t skipped; /* signatures past DKIM_MAX_SIGNATURES, unchecked */
};

/* Parses every DKIM-Signature of msg and starts the key lookups on dns
 * (the topmost DKIM_MAX_SIGNATURES; the rest are counted in skipped).
 * The caller runs the resolver and then calls dkim_checks_finish(). msg
 * must outlive c. */
void dkim_checks_start(struct dns *dns, const struct dkim_msg *msg,
		       struct dkim_checks *c);

/* Verifies every signature whose key has arrived; now is the time for
 * x= (seconds since the epoch). */
void dkim_checks_finish(const struct dkim_msg *msg, struct dkim_checks *c,
			int64_t now);

void dkim_checks_done(struct dkim_checks *c);

/* ---- one check at a time, for ARC (arc.c) ---- */

/* The canonical bodies, made once for all the signatures of a message. */
struct dkim_body_cache {
	struct strbuf body[2]; /* simple, relaxed */
	bool made[2];
};

/* clang-format off */
#define DKIM_BODY_CACHE_INIT                                              \
	{                                                                 \
		{ STRBUF_INIT, STRBUF_INIT }, { false, false }            \
	}
/* clang-format on */

void dkim_body_cache_done(struct dkim_body_cache *cache);

/* Starts the key lookup of a parsed check; the key lands in k->key. k
 * must stay where it is until the resolver has answered. */
void dkim_check_lookup(struct dns *dns, struct dkim_check *k);

/* Verifies one parsed check whose lookup is over, as
 * dkim_checks_finish() does for each. */
void dkim_check_verify(const struct dkim_msg *msg, struct dkim_check *k,
		       int64_t now, struct dkim_body_cache *cache);

/* Judges the arrived key against the signature (missing, revoked, wrong
 * type, size, h=, s=, t=s); false with the verdict set when unusable. */
bool dkim_check_key_usable(struct dkim_check *k);

/* Verifies b= over the header hash input in; false with the verdict set
 * when it does not verify. */
bool dkim_check_signature(struct dkim_check *k, const struct strbuf *in);

/* Frees one check's contents. */
void dkim_check_done(struct dkim_check *k);

/* "pass", "fail", "neutral", "temperror", "permerror". */
const char *dkim_result_name(enum dkim_result result);

/* "", "body_hash", "signature", "key_missing", "key_revoked",
 * "key_invalid", "key_size", "syntax", "expired", "length", "dns",
 * "key_policy", "future". */
const char *dkim_reason_name(enum dkim_reason reason);

#endif
