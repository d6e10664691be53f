/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Authentication-Results (RFC 8601 2.2): a tokenizer for the field's
 * CFWS, quoted strings and comments, and the grammar on top of it. */
#include "config.h"

#include "mail/authres.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* What the tokenizer hands out. */
enum tok_kind { TOK_END, TOK_WORD, TOK_QUOTED, TOK_SPECIAL };

struct lexer {
	const char *p, *end;
	struct strbuf comments; /* comments met since the last take */
	bool bad;               /* an unterminated comment or quote */
};

struct token {
	enum tok_kind kind;
	char c;        /* TOK_SPECIAL: ';' '=' '.' '/' */
	const char *s; /* TOK_WORD, TOK_QUOTED: the text */
	size_t len;
};

/* Skips whitespace and comments (RFC 5322 3.2.2 CFWS), keeping the
 * comments' text. Comments nest; quoted-pairs are honoured. */
static void skip_cfws(struct lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			lx->p++;
		} else if (c == '(') {
			const char *start = ++lx->p;
			int depth = 1;

			while (lx->p < lx->end && depth > 0) {
				if (*lx->p == '\\' && lx->p + 1 < lx->end)
					lx->p++;
				else if (*lx->p == '(')
					depth++;
				else if (*lx->p == ')')
					depth--;
				lx->p++;
			}
			if (depth > 0) {
				lx->bad = true;
				return;
			}
			if (lx->comments.len)
				strbuf_addstr(&lx->comments, "; ");
			strbuf_add(&lx->comments, start,
				   (size_t)(lx->p - 1 - start));
		} else {
			return;
		}
	}
}

/* How a word ends: at '.', '/' and '=' too (names), at '=' too (the
 * authserv-id and results), or only at CFWS and ';' (pvalues, which
 * may hold '=', as base64 in header.b does). */
enum word_mode { SPLIT_ALL, SPLIT_EQ, SPLIT_NONE };

/* The next token; specials are ';' always, '=' unless SPLIT_NONE, '.'
 * and '/' with SPLIT_ALL. */
static struct token lex(struct lexer *lx, enum word_mode mode)
{
	bool split_dot = mode == SPLIT_ALL;
	struct token t = { TOK_END, 0, NULL, 0 };
	const char *start;

	skip_cfws(lx);
	if (lx->bad || lx->p >= lx->end)
		return t;
	if (*lx->p == ';' || (*lx->p == '=' && mode != SPLIT_NONE) ||
	    (split_dot && (*lx->p == '.' || *lx->p == '/'))) {
		t.kind = TOK_SPECIAL;
		t.c = *lx->p++;
		return t;
	}
	if (*lx->p == '"') {
		start = ++lx->p;
		while (lx->p < lx->end && *lx->p != '"') {
			if (*lx->p == '\\' && lx->p + 1 < lx->end)
				lx->p++;
			lx->p++;
		}
		if (lx->p >= lx->end) {
			lx->bad = true;
			return t;
		}
		t.kind = TOK_QUOTED;
		t.s = start;
		t.len = (size_t)(lx->p++ - start);
		return t;
	}
	start = lx->p;
	while (lx->p < lx->end && !strchr(" \t\r\n(;\"", *lx->p) &&
	       !(*lx->p == '=' && mode != SPLIT_NONE) &&
	       !(split_dot && (*lx->p == '.' || *lx->p == '/')))
		lx->p++;
	t.kind = TOK_WORD;
	t.s = start;
	t.len = (size_t)(lx->p - start);
	return t;
}

/* The next token of a name (split_dot) or of an id or result. */
static struct token next(struct lexer *lx, bool split_dot)
{
	return lex(lx, split_dot ? SPLIT_ALL : SPLIT_EQ);
}

/* Peeks at the next token without taking it. */
static struct token peek(struct lexer *lx, bool split_dot)
{
	struct lexer save = *lx;
	size_t clen = lx->comments.len;
	struct token t = next(lx, split_dot);

	save.comments = lx->comments;
	*lx = save;
	lx->comments.len = clen;
	if (lx->comments.data)
		lx->comments.data[clen] = '\0';
	return t;
}

/* A token's text, unquoted, cleaned, lower case when asked. */
static char *tok_text(const struct token *t, bool lower)
{
	struct strbuf sb = STRBUF_INIT;
	char *clean;

	for (size_t k = 0; k < t->len; k++) {
		if (t->kind == TOK_QUOTED && t->s[k] == '\\' && k + 1 < t->len)
			k++;
		strbuf_addch(&sb, t->s[k]);
	}
	clean = text_clean(sb.data ? sb.data : "", sb.len);
	strbuf_done(&sb);
	return lower ? text_lower(clean) : clean;
}

static bool is_value(const struct token *t)
{
	return t->kind == TOK_WORD || t->kind == TOK_QUOTED;
}

/* Takes the comments gathered so far. */
static char *take_comments(struct lexer *lx)
{
	char *c = NULL;

	if (lx->comments.len)
		c = text_clean(lx->comments.data, lx->comments.len);
	strbuf_reset(&lx->comments);
	return c;
}

/* Adds a property to a result. */
static void add_prop(struct authres_result *r, char *ptype, char *property,
		     char *value)
{
	r->props = xrealloc(r->props, (r->nprops + 1) * sizeof *r->props);
	r->props[r->nprops].ptype = ptype;
	r->props[r->nprops].property = property;
	r->props[r->nprops].value = value;
	r->nprops++;
}

/* Reads one resinfo after its ';' (RFC 8601 2.2: methodspec
 * [reasonspec] *propspec). */
static enum status read_resinfo(struct lexer *lx, struct authres_result *r,
				struct err *err)
{
	struct token t = next(lx, true), u;

	if (t.kind != TOK_WORD)
		return err_set(err, STATUS_PARSE, _("a method is missing"));
	r->method = tok_text(&t, true);
	t = next(lx, true);
	if (t.kind == TOK_SPECIAL && t.c == '/') { /* method-version */
		t = next(lx, true);
		if (t.kind != TOK_WORD)
			return err_set(err, STATUS_PARSE,
				       _("%s/ has no version"), r->method);
		t = next(lx, true);
	}
	if (t.kind != TOK_SPECIAL || t.c != '=')
		return err_set(err, STATUS_PARSE, _("%s has no result"),
			       r->method);
	t = next(lx, false);
	if (t.kind != TOK_WORD)
		return err_set(err, STATUS_PARSE, _("%s has no result"),
			       r->method);
	r->result = tok_text(&t, true);
	for (;;) {
		char *ptype, *property;

		u = peek(lx, true);
		if (u.kind == TOK_END || (u.kind == TOK_SPECIAL && u.c == ';'))
			break;
		t = next(lx, true);
		if (t.kind != TOK_WORD)
			return err_set(err, STATUS_PARSE,
				       _("a property of %s is malformed"),
				       r->method);
		ptype = tok_text(&t, true);
		u = next(lx, true);
		if (strcmp(ptype, "reason") == 0 && u.kind == TOK_SPECIAL &&
		    u.c == '=') {
			free(ptype);
			t = lex(lx, SPLIT_NONE);
			if (!is_value(&t))
				return err_set(err, STATUS_PARSE,
					       _("reason= of %s has no value"),
					       r->method);
			free(r->reason);
			r->reason = tok_text(&t, false);
			continue;
		}
		if (u.kind != TOK_SPECIAL || u.c != '.') {
			free(ptype);
			return err_set(err, STATUS_PARSE,
				       _("a property of %s is malformed"),
				       r->method);
		}
		t = next(lx, true);
		u = next(lx, true);
		if (t.kind != TOK_WORD || u.kind != TOK_SPECIAL || u.c != '=') {
			free(ptype);
			return err_set(err, STATUS_PARSE,
				       _("a property of %s is malformed"),
				       r->method);
		}
		property = tok_text(&t, true);
		t = lex(lx, SPLIT_NONE);
		if (!is_value(&t)) {
			/* RFC 8601 2.3: an empty pvalue is allowed. */
			if (t.kind != TOK_END &&
			    !(t.kind == TOK_SPECIAL && t.c == ';')) {
				err_set(err, STATUS_PARSE,
					_("%s.%s of %s has no value"), ptype,
					property, r->method);
				free(ptype);
				free(property);
				return STATUS_PARSE;
			}
			if (t.kind == TOK_SPECIAL)
				lx->p--; /* leave the ';' for the caller */
			add_prop(r, ptype, property, xstrdup(""));
		} else {
			add_prop(r, ptype, property, tok_text(&t, false));
		}
		if (r->nprops > AUTHRES_MAX_PROPS)
			return err_set(err, STATUS_LIMIT,
				       _("%s has more than %d properties"),
				       r->method, AUTHRES_MAX_PROPS);
	}
	r->comment = take_comments(lx);
	return STATUS_OK;
}

/* Parses one field's value. */
enum status authres_parse(const char *value, size_t len, struct authres *out,
			  struct err *err)
{
	struct lexer lx = { value, value + len, STRBUF_INIT, false };
	struct token t;
	enum status st = STATUS_OK;

	memset(out, 0, sizeof *out);
	out->version = 1;
	if (len > AUTHRES_MAX_LEN) {
		st = err_set(err, STATUS_LIMIT,
			     _("the field is longer than %d octets"),
			     AUTHRES_MAX_LEN);
		goto out;
	}
	/* RFC 8601 2.2: authserv-id [ version ]. */
	t = next(&lx, false);
	if (!is_value(&t)) {
		st =
		    err_set(err, STATUS_PARSE, _("the authserv-id is missing"));
		goto out;
	}
	out->authserv_id = tok_text(&t, false);
	t = next(&lx, false);
	if (t.kind == TOK_WORD && t.len <= 9 &&
	    strspn(t.s, "0123456789") >= t.len) {
		out->version = (int)strtol(t.s, NULL, 10);
		t = next(&lx, false);
	}
	while (t.kind == TOK_SPECIAL && t.c == ';') {
		struct authres_result *r;
		struct token u = peek(&lx, false);

		if (u.kind == TOK_END)
			break; /* a trailing ';' */
		/* RFC 8601 2.2: no-result = ";" "none". */
		if (u.kind == TOK_WORD && u.len == 4 &&
		    text_ieqn(u.s, "none", 4) && out->count == 0) {
			next(&lx, false);
			t = next(&lx, false);
			break;
		}
		if (out->count == AUTHRES_MAX_RESULTS) {
			st = err_set(err, STATUS_LIMIT,
				     _("more than %d results"),
				     AUTHRES_MAX_RESULTS);
			goto out;
		}
		out->results =
		    xrealloc(out->results, (out->count + 1) * sizeof *r);
		r = &out->results[out->count++];
		memset(r, 0, sizeof *r);
		strbuf_reset(&lx.comments);
		st = read_resinfo(&lx, r, err);
		if (st != STATUS_OK)
			goto out;
		t = next(&lx, false);
	}
	if (lx.bad)
		st = err_set(err, STATUS_PARSE,
			     _("a comment or quoted string is not closed"));
	else if (t.kind != TOK_END)
		st = err_set(err, STATUS_PARSE,
			     _("unexpected text after the results"));
out:
	strbuf_done(&lx.comments);
	if (st != STATUS_OK)
		authres_done(out);
	return st;
}

/* Frees a parsed field. */
void authres_done(struct authres *ar)
{
	for (size_t i = 0; i < ar->count; i++) {
		struct authres_result *r = &ar->results[i];

		free(r->method);
		free(r->result);
		free(r->reason);
		free(r->comment);
		for (size_t k = 0; k < r->nprops; k++) {
			free(r->props[k].ptype);
			free(r->props[k].property);
			free(r->props[k].value);
		}
		free(r->props);
	}
	free(ar->results);
	free(ar->authserv_id);
	memset(ar, 0, sizeof *ar);
}

/* Finds a property. */
const char *authres_prop_get(const struct authres_result *r, const char *ptype,
			     const char *property)
{
	for (size_t k = 0; k < r->nprops; k++)
		if (strcmp(r->props[k].ptype, ptype) == 0 &&
		    strcmp(r->props[k].property, property) == 0)
			return r->props[k].value;
	return NULL;
}

/* The field as JSON. */
json_t *authres_to_json(const struct authres *ar)
{
	json_t *o = json_object(), *list = json_array();

	json_object_set_new(o, "authserv_id", json_string(ar->authserv_id));
	json_object_set_new(o, "version", json_integer(ar->version));
	for (size_t i = 0; i < ar->count; i++) {
		const struct authres_result *r = &ar->results[i];
		json_t *e = json_object(), *props = json_object();

		json_object_set_new(e, "method", json_string(r->method));
		json_object_set_new(e, "result", json_string(r->result));
		if (r->reason)
			json_object_set_new(e, "reason",
					    json_string(r->reason));
		if (r->comment)
			json_object_set_new(e, "comment",
					    json_string(r->comment));
		for (size_t k = 0; k < r->nprops; k++) {
			char *key = xasprintf("%s.%s", r->props[k].ptype,
					      r->props[k].property);

			json_object_set_new(props, key,
					    json_string(r->props[k].value));
			free(key);
		}
		json_object_set_new(e, "properties", props);
		json_array_append_new(list, e);
	}
	json_object_set_new(o, "results", list);
	return o;
}
