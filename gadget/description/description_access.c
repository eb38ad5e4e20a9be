/* SPDX-License-Identifier: MIT */
/* Typed, range-checked access to libconfig settings, with one message on failure. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_text.h"
#include "description/description_parse.h"

int fg_fail(struct fg_parse *p, const config_setting_t *at, const char *fmt, ...)
{
	unsigned line = at ? config_setting_source_line(at) : 0;
	int n;
	va_list ap;

	if (!p->err || p->errlen == 0)
		return -EINVAL;
	n = snprintf(p->err, p->errlen, "%s:%u: ", p->source, line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	case CONFIG_TYPE_GROUP:
		return "a group";
	default:
		return "an unknown type";
	}
}

int fg_check_keys(struct fg_parse *p, const config_setting_t *group, const char *what,
		  const char *const *allowed)
{
	int n = config_setting_length(group);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = s ? config_setting_name(s) : NULL;
		const char *const *a;

		if (!name)
			continue;
		for (a = allowed; *a; a++)
			if (strcmp(*a, name) == 0)
				break;
		if (!*a)
			return fg_fail(p, s, "%s: unknown key '%s'", what, name);
	}
	return 0;
}

const config_setting_t *fg_member(const config_setting_t *group, const char *key)
{
	if (!group || config_setting_type(group) != CONFIG_TYPE_GROUP)
		return NULL;
	return config_setting_get_member(group, key);
}

int fg_int_value(struct fg_parse *p, const config_setting_t *s, const char *what,
		 const char *field, long long min, long long max, long long *out)
{
	long long v;

	if (!fg_conf_int(s, &v))
		return fg_fail(p, s, "%s: '%s' must be an integer, not %s", what, field,
			       type_name(s));
	/* Written in hex, quoted in hex: the number the user wrote. */
	if ((v < min || v > max) && min >= 0 && config_setting_get_format(s) == CONFIG_FORMAT_HEX)
		return fg_fail(p, s, "%s: '%s' 0x%llx out of range 0x%llx..0x%llx", what, field,
			       (unsigned long long)v, (unsigned long long)min,
			       (unsigned long long)max);
	if (v < min || v > max)
		return fg_fail(p, s, "%s: '%s' %lld out of range %lld..%lld", what, field, v,
			       min, max);
	*out = v;
	return 0;
}

int fg_opt_int(struct fg_parse *p, const config_setting_t *group, const char *key,
	       const char *what, long long min, long long max, long long *out)
{
	const config_setting_t *s = fg_member(group, key);
	int ret;

	if (!s)
		return 0;
	ret = fg_int_value(p, s, what, key, min, max, out);
	return ret < 0 ? ret : 1;
}

int fg_opt_string(struct fg_parse *p, const config_setting_t *group, const char *key,
		  const char *what, const char **out)
{
	const config_setting_t *s = fg_member(group, key);

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fg_fail(p, s, "%s: '%s' must be a string, not %s", what, key,
			       type_name(s));
	*out = config_setting_get_string(s);
	return 1;
}

int fg_req_string(struct fg_parse *p, const config_setting_t *group, const char *key,
		  const char *what, const char **out)
{
	int ret = fg_opt_string(p, group, key, what, out);

	if (ret == 0)
		return fg_fail(p, group, "%s: '%s' is required", what, key);
	return ret < 0 ? ret : 0;
}

bool fg_is_sequence(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_LIST ||
	       config_setting_type(s) == CONFIG_TYPE_ARRAY;
}

int fg_copy_name(struct fg_parse *p, const config_setting_t *at, const char *what,
		 const char *field, const char *value, char dst[FG_NAME_MAX])
{
	size_t len = strlen(value);

	if (len == 0)
		return fg_fail(p, at, "%s: '%s' is empty", what, field);
	if (len >= FG_NAME_MAX)
		return fg_fail(p, at, "%s: '%s' longer than %d characters", what, field,
			       FG_NAME_MAX - 1);
	for (const char *c = value; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '_' || *c == '-';
		if (!ok)
			return fg_fail(p, at, "%s: '%s' \"%s\" may only hold letters, digits, '_' and '-'",
				       what, field, value);
	}
	memcpy(dst, value, len + 1);
	return 0;
}

int fg_byte_list(struct fg_parse *p, const config_setting_t *s, const char *what,
		 const char *field, size_t max_len, uint8_t **out, size_t *len)
{
	int n;
	uint8_t *buf;

	if (!fg_is_sequence(s))
		return fg_fail(p, s, "%s: '%s' must be a list of bytes, not %s", what, field,
			       type_name(s));
	n = config_setting_length(s);
	if (n <= 0)
		return fg_fail(p, s, "%s: '%s' is empty", what, field);
	if ((size_t)n > max_len)
		return fg_fail(p, s, "%s: '%s' has %d bytes, at most %zu allowed", what, field, n,
			       max_len);
	buf = malloc((size_t)n);
	if (!buf)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		long long v = 0;
		char elem[48];
		int ret;

		snprintf(elem, sizeof(elem), "%s[%d]", field, i);
		ret = e ? fg_int_value(p, e, what, elem, 0, 255, &v) : -EINVAL;
		if (ret < 0) {
			free(buf);
			return ret;
		}
		buf[i] = (uint8_t)v;
	}
	*out = buf;
	*len = (size_t)n;
	return 0;
}
