/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store/report_days.h"
#include "store/state_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

/* The sums of one key: a day of a domain (ip NULL), or a source and
 * return-path domain ("" for none) on that day. */
struct day_sum {
	char *domain, *ip, *ef;
	int64_t day;
	uint64_t hash;
	int64_t v[7]; /* the columns after the key, in table order */
};

/* The sums of one table, found by key through an open-addressing
 * index of positions + 1 (0: free). */
struct sum_table {
	struct day_sum *sums;
	size_t n, cap;
	size_t *index;
	size_t slots; /* a power of two, at least twice n */
};

struct report_days {
	struct sum_table days, sources;
};

/* Rows in one upsert of report_day and of report_day_source. */
#define DAY_BATCH 8
#define SOURCE_BATCH 32

/* Parameters of one more row of each (beyond the first, typed one). */
#define DAY_PARAMS ", (?, ?, ?, ?, ?, ?, ?, ?, ?)"
/* clang-format off */
#define DAY_PARAMS_7 DAY_PARAMS DAY_PARAMS DAY_PARAMS DAY_PARAMS \
	DAY_PARAMS DAY_PARAMS DAY_PARAMS
/* clang-format on */
#define SOURCE_PARAMS ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
/* clang-format off */
#define SOURCE_PARAMS_4 SOURCE_PARAMS SOURCE_PARAMS SOURCE_PARAMS \
	SOURCE_PARAMS
#define SOURCE_PARAMS_31 SOURCE_PARAMS_4 SOURCE_PARAMS_4 SOURCE_PARAMS_4 \
	SOURCE_PARAMS_4 SOURCE_PARAMS_4 SOURCE_PARAMS_4 SOURCE_PARAMS_4 \
	SOURCE_PARAMS SOURCE_PARAMS SOURCE_PARAMS
/* clang-format on */

/* Adds DAY_BATCH days' sums to report_day: rows whose first column is
 * NULL are left out; the casts of the first row type the VALUES columns
 * for PostgreSQL (as the import's batch of records). The keys of one
 * statement differ, as each row may change a row of the table once. */
static const char sql_day_upsert[] =
    "INSERT INTO report_day (domain, day, reports, n, pass, spf, dkim,"
    " quarantined, rejected) SELECT * FROM (VALUES"
    " (?, CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT),"
    " CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT),"
    " CAST(? AS BIGINT), CAST(? AS BIGINT))" DAY_PARAMS_7
    ") AS v WHERE column1 IS NOT NULL"
    " ON CONFLICT (domain, day) DO UPDATE SET"
    " reports = report_day.reports + excluded.reports,"
    " n = report_day.n + excluded.n,"
    " pass = report_day.pass + excluded.pass,"
    " spf = report_day.spf + excluded.spf,"
    " dkim = report_day.dkim + excluded.dkim,"
    " quarantined = report_day.quarantined + excluded.quarantined,"
    " rejected = report_day.rejected + excluded.rejected";

/* The same for SOURCE_BATCH sources' sums in report_day_source. */
static const char sql_source_upsert[] =
    "INSERT INTO report_day_source (domain, day, source_ip, envelope_from,"
    " n, pass, spf, dkim, fwd, unaligned) SELECT * FROM (VALUES"
    " (?, CAST(? AS BIGINT), ?, ?, CAST(? AS BIGINT), CAST(? AS BIGINT),"
    " CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT),"
    " CAST(? AS BIGINT))" SOURCE_PARAMS_31 ") AS v WHERE column1 IS NOT NULL"
    " ON CONFLICT (domain, day, source_ip, envelope_from) DO UPDATE SET"
    " n = report_day_source.n + excluded.n,"
    " pass = report_day_source.pass + excluded.pass,"
    " spf = report_day_source.spf + excluded.spf,"
    " dkim = report_day_source.dkim + excluded.dkim,"
    " fwd = report_day_source.fwd + excluded.fwd,"
    " unaligned = report_day_source.unaligned + excluded.unaligned";

/* An empty set of sums. */
struct report_days *report_days_new(void)
{
	return xcalloc(1, sizeof(struct report_days));
}

/* Empties a table, keeping its memory. */
static void table_reset(struct sum_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->sums[i].domain);
		free(t->sums[i].ip);
		free(t->sums[i].ef);
	}
	t->n = 0;
	if (t->index)
		memset(t->index, 0, t->slots * sizeof *t->index);
}

/* Forgets what was added. */
void report_days_reset(struct report_days *days)
{
	table_reset(&days->days);
	table_reset(&days->sources);
}

/* Frees it. */
void report_days_free(struct report_days *days)
{
	if (!days)
		return;
	report_days_reset(days);
	free(days->days.sums);
	free(days->days.index);
	free(days->sources.sums);
	free(days->sources.index);
	free(days);
}

/* FNV-1a over a string, ASCII letters folded (the domain column
 * compares them without case), and its NUL. */
static uint64_t hash_str(uint64_t h, const char *s, bool fold)
{
	for (;; s++) {
		unsigned char c = (unsigned char)*s;

		if (fold && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * 1099511628211u;
		if (!c)
			return h;
	}
}

/* Whether the sums s are those of the key. */
static bool sum_is(const struct day_sum *s, uint64_t hash, const char *domain,
		   int64_t day, const char *ip, const char *ef)
{
	return s->hash == hash && s->day == day &&
	       strcasecmp(s->domain, domain) == 0 &&
	       (!ip || (strcmp(s->ip, ip) == 0 && strcmp(s->ef, ef) == 0));
}

/* Places sum i in the index. */
static void index_put(struct sum_table *t, size_t i)
{
	size_t k = (size_t)t->sums[i].hash & (t->slots - 1);

	while (t->index[k])
		k = (k + 1) & (t->slots - 1);
	t->index[k] = i + 1;
}

/* The sums of a key, new ones zero. ip NULL: a day's. */
static struct day_sum *table_get(struct sum_table *t, const char *domain,
				 int64_t day, const char *ip, const char *ef)
{
	uint64_t h = hash_str(14695981039346656037u, domain, true);
	struct day_sum *s;
	size_t k;

	h = (h ^ (uint64_t)day) * 1099511628211u;
	if (ip)
		h = hash_str(hash_str(h, ip, false), ef, false);
	if (t->slots) {
		for (k = (size_t)h & (t->slots - 1); t->index[k];
		     k = (k + 1) & (t->slots - 1))
			if (sum_is(&t->sums[t->index[k] - 1], h, domain, day,
				   ip, ef))
				return &t->sums[t->index[k] - 1];
	}
	if (2 * (t->n + 1) > t->slots) {
		free(t->index);
		t->slots = t->slots ? 2 * t->slots : 64;
		t->index = xcalloc(t->slots, sizeof *t->index);
		for (size_t i = 0; i < t->n; i++)
			index_put(t, i);
	}
	t->sums = xgrow(t->sums, &t->cap, t->n + 1, sizeof *t->sums);
	s = &t->sums[t->n];
	memset(s, 0, sizeof *s);
	s->domain = xstrdup(domain);
	s->day = day;
	s->hash = h;
	if (ip) {
		s->ip = xstrdup(ip);
		s->ef = xstrdup(ef);
	}
	index_put(t, t->n++);
	return s;
}

/* RFC 7489 C: the override reason types of a message a receiver saw
 * forwarded (RFC 9990 4 keeps them), in any case. */
static bool reasons_forwarded(const char *reasons)
{
	static const char *const types[] = { "forwarded", "mailing_list",
					     "trusted_forwarder", NULL };
	const char *p = reasons;

	while (*p) {
		size_t n = strcspn(p, ",");

		for (size_t k = 0; types[k]; k++)
			if (strlen(types[k]) == n &&
			    strncasecmp(p, types[k], n) == 0)
				return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/* Whether an SPF result of <auth_results> passed (RFC 7489 C). */
static bool spf_auth_passed(const struct report_row *r)
{
	for (size_t i = 0; i < r->nspf_auth; i++)
		if (strcmp(r->spf_auth[i].result, "pass") == 0)
			return true;
	return false;
}

/* Adds one record. */
void report_days_add(struct report_days *days, const struct report_meta *m,
		     const struct report_row *r, bool first)
{
	/* RFC 7489 C: policy_evaluated carries the aligned results. */
	bool dkim = strcmp(r->dkim, "pass") == 0;
	bool spf = strcmp(r->spf, "pass") == 0;
	int64_t day = m->date_begin / 86400;
	int64_t n = r->count;
	struct day_sum *d = table_get(&days->days, m->domain, day, NULL, NULL);
	struct day_sum *s = table_get(&days->sources, m->domain, day,
				      r->source_ip, r->envelope_from);

	d->v[0] += first;
	d->v[1] += n;
	d->v[2] += dkim || spf ? n : 0;
	d->v[3] += spf ? n : 0;
	d->v[4] += dkim ? n : 0;
	/* RFC 7489 7.2.1.1: the disposition the receiver applied. */
	d->v[5] += strcmp(r->disposition, "quarantine") == 0 ? n : 0;
	d->v[6] += strcmp(r->disposition, "reject") == 0 ? n : 0;
	s->v[0] += n;
	s->v[1] += dkim || spf ? n : 0;
	s->v[2] += spf ? n : 0;
	s->v[3] += dkim ? n : 0;
	/* Failing, and forwarded by a reason type or ARC (RFC 8617). */
	s->v[4] +=
	    !dkim && !spf && (r->arc || reasons_forwarded(r->reasons)) ? n : 0;
	s->v[5] += !spf && spf_auth_passed(r) ? n : 0;
}

/* Orders sums by key: every importer changes the rows of the tables in
 * the same order, so that two at once wait for each other rather than
 * deadlock. */
static int sum_cmp(const void *a, const void *b)
{
	const struct day_sum *x = a, *y = b;
	int c = strcasecmp(x->domain, y->domain);

	if (c)
		return c;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (!x->ip)
		return 0;
	if ((c = strcmp(x->ip, y->ip)))
		return c;
	return strcmp(x->ef, y->ef);
}

/* Upserts a table's sums, batch rows at a time through sql; a row is
 * ncols columns: the key (with ip and ef when keyed by source), then
 * the sums. */
static enum status table_store(struct sum_table *t, struct store *store,
			       const char *sql, int batch, int ncols,
			       struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st = STATUS_OK;
	int nv;

	if (t->n == 0)
		return STATUS_OK;
	nv = ncols - (t->sums[0].ip ? 4 : 2);
	if ((st = db_prepare_kept(store_conn(store), sql, &stmt, err)))
		return st;
	qsort(t->sums, t->n, sizeof *t->sums, sum_cmp);
	for (size_t i = 0; i < t->n && st == STATUS_OK; i += (size_t)batch) {
		for (int k = 0; k < batch; k++) {
			const struct day_sum *s;
			int p = k * ncols;

			if (i + (size_t)k >= t->n) {
				db_bind_null(stmt, p + 1);
				continue;
			}
			s = &t->sums[i + (size_t)k];
			db_bind_text(stmt, ++p, s->domain);
			db_bind_int64(stmt, ++p, s->day);
			if (s->ip) {
				db_bind_text(stmt, ++p, s->ip);
				db_bind_text(stmt, ++p, s->ef);
			}
			for (int v = 0; v < nv; v++)
				db_bind_int64(stmt, ++p, s->v[v]);
		}
		st = store_done(store, stmt, "storing report sums", NULL, err);
		db_reset(stmt);
	}
	return st;
}

/* Adds the sums to the tables, then forgets them. */
enum status report_days_store(struct report_days *days, struct store *store,
			      struct err *err)
{
	enum status st;

	st = table_store(&days->days, store, sql_day_upsert, DAY_BATCH, 9, err);
	if (st == STATUS_OK)
		st = table_store(&days->sources, store, sql_source_upsert,
				 SOURCE_BATCH, 10, err);
	report_days_reset(days);
	return st;
}
