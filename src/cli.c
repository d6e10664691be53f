#include "config.h"

#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/state.h"
#include "core/text.h"
#include "core/xalloc.h"

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

/* Builds the resolver once. */
struct dns *cli_dns(struct cli *cli, struct err *err)
{
	if (cli->dns)
		return cli->dns;
	if (cli->nzones > 0) {
		struct dns *dns = dns_new_table();

		for (size_t i = 0; i < cli->nzones; i++) {
			if (dns_table_load_zone(dns, cli->zones[i], NULL,
						err) != STATUS_OK) {
				dns_free(dns);
				return NULL;
			}
		}
		cli->dns = dns;
		return dns;
	}
	{
		struct dns_live_options o = {
			.servers = cli->resolver,
			.timeout = cli->timeout,
		};

		if (dns_new_live(&cli->dns, &o, err) != STATUS_OK)
			return NULL;
	}
	return cli->dns;
}

/* Opens the database once. */
struct store *cli_store(struct cli *cli, struct err *err)
{
	const char *path = cli->db_path;

	if (cli->store)
		return cli->store;
	if (!path) {
		/* A second try after a failed open must not leak the
		 * first path. */
		free(cli->db_path_owned);
		path = cli->db_path_owned = store_default_path();
	}
	if (!path) {
		err_set(err, STATUS_USAGE,
			_("neither XDG_DATA_HOME nor HOME is set, so the "
			  "database has no place: give --db PATH or set "
			  "XDG_DATA_HOME"));
		return NULL;
	}
	if (store_open(&cli->store, path, err) != STATUS_OK)
		return NULL;
	return cli->store;
}

/* Opens the database only when its file exists. */
struct store *cli_store_existing(struct cli *cli)
{
	struct err err = ERR_INIT;
	char *path = cli->db_path ? xstrdup(cli->db_path)
				  : store_default_path();
	struct store *store = NULL;

	if (path && access(path, F_OK) == 0)
		store = cli_store(cli, &err);
	err_done(&err);
	free(path);
	return store;
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
	dns_free(cli->dns);
	cli->dns = NULL;
	store_close(cli->store);
	cli->store = NULL;
	free(cli->db_path_owned);
	cli->db_path_owned = NULL;
	free(cli->zones);
	cli->zones = NULL;
}
