/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where the running program finds the files that come with it. */
#include "config.h"

#include "paths.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Compares this process's executable with the build tree's binary. */
bool paths_uninstalled(void)
{
	char self[PATH_MAX], built[PATH_MAX];

	if (!realpath("/proc/self/exe", self) ||
	    !realpath(ABS_BUILDDIR "/src/dmarcpilot", built))
		return false;
	return strcmp(self, built) == 0;
}
