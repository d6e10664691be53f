/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "providers/providers.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ini.h>
#include <pcre2.h>

#include "util/dname.h"
#include "util/i18n.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The catalogue is a small hand-written file; anything larger is not it. */
#define PROVIDERS_MAX_FILE (1024 * 1024)
/* RFC 1035 2.3.4: a name is at most 255 octets (253 as text). */
#define HOSTNAME_MAX 253
/* A pattern that needs more backtracking than this on one host name is
 * broken; giving up keeps a hostile report from stalling the analysis. */
#define PTR_MATCH_LIMIT 100000

/* Bits of struct entry.keys: which keys a section has set. */
enum key {
	KEY_NAME = 1 << 0,
	KEY_CATEGORY = 1 << 1,
	KEY_SPF = 1 << 2,
	KEY_DKIM_SELECTORS = 1 << 3,
	KEY_DKIM = 1 << 4,
	KEY_MX = 1 << 5,
	KEY_PTR = 1 << 6,
	KEY_ENVELOPE = 1 << 7,
	KEY_DOCS = 1 << 8,
};

/* One section while and after loading. */
struct entry {
	struct provider provider;
	int line;         /* the line of its [section] header */
	unsigned keys;    /* enum key bits already set */
	size_t nptr_code; /* compiled patterns in provider.ptr_code */
};

struct providers {
	struct entry *entries;
	size_t n, cap;
	pcre2_match_context *match_context;
};

static const char *const category_names[] = {
	[PROVIDER_MAILBOX] = "mailbox",
	[PROVIDER_MARKETING] = "marketing",
	[PROVIDER_TRANSACTIONAL] = "transactional",
	[PROVIDER_CRM] = "crm",
	[PROVIDER_HELPDESK] = "helpdesk",
	[PROVIDER_OTHER] = "other",
};
#define NCATEGORIES (sizeof category_names / sizeof *category_names)

/* The state shared by the line reader and the inih handler. */
struct loader {
	const char *file; /* the name in messages */
	const char *data; /* the whole file */
	size_t len, pos;
	int lineno;          /* the line inih is parsing now */
	bool indented;       /* it begins with white space */
	bool prev_name;      /* as inih: a key was seen since the header */
	int header_line;     /* the last [section] header */
	unsigned header_seq; /* headers seen so far */
	unsigned used_seq;   /* the header whose section is being filled */
	char last_key[32];   /* the key a continuation line extends */
	struct providers *providers;
	char *error; /* the first error, without "FILE:LINE: " */
	int error_line;
};

/* Records an error unless one on an earlier line is already known. */
static void loader_fail(struct loader *l, int line, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void loader_fail(struct loader *l, int line, const char *format, ...)
{
	va_list ap;

	if (l->error && l->error_line <= line)
		return;
	free(l->error);
	va_start(ap, format);
	l->error = xvasprintf(format, ap);
	va_end(ap);
	l->error_line = line;
}

/* Mirrors inih's test for a section header: '[' first, then a ']' before
 * any inline comment (" ;"), and not an indented continuation line. */
static bool line_is_header(const char *line, size_t len, bool prev_name)
{
	size_t i = 0;
	bool was_space = false;

	while (i < len && isspace((unsigned char)line[i]))
		i++;
	if (i == len || line[i] != '[' || (prev_name && i > 0))
		return false;
	for (i++; i < len; i++) {
		if (line[i] == ']')
			return true;
		if (was_space && line[i] == ';')
			return false;
		was_space = isspace((unsigned char)line[i]);
	}
	return false;
}

/* A section without a single key cannot have the name it needs. */
static void loader_check_empty(struct loader *l)
{
	if (l->header_seq > 0 && l->used_seq != l->header_seq)
		loader_fail(l, l->header_line,
			    _("section without keys (a service needs at "
			      "least a name)"));
}

/* The ini_reader: hands inih one whole line at a time, so that the line
 * number the handler sees is exact, and refuses lines inih would split. */
static char *loader_read(char *str, int num, void *stream)
{
	struct loader *l = stream;
	const char *start = l->data + l->pos;
	const char *nl;
	size_t len, content, skip = 0;

	if (l->pos >= l->len || l->error)
		return NULL;
	nl = memchr(start, '\n', l->len - l->pos);
	len = nl ? (size_t)(nl - start) + 1 : l->len - l->pos;
	l->lineno++;
	if (memchr(start, '\0', len)) {
		loader_fail(l, l->lineno, _("NUL byte in the line"));
		return NULL;
	}
	content = len;
	while (content > 0 &&
	       (start[content - 1] == '\n' || start[content - 1] == '\r'))
		content--;
	/* Everything copied, line ends included, must fit inih's buffer with
	 * its NUL; the message counts what a person sees, without "\r\n". */
	if (num < 4 || content > (size_t)num - 3 || len > (size_t)num - 1) {
		loader_fail(l, l->lineno, _("line longer than %d characters"),
			    num - 3);
		return NULL;
	}
	memcpy(str, start, len);
	str[len] = '\0';
	l->pos += len;
	if (l->lineno == 1 && len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;
	l->indented = content > skip && isspace((unsigned char)start[skip]);
	if (line_is_header(start + skip, content - skip, l->prev_name)) {
		loader_check_empty(l);
		l->header_seq++;
		l->header_line = l->lineno;
		l->prev_name = false;
	}
	return str;
}

/* A section ID is what users type: lower-case letters, digits, '-', '.'. */
static bool id_valid(const char *id)
{
	const char *p;

	if (!*id || strlen(id) > 64 || *id == '-' || *id == '.')
		return false;
	for (p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '.'))
			return false;
	return true;
}

/* RFC 7208 5: the mechanisms a service can ask its customers to add. */
static bool spf_mechanism_valid(const char *s)
{
	static const char *const with_domain[] = { "include:", "exists:", "a:",
						   "mx:" };
	const char *p;
	size_t i;

	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return false;
	for (i = 0; i < sizeof with_domain / sizeof *with_domain; i++) {
		size_t n = strlen(with_domain[i]);

		if (strncasecmp(s, with_domain[i], n) == 0)
			return s[n] != '\0';
	}
	return strncasecmp(s, "ip4:", 4) == 0 || strncasecmp(s, "ip6:", 4) == 0;
}

/* Appends each comma- or blank-separated word of value to a list. */
static bool list_append(struct loader *l, const char *key, const char *value,
			bool commas, bool hosts, char ***list, size_t *n)
{
	const char *seps = commas ? ", \t" : " \t";
	char *copy = xstrdup(value), *save = NULL, *word;
	bool ok = true;

	for (word = strtok_r(copy, seps, &save); word;
	     word = strtok_r(NULL, seps, &save)) {
		if (hosts) {
			while (*word == '.')
				word++;
			text_lower(word);
		}
		/* Host names and DKIM selectors (RFC 6376 3.1: a
		 * selector is a sequence of sub-domains). */
		if (!dname_valid(word, DNAME_UNDERSCORE | DNAME_ONE_LABEL) ||
		    word[strlen(word) - 1] == '.') {
			char *clean = text_clean_str(word);

			loader_fail(l, l->lineno,
				    _("invalid name \"%s\" in %s"), clean, key);
			free(clean);
			ok = false;
			break;
		}
		strlist_add(list, n, xstrdup(word));
	}
	free(copy);
	return ok;
}

/* Compiles each blank-separated pattern of value (caseless, and anchored
 * at both ends so that a pattern never matches inside a longer name). */
static bool ptr_append(struct loader *l, struct entry *e, const char *value)
{
	struct provider *p = &e->provider;
	char *copy = xstrdup(value), *save = NULL, *word;
	bool ok = true;

	for (word = strtok_r(copy, " \t", &save); word;
	     word = strtok_r(NULL, " \t", &save)) {
		int code;
		PCRE2_SIZE offset;
		pcre2_code *re, **codes;

		re = pcre2_compile((PCRE2_SPTR)word, PCRE2_ZERO_TERMINATED,
				   PCRE2_CASELESS | PCRE2_ANCHORED |
				       PCRE2_ENDANCHORED |
				       PCRE2_NEVER_BACKSLASH_C,
				   &code, &offset, NULL);
		if (!re) {
			PCRE2_UCHAR msg[256];
			char *clean = text_clean_str(word);

			pcre2_get_error_message(code, msg, sizeof msg);
			loader_fail(l, l->lineno,
				    _("bad ptr pattern \"%s\": %s at offset "
				      "%zu"),
				    clean, (const char *)msg, (size_t)offset);
			free(clean);
			ok = false;
			break;
		}
		strlist_add(&p->ptr, &p->nptr, xstrdup(word));
		codes =
		    xrealloc(p->ptr_code, (e->nptr_code + 1) * sizeof *codes);
		codes[e->nptr_code++] = re;
		p->ptr_code = codes;
	}
	free(copy);
	return ok;
}

/* Sets or extends a free-text key; continuation lines join with a space. */
static void text_append(char **field, const char *value)
{
	char *joined;

	if (!*field) {
		*field = xstrdup(value);
		return;
	}
	joined = xasprintf("%s %s", *field, value);
	free(*field);
	*field = joined;
}

/* Opens the entry for a section when its first key arrives. */
static struct entry *loader_section(struct loader *l, const char *section)
{
	struct providers *ps = l->providers;
	struct entry *e;
	size_t i;
	char *clean;

	if (l->header_seq == 0) {
		loader_fail(l, l->lineno, _("key outside a [section]"));
		return NULL;
	}
	if (l->used_seq == l->header_seq && ps->n > 0)
		return &ps->entries[ps->n - 1];
	l->used_seq = l->header_seq;
	clean = text_clean_str(section);
	if (!id_valid(section)) {
		loader_fail(l, l->header_line,
			    _("invalid service ID [%s] (use a-z, 0-9, '-', "
			      "'.')"),
			    clean);
		free(clean);
		return NULL;
	}
	for (i = 0; i < ps->n; i++) {
		if (strcmp(ps->entries[i].provider.id, section) == 0) {
			loader_fail(l, l->header_line,
				    _("duplicate section [%s] (first on "
				      "line %d)"),
				    clean, ps->entries[i].line);
			free(clean);
			return NULL;
		}
	}
	free(clean);
	ps->entries = xgrow(ps->entries, &ps->cap, ps->n + 1, sizeof *e);
	e = &ps->entries[ps->n++];
	memset(e, 0, sizeof *e);
	e->provider.id = xstrdup(section);
	e->provider.category = PROVIDER_OTHER;
	e->line = l->header_line;
	l->last_key[0] = '\0';
	return e;
}

/* Maps a key name to its bit, or 0 for an unknown key. */
static unsigned key_bit(const char *key)
{
	static const struct {
		const char *name;
		unsigned bit;
	} keys[] = {
		{ "name", KEY_NAME }, { "category", KEY_CATEGORY },
		{ "spf", KEY_SPF },   { "dkim_selectors", KEY_DKIM_SELECTORS },
		{ "dkim", KEY_DKIM }, { "mx", KEY_MX },
		{ "ptr", KEY_PTR },   { "envelope", KEY_ENVELOPE },
		{ "docs", KEY_DOCS },
	};
	size_t i;

	for (i = 0; i < sizeof keys / sizeof *keys; i++)
		if (strcmp(keys[i].name, key) == 0)
			return keys[i].bit;
	return 0;
}

/* Sets one single-line key of an entry after checking its value. */
static bool loader_scalar(struct loader *l, struct entry *e, unsigned bit,
			  const char *key, const char *value)
{
	struct provider *p = &e->provider;
	char *clean = text_clean_str(value);
	bool ok = false;
	size_t i;

	switch (bit) {
	case KEY_CATEGORY:
		for (i = 0; i < NCATEGORIES; i++)
			if (strcmp(value, category_names[i]) == 0)
				break;
		if (i == NCATEGORIES) {
			loader_fail(l, l->lineno,
				    _("unknown category \"%s\" (expected "
				      "mailbox, marketing, transactional, "
				      "crm, helpdesk or other)"),
				    clean);
			goto out;
		}
		p->category = (enum provider_category)i;
		break;
	case KEY_SPF:
		if (!*value)
			break; /* the service needs no mechanism */
		if (!spf_mechanism_valid(value)) {
			loader_fail(l, l->lineno,
				    _("spf \"%s\" is not one SPF mechanism "
				      "(include:, ip4:, ip6:, a:, mx:, "
				      "exists:)"),
				    clean);
			goto out;
		}
		p->spf = xstrdup(value);
		break;
	case KEY_ENVELOPE:
		if (strcasecmp(value, "yes") == 0) {
			p->envelope_aligned = true;
		} else if (strcasecmp(value, "no") == 0) {
			p->envelope_aligned = false;
		} else {
			loader_fail(l, l->lineno,
				    _("envelope must be yes or no, not "
				      "\"%s\""),
				    clean);
			goto out;
		}
		break;
	case KEY_DOCS:
		if (strncmp(value, "https://", 8) != 0 ||
		    strpbrk(value, " \t")) {
			loader_fail(l, l->lineno,
				    _("docs \"%s\" is not an https:// URL"),
				    clean);
			goto out;
		}
		p->docs = xstrdup(value);
		break;
	default:
		loader_fail(l, l->lineno, _("unknown key \"%s\""), key);
		goto out;
	}
	ok = true;
out:
	free(clean);
	return ok;
}

/* The inih handler: one key = value (or a continuation line) at a time. */
static int loader_handle(void *user, const char *section, const char *key,
			 const char *value)
{
	struct loader *l = user;
	struct entry *e;
	struct provider *p;
	unsigned bit;
	bool continued;

	bool had_name = l->prev_name;

	if (l->error)
		return 0;
	l->prev_name = true;
	e = loader_section(l, section);
	if (!e)
		return 0;
	p = &e->provider;
	bit = key_bit(key);
	if (!bit) {
		char *clean = text_clean_str(key);

		loader_fail(l, l->lineno, _("unknown key \"%s\""), clean);
		free(clean);
		return 0;
	}
	/* inih: an indented line after a key continues that key's value. */
	continued = had_name && l->indented && strcmp(l->last_key, key) == 0;
	if (!continued && (e->keys & bit)) {
		loader_fail(l, l->lineno, _("duplicate key \"%s\""), key);
		return 0;
	}
	e->keys |= bit;
	snprintf(l->last_key, sizeof l->last_key, "%s", key);
	switch (bit) {
	case KEY_NAME:
		text_append(&p->name, value);
		return 1;
	case KEY_DKIM:
		text_append(&p->dkim, value);
		return 1;
	case KEY_DKIM_SELECTORS:
		return list_append(l, key, value, true, false,
				   &p->dkim_selectors, &p->ndkim_selectors);
	case KEY_MX:
		return list_append(l, key, value, true, true, &p->mx, &p->nmx);
	case KEY_PTR:
		return ptr_append(l, e, value);
	default:
		if (continued) {
			loader_fail(l, l->lineno,
				    _("%s does not continue on the next line"),
				    key);
			return 0;
		}
		return loader_scalar(l, e, bit, key, value);
	}
}

/* Checks what a section must have once the whole file is read. */
static void loader_finish(struct loader *l)
{
	struct providers *ps = l->providers;
	size_t i;

	for (i = 0; i < ps->n; i++) {
		struct entry *e = &ps->entries[i];

		if (!(e->keys & KEY_NAME) || !*e->provider.name)
			loader_fail(l, e->line, _("[%s] has no name"),
				    e->provider.id);
		else if (!(e->keys & KEY_CATEGORY))
			loader_fail(l, e->line, _("[%s] has no category"),
				    e->provider.id);
	}
}

/* Frees one entry's strings and compiled patterns. */
static void entry_done(struct entry *e)
{
	struct provider *p = &e->provider;
	size_t i;

	free(p->id);
	free(p->name);
	free(p->spf);
	free(p->dkim);
	free(p->docs);
	strlist_free(p->dkim_selectors, p->ndkim_selectors);
	strlist_free(p->mx, p->nmx);
	strlist_free(p->ptr, p->nptr);
	for (i = 0; i < e->nptr_code; i++)
		pcre2_code_free(((pcre2_code **)p->ptr_code)[i]);
	free(p->ptr_code);
}

/* Parses a catalogue held in memory. */
enum status providers_load_buffer(struct providers **out, const char *data,
				  size_t len, const char *name, struct err *err)
{
	struct loader l;
	struct providers *ps = xcalloc(1, sizeof *ps);
	enum status status = STATUS_OK;
	int rc;

	*out = NULL;
	memset(&l, 0, sizeof l);
	l.file = name;
	l.data = data;
	l.len = len;
	l.providers = ps;
	if (len > PROVIDERS_MAX_FILE) {
		status =
		    err_set(err, STATUS_LIMIT, _("%s: larger than %d bytes"),
			    name, PROVIDERS_MAX_FILE);
		goto out;
	}
	rc = ini_parse_stream(loader_read, &l, loader_handle, &l);
	if (rc < 0) {
		status = err_set(err, STATUS_IO, _("%s: cannot parse: %s"),
				 name, status_message(STATUS_IO));
		goto out;
	}
	if (!l.error)
		loader_check_empty(&l);
	loader_finish(&l);
	if (rc > 0 && (!l.error || rc < l.error_line)) {
		status = err_set(err, STATUS_PARSE,
				 _("%s:%d: syntax error (expected [section] "
				   "or key = value)"),
				 name, rc);
		goto out;
	}
	if (l.error) {
		status = err_set(err, STATUS_PARSE, "%s:%d: %s", name,
				 l.error_line, l.error);
		goto out;
	}
	ps->match_context = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(ps->match_context, PTR_MATCH_LIMIT);
	*out = ps;
	ps = NULL;
out:
	free(l.error);
	providers_free(ps);
	return status;
}

/* Reads the file whole, then parses it. */
enum status providers_load(struct providers **out, const char *path,
			   struct err *err)
{
	FILE *fp = NULL;
	char *data = NULL;
	size_t len = 0, cap = 0, got;
	enum status status;

	*out = NULL;
	fp = fopen(path, "rb");
	if (!fp) {
		status =
		    err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	do {
		data = xgrow(data, &cap, len + 8192, 1);
		got = fread(data + len, 1, cap - len, fp);
		len += got;
	} while (got > 0 && len <= PROVIDERS_MAX_FILE);
	if (ferror(fp)) {
		status =
		    err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	status = providers_load_buffer(out, data, len, path, err);
out:
	if (fp)
		fclose(fp);
	free(data);
	return status;
}

/* Releases the catalogue and everything it owns. */
void providers_free(struct providers *providers)
{
	size_t i;

	if (!providers)
		return;
	for (i = 0; i < providers->n; i++)
		entry_done(&providers->entries[i]);
	free(providers->entries);
	pcre2_match_context_free(providers->match_context);
	free(providers);
}

/* How many services the catalogue holds. */
size_t providers_count(const struct providers *providers)
{
	return providers->n;
}

/* The i-th service, in file order. */
const struct provider *providers_at(const struct providers *providers, size_t i)
{
	return i < providers->n ? &providers->entries[i].provider : NULL;
}

/* Finds a service by the ID a user typed. */
const struct provider *providers_find(const struct providers *providers,
				      const char *id)
{
	size_t i;

	for (i = 0; i < providers->n; i++)
		if (text_ieq(providers->entries[i].provider.id, id))
			return &providers->entries[i].provider;
	return NULL;
}

/* Copies a host name from the DNS without its final dot; false if it
 * cannot be one (dname.h, any octets: reverse names are not always
 * host names). */
static bool host_copy(const char *host, char buf[HOSTNAME_MAX + 2])
{
	size_t len;

	if (!dname_valid(host, DNAME_ANY_OCTETS | DNAME_ONE_LABEL) ||
	    (len = strlen(host)) > HOSTNAME_MAX + 1)
		return false;
	memcpy(buf, host, len + 1);
	if (buf[len - 1] == '.')
		buf[len - 1] = '\0';
	return strlen(buf) <= HOSTNAME_MAX;
}

/* Names the service that owns a report source's reverse DNS. */
const struct provider *providers_match_ptr(const struct providers *providers,
					   const char *hostname)
{
	char host[HOSTNAME_MAX + 2];
	const struct provider *found = NULL;
	pcre2_match_data *md = NULL;
	size_t i, j;

	if (!host_copy(hostname, host))
		return NULL;
	md = pcre2_match_data_create(1, NULL);
	for (i = 0; i < providers->n && !found; i++) {
		const struct entry *e = &providers->entries[i];
		pcre2_code *const *codes = e->provider.ptr_code;

		for (j = 0; j < e->nptr_code && !found; j++)
			if (pcre2_match(codes[j], (PCRE2_SPTR)host,
					strlen(host), 0, 0, md,
					providers->match_context) >= 0)
				found = &e->provider;
	}
	pcre2_match_data_free(md);
	return found;
}

/* Names the service behind an MX host; the longest suffix wins, so that
 * a regional suffix beats a generic one. */
const struct provider *providers_match_mx(const struct providers *providers,
					  const char *mx_host)
{
	char host[HOSTNAME_MAX + 2];
	const struct provider *best = NULL;
	size_t best_len = 0, hlen, i, j;

	if (!host_copy(mx_host, host))
		return NULL;
	hlen = strlen(host);
	for (i = 0; i < providers->n; i++) {
		const struct provider *p = &providers->entries[i].provider;

		for (j = 0; j < p->nmx; j++) {
			size_t slen = strlen(p->mx[j]);

			/* Only whole labels: "evilgoogle.com" is not
			 * "google.com". */
			if (slen > hlen || slen <= best_len ||
			    !text_iends_with(host, p->mx[j]) ||
			    (slen < hlen && host[hlen - slen - 1] != '.'))
				continue;
			best = p;
			best_len = slen;
		}
	}
	return best;
}

/* Names the service that asks for this SPF mechanism. */
const struct provider *providers_match_spf(const struct providers *providers,
					   const char *mechanism)
{
	size_t i;

	if (!mechanism)
		return NULL;
	/* RFC 7208 4.6.2: "+" is the default qualifier. */
	if (*mechanism == '+')
		mechanism++;
	for (i = 0; i < providers->n; i++) {
		const struct provider *p = &providers->entries[i].provider;

		if (p->spf && text_ieq(p->spf, mechanism))
			return p;
	}
	return NULL;
}

/* Lists the services whose id, name or category contains the query. */
size_t providers_filter(const struct providers *providers, const char *query,
			const struct provider **out, size_t max)
{
	size_t i, count = 0;

	if (!query)
		query = "";
	for (i = 0; i < providers->n; i++) {
		const struct provider *p = &providers->entries[i].provider;

		if (!strcasestr(p->id, query) && !strcasestr(p->name, query) &&
		    !strcasestr(provider_category_name(p->category), query))
			continue;
		if (count < max)
			out[count] = p;
		count++;
	}
	return count;
}

/* The word the catalogue uses for a category. */
const char *provider_category_name(enum provider_category category)
{
	if ((unsigned)category >= NCATEGORIES)
		return "other";
	return category_names[category];
}
