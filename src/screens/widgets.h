/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small drawing pieces the screens share: clipped text, a budget bar, a
 * scrolling list, a one-line text input with file-name completion. */
#ifndef DMARCPILOT_WIDGETS_H
#define DMARCPILOT_WIDGETS_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "screens/tui.h"

/* Draws UTF-8 text at (y, x), clipped to width columns; returns the
 * number of columns used. Text is shown as given: clean hostile strings
 * with text_clean first. */
int widget_text(WINDOW *win, int y, int x, int width, int attr,
		const char *text);

/* widget_text() with printf formatting. */
int widget_textf(WINDOW *win, int y, int x, int width, int attr,
		 const char *format, ...) __attribute__((format(printf, 6, 7)));

/* Draws UTF-8 text wrapped at spaces and newlines into width columns
 * from row y, a word wider than a row broken between characters,
 * skipping the first skip lines and stopping at row max_y (exclusive);
 * returns the number of lines the whole text takes (max_y = y counts
 * without drawing). */
int widget_wrap(WINDOW *win, int y, int x, int width, int max_y, int skip,
		int attr, const char *text);

/* The rows of text wrapped with a hanging indent: every row after the
 * first starts two columns right of the text's own leading spaces (a
 * table row, a list item), as fresh strings in *rows (the caller frees
 * each and the array); returns how many. */
int widget_wrap_hanging(const char *text, int width, char ***rows);

/* Draws text as widget_wrap_hanging() cuts it from row y up to max_y
 * (exclusive); returns the rows it takes. */
int widget_wrap_indented(WINDOW *win, int y, int x, int width, int max_y,
			 int attr, const char *text);

/* The rows widget_wrap() would draw, as fresh strings in *rows (the
 * caller frees each and the array); returns how many. */
int widget_wrap_split(const char *text, int width, char ***rows);

/* Draws one line of text broken wherever it passes width columns, not
 * at spaces (records and keys have none), every row after the first
 * starting with a continuation mark (drawn in mark_attr); skips the
 * first skip rows and stops at row max_y (exclusive). Returns the rows
 * the whole line takes. */
int widget_wrap_hard(WINDOW *win, int y, int x, int width, int max_y, int skip,
		     int attr, int mark_attr, const char *text);

/* The number of terminal columns UTF-8 text takes. */
int widget_width(const char *text);

/* A horizontal bar of width cells, filled value/max, with the number of
 * filled cells drawn in attr and the rest dim. */
void widget_bar(WINDOW *win, int y, int x, int width, double value, double max,
		int attr, int dim_attr);

/* A list's cursor and scroll position. */
struct widget_list {
	size_t selected;
	size_t top;
};

/* Moves the cursor for a navigation command; returns true when it was
 * one (even at the ends). page is the visible height. */
bool widget_list_key(struct widget_list *list, enum command cmd, size_t count,
		     int page);

/* Keeps the selection inside count and visible in height rows. */
void widget_list_clamp(struct widget_list *list, size_t count, int height);

/* True when key answers a yes/no question with yes: y, Y, or the
 * translated letter. */
bool widget_key_yes(struct tui_key key);

/* A pager: content taller than the rows it gets (help, DMARC, export),
 * drawn whole into a pad, then shown from a scroll position. */
struct widget_pager {
	int scroll;       /* the first content row shown */
	int total;        /* the rows the content took at the last draw */
	int height;       /* the rows shown at the last draw */
	const char *more; /* the line shown last while more follows
			   * (marked for translation), or NULL */
};

/* A blank pad of rows x cols to draw the content into, from row 0;
 * NULL when curses cannot make one. widget_pager_show() frees it. */
WINDOW *widget_pager_pad(int rows, int cols);

/* Shows the total rows of pad in height rows of win from row y, from
 * the scroll position (clamped); with p->more, the last row says so
 * (in attr) while more follows. Frees pad (which may be NULL). */
void widget_pager_show(struct widget_pager *p, WINDOW *pad, int total,
		       WINDOW *win, int y, int height, int attr);

/* Scrolls so that content row row shows in height rows, with two rows
 * of what comes before it when it was out of view. */
void widget_pager_reveal(struct widget_pager *p, int row, int height);

/* Scrolls for Up, Down, PgUp, PgDn, Home and End; returns true when cmd
 * was one of them. */
bool widget_pager_key(struct widget_pager *p, enum command cmd);

/* A one-line text input. */
struct widget_input {
	char text[1024]; /* UTF-8 */
	size_t len;
	bool active;
	bool complete_files; /* Tab completes file names */
};

/* What a key did to an input. */
enum widget_input_result {
	INPUT_IGNORED, /* not a key for the input */
	INPUT_CHANGED, /* text changed */
	INPUT_MOVED,   /* nothing changed (e.g. completion found nothing) */
	INPUT_DONE,    /* Enter */
	INPUT_CANCEL,  /* Esc */
};

/* Feeds a key to an active input. */
enum widget_input_result widget_input_key(struct widget_input *in,
					  struct tui_key key);

/* Starts editing with initial text (may be NULL). */
void widget_input_start(struct widget_input *in, const char *initial);

/* Draws "prompt text_" at (y, x) in width columns, with the cursor. */
void widget_input_draw(WINDOW *win, int y, int x, int width, const char *prompt,
		       const struct widget_input *in, int attr);

/* Completes a file name in place: the longest common prefix of the
 * names in its directory that start with it, with "/" after a single
 * directory. Returns true when the text changed. */
bool widget_complete_path(char *text, size_t size);

#endif
