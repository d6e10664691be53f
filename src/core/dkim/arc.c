/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ARC chain validation (RFC 8617 5.2), on the DKIM verifier's parser,
 * canonicalization, keys and EVP checks. */
#include "config.h"

#include "dkim/arc.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Marks the chain failed at an instance (0: not attributable). */
static void chain_fail(struct arc_chain *c, int instance, char *detail)
{
	if (strcmp(c->result, "fail") == 0) {
		free(detail);
		return;
	}
	c->result = "fail";
	c->broken = instance;
	free(c->detail);
	c->detail = detail;
}

/* The instance of an ARC-Authentication-Results value (RFC 8617 4.1.1:
 * "i=" instance ";" then the results); 0 when malformed. *rest points
 * after the ';'. */
static int aar_instance(const char *v, size_t len, const char **rest)
{
	size_t k = 0;
	int n = 0;

	while (k < len && strchr(" \t\r\n", v[k]))
		k++;
	if (k + 2 > len || v[k] != 'i' || v[k + 1] != '=')
		return 0;
	for (k += 2; k < len && v[k] >= '0' && v[k] <= '9' && n <= 50; k++)
		n = n * 10 + (v[k] - '0');
	while (k < len && strchr(" \t\r\n", v[k]))
		k++;
	if (k >= len || v[k] != ';' || n < 1 || n > ARC_MAX_INSTANCES)
		return 0;
	*rest = v + k + 1;
	return n;
}

/* Places one ARC field in its set; false (chain failed) when it is
 * malformed or its instance already has one. */
static bool place_field(const struct dkim_msg *msg, size_t index,
			struct arc_chain *c)
{
	const struct dkim_field *f = &msg->fields[index];
	struct dkim_check k = { 0 };
	struct err err = ERR_INIT;
	struct arc_hop *hop;
	const char *rest = NULL;
	int instance;
	bool seal = dkim_field_is(f, "ARC-Seal");

	if (dkim_field_is(f, "ARC-Authentication-Results")) {
		instance = aar_instance(f->value, f->value_len, &rest);
		if (!instance) {
			chain_fail(c, 0,
				   xstrdup(_("an ARC-Authentication-"
					     "Results field has no "
					     "valid i=")));
			return false;
		}
		hop = &c->hops[instance - 1];
		if (hop->has_aar)
			goto twice;
		hop->has_aar = true;
		hop->aar = index;
		{
			const char *id = rest + strspn(rest, " \t\r\n");

			hop->authserv_id =
			    text_clean(id, strcspn(id, "; \t\r\n"));
		}
		goto counted;
	}
	if (dkim_sig_parse_kind(f->value, f->value_len,
				seal ? DKIM_SIG_ARC_SEAL : DKIM_SIG_ARC_MESSAGE,
				&k.sig, &err) != STATUS_OK) {
		chain_fail(
		    c, k.sig.instance,
		    xasprintf(_("%s is malformed: %s"),
			      seal ? "ARC-Seal" : "ARC-Message-Signature",
			      err_message(&err)));
		dkim_sig_done(&k.sig);
		err_done(&err);
		return false;
	}
	instance = k.sig.instance;
	hop = &c->hops[instance - 1];
	if (seal ? hop->has_seal : hop->has_ams) {
		dkim_sig_done(&k.sig);
		goto twice;
	}
	k.parsed = true;
	k.field = index;
	if (seal) {
		hop->has_seal = true;
		hop->seal = index;
		hop->seal_check = k;
	} else {
		hop->has_ams = true;
		hop->ams = index;
		hop->ams_check = k;
	}
counted:
	if ((size_t)instance > c->count)
		c->count = (size_t)instance;
	return true;
twice:
	chain_fail(c, instance,
		   xasprintf(_("ARC instance %d has a field twice"), instance));
	return false;
}

/* Reads the sets, checks the structure, asks for the keys. */
void arc_start(struct dns *dns, const struct dkim_msg *msg, struct arc_chain *c)
{
	memset(c, 0, sizeof *c);
	c->result = "none";
	c->hops = xcalloc(ARC_MAX_INSTANCES, sizeof *c->hops);
	for (size_t i = 0; i < msg->nfields; i++) {
		const struct dkim_field *f = &msg->fields[i];

		if ((dkim_field_is(f, "ARC-Seal") ||
		     dkim_field_is(f, "ARC-Message-Signature") ||
		     dkim_field_is(f, "ARC-Authentication-Results")) &&
		    !place_field(msg, i, c))
			return;
	}
	if (c->count == 0)
		return;
	/* RFC 8617 5.2 steps 2 and 3: the newest seal's cv, then every
	 * set complete, cv=none at 1 and pass above. */
	for (size_t n = 0; n < c->count; n++) {
		struct arc_hop *hop = &c->hops[n];
		int i = (int)n + 1;

		if (!hop->has_aar || !hop->has_ams || !hop->has_seal) {
			chain_fail(c, i,
				   xasprintf(_("ARC set %d is incomplete"), i));
			return;
		}
	}
	if (strcmp(c->hops[c->count - 1].seal_check.sig.cv, "fail") == 0) {
		chain_fail(c, (int)c->count,
			   xasprintf(_("hop %zu found the chain already "
				       "broken (cv=fail)"),
				     c->count));
		return;
	}
	for (size_t n = 0; n < c->count; n++) {
		const char *want = n == 0 ? "none" : "pass";

		if (strcmp(c->hops[n].seal_check.sig.cv, want) != 0) {
			chain_fail(c, (int)n + 1,
				   xasprintf(_("the seal of hop %zu has cv=%s, "
					       "not %s"),
					     n + 1,
					     c->hops[n].seal_check.sig.cv,
					     want));
			return;
		}
	}
	for (size_t n = 0; n < c->count; n++) {
		dkim_check_lookup(dns, &c->hops[n].ams_check);
		dkim_check_lookup(dns, &c->hops[n].seal_check);
	}
}

/* RFC 8617 5.1.1: the seal's hash input, every set up to its own in
 * increasing order (AAR, AMS, AS), relaxed, the seal itself last with
 * b= empty and no CRLF. */
static void seal_input(const struct dkim_msg *msg, const struct arc_chain *c,
		       size_t upto, struct strbuf *out)
{
	for (size_t n = 0; n <= upto; n++) {
		const struct arc_hop *hop = &c->hops[n];
		const struct dkim_field *aar = &msg->fields[hop->aar];
		const struct dkim_field *ams = &msg->fields[hop->ams];
		const struct dkim_field *as = &msg->fields[hop->seal];

		dkim_canon_header(out, aar->raw, aar->raw_len, true, true);
		dkim_canon_header(out, ams->raw, ams->raw_len, true, true);
		if (n < upto) {
			dkim_canon_header(out, as->raw, as->raw_len, true,
					  true);
		} else {
			size_t len;
			char *s =
			    dkim_canon_strip_b(as->raw, as->raw_len, &len);

			dkim_canon_header(out, s, len, true, false);
			free(s);
		}
	}
}

/* Validates the newest AMS and the seals. */
void arc_finish(const struct dkim_msg *msg, struct arc_chain *c, int64_t now)
{
	struct dkim_body_cache cache = DKIM_BODY_CACHE_INIT;
	struct strbuf in = STRBUF_INIT;
	struct arc_hop *last;

	if (c->count == 0 || strcmp(c->result, "fail") == 0)
		goto out;
	/* RFC 8617 5.2 step 4: the newest AMS must verify. */
	last = &c->hops[c->count - 1];
	dkim_check_verify(msg, &last->ams_check, now, &cache);
	if (last->ams_check.result != DKIM_PASS) {
		chain_fail(c, (int)c->count,
			   xasprintf(_("the message was changed after hop "
				       "%zu (%s) sealed it: %s"),
				     c->count, last->ams_check.sig.d,
				     last->ams_check.detail
					 ? last->ams_check.detail
					 : ""));
		goto out;
	}
	/* Step 6: the oldest AMS that still verifies says which hops
	 * changed the message (informational). */
	c->oldest_pass = (int)c->count;
	for (size_t n = c->count - 1; n-- > 0;) {
		dkim_check_verify(msg, &c->hops[n].ams_check, now, &cache);
		if (c->hops[n].ams_check.result != DKIM_PASS)
			break;
		c->oldest_pass = (int)n + 1;
	}
	/* Step 5: every seal, newest first. */
	for (size_t n = c->count; n-- > 0;) {
		struct dkim_check *k = &c->hops[n].seal_check;

		if (!k->key) {
			chain_fail(c, (int)n + 1,
				   xstrdup(_("the seal's key query was not "
					     "answered")));
			goto out;
		}
		if (!dkim_check_key_usable(k)) {
			chain_fail(c, (int)n + 1,
				   xasprintf(_("the seal of hop %zu (%s): %s"),
					     n + 1, k->sig.d,
					     k->detail ? k->detail : ""));
			goto out;
		}
		strbuf_reset(&in);
		seal_input(msg, c, n, &in);
		if (!dkim_check_signature(k, &in)) {
			chain_fail(c, (int)n + 1,
				   xasprintf(_("the seal of hop %zu (%s) does "
					       "not verify: an ARC set up to "
					       "it was changed"),
					     n + 1, k->sig.d));
			goto out;
		}
		k->result = DKIM_PASS;
	}
	c->result = "pass";
out:
	strbuf_done(&in);
	dkim_body_cache_done(&cache);
}

/* Frees the chain. */
void arc_chain_done(struct arc_chain *c)
{
	for (size_t n = 0; c->hops && n < ARC_MAX_INSTANCES; n++) {
		dkim_check_done(&c->hops[n].ams_check);
		dkim_check_done(&c->hops[n].seal_check);
		free(c->hops[n].authserv_id);
	}
	free(c->hops);
	free(c->detail);
	memset(c, 0, sizeof *c);
	c->result = "none";
}
