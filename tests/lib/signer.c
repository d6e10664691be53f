/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Running dkimpy for the mail tests. */
#include "config.h"

#include "lib/signer.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/testenv.h"
#include "util/xalloc.h"

/* The Debian interpreter that has python3-dkim, whatever PATH says. */
#define SIGNER_PYTHON "/usr/bin/python3"

/* Whether the signer can run here. */
bool signer_available(void)
{
	const char *argv[] = { SIGNER_PYTHON, "-c", "import dkim, nacl", NULL };
	struct testenv_run run;
	bool ok;

	if (access(SIGNER_PYTHON, X_OK) != 0)
		return false;
	run = testenv_run(argv, NULL, NULL);
	ok = run.status == 0;
	testenv_run_done(&run);
	return ok;
}

/* Signs every case into a new directory. */
char *signer_run(char **keys)
{
	char *dir = testenv_mkdtemp();
	char *script =
	    xasprintf("%s/tests/mail/dkimpy-sign.py", testenv_srcdir());
	const char *argv[] = { SIGNER_PYTHON, script, dir, NULL };
	struct testenv_run run = testenv_run(argv, NULL, NULL);
	char *zone;

	free(script);
	if (run.status != 0) {
		fprintf(stderr, "dkimpy-sign.py: %s\n", run.err);
		testenv_run_done(&run);
		testenv_rmdir(dir);
		free(dir);
		return NULL;
	}
	testenv_run_done(&run);
	zone = xasprintf("%s/zone.txt", dir);
	*keys = testenv_read_file(zone, NULL);
	free(zone);
	if (!*keys)
		*keys = xstrdup("");
	return dir;
}
