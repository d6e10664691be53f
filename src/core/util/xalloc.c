/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reports exhaustion and stops: there is nothing sensible to go on with. */
static void xalloc_die(void)
{
	fputs("dmarcpilot: out of memory\n", stderr);
	abort();
}

/* malloc that never returns NULL. */
void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		xalloc_die();
	return p;
}

/* calloc that never returns NULL. */
void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (!p)
		xalloc_die();
	return p;
}

/* realloc that never returns NULL. */
void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		xalloc_die();
	return p;
}

/* Doubles an array's capacity until need elements fit. */
void *xgrow(void *array, size_t *capacity, size_t need, size_t size)
{
	size_t cap = *capacity;

	if (need <= cap)
		return array;
	if (cap < 8)
		cap = 8;
	while (cap < need) {
		if (cap > ((size_t)-1) / 2 / size)
			xalloc_die();
		cap *= 2;
	}
	*capacity = cap;
	return xrealloc(array, cap * size);
}

/* strdup that never returns NULL. */
char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* xstrdup that passes NULL through. */
char *xstrdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* strndup that never returns NULL. */
char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Copies n octets that may hold NULs, adding a terminating NUL. */
char *xmemdup(const void *p, size_t n)
{
	char *out = xmalloc(n + 1);

	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

/* vasprintf that never returns NULL. */
char *xvasprintf(const char *format, va_list ap)
{
	char *s;

	if (vasprintf(&s, format, ap) < 0)
		xalloc_die();
	return s;
}

/* asprintf that never returns NULL. */
char *xasprintf(const char *format, ...)
{
	va_list ap;
	char *s;

	va_start(ap, format);
	s = xvasprintf(format, ap);
	va_end(ap);
	return s;
}
