/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A DNS forwarder for benchmarks: listens on 127.0.0.1:PORT (UDP and
 * TCP), holds every query for DELAY milliseconds, then forwards it to
 * the server at 127.0.0.1:UPSTREAM and relays the answer, so that each
 * query costs one simulated round trip. Queries are held independently:
 * a hundred queries sent at once all come back after one delay.
 *
 *     delayproxy PORT UPSTREAM [DELAY_MS]
 *
 * Runs until killed. Not part of dmarcpilot; built by bench/audit/run. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELD 4096
#define MAX_TCP 64
#define MAX_MSG 65535

/* One held query. */
struct held {
	bool used;
	bool tcp;
	bool sent;     /* forwarded (UDP), waiting for the reply */
	long long due; /* ms on the monotonic clock */
	struct sockaddr_in client;
	int client_fd; /* TCP: the client connection */
	int up_fd;     /* UDP: the socket to the upstream */
	size_t len;
	unsigned char *msg;
};

/* One TCP client connection and its partial input. */
struct tcp_client {
	int fd; /* -1 when free */
	size_t have;
	unsigned char buf[2 + MAX_MSG];
};

/* The forwarder's whole state (one instance, on main's stack). */
struct proxy {
	int udp_fd, tcp_fd;
	struct sockaddr_in upstream;
	long long delay;
	struct held held[MAX_HELD];
	struct tcp_client tcp[MAX_TCP];
};

/* Milliseconds on the monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Exits with a message naming what failed. */
static void die(const char *what)
{
	fprintf(stderr, "delayproxy: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* With DELAYPROXY_LOG set, prints when each query arrived and its name,
 * to see the rounds of dependent queries. */
static void log_query(const unsigned char *msg, size_t len, bool tcp)
{
	static long long t0;
	char name[256];
	size_t at = 12, out = 0;

	if (!getenv("DELAYPROXY_LOG"))
		return;
	if (!t0)
		t0 = now_ms();
	while (at < len && msg[at] && out < sizeof name - 65) {
		size_t l = msg[at++];

		for (size_t i = 0; i < l && at < len; i++)
			name[out++] = (char)msg[at++];
		name[out++] = '.';
	}
	name[out] = '\0';
	fprintf(stderr, "%6lld %s%s\n", now_ms() - t0, tcp ? "tcp " : "", name);
}

/* Holds a query until its time comes. */
static void hold(struct proxy *p, bool tcp, const struct sockaddr_in *client,
		 int client_fd, const unsigned char *msg, size_t len)
{
	for (size_t i = 0; i < MAX_HELD; i++) {
		struct held *h = &p->held[i];

		if (h->used)
			continue;
		memset(h, 0, sizeof *h);
		h->used = true;
		h->tcp = tcp;
		h->due = now_ms() + p->delay;
		if (client)
			h->client = *client;
		h->client_fd = client_fd;
		h->up_fd = -1;
		log_query(msg, len, tcp);
		h->msg = malloc(len);
		if (!h->msg)
			die("malloc");
		memcpy(h->msg, msg, len);
		h->len = len;
		return;
	}
	fprintf(stderr, "delayproxy: too many queries held; dropped one\n");
}

/* Releases a held query. */
static void release(struct held *h)
{
	if (h->up_fd >= 0)
		close(h->up_fd);
	free(h->msg);
	memset(h, 0, sizeof *h);
	h->up_fd = -1;
}

/* Reads or writes exactly len octets on a blocking socket. */
static bool full_io(int fd, unsigned char *buf, size_t len, bool out)
{
	while (len > 0) {
		ssize_t n = out ? write(fd, buf, len) : read(fd, buf, len);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return false;
		}
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* Forwards a TCP query to the upstream over TCP and relays the answer
 * (blocking: upstream is on the same host and answers at once). */
static void forward_tcp(struct proxy *p, struct held *h)
{
	unsigned char lenbuf[2];
	unsigned char *reply = NULL;
	size_t rlen;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int flags;

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&p->upstream, sizeof p->upstream))
		goto out;
	lenbuf[0] = (unsigned char)(h->len >> 8);
	lenbuf[1] = (unsigned char)h->len;
	if (!full_io(fd, lenbuf, 2, true) || !full_io(fd, h->msg, h->len, true))
		goto out;
	if (!full_io(fd, lenbuf, 2, false))
		goto out;
	rlen = (size_t)lenbuf[0] << 8 | lenbuf[1];
	reply = malloc(rlen + 2);
	if (!reply)
		die("malloc");
	if (!full_io(fd, reply + 2, rlen, false))
		goto out;
	reply[0] = lenbuf[0];
	reply[1] = lenbuf[1];
	/* The client socket is non-blocking for reading; write it whole. */
	flags = fcntl(h->client_fd, F_GETFL);
	fcntl(h->client_fd, F_SETFL, flags & ~O_NONBLOCK);
	full_io(h->client_fd, reply, rlen + 2, true);
	fcntl(h->client_fd, F_SETFL, flags);
out:
	free(reply);
	close(fd);
}

/* Sends the queries whose time has come. */
static void forward_due(struct proxy *p)
{
	long long now = now_ms();

	for (size_t i = 0; i < MAX_HELD; i++) {
		struct held *h = &p->held[i];

		if (!h->used || h->sent || h->due > now)
			continue;
		if (h->tcp) {
			forward_tcp(p, h);
			release(h);
			continue;
		}
		h->up_fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (h->up_fd < 0)
			die("socket");
		if (connect(h->up_fd, (struct sockaddr *)&p->upstream,
			    sizeof p->upstream) ||
		    send(h->up_fd, h->msg, h->len, 0) < 0) {
			release(h);
			continue;
		}
		h->sent = true;
		h->due = now + 5000; /* give up on a lost answer */
	}
}

/* Relays a UDP answer from the upstream to the client. */
static void relay_udp(struct proxy *p, struct held *h)
{
	unsigned char buf[MAX_MSG];
	ssize_t n = recv(h->up_fd, buf, sizeof buf, 0);

	if (n > 0)
		sendto(p->udp_fd, buf, (size_t)n, 0,
		       (struct sockaddr *)&h->client, sizeof h->client);
	release(h);
}

/* Reads what a TCP client sent and holds each complete message. */
static void read_tcp(struct proxy *p, struct tcp_client *c)
{
	ssize_t n = read(c->fd, c->buf + c->have, sizeof c->buf - c->have);

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* Queries still held for it are dropped with it. */
		for (size_t i = 0; i < MAX_HELD; i++)
			if (p->held[i].used && p->held[i].tcp &&
			    p->held[i].client_fd == c->fd)
				release(&p->held[i]);
		close(c->fd);
		c->fd = -1;
		c->have = 0;
		return;
	}
	c->have += (size_t)n;
	for (;;) {
		size_t len;

		if (c->have < 2)
			return;
		len = (size_t)c->buf[0] << 8 | c->buf[1];
		if (c->have < 2 + len)
			return;
		hold(p, true, NULL, c->fd, c->buf + 2, len);
		memmove(c->buf, c->buf + 2 + len, c->have - 2 - len);
		c->have -= 2 + len;
	}
}

/* Opens the listening sockets. */
static void listen_on(struct proxy *p, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int one = 1, rcvbuf = 4 << 20;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
	p->tcp_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (p->udp_fd < 0 || p->tcp_fd < 0)
		die("socket");
	setsockopt(p->tcp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* Thousands of queries arrive at once from a batch audit; the
	 * default buffer (about 200 datagrams) would drop most of them. */
	setsockopt(p->udp_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (bind(p->udp_fd, (struct sockaddr *)&sa, sizeof sa) ||
	    bind(p->tcp_fd, (struct sockaddr *)&sa, sizeof sa))
		die("bind");
	if (listen(p->tcp_fd, 16))
		die("listen");
	fcntl(p->tcp_fd, F_SETFL, O_NONBLOCK);
}

/* The event loop. */
int main(int argc, char **argv)
{
	static struct proxy p;
	static struct pollfd fds[2 + MAX_TCP + MAX_HELD];
	static size_t owner[2 + MAX_TCP + MAX_HELD];
	static bool is_client[2 + MAX_TCP + MAX_HELD];

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: delayproxy PORT UPSTREAM [DELAY_MS]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	p.delay = argc == 4 ? atoll(argv[3]) : 50;
	p.upstream.sin_family = AF_INET;
	p.upstream.sin_port = htons((uint16_t)atoi(argv[2]));
	p.upstream.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (size_t i = 0; i < MAX_TCP; i++)
		p.tcp[i].fd = -1;
	for (size_t i = 0; i < MAX_HELD; i++)
		p.held[i].up_fd = -1;
	listen_on(&p, atoi(argv[1]));
	for (;;) {
		size_t n = 0;
		long long next = -1, now;
		int timeout;

		fds[n].fd = p.udp_fd;
		fds[n++].events = POLLIN;
		fds[n].fd = p.tcp_fd;
		fds[n++].events = POLLIN;
		for (size_t i = 0; i < MAX_TCP; i++) {
			if (p.tcp[i].fd < 0)
				continue;
			owner[n] = i;
			is_client[n] = true;
			fds[n].fd = p.tcp[i].fd;
			fds[n++].events = POLLIN;
		}
		for (size_t i = 0; i < MAX_HELD; i++) {
			struct held *h = &p.held[i];

			if (!h->used)
				continue;
			if (next < 0 || h->due < next)
				next = h->due;
			if (h->sent) {
				owner[n] = i;
				is_client[n] = false;
				fds[n].fd = h->up_fd;
				fds[n++].events = POLLIN;
			}
		}
		now = now_ms();
		timeout = next < 0 ? -1 : next <= now ? 0 : (int)(next - now);
		if (poll(fds, n, timeout) < 0 && errno != EINTR)
			die("poll");
		for (size_t k = 2; k < n; k++) {
			if (!fds[k].revents)
				continue;
			if (is_client[k] && p.tcp[owner[k]].fd == fds[k].fd)
				read_tcp(&p, &p.tcp[owner[k]]);
			else if (!is_client[k] && p.held[owner[k]].sent &&
				 p.held[owner[k]].up_fd == fds[k].fd)
				relay_udp(&p, &p.held[owner[k]]);
		}
		if (fds[0].revents & POLLIN) {
			unsigned char buf[MAX_MSG];
			struct sockaddr_in from;
			socklen_t flen = sizeof from;
			ssize_t got = recvfrom(p.udp_fd, buf, sizeof buf, 0,
					       (struct sockaddr *)&from, &flen);

			if (got > 0)
				hold(&p, false, &from, -1, buf, (size_t)got);
		}
		if (fds[1].revents & POLLIN) {
			int fd = accept(p.tcp_fd, NULL, NULL);

			for (size_t i = 0; fd >= 0 && i < MAX_TCP; i++) {
				if (p.tcp[i].fd >= 0)
					continue;
				fcntl(fd, F_SETFL, O_NONBLOCK);
				p.tcp[i].fd = fd;
				p.tcp[i].have = 0;
				fd = -1;
			}
			if (fd >= 0)
				close(fd);
		}
		/* Lost UDP answers: drop them after their deadline. */
		now = now_ms();
		for (size_t i = 0; i < MAX_HELD; i++)
			if (p.held[i].used && p.held[i].sent &&
			    p.held[i].due <= now)
				release(&p.held[i]);
		forward_due(&p);
	}
}
