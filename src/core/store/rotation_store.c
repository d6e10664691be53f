/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The repository of tracked DKIM rotations (rotation_store.h). */
#include "config.h"

#include "store/rotation_store.h"

#include <stdlib.h>
#include <string.h>

#include "store/state_internal.h"
#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Frees a record's strings. */
void rotation_record_done(struct rotation_record *r)
{
	free(r->old_selector);
	free(r->old_algorithm);
	free(r->old_path);
	free(r->new_selector);
	free(r->new_algorithm);
	free(r->new_path);
	memset(r, 0, sizeof *r);
}

/* Inserts the new key's row inside the caller's transaction. */
static enum status key_insert(struct store *store, int64_t domain_id,
			      const struct state_dkim_key *key, struct err *err)
{
	struct db_stmt *stmt = NULL;
	char *exists;
	enum status st;

	if ((st = store_prepare(
		 store, &stmt,
		 "INSERT INTO dkim_key(domain_id, selector, algorithm,"
		 " bits, key_path, created) VALUES (?1, ?2, ?3, ?4, ?5,"
		 " ?6)",
		 err)))
		return st;
	db_bind_int64(stmt, 1, domain_id);
	db_bind_text(stmt, 2, key->selector);
	db_bind_text(stmt, 3, key->algorithm);
	db_bind_int64(stmt, 4, key->bits);
	db_bind_text(stmt, 5, key->key_path);
	store_bind_date(stmt, 6, key->created);
	exists = xasprintf(_("selector %s is already there"), key->selector);
	st = store_done(store, stmt, _("adding a DKIM key"), exists, err);
	free(exists);
	db_finalize(stmt);
	return st;
}

/* A rotation's change, made by store_transact(). */
struct rotation_change {
	const char *domain;
	const struct state_dkim_key *key;
	const struct rotation_record *r;
	enum dkim_rotation_phase phase;
	date_t day;
	int days;
};

/* Inserts the rotation and its new key. */
static enum status start_run(struct store *store, void *arg, struct err *err)
{
	const struct rotation_change *a = arg;
	const struct rotation_record *r = a->r;
	struct db_stmt *stmt = NULL;
	int64_t domain_id;
	enum status st;

	if ((st = state_domain_lookup(store, a->domain, &domain_id, err)) ||
	    (st = key_insert(store, domain_id, a->key, err)))
		goto out;
	if ((st = store_prepare(
		 store, &stmt,
		 "INSERT INTO dkim_rotation(domain_id, old_selector,"
		 " new_selector, keep_old, silent_days, phase, started)"
		 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		 err)))
		goto out;
	db_bind_int64(stmt, 1, domain_id);
	db_bind_text(stmt, 2, r->old_selector);
	db_bind_text(stmt, 3, r->new_selector);
	db_bind_int64(stmt, 4, r->keep_old);
	db_bind_int64(stmt, 5, r->silent_days);
	db_bind_text(stmt, 6, dkim_rotation_phase_name(r->phase));
	store_bind_date(stmt, 7, r->started);
	/* The partial unique index allows one rotation under way. */
	st = store_done(store, stmt, _("starting a DKIM rotation"),
			_("a DKIM rotation of this domain is under way "
			  "already"),
			err);
out:
	db_finalize(stmt);
	return st;
}

/* Records a rotation and its new key. */
enum status rotation_store_start(struct store *store, const char *domain,
				 const struct state_dkim_key *key,
				 const struct rotation_record *r,
				 struct err *err)
{
	struct rotation_change a = { .domain = domain, .key = key, .r = r };

	return store_transact(store, start_run, &a, err);
}

/* Maps the row of the rotation under way, joined with both keys. */
static bool record_row(struct db_stmt *stmt, void *item)
{
	struct rotation_record *r = item;
	char *phase = store_column_str(stmt, 7);

	r->id = db_column_int64(stmt, 0);
	r->old_selector = store_column_str(stmt, 1);
	r->new_selector = store_column_str(stmt, 2);
	r->keep_old = (int)db_column_int64(stmt, 3) != 0;
	r->silent_days = (int)db_column_int64(stmt, 4);
	r->old_algorithm = store_column_str(stmt, 5);
	r->old_path = store_column_str(stmt, 6);
	if (!dkim_rotation_phase_parse(phase, &r->phase))
		r->phase = DKIM_ROTATION_GENERATED;
	free(phase);
	r->started = store_column_date(stmt, 8);
	r->published = store_column_date(stmt, 9);
	r->switched = store_column_date(stmt, 10);
	r->revoked = store_column_date(stmt, 11);
	r->finished = store_column_date(stmt, 12);
	r->new_algorithm = store_column_str(stmt, 13);
	r->new_path = store_column_str(stmt, 14);
	return true;
}

/* Reads the rotation under way. */
enum status rotation_store_current(struct store *store, const char *domain,
				   struct rotation_record *out, bool *found,
				   struct err *err)
{
	struct state_items it = STATE_ITEMS_INIT;
	struct rotation_record *rows;
	enum status st;

	memset(out, 0, sizeof *out);
	*found = false;
	st = store_list(store, domain,
			"SELECT r.id, r.old_selector, r.new_selector,"
			" r.keep_old, r.silent_days, o.algorithm, o.key_path,"
			" r.phase, r.started, r.published, r.switched,"
			" r.revoked, r.finished, n.algorithm, n.key_path"
			" FROM dkim_rotation r"
			" LEFT JOIN dkim_key o ON o.domain_id = r.domain_id"
			"  AND o.selector = r.old_selector"
			" LEFT JOIN dkim_key n ON n.domain_id = r.domain_id"
			"  AND n.selector = r.new_selector"
			" WHERE r.domain_id = ?1 AND r.phase <> 'done'",
			sizeof *out, record_row, &it,
			_("reading the DKIM rotation"), err);
	rows = it.v;
	for (size_t i = 0; i < it.n; i++) {
		if (st == STATUS_OK && i == 0) {
			*out = rows[i];
			*found = true;
		} else {
			rotation_record_done(&rows[i]);
		}
	}
	free(it.v);
	return st;
}

/* Runs one statement binding ?1 the domain id, ?2 text, ?3 a day and
 * ?4 a row id (the numbers a statement does not use are ignored). */
static enum status run3(struct store *store, const char *sql, int64_t domain_id,
			const char *text, date_t day, int64_t id,
			struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt, sql, err)))
		return st;
	db_bind_int64(stmt, 1, domain_id);
	db_bind_text(stmt, 2, text);
	store_bind_date(stmt, 3, day);
	db_bind_int64(stmt, 4, id);
	st = store_done(store, stmt, _("recording the DKIM rotation"), NULL,
			err);
	db_finalize(stmt);
	return st;
}

/* The date column a phase is entered on. */
static const char *const phase_sql[] = {
	[DKIM_ROTATION_GENERATED] = "UPDATE dkim_rotation SET phase = ?2,"
				    " started = ?3 WHERE domain_id = ?1"
				    " AND id = ?4",
	[DKIM_ROTATION_PUBLISHED] = "UPDATE dkim_rotation SET phase = ?2,"
				    " published = ?3 WHERE domain_id = ?1"
				    " AND id = ?4",
	[DKIM_ROTATION_SWITCHED] = "UPDATE dkim_rotation SET phase = ?2,"
				   " switched = ?3 WHERE domain_id = ?1"
				   " AND id = ?4",
	[DKIM_ROTATION_REVOKED] = "UPDATE dkim_rotation SET phase = ?2,"
				  " revoked = ?3 WHERE domain_id = ?1"
				  " AND id = ?4",
	[DKIM_ROTATION_DONE] = "UPDATE dkim_rotation SET phase = ?2,"
			       " finished = ?3 WHERE domain_id = ?1"
			       " AND id = ?4",
};

/* Moves the rotation's row and its keys' dates on. */
static enum status advance_run(struct store *store, void *arg, struct err *err)
{
	const struct rotation_change *a = arg;
	const struct rotation_record *r = a->r;
	enum dkim_rotation_phase phase = a->phase;
	date_t day = a->day;
	int64_t domain_id;
	enum status st;

	if ((st = state_domain_lookup(store, a->domain, &domain_id, err)) ||
	    (st = run3(store, phase_sql[phase], domain_id,
		       dkim_rotation_phase_name(phase), day, r->id, err)))
		goto out;
	if (phase == DKIM_ROTATION_PUBLISHED)
		st = run3(store,
			  "UPDATE dkim_key SET published = ?3"
			  " WHERE domain_id = ?1 AND selector = ?2",
			  domain_id, r->new_selector, day, 0, err);
	else if (phase == DKIM_ROTATION_DONE && !r->keep_old && r->old_selector)
		st = run3(store,
			  "UPDATE dkim_key SET retired = ?3"
			  " WHERE domain_id = ?1 AND selector = ?2",
			  domain_id, r->old_selector, day, 0, err);
out:
	return st;
}

/* Moves a rotation on. */
enum status rotation_store_advance(struct store *store, const char *domain,
				   const struct rotation_record *r,
				   enum dkim_rotation_phase phase, date_t day,
				   struct err *err)
{
	struct rotation_change a = {
		.domain = domain, .r = r, .phase = phase, .day = day
	};

	return store_transact(store, advance_run, &a, err);
}

/* Deletes the rotation's row and retires its new key. */
static enum status cancel_run(struct store *store, void *arg, struct err *err)
{
	const struct rotation_change *a = arg;
	const struct rotation_record *r = a->r;
	int64_t domain_id;
	enum status st;

	if ((st = state_domain_lookup(store, a->domain, &domain_id, err)) ||
	    (st = run3(store,
		       "DELETE FROM dkim_rotation WHERE domain_id = ?1"
		       " AND id = ?4",
		       domain_id, NULL, DATE_NONE, r->id, err)))
		goto out;
	/* The key's row stays, retired, so that its selector is never
	 * chosen again: a record once published may sit in caches. */
	st = run3(store,
		  "UPDATE dkim_key SET retired = ?3 WHERE domain_id = ?1"
		  " AND selector = ?2 AND retired IS NULL",
		  domain_id, r->new_selector, a->day, 0, err);
out:
	return st;
}

/* Forgets a rotation and retires its new key. */
enum status rotation_store_cancel(struct store *store, const char *domain,
				  const struct rotation_record *r, date_t today,
				  struct err *err)
{
	struct rotation_change a = { .domain = domain, .r = r, .day = today };

	return store_transact(store, cancel_run, &a, err);
}

/* Maps the interval row. */
static bool interval_row(struct db_stmt *stmt, void *item)
{
	*(int *)item = (int)db_column_int64(stmt, 0);
	return true;
}

/* Reads the interval. */
enum status rotation_store_interval_get(struct store *store, const char *domain,
					int *days, struct err *err)
{
	struct state_items it = STATE_ITEMS_INIT;
	enum status st;

	*days = DKIM_INTERVAL_BIANNUAL;
	st = store_list(store, domain,
			"SELECT days FROM dkim_rotation_interval"
			" WHERE domain_id = ?1",
			sizeof(int), interval_row, &it,
			_("reading the DKIM rotation interval"), err);
	if (st == STATUS_OK && it.n > 0 && ((int *)it.v)[0] > 0)
		*days = ((int *)it.v)[0];
	free(it.v);
	return st;
}

/* Stores the interval inside the caller's transaction. */
enum status rotation_store_interval_put(struct store *store, int64_t domain_id,
					int days, struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	if (days < 1 || days > 3650)
		return err_set(err, STATUS_USAGE,
			       _("the rotation interval must be between 1 "
				 "and 3650 days"));
	if ((st = store_prepare(
		 store, &stmt,
		 "INSERT INTO dkim_rotation_interval(domain_id, days)"
		 " VALUES (?1, ?2) ON CONFLICT (domain_id) DO UPDATE SET"
		 " days = excluded.days",
		 err)))
		return st;
	db_bind_int64(stmt, 1, domain_id);
	db_bind_int64(stmt, 2, days);
	st = store_done(store, stmt, _("storing the rotation interval"), NULL,
			err);
	db_finalize(stmt);
	return st;
}

/* The day of a UNIX time column, or DATE_NONE for NULL. */
static date_t column_day(struct db_stmt *stmt, int i)
{
	if (db_column_null(stmt, i))
		return DATE_NONE;
	return date_from_time((time_t)db_column_int64(stmt, i));
}

/* RFC 7489 appendix C: each row's auth_results name the d= and s= of
 * every signature with its result (report_row_auth). A report covers
 * [date_begin, date_end]: a selector seen in it signed on some day of
 * that range, so first use counts from date_begin and last use up to
 * the range's last second. One statement answers all three, reading
 * through report_row_auth_domain only the results that name the two
 * selectors, not every row of the domain: CROSS JOIN keeps SQLite's
 * planner to that order (to PostgreSQL it is a plain join). */
enum status rotation_store_evidence(struct store *store, const char *domain,
				    const char *old_selector,
				    const char *new_selector,
				    struct dkim_rotation_evidence *out,
				    struct err *err)
{
	char *d = text_domain_normalize(domain);
	struct db_stmt *stmt = NULL;
	bool found = false;
	enum status st;

	out->new_first_pass = out->new_last_pass = DATE_NONE;
	out->old_last_seen = out->reports_last = DATE_NONE;
	if ((st = store_prepare(
		 store, &stmt,
		 "SELECT MIN(CASE WHEN a.selector = ?2 AND a.result = 'pass'"
		 "  THEN r.date_begin END),"
		 " MAX(CASE WHEN a.selector = ?2 AND a.result = 'pass'"
		 "  THEN r.date_end END) - 1,"
		 " MAX(CASE WHEN a.selector = ?3 THEN r.date_end END) - 1,"
		 " (SELECT MAX(date_end) - 1 FROM report"
		 "  WHERE domain = ?1 COLLATE NOCASE)"
		 " FROM report_row_auth a CROSS JOIN report_row w"
		 " CROSS JOIN report r"
		 " WHERE a.domain = ?1 AND a.selector IN (?2, ?3)"
		 " AND a.kind = 'dkim' AND w.id = a.row_id"
		 " AND r.id = w.report AND r.domain = ?1 COLLATE NOCASE",
		 err)))
		goto out;
	db_bind_text(stmt, 1, d);
	db_bind_text(stmt, 2, new_selector);
	db_bind_text(stmt, 3, old_selector);
	st =
	    store_first(store, stmt, &found, _("reading report evidence"), err);
	if (found) {
		out->new_first_pass = column_day(stmt, 0);
		out->new_last_pass = column_day(stmt, 1);
		out->old_last_seen = column_day(stmt, 2);
		out->reports_last = column_day(stmt, 3);
	}
out:
	db_finalize(stmt);
	free(d);
	return st;
}

/* The sources read so far. */
struct signers {
	struct rotation_signer *v;
	size_t n, cap;
};

/* Maps one source of rotation_store_signers() (a store_row_fn). */
static void signer_row(struct db_stmt *stmt, void *arg)
{
	struct signers *g = arg;
	struct rotation_signer *one;

	if (db_column_null(stmt, 0))
		return;
	g->v = xgrow(g->v, &g->cap, g->n + 1, sizeof *g->v);
	one = &g->v[g->n++];
	one->ip = store_column_str(stmt, 0);
	one->messages = db_column_int64(stmt, 1);
	one->last = column_day(stmt, 2);
}

/* RFC 7489 appendix C: the rows whose auth_results name the selector,
 * by source, each row once however many of its results name it; found
 * through report_row_auth_domain first, as in
 * rotation_store_evidence(). A report ends at date_end, its last
 * second one before. */
enum status rotation_store_signers(struct store *store, const char *domain,
				   const char *selector, date_t since,
				   struct rotation_signer **out, size_t *count,
				   struct err *err)
{
	char *d = text_domain_normalize(domain);
	struct signers g = { NULL, 0, 0 };
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(
		 store, &stmt,
		 "SELECT w.source_ip, SUM(w.count), MAX(r.date_end) - 1"
		 " FROM (SELECT DISTINCT a.row_id FROM report_row_auth a"
		 "  WHERE a.domain = ?1 AND a.selector = ?2"
		 "  AND a.kind = 'dkim') AS named"
		 " CROSS JOIN report_row w CROSS JOIN report r"
		 " WHERE w.id = named.row_id AND r.id = w.report"
		 " AND r.domain = ?1 COLLATE NOCASE"
		 " AND r.date_end - 1 >= ?3"
		 " GROUP BY w.source_ip ORDER BY 2 DESC, 1",
		 err)) == STATUS_OK) {
		db_bind_text(stmt, 1, d);
		db_bind_text(stmt, 2, selector);
		db_bind_int64(stmt, 3, (int64_t)date_to_time(since));
		st = store_rows(store, stmt, signer_row, &g,
				_("reading report evidence"), err);
	}
	*out = g.v;
	*count = g.n;
	free(d);
	return st;
}

/* Frees the sources. */
void rotation_signers_free(struct rotation_signer *v, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(v[i].ip);
	free(v);
}

/* Sets the silent days of the rotation under way. */
static enum status silent_run(struct store *store, void *arg, struct err *err)
{
	const struct rotation_change *a = arg;
	int64_t domain_id;
	enum status st;

	if ((st = state_domain_lookup(store, a->domain, &domain_id, err)) == 0)
		st = run3(store,
			  "UPDATE dkim_rotation SET silent_days = ?4"
			  " WHERE domain_id = ?1 AND phase <> 'done'",
			  domain_id, NULL, DATE_NONE, a->days, err);
	return st;
}

/* Sets the silent days. */
enum status rotation_store_silent_days_set(struct store *store,
					   const char *domain,
					   const struct rotation_record *r,
					   int days, struct err *err)
{
	struct rotation_change a = { .domain = domain, .r = r, .days = days };

	if (days < 1 || days > 365)
		return err_set(err, STATUS_USAGE,
			       _("the silent days must be between 1 and "
				 "365"));
	return store_transact(store, silent_run, &a, err);
}
