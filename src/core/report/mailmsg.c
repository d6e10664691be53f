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
	char *type;             /* lower case */
	const char *filename;   /* owned by GMime */
	GMimeStream *stream;    /* decoded content, or NULL */
	const char *data;       /* or this buffer (headers of a message) */
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
		GMimeMessage *inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(object));

		headers = inner ? g_mime_object_get_headers(
				      GMIME_OBJECT(inner), NULL)
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
			      const struct mailmsg_handler *h,
			      struct err *err)
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
		GMimeMessage *msg = g_mime_parser_construct_message(parser,
								    NULL);

		if (!msg) {
			if (index == 0)
				st = err_set(err, STATUS_PARSE,
					     _("%s: not a mail message"),
					     path);
			break;
		}
		index++;
		if (g_mime_header_list_get_count(
			g_mime_object_get_header_list(GMIME_OBJECT(msg))) ==
		    0) {
			g_object_unref(msg);
			if (index == 1 && (!mbox || g_mime_parser_eos(parser))) {
				st = err_set(err, STATUS_PARSE,
					     _("%s: not a mail message"),
					     path);
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
