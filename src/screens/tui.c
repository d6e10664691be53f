/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The wizard's shell: the screen stack, the key map, and the one poll()
 * loop over stdin and the resolver's sockets (STYLE.md 6). */
#include "config.h"

#include "screens/tui.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "util/i18n.h"
#include "dmarc/orgdomain.h"
#include "providers/providers.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "screens/keys.h"
#include "screens/demo.h"
#include "screens/widgets.h"

/* The one instance of the interface's state. It is file-scope only so
 * that the signal handlers can reach its sig_atomic_t flags. */
static struct app tui_app;

/* One line of the key map. */
struct keymap_entry {
	bool fkey;
	wint_t code;
	enum command cmd;
	const char *label; /* N_(): how the help screen names the key */
};

/* TRANSLATORS: key names as printed on the keyboard. */
static const struct keymap_entry keymap[] = {
	{ true, KEY_UP, CMD_UP, N_("Up") },
	{ false, 'k', CMD_UP, "k" },
	{ true, KEY_DOWN, CMD_DOWN, N_("Down") },
	{ false, 'j', CMD_DOWN, "j" },
	{ true, KEY_PPAGE, CMD_PAGE_UP, N_("PgUp") },
	{ true, KEY_NPAGE, CMD_PAGE_DOWN, N_("PgDn") },
	{ true, KEY_HOME, CMD_TOP, N_("Home") },
	{ false, 'g', CMD_TOP, "g" },
	{ true, KEY_END, CMD_BOTTOM, N_("End") },
	{ false, 'G', CMD_BOTTOM, "G" },
	{ true, KEY_LEFT, CMD_LEFT, N_("Left") },
	{ false, 'h', CMD_LEFT, "h" },
	{ true, KEY_BTAB, CMD_LEFT, N_("Shift-Tab") },
	{ true, KEY_RIGHT, CMD_RIGHT, N_("Right") },
	{ false, 'l', CMD_RIGHT, "l" },
	{ false, TUI_KEY_TAB, CMD_RIGHT, N_("Tab") },
	{ false, '1', CMD_GOTO, "1-9" },
	{ false, '2', CMD_GOTO, NULL },
	{ false, '3', CMD_GOTO, NULL },
	{ false, '4', CMD_GOTO, NULL },
	{ false, '5', CMD_GOTO, NULL },
	{ false, '6', CMD_GOTO, NULL },
	{ false, '7', CMD_GOTO, NULL },
	{ false, '8', CMD_GOTO, NULL },
	{ false, '9', CMD_GOTO, NULL },
	{ false, TUI_KEY_LINEFEED, CMD_SELECT, N_("Enter") },
	{ false, TUI_KEY_RETURN, CMD_SELECT, NULL },
	{ true, KEY_ENTER, CMD_SELECT, NULL },
	{ false, TUI_KEY_ESC, CMD_BACK, N_("Esc") },
	{ true, KEY_BACKSPACE, CMD_BACK, N_("Backspace") },
	{ false, TUI_KEY_DEL, CMD_BACK, NULL },
	{ false, TUI_KEY_CTRL_H, CMD_BACK, NULL },
	{ true, KEY_F(1), CMD_HELP, "F1" },
	{ false, '?', CMD_HELP, "?" },
	{ false, 'q', CMD_QUIT, "q" },
	{ false, TUI_KEY_CTRL_L, CMD_REDRAW, N_("Ctrl-L") },
	{ false, 'r', CMD_RECHECK, "r" },
	{ false, '/', CMD_FILTER, "/" },
	{ false, 'a', CMD_ADD, "a" },
	{ false, 'd', CMD_DELETE, "d" },
	{ true, KEY_DC, CMD_DELETE, N_("Delete") },
	{ false, 's', CMD_SAVE, "s" },
	{ false, 'f', CMD_FLATTEN, "f" },
	{ false, 'K', CMD_KEYGEN, "K" },
	{ false, 'R', CMD_ROTATE, "R" },
	{ false, 'v', CMD_VERIFY, "v" },
	{ false, 'S', CMD_STEP, "S" },
	{ false, 'p', CMD_PUBLISH, "p" },
	{ false, '!', CMD_FORCE, "!" },
	{ false, 'o', CMD_SETTINGS, "o" },
	{ false, 'i', CMD_IMPORT, "i" },
	{ false, 'x', CMD_DISOWN, "x" },
	{ false, 't', CMD_WINDOW, "t" },
	{ false, 'e', CMD_FAILURES, "e" },
	{ false, 'F', CMD_FORMAT, "F" },
	{ false, 'w', CMD_WRITE, "w" },
};

/* The help text of each command, from the one list. */
#define TUI_COMMAND_HELP(name, help) [name] = help,
/* clang-format off */
static const char *const command_help[CMD_COUNT] = {
	TUI_COMMANDS(TUI_COMMAND_HELP)
};
/* clang-format on */
#undef TUI_COMMAND_HELP

/* The commands the shell itself handles on every screen. */
static const enum command global_commands[] = {
	CMD_HELP, CMD_LEFT, CMD_RIGHT,  CMD_GOTO,
	CMD_BACK, CMD_QUIT, CMD_REDRAW, CMD_NONE,
};

/* Finds the command of a key. */
static enum command keymap_lookup(struct tui_key key)
{
	for (size_t i = 0; i < sizeof keymap / sizeof keymap[0]; i++)
		if (keymap[i].fkey == key.fkey && keymap[i].code == key.code)
			return keymap[i].cmd;
	return CMD_NONE;
}

/* The translated help of a command. */
const char *tui_command_help(enum command cmd)
{
	return command_help[cmd] ? _(command_help[cmd]) : "";
}

/* The keys of a command joined with ", " (translated names). Caller
 * frees. */
char *tui_command_keys(enum command cmd)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < sizeof keymap / sizeof keymap[0]; i++) {
		if (keymap[i].cmd != cmd || !keymap[i].label)
			continue;
		if (sb.len)
			strbuf_addstr(&sb, ", ");
		strbuf_addstr(&sb, _(keymap[i].label));
	}
	return strbuf_detach(&sb);
}

/* The commands every screen has. */
const enum command *tui_global_commands(void)
{
	return global_commands;
}

/* Sets the resize flag; nothing else is safe in a handler. */
static void on_winch(int sig)
{
	(void)sig;
	tui_app.resized = 1;
}

/* Sets the stop flag. */
static void on_stop(int sig)
{
	(void)sig;
	tui_app.stop = 1;
}

/* Ctrl-C: the loop leaves, or asks first while a publish runs. */
static void on_interrupt(int sig)
{
	(void)sig;
	tui_app.interrupted = 1;
}

/* Colour attribute of a role. */
int tui_attr(const struct app *app, enum tui_color color)
{
	if (app->color && color != TUI_NORMAL)
		return COLOR_PAIR(color) |
		       (color == TUI_TITLE ? A_BOLD : A_NORMAL);
	switch (color) {
	case TUI_BAD:
		return A_BOLD;
	case TUI_WARN:
		return A_UNDERLINE;
	case TUI_TITLE:
		return A_REVERSE;
	case TUI_DIM:
		return A_DIM;
	default:
		return A_NORMAL;
	}
}

/* Replaces the status line's message. */
static void message_vset(struct app *app, bool error, const char *format,
			 va_list ap)
{
	free(app->message);
	app->message = xvasprintf(format, ap);
	app->message_error = error;
}

/* Shows a message. */
void tui_message(struct app *app, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	message_vset(app, false, format, ap);
	va_end(ap);
}

/* Shows an error message. */
void tui_error(struct app *app, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	message_vset(app, true, format, ap);
	va_end(ap);
}

/* The session's resolver, made on first use. */
struct dns *tui_dns(struct app *app)
{
	return session_dns(app->session, NULL);
}

/* Why DNS gives nothing. */
const char *tui_dns_problem(const struct app *app)
{
	return session_dns_error(app->session) ? session_dns_error(app->session)
					       : _("No resolver.");
}

/* The session's database, opened on first use. */
struct store *tui_store(struct app *app)
{
	return session_store(app->session, NULL);
}

/* The session's catalogue, loaded on first use. */
const struct providers *tui_providers(struct app *app)
{
	return session_providers(app->session, NULL);
}

/* The session's Public Suffix List. */
const struct orgdomain *tui_orgdomain(struct app *app)
{
	return session_orgdomain(app->session);
}

/* Sets the current domain. */
void tui_set_domain(struct app *app, const char *domain)
{
	char *copy = domain ? xstrdup(domain) : NULL;

	free(app->domain);
	app->domain = copy;
}

/* Starts a job on the shell's pool. */
struct worker *tui_worker_start(struct app *app, worker_fn run, void *arg,
				void (*free_arg)(void *arg))
{
	if (!app->workers)
		app->workers = worker_pool_new(app->session);
	return worker_start(app->workers, run, arg, free_arg);
}

/* Creates the frame of a screen. */
static void frame_open(struct app *app, struct frame *f,
		       const struct screen *screen, enum step step)
{
	f->screen = screen;
	f->step = step;
	f->state = screen->state_size ? xcalloc(1, screen->state_size) : NULL;
	if (screen->enter)
		screen->enter(app, f->state);
}

/* Closes a frame: the screen lets go, then, for a wizard step (the only
 * screens that ask DNS; the home screen below them does not), queries
 * still outstanding are cancelled while its state is alive to receive
 * them. */
static void frame_close(struct app *app, struct frame *f)
{
	if (f->screen->leave)
		f->screen->leave(app, f->state);
	if (app->session->dns && f->step != STEP_NONE)
		dns_cancel_all(app->session->dns);
	free(f->state);
	memset(f, 0, sizeof *f);
}

/* Pushes a screen. */
void tui_push(struct app *app, const struct screen *screen, enum step step)
{
	if (app->depth >= TUI_STACK_MAX)
		return;
	frame_open(app, &app->stack[app->depth++], screen, step);
}

/* Marks the top screen busy. */
void tui_work_start(struct app *app)
{
	if (app->depth)
		app->stack[app->depth - 1].busy = true;
}

/* Pops a screen, keeping the home screen. */
void tui_pop(struct app *app)
{
	if (app->depth <= 1)
		return;
	frame_close(app, &app->stack[--app->depth]);
}

/* Moves to a wizard step: home is the bottom of the stack, every other
 * step sits right above it, so Esc always leads home. */
void tui_goto_step(struct app *app, enum step step)
{
	const struct step_info *info = wizard_step(step);

	if (!info)
		return;
	if (info->needs_domain && !app->domain) {
		tui_error(app, _("Choose or add a domain first."));
		return;
	}
	while (app->depth > 1)
		tui_pop(app);
	if (step == STEP_DOMAINS)
		return;
	tui_push(app, info->screen, step);
}

/* The frame on top. */
static struct frame *top_frame(struct app *app)
{
	return app->depth ? &app->stack[app->depth - 1] : NULL;
}

/* (Re)creates the three windows for the terminal's size. */
static void layout(struct app *app)
{
	if (app->title)
		delwin(app->title);
	if (app->body)
		delwin(app->body);
	if (app->status)
		delwin(app->status);
	app->title = app->body = app->status = NULL;
	getmaxyx(stdscr, app->rows, app->cols);
	if (app->rows < 6 || app->cols < 20)
		return;
	app->title = newwin(2, app->cols, 0, 0);
	app->body = newwin(app->rows - 4, app->cols, 2, 0);
	app->status = newwin(2, app->cols, app->rows - 2, 0);
	keypad(app->body, TRUE);
}

/* Follows the terminal's new size after SIGWINCH or KEY_RESIZE. */
static void handle_resize(struct app *app)
{
	struct winsize ws;

	app->resized = 0;
	/* resizeterm() queues a KEY_RESIZE even when the size is the one
	 * it has, and KEY_RESIZE brings us here: only a real change may
	 * call it, or the two feed each other for ever. */
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && (ws.ws_row != LINES || ws.ws_col != COLS))
		resizeterm(ws.ws_row, ws.ws_col);
	layout(app);
	clearok(curscr, TRUE);
}

/* Draws the title line and the step bar. */
static void draw_title(struct app *app, const struct frame *f)
{
	WINDOW *w = app->title;
	int tattr = tui_attr(app, TUI_TITLE);
	int x;
	size_t pending = app->session->dns ? dns_pending(app->session->dns) : 0;

	wattron(w, tattr);
	mvwhline(w, 0, 0, ' ', app->cols);
	wattroff(w, tattr);
	x = widget_text(w, 0, 1, app->cols - 2, tattr, "dmarcpilot");
	if (app->demo)
		x += widget_text(w, 0, 1 + x, app->cols - 2 - x, tattr,
				 _(" (demo)"));
	if (app->domain)
		x += widget_textf(w, 0, 1 + x, app->cols - 2 - x, tattr,
				  " · %s", app->domain);
	x += widget_textf(w, 0, 1 + x, app->cols - 2 - x, tattr, " · %s",
			  _(f->screen->title));
	if (pending > 0 || worker_pool_busy(app->workers) > 0) {
		static const char spinner[] = "|/-\\";
		/* TRANSLATORS: the spinner while a use case runs on a
		 * worker (the plan, the report analysis, a publish). */
		char *s =
		    pending > 0
			? xasprintf(
			      P_("%c %zu query", "%c %zu queries", pending),
			      spinner[app->spin % 4], pending)
			: xasprintf(_("%c loading…"), spinner[app->spin % 4]);
		int width = widget_width(s);

		if (1 + x + width + 2 < app->cols)
			widget_text(w, 0, app->cols - width - 1, width, tattr,
				    s);
		free(s);
	} else if (session_dns_error(app->session)) {
		const char *s = _("offline");
		int width = widget_width(s);

		if (1 + x + width + 2 < app->cols)
			widget_text(w, 0, app->cols - width - 1, width, tattr,
				    s);
	}
	x = 1;
	for (enum step s = 0; s < STEP_COUNT; s++) {
		const struct step_info *info = wizard_step(s);
		bool current = f->step == s;
		int attr = current ? (int)(A_REVERSE | A_BOLD)
				   : (info->needs_domain && !app->domain
					  ? tui_attr(app, TUI_DIM)
					  : (int)A_NORMAL);

		x += widget_textf(w, 1, x, app->cols - x, attr, "%d %s",
				  (int)s + 1, _(info->label));
		x += widget_text(w, 1, x, app->cols - x, A_NORMAL, " ");
	}
}

/* Draws the message line and the key hints. */
static void draw_status(struct app *app, const struct frame *f)
{
	WINDOW *w = app->status;

	if (app->asking_quit)
		widget_text(w, 0, 1, app->cols - 2,
			    tui_attr(app, TUI_WARN) | A_BOLD,
			    app->asking_held
				? _("A publish is under way: quit anyway, once "
				    "the primary answered? (y/n)")
				: _("Changes are not saved. Quit anyway? "
				    "(y/n)"));
	else if (app->message)
		widget_text(w, 0, 1, app->cols - 2,
			    app->message_error ? tui_attr(app, TUI_BAD)
					       : (int)A_NORMAL,
			    app->message);
	else if (session_dns_error(app->session) && f->step != STEP_DOMAINS)
		widget_text(w, 0, 1, app->cols - 2, tui_attr(app, TUI_WARN),
			    session_dns_error(app->session));
	/* TRANSLATORS: the key hints at the bottom of every screen; keep
	 * within 78 columns. */
	widget_text(w, 1, 1, app->cols - 2, tui_attr(app, TUI_DIM),
		    _("F1/? help  Tab/Shift-Tab step  1-9 go to step  Esc back"
		      "  q quit"));
}

/* Draws everything into the windows and sends one update. */
static void draw(struct app *app)
{
	struct frame *f = top_frame(app);

	if (!app->title) {
		erase();
		mvaddstr(0, 0, _("The terminal is too small."));
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	werase(app->title);
	werase(app->body);
	werase(app->status);
	draw_title(app, f);
	if (f->screen->draw)
		f->screen->draw(app, f->state, app->body);
	draw_status(app, f);
	wnoutrefresh(app->title);
	wnoutrefresh(app->body);
	wnoutrefresh(app->status);
	doupdate();
}

/* q: leaves at once, or asks first while a publish or a rotation's
 * update is under way (leaving would cut it short after the primary
 * took it, with nothing recorded) or a screen holds unsaved changes.
 * Other jobs (the plan, the analysis) are abandoned. */
static void ask_quit(struct app *app)
{
	app->asking_held = worker_pool_holding(app->workers) > 0;
	if (app->asking_held || app->unsaved)
		app->asking_quit = true;
	else
		app->quit = true;
}

/* The shell's own handling of a command the screen left alone. */
static void shell_command(struct app *app, struct tui_key key, enum command cmd)
{
	struct frame *f = top_frame(app);
	const struct step_info *info = wizard_step(f->step);

	switch (cmd) {
	case CMD_GOTO:
		tui_goto_step(app, (enum step)(key.code - '1'));
		break;
	case CMD_HELP:
		if (f->screen != &screen_help)
			tui_push(app, &screen_help, STEP_NONE);
		break;
	case CMD_QUIT:
		ask_quit(app);
		break;
	case CMD_BACK:
		tui_pop(app);
		break;
	case CMD_LEFT:
		if (info && info->prev != STEP_NONE)
			tui_goto_step(app, info->prev);
		break;
	case CMD_RIGHT:
		if (info && info->next != STEP_NONE)
			tui_goto_step(app, info->next);
		break;
	case CMD_REDRAW:
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
}

/* Handles one key: the quit question first, then the screen, then the
 * shell. */
static void handle_key(struct app *app, struct tui_key key)
{
	struct frame *f = top_frame(app);
	enum command cmd = keymap_lookup(key);

	if (key.fkey && key.code == KEY_RESIZE) {
		app->resized = 1;
		return;
	}
	if (app->asking_quit) {
		app->asking_quit = false;
		if (widget_key_yes(key))
			app->quit = true;
		return;
	}
	free(app->message);
	app->message = NULL;
	if (f->screen->key && f->screen->key(app, f->state, key, cmd))
		return;
	shell_command(app, key, cmd);
}

/* Reads every key curses has ready. */
static void read_keys(struct app *app)
{
	wint_t ch;
	int r;

	while (!app->quit && (r = wget_wch(stdscr, &ch)) != ERR) {
		struct tui_key key = { r == KEY_CODE_YES, ch };

		if (app->test_sync && key.fkey && key.code == KEY_F(12)) {
			app->syncs++;
			continue;
		}
		handle_key(app, key);
		if (app->resized)
			handle_resize(app);
	}
}

/* Under test, says in the terminal's title (OSC 2) how many sync keys
 * (F12) have been read, whether the wizard is idle (no query
 * outstanding, no work waiting) and the size it drew at. The title
 * follows what was drawn in the byte stream, so a test that sends F12 after its keys and waits for
 * "dmarcpilot-sync N idle" reads a screen complete and drawn after
 * them, never one drawn halfway. Called after each draw with the
 * count of ended jobs (worker_pool_ended()) read before it. */
static void report_sync(struct app *app, unsigned long ended)
{
	bool idle;

	if (!app->test_sync)
		return;
	/* A job that ended while the screen was drawn (its end not in
	 * what was drawn, a record that follows a verification not yet
	 * started) is news: the loop draws again before it is idle. */
	idle = !(app->session->dns && dns_pending(app->session->dns) > 0) &&
	       !top_frame(app)->busy && !app->resized &&
	       worker_pool_busy(app->workers) == 0 &&
	       worker_pool_ended(app->workers) == ended;
	if (app->told_syncs == app->syncs && app->told_idle == (int)idle &&
	    app->told_cols == COLS && app->told_rows == LINES)
		return;
	printf("\033]2;dmarcpilot-sync %lu %s %dx%d\033\\", app->syncs,
	       idle ? "idle" : "busy", COLS, LINES);
	fflush(stdout);
	app->told_syncs = app->syncs;
	app->told_idle = idle;
	app->told_cols = COLS;
	app->told_rows = LINES;
}

/* Lets the top screen do one unit of its pending work. */
static void run_work(struct app *app)
{
	struct frame *f = app->depth ? top_frame(app) : NULL;

	if (!f || !f->busy || app->quit)
		return;
	f->busy = f->screen->work && f->screen->work(app, f->state);
}

/* Milliseconds of a monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The loop: draw, block in one ppoll() over stdin and the resolver, then
 * handle what woke it. Signals are blocked outside ppoll() so that a
 * SIGWINCH can never slip in between the check and the wait. */
static void run_loop(struct app *app, const sigset_t *waitmask)
{
	struct pollfd fds[66];
	long long spin_at = now_ms();

	while (!app->quit && !app->stop) {
		unsigned long ended;
		size_t ndns = 0;
		int timeout = -1, r;
		struct timespec ts, *tsp = NULL;

		if (app->resized)
			handle_resize(app);
		ended = worker_pool_ended(app->workers);
		draw(app);
		report_sync(app, ended);
		if (app->session->dns) {
			ndns = dns_pollfds(app->session->dns, fds, 64);
			timeout = dns_timeout_ms(app->session->dns);
		}
		if ((app->session->dns && dns_pending(app->session->dns) > 0) ||
		    worker_pool_busy(app->workers) > 0) {
			/* The spinner turns while queries or workers
			 * wait. */
			long long left = spin_at + 150 - now_ms();

			if (left < 0)
				left = 0;
			if (timeout < 0 || timeout > left)
				timeout = (int)left;
		}
		if (top_frame(app)->busy)
			timeout = 0; /* work waits: only look for keys */
		fds[ndns].fd = STDIN_FILENO;
		fds[ndns].events = POLLIN;
		fds[ndns].revents = 0;
		/* News from the workers: a job done, progress to draw. */
		fds[ndns + 1].fd = worker_pool_fd(app->workers);
		fds[ndns + 1].events = POLLIN;
		fds[ndns + 1].revents = 0;
		if (timeout >= 0) {
			ts.tv_sec = timeout / 1000;
			ts.tv_nsec = (long)(timeout % 1000) * 1000000;
			tsp = &ts;
		}
		r = ppoll(fds, ndns + 2, tsp, waitmask);
		if (r < 0 && errno != EINTR)
			break;
		if (app->session->dns)
			dns_process(app->session->dns, r > 0 ? fds : NULL,
				    r > 0 ? ndns : 0);
		if (now_ms() >= spin_at + 150) {
			app->spin++;
			spin_at = now_ms();
		}
		if (r > 0 && fds[ndns + 1].revents)
			worker_pool_drain(app->workers);
		if (app->interrupted) {
			/* Ctrl-C asks as q does while a publish runs;
			 * asked already, it leaves as y does. */
			app->interrupted = 0;
			if (app->asking_quit)
				app->quit = true;
			else if (worker_pool_holding(app->workers) == 0)
				app->stop = 1;
			else
				ask_quit(app);
		}
		if (r > 0 && fds[ndns].revents)
			read_keys(app);
		run_work(app);
		/* The terminal is gone (a closed window, a killed tmux): a
		 * hung-up tty reports POLLIN with POLLHUP and reads 0 bytes
		 * for ever, so leave once its last keys are handled. */
		if (r > 0 &&
		    (fds[ndns].revents & (POLLHUP | POLLERR | POLLNVAL)))
			break;
	}
}

/* Left by q, a signal or a closed terminal: a publish or a rotation's
 * update under way, cancelled, is waited for until its update is
 * answered and its wait cut (it records its end itself and says how
 * it left the zone); another signal leaves at once. */
static void wait_held(struct app *app, const sigset_t *waitmask)
{
	struct pollfd fd;

	if (worker_pool_holding(app->workers) == 0)
		return;
	fprintf(stderr, "%s\n",
		_("dmarcpilot: waiting for the primary to answer the update "
		  "under way (another signal leaves at once)"));
	app->stop = 0;
	app->interrupted = 0;
	while (worker_pool_holding(app->workers) > 0 && !app->stop &&
	       !app->interrupted) {
		fd.fd = worker_pool_fd(app->workers);
		fd.events = POLLIN;
		fd.revents = 0;
		if (ppoll(&fd, 1, NULL, waitmask) < 0 && errno != EINTR)
			break;
		worker_pool_drain(app->workers);
	}
}

/* Sets up colours unless NO_COLOR asks for none (no-color.org: present
 * and not empty). */
static void setup_colors(struct app *app)
{
	const char *no = getenv("NO_COLOR");

	app->color = has_colors() && !(no && *no);
	if (!app->color)
		return;
	start_color();
	use_default_colors();
	init_pair(TUI_GOOD, COLOR_GREEN, -1);
	init_pair(TUI_WARN, COLOR_YELLOW, -1);
	init_pair(TUI_BAD, COLOR_RED, -1);
	init_pair(TUI_TITLE, COLOR_WHITE, COLOR_BLUE);
	init_pair(TUI_DIM, COLOR_CYAN, -1);
}

/* Installs the handlers and blocks their signals outside ppoll(). */
static void setup_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_interrupt;
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGWINCH);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGWINCH);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGHUP);
}

/* The smallest terminal the screens are laid out for. */
#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24

/* Refuses, with one line on stderr, a terminal the wizard cannot draw
 * on: TERM unset or dumb, or smaller than 80x24. Returns true when it
 * may start. */
static bool terminal_usable(void)
{
	const char *term = getenv("TERM");
	struct winsize ws;

	if (!term || !*term || strcmp(term, "dumb") == 0) {
		fprintf(stderr,
			_("dmarcpilot: the wizard cannot draw on TERM=%s; "
			  "the commands work without it (dmarcpilot "
			  "--help)\n"),
			term ? term : "");
		return false;
	}
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
	    ws.ws_row > 0 &&
	    (ws.ws_col < TUI_MIN_COLS || ws.ws_row < TUI_MIN_ROWS)) {
		fprintf(stderr,
			_("dmarcpilot: the wizard needs a terminal of at "
			  "least %dx%d, this one is %dx%d\n"),
			TUI_MIN_COLS, TUI_MIN_ROWS, ws.ws_col, ws.ws_row);
		return false;
	}
	return true;
}

/* A file that comes with the program: DATADIR/name. Caller frees. */
char *tui_data_path(const struct app *app, const char *name)
{
	return session_data_path(app->session, name);
}

/* Runs the wizard. */
int tui_run(struct session *session, date_t now, const char *domain, bool demo)
{
	struct app *app = &tui_app;
	SCREEN *screen;
	sigset_t waitmask;
	int status = EXIT_GOOD;
	struct err err = ERR_INIT;

	memset(app, 0, sizeof *app);
	if (!terminal_usable())
		return EXIT_TROUBLE;
	app->now = now;
	app->session = session;
	app->demo = demo;
	app->test_sync = getenv("DMARCPILOT_TEST_SYNC") != NULL;
	app->told_idle = -1;
	if (demo && demo_setup(app, &err) != STATUS_OK) {
		fprintf(stderr, "dmarcpilot: %s\n", err_message(&err));
		status = EXIT_TROUBLE;
		goto out;
	}
	/* The demo opens on its own domain unless another is named. */
	if (demo && !domain)
		domain = DEMO_DOMAIN;
	if (domain)
		tui_set_domain(app, domain);
	if (app->domain && tui_store(app) &&
	    state_domain_add(app->session->store, app->domain, app->now, NULL,
			     &err) != STATUS_OK &&
	    err.status != STATUS_EXISTS) {
		fprintf(stderr, "dmarcpilot: %s\n", err_message(&err));
		status = EXIT_TROUBLE;
		goto out;
	}
	err_done(&err);
	tui_store(app);
	tui_dns(app);
	setup_signals(&waitmask);
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		fprintf(stderr,
			_("dmarcpilot: cannot start the terminal "
			  "interface (TERM=%s)\n"),
			getenv("TERM") ? getenv("TERM") : "");
		status = EXIT_TROUBLE;
		goto out;
	}
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	setup_colors(app);
	layout(app);
	tui_push(app, &screen_domains, STEP_DOMAINS);
	if (app->domain)
		tui_goto_step(app, STEP_TIMELINE);
	run_loop(app, &waitmask);
	while (app->depth > 0)
		frame_close(app, &app->stack[--app->depth]);
	if (app->title)
		delwin(app->title);
	if (app->body)
		delwin(app->body);
	if (app->status)
		delwin(app->status);
	endwin();
	delscreen(screen);
	/* The terminal is the operator's again: a publish or a
	 * rotation's update under way stops waiting for the servers (an
	 * update out is answered first), records what it may and says on
	 * stderr how it left the zone. */
	worker_pool_cancel(app->workers);
	wait_held(app, &waitmask);
out:
	err_done(&err);
	if (demo)
		demo_cleanup(app);
	if (!worker_pool_free(app->workers)) {
		/* q leaves at once: a job still running (its
		 * result is no longer wanted) reads the session's catalogue
		 * and its own connection, so nothing is freed under it and
		 * the process ends here, the database closed first. */
		session_store_close(app->session);
		fflush(stdout);
		fflush(stderr);
		_exit(status);
	}
	/* The session owns the resolver, the database, the catalogue and
	 * the Public Suffix List. */
	free(app->domain);
	free(app->message);
	memset(app, 0, sizeof *app);
	return status;
}
