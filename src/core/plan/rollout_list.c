/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The growing lists of strings the parts of the rollout plan fill
 * (reasons, due items, disowned sources): a leaf that every part calls
 * and that calls none of them. */
#include "config.h"

#include "plan/rollout_internal.h"

#include <stdlib.h>

#include "util/xalloc.h"

/* Appends a string to a growing list. */
void rollout_list_add(char ***list, size_t *count, char *s)
{
	*list = xrealloc(*list, (*count + 1) * sizeof **list);
	(*list)[(*count)++] = s;
}

/* Frees a list of strings. */
void rollout_list_free(char **list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(list[i]);
	free(list);
}
