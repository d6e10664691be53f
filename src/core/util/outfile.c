/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "util/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/xalloc.h"

/* Writes the whole buffer. */
bool outfile_write_fd(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return false;
		}
		data += n;
		len -= (size_t)n;
	}
	return true;
}

/* Opens the file that will become path: unnamed in dir when the file
 * system can (so that a kill leaves nothing behind), else a named
 * temporary file whose name goes to *tmp. */
static int open_temporary(const char *dir, const char *path, char **tmp)
{
	int fd;

	*tmp = NULL;
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -1;
#endif
	*tmp = xasprintf("%s.tmpXXXXXX", path);
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		free(*tmp);
		*tmp = NULL;
	}
	return fd;
}

/* Gives an unnamed file a temporary name beside path; NULL (errno set)
 * when it cannot. */
static char *name_temporary(int fd, const char *path)
{
	char proc[64];

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	for (int tries = 0; tries < 100; tries++) {
		char *tmp = xasprintf("%s.tmp%06x", path,
				      (unsigned)(rand() & 0xffffff));

		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) ==
		    0)
			return tmp;
		free(tmp);
		if (errno != EEXIST)
			return NULL;
	}
	errno = EEXIST;
	return NULL;
}

/* Replaces path with data, keeping what the operator set on it. */
enum status outfile_write(const char *path, const char *data, size_t len,
			  struct err *err)
{
	char *copy = xstrdup(path);
	const char *dir = dirname(copy);
	char *tmp = NULL;
	enum status st = STATUS_OK;
	struct stat old;
	bool exists;
	int fd = -1;

	if (lstat(path, &old) == 0) {
		exists = true;
		/* DESIGN.md 8: never replace a link, FIFO or device. */
		if (!S_ISREG(old.st_mode)) {
			st = err_set(err, STATUS_REFUSED,
				     _("%s: not a regular file; --output "
				       "replaces only regular files"),
				     path);
			goto out;
		}
	} else if (errno == ENOENT) {
		exists = false;
	} else {
		st = err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = open_temporary(dir, path, &tmp);
	if (fd < 0) {
		st = err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!outfile_write_fd(fd, data, len) ||
	    fchmod(fd, exists ? old.st_mode & 07777 : 0644) != 0 ||
	    (exists && (old.st_uid != geteuid() || old.st_gid != getegid()) &&
	     fchown(fd, old.st_uid, old.st_gid) != 0) ||
	    fsync(fd) != 0) {
		st = err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!tmp) {
		tmp = name_temporary(fd, path);
		if (!tmp) {
			st = err_set(err, STATUS_IO, "%s: %s", path,
				     strerror(errno));
			goto out;
		}
	}
	if (close(fd) != 0) {
		fd = -1;
		st = err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		st = err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* The rename itself must reach the disk. */
	outfile_sync_dir(dir);
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(copy);
	return st;
}

/* Syncs a directory after a new entry. */
void outfile_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Ends standard output, reporting what could not be written. */
enum status outfile_close_stdout(struct err *err)
{
	bool failed = ferror(stdout) != 0;
	int saved = errno;

	if (fflush(stdout) != 0) {
		failed = true;
		saved = errno;
	}
	if (fclose(stdout) != 0 && errno != EBADF) {
		failed = true;
		saved = errno;
	}
	if (!failed)
		return STATUS_OK;
	return err_set(err, STATUS_IO, _("standard output: %s"),
		       strerror(saved ? saved : EIO));
}
