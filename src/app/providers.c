/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Searching the catalogue (app/providers.h). */
#include "config.h"

#include "app/providers.h"

#include "util/xalloc.h"

/* Filters the session's catalogue. */
enum status app_providers_search(struct session *s, const char *text,
				 const struct provider ***out, size_t *count,
				 struct err *err)
{
	const struct providers *cat = session_providers(s, err);
	size_t n;

	*out = NULL;
	*count = 0;
	if (!cat)
		return s->providers_slot.status;
	n = providers_count(cat);
	*out = xcalloc(n + 1, sizeof **out);
	*count = providers_filter(cat, text ? text : "", *out, n);
	if (*count > n)
		*count = n;
	return STATUS_OK;
}
