/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store/report_query.h"
#include "store/state_internal.h"

/* Per-day totals of the window. */
static const char sql_days[] =
    "SELECT r.date_begin / 86400 AS day, sum(w.count),"
    " sum(CASE WHEN w.dkim_aligned OR w.spf_aligned THEN w.count ELSE 0"
    "  END),"
    " sum(CASE WHEN w.spf_aligned THEN w.count ELSE 0 END),"
    " sum(CASE WHEN w.dkim_aligned THEN w.count ELSE 0 END),"
    " count(DISTINCT r.id)"
    " FROM report r JOIN report_row w ON w.report = r.id"
    " WHERE r.domain = ?1 AND r.date_begin >= ?2 AND r.date_begin < ?3"
    " GROUP BY day ORDER BY day";

/* RFC 7489 C: reason types forwarded, mailing_list, trusted_forwarder
 * (RFC 9990 4 keeps them), and ARC named in the comment (RFC 8617). */
#define FORWARDED_SQL                                                          \
	"(w.arc OR ',' || w.reasons || ',' LIKE '%,forwarded,%' OR"            \
	" ',' || w.reasons || ',' LIKE '%,mailing_list,%' OR"                  \
	" ',' || w.reasons || ',' LIKE '%,trusted_forwarder,%')"

/* Per-source totals, largest first. */
static const char sql_sources[] =
    "SELECT w.source_ip, sum(w.count),"
    " sum(CASE WHEN w.dkim_aligned OR w.spf_aligned THEN w.count ELSE 0"
    "  END),"
    " sum(CASE WHEN w.spf_aligned THEN w.count ELSE 0 END),"
    " sum(CASE WHEN w.dkim_aligned THEN w.count ELSE 0 END),"
    " sum(CASE WHEN NOT (w.dkim_aligned OR w.spf_aligned) AND " FORWARDED_SQL
    " THEN w.count ELSE 0 END),"
    " sum(CASE WHEN NOT w.spf_aligned AND ' ' || w.spf_auth LIKE"
    "  '%:pass%' THEN w.count ELSE 0 END),"
    " (SELECT x.envelope_from FROM report_row x JOIN report y"
    "  ON x.report = y.id WHERE x.source_ip = w.source_ip AND"
    "  y.domain = ?1 AND x.envelope_from IS NOT NULL"
    "  GROUP BY x.envelope_from ORDER BY sum(x.count) DESC LIMIT 1)"
    " FROM report r JOIN report_row w ON w.report = r.id"
    " WHERE r.domain = ?1 AND r.date_begin >= ?2 AND r.date_begin < ?3"
    " GROUP BY w.source_ip ORDER BY 2 DESC, w.source_ip";

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
static void totals_read(sqlite3_stmt *stmt, int col, struct report_totals *t)
{
	t->messages = sqlite3_column_int64(stmt, col);
	t->dmarc_pass = sqlite3_column_int64(stmt, col + 1);
	t->spf_aligned = sqlite3_column_int64(stmt, col + 2);
	t->dkim_aligned = sqlite3_column_int64(stmt, col + 3);
}

/* Prepares sql and binds the domain and the window. */
static enum status window_prepare(struct store *store, const char *sql,
				  const char *domain, date_t since,
				  date_t until, sqlite3_stmt **stmt,
				  struct err *err)
{
	enum status st = state_stmt_prepare(store, stmt, sql, err);

	if (st != STATUS_OK)
		return st;
	sqlite3_bind_text(*stmt, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(*stmt, 2,
			   since == DATE_NONE ? INT64_MIN
					      : (int64_t)date_to_time(since));
	sqlite3_bind_int64(*stmt, 3,
			   until == DATE_NONE
			       ? INT64_MAX
			       : (int64_t)date_to_time(until) + 86400);
	return STATUS_OK;
}

/* Maps a row of sql_days. */
static void day_row(sqlite3_stmt *stmt, void *arg)
{
	const struct day_cb *cb = arg;
	struct report_day d;

	d.day = (date_t)sqlite3_column_int64(stmt, 0);
	totals_read(stmt, 1, &d.t);
	d.reports = sqlite3_column_int64(stmt, 5);
	cb->fn(cb->arg, &d);
}

/* Runs sql_days. */
enum status report_query_days(struct store *store, const char *domain,
			      date_t since, date_t until, report_day_fn fn,
			      void *arg, struct err *err)
{
	struct day_cb cb = { fn, arg };
	sqlite3_stmt *stmt = NULL;
	enum status st;

	st = window_prepare(store, sql_days, domain, since, until, &stmt, err);
	if (st != STATUS_OK)
		return st;
	return state_rows(store, stmt, day_row, &cb, "reading report days",
			  err);
}

/* Maps a row of sql_sources. */
static void source_row(sqlite3_stmt *stmt, void *arg)
{
	const struct source_cb *cb = arg;
	const char *ip = (const char *)sqlite3_column_text(stmt, 0);
	struct report_source s;

	s.ip = ip ? ip : "";
	totals_read(stmt, 1, &s.t);
	s.forwarded = sqlite3_column_int64(stmt, 5);
	s.spf_pass_unaligned = sqlite3_column_int64(stmt, 6);
	s.envelope_from = (const char *)sqlite3_column_text(stmt, 7);
	cb->fn(cb->arg, &s);
}

/* Runs sql_sources. */
enum status report_query_sources(struct store *store, const char *domain,
				 date_t since, date_t until,
				 report_source_fn fn, void *arg,
				 struct err *err)
{
	struct source_cb cb = { fn, arg };
	sqlite3_stmt *stmt = NULL;
	enum status st;

	st = window_prepare(store, sql_sources, domain, since, until, &stmt,
			    err);
	if (st != STATUS_OK)
		return st;
	return state_rows(store, stmt, source_row, &cb,
			  "reading report sources", err);
}
