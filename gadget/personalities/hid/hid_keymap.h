/* SPDX-License-Identifier: MIT */
/* The US keyboard layout and key names (hid_keymap.c). */
#ifndef FFSGADGET_HID_KEYMAP_H
#define FFSGADGET_HID_KEYMAP_H

#include <stdbool.h>
#include <stdint.h>

/* Usages are HID Keyboard page codes; 0xe0..0xe7 are modifiers. */
bool fg_hid_key_for_char(unsigned char c, uint8_t *usage, uint8_t *mods);
bool fg_hid_key_by_name(const char *name, uint8_t *usage, uint8_t *mods);
static inline bool fg_hid_usage_is_modifier(uint8_t usage)
{
	return usage >= 0xe0 && usage <= 0xe7;
}

#endif
