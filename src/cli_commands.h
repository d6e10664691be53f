/* The commands, declared once: X(words, function, synopsis, help). The
 * --help text is generated from this list. One block per module; keep
 * each module's lines inside its block so that changes merge cleanly. */
#ifndef DMARCPILOT_CLI_COMMANDS_H
#define DMARCPILOT_CLI_COMMANDS_H

#include "util/i18n.h"

/* clang-format off */
#define CLI_COMMANDS(X)                                                    \
	/* audit (src/cli_check.c) */                                      \
	X("check", cli_check, N_("DOMAIN"),                                \
	  N_("audit SPF, DKIM, DMARC, MX and NS of a domain"))             \
                                                                           \
	/* spf (src/cli_spf.c) */                                          \
	X("spf check", cli_spf_check, N_("DOMAIN"),                        \
	  N_("show the SPF lookup tree with the cost of each branch"))     \
	X("spf eval", cli_spf_eval,                                        \
	  N_("DOMAIN IP [--sender ADDR] [--helo NAME] [--receiver NAME]"), \
	  N_("evaluate SPF for a client address (check_host)"))            \
	X("spf build", cli_spf_build,                                      \
	  N_("[--provider ID]... [--ip4 CIDR]... [--ip6 CIDR]... [--mx] "  \
	     "[--a] [--all softfail|fail] [--flatten] [DOMAIN]"),          \
	  N_("build the SPF record from the senders, under 10 lookups"))  \
                                                                           \
	/* dkim (src/cli_dkim.c) */                                        \
	X("dkim keygen", cli_dkim_keygen,                                  \
	  N_("DOMAIN SELECTOR [--algorithm rsa|ed25519] [--bits N] "        \
	     "[--out DIR] [--force]"),                                     \
	  N_("generate a DKIM key and print the record to publish"))      \
	X("dkim check", cli_dkim_check, N_("DOMAIN SELECTOR [--key FILE]"), \
	  N_("check a published DKIM key, or that it matches a key"))     \
                                                                           \
	/* dmarc (src/cli_dmarc.c) */                                      \
	X("dmarc check", cli_dmarc_check, N_("DOMAIN"),                    \
	  N_("the DMARC policy that applies, its rung and findings"))      \
                                                                           \
	/* domains and senders (src/cli_state.c) */                        \
	X("domain add", cli_domain_add, N_("DOMAIN"),                      \
	  N_("add a domain to roll out"))                                  \
	X("domain adopt", cli_domain_adopt, N_("DOMAIN"),                  \
	  N_("place a domain on the rung its live records reach"))         \
	X("domain list", cli_domain_list, "", N_("list the domains"))      \
	X("domain set", cli_domain_set, N_("DOMAIN KEY=VALUE..."),          \
	  N_("change the plan's settings (ladder, days, thresholds, rua)")) \
	X("domain show", cli_domain_show, N_("DOMAIN"),                    \
	  N_("show the plan's settings of a domain"))                      \
	X("sender add", cli_sender_add,                                    \
	  N_("DOMAIN PROVIDER-ID|ip4:CIDR|ip6:CIDR|a:HOST [--note TEXT]"), \
	  N_("add a service or range that sends for the domain"))          \
	X("sender list", cli_sender_list, N_("DOMAIN"),                    \
	  N_("list the domain's senders"))                                 \
	X("sender remove", cli_sender_remove, N_("DOMAIN ID"),             \
	  N_("remove a sender (by id or as listed)"))                      \
	X("sender disown", cli_sender_disown,                              \
	  N_("DOMAIN IP|CIDR [--note TEXT] [--undo]"),                     \
	  N_("mark a failing source as not yours (spoofing); --undo "      \
	     "takes it back"))                                             \
                                                                           \
	/* reports (src/cli_report.c) */                                   \
	X("report import", cli_report_import, N_("PATH..."),               \
	  N_("import DMARC reports: files, folders, mbox, Maildir"))       \
	X("report summary", cli_report_summary,                            \
	  N_("DOMAIN [--since DATE] [--until DATE]"),                      \
	  N_("pass rates by week and the sources of a domain's mail"))     \
                                                                           \
	/* plan, step, export (src/cli_plan.c) */                          \
	X("plan", cli_plan, N_("DOMAIN"),                                  \
	  N_("phase, since when, readiness and the next record"))          \
	X("step", cli_step, N_("DOMAIN [--servers ADDR[:PORT],...]"),      \
	  N_("verify the next record is live everywhere, then record it")) \
	X("export", cli_export,                                            \
	  N_("DOMAIN [--format bind|nsupdate|json] [--output FILE]"),      \
	  N_("the records to publish, as a zone snippet or nsupdate"))     \
                                                                           \
	/* end */
/* clang-format on */

#endif
