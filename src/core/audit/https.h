/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTPS GETs for the audit (the MTA-STS policy, RFC 8461 3.3), and
 * SMTP STARTTLS handshakes with the MX hosts (RFC 3207), on the
 * same poll() loop as the resolver: libcurl's multi interface driven
 * through its socket and timer callbacks, no threads, no waiting of its
 * own. Host names are never resolved by libcurl: the caller gives the
 * addresses its own resolver found (CURLOPT_RESOLVE). */
#ifndef DMARCPILOT_HTTPS_H
#define DMARCPILOT_HTTPS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

struct https;

/* One GET. Strings are copied; nothing needs to outlive https_get(). */
struct https_request {
	const char *host;             /* "mta-sts.example.com" */
	int port;                     /* 0 means 443 */
	const char *path;             /* "/.well-known/mta-sts.txt" */
	const char *const *addresses; /* where host is, as text */
	size_t naddresses;
	const char *cafile; /* a CA bundle in place of the system's,
				      or NULL */
	size_t max_size;    /* a larger body fails the request */
	long timeout_ms;    /* the whole request; 0 means 10 s */
};

/* What came back. error is NULL when an HTTP response arrived (any
 * status); otherwise it says why not, in libcurl's words (a certificate
 * problem, a refused connection, a timeout, a body over max_size). */
struct https_response {
	const char *url;
	long status;              /* the HTTP status, 0 without a response */
	const char *content_type; /* or NULL */
	const char *body;         /* NUL-terminated; len octets (any octet) */
	size_t len;
	const char *error;
};

/* Called once per request, from https_process() or https_cancel_all();
 * the response is freed when it returns. */
typedef void (*https_callback)(void *arg, const struct https_response *r);

/* One STARTTLS probe: connect, EHLO, STARTTLS when offered, the TLS
 * handshake, then QUIT; no mail is sent. Strings are copied. */
struct smtp_tls_request {
	const char *host;    /* the MX host: SNI, and what libcurl greets */
	const char *address; /* where it is, as text */
	int port;            /* 0 means 25 */
	const char *cafile;  /* a CA bundle in place of the system's, or
				NULL */
	long timeout_ms;     /* the whole probe; 0 means 10 s */
};

/* What the probe saw. error is NULL when the dialogue ended well (with
 * or without TLS); otherwise libcurl's words. cert is the server's
 * certificate (an OpenSSL X509 *, valid only during the callback) when
 * a TLS handshake started, else NULL; verify_error is OpenSSL's
 * X509_V_* code of the chain against the CA store (0: trusted). */
struct smtp_tls_response {
	const char *error;
	bool tls; /* STARTTLS was offered and the
				     handshake completed */
	struct x509_st *cert;
	long verify_error;
	const char *tls_version; /* "TLSv1.3", or NULL */
};

typedef void (*smtp_tls_callback)(void *arg, const struct smtp_tls_response *r);

/* A fetcher; NULL (with a message in *error, static) when libcurl
 * cannot start. Free with https_free(), which cancels what is left. */
struct https *https_new(const char **error);
void https_free(struct https *h);

/* Starts a GET of https://host[:port]path with certificate and host name
 * verification, no redirects, no proxy. */
void https_get(struct https *h, const struct https_request *req,
	       https_callback cb, void *arg);

/* Starts a STARTTLS probe through libcurl (SMTP, CONNECT_ONLY, TLS
 * tried when offered); the certificate is checked by the callback, not
 * by libcurl, so that an untrusted or misnamed one is still seen. */
void https_smtp_starttls(struct https *h, const struct smtp_tls_request *req,
			 smtp_tls_callback cb, void *arg);

/* The requests whose callback has not run. */
size_t https_pending(const struct https *h);

/* Poll integration, as for the resolver (dns.h): the sockets to wait on
 * (at most max), the longest sleep in ms (-1: none pending), and the
 * processing of what poll() reported (fds may be NULL on a timeout). */
size_t https_pollfds(struct https *h, struct pollfd *fds, size_t max);
int https_timeout_ms(struct https *h);
void https_process(struct https *h, const struct pollfd *fds, size_t nfds);

/* Ends every request; their callbacks run with an error. */
void https_cancel_all(struct https *h);

#endif
