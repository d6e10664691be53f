/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tag=value lists of TLS-RPT, BIMI and MTA-STS records. */
#include "config.h"

#include "audit/taglist.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* True for the WSP of RFC 5234 B.1. */
static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* A copy of [s, e) without the spaces at both ends. */
static char *trimmed(const char *s, const char *e)
{
	while (s < e && is_wsp(*s))
		s++;
	while (e > s && is_wsp(e[-1]))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

/* True when name is ALPHA *(ALPHA / DIGIT / "_"). */
static bool name_valid(const char *name)
{
	if (!isalpha((unsigned char)name[0]))
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

/* Splits a record into its fields. */
bool taglist_parse(const char *text, size_t len, struct taglist *out,
		   const char **why)
{
	const char *p = text, *end = text + len;

	out->tags = NULL;
	out->count = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*why = N_("a control character");
			goto fail;
		}
	}
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *fe = semi ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(fe - p));
		char *name;
		struct tag *t;

		/* The last field may be followed by ";" and spaces. */
		while (p < fe && is_wsp(*p))
			p++;
		if (p == fe) {
			if (semi && semi + 1 < end) {
				bool rest_blank = true;

				for (const char *q = semi + 1; q < end; q++)
					rest_blank &= is_wsp(*q);
				if (!rest_blank) {
					*why = N_("an empty field");
					goto fail;
				}
			}
			break;
		}
		if (!eq) {
			*why = N_("a field without \"=\"");
			goto fail;
		}
		name = trimmed(p, eq);
		if (!name_valid(name)) {
			free(name);
			*why = N_("an invalid tag name");
			goto fail;
		}
		if (taglist_get(out, name)) {
			free(name);
			*why = N_("a tag given twice");
			goto fail;
		}
		out->tags =
		    xrealloc(out->tags, (out->count + 1) * sizeof *out->tags);
		t = &out->tags[out->count++];
		t->name = name;
		t->value = trimmed(eq + 1, fe);
		p = semi ? semi + 1 : end;
	}
	return true;
fail:
	taglist_done(out);
	return false;
}

/* Frees the fields. */
void taglist_done(struct taglist *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->tags[i].name);
		free(list->tags[i].value);
	}
	free(list->tags);
	list->tags = NULL;
	list->count = 0;
}

/* Finds a field by name. */
const char *taglist_get(const struct taglist *list, const char *name)
{
	for (size_t i = 0; i < list->count; i++)
		if (!strcmp(list->tags[i].name, name))
			return list->tags[i].value;
	return NULL;
}

/* Splits a comma-separated list. */
char **taglist_split_commas(const char *value, size_t *count)
{
	char **list = NULL;
	const char *p = value;

	*count = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *e = comma ? comma : p + strlen(p);

		char *raw = trimmed(p, e);

		/* Cleaned: the elements are shown and go into JSON, which
		 * takes only UTF-8. */
		strlist_add(&list, count, text_clean_str(raw));
		free(raw);
		if (!comma)
			break;
		p = comma + 1;
	}
	return list;
}

/* Tests for the version tag at the start of a record. */
bool taglist_is_version(const char *text, size_t len, const char *version)
{
	size_t n = strlen(version);

	if (len < n || memcmp(text, version, n) != 0)
		return false;
	return len == n || text[n] == ';' || is_wsp(text[n]);
}

/* Counts the records of one kind among TXT strings. */
size_t taglist_select(const struct dns_txt_string *txt, size_t count,
		      const char *version, size_t *index)
{
	size_t found = 0;

	for (size_t i = 0; i < count; i++) {
		if (!taglist_is_version(txt[i].data, txt[i].len, version))
			continue;
		if (found++ == 0)
			*index = i;
	}
	return found;
}

/* Reports a failed query of a policy record. */
bool taglist_answer_failed(const struct dns_answer *ans, const char *name,
			   struct findings *f)
{
	if (ans->result == DNS_DATA || ans->result == DNS_NODATA ||
	    ans->result == DNS_NXDOMAIN)
		return false;
	findings_add(f, F_DNS_TEMPERROR, _("The query TXT %s failed (%s): %s"),
		     name, dns_result_name(ans->result),
		     ans->error ? ans->error : "");
	return true;
}
