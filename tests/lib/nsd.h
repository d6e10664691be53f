/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A real nsd on 127.0.0.1 and a free port, serving zones a test writes;
 * stopped by nsd_stop(), at exit, or when the test process dies. */
#ifndef DMARCPILOT_TEST_NSD_H
#define DMARCPILOT_TEST_NSD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct nsd_zone {
	const char *name; /* "example.com" */
	const char *text; /* the zone file; should start with $ORIGIN/SOA */
};

struct nsd_server {
	pid_t pid;
	int port;
	char *dir;     /* scratch directory with nsd.conf and zones */
	char *address; /* "127.0.0.1:PORT", for --resolver */
};

/* Starts nsd with the zones and waits until it answers on TCP and
 * answers a UDP query for each zone. Returns
 * false (and prints why, with nsd's log) if it cannot; tests then fail,
 * or skip when nsd is not installed (nsd_available()). */
bool nsd_start(struct nsd_server *server, const struct nsd_zone *zones,
	       size_t count);

/* nsd_start() with nsd's response rate limit on (RRL, nsd.conf(5)): of
 * the answers of one kind (say NXDOMAIN in one zone) to 127.0.0.1's /24,
 * at most ratelimit a second are sent and the rest dropped, none
 * replaced by a truncated answer: a real server that loses answers. */
bool nsd_start_lossy(struct nsd_server *server, const struct nsd_zone *zones,
		     size_t count, int ratelimit);

/* Replaces the text of one of the server's zones (zone->name as
 * started) and has nsd reload it (SIGHUP); waits until its SOA answers
 * serial, which the new text must carry. False (with nsd's log) if it
 * does not within a minute. */
bool nsd_reload(struct nsd_server *server, const struct nsd_zone *zone,
		long serial);

/* Stops the server and starts it again on the same port with other
 * zones (a zone edited and reloaded, as an operator publishes a
 * record); false as nsd_start(). */
bool nsd_restart(struct nsd_server *server, const struct nsd_zone *zones,
		 size_t count);

/* True when the nsd binary is installed. */
bool nsd_available(void);

/* Stops the server and removes its directory; safe to call twice. */
void nsd_stop(struct nsd_server *server);

/* A port on 127.0.0.1 free for both UDP and TCP right now. */
int nsd_free_port(void);

/* Asks ip:port over UDP for the SOA of zone: true, with the serial in
 * *serial (may be NULL), when an authoritative NOERROR answer holds it
 * (within 200 ms). For waiting on a server's state. */
bool nsd_soa_serial(const char *ip, int port, const char *zone,
		    uint32_t *serial);

/* A minimal SOA + NS preamble for zone text: "$ORIGIN name.\n$TTL 300\n@
 * SOA ...\n@ NS ns1.name.\nns1 A 127.0.0.1\n". Caller frees. */
char *nsd_zone_preamble(const char *name);

#endif
