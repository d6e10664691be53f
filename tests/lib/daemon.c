/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lib/daemon.h"
#include "lib/nsd.h"
#include "lib/testenv.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Servers still running, stopped at exit (a failed assertion longjmps
 * out of the test, past its own clean-up). */
#define DAEMON_MAX 16
static struct {
	pid_t pid;
	pid_t owner;
} daemon_running_list[DAEMON_MAX];

/* Stops what this process started and did not stop; run at exit. */
static void daemon_stop_all(void)
{
	for (int i = 0; i < DAEMON_MAX; i++)
		if (daemon_running_list[i].pid > 0 &&
		    daemon_running_list[i].owner == getpid())
			daemon_stop(daemon_running_list[i].pid);
}

/* Forks and execs the server. */
pid_t daemon_spawn(const char *const argv[], const char *log)
{
	static bool registered;
	int slot = -1;
	pid_t pid;

	for (int i = 0; i < DAEMON_MAX && slot < 0; i++)
		if (daemon_running_list[i].pid <= 0)
			slot = i;
	if (slot < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		/* Dies with the test, even if the test is killed. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	daemon_running_list[slot].pid = pid;
	daemon_running_list[slot].owner = getpid();
	if (!registered) {
		atexit(daemon_stop_all);
		registered = true;
	}
	return pid;
}

/* Whether it still runs. */
bool daemon_running(pid_t pid)
{
	return pid > 0 && !testenv_process_gone(pid);
}

/* Stops and reaps it. */
void daemon_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	for (int i = 0; i < DAEMON_MAX; i++)
		if (daemon_running_list[i].pid == pid)
			daemon_running_list[i].pid = 0;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* Prints a log. */
void daemon_print_log(const char *what, const char *log)
{
	char *text = testenv_read_file(log, NULL);

	fprintf(stderr, "%s log (%s):\n%s\n", what, log,
		text ? text : "(none)");
	free(text);
}

/* Waits for the zone to be served. */
bool daemon_wait_zone(pid_t pid, const char *what, const char *log,
		      const char *ip, int port, const char *zone)
{
	for (time_t deadline = time(NULL) + 60; time(NULL) < deadline;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (nsd_soa_serial(ip, port, zone, NULL))
			return true;
		if (!daemon_running(pid)) {
			fprintf(stderr, "%s exited during start-up\n", what);
			break;
		}
		nanosleep(&ts, NULL);
	}
	daemon_print_log(what, log);
	return false;
}
