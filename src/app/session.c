/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The session's lazily made resources (session.h). */
#include "config.h"

#include "app/session.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/xalloc.h"

/* Remembers a resource's first failure. */
static void slot_fail(struct session_slot *slot, const struct err *err)
{
	slot->status = err->status != STATUS_OK ? err->status : STATUS_IO;
	free(slot->error);
	slot->error = xstrdup(err_message(err));
}

/* Gives the remembered failure of a resource to the caller. */
static void slot_report(const struct session_slot *slot, struct err *err)
{
	if (err && slot->error)
		err_set(err, slot->status, "%s", slot->error);
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

/* Frees what the session made. */
void session_done(struct session *s)
{
	dns_free(s->dns);
	slot_done(&s->dns_slot);
	store_close(s->store);
	slot_done(&s->store_slot);
	free(s->db_path);
	providers_free(s->providers);
	slot_done(&s->providers_slot);
	orgdomain_free(s->orgdomain);
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

	if (s->dns_slot.tried) {
		if (!s->dns)
			slot_report(&s->dns_slot, err);
		return s->dns;
	}
	s->dns_slot.tried = true;
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
	if (!s->dns) {
		slot_fail(&s->dns_slot, &e);
		slot_report(&s->dns_slot, err);
	}
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

/* Opens the database once. */
struct store *session_store(struct session *s, struct err *err)
{
	struct err e = ERR_INIT;

	if (s->store_slot.tried) {
		if (!s->store)
			slot_report(&s->store_slot, err);
		return s->store;
	}
	s->store_slot.tried = true;
	free(s->db_path);
	s->db_path = s->opt.db_path ? xstrdup(s->opt.db_path)
				    : store_default_path();
	if (!s->db_path) {
		/* Never the current directory: say where it can go. */
		err_set(&e, STATUS_USAGE,
			_("neither XDG_DATA_HOME nor HOME is set, so the "
			  "database has no place: give --db PATH or set "
			  "XDG_DATA_HOME"));
		slot_fail(&s->store_slot, &e);
		slot_report(&s->store_slot, err);
		err_done(&e);
		return NULL;
	}
	if (store_open(&s->store, s->db_path, &e) != STATUS_OK) {
		s->store = NULL;
		slot_fail(&s->store_slot, &e);
		slot_report(&s->store_slot, err);
	}
	err_done(&e);
	return s->store;
}

/* Opens the database only when its file exists. */
struct store *session_store_existing(struct session *s)
{
	char *path;
	bool exists;

	if (s->store_slot.tried)
		return s->store;
	path = s->opt.db_path ? xstrdup(s->opt.db_path) : store_default_path();
	exists = path && access(path, F_OK) == 0;
	free(path);
	return exists ? session_store(s, NULL) : NULL;
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

/* Loads the catalogue once. */
const struct providers *session_providers(struct session *s, struct err *err)
{
	struct err e = ERR_INIT;
	char *path;

	if (s->providers_slot.tried) {
		if (!s->providers)
			slot_report(&s->providers_slot, err);
		return s->providers;
	}
	s->providers_slot.tried = true;
	path = xasprintf("%s/providers.ini",
			 s->opt.datadir ? s->opt.datadir : ".");
	if (providers_load(&s->providers, path, &e) != STATUS_OK) {
		s->providers = NULL;
		slot_fail(&s->providers_slot, &e);
		slot_report(&s->providers_slot, err);
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
