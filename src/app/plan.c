/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loads the facts of a plan, then decides it (app/plan.h). */
#include "config.h"

#include "app/plan.h"
#include "app/publish.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim/dkim.h"
#include "util/i18n.h"
#include "util/xalloc.h"

/* The first TXT record of a (NULL: none served) whose value starts
 * with prefix (no case), into *out (NULL when none), and how many do
 * into *count (may be NULL). */
static void judge_txt(const struct dns_answer *a, const char *prefix,
		      char **out, size_t *count)
{
	size_t plen = strlen(prefix), n = 0;
	struct dns_txt_string *txt = a ? dns_answer_txt_joined(a, &n) : NULL;

	*out = NULL;
	if (count)
		*count = 0;
	for (size_t i = 0; i < n; i++) {
		/* RFC 7208 4.5, RFC 7489 6.6.3: the version tag first; a
		 * value holding a NUL is nobody's record. */
		if (!(txt[i].len >= plen &&
		      memchr(txt[i].data, '\0', txt[i].len) == NULL &&
		      strncasecmp(txt[i].data, prefix, plen) == 0 &&
		      (txt[i].len == plen || txt[i].data[plen] == ' ' ||
		       txt[i].data[plen] == ';')))
			continue;
		if (!*out)
			*out = xstrndup(txt[i].data, txt[i].len);
		if (count)
			++*count;
	}
	if (txt)
		dns_txt_joined_free(txt, n);
}

/* Asks name's TXT records and judges them (judge_txt()); false with
 * *note set when the query failed. */
static bool read_txt(struct dns *dns, const char *name, const char *prefix,
		     char **out, size_t *count, char **note)
{
	struct dns_answer *a = dns_query_sync(dns, name, DNS_T_TXT);

	*out = NULL;
	if (a->result == DNS_TIMEOUT || a->result == DNS_SERVFAIL ||
	    a->result == DNS_ERROR) {
		*note =
		    xasprintf(_("the records %s serves now could not be "
				"read: %s TXT: %s"),
			      name, name,
			      a->error ? a->error : dns_result_name(a->result));
		dns_answer_free(a);
		return false;
	}
	judge_txt(a, prefix, out, count);
	dns_answer_free(a);
	return true;
}

/* True when what the plan read from the zone's primary
 * (app_publish_read_served()) is what the resolver would answer: it
 * asks that primary alone, or answers from the zone files the primary's
 * answers came from. Then the primary is asked once, not twice. */
static bool served_is_live(struct dns *dns, const struct rollout_inputs *in)
{
	const char *servers;

	if (!in->served_read || in->served_note || !in->served_from)
		return false;
	if (dns_is_offline(dns))
		return true;
	servers = dns_servers(dns);
	return servers && strcmp(servers, in->served_from) == 0;
}

/* Reads what the domain serves now. */
void app_plan_read_live(struct dns *dns, const char *why_no_dns,
			struct rollout_inputs *in)
{
	char *dmarc_name;

	in->live_read = true;
	if (!dns) {
		in->live_note = xasprintf(
		    _("the records %s serves now could "
		      "not be read: %s"),
		    in->domain, why_no_dns ? why_no_dns : _("no resolver"));
		return;
	}
	if (served_is_live(dns, in)) {
		judge_txt(in->spf_served, "v=spf1", &in->spf_live,
			  &in->spf_live_count);
		judge_txt(in->dmarc_served, "v=DMARC1", &in->dmarc_live, NULL);
		return;
	}
	/* RFC 7489 6.1: the policy record lives at _dmarc.DOMAIN. */
	dmarc_name = xasprintf("_dmarc.%s", in->domain);
	if (read_txt(dns, in->domain, "v=spf1", &in->spf_live,
		     &in->spf_live_count, &in->live_note))
		read_txt(dns, dmarc_name, "v=DMARC1", &in->dmarc_live, NULL,
			 &in->live_note);
	free(dmarc_name);
}

/* The selectors found live: marks, per service, the first of its
 * selectors (in the catalogue's order) that serves a key. */
static void dkim_found(void *arg, struct dkim_selector_result *found,
		       size_t count)
{
	struct rollout_inputs *in = arg;

	for (size_t i = 0; i < in->nsender_dkim; i++) {
		struct rollout_sender_dkim *d = &in->sender_dkim[i];

		for (size_t j = 0; j < d->nselectors && !d->live; j++)
			for (size_t k = 0; k < count && !d->live; k++)
				if (found[k].parsed && !found[k].key.revoked &&
				    strcasecmp(found[k].selector,
					       d->selectors[j]) == 0)
					d->live = xstrdup(d->selectors[j]);
	}
	dkim_results_free(found, count);
}

/* Asks, all at once, which catalogue selectors of the senders' services
 * serve a key for the domain (TXT, or a CNAME into the service's zone:
 * the resolver follows it). */
void app_plan_read_dkim(struct dns *dns, struct rollout_inputs *in)
{
	const char **sel = NULL;
	size_t n = 0;

	for (size_t i = 0; dns && i < in->nsender_dkim; i++) {
		const struct rollout_sender_dkim *d = &in->sender_dkim[i];

		if (d->has_key)
			continue;
		sel = xrealloc(sel, (n + d->nselectors) * sizeof *sel);
		for (size_t j = 0; j < d->nselectors; j++)
			sel[n++] = d->selectors[j];
	}
	if (n > 0) {
		dkim_discover(dns, in->domain, sel, n, dkim_found, in);
		dns_run(dns);
	}
	free(sel);
}

/* Loads the facts through dns and decides. */
enum status app_plan_load_with(struct store *store, struct dns *dns,
			       const char *why_no_dns,
			       const struct providers *catalogue,
			       const char *domain, date_t today,
			       struct rollout_inputs *in,
			       struct rollout_plan *plan, struct err *err)
{
	enum status st;

	memset(in, 0, sizeof *in);
	memset(plan, 0, sizeof *plan);
	/* Without the catalogue, provider senders are named as reasons. */
	if ((st = rollout_inputs_load(store, dns, catalogue, domain, today, in,
				      err)))
		return st;
	/* The primary first: when the resolver is the primary, its
	 * answers are the live ones too. */
	app_publish_read_served(dns, in);
	app_plan_read_live(dns, why_no_dns, in);
	app_plan_read_dkim(dns, in);
	rollout_decide(in, today, plan);
	return STATUS_OK;
}

/* Loads and decides through the session. */
enum status app_plan_load(struct session *s, const char *domain, date_t today,
			  struct rollout_inputs *in, struct rollout_plan *plan,
			  struct err *err)
{
	struct err dns_err = ERR_INIT;
	struct store *store;
	struct dns *dns;
	enum status st;

	memset(in, 0, sizeof *in);
	memset(plan, 0, sizeof *plan);
	if (!(store = session_store(s, err)))
		return err->status;
	dns = session_dns(s, &dns_err);
	st = app_plan_load_with(store, dns, dns ? NULL : err_message(&dns_err),
				session_providers(s, NULL), domain, today, in,
				plan, err);
	err_done(&dns_err);
	return st;
}
