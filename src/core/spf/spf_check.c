/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SPF lookup tree of a domain: every record of the include/redirect
 * tree fetched as soon as its parent arrives, the void lookups of its
 * a/mx/exists terms asked at the same time, then the costs and the
 * findings once everything has answered. */
#include "config.h"

#include "spf/spf_check.h"

#include <stdlib.h>
#include <string.h>

#include "util/dname.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

struct spf_check_run {
	struct dns *dns;
	struct spf_check *check;
	size_t pending;
	spf_check_callback cb;
	void *arg;
	bool orphaned, done;
};

/* What one outstanding query is for. */
enum job_kind { JOB_RECORD, JOB_A, JOB_AAAA, JOB_MX, JOB_EXISTS };

/* One outstanding query. For "a", the A and AAAA answers share a void
 * state: the term is void only when both are. */
struct job {
	struct spf_check_run *run;
	struct spf_node *node;
	enum job_kind kind;
	char *target;
	int *a_voids; /* shared by the A and AAAA jobs of one "a" term:
			 [0] void answers, [1] jobs still holding it */
};

static const char *const state_names[] = {
	"ok",        "missing", "multiple", "syntax",
	"temperror", "loop",    "too_deep", "macro",
};

/* Maps a node state to its word. */
const char *spf_node_state_name(enum spf_node_state state)
{
	if ((unsigned)state > SPF_NODE_MACRO)
		return "ok";
	return state_names[state];
}

/* Frees a node and its subtree. */
static void node_free(struct spf_node *node)
{
	if (!node)
		return;
	for (size_t i = 0; i < node->nchildren; i++)
		node_free(node->children[i]);
	free(node->children);
	free(node->domain);
	free(node->via);
	free(node->record);
	free(node->error);
	free(node);
}

/* Frees a check. */
void spf_check_free(struct spf_check *check)
{
	if (!check)
		return;
	node_free(check->root);
	findings_done(&check->findings);
	free(check->domain);
	free(check->dns_error);
	free(check);
}

/* A new node under parent (NULL for the root). */
static struct spf_node *node_new(struct spf_node *parent, const char *domain,
				 const char *via, bool redirect)
{
	struct spf_node *n = xcalloc(1, sizeof *n);
	size_t cap;

	n->domain = text_domain_normalize(domain);
	n->via = xstrdup_or_null(via);
	n->redirect = redirect;
	n->parent = parent;
	if (parent) {
		cap = parent->nchildren;
		parent->children =
		    xgrow(parent->children, &cap, parent->nchildren + 1,
			  sizeof *parent->children);
		parent->children[parent->nchildren++] = n;
	}
	return n;
}

static void job_cb(void *arg, const struct dns_answer *answer);

/* Sends one query for a node. */
static void job_send(struct spf_check_run *run, struct spf_node *node,
		     enum job_kind kind, const char *target, int *a_voids)
{
	struct job *job = xcalloc(1, sizeof *job);
	static const enum dns_type types[] = {
		[JOB_RECORD] = DNS_T_TXT, [JOB_A] = DNS_T_A,
		[JOB_AAAA] = DNS_T_AAAA,  [JOB_MX] = DNS_T_MX,
		[JOB_EXISTS] = DNS_T_A,
	};

	job->run = run;
	job->node = node;
	job->kind = kind;
	job->target = xstrdup(target);
	job->a_voids = a_voids;
	run->pending++;
	dns_query(run->dns, target, types[kind], job_cb, job);
}

/* Fetches a node's record unless it loops or is too deep. */
static void node_fetch(struct spf_check_run *run, struct spf_node *node)
{
	size_t depth = 0;

	for (struct spf_node *p = node->parent; p; p = p->parent) {
		depth++;
		/* An include or redirect back to an ancestor never ends. */
		if (text_ieq(p->domain, node->domain)) {
			node->state = SPF_NODE_LOOP;
			return;
		}
	}
	if (depth > SPF_TREE_DEPTH_MAX) {
		node->state = SPF_NODE_TOO_DEEP;
		return;
	}
	job_send(run, node, JOB_RECORD, node->domain, NULL);
}

/* Checks the sizes of one published record's strings. */
void spf_check_record_size(struct findings *findings, const char *name,
			   const struct dns_txt_string *strings, size_t count)
{
	size_t total = 0;
	struct finding *f;

	for (size_t i = 0; i < count; i++) {
		total += strings[i].len;
		/* RFC 1035 3.3.14: a character-string holds 255 octets. */
		if (strings[i].len > SPF_STRING_MAX) {
			f = findings_add(findings, F_SPF_STRING_TOO_LONG,
					 _("a string of the SPF record of %s "
					   "has %zu octets, more than 255"),
					 name, strings[i].len);
			finding_set_advice(f, _("Split the record into "
						"several quoted strings of "
						"at most 255 octets each; "
						"receivers join them."));
		}
	}
	/* RFC 7208 3.4: keep records small enough for one UDP answer. */
	if (total > SPF_RECORD_MAX) {
		f = findings_add(findings, F_SPF_RECORD_TOO_LONG,
				 _("the SPF record of %s has %zu octets, "
				   "more than 450"),
				 name, total);
		finding_set_advice(f,
				   _("Shorten the record or move ranges "
				     "into chained records "
				     "(dmarcpilot spf build --flatten "
				     "splits them into _spf1, _spf2, ...)."));
	}
}

/* Sends the void-lookup queries of a record's terms and creates the
 * children of its includes and redirect. */
static void node_expand(struct spf_check_run *run, struct spf_node *node,
			const struct spf_record *rec)
{
	bool has_all = false;

	for (size_t i = 0; i < rec->count; i++)
		has_all = has_all || rec->terms[i].kind == SPF_ALL;
	for (size_t i = 0; i < rec->count; i++) {
		const struct spf_term *t = &rec->terms[i];
		const char *spec =
		    t->domain_spec ? t->domain_spec : node->domain;
		bool macro = strchr(spec, '%') != NULL;
		char *via;
		struct spf_node *child;

		switch (t->kind) {
		case SPF_A:
		case SPF_MX:
		case SPF_PTR:
		case SPF_EXISTS:
			node->terms++;
			/* Targets with macros depend on the sender. */
			if (macro || t->kind == SPF_PTR)
				break;
			if (t->kind == SPF_A) {
				/* [0] void answers, [1] jobs holding it */
				int *voids = xcalloc(2, sizeof *voids);

				voids[1] = 2;

				job_send(run, node, JOB_A, spec, voids);
				job_send(run, node, JOB_AAAA, spec, voids);
			} else {
				job_send(run, node,
					 t->kind == SPF_MX ? JOB_MX
							   : JOB_EXISTS,
					 spec, NULL);
			}
			break;
		case SPF_REDIRECT:
			/* RFC 7208 6.1: a record with "all" ignores its
			 * redirect, which then costs no lookup. */
			if (has_all)
				break;
			/* fall through */
		case SPF_INCLUDE:
			via = spf_term_format(t);
			child =
			    node_new(node, spec, via, t->kind == SPF_REDIRECT);
			free(via);
			if (macro)
				child->state = SPF_NODE_MACRO;
			else
				node_fetch(run, child);
			break;
		default:
			break;
		}
	}
}

static bool answer_void(const struct dns_answer *a, enum dns_type type);

/* The TXT answer of a node arrived. */
static void record_answered(struct spf_check_run *run, struct spf_node *node,
			    const struct dns_answer *a)
{
	struct spf_check *check = run->check;
	struct dns_txt_string *txt = NULL;
	size_t n = 0, idx = 0, count, rr_index = 0;
	struct spf_record *rec = NULL;
	struct err err = ERR_INIT;

	if (a->result == DNS_SERVFAIL || a->result == DNS_TIMEOUT ||
	    a->result == DNS_ERROR) {
		node->state = SPF_NODE_TEMPERROR;
		node->error =
		    xasprintf(_("the TXT query for %s failed: %s "
				"(%s%s%s)"),
			      node->domain, dns_result_name(a->result),
			      a->server ? a->server : "resolver",
			      a->error ? ": " : "", a->error ? a->error : "");
		if (!node->parent) {
			check->dns_failed = true;
			check->dns_error = xstrdup(node->error);
		}
		return;
	}
	txt = dns_answer_txt_joined(a, &n);
	count = spf_select(txt, n, &idx);
	if (count == 0) {
		node->state = SPF_NODE_MISSING;
		/* RFC 7208 4.6.4: an include or redirect of a name with no
		 * TXT at all (NXDOMAIN or no answers) is a void lookup. */
		if (node->parent && answer_void(a, DNS_T_TXT))
			node->void_lookups++;
		goto out;
	}
	if (count > 1) {
		node->state = SPF_NODE_MULTIPLE;
		goto out;
	}
	node->record = text_clean(txt[idx].data, txt[idx].len);
	/* The strings of the chosen RR, kept apart by dns.h. */
	for (size_t i = 0; i < a->count; i++) {
		if (a->rrs[i].type != DNS_T_TXT)
			continue;
		if (rr_index++ == idx)
			spf_check_record_size(&check->findings, node->domain,
					      a->rrs[i].u.txt.strings,
					      a->rrs[i].u.txt.count);
	}
	if (spf_parse(txt[idx].data, txt[idx].len, &rec, NULL, &err) !=
	    STATUS_OK) {
		node->state = SPF_NODE_SYNTAX;
		node->error = text_clean_str(err_message(&err));
		err_done(&err);
		goto out;
	}
	node_expand(run, node, rec);
	spf_record_free(rec);
out:
	dns_txt_joined_free(txt, n);
}

/* True if an answer is a void lookup (RFC 7208 4.6.4). */
static bool answer_void(const struct dns_answer *a, enum dns_type type)
{
	if (a->result == DNS_NXDOMAIN || a->result == DNS_NODATA)
		return true;
	if (a->result != DNS_DATA)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (a->rrs[i].type == type)
			return false;
	return true;
}

/* Counts MX records of an answer with data. */
static size_t mx_count(const struct dns_answer *a)
{
	return a->result == DNS_DATA ? dns_answer_count(a, DNS_T_MX) : 0;
}

static void run_complete(struct spf_check_run *run);

/* Handles one answer of the run. */
static void job_cb(void *arg, const struct dns_answer *answer)
{
	struct job *job = arg;
	struct spf_check_run *run = job->run;
	struct finding *f;

	if (run->orphaned)
		goto out;
	switch (job->kind) {
	case JOB_RECORD:
		record_answered(run, job->node, answer);
		break;
	case JOB_A:
	case JOB_AAAA:
		/* Void only when neither address family has data. */
		if (answer_void(answer,
				job->kind == JOB_A ? DNS_T_A : DNS_T_AAAA) &&
		    ++*job->a_voids == 2)
			job->node->void_lookups++;
		break;
	case JOB_EXISTS:
		if (answer_void(answer, DNS_T_A))
			job->node->void_lookups++;
		break;
	case JOB_MX:
		if (answer_void(answer, DNS_T_MX))
			job->node->void_lookups++;
		/* RFC 7208 4.6.4: at most 10 MX names per mx term. */
		if (mx_count(answer) > 10) {
			f = findings_add(&run->check->findings, F_SPF_MX_LIMIT,
					 _("mx:%s has %zu MX records; "
					   "receivers stop at 10 with "
					   "permerror"),
					 job->target, mx_count(answer));
			finding_set_advice(f, _("List the mail servers with "
						"ip4:/ip6: instead of mx, or "
						"point mx at a name with at "
						"most 10 MX records."));
		}
		break;
	}
out:
	if (job->a_voids && --job->a_voids[1] == 0)
		free(job->a_voids);
	free(job->target);
	free(job);
	if (--run->pending == 0) {
		if (run->orphaned) {
			spf_check_free(run->check);
			free(run);
			return;
		}
		run_complete(run);
	}
}

/* Sums the costs of a subtree; returns the node's cost. */
static size_t node_cost(struct spf_node *node, size_t *voids)
{
	size_t cost = (node->parent ? 1 : 0) + node->terms;

	*voids += node->void_lookups;
	for (size_t i = 0; i < node->nchildren; i++)
		cost += node_cost(node->children[i], voids);
	node->cost = cost;
	return cost;
}

/* The qualifier of the record's "all", or -1; *has_redirect too. */
static int record_all(const char *record, bool *has_redirect)
{
	struct spf_record *rec = NULL;
	int q = -1;

	*has_redirect = false;
	if (!record ||
	    spf_parse(record, strlen(record), &rec, NULL, NULL) != STATUS_OK)
		return -1;
	for (size_t i = 0; i < rec->count; i++) {
		if (rec->terms[i].kind == SPF_ALL && q < 0)
			q = (int)rec->terms[i].qualifier;
	}
	*has_redirect = rec->redirect >= 0;
	spf_record_free(rec);
	return q;
}

/* True if the record uses the ptr mechanism. */
static bool record_has_ptr(const char *record)
{
	struct spf_record *rec = NULL;
	bool ptr = false;

	if (!record ||
	    spf_parse(record, strlen(record), &rec, NULL, NULL) != STATUS_OK)
		return false;
	for (size_t i = 0; i < rec->count; i++)
		if (rec->terms[i].kind == SPF_PTR)
			ptr = true;
	spf_record_free(rec);
	return ptr;
}

/* Adds the findings about one node and its subtree. */
static void node_findings(struct spf_check *check, struct spf_node *node)
{
	struct findings *fs = &check->findings;
	struct finding *f = NULL;
	bool redirect;
	int all;

	switch (node->state) {
	case SPF_NODE_MISSING:
		if (!node->parent) {
			f = findings_add(fs, F_SPF_MISSING,
					 _("%s has no SPF record"),
					 node->domain);
			finding_set_advice(f, _("Publish one TXT record "
						"\"v=spf1 ... ~all\" listing "
						"every service that sends "
						"for the domain (dmarcpilot "
						"spf build)."));
		} else {
			f = findings_add(fs, F_SPF_INCLUDE_MISSING,
					 _("%s: %s has no SPF record; "
					   "receivers return permerror"),
					 node->via, node->domain);
			finding_set_advice(f, _("Remove the term or correct "
						"the name; check the "
						"service's documentation "
						"for its current SPF "
						"include."));
		}
		break;
	case SPF_NODE_MULTIPLE:
		f = findings_add(fs, F_SPF_MULTIPLE,
				 _("%s has more than one SPF record; "
				   "receivers return permerror"),
				 node->domain);
		finding_set_advice(f, _("Merge them into one record: one "
					"\"v=spf1\" TXT record per name "
					"(RFC 7208 4.5)."));
		break;
	case SPF_NODE_SYNTAX:
		f = findings_add(fs, F_SPF_SYNTAX,
				 _("the SPF record of %s does not parse: %s"),
				 node->domain, node->error);
		finding_set_record(f, node->record);
		finding_set_advice(f, _("Correct the record at the column "
					"shown; receivers return permerror "
					"for the whole record."));
		break;
	case SPF_NODE_TEMPERROR:
		f = findings_add(fs, F_SPF_TEMPERROR, "%s", node->error);
		finding_set_advice(f, _("Receivers answer temperror and "
					"defer mail while this lasts; check "
					"the name servers of the zone."));
		break;
	case SPF_NODE_LOOP:
		f = findings_add(fs, F_SPF_LOOP,
				 _("%s leads back to %s, which is already "
				   "being evaluated: a loop"),
				 node->via, node->domain);
		finding_set_advice(f, _("Remove the include or redirect "
					"that points back; receivers stop "
					"with permerror."));
		break;
	default:
		break;
	}
	if (node->record && record_has_ptr(node->record)) {
		f = findings_add(fs, F_SPF_PTR,
				 _("the SPF record of %s uses ptr, which is "
				   "slow and unreliable (RFC 7208 5.5)"),
				 node->domain);
		finding_set_record(f, node->record);
		finding_set_advice(f, _("Replace ptr by ip4:/ip6: ranges or "
					"a: of the sending hosts."));
	}
	all = record_all(node->record, &redirect);
	if (all == SPF_PASS) {
		f = findings_add(fs, F_SPF_PLUS_ALL,
				 _("the SPF record of %s ends in +all: every "
				   "host on the Internet passes"),
				 node->domain);
		finding_set_record(f, node->record);
		finding_set_advice(f, _("Use ~all while rolling out, then "
					"-all."));
	}
	for (size_t i = 0; i < node->nchildren; i++)
		node_findings(check, node->children[i]);
}

/* The policy record: the root, or where its redirect chain ends. */
static const struct spf_node *policy_node(const struct spf_node *node)
{
	bool redirect;

	while (node && node->record &&
	       record_all(node->record, &redirect) < 0 && redirect) {
		const struct spf_node *next = NULL;

		for (size_t i = 0; i < node->nchildren; i++)
			if (node->children[i]->redirect)
				next = node->children[i];
		if (!next || !next->record)
			return node;
		node = next;
	}
	return node;
}

/* Findings about the domain's final "all" and the limits. */
static void tree_findings(struct spf_check *check)
{
	struct findings *fs = &check->findings;
	const struct spf_node *policy = policy_node(check->root);
	const struct spf_node *costly = spf_check_costliest(check);
	struct finding *f;
	bool redirect;
	int all;

	node_findings(check, check->root);
	if (policy && policy->record) {
		all = record_all(policy->record, &redirect);
		if (all < 0 && !redirect) {
			f = findings_add(fs, F_SPF_NO_ALL,
					 _("the SPF record of %s has no all; "
					   "unlisted hosts get neutral"),
					 policy->domain);
			finding_set_record(f, policy->record);
			finding_set_advice(f, _("End the record with ~all, "
						"and with -all once reports "
						"show every sender passes."));
		} else if (all == SPF_NEUTRAL) {
			f = findings_add(fs, F_SPF_NEUTRAL_ALL,
					 _("the SPF record of %s ends in ?all, "
					   "which protects nothing"),
					 policy->domain);
			finding_set_record(f, policy->record);
			finding_set_advice(f, _("Use ~all while rolling out, "
						"then -all."));
		} else if (all == SPF_SOFTFAIL) {
			f = findings_add(fs, F_SPF_SOFTFAIL_ALL,
					 _("the SPF record of %s ends in ~all"),
					 policy->domain);
			finding_set_record(f, policy->record);
			finding_set_advice(f, _("Move to -all once DMARC "
						"reports show every "
						"legitimate sender passes."));
		}
	}
	/* RFC 7208 4.6.4: more than 10 DNS terms is permerror. */
	if (check->lookups > SPF_MAX_DNS_TERMS) {
		f = findings_add(fs, F_SPF_LOOKUP_LIMIT,
				 _("%zu DNS lookups, more than 10: receivers "
				   "return permerror"),
				 check->lookups);
		if (costly)
			finding_set_advice(f, _("Flatten includes into "
						"ip4:/ip6: ranges (dmarcpilot "
						"spf build --flatten) or "
						"remove senders you no longer "
						"use; the costliest branch is "
						"named above."));
	} else if (check->lookups >= SPF_MAX_DNS_TERMS - 1) {
		f = findings_add(fs, F_SPF_LOOKUP_NEAR_LIMIT,
				 _("%zu DNS lookups of at most 10: one more "
				   "sender will break SPF"),
				 check->lookups);
		finding_set_advice(f, _("Make room before adding a sender: "
					"flatten a stable include or remove "
					"unused ones."));
	}
	if (check->void_lookups > 2) {
		f = findings_add(fs, F_SPF_VOID_LIMIT,
				 _("%zu void DNS lookups, more than 2: "
				   "receivers return permerror"),
				 check->void_lookups);
		finding_set_advice(f, _("Remove a:, mx: and exists: terms "
					"whose names have no records."));
	}
}

/* Everything answered: costs, totals, findings, then the caller. */
static void run_complete(struct spf_check_run *run)
{
	struct spf_check *check = run->check;

	check->void_lookups = 0;
	check->lookups = node_cost(check->root, &check->void_lookups);
	tree_findings(check);
	run->done = true;
	run->check = NULL;
	run->cb(run->arg, check);
}

/* Starts the accounting. */
struct spf_check_run *spf_check_start(struct dns *dns, const char *domain,
				      spf_check_callback cb, void *arg)
{
	struct spf_check_run *run = xcalloc(1, sizeof *run);
	struct spf_check *check = xcalloc(1, sizeof *check);

	run->dns = dns;
	run->cb = cb;
	run->arg = arg;
	run->check = check;
	check->domain = dname_lookup_form(domain);
	check->root = node_new(NULL, check->domain, NULL, false);
	node_fetch(run, check->root);
	return run;
}

/* Abandons or frees a run. */
void spf_check_run_free(struct spf_check_run *run)
{
	if (!run)
		return;
	if (!run->done && run->pending > 0) {
		run->orphaned = true;
		return;
	}
	spf_check_free(run->check);
	free(run);
}

/* Keeps the finished check for the synchronous caller. */
static void sync_done(void *arg, struct spf_check *check)
{
	*(struct spf_check **)arg = check;
}

/* Runs the accounting and waits. */
enum status spf_check_sync(struct dns *dns, const char *domain,
			   struct spf_check **out, struct err *err)
{
	struct spf_check_run *run;

	*out = NULL;
	run = spf_check_start(dns, domain, sync_done, out);
	if (dns_run(dns) != STATUS_OK || !*out) {
		spf_check_run_free(run);
		return err_set(err, STATUS_IO, "%s",
			       _("the resolver loop failed"));
	}
	spf_check_run_free(run);
	return STATUS_OK;
}

/* The costliest direct branch. */
const struct spf_node *spf_check_costliest(const struct spf_check *check)
{
	const struct spf_node *best = NULL;

	for (size_t i = 0; check->root && i < check->root->nchildren; i++) {
		const struct spf_node *c = check->root->children[i];

		if (!best || c->cost > best->cost)
			best = c;
	}
	return best;
}

/* A node and its subtree as JSON. */
json_t *spf_node_to_json(const struct spf_node *node)
{
	json_t *o = json_object(), *children = json_array();

	json_object_set_new(o, "domain", json_string(node->domain));
	json_object_set_new(o, "via",
			    node->via ? json_string(node->via) : json_null());
	json_object_set_new(o, "state",
			    json_string(spf_node_state_name(node->state)));
	json_object_set_new(o, "record",
			    node->record ? json_string(node->record)
					 : json_null());
	json_object_set_new(o, "cost", json_integer((json_int_t)node->cost));
	json_object_set_new(o, "terms", json_integer((json_int_t)node->terms));
	json_object_set_new(o, "void_lookups",
			    json_integer((json_int_t)node->void_lookups));
	if (node->error)
		json_object_set_new(o, "error", json_string(node->error));
	for (size_t i = 0; i < node->nchildren; i++)
		json_array_append_new(children,
				      spf_node_to_json(node->children[i]));
	json_object_set_new(o, "children", children);
	return o;
}
