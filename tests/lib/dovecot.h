/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A real Dovecot IMAP server on 127.0.0.1, with a private configuration,
 * one passwd-file user and a self-signed certificate made at start; it
 * offers IMAP with STARTTLS and IMAPS. Stopped by dovecot_stop(), at
 * exit, or when the test process dies. */
#ifndef DMARCPILOT_TEST_DOVECOT_H
#define DMARCPILOT_TEST_DOVECOT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct dovecot_server {
	pid_t pid;
	int imap_port;  /* IMAP, STARTTLS offered */
	int imaps_port; /* IMAP over TLS */
	char *dir;      /* scratch directory: configuration, mail, keys */
	char *cert;     /* the server's certificate (its own CA), PEM */
	const char *user, *password;
};

/* True when dovecot and openssl are installed. */
bool dovecot_available(void);

/* Starts Dovecot and waits until both ports greet. Returns false, and
 * prints why with Dovecot's log, if it cannot. */
bool dovecot_start(struct dovecot_server *server);

/* Stops the server and removes its directory; safe to call twice. */
void dovecot_stop(struct dovecot_server *server);

/* Appends a message (CRLF or LF lines) to a folder, creating the folder
 * first when create is true. */
bool dovecot_append(struct dovecot_server *server, const char *folder,
		    const char *message, bool create);

/* Runs one IMAP command (e.g. "STATUS INBOX (MESSAGES)") and returns the
 * untagged answer, or NULL on failure. Caller frees. */
char *dovecot_command(struct dovecot_server *server, const char *command);

/* The number of messages in a folder, or -1. */
long dovecot_count(struct dovecot_server *server, const char *folder);

#endif
