/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `dmarcpilot --demo`: the offline demo domain of data/demo/ (DESIGN.md
 * section 6): its zones answer DNS, a throwaway database in a temporary
 * directory holds a rollout in progress, and a fixed day stands for
 * today. */
#ifndef DMARCPILOT_DEMO_H
#define DMARCPILOT_DEMO_H

#include "app/demo.h"
#include "util/status.h"

struct app;
struct session;

/* Prepares the demo: the temporary directory and database, the table
 * resolver loaded with every zone of DATADIR/demo, the fixed day, the
 * rollout so far. On failure err names the file. */
enum status demo_setup(struct app *app, struct err *err);

/* Builds the demo's database at path (a new file) with the app layer's
 * seeding (app_demo_prepare()), with no terminal: what `make` runs
 * (dmarcpilot --demo-prepare PATH) for the prebuilt copy demo_setup()
 * takes when it finds one. */
enum status demo_prepare(struct session *session, const char *path,
			 struct err *err);

/* Closes the demo's database and removes its directory. */
void demo_cleanup(struct app *app);

#endif
