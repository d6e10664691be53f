/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Signed dynamic updates (dns/update.h). */
#include "config.h"

#include "dns/update.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* RFC 8945 5.2.3: the fudge BIND and nsupdate use, in seconds. */
#define UPDATE_FUDGE 300

/* An empty update. */
void dns_update_init(struct dns_update *u, const char *zone)
{
	memset(u, 0, sizeof *u);
	u->zone = zone ? xstrdup(zone) : NULL;
}

/* Appends one item, copying its strings. */
void dns_update_add(struct dns_update *u, enum dns_update_op op,
		    const char *name, uint32_t ttl,
		    const struct dns_txt_string *strings, size_t count)
{
	struct dns_update_item *it;

	u->items = xrealloc(u->items, (u->count + 1) * sizeof *u->items);
	it = &u->items[u->count++];
	memset(it, 0, sizeof *it);
	it->op = op;
	it->name = xstrdup(name);
	it->ttl = ttl;
	it->count = count;
	it->strings = count ? xcalloc(count, sizeof *it->strings) : NULL;
	for (size_t i = 0; i < count; i++) {
		it->strings[i].len = strings[i].len;
		it->strings[i].data = xmalloc(strings[i].len + 1);
		memcpy(it->strings[i].data, strings[i].data, strings[i].len);
		it->strings[i].data[strings[i].len] = '\0';
	}
}

/* Appends one item made of C strings. */
void dns_update_add_text(struct dns_update *u, enum dns_update_op op,
			 const char *name, uint32_t ttl, char *const *strings,
			 size_t count)
{
	struct dns_txt_string *s = xcalloc(count ? count : 1, sizeof *s);

	for (size_t i = 0; i < count; i++) {
		s[i].data = strings[i];
		s[i].len = strlen(strings[i]);
	}
	dns_update_add(u, op, name, ttl, s, count);
	free(s);
}

/* Frees the items. */
void dns_update_done(struct dns_update *u)
{
	for (size_t i = 0; i < u->count; i++) {
		for (size_t k = 0; k < u->items[i].count; k++)
			free(u->items[i].strings[k].data);
		free(u->items[i].strings);
		free(u->items[i].name);
	}
	free(u->items);
	free(u->zone);
	memset(u, 0, sizeof *u);
}

/* Counts the changes. */
size_t dns_update_changes(const struct dns_update *u)
{
	size_t n = 0;

	for (size_t i = 0; i < u->count; i++)
		n += u->items[i].op == DNS_UPDATE_DELETE ||
		     u->items[i].op == DNS_UPDATE_ADD;
	return n;
}

/* The nsupdate text. */
char *dns_update_format(const struct dns_update *u, const char *server,
			const char *key_name)
{
	static const char *const verbs[] = {
		[DNS_UPDATE_REQUIRE] = "prereq yxrrset",
		[DNS_UPDATE_ABSENT] = "prereq nxrrset",
		[DNS_UPDATE_DELETE] = "update delete",
		[DNS_UPDATE_ADD] = "update add",
	};
	struct strbuf sb = STRBUF_INIT;

	if (server)
		strbuf_addf(&sb, "server %s\n", server);
	if (key_name)
		/* The secret is left out on purpose. */
		strbuf_addf(&sb, "; key %s\n", key_name);
	if (u->zone)
		strbuf_addf(&sb, "zone %s.\n", u->zone);
	for (size_t i = 0; i < u->count; i++) {
		const struct dns_update_item *it = &u->items[i];

		strbuf_addf(&sb, "%s %s.", verbs[it->op], it->name);
		if (it->op == DNS_UPDATE_ADD)
			strbuf_addf(&sb, " %u", (unsigned)it->ttl);
		strbuf_addstr(&sb, " TXT");
		for (size_t k = 0; k < it->count; k++) {
			strbuf_addch(&sb, ' ');
			text_txt_quote(&sb, it->strings[k].data,
				       it->strings[k].len);
		}
		strbuf_addch(&sb, '\n');
	}
	strbuf_addstr(&sb, "send\n");
	return strbuf_detach(&sb);
}

/* An absolute ldns name from ours. */
static ldns_rdf *dname_rdf(const char *name)
{
	char *abs = xasprintf("%s.", name);
	ldns_rdf *rdf = ldns_dname_new_frm_str(abs);

	free(abs);
	return rdf;
}

/* The RR of one item, in the class and with the TTL RFC 2136 gives it
 * (2.4.2: IN and 0; 2.4.3: NONE, 0, no data; 2.5.4: NONE and 0; 2.5.1:
 * IN and the TTL); NULL when a name or string cannot be encoded. */
static ldns_rr *item_rr(const struct dns_update_item *it)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *owner = dname_rdf(it->name);

	if (!rr || !owner) {
		if (owner)
			ldns_rdf_deep_free(owner);
		if (rr)
			ldns_rr_free(rr);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
	ldns_rr_set_ttl(rr, it->op == DNS_UPDATE_ADD ? it->ttl : 0);
	ldns_rr_set_class(rr, it->op == DNS_UPDATE_ABSENT ||
				      it->op == DNS_UPDATE_DELETE
				  ? LDNS_RR_CLASS_NONE
				  : LDNS_RR_CLASS_IN);
	if (it->op == DNS_UPDATE_ABSENT) {
		ldns_rr_set_question(rr, false);
		return rr;
	}
	for (size_t k = 0; k < it->count; k++) {
		/* RFC 1035 3.3: a length octet, then the octets. */
		size_t len = it->strings[k].len;
		uint8_t *data;
		ldns_rdf *rdf;

		if (len > 255) {
			ldns_rr_free(rr);
			return NULL;
		}
		data = xmalloc(len + 1);
		data[0] = (uint8_t)len;
		memcpy(data + 1, it->strings[k].data, len);
		rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, len + 1, data);
		free(data);
		if (!rdf || !ldns_rr_push_rdf(rr, rdf)) {
			if (rdf)
				ldns_rdf_deep_free(rdf);
			ldns_rr_free(rr);
			return NULL;
		}
	}
	return rr;
}

/* The signed packet of u. */
static enum status build_packet(const struct dns_update *u,
				const struct tsig_key *key, ldns_pkt **out,
				struct err *err)
{
	ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
	ldns_rdf *zone = dname_rdf(u->zone);
	ldns_pkt *pkt = NULL;
	ldns_status ls;
	enum status st = STATUS_OK;

	*out = NULL;
	if (!pr || !up || !zone) {
		st = err_set(err, STATUS_PARSE, _("%s: not a zone name"),
			     u->zone);
		goto out;
	}
	for (size_t i = 0; i < u->count; i++) {
		const struct dns_update_item *it = &u->items[i];
		ldns_rr *rr = item_rr(it);

		if (!rr) {
			st = err_set(err, STATUS_PARSE,
				     _("%s: cannot be put in an update"),
				     it->name);
			goto out;
		}
		ldns_rr_list_push_rr(it->op == DNS_UPDATE_REQUIRE ||
					     it->op == DNS_UPDATE_ABSENT
					 ? pr
					 : up,
				     rr);
	}
	/* RFC 2136 2.3: the zone section names the zone, type SOA. */
	pkt = ldns_update_pkt_new(zone, LDNS_RR_CLASS_IN, pr, up, NULL);
	zone = NULL; /* the packet's now, or freed */
	if (!pkt) {
		st = err_set(err, STATUS_PARSE,
			     _("%s: the update cannot be "
			       "built"),
			     u->zone);
		goto out;
	}
	/* RFC 2136 2.2: the header's other bits are zero in an update. */
	ldns_pkt_set_rd(pkt, false);
	ldns_pkt_set_random_id(pkt);
	ls = dns_update_can_sign(key->algorithm)
		 ? ldns_pkt_tsig_sign(pkt, key->name, key->secret, UPDATE_FUDGE,
				      key->algorithm, NULL)
		 : LDNS_STATUS_CRYPTO_TSIG_ERR;
	if (ls != LDNS_STATUS_OK) {
		st = err_set(err, STATUS_CRYPTO,
			     _("key %s (%s): cannot sign: %s"), key->name,
			     key->algorithm, ldns_get_errorstr_by_id(ls));
		ldns_pkt_free(pkt);
		pkt = NULL;
		goto out;
	}
	*out = pkt;
out:
	if (zone)
		ldns_rdf_deep_free(zone);
	ldns_rr_list_deep_free(pr);
	ldns_rr_list_deep_free(up);
	return st;
}

/* True when ldns signs with algorithm. ldns 1.8 signs neither
 * hmac-sha224 nor, by a misspelt name, hmac-sha384, and leaks on the
 * way out when asked to: the names it does sign are listed instead of
 * probed (RFC 8945 6: the algorithm names). */
bool dns_update_can_sign(const char *algorithm)
{
	static const char *const signs[] = {
		"hmac-md5",    "hmac-md5.sig-alg.reg.int",
		"hmac-sha1",   "hmac-sha256",
		"hmac-sha512",
	};
	size_t len = strlen(algorithm);

	/* A name may end in the root's dot. */
	if (len > 0 && algorithm[len - 1] == '.')
		len--;
	for (size_t i = 0; i < sizeof signs / sizeof signs[0]; i++)
		if (strlen(signs[i]) == len &&
		    strncasecmp(signs[i], algorithm, len) == 0)
			return true;
	return false;
}

/* Parses "ADDR:PORT" or "[V6]:PORT" (the port may be left out: 53). */
static bool server_parse(const char *server, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *end;
	size_t n;
	long p = 53;
	char *e;

	memset(ss, 0, sizeof *ss);
	if (*server == '[') {
		end = strchr(server, ']');
		if (!end)
			return false;
		n = (size_t)(end - server - 1);
		if (n >= sizeof host)
			return false;
		memcpy(host, server + 1, n);
		host[n] = '\0';
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			return false;
	} else {
		end = strrchr(server, ':');
		if (end && strchr(server, ':') != end)
			end = NULL; /* a bare IPv6 address */
		n = end ? (size_t)(end - server) : strlen(server);
		if (n >= sizeof host)
			return false;
		memcpy(host, server, n);
		host[n] = '\0';
		if (end)
			port = end + 1;
	}
	if (port) {
		errno = 0;
		p = strtol(port, &e, 10);
		if (e == port || *e || errno || p < 1 || p > 65535)
			return false;
	}
	{
		struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
			in4->sin_family = AF_INET;
			in4->sin_port = htons((uint16_t)p);
			*len = sizeof *in4;
			return true;
		}
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons((uint16_t)p);
			*len = sizeof *in6;
			return true;
		}
	}
	return false;
}

/* Milliseconds left until deadline (CLOCK_MONOTONIC), at least 0. */
static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 600000 ? 600000 : (int)ms;
}

/* Waits for events on fd until the deadline; false on timeout. */
static bool wait_fd(int fd, short events, const struct timespec *deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, ms_left(deadline));
	while (r < 0 && errno == EINTR);
	return r > 0;
}

/* Writes all of buf before the deadline. */
static bool send_all(int fd, const uint8_t *buf, size_t len,
		     const struct timespec *deadline)
{
	while (len > 0) {
		ssize_t n;

		if (!wait_fd(fd, POLLOUT, deadline))
			return false;
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads exactly len octets before the deadline; errno says why not
 * (ETIMEDOUT, ECONNRESET for an early end). */
static bool recv_all(int fd, uint8_t *buf, size_t len,
		     const struct timespec *deadline)
{
	while (len > 0) {
		ssize_t n;

		if (!wait_fd(fd, POLLIN, deadline)) {
			errno = ETIMEDOUT;
			return false;
		}
		n = recv(fd, buf, len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == 0)
			errno = ECONNRESET;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* Connects to ss before the deadline; errno says why not. */
static int connect_to(const struct sockaddr_storage *ss, socklen_t len,
		      const struct timespec *deadline)
{
	int fd = socket(ss->ss_family,
			SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int soerr = 0;
	socklen_t sl = sizeof soerr;

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	if (!wait_fd(fd, POLLOUT, deadline)) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		goto fail;
	if (soerr == 0)
		return fd;
	errno = soerr;
fail:
	soerr = errno;
	close(fd);
	errno = soerr;
	return -1;
}

/* Why a server turned the update down, for the operator. */
static const char *rcode_reason(int rcode)
{
	switch (rcode) {
	case DNS_RCODE_NOTAUTH:
		return _("the server does not accept the key, or is not "
			 "authoritative for the zone");
	case DNS_RCODE_REFUSED:
		return _("the server refuses updates from this key or "
			 "address (update-policy, allow-update)");
	case DNS_RCODE_NOTZONE:
		return _("a name is outside the zone");
	case DNS_RCODE_YXRRSET:
	case DNS_RCODE_NXRRSET:
	case DNS_RCODE_NXDOMAIN:
	case DNS_RCODE_YXDOMAIN:
		return _("a prerequisite failed: the records changed since "
			 "the plan read them");
	case DNS_RCODE_SERVFAIL:
		return _("the server failed (SERVFAIL)");
	case DNS_RCODE_NOTIMP:
		return _("the server does not implement updates (NOTIMP)");
	}
	return _("the server refused the update");
}

/* The reply's TSIG error (RFC 8945 5.3.2) as a word, or NULL. */
static const char *tsig_error(const ldns_pkt *reply)
{
	ldns_rr *t = ldns_pkt_tsig(reply);
	ldns_rdf *e = t ? ldns_rr_rdf(t, 5) : NULL;

	if (!e || ldns_rdf_size(e) != 2)
		return NULL;
	switch (ldns_rdf2native_int16(e)) {
	case 16:
		return "BADSIG";
	case 17:
		return "BADKEY";
	case 18:
		return "BADTIME";
	case 22:
		return "BADTRUNC";
	}
	return NULL;
}

/* Reads and checks the reply to request. */
static enum status read_reply(int fd, const char *server, ldns_pkt *request,
			      const struct tsig_key *key,
			      const struct timespec *deadline, int *rcode,
			      struct err *err)
{
	uint8_t head[2], *buf = NULL;
	size_t len;
	ldns_pkt *reply = NULL;
	ldns_rr *tsig = ldns_pkt_tsig(request);
	const char *name, *terr;
	enum status st;
	int rc;

	if (!recv_all(fd, head, 2, deadline)) {
		st = errno == ETIMEDOUT
			 ? err_set(err, STATUS_DNS,
				   _("%s: timeout: no reply to the update "
				     "in time"),
				   server)
			 : err_set(err, STATUS_DNS,
				   _("%s: reading the reply: %s"), server,
				   strerror(errno));
		goto out;
	}
	len = (size_t)head[0] << 8 | head[1];
	buf = xmalloc(len ? len : 1);
	if (!recv_all(fd, buf, len, deadline) ||
	    ldns_wire2pkt(&reply, buf, len) != LDNS_STATUS_OK ||
	    ldns_pkt_id(reply) != ldns_pkt_id(request) || !ldns_pkt_qr(reply)) {
		st =
		    err_set(err, STATUS_DNS,
			    _("%s: the reply to the update is broken"), server);
		goto out;
	}
	rc = (int)ldns_pkt_get_rcode(reply);
	*rcode = rc;
	if (rc != DNS_RCODE_NOERROR) {
		const ldns_lookup_table *lt =
		    ldns_lookup_by_id(ldns_rcodes, rc);

		name = lt ? lt->name : "?";
		terr = tsig_error(reply);
		if (terr)
			st =
			    err_set(err, STATUS_REFUSED, "%s: %s (TSIG %s): %s",
				    server, name, terr, rcode_reason(rc));
		else
			st = err_set(err, STATUS_REFUSED, "%s: %s: %s", server,
				     name, rcode_reason(rc));
		goto out;
	}
	/* RFC 8945 5.3: a server that knows the key signs its reply; an
	 * unsigned or wrongly signed NOERROR did not come from it. */
	if (!ldns_pkt_tsig(reply) ||
	    !ldns_pkt_tsig_verify(reply, buf, len, key->name, key->secret,
				  ldns_rr_rdf(tsig, 3))) {
		st = err_set(err, STATUS_REFUSED,
			     _("%s: the reply is not signed with key %s"),
			     server, key->name);
		goto out;
	}
	st = STATUS_OK;
out:
	if (reply)
		ldns_pkt_free(reply);
	free(buf);
	return st;
}

/* Sends the update and checks the reply. */
enum status dns_update_send(const struct dns_update *u, const char *server,
			    const struct tsig_key *key, double timeout,
			    int *rcode, struct err *err)
{
	struct sockaddr_storage ss;
	struct timespec deadline;
	socklen_t sslen = 0;
	ldns_pkt *pkt = NULL;
	uint8_t *wire = NULL, *msg = NULL;
	size_t len = 0;
	enum status st;
	int fd = -1, rc_local;

	if (!rcode)
		rcode = &rc_local;
	*rcode = -1;
	if (!server_parse(server, &ss, &sslen))
		return err_set(err, STATUS_USAGE,
			       _("%s: not an address with an optional port"),
			       server);
	if ((st = build_packet(u, key, &pkt, err)))
		return st;
	if (ldns_pkt2wire(&wire, pkt, &len) != LDNS_STATUS_OK || len > 65535) {
		st = err_set(err, STATUS_LIMIT,
			     _("%s: the update does not fit in a message"),
			     u->zone);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	if (timeout <= 0)
		timeout = 10;
	deadline.tv_sec += (time_t)timeout;
	deadline.tv_nsec += (long)((timeout - (double)(time_t)timeout) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	if ((fd = connect_to(&ss, sslen, &deadline)) < 0) {
		st = err_set(err, STATUS_DNS, _("%s: cannot connect: %s"),
			     server, strerror(errno));
		goto out;
	}
	/* RFC 1035 4.2.2: over TCP a message is preceded by its length. */
	msg = xmalloc(len + 2);
	msg[0] = (uint8_t)(len >> 8);
	msg[1] = (uint8_t)len;
	memcpy(msg + 2, wire, len);
	if (!send_all(fd, msg, len + 2, &deadline)) {
		st = err_set(err, STATUS_DNS,
			     _("%s: cannot send the update: %s"), server,
			     errno ? strerror(errno) : "timeout");
		goto out;
	}
	st = read_reply(fd, server, pkt, key, &deadline, rcode, err);
out:
	if (fd >= 0)
		close(fd);
	free(msg);
	free(wire);
	if (pkt)
		ldns_pkt_free(pkt);
	return st;
}
