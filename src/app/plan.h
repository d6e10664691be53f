/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The plan of a domain as both front ends show it: the facts loaded
 * (state, records built from the senders, report evidence, and what DNS
 * serves now), then the decision (plan/rollout.h). */
#ifndef DMARCPILOT_APP_PLAN_H
#define DMARCPILOT_APP_PLAN_H

#include "app/session.h"
#include "dns/dns.h"
#include "plan/rollout.h"
#include "util/date.h"
#include "util/status.h"

/* Loads the inputs of domain on day today through the session and
 * decides its plan. The database is required (its error is returned);
 * without the catalogue, provider senders are reasons; without a
 * resolver the SPF lookups are not counted and the live records not
 * read, and the plan is not ready. Free both with rollout_plan_done()
 * and rollout_inputs_done(). */
enum status app_plan_load(struct session *s, const char *domain, date_t today,
			  struct rollout_inputs *in, struct rollout_plan *plan,
			  struct err *err);

/* The same from parts the caller holds: the store, dns (NULL, with
 * why_no_dns saying why, when there is none) and the catalogue (may be NULL). */
enum status app_plan_load_with(struct store *store, struct dns *dns,
			       const char *why_no_dns,
			       const struct providers *catalogue,
			       const char *domain, date_t today,
			       struct rollout_inputs *in,
			       struct rollout_plan *plan, struct err *err);

/* Reads the SPF record the domain serves and its DMARC record into in
 * (live_read, spf_live, dmarc_live; live_note naming the query that
 * failed). dns may be NULL: then the note says there is no resolver.
 * When in already holds what the zone's primary serves
 * (app_publish_read_served()) and dns asks that primary alone, those
 * answers are taken and nothing is asked again. */
void app_plan_read_live(struct dns *dns, const char *why_no_dns,
			struct rollout_inputs *in);

/* Marks in in->sender_dkim the catalogue selector of each service that
 * serves a key now (all asked at once through dns; NULL asks nothing). */
void app_plan_read_dkim(struct dns *dns, struct rollout_inputs *in);

#endif
