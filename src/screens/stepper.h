/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The step of the plan as every screen that offers it takes it: S asks
 * the app layer's gate (app/step.h, the rules of dmarcpilot step), shows
 * the refusal with all its reasons when the plan is not ready, ! forces
 * it after a yes/no question (step --force), and a step that may go is
 * verified on every authoritative server through the shell's resolver
 * and recorded on a worker (recording an SPF step measures the live
 * record through DNS). p publishes the ready step (dmarcpilot publish)
 * on a worker, its progress shown. What happened is kept as lines the
 * screen draws where the operator looks. While a record or a publish
 * runs, the screen's plan is the job's: the screen's is left empty and
 * comes back, or is loaded again, when it ends. */
#ifndef DMARCPILOT_SCREENS_STEPPER_H
#define DMARCPILOT_SCREENS_STEPPER_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "app/step.h"
#include "screens/plan.h"
#include "screens/tui.h"
#include "screens/widgets.h"

/* One line of what the last step did; text is cleaned. */
struct stepper_line {
	char *text;
	enum tui_color color;
	int indent; /* columns */
};

struct stepper {
	struct app *app;
	struct screen_plan *sp;          /* the screen's plan (borrowed) */
	bool verifying;                  /* checks are out */
	bool confirming;                 /* the force question waits for y/n */
	bool forced;                     /* the step out was forced */
	struct app_step_checks *arrived; /* answers not yet judged */
	struct worker *job;              /* a record or a publish, or NULL */
	bool publishing;                 /* job is a publish */
	size_t progress;      /* the line the job's progress rewrites */
	char *label;          /* the step the job takes */
	enum command pending; /* S, ! or p that waits for the plan */
	bool reveal;          /* new lines: the screen shows them */
	int row;              /* where they were drawn last */
	struct stepper_line *lines;
	size_t nlines;
	/* Called (from the resolver's loop) after a step was recorded, so
	 * that the screen loads its plan again; may be NULL. */
	void (*recorded)(void *arg);
	void *arg;
};

/* Starts a stepper over the screen's plan. */
void stepper_init(struct stepper *s, struct app *app, struct screen_plan *sp,
		  void (*recorded)(void *arg), void *arg);

/* Takes S (CMD_STEP), ! (CMD_FORCE), p (CMD_PUBLISH) and the answer to
 * the force question; plan_ready says the screen's plan has finished
 * loading. Returns true when it used the key. */
bool stepper_key(struct stepper *s, bool plan_ready, struct tui_key key,
		 enum command cmd);

/* Judges checks that came back and starts recording the step when
 * every server serves it; shows the progress and the end of a record or
 * a publish; takes a key that waited for the plan once plan_ready; call
 * at the start of the screen's draw (from the loop, never from a
 * resolver callback), before drawing the plan, which a recorded step
 * loads again. */
void stepper_collect(struct stepper *s, bool plan_ready);

/* Draws the lines from row y, wrapped in width columns from column x,
 * up to row max_y (exclusive), or while there are none the plan's
 * reasons when it is not ready; returns the rows they take. */
int stepper_draw(struct stepper *s, WINDOW *win, int y, int x, int width,
		 int max_y);

/* After the content was drawn into a pager's pad: scrolls p so that new
 * lines show in height rows. */
void stepper_reveal(struct stepper *s, struct widget_pager *p, int height);

/* The domain's "servers" setting (as step --servers), or NULL for the
 * zone's name servers; the caller frees. */
char *stepper_servers(struct app *app);

/* Cancels checks still out (their answers find the stepper alive),
 * abandons a job (it ends on its own) and frees the lines; call from
 * the screen's leave. */
void stepper_done(struct stepper *s);

#endif
