/* SPDX-License-Identifier: MIT */
/*
 * Internal to the description loader (description*.c): the parse context
 * and the typed accessors that turn libconfig settings into model fields.
 *
 * Every accessor either succeeds or writes the one error message
 * ("source:line: <what>: <problem>") and returns a negative errno, which the
 * callers pass straight up; the first problem found ends the parse.
 */
#ifndef FFSGADGET_DESCRIPTION_PARSE_H
#define FFSGADGET_DESCRIPTION_PARSE_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "description/model.h"

struct fg_parse {
	const char *source;     /* name used in messages */
	char *err;
	size_t errlen;
	struct fg_model *m;
	/* Interface string keys as referenced, resolved once strings are read. */
	const char *alt_string_key[FG_MAX_INTERFACES][FG_MAX_ALTS];
	const config_setting_t *alt_string_at[FG_MAX_INTERFACES][FG_MAX_ALTS];
};

/* Writes "source:line: message" for the setting at (line 0 if NULL), returns -EINVAL. */
int fg_fail(struct fg_parse *p, const config_setting_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Fails naming the first member of group that is not in allowed (NULL-terminated). */
int fg_check_keys(struct fg_parse *p, const config_setting_t *group, const char *what,
		  const char *const *allowed);

/* The member key of group, or NULL. */
const config_setting_t *fg_member(const config_setting_t *group, const char *key);

/* Integer value of a scalar setting, in [min, max]. */
int fg_int_value(struct fg_parse *p, const config_setting_t *s, const char *what,
		 const char *field, long long min, long long max, long long *out);

/*
 * Optional integer member: *out keeps its value when the key is absent.
 * Returns 1 when present, 0 when absent, negative on error.
 */
int fg_opt_int(struct fg_parse *p, const config_setting_t *group, const char *key,
	       const char *what, long long min, long long max, long long *out);

/* String member: 1 present, 0 absent, negative errno on a wrong type. */
int fg_opt_string(struct fg_parse *p, const config_setting_t *group, const char *key,
		  const char *what, const char **out);

/* Like fg_opt_string but the key must be present. */
int fg_req_string(struct fg_parse *p, const config_setting_t *group, const char *key,
		  const char *what, const char **out);

/* True for a list ( ... ) or an array [ ... ]. */
bool fg_is_sequence(const config_setting_t *s);

/* Copies a name matching [A-Za-z0-9_-]{1,FG_NAME_MAX-1} into dst. */
int fg_copy_name(struct fg_parse *p, const config_setting_t *at, const char *what,
		 const char *field, const char *value, char dst[FG_NAME_MAX]);

/* Reads a byte list ([0x05, 0x01, ...]) into a new buffer of *len bytes. */
int fg_byte_list(struct fg_parse *p, const config_setting_t *s, const char *what,
		 const char *field, size_t max_len, uint8_t **out, size_t *len);

/* Parsers for the parts of a function, in the order the model needs them. */
int fg_parse_interfaces(struct fg_parse *p, const config_setting_t *list);
int fg_parse_strings(struct fg_parse *p, const config_setting_t *list);
int fg_parse_ms_os(struct fg_parse *p, const config_setting_t *group);
int fg_parse_realtime(struct fg_parse *p, const config_setting_t *group);

#endif
