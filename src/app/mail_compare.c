/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The receivers' Authentication-Results (RFC 8601) set beside our own
 * verdicts, and every disagreement. */
#include "config.h"

#include "app/mail_check.h"
#include "app/mail_check_private.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The most Authentication-Results fields read. */
#define MAIL_MAX_AR 16

/* Whether a receiver's word and ours say the same: pass against pass,
 * anything else against anything else (receivers name failures
 * differently: neutral, policy, permerror). */
static bool same_verdict(const char *theirs, const char *ours)
{
	return (strcmp(theirs, "pass") == 0) == (strcmp(ours, "pass") == 0);
}

/* Records a disagreement. */
static void disagree(struct mail_report *r, const char *authserv_id,
		     const char *method, const char *identity,
		     const char *theirs, const char *ours)
{
	struct mail_disagreement *d;

	r->dis = xrealloc(r->dis, (r->ndis + 1) * sizeof *r->dis);
	d = &r->dis[r->ndis++];
	d->authserv_id = xstrdup(authserv_id);
	d->method = xstrdup(method);
	d->identity = xstrdup_or_null(identity);
	d->theirs = xstrdup(theirs);
	d->ours = xstrdup(ours);
	findings_add(&r->findings, F_MAIL_AR_DISAGREE,
		     _("%s says %s=%s%s%s, dmarcpilot finds %s"), authserv_id,
		     method, theirs, identity ? " for " : "",
		     identity ? identity : "", ours);
}

/* The DKIM check a receiver's dkim result is about: by header.d (or
 * the domain of header.i), header.s, and header.b when use_b. */
static const struct dkim_check *match_dkim_by(const struct mail_report *r,
					      const struct authres_result *a,
					      bool use_b)
{
	const char *d = authres_prop_get(a, "header", "d");
	const char *i = authres_prop_get(a, "header", "i");
	const char *s = authres_prop_get(a, "header", "s");
	const char *b = authres_prop_get(a, "header", "b");
	const struct dkim_check *found = NULL;
	char *dom = NULL;

	if (!d && i && strchr(i, '@'))
		d = dom = text_domain_normalize(strrchr(i, '@') + 1);
	for (size_t n = 0; n < r->dkim.count && d; n++) {
		const struct dkim_check *k = &r->dkim.items[n];
		const struct dkim_field *f = &r->msg.fields[k->field];

		if (!k->parsed || !text_ieq(k->sig.d, d) ||
		    (s && !text_ieq(k->sig.s, s)))
			continue;
		/* RFC 6008: header.b is a prefix of b= (FWS removed). */
		if (use_b && b) {
			char *compact = xstrndup(f->value, f->value_len);
			char *w = compact;
			char *at;

			for (char *p = compact; *p; p++)
				if (!strchr(" \t\r\n", *p))
					*w++ = *p;
			*w = '\0';
			at = strstr(compact, ";b=");
			if (!at && strncmp(compact, "b=", 2) == 0)
				at = compact - 1;
			if (at && strncmp(at + 3, b, strlen(b)) != 0) {
				free(compact);
				continue;
			}
			free(compact);
		}
		found = k;
		break;
	}
	free(dom);
	return found;
}

/* The check by header.b first (RFC 6008 tells signatures of one d= and
 * s= apart by it), else by header.d and header.s alone. */
static const struct dkim_check *match_dkim(const struct mail_report *r,
					   const struct authres_result *a)
{
	const struct dkim_check *k = match_dkim_by(r, a, true);

	return k ? k : match_dkim_by(r, a, false);
}

/* Reads every Authentication-Results field and sets it beside ours. */
void mail_compare_authres(struct mail_report *r)
{
	for (size_t i = 0; i < r->msg.nfields && r->nar < MAIL_MAX_AR; i++) {
		const struct dkim_field *f = &r->msg.fields[i];
		struct err err = ERR_INIT;
		struct authres ar;

		if (!dkim_field_is(f, "Authentication-Results"))
			continue;
		if (authres_parse(f->value, f->value_len, &ar, &err) !=
		    STATUS_OK) {
			findings_add(&r->findings, F_MAIL_AR_SYNTAX,
				     _("an Authentication-Results field "
				       "cannot be read: %s"),
				     err_message(&err));
			err_done(&err);
			continue;
		}
		r->ar = xrealloc(r->ar, (r->nar + 1) * sizeof *r->ar);
		r->ar[r->nar++] = ar;
	}
	for (size_t n = 0; n < r->nar; n++) {
		const struct authres *ar = &r->ar[n];

		for (size_t k = 0; k < ar->count; k++) {
			const struct authres_result *a = &ar->results[k];

			if (strcmp(a->method, "spf") == 0 && r->spf_checked) {
				const char *ours =
				    spf_result_name(r->spf.result);

				if (strcmp(a->result, ours) != 0)
					disagree(r, ar->authserv_id, "spf",
						 authres_prop_get(a, "smtp",
								  "mailfrom"),
						 a->result, ours);
			} else if (strcmp(a->method, "dkim") == 0) {
				const struct dkim_check *c = match_dkim(r, a);
				const char *ours =
				    c ? dkim_result_name(c->result) : "none";

				if (!same_verdict(a->result, ours))
					disagree(
					    r, ar->authserv_id, "dkim",
					    authres_prop_get(a, "header", "d")
						? authres_prop_get(a, "header",
								   "d")
						: authres_prop_get(a, "header",
								   "i"),
					    a->result, ours);
			} else if (strcmp(a->method, "dmarc") == 0 &&
				   !same_verdict(a->result, r->dmarc_verdict)) {
				disagree(r, ar->authserv_id, "dmarc",
					 authres_prop_get(a, "header", "from"),
					 a->result, r->dmarc_verdict);
			}
		}
	}
}
