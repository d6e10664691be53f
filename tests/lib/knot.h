/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A real Knot DNS (knotd) on a loopback address, the secondary of one
 * zone, which it takes from a primary by zone transfer when that
 * notifies it (RFC 1996); stopped by knot_stop(), at exit, or when the
 * test process dies. */
#ifndef DMARCPILOT_TEST_KNOT_H
#define DMARCPILOT_TEST_KNOT_H

#include <stdbool.h>
#include <sys/types.h>

struct knot_server {
	pid_t pid;
	int port;
	char *dir;     /* scratch directory: knot.conf, storage, the log */
	char *address; /* "ADDR:PORT" */
};

/* True when knotd is installed. */
bool knot_available(void);

/* Starts knotd on ip:port as the secondary of zone, its primary at
 * primary_ip:port (which must allow the transfer and notify ip), and
 * waits until it serves the zone (the first transfer done). False
 * (with knotd's log printed) when it cannot. */
bool knot_start(struct knot_server *server, const char *zone, const char *ip,
		int port, const char *primary_ip);

/* Stops knotd and removes its directory; safe to call twice. */
void knot_stop(struct knot_server *server);

#endif
