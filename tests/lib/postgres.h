/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A real PostgreSQL server on 127.0.0.1 and a free port, in a scratch
 * directory made by initdb, run as an unprivileged user when the tests
 * run as root; stopped by postgres_stop(), at exit, or when the test
 * process dies. */
#ifndef DMARCPILOT_TEST_POSTGRES_H
#define DMARCPILOT_TEST_POSTGRES_H

#include <stdbool.h>
#include <sys/types.h>

struct postgres_server {
	pid_t pid;
	int port;
	char *dir;      /* scratch: data/, the socket, the log */
	char *password; /* of the superuser "dmarcpilot" */
	char
	    *uri; /* postgresql://dmarcpilot:PASSWORD@127.0.0.1:PORT/postgres */
};

/* True when initdb and postgres are installed. */
bool postgres_available(void);

/* Makes a cluster, starts the server and waits until it accepts
 * connections. Returns false (and prints why, with the server's log) if
 * it cannot. */
bool postgres_start(struct postgres_server *server);

/* Creates a new, empty database and returns its URI (caller frees). */
char *postgres_create_db(struct postgres_server *server, const char *name);

/* Stops the server at once and removes its directory; safe twice. */
void postgres_stop(struct postgres_server *server);

#endif
