/* SPDX-License-Identifier: MIT */
/*
 * The HID personality's ep0: class and standard requests through its setup
 * and control_out hooks (as gadget/ffs/ep0.c calls them), output reports by
 * interrupt OUT, the idle rate, options.  Host input is untrusted: wrong
 * recipients, interfaces, directions, lengths and values all stall.
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
#include <linux/usb/ch9.h>

#include "common/log.h"
#include "description/description.h"
#include "ffs/ep0.h"
#include "personalities/hid/hid.h"
#include "personalities/hid/hid_input.h"
#include "personalities/hid/hid_keymap.h"
#include "personalities/hid/hid_report.h"
#include "personalities/personalities.h"
#include "hid_fixture.h"


static struct fixture *load_text(const char *text, const char *name, char *err, size_t errlen,
				 int *rc)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const struct fg_personality *p;
	void *st = NULL;

	assert_non_null(fx);
	if (fg_description_parse(text, name, &fx->m, err, errlen) != 0)
		fail_msg("%s: %s", name, err);
	*rc = fg_personality_prepare(fx->m, &p, &st, err, errlen);
	fx->d = st;
	return fx;
}



static int req(struct fixture *fx, uint8_t type, uint8_t request, uint16_t value, uint16_t index,
	       uint16_t length)
{
	const struct fg_setup s = { type, request, value, index, length };

	memset(fx->ctrl, 0xee, 256);
	return fg_hid_personality.setup(fx->d, &s, fx->ctrl, sizeof(fx->ctrl));
}

static int set_report(struct fixture *fx, uint16_t index, const uint8_t *data, uint16_t len)
{
	const struct fg_setup s = { 0x21, HID_REQ_SET_REPORT, 0x0200, index, len };
	int rc = fg_hid_personality.setup(fx->d, &s, fx->ctrl, sizeof(fx->ctrl));

	if (rc < 0)
		return rc;
	return fg_hid_personality.control_out(fx->d, &s, data, len);
}

static const char *line(struct fixture *fx, const char *text)
{
	fg_hid_handle_line(fx->d, text, fx->reply, sizeof(fx->reply));
	return fx->reply;
}

static size_t fill(struct fixture *fx, size_t ep, uint8_t *buf)
{
	struct fg_ep_info info = { .desc = &fx->m->endpoints[ep], .index = ep,
				   .maxpacket = 8, .mult = 1, .transfer_size = 8 };

	return fg_hid_personality.fill_in(fx->d, &info, buf, 8, 1);
}

#define STALLS(expr) assert_true((expr) < 0)

static void test_get_report_descriptor(void **state)
{
	struct fixture *fx = *state;
	const struct fg_hid *hid = &fx->m->interfaces[0].alts[0].hid;
	static const uint8_t hid_desc[9] = { 9, 0x21, 0x11, 0x01, 0, 1, 0x22, 63, 0 };

	assert_int_equal(req(fx, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 0, 0xff), 63);
	assert_memory_equal(fx->ctrl, hid->report, 63);
	assert_int_equal(fx->ctrl[0], 0x05);
	assert_int_equal(fx->ctrl[62], 0xc0);
	/* The engine trims to wLength; the hook answers in full. */
	assert_int_equal(req(fx, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 0, 9), 63);
	assert_int_equal(req(fx, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2100, 0, 9), 9);
	assert_memory_equal(fx->ctrl, hid_desc, 9);

	STALLS(req(fx, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2201, 0, 0xff));   /* index 1 */
	STALLS(req(fx, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2300, 0, 0xff));   /* physical */
	STALLS(req(fx, 0x81, USB_REQ_GET_DESCRIPTOR, 0x0200, 0, 0xff));   /* config */
	STALLS(req(fx, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 1, 0xff));   /* no interface 1 */
	STALLS(req(fx, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 0x0100, 0xff));
	STALLS(req(fx, 0x80, USB_REQ_GET_DESCRIPTOR, 0x2200, 0, 0xff));   /* device recipient */
	STALLS(req(fx, 0x82, USB_REQ_GET_DESCRIPTOR, 0x2200, 0x81, 0xff)); /* endpoint */
	STALLS(req(fx, 0x01, USB_REQ_SET_DESCRIPTOR, 0x2200, 0, 0));
	STALLS(req(fx, 0x01, USB_REQ_SET_FEATURE, 0, 0, 0));
	STALLS(req(fx, 0xc1, 0x01, 0, 0, 8));                              /* vendor */
	assert_int_equal(req(fx, 0x81, USB_REQ_GET_STATUS, 0, 0, 2), 2);
	assert_int_equal(fx->ctrl[0] | fx->ctrl[1], 0);
}

static void test_combo_descriptors_per_interface(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(req(fx, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 0, 0xff), 63);
	assert_int_equal(req(fx, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 1, 0xff), 52);
	assert_memory_equal(fx->ctrl, fx->m->interfaces[1].alts[0].hid.report, 52);
	STALLS(req(fx, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 2, 0xff));
	/* SET_REPORT on the mouse is not the keyboard's LEDs. */
	assert_int_equal(set_report(fx, 1, (const uint8_t[]){ 0x07 }, 1), 0);
	assert_string_equal(line(fx, "leds?"), "ok 0x00");
	assert_int_equal(set_report(fx, 0, (const uint8_t[]){ 0x07 }, 1), 0);
	assert_string_equal(line(fx, "leds?"), "ok 0x07 numlock capslock scrolllock");
}

static void test_get_and_set_report(void **state)
{
	struct fixture *fx = *state;
	uint8_t buf[64];
	static const uint8_t zero[8] = { 0 };
	static const uint8_t a_down[8] = { 0, 0, 0x04 };

	/* Input: what the host last got over interrupt IN. */
	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_REPORT, 0x0100, 0, 8), 8);
	assert_memory_equal(fx->ctrl, zero, 8);
	line(fx, "press a");
	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_REPORT, 0x0100, 0, 8), 8);
	assert_memory_equal(fx->ctrl, zero, 8);
	assert_int_equal(fill(fx, 0, buf), 8);
	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_REPORT, 0x0100, 0, 8), 8);
	assert_memory_equal(fx->ctrl, a_down, 8);

	/* Output: the LEDs, by control transfer. */
	assert_string_equal(line(fx, "leds?"), "ok 0x00");
	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_REPORT, 0x0200, 0, 1), 1);
	assert_int_equal(fx->ctrl[0], 0);
	assert_int_equal(set_report(fx, 0, (const uint8_t[]){ 0x02 }, 1), 0);
	assert_string_equal(line(fx, "leds?"), "ok 0x02 capslock");
	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_REPORT, 0x0200, 0, 1), 1);
	assert_int_equal(fx->ctrl[0], 0x02);

	STALLS(req(fx, 0xa1, HID_REQ_GET_REPORT, 0x0300, 0, 8));   /* feature */
	STALLS(req(fx, 0xa1, HID_REQ_GET_REPORT, 0x0101, 0, 8));   /* report ID 1 */
	STALLS(req(fx, 0xa1, HID_REQ_GET_REPORT, 0x0000, 0, 8));   /* type 0 */
	STALLS(req(fx, 0x21, HID_REQ_GET_REPORT, 0x0100, 0, 8));   /* wrong direction */
	STALLS(req(fx, 0x21, HID_REQ_SET_REPORT, 0x0200, 0, 0));   /* no data */
	STALLS(req(fx, 0x21, HID_REQ_SET_REPORT, 0x0200, 0, 65));  /* too long */
	STALLS(req(fx, 0x21, HID_REQ_SET_REPORT, 0x0100, 0, 1));   /* input */
	STALLS(req(fx, 0x21, HID_REQ_SET_REPORT, 0x0300, 0, 1));   /* feature */
	STALLS(req(fx, 0x21, HID_REQ_SET_REPORT, 0x0201, 0, 1));   /* report ID */
	STALLS(req(fx, 0xa1, HID_REQ_SET_REPORT, 0x0200, 0, 1));
	STALLS(req(fx, 0x21, 0x04, 0, 0, 0));                       /* no such request */
	STALLS(req(fx, 0xa1, 0x0c, 0, 0, 1));
}

static void test_leds_by_interrupt_out(void **state)
{
	struct fixture *fx = *state;
	struct fg_ep_info out = { .desc = &fx->m->endpoints[1], .index = 1 };
	uint8_t big[1024];

	assert_false(fg_ep_is_in(&fx->m->endpoints[1]));
	fg_hid_personality.consume_out(fx->d, &out, (const uint8_t[]){ 0x01 }, 1);
	assert_string_equal(line(fx, "leds?"), "ok 0x01 numlock");
	/* A zero-length packet is no report; an oversized one is cut, not trusted. */
	fg_hid_personality.consume_out(fx->d, &out, big, 0);
	assert_string_equal(line(fx, "leds?"), "ok 0x01 numlock");
	memset(big, 0x1f, sizeof(big));
	fg_hid_personality.consume_out(fx->d, &out, big, sizeof(big));
	assert_string_equal(line(fx, "leds?"), "ok 0x1f numlock capslock scrolllock compose kana");
	assert_int_equal(fx->d->ifaces[0].output_len, FG_HID_REPORT_MAX);
}

static void test_idle_rate_honoured(void **state)
{
	struct fixture *fx = *state;
	uint8_t buf[64];
	static const uint8_t a_down[8] = { 0, 0, 0x04 };
	uint64_t now;

	/* HID 1.11 7.2.4: a keyboard starts at 500 ms. */
	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_IDLE, 0, 0, 1), 1);
	assert_int_equal(fx->ctrl[0], 125);
	assert_true(fg_hid_next_deadline(fx->d) != 0);

	/* Idle 0: reports only on change, whatever the time. */
	assert_int_equal(req(fx, 0x21, HID_REQ_SET_IDLE, 0x0000, 0, 0), 0);
	assert_int_equal(fg_hid_next_deadline(fx->d), 0);
	line(fx, "press a");
	assert_int_equal(fill(fx, 0, buf), 8);
	assert_int_equal(fg_hid_idle_tick(fx->d, fg_hid_now_ms() + 100000), 0);
	assert_true(fill(fx, 0, buf) == FG_FILL_NONE);

	/* 20 ms (5 x 4 ms): nothing before the period ends, the current report after. */
	assert_int_equal(req(fx, 0x21, HID_REQ_SET_IDLE, 0x0500, 0, 0), 0);
	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_IDLE, 0, 0, 1), 1);
	assert_int_equal(fx->ctrl[0], 5);
	now = fg_hid_now_ms();
	fg_hid_idle_tick(fx->d, now);
	assert_true(fill(fx, 0, buf) == FG_FILL_NONE);
	assert_true(fg_hid_idle_tick(fx->d, now + 21) >= now + 21);
	assert_int_equal(fill(fx, 0, buf), 8);
	assert_memory_equal(buf, a_down, 8);
	assert_true(fill(fx, 0, buf) == FG_FILL_NONE);
	assert_int_equal(fx->d->ifaces[0].repeats_sent, 1);
	/* A new report restarts the period. */
	line(fx, "release a");
	assert_int_equal(fill(fx, 0, buf), 8);
	assert_true(fg_hid_next_deadline(fx->d) >= fg_hid_now_ms() + 19);

	STALLS(req(fx, 0x21, HID_REQ_SET_IDLE, 0x0000, 0, 1));    /* data stage */
	STALLS(req(fx, 0xa1, HID_REQ_SET_IDLE, 0x0000, 0, 0));
	STALLS(req(fx, 0x21, HID_REQ_GET_IDLE, 0x0000, 0, 1));
}

static void test_protocol_boot_and_report(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_PROTOCOL, 0, 0, 1), 1);
	assert_int_equal(fx->ctrl[0], HID_PROTOCOL_REPORT);
	assert_int_equal(req(fx, 0x21, HID_REQ_SET_PROTOCOL, HID_PROTOCOL_BOOT, 0, 0), 0);
	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_PROTOCOL, 0, 0, 1), 1);
	assert_int_equal(fx->ctrl[0], HID_PROTOCOL_BOOT);
	STALLS(req(fx, 0x21, HID_REQ_SET_PROTOCOL, 2, 0, 0));
	STALLS(req(fx, 0x21, HID_REQ_SET_PROTOCOL, 0x0100, 0, 0));
	STALLS(req(fx, 0x21, HID_REQ_SET_PROTOCOL, 0, 0, 1));
	STALLS(req(fx, 0xa1, HID_REQ_SET_PROTOCOL, 0, 0, 0));
	assert_non_null(strstr(line(fx, "status?"), "protocol=boot"));
	/* A new configuration starts in the report protocol again. */
	fg_hid_personality.enable(fx->d);
	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_PROTOCOL, 0, 0, 1), 1);
	assert_int_equal(fx->ctrl[0], HID_PROTOCOL_REPORT);
}

static void test_gamepad_has_no_boot_protocol(void **state)
{
	struct fixture *fx = *state;

	STALLS(req(fx, 0xa1, HID_REQ_GET_PROTOCOL, 0, 0, 1));
	STALLS(req(fx, 0x21, HID_REQ_SET_PROTOCOL, 0, 0, 0));
	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_IDLE, 0, 0, 1), 1);
	assert_int_equal(fx->ctrl[0], 0);
	STALLS(req(fx, 0xa1, HID_REQ_GET_REPORT, 0x0200, 0, 1));   /* no output report */
	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_REPORT, 0x0100, 0, 6), 6);
	assert_string_equal(line(fx, "leds?"), "error: no keyboard interface");
}

static void test_mouse_get_report_in_boot_protocol(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_REPORT, 0x0100, 0, 8), 4);
	assert_int_equal(req(fx, 0x21, HID_REQ_SET_PROTOCOL, 0, 0, 0), 0);
	assert_int_equal(req(fx, 0xa1, HID_REQ_GET_REPORT, 0x0100, 0, 8), 3);
}

/* Through gadget/ffs/ep0.c: a STALL is I/O against the data stage's direction. */
struct fake_io {
	unsigned stalls;
	uint8_t sent[256];
	ssize_t sent_len;
};

static ssize_t fake_read(void *ctx, void *buf, size_t len)
{
	struct fake_io *io = ctx;

	(void)buf;
	(void)len;
	io->stalls++;
	return -EL2HLT;
}

static ssize_t fake_write(void *ctx, const void *buf, size_t len)
{
	struct fake_io *io = ctx;

	if (len > sizeof(io->sent))
		len = sizeof(io->sent);
	memcpy(io->sent, buf, len);
	io->sent_len = (ssize_t)len;
	return (ssize_t)len;
}

static void test_through_the_ep0_dispatcher(void **state)
{
	struct fixture *fx = *state;
	struct fake_io io = { 0 };
	struct fg_ep0_io ops = { fake_read, fake_write, &io };
	struct fg_ep0 e0;
	const struct fg_setup rdesc = { 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 0, 0x20 };
	const struct fg_setup bad = { 0xa1, HID_REQ_GET_REPORT, 0x0300, 0, 8 };

	assert_int_equal(fg_ep0_init(&e0, &ops, &fg_hid_personality, fx->d, NULL, NULL), 0);
	fg_ep0_handle_setup(&e0, &rdesc);
	assert_int_equal(io.sent_len, 0x20);   /* trimmed to wLength */
	assert_memory_equal(io.sent, fx->m->interfaces[0].alts[0].hid.report, 0x20);
	fg_ep0_handle_setup(&e0, &bad);
	assert_int_equal(io.stalls, 1);
	assert_int_equal(e0.stats.stalls, 1);
	fg_ep0_release(&e0);
}

static void expect_create_error(const char *options, const char *part)
{
	char text[2048], err[512] = "";
	int rc;
	struct fixture *fx;

	snprintf(text, sizeof(text),
		 "function = { name = \"t\"; personality = \"hid\"; speeds = [\"full\"];\n"
		 "interfaces = ( { class = 3; subclass = 1; protocol = 1;\n"
		 "  hid = { bcd = 0x0111; country = 0; report = [0x05, 0x01]; };\n"
		 "  endpoints = ( { name = \"k\"; address = 0x81; type = \"interrupt\"; maxpacket = %s; } ); } );\n"
		 "options = { %s };\n};\n",
		 strstr(options, "small") ? "4" : "8", strstr(options, "small") ? "" : options);
	fx = load_text(text, "t.conf", err, sizeof(err), &rc);
	if (rc != -EINVAL || !strstr(err, part))
		fail_msg("options '%s': %d '%s' (wanted '%s')", options, rc, err, part);
	assert_null(fx->d);
	fg_model_free(fx->m);
	free(fx);
}

static void test_options_checked(void **state)
{
	(void)state;
	expect_create_error("colour = \"red\";", "t.conf:5: options: 'hid' has no option 'colour'");
	expect_create_error("roles = \"keyboard mouse\";", "more roles than HID interfaces");
	expect_create_error("roles = \"trackball\";", "unknown role 'trackball'");
	expect_create_error("roles = \"\";", "no role for HID interface 0");
	expect_create_error("socket = \"/run/"
			    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\";",
			    "t.conf:5: options: socket is 122 bytes, longer than 107");
	expect_create_error("small", "keyboard reports are 8 bytes, the endpoint carries 4");
}

int main(void)
{
	fg_log_threshold = FG_LOG_WARN;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_report_descriptor, setup_keyboard,
						teardown),
		cmocka_unit_test_setup_teardown(test_combo_descriptors_per_interface, setup_combo,
						teardown),
		cmocka_unit_test_setup_teardown(test_get_and_set_report, setup_keyboard, teardown),
		cmocka_unit_test_setup_teardown(test_leds_by_interrupt_out, setup_keyboard,
						teardown),
		cmocka_unit_test_setup_teardown(test_idle_rate_honoured, setup_keyboard, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_boot_and_report, setup_keyboard,
						teardown),
		cmocka_unit_test_setup_teardown(test_gamepad_has_no_boot_protocol, setup_gamepad,
						teardown),
		cmocka_unit_test_setup_teardown(test_mouse_get_report_in_boot_protocol, setup_mouse,
						teardown),
		cmocka_unit_test_setup_teardown(test_through_the_ep0_dispatcher, setup_keyboard,
						teardown),
		cmocka_unit_test(test_options_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
