/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Copying a database into an empty one (store_copy.h). */
#include "config.h"

#include "store/store_copy.h"
#include "store/state_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* Rows sent in one INSERT: fewer round trips to a server, well under
 * both servers' limits on parameters. */
#define COPY_BATCH 200

/* The tables, parents before the children whose foreign keys name
 * them; id: its key numbers itself. */
static const struct copy_table {
	const char *name;
	const char *label;
	bool id;
} copy_tables[STORE_COPY_TABLES] = {
	{ "domain", N_("domains"), true },
	{ "sender", N_("senders"), true },
	{ "disowned", N_("disowned sources"), true },
	{ "dkim_key", N_("DKIM keys"), true },
	{ "dkim_rotation", N_("DKIM rotations"), true },
	{ "dkim_rotation_interval", N_("rotation intervals"), false },
	{ "rung_history", N_("rungs"), true },
	{ "rung_include_cost", N_("include costs"), false },
	{ "plan_settings", N_("plan settings"), false },
	{ "spf_flattened", N_("flattened includes"), true },
	{ "spf_flattened_address", N_("flattened addresses"), false },
	{ "report", N_("aggregate reports"), true },
	{ "report_row", N_("report rows"), true },
	{ "report_day", N_("daily report totals"), false },
	{ "report_day_source", N_("daily source totals"), false },
	{ "report_row_auth", N_("authentication results"), false },
	{ "failure_report", N_("failure reports"), true },
	{ "mailbox_progress", N_("mailbox folders"), false },
	{ "mailbox_failed", N_("failed messages"), false },
	{ "reverse_name", N_("reverse names"), false },
	{ "monitor_alert", N_("alerts"), true },
	{ "monitor_outbox", N_("alerts to send"), false },
	{ "monitor_run", N_("monitor runs"), true },
};

/* STATUS_REFUSED when from has a table the list above lacks. */
static enum status tables_known(struct store *from, struct err *err)
{
	char **names = NULL;
	size_t n = 0;
	enum status st;

	if ((st = db_table_names(store_conn(from), &names, &n, err)))
		goto out;
	for (size_t i = 0; i < n && st == STATUS_OK; i++) {
		bool known = false;

		for (size_t k = 0; k < STORE_COPY_TABLES; k++)
			known =
			    known || strcmp(names[i], copy_tables[k].name) == 0;
		if (!known)
			st = err_set(err, STATUS_REFUSED,
				     _("%s: table %s is not known to this "
				       "dmarcpilot; nothing was moved"),
				     store_path(from), names[i]);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return st;
}

/* Counts a table's rows. */
static enum status count_rows(struct store *store, const char *table,
			      int64_t *rows, struct err *err)
{
	char *sql = xasprintf("SELECT count(*) FROM %s", table);
	struct db_stmt *stmt = NULL;
	bool found = false;
	enum status st;

	*rows = 0;
	if (!(st = store_prepare(store, &stmt, sql, err)) &&
	    !(st = store_first(store, stmt, &found, _("counting rows"), err)) &&
	    found)
		*rows = db_column_int64(stmt, 0);
	db_finalize(stmt);
	free(sql);
	return st;
}

/* STATUS_REFUSED naming what the target holds, unless it is empty. */
static enum status target_empty(struct store *to, struct err *err)
{
	for (size_t k = 0; k < STORE_COPY_TABLES; k++) {
		int64_t rows;
		enum status st =
		    count_rows(to, copy_tables[k].name, &rows, err);

		if (st)
			return st;
		if (rows > 0)
			return err_set(err, STATUS_REFUSED,
				       _("%s is not empty (%lld %s): move "
					 "into a new, empty database only"),
				       store_path(to), (long long)rows,
				       _(copy_tables[k].label));
	}
	return STATUS_OK;
}

/* The rows of one table being copied, a batch at a time. */
struct batch {
	struct store *to;
	const char *table;
	char *columns; /* "(\"a\", \"b\")" */
	int ncols;
	char **values; /* [COPY_BATCH * ncols], NULL for SQL NULL */
	int nrows;
	struct db_stmt *full; /* the INSERT of COPY_BATCH rows */
};

/* Prepares an INSERT of nrows rows of the batch's columns. */
static enum status batch_prepare(struct batch *b, int nrows,
				 struct db_stmt **stmt, struct err *err)
{
	struct strbuf sb = STRBUF_INIT;
	enum status st;
	int p = 0;

	strbuf_addf(&sb, "INSERT INTO %s %s VALUES ", b->table, b->columns);
	for (int r = 0; r < nrows; r++) {
		strbuf_addstr(&sb, r ? ", (" : "(");
		for (int c = 0; c < b->ncols; c++)
			strbuf_addf(&sb, c ? ", ?%d" : "?%d", ++p);
		strbuf_addch(&sb, ')');
	}
	st = store_prepare(b->to, stmt, strbuf_str(&sb), err);
	strbuf_done(&sb);
	return st;
}

/* Sends the rows gathered so far. */
static enum status batch_flush(struct batch *b, struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st = STATUS_OK;
	int n = b->nrows * b->ncols;

	if (b->nrows == 0)
		return STATUS_OK;
	if (b->nrows == COPY_BATCH) {
		if (!b->full &&
		    (st = batch_prepare(b, COPY_BATCH, &b->full, err)))
			return st;
		stmt = b->full;
		db_reset(stmt);
	} else if ((st = batch_prepare(b, b->nrows, &stmt, err))) {
		return st;
	}
	for (int i = 0; i < n; i++)
		db_bind_text(stmt, i + 1, b->values[i]);
	st = store_done(b->to, stmt, _("moving rows"), NULL, err);
	if (stmt != b->full)
		db_finalize(stmt);
	for (int i = 0; i < n; i++) {
		free(b->values[i]);
		b->values[i] = NULL;
	}
	b->nrows = 0;
	return st;
}

/* Names the columns of the source's rows, once it has run. */
static void batch_columns(struct batch *b, struct db_stmt *stmt)
{
	struct strbuf sb = STRBUF_INIT;

	b->ncols = db_column_count(stmt);
	strbuf_addch(&sb, '(');
	for (int c = 0; c < b->ncols; c++)
		strbuf_addf(&sb, c ? ", \"%s\"" : "\"%s\"",
			    db_column_name(stmt, c));
	strbuf_addch(&sb, ')');
	b->columns = strbuf_detach(&sb);
	b->values =
	    xcalloc((size_t)COPY_BATCH * (size_t)b->ncols, sizeof *b->values);
}

/* Copies one table's rows, counting them. */
static enum status copy_table(struct store *from, struct store *to,
			      const struct copy_table *t, int64_t *rows,
			      struct err *err)
{
	struct batch b = { .to = to, .table = t->name };
	struct db_stmt *stmt = NULL;
	struct err failed = ERR_INIT;
	char *sql = xasprintf("SELECT * FROM %s", t->name);
	enum status st;
	enum db_step rc;

	*rows = 0;
	if ((st = store_prepare(from, &stmt, sql, err)))
		goto out;
	while ((rc = db_step(stmt, &failed)) == DB_ROW && st == STATUS_OK) {
		if (!b.columns)
			batch_columns(&b, stmt);
		for (int c = 0; c < b.ncols; c++) {
			const char *v = db_column_text(stmt, c);

			b.values[b.nrows * b.ncols + c] = v ? xstrdup(v) : NULL;
		}
		b.nrows++;
		(*rows)++;
		if (b.nrows == COPY_BATCH)
			st = batch_flush(&b, err);
	}
	if (rc == DB_ERROR)
		st = store_step_error(from, stmt, &failed, _("reading rows"),
				      NULL, err);
	if (st == STATUS_OK)
		st = batch_flush(&b, err);
	if (st == STATUS_OK && t->id)
		st = db_row_ids_follow(store_conn(to), t->name, err);
out:
	err_done(&failed);
	db_finalize(stmt);
	db_finalize(b.full);
	if (b.values)
		for (int i = 0; i < COPY_BATCH * b.ncols; i++)
			free(b.values[i]);
	free(b.values);
	free(b.columns);
	free(sql);
	return st;
}

/* Copies every table in one transaction on the target. */
enum status store_copy(struct store *from, struct store *to,
		       struct store_copy_count counts[STORE_COPY_TABLES],
		       struct err *err)
{
	enum status st;

	for (size_t k = 0; k < STORE_COPY_TABLES; k++) {
		counts[k].table = copy_tables[k].name;
		counts[k].label = copy_tables[k].label;
		counts[k].rows = 0;
	}
	if ((st = tables_known(from, err)))
		return st;
	if ((st = store_begin(to, err)))
		return st;
	/* Inside the transaction: nobody fills it meanwhile. */
	if ((st = target_empty(to, err)))
		goto out;
	for (size_t k = 0; k < STORE_COPY_TABLES && st == STATUS_OK; k++)
		st =
		    copy_table(from, to, &copy_tables[k], &counts[k].rows, err);
out:
	return state_finish(to, st, err);
}
