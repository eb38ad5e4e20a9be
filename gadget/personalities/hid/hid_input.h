/* SPDX-License-Identifier: MIT */
/* The control socket's text protocol, parsed into commands (hid_input.c). */
#ifndef FFSGADGET_HID_INPUT_H
#define FFSGADGET_HID_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "personalities/hid/hid.h"

enum fg_hid_verb {
	FG_HID_CMD_TYPE,        /* type TEXT */
	FG_HID_CMD_KEY,         /* key COMBO... (each pressed together, then released) */
	FG_HID_CMD_PRESS,       /* press KEY | button:NAME */
	FG_HID_CMD_RELEASE,     /* release KEY | button:NAME | all */
	FG_HID_CMD_MOVE,        /* move DX DY [WHEEL] */
	FG_HID_CMD_CLICK,       /* click BUTTON */
	FG_HID_CMD_AXIS,        /* axis x|y|rx|ry VALUE */
	FG_HID_CMD_RAW,     /* raw [@IFACE] HEX */
	FG_HID_CMD_LEDS_Q,      /* leds? */
	FG_HID_CMD_STATUS_Q,    /* status? */
};

#define FG_HID_COMBOS_MAX 16
#define FG_HID_LINE_MAX 1024

struct fg_hid_key {
	uint8_t usage;      /* 0: modifiers only */
	uint8_t mods;
};

struct fg_hid_button {
	bool gamepad_only;  /* given as a number: a gamepad's button when there is one */
	uint8_t index;      /* 0-based: 0 left, 1 right, 2 middle, 3 side, 4 extra; gamepad 0..15 */
};

struct fg_hid_cmd {
	enum fg_hid_verb verb;
	const char *text;           /* type: points into the parsed line */
	size_t text_len;
	struct fg_hid_key keys[FG_HID_COMBOS_MAX];  /* key: combos; press/release: keys[0] */
	size_t key_count;
	bool is_button;             /* press/release/click of a button */
	bool all;                   /* release all */
	struct fg_hid_button button;
	int dx, dy, wheel;
	int axis, value;
	int iface;                  /* raw: interface number, -1: the first with an IN endpoint */
	uint8_t raw[FG_HID_REPORT_MAX];
	size_t raw_len;
};

/* Parses one line (no newline); 0, or -EINVAL with a message in err. */
int fg_hid_parse_line(const char *line, struct fg_hid_cmd *cmd, char *err, size_t errlen);

#endif
