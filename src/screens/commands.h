/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The wizard's commands, declared once: X(name, help). The key map in
 * tui.c turns keys into these, and the help screen is generated from
 * this list and that map. */
#ifndef DMARCPILOT_COMMANDS_H
#define DMARCPILOT_COMMANDS_H

#include "util/i18n.h"

/* clang-format off */
#define TUI_COMMANDS(X)                                                    \
	X(CMD_NONE, NULL)                                                  \
	X(CMD_UP, N_("move up"))                                           \
	X(CMD_DOWN, N_("move down"))                                       \
	X(CMD_PAGE_UP, N_("one page up"))                                  \
	X(CMD_PAGE_DOWN, N_("one page down"))                              \
	X(CMD_TOP, N_("go to the first line"))                             \
	X(CMD_BOTTOM, N_("go to the last line"))                           \
	X(CMD_LEFT, N_("previous step of the wizard"))                     \
	X(CMD_RIGHT, N_("next step of the wizard"))                        \
	X(CMD_GOTO, N_("go to that step of the wizard"))                   \
	X(CMD_SELECT, N_("open or choose the selected line"))              \
	X(CMD_BACK, N_("go back"))                                         \
	X(CMD_HELP, N_("show this help"))                                  \
	X(CMD_QUIT, N_("quit (asks first when something is unsaved)"))     \
	X(CMD_REDRAW, N_("redraw the screen"))                             \
	X(CMD_RECHECK, N_("query DNS again"))                              \
	X(CMD_FILTER, N_("type to filter the list"))                       \
	X(CMD_ADD, N_("add"))                                              \
	X(CMD_DELETE, N_("remove the selected line"))                      \
	X(CMD_SAVE, N_("save the changes"))                                \
	X(CMD_FLATTEN, N_("flatten the selected include"))                 \
	X(CMD_KEYGEN, N_("generate a DKIM key for the selected sender"))   \
	X(CMD_ROTATE, N_("plan a key rotation"))                           \
	X(CMD_VERIFY, N_("verify the record is live on every server"))     \
	X(CMD_PUBLISH, N_("publish the ready step and record it"))         \
	X(CMD_STEP, N_("verify the next step is live and record it"))      \
	X(CMD_FORCE, N_("take a step the plan does not call ready (asks)"))\
	X(CMD_SETTINGS, N_("the settings of the domain's plan"))           \
	X(CMD_IMPORT, N_("import reports from a file or folder"))          \
	X(CMD_DISOWN, N_("mark the selected failing source as not ours"))  \
	X(CMD_WINDOW, N_("switch the report window: plan, week, all"))     \
	X(CMD_FAILURES, N_("show or hide the failure reports"))            \
	X(CMD_FORMAT, N_("change the export format"))                      \
	X(CMD_WRITE, N_("write the export to a file"))
/* clang-format on */

#define TUI_COMMAND_ENUM(name, help) name,
enum command { TUI_COMMANDS(TUI_COMMAND_ENUM) CMD_COUNT };
#undef TUI_COMMAND_ENUM

#endif
