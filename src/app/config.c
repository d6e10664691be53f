/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "app/config.h"

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

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The parser's state while inih walks the file. */
struct parse {
	const char *file;  /* the name in messages */
	const char *data;  /* the whole file */
	size_t len, pos;
	int lineno;        /* the line inih is reading */
	struct config *cfg;
	char *error;       /* the first error, without "FILE:LINE: " */
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

/* Splits imaps://host[:port][/] into the mailbox's host, port and TLS
 * mode; anything else (a path, credentials in the URL) is refused so
 * that a password never sits in a URL that may be printed. */
static bool parse_mailbox_url(struct parse *p, struct config_mailbox *m,
			      const char *url)
{
	const char *rest, *colon, *end, *end_host;
	char *host;
	long port;

	if (strncasecmp(url, "imaps://", 8) == 0) {
		m->tls = CONFIG_TLS_IMPLICIT;
		m->port = 993;
		rest = url + 8;
	} else if (strncasecmp(url, "imap://", 7) == 0) {
		if (m->tls != CONFIG_TLS_NONE)
			m->tls = CONFIG_TLS_STARTTLS;
		m->port = 143;
		rest = url + 7;
	} else {
		parse_fail(p, _("url must begin with imaps:// or imap://"));
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
		m->port = (int)port;
	}
	free(m->host);
	m->host = host;
	set_string(&m->url, url);
	return true;
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
static void parse_mailbox(struct parse *p, const char *name,
			  const char *value)
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
			parse_fail(p, _("after_import is move or seen, not "
					"\"%s\""),
				   value);
	} else if (!strcmp(name, "plaintext")) {
		bool plain = false;

		if (parse_bool(p, value, &plain) && plain)
			m->tls = CONFIG_TLS_NONE;
		else if (m->tls == CONFIG_TLS_NONE)
			m->tls = CONFIG_TLS_STARTTLS;
	} else if (!strcmp(name, "ca_file")) {
		set_string(&m->ca_file, value);
	} else {
		parse_fail(p, _("unknown key \"%s\" in [mailbox]"), name);
	}
}

/* inih's callback: one "key = value" under a [section]. */
static int parse_handle(void *arg, const char *section, const char *name,
			const char *value)
{
	struct parse *p = arg;

	if (p->error)
		return 0;
	if (!name)
		return 1; /* a section header alone */
	if (!strcmp(section, "mailbox")) {
		p->cfg->mailbox.present = true;
		parse_mailbox(p, name, value);
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
static enum status read_config_file(const char *path, char **data,
				    size_t *len, struct stat *st,
				    struct err *err)
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
		return err_set(err, STATUS_IO, "%s: %s", path,
			       strerror(errno));
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		status = err_set(err, STATUS_IO, _("%s: not a regular file"),
				 path);
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

/* Loads and validates the configuration. */
enum status config_load(struct config *cfg, const char *path,
			struct err *err)
{
	enum status status = STATUS_OK;
	struct parse p;
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int rc;

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
	/* A password in a file others can read is not a secret any more;
	 * refuse it, as ssh refuses a private key others can read. */
	if (!p.error && cfg->shared && cfg->mailbox.password.value) {
		p.lineno = cfg->mailbox.password.line;
		parse_fail(&p, _("holds a password but others can read the "
				 "file (mode %04o): run chmod 600 on it, or "
				 "use password_file or password_env"),
			   (unsigned)(st.st_mode & 07777));
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
out:
	if (data) {
		explicit_bzero(data, len);
		free(data);
	}
	if (status)
		config_done(cfg);
	return status;
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
	free(m->url);
	free(m->host);
	free(m->user);
	secret_done(&m->password);
	free(m->folder);
	free(m->archive);
	free(m->ca_file);
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
		err_set(err, STATUS_PARSE, _("%s: the password file for %s is "
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
	err_set(err, STATUS_USAGE, _("no password is configured for %s"),
		what);
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
