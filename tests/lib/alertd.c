/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The alert servers for tests: python3 does the serving. */
#include "config.h"

#include "lib/alertd.h"
#include "lib/testenv.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/xalloc.h"

/* The Debian interpreter, which has python3-aiosmtpd, whatever PATH
 * says. */
#define ALERTD_PYTHON "/usr/bin/python3"

/* Whether the SMTP server can run. */
bool alert_smtpd_available(void)
{
	const char *argv[] = { ALERTD_PYTHON, "-c", "import aiosmtpd", NULL };
	struct testenv_run run;
	bool ok;

	if (access(ALERTD_PYTHON, X_OK) != 0 ||
	    testenv_program("OPENSSL") == NULL)
		return false;
	run = testenv_run(argv, NULL, NULL);
	ok = run.status == 0;
	testenv_run_done(&run);
	return ok;
}

/* Runs script with args, and waits (60 s at most) for the line with
 * the port it bound. */
static bool start(struct alertd_server *server, const char *script,
		  const char *const *args)
{
	char *path = xasprintf("%s/tests/lib/%s", testenv_srcdir(), script);
	const char *argv[8] = { ALERTD_PYTHON, path };
	char line[32];
	size_t len = 0;
	int fds[2];

	for (size_t i = 0; args[i] && i < 5; i++)
		argv[2 + i] = args[i];
	if (pipe(fds) < 0) {
		free(path);
		return false;
	}
	server->pid = fork();
	if (server->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(ALERTD_PYTHON, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	free(path);
	while (len < sizeof line - 1) {
		struct pollfd pfd = { fds[0], POLLIN, 0 };
		ssize_t n;

		if (poll(&pfd, 1, 60000) != 1)
			break;
		n = read(fds[0], line + len, sizeof line - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(line, '\n', len))
			break;
	}
	close(fds[0]);
	line[len] = '\0';
	server->port = atoi(line);
	if (server->port <= 0) {
		fprintf(stderr, "%s did not start\n", script);
		return false;
	}
	return true;
}

/* Starts the SMTP server. */
bool alert_smtpd_start(struct alertd_server *server)
{
	char *key, *mail;
	bool ok = false;

	memset(server, 0, sizeof *server);
	server->dir = testenv_mkdtemp();
	server->cert = xasprintf("%s/cert.pem", server->dir);
	server->user = "alerts";
	server->password = "tr0ub4dor&3";
	key = xasprintf("%s/key.pem", server->dir);
	mail = xasprintf("%s/mail", server->dir);
	mkdir(mail, 0700);
	if (testenv_self_signed(server->cert, key)) {
		const char *args[] = { mail,         server->cert,     key,
				       server->user, server->password, NULL };

		ok = start(server, "alert_smtpd.py", args);
	}
	free(server->dir);
	server->dir = mail;
	free(key);
	if (!ok)
		alertd_stop(server);
	return ok;
}

/* Starts the webhook server. */
bool webhookd_start(struct alertd_server *server)
{
	const char *args[2] = { NULL, NULL };

	memset(server, 0, sizeof *server);
	server->dir = testenv_mkdtemp();
	args[0] = server->dir;
	if (!start(server, "webhookd.py", args)) {
		alertd_stop(server);
		return false;
	}
	return true;
}

/* Sets the answer of the webhook server. */
void webhookd_set_status(struct alertd_server *server, int status)
{
	char text[16];
	char *path;

	snprintf(text, sizeof text, "%d", status);
	path = testenv_write_file(server->dir, "status", text);
	free(path);
}

/* Counts what arrived: the files renamed into place. */
size_t alertd_count(const struct alertd_server *server)
{
	size_t n = 0;

	for (;;) {
		char *path = xasprintf("%s/%zu.%s", server->dir, n + 1,
				       server->cert ? "eml" : "json");
		bool there = access(path, F_OK) == 0;

		free(path);
		if (!there)
			return n;
		n++;
	}
}

/* Reads one of what arrived. */
char *alertd_read(const struct alertd_server *server, size_t n, const char *ext)
{
	char *path = xasprintf("%s/%zu.%s", server->dir, n, ext);
	char *text = testenv_read_file(path, NULL);

	free(path);
	return text;
}

/* Stops a server. */
void alertd_stop(struct alertd_server *server)
{
	if (server->pid > 0) {
		kill(server->pid, SIGTERM);
		waitpid(server->pid, NULL, 0);
		server->pid = 0;
	}
	if (server->dir) {
		/* The SMTP server's folder is mail/ inside its own. */
		char *top = server->cert ? xstrdup(server->dir) : NULL;

		if (top) {
			char *slash = strrchr(top, '/');

			if (slash)
				*slash = '\0';
			testenv_rmdir(top);
			free(top);
		} else {
			testenv_rmdir(server->dir);
		}
		free(server->dir);
		server->dir = NULL;
	}
	free(server->cert);
	server->cert = NULL;
}
