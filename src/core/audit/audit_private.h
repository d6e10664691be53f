/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the parts of the audit share (audit.c, audit_result.c,
 * audit_text.c, audit_json.c, audit_csv.c, audit_loop.c); not for use
 * outside them. Calls go one way: audit_loop.c calls audit.c; every
 * part may call audit_result.c, which calls none of them. */
#ifndef DMARCPILOT_AUDIT_PRIVATE_H
#define DMARCPILOT_AUDIT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/audit.h"

struct addr_slot;
struct dmarc_discovery;
struct provider;
struct propagate_server;
struct spf_check_run;

/* The audit while its queries run (audit.c); audit_loop.c drives it
 * and marks a failed loop in its audit. */
struct audit_run_state {
	struct audit *a;
	struct dns *dns;
	struct https *https;
	char **sts_addresses; /* of mta-sts.DOMAIN */
	size_t nsts_addresses;
	int sts_answers; /* of its A and AAAA queries */
	const struct orgdomain *od;
	struct dmarc_discovery *disc;
	size_t outstanding;       /* callbacks of ours still to run */
	struct addr_slot **slots; /* freed at the end */
	size_t nslots;
	/* Per MX host: how many of its A/AAAA queries answered negatively
	 * or failed, to tell "no address" from "could not tell". */
	size_t *mx_negative;
	size_t *mx_failed;
	size_t *mx_answered;
	const struct audit_options *o;
	char **first_selectors; /* the batch asked at once */
	size_t nfirst;
	const struct provider **seen; /* services in SPF includes / MX */
	size_t nseen;
	bool root_answered, mx_answered_all;
	bool soa_retried; /* the SOA check moved up to the zone apex */
	struct spf_check_run *spf_run;
};

/* The server's name for a message: "ns1.example.com (192.0.2.53:53)";
 * the caller frees it (audit_result.c). */
char *audit_server_label(const struct propagate_server *s);

#endif
