/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A real BIND named on 127.0.0.1, the primary of one zone, taking
 * dynamic updates (RFC 2136) signed with a TSIG key made by
 * tsig-keygen, and notifying a secondary; stopped by bind_stop(), at
 * exit, or when the test process dies. */
#ifndef DMARCPILOT_TEST_BIND_H
#define DMARCPILOT_TEST_BIND_H

#include <stdbool.h>
#include <sys/types.h>

struct bind_server {
	pid_t pid;
	int port;
	char *dir;      /* scratch directory: named.conf, the zone, the log */
	char *address;  /* "127.0.0.1:PORT" */
	char *key_path; /* the key file tsig-keygen wrote, mode 0600 */
	char *key_name; /* "dmarcpilot-test" */
	unsigned sentinels; /* queries of bind_query_count() so far */
};

/* True when named and tsig-keygen are installed. */
bool bind_available(void);

/* Starts named on 127.0.0.1:port (0: a free port) as the primary of
 * zone (zone file text), with an update-policy that lets the key change
 * TXT records in the zone, and NOTIFY and zone transfers to secondary
 * (an IPv4 address; on the same port), or none when NULL. Waits until
 * it answers the zone's SOA. False (with named's log printed) when it
 * cannot. */
bool bind_start(struct bind_server *server, const char *zone, const char *text,
		int port, const char *secondary);

/* As bind_start(), but the key may change only what grant says, an
 * update-policy rule without its identity ("name example.test. TXT"
 * lets it change the apex's TXT records and nothing else); NULL is
 * bind_start()'s "zonesub TXT". */
bool bind_start_grant(struct bind_server *server, const char *zone,
		      const char *text, int port, const char *secondary,
		      const char *grant);

/* Stops named and removes its directory; safe to call twice. */
/* As bind_start_grant(), with a key of algorithm ("hmac-sha512", ...,
 * as tsig-keygen -a takes it) instead of hmac-sha256. */
bool bind_start_key(struct bind_server *server, const char *zone,
		    const char *text, int port, const char *secondary,
		    const char *grant, const char *algorithm);

/* How many queries for name (no final dot) and type ("TXT") named
 * has had, from its query log: with rd 1 those with recursion desired,
 * 0 those without, -1 all; every query answered before the call is
 * counted. -1 when the log cannot be read. */
int bind_query_count(struct bind_server *server, const char *name,
		     const char *type, int rd);

void bind_stop(struct bind_server *server);

#endif
