/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DKIM verification of received mail against an independent signer:
 * messages signed by dkimpy (python3-dkim) over keys served by a real
 * nsd on 127.0.0.1, each verdict compared with dkimpy's own and with the
 * failure an operator must be told; the signed example of RFC 8463
 * Appendix A; canonicalization and signature syntax without DNS. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dkim/arc.h"
#include "dkim/dkim_verify.h"
#include "lib/nsd.h"
#include "lib/signer.h"
#include "lib/testenv.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* RFC 8463 Appendix A.2 and A.3: the keys of the example. */
static const char rfc8463_zone[] =
    "brisbane._domainkey IN TXT \"v=DKIM1; k=ed25519; "
    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
    "test._domainkey IN TXT ( \"v=DKIM1; k=rsa; "
    "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08"
    "a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+y"
    "z1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3"
    "QIDAQAB\" )\n";

struct fixture {
	struct nsd_server server;
	char *dir; /* the signer's output */
};

/* Signs the cases with dkimpy and serves their keys from nsd. */
static int setup(void **state)
{
	struct fixture *f;
	char *zone, *pre, *pre2, *keys, *rfc;

	if (!nsd_available() || !signer_available()) {
		fprintf(stderr, "skipped: needs nsd, python3-dkim and "
				"python3-nacl\n");
		*state = NULL;
		return 0;
	}
	f = xcalloc(1, sizeof *f);
	f->dir = signer_run(&keys);
	if (!f->dir)
		return -1;
	pre = nsd_zone_preamble("example.test");
	pre2 = nsd_zone_preamble("football.example.com");
	zone = xasprintf("%s%s", pre, keys);
	rfc = xasprintf("%s%s", pre2, rfc8463_zone);
	{
		struct nsd_zone zones[] = { { "example.test", zone },
					    { "football.example.com", rfc } };

		if (!nsd_start(&f->server, zones, 2))
			return -1;
	}
	free(pre);
	free(pre2);
	free(keys);
	free(zone);
	free(rfc);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	nsd_stop(&f->server);
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Verifies the message in path through a live resolver asking nsd,
 * at the clock now (seconds since the epoch). */
static void verify_file_at(struct fixture *f, const char *path,
			   struct dkim_msg *msg, struct dkim_checks *c,
			   int64_t now)
{
	struct dns_live_options o = { .servers = f->server.address,
				      .timeout = 3,
				      .tries = 2 };
	struct err err = ERR_INIT;
	struct dns *dns = NULL;
	size_t len;
	char *data = testenv_read_file(path, &len);

	if (!data)
		fail_msg("cannot read %s", path);
	if (dkim_msg_parse(data, len, msg, &err) != STATUS_OK)
		fail_msg("%s: %s", path, err_message(&err));
	free(data);
	if (dns_new_live(&dns, &o, &err) != STATUS_OK)
		fail_msg("resolver: %s", err_message(&err));
	dkim_checks_start(dns, msg, c);
	assert_int_equal(dns_run(dns), STATUS_OK);
	dkim_checks_finish(msg, c, now);
	dns_free(dns);
}

/* The same at the real clock, which dkimpy put in t=. */
static void verify_file(struct fixture *f, const char *path,
			struct dkim_msg *msg, struct dkim_checks *c)
{
	verify_file_at(f, path, msg, c, (int64_t)time(NULL));
}

/* dkimpy's verdict for a case: the rest of its line in DIR/file
 * ("pass fail ..." in expect.txt, the cv in arc-expect.txt). */
static char *dkimpy_verdict(struct fixture *f, const char *file,
			    const char *name)
{
	char *path = xasprintf("%s/%s", f->dir, file);
	char *text = testenv_read_file(path, NULL), *line, *save = NULL;
	char *found = NULL;
	size_t nlen = strlen(name);

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, name, nlen) == 0 && line[nlen] == ' ')
			found = xstrdup(line + nlen + 1);
	free(text);
	free(path);
	if (!found)
		fail_msg("no dkimpy verdict for %s in %s", name, file);
	return found;
}

/* One signed case: our results, in header order, and the reason of the
 * first failure. */
struct dkim_case {
	const char *name;
	const char *results; /* "pass pass" as dkimpy would write them */
	enum dkim_reason reason;
};

static void check_case(struct fixture *f, const struct dkim_case *k)
{
	struct dkim_msg msg;
	struct dkim_checks c;
	struct strbuf got = STRBUF_INIT;
	char *path = xasprintf("%s/%s.eml", f->dir, k->name);
	char *theirs = dkimpy_verdict(f, "expect.txt", k->name);
	enum dkim_reason reason = DKIM_REASON_NONE;

	verify_file(f, path, &msg, &c);
	for (size_t i = 0; i < c.count; i++) {
		/* dkimpy says pass or fail; ours says which kind. */
		strbuf_addf(&got, "%s%s", i ? " " : "",
			    c.items[i].result == DKIM_PASS ? "pass" : "fail");
		if (c.items[i].result != DKIM_PASS && !reason)
			reason = c.items[i].reason;
	}
	if (strcmp(strbuf_str(&got), k->results) != 0 ||
	    strcmp(theirs, k->results) != 0 || reason != k->reason)
		fail_msg("%s: ours '%s' (%s: %s), dkimpy '%s', expected '%s' "
			 "(%s)",
			 k->name, strbuf_str(&got), dkim_reason_name(reason),
			 c.count && c.items[0].detail ? c.items[0].detail : "",
			 theirs, k->results, dkim_reason_name(k->reason));
	strbuf_done(&got);
	free(theirs);
	free(path);
	dkim_checks_done(&c);
	dkim_msg_done(&msg);
}

/* Every case the signer made, judged as dkimpy judges it and with the
 * failing part named. */
static void test_dkimpy_signed(void **state)
{
	static const struct dkim_case cases[] = {
		{ "relaxed", "pass", DKIM_REASON_NONE },
		{ "simple", "pass", DKIM_REASON_NONE },
		{ "relaxed-simple", "pass", DKIM_REASON_NONE },
		{ "length", "pass", DKIM_REASON_NONE },
		{ "ed25519", "pass", DKIM_REASON_NONE },
		{ "two", "pass pass", DKIM_REASON_NONE },
		{ "sha1", "pass", DKIM_REASON_NONE },
		{ "oversigned", "pass", DKIM_REASON_NONE },
		{ "unix-lines", "pass", DKIM_REASON_NONE },
		{ "tampered-body", "fail", DKIM_REASON_BODY_HASH },
		{ "tampered-header", "fail", DKIM_REASON_SIGNATURE },
		{ "oversigned-added", "fail", DKIM_REASON_SIGNATURE },
		{ "revoked", "fail", DKIM_REASON_KEY_REVOKED },
		{ "no-key", "fail", DKIM_REASON_KEY_MISSING },
		{ "small-key", "fail", DKIM_REASON_KEY_SIZE },
		{ "huge-key", "fail", DKIM_REASON_KEY_SIZE },
	};
	struct fixture *f = *state;

	if (!f)
		skip();
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		check_case(f, &cases[i]);
}

/* Signatures with a chosen t= and x= (dkimpy signing, and dkimpy's own
 * verdict at each clock in timed-expect.txt): valid until x=, refused
 * after it; refused while t= lies ahead, valid once it is past. */
static void test_timed(void **state)
{
	struct fixture *f = *state;
	char *text, *line, *save = NULL, *expect;
	size_t n = 0;

	if (!f)
		skip();
	expect = xasprintf("%s/timed-expect.txt", f->dir);
	text = testenv_read_file(expect, NULL);
	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64], verdict[16], *path;
		long long now;
		struct dkim_msg msg;
		struct dkim_checks c;
		enum dkim_reason want;

		assert_int_equal(
		    sscanf(line, "%63s %lld %15s", name, &now, verdict), 3);
		path = xasprintf("%s/%s.eml", f->dir, name);
		verify_file_at(f, path, &msg, &c, (int64_t)now);
		assert_int_equal(c.count, 1);
		want = strcmp(verdict, "pass") == 0 ? DKIM_REASON_NONE
		       : strstr(name, "future")     ? DKIM_REASON_FUTURE
						    : DKIM_REASON_EXPIRED;
		if ((c.items[0].result == DKIM_PASS) !=
			(strcmp(verdict, "pass") == 0) ||
		    c.items[0].reason != want)
			fail_msg("%s at %lld: ours %s (%s), dkimpy %s", name,
				 now, dkim_result_name(c.items[0].result),
				 dkim_reason_name(c.items[0].reason), verdict);
		dkim_checks_done(&c);
		dkim_msg_done(&msg);
		free(path);
		n++;
	}
	assert_int_equal(n, 4);
	free(text);
	free(expect);
}

/* What the verifier reports beside the verdict: the algorithm (rsa-sha1
 * to be flagged), the key size, the signing domain and selector. */
static void test_details(void **state)
{
	struct fixture *f = *state;
	struct dkim_msg msg;
	struct dkim_checks c;
	char *path;

	if (!f)
		skip();
	path = xasprintf("%s/sha1.eml", f->dir);
	verify_file(f, path, &msg, &c);
	assert_int_equal(c.count, 1);
	assert_int_equal(c.items[0].sig.alg, DKIM_ALG_RSA_SHA1);
	assert_int_equal(c.items[0].bits, 2048);
	assert_string_equal(c.items[0].sig.d, "example.test");
	assert_string_equal(c.items[0].sig.s, "rsa");
	dkim_checks_done(&c);
	dkim_msg_done(&msg);
	free(path);

	path = xasprintf("%s/ed25519.eml", f->dir);
	verify_file(f, path, &msg, &c);
	assert_int_equal(c.items[0].sig.alg, DKIM_ALG_ED25519_SHA256);
	assert_int_equal(c.items[0].bits, 256);
	dkim_checks_done(&c);
	dkim_msg_done(&msg);
	free(path);
}

/* ARC chains sealed by dkimpy's arc_sign at one and two hops: the
 * verdict is dkimpy's, and a broken chain names the hop. */
static void test_arc_chains(void **state)
{
	static const struct {
		const char *name;
		const char *result;
		size_t count;
		int broken;      /* the hop named */
		int oldest_pass; /* the oldest AMS still valid */
	} cases[] = {
		{ "arc-one", "pass", 1, 0, 1 },
		/* hop 2 added a footer: hop 1's AMS no longer verifies,
		 * hop 2's seal vouches for hop 1's results. */
		{ "arc-two", "pass", 2, 0, 2 },
		{ "arc-changed", "fail", 2, 2, 0 },
		{ "arc-tampered", "fail", 2, 2, 2 },
	};
	struct fixture *f = *state;
	struct dns_live_options o = { .tries = 2, .timeout = 3 };

	if (!f)
		skip();
	o.servers = f->server.address;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *path = xasprintf("%s/%s.eml", f->dir, cases[i].name);
		char *theirs =
		    dkimpy_verdict(f, "arc-expect.txt", cases[i].name);
		char *data;
		size_t len;
		struct dkim_msg msg;
		struct arc_chain chain;
		struct err err = ERR_INIT;
		struct dns *dns = NULL;

		data = testenv_read_file(path, &len);
		assert_int_equal(dkim_msg_parse(data, len, &msg, &err),
				 STATUS_OK);
		assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
		arc_start(dns, &msg, &chain);
		assert_int_equal(dns_run(dns), STATUS_OK);
		arc_finish(&msg, &chain, (int64_t)time(NULL));
		if (strcmp(chain.result, cases[i].result) != 0 ||
		    strcmp(theirs, cases[i].result) != 0 ||
		    chain.count != cases[i].count ||
		    chain.broken != cases[i].broken ||
		    chain.oldest_pass != cases[i].oldest_pass)
			fail_msg("%s: ours %s (%zu hops, broken %d, oldest "
				 "pass %d: %s), dkimpy %s",
				 cases[i].name, chain.result, chain.count,
				 chain.broken, chain.oldest_pass,
				 chain.detail ? chain.detail : "", theirs);
		arc_chain_done(&chain);
		dns_free(dns);
		dkim_msg_done(&msg);
		free(data);
		free(theirs);
		free(path);
	}
}

/* RFC 8463 Appendix A: the signed example verifies with both keys. */
static void test_rfc8463(void **state)
{
	struct fixture *f = *state;
	struct dkim_msg msg;
	struct dkim_checks c;
	char *path;

	if (!f)
		skip();
	path = xasprintf("%s/tests/mail/rfc8463.eml", testenv_srcdir());
	verify_file(f, path, &msg, &c);
	assert_int_equal(c.count, 2);
	assert_int_equal(c.items[0].sig.alg, DKIM_ALG_ED25519_SHA256);
	assert_int_equal(c.items[0].result, DKIM_PASS);
	assert_int_equal(c.items[1].sig.alg, DKIM_ALG_RSA_SHA256);
	assert_int_equal(c.items[1].result, DKIM_PASS);
	dkim_checks_done(&c);
	dkim_msg_done(&msg);
	free(path);
}

/* l= longer than the body is named, not passed or crashed on. */
static void test_length_beyond_body(void **state)
{
	struct fixture *f = *state;
	struct dkim_msg msg;
	struct dkim_checks c;
	char *path, *text, *at, *out;
	size_t len;

	if (!f)
		skip();
	path = xasprintf("%s/length.eml", f->dir);
	text = testenv_read_file(path, &len);
	at = strstr(text, " l=");
	assert_non_null(at);
	*at = '\0';
	out = xasprintf("%s l=99999999;%s", text, strchr(at + 1, ';') + 1);
	free(text);
	text = testenv_write_file(f->dir, "length-beyond.eml", out);
	verify_file(f, text, &msg, &c);
	assert_int_equal(c.items[0].result, DKIM_PERMERROR);
	assert_int_equal(c.items[0].reason, DKIM_REASON_LENGTH);
	dkim_checks_done(&c);
	dkim_msg_done(&msg);
	free(out);
	free(text);
	free(path);
}

/* 10,000 signatures: the first 32 are verified, the rest counted. */
static void test_many_signatures(void **state)
{
	struct fixture *f = *state;
	struct strbuf sb = STRBUF_INIT;
	struct dkim_msg msg;
	struct dkim_checks c;
	char *path, *good;

	if (!f)
		skip();
	path = xasprintf("%s/relaxed.eml", f->dir);
	good = testenv_read_file(path, NULL);
	free(path);
	for (int i = 0; i < 10000; i++)
		strbuf_addstr(&sb, "DKIM-Signature: v=1; a=rsa-sha256; "
				   "d=example.test; s=nosuch; h=from; "
				   "bh=AAAA; b=AAAA\r\n");
	strbuf_addstr(&sb, good);
	free(good);
	path = testenv_write_file(f->dir, "many.eml", strbuf_str(&sb));
	verify_file(f, path, &msg, &c);
	assert_int_equal(c.count, DKIM_MAX_SIGNATURES);
	assert_int_equal(c.skipped, 10001 - DKIM_MAX_SIGNATURES);
	assert_int_equal(c.items[0].reason, DKIM_REASON_KEY_MISSING);
	dkim_checks_done(&c);
	dkim_msg_done(&msg);
	strbuf_done(&sb);
	free(path);
}

/* RFC 6376 3.4.5: the canonicalization examples. */
static void test_canon_examples(void **state)
{
	static const char a[] = "A: X\r\n";
	static const char b[] = "B : Y\t\r\n\tZ  \r\n";
	static const char body[] = " C \r\nD \t E\r\n\r\n\r\n";
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	dkim_canon_header(&sb, a, 4, true, true);
	dkim_canon_header(&sb, b, strlen(b) - 2, true, true);
	assert_string_equal(strbuf_str(&sb), "a:X\r\nb:Y Z\r\n");
	strbuf_reset(&sb);
	dkim_canon_body(&sb, body, strlen(body), true);
	assert_string_equal(strbuf_str(&sb), " C\r\nD E\r\n");
	strbuf_reset(&sb);
	dkim_canon_header(&sb, b, strlen(b) - 2, false, true);
	assert_string_equal(strbuf_str(&sb), b);
	strbuf_reset(&sb);
	dkim_canon_body(&sb, body, strlen(body), false);
	assert_string_equal(strbuf_str(&sb), " C \r\nD \t E\r\n");
	strbuf_reset(&sb);
	/* An empty body: one CRLF under simple, nothing under relaxed. */
	dkim_canon_body(&sb, "", 0, false);
	assert_string_equal(strbuf_str(&sb), "\r\n");
	strbuf_reset(&sb);
	dkim_canon_body(&sb, "", 0, true);
	assert_int_equal(sb.len, 0);
	strbuf_done(&sb);
}

/* b= is emptied for the header hash, bh= left alone. */
static void test_strip_b(void **state)
{
	static const char raw[] =
	    "DKIM-Signature: v=1; bh=abc=;\r\n b=de\r\n f/g=; d=x";
	size_t len;
	char *out = dkim_canon_strip_b(raw, strlen(raw), &len);

	(void)state;
	assert_string_equal(out, "DKIM-Signature: v=1; bh=abc=;\r\n b=; d=x");
	free(out);
}

/* Signature syntax errors are named. */
static void test_sig_syntax(void **state)
{
	static const struct {
		const char *value;
		const char *message; /* a part of the error */
		enum status status;
	} cases[] = {
		{ "v=1; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA",
		  "b=", STATUS_PARSE },
		{ "v=1; a=rsa-sha256; d=x.test; s=s; h=to; bh=AAAA; b=AAAA",
		  "From", STATUS_PARSE },
		{ "v=1; a=rsa-sha256; d=x.test; d=y.test; s=s; h=from; "
		  "bh=AAAA; b=AAAA",
		  "twice", STATUS_PARSE },
		{ "v=1; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; "
		  "b=A*A=",
		  "base64", STATUS_PARSE },
		{ "v=1; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; "
		  "b=AAAA; i=a@other.test",
		  "i=", STATUS_PARSE },
		{ "v=1; a=rsa-sha512; d=x.test; s=s; h=from; bh=AAAA; b=AAAA",
		  "rsa-sha512", STATUS_UNSUPPORTED },
		{ "v=2; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; b=AAAA",
		  "version", STATUS_PARSE },
		{ "v=1; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; b=AAAA; "
		  "t=200; x=100",
		  "x=", STATUS_PARSE },
	};
	static const char good[] =
	    "v=1; a=ed25519-sha256; c=relaxed; d=X.Test; s=Sel; "
	    "h=From : To; bh=AAAA; b=AA\r\n AA; i=@sub.x.test; l=10";
	struct dkim_sig sig;
	struct err err = ERR_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		enum status st = dkim_sig_parse(
		    cases[i].value, strlen(cases[i].value), &sig, &err);

		if (st != cases[i].status ||
		    !strstr(err_message(&err), cases[i].message))
			fail_msg("%s: %d %s", cases[i].value, st,
				 err_message(&err));
		dkim_sig_done(&sig);
		err_done(&err);
	}
	assert_int_equal(dkim_sig_parse(good, strlen(good), &sig, &err),
			 STATUS_OK);
	assert_string_equal(sig.d, "x.test");
	assert_string_equal(sig.s, "sel");
	assert_true(sig.header_relaxed);
	assert_false(sig.body_relaxed);
	assert_int_equal(sig.nh, 2);
	assert_string_equal(sig.h[1], "To");
	assert_int_equal(sig.b_len, 3);
	assert_true(sig.has_l);
	assert_int_equal(sig.l, 10);
	dkim_sig_done(&sig);
}

/* A header of 50 MB, a NUL in the header and no header at all are
 * refused with their reason. */
static void test_hostile_messages(void **state)
{
	static const char mbox[] = "From a@b Fri Dec  4 10:00:00 2026\n"
				   "Subject: one\n\nbody\n\n"
				   "From c@d Fri Dec  4 10:00:00 2026\n"
				   "Subject: two\n\nbody2\n";
	size_t big = 50u << 20;
	char *data = xmalloc(big);
	struct dkim_msg msg;
	struct err err = ERR_INIT;

	(void)state;
	memcpy(data, "X-Big: ", 7);
	memset(data + 7, 'a', big - 7);
	assert_int_equal(dkim_msg_parse(data, big, &msg, &err), STATUS_LIMIT);
	assert_non_null(strstr(err_message(&err), "header"));
	err_done(&err);
	free(data);
	assert_int_equal(dkim_msg_parse("From: a\0b\r\n\r\n", 13, &msg, &err),
			 STATUS_PARSE);
	err_done(&err);
	assert_int_equal(dkim_msg_parse("just text\r\n", 11, &msg, &err),
			 STATUS_PARSE);
	err_done(&err);
	/* An mbox: the first message, its separator line dropped. */
	assert_int_equal(dkim_msg_parse(mbox, sizeof mbox - 1, &msg, &err),
			 STATUS_OK);
	assert_int_equal(msg.nfields, 1);
	assert_int_equal(msg.body_len, 6);
	assert_memory_equal(msg.body, "body\r\n", 6);
	dkim_msg_done(&msg);
}

int main(void)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_canon_examples),
		cmocka_unit_test(test_strip_b),
		cmocka_unit_test(test_sig_syntax),
		cmocka_unit_test(test_hostile_messages),
	};
	const struct CMUnitTest signed_[] = {
		cmocka_unit_test(test_dkimpy_signed),
		cmocka_unit_test(test_details),
		cmocka_unit_test(test_timed),
		cmocka_unit_test(test_rfc8463),
		cmocka_unit_test(test_length_beyond_body),
		cmocka_unit_test(test_many_signatures),
		cmocka_unit_test(test_arc_chains),
	};
	int rc = cmocka_run_group_tests_name("mail_dkim", unit, NULL, NULL);

	return rc | cmocka_run_group_tests_name("mail_dkim_signed", signed_,
						setup, teardown);
}
