/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Brand Indicators for Message Identification (draft-brand-indicators-
 * for-message-identification): the default._bimi TXT record with the
 * logo (l=) and the mark certificate (a=), and the DMARC policy BIMI
 * requires before a receiver shows the logo. */
#ifndef DMARCPILOT_BIMI_H
#define DMARCPILOT_BIMI_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "dmarc/dmarc.h"
#include "dns/dns.h"
#include "util/finding.h"
#include "util/status.h"

/* The version tag every record starts with (BIMI 4.2). */
#define BIMI_VERSION "v=BIMI1"

/* A parsed record; free with bimi_record_done(). */
struct bimi_record {
	char **logos; /* l=: the SVG locations, cleaned */
	size_t nlogos;
	char *evidence; /* a=: the mark certificate's location, or NULL */
	bool declined;  /* "l=" empty and no a=: the domain declines BIMI */
};

/* Parses a record of len octets (any octet). STATUS_OK for a valid
 * record; STATUS_PARSE with bimi.syntax or bimi.insecure_uri findings
 * in f (may be NULL). rec is valid in both cases. */
enum status bimi_parse(const char *text, size_t len, struct bimi_record *rec,
		       struct findings *f);
void bimi_record_done(struct bimi_record *rec);

/* What the audit found; free with bimi_result_free(). */
struct bimi_result {
	char *name; /* the name the record was found at, or the one asked */
	enum dns_result dns;
	char *record;   /* cleaned for display, or NULL */
	bool inherited; /* found at the organizational domain */
	bool valid;
	struct bimi_record parsed;
	struct findings findings;
};

/* Judges the TXT answer for default._bimi at name. */
struct bimi_result *bimi_judge(const char *name, bool inherited,
			       const struct dns_answer *ans);

/* BIMI 4.3: a receiver shows the logo only when the domain's DMARC
 * policy is quarantine or reject for all of its mail (pct 100, and no
 * sp=none at the organizational domain). Adds bimi.dmarc_not_enforced
 * to r when a record that is not a declination meets a weaker policy. */
void bimi_check_dmarc(struct bimi_result *r, const struct dmarc_result *d);

void bimi_result_free(struct bimi_result *r);

/* {"name", "result", "record", "inherited", "valid", "declined",
 * "logos", "evidence", "findings"}. */
json_t *bimi_result_to_json(const struct bimi_result *r);

#endif
