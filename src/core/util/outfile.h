/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writing a file the operator named (--output, the wizard's export):
 * whole or not at all, only over a regular file, keeping its mode and
 * owner (DESIGN.md section 8); and the checked end of standard output
 * that every command goes through. */
#ifndef DMARCPILOT_OUTFILE_H
#define DMARCPILOT_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

/* Replaces path with data atomically: the data goes to an unnamed file
 * in path's directory (O_TMPFILE; a named temporary one where the file
 * system has none), is synced, gets the existing file's mode and owner
 * (0644 for a new file) and is renamed over path. A path that exists
 * and is not a regular file (a symlink, FIFO, device, directory) gives
 * STATUS_REFUSED and is left alone. On every failure the temporary
 * file is removed and path is as it was. Errors name the path. */
enum status outfile_write(const char *path, const char *data, size_t len,
			  struct err *err);

/* Writes all len octets to fd (retrying short writes and EINTR);
 * false with errno set when it cannot. */
bool outfile_write_fd(int fd, const char *data, size_t len);

/* Makes a directory's new entries durable (fsync of the directory);
 * failing to is harmless and ignored. */
void outfile_sync_dir(const char *dir);

/* Flushes and closes standard output and reports a failed write (a
 * full disk, /dev/full, a closed pipe) as STATUS_IO naming "standard
 * output"; STATUS_OK when everything written reached it. */
enum status outfile_close_stdout(struct err *err);

#endif
