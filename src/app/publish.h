/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Publish: the next ready step sent as one signed dynamic update (RFC
 * 2136, TSIG RFC 8945) to the zone's primary, then, once every
 * authoritative server serves it, recorded through the step (app/step.h)
 * in one go. The records are those export writes (zone_collect), each
 * guarded by prerequisites on what is served now, so that a change made
 * by someone else since makes the update fail and change nothing. With
 * undo, the rung before the last one verified is put back the same
 * way. The command line and the wizard both go through here. */
#ifndef DMARCPILOT_APP_PUBLISH_H
#define DMARCPILOT_APP_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>

#include "app/session.h"
#include "app/step.h"
#include "dns/propagate.h"
#include "plan/rollout.h"
#include "util/date.h"
#include "util/status.h"

/* The default wait for every server to serve the update, in seconds. */
#define APP_PUBLISH_DEADLINE 120

struct app_publish_options {
	const char *server;   /* "HOST[:PORT]", or NULL: the domain's
				 publish-server, else the SOA MNAME */
	const char *key_file; /* the TSIG key file, or NULL: the domain's
				 publish-key */
	bool dry_run;         /* build and show, send nothing */
	bool force;           /* a step the plan does not call ready */
	bool undo;            /* put back the rung before the last one */
	double timeout;       /* seconds per query and for the update's
				 reply; 0 for the defaults */
	double deadline;      /* seconds to wait for every server; 0 for
				 APP_PUBLISH_DEADLINE */
	/* Called after each round of the propagation check that did not
	 * find every server serving (may be NULL): the checks of the
	 * round and the seconds waited so far. */
	void (*progress)(void *arg, const struct app_step_checks *checks,
			 double waited);
	/* Called once the primary accepted the update (may be NULL):
	 * server is the address it went to, "ADDR:PORT". */
	void (*accepted)(void *arg, const char *server);
	/* Waits ms milliseconds between propagation rounds (may be NULL:
	 * a timed wait); returns false, at once, when the front end wants
	 * the publish to stop (the operator leaves): then an update not
	 * yet sent is not sent, one sent is answered first, and the wait
	 * for every server ends with an error that says the update is in
	 * the zone and nothing is recorded. Asked with ms 0 just before
	 * the update goes out. */
	bool (*pause)(void *arg, int ms);
	void *arg;
};

/* One record an update changes. */
struct app_publish_change {
	char *name;   /* owner, no final dot */
	char *value;  /* the record it publishes */
	char *old;    /* the record of the same kind it replaces (strings
			joined), or NULL when it adds one */
	unsigned ttl; /* the TTL it is published with */
};

struct app_publish_result {
	enum app_step_gate gate; /* APP_STEP_GO when something was done */
	bool forced;             /* the plan did not call the step ready */
	char *label;             /* what is published ("quarantine 10 %"), or
			      NULL */
	char *zone;              /* the zone updated */
	char *primary;           /* the primary's name or address as given */
	char *server;   /* the address the update goes to, "ADDR:PORT" */
	char *key_name; /* the TSIG key's name (never its secret) */
	char *update;   /* the update as nsupdate would read it */
	size_t changes; /* records deleted and added; 0 when every
			      record is served already */
	bool sent;      /* the primary accepted the update */
	bool recorded;  /* the step is recorded */
	double waited;  /* seconds until every server served it */
	struct app_step_checks *checks; /* the last propagation round */
	char **live; /* after a failed prerequisite, or records
			      changed since the plan read them: what each
			      name serves now, as "NAME TXT \"value\""
			      lines */
	size_t nlive;
	struct app_publish_change *changed; /* every record the update
					       replaces or adds */
	size_t nchanged;
};

/* Publishes the next step of plan (or, with o->undo, the earlier rung)
 * for in's domain on day today. Returns STATUS_OK with r->gate other
 * than APP_STEP_GO when the gate refuses (nothing sent); with
 * o->dry_run after building the update. Every failure (no key, a key
 * file others may read, a server that refuses, a prerequisite that
 * failed, the deadline passing) is an error naming the server and the
 * reason, and nothing is recorded. Free r with app_publish_done(). */
enum status app_publish_run(struct session *s, const struct rollout_inputs *in,
			    const struct rollout_plan *plan, date_t today,
			    const struct app_publish_options *o,
			    struct app_publish_result *r, struct err *err);

void app_publish_done(struct app_publish_result *r);

/* Reads, for a domain set up to publish (app_publish_configured()),
 * the TXT RRsets at DOMAIN and _dmarc.DOMAIN from the zone's primary
 * (the publish-server or the SOA MNAME, found through dns, then asked
 * without recursion, never a cache) into in's served_* fields, so that
 * a later publish of the plan sends only when the primary still serves
 * what the plan saw (RFC 2136 2.4). A failure is kept in
 * in->served_note. */
void app_publish_read_served(struct dns *dns, struct rollout_inputs *in);

/* True when the domain's settings say where its updates go (a
 * publish-server or a publish-key): then the DKIM rotation publishes
 * its records through app_publish_txt(). */
bool app_publish_configured(const struct state_settings *set);

/* What a front end is told while a TXT change goes out (each callback
 * may be NULL; they run in the caller's thread). */
struct app_publish_watch {
	/* The primary at server ("ADDR:PORT") accepted the change at
	 * name. */
	void (*accepted)(void *arg, const char *name, const char *server);
	/* A round of the check found serving of count servers serving
	 * the change at name, waited seconds after it was sent. */
	void (*progress)(void *arg, const char *name, size_t serving,
			 size_t count, double waited);
	/* The pause between rounds, as app_publish_options' pause. */
	bool (*pause)(void *arg, int ms);
	void *arg;
};

struct app_publish_txt_options {
	struct propagate_options propagation; /* the servers to wait on;
						 port 0: publish-port */
	double timeout;  /* seconds for the update's reply; 0: 10 */
	double deadline; /* seconds to wait for every server; 0 for
			    APP_PUBLISH_DEADLINE */
	const struct app_publish_watch *watch; /* or NULL */
};

/* One TXT change at name, a DKIM key record of domain, sent as publish
 * sends a step (to the domain's publish-server or the SOA MNAME, signed
 * with its publish-key, guarded by prerequisites on what is served
 * now): with value, the record served there replaced by it, or added;
 * with value NULL, every TXT record at name deleted. Then waits until
 * every authoritative server serves the change; nothing to send when
 * it is served already (r->changes 0). o may be NULL. Errors as
 * app_publish_run()'s. Free r with app_publish_done(). */
enum status app_publish_txt(struct session *s, const struct state_settings *set,
			    const char *domain, const char *name,
			    const char *value,
			    const struct app_publish_txt_options *o,
			    struct app_publish_result *r, struct err *err);

#endif
