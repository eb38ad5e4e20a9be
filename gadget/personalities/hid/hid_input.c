/* SPDX-License-Identifier: MIT */
/*
 * The control socket's text protocol: one command per line, one reply per
 * line ("ok", "ok DATA" or "error: WHY").  Everything here is untrusted
 * input: every token is bounded and checked before it is used.
 *
 *   type TEXT             types TEXT (US layout): per character a press, then a release
 *   key COMBO...          each COMBO (e.g. ctrl+alt+del, enter, shift+tab) pressed, released
 *   press KEY | release KEY      hold or let go (modifiers too: press shift)
 *   press button:B | release button:B      hold a mouse or gamepad button
 *   release all           every key and button up
 *   move DX DY [WHEEL]    relative mouse motion, split into steps of at most 127
 *   click B               B: left right middle side extra, or 1..16 (gamepad)
 *   axis A V              gamepad axis A (x y rx ry) to V (-127..127)
 *   raw [@N] HEX          one report verbatim on interface N (default: the first)
 *   leds?                 the keyboard's LED output report, e.g. "ok 0x02 capslock"
 *   status?               per interface: role, protocol, idle rate, queue, counters
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "personalities/hid/hid_input.h"
#include "personalities/hid/hid_keymap.h"

#define TOKEN_MAX 64

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Copies the next whitespace-separated token; false at the end of the line or when too long. */
static bool next_token(const char **p, char *tok, size_t cap, bool *too_long)
{
	const char *s = *p;
	size_t n = 0;

	*too_long = false;
	while (is_space(*s))
		s++;
	if (*s == '\0') {
		*p = s;
		return false;
	}
	while (*s && !is_space(*s)) {
		if (n + 1 >= cap) {
			*too_long = true;
			return false;
		}
		tok[n++] = *s++;
	}
	tok[n] = '\0';
	*p = s;
	return true;
}

static bool at_end(const char *p)
{
	while (is_space(*p))
		p++;
	return *p == '\0';
}

/* A decimal integer in [lo, hi], optional sign, nothing else. */
static bool parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	if (*s == '\0' || !(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

/* "ctrl+alt+del": modifiers and at most one other key. */
static int parse_combo(const char *tok, struct fg_hid_key *k, char *err, size_t errlen)
{
	char part[TOKEN_MAX];
	const char *s = tok;

	k->usage = 0;
	k->mods = 0;
	while (*s) {
		size_t n = strcspn(s, "+");
		uint8_t usage, mods;

		/* "ctrl++" and "+" name the plus key: an empty part is a literal '+'. */
		if (n == 0) {
			n = 1;
			if (s[1] == '+' && s[2] == '\0')
				return fail(err, errlen, "error: bad key combination '%s'", tok);
		}
		if (n >= sizeof(part))
			return fail(err, errlen, "error: key name too long in '%s'", tok);
		memcpy(part, s, n);
		part[n] = '\0';
		s += n;
		if (*s == '+') {
			s++;
			if (*s == '\0')
				return fail(err, errlen, "error: '%s' ends with '+'", tok);
		}
		if (strcasecmp(part, "plus") == 0)
			strcpy(part, "+");
		if (!fg_hid_key_by_name(part, &usage, &mods))
			return fail(err, errlen, "error: unknown key '%s'", part);
		if (fg_hid_usage_is_modifier(usage)) {
			k->mods |= (uint8_t)(1u << (usage - 0xe0));
			continue;
		}
		if (k->usage)
			return fail(err, errlen,
				    "error: '%s' has more than one key besides modifiers", tok);
		k->usage = usage;
		k->mods |= mods;
	}
	if (!k->usage && !k->mods)
		return fail(err, errlen, "error: empty key combination");
	return 0;
}

static int parse_button(const char *name, struct fg_hid_button *b, char *err, size_t errlen)
{
	static const char *const names[] = { "left", "right", "middle", "side", "extra" };
	int n;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(name, names[i]) == 0) {
			b->gamepad_only = false;
			b->index = (uint8_t)i;
			return 0;
		}
	}
	if (parse_int(name, 1, 16, &n)) {
		b->gamepad_only = true;
		b->index = (uint8_t)(n - 1);
		return 0;
	}
	return fail(err, errlen,
		    "error: unknown button '%s' (left, right, middle, side, extra or 1..16)", name);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex bytes: "01 02 ff", "0102ff", "0x01 0x02"; at most FG_HID_REPORT_MAX. */
static int parse_hex(const char *p, struct fg_hid_cmd *c, char *err, size_t errlen)
{
	c->raw_len = 0;
	while (*p) {
		const char *s;
		size_t digits = 0;

		while (is_space(*p))
			p++;
		if (*p == '\0')
			break;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
			p += 2;
		s = p;
		while (*p && !is_space(*p)) {
			if (hex_digit(*p) < 0)
				return fail(err, errlen, "error: raw: '%.1s' is not a hex digit", p);
			p++;
			digits++;
		}
		if (digits == 0 || digits % 2)
			return fail(err, errlen, "error: raw: odd number of hex digits");
		for (size_t i = 0; i < digits; i += 2) {
			if (c->raw_len == FG_HID_REPORT_MAX)
				return fail(err, errlen, "error: raw: more than 64 bytes");
			c->raw[c->raw_len++] = (uint8_t)(hex_digit(s[i]) << 4 | hex_digit(s[i + 1]));
		}
	}
	if (c->raw_len == 0)
		return fail(err, errlen, "error: raw: no bytes");
	return 0;
}

static int parse_press_release(const char *p, struct fg_hid_cmd *c, char *err, size_t errlen)
{
	char tok[TOKEN_MAX];
	bool long_tok;

	if (!next_token(&p, tok, sizeof(tok), &long_tok)) {
		if (long_tok)
			return fail(err, errlen, "error: name too long");
		return fail(err, errlen, "error: %s what?",
			    c->verb == FG_HID_CMD_PRESS ? "press" : "release");
	}
	if (!at_end(p))
		return fail(err, errlen, "error: one key or button at a time");
	if (c->verb == FG_HID_CMD_RELEASE && strcasecmp(tok, "all") == 0) {
		c->all = true;
		return 0;
	}
	if (strncasecmp(tok, "button:", 7) == 0) {
		c->is_button = true;
		return parse_button(tok + 7, &c->button, err, errlen);
	}
	c->key_count = 1;
	return parse_combo(tok, &c->keys[0], err, errlen);
}

int fg_hid_parse_line(const char *line, struct fg_hid_cmd *c, char *err, size_t errlen)
{
	char verb[TOKEN_MAX], tok[TOKEN_MAX];
	const char *p = line;
	bool long_tok;
	int rc;

	memset(c, 0, sizeof(*c));
	c->iface = -1;
	if (strlen(line) >= FG_HID_LINE_MAX)
		return fail(err, errlen, "error: line longer than %s bytes", "1023");
	if (!next_token(&p, verb, sizeof(verb), &long_tok))
		return fail(err, errlen, long_tok ? "error: unknown command" : "error: empty line");

	if (strcmp(verb, "type") == 0) {
		c->verb = FG_HID_CMD_TYPE;
		/* The text is everything after one separator, spaces included. */
		if (*p)
			p++;
		c->text = p;
		c->text_len = strlen(p);
		if (c->text_len == 0)
			return fail(err, errlen, "error: type what?");
		return 0;
	}
	if (strcmp(verb, "key") == 0) {
		c->verb = FG_HID_CMD_KEY;
		while (next_token(&p, tok, sizeof(tok), &long_tok)) {
			if (c->key_count == FG_HID_COMBOS_MAX)
				return fail(err, errlen, "error: more than %s key combinations", "16");
			rc = parse_combo(tok, &c->keys[c->key_count++], err, errlen);
			if (rc < 0)
				return rc;
		}
		if (long_tok)
			return fail(err, errlen, "error: key name too long");
		if (c->key_count == 0)
			return fail(err, errlen, "error: key what?");
		return 0;
	}
	if (strcmp(verb, "press") == 0 || strcmp(verb, "release") == 0) {
		c->verb = verb[0] == 'p' ? FG_HID_CMD_PRESS : FG_HID_CMD_RELEASE;
		return parse_press_release(p, c, err, errlen);
	}
	if (strcmp(verb, "move") == 0) {
		int *v[] = { &c->dx, &c->dy, &c->wheel };
		size_t n = 0;

		c->verb = FG_HID_CMD_MOVE;
		while (next_token(&p, tok, sizeof(tok), &long_tok)) {
			if (n == 3)
				return fail(err, errlen, "error: move DX DY [WHEEL]");
			if (!parse_int(tok, -32767, 32767, v[n++]))
				return fail(err, errlen,
					    "error: move: '%s' is not an integer in -32767..32767", tok);
		}
		if (long_tok || n < 2)
			return fail(err, errlen, "error: move DX DY [WHEEL]");
		return 0;
	}
	if (strcmp(verb, "click") == 0) {
		c->verb = FG_HID_CMD_CLICK;
		c->is_button = true;
		if (!next_token(&p, tok, sizeof(tok), &long_tok) || !at_end(p))
			return fail(err, errlen, "error: click BUTTON");
		return parse_button(tok, &c->button, err, errlen);
	}
	if (strcmp(verb, "axis") == 0) {
		static const char *const axes[] = { "x", "y", "rx", "ry" };

		c->verb = FG_HID_CMD_AXIS;
		c->axis = -1;
		if (!next_token(&p, tok, sizeof(tok), &long_tok))
			return fail(err, errlen, "error: axis x|y|rx|ry VALUE");
		for (size_t i = 0; i < 4; i++)
			if (strcasecmp(tok, axes[i]) == 0)
				c->axis = (int)i;
		if (c->axis < 0)
			return fail(err, errlen, "error: unknown axis '%s' (x, y, rx, ry)", tok);
		if (!next_token(&p, tok, sizeof(tok), &long_tok) || !at_end(p) ||
		    !parse_int(tok, -127, 127, &c->value))
			return fail(err, errlen, "error: axis value must be in -127..127");
		return 0;
	}
	if (strcmp(verb, "raw") == 0) {
		c->verb = FG_HID_CMD_RAW;
		while (is_space(*p))
			p++;
		if (*p == '@') {
			p++;
			if (is_space(*p) || !next_token(&p, tok, sizeof(tok), &long_tok) ||
			    !parse_int(tok, 0, FG_MAX_INTERFACES - 1, &c->iface))
				return fail(err, errlen, "error: raw: @N names an interface");
		}
		return parse_hex(p, c, err, errlen);
	}
	if (strcmp(verb, "leds?") == 0 || strcmp(verb, "status?") == 0) {
		c->verb = verb[0] == 'l' ? FG_HID_CMD_LEDS_Q : FG_HID_CMD_STATUS_Q;
		if (!at_end(p))
			return fail(err, errlen, "error: %s takes no arguments", verb);
		return 0;
	}
	return fail(err, errlen, "error: unknown command '%s'", verb);
}
