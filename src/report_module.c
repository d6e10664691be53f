/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The program's side of the report readers: libxml2, libarchive and
 * GMime (with GLib, GIO, GPGME and ICU behind them) are more than half of
 * the shared libraries the program would load, and only `report import`
 * and the wizard's import need them. They live in a module, reportio.so,
 * that this file loads on the first import, so that every other command
 * and the wizard start without them. The tests link the readers
 * directly (src/core/libcore.a), the program links this file instead. */
#include "config.h"

#include <dlfcn.h>

#include "util/i18n.h"
#include "report/report_input.h"
#include "paths.h"

/* The module's entry point: report_input_path() of report_input.h. */
typedef enum status (*input_path_fn)(const char *path,
				     const struct report_limits *limits,
				     const struct report_sink *sink,
				     struct err *err);

/* The module's file: the build tree's when running uninstalled. */
static const char *module_path(void)
{
	return paths_uninstalled() ? ABS_BUILDDIR "/src/reportio.so"
				   : PKGLIBDIR "/reportio.so";
}

/* Loads the module (once: a second dlopen() returns the same handle, and
 * RTLD_NODELETE keeps it, since GMime's types cannot be registered
 * twice) and reads path through it. */
enum status report_input_path(const char *path,
			      const struct report_limits *limits,
			      const struct report_sink *sink, struct err *err)
{
	const char *file = module_path();
	void *module = dlopen(file, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	input_path_fn input;

	if (!module)
		return err_set(err, STATUS_IO,
			       _("cannot load the report readers: %s"),
			       dlerror());
	/* POSIX dlsym(): a function's address comes back as a void *. */
	*(void **)&input = dlsym(module, "report_input_path");
	if (!input)
		return err_set(err, STATUS_IO,
			       _("cannot load the report readers: %s"),
			       dlerror());
	return input(path, limits, sink, err);
}
