/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Findings: what a check tells the operator. The codes are stable
 * identifiers (DESIGN.md section 5): add, never rename. */
#ifndef DMARCPILOT_FINDING_H
#define DMARCPILOT_FINDING_H

#include <jansson.h>
#include <stddef.h>

enum severity { SEVERITY_INFO, SEVERITY_WARNING, SEVERITY_ERROR };

/* X(ENUM, "code", default severity) */
/* clang-format off */
#define FINDING_LIST(X)                                                       \
	X(F_SPF_MISSING, "spf.missing", SEVERITY_ERROR)                       \
	X(F_SPF_MULTIPLE, "spf.multiple", SEVERITY_ERROR)                     \
	X(F_SPF_SYNTAX, "spf.syntax", SEVERITY_ERROR)                         \
	X(F_SPF_LOOKUP_LIMIT, "spf.lookup_limit", SEVERITY_ERROR)             \
	X(F_SPF_LOOKUP_NEAR_LIMIT, "spf.lookup_near_limit", SEVERITY_WARNING) \
	X(F_SPF_VOID_LIMIT, "spf.void_limit", SEVERITY_ERROR)                 \
	X(F_SPF_MX_LIMIT, "spf.mx_limit", SEVERITY_ERROR)                     \
	X(F_SPF_PTR, "spf.ptr", SEVERITY_WARNING)                             \
	X(F_SPF_PLUS_ALL, "spf.plus_all", SEVERITY_ERROR)                     \
	X(F_SPF_NEUTRAL_ALL, "spf.neutral_all", SEVERITY_WARNING)             \
	X(F_SPF_NO_ALL, "spf.no_all", SEVERITY_WARNING)                       \
	X(F_SPF_SOFTFAIL_ALL, "spf.softfail_all", SEVERITY_INFO)              \
	X(F_SPF_STRING_TOO_LONG, "spf.string_too_long", SEVERITY_ERROR)       \
	X(F_SPF_RECORD_TOO_LONG, "spf.record_too_long", SEVERITY_WARNING)     \
	X(F_SPF_INCLUDE_MISSING, "spf.include_missing", SEVERITY_ERROR)       \
	X(F_SPF_LOOP, "spf.loop", SEVERITY_ERROR)                             \
	X(F_SPF_TEMPERROR, "spf.temperror", SEVERITY_ERROR)                   \
	X(F_SPF_FLATTEN_DRIFT, "spf.flatten_drift", SEVERITY_WARNING)         \
	X(F_DKIM_MISSING, "dkim.missing", SEVERITY_ERROR)                     \
	X(F_DKIM_REVOKED, "dkim.revoked", SEVERITY_WARNING)                   \
	X(F_DKIM_WEAK_KEY, "dkim.weak_key", SEVERITY_ERROR)                   \
	X(F_DKIM_SHA1, "dkim.sha1", SEVERITY_WARNING)                         \
	X(F_DKIM_TESTING, "dkim.testing", SEVERITY_INFO)                      \
	X(F_DKIM_KEY_MISMATCH, "dkim.key_mismatch", SEVERITY_ERROR)           \
	X(F_DKIM_SYNTAX, "dkim.syntax", SEVERITY_ERROR)                       \
	X(F_DKIM_STRING_TOO_LONG, "dkim.string_too_long", SEVERITY_ERROR)     \
	X(F_DKIM_ROTATION_DUE, "dkim.rotation_due", SEVERITY_WARNING)         \
	X(F_DMARC_MISSING, "dmarc.missing", SEVERITY_ERROR)                   \
	X(F_DMARC_MULTIPLE, "dmarc.multiple", SEVERITY_ERROR)                 \
	X(F_DMARC_SYNTAX, "dmarc.syntax", SEVERITY_ERROR)                     \
	X(F_DMARC_POLICY_NONE, "dmarc.policy_none", SEVERITY_INFO)            \
	X(F_DMARC_NO_RUA, "dmarc.no_rua", SEVERITY_WARNING)                   \
	X(F_DMARC_RUA_UNAUTHORIZED, "dmarc.rua_unauthorized", SEVERITY_ERROR) \
	X(F_DMARC_PCT_PARTIAL, "dmarc.pct_partial", SEVERITY_INFO)            \
	X(F_DMARC_SP_WEAKER, "dmarc.sp_weaker", SEVERITY_WARNING)             \
	X(F_DMARC_INHERITED, "dmarc.inherited", SEVERITY_INFO)                \
	X(F_DNS_TEMPERROR, "dns.temperror", SEVERITY_ERROR)                   \
	X(F_DNS_NS_DISAGREE, "dns.ns_disagree", SEVERITY_WARNING)             \
	X(F_REPORT_UNKNOWN_SOURCE_FAILING, "report.unknown_source_failing",   \
	  SEVERITY_WARNING)                                                   \
	X(F_REPORT_KNOWN_SOURCE_FAILING, "report.known_source_failing",       \
	  SEVERITY_WARNING)                                                   \
	X(F_MX_MISSING, "mx.missing", SEVERITY_WARNING)                       \
	X(F_MX_UNRESOLVABLE, "mx.unresolvable", SEVERITY_ERROR)               \
	X(F_TLSRPT_MISSING, "tlsrpt.missing", SEVERITY_INFO)                  \
	X(F_TLSRPT_MULTIPLE, "tlsrpt.multiple", SEVERITY_ERROR)               \
	X(F_TLSRPT_SYNTAX, "tlsrpt.syntax", SEVERITY_ERROR)                   \
	X(F_BIMI_MULTIPLE, "bimi.multiple", SEVERITY_ERROR)                   \
	X(F_BIMI_SYNTAX, "bimi.syntax", SEVERITY_ERROR)                       \
	X(F_BIMI_INSECURE_URI, "bimi.insecure_uri", SEVERITY_ERROR)           \
	X(F_BIMI_DMARC_NOT_ENFORCED, "bimi.dmarc_not_enforced",               \
	  SEVERITY_ERROR)                                                     \
	X(F_MTA_STS_MISSING, "mta_sts.missing", SEVERITY_INFO)                \
	X(F_MTA_STS_MULTIPLE, "mta_sts.multiple", SEVERITY_ERROR)             \
	X(F_MTA_STS_SYNTAX, "mta_sts.syntax", SEVERITY_ERROR)                 \
	X(F_MTA_STS_FETCH_FAILED, "mta_sts.fetch_failed", SEVERITY_ERROR)     \
	X(F_MTA_STS_POLICY_SYNTAX, "mta_sts.policy_syntax", SEVERITY_ERROR)   \
	X(F_MTA_STS_MX_MISMATCH, "mta_sts.mx_mismatch", SEVERITY_ERROR)       \
	X(F_MTA_STS_TESTING, "mta_sts.testing", SEVERITY_INFO)                \
	X(F_MTA_STS_MODE_NONE, "mta_sts.mode_none", SEVERITY_WARNING)         \
	X(F_MTA_STS_MAX_AGE_SHORT, "mta_sts.max_age_short", SEVERITY_WARNING)   \
	X(F_DKIM_BODY_HASH, "dkim.body_hash", SEVERITY_ERROR)                 \
	X(F_DKIM_BAD_SIGNATURE, "dkim.bad_signature", SEVERITY_ERROR)         \
	X(F_DKIM_EXPIRED, "dkim.expired", SEVERITY_ERROR)                     \
	X(F_DKIM_LENGTH, "dkim.length", SEVERITY_WARNING)                     \
	X(F_DKIM_TOO_MANY, "dkim.too_many_signatures", SEVERITY_WARNING)      \
	X(F_DKIM_KEY_TOO_LARGE, "dkim.key_too_large", SEVERITY_ERROR)         \
	X(F_MAIL_SPF_FAIL, "mail.spf_fail", SEVERITY_ERROR)                   \
	X(F_MAIL_DMARC_FAIL, "mail.dmarc_fail", SEVERITY_ERROR)               \
	X(F_MAIL_AR_DISAGREE, "mail.ar_disagree", SEVERITY_WARNING)           \
	X(F_MAIL_AR_SYNTAX, "mail.ar_syntax", SEVERITY_WARNING)               \
	X(F_MAIL_HEADER, "mail.header", SEVERITY_ERROR)                       \
	X(F_MAIL_BULK_RULE, "mail.bulk_rule", SEVERITY_ERROR)                 \
	X(F_MAIL_ARC_FAIL, "mail.arc_fail", SEVERITY_WARNING)   \
	X(F_DKIM_FUTURE, "dkim.future", SEVERITY_ERROR)                       \
	X(F_DNSSEC_UNSIGNED, "dnssec.unsigned", SEVERITY_INFO)                \
	X(F_DNSSEC_BOGUS, "dnssec.bogus", SEVERITY_ERROR)                     \
	X(F_DNSSEC_UNVALIDATED, "dnssec.unvalidated", SEVERITY_INFO)          \
	X(F_SMTP_UNREACHABLE, "smtp.unreachable", SEVERITY_WARNING)           \
	X(F_SMTP_NO_STARTTLS, "smtp.no_starttls", SEVERITY_ERROR)             \
	X(F_SMTP_TLS_FAILED, "smtp.tls_failed", SEVERITY_ERROR)               \
	X(F_SMTP_CERT_NAME, "smtp.cert_name", SEVERITY_WARNING)               \
	X(F_SMTP_CERT_EXPIRED, "smtp.cert_expired", SEVERITY_ERROR)           \
	X(F_SMTP_CERT_UNTRUSTED, "smtp.cert_untrusted", SEVERITY_WARNING)     \
	X(F_SMTP_MTA_STS_CERT, "smtp.mta_sts_cert", SEVERITY_ERROR)           \
	X(F_PLAN_NO_SENDERS, "plan.no_senders", SEVERITY_ERROR)               \
	X(F_PLAN_SPF_PROBLEM, "plan.spf_problem", SEVERITY_ERROR)             \
	X(F_PLAN_SPF_UNCOUNTED, "plan.spf_uncounted", SEVERITY_ERROR)         \
	X(F_PLAN_SPF_STALE, "plan.spf_stale", SEVERITY_WARNING)               \
	X(F_PLAN_DKIM_MISSING, "plan.dkim_missing", SEVERITY_ERROR)           \
	X(F_PLAN_DKIM_UNREADABLE, "plan.dkim_unreadable", SEVERITY_ERROR)     \
	X(F_PLAN_TOO_EARLY, "plan.too_early", SEVERITY_ERROR)                 \
	X(F_PLAN_NO_REPORTS, "plan.no_reports", SEVERITY_ERROR)               \
	X(F_PLAN_PASS_RATE, "plan.pass_rate", SEVERITY_ERROR)                 \
	X(F_PLAN_UNKNOWN_SOURCE, "plan.unknown_source", SEVERITY_ERROR)       \
	X(F_PLAN_NOT_OURS, "plan.not_ours", SEVERITY_INFO)                    \
	X(F_PLAN_EVIDENCE_GOOD, "plan.evidence_good", SEVERITY_INFO)          \
	X(F_PLAN_LIVE_UNREAD, "plan.live_unread", SEVERITY_ERROR)             \
	X(F_PLAN_WEAKER, "plan.weaker", SEVERITY_WARNING)                     \
	X(F_PLAN_DRIFT_UNCHECKED, "plan.drift_unchecked", SEVERITY_WARNING)   \
	X(F_PLAN_DUE, "plan.due", SEVERITY_WARNING)                           \
	X(F_PLAN_COMPLETE, "plan.complete", SEVERITY_INFO)                    \
	X(F_MONITOR_RECORD_CHANGED, "monitor.record_changed", SEVERITY_ERROR) \
	X(F_MONITOR_RECORD_REMOVED, "monitor.record_removed", SEVERITY_ERROR) \
	X(F_MONITOR_DKIM_GONE, "monitor.dkim_key_gone", SEVERITY_ERROR)       \
	X(F_MONITOR_DKIM_WEAK, "monitor.dkim_key_weak", SEVERITY_ERROR)       \
	X(F_MONITOR_DKIM_REVOKED, "monitor.dkim_key_revoked", SEVERITY_ERROR) \
	X(F_MONITOR_SPF_LOOKUPS, "monitor.spf_lookup_limit", SEVERITY_ERROR)  \
	X(F_MONITOR_SPF_PERMERROR, "monitor.spf_permerror", SEVERITY_ERROR)   \
	X(F_MONITOR_SPF_DRIFT, "monitor.spf_flatten_drift", SEVERITY_WARNING) \
	X(F_MONITOR_RUA_UNAUTHORIZED, "monitor.rua_unauthorized",             \
	  SEVERITY_ERROR)                                                     \
	X(F_MONITOR_SPF_FAIL, "monitor.spf_fail_rate", SEVERITY_WARNING)      \
	X(F_MONITOR_DKIM_FAIL, "monitor.dkim_fail_rate", SEVERITY_WARNING)    \
	X(F_MONITOR_DMARC_FAIL, "monitor.dmarc_fail_rate", SEVERITY_ERROR)    \
	X(F_MONITOR_VOLUME_DROP, "monitor.volume_drop", SEVERITY_WARNING)     \
	X(F_MONITOR_UNKNOWN_SOURCE, "monitor.unknown_source", SEVERITY_WARNING) \
	X(F_MONITOR_ROTATION_DUE, "monitor.dkim_rotation_due",                \
	  SEVERITY_WARNING)                                                   \
	X(F_MONITOR_STEP_READY, "monitor.step_ready", SEVERITY_INFO)
/* clang-format on */

#define FINDING_ENUM(name, code, severity) name,
enum finding_code { FINDING_LIST(FINDING_ENUM) FINDING_CODE_COUNT };
#undef FINDING_ENUM

struct finding {
	enum finding_code code;
	enum severity severity;
	char *message;  /* translated, cleaned of control characters */
	char *record;   /* the record it is about, or NULL */
	char *selector; /* the DKIM selector it is about, or NULL */
	char *advice;   /* what to do about it (translated), or NULL */
};

/* A growing list of findings; owns everything in it. */
struct findings {
	struct finding *items;
	size_t count;
	size_t cap;
};

/* clang-format off */
#define FINDINGS_INIT { NULL, 0, 0 }
/* clang-format on */

/* The stable identifier ("spf.lookup_limit") of a code. */
const char *finding_code_name(enum finding_code code);

/* The code of an identifier; -1 when unknown. */
int finding_code_from_name(const char *name);

/* The severity a code has unless the caller says otherwise. */
enum severity finding_default_severity(enum finding_code code);

/* "error", "warning" or "info" (stable, for --json). */
const char *severity_name(enum severity severity);

/* The translated word for display. */
const char *severity_label(enum severity severity);

/* Appends a finding with the code's default severity; the message is
 * formatted (already translated by the caller) and cleaned. Returns the
 * new finding so that record, selector and advice can be set with
 * finding_set_*. */
struct finding *findings_add(struct findings *list, enum finding_code code,
			     const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Setters that copy (and clean) their argument. */
void finding_set_record(struct finding *f, const char *record);
void finding_set_selector(struct finding *f, const char *selector);
void finding_set_advice(struct finding *f, const char *advice);

/* Moves every finding of src to the end of dst; src is left empty. */
void findings_move(struct findings *dst, struct findings *src);

/* True if any finding has the code. */
int findings_has(const struct findings *list, enum finding_code code);

/* The highest severity in the list; SEVERITY_INFO when empty. */
enum severity findings_worst(const struct findings *list);

/* A JSON array of the findings (code, severity, message, record,
 * selector, advice where set). The caller owns the reference. */
json_t *findings_to_json(const struct findings *list);

void findings_done(struct findings *list);

#endif
