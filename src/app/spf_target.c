/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The target SPF record from the senders and the operator's flattening
 * (app/spf_target.h). */
#include "config.h"

#include "app/spf_target.h"

#include <stdlib.h>
#include <string.h>

#include "spf/spf.h"
#include "store/state.h"
#include "util/i18n.h"
#include "util/strlist.h"
#include "util/xalloc.h"

/* True when the SPF step verified last is -all (rung 1): the target
 * keeps it, as the plan never proposes ~all after -all. */
static bool verified_fail_all(struct store *store, const char *domain,
			      struct err *err, enum status *st)
{
	struct state_rung *rungs = NULL;
	size_t n = 0;
	bool hard = false;

	*st = state_rung_list(store, domain, &rungs, &n, err);
	for (size_t i = 0; *st == STATUS_OK && i < n; i++)
		if (rungs[i].kind == RUNG_SPF)
			hard = rungs[i].rung >= 1;
	state_rungs_free(rungs, n);
	return hard;
}

/* Reads the senders' mechanisms and whether the record ends in "-all"
 * (domain set spf-all=fail, or -all verified unless spf-all=softfail
 * asks for ~all); a sender the catalogue does not know is an error
 * naming it. */
static enum status target_mechanisms(struct store *store,
				     const struct providers *catalogue,
				     const char *domain, char ***out,
				     size_t *count, bool *fail_all,
				     struct err *err)
{
	struct state_sender *senders = NULL;
	struct state_settings settings;
	char **mech = NULL;
	size_t n = 0, nmech = 0;
	enum status st;

	state_settings_defaults(&settings);
	st = state_sender_list(store, domain, &senders, &n, err);
	if (st == STATUS_OK)
		st = state_settings_get(store, domain, &settings, err);
	if (st != STATUS_OK)
		goto out;
	*fail_all = verified_fail_all(store, domain, err, &st);
	if (st != STATUS_OK)
		goto out;
	if (settings.spf_all)
		*fail_all = strcmp(settings.spf_all, "fail") == 0;
	mech = xcalloc(n + 1, sizeof *mech);
	for (size_t i = 0; i < n; i++) {
		char *m = state_sender_mechanism(&senders[i], catalogue);

		if (m) {
			mech[nmech++] = m;
		} else if (!providers_find(catalogue, senders[i].value)) {
			st = err_set(err, STATUS_NOT_FOUND,
				     _("sender %s is not in providers.ini"),
				     senders[i].value);
			break;
		}
	}
out:
	if (st != STATUS_OK) {
		app_spf_target_list_free(mech, nmech);
		mech = NULL;
		nmech = 0;
	}
	*out = mech;
	*count = nmech;
	state_senders_free(senders, n);
	state_settings_done(&settings);
	return st;
}

/* Builds the target record. */
enum status app_spf_target_build(struct session *s, struct dns *dns,
				 const char *domain, const char *const *flatten,
				 size_t nflatten, struct app_spf_target *out,
				 struct err *err)
{
	struct store *store;
	const struct providers *catalogue;
	char **mech = NULL;
	size_t n = 0;
	struct spf_record *rec = NULL;
	enum status st;

	memset(out, 0, sizeof *out);
	if (!(store = session_store(s, err)) ||
	    !(catalogue = session_providers(s, err)))
		return err->status;
	st = target_mechanisms(store, catalogue, domain, &mech, &n,
			       &out->fail_all, err);
	if (st != STATUS_OK || n == 0)
		goto out;
	st = spf_build((const char *const *)mech, n, out->fail_all, &rec, err);
	if (st != STATUS_OK)
		goto out;
	if (!dns && !(dns = session_dns(s, err))) {
		st = err->status;
		goto out;
	}
	st = spf_flatten_chosen(dns, domain, rec, flatten, nflatten, &out->flat,
				err);
	if (st == STATUS_OK)
		out->record = xstrdup(out->flat->records[0].value);
out:
	spf_record_free(rec);
	app_spf_target_list_free(mech, n);
	if (st != STATUS_OK)
		app_spf_target_done(out);
	return st;
}

/* Frees the target. */
void app_spf_target_done(struct app_spf_target *t)
{
	free(t->record);
	spf_flatten_free(t->flat);
	memset(t, 0, sizeof *t);
}

/* Reads the includes remembered as flattened. */
enum status app_spf_target_saved(struct session *s, const char *domain,
				 char ***out, size_t *count, struct err *err)
{
	struct store *store = session_store(s, err);
	struct spf_flat_saved *saved = NULL;
	size_t n = 0;

	*out = NULL;
	*count = 0;
	if (!store)
		return err->status;
	if (state_flattened_list(store, domain, &saved, &n, err) != STATUS_OK)
		return err->status;
	*out = xcalloc(n + 1, sizeof **out);
	for (size_t i = 0; i < n; i++)
		(*out)[i] = xstrdup(saved[i].mechanism);
	*count = n;
	state_flattened_free(saved, n);
	return STATUS_OK;
}

/* Frees a list of includes. */
void app_spf_target_list_free(char **list, size_t count)
{
	strlist_free(list, count);
}

/* Remembers the flattening. */
enum status app_spf_target_save(struct session *s, const char *domain,
				const struct app_spf_target *t, date_t today,
				struct err *err)
{
	struct store *store = session_store(s, err);

	if (!store)
		return err->status;
	if (!t->flat)
		return err_set(err, STATUS_USAGE, "%s",
			       _("there is no target record to save yet"));
	return state_flattened_save(store, domain, t->flat, today, err);
}
