/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MX hosts' STARTTLS and certificates, judged with OpenSSL. */
#include "config.h"

#include "audit/smtp_tls.h"

#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* An X509 name in RFC 2253 form, cleaned for display. */
static char *name_text(const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *out;
	long len;

	if (!bio)
		return xstrdup("");
	X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
	len = BIO_get_mem_data(bio, &data);
	out = text_clean(data ? data : "", len > 0 ? (size_t)len : 0);
	BIO_free(bio);
	return out;
}

/* The DNS subjectAltNames of the certificate. */
static void alt_names(X509 *cert, struct smtp_tls_result *r)
{
	GENERAL_NAMES *gens =
	    X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int n = gens ? sk_GENERAL_NAME_num(gens) : 0;

	for (int i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;

		if (g->type != GEN_DNS)
			continue;
		s = g->d.dNSName;
		strlist_add(&r->names, &r->nnames,
			    text_clean((const char *)ASN1_STRING_get0_data(s),
				       (size_t)ASN1_STRING_length(s)));
	}
	GENERAL_NAMES_free(gens);
}

/* Reads what the certificate says and how it verified. */
static void cert_read(struct smtp_tls_result *r, X509 *cert, long verify_error,
		      time_t now)
{
	const ASN1_TIME *na = X509_get0_notAfter(cert);
	struct tm tm;

	r->has_cert = true;
	r->subject = name_text(X509_get_subject_name(cert));
	r->issuer = name_text(X509_get_issuer_name(cert));
	alt_names(cert, r);
	if (na && ASN1_TIME_to_tm(na, &tm) == 1) {
		char buf[32];

		strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
		r->not_after = xstrdup(buf);
	}
	r->expired = !na || X509_cmp_time(na, &now) < 0;
	/* RFC 8461 4.2 and RFC 6125: the name a sender looked up, the MX
	 * host, must be among the certificate's names. */
	r->name_ok =
	    X509_check_host(cert, r->host, strlen(r->host), 0, NULL) == 1;
	/* OpenSSL builds the chain to a trust anchor before it checks
	 * dates, so an expired certificate has a trusted chain. */
	r->trusted = verify_error == X509_V_OK ||
		     verify_error == X509_V_ERR_CERT_HAS_EXPIRED;
	if (!r->trusted)
		r->verify_error =
		    xstrdup(X509_verify_cert_error_string(verify_error));
}

/* Makes the result of one probe. */
struct smtp_tls_result *
smtp_tls_result_new(const char *host, const char *address, int port,
		    const struct smtp_tls_response *resp, time_t now)
{
	struct smtp_tls_result *r = xcalloc(1, sizeof *r);

	r->host = xstrdup(host);
	r->address = xstrdup(address);
	r->port = port;
	if (resp->error)
		r->error = text_clean_str(resp->error);
	r->starttls = resp->tls;
	if (resp->tls_version)
		r->tls_version = xstrdup(resp->tls_version);
	if (resp->cert)
		cert_read(r, resp->cert, resp->verify_error, now);
	return r;
}

/* Frees a result. */
void smtp_tls_result_free(struct smtp_tls_result *r)
{
	if (!r)
		return;
	strlist_free(r->names, r->nnames);
	free(r->host);
	free(r->address);
	free(r->error);
	free(r->tls_version);
	free(r->subject);
	free(r->issuer);
	free(r->not_after);
	free(r->verify_error);
	free(r);
}

/* Whether a verifying sender would deliver over TLS. */
bool smtp_tls_valid(const struct smtp_tls_result *r)
{
	return r->starttls && r->has_cert && r->trusted && !r->expired &&
	       r->name_ok;
}

/* Names the host as the finding's record and adds the advice. */
static struct finding *about_host(struct finding *x,
				  const struct smtp_tls_result *r,
				  const char *advice)
{
	finding_set_record(x, r->host);
	finding_set_advice(x, advice);
	return x;
}

/* The host's findings. */
void smtp_tls_findings(const struct smtp_tls_result *r,
		       enum mta_sts_mode sts_mode, struct findings *f)
{
	struct finding *x;

	if (r->error && !r->has_cert) {
		about_host(findings_add(f, F_SMTP_UNREACHABLE,
					_("The MX host %s could not be asked "
					  "for STARTTLS: %s"),
					r->host, r->error),
			   r,
			   _("Check that the host accepts SMTP on port "
			     "25 from here; many networks block it."));
		return;
	}
	if (r->error) {
		about_host(findings_add(f, F_SMTP_TLS_FAILED,
					_("The TLS handshake with the MX host "
					  "%s failed: %s"),
					r->host, r->error),
			   r,
			   _("Fix the host's TLS set-up: senders fall "
			     "back to clear text or defer the mail."));
	} else if (!r->starttls) {
		/* RFC 3207: without STARTTLS mail to the host crosses
		 * the network in clear text. */
		about_host(findings_add(f, F_SMTP_NO_STARTTLS,
					_("The MX host %s does not offer "
					  "STARTTLS: mail to it travels "
					  "unencrypted."),
					r->host),
			   r,
			   _("Enable STARTTLS (RFC 3207) with a "
			     "certificate for the host's name."));
	}
	if (r->has_cert && r->expired)
		about_host(findings_add(f, F_SMTP_CERT_EXPIRED,
					_("The certificate of the MX host %s "
					  "expired on %s."),
					r->host,
					r->not_after ? r->not_after : "?"),
			   r, _("Renew the certificate."));
	if (r->has_cert && !r->name_ok)
		about_host(findings_add(f, F_SMTP_CERT_NAME,
					_("The certificate of the MX host %s "
					  "does not name it."),
					r->host),
			   r,
			   _("Use a certificate whose subjectAltName "
			     "holds the MX host name."));
	if (r->has_cert && !r->trusted)
		about_host(
		    findings_add(f, F_SMTP_CERT_UNTRUSTED,
				 _("The certificate of the MX host %s "
				   "does not chain to a trusted CA "
				   "(%s)."),
				 r->host,
				 r->verify_error ? r->verify_error : "?"),
		    r,
		    _("Use a certificate from a public CA; "
		      "senders that verify (MTA-STS) refuse "
		      "others."));
	/* RFC 8461 4.2: with a policy in force, a sender delivers only
	 * over TLS with a valid certificate for the MX host. */
	if (sts_mode == MTA_STS_MODE_ENFORCE && !smtp_tls_valid(r))
		about_host(findings_add(f, F_SMTP_MTA_STS_CERT,
					_("Senders that honour the MTA-STS "
					  "policy (mode enforce) refuse to "
					  "deliver to %s: it has no valid "
					  "TLS."),
					r->host),
			   r,
			   _("Give the host STARTTLS with a trusted, "
			     "current certificate for its name."));
	if (sts_mode == MTA_STS_MODE_TESTING && !smtp_tls_valid(r)) {
		x = about_host(findings_add(f, F_SMTP_MTA_STS_CERT,
					    _("Senders that honour the "
					      "MTA-STS policy (mode testing) "
					      "report failures for %s: it "
					      "has no valid TLS."),
					    r->host),
			       r,
			       _("Give the host STARTTLS with a trusted, "
				 "current certificate for its name "
				 "before the policy enforces."));
		x->severity = SEVERITY_WARNING;
	}
}

/* A string or null. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The --json object of a probe. */
json_t *smtp_tls_result_to_json(const struct smtp_tls_result *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "host", json_string(r->host));
	json_object_set_new(o, "address", json_string(r->address));
	json_object_set_new(o, "port", json_integer(r->port));
	json_object_set_new(o, "error", str_or_null(r->error));
	json_object_set_new(o, "starttls", json_boolean(r->starttls));
	json_object_set_new(o, "tls_version", str_or_null(r->tls_version));
	if (r->has_cert) {
		json_t *c = json_object(), *names = json_array();

		for (size_t i = 0; i < r->nnames; i++)
			json_array_append_new(names, json_string(r->names[i]));
		json_object_set_new(c, "subject", json_string(r->subject));
		json_object_set_new(c, "issuer", json_string(r->issuer));
		json_object_set_new(c, "names", names);
		json_object_set_new(c, "not_after", str_or_null(r->not_after));
		json_object_set_new(c, "expired", json_boolean(r->expired));
		json_object_set_new(c, "name_matches",
				    json_boolean(r->name_ok));
		json_object_set_new(c, "trusted", json_boolean(r->trusted));
		json_object_set_new(c, "verify_error",
				    str_or_null(r->verify_error));
		json_object_set_new(o, "certificate", c);
	} else {
		json_object_set_new(o, "certificate", json_null());
	}
	return o;
}

/* The text lines of a probe. */
void smtp_tls_text(struct strbuf *sb, const struct smtp_tls_result *r)
{
	if (r->error && !r->has_cert) {
		strbuf_addf(sb, _("    SMTP %s:%d: %s\n"), r->address, r->port,
			    r->error);
		return;
	}
	strbuf_addf(sb, _("    SMTP %s:%d: %s\n"), r->address, r->port,
		    r->starttls ? (r->tls_version ? r->tls_version : "TLS")
				: _("no STARTTLS"));
	if (!r->has_cert)
		return;
	strbuf_addf(sb, _("    certificate %s, until %s: %s, %s, %s\n"),
		    r->subject, r->not_after ? r->not_after : "?",
		    r->trusted ? _("trusted") : _("untrusted"),
		    r->name_ok ? _("name matches") : _("name differs"),
		    r->expired ? _("expired") : _("current"));
}
