/* SPDX-License-Identifier: GPL-3.0-or-later */
/* domain set|show: the plan's settings per domain (DESIGN.md section 4):
 * the ladder, the days each phase needs, the report thresholds, where
 * reports go and the DMARC tags every rung carries. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "dmarc/dmarc.h"
#include "util/i18n.h"
#include "dmarc/ladder.h"
#include "dns/tsig.h"
#include "store/state.h"
#include "util/text.h"
#include "util/xalloc.h"

enum setting_kind {
	SETTING_TEXT,    /* a string; "default" stores none */
	SETTING_DAYS,    /* a whole number of days */
	SETTING_PERCENT, /* a share in percent, fractions allowed */
	SETTING_PORT,    /* a TCP/UDP port; 0 is the default */
};

/* One setting as the operator names it. */
struct setting {
	const char *key;
	enum setting_kind kind;
	size_t offset; /* into struct state_settings */
	const char *help;
};

#define TEXT(key, field, help) \
	{ key, SETTING_TEXT, offsetof(struct state_settings, field), help }
#define DAYS(key, field, help) \
	{ key, SETTING_DAYS, offsetof(struct state_settings, field), help }
#define PERCENT(key, field, help) \
	{ key, SETTING_PERCENT, offsetof(struct state_settings, field), help }
#define PORT(key, field, help) \
	{ key, SETTING_PORT, offsetof(struct state_settings, field), help }

static const struct setting settings_table[] = {
	TEXT("rungs", rungs,
	     N_("the DMARC ladder, e.g. none,q10,q25,q50,q100,r100")),
	DAYS("min-days-monitor", min_days_monitor,
	     N_("days at p=none before the first quarantine rung")),
	DAYS("min-days-rung", min_days_rung, N_("days on each later rung")),
	DAYS("window-days", window_days,
	     N_("days of reports the plan judges")),
	PERCENT("pass-threshold", pass_threshold,
		N_("share of legitimate mail that must pass DMARC (%)")),
	PERCENT("unknown-threshold", unknown_threshold,
		N_("largest share a failing unknown source may have (%)")),
	TEXT("rua", rua,
	     N_("where aggregate reports go (mailto: list; default "
		"dmarc@DOMAIN)")),
	TEXT("ruf", ruf,
	     N_("where failure reports go (mailto: list; default none)")),
	TEXT("adkim", adkim, N_("DKIM alignment: r (default) or s")),
	TEXT("aspf", aspf, N_("SPF alignment: r (default) or s")),
	TEXT("sp", sp,
	     N_("subdomain policy: none, quarantine or reject (default: "
		"as p)")),
	TEXT("np", np,
	     N_("policy for non-existent subdomains, RFC 9989 (default: "
		"as sp)")),
	TEXT("spf-all", spf_all,
	     N_("force the SPF ending: softfail or fail (default: as the "
		"plan goes)")),
	TEXT("publish-server", publish_server,
	     N_("the primary that takes signed updates (default: the "
		"zone's SOA MNAME)")),
	TEXT("publish-key", publish_key,
	     N_("the TSIG key file publish signs with (readable by its "
		"owner only)")),
	PORT("publish-port", publish_port,
	     N_("the port of the primary and the name servers (default "
		"53)")),
};

#undef TEXT
#undef DAYS
#undef PERCENT
#undef PORT

#define SETTINGS_COUNT (sizeof settings_table / sizeof settings_table[0])

/* The setting named key, or NULL. */
static const struct setting *setting_find(const char *key, size_t len)
{
	for (size_t i = 0; i < SETTINGS_COUNT; i++)
		if (strlen(settings_table[i].key) == len &&
		    memcmp(settings_table[i].key, key, len) == 0)
			return &settings_table[i];
	return NULL;
}

/* The string field a text setting points to. */
static char **setting_text(struct state_settings *s, const struct setting *d)
{
	return (char **)((char *)s + d->offset);
}

/* The int field a days setting points to. */
static int *setting_days(struct state_settings *s, const struct setting *d)
{
	return (int *)((char *)s + d->offset);
}

/* The int field a port setting points to. */
static int *setting_port(struct state_settings *s, const struct setting *d)
{
	return (int *)((char *)s + d->offset);
}

/* The double field a percent setting points to. */
static double *setting_percent(struct state_settings *s,
			       const struct setting *d)
{
	return (double *)((char *)s + d->offset);
}

/* Checks what state_settings_set() cannot: that the ladder parses and
 * that rua/ruf are URI lists (RFC 7489 6.4). */
static enum status text_check(const struct setting *d, const char *value,
			      struct err *err)
{
	if (strcmp(d->key, "rungs") == 0) {
		struct ladder l;
		struct err why = ERR_INIT;
		enum status st = ladder_parse(&l, value, &why);

		if (st == STATUS_OK) {
			ladder_done(&l);
			return STATUS_OK;
		}
		err_set(err, STATUS_USAGE, "rungs: %s", err_message(&why));
		err_done(&why);
		return STATUS_USAGE;
	}
	if (strcmp(d->key, "rua") == 0 || strcmp(d->key, "ruf") == 0) {
		struct findings f = FINDINGS_INIT;
		struct dmarc_record rec;
		bool ok;

		dmarc_record_init(&rec);
		ok = dmarc_uri_list_parse(value, d->key, &rec.rua, &rec.nrua,
					  &f) &&
		     rec.nrua > 0;
		if (!ok)
			err_set(err, STATUS_USAGE, "%s: %s", d->key,
				f.count ? f.items[0].message
					: _("no URI given"));
		/* RFC 7489 6.2: mailto: is the one scheme receivers must
		 * send reports to. */
		for (size_t i = 0; ok && i < rec.nrua; i++) {
			if (rec.rua[i].host)
				continue;
			err_set(err, STATUS_USAGE,
				_("%s: reports are sent by mail: %s is not a "
				  "mailto: address"),
				d->key, rec.rua[i].uri);
			ok = false;
		}
		dmarc_record_done(&rec);
		findings_done(&f);
		return ok ? STATUS_OK : STATUS_USAGE;
	}
	if (strcmp(d->key, "publish-key") == 0) {
		struct tsig_key *key = NULL;

		/* A key that will not sign is refused now, not at the first
		 * publish; only the path is stored, never the secret. */
		if (tsig_key_read(value, &key, err) != STATUS_OK)
			return STATUS_USAGE;
		tsig_key_free(key);
	}
	return STATUS_OK;
}

/* Applies one KEY=VALUE to s. "default" puts the setting back. */
static enum status setting_apply(struct state_settings *s, const char *arg,
				 struct err *err)
{
	struct state_settings defaults;
	const char *eq = strchr(arg, '=');
	const struct setting *d = eq ? setting_find(arg, (size_t)(eq - arg))
				     : NULL;
	const char *value = eq ? eq + 1 : NULL;
	bool reset = value && strcmp(value, "default") == 0;
	char *end;

	if (!d) {
		char *clean = text_clean_str(arg);

		err_set(err, STATUS_USAGE,
			_("unknown setting '%s' (see dmarcpilot domain show "
			  "DOMAIN)"),
			clean);
		free(clean);
		return STATUS_USAGE;
	}
	state_settings_defaults(&defaults);
	errno = 0;
	switch (d->kind) {
	case SETTING_TEXT:
		if (!reset && !*value)
			return err_set(err, STATUS_USAGE,
				       _("%s: a value is needed"), d->key);
		if (!reset && text_check(d, value, err) != STATUS_OK)
			return STATUS_USAGE;
		free(*setting_text(s, d));
		*setting_text(s, d) = NULL;
		/* A key file is kept by its full path: publish may run
		 * from another directory. */
		if (!reset && strcmp(d->key, "publish-key") == 0)
			*setting_text(s, d) = realpath(value, NULL);
		if (!reset && !*setting_text(s, d))
			*setting_text(s, d) = xstrdup(value);
		return STATUS_OK;
	case SETTING_DAYS: {
		long v = reset ? *setting_days(&defaults, d)
			       : strtol(value, &end, 10);

		if (!reset && (end == value || *end || errno || v < 0 ||
			       v > 100000))
			return err_set(err, STATUS_USAGE,
				       _("%s: not a number of days: %s"),
				       d->key, value);
		*setting_days(s, d) = (int)v;
		return STATUS_OK;
	}
	case SETTING_PORT: {
		long v = reset ? 0 : strtol(value, &end, 10);

		if (!reset && (end == value || *end || errno || v < 1 ||
			       v > 65535))
			return err_set(err, STATUS_USAGE,
				       _("%s: not a port (1 to 65535): %s"),
				       d->key, value);
		*setting_port(s, d) = (int)v;
		return STATUS_OK;
	}
	case SETTING_PERCENT: {
		double v = reset ? *setting_percent(&defaults, d)
				 : strtod(value, &end);

		if (!reset && (end == value || *end || errno || v != v))
			return err_set(err, STATUS_USAGE,
				       _("%s: not a percentage: %s"), d->key,
				       value);
		*setting_percent(s, d) = v;
		return STATUS_OK;
	}
	}
	return STATUS_OK;
}

/* domain set DOMAIN KEY=VALUE... */
int cli_domain_set(struct cli *cli, int argc, char **argv)
{
	struct state_settings s;
	struct err err = ERR_INIT;
	struct store *store;
	int rc = EXIT_GOOD;

	if (!(store = cli_store(cli, &err)))
		goto fail;
	state_settings_defaults(&s);
	if (state_settings_get(store, argv[0], &s, &err) != STATUS_OK)
		goto fail_settings;
	/* Every value is checked before anything is stored, and all of
	 * them are stored in one transaction. */
	for (int i = 1; i < argc; i++)
		if (setting_apply(&s, argv[i], &err) != STATUS_OK)
			goto fail_settings;
	if (state_settings_set(store, argv[0], &s, &err) != STATUS_OK)
		goto fail_settings;
	if (!cli->json)
		printf(_("Settings of %s stored.\n"), argv[0]);
	else
		cli_print_json(json_pack("{s:s, s:b}", "domain", argv[0],
					 "stored", 1));
	state_settings_done(&s);
	return rc;
fail_settings:
	state_settings_done(&s);
fail:
	rc = cli_fail(&err);
	err_done(&err);
	return rc;
}

/* A setting's value as text, and whether it is the default. */
static char *setting_value(const struct state_settings *s,
			   const struct setting *d, bool *is_default)
{
	struct state_settings defaults;
	struct state_settings *m = (struct state_settings *)s;

	state_settings_defaults(&defaults);
	switch (d->kind) {
	case SETTING_TEXT:
		*is_default = *setting_text(m, d) == NULL;
		return *is_default ? NULL : xstrdup(*setting_text(m, d));
	case SETTING_DAYS:
		*is_default = *setting_days(m, d) ==
			      *setting_days(&defaults, d);
		return xasprintf("%d", *setting_days(m, d));
	case SETTING_PERCENT:
		*is_default = *setting_percent(m, d) ==
			      *setting_percent(&defaults, d);
		return xasprintf("%g", *setting_percent(m, d));
	case SETTING_PORT:
		*is_default = *setting_port(m, d) == 0;
		return *is_default ? xstrdup("53")
				   : xasprintf("%d", *setting_port(m, d));
	}
	return NULL;
}

/* A setting's value as JSON: a number, a string, or null when unset. */
static json_t *setting_json(struct state_settings *s, const struct setting *d)
{
	switch (d->kind) {
	case SETTING_DAYS:
		return json_integer(*setting_days(s, d));
	case SETTING_PERCENT:
		return json_real(*setting_percent(s, d));
	case SETTING_PORT:
		return json_integer(*setting_port(s, d) ? *setting_port(s, d)
							 : 53);
	case SETTING_TEXT:
		break;
	}
	return *setting_text(s, d) ? json_string(*setting_text(s, d))
				   : json_null();
}

/* domain show DOMAIN */
int cli_domain_show(struct cli *cli, int argc, char **argv)
{
	struct state_settings s;
	struct err err = ERR_INIT;
	struct store *store;
	json_t *o = NULL;
	int rc;

	(void)argc; /* one operand, as declared */
	state_settings_defaults(&s);
	if (!(store = cli_store(cli, &err)) ||
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
	for (size_t i = 0; i < SETTINGS_COUNT; i++) {
		const struct setting *d = &settings_table[i];
		bool is_default;
		char *v = setting_value(&s, d, &is_default);

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
		cli_print_json(json_pack("{s:s, s:o}", "domain", argv[0],
					 "settings", o));
	state_settings_done(&s);
	return EXIT_GOOD;
}
