/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where mail check's message comes from: a file, standard input, or the
 * newest message of a Maildir folder, read whole and bounded. */
#include "config.h"

#include "app/mail_check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/xalloc.h"

/* Reads a whole file or stdin, bounded. */
enum status mail_check_read(const char *path, char **data, size_t *len,
			    struct err *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	const char *name = is_stdin ? _("standard input") : path;
	struct strbuf sb = STRBUF_INIT;
	enum status st = STATUS_OK;
	char buf[65536];

	*data = NULL;
	*len = 0;
	if (fd < 0)
		return err_set(err, STATUS_IO, "%s: %s", name, strerror(errno));
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			st = err_set(err, STATUS_IO, "%s: %s", name,
				     strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > DKIM_MSG_MAX_SIZE) {
			st = err_set(err, STATUS_LIMIT,
				     _("%s: the message is larger than %u MiB"),
				     name, DKIM_MSG_MAX_SIZE >> 20);
			goto out;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	if (sb.len == 0) {
		st = err_set(err, STATUS_PARSE, _("%s is empty"), name);
		goto out;
	}
	*len = sb.len;
	*data = strbuf_detach(&sb);
out:
	strbuf_done(&sb);
	if (!is_stdin)
		close(fd);
	return st;
}

/* Whether dir is a Maildir: it has cur/ and new/ folders. */
bool mail_is_maildir(const char *dir)
{
	char *cur = xasprintf("%s/cur", dir), *new = xasprintf("%s/new", dir);
	struct stat sb;
	bool yes = stat(cur, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		   stat(new, &sb) == 0 && S_ISDIR(sb.st_mode);

	free(cur);
	free(new);
	return yes;
}

/* The newest message of a Maildir, or the path itself. */
char *mail_check_pick(const char *path, struct err *err)
{
	static const char *const subs[] = { "new", "cur" };
	char *best = NULL;
	struct timespec best_time = { 0, 0 };

	if (!mail_is_maildir(path))
		return xstrdup(path);
	for (size_t k = 0; k < 2; k++) {
		char *dir = xasprintf("%s/%s", path, subs[k]);
		DIR *d = opendir(dir);
		struct dirent *e;

		if (!d) {
			err_set(err, STATUS_IO, "%s: %s", dir, strerror(errno));
			free(dir);
			free(best);
			return NULL;
		}
		while ((e = readdir(d))) {
			char *file;
			struct stat sb;

			if (e->d_name[0] == '.')
				continue;
			file = xasprintf("%s/%s", dir, e->d_name);
			if (stat(file, &sb) == 0 && S_ISREG(sb.st_mode) &&
			    (!best || sb.st_mtim.tv_sec > best_time.tv_sec ||
			     (sb.st_mtim.tv_sec == best_time.tv_sec &&
			      sb.st_mtim.tv_nsec > best_time.tv_nsec))) {
				free(best);
				best = file;
				best_time = sb.st_mtim;
			} else {
				free(file);
			}
		}
		closedir(d);
		free(dir);
	}
	if (!best)
		err_set(err, STATUS_NOT_FOUND,
			_("%s: the Maildir holds no message"), path);
	return best;
}
