/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A server a test starts in the foreground (named, knotd): it dies with
 * the test, is stopped at exit if the test forgot or failed, and its
 * output goes to a log file in its directory. */
#ifndef DMARCPILOT_TEST_DAEMON_H
#define DMARCPILOT_TEST_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

/* Starts argv (argv[0] a path) with stdout and stderr to log; returns
 * its pid, or -1. */
pid_t daemon_spawn(const char *const argv[], const char *log);

/* True while pid runs (not ended, not a zombie). */
bool daemon_running(pid_t pid);

/* Stops pid (SIGTERM, then waits) and forgets it; pid <= 0 is fine. */
void daemon_stop(pid_t pid);

/* Waits (up to 60 s: the machine is shared) until pid serves the SOA
 * of zone on ip:port authoritatively; false, with the log printed,
 * when it ends first or the time runs out. what names it ("named"). */
bool daemon_wait_zone(pid_t pid, const char *what, const char *log,
		      const char *ip, int port, const char *zone);

/* Prints the log file of a server that failed, for whoever reads the
 * test's output. */
void daemon_print_log(const char *what, const char *log);

#endif
