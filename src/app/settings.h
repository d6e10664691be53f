/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The plan's settings per domain (DESIGN.md section 4) as the operator
 * names them: one table of KEY, kind and help that `domain set|show`
 * and the wizard's settings view both use; a new setting is one row
 * here (and its column in the store). No curses. */
#ifndef DMARCPILOT_APP_SETTINGS_H
#define DMARCPILOT_APP_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "store/state.h"
#include "util/status.h"

enum app_setting_kind {
	APP_SETTING_TEXT,     /* a string; "default" stores none */
	APP_SETTING_DAYS,     /* a whole number of days */
	APP_SETTING_PERCENT,  /* a share in percent, fractions allowed */
	APP_SETTING_INTERVAL, /* days as a word (quarterly, biannual,
				 annual) or a number, 1..3650 */
	APP_SETTING_PORT,     /* a TCP/UDP port; 0 is the default */
};

/* One setting as the operator names it. */
struct app_setting {
	const char *key; /* "min-days-rung" */
	enum app_setting_kind kind;
	size_t offset;    /* into struct state_settings */
	const char *help; /* N_() */
};

/* The settings in the order they are shown; *count gets how many. */
const struct app_setting *app_settings(size_t *count);

/* The setting named by the len bytes of key, or NULL. */
const struct app_setting *app_setting_find(const char *key, size_t len);

/* Sets one setting of s from text; "default" puts it back. Checks what
 * state_settings_set() cannot (the ladder parses, rua/ruf are mailto:
 * lists, servers is an address list); STATUS_USAGE names the key. */
enum status app_setting_set(struct state_settings *s,
			    const struct app_setting *d, const char *value,
			    struct err *err);

/* The same from "KEY=VALUE"; an unknown key is STATUS_USAGE. */
enum status app_setting_apply(struct state_settings *s, const char *arg,
			      struct err *err);

/* Changes the domain's settings: reads them, applies each of the n
 * "KEY=VALUE" in order (app_setting_apply()) and stores them all, or
 * nothing when any value is refused (STATUS_USAGE names it). What
 * `domain set` and the wizard's settings view both run. */
enum status app_settings_change(struct store *store, const char *domain,
				const char *const *assignments, size_t n,
				struct err *err);

/* A setting's value as text (caller frees), or NULL for an unset text
 * setting; *is_default says whether it is the default. */
char *app_setting_value(const struct state_settings *s,
			const struct app_setting *d, bool *is_default);

/* The fields a setting points to, by kind (days and intervals are
 * both an int). */
char **app_setting_text(struct state_settings *s, const struct app_setting *d);
int *app_setting_days(struct state_settings *s, const struct app_setting *d);
int *app_setting_port(struct state_settings *s, const struct app_setting *d);
double *app_setting_percent(struct state_settings *s,
			    const struct app_setting *d);

#endif
