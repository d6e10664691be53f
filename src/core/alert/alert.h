/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The channels `monitor` sends alerts through, all spoken by libcurl or
 * a local program: mail by SMTP submission (RFC 6409, STARTTLS and AUTH)
 * or by the local sendmail, and an HTTP POST of a body to a webhook.
 * Nothing here knows what an alert is: it formats and delivers text. */
#ifndef DMARCPILOT_ALERT_H
#define DMARCPILOT_ALERT_H

#include <stddef.h>
#include <time.h>

#include "util/status.h"

/* How the connection to the submission server is protected. */
enum alert_tls {
	ALERT_TLS_IMPLICIT, /* smtps:// (port 465) */
	ALERT_TLS_STARTTLS, /* smtp:// with STARTTLS, required */
	ALERT_TLS_NONE,     /* smtp:// in plain text */
};

/* A submission server. The strings are borrowed; the password is given
 * to libcurl only for the one call and never put in a message. */
struct alert_smtp {
	const char *host;
	int port;
	enum alert_tls tls;
	const char *user;     /* AUTH as this user, or NULL */
	const char *password; /* with user */
	const char *ca_file;  /* extra trusted CAs (PEM), or NULL */
	long timeout_seconds; /* connect and stall limit; 0 for 30 */
};

/* A whole RFC 5322 message with CRLF line ends: Date (now), From, To,
 * Subject (RFC 2047 encoded when it is not ASCII), Message-ID,
 * MIME-Version and a UTF-8 text/plain body. Control characters are
 * taken out of the subject so that nothing can add a header. Caller
 * frees. */
char *alert_mail_format(const char *from, const char *const *to, size_t nto,
			const char *subject, const char *body, time_t now);

/* Submits message (from alert_mail_format()) to every recipient through
 * server. Errors name host:port and what the server said, never the
 * password. */
enum status alert_smtp_send(const struct alert_smtp *server, const char *from,
			    const char *const *to, size_t nto,
			    const char *message, struct err *err);

/* Hands message to the local sendmail program (path), which delivers it
 * to the recipients; STATUS_IO naming the program when it cannot be run
 * or exits with an error. */
enum status alert_sendmail(const char *program, const char *from,
			   const char *const *to, size_t nto,
			   const char *message, struct err *err);

/* POSTs body as application/json to url (http or https only, no
 * redirects); anything but a 2xx answer is an error. what names the
 * channel in messages ("webhook ops (hooks.example)"): the URL itself
 * may hold a token and is never printed. */
enum status alert_http_post(const char *url, const char *what,
			    const char *ca_file, const char *body,
			    long timeout_seconds, struct err *err);

#endif
