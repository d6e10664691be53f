/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "util/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Makes sb empty without memory. */
void strbuf_init(struct strbuf *sb)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
}

/* Releases the memory of sb. */
void strbuf_done(struct strbuf *sb)
{
	free(sb->data);
	strbuf_init(sb);
}

/* Empties sb and keeps its memory for reuse. */
void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->data)
		sb->data[0] = '\0';
}

/* Appends len bytes. */
void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	sb->data = xgrow(sb->data, &sb->cap, sb->len + len + 1, 1);
	if (len)
		memcpy(sb->data + sb->len, data, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

/* Appends a C string. */
void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

/* Appends one byte. */
void strbuf_addch(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

/* Appends printf output. */
void strbuf_vaddf(struct strbuf *sb, const char *format, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, format, copy);
	va_end(copy);
	if (n <= 0)
		return;
	sb->data = xgrow(sb->data, &sb->cap, sb->len + (size_t)n + 1, 1);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, format, ap);
	sb->len += (size_t)n;
}

/* Appends printf output. */
void strbuf_addf(struct strbuf *sb, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	strbuf_vaddf(sb, format, ap);
	va_end(ap);
}

/* Returns the contents, never NULL. */
const char *strbuf_str(const struct strbuf *sb)
{
	return sb->data ? sb->data : "";
}

/* Gives the buffer to the caller. */
char *strbuf_detach(struct strbuf *sb)
{
	char *s = sb->data ? sb->data : xstrdup("");

	strbuf_init(sb);
	return s;
}
