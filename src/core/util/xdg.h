/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The per-user directories of the XDG Base Directory Specification,
 * where the database, the DKIM keys and the configuration live. */
#ifndef DMARCPILOT_XDG_H
#define DMARCPILOT_XDG_H

/* Which base directory. */
enum xdg_base {
	XDG_DATA,   /* $XDG_DATA_HOME, else $HOME/.local/share */
	XDG_CONFIG, /* $XDG_CONFIG_HOME, else $HOME/.config */
};

/* BASE/dmarcpilot/SUB (SUB may be NULL for BASE/dmarcpilot). The
 * variable counts only when it is an absolute path (the specification
 * says to ignore a relative one), and so does HOME. NULL when neither
 * gives one: never a path relative to the current directory, where a
 * database or a key would land wherever the program happened to run.
 * Caller frees. */
char *xdg_path(enum xdg_base base, const char *sub);

/* The environment variable that names BASE ("XDG_DATA_HOME"), for
 * messages that tell the user what to set. */
const char *xdg_variable(enum xdg_base base);

#endif
