/* The commands, declared once: X(words, function, synopsis, help). The
 * --help text is generated from this list. One block per module; keep
 * each module's lines inside its block so that changes merge cleanly. */
#ifndef DMARCPILOT_CLI_COMMANDS_H
#define DMARCPILOT_CLI_COMMANDS_H

#include "core/i18n.h"

/* clang-format off */
#define CLI_COMMANDS(X)                                                    \
	/* audit (src/cli_check.c) */                                      \
	X("check", cli_check, N_("DOMAIN"),                                \
	  N_("audit SPF, DKIM, DMARC, MX and NS of a domain"))             \
                                                                           \
	/* spf (src/cli_spf.c) */                                          \
                                                                           \
	/* dkim (src/cli_dkim.c) */                                        \
                                                                           \
	/* dmarc (src/cli_dmarc.c) */                                      \
	X("dmarc check", cli_dmarc_check, N_("DOMAIN"),                    \
	  N_("the DMARC policy that applies, its rung and findings"))      \
                                                                           \
	/* domains and senders (src/cli_state.c) */                        \
                                                                           \
	/* reports (src/cli_report.c) */                                   \
                                                                           \
	/* plan, step, export (src/cli_plan.c) */                          \
                                                                           \
	/* end */
/* clang-format on */

#endif
