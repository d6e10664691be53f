/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The exit statuses every front end returns (DESIGN.md section 5). */
#ifndef DMARCPILOT_EXIT_STATUS_H
#define DMARCPILOT_EXIT_STATUS_H

enum {
	EXIT_GOOD = 0,     /* all good */
	EXIT_FINDINGS = 1, /* the check found errors */
	EXIT_TROUBLE = 2,  /* usage or operational failure */
};

#endif
