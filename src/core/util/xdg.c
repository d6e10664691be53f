/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The per-user directories of the XDG Base Directory Specification. */
#include "config.h"

#include "util/xdg.h"

#include <stdlib.h>

#include "util/xalloc.h"

/* The variable of each base and its fallback under HOME. */
static const struct {
	const char *variable;
	const char *under_home;
} xdg_bases[] = {
	[XDG_DATA] = { "XDG_DATA_HOME", ".local/share" },
	[XDG_CONFIG] = { "XDG_CONFIG_HOME", ".config" },
};

/* Names the variable of a base directory. */
const char *xdg_variable(enum xdg_base base)
{
	return xdg_bases[base].variable;
}

/* Builds BASE/dmarcpilot[/SUB] from the environment, or NULL. */
char *xdg_path(enum xdg_base base, const char *sub)
{
	const char *dir = getenv(xdg_bases[base].variable);
	const char *home = getenv("HOME");
	const char *sep = sub ? "/" : "", *tail = sub ? sub : "";

	/* XDG Base Directory Specification: "If an implementation
	 * encounters a relative path in any of these variables it should
	 * consider the path invalid and ignore it." */
	if (dir && *dir == '/')
		return xasprintf("%s/dmarcpilot%s%s", dir, sep, tail);
	if (home && *home == '/')
		return xasprintf("%s/%s/dmarcpilot%s%s", home,
				 xdg_bases[base].under_home, sep, tail);
	return NULL;
}
