/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store/report_store.h"
#include "store/report_days.h"
#include "store/state_internal.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* Records are inserted ROW_BATCH at a time: one statement (and, on
 * PostgreSQL, one round trip) for many, rather than one each. */
#define ROW_BATCH 64
/* Their authentication results, AUTH_BATCH at a time: at least the
 * most one record may have (REPORT_AUTH_MAX of each kind). */
#define AUTH_BATCH 128
#if AUTH_BATCH < 2 * REPORT_AUTH_MAX
#error "AUTH_BATCH must hold one record's results"
#endif

struct importer {
	struct store *store;
	struct report_import_stats *stats;
	report_reject_fn on_reject;
	void *arg;
	struct db_stmt *ins_report, *ins_rows, *ins_auth, *ins_failure;
	struct report_days *days; /* the unit's per-day sums */
	bool report_first;        /* no record of the report read yet */
	int batched;      /* records bound in ins_rows, not yet inserted */
	int auth_batched; /* results bound in ins_auth, not yet inserted */
	int auth_record[AUTH_BATCH]; /* the batch slot of each one's record */
	char imported[32];           /* when, ISO 8601 UTC */
	const char *unit;            /* the unit being read */
	bool in_tx;
	/* This unit so far. */
	unsigned long new_reports, dup_reports, new_failures, dup_failures;
	uint64_t messages, rows;
	/* The report being read. */
	int64_t report_rowid;
	int64_t report_messages;
	char repaired[REPORT_FIELD_MAX + 1]; /* the unit's last report's */
	/* <auth_results> entries left out (report_meta.dropped_auth): of
	 * the unit's earlier new reports, and of the one being read. */
	unsigned long dropped_auth, report_dropped;
};

static const char sql_report[] =
    "INSERT INTO report (org_name, report_id, email, domain, date_begin,"
    " date_end, policy, sp, np, pct, testing, format, source, imported)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    " ON CONFLICT (org_name, report_id) DO NOTHING RETURNING id";

/* The columns of a record, its parameters in the batch statement. */
#define ROW_COLUMNS 12

/* The parameters of one more record in the batch statement. */
#define ROW_PARAMS ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define ROW_PARAMS_3 ROW_PARAMS ROW_PARAMS ROW_PARAMS
/* clang-format off */
#define ROW_PARAMS_15 ROW_PARAMS_3 ROW_PARAMS_3 ROW_PARAMS_3 ROW_PARAMS_3 \
	ROW_PARAMS_3
/* clang-format on */

/* The batch statement: ROW_BATCH records of parameters (1 + 3 + 15 * 4
 * rows), the first of each the report's id; slots not filled have it
 * NULL and are left out. The casts of the first row give the VALUES
 * columns their types where PostgreSQL cannot tell them from text
 * parameters. It returns the new rows' ids, which both servers number
 * upwards in the order the rows are inserted, the order of VALUES (see
 * importer_flush()). A constant, so that the connection keeps it
 * prepared. */
static const char sql_rows[] =
    "INSERT INTO report_row (report, source_ip, count, disposition, dkim,"
    " spf, reasons, arc, header_from, envelope_from,"
    " dkim_aligned, spf_aligned) SELECT * FROM (VALUES"
    " (CAST(? AS BIGINT), ?, CAST(? AS BIGINT), ?, ?, ?, ?,"
    " CAST(? AS BIGINT), ?, ?, CAST(? AS BIGINT), CAST(? AS "
    "BIGINT))" ROW_PARAMS_3 ROW_PARAMS_15 ROW_PARAMS_15 ROW_PARAMS_15
	ROW_PARAMS_15 ") AS v WHERE column1 IS NOT NULL RETURNING id";

/* The columns of an authentication result in the batch statement. */
#define AUTH_COLUMNS 6
#define AUTH_PARAMS ", (?, ?, ?, ?, ?, ?)"
#define AUTH_PARAMS_4 AUTH_PARAMS AUTH_PARAMS AUTH_PARAMS AUTH_PARAMS
/* clang-format off */
#define AUTH_PARAMS_16 AUTH_PARAMS_4 AUTH_PARAMS_4 AUTH_PARAMS_4 \
	AUTH_PARAMS_4
#define AUTH_PARAMS_64 AUTH_PARAMS_16 AUTH_PARAMS_16 AUTH_PARAMS_16 \
	AUTH_PARAMS_16
/* clang-format on */

/* The results' batch statement, as sql_rows: AUTH_BATCH slots of
 * (record id, kind, position, domain, selector, result), 1 + 3 + 3 * 4
 * + 3 * 16 + 64 of them; slots with no record id are left out. */
static const char sql_auth[] =
    "INSERT INTO report_row_auth (row_id, kind, position, domain,"
    " selector, result) SELECT * FROM (VALUES"
    " (CAST(? AS BIGINT), ?, CAST(? AS BIGINT), ?, ?, ?)" AUTH_PARAMS
	AUTH_PARAMS AUTH_PARAMS AUTH_PARAMS_4 AUTH_PARAMS_4 AUTH_PARAMS_4
	    AUTH_PARAMS_16 AUTH_PARAMS_16 AUTH_PARAMS_16 AUTH_PARAMS_64
    ") AS v WHERE column1 IS NOT NULL";

static const char sql_failure[] =
    "INSERT INTO failure_report (message_id, feedback_type, source_ip,"
    " reported_domain, auth_failure, original_from, original_mail_from,"
    " dkim_domain, dkim_selector, spf_domain, arrival, delivery_result,"
    " original_message_id, source, imported)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15) ON CONFLICT (message_id) DO NOTHING";

/* Binds a string, or NULL when it is empty. */
static void bind_text(struct db_stmt *stmt, int i, const char *s)
{
	db_bind_text(stmt, i, s && *s ? s : NULL);
}

/* Runs an INSERT; *added (when not NULL) says whether it added a row,
 * and *id (when not NULL) the new row's id from its RETURNING clause.
 * A failure is STATUS_DB with the server's message, naming it. */
static enum status importer_step(struct importer *im, struct db_stmt *stmt,
				 const char *what, bool *added, int64_t *id,
				 struct err *err)
{
	struct err failed = ERR_INIT;
	enum status st = STATUS_OK;
	enum db_step rc = db_step(stmt, &failed);

	if (rc == DB_ROW && id)
		*id = db_column_int64(stmt, 0);
	if (added)
		*added =
		    rc == DB_ROW || (rc == DB_DONE && db_changes(stmt) > 0);
	if (rc == DB_ERROR)
		st =
		    store_step_error(im->store, stmt, &failed, what, NULL, err);
	db_reset(stmt);
	return st;
}

/* A unit starts: open its transaction. */
static enum status importer_begin(void *arg, const char *name, struct err *err)
{
	struct importer *im = arg;
	enum status st;

	im->unit = name;
	im->new_reports = im->dup_reports = 0;
	im->new_failures = im->dup_failures = 0;
	im->messages = im->rows = 0;
	im->report_rowid = 0;
	im->repaired[0] = '\0';
	im->dropped_auth = im->report_dropped = 0;
	/* An import only adds rows, and the unique constraints settle
	 * races with other importers: no need for the serializable
	 * transaction of the other changes. */
	if ((st = db_begin_append(store_conn(im->store), err)))
		return st;
	im->in_tx = true;
	return STATUS_OK;
}

/* A report's metadata: store it unless (org, id) is known already. */
static enum status importer_meta(void *arg, const struct report_meta *m,
				 bool *skip, struct err *err)
{
	struct importer *im = arg;
	struct db_stmt *s = im->ins_report;
	bool added = false;
	enum status st;

	bind_text(s, 1, m->org_name);
	db_bind_text(s, 2, m->report_id);
	bind_text(s, 3, m->email);
	db_bind_text(s, 4, m->domain);
	db_bind_int64(s, 5, m->date_begin);
	db_bind_int64(s, 6, m->date_end);
	bind_text(s, 7, m->p);
	bind_text(s, 8, m->sp);
	bind_text(s, 9, m->np);
	if (m->pct >= 0)
		db_bind_int64(s, 10, m->pct);
	else
		db_bind_null(s, 10);
	bind_text(s, 11, m->testing);
	db_bind_text(s, 12, report_format_name(m->format));
	bind_text(s, 13, im->unit);
	db_bind_text(s, 14, im->imported);
	if ((st = importer_step(im, s, "storing a report", &added,
				&im->report_rowid, err)))
		return st;
	/* RFC 7489 7.2: (org_name, report_id) identifies a report. The
	 * unique constraint decides, not an earlier read: of two importers
	 * inserting the same report at once, the second waits for the
	 * first's transaction and adds nothing if it committed. */
	if (!added) {
		im->dup_reports++;
		*skip = true;
		return STATUS_OK;
	}
	im->new_reports++;
	im->report_messages = 0;
	im->report_first = true;
	im->dropped_auth += im->report_dropped;
	im->report_dropped = 0;
	return STATUS_OK;
}

/* Binds a record's results of one kind into the results' batch, for
 * the record in batch slot record. */
static void auth_bind(struct importer *im, int record, bool dkim,
		      const struct report_auth *a, size_t n)
{
	struct db_stmt *s = im->ins_auth;

	for (size_t i = 0; i < n; i++) {
		int p = im->auth_batched * AUTH_COLUMNS;

		im->auth_record[im->auth_batched++] = record;
		/* The record's id is bound once it is known. */
		db_bind_text(s, p + 2, dkim ? "dkim" : "spf");
		db_bind_int64(s, p + 3, (int64_t)i);
		db_bind_text(s, p + 4, a[i].domain);
		db_bind_text(s, p + 5, dkim ? a[i].selector : NULL);
		db_bind_text(s, p + 6, a[i].result);
	}
}

/* Orders row ids. */
static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Inserts the records bound so far, then their authentication results
 * under the records' new ids; the slots after them are marked empty
 * first (they may hold an earlier batch's). */
static enum status importer_flush(struct importer *im, struct err *err)
{
	struct db_stmt *s = im->ins_rows;
	struct err failed = ERR_INIT;
	int64_t ids[ROW_BATCH];
	int n = 0, batched = im->batched;
	enum db_step rc;
	enum status st = STATUS_OK;

	if (batched == 0)
		return STATUS_OK;
	for (int k = batched; k < ROW_BATCH; k++)
		db_bind_null(s, k * ROW_COLUMNS + 1);
	im->batched = 0;
	while ((rc = db_step(s, &failed)) == DB_ROW)
		if (n < ROW_BATCH)
			ids[n++] = db_column_int64(s, 0);
	if (rc == DB_ERROR)
		st = store_step_error(im->store, s, &failed,
				      "storing report records", NULL, err);
	db_reset(s);
	if (st == STATUS_OK && n != batched)
		st = err_set(err, STATUS_DB,
			     "%s: storing report records: %d of %d stored",
			     store_path(im->store), n, batched);
	if (st != STATUS_OK || im->auth_batched == 0) {
		im->auth_batched = 0;
		return st;
	}
	/* Both servers number a table's new rows upwards as they insert
	 * them (SQLite one past the largest id under its write lock,
	 * PostgreSQL from the identity's sequence), and the statement
	 * inserts its VALUES in order: the k-th smallest id is slot k's,
	 * whatever order RETURNING gives them in. */
	qsort(ids, (size_t)n, sizeof *ids, id_cmp);
	for (int k = 0; k < AUTH_BATCH; k++) {
		if (k < im->auth_batched)
			db_bind_int64(im->ins_auth, k * AUTH_COLUMNS + 1,
				      ids[im->auth_record[k]]);
		else
			db_bind_null(im->ins_auth, k * AUTH_COLUMNS + 1);
	}
	im->auth_batched = 0;
	return importer_step(im, im->ins_auth, "storing report records", NULL,
			     NULL, err);
}

/* A record: bind it into the batch, which is inserted when full. */
static enum status importer_row(void *arg, const struct report_meta *m,
				const struct report_row *r, struct err *err)
{
	struct importer *im = arg;
	struct db_stmt *s = im->ins_rows;
	enum status st;
	int p;

	/* The results' batch takes the record's whole. */
	if (im->auth_batched + (int)(r->ndkim_auth + r->nspf_auth) >
		AUTH_BATCH &&
	    (st = importer_flush(im, err)))
		return st;
	p = im->batched * ROW_COLUMNS;
	memcpy(im->repaired, m->repaired, sizeof im->repaired);
	im->report_dropped = m->dropped_auth;
	if (r->count > REPORT_MESSAGES_MAX - im->report_messages)
		return err_set(err, STATUS_LIMIT,
			       _("%s: the counts of report %s add up to "
				 "more than %lld messages"),
			       im->unit, m->report_id,
			       (long long)REPORT_MESSAGES_MAX);
	im->report_messages += r->count;
	auth_bind(im, im->batched, true, r->dkim_auth, r->ndkim_auth);
	auth_bind(im, im->batched, false, r->spf_auth, r->nspf_auth);
	db_bind_int64(s, p + 1, im->report_rowid);
	db_bind_text(s, p + 2, r->source_ip);
	db_bind_int64(s, p + 3, r->count);
	bind_text(s, p + 4, r->disposition);
	bind_text(s, p + 5, r->dkim);
	bind_text(s, p + 6, r->spf);
	bind_text(s, p + 7, r->reasons);
	db_bind_int64(s, p + 8, r->arc);
	bind_text(s, p + 9, r->header_from);
	bind_text(s, p + 10, r->envelope_from);
	/* RFC 7489 C: policy_evaluated carries the aligned results. */
	db_bind_int64(s, p + 11, strcmp(r->dkim, "pass") == 0);
	db_bind_int64(s, p + 12, strcmp(r->spf, "pass") == 0);
	report_days_add(im->days, m, r, im->report_first);
	im->report_first = false;
	im->messages += (uint64_t)r->count;
	im->rows++;
	if (++im->batched < ROW_BATCH)
		return STATUS_OK;
	return importer_flush(im, err);
}

/* The key of a failure report that carries no Message-ID at all: a
 * SHA-256 over every field it reports, so that importing it again is
 * recognised while reports that differ in anything stay apart. */
static char *failure_digest_key(const struct arf_report *r)
{
	const char *const fields[] = {
		r->feedback_type, r->source_ip,       r->reported_domain,
		r->auth_failure,  r->original_from,   r->original_mail_from,
		r->dkim_domain,   r->dkim_selector,   r->spf_domain,
		r->arrival_date,  r->delivery_result,
	};
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct strbuf data = STRBUF_INIT, key = STRBUF_INIT;
	int ok;

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		/* the NUL ends each field, so "ab","c" differs from "a","bc" */
		strbuf_add(&data, fields[i], strlen(fields[i]) + 1);
	ok = EVP_Digest(data.data, data.len, md, &mdlen, EVP_sha256(), NULL);
	strbuf_done(&data);
	if (!ok)
		return NULL; /* stored without a key: never deduplicated */
	strbuf_addstr(&key, "sha256:");
	for (unsigned int i = 0; i < mdlen; i++)
		strbuf_addf(&key, "%02x", md[i]);
	return strbuf_detach(&key);
}

/* A failure report: store it unless its mail is known already. */
static enum status importer_failure(void *arg, const struct arf_report *r,
				    const char *message_id, struct err *err)
{
	struct importer *im = arg;
	struct db_stmt *s = im->ins_failure;
	char *key = NULL;
	bool added = false;
	enum status st;

	/* Without the report's own Message-ID, the original's and the
	 * arrival time identify it; without either, what it reports. */
	if (message_id && *message_id)
		key = xstrdup(message_id);
	else if (r->message_id[0])
		key = xasprintf("%s %s", r->message_id, r->arrival_date);
	else
		key = failure_digest_key(r);
	bind_text(s, 1, key);
	db_bind_text(s, 2, r->feedback_type);
	bind_text(s, 3, r->source_ip);
	bind_text(s, 4, r->reported_domain);
	bind_text(s, 5, r->auth_failure);
	bind_text(s, 6, r->original_from);
	bind_text(s, 7, r->original_mail_from);
	bind_text(s, 8, r->dkim_domain);
	bind_text(s, 9, r->dkim_selector);
	bind_text(s, 10, r->spf_domain);
	bind_text(s, 11, r->arrival_date);
	bind_text(s, 12, r->delivery_result);
	bind_text(s, 13, r->message_id);
	bind_text(s, 14, im->unit);
	db_bind_text(s, 15, im->imported);
	st =
	    importer_step(im, s, "storing a failure report", &added, NULL, err);
	free(key);
	if (st != STATUS_OK)
		return st;
	if (!added)
		im->dup_failures++;
	else
		im->new_failures++;
	return STATUS_OK;
}

/* A unit ended: commit what it added, or roll it all back. */
static enum status importer_end(void *arg, const char *name, enum status st,
				const struct err *unit_err, struct err *err)
{
	struct importer *im = arg;
	struct report_import_stats *stats = im->stats;

	/* The unit's last records, still in the batch, and its per-day
	 * sums, in the same transaction: the database failing to take
	 * them stops the import, as any other. */
	if (st == STATUS_OK &&
	    ((st = importer_flush(im, err)) ||
	     (st = report_days_store(im->days, im->store, err)))) {
		report_days_reset(im->days);
		store_rollback(im->store);
		im->in_tx = false;
		return st;
	}
	im->batched = im->auth_batched = 0;
	report_days_reset(im->days);
	if (st != STATUS_OK) {
		store_rollback(im->store);
		im->in_tx = false;
		/* The database failing, or another transaction winning
		 * (a deadlock), is not the file's fault: stop, and the
		 * next run imports the unit once. */
		if (st == STATUS_DB || store_conflicted(im->store))
			return err_set(err, st, "%s", err_message(unit_err));
		stats->rejected++;
		if (im->on_reject)
			im->on_reject(im->arg, unit_err);
		return STATUS_OK;
	}
	if ((st = store_commit(im->store, err))) {
		store_rollback(im->store);
		im->in_tx = false;
		return st;
	}
	im->in_tx = false;
	if (im->repaired[0] && im->new_reports && im->on_reject) {
		struct err warn = ERR_INIT;

		err_set(&warn, STATUS_OK,
			_("%s: invalid UTF-8 in <%s> replaced with U+FFFD"),
			name, im->repaired);
		im->on_reject(im->arg, &warn);
		err_done(&warn);
	}
	im->dropped_auth += im->report_dropped;
	if (im->dropped_auth && im->new_reports && im->on_reject) {
		struct err warn = ERR_INIT;

		/* What report_auth does not take is no evidence (of a
		 * DKIM selector's use, say); the operator hears of it. */
		err_set(&warn, STATUS_OK,
			P_("%s: %lu <auth_results> entry left out (not a "
			   "domain name, a selector or a result)",
			   "%s: %lu <auth_results> entries left out (not a "
			   "domain name, a selector or a result)",
			   im->dropped_auth),
			name, im->dropped_auth);
		im->on_reject(im->arg, &warn);
		err_done(&warn);
	}
	if (im->new_reports || im->new_failures)
		stats->imported++;
	else if (im->dup_reports || im->dup_failures)
		stats->duplicates++;
	else
		stats->skipped++;
	stats->reports += im->new_reports;
	stats->failures += im->new_failures;
	stats->messages += im->messages;
	stats->rows += im->rows;
	return STATUS_OK;
}

/* Imports a file or folder. */
enum status report_import_path(struct store *store, const char *path,
			       const struct report_limits *limits,
			       struct report_import_stats *stats,
			       report_reject_fn on_reject, void *arg,
			       struct err *err)
{
	struct importer im;
	struct report_sink sink = {
		.begin = importer_begin,
		.meta = importer_meta,
		.row = importer_row,
		.failure = importer_failure,
		.end = importer_end,
		.arg = &im,
	};
	time_t now = time(NULL);
	struct tm tm;
	struct db *db = store_conn(store);
	bool bulk = false;
	enum status st;

	memset(&im, 0, sizeof im);
	im.store = store;
	im.stats = stats;
	im.on_reject = on_reject;
	im.arg = arg;
	im.days = report_days_new();
	gmtime_r(&now, &tm);
	strftime(im.imported, sizeof im.imported, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((st = db_bulk_begin(db, err)))
		goto out;
	bulk = true;
	/* Kept by the connection: prepared once, not for every file. */
	if ((st = db_prepare_kept(db, sql_report, &im.ins_report, err)) ||
	    (st = db_prepare_kept(db, sql_rows, &im.ins_rows, err)) ||
	    (st = db_prepare_kept(db, sql_auth, &im.ins_auth, err)) ||
	    (st = db_prepare_kept(db, sql_failure, &im.ins_failure, err)))
		goto out;
	st = report_input_path(path, limits, &sink, err);
out:
	if (im.in_tx)
		store_rollback(store);
	report_days_free(im.days);
	if (bulk)
		db_bulk_end(db);
	return st;
}
