/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rollout plan (DESIGN.md section 4): where a domain stands on the
 * way from no authentication to SPF -all and DMARC p=reject, whether the
 * reports allow the next step, the exact record to publish next and the
 * earliest day for it, and a week-by-week timeline for the wizard.
 *
 * The plan is computed in two halves: rollout_inputs_load() gathers the
 * state (store), the records built from it and the report evidence;
 * rollout_decide() is a pure function of those inputs and the day, so
 * that tests can give it any evidence. */
#ifndef DMARCPILOT_ROLLOUT_H
#define DMARCPILOT_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/date.h"
#include "util/finding.h"
#include "dns/dns.h"
#include "dmarc/ladder.h"
#include "providers/providers.h"
#include "spf/spf_build.h"
#include "store/state.h"
#include "util/status.h"
#include "store/store.h"

/* The phases in order. The plan is in the phase of the last thing
 * verified live. */
enum rollout_phase {
	ROLLOUT_DISCOVERY,   /* nothing verified yet: list the senders */
	ROLLOUT_SPF,         /* SPF with ~all is live */
	ROLLOUT_DKIM,        /* every DKIM key is live */
	ROLLOUT_MONITOR,     /* DMARC p=none with rua is live */
	ROLLOUT_QUARANTINE,  /* a quarantine rung is live */
	ROLLOUT_REJECT,      /* a reject rung is live */
	ROLLOUT_ENFORCED,    /* SPF -all and the last rung are live */
	ROLLOUT_MAINTENANCE, /* enforced for a whole report window */
};

#define ROLLOUT_PHASE_COUNT (ROLLOUT_MAINTENANCE + 1)

/* "discovery", "spf", "dkim", "monitor", "quarantine", "reject",
 * "enforced", "maintenance": stable words for --json. */
const char *rollout_phase_name(enum rollout_phase phase);

/* The translated name for people. */
const char *rollout_phase_label(enum rollout_phase phase);

/* How the report analysis classes a source (DESIGN.md section 4). */
enum rollout_class {
	ROLLOUT_CLASS_PASS,
	ROLLOUT_CLASS_FAIL_KNOWN,   /* fails, but is a listed sender */
	ROLLOUT_CLASS_FAIL_UNKNOWN, /* fails and nobody knows it */
	ROLLOUT_CLASS_FORWARDED,    /* fails after a forwarder */
	ROLLOUT_CLASS_NOT_OURS,     /* fails from a source the operator
				       disowned (spoofing): shown, never
				       counted against readiness */
};

/* "pass", "fail-known", "fail-unknown", "forwarded", "not-ours". */
const char *rollout_class_name(enum rollout_class cls);

/* A failing source of the window. */
struct rollout_source {
	char *ip;
	char *ptr;      /* reverse DNS, or NULL */
	char *provider; /* the service that explains it, or NULL */
	uint64_t messages;
	enum rollout_class cls;
};

/* What the aggregate reports of the window say. */
struct rollout_evidence {
	date_t since, until; /* the window, both days included */
	uint64_t reports;    /* reports that overlap the window */
	uint64_t messages;   /* every message reported */
	uint64_t legitimate; /* passing + failing from listed senders */
	uint64_t passing;    /* DMARC pass */
	uint64_t forwarded;  /* failing after a forwarder */
	uint64_t not_ours;   /* failing from disowned sources */
	struct rollout_source *failing; /* failing sources, most first */
	size_t nfailing;
};

/* Frees the sources. */
void rollout_evidence_done(struct rollout_evidence *e);

/* What the next step publishes. */
enum rollout_action {
	ROLLOUT_ACTION_NONE,  /* nothing: the rollout is done */
	ROLLOUT_ACTION_SPF,   /* the SPF record (rung 0 ~all, 1 -all) */
	ROLLOUT_ACTION_DKIM,  /* a DKIM key record */
	ROLLOUT_ACTION_DMARC, /* a DMARC rung */
};

struct rollout_next {
	enum rollout_action action;
	char *name;     /* the owner name, no final dot, or NULL */
	char *record;   /* the exact TXT value, or NULL when not known
			   (a key the provider publishes) */
	char *selector; /* DKIM: the selector */
	char *provider; /* DKIM: the service that publishes the key (its
			   catalogue ID), or NULL for a key of our own */
	int rung;       /* SPF: 0 or 1; DMARC: the ladder index */
	char *label;    /* "quarantine 10 %", "SPF ~all", ... translated */
	struct spf_txt *parts; /* SPF: the _spfN records the record
				  includes, published with it; else none */
	size_t nparts;
};

/* A sender whose service signs with DKIM keys it publishes itself
 * (the catalogue's dkim_selectors), and what is live of them. */
struct rollout_sender_dkim {
	char *provider;   /* the catalogue ID ("google-workspace") */
	char *name;       /* "Google Workspace" */
	char *how;        /* where to enable it (the catalogue), or NULL */
	char **selectors; /* the catalogue's selectors */
	size_t nselectors;
	bool has_key; /* a key of this service is recorded */
	char *live;   /* the selector serving a key now (filled by
				the app layer's live read), or NULL */
};

/* Everything the plan is computed from. */
struct rollout_inputs {
	char *domain;
	date_t created; /* the day the domain was added */
	struct state_settings settings;
	struct ladder ladder;
	struct dmarc_record tags; /* the tags of every rung (rua, ...) */
	struct state_sender *senders;
	size_t nsenders;
	struct state_dkim_key *keys;
	size_t nkeys;
	char **key_records;  /* keys[i]'s TXT value, or NULL */
	char **key_problems; /* why key_records[i] could not be
				       built from the key file (naming
				       it), or NULL */
	struct state_rung *history;
	size_t nhistory;
	char *spf_soft;            /* the SPF record with ~all, or NULL
				       when there is no sender */
	char *spf_hard;            /* the same with -all */
	struct spf_txt *spf_parts; /* the _spf1.DOMAIN, _spf2.DOMAIN ...
				       records the SPF record includes when
				       it passes 450 octets (RFC 7208 3.4;
				       the same for ~all and -all) */
	size_t nspf_parts;
	struct spf_flatten *spf_flat; /* what spf_flatten() or spf_layout()
					 gave for the ~all record, or NULL;
					 state_flattened_save() stores it */
	int spf_lookups;              /* DNS lookups of the record with its
				       parts (RFC 7208 4.6.4), or -1 when
				       they could not be counted */
	char *spf_lookup_note;        /* why they could not be counted
				       (translated), or NULL */
	char **spf_problems;          /* why the SPF record cannot be built */
	size_t nspf_problems;
	bool have_evidence;
	struct rollout_evidence evidence;
	char **due; /* maintenance items (translated): keys
				       to rotate, SPF lookup drift and
				       flattened ranges that changed, each
				       with its cause */
	size_t ndue;
	int dkim_interval;      /* days a key lives before its
				       rotation is due (rotation_store.h) */
	char *dkim_rotating;    /* the selector a rotation under way
				       replaces, or NULL */
	char *dkim_rotating_to; /* and its new one, or NULL */
	char *spf_drift_note;   /* why the SPF drift checks of the
				       enforced phases did not run
				       (translated), or NULL */
	char **disowned;        /* networks disowned (state.h), as
				       "192.0.2.0/24" */
	size_t ndisowned;
	/* What DNS serves now, filled by the use case that loads the plan
	 * (app/plan.h) when it asked; rollout_inputs_load() leaves them
	 * unset. */
	struct rollout_sender_dkim *sender_dkim; /* one per such sender */
	size_t nsender_dkim;
	bool own_servers;      /* a sender is a network or host of
				       the operator's, which signs with a
				       key of the operator's own */
	bool live_read;        /* the live records were asked for */
	char *spf_live;        /* the SPF record served now, or NULL
				       when there is none */
	size_t spf_live_count; /* how many SPF records are served:
				       more than one is permerror (RFC
				       7208 4.5) and spf_live the first */
	char *dmarc_live;      /* the DMARC record at _dmarc.DOMAIN,
				       or NULL when there is none */
	char *live_note;       /* why they could not be read
				       (translated, naming the query), or
				       NULL */
	/* What the zone's primary served when the plan was loaded, asked
	 * without recursion (never a cache), filled by
	 * app_publish_read_served() for a domain set up to publish: the
	 * TXT RRsets a publish replaces, which are its prerequisites
	 * (RFC 2136 2.4), TTLs as the zone has them. */
	bool served_read;                /* they were read */
	char *served_from;               /* the primary asked, "ADDR:PORT" */
	struct dns_answer *spf_served;   /* every TXT at DOMAIN, or NULL
					    when it has none */
	struct dns_answer *dmarc_served; /* every TXT at _dmarc.DOMAIN,
					    or NULL */
	char *served_note;               /* why they could not be read
				       (translated, naming the server), or
				       NULL */
};

/* Gathers the inputs of a domain from the store on day today. catalogue
 * gives the providers' SPF mechanisms (may be NULL: provider senders
 * then count as problems). The SPF record comes from spf_build(); with
 * dns its lookups are counted and, past 10, it is flattened with
 * spf_flatten() (keeping the includes of mailbox providers, whose
 * addresses rotate, where it can); without dns spf_lookups is -1 and
 * spf_lookup_note says so. Reports are judged over the settings'
 * window ending today by the report analysis, which uses dns (may be
 * NULL) for reverse DNS and SPF checks of the sources. In the
 * maintenance phase dns also serves the SPF drift checks. Free with
 * rollout_inputs_done(). */
enum status rollout_inputs_load(struct store *store, struct dns *dns,
				const struct providers *catalogue,
				const char *domain, date_t today,
				struct rollout_inputs *in, struct err *err);

void rollout_inputs_done(struct rollout_inputs *in);

/* The report window readiness judges on day today (DESIGN.md section
 * 4): the settings' window_days ending today, both days included. The
 * reports screen and `report summary --window plan` show the same. */
void rollout_window(const struct state_settings *settings, date_t today,
		    date_t *since, date_t *until);

/* Measures the SPF record domain publishes now through dns: its DNS
 * lookups with every include's tree (RFC 7208 4.6.4) into *lookups and
 * what each include of the record costs into *costs and *ncosts, in the
 * record's order (free with state_costs_free()). STATUS_DNS naming the
 * query when the record cannot be fetched, STATUS_NOT_FOUND (naming the
 * domain) when it publishes no single valid SPF record. */
enum status rollout_spf_measure(struct dns *dns, const char *domain,
				int *lookups, struct state_cost **costs,
				size_t *ncosts, struct err *err);

/* Compares what was flattened into domain's SPF record (the store's
 * spf_flattened) with what the includes publish now, adding
 * spf.flatten_drift for each that changed (spf_flatten_drift()). A
 * domain not in the store has nothing to compare. */
enum status rollout_flatten_drift(struct store *store, struct dns *dns,
				  const char *domain, struct findings *findings,
				  struct err *err);

/* The plan of a domain on one day. */
struct rollout_plan {
	char *domain;
	enum rollout_phase phase;
	date_t since;            /* the day the phase began */
	int days;                /* today - since */
	int min_days;            /* days the phase needs before the next step */
	bool ready;              /* the next step may be taken today */
	struct findings reasons; /* why not, or what was checked: every
				    reason, each with a plan.* code */
	struct rollout_next next;
	date_t earliest;      /* first day the next step is allowed, if the
			       evidence is good by then; DATE_NONE when
			       there is no next step */
	bool evidence_needed; /* the step waits for report evidence */
	char *dmarc_live;     /* the DMARC record served now, or NULL when
			       none or not read (inputs' live_read) */
	char *spf_live;       /* the SPF record served now, likewise */
	char *dmarc_verified; /* the DMARC record verified last, or NULL */
	char *spf_verified;   /* the SPF record verified last, or NULL */
	char **due;           /* maintenance items */
	size_t ndue;
};

/* Decides the plan from the inputs on day today (pure: no I/O). Free
 * with rollout_plan_done(). */
void rollout_decide(const struct rollout_inputs *in, date_t today,
		    struct rollout_plan *plan);

void rollout_plan_done(struct rollout_plan *plan);

/* One week of the timeline. */
struct rollout_week {
	date_t monday;            /* the ISO week's first day */
	enum rollout_phase phase; /* the phase most of the week is in */
	char *due;                /* what happens that week (translated),
				     or NULL */
	bool past;                /* the week ended before today */
};

/* The timeline from the week the domain was added to the week the
 * rollout is projected to reach maintenance, assuming clean evidence
 * from now on: past weeks from the history, later ones from the minimum
 * days. Free with rollout_weeks_free(). */
void rollout_timeline(const struct rollout_inputs *in, date_t today,
		      struct rollout_week **weeks, size_t *count);

void rollout_weeks_free(struct rollout_week *weeks, size_t count);

#endif
