/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The non-interactive commands (DESIGN.md section 5) and the context they
 * share with the wizard: global options, the lazily created resolver and
 * database. No curses here. */
#ifndef DMARCPILOT_CLI_H
#define DMARCPILOT_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/date.h"
#include "dns/dns.h"
#include "dmarc/ladder.h"
#include "util/status.h"
#include "util/finding.h"
#include "store/store.h"
#include "app/exit_status.h"
#include "app/session.h"

struct cli {
	/* Global options. */
	const char *resolver; /* --resolver, or NULL for resolv.conf */
	const char **zones;   /* --zone files, offline answers */
	size_t nzones;
	const char *db_path; /* --db, or NULL for the XDG default */
	bool json;           /* --json */
	date_t now;          /* --now / DMARCPILOT_NOW / today */
	double timeout;      /* --timeout seconds, 0 for the default */
	const char *datadir; /* where providers.ini and demo/ live */

	/* The command being run and the options given to it. */
	const struct cli_command *command;
	struct cli_given *given;
	size_t ngiven;

	/* The resolver, database, catalogue and Public Suffix List, made
	 * on first use from the options above (cli_session()); freed by
	 * cli_done(). */
	struct session session;
};

/* What an option takes. */
enum cli_arg {
	CLI_ARG_NONE,     /* a flag */
	CLI_ARG_REQUIRED, /* --name VALUE or --name=VALUE */
	CLI_ARG_OPTIONAL, /* --name or --name=VALUE, never a separate word */
};

/* The meaning of an option, the same wherever it is accepted: what
 * getopt_long() returns for it and what commands ask cli_opt() about.
 * Options without a short name count from 256 up. */
enum cli_opt {
	/* global options */
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_DEMO = 256,
	OPT_DEMO_PREPARE,
	OPT_RESOLVER,
	OPT_ZONE,
	OPT_DB,
	OPT_JSON,
	OPT_NOW,
	OPT_TIMEOUT,
	/* options of commands */
	OPT_SENDER,
	OPT_HELO,
	OPT_RECEIVER,
	OPT_PROVIDER,
	OPT_IP4,
	OPT_IP6,
	OPT_MX,
	OPT_A,
	OPT_ALL,
	OPT_FLATTEN,
	OPT_ALGORITHM,
	OPT_BITS,
	OPT_OUT,
	OPT_FORCE,
	OPT_KEY,
	OPT_NOTE,
	OPT_UNDO,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_SERVERS,
	OPT_FORMAT,
	OPT_OUTPUT,
	OPT_TTL,
	OPT_FILE,
	OPT_DEADLINE,
	OPT_SMTP,
	OPT_DNSSEC,
	OPT_IP,
	OPT_MAIL_FROM,
	OPT_TRUSTED_HOSTS,
	OPT_FOLDER,
	OPT_ARCHIVE,
	OPT_NEXT,
	OPT_SERVER,
	OPT_WINDOW,
	OPT_SELECTOR,
	OPT_FROM,
	OPT_SILENT_DAYS,
	OPT_CANCEL,
	OPT_DRY_RUN,
	OPT_TO,
};

/* One option as declared: its command, --name, -c, its argument and
 * its help. */
struct cli_option {
	const char *command; /* the command's words, or NULL: global */
	const char *name;    /* the long name, without "--" */
	enum cli_opt key;    /* its meaning; a letter for a short option */
	enum cli_arg arg;
	const char *value; /* N_() name of its value ("FILE"), or NULL */
	bool repeat;       /* may be given more than once */
	const char *help;  /* N_() one line; NULL hides the option */
};

/* A command's entry point: argv holds the operands only (the options
 * are parsed already, see cli_opt()); returns an exit status. */
typedef int (*cli_command_fn)(struct cli *cli, int argc, char **argv);

/* One command as declared: the words that name it, its operands and
 * its one-line help; its options are those of cli_options[] that name
 * it. The synopsis, --help, usage errors and the manual's COMMANDS
 * section are all made from these. */
struct cli_command {
	const char *words; /* "spf check" */
	cli_command_fn fn;
	const char *operands;           /* N_("DOMAIN IP"), or "" */
	int min_operands, max_operands; /* max -1: no limit */
	const char *help;               /* N_() one line */
};

/* The commands and the options, declared once (commands.c); both
 * lists end with an entry whose name is NULL. */
extern const struct cli_command cli_commands[];
extern const struct cli_option cli_options[];

/* One option given on the command line, in the order given. */
struct cli_given {
	enum cli_opt key;
	const char *value; /* "" for a flag */
};

/* What main() is to do once the command line is parsed. */
enum cli_action {
	CLI_RUN,          /* run cli->command with the operands */
	CLI_WIZARD,       /* the wizard, on the operand if there is one */
	CLI_HELP,         /* dmarcpilot --help */
	CLI_HELP_COMMAND, /* COMMAND --help */
	CLI_HELP_MAN,     /* --help=man: the manual's COMMANDS section */
	CLI_VERSION,
	CLI_DEMO_PREPARE, /* make the demo's database at the operand */
	CLI_EXIT,         /* a usage error, already reported: exit 2 */
};

/* The parsed command line. */
struct cli_line {
	enum cli_action action;
	bool demo;           /* --demo */
	const char *demo_db; /* --demo-prepare FILE */
	int argc;            /* the operands (the command's, or the wizard's) */
	char **argv;

	/* Kept while parsing. */
	char **owned;     /* the copy of argv that getopt_long permutes */
	char **domains;   /* the DOMAIN operands' normal forms, which
				argv points to */
	size_t given_cap; /* room in cli->given */
};

/* Parses argv with getopt_long against the declaration: global options
 * before the command words, then the command's own options and the
 * global ones, anywhere after them ("--" ends options; unambiguous
 * abbreviations; a value is never taken from a word that starts with
 * "-"). Keeps every option given in cli->given, in order, and sets
 * the global ones in cli as well. Every DOMAIN operand (and the
 * wizard's) passes the one validator of domain names, dname_normalize():
 * the command gets its normal form (A-labels, lower case, no final
 * dot). Usage errors are printed as one line and leave line->action
 * CLI_EXIT. Free line with cli_line_done(). */
void cli_parse(struct cli *cli, int argc, char **argv, struct cli_line *line);

void cli_line_done(struct cli_line *line);

/* Runs the parsed command; returns its exit status. */
int cli_run(struct cli *cli, const struct cli_line *line);

/* The value of the option last given for key, "" for a flag, or NULL
 * when it was not given (global options included). */
const char *cli_opt(const struct cli *cli, enum cli_opt key);

/* Prints dmarcpilot --help, generated from the declaration. */
void cli_print_help(FILE *out);

/* Prints COMMAND --help for the command being run. */
void cli_print_command_help(const struct cli *cli, FILE *out);

/* Prints the manual's COMMANDS section in man(7) roff, untranslated. */
void cli_print_man(FILE *out);

/* The session with the current global options. */
struct session *cli_session(struct cli *cli);

/* The resolver the options ask for: a table loaded from --zone files, or
 * c-ares (--resolver, --timeout). NULL with err set on failure. */
struct dns *cli_dns(struct cli *cli, struct err *err);

/* The Public Suffix List the session loaded, for organizational
 * domains (RFC 9989); NULL with err set when libpsl has none. */
const struct orgdomain *cli_orgdomain(struct cli *cli, struct err *err);

/* The database at --db or the default path, opened and migrated. */
struct store *cli_store(struct cli *cli, struct err *err);

/* The database when one exists already, else NULL: commands that only
 * read never create one. */
struct store *cli_store_existing(struct cli *cli);

/* The database for a command that only reads: the file when it exists;
 * NULL with err set (STATUS_NOT_FOUND when there is none yet: nothing
 * is created). */
struct store *cli_store_read(struct cli *cli, struct err *err);

/* The domain's DMARC ladder: its own rungs from an existing database,
 * else the default ladder (DESIGN.md section 4). */
void cli_domain_ladder(struct cli *cli, const char *domain,
		       struct ladder *ladder);

/* The path of a data file: DATADIR/name. Caller frees. */
char *cli_data_path(const struct cli *cli, const char *name);

/* Prints "dmarcpilot: message" on stderr and returns EXIT_TROUBLE. */
int cli_fail(const struct err *err);

/* cli_fail(), then frees err: for commands that end where they fail. */
int cli_fail_done(struct err *err);

/* A day as JSON: "YYYY-MM-DD", or null for DATE_NONE. The caller owns
 * the reference. */
json_t *cli_json_date(date_t day);

/* Prints a usage error of the command being run, one line: the problem
 * (a printf format) and the command's synopsis; returns EXIT_TROUBLE. */
int cli_usage(const struct cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints findings for people: severity, code, message, advice. */
void cli_print_findings(const struct findings *list);

/* Prints a JSON object on stdout (indented, sorted as built) and drops
 * the reference. */
void cli_print_json(json_t *object);

/* Frees what the context created. */
void cli_done(struct cli *cli);

#include "cli/commands.h"

#endif
