/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A DNS lookup a screen shows: started through the shell's resolver,
 * answered in the poll loop, drawn as the records or as what went wrong
 * (timeout, no such name). Strings are cleaned with text_clean. */
#ifndef DMARCPILOT_LOOKUP_H
#define DMARCPILOT_LOOKUP_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "dns/dns.h"

struct app;

struct lookup {
	bool started;
	bool answered;
	enum dns_result result;
	enum dns_type type;
	char *name;     /* what was asked */
	char **records; /* TXT joined, or other data as text, cleaned */
	size_t count;
	char *problem; /* cleaned error text of the resolver, or NULL */
	unsigned gen;  /* answers to an older query are dropped */
};

/* Starts a query (TXT records are joined per RR); a lookup that was
 * started before is reset. Without a resolver it stays unanswered and
 * lookup_draw() shows why. */
void lookup_start(struct app *app, struct lookup *l, const char *name,
		  enum dns_type type);

/* The records that start with prefix (case-insensitive, e.g. "v=spf1"),
 * counted; the first goes to *first (may be NULL). */
size_t lookup_matching(const struct lookup *l, const char *prefix,
		       const char **first);

/* A translated phrase for an answer without matching records, or a
 * failure ("no answer (timeout) from 127.0.0.1:53"); NULL while the
 * answer has matching records. Caller frees. */
char *lookup_problem(const struct app *app, const struct lookup *l,
		     const char *prefix);

/* A word or two for a table column: "asking ...", "not published",
 * "no answer", "DNS error", or NULL when there are matching records. */
const char *lookup_short(const struct app *app, const struct lookup *l,
			 const char *prefix);

/* Frees what the lookup holds (it may be reused). */
void lookup_done(struct lookup *l);

#endif
