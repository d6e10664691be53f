/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transition table of the wizard's steps. */
#include "config.h"

#include "screens/wizard.h"

#include <stddef.h>

#include "util/i18n.h"

/* TRANSLATORS: the step bar shows all nine labels on one 80-column line;
 * keep each under ten characters. */
static const struct step_info steps[STEP_COUNT] = {
	[STEP_DOMAINS] = { STEP_DOMAINS, &screen_domains, N_("Domains"),
			   STEP_TIMELINE, STEP_NONE, false },
	[STEP_TIMELINE] = { STEP_TIMELINE, &screen_timeline, N_("Timeline"),
			    STEP_SENDERS, STEP_DOMAINS, true },
	[STEP_SENDERS] = { STEP_SENDERS, &screen_senders, N_("Senders"),
			   STEP_SPF, STEP_TIMELINE, true },
	[STEP_SPF] = { STEP_SPF, &screen_spf, N_("SPF"), STEP_DKIM,
		       STEP_SENDERS, true },
	[STEP_DKIM] = { STEP_DKIM, &screen_dkim, N_("DKIM"), STEP_DMARC,
			STEP_SPF, true },
	[STEP_DMARC] = { STEP_DMARC, &screen_dmarc, N_("DMARC"), STEP_REPORTS,
			 STEP_DKIM, true },
	[STEP_REPORTS] = { STEP_REPORTS, &screen_reports, N_("Reports"),
			   STEP_EXPORT, STEP_DMARC, true },
	[STEP_EXPORT] = { STEP_EXPORT, &screen_export, N_("Export"), STEP_TEST,
			  STEP_REPORTS, true },
	/* Last, so that the other steps keep their digits. */
	[STEP_TEST] = { STEP_TEST, &screen_test, N_("Test"), STEP_NONE,
			STEP_EXPORT, false },
};

/* Looks a step up in the table. */
const struct step_info *wizard_step(enum step step)
{
	if ((unsigned)step >= STEP_COUNT)
		return NULL;
	return &steps[step];
}
