/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The command line: parsed with getopt_long against the one declaration
 * of the commands and options (commands.c), which also makes --help,
 * COMMAND --help, the usage errors and the manual's COMMANDS section;
 * and what the commands share (resolver, database, output). */
#include "config.h"

#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/dname.h"
#include "util/i18n.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Where --help puts the help of an item, and how wide its lines are. */
enum { HELP_COLUMN = 24, HELP_WIDTH = 79 };

/* One parse of part of the command line with getopt_long: the options
 * it accepts and the table made from them. */
struct parse {
	struct option *table;
	const struct cli_option **decl; /* table[i] is declared by decl[i] */
	size_t n;
	char shorts[16];
};

/* True when o is an option of command c, or a global one when c is
 * NULL. */
static bool option_of(const struct cli_option *o, const struct cli_command *c)
{
	return c ? o->command && strcmp(o->command, c->words) == 0
		 : !o->command;
}

/* True when o counts in this parse: the global options, except after
 * the command words those that choose what the program does (--demo,
 * --version), and the command's own. */
static bool parse_accepts(const struct cli_option *o,
			  const struct cli_command *command)
{
	if (!o->command)
		return !command ||
		       (o->key != OPT_DEMO && o->key != OPT_DEMO_PREPARE &&
			o->key != OPT_VERSION);
	return command && option_of(o, command);
}

/* Makes the getopt_long table for the global options, plus the
 * command's after its words. prefix is getopt's mode: "+" stops at the
 * first operand, "-" returns operands in place. */
static void parse_init(struct parse *p, const struct cli_command *command,
		       const char *prefix)
{
	size_t max = 1;

	for (const struct cli_option *o = cli_options; o->name; o++)
		max++;
	p->table = xcalloc(max, sizeof *p->table);
	p->decl = xcalloc(max, sizeof *p->decl);
	p->n = 0;
	snprintf(p->shorts, sizeof p->shorts, "%s:", prefix);
	for (const struct cli_option *o = cli_options; o->name; o++) {
		if (!parse_accepts(o, command))
			continue;
		p->table[p->n] =
		    (struct option){ o->name,
				     o->arg == CLI_ARG_NONE ? no_argument
				     : o->arg == CLI_ARG_REQUIRED
					 ? required_argument
					 : optional_argument,
				     NULL, (int)o->key };
		p->decl[p->n++] = o;
		if (o->key < 256) {
			size_t len = strlen(p->shorts);

			p->shorts[len] = (char)o->key;
			p->shorts[len + 1] = '\0';
		}
	}
}

/* Frees the table. */
static void parse_done(struct parse *p)
{
	free(p->table);
	free(p->decl);
}

/* The declaration of the option getopt_long returned as key. */
static const struct cli_option *parse_find(const struct parse *p, int key)
{
	for (size_t i = 0; i < p->n; i++)
		if ((int)p->decl[i]->key == key)
			return p->decl[i];
	return NULL;
}

/* The command's synopsis, translated: its words, operands and each
 * option ("[--all softfail|fail]"), the one COMMAND --help and the
 * usage errors show. Caller frees. */
static char *synopsis(const struct cli_command *c)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, c->words);
	if (*c->operands)
		strbuf_addf(&sb, " %s", _(c->operands));
	for (const struct cli_option *o = cli_options; o->name; o++) {
		if (!o->help || !option_of(o, c))
			continue;
		strbuf_addf(&sb, " [--%s", o->name);
		if (o->value)
			strbuf_addf(&sb, " %s", _(o->value));
		strbuf_addstr(&sb, o->repeat ? "]..." : "]");
	}
	return strbuf_detach(&sb);
}

/* Reports a usage error: one line naming the problem and, when a
 * command is known, its synopsis as COMMAND --help shows it (unwrapped). */
static int usage_vprint(const struct cli_command *c, const char *fmt,
			va_list ap)
{
	char *problem = xvasprintf(fmt, ap);

	if (c) {
		char *syn = synopsis(c);

		fprintf(stderr, _("dmarcpilot: %s: %s; usage: dmarcpilot %s\n"),
			c->words, problem, syn);
		free(syn);
	} else {
		fprintf(stderr, _("dmarcpilot: %s; see dmarcpilot --help\n"),
			problem);
	}
	free(problem);
	return EXIT_TROUBLE;
}

/* Reports a usage error of the command being run. */
int cli_usage(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_vprint(cli->command, fmt, ap);
	va_end(ap);
	return EXIT_TROUBLE;
}

/* Reports a usage error of the parse in progress. */
static void parse_usage(struct cli_line *line, const struct cli *cli,
			const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void parse_usage(struct cli_line *line, const struct cli *cli,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_vprint(cli->command, fmt, ap);
	va_end(ap);
	line->action = CLI_EXIT;
}

/* Names what getopt_long refused: an unknown, ambiguous or misused
 * option (opterr is off, so the words are ours and translated). */
static void parse_refused(struct cli_line *line, const struct cli *cli,
			  const struct parse *p, int rc, char **argv)
{
	const struct cli_option *o = optopt ? parse_find(p, optopt) : NULL;
	const char *word = argv[optind - 1];
	size_t len, matches = 0;

	if (rc == ':') {
		parse_usage(line, cli, _("option '--%s' needs a value"),
			    o ? o->name : "?");
		return;
	}
	if (o) {
		parse_usage(line, cli, _("option '--%s' takes no value"),
			    o->name);
		return;
	}
	if (optopt) {
		parse_usage(line, cli, _("unknown option '-%c'"), optopt);
		return;
	}
	len = strcspn(word + 2, "=");
	for (size_t i = 0; i < p->n; i++)
		matches += strncmp(p->decl[i]->name, word + 2, len) == 0;
	if (matches > 1)
		parse_usage(line, cli, _("option '%.*s' is ambiguous"),
			    (int)len + 2, word);
	else
		parse_usage(line, cli, _("unknown option '%.*s'"), (int)len + 2,
			    word);
}

/* Reads --timeout: seconds, more than 0 and at most 600. */
static bool timeout_parse(const char *v, double *seconds)
{
	char *end;

	*seconds = strtod(v, &end);
	return !*end && end != v && *seconds > 0 && *seconds <= 600;
}

/* Takes one option getopt_long returned into cli->given; false after a
 * usage error. */
static bool parse_take(struct cli_line *line, struct cli *cli,
		       const struct parse *p, int key, char **argv)
{
	const struct cli_option *o = parse_find(p, key);
	const char *v = optarg;

	/* A value is never the next option: "--note --json" leaves the
	 * note without one ("--note=-x" gives a value that starts with
	 * a dash). */
	if (o->arg == CLI_ARG_REQUIRED && v == argv[optind - 1] &&
	    v[0] == '-' && v[1]) {
		parse_usage(line, cli, _("option '--%s' needs a value"),
			    o->name);
		return false;
	}
	/* Values checked at once, so that a bad one is the error named
	 * even before an unknown command. */
	if (key == OPT_HELP && v && strcmp(v, "man") != 0) {
		parse_usage(line, cli, _("unknown help format '%s'"), v);
		return false;
	}
	if (key == OPT_NOW && !date_parse(v, &cli->now)) {
		fprintf(stderr,
			_("dmarcpilot: --now is not a date (YYYY-MM-DD): %s\n"),
			v);
		line->action = CLI_EXIT;
		return false;
	}
	if (key == OPT_TIMEOUT && !timeout_parse(v, &cli->timeout)) {
		fprintf(stderr,
			_("dmarcpilot: --timeout needs seconds between 0 and "
			  "600: %s\n"),
			v);
		line->action = CLI_EXIT;
		return false;
	}
	if (key == OPT_ZONE)
		cli->zones[cli->nzones++] = v;
	cli->given = xgrow(cli->given, &line->given_cap, cli->ngiven + 1,
			   sizeof *cli->given);
	cli->given[cli->ngiven].key = o->key;
	cli->given[cli->ngiven++].value = v ? v : "";
	return true;
}

/* The command whose words argv starts with (the longest); *nwords is
 * how many words name it. */
static const struct cli_command *command_find(int argc, char **argv,
					      int *nwords)
{
	const struct cli_command *best = NULL;

	*nwords = 0;
	for (const struct cli_command *c = cli_commands; c->words; c++) {
		const char *w = c->words;
		int n = 0;

		while (*w && n < argc) {
			size_t len = strcspn(w, " ");

			if (strlen(argv[n]) != len ||
			    strncmp(argv[n], w, len) != 0)
				break;
			n++;
			w += len;
			w += *w == ' ';
		}
		if (!*w && n > *nwords) {
			best = c;
			*nwords = n;
		}
	}
	return best;
}

/* Reports a word that names no command; a group's first word ("spf")
 * gets the list of its commands. */
static void command_unknown(struct cli_line *line, const struct cli *cli,
			    const char *word)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(word);

	for (const struct cli_command *c = cli_commands; c->words; c++)
		if (strncmp(c->words, word, len) == 0 && c->words[len] == ' ')
			strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", c->words);
	if (sb.len)
		parse_usage(line, cli, _("'%s' needs a command: %s"), word,
			    strbuf_str(&sb));
	else
		parse_usage(line, cli, _("unknown command '%s'"), word);
	strbuf_done(&sb);
}

/* The n-th word of a command's operands, without brackets or "...",
 * to name a missing one. Caller frees. */
static char *operand_name(const char *operands, int n)
{
	const char *p = operands;
	size_t len;

	for (; n > 0 && *p; n--) {
		p += strcspn(p, " ");
		p += *p == ' ';
	}
	p += *p == '[';
	len = strcspn(p, " ]");
	if (len > 3 && strncmp(p + len - 3, "...", 3) == 0)
		len -= 3;
	return xstrndup(p, len);
}

/* True when the n-th operand of a command is a DOMAIN: its word in the
 * declaration without brackets, or the last word when it repeats
 * ("DOMAIN...", "[DOMAIN...]"). */
static bool operand_is_domain(const char *operands, int n)
{
	const char *p = operands, *word = NULL;
	size_t len = 0;

	for (int i = 0; *p; i++) {
		size_t wlen = strcspn(p, " ");
		size_t end = wlen - (wlen > 0 && p[wlen - 1] == ']');

		if (i == n || (end > 3 && strncmp(p + end - 3, "...", 3) == 0 &&
			       !p[wlen])) {
			word = p;
			len = wlen;
		}
		if (i == n)
			break;
		p += wlen;
		p += *p == ' ';
	}
	if (!word)
		return false;
	if (*word == '[')
		word++, len--;
	while (len > 0 && (word[len - 1] == ']' || word[len - 1] == '.'))
		len--;
	return len == 6 && strncmp(word, "DOMAIN", 6) == 0;
}

/* Puts every DOMAIN operand through dname_normalize(), the one check of
 * a domain name: a U-label ("bücher.example") becomes its A-label
 * (IDNA2008, RFC 5891), the rest lower case without the final dot; a
 * name it refuses is a usage error. */
static void operands_normalize(struct cli_line *line, const struct cli *cli)
{
	/* The wizard takes one operand, a domain. */
	const char *operands =
	    cli->command ? cli->command->operands : "[DOMAIN]";

	line->domains = xcalloc((size_t)line->argc + 1, sizeof *line->domains);
	for (int i = 0; i < line->argc; i++) {
		char *norm, *shown;

		if (!operand_is_domain(operands, i))
			continue;
		norm = dname_normalize(line->argv[i], DNAME_UNDERSCORE);
		if (norm) {
			line->domains[i] = norm;
			line->argv[i] = norm;
			continue;
		}
		shown = text_clean_str(line->argv[i]);
		/* The message of check's lists, with no "FILE:LINE: ". */
		parse_usage(line, cli, _("%s\"%s\" is not a domain name"), "",
			    shown);
		free(shown);
		return;
	}
}

/* Parses the rest of the line after the command words (or the wizard's
 * domain): options anywhere, operands in order, "--" ends options. */
static void parse_rest(struct cli_line *line, struct cli *cli, int argc,
		       char **argv)
{
	struct parse p;
	int rc;

	parse_init(&p, cli->command, "-");
	optind = 0;
	line->argc = 0;
	while ((rc = getopt_long(argc, argv, p.shorts, p.table, NULL)) != -1) {
		if (rc == 1)
			line->argv[line->argc++] = optarg;
		else if (rc == '?' || rc == ':')
			parse_refused(line, cli, &p, rc, argv);
		else
			parse_take(line, cli, &p, rc, argv);
		if (line->action == CLI_EXIT)
			goto out;
	}
	while (optind < argc)
		line->argv[line->argc++] = argv[optind++];
out:
	parse_done(&p);
}

/* Parses the command line (see cli.h). */
void cli_parse(struct cli *cli, int argc, char **argv, struct cli_line *line)
{
	struct parse p;
	const char *help;
	int rc, rest, nwords = 0;

	memset(line, 0, sizeof *line);
	line->action = CLI_RUN;
	line->owned = xcalloc((size_t)argc + 1, sizeof *line->owned);
	memcpy(line->owned, argv, (size_t)argc * sizeof *argv);
	line->argv = xcalloc((size_t)argc + 1, sizeof *line->argv);
	cli->zones = xcalloc((size_t)argc + 1, sizeof *cli->zones);
	opterr = 0;
	optind = 0;
	/* The global options before the command words. */
	parse_init(&p, NULL, "+");
	while ((rc = getopt_long(argc, line->owned, p.shorts, p.table, NULL)) !=
		   -1 &&
	       line->action != CLI_EXIT) {
		if (rc == '?' || rc == ':')
			parse_refused(line, cli, &p, rc, line->owned);
		else
			parse_take(line, cli, &p, rc, line->owned);
	}
	parse_done(&p);
	if (line->action == CLI_EXIT)
		return;
	rest = optind;
	help = cli_opt(cli, OPT_HELP);
	if (!help && !cli_opt(cli, OPT_VERSION) &&
	    !cli_opt(cli, OPT_DEMO_PREPARE)) {
		cli->command =
		    command_find(argc - rest, line->owned + rest, &nwords);
		if (!cli->command && rest < argc && !cli_opt(cli, OPT_DEMO) &&
		    !strchr(line->owned[rest], '.')) {
			command_unknown(line, cli, line->owned[rest]);
			return;
		}
		/* The rest, as getopt_long wants it: after a program name. */
		rest += nwords;
		line->owned[rest - 1] = argv[0];
		parse_rest(line, cli, argc - rest + 1, line->owned + rest - 1);
		if (line->action == CLI_EXIT)
			return;
	}
	help = cli_opt(cli, OPT_HELP);
	cli->resolver = cli_opt(cli, OPT_RESOLVER);
	cli->db_path = cli_opt(cli, OPT_DB);
	cli->json = cli_opt(cli, OPT_JSON) != NULL;
	line->demo = cli_opt(cli, OPT_DEMO) != NULL;
	line->demo_db = cli_opt(cli, OPT_DEMO_PREPARE);
	if (help) {
		line->action = *help          ? CLI_HELP_MAN
			       : cli->command ? CLI_HELP_COMMAND
					      : CLI_HELP;
	} else if (cli_opt(cli, OPT_VERSION)) {
		line->action = CLI_VERSION;
	} else if (line->demo_db) {
		line->action = CLI_DEMO_PREPARE;
	} else if (!cli->command) {
		line->action = CLI_WIZARD;
		if (line->argc > 1)
			parse_usage(line, cli, _("unknown command '%s'"),
				    line->argv[0]);
	} else if (line->argc < cli->command->min_operands) {
		char *name =
		    operand_name(_(cli->command->operands), line->argc);

		parse_usage(line, cli, _("missing %s"), name);
		free(name);
	} else if (cli->command->max_operands >= 0 &&
		   line->argc > cli->command->max_operands) {
		parse_usage(line, cli, _("unexpected argument '%s'"),
			    line->argv[cli->command->max_operands]);
	}
	if (line->action == CLI_RUN || line->action == CLI_WIZARD)
		operands_normalize(line, cli);
}

/* Frees what cli_parse() allocated for the line. */
void cli_line_done(struct cli_line *line)
{
	for (int i = 0; line->domains && i < line->argc; i++)
		free(line->domains[i]);
	free(line->domains);
	line->domains = NULL;
	free(line->owned);
	free(line->argv);
	line->owned = line->argv = NULL;
}

/* Runs the command the line names. */
int cli_run(struct cli *cli, const struct cli_line *line)
{
	return cli->command->fn(cli, line->argc, line->argv);
}

/* The value of an option given to the command. */
const char *cli_opt(const struct cli *cli, enum cli_opt key)
{
	const char *v = NULL;

	for (size_t i = 0; i < cli->ngiven; i++)
		if (cli->given[i].key == key)
			v = cli->given[i].value;
	return v;
}

/* Prints text from column col, wrapped at HELP_WIDTH with continuation
 * lines at column indent; a space inside [...] never breaks, so that
 * "[--all softfail|fail]" stays whole. Ends the line. */
static void wrap(FILE *out, const char *text, int col, int indent)
{
	const char *p = text;
	bool first = true;

	while (*p) {
		size_t len = 0;
		int depth = 0, w;
		char *word;

		if (*p == '\n') {
			fputc('\n', out);
			col = 0;
			first = true;
			p++;
			continue;
		}
		if (*p == ' ') {
			p++;
			continue;
		}
		while (p[len] && p[len] != '\n' && (p[len] != ' ' || depth)) {
			depth += (p[len] == '[') - (p[len] == ']');
			len++;
		}
		word = xstrndup(p, len);
		w = text_columns(word);
		if (!first && col + 1 + w > HELP_WIDTH) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', out);
			col++;
		}
		fputs(word, out);
		col += w;
		first = false;
		free(word);
		p += len;
	}
	if (!first)
		fputc('\n', out);
}

/* Prints one item of a list: its name at column 2, its help at
 * HELP_COLUMN (on a line of its own when the name is too wide). */
static void help_item(FILE *out, const char *left, const char *help)
{
	int width = 2 + text_columns(left);

	fprintf(out, "  %s", left);
	if (width + 1 > HELP_COLUMN) {
		fputc('\n', out);
		width = 0;
	}
	fprintf(out, "%*s", HELP_COLUMN - width, "");
	wrap(out, help, HELP_COLUMN, HELP_COLUMN);
}

/* Prints the visible options of a command, or the global ones. */
static void help_options(FILE *out, const struct cli_command *c)
{
	for (const struct cli_option *o = cli_options; o->name; o++) {
		char *left;

		if (!o->help || !option_of(o, c))
			continue;
		if (o->key < 256)
			left = xasprintf("-%c, --%s", o->key, o->name);
		else
			left = xasprintf("    --%s%s%s", o->name,
					 o->value ? " " : "",
					 o->value ? _(o->value) : "");
		help_item(out, left, _(o->help));
		free(left);
	}
}

/* Prints dmarcpilot --help. */
void cli_print_help(FILE *out)
{
	fputs(_("Usage: dmarcpilot [OPTION]... [DOMAIN]\n"
		"       dmarcpilot [OPTION]... COMMAND [ARG]...\n"),
	      out);
	wrap(out,
	     _("Take a mail domain from no authentication to DMARC "
	       "p=reject, safely, week by week.\n"),
	     0, 0);
	fputs("\n", out);
	fputs(_("Without a command, dmarcpilot starts the wizard.\n"), out);
	fputs("\n", out);
	fputs(_("Commands:\n"), out);
	for (const struct cli_command *c = cli_commands; c->words; c++) {
		char *left =
		    xasprintf("%s%s%s", c->words, *c->operands ? " " : "",
			      *c->operands ? _(c->operands) : "");

		help_item(out, left, _(c->help));
		free(left);
	}
	fputs("\n", out);
	fputs(_("Options:\n"), out);
	help_options(out, NULL);
	fputs("\n", out);
	wrap(out,
	     _("Each command has options of its own: dmarcpilot COMMAND "
	       "--help lists them.\n"),
	     0, 0);
	wrap(out,
	     _("Exit status: 0 all good, 1 the check found errors, 2 usage "
	       "or operational failure.\n"),
	     0, 0);
	fprintf(out, _("Report bugs to: %s\n"), PACKAGE_BUGREPORT);
}

/* Prints COMMAND --help. */
void cli_print_command_help(const struct cli *cli, FILE *out)
{
	const struct cli_command *c = cli->command;
	char *syn = synopsis(c);
	/* TRANSLATORS: followed by "dmarcpilot" and a command's
	 * synopsis; the synopsis wraps below itself. */
	const char *usage = _("Usage:");
	int col = text_columns(usage) + (int)strlen(" dmarcpilot ");

	fprintf(out, "%s dmarcpilot ", usage);
	wrap(out, syn, col, col + (int)strlen(c->words) + 1);
	wrap(out, _(c->help), 0, 0);
	fputs("\n", out);
	fputs(_("Options:\n"), out);
	help_options(out, c);
	help_item(out, "-h, --help", _("print this help and exit"));
	fputs("\n", out);
	wrap(out,
	     _("The global options (dmarcpilot --help) may come before or "
	       "after the command.\n"),
	     0, 0);
	free(syn);
}

/* Prints text escaped for roff: dashes, backslashes and quotes. */
static void roff_escape(FILE *out, const char *text)
{
	for (const char *p = text; *p; p++) {
		if (*p == '-')
			fputs("\\-", out);
		else if (*p == '\\')
			fputs("\\e", out);
		else if (*p == '"')
			fputs("\\(dq", out);
		else
			fputc(*p, out);
	}
}

/* Prints one macro argument: escaped, quoted when it holds a space. */
static void roff(FILE *out, const char *text)
{
	bool quote = strchr(text, ' ') != NULL;

	if (quote)
		fputc('"', out);
	roff_escape(out, text);
	if (quote)
		fputc('"', out);
}

/* Prints a synopsis word: bold when it is a literal choice such as
 * "softfail|fail", italic when it is a placeholder such as "ADDR". */
static void roff_value(FILE *out, const char *value, const char *after)
{
	bool literal = strpbrk(value, "abcdefghijklmnopqrstuvwxyz") &&
		       !strpbrk(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

	fputs(literal ? ".BR " : ".IR ", out);
	roff(out, value);
	fprintf(out, " %s\n", after);
}

/* Prints the synopsis of every command for the manual's COMMANDS
 * section, each after a marker line `.\" @synopsis WORDS` that the
 * build puts in place of the same marker in the manual's source, so
 * that the manual, --help and the usage errors share one declaration. */
void cli_print_man(FILE *out)
{
	for (const struct cli_command *c = cli_commands; c->words; c++) {
		bool options = false;

		fprintf(out, ".\\\" @synopsis %s\n.TP\n", c->words);
		if (*c->operands) {
			fputs(".BI \"", out);
			roff_escape(out, c->words);
			fputs(" \" ", out);
			roff(out, c->operands);
			fputc('\n', out);
		} else {
			fputs(".B ", out);
			roff(out, c->words);
			fputc('\n', out);
		}
		for (const struct cli_option *o = cli_options; o->name; o++) {
			const char *close = o->repeat ? "]...\\&" : "]";

			if (!o->help || !option_of(o, c))
				continue;
			options = true;
			fputs(".RB [ \\-\\-", out);
			roff_escape(out, o->name);
			if (o->value) {
				fputc('\n', out);
				roff_value(out, o->value, close);
			} else {
				fprintf(out, " %s\n", close);
			}
		}
		if (options)
			fputs(".br\n", out);
	}
}

/* Hands the global options to the session, which makes what they ask
 * for on first use. */
struct session *cli_session(struct cli *cli)
{
	struct session_options o = {
		.resolver = cli->resolver,
		.zones = (const char *const *)cli->zones,
		.nzones = cli->nzones,
		.db_path = cli->db_path,
		.timeout = cli->timeout,
		.datadir = cli->datadir,
	};

	session_set_options(&cli->session, &o);
	return &cli->session;
}

/* The session's resolver. */
struct dns *cli_dns(struct cli *cli, struct err *err)
{
	return session_dns(cli_session(cli), err);
}

/* The session's Public Suffix List; NULL with err set when libpsl has
 * none. */
const struct orgdomain *cli_orgdomain(struct cli *cli, struct err *err)
{
	const struct orgdomain *od = session_orgdomain(cli_session(cli));

	if (!od)
		err_set(err, STATUS_UNSUPPORTED,
			_("libpsl has no Public Suffix List"));
	return od;
}

/* The session's database. */
struct store *cli_store(struct cli *cli, struct err *err)
{
	return session_store(cli_session(cli), err);
}

/* The session's database when its file exists. */
struct store *cli_store_existing(struct cli *cli)
{
	return session_store_existing(cli_session(cli));
}

/* The session's database for a command that only reads. */
struct store *cli_store_read(struct cli *cli, struct err *err)
{
	return session_store_read(cli_session(cli), err);
}

/* Loads the domain's ladder, falling back to the default one. */
void cli_domain_ladder(struct cli *cli, const char *domain,
		       struct ladder *ladder)
{
	struct state_settings settings;
	struct err err = ERR_INIT;
	struct store *store = cli_store_existing(cli);
	struct ladder custom;

	ladder_init_default(ladder);
	state_settings_defaults(&settings);
	if (store &&
	    state_settings_get(store, domain, &settings, &err) == STATUS_OK &&
	    settings.rungs &&
	    ladder_parse(&custom, settings.rungs, NULL) == STATUS_OK) {
		ladder_done(ladder);
		*ladder = custom;
	}
	err_done(&err);
	state_settings_done(&settings);
}

/* Joins the data directory and a file name. */
char *cli_data_path(const struct cli *cli, const char *name)
{
	return xasprintf("%s/%s", cli->datadir, name);
}

/* Reports an operational failure. */
int cli_fail(const struct err *err)
{
	fprintf(stderr, "dmarcpilot: %s\n", err_message(err));
	return EXIT_TROUBLE;
}

/* Prints the error as cli_fail() does and frees it. */
int cli_fail_done(struct err *err)
{
	int rc = cli_fail(err);

	err_done(err);
	return rc;
}

/* A day as JSON: "YYYY-MM-DD", or null for DATE_NONE. */
json_t *cli_json_date(date_t day)
{
	char buf[DATE_BUFSIZE];

	if (day == DATE_NONE)
		return json_null();
	return json_string(date_format(day, buf));
}

/* Prints findings for people: severity, code, message, advice. */
void cli_print_findings(const struct findings *list)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct finding *f = &list->items[i];

		printf("%s %s: %s\n", severity_label(f->severity),
		       finding_code_name(f->code), f->message);
		if (f->advice)
			printf("  %s\n", f->advice);
	}
}

/* Prints a JSON document and releases it. */
void cli_print_json(json_t *object)
{
	json_dumpf(object, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(object);
}

/* Releases the resolver and the database. */
void cli_done(struct cli *cli)
{
	session_done(&cli->session);
	free(cli->zones);
	cli->zones = NULL;
	free(cli->given);
}
