/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "report/report_input.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/gzcheck.h"
#include "util/i18n.h"
#include "report/mailmsg.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Folders nested deeper than this are not followed. */
#define INPUT_DEPTH_MAX 32
/* The largest failure report part kept (RFC 5965 fields are short). */
#define INPUT_ARF_MAX (64 * 1024)

struct input {
	struct report_limits lim;
	const struct report_sink *sink;
	/* The folders on the current path, to notice loops. */
	dev_t devs[INPUT_DEPTH_MAX];
	ino_t inos[INPUT_DEPTH_MAX];
	int depth;
};

/* ---------------------------------------------------------- archives */

/* Reading one archive entry, with the unit's running total. */
struct entry_reader {
	struct archive *a;
	const char *name;
	uint64_t *total;
	uint64_t max;
};

/* Feeds an archive entry's data to the XML reader, enforcing the
 * expanded-size limit over the whole unit. */
static ssize_t entry_read(void *arg, char *buf, size_t len, struct err *err)
{
	struct entry_reader *r = arg;
	la_ssize_t n = archive_read_data(r->a, buf, len);

	if (n < 0) {
		err_set(err, STATUS_PARSE, "%s: %s", r->name,
			archive_error_string(r->a) ? archive_error_string(r->a)
						   : _("unreadable data"));
		return -1;
	}
	*r->total += (uint64_t)n;
	if (*r->total > r->max) {
		err_set(err, STATUS_LIMIT,
			_("%s: expands to more than %llu bytes"), r->name,
			(unsigned long long)r->max);
		return -1;
	}
	return n;
}

/* Parses every entry of an opened archive as an aggregate report. */
static enum status input_archive(struct input *in, struct archive *a,
				 const char *name, struct err *err)
{
	struct archive_entry *entry;
	struct report_handler h = { in->sink->meta, in->sink->row,
				    in->sink->arg };
	uint64_t total = 0;
	unsigned entries = 0, reports = 0;
	enum status st = STATUS_OK;
	int r;

	while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK ||
	       r == ARCHIVE_WARN) {
		struct entry_reader er = { a, name, &total,
					   in->lim.max_expanded };
		char *ename = NULL;

		if (++entries > in->lim.max_entries)
			return err_set(err, STATUS_LIMIT,
				       _("%s: more than %u archive entries"),
				       name, in->lim.max_entries);
		if (archive_entry_filetype(entry) == AE_IFDIR)
			continue;
		/* A declared size is checked before inflating anything. */
		if (archive_entry_size_is_set(entry) &&
		    archive_entry_size(entry) >= 0 &&
		    (uint64_t)archive_entry_size(entry) >
			in->lim.max_expanded - total)
			return err_set(
			    err, STATUS_LIMIT,
			    _("%s: expands to more than %llu "
			      "bytes"),
			    name, (unsigned long long)in->lim.max_expanded);
		if (archive_format(a) != ARCHIVE_FORMAT_RAW &&
		    archive_entry_pathname(entry)) {
			char *clean =
			    text_clean_str(archive_entry_pathname(entry));

			ename = xasprintf("%s: %s", name, clean);
			free(clean);
		}
		er.name = ename ? ename : name;
		st = report_parse(entry_read, &er, er.name, &h, err);
		/* The rest of the entry is read too, so that the archive's
		 * checks (sizes, checksums) run over all of it. */
		while (st == STATUS_OK) {
			char rest[4096];
			ssize_t n = entry_read(&er, rest, sizeof rest, err);

			if (n < 0)
				st = err->status;
			else if (n == 0)
				break;
		}
		free(ename);
		if (st != STATUS_OK)
			return st;
		reports++;
	}
	if (r != ARCHIVE_EOF)
		return err_set(err, STATUS_PARSE, "%s: %s", name,
			       archive_error_string(a)
				   ? archive_error_string(a)
				   : _("unreadable archive"));
	if (reports == 0)
		return err_set(err, STATUS_PARSE, _("%s: no report in it"),
			       name);
	return STATUS_OK;
}

/* A libarchive reader for XML, gzip/bzip2/xz, zip; never a program. */
static struct archive *input_archive_new(void)
{
	struct archive *a = archive_read_new();

	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_raw(a);
	return a;
}

/* Octets of a unit (a file or a mail part) on their way to libarchive:
 * as they are, or, when they start with the gzip magic, inflated once
 * by zlib, which checks each member's CRC-32 and size (gzcheck.h). */
struct raw_source {
	int fd;                    /* a file, or -1 */
	struct mailmsg_part *part; /* or a mail part */
	struct gzcheck *gz;        /* a gzip stream's decoder, or NULL */
	uint64_t gz_max;           /* what it may inflate in all */
	bool decided;              /* the first octets were looked at */
	bool eof;                  /* a read gave 0: GMime fails after */
	const unsigned char *next; /* raw octets in buf not yet used */
	size_t pending;
	unsigned char buf[64 * 1024];
	unsigned char out[64 * 1024]; /* inflated, for libarchive */
	struct err err;
};

/* Reads raw octets into buf from offset at; -1 with s->err set. */
static ssize_t raw_read(struct raw_source *s, size_t at)
{
	ssize_t n;

	if (s->eof)
		return 0;
	if (s->part) {
		n = mailmsg_part_read(s->part, (char *)s->buf + at,
				      sizeof s->buf - at, &s->err);
	} else {
		do
			n = read(s->fd, s->buf + at, sizeof s->buf - at);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			err_set(&s->err, STATUS_IO, "%s", strerror(errno));
	}
	s->eof = n == 0;
	return n;
}

/* The next octets for libarchive: raw, or inflated from a gzip stream;
 * 0 at the end, -1 with s->err set on a read error, or -1 with the
 * decoder's verdict once it refuses the stream. */
static ssize_t raw_next(struct raw_source *s, const void **out)
{
	ssize_t n;

	if (!s->decided) {
		/* RFC 1952 2.3.1: the magic is the first two octets. */
		size_t have = 0;

		n = 0;
		while (have < 2 && (n = raw_read(s, have)) > 0)
			have += (size_t)n;
		if (n < 0)
			return -1;
		s->decided = true;
		if (have >= 2 && s->buf[0] == 0x1f && s->buf[1] == 0x8b)
			s->gz = gzcheck_new(s->gz_max);
		s->next = s->buf;
		s->pending = have;
	}
	if (!s->gz) {
		if (s->pending == 0) {
			if ((n = raw_read(s, 0)) <= 0)
				return n;
			s->pending = (size_t)n;
		}
		*out = s->buf;
		n = (ssize_t)s->pending;
		s->pending = 0;
		return n;
	}
	*out = s->out;
	for (;;) {
		n = gzcheck_inflate(s->gz, &s->next, &s->pending, s->out,
				    sizeof s->out);
		if (n != 0)
			return n;
		if (s->pending > 0)
			continue;
		if ((n = raw_read(s, 0)) <= 0)
			return n;
		s->next = s->buf;
		s->pending = (size_t)n;
	}
}

/* libarchive's read callback over a unit. */
static la_ssize_t raw_source_read(struct archive *a, void *arg,
				  const void **out)
{
	struct raw_source *s = arg;
	ssize_t n = raw_next(s, out);

	if (n < 0) {
		if (s->gz && gzcheck_refused(s->gz))
			archive_set_error(a, EILSEQ, "%s",
					  _("corrupt gzip data"));
		else
			archive_set_error(a, EIO, "%s", err_message(&s->err));
		return -1;
	}
	return n;
}

/* Parses the reports of a unit, then reads what libarchive left so that
 * a gzip stream is judged whole (RFC 1952: CRC-32, size, nothing after
 * the last member); the decoder's verdict names the file before any
 * error libarchive made of it. */
static enum status input_raw(struct input *in, struct raw_source *s,
			     const char *name, struct err *err)
{
	struct archive *a = input_archive_new();
	enum status st;
	const void *rest;
	ssize_t n = 0;

	s->gz_max = in->lim.max_expanded;
	if (archive_read_open(a, s, NULL, raw_source_read, NULL) !=
	    ARCHIVE_OK) {
		st = err_set(err, STATUS_PARSE, "%s: %s", name,
			     archive_error_string(a) ? archive_error_string(a)
						     : _("unreadable archive"));
		goto judge;
	}
	st = input_archive(in, a, name, err);
	if (st == STATUS_OK)
		while ((n = raw_next(s, &rest)) > 0)
			continue;
	if (st == STATUS_OK && n < 0 && !(s->gz && gzcheck_refused(s->gz)))
		st = err_set(err, STATUS_IO, "%s: %s", name,
			     err_message(&s->err));
judge:
	/* A refused stream, or one cut short (its end was read), is named
	 * as such rather than as the XML it broke. */
	if (s->gz) {
		struct err verdict = ERR_INIT;

		if (gzcheck_end(s->gz, name, &verdict) != STATUS_OK &&
		    (st == STATUS_OK || gzcheck_refused(s->gz) || s->eof)) {
			err_done(err);
			*err = verdict;
			st = err->status;
		} else {
			err_done(&verdict);
		}
	}
	archive_read_free(a);
	gzcheck_free(s->gz);
	err_done(&s->err);
	return st;
}

/* Reads a report file (.xml, .gz, .zip). */
static enum status input_archive_file(struct input *in, const char *path,
				      struct err *err)
{
	struct raw_source *s = xcalloc(1, sizeof *s);
	enum status st;

	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		st = err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
		free(s);
		return st;
	}
	st = input_raw(in, s, path, err);
	close(s->fd);
	free(s);
	return st;
}

/* Parses a report attached to a mail. */
static enum status input_archive_part(struct input *in,
				      struct mailmsg_part *part,
				      const char *name, struct err *err)
{
	struct raw_source *s = xcalloc(1, sizeof *s);
	enum status st;

	s->fd = -1;
	s->part = part;
	st = input_raw(in, s, name, err);
	free(s);
	return st;
}

/* Reports a unit that failed before it could be read. */
static enum status input_fail_unit(struct input *in, const char *path,
				   const struct err *why, struct err *err)
{
	enum status st = in->sink->begin(in->sink->arg, path, err);

	if (st != STATUS_OK)
		return st;
	return in->sink->end(in->sink->arg, path, why->status, why, err);
}

/* -------------------------------------------------------------- mail */

/* One message being read. */
struct mail {
	struct input *in;
	const char *path;
	bool mbox;
	char *name; /* the unit's name */
	char *message_id;
	struct strbuf feedback; /* message/feedback-report */
	struct strbuf headers;  /* the original message's headers */
	struct strbuf text;     /* the first text/plain part */
	bool have_feedback;
	unsigned attachments;
	bool begun;
	bool stopped; /* the sink stopped the import */
};

/* True if a part looks like an aggregate report (RFC 7489 7.2.1.1:
 * gzip or zip, or plain XML; real reporters also say octet-stream and
 * give the file name). */
static bool part_is_report(const struct mailmsg_part *part)
{
	static const char *const types[] = {
		"application/zip",
		"application/x-zip",
		"application/x-zip-compressed",
		"application/gzip",
		"application/x-gzip",
		"application/xml",
		"text/xml",
		"application/x-xml",
	};
	const char *type = mailmsg_part_type(part);
	const char *file = mailmsg_part_filename(part);

	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (strcmp(type, types[i]) == 0)
			return true;
	return file && (text_iends_with(file, ".xml") ||
			text_iends_with(file, ".zip") ||
			(text_iends_with(file, ".gz") &&
			 !text_iends_with(file, ".json.gz")));
}

/* Collects up to max bytes of a part; *over when there was more. */
static enum status part_collect(struct mailmsg_part *part, struct strbuf *sb,
				size_t max, bool *over, struct err *err)
{
	char buf[4096];
	ssize_t n;

	*over = false;
	while ((n = mailmsg_part_read(part, buf, sizeof buf, err)) > 0) {
		size_t take = (size_t)n;

		if (sb->len + take > max) {
			take = max - sb->len;
			*over = true;
		}
		strbuf_add(sb, buf, take);
		if (*over)
			return STATUS_OK;
	}
	return n < 0 ? STATUS_IO : STATUS_OK;
}

/* A message starts: one unit. */
static enum status mail_begin(void *arg, size_t index, const char *message_id,
			      struct err *err)
{
	struct mail *m = arg;

	free(m->name);
	free(m->message_id);
	m->name = m->mbox ? xasprintf(_("%s: message %zu"), m->path, index)
			  : xstrdup(m->path);
	m->message_id = xstrdup_or_null(message_id);
	strbuf_reset(&m->feedback);
	strbuf_reset(&m->headers);
	strbuf_reset(&m->text);
	m->have_feedback = false;
	m->attachments = 0;
	m->begun = true;
	return m->in->sink->begin(m->in->sink->arg, m->name, err);
}

/* A leaf part: a report, a failure report's fields or headers, or
 * something else (the text of the mail), which is passed over. */
static enum status mail_part(void *arg, struct mailmsg_part *part,
			     struct err *err)
{
	struct mail *m = arg;
	const char *type = mailmsg_part_type(part);
	bool over;
	enum status st;

	if (strcmp(type, "message/feedback-report") == 0) {
		m->have_feedback = true;
		st =
		    part_collect(part, &m->feedback, INPUT_ARF_MAX, &over, err);
		if (st == STATUS_OK && over)
			st = err_set(err, STATUS_LIMIT,
				     _("%s: failure report fields longer "
				       "than %d bytes"),
				     m->name, INPUT_ARF_MAX);
		return st;
	}
	if (strcmp(type, "message/rfc822") == 0 ||
	    strcmp(type, "text/rfc822-headers") == 0 ||
	    strcmp(type, "message/rfc822-headers") == 0) {
		if (m->headers.len > 0)
			return STATUS_OK;
		/* Only the first fields matter; the rest is cut. */
		return part_collect(part, &m->headers, INPUT_ARF_MAX, &over,
				    err);
	}
	if (strcmp(type, "text/plain") == 0 && m->text.len == 0 &&
	    !mailmsg_part_filename(part))
		/* Kept for a failure report sent as plain text. */
		return part_collect(part, &m->text, INPUT_ARF_MAX, &over, err);
	if (!part_is_report(part))
		return STATUS_OK;
	{
		const char *file = mailmsg_part_filename(part);
		char *clean = file ? text_clean_str(file) : NULL;
		char *name = clean ? xasprintf("%s: %s", m->name, clean)
				   : xstrdup(m->name);

		m->attachments++;
		st = input_archive_part(m->in, part, name, err);
		free(name);
		free(clean);
	}
	return st;
}

/* The value of the line "Name: value" of text, or NULL; caller frees. */
static char *text_field(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *l = text; l && *l;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end;

		if (strncasecmp(l, name, n) != 0 || l[n] != ':')
			continue;
		l += n + 1;
		while (*l == ' ' || *l == '\t')
			l++;
		end = l + strcspn(l, "\r\n");
		return xstrndup(l, (size_t)(end - l));
	}
	return NULL;
}

/* Turns a failure report sent as plain text without an ARF part (as
 * Exim's DMARC support sends them: "Sender Domain:", "Sender IP
 * Address:", "Received Date:" lines, then the original headers) into
 * RFC 6591 fields in fb; false when the text is no such report. */
static bool plain_failure(const char *text, struct strbuf *fb)
{
	char *ip = text_field(text, "Sender IP Address");
	char *domain = text_field(text, "Sender Domain");
	char *date = text_field(text, "Received Date");
	bool yes = ip && domain;

	if (yes) {
		strbuf_addf(fb,
			    "Feedback-Type: auth-failure\n"
			    "Auth-Failure: dmarc\n"
			    "Source-IP: %s\nReported-Domain: %s\n",
			    ip, domain);
		if (date)
			strbuf_addf(fb, "Arrival-Date: %s\n", date);
	}
	free(ip);
	free(domain);
	free(date);
	return yes;
}

/* The message ended: parse its failure report, close the unit. */
static enum status mail_end(void *arg, enum status st,
			    const struct err *msg_err, struct err *err)
{
	struct mail *m = arg;
	struct err local = ERR_INIT;
	const struct err *use = msg_err;
	enum status end_st;

	/* Lenient for real reporters: a plain-text failure report. */
	if (st == STATUS_OK && !m->have_feedback && m->attachments == 0 &&
	    m->text.len > 0 &&
	    plain_failure(strbuf_str(&m->text), &m->feedback)) {
		m->have_feedback = true;
		if (m->headers.len == 0)
			strbuf_add(&m->headers, m->text.data, m->text.len);
	}
	if (st == STATUS_OK && m->have_feedback) {
		struct arf_report r;

		st = arf_parse(strbuf_str(&m->feedback), m->feedback.len,
			       m->headers.len ? strbuf_str(&m->headers) : NULL,
			       m->headers.len, m->name, &r, &local);
		if (st == STATUS_OK && m->in->sink->failure)
			st = m->in->sink->failure(m->in->sink->arg, &r,
						  m->message_id, &local);
		use = &local;
	}
	end_st = m->in->sink->end(m->in->sink->arg, m->name, st, use, err);
	err_done(&local);
	m->begun = false;
	if (end_st != STATUS_OK)
		m->stopped = true;
	return end_st;
}

/* Reads an .eml or an mbox file. */
static enum status input_mail(struct input *in, const char *path, bool mbox,
			      struct err *err)
{
	struct mail m;
	struct mailmsg_handler h = { mail_begin, mail_part, mail_end, &m };
	struct err local = ERR_INIT;
	enum status st;

	memset(&m, 0, sizeof m);
	m.in = in;
	m.path = path;
	m.mbox = mbox;
	st = mailmsg_read_file(path, mbox, &h, &local);
	if (st != STATUS_OK && m.stopped) {
		err_set(err, st, "%s", err_message(&local));
	} else if (st != STATUS_OK) {
		/* The file itself was not readable mail: one failed unit. */
		st = input_fail_unit(in, path, &local, err);
	}
	err_done(&local);
	strbuf_done(&m.feedback);
	strbuf_done(&m.headers);
	strbuf_done(&m.text);
	free(m.name);
	free(m.message_id);
	return st;
}

/* ------------------------------------------------------------- files */

enum file_kind { KIND_REPORT, KIND_EML, KIND_MBOX };

/* Tells reports from mail by the first bytes and the name. */
static enum file_kind input_sniff(const char *path)
{
	unsigned char head[256];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t i = 0;

	if (fd >= 0) {
		n = read(fd, head, sizeof head);
		close(fd);
	}
	if (n >= 2 && ((head[0] == 0x1f && head[1] == 0x8b) ||
		       (head[0] == 'P' && head[1] == 'K')))
		return KIND_REPORT;
	if (n >= 5 && memcmp(head, "From ", 5) == 0)
		return KIND_MBOX;
	if (text_iends_with(path, ".mbox"))
		return KIND_MBOX;
	if (text_iends_with(path, ".eml") || text_iends_with(path, ".msg"))
		return KIND_EML;
	while (i < (size_t)(n > 0 ? n : 0) && strchr(" \t\r\n", (char)head[i]))
		i++;
	if (i < (size_t)(n > 0 ? n : 0) && (head[i] == '<' || head[i] == 0xef))
		return KIND_REPORT;
	/* RFC 5322 2.2: a header field name is printable ASCII up to a
	 * colon. */
	for (i = 0; i < (size_t)(n > 0 ? n : 0); i++) {
		if (head[i] == ':')
			return i > 0 ? KIND_EML : KIND_REPORT;
		if (head[i] < 33 || head[i] > 126)
			break;
	}
	return KIND_REPORT;
}

/* Reads one regular file as a unit (or as several, for an mbox). */
static enum status input_file(struct input *in, const char *path,
			      struct err *err)
{
	struct err local = ERR_INIT;
	enum status st;

	switch (input_sniff(path)) {
	case KIND_EML:
		return input_mail(in, path, false, err);
	case KIND_MBOX:
		return input_mail(in, path, true, err);
	case KIND_REPORT:
	default:
		break;
	}
	st = in->sink->begin(in->sink->arg, path, err);
	if (st != STATUS_OK)
		return st;
	st = input_archive_file(in, path, &local);
	st = in->sink->end(in->sink->arg, path, st, &local, err);
	err_done(&local);
	return st;
}

static enum status input_any(struct input *in, const char *path,
			     struct err *err);

/* Skips dot files and, in a Maildir, its tmp/ folder. */
static int input_dir_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* True if dir/sub is a folder. */
static bool is_subdir(const char *dir, const char *sub)
{
	char *p = xasprintf("%s/%s", dir, sub);
	struct stat st;
	bool yes = stat(p, &st) == 0 && S_ISDIR(st.st_mode);

	free(p);
	return yes;
}

/* Reads a folder: a Maildir's cur/ and new/ messages, or everything in
 * it, in name order. */
static enum status input_dir(struct input *in, const char *path,
			     struct err *err)
{
	static const char *const maildir[] = { "cur", "new" };
	bool is_maildir = is_subdir(path, "cur") && is_subdir(path, "new");
	enum status st = STATUS_OK;

	for (size_t k = 0; k < (is_maildir ? 2u : 1u) && st == STATUS_OK; k++) {
		char *dir = is_maildir ? xasprintf("%s/%s", path, maildir[k])
				       : xstrdup(path);
		struct dirent **names = NULL;
		int n = scandir(dir, &names, input_dir_filter, alphasort);

		if (n < 0) {
			struct err why = ERR_INIT;

			err_set(&why, STATUS_IO, "%s: %s", dir,
				strerror(errno));
			st = input_fail_unit(in, dir, &why, err);
			err_done(&why);
		}
		for (int i = 0; i < n; i++) {
			char *child = xasprintf("%s/%s", dir, names[i]->d_name);

			if (st == STATUS_OK) {
				struct stat sb;

				/* RFC-less but real: Maildir messages are
				 * single mails, whatever their first line. */
				if (is_maildir && stat(child, &sb) == 0 &&
				    S_ISREG(sb.st_mode))
					st = input_mail(in, child, false, err);
				else
					st = input_any(in, child, err);
			}
			free(child);
			free(names[i]);
		}
		free(names);
		free(dir);
	}
	return st;
}

/* Reads a file or a folder. */
static enum status input_any(struct input *in, const char *path,
			     struct err *err)
{
	struct stat sb;
	struct err why = ERR_INIT;
	enum status st;

	if (stat(path, &sb) < 0) {
		err_set(&why, STATUS_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISREG(sb.st_mode) && sb.st_size == 0) {
		err_set(&why, STATUS_PARSE, _("%s: empty file"), path);
		goto fail;
	}
	if (S_ISREG(sb.st_mode))
		return input_file(in, path, err);
	if (!S_ISDIR(sb.st_mode)) {
		err_set(&why, STATUS_IO, _("%s: not a file or a folder"), path);
		goto fail;
	}
	for (int i = 0; i < in->depth; i++) {
		if (in->devs[i] == sb.st_dev && in->inos[i] == sb.st_ino) {
			err_set(&why, STATUS_REFUSED,
				_("%s: folder loop (a link back to a folder "
				  "above it)"),
				path);
			goto fail;
		}
	}
	if (in->depth >= INPUT_DEPTH_MAX) {
		err_set(&why, STATUS_LIMIT, _("%s: folders nested too deep"),
			path);
		goto fail;
	}
	in->devs[in->depth] = sb.st_dev;
	in->inos[in->depth] = sb.st_ino;
	in->depth++;
	st = input_dir(in, path, err);
	in->depth--;
	return st;
fail:
	st = input_fail_unit(in, path, &why, err);
	err_done(&why);
	return st;
}

/* Reads everything under a path. */
enum status report_input_path(const char *path,
			      const struct report_limits *limits,
			      const struct report_sink *sink, struct err *err)
{
	struct input in;
	struct report_limits def = REPORT_LIMITS_DEFAULT;

	memset(&in, 0, sizeof in);
	in.lim = limits ? *limits : def;
	in.sink = sink;
	return input_any(&in, path, err);
}
