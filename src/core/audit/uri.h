/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The URIs the policy records point at: where TLS reports go (RFC 8460
 * 3: mailto: or https:), where a BIMI logo and certificate are fetched
 * (https: only). */
#ifndef DMARCPILOT_URI_H
#define DMARCPILOT_URI_H

#include <stdbool.h>

/* True for "https://HOST[:PORT][/...]" with a host name or bracketed
 * IPv6 address, and, when mailto is true, for "mailto:LOCAL@DOMAIN"
 * (schemes without case). Only printable ASCII without spaces. */
bool uri_report_valid(const char *uri, bool mailto);

/* The host of an https: URI (lower case), or NULL. Caller frees. */
char *uri_https_host(const char *uri);

#endif
