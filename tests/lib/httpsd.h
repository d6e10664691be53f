/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An HTTPS server on 127.0.0.1 and a free port for tests (python3's
 * http.server and ssl), with a test CA and certificates made at start by
 * openssl: one certificate per host name, chosen by SNI, some of them
 * expired on purpose. Stopped by httpsd_stop(), at exit, or when the
 * test process dies. */
#ifndef DMARCPILOT_TEST_HTTPSD_H
#define DMARCPILOT_TEST_HTTPSD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One host and the one file it serves. */
struct httpsd_site {
	const char *host; /* "mta-sts.example.test" */
	const char *path; /* "/.well-known/mta-sts.txt" */
	const char *body;
	const char *content_type; /* NULL: "text/plain" */
	int status;               /* 0: 200 */
	bool expired;             /* its certificate expired yesterday */
};

struct httpsd_server {
	pid_t pid;
	int port;
	char *dir;    /* scratch: CA, keys, certificates, site list */
	char *cafile; /* the test CA's certificate, for the client */
};

/* True when python3 and openssl are installed. */
bool httpsd_available(void);

/* Makes the CA and certificates, starts the server and waits until it
 * accepts connections. False (and says why on stderr) if it cannot. */
bool httpsd_start(struct httpsd_server *server, const struct httpsd_site *sites,
		  size_t count);

/* A certificate for host signed by the server's CA in dir (the
 * server's ->dir), valid for two days or expired since yesterday; its
 * files are dir/N.pem and dir/N.key (N counts past the sites, so that
 * other test servers share the CA). */
bool httpsd_make_cert(const char *dir, size_t n, const char *host,
		      bool expired);

/* True once something accepts TCP on the IPv4 address and port. */
bool httpsd_accepts(const char *address, int port);

/* Stops the server and removes its directory; safe to call twice. */
void httpsd_stop(struct httpsd_server *server);

#endif
