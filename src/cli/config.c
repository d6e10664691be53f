/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "app/config.h"
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
	/* The password is read to prove it can be, then wiped. */
	if (m->present &&
	    !(secret = config_secret(&cfg, &m->password, m->url, &err))) {
		status = cli_fail(&err);
		goto out;
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
			    json_string(m->after == CONFIG_AFTER_MOVE ? "move" :
									"seen"));
			json_object_set_new(mb, "archive",
					    json_string(m->archive));
			json_object_set_new(o, "mailbox", mb);
		}
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
out:
	config_secret_free(secret);
	config_done(&cfg);
	err_done(&err);
	return status;
}
