/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The program's side of the report readers: libxml2, libarchive and
 * GMime (with GLib, GIO, GPGME and ICU behind them) are more than half of
 * the shared libraries the program would load, and only `report import`
 * and the wizard's import (and mail check's header parsing) need them.
 * They live in a module, reportio.so, that this file loads on first use,
 * so that every other command and the wizard start without them. The tests link the readers
 * directly (src/core/libcore.a), the program links this file instead. */
#include "config.h"

#include <dlfcn.h>
#include <string.h>

#include "util/i18n.h"
#include "report/mailmsg.h"
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

/* The module's function name, loading the module first (once: a second
 * dlopen() returns the same handle, and RTLD_NODELETE keeps it, since
 * GMime's types cannot be registered twice); NULL with err set when it
 * cannot be loaded. */
static void *module_symbol(const char *name, struct err *err)
{
	void *module =
	    dlopen(module_path(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	void *sym = module ? dlsym(module, name) : NULL;

	if (!sym)
		err_set(err, STATUS_IO, _("cannot load the report readers: %s"),
			dlerror());
	return sym;
}

/* Reads path through the module. */
enum status report_input_path(const char *path,
			      const struct report_limits *limits,
			      const struct report_sink *sink, struct err *err)
{
	input_path_fn input;

	/* POSIX dlsym(): a function's address comes back as a void *. */
	*(void **)&input = module_symbol("report_input_path", err);
	return input ? input(path, limits, sink, err) : err->status;
}

/* The module's mailmsg_parse_header() of mailmsg.h. */
typedef enum status (*parse_header_fn)(const char *block, size_t len,
				       struct mailmsg_header_info *out,
				       struct err *err);

/* Reads a message's header block with GMime, in the module. */
enum status mailmsg_parse_header(const char *block, size_t len,
				 struct mailmsg_header_info *out,
				 struct err *err)
{
	parse_header_fn parse;

	memset(out, 0, sizeof *out);
	*(void **)&parse = module_symbol("mailmsg_parse_header", err);
	return parse ? parse(block, len, out, err) : err->status;
}

/* Frees what the module's parse filled in, through the module (which
 * is loaded if the parse was). */
void mailmsg_header_info_done(struct mailmsg_header_info *info)
{
	void (*done)(struct mailmsg_header_info *) = NULL;
	struct err err = ERR_INIT;

	if (info->from || info->return_path)
		*(void **)&done =
		    module_symbol("mailmsg_header_info_done", &err);
	if (done)
		done(info);
	err_done(&err);
}
