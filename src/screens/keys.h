/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The keys curses hands over as plain characters, by name: the key map
 * (tui.c) and the text input (widgets.c) use these, never numbers. */
#ifndef DMARCPILOT_KEYS_H
#define DMARCPILOT_KEYS_H

enum tui_keycode {
	TUI_KEY_CTRL_H = 8, /* Backspace on some terminals */
	TUI_KEY_TAB = '\t',
	TUI_KEY_LINEFEED = '\n',
	TUI_KEY_CTRL_L = 12, /* redraw */
	TUI_KEY_RETURN = '\r',
	TUI_KEY_CTRL_U = 21, /* kill the line, as in a shell */
	TUI_KEY_ESC = 27,
	TUI_KEY_SPACE = ' ', /* the first printable character */
	TUI_KEY_DEL = 127,   /* Backspace on most terminals */
};

#endif
