/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DMARC rollout ladder. */
#include "config.h"

#include "dmarc/ladder.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* Fills the default ladder of DESIGN.md section 4. */
void ladder_init_default(struct ladder *l)
{
	struct err err = ERR_INIT;

	/* The default text is a constant that always parses. */
	if (ladder_parse(l, LADDER_DEFAULT, &err) != STATUS_OK)
		abort();
}

/* Compares two rungs by strength: negative, zero or positive. */
static int rung_cmp(const struct ladder_rung *a, const struct ladder_rung *b)
{
	if (a->policy != b->policy)
		return (int)a->policy - (int)b->policy;
	return a->pct - b->pct;
}

/* Parses one token of a rung list; false when it is not one. */
static bool rung_parse(const char *tok, size_t len, struct ladder_rung *r)
{
	long pct = 0;

	if ((len == 4 && !strncmp(tok, "none", 4)) ||
	    (len == 1 && tok[0] == 'n')) {
		r->policy = DMARC_POLICY_NONE;
		r->pct = 100;
		return true;
	}
	if (len < 2 || len > 4 || (tok[0] != 'q' && tok[0] != 'r'))
		return false;
	for (size_t i = 1; i < len; i++) {
		if (!isdigit((unsigned char)tok[i]))
			return false;
		pct = pct * 10 + (tok[i] - '0');
	}
	if (pct < 1 || pct > 100)
		return false;
	r->policy =
	    tok[0] == 'q' ? DMARC_POLICY_QUARANTINE : DMARC_POLICY_REJECT;
	r->pct = (int)pct;
	return true;
}

/* Parses a rung list. */
enum status ladder_parse(struct ladder *l, const char *text, struct err *err)
{
	enum status st = STATUS_OK;
	const char *p = text;

	l->rungs = NULL;
	l->count = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		const char *tok = p;
		struct ladder_rung r;

		while (len > 0 && isspace((unsigned char)*tok)) {
			tok++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)tok[len - 1]))
			len--;
		if (!rung_parse(tok, len, &r)) {
			st = err_set(err, STATUS_PARSE,
				     _("ladder rung \"%.*s\" is not none, "
				       "qN or rN with N from 1 to 100"),
				     (int)(len > 20 ? 20 : len), tok);
			goto out;
		}
		if (l->count > 0 &&
		    rung_cmp(&l->rungs[l->count - 1], &r) >= 0) {
			st = err_set(err, STATUS_PARSE,
				     _("ladder rung \"%.*s\" is not stricter "
				       "than the rung before it"),
				     (int)len, tok);
			goto out;
		}
		if (l->count == LADDER_MAX_RUNGS) {
			st = err_set(err, STATUS_LIMIT,
				     _("a ladder has at most %d rungs"),
				     LADDER_MAX_RUNGS);
			goto out;
		}
		l->rungs = xrealloc(l->rungs, (l->count + 1) * sizeof r);
		l->rungs[l->count++] = r;
		p += strcspn(p, ",");
		if (!*p)
			break;
		p++;
	}
out:
	if (st != STATUS_OK)
		ladder_done(l);
	return st;
}

/* Formats one rung's token. */
char *ladder_rung_token(const struct ladder_rung *r)
{
	if (r->policy == DMARC_POLICY_NONE)
		return xstrdup("none");
	return xasprintf("%c%d", r->policy == DMARC_POLICY_REJECT ? 'r' : 'q',
			 r->pct);
}

/* Formats the whole list. */
char *ladder_format(const struct ladder *l)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < l->count; i++) {
		char *tok = ladder_rung_token(&l->rungs[i]);

		if (i)
			strbuf_addch(&sb, ',');
		strbuf_addstr(&sb, tok);
		free(tok);
	}
	return strbuf_detach(&sb);
}

/* Frees the rungs. */
void ladder_done(struct ladder *l)
{
	free(l->rungs);
	l->rungs = NULL;
	l->count = 0;
}

/* A label for people. */
char *ladder_rung_label(const struct ladder_rung *r)
{
	if (r->policy == DMARC_POLICY_NONE)
		return xstrdup("p=none");
	if (r->pct == 100)
		return xstrdup(dmarc_policy_name(r->policy));
	/* TRANSLATORS: "quarantine 10 %": a DMARC policy word (not to
	 * be translated) and the percentage of failing mail it covers. */
	return xasprintf(_("%s %d %%"), dmarc_policy_name(r->policy), r->pct);
}

/* Builds the record of a rung. */
char *ladder_record(const struct ladder_rung *r,
		    const struct dmarc_record *settings)
{
	struct dmarc_record rec;
	char *text;

	if (settings)
		dmarc_record_copy(&rec, settings);
	else
		dmarc_record_init(&rec);
	rec.p = r->policy;
	rec.pct = -1;
	rec.t = DMARC_BOOL_UNSET;
	/* DESIGN.md section 4: below 100 the record carries pct and t=y,
	 * because RFC 9989 receivers ignore pct (RFC 9989 4.7, t). */
	if (r->policy != DMARC_POLICY_NONE && r->pct < 100) {
		rec.pct = r->pct;
		rec.t = DMARC_BOOL_YES;
	}
	text = dmarc_format(&rec);
	dmarc_record_done(&rec);
	return text;
}

/* Finds the rung of a parsed record. */
int ladder_find(const struct ladder *l, const struct dmarc_record *rec)
{
	struct ladder_rung want = { dmarc_policy(rec), dmarc_pct(rec) };

	if (want.policy == DMARC_POLICY_NONE)
		want.pct = 100;
	for (size_t i = 0; i < l->count; i++)
		if (rung_cmp(&l->rungs[i], &want) == 0)
			return (int)i;
	return -1;
}

/* Finds the rung of a record's text. */
int ladder_find_text(const struct ladder *l, const char *text)
{
	struct dmarc_record rec;
	int index = -1;

	if (dmarc_parse(text, strlen(text), &rec, NULL, NULL) == STATUS_OK)
		index = ladder_find(l, &rec);
	dmarc_record_done(&rec);
	return index;
}
