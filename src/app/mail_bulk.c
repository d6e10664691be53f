/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The bulk-sender rules of Gmail, Yahoo (February 2024) and Outlook
 * (May 2025), each pass, fail or cannot tell with its fix. */
#include "config.h"

#include "app/mail_check.h"
#include "app/mail_check_private.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Adds a bulk-sender rule. */
static void rule(struct mail_report *r, const char *id, const char *senders,
		 enum mail_rule_result result, char *detail, char *fix)
{
	struct mail_rule *m;

	r->rules = xrealloc(r->rules, (r->nrules + 1) * sizeof *r->rules);
	m = &r->rules[r->nrules++];
	m->rule = id;
	m->senders = senders;
	m->result = result;
	m->detail = detail;
	if (result == MAIL_RULE_PASS) {
		free(fix);
		fix = NULL;
	}
	m->fix = fix;
	if (result == MAIL_RULE_FAIL) {
		struct finding *f = findings_add(
		    &r->findings, F_MAIL_BULK_RULE,
		    _("bulk-sender rule %s fails: %s"), id, detail);

		if (fix)
			finding_set_advice(f, fix);
	}
}

/* RFC 5322 3.3: a date-time, with the obsolete forms of 4.3 (two-digit
 * years, named zones) that receivers still accept. */
static bool date_valid(const char *s)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
					      "May", "Jun", "Jul", "Aug",
					      "Sep", "Oct", "Nov", "Dec" };
	char *v = mail_strip_comments(s), mon[4] = "", zone[8] = "";
	int day, year, hh, mm, ss = 0, used = 0, n;
	const char *p = v + strspn(v, " \t");
	bool ok = false;

	if (strchr(p, ',')) {
		static const char *const days[] = { "Mon", "Tue", "Wed", "Thu",
						    "Fri", "Sat", "Sun" };
		bool known = false;

		for (int i = 0; i < 7; i++)
			known |=
			    text_ieqn(p, days[i], 3) && strchr(p, ',') - p <= 4;
		if (!known)
			goto out;
		p = strchr(p, ',') + 1;
	}
	n = sscanf(p, "%2d %3s %4d %2d:%2d%n", &day, mon, &year, &hh, &mm,
		   &used);
	if (n != 5)
		goto out;
	p += used;
	if (*p == ':') {
		if (sscanf(p, ":%2d%n", &ss, &used) != 1)
			goto out;
		p += used;
	}
	if (sscanf(p, " %7s", zone) != 1)
		goto out;
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 0)
		goto out;
	for (int i = 0; i < 12; i++)
		ok |= text_ieq(mon, months[i]);
	if (!ok)
		goto out;
	ok = ((zone[0] == '+' || zone[0] == '-') && strlen(zone) == 5 &&
	      strspn(zone + 1, "0123456789") == 4) ||
	     strspn(zone,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") ==
		 strlen(zone);
	if (ok)
		ok = p[strspn(p, " \t") + strlen(zone)] == '\0' ||
		     p[strspn(p, " \t") + strlen(zone)] == ' ';
out:
	free(v);
	return ok;
}

/* RFC 5322 3.6.4: msg-id = "<" id-left "@" id-right ">". */
static bool message_id_valid(const char *s)
{
	char *v = mail_strip_comments(s);
	const char *p = v + strspn(v, " \t");
	size_t len = strcspn(p, " \t");
	const char *at = memchr(p, '@', len);
	bool ok = len >= 5 && p[0] == '<' && p[len - 1] == '>' && at &&
		  at > p + 1 && at < p + len - 2 &&
		  p[len + strspn(p + len, " \t")] == '\0' &&
		  !memchr(p + 1, '<', len - 1);

	free(v);
	return ok;
}

/* The rules of Gmail and Yahoo (February 2024) and Outlook (May 2025)
 * for bulk senders, as far as one message shows them. */
void mail_judge_bulk(struct mail_report *r)
{
	const char *from = r->from_domain ? r->from_domain : "?";
	const struct dkim_check *own = NULL;
	size_t npass = 0;
	char *lu, *lup;

	/* SPF for the envelope sender's domain. */
	if (!r->spf_checked)
		rule(r, "spf_pass", "gmail yahoo outlook", MAIL_RULE_UNKNOWN,
		     xstrdup(r->spf_why ? r->spf_why : ""),
		     xstrdup(_("Give the connecting address with --ip and the "
			       "envelope sender with --mail-from.")));
	else
		rule(r, "spf_pass", "gmail yahoo outlook",
		     r->spf.result == SPF_PASS ? MAIL_RULE_PASS
					       : MAIL_RULE_FAIL,
		     xasprintf(_("SPF %s for %s from %s"),
			       spf_result_name(r->spf.result), r->spf_domain,
			       r->env.ip),
		     xasprintf(_("Authorize %s in the SPF record of %s (see "
				 "'dmarcpilot spf eval %s %s')."),
			       r->env.ip, r->spf_domain, r->spf_domain,
			       r->env.ip));
	/* DKIM: a valid signature, and the From domain's key size. */
	for (size_t i = 0; i < r->dkim.count; i++) {
		const struct dkim_check *k = &r->dkim.items[i];

		if (k->result != DKIM_PASS)
			continue;
		npass++;
		if (!own && r->dkim_aligned_domain &&
		    text_ieq(k->sig.d, r->dkim_aligned_domain))
			own = k;
	}
	rule(r, "dkim_pass", "gmail yahoo outlook",
	     npass ? MAIL_RULE_PASS : MAIL_RULE_FAIL,
	     npass ? xasprintf(P_("%zu valid DKIM signature",
				  "%zu valid DKIM signatures", npass),
			       npass)
		   : xstrdup(r->dkim.count ? _("no DKIM signature verifies")
					   : _("the message is not signed")),
	     xasprintf(_("Sign with a key published under %s "
			 "('dmarcpilot dkim keygen %s SELECTOR')."),
		       from, from));
	rule(
	    r, "dkim_key_size", "gmail yahoo",
	    own ? (own->bits >= DKIM_RSA_MIN_BITS ? MAIL_RULE_PASS
						  : MAIL_RULE_FAIL)
		: MAIL_RULE_FAIL,
	    own ? xasprintf(_("the aligned signature of %s uses a %d-bit "
			      "%s key"),
			    own->sig.d, own->bits,
			    own->sig.alg == DKIM_ALG_ED25519_SHA256 ? "ed25519"
								    : "rsa")
		: xasprintf(_("no valid DKIM signature aligned with %s"), from),
	    xstrdup(_("Sign with an RSA key of at least 1024 bits (2048 "
		      "recommended) in the From domain.")));
	/* DMARC: a record, and a pass with alignment. */
	if (!r->dmarc || r->dmarc->status != STATUS_OK)
		rule(r, "dmarc_record", "gmail yahoo outlook",
		     MAIL_RULE_UNKNOWN,
		     xstrdup(r->dmarc && r->dmarc->error
				 ? r->dmarc->error
				 : _("the message has no usable From")),
		     xstrdup(_("Check again when DNS answers.")));
	else
		rule(r, "dmarc_record", "gmail yahoo outlook",
		     r->dmarc->record ? MAIL_RULE_PASS : MAIL_RULE_FAIL,
		     r->dmarc->record
			 ? xasprintf(_("%s publishes %s"), r->dmarc->source,
				     r->dmarc->record)
			 : xasprintf(_("no DMARC record applies to %s"), from),
		     xasprintf(_("Publish _dmarc.%s TXT \"v=DMARC1; p=none; "
				 "rua=mailto:...\" ('dmarcpilot dmarc check "
				 "%s')."),
			       from, from));
	rule(r, "dmarc_pass", "gmail yahoo outlook",
	     strcmp(r->dmarc_verdict, "pass") == 0        ? MAIL_RULE_PASS
	     : strcmp(r->dmarc_verdict, "temperror") == 0 ? MAIL_RULE_UNKNOWN
							  : MAIL_RULE_FAIL,
	     xasprintf(_("DMARC %s (SPF %saligned, DKIM %saligned)"),
		       r->dmarc_verdict, r->spf_aligned ? "" : _("not "),
		       r->dkim_aligned ? "" : _("not ")),
	     xasprintf(_("Sign with d=%s, or send with a Return-Path in "
			 "%s, so that SPF or DKIM aligns with From."),
		       from, from));
	/* Forward-confirmed reverse DNS of the client. */
	rule(r, "fcrdns", "gmail yahoo", (enum mail_rule_result)r->fcrdns,
	     r->env.ip
		 ? (r->ptr ? xasprintf(_("%s has PTR %s%s"), r->env.ip, r->ptr,
				       r->fcrdns == MAIL_RULE_PASS
					   ? _(", which resolves back")
					   : _(", which does not "
					       "resolve back"))
			   : xasprintf(_("%s has no PTR record"), r->env.ip))
		 : xstrdup(_("the connecting address is not known")),
	     xstrdup(_("Give the sending address a PTR record whose name "
		       "resolves back to it (ask the owner of the address "
		       "block).")));
	/* TLS on the hop into the receiver. */
	rule(r, "tls", "gmail",
	     !r->env.tls_known ? MAIL_RULE_UNKNOWN
	     : r->env.tls      ? MAIL_RULE_PASS
			       : MAIL_RULE_FAIL,
	     xstrdup(!r->env.tls_known ? _("no Received field of the "
					   "receiver")
		     : r->env.tls      ? _("the receiver logged TLS")
				       : _("the receiver logged no TLS")),
	     xstrdup(_("Enable STARTTLS on the sending server (Postfix: "
		       "smtp_tls_security_level = may).")));
	/* RFC 8058: one-click unsubscribe, signed. */
	lu = dkim_msg_get(&r->msg, "List-Unsubscribe", true, NULL);
	lup = dkim_msg_get(&r->msg, "List-Unsubscribe-Post", true, NULL);
	if (!lu && !lup) {
		rule(r, "one_click_unsubscribe", "gmail yahoo",
		     MAIL_RULE_UNKNOWN,
		     xstrdup(_("no List-Unsubscribe: required only for "
			       "marketing and subscribed mail")),
		     xstrdup(_("For marketing mail, add List-Unsubscribe "
			       "with an https URI and List-Unsubscribe-Post: "
			       "List-Unsubscribe=One-Click (RFC 8058), both "
			       "signed by DKIM.")));
	} else {
		bool https = lu && strstr(lu, "<https://");
		bool post = lup && text_ieq(lup, "List-Unsubscribe=One-Click");
		bool signed_ = false;

		for (size_t i = 0; i < r->dkim.count; i++) {
			const struct dkim_check *k = &r->dkim.items[i];

			if (k->result == DKIM_PASS &&
			    dkim_sig_covers(&k->sig, "List-Unsubscribe") &&
			    dkim_sig_covers(&k->sig, "List-Unsubscribe-Post"))
				signed_ = true;
		}
		rule(r, "one_click_unsubscribe", "gmail yahoo",
		     https && post && signed_ ? MAIL_RULE_PASS : MAIL_RULE_FAIL,
		     xstrdup(!https    ? _("List-Unsubscribe has no https URI")
			     : !post   ? _("List-Unsubscribe-Post is not "
					     "List-Unsubscribe=One-Click")
			     : signed_ ? _("one-click unsubscribe, "
					   "signed")
				       : _("no valid DKIM signature "
					   "covers both fields")),
		     xstrdup(_("Send List-Unsubscribe: <https://...> and "
			       "List-Unsubscribe-Post: "
			       "List-Unsubscribe=One-Click, and list both in "
			       "the signer's h= (RFC 8058 4).")));
	}
	free(lu);
	free(lup);
	/* RFC 5322 3.6: one From with one mailbox, one Date, a Message-ID. */
	{
		char *date = dkim_msg_get(&r->msg, "Date", true, NULL);
		char *mid = dkim_msg_get(&r->msg, "Message-ID", true, NULL);
		const char *bad = NULL;

		if (dkim_msg_count(&r->msg, "From") != 1 || !r->from)
			bad = _("From must appear once, with one address");
		else if (dkim_msg_count(&r->msg, "Date") != 1 || !date ||
			 !date_valid(date))
			bad = _("Date is missing, repeated or malformed");
		else if (dkim_msg_count(&r->msg, "Message-ID") > 1 || !mid ||
			 !message_id_valid(mid))
			bad = _("Message-ID is missing, repeated or "
				"malformed");
		rule(r, "message_format", "gmail outlook",
		     bad ? MAIL_RULE_FAIL : MAIL_RULE_PASS,
		     xstrdup(bad ? bad
				 : _("From, Date and Message-ID are "
				     "well-formed")),
		     xstrdup(_("Have the sending software write one From "
			       "with one address, a Date and a Message-ID "
			       "as RFC 5322 3.6 defines them.")));
		if (bad)
			findings_add(&r->findings, F_MAIL_HEADER, "%s", bad);
		free(date);
		free(mid);
	}
}
