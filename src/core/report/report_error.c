/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How the aggregate report parser fails: the first failure, ours or
 * libxml2's, becomes the report's error with the file name and line;
 * later ones are dropped. */
#include "config.h"

#include <libxml/SAX2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_private.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Records the first failure with "NAME:LINE: message". */
enum status report_fail(struct parser *p, enum status st, const char *format,
			...)
{
	va_list ap;
	char *msg;
	int line = p->ctxt ? xmlSAX2GetLineNumber(p->ctxt) : 0;

	if (p->st != STATUS_OK)
		return p->st;
	va_start(ap, format);
	msg = xvasprintf(format, ap);
	va_end(ap);
	if (line > 0)
		err_set(p->err, st, "%s:%d: %s", p->name, line, msg);
	else
		err_set(p->err, st, "%s: %s", p->name, msg);
	free(msg);
	p->st = st;
	return st;
}

/* Keeps libxml2's own message for the first error it reports. */
void report_xml_error(void *arg, xmlErrorPtr error)
{
	struct parser *p = arg;
	char *msg;
	size_t len;

	if (!error || error->level < XML_ERR_ERROR || p->st != STATUS_OK ||
	    p->stopped)
		return;
	/* Inside a reporter's wrapper, what comes after </feedback> (an
	 * unclosed wrapper) does not matter once the report is whole. */
	if (p->wrap_depth > 0 && p->seen_root) {
		p->wrap_error = true;
		return;
	}
	msg = xstrdup(error->message ? error->message : "malformed XML");
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	if (error->line > 0)
		err_set(p->err, STATUS_PARSE, "%s:%d: %s", p->name, error->line,
			msg);
	else
		err_set(p->err, STATUS_PARSE, "%s: %s", p->name, msg);
	p->st = STATUS_PARSE;
	free(msg);
}

/* libxml2's generic error callback: encoding and I/O errors bypass the
 * reader's handler and would otherwise be printed on stderr (over the
 * wizard's screen); the first one becomes the report's error. */
void report_generic_error(void *arg, const char *format, ...)
{
	struct parser *p = arg;
	char *msg;
	size_t len;
	va_list ap;

	if (p->st != STATUS_OK)
		return;
	va_start(ap, format);
	msg = xvasprintf(format, ap);
	va_end(ap);
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	if (len > 0) {
		char *clean = text_clean(msg, len);

		err_set(p->err, STATUS_PARSE, "%s: %s", p->name, clean);
		p->st = STATUS_PARSE;
		free(clean);
	}
	free(msg);
}
