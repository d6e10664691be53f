/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dmarc check DOMAIN: the policy that applies to a domain, where it was
 * found, its rung on the ladder, and what to fix (DESIGN.md section 5). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "audit/audit.h"
#include "dmarc/dmarc.h"
#include "util/i18n.h"
#include "dmarc/ladder.h"
#include "dmarc/orgdomain.h"
#include "util/strbuf.h"

/* dmarc check DOMAIN */
int cli_dmarc_check(struct cli *cli, int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct dmarc_discovery *d = NULL;
	struct dmarc_result *r = NULL;
	const struct orgdomain *od = NULL;
	struct ladder ladder = LADDER_INIT;
	struct dns *dns;
	int rc = EXIT_TROUBLE;

	(void)argc; /* one operand, as declared */
	if (!(dns = cli_dns(cli, &err)) || !(od = cli_orgdomain(cli, &err))) {
		rc = cli_fail(&err);
		goto out;
	}
	cli_domain_ladder(cli, argv[0], &ladder);
	d = dmarc_discover(dns, od, argv[0], 0);
	if (dns_run(dns) != STATUS_OK) {
		err_set(&err, STATUS_IO, _("the resolver's poll loop failed"));
		rc = cli_fail(&err);
		goto out;
	}
	r = dmarc_discovery_take(d);
	if (r->status != STATUS_OK) {
		err_set(&err, r->status, "%s", r->error);
		rc = cli_fail(&err);
		goto out;
	}
	if (cli->json) {
		json_t *o = dmarc_result_to_json(r);
		char *rung = audit_dmarc_rung(r, &ladder);

		json_object_set_new(o, "rung",
				    rung ? json_string(rung) : json_null());
		free(rung);
		cli_print_json(o);
	} else {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, _("DMARC for %s\n"), r->domain);
		audit_dmarc_text(&sb, r, &ladder);
		if (r->findings.count) {
			strbuf_addstr(&sb, _("\nFindings\n"));
			audit_findings_text(&sb, &r->findings);
		}
		fputs(strbuf_str(&sb), stdout);
		strbuf_done(&sb);
	}
	rc = findings_worst(&r->findings) == SEVERITY_ERROR ? EXIT_FINDINGS
							    : EXIT_GOOD;
out:
	dmarc_result_free(r);
	dmarc_discovery_free(d);
	ladder_done(&ladder);
	err_done(&err);
	return rc;
}
