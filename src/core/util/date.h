/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Calendar dates as whole days since 1970-01-01 (UTC), the unit of the
 * rollout plan, report weeks and --now. */
#ifndef DMARCPILOT_DATE_H
#define DMARCPILOT_DATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef int32_t date_t; /* days since 1970-01-01 */

#define DATE_BUFSIZE 11 /* "YYYY-MM-DD" and NUL */

/* "No day": a key not published yet, a setting never changed. */
#define DATE_NONE INT32_MIN

/* Parses exactly "YYYY-MM-DD" into *out; false when malformed or not a
 * real calendar day. */
bool date_parse(const char *s, date_t *out);

/* Writes "YYYY-MM-DD" into buf (DATE_BUFSIZE bytes); returns buf. */
char *date_format(date_t date, char buf[DATE_BUFSIZE]);

/* The day of a UNIX time, in UTC. */
date_t date_from_time(time_t t);

/* Midnight UTC at the start of a day. */
time_t date_to_time(date_t date);

/* The day "today" means: DMARCPILOT_NOW when set and valid (tests and the
 * demo), otherwise the system clock. *ok is false when the variable is
 * set but malformed. */
date_t date_today(bool *ok);

/* ISO 8601 week: *iso_year and *week (1..53). */
void date_iso_week(date_t date, int *iso_year, int *week);

/* Day of week, 1 = Monday .. 7 = Sunday. */
int date_weekday(date_t date);

#endif
