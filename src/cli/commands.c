/* The commands and their options, declared once (DESIGN.md section 5).
 * Parsing (getopt_long), --help, COMMAND --help, usage errors and the
 * manual's COMMANDS section are all made from these tables (cli.c).
 * Keep each module's lines in its own block so that changes merge. */
#include "config.h"

#include "cli/cli.h"
#include "util/i18n.h"

#define FLAG(name, key, help) { name, key, CLI_ARG_NONE, NULL, false, help }
#define VALUE(name, key, value, help) \
	{ name, key, CLI_ARG_REQUIRED, value, false, help }
#define VALUES(name, key, value, help) \
	{ name, key, CLI_ARG_REQUIRED, value, true, help }
#define END { NULL, 0, CLI_ARG_NONE, NULL, false, NULL }

/* Options that apply to every command and to the wizard. */
const struct cli_option cli_global_options[] = {
	FLAG("demo", OPT_DEMO, N_("the wizard on the offline demo domain")),
	VALUE("resolver", OPT_RESOLVER, N_("ADDR[:PORT][,...]"),
	      N_("ask these DNS servers instead of /etc/resolv.conf")),
	VALUES("zone", OPT_ZONE, N_("FILE"),
	       N_("answer DNS from this zone file (repeatable); names "
		  "outside every zone do not exist")),
	VALUE("db", OPT_DB, N_("PATH"),
	      N_("the database (default "
		 "$XDG_DATA_HOME/dmarcpilot/dmarcpilot.db)")),
	FLAG("json", OPT_JSON, N_("print one JSON object")),
	VALUE("now", OPT_NOW, N_("YYYY-MM-DD"), N_("take this day as today")),
	VALUE("timeout", OPT_TIMEOUT, N_("SECONDS"),
	      N_("give up on a DNS query after this long")),
	/* --help=man prints the manual's COMMANDS section. */
	{ "help", OPT_HELP, CLI_ARG_OPTIONAL, NULL, false,
	  N_("print this help and exit") },
	FLAG("version", OPT_VERSION, N_("print the version and exit")),
	/* for make only: the demo's prebuilt database */
	VALUE("demo-prepare", OPT_DEMO_PREPARE, NULL, NULL),
	END,
};

/* spf (src/cli/spf.c) */
static const struct cli_option spf_eval_options[] = {
	VALUE("sender", OPT_SENDER, N_("ADDR"),
	      N_("the envelope sender (default postmaster@DOMAIN)")),
	VALUE("helo", OPT_HELO, N_("NAME"),
	      N_("the name the client gave in HELO or EHLO")),
	VALUE("receiver", OPT_RECEIVER, N_("NAME"),
	      N_("the receiving host, for the %{r} macro")),
	END,
};

static const struct cli_option spf_build_options[] = {
	VALUES("provider", OPT_PROVIDER, N_("ID"),
	       N_("a sending service of data/providers.ini")),
	VALUES("ip4", OPT_IP4, N_("CIDR"), N_("an IPv4 address or network")),
	VALUES("ip6", OPT_IP6, N_("CIDR"), N_("an IPv6 address or network")),
	FLAG("mx", OPT_MX, N_("the domain's MX hosts send mail")),
	FLAG("a", OPT_A, N_("the domain's A and AAAA addresses send mail")),
	VALUE("all", OPT_ALL, "softfail|fail",
	      N_("how the record ends: ~all (default) or -all")),
	FLAG("flatten", OPT_FLATTEN,
	     N_("replace includes by addresses until under 10 lookups")),
	END,
};

/* dkim (src/cli/dkim.c) */
static const struct cli_option dkim_keygen_options[] = {
	VALUE("algorithm", OPT_ALGORITHM, "rsa|ed25519",
	      N_("the key type (default rsa)")),
	VALUE("bits", OPT_BITS, N_("N"),
	      N_("the size of an RSA key (default 2048)")),
	VALUE("out", OPT_OUT, N_("DIR"),
	      N_("where the private key is written")),
	FLAG("force", OPT_FORCE, N_("replace an existing key file")),
	END,
};

static const struct cli_option dkim_check_options[] = {
	VALUE("key", OPT_KEY, N_("FILE"),
	      N_("a private key the published key must match")),
	END,
};

/* senders (src/cli/state.c) */
static const struct cli_option sender_add_options[] = {
	VALUE("note", OPT_NOTE, N_("TEXT"), N_("a note kept with it")),
	END,
};

static const struct cli_option sender_disown_options[] = {
	VALUE("note", OPT_NOTE, N_("TEXT"), N_("a note kept with it")),
	FLAG("undo", OPT_UNDO, N_("count the source as unknown again")),
	END,
};

/* reports (src/cli/report.c) */
static const struct cli_option report_summary_options[] = {
	VALUE("since", OPT_SINCE, N_("DATE"),
	      N_("from this day (YYYY-MM-DD) on")),
	VALUE("until", OPT_UNTIL, N_("DATE"),
	      N_("up to this day (YYYY-MM-DD)")),
	END,
};

/* step and export (src/cli/plan.c) */
static const struct cli_option step_options[] = {
	VALUE("servers", OPT_SERVERS, N_("ADDR[:PORT],..."),
	      N_("ask these servers instead of the zone's name servers")),
	END,
};

static const struct cli_option export_options[] = {
	VALUE("format", OPT_FORMAT, "bind|nsupdate|json",
	      N_("a zone snippet (default), an nsupdate script or JSON")),
	VALUE("output", OPT_OUTPUT, N_("FILE"),
	      N_("write to this file instead of standard output")),
	END,
};

static const struct cli_option no_options[] = { END };

#undef FLAG
#undef VALUE
#undef VALUES
#undef END

/* The commands, in the order --help and the manual list them. */
const struct cli_command cli_commands[] = {
	/* audit (src/cli/check.c) */
	{ "check", cli_check, N_("DOMAIN"), 1, 1, no_options,
	  N_("audit SPF, DKIM, DMARC, MX and NS of a domain") },

	/* spf (src/cli/spf.c) */
	{ "spf check", cli_spf_check, N_("DOMAIN"), 1, 1, no_options,
	  N_("show the SPF lookup tree with the cost of each branch") },
	{ "spf eval", cli_spf_eval, N_("DOMAIN IP"), 2, 2, spf_eval_options,
	  N_("evaluate SPF for a client address (check_host)") },
	{ "spf build", cli_spf_build, N_("[DOMAIN]"), 0, 1, spf_build_options,
	  N_("build the SPF record from the senders, under 10 lookups") },

	/* dkim (src/cli/dkim.c) */
	{ "dkim keygen", cli_dkim_keygen, N_("DOMAIN SELECTOR"), 2, 2,
	  dkim_keygen_options,
	  N_("generate a DKIM key and print the record to publish") },
	{ "dkim check", cli_dkim_check, N_("DOMAIN SELECTOR"), 2, 2,
	  dkim_check_options,
	  N_("check a published DKIM key, or that it matches a key") },

	/* dmarc (src/cli/dmarc.c) */
	{ "dmarc check", cli_dmarc_check, N_("DOMAIN"), 1, 1, no_options,
	  N_("the DMARC policy that applies, its rung and findings") },

	/* domains and senders (src/cli/state.c, src/cli/settings.c) */
	{ "domain add", cli_domain_add, N_("DOMAIN"), 1, 1, no_options,
	  N_("add a domain to roll out") },
	{ "domain list", cli_domain_list, "", 0, 0, no_options,
	  N_("list the domains") },
	{ "domain set", cli_domain_set, N_("DOMAIN KEY=VALUE..."), 2, -1,
	  no_options,
	  N_("change the plan's settings (ladder, days, thresholds, rua)") },
	{ "domain show", cli_domain_show, N_("DOMAIN"), 1, 1, no_options,
	  N_("show the plan's settings of a domain") },
	{ "sender add", cli_sender_add,
	  N_("DOMAIN PROVIDER-ID|ip4:CIDR|ip6:CIDR|a:HOST"), 2, 2,
	  sender_add_options,
	  N_("add a service or range that sends for the domain") },
	{ "sender list", cli_sender_list, N_("DOMAIN"), 1, 1, no_options,
	  N_("list the domain's senders") },
	{ "sender remove", cli_sender_remove, N_("DOMAIN ID"), 2, 2,
	  no_options, N_("remove a sender (by id or as listed)") },
	{ "sender disown", cli_sender_disown, N_("DOMAIN IP|CIDR"), 2, 2,
	  sender_disown_options,
	  N_("mark a failing source as not yours (spoofing); --undo "
	     "takes it back") },

	/* reports (src/cli/report.c) */
	{ "report import", cli_report_import, N_("PATH..."), 1, -1,
	  no_options,
	  N_("import DMARC reports: files, folders, mbox, Maildir") },
	{ "report summary", cli_report_summary, N_("DOMAIN"), 1, 1,
	  report_summary_options,
	  N_("pass rates by week and the sources of a domain's mail") },

	/* plan, step, export (src/cli/plan.c) */
	{ "plan", cli_plan, N_("DOMAIN"), 1, 1, no_options,
	  N_("phase, since when, readiness and the next record") },
	{ "step", cli_step, N_("DOMAIN"), 1, 1, step_options,
	  N_("verify the next record is live everywhere, then record it") },
	{ "export", cli_export, N_("DOMAIN"), 1, 1, export_options,
	  N_("the records to publish, as a zone snippet or nsupdate") },

	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
