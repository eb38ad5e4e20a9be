/* SPDX-License-Identifier: MIT */
/*
 * The HID personality's text protocol parser and the US keymap: what each
 * command parses to, and that malformed lines are refused with a message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "personalities/hid/hid.h"
#include "personalities/hid/hid_input.h"
#include "personalities/hid/hid_keymap.h"
#include "personalities/hid/hid_report.h"

static struct fg_hid_cmd cmd;
static char err[256];

static int parse(const char *line)
{
	err[0] = '\0';
	return fg_hid_parse_line(line, &cmd, err, sizeof(err));
}

static void assert_refused(const char *line, const char *msg_part)
{
	if (parse(line) != -EINVAL)
		fail_msg("'%s' was accepted", line);
	if (strncmp(err, "error: ", 7) != 0 || !strstr(err, msg_part))
		fail_msg("'%s': message '%s' lacks '%s'", line, err, msg_part);
}

static void test_keymap_letters_digits_shift(void **state)
{
	uint8_t u, m;

	(void)state;
	assert_true(fg_hid_key_for_char('a', &u, &m));
	assert_int_equal(u, 0x04);
	assert_int_equal(m, 0);
	assert_true(fg_hid_key_for_char('Z', &u, &m));
	assert_int_equal(u, 0x1d);
	assert_int_equal(m, 0x02);
	assert_true(fg_hid_key_for_char('1', &u, &m));
	assert_int_equal(u, 0x1e);
	assert_true(fg_hid_key_for_char('0', &u, &m));
	assert_int_equal(u, 0x27);
	assert_true(fg_hid_key_for_char('!', &u, &m));
	assert_int_equal(u, 0x1e);
	assert_int_equal(m, 0x02);
	assert_true(fg_hid_key_for_char('@', &u, &m));
	assert_int_equal(u, 0x1f);
	assert_int_equal(m, 0x02);
	assert_true(fg_hid_key_for_char(' ', &u, &m));
	assert_int_equal(u, 0x2c);
	assert_true(fg_hid_key_for_char('\n', &u, &m));
	assert_int_equal(u, 0x28);
	assert_true(fg_hid_key_for_char('~', &u, &m));
	assert_int_equal(u, 0x35);
	assert_int_equal(m, 0x02);
	assert_true(fg_hid_key_for_char('|', &u, &m));
	assert_int_equal(u, 0x31);
	assert_int_equal(m, 0x02);
}

static void test_keymap_covers_printable_ascii(void **state)
{
	uint8_t u, m;

	(void)state;
	for (int c = 0x20; c <= 0x7e; c++) {
		if (!fg_hid_key_for_char((unsigned char)c, &u, &m))
			fail_msg("'%c' has no key", c);
		assert_true(u >= 0x04 && u <= 0x65);
		assert_true(m == 0 || m == 0x02);
	}
	assert_false(fg_hid_key_for_char(0x7f, &u, &m));
	assert_false(fg_hid_key_for_char(0x01, &u, &m));
	assert_false(fg_hid_key_for_char(0xc3, &u, &m));   /* UTF-8 lead byte */
}

static void test_keymap_names(void **state)
{
	uint8_t u, m;

	(void)state;
	assert_true(fg_hid_key_by_name("Enter", &u, &m));
	assert_int_equal(u, 0x28);
	assert_true(fg_hid_key_by_name("del", &u, &m));
	assert_int_equal(u, 0x4c);
	assert_true(fg_hid_key_by_name("F12", &u, &m));
	assert_int_equal(u, 0x45);
	assert_true(fg_hid_key_by_name("f1", &u, &m));
	assert_int_equal(u, 0x3a);
	assert_true(fg_hid_key_by_name("ctrl", &u, &m));
	assert_int_equal(u, 0xe0);
	assert_true(fg_hid_key_by_name("altgr", &u, &m));
	assert_int_equal(u, 0xe6);
	assert_true(fg_hid_key_by_name("left", &u, &m));
	assert_int_equal(u, 0x50);
	assert_false(fg_hid_key_by_name("f13", &u, &m));
	assert_false(fg_hid_key_by_name("f0", &u, &m));
	assert_false(fg_hid_key_by_name("f1x", &u, &m));
	assert_false(fg_hid_key_by_name("nosuchkey", &u, &m));
	assert_false(fg_hid_key_by_name("", &u, &m));
}

static void test_parse_type_keeps_spaces(void **state)
{
	(void)state;
	assert_int_equal(parse("type Hello"), 0);
	assert_int_equal(cmd.verb, FG_HID_CMD_TYPE);
	assert_int_equal(cmd.text_len, 5);
	assert_memory_equal(cmd.text, "Hello", 5);
	assert_int_equal(parse("type  two  spaces "), 0);
	assert_int_equal(cmd.text_len, 13);
	assert_memory_equal(cmd.text, " two  spaces ", 13);
}

static void test_parse_key_combos(void **state)
{
	(void)state;
	assert_int_equal(parse("key ctrl+alt+del"), 0);
	assert_int_equal(cmd.verb, FG_HID_CMD_KEY);
	assert_int_equal(cmd.key_count, 1);
	assert_int_equal(cmd.keys[0].usage, 0x4c);
	assert_int_equal(cmd.keys[0].mods, 0x01 | 0x04);

	assert_int_equal(parse("key enter shift+tab A ctrl++ plus"), 0);
	assert_int_equal(cmd.key_count, 5);
	assert_int_equal(cmd.keys[0].usage, 0x28);
	assert_int_equal(cmd.keys[1].usage, 0x2b);
	assert_int_equal(cmd.keys[1].mods, 0x02);
	assert_int_equal(cmd.keys[2].usage, 0x04);
	assert_int_equal(cmd.keys[2].mods, 0x02);
	assert_int_equal(cmd.keys[3].usage, 0x2e);          /* '+' is shift+'=' */
	assert_int_equal(cmd.keys[3].mods, 0x01 | 0x02);
	assert_int_equal(cmd.keys[4].usage, 0x2e);

	/* Modifiers alone are a combination too (e.g. the Super key). */
	assert_int_equal(parse("key meta"), 0);
	assert_int_equal(cmd.keys[0].usage, 0);
	assert_int_equal(cmd.keys[0].mods, 0x08);
}

static void test_parse_press_release(void **state)
{
	(void)state;
	assert_int_equal(parse("press a"), 0);
	assert_int_equal(cmd.verb, FG_HID_CMD_PRESS);
	assert_false(cmd.is_button);
	assert_int_equal(cmd.keys[0].usage, 0x04);
	assert_int_equal(parse("release shift"), 0);
	assert_int_equal(cmd.verb, FG_HID_CMD_RELEASE);
	assert_int_equal(cmd.keys[0].usage, 0);
	assert_int_equal(cmd.keys[0].mods, 0x02);
	assert_int_equal(parse("press button:left"), 0);
	assert_true(cmd.is_button);
	assert_false(cmd.button.gamepad_only);
	assert_int_equal(cmd.button.index, 0);
	assert_int_equal(parse("release button:16"), 0);
	assert_true(cmd.button.gamepad_only);
	assert_int_equal(cmd.button.index, 15);
	assert_int_equal(parse("release all"), 0);
	assert_true(cmd.all);
}

static void test_parse_mouse_and_gamepad(void **state)
{
	(void)state;
	assert_int_equal(parse("move 10 -5"), 0);
	assert_int_equal(cmd.verb, FG_HID_CMD_MOVE);
	assert_int_equal(cmd.dx, 10);
	assert_int_equal(cmd.dy, -5);
	assert_int_equal(cmd.wheel, 0);
	assert_int_equal(parse("  move\t-32767 +3   2 "), 0);
	assert_int_equal(cmd.dx, -32767);
	assert_int_equal(cmd.dy, 3);
	assert_int_equal(cmd.wheel, 2);
	assert_int_equal(parse("click right"), 0);
	assert_int_equal(cmd.verb, FG_HID_CMD_CLICK);
	assert_int_equal(cmd.button.index, 1);
	assert_int_equal(parse("click Middle"), 0);
	assert_int_equal(cmd.button.index, 2);
	assert_int_equal(parse("axis ry -127"), 0);
	assert_int_equal(cmd.verb, FG_HID_CMD_AXIS);
	assert_int_equal(cmd.axis, 3);
	assert_int_equal(cmd.value, -127);
}

static void test_parse_raw_and_queries(void **state)
{
	static const uint8_t want[] = { 0x00, 0x00, 0x04, 0xff, 0xab };

	(void)state;
	assert_int_equal(parse("raw 00 0004 0xff AB"), 0);
	assert_int_equal(cmd.verb, FG_HID_CMD_RAW);
	assert_int_equal(cmd.iface, -1);
	assert_int_equal(cmd.raw_len, sizeof(want));
	assert_memory_equal(cmd.raw, want, sizeof(want));
	assert_int_equal(parse("raw @1 01"), 0);
	assert_int_equal(cmd.iface, 1);
	assert_int_equal(cmd.raw_len, 1);
	assert_int_equal(parse("leds?"), 0);
	assert_int_equal(cmd.verb, FG_HID_CMD_LEDS_Q);
	assert_int_equal(parse("status?"), 0);
	assert_int_equal(cmd.verb, FG_HID_CMD_STATUS_Q);
}

static void test_malformed_lines(void **state)
{
	char line[FG_HID_LINE_MAX + 8];

	(void)state;
	assert_refused("", "empty line");
	assert_refused("   ", "empty line");
	assert_refused("dance", "unknown command 'dance'");
	assert_refused("TYPE x", "unknown command");
	assert_refused("type", "type what?");
	assert_refused("type ", "type what?");
	assert_refused("key", "key what?");
	assert_refused("key ctrl+", "ends with '+'");
	assert_refused("key ++", "bad key combination");
	assert_refused("key a+b", "more than one key");
	assert_refused("key ctrl+nosuch", "unknown key 'nosuch'");
	assert_refused("key a a a a a a a a a a a a a a a a a", "more than 16");
	assert_refused("press", "press what?");
	assert_refused("press a b", "one key or button at a time");
	assert_refused("press button:thumb", "unknown button 'thumb'");
	assert_refused("press button:17", "unknown button");
	assert_refused("press button:0", "unknown button");
	assert_refused("move 1", "move DX DY");
	assert_refused("move 1 2 3 4", "move DX DY");
	assert_refused("move 1 x", "'x' is not an integer");
	assert_refused("move 32768 0", "not an integer in -32767..32767");
	assert_refused("move 99999999999999999999 0", "not an integer");
	assert_refused("move 1.5 0", "not an integer");
	assert_refused("move 0x10 0", "not an integer");
	assert_refused("click", "click BUTTON");
	assert_refused("click left right", "click BUTTON");
	assert_refused("axis z 1", "unknown axis 'z'");
	assert_refused("axis x 128", "-127..127");
	assert_refused("axis x", "-127..127");
	assert_refused("raw", "no bytes");
	assert_refused("raw 0", "odd number");
	assert_refused("raw 0g", "not a hex digit");
	assert_refused("raw 0x", "odd number");
	assert_refused("raw @ 01", "@N");
	assert_refused("raw @x 01", "@N");
	assert_refused("raw @99 01", "@N");
	assert_refused("leds? now", "takes no arguments");

	/* 65 bytes of raw report. */
	strcpy(line, "raw ");
	for (int i = 0; i < 65; i++)
		strcat(line, "00");
	assert_refused(line, "more than 64 bytes");

	/* A token longer than any name, and a line at the length limit. */
	memset(line, 'k', 200);
	line[200] = '\0';
	assert_refused(line, "unknown command");
	memcpy(line, "key ", 4);
	assert_refused(line, "key name too long");
	memcpy(line, "type ", 5);
	memset(line + 5, 'x', sizeof(line) - 6);
	line[FG_HID_LINE_MAX] = '\0';
	assert_refused(line, "longer than 1023");
	line[FG_HID_LINE_MAX - 1] = '\0';
	assert_int_equal(parse(line), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keymap_letters_digits_shift),
		cmocka_unit_test(test_keymap_covers_printable_ascii),
		cmocka_unit_test(test_keymap_names),
		cmocka_unit_test(test_parse_type_keeps_spaces),
		cmocka_unit_test(test_parse_key_combos),
		cmocka_unit_test(test_parse_press_release),
		cmocka_unit_test(test_parse_mouse_and_gamepad),
		cmocka_unit_test(test_parse_raw_and_queries),
		cmocka_unit_test(test_malformed_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
