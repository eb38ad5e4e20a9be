/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "common/utf8.h"

bool fg_utf8_check(const char *s, size_t len, size_t *utf16_units)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t units = 0;

	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t extra;

		if (c == 0)
			return false;
		if (c < 0x80) {
			cp = c;
			extra = 0;
		} else if (c >= 0xc2 && c <= 0xdf) {
			cp = c & 0x1fu;
			extra = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			cp = c & 0x0fu;
			extra = 2;
		} else if (c >= 0xf0 && c <= 0xf4) {
			cp = c & 0x07u;
			extra = 3;
		} else {
			return false;   /* continuation byte, 0xc0/0xc1 or >= 0xf5 */
		}
		if (len - i - 1 < extra)
			return false;
		for (size_t k = 1; k <= extra; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3fu);
		}
		if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000))
			return false;   /* overlong */
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		units += cp >= 0x10000 ? 2 : 1;
		i += 1 + extra;
	}
	if (utf16_units)
		*utf16_units = units;
	return true;
}

bool fg_ascii_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}
