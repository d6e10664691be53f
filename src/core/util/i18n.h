/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Translation macros for every file of dmarcpilot, with fallbacks when
 * the build has no NLS. */
#ifndef DMARCPILOT_I18N_H
#define DMARCPILOT_I18N_H

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(msgid) gettext(msgid)
#define P_(singular, plural, n) ngettext(singular, plural, n)
#else
#define _(msgid) (msgid)
#define P_(singular, plural, n) ((n) == 1 ? (singular) : (plural))
#endif
#define N_(msgid) msgid

#endif
