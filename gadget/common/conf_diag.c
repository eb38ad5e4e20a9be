/* SPDX-License-Identifier: MIT */
/* Error reporting shared by the board profile and gadget scheme parsers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_diag.h"
#include "common/conf_text.h"
#include "common/sysfile.h"

int fg_conf_read(struct fg_conf_diag *d, config_t *cfg)
{
	char *text, *wide;
	size_t len;
	int rc = fg_read_regular(d->path, FG_CONF_FILE_MAX, &text, &len);

	if (rc < 0) {
		if (d->err && d->errlen) {
			if (rc == -EINVAL)
				snprintf(d->err, d->errlen, "%s: not a regular file", d->path);
			else if (rc == -EFBIG)
				snprintf(d->err, d->errlen, "%s: larger than %u bytes", d->path,
					 FG_CONF_FILE_MAX);
			else if (rc == -EILSEQ)
				snprintf(d->err, d->errlen, "%s: contains a NUL byte", d->path);
			else
				snprintf(d->err, d->errlen, "%s: %s", d->path, strerror(-rc));
		}
		return rc == -EILSEQ ? -EINVAL : rc;
	}
	rc = fg_conf_text_prepare(text, d->path, &wide, d->err, d->errlen);
	free(text);
	if (rc < 0)
		return rc;
	config_init(cfg);
	if (config_read_string(cfg, wide) != CONFIG_TRUE) {
		if (d->err && d->errlen)
			snprintf(d->err, d->errlen, "%s:%d: %s", d->path, config_error_line(cfg),
				 config_error_text(cfg));
		config_destroy(cfg);
		rc = -EINVAL;
	}
	free(wide);
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
