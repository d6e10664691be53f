/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What `report fetch` remembers of each mailbox it reads (RFC 9051
 * 2.3.1.1): the folder's UIDVALIDITY and the last UID handled, so that a
 * re-run fetches only what is new, and the messages that failed to
 * import, so that each is named once and retried on later runs. */
#ifndef DMARCPILOT_MAILBOX_STORE_H
#define DMARCPILOT_MAILBOX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"
#include "store/store.h"

/* A folder's progress; zeros for one never read. */
struct mailbox_progress {
	uint32_t uidvalidity;
	uint32_t last_uid; /* every UID up to this one has been handled */
};

/* The progress stored for mailbox (a "user@host:port/folder" key). */
enum status mailbox_progress_get(struct store *store, const char *mailbox,
				 struct mailbox_progress *out, struct err *err);

/* Stores the progress. A new UIDVALIDITY forgets the failures recorded
 * under the old one (their UIDs mean other messages now). */
enum status mailbox_progress_set(struct store *store, const char *mailbox,
				 const struct mailbox_progress *progress,
				 struct err *err);

/* The UIDs that failed under uidvalidity, ascending; caller frees. */
enum status mailbox_failed_list(struct store *store, const char *mailbox,
				uint32_t uidvalidity, uint32_t **uids,
				size_t *count, struct err *err);

/* Records a failed message; *is_new is true the first time, so that the
 * caller names it only once. */
enum status mailbox_failed_add(struct store *store, const char *mailbox,
			       uint32_t uidvalidity, uint32_t uid,
			       const char *error, bool *is_new,
			       struct err *err);

/* Forgets a failure (the message imported, or is gone). */
enum status mailbox_failed_remove(struct store *store, const char *mailbox,
				  uint32_t uidvalidity, uint32_t uid,
				  struct err *err);

#endif
