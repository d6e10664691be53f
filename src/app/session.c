/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The session's lazily made resources (session.h). */
#include "config.h"

#include "app/session.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/config_file.h"
#include "util/i18n.h"
#include "util/xalloc.h"

/* Gives the remembered failure of a resource to the caller. */
static void slot_report(const struct session_slot *slot, struct err *err)
{
	if (err && slot->error)
		err_set(err, slot->status, "%s", slot->error);
}

/* Remembers a resource's first failure (why) and gives it to the
 * caller. */
static void slot_fail(struct session_slot *slot, const struct err *why,
		      struct err *err)
{
	slot->status = why->status != STATUS_OK ? why->status : STATUS_IO;
	free(slot->error);
	slot->error = xstrdup(err_message(why));
	slot_report(slot, err);
}

/* True when the resource was tried before (made is what that made, or
 * NULL): the caller returns it, err holding the failure if it failed.
 * Otherwise marks the resource tried, for the caller to make it once. */
static bool slot_tried(struct session_slot *slot, const void *made,
		       struct err *err)
{
	if (!slot->tried) {
		slot->tried = true;
		return false;
	}
	if (!made)
		slot_report(slot, err);
	return true;
}

/* Forgets a resource's state. */
static void slot_done(struct session_slot *slot)
{
	free(slot->error);
	memset(slot, 0, sizeof *slot);
}

/* Starts an empty session. */
void session_init(struct session *s, const struct session_options *opt)
{
	memset(s, 0, sizeof *s);
	if (opt)
		s->opt = *opt;
}

/* Copies a resource's state, failure included. */
static void slot_copy(struct session_slot *dst, const struct session_slot *src)
{
	*dst = *src;
	dst->error = src->error ? xstrdup(src->error) : NULL;
}

/* Starts a worker's session from its parent's. */
void session_init_worker(struct session *child, struct session *parent)
{
	memset(child, 0, sizeof *child);
	child->opt = parent->opt;
	session_store(parent, NULL);
	if (parent->db_path || parent->opt.db_path)
		child->worker_db = xstrdup(
		    parent->db_path ? parent->db_path : parent->opt.db_path);
	child->opt.db_path = child->worker_db;
	session_dns(parent, NULL);
	if (parent->dns && dns_is_offline(parent->dns)) {
		child->dns = dns_table_view(parent->dns);
		child->dns_slot.tried = child->dns != NULL;
	} else if (!parent->dns) {
		slot_copy(&child->dns_slot, &parent->dns_slot);
	}
	child->borrowed = true;
	session_providers(parent, NULL);
	child->providers = parent->providers;
	slot_copy(&child->providers_slot, &parent->providers_slot);
	child->orgdomain = (struct orgdomain *)session_orgdomain(parent);
	child->orgdomain_tried = true;
}

/* Frees what the session made. */
void session_done(struct session *s)
{
	dns_free(s->dns);
	slot_done(&s->dns_slot);
	store_close(s->store);
	slot_done(&s->store_slot);
	free(s->db_path);
	free(s->worker_db);
	if (!s->borrowed) {
		providers_free(s->providers);
		orgdomain_free(s->orgdomain);
	}
	slot_done(&s->providers_slot);
	memset(s, 0, sizeof *s);
}

/* Takes new options for what is made later. */
void session_set_options(struct session *s, const struct session_options *opt)
{
	s->opt = *opt;
}

/* Makes the resolver once. */
struct dns *session_dns(struct session *s, struct err *err)
{
	struct err e = ERR_INIT;

	if (slot_tried(&s->dns_slot, s->dns, err))
		return s->dns;
	if (s->opt.nzones > 0) {
		struct dns *dns = dns_new_table();

		for (size_t i = 0; i < s->opt.nzones; i++) {
			if (dns_table_load_zone(dns, s->opt.zones[i], NULL,
						&e) != STATUS_OK) {
				dns_free(dns);
				dns = NULL;
				break;
			}
		}
		s->dns = dns;
	} else {
		struct dns_live_options o = {
			.servers = s->opt.resolver,
			.timeout = s->opt.timeout,
		};

		if (dns_new_live(&s->dns, &o, &e) != STATUS_OK)
			s->dns = NULL;
	}
	if (!s->dns)
		slot_fail(&s->dns_slot, &e, err);
	err_done(&e);
	return s->dns;
}

/* Replaces the resolver. */
void session_set_dns(struct session *s, struct dns *dns)
{
	dns_free(s->dns);
	slot_done(&s->dns_slot);
	s->dns = dns;
	s->dns_slot.tried = true;
}

/* The database to use: --db, else "db =" in the configuration file,
 * else the default file (NULL when there is none, err untouched); NULL
 * with err set when the configuration file cannot be read. */
static char *db_target(const struct session *s, struct err *err)
{
	struct config cfg;
	struct err none = ERR_INIT;
	char *target = NULL, *file;

	if (s->opt.db_path)
		return xstrdup(s->opt.db_path);
	/* No place for a configuration file (no HOME): none to read. */
	if (!(file = config_default_path(&none))) {
		err_done(&none);
		return store_default_path();
	}
	free(file);
	if (config_load(&cfg, NULL, err) != STATUS_OK)
		return NULL;
	if (cfg.db)
		target = xstrdup(cfg.db);
	config_done(&cfg);
	return target ? target : store_default_path();
}

/* Opens the database once. */
struct store *session_store(struct session *s, struct err *err)
{
	struct err e = ERR_INIT;

	if (slot_tried(&s->store_slot, s->store, err))
		return s->store;
	free(s->db_path);
	s->db_path = db_target(s, &e);
	if (!s->db_path && e.status != STATUS_OK) {
		slot_fail(&s->store_slot, &e, err);
		err_done(&e);
		return NULL;
	}
	if (!s->db_path) {
		/* Never the current directory: say where it can go. */
		err_set(&e, STATUS_USAGE,
			_("neither XDG_DATA_HOME nor HOME is set, so the "
			  "database has no place: give --db PATH or set "
			  "XDG_DATA_HOME"));
		slot_fail(&s->store_slot, &e, err);
		err_done(&e);
		return NULL;
	}
	if (store_open(&s->store, s->db_path, &e) != STATUS_OK) {
		s->store = NULL;
		slot_fail(&s->store_slot, &e, err);
	}
	err_done(&e);
	return s->store;
}

/* Whether there is a database to open. */
bool session_store_exists(const struct session *s)
{
	struct err e = ERR_INIT;
	char *target;
	bool exists;

	if (s->store_slot.tried)
		return s->store != NULL;
	target = db_target(s, &e);
	/* A broken configuration file: let opening say so. */
	exists = e.status != STATUS_OK ||
		 (target && (store_target_is_server(target) ||
			     access(target, F_OK) == 0));
	err_done(&e);
	free(target);
	return exists;
}

/* Opens the database only when there is one. */
struct store *session_store_existing(struct session *s)
{
	if (s->store_slot.tried)
		return s->store;
	return session_store_exists(s) ? session_store(s, NULL) : NULL;
}

/* The database for what only reads; never creates one. */
struct store *session_store_read(struct session *s, struct err *err)
{
	char *path;

	session_store_existing(s);
	if (s->store_slot.tried)
		return session_store(s, err);
	path = s->opt.db_path ? xstrdup(s->opt.db_path) : store_default_path();
	/* Nowhere for one: the same refusal as for a command that writes
	 * (session_store says where it can go, and creates nothing). */
	if (!path)
		return session_store(s, err);
	err_set(err, STATUS_NOT_FOUND,
		_("%s: no database yet, so no domain is tracked (add one "
		  "with: dmarcpilot domain add DOMAIN)"),
		path);
	free(path);
	return NULL;
}

/* Closes the database. */
void session_store_close(struct session *s)
{
	store_close(s->store);
	s->store = NULL;
	slot_done(&s->store_slot);
}

/* Joins the data directory and a file name. */
char *session_data_path(const struct session *s, const char *name)
{
	return xasprintf("%s/%s", s->opt.datadir ? s->opt.datadir : ".", name);
}

/* Loads the catalogue once. */
const struct providers *session_providers(struct session *s, struct err *err)
{
	struct err e = ERR_INIT;
	char *path;

	if (slot_tried(&s->providers_slot, s->providers, err))
		return s->providers;
	path = session_data_path(s, "providers.ini");
	if (providers_load(&s->providers, path, &e) != STATUS_OK) {
		s->providers = NULL;
		slot_fail(&s->providers_slot, &e, err);
	}
	free(path);
	err_done(&e);
	return s->providers;
}

/* Loads the Public Suffix List once. */
const struct orgdomain *session_orgdomain(struct session *s)
{
	if (!s->orgdomain_tried) {
		s->orgdomain_tried = true;
		s->orgdomain = orgdomain_new();
	}
	return s->orgdomain;
}

/* Why the resolver is missing. */
const char *session_dns_error(const struct session *s)
{
	return s->dns ? NULL : s->dns_slot.error;
}

/* Why the database is missing. */
const char *session_store_error(const struct session *s)
{
	return s->store ? NULL : s->store_slot.error;
}

/* Why the catalogue is missing. */
const char *session_providers_error(const struct session *s)
{
	return s->providers ? NULL : s->providers_slot.error;
}
