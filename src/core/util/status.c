/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "util/status.h"

#include <stdlib.h>

#include "util/i18n.h"
#include "util/xalloc.h"

#define STATUS_MESSAGE(name, message) [name] = message,
static const char *const status_messages[] = { STATUS_LIST(STATUS_MESSAGE) };
#undef STATUS_MESSAGE

/* Looks up the translated description of a status. */
const char *status_message(enum status status)
{
	if ((unsigned)status >=
	    sizeof status_messages / sizeof *status_messages)
		return _("unknown error");
	return _(status_messages[status]);
}

/* Stores a formatted message with its status. */
enum status err_vset(struct err *err, enum status status, const char *format,
		     va_list ap)
{
	if (!err)
		return status;
	free(err->message);
	err->status = status;
	err->message = xvasprintf(format, ap);
	return status;
}

/* Stores a formatted message with its status. */
enum status err_set(struct err *err, enum status status, const char *format,
		    ...)
{
	va_list ap;

	va_start(ap, format);
	err_vset(err, status, format, ap);
	va_end(ap);
	return status;
}

/* Puts context in front of the message already there. */
void err_prefix(struct err *err, const char *format, ...)
{
	va_list ap;
	char *prefix, *joined;

	if (!err || err->status == STATUS_OK)
		return;
	va_start(ap, format);
	prefix = xvasprintf(format, ap);
	va_end(ap);
	joined = xasprintf("%s: %s", prefix, err_message(err));
	free(prefix);
	free(err->message);
	err->message = joined;
}

/* Returns the best text for an error. */
const char *err_message(const struct err *err)
{
	if (err->message)
		return err->message;
	return status_message(err->status);
}

/* Releases the message. */
void err_done(struct err *err)
{
	if (!err)
		return;
	free(err->message);
	err->message = NULL;
	err->status = STATUS_OK;
}
