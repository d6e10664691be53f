/* dmarcpilot: option parsing and dispatch to the commands or the wizard. */
#include "config.h"

#include <limits.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/i18n.h"
#include "core/xalloc.h"
#include "paths.h"
#include "screens/demo.h"
#include "screens/tui.h"

/* Where this binary finds its data and translations. */
struct paths {
	const char *datadir;
	const char *localedir;
};

/* Chooses data and locale directories: DMARCPILOT_DATADIR wins, then the
 * build tree when uninstalled, then the installed locations. */
static struct paths paths_find(void)
{
	struct paths p = { PKGDATADIR, LOCALEDIR };
	const char *env = getenv("DMARCPILOT_DATADIR");

	if (paths_uninstalled()) {
		p.datadir = ABS_SRCDIR "/data";
		p.localedir = ABS_BUILDDIR "/locale";
	}
	if (env && *env)
		p.datadir = env;
	return p;
}

/* Prints the help text, generated from the command list. */
static void print_help(FILE *out)
{
	fprintf(out, _("Usage: dmarcpilot [OPTION]... [DOMAIN]\n"
		       "       dmarcpilot [OPTION]... COMMAND [ARG]...\n"));
	fputs(_("Take a mail domain from no authentication to DMARC "
		"p=reject, safely, week by week.\n"),
	      out);
	fputs("\n", out);
	fputs(_("Without a command, dmarcpilot starts the wizard.\n"), out);
	fputs("\n", out);
	fputs(_("Commands:\n"), out);
	cli_print_commands(out);
	fputs("\n", out);
	fputs(_("Options:\n"), out);
	fputs(_("      --demo                the wizard on the offline demo "
		"domain\n"
		"      --resolver ADDR[:PORT][,...]  ask these DNS servers "
		"instead of\n"
		"                            /etc/resolv.conf\n"
		"      --zone FILE           answer DNS from this zone file "
		"(repeatable);\n"
		"                            names outside every zone do not "
		"exist\n"
		"      --db PATH             the database (default "
		"$XDG_DATA_HOME/dmarcpilot/dmarcpilot.db)\n"
		"      --json                print one JSON object\n"
		"      --now YYYY-MM-DD      take this day as today\n"
		"      --timeout SECONDS     give up on a DNS query after this "
		"long\n"
		"  -h, --help                print this help and exit\n"
		"  -V, --version             print the version and exit\n"),
	      out);
	fputs("\n", out);
	fputs(_("Exit status: 0 all good, 1 the check found errors, 2 usage "
		"or operational failure.\n"),
	      out);
	fprintf(out, _("Report bugs to: %s\n"), PACKAGE_BUGREPORT);
}

/* Prints the version banner the GNU Coding Standards ask for: name and
 * version, copyright, licence and the absence of warranty. */
static void print_version(void)
{
	printf("dmarcpilot %s\n", PACKAGE_VERSION);
	puts(_("Copyright (C) 2026 the dmarcpilot authors."));
	/* TRANSLATORS: keep the URL; "GPLv3+" names the licence. */
	puts(_("License GPLv3+: GNU GPL version 3 or later "
	       "<https://gnu.org/licenses/gpl.html>."));
	puts(_("This is free software: you are free to change and redistribute "
	       "it."));
	puts(_("There is NO WARRANTY, to the extent permitted by law."));
}

/* Takes the value of a global option, "--opt VALUE" or "--opt=VALUE";
 * NULL when it is not this option. Advances *i past a separate value. */
static const char *option_value(const char *name, int argc, char **argv,
				int *i, bool *missing)
{
	size_t len = strlen(name);
	const char *arg = argv[*i];

	if (strncmp(arg, name, len) != 0)
		return NULL;
	if (arg[len] == '=')
		return arg + len + 1;
	if (arg[len] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

/* Entry point: parses the global options anywhere on the line, leaves the
 * rest to the command. */
int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct paths paths;
	char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
	int nrest = 0, status;
	bool demo = false, help = false, version = false, now_ok;
	const char *now = NULL, *demo_db = NULL, *v;

#ifdef M_TRIM_THRESHOLD
	/* ldns allocates and frees 64 KiB for every record it reads from a
	 * zone file: with glibc's 128 KiB trim threshold the heap shrank
	 * and grew again each time, two brk() calls and fresh zeroed pages
	 * per record (240 calls before the demo's first screen). Keep up
	 * to 4 MiB of freed memory in the process instead. */
	mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
	mallopt(M_TOP_PAD, 256 * 1024);
#endif
	setlocale(LC_ALL, "");
	paths = paths_find();
#ifdef ENABLE_NLS
	bindtextdomain(PACKAGE, paths.localedir);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
#endif
	cli.datadir = paths.datadir;
	cli.zones = xcalloc((size_t)argc + 1, sizeof *cli.zones);
	cli.now = date_today(&now_ok);
	if (!now_ok) {
		fprintf(stderr,
			_("dmarcpilot: DMARCPILOT_NOW is not a date "
			  "(YYYY-MM-DD): %s\n"),
			getenv("DMARCPILOT_NOW"));
		status = EXIT_TROUBLE;
		goto out;
	}

	for (int i = 1; i < argc; i++) {
		bool missing = false;

		if ((v = option_value("--resolver", argc, argv, &i, &missing)))
			cli.resolver = v;
		else if ((v = option_value("--zone", argc, argv, &i, &missing)))
			cli.zones[cli.nzones++] = v;
		else if ((v = option_value("--db", argc, argv, &i, &missing)))
			cli.db_path = v;
		else if ((v = option_value("--now", argc, argv, &i, &missing)))
			now = v;
		else if ((v = option_value("--demo-prepare", argc, argv, &i,
					   &missing)))
			demo_db = v; /* for make only: not in --help */
		else if ((v = option_value("--timeout", argc, argv, &i,
					   &missing))) {
			char *end;

			cli.timeout = strtod(v, &end);
			if (*end || cli.timeout <= 0 || cli.timeout > 600) {
				fprintf(stderr,
					_("dmarcpilot: --timeout needs seconds "
					  "between 0 and 600: %s\n"),
					v);
				status = EXIT_TROUBLE;
				goto out;
			}
		} else if (missing) {
			fprintf(stderr, _("dmarcpilot: %s needs a value\n"),
				argv[i]);
			status = EXIT_TROUBLE;
			goto out;
		} else if (strcmp(argv[i], "--json") == 0)
			cli.json = true;
		else if (strcmp(argv[i], "--demo") == 0)
			demo = true;
		else if (strcmp(argv[i], "--help") == 0 ||
			 strcmp(argv[i], "-h") == 0)
			help = true;
		else if (strcmp(argv[i], "--version") == 0 ||
			 strcmp(argv[i], "-V") == 0)
			version = true;
		else
			rest[nrest++] = argv[i];
	}
	if (now && !date_parse(now, &cli.now)) {
		fprintf(stderr, _("dmarcpilot: --now is not a date "
				  "(YYYY-MM-DD): %s\n"),
			now);
		status = EXIT_TROUBLE;
		goto out;
	}
	if (help) {
		print_help(stdout);
		status = EXIT_GOOD;
		goto out;
	}
	if (version) {
		print_version();
		status = EXIT_GOOD;
		goto out;
	}
	if (demo_db) {
		struct err err = ERR_INIT;

		status = demo_prepare(&cli, demo_db, &err) == STATUS_OK
				 ? EXIT_GOOD
				 : cli_fail(&err);
		err_done(&err);
		goto out;
	}
	if (demo || nrest == 0 || (nrest == 1 && strchr(rest[0], '.'))) {
		/* The wizard needs a terminal; without one, and without a
		 * command, help is what a script or a pipe can use. */
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			if (nrest == 0 && !demo) {
				print_help(stdout);
				status = EXIT_GOOD;
			} else {
				fputs(_("dmarcpilot: the wizard needs a "
					"terminal; see dmarcpilot --help\n"),
				      stderr);
				status = EXIT_TROUBLE;
			}
			goto out;
		}
		status = tui_run(&cli, nrest == 1 ? rest[0] : NULL, demo);
		goto out;
	}
	status = cli_dispatch(&cli, nrest, rest);
	if (status < 0) {
		fprintf(stderr,
			_("dmarcpilot: unknown command '%s'; see dmarcpilot "
			  "--help\n"),
			rest[0]);
		status = EXIT_TROUBLE;
	}
out:
	cli_done(&cli);
	free(rest);
	return status;
}
