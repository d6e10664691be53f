/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "report/mailmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

struct mailmsg_part {
	char *type;           /* lower case */
	const char *filename; /* owned by GMime */
	GMimeStream *stream;  /* decoded content, or NULL */
	const char *data;     /* or this buffer (headers of a message) */
	size_t len, pos;
};

/* The part's type. */
const char *mailmsg_part_type(const struct mailmsg_part *part)
{
	return part->type;
}

/* The part's file name. */
const char *mailmsg_part_filename(const struct mailmsg_part *part)
{
	return part->filename;
}

/* Reads decoded content. */
ssize_t mailmsg_part_read(struct mailmsg_part *part, char *buf, size_t len,
			  struct err *err)
{
	ssize_t n;

	if (!part->stream) {
		size_t left = part->len - part->pos;

		if (left > len)
			left = len;
		memcpy(buf, part->data + part->pos, left);
		part->pos += left;
		return (ssize_t)left;
	}
	n = g_mime_stream_read(part->stream, buf, len);
	if (n < 0) {
		err_set(err, STATUS_IO, _("cannot decode a mail part: %s"),
			strerror(errno));
		return -1;
	}
	return n;
}

struct walk {
	const struct mailmsg_handler *h;
	enum status st;
	struct err err;
};

/* Hands one part of a message to the handler. */
static void walk_part(GMimeObject *parent, GMimeObject *object, void *arg)
{
	struct walk *w = arg;
	struct mailmsg_part part;
	GMimeContentType *ct;
	char *type, *headers = NULL;
	GMimeStream *filtered = NULL;

	if (w->st != STATUS_OK || GMIME_IS_MULTIPART(object))
		return;
	memset(&part, 0, sizeof part);
	ct = g_mime_object_get_content_type(object);
	type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	part.type = xstrdup(type ? type : "text/plain");
	g_free(type);
	text_lower(part.type);
	if (GMIME_IS_MESSAGE_PART(object)) {
		GMimeMessage *inner =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));

		headers =
		    inner ? g_mime_object_get_headers(GMIME_OBJECT(inner), NULL)
			  : NULL;
		part.data = headers ? headers : "";
		part.len = strlen(part.data);
	} else if (GMIME_IS_PART(object)) {
		GMimePart *leaf = GMIME_PART(object);
		GMimeDataWrapper *content = g_mime_part_get_content(leaf);
		GMimeStream *raw;
		GMimeContentEncoding encoding;

		part.filename = g_mime_part_get_filename(leaf);
		if (!content) {
			part.data = "";
		} else {
			raw = g_mime_data_wrapper_get_stream(content);
			encoding = g_mime_data_wrapper_get_encoding(content);
			g_mime_stream_reset(raw);
			filtered = g_mime_stream_filter_new(raw);
			if (encoding != GMIME_CONTENT_ENCODING_DEFAULT) {
				GMimeFilter *f =
				    g_mime_filter_basic_new(encoding, FALSE);

				g_mime_stream_filter_add(
				    GMIME_STREAM_FILTER(filtered), f);
				g_object_unref(f);
			}
			part.stream = filtered;
		}
	} else {
		free(part.type);
		return;
	}
	if (w->h->part)
		w->st = w->h->part(w->h->arg, &part, &w->err);
	if (filtered)
		g_object_unref(filtered);
	g_free(headers);
	free(part.type);
}

/* Runs the handler over one parsed message. */
static enum status walk_message(GMimeMessage *msg, size_t index,
				const struct mailmsg_handler *h,
				struct err *err)
{
	struct walk w = { h, STATUS_OK, ERR_INIT };
	const char *id = g_mime_message_get_message_id(msg);
	enum status st = STATUS_OK;

	if (h->begin)
		w.st = h->begin(h->arg, index, id, &w.err);
	if (w.st == STATUS_OK)
		g_mime_message_foreach(msg, walk_part, &w);
	if (h->end)
		st = h->end(h->arg, w.st, &w.err, err);
	err_done(&w.err);
	return st;
}

/* The scan of a mail file's lines before GMime reads it: GMime keeps a
 * header block in memory whole (a 1 GB header line took 5 GB), and
 * builds every MIME part of a message before the first is used. */
struct scan {
	bool mbox;
	bool in_header;      /* in a message's or a part's header block */
	size_t header_bytes; /* of the current header block */
	size_t parts;        /* header blocks opened by "--" lines */
	size_t line;         /* the current line, from 1 */
	size_t block_line;   /* where the current header block began */
	size_t message_line; /* where the current message began */
	size_t len;          /* of the current line so far */
	char head[5];        /* its first octets */
};

/* Ends one line: a blank line ends a header block; a "From " line (in
 * an mbox) starts a message, a line starting with "--" (a MIME
 * boundary, RFC 2046 5.1.1) a part's header block. */
static bool scan_line_end(struct scan *s, const char *path, struct err *err)
{
	bool blank = s->len == 0 || (s->len == 1 && s->head[0] == '\r');

	if (s->in_header) {
		if (blank)
			s->in_header = false;
	} else if (s->mbox && s->len >= 5 && !memcmp(s->head, "From ", 5)) {
		s->in_header = true;
		s->header_bytes = 0;
		s->parts = 0;
		s->block_line = s->message_line = s->line + 1;
	} else if (s->len >= 2 && s->head[0] == '-' && s->head[1] == '-') {
		s->in_header = true;
		s->header_bytes = 0;
		s->block_line = s->line + 1;
		if (++s->parts > MAILMSG_PARTS_MAX) {
			err_set(err, STATUS_LIMIT,
				_("%s:%zu: the message has more than %d MIME "
				  "parts"),
				path, s->message_line, MAILMSG_PARTS_MAX);
			return false;
		}
	}
	s->line++;
	s->len = 0;
	return true;
}

/* Checks, in constant memory, that no header block of the file is
 * longer than MAILMSG_HEADER_MAX and no message has more than
 * MAILMSG_PARTS_MAX parts. */
static enum status scan_file(const char *path, bool mbox, struct err *err)
{
	/* An mbox's first line is its "From " line: the message starts
	 * after it. */
	struct scan s = { .mbox = mbox,
			  .in_header = !mbox,
			  .line = 1,
			  .block_line = 1,
			  .message_line = 1 };
	char *buf = xmalloc(64 * 1024);
	enum status st = STATUS_OK;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		st = err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	while ((n = read(fd, buf, 64 * 1024)) > 0) {
		for (size_t i = 0; i < (size_t)n;) {
			const char *nl = memchr(buf + i, '\n', (size_t)n - i);
			size_t seg = (nl ? (size_t)(nl - buf) : (size_t)n) - i;

			for (size_t k = 0; k < seg && s.len + k < 5; k++)
				s.head[s.len + k] = buf[i + k];
			s.len += seg;
			if (s.in_header)
				s.header_bytes += seg + (nl ? 1 : 0);
			if (s.in_header &&
			    s.header_bytes > MAILMSG_HEADER_MAX) {
				st = err_set(err, STATUS_LIMIT,
					     _("%s:%zu: a header block is "
					       "longer than %d bytes"),
					     path, s.block_line,
					     MAILMSG_HEADER_MAX);
				goto out;
			}
			i += seg;
			if (!nl)
				break;
			i++;
			if (!scan_line_end(&s, path, err)) {
				st = err->status;
				goto out;
			}
		}
	}
	if (n < 0)
		st = err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return st;
}

/* True if the file starts with an mbox "From " separator line. */
static bool starts_with_from_line(const char *path)
{
	char head[5];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes = false;

	if (fd < 0)
		return false;
	if (read(fd, head, sizeof head) == (ssize_t)sizeof head)
		yes = memcmp(head, "From ", 5) == 0;
	close(fd);
	return yes;
}

/* Reads an .eml or an mbox. */
enum status mailmsg_read_file(const char *path, bool mbox,
			      const struct mailmsg_handler *h, struct err *err)
{
	GMimeStream *stream = NULL;
	GMimeParser *parser = NULL;
	GError *gerr = NULL;
	enum status st = STATUS_OK;
	size_t index = 0;

	/* Idempotent: GMime counts its initialisations. */
	g_mime_init();
	if (!mbox && starts_with_from_line(path))
		mbox = true;
	st = scan_file(path, mbox, err);
	if (st != STATUS_OK)
		goto out;
	stream = g_mime_stream_fs_open(path, O_RDONLY | O_CLOEXEC, 0, &gerr);
	if (!stream) {
		st = err_set(err, STATUS_IO, "%s: %s", path,
			     gerr ? gerr->message : strerror(errno));
		goto out;
	}
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, mbox ? GMIME_FORMAT_MBOX
					      : GMIME_FORMAT_MESSAGE);
	/* Parts stay in the file instead of being copied into memory. */
	g_mime_parser_set_persist_stream(parser, TRUE);
	while (!g_mime_parser_eos(parser)) {
		GMimeMessage *msg =
		    g_mime_parser_construct_message(parser, NULL);

		if (!msg) {
			if (index == 0)
				st = err_set(err, STATUS_PARSE,
					     _("%s: not a mail message"), path);
			break;
		}
		index++;
		if (g_mime_header_list_get_count(g_mime_object_get_header_list(
			GMIME_OBJECT(msg))) == 0) {
			g_object_unref(msg);
			if (index == 1 &&
			    (!mbox || g_mime_parser_eos(parser))) {
				st = err_set(err, STATUS_PARSE,
					     _("%s: not a mail message"), path);
				break;
			}
			/* A fragment without headers inside an mbox (an
			 * unescaped "From " line) is passed over. */
			index--;
			continue;
		}
		st = walk_message(msg, index, h, err);
		g_object_unref(msg);
		if (st != STATUS_OK || !mbox)
			break;
	}
out:
	if (parser)
		g_object_unref(parser);
	if (stream)
		g_object_unref(stream);
	if (gerr)
		g_error_free(gerr);
	return st;
}

/* Appends the addr-spec of every mailbox of an address list, walking
 * into groups (RFC 5322 3.4). */
static void list_mailboxes(InternetAddressList *list, char ***out, size_t *n)
{
	int count = list ? internet_address_list_length(list) : 0;

	for (int i = 0; i < count; i++) {
		InternetAddress *ia =
		    internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			list_mailboxes(internet_address_group_get_members(
					   INTERNET_ADDRESS_GROUP(ia)),
				       out, n);
		} else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			const char *addr = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia));

			*out = xrealloc(*out, (*n + 1) * sizeof **out);
			(*out)[(*n)++] = xstrdup(addr ? addr : "");
		}
	}
}

/* The Return-Path's address: "" for "<>" (RFC 5321 4.4). */
static char *return_path(GMimeObject *msg)
{
	const char *value = g_mime_object_get_header(msg, "Return-Path");
	InternetAddressList *list;
	char **addrs = NULL, *out = NULL;
	size_t n = 0;

	if (!value)
		return NULL;
	value += strspn(value, " \t\r\n");
	if (strncmp(value, "<>", 2) == 0)
		return xstrdup("");
	list = internet_address_list_parse(NULL, value);
	list_mailboxes(list, &addrs, &n);
	if (n == 1)
		out = addrs[0];
	else
		for (size_t i = 0; i < n; i++)
			free(addrs[i]);
	free(addrs);
	if (list)
		g_object_unref(list);
	return out;
}

/* Reads a header block with GMime. */
enum status mailmsg_parse_header(const char *block, size_t len,
				 struct mailmsg_header_info *out,
				 struct err *err)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;

	memset(out, 0, sizeof *out);
	if (len > MAILMSG_HEADER_MAX)
		return err_set(err, STATUS_LIMIT,
			       _("a header block is longer than %d bytes"),
			       MAILMSG_HEADER_MAX);
	g_mime_init();
	stream = g_mime_stream_mem_new_with_buffer(block, len);
	/* The blank line ends the header for GMime; the body is not its
	 * business here. */
	g_mime_stream_seek(stream, 0, GMIME_STREAM_SEEK_END);
	g_mime_stream_write_string(stream, "\r\n\r\n");
	g_mime_stream_reset(stream);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (!msg)
		return err_set(err, STATUS_PARSE,
			       _("the header is not that of a message"));
	list_mailboxes(g_mime_message_get_from(msg), &out->from, &out->nfrom);
	out->return_path = return_path(GMIME_OBJECT(msg));
	g_object_unref(msg);
	return STATUS_OK;
}

/* Frees what mailmsg_parse_header() filled in. */
void mailmsg_header_info_done(struct mailmsg_header_info *info)
{
	for (size_t i = 0; i < info->nfrom; i++)
		free(info->from[i]);
	free(info->from);
	free(info->return_path);
	memset(info, 0, sizeof *info);
}
