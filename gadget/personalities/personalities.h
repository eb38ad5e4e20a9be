/* SPDX-License-Identifier: MIT */
/*
 * The registry of personalities and the one check of a description against
 * the personality it names, which check, describe, up and run share: what
 * one of them accepts, all of them accept.
 */
#ifndef FFSGADGET_PERSONALITIES_H
#define FFSGADGET_PERSONALITIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "description/model.h"
#include "ffs/personality.h"

/* NULL-terminated list of all personalities. */
extern const struct fg_personality *const fg_personalities[];

/* The personality registered under name, or NULL. */
const struct fg_personality *fg_personality_find(const char *name);

/*
 * Every option of m is one that specs declares, of its kind and in range.
 * who names the personality in messages.  0, or -EINVAL and one message
 * "source:line: options: ...".
 */
int fg_options_check(const struct fg_option_spec *specs, const char *who,
		     const struct fg_model *m, char *err, size_t errlen);

/* A checked UINT option's value, or dflt when the description leaves it out. */
uint32_t fg_option_uint(const struct fg_model *m, const char *key, uint32_t dflt);

/* A checked BOOL option's value, or dflt when the description leaves it out. */
bool fg_option_bool(const struct fg_model *m, const char *key, bool dflt);

/*
 * m against its personality: the name is built in, the options pass its
 * table, and create accepts the model.  On success *p is the personality
 * and *state what create made (destroyed at once when state is NULL).  On
 * error a negative errno and one message in err naming file and field.
 */
int fg_personality_prepare(const struct fg_model *m, const struct fg_personality **p,
			   void **state, char *err, size_t errlen);

/*
 * fg_description_load, then fg_personality_prepare without keeping the
 * state: the whole check of a description file, before anything is made.
 * *m is NULL on error.
 */
int fg_personality_load(const char *path, struct fg_model **m,
			const struct fg_personality **p, char *err, size_t errlen);

#endif
