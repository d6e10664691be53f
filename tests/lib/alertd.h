/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The servers `monitor` sends alerts to, started on 127.0.0.1 for tests:
 * a real SMTP submission server (python3-aiosmtpd) that requires
 * STARTTLS and AUTH and keeps each message in a folder, and a small HTTP
 * server (python3's http.server) that records each body POSTed to it and
 * answers with a status the test sets. Each prints the port it bound
 * once it accepts connections, which the start waits for. Stopped by
 * the stop functions, or when the test process dies. */
#ifndef DMARCPILOT_TEST_ALERTD_H
#define DMARCPILOT_TEST_ALERTD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A python server and its scratch folder. */
struct alertd_server {
	pid_t pid;
	int port;
	char *dir;  /* what it received */
	char *cert; /* SMTP: its self-signed certificate (PEM) */
	const char *user, *password; /* SMTP: the one login */
};

/* True when /usr/bin/python3 has aiosmtpd, and openssl is installed. */
bool alert_smtpd_available(void);

/* Starts the SMTP server; false, saying why, if it cannot. */
bool alert_smtpd_start(struct alertd_server *server);

/* Starts the webhook server; false, saying why, if it cannot. */
bool webhookd_start(struct alertd_server *server);

/* The status the webhook server answers from now on. */
void webhookd_set_status(struct alertd_server *server, int status);

/* How many messages (SMTP) or bodies (webhook) arrived so far. */
size_t alertd_count(const struct alertd_server *server);

/* The n-th (from 1) message or body, or NULL; ext is "eml", "env",
 * "json" or "status". Caller frees. */
char *alertd_read(const struct alertd_server *server, size_t n,
		  const char *ext);

/* Stops a server and removes its folder; safe to call twice. */
void alertd_stop(struct alertd_server *server);

#endif
