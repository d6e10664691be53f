/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tracked DKIM rotations (dkim.h, "tracked rotation"): one record per
 * rotation with its phase and the day each phase was entered, the
 * domain's rotation interval, and what the aggregate reports say of
 * the two selectors. At most one rotation of a domain is under way
 * (phase before "done"); finished ones stay as history. */
#ifndef DMARCPILOT_ROTATION_STORE_H
#define DMARCPILOT_ROTATION_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "dkim/dkim.h"
#include "store/state.h"
#include "store/store.h"
#include "util/date.h"
#include "util/status.h"

/* One rotation. Strings are owned; free with rotation_record_done(). */
struct rotation_record {
	int64_t id;
	char *old_selector;
	char *old_algorithm; /* "rsa" or "ed25519" */
	char *old_path;      /* the old private key's file, or NULL */
	char *new_selector;
	char *new_algorithm;
	char *new_path;  /* the new private key's file */
	bool keep_old;   /* RSA kept signing beside a new Ed25519 key */
	int silent_days; /* days the old selector must be silent */
	enum dkim_rotation_phase phase;
	date_t started, published, switched, revoked, finished;
};

void rotation_record_done(struct rotation_record *r);

/* Records the start of a rotation and its new key (key->selector must
 * be r->new_selector) in one transaction. STATUS_EXISTS when a
 * rotation of the domain is under way or the selector is taken. */
enum status rotation_store_start(struct store *store, const char *domain,
				 const struct state_dkim_key *key,
				 const struct rotation_record *r,
				 struct err *err);

/* The rotation under way into *out (*found true), or *found false. */
enum status rotation_store_current(struct store *store, const char *domain,
				   struct rotation_record *out, bool *found,
				   struct err *err);

/* Moves rotation id to phase, entered on day, in one transaction:
 * PUBLISHED also marks the new key published; DONE marks the old key
 * retired unless the rotation keeps it. */
enum status rotation_store_advance(struct store *store, const char *domain,
				   const struct rotation_record *r,
				   enum dkim_rotation_phase phase, date_t day,
				   struct err *err);

/* Forgets a rotation that never switched: deletes its record and
 * retires its new key's row on today (kept, so that the selector is
 * never chosen again), in one transaction (the caller removes the key
 * file after). */
enum status rotation_store_cancel(struct store *store, const char *domain,
				  const struct rotation_record *r, date_t today,
				  struct err *err);

/* The domain's rotation interval in days (DKIM_INTERVAL_BIANNUAL when
 * never set). */
enum status rotation_store_interval_get(struct store *store, const char *domain,
					int *days, struct err *err);

/* Stores the interval (1..3650 days, else STATUS_USAGE) of the domain
 * with row id domain_id inside the caller's transaction: the settings
 * (state_settings_set) store it with the rest. */
enum status rotation_store_interval_put(struct store *store, int64_t domain_id,
					int days, struct err *err);

/* What the domain's aggregate reports show of the two selectors: the
 * raw DKIM results of each row ("domain:selector:result", RFC 7489
 * appendix C auth_results) for d= the domain. */
enum status rotation_store_evidence(struct store *store, const char *domain,
				    const char *old_selector,
				    const char *new_selector,
				    struct dkim_rotation_evidence *out,
				    struct err *err);

/* One source the reports show signing with a selector. */
struct rotation_signer {
	char *ip;         /* the source address, as the report gave it */
	int64_t messages; /* messages signed with the selector */
	date_t last;      /* the last day of the last report showing it */
};

/* The sources whose mail the domain's aggregate reports show signed
 * with selector (d= the domain) in reports ending on or after since,
 * the most messages first. Free with rotation_signers_free(). */
enum status rotation_store_signers(struct store *store, const char *domain,
				   const char *selector, date_t since,
				   struct rotation_signer **out, size_t *count,
				   struct err *err);

void rotation_signers_free(struct rotation_signer *v, size_t count);

/* Sets the silent days of the rotation under way (1..365). */
enum status rotation_store_silent_days_set(struct store *store,
					   const char *domain,
					   const struct rotation_record *r,
					   int days, struct err *err);

#endif
