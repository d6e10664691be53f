/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lib/bind.h"
#include "lib/daemon.h"
#include "lib/nsd.h"
#include "lib/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

/* The name of the key the tests sign with. */
#define BIND_KEY_NAME "dmarcpilot-test"

/* Whether named and tsig-keygen are installed. */
bool bind_available(void)
{
	return testenv_program("NAMED") && testenv_program("TSIG_KEYGEN");
}

/* Makes the key of algorithm with tsig-keygen into dir/key, mode
 * 0600. */
static bool make_key(struct bind_server *s, const char *algorithm)
{
	const char *argv[] = { testenv_program("TSIG_KEYGEN"), "-a", algorithm,
			       BIND_KEY_NAME, NULL };
	struct testenv_run run = testenv_run(argv, NULL, NULL);
	bool ok = run.status == 0 && strstr(run.out, "secret");

	if (ok) {
		s->key_path = testenv_write_file(s->dir, "key", run.out);
		ok = chmod(s->key_path, 0600) == 0;
	} else {
		fprintf(stderr, "tsig-keygen failed: %s\n", run.err);
	}
	testenv_run_done(&run);
	s->key_name = xstrdup(BIND_KEY_NAME);
	return ok;
}

/* Writes the configuration, starts named, waits for its SOA. */
bool bind_start(struct bind_server *s, const char *zone, const char *text,
		int port, const char *secondary)
{
	return bind_start_grant(s, zone, text, port, secondary, NULL);
}

/* As bind_start(), with the update-policy's grant rule given. */
bool bind_start_grant(struct bind_server *s, const char *zone, const char *text,
		      int port, const char *secondary, const char *grant)
{
	return bind_start_key(s, zone, text, port, secondary, grant,
			      "hmac-sha256");
}

/* As bind_start_grant(), the key of the algorithm given. */
bool bind_start_key(struct bind_server *s, const char *zone, const char *text,
		    int port, const char *secondary, const char *grant,
		    const char *algorithm)
{
	const char *named = testenv_program("NAMED");
	struct strbuf conf = STRBUF_INIT;
	char *conf_path, *log, *zone_file;
	const char *argv[6];

	memset(s, 0, sizeof *s);
	if (!named) {
		fprintf(stderr, "named is not installed\n");
		return false;
	}
	s->dir = testenv_mkdtemp();
	s->port = port ? port : nsd_free_port();
	s->address = xasprintf("127.0.0.1:%d", s->port);
	if (!make_key(s, algorithm))
		return false;
	zone_file = xasprintf("%s.zone", zone);
	free(testenv_write_file(s->dir, zone_file, text));
	strbuf_addf(&conf,
		    "include \"%s\";\n"
		    "options {\n"
		    "  directory \"%s\";\n"
		    "  pid-file \"%s/named.pid\";\n"
		    "  session-keyfile \"%s/session.key\";\n"
		    "  managed-keys-directory \"%s\";\n"
		    "  listen-on port %d { 127.0.0.1; };\n"
		    "  listen-on-v6 { none; };\n"
		    "  recursion no;\n"
		    "  dnssec-validation no;\n"
		    "  allow-transfer { 127.0.0.0/8; };\n"
		    /* Every query in the log, for bind_query_count(). */
		    "  querylog yes;\n"
		    /* Answers to back-to-back queries are never dropped. */
		    "  rate-limit { responses-per-second 0; };\n",
		    s->key_path, s->dir, s->dir, s->dir, s->dir, s->port);
	if (secondary)
		strbuf_addf(&conf,
			    "  notify explicit;\n"
			    "  also-notify { %s port %d; };\n"
			    "  notify-delay 0;\n",
			    secondary, s->port);
	else
		strbuf_addstr(&conf, "  notify no;\n");
	strbuf_addf(&conf,
		    "};\n"
		    "controls { };\n"
		    "zone \"%s\" {\n"
		    "  type primary;\n"
		    "  file \"%s/%s\";\n"
		    /* RFC 2136 3.3: who may change what. */
		    "  update-policy { grant %s %s; };\n"
		    "};\n",
		    zone, s->dir, zone_file, BIND_KEY_NAME,
		    grant ? grant : "zonesub TXT");
	conf_path = testenv_write_file(s->dir, "named.conf", strbuf_str(&conf));
	strbuf_done(&conf);
	free(zone_file);
	log = xasprintf("%s/named.log", s->dir);
	argv[0] = named;
	argv[1] = "-g"; /* foreground, log to stderr */
	argv[2] = "-c";
	argv[3] = conf_path;
	argv[4] = NULL;
	s->pid = daemon_spawn(argv, log);
	free(conf_path);
	/* Up to 60 s: many developers' tests share two cores. */
	if (daemon_wait_zone(s->pid, "named", log, "127.0.0.1", s->port,
			     zone)) {
		free(log);
		return true;
	}
	free(log);
	bind_stop(s);
	return false;
}

/* Counts the log lines of the queries for name and type: with rd 1
 * those asking for recursion, 0 those that do not, -1 all (named logs
 * the RD flag as + or - after the type). */
static int count_queries(const char *text, const char *name, const char *type,
			 int rd)
{
	char *what = xasprintf(" query: %s IN %s %s", name, type,
			       rd < 0 ? ""
			       : rd   ? "+"
				      : "-");
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	free(what);
	return n;
}

/* Asks a sentinel of its own with dig, then reads the log until the
 * sentinel is in it (the log keeps the order queries came in), up to
 * 60 s, and counts. */
int bind_query_count(struct bind_server *s, const char *name, const char *type,
		     int rd)
{
	char *log = xasprintf("%s/named.log", s->dir);
	char *sentinel = xasprintf("sentinel-%u.invalid", ++s->sentinels);
	char *port = xasprintf("%d", s->port);
	const char *argv[] = { testenv_program("DIG"),
			       "+tries=1",
			       "@127.0.0.1",
			       "-p",
			       port,
			       sentinel,
			       "TXT",
			       NULL };
	struct testenv_run run = testenv_run(argv, NULL, NULL);
	int n = -1;

	testenv_run_done(&run);
	for (int i = 0; i < 6000 && n < 0; i++) {
		char *text = testenv_read_file(log, NULL);

		if (text && count_queries(text, sentinel, "TXT", -1) > 0)
			n = count_queries(text, name, type, rd);
		free(text);
		if (n < 0) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	free(port);
	free(sentinel);
	free(log);
	return n;
}

/* Stops named and cleans up. */
void bind_stop(struct bind_server *s)
{
	daemon_stop(s->pid);
	s->pid = 0;
	if (s->dir) {
		testenv_rmdir(s->dir);
		free(s->dir);
		s->dir = NULL;
	}
	free(s->address);
	free(s->key_path);
	free(s->key_name);
	s->address = s->key_path = s->key_name = NULL;
}
