/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dmarcpilot: option parsing and dispatch to the commands or the wizard. */
#include "config.h"

#include <limits.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/i18n.h"
#include "util/outfile.h"
#include "util/xalloc.h"
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

/* Entry point: parses the command line against the one declaration of
 * the commands and options (src/cli/commands.c), then runs a command,
 * the wizard, or prints what was asked for. */
int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct cli_line line = { 0 };
	struct paths paths;
	int status = EXIT_TROUBLE;
	bool now_ok;

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
	cli.now = date_today(&now_ok);
	if (!now_ok) {
		fprintf(stderr,
			_("dmarcpilot: DMARCPILOT_NOW is not a date "
			  "(YYYY-MM-DD): %s\n"),
			getenv("DMARCPILOT_NOW"));
		goto out;
	}
	cli_parse(&cli, argc, argv, &line);
	switch (line.action) {
	case CLI_EXIT:
		break;
	case CLI_HELP:
		cli_print_help(stdout);
		status = EXIT_GOOD;
		break;
	case CLI_HELP_COMMAND:
		cli_print_command_help(&cli, stdout);
		status = EXIT_GOOD;
		break;
	case CLI_HELP_MAN:
		cli_print_man(stdout);
		status = EXIT_GOOD;
		break;
	case CLI_VERSION:
		print_version();
		status = EXIT_GOOD;
		break;
	case CLI_DEMO_PREPARE: {
		struct err err = ERR_INIT;

		status = demo_prepare(cli_session(&cli), line.demo_db, &err) ==
				 STATUS_OK
			     ? EXIT_GOOD
			     : cli_fail(&err);
		err_done(&err);
		break;
	}
	case CLI_WIZARD:
		/* The wizard needs a terminal; without one, and without a
		 * command, help is what a script or a pipe can use. */
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			if (line.argc == 0 && !line.demo) {
				cli_print_help(stdout);
				status = EXIT_GOOD;
			} else {
				fputs(_("dmarcpilot: the wizard needs a "
					"terminal; see dmarcpilot --help\n"),
				      stderr);
			}
			break;
		}
		status = tui_run(cli_session(&cli), cli.now,
				 line.argc ? line.argv[0] : NULL, line.demo);
		break;
	case CLI_RUN:
		status = cli_run(&cli, &line);
		break;
	}
out:
	cli_done(&cli);
	cli_line_done(&line);
	/* DESIGN.md 8: output that did not reach its file, pipe or disk
	 * is a failure, whatever the command said before. */
	{
		struct err err = ERR_INIT;

		if (outfile_close_stdout(&err) != STATUS_OK)
			status = cli_fail(&err);
		err_done(&err);
	}
	return status;
}
