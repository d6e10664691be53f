/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lib/postgres.h"
#include "lib/nsd.h"
#include "lib/testenv.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

/* How long the server may take to accept connections. */
#define POSTGRES_START_SECONDS 60

/* Servers still running, stopped at exit if a test failed early. */
#define POSTGRES_MAX_SERVERS 4
static struct postgres_server *postgres_running[POSTGRES_MAX_SERVERS];

/* Stops every server still running. */
static void postgres_stop_all(void)
{
	for (int i = 0; i < POSTGRES_MAX_SERVERS; i++)
		if (postgres_running[i])
			postgres_stop(postgres_running[i]);
}

/* Whether the programs are installed. */
bool postgres_available(void)
{
	return testenv_program("INITDB") != NULL &&
	       testenv_program("POSTGRES") != NULL;
}

/* The user the server runs as: PostgreSQL refuses to run as root, so
 * root hands it to "nobody"; anyone else runs it as themselves. */
static const struct passwd *server_user(void)
{
	return geteuid() == 0 ? getpwnam("nobody") : NULL;
}

/* In a child: becomes the server's user and dies with the test. */
static void become_server_user(void)
{
	const struct passwd *pw = server_user();

	if (pw && (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0))
		_exit(126);
	/* After setuid, which clears it. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/* Runs argv as the server's user and waits; true on exit status 0. */
static bool run_as_server_user(const char *const argv[], const char *log)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		FILE *f = freopen(log, "a", stdout);

		if (!f || dup2(fileno(stdout), 2) < 0)
			_exit(125);
		become_server_user();
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Prints the server's log for whoever reads a failed test. */
static void print_log(const struct postgres_server *server)
{
	char *path = xasprintf("%s/postgres.log", server->dir);
	char *log = testenv_read_file(path, NULL);

	fprintf(stderr, "postgres log (%s):\n%s\n", path, log ? log : "(none)");
	free(log);
	free(path);
}

/* Waits until the server accepts connections (or has died). */
static bool wait_ready(struct postgres_server *server)
{
	char *conninfo = xasprintf("host=127.0.0.1 port=%d dbname=postgres "
				   "connect_timeout=2",
				   server->port);
	time_t end = time(NULL) + POSTGRES_START_SECONDS;
	bool ready = false;

	while (!ready && time(NULL) < end) {
		int status;

		if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
			server->pid = 0;
			break;
		}
		ready = PQping(conninfo) == PQPING_OK;
		if (!ready) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	free(conninfo);
	return ready;
}

/* Makes the cluster (initdb) with a superuser whose password is
 * random, then starts postgres in the foreground as a child. */
bool postgres_start(struct postgres_server *server)
{
	const struct passwd *pw = server_user();
	char *data, *pwfile, *log, *pwopt, *port;
	unsigned char raw[12];
	bool ok = false;

	memset(server, 0, sizeof *server);
	server->dir = testenv_mkdtemp();
	data = xasprintf("%s/data", server->dir);
	pwfile = xasprintf("%s/password", server->dir);
	log = xasprintf("%s/postgres.log", server->dir);
	pwopt = xasprintf("--pwfile=%s", pwfile);
	{
		FILE *f = fopen("/dev/urandom", "rb");
		size_t n = f ? fread(raw, 1, sizeof raw, f) : 0;

		if (f)
			fclose(f);
		if (n != sizeof raw)
			goto out;
		server->password = xcalloc(2 * sizeof raw + 1, 1);
		for (size_t i = 0; i < sizeof raw; i++)
			sprintf(server->password + 2 * i, "%02x", raw[i]);
	}
	free(testenv_write_file(server->dir, "password", server->password));
	if (pw && (chown(server->dir, pw->pw_uid, pw->pw_gid) != 0 ||
		   chown(pwfile, pw->pw_uid, pw->pw_gid) != 0))
		goto out;
	{
		const char *const initdb[] = { testenv_program("INITDB"),
					       "-D",
					       data,
					       "-U",
					       "dmarcpilot",
					       pwopt,
					       "--auth=scram-sha-256",
					       "-E",
					       "UTF8",
					       "--no-locale",
					       "-N",
					       NULL };

		if (!run_as_server_user(initdb, log)) {
			fprintf(stderr, "initdb failed\n");
			print_log(server);
			goto out;
		}
	}
	server->port = nsd_free_port();
	port = xasprintf("%d", server->port);
	server->pid = fork();
	if (server->pid == 0) {
		FILE *f = freopen(log, "a", stdout);

		if (!f || dup2(fileno(stdout), 2) < 0)
			_exit(125);
		become_server_user();
		execl(testenv_program("POSTGRES"), "postgres", "-D", data, "-p",
		      port, "-h", "127.0.0.1", "-k", server->dir, "-c",
		      "fsync=off", "-c", "full_page_writes=off", "-c",
		      "synchronous_commit=off", (char *)NULL);
		_exit(127);
	}
	free(port);
	if (server->pid < 0 || !wait_ready(server)) {
		fprintf(stderr, "postgres did not start on port %d\n",
			server->port);
		print_log(server);
		goto out;
	}
	server->uri = xasprintf("postgresql://dmarcpilot:%s@127.0.0.1:%d/"
				"postgres",
				server->password, server->port);
	for (int i = 0; i < POSTGRES_MAX_SERVERS; i++)
		if (!postgres_running[i]) {
			static bool registered;

			postgres_running[i] = server;
			if (!registered) {
				atexit(postgres_stop_all);
				registered = true;
			}
			break;
		}
	ok = true;
out:
	free(data);
	free(pwfile);
	free(log);
	free(pwopt);
	if (!ok)
		postgres_stop(server);
	return ok;
}

/* CREATE DATABASE through the superuser's connection. */
char *postgres_create_db(struct postgres_server *server, const char *name)
{
	PGconn *conn = PQconnectdb(server->uri);
	char *sql = xasprintf("CREATE DATABASE \"%s\"", name);
	PGresult *res = NULL;
	char *uri = NULL;

	if (PQstatus(conn) == CONNECTION_OK) {
		res = PQexec(conn, sql);
		if (PQresultStatus(res) == PGRES_COMMAND_OK)
			uri = xasprintf("postgresql://dmarcpilot:%s@127.0.0.1:"
					"%d/%s",
					server->password, server->port, name);
		else
			fprintf(stderr, "%s: %s", sql,
				PQresultErrorMessage(res));
	} else {
		fprintf(stderr, "%s", PQerrorMessage(conn));
	}
	PQclear(res);
	PQfinish(conn);
	free(sql);
	return uri;
}

/* Stops the server (SIGQUIT: an immediate shutdown) and removes its
 * directory. */
void postgres_stop(struct postgres_server *server)
{
	for (int i = 0; i < POSTGRES_MAX_SERVERS; i++)
		if (postgres_running[i] == server)
			postgres_running[i] = NULL;
	if (server->pid > 0) {
		int status;

		kill(server->pid, SIGQUIT);
		waitpid(server->pid, &status, 0);
		server->pid = 0;
	}
	if (server->dir) {
		testenv_rmdir(server->dir);
		free(server->dir);
		server->dir = NULL;
	}
	free(server->password);
	free(server->uri);
	server->password = NULL;
	server->uri = NULL;
}
