/* SPDX-License-Identifier: MIT */
/* Options checked against a personality's table (struct fg_option_spec). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "personalities/personalities.h"

/* A name ending in '*' covers every key with that prefix ("ep_*": one per endpoint). */
static const struct fg_option_spec *spec_find(const struct fg_option_spec *specs,
					      const char *name)
{
	for (size_t i = 0; specs && specs[i].name; i++) {
		size_t l = strlen(specs[i].name);

		if (l && specs[i].name[l - 1] == '*') {
			if (strncmp(specs[i].name, name, l - 1) == 0 && name[l - 1])
				return &specs[i];
		} else if (strcmp(specs[i].name, name) == 0) {
			return &specs[i];
		}
	}
	return NULL;
}

/* "a, b, c" from the table's names, or "none". */
static void list_names(const struct fg_option_spec *specs, char *out, size_t len)
{
	size_t used = 0;

	snprintf(out, len, "none");
	for (size_t i = 0; specs && specs[i].name && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "",
					 specs[i].name);
}

/* "\"a\", \"b\" or \"c\"", a prefix choice shown as "fifo:...". */
static void list_choices(const char *const *choices, char *out, size_t len)
{
	size_t used = 0, n = 0;

	out[0] = '\0';
	while (choices[n])
		n++;
	for (size_t i = 0; i < n && used < len; i++) {
		size_t l = strlen(choices[i]);

		used += (size_t)snprintf(out + used, len - used, "%s\"%s%s\"",
					 i == 0 ? "" : i + 1 == n ? " or " : ", ", choices[i],
					 l && choices[i][l - 1] == ':' ? "..." : "");
	}
}

static bool parse_uint(const char *text, uint32_t max, uint32_t *v)
{
	char *end;
	unsigned long long x;

	/* strtoull would take a sign or leading blanks */
	if (text[0] < '0' || text[0] > '9')
		return false;
	errno = 0;
	x = strtoull(text, &end, 0);
	if (errno || end == text || *end || x > max)
		return false;
	*v = (uint32_t)x;
	return true;
}

static bool is_choice(const char *const *choices, const char *v)
{
	for (size_t i = 0; choices[i]; i++) {
		size_t l = strlen(choices[i]);

		if (l && choices[i][l - 1] == ':') {
			if (strncmp(v, choices[i], l) == 0 && v[l])
				return true;
		} else if (strcmp(v, choices[i]) == 0) {
			return true;
		}
	}
	return false;
}

static int check_one(const struct fg_option_spec *spec, const struct fg_model *m,
		     const struct fg_option *o, char *err, size_t errlen)
{
	char list[256];
	uint32_t v;

	switch (spec->kind) {
	case FG_OPTION_UINT:
		if (parse_uint(o->value, spec->max, &v))
			return 0;
		snprintf(err, errlen, "%s:%u: options: %s '%s' is not a number 0..%" PRIu32,
			 m->source, o->line, o->key, o->value, spec->max);
		return -EINVAL;
	case FG_OPTION_BOOL:
		if (strcmp(o->value, "true") == 0 || strcmp(o->value, "false") == 0)
			return 0;
		snprintf(err, errlen, "%s:%u: options: %s '%s' is not true or false",
			 m->source, o->line, o->key, o->value);
		return -EINVAL;
	case FG_OPTION_CHOICE:
		if (!is_choice(spec->choices, o->value)) {
			list_choices(spec->choices, list, sizeof(list));
			snprintf(err, errlen, "%s:%u: options: %s '%s' is not %s",
				 m->source, o->line, o->key, o->value, list);
			return -EINVAL;
		}
		break;
	case FG_OPTION_TEXT:
		break;
	}
	if (spec->max && strlen(o->value) > spec->max) {
		snprintf(err, errlen, "%s:%u: options: %s is %zu bytes, longer than %" PRIu32,
			 m->source, o->line, o->key, strlen(o->value), spec->max);
		return -EINVAL;
	}
	return 0;
}

int fg_options_check(const struct fg_option_spec *specs, const char *who,
		     const struct fg_model *m, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->option_count; i++) {
		const struct fg_option *o = &m->options[i];
		const struct fg_option_spec *spec = spec_find(specs, o->key);
		char names[256];
		int rc;

		if (!spec) {
			list_names(specs, names, sizeof(names));
			snprintf(err, errlen, "%s:%u: options: '%s' has no option '%s' (known: %s)",
				 m->source, o->line, who, o->key, names);
			return -EINVAL;
		}
		rc = check_one(spec, m, o, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

uint32_t fg_option_uint(const struct fg_model *m, const char *key, uint32_t dflt)
{
	const struct fg_option *o = fg_model_option(m, key);
	uint32_t v;

	return o && parse_uint(o->value, UINT32_MAX, &v) ? v : dflt;
}

bool fg_option_bool(const struct fg_model *m, const char *key, bool dflt)
{
	const struct fg_option *o = fg_model_option(m, key);

	return o ? strcmp(o->value, "true") == 0 : dflt;
}
