/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dkimpy (Debian's python3-dkim), the independent DKIM signer the mail
 * tests check our verifier against: tests/mail/dkimpy-sign.py run into
 * a scratch directory. */
#ifndef DMARCPILOT_TEST_SIGNER_H
#define DMARCPILOT_TEST_SIGNER_H

#include <stdbool.h>

/* True when /usr/bin/python3 has the dkim and nacl modules. */
bool signer_available(void);

/* Signs the test cases into a fresh directory (DIR/NAME.eml,
 * DIR/expect.txt, DIR/zone.txt); returns it, or NULL after printing
 * why. *keys receives zone.txt's text: the key records, relative to
 * example.test. The caller frees both and removes the directory with
 * testenv_rmdir(). */
char *signer_run(char **keys);

#endif
