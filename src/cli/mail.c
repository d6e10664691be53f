/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mail check FILE|-: a received message verified end to end (DKIM, SPF,
 * DMARC, the receivers' Authentication-Results, the bulk-sender rules),
 * shown for people or as the JSON of DESIGN.md section 5. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/mail_check.h"
#include "cli/cli.h"
#include "audit/audit.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Appends a string cleaned of control characters (it came from mail or
 * DNS: DESIGN.md section 8). */
static void add_clean(struct strbuf *sb, const char *s)
{
	char *c = text_clean_str(s ? s : "-");

	strbuf_addstr(sb, c);
	free(c);
}

/* The DKIM lines. */
static void text_dkim(struct strbuf *sb, const struct mail_report *r)
{
	strbuf_addstr(sb, _("DKIM\n"));
	if (r->dkim.count == 0)
		strbuf_addstr(sb,
			      _("  the message carries no DKIM-Signature\n"));
	for (size_t i = 0; i < r->dkim.count; i++) {
		const struct dkim_check *k = &r->dkim.items[i];

		strbuf_addf(sb, "  %-9s ", dkim_result_name(k->result));
		add_clean(sb, k->sig.d);
		strbuf_addstr(sb, " s=");
		add_clean(sb, k->sig.s);
		if (k->parsed)
			strbuf_addf(sb, " %s", dkim_alg_name(k->sig.alg));
		if (k->bits)
			strbuf_addf(sb, _(", %d bits"), k->bits);
		if (k->testing)
			strbuf_addstr(sb, _(", key in testing (t=y)"));
		if (k->result != DKIM_PASS) {
			strbuf_addf(sb, "\n            %s: ",
				    dkim_reason_name(k->reason));
			add_clean(sb, k->detail);
		}
		strbuf_addch(sb, '\n');
	}
	if (r->dkim.skipped)
		strbuf_addf(sb, _("  %zu more signatures not verified\n"),
			    r->dkim.skipped);
}

/* The SPF, DMARC and ARC lines. */
static void text_policy(struct strbuf *sb, const struct mail_report *r)
{
	strbuf_addstr(sb, _("ARC\n  "));
	if (r->arc.count == 0 && strcmp(r->arc.result, "none") == 0) {
		strbuf_addstr(sb, _("no ARC sets\n"));
	} else {
		strbuf_addf(sb, "%-9s ", r->arc.result);
		strbuf_addf(sb, P_("%zu hop", "%zu hops", r->arc.count),
			    r->arc.count);
		for (size_t n = 0; n < r->arc.count; n++) {
			strbuf_addstr(sb, n ? ", " : ": ");
			add_clean(sb, r->arc.hops[n].seal_check.sig.d);
		}
		if (r->arc.detail) {
			strbuf_addstr(sb, _("\n            "));
			add_clean(sb, r->arc.detail);
		}
		strbuf_addch(sb, '\n');
	}
	strbuf_addstr(sb, _("SPF\n  "));
	if (r->spf_checked) {
		strbuf_addf(sb, "%-9s ", spf_result_name(r->spf.result));
		add_clean(sb, r->spf_domain);
		strbuf_addstr(sb, _(" from "));
		add_clean(sb, r->env.ip);
		if (r->spf.mechanism) {
			strbuf_addstr(sb, " (");
			add_clean(sb, r->spf.mechanism);
			strbuf_addch(sb, ')');
		}
		if (r->spf.reason) {
			strbuf_addstr(sb, ": ");
			add_clean(sb, r->spf.reason);
		}
	} else {
		strbuf_addstr(sb, _("not checked: "));
		add_clean(sb, r->spf_why);
	}
	strbuf_addstr(sb, _("\nDMARC\n  "));
	strbuf_addf(sb, "%-9s ", r->dmarc_verdict);
	add_clean(sb, r->from_domain);
	if (r->dmarc && r->dmarc->record) {
		strbuf_addf(sb, _(": p=%s at "),
			    dmarc_policy_name(r->dmarc->policy));
		add_clean(sb, r->dmarc->source);
	}
	strbuf_addf(sb, _("; SPF %s, DKIM %s"),
		    r->spf_aligned ? _("aligned") : _("not aligned"),
		    r->dkim_aligned ? _("aligned") : _("not aligned"));
	if (strcmp(r->dmarc_verdict, "fail") == 0)
		strbuf_addf(sb, _("; a receiver applies %s"),
			    dmarc_policy_name(r->disposition));
	if (strcmp(r->dmarc_verdict, "fail") == 0 &&
	    strcmp(r->arc.result, "pass") == 0)
		/* RFC 8617 7.2: ARC lets a receiver override DMARC for
		 * forwarded mail from intermediaries it trusts. */
		strbuf_addstr(sb, _(", unless it trusts the ARC sealers "
				    "and overrides for forwarded mail"));
	strbuf_addch(sb, '\n');
}

/* The receivers' results and where they differ from ours. */
static void text_authres(struct strbuf *sb, const struct mail_report *r)
{
	if (r->nar == 0)
		return;
	strbuf_addstr(sb, _("Authentication-Results\n"));
	for (size_t i = 0; i < r->nar; i++) {
		strbuf_addstr(sb, "  ");
		add_clean(sb, r->ar[i].authserv_id);
		strbuf_addch(sb, ':');
		for (size_t k = 0; k < r->ar[i].count; k++) {
			strbuf_addch(sb, ' ');
			add_clean(sb, r->ar[i].results[k].method);
			strbuf_addch(sb, '=');
			add_clean(sb, r->ar[i].results[k].result);
		}
		strbuf_addch(sb, '\n');
	}
	if (r->ndis == 0) {
		strbuf_addstr(sb, _("  dmarcpilot agrees with every result\n"));
		return;
	}
	for (size_t i = 0; i < r->ndis; i++) {
		const struct mail_disagreement *d = &r->dis[i];

		strbuf_addstr(sb, _("  disagreement: "));
		add_clean(sb, d->authserv_id);
		strbuf_addf(sb, " %s=", d->method);
		add_clean(sb, d->theirs);
		if (d->identity) {
			strbuf_addstr(sb, " (");
			add_clean(sb, d->identity);
			strbuf_addch(sb, ')');
		}
		strbuf_addf(sb, _(", dmarcpilot finds %s\n"), d->ours);
	}
}

/* The bulk-sender rules. */
static void text_rules(struct strbuf *sb, const struct mail_report *r)
{
	strbuf_addstr(sb, _("Bulk-sender rules (Gmail, Yahoo, Outlook)\n"));
	for (size_t i = 0; i < r->nrules; i++) {
		const struct mail_rule *m = &r->rules[i];

		strbuf_addf(sb, "  %-11s %-21s ",
			    mail_rule_result_name(m->result), m->rule);
		add_clean(sb, m->detail);
		strbuf_addch(sb, '\n');
		if (m->fix && m->result == MAIL_RULE_FAIL) {
			strbuf_addstr(sb, _("              fix: "));
			add_clean(sb, m->fix);
			strbuf_addch(sb, '\n');
		}
	}
}

/* The whole report for people. */
static void text_report(struct strbuf *sb, const struct mail_report *r)
{
	strbuf_addstr(sb, _("Message from "));
	add_clean(sb, r->from);
	strbuf_addstr(sb, _("\nClient "));
	add_clean(sb, r->env.ip);
	strbuf_addstr(sb, _(", HELO "));
	add_clean(sb, r->env.helo);
	strbuf_addstr(sb, _(", MAIL FROM "));
	if (r->env.mail_from && !*r->env.mail_from)
		strbuf_addstr(sb, "<>");
	else
		add_clean(sb, r->env.mail_from);
	if (r->env.receiver) {
		strbuf_addstr(sb, _(", received by "));
		add_clean(sb, r->env.receiver);
	}
	strbuf_addstr(sb, "\n\n");
	text_dkim(sb, r);
	text_policy(sb, r);
	text_authres(sb, r);
	strbuf_addch(sb, '\n');
	text_rules(sb, r);
	/* The rules' own lines say what fails and the fix already. */
	{
		struct findings rest = FINDINGS_INIT;

		for (size_t i = 0; i < r->findings.count; i++) {
			const struct finding *f = &r->findings.items[i];
			struct finding *g;

			if (f->code == F_MAIL_BULK_RULE)
				continue;
			g = findings_add(&rest, f->code, "%s", f->message);
			g->severity = f->severity;
			if (f->selector)
				finding_set_selector(g, f->selector);
			if (f->advice)
				finding_set_advice(g, f->advice);
		}
		if (rest.count) {
			strbuf_addstr(sb, _("\nFindings\n"));
			audit_findings_text(sb, &rest);
		}
		findings_done(&rest);
	}
	strbuf_addstr(sb, mail_report_good(r)
			      ? _("\nVerdict: DMARC passes and every "
				  "bulk-sender rule that applies is met.\n")
			      : _("\nVerdict: this message would not be "
				  "accepted as a well-authenticated bulk "
				  "message.\n"));
}

/* Splits a comma-separated --trusted-hosts value into the list. */
static void add_trusted(char ***list, size_t *count, const char *value)
{
	const char *p = value;

	while (*p) {
		size_t len = strcspn(p, ", ");

		if (len)
			strlist_add(list, count, xstrndup(p, len));
		p += len;
		p += strspn(p, ", ");
	}
}

/* mail check FILE|- [options] */
int cli_mail_check(struct cli *cli, int argc, char **argv)
{
	struct mail_check_options o = { 0 };
	struct mail_report report;
	struct err err = ERR_INIT;
	struct orgdomain *od = NULL;
	char **trusted = NULL, *data = NULL, *picked = NULL;
	size_t ntrusted = 0, len = 0;
	struct dns *dns;
	int rc = EXIT_TROUBLE;

	memset(&report, 0, sizeof report);
	(void)argc; /* one operand, as declared */
	o.ip = cli_opt(cli, OPT_IP);
	o.helo = cli_opt(cli, OPT_HELO);
	o.mail_from = cli_opt(cli, OPT_MAIL_FROM);
	for (size_t i = 0; i < cli->ngiven; i++)
		if (cli->given[i].key == OPT_TRUSTED_HOSTS)
			add_trusted(&trusted, &ntrusted, cli->given[i].value);
	if (o.ip) {
		struct ip_net net;

		if (!ip_addr_parse(o.ip, &net)) {
			err_set(&err, STATUS_USAGE,
				_("--ip %s is not an IP address"), o.ip);
			rc = cli_fail(&err);
			goto out;
		}
	}
	o.trusted = (const char *const *)trusted;
	o.ntrusted = ntrusted;
	o.now = mail_check_clock(cli->now, time(NULL));
	if (!(picked = mail_check_pick(argv[0], &err)) ||
	    mail_check_read(picked, &data, &len, &err) != STATUS_OK) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!(dns = cli_dns(cli, &err))) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!(od = orgdomain_new())) {
		err_set(&err, STATUS_UNSUPPORTED,
			_("libpsl has no Public Suffix List"));
		rc = cli_fail(&err);
		goto out;
	}
	if (mail_check_run(dns, od, data, len, &o, &report, &err) !=
	    STATUS_OK) {
		err_prefix(&err, "%s",
			   strcmp(picked, "-") == 0 ? _("standard input")
						    : picked);
		rc = cli_fail(&err);
		goto out;
	}
	if (cli->json) {
		cli_print_json(mail_report_to_json(&report));
	} else {
		struct strbuf sb = STRBUF_INIT;

		text_report(&sb, &report);
		fputs(strbuf_str(&sb), stdout);
		strbuf_done(&sb);
	}
	rc = mail_report_good(&report) ? EXIT_GOOD : EXIT_FINDINGS;
out:
	mail_report_done(&report);
	orgdomain_free(od);
	strlist_free(trusted, ntrusted);
	free(data);
	free(picked);
	err_done(&err);
	return rc;
}
