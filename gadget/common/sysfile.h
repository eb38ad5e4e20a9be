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
/* mkdir -p: the parents 0755, path itself mode; existing ones are fine. */
int fg_mkdir_p(const char *path, mode_t mode);

#endif
