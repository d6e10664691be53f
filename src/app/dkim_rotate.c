/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The tracked DKIM rotation (dkim_rotate.h). */
#include "config.h"

#include "app/dkim_rotate.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/publish.h"
#include "plan/rotation_due.h"
#include "store/state.h"
#include "providers/providers.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The own keys in use: not a provider's, not retired (the private
 * key's path is known when it was made here). */
static bool key_own_in_use(const struct state_dkim_key *k)
{
	return !k->provider && k->retired == DATE_NONE;
}

/* Picks the key a rotation replaces. */
static enum status pick_old(const struct state_dkim_key *keys, size_t n,
			    const char *domain, const char *from,
			    const struct state_dkim_key **out, struct err *err)
{
	enum status st = STATUS_OK;
	struct strbuf names = STRBUF_INIT;
	size_t own = 0;

	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!key_own_in_use(&keys[i]))
			continue;
		if (own++)
			strbuf_addstr(&names, ", ");
		strbuf_addstr(&names, keys[i].selector);
		if (from ? text_ieq(keys[i].selector, from) : !*out)
			*out = &keys[i];
	}
	if (from && !*out)
		st = err_set(err, STATUS_NOT_FOUND,
			     _("%s has no key of its own in use under "
			       "selector %s"),
			     domain, from);
	else if (!*out)
		st = err_set(err, STATUS_NOT_FOUND,
			     _("%s has no key of its own to rotate; make "
			       "one with dmarcpilot dkim keygen"),
			     domain);
	/* Such as an RSA key kept beside an Ed25519 one: each is
	 * rotated in turn. */
	else if (!from && own > 1)
		st = err_set(err, STATUS_USAGE,
			     _("%s has %zu keys of its own in use (%s); "
			       "name the one to replace with --from"),
			     domain, own, strbuf_str(&names));
	strbuf_done(&names);
	return st;
}

/* True when the domain ever had a key under selector (retired keys
 * stay in the database). */
static bool selector_taken(const struct state_dkim_key *keys, size_t n,
			   const char *selector)
{
	for (size_t i = 0; i < n; i++)
		if (text_ieq(keys[i].selector, selector))
			return true;
	return false;
}

/* The default new selector, never one the domain had: YYYYMM of today,
 * else YYYYMMDD, else YYYYMMDD with a letter. A record once published
 * may still sit in caches, so a selector is not used twice. */
static char *fresh_selector(date_t today, const struct state_dkim_key *keys,
			    size_t n)
{
	char *month = dkim_rotation_default_selector(today, NULL);
	char *day, *sel;

	if (!selector_taken(keys, n, month))
		return month;
	day = dkim_rotation_default_selector(today, month);
	free(month);
	if (!selector_taken(keys, n, day))
		return day;
	sel = NULL;
	for (char c = 'b'; c <= 'z'; c++) {
		sel = xasprintf("%s%c", day, c);
		if (!selector_taken(keys, n, sel))
			break;
		free(sel);
		sel = NULL;
	}
	/* 26 a day: leave it to the store to refuse the day itself. */
	if (!sel)
		sel = xstrdup(day);
	free(day);
	return sel;
}

/* Appends the catalogue's instructions of service id once (done holds
 * the services said already, *ndone of them). */
static void advice_add(const struct providers *cat, const char *id,
		       const struct provider **done, size_t *ndone,
		       struct strbuf *sb)
{
	const struct provider *p = id ? providers_find(cat, id) : NULL;

	for (size_t i = 0; p && i < *ndone; i++)
		if (done[i] == p)
			return;
	if (!p)
		return;
	done[(*ndone)++] = p;
	strbuf_addf(
	    sb, _(" %s signs with a key it holds; rotate it there: %s%s%s."),
	    p->name, p->dkim ? p->dkim : "", p->docs ? _("; see ") : "",
	    p->docs ? p->docs : "");
}

/* Adds the catalogue's own rotation instructions (providers.ini dkim
 * and docs) of each service that signs for the domain with a key it
 * holds: a key made here would not sign its mail. */
static void provider_advice(struct session *s, struct store *store,
			    const char *domain,
			    const struct state_dkim_key *keys, size_t n,
			    struct strbuf *sb)
{
	const struct providers *cat = session_providers(s, NULL);
	struct state_sender *senders = NULL;
	const struct provider **done;
	size_t nsenders = 0, ndone = 0;
	struct err e = ERR_INIT;

	if (!cat)
		return;
	if (state_sender_list(store, domain, &senders, &nsenders, &e) !=
	    STATUS_OK)
		nsenders = 0;
	err_done(&e);
	done = xcalloc(n + nsenders + 1, sizeof *done);
	for (size_t i = 0; i < n; i++)
		advice_add(cat, keys[i].provider, done, &ndone, sb);
	for (size_t i = 0; i < nsenders; i++)
		if (senders[i].kind == SENDER_PROVIDER)
			advice_add(cat, senders[i].value, done, &ndone, sb);
	free(done);
	state_senders_free(senders, nsenders);
}

/* What the keygen callback records with the key. */
struct start_ctx {
	struct store *store;
	struct rotation_record *rec;
};

/* Records the new key and the rotation once the key file is written
 * (a dkim_record_fn). */
static enum status start_record(void *arg, const struct dkim_generated *g,
				date_t today, struct err *err)
{
	struct start_ctx *c = arg;
	struct state_dkim_key key = {
		.selector = g->selector,
		.algorithm = (char *)dkim_key_type_name(g->type),
		.bits = g->bits,
		.key_path = g->path,
		.created = today,
	};

	return rotation_store_start(c->store, g->domain, &key, c->rec, err);
}

/* Starts a rotation. */
enum status app_rotate_start(struct session *s,
			     const struct app_rotate_start_options *o,
			     struct dkim_generated *gen,
			     struct rotation_record *rec, struct err *err)
{
	struct store *store = session_store(s, err);
	struct state_dkim_key *keys = NULL;
	const struct state_dkim_key *old;
	struct rotation_record cur;
	struct start_ctx ctx = { store, rec };
	struct dkim_keygen_options ko = { 0 };
	char *domain = text_domain_normalize(o->domain);
	char *dir = NULL, *sel = NULL;
	size_t n = 0;
	bool found;
	enum status st;

	memset(gen, 0, sizeof *gen);
	memset(rec, 0, sizeof *rec);
	if (!store) {
		st = err->status;
		goto out;
	}
	if ((st = rotation_store_current(store, domain, &cur, &found, err)))
		goto out;
	if (found) {
		st = err_set(err, STATUS_EXISTS,
			     _("%s: the rotation from %s to %s is under way "
			       "(%s); run dmarcpilot dkim rotate %s to "
			       "advance it, or --cancel"),
			     domain, cur.old_selector ? cur.old_selector : "-",
			     cur.new_selector,
			     dkim_rotation_phase_name(cur.phase), domain);
		rotation_record_done(&cur);
		goto out;
	}
	if ((st = state_dkim_key_list(store, domain, &keys, &n, err)))
		goto out;
	if ((st = pick_old(keys, n, domain, o->from, &old, err))) {
		struct strbuf sb = STRBUF_INIT;

		if (st == STATUS_NOT_FOUND)
			provider_advice(s, store, domain, keys, n, &sb);
		if (sb.len) {
			char *said = xstrdup(err_message(err));

			err_set(err, st, "%s.%s", said, strbuf_str(&sb));
			free(said);
		}
		strbuf_done(&sb);
		goto out;
	}
	ko.domain = domain;
	ko.type = text_ieq(old->algorithm, "ed25519") ? DKIM_KEY_ED25519
						      : DKIM_KEY_RSA;
	if (o->algorithm && strcmp(o->algorithm, "ed25519") == 0)
		ko.type = DKIM_KEY_ED25519;
	else if (o->algorithm && strcmp(o->algorithm, "rsa") == 0)
		ko.type = DKIM_KEY_RSA;
	else if (o->algorithm) {
		st = err_set(err, STATUS_USAGE,
			     _("--algorithm takes rsa or ed25519: %s"),
			     o->algorithm);
		goto out;
	}
	sel = o->selector ? text_lower(xstrdup(o->selector))
			  : fresh_selector(o->today, keys, n);
	if (!dkim_selector_valid(sel)) {
		st = err_set(err, STATUS_USAGE, _("not a selector: %s"), sel);
		goto out;
	}
	if (text_ieq(sel, old->selector)) {
		st = err_set(err, STATUS_USAGE,
			     _("the new selector must differ from %s: a "
			       "rotation publishes a second record"),
			     old->selector);
		goto out;
	}
	/* Keep the keys of a domain together unless told otherwise. */
	if (!o->dir && old->key_path) {
		char *copy = xstrdup(old->key_path);

		dir = xstrdup(dirname(copy));
		free(copy);
	}
	ko.selector = sel;
	ko.bits = ko.type == DKIM_KEY_RSA ? o->bits : 0;
	ko.dir = o->dir ? o->dir : dir;
	ko.record = start_record;
	ko.record_arg = &ctx;
	ko.today = o->today;
	rec->old_selector = xstrdup(old->selector);
	rec->old_algorithm = xstrdup(old->algorithm);
	rec->old_path = xstrdup_or_null(old->key_path);
	rec->new_selector = xstrdup(sel);
	rec->new_algorithm = xstrdup(dkim_key_type_name(ko.type));
	/* RFC 8463 section 4: verifiers that know only RSA still need an
	 * RSA signature, so a move to Ed25519 signs with both. */
	rec->keep_old =
	    ko.type == DKIM_KEY_ED25519 && !text_ieq(old->algorithm, "ed25519");
	rec->silent_days =
	    o->silent_days > 0 ? o->silent_days : DKIM_SILENT_DAYS;
	rec->phase = DKIM_ROTATION_GENERATED;
	rec->started = o->today;
	rec->published = rec->switched = rec->revoked = rec->finished =
	    DATE_NONE;
	if ((st = dkim_keygen(&ko, gen, err)))
		goto out;
	rec->new_path = xstrdup(gen->path);
out:
	if (st != STATUS_OK)
		rotation_record_done(rec);
	state_dkim_keys_free(keys, n);
	free(sel);
	free(dir);
	free(domain);
	return st;
}

/* True when every server found serves the expected record. */
static bool all_serve(const struct propagate_result *p)
{
	return p && !p->error && p->count > 0 && p->serving == p->count;
}

/* True when every server answers authoritatively with a revoked key
 * (RFC 6376 3.6.1: an empty p=) and nothing else at the name. */
static bool all_revoked(const struct propagate_result *p)
{
	if (!all_serve(p))
		return false;
	for (size_t i = 0; i < p->count; i++) {
		const struct propagate_server *sv = &p->servers[i];

		if (sv->nvalues == 0)
			return false;
		for (size_t j = 0; j < sv->nvalues; j++) {
			struct dkim_record k;
			struct err e = ERR_INIT;
			bool revoked = false;

			if (dkim_record_parse(sv->values[j],
					      strlen(sv->values[j]), &k, NULL,
					      &e) == STATUS_OK) {
				revoked = k.revoked;
				dkim_record_done(&k);
			}
			err_done(&e);
			if (!revoked)
				return false;
		}
	}
	return true;
}

/* True when every server answers authoritatively with no TXT record
 * at the name (NXDOMAIN or NODATA). */
static bool all_gone(const struct propagate_result *p)
{
	if (!all_serve(p))
		return false;
	for (size_t i = 0; i < p->count; i++)
		if (p->servers[i].nvalues > 0)
			return false;
	return true;
}

/* Runs one DNS check and keeps it in the result. */
static enum status check_name(struct session *s, struct app_rotate_result *r,
			      const char *name, const char *expected,
			      const struct propagate_options *po,
			      struct err *err)
{
	struct dns *dns = session_dns(s, err);

	if (!dns)
		return err->status;
	propagate_result_free(r->check);
	r->check = NULL;
	return propagate_check(dns, name, DNS_T_TXT, expected, po, &r->check,
			       err);
}

/* Where a run sends and checks: the domain's settings and the servers
 * asked. */
struct advance_ctx {
	struct session *s;
	struct store *store;
	const char *domain;
	date_t today;
	struct propagate_options po;
	struct state_settings set;
	bool publish; /* the domain's updates go through publish */
	const struct app_publish_watch *watch; /* or NULL */
};

/* Publishes value (NULL: removes the record) at name through the
 * publish use case and checks the name again as the phase does (for
 * expected, or collecting what is served when NULL); the update sent
 * is kept in r->updates. */
static enum status publish_at(struct advance_ctx *x,
			      struct app_rotate_result *r, const char *name,
			      const char *value, const char *expected,
			      struct err *err)
{
	struct app_publish_txt_options o = { .propagation = x->po,
					     .timeout = x->po.timeout,
					     .watch = x->watch };
	struct app_publish_result pr;
	enum status st = app_publish_txt(x->s, &x->set, x->domain, name, value,
					 &o, &pr, err);

	if (pr.sent) {
		r->updates = xrealloc(r->updates,
				      (r->nupdates + 1) * sizeof *r->updates);
		r->updates[r->nupdates++] = xstrdup(pr.update);
	}
	app_publish_done(&pr);
	if (st)
		return st;
	return check_name(x->s, r, name, expected, &x->po, err);
}

/* Records the next phase and keeps the record in step. */
static enum status enter(struct store *store, const char *domain,
			 struct app_rotate_result *r,
			 enum dkim_rotation_phase phase, date_t day,
			 struct err *err)
{
	enum status st =
	    rotation_store_advance(store, domain, &r->rec, phase, day, err);

	if (st != STATUS_OK)
		return st;
	r->rec.phase = phase;
	switch (phase) {
	case DKIM_ROTATION_PUBLISHED:
		r->rec.published = day;
		break;
	case DKIM_ROTATION_SWITCHED:
		r->rec.switched = day;
		break;
	case DKIM_ROTATION_REVOKED:
		r->rec.revoked = day;
		break;
	default:
		r->rec.finished = day;
		break;
	}
	r->entered[r->nentered++] = phase;
	return STATUS_OK;
}

/* One phase: records the next one when its evidence is there; sets
 * *more when the caller may try the next. */
static enum status advance_one(struct advance_ctx *x, bool force,
			       struct app_rotate_result *r, bool *more,
			       struct err *err)
{
	struct session *s = x->s;
	struct store *store = x->store;
	const char *domain = x->domain;
	date_t today = x->today;
	const struct propagate_options *po = &x->po;
	struct rotation_record *c = &r->rec;
	char day[DATE_BUFSIZE];
	enum status st;

	*more = false;
	free(r->why);
	r->why = NULL;
	switch (c->phase) {
	case DKIM_ROTATION_GENERATED:
		/* Forced by hand; where publish goes, it still sends. */
		if (force && !x->publish) {
			r->forced = true;
			break;
		}
		if ((st =
			 check_name(s, r, r->new_name, r->new_record, po, err)))
			return st;
		if (!all_serve(r->check) && x->publish &&
		    (st = publish_at(x, r, r->new_name, r->new_record,
				     r->new_record, err)))
			return st;
		if (all_serve(r->check))
			break;
		r->why = xasprintf(_("publish the new key at %s; not every "
				     "name server serves it yet"),
				   r->new_name);
		return STATUS_OK;
	case DKIM_ROTATION_PUBLISHED:
		/* A report whose range began before the start may still
		 * show the new selector: its end is what counts. */
		if (r->ev.new_last_pass != DATE_NONE &&
		    r->ev.new_last_pass >= c->started) {
			date_t on = r->ev.new_first_pass > c->published
					? r->ev.new_first_pass
					: c->published;

			if ((st = enter(store, domain, r,
					DKIM_ROTATION_SWITCHED, on, err)))
				return st;
			*more = true;
			return STATUS_OK;
		}
		if (force) {
			r->forced = true;
			break;
		}
		r->why = xasprintf(_("switch the signer to selector %s; no "
				     "report shows it passing yet"),
				   c->new_selector);
		return STATUS_OK;
	case DKIM_ROTATION_SWITCHED:
		if (c->keep_old) {
			/* RFC 8463 section 4: the RSA key keeps signing
			 * beside the Ed25519 one; nothing is revoked. */
			if ((st = enter(store, domain, r, DKIM_ROTATION_DONE,
					today, err)))
				return st;
			r->outcome = APP_ROTATE_DONE;
			return STATUS_OK;
		}
		r->silence = dkim_rotation_silence(
		    &r->ev, c->switched, c->silent_days, &r->silent_until);
		if ((st = check_name(s, r, r->old_name, NULL, po, err)))
			return st;
		if (r->silence == DKIM_STILL_SIGNS) {
			/* What the old key still signs since the switch,
			 * for the operator who weighs revoking early. */
			rotation_signers_free(r->signers, r->nsigners);
			if ((st = rotation_store_signers(
				 store, domain, c->old_selector,
				 c->switched != DATE_NONE ? c->switched
							  : c->started,
				 &r->signers, &r->nsigners, err)))
				return st;
			date_format(r->ev.old_last_seen, day);
			r->why = xasprintf(
			    P_("selector %s still signs: the reports show it "
			       "on %s; revoke it only after %d day without "
			       "it",
			       "selector %s still signs: the reports show it "
			       "on %s; revoke it only after %d days without "
			       "it",
			       c->silent_days),
			    c->old_selector, day, c->silent_days);
			if (!force) {
				/* Published already: refused, not awaited. */
				if (all_revoked(r->check))
					r->outcome = APP_ROTATE_REFUSED;
				return STATUS_OK;
			}
			r->forced = true;
		} else if (r->silence == DKIM_NO_EVIDENCE && !force) {
			date_format(r->silent_until, day);
			r->why = xasprintf(
			    _("the reports do not yet show selector %s "
			      "silent for %d days (until %s)"),
			    c->old_selector, c->silent_days, day);
			return STATUS_OK;
		} else if (r->silence == DKIM_NO_EVIDENCE) {
			r->forced = true;
		}
		/* The evidence (or force) allows the revocation now. */
		if (!all_revoked(r->check) && x->publish &&
		    (st = publish_at(x, r, r->old_name, r->revocation, NULL,
				     err)))
			return st;
		if (!all_revoked(r->check) && !force) {
			r->why = xasprintf(_("revoke the old key: publish "
					     "\"%s\" at %s"),
					   r->revocation, r->old_name);
			return STATUS_OK;
		}
		r->forced = r->forced || !all_revoked(r->check);
		break;
	case DKIM_ROTATION_REVOKED:
		if ((st = check_name(s, r, r->old_name, NULL, po, err)))
			return st;
		/* Published revocations stay DKIM_KEEP_DAYS, as the
		 * operator is told to keep them. */
		if (!all_gone(r->check) && x->publish &&
		    (force || today >= c->revoked + DKIM_KEEP_DAYS) &&
		    (st = publish_at(x, r, r->old_name, NULL, NULL, err)))
			return st;
		/* The file goes only once no server serves its record:
		 * until then a verifier may still be handed the key. */
		if (!all_gone(r->check)) {
			date_format(c->revoked + DKIM_KEEP_DAYS, day);
			r->why = x->publish
				     ? xasprintf(_("the revoked record at %s "
						   "stays until %s; a run "
						   "from then on removes it "
						   "through the primary"),
						 r->old_name, day)
				     : xasprintf(_("remove the record at %s "
						   "(from %s on); a server "
						   "still answers it"),
						 r->old_name, day);
			return STATUS_OK;
		}
		if (c->old_path && unlink(c->old_path) != 0 && errno != ENOENT)
			return err_set(err, STATUS_IO, "%s: %s", c->old_path,
				       strerror(errno));
		r->key_deleted = c->old_path != NULL;
		if ((st = enter(store, domain, r, DKIM_ROTATION_DONE, today,
				err)))
			return st;
		r->outcome = APP_ROTATE_DONE;
		return STATUS_OK;
	case DKIM_ROTATION_DONE:
		r->outcome = APP_ROTATE_DONE;
		return STATUS_OK;
	}
	if ((st = enter(store, domain, r, c->phase + 1, today, err)))
		return st;
	*more = true;
	return STATUS_OK;
}

/* Loads the rotation under way, its names, records and evidence into
 * r; r->outcome stays APP_ROTATE_NONE when there is none. */
static enum status load(struct store *store, const char *d,
			struct app_rotate_result *r, struct err *err)
{
	bool found;
	enum status st;

	memset(r, 0, sizeof *r);
	r->outcome = APP_ROTATE_NONE;
	r->silent_until = DATE_NONE;
	if ((st = rotation_store_current(store, d, &r->rec, &found, err)) ||
	    !found)
		return st;
	r->outcome = r->rec.phase == DKIM_ROTATION_DONE ? APP_ROTATE_DONE
							: APP_ROTATE_WAITING;
	r->new_name = dkim_key_name(d, r->rec.new_selector);
	if ((st = dkim_record_from_key(r->rec.new_path, &r->new_record, err)))
		return st;
	if (r->rec.old_selector) {
		r->old_name = dkim_key_name(d, r->rec.old_selector);
		/* RFC 6376 3.6.1: an empty p= revokes the key. */
		r->revocation = xasprintf(
		    "v=DKIM1; k=%s; p=",
		    r->rec.old_algorithm ? r->rec.old_algorithm : "rsa");
	}
	if ((st = rotation_store_evidence(store, d, r->rec.old_selector,
					  r->rec.new_selector, &r->ev, err)))
		return st;
	if (r->rec.phase == DKIM_ROTATION_SWITCHED)
		r->silence =
		    dkim_rotation_silence(&r->ev, r->rec.switched,
					  r->rec.silent_days, &r->silent_until);
	return STATUS_OK;
}

/* Reads the rotation under way without asking DNS or recording. */
enum status app_rotate_show(struct session *s, const char *domain,
			    struct app_rotate_result *r, struct err *err)
{
	struct store *store = session_store(s, err);
	char *d = text_domain_normalize(domain);
	enum status st;

	memset(r, 0, sizeof *r);
	st = store ? load(store, d, r, err) : err->status;
	free(d);
	return st;
}

/* Advances the rotation under way. */
enum status app_rotate_advance(struct session *s, const char *domain,
			       date_t today, const struct propagate_options *po,
			       bool force,
			       const struct app_publish_watch *watch,
			       struct app_rotate_result *r, struct err *err)
{
	struct store *store = session_store(s, err);
	char *d = text_domain_normalize(domain);
	struct advance_ctx x = {
		s, store, d, today, { 0 }, { 0 }, false, watch
	};
	bool more = true;
	enum status st;

	memset(r, 0, sizeof *r);
	r->outcome = APP_ROTATE_NONE;
	state_settings_defaults(&x.set);
	if (!store) {
		st = err->status;
		goto out;
	}
	if ((st = load(store, d, r, err)) || r->outcome != APP_ROTATE_WAITING ||
	    (st = state_settings_get(store, d, &x.set, err)))
		goto out;
	/* The servers a step is verified on, as step asks them. */
	if (po)
		x.po = *po;
	if (!x.po.servers)
		x.po.servers = x.set.servers;
	if (!x.po.port)
		x.po.port = x.set.publish_port;
	x.publish = app_publish_configured(&x.set);
	/* force moves one phase at most: each forced step is a decision
	 * the operator takes on its own. */
	while (more && r->outcome == APP_ROTATE_WAITING) {
		size_t before = r->nentered;

		if ((st = advance_one(&x, force && !r->forced, r, &more, err)))
			break;
		if (r->nentered == before)
			break;
	}
out:
	state_settings_done(&x.set);
	free(d);
	return st;
}

/* Frees a result. */
void app_rotate_result_done(struct app_rotate_result *r)
{
	rotation_record_done(&r->rec);
	free(r->new_name);
	free(r->new_record);
	free(r->old_name);
	free(r->revocation);
	free(r->why);
	propagate_result_free(r->check);
	rotation_signers_free(r->signers, r->nsigners);
	for (size_t i = 0; i < r->nupdates; i++)
		free(r->updates[i]);
	free(r->updates);
	memset(r, 0, sizeof *r);
}

/* Removes the record of a cancelled rotation's key through publish
 * when the domain's updates go there; *removed says whether it did. */
static enum status cancel_record(struct session *s, struct store *store,
				 const char *d,
				 const struct rotation_record *rec,
				 const struct app_publish_watch *watch,
				 bool *removed, struct err *err)
{
	struct state_settings set;
	struct app_publish_txt_options o = { .watch = watch };
	struct app_publish_result pr;
	char *name;
	enum status st;

	state_settings_defaults(&set);
	if ((st = state_settings_get(store, d, &set, err)) ||
	    !app_publish_configured(&set))
		goto out;
	name = dkim_key_name(d, rec->new_selector);
	st = app_publish_txt(s, &set, d, name, NULL, &o, &pr, err);
	/* No change: the record was never served, so none was removed. */
	*removed = st == STATUS_OK && pr.changes > 0;
	app_publish_done(&pr);
	free(name);
out:
	state_settings_done(&set);
	return st;
}

/* Cancels a rotation that never switched. */
enum status app_rotate_cancel(struct session *s, const char *domain,
			      date_t today,
			      const struct app_publish_watch *watch,
			      struct rotation_record *out, bool *removed,
			      struct err *err)
{
	struct store *store = session_store(s, err);
	char *d = text_domain_normalize(domain);
	bool found, gone = false;
	enum status st;

	memset(out, 0, sizeof *out);
	if (!store) {
		st = err->status;
		goto out;
	}
	if ((st = rotation_store_current(store, d, out, &found, err)))
		goto out;
	if (!found) {
		st = err_set(err, STATUS_NOT_FOUND,
			     _("%s: no DKIM rotation is under way"), d);
		goto out;
	}
	if (out->phase >= DKIM_ROTATION_SWITCHED) {
		st = err_set(err, STATUS_REFUSED,
			     _("%s: the signer uses selector %s already; "
			       "cancelling now would delete a key in use"),
			     d, out->new_selector);
		goto out;
	}
	/* The record first: when it cannot go, nothing changes. */
	if ((st = cancel_record(s, store, d, out, watch, &gone, err)) ||
	    (st = rotation_store_cancel(store, d, out, today, err)))
		goto out;
	/* The key never signed: nothing can need it. */
	if (out->new_path && unlink(out->new_path) != 0 && errno != ENOENT)
		st = err_set(err, STATUS_IO, "%s: %s", out->new_path,
			     strerror(errno));
out:
	if (removed)
		*removed = gone;
	if (st != STATUS_OK)
		rotation_record_done(out);
	free(d);
	return st;
}

/* Whether a rotation is under way. */
enum status app_rotate_under_way(struct session *s, const char *domain,
				 bool *yes, struct err *err)
{
	struct store *store = session_store(s, err);
	char *d = text_domain_normalize(domain);
	struct rotation_record cur;
	enum status st;

	*yes = false;
	st = store ? rotation_store_current(store, d, &cur, yes, err)
		   : err->status;
	if (st == STATUS_OK && *yes)
		rotation_record_done(&cur);
	free(d);
	return st;
}

/* Whether the rotation publishes the domain's records itself. */
bool app_rotate_publishes(struct session *s, const char *domain)
{
	struct store *store = session_store(s, NULL);
	struct state_settings set;
	bool yes;

	state_settings_defaults(&set);
	yes = store &&
	      state_settings_get(store, domain, &set, NULL) == STATUS_OK &&
	      app_publish_configured(&set);
	state_settings_done(&set);
	return yes;
}

/* Changes the silent days of the rotation under way. */
enum status app_rotate_silent_days(struct session *s, const char *domain,
				   int days, struct err *err)
{
	struct store *store = session_store(s, err);
	char *d = text_domain_normalize(domain);
	struct rotation_record cur;
	bool found = false;
	enum status st;

	if (!store) {
		st = err->status;
		goto out;
	}
	if ((st = rotation_store_current(store, d, &cur, &found, err)))
		goto out;
	if (!found) {
		st = err_set(err, STATUS_NOT_FOUND,
			     _("%s: no DKIM rotation is under way"), d);
		goto out;
	}
	st = rotation_store_silent_days_set(store, d, &cur, days, err);
	rotation_record_done(&cur);
out:
	free(d);
	return st;
}

/* Reads the interval. */
enum status app_rotate_interval_get(struct session *s, const char *domain,
				    int *days, struct err *err)
{
	struct store *store = session_store(s, err);
	enum status st;

	*days = DKIM_INTERVAL_BIANNUAL;
	if (!store)
		return err->status;
	st = rotation_store_interval_get(store, domain, days, err);
	if (st == STATUS_NOT_FOUND) {
		err_done(err);
		st = STATUS_OK;
	}
	return st;
}

/* The keys due for rotation: the plan's rule, as findings. */
enum status app_rotate_due(struct store *store, const char *domain,
			   date_t today, struct findings *out, struct err *err)
{
	struct rotation_due d;
	enum status st = rotation_due_load(store, domain, today, &d, err);

	if (st == STATUS_OK)
		findings_move(out, &d.due);
	rotation_due_done(&d);
	return st;
}
