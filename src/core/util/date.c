/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "util/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static date_t days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (date_t)(era * 146097 + doe - 719468);
}

/* The calendar day of a day number. */
static void civil_from_days(date_t z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y += *m <= 2;
}

/* Reads a strict ISO date. */
bool date_parse(const char *s, date_t *out)
{
	int y, m, d, yy, mm, dd;
	date_t days;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	days = days_from_civil(y, m, d);
	civil_from_days(days, &yy, &mm, &dd);
	if (yy != y || mm != m || dd != d)
		return false;
	*out = days;
	return true;
}

/* Formats a day as YYYY-MM-DD. */
char *date_format(date_t date, char buf[DATE_BUFSIZE])
{
	int y, m, d;

	civil_from_days(date, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	snprintf(buf, DATE_BUFSIZE, "%04u-%02u-%02u", (unsigned)y % 10000u,
		 (unsigned)m % 100u, (unsigned)d % 100u);
	return buf;
}

/* Converts a UNIX time to its UTC day. */
date_t date_from_time(time_t t)
{
	if (t >= 0)
		return (date_t)(t / 86400);
	return (date_t)((t - 86399) / 86400);
}

/* Converts a day to its first second. */
time_t date_to_time(date_t date)
{
	return (time_t)date * 86400;
}

/* Returns today, honouring DMARCPILOT_NOW. */
date_t date_today(bool *ok)
{
	const char *env = getenv("DMARCPILOT_NOW");
	date_t d;

	if (ok)
		*ok = true;
	if (env && *env) {
		if (date_parse(env, &d))
			return d;
		if (ok)
			*ok = false;
	}
	return date_from_time(time(NULL));
}

/* Monday = 1 .. Sunday = 7; 1970-01-01 was a Thursday. */
int date_weekday(date_t date)
{
	int r = (int)((date + 3) % 7);

	if (r < 0)
		r += 7;
	return r + 1;
}

/* ISO 8601: the week with the year's first Thursday is week 1. */
void date_iso_week(date_t date, int *iso_year, int *week)
{
	date_t thursday = date - date_weekday(date) + 4;
	int y, m, d;

	civil_from_days(thursday, &y, &m, &d);
	*iso_year = y;
	*week = (int)((thursday - days_from_civil(y, 1, 1)) / 7) + 1;
}
