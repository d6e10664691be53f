/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SMTP servers for tests (python3-aiosmtpd, tests/lib/smtpd.py): one per
 * loopback address on one free port, each offering STARTTLS with a
 * certificate made at start by the HTTPS test server's CA, or offering
 * none. Stopped by smtpd_stop() or when the test process dies. */
#ifndef DMARCPILOT_TEST_SMTPD_H
#define DMARCPILOT_TEST_SMTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One server. */
struct smtpd_host {
	const char *address;   /* "127.0.0.2" */
	const char *cert_name; /* the name in its certificate; NULL: no
				  STARTTLS */
	bool expired;          /* the certificate expired yesterday */
};

struct smtpd_server {
	pid_t pid;
	int port;
};

/* True when python3-aiosmtpd is installed. */
bool smtpd_available(void);

/* Makes the certificates with the CA in ca_dir (an httpsd_server's
 * dir; file numbers from first_cert on), starts the servers and waits
 * until each accepts. False (saying why) if it cannot. */
bool smtpd_start(struct smtpd_server *server, const char *ca_dir,
		 size_t first_cert, const struct smtpd_host *hosts,
		 size_t count);

/* Stops the servers; safe to call twice. */
void smtpd_stop(struct smtpd_server *server);

#endif
