/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small text helpers for strings that come from outside (DNS, reports,
 * mail): cleaning before display, case-insensitive ASCII comparison. */
#ifndef DMARCPILOT_TEXT_H
#define DMARCPILOT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;

/* Returns a copy of len bytes fit for a terminal or a log: control
 * characters (C0, DEL, C1) and terminal escape sequences are removed,
 * invalid UTF-8 becomes U+FFFD, and a NUL octet is shown as "\000" (so a
 * record with one prints whole and visibly). The caller frees the
 * result. */
char *text_clean(const char *s, size_t len);

/* text_clean() of a NUL-terminated string; NULL gives "". */
char *text_clean_str(const char *s);

/* ASCII case-insensitive equality (DNS names, tag names). */
bool text_ieq(const char *a, const char *b);
bool text_ieqn(const char *a, const char *b, size_t n);

/* True if s ends with suffix, compared case-insensitively. */
bool text_iends_with(const char *s, const char *suffix);

/* Lower-cases ASCII letters in place; returns s. */
char *text_lower(char *s);

/* A copy of a domain name, lower-cased and without the final dot. */
char *text_domain_normalize(const char *name);

/* The terminal columns UTF-8 text takes in the current locale (wide
 * characters count two); an invalid or unprintable character counts
 * one, as it is drawn as one replacement character. */
int text_columns(const char *s);

/* The zone-file quoting of TXT data, the one of the program: appends s
 * (len octets, any of them) as one character-string (RFC 1035 5.1): in
 * double quotes, '"' and '\\' escaped with a backslash, octets outside
 * printable ASCII as \DDD. */
void text_txt_quote(struct strbuf *sb, const char *s, size_t len);

/* A TXT value as zone-file character-strings of at most 255 octets each
 * (RFC 1035 3.3.14), separated by spaces; "\"\"" for an empty value.
 * Caller frees. */
char *text_txt_strings(const char *value);

#endif
