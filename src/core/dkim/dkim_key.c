/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DKIM keys: generation with OpenSSL EVP (RFC 8301, RFC 8463), the
 * record to publish, matching a published key with a private key, and
 * the configuration of common signers. */
#include "config.h"

#include "dkim/dkim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dkim/dkim_private.h"
#include "util/dname.h"
#include "util/i18n.h"
#include "util/outfile.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/xdg.h"

/* The default key directory of a domain. */
char *dkim_default_key_dir(const char *domain)
{
	char *d = text_domain_normalize(domain);
	char *sub = xasprintf("keys/%s", d);
	char *dir = xdg_path(XDG_DATA, sub);

	free(sub);
	free(d);
	return dir;
}

/* Creates dir and its missing parents; the ones it creates get mode
 * 0700 (keys are secrets: DESIGN.md section 8). */
static enum status mkdir_private(const char *dir, struct err *err)
{
	char *path = xstrdup(dir);
	enum status st = STATUS_OK;
	struct stat sb;

	for (char *p = path + 1;; p++) {
		bool last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(path, 0700) == 0) {
			/* umask may have taken bits away; set exactly. */
			if (chmod(path, 0700) != 0) {
				st = err_set(err, STATUS_IO, "%s: %s", path,
					     strerror(errno));
				goto out;
			}
		} else if (errno != EEXIST) {
			st = err_set(err, STATUS_IO, "%s: %s", path,
				     strerror(errno));
			goto out;
		}
		if (last)
			break;
		*p = '/';
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		st = err_set(err, STATUS_IO, _("%s: not a directory"), dir);
out:
	free(path);
	return st;
}

/* Base64 of a buffer, with OpenSSL. */
static char *base64_encode(const unsigned char *data, size_t len)
{
	char *out = xmalloc((len + 2) / 3 * 4 + 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

/* The p= value of a key: SPKI for RSA (what verifiers expect in
 * practice, RFC 6376 3.6.1 allows), the raw 32 octets for Ed25519
 * (RFC 8463 4.2). */
static enum status public_value(EVP_PKEY *pkey, enum dkim_key_type type,
				char **out, struct err *err)
{
	unsigned char raw[32], *der = NULL;
	size_t rawlen = sizeof raw;
	int len;

	if (type == DKIM_KEY_ED25519) {
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) != 1)
			return dkim_openssl_error(err, STATUS_CRYPTO,
						  _("reading the public key"));
		*out = base64_encode(raw, rawlen);
		return STATUS_OK;
	}
	len = i2d_PUBKEY(pkey, &der);
	if (len <= 0)
		return dkim_openssl_error(err, STATUS_CRYPTO,
					  _("encoding the public key"));
	*out = base64_encode(der, (size_t)len);
	OPENSSL_free(der);
	return STATUS_OK;
}

/* The TXT value of a key: "v=DKIM1; k=rsa|ed25519; p=BASE64" (RFC 6376
 * 3.6.1, RFC 8463 4.2), as keygen prints and dkim_record_from_key()
 * rebuilds it. */
static enum status record_of(EVP_PKEY *pkey, enum dkim_key_type type,
			     char **record, struct err *err)
{
	char *p64 = NULL;
	enum status st = public_value(pkey, type, &p64, err);

	if (st != STATUS_OK)
		return st;
	*record =
	    xasprintf("v=DKIM1; k=%s; p=%s", dkim_key_type_name(type), p64);
	free(p64);
	return STATUS_OK;
}

/* Splits a record value into strings. */
char **dkim_txt_split(const char *value, size_t max, size_t *count)
{
	const char *p = strstr(value, "p=");
	size_t total = strlen(value), head, n = 0, cap = 0;
	char **out = NULL;

	if (max == 0 || max > 255)
		max = 255;
	/* The tags before p= read well as a string of their own. */
	while (p && p != value && p[-1] != ';' && p[-1] != ' ')
		p = strstr(p + 1, "p=");
	head = p ? (size_t)(p - value) : total;
	for (size_t off = 0; off < total;) {
		size_t end = off < head ? head : total;
		size_t len = end - off < max ? end - off : max;

		out = xgrow(out, &cap, n + 1, sizeof *out);
		out[n++] = xstrndup(value + off, len);
		off += len;
	}
	if (n == 0) {
		out = xgrow(out, &cap, 1, sizeof *out);
		out[n++] = xstrdup("");
	}
	*count = n;
	return out;
}

/* The zone-file line of a record. */
char *dkim_zone_line(const char *name, char *const *strings, size_t count)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s. IN TXT (", name);
	for (size_t i = 0; i < count; i++) {
		strbuf_addch(&sb, ' ');
		text_txt_quote(&sb, strings[i], strlen(strings[i]));
	}
	strbuf_addstr(&sb, " )");
	return strbuf_detach(&sb);
}

/* The refusal of a selector whose key file exists. */
static enum status exists_error(const char *path, struct err *err)
{
	return err_set(err, STATUS_EXISTS,
		       _("%s: a key file already exists; dmarcpilot never "
			 "overwrites a key (choose another selector or "
			 "--out)"),
		       path);
}

/* Refuses a key directory others could write to, as ssh does for its
 * keys (StrictModes): its owner must be the user or root, and neither
 * group nor others may write to it. Keys in /tmp could be swapped or
 * read before the operator ever looks. */
static enum status dir_private_check(const char *dir, struct err *err)
{
	struct stat sb;

	if (stat(dir, &sb) != 0)
		return err_set(err, STATUS_IO, "%s: %s", dir, strerror(errno));
	if ((sb.st_uid != 0 && sb.st_uid != geteuid()) ||
	    (sb.st_mode & 022) != 0)
		return err_set(err, STATUS_REFUSED,
			       _("%s: others can write to this directory "
				 "(mode %04o, owner %lu); keep keys in a "
				 "directory only you can write to"),
			       dir, (unsigned)(sb.st_mode & 07777),
			       (unsigned long)sb.st_uid);
	return STATUS_OK;
}

/* Makes the selector's key path free: nothing there, or an empty
 * regular file of the user's, which an older version left when it was
 * killed while writing; that one is removed. Anything else refuses. */
static enum status key_path_free(const char *path, struct err *err)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? STATUS_OK
				       : err_set(err, STATUS_IO, "%s: %s", path,
						 strerror(errno));
	if (S_ISREG(sb.st_mode) && sb.st_size == 0 && sb.st_uid == geteuid() &&
	    unlink(path) == 0)
		return STATUS_OK;
	return exists_error(path, err);
}

/* Generates a key pair, writes the private key, builds the record. */
enum status dkim_keygen(const struct dkim_keygen_options *o,
			struct dkim_generated *out, struct err *err)
{
	char *dir = NULL, *pem = NULL, *tmp = NULL, real[PATH_MAX];
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	enum status st = STATUS_OK;
	bool created = false;
	long pemlen;
	int fd = -1, bits = o->bits ? o->bits : DKIM_RSA_DEFAULT_BITS;

	memset(out, 0, sizeof *out);
	/* A domain we can make a key for and a directory name. */
	out->domain =
	    dname_normalize(o->domain, DNAME_UNDERSCORE | DNAME_ONE_LABEL);
	if (!out->domain) {
		char *d = text_clean_str(o->domain);

		st = err_set(err, STATUS_USAGE, _("'%s' is not a domain name"),
			     d);
		free(d);
		goto out;
	}
	/* RFC 6376 3.1: selectors are sub-domains. */
	if (!dkim_selector_valid(o->selector)) {
		char *s = text_clean_str(o->selector);

		st = err_set(err, STATUS_USAGE,
			     _("'%s' is not a selector (letters, digits, "
			       "hyphens, dots)"),
			     s);
		free(s);
		goto out;
	}
	if (o->type == DKIM_KEY_RSA) {
		/* RFC 8301 3.2: 1024 bits at least, 2048 recommended;
		 * verifiers need not handle more than 4096. */
		if (bits < DKIM_RSA_MIN_BITS || bits > DKIM_RSA_MAX_BITS) {
			st =
			    err_set(err, STATUS_USAGE,
				    _("RSA keys have %d to %d bits, not %d "
				      "(RFC 8301 3.2)"),
				    DKIM_RSA_MIN_BITS, DKIM_RSA_MAX_BITS, bits);
			goto out;
		}
		if (bits < DKIM_RSA_WEAK_BITS && !o->force) {
			st = err_set(err, STATUS_REFUSED,
				     _("a %d-bit RSA key is weaker than RFC "
				       "8301 3.2 asks (2048); use --force if "
				       "you must"),
				     bits);
			goto out;
		}
	} else if (o->type == DKIM_KEY_ED25519) {
		bits = 256;
	} else {
		st = err_set(err, STATUS_USAGE, _("unknown key algorithm"));
		goto out;
	}
	out->selector = text_lower(xstrdup(o->selector));
	out->type = o->type;
	out->bits = bits;
	out->name = dkim_key_name(out->domain, out->selector);

	dir = o->dir ? xstrdup(o->dir) : dkim_default_key_dir(out->domain);
	if (!dir) {
		st = err_set(err, STATUS_USAGE,
			     _("neither XDG_DATA_HOME nor HOME is set; give "
			       "--out DIR"));
		goto out;
	}
	st = mkdir_private(dir, err);
	if (st != STATUS_OK)
		goto out;
	if (!realpath(dir, real)) {
		st = err_set(err, STATUS_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	st = dir_private_check(real, err);
	if (st != STATUS_OK)
		goto out;
	out->path = xasprintf("%s/%s.private", real, out->selector);
	st = key_path_free(out->path, err);
	if (st != STATUS_OK)
		goto out;

	/* The key is written to a temporary file beside its place and
	 * linked there complete: a kill leaves no key or a whole one,
	 * never an empty file that blocks the selector. */
	tmp = xasprintf("%s/.%s.private.XXXXXX", real, out->selector);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		st = err_set(err, STATUS_IO, "%s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, 0600) != 0) {
		st = err_set(err, STATUS_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}

	if (o->type == DKIM_KEY_RSA)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	else
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!pkey) {
		st = dkim_openssl_error(err, STATUS_CRYPTO,
					_("generating the key"));
		goto out;
	}
	st = record_of(pkey, o->type, &out->record, err);
	if (st != STATUS_OK)
		goto out;
	out->strings = dkim_txt_split(out->record, 255, &out->nstrings);

	/* PKCS#8 PEM in secure memory, so it is wiped when freed. */
	bio = BIO_new(BIO_s_secmem());
	if (!bio ||
	    !PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)) {
		st = dkim_openssl_error(err, STATUS_CRYPTO,
					_("encoding the private key"));
		goto out;
	}
	pemlen = BIO_get_mem_data(bio, &pem);
	if (!outfile_write_fd(fd, pem, (size_t)pemlen) || fsync(fd) != 0) {
		st = err_set(err, STATUS_IO, "%s: %s", out->path,
			     strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		st = err_set(err, STATUS_IO, "%s: %s", out->path,
			     strerror(errno));
		goto out;
	}
	fd = -1;
	/* link() never replaces: a key that appeared meanwhile stays. */
	if (link(tmp, out->path) != 0) {
		st = errno == EEXIST ? exists_error(out->path, err)
				     : err_set(err, STATUS_IO, "%s: %s",
					       out->path, strerror(errno));
		goto out;
	}
	created = true;
	outfile_sync_dir(real);
	/* The file is complete; if it cannot be recorded, it goes. */
	if (o->record)
		st = o->record(o->record_arg, out, o->today, err);
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (st != STATUS_OK && created)
		unlink(out->path); /* ours: link() created it */
	if (st != STATUS_OK)
		dkim_generated_done(out);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	free(dir);
	return st;
}

/* Frees a generated key's description. */
void dkim_generated_done(struct dkim_generated *g)
{
	free(g->domain);
	free(g->selector);
	free(g->path);
	free(g->name);
	free(g->record);
	dkim_selectors_free(g->strings, g->nstrings);
	memset(g, 0, sizeof *g);
}

/* Refuses to ask for a passphrase: keys for signers are unencrypted. */
static int no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

/* The DER SubjectPublicKeyInfo of a key; caller frees with
 * OPENSSL_free(). */
static int spki_der(EVP_PKEY *pkey, unsigned char **der)
{
	*der = NULL;
	return i2d_PUBKEY(pkey, der);
}

/* Reads an unencrypted PEM private key (PKCS#8 or traditional) from a
 * file: STATUS_IO when it cannot be opened, STATUS_CRYPTO when it holds
 * no such key, both naming the file. */
static enum status read_private_key(const char *path, EVP_PKEY **out,
				    struct err *err)
{
	enum status st = STATUS_OK;
	BIO *bio = NULL;
	FILE *f;

	*out = NULL;
	f = fopen(path, "re");
	if (!f)
		return err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
	bio = BIO_new_fp(f, BIO_CLOSE);
	if (!bio) {
		fclose(f);
		return dkim_openssl_error(err, STATUS_CRYPTO, "%s", path);
	}
	*out = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	if (!*out)
		st = dkim_openssl_error(err, STATUS_CRYPTO,
					_("%s: no unencrypted PEM private key"),
					path);
	BIO_free(bio);
	ERR_clear_error();
	return st;
}

/* The DKIM key record of a private key file. */
enum status dkim_record_from_key(const char *path, char **record,
				 struct err *err)
{
	EVP_PKEY *pkey = NULL;
	enum dkim_key_type type;
	enum status st;

	*record = NULL;
	if ((st = read_private_key(path, &pkey, err)))
		return st;
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		type = DKIM_KEY_RSA;
		break;
	case EVP_PKEY_ED25519:
		type = DKIM_KEY_ED25519;
		break;
	default:
		/* RFC 6376 3.6.1 and RFC 8463: only rsa and ed25519. */
		st = err_set(err, STATUS_UNSUPPORTED,
			     _("%s: not an RSA or Ed25519 key"), path);
		goto out;
	}
	st = record_of(pkey, type, record, err);
	if (st != STATUS_OK)
		err_prefix(err, "%s", path);
out:
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return st;
}

/* Compares a record's key with a private key file. */
enum status dkim_key_matches(const struct dkim_record *record, const char *path,
			     bool *match, struct err *err)
{
	EVP_PKEY *priv = NULL, *pub = NULL;
	unsigned char *a = NULL, *b = NULL;
	enum status st = STATUS_OK;
	int alen, blen;

	*match = false;
	if ((st = read_private_key(path, &priv, err)))
		return st;
	pub = dkim_record_pkey(record);
	if (!pub)
		goto out; /* revoked or unreadable: no match */
	alen = spki_der(priv, &a);
	blen = spki_der(pub, &b);
	if (alen <= 0 || blen <= 0) {
		st = dkim_openssl_error(err, STATUS_CRYPTO,
					_("%s: encoding the public key"), path);
		goto out;
	}
	*match = alen == blen && memcmp(a, b, (size_t)alen) == 0;
out:
	OPENSSL_free(a);
	OPENSSL_free(b);
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);
	ERR_clear_error();
	return st;
}

/* Builds signer configuration for a key. */
void dkim_snippets_build(const char *domain, const char *selector,
			 const char *key_path, struct dkim_snippets *out)
{
	char *d = text_domain_normalize(domain);
	char *name = dkim_key_name(d, selector);

	out->opendkim_conf =
	    xstrdup("KeyTable            /etc/opendkim/KeyTable\n"
		    "SigningTable        refile:/etc/opendkim/SigningTable\n"
		    "ExternalIgnoreList  refile:/etc/opendkim/TrustedHosts\n"
		    "InternalHosts       refile:/etc/opendkim/TrustedHosts\n"
		    "Socket              inet:8891@localhost\n"
		    "Canonicalization    relaxed/simple\n");
	/* opendkim.conf(5): KeyTable "name domain:selector:keyfile". */
	out->opendkim_keytable =
	    xasprintf("%s %s:%s:%s\n", name, d, selector, key_path);
	out->opendkim_signingtable = xasprintf("*@%s %s\n", d, name);
	out->opendkim_trustedhosts = xstrdup("127.0.0.1\n::1\nlocalhost\n");
	out->postfix = xstrdup("smtpd_milters = inet:localhost:8891\n"
			       "non_smtpd_milters = $smtpd_milters\n"
			       "milter_default_action = accept\n");
	out->exim = xasprintf("  dkim_domain = %s\n"
			      "  dkim_selector = %s\n"
			      "  dkim_private_key = %s\n"
			      "  dkim_canon = relaxed\n",
			      d, selector, key_path);
	free(name);
	free(d);
}

/* Frees the snippets. */
void dkim_snippets_done(struct dkim_snippets *s)
{
	free(s->opendkim_conf);
	free(s->opendkim_keytable);
	free(s->opendkim_signingtable);
	free(s->opendkim_trustedhosts);
	free(s->postfix);
	free(s->exim);
	memset(s, 0, sizeof *s);
}
