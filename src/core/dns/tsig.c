/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG key files (dns/tsig.h). */
#include "config.h"

#include "dns/tsig.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/dname.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* The algorithms tsig-keygen offers, as named in the file and as the
 * DNS names of RFC 8945 6 (hmac-md5 keeps its long name, RFC 2845). */
static const struct {
	const char *file;
	const char *dns;
} tsig_algorithms[] = {
	{ "hmac-md5", "hmac-md5.sig-alg.reg.int." },
	{ "hmac-md5.sig-alg.reg.int", "hmac-md5.sig-alg.reg.int." },
	{ "hmac-sha1", "hmac-sha1." },
	{ "hmac-sha224", "hmac-sha224." },
	{ "hmac-sha256", "hmac-sha256." },
	{ "hmac-sha384", "hmac-sha384." },
	{ "hmac-sha512", "hmac-sha512." },
};

/* The longest token kept (a key name is a domain name; a secret of
 * hmac-sha512 is 88 base64 characters, longer ones are allowed). */
#define TOKEN_MAX 1024

/* A reader over the file's text. */
struct lexer {
	const char *p, *end;
	int line;
};

enum token_kind {
	TOKEN_END,
	TOKEN_WORD,   /* a bare word */
	TOKEN_STRING, /* a quoted string */
	TOKEN_PUNCT,  /* { } ; */
	TOKEN_BAD,    /* an octet or string that cannot be a token */
};

struct token {
	enum token_kind kind;
	char text[TOKEN_MAX + 1];
	size_t len;
};

/* Skips white space and the three kinds of comment named.conf knows. */
static void skip_blank(struct lexer *lx)
{
	while (lx->p < lx->end) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->p++;
		} else if (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r') {
			lx->p++;
		} else if (*lx->p == '#' ||
			   (*lx->p == '/' && lx->p + 1 < lx->end &&
			    lx->p[1] == '/')) {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (*lx->p == '/' && lx->p + 1 < lx->end &&
			   lx->p[1] == '*') {
			lx->p += 2;
			while (lx->p < lx->end &&
			       !(*lx->p == '*' && lx->p + 1 < lx->end &&
				 lx->p[1] == '/')) {
				if (*lx->p == '\n')
					lx->line++;
				lx->p++;
			}
			lx->p = lx->p < lx->end ? lx->p + 2 : lx->end;
		} else {
			return;
		}
	}
}

/* True for an octet a bare word may hold. */
static bool word_octet(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '+' || c == '/' || c == '=';
}

/* Reads the next token; a word or string longer than TOKEN_MAX, a
 * string without its closing quote or with a control octet, and any
 * other octet are TOKEN_BAD. */
static void next_token(struct lexer *lx, struct token *t)
{
	t->len = 0;
	t->text[0] = '\0';
	skip_blank(lx);
	if (lx->p >= lx->end) {
		t->kind = TOKEN_END;
		return;
	}
	if (*lx->p == '{' || *lx->p == '}' || *lx->p == ';') {
		t->kind = TOKEN_PUNCT;
		t->text[t->len++] = *lx->p++;
		t->text[t->len] = '\0';
		return;
	}
	if (*lx->p == '"') {
		t->kind = TOKEN_STRING;
		for (lx->p++; lx->p < lx->end && *lx->p != '"'; lx->p++) {
			if ((unsigned char)*lx->p < 0x20 || *lx->p == '\\' ||
			    t->len == TOKEN_MAX) {
				t->kind = TOKEN_BAD;
				return;
			}
			t->text[t->len++] = *lx->p;
		}
		if (lx->p >= lx->end) {
			t->kind = TOKEN_BAD;
			return;
		}
		lx->p++;
		t->text[t->len] = '\0';
		return;
	}
	t->kind = TOKEN_WORD;
	while (lx->p < lx->end && word_octet((unsigned char)*lx->p)) {
		if (t->len == TOKEN_MAX) {
			t->kind = TOKEN_BAD;
			return;
		}
		t->text[t->len++] = *lx->p++;
	}
	t->text[t->len] = '\0';
	if (t->len == 0) {
		/* Past the octet, so that a reader that goes on ends. */
		t->kind = TOKEN_BAD;
		lx->p++;
	}
}

/* True when a token is the punctuation c. */
static bool is_punct(const struct token *t, char c)
{
	return t->kind == TOKEN_PUNCT && t->text[0] == c;
}

/* True when s is a base64 secret of at least one octet (RFC 4648 4). */
static bool secret_ok(const char *s, size_t len)
{
	unsigned char out[TOKEN_MAX];
	int n;

	if (len == 0 || len % 4 != 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		      (c == '=' && i >= len - 2)))
			return false;
	}
	if (s[len - 2] == '=' && s[len - 1] != '=')
		return false;
	n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
	OPENSSL_cleanse(out, sizeof out);
	return n > 0;
}

/* True for a key name (RFC 8945 4.2: the name is a domain name), by
 * the one rule of domain names (util/dname.h): one label allowed, as
 * tsig-keygen's "tsig-key", and "_". */
static bool key_name_ok(const char *s, size_t len)
{
	char *name = xstrndup(s, len);
	bool ok = dname_valid(name, DNAME_UNDERSCORE | DNAME_ONE_LABEL);

	free(name);
	return ok;
}

/* Parses the first key statement. */
enum status tsig_key_parse(const char *text, size_t len, const char *what,
			   struct tsig_key **out, struct err *err)
{
	struct lexer lx = { text, text + len, 1 };
	struct token *t = xcalloc(1, sizeof *t);
	struct tsig_key *key = xcalloc(1, sizeof *key);
	const char *why = NULL;
	enum status st = STATUS_PARSE;

	*out = NULL;
	/* Statements before the key (an options block of named.conf, say)
	 * are not ours: find "key". */
	for (next_token(&lx, t); t->kind != TOKEN_END; next_token(&lx, t))
		if (t->kind == TOKEN_WORD && strcmp(t->text, "key") == 0)
			break;
	if (t->kind == TOKEN_END) {
		why = _("no key statement");
		goto out;
	}
	next_token(&lx, t);
	if ((t->kind != TOKEN_STRING && t->kind != TOKEN_WORD) ||
	    !key_name_ok(t->text, t->len)) {
		why = _("the key has no valid name");
		goto out;
	}
	key->name = xstrndup(t->text, t->len - (t->text[t->len - 1] == '.'));
	for (char *c = key->name; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	next_token(&lx, t);
	if (!is_punct(t, '{')) {
		why = _("'{' expected after the key's name");
		goto out;
	}
	for (next_token(&lx, t); !is_punct(t, '}'); next_token(&lx, t)) {
		bool algorithm =
		    t->kind == TOKEN_WORD && strcmp(t->text, "algorithm") == 0;
		bool secret =
		    t->kind == TOKEN_WORD && strcmp(t->text, "secret") == 0;

		if (!algorithm && !secret) {
			why = t->kind == TOKEN_END
				  ? _("the key statement is not closed")
				  : _("only algorithm and secret may be in a "
				      "key statement");
			goto out;
		}
		next_token(&lx, t);
		if (t->kind != TOKEN_WORD && t->kind != TOKEN_STRING) {
			why = algorithm ? _("the algorithm has no value")
					: _("the secret has no value");
			goto out;
		}
		if (algorithm) {
			free(key->algorithm);
			key->algorithm = NULL;
			for (size_t i = 0; i < sizeof tsig_algorithms /
						   sizeof tsig_algorithms[0];
			     i++)
				if (strcasecmp(t->text,
					       tsig_algorithms[i].file) == 0)
					key->algorithm =
					    xstrdup(tsig_algorithms[i].dns);
			if (!key->algorithm) {
				why = _("the algorithm is not one of hmac-md5, "
					"hmac-sha1, hmac-sha224, hmac-sha256, "
					"hmac-sha384, hmac-sha512");
				goto out;
			}
		} else {
			if (!secret_ok(t->text, t->len)) {
				why = _("the secret is not base64");
				goto out;
			}
			if (key->secret) {
				OPENSSL_cleanse(key->secret,
						strlen(key->secret));
				free(key->secret);
			}
			key->secret = xstrndup(t->text, t->len);
		}
		next_token(&lx, t);
		if (!is_punct(t, ';')) {
			why = _("';' expected after a value");
			goto out;
		}
	}
	next_token(&lx, t);
	if (!is_punct(t, ';')) {
		why = _("';' expected after the key statement");
		goto out;
	}
	if (!key->algorithm)
		why = _("the key has no algorithm");
	else if (!key->secret)
		why = _("the key has no secret");
	else
		st = STATUS_OK;
out:
	OPENSSL_cleanse(t, sizeof *t);
	free(t);
	if (st == STATUS_OK) {
		*out = key;
		return st;
	}
	tsig_key_free(key);
	/* TRANSLATORS: a file, a line number, what is wrong. */
	return err_set(err, st, _("%s: line %d: %s"), what, lx.line, why);
}

/* Reads and checks a key file. */
enum status tsig_key_read(const char *path, struct tsig_key **out,
			  struct err *err)
{
	struct stat sb;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	enum status st;
	int fd;

	*out = NULL;
	/* Never blocks on a FIFO or device before the check below, and
	 * never follows a symbolic link to someone else's file. */
	fd = open(path,
		  O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0 && errno == ELOOP)
		return err_set(err, STATUS_REFUSED,
			       _("%s: a symbolic link; give the key file "
				 "itself"),
			       path);
	if (fd < 0)
		return err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0) {
		st = err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		st = err_set(err, STATUS_REFUSED, _("%s: not a regular file"),
			     path);
		goto out;
	}
	/* The secret signs changes to the zone: like a private key
	 * (DESIGN.md 8), no one but its owner may read or change it. */
	if ((sb.st_mode & 077) != 0 || sb.st_uid != geteuid()) {
		st = err_set(err, STATUS_REFUSED,
			     _("%s: a key file must be readable by its owner "
			       "only (chmod 600) and be yours"),
			     path);
		goto out;
	}
	if (sb.st_size > TSIG_KEY_FILE_MAX) {
		st = err_set(err, STATUS_LIMIT,
			     _("%s: larger than %d octets: not a key file"),
			     path, TSIG_KEY_FILE_MAX);
		goto out;
	}
	text = xmalloc(TSIG_KEY_FILE_MAX + 1);
	while (len < TSIG_KEY_FILE_MAX &&
	       (n = read(fd, text + len, TSIG_KEY_FILE_MAX - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			st = err_set(err, STATUS_IO, "%s: %s", path,
				     strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	st = tsig_key_parse(text, len, path, out, err);
out:
	if (text) {
		OPENSSL_cleanse(text, TSIG_KEY_FILE_MAX + 1);
		free(text);
	}
	close(fd);
	return st;
}

/* Frees a key, wiping its secret. */
void tsig_key_free(struct tsig_key *key)
{
	if (!key)
		return;
	if (key->secret) {
		OPENSSL_cleanse(key->secret, strlen(key->secret));
		free(key->secret);
	}
	free(key->name);
	free(key->algorithm);
	free(key);
}
