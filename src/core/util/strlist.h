/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lists of strings the list owns: an array of char * with its count kept
 * beside it (names, addresses, selectors, reasons), grown one string at
 * a time and freed as a whole. */
#ifndef DMARCPILOT_STRLIST_H
#define DMARCPILOT_STRLIST_H

#include <stddef.h>

/* Appends s to *list, which holds *count strings; the list owns s from
 * then on. *list may be NULL when *count is 0. */
void strlist_add(char ***list, size_t *count, char *s);

/* Frees the count strings of list and list itself; list may be NULL. */
void strlist_free(char **list, size_t count);

#endif
