/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The commands and their options, declared once (DESIGN.md section 5).
 * Parsing (getopt_long), --help, COMMAND --help, usage errors and the
 * manual's COMMANDS section are all made from these tables (cli.c).
 * Keep each module's lines in its own block so that changes merge. */
#include "config.h"

#include "cli/cli.h"
#include "util/i18n.h"

/* clang-format off */
#define FLAG(cmd, name, key, help) \
	{ cmd, name, key, CLI_ARG_NONE, NULL, false, help }
#define VALUE(cmd, name, key, value, help) \
	{ cmd, name, key, CLI_ARG_REQUIRED, value, false, help }
#define VALUES(cmd, name, key, value, help) \
	{ cmd, name, key, CLI_ARG_REQUIRED, value, true, help }
/* clang-format on */

/* The options: the global ones (no command) first, then each command's,
 * in the order COMMAND --help lists them. */
const struct cli_option cli_options[] = {
	FLAG(NULL, "demo", OPT_DEMO,
	     N_("the wizard on the offline demo domain")),
	VALUE(NULL, "resolver", OPT_RESOLVER, N_("ADDR[:PORT][,...]"),
	      N_("ask these DNS servers instead of /etc/resolv.conf")),
	VALUES(NULL, "zone", OPT_ZONE, N_("FILE"),
	       N_("answer DNS from this zone file (repeatable); names "
		  "outside every zone do not exist")),
	VALUE(NULL, "db", OPT_DB, N_("PATH|URI"),
	      N_("the database: a file (default "
		 "$XDG_DATA_HOME/dmarcpilot/dmarcpilot.db) or "
		 "postgresql://USER@HOST/DBNAME")),
	FLAG(NULL, "json", OPT_JSON, N_("print one JSON object")),
	VALUE(NULL, "now", OPT_NOW, N_("YYYY-MM-DD"),
	      N_("take this day as today")),
	VALUE(NULL, "timeout", OPT_TIMEOUT, N_("SECONDS"),
	      N_("give up on a DNS query after this long")),
	/* --help=man prints the manual's COMMANDS section. */
	{ NULL, "help", OPT_HELP, CLI_ARG_OPTIONAL, NULL, false,
	  N_("print this help and exit") },
	FLAG(NULL, "version", OPT_VERSION, N_("print the version and exit")),
	/* for make only: the demo's prebuilt database */
	VALUE(NULL, "demo-prepare", OPT_DEMO_PREPARE, NULL, NULL),

	/* spf (src/cli/spf.c) */
	VALUE("spf eval", "sender", OPT_SENDER, N_("ADDR"),
	      N_("the envelope sender (default postmaster@DOMAIN)")),
	VALUE("spf eval", "helo", OPT_HELO, N_("NAME"),
	      N_("the name the client gave in HELO or EHLO")),
	VALUE("spf eval", "receiver", OPT_RECEIVER, N_("NAME"),
	      N_("the receiving host, for the %{r} macro")),
	VALUES("spf build", "provider", OPT_PROVIDER, N_("ID"),
	       N_("a sending service of data/providers.ini")),
	VALUES("spf build", "ip4", OPT_IP4, N_("CIDR"),
	       N_("an IPv4 address or network")),
	VALUES("spf build", "ip6", OPT_IP6, N_("CIDR"),
	       N_("an IPv6 address or network")),
	FLAG("spf build", "mx", OPT_MX, N_("the domain's MX hosts send mail")),
	FLAG("spf build", "a", OPT_A,
	     N_("the domain's A and AAAA addresses send mail")),
	VALUE("spf build", "all", OPT_ALL, "softfail|fail",
	      N_("how the record ends: ~all (default) or -all")),
	FLAG("spf build", "flatten", OPT_FLATTEN,
	     N_("replace includes by addresses until under 10 lookups")),

	/* dkim (src/cli/dkim.c) */
	VALUE("dkim keygen", "algorithm", OPT_ALGORITHM, "rsa|ed25519",
	      N_("the key type (default rsa)")),
	VALUE("dkim keygen", "bits", OPT_BITS, N_("N"),
	      N_("the size of an RSA key (default 2048)")),
	VALUE("dkim keygen", "out", OPT_OUT, N_("DIR"),
	      N_("where the private key is written")),
	FLAG("dkim keygen", "force", OPT_FORCE,
	     N_("replace an existing key file")),
	VALUE("dkim check", "key", OPT_KEY, N_("FILE"),
	      N_("a private key the published key must match")),
	VALUE("dkim rotate", "selector", OPT_SELECTOR, N_("NEW"),
	      N_("the new key's selector (default YYYYMM of today, never "
		 "one the domain had)")),
	VALUE("dkim rotate", "from", OPT_FROM, N_("SELECTOR"),
	      N_("the key to replace, when the domain has several")),
	VALUE("dkim rotate", "algorithm", OPT_ALGORITHM, "rsa|ed25519",
	      N_("the new key's type (default: as the old; ed25519 keeps "
		 "the RSA key signing beside it)")),
	VALUE("dkim rotate", "bits", OPT_BITS, N_("N"),
	      N_("the size of a new RSA key (default 2048)")),
	VALUE("dkim rotate", "out", OPT_OUT, N_("DIR"),
	      N_("where the new private key goes (default: beside the "
		 "old)")),
	VALUE("dkim rotate", "silent-days", OPT_SILENT_DAYS, N_("N"),
	      N_("days the reports must show the old selector silent "
		 "before it is revoked (default 7; also for a rotation "
		 "under way)")),
	VALUE("dkim rotate", "servers", OPT_SERVERS, N_("ADDR[:PORT],..."),
	      N_("ask these servers instead of the zone's name servers")),
	FLAG("dkim rotate", "force", OPT_FORCE,
	     N_("record the next phase without its evidence (a revocation "
		"while the old key still signs needs it)")),
	FLAG("dkim rotate", "cancel", OPT_CANCEL,
	     N_("abandon a rotation that has not switched: delete the new "
		"key and its record")),

	/* senders (src/cli/state.c) */
	VALUE("sender add", "note", OPT_NOTE, N_("TEXT"),
	      N_("a note kept with it")),
	VALUE("sender disown", "note", OPT_NOTE, N_("TEXT"),
	      N_("a note kept with it")),
	FLAG("sender disown", "undo", OPT_UNDO,
	     N_("count the source as unknown again")),

	/* audit (src/cli/check.c) */
	VALUE("check", "file", OPT_FILE, N_("LIST"),
	      N_("check the domains listed in this file, one a line")),
	VALUE("check", "format", OPT_FORMAT, "text|csv|json",
	      N_("text (default), one CSV row a domain, or JSON")),
	VALUE("check", "deadline", OPT_DEADLINE, N_("SECONDS"),
	      N_("give up on the whole run after this long (default 120)")),
	FLAG("check", "dnssec", OPT_DNSSEC,
	     N_("ask whether each record validates (the resolver's AD "
		"bit)")),
	FLAG("check", "smtp", OPT_SMTP,
	     N_("connect to each MX host on port 25: STARTTLS and its "
		"certificate")),

	/* mail (src/cli/mail.c) */
	VALUE("mail check", "ip", OPT_IP, N_("ADDR"),
	      N_("the connecting address, instead of the Received line's")),
	VALUE("mail check", "helo", OPT_HELO, N_("NAME"),
	      N_("the HELO name, instead of the Received line's")),
	VALUE("mail check", "mail-from", OPT_MAIL_FROM, N_("ADDR"),
	      N_("the envelope sender, instead of Return-Path")),
	VALUES("mail check", "trusted-hosts", OPT_TRUSTED_HOSTS, N_("HOST,..."),
	       N_("your own relays, whose Received lines are skipped")),

	/* reports (src/cli/report.c) */
	VALUE("report fetch", "folder", OPT_FOLDER, N_("NAME"),
	      N_("read this folder instead of the configured one")),
	VALUE("report fetch", "archive", OPT_ARCHIVE, N_("NAME"),
	      N_("move imported reports here instead")),
	VALUE("report summary", "since", OPT_SINCE, N_("DATE"),
	      N_("from this day (YYYY-MM-DD) on")),
	VALUE("report summary", "until", OPT_UNTIL, N_("DATE"),
	      N_("up to this day (YYYY-MM-DD)")),
	VALUE("report summary", "window", OPT_WINDOW, N_("plan|week|all"),
	      N_("the plan's readiness window, the last 7 days, or all "
		 "reports up to today")),

	/* the database (src/cli/db.c) */
	VALUE("db migrate", "from", OPT_FROM, N_("FILE"),
	      N_("the SQLite database to move")),
	VALUE("db migrate", "to", OPT_TO, N_("URI"),
	      N_("the empty database to move it into: "
		 "postgresql://USER@HOST/DBNAME")),

	/* monitor (src/cli/monitor.c) */
	FLAG("monitor", "dry-run", OPT_DRY_RUN,
	     N_("change and send nothing; print what would be sent")),

	/* step and export (src/cli/plan.c) */
	VALUE("step", "servers", OPT_SERVERS, N_("ADDR[:PORT],..."),
	      N_("ask these servers instead of the zone's name servers")),
	FLAG("step", "force", OPT_FORCE,
	     N_("record a live step the plan does not call ready")),
	VALUE("export", "format", OPT_FORMAT, "bind|nsupdate|json",
	      N_("a zone snippet (default), an nsupdate script or JSON")),
	VALUE("export", "output", OPT_OUTPUT, N_("FILE"),
	      N_("write to this file instead of standard output")),
	VALUE("export", "ttl", OPT_TTL, N_("SECONDS"),
	      N_("the TTL of the records (default: the zone's, else 3600)")),
	FLAG("export", "next", OPT_NEXT,
	     N_("include the next step even when it is not ready")),

	/* publish (src/cli/publish.c) */
	VALUE("publish", "server", OPT_SERVER, N_("HOST[:PORT]"),
	      N_("send to this primary instead of the zone's SOA MNAME")),
	VALUE("publish", "key", OPT_KEY, N_("FILE"),
	      N_("the TSIG key file (BIND's tsig-keygen) to sign with")),
	FLAG("publish", "dry-run", OPT_DRY_RUN,
	     N_("print the update it would send, send nothing")),
	FLAG("publish", "force", OPT_FORCE,
	     N_("send a step the plan does not call ready")),
	FLAG("publish", "undo", OPT_UNDO,
	     N_("put back the rung before the last one recorded")),

	{ NULL, NULL, 0, CLI_ARG_NONE, NULL, false, NULL },
};

#undef FLAG
#undef VALUE
#undef VALUES

/* The commands, in the order --help and the manual list them. */
const struct cli_command cli_commands[] = {
	/* audit (src/cli/check.c) */
	{ "check", cli_check, N_("DOMAIN..."), 0, -1,
	  N_("audit SPF, DKIM, DMARC, MX, NS, TLS-RPT and BIMI of domains") },

	/* spf (src/cli/spf.c) */
	{ "spf check", cli_spf_check, N_("DOMAIN"), 1, 1,
	  N_("show the SPF lookup tree with the cost of each branch") },
	{ "spf eval", cli_spf_eval, N_("DOMAIN IP"), 2, 2,
	  N_("evaluate SPF for a client address (check_host)") },
	{ "spf build", cli_spf_build, N_("[DOMAIN]"), 0, 1,
	  N_("build the SPF record from the senders, under 10 lookups") },

	/* dkim (src/cli/dkim.c) */
	{ "dkim keygen", cli_dkim_keygen, N_("DOMAIN SELECTOR"), 2, 2,
	  N_("generate a DKIM key and print the record to publish") },
	{ "dkim check", cli_dkim_check, N_("DOMAIN SELECTOR"), 2, 2,
	  N_("check a published DKIM key, or that it matches a key") },
	{ "dkim rotate", cli_dkim_rotate, N_("DOMAIN"), 1, 1,
	  N_("start or advance a tracked rotation of the domain's own "
	     "key") },

	/* dmarc (src/cli/dmarc.c) */
	{ "dmarc check", cli_dmarc_check, N_("DOMAIN"), 1, 1,
	  N_("the DMARC policy that applies, its rung and findings") },

	/* domains and senders (src/cli/state.c, src/cli/settings.c) */
	{ "domain add", cli_domain_add, N_("DOMAIN"), 1, 1,
	  N_("add a domain to roll out") },
	{ "domain adopt", cli_domain_adopt, N_("DOMAIN"), 1, 1,
	  N_("place a domain on the rung its live records reach") },
	{ "domain list", cli_domain_list, "", 0, 0, N_("list the domains") },
	{ "domain set", cli_domain_set, N_("DOMAIN KEY=VALUE..."), 2, -1,
	  N_("change the plan's settings (ladder, days, thresholds, rua)") },
	{ "domain show", cli_domain_show, N_("DOMAIN"), 1, 1,
	  N_("show the plan's settings of a domain") },
	{ "sender add", cli_sender_add,
	  N_("DOMAIN PROVIDER-ID|ip4:CIDR|ip6:CIDR|a:HOST"), 2, 2,
	  N_("add a service or range that sends for the domain") },
	{ "sender list", cli_sender_list, N_("DOMAIN"), 1, 1,
	  N_("list the domain's senders") },
	{ "sender remove", cli_sender_remove, N_("DOMAIN ID"), 2, 2,
	  N_("remove a sender (by id or as listed)") },
	{ "sender disown", cli_sender_disown, N_("DOMAIN IP|CIDR"), 2, 2,
	  N_("mark a failing source as not yours (spoofing); --undo "
	     "takes it back") },
	{ "sender providers", cli_sender_providers, N_("[TEXT]"), 0, 1,
	  N_("the catalogue's services and their IDs, those matching TEXT") },

	/* mail (src/cli/mail.c) */
	{ "mail check", cli_mail_check, N_("FILE|MAILDIR|-"), 1, 1,
	  N_("verify a received message: DKIM, SPF, DMARC, the receivers' "
	     "results, the bulk-sender rules") },

	/* reports (src/cli/report.c) */
	{ "report import", cli_report_import, N_("PATH..."), 1, -1,
	  N_("import DMARC reports: files, folders, mbox, Maildir") },
	{ "report summary", cli_report_summary, N_("DOMAIN"), 1, 1,
	  N_("pass rates by week and the sources of a domain's mail") },
	{ "report failures", cli_report_failures, N_("DOMAIN"), 1, 1,
	  N_("the failure reports (ARF) received about a domain") },
	{ "report fetch", cli_report_fetch, "", 0, 0,
	  N_("import the reports waiting in the configured mailbox") },

	/* the database (src/cli/db.c) */
	{ "db migrate", cli_db_migrate, "", 0, 0,
	  N_("move every row of an SQLite database into an empty "
	     "PostgreSQL database") },

	/* configuration (src/cli/config.c) */
	{ "config check", cli_config_check, N_("[FILE]"), 0, 1,
	  N_("validate the configuration file") },

	/* monitor (src/cli/monitor.c) */
	{ "monitor", cli_monitor, N_("[DOMAIN...]"), 0, -1,
	  N_("one unattended pass: fetch reports, re-check DNS, send "
	     "alerts") },

	/* plan, step, export (src/cli/plan.c) */
	{ "plan", cli_plan, N_("DOMAIN"), 1, 1,
	  N_("phase, since when, readiness and the next record") },
	{ "step", cli_step, N_("DOMAIN"), 1, 1,
	  N_("verify the next record is live everywhere, then record it") },
	{ "export", cli_export, N_("DOMAIN"), 1, 1,
	  N_("the records to publish, as a zone snippet or nsupdate") },

	/* publish (src/cli/publish.c) */
	{ "publish", cli_publish, N_("DOMAIN"), 1, 1,
	  N_("send the ready step as a signed dynamic update, wait until "
	     "every server serves it, record it") },

	{ NULL, NULL, NULL, 0, 0, NULL },
};
