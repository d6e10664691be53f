/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What `check --smtp` learns from each MX host: whether it offers
 * STARTTLS (RFC 3207), and its certificate's chain, names and expiry,
 * judged as a sender that verifies (MTA-STS, RFC 8461 4.2) would. The
 * dialogue itself is libcurl's (https_smtp_starttls()). */
#ifndef DMARCPILOT_SMTP_TLS_H
#define DMARCPILOT_SMTP_TLS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "audit/https.h"
#include "audit/mta_sts.h"
#include "util/finding.h"
#include "util/strbuf.h"

/* One MX host's probe; every string owned, cleaned of control
 * characters; free with smtp_tls_result_free(). */
struct smtp_tls_result {
	char *host;
	char *address;
	int port;
	char *error;       /* why the dialogue failed, or NULL */
	bool starttls;     /* offered, and the handshake completed */
	char *tls_version; /* "TLSv1.3", or NULL */
	bool has_cert;     /* a certificate came (even if TLS then failed) */
	char *subject;     /* RFC 2253 form */
	char *issuer;
	char **names; /* its DNS subjectAltNames */
	size_t nnames;
	char *not_after;    /* "2027-01-01T00:00:00Z" */
	bool expired;       /* not_after is before now */
	bool name_ok;       /* valid for host (RFC 6125, as X509_check_host) */
	bool trusted;       /* chains to a trusted CA (expiry apart) */
	char *verify_error; /* OpenSSL's words when not trusted, or NULL */
};

/* Makes the result of a finished probe of host at address:port; now is
 * the clock for expiry. Never NULL. */
struct smtp_tls_result *smtp_tls_result_new(const char *host,
					    const char *address, int port,
					    const struct smtp_tls_response *r,
					    time_t now);
void smtp_tls_result_free(struct smtp_tls_result *r);

/* Adds the host's findings to f: smtp.unreachable, smtp.no_starttls,
 * smtp.tls_failed, smtp.cert_expired, smtp.cert_name,
 * smtp.cert_untrusted; and smtp.mta_sts_cert when the domain's MTA-STS
 * policy (mode; MTA_STS_MODE_UNSET for none) would make senders refuse
 * the host. */
void smtp_tls_findings(const struct smtp_tls_result *r,
		       enum mta_sts_mode sts_mode, struct findings *f);

/* True when a sender that verifies would deliver over TLS. */
bool smtp_tls_valid(const struct smtp_tls_result *r);

/* The --json object: host, address, port, error, starttls, tls_version,
 * certificate (subject, issuer, names, not_after, expired, name_matches,
 * trusted, verify_error; null without one). */
json_t *smtp_tls_result_to_json(const struct smtp_tls_result *r);

/* One indented line (and a second for the certificate) for the text
 * report. */
void smtp_tls_text(struct strbuf *sb, const struct smtp_tls_result *r);

#endif
