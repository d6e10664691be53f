/* check DOMAIN: the whole-domain audit (DESIGN.md section 5). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "core/audit.h"
#include "core/i18n.h"
#include "core/ladder.h"
#include "core/orgdomain.h"
#include "core/strbuf.h"

/* check DOMAIN */
int cli_check(struct cli *cli, int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct findings all = FINDINGS_INIT;
	struct audit *a = NULL;
	struct orgdomain *od = NULL;
	struct ladder ladder = LADDER_INIT;
	struct dns *dns;
	int rc = EXIT_TROUBLE;

	if (argc != 1)
		return cli_usage("check", _("DOMAIN"));
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
	ladder_init_default(&ladder);
	a = audit_run(dns, od, argv[0]);
	if (a->status != STATUS_OK) {
		err_set(&err, a->status, "%s", a->error);
		rc = cli_fail(&err);
		goto out;
	}
	if (cli->json) {
		cli_print_json(audit_to_json(a, &ladder));
	} else {
		struct strbuf sb = STRBUF_INIT;

		audit_text(&sb, a, &ladder);
		fputs(strbuf_str(&sb), stdout);
		strbuf_done(&sb);
	}
	audit_all_findings(a, &all);
	rc = findings_worst(&all) == SEVERITY_ERROR ? EXIT_FINDINGS : EXIT_GOOD;
out:
	findings_done(&all);
	audit_free(a);
	orgdomain_free(od);
	ladder_done(&ladder);
	err_done(&err);
	return rc;
}
