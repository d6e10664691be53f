/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "app/config_file.h"
#include "store/store.h"
#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The words for how a mailbox connection is protected. */
static const char *tls_name(enum config_tls tls)
{
	switch (tls) {
	case CONFIG_TLS_IMPLICIT:
		return "tls";
	case CONFIG_TLS_STARTTLS:
		return "starttls";
	case CONFIG_TLS_NONE:
		break;
	}
	return "plaintext";
}

/* The channels and thresholds for --json: smtp, webhooks (name, host,
 * format; never the URL, which may hold a token), thresholds. */
static void alerting_json(const struct config *cfg, json_t *o)
{
	json_t *hooks = json_array(), *limits = json_array();

	if (cfg->smtp.present) {
		const struct config_smtp *s = &cfg->smtp;
		json_t *m = json_object(), *to = json_array();

		for (size_t i = 0; i < s->nto; i++)
			json_array_append_new(to, json_string(s->to[i]));
		if (s->sendmail) {
			json_object_set_new(m, "sendmail",
					    json_string(s->sendmail));
		} else {
			json_object_set_new(m, "host", json_string(s->host));
			json_object_set_new(m, "port", json_integer(s->port));
			json_object_set_new(m, "tls",
					    json_string(tls_name(s->tls)));
			json_object_set_new(m, "user",
					    s->user ? json_string(s->user)
						    : json_null());
		}
		json_object_set_new(m, "from", json_string(s->from));
		json_object_set_new(m, "to", to);
		json_object_set_new(o, "smtp", m);
	}
	for (size_t i = 0; i < cfg->nwebhooks; i++) {
		const struct config_webhook *w = &cfg->webhooks[i];
		json_t *h = json_object();

		json_object_set_new(h, "name", json_string(w->name));
		json_object_set_new(h, "host", json_string(w->host));
		json_object_set_new(
		    h, "format",
		    json_string(w->format == CONFIG_WEBHOOK_SLACK ? "slack"
								  : "json"));
		json_array_append_new(hooks, h);
	}
	json_object_set_new(o, "webhooks", hooks);
	for (size_t i = 0; i < cfg->nthresholds; i++) {
		struct config_thresholds t;
		json_t *l = json_object();

		config_thresholds_for(cfg, cfg->thresholds[i].domain, &t);
		json_object_set_new(l, "domain",
				    cfg->thresholds[i].domain
					? json_string(cfg->thresholds[i].domain)
					: json_null());
		json_object_set_new(l, "spf_fail", json_real(t.spf_fail));
		json_object_set_new(l, "dkim_fail", json_real(t.dkim_fail));
		json_object_set_new(l, "dmarc_fail", json_real(t.dmarc_fail));
		json_object_set_new(l, "volume_drop", json_real(t.volume_drop));
		json_object_set_new(l, "period_days",
				    json_integer(t.period_days));
		json_array_append_new(limits, l);
	}
	json_object_set_new(o, "thresholds", limits);
}

/* A limit for people: "5 %" or "off". */
static const char *limit_text(double v, char *buf, size_t size)
{
	if (v < 0)
		return _("off");
	snprintf(buf, size, "%g %%", v);
	return buf;
}

/* The channels and thresholds as text. */
static void alerting_text(const struct config *cfg)
{
	const struct config_smtp *s = &cfg->smtp;

	if (s->present && s->sendmail)
		printf(_("  alerts by mail: %s, from %s to %zu recipients\n"),
		       s->sendmail, s->from, s->nto);
	else if (s->present)
		printf(_("  alerts by mail: %s:%d (%s)%s%s, from %s to %zu "
			 "recipients\n"),
		       s->host, s->port, tls_name(s->tls),
		       s->user ? _(" as ") : "", s->user ? s->user : "",
		       s->from, s->nto);
	for (size_t i = 0; i < cfg->nwebhooks; i++)
		printf(_("  alerts to webhook %s: %s (%s)\n"),
		       cfg->webhooks[i].name, cfg->webhooks[i].host,
		       cfg->webhooks[i].format == CONFIG_WEBHOOK_SLACK
			   ? "slack"
			   : "json");
	for (size_t i = 0; i < cfg->nthresholds; i++) {
		char a[32], b[32], c[32], d[32];
		struct config_thresholds t;
		const char *domain = cfg->thresholds[i].domain;

		config_thresholds_for(cfg, domain, &t);
		/* TRANSLATORS: the alert limits of one domain or all. */
		printf(_("  thresholds %s: SPF %s, DKIM %s, DMARC %s, volume "
			 "drop %s over %d days\n"),
		       domain ? domain : _("(every domain)"),
		       limit_text(t.spf_fail, a, sizeof a),
		       limit_text(t.dkim_fail, b, sizeof b),
		       limit_text(t.dmarc_fail, c, sizeof c),
		       limit_text(t.volume_drop, d, sizeof d), t.period_days);
	}
}

/* `config check [FILE]`: reads the configuration as the unattended
 * commands will, including every password source, and says what it
 * found; the passwords themselves are never shown. */
int cli_config_check(struct cli *cli, int argc, char **argv)
{
	const struct config_mailbox *m;
	struct config cfg;
	struct err err = ERR_INIT;
	char *secret = NULL;
	int status = EXIT_GOOD;

	if (config_load(&cfg, argc == 1 ? argv[0] : NULL, &err)) {
		status = cli_fail(&err);
		err_done(&err);
		return status;
	}
	m = &cfg.mailbox;
	/* The passwords are read to prove they can be, then wiped. */
	if (m->present &&
	    !(secret = config_secret(&cfg, &m->password, m->url, &err))) {
		status = cli_fail(&err);
		goto out;
	}
	if (cfg.smtp.present && cfg.smtp.user) {
		char *smtp =
		    config_secret(&cfg, &cfg.smtp.password, "smtp", &err);

		if (!smtp) {
			status = cli_fail(&err);
			goto out;
		}
		config_secret_free(smtp);
	}
	if (cli->json) {
		json_t *o = json_object();

		json_object_set_new(o, "file", json_string(cfg.path));
		json_object_set_new(o, "found", json_boolean(cfg.found));
		if (m->present) {
			json_t *mb = json_object();

			json_object_set_new(mb, "host", json_string(m->host));
			json_object_set_new(mb, "port", json_integer(m->port));
			json_object_set_new(mb, "tls",
					    json_string(tls_name(m->tls)));
			json_object_set_new(mb, "user", json_string(m->user));
			json_object_set_new(mb, "folder",
					    json_string(m->folder));
			json_object_set_new(
			    mb, "after_import",
			    json_string(m->after == CONFIG_AFTER_MOVE
					    ? "move"
					    : "seen"));
			json_object_set_new(mb, "archive",
					    json_string(m->archive));
			json_object_set_new(o, "mailbox", mb);
		}
		if (cfg.db) {
			char *name = store_target_name(cfg.db);

			json_object_set_new(o, "db",
					    json_string(name ? name : ""));
			free(name);
		}
		alerting_json(&cfg, o);
		cli_print_json(o);
		goto out;
	}
	if (!cfg.found) {
		printf(_("%s: no such file; nothing is configured\n"),
		       cfg.path);
		goto out;
	}
	printf(_("%s: valid\n"), cfg.path);
	if (m->present) {
		char *user = text_clean_str(m->user);

		printf(_("  mailbox: %s:%d (%s) as %s, folder \"%s\", "
			 "then %s\n"),
		       m->host, m->port, tls_name(m->tls), user, m->folder,
		       m->after == CONFIG_AFTER_MOVE ? m->archive : _("seen"));
		free(user);
	}
	if (cfg.db) {
		char *name = store_target_name(cfg.db);
		char *clean = text_clean_str(name ? name : "");

		printf(_("  database: %s\n"), clean);
		free(clean);
		free(name);
	}
	alerting_text(&cfg);
out:
	config_secret_free(secret);
	config_done(&cfg);
	err_done(&err);
	return status;
}
