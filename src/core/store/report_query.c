/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store/report_query.h"
#include "store/state_internal.h"

/* Per-day totals of the window, with the dispositions the receivers
 * applied (RFC 7489 7.2.1.1 policy_evaluated): the rows of report_day
 * that the import keeps, one a day, read in order from its key. */
static const char sql_days[] =
    "SELECT day, n, pass, spf, dkim, reports, quarantined, rejected"
    " FROM report_day WHERE domain = ?1 AND day >= ?2 AND day < ?3"
    " ORDER BY day";

/* Per-source totals, largest first, from the per-day sums of
 * report_day_source (a few rows a source and day, however many reports
 * and records went into them). The days of the window are summed by
 * (source, return-path domain) into g; the sources are g summed again,
 * and each one's most common return-path domain is the first of its g
 * rows by volume (then by name, so that ties always give the same
 * answer); '' stands for none. */
static const char sql_sources[] =
    "WITH g AS MATERIALIZED ("
    " SELECT source_ip AS ip, envelope_from AS ef, sum(n) AS n,"
    "  sum(pass) AS pass, sum(spf) AS spf, sum(dkim) AS dkim,"
    "  sum(fwd) AS fwd, sum(unaligned) AS unaligned"
    " FROM report_day_source"
    " WHERE domain = ?1 AND day >= ?2 AND day < ?3"
    " GROUP BY source_ip, envelope_from),"
    " s AS (SELECT ip, sum(n) AS n, sum(pass) AS pass, sum(spf) AS spf,"
    "  sum(dkim) AS dkim, sum(fwd) AS fwd, sum(unaligned) AS unaligned"
    "  FROM g GROUP BY ip),"
    " e AS (SELECT ip, ef FROM (SELECT ip, ef, row_number() OVER"
    "  (PARTITION BY ip ORDER BY n DESC, ef) AS k FROM g"
    "  WHERE ef <> '') AS ranked WHERE k = 1)"
    " SELECT s.ip, s.n, s.pass, s.spf, s.dkim, s.fwd, s.unaligned, e.ef"
    " FROM s LEFT JOIN e ON e.ip = s.ip ORDER BY s.n DESC, s.ip";

/* The callbacks of the two queries and their argument. */
struct day_cb {
	report_day_fn fn;
	void *arg;
};

struct source_cb {
	report_source_fn fn;
	void *arg;
};

/* Reads the four totals columns starting at column col. */
static void totals_read(struct db_stmt *stmt, int col, struct report_totals *t)
{
	t->messages = db_column_int64(stmt, col);
	t->dmarc_pass = db_column_int64(stmt, col + 1);
	t->spf_aligned = db_column_int64(stmt, col + 2);
	t->dkim_aligned = db_column_int64(stmt, col + 3);
}

/* Prepares sql and binds the domain and the window, as days since
 * 1970 (the days of date_begin the import keys its sums on): a window
 * is whole days, so the sums hold exactly the reports it holds. */
static enum status window_prepare(struct store *store, const char *sql,
				  const char *domain, date_t since,
				  date_t until, struct db_stmt **stmt,
				  struct err *err)
{
	enum status st = store_prepare(store, stmt, sql, err);

	if (st != STATUS_OK)
		return st;
	db_bind_text(*stmt, 1, domain);
	db_bind_int64(*stmt, 2, since == DATE_NONE ? INT64_MIN : since);
	db_bind_int64(*stmt, 3,
		      until == DATE_NONE ? INT64_MAX : (int64_t)until + 1);
	return STATUS_OK;
}

/* Maps a row of sql_days. */
static void day_row(struct db_stmt *stmt, void *arg)
{
	const struct day_cb *cb = arg;
	struct report_day d;

	d.day = (date_t)db_column_int64(stmt, 0);
	totals_read(stmt, 1, &d.t);
	d.reports = db_column_int64(stmt, 5);
	d.quarantined = db_column_int64(stmt, 6);
	d.rejected = db_column_int64(stmt, 7);
	cb->fn(cb->arg, &d);
}

/* Runs sql_days. */
enum status report_query_days(struct store *store, const char *domain,
			      date_t since, date_t until, report_day_fn fn,
			      void *arg, struct err *err)
{
	struct day_cb cb = { fn, arg };
	struct db_stmt *stmt = NULL;
	enum status st;

	st = window_prepare(store, sql_days, domain, since, until, &stmt, err);
	if (st != STATUS_OK)
		return st;
	return store_rows(store, stmt, day_row, &cb, "reading report days",
			  err);
}

/* Maps a row of sql_sources. */
static void source_row(struct db_stmt *stmt, void *arg)
{
	const struct source_cb *cb = arg;
	const char *ip = db_column_text(stmt, 0);
	struct report_source s;

	s.ip = ip ? ip : "";
	totals_read(stmt, 1, &s.t);
	s.forwarded = db_column_int64(stmt, 5);
	s.spf_pass_unaligned = db_column_int64(stmt, 6);
	s.envelope_from = db_column_text(stmt, 7);
	cb->fn(cb->arg, &s);
}

/* Runs sql_sources. */
enum status report_query_sources(struct store *store, const char *domain,
				 date_t since, date_t until,
				 report_source_fn fn, void *arg,
				 struct err *err)
{
	struct source_cb cb = { fn, arg };
	struct db_stmt *stmt = NULL;
	enum status st;

	st = window_prepare(store, sql_sources, domain, since, until, &stmt,
			    err);
	if (st != STATUS_OK)
		return st;
	return store_rows(store, stmt, source_row, &cb,
			  "reading report sources", err);
}

/* The counts of one domain: both through their domain indices. */
static const char sql_counts[] =
    "SELECT (SELECT count(*) FROM report WHERE domain = ?1),"
    " (SELECT count(*) FROM failure_report WHERE reported_domain = ?1)";

/* Maps the row of sql_counts. */
static void counts_row(struct db_stmt *stmt, void *arg)
{
	struct report_counts *c = arg;

	c->reports = db_column_int64(stmt, 0);
	c->failures = db_column_int64(stmt, 1);
}

/* Runs sql_counts. */
enum status report_query_counts(struct store *store, const char *domain,
				struct report_counts *out, struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	out->reports = out->failures = 0;
	if ((st = store_prepare(store, &stmt, sql_counts, err)))
		return st;
	db_bind_text(stmt, 1, domain);
	return store_rows(store, stmt, counts_row, out, "counting reports",
			  err);
}

/* The failure reports of a domain, newest first: the domain index holds
 * them in id order, so no sort. */
static const char sql_failures[] =
    "SELECT id, feedback_type, source_ip, auth_failure, original_from,"
    " original_mail_from, dkim_domain, dkim_selector, spf_domain,"
    " arrival, delivery_result, original_message_id, source, imported"
    " FROM failure_report WHERE reported_domain = ?1"
    " ORDER BY id DESC LIMIT ?2";

/* The callback of sql_failures and its argument. */
struct failure_cb {
	report_failure_fn fn;
	void *arg;
};

/* A text column, or NULL. */
static const char *column_str(struct db_stmt *stmt, int i)
{
	return db_column_text(stmt, i);
}

/* Maps a row of sql_failures. */
static void failure_row(struct db_stmt *stmt, void *arg)
{
	const struct failure_cb *cb = arg;
	struct report_failure_row f;

	f.id = db_column_int64(stmt, 0);
	f.feedback_type = column_str(stmt, 1);
	f.source_ip = column_str(stmt, 2);
	f.auth_failure = column_str(stmt, 3);
	f.original_from = column_str(stmt, 4);
	f.original_mail_from = column_str(stmt, 5);
	f.dkim_domain = column_str(stmt, 6);
	f.dkim_selector = column_str(stmt, 7);
	f.spf_domain = column_str(stmt, 8);
	f.arrival = column_str(stmt, 9);
	f.delivery_result = column_str(stmt, 10);
	f.original_message_id = column_str(stmt, 11);
	f.source = column_str(stmt, 12);
	f.imported = column_str(stmt, 13);
	cb->fn(cb->arg, &f);
}

/* Runs sql_failures. */
enum status report_query_failures(struct store *store, const char *domain,
				  size_t limit, report_failure_fn fn, void *arg,
				  struct err *err)
{
	struct failure_cb cb = { fn, arg };
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt, sql_failures, err)))
		return st;
	db_bind_text(stmt, 1, domain);
	db_bind_int64(stmt, 2, limit ? (int64_t)limit : INT64_MAX);
	return store_rows(store, stmt, failure_row, &cb,
			  "reading failure reports", err);
}
