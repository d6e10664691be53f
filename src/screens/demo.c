/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The offline demo domain. */
#include "config.h"

#include "screens/demo.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/demo.h"
#include "util/i18n.h"
#include "util/xalloc.h"
#include "paths.h"
#include "screens/tui.h"

/* The database `make` built with demo_prepare() (Makefile.am:
 * data/demo/demo.db): DATADIR/demo/demo.db when installed, the build
 * tree's when running uninstalled; NULL when there is none. Caller
 * frees. */
static char *demo_prebuilt(const struct app *app)
{
	char *path = session_data_path(app->session, "demo/demo.db");

	if (access(path, R_OK) == 0)
		return path;
	free(path);
	if (paths_uninstalled() &&
	    access(ABS_BUILDDIR "/data/demo/demo.db", R_OK) == 0)
		return xstrdup(ABS_BUILDDIR "/data/demo/demo.db");
	return NULL;
}

/* Points the session's database at path (NULL: the default again);
 * the store is opened there on its next use. */
static void demo_use_db(struct session *session, const char *path)
{
	struct session_options o = session->opt;

	o.db_path = path;
	session_set_options(session, &o);
}

/* Sets up the demo: the database is a copy of the prebuilt one when make
 * built it, so that the first screen waits for no import; otherwise the
 * demo seeds its own. */
enum status demo_setup(struct app *app, struct err *err)
{
	char *dir = session_data_path(app->session, "demo");
	const char *tmp = getenv("TMPDIR");
	char *templ =
	    xasprintf("%s/dmarcpilot-demo.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char *prebuilt = demo_prebuilt(app);
	enum status st;

	st = app_demo_zones(app->session, dir, err);
	if (st != STATUS_OK)
		goto out;
	if (!mkdtemp(templ)) {
		st = err_set(err, STATUS_IO,
			     _("%s: cannot create the demo's directory: %s"),
			     templ, strerror(errno));
		goto out;
	}
	app->demo_dir = templ;
	templ = NULL;
	app->demo_db = xasprintf("%s/demo.db", app->demo_dir);
	demo_use_db(app->session, app->demo_db);
	date_parse(DEMO_NOW, &app->now);
	st = prebuilt ? app_demo_copy(prebuilt, app->demo_db, err)
		      : app_demo_seed(app->session, dir, err);
out:
	free(prebuilt);
	free(templ);
	free(dir);
	return st;
}

/* Builds the demo's database at path without a terminal (the app
 * layer's seeding and report import). */
enum status demo_prepare(struct session *session, const char *path,
			 struct err *err)
{
	char *dir = session_data_path(session, "demo");
	enum status st;

	demo_use_db(session, path);
	st = app_demo_prepare(session, dir, err);
	free(dir);
	return st;
}

/* Removes one entry of the demo's directory. */
static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Cleans the demo up. */
void demo_cleanup(struct app *app)
{
	if (app->demo_db && app->session->opt.db_path == app->demo_db) {
		session_store_close(app->session);
		demo_use_db(app->session, NULL);
	}
	if (app->demo_dir)
		nftw(app->demo_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(app->demo_dir);
	free(app->demo_db);
	app->demo_dir = app->demo_db = NULL;
}
