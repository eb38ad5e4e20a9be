/* SPDX-License-Identifier: MIT */
/*
 * Shared by the board profile (board.c) and gadget scheme (configfs_scheme.c)
 * parsers: reading the file, the one error message ("path:line: what")
 * written into the caller's buffer, and the getter both use alike.
 * (The description loader has its own, description_parse.h.)
 */
#ifndef FFSGADGET_CONF_DIAG_H
#define FFSGADGET_CONF_DIAG_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

/* Board profiles and schemes are a few KiB; larger files are refused. */
#define FG_CONF_FILE_MAX (1u << 20)

struct fg_conf_diag {
	const char *path;       /* file name used in messages */
	char *err;              /* may be NULL */
	size_t errlen;
	/*
	 * Where there is no line (at is NULL or has line 0): true writes
	 * "path:0: what" (board profiles), false "path: what" (schemes).
	 */
	bool zero_line;
};

/*
 * Reads the regular file d->path into cfg (config_init'ed here), its
 * integers widened to CONFIG_TYPE_INT64 (conf_text.h): 0, and cfg is the
 * caller's to config_destroy; or a negative errno, cfg destroyed, and
 * "path: <problem>" or "path:line: <problem>" in d->err.
 */
int fg_conf_read(struct fg_conf_diag *d, config_t *cfg);

/* Writes "path:line: what" for the setting at, returns -EINVAL. */
int fg_conf_fail(struct fg_conf_diag *d, const config_setting_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A non-empty string setting, copied into a new *dst (the old one freed).
 * "WHAT must be a non-empty string" otherwise; -ENOMEM when out of memory.
 */
int fg_conf_dup_string(struct fg_conf_diag *d, const config_setting_t *s, const char *what,
		       char **dst);

#endif
