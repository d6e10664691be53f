/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The offline demo domain (app/demo.h). */
#include "config.h"

#include "app/demo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmarc/dmarc.h"
#include "dmarc/ladder.h"
#include "store/report_store.h"
#include "store/state.h"
#include "util/date.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* Keeps the zone files of a directory listing. */
static int is_zone(const struct dirent *e)
{
	size_t len = strlen(e->d_name);

	return len > 5 && strcmp(e->d_name + len - 5, ".zone") == 0;
}

/* Loads every zone of the demo into a table resolver, in name order. */
enum status app_demo_zones(struct session *s, const char *dir, struct err *err)
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
	session_set_dns(s, dns);
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
static enum status demo_import(struct store *store, const char *demo,
			       struct err *err)
{
	struct report_import_stats stats = { 0 };
	char *dir = xasprintf("%s/reports", demo);
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
 * publishes; then the first two weeks of reports. */
enum status app_demo_seed(struct session *s, const char *dir, struct err *err)
{
	struct store *store;
	const struct providers *catalogue;
	struct dns *dns;
	struct ladder ladder = LADDER_INIT;
	struct dmarc_record published = DMARC_RECORD_INIT;
	char *spf = NULL, *dmarc = NULL;
	date_t added, day;
	enum status st;

	if (!(store = session_store(s, err)) ||
	    !(catalogue = session_providers(s, err)) ||
	    !(dns = session_dns(s, err)))
		return err->status;
	/* The demo's database is thrown away at exit, so none of its
	 * commits needs to wait for the disk (each one was an fsync). */
	if ((st = store_throwaway(store, err)))
		goto out;
	date_parse(DEMO_ADDED, &added);
	st = state_domain_add(store, DEMO_DOMAIN, added, NULL, err);
	if (st != STATUS_OK)
		goto out;
	for (size_t i = 0; i < sizeof demo_senders / sizeof *demo_senders;
	     i++) {
		st = state_sender_add(store, DEMO_DOMAIN, demo_senders[i], NULL,
				      catalogue, added, NULL, err);
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
		char *record =
		    demo_history[i].kind == RUNG_SPF
			? xstrdup(spf)
			: ladder_record(&ladder.rungs[demo_history[i].rung],
					&published);

		date_parse(demo_history[i].day, &day);
		st = state_rung_add(store, DEMO_DOMAIN, demo_history[i].kind,
				    demo_history[i].rung, record, day, err);
		free(record);
		if (st != STATUS_OK)
			goto out;
	}
	st = demo_import(store, dir, err);
out:
	ladder_done(&ladder);
	dmarc_record_done(&published);
	free(spf);
	free(dmarc);
	return st;
}

/* Copies the prebuilt database to the demo's own, new file. */
enum status app_demo_copy(const char *from, const char *to, struct err *err)
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

/* Builds the demo's database: zones, seeding, one self-contained file. */
enum status app_demo_prepare(struct session *s, const char *dir,
			     struct err *err)
{
	enum status st = app_demo_zones(s, dir, err);
	struct store *store;

	if (st == STATUS_OK)
		st = app_demo_seed(s, dir, err);
	/* One self-contained file: a reader of a WAL database leaves -wal
	 * and -shm files beside it, a copy would need them. The demo's
	 * copy goes back to WAL when it is opened. */
	if (st == STATUS_OK && (store = session_store(s, err)))
		st = store_single_file(store, err);
	else if (st == STATUS_OK)
		st = err->status;
	return st;
}
