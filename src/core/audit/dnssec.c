/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNSSEC verdicts from the AD, DO and CD bits, on a c-ares channel of
 * their own with packets made and read by ldns. */
#include "config.h"

#include "audit/dnssec.h"

#include <ares.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* RFC 6891 6.2.5: a datagram size that avoids fragmentation. */
#define DNSSEC_EDNS_SIZE 1232

/* A socket c-ares asked us to watch. */
struct dnssec_sock {
	ares_socket_t fd;
	short events;
};

struct dnssec_probe {
	ares_channel channel;
	struct dnssec_sock *socks;
	size_t nsocks;
	size_t pending;
};

/* One question in flight. */
struct question {
	struct dnssec_probe *p;
	struct dnssec_result *r;
	size_t index; /* its record in r */
	ldns_rr_type type;
	bool cd; /* asked again with checking disabled */
	void (*done)(void *arg);
	void *arg;
};

/* ARES_OPT_SOCK_STATE_CB: keeps the sockets and their events. */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dnssec_probe *p = data;
	short events =
	    (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
	size_t i;

	for (i = 0; i < p->nsocks; i++)
		if (p->socks[i].fd == fd)
			break;
	if (!events) {
		if (i < p->nsocks)
			p->socks[i] = p->socks[--p->nsocks];
		return;
	}
	if (i == p->nsocks) {
		p->socks =
		    xrealloc(p->socks, (p->nsocks + 1) * sizeof *p->socks);
		p->socks[p->nsocks++].fd = fd;
	}
	p->socks[i].events = events;
}

/* Creates the channel. */
enum status dnssec_probe_new(struct dnssec_probe **out, const char *servers,
			     double timeout, struct err *err)
{
	struct dnssec_probe *p = xcalloc(1, sizeof *p);
	struct ares_options opts;
	int rc;

	*out = NULL;
	memset(&opts, 0, sizeof opts);
	opts.sock_state_cb = sock_state;
	opts.sock_state_cb_data = p;
	opts.timeout = (int)((timeout > 0 ? timeout : 5) * 1000 / 2);
	opts.tries = 2;
	/* NOCHECKRESP: a SERVFAIL is the very answer wanted here (a
	 * validating resolver's word for a broken signature). */
	opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOCHECKRESP;
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc == ARES_SUCCESS)
		rc = ares_init_options(&p->channel, &opts,
				       ARES_OPT_SOCK_STATE_CB |
					   ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
					   ARES_OPT_FLAGS);
	if (rc == ARES_SUCCESS && servers)
		rc = ares_set_servers_ports_csv(p->channel, servers);
	if (rc != ARES_SUCCESS) {
		err_set(err, STATUS_DNS, _("cannot start c-ares: %s"),
			ares_strerror(rc));
		dnssec_probe_free(p);
		return STATUS_DNS;
	}
	*out = p;
	return STATUS_OK;
}

/* Frees the channel, cancelling what is left. */
void dnssec_probe_free(struct dnssec_probe *p)
{
	if (!p)
		return;
	if (p->channel)
		ares_destroy(p->channel);
	free(p->socks);
	free(p);
}

/* Questions outstanding. */
size_t dnssec_pending(const struct dnssec_probe *p)
{
	return p ? p->pending : 0;
}

/* The sockets to poll. */
size_t dnssec_pollfds(struct dnssec_probe *p, struct pollfd *fds, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; p && i < p->nsocks && n < max; i++, n++) {
		fds[n].fd = p->socks[i].fd;
		fds[n].events = p->socks[i].events;
		fds[n].revents = 0;
	}
	return n;
}

/* The longest sleep. */
int dnssec_timeout_ms(struct dnssec_probe *p)
{
	struct timeval tv, *t;

	if (!p || !p->pending)
		return -1;
	t = ares_timeout(p->channel, NULL, &tv);
	return t ? (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000) : -1;
}

/* Hands c-ares what poll() saw, and its timeouts. */
void dnssec_process(struct dnssec_probe *p, const struct pollfd *fds,
		    size_t nfds)
{
	bool any = false;

	if (!p)
		return;
	for (size_t i = 0; fds && i < nfds; i++) {
		bool ours = false;

		for (size_t k = 0; k < p->nsocks; k++)
			ours |= p->socks[k].fd == fds[i].fd;
		if (!ours || !fds[i].revents)
			continue;
		any = true;
		ares_process_fd(p->channel,
				fds[i].revents & (POLLIN | POLLERR | POLLHUP)
				    ? fds[i].fd
				    : ARES_SOCKET_BAD,
				fds[i].revents & POLLOUT ? fds[i].fd
							 : ARES_SOCKET_BAD);
	}
	if (!any)
		ares_process_fd(p->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

/* Ends every question. */
void dnssec_cancel_all(struct dnssec_probe *p)
{
	if (p && p->pending)
		ares_cancel(p->channel);
}

static void answer(void *arg, int status, int timeouts, unsigned char *abuf,
		   int alen);

/* Sends a question: RD and AD set (RFC 6840 5.7 asks the resolver to
 * say whether it validated), DO in EDNS for the signatures (RFC 3225),
 * CD when the point is to get past validation (RFC 4035 3.2.2). */
static void send_question(struct question *q, const char *name)
{
	ldns_rdf *owner = ldns_dname_new_frm_str(name);
	ldns_pkt *pkt = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;

	q->p->pending++;
	if (owner)
		pkt = ldns_pkt_query_new(owner, q->type, LDNS_RR_CLASS_IN,
					 LDNS_RD | LDNS_AD |
					     (q->cd ? LDNS_CD : 0));
	if (pkt) {
		ldns_pkt_set_edns_udp_size(pkt, DNSSEC_EDNS_SIZE);
		ldns_pkt_set_edns_do(pkt, true);
	}
	if (!pkt || ldns_pkt2wire(&wire, pkt, &len) != LDNS_STATUS_OK) {
		if (!pkt && owner)
			ldns_rdf_deep_free(owner);
		ldns_pkt_free(pkt);
		answer(q, ARES_EBADNAME, 0, NULL, 0);
		return;
	}
	ldns_pkt_free(pkt);
	ares_send(q->p->channel, wire, (int)len, answer, q);
	free(wire);
}

/* True when a section holds a signature. */
static bool has_rrsig(const ldns_rr_list *list)
{
	for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(list, i)) ==
		    LDNS_RR_TYPE_RRSIG)
			return true;
	return false;
}

/* Ends a question with its record's verdict. */
static void settle(struct question *q, enum dnssec_state state,
		   const char *detail)
{
	struct dnssec_record *rec = &q->r->records[q->index];

	rec->state = state;
	free(rec->detail);
	rec->detail = detail ? text_clean_str(detail) : NULL;
	if (--q->r->outstanding == 0)
		q->done(q->arg);
	free(q);
}

/* A reply (or a failure) from c-ares. */
static void answer(void *arg, int status, int timeouts, unsigned char *abuf,
		   int alen)
{
	struct question *q = arg;
	ldns_pkt *pkt = NULL;
	ldns_pkt_rcode rcode;
	char *rname;

	(void)timeouts;
	q->p->pending--;
	if (status != ARES_SUCCESS) {
		settle(q, DNSSEC_FAILED, ares_strerror(status));
		return;
	}
	if (ldns_wire2pkt(&pkt, abuf, (size_t)alen) != LDNS_STATUS_OK) {
		settle(q, DNSSEC_FAILED, _("malformed answer"));
		return;
	}
	rcode = ldns_pkt_get_rcode(pkt);
	if (rcode == LDNS_RCODE_NOERROR || rcode == LDNS_RCODE_NXDOMAIN) {
		if (q->cd)
			/* Checking disabled, the answer comes: the
			 * resolver's SERVFAIL was its validation. */
			settle(q, DNSSEC_BOGUS, NULL);
		else if (ldns_pkt_ad(pkt))
			settle(q, DNSSEC_SECURE, NULL);
		else if (has_rrsig(ldns_pkt_answer(pkt)) ||
			 has_rrsig(ldns_pkt_authority(pkt)))
			settle(q, DNSSEC_UNVALIDATED, NULL);
		else
			settle(q, DNSSEC_UNSIGNED, NULL);
	} else if (rcode == LDNS_RCODE_SERVFAIL && !q->cd) {
		q->cd = true;
		send_question(q, q->r->records[q->index].name);
	} else {
		rname = ldns_pkt_rcode2str(rcode);
		settle(q, DNSSEC_FAILED, rname ? rname : "?");
		free(rname);
	}
	ldns_pkt_free(pkt);
}

/* Asks about the domain's records. */
struct dnssec_result *dnssec_check(struct dnssec_probe *p, const char *domain,
				   void (*done)(void *arg), void *arg)
{
	static const struct {
		const char *prefix;
		const char *type;
		ldns_rr_type rr;
	} asks[] = {
		{ "", "DNSKEY", LDNS_RR_TYPE_DNSKEY },
		{ "", "TXT", LDNS_RR_TYPE_TXT },
		{ "_dmarc.", "TXT", LDNS_RR_TYPE_TXT },
		{ "", "MX", LDNS_RR_TYPE_MX },
	};
	size_t n = sizeof asks / sizeof *asks;
	struct dnssec_result *r = xcalloc(1, sizeof *r);

	r->records = xcalloc(n, sizeof *r->records);
	r->count = n;
	r->outstanding = n;
	for (size_t i = 0; i < n; i++) {
		r->records[i].name = xasprintf("%s%s", asks[i].prefix, domain);
		r->records[i].type = asks[i].type;
		r->records[i].state = DNSSEC_FAILED;
	}
	for (size_t i = 0; i < n; i++) {
		struct question *q = xcalloc(1, sizeof *q);

		q->p = p;
		q->r = r;
		q->index = i;
		q->type = asks[i].rr;
		q->done = done;
		q->arg = arg;
		send_question(q, r->records[i].name);
	}
	return r;
}

/* Frees a result. */
void dnssec_result_free(struct dnssec_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->count; i++) {
		free(r->records[i].name);
		free(r->records[i].detail);
	}
	free(r->records);
	findings_done(&r->findings);
	free(r);
}

/* The stable word of a state. */
const char *dnssec_state_name(enum dnssec_state state)
{
	static const char *const names[] = {
		[DNSSEC_SECURE] = "secure",
		[DNSSEC_UNVALIDATED] = "unvalidated",
		[DNSSEC_UNSIGNED] = "unsigned",
		[DNSSEC_BOGUS] = "bogus",
		[DNSSEC_FAILED] = "failed",
	};

	return names[state];
}

/* The domain's overall state. */
enum dnssec_state dnssec_overall(const struct dnssec_result *r)
{
	size_t count[DNSSEC_FAILED + 1] = { 0 };

	for (size_t i = 0; i < r->count; i++)
		count[r->records[i].state]++;
	if (count[DNSSEC_BOGUS])
		return DNSSEC_BOGUS;
	if (count[DNSSEC_SECURE] && count[DNSSEC_SECURE] == r->count)
		return DNSSEC_SECURE;
	if (count[DNSSEC_SECURE] || count[DNSSEC_UNVALIDATED])
		return DNSSEC_UNVALIDATED;
	if (count[DNSSEC_UNSIGNED])
		return DNSSEC_UNSIGNED;
	return DNSSEC_FAILED;
}

/* The findings. */
void dnssec_judge(struct dnssec_result *r, const char *domain)
{
	struct finding *f;

	for (size_t i = 0; i < r->count; i++) {
		const struct dnssec_record *rec = &r->records[i];

		if (rec->state != DNSSEC_BOGUS)
			continue;
		/* RFC 4035 5.5: a validating resolver answers SERVFAIL
		 * for data whose signatures do not verify. */
		f = findings_add(&r->findings, F_DNSSEC_BOGUS,
				 _("The %s answer at %s does not validate: "
				   "validating resolvers answer SERVFAIL, so "
				   "receivers behind them cannot read it."),
				 rec->type, rec->name);
		finding_set_record(f, rec->name);
		finding_set_advice(f, _("Re-sign the zone, or correct the DS "
					"record at the parent, so that the "
					"signatures validate again."));
	}
	switch (dnssec_overall(r)) {
	case DNSSEC_UNSIGNED:
		f = findings_add(&r->findings, F_DNSSEC_UNSIGNED,
				 _("%s is not signed with DNSSEC: its SPF, "
				   "DMARC and MX answers can be forged on "
				   "the way to a receiver."),
				 domain);
		finding_set_advice(f, _("Sign the zone at its DNS host and "
					"publish the DS record at the "
					"registrar (RFC 4033)."));
		break;
	case DNSSEC_UNVALIDATED:
		findings_add(&r->findings, F_DNSSEC_UNVALIDATED,
			     _("Some answers for %s came signed but not "
			       "validated: the resolver does not validate, "
			       "or the chain of trust to the zone is "
			       "missing."),
			     domain);
		break;
	default:
		break;
	}
}

/* A string or null. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* --json of the result. */
json_t *dnssec_result_to_json(const struct dnssec_result *r)
{
	json_t *o = json_object(), *list = json_array();

	json_object_set_new(o, "state",
			    json_string(dnssec_state_name(dnssec_overall(r))));
	for (size_t i = 0; i < r->count; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "name", json_string(r->records[i].name));
		json_object_set_new(e, "type", json_string(r->records[i].type));
		json_object_set_new(
		    e, "state",
		    json_string(dnssec_state_name(r->records[i].state)));
		json_object_set_new(e, "detail",
				    str_or_null(r->records[i].detail));
		json_array_append_new(list, e);
	}
	json_object_set_new(o, "records", list);
	json_object_set_new(o, "findings", findings_to_json(&r->findings));
	return o;
}

/* The text lines. */
void dnssec_text(struct strbuf *sb, const struct dnssec_result *r)
{
	for (size_t i = 0; i < r->count; i++)
		strbuf_addf(sb, "  %-6s %-30s %s%s%s%s\n", r->records[i].type,
			    r->records[i].name,
			    dnssec_state_name(r->records[i].state),
			    r->records[i].detail ? " (" : "",
			    r->records[i].detail ? r->records[i].detail : "",
			    r->records[i].detail ? ")" : "");
}
