/* The rollout's own state: DKIM keys (paths, never the keys), the rungs
 * verified live, and the plan's settings per domain. */
#include "config.h"

#include "store/state.h"
#include "store/state_internal.h"

#include <stdlib.h>
#include <string.h>

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
	if (!key->selector || !state_name_valid_labels(key->selector, 1) ||
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

/* Lists a domain's keys. */
enum status state_dkim_key_list(struct store *store, const char *domain,
				struct state_dkim_key **out, size_t *count,
				struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	struct state_dkim_key *v = NULL;
	size_t n = 0, cap = 0;
	int64_t domain_id;
	enum status st;
	int rc;

	*out = NULL;
	*count = 0;
	if ((st = state_domain_lookup(store, domain, &domain_id, err)))
		return st;
	if ((st = state_stmt_prepare(
		     store, &stmt,
		     "SELECT id, selector, algorithm, bits, key_path,"
		     " provider, created, published, retired"
		     " FROM dkim_key WHERE domain_id = ?1"
		     " ORDER BY created, selector",
		     err)))
		return st;
	sqlite3_bind_int64(stmt, 1, domain_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = xgrow(v, &cap, n + 1, sizeof *v);
		v[n].id = sqlite3_column_int64(stmt, 0);
		v[n].selector = state_column_text(stmt, 1);
		v[n].algorithm = state_column_text(stmt, 2);
		v[n].bits = sqlite3_column_int(stmt, 3);
		v[n].key_path = state_column_text(stmt, 4);
		v[n].provider = state_column_text(stmt, 5);
		v[n].created = state_column_date(stmt, 6);
		v[n].published = state_column_date(stmt, 7);
		v[n].retired = state_column_date(stmt, 8);
		n++;
	}
	if (rc != SQLITE_DONE) {
		st = store_error(store, err, _("listing DKIM keys"));
		state_dkim_keys_free(v, n);
		goto out;
	}
	*out = v;
	*count = n;
out:
	sqlite3_finalize(stmt);
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

/* ---------------------------------------------------------------- rungs */

/* Inserts a rung into the history inside the caller's transaction. */
static enum status rung_insert(struct store *store, int64_t domain_id,
			       enum rung_kind kind, int rung,
			       const char *record, int lookups,
			       const char *costs, date_t verified,
			       struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	if ((st = state_stmt_prepare(
		     store, &stmt,
		     "INSERT INTO rung_history(domain_id, kind, rung,"
		     " record, verified, lookups, costs)"
		     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
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
	if (costs)
		state_bind_text(stmt, 7, costs);
	else
		sqlite3_bind_null(stmt, 7);
	st = state_stmt_done(store, stmt, _("recording a rung"), NULL, err);
	sqlite3_finalize(stmt);
	return st;
}

/* Replaces the remembered flattened includes inside the caller's
 * transaction. */
static enum status flattened_replace(struct store *store, int64_t domain_id,
				     const struct state_step *step,
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
	st = state_stmt_done(store, stmt, _("recording a rung"), NULL, err);
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (st || (st = state_stmt_prepare(
			   store, &stmt,
			   "INSERT INTO spf_flattened (domain_id, mechanism,"
			   " addresses, flattened) VALUES (?1, ?2, ?3, ?4)",
			   err)))
		return st;
	for (size_t i = 0; i < step->nflattened && !st; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_int64(stmt, 1, domain_id);
		state_bind_text(stmt, 2, step->flattened[i].mechanism);
		state_bind_text(stmt, 3, step->flattened[i].addresses);
		state_bind_date(stmt, 4, step->verified);
		st = state_stmt_done(store, stmt, _("recording a rung"), NULL,
				     err);
	}
	sqlite3_finalize(stmt);
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
	    (st = flattened_replace(store, domain_id, step, err)))
		return st;
	return rung_insert(store, domain_id, step->kind, step->rung,
			   step->record, step->lookups, step->costs,
			   step->verified, err);
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
			       const char *costs, date_t verified,
			       struct err *err)
{
	struct state_step step = { .kind = RUNG_SPF, .rung = rung,
				   .record = record, .lookups = lookups,
				   .costs = costs, .verified = verified };

	return state_step_record(store, domain, &step, err);
}

/* Lists the history of a domain. */
enum status state_rung_list(struct store *store, const char *domain,
			    struct state_rung **out, size_t *count,
			    struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	struct state_rung *v = NULL;
	size_t n = 0, cap = 0;
	int64_t domain_id;
	enum status st;
	int rc;

	*out = NULL;
	*count = 0;
	if ((st = state_domain_lookup(store, domain, &domain_id, err)))
		return st;
	if ((st = state_stmt_prepare(
		     store, &stmt,
		     "SELECT id, kind, rung, record, verified,"
		     " lookups, costs FROM rung_history WHERE domain_id = ?1"
		     " ORDER BY verified, id",
		     err)))
		return st;
	sqlite3_bind_int64(stmt, 1, domain_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const unsigned char *k = sqlite3_column_text(stmt, 1);

		v = xgrow(v, &cap, n + 1, sizeof *v);
		v[n].id = sqlite3_column_int64(stmt, 0);
		v[n].kind = k && strcmp((const char *)k, "spf") == 0
				? RUNG_SPF
				: RUNG_DMARC;
		v[n].rung = sqlite3_column_int(stmt, 2);
		v[n].record = state_column_text(stmt, 3);
		if (!v[n].record)
			v[n].record = xstrdup("");
		v[n].verified = state_column_date(stmt, 4);
		v[n].lookups = sqlite3_column_type(stmt, 5) == SQLITE_NULL
				   ? -1
				   : sqlite3_column_int(stmt, 5);
		v[n].costs = state_column_text(stmt, 6);
		n++;
	}
	if (rc != SQLITE_DONE) {
		st = store_error(store, err, _("reading the rung history"));
		state_rungs_free(v, n);
		goto out;
	}
	*out = v;
	*count = n;
out:
	sqlite3_finalize(stmt);
	return st;
}

/* Frees a history. */
void state_rungs_free(struct state_rung *rungs, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(rungs[i].record);
		free(rungs[i].costs);
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
	state_settings_defaults(s);
}

/* Reads the stored settings over the defaults. */
enum status state_settings_get(struct store *store, const char *domain,
			       struct state_settings *out, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	int64_t domain_id;
	enum status st;
	int rc;

	state_settings_defaults(out);
	if ((st = state_domain_lookup(store, domain, &domain_id, err)))
		return st;
	if ((st = state_stmt_prepare(
		     store, &stmt,
		     "SELECT rungs, min_days_monitor, min_days_rung,"
		     " window_days, pass_threshold,"
		     " unknown_threshold, rua, ruf, adkim, aspf, sp,"
		     " np, spf_all FROM plan_settings"
		     " WHERE domain_id = ?1",
		     err)))
		return st;
	sqlite3_bind_int64(stmt, 1, domain_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
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
			out->unknown_threshold =
			    sqlite3_column_double(stmt, 5);
		out->rua = state_column_text(stmt, 6);
		out->ruf = state_column_text(stmt, 7);
		out->adkim = state_column_text(stmt, 8);
		out->aspf = state_column_text(stmt, 9);
		out->sp = state_column_text(stmt, 10);
		out->np = state_column_text(stmt, 11);
		out->spf_all = state_column_text(stmt, 12);
	} else if (rc != SQLITE_DONE) {
		st = store_error(store, err, _("reading plan settings"));
	}
	sqlite3_finalize(stmt);
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
		     " np, spf_all) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
		     " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
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
	st = state_stmt_done(store, stmt, _("storing plan settings"), NULL,
			     err);
fail:
	sqlite3_finalize(stmt);
	return state_finish(store, st, err);
}
