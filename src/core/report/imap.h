/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An IMAP mailbox that DMARC reports arrive in (RFC 9051, RFC 3501),
 * spoken through libcurl: status, search by UID, fetch, move or flag.
 * One connection is kept for every call on one struct imap. */
#ifndef DMARCPILOT_IMAP_H
#define DMARCPILOT_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* The largest message fetched, in bytes: a report mail is a few
 * kilobytes; anything far larger is refused, not read into memory. */
#define IMAP_MAX_MESSAGE (32 * 1024 * 1024)

/* How the connection is protected. */
enum imap_tls {
	IMAP_TLS_IMPLICIT, /* imaps:// (port 993) */
	IMAP_TLS_STARTTLS, /* imap:// with STARTTLS, required */
	IMAP_TLS_NONE,     /* imap:// in plain text */
};

/* Where and how to connect. The strings are borrowed for the life of the
 * connection; the password is wiped from libcurl's copy on close. */
struct imap_params {
	const char *host;
	int port;
	enum imap_tls tls;
	const char *user;
	const char *password;
	const char *ca_file;  /* extra trusted CAs (PEM), or NULL */
	long timeout_seconds; /* connect and stall limit; 0 for 30 */
};

/* A mailbox's state (RFC 9051 7.2.2). */
struct imap_folder_status {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint32_t messages;
};

struct imap;

/* Connects and logs in, so that a wrong password or an untrusted
 * certificate is reported at once. Errors name host:port, never the
 * password. The caller frees with imap_close(). */
enum status imap_open(struct imap **out, const struct imap_params *params,
		      struct err *err);

/* Logs out and frees; NULL is allowed. */
void imap_close(struct imap *imap);

/* "host:port", for messages. */
const char *imap_server(const struct imap *imap);

/* True when a folder name can be sent: printable ASCII, not empty. */
bool imap_folder_name_ok(const char *folder);

/* The folder's UIDVALIDITY, UIDNEXT and message count (STATUS). */
enum status imap_status(struct imap *imap, const char *folder,
			struct imap_folder_status *out, struct err *err);

/* The UIDs in the folder that are >= from_uid, ascending. The caller
 * frees *uids. */
enum status imap_search(struct imap *imap, const char *folder,
			uint32_t from_uid, uint32_t **uids, size_t *count,
			struct err *err);

/* The whole message with that UID (BODY.PEEK semantics are not
 * available through libcurl, so fetching sets \Seen on servers that do
 * so). STATUS_NOT_FOUND when the folder's UIDVALIDITY is no longer
 * uidvalidity or the message is gone; STATUS_LIMIT past
 * IMAP_MAX_MESSAGE. The caller frees *data. */
enum status imap_fetch(struct imap *imap, const char *folder,
		       uint32_t uidvalidity, uint32_t uid, char **data,
		       size_t *len, struct err *err);

/* Creates a folder unless it exists. */
enum status imap_create(struct imap *imap, const char *folder, struct err *err);

/* Moves a message to another folder: UID MOVE (RFC 6851) where the
 * server has it, else UID COPY, \Deleted and UID EXPUNGE (RFC 4315), so
 * that no other message marked for deletion is expunged. */
enum status imap_move(struct imap *imap, const char *folder, uint32_t uid,
		      const char *dest, struct err *err);

/* Sets \Seen on a message. */
enum status imap_mark_seen(struct imap *imap, const char *folder, uint32_t uid,
			   struct err *err);

#endif
