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

/* A DKIM key being added by store_transact(). */
struct key_add {
	const char *domain;
	const struct state_dkim_key *key;
	int64_t *id;
};

/* Inserts the key's row. */
static enum status key_add_run(struct store *store, void *arg, struct err *err)
{
	const struct key_add *a = arg;
	const struct state_dkim_key *key = a->key;
	struct db_stmt *stmt = NULL;
	char *exists = NULL;
	int64_t domain_id;
	enum status st;

	if ((st = state_domain_lookup(store, a->domain, &domain_id, err)))
		goto fail;
	if ((st = store_prepare(store, &stmt,
				"INSERT INTO dkim_key(domain_id, selector,"
				" algorithm, bits, key_path, provider, created,"
				" published, retired)"
				" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
				" RETURNING id",
				err)))
		goto fail;
	db_bind_int64(stmt, 1, domain_id);
	db_bind_text(stmt, 2, key->selector);
	db_bind_text(stmt, 3, key->algorithm ? key->algorithm : "rsa");
	if (key->bits > 0)
		db_bind_int64(stmt, 4, key->bits);
	else
		db_bind_null(stmt, 4);
	db_bind_text(stmt, 5, key->key_path);
	db_bind_text(stmt, 6, key->provider);
	store_bind_date(stmt, 7, key->created);
	store_bind_date(stmt, 8, key->published);
	store_bind_date(stmt, 9, key->retired);
	exists = xasprintf(_("selector %s is already there"), key->selector);
	st = store_insert(store, stmt, _("adding a DKIM key"), exists, a->id,
			  err);
fail:
	db_finalize(stmt);
	free(exists);
	return st;
}

/* Records a DKIM key. */
enum status state_dkim_key_add(struct store *store, const char *domain,
			       const struct state_dkim_key *key, int64_t *id,
			       struct err *err)
{
	struct key_add a = { domain, key, id };
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
	return store_transact(store, key_add_run, &a, err);
}

/* Maps a row of dkim_key. */
static bool key_row(struct db_stmt *stmt, void *item)
{
	struct state_dkim_key *v = item;

	v->id = db_column_int64(stmt, 0);
	v->selector = store_column_str(stmt, 1);
	v->algorithm = store_column_str(stmt, 2);
	v->bits = (int)db_column_int64(stmt, 3);
	v->key_path = store_column_str(stmt, 4);
	v->provider = store_column_str(stmt, 5);
	v->created = store_column_date(stmt, 6);
	v->published = store_column_date(stmt, 7);
	v->retired = store_column_date(stmt, 8);
	return true;
}

/* Lists a domain's keys. */
enum status state_dkim_key_list(struct store *store, const char *domain,
				struct state_dkim_key **out, size_t *count,
				struct err *err)
{
	struct state_items it = STATE_ITEMS_INIT;
	enum status st;

	st = store_list(store, domain,
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
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt, sql, err)))
		return st;
	store_bind_date(stmt, 1, day);
	db_bind_int64(stmt, 2, domain_id);
	db_bind_text(stmt, 3, selector);
	st = store_done(store, stmt, _("updating a DKIM key"), NULL, err);
	if (!st && db_changes(stmt) == 0) {
		char *clean = text_clean_str(selector);

		st =
		    err_set(err, STATUS_NOT_FOUND, _("%s: no DKIM selector %s"),
			    store_path(store), clean);
		free(clean);
	}
	db_finalize(stmt);
	return st;
}

/* A key's date being set by store_transact(). */
struct key_date {
	const char *domain, *selector, *sql;
	date_t day;
};

/* Sets the date in the key's row. */
static enum status key_date_run(struct store *store, void *arg, struct err *err)
{
	const struct key_date *a = arg;
	int64_t domain_id;
	enum status st;

	if (!(st = state_domain_lookup(store, a->domain, &domain_id, err)))
		st = dkim_key_update(store, domain_id, a->selector, a->sql,
				     a->day, err);
	return st;
}

/* Sets one date column of a key. */
static enum status dkim_key_set_date(struct store *store, const char *domain,
				     const char *selector, const char *sql,
				     date_t day, struct err *err)
{
	struct key_date a = { domain, selector, sql, day };

	return store_transact(store, key_date_run, &a, err);
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
enum status state_dkim_keygen_record(void *arg, const struct dkim_generated *g,
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
				  const struct state_cost *costs, size_t ncosts,
				  struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(
		 store, &stmt,
		 "INSERT INTO rung_include_cost(rung_id, position,"
		 " include, lookups) VALUES (?1, ?2, ?3, ?4)",
		 err)))
		return st;
	for (size_t i = 0; i < ncosts && st == STATUS_OK; i++) {
		db_reset(stmt);
		db_bind_int64(stmt, 1, rung_id);
		db_bind_int64(stmt, 2, (int64_t)i);
		db_bind_text(stmt, 3, costs[i].include);
		db_bind_int64(stmt, 4, costs[i].lookups);
		st = store_done(store, stmt, _("recording a rung"), NULL, err);
	}
	db_finalize(stmt);
	return st;
}

/* Inserts a rung and what each include cost into the history inside
 * the caller's transaction (lookups -1: not counted). */
static enum status rung_insert(struct store *store, int64_t domain_id,
			       const struct state_step *step, struct err *err)
{
	enum rung_kind kind = step->kind;
	int rung = step->rung, lookups = step->lookups;
	const char *record = step->record;
	const struct state_cost *costs = step->costs;
	size_t ncosts = step->ncosts;
	date_t verified = step->verified;
	struct db_stmt *stmt = NULL;
	int64_t id = 0;
	enum status st;

	if ((st = store_prepare(
		 store, &stmt,
		 "INSERT INTO rung_history(domain_id, kind, rung,"
		 " record, verified, lookups, recorded_by, recorded_at)"
		 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
		 err)))
		return st;
	db_bind_int64(stmt, 1, domain_id);
	db_bind_text(stmt, 2, rung_kind_names[kind]);
	db_bind_int64(stmt, 3, rung);
	db_bind_text(stmt, 4, record);
	store_bind_date(stmt, 5, verified);
	if (lookups >= 0)
		db_bind_int64(stmt, 6, lookups);
	else
		db_bind_null(stmt, 6);
	db_bind_text(stmt, 7, step->recorded_by);
	db_bind_text(stmt, 8, step->recorded_at);
	st = store_insert(store, stmt, _("recording a rung"), NULL, &id, err);
	if (st == STATUS_OK)
		st = rung_costs_add(store, id, costs, ncosts, err);
	db_finalize(stmt);
	return st;
}

static enum status flattened_add(struct store *store, int64_t domain_id,
				 const struct spf_flat_item *item, date_t today,
				 struct err *err);

/* Replaces the remembered flattened includes by those f flattened, dated
 * today, inside the caller's transaction. */
static enum status flattened_replace(struct store *store, int64_t domain_id,
				     const struct spf_flatten *f, date_t today,
				     struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt,
				"DELETE FROM spf_flattened"
				" WHERE domain_id = ?1",
				err)))
		return st;
	db_bind_int64(stmt, 1, domain_id);
	st = store_done(store, stmt, "spf_flattened", NULL, err);
	db_finalize(stmt);
	for (size_t i = 0; f && i < f->nitems && st == STATUS_OK; i++)
		if (f->items[i].flattened)
			st = flattened_add(store, domain_id, &f->items[i],
					   today, err);
	return st;
}

/* Records the key a service publishes, when the domain has no key of
 * that selector yet, inside the caller's transaction. */
static enum status provider_key_insert(struct store *store, int64_t domain_id,
				       const struct state_step *step,
				       struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	/* RFC 6376 3.6.1: k= defaults to rsa; the service's record is
	 * not ours to parse here. */
	if ((st = store_prepare(
		 store, &stmt,
		 "INSERT INTO dkim_key(domain_id, selector,"
		 " algorithm, provider, created) VALUES (?1, ?2, 'rsa',"
		 " ?3, ?4) ON CONFLICT DO NOTHING",
		 err)))
		return st;
	db_bind_int64(stmt, 1, domain_id);
	db_bind_text(stmt, 2, step->dkim_selector);
	db_bind_text(stmt, 3, step->dkim_provider);
	store_bind_date(stmt, 4, step->verified);
	st = store_done(store, stmt, _("recording a DKIM key"), NULL, err);
	db_finalize(stmt);
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
	return rung_insert(store, domain_id, step, err);
}

/* STATUS_REFUSED naming the newest rung of the domain when it is not
 * latest_id: another operator recorded it while this step was being
 * verified. Inside the caller's transaction. */
static enum status latest_check(struct store *store, const char *domain,
				int64_t domain_id, int64_t latest_id,
				struct err *err)
{
	struct db_stmt *stmt = NULL;
	bool found = false;
	enum status st;

	if ((st = store_prepare(store, &stmt,
				"SELECT id, kind, rung, record, verified,"
				" recorded_by, recorded_at FROM rung_history"
				" WHERE domain_id = ?1 ORDER BY id DESC"
				" LIMIT 1",
				err)))
		return st;
	db_bind_int64(stmt, 1, domain_id);
	if ((st = store_first(store, stmt, &found,
			      _("reading the rung "
				"history"),
			      err)))
		goto out;
	if (found ? db_column_int64(stmt, 0) != latest_id : latest_id != 0) {
		const char *kind = db_column_text(stmt, 1);
		const char *by = db_column_text(stmt, 5);
		const char *at = db_column_text(stmt, 6);
		char *d = text_clean_str(domain);
		char *record = text_clean_str(db_column_text(stmt, 3));

		/* TRANSLATORS: "alice@desk2 recorded DMARC rung 3 at
		 * 2026-12-05 08:20 UTC (v=DMARC1; ...)". */
		st = err_set(err, STATUS_REFUSED,
			     _("%s: %s recorded %s rung %d at %s (%s) while "
			       "this step was being verified; nothing was "
			       "recorded: look at the plan again"),
			     d, by ? by : _("another operator"),
			     kind && strcmp(kind, "spf") == 0 ? "SPF" : "DMARC",
			     (int)db_column_int64(stmt, 2),
			     at ? at : db_column_text(stmt, 4), record);
		free(record);
		free(d);
	}
out:
	db_finalize(stmt);
	return st;
}

/* Steps being recorded by store_transact(). */
struct steps_add {
	const char *domain;
	const struct state_step *steps;
	size_t count;
};

/* Checks the history the steps were planned from and records them. */
static enum status steps_run(struct store *store, void *arg, struct err *err)
{
	const struct steps_add *a = arg;
	int64_t domain_id;
	enum status st;

	st = state_domain_lookup(store, a->domain, &domain_id, err);
	for (size_t i = 0; i < a->count && !st; i++)
		if (a->steps[i].check_latest)
			st = latest_check(store, a->domain, domain_id,
					  a->steps[i].latest_id, err);
	for (size_t i = 0; i < a->count && !st; i++)
		st = step_apply(store, domain_id, &a->steps[i], err);
	return st;
}

/* Records several steps at once. */
enum status state_steps_record(struct store *store, const char *domain,
			       const struct state_step *steps, size_t count,
			       struct err *err)
{
	struct steps_add a = { domain, steps, count };

	/* A serializable transaction that lost to another is run again:
	 * it then reads what the other committed (latest_check()). */
	return store_transact(store, steps_run, &a, err);
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
	struct state_step step = { .kind = kind,
				   .rung = rung,
				   .record = record,
				   .lookups = -1,
				   .verified = verified };

	return state_step_record(store, domain, &step, err);
}

/* Appends an SPF rung with its lookups. */
enum status state_rung_add_spf(struct store *store, const char *domain,
			       int rung, const char *record, int lookups,
			       const struct state_cost *costs, size_t ncosts,
			       date_t verified, struct err *err)
{
	struct state_step step = { .kind = RUNG_SPF,
				   .rung = rung,
				   .record = record,
				   .lookups = lookups,
				   .costs = costs,
				   .ncosts = ncosts,
				   .verified = verified };

	return state_step_record(store, domain, &step, err);
}

/* Maps a row of rung_history. */
static bool rung_row(struct db_stmt *stmt, void *item)
{
	const char *k = db_column_text(stmt, 1);
	struct state_rung *r = item;

	r->id = db_column_int64(stmt, 0);
	r->kind =
	    k && strcmp((const char *)k, "spf") == 0 ? RUNG_SPF : RUNG_DMARC;
	r->rung = (int)db_column_int64(stmt, 2);
	r->record = store_column_str(stmt, 3);
	if (!r->record)
		r->record = xstrdup("");
	r->verified = store_column_date(stmt, 4);
	r->lookups =
	    db_column_null(stmt, 5) ? -1 : (int)db_column_int64(stmt, 5);
	return true;
}

/* Maps a row of rung_include_cost onto its rung. */
static void rung_cost_row(struct db_stmt *stmt, void *arg)
{
	struct state_items *it = arg;
	struct state_rung *v = it->v, *r = NULL;
	int64_t id = db_column_int64(stmt, 0);

	for (size_t i = 0; i < it->n && !r; i++)
		if (v[i].id == id)
			r = &v[i];
	if (!r)
		return;
	r->costs = xrealloc(r->costs, (r->ncosts + 1) * sizeof *r->costs);
	r->costs[r->ncosts].include = store_column_str(stmt, 1);
	if (!r->costs[r->ncosts].include)
		r->costs[r->ncosts].include = xstrdup("");
	r->costs[r->ncosts].lookups = (int)db_column_int64(stmt, 2);
	r->ncosts++;
}

/* Lists the history of a domain, then attaches the include costs. */
enum status state_rung_list(struct store *store, const char *domain,
			    struct state_rung **out, size_t *count,
			    struct err *err)
{
	struct state_items it = STATE_ITEMS_INIT;
	struct db_stmt *stmt = NULL;
	enum status st;

	st = store_list(store, domain,
			"SELECT id, kind, rung, record, verified, lookups"
			" FROM rung_history WHERE domain_id = ?1"
			" ORDER BY verified, id",
			sizeof(struct state_rung), rung_row, &it,
			_("reading the rung history"), err);
	if (st == STATUS_OK &&
	    (st = store_prepare(
		 store, &stmt,
		 "SELECT c.rung_id, c.include, c.lookups"
		 " FROM rung_include_cost c JOIN rung_history r"
		 " ON r.id = c.rung_id JOIN domain d ON d.id = r.domain_id"
		 " WHERE d.name = ?1 ORDER BY c.rung_id, c.position",
		 err)) == STATUS_OK) {
		char *norm = dname_normalize(domain, STATE_NAME_FLAGS);

		db_bind_text(stmt, 1, norm);
		free(norm);
		st = store_rows(store, stmt, rung_cost_row, &it,
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
static bool settings_row(struct db_stmt *stmt, void *item)
{
	struct state_settings *out = item;

	state_settings_defaults(out);
	out->rungs = store_column_str(stmt, 0);
	if (!db_column_null(stmt, 1))
		out->min_days_monitor = (int)db_column_int64(stmt, 1);
	if (!db_column_null(stmt, 2))
		out->min_days_rung = (int)db_column_int64(stmt, 2);
	if (!db_column_null(stmt, 3))
		out->window_days = (int)db_column_int64(stmt, 3);
	if (!db_column_null(stmt, 4))
		out->pass_threshold = db_column_double(stmt, 4);
	if (!db_column_null(stmt, 5))
		out->unknown_threshold = db_column_double(stmt, 5);
	out->rua = store_column_str(stmt, 6);
	out->ruf = store_column_str(stmt, 7);
	out->adkim = store_column_str(stmt, 8);
	out->aspf = store_column_str(stmt, 9);
	out->sp = store_column_str(stmt, 10);
	out->np = store_column_str(stmt, 11);
	out->spf_all = store_column_str(stmt, 12);
	out->servers = store_column_str(stmt, 13);
	out->publish_server = store_column_str(stmt, 14);
	out->publish_key = store_column_str(stmt, 15);
	if (!db_column_null(stmt, 16))
		out->publish_port = (int)db_column_int64(stmt, 16);
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
	st = store_list(store, domain,
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
		st = rotation_store_interval_get(
		    store, domain, &out->dkim_rotation_interval, err);
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

/* Writes the settings' row, inside the caller's transaction. */
static enum status settings_write(struct store *store, const char *domain,
				  const struct state_settings *s,
				  struct err *err)
{
	struct db_stmt *stmt = NULL;
	int64_t domain_id;
	enum status st;

	if ((st = settings_check(s, err)))
		return st;
	if ((st = state_domain_lookup(store, domain, &domain_id, err)))
		goto fail;
	if ((st = store_prepare(
		 store, &stmt,
		 "INSERT INTO plan_settings(domain_id,"
		 " rungs, min_days_monitor, min_days_rung,"
		 " window_days, pass_threshold,"
		 " unknown_threshold, rua, ruf, adkim, aspf, sp,"
		 " np, spf_all, servers, publish_server, publish_key,"
		 " publish_port) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
		 " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		 " ?17, ?18) ON CONFLICT (domain_id) DO UPDATE SET"
		 " rungs = excluded.rungs,"
		 " min_days_monitor = excluded.min_days_monitor,"
		 " min_days_rung = excluded.min_days_rung,"
		 " window_days = excluded.window_days,"
		 " pass_threshold = excluded.pass_threshold,"
		 " unknown_threshold = excluded.unknown_threshold,"
		 " rua = excluded.rua, ruf = excluded.ruf,"
		 " adkim = excluded.adkim, aspf = excluded.aspf,"
		 " sp = excluded.sp, np = excluded.np,"
		 " spf_all = excluded.spf_all,"
		 " servers = excluded.servers,"
		 " publish_server = excluded.publish_server,"
		 " publish_key = excluded.publish_key,"
		 " publish_port = excluded.publish_port",
		 err)))
		goto fail;
	db_bind_int64(stmt, 1, domain_id);
	db_bind_text(stmt, 2, s->rungs);
	db_bind_int64(stmt, 3, s->min_days_monitor);
	db_bind_int64(stmt, 4, s->min_days_rung);
	db_bind_int64(stmt, 5, s->window_days);
	db_bind_double(stmt, 6, s->pass_threshold);
	db_bind_double(stmt, 7, s->unknown_threshold);
	db_bind_text(stmt, 8, s->rua);
	db_bind_text(stmt, 9, s->ruf);
	db_bind_text(stmt, 10, s->adkim);
	db_bind_text(stmt, 11, s->aspf);
	db_bind_text(stmt, 12, s->sp);
	db_bind_text(stmt, 13, s->np);
	db_bind_text(stmt, 14, s->spf_all);
	db_bind_text(stmt, 15, s->servers);
	db_bind_text(stmt, 16, s->publish_server);
	db_bind_text(stmt, 17, s->publish_key);
	if (s->publish_port)
		db_bind_int64(stmt, 18, s->publish_port);
	else
		db_bind_null(stmt, 18);
	st = store_done(store, stmt, _("storing plan settings"), NULL, err);
	if (st == STATUS_OK)
		st = rotation_store_interval_put(
		    store, domain_id, s->dkim_rotation_interval, err);
fail:
	db_finalize(stmt);
	return st;
}

/* Settings being stored by store_transact(). */
struct settings_put {
	const char *domain;
	const struct state_settings *s;
	state_settings_apply_fn apply;
	void *arg;
};

/* Writes the settings as given. */
static enum status settings_put_run(struct store *store, void *arg,
				    struct err *err)
{
	const struct settings_put *a = arg;

	return settings_write(store, a->domain, a->s, err);
}

/* Replaces the stored settings. */
enum status state_settings_set(struct store *store, const char *domain,
			       const struct state_settings *s, struct err *err)
{
	struct settings_put a = { domain, s, NULL, NULL };
	enum status st;

	if ((st = settings_check(s, err)))
		return st;
	return store_transact(store, settings_put_run, &a, err);
}

/* Reads the settings, changes them and writes them, all in the one
 * transaction: a concurrent change of the same domain's settings
 * either waits (SQLite's write lock) or makes this one run again on
 * what the other wrote (PostgreSQL's serializable transaction). */
static enum status settings_update_run(struct store *store, void *arg,
				       struct err *err)
{
	const struct settings_put *a = arg;
	struct state_settings s;
	enum status st;

	if (!(st = state_settings_get(store, a->domain, &s, err)) &&
	    !(st = a->apply(&s, a->arg, err)))
		st = settings_write(store, a->domain, &s, err);
	state_settings_done(&s);
	return st;
}

/* Changes the stored settings in one transaction. */
enum status state_settings_update(struct store *store, const char *domain,
				  state_settings_apply_fn apply, void *arg,
				  struct err *err)
{
	struct settings_put a = { domain, NULL, apply, arg };

	return store_transact(store, settings_update_run, &a, err);
}

/* ---------------------------------------------------------------- flattened */

/* Stores one flattened include and its addresses. */
static enum status flattened_add(struct store *store, int64_t domain_id,
				 const struct spf_flat_item *item, date_t today,
				 struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;
	int64_t id;

	if ((st = store_prepare(store, &stmt,
				"INSERT INTO spf_flattened (domain_id,"
				" mechanism, flattened) VALUES"
				" (?1, ?2, ?3) RETURNING id",
				err)))
		return st;
	db_bind_int64(stmt, 1, domain_id);
	db_bind_text(stmt, 2, item->mechanism);
	store_bind_date(stmt, 3, today);
	st = store_insert(store, stmt, "spf_flattened", NULL, &id, err);
	db_finalize(stmt);
	if (st != STATUS_OK)
		return st;
	if ((st = store_prepare(store, &stmt,
				"INSERT INTO spf_flattened_address"
				" (flattened_id, position, address)"
				" VALUES (?1, ?2, ?3)",
				err)))
		return st;
	for (size_t j = 0; j < item->naddresses && st == STATUS_OK; j++) {
		db_reset(stmt);
		db_bind_int64(stmt, 1, id);
		db_bind_int64(stmt, 2, (int64_t)j);
		db_bind_text(stmt, 3, item->addresses[j]);
		st = store_done(store, stmt, "spf_flattened", NULL, err);
	}
	db_finalize(stmt);
	return st;
}

/* Flattened includes being saved by store_transact(). */
struct flattened_put {
	const char *domain;
	const struct spf_flatten *f;
	date_t today;
};

/* Replaces the domain's rows. */
static enum status flattened_run(struct store *store, void *arg,
				 struct err *err)
{
	const struct flattened_put *a = arg;
	int64_t domain_id;
	enum status st;

	if (!(st = state_domain_lookup(store, a->domain, &domain_id, err)))
		st = flattened_replace(store, domain_id, a->f, a->today, err);
	return st;
}

/* Replaces the flattened includes of a domain. */
enum status state_flattened_save(struct store *store, const char *domain,
				 const struct spf_flatten *f, date_t today,
				 struct err *err)
{
	struct flattened_put a = { domain, f, today };

	return store_transact(store, flattened_run, &a, err);
}

/* A list of flattened includes being read. */
struct flattened_fill {
	struct spf_flat_saved *v;
	int64_t *ids; /* their row ids */
	size_t n, cap, idcap;
};

/* Maps a row of spf_flattened. */
static void flattened_row(struct db_stmt *stmt, void *arg)
{
	struct flattened_fill *fill = arg;
	struct spf_flat_saved *f;

	fill->v = xgrow(fill->v, &fill->cap, fill->n + 1, sizeof *fill->v);
	f = &fill->v[fill->n++];
	memset(f, 0, sizeof *f);
	f->mechanism = store_column_str(stmt, 1);
	if (!f->mechanism)
		f->mechanism = xstrdup("");
	f->flattened = store_column_date(stmt, 2);
	fill->ids = xgrow(fill->ids, &fill->idcap, fill->n, sizeof *fill->ids);
	fill->ids[fill->n - 1] = db_column_int64(stmt, 0);
}

/* Maps a row of spf_flattened_address onto its include. */
static void address_row(struct db_stmt *stmt, void *arg)
{
	struct flattened_fill *fill = arg;
	int64_t id = db_column_int64(stmt, 0);

	for (size_t i = 0; i < fill->n; i++) {
		struct spf_flat_saved *f = &fill->v[i];

		if (fill->ids[i] != id)
			continue;
		f->addresses = xrealloc(f->addresses, (f->naddresses + 1) *
							  sizeof *f->addresses);
		f->addresses[f->naddresses] = store_column_str(stmt, 1);
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
	struct db_stmt *stmt = NULL;
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
	if ((st = store_prepare(store, &stmt,
				"SELECT id, mechanism, flattened"
				" FROM spf_flattened WHERE domain_id = ?1"
				" ORDER BY id",
				err)))
		return st;
	db_bind_int64(stmt, 1, domain_id);
	if ((st = store_rows(store, stmt, flattened_row, &fill, "spf_flattened",
			     err)))
		goto out;
	if ((st = store_prepare(store, &stmt,
				"SELECT a.flattened_id, a.address"
				" FROM spf_flattened_address a"
				" JOIN spf_flattened f"
				" ON f.id = a.flattened_id"
				" WHERE f.domain_id = ?1"
				" ORDER BY a.flattened_id, a.position",
				err)))
		goto out;
	db_bind_int64(stmt, 1, domain_id);
	st = store_rows(store, stmt, address_row, &fill, "spf_flattened", err);
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
