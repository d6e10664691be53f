/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMTP test servers: certificates by the HTTPS test CA, aiosmtpd
 * serving. */
#include "config.h"

#include "lib/smtpd.h"

#include <jansson.h>
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
#include "util/xalloc.h"

/* Whether aiosmtpd can be imported by the Debian interpreter. */
bool smtpd_available(void)
{
	const char *args[] = { "/usr/bin/python3", "-c", "import aiosmtpd",
			       NULL };
	struct testenv_run run = testenv_run(args, NULL, NULL);
	bool ok = run.status == 0;

	testenv_run_done(&run);
	return ok;
}

/* True once every server accepts. */
static bool all_accept(const struct smtpd_host *hosts, size_t count, int port)
{
	for (size_t i = 0; i < count; i++)
		if (!httpsd_accepts(hosts[i].address, port))
			return false;
	return true;
}

/* Makes the certificates, writes the server list, starts aiosmtpd. */
bool smtpd_start(struct smtpd_server *server, const char *ca_dir,
		 size_t first_cert, const struct smtpd_host *hosts,
		 size_t count)
{
	json_t *list = json_array();
	char *path, *script, *port;
	bool ok = false;

	memset(server, 0, sizeof *server);
	for (size_t i = 0; i < count; i++) {
		json_t *s = json_object();
		size_t n = first_cert + i;

		json_object_set_new(s, "address",
				    json_string(hosts[i].address));
		if (hosts[i].cert_name) {
			char *file;

			if (!httpsd_make_cert(ca_dir, n, hosts[i].cert_name,
					      hosts[i].expired)) {
				json_decref(s);
				goto out;
			}
			file = xasprintf("%s/%zu.pem", ca_dir, n);
			json_object_set_new(s, "cert", json_string(file));
			free(file);
			file = xasprintf("%s/%zu.key", ca_dir, n);
			json_object_set_new(s, "key", json_string(file));
			free(file);
		}
		json_array_append_new(list, s);
	}
	path = xasprintf("%s/smtpd.json", ca_dir);
	json_dump_file(list, path, 0);
	script = xasprintf("%s/tests/lib/smtpd.py", testenv_srcdir());
	server->port = nsd_free_port();
	port = xasprintf("%d", server->port);
	server->pid = fork();
	if (server->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl("/usr/bin/python3", "python3", script, path, port,
		      (char *)NULL);
		_exit(127);
	}
	free(path);
	free(script);
	free(port);
	for (time_t deadline = time(NULL) + 60; time(NULL) < deadline;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		int status;

		if (all_accept(hosts, count, server->port)) {
			ok = true;
			break;
		}
		if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
			fprintf(stderr, "smtpd.py exited during start-up\n");
			server->pid = 0;
			break;
		}
		nanosleep(&ts, NULL);
	}
out:
	json_decref(list);
	if (!ok)
		smtpd_stop(server);
	return ok;
}

/* Stops the servers. */
void smtpd_stop(struct smtpd_server *server)
{
	if (server->pid > 0) {
		kill(server->pid, SIGTERM);
		waitpid(server->pid, NULL, 0);
		server->pid = 0;
	}
}
