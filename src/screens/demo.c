/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The offline demo domain. */
#include "config.h"

#include "screens/demo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmarc/dmarc.h"
#include "util/i18n.h"
#include "dmarc/ladder.h"
#include "store/report_store.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "providers/providers.h"
#include "util/xalloc.h"
#include "paths.h"
#include "screens/tui.h"

/* Keeps the zone files of a directory listing. */
static int is_zone(const struct dirent *e)
{
	size_t len = strlen(e->d_name);

	return len > 5 && strcmp(e->d_name + len - 5, ".zone") == 0;
}

/* Loads every zone of the demo into a table resolver, in name order. */
static enum status demo_load_zones(struct app *app, const char *dir,
				   struct err *err)
{
	struct dirent **names = NULL;
	struct dns *dns = NULL;
	enum status st = STATUS_OK;
	int n = scandir(dir, &names, is_zone, alphasort);

	if (n < 0) {
		st = err_set(err, STATUS_IO, _("%s: cannot read the demo: %s"),
			     dir, strerror(errno));
		goto out;
	}
	if (n == 0) {
		st = err_set(err, STATUS_NOT_FOUND,
			     _("%s: the demo has no zone files"), dir);
		goto out;
	}
	dns = dns_new_table();
	for (int i = 0; i < n && st == STATUS_OK; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]->d_name);

		st = dns_table_load_zone(dns, path, NULL, err);
		free(path);
	}
	if (st != STATUS_OK)
		goto out;
	session_set_dns(cli_session(app->cli), dns);
	dns = NULL;
out:
	dns_free(dns);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return st;
}

/* The services that send the demo domain's mail. */
static const char *const demo_senders[] = {
	"google-workspace", "sendgrid", "mailchimp", "salesforce", "zendesk",
};

/* The rollout so far: the day the domain was added and each rung
 * verified live since (rung indexes of the default ladder). */
#define DEMO_ADDED "2026-01-05"
static const struct {
	enum rung_kind kind;
	int rung;
	const char *day;
} demo_history[] = {
	{ RUNG_SPF, 0, "2026-01-12" },   /* SPF with ~all */
	{ RUNG_DMARC, 0, "2026-01-19" }, /* p=none */
	{ RUNG_DMARC, 1, "2026-02-16" }, /* quarantine pct=10 */
	{ RUNG_DMARC, 2, "2026-02-23" }, /* quarantine pct=25 */
};

/* The first TXT record at name starting with prefix, from the demo's
 * zones; NULL if there is none. Caller frees. */
static char *demo_txt(struct dns *dns, const char *name, const char *prefix)
{
	struct dns_answer *a = dns_query_sync(dns, name, DNS_T_TXT);
	struct dns_txt_string *txt;
	size_t n;
	char *found = NULL;

	txt = dns_answer_txt_joined(a, &n);
	for (size_t i = 0; i < n && !found; i++)
		if (strncmp(txt[i].data, prefix, strlen(prefix)) == 0)
			found = xstrdup(txt[i].data);
	dns_txt_joined_free(txt, n);
	dns_answer_free(a);
	return found;
}

/* Imports the reports of the first two weeks (data/demo/reports); the
 * third week waits in data/demo/inbox for the operator to import. */
static enum status demo_import(struct app *app, struct store *store,
			       struct err *err)
{
	struct report_import_stats stats = { 0 };
	char *dir = cli_data_path(app->cli, "demo/reports");
	enum status st;

	st = report_import_path(store, dir, NULL, &stats, NULL, NULL, err);
	if (st == STATUS_OK && (stats.rejected || !stats.reports))
		st = err_set(err, STATUS_PARSE,
			     _("%s: the demo's reports did not import"), dir);
	free(dir);
	return st;
}

/* Keeps the report addresses the demo domain publishes (its own and
 * an external collector's) as the domain's settings, so that the plan's
 * next records send reports to the same places. */
static enum status demo_settings(struct store *store,
				 const struct dmarc_record *published,
				 struct err *err)
{
	struct state_settings settings;
	struct strbuf rua = STRBUF_INIT;
	enum status st;

	state_settings_defaults(&settings);
	for (size_t i = 0; i < published->nrua; i++) {
		const struct dmarc_uri *u = &published->rua[i];

		/* RFC 7489 6.4: a size limit follows the URI after "!". */
		strbuf_addf(&rua, "%s%s%s%s", i ? "," : "", u->uri,
			    u->size ? "!" : "", u->size ? u->size : "");
	}
	settings.rua = rua.len ? strbuf_detach(&rua) : NULL;
	st = state_settings_set(store, DEMO_DOMAIN, &settings, err);
	strbuf_done(&rua);
	state_settings_done(&settings);
	return st;
}

/* Writes the rollout so far into the fresh database: the domain, its
 * senders, and the rungs, whose records are those the demo's zone
 * publishes. */
static enum status demo_seed(struct app *app, struct err *err)
{
	struct store *store = tui_store(app);
	struct dns *dns = cli_dns(app->cli, NULL);
	struct ladder ladder = LADDER_INIT;
	struct dmarc_record published = DMARC_RECORD_INIT;
	char *spf = NULL, *dmarc = NULL;
	date_t added, day;
	enum status st;

	if (!store)
		return err_set(err, STATUS_DB, "%s", session_store_error(app->session));
	/* The demo's database is thrown away at exit, so none of its
	 * commits needs to wait for the disk (each one was an fsync). */
	if ((st = store_exec(store, "PRAGMA synchronous = OFF", err)))
		goto out;
	date_parse(DEMO_ADDED, &added);
	st = state_domain_add(store, DEMO_DOMAIN, added, NULL, err);
	if (st != STATUS_OK)
		goto out;
	for (size_t i = 0; i < sizeof demo_senders / sizeof *demo_senders;
	     i++) {
		st = state_sender_add(store, DEMO_DOMAIN, demo_senders[i], NULL,
				      tui_providers(app), added, NULL, err);
		if (st != STATUS_OK)
			goto out;
	}
	spf = demo_txt(dns, DEMO_DOMAIN, "v=spf1");
	dmarc = demo_txt(dns, "_dmarc." DEMO_DOMAIN, "v=DMARC1");
	if (!spf || !dmarc) {
		st = err_set(err, STATUS_NOT_FOUND,
			     _("the demo zone %s lacks its SPF or DMARC "
			       "record"),
			     DEMO_DOMAIN);
		goto out;
	}
	dmarc_parse(dmarc, strlen(dmarc), &published, NULL, NULL);
	if ((st = demo_settings(store, &published, err)))
		goto out;
	ladder_init_default(&ladder);
	for (size_t i = 0; i < sizeof demo_history / sizeof *demo_history;
	     i++) {
		char *record = demo_history[i].kind == RUNG_SPF
				   ? xstrdup(spf)
				   : ladder_record(
					 &ladder.rungs[demo_history[i].rung],
					 &published);

		date_parse(demo_history[i].day, &day);
		st = state_rung_add(store, DEMO_DOMAIN, demo_history[i].kind,
				    demo_history[i].rung, record, day, err);
		free(record);
		if (st != STATUS_OK)
			goto out;
	}
	st = demo_import(app, store, err);
out:
	ladder_done(&ladder);
	dmarc_record_done(&published);
	free(spf);
	free(dmarc);
	return st;
}

/* The database `make` built with demo_prepare() (Makefile.am:
 * data/demo/demo.db): DATADIR/demo/demo.db when installed, the build
 * tree's when running uninstalled; NULL when there is none. Caller
 * frees. */
static char *demo_prebuilt(const struct cli *cli)
{
	char *path = cli_data_path(cli, "demo/demo.db");

	if (access(path, R_OK) == 0)
		return path;
	free(path);
	if (paths_uninstalled() &&
	    access(ABS_BUILDDIR "/data/demo/demo.db", R_OK) == 0)
		return xstrdup(ABS_BUILDDIR "/data/demo/demo.db");
	return NULL;
}

/* Copies the prebuilt database to the demo's own, new file. */
static enum status demo_copy(const char *from, const char *to,
			     struct err *err)
{
	char buf[65536];
	enum status st = STATUS_OK;
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ssize_t n;

	if (in < 0 || out < 0) {
		st = err_set(err, STATUS_IO, "%s: %s", in < 0 ? from : to,
			     strerror(errno));
		goto out;
	}
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			st = err_set(err, STATUS_IO, "%s: %s", to,
				     strerror(errno));
			goto out;
		}
	if (n < 0)
		st = err_set(err, STATUS_IO, "%s: %s", from, strerror(errno));
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return st;
}

/* Sets up the demo: the database is a copy of the prebuilt one when make
 * built it, so that the first screen waits for no import; otherwise the
 * demo seeds its own. */
enum status demo_setup(struct app *app, struct err *err)
{
	struct cli *cli = app->cli;
	char *dir = cli_data_path(cli, "demo");
	const char *tmp = getenv("TMPDIR");
	char *templ = xasprintf("%s/dmarcpilot-demo.XXXXXX",
				tmp && *tmp ? tmp : "/tmp");
	char *prebuilt = demo_prebuilt(cli);
	enum status st;

	st = demo_load_zones(app, dir, err);
	if (st != STATUS_OK)
		goto out;
	if (!mkdtemp(templ)) {
		st = err_set(err, STATUS_IO,
			     _("%s: cannot create the demo's directory: %s"),
			     templ, strerror(errno));
		goto out;
	}
	app->demo_dir = templ;
	templ = NULL;
	app->demo_db = xasprintf("%s/demo.db", app->demo_dir);
	cli->db_path = app->demo_db;
	date_parse(DEMO_NOW, &cli->now);
	tui_set_domain(app, DEMO_DOMAIN);
	st = prebuilt ? demo_copy(prebuilt, app->demo_db, err)
		      : demo_seed(app, err);
out:
	free(prebuilt);
	free(templ);
	free(dir);
	return st;
}

/* Builds the demo's database at path without a terminal: the seeding
 * and report import demo_setup() does when there is no prebuilt copy. */
enum status demo_prepare(struct cli *cli, const char *path, struct err *err)
{
	struct app app;
	char *dir = cli_data_path(cli, "demo");
	enum status st;

	memset(&app, 0, sizeof app);
	app.cli = cli;
	app.session = cli_session(cli);
	app.demo = true;
	cli->db_path = path;
	date_parse(DEMO_NOW, &cli->now);
	tui_set_domain(&app, DEMO_DOMAIN);
	st = demo_load_zones(&app, dir, err);
	if (st == STATUS_OK)
		st = demo_seed(&app, err);
	/* One self-contained file: a reader of a WAL database leaves -wal
	 * and -shm files beside it, a copy would need them. The demo's
	 * copy goes back to WAL when it is opened. */
	if (st == STATUS_OK)
		st = store_exec(tui_store(&app), "PRAGMA journal_mode = DELETE",
				err);
	free(app.domain);
	free(dir);
	return st;
}

/* Removes one entry of the demo's directory. */
static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Cleans the demo up. */
void demo_cleanup(struct app *app)
{
	struct cli *cli = app->cli;

	if (cli->db_path == app->demo_db) {
		session_store_close(cli_session(cli));
		cli->db_path = NULL;
	}
	if (app->demo_dir)
		nftw(app->demo_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(app->demo_dir);
	free(app->demo_db);
	app->demo_dir = app->demo_db = NULL;
}
