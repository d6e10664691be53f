/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The per-day sums report summary and the plan read (report_day and
 * report_day_source): randomized reports, whose dates fall anywhere in
 * their day, are imported (with duplicates and a rejected file among
 * them), and the per-day and per-source queries over random windows
 * must give exactly what a computation over the generated records
 * gives; then again after the sums are dropped and rebuilt by the
 * schema migration from the stored rows, and after the database is
 * copied (db migrate). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/testenv.h"
#include "store/report_query.h"
#include "store/report_store.h"
#include "store/state_internal.h"
#include "store/store_copy.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* 2024-01-01, the first day reports may begin on. */
#define T0 1704067200
#define DAYS 20
#define REPORTS 120

/* One generated record as the oracle sees it. */
struct rec {
	int report;
	date_t day;
	const char *ip, *ef; /* ef "" for none */
	int64_t count;
	bool dkim, spf, fwd, unaligned;
	int disposition; /* 0 none, 1 quarantine, 2 reject */
};

struct corpus {
	struct rec *recs;
	size_t n, cap;
	int upto; /* the reports before it are imported */
	uint64_t seed;
};

/* xorshift64*: the same records for the same seed. */
static uint64_t rnd(struct corpus *c)
{
	c->seed ^= c->seed >> 12;
	c->seed ^= c->seed << 25;
	c->seed ^= c->seed >> 27;
	return c->seed * 2685821657736338717u;
}

/* A number in 0..n-1. */
static int pick(struct corpus *c, int n)
{
	return (int)(rnd(c) % (uint64_t)n);
}

static const char *const ips[] = {
	"192.0.2.1",   "192.0.2.10",  "198.51.100.7", "203.0.113.5",
	"2001:db8::5", "2001:db8::a", "10.0.0.1",     "100.0.0.1",
};
static const char *const efs[] = {
	"",
	"example.com",
	"bounce.example.net",
	"mail.example.org",
};
/* Reason types: the three of a forwarded message and others. */
static const char *const reasons[] = {
	"forwarded",   "mailing_list", "trusted_forwarder", "local_policy",
	"sampled_out", "other",        "Forwarded",
};
static const char *const spf_results[] = { "pass", "fail", "softfail", "none" };

/* Writes report k (of domain) into dir, noting its records; broken: its
 * last record has a bad address, which rejects the whole file. */
static void gen_report(struct corpus *c, const char *dir, int k,
		       const char *domain, bool broken)
{
	struct strbuf sb = STRBUF_INIT;
	long begin = T0 + (long)pick(c, DAYS) * 86400 + pick(c, 86400);
	int nrec = pick(c, 6); /* some have none */
	char name[32];

	strbuf_addf(&sb,
		    "<feedback><report_metadata><org_name>org%d</org_name>"
		    "<report_id>r%d</report_id><date_range><begin>%ld</begin>"
		    "<end>%ld</end></date_range></report_metadata>"
		    "<policy_published><domain>%s</domain><p>none</p>"
		    "</policy_published>",
		    k % 3, k, begin, begin + 86399, domain);
	for (int i = 0; i < nrec; i++) {
		struct rec r = { .report = k, .day = (date_t)(begin / 86400) };
		int nreasons = pick(c, 3), nspf = pick(c, 3);
		bool arc = pick(c, 8) == 0;
		static const char *const disp[] = { "none", "quarantine",
						    "reject" };

		r.ip = ips[pick(c, 8)];
		r.ef = efs[pick(c, 4)];
		r.count = pick(c, 40);
		r.dkim = pick(c, 2);
		r.spf = pick(c, 2);
		r.disposition = pick(c, 3);
		strbuf_addf(&sb,
			    "<record><row><source_ip>%s</source_ip>"
			    "<count>%lld</count><policy_evaluated>"
			    "<disposition>%s</disposition><dkim>%s</dkim>"
			    "<spf>%s</spf>",
			    broken && i == nrec - 1 ? "not-an-address" : r.ip,
			    (long long)r.count, disp[r.disposition],
			    r.dkim ? "pass" : "fail", r.spf ? "pass" : "fail");
		for (int j = 0; j < nreasons; j++) {
			int t = pick(c, 7);

			/* RFC 7489 C: any case of the three types. */
			r.fwd = r.fwd || t < 3 || t == 6;
			strbuf_addf(
			    &sb, "<reason><type>%s</type>%s</reason>",
			    reasons[t],
			    arc && j == 0 ? "<comment>arc=pass</comment>" : "");
		}
		r.fwd = !r.dkim && !r.spf && (r.fwd || (arc && nreasons > 0));
		strbuf_addf(&sb,
			    "</policy_evaluated></row><identifiers>"
			    "<header_from>%s</header_from>",
			    domain);
		if (*r.ef)
			strbuf_addf(&sb, "<envelope_from>%s</envelope_from>",
				    r.ef);
		strbuf_addstr(&sb, "</identifiers><auth_results>");
		for (int j = 0; j < nspf; j++) {
			const char *res = spf_results[pick(c, 4)];

			r.unaligned = r.unaligned || strcmp(res, "pass") == 0;
			strbuf_addf(&sb,
				    "<spf><domain>%s</domain><result>%s"
				    "</result></spf>",
				    *r.ef ? r.ef : domain, res);
		}
		r.unaligned = r.unaligned && !r.spf;
		strbuf_addstr(&sb, "</auth_results></record>");
		if (!broken && strcmp(domain, "example.com") == 0) {
			c->recs =
			    xgrow(c->recs, &c->cap, c->n + 1, sizeof *c->recs);
			c->recs[c->n++] = r;
		}
	}
	strbuf_addstr(&sb, "</feedback>");
	snprintf(name, sizeof name, "r%d.xml", k);
	free(testenv_write_file(dir, name, strbuf_str(&sb)));
	strbuf_done(&sb);
}

/* What the queries gave. */
struct got {
	struct report_day days[DAYS + 1];
	size_t ndays;
	struct {
		char ip[64], ef[64];
		int64_t n, pass, spf, dkim, fwd, unaligned;
	} src[16];
	size_t nsrc;
};

static void got_day(void *arg, const struct report_day *d)
{
	struct got *g = arg;

	assert_true(g->ndays < DAYS + 1);
	g->days[g->ndays++] = *d;
}

static void got_source(void *arg, const struct report_source *s)
{
	struct got *g = arg;

	assert_true(g->nsrc < 16);
	snprintf(g->src[g->nsrc].ip, 64, "%s", s->ip);
	snprintf(g->src[g->nsrc].ef, 64, "%s",
		 s->envelope_from ? s->envelope_from : "(none)");
	g->src[g->nsrc].n = s->t.messages;
	g->src[g->nsrc].pass = s->t.dmarc_pass;
	g->src[g->nsrc].spf = s->t.spf_aligned;
	g->src[g->nsrc].dkim = s->t.dkim_aligned;
	g->src[g->nsrc].fwd = s->forwarded;
	g->src[g->nsrc].unaligned = s->spf_pass_unaligned;
	g->nsrc++;
}

/* Whether the window since..until (DATE_NONE: open) holds day. */
static bool in_window(date_t day, date_t since, date_t until)
{
	return (since == DATE_NONE || day >= since) &&
	       (until == DATE_NONE || day <= until);
}

/* Adds a record to totals. */
static void totals_add(struct report_totals *t, const struct rec *r)
{
	t->messages += r->count;
	t->dmarc_pass += r->dkim || r->spf ? r->count : 0;
	t->spf_aligned += r->spf ? r->count : 0;
	t->dkim_aligned += r->dkim ? r->count : 0;
}

/* Checks the per-day query over one window against the records. */
static void check_days(struct store *store, const struct corpus *c,
		       date_t since, date_t until)
{
	struct got g = { .ndays = 0 };
	struct err err = ERR_INIT;
	size_t k = 0;

	assert_int_equal(report_query_days(store, "EXAMPLE.com", since, until,
					   got_day, &g, &err),
			 STATUS_OK);
	for (date_t day = T0 / 86400; day < T0 / 86400 + DAYS; day++) {
		struct report_day e = { .day = day };
		int last = -1;

		if (!in_window(day, since, until))
			continue;
		for (size_t i = 0; i < c->n; i++) {
			const struct rec *r = &c->recs[i];

			if (r->day != day || r->report >= c->upto)
				continue;
			e.reports += r->report != last;
			last = r->report;
			totals_add(&e.t, r);
			e.quarantined += r->disposition == 1 ? r->count : 0;
			e.rejected += r->disposition == 2 ? r->count : 0;
		}
		if (e.reports == 0)
			continue;
		assert_true(k < g.ndays);
		assert_int_equal(g.days[k].day, e.day);
		assert_int_equal(g.days[k].reports, e.reports);
		assert_int_equal(g.days[k].t.messages, e.t.messages);
		assert_int_equal(g.days[k].t.dmarc_pass, e.t.dmarc_pass);
		assert_int_equal(g.days[k].t.spf_aligned, e.t.spf_aligned);
		assert_int_equal(g.days[k].t.dkim_aligned, e.t.dkim_aligned);
		assert_int_equal(g.days[k].quarantined, e.quarantined);
		assert_int_equal(g.days[k].rejected, e.rejected);
		k++;
	}
	assert_int_equal(k, g.ndays);
}

/* Checks the per-source query over one window against the records. */
static void check_sources(struct store *store, const struct corpus *c,
			  date_t since, date_t until)
{
	struct got g = { .nsrc = 0 };
	struct err err = ERR_INIT;
	size_t nexp = 0;

	assert_int_equal(report_query_sources(store, "example.com", since,
					      until, got_source, &g, &err),
			 STATUS_OK);
	for (size_t k = 0; k < 8; k++) {
		struct report_totals t = { 0 };
		int64_t fwd = 0, un = 0;
		int64_t ef_n[4] = { 0 };
		bool seen = false;
		const char *best = "(none)";
		int64_t best_n = -1;
		size_t at;

		for (size_t i = 0; i < c->n; i++) {
			const struct rec *r = &c->recs[i];

			if (strcmp(r->ip, ips[k]) || r->report >= c->upto ||
			    !in_window(r->day, since, until))
				continue;
			seen = true;
			totals_add(&t, r);
			fwd += r->fwd ? r->count : 0;
			un += r->unaligned ? r->count : 0;
			for (int e = 1; e < 4; e++)
				if (strcmp(r->ef, efs[e]) == 0)
					ef_n[e] += r->count;
		}
		if (!seen)
			continue;
		/* The most common return-path domain, then by name (only
		 * those seen: a source's records name some or none). */
		for (int e = 1; e < 4; e++) {
			bool named = false;

			for (size_t i = 0; i < c->n && !named; i++)
				named =
				    strcmp(c->recs[i].ip, ips[k]) == 0 &&
				    c->recs[i].report < c->upto &&
				    in_window(c->recs[i].day, since, until) &&
				    strcmp(c->recs[i].ef, efs[e]) == 0;
			if (named &&
			    (ef_n[e] > best_n ||
			     (ef_n[e] == best_n && strcmp(efs[e], best) < 0))) {
				best = efs[e];
				best_n = ef_n[e];
			}
		}
		nexp++;
		for (at = 0; at < g.nsrc; at++)
			if (strcmp(g.src[at].ip, ips[k]) == 0)
				break;
		assert_true(at < g.nsrc);
		assert_int_equal(g.src[at].n, t.messages);
		assert_int_equal(g.src[at].pass, t.dmarc_pass);
		assert_int_equal(g.src[at].spf, t.spf_aligned);
		assert_int_equal(g.src[at].dkim, t.dkim_aligned);
		assert_int_equal(g.src[at].fwd, fwd);
		assert_int_equal(g.src[at].unaligned, un);
		assert_string_equal(g.src[at].ef, best);
	}
	assert_int_equal(g.nsrc, nexp);
	/* Largest first, then by address. */
	for (size_t i = 1; i < g.nsrc; i++)
		assert_true(g.src[i - 1].n > g.src[i].n ||
			    (g.src[i - 1].n == g.src[i].n &&
			     strcmp(g.src[i - 1].ip, g.src[i].ip) < 0));
}

/* Both queries over random windows, the open ones and whole range. */
static void check_all(struct store *store, struct corpus *c)
{
	date_t first = T0 / 86400;

	check_days(store, c, DATE_NONE, DATE_NONE);
	check_sources(store, c, DATE_NONE, DATE_NONE);
	for (int i = 0; i < 40; i++) {
		date_t since = first - 2 + pick(c, DAYS + 4);
		date_t until = since + pick(c, 15);

		if (i % 10 == 1)
			since = DATE_NONE;
		if (i % 10 == 2)
			until = DATE_NONE;
		check_days(store, c, since, until);
		check_sources(store, c, since, until);
	}
}

/* Imports dir, expecting counts of files imported and rejected. */
static void import(struct store *store, const char *dir, unsigned long imported,
		   unsigned long rejected)
{
	struct report_import_stats stats;
	struct err err = ERR_INIT;

	memset(&stats, 0, sizeof stats);
	assert_int_equal(
	    report_import_path(store, dir, NULL, &stats, NULL, NULL, &err),
	    STATUS_OK);
	assert_int_equal(stats.imported, imported);
	assert_int_equal(stats.rejected, rejected);
}

/* Randomized imports against the records; the sums rebuilt by the
 * migration and copied by db migrate give the same. */
static void test_days_match_records(void **state)
{
	struct corpus c = { .seed = 0x9e3779b97f4a7c15u };
	struct err err = ERR_INIT;
	char *dir = testenv_mkdtemp();
	char *in1 = xasprintf("%s/in1", dir), *in2 = xasprintf("%s/in2", dir);
	char *db = testenv_db(dir, "d.db"), *db2 = testenv_db(dir, "c.db");
	struct store *store, *copy;
	struct store_copy_count counts[STORE_COPY_TABLES];
	const char *env = getenv("DMARCPILOT_TEST_SEED");

	(void)state;
	if (env)
		c.seed = strtoull(env, NULL, 0);
	print_message("seed %#llx (DMARCPILOT_TEST_SEED)\n",
		      (unsigned long long)c.seed);
	assert_int_equal(mkdir(in1, 0700), 0);
	assert_int_equal(mkdir(in2, 0700), 0);
	for (int k = 0; k < REPORTS; k++)
		gen_report(&c, k < REPORTS / 2 ? in1 : in2, k,
			   k % 9 == 4 ? "example.net" : "example.com", false);
	/* Rejected: nothing of it may count. */
	gen_report(&c, in2, REPORTS, "example.com", true);
	assert_int_equal(store_open(&store, db, &err), STATUS_OK);
	import(store, in1, REPORTS / 2, 0);
	c.upto = REPORTS / 2;
	check_all(store, &c);
	/* in1 again (every report known) and in2, with the bad file. */
	import(store, in1, 0, 0);
	import(store, in2, REPORTS / 2, 1);
	c.upto = REPORTS;
	check_all(store, &c);

	/* The migration to schema 12 fills the sums from the rows. */
	assert_int_equal(store_exec(store,
				    "DROP TABLE report_day;"
				    "DROP TABLE report_day_source;",
				    &err),
			 STATUS_OK);
	assert_int_equal(store_exec(store,
				    store_target_is_server(db)
					? "UPDATE dmarcpilot_schema"
					  " SET version = 11"
					: "PRAGMA user_version = 11",
				    &err),
			 STATUS_OK);
	store_close(store);
	assert_int_equal(store_open(&store, db, &err), STATUS_OK);
	check_all(store, &c);

	/* db migrate moves them. */
	assert_int_equal(store_open(&copy, db2, &err), STATUS_OK);
	assert_int_equal(store_copy(store, copy, counts, &err), STATUS_OK);
	check_all(copy, &c);
	store_close(copy);
	store_close(store);

	testenv_rmdir(dir);
	free(c.recs);
	free(in1);
	free(in2);
	free(db);
	free(db2);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_match_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
