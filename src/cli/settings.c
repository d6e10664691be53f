/* SPDX-License-Identifier: GPL-3.0-or-later */
/* domain set|show: the plan's settings per domain (DESIGN.md section 4):
 * the ladder, the days each phase needs, the report thresholds, where
 * reports go and the DMARC tags every rung carries. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "app/settings.h"
#include "util/i18n.h"
#include "store/state.h"
#include "util/text.h"
#include "util/xalloc.h"

/* domain set DOMAIN KEY=VALUE... */
int cli_domain_set(struct cli *cli, int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct store *store;

	if (!(store = cli_store(cli, &err)) ||
	    app_settings_change(store, argv[0], (const char *const *)argv + 1,
				(size_t)argc - 1, &err) != STATUS_OK)
		return cli_fail_done(&err);
	if (!cli->json)
		printf(_("Settings of %s stored.\n"), argv[0]);
	else
		cli_print_json(
		    json_pack("{s:s, s:b}", "domain", argv[0], "stored", 1));
	return EXIT_GOOD;
}

/* A setting's value as JSON: a number, a string, or null when unset. */
static json_t *setting_json(struct state_settings *s,
			    const struct app_setting *d)
{
	switch (d->kind) {
	case APP_SETTING_DAYS:
	case APP_SETTING_INTERVAL:
		return json_integer(*app_setting_days(s, d));
	case APP_SETTING_PERCENT:
		return json_real(*app_setting_percent(s, d));
	case APP_SETTING_PORT:
		return json_integer(
		    *app_setting_port(s, d) ? *app_setting_port(s, d) : 53);
	case APP_SETTING_TEXT:
		break;
	}
	return *app_setting_text(s, d) ? json_string(*app_setting_text(s, d))
				       : json_null();
}

/* domain show DOMAIN */
int cli_domain_show(struct cli *cli, int argc, char **argv)
{
	struct state_settings s;
	struct err err = ERR_INIT;
	struct store *store;
	json_t *o = NULL;
	const struct app_setting *table;
	size_t count;
	int rc;

	(void)argc; /* one operand, as declared */
	state_settings_defaults(&s);
	if (!(store = cli_store_read(cli, &err)) ||
	    state_settings_get(store, argv[0], &s, &err) != STATUS_OK) {
		rc = cli_fail(&err);
		err_done(&err);
		state_settings_done(&s);
		return rc;
	}
	if (cli->json)
		o = json_object();
	else
		printf(_("Settings of %s (change with dmarcpilot domain set "
			 "DOMAIN KEY=VALUE):\n"),
		       argv[0]);
	table = app_settings(&count);
	for (size_t i = 0; i < count; i++) {
		const struct app_setting *d = &table[i];
		bool is_default;
		char *v = app_setting_value(&s, d, &is_default);

		if (o) {
			json_object_set_new(o, d->key, setting_json(&s, d));
		} else {
			char *shown = !v ? xstrdup(_("(default)"))
				      : is_default
					  ? xasprintf(_("%s (default)"), v)
					  : xstrdup(v);

			/* TRANSLATORS: key, value, what it means. */
			printf(_("  %-18s %-24s %s\n"), d->key, shown,
			       _(d->help));
			free(shown);
		}
		free(v);
	}
	if (o)
		cli_print_json(
		    json_pack("{s:s, s:o}", "domain", argv[0], "settings", o));
	state_settings_done(&s);
	return EXIT_GOOD;
}
