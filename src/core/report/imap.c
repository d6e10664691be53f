/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "report/imap.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

struct imap {
	CURL *curl;
	char *base;   /* imaps://host:port */
	char *server; /* host:port, for messages */
	char errbuf[CURL_ERROR_SIZE];
	struct strbuf body; /* what the last call received */
	char answer[256];   /* the server's last tagged NO or BAD line */
	size_t limit;       /* the most body bytes taken, 0 for none */
	bool over_limit;
	bool caps_known;
	bool has_move, has_uidplus;
};

/* libcurl's write callback: keeps what arrives, up to the limit. */
static size_t imap_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct imap *imap = arg;
	size_t n = size * nmemb;

	if (imap->limit && imap->body.len + n > imap->limit) {
		imap->over_limit = true;
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	}
	strbuf_add(&imap->body, ptr, n);
	return n;
}

/* libcurl's debug callback: keeps the server's last refusal ("A005 NO
 * [CANNOT] ..."), so that an error says what the server said. Nothing
 * the client sends is looked at, so the password is never kept. */
static int imap_debug(CURL *curl, curl_infotype type, char *data, size_t size,
		      void *arg)
{
	struct imap *imap = arg;
	const char *sp, *end = data + size;

	if (type != CURLINFO_HEADER_IN || size < 4 || data[0] == '*')
		return 0;
	/* RFC 9051 7.1: a tagged response is "tag SP (OK|NO|BAD) SP". */
	if (!(sp = memchr(data, ' ', size)) || end - sp < 4 ||
	    (memcmp(sp + 1, "NO ", 3) != 0 && memcmp(sp + 1, "BAD ", 4) != 0))
		return 0;
	size = (size_t)(end - (sp + 1));
	while (size > 0 && (sp[size] == '\n' || sp[size] == '\r'))
		size--;
	if (size >= sizeof imap->answer)
		size = sizeof imap->answer - 1;
	memcpy(imap->answer, sp + 1, size);
	imap->answer[size] = '\0';
	return 0;
}

/* Turns a libcurl failure into a status with a message that names the
 * server and what was being done, never the password. */
static enum status imap_fail(struct imap *imap, CURLcode rc, const char *doing,
			     struct err *err)
{
	char *detail =
	    text_clean_str(imap->answer[0]   ? imap->answer
			   : imap->errbuf[0] ? imap->errbuf
					     : curl_easy_strerror(rc));
	enum status status;

	switch (rc) {
	case CURLE_LOGIN_DENIED:
		status = err_set(err, STATUS_REFUSED,
				 _("IMAP server %s refused the login: %s"),
				 imap->server, detail);
		break;
	case CURLE_QUOTE_ERROR:
		status = err_set(err, STATUS_REFUSED,
				 _("IMAP server %s refused %s: %s"),
				 imap->server, doing, detail);
		break;
	case CURLE_REMOTE_FILE_NOT_FOUND:
		status = err_set(err, STATUS_NOT_FOUND,
				 _("IMAP server %s: %s: not found"),
				 imap->server, doing);
		break;
	case CURLE_USE_SSL_FAILED:
		status = err_set(err, STATUS_REFUSED,
				 _("IMAP server %s does not offer STARTTLS; "
				   "set plaintext = yes only on a trusted "
				   "network"),
				 imap->server);
		break;
	default:
		status = err_set(err, STATUS_IO, _("IMAP server %s: %s: %s"),
				 imap->server, doing, detail);
		break;
	}
	free(detail);
	return status;
}

/* Runs one request on the connection: url is appended to the base, and
 * a custom command replaces the fetch. The answer is in imap->body. */
static enum status imap_run(struct imap *imap, const char *path,
			    const char *command, const char *doing,
			    size_t limit, struct err *err)
{
	char *url = xasprintf("%s/%s", imap->base, path ? path : "");
	CURLcode rc;

	strbuf_reset(&imap->body);
	imap->errbuf[0] = '\0';
	imap->answer[0] = '\0';
	imap->limit = limit;
	imap->over_limit = false;
	curl_easy_setopt(imap->curl, CURLOPT_URL, url);
	curl_easy_setopt(imap->curl, CURLOPT_CUSTOMREQUEST, command);
	rc = curl_easy_perform(imap->curl);
	free(url);
	if (rc == CURLE_WRITE_ERROR && imap->over_limit)
		return err_set(err, STATUS_LIMIT,
			       _("IMAP server %s: %s: larger than %d bytes"),
			       imap->server, doing, IMAP_MAX_MESSAGE);
	if (rc != CURLE_OK)
		return imap_fail(imap, rc, doing, err);
	return STATUS_OK;
}

/* True when a folder name can be sent as an IMAP quoted string. */
bool imap_folder_name_ok(const char *folder)
{
	if (!folder || !folder[0] || strlen(folder) > 200)
		return false;
	/* Non-ASCII names need modified UTF-7 (RFC 3501 5.1.3), which
	 * libcurl does not do: refuse them rather than send them wrong. */
	for (const unsigned char *p = (const unsigned char *)folder; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

/* The folder as an IMAP quoted string (RFC 9051 4.3). Caller frees. */
static char *quote_folder(const char *folder)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addch(&sb, '"');
	for (const char *p = folder; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addch(&sb, '\\');
		strbuf_addch(&sb, *p);
	}
	strbuf_addch(&sb, '"');
	return strbuf_detach(&sb);
}

/* The folder as a URL path segment (RFC 5092). Caller frees. */
static char *url_folder(struct imap *imap, const char *folder)
{
	char *escaped = curl_easy_escape(imap->curl, folder, 0);
	char *copy = xstrdup(escaped);

	curl_free(escaped);
	return copy;
}

/* Reads CAPABILITY, to know whether MOVE and UIDPLUS can be used. */
static enum status imap_capabilities(struct imap *imap, struct err *err)
{
	const char *line;
	enum status status;

	if (imap->caps_known)
		return STATUS_OK;
	status = imap_run(imap, NULL, "CAPABILITY", _("logging in"), 0, err);
	if (status)
		return status;
	line = strstr(strbuf_str(&imap->body), "* CAPABILITY ");
	if (line) {
		size_t end = strcspn(line, "\r\n");
		char *caps = xstrndup(line, end);

		/* Atoms are space-separated; match whole words. */
		imap->has_move = strstr(caps, " MOVE") &&
				 strcspn(strstr(caps, " MOVE") + 5, " ") == 0;
		imap->has_uidplus =
		    strstr(caps, " UIDPLUS") &&
		    strcspn(strstr(caps, " UIDPLUS") + 8, " ") == 0;
		free(caps);
	}
	imap->caps_known = true;
	return STATUS_OK;
}

/* Connects and logs in. */
enum status imap_open(struct imap **out, const struct imap_params *params,
		      struct err *err)
{
	static bool curl_ready;
	struct imap *imap;
	enum status status;
	long timeout =
	    params->timeout_seconds > 0 ? params->timeout_seconds : 30;
	bool v6 = strchr(params->host, ':') != NULL;

	*out = NULL;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return err_set(err, STATUS_IO,
				       _("libcurl could not start"));
		curl_ready = true;
	}
	imap = xcalloc(1, sizeof *imap);
	imap->server =
	    xasprintf(v6 ? "[%s]:%d" : "%s:%d", params->host, params->port);
	imap->base = xasprintf(
	    "%s://%s", params->tls == IMAP_TLS_IMPLICIT ? "imaps" : "imap",
	    imap->server);
	if (!(imap->curl = curl_easy_init())) {
		status = err_set(err, STATUS_IO, _("libcurl could not start"));
		goto fail;
	}
	curl_easy_setopt(imap->curl, CURLOPT_ERRORBUFFER, imap->errbuf);
	curl_easy_setopt(imap->curl, CURLOPT_WRITEFUNCTION, imap_write);
	curl_easy_setopt(imap->curl, CURLOPT_WRITEDATA, imap);
	curl_easy_setopt(imap->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(imap->curl, CURLOPT_DEBUGFUNCTION, imap_debug);
	curl_easy_setopt(imap->curl, CURLOPT_DEBUGDATA, imap);
	curl_easy_setopt(imap->curl, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(imap->curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(imap->curl, CURLOPT_USERNAME, params->user);
	curl_easy_setopt(imap->curl, CURLOPT_PASSWORD, params->password);
	curl_easy_setopt(imap->curl, CURLOPT_CONNECTTIMEOUT, timeout);
	/* A server that stops sending for the timeout is given up on; a
	 * large message that keeps arriving is not cut. */
	curl_easy_setopt(imap->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(imap->curl, CURLOPT_LOW_SPEED_TIME, timeout);
	if (params->tls == IMAP_TLS_STARTTLS)
		curl_easy_setopt(imap->curl, CURLOPT_USE_SSL,
				 (long)CURLUSESSL_ALL);
	if (params->ca_file)
		curl_easy_setopt(imap->curl, CURLOPT_CAINFO, params->ca_file);
	if ((status = imap_capabilities(imap, err)))
		goto fail;
	*out = imap;
	return STATUS_OK;
fail:
	imap_close(imap);
	return status;
}

/* Logs out and frees. */
void imap_close(struct imap *imap)
{
	if (!imap)
		return;
	if (imap->curl)
		curl_easy_cleanup(imap->curl);
	free(imap->base);
	free(imap->server);
	strbuf_done(&imap->body);
	free(imap);
}

/* "host:port". */
const char *imap_server(const struct imap *imap)
{
	return imap->server;
}

/* Reads a number after "KEY " in a STATUS answer. */
static bool status_item(const char *answer, const char *key, uint32_t *out)
{
	const char *p = answer;
	size_t klen = strlen(key);

	while ((p = strstr(p, key))) {
		if ((p == answer || p[-1] == '(' || p[-1] == ' ') &&
		    p[klen] == ' ') {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(p + klen + 1, &end, 10);
			if (errno || end == p + klen + 1 || v > UINT32_MAX)
				return false;
			*out = (uint32_t)v;
			return true;
		}
		p += klen;
	}
	return false;
}

/* STATUS folder (UIDVALIDITY UIDNEXT MESSAGES). */
enum status imap_status(struct imap *imap, const char *folder,
			struct imap_folder_status *out, struct err *err)
{
	char *quoted = quote_folder(folder);
	char *command =
	    xasprintf("STATUS %s (UIDVALIDITY UIDNEXT MESSAGES)", quoted);
	char *doing = xasprintf(_("the status of folder %s"), quoted);
	const char *answer;
	enum status status;

	memset(out, 0, sizeof *out);
	status = imap_run(imap, NULL, command, doing, 64 * 1024, err);
	if (status)
		goto out;
	answer = strstr(strbuf_str(&imap->body), "* STATUS ");
	/* RFC 9051 7.5: a server must return every item asked for. */
	if (!answer || !status_item(answer, "UIDVALIDITY", &out->uidvalidity) ||
	    !status_item(answer, "UIDNEXT", &out->uidnext) ||
	    !status_item(answer, "MESSAGES", &out->messages) ||
	    out->uidvalidity == 0)
		status = err_set(err, STATUS_PARSE,
				 _("IMAP server %s: %s: unreadable answer"),
				 imap->server, doing);
out:
	free(doing);
	free(command);
	free(quoted);
	return status;
}

/* Compares UIDs for qsort. */
static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* UID SEARCH UID from:*. */
enum status imap_search(struct imap *imap, const char *folder,
			uint32_t from_uid, uint32_t **uids, size_t *count,
			struct err *err)
{
	char *path = url_folder(imap, folder);
	char *command =
	    xasprintf("UID SEARCH UID %" PRIu32 ":*", from_uid ? from_uid : 1);
	char *doing = xasprintf(_("searching folder \"%s\""), folder);
	const char *p, *end;
	size_t cap = 0;
	enum status status;

	*uids = NULL;
	*count = 0;
	status = imap_run(imap, path, command, doing, 16 * 1024 * 1024, err);
	if (status)
		goto out;
	/* "* SEARCH 4 5 9" (an empty result is "* SEARCH"). */
	for (p = strbuf_str(&imap->body); (p = strstr(p, "* SEARCH"));
	     p = end) {
		end = p + strcspn(p, "\r\n");
		p += 8;
		while (p < end) {
			char *stop;
			unsigned long v;

			while (p < end && *p == ' ')
				p++;
			if (p >= end)
				break;
			errno = 0;
			v = strtoul(p, &stop, 10);
			if (errno || stop == p || v == 0 || v > UINT32_MAX) {
				status = err_set(err, STATUS_PARSE,
						 _("IMAP server %s: %s: "
						   "unreadable answer"),
						 imap->server, doing);
				goto out;
			}
			p = stop;
			/* RFC 9051 6.4.9: "N:*" also matches the highest
			 * UID when it is below N; keep only what was asked. */
			if (v < from_uid)
				continue;
			*uids = xgrow(*uids, &cap, *count + 1, sizeof **uids);
			(*uids)[(*count)++] = (uint32_t)v;
		}
	}
	if (*count > 1)
		qsort(*uids, *count, sizeof **uids, uid_cmp);
out:
	if (status) {
		free(*uids);
		*uids = NULL;
		*count = 0;
	}
	free(doing);
	free(command);
	free(path);
	return status;
}

/* UID FETCH uid BODY[], checked against the UIDVALIDITY it was found
 * under (RFC 5092 6: the URL's ;UIDVALIDITY= makes libcurl refuse a
 * folder whose UIDs have been renumbered). */
enum status imap_fetch(struct imap *imap, const char *folder,
		       uint32_t uidvalidity, uint32_t uid, char **data,
		       size_t *len, struct err *err)
{
	char *escaped = url_folder(imap, folder);
	char *path = xasprintf("%s;UIDVALIDITY=%" PRIu32 "/;UID=%" PRIu32,
			       escaped, uidvalidity, uid);
	char *doing = xasprintf(_("message UID %" PRIu32 " of folder \"%s\""),
				uid, folder);
	enum status status;

	*data = NULL;
	*len = 0;
	status = imap_run(imap, path, NULL, doing, IMAP_MAX_MESSAGE, err);
	if (status == STATUS_OK && imap->body.len == 0)
		status = err_set(err, STATUS_NOT_FOUND,
				 _("IMAP server %s: %s: not found"),
				 imap->server, doing);
	if (status == STATUS_OK) {
		*len = imap->body.len;
		*data = strbuf_detach(&imap->body);
	}
	free(doing);
	free(path);
	free(escaped);
	return status;
}

/* LIST "" folder, then CREATE when it is not there. */
enum status imap_create(struct imap *imap, const char *folder, struct err *err)
{
	char *quoted = quote_folder(folder);
	char *list = xasprintf("LIST \"\" %s", quoted);
	char *create = xasprintf("CREATE %s", quoted);
	char *doing = xasprintf(_("creating folder %s"), quoted);
	enum status status;

	status = imap_run(imap, NULL, list, doing, 64 * 1024, err);
	if (status == STATUS_OK && !strstr(strbuf_str(&imap->body), "* LIST "))
		status = imap_run(imap, NULL, create, doing, 64 * 1024, err);
	free(doing);
	free(create);
	free(list);
	free(quoted);
	return status;
}

/* Moves one message. */
enum status imap_move(struct imap *imap, const char *folder, uint32_t uid,
		      const char *dest, struct err *err)
{
	char *path = url_folder(imap, folder);
	char *quoted = quote_folder(dest);
	char *doing = xasprintf(_("moving UID %" PRIu32 " to %s"), uid, quoted);
	char *command = NULL;
	enum status status;

	if ((status = imap_capabilities(imap, err)))
		goto out;
	if (imap->has_move) {
		command = xasprintf("UID MOVE %" PRIu32 " %s", uid, quoted);
		status = imap_run(imap, path, command, doing, 64 * 1024, err);
		goto out;
	}
	if (!imap->has_uidplus) {
		/* A plain EXPUNGE would also remove whatever else someone
		 * marked \Deleted in the folder. */
		status = err_set(err, STATUS_UNSUPPORTED,
				 _("IMAP server %s offers neither MOVE nor "
				   "UIDPLUS; set after_import = seen"),
				 imap->server);
		goto out;
	}
	command = xasprintf("UID COPY %" PRIu32 " %s", uid, quoted);
	if ((status = imap_run(imap, path, command, doing, 64 * 1024, err)))
		goto out;
	free(command);
	command =
	    xasprintf("UID STORE %" PRIu32 " +FLAGS.SILENT (\\Deleted)", uid);
	if ((status = imap_run(imap, path, command, doing, 64 * 1024, err)))
		goto out;
	free(command);
	command = xasprintf("UID EXPUNGE %" PRIu32, uid);
	status = imap_run(imap, path, command, doing, 64 * 1024, err);
out:
	free(command);
	free(doing);
	free(quoted);
	free(path);
	return status;
}

/* UID STORE uid +FLAGS (\Seen). */
enum status imap_mark_seen(struct imap *imap, const char *folder, uint32_t uid,
			   struct err *err)
{
	char *path = url_folder(imap, folder);
	char *command =
	    xasprintf("UID STORE %" PRIu32 " +FLAGS.SILENT (\\Seen)", uid);
	char *doing = xasprintf(_("flagging UID %" PRIu32 " as seen"), uid);
	enum status status;

	status = imap_run(imap, path, command, doing, 64 * 1024, err);
	free(doing);
	free(command);
	free(path);
	return status;
}
