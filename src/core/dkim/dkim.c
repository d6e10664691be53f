/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DKIM key records (RFC 6376 3.6.1): parsing, validation, lookups and
 * selector discovery. */
#include "config.h"

#include "dkim/dkim.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_private.h"
#include "util/dname.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

const char *const dkim_common_selectors[] = {
	"default",
	"dkim",
	"mail",
	"s1",
	"s2",
	"s3",
	"selector1",
	"selector2",
	"google",
	"k1",
	"k2",
	"k3",
	"key1",
	"key2",
	"smtp",
	"mx",
	"dkim1",
	"dkim2",
	"sig1",
	"everlytickey1",
	"everlytickey2",
	"mandrill",
	"pm",
};

_Static_assert(sizeof dkim_common_selectors / sizeof *dkim_common_selectors ==
		   DKIM_COMMON_SELECTORS_COUNT,
	       "DKIM_COMMON_SELECTORS_COUNT is the length of the list");

/* The most tags a record may carry before we stop looking. */
#define DKIM_TAGS_MAX 64

/* Formats an OpenSSL failure with the library's own words. */
enum status dkim_openssl_error(struct err *err, enum status status,
			       const char *format, ...)
{
	unsigned long code = ERR_get_error();
	char lib[256] = "";
	char *context;
	va_list ap;

	va_start(ap, format);
	context = xvasprintf(format, ap);
	va_end(ap);
	if (code)
		ERR_error_string_n(code, lib, sizeof lib);
	ERR_clear_error();
	if (*lib)
		err_set(err, status, "%s: %s", context, lib);
	else
		err_set(err, status, "%s", context);
	free(context);
	return status;
}

/* RFC 5322 FWS as it appears in DNS text: space, tab, CR, LF. */
static bool is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 6376 3.2: tag-name = ALPHA *ALNUMPUNC. */
static bool tag_name_valid(const char *s, size_t len)
{
	if (len == 0 || !is_alpha(s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_')
			return false;
	return true;
}

/* RFC 6376 3.2: tag-value is VALCHARs (%x21-3A / %x3C-7E) separated by
 * FWS. */
static bool tag_value_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_fws(s[i]))
			continue;
		if (c < 0x21 || c > 0x7e || c == ';')
			return false;
	}
	return true;
}

/* RFC 6376 3.6.1: hyphenated-word = ALPHA [ *(ALPHA / DIGIT / "-")
 * (ALPHA / DIGIT) ]. */
static bool hyphenated_word(const char *s, size_t len)
{
	if (len == 0 || !is_alpha(s[0]) || s[len - 1] == '-')
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* Trims FWS from both ends of [*s, *s + *len). */
void dkim_trim_fws(const char **s, size_t *len)
{
	while (*len > 0 && is_fws(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_fws((*s)[*len - 1]))
		(*len)--;
}

/* Calls fn for each element of a colon-separated list with FWS around
 * the colons (h=, s=, t=); stops and returns false when fn does. */
static bool colon_list(const char *value,
		       bool (*fn)(void *, const char *, size_t), void *arg)
{
	const char *p = value;

	for (;;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *item = p;

		dkim_trim_fws(&item, &len);
		if (!fn(arg, item, len))
			return false;
		if (!end)
			return true;
		p = end + 1;
	}
}

/* h= element: RFC 6376 3.6.1 key-h-tag-alg. */
static bool hash_item(void *arg, const char *s, size_t len)
{
	struct dkim_record *r = arg;

	if (!hyphenated_word(s, len))
		return false;
	if (len == 4 && text_ieqn(s, "sha1", 4))
		r->sha1_only = true; /* provisional; fixed below */
	else if (len == 6 && text_ieqn(s, "sha256", 6))
		r->no_known_hash = false;
	return true;
}

/* s= element: "*" or a hyphenated word; "email" or "*" allow mail. */
static bool service_item(void *arg, const char *s, size_t len)
{
	struct dkim_record *r = arg;

	if (len == 1 && s[0] == '*') {
		r->email = true;
		return true;
	}
	if (!hyphenated_word(s, len))
		return false;
	if (len == 5 && text_ieqn(s, "email", 5))
		r->email = true;
	return true;
}

/* t= element: "y" testing, "s" strict; unknown flags are ignored
 * (RFC 6376 3.6.1). */
static bool flag_item(void *arg, const char *s, size_t len)
{
	struct dkim_record *r = arg;

	if (!hyphenated_word(s, len))
		return false;
	if (len == 1 && (s[0] == 'y' || s[0] == 'Y'))
		r->testing = true;
	if (len == 1 && (s[0] == 's' || s[0] == 'S'))
		r->strict = true;
	return true;
}

/* Removes FWS from a base64 value and checks its alphabet and padding
 * (RFC 6376 3.6.1: base64string allows FWS anywhere). NULL when it is
 * not base64. */
char *dkim_base64_compact(const char *value)
{
	size_t n = 0, pad = 0;
	char *out = xmalloc(strlen(value) + 1);

	for (const char *p = value; *p; p++) {
		char c = *p;

		if (is_fws(c))
			continue;
		if (c == '=') {
			pad++;
		} else if (pad > 0 || !(is_alpha(c) || is_digit(c) ||
					c == '+' || c == '/')) {
			free(out);
			return NULL;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	if (n % 4 != 0 || pad > 2) {
		free(out);
		return NULL;
	}
	return out;
}

/* Decodes compact base64 with OpenSSL; NULL when it does not decode. */
unsigned char *dkim_base64_decode(const char *b64, size_t *len)
{
	size_t n = strlen(b64), pad = 0;
	unsigned char *out = xmalloc(n / 4 * 3 + 1);
	int got;

	if (n > 0 && b64[n - 1] == '=')
		pad++;
	if (n > 1 && b64[n - 2] == '=')
		pad++;
	got = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
	if (got < 0 || (size_t)got < pad) {
		free(out);
		return NULL;
	}
	*len = (size_t)got - pad;
	return out;
}

/* Builds the public key the record holds. */
EVP_PKEY *dkim_record_pkey(const struct dkim_record *record)
{
	const unsigned char *p;
	EVP_PKEY *pkey = NULL;

	if (!record->der || record->der_len == 0)
		return NULL;
	p = record->der;
	switch (record->type) {
	case DKIM_KEY_RSA:
		if (record->bare_rsa)
			pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p,
					     (long)record->der_len);
		else
			pkey = d2i_PUBKEY(NULL, &p, (long)record->der_len);
		break;
	case DKIM_KEY_ED25519:
		pkey = EVP_PKEY_new_raw_public_key_ex(
		    NULL, "ED25519", NULL, record->der, record->der_len);
		break;
	case DKIM_KEY_UNKNOWN:
		break;
	}
	ERR_clear_error();
	return pkey;
}

/* Reads the key type and size from p= (RFC 6376 3.6.1 for RSA, RFC 8463
 * 4.2 for Ed25519); on failure sets err naming the tag. */
static enum status record_read_key(struct dkim_record *r, const char **bad,
				   struct err *err)
{
	const unsigned char *p;
	EVP_PKEY *pkey = NULL;
	enum status st = STATUS_OK;

	r->der = dkim_base64_decode(r->p, &r->der_len);
	if (!r->der) {
		*bad = "p";
		return err_set(err, STATUS_PARSE, _("p= is not valid base64"));
	}
	switch (r->type) {
	case DKIM_KEY_RSA:
		p = r->der;
		pkey = d2i_PUBKEY(NULL, &p, (long)r->der_len);
		if (pkey && p != r->der + r->der_len) {
			*bad = "p";
			st = err_set(err, STATUS_PARSE,
				     _("p= has data after the public key"));
			goto out;
		}
		if (pkey && !EVP_PKEY_is_a(pkey, "RSA")) {
			*bad = "k";
			st = err_set(err, STATUS_PARSE,
				     _("k=rsa, but p= holds a %s key"),
				     EVP_PKEY_get0_type_name(pkey));
			goto out;
		}
		if (!pkey) {
			/* RFC 6376 3.6.1 names RSAPublicKey; most
			 * publish SubjectPublicKeyInfo. Accept both. */
			p = r->der;
			pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p,
					     (long)r->der_len);
			if (!pkey || p != r->der + r->der_len) {
				*bad = "p";
				st = err_set(err, STATUS_PARSE,
					     _("p= is not an RSA public key"));
				goto out;
			}
			r->bare_rsa = true;
		}
		r->bits = EVP_PKEY_get_bits(pkey);
		break;
	case DKIM_KEY_ED25519:
		/* RFC 8463 4.2: the raw 32-octet key, not SPKI. */
		if (r->der_len != 32) {
			*bad = "p";
			st = err_set(err, STATUS_PARSE,
				     _("k=ed25519 needs p= to be the raw "
				       "32-octet key (RFC 8463 4.2), not %zu "
				       "octets"),
				     r->der_len);
			goto out;
		}
		pkey = dkim_record_pkey(r);
		if (!pkey) {
			*bad = "p";
			st = err_set(err, STATUS_PARSE,
				     _("p= is not an Ed25519 public key"));
			goto out;
		}
		r->bits = 256;
		break;
	case DKIM_KEY_UNKNOWN:
		break;
	}
out:
	ERR_clear_error();
	EVP_PKEY_free(pkey);
	return st;
}

/* The static name of a tag RFC 6376 3.6.1 defines, or NULL. */
static const char *known_tag(const char *name, size_t nlen)
{
	static const char *const names[] = {
		"v", "h", "k", "n", "p", "s", "t"
	};

	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (nlen == 1 && name[0] == names[i][0])
			return names[i];
	return NULL;
}

/* Stores a known tag's value in its slot (unknown tags are ignored:
 * RFC 6376 3.6.1). */
static void record_take(struct dkim_record *r, const char *name, size_t nlen,
			const char *value, size_t vlen)
{
	const char *tag = known_tag(name, nlen);
	char **slot = NULL;

	if (!tag)
		return;
	switch (*tag) {
	case 'v':
		slot = &r->v;
		break;
	case 'h':
		slot = &r->h;
		break;
	case 'k':
		slot = &r->k;
		break;
	case 'n':
		slot = &r->n;
		break;
	case 'p':
		slot = &r->p;
		break;
	case 's':
		slot = &r->s;
		break;
	default:
		slot = &r->t;
		break;
	}
	free(*slot);
	*slot = xstrndup(value, vlen);
}

/* Splits the tag-list and checks its syntax (RFC 6376 3.2). */
static enum status record_split(struct dkim_record *r, const char *text,
				size_t len, const char **bad, struct err *err)
{
	const char *p = text, *end = text + len;
	struct {
		const char *name;
		size_t len;
	} seen[DKIM_TAGS_MAX];
	size_t nseen = 0;

	for (;;) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *spec = p, *eq, *name, *value;
		size_t slen = (size_t)((semi ? semi : end) - p), nlen, vlen;

		dkim_trim_fws(&spec, &slen);
		if (slen == 0) {
			/* A final ";" (or an empty record) is allowed. */
			if (!semi)
				break;
			*bad = NULL;
			return err_set(err, STATUS_PARSE,
				       _("empty tag before a ';'"));
		}
		eq = memchr(spec, '=', slen);
		if (!eq) {
			char *shown = text_clean(spec, slen < 32 ? slen : 32);

			*bad = NULL;
			err_set(err, STATUS_PARSE, _("'%s' is not a tag=value"),
				shown);
			free(shown);
			return STATUS_PARSE;
		}
		name = spec;
		nlen = (size_t)(eq - spec);
		dkim_trim_fws(&name, &nlen);
		value = eq + 1;
		vlen = (size_t)(spec + slen - value);
		dkim_trim_fws(&value, &vlen);
		if (!tag_name_valid(name, nlen)) {
			char *shown = text_clean(name, nlen < 32 ? nlen : 32);

			*bad = NULL;
			err_set(err, STATUS_PARSE, _("'%s' is not a tag name"),
				shown);
			free(shown);
			return STATUS_PARSE;
		}
		*bad = known_tag(name, nlen);
		for (size_t i = 0; i < nseen; i++) {
			if (seen[i].len == nlen &&
			    memcmp(seen[i].name, name, nlen) == 0) {
				/* RFC 6376 3.2: a repeated tag makes the
				 * whole tag-list invalid. */
				return err_set(err, STATUS_PARSE,
					       _("tag %.*s= appears more than "
						 "once"),
					       (int)nlen, name);
			}
		}
		if (nseen == DKIM_TAGS_MAX) {
			*bad = NULL;
			return err_set(err, STATUS_PARSE,
				       _("more than %d tags"), DKIM_TAGS_MAX);
		}
		seen[nseen].name = name;
		seen[nseen].len = nlen;
		nseen++;
		if (!tag_value_valid(value, vlen))
			return err_set(err, STATUS_PARSE,
				       _("tag %.*s= has characters a tag "
					 "value cannot hold"),
				       (int)nlen, name);
		record_take(r, name, nlen, value, vlen);
		/* RFC 6376 3.6.1: v=, when present, is the first tag. */
		if (nlen == 1 && name[0] == 'v' && nseen != 1) {
			*bad = "v";
			return err_set(err, STATUS_PARSE,
				       _("v= must be the first tag"));
		}
		if (!semi)
			break;
		p = semi + 1;
	}
	*bad = NULL;
	return STATUS_OK;
}

/* Parses a DKIM key record. */
enum status dkim_record_parse(const char *text, size_t len,
			      struct dkim_record *out, const char **bad_tag,
			      struct err *err)
{
	const char *bad = NULL;
	enum status st;
	char *compact;

	memset(out, 0, sizeof *out);
	if (len > DKIM_RECORD_MAX) {
		st = err_set(err, STATUS_PARSE,
			     _("the record is %zu octets long; more than %d "
			       "is not a key record"),
			     len, DKIM_RECORD_MAX);
		goto out;
	}
	if (memchr(text, '\0', len)) {
		st = err_set(err, STATUS_PARSE,
			     _("the record contains a NUL octet"));
		goto out;
	}
	st = record_split(out, text, len, &bad, err);
	if (st != STATUS_OK)
		goto out;
	if (out->v && strcmp(out->v, "DKIM1") != 0) {
		/* RFC 6376 3.6.1: any other version is not a key. */
		bad = "v";
		st = err_set(err, STATUS_PARSE, _("v= must be DKIM1"));
		goto out;
	}
	out->no_known_hash = out->h != NULL;
	if (out->h) {
		if (!colon_list(out->h, hash_item, out)) {
			bad = "h";
			st = err_set(err, STATUS_PARSE,
				     _("h= is not a list of hash algorithms"));
			goto out;
		}
		if (out->sha1_only) {
			/* sha1 was seen; it is alone if sha256 was not. */
			out->sha1_only = out->no_known_hash;
			out->no_known_hash = false;
		}
	}
	out->type = DKIM_KEY_RSA; /* RFC 6376 3.6.1: k= defaults to rsa */
	if (out->k) {
		if (!hyphenated_word(out->k, strlen(out->k))) {
			bad = "k";
			st = err_set(err, STATUS_PARSE,
				     _("k= is not a key type"));
			goto out;
		}
		if (text_ieq(out->k, "rsa"))
			out->type = DKIM_KEY_RSA;
		else if (text_ieq(out->k, "ed25519"))
			out->type = DKIM_KEY_ED25519;
		else
			out->type = DKIM_KEY_UNKNOWN;
	}
	out->email = out->s == NULL;
	if (out->s && !colon_list(out->s, service_item, out)) {
		bad = "s";
		st = err_set(err, STATUS_PARSE,
			     _("s= is not a list of service types"));
		goto out;
	}
	if (out->t && !colon_list(out->t, flag_item, out)) {
		bad = "t";
		st = err_set(err, STATUS_PARSE, _("t= is not a list of flags"));
		goto out;
	}
	if (!out->p) {
		/* RFC 6376 3.6.1: p= is required. */
		bad = "p";
		st = err_set(err, STATUS_PARSE, _("the p= tag is missing"));
		goto out;
	}
	compact = dkim_base64_compact(out->p);
	if (!compact) {
		bad = "p";
		st = err_set(err, STATUS_PARSE, _("p= is not valid base64"));
		goto out;
	}
	free(out->p);
	out->p = compact;
	out->revoked = *out->p == '\0';
	if (!out->revoked)
		st = record_read_key(out, &bad, err);
out:
	if (st != STATUS_OK)
		dkim_record_done(out);
	if (bad_tag)
		*bad_tag = bad;
	return st;
}

/* Frees a parsed record. */
void dkim_record_done(struct dkim_record *record)
{
	free(record->v);
	free(record->h);
	free(record->k);
	free(record->n);
	free(record->p);
	free(record->s);
	free(record->t);
	free(record->der);
	memset(record, 0, sizeof *record);
}

/* The word for a key type. */
const char *dkim_key_type_name(enum dkim_key_type type)
{
	switch (type) {
	case DKIM_KEY_RSA:
		return "rsa";
	case DKIM_KEY_ED25519:
		return "ed25519";
	case DKIM_KEY_UNKNOWN:
	default:
		return "unknown";
	}
}

/* Adds a finding with its record, selector and advice. */
struct finding *dkim_finding_add(struct findings *list, enum finding_code code,
				 const char *selector, const char *text,
				 const char *advice, const char *format, ...)
{
	struct finding *f;
	char *message;
	va_list ap;

	va_start(ap, format);
	message = xvasprintf(format, ap);
	va_end(ap);
	f = findings_add(list, code, "%s", message);
	free(message);
	if (selector)
		finding_set_selector(f, selector);
	if (text)
		finding_set_record(f, text);
	if (advice)
		finding_set_advice(f, advice);
	return f;
}

/* Judges a parsed record. */
void dkim_record_validate(const struct dkim_record *r, const char *selector,
			  const char *text, struct findings *findings)
{
	const char *sel = selector ? selector : "";

	if (r->revoked) {
		/* RFC 6376 3.6.1: an empty p= means the key is revoked. */
		dkim_finding_add(
		    findings, F_DKIM_REVOKED, selector, text,
		    _("If mail is still signed with this selector, it fails "
		      "DKIM: sign with a current key. Otherwise remove the "
		      "record once the old signatures no longer matter."),
		    _("the key of selector '%s' is revoked (empty p=)"), sel);
	}
	if (r->type == DKIM_KEY_UNKNOWN) {
		char *k = text_clean_str(r->k);

		dkim_finding_add(
		    findings, F_DKIM_SYNTAX, selector, text,
		    _("Use k=rsa or k=ed25519 (RFC 8463); verifiers ignore "
		      "keys of a type they do not know."),
		    _("k=%s is not a key type verifiers know"), k);
		free(k);
	}
	if (r->type == DKIM_KEY_RSA && r->bits > 0 &&
	    r->bits < DKIM_RSA_MIN_BITS) {
		/* RFC 8301 3.2: verifiers MUST NOT accept keys below 1024
		 * bits. */
		dkim_finding_add(
		    findings, F_DKIM_WEAK_KEY, selector, text,
		    _("Generate a 2048-bit key under a new selector "
		      "(dmarcpilot dkim keygen), publish it and switch the "
		      "signer to it."),
		    _("the RSA key of selector '%s' has %d bits; verifiers "
		      "reject keys shorter than 1024 bits (RFC 8301 3.2)"),
		    sel, r->bits);
	} else if (r->type == DKIM_KEY_RSA && r->bits > 0 &&
		   r->bits < DKIM_RSA_WEAK_BITS) {
		/* RFC 8301 3.2: signers SHOULD use at least 2048 bits. */
		struct finding *f = dkim_finding_add(
		    findings, F_DKIM_WEAK_KEY, selector, text,
		    _("Rotate to a 2048-bit key under a new selector "
		      "(dmarcpilot dkim keygen)."),
		    _("the RSA key of selector '%s' has %d bits; RFC 8301 3.2 "
		      "asks for at least 2048"),
		    sel, r->bits);

		f->severity = SEVERITY_WARNING;
	}
	if (r->sha1_only) {
		/* RFC 8301 3.1: rsa-sha1 signatures MUST NOT be accepted,
		 * so a key restricted to sha1 verifies nothing. */
		struct finding *f = dkim_finding_add(
		    findings, F_DKIM_SHA1, selector, text,
		    _("Remove the h= tag (or set h=sha256) and sign with "
		      "rsa-sha256."),
		    _("selector '%s' allows only sha1 (h=sha1), which "
		      "verifiers no longer accept (RFC 8301 3.1)"),
		    sel);

		f->severity = SEVERITY_ERROR;
	}
	if (r->no_known_hash) {
		char *h = text_clean_str(r->h);

		dkim_finding_add(
		    findings, F_DKIM_SYNTAX, selector, text,
		    _("Remove the h= tag or set h=sha256."),
		    _("h=%s names no hash algorithm verifiers know"), h);
		free(h);
	}
	if (!r->email) {
		char *s = text_clean_str(r->s);

		dkim_finding_add(
		    findings, F_DKIM_SYNTAX, selector, text,
		    _("Remove the s= tag or set s=email."),
		    _("s=%s excludes email, so verifiers will not use this "
		      "key for mail (RFC 6376 3.6.1)"),
		    s);
		free(s);
	}
	if (r->testing) {
		/* RFC 6376 3.6.1: t=y asks verifiers not to treat failures
		 * differently from unsigned mail. */
		dkim_finding_add(
		    findings, F_DKIM_TESTING, selector, text,
		    _("Remove t=y once signatures verify, so that receivers "
		      "treat failures as failures."),
		    _("selector '%s' is in testing mode (t=y)"), sel);
	}
}

/* Checks the length of each character-string. */
void dkim_check_strings(const struct dns_txt_string *strings, size_t count,
			const char *selector, struct findings *findings)
{
	for (size_t i = 0; i < count; i++) {
		if (strings[i].len <= 255)
			continue;
		/* RFC 1035 3.3: a character-string holds 255 octets. */
		dkim_finding_add(
		    findings, F_DKIM_STRING_TOO_LONG, selector, NULL,
		    _("Split the value into several quoted strings of at most "
		      "255 octets each; verifiers join them (RFC 6376 "
		      "3.6.2.2)."),
		    _("a TXT string of %zu octets is longer than 255"),
		    strings[i].len);
	}
}

/* RFC 6376 3.1: selector = sub-domain *( "." sub-domain ). */
bool dkim_selector_valid(const char *s)
{
	/* A sub-domain is an LDH label (RFC 5321 4.1.2); no final dot. */
	return s && *s && s[strlen(s) - 1] != '.' &&
	       dname_valid(s, DNAME_ONE_LABEL);
}
