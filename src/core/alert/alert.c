/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "alert/alert.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

extern char **environ;

/* The default connect and stall limit, in seconds. */
#define ALERT_TIMEOUT 30

/* A libcurl handle for one delivery: only the given protocols, no
 * signals, the error buffer, the connect and stall limits and the extra
 * CAs set. NULL with err set when libcurl cannot be initialised. */
static CURL *alert_curl_new(const char *protocols, char *errbuf,
			    long timeout_seconds, const char *ca_file,
			    struct err *err)
{
	static bool initialised;
	long timeout = timeout_seconds > 0 ? timeout_seconds : ALERT_TIMEOUT;
	CURL *curl;

	if (!initialised && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		err_set(err, STATUS_IO, _("libcurl cannot be initialised"));
		return NULL;
	}
	initialised = true;
	if (!(curl = curl_easy_init())) {
		err_set(err, STATUS_IO, _("libcurl cannot be initialised"));
		return NULL;
	}
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout);
	/* A server that stops answering for the timeout is given up on. */
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, timeout);
	if (ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file);
	return curl;
}

/* True when s is printable ASCII only. */
static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x7f || (unsigned char)*s < ' ')
			return false;
	return true;
}

/* A copy of s with every control character (CR and LF first of all)
 * turned into a space: nothing may end a header early. */
static char *header_clean(const char *s)
{
	char *c = xstrdup(s);

	for (char *p = c; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = ' ';
	return c;
}

/* RFC 2047 2 and 4.1: a non-ASCII subject as one or more B-encoded
 * words, each at most 75 characters, split between UTF-8 characters. */
static void add_subject(struct strbuf *sb, const char *subject)
{
	const unsigned char *s = (const unsigned char *)subject;
	size_t len = strlen(subject), pos = 0;

	strbuf_addstr(sb, "Subject:");
	if (is_ascii(subject)) {
		strbuf_addf(sb, " %s\r\n", subject);
		return;
	}
	while (pos < len) {
		/* 45 octets make 60 base64 characters: 12 + 60 < 75. */
		size_t n = len - pos > 45 ? 45 : len - pos;
		unsigned char out[64];

		while (n > 0 && pos + n < len && (s[pos + n] & 0xc0) == 0x80)
			n--;
		EVP_EncodeBlock(out, s + pos, (int)n);
		strbuf_addf(sb, "%s=?UTF-8?B?%s?=", pos ? "\r\n" : "",
			    (char *)out);
		strbuf_addstr(sb, " ");
		pos += n;
	}
	strbuf_addstr(sb, "\r\n");
}

/* Formats a message. */
char *alert_mail_format(const char *from, const char *const *to, size_t nto,
			const char *subject, const char *body, time_t now)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned char rnd[12];
	char date[64], *clean = header_clean(subject);
	const char *domain = strrchr(from, '@');
	struct tm tm;

	/* RFC 5322 3.3: the date with its zone, in English whatever the
	 * locale. */
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
					    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
					      "May", "Jun", "Jul", "Aug",
					      "Sep", "Oct", "Nov", "Dec" };

	gmtime_r(&now, &tm);
	snprintf(date, sizeof date, "%s, %d %s %04d %02d:%02d:%02d +0000",
		 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	strbuf_addf(&sb, "Date: %s\r\n", date);
	strbuf_addf(&sb, "From: <%s>\r\n", from);
	strbuf_addstr(&sb, "To: ");
	for (size_t i = 0; i < nto; i++)
		strbuf_addf(&sb, "%s<%s>", i ? ",\r\n " : "", to[i]);
	strbuf_addstr(&sb, "\r\n");
	add_subject(&sb, clean);
	/* RFC 5322 3.6.4: a unique id at the sender's domain. */
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		memset(rnd, 0, sizeof rnd);
	strbuf_addf(&sb, "Message-ID: <%lld.", (long long)now);
	for (size_t i = 0; i < sizeof rnd; i++)
		strbuf_addf(&sb, "%02x", rnd[i]);
	strbuf_addf(&sb, ".dmarcpilot%s>\r\n", domain ? domain : "@localhost");
	strbuf_addstr(&sb, "MIME-Version: 1.0\r\n"
			   "Content-Type: text/plain; charset=utf-8\r\n"
			   "Content-Transfer-Encoding: 8bit\r\n"
			   "Auto-Submitted: auto-generated\r\n\r\n");
	/* RFC 5322 2.3: lines end in CRLF. */
	for (const char *p = body; *p; p++) {
		if (*p == '\n' && (p == body || p[-1] != '\r'))
			strbuf_addstr(&sb, "\r\n");
		else if (*p != '\r' || p[1] == '\n')
			strbuf_add(&sb, p, 1);
	}
	if (sb.len < 2 || memcmp(sb.data + sb.len - 2, "\r\n", 2) != 0)
		strbuf_addstr(&sb, "\r\n");
	free(clean);
	return strbuf_detach(&sb);
}

/* What libcurl reads the message from. */
struct upload {
	const char *data;
	size_t len, pos;
};

/* libcurl's read callback: hands out the message. */
static size_t upload_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb;

	if (n > u->len - u->pos)
		n = u->len - u->pos;
	memcpy(buf, u->data + u->pos, n);
	u->pos += n;
	return n;
}

/* libcurl's debug callback for SMTP: keeps the server's last refusal
 * (a 4xx or 5xx reply line), so that an error says what the server
 * said. Only what the server sends is looked at, never the password. */
static int smtp_debug(CURL *curl, curl_infotype type, char *data, size_t size,
		      void *arg)
{
	char *answer = arg;

	(void)curl;
	/* RFC 5321 4.2: a reply is a three-digit code and text. */
	if (type != CURLINFO_HEADER_IN || size < 4 ||
	    (data[0] != '4' && data[0] != '5'))
		return 0;
	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	if (size > 255)
		size = 255;
	memcpy(answer, data, size);
	answer[size] = '\0';
	return 0;
}

/* Submits a message over SMTP. */
enum status alert_smtp_send(const struct alert_smtp *server, const char *from,
			    const char *const *to, size_t nto,
			    const char *message, struct err *err)
{
	struct upload up = { message, strlen(message), 0 };
	struct curl_slist *rcpt = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", answer[256] = "";
	bool v6 = strchr(server->host, ':') != NULL;
	char *url, *mail_from, *detail;
	enum status status = STATUS_OK;
	CURLcode rc;
	CURL *curl;

	if (!(curl =
		  alert_curl_new("smtp,smtps", errbuf, server->timeout_seconds,
				 server->ca_file, err)))
		return err->status;
	url =
	    xasprintf("%s://%s%s%s:%d/",
		      server->tls == ALERT_TLS_IMPLICIT ? "smtps" : "smtp",
		      v6 ? "[" : "", server->host, v6 ? "]" : "", server->port);
	mail_from = xasprintf("<%s>", from);
	for (size_t i = 0; i < nto; i++) {
		char *r = xasprintf("<%s>", to[i]);

		rcpt = curl_slist_append(rcpt, r);
		free(r);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, smtp_debug);
	curl_easy_setopt(curl, CURLOPT_DEBUGDATA, answer);
	curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
	/* RFC 3207: STARTTLS is required, never skipped when the server
	 * does not offer it. */
	if (server->tls == ALERT_TLS_STARTTLS)
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (server->user) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, server->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, server->password);
	}
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &up);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		detail = text_clean_str(answer[0]   ? answer
					: errbuf[0] ? errbuf
						    : curl_easy_strerror(rc));
		if (rc == CURLE_LOGIN_DENIED)
			status = err_set(err, STATUS_REFUSED,
					 _("SMTP server %s:%d refused the "
					   "login: %s"),
					 server->host, server->port, detail);
		else if (rc == CURLE_USE_SSL_FAILED)
			status = err_set(err, STATUS_REFUSED,
					 _("SMTP server %s:%d does not offer "
					   "STARTTLS; set plaintext = yes "
					   "only on a trusted network"),
					 server->host, server->port);
		else
			status =
			    err_set(err, STATUS_IO, _("SMTP server %s:%d: %s"),
				    server->host, server->port, detail);
		free(detail);
	}
	/* The password is wiped from libcurl's copy. */
	curl_easy_setopt(curl, CURLOPT_PASSWORD, "");
	curl_easy_cleanup(curl);
	curl_slist_free_all(rcpt);
	free(mail_from);
	free(url);
	return status;
}

/* Writes all of data to fd, retrying after interruptions. */
static bool write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		data += n;
		len -= (size_t)n;
	}
	return true;
}

/* Hands a message to the local sendmail. */
enum status alert_sendmail(const char *program, const char *from,
			   const char *const *to, size_t nto,
			   const char *message, struct err *err)
{
	posix_spawn_file_actions_t actions;
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
	char **argv = xcalloc(nto + 6, sizeof *argv);
	enum status status = STATUS_OK;
	int fds[2] = { -1, -1 }, rc, wstatus;
	size_t n = 0;
	bool wrote;
	pid_t pid;

	/* The interface every sendmail (Postfix, Exim, OpenSMTPD) has:
	 * -i keeps a line with one dot, -f sets the envelope sender, the
	 * recipients after "--". */
	argv[n++] = (char *)program;
	argv[n++] = (char *)"-i";
	argv[n++] = (char *)"-f";
	argv[n++] = (char *)from;
	argv[n++] = (char *)"--";
	for (size_t i = 0; i < nto; i++)
		argv[n++] = (char *)to[i];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		status =
		    err_set(err, STATUS_IO, "%s: %s", program, strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
	rc = posix_spawn(&pid, program, &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(fds[0]);
	if (rc != 0) {
		close(fds[1]);
		status = err_set(err, STATUS_IO, _("%s cannot be run: %s"),
				 program, strerror(rc));
		goto out;
	}
	/* A sendmail that exits early must not kill us with SIGPIPE. */
	sigaction(SIGPIPE, &ignore, &old);
	wrote = write_all(fds[1], message, strlen(message));
	close(fds[1]);
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
		status = err_set(err, STATUS_IO, _("%s exited with status %d"),
				 program,
				 WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
						    : 128 + WTERMSIG(wstatus));
	else if (!wrote)
		status =
		    err_set(err, STATUS_IO,
			    _("%s did not read the whole message"), program);
out:
	free(argv);
	return status;
}

/* libcurl's write callback: the answer is not kept. */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

/* POSTs a JSON body. */
enum status alert_http_post(const char *url, const char *what,
			    const char *ca_file, const char *body,
			    long timeout_seconds, struct err *err)
{
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	long timeout = timeout_seconds > 0 ? timeout_seconds : ALERT_TIMEOUT;
	enum status status = STATUS_OK;
	long code = 0;
	CURLcode rc;
	CURL *curl;

	if (!(curl = alert_curl_new("http,https", errbuf, timeout_seconds,
				    ca_file, err)))
		return err->status;
	headers = curl_slist_append(headers, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, PACKAGE_NAME "/" VERSION);
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		/* libcurl's message may quote the URL; only its kind is
		 * told. */
		status = err_set(err, STATUS_IO, "%s: %s", what,
				 curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299)
		status = err_set(err, STATUS_IO, _("%s answered HTTP %ld"),
				 what, code);
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return status;
}
