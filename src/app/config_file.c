/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "app/config_file.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "util/dname.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The parser's state while inih walks the file. */
struct parse {
	const char *file; /* the name in messages */
	const char *data; /* the whole file */
	size_t len, pos;
	int lineno; /* the line inih is reading */
	struct config *cfg;
	char *error; /* the first error, without "FILE:LINE: " */
	int error_line;
};

/* Records the first error found. */
static void parse_fail(struct parse *p, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void parse_fail(struct parse *p, const char *format, ...)
{
	va_list ap;

	if (p->error)
		return;
	va_start(ap, format);
	p->error = xvasprintf(format, ap);
	va_end(ap);
	p->error_line = p->lineno;
}

/* Hands inih one line at a time, counting lines and refusing NULs. */
static char *parse_read(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *start = p->data + p->pos;
	const char *nl;
	size_t len;

	if (p->pos >= p->len || p->error)
		return NULL;
	nl = memchr(start, '\n', p->len - p->pos);
	len = nl ? (size_t)(nl - start) + 1 : p->len - p->pos;
	p->lineno++;
	if (memchr(start, '\0', len)) {
		parse_fail(p, _("NUL byte in the line"));
		return NULL;
	}
	if (num < 2 || len > (size_t)num - 1) {
		parse_fail(p, _("line longer than %d characters"), num - 2);
		return NULL;
	}
	memcpy(str, start, len);
	str[len] = '\0';
	p->pos += len;
	return str;
}

/* Replaces *slot with a copy of value. */
static void set_string(char **slot, const char *value)
{
	free(*slot);
	*slot = xstrdup(value);
}

/* The schemes of a server URL: the one with TLS from the first byte and
 * the one upgraded with STARTTLS, and their default ports. */
struct url_schemes {
	const char *tls, *starttls; /* "imaps://", "imap://" */
	int tls_port, starttls_port;
};

/* Splits SCHEME://host[:port][/] into host, port and TLS mode; anything
 * else (a path, credentials in the URL) is refused so that a password
 * never sits in a URL that may be printed. */
static bool parse_server_url(struct parse *p, const struct url_schemes *sc,
			     const char *url, char **url_out, char **host_out,
			     int *port_out, enum config_tls *tls)
{
	size_t ltls = strlen(sc->tls), lstart = strlen(sc->starttls);
	const char *rest, *colon, *end, *end_host;
	char *host;
	long port;

	if (strncasecmp(url, sc->tls, ltls) == 0) {
		*tls = CONFIG_TLS_IMPLICIT;
		*port_out = sc->tls_port;
		rest = url + ltls;
	} else if (strncasecmp(url, sc->starttls, lstart) == 0) {
		if (*tls != CONFIG_TLS_NONE)
			*tls = CONFIG_TLS_STARTTLS;
		*port_out = sc->starttls_port;
		rest = url + lstart;
	} else {
		parse_fail(p, _("url must begin with %s or %s"), sc->tls,
			   sc->starttls);
		return false;
	}
	end = rest + strcspn(rest, "/");
	if (end[0] == '/' && end[1] != '\0') {
		parse_fail(p, _("url takes no path; name the folder with "
				"\"folder = NAME\""));
		return false;
	}
	if (memchr(rest, '@', (size_t)(end - rest))) {
		parse_fail(p, _("url must not hold the user or password; use "
				"\"user\" and \"password_file\""));
		return false;
	}
	/* RFC 3986 3.2.2: an IPv6 address is written in brackets. */
	if (rest[0] == '[') {
		const char *close = memchr(rest, ']', (size_t)(end - rest));

		if (!close || (close + 1 != end && close[1] != ':')) {
			parse_fail(p, _("url has a bad IPv6 address"));
			return false;
		}
		colon = close + 1 == end ? NULL : close + 1;
		rest++;
		end_host = close;
	} else {
		colon = memchr(rest, ':', (size_t)(end - rest));
		end_host = colon ? colon : end;
	}
	host = xstrndup(rest, (size_t)(end_host - rest));
	if (host[0] == '\0') {
		free(host);
		parse_fail(p, _("url has no host"));
		return false;
	}
	if (colon) {
		char *stop;

		errno = 0;
		port = strtol(colon + 1, &stop, 10);
		if (errno || stop != end || port < 1 || port > 65535) {
			free(host);
			parse_fail(p, _("url has a bad port"));
			return false;
		}
		*port_out = (int)port;
	}
	free(*host_out);
	*host_out = host;
	set_string(url_out, url);
	return true;
}

/* RFC 9051 and RFC 8314 3.3: IMAP on 143 with STARTTLS, 993 with TLS. */
static const struct url_schemes imap_schemes = { "imaps://", "imap://", 993,
						 143 };

/* RFC 6409 and RFC 8314 3.3: submission on 587 with STARTTLS, 465 with
 * TLS. */
static const struct url_schemes smtp_schemes = { "smtps://", "smtp://", 465,
						 587 };

/* Splits the mailbox's imaps://host[:port][/]. */
static bool parse_mailbox_url(struct parse *p, struct config_mailbox *m,
			      const char *url)
{
	return parse_server_url(p, &imap_schemes, url, &m->url, &m->host,
				&m->port, &m->tls);
}

/* Reads "yes"/"no" (and true/false, on/off, 1/0). */
static bool parse_bool(struct parse *p, const char *value, bool *out)
{
	if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") ||
	    !strcasecmp(value, "on") || !strcmp(value, "1"))
		*out = true;
	else if (!strcasecmp(value, "no") || !strcasecmp(value, "false") ||
		 !strcasecmp(value, "off") || !strcmp(value, "0"))
		*out = false;
	else {
		parse_fail(p, _("\"%s\" is not yes or no"), value);
		return false;
	}
	return true;
}

/* "plaintext = yes": the server is spoken to without TLS, only when
 * asked for. */
static void parse_plaintext(struct parse *p, const char *value,
			    enum config_tls *tls)
{
	bool plain = false;

	if (parse_bool(p, value, &plain) && plain)
		*tls = CONFIG_TLS_NONE;
	else if (*tls == CONFIG_TLS_NONE)
		*tls = CONFIG_TLS_STARTTLS;
}

/* A password key of any section: password, password_file, password_env. */
static bool parse_secret(struct parse *p, struct config_secret *s,
			 const char *name, const char *value)
{
	char **slot;

	if (!strcmp(name, "password"))
		slot = &s->value;
	else if (!strcmp(name, "password_file"))
		slot = &s->file;
	else if (!strcmp(name, "password_env"))
		slot = &s->env;
	else
		return false;
	if ((s->value && slot != &s->value) || (s->file && slot != &s->file) ||
	    (s->env && slot != &s->env))
		parse_fail(p, _("give only one of password, password_file "
				"and password_env"));
	if (slot == &s->value && *slot)
		explicit_bzero(*slot, strlen(*slot));
	set_string(slot, value);
	s->line = p->lineno;
	return true;
}

/* One key of [mailbox]. */
static void parse_mailbox(struct parse *p, const char *name, const char *value)
{
	struct config_mailbox *m = &p->cfg->mailbox;

	if (parse_secret(p, &m->password, name, value))
		return;
	if (!strcmp(name, "url")) {
		parse_mailbox_url(p, m, value);
	} else if (!strcmp(name, "user")) {
		set_string(&m->user, value);
	} else if (!strcmp(name, "folder")) {
		set_string(&m->folder, value);
	} else if (!strcmp(name, "archive")) {
		set_string(&m->archive, value);
	} else if (!strcmp(name, "after_import")) {
		if (!strcmp(value, "move"))
			m->after = CONFIG_AFTER_MOVE;
		else if (!strcmp(value, "seen"))
			m->after = CONFIG_AFTER_SEEN;
		else
			parse_fail(p,
				   _("after_import is move or seen, not "
				     "\"%s\""),
				   value);
	} else if (!strcmp(name, "plaintext")) {
		parse_plaintext(p, value, &m->tls);
	} else if (!strcmp(name, "ca_file")) {
		set_string(&m->ca_file, value);
	} else {
		parse_fail(p, _("unknown key \"%s\" in [mailbox]"), name);
	}
}

/* RFC 5321 4.1.2: a Mailbox as local-part@domain; here only the plain
 * dot-atom forms, printable ASCII without space, quotes, angle brackets
 * or commas, so that it goes into a header and RCPT TO unchanged. */
static bool email_ok(const char *addr)
{
	const char *at = strrchr(addr, '@');

	/* The domain by the one rule of domain names (util/dname.h); one
	 * label allowed, as in root@localhost. */
	if (!at || at == addr ||
	    !dname_valid(at + 1, DNAME_UNDERSCORE | DNAME_ONE_LABEL))
		return false;
	for (const char *c = addr; c < at; c++)
		if (*c <= ' ' || *c >= 0x7f || strchr("\"(),:;<>@[\\]", *c))
			return false;
	return true;
}

/* True for a name of letters, digits, '-' and '_'. */
static bool word_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* Splits "a@x, b@y" into the recipients; each must be one address
 * (local@domain) with no space, comma or angle bracket, so that it can
 * go into a header and an SMTP RCPT TO unchanged. */
static void parse_recipients(struct parse *p, struct config_smtp *m,
			     const char *value)
{
	const char *s = value;

	while (*s) {
		size_t n;
		char *addr;

		s += strspn(s, " \t,");
		n = strcspn(s, " \t,");
		if (n == 0)
			break;
		addr = xstrndup(s, n);
		if (!email_ok(addr)) {
			parse_fail(p, _("\"%s\" is not a mail address"), addr);
			free(addr);
			return;
		}
		strlist_add(&m->to, &m->nto, addr);
		s += n;
	}
}

/* One key of [smtp]. */
static void parse_smtp(struct parse *p, const char *name, const char *value)
{
	struct config_smtp *m = &p->cfg->smtp;

	if (parse_secret(p, &m->password, name, value))
		return;
	if (!strcmp(name, "url")) {
		parse_server_url(p, &smtp_schemes, value, &m->url, &m->host,
				 &m->port, &m->tls);
	} else if (!strcmp(name, "sendmail")) {
		if (value[0] != '/')
			parse_fail(p, _("sendmail must be an absolute path"));
		else
			set_string(&m->sendmail, value);
	} else if (!strcmp(name, "user")) {
		set_string(&m->user, value);
	} else if (!strcmp(name, "from")) {
		if (!email_ok(value))
			parse_fail(p, _("\"%s\" is not a mail address"), value);
		else
			set_string(&m->from, value);
	} else if (!strcmp(name, "to")) {
		parse_recipients(p, m, value);
	} else if (!strcmp(name, "plaintext")) {
		parse_plaintext(p, value, &m->tls);
	} else if (!strcmp(name, "ca_file")) {
		set_string(&m->ca_file, value);
	} else {
		parse_fail(p, _("unknown key \"%s\" in [smtp]"), name);
	}
}

/* The webhook named in a section header, made on first sight. */
static struct config_webhook *webhook_of(struct parse *p, const char *name)
{
	struct config *cfg = p->cfg;
	struct config_webhook *w;

	for (size_t i = 0; i < cfg->nwebhooks; i++)
		if (!strcmp(cfg->webhooks[i].name, name))
			return &cfg->webhooks[i];
	cfg->webhooks = xrealloc(cfg->webhooks,
				 (cfg->nwebhooks + 1) * sizeof *cfg->webhooks);
	w = &cfg->webhooks[cfg->nwebhooks++];
	memset(w, 0, sizeof *w);
	w->name = xstrdup(name);
	w->line = p->lineno;
	return w;
}

/* Takes the host of an http(s) URL for messages; the rest (a path that
 * may hold a token) is never printed. */
static bool parse_webhook_url(struct parse *p, struct config_webhook *w,
			      const char *url)
{
	const char *rest, *end;

	if (strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else {
		parse_fail(p, _("url must begin with https:// or http://"));
		return false;
	}
	end = rest + strcspn(rest, "/?#");
	if (memchr(rest, '@', (size_t)(end - rest)) || end == rest) {
		parse_fail(p, _("url has no host, or holds a user"));
		return false;
	}
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			parse_fail(p, _("url holds a space or a control "
					"character"));
			return false;
		}
	free(w->host);
	w->host = xstrndup(rest, (size_t)(end - rest));
	set_string(&w->url, url);
	return true;
}

/* One key of [webhook NAME]. */
static void parse_webhook(struct parse *p, struct config_webhook *w,
			  const char *name, const char *value)
{
	if (!strcmp(name, "url")) {
		parse_webhook_url(p, w, value);
	} else if (!strcmp(name, "format")) {
		if (!strcmp(value, "json"))
			w->format = CONFIG_WEBHOOK_JSON;
		else if (!strcmp(value, "slack"))
			w->format = CONFIG_WEBHOOK_SLACK;
		else
			parse_fail(p,
				   _("format is json or slack, not "
				     "\"%s\""),
				   value);
	} else if (!strcmp(name, "ca_file")) {
		set_string(&w->ca_file, value);
	} else {
		parse_fail(p, _("unknown key \"%s\" in [webhook]"), name);
	}
}

/* The [thresholds] section for domain (NULL: every domain), made on
 * first sight. */
static struct config_thresholds *thresholds_of(struct parse *p,
					       const char *domain)
{
	struct config *cfg = p->cfg;
	struct config_thresholds *t;

	for (size_t i = 0; i < cfg->nthresholds; i++) {
		const char *d = cfg->thresholds[i].domain;

		if ((!d && !domain) || (d && domain && !strcasecmp(d, domain)))
			return &cfg->thresholds[i];
	}
	cfg->thresholds = xrealloc(
	    cfg->thresholds, (cfg->nthresholds + 1) * sizeof *cfg->thresholds);
	t = &cfg->thresholds[cfg->nthresholds++];
	t->domain = domain ? text_domain_normalize(domain) : NULL;
	t->spf_fail = t->dkim_fail = t->dmarc_fail = t->volume_drop =
	    CONFIG_UNSET;
	t->period_days = 0;
	t->line = p->lineno;
	return t;
}

/* A percentage from 0 to 100, or "off". */
static void parse_percent(struct parse *p, const char *value, double *out)
{
	char *end;
	double v;

	if (!strcasecmp(value, "off")) {
		*out = CONFIG_OFF;
		return;
	}
	errno = 0;
	v = strtod(value, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end == '%')
		end++;
	if (errno || end == value || *end != '\0' || !(v >= 0.0) || v > 100.0) {
		parse_fail(p,
			   _("\"%s\" is not a percentage from 0 to 100 "
			     "or off"),
			   value);
		return;
	}
	*out = v;
}

/* One key of [thresholds] or [thresholds DOMAIN]. */
static void parse_thresholds(struct parse *p, struct config_thresholds *t,
			     const char *name, const char *value)
{
	if (!strcmp(name, "spf_fail")) {
		parse_percent(p, value, &t->spf_fail);
	} else if (!strcmp(name, "dkim_fail")) {
		parse_percent(p, value, &t->dkim_fail);
	} else if (!strcmp(name, "dmarc_fail")) {
		parse_percent(p, value, &t->dmarc_fail);
	} else if (!strcmp(name, "volume_drop")) {
		parse_percent(p, value, &t->volume_drop);
	} else if (!strcmp(name, "period_days")) {
		char *end;
		long v;

		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < 1 || v > 366)
			parse_fail(p,
				   _("period_days is a number of days from "
				     "1 to 366, not \"%s\""),
				   value);
		else
			t->period_days = (int)v;
	} else {
		parse_fail(p, _("unknown key \"%s\" in [thresholds]"), name);
	}
}

/* A section name with an argument: "webhook ops" gives "ops" for
 * "webhook"; "webhook" alone gives def; NULL when it is another
 * section. */
static const char *section_arg(const char *section, const char *word,
			       const char *def)
{
	size_t n = strlen(word);

	if (strncmp(section, word, n) != 0)
		return NULL;
	if (section[n] == '\0')
		return def;
	if (section[n] != ' ' && section[n] != '\t')
		return NULL;
	section += n;
	while (*section == ' ' || *section == '\t')
		section++;
	return *section ? section : def;
}

/* inih's callback: one "key = value" under a [section]. */
static int parse_handle(void *arg, const char *section, const char *name,
			const char *value)
{
	struct parse *p = arg;
	const char *word;

	if (p->error)
		return 0;
	if (!name)
		return 1; /* a section header alone */
	if (!section[0]) {
		/* Before any section: what every command uses. */
		if (!strcmp(name, "db") && value[0]) {
			free(p->cfg->db);
			p->cfg->db = xstrdup(value);
			p->cfg->db_line = p->lineno;
		} else {
			parse_fail(p,
				   _("unknown key \"%s\" before any "
				     "section (only db = PATH or "
				     "postgresql://...)"),
				   name);
		}
	} else if (!strcmp(section, "mailbox")) {
		p->cfg->mailbox.present = true;
		parse_mailbox(p, name, value);
	} else if (!strcmp(section, "smtp")) {
		p->cfg->smtp.present = true;
		parse_smtp(p, name, value);
	} else if ((word = section_arg(section, "webhook", "default"))) {
		if (!word_ok(word))
			parse_fail(p,
				   _("a webhook's name is letters, digits, "
				     "'-' and '_', not \"%s\""),
				   word);
		else
			parse_webhook(p, webhook_of(p, word), name, value);
	} else if ((word = section_arg(section, "thresholds", ""))) {
		char *domain =
		    word[0] ? dname_normalize(word, DNAME_UNDERSCORE) : NULL;

		if (word[0] && !domain)
			parse_fail(p, _("[thresholds %s]: not a domain name"),
				   word);
		else
			parse_thresholds(p, thresholds_of(p, domain), name,
					 value);
		free(domain);
	} else {
		parse_fail(p, _("unknown section [%s]"), section);
	}
	return p->error ? 0 : 1;
}

/* The checks that need the whole section: what is required, what
 * contradicts. */
static void check_mailbox(struct parse *p)
{
	struct config_mailbox *m = &p->cfg->mailbox;

	if (!m->present)
		return;
	p->lineno = 0;
	if (!m->url)
		parse_fail(p, _("[mailbox] needs url = imaps://HOST"));
	else if (!m->user)
		parse_fail(p, _("[mailbox] needs user = NAME"));
	else if (!m->password.value && !m->password.file && !m->password.env)
		parse_fail(p, _("[mailbox] needs one of password_file, "
				"password_env or password"));
	else if (m->tls == CONFIG_TLS_NONE &&
		 strncasecmp(m->url, "imaps://", 8) == 0)
		parse_fail(p, _("plaintext = yes does not go with imaps://"));
	if (!m->folder)
		m->folder = xstrdup("INBOX");
	if (!m->archive)
		m->archive = xstrdup("Archive");
	if (m->after == CONFIG_AFTER_MOVE && !strcmp(m->folder, m->archive))
		parse_fail(p, _("the archive folder is the folder reports "
				"arrive in"));
}

/* The checks of [smtp] that need the whole section. */
static void check_smtp(struct parse *p)
{
	struct config_smtp *m = &p->cfg->smtp;
	bool has_password =
	    m->password.value || m->password.file || m->password.env;

	if (!m->present)
		return;
	p->lineno = 0;
	if (!m->url == !m->sendmail)
		parse_fail(p, _("[smtp] needs either url = smtp://HOST or "
				"sendmail = PATH"));
	else if (!m->from)
		parse_fail(p, _("[smtp] needs from = ADDRESS"));
	else if (m->nto == 0)
		parse_fail(p, _("[smtp] needs to = ADDRESS[, ADDRESS...]"));
	else if (m->sendmail && (m->user || has_password))
		parse_fail(p, _("[smtp] with sendmail takes no user or "
				"password"));
	else if (m->user && !has_password)
		parse_fail(p, _("[smtp] needs one of password_file, "
				"password_env or password with user"));
	else if (has_password && !m->user)
		parse_fail(p, _("[smtp] needs user = NAME with a password"));
	else if (m->url && m->tls == CONFIG_TLS_NONE &&
		 strncasecmp(m->url, "smtps://", 8) == 0)
		parse_fail(p, _("plaintext = yes does not go with smtps://"));
}

/* The checks of each [webhook] that need the whole section. */
static void check_webhooks(struct parse *p)
{
	for (size_t i = 0; i < p->cfg->nwebhooks && !p->error; i++) {
		const struct config_webhook *w = &p->cfg->webhooks[i];

		p->lineno = w->line;
		if (!w->url)
			parse_fail(p, _("[webhook %s] needs url = https://..."),
				   w->name);
	}
}

/* Where the file is looked for when no path is given. */
char *config_default_path(struct err *err)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	/* XDG Base Directory: a relative XDG_CONFIG_HOME is ignored. */
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/dmarcpilot/config.ini", xdg);
	if (home && home[0] == '/')
		return xasprintf("%s/.config/dmarcpilot/config.ini", home);
	err_set(err, STATUS_USAGE,
		_("neither XDG_CONFIG_HOME nor HOME is set: cannot find "
		  "config.ini"));
	return NULL;
}

/* Reads the whole file, refusing what is not a regular file or too big. */
static enum status read_config_file(const char *path, char **data, size_t *len,
				    struct stat *st, struct err *err)
{
	enum status status = STATUS_OK;
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	ssize_t n;
	int fd;

	*data = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT)
			return err_set(err, STATUS_NOT_FOUND, "%s: %s", path,
				       strerror(errno));
		return err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		status =
		    err_set(err, STATUS_IO, _("%s: not a regular file"), path);
		goto out;
	}
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			status = err_set(err, STATUS_IO, "%s: %s", path,
					 strerror(errno));
			goto out;
		}
		if (sb.len + (size_t)n > CONFIG_MAX_FILE) {
			status = err_set(err, STATUS_LIMIT,
					 _("%s: larger than %d bytes"), path,
					 CONFIG_MAX_FILE);
			goto out;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	*len = sb.len;
	*data = strbuf_detach(&sb);
out:
	strbuf_done(&sb);
	close(fd);
	return status;
}

/* The first webhook whose URL may hold a token: anything after the host
 * but a bare "/" (a path, a query, a fragment), where Slack, Teams,
 * Discord and the rest carry theirs; NULL when none does. */
static const struct config_webhook *webhook_with_token(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->nwebhooks; i++) {
		const struct config_webhook *w = &cfg->webhooks[i];
		const char *rest;

		if (!w->url)
			continue;
		rest = strstr(w->url, "://");
		rest = rest ? rest + 3 : w->url;
		rest += strcspn(rest, "/?#");
		if (*rest && strcmp(rest, "/") != 0)
			return w;
	}
	return NULL;
}

/* Parses the text of a configuration; mode is the file's permission
 * bits, or 0 when it is not a file (the fuzz target). */
static enum status parse_text(struct config *cfg, const char *data, size_t len,
			      mode_t mode, struct err *err)
{
	enum status status = STATUS_OK;
	struct parse p;
	int rc;

	memset(&p, 0, sizeof p);
	p.file = cfg->path;
	p.data = data;
	p.len = len;
	p.cfg = cfg;
	rc = ini_parse_stream(parse_read, &p, parse_handle, &p);
	if (rc > 0 && !p.error) {
		p.lineno = rc;
		parse_fail(&p, _("syntax error (expected [section] or key = "
				 "value)"));
	}
	if (!p.error)
		check_mailbox(&p);
	if (!p.error)
		check_smtp(&p);
	if (!p.error)
		check_webhooks(&p);
	/* A password in a file others can read is not a secret any more;
	 * refuse it, as ssh refuses a private key others can read. */
	if (!p.error && cfg->shared &&
	    (cfg->mailbox.password.value || cfg->smtp.password.value ||
	     (cfg->db && store_target_has_password(cfg->db)))) {
		p.lineno = cfg->mailbox.password.value
			       ? cfg->mailbox.password.line
			   : cfg->smtp.password.value ? cfg->smtp.password.line
						      : cfg->db_line;
		parse_fail(&p,
			   _("holds a password but others can read the "
			     "file (mode %04o): run chmod 600 on it, or "
			     "use password_file or password_env"),
			   (unsigned)(mode & 07777));
		status = STATUS_REFUSED;
	}
	/* The same for a webhook URL: its token is its password. */
	if (!p.error && cfg->shared && webhook_with_token(cfg)) {
		const struct config_webhook *w = webhook_with_token(cfg);

		p.lineno = w->line;
		parse_fail(&p,
			   _("[webhook %s] has a URL that may hold a token "
			     "but others can read the file (mode %04o): "
			     "run chmod 600 on it"),
			   w->name, (unsigned)(mode & 07777));
		status = STATUS_REFUSED;
	}
	if (p.error) {
		if (p.error_line > 0)
			err_set(err, status ? status : STATUS_PARSE,
				"%s:%d: %s", cfg->path, p.error_line, p.error);
		else
			err_set(err, status ? status : STATUS_PARSE, "%s: %s",
				cfg->path, p.error);
		status = err->status;
		free(p.error);
	}
	return status;
}

/* Parses a configuration held in memory. */
enum status config_parse(struct config *cfg, const char *name, const char *data,
			 size_t len, struct err *err)
{
	enum status status;

	memset(cfg, 0, sizeof *cfg);
	cfg->path = xstrdup(name);
	cfg->found = true;
	if ((status = parse_text(cfg, data, len, 0, err)))
		config_done(cfg);
	return status;
}

/* Loads and validates the configuration. */
enum status config_load(struct config *cfg, const char *path, struct err *err)
{
	enum status status = STATUS_OK;
	struct stat st;
	char *data = NULL;
	size_t len = 0;

	memset(cfg, 0, sizeof *cfg);
	if (path) {
		cfg->path = xstrdup(path);
	} else if (!(cfg->path = config_default_path(err))) {
		return err->status;
	}
	status = read_config_file(cfg->path, &data, &len, &st, err);
	if (status == STATUS_NOT_FOUND && !path) {
		/* No file where it is looked for by default: nothing is
		 * configured, which is not an error. */
		err_done(err);
		return STATUS_OK;
	}
	if (status)
		goto out;
	cfg->found = true;
	cfg->shared = (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
	status = parse_text(cfg, data, len, st.st_mode, err);
out:
	if (data) {
		explicit_bzero(data, len);
		free(data);
	}
	if (status)
		config_done(cfg);
	return status;
}

/* The limits that apply to a domain. */
void config_thresholds_for(const struct config *cfg, const char *domain,
			   struct config_thresholds *out)
{
	const struct config_thresholds *layers[2] = { NULL, NULL };

	memset(out, 0, sizeof *out);
	out->domain = NULL;
	/* The monitoring practice the project follows: warn above 5 %
	 * failing SPF or DKIM, critical above 10 % failing DMARC, warn when
	 * the volume halves, over weeks. */
	out->spf_fail = 5.0;
	out->dkim_fail = 5.0;
	out->dmarc_fail = 10.0;
	out->volume_drop = 50.0;
	out->period_days = 7;
	for (size_t i = 0; i < cfg->nthresholds; i++) {
		const struct config_thresholds *t = &cfg->thresholds[i];

		if (!t->domain)
			layers[0] = t;
		else if (domain && !strcasecmp(t->domain, domain))
			layers[1] = t;
	}
	for (int i = 0; i < 2; i++) {
		const struct config_thresholds *t = layers[i];

		if (!t)
			continue;
		if (t->spf_fail != CONFIG_UNSET)
			out->spf_fail = t->spf_fail;
		if (t->dkim_fail != CONFIG_UNSET)
			out->dkim_fail = t->dkim_fail;
		if (t->dmarc_fail != CONFIG_UNSET)
			out->dmarc_fail = t->dmarc_fail;
		if (t->volume_drop != CONFIG_UNSET)
			out->volume_drop = t->volume_drop;
		if (t->period_days > 0)
			out->period_days = t->period_days;
	}
}

/* Frees a secret's sources, wiping an inline password. */
static void secret_done(struct config_secret *s)
{
	if (s->value)
		explicit_bzero(s->value, strlen(s->value));
	free(s->value);
	free(s->file);
	free(s->env);
	memset(s, 0, sizeof *s);
}

/* Frees the configuration. */
void config_done(struct config *cfg)
{
	struct config_mailbox *m = &cfg->mailbox;

	free(cfg->path);
	free(cfg->db);
	free(m->url);
	free(m->host);
	free(m->user);
	secret_done(&m->password);
	free(m->folder);
	free(m->archive);
	free(m->ca_file);
	free(cfg->smtp.url);
	free(cfg->smtp.host);
	free(cfg->smtp.sendmail);
	free(cfg->smtp.user);
	secret_done(&cfg->smtp.password);
	free(cfg->smtp.from);
	strlist_free(cfg->smtp.to, cfg->smtp.nto);
	free(cfg->smtp.ca_file);
	for (size_t i = 0; i < cfg->nwebhooks; i++) {
		free(cfg->webhooks[i].name);
		free(cfg->webhooks[i].url);
		free(cfg->webhooks[i].host);
		free(cfg->webhooks[i].ca_file);
	}
	free(cfg->webhooks);
	for (size_t i = 0; i < cfg->nthresholds; i++)
		free(cfg->thresholds[i].domain);
	free(cfg->thresholds);
	memset(cfg, 0, sizeof *cfg);
}

/* Reads a password file: private to its owner, one line. */
static char *secret_from_file(const char *path, const char *what,
			      struct err *err)
{
	char *data = NULL, *nl;
	struct stat st;
	size_t len = 0;

	if (read_config_file(path, &data, &len, &st, err))
		return NULL;
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		explicit_bzero(data, len);
		free(data);
		err_set(err, STATUS_REFUSED,
			_("%s: the password file for %s can be read by others "
			  "(mode %04o): run chmod 600 on it"),
			path, what, (unsigned)(st.st_mode & 07777));
		return NULL;
	}
	if ((nl = memchr(data, '\n', len)))
		*nl = '\0';
	if ((nl = strchr(data, '\r')))
		*nl = '\0';
	if (data[0] == '\0' || strlen(data) != strcspn(data, "\n")) {
		free(data);
		err_set(err, STATUS_PARSE,
			_("%s: the password file for %s is "
			  "empty"),
			path, what);
		return NULL;
	}
	return data;
}

/* Fetches a secret from its source. */
char *config_secret(const struct config *cfg,
		    const struct config_secret *secret, const char *what,
		    struct err *err)
{
	const char *v;

	if (secret->value)
		return xstrdup(secret->value);
	if (secret->file)
		return secret_from_file(secret->file, what, err);
	if (secret->env) {
		if (!(v = getenv(secret->env)) || v[0] == '\0') {
			err_set(err, STATUS_USAGE,
				_("%s:%d: the environment variable %s for %s "
				  "is not set"),
				cfg->path ? cfg->path : "config", secret->line,
				secret->env, what);
			return NULL;
		}
		return xstrdup(v);
	}
	err_set(err, STATUS_USAGE, _("no password is configured for %s"), what);
	return NULL;
}

/* Wipes and frees a secret. */
void config_secret_free(char *secret)
{
	if (!secret)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}
