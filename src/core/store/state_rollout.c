/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rollout's own state: DKIM keys (paths, never the keys), the rungs
 * verified live, and the plan's settings per domain. */
#include "config.h"

#include "store/state.h"
#include "store/rotation_store.h"
#include "store/state_internal.h"

#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "spf/spf_build.h"
#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

static const char *const rung_kind_names[] = {
	[RUNG_SPF] = "spf",
	[RUNG_DMARC] = "dmarc",
};

/* ---------------------------------------------------------------- DKIM */

/* Records a DKIM key. */
enum status state_dkim_key_add(struct store *store, const char *domain,
			       const struct state_dkim_key *key,
			       int64_t *id, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	char *exists = NULL;
	int64_t domain_id;
	enum status st;

	/* RFC 6376 3.1: a selector is one or more labels. */
	if (!key->selector ||
	    !dname_valid(key->selector, DNAME_UNDERSCORE | DNAME_ONE_LABEL) ||
	    key->selector[strlen(key->selector) - 1] == '.') {
		char *clean = text_clean_str(key->selector);

		st = err_set(err, STATUS_USAGE, _("not a DKIM selector: %s"),
			     clean);
		free(clean);
		return st;
	}
	if ((st = store_begin(store, err)))
		return st;
	if ((st = state_domain_lookup(store, domain, &domain_id, err)))
		goto fail;
	if ((st = state_stmt_prepare(
		     store, &stmt,
		     "INSERT INTO dkim_key(domain_id, selector,"
		     " algorithm, bits, key_path, provider, created,"
		     " published, retired)"
		     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		     err)))
		goto fail;
	sqlite3_bind_int64(stmt, 1, domain_id);
	state_bind_text(stmt, 2, key->selector);
	state_bind_text(stmt, 3, key->algorithm ? key->algorithm : "rsa");
	if (key->bits > 0)
		sqlite3_bind_int(stmt, 4, key->bits);
	else
		sqlite3_bind_null(stmt, 4);
	state_bind_text(stmt, 5, key->key_path);
	state_bind_text(stmt, 6, key->provider);
	state_bind_date(stmt, 7, key->created);
	state_bind_date(stmt, 8, key->published);
	state_bind_date(stmt, 9, key->retired);
	exists = xasprintf(_("selector %s is already there"), key->selector);
	if ((st = state_stmt_done(store, stmt, _("adding a DKIM key"), exists,
				  err)))
		goto fail;
	if (id)
		*id = sqlite3_last_insert_rowid(store_db(store));
fail:
	sqlite3_finalize(stmt);
	free(exists);
	return state_finish(store, st, err);
}

/* Maps a row of dkim_key. */
static bool key_row(sqlite3_stmt *stmt, void *item)
{
	struct state_dkim_key *v = item;

	v->id = sqlite3_column_int64(stmt, 0);
	v->selector = state_column_text(stmt, 1);
	v->algorithm = state_column_text(stmt, 2);
	v->bits = sqlite3_column_int(stmt, 3);
	v->key_path = state_column_text(stmt, 4);
	v->provider = state_column_text(stmt, 5);
	v->created = state_column_date(stmt, 6);
	v->published = state_column_date(stmt, 7);
	v->retired = state_column_date(stmt, 8);
	return true;
}

/* Lists a domain's keys. */
enum status state_dkim_key_list(struct store *store, const char *domain,
				struct state_dkim_key **out, size_t *count,
				struct err *err)
{
	struct state_items it = STATE_ITEMS_INIT;
	enum status st;

	st = state_list(store, domain,
			"SELECT id, selector, algorithm, bits, key_path,"
			" provider, created, published, retired"
			" FROM dkim_key WHERE domain_id = ?1"
			" ORDER BY created, selector",
			sizeof(struct state_dkim_key), key_row, &it,
			_("listing DKIM keys"), err);
	if (st != STATUS_OK) {
		state_dkim_keys_free(it.v, it.n);
		it.v = NULL;
		it.n = 0;
	}
	*out = it.v;
	*count = it.n;
	return st;
}

/* Frees a key list. */
void state_dkim_keys_free(struct state_dkim_key *keys, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(keys[i].selector);
		free(keys[i].algorithm);
		free(keys[i].key_path);
		free(keys[i].provider);
	}
	free(keys);
}

/* Sets one date column of a key inside the caller's transaction. */
static enum status dkim_key_update(struct store *store, int64_t domain_id,
				   const char *selector, const char *sql,
				   date_t day, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	if ((st = state_stmt_prepare(store, &stmt, sql, err)))
		return st;
	state_bind_date(stmt, 1, day);
	sqlite3_bind_int64(stmt, 2, domain_id);
	state_bind_text(stmt, 3, selector);
	st = state_stmt_done(store, stmt, _("updating a DKIM key"), NULL, err);
	if (!st && sqlite3_changes(store_db(store)) == 0) {
		char *clean = text_clean_str(selector);

		st = err_set(err, STATUS_NOT_FOUND,
			     _("%s: no DKIM selector %s"), store_path(store),
			     clean);
		free(clean);
	}
	sqlite3_finalize(stmt);
	return st;
}

/* Sets one date column of a key. */
static enum status dkim_key_set_date(struct store *store, const char *domain,
				     const char *selector, const char *sql,
				     date_t day, struct err *err)
{
	int64_t domain_id;
	enum status st;

	if ((st = store_begin(store, err)))
		return st;
	if (!(st = state_domain_lookup(store, domain, &domain_id, err)))
		st = dkim_key_update(store, domain_id, selector, sql, day,
				     err);
	return state_finish(store, st, err);
}

/* Marks a key live. */
enum status state_dkim_key_published(struct store *store, const char *domain,
				     const char *selector, date_t day,
				     struct err *err)
{
	return dkim_key_set_date(store, domain, selector,
				 "UPDATE dkim_key SET published = ?1"
				 " WHERE domain_id = ?2 AND selector = ?3",
				 day, err);
}

/* Marks a key retired. */
enum status state_dkim_key_retired(struct store *store, const char *domain,
				   const char *selector, date_t day,
				   struct err *err)
{
	return dkim_key_set_date(store, domain, selector,
				 "UPDATE dkim_key SET retired = ?1"
				 " WHERE domain_id = ?2 AND selector = ?3",
				 day, err);
}

/* Records a generated key, adding the domain when it is not there. */
enum status state_dkim_keygen_record(void *arg,
				     const struct dkim_generated *g,
				     date_t today, struct err *err)
{
	struct store *store = arg;
	struct state_dkim_key key = {
		.selector = g->selector,
		.algorithm = (char *)dkim_key_type_name(g->type),
		.bits = g->bits,
		.key_path = g->path,
		.created = today,
		.published = DATE_NONE,
		.retired = DATE_NONE,
	};
	enum status st;

	st = state_domain_add(store, g->domain, today, NULL, err);
	if (st == STATUS_EXISTS) {
		err_done(err);
		st = STATUS_OK;
	}
	if (st == STATUS_OK)
		st = state_dkim_key_add(store, g->domain, &key, NULL, err);
	return st;
}

/* ---------------------------------------------------------------- rungs */

/* Stores what each include of a rung's record cost. */
static enum status rung_costs_add(struct store *store, int64_t rung_id,
				  const struct state_cost *costs,
				  size_t ncosts, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	if ((st = state_stmt_prepare(
		     store, &stmt,
		     "INSERT INTO rung_include_cost(rung_id, position,"
		     " include, lookups) VALUES (?1, ?2, ?3, ?4)",
		     err)))
		return st;
	for (size_t i = 0; i < ncosts && st == STATUS_OK; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_int64(stmt, 1, rung_id);
		sqlite3_bind_int64(stmt, 2, (int64_t)i);
		state_bind_text(stmt, 3, costs[i].include);
		sqlite3_bind_int(stmt, 4, costs[i].lookups);
		st = state_stmt_done(store, stmt, _("recording a rung"), NULL,
				     err);
	}
	sqlite3_finalize(stmt);
	return st;
}

/* Inserts a rung and what each include cost into the history inside
 * the caller's transaction (lookups -1: not counted). */
static enum status rung_insert(struct store *store, int64_t domain_id,
			       enum rung_kind kind, int rung,
			       const char *record, int lookups,
			       const struct state_cost *costs, size_t ncosts,
			       date_t verified, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	if ((st = state_stmt_prepare(
		     store, &stmt,
		     "INSERT INTO rung_history(domain_id, kind, rung,"
		     " record, verified, lookups)"
		     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		     err)))
		return st;
	sqlite3_bind_int64(stmt, 1, domain_id);
	state_bind_text(stmt, 2, rung_kind_names[kind]);
	sqlite3_bind_int(stmt, 3, rung);
	state_bind_text(stmt, 4, record);
	state_bind_date(stmt, 5, verified);
	if (lookups >= 0)
		sqlite3_bind_int(stmt, 6, lookups);
	else
		sqlite3_bind_null(stmt, 6);
	st = state_stmt_done(store, stmt, _("recording a rung"), NULL, err);
	if (st == STATUS_OK)
		st = rung_costs_add(store,
				    sqlite3_last_insert_rowid(store_db(store)),
				    costs, ncosts, err);
	sqlite3_finalize(stmt);
	return st;
}

static enum status flattened_add(struct store *store, int64_t domain_id,
				 const struct spf_flat_item *item,
				 date_t today, struct err *err);

/* Replaces the remembered flattened includes by those f flattened, dated
 * today, inside the caller's transaction. */
static enum status flattened_replace(struct store *store, int64_t domain_id,
				     const struct spf_flatten *f, date_t today,
				     struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	if ((st = state_stmt_prepare(store, &stmt,
				     "DELETE FROM spf_flattened"
				     " WHERE domain_id = ?1",
				     err)))
		return st;
	sqlite3_bind_int64(stmt, 1, domain_id);
	st = state_stmt_done(store, stmt, "spf_flattened", NULL, err);
	sqlite3_finalize(stmt);
	for (size_t i = 0; f && i < f->nitems && st == STATUS_OK; i++)
		if (f->items[i].flattened)
			st = flattened_add(store, domain_id, &f->items[i],
					   today, err);
	return st;
}

/* Records the key a service publishes, when the domain has no key of
 * that selector yet, inside the caller's transaction. */
static enum status provider_key_insert(struct store *store,
				       int64_t domain_id,
				       const struct state_step *step,
				       struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	/* RFC 6376 3.6.1: k= defaults to rsa; the service's record is
	 * not ours to parse here. */
	if ((st = state_stmt_prepare(
		     store, &stmt,
		     "INSERT OR IGNORE INTO dkim_key(domain_id, selector,"
		     " algorithm, provider, created) VALUES (?1, ?2, 'rsa',"
		     " ?3, ?4)",
		     err)))
		return st;
	sqlite3_bind_int64(stmt, 1, domain_id);
	state_bind_text(stmt, 2, step->dkim_selector);
	state_bind_text(stmt, 3, step->dkim_provider);
	state_bind_date(stmt, 4, step->verified);
	st = state_stmt_done(store, stmt, _("recording a DKIM key"), NULL,
			     err);
	sqlite3_finalize(stmt);
	return st;
}

/* Applies one step inside the caller's transaction. */
static enum status step_apply(struct store *store, int64_t domain_id,
			      const struct state_step *step, struct err *err)
{
	enum status st;

	if (step->dkim_selector) {
		if ((step->dkim_provider || step->dkim_insert) &&
		    (st = provider_key_insert(store, domain_id, step, err)))
			return st;
		return dkim_key_update(store, domain_id, step->dkim_selector,
				       "UPDATE dkim_key SET published = ?1"
				       " WHERE domain_id = ?2 AND"
				       " selector = ?3",
				       step->verified, err);
	}
	if (step->replace_flattened &&
	    (st = flattened_replace(store, domain_id, step->flattened,
				    step->verified, err)))
		return st;
	return rung_insert(store, domain_id, step->kind, step->rung,
			   step->record, step->lookups, step->costs,
			   step->ncosts, step->verified, err);
}

/* Records several steps at once. */
enum status state_steps_record(struct store *store, const char *domain,
			       const struct state_step *steps, size_t count,
			       struct err *err)
{
	int64_t domain_id;
	enum status st;

	if ((st = store_begin(store, err)))
		return st;
	st = state_domain_lookup(store, domain, &domain_id, err);
	for (size_t i = 0; i < count && !st; i++)
		st = step_apply(store, domain_id, &steps[i], err);
	return state_finish(store, st, err);
}

/* Records a verified step at once. */
enum status state_step_record(struct store *store, const char *domain,
			      const struct state_step *step, struct err *err)
{
	return state_steps_record(store, domain, step, 1, err);
}

/* Appends a rung to the history. */
enum status state_rung_add(struct store *store, const char *domain,
			   enum rung_kind kind, int rung, const char *record,
			   date_t verified, struct err *err)
{
	struct state_step step = { .kind = kind, .rung = rung,
				   .record = record, .lookups = -1,
				   .verified = verified };

	return state_step_record(store, domain, &step, err);
}

/* Appends an SPF rung with its lookups. */
enum status state_rung_add_spf(struct store *store, const char *domain,
			       int rung, const char *record, int lookups,
			       const struct state_cost *costs, size_t ncosts,
			       date_t verified, struct err *err)
{
	struct state_step step = { .kind = RUNG_SPF, .rung = rung,
				   .record = record, .lookups = lookups,
				   .costs = costs,
				   .ncosts = ncosts, .verified = verified };

	return state_step_record(store, domain, &step, err);
}

/* Maps a row of rung_history. */
static bool rung_row(sqlite3_stmt *stmt, void *item)
{
	const unsigned char *k = sqlite3_column_text(stmt, 1);
	struct state_rung *r = item;

	r->id = sqlite3_column_int64(stmt, 0);
	r->kind = k && strcmp((const char *)k, "spf") == 0 ? RUNG_SPF
							   : RUNG_DMARC;
	r->rung = sqlite3_column_int(stmt, 2);
	r->record = state_column_text(stmt, 3);
	if (!r->record)
		r->record = xstrdup("");
	r->verified = state_column_date(stmt, 4);
	r->lookups = sqlite3_column_type(stmt, 5) == SQLITE_NULL
			 ? -1
			 : sqlite3_column_int(stmt, 5);
	return true;
}

/* Maps a row of rung_include_cost onto its rung. */
static void rung_cost_row(sqlite3_stmt *stmt, void *arg)
{
	struct state_items *it = arg;
	struct state_rung *v = it->v, *r = NULL;
	int64_t id = sqlite3_column_int64(stmt, 0);

	for (size_t i = 0; i < it->n && !r; i++)
		if (v[i].id == id)
			r = &v[i];
	if (!r)
		return;
	r->costs = xrealloc(r->costs, (r->ncosts + 1) * sizeof *r->costs);
	r->costs[r->ncosts].include = state_column_text(stmt, 1);
	if (!r->costs[r->ncosts].include)
		r->costs[r->ncosts].include = xstrdup("");
	r->costs[r->ncosts].lookups = sqlite3_column_int(stmt, 2);
	r->ncosts++;
}

/* Lists the history of a domain, then attaches the include costs. */
enum status state_rung_list(struct store *store, const char *domain,
			    struct state_rung **out, size_t *count,
			    struct err *err)
{
	struct state_items it = STATE_ITEMS_INIT;
	sqlite3_stmt *stmt = NULL;
	enum status st;

	st = state_list(store, domain,
			"SELECT id, kind, rung, record, verified, lookups"
			" FROM rung_history WHERE domain_id = ?1"
			" ORDER BY verified, id",
			sizeof(struct state_rung), rung_row, &it,
			_("reading the rung history"), err);
	if (st == STATUS_OK &&
	    (st = state_stmt_prepare(
		 store, &stmt,
		 "SELECT c.rung_id, c.include, c.lookups"
		 " FROM rung_include_cost c JOIN rung_history r"
		 " ON r.id = c.rung_id JOIN domain d ON d.id = r.domain_id"
		 " WHERE d.name = ?1 ORDER BY c.rung_id, c.position",
		 err)) == STATUS_OK) {
		char *norm = dname_normalize(domain, STATE_NAME_FLAGS);

		state_bind_text(stmt, 1, norm);
		free(norm);
		st = state_rows(store, stmt, rung_cost_row, &it,
				_("reading the rung history"), err);
	}
	if (st != STATUS_OK) {
		state_rungs_free(it.v, it.n);
		it.v = NULL;
		it.n = 0;
	}
	*out = it.v;
	*count = it.n;
	return st;
}

/* Frees the costs of a rung. */
void state_costs_free(struct state_cost *costs, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(costs[i].include);
	free(costs);
}

/* Frees a history. */
void state_rungs_free(struct state_rung *rungs, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(rungs[i].record);
		state_costs_free(rungs[i].costs, rungs[i].ncosts);
	}
	free(rungs);
}

/* ---------------------------------------------------------------- settings */

/* The defaults of DESIGN.md section 4. */
void state_settings_defaults(struct state_settings *s)
{
	memset(s, 0, sizeof *s);
	s->min_days_monitor = 28;
	s->min_days_rung = 7;
	s->window_days = 14;
	s->pass_threshold = 98.0;
	s->unknown_threshold = 0.5;
	s->dkim_rotation_interval = DKIM_INTERVAL_BIANNUAL;
}

/* Frees the strings. */
void state_settings_done(struct state_settings *s)
{
	free(s->rungs);
	free(s->rua);
	free(s->ruf);
	free(s->adkim);
	free(s->aspf);
	free(s->sp);
	free(s->np);
	free(s->spf_all);
	free(s->servers);
	free(s->publish_server);
	free(s->publish_key);
	state_settings_defaults(s);
}

/* Maps the row of plan_settings; NULL columns keep the default. */
static bool settings_row(sqlite3_stmt *stmt, void *item)
{
	struct state_settings *out = item;

	state_settings_defaults(out);
	out->rungs = state_column_text(stmt, 0);
	if (sqlite3_column_type(stmt, 1) != SQLITE_NULL)
		out->min_days_monitor = sqlite3_column_int(stmt, 1);
	if (sqlite3_column_type(stmt, 2) != SQLITE_NULL)
		out->min_days_rung = sqlite3_column_int(stmt, 2);
	if (sqlite3_column_type(stmt, 3) != SQLITE_NULL)
		out->window_days = sqlite3_column_int(stmt, 3);
	if (sqlite3_column_type(stmt, 4) != SQLITE_NULL)
		out->pass_threshold = sqlite3_column_double(stmt, 4);
	if (sqlite3_column_type(stmt, 5) != SQLITE_NULL)
		out->unknown_threshold = sqlite3_column_double(stmt, 5);
	out->rua = state_column_text(stmt, 6);
	out->ruf = state_column_text(stmt, 7);
	out->adkim = state_column_text(stmt, 8);
	out->aspf = state_column_text(stmt, 9);
	out->sp = state_column_text(stmt, 10);
	out->np = state_column_text(stmt, 11);
	out->spf_all = state_column_text(stmt, 12);
	out->servers = state_column_text(stmt, 13);
	out->publish_server = state_column_text(stmt, 14);
	out->publish_key = state_column_text(stmt, 15);
	if (sqlite3_column_type(stmt, 16) != SQLITE_NULL)
		out->publish_port = sqlite3_column_int(stmt, 16);
	return true;
}

/* Reads the stored settings over the defaults. */
enum status state_settings_get(struct store *store, const char *domain,
			       struct state_settings *out, struct err *err)
{
	struct state_items it = STATE_ITEMS_INIT;
	struct state_settings *row;
	enum status st;

	state_settings_defaults(out);
	st = state_list(store, domain,
			"SELECT rungs, min_days_monitor, min_days_rung,"
			" window_days, pass_threshold, unknown_threshold,"
			" rua, ruf, adkim, aspf, sp, np, spf_all,"
			" servers, publish_server, publish_key, publish_port"
			" FROM plan_settings WHERE domain_id = ?1",
			sizeof *out, settings_row, &it,
			_("reading plan settings"), err);
	/* domain_id is the key: one row at most. */
	row = it.v;
	for (size_t i = 0; i < it.n; i++) {
		if (st == STATUS_OK && i == 0)
			*out = row[i];
		else
			state_settings_done(&row[i]);
	}
	free(it.v);
	/* The rotation interval lives with the rotations. */
	if (st == STATUS_OK)
		st = rotation_store_interval_get(store, domain,
						 &out->dkim_rotation_interval,
						 err);
	return st;
}

/* True if s is NULL or one of the words. */
static bool word_ok(const char *s, const char *const *words)
{
	if (!s)
		return true;
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

/* Checks settings before they are stored. */
static enum status settings_check(const struct state_settings *s,
				  struct err *err)
{
	static const char *const align[] = { "r", "s", NULL };
	static const char *const policy[] = { "none", "quarantine", "reject",
					      NULL };
	static const char *const all[] = { "softfail", "fail", NULL };

	if (s->min_days_monitor < 1 || s->min_days_monitor > 3650 ||
	    s->min_days_rung < 1 || s->min_days_rung > 3650)
		return err_set(err, STATUS_USAGE,
			       _("minimum days must be between 1 and 3650"));
	if (s->window_days < 1 || s->window_days > 366)
		return err_set(err, STATUS_USAGE,
			       _("the report window must be between 1 and "
				 "366 days"));
	if (!(s->pass_threshold >= 0 && s->pass_threshold <= 100) ||
	    !(s->unknown_threshold >= 0 && s->unknown_threshold <= 100))
		return err_set(err, STATUS_USAGE,
			       _("thresholds are percentages between 0 and "
				 "100"));
	/* RFC 7489 6.3: adkim and aspf are "r" or "s". */
	if (!word_ok(s->adkim, align) || !word_ok(s->aspf, align))
		return err_set(err, STATUS_USAGE,
			       _("adkim and aspf are r or s"));
	/* RFC 7489 6.3 sp, RFC 9989 np: none, quarantine or reject. */
	if (!word_ok(s->sp, policy) || !word_ok(s->np, policy))
		return err_set(err, STATUS_USAGE,
			       _("sp and np are none, quarantine or reject"));
	if (!word_ok(s->spf_all, all))
		return err_set(err, STATUS_USAGE,
			       _("the SPF all is softfail or fail"));
	if (s->publish_port < 0 || s->publish_port > 65535)
		return err_set(err, STATUS_USAGE,
			       _("a port is between 1 and 65535"));
	return STATUS_OK;
}

/* Replaces the stored settings. */
enum status state_settings_set(struct store *store, const char *domain,
			       const struct state_settings *s,
			       struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	int64_t domain_id;
	enum status st;

	if ((st = settings_check(s, err)))
		return st;
	if ((st = store_begin(store, err)))
		return st;
	if ((st = state_domain_lookup(store, domain, &domain_id, err)))
		goto fail;
	if ((st = state_stmt_prepare(
		     store, &stmt,
		     "INSERT OR REPLACE INTO plan_settings(domain_id,"
		     " rungs, min_days_monitor, min_days_rung,"
		     " window_days, pass_threshold,"
		     " unknown_threshold, rua, ruf, adkim, aspf, sp,"
		     " np, spf_all, servers, publish_server, publish_key,"
		     " publish_port) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
		     " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		     " ?17, ?18)",
		     err)))
		goto fail;
	sqlite3_bind_int64(stmt, 1, domain_id);
	state_bind_text(stmt, 2, s->rungs);
	sqlite3_bind_int(stmt, 3, s->min_days_monitor);
	sqlite3_bind_int(stmt, 4, s->min_days_rung);
	sqlite3_bind_int(stmt, 5, s->window_days);
	sqlite3_bind_double(stmt, 6, s->pass_threshold);
	sqlite3_bind_double(stmt, 7, s->unknown_threshold);
	state_bind_text(stmt, 8, s->rua);
	state_bind_text(stmt, 9, s->ruf);
	state_bind_text(stmt, 10, s->adkim);
	state_bind_text(stmt, 11, s->aspf);
	state_bind_text(stmt, 12, s->sp);
	state_bind_text(stmt, 13, s->np);
	state_bind_text(stmt, 14, s->spf_all);
	state_bind_text(stmt, 15, s->servers);
	state_bind_text(stmt, 16, s->publish_server);
	state_bind_text(stmt, 17, s->publish_key);
	if (s->publish_port)
		sqlite3_bind_int(stmt, 18, s->publish_port);
	else
		sqlite3_bind_null(stmt, 18);
	st = state_stmt_done(store, stmt, _("storing plan settings"), NULL,
			     err);
	if (st == STATUS_OK)
		st = rotation_store_interval_put(store, domain_id,
						 s->dkim_rotation_interval,
						 err);
fail:
	sqlite3_finalize(stmt);
	return state_finish(store, st, err);
}

/* ---------------------------------------------------------------- flattened */

/* Stores one flattened include and its addresses. */
static enum status flattened_add(struct store *store, int64_t domain_id,
				 const struct spf_flat_item *item,
				 date_t today, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;
	int64_t id;

	if ((st = state_stmt_prepare(store, &stmt,
				     "INSERT INTO spf_flattened (domain_id,"
				     " mechanism, flattened) VALUES"
				     " (?1, ?2, ?3)",
				     err)))
		return st;
	sqlite3_bind_int64(stmt, 1, domain_id);
	state_bind_text(stmt, 2, item->mechanism);
	state_bind_date(stmt, 3, today);
	st = state_stmt_done(store, stmt, "spf_flattened", NULL, err);
	sqlite3_finalize(stmt);
	if (st != STATUS_OK)
		return st;
	id = sqlite3_last_insert_rowid(store_db(store));
	if ((st = state_stmt_prepare(store, &stmt,
				     "INSERT INTO spf_flattened_address"
				     " (flattened_id, position, address)"
				     " VALUES (?1, ?2, ?3)",
				     err)))
		return st;
	for (size_t j = 0; j < item->naddresses && st == STATUS_OK; j++) {
		sqlite3_reset(stmt);
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, (int64_t)j);
		state_bind_text(stmt, 3, item->addresses[j]);
		st = state_stmt_done(store, stmt, "spf_flattened", NULL, err);
	}
	sqlite3_finalize(stmt);
	return st;
}

/* Replaces the flattened includes of a domain. */
enum status state_flattened_save(struct store *store, const char *domain,
				 const struct spf_flatten *f, date_t today,
				 struct err *err)
{
	int64_t domain_id;
	enum status st;

	if ((st = store_begin(store, err)))
		return st;
	if (!(st = state_domain_lookup(store, domain, &domain_id, err)))
		st = flattened_replace(store, domain_id, f, today, err);
	return state_finish(store, st, err);
}

/* A list of flattened includes being read. */
struct flattened_fill {
	struct spf_flat_saved *v;
	int64_t *ids; /* their row ids */
	size_t n, cap, idcap;
};

/* Maps a row of spf_flattened. */
static void flattened_row(sqlite3_stmt *stmt, void *arg)
{
	struct flattened_fill *fill = arg;
	struct spf_flat_saved *f;

	fill->v = xgrow(fill->v, &fill->cap, fill->n + 1, sizeof *fill->v);
	f = &fill->v[fill->n++];
	memset(f, 0, sizeof *f);
	f->mechanism = state_column_text(stmt, 1);
	if (!f->mechanism)
		f->mechanism = xstrdup("");
	f->flattened = state_column_date(stmt, 2);
	fill->ids = xgrow(fill->ids, &fill->idcap, fill->n, sizeof *fill->ids);
	fill->ids[fill->n - 1] = sqlite3_column_int64(stmt, 0);
}

/* Maps a row of spf_flattened_address onto its include. */
static void address_row(sqlite3_stmt *stmt, void *arg)
{
	struct flattened_fill *fill = arg;
	int64_t id = sqlite3_column_int64(stmt, 0);

	for (size_t i = 0; i < fill->n; i++) {
		struct spf_flat_saved *f = &fill->v[i];

		if (fill->ids[i] != id)
			continue;
		f->addresses = xrealloc(f->addresses, (f->naddresses + 1) *
							  sizeof *f->addresses);
		f->addresses[f->naddresses] = state_column_text(stmt, 1);
		if (!f->addresses[f->naddresses])
			f->addresses[f->naddresses] = xstrdup("");
		f->naddresses++;
		return;
	}
}

/* Lists the flattened includes of a domain. */
enum status state_flattened_list(struct store *store, const char *domain,
				 struct spf_flat_saved **out, size_t *count,
				 struct err *err)
{
	struct flattened_fill fill = { NULL, NULL, 0, 0, 0 };
	sqlite3_stmt *stmt = NULL;
	int64_t domain_id;
	enum status st;

	*out = NULL;
	*count = 0;
	st = state_domain_lookup(store, domain, &domain_id, err);
	if (st == STATUS_NOT_FOUND) {
		err_done(err);
		return STATUS_OK;
	}
	if (st != STATUS_OK)
		return st;
	if ((st = state_stmt_prepare(store, &stmt,
				     "SELECT id, mechanism, flattened"
				     " FROM spf_flattened WHERE domain_id = ?1"
				     " ORDER BY id",
				     err)))
		return st;
	sqlite3_bind_int64(stmt, 1, domain_id);
	if ((st = state_rows(store, stmt, flattened_row, &fill,
			     "spf_flattened", err)))
		goto out;
	if ((st = state_stmt_prepare(store, &stmt,
				     "SELECT a.flattened_id, a.address"
				     " FROM spf_flattened_address a"
				     " JOIN spf_flattened f"
				     " ON f.id = a.flattened_id"
				     " WHERE f.domain_id = ?1"
				     " ORDER BY a.flattened_id, a.position",
				     err)))
		goto out;
	sqlite3_bind_int64(stmt, 1, domain_id);
	st = state_rows(store, stmt, address_row, &fill, "spf_flattened",
			err);
out:
	free(fill.ids);
	if (st != STATUS_OK) {
		state_flattened_free(fill.v, fill.n);
		return st;
	}
	*out = fill.v;
	*count = fill.n;
	return STATUS_OK;
}

/* Frees a list of flattened includes. */
void state_flattened_free(struct spf_flat_saved *list, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(list[i].mechanism);
		for (size_t j = 0; j < list[i].naddresses; j++)
			free(list[i].addresses[j]);
		free(list[i].addresses);
	}
	free(list);
}
