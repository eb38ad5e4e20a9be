/* SPDX-License-Identifier: MIT */
/* UTF-8 checks for text that ends up in USB string descriptors. */
#ifndef FFSGADGET_UTF8_H
#define FFSGADGET_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when s[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF, no NUL).  *utf16_units receives the
 * length the text takes as UTF-16, which is what a string descriptor holds.
 */
bool fg_utf8_check(const char *s, size_t len, size_t *utf16_units);

/* True when every byte of s is printable ASCII (0x20..0x7e). */
bool fg_ascii_printable(const char *s);

#endif
