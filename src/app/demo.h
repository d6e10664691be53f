/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The offline demo domain of data/demo/: its zones answer DNS through a
 * table resolver, and a database holds a rollout in progress (the
 * domain, its senders, the rungs verified so far and two weeks of
 * reports). `make` builds that database once (dmarcpilot --demo-prepare)
 * so that --demo only copies it; the seeding here is also what --demo
 * does when no prebuilt copy is found. No curses. */
#ifndef DMARCPILOT_APP_DEMO_H
#define DMARCPILOT_APP_DEMO_H

#include "app/session.h"
#include "util/status.h"

/* The demo's domain and its fixed today. */
#define DEMO_DOMAIN "demo.example"
#define DEMO_NOW "2026-03-09"

/* Loads every zone file (*.zone) of dir, the demo's data directory, in
 * name order into a table resolver that the session uses from then on.
 * On failure err names the directory or the file. */
enum status app_demo_zones(struct session *s, const char *dir, struct err *err);

/* Writes the rollout so far into the session's database (a new one):
 * the domain, its senders, its report addresses, the rungs with the
 * records the demo's zones publish, and the reports of dir/reports (the
 * third week waits in dir/inbox for the operator to import). The
 * session's resolver must be the demo's (app_demo_zones()). */
enum status app_demo_seed(struct session *s, const char *dir, struct err *err);

/* Builds the demo's database at the session's database path, as
 * --demo would: zones, seeding, then one self-contained file (no WAL
 * beside it) that a copy can take. */
enum status app_demo_prepare(struct session *s, const char *dir,
			     struct err *err);

/* Copies the prebuilt database from to a new file to. */
enum status app_demo_copy(const char *from, const char *to, struct err *err);

#endif
