/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTTPS test server: certificates by openssl, python3 serving. */
#include "config.h"

#include "lib/httpsd.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/nsd.h"
#include "lib/testenv.h"
#include "util/xalloc.h"

/* The server still running, stopped at exit if a test failed. */
static struct httpsd_server *httpsd_running;

/* Stops the server left running. */
static void httpsd_stop_left(void)
{
	if (httpsd_running)
		httpsd_stop(httpsd_running);
}

/* Whether python3 and openssl are installed. */
bool httpsd_available(void)
{
	return access("/usr/bin/python3", X_OK) == 0 &&
	       access("/usr/bin/openssl", X_OK) == 0;
}

/* Runs openssl with args; false (saying why) when it fails. */
static bool openssl(const char *const *args)
{
	struct testenv_run run = testenv_run(args, NULL, NULL);
	bool ok = run.status == 0;

	if (!ok)
		fprintf(stderr, "openssl failed: %s\n", run.err);
	testenv_run_done(&run);
	return ok;
}

/* A certificate for host signed by the CA in dir (httpsd.h). */
bool httpsd_make_cert(const char *dir, size_t n, const char *host, bool expired)
{
	char *key = xasprintf("%s/%zu.key", dir, n);
	char *csr = xasprintf("%s/%zu.csr", dir, n);
	char *pem = xasprintf("%s/%zu.pem", dir, n);
	char *ca = xasprintf("%s/ca.pem", dir);
	char *cakey = xasprintf("%s/ca.key", dir);
	char *extname = xasprintf("%zu.ext", n);
	char *exttext = xasprintf("subjectAltName=DNS:%s\n"
				  "basicConstraints=CA:FALSE\n"
				  "extendedKeyUsage=serverAuth\n",
				  host);
	char *ext = testenv_write_file(dir, extname, exttext);
	char *subj = xasprintf("/CN=%s", host);
	const char *req[] = { "openssl", "req",      "-newkey",
			      "ec",      "-pkeyopt", "ec_paramgen_curve:P-256",
			      "-nodes",  "-keyout",  key,
			      "-out",    csr,        "-subj",
			      subj,      NULL };
	const char *sign[] = { "openssl",  "x509",
			       "-req",     "-in",
			       csr,        "-CA",
			       ca,         "-CAkey",
			       cakey,      "-CAcreateserial",
			       "-days",    expired ? "-1" : "2",
			       "-extfile", ext,
			       "-out",     pem,
			       NULL };
	bool ok = openssl(req) && openssl(sign);

	free(key);
	free(csr);
	free(pem);
	free(ca);
	free(cakey);
	free(extname);
	free(exttext);
	free(ext);
	free(subj);
	return ok;
}

/* True once something accepts TCP there (httpsd.h). */
bool httpsd_accepts(const char *address, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	inet_pton(AF_INET, address, &sa.sin_addr);
	sa.sin_port = htons((uint16_t)port);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

/* Makes the certificates, writes the site list, starts the server. */
bool httpsd_start(struct httpsd_server *server, const struct httpsd_site *sites,
		  size_t count)
{
	json_t *list = json_array();
	char *ca_key, *sites_path, *script, *port;
	bool ok = false;

	memset(server, 0, sizeof *server);
	server->dir = testenv_mkdtemp();
	server->cafile = xasprintf("%s/ca.pem", server->dir);
	ca_key = xasprintf("%s/ca.key", server->dir);
	{
		const char *args[] = { "openssl",
				       "req",
				       "-x509",
				       "-newkey",
				       "ec",
				       "-pkeyopt",
				       "ec_paramgen_curve:P-256",
				       "-nodes",
				       "-keyout",
				       ca_key,
				       "-out",
				       server->cafile,
				       "-days",
				       "2",
				       "-subj",
				       "/CN=dmarcpilot test CA",
				       "-addext",
				       "basicConstraints=critical,CA:TRUE",
				       "-addext",
				       "keyUsage=critical,keyCertSign,cRLSign",
				       NULL };

		if (!openssl(args))
			goto out;
	}
	for (size_t i = 0; i < count; i++) {
		json_t *s = json_object();
		char *file;

		if (!httpsd_make_cert(server->dir, i, sites[i].host,
				      sites[i].expired)) {
			json_decref(s);
			goto out;
		}
		json_object_set_new(s, "host", json_string(sites[i].host));
		json_object_set_new(s, "path", json_string(sites[i].path));
		json_object_set_new(s, "body", json_string(sites[i].body));
		json_object_set_new(s, "content_type",
				    json_string(sites[i].content_type
						    ? sites[i].content_type
						    : "text/plain"));
		json_object_set_new(
		    s, "status",
		    json_integer(sites[i].status ? sites[i].status : 200));
		file = xasprintf("%s/%zu.pem", server->dir, i);
		json_object_set_new(s, "cert", json_string(file));
		free(file);
		file = xasprintf("%s/%zu.key", server->dir, i);
		json_object_set_new(s, "key", json_string(file));
		free(file);
		json_array_append_new(list, s);
	}
	sites_path = xasprintf("%s/sites.json", server->dir);
	json_dump_file(list, sites_path, 0);
	script = xasprintf("%s/tests/lib/httpsd.py", testenv_srcdir());
	server->port = nsd_free_port();
	port = xasprintf("%d", server->port);
	server->pid = fork();
	if (server->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl("/usr/bin/python3", "python3", script, sites_path, port,
		      (char *)NULL);
		_exit(127);
	}
	free(sites_path);
	free(script);
	free(port);
	httpsd_running = server;
	{
		static bool registered;

		if (!registered) {
			atexit(httpsd_stop_left);
			registered = true;
		}
	}
	for (time_t deadline = time(NULL) + 60; time(NULL) < deadline;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		int status;

		if (httpsd_accepts("127.0.0.1", server->port)) {
			ok = true;
			break;
		}
		if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
			fprintf(stderr, "httpsd.py exited during start-up\n");
			server->pid = 0;
			break;
		}
		nanosleep(&ts, NULL);
	}
out:
	json_decref(list);
	free(ca_key);
	if (!ok)
		httpsd_stop(server);
	return ok;
}

/* Stops the server and cleans up. */
void httpsd_stop(struct httpsd_server *server)
{
	if (httpsd_running == server)
		httpsd_running = NULL;
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
	free(server->cafile);
	server->cafile = NULL;
}
