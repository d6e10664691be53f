/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The resolver (DESIGN.md section 3): one interface, two backends.
 *
 * live:  c-ares, driven by the caller's poll() loop through
 *        dns_pollfds()/dns_timeout_ms()/dns_process(), or by dns_run().
 * table: an in-memory record table loaded from zone files (ldns) or added
 *        by tests; it answers through the same callbacks, from
 *        dns_process()/dns_run(), never from inside dns_query().
 *
 * Answers say which of data, NODATA, NXDOMAIN, SERVFAIL (or another
 * rcode) and timeout happened: SPF void lookups and temperror depend on
 * it. TXT strings of one RR are kept apart. */
#ifndef DMARCPILOT_DNS_H
#define DMARCPILOT_DNS_H

#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
};

enum dns_result {
	DNS_DATA,     /* NOERROR with records of the asked type */
	DNS_NODATA,   /* NOERROR, the name exists, no such records */
	DNS_NXDOMAIN, /* the name does not exist */
	DNS_SERVFAIL, /* SERVFAIL or another failing rcode (see rcode) */
	DNS_TIMEOUT,  /* no answer in time, or no server reachable */
	DNS_ERROR,    /* malformed answer, refused, or cancelled */
};

/* One character-string of a TXT RR: raw octets, NUL-terminated for
 * convenience (a string may itself contain NUL; len is the truth). */
struct dns_txt_string {
	char *data;
	size_t len;
};

struct dns_rr {
	enum dns_type type;
	char *name; /* owner, lower case, no final dot */
	uint32_t ttl;
	union {
		struct in_addr a;
		struct in6_addr aaaa;
		char *host; /* NS, CNAME, PTR target: lower case, no dot */
		struct {
			uint16_t preference;
			char *host;
		} mx;
		struct {
			struct dns_txt_string *strings;
			size_t count;
		} txt;
		struct {
			char *mname;
			char *rname;
			uint32_t serial;
			uint32_t refresh, retry, expire, minimum;
		} soa;
	} u;
};

struct dns_answer {
	enum dns_result result;
	int rcode;   /* the DNS rcode when the server answered */
	char *qname; /* as asked, lower case, no final dot */
	enum dns_type qtype;
	struct dns_rr *rrs; /* answer section: CNAMEs followed, then data */
	size_t count;
	char *server;       /* who answered or failed to, e.g. "127.0.0.1:53" */
	char *error;        /* human text for SERVFAIL/TIMEOUT/ERROR, or NULL */
	bool authoritative; /* the AA bit */
};

/* Called once per query with its answer; the answer belongs to the
 * resolver and is freed after the callback returns (use dns_answer_dup
 * to keep it). The callback may start new queries. */
typedef void (*dns_callback)(void *arg, const struct dns_answer *answer);

struct dns;

/* Options of the live backend. */
struct dns_live_options {
	const char *servers; /* "ADDR[:PORT][,...]" ("[v6]:port" too), or
				NULL for /etc/resolv.conf */
	double timeout;      /* seconds per query overall; 0 means 5 */
	int tries;           /* 0 means 2 */
	bool no_recursion;   /* clear RD: ask authoritative servers */
};

/* A c-ares resolver. A malformed server list gives STATUS_USAGE with a
 * message quoting it (the --resolver value); an unreadable
 * /etc/resolv.conf gives STATUS_DNS. No packet is sent here. The caller
 * frees it with dns_free().
 *
 * How answers come out of it:
 * - queries carry EDNS (UDP size 1232); truncated answers are asked again
 *   over TCP by c-ares, so TXT records of any size arrive whole;
 * - answer->server is the "ADDR:PORT" that replied ("[V6]:PORT"); for a
 *   timeout it is the whole server list;
 * - no reply from any server (silence, or ICMP port unreachable) within
 *   o->timeout is DNS_TIMEOUT, with an error naming the server list, the
 *   type and the name;
 * - the first SERVFAIL or other failing rcode ends the query as
 *   DNS_SERVFAIL with rcode and server kept (no failover: which server
 *   failed matters more here than an answer from another); REFUSED is
 *   DNS_ERROR with rcode 5; an unparsable reply is DNS_ERROR;
 * - a CNAME chain in the answer section is followed from the question to
 *   the data, as the table backend does; the AA bit is kept.
 * A server that does not answer is tried o->tries times in all, the
 * per-try wait doubling each round, so that the whole takes o->timeout. */
enum status dns_new_live(struct dns **out, const struct dns_live_options *o,
			 struct err *err);

/* What a live resolver's window of queries in flight has done: its
 * size now, the least a loss cut it to, the most it grew to before one,
 * and how many times a loss cut it. */
struct dns_window_stats {
	size_t window, least, most;
	unsigned long cuts;
};

/* Fills out for a live resolver; false (out zeroed) for any other. For
 * tests and benchmarks. */
bool dns_window_stats(const struct dns *dns, struct dns_window_stats *out);

/* An empty table resolver; every name is NXDOMAIN until records or zones
 * are added. Never fails. */
struct dns *dns_new_table(void);

/* A second resolver answering from table's records (a table resolver;
 * NULL for any other), for another thread: each resolver has its own
 * queue, the records are only read. Nothing may be added to table
 * while the view lives, and table must outlive it. Free with
 * dns_free(), which leaves the records alone. */
struct dns *dns_table_view(struct dns *table);

/* Loads a zone file (RFC 1035 master format, through ldns) into a table
 * resolver; origin may be NULL when the file has $ORIGIN or SOA. Names
 * inside a loaded zone without records are NXDOMAIN (or NODATA when the
 * name has other types or descendants); names outside every zone are
 * NXDOMAIN. A syntax error gives STATUS_PARSE with "FILE:LINE: reason". */
enum status dns_table_load_zone(struct dns *dns, const char *path,
				const char *origin, struct err *err);

/* Adds records in zone-file syntax, one per line ("name TTL IN TYPE
 * data"; names are absolute, a final dot optional). For tests. */
enum status dns_table_add(struct dns *dns, const char *lines, struct err *err);

/* Makes the table answer a fixed failure (DNS_TIMEOUT or DNS_SERVFAIL)
 * for every query of name (any type). */
void dns_table_set_fault(struct dns *dns, const char *name,
			 enum dns_result fault);

/* Starts a query; cb is always called exactly once (with DNS_ERROR
 * "cancelled" if dns_cancel_all() or dns_free() comes first). The name
 * may have a final dot. The same question (name and type) already in
 * flight is not sent again: both callbacks get its answer, in the order
 * they were asked. */
void dns_query(struct dns *dns, const char *name, enum dns_type type,
	       dns_callback cb, void *arg);

/* Starts a PTR query for an IPv4 or IPv6 address given as text; an
 * unparsable address is answered with DNS_ERROR. */
void dns_query_reverse(struct dns *dns, const char *address, dns_callback cb,
		       void *arg);

/* The in-addr.arpa or ip6.arpa name (RFC 1035 3.5, RFC 3596 2.5) of an
 * IPv4 or IPv6 address given as text, or NULL when it is neither.
 * Caller frees. */
char *dns_reverse_name(const char *address);

/* How many questions this resolver (and its children) sent on: a
 * question asked while the same one (name and type) is in flight is not
 * sent again but answered with it, so this counts distinct questions
 * in flight, not dns_query() calls. */
size_t dns_questions_asked(const struct dns *dns);

/* The number of queries whose callback has not run yet. */
size_t dns_pending(const struct dns *dns);

/* Event loop integration: fills fds (at most max) with the sockets to
 * wait on and returns how many; the caller adds its own fds after them. */
size_t dns_pollfds(struct dns *dns, struct pollfd *fds, size_t max);

/* How long poll() may sleep, in milliseconds; -1 when nothing is
 * outstanding, 0 when answers are ready now. */
int dns_timeout_ms(struct dns *dns);

/* Processes whatever poll() reported on the fds dns_pollfds() gave (fds
 * may be NULL after a timeout) and runs the callbacks that are due. */
void dns_process(struct dns *dns, const struct pollfd *fds, size_t nfds);

/* Runs the loop until no query is outstanding (callbacks may add more).
 * Returns STATUS_OK, or STATUS_IO when poll() itself fails. */
enum status dns_run(struct dns *dns);

/* dns_run() for at most ms milliseconds (ms < 0: no limit). When time
 * runs out *expired (may be NULL) is set and the queries still
 * outstanding are left to the caller (dns_cancel_all() ends them). */
enum status dns_run_for(struct dns *dns, long ms, bool *expired);

/* Asks one question and waits for it; returns an answer the caller frees
 * with dns_answer_free(). Runs other outstanding queries too. */
struct dns_answer *dns_query_sync(struct dns *dns, const char *name,
				  enum dns_type type);

/* Makes parent's loop drive child as well: dns_pending, dns_pollfds,
 * dns_timeout_ms, dns_process, dns_run, dns_cancel_all and dns_free of
 * the parent cover the child, so that one poll() serves both (the
 * propagation check attaches one no-recursion resolver per server). The
 * parent owns the child from then on. */
void dns_attach(struct dns *parent, struct dns *child);

/* Lets the parent free an attached child once it has no query left
 * (from the parent's dns_process(), so it may be called from the
 * child's own callback). */
void dns_release(struct dns *child);

/* True for a resolver that answers from loaded data and asks no server
 * (the table: --zone, the demo, tests). */
bool dns_is_offline(const struct dns *dns);

/* The servers a resolver that asks servers (c-ares) sends to, as
 * "ADDR:PORT, ..." ("[V6]:PORT"), in its order; NULL for an offline
 * one. Owned by the resolver. */
const char *dns_servers(const struct dns *dns);

/* Ends every outstanding query; their callbacks run with DNS_ERROR.
 * Queries that those callbacks start are cancelled as well. */
void dns_cancel_all(struct dns *dns);

/* Cancels what is outstanding and frees the resolver. */
void dns_free(struct dns *dns);

/* A deep copy of an answer, freed with dns_answer_free(). */
struct dns_answer *dns_answer_dup(const struct dns_answer *answer);
void dns_answer_free(struct dns_answer *answer);

/* How many RRs of type the answer holds (a CNAME before them is not
 * one). */
size_t dns_answer_count(const struct dns_answer *answer, enum dns_type type);

/* The TXT RRs of an answer, each joined into one string (RFC 7208 3.3:
 * concatenated with no spaces): for SPF and DMARC, which join, whereas
 * DKIM also joins (RFC 6376 3.6.2.2). Strings with NUL octets are kept
 * as they are (the caller sees len). *count receives the number of
 * records; the caller frees with dns_txt_joined_free(). Only RRs whose
 * type is TXT count (a CNAME before them is skipped). */
struct dns_txt_string *dns_answer_txt_joined(const struct dns_answer *answer,
					     size_t *count);
void dns_txt_joined_free(struct dns_txt_string *records, size_t count);

/* "A", "TXT", ... */
const char *dns_type_name(enum dns_type type);

/* A stable word for a result: "data", "nodata", "nxdomain", "servfail",
 * "timeout", "error". */
const char *dns_result_name(enum dns_result result);

/* Text form of an A/AAAA/MX/NS/CNAME/PTR/TXT RR's data ("10 mx.example",
 * "\"v=spf1\" \"-all\"" for TXT as in a zone file). Caller frees. */
char *dns_rr_data_to_string(const struct dns_rr *rr);

#endif
