/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 'mail check': a received message verified end to end the way the
 * receiving server did, and set beside what it wrote. */
#include "config.h"

#include "app/mail_check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/ip.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The most PTR names whose addresses are asked for FCrDNS (RFC 7208
 * 5.5 uses the same bound for ptr). */
#define MAIL_MAX_PTR 10

/* The most Authentication-Results fields read. */
#define MAIL_MAX_AR 16

/* Reads a whole file or stdin, bounded. */
enum status mail_check_read(const char *path, char **data, size_t *len,
			    struct err *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	const char *name = is_stdin ? _("standard input") : path;
	struct strbuf sb = STRBUF_INIT;
	enum status st = STATUS_OK;
	char buf[65536];

	*data = NULL;
	*len = 0;
	if (fd < 0)
		return err_set(err, STATUS_IO, "%s: %s", name,
			       strerror(errno));
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			st = err_set(err, STATUS_IO, "%s: %s", name,
				     strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > DKIM_MSG_MAX_SIZE) {
			st = err_set(err, STATUS_LIMIT,
				     _("%s: the message is larger than %u MiB"),
				     name, DKIM_MSG_MAX_SIZE >> 20);
			goto out;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	if (sb.len == 0) {
		st = err_set(err, STATUS_PARSE, _("%s is empty"), name);
		goto out;
	}
	*len = sb.len;
	*data = strbuf_detach(&sb);
out:
	strbuf_done(&sb);
	if (!is_stdin)
		close(fd);
	return st;
}

/* Whether dir is a Maildir: it has cur/ and new/ folders. */
bool mail_is_maildir(const char *dir)
{
	char *cur = xasprintf("%s/cur", dir), *new = xasprintf("%s/new", dir);
	struct stat sb;
	bool yes = stat(cur, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		   stat(new, &sb) == 0 && S_ISDIR(sb.st_mode);

	free(cur);
	free(new);
	return yes;
}

/* The newest message of a Maildir, or the path itself. */
char *mail_check_pick(const char *path, struct err *err)
{
	static const char *const subs[] = { "new", "cur" };
	char *best = NULL;
	struct timespec best_time = { 0, 0 };

	if (!mail_is_maildir(path))
		return xstrdup(path);
	for (size_t k = 0; k < 2; k++) {
		char *dir = xasprintf("%s/%s", path, subs[k]);
		DIR *d = opendir(dir);
		struct dirent *e;

		if (!d) {
			err_set(err, STATUS_IO, "%s: %s", dir, strerror(errno));
			free(dir);
			free(best);
			return NULL;
		}
		while ((e = readdir(d))) {
			char *file;
			struct stat sb;

			if (e->d_name[0] == '.')
				continue;
			file = xasprintf("%s/%s", dir, e->d_name);
			if (stat(file, &sb) == 0 && S_ISREG(sb.st_mode) &&
			    (!best || sb.st_mtim.tv_sec > best_time.tv_sec ||
			     (sb.st_mtim.tv_sec == best_time.tv_sec &&
			      sb.st_mtim.tv_nsec > best_time.tv_nsec))) {
				free(best);
				best = file;
				best_time = sb.st_mtim;
			} else {
				free(file);
			}
		}
		closedir(d);
		free(dir);
	}
	if (!best)
		err_set(err, STATUS_NOT_FOUND,
			_("%s: the Maildir holds no message"), path);
	return best;
}

/* ------------------------------------------------------------ addresses */

/* Removes RFC 5322 comments from a header value, keeping quoted strings
 * as they are. Caller frees. */
static char *strip_comments(const char *s)
{
	char *out = xmalloc(strlen(s) + 1);
	size_t n = 0;
	int depth = 0;
	bool quoted = false;

	for (; *s; s++) {
		if (*s == '\\' && s[1] && (quoted || depth)) {
			if (!depth) {
				out[n++] = s[0];
				out[n++] = s[1];
			}
			s++;
			continue;
		}
		if (!depth && *s == '"')
			quoted = !quoted;
		if (!quoted && *s == '(') {
			depth++;
			continue;
		}
		if (!quoted && depth && *s == ')') {
			depth--;
			continue;
		}
		if (!depth)
			out[n++] = *s;
	}
	out[n] = '\0';
	return out;
}

/* The addr-spec of a mailbox list holding exactly one mailbox (RFC 5322
 * 3.4: "name <addr>" or "addr"), or NULL when there are none or
 * several. Caller frees. */
static char *single_address(const char *value)
{
	char *v = strip_comments(value), *addr = NULL, *lt, *gt;
	bool quoted = false;
	int angle = 0;

	for (char *p = v; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '<')
			angle++;
		else if (!quoted && *p == '>')
			angle--;
		else if (!quoted && !angle && *p == ',')
			goto out; /* several mailboxes */
	}
	lt = strrchr(v, '<');
	if (lt) {
		gt = strchr(lt, '>');
		if (!gt)
			goto out;
		addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	} else {
		addr = xstrdup(v);
	}
	/* Trim and refuse what is no addr-spec. */
	{
		char *a = addr + strspn(addr, " \t");
		size_t len = strlen(a);

		while (len && (a[len - 1] == ' ' || a[len - 1] == '\t'))
			len--;
		memmove(addr, a, len);
		addr[len] = '\0';
	}
	if (!strrchr(addr, '@') || strrchr(addr, '@') == addr ||
	    !strrchr(addr, '@')[1] || strpbrk(addr, " \t<>,")) {
		free(addr);
		addr = NULL;
	}
out:
	free(v);
	return addr;
}

/* The lower-case domain of an address, without a final dot. */
static char *address_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at && at[1] ? text_domain_normalize(at + 1) : NULL;
}

/* ------------------------------------------------------------- Received */

/* What one Received field says about the hop it records. */
struct received {
	char *helo, *ip, *by;
	bool tls;
};

static void received_done(struct received *r)
{
	free(r->helo);
	free(r->ip);
	free(r->by);
	memset(r, 0, sizeof *r);
}

/* The word after "key " in s (case-insensitive, at a word start), or
 * NULL. Caller frees. */
static char *word_after(const char *s, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = s; *p; p++) {
		if ((p == s || p[-1] == ' ' || p[-1] == '\t' || p[-1] == ')') &&
		    text_ieqn(p, key, klen) && (p[klen] == ' ' || p[klen] == '\t')) {
			const char *w = p + klen;
			size_t len;

			w += strspn(w, " \t");
			len = strcspn(w, " \t;()");
			return len ? xstrndup(w, len) : NULL;
		}
	}
	return NULL;
}

/* Reads the "from" clause of a Received field (RFC 5321 4.4: "from
 * HELO (TCP-info) by HOST with PROTOCOL ..."). False when it names no
 * client address (local submission, an internal hop). */
static bool received_parse(const char *value, struct received *out)
{
	char *v = xstrdup(value), *semi, *by, *lb, *rb;
	bool ok = false;

	memset(out, 0, sizeof *out);
	semi = strrchr(v, ';'); /* the date */
	if (semi)
		*semi = '\0';
	if (!text_ieqn(v + strspn(v, " \t"), "from ", 5))
		goto out;
	out->helo = word_after(v, "from");
	out->by = word_after(v, "by");
	/* RFC 5321 4.4: the client's address is in brackets in the
	 * TCP-info, before "by". */
	by = NULL;
	for (char *p = v; *p; p++)
		if ((*p == ' ' || *p == '\t') && text_ieqn(p + 1, "by ", 3)) {
			by = p;
			break;
		}
	lb = strchr(v, '[');
	rb = lb ? strchr(lb, ']') : NULL;
	if (lb && rb && (!by || lb < by)) {
		char *addr = xstrndup(lb + 1, (size_t)(rb - lb - 1));
		const char *a = text_ieqn(addr, "IPv6:", 5) ? addr + 5 : addr;
		struct ip_net net;

		if (ip_addr_parse(a, &net)) {
			out->ip = xstrdup(a);
			ok = true;
		}
		free(addr);
	}
	/* RFC 3848: ESMTPS and its kin mean TLS; Postfix and others also
	 * write "(using TLSv1.3 ...)" or "(version=TLS1_3 ...)". */
	{
		char *with = word_after(v, "with");

		out->tls = (with && (strstr(with, "SMTPS") ||
				     strstr(with, "smtps") ||
				     text_ieq(with, "LMTPS"))) ||
			   strstr(v, "using TLS") || strstr(v, "version=TLS");
		free(with);
	}
out:
	if (!ok)
		received_done(out);
	free(v);
	return ok;
}

/* Whether a hop is one of the operator's own (--trusted-hosts). */
static bool trusted_hop(const struct mail_check_options *o,
			const struct received *r)
{
	struct ip_net addr;

	if (!ip_addr_parse(r->ip, &addr))
		return false;
	for (size_t i = 0; i < o->ntrusted; i++) {
		struct ip_net net;

		if (ip_net_parse(o->trusted[i], AF_UNSPEC, &net)) {
			if (ip_net_contains(&net, &addr))
				return true;
		} else if (r->helo && text_ieq(r->helo, o->trusted[i])) {
			return true;
		}
	}
	return false;
}

/* The value of key= in a Received-SPF field (RFC 7208 9.1), or NULL. */
static char *received_spf_value(const char *value, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = value; *p; p++)
		if ((p == value || strchr(" \t;(", p[-1])) &&
		    text_ieqn(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;

			return xstrndup(v, strcspn(v, " \t;)"));
		}
	return NULL;
}

/* Finds the connecting client: the options first, then the topmost
 * Received field that names a client outside the trusted hosts, then
 * a Received-SPF field. */
static void find_envelope(const struct dkim_msg *msg,
			  const struct mail_check_options *o,
			  struct mail_envelope *env)
{
	char *rp;

	memset(env, 0, sizeof *env);
	if (o->ip) {
		env->ip = xstrdup(o->ip);
		env->source = "options";
	}
	for (size_t i = 0; i < msg->nfields && !env->source; i++) {
		struct received r;
		char *value;

		if (!dkim_field_is(&msg->fields[i], "Received"))
			continue;
		value = xstrndup(msg->fields[i].value,
				 msg->fields[i].value_len);
		for (char *p = value; *p; p++)
			if (*p == '\r' || *p == '\n')
				*p = ' ';
		if (received_parse(value, &r) && !trusted_hop(o, &r)) {
			env->ip = r.ip;
			env->helo = r.helo;
			env->receiver = r.by;
			env->tls_known = true;
			env->tls = r.tls;
			env->source = "received";
			r.ip = r.helo = r.by = NULL;
		}
		received_done(&r);
		free(value);
	}
	if (!env->source) {
		char *spf = dkim_msg_get(msg, "Received-SPF", true, NULL);

		if (spf) {
			env->ip = received_spf_value(spf, "client-ip");
			env->helo = received_spf_value(spf, "helo");
			if (env->ip)
				env->source = "received-spf";
		}
		free(spf);
	}
	if (o->helo) {
		free(env->helo);
		env->helo = xstrdup(o->helo);
	}
	/* RFC 5321 4.4: the final receiver writes the reverse-path into
	 * Return-Path. */
	if (o->mail_from) {
		env->mail_from = xstrdup(strcmp(o->mail_from, "<>") == 0
					     ? ""
					     : o->mail_from);
	} else if ((rp = dkim_msg_get(msg, "Return-Path", true, NULL))) {
		char *clean = strip_comments(rp);
		char *lt = strchr(clean, '<'), *gt = lt ? strchr(lt, '>') : NULL;

		if (lt && gt)
			env->mail_from = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		else
			env->mail_from = xstrdup(clean + strspn(clean, " \t"));
		free(clean);
		free(rp);
	}
}

/* ---------------------------------------------------------- the checks */

/* Forward-confirmed reverse DNS of the client (RFC 8601 2.7.3 iprev):
 * PTR, then the addresses of each name. */
struct fcrdns {
	struct dns *dns;
	struct mail_report *r;
	struct ip_net addr;
	size_t pending;
	bool failed; /* a query failed: cannot tell */
};

/* One forward answer: does it hold the client's address? */
static void fcrdns_forward(void *arg, const struct dns_answer *a)
{
	struct fcrdns *f = arg;

	for (size_t i = 0; i < a->count; i++) {
		const struct dns_rr *rr = &a->rrs[i];
		const void *want = f->addr.addr;

		if ((rr->type == DNS_T_A && f->addr.family == AF_INET &&
		     memcmp(&rr->u.a, want, 4) == 0) ||
		    (rr->type == DNS_T_AAAA && f->addr.family == AF_INET6 &&
		     memcmp(&rr->u.aaaa, want, 16) == 0)) {
			f->r->fcrdns = MAIL_RULE_PASS;
			free(f->r->ptr);
			f->r->ptr = xstrdup(a->qname);
		}
	}
	if (a->result == DNS_SERVFAIL || a->result == DNS_TIMEOUT ||
	    a->result == DNS_ERROR)
		f->failed = true;
	if (--f->pending == 0) {
		if (f->r->fcrdns != MAIL_RULE_PASS)
			f->r->fcrdns = f->failed ? MAIL_RULE_UNKNOWN
						 : MAIL_RULE_FAIL;
		free(f);
	}
}

/* The PTR answer: ask the addresses of each name. */
static void fcrdns_reverse(void *arg, const struct dns_answer *a)
{
	struct fcrdns *f = arg;
	size_t asked = 0;

	if (a->result == DNS_SERVFAIL || a->result == DNS_TIMEOUT ||
	    a->result == DNS_ERROR)
		f->r->fcrdns = MAIL_RULE_UNKNOWN;
	else
		f->r->fcrdns = MAIL_RULE_FAIL;
	for (size_t i = 0; i < a->count && asked < MAIL_MAX_PTR; i++) {
		if (a->rrs[i].type != DNS_T_PTR)
			continue;
		if (!f->r->ptr)
			f->r->ptr = xstrdup(a->rrs[i].u.host);
		f->pending++;
		asked++;
		dns_query(f->dns, a->rrs[i].u.host,
			  f->addr.family == AF_INET ? DNS_T_A : DNS_T_AAAA,
			  fcrdns_forward, f);
	}
	if (asked == 0)
		free(f);
}

/* Keeps SPF's outcome. */
static void spf_done(void *arg, struct spf_outcome *outcome)
{
	struct mail_report *r = arg;

	r->spf = *outcome;
	memset(outcome, 0, sizeof *outcome);
	r->spf_checked = true;
}

/* Starts SPF for the client and the reverse-path (RFC 7208 2.4: the
 * HELO identity when the reverse-path is null). */
static void start_spf(struct dns *dns, struct mail_report *r,
		      struct spf_eval **ev)
{
	struct spf_query q = { 0 };

	*ev = NULL;
	if (!r->env.ip) {
		r->spf_why = xstrdup(_("the connecting address is not known: "
				       "no Received field names it (use "
				       "--ip)"));
		return;
	}
	if (!r->env.mail_from) {
		r->spf_why = xstrdup(_("the envelope sender is not known: "
				       "no Return-Path (use --mail-from)"));
		return;
	}
	if (!*r->env.mail_from && !r->env.helo) {
		r->spf_why = xstrdup(_("the null sender with no HELO name "
				       "(use --helo)"));
		return;
	}
	if (!ip_addr_parse(r->env.ip, &q.ip)) {
		r->spf_why = xasprintf(_("'%s' is not an IP address"),
				       r->env.ip);
		return;
	}
	q.sender = r->env.mail_from;
	q.helo = r->env.helo;
	q.receiver = r->env.receiver;
	r->spf_domain = *r->env.mail_from ? address_domain(r->env.mail_from)
					   : text_domain_normalize(r->env.helo);
	if (!r->spf_domain) {
		r->spf_why = xasprintf(_("'%s' has no domain"),
				       r->env.mail_from);
		return;
	}
	*ev = spf_eval_start(dns, &q, spf_done, r);
}

/* Starts the FCrDNS lookups of the client. */
static void start_fcrdns(struct dns *dns, struct mail_report *r)
{
	struct fcrdns *f;

	r->fcrdns = MAIL_RULE_UNKNOWN;
	if (!r->env.ip)
		return;
	f = xcalloc(1, sizeof *f);
	if (!ip_addr_parse(r->env.ip, &f->addr)) {
		free(f);
		return;
	}
	f->dns = dns;
	f->r = r;
	dns_query_reverse(dns, r->env.ip, fcrdns_reverse, f);
}

/* DMARC identifier alignment (RFC 7489 3.1): strict is equality,
 * relaxed the same organizational domain. */
static bool aligned(const struct orgdomain *od, const char *a, const char *b,
		    enum dmarc_align mode)
{
	if (!a || !b)
		return false;
	if (mode == DMARC_ALIGN_STRICT)
		return text_ieq(a, b);
	return orgdomain_same(od, a, b);
}

/* Computes the DMARC result as a receiver does (RFC 7489 6.6.2, RFC
 * 9989 4.8): pass when an aligned identifier passes. */
static void judge_dmarc(const struct orgdomain *od, struct mail_report *r)
{
	const struct dmarc_result *d = r->dmarc;
	enum dmarc_align adkim = DMARC_ALIGN_RELAXED, aspf = DMARC_ALIGN_RELAXED;

	if (d && d->record) {
		if (d->parsed.adkim)
			adkim = d->parsed.adkim;
		if (d->parsed.aspf)
			aspf = d->parsed.aspf;
	}
	for (size_t i = 0; i < r->dkim.count && r->from_domain; i++) {
		const struct dkim_check *k = &r->dkim.items[i];

		if (k->result == DKIM_PASS &&
		    aligned(od, k->sig.d, r->from_domain, adkim)) {
			r->dkim_aligned = true;
			free(r->dkim_aligned_domain);
			r->dkim_aligned_domain = xstrdup(k->sig.d);
			break;
		}
	}
	r->spf_aligned = r->spf_checked && r->spf.result == SPF_PASS &&
			 aligned(od, r->spf_domain, r->from_domain, aspf);
	if (!d) {
		r->dmarc_verdict = "none";
	} else if (d->status != STATUS_OK) {
		r->dmarc_verdict = "temperror";
	} else if (!d->record) {
		r->dmarc_verdict = "none";
	} else {
		r->dmarc_verdict =
		    r->spf_aligned || r->dkim_aligned ? "pass" : "fail";
		r->disposition = d->policy;
	}
}

/* Adds a bulk-sender rule. */
static void rule(struct mail_report *r, const char *id, const char *senders,
		 enum mail_rule_result result, char *detail, char *fix)
{
	struct mail_rule *m;

	r->rules = xrealloc(r->rules, (r->nrules + 1) * sizeof *r->rules);
	m = &r->rules[r->nrules++];
	m->rule = id;
	m->senders = senders;
	m->result = result;
	m->detail = detail;
	if (result == MAIL_RULE_PASS) {
		free(fix);
		fix = NULL;
	}
	m->fix = fix;
	if (result == MAIL_RULE_FAIL) {
		struct finding *f = findings_add(
		    &r->findings, F_MAIL_BULK_RULE,
		    _("bulk-sender rule %s fails: %s"), id, detail);

		if (fix)
			finding_set_advice(f, fix);
	}
}

/* RFC 5322 3.3: a date-time, with the obsolete forms of 4.3 (two-digit
 * years, named zones) that receivers still accept. */
static bool date_valid(const char *s)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
					      "May", "Jun", "Jul", "Aug",
					      "Sep", "Oct", "Nov", "Dec" };
	char *v = strip_comments(s), mon[4] = "", zone[8] = "";
	int day, year, hh, mm, ss = 0, used = 0, n;
	const char *p = v + strspn(v, " \t");
	bool ok = false;

	if (strchr(p, ',')) {
		static const char *const days[] = { "Mon", "Tue", "Wed",
						    "Thu", "Fri", "Sat",
						    "Sun" };
		bool known = false;

		for (int i = 0; i < 7; i++)
			known |= text_ieqn(p, days[i], 3) &&
				 strchr(p, ',') - p <= 4;
		if (!known)
			goto out;
		p = strchr(p, ',') + 1;
	}
	n = sscanf(p, "%2d %3s %4d %2d:%2d%n", &day, mon, &year, &hh, &mm,
		   &used);
	if (n != 5)
		goto out;
	p += used;
	if (*p == ':') {
		if (sscanf(p, ":%2d%n", &ss, &used) != 1)
			goto out;
		p += used;
	}
	if (sscanf(p, " %7s", zone) != 1)
		goto out;
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 ||
	    year < 0)
		goto out;
	for (int i = 0; i < 12; i++)
		ok |= text_ieq(mon, months[i]);
	if (!ok)
		goto out;
	ok = ((zone[0] == '+' || zone[0] == '-') && strlen(zone) == 5 &&
	      strspn(zone + 1, "0123456789") == 4) ||
	     strspn(zone, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") ==
		 strlen(zone);
	if (ok)
		ok = p[strspn(p, " \t") + strlen(zone)] == '\0' ||
		     p[strspn(p, " \t") + strlen(zone)] == ' ';
out:
	free(v);
	return ok;
}

/* RFC 5322 3.6.4: msg-id = "<" id-left "@" id-right ">". */
static bool message_id_valid(const char *s)
{
	char *v = strip_comments(s);
	const char *p = v + strspn(v, " \t");
	size_t len = strcspn(p, " \t");
	const char *at = memchr(p, '@', len);
	bool ok = len >= 5 && p[0] == '<' && p[len - 1] == '>' && at &&
		  at > p + 1 && at < p + len - 2 &&
		  p[len + strspn(p + len, " \t")] == '\0' &&
		  !memchr(p + 1, '<', len - 1);

	free(v);
	return ok;
}

/* The rules of Gmail and Yahoo (February 2024) and Outlook (May 2025)
 * for bulk senders, as far as one message shows them. */
static void judge_bulk(struct mail_report *r)
{
	const char *from = r->from_domain ? r->from_domain : "?";
	const struct dkim_check *own = NULL;
	size_t npass = 0;
	char *lu, *lup;

	/* SPF for the envelope sender's domain. */
	if (!r->spf_checked)
		rule(r, "spf_pass", "gmail yahoo outlook", MAIL_RULE_UNKNOWN,
		     xstrdup(r->spf_why ? r->spf_why : ""),
		     xstrdup(_("Give the connecting address with --ip and the "
			       "envelope sender with --mail-from.")));
	else
		rule(r, "spf_pass", "gmail yahoo outlook",
		     r->spf.result == SPF_PASS ? MAIL_RULE_PASS
					       : MAIL_RULE_FAIL,
		     xasprintf(_("SPF %s for %s from %s"),
			       spf_result_name(r->spf.result),
			       r->spf_domain, r->env.ip),
		     xasprintf(_("Authorize %s in the SPF record of %s (see "
				 "'dmarcpilot spf eval %s %s')."),
			       r->env.ip, r->spf_domain, r->spf_domain,
			       r->env.ip));
	/* DKIM: a valid signature, and the From domain's key size. */
	for (size_t i = 0; i < r->dkim.count; i++) {
		const struct dkim_check *k = &r->dkim.items[i];

		if (k->result != DKIM_PASS)
			continue;
		npass++;
		if (!own && r->dkim_aligned_domain &&
		    text_ieq(k->sig.d, r->dkim_aligned_domain))
			own = k;
	}
	rule(r, "dkim_pass", "gmail yahoo outlook",
	     npass ? MAIL_RULE_PASS : MAIL_RULE_FAIL,
	     npass ? xasprintf(P_("%zu valid DKIM signature",
				  "%zu valid DKIM signatures", npass),
			       npass)
		   : xstrdup(r->dkim.count ? _("no DKIM signature verifies")
					   : _("the message is not signed")),
	     xasprintf(_("Sign with a key published under %s "
			 "('dmarcpilot dkim keygen %s SELECTOR')."),
		       from, from));
	rule(r, "dkim_key_size", "gmail yahoo",
	     own ? (own->bits >= DKIM_RSA_MIN_BITS ? MAIL_RULE_PASS
						   : MAIL_RULE_FAIL)
		 : MAIL_RULE_FAIL,
	     own ? xasprintf(_("the aligned signature of %s uses a %d-bit "
			       "%s key"),
			     own->sig.d, own->bits,
			     own->sig.alg == DKIM_ALG_ED25519_SHA256
				 ? "ed25519"
				 : "rsa")
		 : xasprintf(_("no valid DKIM signature aligned with %s"),
			     from),
	     xstrdup(_("Sign with an RSA key of at least 1024 bits (2048 "
		       "recommended) in the From domain.")));
	/* DMARC: a record, and a pass with alignment. */
	if (!r->dmarc || r->dmarc->status != STATUS_OK)
		rule(r, "dmarc_record", "gmail yahoo outlook",
		     MAIL_RULE_UNKNOWN,
		     xstrdup(r->dmarc && r->dmarc->error
				 ? r->dmarc->error
				 : _("the message has no usable From")),
		     xstrdup(_("Check again when DNS answers.")));
	else
		rule(r, "dmarc_record", "gmail yahoo outlook",
		     r->dmarc->record ? MAIL_RULE_PASS : MAIL_RULE_FAIL,
		     r->dmarc->record
			 ? xasprintf(_("%s publishes %s"),
				     r->dmarc->source, r->dmarc->record)
			 : xasprintf(_("no DMARC record applies to %s"),
				     from),
		     xasprintf(_("Publish _dmarc.%s TXT \"v=DMARC1; p=none; "
				 "rua=mailto:...\" ('dmarcpilot dmarc check "
				 "%s')."),
			       from, from));
	rule(r, "dmarc_pass", "gmail yahoo outlook",
	     strcmp(r->dmarc_verdict, "pass") == 0 ? MAIL_RULE_PASS
	     : strcmp(r->dmarc_verdict, "temperror") == 0
		 ? MAIL_RULE_UNKNOWN
		 : MAIL_RULE_FAIL,
	     xasprintf(_("DMARC %s (SPF %saligned, DKIM %saligned)"),
		       r->dmarc_verdict, r->spf_aligned ? "" : _("not "),
		       r->dkim_aligned ? "" : _("not ")),
	     xasprintf(_("Sign with d=%s, or send with a Return-Path in "
			 "%s, so that SPF or DKIM aligns with From."),
		       from, from));
	/* Forward-confirmed reverse DNS of the client. */
	rule(r, "fcrdns", "gmail yahoo", (enum mail_rule_result)r->fcrdns,
	     r->env.ip ? (r->ptr ? xasprintf(_("%s has PTR %s%s"), r->env.ip,
					     r->ptr,
					     r->fcrdns == MAIL_RULE_PASS
						 ? _(", which resolves back")
						 : _(", which does not "
						     "resolve back"))
				 : xasprintf(_("%s has no PTR record"),
					     r->env.ip))
		       : xstrdup(_("the connecting address is not known")),
	     xstrdup(_("Give the sending address a PTR record whose name "
		       "resolves back to it (ask the owner of the address "
		       "block).")));
	/* TLS on the hop into the receiver. */
	rule(r, "tls", "gmail",
	     !r->env.tls_known ? MAIL_RULE_UNKNOWN
	     : r->env.tls      ? MAIL_RULE_PASS
			       : MAIL_RULE_FAIL,
	     xstrdup(!r->env.tls_known ? _("no Received field of the "
					   "receiver")
		     : r->env.tls      ? _("the receiver logged TLS")
				       : _("the receiver logged no TLS")),
	     xstrdup(_("Enable STARTTLS on the sending server (Postfix: "
		       "smtp_tls_security_level = may).")));
	/* RFC 8058: one-click unsubscribe, signed. */
	lu = dkim_msg_get(&r->msg, "List-Unsubscribe", true, NULL);
	lup = dkim_msg_get(&r->msg, "List-Unsubscribe-Post", true, NULL);
	if (!lu && !lup) {
		rule(r, "one_click_unsubscribe", "gmail yahoo",
		     MAIL_RULE_UNKNOWN,
		     xstrdup(_("no List-Unsubscribe: required only for "
			       "marketing and subscribed mail")),
		     xstrdup(_("For marketing mail, add List-Unsubscribe "
			       "with an https URI and List-Unsubscribe-Post: "
			       "List-Unsubscribe=One-Click (RFC 8058), both "
			       "signed by DKIM.")));
	} else {
		bool https = lu && strstr(lu, "<https://");
		bool post = lup && text_ieq(lup, "List-Unsubscribe=One-Click");
		bool signed_ = false;

		for (size_t i = 0; i < r->dkim.count; i++) {
			const struct dkim_check *k = &r->dkim.items[i];

			if (k->result == DKIM_PASS &&
			    dkim_sig_covers(&k->sig, "List-Unsubscribe") &&
			    dkim_sig_covers(&k->sig, "List-Unsubscribe-Post"))
				signed_ = true;
		}
		rule(r, "one_click_unsubscribe", "gmail yahoo",
		     https && post && signed_ ? MAIL_RULE_PASS
					      : MAIL_RULE_FAIL,
		     xstrdup(!https  ? _("List-Unsubscribe has no https URI")
			     : !post ? _("List-Unsubscribe-Post is not "
					 "List-Unsubscribe=One-Click")
				     : signed_ ? _("one-click unsubscribe, "
						   "signed")
					       : _("no valid DKIM signature "
						   "covers both fields")),
		     xstrdup(_("Send List-Unsubscribe: <https://...> and "
			       "List-Unsubscribe-Post: "
			       "List-Unsubscribe=One-Click, and list both in "
			       "the signer's h= (RFC 8058 4).")));
	}
	free(lu);
	free(lup);
	/* RFC 5322 3.6: one From with one mailbox, one Date, a Message-ID. */
	{
		char *date = dkim_msg_get(&r->msg, "Date", true, NULL);
		char *mid = dkim_msg_get(&r->msg, "Message-ID", true, NULL);
		const char *bad = NULL;

		if (dkim_msg_count(&r->msg, "From") != 1 || !r->from)
			bad = _("From must appear once, with one address");
		else if (dkim_msg_count(&r->msg, "Date") != 1 || !date ||
			 !date_valid(date))
			bad = _("Date is missing, repeated or malformed");
		else if (dkim_msg_count(&r->msg, "Message-ID") > 1 || !mid ||
			 !message_id_valid(mid))
			bad = _("Message-ID is missing, repeated or "
				"malformed");
		rule(r, "message_format", "gmail outlook",
		     bad ? MAIL_RULE_FAIL : MAIL_RULE_PASS,
		     xstrdup(bad ? bad
				 : _("From, Date and Message-ID are "
				     "well-formed")),
		     xstrdup(_("Have the sending software write one From "
			       "with one address, a Date and a Message-ID "
			       "as RFC 5322 3.6 defines them.")));
		if (bad)
			findings_add(&r->findings, F_MAIL_HEADER, "%s", bad);
		free(date);
		free(mid);
	}
}

/* Whether a receiver's word and ours say the same: pass against pass,
 * anything else against anything else (receivers name failures
 * differently: neutral, policy, permerror). */
static bool same_verdict(const char *theirs, const char *ours)
{
	return (strcmp(theirs, "pass") == 0) == (strcmp(ours, "pass") == 0);
}

/* Records a disagreement. */
static void disagree(struct mail_report *r, const char *authserv_id,
		     const char *method, const char *identity,
		     const char *theirs, const char *ours)
{
	struct mail_disagreement *d;

	r->dis = xrealloc(r->dis, (r->ndis + 1) * sizeof *r->dis);
	d = &r->dis[r->ndis++];
	d->authserv_id = xstrdup(authserv_id);
	d->method = xstrdup(method);
	d->identity = xstrdup_or_null(identity);
	d->theirs = xstrdup(theirs);
	d->ours = xstrdup(ours);
	findings_add(&r->findings, F_MAIL_AR_DISAGREE,
		     _("%s says %s=%s%s%s, dmarcpilot finds %s"), authserv_id,
		     method, theirs, identity ? " for " : "",
		     identity ? identity : "", ours);
}

/* The DKIM check a receiver's dkim result is about: by header.d (or
 * the domain of header.i), header.s, and header.b when use_b. */
static const struct dkim_check *match_dkim_by(const struct mail_report *r,
					      const struct authres_result *a,
					      bool use_b)
{
	const char *d = authres_prop_get(a, "header", "d");
	const char *i = authres_prop_get(a, "header", "i");
	const char *s = authres_prop_get(a, "header", "s");
	const char *b = authres_prop_get(a, "header", "b");
	const struct dkim_check *found = NULL;
	char *dom = NULL;

	if (!d && i && strchr(i, '@'))
		d = dom = text_domain_normalize(strrchr(i, '@') + 1);
	for (size_t n = 0; n < r->dkim.count && d; n++) {
		const struct dkim_check *k = &r->dkim.items[n];
		const struct dkim_field *f = &r->msg.fields[k->field];

		if (!k->parsed || !text_ieq(k->sig.d, d) ||
		    (s && !text_ieq(k->sig.s, s)))
			continue;
		/* RFC 6008: header.b is a prefix of b= (FWS removed). */
		if (use_b && b) {
			char *compact = xstrndup(f->value, f->value_len);
			char *w = compact;
			char *at;

			for (char *p = compact; *p; p++)
				if (!strchr(" \t\r\n", *p))
					*w++ = *p;
			*w = '\0';
			at = strstr(compact, ";b=");
			if (!at && strncmp(compact, "b=", 2) == 0)
				at = compact - 1;
			if (at && strncmp(at + 3, b, strlen(b)) != 0) {
				free(compact);
				continue;
			}
			free(compact);
		}
		found = k;
		break;
	}
	free(dom);
	return found;
}

/* The check by header.b first (RFC 6008 tells signatures of one d= and
 * s= apart by it), else by header.d and header.s alone. */
static const struct dkim_check *match_dkim(const struct mail_report *r,
					   const struct authres_result *a)
{
	const struct dkim_check *k = match_dkim_by(r, a, true);

	return k ? k : match_dkim_by(r, a, false);
}

/* Reads every Authentication-Results field and sets it beside ours. */
static void compare_authres(struct mail_report *r)
{
	for (size_t i = 0; i < r->msg.nfields && r->nar < MAIL_MAX_AR; i++) {
		const struct dkim_field *f = &r->msg.fields[i];
		struct err err = ERR_INIT;
		struct authres ar;

		if (!dkim_field_is(f, "Authentication-Results"))
			continue;
		if (authres_parse(f->value, f->value_len, &ar, &err) !=
		    STATUS_OK) {
			findings_add(&r->findings, F_MAIL_AR_SYNTAX,
				     _("an Authentication-Results field "
				       "cannot be read: %s"),
				     err_message(&err));
			err_done(&err);
			continue;
		}
		r->ar = xrealloc(r->ar, (r->nar + 1) * sizeof *r->ar);
		r->ar[r->nar++] = ar;
	}
	for (size_t n = 0; n < r->nar; n++) {
		const struct authres *ar = &r->ar[n];

		for (size_t k = 0; k < ar->count; k++) {
			const struct authres_result *a = &ar->results[k];

			if (strcmp(a->method, "spf") == 0 && r->spf_checked) {
				const char *ours = spf_result_name(r->spf.result);

				if (strcmp(a->result, ours) != 0)
					disagree(r, ar->authserv_id, "spf",
						 authres_prop_get(a, "smtp",
								  "mailfrom"),
						 a->result, ours);
			} else if (strcmp(a->method, "dkim") == 0) {
				const struct dkim_check *c = match_dkim(r, a);
				const char *ours =
				    c ? dkim_result_name(c->result) : "none";

				if (!same_verdict(a->result, ours))
					disagree(r, ar->authserv_id, "dkim",
						 authres_prop_get(a, "header",
								  "d")
						     ? authres_prop_get(
							   a, "header", "d")
						     : authres_prop_get(
							   a, "header", "i"),
						 a->result, ours);
			} else if (strcmp(a->method, "dmarc") == 0 &&
				   !same_verdict(a->result,
						 r->dmarc_verdict)) {
				disagree(r, ar->authserv_id, "dmarc",
					 authres_prop_get(a, "header", "from"),
					 a->result, r->dmarc_verdict);
			}
		}
	}
}

/* Findings for DKIM results, SPF and DMARC failures. */
static void add_findings(struct mail_report *r)
{
	if (r->dkim.skipped)
		findings_add(&r->findings, F_DKIM_TOO_MANY,
			     _("%zu more DKIM signatures were not verified "
			       "(at most %d are)"),
			     r->dkim.skipped, DKIM_MAX_SIGNATURES);
	for (size_t i = 0; i < r->dkim.count; i++) {
		const struct dkim_check *k = &r->dkim.items[i];
		enum finding_code code = F_DKIM_SYNTAX;
		struct finding *f;

		if (k->parsed && k->sig.alg == DKIM_ALG_RSA_SHA1)
			finding_set_selector(
			    findings_add(&r->findings, F_DKIM_SHA1,
					 _("the signature of %s uses rsa-sha1, "
					   "which RFC 8301 forbids signers to "
					   "use"),
					 k->sig.d),
			    k->sig.s);
		if (k->parsed && k->sig.has_l)
			finding_set_selector(
			    findings_add(&r->findings, F_DKIM_LENGTH,
					 _("the signature of %s covers only "
					   "the first %llu octets of the body "
					   "(l=): text can be added below"),
					 k->sig.d,
					 (unsigned long long)k->sig.l),
			    k->sig.s);
		if (k->result == DKIM_PASS)
			continue;
		switch (k->reason) {
		case DKIM_REASON_BODY_HASH:
			code = F_DKIM_BODY_HASH;
			break;
		case DKIM_REASON_SIGNATURE:
			code = F_DKIM_BAD_SIGNATURE;
			break;
		case DKIM_REASON_KEY_MISSING:
			code = F_DKIM_MISSING;
			break;
		case DKIM_REASON_KEY_REVOKED:
			code = F_DKIM_REVOKED;
			break;
		case DKIM_REASON_KEY_SIZE:
			code = k->bits > DKIM_VERIFY_MAX_BITS
				   ? F_DKIM_KEY_TOO_LARGE
				   : F_DKIM_WEAK_KEY;
			break;
		case DKIM_REASON_EXPIRED:
			code = F_DKIM_EXPIRED;
			break;
		case DKIM_REASON_FUTURE:
			code = F_DKIM_FUTURE;
			break;
		case DKIM_REASON_DNS:
			code = F_DNS_TEMPERROR;
			break;
		case DKIM_REASON_LENGTH:
			code = F_DKIM_LENGTH;
			break;
		default:
			code = F_DKIM_SYNTAX;
			break;
		}
		f = findings_add(&r->findings, code,
				 _("DKIM signature of %s: %s"),
				 k->sig.d ? k->sig.d : "?",
				 k->detail ? k->detail : "");
		if (code == F_DKIM_LENGTH)
			f->severity = SEVERITY_ERROR;
		finding_set_selector(f, k->sig.s);
	}
	if (r->spf_checked && r->spf.result != SPF_PASS)
		findings_add(&r->findings, F_MAIL_SPF_FAIL,
			     _("SPF %s for %s from %s"),
			     spf_result_name(r->spf.result), r->spf_domain,
			     r->env.ip);
	if (strcmp(r->arc.result, "fail") == 0)
		findings_add(&r->findings, F_MAIL_ARC_FAIL,
			     _("the ARC chain is broken: %s"),
			     r->arc.detail ? r->arc.detail : "");
	if (strcmp(r->dmarc_verdict, "fail") == 0)
		findings_add(&r->findings, F_MAIL_DMARC_FAIL,
			     _("DMARC fails for %s: neither SPF nor DKIM "
			       "passes aligned with From; the policy is %s"),
			     r->from_domain, dmarc_policy_name(r->disposition));
}

/* Checks a message end to end. */
enum status mail_check_run(struct dns *dns, const struct orgdomain *od,
			   const char *data, size_t len,
			   const struct mail_check_options *o,
			   struct mail_report *out, struct err *err)
{
	struct dmarc_discovery *disc = NULL;
	struct spf_eval *ev = NULL;
	enum status st;
	char *from;

	memset(out, 0, sizeof *out);
	out->dmarc_verdict = "none";
	out->arc.result = "none";
	out->fcrdns = MAIL_RULE_UNKNOWN;
	st = dkim_msg_parse(data, len, &out->msg, err);
	if (st != STATUS_OK)
		return st;
	from = dkim_msg_get(&out->msg, "From", true, NULL);
	if (from && dkim_msg_count(&out->msg, "From") == 1) {
		out->from = single_address(from);
		if (out->from)
			out->from_domain = address_domain(out->from);
	}
	free(from);
	find_envelope(&out->msg, o, &out->env);

	/* Everything that needs DNS goes out at once (DESIGN.md 3). */
	dkim_checks_start(dns, &out->msg, &out->dkim);
	arc_start(dns, &out->msg, &out->arc);
	start_spf(dns, out, &ev);
	start_fcrdns(dns, out);
	if (out->from_domain)
		disc = dmarc_discover(dns, od, out->from_domain, 0);
	if (dns_run(dns) != STATUS_OK) {
		st = err_set(err, STATUS_IO,
			     _("the resolver's poll loop failed"));
		goto out;
	}
	dkim_checks_finish(&out->msg, &out->dkim, o->now);
	arc_finish(&out->msg, &out->arc, o->now);
	if (disc)
		out->dmarc = dmarc_discovery_take(disc);
	judge_dmarc(od, out);
	judge_bulk(out);
	compare_authres(out);
	add_findings(out);
out:
	spf_eval_free(ev);
	dmarc_discovery_free(disc);
	return st;
}

/* The instant x= and t= are judged at (mail_check.h). */
int64_t mail_check_clock(date_t today, time_t clock)
{
	return (int64_t)date_to_time(today) + (int64_t)(clock % 86400);
}

/* Exit 0 or 1. */
bool mail_report_good(const struct mail_report *r)
{
	if (strcmp(r->dmarc_verdict, "pass") != 0)
		return false;
	for (size_t i = 0; i < r->nrules; i++)
		if (r->rules[i].result == MAIL_RULE_FAIL)
			return false;
	return true;
}

/* "pass", "fail", "cannot_tell". */
const char *mail_rule_result_name(enum mail_rule_result result)
{
	switch (result) {
	case MAIL_RULE_PASS:
		return "pass";
	case MAIL_RULE_FAIL:
		return "fail";
	case MAIL_RULE_UNKNOWN:
		break;
	}
	return "cannot_tell";
}

/* A JSON string, or null. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The ARC chain as JSON: result, instances, broken (the hop that broke
 * it), detail, oldest_pass and each hop's signer. */
static json_t *arc_to_json(const struct arc_chain *c)
{
	json_t *o = json_object(), *hops = json_array();

	json_object_set_new(o, "result", json_string(c->result));
	json_object_set_new(o, "instances", json_integer((json_int_t)c->count));
	json_object_set_new(o, "broken", c->broken ? json_integer(c->broken)
						   : json_null());
	json_object_set_new(o, "detail", str_or_null(c->detail));
	json_object_set_new(o, "oldest_pass",
			    c->oldest_pass ? json_integer(c->oldest_pass)
					   : json_null());
	for (size_t n = 0; n < c->count && c->hops; n++) {
		const struct arc_hop *h = &c->hops[n];
		json_t *e = json_object();

		json_object_set_new(e, "instance", json_integer((json_int_t)n + 1));
		json_object_set_new(e, "domain",
				    str_or_null(h->seal_check.sig.d));
		json_object_set_new(e, "selector",
				    str_or_null(h->seal_check.sig.s));
		json_object_set_new(e, "authserv_id",
				    str_or_null(h->authserv_id));
		json_array_append_new(hops, e);
	}
	json_object_set_new(o, "hops", hops);
	return o;
}

/* The report as JSON. */
json_t *mail_report_to_json(const struct mail_report *r)
{
	json_t *o = json_object(), *a, *e;

	json_object_set_new(o, "from", str_or_null(r->from));
	json_object_set_new(o, "from_domain", str_or_null(r->from_domain));
	e = json_object();
	json_object_set_new(e, "ip", str_or_null(r->env.ip));
	json_object_set_new(e, "helo", str_or_null(r->env.helo));
	json_object_set_new(e, "mail_from", str_or_null(r->env.mail_from));
	json_object_set_new(e, "receiver", str_or_null(r->env.receiver));
	json_object_set_new(e, "source", str_or_null(r->env.source));
	json_object_set_new(e, "tls", r->env.tls_known
					  ? json_boolean(r->env.tls)
					  : json_null());
	json_object_set_new(o, "envelope", e);

	a = json_array();
	for (size_t i = 0; i < r->dkim.count; i++) {
		const struct dkim_check *k = &r->dkim.items[i];

		e = json_object();
		json_object_set_new(e, "domain", str_or_null(k->sig.d));
		json_object_set_new(e, "selector", str_or_null(k->sig.s));
		json_object_set_new(e, "result",
				    json_string(dkim_result_name(k->result)));
		json_object_set_new(
		    e, "reason",
		    k->result == DKIM_PASS
			? json_null()
			: json_string(dkim_reason_name(k->reason)));
		json_object_set_new(e, "detail", str_or_null(k->detail));
		json_object_set_new(e, "algorithm",
				    k->parsed ? json_string(dkim_alg_name(
						    k->sig.alg))
					      : json_null());
		json_object_set_new(e, "bits", k->bits ? json_integer(k->bits)
						       : json_null());
		json_object_set_new(e, "testing", json_boolean(k->testing));
		json_object_set_new(
		    e, "body_length",
		    k->parsed && k->sig.has_l
			? json_integer((json_int_t)k->sig.l)
			: json_null());
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "dkim", a);
	json_object_set_new(o, "dkim_skipped",
			    json_integer((json_int_t)r->dkim.skipped));

	json_object_set_new(o, "arc", arc_to_json(&r->arc));

	e = json_object();
	json_object_set_new(e, "result",
			    r->spf_checked
				? json_string(spf_result_name(r->spf.result))
				: json_null());
	json_object_set_new(e, "domain", str_or_null(r->spf_domain));
	json_object_set_new(e, "ip", str_or_null(r->env.ip));
	json_object_set_new(e, "mail_from", str_or_null(r->env.mail_from));
	json_object_set_new(e, "helo", str_or_null(r->env.helo));
	json_object_set_new(e, "mechanism", str_or_null(r->spf.mechanism));
	json_object_set_new(e, "reason",
			    str_or_null(r->spf_checked ? r->spf.reason
						       : r->spf_why));
	json_object_set_new(o, "spf", e);

	e = json_object();
	json_object_set_new(e, "domain", str_or_null(r->from_domain));
	json_object_set_new(e, "result", json_string(r->dmarc_verdict));
	json_object_set_new(e, "record",
			    str_or_null(r->dmarc ? r->dmarc->record : NULL));
	json_object_set_new(e, "source",
			    str_or_null(r->dmarc ? r->dmarc->source : NULL));
	json_object_set_new(
	    e, "policy",
	    r->dmarc && r->dmarc->record
		? json_string(dmarc_policy_name(r->dmarc->policy))
		: json_null());
	json_object_set_new(e, "spf_aligned", json_boolean(r->spf_aligned));
	json_object_set_new(e, "dkim_aligned", json_boolean(r->dkim_aligned));
	json_object_set_new(
	    e, "disposition",
	    strcmp(r->dmarc_verdict, "fail") == 0
		? json_string(dmarc_policy_name(r->disposition))
		: json_null());
	if (r->dmarc && r->dmarc->record) {
		json_object_set_new(e, "pct",
				    json_integer(dmarc_pct(&r->dmarc->parsed)));
		json_object_set_new(
		    e, "testing",
		    json_boolean(r->dmarc->parsed.t == DMARC_BOOL_YES));
	}
	json_object_set_new(o, "dmarc", e);

	a = json_array();
	for (size_t i = 0; i < r->nar; i++)
		json_array_append_new(a, authres_to_json(&r->ar[i]));
	json_object_set_new(o, "authentication_results", a);

	a = json_array();
	for (size_t i = 0; i < r->ndis; i++) {
		const struct mail_disagreement *d = &r->dis[i];

		e = json_object();
		json_object_set_new(e, "authserv_id",
				    json_string(d->authserv_id));
		json_object_set_new(e, "method", json_string(d->method));
		json_object_set_new(e, "identity", str_or_null(d->identity));
		json_object_set_new(e, "theirs", json_string(d->theirs));
		json_object_set_new(e, "ours", json_string(d->ours));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "disagreements", a);

	a = json_array();
	for (size_t i = 0; i < r->nrules; i++) {
		const struct mail_rule *m = &r->rules[i];

		e = json_object();
		json_object_set_new(e, "rule", json_string(m->rule));
		json_object_set_new(e, "result", json_string(
						     mail_rule_result_name(
							 m->result)));
		json_object_set_new(e, "fix", str_or_null(m->fix));
		json_object_set_new(e, "detail", str_or_null(m->detail));
		json_object_set_new(e, "senders", json_string(m->senders));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "bulk_sender", a);
	json_object_set_new(o, "findings", findings_to_json(&r->findings));
	json_object_set_new(o, "good", json_boolean(mail_report_good(r)));
	return o;
}

/* Frees everything of a report. */
void mail_report_done(struct mail_report *r)
{
	dkim_checks_done(&r->dkim);
	arc_chain_done(&r->arc);
	dkim_msg_done(&r->msg);
	free(r->from);
	free(r->from_domain);
	free(r->env.ip);
	free(r->env.helo);
	free(r->env.mail_from);
	free(r->env.receiver);
	free(r->spf_domain);
	spf_outcome_done(&r->spf);
	free(r->spf_why);
	dmarc_result_free(r->dmarc);
	free(r->dkim_aligned_domain);
	free(r->ptr);
	for (size_t i = 0; i < r->nar; i++)
		authres_done(&r->ar[i]);
	free(r->ar);
	for (size_t i = 0; i < r->ndis; i++) {
		free(r->dis[i].authserv_id);
		free(r->dis[i].method);
		free(r->dis[i].identity);
		free(r->dis[i].theirs);
		free(r->dis[i].ours);
	}
	free(r->dis);
	for (size_t i = 0; i < r->nrules; i++) {
		free(r->rules[i].detail);
		free(r->rules[i].fix);
	}
	free(r->rules);
	findings_done(&r->findings);
	memset(r, 0, sizeof *r);
}
