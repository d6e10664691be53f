/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DKIM rotation as a tracked procedure, the same for the command line
 * and the wizard: start (a new key under a new selector), advance (each
 * phase recorded only on its evidence: the new record served by every
 * authoritative server, the aggregate reports showing the new selector
 * pass, the old one silent for N days, the old record revoked, then
 * gone), cancel (a rotation that never switched), and which keys are
 * due (for the plan's maintenance and the monitor). */
#ifndef DMARCPILOT_APP_DKIM_ROTATE_H
#define DMARCPILOT_APP_DKIM_ROTATE_H

#include <stdbool.h>

#include "app/publish.h"
#include "app/session.h"
#include "dkim/dkim.h"
#include "dns/propagate.h"
#include "store/rotation_store.h"
#include "util/date.h"
#include "util/finding.h"
#include "util/status.h"

struct app_rotate_start_options {
	const char *domain;
	const char *from;      /* the key to replace, or NULL: the domain's
				 one own key in use */
	const char *selector;  /* the new selector, or NULL: YYYYMM */
	const char *algorithm; /* "rsa" or "ed25519", or NULL: as the old
				  key */
	int bits;              /* RSA; 0 for the default */
	const char *dir;       /* NULL: beside the old key, else the
				 default key directory */
	int silent_days;       /* 0: DKIM_SILENT_DAYS */
	date_t today;
};

/* Starts a rotation: generates the new key (0600, O_EXCL) and records
 * it with the rotation in one transaction (the file is removed when
 * that fails). Moving from RSA to Ed25519 keeps the RSA key signing
 * beside it (RFC 8463 section 4). STATUS_EXISTS when a rotation is
 * under way, STATUS_NOT_FOUND when the domain has no key of its own,
 * STATUS_USAGE when several and no from. Free gen with
 * dkim_generated_done() and rec with rotation_record_done(). */
enum status app_rotate_start(struct session *s,
			     const struct app_rotate_start_options *o,
			     struct dkim_generated *gen,
			     struct rotation_record *rec, struct err *err);

/* What a run of app_rotate_advance() found and did. */
enum app_rotate_outcome {
	APP_ROTATE_NONE,    /* no rotation under way */
	APP_ROTATE_WAITING, /* its next evidence is not there yet */
	APP_ROTATE_REFUSED, /* the old key still signs: not revoked */
	APP_ROTATE_DONE,    /* the rotation is complete */
};

struct app_rotate_result {
	enum app_rotate_outcome outcome;
	struct rotation_record rec; /* as it stands after the run */
	enum dkim_rotation_phase entered[DKIM_ROTATION_DONE + 1];
	size_t nentered; /* the phases recorded by this run */
	bool forced;     /* one of them without evidence */
	struct dkim_rotation_evidence ev;
	enum dkim_silence silence;       /* after the switch */
	date_t silent_until;             /* earliest revocation day */
	char *new_name;                  /* SELECTOR._domainkey.DOMAIN */
	char *new_record;                /* the new key's TXT value */
	char *old_name;                  /* or NULL */
	char *revocation;                /* the old name's p= record */
	struct propagate_result *check;  /* the last DNS check, or NULL */
	char *why;                       /* translated: what is awaited or
					   why it was refused */
	bool key_deleted;                /* the old key file was deleted */
	struct rotation_signer *signers; /* while the old selector still
					    signs: the sources the reports
					    show using it since the switch */
	size_t nsigners;
	char **updates; /* the signed updates sent to the primary (as
			    nsupdate reads them), when the domain's
			    records go through publish */
	size_t nupdates;
};

/* Advances the domain's rotation as far as the evidence allows on day
 * today, asking the zone's servers through the session's resolver (po
 * may name them). force records one phase without its evidence; a
 * revocation while the reports show the old selector within its silent
 * days needs it (without it a revocation already published is
 * APP_ROTATE_REFUSED), and r->signers says what the old key still
 * signs. The old key file is deleted only once every server answers
 * that its record is gone, forced or not. watch (may be NULL) is told
 * how each update sent goes. Free r with
 * app_rotate_result_done(). */
enum status app_rotate_advance(struct session *s, const char *domain,
			       date_t today, const struct propagate_options *po,
			       bool force,
			       const struct app_publish_watch *watch,
			       struct app_rotate_result *r, struct err *err);

/* The rotation under way as it stands (its record, names and the
 * reports' evidence), asking no DNS and recording nothing; r->outcome
 * is APP_ROTATE_NONE when none is under way. */
enum status app_rotate_show(struct session *s, const char *domain,
			    struct app_rotate_result *r, struct err *err);

void app_rotate_result_done(struct app_rotate_result *r);

/* Cancels a rotation that has not switched: when the domain's updates
 * go through publish, first removes the new key's DNS record there
 * (waiting until every server has dropped it; *removed, which may be
 * NULL, says whether a record was there to remove); then forgets its
 * record and retires the new key's row on today (its selector is never
 * chosen again), then deletes the new key file (never used to sign). *out receives the
 * cancelled record. STATUS_NOT_FOUND when none is under way,
 * STATUS_REFUSED once the signer switched; a failed removal changes
 * nothing. watch (may be NULL) is told how the removal goes. */
enum status app_rotate_cancel(struct session *s, const char *domain,
			      date_t today,
			      const struct app_publish_watch *watch,
			      struct rotation_record *out, bool *removed,
			      struct err *err);

/* *yes says whether a rotation of the domain is under way (reading
 * its record only: no evidence, no DNS). */
enum status app_rotate_under_way(struct session *s, const char *domain,
				 bool *yes, struct err *err);

/* True when the domain's record changes go through publish (its
 * publish-server or publish-key is set): the rotation then sends the
 * new record, the revocation and the removal itself. */
bool app_rotate_publishes(struct session *s, const char *domain);

/* Changes the silent days (1..365) of the rotation under way: how long
 * the reports must show the old selector unused before it is revoked.
 * STATUS_NOT_FOUND when none is under way. */
enum status app_rotate_silent_days(struct session *s, const char *domain,
				   int days, struct err *err);

/* The domain's rotation interval in days (DKIM_INTERVAL_BIANNUAL when
 * never set, or when the domain is not in the database). */
enum status app_rotate_interval_get(struct session *s, const char *domain,
				    int *days, struct err *err);

/* The rotation check the monitor and the audit share: a
 * dkim.rotation_due finding in out for each of the domain's own keys in
 * use that is older than the domain's interval while no rotation of it
 * is under way. A domain the database does not follow has none. */
enum status app_rotate_due(struct store *store, const char *domain,
			   date_t today, struct findings *out, struct err *err);

#endif
