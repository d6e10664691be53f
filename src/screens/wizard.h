/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The wizard's steps as data (STYLE.md 4): an enum and a transition
 * table saying which screen each step shows and where Tab and Shift-Tab
 * lead. */
#ifndef DMARCPILOT_WIZARD_H
#define DMARCPILOT_WIZARD_H

#include <stdbool.h>

struct screen;

enum step {
	STEP_DOMAINS,
	STEP_TIMELINE,
	STEP_SENDERS,
	STEP_SPF,
	STEP_DKIM,
	STEP_DMARC,
	STEP_REPORTS,
	STEP_EXPORT,
	STEP_TEST,
	STEP_COUNT,
	STEP_NONE = STEP_COUNT,
};

/* One row of the transition table. */
struct step_info {
	enum step step;
	const struct screen *screen;
	const char *label;    /* N_(): the step bar's word */
	enum step next, prev; /* STEP_NONE at the ends */
	bool needs_domain;    /* only with a domain chosen */
};

/* The row of a step (never NULL for step < STEP_COUNT). */
const struct step_info *wizard_step(enum step step);

/* The screens of the wizard, one file each. */
extern const struct screen screen_domains;
extern const struct screen screen_timeline;
extern const struct screen screen_senders;
extern const struct screen screen_spf;
extern const struct screen screen_dkim;
extern const struct screen screen_dmarc;
extern const struct screen screen_reports;
extern const struct screen screen_export;
extern const struct screen screen_test;
extern const struct screen screen_help;
extern const struct screen screen_settings;

#endif
