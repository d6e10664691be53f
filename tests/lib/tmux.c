/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lib/tmux.h"
#include "lib/testenv.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

/* The tmux binary. */
static const char *tmux_bin(void)
{
	const char *p = testenv_program("TMUX_BIN");

	return p ? p : "tmux";
}

/* Whether tmux is installed. */
bool tmux_available(void)
{
	return testenv_program("TMUX_BIN") != NULL;
}

/* Runs "tmux -S socket args..." and returns what it printed. */
static struct testenv_run tmux_socket_cmd(const char *socket,
					  const char *const args[])
{
	const char *argv[64];
	size_t n = 0;

	argv[n++] = tmux_bin();
	argv[n++] = "-S";
	argv[n++] = socket;
	for (size_t i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return testenv_run(argv, NULL, NULL);
}

/* Runs "tmux -S t's socket args...". */
static struct testenv_run tmux_cmd(struct tmux_term *t,
				   const char *const args[])
{
	return tmux_socket_cmd(t->socket, args);
}

/* The sockets of servers started and not stopped yet: a failing test
 * leaves its test function early (cmocka longjmps out), and its server,
 * which tmux daemonizes, would otherwise keep the wizard running after
 * the test program has exited. */
#define TMUX_MAX_SERVERS 32
static struct {
	char *socket;
	pid_t owner; /* the process that started it */
} tmux_live[TMUX_MAX_SERVERS];

/* Kills every server this process started and did not stop; registered
 * with atexit() (a forked child that exits leaves its parent's alone). */
static void tmux_stop_all(void)
{
	const char *args[] = { "kill-server", NULL };

	for (size_t i = 0; i < TMUX_MAX_SERVERS; i++) {
		struct testenv_run run;

		if (!tmux_live[i].socket || tmux_live[i].owner != getpid())
			continue;
		run = tmux_socket_cmd(tmux_live[i].socket, args);
		testenv_run_done(&run);
		free(tmux_live[i].socket);
		tmux_live[i].socket = NULL;
	}
}

/* A test program stopped for taking too long (SIGTERM from timeout(1),
 * Makefile.am's TEST_TIMEOUT) still kills its servers: exit() runs the
 * atexit handlers. Not async-signal-safe, but the program is ending
 * anyway, and SIGKILL follows if it hangs. */
static void tmux_on_term(int sig)
{
	exit(128 + sig);
}

/* Remembers a started server (or forgets a stopped one with on false). */
static void tmux_track(const char *socket, bool on)
{
	static bool registered;

	for (size_t i = 0; i < TMUX_MAX_SERVERS; i++) {
		if (on && !tmux_live[i].socket) {
			tmux_live[i].socket = xstrdup(socket);
			tmux_live[i].owner = getpid();
			break;
		}
		if (!on && tmux_live[i].socket &&
		    strcmp(tmux_live[i].socket, socket) == 0) {
			free(tmux_live[i].socket);
			tmux_live[i].socket = NULL;
			break;
		}
	}
	if (on && !registered) {
		signal(SIGTERM, tmux_on_term);
		atexit(tmux_stop_all);
		registered = true;
	}
}

/* What the pane runs: the program, its process ID written to DIR/pid
 * before it starts and its exit status to DIR/status after it ends;
 * then it keeps the terminal open until the session is killed. tmux
 * throws away what a program wrote and it had not read yet when the
 * pane's last process ends; with the terminal held open tmux reads
 * everything, and a test waits on the screen, never on that race.
 * Arguments: DIR, then the program's argv. */
static const char tmux_wrapper[] =
    "d=$1; shift\n"
    "sh -c 'echo $$ >\"$0/pid.new\" && mv \"$0/pid.new\" \"$0/pid\" &&"
    " exec \"$@\"' \"$d\" \"$@\"\n"
    "echo $? >\"$d/status.new\" && mv \"$d/status.new\" \"$d/status\"\n"
    "exec sleep 2147483647\n";

/* Starts the session. */
bool tmux_start(struct tmux_term *t, int cols, int rows,
		const char *const argv[], const char *const env[])
{
	const char *args[80];
	char x[16], y[16];
	char *conf;
	struct testenv_run run;
	size_t n = 0;

	memset(t, 0, sizeof *t);
	t->dir = testenv_mkdtemp();
	t->socket = xasprintf("%s/tmux.sock", t->dir);
	conf = testenv_write_file(t->dir, "tmux.conf",
				  "set -g remain-on-exit on\n"
				  "set -g status off\n"
				  "set -g default-terminal tmux-256color\n"
				  "set -g escape-time 0\n");
	snprintf(x, sizeof x, "%d", cols);
	snprintf(y, sizeof y, "%d", rows);
	args[n++] = "-f";
	args[n++] = conf;
	args[n++] = "new-session";
	args[n++] = "-d";
	args[n++] = "-s";
	args[n++] = "test";
	args[n++] = "-x";
	args[n++] = x;
	args[n++] = "-y";
	args[n++] = y;
	args[n++] = "env";
	args[n++] = "TERM=tmux-256color";
	args[n++] = "DMARCPILOT_TEST_SYNC=1";
	for (size_t i = 0; env && env[i] && n < 66; i++)
		args[n++] = env[i];
	args[n++] = "/bin/sh";
	args[n++] = "-c";
	args[n++] = tmux_wrapper;
	args[n++] = "sh";
	args[n++] = t->dir;
	for (size_t i = 0; argv[i] && n < 79; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	run = tmux_cmd(t, args);
	free(conf);
	t->running = run.status == 0;
	if (t->running)
		tmux_track(t->socket, true);
	else
		fprintf(stderr, "tmux new-session failed: %s\n", run.err);
	testenv_run_done(&run);
	return t->running;
}

/* Sends named keys. */
void tmux_send_keys(struct tmux_term *t, const char *const keys[])
{
	const char *args[64] = { "send-keys", "-t", "test" };
	struct testenv_run run;
	size_t n = 3;

	for (size_t i = 0; keys[i] && n < 63; i++)
		args[n++] = keys[i];
	args[n] = NULL;
	run = tmux_cmd(t, args);
	testenv_run_done(&run);
}

/* Types text literally. */
void tmux_type(struct tmux_term *t, const char *text)
{
	const char *args[] = { "send-keys", "-t", "test", "-l", text, NULL };
	struct testenv_run run = tmux_cmd(t, args);

	testenv_run_done(&run);
}

/* Reads the screen. */
char *tmux_capture(struct tmux_term *t)
{
	const char *args[] = { "capture-pane", "-p", "-t", "test", NULL };
	struct testenv_run run = tmux_cmd(t, args);
	char *screen = run.out;

	free(run.err);
	return screen;
}

/* Polls the screen until text shows. */
char *tmux_wait_for(struct tmux_term *t, const char *text, int timeout_ms)
{
	char *screen = NULL;

	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		free(screen);
		screen = tmux_capture(t);
		if (strstr(screen, text))
			return screen;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "waited %d ms for \"%s\"; the screen was:\n%s\n",
		timeout_ms, text, screen);
	free(screen);
	return NULL;
}

/* Changes the terminal size. */
void tmux_resize(struct tmux_term *t, int cols, int rows)
{
	char x[16], y[16];
	const char *args[] = {
		"resize-window", "-t", "test", "-x", x, "-y", y, NULL
	};
	struct testenv_run run;

	snprintf(x, sizeof x, "%d", cols);
	snprintf(y, sizeof y, "%d", rows);
	run = tmux_cmd(t, args);
	testenv_run_done(&run);
}

/* Reads the number in the wrapper's file t->dir/name; false while the
 * file is not there. */
static bool tmux_read_number(struct tmux_term *t, const char *name, int *value)
{
	char *path = xasprintf("%s/%s", t->dir, name);
	char *text = testenv_read_file(path, NULL);
	bool ok = text && sscanf(text, "%d", value) == 1;

	free(text);
	free(path);
	return ok;
}

/* Sleeps between two looks at a state. */
static void tmux_pause(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Milliseconds of a monotonic clock. */
static long long tmux_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the program has ended: the wrapper wrote its status. */
bool tmux_exited(struct tmux_term *t, int *status)
{
	int st = 0;

	if (!t->dir || !tmux_read_number(t, "status", &st))
		return false;
	if (status)
		*status = st;
	return true;
}

/* Waits until the wrapper has written the program's exit status. */
bool tmux_wait_exit(struct tmux_term *t, int timeout_ms, int *status)
{
	for (long long end = tmux_now_ms() + timeout_ms;;) {
		if (tmux_exited(t, status))
			return true;
		if (tmux_now_ms() > end)
			return false;
		tmux_pause();
	}
}

/* The program's process ID, which the wrapper writes before it starts
 * the program (waiting up to 10 s for the pane to get that far). */
int tmux_pane_pid(struct tmux_term *t)
{
	int pid;

	for (long long end = tmux_now_ms() + 10000;;) {
		if (t->dir && tmux_read_number(t, "pid", &pid) && pid > 0)
			return pid;
		if (tmux_now_ms() > end)
			return -1;
		tmux_pause();
	}
}

/* The pane's title, which the wizard under test sets (OSC 2). */
char *tmux_title(struct tmux_term *t)
{
	const char *args[] = { "display-message", "-p", "-t", "test",
			       "#{pane_title}",   NULL };
	struct testenv_run run = tmux_cmd(t, args);
	char *title = run.out;
	size_t len = strlen(title);

	while (len > 0 && title[len - 1] == '\n')
		title[--len] = '\0';
	free(run.err);
	return title;
}

/* Sends a sync key and waits for the wizard to report it, idle or not. */
static char *tmux_sync(struct tmux_term *t, bool idle, int timeout_ms)
{
	const char *keys[] = { "F12", NULL };
	char *want, *want_idle, *title = NULL;

	t->syncs++;
	want = xasprintf("dmarcpilot-sync %lu busy ", t->syncs);
	want_idle = xasprintf("dmarcpilot-sync %lu idle ", t->syncs);
	tmux_send_keys(t, keys);
	for (long long end = tmux_now_ms() + timeout_ms;;) {
		bool done;

		free(title);
		title = tmux_title(t);
		/* A later report (idle after busy) also answers. */
		done = strncmp(title, want_idle, strlen(want_idle)) == 0 ||
		       (!idle && strncmp(title, want, strlen(want)) == 0);
		if (done) {
			free(title);
			free(want);
			free(want_idle);
			return tmux_capture(t);
		}
		if (tmux_now_ms() > end)
			break;
		tmux_pause();
	}
	{
		char *screen = tmux_capture(t);

		fprintf(stderr,
			"waited %d ms for \"%s\"; the title was \"%s\" and "
			"the screen:\n%s\n",
			timeout_ms, idle ? want_idle : want, title, screen);
		free(screen);
	}
	free(title);
	free(want);
	free(want_idle);
	return NULL;
}

/* Waits until the wizard has handled every key sent and is idle. */
char *tmux_settle(struct tmux_term *t, int timeout_ms)
{
	return tmux_sync(t, true, timeout_ms);
}

/* Waits until the wizard has handled every key sent and drawn. */
char *tmux_drawn(struct tmux_term *t, int timeout_ms)
{
	return tmux_sync(t, false, timeout_ms);
}

/* Ends the session, and waits (up to 10 s) until the program has ended
 * too: closing its terminal ends it, but in its own time, and it may
 * still be writing in the scratch directories a test removes next. */
void tmux_stop(struct tmux_term *t)
{
	int pid = -1;

	if (t->running) {
		const char *args[] = { "kill-server", NULL };
		struct testenv_run run;

		if (tmux_exited(t, NULL) || !tmux_read_number(t, "pid", &pid))
			pid = -1;
		run = tmux_cmd(t, args);
		testenv_run_done(&run);
		tmux_track(t->socket, false);
		t->running = false;
	}
	for (long long end = tmux_now_ms() + 10000;
	     pid > 0 && !testenv_process_gone(pid) && tmux_now_ms() < end;)
		tmux_pause();
	if (t->dir) {
		testenv_rmdir(t->dir);
		free(t->dir);
		t->dir = NULL;
	}
	free(t->socket);
	t->socket = NULL;
}
