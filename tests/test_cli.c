/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The command line as an operator meets it: help that fits a terminal in
 * every language, usage errors that name the problem, options parsed the
 * way getopt_long parses them everywhere else, and the manual's command
 * section made from the same declaration. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "lib/testenv.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* The environment of an operator who reads German. */
static const char *const german[] = { "LANG=C.UTF-8", "LC_ALL=", "LANGUAGE=de",
				      NULL };

/* Fails, naming the line, when a line of text is wider than 79
 * terminal columns. */
static void assert_fits(const char *what, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");
		char *line = xstrndup(p, len);
		wchar_t wide[512];
		size_t n = mbstowcs(wide, line, 511);
		int cols;

		assert_true(n != (size_t)-1);
		wide[n] = L'\0';
		cols = wcswidth(wide, n);
		if (cols > 79)
			fail_msg("%s: %d columns: %s", what, cols, line);
		free(line);
		p += len;
		p += *p == '\n';
	}
}

/* The commands whose synopses --help=man prints for the manual
 * (lines `.\" @synopsis WORDS`). */
static char **man_commands(size_t *n)
{
	static const char marker[] = ".\\\" @synopsis ";
	const char *args[] = { "--help=man", NULL };
	struct testenv_run run = testenv_run_dmarcpilot(args, NULL);
	char **words = NULL;
	size_t cap = 0;

	assert_int_equal(run.status, 0);
	*n = 0;
	for (const char *p = run.out; *p; p += strcspn(p, "\n"), p += !!*p) {
		size_t len = strcspn(p, "\n");

		if (strncmp(p, marker, sizeof marker - 1) != 0)
			continue;
		words = xgrow(words, &cap, *n + 1, sizeof *words);
		words[(*n)++] =
		    xstrndup(p + sizeof marker - 1, len - (sizeof marker - 1));
	}
	testenv_run_done(&run);
	return words;
}

/* Runs "WORDS... OPTION" for a command named by its words. */
static struct testenv_run command_with(const char *words, const char *option,
				       const char *const env[])
{
	char *copy = xstrdup(words);
	const char *args[8];
	size_t n = 0;
	struct testenv_run run;

	for (char *w = strtok(copy, " "); w && n < 6; w = strtok(NULL, " "))
		args[n++] = w;
	args[n++] = option;
	args[n] = NULL;
	run = testenv_run_dmarcpilot(args, env);
	free(copy);
	return run;
}

/* Runs "WORDS... --help" for a command named by its words. */
static struct testenv_run command_help(const char *words,
				       const char *const env[])
{
	return command_with(words, "--help", env);
}

/* Every line of --help and of each COMMAND --help fits an 80-column
 * terminal, in English and in German. */
static void test_help_fits_79_columns(void **state)
{
	const char *args[] = { "--help", NULL };
	const char *const *envs[] = { NULL, german };
	size_t n;
	char **words = man_commands(&n);

	(void)state;
	assert_true(n >= 20);
	for (size_t e = 0; e < 2; e++) {
		struct testenv_run run = testenv_run_dmarcpilot(args, envs[e]);

		assert_int_equal(run.status, 0);
		assert_fits("--help", run.out);
		testenv_run_done(&run);
		for (size_t i = 0; i < n; i++) {
			run = command_help(words[i], envs[e]);
			assert_int_equal(run.status, 0);
			assert_non_null(strstr(run.out, words[i]));
			assert_fits(words[i], run.out);
			testenv_run_done(&run);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

/* The synopsis of COMMAND --help: the text after "Usage: dmarcpilot "
 * up to the help line, its wrapped lines joined by one space. Caller
 * frees. */
static char *help_synopsis(const char *out)
{
	static const char usage[] = "Usage: dmarcpilot ";
	struct strbuf sb = STRBUF_INIT;
	const char *p = out;

	assert_memory_equal(p, usage, sizeof usage - 1);
	p += sizeof usage - 1;
	for (bool first = true; *p; first = false) {
		size_t len = strcspn(p, "\n");

		if (!first && *p != ' ')
			break; /* the help line: the synopsis ended */
		while (*p == ' ')
			p++, len--;
		strbuf_addf(&sb, "%s%.*s", first ? "" : " ", (int)len, p);
		p += len;
		p += *p == '\n';
	}
	return strbuf_detach(&sb);
}

/* A command's --help and its usage errors show the one synopsis, with
 * every option: report summary's --window is in both, and so for every
 * command. */
static void test_help_and_usage_agree(void **state)
{
	const char *missing[] = { "report", "summary", NULL };
	struct testenv_run run;
	size_t n;
	char **words = man_commands(&n);

	(void)state;
	run = testenv_run_dmarcpilot(missing, NULL);
	assert_int_equal(run.status, 2);
	assert_string_equal(run.err,
			    "dmarcpilot: report summary: missing DOMAIN; "
			    "usage: dmarcpilot report summary DOMAIN "
			    "[--since DATE] [--until DATE] "
			    "[--window plan|week|all]\n");
	assert_string_equal(run.out, "");
	testenv_run_done(&run);
	for (size_t i = 0; i < n; i++) {
		char *syn, *want;

		run = command_help(words[i], NULL);
		assert_int_equal(run.status, 0);
		syn = help_synopsis(run.out);
		testenv_run_done(&run);
		/* An unknown option is a usage error of every command. */
		run = command_with(words[i], "--frob", NULL);
		assert_int_equal(run.status, 2);
		want = xasprintf("dmarcpilot: %s: unknown option '--frob'; "
				 "usage: dmarcpilot %s\n",
				 words[i], syn);
		assert_string_equal(run.err, want);
		testenv_run_done(&run);
		free(want);
		free(syn);
		free(words[i]);
	}
	free(words);
}

/* Usage errors exit 2 with one line that names the problem. */
static void test_usage_errors_name_the_problem(void **state)
{
	static const struct {
		const char *args[8];
		const char *says;
	} cases[] = {
		{ { "spf", "eval", "a.example", NULL }, "missing IP" },
		{ { "spf", "eval", "a.example", "192.0.2.1", "x", NULL },
		  "unexpected argument 'x'" },
		{ { "spf", "build", "--frob", NULL },
		  "unknown option '--frob'" },
		{ { "spf", "build", "--i", "192.0.2.1", NULL },
		  "option '--i' is ambiguous" },
		{ { "spf", "build", "--mx=yes", NULL },
		  "option '--mx' takes no value" },
		{ { "export", "a.example", "--format", NULL },
		  "option '--format' needs a value" },
		{ { "export", "a.example", "--format", "zip", NULL },
		  "--format takes bind, nsupdate or json: zip" },
		{ { "spf", NULL }, "spf check, spf eval, spf build" },
		{ { "--frob", "check", "a.example", NULL },
		  "unknown option '--frob'" },
		{ { "check", "--sender", "x", "a.example", NULL },
		  "check: unknown option '--sender'" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct testenv_run run =
		    testenv_run_dmarcpilot(cases[i].args, NULL);

		assert_int_equal(run.status, 2);
		if (!strstr(run.err, cases[i].says))
			fail_msg("expected \"%s\" in: %s", cases[i].says,
				 run.err);
		assert_non_null(strchr(run.err, '\n'));
		assert_string_equal(strchr(run.err, '\n'), "\n");
		testenv_run_done(&run);
	}
}

/* An option's value is never the next option: "--note --json" is a
 * usage error, and nothing is written to the database. */
static void test_value_never_next_option(void **state)
{
	char *dir = testenv_mkdtemp();
	char *db = xasprintf("%s/db.sqlite", dir);
	const char *swallow[] = { "--db",   db,          "sender",
				  "add",    "a.example", "ip4:192.0.2.1",
				  "--note", "--json",    NULL };
	const char *dashed[] = { "--db",          db,          "sender",
				 "add",           "a.example", "ip4:192.0.2.1",
				 "--note=--json", NULL };
	struct testenv_run run;

	(void)state;
	run = testenv_run_dmarcpilot(swallow, NULL);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "option '--note' needs a value"));
	assert_int_equal(access(db, F_OK), -1);
	testenv_run_done(&run);
	/* "--note=VALUE" takes any value, a dash first included. */
	run = testenv_run_dmarcpilot(dashed, NULL);
	testenv_run_done(&run);
	{
		const char *list[] = { "--db", db,          "--json", "sender",
				       "list", "a.example", NULL };
		const char *add[] = { "--db", db,          "domain",
				      "add",  "a.example", NULL };

		run = testenv_run_dmarcpilot(add, NULL);
		testenv_run_done(&run);
		run = testenv_run_dmarcpilot(dashed, NULL);
		assert_int_equal(run.status, 0);
		testenv_run_done(&run);
		run = testenv_run_dmarcpilot(list, NULL);
		assert_int_equal(run.status, 0);
		assert_non_null(strstr(run.out, "\"note\": \"--json\""));
		testenv_run_done(&run);
	}
	testenv_rmdir(dir);
	free(db);
	free(dir);
}

/* "--" ends the options; global options work before and after the
 * command words; a long option may be abbreviated while unambiguous. */
static void test_getopt_conventions(void **state)
{
	char *dir = testenv_mkdtemp();
	char *db = xasprintf("%s/db.sqlite", dir);
	const char *dashdash[] = {
		"spf", "eval", "--", "a.example", "-5", NULL
	};
	const char *before[] = { "--json", "--db", db, "domain", "list", NULL };
	const char *after[] = { "domain", "list", "--db", db, "--js", NULL };
	const char *abbrev[] = { "--zone", "/dev/null", "spf",
				 "build",  "--ip4",     "192.0.2.0/24",
				 "--al",   "fail",      NULL };
	struct testenv_run run;

	(void)state;
	run = testenv_run_dmarcpilot(dashdash, NULL);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "not an IP address: -5"));
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(before, NULL);
	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "\"domains\": []"));
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(after, NULL);
	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "\"domains\": []"));
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(abbrev, NULL);
	assert_int_equal(run.status, 0);
	assert_string_equal(run.out, "v=spf1 ip4:192.0.2.0/24 -all\n"
				     "DNS lookups: 0 of 10\n");
	testenv_run_done(&run);
	testenv_rmdir(dir);
	free(db);
	free(dir);
}

/* The manual's COMMANDS section, made from the declaration, is clean
 * roff: mandoc -Tlint finds nothing in a page built around it. */
static void test_man_section_lints(void **state)
{
	const char *mandoc = testenv_program("MANDOC");
	const char *args[] = { "--help=man", NULL };
	struct testenv_run run = testenv_run_dmarcpilot(args, NULL);
	char *dir, *page, *path;

	(void)state;
	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, ".\\\" @synopsis spf build\n"
					".TP\n.BI \"spf build \" [DOMAIN]\n"));
	assert_non_null(
	    strstr(run.out, ".RB [ \\-\\-provider\n.IR ID ]...\\&\n"));
	if (!mandoc) {
		testenv_run_done(&run);
		skip();
	}
	dir = testenv_mkdtemp();
	page = xasprintf(".TH DMARCPILOT 1 2026-01-01 dmarcpilot\n"
			 ".SH NAME\ndmarcpilot \\- DMARC rollout wizard\n"
			 ".SH SYNOPSIS\n.B dmarcpilot\n"
			 ".SH DESCRIPTION\nTest page.\n"
			 ".SH COMMANDS\n%s",
			 run.out);
	path = testenv_write_file(dir, "dmarcpilot.1", page);
	{
		const char *lint[] = { mandoc, "-Tlint", "-Wwarning", path,
				       NULL };
		struct testenv_run l = testenv_run(lint, NULL, NULL);

		if (l.status != 0 || *l.out || *l.err)
			fail_msg("mandoc -Tlint: %s%s", l.out, l.err);
		testenv_run_done(&l);
	}
	testenv_rmdir(dir);
	free(path);
	free(page);
	free(dir);
	testenv_run_done(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_fits_79_columns),
		cmocka_unit_test(test_help_and_usage_agree),
		cmocka_unit_test(test_usage_errors_name_the_problem),
		cmocka_unit_test(test_value_never_next_option),
		cmocka_unit_test(test_getopt_conventions),
		cmocka_unit_test(test_man_section_lints),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
