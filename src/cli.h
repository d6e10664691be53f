/* The non-interactive commands (DESIGN.md section 5) and the context they
 * share with the wizard: global options, the lazily created resolver and
 * database. No curses here. */
#ifndef DMARCPILOT_CLI_H
#define DMARCPILOT_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/date.h"
#include "dns/dns.h"
#include "dmarc/ladder.h"
#include "util/status.h"
#include "store/store.h"
#include "app/session.h"

/* Exit statuses of DESIGN.md section 5. */
enum {
	EXIT_GOOD = 0,     /* all good */
	EXIT_FINDINGS = 1, /* the check found errors */
	EXIT_TROUBLE = 2,  /* usage or operational failure */
};

struct cli {
	/* Global options. */
	const char *resolver; /* --resolver, or NULL for resolv.conf */
	const char **zones;   /* --zone files, offline answers */
	size_t nzones;
	const char *db_path;  /* --db, or NULL for the XDG default */
	bool json;            /* --json */
	date_t now;           /* --now / DMARCPILOT_NOW / today */
	double timeout;       /* --timeout seconds, 0 for the default */
	const char *datadir;  /* where providers.ini and demo/ live */

	/* The resolver, database, catalogue and Public Suffix List, made
	 * on first use from the options above (cli_session()); freed by
	 * cli_done(). */
	struct session session;
};

/* A command's entry point: argv[0] is the first word after the command's
 * name; returns an exit status. */
typedef int (*cli_command_fn)(struct cli *cli, int argc, char **argv);

/* Runs the command named by argv (e.g. "spf" "check" ...); returns the
 * exit status, or -1 when argv names no command. */
int cli_dispatch(struct cli *cli, int argc, char **argv);

/* Prints the list of commands with their translated help. */
void cli_print_commands(FILE *out);

/* The session with the current global options. */
struct session *cli_session(struct cli *cli);

/* The resolver the options ask for: a table loaded from --zone files, or
 * c-ares (--resolver, --timeout). NULL with err set on failure. */
struct dns *cli_dns(struct cli *cli, struct err *err);

/* The database at --db or the default path, opened and migrated. */
struct store *cli_store(struct cli *cli, struct err *err);

/* The database when one exists already, else NULL: commands that only
 * read never create one. */
struct store *cli_store_existing(struct cli *cli);

/* The domain's DMARC ladder: its own rungs from an existing database,
 * else the default ladder (DESIGN.md section 4). */
void cli_domain_ladder(struct cli *cli, const char *domain,
		       struct ladder *ladder);

/* The path of a data file: DATADIR/name. Caller frees. */
char *cli_data_path(const struct cli *cli, const char *name);

/* Prints "dmarcpilot: message" on stderr and returns EXIT_TROUBLE. */
int cli_fail(const struct err *err);

/* Prints a usage error naming the command and returns EXIT_TROUBLE. */
int cli_usage(const char *command, const char *synopsis);

/* Prints a JSON object on stdout (indented, sorted as built) and drops
 * the reference. */
void cli_print_json(json_t *object);

/* Frees what the context created. */
void cli_done(struct cli *cli);

/* Per-module command entry points, in src/cli_*.c. */
#define CLI_COMMAND_DECL(words, fn, synopsis, help) \
	int fn(struct cli *cli, int argc, char **argv);
#include "cli_commands.h"
CLI_COMMANDS(CLI_COMMAND_DECL)
#undef CLI_COMMAND_DECL

#endif
