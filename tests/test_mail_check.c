/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 'dmarcpilot mail check' as an operator runs it: messages signed by
 * dkimpy, as a receiver saved them (Received, Return-Path,
 * Authentication-Results as Gmail writes it), checked against SPF,
 * DMARC, DKIM keys and reverse DNS served by a real nsd; the JSON keys
 * of DESIGN.md section 5, the text, and exit 0, 1 and 2. Also the
 * Authentication-Results parser (RFC 8601) on its own. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mail/authres.h"
#include "lib/nsd.h"
#include "lib/signer.h"
#include "lib/testenv.h"
#include "lib/tmux.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* The sending side's DNS: SPF for 192.0.2.0/24, DMARC p=reject, a
 * sending host with matching forward and reverse names. */
static const char sender_zone[] =
    "@ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:d@example.test\"\n"
    "mail IN A 192.0.2.10\n";

/* Two parents of a subdomain that sends: psd.test says it is a public
 * suffix domain (RFC 9989 psd=y), org.test is an ordinary
 * organizational domain. Each serves the signer's RSA key. */
static const char psd_zone[] = "_dmarc IN TXT \"v=DMARC1; p=reject; psd=y\"\n"
			       "_dmarc.shop IN TXT \"v=DMARC1; p=reject\"\n";
static const char org_zone[] = "_dmarc IN TXT \"v=DMARC1; p=reject\"\n";

static const char reverse_zone[] = "10 IN PTR mail.example.test.\n"
				   "11 IN PTR elsewhere.example.test.\n";

/* How the receiver saved the message: its Received line, Return-Path
 * and Authentication-Results as Gmail writes them. */
/* clang-format off */
#define RECEIVED(ip, with)                                                  \
	"Received: from mail.example.test (mail.example.test. [" ip "])\r\n" \
	"        by mx.google.com with " with " id a1si123;\r\n"             \
	"        Fri, 04 Dec 2026 10:00:01 -0800 (PST)\r\n"
/* clang-format on */

static const char gmail_ar[] =
    "Authentication-Results: mx.google.com;\r\n"
    "       dkim=pass header.i=@example.test header.s=rsa "
    "header.b=\"MjJp+/=x\";\r\n"
    "       spf=pass (google.com: domain of bounce@example.test "
    "designates 192.0.2.10 as permitted sender) "
    "smtp.mailfrom=bounce@example.test;\r\n"
    "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) "
    "header.from=example.test\r\n";

struct fixture {
	struct nsd_server server;
	char *dir;
};

static int setup(void **state)
{
	struct fixture *f;
	char *keys, *pre, *pre2, *zone, *rev, *pre3, *pre4, *psd, *org;

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
	pre2 = nsd_zone_preamble("2.0.192.in-addr.arpa");
	zone = xasprintf("%s%s%s", pre, sender_zone, keys);
	rev = xasprintf("%s%s", pre2, reverse_zone);
	pre3 = nsd_zone_preamble("psd.test");
	pre4 = nsd_zone_preamble("org.test");
	psd = xasprintf("%s%s%s", pre3, psd_zone, keys);
	org = xasprintf("%s%s%s", pre4, org_zone, keys);
	{
		struct nsd_zone zones[] = {
			{ "example.test", zone },
			{ "2.0.192.in-addr.arpa", rev },
			{ "psd.test", psd },
			{ "org.test", org },
		};

		if (!nsd_start(&f->server, zones, 4))
			return -1;
	}
	free(pre3);
	free(pre4);
	free(psd);
	free(org);
	free(pre);
	free(pre2);
	free(keys);
	free(zone);
	free(rev);
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

/* Writes head + the signed case into a file and returns its path. */
static char *saved_message(struct fixture *f, const char *head,
			   const char *signed_case)
{
	char *path = xasprintf("%s/%s.eml", f->dir, signed_case);
	char *body = testenv_read_file(path, NULL);
	char *text = xasprintf("%s%s", head, body);
	char *out = testenv_write_file(f->dir, "saved.eml", text);

	free(path);
	free(body);
	free(text);
	return out;
}

/* Runs mail check with --json and extra arguments; returns the parsed
 * object (the exit status in *status). */
static json_t *check_json(struct fixture *f, const char *file,
			  const char *const *extra, int *status)
{
	const char *args[24] = { "--resolver", f->server.address, "--json",
				 "mail",       "check",           file };
	size_t n = 6;
	struct testenv_run run;
	json_error_t jerr;
	json_t *root;

	for (size_t i = 0; extra && extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	run = testenv_run_dmarcpilot(args, NULL);
	*status = run.status;
	root = json_loads(run.out, 0, &jerr);
	if (getenv("MAIL_CHECK_DEBUG"))
		fprintf(stderr, "%s\n%s\n", run.out, run.err);
	if (!root)
		fail_msg("not JSON (%d): %s\n%s", run.status, run.out, run.err);
	testenv_run_done(&run);
	return root;
}

/* The result of one bulk-sender rule. */
static const char *rule_result(json_t *root, const char *rule)
{
	json_t *rules = json_object_get(root, "bulk_sender"), *e;
	size_t i;

	json_array_foreach(
	    rules, i,
	    e) if (strcmp(json_string_value(json_object_get(e, "rule")),
			  rule) ==
		   0) return json_string_value(json_object_get(e, "result"));
	fail_msg("no rule %s", rule);
	return NULL;
}

static const char *str_at(json_t *o, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(o, a), b));
}

/* A well-sent message as Gmail saved it: everything passes, the
 * receiver's results agree, exit 0; the fixed keys are there. */
static void test_good_message(void **state)
{
	static const char *const keys[] = {
		"dkim",
		"arc",
		"spf",
		"dmarc",
		"authentication_results",
		"disagreements",
		"bulk_sender",
	};
	struct fixture *f = *state;
	char *head, *file;
	json_t *root, *dk, *ar;
	int status;

	if (!f)
		skip();
	head = xasprintf("Return-Path: <bounce@example.test>\r\n%s%s",
			 RECEIVED("192.0.2.10", "ESMTPS"), gmail_ar);
	file = saved_message(f, head, "oversigned");
	root = check_json(f, file, NULL, &status);
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		assert_non_null(json_object_get(root, keys[i]));
	assert_int_equal(status, 0);
	dk = json_array_get(json_object_get(root, "dkim"), 0);
	assert_string_equal(str_at(root, "spf", "result"), "pass");
	assert_string_equal(json_string_value(json_object_get(dk, "domain")),
			    "example.test");
	assert_string_equal(json_string_value(json_object_get(dk, "selector")),
			    "rsa");
	assert_string_equal(json_string_value(json_object_get(dk, "result")),
			    "pass");
	assert_true(json_is_null(json_object_get(dk, "reason")));
	assert_string_equal(str_at(root, "dmarc", "result"), "pass");
	assert_string_equal(str_at(root, "dmarc", "policy"), "reject");
	assert_int_equal(
	    json_array_size(json_object_get(root, "disagreements")), 0);
	ar = json_array_get(json_object_get(root, "authentication_results"), 0);
	assert_string_equal(
	    json_string_value(json_object_get(ar, "authserv_id")),
	    "mx.google.com");
	for (const char *const *r =
		 (const char *const[]){
		     "spf_pass", "dkim_pass", "dkim_key_size", "dmarc_record",
		     "dmarc_pass", "fcrdns", "tls", "one_click_unsubscribe",
		     "message_format", NULL };
	     *r; r++)
		if (strcmp(rule_result(root, *r), "pass") != 0)
			fail_msg("%s: %s", *r, rule_result(root, *r));
	json_decref(root);
	free(file);
	free(head);
}

/* A forged message: the body changed, sent from an address SPF does
 * not allow and whose reverse name does not resolve back, over plain
 * SMTP. Each failure is said, with the receiver's disagreement, and
 * the exit status is 1. */
static void test_failing_message(void **state)
{
	struct fixture *f = *state;
	char *head, *file;
	json_t *root, *dk, *dis;
	int status;

	if (!f)
		skip();
	head = xasprintf(
	    "Return-Path: <bounce@example.test>\r\n%s%s",
	    RECEIVED("192.0.2.11",
		     "ESMTP") "Received: from [10.0.0.5] by mail.example.test "
			      "with ESMTPSA;\r\n Fri, 04 Dec 2026 10:00:00 "
			      "-0800\r\n",
	    gmail_ar);
	file = saved_message(f, head, "tampered-body");
	root = check_json(f, file, NULL, &status);
	assert_int_equal(status, 1);
	dk = json_array_get(json_object_get(root, "dkim"), 0);
	assert_string_equal(json_string_value(json_object_get(dk, "result")),
			    "fail");
	assert_string_equal(json_string_value(json_object_get(dk, "reason")),
			    "body_hash");
	/* 192.0.2.11 is inside the SPF range; forged From keeps it. */
	assert_string_equal(str_at(root, "spf", "result"), "pass");
	assert_string_equal(str_at(root, "dmarc", "result"), "pass");
	assert_string_equal(rule_result(root, "dkim_pass"), "fail");
	assert_string_equal(rule_result(root, "fcrdns"), "fail");
	assert_string_equal(rule_result(root, "tls"), "fail");
	dis = json_array_get(json_object_get(root, "disagreements"), 0);
	assert_non_null(dis);
	assert_string_equal(json_string_value(json_object_get(dis, "method")),
			    "dkim");
	assert_string_equal(json_string_value(json_object_get(dis, "theirs")),
			    "pass");
	assert_string_equal(json_string_value(json_object_get(dis, "ours")),
			    "fail");
	json_decref(root);
	free(file);
	free(head);
}

/* --ip and --mail-from override the Received line; outside SPF and
 * without a valid signature DMARC fails, and reject applies. */
static void test_options_and_dmarc_fail(void **state)
{
	static const char *const extra[] = { "--ip", "198.51.100.7",
					     "--mail-from",
					     "bounce@example.test", NULL };
	struct fixture *f = *state;
	char *file;
	json_t *root;
	int status;

	if (!f)
		skip();
	file = saved_message(f, "", "tampered-header");
	root = check_json(f, file, extra, &status);
	assert_int_equal(status, 1);
	assert_string_equal(str_at(root, "spf", "ip"), "198.51.100.7");
	assert_string_equal(str_at(root, "spf", "result"), "fail");
	assert_string_equal(str_at(root, "dmarc", "result"), "fail");
	assert_string_equal(str_at(root, "dmarc", "disposition"), "reject");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(root, "dkim"), 0), "reason")),
	    "signature");
	assert_string_equal(rule_result(root, "tls"), "cannot_tell");
	json_decref(root);
	free(file);
}

/* --trusted-hosts skips the operator's own relay at the top. */
static void test_trusted_hosts(void **state)
{
	static const char *const extra[] = { "--trusted-hosts",
					     "203.0.113.0/24,relay.local",
					     NULL };
	struct fixture *f = *state;
	char *head, *file;
	json_t *root;
	int status;

	if (!f)
		skip();
	head = xasprintf(
	    "Return-Path: <bounce@example.test>\r\n"
	    "Received: from mx.receiver.test (mx.receiver.test "
	    "[203.0.113.5]) by relay.local with ESMTP; Fri, 04 Dec 2026 "
	    "10:00:02 +0000\r\n%s",
	    RECEIVED("192.0.2.10", "ESMTPS"));
	file = saved_message(f, head, "relaxed");
	root = check_json(f, file, extra, &status);
	assert_string_equal(str_at(root, "spf", "ip"), "192.0.2.10");
	assert_string_equal(str_at(root, "spf", "result"), "pass");
	json_decref(root);
	free(file);
	free(head);
}

/* What cannot be read is exit 2 with the file named; stdin works. */
/* --now moves the clock x= and t= are judged at: the signature dkimpy
 * made valid for one day passes on that day and is expired two days
 * later, with the reason in the JSON. */
static void test_now_and_expiry(void **state)
{
	static const struct {
		const char *now, *result, *reason;
	} days[] = {
		{ "--now=2026-12-04", "pass", NULL },
		{ "--now=2026-12-07", "permerror", "expired" },
	};
	struct fixture *f = *state;
	char *file;

	if (!f)
		skip();
	file = xasprintf("%s/timed-expiring.eml", f->dir);
	for (size_t i = 0; i < sizeof days / sizeof *days; i++) {
		const char *extra[] = { days[i].now,           "--ip",
					"192.0.2.10",          "--mail-from",
					"bounce@example.test", NULL };
		int status;
		json_t *root = check_json(f, file, extra, &status);
		json_t *dk = json_array_get(json_object_get(root, "dkim"), 0);

		assert_string_equal(
		    json_string_value(json_object_get(dk, "result")),
		    days[i].result);
		if (days[i].reason)
			assert_string_equal(
			    json_string_value(json_object_get(dk, "reason")),
			    days[i].reason);
		else
			assert_true(
			    json_is_null(json_object_get(dk, "reason")));
		json_decref(root);
	}
	free(file);
}

/* Relaxed DKIM alignment by the RFC 9989 tree walk: a message from
 * shop.psd.test signed by psd.test does not align, since psd.test says
 * it is a public suffix domain and the organizational domain of
 * shop.psd.test is itself (the Public Suffix List alone would call them
 * one organization); from shop.org.test signed by org.test it aligns. */
static void test_tree_walk_alignment(void **state)
{
	static const struct {
		const char *file, *from_org, *d, *d_org, *verdict;
	} cases[] = {
		{ "psd.eml", "shop.psd.test", "psd.test", "psd.test", "fail" },
		{ "org.eml", "org.test", "org.test", "org.test", "pass" },
	};
	struct fixture *f = *state;

	if (!f)
		skip();
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *extra[] = { "--ip",        "192.0.2.10",
					"--mail-from", "<>",
					"--helo",      "mail.example.test",
					NULL };
		char *file = xasprintf("%s/%s", f->dir, cases[i].file);
		int status;
		json_t *root = check_json(f, file, extra, &status);
		json_t *d = json_object_get(root, "dmarc");
		json_t *orgs = json_object_get(d, "org_domains");
		json_t *dk = json_array_get(json_object_get(root, "dkim"), 0);
		char *from = xasprintf("shop.%s", cases[i].d);

		assert_string_equal(
		    json_string_value(json_object_get(dk, "result")), "pass");
		assert_string_equal(
		    json_string_value(json_object_get(orgs, from)),
		    cases[i].from_org);
		assert_string_equal(
		    json_string_value(json_object_get(orgs, cases[i].d)),
		    cases[i].d_org);
		assert_string_equal(
		    json_string_value(json_object_get(d, "result")),
		    cases[i].verdict);
		free(from);
		free(file);
		json_decref(root);
	}
}

static void test_unreadable(void **state)
{
	struct fixture *f = *state;
	const char *missing[] = { "mail", "check", "/nonexistent/msg.eml",
				  NULL };
	const char *usage[] = { "mail", "check", NULL };
	struct testenv_run run;
	char *file, *text;

	if (!f)
		skip();
	run = testenv_run_dmarcpilot(missing, NULL);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "/nonexistent/msg.eml"));
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(usage, NULL);
	assert_int_equal(run.status, 2);
	testenv_run_done(&run);
	file = testenv_write_file(f->dir, "notmail.eml",
				  "this is not a message\n");
	missing[2] = file;
	run = testenv_run_dmarcpilot(missing, NULL);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "notmail.eml"));
	testenv_run_done(&run);
	free(file);
	/* The same message on stdin, text output. */
	file = xasprintf("%s/relaxed.eml", f->dir);
	text = testenv_read_file(file, NULL);
	{
		const char *argv[] = {
			testenv_binary(), "--resolver", f->server.address,
			"mail",           "check",      "-",
			"--ip",           "192.0.2.10", "--mail-from",
			"b@example.test", NULL
		};

		run = testenv_run(argv, NULL, text);
	}
	assert_non_null(strstr(run.out, "pass      example.test s=rsa"));
	assert_non_null(strstr(run.out, "Bulk-sender rules"));
	testenv_run_done(&run);
	free(text);
	free(file);
}

/* Runs argv with the kernel refusing poll() and ppoll() (ENOMEM, by a
 * seccomp filter): a resolver loop that fails while its queries are out.
 * The test binary does this when started as "--no-poll PROGRAM ARGS". */
static int exec_without_poll(char **argv)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
#ifdef __NR_poll
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_poll, 2, 0),
#else
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ppoll, 2, 0),
#endif
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ppoll, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOMEM),
	};
	struct sock_fprog prog = { sizeof filter / sizeof filter[0], filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		perror("seccomp");
		return 127;
	}
	execv(argv[0], argv);
	perror(argv[0]);
	return 127;
}

/* 'mail check' whose resolver loop fails while the queries of the DKIM
 * keys, SPF, DMARC and reverse DNS are out: it says so and exits 2, and
 * no late answer reaches a lookup already freed (MALLOC_PERTURB_ fills
 * freed memory, so one would crash; AddressSanitizer names it). */
static void test_poll_fails(void **state)
{
	struct fixture *f = *state;
	const char *env[] = { "MALLOC_PERTURB_=165", NULL };
	struct testenv_run run;
	char self[4096];
	ssize_t n;
	char *file;

	if (!f)
		skip();
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	assert_true(n > 0);
	self[n] = '\0';
	file = xasprintf("%s/relaxed.eml", f->dir);
	{
		const char *argv[] = { self,
				       "--no-poll",
				       testenv_binary(),
				       "--resolver",
				       f->server.address,
				       "mail",
				       "check",
				       file,
				       "--ip",
				       "192.0.2.10",
				       "--mail-from",
				       "b@example.test",
				       NULL };

		run = testenv_run(argv, env, NULL);
	}
	if (run.status != 2)
		fail_msg("exit %d, not 2:\n%s", run.status, run.err);
	assert_non_null(strstr(run.err, "relaxed.eml"));
	assert_non_null(strstr(run.err, "poll loop failed"));
	testenv_run_done(&run);
	free(file);
}

/* Writes a saved message into a Maildir folder with its mtime. */
static void maildir_put(const char *dir, const char *name, const char *text,
			time_t mtime)
{
	char *path = testenv_write_file(dir, name, text);
	struct timespec times[2] = { { mtime, 0 }, { mtime, 0 } };

	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	free(path);
}

/* The wizard's Test step, in a real terminal: given a Maildir folder it
 * checks the newest message there (not the older forged one) and shows
 * the results the use case computed. */
static void test_wizard_test_step(void **state)
{
	struct fixture *f = *state;
	struct tmux_term t = { 0 };
	char *maildir, *sub, *head, *good, *bad, *path, *screen;
	char *xdg, *tmp;
	const char *argv[] = { testenv_binary(), "--resolver", NULL, NULL };
	const char *env[3];
	const char *nine[] = { "9", NULL }, *enter[] = { "Enter", NULL };
	const char *end[] = { "End", NULL }, *home[] = { "Home", NULL };
	const char *quit[] = { "q", NULL };
	int status;

	if (!f || !tmux_available())
		skip();
	argv[2] = f->server.address;
	maildir = xasprintf("%s/Maildir", f->dir);
	for (const char *const *d =
		 (const char *const[]){ "", "/cur", "/new", "/tmp", NULL };
	     *d; d++) {
		sub = xasprintf("%s%s", maildir, *d);
		assert_int_equal(mkdir(sub, 0700), 0);
		free(sub);
	}
	head = xasprintf("Return-Path: <bounce@example.test>\r\n%s%s",
			 RECEIVED("192.0.2.10", "ESMTPS"), gmail_ar);
	path = saved_message(f, head, "oversigned");
	good = testenv_read_file(path, NULL);
	free(path);
	path = saved_message(f, head, "tampered-body");
	bad = testenv_read_file(path, NULL);
	free(path);
	sub = xasprintf("%s/cur", maildir);
	maildir_put(sub, "1.older:2,S", bad, time(NULL) - 3600);
	free(sub);
	sub = xasprintf("%s/new", maildir);
	maildir_put(sub, "2.newer", good, time(NULL));
	free(sub);

	xdg = xasprintf("XDG_DATA_HOME=%s/xdg", f->dir);
	tmp = xasprintf("TMPDIR=%s", f->dir);
	env[0] = xdg;
	env[1] = tmp;
	env[2] = NULL;
	assert_true(tmux_start(&t, 80, 24, argv, env));
	screen = tmux_wait_for(&t, "9 Test", 20000);
	assert_non_null(screen);
	free(screen);
	tmux_send_keys(&t, nine);
	screen = tmux_wait_for(&t, "Message or Maildir", 20000);
	assert_non_null(screen);
	free(screen);
	tmux_type(&t, maildir);
	tmux_send_keys(&t, enter);
	screen = tmux_wait_for(&t, "DMARC  pass", 20000);
	assert_non_null(screen);
	free(screen);
	/* The verdict's lines come as the last answers arrive: End moves
	 * to the end of the whole result only once nothing is waiting. */
	screen = tmux_settle(&t, 20000);
	assert_non_null(screen);
	free(screen);
	/* Long rows wrap, so the verdict is at the end of the result. */
	tmux_send_keys(&t, end);
	screen = tmux_wait_for(&t, "every bulk-sender rule that applies is met",
			       20000);
	assert_non_null(screen);
	assert_non_null(strstr(screen, "one_click_unsubscribe"));
	free(screen);
	tmux_send_keys(&t, home);
	/* The path is the title whatever the scroll: wait for the top. */
	screen =
	    tmux_wait_for(&t, "DKIM   pass      example.test s=rsa", 20000);
	assert_non_null(screen);
	assert_non_null(strstr(screen, "/Maildir/new/2.newer"));
	assert_non_null(strstr(screen, "DMARC  pass"));
	assert_non_null(strstr(screen, "mx.google.com says dkim=pass"));
	free(screen);
	tmux_send_keys(&t, quit);
	assert_true(tmux_wait_exit(&t, 20000, &status));
	assert_int_equal(status, 0);
	tmux_stop(&t);
	free(xdg);
	free(tmp);
	free(good);
	free(bad);
	free(head);
	free(maildir);
}

/* RFC 8601: Gmail's field, read whole. */
static void test_authres_gmail(void **state)
{
	const char *value = strchr(gmail_ar, ':') + 1;
	struct authres ar;
	struct err err = ERR_INIT;

	(void)state;
	assert_int_equal(authres_parse(value, strlen(value), &ar, &err),
			 STATUS_OK);
	assert_string_equal(ar.authserv_id, "mx.google.com");
	assert_int_equal(ar.count, 3);
	assert_string_equal(ar.results[0].method, "dkim");
	assert_string_equal(authres_prop_get(&ar.results[0], "header", "i"),
			    "@example.test");
	assert_string_equal(authres_prop_get(&ar.results[0], "header", "b"),
			    "MjJp+/=x");
	assert_string_equal(ar.results[1].result, "pass");
	assert_string_equal(
	    authres_prop_get(&ar.results[1], "smtp", "mailfrom"),
	    "bounce@example.test");
	assert_non_null(strstr(ar.results[1].comment, "designates"));
	assert_string_equal(ar.results[2].comment,
			    "p=REJECT sp=REJECT dis=NONE");
	authres_done(&ar);
}

/* RFC 8601 appendix B forms: none, a version, reason=, and errors. */
static void test_authres_forms(void **state)
{
	static const char none[] = " example.org 1; none";
	static const char reason[] =
	    " example.com; spf=fail reason=\"bad (not\\\" really)\" "
	    "smtp.mailfrom=x@y.example; dkim/1=neutral";
	static const char *const bad[] = {
		"",
		"; spf=pass",
		" a; spf",
		" a; spf=pass smtp.mailfrom",
		" a; spf=pass (unclosed",
		" a; spf=pass smtp=x",
	};
	struct authres ar;
	struct err err = ERR_INIT;

	(void)state;
	assert_int_equal(authres_parse(none, strlen(none), &ar, &err),
			 STATUS_OK);
	assert_string_equal(ar.authserv_id, "example.org");
	assert_int_equal(ar.version, 1);
	assert_int_equal(ar.count, 0);
	authres_done(&ar);
	assert_int_equal(authres_parse(reason, strlen(reason), &ar, &err),
			 STATUS_OK);
	assert_int_equal(ar.count, 2);
	assert_string_equal(ar.results[0].reason, "bad (not\" really)");
	assert_string_equal(ar.results[1].method, "dkim");
	assert_string_equal(ar.results[1].result, "neutral");
	authres_done(&ar);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (authres_parse(bad[i], strlen(bad[i]), &ar, &err) !=
		    STATUS_PARSE)
			fail_msg("accepted: '%s'", bad[i]);
		err_done(&err);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_authres_gmail),
		cmocka_unit_test(test_authres_forms),
	};
	const struct CMUnitTest cli[] = {
		cmocka_unit_test(test_good_message),
		cmocka_unit_test(test_failing_message),
		cmocka_unit_test(test_options_and_dmarc_fail),
		cmocka_unit_test(test_trusted_hosts),
		cmocka_unit_test(test_now_and_expiry),
		cmocka_unit_test(test_tree_walk_alignment),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_poll_fails),
		cmocka_unit_test(test_wizard_test_step),
	};
	int rc;

	if (argc > 2 && strcmp(argv[1], "--no-poll") == 0)
		return exec_without_poll(argv + 2);
	rc = cmocka_run_group_tests_name("authres", unit, NULL, NULL);

	return rc |
	       cmocka_run_group_tests_name("mail_check", cli, setup, teardown);
}
