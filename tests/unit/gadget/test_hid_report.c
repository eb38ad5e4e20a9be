/* SPDX-License-Identifier: MIT */
/*
 * HID report generation: the shipped descriptions, commands on the text
 * protocol, and the exact reports the interrupt IN endpoint gets, one per
 * fill_in, as the engine asks for them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "description/description.h"
#include "personalities/hid/hid.h"
#include "personalities/hid/hid_input.h"
#include "personalities/hid/hid_keymap.h"
#include "personalities/hid/hid_report.h"
#include "hid_fixture.h"




static void cmd_ok(struct fixture *fx, const char *line)
{
	int rc = fg_hid_handle_line(fx->d, line, fx->reply, sizeof(fx->reply));

	if (rc != 0 || strncmp(fx->reply, "ok", 2) != 0)
		fail_msg("'%s': %d '%s'", line, rc, fx->reply);
}

static void cmd_err(struct fixture *fx, const char *line, const char *part)
{
	int rc = fg_hid_handle_line(fx->d, line, fx->reply, sizeof(fx->reply));

	if (rc == 0 || strncmp(fx->reply, "error: ", 7) != 0 || !strstr(fx->reply, part))
		fail_msg("'%s': %d '%s' (wanted an error with '%s')", line, rc, fx->reply, part);
}

/* The next report on endpoint index ep (FunctionFS ep<index+1>), or FG_FILL_NONE. */
static size_t next_on(struct fixture *fx, size_t ep, uint8_t *buf)
{
	struct fg_ep_info info = {
		.desc = &fx->m->endpoints[ep], .index = ep, .speed = FG_HS,
		.maxpacket = fx->m->endpoints[ep].maxpacket[FG_HS], .mult = 1,
		.transfer_size = fx->m->endpoints[ep].buffer_size,
	};

	memset(buf, 0xee, 64);
	return fg_hid_personality.fill_in(fx->d, &info, buf, info.transfer_size, 1);
}

static void expect_report(struct fixture *fx, size_t ep, const uint8_t *want, size_t len)
{
	uint8_t buf[64];
	size_t n = next_on(fx, ep, buf);

	if (n == FG_FILL_NONE)
		fail_msg("no report, expected %zu bytes", len);
	assert_int_equal(n, len);
	assert_memory_equal(buf, want, len);
}

static void expect_none(struct fixture *fx, size_t ep)
{
	uint8_t buf[64];

	assert_true(next_on(fx, ep, buf) == FG_FILL_NONE);
}

#define KBD(mods, ...) ((const uint8_t[8]){ mods, 0, __VA_ARGS__ })
static const uint8_t kbd_up[8] = { 0 };

static void test_type_hello_exact_sequence(void **state)
{
	struct fixture *fx = *state;

	expect_none(fx, 0);
	cmd_ok(fx, "type Hello");
	expect_report(fx, 0, KBD(0x02, 0x0b), 8);   /* shift + h */
	expect_report(fx, 0, kbd_up, 8);
	expect_report(fx, 0, KBD(0x00, 0x08), 8);   /* e */
	expect_report(fx, 0, kbd_up, 8);
	expect_report(fx, 0, KBD(0x00, 0x0f), 8);   /* l */
	expect_report(fx, 0, kbd_up, 8);             /* the release between the two l's */
	expect_report(fx, 0, KBD(0x00, 0x0f), 8);
	expect_report(fx, 0, kbd_up, 8);
	expect_report(fx, 0, KBD(0x00, 0x12), 8);   /* o */
	expect_report(fx, 0, kbd_up, 8);
	expect_none(fx, 0);
	assert_int_equal(fx->d->ifaces[0].reports_sent, 10);
}

static void test_key_combo_and_held_modifiers(void **state)
{
	struct fixture *fx = *state;

	cmd_ok(fx, "key ctrl+alt+del enter");
	expect_report(fx, 0, KBD(0x05, 0x4c), 8);
	expect_report(fx, 0, kbd_up, 8);
	expect_report(fx, 0, KBD(0x00, 0x28), 8);
	expect_report(fx, 0, kbd_up, 8);
	expect_none(fx, 0);

	/* A held modifier stays in every report, typed keys come and go. */
	cmd_ok(fx, "press shift");
	cmd_ok(fx, "type 1");
	cmd_ok(fx, "release shift");
	expect_report(fx, 0, KBD(0x02), 8);
	expect_report(fx, 0, KBD(0x02, 0x1e), 8);
	expect_report(fx, 0, KBD(0x02), 8);
	expect_report(fx, 0, kbd_up, 8);
	expect_none(fx, 0);
}

static void test_press_release_and_rollover(void **state)
{
	struct fixture *fx = *state;
	const char *keys = "abcdefg";
	static const uint8_t rollover[8] = { 0, 0, 1, 1, 1, 1, 1, 1 };

	for (size_t i = 0; i < 7; i++) {
		char line[16];

		snprintf(line, sizeof(line), "press %c", keys[i]);
		cmd_ok(fx, line);
	}
	cmd_ok(fx, "press a");   /* already held: the same report again */
	expect_report(fx, 0, KBD(0, 0x04), 8);
	expect_report(fx, 0, KBD(0, 0x04, 0x05), 8);
	expect_report(fx, 0, KBD(0, 0x04, 0x05, 0x06), 8);
	expect_report(fx, 0, KBD(0, 0x04, 0x05, 0x06, 0x07), 8);
	expect_report(fx, 0, KBD(0, 0x04, 0x05, 0x06, 0x07, 0x08), 8);
	expect_report(fx, 0, KBD(0, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09), 8);
	expect_report(fx, 0, rollover, 8);   /* a 7th key: ErrorRollOver in every slot */
	expect_report(fx, 0, rollover, 8);
	cmd_ok(fx, "release c");
	expect_report(fx, 0, KBD(0, 0x04, 0x05, 0x07, 0x08, 0x09, 0x0a), 8);
	cmd_ok(fx, "release all");
	expect_report(fx, 0, kbd_up, 8);
	expect_none(fx, 0);
}

static void test_type_refuses_unknown_characters_whole(void **state)
{
	struct fixture *fx = *state;

	cmd_err(fx, "type ab\x01", "character 3 (0x01)");
	cmd_err(fx, "type caf\xc3\xa9", "character 4 (0xc3)");
	expect_none(fx, 0);
	cmd_err(fx, "move 1 1", "no mouse interface");
	cmd_err(fx, "click left", "no mouse interface");
	cmd_err(fx, "axis x 1", "no gamepad interface");
	cmd_err(fx, "press button:3", "no gamepad or mouse");
	expect_none(fx, 0);
}

static void test_queue_full_is_all_or_nothing(void **state)
{
	struct fixture *fx = *state;
	char line[FG_HID_LINE_MAX];
	size_t before;

	memcpy(line, "type ", 5);
	memset(line + 5, 'x', 1000);
	line[1005] = '\0';
	cmd_ok(fx, line);               /* 2000 of 2048 reports */
	before = fx->d->ifaces[0].q_count;
	assert_int_equal(before, 2000);
	cmd_err(fx, "type 0123456789012345678901234", "queue full");
	assert_int_equal(fx->d->ifaces[0].q_count, before);
	cmd_ok(fx, "type 01234567890123456789");
	assert_int_equal(fx->d->ifaces[0].q_count, 2040);
	cmd_err(fx, "key a b c d e", "queue full");
	cmd_ok(fx, "key a b c d");
	cmd_err(fx, "press a", "queue full");
	cmd_err(fx, "raw 00", "queue full");
	cmd_ok(fx, "status?");
	assert_non_null(strstr(fx->reply, "queued=2048"));
}

static void test_raw_reports(void **state)
{
	struct fixture *fx = *state;
	static const uint8_t raw[3] = { 0x01, 0x02, 0x03 };

	cmd_ok(fx, "raw 010203");
	expect_report(fx, 0, raw, 3);
	cmd_err(fx, "raw 000000000000000000", "at most 8");
	cmd_err(fx, "raw @1 00", "interface 1 is not a HID interface");
	cmd_ok(fx, "raw @0 0000040000000000");
	expect_report(fx, 0, KBD(0, 0x04), 8);
}

#define MOUSE(b, x, y, w) ((const uint8_t[4]){ b, (uint8_t)(x), (uint8_t)(y), (uint8_t)(w) })

static void test_mouse_moves_clicks_and_boot_protocol(void **state)
{
	struct fixture *fx = *state;
	const struct fg_setup boot = { 0x21, HID_REQ_SET_PROTOCOL, 0, 0, 0 };
	uint8_t reply[64];

	cmd_ok(fx, "move 10 -5");
	expect_report(fx, 0, MOUSE(0, 10, -5, 0), 4);
	/* Beyond the report's range: steps of at most 127, in order. */
	cmd_ok(fx, "move 300 -5 -1");
	expect_report(fx, 0, MOUSE(0, 127, -5, -1), 4);
	expect_report(fx, 0, MOUSE(0, 127, 0, 0), 4);
	expect_report(fx, 0, MOUSE(0, 46, 0, 0), 4);
	cmd_ok(fx, "click left");
	expect_report(fx, 0, MOUSE(1, 0, 0, 0), 4);
	expect_report(fx, 0, MOUSE(0, 0, 0, 0), 4);
	cmd_ok(fx, "press button:right");
	cmd_ok(fx, "move 0 3");
	cmd_ok(fx, "release button:right");
	expect_report(fx, 0, MOUSE(2, 0, 0, 0), 4);
	expect_report(fx, 0, MOUSE(2, 0, 3, 0), 4);
	expect_report(fx, 0, MOUSE(0, 0, 0, 0), 4);
	cmd_ok(fx, "click 5");   /* a number without a gamepad: the mouse's 5th button */
	expect_report(fx, 0, MOUSE(0x10, 0, 0, 0), 4);
	expect_report(fx, 0, MOUSE(0, 0, 0, 0), 4);
	cmd_err(fx, "click 6", "buttons 1..5");
	cmd_err(fx, "type a", "no keyboard interface");
	cmd_err(fx, "raw 0000000000", "at most 4");

	/* Boot protocol: the first three bytes only. */
	assert_int_equal(fg_hid_personality.setup(fx->d, &boot, reply, sizeof(reply)), 0);
	cmd_ok(fx, "move -1 2 3");
	expect_report(fx, 0, MOUSE(0, -1, 2, 0), 3);
	expect_none(fx, 0);
}

static void test_gamepad_buttons_and_axes(void **state)
{
	struct fixture *fx = *state;

	cmd_ok(fx, "press button:1");
	expect_report(fx, 0, ((const uint8_t[6]){ 0x01, 0, 0, 0, 0, 0 }), 6);
	cmd_ok(fx, "axis x 100");
	cmd_ok(fx, "axis ry -127");
	expect_report(fx, 0, ((const uint8_t[6]){ 0x01, 0, 100, 0, 0, 0 }), 6);
	expect_report(fx, 0, ((const uint8_t[6]){ 0x01, 0, 100, 0, 0, 0x81 }), 6);
	cmd_ok(fx, "click 16");
	expect_report(fx, 0, ((const uint8_t[6]){ 0x01, 0x80, 100, 0, 0, 0x81 }), 6);
	expect_report(fx, 0, ((const uint8_t[6]){ 0x01, 0, 100, 0, 0, 0x81 }), 6);
	cmd_ok(fx, "release all");
	expect_report(fx, 0, ((const uint8_t[6]){ 0 }), 6);
	cmd_err(fx, "click left", "no mouse interface");
	cmd_err(fx, "move 1 1", "no mouse");
	expect_none(fx, 0);
}

static void test_combo_routes_by_role(void **state)
{
	struct fixture *fx = *state;

	cmd_ok(fx, "type a");
	cmd_ok(fx, "move 1 2");
	expect_report(fx, 1, MOUSE(0, 1, 2, 0), 4);
	expect_none(fx, 1);
	expect_report(fx, 0, KBD(0, 0x04), 8);
	expect_report(fx, 0, kbd_up, 8);
	expect_none(fx, 0);
	cmd_ok(fx, "raw @1 01000000");
	expect_report(fx, 1, MOUSE(1, 0, 0, 0), 4);
	cmd_ok(fx, "status?");
	assert_non_null(strstr(fx->reply, "if0 keyboard protocol=report idle=125"));
	assert_non_null(strstr(fx->reply, "if1 mouse protocol=report idle=0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_type_hello_exact_sequence, setup_keyboard,
						teardown),
		cmocka_unit_test_setup_teardown(test_key_combo_and_held_modifiers, setup_keyboard,
						teardown),
		cmocka_unit_test_setup_teardown(test_press_release_and_rollover, setup_keyboard,
						teardown),
		cmocka_unit_test_setup_teardown(test_type_refuses_unknown_characters_whole,
						setup_keyboard, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full_is_all_or_nothing, setup_keyboard,
						teardown),
		cmocka_unit_test_setup_teardown(test_raw_reports, setup_keyboard, teardown),
		cmocka_unit_test_setup_teardown(test_mouse_moves_clicks_and_boot_protocol,
						setup_mouse, teardown),
		cmocka_unit_test_setup_teardown(test_gamepad_buttons_and_axes, setup_gamepad,
						teardown),
		cmocka_unit_test_setup_teardown(test_combo_routes_by_role, setup_combo, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
