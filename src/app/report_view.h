/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the reports of a domain say over a window, as both front ends
 * show it (`report summary`, `report failures` and the reports screen):
 * the analysis of the window (plan/analysis.h), its sources grouped by
 * the provider that explains them, the receivers' dispositions, the
 * counts of everything stored, and the failure reports. The default
 * window is the one readiness judges (plan/rollout.h), so the screen,
 * the summary and the plan speak of the same days. */
#ifndef DMARCPILOT_APP_REPORT_VIEW_H
#define DMARCPILOT_APP_REPORT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "plan/analysis.h"
#include "providers/providers.h"
#include "store/store.h"
#include "util/date.h"
#include "util/status.h"

/* The windows an operator switches between. */
enum report_window {
	REPORT_WINDOW_PLAN, /* the plan's readiness window, ending today */
	REPORT_WINDOW_WEEK, /* the last 7 days, ending today */
	REPORT_WINDOW_ALL,  /* every report up to today */
	REPORT_WINDOW_RANGE /* the days the caller gives */
};

#define REPORT_WINDOW_COUNT (REPORT_WINDOW_ALL + 1) /* the switchable */

/* "plan", "week", "all", "range": stable words for --window and JSON. */
const char *report_window_name(enum report_window w);

/* The window named by word ("plan", "week", "all"); false if none. */
bool report_window_parse(const char *word, enum report_window *out);

/* What holds a group's sources together. */
enum report_group_kind {
	REPORT_GROUP_PROVIDER, /* a service of the catalogue explains them */
	REPORT_GROUP_OWN,      /* no service, but the domain's SPF record or
				  its list of senders authorizes them: the
				  operator's own servers */
	REPORT_GROUP_UNKNOWN,  /* nothing explains them */
};

/* "provider", "own", "unknown": stable words for JSON. */
const char *report_group_kind_name(enum report_group_kind kind);

/* The sources one provider of the catalogue explains, the domain's own
 * servers, or the sources nothing explains. */
struct report_group {
	enum report_group_kind kind;
	const struct provider *provider; /* borrowed from the catalogue;
					    NULL unless kind is
					    REPORT_GROUP_PROVIDER */
	struct analysis_totals t;
	int64_t failing;           /* messages failing DMARC */
	enum analysis_class worst; /* the class to look at first */
	size_t *sources;           /* indices into the analysis' sources,
				      largest first */
	size_t nsources;
};

/* The fields of a failure report (RFC 6591), declared once for the
 * structure, its copy and free, and its JSON: each member with its key
 * in `report failures --json`, in the order both list them. */
/* clang-format off */
#define REPORT_FAILURE_FIELDS(X)                                       \
	X(feedback_type, "feedback_type")                              \
	X(source_ip, "source_ip")                                      \
	X(auth_failure, "auth_failure")                                \
	X(original_from, "original_from")                              \
	X(original_mail_from, "original_mail_from")                    \
	X(original_message_id, "message_id")                           \
	X(dkim_domain, "dkim_domain")                                  \
	X(dkim_selector, "dkim_selector")                              \
	X(spf_domain, "spf_domain")                                    \
	X(arrival, "arrival_date")                                     \
	X(delivery_result, "delivery_result")                          \
	X(source, "source")                                            \
	X(imported, "imported")
/* clang-format on */

/* One stored failure report (store/report_query.h); strings owned, NULL
 * when absent. */
struct report_failure {
#define REPORT_FAILURE_MEMBER(member, key) char *member;
	REPORT_FAILURE_FIELDS(REPORT_FAILURE_MEMBER)
#undef REPORT_FAILURE_MEMBER
};

struct report_view {
	char *domain;
	enum report_window window;
	date_t since, until; /* the window; DATE_ANY for an open end */
	int plan_days;       /* days of the plan's window */
	struct analysis *analysis;
	struct report_group *groups; /* by volume, largest first */
	size_t ngroups;
	/* RFC 7489 7.2.1.1: what receivers did with the window's mail. */
	int64_t delivered, quarantined, rejected;
	int64_t stored_reports;          /* aggregate reports of the domain, all
				    time */
	int64_t stored_failures;         /* failure reports of the domain, all
				    time */
	struct report_failure *failures; /* the last imported first */
	size_t nfailures;
};

/* What the view is asked for. */
struct report_view_request {
	const char *domain;
	enum report_window window;
	date_t today;
	date_t since, until; /* REPORT_WINDOW_RANGE only; DATE_ANY open */
	struct analysis_options analysis; /* DNS and catalogue, may be
					     empty (analysis.h) */
	size_t failures_max;              /* failure reports listed; 0: all */
};

/* Loads the view of req's window from store into *out (free it with
 * report_view_done()). The domain need not be in the rollout: its
 * plan's window is then the default one. */
enum status report_view_load(struct store *store,
			     const struct report_view_request *req,
			     struct report_view *out, struct err *err);

void report_view_done(struct report_view *view);

/* Loads only the failure reports and the counts (no analysis). */
enum status report_view_failures(struct store *store, const char *domain,
				 size_t max, struct report_view *out,
				 struct err *err);

#endif
