/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The plan's settings as the operator names them (app/settings.h). */
#include "config.h"

#include "app/settings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "dmarc/dmarc.h"
#include "dmarc/ladder.h"
#include "dns/dns.h"
#include "dns/tsig.h"
#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* clang-format off */
#define TEXT(key, field, help) \
	{ key, APP_SETTING_TEXT, offsetof(struct state_settings, field), help }
#define DAYS(key, field, help) \
	{ key, APP_SETTING_DAYS, offsetof(struct state_settings, field), help }
#define PERCENT(key, field, help) \
	{ key, APP_SETTING_PERCENT, offsetof(struct state_settings, field), help }
#define INTERVAL(key, field, help) \
	{ key, APP_SETTING_INTERVAL, offsetof(struct state_settings, field), \
	  help }
#define PORT(key, field, help) \
	{ key, APP_SETTING_PORT, offsetof(struct state_settings, field), help }
/* clang-format on */

static const struct app_setting settings_table[] = {
	TEXT("rungs", rungs,
	     N_("the DMARC ladder, e.g. none,q10,q25,q50,q100,r100")),
	DAYS("min-days-monitor", min_days_monitor,
	     N_("days at p=none before the first quarantine rung")),
	DAYS("min-days-rung", min_days_rung, N_("days on each later rung")),
	DAYS("window-days", window_days, N_("days of reports the plan judges")),
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
	INTERVAL("rotation-interval", dkim_rotation_interval,
		 N_("when an own DKIM key is due for rotation: quarterly, "
		    "biannual (default), annual or a number of days")),
	TEXT("servers", servers,
	     N_("verify steps on these servers, ADDR[:PORT],... (default: "
		"the zone's name servers)")),
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
#undef INTERVAL
#undef PORT

#define SETTINGS_COUNT (sizeof settings_table / sizeof settings_table[0])

/* The table. */
const struct app_setting *app_settings(size_t *count)
{
	*count = SETTINGS_COUNT;
	return settings_table;
}

/* The setting named key, or NULL. */
const struct app_setting *app_setting_find(const char *key, size_t len)
{
	for (size_t i = 0; i < SETTINGS_COUNT; i++)
		if (strlen(settings_table[i].key) == len &&
		    memcmp(settings_table[i].key, key, len) == 0)
			return &settings_table[i];
	return NULL;
}

/* The string field a text setting points to. */
char **app_setting_text(struct state_settings *s, const struct app_setting *d)
{
	return (char **)((char *)s + d->offset);
}

/* The int field a days setting points to. */
int *app_setting_days(struct state_settings *s, const struct app_setting *d)
{
	return (int *)((char *)s + d->offset);
}

/* The int field a port setting points to. */
int *app_setting_port(struct state_settings *s, const struct app_setting *d)
{
	return (int *)((char *)s + d->offset);
}

/* The double field a percent setting points to. */
double *app_setting_percent(struct state_settings *s,
			    const struct app_setting *d)
{
	return (double *)((char *)s + d->offset);
}

/* Checks what state_settings_set() cannot: that the ladder parses and
 * that rua/ruf are URI lists (RFC 7489 6.4). */
static enum status text_check(const struct app_setting *d, const char *value,
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
	if (strcmp(d->key, "servers") == 0) {
		/* The resolver's own parser says what a list is. */
		struct dns_live_options o = { .servers = value };
		struct dns *dns = NULL;
		struct err why = ERR_INIT;

		if (dns_new_live(&dns, &o, &why) == STATUS_OK) {
			dns_free(dns);
			return STATUS_OK;
		}
		err_set(err, STATUS_USAGE, "servers: %s", err_message(&why));
		err_done(&why);
		return STATUS_USAGE;
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

/* Sets one setting from text. "default" puts it back. */
enum status app_setting_set(struct state_settings *s,
			    const struct app_setting *d, const char *value,
			    struct err *err)
{
	struct state_settings defaults;
	bool reset = strcmp(value, "default") == 0;
	char *end;

	state_settings_defaults(&defaults);
	errno = 0;
	switch (d->kind) {
	case APP_SETTING_TEXT:
		if (!reset && !*value)
			return err_set(err, STATUS_USAGE,
				       _("%s: a value is needed"), d->key);
		if (!reset && text_check(d, value, err) != STATUS_OK)
			return STATUS_USAGE;
		free(*app_setting_text(s, d));
		*app_setting_text(s, d) = NULL;
		/* A key file is kept by its full path: publish may run
		 * from another directory. */
		if (!reset && strcmp(d->key, "publish-key") == 0)
			*app_setting_text(s, d) = realpath(value, NULL);
		if (!reset && !*app_setting_text(s, d))
			*app_setting_text(s, d) = xstrdup(value);
		return STATUS_OK;
	case APP_SETTING_DAYS: {
		long v = reset ? *app_setting_days(&defaults, d)
			       : strtol(value, &end, 10);

		if (!reset &&
		    (end == value || *end || errno || v < 0 || v > 100000))
			return err_set(err, STATUS_USAGE,
				       _("%s: not a number of days: %s"),
				       d->key, value);
		*app_setting_days(s, d) = (int)v;
		return STATUS_OK;
	}
	case APP_SETTING_PORT: {
		long v = reset ? 0 : strtol(value, &end, 10);

		if (!reset &&
		    (end == value || *end || errno || v < 1 || v > 65535))
			return err_set(err, STATUS_USAGE,
				       _("%s: not a port (1 to 65535): %s"),
				       d->key, value);
		*app_setting_port(s, d) = (int)v;
		return STATUS_OK;
	}
	case APP_SETTING_PERCENT: {
		double v = reset ? *app_setting_percent(&defaults, d)
				 : strtod(value, &end);

		if (!reset && (end == value || *end || errno || v != v))
			return err_set(err, STATUS_USAGE,
				       _("%s: not a percentage: %s"), d->key,
				       value);
		*app_setting_percent(s, d) = v;
		return STATUS_OK;
	}
	case APP_SETTING_INTERVAL: {
		int v = *app_setting_days(&defaults, d);

		if (!reset && !dkim_interval_parse(value, &v))
			return err_set(err, STATUS_USAGE,
				       _("%s: quarterly, biannual, annual or a "
					 "number of days (1 to 3650): %s"),
				       d->key, value);
		*app_setting_days(s, d) = v;
		return STATUS_OK;
	}
	}
	return STATUS_OK;
}

/* Applies one KEY=VALUE to s. */
enum status app_setting_apply(struct state_settings *s, const char *arg,
			      struct err *err)
{
	const char *eq = strchr(arg, '=');
	const struct app_setting *d =
	    eq ? app_setting_find(arg, (size_t)(eq - arg)) : NULL;

	if (!d) {
		char *clean = text_clean_str(arg);

		err_set(err, STATUS_USAGE,
			_("unknown setting '%s' (see dmarcpilot domain show "
			  "DOMAIN)"),
			clean);
		free(clean);
		return STATUS_USAGE;
	}
	return app_setting_set(s, d, eq + 1, err);
}

/* The KEY=VALUE assignments of one change. */
struct assignments {
	const char *const *v;
	size_t n;
};

/* Applies every assignment to the settings as stored. */
static enum status assignments_apply(struct state_settings *s, void *arg,
				     struct err *err)
{
	const struct assignments *a = arg;
	enum status st = STATUS_OK;

	for (size_t i = 0; st == STATUS_OK && i < a->n; i++)
		st = app_setting_apply(s, a->v[i], err);
	return st;
}

/* Reads, applies and stores a domain's settings. */
enum status app_settings_change(struct store *store, const char *domain,
				const char *const *assignments, size_t n,
				struct err *err)
{
	struct assignments a = { assignments, n };

	/* Every value is checked before anything is stored; the store
	 * reads, changes and writes them in one transaction, so that a
	 * change made at the same time elsewhere is kept too. */
	return state_settings_update(store, domain, assignments_apply, &a, err);
}

/* A setting's value as text, and whether it is the default. */
char *app_setting_value(const struct state_settings *s,
			const struct app_setting *d, bool *is_default)
{
	struct state_settings defaults;
	struct state_settings *m = (struct state_settings *)s;

	state_settings_defaults(&defaults);
	switch (d->kind) {
	case APP_SETTING_TEXT:
		*is_default = *app_setting_text(m, d) == NULL;
		return *is_default ? NULL : xstrdup(*app_setting_text(m, d));
	case APP_SETTING_DAYS:
		*is_default =
		    *app_setting_days(m, d) == *app_setting_days(&defaults, d);
		return xasprintf("%d", *app_setting_days(m, d));
	case APP_SETTING_PERCENT:
		*is_default = *app_setting_percent(m, d) ==
			      *app_setting_percent(&defaults, d);
		return xasprintf("%g", *app_setting_percent(m, d));
	case APP_SETTING_INTERVAL: {
		char buf[16];

		*is_default =
		    *app_setting_days(m, d) == *app_setting_days(&defaults, d);
		return xstrdup(
		    dkim_interval_name(*app_setting_days(m, d), buf));
	}
	case APP_SETTING_PORT:
		*is_default = *app_setting_port(m, d) == 0;
		return *is_default ? xstrdup("53")
				   : xasprintf("%d", *app_setting_port(m, d));
	}
	return NULL;
}
