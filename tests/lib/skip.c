/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Built in place of a test program whose library is not installed: says
 * which Debian package it needs and reports itself skipped (automake's
 * 77), so that `make check` never counts it as passed. */
#include "config.h"

#include <stdio.h>

/* Names the missing package. */
int main(void)
{
	printf("SKIP: this test needs %s; install the Debian package %s "
	       "and run configure again\n",
	       SKIP_LIBRARY, SKIP_PACKAGE);
	return 77;
}
