/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The catalogue of sending services: the shipped file loads and says
 * what operators rely on, matching finds the right service, and a broken
 * file is refused with the line to fix. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/testenv.h"
#include "providers/providers.h"
#include "util/xalloc.h"

/* The IDs DESIGN.md section 7 fixes: users and scripts type them. */
static const char *const fixed_ids[] = {
	"google-workspace",
	"microsoft-365",
	"amazon-ses",
	"sendgrid",
	"mailchimp",
	"mailgun",
	"postmark",
	"sparkpost",
	"salesforce",
	"hubspot",
	"zendesk",
	"zoho",
	"brevo",
	"klaviyo",
	"mailjet",
	"freshdesk",
	"intercom",
	"fastmail",
};

/* Loads data/providers.ini from the source tree. */
static int setup_catalogue(void **state)
{
	char *path = xasprintf("%s/data/providers.ini", testenv_srcdir());
	struct providers *providers = NULL;
	struct err err = ERR_INIT;
	enum status status = providers_load(&providers, path, &err);

	if (status != STATUS_OK)
		print_error("%s\n", err_message(&err));
	err_done(&err);
	free(path);
	*state = providers;
	return status == STATUS_OK ? 0 : -1;
}

static int teardown_catalogue(void **state)
{
	providers_free(*state);
	return 0;
}

/* The ID of a match, or "(none)", so that failures say what matched. */
static const char *id_of(const struct provider *p)
{
	return p ? p->id : "(none)";
}

/* The shipped file has the fixed services, each complete enough to use. */
static void test_catalogue_contents(void **state)
{
	const struct providers *ps = *state;
	const struct provider *p;
	size_t i;

	assert_true(providers_count(ps) >= 30);
	for (i = 0; i < sizeof fixed_ids / sizeof *fixed_ids; i++) {
		p = providers_find(ps, fixed_ids[i]);
		if (!p)
			fail_msg("fixed ID %s is missing", fixed_ids[i]);
	}
	for (i = 0; i < providers_count(ps); i++) {
		p = providers_at(ps, i);
		assert_non_null(p->name);
		assert_non_null(p->docs);
		assert_non_null(p->dkim);
		assert_int_equal(strncmp(p->docs, "https://", 8), 0);
		/* Reports are attributed by reverse DNS: every service
		 * needs a pattern or an SPF mechanism to be recognised. */
		if (p->nptr == 0 && !p->spf && p->nmx == 0)
			fail_msg("%s cannot be recognised", p->id);
	}
	assert_null(providers_at(ps, providers_count(ps)));
	assert_null(providers_find(ps, "no-such-service"));

	p = providers_find(ps, "google-workspace");
	assert_string_equal(p->spf, "include:_spf.google.com");
	assert_int_equal(p->category, PROVIDER_MAILBOX);
	assert_true(p->envelope_aligned);
	assert_int_equal(p->ndkim_selectors, 1);
	assert_string_equal(p->dkim_selectors[0], "google");

	p = providers_find(ps, "microsoft-365");
	assert_string_equal(p->spf, "include:spf.protection.outlook.com");
	assert_int_equal(p->ndkim_selectors, 2);
	assert_string_equal(p->dkim_selectors[0], "selector1");
	assert_string_equal(p->dkim_selectors[1], "selector2");

	p = providers_find(ps, "sendgrid");
	assert_string_equal(p->spf, "include:sendgrid.net");
	assert_string_equal(p->dkim_selectors[0], "s1");
	assert_string_equal(p->dkim_selectors[1], "s2");
	assert_int_equal(p->category, PROVIDER_TRANSACTIONAL);
	/* Mail goes out with a sendgrid.net return-path until the operator
	 * authenticates a domain: SPF does not align on its own. */
	assert_false(p->envelope_aligned);

	p = providers_find(ps, "amazon-ses");
	assert_string_equal(p->spf, "include:amazonses.com");
	assert_false(p->envelope_aligned);

	p = providers_find(ps, "zendesk");
	assert_int_equal(p->category, PROVIDER_HELPDESK);
	assert_string_equal(provider_category_name(p->category), "helpdesk");
	/* IDs are typed by users: case does not matter. */
	assert_ptr_equal(providers_find(ps, "Google-Workspace"),
			 providers_find(ps, "google-workspace"));
}

/* Report sources are attributed by their reverse DNS. */
static void test_match_ptr(void **state)
{
	const struct providers *ps = *state;
	static const struct {
		const char *host, *id;
	} cases[] = {
		{ "mail-wm1-f41.google.com", "google-workspace" },
		{ "mail-pl1-f182.google.com.", "google-workspace" },
		{ "MAIL-YW1-F170.GOOGLE.COM", "google-workspace" },
		{ "mail-am6eur05on2050.outbound.protection.outlook.com",
		  "microsoft-365" },
		{ "a8-30.smtp-out.amazonses.com", "amazon-ses" },
		{ "e226-55.smtp-out.us-west-2.amazonses.com", "amazon-ses" },
		{ "o1.ptr2625.sendgrid.net", "sendgrid" },
		{ "wfbtzhsw.outbound-mail.sendgrid.net", "sendgrid" },
		{ "mail135-3.atl141.mcsv.net", "mailchimp" },
		{ "mail187-10.suw11.mandrillapp.com", "mandrill" },
		{ "m228-5.mailgun.net", "mailgun" },
		{ "mta45.mtasv.net", "postmark" },
		{ "mta-174-52.sparkpostmail.com", "sparkpost" },
		{ "out1-smtp.messagingengine.com", "fastmail" },
		{ "mail180-20.suw31.rsgsv.net", "mailchimp" },
		{ "e2i340.smtp2go.com", "smtp2go" },
		{ "mail-40131.protonmail.ch", "proton-mail" },
		{ "us-smtp-delivery-1.mimecast.com", "mimecast" },
		{ "smtp07-ia4-sp3.mta.salesforce.com", "salesforce" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *got = id_of(providers_match_ptr(ps, cases[i].host));

		if (strcmp(got, cases[i].id) != 0)
			fail_msg("%s: expected %s, got %s", cases[i].host,
				 cases[i].id, got);
	}
	/* A stranger, and names that merely contain a service's domain:
	 * patterns match the whole name, never a part of it. */
	assert_null(providers_match_ptr(ps, "mail.example.com"));
	assert_null(providers_match_ptr(
	    ps, "mail-wm1-f41.google.com.attacker.example"));
	assert_null(providers_match_ptr(ps, "evil-mail-wm1.google.com.ru"));
	assert_null(providers_match_ptr(ps, "x.notsendgrid.net"));
	assert_null(providers_match_ptr(ps, ""));
	assert_null(providers_match_ptr(ps, NULL));
}

/* The domain's MX reveals its mailbox provider. */
static void test_match_mx(void **state)
{
	const struct providers *ps = *state;
	static const struct {
		const char *host, *id;
	} cases[] = {
		{ "aspmx.l.google.com", "google-workspace" },
		{ "ALT1.ASPMX.L.GOOGLE.COM.", "google-workspace" },
		{ "example-com.mail.protection.outlook.com", "microsoft-365" },
		{ "in1-smtp.messagingengine.com", "fastmail" },
		{ "mx01.mail.icloud.com", "icloud-custom-domain" },
		{ "mx.zoho.eu", "zoho" },
		{ "mxa.mailgun.org", "mailgun" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *got = id_of(providers_match_mx(ps, cases[i].host));

		if (strcmp(got, cases[i].id) != 0)
			fail_msg("%s: expected %s, got %s", cases[i].host,
				 cases[i].id, got);
	}
	/* Suffixes stop at label boundaries. */
	assert_null(providers_match_mx(ps, "mx.evilgoogle.com"));
	assert_null(providers_match_mx(ps, "google.com.example.net"));
	assert_null(providers_match_mx(ps, "mx.example.com"));
}

/* An include in a published record names the service behind it. */
static void test_match_spf(void **state)
{
	const struct providers *ps = *state;

	assert_string_equal(
	    id_of(providers_match_spf(ps, "include:_spf.google.com")),
	    "google-workspace");
	assert_string_equal(
	    id_of(providers_match_spf(ps, "INCLUDE:_SPF.Google.com")),
	    "google-workspace");
	assert_string_equal(
	    id_of(providers_match_spf(ps, "+include:sendgrid.net")),
	    "sendgrid");
	assert_null(providers_match_spf(ps, "-include:sendgrid.net"));
	assert_null(providers_match_spf(ps, "include:_spf.example.com"));
}

/* Filter-as-you-type on the senders screen. */
static void test_filter(void **state)
{
	const struct providers *ps = *state;
	const struct provider *out[64];
	size_t n, i, total = providers_count(ps);
	bool chimp = false, gun = false, jet = false;

	n = providers_filter(ps, "mail", out, 64);
	assert_true(n >= 3 && n <= 64);
	for (i = 0; i < n; i++) {
		chimp |= strcmp(out[i]->id, "mailchimp") == 0;
		gun |= strcmp(out[i]->id, "mailgun") == 0;
		jet |= strcmp(out[i]->id, "mailjet") == 0;
		/* In file order. */
		if (i > 0)
			assert_true(out[i - 1] < out[i]);
	}
	assert_true(chimp && gun && jet);
	assert_false(providers_find(ps, "zendesk") == out[0]);

	/* Case does not matter; names and categories count. */
	n = providers_filter(ps, "GOOGLE", out, 64);
	assert_true(n >= 1);
	assert_string_equal(out[0]->id, "google-workspace");
	n = providers_filter(ps, "helpdesk", out, 64);
	assert_true(n >= 2);
	for (i = 0; i < n; i++)
		assert_int_equal(out[i]->category, PROVIDER_HELPDESK);

	/* "" lists everything; the count is exact even beyond max. */
	assert_int_equal(providers_filter(ps, "", out, 2), total);
	assert_int_equal(providers_filter(ps, "zzzz-nothing", out, 64), 0);
}

/* Loads text as a catalogue and returns the status and message. */
static enum status load_text(const char *text, struct err *err)
{
	struct providers *ps = NULL;
	enum status status;

	status = providers_load_buffer(&ps, text, strlen(text), "t.ini", err);
	providers_free(ps);
	return status;
}

/* Asserts that text is refused with STATUS_PARSE, a message that starts
 * with "t.ini:LINE: " and contains what. */
static void assert_refused(const char *text, int line, const char *what)
{
	struct err err = ERR_INIT;
	char *prefix = xasprintf("t.ini:%d: ", line);

	assert_int_equal(load_text(text, &err), STATUS_PARSE);
	if (strncmp(err_message(&err), prefix, strlen(prefix)) != 0 ||
	    !strstr(err_message(&err), what))
		fail_msg("expected \"%s...%s\", got \"%s\"", prefix, what,
			 err_message(&err));
	free(prefix);
	err_done(&err);
}

#define GOOD_A "[a]\nname = A\ncategory = other\n"

/* A broken catalogue names the line to fix. */
static void test_malformed(void **state)
{
	struct err err = ERR_INIT;

	(void)state;
	/* The minimal good file, as a baseline. */
	assert_int_equal(load_text(GOOD_A, &err), STATUS_OK);

	assert_refused(GOOD_A "colour = red\n", 4, "unknown key \"colour\"");
	assert_refused("; c\n\n[a]\nname = A\ncategory = newsletter\n", 5,
		       "unknown category \"newsletter\"");
	assert_refused(GOOD_A "ptr = mail-(unclosed\\.example\\.com\n", 4,
		       "bad ptr pattern \"mail-(unclosed\\.example\\.com\"");
	assert_refused(GOOD_A "[b]\nname = B\ncategory = crm\n\n[a]\n"
			      "name = A2\n",
		       8, "duplicate section [a] (first on line 1)");
	/* Back to back, inih alone would merge them into one. */
	assert_refused(GOOD_A "[a]\nspf = include:x.example\n", 4,
		       "duplicate section [a]");
	assert_refused(GOOD_A "\n[b]\ncategory = crm\nspf = a\n", 5,
		       "[b] has no name");
	assert_refused(GOOD_A "[b]\n[c]\nname = C\ncategory = crm\n", 4,
		       "section without keys");
	assert_refused(GOOD_A "[b]\n", 4, "section without keys");
	assert_refused(GOOD_A "name = again\n", 4, "duplicate key \"name\"");
	assert_refused("name = A\n[a]\nname = A\ncategory = crm\n", 1,
		       "outside a [section]");
	assert_refused(GOOD_A "envelope = maybe\n", 4, "yes or no");
	assert_refused(GOOD_A "spf = include:a.example include:b.example\n", 4,
		       "not one SPF mechanism");
	assert_refused(GOOD_A "docs = ftp://example.com/\n", 4, "https://");
	assert_refused(GOOD_A "mx = mx.example.com, bad_host!\n", 4,
		       "invalid name \"bad_host!\" in mx");
	assert_refused(GOOD_A "[Bad ID]\nname = x\ncategory = crm\n", 4,
		       "invalid service ID");
	assert_refused(GOOD_A "this line has no equals sign\n", 4,
		       "syntax error");
	/* Overlong lines are refused before they reach inih's buffer, also
	 * when the excess is line-end characters (found by fuzzing). */
	{
		char *text = xmalloc(1024);

		memset(text, 'x', 1023);
		text[1023] = '\0';
		memcpy(text, GOOD_A "name", strlen(GOOD_A "name"));
		assert_refused(text, 4, "line longer than");
		memset(text, '\r', 1023);
		memcpy(text, GOOD_A "dkim = y", strlen(GOOD_A "dkim = y"));
		assert_refused(text, 4, "line longer than");
		free(text);
	}
	/* The first error wins, even when a later one is found first. */
	assert_refused("[a]\ncategory = crm\n[b]\nname = B\ncolour = x\n", 1,
		       "[a] has no name");
}

/* Continuation lines, separators and empty values. */
static void test_syntax(void **state)
{
	static const char text[] =
	    "\xEF\xBB\xBF; a byte-order mark and a comment\n"
	    "[x.example]\n"
	    "name = Example\n"
	    "  Mail\n"
	    "category = transactional ; trailing comment\n"
	    "spf =\n"
	    "dkim_selectors = s1, s2 s3,\n"
	    "  s4\n"
	    "mx = .MX.Example.NET\n"
	    "ptr = out[0-9]+\\.example\\.net o{1,3}\\.example\\.org\n"
	    "  smtp\\.example\\.com\n"
	    "envelope = No\n";
	struct providers *ps = NULL;
	struct err err = ERR_INIT;
	const struct provider *p;

	(void)state;
	assert_int_equal(
	    providers_load_buffer(&ps, text, sizeof text - 1, "t.ini", &err),
	    STATUS_OK);
	p = providers_find(ps, "x.example");
	assert_non_null(p);
	assert_string_equal(p->name, "Example Mail");
	assert_null(p->spf);
	assert_int_equal(p->ndkim_selectors, 4);
	assert_string_equal(p->dkim_selectors[3], "s4");
	assert_int_equal(p->nmx, 1);
	assert_string_equal(p->mx[0], "mx.example.net");
	assert_int_equal(p->nptr, 3);
	assert_false(p->envelope_aligned);
	assert_ptr_equal(providers_match_ptr(ps, "out17.example.net"), p);
	assert_ptr_equal(providers_match_ptr(ps, "ooo.example.org"), p);
	assert_ptr_equal(providers_match_ptr(ps, "SMTP.example.com"), p);
	assert_null(providers_match_ptr(ps, "oooo.example.org"));
	assert_ptr_equal(providers_match_mx(ps, "a.mx.example.net"), p);
	assert_null(providers_match_spf(ps, "include:x.example"));
	providers_free(ps);

	/* A missing file names itself. */
	assert_int_equal(
	    providers_load(&ps, "/nonexistent/providers.ini", &err), STATUS_IO);
	assert_null(ps);
	assert_non_null(
	    strstr(err_message(&err), "/nonexistent/providers.ini"));
	err_done(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue_contents),
		cmocka_unit_test(test_match_ptr),
		cmocka_unit_test(test_match_mx),
		cmocka_unit_test(test_match_spf),
		cmocka_unit_test(test_filter),
	};
	const struct CMUnitTest syntax_tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_syntax),
	};
	int failed;

	failed = cmocka_run_group_tests_name(
	    "catalogue", tests, setup_catalogue, teardown_catalogue);
	failed +=
	    cmocka_run_group_tests_name("syntax", syntax_tests, NULL, NULL);
	return failed ? 1 : 0;
}
