/* SPDX-License-Identifier: MIT */
/*
 * The small files and directories of sysfs, configfs and /etc that the
 * tools read and make: one line of text, a path of directories.
 */
#ifndef FFSGADGET_SYSFILE_H
#define FFSGADGET_SYSFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The first line of path, without its newline, into buf (len > 0); buf is
 * "" on failure.  0, -ENODATA for an empty file, or the negative errno of
 * the open.
 */
int fg_read_first_line(const char *path, char *buf, size_t len);
/* path made or emptied to hold text: 0, or the negative errno of any step. */
int fg_write_text(const char *path, const char *text);
/*
 * Opens path for reading only if it is a regular file, without blocking on
 * a FIFO or a device on the way (O_NONBLOCK, then fstat): the descriptor,
 * -EINVAL when path is something else (a FIFO, a directory, a device), or
 * the negative errno of the open.
 */
int fg_open_regular(const char *path);

/*
 * The whole of the regular file path, at most max bytes, into a new
 * NUL-terminated *text (*len bytes).  -EINVAL (not a regular file),
 * -EFBIG (larger than max), -EILSEQ (holds a NUL byte), or another negative
 * errno of the open or read.
 */
int fg_read_regular(const char *path, size_t max, char **text, size_t *len);

/* mkdir -p: the parents 0755, path itself mode; existing ones are fine. */
int fg_mkdir_p(const char *path, mode_t mode);

#endif
