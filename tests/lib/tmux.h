/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The real binary in a real terminal: tmux on a private socket, keys sent
 * with send-keys, the screen read with capture-pane. */
#ifndef DMARCPILOT_TEST_TMUX_H
#define DMARCPILOT_TEST_TMUX_H

#include <stdbool.h>

struct tmux_term {
	char *dir;    /* scratch directory: socket and configuration */
	char *socket; /* tmux -S */
	bool running;
	unsigned long syncs; /* sync keys sent (tmux_settle, tmux_drawn) */
};

/* True when tmux is installed. */
bool tmux_available(void);

/* Starts argv (argv[0] a path) in a cols x rows terminal with the extra
 * environment entries env ("NAME=value", NULL-terminated, may be NULL)
 * and DMARCPILOT_TEST_SYNC=1 (see tmux_settle()). The terminal stays
 * open after the program exits, with all it wrote on the screen. */
bool tmux_start(struct tmux_term *t, int cols, int rows,
		const char *const argv[], const char *const env[]);

/* Sends keys in tmux send-keys syntax ("Down", "Enter", "C-c", "q"). */
void tmux_send_keys(struct tmux_term *t, const char *const keys[]);

/* Types literal text (send-keys -l). */
void tmux_type(struct tmux_term *t, const char *text);

/* The visible screen, rows separated by newlines. Caller frees. */
char *tmux_capture(struct tmux_term *t);

/* Waits up to timeout_ms for text to appear on screen; returns the
 * screen that had it (caller frees), or NULL after printing the last
 * screen seen. */
char *tmux_wait_for(struct tmux_term *t, const char *text, int timeout_ms);

/* For the wizard, which under DMARCPILOT_TEST_SYNC counts the sync key
 * F12 and reports "dmarcpilot-sync N idle|busy COLSxROWS" in the
 * terminal's title after each draw: sends F12 and waits up to
 * timeout_ms until the wizard has handled every key sent before it,
 * drawn, and has no query outstanding and no work waiting; returns the
 * screen then (caller frees), or NULL after printing the title and the
 * screen. */
char *tmux_settle(struct tmux_term *t, int timeout_ms);

/* The same without waiting for queries and work to end: the screen
 * drawn after every key sent was handled (a wizard waiting on a resolver
 * that never answers is never idle). */
char *tmux_drawn(struct tmux_term *t, int timeout_ms);

/* The terminal's title (the pane title). Caller frees. */
char *tmux_title(struct tmux_term *t);

/* Resizes the terminal. */
void tmux_resize(struct tmux_term *t, int cols, int rows);

/* True when the program in the pane has exited; *status gets its exit
 * status (128 + the signal when a signal ended it). */
bool tmux_exited(struct tmux_term *t, int *status);

/* Waits up to timeout_ms for the program to exit; false if it is still
 * running then. *status gets its exit status. */
bool tmux_wait_exit(struct tmux_term *t, int timeout_ms, int *status);

/* The process ID of the program in the pane (not of the shell that
 * holds the terminal), or -1. */
int tmux_pane_pid(struct tmux_term *t);

/* Kills the session and the server; safe to call twice. */
void tmux_stop(struct tmux_term *t);

#endif
