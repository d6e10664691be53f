/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Status codes returned by every fallible engine function, and the error
 * object that carries the detail (file, query, library message). */
#ifndef DMARCPILOT_STATUS_H
#define DMARCPILOT_STATUS_H

#include <stdarg.h>

/* X(name, message): the one list of statuses; messages are translated. */
/* clang-format off */
#define STATUS_LIST(X)                                                 \
	X(STATUS_OK, N_("success"))                                    \
	X(STATUS_USAGE, N_("invalid usage"))                           \
	X(STATUS_IO, N_("input/output error"))                         \
	X(STATUS_PARSE, N_("malformed input"))                         \
	X(STATUS_LIMIT, N_("input exceeds a safety limit"))            \
	X(STATUS_DNS, N_("DNS failure"))                               \
	X(STATUS_DB, N_("database error"))                             \
	X(STATUS_NOT_FOUND, N_("not found"))                           \
	X(STATUS_EXISTS, N_("already exists"))                         \
	X(STATUS_CRYPTO, N_("cryptography error"))                     \
	X(STATUS_UNSUPPORTED, N_("not supported"))                     \
	X(STATUS_REFUSED, N_("refused"))                               \
	X(STATUS_CANCELLED, N_("cancelled"))
/* clang-format on */

#define STATUS_ENUM(name, message) name,
enum status { STATUS_LIST(STATUS_ENUM) };
#undef STATUS_ENUM

/* An error with its detail; zero-initialise with ERR_INIT. */
struct err {
	enum status status;
	char *message; /* owned; NULL when status is STATUS_OK */
};

/* clang-format off */
#define ERR_INIT { STATUS_OK, NULL }
/* clang-format on */

/* The translated one-phrase description of a status. */
const char *status_message(enum status status);

/* Records status and a formatted message in err (which may be NULL) and
 * returns status, so that callers can write `return err_set(...)`. A
 * message already in err is replaced. */
enum status err_set(struct err *err, enum status status, const char *format,
		    ...) __attribute__((format(printf, 3, 4)));
enum status err_vset(struct err *err, enum status status, const char *format,
		     va_list ap) __attribute__((format(printf, 3, 0)));

/* Prefixes the message in err with "prefix: " (e.g. a file name). */
void err_prefix(struct err *err, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* The message, or the status's description when there is none. */
const char *err_message(const struct err *err);

/* Frees the message and resets err to STATUS_OK. */
void err_done(struct err *err);

#endif
