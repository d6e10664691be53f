/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A DKIM key of the operator's own (DESIGN.md section 3): generated,
 * written where only its owner reads it, and its path recorded in the
 * database. What `dkim keygen` and the wizard's DKIM view both run. No
 * curses. */
#ifndef DMARCPILOT_APP_KEYGEN_H
#define DMARCPILOT_APP_KEYGEN_H

#include "dkim/dkim.h"
#include "store/store.h"
#include "util/status.h"

/* Generates the key o asks for (dkim_keygen(); o->record and
 * o->record_arg are ignored) and, with a store, records it there
 * (state_dkim_keygen_record(): the domain added when new, STATUS_EXISTS
 * when it has that selector, and then no key file is left). Without a
 * store the key is only written. Free out with dkim_generated_done(). */
enum status app_dkim_keygen(struct store *store,
			    const struct dkim_keygen_options *o,
			    struct dkim_generated *out, struct err *err);

#endif
