/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The wizard as an operator sees it: the real binary in a real terminal
 * (tmux), driven by keys, read back from the screen. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <libintl.h>
#include <locale.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/testenv.h"
#include "lib/tmux.h"
#include "util/xalloc.h"

/* Bounds for a test that fails: a passing one waits only as long as
 * the wizard works. Generous, since the machine is shared and loaded. */
#define WAIT_MS 20000
/* A key's work may be a DKIM key pair made under sanitizers. */
#define SETTLE_MS 60000

/* A demo in a terminal, with its own TMPDIR (where the demo keeps its
 * throwaway database and keys); each test gets one from demo_setup()
 * and demo_teardown() stops it even after a failed assertion. */
struct demo {
	struct tmux_term t;
	char *tmp;
	char *env_tmp;
};

/* Starts `dmarcpilot --demo` in a cols x rows terminal with extra
 * environment entries (NULL-terminated, may be NULL) and waits until
 * the first screen is drawn and idle. */
static void demo_start(struct demo *d, int cols, int rows,
		       const char *const extra[])
{
	const char *argv[] = { testenv_binary(), "--demo", NULL };
	const char *env[8];
	size_t n = 0;
	char *screen;

	d->tmp = testenv_mkdtemp();
	d->env_tmp = xasprintf("TMPDIR=%s", d->tmp);
	env[n++] = d->env_tmp;
	for (size_t i = 0; extra && extra[i] && n < 7; i++)
		env[n++] = extra[i];
	env[n] = NULL;
	assert_true(tmux_start(&d->t, cols, rows, argv, env));
	screen = tmux_settle(&d->t, SETTLE_MS);
	assert_non_null(screen);
	free(screen);
}

/* Stops the terminal and removes the scratch directory; safe to call
 * twice. */
static void demo_stop(struct demo *d)
{
	tmux_stop(&d->t);
	if (d->tmp)
		testenv_rmdir(d->tmp);
	free(d->tmp);
	free(d->env_tmp);
	d->tmp = NULL;
	d->env_tmp = NULL;
}

/* Gives a test its demo (not started yet). */
static int demo_setup(void **state)
{
	*state = xcalloc(1, sizeof(struct demo));
	return 0;
}

/* Stops the test's demo, whether the test passed or failed. */
static int demo_teardown(void **state)
{
	demo_stop(*state);
	free(*state);
	return 0;
}

/* Sends one key by its tmux name and waits until the wizard has handled
 * it, drawn the result and finished what it started (queries, work). */
static void key(struct demo *d, const char *name)
{
	const char *keys[] = { name, NULL };
	char *screen;

	tmux_send_keys(&d->t, keys);
	screen = tmux_settle(&d->t, SETTLE_MS);
	assert_non_null(screen);
	free(screen);
}

/* Sends a key after which the wizard exits (so never settles). */
static void key_exit(struct demo *d, const char *name)
{
	const char *keys[] = { name, NULL };

	tmux_send_keys(&d->t, keys);
}

/* Types text and waits as key() does. */
static void type(struct demo *d, const char *text)
{
	char *screen;

	tmux_type(&d->t, text);
	screen = tmux_settle(&d->t, SETTLE_MS);
	assert_non_null(screen);
	free(screen);
}

/* The screen now: every key sent is handled and its work done (see
 * key()), so it is complete. Prints it when text is not on it, and
 * returns it (caller frees) or NULL. */
static char *screen_with(struct demo *d, const char *text)
{
	char *screen = tmux_settle(&d->t, SETTLE_MS);

	if (screen && !strstr(screen, text)) {
		fprintf(stderr, "\"%s\" is not on the screen:\n%s\n", text,
			screen);
		free(screen);
		screen = NULL;
	}
	return screen;
}

/* Asserts that text is on the screen. */
static void expect(struct demo *d, const char *text)
{
	char *screen = screen_with(d, text);

	assert_non_null(screen);
	free(screen);
}

/* The line of a screen that contains text, copied; NULL when none. */
static char *screen_line(const char *screen, const char *text)
{
	const char *hit = strstr(screen, text), *start, *end;

	if (!hit)
		return NULL;
	start = hit;
	while (start > screen && start[-1] != '\n')
		start--;
	end = strchr(hit, '\n');
	return xstrndup(start, end ? (size_t)(end - start) : strlen(start));
}

/* The demo opens on its domain's timeline: the rollout started on
 * 2026-01-05, and on the fixed today, 2026-03-09, it is in week 10, at
 * quarantine pct=25 since 2026-02-23, with the next rung held back. */
static void test_demo_timeline(void **state)
{
	struct demo *d = *state;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	expect(d, "Rollout of demo.example");
	expect(d, "week 10 of the rollout");
	expect(d, "Phase: DMARC quarantine since 2026-02-23");
	/* The unknown source holds the next rung back. */
	expect(d, "Next: quarantine 50 %, not before");
	expect(d, "unknown source 203.0.113.77");
	expect(d, "quarantine 10 % verified");
	demo_stop(d);
}

/* Every step of the wizard shows what the engine finds for the demo:
 * the senders of the inventory, the published SPF record, Mailchimp's
 * missing k3 selector, the rung DMARC is on. */
static void test_demo_screens(void **state)
{
	struct demo *d = *state;
	char *screen, *line;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "Tab");
	expect(d, "Who sends mail as demo.example");
	expect(d, "Twilio SendGrid");
	expect(d, "include:_spf.salesforce.com");
	key(d, "Tab");
	expect(d, "SPF of demo.example");
	/* _spf.google.com 4 (itself and three netblocks), sendgrid.net 1,
	 * servers.mcsv.net 1, _spf.salesforce.com 2 (it and its exists),
	 * mail.zendesk.com 1, mx 1: ten, the most RFC 7208 allows. */
	screen = screen_with(d, "Lookups 10 of 10");
	assert_non_null(screen);
	line = screen_line(screen, "  include:_spf.google.com");
	assert_non_null(line);
	assert_non_null(strstr(line, " 4"));
	free(line);
	line = screen_line(screen, "  include:_spf.salesforce.com");
	assert_non_null(line);
	assert_non_null(strstr(line, " 2"));
	free(line);
	free(screen);
	/* The inventory needs no Mailchimp include (it aligns through
	 * DKIM): the target drops it and costs 8. */
	expect(d, "- include:servers.mcsv.net");
	expect(d, "lookups: 8");
	key(d, "Tab");
	expect(d, "DKIM of demo.example");
	screen = screen_with(d, "zendesk2");
	assert_non_null(screen);
	line = screen_line(screen, " k3 ");
	assert_non_null(strstr(line, "Mailchimp"));
	assert_non_null(strstr(line, "not published"));
	free(line);
	free(screen);
	key(d, "Tab");
	screen = screen_with(d, "published now");
	assert_non_null(screen);
	line = screen_line(screen, "published now");
	assert_non_null(strstr(line, "quarantine 25 %"));
	assert_non_null(strstr(line, "verified 2026-02-23"));
	free(line);
	assert_non_null(strstr(screen, "Not ready for quarantine 50 %"));
	assert_non_null(strstr(screen, "203.0.113.77"));
	free(screen);
	/* S takes the step through the same rules as dmarcpilot step: the
	 * plan does not call quarantine 50 % ready, so nothing is verified
	 * or recorded, and the first reason is shown. */
	key(d, "S");
	expect(d, "Not ready: unknown source 203.0.113.77");
	/* Shift-Tab and the vi key h go back the same way. */
	key(d, "BTab");
	expect(d, "DKIM of demo.example");
	key(d, "h");
	expect(d, "SPF of demo.example");
	/* Esc leads home: the domain list. */
	key(d, "Escape");
	expect(d, "Your domains");
	demo_stop(d);
}

/* Typing filters the catalogue as you type; Enter stages the service,
 * and q asks before dropping it; n keeps the wizard, y leaves. */
static void test_filter_and_quit_confirmation(void **state)
{
	struct demo *d = *state;
	char *screen;
	int status = -1;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "3");
	expect(d, "Who sends mail as demo.example");
	key(d, "a");
	expect(d, "Filter:");
	type(d, "postm");
	screen = screen_with(d, "Postmark");
	assert_non_null(screen);
	assert_null(strstr(screen, "Twilio SendGrid"));
	/* The ID sender add takes shows beside the name. */
	assert_non_null(strstr(screen, " postmark "));
	free(screen);
	key(d, "Enter");
	expect(d, "1 change not saved");
	key(d, "q");
	expect(d, "Quit anyway? (y/n)");
	key(d, "n");
	screen = screen_with(d, "1 change not saved");
	assert_non_null(screen);
	assert_null(strstr(screen, "Quit anyway"));
	free(screen);
	assert_false(tmux_exited(&d->t, NULL));
	key(d, "q");
	expect(d, "Quit anyway? (y/n)");
	key_exit(d, "y");
	assert_true(tmux_wait_exit(&d->t, WAIT_MS, &status));
	assert_int_equal(status, 0);
	demo_stop(d);
}

/* Saved senders stay: s writes the staged service, and q then leaves at
 * once because nothing is unsaved. */
static void test_save_sender(void **state)
{
	struct demo *d = *state;
	int status = -1;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "3");
	key(d, "a");
	expect(d, "Filter:");
	type(d, "ip4:192.0.2.0/24");
	key(d, "Enter");
	expect(d, "1 change not saved");
	key(d, "s");
	expect(d, "Saved 1 change.");
	expect(d, "ip4:192.0.2.0/24");
	key_exit(d, "q");
	assert_true(tmux_wait_exit(&d->t, WAIT_MS, &status));
	assert_int_equal(status, 0);
	demo_stop(d);
}

/* F1 shows the help of the current screen with the keys generated from
 * the command list; Esc returns. */
static void test_help(void **state)
{
	struct demo *d = *state;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "6");
	expect(d, "DMARC of demo.example");
	key(d, "F1");
	expect(d, "receivers what to do with mail");
	expect(d, "query DNS again");
	expect(d, "Keys everywhere");
	expect(d, "show this help");
	key(d, "Escape");
	expect(d, "DMARC of demo.example");
	key(d, "?");
	expect(d, "Keys everywhere");
	demo_stop(d);
}

/* The screen now, complete as in screen_with(), when text is not on
 * it; NULL (printing it) when it is. Caller frees. */
static char *screen_without(struct demo *d, const char *text)
{
	char *screen = tmux_settle(&d->t, SETTLE_MS);

	if (screen && strstr(screen, text)) {
		fprintf(stderr, "\"%s\" is still on the screen:\n%s\n", text,
			screen);
		free(screen);
		screen = NULL;
	}
	return screen;
}

/* Resizes the terminal and waits until the wizard has drawn at the new
 * size, idle (tmux tells the program of a resize in its own time). */
static void resize(struct demo *d, int cols, int rows)
{
	char *size = xasprintf(" %dx%d", cols, rows), *title = NULL;
	bool drawn = false;

	tmux_resize(&d->t, cols, rows);
	for (int tries = 0; !drawn && tries < 1000; tries++) {
		char *screen = tmux_settle(&d->t, SETTLE_MS);
		size_t tl, sl = strlen(size);

		assert_non_null(screen);
		free(screen);
		free(title);
		title = tmux_title(&d->t);
		tl = strlen(title);
		drawn = tl >= sl && strcmp(title + tl - sl, size) == 0;
	}
	if (!drawn)
		fprintf(stderr, "the wizard did not draw at%s: \"%s\"\n", size,
			title);
	free(title);
	free(size);
	assert_true(drawn);
}

/* The last row of a captured screen. */
static char *last_row(const char *screen)
{
	size_t len = strlen(screen);
	const char *start;

	while (len > 0 && screen[len - 1] == '\n')
		len--;
	start = screen + len;
	while (start > screen && start[-1] != '\n')
		start--;
	return xstrndup(start, (size_t)(screen + len - start));
}

/* Counts the rows of a captured screen. */
static size_t row_count(const char *screen)
{
	size_t rows = 0;

	for (const char *p = screen; (p = strchr(p, '\n')); p++)
		rows++;
	return rows;
}

/* The wizard follows the terminal: at 100x30 the key hints sit on the
 * last of 30 rows and the wider columns show what 80 columns clip; back
 * at 80x24 likewise. */
static void test_resize(void **state)
{
	struct demo *d = *state;
	char *screen, *line;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "3");
	screen = screen_with(d, "Zendesk");
	assert_non_null(screen);
	assert_null(strstr(screen, "zendesk1 zendesk2"));
	free(screen);
	resize(d, 100, 30);
	screen = screen_with(d, "zendesk1 zendesk2");
	assert_non_null(screen);
	assert_int_equal(row_count(screen), 30);
	line = last_row(screen);
	assert_non_null(strstr(line, "F1/? help"));
	free(line);
	free(screen);
	resize(d, 80, 24);
	screen = screen_without(d, "zendesk1 zendesk2");
	assert_non_null(screen);
	assert_non_null(strstr(screen, "zendesk1 zend"));
	assert_int_equal(row_count(screen), 24);
	line = last_row(screen);
	assert_non_null(strstr(line, "F1/? help"));
	free(line);
	free(screen);
	demo_stop(d);
}

/* The demo's throwaway database: TMPDIR/dmarcpilot-demo.XXXXXX/demo.db.
 * Caller frees. */
static char *demo_db_path(const struct demo *d)
{
	DIR *dir = opendir(d->tmp);
	struct dirent *e;
	char *path = NULL;

	assert_non_null(dir);
	while (!path && (e = readdir(dir)))
		if (strncmp(e->d_name, "dmarcpilot-demo.", 16) == 0)
			path = xasprintf("%s/%s/demo.db", d->tmp, e->d_name);
	closedir(dir);
	assert_non_null(path);
	return path;
}

/* What the database remembers as flattened for demo.example, as
 * "mechanism=addresses" lines. Caller frees. */
static char *flattened_rows(const char *db)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *stmt = NULL;
	char *out = xstrdup(""), *next;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_equal(
	    sqlite3_prepare_v2(h,
			       "SELECT f.mechanism, (SELECT group_concat(x,"
			       " ' ') FROM (SELECT a.address AS x FROM"
			       " spf_flattened_address a WHERE"
			       " a.flattened_id = f.id ORDER BY"
			       " a.position)) FROM "
			       "spf_flattened f JOIN domain d ON d.id = "
			       "f.domain_id WHERE d.name = 'demo.example' "
			       "ORDER BY f.mechanism",
			       -1, &stmt, NULL),
	    SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		next = xasprintf("%s%s=%s\n", out,
				 (const char *)sqlite3_column_text(stmt, 0),
				 (const char *)sqlite3_column_text(stmt, 1));
		free(out);
		out = next;
	}
	sqlite3_finalize(stmt);
	sqlite3_close(h);
	return out;
}

/* f flattens the chosen include of the target: Zendesk's four ranges
 * replace its include and the target costs one lookup less; s saves
 * that in the database (the rows the drift check compares with), and q
 * asks before dropping an unsaved flattening; v asks both authoritative
 * servers of the demo zone, which still serve the old record. */
static void test_spf_flatten(void **state)
{
	struct demo *d = *state;
	char *screen, *db, *rows;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "4");
	expect(d, "lookups: 8");
	/* The last lines: zendesk's include, a blank, the servers'
	 * heading; G puts the cursor on the last. */
	key(d, "G");
	expect(d, "f flattens to 4 ranges");
	key(d, "k");
	key(d, "k");
	key(d, "f");
	screen = screen_with(d, "+ ip4:216.198.0.0/18");
	assert_non_null(screen);
	assert_non_null(strstr(screen, "- include:mail.zendesk.com"));
	assert_non_null(strstr(screen, "lookups: 7"));
	free(screen);
	db = demo_db_path(d);
	rows = flattened_rows(db);
	assert_string_equal(rows, "");
	free(rows);
	key(d, "q");
	expect(d, "Quit anyway? (y/n)");
	key(d, "n");
	key(d, "s");
	expect(d, "Saved: 1 flattened include is remembered");
	rows = flattened_rows(db);
	assert_non_null(strstr(rows, "include:mail.zendesk.com="));
	assert_non_null(strstr(rows, "ip4:216.198.0.0/18"));
	/* One row: only the include that was flattened. */
	assert_int_equal(strchr(rows, '\n') - rows + 1, (long)strlen(rows));
	free(rows);
	free(db);
	/* key() returns once both servers answered and the list is drawn
	 * in full; G then scrolls to its end. */
	key(d, "v");
	key(d, "G");
	screen = screen_with(d, "ns2.demo.example");
	assert_non_null(screen);
	assert_non_null(strstr(screen, "serves another record"));
	free(screen);
	demo_stop(d);
}

/* K on the DKIM screen makes a key for the selector typed: the screen
 * shows the private key's path, never the key; the file is there, mode
 * 0600, and the database remembers the path. R shows the rotation plan. */
static void test_dkim_keygen(void **state)
{
	struct demo *d = *state;
	char *screen, *line, *path, *end, *pem;
	struct stat sb;
	size_t len;

	if (!tmux_available())
		skip();
	/* Wide enough for the whole path of the scratch directory. */
	demo_start(d, 160, 24, NULL);
	key(d, "5");
	expect(d, "DKIM of demo.example");
	/* On Google Workspace's line, K says that Google holds the key and
	 * shows the catalogue's setup steps; it makes no key. */
	key(d, "K");
	screen = screen_with(d, "Google Workspace holds the key of selector "
				"google");
	assert_non_null(screen);
	assert_non_null(strstr(screen, "Setup:"));
	assert_non_null(strstr(screen, "Admin console"));
	assert_non_null(strstr(screen, "Docs: https://support.google.com"));
	assert_null(strstr(screen, "Selector of the new key"));
	free(screen);
	key(d, "Escape");
	expect(d, "Key held by");
	key(d, "K");
	expect(d, "holds the key of selector");
	/* K again: a key of one's own anyway, through a visible prompt. */
	key(d, "K");
	expect(d, "Selector of the new key: 202603");
	key(d, "C-u");
	type(d, "mail2026");
	key(d, "Enter");
	screen = screen_with(d, "Private key: ");
	assert_non_null(screen);
	line = screen_line(screen, "Private key: ");
	path = xstrdup(strstr(line, "Private key: ") + 13);
	end = path + strlen(path);
	while (end > path && end[-1] == ' ')
		*--end = '\0';
	assert_non_null(strstr(path, d->tmp));
	assert_non_null(strstr(path, "mail2026"));
	assert_null(strstr(screen, "PRIVATE KEY"));
	assert_non_null(strstr(screen, "mail2026"));
	assert_non_null(strstr(screen, "not published"));
	free(line);
	free(screen);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	pem = testenv_read_file(path, &len);
	assert_non_null(pem);
	assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----"));
	free(pem);
	free(path);
	key(d, "R");
	expect(d, "Rotating mail2026 to");
	demo_stop(d);
}

/* The rotation view drives the tracked rotation through the same use
 * case as dkim rotate: K opens a prompt that is on the screen and takes
 * the keys typed (no key named after them appears elsewhere); the
 * rotation starts; v checks DNS (the demo's zone does not serve the new
 * key) and records nothing; d twice cancels and deletes the unused key
 * file. */
static void test_dkim_rotation_view(void **state)
{
	struct demo *d = *state;
	char *screen, *line, *path, *end;

	if (!tmux_available())
		skip();
	demo_start(d, 160, 24, NULL);
	key(d, "5");
	key(d, "K");
	key(d, "K");
	key(d, "C-u");
	type(d, "own1");
	key(d, "Enter");
	expect(d, "Key own1 made");
	key(d, "R");
	expect(d, "Rotating own1 to 202603 (R closes)");
	key(d, "K");
	expect(d, "Selector of the rotated key: 202603");
	key(d, "C-u");
	type(d, "rot2");
	expect(d, "Selector of the rotated key: rot2");
	key(d, "Enter");
	screen = screen_with(d, "Rotation of own1 to rot2: generated");
	assert_non_null(screen);
	assert_non_null(strstr(screen, "Publish at rot2._domainkey."
				       "demo.example:"));
	line = screen_line(screen, "the private key is in ");
	assert_non_null(line);
	path = xstrdup(strstr(line, "the private key is in ") + 22);
	end = path + strlen(path);
	while (end > path && (end[-1] == ' ' || end[-1] == '.'))
		*--end = '\0';
	assert_int_equal(access(path, F_OK), 0);
	free(line);
	free(screen);
	key(d, "v");
	expect(d, "Waiting: publish the new key at rot2._domainkey."
		  "demo.example");
	expect(d, "generated");
	key(d, "d");
	expect(d, "Press d again to cancel the rotation to rot2");
	assert_int_equal(access(path, F_OK), 0);
	key(d, "d");
	expect(d, "Cancelled the rotation to rot2");
	assert_int_equal(access(path, F_OK), -1);
	expect(d, "Rotating own1 to");
	free(path);
	demo_stop(d);
}

/* Outside the demo the import prompt starts empty, so that an absolute
 * path typed there is taken as it is. */
static void test_import_prompt_empty(void **state)
{
	struct demo *d = *state;
	char *zone, *db, *xdg, *screen, *line;
	const char *argv[12];
	const char *env[3];

	if (!tmux_available())
		skip();
	d->tmp = testenv_mkdtemp();
	zone = testenv_write_file(d->tmp, "example.com.zone",
				  "$ORIGIN example.com.\n$TTL 300\n"
				  "@ SOA ns1 host 1 3600 600 86400 300\n"
				  "@ NS ns1\nns1 A 192.0.2.53\n");
	db = xasprintf("%s/state.db", d->tmp);
	xdg = xasprintf("XDG_DATA_HOME=%s", d->tmp);
	d->env_tmp = xasprintf("TMPDIR=%s", d->tmp);
	env[0] = d->env_tmp;
	env[1] = xdg;
	env[2] = NULL;
	argv[0] = testenv_binary();
	argv[1] = "--db";
	argv[2] = db;
	argv[3] = "--zone";
	argv[4] = zone;
	argv[5] = "--now";
	argv[6] = "2026-11-02";
	argv[7] = "example.com";
	argv[8] = NULL;
	assert_true(tmux_start(&d->t, 80, 24, argv, env));
	screen = tmux_settle(&d->t, SETTLE_MS);
	assert_non_null(screen);
	free(screen);
	key(d, "7");
	key(d, "i");
	screen = screen_with(d, "Import from");
	assert_non_null(screen);
	line = screen_line(screen, "Import from");
	assert_null(strstr(line, "./"));
	free(line);
	free(screen);
	type(d, "/tmp/x");
	screen = screen_with(d, "Import from");
	line = screen_line(screen, "Import from");
	assert_non_null(strstr(line, " /tmp/x"));
	assert_null(strstr(line, ".//tmp"));
	free(line);
	free(screen);
	free(xdg);
	free(db);
	free(zone);
	demo_stop(d);
}

/* The reports screen opens on the plan's window (the 14 days up to the
 * demo's today) with the unknown source failing; i opens a prompt that
 * completes file names, and importing the third week adds its 21
 * reports: the line under the header says so and the header's count of
 * stored reports grows by the same 21. */
static void test_import_reports(void **state)
{
	struct demo *d = *state;
	char *screen, *line, *prefix;
	const char *data = getenv("DMARCPILOT_DATADIR");

	if (!tmux_available() || !data)
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "7");
	screen = screen_with(d, "18 of 42 reports, 5179 messages");
	assert_non_null(screen);
	line = screen_line(screen, "203.0.113.77");
	assert_non_null(line);
	assert_non_null(strstr(line, "FAIL-unknown"));
	free(line);
	free(screen);
	key(d, "i");
	expect(d, "Import from");
	key(d, "C-u");
	prefix = xasprintf("%s/demo/in", data);
	type(d, prefix);
	key(d, "Tab");
	free(prefix);
	expect(d, "demo/inbox/");
	key(d, "Enter");
	expect(d, "21 new, 0 duplicate, 0 rejected");
	expect(d, "The import added 21 reports and 0 failure reports for "
		  "demo.example (now 63).");
	expect(d, "of 63 reports");
	/* All time: every stored report is counted. */
	key(d, "t");
	key(d, "t");
	screen = screen_with(d, "63 of 63 reports, 17841 messages");
	assert_non_null(screen);
	assert_non_null(strstr(screen, "2026-W10"));
	line = screen_line(screen, "   203.0.113.77");
	assert_non_null(line);
	assert_non_null(strstr(line, "FAIL-unknown"));
	assert_non_null(strstr(line, "208"));
	free(line);
	free(screen);
	demo_stop(d);
}

/* t switches the window from the plan's 14 days to the last week and to
 * all time and back; the dispositions follow the window. */
static void test_reports_windows(void **state)
{
	struct demo *d = *state;
	char *screen;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "7");
	screen = screen_with(d, "plan window, last 14 days (2026-02-24 to "
				"2026-03-09)");
	assert_non_null(screen);
	assert_non_null(strstr(screen, "18 of 42 reports, 5179 messages"));
	assert_non_null(strstr(screen, "Receivers: none 5143, quarantine 36, "
				       "reject 0."));
	free(screen);
	key(d, "t");
	screen = screen_with(d, "last 7 days (2026-03-03 to 2026-03-09)");
	assert_non_null(screen);
	assert_non_null(strstr(screen, "No report in this window; 42 are "
				       "stored."));
	assert_null(strstr(screen, "Google Workspace"));
	free(screen);
	key(d, "t");
	screen = screen_with(d, "all time up to 2026-03-09");
	assert_non_null(screen);
	assert_non_null(strstr(screen, "42 of 42 reports, 11831 messages"));
	assert_non_null(strstr(screen, "Receivers: none 11795, quarantine "
				       "36, reject 0."));
	assert_non_null(strstr(screen, "2026-W08"));
	free(screen);
	key(d, "t");
	expect(d, "plan window, last 14 days");
	demo_stop(d);
}

/* Sources are grouped by the provider that explains them, one row per
 * provider; Enter shows a row per source of the group and closes it
 * again. The sources nothing explains are open from the start. */
static void test_reports_groups(void **state)
{
	struct demo *d = *state;
	char *screen, *line;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "7");
	screen = screen_with(d, "+ Google Workspace");
	assert_non_null(screen);
	line = screen_line(screen, "+ Google Workspace");
	assert_non_null(strstr(line, "2267"));
	assert_non_null(strstr(line, "2 sources"));
	free(line);
	assert_null(strstr(screen, "209.85.220.41"));
	assert_non_null(strstr(screen, "+ Twilio SendGrid"));
	line = screen_line(screen, "- unexplained");
	assert_non_null(line);
	assert_non_null(strstr(line, "FAIL-unknown"));
	free(line);
	assert_non_null(strstr(screen, "   203.0.113.77"));
	free(screen);
	/* The cursor is on the largest group. */
	key(d, "Enter");
	screen = screen_with(d, "- Google Workspace");
	assert_non_null(screen);
	line = screen_line(screen, "209.85.220.41");
	assert_non_null(line);
	assert_non_null(strstr(line, "1459"));
	assert_non_null(strstr(line, "mail-sor-f41"));
	free(line);
	assert_non_null(strstr(screen, "209.85.220.69"));
	assert_non_null(strstr(screen, "Enter closes the group."));
	free(screen);
	key(d, "Enter");
	screen = screen_with(d, "+ Google Workspace");
	assert_non_null(screen);
	assert_null(strstr(screen, "209.85.220.41"));
	free(screen);
	demo_stop(d);
}

/* A failure report imported on the reports screen is counted in the
 * header; e lists the failure reports with the details of the selected
 * one (source, what failed, when, the original's identifiers and its
 * signature) and returns to the sources. */
static void test_reports_failures(void **state)
{
	struct demo *d = *state;
	char *screen, *path, *line;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "7");
	expect(d, "Failure reports: 0 (e)");
	key(d, "e");
	expect(d, "No failure report received.");
	key(d, "e");
	expect(d, "Provider / source");
	path = testenv_write_arf(d->tmp, "demo.example", "203.0.113.77");
	key(d, "i");
	expect(d, "Import from");
	key(d, "C-u");
	type(d, path);
	key(d, "Enter");
	expect(d, "Failure reports: 1 (e)");
	expect(d, "The import added 0 reports and 1 failure reports");
	key(d, "e");
	screen = screen_with(d, "1 failure report (e returns to the sources)");
	assert_non_null(screen);
	line = screen_line(screen, "Source ");
	assert_non_null(line);
	assert_non_null(strstr(line, "203.0.113.77"));
	free(line);
	line = screen_line(screen, "Arrived");
	assert_non_null(line);
	assert_non_null(strstr(line, "Sun, 08 Mar 2026 09:58:00 +0000"));
	free(line);
	assert_non_null(strstr(screen, "billing@demo.example"));
	assert_non_null(strstr(screen, "bounce@spoof.example"));
	assert_non_null(strstr(screen, "<fake-9@spoof.example>"));
	line = screen_line(screen, "DKIM signature");
	assert_non_null(line);
	assert_non_null(strstr(line, "spoof.example, selector k9"));
	free(line);
	line = screen_line(screen, "Failed");
	assert_non_null(line);
	assert_non_null(strstr(line, "dmarc"));
	free(line);
	free(screen);
	key(d, "Escape");
	expect(d, "Provider / source");
	free(path);
	demo_stop(d);
}

/* The text of a screen's rows from the one containing start on, each
 * following row that begins with the continuation mark joined to it,
 * with every space dropped (tmux trims the spaces that end a row).
 * Caller frees. */
static char *joined_rows(const char *screen, const char *start)
{
	static const char mark[] = " \xe2\x86\xb3 ";
	const char *p = strstr(screen, start);
	char *out, *o;

	if (!p)
		return NULL;
	while (p > screen && p[-1] != '\n')
		p--;
	out = o = xcalloc(strlen(p) + 1, 1);
	for (bool first = true; *p; first = false) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (!first) {
			if (strncmp(p, mark, sizeof mark - 1) != 0)
				break;
			p += sizeof mark - 1;
			len -= sizeof mark - 1;
		}
		for (size_t i = 0; i < len; i++)
			if (p[i] != ' ')
				*o++ = p[i];
		p += len + (end != NULL);
	}
	return out;
}

/* A 2048-bit DKIM record is four times as wide as an 80-column
 * terminal: the export preview wraps it, marking each continued row,
 * so that the whole value, its end included, is on screen. The rows
 * joined give exactly the line the written file has. */
static void test_export_wraps_dkim(void **state)
{
	struct demo *d = *state;
	char *screen, *rows, *path, *text, *line, *want, *w;
	size_t len;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "5");
	expect(d, "DKIM of demo.example");
	/* The first line is Google's key: K twice makes one's own. */
	key(d, "K");
	key(d, "K");
	expect(d, "Selector of the new key: 202603");
	key(d, "Enter");
	screen = screen_with(d, "Private key: ");
	assert_non_null(screen);
	free(screen);
	key(d, "8");
	screen = screen_with(d, "202603._domainkey.demo.example. 3600 IN "
				"TXT");
	assert_non_null(screen);
	rows = joined_rows(screen, "202603._domainkey.demo.example.");
	assert_non_null(rows);
	free(screen);
	path = xasprintf("%s/records.zone", d->tmp);
	key(d, "w");
	expect(d, "Write to");
	for (int i = 0; i < 40; i++)
		key(d, "BSpace");
	type(d, path);
	key(d, "Enter");
	expect(d, "Wrote ");
	text = testenv_read_file(path, NULL);
	assert_non_null(text);
	line = screen_line(text, "202603._domainkey.demo.example.");
	assert_non_null(line);
	want = w = xcalloc(strlen(line) + 1, 1);
	for (const char *p = line; *p; p++)
		if (*p != ' ')
			*w++ = *p;
	/* A 2048-bit key: its record is well past 300 octets. */
	len = strlen(want);
	assert_true(len > 380);
	/* The whole record, the key's last octets and the closing quote
	 * included, is on screen. */
	assert_string_equal(rows, want);
	assert_int_equal(rows[strlen(rows) - 1], '"');
	/* In a short terminal the rows scroll: End shows the last record
	 * and not the first line, Home the first line again. */
	resize(d, 80, 14);
	key(d, "End");
	screen = screen_without(d, "; dmarcpilot: records for");
	assert_non_null(screen);
	/* the last record: the external collector's authorisation */
	assert_non_null(strstr(screen, "\"v=DMARC1\""));
	free(screen);
	key(d, "Home");
	expect(d, "; dmarcpilot: records for demo.example");
	free(want);
	free(line);
	free(text);
	free(path);
	free(rows);
	demo_stop(d);
}

/* x on the reports step marks the selected failing source as not
 * ours after asking: n leaves it, y stores it; the source then shows
 * as "not ours", and the DMARC step, which it held back, is ready for
 * the next rung. x on a passing source explains why not. The help
 * lists the key. */
static void test_disown_source(void **state)
{
	struct demo *d = *state;
	char *screen, *line;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "7");
	expect(d, "203.0.113.77");
	key(d, "F1");
	expect(d, "mark the selected failing source as not ours");
	key(d, "Escape");
	expect(d, "Reports for demo.example");
	/* The first row passes: nothing to disown. */
	key(d, "x");
	expect(d, "Only a failing source that no sender explains");
	/* The unknown source is the smallest: the last row. */
	key(d, "G");
	key(d, "x");
	expect(d, "Mark 203.0.113.77 as not ours (spoofing)? (y/n)");
	key(d, "n");
	screen = screen_with(d, "Not marked.");
	assert_non_null(screen);
	line = screen_line(screen, "203.0.113.77");
	assert_non_null(strstr(line, "FAIL-unknown"));
	free(line);
	free(screen);
	key(d, "x");
	expect(d, "Mark 203.0.113.77 as not ours (spoofing)? (y/n)");
	key(d, "y");
	screen = screen_with(d, "203.0.113.77 is marked as not ours");
	assert_non_null(screen);
	line = screen_line(screen, "203.0.113.77 ");
	assert_non_null(strstr(line, "not ours"));
	assert_null(strstr(line, "FAIL-unknown"));
	free(line);
	free(screen);
	key(d, "6");
	expect(d, "Ready for quarantine 50 %.");
	demo_stop(d);
}

/* An operator whose language is German reads the wizard in German. */
static void test_german(void **state)
{
	struct demo *d = *state;
	const char *env[] = { "LANG=C.UTF-8", "LC_ALL=", "LANGUAGE=de", NULL };
	char *locale = xasprintf(
	    "%s/locale", getenv("top_builddir") ? getenv("top_builddir") : ".");
	const char *probe;

	if (!tmux_available())
		skip();
	/* The German catalogue gets the wizard's strings when the
	 * translations are merged into po/de.po; until then there is
	 * nothing to read. */
	setlocale(LC_ALL, "C.UTF-8");
	setenv("LANGUAGE", "de", 1);
	bindtextdomain(PACKAGE, locale);
	probe = dgettext(PACKAGE, "Rollout of %s");
	unsetenv("LANGUAGE");
	free(locale);
	if (strcmp(probe, "Rollout of %s") == 0)
		skip();
	demo_start(d, 80, 24, env);
	expect(d, "Einführung von demo.example");
	/* The German reason wraps at word boundaries, whole: its last
	 * row ends with the address, and no row is cut short. */
	expect(d, "sender disown demo.example 203.0.113.77\n");
	expect(d, "     verwerfen Sie sie mit dmarcpilot");
	key(d, "F1");
	expect(d, "Tasten überall");
	demo_stop(d);
}

/* With a resolver that never answers, the first screen comes at once,
 * the spinner shows the queries waiting, and keys still work. */
static void test_silent_resolver(void **state)
{
	struct demo *d = *state;
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd;
	char *resolver, *db, *screen;
	const char *keys[] = { "4", NULL }, *help[] = { "F1", NULL };

	if (!tmux_available())
		skip();
	/* The fixture removes the directory, even after a failure. */
	d->tmp = testenv_mkdtemp();
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	resolver = xasprintf("127.0.0.1:%d", ntohs(sin.sin_port));
	db = xasprintf("%s/db.sqlite", d->tmp);
	{
		const char *argv[] = { testenv_binary(),
				       "--resolver",
				       resolver,
				       "--timeout",
				       "120",
				       "--db",
				       db,
				       "example.com",
				       NULL };
		bool started = tmux_start(&d->t, 80, 24, argv, NULL);

		free(db);
		free(resolver);
		assert_true(started);
	}
	/* The queries never end: wait for what is drawn, not for idle. */
	screen = tmux_wait_for(&d->t, "Rollout of example.com", WAIT_MS);
	assert_non_null(screen);
	free(screen);
	tmux_send_keys(&d->t, keys);
	screen = tmux_wait_for(&d->t, "1 query", WAIT_MS);
	free(screen);
	screen = tmux_drawn(&d->t, WAIT_MS);
	assert_non_null(screen);
	assert_non_null(strstr(screen, "1 query"));
	assert_non_null(strstr(screen, "Counting the lookups"));
	free(screen);
	tmux_send_keys(&d->t, help);
	screen = tmux_drawn(&d->t, WAIT_MS);
	assert_non_null(screen);
	assert_non_null(strstr(screen, "Keys everywhere"));
	assert_non_null(strstr(screen, "1 query"));
	free(screen);
	/* q with nothing unsaved leaves at once, the query still out. */
	{
		const char *q[] = { "q", NULL };
		int status = -1;

		tmux_send_keys(&d->t, q);
		assert_true(tmux_wait_exit(&d->t, WAIT_MS, &status));
		assert_int_equal(status, 0);
	}
	demo_stop(d);
	close(fd);
}

/* Without a terminal and without a command, the program prints its help
 * and exits 0; --demo without one says the wizard needs a terminal
 * (exit 2). */
static void test_no_terminal(void **state)
{
	const char *none[] = { NULL };
	const char *demo[] = { "--demo", NULL };
	struct testenv_run run = testenv_run_dmarcpilot(none, NULL);

	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "Usage: dmarcpilot"));
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(demo, NULL);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "needs a terminal"));
	testenv_run_done(&run);
}

/* The export step previews the plan's records and writes them: the BIND
 * snippet has the next DMARC rung; the nsupdate script deletes exactly
 * the rung published now (pct=25) before adding the next (pct=50), with
 * the report addresses the domain publishes. */
static void test_export(void **state)
{
	struct demo *d = *state;
	char *path, *text;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "8");
	expect(d, "Export for demo.example as BIND");
	/* quarantine 50 % is not ready: the export keeps the rung that is
	 * live and says which one it withholds and why. */
	expect(d, "; withheld, not ready: quarantine 50 %: unknown source");
	expect(d, "_dmarc.demo.example. 3600 IN TXT \"v=DMARC1; p=quarantine; "
		  "pct=25");
	key(d, "F");
	expect(d, "Export for demo.example as nsupdate");
	path = xasprintf("%s/records.nsupdate", d->tmp);
	key(d, "w");
	expect(d, "Write to");
	for (int i = 0; i < 40; i++)
		key(d, "BSpace");
	type(d, path);
	key(d, "Enter");
	expect(d, "Wrote ");
	text = testenv_read_file(path, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "; withheld, not ready: quarantine 50 %"));
	assert_null(strstr(text, "pct=50"));
	free(text);
	free(path);
	demo_stop(d);
}

/* The timeline scrolls at 80x24 to the end of the plan (reject, SPF
 * -all, maintenance), and a reason is wrapped whole, down to the
 * command it tells the operator to run. */
static void test_timeline_scrolls(void **state)
{
	struct demo *d = *state;
	char *screen;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	expect(d, "disown demo.example 203.0.113.77");
	screen = screen_with(d, "more below");
	assert_non_null(screen);
	assert_null(strstr(screen, "publish SPF -all"));
	free(screen);
	key(d, "End");
	expect(d, "publish SPF -all");
	expect(d, "maintenance");
	expect(d, "publish reject");
	key(d, "Home");
	expect(d, "Rollout of demo.example");
	demo_stop(d);
}

/* The number of rungs the demo's database holds as verified. */
static int demo_rungs(struct demo *d)
{
	char *db = demo_db_path(d);
	char *n = testenv_db_text(db, "SELECT count(*) FROM rung_history");
	int count = n ? atoi(n) : -1;

	free(n);
	free(db);
	return count;
}

/* S on the timeline goes through the same gate as dmarcpilot step: the
 * plan does not call quarantine 50 % ready, so nothing is verified or
 * recorded and every reason shows; ! asks first, n leaves it, y forces
 * the verification, which the demo's servers (serving pct=25) fail, so
 * still nothing is recorded. */
static void test_timeline_step(void **state)
{
	struct demo *d = *state;
	int before;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	before = demo_rungs(d);
	assert_true(before > 0);
	key(d, "S");
	expect(d, "quarantine 50 % is not ready; nothing recorded (! forces");
	expect(d, "Not ready: unknown source 203.0.113.77");
	expect(d, "disown demo.example 203.0.113.77");
	key(d, "!");
	expect(d, "Take quarantine 50 % anyway, as step --force does? (y/n)");
	key(d, "n");
	expect(d, "Not forced; nothing recorded.");
	key(d, "!");
	expect(d, "(y/n)");
	key(d, "y");
	expect(d, "Forced: the plan does not call quarantine 50 % ready.");
	expect(d, "ns1.demo.example");
	expect(d, "still serves another record");
	expect(d, "Not recorded: 0 of 2 servers serve quarantine 50 %");
	assert_int_equal(demo_rungs(d), before);
	demo_stop(d);
}

/* The SPF step takes the plan's step too, and v shows the servers'
 * answers where the eye is: the view moves to them. */
static void test_spf_step_and_verify(void **state)
{
	struct demo *d = *state;
	char *screen;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "4");
	expect(d, "SPF of demo.example");
	screen = screen_with(d, "Include tree");
	assert_non_null(screen);
	assert_null(strstr(screen, "Target on the authoritative servers"));
	free(screen);
	key(d, "v");
	expect(d, "Target on the authoritative servers (v asks)");
	expect(d, "ns2.demo.example");
	expect(d, "0 of 2 servers serve the target.");
	key(d, "S");
	expect(d, "The plan's step (S takes it)");
	expect(d, "quarantine 50 % is not ready");
	/* The reason wraps whole, indented under its dash. */
	expect(d, "      dmarcpilot sender disown demo.example 203.0.113.77");
	demo_stop(d);
}

/* o on the timeline opens the domain's settings, the same table as
 * domain set: a change is checked, stored at once, and the timeline's
 * plan follows it; d puts the default back. */
static void test_settings_view(void **state)
{
	struct demo *d = *state;
	char *db, *v, *screen, *line;

	if (!tmux_available())
		skip();
	demo_start(d, 80, 24, NULL);
	key(d, "o");
	expect(d, "Settings of demo.example");
	expect(d, "min-days-rung        7 (default)");
	expect(d, "servers              (default)");
	key(d, "Down");
	key(d, "Down");
	expect(d, "min-days-rung: days on each later rung");
	key(d, "Enter");
	key(d, "C-u");
	type(d, "x");
	key(d, "Enter");
	expect(d, "min-days-rung: not a number of days: x");
	key(d, "Enter");
	key(d, "C-u");
	type(d, "3");
	key(d, "Enter");
	expect(d, "Stored min-days-rung for demo.example.");
	screen = screen_with(d, "min-days-rung ");
	assert_non_null(screen);
	line = screen_line(screen, "min-days-rung ");
	assert_null(strstr(line, "default"));
	assert_non_null(strstr(line, " 3"));
	free(line);
	free(screen);
	db = demo_db_path(d);
	v = testenv_db_text(db, "SELECT min_days_rung FROM plan_settings");
	assert_non_null(v);
	assert_string_equal(v, "3");
	free(v);
	/* The list scrolls to its last setting. */
	key(d, "End");
	expect(d, "publish-port: the port of the primary");
	/* A bad server list is refused, naming the setting. */
	key(d, "Up");
	key(d, "Up");
	key(d, "Up");
	expect(d, "servers: verify steps on these servers");
	key(d, "Enter");
	type(d, "not an address");
	key(d, "Enter");
	expect(d, "servers: ");
	v = testenv_db_text(db, "SELECT servers FROM plan_settings");
	assert_true(!v || !*v);
	free(v);
	key(d, "Home");
	key(d, "Down");
	key(d, "Down");
	key(d, "d");
	expect(d, "min-days-rung        7 (default)");
	key(d, "Escape");
	expect(d, "Rollout of demo.example");
	/* The domains screen opens the selected domain's settings too. */
	key(d, "Escape");
	expect(d, "Your domains");
	key(d, "o");
	expect(d, "Settings of demo.example");
	free(db);
	demo_stop(d);
}

/* A terminal the wizard cannot draw on gets one line and exit 2: one
 * smaller than 80x24, and TERM=dumb. */
static void test_terminal_refused(void **state)
{
	struct demo *d = *state;
	const char *argv[] = { testenv_binary(), "--demo", NULL };
	const char *dumb[] = { "TERM=dumb", NULL };
	int status = -1;
	char *screen;

	if (!tmux_available())
		skip();
	assert_true(tmux_start(&d->t, 79, 24, argv, NULL));
	assert_true(tmux_wait_exit(&d->t, WAIT_MS, &status));
	assert_int_equal(status, 2);
	screen = tmux_wait_for(&d->t,
			       "needs a terminal of at least 80x24, "
			       "this one is 79x24",
			       WAIT_MS);
	assert_non_null(screen);
	free(screen);
	tmux_stop(&d->t);
	assert_true(tmux_start(&d->t, 80, 24, argv, dumb));
	assert_true(tmux_wait_exit(&d->t, WAIT_MS, &status));
	assert_int_equal(status, 2);
	screen = tmux_wait_for(&d->t, "cannot draw on TERM=dumb", WAIT_MS);
	assert_non_null(screen);
	free(screen);
}

/* A test with its demo from demo_setup(), stopped by demo_teardown(). */
/* clang-format off */
#define DEMO_TEST(f) cmocka_unit_test_setup_teardown(f, demo_setup, \
						     demo_teardown)
/* clang-format on */

int main(void)
{
	const struct CMUnitTest tests[] = {
		DEMO_TEST(test_demo_timeline),
		DEMO_TEST(test_demo_screens),
		DEMO_TEST(test_filter_and_quit_confirmation),
		DEMO_TEST(test_save_sender),
		DEMO_TEST(test_help),
		DEMO_TEST(test_resize),
		DEMO_TEST(test_spf_flatten),
		DEMO_TEST(test_dkim_keygen),
		DEMO_TEST(test_dkim_rotation_view),
		DEMO_TEST(test_import_prompt_empty),
		DEMO_TEST(test_import_reports),
		DEMO_TEST(test_reports_windows),
		DEMO_TEST(test_reports_groups),
		DEMO_TEST(test_reports_failures),
		DEMO_TEST(test_export),
		DEMO_TEST(test_export_wraps_dkim),
		DEMO_TEST(test_disown_source),
		DEMO_TEST(test_german),
		DEMO_TEST(test_silent_resolver),
		DEMO_TEST(test_timeline_scrolls),
		DEMO_TEST(test_timeline_step),
		DEMO_TEST(test_spf_step_and_verify),
		DEMO_TEST(test_settings_view),
		DEMO_TEST(test_terminal_refused),
		cmocka_unit_test(test_no_terminal),
	};

	return cmocka_run_group_tests_name("tui", tests, NULL, NULL);
}
