/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SPF screen: the ten-lookup budget of RFC 7208 4.6.4 as a bar, the
 * include tree of the published record with the cost of each branch,
 * the record the inventory calls for (with includes flattened one by
 * one at the operator's choice) against what is published, and which
 * authoritative servers serve it. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "dns/propagate.h"
#include "spf/spf.h"
#include "spf/spf_build.h"
#include "spf/spf_check.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "screens/plan.h"
#include "screens/replay.h"
#include "screens/stepper.h"
#include "screens/tui.h"
#include "screens/widgets.h"

/* RFC 7208 4.6.4: at most 10 DNS-querying terms, 2 void lookups. */
#define SPF_LOOKUP_LIMIT 10
#define SPF_VOID_LIMIT 2
#define SPF_INCLUDES_MAX 32

/* An include of the target record, with its own tree when the
 * published tree does not already hold it. */
struct target_include {
	char *mechanism;   /* "include:sendgrid.net" */
	char *domain;      /* "sendgrid.net" */
	struct spf_check_run *run;
	struct spf_check *check;   /* its own accounting, once answered */
	const struct spf_node *node; /* or the published tree's branch */
	bool flatten;      /* the operator chose to flatten it */
	bool flattenable;  /* its tree holds only ip4/ip6/include/all */
	char **addresses;  /* the ranges of its tree, "ip4:..."/"ip6:..." */
	size_t naddresses;
};

/* One line of the scrolling view. */
struct line {
	char *text;
	int attr;
	int include;       /* index into includes, or -1 */
};

struct spf_state {
	struct app *app;                /* for the callbacks */
	struct spf_check_run *run;
	struct spf_check *check;        /* the published tree, once done */
	char **mechanisms;              /* what the inventory calls for */
	size_t nmechanisms;
	bool fail_all;
	char *error;
	struct target_include includes[SPF_INCLUDES_MAX];
	size_t nincludes;
	char *target;                   /* the target record's text */
	struct spf_flatten *layout;     /* and its TXT records */
	struct propagate_result *propagation;
	bool propagating;
	struct line *lines;
	size_t nlines, caplines;
	struct widget_list list;
	int height;
	int cols;                       /* the width lines wrap at */
	bool dirty;                     /* flattening changed, not saved */
	struct screen_plan sp;          /* the plan, for S */
	struct replay *replay;          /* its loading, from the first S */
	enum command step_pending;      /* S or ! waiting for the plan */
	struct stepper stepper;         /* S and ! */
	size_t verify_line;             /* the servers' heading line */
	bool reveal;                    /* show it: v was pressed */
	size_t step_line;               /* the first line of the step */
};

static const enum command spf_commands[] = {
	CMD_FLATTEN, CMD_SAVE, CMD_VERIFY, CMD_STEP, CMD_FORCE, CMD_RECHECK,
	CMD_UP, CMD_DOWN, CMD_NONE,
};

/* Collects the ip4/ip6 terms of a tree; false when it holds anything
 * that flattening cannot keep (a, mx, ptr, exists, macros, errors). */
static bool collect_ranges(const struct spf_node *node, char ***out,
			   size_t *n, size_t *cap)
{
	struct spf_record *rec = NULL;
	bool ok = true;

	if (node->state != SPF_NODE_OK || !node->record ||
	    spf_parse(node->record, strlen(node->record), &rec, NULL,
		      NULL) != STATUS_OK)
		return false;
	for (size_t i = 0; ok && i < rec->count; i++) {
		const struct spf_term *t = &rec->terms[i];

		switch (t->kind) {
		case SPF_IP4:
		case SPF_IP6:
			if (t->qualifier != SPF_PASS)
				break;
			*out = xgrow(*out, cap, *n + 1, sizeof **out);
			(*out)[(*n)++] = spf_term_format(t);
			break;
		case SPF_ALL:
		case SPF_INCLUDE:
		case SPF_EXP:
		case SPF_MODIFIER:
			break;
		default:
			ok = false;
		}
	}
	spf_record_free(rec);
	for (size_t i = 0; ok && i < node->nchildren; i++)
		ok = collect_ranges(node->children[i], out, n, cap);
	return ok;
}

/* The branch of the published tree an include leads to, or NULL. */
static const struct spf_node *published_branch(const struct spf_state *st,
					       const char *mechanism)
{
	if (!st->check || !st->check->root)
		return NULL;
	for (size_t i = 0; i < st->check->root->nchildren; i++) {
		const struct spf_node *c = st->check->root->children[i];

		if (c->via && text_ieq(c->via, mechanism))
			return c;
	}
	return NULL;
}

/* The tree an include of the target has, from either source. */
static const struct spf_node *include_tree(const struct target_include *in)
{
	if (in->node)
		return in->node;
	return in->check ? in->check->root : NULL;
}

/* What the target's include costs: 1 and its tree, or 0 flattened;
 * -1 while unknown. */
static int include_cost(const struct target_include *in)
{
	const struct spf_node *t = include_tree(in);

	if (in->flatten && in->flattenable)
		return 0;
	if (in->node)
		return (int)in->node->cost;
	if (!t)
		return -1;
	return 1 + (int)in->check->lookups;
}

/* Fills an include's ranges once its tree is known. */
static void include_ranges(struct target_include *in)
{
	const struct spf_node *t = include_tree(in);
	size_t cap = 0;

	if (!t || in->addresses)
		return;
	in->flattenable = collect_ranges(t, &in->addresses, &in->naddresses,
					 &cap);
}

/* Rebuilds the target record (flattened includes replaced by their
 * ranges) and its layout into TXT records. */
static void target_build(struct app *app, struct spf_state *st)
{
	const char **terms;
	size_t n = 0, cap;
	struct spf_record *rec = NULL;
	struct err err = ERR_INIT;

	free(st->target);
	st->target = NULL;
	spf_flatten_free(st->layout);
	st->layout = NULL;
	cap = st->nmechanisms + 1;
	for (size_t i = 0; i < st->nincludes; i++)
		cap += st->includes[i].naddresses;
	terms = xcalloc(cap, sizeof *terms);
	for (size_t i = 0; i < st->nmechanisms; i++) {
		const struct target_include *in = NULL;

		for (size_t j = 0; j < st->nincludes; j++)
			if (strcmp(st->includes[j].mechanism,
				   st->mechanisms[i]) == 0)
				in = &st->includes[j];
		if (in && in->flatten && in->flattenable) {
			for (size_t j = 0; j < in->naddresses; j++)
				terms[n++] = in->addresses[j];
			continue;
		}
		terms[n++] = st->mechanisms[i];
	}
	if (n == 0)
		goto out;
	if (spf_build(terms, n, st->fail_all, &rec, &err) != STATUS_OK) {
		free(st->error);
		st->error = xstrdup(err_message(&err));
		goto out;
	}
	st->target = spf_record_format(rec);
	st->layout = spf_layout(app->domain, rec);
out:
	spf_record_free(rec);
	free(terms);
	err_done(&err);
}

/* Keeps the accounting of one include of the target. */
static void include_checked(void *arg, struct spf_check *check)
{
	struct target_include *in = arg;

	in->check = check;
	/* A finished run is the caller's to free; its engine no longer
	 * touches it once this callback returns. */
	spf_check_run_free(in->run);
	in->run = NULL;
	include_ranges(in);
}

/* Sets up the includes of the target, starting the accounting of those
 * the published tree does not hold. */
static void includes_setup(struct app *app, struct spf_state *st)
{
	for (size_t i = 0; i < st->nmechanisms; i++) {
		struct target_include *in;

		if (!text_ieqn(st->mechanisms[i], "include:", 8) ||
		    st->nincludes >= SPF_INCLUDES_MAX)
			continue;
		in = &st->includes[st->nincludes++];
		in->mechanism = xstrdup(st->mechanisms[i]);
		in->domain = xstrdup(st->mechanisms[i] + 8);
		in->node = published_branch(st, in->mechanism);
		if (in->node)
			include_ranges(in);
		else if (tui_dns(app))
			in->run = spf_check_start(app->session->dns, in->domain,
						  include_checked, in);
	}
}

/* Keeps the published tree, then works out the target's includes. */
static void spf_checked(void *arg, struct spf_check *check)
{
	struct spf_state *st = arg;

	st->check = check;
	spf_check_run_free(st->run); /* finished: the caller frees it */
	st->run = NULL;
	includes_setup(st->app, st);
}

/* Reads the inventory into the mechanisms the target needs. */
static void spf_inventory(struct app *app, struct spf_state *st)
{
	struct store *store = tui_store(app);
	struct state_sender *senders = NULL;
	struct state_settings settings;
	size_t n = 0;
	struct err err = ERR_INIT;

	state_settings_defaults(&settings);
	if (!store) {
		st->error = xstrdup(session_store_error(app->session));
		goto out;
	}
	if (state_sender_list(store, app->domain, &senders, &n, &err) !=
		STATUS_OK ||
	    state_settings_get(store, app->domain, &settings, &err) !=
		STATUS_OK) {
		st->error = xstrdup(err_message(&err));
		goto out;
	}
	/* The plan moves SPF to -all with the evidence of the reports;
	 * until then (or unless forced) the target keeps ~all. */
	st->fail_all = settings.spf_all && strcmp(settings.spf_all, "fail") == 0;
	st->mechanisms = xcalloc(n + 1, sizeof *st->mechanisms);
	for (size_t i = 0; i < n; i++) {
		char *m = state_sender_mechanism(&senders[i],
						 tui_providers(app));

		if (m)
			st->mechanisms[st->nmechanisms++] = m;
	}
out:
	state_senders_free(senders, n);
	state_settings_done(&settings);
	err_done(&err);
}

/* Starts the accounting of the published record. */
static void spf_start(struct app *app, struct spf_state *st)
{
	if (tui_dns(app))
		st->run = spf_check_start(app->session->dns, app->domain, spf_checked,
					  st);
}

/* Loads the plan with dns (replay_fn). */
static void spf_plan(void *arg, struct dns *dns)
{
	struct spf_state *st = arg;

	screen_plan_load(st->app, dns, &st->sp);
}

/* A step was recorded: the plan moves on. */
static void spf_recorded(void *arg)
{
	struct spf_state *st = arg;

	replay_free(st->replay);
	st->replay = replay_start(st->app, spf_plan, st, NULL, 0);
}

/* Opens the screen. */
static void spf_enter(struct app *app, void *state)
{
	struct spf_state *st = state;

	st->app = app;
	stepper_init(&st->stepper, app, &st->sp, spf_recorded, st);
	spf_inventory(app, st);
	spf_start(app, st);
}

/* Keeps the propagation result. */
static void spf_propagated(void *arg, struct propagate_result *result)
{
	struct spf_state *st = arg;

	propagate_result_free(st->propagation);
	st->propagation = result;
	st->propagating = false;
	st->reveal = true;
	tui_message(st->app, _("%zu of %zu servers serve the target."),
		    result->serving, result->count);
}

/* Asks every authoritative server whether it serves the target. */
static void spf_verify(struct app *app, struct spf_state *st)
{
	struct err err = ERR_INIT;
	struct propagate_options o;
	char *servers;

	if (!st->target || !st->layout || st->propagating || !tui_dns(app))
		return;
	/* The same servers and port as the step verifies on. */
	servers = stepper_servers(app);
	app_step_options(app->session, NULL, servers, &o);
	st->propagating = true;
	st->reveal = true;
	if (propagate_start(app->session->dns, st->layout->records[0].name,
			    DNS_T_TXT, st->layout->records[0].value, &o,
			    spf_propagated, st, &err) != STATUS_OK) {
		st->propagating = false;
		tui_error(app, "%s", err_message(&err));
	}
	free(servers);
	err_done(&err);
}

/* Adds a line to the view. */
static void add_line(struct spf_state *st, int attr, int include,
		     const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static void add_line(struct spf_state *st, int attr, int include,
		     const char *format, ...)
{
	va_list ap;
	char *text, **rows;
	int n, width;

	va_start(ap, format);
	text = xvasprintf(format, ap);
	va_end(ap);
	/* Long lines wrap at the width of the last draw, each row a line
	 * of the same include. */
	width = st->cols > 2 ? st->cols - 2 : 78;
	n = widget_wrap_hanging(text, width, &rows);
	if (n == 0) {
		rows = xmalloc(sizeof *rows);
		rows[n++] = xstrdup("");
	}
	for (int i = 0; i < n; i++) {
		struct line *l;

		st->lines = xgrow(st->lines, &st->caplines, st->nlines + 1,
				  sizeof *st->lines);
		l = &st->lines[st->nlines++];
		l->text = rows[i];
		l->attr = attr;
		l->include = include;
	}
	free(rows);
	free(text);
}

/* The index of the target include a tree branch stands for, or -1. */
static int include_of(const struct spf_state *st, const struct spf_node *n)
{
	for (size_t i = 0; i < st->nincludes; i++)
		if (st->includes[i].node == n)
			return (int)i;
	return -1;
}

/* Adds the tree below node, one line per record. */
static void add_tree(struct app *app, struct spf_state *st,
		     const struct spf_node *node, int depth)
{
	int attr = node->state == SPF_NODE_OK ? (int)A_NORMAL
					      : tui_attr(app, TUI_BAD);
	char *err = node->error ? text_clean_str(node->error) : NULL;

	add_line(st, attr, depth == 1 ? include_of(st, node) : -1,
		 "%*s%-*s %3zu%s%s",
		 depth * 2, "", 44 - depth * 2,
		 node->via ? node->via : node->domain, node->cost,
		 err ? "  " : "", err ? err : "");
	free(err);
	for (size_t i = 0; i < node->nchildren && depth < 8; i++)
		add_tree(app, st, node->children[i], depth + 1);
}

/* Adds the comparison of the published record with the target. */
static void add_diff(struct app *app, struct spf_state *st)
{
	struct spf_record *pub = NULL, *tgt = NULL;
	const char *published = st->check && st->check->root
				    ? st->check->root->record
				    : NULL;
	bool same = true;

	if (published)
		spf_parse(published, strlen(published), &pub, NULL, NULL);
	spf_parse(st->target, strlen(st->target), &tgt, NULL, NULL);
	for (size_t i = 0; pub && i < pub->count; i++) {
		char *t = spf_term_format(&pub->terms[i]);
		bool found = false;

		for (size_t j = 0; tgt && j < tgt->count && !found; j++) {
			char *u = spf_term_format(&tgt->terms[j]);

			found = strcmp(t, u) == 0;
			free(u);
		}
		if (!found) {
			add_line(st, tui_attr(app, TUI_BAD), -1, "  - %s", t);
			same = false;
		}
		free(t);
	}
	for (size_t j = 0; tgt && j < tgt->count; j++) {
		char *u = spf_term_format(&tgt->terms[j]);
		bool found = false;

		for (size_t i = 0; pub && i < pub->count && !found; i++) {
			char *t = spf_term_format(&pub->terms[i]);

			found = strcmp(t, u) == 0;
			free(t);
		}
		if (!found) {
			add_line(st, tui_attr(app, TUI_GOOD), -1, "  + %s", u);
			same = false;
		}
		free(u);
	}
	if (same)
		add_line(st, tui_attr(app, TUI_GOOD), -1, "  %s",
			 _("The published record is the target."));
	spf_record_free(pub);
	spf_record_free(tgt);
}

/* The target's lookups, or -1 while an include is still unknown. */
static int target_lookups(const struct spf_state *st)
{
	int total = 0;

	for (size_t i = 0; i < st->nmechanisms; i++) {
		const char *m = st->mechanisms[i];
		const struct target_include *in = NULL;

		if (text_ieqn(m, "ip4:", 4) || text_ieqn(m, "ip6:", 4))
			continue;
		for (size_t j = 0; j < st->nincludes; j++)
			if (strcmp(st->includes[j].mechanism, m) == 0)
				in = &st->includes[j];
		if (!in) {
			total++; /* a, mx, exists, ptr */
			continue;
		}
		if (include_cost(in) < 0)
			return -1;
		total += include_cost(in);
	}
	return total;
}

/* Rebuilds the view's lines from what has arrived. */
static void build_lines(struct app *app, struct spf_state *st)
{
	int lookups;

	for (size_t i = 0; i < st->nlines; i++)
		free(st->lines[i].text);
	st->nlines = 0;
	if (!st->check)
		return;
	if (st->check->dns_failed) {
		add_line(st, tui_attr(app, TUI_BAD), -1, "%s",
			 st->check->dns_error ? st->check->dns_error : "");
	} else if (st->check->root) {
		add_line(st, A_BOLD, -1, _("Include tree, lookups per branch"));
		add_tree(app, st, st->check->root, 0);
	}
	for (size_t i = 0; i < st->check->findings.count; i++)
		add_line(st,
			 st->check->findings.items[i].severity ==
				 SEVERITY_ERROR
			     ? tui_attr(app, TUI_BAD)
			     : tui_attr(app, TUI_WARN),
			 -1, "! %s", st->check->findings.items[i].message);
	add_line(st, A_NORMAL, -1, "%s", "");
	lookups = target_lookups(st);
	if (!st->target) {
		add_line(st, A_BOLD, -1, "%s",
			 _("Target record: no sender adds to SPF yet."));
		return;
	}
	if (lookups < 0)
		add_line(st, A_BOLD, -1, _("Target record from the senders, "
					   "lookups: counting ..."));
	else
		add_line(st, A_BOLD, -1,
			 _("Target record from the senders, lookups: %d"),
			 lookups);
	for (size_t i = 0; st->layout && i < st->layout->nrecords; i++)
		add_line(st, A_NORMAL, -1, "  %s  %s",
			 st->layout->records[i].name,
			 st->layout->records[i].value);
	add_line(st, A_BOLD, -1, "%s", _("Published -> target"));
	add_diff(app, st);
	add_line(st, A_NORMAL, -1, "%s", "");
	for (size_t i = 0; i < st->nincludes; i++) {
		struct target_include *in = &st->includes[i];
		int cost = include_cost(in);

		if (cost < 0 && !in->flatten)
			add_line(st, A_NORMAL, (int)i, "  %-40s  ...",
				 in->mechanism);
		else if (!in->flattenable && include_tree(in))
			add_line(st, A_NORMAL, (int)i,
				 _("  %-40s %2d  cannot be flattened"),
				 in->mechanism, cost);
		else if (in->flatten)
			add_line(st, tui_attr(app, TUI_GOOD), (int)i,
				 _("  %-40s  0  flattened: %zu ranges"),
				 in->mechanism, in->naddresses);
		else
			add_line(st, A_NORMAL, (int)i,
				 _("  %-40s %2d  f flattens to %zu ranges"),
				 in->mechanism, cost, in->naddresses);
	}
	add_line(st, A_NORMAL, -1, "%s", "");
	st->verify_line = st->nlines;
	add_line(st, A_BOLD, -1, "%s",
		 _("Target on the authoritative servers (v asks)"));
	if (st->propagating)
		add_line(st, A_NORMAL, -1, "  %s", _("asking ..."));
	else if (st->propagation && st->propagation->error)
		add_line(st, tui_attr(app, TUI_WARN), -1, "  %s",
			 st->propagation->error);
	for (size_t i = 0; st->propagation && i < st->propagation->count;
	     i++) {
		const struct propagate_server *s =
		    &st->propagation->servers[i];
		const char *what =
		    s->state == PROPAGATE_SERVES
			? _("serves the target")
			: s->state == PROPAGATE_DIFFERENT
			      ? _("serves another record")
			      : (s->error ? s->error : _("unreachable"));

		add_line(st,
			 s->state == PROPAGATE_SERVES
			     ? tui_attr(app, TUI_GOOD)
			     : tui_attr(app, TUI_WARN),
			 -1, "  %-22s %-18s %s", s->host,
			 s->address ? s->address : "", what);
	}
	st->step_line = st->nlines;
	if (st->stepper.nlines)
		add_line(st, A_BOLD, -1, "%s",
			 _("The plan's step (S takes it)"));
	for (size_t i = 0; i < st->stepper.nlines; i++)
		add_line(st, tui_attr(app, st->stepper.lines[i].color), -1,
			 "%*s%s", st->stepper.lines[i].indent + 2, "",
			 st->stepper.lines[i].text);
}

/* Draws the budget bar and the view. */
static void spf_draw(struct app *app, void *state, WINDOW *win)
{
	struct spf_state *st = state;
	int rows = getmaxy(win), cols = getmaxx(win), y = 0;
	size_t lookups;

	stepper_collect(&st->stepper);
	widget_textf(win, y++, 1, cols - 2, A_BOLD, _("SPF of %s"),
		     app->domain);
	if (st->error)
		y += widget_wrap(win, y, 1, cols - 2, rows, 0,
				 tui_attr(app, TUI_BAD), st->error);
	if (!st->check) {
		widget_text(win, y, 1, cols - 2, A_NORMAL,
			    tui_dns(app) ? _("Counting the lookups ...")
					 : tui_dns_problem(app));
		return;
	}
	if (!st->target && st->nmechanisms && !st->error)
		target_build(app, st);
	lookups = st->check->lookups;
	{
		int used = widget_textf(win, y, 1, cols - 2, A_BOLD,
					_("Lookups %zu of %d "), lookups,
					SPF_LOOKUP_LIMIT);
		int attr = lookups > SPF_LOOKUP_LIMIT
			       ? tui_attr(app, TUI_BAD)
			       : lookups >= SPF_LOOKUP_LIMIT - 1
				     ? tui_attr(app, TUI_WARN)
				     : tui_attr(app, TUI_GOOD);

		widget_bar(win, y, 1 + used, 30, (double)lookups,
			   SPF_LOOKUP_LIMIT, attr, tui_attr(app, TUI_DIM));
		widget_textf(win, y++, 33 + used, cols - 34 - used, A_NORMAL,
			     _("void %zu of %d"), st->check->void_lookups,
			     SPF_VOID_LIMIT);
	}
	st->cols = cols;
	if (st->step_pending != CMD_NONE && replay_done(st->replay)) {
		struct tui_key none = { false, 0 };

		stepper_key(&st->stepper, true, none, st->step_pending);
		st->step_pending = CMD_NONE;
	}
	build_lines(app, st);
	st->height = rows - y;
	/* What v or S found shows where the eye is: the view moves to it. */
	if (st->stepper.reveal || st->reveal) {
		size_t at = st->stepper.reveal ? st->step_line
					       : st->verify_line;

		st->stepper.reveal = st->reveal = false;
		if (at < st->nlines) {
			st->list.selected = at;
			st->list.top = at;
		}
	}
	widget_list_clamp(&st->list, st->nlines, st->height);
	for (int i = 0; i < st->height; i++) {
		size_t k = st->list.top + (size_t)i;
		const struct line *l;
		int attr;

		if (k >= st->nlines)
			break;
		l = &st->lines[k];
		attr = k == st->list.selected ? l->attr | (int)A_REVERSE
					       : l->attr;
		if (k == st->list.selected) {
			wattron(win, A_REVERSE);
			mvwhline(win, y + i, 0, ' ', cols);
			wattroff(win, A_REVERSE);
		}
		widget_text(win, y + i, 1, cols - 2, attr, l->text);
	}
}

/* f on an include's line toggles its flattening in the target. */
static void spf_flatten_toggle(struct app *app, struct spf_state *st)
{
	const struct line *l = st->list.selected < st->nlines
				   ? &st->lines[st->list.selected]
				   : NULL;
	struct target_include *in;

	if (!l || l->include < 0) {
		tui_error(app, _("Choose an include of the target first."));
		return;
	}
	in = &st->includes[l->include];
	if (!in->flattenable) {
		tui_error(app, _("%s cannot be flattened: its tree has terms "
				 "that are not addresses."),
			  in->mechanism);
		return;
	}
	in->flatten = !in->flatten;
	target_build(app, st);
	propagate_result_free(st->propagation);
	st->propagation = NULL;
	st->dirty = true;
	app->unsaved = true;
	tui_message(app, in->flatten ? _("%s is flattened in the target; s "
					 "saves it for the drift check.")
				     : _("%s is an include again; s saves "
					 "it."),
		    in->mechanism);
}

/* s remembers in the store what the target flattens, with the ranges of
 * each flattened include as they are today, so that the maintenance
 * checks can report drift when a provider changes them
 * (state_flattened_save). */
static void spf_save(struct app *app, struct spf_state *st)
{
	struct store *store = tui_store(app);
	struct spf_flatten f;
	struct spf_flat_item *items;
	size_t flattened = 0;
	struct err err = ERR_INIT;

	if (!store) {
		tui_error(app, "%s", session_store_error(app->session));
		return;
	}
	if (!st->target || !st->layout) {
		tui_error(app, _("There is no target record to save yet."));
		return;
	}
	items = xcalloc(st->nincludes + 1, sizeof *items);
	for (size_t i = 0; i < st->nincludes; i++) {
		struct target_include *in = &st->includes[i];
		int cost = include_cost(in);

		items[i].mechanism = in->mechanism;
		items[i].cost = cost > 0 ? (size_t)cost : 0;
		items[i].flattenable = in->flattenable;
		items[i].flattened = in->flatten && in->flattenable;
		items[i].addresses = in->addresses;
		items[i].naddresses = in->naddresses;
		flattened += items[i].flattened;
	}
	f = *st->layout;
	f.items = items;
	f.nitems = st->nincludes;
	if (state_flattened_save(store, app->domain, &f, app->cli->now,
				 &err) != STATUS_OK) {
		tui_error(app, "%s", err_message(&err));
	} else {
		st->dirty = false;
		app->unsaved = false;
		tui_message(app,
			    P_("Saved: %zu flattened include is remembered "
			       "for the drift check.",
			       "Saved: %zu flattened includes are remembered "
			       "for the drift check.",
			       flattened),
			    flattened);
	}
	free(items);
	err_done(&err);
}

/* Frees what the screen holds, abandoning running checks. */
static void spf_clear(struct spf_state *st)
{
	spf_check_run_free(st->run);
	spf_check_free(st->check);
	st->run = NULL;
	st->check = NULL;
	for (size_t i = 0; i < st->nincludes; i++) {
		struct target_include *in = &st->includes[i];

		spf_check_run_free(in->run);
		spf_check_free(in->check);
		free(in->mechanism);
		free(in->domain);
		for (size_t j = 0; j < in->naddresses; j++)
			free(in->addresses[j]);
		free(in->addresses);
		memset(in, 0, sizeof *in);
	}
	st->nincludes = 0;
	free(st->target);
	st->target = NULL;
	spf_flatten_free(st->layout);
	st->layout = NULL;
	propagate_result_free(st->propagation);
	st->propagation = NULL;
}

/* Keys. */
static bool spf_key(struct app *app, void *state, struct tui_key key,
		    enum command cmd)
{
	struct spf_state *st = state;

	/* The plan is loaded on the first S, not on every visit. */
	if (!st->replay && (cmd == CMD_STEP || cmd == CMD_FORCE)) {
		st->step_pending = cmd;
		tui_message(app, _("Loading the plan ..."));
		st->replay = replay_start(app, spf_plan, st, NULL, 0);
		if (!replay_done(st->replay))
			return true;
		st->step_pending = CMD_NONE;
	}
	if (stepper_key(&st->stepper, replay_done(st->replay), key, cmd))
		return true;
	if (widget_list_key(&st->list, cmd, st->nlines, st->height))
		return true;
	switch (cmd) {
	case CMD_FLATTEN:
		spf_flatten_toggle(app, st);
		return true;
	case CMD_SAVE:
		spf_save(app, st);
		return true;
	case CMD_VERIFY:
		spf_verify(app, st);
		return true;
	case CMD_RECHECK:
		if (st->propagating)
			return true;
		/* Asking again starts from nothing flattened. */
		if (st->dirty)
			app->unsaved = false;
		st->dirty = false;
		spf_clear(st);
		spf_start(app, st);
		return true;
	default:
		return false;
	}
}

/* Leaves. */
static void spf_leave(struct app *app, void *state)
{
	struct spf_state *st = state;

	/* Leaving drops unsaved flattening, as the senders step drops
	 * what it staged. */
	if (st->dirty)
		app->unsaved = false;
	stepper_done(&st->stepper);
	replay_free(st->replay);
	screen_plan_clear(&st->sp);
	spf_clear(st);
	for (size_t i = 0; i < st->nmechanisms; i++)
		free(st->mechanisms[i]);
	free(st->mechanisms);
	for (size_t i = 0; i < st->nlines; i++)
		free(st->lines[i].text);
	free(st->lines);
	free(st->error);
}

const struct screen screen_spf = {
	.name = "spf",
	.title = N_("SPF"),
	.help = N_("SPF lists the servers that may send mail for the domain. "
		   "Receivers may follow at most ten DNS lookups (include, a, "
		   "mx, ptr, exists, redirect) while evaluating it; one more "
		   "and SPF fails for every message (RFC 7208 4.6.4). The bar "
		   "shows how much of that budget the record uses, the tree "
		   "which include costs what. Flattening replaces an include "
		   "by the addresses it lists today, which saves lookups but "
		   "must be redone when the provider changes them."),
	.commands = spf_commands,
	.state_size = sizeof(struct spf_state),
	.enter = spf_enter,
	.draw = spf_draw,
	.key = spf_key,
	.leave = spf_leave,
};
