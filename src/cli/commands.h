/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The entry points of the commands, one block per file of src/cli/.
 * What each takes and prints is declared once, in src/cli/commands.c. */
#ifndef DMARCPILOT_CLI_COMMANDS_H
#define DMARCPILOT_CLI_COMMANDS_H

struct cli;

/* audit (src/cli/check.c) */
int cli_check(struct cli *cli, int argc, char **argv);

/* spf (src/cli/spf.c) */
int cli_spf_check(struct cli *cli, int argc, char **argv);
int cli_spf_eval(struct cli *cli, int argc, char **argv);
int cli_spf_build(struct cli *cli, int argc, char **argv);

/* dkim (src/cli/dkim.c) */
int cli_dkim_keygen(struct cli *cli, int argc, char **argv);
int cli_dkim_check(struct cli *cli, int argc, char **argv);
int cli_dkim_rotate(struct cli *cli, int argc, char **argv);

/* dmarc (src/cli/dmarc.c) */
int cli_dmarc_check(struct cli *cli, int argc, char **argv);

/* domains and senders (src/cli/state.c, src/cli/settings.c) */
int cli_domain_add(struct cli *cli, int argc, char **argv);
int cli_domain_adopt(struct cli *cli, int argc, char **argv);
int cli_domain_list(struct cli *cli, int argc, char **argv);
int cli_domain_set(struct cli *cli, int argc, char **argv);
int cli_domain_show(struct cli *cli, int argc, char **argv);
int cli_sender_add(struct cli *cli, int argc, char **argv);
int cli_sender_list(struct cli *cli, int argc, char **argv);
int cli_sender_remove(struct cli *cli, int argc, char **argv);
int cli_sender_disown(struct cli *cli, int argc, char **argv);
int cli_sender_providers(struct cli *cli, int argc, char **argv);

/* mail (src/cli/mail.c) */
int cli_mail_check(struct cli *cli, int argc, char **argv);

/* reports (src/cli/report.c) */
int cli_report_import(struct cli *cli, int argc, char **argv);
int cli_report_summary(struct cli *cli, int argc, char **argv);
int cli_report_fetch(struct cli *cli, int argc, char **argv);
int cli_report_failures(struct cli *cli, int argc, char **argv);

/* the database (src/cli/db.c) */
int cli_db_migrate(struct cli *cli, int argc, char **argv);

/* configuration (src/cli/config.c) */
int cli_config_check(struct cli *cli, int argc, char **argv);

/* monitor (src/cli/monitor.c) */
int cli_monitor(struct cli *cli, int argc, char **argv);

/* plan, step, export (src/cli/plan.c) */
int cli_plan(struct cli *cli, int argc, char **argv);
int cli_step(struct cli *cli, int argc, char **argv);
int cli_export(struct cli *cli, int argc, char **argv);
int cli_publish(struct cli *cli, int argc, char **argv);

#endif
