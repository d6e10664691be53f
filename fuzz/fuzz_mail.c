/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: a received message as 'mail check' reads it (the header
 * split, DKIM-Signature, ARC-Message-Signature and ARC-Seal tag-lists,
 * Authentication-Results, canonicalization, GMime's reading of the
 * header block: From and Return-Path), verified against an empty
 * offline resolver so that every key is missing. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/arc.h"
#include "mail/authres.h"
#include "dkim/dkim_verify.h"
#include "dns/dns.h"
#include "report/mailmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs each field's own parser on it. */
static void parse_fields(const struct dkim_msg *msg)
{
	for (size_t i = 0; i < msg->nfields; i++) {
		const struct dkim_field *f = &msg->fields[i];
		struct strbuf sb = STRBUF_INIT;
		struct err err = ERR_INIT;
		struct dkim_sig sig;
		struct authres ar;
		size_t len;
		char *stripped;

		dkim_canon_header(&sb, f->raw, f->raw_len, true, true);
		dkim_canon_header(&sb, f->raw, f->raw_len, false, false);
		stripped = dkim_canon_strip_b(f->raw, f->raw_len, &len);
		free(stripped);
		strbuf_done(&sb);
		if (dkim_field_is(f, "Authentication-Results")) {
			if (authres_parse(f->value, f->value_len, &ar, &err) ==
			    STATUS_OK)
				authres_done(&ar);
		} else {
			enum dkim_sig_kind kind =
			    dkim_field_is(f, "ARC-Seal") ? DKIM_SIG_ARC_SEAL
			    : dkim_field_is(f, "ARC-Message-Signature")
				? DKIM_SIG_ARC_MESSAGE
				: DKIM_SIG_DKIM;

			dkim_sig_parse_kind(f->value, f->value_len, kind, &sig,
					    &err);
			dkim_sig_done(&sig);
		}
		err_done(&err);
	}
}

/* Splits, parses and verifies one message. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_msg msg;
	struct dkim_checks checks;
	struct arc_chain chain;
	struct err err = ERR_INIT;
	struct dns *dns;

	if (dkim_msg_parse((const char *)data, size, &msg, &err) != STATUS_OK) {
		err_done(&err);
		return 0;
	}
	parse_fields(&msg);
	if (msg.nfields) {
		const struct dkim_field *last = &msg.fields[msg.nfields - 1];
		struct mailmsg_header_info hdr;

		if (mailmsg_parse_header(
			msg.fields[0].raw,
			(size_t)(last->raw + last->raw_len - msg.fields[0].raw),
			&hdr, &err) == STATUS_OK)
			mailmsg_header_info_done(&hdr);
		err_done(&err);
	}
	dns = dns_new_table();
	dkim_checks_start(dns, &msg, &checks);
	arc_start(dns, &msg, &chain);
	dns_run(dns);
	dkim_checks_finish(&msg, &checks, 0);
	arc_finish(&msg, &chain, 0);
	arc_chain_done(&chain);
	dkim_checks_done(&checks);
	dns_free(dns);
	dkim_msg_done(&msg);
	return 0;
}
