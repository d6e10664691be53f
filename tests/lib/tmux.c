#include "config.h"

#include "lib/tmux.h"
#include "lib/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
static char *tmux_live[TMUX_MAX_SERVERS];

/* Kills every server still running; registered with atexit(). */
static void tmux_stop_all(void)
{
	const char *args[] = { "kill-server", NULL };

	for (size_t i = 0; i < TMUX_MAX_SERVERS; i++) {
		struct testenv_run run;

		if (!tmux_live[i])
			continue;
		run = tmux_socket_cmd(tmux_live[i], args);
		testenv_run_done(&run);
		free(tmux_live[i]);
		tmux_live[i] = NULL;
	}
}

/* Remembers a started server (or forgets a stopped one with on false). */
static void tmux_track(const char *socket, bool on)
{
	static bool registered;

	for (size_t i = 0; i < TMUX_MAX_SERVERS; i++) {
		if (on && !tmux_live[i]) {
			tmux_live[i] = xstrdup(socket);
			break;
		}
		if (!on && tmux_live[i] && strcmp(tmux_live[i], socket) == 0) {
			free(tmux_live[i]);
			tmux_live[i] = NULL;
			break;
		}
	}
	if (on && !registered) {
		atexit(tmux_stop_all);
		registered = true;
	}
}

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
	for (size_t i = 0; env && env[i] && n < 70; i++)
		args[n++] = env[i];
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
	const char *args[] = { "resize-window", "-t", "test", "-x", x, "-y", y,
			       NULL };
	struct testenv_run run;

	snprintf(x, sizeof x, "%d", cols);
	snprintf(y, sizeof y, "%d", rows);
	run = tmux_cmd(t, args);
	testenv_run_done(&run);
}

/* Asks tmux whether the pane's program is gone. */
bool tmux_exited(struct tmux_term *t, int *status)
{
	const char *args[] = { "display-message", "-p", "-t", "test",
			       "#{pane_dead} #{pane_dead_status}", NULL };
	struct testenv_run run = tmux_cmd(t, args);
	int dead = 0, st = 0;

	sscanf(run.out, "%d %d", &dead, &st);
	testenv_run_done(&run);
	if (status)
		*status = st;
	return dead == 1;
}

/* Polls until the pane's program has gone. */
bool tmux_wait_exit(struct tmux_term *t, int timeout_ms, int *status)
{
	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		if (tmux_exited(t, status))
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* Asks tmux for the pane's process. */
int tmux_pane_pid(struct tmux_term *t)
{
	const char *args[] = { "display-message", "-p", "-t", "test",
			       "#{pane_pid}", NULL };
	struct testenv_run run = tmux_cmd(t, args);
	int pid = -1;

	if (sscanf(run.out, "%d", &pid) != 1)
		pid = -1;
	testenv_run_done(&run);
	return pid;
}

/* Ends the session. */
void tmux_stop(struct tmux_term *t)
{
	if (t->running) {
		const char *args[] = { "kill-server", NULL };
		struct testenv_run run = tmux_cmd(t, args);

		testenv_run_done(&run);
		tmux_track(t->socket, false);
		t->running = false;
	}
	if (t->dir) {
		testenv_rmdir(t->dir);
		free(t->dir);
		t->dir = NULL;
	}
	free(t->socket);
	t->socket = NULL;
}
