/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Adoption: a domain that already publishes records is placed on the
 * phase and rung that is live, so that the plan never proposes a record
 * weaker than the one served (-all to ~all, reject to quarantine or
 * none, a smaller pct). */
#ifndef DMARCPILOT_APP_ADOPT_H
#define DMARCPILOT_APP_ADOPT_H

#include <stddef.h>

#include "app/session.h"
#include "util/date.h"
#include "util/finding.h"
#include "util/status.h"

/* What was found live and recorded. */
struct app_adoption {
	int spf_rung;       /* 0 (~all), 1 (-all), or -1 when none was */
	char *spf_record;   /* the SPF record served, or NULL */
	int dmarc_rung;     /* the ladder rung recorded, or -1 */
	char *dmarc_record; /* the DMARC record served, or NULL */
	char **dkim;        /* the selectors recorded as live */
	size_t ndkim;
	struct findings findings; /* why nothing was recorded (spf.multiple:
				     which record is live cannot be told),
				     or none */
};

/* Reads the SPF record, the DKIM keys (the catalogue selectors of the
 * domain's senders and the common list) and the DMARC record the domain
 * serves through the session's resolver, and records in one transaction
 * what goes beyond what is recorded: SPF with ~all as rung 0, with -all
 * as rung 1; each key live; the strongest ladder rung the DMARC record
 * reaches (its policy, then its pct). Records no other SPF (no all,
 * ?all, +all: not a rung). A failed query is an error naming it, and
 * nothing is recorded. A domain serving more than one SPF record (RFC
 * 7208 4.5: permerror) gets the finding spf.multiple in out->findings
 * and nothing recorded, with STATUS_OK. Free out with app_adoption_done(). */
enum status app_adopt(struct session *s, const char *domain, date_t today,
		      struct app_adoption *out, struct err *err);

void app_adoption_done(struct app_adoption *a);

#endif
