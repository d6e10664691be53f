/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store/store.h"
#include "store/db_backend_internal.h"
#include "store/state_internal.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/dname.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/xdg.h"

struct store {
	struct db *db;
	char *path;       /* the target as messages name it: no password */
	unsigned retries; /* transactions store_transact() ran again */
	unsigned seed;    /* of the pauses between attempts */
	unsigned long upgrade_skipped; /* see store_upgrade_skipped() */
};

/* Schema version 1, as the first release wrote it: never changed again;
 * later versions change it through migrations below. Each module's
 * tables in their own block. Written once for both servers (see
 * db_exec_schema()): "@ID@" is the self-numbering key, and the types are
 * those both understand (BIGINT and DOUBLE PRECISION have SQLite's
 * INTEGER and REAL affinity). */
static const char schema_state_v1[] =
    /* Domains the operator rolls out, and when they were added. */
    "CREATE TABLE domain ("
    " id @ID@,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " created TEXT NOT NULL);"
    /* The inventory: services and ranges that send for the domain. */
    "CREATE TABLE sender ("
    " id @ID@,"
    " domain_id BIGINT NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL CHECK (kind IN"
    "  ('provider','ip4','ip6','a','mx','include')),"
    " value TEXT NOT NULL,"
    " note TEXT,"
    " created TEXT NOT NULL,"
    " UNIQUE (domain_id, kind, value));"
    /* DKIM keys: only the private key's path, never the key. */
    "CREATE TABLE dkim_key ("
    " id @ID@,"
    " domain_id BIGINT NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
    " selector TEXT NOT NULL,"
    " algorithm TEXT NOT NULL,"
    " bits BIGINT,"
    " key_path TEXT,"
    " provider TEXT,"
    " created TEXT NOT NULL,"
    " published TEXT,"
    " retired TEXT,"
    " UNIQUE (domain_id, selector));"
    /* Every rung verified live, with the record and the day. */
    "CREATE TABLE rung_history ("
    " id @ID@,"
    " domain_id BIGINT NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL,"
    " rung BIGINT NOT NULL,"
    " record TEXT NOT NULL,"
    " verified TEXT NOT NULL,"
    /* SPF: the DNS lookups the record needed when it was verified
     * (RFC 7208 4.6.4), to report drift; NULL when not counted. */
    " lookups BIGINT,"
    /* SPF: what each include of the record cost then, as
     * "include:X=N ...", to name the one that grew. */
    " costs TEXT);"
    /* The plan's settings; NULL means the default of DESIGN.md 4. */
    "CREATE TABLE plan_settings ("
    " domain_id BIGINT PRIMARY KEY REFERENCES domain(id) ON DELETE CASCADE,"
    " rungs TEXT,"
    " min_days_monitor BIGINT,"
    " min_days_rung BIGINT,"
    " window_days BIGINT,"
    " pass_threshold DOUBLE PRECISION,"
    " unknown_threshold DOUBLE PRECISION,"
    " rua TEXT, ruf TEXT, adkim TEXT, aspf TEXT, sp TEXT, np TEXT,"
    " spf_all TEXT);"
    /* What the flattener replaced by addresses, to report drift. */
    "CREATE TABLE spf_flattened ("
    " id @ID@,"
    " domain_id BIGINT NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
    " mechanism TEXT NOT NULL,"
    " addresses TEXT NOT NULL,"
    " flattened TEXT NOT NULL,"
    " UNIQUE (domain_id, mechanism));"
    /* Sources the operator disowned: failing mail from them is spoofing,
     * shown as "not ours" and not counted against readiness. network is
     * normalised ("203.0.113.9", "198.51.100.0/24"). */
    "CREATE TABLE disowned ("
    " id @ID@,"
    " domain_id BIGINT NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
    " network TEXT NOT NULL,"
    " note TEXT,"
    " created TEXT NOT NULL,"
    " UNIQUE (domain_id, network));";

static const char schema_reports_v1[] =
    /* Aggregate reports, deduplicated by (org, report id): RFC 7489 7.2.
     * Dates are UNIX seconds; format is rfc7489 or rfc9990. */
    "CREATE TABLE report ("
    " id @ID@,"
    " org_name TEXT NOT NULL,"
    " report_id TEXT NOT NULL,"
    " email TEXT,"
    " domain TEXT NOT NULL COLLATE NOCASE,"
    " date_begin BIGINT NOT NULL,"
    " date_end BIGINT NOT NULL,"
    " policy TEXT,"
    " sp TEXT, np TEXT, pct BIGINT, testing TEXT,"
    " format TEXT NOT NULL,"
    " source TEXT,"
    " imported TEXT NOT NULL,"
    " UNIQUE (org_name, report_id));"
    "CREATE INDEX report_domain_date ON report(domain, date_begin);"
    /* One <record> of a report. dkim and spf are the DMARC-aligned
     * results (policy_evaluated); dkim_auth and spf_auth the raw ones,
     * "domain:selector:result" (spf: "domain:result"), space-separated;
     * reasons the override types, comma-separated; arc set when a
     * reason comment names ARC. */
    "CREATE TABLE report_row ("
    " id @ID@,"
    " report BIGINT NOT NULL REFERENCES report(id) ON DELETE CASCADE,"
    " source_ip TEXT NOT NULL,"
    " count BIGINT NOT NULL CHECK (count >= 0),"
    " disposition TEXT,"
    " dkim TEXT, spf TEXT,"
    " reasons TEXT,"
    " arc BIGINT NOT NULL DEFAULT 0,"
    " header_from TEXT, envelope_from TEXT,"
    " dkim_auth TEXT, spf_auth TEXT,"
    " dkim_aligned BIGINT NOT NULL, spf_aligned BIGINT NOT NULL);"
    "CREATE INDEX report_row_report ON report_row(report);"
    /* Failure reports (ARF: RFC 5965, 6591, 9991), deduplicated by the
     * report mail's Message-ID. */
    "CREATE TABLE failure_report ("
    " id @ID@,"
    " message_id TEXT UNIQUE,"
    " feedback_type TEXT NOT NULL, source_ip TEXT, reported_domain TEXT"
    "  COLLATE NOCASE,"
    " auth_failure TEXT, original_from TEXT, original_mail_from TEXT,"
    " dkim_domain TEXT, dkim_selector TEXT, spf_domain TEXT,"
    " arrival TEXT, delivery_result TEXT, original_message_id TEXT,"
    " source TEXT, imported TEXT NOT NULL);"
    "CREATE INDEX failure_report_domain ON failure_report(reported_domain);";

/* Schema version 2: the lists held in one text column become child
 * tables (what each include of a verified SPF record cost, the
 * addresses of a flattened include). */
static const char schema_v2[] =
    "CREATE TABLE rung_include_cost ("
    " rung_id BIGINT NOT NULL REFERENCES rung_history(id)"
    "  ON DELETE CASCADE,"
    " position BIGINT NOT NULL,"
    " include TEXT NOT NULL,"
    " lookups BIGINT NOT NULL,"
    " PRIMARY KEY (rung_id, position));"
    "CREATE TABLE spf_flattened_address ("
    " flattened_id BIGINT NOT NULL REFERENCES spf_flattened(id)"
    "  ON DELETE CASCADE,"
    " position BIGINT NOT NULL,"
    " address TEXT NOT NULL,"
    " PRIMARY KEY (flattened_id, position));";

/* A text column's value and its row, read before the rows are split. */
struct list_rows {
	int64_t *ids;
	char **texts;
	size_t n, cap, tcap;
};

/* Maps (id, text) rows. */
static void list_row(struct db_stmt *stmt, void *arg)
{
	struct list_rows *l = arg;

	l->ids = xgrow(l->ids, &l->cap, l->n + 1, sizeof *l->ids);
	l->texts = xgrow(l->texts, &l->tcap, l->n + 1, sizeof *l->texts);
	l->ids[l->n] = db_column_int64(stmt, 0);
	l->texts[l->n] = store_column_str(stmt, 1);
	l->n++;
}

/* Moves the space-separated words of a version 1 list column into its
 * child table: select gives (id, text); insert takes (id, position,
 * word) or, with costs, (id, position, include, lookups) split at the
 * word's last '=' ("include:_spf.example.net=3"). */
static enum status migrate_list(struct store *store, const char *select,
				const char *insert, bool costs, struct err *err)
{
	struct list_rows l = { NULL, NULL, 0, 0, 0 };
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt, select, err)) ||
	    (st = store_rows(store, stmt, list_row, &l, "migrating", err)) ||
	    (st = store_prepare(store, &stmt, insert, err)))
		goto out;
	for (size_t i = 0; i < l.n && st == STATUS_OK; i++) {
		char *save = NULL;
		int position = 0;

		for (char *w = strtok_r(l.texts[i] ? l.texts[i] : (char *)"",
					" ", &save);
		     w && st == STATUS_OK; w = strtok_r(NULL, " ", &save)) {
			char *eq = strrchr(w, '=');

			if (costs && !eq)
				continue;
			db_reset(stmt);
			db_bind_int64(stmt, 1, l.ids[i]);
			db_bind_int64(stmt, 2, position++);
			if (costs) {
				*eq = '\0';
				db_bind_int64(stmt, 4,
					      strtol(eq + 1, NULL, 10));
			}
			db_bind_text(stmt, 3, w);
			st = store_done(store, stmt, "migrating", NULL, err);
		}
	}
	db_finalize(stmt);
out:
	for (size_t i = 0; i < l.n; i++)
		free(l.texts[i]);
	free(l.texts);
	free(l.ids);
	return st;
}

/* Version 1 to 2, inside the migration's transaction: splits
 * rung_history.costs and spf_flattened.addresses into the child
 * tables, then drops both columns. Every row is kept. */
static enum status migrate_v2(struct store *store, struct err *err)
{
	enum status st;

	if ((st = db_exec_schema(store->db, schema_v2, err)) ||
	    (st = migrate_list(store, "SELECT id, addresses FROM spf_flattened",
			       "INSERT INTO spf_flattened_address"
			       " (flattened_id, position, address)"
			       " VALUES (?1, ?2, ?3)",
			       false, err)) ||
	    (st = migrate_list(store,
			       "SELECT id, costs FROM rung_history"
			       " WHERE costs IS NOT NULL",
			       "INSERT INTO rung_include_cost"
			       " (rung_id, position, include, lookups)"
			       " VALUES (?1, ?2, ?3, ?4)",
			       true, err)))
		return st;
	return store_exec(store,
			  "ALTER TABLE spf_flattened DROP COLUMN addresses;"
			  "ALTER TABLE rung_history DROP COLUMN costs;",
			  err);
}

/* Version 3: what `report fetch` remembers of each mailbox folder. */
static const char schema_mailbox_v3[] =
    "CREATE TABLE mailbox_progress ("
    " mailbox TEXT PRIMARY KEY,"
    " uidvalidity BIGINT NOT NULL, last_uid BIGINT NOT NULL);"
    "CREATE TABLE mailbox_failed ("
    " mailbox TEXT NOT NULL, uidvalidity BIGINT NOT NULL,"
    " uid BIGINT NOT NULL, error TEXT NOT NULL,"
    " first_failed BIGINT NOT NULL,"
    " PRIMARY KEY (mailbox, uidvalidity, uid));";

/* Version 4: the reverse names of report sources, kept until their TTL
 * runs out (what report summary and the reports screen looked up), so
 * that a second summary asks the DNS only for what expired. (Databases
 * SQLite made before PostgreSQL was supported have the table WITHOUT
 * ROWID, which only SQLite knows; the rows read the same.) */
static enum status migrate_reverse_names(struct store *store, struct err *err)
{
	return store_exec(store,
			  "CREATE TABLE reverse_name ("
			  " ip TEXT PRIMARY KEY,"
			  " name TEXT,"
			  " expires BIGINT NOT NULL);",
			  err);
}

/* Version 5: the servers a domain's steps are verified on (the
 * "servers" setting, as step --servers), NULL for the zone's name
 * servers. */
static enum status migrate_verify_servers(struct store *store, struct err *err)
{
	return store_exec(
	    store, "ALTER TABLE plan_settings ADD COLUMN servers TEXT;", err);
}

/* Schema version 6 (DKIM rotation): tracked rotations of a domain's
 * own key, with the phase and the day each phase was entered (at most
 * one under way per domain), and the domain's rotation interval. Its
 * own function so that versions made in parallel can be renumbered. */
static enum status migrate_dkim_rotation(struct store *store, struct err *err)
{
	return db_exec_schema(
	    store->db,
	    "CREATE TABLE dkim_rotation ("
	    " id @ID@,"
	    " domain_id BIGINT NOT NULL REFERENCES domain(id)"
	    "  ON DELETE CASCADE,"
	    " old_selector TEXT,"
	    " new_selector TEXT NOT NULL,"
	    " keep_old BIGINT NOT NULL DEFAULT 0,"
	    " silent_days BIGINT NOT NULL,"
	    " phase TEXT NOT NULL CHECK (phase IN ('generated','published',"
	    "  'switched','revoked','done')),"
	    " started TEXT NOT NULL, published TEXT, switched TEXT,"
	    " revoked TEXT, finished TEXT);"
	    "CREATE UNIQUE INDEX dkim_rotation_under_way"
	    " ON dkim_rotation(domain_id) WHERE phase <> 'done';"
	    "CREATE TABLE dkim_rotation_interval ("
	    " domain_id BIGINT PRIMARY KEY REFERENCES domain(id)"
	    "  ON DELETE CASCADE,"
	    " days BIGINT NOT NULL CHECK (days BETWEEN 1 AND 3650));",
	    err);
}

/* Version 7: what `monitor` remembers between runs: the alerts it
 * raised (open until cleared), the deliveries still owed to each
 * channel, and its runs. Its own tables only. */
static enum status migrate_monitor(struct store *store, struct err *err)
{
	static const char sql[] =
	    "CREATE TABLE monitor_alert ("
	    " id @ID@,"
	    " domain TEXT NOT NULL COLLATE NOCASE,"
	    " key TEXT NOT NULL,"
	    " code TEXT NOT NULL,"
	    " severity TEXT NOT NULL,"
	    " message TEXT NOT NULL,"
	    " opened TEXT NOT NULL,"
	    " cleared TEXT,"
	    " UNIQUE (domain, key));"
	    "CREATE TABLE monitor_outbox ("
	    " alert_id BIGINT NOT NULL REFERENCES monitor_alert(id)"
	    "  ON DELETE CASCADE,"
	    " event TEXT NOT NULL CHECK (event IN ('raised','cleared')),"
	    " channel TEXT NOT NULL,"
	    " tries BIGINT NOT NULL DEFAULT 0,"
	    " error TEXT,"
	    " PRIMARY KEY (alert_id, event, channel));"
	    "CREATE TABLE monitor_run ("
	    " id @ID@,"
	    " started BIGINT NOT NULL,"
	    " day TEXT,"
	    " raised BIGINT NOT NULL, cleared BIGINT NOT NULL,"
	    " open BIGINT NOT NULL, sent BIGINT NOT NULL,"
	    " failed TEXT,"
	    " exit_status BIGINT NOT NULL);";

	return db_exec_schema(store->db, sql, err);
}

/* Version 8, publish: where a domain's signed updates go (the primary,
 * the path of the TSIG key file, never its secret, and the port). */
static enum status migrate_publish(struct store *store, struct err *err)
{
	return store_exec(store,
			  "ALTER TABLE plan_settings ADD COLUMN"
			  " publish_server TEXT;"
			  "ALTER TABLE plan_settings ADD COLUMN"
			  " publish_key TEXT;"
			  "ALTER TABLE plan_settings ADD COLUMN"
			  " publish_port BIGINT;",
			  err);
}

/* Version 9: who recorded each rung and when (to the minute, UTC), so
 * that an operator whose step comes second is told by whom it was
 * taken. */
static enum status migrate_rung_recorder(struct store *store, struct err *err)
{
	return store_exec(store,
			  "ALTER TABLE rung_history ADD COLUMN"
			  " recorded_by TEXT;"
			  "ALTER TABLE rung_history ADD COLUMN"
			  " recorded_at TEXT;",
			  err);
}

/* Version 10: indices for what a shared database with thousands of
 * domains and millions of report rows asks most. A domain's rung
 * history (the plan, and the step's last rung) by (domain_id, id)
 * instead of a scan of every domain's; on PostgreSQL that also keeps a
 * serializable step's read of one domain from conflicting with a step
 * of another. A domain's failure reports newest first by
 * (reported_domain, id), which the list reads in order where the index
 * on reported_domain alone made PostgreSQL sort them. The report
 * queries of the summary and the plan need nothing more: their window
 * is read through report_domain_date and report_row_report (see
 * bench/report-queries). */
static enum status migrate_query_indexes(struct store *store, struct err *err)
{
	return store_exec(store,
			  "CREATE INDEX rung_history_domain"
			  " ON rung_history(domain_id, id);"
			  "CREATE INDEX failure_report_domain_id"
			  " ON failure_report(reported_domain, id);"
			  "DROP INDEX failure_report_domain;",
			  err);
}

/* Report rows read at a time by migrate_row_auth(): memory stays
 * bounded however many rows the database holds. */
#define ROW_AUTH_PAGE 512
/* Results inserted by one statement: fewer round trips to a server,
 * well under both servers' limits on parameters. */
#define ROW_AUTH_BATCH 256

/* One result to insert, pointing into its page's strings. */
struct auth_word {
	int64_t row;
	bool dkim;
	int position;
	const char *domain, *selector, *result;
};

/* One page of (id, dkim_auth, spf_auth) rows and the results they
 * hold. */
struct auth_rows {
	int64_t ids[ROW_AUTH_PAGE];
	char *dkim[ROW_AUTH_PAGE], *spf[ROW_AUTH_PAGE];
	size_t n;
	struct auth_word *words;
	size_t nwords, cap;
};

/* Maps a row of the page. */
static void auth_rows_add(struct db_stmt *stmt, void *arg)
{
	struct auth_rows *p = arg;

	if (p->n == ROW_AUTH_PAGE)
		return;
	p->ids[p->n] = db_column_int64(stmt, 0);
	p->dkim[p->n] = store_column_str(stmt, 1);
	p->spf[p->n] = store_column_str(stmt, 2);
	p->n++;
}

/* Splits one word of a version 10 dkim_auth ("domain:selector:result")
 * or spf_auth ("domain:result") column in place; false when it does
 * not have that shape (a word the import would never have written). */
static bool auth_word_split(char *word, bool dkim, struct auth_word *w)
{
	char *c1 = strchr(word, ':');
	char *c2 = c1 && dkim ? strchr(c1 + 1, ':') : c1;

	if (!c1 || !c2 || strchr(c2 + 1, ':') || !c2[1])
		return false;
	*c1 = *c2 = '\0';
	w->domain = word;
	w->selector = dkim ? c1 + 1 : NULL;
	w->result = c2 + 1;
	return true;
}

/* Splits one row's column into the page's results, in order; counts
 * the words that are not well formed in *skipped. */
static void auth_words_split(struct auth_rows *p, int64_t row, char *text,
			     bool dkim, unsigned long *skipped)
{
	char *save = NULL;
	int position = 0;

	if (!text)
		return;
	for (char *t = strtok_r(text, " ", &save); t;
	     t = strtok_r(NULL, " ", &save)) {
		struct auth_word w = { .row = row, .dkim = dkim };

		if (!auth_word_split(t, dkim, &w)) {
			(*skipped)++;
			continue;
		}
		w.position = position++;
		p->words =
		    xgrow(p->words, &p->cap, p->nwords + 1, sizeof *p->words);
		p->words[p->nwords++] = w;
	}
}

/* Inserts n results with one statement. */
static enum status auth_words_insert(struct store *store,
				     const struct auth_word *w, size_t n,
				     struct err *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_stmt *stmt = NULL;
	enum status st;

	strbuf_addstr(&sql, "INSERT INTO report_row_auth (row_id, kind,"
			    " position, domain, selector, result) VALUES ");
	for (size_t i = 0; i < n; i++)
		strbuf_addstr(&sql, i ? ", (?, ?, ?, ?, ?, ?)"
				      : "(?, ?, ?, ?, ?, ?)");
	if ((st = store_prepare(store, &stmt, strbuf_str(&sql), err)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		int p = (int)i * 6;

		db_bind_int64(stmt, p + 1, w[i].row);
		db_bind_text(stmt, p + 2, w[i].dkim ? "dkim" : "spf");
		db_bind_int64(stmt, p + 3, w[i].position);
		db_bind_text(stmt, p + 4, w[i].domain);
		db_bind_text(stmt, p + 5, w[i].selector);
		db_bind_text(stmt, p + 6, w[i].result);
	}
	st = store_done(store, stmt, "migrating", NULL, err);
out:
	db_finalize(stmt);
	strbuf_done(&sql);
	return st;
}

/* Schema version 11: a report row's raw authentication results
 * (RFC 7489 appendix C auth_results), held until now as words in its
 * text columns dkim_auth and spf_auth, become the rows of a child
 * table, one per result in the report's order: domain ("" when the
 * reporter sent none), selector (DKIM only; "" when absent, NULL for
 * SPF) and result. The index on (domain, selector) lets a DKIM
 * rotation's evidence read only the rows that name its selectors, not
 * every row of the domain. Inside the upgrade's transaction: the words
 * move a page of rows at a time, a word that is not well formed is
 * skipped and counted (store_upgrade_skipped()), and both columns are
 * dropped (ALTER TABLE DROP COLUMN, on SQLite 3.35 and later as on
 * PostgreSQL). */
static enum status migrate_row_auth(struct store *store, struct err *err)
{
	struct auth_rows page = { .n = 0 };
	struct db_stmt *select = NULL;
	int64_t last = INT64_MIN;
	enum status st;

	if ((st = db_exec_schema(
		 store->db,
		 "CREATE TABLE report_row_auth ("
		 " row_id BIGINT NOT NULL REFERENCES report_row(id)"
		 "  ON DELETE CASCADE,"
		 " kind TEXT NOT NULL CHECK (kind IN ('dkim','spf')),"
		 " position BIGINT NOT NULL,"
		 " domain TEXT NOT NULL COLLATE NOCASE,"
		 " selector TEXT COLLATE NOCASE,"
		 " result TEXT NOT NULL,"
		 " PRIMARY KEY (row_id, kind, position));"
		 "CREATE INDEX report_row_auth_domain"
		 " ON report_row_auth(domain, selector);",
		 err)))
		return st;
	do {
		page.n = page.nwords = 0;
		if ((st = store_prepare(
			 store, &select,
			 "SELECT id, dkim_auth, spf_auth FROM report_row"
			 " WHERE id > ?1 AND (dkim_auth IS NOT NULL"
			 " OR spf_auth IS NOT NULL) ORDER BY id"
			 " LIMIT 512", /* ROW_AUTH_PAGE */
			 err)))
			break;
		db_bind_int64(select, 1, last);
		st = store_rows(store, select, auth_rows_add, &page,
				"migrating", err);
		for (size_t i = 0; i < page.n; i++) {
			auth_words_split(&page, page.ids[i], page.dkim[i], true,
					 &store->upgrade_skipped);
			auth_words_split(&page, page.ids[i], page.spf[i], false,
					 &store->upgrade_skipped);
			last = page.ids[i];
		}
		for (size_t i = 0; i < page.nwords && st == STATUS_OK;
		     i += ROW_AUTH_BATCH)
			st = auth_words_insert(store, page.words + i,
					       page.nwords - i < ROW_AUTH_BATCH
						   ? page.nwords - i
						   : ROW_AUTH_BATCH,
					       err);
		for (size_t i = 0; i < page.n; i++) {
			free(page.dkim[i]);
			free(page.spf[i]);
		}
	} while (st == STATUS_OK && page.n == ROW_AUTH_PAGE);
	free(page.words);
	if (st == STATUS_OK)
		st = store_exec(store,
				"ALTER TABLE report_row DROP COLUMN dkim_auth;"
				"ALTER TABLE report_row DROP COLUMN spf_auth;",
				err);
	return st;
}

/* Version 12: what report summary and the plan read of a domain's
 * reports, kept per day of date_begin (UTC) as each report is imported
 * (report_store.c), so that their window is read from a few rows a day
 * instead of every report row. report_day holds a day's totals (the
 * reports with records, their messages, the aligned and the disposed of
 * ones); report_day_source the same day by (source address, return-path
 * domain, '' for none), with the failing messages a receiver saw
 * forwarded and those whose SPF passed unaligned. Both are filled here
 * from the rows already stored, in the migration's transaction: the
 * reason types forwarded, mailing_list, trusted_forwarder (RFC 7489 C,
 * any case) or ARC named (RFC 8617) make a message forwarded, an SPF
 * auth result pass (RFC 7489 C) it "SPF passed", as the import counts
 * them. */
static enum status migrate_report_days(struct store *store, struct err *err)
{
	static const char schema[] =
	    "CREATE TABLE report_day ("
	    " domain TEXT NOT NULL COLLATE NOCASE,"
	    " day BIGINT NOT NULL,"
	    " reports BIGINT NOT NULL, n BIGINT NOT NULL,"
	    " pass BIGINT NOT NULL, spf BIGINT NOT NULL, dkim BIGINT NOT NULL,"
	    " quarantined BIGINT NOT NULL, rejected BIGINT NOT NULL,"
	    " PRIMARY KEY (domain, day))@KEYED@;"
	    "CREATE TABLE report_day_source ("
	    " domain TEXT NOT NULL COLLATE NOCASE,"
	    " day BIGINT NOT NULL,"
	    " source_ip TEXT NOT NULL,"
	    " envelope_from TEXT NOT NULL,"
	    " n BIGINT NOT NULL, pass BIGINT NOT NULL, spf BIGINT NOT NULL,"
	    " dkim BIGINT NOT NULL, fwd BIGINT NOT NULL,"
	    " unaligned BIGINT NOT NULL,"
	    " PRIMARY KEY (domain, day, source_ip, envelope_from))@KEYED@;";
	static const char sql_report_day_fill[] =
	    "INSERT INTO report_day (domain, day, reports, n, pass, spf, dkim,"
	    " quarantined, rejected)"
	    " SELECT r.domain, r.date_begin / 86400, count(DISTINCT r.id),"
	    " sum(w.count),"
	    " sum(CASE WHEN w.dkim_aligned <> 0 OR w.spf_aligned <> 0"
	    "  THEN w.count ELSE 0 END),"
	    " sum(CASE WHEN w.spf_aligned <> 0 THEN w.count ELSE 0 END),"
	    " sum(CASE WHEN w.dkim_aligned <> 0 THEN w.count ELSE 0 END),"
	    " sum(CASE WHEN w.disposition = 'quarantine' THEN w.count"
	    "  ELSE 0 END),"
	    " sum(CASE WHEN w.disposition = 'reject' THEN w.count ELSE 0 END)"
	    " FROM report r JOIN report_row w ON w.report = r.id"
	    " GROUP BY r.domain, r.date_begin / 86400";
	static const char sql_report_day_source_fill[] =
	    "INSERT INTO report_day_source (domain, day, source_ip,"
	    " envelope_from, n, pass, spf, dkim, fwd, unaligned)"
	    " SELECT r.domain, r.date_begin / 86400, w.source_ip,"
	    " coalesce(w.envelope_from, ''), sum(w.count),"
	    " sum(CASE WHEN w.dkim_aligned <> 0 OR w.spf_aligned <> 0"
	    "  THEN w.count ELSE 0 END),"
	    " sum(CASE WHEN w.spf_aligned <> 0 THEN w.count ELSE 0 END),"
	    " sum(CASE WHEN w.dkim_aligned <> 0 THEN w.count ELSE 0 END),"
	    " sum(CASE WHEN w.dkim_aligned = 0 AND w.spf_aligned = 0 AND"
	    "  (w.arc <> 0 OR ',' || lower(w.reasons) || ',' LIKE"
	    "  '%,forwarded,%' OR ',' || lower(w.reasons) || ',' LIKE"
	    "  '%,mailing\\_list,%' ESCAPE '\\' OR ',' || lower(w.reasons)"
	    "  || ',' LIKE '%,trusted\\_forwarder,%' ESCAPE '\\')"
	    "  THEN w.count ELSE 0 END),"
	    " sum(CASE WHEN w.spf_aligned = 0 AND EXISTS (SELECT 1 FROM"
	    "  report_row_auth a WHERE a.row_id = w.id AND a.kind = 'spf'"
	    "  AND a.result = 'pass') THEN w.count ELSE 0 END)"
	    " FROM report r JOIN report_row w ON w.report = r.id"
	    " GROUP BY r.domain, r.date_begin / 86400, w.source_ip,"
	    " coalesce(w.envelope_from, '')";
	enum status st;

	if ((st = db_exec_schema(store->db, schema, err)) ||
	    (st = store_exec(store, sql_report_day_fill, err)))
		return st;
	return store_exec(store, sql_report_day_source_fill, err);
}

/* Takes the schema from the version it is at to this build's, in one
 * transaction; store->db is locked against other processes doing the
 * same. */
static enum status store_upgrade(struct store *store, struct err *err)
{
	int version = 0;
	enum status st;

	if ((st = store_begin(store, err)))
		return st;
	/* Again inside the lock: another process may have done it. */
	if ((st = db_schema_version(store->db, &version, err)))
		goto fail;
	if (version > STORE_SCHEMA_VERSION) {
		st = err_set(err, STATUS_UNSUPPORTED,
			     _("%s: database schema %d is newer than this "
			       "dmarcpilot understands (%d)"),
			     store->path, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (version == STORE_SCHEMA_VERSION)
		goto fail; /* nothing to do: st is STATUS_OK */
	if (version < 1) {
		if ((st = db_schema_create(store->db, err)) ||
		    (st = db_exec_schema(store->db, schema_state_v1, err)) ||
		    (st = db_exec_schema(store->db, schema_reports_v1, err)))
			goto fail;
	}
	if (version < 2 && (st = migrate_v2(store, err)))
		goto fail;
	if (version < 3 &&
	    (st = db_exec_schema(store->db, schema_mailbox_v3, err)))
		goto fail;
	if (version < 4 && (st = migrate_reverse_names(store, err)))
		goto fail;
	if (version < 5 && (st = migrate_verify_servers(store, err)))
		goto fail;
	if (version < 6 && (st = migrate_dkim_rotation(store, err)))
		goto fail;
	if (version < 7 && (st = migrate_monitor(store, err)))
		goto fail;
	if (version < 8 && (st = migrate_publish(store, err)))
		goto fail;
	if (version < 9 && (st = migrate_rung_recorder(store, err)))
		goto fail;
	if (version < 10 && (st = migrate_query_indexes(store, err)))
		goto fail;
	if (version < 11 && (st = migrate_row_auth(store, err)))
		goto fail;
	if (version < 12 && (st = migrate_report_days(store, err)))
		goto fail;
	/* Later versions: if (version < 13) { ... } */
	if ((st = db_schema_version_set(store->db, STORE_SCHEMA_VERSION, err)))
		goto fail;
	return store_commit(store, err);
fail:
	store_rollback(store);
	return st;
}

/* Applies the statements that take the schema from version i to i+1,
 * unless it is this build's already. */
static enum status store_migrate(struct store *store, struct err *err)
{
	int version = 0;
	enum status st;

	if ((st = db_schema_version(store->db, &version, err)))
		return st;
	if (version == STORE_SCHEMA_VERSION)
		return STATUS_OK;
	if ((st = db_schema_lock(store->db, err)))
		return st;
	st = store_upgrade(store, err);
	db_schema_unlock(store->db);
	return st;
}

/* ---------------------------------------------------------------- SQL
 * The helpers every repository of the store runs its statements with
 * (state_internal.h). */

/* Prepares one statement. */
enum status store_prepare(struct store *store, struct db_stmt **stmt,
			  const char *sql, struct err *err)
{
	return db_prepare(store->db, sql, stmt, err);
}

/* Binds a day as "YYYY-MM-DD", or DATE_NONE as NULL. */
void store_bind_date(struct db_stmt *stmt, int i, date_t day)
{
	char buf[DATE_BUFSIZE];

	if (day == DATE_NONE)
		db_bind_null(stmt, i);
	else
		db_bind_text(stmt, i, date_format(day, buf));
}

/* A column as an owned string. */
char *store_column_str(struct db_stmt *stmt, int i)
{
	const char *s = db_column_text(stmt, i);

	return s ? xstrdup(s) : NULL;
}

/* A column holding a day. */
date_t store_column_date(struct db_stmt *stmt, int i)
{
	const char *s = db_column_text(stmt, i);
	date_t day;

	if (!s || !date_parse(s, &day))
		return DATE_NONE;
	return day;
}

/* Words the failure of a step. */
enum status store_step_error(struct store *store, struct db_stmt *stmt,
			     struct err *failed, const char *what,
			     const char *what_exists, struct err *err)
{
	const char *msg = err_message(failed);
	size_t n = strlen(store->path);
	enum status st;

	/* The backend's message starts with the database's name. */
	if (strncmp(msg, store->path, n) == 0 && msg[n] == ':' &&
	    msg[n + 1] == ' ')
		msg += n + 2;
	switch (db_stmt_failure(stmt)) {
	case DB_UNIQUE:
		if (what_exists) {
			st = err_set(err, STATUS_EXISTS, "%s: %s", store->path,
				     what_exists);
			break;
		}
		/* fall through */
	default:
		st = err_set(err, STATUS_DB, "%s: %s: %s", store->path, what,
			     msg);
		break;
	case DB_CONFLICT:
		st = err_set(err, STATUS_REFUSED,
			     _("%s: %s: another dmarcpilot changed the same "
			       "data at the same time; run the command "
			       "again"),
			     store->path, what);
		break;
	}
	err_done(failed);
	return st;
}

/* Runs a statement without rows. */
enum status store_done(struct store *store, struct db_stmt *stmt,
		       const char *what, const char *what_exists,
		       struct err *err)
{
	struct err failed = ERR_INIT;
	enum db_step rc;

	while ((rc = db_step(stmt, &failed)) == DB_ROW)
		;
	if (rc == DB_DONE)
		return STATUS_OK;
	return store_step_error(store, stmt, &failed, what, what_exists, err);
}

/* Runs a statement up to its first row. */
enum status store_first(struct store *store, struct db_stmt *stmt, bool *found,
			const char *what, struct err *err)
{
	struct err failed = ERR_INIT;
	enum db_step rc = db_step(stmt, &failed);

	*found = rc == DB_ROW;
	if (rc == DB_ERROR)
		return store_step_error(store, stmt, &failed, what, NULL, err);
	return STATUS_OK;
}

/* Runs an INSERT ... RETURNING id. */
enum status store_insert(struct store *store, struct db_stmt *stmt,
			 const char *what, const char *what_exists, int64_t *id,
			 struct err *err)
{
	struct err failed = ERR_INIT;
	enum db_step rc;

	while ((rc = db_step(stmt, &failed)) == DB_ROW)
		if (id)
			*id = db_column_int64(stmt, 0);
	if (rc == DB_DONE)
		return STATUS_OK;
	return store_step_error(store, stmt, &failed, what, what_exists, err);
}

/* Steps a statement through its rows. */
enum status store_rows(struct store *store, struct db_stmt *stmt,
		       store_row_fn map, void *arg, const char *what,
		       struct err *err)
{
	struct err failed = ERR_INIT;
	enum status st = STATUS_OK;
	enum db_step rc;

	while ((rc = db_step(stmt, &failed)) == DB_ROW)
		map(stmt, arg);
	if (rc != DB_DONE)
		st = store_step_error(store, stmt, &failed, what, NULL, err);
	db_finalize(stmt);
	return st;
}

/* Looks up a domain's row id inside whatever transaction is open. */
enum status state_domain_lookup(struct store *store, const char *name,
				int64_t *id, struct err *err)
{
	struct db_stmt *stmt = NULL;
	struct err failed = ERR_INIT;
	char *norm = dname_normalize(name, STATE_NAME_FLAGS);
	enum status st;
	enum db_step rc;

	if ((st = store_prepare(store, &stmt,
				"SELECT id FROM domain WHERE name = ?1", err)))
		goto out;
	db_bind_text(stmt, 1, norm);
	rc = db_step(stmt, &failed);
	if (rc == DB_ROW) {
		*id = db_column_int64(stmt, 0);
		st = STATUS_OK;
	} else if (rc == DB_DONE) {
		char *clean = text_clean_str(name);

		st = err_set(err, STATUS_NOT_FOUND,
			     _("%s: no domain %s (add it with: dmarcpilot "
			       "domain add %s)"),
			     store_path(store), clean, clean);
		free(clean);
	} else {
		st = store_step_error(store, stmt, &failed,
				      _("looking up a domain"), NULL, err);
	}
out:
	db_finalize(stmt);
	free(norm);
	return st;
}

/* What store_list() hands store_rows() for each row. */
struct list_fill {
	struct state_items *items;
	size_t size;
	store_item_fn map;
};

/* Maps a row into the next item, or takes the item back. */
static void list_item(struct db_stmt *stmt, void *arg)
{
	struct list_fill *fill = arg;
	struct state_items *it = fill->items;
	char *item;

	it->v = xgrow(it->v, &it->cap, it->n + 1, fill->size);
	item = (char *)it->v + it->n * fill->size;
	memset(item, 0, fill->size);
	if (fill->map(stmt, item))
		it->n++;
}

/* Lists rows into an array of items. */
enum status store_list(struct store *store, const char *domain, const char *sql,
		       size_t size, store_item_fn map,
		       struct state_items *items, const char *what,
		       struct err *err)
{
	struct list_fill fill = { items, size, map };
	struct db_stmt *stmt = NULL;
	int64_t domain_id = 0;
	enum status st;

	if (domain &&
	    (st = state_domain_lookup(store, domain, &domain_id, err)))
		return st;
	if ((st = store_prepare(store, &stmt, sql, err)))
		return st;
	if (domain)
		db_bind_int64(stmt, 1, domain_id);
	return store_rows(store, stmt, list_item, &fill, what, err);
}

/* Whether a concurrent transaction won. */
bool store_conflicted(struct store *store)
{
	return db_failure(store->db) == DB_CONFLICT;
}

/* Finishes a change: commits on success, rolls back otherwise. */
enum status state_finish(struct store *store, enum status st, struct err *err)
{
	if (st == STATUS_OK)
		return store_commit(store, err);
	store_rollback(store);
	return st;
}

/* ---------------------------------------------------------------- open */

/* Creates the directory that holds the database. */
static enum status store_mkdir_parent(const char *path, struct err *err)
{
	char *copy = xstrdup(path);
	char *dir = dirname(copy);
	enum status st = STATUS_OK;
	char *p;

	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			st = err_set(err, STATUS_IO, "%s: %s", dir,
				     strerror(errno));
			goto out;
		}
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		st = err_set(err, STATUS_IO, "%s: %s", dir, strerror(errno));
out:
	free(copy);
	return st;
}

/* Whether the target is a server. */
bool store_target_is_server(const char *target)
{
	return db_target_is_postgres(target);
}

/* The target's name for messages. */
char *store_target_name(const char *target)
{
	return db_target_name(target);
}

/* Whether the target holds a password. */
bool store_target_has_password(const char *target)
{
	return db_target_has_password(target);
}

/* Opens and migrates the database. */
enum status store_open(struct store **out, const char *target, struct err *err)
{
	struct store *store = xcalloc(1, sizeof *store);
	enum status st;

	*out = NULL;
	if (!db_target_is_postgres(target) &&
	    (st = store_mkdir_parent(target, err)))
		goto fail;
	if ((st = db_open(&store->db, target, err)))
		goto fail;
	store->path = xstrdup(db_name(store->db));
	store->seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	if ((st = store_migrate(store, err)))
		goto fail;
	*out = store;
	return STATUS_OK;
fail:
	store_close(store);
	return st;
}

/* Words of the old text columns the last upgrade left out. */
unsigned long store_upgrade_skipped(const struct store *store)
{
	return store->upgrade_skipped;
}

/* Closes the database. */
void store_close(struct store *store)
{
	if (!store)
		return;
	db_close(store->db);
	free(store->path);
	free(store);
}

/* The connection. */
struct db *store_conn(struct store *store)
{
	return store->db;
}

/* The database's name. */
const char *store_path(const struct store *store)
{
	return store->path;
}

/* Runs statements that return no rows. */
enum status store_exec(struct store *store, const char *sql, struct err *err)
{
	return db_exec(store->db, sql, err);
}

/* A throwaway database's commits skip the wait for the disk. */
enum status store_throwaway(struct store *store, struct err *err)
{
	return db_durable(store->db, false, err);
}

/* One file, no write-ahead log beside it. */
enum status store_single_file(struct store *store, struct err *err)
{
	return db_single_file(store->db, err);
}

/* Starts a write transaction. */
enum status store_begin(struct store *store, struct err *err)
{
	return db_begin(store->db, err);
}

/* Commits the transaction. */
enum status store_commit(struct store *store, struct err *err)
{
	return db_commit(store->db, err);
}

/* Abandons the transaction. */
void store_rollback(struct store *store)
{
	db_rollback(store->db);
}

/* Waits before attempt (from 1): about 2^attempt ms, at most
 * STORE_TRANSACT_PAUSE_MS, at a random point of the second half, so
 * that two writers that lost to each other do not meet again. */
static void transact_pause(struct store *store, int attempt)
{
	long ms = 1L << (attempt < 6 ? attempt : 6);
	struct timespec ts;
	long ns;

	if (ms > STORE_TRANSACT_PAUSE_MS)
		ms = STORE_TRANSACT_PAUSE_MS;
	ns = ms * 500000L + (long)(rand_r(&store->seed) % (ms * 500000L + 1));
	ts.tv_sec = ns / 1000000000L;
	ts.tv_nsec = ns % 1000000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One attempt: begins, runs fn, commits or rolls back; *again says
 * whether it lost a race that another attempt may win. */
static enum status transact_once(struct store *store, store_change_fn fn,
				 void *arg, bool *again, struct err *err)
{
	enum status st;

	/* A transaction that could not begin is not run again: SQLite's
	 * busy timeout has waited for the write lock already. */
	*again = false;
	if ((st = db_begin(store->db, err)) != STATUS_OK)
		return st;
	if ((st = fn(store, arg, err)) == STATUS_OK &&
	    (st = db_commit(store->db, err)) == STATUS_OK)
		return STATUS_OK;
	*again = store_conflicted(store);
	db_rollback(store->db);
	return st;
}

/* Runs a change in a write transaction, again while it loses races. */
enum status store_transact(struct store *store, store_change_fn fn, void *arg,
			   struct err *err)
{
	enum status st;
	bool again;

	for (int attempt = 1;; attempt++) {
		st = transact_once(store, fn, arg, &again, err);
		if (st == STATUS_OK || !again)
			return st;
		if (attempt == STORE_TRANSACT_ATTEMPTS)
			break;
		err_done(err);
		store->retries++;
		transact_pause(store, attempt);
	}
	/* The last attempt lost as well. */
	err_done(err);
	return err_set(err, STATUS_REFUSED,
		       _("%s: another dmarcpilot changed the same data at "
			 "the same time, %d times in a row; run the command "
			 "again"),
		       store->path, STORE_TRANSACT_ATTEMPTS);
}

/* How many transactions were run again. */
unsigned store_retries(const struct store *store)
{
	return store->retries;
}

/* The XDG location of the database. */
char *store_default_path(void)
{
	return xdg_path(XDG_DATA, "dmarcpilot.db");
}
