/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DKIM: key records as RFC 6376 3.6.1 reads them, the findings an
 * operator acts on, keys that are never overwritten and never shown,
 * discovery of selectors, rotation dates, signer snippets. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dkim/dkim.h"
#include "lib/testenv.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* A fresh key pair. */
static EVP_PKEY *make_key(const char *type, int bits)
{
	EVP_PKEY *k = bits ? EVP_PKEY_Q_keygen(NULL, NULL, type, (size_t)bits)
			   : EVP_PKEY_Q_keygen(NULL, NULL, type);

	assert_non_null(k);
	return k;
}

/* Base64 of a buffer. */
static char *b64(const unsigned char *data, int len)
{
	char *out = xmalloc((size_t)(len + 2) / 3 * 4 + 1);

	EVP_EncodeBlock((unsigned char *)out, data, len);
	return out;
}

/* p= of an RSA key as SubjectPublicKeyInfo (spki) or a bare
 * RSAPublicKey. */
static char *rsa_p(EVP_PKEY *k, bool spki)
{
	unsigned char *der = NULL;
	int len = spki ? i2d_PUBKEY(k, &der) : i2d_PublicKey(k, &der);
	char *s;

	assert_true(len > 0);
	s = b64(der, len);
	OPENSSL_free(der);
	return s;
}

/* Writes a private key as PEM into dir/name; returns the path. */
static char *write_private(const char *dir, const char *name, EVP_PKEY *k)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL),
			 1);
	fclose(f);
	return path;
}

/* Parses a record that must parse. */
static void parse_ok(const char *text, struct dkim_record *r)
{
	struct err err = ERR_INIT;
	const char *bad = "unset";

	if (dkim_record_parse(text, strlen(text), r, &bad, &err) != STATUS_OK)
		fail_msg("%s: %s", text, err_message(&err));
	assert_null(bad);
	err_done(&err);
}

/* Parses a record that must fail, naming tag (NULL: the tag-list). */
static void parse_bad(const char *text, const char *tag, const char *words)
{
	struct dkim_record r;
	struct err err = ERR_INIT;
	const char *bad = "unset";

	assert_int_equal(dkim_record_parse(text, strlen(text), &r, &bad, &err),
			 STATUS_PARSE);
	if (tag)
		assert_string_equal(bad, tag);
	else
		assert_null(bad);
	if (!strstr(err_message(&err), words))
		fail_msg("'%s' does not say '%s'", err_message(&err), words);
	assert_null(r.p);
	err_done(&err);
}

/* The findings of a record, by validation. */
static void validate(const char *text, struct findings *f)
{
	struct dkim_record r;

	parse_ok(text, &r);
	dkim_record_validate(&r, "sel", text, f);
	dkim_record_done(&r);
}

/* The one finding with that code. */
static const struct finding *find(const struct findings *f,
				  enum finding_code code)
{
	for (size_t i = 0; i < f->count; i++)
		if (f->items[i].code == code)
			return &f->items[i];
	fail_msg("no %s", finding_code_name(code));
	return NULL;
}

/* Every tag of RFC 6376 3.6.1 is read; unknown ones are ignored. */
static void test_every_tag(void **state)
{
	EVP_PKEY *k = make_key("RSA", 2048);
	char *p = rsa_p(k, true);
	char *text = xasprintf("v=DKIM1; h=sha256:sha1 ; k=rsa; n=for "
			       "mail; p=%.*s %s; s=email:*; t=y:s; "
			       "x_future=1",
			       10, p, p + 10);
	struct dkim_record r;
	struct findings f = FINDINGS_INIT;

	parse_ok(text, &r);
	assert_string_equal(r.v, "DKIM1");
	assert_string_equal(r.h, "sha256:sha1");
	assert_string_equal(r.k, "rsa");
	assert_string_equal(r.n, "for mail");
	assert_string_equal(r.p, p); /* FWS inside base64 dropped */
	assert_string_equal(r.s, "email:*");
	assert_string_equal(r.t, "y:s");
	assert_int_equal(r.type, DKIM_KEY_RSA);
	assert_int_equal(r.bits, 2048);
	assert_false(r.bare_rsa);
	assert_false(r.revoked);
	assert_true(r.testing);
	assert_true(r.strict);
	assert_true(r.email);
	assert_false(r.sha1_only); /* sha256 is allowed too */
	dkim_record_validate(&r, "sel", text, &f);
	assert_int_equal(f.count, 1);
	assert_int_equal(f.items[0].code, F_DKIM_TESTING);
	dkim_record_done(&r);
	findings_done(&f);

	/* Defaults: k=rsa, all hashes, all services, no flags. */
	free(text);
	text = xasprintf("p=%s", p);
	parse_ok(text, &r);
	assert_null(r.v);
	assert_int_equal(r.type, DKIM_KEY_RSA);
	assert_true(r.email);
	assert_false(r.testing);
	assert_false(r.sha1_only);
	dkim_record_done(&r);
	free(text);
	free(p);
	EVP_PKEY_free(k);
}

/* Revoked, testing, sha1-only and short keys earn their findings, with
 * the selector and advice set. */
static void test_findings(void **state)
{
	EVP_PKEY *k1024 = make_key("RSA", 1024), *k512 = make_key("RSA", 512);
	char *p1024 = rsa_p(k1024, true), *p512 = rsa_p(k512, true);
	char *text;
	struct findings f = FINDINGS_INIT;
	const struct finding *x;

	validate("v=DKIM1; k=rsa; p=", &f);
	assert_int_equal(f.count, 1);
	x = find(&f, F_DKIM_REVOKED);
	assert_int_equal(x->severity, SEVERITY_WARNING);
	assert_string_equal(x->selector, "sel");
	assert_non_null(x->advice);
	assert_non_null(strstr(x->message, "revoked"));
	findings_done(&f);

	text = xasprintf("v=DKIM1; t=y; p=%s", p1024);
	validate(text, &f);
	assert_int_equal(f.count, 2);
	x = find(&f, F_DKIM_TESTING);
	assert_int_equal(x->severity, SEVERITY_INFO);
	x = find(&f, F_DKIM_WEAK_KEY);
	/* RFC 8301 3.2: 1024 is allowed, 2048 is what signers should use. */
	assert_int_equal(x->severity, SEVERITY_WARNING);
	assert_non_null(strstr(x->message, "1024 bits"));
	assert_string_equal(x->selector, "sel");
	findings_done(&f);
	free(text);

	text = xasprintf("v=DKIM1; p=%s", p512);
	validate(text, &f);
	assert_int_equal(f.count, 1);
	x = find(&f, F_DKIM_WEAK_KEY);
	assert_int_equal(x->severity, SEVERITY_ERROR);
	assert_non_null(strstr(x->message, "512 bits"));
	assert_non_null(x->advice);
	findings_done(&f);
	free(text);

	text = xasprintf("v=DKIM1; h=sha1; p=%s", p1024);
	validate(text, &f);
	x = find(&f, F_DKIM_SHA1);
	assert_int_equal(x->severity, SEVERITY_ERROR);
	assert_string_equal(x->selector, "sel");
	assert_non_null(x->advice);
	findings_done(&f);
	free(text);

	/* Unknown key types and services that exclude mail. */
	validate("v=DKIM1; k=dsa; p=AAAA", &f);
	x = find(&f, F_DKIM_SYNTAX);
	assert_non_null(strstr(x->message, "k=dsa"));
	findings_done(&f);
	text = xasprintf("v=DKIM1; s=web; p=%s", p1024);
	validate(text, &f);
	x = find(&f, F_DKIM_SYNTAX);
	assert_non_null(strstr(x->message, "s=web"));
	findings_done(&f);
	free(text);

	free(p1024);
	free(p512);
	EVP_PKEY_free(k1024);
	EVP_PKEY_free(k512);
}

/* A bare RSAPublicKey (RFC 6376 3.6.1 wording) is read like SPKI, and
 * matches its private key. */
static void test_bare_rsa_public_key(void **state)
{
	EVP_PKEY *k = make_key("RSA", 2048), *other = make_key("RSA", 1024);
	char *dir = testenv_mkdtemp();
	char *path = write_private(dir, "k.pem", k);
	char *opath = write_private(dir, "o.pem", other);
	char *p = rsa_p(k, false);
	char *text = xasprintf("v=DKIM1; p=%s", p);
	struct dkim_record r;
	struct err err = ERR_INIT;
	bool match = false;

	parse_ok(text, &r);
	assert_true(r.bare_rsa);
	assert_int_equal(r.bits, 2048);
	assert_int_equal(dkim_key_matches(&r, path, &match, &err), STATUS_OK);
	assert_true(match);
	assert_int_equal(dkim_key_matches(&r, opath, &match, &err), STATUS_OK);
	assert_false(match);
	dkim_record_done(&r);
	testenv_rmdir(dir);
	free(dir);
	free(path);
	free(opath);
	free(p);
	free(text);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}

/* Bad syntax is refused, naming the tag at fault. */
static void test_syntax_errors(void **state)
{
	EVP_PKEY *ed = make_key("ED25519", 0), *rsa = make_key("RSA", 1024);
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(ed, &der);
	char *spki = b64(der, len), *text;
	char *rsa_spki = rsa_p(rsa, true);

	parse_bad("v=DKIM2; p=", "v", "DKIM1");
	parse_bad("k=rsa; v=DKIM1; p=", "v", "first");
	parse_bad("v=DKIM1; k=rsa", "p", "missing");
	parse_bad("v=DKIM1; p=MIIB!!!!", "p", "base64");
	parse_bad("v=DKIM1; p=AAAA", "p", "RSA");
	parse_bad("v=DKIM1; p=; p=", "p", "more than once");
	parse_bad("v=DKIM1; h=sha256:; p=", "h", "hash");
	parse_bad("v=DKIM1; t=y:; p=", "t", "flags");
	parse_bad("v=DKIM1; s=; p=", "s", "service");
	parse_bad("v=DKIM1; k=-rsa; p=", "k", "key type");
	parse_bad("v=DKIM1;; p=", NULL, "empty tag");
	parse_bad("v=DKIM1; novalue; p=", NULL, "novalue");
	parse_bad("v=DKIM1; 9x=1; p=", NULL, "tag name");
	parse_bad("v=DKIM1; n=caf\xc3\xa9; p=", "n", "characters");
	/* RFC 8463 4.2: Ed25519 is published raw, not as SPKI. */
	text = xasprintf("v=DKIM1; k=ed25519; p=%s", spki);
	parse_bad(text, "p", "32-octet");
	free(text);
	/* An Ed25519 SPKI under k=rsa: the key type is wrong. */
	text = xasprintf("v=DKIM1; k=rsa; p=%s", spki);
	parse_bad(text, "k", "ED25519");
	free(text);
	/* Data after the key. */
	{
		unsigned char *rder = NULL, *longer;
		int rlen = i2d_PUBKEY(rsa, &rder);
		char *enc;

		longer = xcalloc((size_t)rlen + 3, 1);
		memcpy(longer, rder, (size_t)rlen);
		enc = b64(longer, rlen + 3);
		text = xasprintf("v=DKIM1; p=%s", enc);
		parse_bad(text, "p", "after the public key");
		free(text);
		free(enc);
		free(longer);
		OPENSSL_free(rder);
	}
	/* A final ";" and spaces around "=" are fine. */
	{
		struct dkim_record r;

		parse_ok(" v = DKIM1 ; p = ; ", &r);
		assert_true(r.revoked);
		dkim_record_done(&r);
	}
	/* A NUL octet inside the record. */
	{
		struct dkim_record r;
		struct err err = ERR_INIT;

		assert_int_equal(
		    dkim_record_parse("v=DKIM1; p=\0x", 14, &r, NULL, &err),
		    STATUS_PARSE);
		err_done(&err);
	}
	OPENSSL_free(der);
	free(spki);
	free(rsa_spki);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(rsa);
}

/* TXT character-strings above 255 octets are flagged (RFC 1035 3.3). */
static void test_string_too_long(void **state)
{
	char a[256], b[257];
	struct dns_txt_string s[2];
	struct findings f = FINDINGS_INIT;
	const struct finding *x;

	memset(a, 'a', 255);
	a[255] = '\0';
	memset(b, 'b', 256);
	b[256] = '\0';
	s[0].data = a;
	s[0].len = 255;
	s[1].data = b;
	s[1].len = 256;
	dkim_check_strings(s, 1, "sel", &f);
	assert_int_equal(f.count, 0);
	dkim_check_strings(s, 2, "sel", &f);
	assert_int_equal(f.count, 1);
	x = find(&f, F_DKIM_STRING_TOO_LONG);
	assert_non_null(strstr(x->message, "256"));
	assert_string_equal(x->selector, "sel");
	findings_done(&f);
}

/* A generated 2048-bit record: tags first, then p= in strings of at
 * most 255 octets that join back into the record. */
static void test_keygen_rsa_record(void **state)
{
	char *dir = testenv_mkdtemp();
	char *out = xasprintf("%s/new/keys", dir);
	struct dkim_keygen_options o = {
		.domain = "Example.COM.",
		.selector = "s2026",
		.dir = out,
		.type = DKIM_KEY_RSA,
	};
	struct dkim_generated g;
	struct err err = ERR_INIT;
	struct strbuf joined = STRBUF_INIT;
	struct dkim_record r;
	struct stat st;
	char *pem, *line;
	bool match;

	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_OK);
	assert_string_equal(g.domain, "example.com");
	assert_string_equal(g.name, "s2026._domainkey.example.com");
	assert_int_equal(g.bits, 2048);
	assert_true(strncmp(g.record, "v=DKIM1; k=rsa; p=MIIB", 22) == 0);
	/* 294 octets of SPKI are 392 characters of base64. */
	assert_int_equal(strlen(g.record), strlen("v=DKIM1; k=rsa; p=") + 392);
	assert_int_equal(g.nstrings, 3);
	assert_string_equal(g.strings[0], "v=DKIM1; k=rsa; ");
	for (size_t i = 0; i < g.nstrings; i++) {
		assert_true(strlen(g.strings[i]) <= 255);
		strbuf_addstr(&joined, g.strings[i]);
	}
	assert_string_equal(strbuf_str(&joined), g.record);
	line = dkim_zone_line(g.name, g.strings, g.nstrings);
	assert_true(strncmp(line,
			    "s2026._domainkey.example.com. IN TXT ( "
			    "\"v=DKIM1; k=rsa; \" \"p=MIIB",
			    64) == 0);
	assert_string_equal(line + strlen(line) - 3, "\" )");

	/* The key: PKCS#8 PEM, 0600, in a 0700 directory we created. */
	pem = testenv_read_file(g.path, NULL);
	assert_non_null(pem);
	assert_true(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
	assert_int_equal(stat(g.path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	{
		char *parent = xasprintf("%s/new", dir);

		assert_int_equal(stat(parent, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0700);
		free(parent);
	}
	/* The record describes this very key. */
	parse_ok(g.record, &r);
	assert_int_equal(r.bits, 2048);
	assert_int_equal(dkim_key_matches(&r, g.path, &match, &err), STATUS_OK);
	assert_true(match);
	dkim_record_done(&r);

	free(pem);
	free(line);
	strbuf_done(&joined);
	dkim_generated_done(&g);
	testenv_rmdir(dir);
	free(out);
	free(dir);
}

/* Ed25519 (RFC 8463): k=ed25519 and the raw 32-octet key. */
static void test_keygen_ed25519(void **state)
{
	char *dir = testenv_mkdtemp();
	struct dkim_keygen_options o = {
		.domain = "example.com",
		.selector = "ed",
		.dir = dir,
		.type = DKIM_KEY_ED25519,
	};
	struct dkim_generated g;
	struct err err = ERR_INIT;
	struct dkim_record r;
	bool match;

	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_OK);
	assert_true(strncmp(g.record, "v=DKIM1; k=ed25519; p=", 22) == 0);
	/* 32 octets: 44 characters of base64 with one "=". */
	assert_int_equal(strlen(g.record), 22 + 44);
	assert_int_equal(g.record[strlen(g.record) - 1], '=');
	assert_int_equal(g.bits, 256);
	parse_ok(g.record, &r);
	assert_int_equal(r.type, DKIM_KEY_ED25519);
	assert_int_equal(r.der_len, 32);
	assert_int_equal(dkim_key_matches(&r, g.path, &match, &err), STATUS_OK);
	assert_true(match);
	dkim_record_done(&r);
	dkim_generated_done(&g);
	testenv_rmdir(dir);
	free(dir);
}

/* Key sizes: 2048 default, 1024 only when forced, never below 1024 or
 * above 4096 (RFC 8301 3.2). Nothing is left behind when refused. */
static void test_keygen_sizes(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = xasprintf("%s/w.private", dir);
	struct dkim_keygen_options o = {
		.domain = "example.com",
		.selector = "w",
		.dir = dir,
		.type = DKIM_KEY_RSA,
		.bits = 1024,
	};
	struct dkim_generated g;
	struct err err = ERR_INIT;
	struct dkim_record r;
	struct findings f = FINDINGS_INIT;
	struct stat st;

	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_REFUSED);
	assert_non_null(strstr(err_message(&err), "--force"));
	assert_int_equal(stat(path, &st), -1);
	o.bits = 512;
	o.force = true;
	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_USAGE);
	o.bits = 4097;
	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_USAGE);
	assert_int_equal(stat(path, &st), -1);
	o.bits = 1024;
	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_OK);
	parse_ok(g.record, &r);
	assert_int_equal(r.bits, 1024);
	dkim_record_validate(&r, "w", g.record, &f);
	assert_int_equal(find(&f, F_DKIM_WEAK_KEY)->severity, SEVERITY_WARNING);
	dkim_record_done(&r);
	findings_done(&f);
	dkim_generated_done(&g);
	/* Selectors are DNS labels; nothing like a path gets through. */
	o.selector = "../etc";
	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_USAGE);
	o.selector = "ok";
	o.domain = "a/b.example";
	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_USAGE);
	err_done(&err);
	testenv_rmdir(dir);
	free(path);
	free(dir);
}

/* An existing key file is never replaced, whatever it holds. */
static void test_keygen_never_overwrites(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = testenv_write_file(dir, "s1.private", "precious\n");
	struct dkim_keygen_options o = {
		.domain = "example.com",
		.selector = "s1",
		.dir = dir,
		.type = DKIM_KEY_ED25519,
	};
	struct dkim_generated g;
	struct err err = ERR_INIT;
	char *text;

	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_EXISTS);
	assert_non_null(strstr(err_message(&err), path));
	text = testenv_read_file(path, NULL);
	assert_string_equal(text, "precious\n");
	free(text);
	err_done(&err);
	testenv_rmdir(dir);
	free(path);
	free(dir);
}

/* An empty key file, as an older version left when killed while
 * writing, is replaced; the new key is whole. */
static void test_keygen_leftover_replaced(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = testenv_write_file(dir, "s1.private", "");
	struct dkim_keygen_options o = {
		.domain = "example.com",
		.selector = "s1",
		.dir = dir,
		.type = DKIM_KEY_ED25519,
	};
	struct dkim_generated g;
	struct err err = ERR_INIT;
	char *text;

	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_OK);
	text = testenv_read_file(path, NULL);
	assert_non_null(strstr(text, "-----BEGIN PRIVATE KEY-----"));
	free(text);
	dkim_generated_done(&g);
	testenv_rmdir(dir);
	free(path);
	free(dir);
}

/* A key directory others can write to is refused, as ssh refuses. */
static void test_keygen_shared_dir_refused(void **state)
{
	char *dir = testenv_mkdtemp();
	char *keys = xasprintf("%s/keys", dir);
	char *path = xasprintf("%s/s1.private", keys);
	struct dkim_keygen_options o = {
		.domain = "example.com",
		.selector = "s1",
		.dir = keys,
		.type = DKIM_KEY_ED25519,
	};
	struct dkim_generated g;
	struct err err = ERR_INIT;
	struct stat sb;

	assert_int_equal(mkdir(keys, 0700), 0);
	assert_int_equal(chmod(keys, 01777), 0);
	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_REFUSED);
	assert_non_null(strstr(err_message(&err), "others can write"));
	err_done(&err);
	assert_int_equal(chmod(keys, 0770), 0);
	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_REFUSED);
	err_done(&err);
	assert_int_not_equal(lstat(path, &sb), 0);
	assert_int_equal(chmod(keys, 0755), 0);
	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_OK);
	dkim_generated_done(&g);
	testenv_rmdir(dir);
	free(path);
	free(keys);
	free(dir);
}

/* True if path holds a whole private key. */
static bool key_whole(const char *path)
{
	FILE *fp = fopen(path, "r");
	EVP_PKEY *k = fp ? PEM_read_PrivateKey(fp, NULL, NULL, NULL) : NULL;

	if (fp)
		fclose(fp);
	EVP_PKEY_free(k);
	return k != NULL;
}

/* SIGKILL at random points of `dkim keygen`: the key file is absent or
 * whole (never empty), and the selector can be generated afterwards
 * unless its key is there. */
static void test_keygen_sigkill(void **state)
{
	char *dir = testenv_mkdtemp();
	char *xdg = xasprintf("XDG_DATA_HOME=%s/xdg", dir);
	unsigned seed = (unsigned)time(NULL);
	long span;
	struct timespec t0, t1;

	print_message("seed %u\n", seed);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	{
		const char *env[] = { xdg, NULL };
		const char *args[] = { "dkim",  "keygen", "example.com",
				       "first", "--out",  dir,
				       NULL };
		struct testenv_run run = testenv_run_dmarcpilot(args, env);

		assert_int_equal(run.status, 0);
		testenv_run_done(&run);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	span = (t1.tv_sec - t0.tv_sec) * 1000 +
	       (t1.tv_nsec - t0.tv_nsec) / 1000000;
	if (span < 20)
		span = 20;
	for (int k = 0; k < 30; k++) {
		char *sel = xasprintf("k%d", k);
		char *path = xasprintf("%s/%s.private", dir, sel);
		const char *argv[] = {
			testenv_binary(), "dkim", "keygen", "example.com", sel,
			"--out",          dir,    NULL
		};
		long delay = (long)(rand_r(&seed) % (unsigned)span);
		struct stat sb;
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 1);
			dup2(null, 2);
			putenv(xdg);
			execv(argv[0], (char *const *)argv);
			_exit(127);
		}
		{
			struct timespec ts = { delay / 1000,
					       (delay % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (lstat(path, &sb) == 0)
			assert_true(key_whole(path));
		{
			const char *env[] = { xdg, NULL };
			const char *args[] = { "dkim", "keygen", "example.com",
					       sel,    "--out",  dir,
					       NULL };
			struct testenv_run run =
			    testenv_run_dmarcpilot(args, env);

			/* Refused only because a whole key is there
			 * (or recorded by the killed run). */
			if (run.status != 0)
				assert_non_null(strstr(run.err, "exists"));
			testenv_run_done(&run);
		}
		free(path);
		free(sel);
	}
	testenv_rmdir(dir);
	free(xdg);
	free(dir);
}

/* With a database the key's path (never the key) is recorded; a
 * selector recorded already is refused and its new file removed. */
static void test_keygen_records_in_store(void **state)
{
	char *dir = testenv_mkdtemp();
	char *db = testenv_db(dir, "db/dmarcpilot.db");
	char *out2 = xasprintf("%s/other", dir);
	char *path2 = xasprintf("%s/other/s1.private", dir);
	struct store *store;
	struct err err = ERR_INIT;
	struct dkim_keygen_options o = {
		.domain = "example.com",
		.selector = "s1",
		.dir = dir,
		.type = DKIM_KEY_ED25519,
	};
	struct dkim_generated g;
	struct state_dkim_key *keys;
	size_t n;
	struct stat st;

	assert_true(date_parse("2026-11-23", &o.today));
	assert_int_equal(store_open(&store, db, &err), STATUS_OK);
	o.record = state_dkim_keygen_record;
	o.record_arg = store;
	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_OK);
	assert_int_equal(
	    state_dkim_key_list(store, "example.com", &keys, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(keys[0].selector, "s1");
	assert_string_equal(keys[0].algorithm, "ed25519");
	assert_int_equal(keys[0].bits, 256);
	assert_string_equal(keys[0].key_path, g.path);
	assert_int_equal(keys[0].created, o.today);
	assert_int_equal(keys[0].retired, DATE_NONE);
	state_dkim_keys_free(keys, n);
	dkim_generated_done(&g);

	o.dir = out2;
	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_EXISTS);
	assert_int_equal(stat(path2, &st), -1);
	err_done(&err);
	store_close(store);
	testenv_rmdir(dir);
	free(db);
	free(out2);
	free(path2);
	free(dir);
}

/* Keeps what a discovery reports. */
struct discovered {
	struct dkim_selector_result *found;
	size_t count;
	bool called;
};

static void discovered(void *arg, struct dkim_selector_result *found,
		       size_t count)
{
	struct discovered *d = arg;

	d->found = found;
	d->count = count;
	d->called = true;
}

/* Discovery asks for every selector at once and reports the keys (and
 * the failures), following CNAMEs to providers. */
static void test_discovery(void **state)
{
	EVP_PKEY *k = make_key("RSA", 2048);
	char *p = rsa_p(k, true);
	struct dns *dns = dns_new_table();
	struct err err = ERR_INIT;
	char *zone = xasprintf(
	    "selector1._domainkey.example.com 300 IN TXT \"v=DKIM1; k=rsa; "
	    "p=%.200s\" \"%s\"\n"
	    "google._domainkey.example.com 300 IN CNAME "
	    "dkim.provider.example\n"
	    "dkim.provider.example 300 IN TXT \"v=DKIM1; p=%.200s\" \"%s\"\n"
	    "mail._domainkey.example.com 300 IN TXT \"v=spf1 -all\"\n"
	    "old._domainkey.example.com 300 IN TXT \"v=DKIM1; p=\"\n",
	    p, p + 200, p, p + 200);
	const char *selectors[] = { "default", "selector1", "google",
				    "mail",    "k1",        "old" };
	struct discovered d = { 0 };

	assert_int_equal(dns_table_add(dns, zone, &err), STATUS_OK);
	dns_table_set_fault(dns, "k1._domainkey.example.com", DNS_SERVFAIL);
	dkim_discover(dns, "example.com", selectors, 6, discovered, &d);
	/* All six queries are out before any answer. */
	assert_false(d.called);
	assert_int_equal(dns_pending(dns), 6);
	assert_int_equal(dns_run(dns), STATUS_OK);
	assert_true(d.called);
	assert_int_equal(d.count, 4);
	assert_string_equal(d.found[0].selector, "selector1");
	assert_int_equal(d.found[0].dns, DNS_DATA);
	assert_true(d.found[0].parsed);
	assert_int_equal(d.found[0].key.bits, 2048);
	assert_int_equal(d.found[0].findings.count, 0);
	assert_null(d.found[0].cname);
	assert_string_equal(d.found[1].selector, "google");
	assert_string_equal(d.found[1].cname, "dkim.provider.example");
	assert_true(d.found[1].parsed);
	assert_string_equal(d.found[2].selector, "k1");
	assert_int_equal(d.found[2].dns, DNS_SERVFAIL);
	assert_non_null(
	    strstr(d.found[2].dns_error, "k1._domainkey.example.com TXT"));
	find(&d.found[2].findings, F_DNS_TEMPERROR);
	assert_string_equal(d.found[3].selector, "old");
	find(&d.found[3].findings, F_DKIM_REVOKED);
	dkim_results_free(d.found, d.count);

	/* A missing selector, looked up directly, is dkim.missing. */
	{
		struct dns_answer *a = dns_query_sync(
		    dns, "nope._domainkey.example.com", DNS_T_TXT);
		struct dkim_selector_result r;

		dkim_evaluate_answer("example.com", "nope", a, &r);
		assert_false(r.parsed);
		assert_null(r.record);
		assert_string_equal(find(&r.findings, F_DKIM_MISSING)->selector,
				    "nope");
		dkim_selector_result_done(&r);
		dns_answer_free(a);
	}
	/* An empty list still calls back, once, with nothing. */
	d.called = false;
	dkim_discover(dns, "example.com", NULL, 0, discovered, &d);
	assert_true(d.called);
	assert_int_equal(d.count, 0);
	dkim_results_free(d.found, d.count);

	dns_free(dns);
	free(zone);
	free(p);
	EVP_PKEY_free(k);
}

/* The audit's list: inventory first, then the providers seen, then the
 * common list of DESIGN.md section 7, without duplicates. */
static void test_audit_selectors(void **state)
{
	const char *own[] = { "Mine", "selector1", "bad selector" };
	char google[] = "google", s20221[] = "s20221", id[] = "x";
	char *psel[] = { google, s20221 };
	struct provider prov = { .id = id,
				 .dkim_selectors = psel,
				 .ndkim_selectors = 2 };
	const struct provider *seen[] = { &prov };
	size_t n;
	char **list = dkim_audit_selectors(own, 3, seen, 1, &n);

	/* mine, s20221 and the 23 common ones (selector1 and google are
	 * among them). */
	assert_int_equal(DKIM_COMMON_SELECTORS_COUNT, 23);
	assert_int_equal(n, 25);
	assert_string_equal(list[0], "mine");
	assert_string_equal(list[1], "selector1");
	assert_string_equal(list[2], "google");
	assert_string_equal(list[3], "s20221");
	assert_string_equal(list[4], "default");
	assert_string_equal(list[24], "pm");
	dkim_selectors_free(list, n);
}

/* Key age, the due day (180 days), and the rotation plan's dates. */
static void test_rotation(void **state)
{
	date_t created, today, d;
	struct dkim_key_age a;
	char sel[] = "202601";
	struct state_dkim_key key = { .selector = sel,
				      .published = DATE_NONE,
				      .retired = DATE_NONE };
	struct findings f = FINDINGS_INIT;
	struct dkim_rotation_plan plan;
	struct dkim_rotation_options o = { .domain = "Example.com",
					   .old_selector = "202605",
					   .old_type = DKIM_KEY_RSA,
					   .keep_days = 3 };
	char buf[DATE_BUFSIZE];

	assert_true(date_parse("2026-01-01", &created));
	/* Jan 31 + Feb 28 + Mar 31 + Apr 30 + May 31 + Jun 29 = 180. */
	assert_true(date_parse("2026-06-29", &today));
	a = dkim_key_age(created, today, 0);
	assert_int_equal(a.age_days, 179);
	assert_string_equal(date_format(a.due, buf), "2026-06-30");
	assert_int_equal(a.days_left, 1);
	assert_false(a.is_due);
	a = dkim_key_age(created, today + 1, 0);
	assert_true(a.is_due);
	assert_int_equal(a.days_left, 0);
	a = dkim_key_age(created, today, 90);
	assert_string_equal(date_format(a.due, buf), "2026-04-01");

	key.created = created;
	dkim_rotation_check(key.selector, key.created, key.retired,
			    key.provider != NULL, today, 0, NULL, &f);
	assert_int_equal(f.count, 0);
	dkim_rotation_check(key.selector, key.created, key.retired,
			    key.provider != NULL, today + 1, 0, NULL, &f);
	assert_int_equal(f.count, 1);
	assert_string_equal(f.items[0].selector, "202601");
	assert_non_null(strstr(f.items[0].message, "2026-06-30"));
	assert_non_null(f.items[0].advice);
	key.retired = today;
	dkim_rotation_check(key.selector, key.created, key.retired,
			    key.provider != NULL, today + 100, 0, NULL, &f);
	assert_int_equal(f.count, 1);
	findings_done(&f);

	assert_true(date_parse("2026-11-23", &o.today));
	dkim_rotation_plan_build(&o, &plan);
	assert_string_equal(plan.new_selector, "202611");
	assert_int_equal(plan.count, 6);
	assert_int_equal(plan.steps[0].kind, DKIM_STEP_GENERATE);
	assert_int_equal(plan.steps[1].kind, DKIM_STEP_PUBLISH);
	assert_string_equal(plan.steps[1].name,
			    "202611._domainkey.example.com");
	assert_int_equal(plan.steps[2].kind, DKIM_STEP_VERIFY);
	assert_int_equal(plan.steps[3].kind, DKIM_STEP_SWITCH);
	for (int i = 0; i < 4; i++)
		assert_int_equal(plan.steps[i].date, o.today);
	/* At least 7 days with both keys, even when asked for 3. */
	assert_int_equal(plan.steps[4].kind, DKIM_STEP_REVOKE);
	assert_string_equal(date_format(plan.steps[4].date, buf), "2026-11-30");
	assert_string_equal(plan.steps[4].name,
			    "202605._domainkey.example.com");
	assert_string_equal(plan.steps[4].record, "v=DKIM1; k=rsa; p=");
	assert_int_equal(plan.steps[5].kind, DKIM_STEP_REMOVE);
	assert_string_equal(date_format(plan.steps[5].date, buf), "2026-12-07");
	assert_null(plan.steps[5].record);
	assert_string_equal(dkim_step_kind_name(plan.steps[5].kind), "remove");
	dkim_rotation_plan_done(&plan);

	/* Rotating twice in a month: the day is added. */
	o.old_selector = "202611";
	o.old_type = DKIM_KEY_ED25519;
	o.keep_days = 10;
	dkim_rotation_plan_build(&o, &plan);
	assert_string_equal(plan.new_selector, "20261123");
	assert_string_equal(plan.steps[4].record, "v=DKIM1; k=ed25519; p=");
	d = o.today + 10;
	assert_int_equal(plan.steps[4].date, d);
	dkim_rotation_plan_done(&plan);
}

/* Keeps a propagation result. */
static void propagated(void *arg, struct propagate_result *r)
{
	*(struct propagate_result **)arg = r;
}

/* The plan's verify step asks every name server of the zone (here the
 * table plays both) for the new record, and the revoke step for p=. */
static void test_rotation_verify(void **state)
{
	struct dns *dns = dns_new_table();
	struct err err = ERR_INIT;
	struct dkim_rotation_plan plan;
	struct dkim_rotation_options o = {
		.domain = "example.test",
		.old_selector = "old",
		.new_selector = "new",
		.new_record = "v=DKIM1; k=ed25519; "
			      "p=jcvKiCPT0tCbnBckdoe9wn4egOx/WDq/tRmIp5rqRus=",
	};
	struct propagate_result *r = NULL;

	assert_int_equal(
	    dns_table_add(dns,
			  "example.test. 300 IN NS ns1.example.test.\n"
			  "example.test. 300 IN NS ns2.example.net.\n"
			  "new._domainkey.example.test. 300 IN TXT "
			  "\"v=DKIM1; k=ed25519; \" "
			  "\"p=jcvKiCPT0tCbnBckdoe9wn4egOx/WDq/tRmIp5rqRus=\"\n"
			  "old._domainkey.example.test. 300 IN TXT "
			  "\"v=DKIM1; k=rsa; p=MIIB\"\n",
			  &err),
	    STATUS_OK);
	assert_true(date_parse("2026-11-23", &o.today));
	dkim_rotation_plan_build(&o, &plan);
	assert_int_equal(plan.steps[2].kind, DKIM_STEP_VERIFY);
	assert_int_equal(dkim_rotation_verify(dns, &plan.steps[2], NULL,
					      propagated, &r, &err),
			 STATUS_OK);
	assert_null(r); /* never from inside the call */
	assert_int_equal(dns_run(dns), STATUS_OK);
	assert_non_null(r);
	assert_int_equal(r->count, 2);
	assert_int_equal(r->serving, 2);
	propagate_result_free(r);
	r = NULL;

	/* The old key is still served: revocation has not propagated. */
	assert_int_equal(plan.steps[4].kind, DKIM_STEP_REVOKE);
	assert_int_equal(dkim_rotation_verify(dns, &plan.steps[4], NULL,
					      propagated, &r, &err),
			 STATUS_OK);
	assert_int_equal(dns_run(dns), STATUS_OK);
	assert_int_equal(r->serving, 0);
	assert_int_equal(r->servers[0].state, PROPAGATE_DIFFERENT);
	assert_string_equal(r->servers[0].values[0], "v=DKIM1; k=rsa; p=MIIB");
	propagate_result_free(r);

	/* Switching publishes nothing. */
	assert_int_equal(dkim_rotation_verify(dns, &plan.steps[3], NULL,
					      propagated, &r, &err),
			 STATUS_USAGE);
	err_done(&err);
	dkim_rotation_plan_done(&plan);
	dns_free(dns);
}

/* The tracked rotation's rules: intervals, phase words, and the
 * silence of the old selector judged only on report coverage, never on
 * a gap in the reports. */
static void test_rotation_rules(void **state)
{
	struct dkim_rotation_evidence ev;
	enum dkim_rotation_phase ph;
	date_t until, d0 = 20000;
	char buf[16];
	int days = 0;

	(void)state;
	assert_true(dkim_interval_parse("quarterly", &days));
	assert_int_equal(days, 90);
	assert_true(dkim_interval_parse("biannual", &days));
	assert_int_equal(days, 180);
	assert_true(dkim_interval_parse("annual", &days));
	assert_int_equal(days, 365);
	assert_true(dkim_interval_parse("45", &days));
	assert_int_equal(days, 45);
	assert_false(dkim_interval_parse("0", &days));
	assert_false(dkim_interval_parse("3651", &days));
	assert_false(dkim_interval_parse("weekly", &days));
	assert_false(dkim_interval_parse("12x", &days));
	assert_false(dkim_interval_parse("", &days));
	assert_string_equal(dkim_interval_name(90, buf), "quarterly");
	assert_string_equal(dkim_interval_name(45, buf), "45");
	for (int i = 0; i <= DKIM_ROTATION_DONE; i++) {
		assert_true(dkim_rotation_phase_parse(
		    dkim_rotation_phase_name((enum dkim_rotation_phase)i),
		    &ph));
		assert_int_equal(ph, i);
	}
	assert_false(dkim_rotation_phase_parse("cancelled", &ph));

	/* Seen on the last day the reports cover: still signing. */
	ev.new_first_pass = d0;
	ev.new_last_pass = d0 + 13;
	ev.old_last_seen = d0 + 6;
	ev.reports_last = d0 + 6;
	assert_int_equal(dkim_rotation_silence(&ev, d0, 7, &until),
			 DKIM_STILL_SIGNS);
	assert_int_equal(until, d0 + 13);
	/* Six silent days covered: not yet. */
	ev.reports_last = d0 + 12;
	assert_int_equal(dkim_rotation_silence(&ev, d0, 7, &until),
			 DKIM_STILL_SIGNS);
	/* Seven: silent. */
	ev.reports_last = d0 + 13;
	assert_int_equal(dkim_rotation_silence(&ev, d0, 7, &until),
			 DKIM_SILENT);
	/* Never seen, but no report after the switch: no evidence. */
	ev.old_last_seen = DATE_NONE;
	ev.reports_last = d0 + 3;
	assert_int_equal(dkim_rotation_silence(&ev, d0, 7, &until),
			 DKIM_NO_EVIDENCE);
	ev.reports_last = DATE_NONE;
	assert_int_equal(dkim_rotation_silence(&ev, d0, 7, &until),
			 DKIM_NO_EVIDENCE);
	/* 0 silent days means the default week. */
	ev.reports_last = d0 + 7;
	assert_int_equal(dkim_rotation_silence(&ev, d0, 0, &until),
			 DKIM_SILENT);
	assert_int_equal(until, d0 + DKIM_SILENT_DAYS);
}

/* The switch to Ed25519 signs with both keys (RFC 8463 section 4):
 * OpenDKIM lists both and signs twice, Exim gets a selector list. */
static void test_switch_snippets(void **state)
{
	struct dkim_snippets sn;

	(void)state;
	dkim_switch_snippets_build("Example.COM.", "ed1", "/k/ed1.private",
				   "rsa1", "/k/rsa1.private", true, &sn);
	assert_non_null(strstr(sn.opendkim_conf, "MultipleSignatures  yes"));
	assert_non_null(strstr(sn.opendkim_keytable,
			       "rsa1._domainkey.example.com "
			       "example.com:rsa1:/k/rsa1.private\n"));
	assert_non_null(strstr(sn.opendkim_keytable,
			       "ed1._domainkey.example.com "
			       "example.com:ed1:/k/ed1.private\n"));
	assert_non_null(strstr(sn.opendkim_signingtable,
			       "*@example.com rsa1._domainkey.example.com"));
	assert_non_null(strstr(sn.opendkim_signingtable,
			       "*@example.com ed1._domainkey.example.com"));
	assert_non_null(strstr(sn.exim, "dkim_selector = rsa1 : ed1"));
	assert_non_null(strstr(sn.exim, "{ed1}{/k/ed1.private}"
					"{/k/rsa1.private}"));
	dkim_snippets_done(&sn);
	/* A plain rotation: the new key alone. */
	dkim_switch_snippets_build("example.com", "s2", "/k/s2.private", "s1",
				   "/k/s1.private", false, &sn);
	assert_null(strstr(sn.opendkim_keytable, "s1"));
	assert_non_null(strstr(sn.exim, "dkim_selector = s2\n"));
	dkim_snippets_done(&sn);
}

/* The signer snippets name the domain, the selector and the key file. */
static void test_snippets(void **state)
{
	struct dkim_snippets s;

	dkim_snippets_build("Example.com.", "s1", "/keys/s1.private", &s);
	assert_string_equal(s.opendkim_keytable,
			    "s1._domainkey.example.com "
			    "example.com:s1:/keys/s1.private\n");
	assert_string_equal(s.opendkim_signingtable,
			    "*@example.com s1._domainkey.example.com\n");
	assert_non_null(strstr(s.opendkim_trustedhosts, "127.0.0.1\n"));
	assert_non_null(strstr(s.postfix, "smtpd_milters = inet:"));
	assert_non_null(strstr(s.postfix, "non_smtpd_milters = "));
	assert_non_null(strstr(s.postfix, "milter_default_action = accept"));
	assert_non_null(strstr(s.exim, "dkim_domain = example.com\n"));
	assert_non_null(strstr(s.exim, "dkim_selector = s1\n"));
	assert_non_null(
	    strstr(s.exim, "dkim_private_key = /keys/s1.private\n"));
	assert_non_null(strstr(s.exim, "dkim_canon = relaxed\n"));
	dkim_snippets_done(&s);
}

/* The command: --json tells where the key is but never shows it; a
 * second run with the same selector changes nothing and exits 2. */
static void test_cli_keygen(void **state)
{
	char *dir = testenv_mkdtemp();
	char *xdg = xasprintf("XDG_DATA_HOME=%s/xdg", dir);
	const char *env[] = { xdg, NULL };
	const char *args[] = { "--json", "dkim",  "keygen", "example.com",
			       "sel",    "--out", dir,      NULL };
	struct testenv_run run = testenv_run_dmarcpilot(args, env);
	json_t *root, *v;
	json_error_t jerr;
	char *pem, *path, *before, *body_line;
	const char *keys[] = { "domain", "selector", "algorithm", "bits",
			       "key",    "name",     "record",    "snippets" };

	assert_int_equal(run.status, 0);
	root = json_loads(run.out, 0, &jerr);
	assert_non_null(root);
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		assert_non_null(json_object_get(root, keys[i]));
	assert_string_equal(json_string_value(json_object_get(root, "domain")),
			    "example.com");
	assert_string_equal(
	    json_string_value(json_object_get(root, "algorithm")), "rsa");
	assert_int_equal(json_integer_value(json_object_get(root, "bits")),
			 2048);
	assert_string_equal(json_string_value(json_object_get(root, "name")),
			    "sel._domainkey.example.com");
	v = json_object_get(json_object_get(root, "snippets"), "exim");
	assert_non_null(strstr(json_string_value(v), "dkim_selector = sel"));
	path = xstrdup(json_string_value(json_object_get(root, "key")));
	json_decref(root);
	/* No line of the private key appears in the output. */
	pem = testenv_read_file(path, NULL);
	assert_non_null(pem);
	body_line = xstrndup(strchr(pem, '\n') + 1, 64);
	assert_int_equal(strlen(body_line), 64);
	assert_null(strstr(run.out, body_line));
	assert_null(strstr(run.out, "PRIVATE KEY-----"));
	testenv_run_done(&run);

	/* Again: refused, the key stays as it was. */
	before = pem;
	run = testenv_run_dmarcpilot(args, env);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, path));
	assert_null(strchr(strchr(run.err, '\n') + 1, '\n'));
	pem = testenv_read_file(path, NULL);
	assert_string_equal(pem, before);
	testenv_run_done(&run);

	/* Text mode: the zone line first, then the snippets. */
	{
		const char *targs[] = { "dkim",  "keygen",      "example.com",
					"ed",    "--algorithm", "ed25519",
					"--out", dir,           NULL };

		run = testenv_run_dmarcpilot(targs, env);
		assert_int_equal(run.status, 0);
		assert_true(strncmp(run.out,
				    "ed._domainkey.example.com. IN TXT ( "
				    "\"v=DKIM1; k=ed25519; \" \"p=",
				    62) == 0);
		assert_non_null(strstr(run.out, "KeyTable"));
		assert_non_null(strstr(run.out, "smtpd_milters"));
		assert_non_null(strstr(run.out, "dkim_private_key"));
		testenv_run_done(&run);
	}
	/* Usage: 1024 bits needs --force; ed25519 has no --bits. */
	{
		const char *weak[] = { "dkim",  "keygen", "example.com",
				       "w",     "--bits", "1024",
				       "--out", dir,      NULL };
		const char *edbits[] = { "dkim",   "keygen",      "example.com",
					 "w",      "--algorithm", "ed25519",
					 "--bits", "2048",        "--out",
					 dir,      NULL };

		run = testenv_run_dmarcpilot(weak, env);
		assert_int_equal(run.status, 2);
		assert_non_null(strstr(run.err, "--force"));
		testenv_run_done(&run);
		run = testenv_run_dmarcpilot(edbits, env);
		assert_int_equal(run.status, 2);
		testenv_run_done(&run);
	}
	free(before);
	free(pem);
	free(body_line);
	free(path);
	testenv_rmdir(dir);
	free(xdg);
	free(dir);
}

/* dkim check on a zone file (the table resolver): the key published
 * there matches its private key and no other. */
static void test_cli_check_zone(void **state)
{
	char *dir = testenv_mkdtemp();
	char *xdg = xasprintf("XDG_DATA_HOME=%s/xdg", dir);
	const char *env[] = { xdg, NULL };
	const char *gen[] = { "dkim",  "keygen", "example.com", "sel",
			      "--out", dir,      NULL };
	const char *gen2[] = { "dkim",  "keygen", "example.com", "other",
			       "--out", dir,      NULL };
	struct testenv_run run = testenv_run_dmarcpilot(gen, env);
	char *line, *zone, *zpath, *key, *okey;
	json_t *root, *f;
	json_error_t jerr;

	assert_int_equal(run.status, 0);
	line = xstrndup(run.out, strcspn(run.out, "\n"));
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(gen2, env);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	zone = xasprintf("$ORIGIN example.com.\n$TTL 300\n"
			 "@ SOA ns1 host 1 3600 600 86400 300\n@ NS ns1\n"
			 "ns1 A 192.0.2.1\n%s\n",
			 line);
	zpath = testenv_write_file(dir, "example.com.zone", zone);
	key = xasprintf("%s/sel.private", dir);
	okey = xasprintf("%s/other.private", dir);
	{
		const char *args[] = { "--zone", zpath,         "dkim",
				       "check",  "example.com", "sel",
				       "--key",  key,           NULL };

		run = testenv_run_dmarcpilot(args, env);
		assert_int_equal(run.status, 0);
		assert_non_null(strstr(run.out, "matches"));
		assert_non_null(strstr(run.out, "rsa, 2048 bits"));
		testenv_run_done(&run);
	}
	{
		const char *args[] = { "--json", "--zone",      zpath, "dkim",
				       "check",  "example.com", "sel", "--key",
				       okey,     NULL };

		run = testenv_run_dmarcpilot(args, env);
		assert_int_equal(run.status, 1);
		root = json_loads(run.out, 0, &jerr);
		assert_non_null(root);
		assert_false(
		    json_boolean_value(json_object_get(root, "key_matches")));
		assert_int_equal(
		    json_integer_value(json_object_get(root, "bits")), 2048);
		f = json_array_get(json_object_get(root, "findings"), 0);
		assert_string_equal(
		    json_string_value(json_object_get(f, "code")),
		    "dkim.key_mismatch");
		assert_string_equal(
		    json_string_value(json_object_get(f, "selector")), "sel");
		json_decref(root);
		testenv_run_done(&run);
	}
	{
		const char *args[] = { "--zone",      zpath,  "dkim", "check",
				       "example.com", "nope", NULL };

		run = testenv_run_dmarcpilot(args, env);
		assert_int_equal(run.status, 1);
		assert_non_null(strstr(run.out, "dkim.missing"));
		testenv_run_done(&run);
	}
	{
		const char *args[] = { "--zone",      zpath,
				       "dkim",        "check",
				       "example.com", "sel",
				       "--key",       "/nonexistent/k.pem",
				       NULL };

		run = testenv_run_dmarcpilot(args, env);
		assert_int_equal(run.status, 2);
		assert_non_null(strstr(run.err, "/nonexistent/k.pem"));
		testenv_run_done(&run);
	}
	free(line);
	free(zone);
	free(zpath);
	free(key);
	free(okey);
	testenv_rmdir(dir);
	free(xdg);
	free(dir);
}

/* With a database, keygen records the key and check tells its age and
 * warns once the 180 days are over (a warning: exit 0). */
static void test_cli_rotation_due(void **state)
{
	char *dir = testenv_mkdtemp();
	char *xdg = xasprintf("XDG_DATA_HOME=%s/xdg", dir);
	char *db = testenv_db(dir, "state.db");
	const char *env[] = { xdg, NULL };
	const char *gen[] = { "--db",        db,       "--now",
			      "2026-01-01",  "dkim",   "keygen",
			      "example.com", "202601", "--algorithm",
			      "ed25519",     "--out",  dir,
			      NULL };
	struct testenv_run run = testenv_run_dmarcpilot(gen, env);
	char *line, *zone, *zpath;
	json_t *root, *f;
	json_error_t jerr;

	assert_int_equal(run.status, 0);
	line = xstrndup(run.out, strcspn(run.out, "\n"));
	testenv_run_done(&run);
	zone = xasprintf("$ORIGIN example.com.\n$TTL 300\n"
			 "@ SOA ns1 host 1 3600 600 86400 300\n@ NS ns1\n"
			 "ns1 A 192.0.2.1\n%s\n",
			 line);
	zpath = testenv_write_file(dir, "example.com.zone", zone);
	{
		const char *args[] = { "--db",       db,       "--now",
				       "2026-06-29", "--zone", zpath,
				       "dkim",       "check",  "example.com",
				       "202601",     NULL };

		run = testenv_run_dmarcpilot(args, env);
		assert_int_equal(run.status, 0);
		assert_non_null(strstr(run.out, "created 2026-01-01, "
						"rotation due 2026-06-30"));
		assert_null(strstr(run.out, "dkim.rotation_due"));
		testenv_run_done(&run);
	}
	{
		const char *args[] = { "--json",      "--db",       db,
				       "--now",       "2026-07-01", "--zone",
				       zpath,         "dkim",       "check",
				       "example.com", "202601",     NULL };

		run = testenv_run_dmarcpilot(args, env);
		assert_int_equal(run.status, 0);
		root = json_loads(run.out, 0, &jerr);
		assert_non_null(root);
		assert_int_equal(
		    json_integer_value(json_object_get(root, "age_days")), 181);
		assert_string_equal(
		    json_string_value(json_object_get(root, "rotation_due")),
		    "2026-06-30");
		f = json_array_get(json_object_get(root, "findings"), 0);
		assert_string_equal(
		    json_string_value(json_object_get(f, "code")),
		    "dkim.rotation_due");
		assert_string_equal(
		    json_string_value(json_object_get(f, "severity")),
		    "warning");
		json_decref(root);
		testenv_run_done(&run);
	}
	free(line);
	free(zone);
	free(zpath);
	free(db);
	testenv_rmdir(dir);
	free(xdg);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_tag),
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_bare_rsa_public_key),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_string_too_long),
		cmocka_unit_test(test_keygen_rsa_record),
		cmocka_unit_test(test_keygen_ed25519),
		cmocka_unit_test(test_keygen_sizes),
		cmocka_unit_test(test_keygen_never_overwrites),
		cmocka_unit_test(test_keygen_leftover_replaced),
		cmocka_unit_test(test_keygen_shared_dir_refused),
		cmocka_unit_test(test_keygen_sigkill),
		cmocka_unit_test(test_keygen_records_in_store),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_audit_selectors),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_rotation_verify),
		cmocka_unit_test(test_snippets),
		cmocka_unit_test(test_rotation_rules),
		cmocka_unit_test(test_switch_snippets),
		cmocka_unit_test(test_cli_keygen),
		cmocka_unit_test(test_cli_check_zone),
		cmocka_unit_test(test_cli_rotation_due),
	};

	return cmocka_run_group_tests_name("dkim", tests, NULL, NULL);
}
