/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The session: the one owner of what every use case needs from outside,
 * the resolver, the database, the catalogue of sending services and the
 * Public Suffix List. Each is made on first use from the options; the
 * first failure of each is kept, and every later request gets the same
 * error (one policy for the command line and the wizard). No curses. */
#ifndef DMARCPILOT_SESSION_H
#define DMARCPILOT_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "dmarc/orgdomain.h"
#include "dns/dns.h"
#include "providers/providers.h"
#include "store/store.h"
#include "util/status.h"

/* What the resources are made from; the strings are borrowed and must
 * outlive the session (they are the global options). */
struct session_options {
	const char *resolver;     /* --resolver, or NULL for resolv.conf */
	const char *const *zones; /* --zone files: an offline table */
	size_t nzones;
	const char *db_path; /* --db (a file or a postgresql:// URI),
				     or NULL for "db =" of the
				     configuration file, else the XDG
				     default */
	double timeout;      /* --timeout seconds, 0 for the default */
	const char *datadir; /* where providers.ini lives */
};

/* A resource and why it could not be made. */
struct session_slot {
	bool tried;
	enum status status; /* the first failure, or STATUS_OK */
	char *error;        /* its message, or NULL */
};

struct session {
	struct session_options opt;
	struct dns *dns;
	struct session_slot dns_slot;
	struct store *store;
	struct session_slot store_slot;
	char *db_path; /* the file or URI the database was opened at */
	struct providers *providers;
	struct session_slot providers_slot;
	struct orgdomain *orgdomain;
	bool orgdomain_tried;
	bool borrowed;   /* a worker's: the catalogue and the Public
			       Suffix List are its parent's */
	char *worker_db; /* a worker's copy of its parent's path */
};

/* Starts a session with nothing made yet. */
void session_init(struct session *s, const struct session_options *opt);

/* Starts the session of a worker thread from parent's, in the parent's
 * thread: the same options and database file (opened again, a
 * connection of its own, on first use), a view of the parent's offline
 * table or a resolver of its own made from the options, and the
 * parent's catalogue and Public Suffix List, loaded here if need be and
 * borrowed (only read; the parent must outlive the child). */
void session_init_worker(struct session *child, struct session *parent);

/* Frees whatever was made. */
void session_done(struct session *s);

/* Changes the options of what is not made yet (the demo points the
 * database elsewhere before opening it). */
void session_set_options(struct session *s, const struct session_options *opt);

/* The resolver the options ask for: a table loaded from the zone files,
 * or c-ares. NULL with err set (the same error every time) on failure. */
struct dns *session_dns(struct session *s, struct err *err);

/* Puts a resolver in place of the session's (which is freed); the
 * session owns it from then on. */
void session_set_dns(struct session *s, struct dns *dns);

/* The database at the options' path or the default one, opened and
 * migrated; NULL with err set on failure. */
struct store *session_store(struct session *s, struct err *err);

/* Whether the database is there to open: --db or "db =" of the
 * configuration file names a server, or the file exists (a missing file
 * is not created just to look into it). */
bool session_store_exists(const struct session *s);

/* The database when its file exists already, else NULL: what only
 * reads never creates one. */
struct store *session_store_existing(struct session *s);

/* The database for a command that only reads: the file when it exists,
 * NULL with err set when it cannot be opened, and NULL with err set to
 * STATUS_NOT_FOUND, naming the path, when there is none yet (nothing is
 * created: no file, no folder). */
struct store *session_store_read(struct session *s, struct err *err);

/* Closes the database (it is opened again on the next request). */
void session_store_close(struct session *s);

/* The catalogue (DATADIR/providers.ini); NULL with err set when it
 * cannot be read. */
const struct providers *session_providers(struct session *s, struct err *err);

/* A file that comes with the program: DATADIR/name ("./name" without
 * a data directory). Caller frees. */
char *session_data_path(const struct session *s, const char *name);

/* The Public Suffix List; NULL when libpsl has none. */
const struct orgdomain *session_orgdomain(struct session *s);

/* The message of a resource's failure, or NULL while it works or was not
 * asked for: the wizard shows it in place of the answers. */
const char *session_dns_error(const struct session *s);
const char *session_store_error(const struct session *s);
const char *session_providers_error(const struct session *s);

#endif
