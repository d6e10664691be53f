/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The PostgreSQL backend of db_internal.h, through libpq: a shared store
 * for several operators and report fetchers on several hosts. */
#include "config.h"

#include "store/db_backend_internal.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* The OID of type text (pg_type.dat), which libpq leaves undeclared. */
#define DB_POSTGRES_TEXTOID 25

struct postgres_db {
	struct db base;
	PGconn *conn;
};

struct postgres_stmt {
	struct db_stmt base;
	char *sql;        /* with $1, $2, ... */
	int nparams;      /* the highest parameter number */
	char **values;    /* [nparams], NULL for SQL NULL */
	Oid *types;       /* [nparams]: 0 (inferred), or text for a number
			  * the statement skips */
	PGresult *result; /* of the current run, or NULL before it */
	int row;          /* the current row of result */
};

/* The connection of a generic one. */
static PGconn *conn_of(struct db *db)
{
	return ((struct postgres_db *)db)->conn;
}

/* The statement of a generic one. */
static struct postgres_stmt *stmt_of(struct db_stmt *stmt)
{
	return (struct postgres_stmt *)stmt;
}

/* The first line of a libpq message, which ends in a newline. */
static char *first_line(const char *message)
{
	return xstrndup(message, strcspn(message, "\n"));
}

/* The failure kind of a result's SQLSTATE (PostgreSQL appendix A). */
static enum db_failure failure_of(PGconn *conn, const PGresult *res)
{
	const char *state =
	    res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(conn) == CONNECTION_BAD ||
	    (state && strncmp(state, "08", 2) == 0))
		return DB_CONN_LOST;
	if (!state)
		return DB_FAILED;
	if (strcmp(state, "23505") == 0) /* unique_violation */
		return DB_UNIQUE;
	if (strcmp(state, "40001") == 0 || /* serialization_failure */
	    strcmp(state, "40P01") == 0)   /* deadlock_detected */
		return DB_CONFLICT;
	return DB_FAILED;
}

/* Sets err from a failed result (or the connection), naming the
 * server. */
static enum status postgres_fail(struct db *db, const PGresult *res,
				 struct err *err)
{
	/* The server's own sentence, without "ERROR:  " and the lines
	 * of detail and context after it. */
	const char *primary =
	    res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char *line = primary ? xstrdup(primary)
			     : first_line(res ? PQresultErrorMessage(res)
					      : PQerrorMessage(conn_of(db)));
	enum status st;

	db->failure = failure_of(conn_of(db), res);
	if (PQstatus(conn_of(db)) == CONNECTION_BAD)
		st = err_set(err, STATUS_DB,
			     _("%s: the connection to the server was lost: "
			       "%s"),
			     db->name, line);
	else
		st = err_set(err, STATUS_DB, "%s: %s", db->name, line);
	free(line);
	return st;
}

/* Closes. */
static void postgres_close(struct db *db)
{
	PQfinish(conn_of(db));
	free(db->name);
	free(db);
}

/* Runs statements without parameters or rows. */
static enum status postgres_exec(struct db *db, const char *sql,
				 struct err *err)
{
	PGresult *res = PQexec(conn_of(db), sql);
	enum status st = STATUS_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		st = postgres_fail(db, res, err);
	PQclear(res);
	return st;
}

/* Rewrites "?N" and "?" as "$N" outside quoted strings and identifiers
 * ('...' with '' inside, "..."), and counts the parameters; *types
 * (caller frees) gives the numbers the text skips a type, text, as
 * SQLite ignores them and PostgreSQL cannot infer one. */
static char *placeholders(const char *sql, int *nparams, Oid **types)
{
	struct strbuf sb = STRBUF_INIT;
	char quote = '\0';
	int next = 0, highest = 0;
	int *seen = NULL; /* the numbers used, in order */
	size_t nseen = 0, cap = 0;

	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = '\0';
			strbuf_addch(&sb, *p);
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			strbuf_addch(&sb, *p);
		} else if (*p == '?') {
			int n = 0;

			while (p[1] >= '0' && p[1] <= '9')
				n = n * 10 + (*++p - '0');
			if (n == 0)
				n = next + 1;
			next = n;
			if (n > highest)
				highest = n;
			seen = xgrow(seen, &cap, nseen + 1, sizeof *seen);
			seen[nseen++] = n;
			strbuf_addf(&sb, "$%d", n);
		} else {
			strbuf_addch(&sb, *p);
		}
	}
	*nparams = highest;
	*types = xcalloc((size_t)highest + 1, sizeof **types);
	for (int i = 0; i < highest; i++)
		(*types)[i] = DB_POSTGRES_TEXTOID;
	for (size_t i = 0; i < nseen; i++)
		(*types)[seen[i] - 1] = 0;
	free(seen);
	return strbuf_detach(&sb);
}

/* Keeps the statement's text; it runs at the first step, with the
 * values bound by then (PQexecParams: one round trip a run). */
static enum status postgres_prepare(struct db *db, const char *sql,
				    struct db_stmt **out, struct err *err)
{
	struct postgres_stmt *s = xcalloc(1, sizeof *s);

	(void)err;
	s->base.db = db;
	s->sql = placeholders(sql, &s->nparams, &s->types);
	s->values = xcalloc((size_t)s->nparams + 1, sizeof *s->values);
	s->row = -1;
	*out = &s->base;
	return STATUS_OK;
}

/* Binds one parameter, as text (PostgreSQL converts it to the column's
 * type); a number out of range is ignored. */
static void postgres_bind(struct db_stmt *stmt, int i, const struct db_value *v)
{
	struct postgres_stmt *s = stmt_of(stmt);

	if (i < 1 || i > s->nparams)
		return;
	free(s->values[i - 1]);
	s->values[i - 1] = NULL;
	switch (v->type) {
	case DB_VALUE_NULL:
		break;
	case DB_VALUE_INT:
		s->values[i - 1] = xasprintf("%lld", (long long)v->i);
		break;
	case DB_VALUE_DOUBLE:
		s->values[i - 1] = xasprintf("%.17g", v->d);
		break;
	case DB_VALUE_TEXT:
		s->values[i - 1] = xstrdup(v->text);
		break;
	}
}

/* Runs at the first call, then hands out the rows. */
static enum db_step postgres_step(struct db_stmt *stmt, struct err *err)
{
	struct postgres_stmt *s = stmt_of(stmt);
	PGconn *conn = conn_of(stmt->db);

	if (!s->result) {
		ExecStatusType status;

		s->result =
		    PQexecParams(conn, s->sql, s->nparams, s->types,
				 (const char *const *)s->values, NULL, NULL, 0);
		status = PQresultStatus(s->result);
		if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
			stmt->failure = failure_of(conn, s->result);
			postgres_fail(stmt->db, s->result, err);
			PQclear(s->result);
			s->result = NULL;
			return DB_ERROR;
		}
		s->row = -1;
	}
	if (s->row + 1 < PQntuples(s->result)) {
		s->row++;
		return DB_ROW;
	}
	s->row = PQntuples(s->result);
	return DB_DONE;
}

/* Whether a column of the current row is NULL. */
static bool postgres_column_null(struct db_stmt *stmt, int i)
{
	struct postgres_stmt *s = stmt_of(stmt);

	return PQgetisnull(s->result, s->row, i) != 0;
}

/* A column as text, NULL for SQL NULL. */
static const char *postgres_column_text(struct db_stmt *stmt, int i)
{
	struct postgres_stmt *s = stmt_of(stmt);

	if (PQgetisnull(s->result, s->row, i))
		return NULL;
	return PQgetvalue(s->result, s->row, i);
}

/* A column as an integer; booleans read as 1 and 0. */
static int64_t postgres_column_int64(struct db_stmt *stmt, int i)
{
	const char *v = postgres_column_text(stmt, i);

	if (!v)
		return 0;
	if (strcmp(v, "t") == 0)
		return 1;
	return strtoll(v, NULL, 10);
}

/* A column as a real number. */
static double postgres_column_double(struct db_stmt *stmt, int i)
{
	const char *v = postgres_column_text(stmt, i);

	return v ? strtod(v, NULL) : 0.0;
}

/* Rows the run changed (its command tag's count). */
static int64_t postgres_changes(const struct db_stmt *stmt)
{
	const struct postgres_stmt *s = (const struct postgres_stmt *)stmt;
	const char *n = s->result ? PQcmdTuples(s->result) : "";

	return *n ? strtoll(n, NULL, 10) : 0;
}

/* Drops the run's result; the next step runs the statement again. */
static void postgres_reset(struct db_stmt *stmt)
{
	struct postgres_stmt *s = stmt_of(stmt);

	PQclear(s->result);
	s->result = NULL;
	s->row = -1;
}

/* Frees. */
static void postgres_finalize(struct db_stmt *stmt)
{
	struct postgres_stmt *s = stmt_of(stmt);

	PQclear(s->result);
	for (int i = 0; i < s->nparams; i++)
		free(s->values[i]);
	free(s->values);
	free(s->types);
	free(s->sql);
	free(s);
}

/* The number of columns of the run's result. */
static int postgres_column_count(struct db_stmt *stmt)
{
	struct postgres_stmt *s = stmt_of(stmt);

	return s->result ? PQnfields(s->result) : 0;
}

/* A column's name. */
static const char *postgres_column_name(struct db_stmt *stmt, int i)
{
	struct postgres_stmt *s = stmt_of(stmt);

	return s->result ? PQfname(s->result, i) : NULL;
}

/* SQLite's NOCASE for the same schema text: an ICU collation that
 * compares letters without case (Unicode level 2; for the ASCII names
 * the store keeps, what NOCASE does). */
static enum status postgres_schema_create(struct db *db, struct err *err)
{
	return postgres_exec(db,
			     "CREATE COLLATION IF NOT EXISTS nocase"
			     " (provider = icu, locale = 'und-u-ks-level2',"
			     " deterministic = false)",
			     err);
}

/* The one row of dmarcpilot_schema, 0 when the table is not there. */
static enum status postgres_schema_version(struct db *db, int *version,
					   struct err *err)
{
	PGresult *res =
	    PQexec(conn_of(db), "SELECT to_regclass('dmarcpilot_schema')"
				" IS NOT NULL");
	enum status st = STATUS_OK;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		st = postgres_fail(db, res, err);
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		goto out;
	PQclear(res);
	res = PQexec(conn_of(db), "SELECT max(version) FROM dmarcpilot_schema");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		st = postgres_fail(db, res, err);
	else if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		*version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
out:
	PQclear(res);
	return st;
}

/* Replaces the version row. */
static enum status postgres_schema_version_set(struct db *db, int version,
					       struct err *err)
{
	char *sql = xasprintf("CREATE TABLE IF NOT EXISTS dmarcpilot_schema"
			      " (version INTEGER NOT NULL);"
			      "DELETE FROM dmarcpilot_schema;"
			      "INSERT INTO dmarcpilot_schema VALUES (%d)",
			      version);
	enum status st = postgres_exec(db, sql, err);

	free(sql);
	return st;
}

/* A session advisory lock on a key of dmarcpilot's own. */
static enum status postgres_schema_lock(struct db *db, bool lock,
					struct err *err)
{
	return postgres_exec(db,
			     lock ? "SELECT pg_advisory_lock(7306040312)"
				  : "SELECT pg_advisory_unlock(7306040312)",
			     err);
}

static const struct db_ops postgres_ops = {
	.backend = DB_POSTGRES,
	/* Two operators stepping one domain: one commits, the other gets
	 * a serialization failure (DB_CONFLICT) instead of a lost update. */
	.begin_sql = "BEGIN ISOLATION LEVEL SERIALIZABLE",
	.row_id_sql = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	.keyed_table_sql = "",
	.close = postgres_close,
	.exec = postgres_exec,
	.prepare = postgres_prepare,
	.bind = postgres_bind,
	.step = postgres_step,
	.column_null = postgres_column_null,
	.column_text = postgres_column_text,
	.column_int64 = postgres_column_int64,
	.column_double = postgres_column_double,
	.changes = postgres_changes,
	.reset = postgres_reset,
	.finalize = postgres_finalize,
	.column_count = postgres_column_count,
	.column_name = postgres_column_name,
	.tables_sql = "SELECT table_name FROM information_schema.tables"
		      " WHERE table_schema = current_schema()"
		      " AND table_type = 'BASE TABLE'"
		      " AND table_name <> 'dmarcpilot_schema'"
		      " ORDER BY table_name",
	.schema_create = postgres_schema_create,
	.schema_version = postgres_schema_version,
	.schema_version_set = postgres_schema_version_set,
	.schema_lock = postgres_schema_lock,
};

/* "postgresql://USER@HOST:PORT/DBNAME" from a connection string's
 * parts, leaving the password out; NULL when it does not parse. */
static char *display_name(const char *conninfo)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	const char *host = NULL, *port = NULL, *user = NULL, *dbname = NULL;
	char *name;

	if (!opts)
		return NULL;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->val || !*o->val)
			continue;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			dbname = o->val;
	}
	name =
	    xasprintf("postgresql://%s%s%s%s%s/%s", user ? user : "",
		      user ? "@" : "", host ? host : "localhost",
		      port ? ":" : "", port ? port : "", dbname ? dbname : "");
	PQconninfoFree(opts);
	return name;
}

/* Whether the connection string names a password. */
bool db_postgres_has_password(const char *target)
{
	PQconninfoOption *opts;
	bool has = false;

	if (!(opts = PQconninfoParse(target, NULL)))
		return strchr(target, '@') != NULL; /* be careful */
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			has = true;
	PQconninfoFree(opts);
	return has;
}

/* The name of a server's database for messages. */
char *db_postgres_name(const char *conninfo)
{
	return display_name(conninfo);
}

/* Server notices (such as "relation already exists, skipping") are not
 * the operator's business. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Connects; errors name the server, never the password. */
enum status db_postgres_open(struct db **out, const char *conninfo,
			     struct err *err)
{
	struct postgres_db *db;
	char *name = display_name(conninfo);
	enum status st;

	if (!name)
		/* libpq's parse error may quote the string, password
		 * and all: say what is wrong without it. */
		return err_set(err, STATUS_USAGE,
			       _("the PostgreSQL connection string is "
				 "malformed (see \"Connection Strings\" in "
				 "the PostgreSQL manual)"));
	db = xcalloc(1, sizeof *db);
	db->base.ops = &postgres_ops;
	db->base.name = name;
	db->conn = PQconnectdb(conninfo);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		char *line = first_line(PQerrorMessage(db->conn));

		st = err_set(err, STATUS_DB, _("%s: cannot connect: %s"), name,
			     line);
		free(line);
		postgres_close(&db->base);
		return st;
	}
	PQsetNoticeProcessor(db->conn, ignore_notice, NULL);
	if ((st = postgres_exec(&db->base,
				"SET application_name = 'dmarcpilot'", err))) {
		postgres_close(&db->base);
		return st;
	}
	*out = &db->base;
	return STATUS_OK;
}
