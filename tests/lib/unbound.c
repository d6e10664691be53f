/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The validating test resolver: ldns signs, Unbound validates. */
#include "config.h"

#include "lib/unbound.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/httpsd.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* Whether the programs are there. */
bool unbound_available(void)
{
	return access("/usr/sbin/unbound", X_OK) == 0 &&
	       access("/usr/bin/ldns-keygen", X_OK) == 0 &&
	       access("/usr/bin/ldns-signzone", X_OK) == 0;
}

/* Runs a shell command; its output, or NULL (saying why). */
static char *shell(const char *command)
{
	const char *args[] = { "/bin/sh", "-c", command, NULL };
	struct testenv_run run = testenv_run(args, NULL, NULL);
	char *out = NULL;

	if (run.status == 0)
		out = xstrdup(run.out);
	else
		fprintf(stderr, "%s: %s\n", command, run.err);
	testenv_run_done(&run);
	return out;
}

/* Signs the zone with a new KSK and ZSK. */
char *unbound_sign_zone(const char *dir, const char *name, const char *text,
			char **ds)
{
	char *file = xasprintf("%s.zone", name);
	char *path = testenv_write_file(dir, file, text);
	char *cmd = xasprintf(
	    "cd '%s' && ksk=$(ldns-keygen -a ECDSAP256SHA256 -k %s) && "
	    "zsk=$(ldns-keygen -a ECDSAP256SHA256 %s) && "
	    "ldns-signzone -o %s %s.zone $ksk $zsk && cat $ksk.ds",
	    dir, name, name, name, name);
	char *signed_path = xasprintf("%s.signed", path);
	char *out = shell(cmd), *zone = NULL;

	if (out) {
		zone = testenv_read_file(signed_path, NULL);
		*ds = out;
	}
	free(file);
	free(path);
	free(cmd);
	free(signed_path);
	return zone;
}

/* Writes the configuration and starts Unbound. */
bool unbound_start(struct unbound_server *server, const char *anchors,
		   const char *const *zones, size_t nzones,
		   const char *nsd_address)
{
	struct strbuf conf = STRBUF_INIT;
	const char *colon = strrchr(nsd_address, ':');
	char *anchor_path, *conf_path;
	bool ok = false;

	memset(server, 0, sizeof *server);
	server->dir = testenv_mkdtemp();
	server->port = nsd_free_port();
	server->address = xasprintf("127.0.0.1:%d", server->port);
	anchor_path = testenv_write_file(server->dir, "anchors", anchors);
	strbuf_addf(&conf,
		    "server:\n"
		    "  interface: 127.0.0.1\n  port: %d\n"
		    "  do-ip6: no\n  do-not-query-localhost: no\n"
		    "  username: \"\"\n  chroot: \"\"\n  directory: \"%s\"\n"
		    "  pidfile: \"\"\n  use-syslog: no\n  logfile: \"\"\n"
		    "  num-threads: 1\n  so-reuseport: no\n"
		    "  module-config: \"validator iterator\"\n"
		    "  trust-anchor-file: \"%s\"\n"
		    "  access-control: 127.0.0.0/8 allow\n"
		    "  qname-minimisation: no\n  ratelimit: 0\n"
		    "  ip-ratelimit: 0\n  val-log-level: 2\n"
		    "  target-fetch-policy: \"0 0 0 0 0\"\n"
		    /* RFC 6761 names are local zones by default;
		     * the tests' zones live under test. */
		    "  local-zone: \"test.\" nodefault\n"
		    "remote-control:\n  control-enable: no\n",
		    server->port, server->dir, anchor_path);
	for (size_t i = 0; i < nzones; i++)
		strbuf_addf(&conf,
			    "stub-zone:\n  name: \"%s\"\n"
			    "  stub-addr: %.*s@%s\n",
			    zones[i], (int)(colon - nsd_address), nsd_address,
			    colon + 1);
	conf_path =
	    testenv_write_file(server->dir, "unbound.conf", strbuf_str(&conf));
	server->pid = fork();
	if (server->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl("/usr/sbin/unbound", "unbound", "-d", "-c", conf_path,
		      (char *)NULL);
		_exit(127);
	}
	for (time_t deadline = time(NULL) + 60; time(NULL) < deadline;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		int status;

		if (httpsd_accepts("127.0.0.1", server->port)) {
			ok = true;
			break;
		}
		if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
			fprintf(stderr, "unbound exited during start-up\n");
			server->pid = 0;
			break;
		}
		nanosleep(&ts, NULL);
	}
	strbuf_done(&conf);
	free(anchor_path);
	free(conf_path);
	if (!ok)
		unbound_stop(server);
	return ok;
}

/* Stops Unbound. */
void unbound_stop(struct unbound_server *server)
{
	if (server->pid > 0) {
		kill(server->pid, SIGTERM);
		waitpid(server->pid, NULL, 0);
		server->pid = 0;
	}
	if (server->dir) {
		testenv_rmdir(server->dir);
		free(server->dir);
		server->dir = NULL;
	}
	free(server->address);
	server->address = NULL;
}
