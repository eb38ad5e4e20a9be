/* SPDX-License-Identifier: MIT */
/*
 * The text of a libconfig file, checked and prepared before libconfig sees
 * it, for what libconfig itself gets wrong or words badly:
 *
 * - libconfig 1.5 stores an integer literal without an 'L' suffix in an int:
 *   4294967360 and 0x100000040 silently become 64, and
 *   99999999999999999999999 becomes -1.  Every integer literal is widened
 *   here (an 'L' appended), so libconfig stores each as a 64-bit
 *   CONFIG_TYPE_INT64 and the value read is the value written; a literal
 *   that does not fit in 64 signed bits is refused, quoting its text.
 * - Deep nesting makes libconfig's parser give up with "memory exhausted";
 *   nesting is limited to FG_CONF_NESTING_MAX, with a message saying so.
 *
 * Readers of the result must take integers as CONFIG_TYPE_INT64
 * (config_setting_get_int64).
 */
#ifndef FFSGADGET_CONF_TEXT_H
#define FFSGADGET_CONF_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>

/* Groups, lists and arrays inside one another; descriptions need 7. */
#define FG_CONF_NESTING_MAX 32

/*
 * 0 and a new NUL-terminated text in *out (free it), or -EINVAL and
 * "source:line: problem" in err, or -ENOMEM.
 */
int fg_conf_text_prepare(const char *text, const char *source, char **out, char *err,
			 size_t errlen);

/*
 * An integer setting's value (either integer type), false for any other type.
 */
bool fg_conf_int(const config_setting_t *s, long long *out);

#endif
