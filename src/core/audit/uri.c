/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Checks of report and logo URIs. */
#include "config.h"

#include "audit/uri.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/xalloc.h"

/* True when every octet is printable ASCII other than space. */
static bool graphic(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* RFC 3986 3.2.2: a reg-name of letters, digits, "-" and "." (what a
 * mail or web host is), or an IP literal in brackets. */
static bool host_valid(const char *s, size_t n)
{
	if (n == 0)
		return false;
	if (s[0] == '[')
		return n > 2 && s[n - 1] == ']';
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

/* The authority of an https URI: from after "//" to the path. */
static bool https_parts(const char *uri, const char **host, size_t *n)
{
	const char *p, *end, *colon;

	if (!text_ieqn(uri, "https://", 8))
		return false;
	p = uri + 8;
	end = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(end - p)))
		return false; /* no user info in a report or logo URI */
	colon = NULL;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (!rb)
			return false;
		if (rb + 1 < end)
			colon = rb + 1;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
	}
	if (colon) {
		if (*colon != ':' || colon + 1 == end)
			return false;
		for (const char *d = colon + 1; d < end; d++)
			if (!isdigit((unsigned char)*d))
				return false;
	}
	*host = p;
	*n = (size_t)((colon ? colon : end) - p);
	return host_valid(*host, *n);
}

/* Checks a report or logo URI. */
bool uri_report_valid(const char *uri, bool mailto)
{
	const char *host;
	size_t n;

	if (!graphic(uri))
		return false;
	if (mailto && text_ieqn(uri, "mailto:", 7)) {
		const char *at = strrchr(uri + 7, '@');
		const char *dom;

		if (!at || at == uri + 7)
			return false;
		dom = at + 1;
		return host_valid(dom, strcspn(dom, "?"));
	}
	return https_parts(uri, &host, &n);
}

/* The host of an https URI. */
char *uri_https_host(const char *uri)
{
	const char *host;
	size_t n;

	if (!graphic(uri) || !https_parts(uri, &host, &n))
		return NULL;
	return text_lower(xstrndup(host, n));
}
