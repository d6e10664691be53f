/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lib/nsd.h"
#include "lib/testenv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <poll.h>
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

#include "util/strbuf.h"
#include "util/xalloc.h"

/* Servers still running, stopped at exit if a test forgot or failed.
 * A failed assertion longjmps out of the test function, whose struct
 * nsd_server may have lived on its stack: keep what stopping needs
 * here, not a pointer to it (its directory is testenv's to remove; the
 * address string stays referenced, so no leak is reported for it). */
#define NSD_MAX_SERVERS 16
static struct {
	pid_t pid;
	pid_t owner;
	const void *address;
} nsd_running[NSD_MAX_SERVERS];

/* Forgets a server that has been stopped (or ended by itself). */
static void nsd_forget(pid_t pid)
{
	for (int i = 0; i < NSD_MAX_SERVERS; i++)
		if (pid > 0 && nsd_running[i].pid == pid) {
			nsd_running[i].pid = 0;
			nsd_running[i].address = NULL;
		}
}

/* Stops every server this process started and did not stop; run at
 * exit. */
static void nsd_stop_all(void)
{
	for (int i = 0; i < NSD_MAX_SERVERS; i++)
		if (nsd_running[i].pid > 0 &&
		    nsd_running[i].owner == getpid()) {
			kill(nsd_running[i].pid, SIGTERM);
			waitpid(nsd_running[i].pid, NULL, 0);
			nsd_running[i].pid = 0;
		}
}

/* Whether nsd is installed. */
bool nsd_available(void)
{
	return testenv_program("NSD") != NULL;
}

/* Binds a socket of a type to 127.0.0.1:port; returns the fd or -1. */
static int bind_local(int type, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, type, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Finds a port free for UDP and TCP. */
int nsd_free_port(void)
{
	for (int attempt = 0; attempt < 50; attempt++) {
		struct sockaddr_in sa;
		socklen_t len = sizeof sa;
		int udp = bind_local(SOCK_DGRAM, 0), tcp, port;

		if (udp < 0)
			continue;
		getsockname(udp, (struct sockaddr *)&sa, &len);
		port = ntohs(sa.sin_port);
		tcp = bind_local(SOCK_STREAM, port);
		close(udp);
		if (tcp >= 0) {
			close(tcp);
			return port;
		}
	}
	return -1;
}

/* A SOA and NS so that a zone loads. */
char *nsd_zone_preamble(const char *name)
{
	return xasprintf(
	    "$ORIGIN %s.\n$TTL 300\n"
	    "@ IN SOA ns1.%s. hostmaster.%s. 1 3600 600 86400 300\n"
	    "@ IN NS ns1.%s.\n"
	    "ns1 IN A 127.0.0.1\n",
	    name, name, name, name);
}

/* True once something accepts TCP on the port. */
static bool port_answers(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

/* Asks ip:port over UDP, without recursion, for the SOA of zone and
 * returns the reply to it within 200 ms (caller frees), or NULL. */
static ldns_pkt *soa_ask(const char *ip, int port, const char *zone)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char *origin =
	    strcmp(zone, ".") == 0 ? xstrdup(".") : xasprintf("%s.", zone);
	ldns_rdf *name = ldns_dname_new_frm_str(origin);
	ldns_pkt *query = NULL, *reply = NULL;
	uint8_t *wire = NULL, buf[4096];
	size_t len = 0;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	free(origin);
	sa.sin_port = htons((uint16_t)port);
	if (fd < 0 || !name || inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		goto out;
	query = ldns_pkt_query_new(name, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
	name = NULL; /* owned by the query now */
	ldns_pkt_set_id(query, (uint16_t)(getpid() & 0xffff));
	if (ldns_pkt2wire(&wire, query, &len) != LDNS_STATUS_OK ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    send(fd, wire, len, 0) != (ssize_t)len || poll(&pfd, 1, 200) != 1)
		goto out;
	n = recv(fd, buf, sizeof buf, 0);
	if (n <= 0 || ldns_wire2pkt(&reply, buf, (size_t)n) != LDNS_STATUS_OK ||
	    ldns_pkt_id(reply) != ldns_pkt_id(query)) {
		if (reply)
			ldns_pkt_free(reply);
		reply = NULL;
	}
out:
	if (query)
		ldns_pkt_free(query);
	if (name)
		ldns_rdf_deep_free(name);
	free(wire);
	if (fd >= 0)
		close(fd);
	return reply;
}

/* True once nsd answers a UDP query for the SOA of zone (any rcode: a
 * test may serve a broken zone on purpose): it accepts TCP connections
 * before its server processes serve, and queries sent in between can
 * wait longer than a test's resolver timeout. nsd reads every zone
 * before those processes start. */
static bool udp_answers(int port, const char *zone)
{
	ldns_pkt *reply = soa_ask("127.0.0.1", port, zone);

	if (!reply)
		return false;
	ldns_pkt_free(reply);
	return true;
}

/* Asks for the SOA; true with the serial when served with authority. */
bool nsd_soa_serial(const char *ip, int port, const char *zone,
		    uint32_t *serial)
{
	ldns_pkt *reply = soa_ask(ip, port, zone);
	ldns_rr_list *soa = NULL;
	bool ok = false;

	if (!reply || ldns_pkt_get_rcode(reply) != LDNS_RCODE_NOERROR ||
	    !ldns_pkt_aa(reply))
		goto out;
	soa = ldns_pkt_rr_list_by_type(reply, LDNS_RR_TYPE_SOA,
				       LDNS_SECTION_ANSWER);
	if (soa && ldns_rr_list_rr_count(soa) > 0) {
		ldns_rdf *r = ldns_rr_rdf(ldns_rr_list_rr(soa, 0), 2);

		ok = r != NULL;
		if (ok && serial)
			*serial = ldns_rdf2native_int32(r);
	}
out:
	if (soa)
		ldns_rr_list_deep_free(soa);
	if (reply)
		ldns_pkt_free(reply);
	return ok;
}

/* True once a query for every zone is answered. */
static bool zones_answer(int port, const struct nsd_zone *zones, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (!udp_answers(port, zones[i].name))
			return false;
	return true;
}

/* Prints nsd's log to help whoever reads a failed test. */
static void print_log(const struct nsd_server *server)
{
	char *path = xasprintf("%s/nsd.log", server->dir);
	char *log = testenv_read_file(path, NULL);

	fprintf(stderr, "nsd log (%s):\n%s\n", path, log ? log : "(none)");
	free(log);
	free(path);
}

/* Writes the configuration and zones, starts nsd on port (0: a free
 * one), waits for it. */
static bool nsd_start_on(struct nsd_server *server, int port,
			 const struct nsd_zone *zones, size_t count,
			 int ratelimit)
{
	const char *nsd = testenv_program("NSD");
	struct strbuf conf = STRBUF_INIT;
	char *conf_path;
	int slot = -1;

	memset(server, 0, sizeof *server);
	if (!nsd) {
		fprintf(stderr, "nsd is not installed\n");
		return false;
	}
	for (int i = 0; i < NSD_MAX_SERVERS; i++)
		if (nsd_running[i].pid <= 0) {
			slot = i;
			break;
		}
	if (slot < 0)
		return false;
	server->dir = testenv_mkdtemp();
	server->port = port ? port : nsd_free_port();
	server->address = xasprintf("127.0.0.1:%d", server->port);
	strbuf_addf(&conf,
		    "server:\n"
		    "  ip-address: 127.0.0.1@%d\n"
		    "  port: %d\n"
		    "  do-ip6: no\n"
		    "  zonesdir: \"%s\"\n"
		    "  pidfile: \"%s/nsd.pid\"\n"
		    "  database: \"\"\n"
		    "  xfrdfile: \"%s/xfrd.state\"\n"
		    "  xfrdir: \"%s\"\n"
		    "  zonelistfile: \"%s/zone.list\"\n"
		    "  logfile: \"%s/nsd.log\"\n"
		    "  username: \"\"\n"
		    "  chroot: \"\"\n"
		    "  server-count: 1\n"
		    "  verbosity: 1\n"
		    "  tcp-count: 64\n"
		    /* No response rate limit unless asked: its default
		     * (200 answers a second for a source, nsd.conf(5))
		     * drops answers to back-to-back queries from
		     * 127.0.0.1, and a query then waits out its retry.
		     * Asked, it drops every answer over the limit (slip 0:
		     * no truncated answer sent instead). */
		    "  rrl-ratelimit: %d\n"
		    "  rrl-whitelist-ratelimit: %d\n"
		    "  rrl-slip: 0\n"
		    "remote-control:\n"
		    "  control-enable: no\n",
		    server->port, server->port, server->dir, server->dir,
		    server->dir, server->dir, server->dir, server->dir,
		    ratelimit, ratelimit);
	for (size_t i = 0; i < count; i++) {
		char *file = xasprintf("%s.zone", zones[i].name);

		free(testenv_write_file(server->dir, file, zones[i].text));
		strbuf_addf(&conf,
			    "zone:\n  name: \"%s\"\n  zonefile: \"%s\"\n",
			    zones[i].name, file);
		free(file);
	}
	conf_path =
	    testenv_write_file(server->dir, "nsd.conf", strbuf_str(&conf));
	strbuf_done(&conf);

	server->pid = fork();
	if (server->pid == 0) {
		/* Dies with the test, even if the test is killed. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(nsd, nsd, "-d", "-c", conf_path, (char *)NULL);
		_exit(127);
	}
	free(conf_path);
	nsd_running[slot].pid = server->pid;
	nsd_running[slot].owner = getpid();
	nsd_running[slot].address = server->address;
	{
		static bool registered;

		if (!registered) {
			atexit(nsd_stop_all);
			registered = true;
		}
	}
	/* Up to 60 s: eight developers' tests share two cores. */
	for (time_t deadline = time(NULL) + 60; time(NULL) < deadline;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		int status;

		if (port_answers(server->port) &&
		    zones_answer(server->port, zones, count))
			return true;
		if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
			fprintf(stderr, "nsd exited during start-up\n");
			nsd_forget(server->pid);
			server->pid = 0;
			print_log(server);
			nsd_stop(server);
			return false;
		}
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "nsd did not answer within 60 seconds\n");
	print_log(server);
	nsd_stop(server);
	return false;
}

/* Rewrites a zone, signals nsd to reload, waits for the new serial. */
bool nsd_reload(struct nsd_server *server, const struct nsd_zone *zone,
		long serial)
{
	char *file = xasprintf("%s.zone", zone->name);

	free(testenv_write_file(server->dir, file, zone->text));
	free(file);
	/* nsd(8): SIGHUP reloads the zone files that changed. */
	if (server->pid <= 0 || kill(server->pid, SIGHUP) != 0)
		return false;
	for (time_t deadline = time(NULL) + 60; time(NULL) < deadline;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		uint32_t now = 0;

		if (nsd_soa_serial("127.0.0.1", server->port, zone->name,
				   &now) &&
		    (long)now == serial)
			return true;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr,
		"nsd did not serve serial %ld of %s within 60 "
		"seconds\n",
		serial, zone->name);
	print_log(server);
	return false;
}

/* Starts nsd on a free port. */
bool nsd_start(struct nsd_server *server, const struct nsd_zone *zones,
	       size_t count)
{
	return nsd_start_on(server, 0, zones, count, 0);
}

/* Starts nsd with its response rate limit on. */
bool nsd_start_lossy(struct nsd_server *server, const struct nsd_zone *zones,
		     size_t count, int ratelimit)
{
	return nsd_start_on(server, 0, zones, count, ratelimit);
}

/* Stops nsd and starts it again with new zones on the same port. */
bool nsd_restart(struct nsd_server *server, const struct nsd_zone *zones,
		 size_t count)
{
	int port = server->port;

	nsd_stop(server);
	return nsd_start_on(server, port, zones, count, 0);
}

/* Stops nsd and cleans up. */
void nsd_stop(struct nsd_server *server)
{
	nsd_forget(server->pid);
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
	free(server->address);
	server->address = NULL;
}
