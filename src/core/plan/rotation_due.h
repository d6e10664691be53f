/* SPDX-License-Identifier: GPL-3.0-or-later */
/* When a domain's own DKIM keys are due for rotation: the one rule that
 * dkim check, plan's due list, the timeline and the monitor share. A
 * key made here is due its domain's rotation-interval days after it was
 * made (dkim_key_age), unless it is retired, held by a provider, or one
 * of the two keys of the rotation under way. An RSA key signing beside
 * a newer Ed25519 key (RFC 8463 section 4, as a move to Ed25519 leaves
 * it) is due with that key: its days count from the Ed25519 key's. */
#ifndef DMARCPILOT_ROTATION_DUE_H
#define DMARCPILOT_ROTATION_DUE_H

#include "store/store.h"
#include "util/date.h"
#include "util/finding.h"
#include "util/status.h"

struct rotation_due {
	int interval;        /* the domain's interval, in days */
	char *rotating;      /* the old selector of the rotation under
				 way, or NULL */
	char *rotating_to;   /* its new selector, or NULL */
	struct findings due; /* a dkim.rotation_due (with its selector and
				 due day) for each key due on today */
};

/* Reads the domain's keys, interval and rotation under way and judges
 * them on today into *out. A domain the database does not follow has
 * nothing due (the default interval, no findings). Free out with
 * rotation_due_done(), also after an error. */
enum status rotation_due_load(struct store *store, const char *domain,
			      date_t today, struct rotation_due *out,
			      struct err *err);

void rotation_due_done(struct rotation_due *d);

#endif
