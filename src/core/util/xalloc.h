/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Allocators that abort with a message when memory is exhausted, so that
 * callers never handle NULL from them. */
#ifndef DMARCPILOT_XALLOC_H
#define DMARCPILOT_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

/* Each returns memory the caller frees with free(). */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows an array of *capacity elements of size bytes to hold at least
 * need elements; returns the (possibly moved) array. */
void *xgrow(void *array, size_t *capacity, size_t need, size_t size);
char *xstrdup(const char *s);
/* NULL in, NULL out. */
char *xstrdup_or_null(const char *s);
char *xstrndup(const char *s, size_t n);
/* A copy of n octets (NULs included) and a terminating NUL. */
char *xmemdup(const void *p, size_t n);
char *xasprintf(const char *format, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *format, va_list ap)
    __attribute__((format(printf, 1, 0)));

#endif
