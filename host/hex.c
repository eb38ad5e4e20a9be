/* SPDX-License-Identifier: MIT */
/* Hex data for ctrl: parsed from the command line, printed back. */
#include <ctype.h>

#include "fgh.h"

static int nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool is_sep(char c)
{
	return c == ' ' || c == ':' || c == ',' || c == '-' || c == '.';
}

/*
 * Pairs of hex digits, optionally separated by ' ', ':', ',', '-' or '.',
 * each pair optionally prefixed "0x".  A lone digit between separators is
 * one byte ("1:2" = 01 02); an odd digit elsewhere ("abc") is an error.
 */
int fgh_hex_parse(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	bool token_start = true;

	while (*s) {
		if (is_sep(*s)) {
			s++;
			token_start = true;
			continue;
		}
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && nibble((unsigned char)s[2]) >= 0)
			s += 2;
		int hi = nibble((unsigned char)s[0]);
		if (hi < 0)
			return -1;
		int lo = nibble((unsigned char)s[1]);
		int v;
		if (lo >= 0) {
			v = hi << 4 | lo;
			s += 2;
		} else if (token_start && (s[1] == '\0' || is_sep(s[1]))) {
			v = hi;
			s += 1;
		} else {
			return -1;
		}
		token_start = false;
		if (n == cap)
			return -1;
		out[n++] = (uint8_t)v;
	}
	return (int)n;
}

void fgh_hex_print(FILE *out, const uint8_t *buf, size_t len, const char *indent)
{
	for (size_t i = 0; i < len; i++) {
		if (i % 16 == 0)
			fputs(indent, out);
		fprintf(out, "%02x%s", buf[i], (i % 16 == 15 || i + 1 == len) ? "\n" : " ");
	}
}
