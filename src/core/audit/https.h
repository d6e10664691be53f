/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTPS GETs for the audit (the MTA-STS policy, RFC 8461 3.3) on the
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
	const char *host;          /* "mta-sts.example.com" */
	int port;                  /* 0 means 443 */
	const char *path;          /* "/.well-known/mta-sts.txt" */
	const char *const *addresses; /* where host is, as text */
	size_t naddresses;
	const char *cafile;        /* a CA bundle in place of the system's,
				      or NULL */
	size_t max_size;           /* a larger body fails the request */
	long timeout_ms;           /* the whole request; 0 means 10 s */
};

/* What came back. error is NULL when an HTTP response arrived (any
 * status); otherwise it says why not, in libcurl's words (a certificate
 * problem, a refused connection, a timeout, a body over max_size). */
struct https_response {
	const char *url;
	long status;        /* the HTTP status, 0 without a response */
	const char *content_type; /* or NULL */
	const char *body;   /* NUL-terminated; len octets (any octet) */
	size_t len;
	const char *error;
};

/* Called once per request, from https_process() or https_cancel_all();
 * the response is freed when it returns. */
typedef void (*https_callback)(void *arg, const struct https_response *r);

/* A fetcher; NULL (with a message in *error, static) when libcurl
 * cannot start. Free with https_free(), which cancels what is left. */
struct https *https_new(const char **error);
void https_free(struct https *h);

/* Starts a GET of https://host[:port]path with certificate and host name
 * verification, no redirects, no proxy. */
void https_get(struct https *h, const struct https_request *req,
	       https_callback cb, void *arg);

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
