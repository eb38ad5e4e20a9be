/* SPDX-License-Identifier: MIT */
/* Error reporting shared by the board profile and gadget scheme parsers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/conf_diag.h"

int fg_conf_read(struct fg_conf_diag *d, config_t *cfg)
{
	FILE *f = fopen(d->path, "re");
	int rc = 0;

	if (!f) {
		rc = -errno;
		if (d->err && d->errlen)
			snprintf(d->err, d->errlen, "%s: %s", d->path, strerror(errno));
		return rc;
	}
	/* libconfig's scanner exits the whole process on a read error (a directory). */
	struct stat st;
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		if (d->err && d->errlen)
			snprintf(d->err, d->errlen, "%s: not a regular file", d->path);
		fclose(f);
		return -EINVAL;
	}
	config_init(cfg);
	if (config_read(cfg, f) != CONFIG_TRUE) {
		if (d->err && d->errlen)
			snprintf(d->err, d->errlen, "%s:%d: %s", d->path, config_error_line(cfg),
				 config_error_text(cfg));
		config_destroy(cfg);
		rc = -EINVAL;
	}
	fclose(f);
	return rc;
}

int fg_conf_fail(struct fg_conf_diag *d, const config_setting_t *at, const char *fmt, ...)
{
	unsigned line = at ? config_setting_source_line(at) : 0;
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (d->err && d->errlen) {
		if (line || d->zero_line)
			snprintf(d->err, d->errlen, "%s:%u: %s", d->path, line, what);
		else
			snprintf(d->err, d->errlen, "%s: %s", d->path, what);
	}
	return -EINVAL;
}

int fg_conf_dup_string(struct fg_conf_diag *d, const config_setting_t *s, const char *what,
		       char **dst)
{
	const char *v = config_setting_get_string(s);

	if (!v || !v[0])
		return fg_conf_fail(d, s, "%s must be a non-empty string", what);
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}
