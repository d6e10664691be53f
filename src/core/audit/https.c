/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTPS GETs and SMTP STARTTLS probes on the audit's poll loop,
 * through libcurl's multi API. */
#include "config.h"

#include "audit/https.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* One request in flight. */
struct transfer {
	struct https *h;
	CURL *easy;
	struct curl_slist *resolve;
	char *url;
	struct strbuf body;
	size_t max_size;
	bool too_big;
	https_callback cb;
	smtp_tls_callback smtp_cb; /* set for a STARTTLS probe */
	void *arg;
	X509 *cert;        /* the probe's server certificate, or NULL */
	char *cafile;      /* the probe's CA bundle, or NULL: the system's */
	long verify_error; /* X509_V_* of its chain */
	const char *tls_version; /* OpenSSL's static name, or NULL */
	char errbuf[CURL_ERROR_SIZE];
};

/* A socket libcurl asked us to watch. */
struct watch {
	curl_socket_t fd;
	short events;
};

struct https {
	CURLM *multi;
	struct watch *watches;
	size_t nwatches;
	int64_t timer_due; /* monotonic ms; -1 when no timer is set */
	struct transfer **transfers;
	size_t ntransfers;
};

/* Milliseconds on the monotonic clock. */
static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CURLMOPT_SOCKETFUNCTION: keeps the list of sockets and events. */
static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
		     void *socketp)
{
	struct https *h = userp;
	size_t i;

	for (i = 0; i < h->nwatches; i++)
		if (h->watches[i].fd == fd)
			break;
	if (what == CURL_POLL_REMOVE) {
		if (i < h->nwatches)
			h->watches[i] = h->watches[--h->nwatches];
		return 0;
	}
	if (i == h->nwatches) {
		h->watches = xrealloc(h->watches,
				      (h->nwatches + 1) * sizeof *h->watches);
		h->watches[h->nwatches++].fd = fd;
	}
	h->watches[i].events = (short)((what & CURL_POLL_IN ? POLLIN : 0) |
				       (what & CURL_POLL_OUT ? POLLOUT : 0));
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: when libcurl wants to be called again. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct https *h = userp;

	h->timer_due = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	return 0;
}

/* Creates the fetcher. */
struct https *https_new(const char **error)
{
	struct https *h;

	/* Safe to call more than once; libcurl counts. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*error = N_("libcurl could not start");
		return NULL;
	}
	h = xcalloc(1, sizeof *h);
	h->timer_due = -1;
	h->multi = curl_multi_init();
	if (!h->multi) {
		free(h);
		curl_global_cleanup();
		*error = N_("libcurl could not start");
		return NULL;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
}

/* CURLOPT_WRITEFUNCTION: keeps the body up to the limit. */
static size_t write_cb(char *data, size_t size, size_t n, void *userp)
{
	struct transfer *t = userp;
	size_t len = size * n;

	if (t->body.len + len > t->max_size) {
		t->too_big = true;
		return 0; /* libcurl fails the transfer */
	}
	strbuf_add(&t->body, data, len);
	return len;
}

/* Hands a finished STARTTLS probe to its callback. */
static void smtp_end(struct transfer *t, const char *error)
{
	struct smtp_tls_response r = { .error = error,
				       .cert = t->cert,
				       .verify_error = t->verify_error,
				       .tls_version = t->tls_version };

	/* The handshake reached the certificate; without an error it
	 * completed. */
	r.tls = !error && t->cert;
	t->smtp_cb(t->arg, &r);
}

/* Runs the callback of a finished transfer and frees it. */
static void transfer_end(struct transfer *t, const char *error)
{
	struct https *h = t->h;
	struct https_response r = { .url = t->url, .error = error };
	char *ctype = NULL;
	long status = 0;

	for (size_t i = 0; i < h->ntransfers; i++) {
		if (h->transfers[i] == t) {
			h->transfers[i] = h->transfers[--h->ntransfers];
			break;
		}
	}
	if (!error) {
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ctype);
		r.status = status;
		r.content_type = ctype;
		r.body = t->body.data ? t->body.data : "";
		r.len = t->body.len;
	} else {
		r.body = "";
	}
	if (t->easy)
		curl_multi_remove_handle(h->multi, t->easy);
	if (t->smtp_cb)
		smtp_end(t, error);
	else
		t->cb(t->arg, &r);
	if (t->easy)
		curl_easy_cleanup(t->easy);
	X509_free(t->cert);
	free(t->cafile);
	curl_slist_free_all(t->resolve);
	strbuf_done(&t->body);
	free(t->url);
	free(t);
}

/* Makes a transfer stillborn: drops its libcurl handle, so that the
 * next https_process() reports it as one libcurl could not start. */
static void transfer_stillborn(struct transfer *t)
{
	if (t->easy)
		curl_easy_cleanup(t->easy);
	t->easy = NULL;
	snprintf(t->errbuf, sizeof t->errbuf, "%s",
		 _("libcurl could not start a request"));
}

/* Adds a transfer to the set and makes its libcurl handle with what
 * every transfer sets: its URL and the one address it connects to,
 * the protocol, no proxy, the timeout (0: 10 s) and where errors go;
 * false when libcurl cannot, the failure then reported from the next
 * https_process(), never from here. */
static bool transfer_add(struct https *h, struct transfer *t,
			 const char *protocol, long timeout_ms)
{
	t->easy = curl_easy_init();
	h->transfers =
	    xrealloc(h->transfers, (h->ntransfers + 1) * sizeof *h->transfers);
	h->transfers[h->ntransfers++] = t;
	if (!t->easy || !t->resolve) {
		transfer_stillborn(t);
		return false;
	}
	curl_easy_setopt(t->easy, CURLOPT_URL, t->url);
	curl_easy_setopt(t->easy, CURLOPT_RESOLVE, t->resolve);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, protocol);
	/* No proxy from the environment: the host is reached where the
	 * domain's DNS names it, as a sending MTA would. */
	curl_easy_setopt(t->easy, CURLOPT_PROXY, "");
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS,
			 timeout_ms ? timeout_ms : 10000L);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	return true;
}

/* Hands a transfer, its options set, to the multi handle. */
static void transfer_start(struct https *h, struct transfer *t)
{
	if (curl_multi_add_handle(h->multi, t->easy) != CURLM_OK)
		transfer_stillborn(t);
}

/* Starts a GET. */
void https_get(struct https *h, const struct https_request *req,
	       https_callback cb, void *arg)
{
	struct transfer *t = xcalloc(1, sizeof *t);
	int port = req->port ? req->port : 443;
	struct strbuf entry = STRBUF_INIT;

	t->h = h;
	t->cb = cb;
	t->arg = arg;
	t->max_size = req->max_size;
	t->url = port == 443
		     ? xasprintf("https://%s%s", req->host, req->path)
		     : xasprintf("https://%s:%d%s", req->host, port, req->path);
	/* "HOST:PORT:ADDR[,ADDR]": libcurl connects there and resolves
	 * nothing itself. IPv6 addresses go in brackets. */
	strbuf_addf(&entry, "%s:%d:", req->host, port);
	for (size_t i = 0; i < req->naddresses; i++)
		strbuf_addf(&entry,
			    strchr(req->addresses[i], ':') ? "%s[%s]" : "%s%s",
			    i ? "," : "", req->addresses[i]);
	t->resolve = curl_slist_append(NULL, strbuf_str(&entry));
	strbuf_done(&entry);
	if (!transfer_add(h, t, "https", req->timeout_ms))
		return;
	/* RFC 8461 3.3: redirects are not followed. */
	curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(t->easy, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	if (req->cafile)
		curl_easy_setopt(t->easy, CURLOPT_CAINFO, req->cafile);
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT,
			 PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	transfer_start(h, t);
}

/* SSL_CTX_set_cert_verify_callback(): verifies the chain against the
 * store (the system's CAs, or the test's), keeps the certificate and the
 * result, and lets the handshake go on, so that the probe can say what
 * is wrong with a certificate instead of only that the handshake
 * failed. */
static int probe_verify(X509_STORE_CTX *xctx, void *arg)
{
	struct transfer *t = arg;
	X509 *cert = X509_STORE_CTX_get0_cert(xctx);
	SSL *ssl = X509_STORE_CTX_get_ex_data(
	    xctx, SSL_get_ex_data_X509_STORE_CTX_idx());

	t->verify_error = X509_verify_cert(xctx) == 1
			      ? X509_V_OK
			      : X509_STORE_CTX_get_error(xctx);
	if (cert && !t->cert && X509_up_ref(cert))
		t->cert = cert;
	/* The version is agreed in the hellos, before the certificate. */
	if (ssl)
		t->tls_version = SSL_get_version(ssl);
	return 1;
}

/* CURLOPT_SSL_CTX_FUNCTION: installs probe_verify() and gives it the
 * CAs, which libcurl loads only when it verifies itself. */
static CURLcode probe_ctx(CURL *easy, void *ctx, void *arg)
{
	struct transfer *t = arg;
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);

	(void)easy;
	if (t->cafile ? !X509_STORE_load_file(store, t->cafile)
		      : !X509_STORE_set_default_paths(store))
		ERR_clear_error(); /* then every chain is untrusted */
	SSL_CTX_set_cert_verify_callback(ctx, probe_verify, arg);
	return CURLE_OK;
}

/* Starts a STARTTLS probe. */
void https_smtp_starttls(struct https *h, const struct smtp_tls_request *req,
			 smtp_tls_callback cb, void *arg)
{
	struct transfer *t = xcalloc(1, sizeof *t);
	int port = req->port ? req->port : 25;
	char *entry;

	t->h = h;
	t->smtp_cb = cb;
	t->arg = arg;
	t->url = xasprintf("smtp://%s:%d/", req->host, port);
	entry = xasprintf(strchr(req->address, ':') ? "%s:%d:[%s]" : "%s:%d:%s",
			  req->host, port, req->address);
	t->resolve = curl_slist_append(NULL, entry);
	free(entry);
	if (!transfer_add(h, t, "smtp", req->timeout_ms))
		return;
	/* Greeting, EHLO, STARTTLS if offered (RFC 3207), the handshake,
	 * EHLO again: libcurl's own dialogue, which stops there. */
	curl_easy_setopt(t->easy, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(t->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	/* probe_verify() judges the certificate; libcurl must not refuse
	 * it first. */
	curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(t->easy, CURLOPT_SSL_CTX_FUNCTION, probe_ctx);
	curl_easy_setopt(t->easy, CURLOPT_SSL_CTX_DATA, t);
	t->cafile = req->cafile ? xstrdup(req->cafile) : NULL;
	transfer_start(h, t);
}

/* Counts what is outstanding. */
size_t https_pending(const struct https *h)
{
	return h ? h->ntransfers : 0;
}

/* The sockets to poll. */
size_t https_pollfds(struct https *h, struct pollfd *fds, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; h && i < h->nwatches && n < max; i++) {
		fds[n].fd = h->watches[i].fd;
		fds[n].events = h->watches[i].events;
		fds[n].revents = 0;
		n++;
	}
	return n;
}

/* True for a transfer that failed before libcurl took it. */
static bool stillborn(const struct transfer *t)
{
	return !t->easy;
}

/* The longest sleep. */
int https_timeout_ms(struct https *h)
{
	int64_t left;

	if (!h || h->ntransfers == 0)
		return -1;
	for (size_t i = 0; i < h->ntransfers; i++)
		if (stillborn(h->transfers[i]))
			return 0;
	if (h->timer_due < 0)
		return -1;
	left = h->timer_due - mono_ms();
	return left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

/* Reports the transfers libcurl has finished. */
static void reap(struct https *h)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left))) {
		struct transfer *t = NULL;
		const char *error = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
				  (char **)&t);
		if (t->too_big)
			error = _("the response is larger than allowed");
		else if (msg->data.result != CURLE_OK)
			error = *t->errbuf
				    ? t->errbuf
				    : curl_easy_strerror(msg->data.result);
		transfer_end(t, error);
	}
}

/* Processes what poll() reported. */
void https_process(struct https *h, const struct pollfd *fds, size_t nfds)
{
	int running;

	if (!h)
		return;
	for (size_t i = 0; i < h->ntransfers;) {
		struct transfer *t = h->transfers[i];

		if (stillborn(t))
			transfer_end(t, t->errbuf);
		else
			i++;
	}
	for (size_t i = 0; fds && i < nfds; i++) {
		int ev = 0;
		bool ours = false;

		for (size_t k = 0; k < h->nwatches; k++)
			ours |= h->watches[k].fd == fds[i].fd;
		if (!ours || !fds[i].revents)
			continue;
		if (fds[i].revents & (POLLIN | POLLHUP))
			ev |= CURL_CSELECT_IN;
		if (fds[i].revents & POLLOUT)
			ev |= CURL_CSELECT_OUT;
		if (fds[i].revents & (POLLERR | POLLNVAL))
			ev |= CURL_CSELECT_ERR;
		curl_multi_socket_action(h->multi, fds[i].fd, ev, &running);
	}
	if (h->timer_due >= 0 && mono_ms() >= h->timer_due) {
		h->timer_due = -1;
		curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0,
					 &running);
	}
	reap(h);
}

/* Ends every transfer. */
void https_cancel_all(struct https *h)
{
	while (h && h->ntransfers)
		transfer_end(h->transfers[h->ntransfers - 1], _("cancelled"));
}

/* Frees the fetcher. */
void https_free(struct https *h)
{
	if (!h)
		return;
	https_cancel_all(h);
	curl_multi_cleanup(h->multi);
	free(h->watches);
	free(h->transfers);
	free(h);
	curl_global_cleanup();
}
