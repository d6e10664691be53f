#include "config.h"

#include "store/store.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/i18n.h"
#include "util/xalloc.h"

struct store {
	sqlite3 *db;
	char *path;
};

/* Schema version 1. Each module's tables in their own block; until the
 * first release, version 1 may still be edited in place. */
static const char schema_state_v1[] =
    /* Domains the operator rolls out, and when they were added. */
    "CREATE TABLE domain ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " created TEXT NOT NULL);"
    /* The inventory: services and ranges that send for the domain. */
    "CREATE TABLE sender ("
    " id INTEGER PRIMARY KEY,"
    " domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL CHECK (kind IN"
    "  ('provider','ip4','ip6','a','mx','include')),"
    " value TEXT NOT NULL,"
    " note TEXT,"
    " created TEXT NOT NULL,"
    " UNIQUE (domain_id, kind, value));"
    /* DKIM keys: only the private key's path, never the key. */
    "CREATE TABLE dkim_key ("
    " id INTEGER PRIMARY KEY,"
    " domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
    " selector TEXT NOT NULL,"
    " algorithm TEXT NOT NULL,"
    " bits INTEGER,"
    " key_path TEXT,"
    " provider TEXT,"
    " created TEXT NOT NULL,"
    " published TEXT,"
    " retired TEXT,"
    " UNIQUE (domain_id, selector));"
    /* Every rung verified live, with the record and the day. */
    "CREATE TABLE rung_history ("
    " id INTEGER PRIMARY KEY,"
    " domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL,"
    " rung INTEGER NOT NULL,"
    " record TEXT NOT NULL,"
    " verified TEXT NOT NULL,"
    /* SPF: the DNS lookups the record needed when it was verified
     * (RFC 7208 4.6.4), to report drift; NULL when not counted. */
    " lookups INTEGER,"
    /* SPF: what each include of the record cost then, as
     * "include:X=N ...", to name the one that grew. */
    " costs TEXT);"
    /* The plan's settings; NULL means the default of DESIGN.md 4. */
    "CREATE TABLE plan_settings ("
    " domain_id INTEGER PRIMARY KEY REFERENCES domain(id) ON DELETE CASCADE,"
    " rungs TEXT,"
    " min_days_monitor INTEGER,"
    " min_days_rung INTEGER,"
    " window_days INTEGER,"
    " pass_threshold REAL,"
    " unknown_threshold REAL,"
    " rua TEXT, ruf TEXT, adkim TEXT, aspf TEXT, sp TEXT, np TEXT,"
    " spf_all TEXT);"
    /* What the flattener replaced by addresses, to report drift. */
    "CREATE TABLE spf_flattened ("
    " id INTEGER PRIMARY KEY,"
    " domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
    " mechanism TEXT NOT NULL,"
    " addresses TEXT NOT NULL,"
    " flattened TEXT NOT NULL,"
    " UNIQUE (domain_id, mechanism));"
    /* Sources the operator disowned: failing mail from them is spoofing,
     * shown as "not ours" and not counted against readiness. network is
     * normalised ("203.0.113.9", "198.51.100.0/24"). */
    "CREATE TABLE disowned ("
    " id INTEGER PRIMARY KEY,"
    " domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
    " network TEXT NOT NULL,"
    " note TEXT,"
    " created TEXT NOT NULL,"
    " UNIQUE (domain_id, network));";

static const char schema_reports_v1[] =
    /* Aggregate reports, deduplicated by (org, report id): RFC 7489 7.2.
     * Dates are UNIX seconds; format is rfc7489 or rfc9990. */
    "CREATE TABLE report ("
    " id INTEGER PRIMARY KEY,"
    " org_name TEXT NOT NULL,"
    " report_id TEXT NOT NULL,"
    " email TEXT,"
    " domain TEXT NOT NULL COLLATE NOCASE,"
    " date_begin INTEGER NOT NULL,"
    " date_end INTEGER NOT NULL,"
    " policy TEXT,"
    " sp TEXT, np TEXT, pct INTEGER, testing TEXT,"
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
    " id INTEGER PRIMARY KEY,"
    " report INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,"
    " source_ip TEXT NOT NULL,"
    " count INTEGER NOT NULL CHECK (count >= 0),"
    " disposition TEXT,"
    " dkim TEXT, spf TEXT,"
    " reasons TEXT,"
    " arc INTEGER NOT NULL DEFAULT 0,"
    " header_from TEXT, envelope_from TEXT,"
    " dkim_auth TEXT, spf_auth TEXT,"
    " dkim_aligned INTEGER NOT NULL, spf_aligned INTEGER NOT NULL);"
    "CREATE INDEX report_row_report ON report_row(report);"
    /* Failure reports (ARF: RFC 5965, 6591, 9991), deduplicated by the
     * report mail's Message-ID. */
    "CREATE TABLE failure_report ("
    " id INTEGER PRIMARY KEY,"
    " message_id TEXT UNIQUE,"
    " feedback_type TEXT NOT NULL, source_ip TEXT, reported_domain TEXT"
    "  COLLATE NOCASE,"
    " auth_failure TEXT, original_from TEXT, original_mail_from TEXT,"
    " dkim_domain TEXT, dkim_selector TEXT, spf_domain TEXT,"
    " arrival TEXT, delivery_result TEXT, original_message_id TEXT,"
    " source TEXT, imported TEXT NOT NULL);"
    "CREATE INDEX failure_report_domain ON failure_report(reported_domain);";

/* Version 2: what `report fetch` remembers of each mailbox folder. */
static const char schema_mailbox_v2[] =
    "CREATE TABLE mailbox_progress ("
    " mailbox TEXT PRIMARY KEY,"
    " uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT NULL);"
    "CREATE TABLE mailbox_failed ("
    " mailbox TEXT NOT NULL, uidvalidity INTEGER NOT NULL,"
    " uid INTEGER NOT NULL, error TEXT NOT NULL,"
    " first_failed INTEGER NOT NULL,"
    " PRIMARY KEY (mailbox, uidvalidity, uid));";

/* Applies the statements that take the schema from version i to i+1. */
static enum status store_migrate(struct store *store, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	int version = 0;
	enum status st;

	if (sqlite3_prepare_v2(store->db, "PRAGMA user_version", -1, &stmt,
			       NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return store_error(store, err, "reading the schema version");
	}
	version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	if (version > STORE_SCHEMA_VERSION)
		return err_set(err, STATUS_UNSUPPORTED,
			       _("%s: database schema %d is newer than this "
				 "dmarcpilot understands (%d)"),
			       store->path, version, STORE_SCHEMA_VERSION);
	if (version == STORE_SCHEMA_VERSION)
		return STATUS_OK;
	st = store_begin(store, err);
	if (st != STATUS_OK)
		return st;
	if (version < 1) {
		if ((st = store_exec(store, schema_state_v1, err)) ||
		    (st = store_exec(store, schema_reports_v1, err)))
			goto fail;
	}
	if (version < 2) {
		if ((st = store_exec(store, schema_mailbox_v2, err)))
			goto fail;
	}
	if ((st = store_exec(store, "PRAGMA user_version = 2", err)))
		goto fail;
	return store_commit(store, err);
fail:
	store_rollback(store);
	return st;
}

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

/* Opens and migrates the database. */
enum status store_open(struct store **out, const char *path, struct err *err)
{
	struct store *store = xcalloc(1, sizeof *store);
	enum status st;

	*out = NULL;
	store->path = xstrdup(path);
	if ((st = store_mkdir_parent(path, err)))
		goto fail;
	if (sqlite3_open_v2(path, &store->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		st = store_error(store, err, path);
		goto fail;
	}
	sqlite3_busy_timeout(store->db, 5000);
	/* WAL with full sync: a kill at any point leaves a valid database. */
	if ((st = store_exec(store,
			     "PRAGMA journal_mode = WAL;"
			     "PRAGMA synchronous = FULL;"
			     "PRAGMA foreign_keys = ON;",
			     err)))
		goto fail;
	if ((st = store_migrate(store, err)))
		goto fail;
	*out = store;
	return STATUS_OK;
fail:
	store_close(store);
	return st;
}

/* Closes the database. */
void store_close(struct store *store)
{
	if (!store)
		return;
	sqlite3_close(store->db);
	free(store->path);
	free(store);
}

/* The raw connection. */
sqlite3 *store_db(struct store *store)
{
	return store->db;
}

/* The database file's path. */
const char *store_path(const struct store *store)
{
	return store->path;
}

/* Runs statements that return no rows. */
enum status store_exec(struct store *store, const char *sql, struct err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(store->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(err, STATUS_DB, "%s: %s", store->path,
			msg ? msg : sqlite3_errmsg(store->db));
		sqlite3_free(msg);
		return STATUS_DB;
	}
	return STATUS_OK;
}

/* Starts a write transaction. */
enum status store_begin(struct store *store, struct err *err)
{
	return store_exec(store, "BEGIN IMMEDIATE", err);
}

/* Commits the transaction. */
enum status store_commit(struct store *store, struct err *err)
{
	return store_exec(store, "COMMIT", err);
}

/* Abandons the transaction. */
void store_rollback(struct store *store)
{
	sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Wraps SQLite's message in an error. */
enum status store_error(struct store *store, struct err *err,
			const char *what)
{
	return err_set(err, STATUS_DB, "%s: %s: %s", store->path, what,
		       store->db ? sqlite3_errmsg(store->db) : "cannot open");
}

/* The XDG location of the database. */
char *store_default_path(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (xdg && *xdg == '/')
		return xasprintf("%s/dmarcpilot/dmarcpilot.db", xdg);
	return xasprintf("%s/.local/share/dmarcpilot/dmarcpilot.db",
			 home && *home ? home : ".");
}
