/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DKIM (RFC 6376, RFC 8301, RFC 8463; DESIGN.md section 4): key records
 * and their validation, key generation and matching, selector discovery,
 * key rotation and signer configuration snippets.
 *
 * dkim.c        the key record parser and validator
 * dkim_lookup.c lookups of one selector, discovery for the audit
 * dkim_key.c    key generation, the published record, key matching,
 *               signer snippets
 * dkim_rotate.c key ages, rotation plans */
#ifndef DMARCPILOT_DKIM_H
#define DMARCPILOT_DKIM_H

#include <stdbool.h>
#include <stddef.h>

#include "util/date.h"
#include "dns/dns.h"
#include "util/finding.h"
#include "dns/propagate.h"
#include "providers/providers.h"
#include "util/status.h"

/* ------------------------------------------------------------ records */

/* Common selectors probed by the audit besides the inventory's and the
 * providers' (DESIGN.md section 7). */
extern const char *const dkim_common_selectors[];
#define DKIM_COMMON_SELECTORS_COUNT 23

/* The longest TXT record value we parse (a 4096-bit RSA key needs about
 * 750 octets; 8 KiB leaves room for notes). */
#define DKIM_RECORD_MAX 8192

enum dkim_key_type {
	DKIM_KEY_RSA,
	DKIM_KEY_ED25519,
	DKIM_KEY_UNKNOWN, /* a k= value this build does not know */
};

/* A parsed key record (RFC 6376 3.6.1). Strings are owned, copied from
 * the record as they were (uncleaned: clean before display). */
struct dkim_record {
	char *v; /* v= or NULL */
	char *h; /* h= or NULL (all hash algorithms) */
	char *k; /* k= or NULL (rsa) */
	char *n; /* n= or NULL */
	char *p; /* p= with whitespace removed; "" when revoked */
	char *s; /* s= or NULL (*) */
	char *t; /* t= or NULL */
	enum dkim_key_type type;
	bool revoked;       /* p= is empty (RFC 6376 3.6.1) */
	bool testing;       /* t=y */
	bool strict;        /* t=s: i= must equal d=, no subdomains */
	bool sha1_only;     /* h= allows sha1 and no other known algorithm */
	bool email;         /* s= allows email (or is absent) */
	bool no_known_hash; /* h= names neither sha1 nor sha256 */
	unsigned char *der; /* decoded p=, or NULL */
	size_t der_len;
	int bits;      /* key size read from the DER; 0 when unknown */
	bool bare_rsa; /* p= is a bare RSAPublicKey, not SPKI */
};

/* Parses a key record (one TXT RR, its strings joined: RFC 6376
 * 3.6.2.2). On a syntax error returns STATUS_PARSE with a message that
 * names the tag (and *bad_tag points at a static string naming it, or
 * NULL for the tag-list itself); out is then left zeroed. Unknown tags
 * are ignored. Free with dkim_record_done(). */
enum status dkim_record_parse(const char *text, size_t len,
			      struct dkim_record *out, const char **bad_tag,
			      struct err *err);

void dkim_record_done(struct dkim_record *record);

/* "rsa", "ed25519", "unknown". */
const char *dkim_key_type_name(enum dkim_key_type type);

/* Adds the findings a parsed record earns: dkim.revoked, dkim.weak_key,
 * dkim.sha1, dkim.testing, dkim.syntax (unknown k=, s= without email),
 * each with advice and the selector set (selector may be NULL). */
void dkim_record_validate(const struct dkim_record *record,
			  const char *selector, const char *text,
			  struct findings *findings);

/* RFC 1035 3.3: each character-string of a TXT RR is at most 255
 * octets. Adds dkim.string_too_long for each longer one. */
void dkim_check_strings(const struct dns_txt_string *strings, size_t count,
			const char *selector, struct findings *findings);

/* True if s is a selector as RFC 6376 3.1 defines it: dot-separated
 * labels of letters, digits and inner hyphens, 1..63 octets each, at
 * most 253 in all. */
bool dkim_selector_valid(const char *s);

/* ------------------------------------------------------------ lookups */

/* What one selector of a domain publishes. */
struct dkim_selector_result {
	char *domain; /* lower case, no final dot */
	char *selector;
	char *name;  /* SELECTOR._domainkey.DOMAIN */
	char *cname; /* the last CNAME target when the key is delegated
			   (to a provider), or NULL */
	enum dns_result dns;
	char *dns_error; /* "NAME TXT: reason" when dns is SERVFAIL,
			    TIMEOUT or ERROR; NULL otherwise */
	char *record;    /* the TXT value (strings joined), or NULL */
	bool parsed;     /* record holds a parsed key record */
	struct dkim_record key;
	struct findings findings;
};

/* Judges the answer to a TXT query of SELECTOR._domainkey.DOMAIN: no
 * record gives dkim.missing, several give dkim.syntax, a failed query
 * dns.temperror, otherwise the record's own findings. Fills out, which
 * the caller frees with dkim_selector_result_done(). */
void dkim_evaluate_answer(const char *domain, const char *selector,
			  const struct dns_answer *answer,
			  struct dkim_selector_result *out);

void dkim_selector_result_done(struct dkim_selector_result *result);

/* The owner name of a selector's key: "SELECTOR._domainkey.DOMAIN"
 * (domain normalised, no final dot). Caller frees. */
char *dkim_key_name(const char *domain, const char *selector);

/* Called once with the result, which the callee owns (free with
 * dkim_selector_result_done() and free()). */
typedef void (*dkim_lookup_cb)(void *arg, struct dkim_selector_result *r);

/* Queries SELECTOR._domainkey.DOMAIN TXT (CNAMEs are followed by the
 * resolver) and calls cb with the evaluated result. */
void dkim_lookup(struct dns *dns, const char *domain, const char *selector,
		 dkim_lookup_cb cb, void *arg);

/* Called once when every selector has been answered, with the selectors
 * that publish a TXT record or whose query failed (dns != DNS_DATA
 * means a failure, with a dns.temperror finding), in the order they
 * were asked. The callee owns the array: free it with
 * dkim_results_free(). Selectors with no record are left out. */
typedef void (*dkim_discover_cb)(void *arg, struct dkim_selector_result *found,
				 size_t count);

/* Selector discovery for the audit: queries every selector of the list
 * at once (one TXT query each) and calls cb once at the end. Records at
 * a probed name that are not DKIM keys (neither v=DKIM1 nor p=) are
 * left out, as a verifier would ignore them. */
void dkim_discover(struct dns *dns, const char *domain,
		   const char *const *selectors, size_t count,
		   dkim_discover_cb cb, void *arg);

void dkim_results_free(struct dkim_selector_result *results, size_t count);

/* The selectors the audit probes: the inventory's own, those of the
 * services seen in SPF or MX, then the common list; lower-cased,
 * without duplicates or invalid names. *count receives the number;
 * free with dkim_selectors_free(). own and seen may be NULL when their
 * counts are 0. */
char **dkim_audit_selectors(const char *const *own, size_t nown,
			    const struct provider *const *seen, size_t nseen,
			    size_t *count);

void dkim_selectors_free(char **selectors, size_t count);

/* ---------------------------------------------------------------- keys */

#define DKIM_RSA_DEFAULT_BITS 2048
#define DKIM_RSA_MIN_BITS 1024  /* RFC 8301 3.2 */
#define DKIM_RSA_WEAK_BITS 2048 /* below this only with force */
#define DKIM_RSA_MAX_BITS 4096  /* RFC 8301 3.2: verifiers go this far */

struct dkim_generated;

/* Records a key dkim_keygen() has written (its path, never the key);
 * state_dkim_keygen_record() records it in the database. */
typedef enum status (*dkim_record_fn)(void *arg,
				      const struct dkim_generated *key,
				      date_t today, struct err *err);

struct dkim_keygen_options {
	const char *domain;
	const char *selector;
	enum dkim_key_type type; /* DKIM_KEY_RSA or DKIM_KEY_ED25519 */
	int bits;                /* RSA only; 0 means 2048 */
	const char *dir;         /* where the key goes; NULL means
			       $XDG_DATA_HOME/dmarcpilot/keys/DOMAIN */
	bool force;              /* allow 1024..2047-bit RSA */
	dkim_record_fn record;   /* called once the file is written, or
				  NULL; when it fails the file goes */
	void *record_arg;
	date_t today; /* the creation day recorded */
};

/* A generated key: where the private half went and what to publish. */
struct dkim_generated {
	char *domain; /* normalised */
	char *selector;
	enum dkim_key_type type;
	int bits;       /* RSA modulus size; 256 for Ed25519 */
	char *path;     /* the private key file (PEM, PKCS#8, 0600) */
	char *name;     /* SELECTOR._domainkey.DOMAIN, no final dot */
	char *record;   /* the TXT value, unsplit */
	char **strings; /* record split into <= 255-octet strings */
	size_t nstrings;
};

/* Generates a key pair with OpenSSL (EVP only) and writes the private
 * key, created with O_EXCL and mode 0600 in a directory created 0700;
 * an existing file is never replaced (STATUS_EXISTS naming it). RSA
 * below 1024 or above 4096 bits is refused with STATUS_USAGE, 1024 up
 * to 2047 with STATUS_REFUSED unless force (RFC 8301 3.2). With a
 * record function, the key is recorded once the file is written, and
 * the file is removed again if that fails (with its status, such as
 * STATUS_EXISTS when the selector is recorded already). Free out with
 * dkim_generated_done(). */
enum status dkim_keygen(const struct dkim_keygen_options *options,
			struct dkim_generated *out, struct err *err);

void dkim_generated_done(struct dkim_generated *generated);

/* The default key directory of a domain:
 * $XDG_DATA_HOME/dmarcpilot/keys/DOMAIN (or ~/.local/share/...). NULL
 * when neither XDG_DATA_HOME nor HOME is set. Caller frees. */
char *dkim_default_key_dir(const char *domain);

/* Splits a TXT value into strings of at most max octets (max <= 255):
 * the tags before p= in the first string, then p= in chunks. Caller
 * frees with dkim_selectors_free(). */
char **dkim_txt_split(const char *value, size_t max, size_t *count);

/* The zone-file line of a record: `NAME. IN TXT ( "..." "..." )`.
 * Caller frees. */
char *dkim_zone_line(const char *name, char *const *strings, size_t count);

/* Whether the record's key is the public half of the private key in
 * path (PEM, PKCS#8 or traditional): compares the DER
 * (SubjectPublicKeyInfo) of both public keys. *match receives the
 * answer; a file that cannot be read gives STATUS_IO, one that holds no
 * private key STATUS_CRYPTO, both naming the file. A revoked record
 * never matches. */
enum status dkim_key_matches(const struct dkim_record *record, const char *path,
			     bool *match, struct err *err);

/* The exact TXT value of the key record for a private key file (PEM,
 * PKCS#8 or traditional, unencrypted), as dkim_keygen() makes it:
 * "v=DKIM1; k=rsa; p=SPKI" (RFC 6376 3.6.1) or "v=DKIM1; k=ed25519;
 * p=RAW32" (RFC 8463 4.2). The caller frees *record. STATUS_IO when the
 * file cannot be read, STATUS_CRYPTO when it holds no unencrypted
 * private key, STATUS_UNSUPPORTED for another algorithm; the message
 * names the file. */
enum status dkim_record_from_key(const char *path, char **record,
				 struct err *err);

/* Configuration of the common signers for a key. */
struct dkim_snippets {
	char *opendkim_conf;         /* opendkim.conf lines */
	char *opendkim_keytable;     /* KeyTable line */
	char *opendkim_signingtable; /* SigningTable line (refile:) */
	char *opendkim_trustedhosts; /* TrustedHosts lines */
	char *postfix;               /* main.cf milter lines */
	char *exim;                  /* smtp transport options */
};

/* Builds the snippets for DOMAIN, SELECTOR and the key's path. Free
 * with dkim_snippets_done(). */
void dkim_snippets_build(const char *domain, const char *selector,
			 const char *key_path, struct dkim_snippets *out);

void dkim_snippets_done(struct dkim_snippets *snippets);

/* ------------------------------------------------------------ rotation */

#define DKIM_ROTATION_DAYS 180 /* default key lifetime */
#define DKIM_KEEP_DAYS 7       /* minimum overlap after switching */

/* A key's age and when it is due for rotation. */
struct dkim_key_age {
	int age_days;  /* today - created (0 on the day it was made) */
	date_t due;    /* created + lifetime */
	int days_left; /* due - today; negative when overdue */
	bool is_due;   /* today >= due */
};

/* Computes the age of a key created on that day; lifetime_days <= 0
 * means DKIM_ROTATION_DAYS. */
struct dkim_key_age dkim_key_age(date_t created, date_t today,
				 int lifetime_days);

/* Adds dkim.rotation_due (with the selector and advice) when the key of
 * selector, created on that day, is due. Retired keys (retired not
 * DATE_NONE), keys a provider holds and keys of unknown age (created
 * DATE_NONE) are never due. beside, when not NULL, is the Ed25519 key
 * an RSA key signs beside (RFC 8463 section 4): created is then that
 * key's day, and the message says so. */
void dkim_rotation_check(const char *selector, date_t created, date_t retired,
			 bool provider_held, date_t today, int lifetime_days,
			 const char *beside, struct findings *findings);

enum dkim_step_kind {
	DKIM_STEP_GENERATE, /* create the new key */
	DKIM_STEP_PUBLISH,  /* publish the new record */
	DKIM_STEP_VERIFY,   /* every authoritative server serves it */
	DKIM_STEP_SWITCH,   /* the signer uses the new selector */
	DKIM_STEP_REVOKE,   /* the old record becomes p= (empty) */
	DKIM_STEP_REMOVE,   /* the old record is deleted */
};

/* One step of a rotation: what to do, from which day. */
struct dkim_rotation_step {
	enum dkim_step_kind kind;
	date_t date;  /* earliest day for this step */
	char *title;  /* translated one-line summary */
	char *detail; /* translated explanation */
	char *name;   /* the DNS name concerned, or NULL */
	char *record; /* the TXT value to publish there, or NULL (for
			  PUBLISH when the new record is not known yet, and
			  for REMOVE) */
};

struct dkim_rotation_plan {
	char *domain;
	char *old_selector;
	char *new_selector;
	struct dkim_rotation_step *steps;
	size_t count;
};

struct dkim_rotation_options {
	const char *domain;
	const char *old_selector;
	enum dkim_key_type old_type; /* for the revocation record */
	const char *new_selector;    /* NULL: YYYYMM of today (YYYYMMDD
					when that is the old selector) */
	const char *new_record;      /* the new TXT value, or NULL */
	date_t today;
	int keep_days;    /* overlap after switching; < 7 means 7 */
	int revoked_days; /* how long the revocation stays before removal;
			     <= 0 means 7 */
};

/* Builds the plan: generate, publish, verify, switch (all from today),
 * revoke after the overlap, remove after that. The plan is data; the
 * VERIFY step (and the check after REVOKE) is run with
 * dkim_rotation_verify(). Free with dkim_rotation_plan_done(). */
void dkim_rotation_plan_build(const struct dkim_rotation_options *options,
			      struct dkim_rotation_plan *out);

void dkim_rotation_plan_done(struct dkim_rotation_plan *plan);

/* Starts asking every authoritative server of the zone whether it
 * serves the record a step publishes (PUBLISH and VERIFY: the new key;
 * REVOKE: the empty p=), through propagate_start(); cb receives the
 * result as propagate.h describes (serving == count when all serve it).
 * A step that publishes nothing (GENERATE, SWITCH, REMOVE) or whose
 * record is not known yet gives STATUS_USAGE and cb is not called. o may
 * be NULL. */
enum status dkim_rotation_verify(struct dns *dns,
				 const struct dkim_rotation_step *step,
				 const struct propagate_options *o,
				 propagate_callback cb, void *arg,
				 struct err *err);

/* "generate", "publish", "verify", "switch", "revoke", "remove". */
const char *dkim_step_kind_name(enum dkim_step_kind kind);

/* ------------------------------------------------- tracked rotation */

/* Rotation intervals a domain may choose (its key lifetime). */
#define DKIM_INTERVAL_QUARTERLY 90
#define DKIM_INTERVAL_BIANNUAL 180 /* the default: DKIM_ROTATION_DAYS */
#define DKIM_INTERVAL_ANNUAL 365
#define DKIM_SILENT_DAYS                                                       \
	7 /* default days the old selector must be
			      silent in the reports before it is revoked */

/* Parses "quarterly", "biannual", "annual" or a number of days
 * (1..3650) into *days; false for anything else. */
bool dkim_interval_parse(const char *text, int *days);

/* The word of an interval ("quarterly", "biannual", "annual") or its
 * days as digits, in buf. Returns buf. */
const char *dkim_interval_name(int days, char buf[16]);

/* The phases of a tracked rotation, in order. Each is entered only on
 * its evidence (DNS for publication, revocation and removal; the
 * aggregate reports' DKIM selectors for the switch and the silence of
 * the old key). */
enum dkim_rotation_phase {
	DKIM_ROTATION_GENERATED, /* new key made; its record to publish */
	DKIM_ROTATION_PUBLISHED, /* every server serves the new record */
	DKIM_ROTATION_SWITCHED,  /* reports show the new selector passing */
	DKIM_ROTATION_REVOKED,   /* the old record serves p= (empty) */
	DKIM_ROTATION_DONE,      /* old record gone, its key file deleted
				    (or, RSA kept beside Ed25519, signing) */
};

/* "generated", "published", "switched", "revoked", "done". */
const char *dkim_rotation_phase_name(enum dkim_rotation_phase phase);

/* The phase of a stable word; false when unknown. */
bool dkim_rotation_phase_parse(const char *word, enum dkim_rotation_phase *out);

/* The default selector of a new key: YYYYMM of today, or YYYYMMDD when
 * that is the selector being replaced (old may be NULL). Caller
 * frees. */
char *dkim_rotation_default_selector(date_t today, const char *old);

/* What the aggregate reports tell of the two selectors of a rotation
 * (days of the reports' date ranges, DATE_NONE when never). */
struct dkim_rotation_evidence {
	date_t new_first_pass; /* first day the new selector passed */
	date_t new_last_pass;  /* last day it passed */
	date_t old_last_seen;  /* last day the old selector signed at all */
	date_t reports_last;   /* last day any report of the domain covers */
};

/* Whether the old selector has gone quiet. */
enum dkim_silence {
	DKIM_SILENT,      /* reports cover silent_days after its last use */
	DKIM_STILL_SIGNS, /* reports show it within the last silent_days */
	DKIM_NO_EVIDENCE, /* the reports do not reach far enough yet */
};

/* Judges the silence of the old selector after the switch on day
 * switched; *until receives the first day it may be revoked if the
 * reports stay quiet. */
enum dkim_silence dkim_rotation_silence(const struct dkim_rotation_evidence *ev,
					date_t switched, int silent_days,
					date_t *until);

/* The signer changes of the switch: the new key's KeyTable and
 * SigningTable lines, Exim's transport options and the Postfix milter
 * lines. With keep_old (RSA kept beside a new Ed25519 key, RFC 8463
 * section 4) both keys sign: OpenDKIM lists both and signs twice, Exim
 * gets a selector list. Free with dkim_snippets_done(). */
void dkim_switch_snippets_build(const char *domain, const char *new_selector,
				const char *new_path, const char *old_selector,
				const char *old_path, bool keep_old,
				struct dkim_snippets *out);

#endif
