/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DMARC rollout ladder (DESIGN.md section 4): the sequence of records
 * an operator publishes, from p=none to p=reject, stepping pct. A ladder
 * is stored per domain as text ("none,q10,q25,q50,q100,r10,r25,r50,r100").
 * Minimum days per rung and readiness belong to the rollout module. */
#ifndef DMARCPILOT_LADDER_H
#define DMARCPILOT_LADDER_H

#include <stddef.h>

#include "dmarc/dmarc.h"
#include "util/status.h"

/* The default ladder as text. */
#define LADDER_DEFAULT "none,q10,q25,q50,q100,r10,r25,r50,r100"

/* The most rungs a ladder may have. */
#define LADDER_MAX_RUNGS 32

/* One rung: a policy and the percentage of failing mail it applies to
 * (1..100; always 100 for DMARC_POLICY_NONE). */
struct ladder_rung {
	enum dmarc_policy policy;
	int pct;
};

/* A ladder; rungs strictly increase in strength: by policy, then pct. */
struct ladder {
	struct ladder_rung *rungs; /* owned */
	size_t count;
};

/* clang-format off */
#define LADDER_INIT { NULL, 0 }
/* clang-format on */

/* Fills l with the default rungs (l is overwritten, not freed). */
void ladder_init_default(struct ladder *l);

/* Parses a comma-separated rung list into l (overwritten): "none" (or
 * "n"), "qN" (quarantine, pct N) or "rN" (reject), N from 1 to 100, in
 * strictly increasing strength, at least one rung. On failure returns
 * STATUS_PARSE with err naming the bad rung; l is left empty. */
enum status ladder_parse(struct ladder *l, const char *text, struct err *err);

/* The text form, as ladder_parse reads it. Caller frees. */
char *ladder_format(const struct ladder *l);

void ladder_done(struct ladder *l);

/* The token of one rung ("none", "q10", "r100"). Caller frees. */
char *ladder_rung_token(const struct ladder_rung *r);

/* A translated label for people ("p=none", "quarantine 10 %",
 * "reject"). Caller frees. */
char *ladder_rung_label(const struct ladder_rung *r);

/* The exact record text of a rung: settings supplies every other tag
 * (sp, np, rua, ruf, adkim, aspf, fo, rf, ri, psd; its p, pct and t are
 * ignored). The rung sets p and, below 100, pct and t=y (RFC 9989
 * receivers ignore pct, so t=y makes them treat it as a test). Tag
 * order: v, p, sp, np, pct, t, rua, ruf, adkim, aspf, fo, rf, ri, psd.
 * settings may be NULL. Caller frees. */
char *ladder_record(const struct ladder_rung *r,
		    const struct dmarc_record *settings);

/* The index of the rung a published record is on, matched by its
 * effective policy and pct (absent pct is 100; any pct counts as 100
 * for p=none); -1 when it is "off the ladder". */
int ladder_find(const struct ladder *l, const struct dmarc_record *rec);

/* The same for a record's text; -1 when it does not parse as DMARC. */
int ladder_find_text(const struct ladder *l, const char *text);

#endif
