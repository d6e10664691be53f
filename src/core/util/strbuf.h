/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A growing byte string, always NUL-terminated. */
#ifndef DMARCPILOT_STRBUF_H
#define DMARCPILOT_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *data; /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
};

/* clang-format off */
#define STRBUF_INIT { NULL, 0, 0 }
/* clang-format on */

void strbuf_init(struct strbuf *sb);
/* Frees the contents; the strbuf may be used again. */
void strbuf_done(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *format, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* The contents, "" when empty; valid until the next change. */
const char *strbuf_str(const struct strbuf *sb);
/* Hands the contents to the caller (who frees them) and empties sb. */
char *strbuf_detach(struct strbuf *sb);

#endif
