/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "app/report_fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/imap.h"
#include "store/mailbox_store.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* One run's working state. */
struct fetch {
	struct store *store;
	struct imap *imap;
	const struct config_mailbox *mailbox;
	const char *folder, *archive;
	char *key;    /* user@host:port/folder, the progress's key */
	char *tmpdir; /* private directory for the message on disk */
	char *tmpfile;
	struct mailbox_progress progress;
	bool archive_ready; /* the archive folder is known to exist */
	struct report_fetch_result *result;
	char *reject; /* why the import refused the message */
};

/* Keeps the import's reason for refusing the message, without the
 * temporary file's name, which means nothing to the operator. */
static void fetch_on_reject(void *arg, const struct err *err)
{
	struct fetch *f = arg;
	const char *msg = err_message(err);
	size_t n = strlen(f->tmpfile);

	if (strncmp(msg, f->tmpfile, n) == 0 && msg[n] == ':')
		msg += n + 1 + (msg[n + 1] == ' ');
	free(f->reject);
	f->reject = xstrdup(msg);
}

/* Writes the message to the private temporary file. */
static enum status write_message(struct fetch *f, const char *data, size_t len,
				 struct err *err)
{
	enum status status = STATUS_OK;
	int fd;

	unlink(f->tmpfile);
	fd = open(f->tmpfile,
		  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, STATUS_IO, "%s: %s", f->tmpfile,
			       strerror(errno));
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			status = err_set(err, STATUS_IO, "%s: %s", f->tmpfile,
					 strerror(errno));
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && status == STATUS_OK)
		status = err_set(err, STATUS_IO, "%s: %s", f->tmpfile,
				 strerror(errno));
	return status;
}

/* Moves an imported message to the archive or flags it seen. */
static enum status archive_message(struct fetch *f, uint32_t uid,
				   struct err *err)
{
	enum status status;

	if (f->mailbox->after == CONFIG_AFTER_SEEN)
		return imap_mark_seen(f->imap, f->folder, uid, err);
	if (!f->archive_ready) {
		if ((status = imap_create(f->imap, f->archive, err)))
			return status;
		f->archive_ready = true;
	}
	return imap_move(f->imap, f->folder, uid, f->archive, err);
}

/* Fetches, imports and archives one message. was_failed says it failed
 * on an earlier run. Errors are those of the mailbox or the database;
 * a message the import refuses is recorded, not an error. */
static enum status fetch_one(struct fetch *f, uint32_t uid, bool was_failed,
			     report_fetch_failed_fn on_failed, void *arg,
			     struct err *err)
{
	struct report_import_stats stats;
	struct err local = ERR_INIT;
	enum status status;
	char *data = NULL;
	size_t len = 0;
	bool is_new;

	status = imap_fetch(f->imap, f->folder, f->progress.uidvalidity, uid,
			    &data, &len, &local);
	if (status == STATUS_NOT_FOUND) {
		/* Gone since it was listed (someone else moved it). */
		err_done(&local);
		if (was_failed)
			return mailbox_failed_remove(f->store, f->key,
						     f->progress.uidvalidity,
						     uid, err);
		return STATUS_OK;
	}
	if (status == STATUS_LIMIT) {
		/* Too large to be a report: it stays, named once. */
		free(f->reject);
		f->reject = xstrdup(err_message(&local));
		err_done(&local);
		memset(&stats, 0, sizeof stats);
		stats.rejected = 1;
		goto judged;
	}
	if (status) {
		err_set(err, status, "%s", err_message(&local));
		err_done(&local);
		return status;
	}
	if ((status = write_message(f, data, len, err)))
		goto out;
	memset(&stats, 0, sizeof stats);
	free(f->reject);
	f->reject = NULL;
	if ((status = report_import_path(f->store, f->tmpfile, NULL, &stats,
					 fetch_on_reject, f, err)))
		goto out;
judged:
	f->result->stats.imported += stats.imported;
	f->result->stats.duplicates += stats.duplicates;
	f->result->stats.skipped += stats.skipped;
	f->result->stats.reports += stats.reports;
	f->result->stats.failures += stats.failures;
	f->result->stats.messages += stats.messages;
	f->result->stats.rows += stats.rows;
	if (stats.rejected > 0) {
		char *why =
		    xasprintf(_("folder \"%s\" UID %" PRIu32 ": %s"), f->folder,
			      uid, f->reject ? f->reject : _("refused"));

		f->result->stats.rejected++;
		status = mailbox_failed_add(f->store, f->key,
					    f->progress.uidvalidity, uid, why,
					    &is_new, err);
		if (status == STATUS_OK && is_new) {
			f->result->failed_new++;
			if (on_failed)
				on_failed(arg, why);
		} else if (status == STATUS_OK) {
			f->result->failing++;
		}
		free(why);
		goto out;
	}
	/* A message that is no report (a bounce, a notice) stays where it
	 * is: the archive is for what was imported. */
	if (stats.imported > 0 || stats.duplicates > 0) {
		if ((status = archive_message(f, uid, err)))
			goto out;
		f->result->archived++;
	}
	if (was_failed) {
		f->result->recovered++;
		status = mailbox_failed_remove(
		    f->store, f->key, f->progress.uidvalidity, uid, err);
	}
out:
	if (f->tmpfile)
		unlink(f->tmpfile);
	free(data);
	return status;
}

/* Opens the mailbox named by the configuration. */
static enum status fetch_open(struct fetch *f, const struct config *cfg,
			      const struct report_fetch_options *options,
			      struct err *err)
{
	const struct config_mailbox *m = &cfg->mailbox;
	struct imap_params params;
	enum status status;
	char *password;

	if (!m->present)
		return err_set(err, STATUS_USAGE,
			       _("%s: no [mailbox] section: say where reports "
				 "arrive (url, user, password_file)"),
			       cfg->path ? cfg->path : "config.ini");
	f->mailbox = m;
	f->folder = options && options->folder ? options->folder : m->folder;
	f->archive =
	    options && options->archive ? options->archive : m->archive;
	if (!imap_folder_name_ok(f->folder) ||
	    (m->after == CONFIG_AFTER_MOVE && !imap_folder_name_ok(f->archive)))
		return err_set(err, STATUS_USAGE,
			       _("folder names must be printable ASCII"));
	if (m->after == CONFIG_AFTER_MOVE && !strcmp(f->folder, f->archive))
		return err_set(err, STATUS_USAGE,
			       _("the archive folder is the folder reports "
				 "arrive in"));
	if (!(password = config_secret(cfg, &m->password, m->url, err)))
		return err->status;
	memset(&params, 0, sizeof params);
	params.host = m->host;
	params.port = m->port;
	params.tls = m->tls == CONFIG_TLS_IMPLICIT   ? IMAP_TLS_IMPLICIT
		     : m->tls == CONFIG_TLS_STARTTLS ? IMAP_TLS_STARTTLS
						     : IMAP_TLS_NONE;
	params.user = m->user;
	params.password = password;
	params.ca_file = m->ca_file;
	params.timeout_seconds = options ? options->timeout_seconds : 0;
	status = imap_open(&f->imap, &params, err);
	config_secret_free(password);
	return status;
}

/* Runs one fetch. */
enum status report_fetch(struct store *store, const struct config *cfg,
			 const struct report_fetch_options *options,
			 struct report_fetch_result *result,
			 report_fetch_progress_fn on_progress,
			 report_fetch_failed_fn on_failed, void *arg,
			 struct err *err)
{
	struct imap_folder_status fs;
	struct fetch f;
	uint32_t *failed = NULL, *fresh = NULL;
	size_t nfailed = 0, nfresh = 0, total;
	const char *tmp = getenv("TMPDIR");
	enum status status;

	memset(result, 0, sizeof *result);
	memset(&f, 0, sizeof f);
	f.store = store;
	f.result = result;
	if ((status = fetch_open(&f, cfg, options, err)))
		goto out;
	result->server = xstrdup(imap_server(f.imap));
	result->folder = xstrdup(f.folder);
	f.key = xasprintf("%s@%s/%s", f.mailbox->user, imap_server(f.imap),
			  f.folder);
	if ((status = imap_status(f.imap, f.folder, &fs, err)) ||
	    (status = mailbox_progress_get(store, f.key, &f.progress, err)))
		goto out;
	/* RFC 9051 2.3.1.1: a new UIDVALIDITY means the UIDs name other
	 * messages now; read the folder again from the start (what was
	 * imported already counts as duplicates). */
	if (f.progress.uidvalidity != fs.uidvalidity) {
		result->uidvalidity_reset = f.progress.uidvalidity != 0;
		f.progress.uidvalidity = fs.uidvalidity;
		f.progress.last_uid = 0;
		if ((status =
			 mailbox_progress_set(store, f.key, &f.progress, err)))
			goto out;
	}
	if ((status = mailbox_failed_list(store, f.key, fs.uidvalidity, &failed,
					  &nfailed, err)) ||
	    (status = imap_search(f.imap, f.folder, f.progress.last_uid + 1,
				  &fresh, &nfresh, err)))
		goto out;
	total = nfailed + nfresh;
	if (total == 0)
		goto out;
	f.tmpdir = xasprintf("%s/dmarcpilot-fetch-XXXXXX",
			     tmp && tmp[0] == '/' ? tmp : "/tmp");
	if (!mkdtemp(f.tmpdir)) {
		status = err_set(err, STATUS_IO, "%s: %s", f.tmpdir,
				 strerror(errno));
		free(f.tmpdir);
		f.tmpdir = NULL;
		goto out;
	}
	f.tmpfile = xasprintf("%s/message.eml", f.tmpdir);
	/* Earlier failures first: they may import now (a newer
	 * dmarcpilot, a fixed report). */
	for (size_t i = 0; i < total; i++) {
		bool retry = i < nfailed;
		uint32_t uid = retry ? failed[i] : fresh[i - nfailed];

		if (on_progress)
			on_progress(arg, i + 1, total);
		result->messages++;
		if ((status = fetch_one(&f, uid, retry, on_failed, arg, err)))
			goto out;
		if (retry)
			continue;
		/* Stored after each message: a run cut short here resumes
		 * with the next one. */
		f.progress.last_uid = uid;
		if ((status =
			 mailbox_progress_set(store, f.key, &f.progress, err)))
			goto out;
	}
out:
	if (f.tmpfile) {
		unlink(f.tmpfile);
		free(f.tmpfile);
	}
	if (f.tmpdir) {
		rmdir(f.tmpdir);
		free(f.tmpdir);
	}
	free(f.reject);
	free(f.key);
	free(failed);
	free(fresh);
	imap_close(f.imap);
	return status;
}

/* Frees a result's strings. */
void report_fetch_result_done(struct report_fetch_result *result)
{
	free(result->server);
	free(result->folder);
	result->server = NULL;
	result->folder = NULL;
}
