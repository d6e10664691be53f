/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading mail that carries reports: a single message (.eml) or an mbox
 * file, through GMime 3. GLib and GMime stay inside mailmsg.c; callers
 * see each message's leaf parts as a type, a file name and a stream of
 * decoded bytes. */
#ifndef DMARCPILOT_MAILMSG_H
#define DMARCPILOT_MAILMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/status.h"

/* One leaf part of a message; valid only during the part callback. */
struct mailmsg_part;

/* The part's MIME type, lower case ("application/zip"). */
const char *mailmsg_part_type(const struct mailmsg_part *part);

/* The file name from Content-Disposition or Content-Type, or NULL. */
const char *mailmsg_part_filename(const struct mailmsg_part *part);

/* Reads the part's content with its transfer encoding (base64, quoted-
 * printable) undone: at most len bytes, 0 at the end, -1 on error (err
 * set). For a message/rfc822 part the content is the enclosed
 * message's header block. */
ssize_t mailmsg_part_read(struct mailmsg_part *part, char *buf, size_t len,
			  struct err *err);

/* The longest header block (of a message or of a MIME part) and the
 * most MIME parts one message may have; a file with more is refused
 * whole (STATUS_LIMIT, naming the line), before GMime reads it, so that
 * memory stays flat whatever the file holds. */
#define MAILMSG_HEADER_MAX (1024 * 1024)
#define MAILMSG_PARTS_MAX 1000

/* What mailmsg_read_file() calls for each message of the file. */
struct mailmsg_handler {
	/* A message starts; index counts from 1 within the file;
	 * message_id is the Message-ID without <>, or NULL. */
	enum status (*begin)(void *arg, size_t index, const char *message_id,
			     struct err *err);
	/* Every leaf part in order (multiparts are walked, enclosed
	 * message/rfc822 parts are handed over whole, not walked). */
	enum status (*part)(void *arg, struct mailmsg_part *part,
			    struct err *err);
	/* The message ended; st is what begin/part gave (msg_err holds its
	 * message). Returning non-OK stops reading the file. */
	enum status (*end)(void *arg, enum status st, const struct err *msg_err,
			   struct err *err);
	void *arg;
};

/* Reads a file holding one message (mbox false; a leading mbox "From "
 * line is allowed) or an mbox (true). A file that is not mail at all
 * gives STATUS_PARSE naming the file; what a message's callbacks give
 * goes to end(), not to the caller. */
enum status mailmsg_read_file(const char *path, bool mbox,
			      const struct mailmsg_handler *h, struct err *err);

/* What GMime reads from a message's header block (mail check): the
 * structure is GMime's, while DKIM keeps canonicalizing the raw octets
 * (dkim_verify.h). Every string owned; free with
 * mailmsg_header_info_done(). */
struct mailmsg_header_info {
	char **from; /* the addr-spec of each mailbox of the From
			       fields (RFC 5322 3.6.2), groups flattened */
	size_t nfrom;
	char *return_path; /* the addr-spec of Return-Path (RFC 5322
			       3.6.7), "" for the null path "<>", NULL
			       without the field or when it holds no
			       address */
};

/* Parses a header block (the octets before the blank line, at most
 * MAILMSG_HEADER_MAX) with GMime. STATUS_PARSE when GMime cannot read
 * it as a message header. */
enum status mailmsg_parse_header(const char *block, size_t len,
				 struct mailmsg_header_info *out,
				 struct err *err);
void mailmsg_header_info_done(struct mailmsg_header_info *info);

#endif
