/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Test step: check a received message (a file, or the newest message
 * of a Maildir folder) with the same use case as 'mail check', and show
 * DKIM, ARC, SPF, DMARC, the receivers' results and the bulk-sender
 * rules. The check runs on a worker (app/worker.h), keys stay
 * answered. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/mail_check.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "screens/tui.h"
#include "screens/widgets.h"

/* One row of the result: cleaned text and its attribute. */
struct test_row {
	char *text;
	enum tui_color color;
	bool bold;
};

/* The rows a result may take before it is cut. */
#define TEST_PAD_ROWS 1000

struct test_state {
	struct widget_input prompt;
	char *path; /* the message checked (picked from a Maildir) */
	char *data; /* its text */
	size_t len;
	struct mail_report report;
	bool have;               /* report holds a result */
	char *error;             /* why there is none */
	struct worker *checking; /* the check under way, or NULL */
	struct app *app;
	struct test_row *rows;
	size_t nrows;
	bool built;                /* rows follow the report */
	struct widget_pager pager; /* the result, long rows wrapped */
};

static const enum command test_commands[] = {
	CMD_ADD,     CMD_RECHECK,   CMD_UP,   CMD_DOWN,
	CMD_PAGE_UP, CMD_PAGE_DOWN, CMD_NONE,
};

/* Frees the rows drawn from the report. */
static void rows_clear(struct test_state *st)
{
	for (size_t i = 0; i < st->nrows; i++)
		free(st->rows[i].text);
	free(st->rows);
	st->rows = NULL;
	st->nrows = 0;
	st->built = false;
	st->pager.scroll = 0;
}

/* Adds a row; the text is cleaned of control characters. */
static void row(struct test_state *st, enum tui_color color, bool bold,
		const char *format, ...) __attribute__((format(printf, 4, 5)));

static void row(struct test_state *st, enum tui_color color, bool bold,
		const char *format, ...)
{
	va_list ap;
	char *raw;

	va_start(ap, format);
	raw = xvasprintf(format, ap);
	va_end(ap);
	st->rows = xrealloc(st->rows, (st->nrows + 1) * sizeof *st->rows);
	st->rows[st->nrows].text = text_clean_str(raw);
	st->rows[st->nrows].color = color;
	st->rows[st->nrows].bold = bold;
	st->nrows++;
	free(raw);
}

/* The colour of a verdict word. */
static enum tui_color verdict_color(const char *word)
{
	if (strcmp(word, "pass") == 0)
		return TUI_GOOD;
	if (strcmp(word, "none") == 0 || strcmp(word, "cannot_tell") == 0)
		return TUI_WARN;
	return TUI_BAD;
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

/* Turns the report into rows (what 'mail check' prints, for the
 * screen's width). */
static void rows_build(struct test_state *st)
{
	const struct mail_report *r = &st->report;

	rows_clear(st);
	st->built = true;
	row(st, TUI_NORMAL, false,
	    _("From %s, client %s, HELO %s, MAIL FROM %s"), or_dash(r->from),
	    or_dash(r->env.ip), or_dash(r->env.helo),
	    r->env.mail_from ? (*r->env.mail_from ? r->env.mail_from : "<>")
			     : "-");
	if (r->dkim.count == 0)
		row(st, TUI_BAD, false, _("DKIM   the message is not signed"));
	for (size_t i = 0; i < r->dkim.count; i++) {
		const struct dkim_check *k = &r->dkim.items[i];
		const char *word = dkim_result_name(k->result);

		if (k->result == DKIM_PASS)
			row(st, TUI_GOOD, false, "DKIM   %-9s %s s=%s %s %d",
			    word, or_dash(k->sig.d), or_dash(k->sig.s),
			    dkim_alg_name(k->sig.alg), k->bits);
		else
			row(st, verdict_color(word), false,
			    "DKIM   %-9s %s s=%s %s: %s", word,
			    or_dash(k->sig.d), or_dash(k->sig.s),
			    dkim_reason_name(k->reason), or_dash(k->detail));
	}
	if (r->arc.count || strcmp(r->arc.result, "none") != 0)
		row(st, verdict_color(r->arc.result), false,
		    P_("ARC    %-9s %zu hop%s%s", "ARC    %-9s %zu hops%s%s",
		       r->arc.count),
		    r->arc.result, r->arc.count, r->arc.detail ? ": " : "",
		    r->arc.detail ? r->arc.detail : "");
	if (r->spf_checked)
		row(st, verdict_color(spf_result_name(r->spf.result)), false,
		    _("SPF    %-9s %s from %s (%s)"),
		    spf_result_name(r->spf.result), or_dash(r->spf_domain),
		    or_dash(r->env.ip), or_dash(r->spf.mechanism));
	else
		row(st, TUI_WARN, false, _("SPF    not checked: %s"),
		    or_dash(r->spf_why));
	row(st, verdict_color(r->dmarc_verdict), false,
	    _("DMARC  %-9s %s, policy %s; SPF %s, DKIM %s"), r->dmarc_verdict,
	    or_dash(r->from_domain),
	    r->dmarc && r->dmarc->record ? dmarc_policy_name(r->dmarc->policy)
					 : "-",
	    r->spf_aligned ? _("aligned") : _("not aligned"),
	    r->dkim_aligned ? _("aligned") : _("not aligned"));
	for (size_t i = 0; i < r->nar; i++) {
		struct strbuf sb = STRBUF_INIT;

		for (size_t k = 0; k < r->ar[i].count; k++)
			strbuf_addf(&sb, " %s=%s", r->ar[i].results[k].method,
				    r->ar[i].results[k].result);
		row(st, TUI_NORMAL, false, _("%s says%s"), r->ar[i].authserv_id,
		    strbuf_str(&sb));
		strbuf_done(&sb);
	}
	for (size_t i = 0; i < r->ndis; i++)
		row(st, TUI_WARN, false,
		    _("  disagreement: %s %s=%s, dmarcpilot finds %s"),
		    r->dis[i].authserv_id, r->dis[i].method, r->dis[i].theirs,
		    r->dis[i].ours);
	row(st, TUI_NORMAL, true, "%s", _("Bulk-sender rules"));
	for (size_t i = 0; i < r->nrules; i++) {
		const struct mail_rule *m = &r->rules[i];
		const char *word = mail_rule_result_name(m->result);

		row(st, verdict_color(word), false, "  %-11s %-21s %s", word,
		    m->rule, or_dash(m->detail));
		if (m->result == MAIL_RULE_FAIL && m->fix)
			row(st, TUI_DIM, false, _("              fix: %s"),
			    m->fix);
	}
	row(st, mail_report_good(r) ? TUI_GOOD : TUI_BAD, true, "%s",
	    mail_report_good(r)
		? _("DMARC passes and every bulk-sender rule that applies is "
		    "met.")
		: _("Not yet: see what fails above."));
}

/* A check on a worker: the message (a copy) and what came of it. */
struct test_job {
	char *path;
	char *data;
	size_t len;
	int64_t now;
	struct mail_report report;
	bool have;
	char *error;
};

/* Frees a check with what it still holds. */
static void test_job_free(void *arg)
{
	struct test_job *j = arg;

	free(j->path);
	free(j->data);
	mail_report_done(&j->report);
	free(j->error);
	free(j);
}

/* The check, as 'mail check' runs it, through the worker's own
 * resolver. */
static void test_run(void *arg, struct session *s, struct worker *w)
{
	struct test_job *j = arg;
	struct mail_check_options o = { .now = j->now };
	struct err err = ERR_INIT;
	struct dns *dns = session_dns(s, &err);

	(void)w;
	if (!dns)
		j->error = xstrdup(err_message(&err));
	else if (mail_check_run(dns, session_orgdomain(s), j->data, j->len, &o,
				&j->report, &err) == STATUS_OK)
		j->have = true;
	else
		j->error = xasprintf("%s: %s", j->path, err_message(&err));
	err_done(&err);
}

/* Takes the check's result once it is done. */
static void test_collect(struct test_state *st)
{
	struct test_job *j = worker_arg(st->checking);

	if (!st->checking || !worker_done(st->checking))
		return;
	mail_report_done(&st->report);
	st->report = j->report;
	memset(&j->report, 0, sizeof j->report);
	st->have = j->have;
	free(st->error);
	st->error = j->error;
	j->error = NULL;
	rows_clear(st);
	worker_free(st->checking);
	st->checking = NULL;
}

/* Reads the message the prompt names and starts checking it. */
static void test_start(struct app *app, struct test_state *st, const char *path)
{
	struct err err = ERR_INIT;

	struct test_job *j;

	worker_free(st->checking);
	st->checking = NULL;
	mail_report_done(&st->report);
	st->have = false;
	rows_clear(st);
	free(st->error);
	st->error = NULL;
	free(st->data);
	st->data = NULL;
	free(st->path);
	st->path = mail_check_pick(path, &err);
	if (!st->path ||
	    mail_check_read(st->path, &st->data, &st->len, &err) != STATUS_OK) {
		st->error = xstrdup(err_message(&err));
		err_done(&err);
		return;
	}
	if (!tui_dns(app) || !tui_orgdomain(app)) {
		st->error = xstrdup(
		    !tui_dns(app) ? or_dash(tui_dns_problem(app))
				  : _("libpsl has no Public Suffix List"));
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->path = xstrdup(st->path);
	j->data = xmemdup(st->data, st->len);
	j->len = st->len;
	j->now = (int64_t)time(NULL);
	st->checking = tui_worker_start(app, test_run, j, test_job_free);
}

/* Opens the screen with the prompt ready. */
static void test_enter(struct app *app, void *state)
{
	struct test_state *st = state;

	st->app = app;
	st->prompt.complete_files = true;
	widget_input_start(&st->prompt, NULL);
}

/* Draws the prompt, the progress or the result. */
static void test_draw(struct app *app, void *state, WINDOW *win)
{
	struct test_state *st = state;
	int rows = getmaxy(win), cols = getmaxx(win);

	widget_text(win, 0, 1, cols - 2, A_BOLD,
		    st->path ? st->path : _("Test a received message"));
	if (st->prompt.active)
		widget_input_draw(win, rows - 1, 1, cols - 2,
				  /* TRANSLATORS: keep within 40 columns. */
				  _("Message or Maildir (Tab completes):"),
				  &st->prompt, A_NORMAL);
	test_collect(st);
	if (st->checking) {
		widget_text(win, 2, 1, cols - 2, A_NORMAL,
			    _("Checking DKIM, ARC, SPF and DMARC ..."));
		return;
	}
	if (st->error) {
		widget_wrap(win, 2, 1, cols - 2, rows - 1, 0,
			    tui_attr(app, TUI_BAD), st->error);
		return;
	}
	if (!st->have) {
		widget_wrap(win, 2, 1, cols - 2, rows - 1, 0, A_NORMAL,
			    _("Send a message from your domain to a mailbox "
			      "at Gmail, Yahoo or Outlook, save it with "
			      "\"Show original\" and give its path here, or a "
			      "Maildir folder to check its newest message."));
		return;
	}
	if (!st->built)
		rows_build(st);
	{
		/* Every row wrapped whole into the pager's pad: a long
		 * Authentication-Results or fix is read to its end. */
		WINDOW *pad = widget_pager_pad(TEST_PAD_ROWS, cols);
		int y = 0;

		for (size_t i = 0; pad && i < st->nrows; i++)
			y += widget_wrap_indented(
			    pad, y, 1, cols - 2, TEST_PAD_ROWS,
			    tui_attr(app, st->rows[i].color) |
				(st->rows[i].bold ? A_BOLD : 0),
			    st->rows[i].text);
		st->pager.more = N_("-- more below: Down / PgDn scrolls --");
		widget_pager_show(&st->pager, pad, y, win, 2, rows - 3,
				  tui_attr(app, TUI_DIM));
	}
}

/* Keys: the prompt, a new message (a), check again (r), scrolling. */
static bool test_key(struct app *app, void *state, struct tui_key key,
		     enum command cmd)
{
	struct test_state *st = state;

	if (st->prompt.active) {
		switch (widget_input_key(&st->prompt, key)) {
		case INPUT_DONE:
			st->prompt.active = false;
			if (st->prompt.len)
				test_start(app, st, st->prompt.text);
			return true;
		case INPUT_CANCEL:
			st->prompt.active = false;
			return true;
		case INPUT_IGNORED:
			return false;
		default:
			return true;
		}
	}
	switch (cmd) {
	case CMD_ADD:
		widget_input_start(&st->prompt, st->path);
		return true;
	case CMD_RECHECK:
		if (st->path) {
			char *path = xstrdup(st->path);

			test_start(app, st, path);
			free(path);
		}
		return true;
	default:
		return widget_pager_key(&st->pager, cmd);
	}
}

/* Frees the screen. */
static void test_leave(struct app *app, void *state)
{
	struct test_state *st = state;

	(void)app;
	worker_free(st->checking);
	mail_report_done(&st->report);
	rows_clear(st);
	free(st->data);
	free(st->path);
	free(st->error);
}

const struct screen screen_test = {
	.name = "test",
	.title = N_("Test a message"),
	.help = N_("After publishing, send a message to a mailbox at Gmail, "
		   "Yahoo or Outlook and save it with \"Show original\". "
		   "Here it is checked the way the receiver did: every DKIM "
		   "signature and its key, the ARC chain of forwarders, SPF "
		   "for the sending server, DMARC for the From domain, what "
		   "the receiver wrote in Authentication-Results, and the "
		   "rules Gmail, Yahoo and Outlook set for bulk senders, "
		   "each with what to fix. Press a for another message (a "
		   "file, or a Maildir folder for its newest message), r to "
		   "check again."),
	.commands = test_commands,
	.state_size = sizeof(struct test_state),
	.enter = test_enter,
	.draw = test_draw,
	.key = test_key,
	.leave = test_leave,
};
