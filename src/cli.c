#include "config.h"

#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/i18n.h"
#include "store/state.h"
#include "util/text.h"
#include "util/xalloc.h"

struct cli_command {
	const char *words; /* "spf check" */
	cli_command_fn fn;
	const char *synopsis;
	const char *help;
};

#define CLI_COMMAND_ENTRY(words, fn, synopsis, help) \
	{ words, fn, synopsis, help },
static const struct cli_command cli_commands[] = {
	CLI_COMMANDS(CLI_COMMAND_ENTRY){ NULL, NULL, NULL, NULL }
};
#undef CLI_COMMAND_ENTRY

/* Counts how many leading argv words match "a b c"; 0 if not all do. */
static int command_match(const char *words, int argc, char **argv)
{
	const char *p = words;
	int n = 0;

	while (*p) {
		size_t len = strcspn(p, " ");

		if (n >= argc || strlen(argv[n]) != len ||
		    strncmp(argv[n], p, len) != 0)
			return 0;
		n++;
		p += len;
		while (*p == ' ')
			p++;
	}
	return n;
}

/* Finds the longest command that argv starts with and runs it. */
int cli_dispatch(struct cli *cli, int argc, char **argv)
{
	const struct cli_command *best = NULL;
	int best_words = 0;

	for (const struct cli_command *c = cli_commands; c->words; c++) {
		int n = command_match(c->words, argc, argv);

		if (n > best_words) {
			best = c;
			best_words = n;
		}
	}
	if (!best)
		return -1;
	return best->fn(cli, argc - best_words, argv + best_words);
}

/* Lists the commands for --help. */
void cli_print_commands(FILE *out)
{
	for (const struct cli_command *c = cli_commands; c->words; c++) {
		char *left = xasprintf("%s %s", c->words,
				       *c->synopsis ? _(c->synopsis) : "");
		int width = text_columns(left);

		/* A long synopsis gets the description on its own line;
		 * padding counts columns, not bytes ("SCHLÜSSEL"). */
		if (width > 44)
			fprintf(out, "  %s\n  %-44s %s\n", left, "", _(c->help));
		else
			fprintf(out, "  %s%*s %s\n", left, 44 - width, "",
				_(c->help));
		free(left);
	}
}

/* Hands the global options to the session, which makes what they ask
 * for on first use. */
struct session *cli_session(struct cli *cli)
{
	struct session_options o = {
		.resolver = cli->resolver,
		.zones = (const char *const *)cli->zones,
		.nzones = cli->nzones,
		.db_path = cli->db_path,
		.timeout = cli->timeout,
		.datadir = cli->datadir,
	};

	session_set_options(&cli->session, &o);
	return &cli->session;
}

/* The session's resolver. */
struct dns *cli_dns(struct cli *cli, struct err *err)
{
	return session_dns(cli_session(cli), err);
}

/* The session's database. */
struct store *cli_store(struct cli *cli, struct err *err)
{
	return session_store(cli_session(cli), err);
}

/* The session's database when its file exists. */
struct store *cli_store_existing(struct cli *cli)
{
	return session_store_existing(cli_session(cli));
}

/* Loads the domain's ladder, falling back to the default one. */
void cli_domain_ladder(struct cli *cli, const char *domain,
		       struct ladder *ladder)
{
	struct state_settings settings;
	struct err err = ERR_INIT;
	struct store *store = cli_store_existing(cli);
	struct ladder custom;

	ladder_init_default(ladder);
	state_settings_defaults(&settings);
	if (store &&
	    state_settings_get(store, domain, &settings, &err) == STATUS_OK &&
	    settings.rungs &&
	    ladder_parse(&custom, settings.rungs, NULL) == STATUS_OK) {
		ladder_done(ladder);
		*ladder = custom;
	}
	err_done(&err);
	state_settings_done(&settings);
}

/* Joins the data directory and a file name. */
char *cli_data_path(const struct cli *cli, const char *name)
{
	return xasprintf("%s/%s", cli->datadir, name);
}

/* Reports an operational failure. */
int cli_fail(const struct err *err)
{
	fprintf(stderr, "dmarcpilot: %s\n", err_message(err));
	return EXIT_TROUBLE;
}

/* Reports a usage error. */
int cli_usage(const char *command, const char *synopsis)
{
	fprintf(stderr, _("dmarcpilot: usage: dmarcpilot %s %s\n"), command,
		synopsis);
	return EXIT_TROUBLE;
}

/* Prints a JSON document and releases it. */
void cli_print_json(json_t *object)
{
	json_dumpf(object, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(object);
}

/* Releases the resolver and the database. */
void cli_done(struct cli *cli)
{
	session_done(&cli->session);
	free(cli->zones);
	cli->zones = NULL;
}
