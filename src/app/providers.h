/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The catalogue of sending services as both front ends search it:
 * `dmarcpilot sender providers [TEXT]` and the wizard's "add a sender"
 * list show the same services for the same text. No curses. */
#ifndef DMARCPILOT_APP_PROVIDERS_H
#define DMARCPILOT_APP_PROVIDERS_H

#include <stddef.h>

#include "app/session.h"
#include "providers/providers.h"
#include "util/status.h"

/* The services whose ID, name or category contains text (no case; NULL
 * or "" for all), in the catalogue's order, into *out (an array the
 * caller frees; the services belong to the session) and their number
 * into *count. Fails with the catalogue's error when it cannot be
 * read. */
enum status app_providers_search(struct session *s, const char *text,
				 const struct provider ***out, size_t *count,
				 struct err *err);

#endif
