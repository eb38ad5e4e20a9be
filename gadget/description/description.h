/* SPDX-License-Identifier: MIT */
/*
 * Description files (libconfig syntax, see descriptors/README.md) to a
 * validated struct fg_model.
 *
 * Both calls return 0 and a new model in *out (free with fg_model_free), or
 * a negative errno and exactly one message in err, of the form
 * "source:line: what: problem".  -EINVAL means the content is wrong; other
 * values come from reading files (-ENOENT, -EACCES, -EFBIG, ...) or -ENOMEM.
 */
#ifndef FFSGADGET_DESCRIPTION_H
#define FFSGADGET_DESCRIPTION_H

#include <stddef.h>

#include "description/model.h"

/* Larger descriptions are refused before parsing. */
#define FG_DESCRIPTION_MAX (1u << 20)

int fg_description_load(const char *path, struct fg_model **out, char *err, size_t errlen);

/*
 * text is NUL-terminated; source_name names it in messages and is the base
 * for relative report_file paths.
 */
int fg_description_parse(const char *text, const char *source_name, struct fg_model **out,
			 char *err, size_t errlen);

#endif
