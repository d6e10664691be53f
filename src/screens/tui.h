/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The wizard's shell (DESIGN.md section 6): the one mutable state of the
 * interface (struct app), the screen stack, the poll() loop over stdin,
 * the resolver's sockets and the workers' news (app/worker.h), and what
 * screens share to draw and to take keys. Curses lives in src/screens/ only. */
#ifndef DMARCPILOT_TUI_H
#define DMARCPILOT_TUI_H

#include <curses.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "app/exit_status.h"
#include "app/session.h"
#include "app/worker.h"
#include "util/date.h"
#include "screens/commands.h"
#include "screens/wizard.h"

struct app;

/* A key as curses gave it: a character, or a function key (KEY_*). */
struct tui_key {
	bool fkey;
	wint_t code;
};

/* A screen: a constant table of what it does. The shell allocates
 * state_size zeroed bytes when the screen opens, hands them to every
 * function, and frees them after leave. */
struct screen {
	const char *name;             /* stable identifier: "spf" */
	const char *title;            /* N_(): shown in the title bar */
	const char *help;             /* N_(): the help screen's paragraph */
	const enum command *commands; /* its own, ended by CMD_NONE */
	size_t state_size;
	/* Opens: start queries, read the database. */
	void (*enter)(struct app *app, void *state);
	/* Draws into the body window (erased before). */
	void (*draw)(struct app *app, void *state, WINDOW *win);
	/* Takes a key first; returns true when it used it. cmd is what the
	 * key map makes of it (CMD_NONE when nothing). */
	bool (*key)(struct app *app, void *state, struct tui_key key,
		    enum command cmd);
	/* Closes: pending queries must not call back into freed state. */
	void (*leave)(struct app *app, void *state);
	/* Does one small unit of pending work (one file of an import) and
	 * returns true while more remains; the shell then draws and reads
	 * keys between units instead of sleeping in poll(). May be NULL. */
	bool (*work)(struct app *app, void *state);
};

/* One open screen. */
struct frame {
	const struct screen *screen;
	void *state;
	enum step step; /* the wizard step it stands for, or STEP_NONE */
	bool busy;      /* its work() has more to do */
};

#define TUI_STACK_MAX 8

/* The one mutable state of the interface. */
struct app {
	date_t now;              /* today: --now, or the demo's day */
	struct session *session; /* the resolver, the database, the
				    catalogue and the Public Suffix List
				    (the command line's) */
	char *domain;            /* the domain the wizard works on, or NULL */
	bool demo;
	char *demo_dir; /* throwaway directory of --demo */
	char *demo_db;  /* its database */

	struct worker_pool *workers; /* use cases off the input path */

	struct frame stack[TUI_STACK_MAX];
	size_t depth;

	WINDOW *title, *body, *status;
	int rows, cols;
	bool color;
	unsigned spin; /* spinner phase */

	volatile sig_atomic_t resized;     /* set by the SIGWINCH handler */
	volatile sig_atomic_t stop;        /* set by SIGTERM/SIGHUP, and by
					  SIGINT while no publish runs */
	volatile sig_atomic_t interrupted; /* set by SIGINT */
	bool unsaved;          /* a screen holds changes not yet saved */
	unsigned settings_gen; /* counts stored changes of the domain's
				  settings: screens that show the plan
				  load it again when it moved */
	bool asking_quit;      /* the quit question is on the status line */
	bool asking_held;      /* it asks because a publish is under way */
	bool quit;
	char *message; /* status line text, or NULL */
	bool message_error;

	/* Under test ($DMARCPILOT_TEST_SYNC set): the sync keys (F12) read
	 * so far, and what the terminal's title last said about them. */
	bool test_sync;
	unsigned long syncs;
	unsigned long told_syncs;
	int told_idle; /* -1 before the first report */
	int told_cols, told_rows;
};

/* Colour pairs; with NO_COLOR, attributes only. */
enum tui_color {
	TUI_NORMAL,
	TUI_GOOD,
	TUI_WARN,
	TUI_BAD,
	TUI_TITLE,
	TUI_DIM,
};

/* Runs the wizard on the terminal; domain may be NULL (the home screen).
 * With demo, sets up the offline demo domain first. Returns an exit
 * status of DESIGN.md section 5. */
/* A file that comes with the program: DATADIR/name. Caller frees. */
char *tui_data_path(const struct app *app, const char *name);

int tui_run(struct session *session, date_t now, const char *domain, bool demo);

/* Starts a use case on a worker thread (app/worker.h); the loop draws
 * again when it is done or wakes it. Free with worker_free(). */
struct worker *tui_worker_start(struct app *app, worker_fn run, void *arg,
				void (*free_arg)(void *arg));

/* Opens a screen on top of the stack. */
void tui_push(struct app *app, const struct screen *screen, enum step step);

/* Tells the shell that the top screen has work() to do. */
void tui_work_start(struct app *app);

/* Closes the top screen (never the last). */
void tui_pop(struct app *app);

/* Replaces the top screen by the screen of a wizard step. */
void tui_goto_step(struct app *app, enum step step);

/* Sets the domain the wizard works on (copied). */
void tui_set_domain(struct app *app, const char *domain);

/* Shows a message on the status line until the next key; printf-style. */
void tui_message(struct app *app, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* The same, marked as an error. */
void tui_error(struct app *app, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* The attribute of a colour pair (plain attributes with NO_COLOR). */
int tui_attr(const struct app *app, enum tui_color color);

/* The resolver, or NULL; screens that show DNS data call this and, when
 * NULL, draw tui_dns_problem() instead. */
struct dns *tui_dns(struct app *app);

/* Why there are no DNS answers (translated). */
const char *tui_dns_problem(const struct app *app);

/* The database, or NULL with the reason in
 * session_store_error(app->session). */
struct store *tui_store(struct app *app);

/* The catalogue of services (data/providers.ini), loaded on first use;
 * NULL with the reason in session_providers_error(app->session). */
const struct providers *tui_providers(struct app *app);

/* The Public Suffix List (libpsl), loaded on first use; NULL when libpsl
 * has none. */
const struct orgdomain *tui_orgdomain(struct app *app);

/* The translated help of a command (from commands.h). */
const char *tui_command_help(enum command cmd);

/* The translated names of the keys bound to a command, joined with ", ";
 * the caller frees. */
char *tui_command_keys(enum command cmd);

/* The commands the shell handles on every screen, ended by CMD_NONE. */
const enum command *tui_global_commands(void);

#endif
