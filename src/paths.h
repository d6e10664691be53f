/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where the running program finds the files that come with it: the
 * build tree when it runs uninstalled, the installed locations
 * otherwise. */
#ifndef DMARCPILOT_PATHS_H
#define DMARCPILOT_PATHS_H

#include <stdbool.h>

/* True when this process runs the binary in the build tree, so that it
 * uses the source tree's data, the build tree's catalogues and the build
 * tree's modules rather than an installed copy. */
bool paths_uninstalled(void);

#endif
