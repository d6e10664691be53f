/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lists of owned strings: appending and freeing. */
#include "config.h"

#include "util/strlist.h"

#include <stdlib.h>

#include "util/xalloc.h"

/* Appends a string to a growing list. */
void strlist_add(char ***list, size_t *count, char *s)
{
	*list = xrealloc(*list, (*count + 1) * sizeof **list);
	(*list)[(*count)++] = s;
}

/* Frees a list of strings. */
void strlist_free(char **list, size_t count)
{
	for (size_t i = 0; list && i < count; i++)
		free(list[i]);
	free(list);
}
