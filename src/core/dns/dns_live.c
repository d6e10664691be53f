/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live backend: c-ares driven by the caller's poll() loop (DESIGN.md
 * section 3). Questions go out raw through ares_send() and the raw
 * replies are parsed with ldns (dns_answer_from_wire), so that NODATA,
 * NXDOMAIN, the rcode and the AA bit all survive; c-ares does the
 * retries, the server rotation and the TCP fallback on truncation. */
#include "config.h"

#include "dns/dns.h"
#include "dns/dns_private.h"

#include <ares.h>
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/ip.h"
#include "util/xalloc.h"

/* RFC 6891 6.2.5 and the DNS flag day 2020: a UDP size that does not
 * fragment; larger answers come with TC set and c-ares retries on TCP. */
#define LIVE_EDNS_SIZE 1232
/* The UDP receive buffer we ask for (see live_channel). */
#define LIVE_RCVBUF (2 << 20)
/* The window of queries in flight: where it starts, its least, and its
 * most; the most is further held to what the socket's receive buffer
 * can hold of answers arriving together (LIVE_ANSWER_COST octets of
 * buffer each, the kernel's accounting of a datagram of up to 1232). */
#define LIVE_WINDOW_START 256
#define LIVE_WINDOW_MIN 8
#define LIVE_WINDOW_MAX 1024
#define LIVE_ANSWER_COST 2304

/* One query of the window: sent, or queued until the window opens. */
struct live_job {
	struct dns_request *req;
	unsigned long seq;     /* when it was sent (live->sent) */
	struct live_job *next; /* in the queue */
};

/* A socket c-ares asked us to watch (ARES_OPT_SOCK_STATE_CB). */
struct live_socket {
	ares_socket_t fd;
	short events;
};

struct live {
	ares_channel channel;
	struct live_socket *socks;
	size_t nsocks, cap;
	char *servers; /* "127.0.0.1:53, [::1]:53", for messages */
	size_t nservers;
	bool no_recursion;
	int timeout_ms;        /* overall per query, for messages */
	ares_socket_t reading; /* the socket being processed, or BAD */

	/* The window (AIMD, as TCP does, RFC 5681 3.1): it doubles each
	 * round trip up to ssthresh, then grows by one a round trip; a
	 * query that needed a retry, or got none, halves it once per
	 * round of sending. Answers of a burst that the receive buffer
	 * cannot hold are dropped by the kernel, and each such loss costs a
	 * retry's wait: the window keeps the burst small enough. */
	struct live_job *queue_head, *queue_tail;
	size_t queued, inflight;
	size_t window, ssthresh, window_max;
	size_t growth;      /* answers counted toward the next +1 */
	unsigned long sent; /* queries sent so far */
	unsigned long cut;  /* sent when the window was last halved */
	size_t least, most; /* the least and most the window has been */
	unsigned long cuts; /* how many times a loss halved it */
};

/* Keeps our list of sockets in step with what c-ares wants. */
static void live_sock_state(void *data, ares_socket_t fd, int readable,
			    int writable)
{
	struct live *l = data;
	short events =
	    (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
	size_t i;

	for (i = 0; i < l->nsocks; i++)
		if (l->socks[i].fd == fd)
			break;
	if (events == 0) {
		if (i < l->nsocks)
			l->socks[i] = l->socks[--l->nsocks];
		return;
	}
	if (i == l->nsocks) {
		l->socks =
		    xgrow(l->socks, &l->cap, l->nsocks + 1, sizeof *l->socks);
		l->nsocks++;
		l->socks[i].fd = fd;
	}
	l->socks[i].events = events;
}

/* Formats an address and port as "192.0.2.1:53" or "[2001:db8::1]:53". */
static char *live_format_addr(int family, const void *addr, int port)
{
	char buf[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, buf, sizeof buf))
		return xstrdup("?");
	if (family == AF_INET6)
		return xasprintf("[%s]:%d", buf, port);
	return xasprintf("%s:%d", buf, port);
}

/* The address of the server at the other end of a c-ares socket (UDP
 * sockets are connected too), or NULL. */
static char *live_peer(ares_socket_t fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (fd == ARES_SOCKET_BAD ||
	    getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return NULL;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&ss;

		return live_format_addr(AF_INET, &sin->sin_addr,
					ntohs(sin->sin_port));
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)&ss;

		return live_format_addr(AF_INET6, &sin6->sin6_addr,
					ntohs(sin6->sin6_port));
	}
	return NULL;
}

/* Describes the channel's servers and counts them. */
static char *live_describe_servers(ares_channel channel, size_t *count)
{
	struct ares_addr_port_node *list = NULL;
	struct strbuf sb = STRBUF_INIT;

	*count = 0;
	if (ares_get_servers_ports(channel, &list) != ARES_SUCCESS)
		return xstrdup("?");
	for (struct ares_addr_port_node *n = list; n; n = n->next) {
		/* Port 0 means the channel's default, 53 (RFC 1035 4.2). */
		int port = n->udp_port ? n->udp_port : 53;
		char *s = live_format_addr(n->family, &n->addr, port);

		if (*count)
			strbuf_addstr(&sb, ", ");
		strbuf_addstr(&sb, s);
		free(s);
		(*count)++;
	}
	ares_free_data(list);
	return strbuf_detach(&sb);
}

/* The answer to a request whose query ended without a usable reply. */
static struct dns_answer *live_failure(struct live *l,
				       const struct dns_request *req,
				       int status, char *server)
{
	const char *type = dns_type_name(req->type);
	const char *who = server ? server : l->servers;
	struct dns_answer *a;

	switch (status) {
	case ARES_ETIMEOUT:
		a = dns_answer_new(req, DNS_TIMEOUT);
		a->error = xasprintf(_("no answer from %s for %s %s within "
				       "%.1f s"),
				     l->servers, type, req->name,
				     l->timeout_ms / 1000.0);
		break;
	case ARES_ECONNREFUSED:
		a = dns_answer_new(req, DNS_TIMEOUT);
		a->error = xasprintf(_("no DNS server reachable at %s for "
				       "%s %s (connection refused)"),
				     l->servers, type, req->name);
		break;
	case ARES_ESERVFAIL:
	case ARES_ENOTIMP:
		/* c-ares has tried every server; keep the rcode. */
		a = dns_answer_new(req, DNS_SERVFAIL);
		a->rcode = status == ARES_ESERVFAIL ? LDNS_RCODE_SERVFAIL
						    : LDNS_RCODE_NOTIMPL;
		a->error =
		    xasprintf(_("%s answered %s for %s %s"), who,
			      status == ARES_ESERVFAIL ? "SERVFAIL" : "NOTIMP",
			      type, req->name);
		break;
	case ARES_EREFUSED:
		a = dns_answer_new(req, DNS_ERROR);
		a->rcode = LDNS_RCODE_REFUSED;
		a->error = xasprintf(_("%s refused the query for %s %s"), who,
				     type, req->name);
		break;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		a = dns_answer_new(req, DNS_ERROR);
		a->error = xstrdup("cancelled");
		break;
	default:
		a = dns_answer_new(req, DNS_ERROR);
		a->error =
		    xasprintf(_("DNS query %s %s to %s failed: %s"), type,
			      req->name, who, ares_strerror(status));
		break;
	}
	a->server = xstrdup(who);
	return a;
}

/* Widens the window after a clean answer, halves it after a loss
 * (once for the queries sent before the last cut). */
static void live_window_adapt(struct live *l, unsigned long seq, int status,
			      int timeouts)
{
	if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION)
		return;
	if (timeouts > 0 || status == ARES_ETIMEOUT) {
		if (seq <= l->cut)
			return;
		l->ssthresh = l->window / 2 > LIVE_WINDOW_MIN ? l->window / 2
							      : LIVE_WINDOW_MIN;
		if (l->window > l->most)
			l->most = l->window;
		l->window = l->ssthresh;
		l->growth = 0;
		l->cut = l->sent;
		l->cuts++;
		if (l->window < l->least)
			l->least = l->window;
		return;
	}
	if (l->window < l->ssthresh) {
		l->window++;
	} else if (++l->growth >= l->window) {
		l->growth = 0;
		l->window++;
	}
	if (l->window > l->window_max)
		l->window = l->window_max;
}

/* c-ares's callback: turns the reply into an answer, delivered from
 * dns_process() through the ready queue. */
static void live_reply(void *arg, int status, int timeouts, unsigned char *abuf,
		       int alen)
{
	struct live_job *job = arg;
	struct dns_request *req = job->req;
	struct live *l = req->dns->impl;
	char *server = NULL;
	struct dns_answer *a;

	l->inflight--;
	live_window_adapt(l, job->seq, status, timeouts);
	free(job);

	/* Replies and rcode failures come while a socket is read; timeouts
	 * and refused connections belong to no one server. */
	if (status == ARES_SUCCESS || status == ARES_ESERVFAIL ||
	    status == ARES_ENOTIMP || status == ARES_EREFUSED)
		server = live_peer(l->reading);
	if (status == ARES_SUCCESS && abuf && alen > 0) {
		a = dns_answer_from_wire(req->name, req->type, abuf,
					 (size_t)alen,
					 server ? server : l->servers);
	} else {
		a = live_failure(l, req, status, server);
	}
	free(server);
	dns_request_defer(req, a);
}

/* A name as ares_create_query() reads it: c-ares 1.18 knows only the
 * "\\c" escape, so raw octets (a space from an SPF macro) go as they
 * are and only a backslash is escaped. Caller frees. */
static char *live_ares_name(const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	for (; *name; name++) {
		if (*name == '\\')
			strbuf_addch(&sb, '\\');
		strbuf_addch(&sb, *name);
	}
	return strbuf_detach(&sb);
}

/* Sends one question now. */
static void live_send(struct live *l, struct live_job *job)
{
	struct dns_request *req = job->req;
	unsigned char *buf = NULL;
	char *qname = live_ares_name(req->name);
	int len = 0, rc;

	/* RFC 1035 4.1.1: RD only when we want the server to recurse. */
	rc = ares_create_query(qname, 1 /* IN */, (int)req->type, 0,
			       !l->no_recursion, &buf, &len, LIVE_EDNS_SIZE);
	free(qname);
	if (rc != ARES_SUCCESS) {
		struct dns_answer *a = dns_answer_new(req, DNS_ERROR);

		a->error = xasprintf(_("cannot ask for %s %s: %s"),
				     dns_type_name(req->type), req->name,
				     ares_strerror(rc));
		dns_request_defer(req, a);
		free(job);
		return;
	}
	job->seq = ++l->sent;
	l->inflight++;
	ares_send(l->channel, buf, len, live_reply, job);
	ares_free_string(buf);
}

/* Sends the queued questions the window has room for. */
static void live_pump(struct live *l)
{
	while (l->queue_head && l->inflight < l->window) {
		struct live_job *job = l->queue_head;

		l->queue_head = job->next;
		if (!l->queue_head)
			l->queue_tail = NULL;
		l->queued--;
		live_send(l, job);
	}
}

/* Sends one question, or queues it while the window is full. */
static void live_query(struct dns *dns, struct dns_request *req)
{
	struct live *l = dns->impl;
	struct live_job *job = xcalloc(1, sizeof *job);

	job->req = req;
	if (l->inflight < l->window && !l->queue_head) {
		live_send(l, job);
		return;
	}
	if (l->queue_tail)
		l->queue_tail->next = job;
	else
		l->queue_head = job;
	l->queue_tail = job;
	l->queued++;
}

/* The sockets to poll. */
static size_t live_pollfds(struct dns *dns, struct pollfd *fds, size_t max)
{
	struct live *l = dns->impl;
	size_t n = 0;

	for (size_t i = 0; i < l->nsocks && n < max; i++, n++) {
		fds[n].fd = l->socks[i].fd;
		fds[n].events = l->socks[i].events;
		fds[n].revents = 0;
	}
	return n;
}

/* Milliseconds until c-ares's next timeout, rounded up. */
static int live_timeout_ms(struct dns *dns)
{
	struct live *l = dns->impl;
	struct timeval tv, *tvp = ares_timeout(l->channel, NULL, &tv);
	long long ms;

	if (!tvp)
		return -1;
	ms = (long long)tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* The events we asked for on fd, or 0 when it is not ours. */
static short live_events(const struct live *l, int fd)
{
	for (size_t i = 0; i < l->nsocks; i++)
		if (l->socks[i].fd == fd)
			return l->socks[i].events;
	return 0;
}

/* Lets c-ares read and write what poll() reported, then handle its
 * timeouts. */
static void live_process(struct dns *dns, const struct pollfd *fds, size_t nfds)
{
	struct live *l = dns->impl;

	for (size_t i = 0; fds && i < nfds; i++) {
		short want = live_events(l, fds[i].fd);
		short got = fds[i].revents;
		ares_socket_t r = ARES_SOCKET_BAD, w = ARES_SOCKET_BAD;

		if (!want || !got)
			continue;
		/* An error or hangup is seen by the read or write that
		 * c-ares was waiting for. */
		if ((want & POLLIN) && (got & (POLLIN | POLLERR | POLLHUP)))
			r = fds[i].fd;
		if ((want & POLLOUT) && (got & (POLLOUT | POLLERR | POLLHUP)))
			w = fds[i].fd;
		if (r == ARES_SOCKET_BAD && w == ARES_SOCKET_BAD)
			continue;
		l->reading = fds[i].fd;
		ares_process_fd(l->channel, r, w);
		l->reading = ARES_SOCKET_BAD;
	}
	ares_process_fd(l->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	live_pump(l);
}

/* Ends every query, the queued ones too; c-ares calls back with
 * ARES_ECANCELLED. */
static void live_cancel_all(struct dns *dns)
{
	struct live *l = dns->impl;

	while (l->queue_head) {
		struct live_job *job = l->queue_head;
		struct dns_answer *a = dns_answer_new(job->req, DNS_ERROR);

		l->queue_head = job->next;
		a->error = xstrdup("cancelled");
		dns_request_defer(job->req, a);
		free(job);
	}
	l->queue_tail = NULL;
	l->queued = 0;
	ares_cancel(l->channel);
}

/* Releases the channel. */
static void live_free(struct dns *dns)
{
	struct live *l = dns->impl;

	ares_destroy(l->channel);
	ares_library_cleanup();
	free(l->socks);
	free(l->servers);
	free(l);
}

/* The channel's servers as its messages name them. */
static const char *live_servers(const struct dns *dns)
{
	const struct live *l = dns->impl;

	return l->servers;
}

static const struct dns_backend_ops live_ops = {
	.servers = live_servers,
	.query = live_query,
	.pollfds = live_pollfds,
	.timeout_ms = live_timeout_ms,
	.process = live_process,
	.cancel_all = live_cancel_all,
	.free = live_free,
};

/* Checks the form of "ADDR[:PORT][,...]" before c-ares sees it, since
 * c-ares 1.18 accepts some malformed lists; returns how many servers. */
static size_t live_count_servers(const char *servers)
{
	size_t count = 0;
	const char *p = servers;

	while (*p) {
		size_t len = strcspn(p, ",");
		char *item = xstrndup(p, len), *host;
		unsigned char buf[16];
		int port;
		bool ok = ip_host_port(item, &host, &port);

		/* An address, not a name: c-ares takes no names here; a
		 * bracket holds IPv6 only. */
		ok = ok &&
		     (inet_pton(AF_INET6, host, buf) == 1 ||
		      (item[0] != '[' && inet_pton(AF_INET, host, buf) == 1));
		free(host);
		free(item);
		if (!ok)
			return 0;
		count++;
		p += len;
		if (*p == ',' && *++p == '\0')
			return 0;
	}
	return count;
}

/* The largest window the receive buffer allows: the buffer a UDP
 * socket gets when it asks for LIVE_RCVBUF (the kernel caps it at
 * net.core.rmem_max), over what one answer takes of it. */
static size_t live_window_max(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int size = LIVE_RCVBUF;
	socklen_t len = sizeof size;
	size_t n;

	if (fd < 0)
		return LIVE_WINDOW_START;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) != 0)
		size = 0;
	close(fd);
	n = (size_t)(size > 0 ? size : 0) / LIVE_ANSWER_COST;
	if (n < LIVE_WINDOW_MIN)
		return LIVE_WINDOW_MIN;
	return n > LIVE_WINDOW_MAX ? LIVE_WINDOW_MAX : n;
}

/* Creates a channel; servers NULL means /etc/resolv.conf. */
static int live_channel(struct live *l, const char *servers, int try_ms,
			int tries, ares_channel *out)
{
	struct ares_options opts;
	int rc;

	memset(&opts, 0, sizeof opts);
	opts.sock_state_cb = live_sock_state;
	opts.sock_state_cb_data = l;
	opts.timeout = try_ms;
	opts.tries = tries;
	/* ARES_FLAG_EDNS lets c-ares drop our OPT RR when a server answers
	 * FORMERR to it (RFC 6891 7). ARES_FLAG_NOCHECKRESP hands us
	 * SERVFAIL and REFUSED replies as they are: c-ares 1.18 would try
	 * the next server and then report only "connection refused", losing
	 * the rcode and the server that gave it. */
	opts.flags = ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH |
		     ARES_FLAG_NOCHECKRESP |
		     (l->no_recursion ? ARES_FLAG_NORECURSE : 0);
	opts.ednspsz = LIVE_EDNS_SIZE;
	/* A batch audit has a thousand queries in flight on one socket
	 * (c-ares 1.18 cannot spread them over more); their answers come
	 * back together, and the default buffer holds about 200
	 * datagrams. The kernel caps this at net.core.rmem_max. */
	opts.socket_receive_buffer_size = LIVE_RCVBUF;
	rc = ares_init_options(out, &opts,
			       ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS |
				   ARES_OPT_TRIES | ARES_OPT_FLAGS |
				   ARES_OPT_EDNSPSZ | ARES_OPT_SOCK_RCVBUF);
	if (rc != ARES_SUCCESS)
		return rc;
	if (servers)
		rc = ares_set_servers_ports_csv(*out, servers);
	if (rc != ARES_SUCCESS) {
		ares_destroy(*out);
		*out = NULL;
	}
	return rc;
}

/* Why c-ares could not set up from the servers given (--resolver, a
 * usage error) or, when there are none, from /etc/resolv.conf. */
static enum status live_config_error(const char *servers, int rc,
				     struct err *err)
{
	if (servers)
		return err_set(err, STATUS_USAGE,
			       _("invalid resolver \"%s\": %s"), servers,
			       ares_strerror(rc));
	return err_set(err, STATUS_DNS,
		       _("cannot read the resolver configuration "
			 "(/etc/resolv.conf): %s"),
		       ares_strerror(rc));
}

/* Creates a c-ares resolver. */
enum status dns_new_live(struct dns **out, const struct dns_live_options *o,
			 struct err *err)
{
	struct live *l = xcalloc(1, sizeof *l);
	int tries = o->tries > 0 ? o->tries : 2;
	double total = o->timeout > 0 ? o->timeout : 5;
	size_t nservers = 1;
	long long try_ms;
	ares_channel probe = NULL;
	int rc;
	enum status ret = STATUS_OK;

	*out = NULL;
	l->no_recursion = o->no_recursion;
	l->reading = ARES_SOCKET_BAD;
	l->window_max = live_window_max();
	l->ssthresh = l->window_max;
	l->window = LIVE_WINDOW_START < l->window_max ? LIVE_WINDOW_START
						      : l->window_max;
	l->least = l->most = l->window;
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		free(l);
		return err_set(err, STATUS_DNS, _("cannot start c-ares: %s"),
			       ares_strerror(rc));
	}
	if (o->servers) {
		nservers = live_count_servers(o->servers);
		if (nservers == 0) {
			ret = err_set(err, STATUS_USAGE,
				      _("invalid resolver \"%s\": expected "
					"ADDR[:PORT][,...] with IP addresses "
					"([V6]:PORT for IPv6 with a port)"),
				      o->servers);
			goto out;
		}
	} else {
		/* Count the servers of /etc/resolv.conf. */
		rc = live_channel(l, NULL, 1000, tries, &probe);
		if (rc != ARES_SUCCESS) {
			ret = live_config_error(NULL, rc, err);
			goto out;
		}
		free(live_describe_servers(probe, &nservers));
		ares_destroy(probe);
		if (nservers == 0)
			nservers = 1;
	}
	/* c-ares tries each server in turn, doubling the per-try timeout
	 * after each round: the whole takes n * t * (2^tries - 1). */
	try_ms =
	    (long long)(total * 1000) /
	    ((long long)nservers * ((1LL << (tries > 20 ? 20 : tries)) - 1));
	if (try_ms < 1)
		try_ms = 1;
	l->timeout_ms = (int)(total * 1000);
	rc = live_channel(l, o->servers,
			  (int)(try_ms > INT_MAX ? INT_MAX : try_ms), tries,
			  &l->channel);
	if (rc != ARES_SUCCESS) {
		ret = live_config_error(o->servers, rc, err);
		goto out;
	}
	l->servers = live_describe_servers(l->channel, &l->nservers);
	if (l->nservers == 0) {
		ret = err_set(err, STATUS_DNS,
			      _("no DNS server configured in "
				"/etc/resolv.conf; use --resolver ADDR"));
		goto out;
	}
	*out = dns_new_backend(&live_ops, l);
	l = NULL;
out:
	if (l) {
		if (l->channel)
			ares_destroy(l->channel);
		ares_library_cleanup();
		free(l->servers);
		free(l->socks);
		free(l);
	}
	return ret;
}

/* What the window did (dns.h). */
bool dns_window_stats(const struct dns *dns, struct dns_window_stats *out)
{
	const struct live *l;

	memset(out, 0, sizeof *out);
	if (dns->ops != &live_ops)
		return false;
	l = dns->impl;
	out->window = l->window;
	out->least = l->least;
	out->most = l->most > l->window ? l->most : l->window;
	out->cuts = l->cuts;
	return true;
}
