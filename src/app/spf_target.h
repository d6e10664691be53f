/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SPF record the inventory calls for: the senders' mechanisms built
 * into one record by the engine's builder, with exactly the includes the
 * operator chose flattened into their ranges by the engine's flattener,
 * laid out in chained _spfN records past 450 octets (RFC 7208 3.4), and
 * its DNS lookups counted with those records (RFC 7208 4.6.4). The
 * wizard's SPF step shows it; the flattening it remembers feeds the
 * drift checks. No curses. */
#ifndef DMARCPILOT_APP_SPF_TARGET_H
#define DMARCPILOT_APP_SPF_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "app/session.h"
#include "spf/spf_build.h"
#include "util/date.h"
#include "util/status.h"

/* The target record of a domain. */
struct app_spf_target {
	bool fail_all;            /* "-all": spf-all=fail, or -all verified
				     and no spf-all=softfail */
	char *record;             /* the domain's record, or NULL when no
				     sender adds to SPF */
	struct spf_flatten *flat; /* its TXT records ([0] the domain's,
				     then _spfN), lookups with the chained
				     records, and every include with its
				     cost, ranges and whether it can be and
				     is flattened; NULL with record */
};

/* Builds the target of domain from its senders (the catalogue gives the
 * providers' mechanisms) with the includes named in flatten (nflatten
 * of them, "include:x") flattened, resolving every include through dns,
 * or the session's
 * resolver when dns is NULL. STATUS_USAGE naming the include when a
 * chosen one cannot be flattened faithfully (spf build --flatten never
 * flattens it either); the database's, catalogue's or resolver's error
 * when one is missing; STATUS_DNS naming the query that failed. Free
 * with app_spf_target_done(). */
enum status app_spf_target_build(struct session *s, struct dns *dns,
				 const char *domain, const char *const *flatten,
				 size_t nflatten, struct app_spf_target *out,
				 struct err *err);

void app_spf_target_done(struct app_spf_target *t);

/* The includes remembered as flattened for domain (the operator's last
 * choice), as "include:x"; free with app_spf_target_list_free(). */
enum status app_spf_target_saved(struct session *s, const char *domain,
				 char ***out, size_t *count, struct err *err);

void app_spf_target_list_free(char **list, size_t count);

/* Remembers what t flattens, with each flattened include's ranges as
 * they are on day today, for the drift checks of the maintenance
 * phase. */
enum status app_spf_target_save(struct session *s, const char *domain,
				const struct app_spf_target *t, date_t today,
				struct err *err);

#endif
