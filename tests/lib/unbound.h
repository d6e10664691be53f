/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A validating resolver for tests: Unbound on 127.0.0.1 and a free
 * port, sending the test zones' questions to nsd (stub zones) and
 * validating them against trust anchors the test made, with zones signed
 * by ldns-signzone. Stopped by unbound_stop() or when the test process
 * dies. */
#ifndef DMARCPILOT_TEST_UNBOUND_H
#define DMARCPILOT_TEST_UNBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct unbound_server {
	pid_t pid;
	int port;
	char *dir;
	char *address; /* "127.0.0.1:PORT", for --resolver */
};

/* True when unbound, ldns-keygen and ldns-signzone are installed. */
bool unbound_available(void);

/* Signs the zone text of name (with a fresh KSK and ZSK, in dir) and
 * returns the signed zone text; *ds receives the KSK's DS record, the
 * trust anchor. NULL (saying why) if signing fails. Caller frees. */
char *unbound_sign_zone(const char *dir, const char *name, const char *text,
			char **ds);

/* Starts Unbound with the trust anchors (DS records, one a line), the
 * zones to ask nsd_address ("127.0.0.1:PORT") about, and waits until it
 * accepts. False (saying why) if it cannot. */
bool unbound_start(struct unbound_server *server, const char *anchors,
		   const char *const *zones, size_t nzones,
		   const char *nsd_address);

/* Stops it and removes its directory; safe to call twice. */
void unbound_stop(struct unbound_server *server);

#endif
