/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rollout's state in the database (DESIGN.md sections 4 and 7): the
 * domains, their senders, DKIM keys, the rungs verified live and the
 * plan's settings per domain. Every change runs in one transaction;
 * errors name the database file. Dates are date_t days; DATE_NONE where
 * a day is not (yet) known. */
#ifndef DMARCPILOT_STATE_H
#define DMARCPILOT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/date.h"
#include "providers/providers.h"
#include "util/status.h"
#include "store/store.h"

/* ---------------------------------------------------------------- domains */

struct state_domain {
	int64_t id;
	char *name;     /* lower case, no final dot */
	date_t created; /* the day it was added */
};

/* Adds a domain (normalised by dname_normalize(): A-labels, lower case,
 * no final dot; at least two labels, "_" allowed) on day today.
 * STATUS_USAGE for an invalid name, STATUS_EXISTS when present. *id (may
 * be NULL) receives its row id. */
enum status state_domain_add(struct store *store, const char *name,
			     date_t today, int64_t *id, struct err *err);

/* The row id of a domain; STATUS_NOT_FOUND (naming it) when absent. */
enum status state_domain_id(struct store *store, const char *name, int64_t *id,
			    struct err *err);

/* All domains in name order; free with state_domains_free(). */
enum status state_domain_list(struct store *store, struct state_domain **out,
			      size_t *count, struct err *err);
void state_domains_free(struct state_domain *domains, size_t count);

/* ---------------------------------------------------------------- senders */

enum sender_kind {
	SENDER_PROVIDER, /* a section of providers.ini */
	SENDER_IP4,      /* value "192.0.2.0/24" */
	SENDER_IP6,      /* value "2001:db8::/32" */
	SENDER_A,        /* value a host, or "" for the domain itself */
	SENDER_MX,       /* likewise */
	SENDER_INCLUDE,  /* value a host whose SPF record is included */
};

struct state_sender {
	int64_t id;
	enum sender_kind kind;
	char *value; /* normalised: provider id, network, host or "" */
	char *note;  /* the operator's note, or NULL */
	date_t created;
};

/* "provider", "ip4", "ip6", "a", "mx", "include". */
const char *state_sender_kind_name(enum sender_kind kind);

/* The spec as a user types it back: "google-workspace",
 * "ip4:192.0.2.0/24", "a:mail.example.com", "mx". Caller frees. */
char *state_sender_spec(const struct state_sender *sender);

/* The SPF mechanism the sender contributes ("ip4:192.0.2.0/24",
 * "include:_spf.google.com"), or NULL when it needs none (a provider
 * without an spf key, or a provider missing from catalogue). Caller
 * frees. */
char *state_sender_mechanism(const struct state_sender *sender,
			     const struct providers *catalogue);

/* Parses what the operator typed: PROVIDER-ID (it must be in catalogue),
 * ip4:CIDR, ip6:CIDR (ip.h), a[:HOST], mx[:HOST], include:HOST. On
 * success *kind and *value (caller frees) hold the normalised form;
 * otherwise STATUS_USAGE says what is wrong with spec. */
enum status state_sender_parse(const char *spec,
			       const struct providers *catalogue,
			       enum sender_kind *kind, char **value,
			       struct err *err);

/* Adds a sender to a domain (parsed as above, note may be NULL).
 * STATUS_NOT_FOUND for an unknown domain, STATUS_EXISTS when the same
 * sender is there already. *id (may be NULL) receives its row id. */
enum status state_sender_add(struct store *store, const char *domain,
			     const char *spec, const char *note,
			     const struct providers *catalogue, date_t today,
			     int64_t *id, struct err *err);

/* The domain's senders in the order they were added; free with
 * state_senders_free(). */
enum status state_sender_list(struct store *store, const char *domain,
			      struct state_sender **out, size_t *count,
			      struct err *err);
void state_senders_free(struct state_sender *senders, size_t count);

/* Removes a sender named by its row id ("3") or by its spec as listed
 * ("ip4:192.0.2.0/24", "sendgrid"). STATUS_NOT_FOUND when the domain has
 * no such sender. */
enum status state_sender_remove(struct store *store, const char *domain,
				const char *which, struct err *err);

/* ---------------------------------------------------------------- not ours */

/* A source the operator disowned: mail from it that fails DMARC is
 * spoofing, which the policy is meant to stop. */
struct state_disowned {
	int64_t id;
	char *network; /* "203.0.113.9" or "198.51.100.0/24" (ip.h) */
	char *note;    /* or NULL */
	date_t created;
};

/* IPv4 networks shorter than this, IPv6 shorter than the next, are
 * refused: disowning them would hide real senders from the plan. */
#define STATE_DISOWN_MIN_PREFIX4 16
#define STATE_DISOWN_MIN_PREFIX6 32

/* Disowns an address or network (ADDR or ADDR/PREFIX, IPv4 or IPv6) for
 * a domain. STATUS_USAGE for something else, for a network wider than
 * the limits above, or one that overlaps an ip4/ip6 sender of the domain
 * (naming it); STATUS_NOT_FOUND for an unknown domain; STATUS_EXISTS
 * when it is disowned already. *id (may be NULL) receives the row id. */
enum status state_disown_add(struct store *store, const char *domain,
			     const char *source, const char *note, date_t today,
			     int64_t *id, struct err *err);

/* The domain's disowned sources in the order they were added; free
 * with state_disowned_free(). */
enum status state_disown_list(struct store *store, const char *domain,
			      struct state_disowned **out, size_t *count,
			      struct err *err);
void state_disowned_free(struct state_disowned *list, size_t count);

/* Takes back a disowned source named by row id or as listed.
 * STATUS_NOT_FOUND when the domain has no such entry. */
enum status state_disown_remove(struct store *store, const char *domain,
				const char *which, struct err *err);

/* ---------------------------------------------------------------- DKIM */

struct state_dkim_key {
	int64_t id;
	char *selector;
	char *algorithm; /* "rsa" or "ed25519" */
	int bits;        /* 0 when not applicable or not known */
	char *key_path;  /* the private key's path (never the key), or NULL */
	char *provider;  /* the provider that holds the key, or NULL */
	date_t created;
	date_t published; /* verified live, or DATE_NONE */
	date_t retired;   /* taken out of use, or DATE_NONE */
};

/* Records a key. key_path is for keys the operator holds, provider for
 * keys a service holds (one of the two, or both NULL for a key made
 * elsewhere). STATUS_EXISTS when the domain has that selector. */
enum status state_dkim_key_add(struct store *store, const char *domain,
			       const struct state_dkim_key *key, int64_t *id,
			       struct err *err);

/* The domain's keys, by creation day then selector; free with
 * state_dkim_keys_free(). */
enum status state_dkim_key_list(struct store *store, const char *domain,
				struct state_dkim_key **out, size_t *count,
				struct err *err);
void state_dkim_keys_free(struct state_dkim_key *keys, size_t count);

struct dkim_generated;

/* Records a key dkim_keygen() wrote (a dkim_record_fn, dkim.h; arg is
 * the struct store): its path, never the key, created today, adding the
 * domain when it is not there yet. STATUS_EXISTS when the domain has
 * that selector. */
enum status state_dkim_keygen_record(void *store,
				     const struct dkim_generated *key,
				     date_t today, struct err *err);

/* Sets the day a selector was verified live. STATUS_NOT_FOUND for an
 * unknown selector. */
enum status state_dkim_key_published(struct store *store, const char *domain,
				     const char *selector, date_t day,
				     struct err *err);

/* Sets the day a selector was retired. */
enum status state_dkim_key_retired(struct store *store, const char *domain,
				   const char *selector, date_t day,
				   struct err *err);

/* ---------------------------------------------------------------- rungs */

/* What a history entry is about. */
enum rung_kind {
	RUNG_SPF,   /* rung 0: SPF with ~all, rung 1: with -all */
	RUNG_DMARC, /* rung i of the domain's ladder */
};

/* What one include of an SPF record cost when the record was verified
 * (RFC 7208 4.6.4: 1 for the include and its own tree). */
struct state_cost {
	char *include; /* "include:_spf.example.net" */
	int lookups;
};

void state_costs_free(struct state_cost *costs, size_t count);

struct state_rung {
	int64_t id;
	enum rung_kind kind;
	int rung;
	char *record;    /* the exact record verified */
	date_t verified; /* the day it was verified live everywhere */
	int lookups;     /* RUNG_SPF: the record's DNS lookups when it was
			   verified (RFC 7208 4.6.4), or -1 when not
			   counted */
	struct state_cost *costs; /* RUNG_SPF: each include's lookups
				     then, in the record's order */
	size_t ncosts;
};

/* Appends a verified rung (lookups not counted). */
enum status state_rung_add(struct store *store, const char *domain,
			   enum rung_kind kind, int rung, const char *record,
			   date_t verified, struct err *err);

/* Appends a verified SPF rung with the DNS lookups its record needed
 * then (-1 when they could not be counted) and what each include cost
 * (ncosts of them, as rollout_spf_measure() gives them), for lookup
 * drift. */
enum status state_rung_add_spf(struct store *store, const char *domain,
			       int rung, const char *record, int lookups,
			       const struct state_cost *costs, size_t ncosts,
			       date_t verified, struct err *err);

struct spf_flatten;

/* One verified step of the rollout, recorded with state_step_record():
 * a rung of kind (kind, rung, record, lookups, ncosts costs as for
 * state_rung_add_spf()), or with dkim_selector set, a DKIM key marked
 * live instead; for SPF with replace_flattened set, the includes
 * flattened (what the flattener gave, may be NULL: none) replace those
 * remembered, as state_flattened_save() does. */
struct state_step {
	enum rung_kind kind;
	int rung;
	const char *record;
	int lookups;
	const struct state_cost *costs;
	size_t ncosts;
	const char *dkim_selector;
	const char *dkim_provider; /* with dkim_selector: the service that
				      publishes the key; its key is
				      recorded first when it is not yet */
	bool dkim_insert;          /* record the key (dkim_provider, or
				      NULL for a key made elsewhere) when
				      the domain has no such selector */
	const struct spf_flatten *flattened;
	bool replace_flattened;
	date_t verified;
	/* Who records it ("user@host") and when ("YYYY-MM-DD HH:MM UTC"),
	 * kept with the rung to name them to an operator whose step
	 * comes second; NULL when not known. */
	const char *recorded_by;
	const char *recorded_at;
	/* When set, the step was planned from a history whose newest
	 * rung is latest_id (0: none), and is refused if another
	 * operator recorded one since. */
	bool check_latest;
	int64_t latest_id;
};

/* Records a step in ONE transaction: the flattened includes, the rung
 * with its lookups and costs (or the DKIM key's day); a failure leaves
 * the database as it was. Two operators stepping the same domain at
 * once: the transaction holds the write lock (SQLite) or is
 * serializable and run again when the server says another won
 * (PostgreSQL), and with check_latest the second is refused with
 * STATUS_REFUSED naming who recorded which rung and when. */
enum status state_step_record(struct store *store, const char *domain,
			      const struct state_step *step, struct err *err);

/* Records several steps in ONE transaction (adoption: what is live,
 * placed at once); none is recorded when one fails. */
enum status state_steps_record(struct store *store, const char *domain,
			       const struct state_step *steps, size_t count,
			       struct err *err);

/* The domain's history, oldest first (by day, then insertion); free with
 * state_rungs_free(). */
enum status state_rung_list(struct store *store, const char *domain,
			    struct state_rung **out, size_t *count,
			    struct err *err);
void state_rungs_free(struct state_rung *rungs, size_t count);

/* ---------------------------------------------------------------- flattened */

struct spf_flat_saved;

/* Replaces what is remembered as flattened for a domain by the
 * flattened items of f (spf_build.h), dated today. STATUS_NOT_FOUND for
 * a domain not in the store. */
enum status state_flattened_save(struct store *store, const char *domain,
				 const struct spf_flatten *f, date_t today,
				 struct err *err);

/* What was flattened for domain, in the order it was saved (none for
 * a domain not in the store); free with state_flattened_free(). */
enum status state_flattened_list(struct store *store, const char *domain,
				 struct spf_flat_saved **out, size_t *count,
				 struct err *err);
void state_flattened_free(struct spf_flat_saved *list, size_t count);

/* ---------------------------------------------------------------- settings */

/* The plan's settings of one domain. Strings are owned; NULL strings
 * mean "not set" where the comment says so. */
struct state_settings {
	char *rungs;              /* the ladder as text ("none,q10,..."), or
				  NULL for the default ladder */
	int min_days_monitor;     /* days at p=none before quarantine (28) */
	int min_days_rung;        /* days on each later rung (7) */
	int window_days;          /* days of reports judged (14) */
	double pass_threshold;    /* share of legitimate volume that must pass
				  DMARC, in percent (98) */
	double unknown_threshold; /* largest share of volume, in percent, a
				     failing unclassified source may have
				     (0.5) */
	char *rua;     /* "mailto:..." list, or NULL for dmarc@DOMAIN */
	char *ruf;     /* or NULL for none */
	char *adkim;   /* "r" or "s", or NULL for the default (r) */
	char *aspf;    /* likewise */
	char *sp;      /* subdomain policy, or NULL to follow p */
	char *np;      /* RFC 9989 non-existent subdomain policy, or NULL */
	char *spf_all; /* "softfail" or "fail" forced, or NULL to follow
			  the plan */
	char *servers; /* "ADDR[:PORT][,...]" a step is verified on, or
			  NULL for the zone's name servers */
	/* Where publish sends its signed updates (RFC 2136): */
	char *publish_server; /* the primary, "HOST" or "ADDR", or NULL for
				 the zone's SOA MNAME */
	char *publish_key;    /* the path of the TSIG key file (never the
				 secret), or NULL */
	int publish_port;     /* the port of the primary and of the name
				 servers asked for propagation, 0 for 53 */
	int dkim_rotation_interval; /* days an own DKIM key lives before
				       its rotation is due (180; kept in
				       rotation_store's own table) */
};

/* The defaults of DESIGN.md section 4 (all strings NULL). */
void state_settings_defaults(struct state_settings *s);

/* The domain's settings: defaults where nothing is stored. */
enum status state_settings_get(struct store *store, const char *domain,
			       struct state_settings *out, struct err *err);

/* Stores all of s for the domain. Values are checked: days 1..3650,
 * window 1..366, percentages 0..100, adkim/aspf "r" or "s", sp/np
 * "none", "quarantine" or "reject", spf_all "softfail" or "fail",
 * publish_port 0..65535, the DKIM rotation interval 1..3650;
 * STATUS_USAGE names a bad one. */
enum status state_settings_set(struct store *store, const char *domain,
			       const struct state_settings *s, struct err *err);

/* Changes s, the settings as stored, in place: called by
 * state_settings_update() inside its transaction, perhaps more than once
 * (each time on a fresh read), so it must change nothing else. */
typedef enum status (*state_settings_apply_fn)(struct state_settings *s,
					       void *arg, struct err *err);

/* Reads the domain's settings, lets apply change them and stores them
 * as state_settings_set() does, in one transaction, so that two
 * operators changing different settings of one domain at once both
 * keep their change: the second waits for the first (SQLite) or runs
 * again on what the first stored (PostgreSQL). Nothing is stored when
 * apply or the check fails. */
enum status state_settings_update(struct store *store, const char *domain,
				  state_settings_apply_fn apply, void *arg,
				  struct err *err);

/* Frees the strings and resets to defaults. */
void state_settings_done(struct state_settings *s);

#endif
