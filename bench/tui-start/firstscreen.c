/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Start to first screen of the wizard (DESIGN.md section 9): runs
 * dmarcpilot on an 80x24 pseudo-terminal, reads what it draws until TEXT
 * appears, prints the milliseconds from fork to that moment, then types
 * q and waits for the program to end.
 *
 *     firstscreen TEXT DMARCPILOT [ARG]...
 *
 * An argument "@silent" is replaced by 127.0.0.1:PORT of a UDP socket
 * this program binds and never reads, so that the wizard's DNS queries
 * stay outstanding, as they do behind a slow resolver.
 *
 * Build: cc -O2 -o firstscreen firstscreen.c -lutil */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds on the monotonic clock. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads the pty until want appears in the output or 30 s pass; returns
 * whether it appeared. */
static int wait_for(int fd, const char *want)
{
	static char buf[1 << 20];
	size_t len = 0;
	double end = now() + 30;

	while (now() < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			return 0;
		len += (size_t)n;
		buf[len] = '\0';
		if (memmem(buf, len, want, strlen(want)))
			return 1;
		if (len > sizeof buf / 2) {
			/* Keep the tail, where a split TEXT may start. */
			memmove(buf, buf + len - 256, 256);
			len = 256;
		}
	}
	return 0;
}

/* Binds a UDP socket on 127.0.0.1 that nobody reads; writes
 * "127.0.0.1:PORT" to addr. Returns the socket, or -1. */
static int silent_resolver(char *addr, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) < 0)
		return -1;
	snprintf(addr, len, "127.0.0.1:%u", ntohs(sin.sin_port));
	return fd;
}

/* Runs the program, times it to TEXT, quits it. */
int main(int argc, char **argv)
{
	struct winsize ws = { 24, 80, 0, 0 };
	double t0, t1;
	int fd, status, found;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr,
			"usage: firstscreen TEXT DMARCPILOT [ARG]...\n");
		return 2;
	}
	for (int i = 3; i < argc; i++)
		if (strcmp(argv[i], "@silent") == 0) {
			static char addr[32];

			if (silent_resolver(addr, sizeof addr) < 0) {
				perror("firstscreen: socket");
				return 2;
			}
			argv[i] = addr;
		}
	t0 = now();
	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid < 0) {
		perror("forkpty");
		return 2;
	}
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		execv(argv[2], argv + 2);
		_exit(127);
	}
	found = wait_for(fd, argv[1]);
	t1 = now();
	if (write(fd, "q", 1) != 1 || !found)
		kill(pid, SIGTERM);
	/* Drain the output so the program never blocks on a full pty. */
	for (;;) {
		char sink[4096];
		struct pollfd p = { fd, POLLIN, 0 };

		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (poll(&p, 1, 50) > 0 && read(fd, sink, sizeof sink) <= 0) {
			waitpid(pid, &status, 0);
			break;
		}
	}
	close(fd);
	if (!found) {
		fprintf(stderr, "firstscreen: '%s' never appeared\n", argv[1]);
		return 1;
	}
	printf("%.1f ms\n", (t1 - t0) * 1000);
	return 0;
}
