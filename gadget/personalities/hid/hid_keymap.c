/* SPDX-License-Identifier: MIT */
/*
 * The US keyboard layout: which key (HID Usage Tables, Keyboard/Keypad page
 * 0x07) and which modifiers type each printable ASCII character, and the
 * names the text protocol accepts for keys.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "personalities/hid/hid_keymap.h"

#define MOD_LSHIFT 0x02

/* Characters 0x20..0x7e: usage, and whether shift is needed. */
static const struct {
	uint8_t usage;
	uint8_t shift;
} us_ascii[0x7f - 0x20] = {
	[' ' - 0x20] = { 0x2c, 0 },  ['!' - 0x20] = { 0x1e, 1 },
	['"' - 0x20] = { 0x34, 1 },  ['#' - 0x20] = { 0x20, 1 },
	['$' - 0x20] = { 0x21, 1 },  ['%' - 0x20] = { 0x22, 1 },
	['&' - 0x20] = { 0x24, 1 },  ['\'' - 0x20] = { 0x34, 0 },
	['(' - 0x20] = { 0x26, 1 },  [')' - 0x20] = { 0x27, 1 },
	['*' - 0x20] = { 0x25, 1 },  ['+' - 0x20] = { 0x2e, 1 },
	[',' - 0x20] = { 0x36, 0 },  ['-' - 0x20] = { 0x2d, 0 },
	['.' - 0x20] = { 0x37, 0 },  ['/' - 0x20] = { 0x38, 0 },
	['0' - 0x20] = { 0x27, 0 },  ['1' - 0x20] = { 0x1e, 0 },
	['2' - 0x20] = { 0x1f, 0 },  ['3' - 0x20] = { 0x20, 0 },
	['4' - 0x20] = { 0x21, 0 },  ['5' - 0x20] = { 0x22, 0 },
	['6' - 0x20] = { 0x23, 0 },  ['7' - 0x20] = { 0x24, 0 },
	['8' - 0x20] = { 0x25, 0 },  ['9' - 0x20] = { 0x26, 0 },
	[':' - 0x20] = { 0x33, 1 },  [';' - 0x20] = { 0x33, 0 },
	['<' - 0x20] = { 0x36, 1 },  ['=' - 0x20] = { 0x2e, 0 },
	['>' - 0x20] = { 0x37, 1 },  ['?' - 0x20] = { 0x38, 1 },
	['@' - 0x20] = { 0x1f, 1 },  ['[' - 0x20] = { 0x2f, 0 },
	['\\' - 0x20] = { 0x31, 0 }, [']' - 0x20] = { 0x30, 0 },
	['^' - 0x20] = { 0x23, 1 },  ['_' - 0x20] = { 0x2d, 1 },
	['`' - 0x20] = { 0x35, 0 },  ['{' - 0x20] = { 0x2f, 1 },
	['|' - 0x20] = { 0x31, 1 },  ['}' - 0x20] = { 0x30, 1 },
	['~' - 0x20] = { 0x35, 1 },
};

bool fg_hid_key_for_char(unsigned char c, uint8_t *usage, uint8_t *mods)
{
	if (c >= 'a' && c <= 'z') {
		*usage = (uint8_t)(0x04 + (c - 'a'));
		*mods = 0;
		return true;
	}
	if (c >= 'A' && c <= 'Z') {
		*usage = (uint8_t)(0x04 + (c - 'A'));
		*mods = MOD_LSHIFT;
		return true;
	}
	if (c == '\n') {
		*usage = 0x28;
		*mods = 0;
		return true;
	}
	if (c == '\t') {
		*usage = 0x2b;
		*mods = 0;
		return true;
	}
	if (c < 0x20 || c > 0x7e || us_ascii[c - 0x20].usage == 0)
		return false;
	*usage = us_ascii[c - 0x20].usage;
	*mods = us_ascii[c - 0x20].shift ? MOD_LSHIFT : 0;
	return true;
}

/* Named keys, matched without regard to case. */
static const struct {
	const char *name;
	uint8_t usage;
} key_names[] = {
	{ "enter", 0x28 },     { "return", 0x28 },    { "esc", 0x29 },
	{ "escape", 0x29 },    { "backspace", 0x2a }, { "tab", 0x2b },
	{ "space", 0x2c },     { "minus", 0x2d },     { "equal", 0x2e },
	{ "capslock", 0x39 },  { "printscreen", 0x46 }, { "sysrq", 0x46 },
	{ "scrolllock", 0x47 }, { "pause", 0x48 },    { "insert", 0x49 },
	{ "ins", 0x49 },       { "home", 0x4a },      { "pageup", 0x4b },
	{ "pgup", 0x4b },      { "delete", 0x4c },    { "del", 0x4c },
	{ "end", 0x4d },       { "pagedown", 0x4e },  { "pgdn", 0x4e },
	{ "right", 0x4f },     { "left", 0x50 },      { "down", 0x51 },
	{ "up", 0x52 },        { "numlock", 0x53 },   { "menu", 0x65 },
	{ "compose", 0x65 },
	{ "ctrl", 0xe0 },      { "control", 0xe0 },   { "lctrl", 0xe0 },
	{ "shift", 0xe1 },     { "lshift", 0xe1 },
	{ "alt", 0xe2 },       { "lalt", 0xe2 },
	{ "meta", 0xe3 },      { "super", 0xe3 },     { "win", 0xe3 },
	{ "gui", 0xe3 },       { "lmeta", 0xe3 },
	{ "rctrl", 0xe4 },     { "rshift", 0xe5 },    { "ralt", 0xe6 },
	{ "altgr", 0xe6 },     { "rmeta", 0xe7 },
};

bool fg_hid_key_by_name(const char *name, uint8_t *usage, uint8_t *mods)
{
	size_t len = strlen(name);

	/* One character: as typed, so "A" is shift+a and "!" is shift+1. */
	if (len == 1)
		return fg_hid_key_for_char((unsigned char)name[0], usage, mods);
	*mods = 0;
	/* F1..F12 are 0x3a..0x45 (F13 and up lie beyond the boot keyboard's 0x65). */
	if ((name[0] == 'f' || name[0] == 'F') && len <= 3) {
		char *end;
		long n = strtol(name + 1, &end, 10);

		if (*end == '\0' && name[1] >= '1' && name[1] <= '9' && n >= 1 && n <= 12) {
			*usage = (uint8_t)(0x3a + n - 1);
			return true;
		}
	}
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++) {
		if (strcasecmp(name, key_names[i].name) == 0) {
			*usage = key_names[i].usage;
			return true;
		}
	}
	return false;
}
