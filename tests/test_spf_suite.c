/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The openspf RFC 7208 test suite: every scenario's zone data is loaded
 * into a table resolver and every case is run through check_host(). A
 * receiver relies on each of these answers being what the RFC says. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "dns/dns.h"
#include "lib/testenv.h"
#include "spf/spf_eval.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

struct tally {
	int passed, failed;
};

/* The value of a mapping key, or NULL. */
static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map,
			    const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

/* A scalar's text, or NULL. */
static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (char *)n->data.scalar.value
						: NULL;
}

/* Writes a domain name for a zone-file line, escaping what ldns would
 * take for syntax (\DDD). */
static void add_name(struct strbuf *sb, const char *name)
{
	if (!*name) {
		strbuf_addch(sb, '.');
		return;
	}
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '*')
			strbuf_addch(sb, (char)*p);
		else
			strbuf_addf(sb, "\\%03u", *p);
	}
	if (name[strlen(name) - 1] != '.')
		strbuf_addch(sb, '.');
}

/* Writes one quoted character-string (a YAML scalar, NUL octets too). */
static void add_string(struct strbuf *sb, yaml_node_t *n)
{
	const unsigned char *s = n->data.scalar.value;
	size_t len = n->data.scalar.length;

	strbuf_addch(sb, '"');
	for (const unsigned char *p = s; p < s + len; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addf(sb, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			strbuf_addf(sb, "\\%03u", *p);
		else
			strbuf_addch(sb, (char)*p);
	}
	strbuf_addch(sb, '"');
}

/* Appends a TXT RR of a scalar or a list of strings; false for an
 * empty list (no strings: nothing a server could serve). */
static bool add_txt(struct strbuf *sb, yaml_document_t *doc, const char *name,
		    yaml_node_t *v)
{
	struct strbuf rr = STRBUF_INIT;
	bool any = false;

	add_name(&rr, name);
	strbuf_addstr(&rr, " 300 IN TXT");
	if (v->type == YAML_SCALAR_NODE) {
		strbuf_addch(&rr, ' ');
		add_string(&rr, v);
		any = true;
	} else if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = v->data.sequence.items.start;
		     i < v->data.sequence.items.top; i++) {
			strbuf_addch(&rr, ' ');
			add_string(&rr, yaml_document_get_node(doc, *i));
			any = true;
		}
	}
	if (any)
		strbuf_addf(sb, "%s\n", strbuf_str(&rr));
	strbuf_done(&rr);
	return any;
}

/* Loads one name's records into the table (pyspf's driver rules: SPF
 * records stand for TXT unless "TXT: NONE"; TIMEOUT makes the queries
 * that have no data time out). */
static void load_name(struct dns *dns, yaml_document_t *doc, const char *name,
		      yaml_node_t *list)
{
	struct strbuf sb = STRBUF_INIT, spf = STRBUF_INIT;
	bool timeout = false, txt = false, txt_none = false;
	struct err err = ERR_INIT;

	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(doc, *it);
		yaml_node_pair_t *p;
		const char *type;
		yaml_node_t *v;

		if (scalar(item) && strcmp(scalar(item), "TIMEOUT") == 0) {
			timeout = true;
			continue;
		}
		if (!item || item->type != YAML_MAPPING_NODE)
			continue;
		p = item->data.mapping.pairs.start;
		type = scalar(yaml_document_get_node(doc, p->key));
		v = yaml_document_get_node(doc, p->value);
		if (strcmp(type, "TXT") == 0) {
			if (scalar(v) && strcmp(scalar(v), "NONE") == 0)
				txt_none = true;
			else
				txt |= add_txt(&sb, doc, name, v);
		} else if (strcmp(type, "SPF") == 0) {
			add_txt(&spf, doc, name, v);
		} else if (strcmp(type, "MX") == 0) {
			yaml_node_item_t *i = v->data.sequence.items.start;

			add_name(&sb, name);
			strbuf_addf(&sb, " 300 IN MX %s ",
				    scalar(yaml_document_get_node(doc, i[0])));
			add_name(&sb,
				 scalar(yaml_document_get_node(doc, i[1])));
			strbuf_addch(&sb, '\n');
		} else if (strcmp(type, "PTR") == 0 ||
			   strcmp(type, "CNAME") == 0) {
			add_name(&sb, name);
			strbuf_addf(&sb, " 300 IN %s ", type);
			add_name(&sb, scalar(v));
			strbuf_addch(&sb, '\n');
		} else {
			add_name(&sb, name);
			strbuf_addf(&sb, " 300 IN %s %s\n", type, scalar(v));
		}
	}
	if (!txt && !txt_none && spf.len) {
		strbuf_addstr(&sb, strbuf_str(&spf));
		txt = true;
	}
	if (sb.len && dns_table_add(dns, strbuf_str(&sb), &err) != STATUS_OK) {
		print_message("zone data of %s refused: %s\n", name,
			      err_message(&err));
		err_done(&err);
	}
	if (timeout && !txt)
		dns_table_set_fault(dns, name, DNS_TIMEOUT);
	strbuf_done(&sb);
	strbuf_done(&spf);
}

/* True if got is the expected result or one of the expected list. */
static bool result_ok(yaml_document_t *doc, yaml_node_t *want, const char *got)
{
	if (scalar(want))
		return strcmp(scalar(want), got) == 0;
	for (yaml_node_item_t *i = want->data.sequence.items.start;
	     i < want->data.sequence.items.top; i++)
		if (strcmp(scalar(yaml_document_get_node(doc, *i)), got) == 0)
			return true;
	return false;
}

/* Runs one case and counts it. */
static void run_case(struct dns *dns, yaml_document_t *doc, const char *desc,
		     const char *name, yaml_node_t *t, struct tally *tally)
{
	struct spf_query q = { 0 };
	struct spf_outcome out;
	struct err err = ERR_INIT;
	const char *want_exp = scalar(map_get(doc, t, "explanation"));
	const char *host = scalar(map_get(doc, t, "host"));
	yaml_node_t *want = map_get(doc, t, "result");
	bool ok;

	assert_true(ip_addr_parse(host, &q.ip));
	q.sender = scalar(map_get(doc, t, "mailfrom"));
	q.helo = scalar(map_get(doc, t, "helo"));
	if (!q.sender || !*q.sender)
		q.domain = q.helo;
	assert_int_equal(spf_eval_sync(dns, &q, &out, &err), STATUS_OK);
	ok = result_ok(doc, want, spf_result_name(out.result));
	/* "DEFAULT" is the receiver's own text: exp= gave none. */
	if (ok && want_exp && out.result == SPF_FAIL) {
		if (strcmp(want_exp, "DEFAULT") == 0)
			ok = out.explanation == NULL;
		else
			ok = out.explanation &&
			     text_ieq(out.explanation, want_exp);
	}
	if (ok) {
		tally->passed++;
	} else {
		tally->failed++;
		print_message("FAIL %s / %s: got %s (%s; %s; exp %s), want "
			      "%s%s%s\n",
			      desc, name, spf_result_name(out.result),
			      out.mechanism ? out.mechanism : "-",
			      out.reason ? out.reason : "-",
			      out.explanation ? out.explanation : "-",
			      scalar(want) ? scalar(want) : "(list)",
			      want_exp ? " exp " : "",
			      want_exp ? want_exp : "");
	}
	spf_outcome_done(&out);
}

/* Runs every scenario of one YAML document. */
static void run_document(yaml_document_t *doc, struct tally *tally)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	yaml_node_t *tests = map_get(doc, root, "tests");
	yaml_node_t *zone = map_get(doc, root, "zonedata");
	const char *desc = scalar(map_get(doc, root, "description"));
	struct dns *dns = dns_new_table();

	if (zone && zone->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = zone->data.mapping.pairs.start;
		     p < zone->data.mapping.pairs.top; p++)
			load_name(dns, doc,
				  scalar(yaml_document_get_node(doc, p->key)),
				  yaml_document_get_node(doc, p->value));
	}
	if (tests && tests->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = tests->data.mapping.pairs.start;
		     p < tests->data.mapping.pairs.top; p++)
			run_case(dns, doc, desc ? desc : "?",
				 scalar(yaml_document_get_node(doc, p->key)),
				 yaml_document_get_node(doc, p->value), tally);
	}
	dns_free(dns);
}

/* The whole suite passes, every case. */
static void test_rfc7208_suite(void **state)
{
	const char *data = testenv_testdata();
	struct tally tally = { 0, 0 };
	yaml_parser_t parser;
	char *path;
	FILE *fp;

	(void)state;
	if (!data)
		skip();
	path = xasprintf("%s/spf/rfc7208-tests.yml", data);
	fp = fopen(path, "rb");
	if (!fp) {
		free(path);
		skip();
	}
	assert_true(yaml_parser_initialize(&parser));
	yaml_parser_set_input_file(&parser, fp);
	for (;;) {
		yaml_document_t doc;
		yaml_node_t *root;

		assert_true(yaml_parser_load(&parser, &doc));
		root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		run_document(&doc, &tally);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(fp);
	free(path);
	print_message("RFC 7208 suite: %d of %d cases pass\n", tally.passed,
		      tally.passed + tally.failed);
	assert_true(tally.passed > 0);
	assert_int_equal(tally.failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7208_suite),
	};

	/* The whole program is the shared suite: SKIP, not PASS, without it
	 * (as inside make distcheck). */
	testenv_require_testdata();

	return cmocka_run_group_tests_name("spf_suite", tests, NULL, NULL);
}
