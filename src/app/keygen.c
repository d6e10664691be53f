/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A DKIM key of the operator's own (app/keygen.h). */
#include "config.h"

#include "app/keygen.h"

#include "store/state.h"

/* Generates a key and records it in the store when there is one. */
enum status app_dkim_keygen(struct store *store,
			    const struct dkim_keygen_options *o,
			    struct dkim_generated *out, struct err *err)
{
	struct dkim_keygen_options with = *o;

	with.record = store ? state_dkim_keygen_record : NULL;
	with.record_arg = store;
	return dkim_keygen(&with, out, err);
}
