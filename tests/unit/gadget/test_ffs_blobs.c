/* SPDX-License-Identifier: MIT */
/*
 * Encoder bytes, pinned.  The expected blobs are written out by hand from
 * include/uapi/linux/usb/functionfs.h (header layout), USB 2.0 9.6.5/9.6.6
 * (interface, endpoint), USB 3.2 9.6.7 (SS companion), HID 1.11 6.2.1 and
 * f_fs.c's MS OS parser, one descriptor per line, so a change in the
 * encoder shows up as the descriptor it broke.
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
#include "description/usb_rules.h"
#include "ffs/describe.h"
#include "ffs/ffs_blobs.h"

/* An expected blob, built piece by piece. */
struct expect {
	uint8_t b[1024];
	size_t n;
};

static void add(struct expect *e, const uint8_t *bytes, size_t n)
{
	assert_true(e->n + n <= sizeof(e->b));
	memcpy(e->b + e->n, bytes, n);
	e->n += n;
}

#define BYTES(e, ...)                                                            \
	add((e), (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))
/* Text with its terminating NUL, as FunctionFS wants strings and MS OS names. */
#define TEXT(e, s) add((e), (const uint8_t *)(s), sizeof(s))
/* Exactly n bytes of s, NUL padded (compat IDs). */
static void padded(struct expect *e, const char *s, size_t n)
{
	uint8_t buf[16] = { 0 };

	assert_true(n <= sizeof(buf) && strlen(s) <= n);
	memcpy(buf, s, strlen(s));
	add(e, buf, n);
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static struct fg_model *load(const char *path)
{
	char err[512] = "";
	struct fg_model *m = NULL;

	if (fg_description_load(path, &m, err, sizeof(err)) != 0)
		fail_msg("%s: %s", path, err);
	return m;
}

static void check_blob(const struct fg_blob *b, const struct expect *e)
{
	if (b->len != e->n || memcmp(b->data, e->b, e->n) != 0) {
		for (size_t i = 0; i < b->len || i < e->n; i++) {
			if (i >= b->len || i >= e->n || b->data[i] != e->b[i]) {
				fail_msg("blobs differ at offset %zu (got %zu bytes, want %zu): got 0x%02x want 0x%02x",
					 i, b->len, e->n, i < b->len ? b->data[i] : 0,
					 i < e->n ? e->b[i] : 0);
			}
		}
	}
	/* the header's own length field agrees */
	assert_true(b->len >= 8);
	assert_int_equal(le32_at(b->data + 4), b->len);
}

/* Gadget Zero's interface and endpoints at one speed. */
static void gadget_zero_speed(struct expect *e, int speed)
{
	/* Interface: bLength, INTERFACE, number 0, alt 0, 4 endpoints, vendor 0xff/0/0, iInterface 1 */
	BYTES(e, 0x09, 0x04, 0x00, 0x00, 0x04, 0xff, 0x00, 0x00, 0x01);
	if (speed == 0) {
		/* Endpoint: bLength, ENDPOINT, address, bmAttributes, wMaxPacketSize LE, bInterval */
		BYTES(e, 0x07, 0x05, 0x81, 0x02, 0x40, 0x00, 0x00); /* bulk_in: bulk, 64 */
		BYTES(e, 0x07, 0x05, 0x02, 0x02, 0x40, 0x00, 0x00); /* bulk_out: bulk, 64 */
		BYTES(e, 0x07, 0x05, 0x83, 0x03, 0x40, 0x00, 0x01); /* int_in: interrupt, 64, 1 frame */
		BYTES(e, 0x07, 0x05, 0x04, 0x03, 0x40, 0x00, 0x01); /* int_out */
	} else if (speed == 1) {
		BYTES(e, 0x07, 0x05, 0x81, 0x02, 0x00, 0x02, 0x00); /* bulk_in: 512 */
		BYTES(e, 0x07, 0x05, 0x02, 0x02, 0x00, 0x02, 0x00); /* bulk_out: 512 */
		BYTES(e, 0x07, 0x05, 0x83, 0x03, 0x00, 0x04, 0x04); /* int_in: 1024, 2^3 uframes */
		BYTES(e, 0x07, 0x05, 0x04, 0x03, 0x00, 0x04, 0x04); /* int_out */
	} else {
		/* each endpoint followed by its companion: 6, SS_EP_COMP, bMaxBurst, bmAttributes, wBytesPerInterval */
		BYTES(e, 0x07, 0x05, 0x81, 0x02, 0x00, 0x04, 0x00); /* bulk_in: 1024 */
		BYTES(e, 0x06, 0x30, 0x00, 0x00, 0x00, 0x00);       /*   no burst, no streams */
		BYTES(e, 0x07, 0x05, 0x02, 0x02, 0x00, 0x04, 0x00); /* bulk_out */
		BYTES(e, 0x06, 0x30, 0x00, 0x00, 0x00, 0x00);
		BYTES(e, 0x07, 0x05, 0x83, 0x03, 0x00, 0x04, 0x04); /* int_in */
		BYTES(e, 0x06, 0x30, 0x00, 0x00, 0x00, 0x04);       /*   1024 bytes per interval */
		BYTES(e, 0x07, 0x05, 0x04, 0x03, 0x00, 0x04, 0x04); /* int_out */
		BYTES(e, 0x06, 0x30, 0x00, 0x00, 0x00, 0x04);
	}
}

static void gadget_zero_ms_os(struct expect *e)
{
	/* Ext compat header: interface 0, dwLength 11 + 24 = 35, bcdVersion 1, wIndex 4, bCount 1, reserved */
	BYTES(e, 0x00, 0x23, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 0x00, 0x01, 0x00);
	/* Function section: bFirstInterfaceNumber 0, Reserved1 = 1, "WINUSB", "", 6 reserved */
	BYTES(e, 0x00, 0x01);
	padded(e, "WINUSB", 8);
	padded(e, "", 8);
	BYTES(e, 0, 0, 0, 0, 0, 0);
	/* Ext prop header: interface 0, dwLength 11 + 73 = 84, bcdVersion 1, wIndex 5, wCount 1 */
	BYTES(e, 0x00, 0x54, 0x00, 0x00, 0x00, 0x01, 0x00, 0x05, 0x00, 0x01, 0x00);
	/* dwSize 14 + 20 + 39 = 73, type 1 (REG_SZ), wPropertyNameLength 20 */
	BYTES(e, 0x49, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00);
	TEXT(e, "DeviceInterfaceGUID");
	/* dwPropertyDataLength 39: 38 characters and a NUL, 8-bit (the kernel widens them) */
	BYTES(e, 0x27, 0x00, 0x00, 0x00);
	TEXT(e, "{a4e6ef4c-2f9c-4e0b-9a55-0f5d1e6b3c21}");
}

static void test_gadget_zero_descriptors(void **state)
{
	struct fg_model *m = load(FG_SOURCE_DIR "/descriptors/gadget-zero.conf");
	struct expect e = { .n = 0 };
	struct fg_blob b;

	(void)state;
	/* Header: magic 3; length 28 + 37 + 37 + 61 + 35 + 84 = 282;
	 * flags FS|HS|SS|MS_OS (0x0f) | ALL_CTRL_RECIP (0x40); fs 5, hs 5, ss 9 descriptors; 2 OS descriptors */
	BYTES(&e, 0x03, 0x00, 0x00, 0x00);
	BYTES(&e, 0x1a, 0x01, 0x00, 0x00);
	BYTES(&e, 0x4f, 0x00, 0x00, 0x00);
	BYTES(&e, 0x05, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00);
	BYTES(&e, 0x02, 0x00, 0x00, 0x00);
	for (int s = 0; s < 3; s++)
		gadget_zero_speed(&e, s);
	gadget_zero_ms_os(&e);

	assert_int_equal(ffs_build_descriptors(m, -1, &b), 0);
	check_blob(&b, &e);
	assert_int_equal(b.len, 282);
	fg_blob_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	fg_blob_free(&b);   /* twice is harmless */
	fg_model_free(m);
}

static void test_gadget_zero_eventfd(void **state)
{
	struct fg_model *m = load(FG_SOURCE_DIR "/descriptors/gadget-zero.conf");
	struct expect e = { .n = 0 };
	struct fg_blob b;

	(void)state;
	/* FUNCTIONFS_EVENTFD (0x20) joins the flags and the fd follows them: 4 bytes more */
	BYTES(&e, 0x03, 0x00, 0x00, 0x00, 0x1e, 0x01, 0x00, 0x00, 0x6f, 0x00, 0x00, 0x00);
	BYTES(&e, 0x2a, 0x01, 0x00, 0x00);  /* eventfd 298 */
	BYTES(&e, 0x05, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00);
	BYTES(&e, 0x02, 0x00, 0x00, 0x00);
	for (int s = 0; s < 3; s++)
		gadget_zero_speed(&e, s);
	gadget_zero_ms_os(&e);

	assert_int_equal(ffs_build_descriptors(m, 298, &b), 0);
	check_blob(&b, &e);
	fg_blob_free(&b);
	fg_model_free(m);
}

static void test_gadget_zero_strings(void **state)
{
	struct fg_model *m = load(FG_SOURCE_DIR "/descriptors/gadget-zero.conf");
	struct expect e = { .n = 0 };
	struct fg_blob b;

	(void)state;
	/* magic 2, length 16 + 2 + 24 = 42, 1 string, 1 language */
	BYTES(&e, 0x02, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00);
	BYTES(&e, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00);
	BYTES(&e, 0x09, 0x04);              /* en-US */
	TEXT(&e, "Gadget Zero source/sink");

	assert_int_equal(ffs_build_strings(m, &b), 0);
	check_blob(&b, &e);
	fg_blob_free(&b);
	fg_model_free(m);
}

static void test_two_alts_blobs(void **state)
{
	struct fg_model *m = load(FG_SOURCE_DIR "/tests/unit/good/two-alts.conf");
	struct expect e = { .n = 0 };
	struct fg_blob b;

	(void)state;
	/* length 20 + 32 + 32 = 84; flags FS|HS (3) | ALL_CTRL_RECIP | CONFIG0_SETUP (0xc0); 4 + 4 */
	BYTES(&e, 0x03, 0x00, 0x00, 0x00, 0x54, 0x00, 0x00, 0x00, 0xc3, 0x00, 0x00, 0x00);
	BYTES(&e, 0x04, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00);
	for (int s = 0; s < 2; s++) {
		/* alt 0: no endpoints, class ff/01/02, string 1 ("idle") */
		BYTES(&e, 0x09, 0x04, 0x00, 0x00, 0x00, 0xff, 0x01, 0x02, 0x01);
		/* alt 1: two endpoints, string 2 ("streaming") */
		BYTES(&e, 0x09, 0x04, 0x00, 0x01, 0x02, 0xff, 0x01, 0x02, 0x02);
		if (s == 0) {
			BYTES(&e, 0x07, 0x05, 0x81, 0x02, 0x40, 0x00, 0x00); /* data_in: 64 */
			BYTES(&e, 0x07, 0x05, 0x01, 0x02, 0x20, 0x00, 0x00); /* data_out: 32 */
		} else {
			BYTES(&e, 0x07, 0x05, 0x81, 0x02, 0x00, 0x02, 0x00);
			BYTES(&e, 0x07, 0x05, 0x01, 0x02, 0x00, 0x02, 0x00);
		}
	}
	assert_int_equal(ffs_build_descriptors(m, -1, &b), 0);
	check_blob(&b, &e);
	fg_blob_free(&b);

	/* strings: 16 + (2 + 5 + 10) + (2 + 7 + 11) = 53; ids in order of use */
	e.n = 0;
	BYTES(&e, 0x02, 0x00, 0x00, 0x00, 0x35, 0x00, 0x00, 0x00);
	BYTES(&e, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00);
	BYTES(&e, 0x09, 0x04);
	TEXT(&e, "Idle");
	TEXT(&e, "Streaming");
	BYTES(&e, 0x07, 0x04);
	TEXT(&e, "Ruhend");
	TEXT(&e, "Datenstrom");
	assert_int_equal(ffs_build_strings(m, &b), 0);
	check_blob(&b, &e);
	fg_blob_free(&b);
	fg_model_free(m);
}

static void test_hid_blob(void **state)
{
	struct fg_model *m = load(FG_SOURCE_DIR "/tests/unit/good/hid-keyboard.conf");
	struct expect e = { .n = 0 };
	struct fg_blob b;

	(void)state;
	/* length 20 + 25 + 25 = 70; FS|HS; 3 descriptors each */
	BYTES(&e, 0x03, 0x00, 0x00, 0x00, 0x46, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00);
	BYTES(&e, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00);
	for (int s = 0; s < 2; s++) {
		/* HID boot keyboard interface: class 3, subclass 1 (boot), protocol 1 (keyboard) */
		BYTES(&e, 0x09, 0x04, 0x00, 0x00, 0x01, 0x03, 0x01, 0x01, 0x01);
		/* HID: bLength 9, HID (0x21), bcdHID 1.11, country 0, 1 descriptor: REPORT (0x22), 63 bytes */
		BYTES(&e, 0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x3f, 0x00);
		/* interrupt IN 8 bytes; 8 frames at FS, 2^(7-1) microframes at HS */
		BYTES(&e, 0x07, 0x05, 0x81, 0x03, 0x08, 0x00, s == 0 ? 0x08 : 0x07);
	}
	assert_int_equal(ffs_build_descriptors(m, -1, &b), 0);
	check_blob(&b, &e);
	fg_blob_free(&b);
	assert_int_equal(m->interfaces[0].alts[0].hid.report_len, 63);
	assert_int_equal(m->interfaces[0].alts[0].hid.report[0], 0x05);
	assert_int_equal(m->interfaces[0].alts[0].hid.report[62], 0xc0);
	fg_model_free(m);
}

static void test_iso_blob(void **state)
{
	struct fg_model *m = load(FG_SOURCE_DIR "/tests/unit/good/iso-highbw.conf");
	struct expect e = { .n = 0 };
	struct fg_blob b;

	(void)state;
	/* length 28 + 32 + 32 + 44 + 56 = 192; FS|HS|SS|MS_OS; 4, 4, 6; 1 OS descriptor */
	BYTES(&e, 0x03, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00);
	BYTES(&e, 0x04, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00);
	BYTES(&e, 0x01, 0x00, 0x00, 0x00);
	for (int s = 0; s < 3; s++) {
		BYTES(&e, 0x09, 0x04, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00); /* alt 0: zero bandwidth */
		BYTES(&e, 0x09, 0x04, 0x00, 0x01, 0x02, 0xff, 0x00, 0x00, 0x00); /* alt 1 */
		if (s == 0) {
			/* iso | async (1 << 2) = 0x05; 1023; interval 1 */
			BYTES(&e, 0x07, 0x05, 0x81, 0x05, 0xff, 0x03, 0x01);
			/* iso | adaptive (2 << 2) = 0x09; 512 */
			BYTES(&e, 0x07, 0x05, 0x02, 0x09, 0x00, 0x02, 0x01);
		} else if (s == 1) {
			/* 1024 | (3 - 1) << 11 = 0x1400: three transactions per microframe */
			BYTES(&e, 0x07, 0x05, 0x81, 0x05, 0x00, 0x14, 0x01);
			/* 600 | (2 - 1) << 11 = 0x0a58; interval 2 */
			BYTES(&e, 0x07, 0x05, 0x02, 0x09, 0x58, 0x0a, 0x02);
		} else {
			/* SS: no mult bits in wMaxPacketSize; they move to the companion */
			BYTES(&e, 0x07, 0x05, 0x81, 0x05, 0x00, 0x04, 0x01);
			/* bMaxBurst 2 - 1, Mult 3 - 1, wBytesPerInterval 1024 * 3 * 2 = 0x1800 */
			BYTES(&e, 0x06, 0x30, 0x01, 0x02, 0x00, 0x18);
			BYTES(&e, 0x07, 0x05, 0x02, 0x09, 0x00, 0x04, 0x03);
			/* bMaxBurst 0, Mult 1, 1024 * 2 = 0x0800 */
			BYTES(&e, 0x06, 0x30, 0x00, 0x01, 0x00, 0x08);
		}
	}
	/* Ext prop header: interface 0, dwLength 11 + 22 + 23 = 56, version 1, wIndex 5, wCount 2 */
	BYTES(&e, 0x00, 0x38, 0x00, 0x00, 0x00, 0x01, 0x00, 0x05, 0x00, 0x02, 0x00);
	/* dwSize 14 + 5 + 3 = 22, REG_BINARY (3), name length 5 */
	BYTES(&e, 0x16, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x05, 0x00);
	TEXT(&e, "Blob");
	BYTES(&e, 0x03, 0x00, 0x00, 0x00, 0x01, 0x02, 0xfe);
	/* dwSize 14 + 5 + 4 = 23, REG_EXPAND_SZ (2) */
	BYTES(&e, 0x17, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 0x00);
	TEXT(&e, "Path");
	BYTES(&e, 0x04, 0x00, 0x00, 0x00);
	TEXT(&e, "%X%");

	assert_int_equal(ffs_build_descriptors(m, -1, &b), 0);
	check_blob(&b, &e);
	fg_blob_free(&b);

	/* no strings: both counts zero, as f_fs.c requires */
	e.n = 0;
	BYTES(&e, 0x02, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00);
	BYTES(&e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	assert_int_equal(ffs_build_strings(m, &b), 0);
	check_blob(&b, &e);
	fg_blob_free(&b);
	fg_model_free(m);
}

static void test_speed_sizes(void **state)
{
	struct fg_model *m = load(FG_SOURCE_DIR "/descriptors/gadget-zero.conf");

	(void)state;
	assert_int_equal(ffs_speed_descriptors_len(m, FG_FS), 37);
	assert_int_equal(ffs_speed_descriptors_len(m, FG_SS), 61);
	assert_int_equal(ffs_speed_descriptors_count(m, FG_HS), 5);
	assert_int_equal(ffs_speed_descriptors_count(m, FG_SS), 9);
	assert_int_equal(ffs_endpoint_wmaxpacket(&m->endpoints[2], FG_HS), 1024);
	fg_model_free(m);
}

/*
 * The loader's size limit counts with usb_rules.c's arithmetic, the blob
 * with the encoder: the two agree on every shipped description and speed.
 */
static void test_loader_counts_what_the_encoder_writes(void **state)
{
	static const char *const files[] = {
		"gadget-zero.conf", "gadget-zero-iso.conf", "gadget-zero-iso-alt1.conf",
		"hid-combo.conf", "hid-gamepad.conf", "hid-keyboard.conf", "hid-mouse.conf",
		"isostream.conf", "isostream-fs.conf", "isostream-hb2.conf", "isostream-hb3.conf",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[512];
		struct fg_model *m;

		snprintf(path, sizeof(path), "%s/descriptors/%s", FG_SOURCE_DIR, files[i]);
		m = load(path);
		for (int s = FG_FS; s <= FG_SS; s++) {
			size_t encoded = ffs_speed_descriptors_len(m, (enum fg_speed_index)s);

			if (fg_usb_speed_descriptors_len(m, (enum fg_speed_index)s) != encoded)
				fail_msg("%s speed %d: usb_rules %zu, encoder %zu", files[i], s,
					 fg_usb_speed_descriptors_len(m, (enum fg_speed_index)s),
					 encoded);
			assert_true(encoded > 0);
		}
		fg_model_free(m);
	}
}

static void test_refuses_broken_model(void **state)
{
	struct fg_model *m = load(FG_SOURCE_DIR "/descriptors/gadget-zero.conf");
	struct fg_blob b = { (uint8_t *)1, 1 };

	(void)state;
	m->interfaces[0].alts[0].ep_count = 5;     /* past endpoint_count */
	assert_int_equal(ffs_build_descriptors(m, -1, &b), -EINVAL);
	assert_null(b.data);
	m->interfaces[0].alts[0].ep_count = 4;
	m->interface_count = FG_MAX_INTERFACES + 1;
	assert_int_equal(ffs_build_descriptors(m, -1, &b), -EINVAL);
	m->interface_count = 1;
	m->strings.lang_count = 2;                 /* language without texts */
	assert_int_equal(ffs_build_strings(m, &b), -EINVAL);
	m->strings.lang_count = 1;
	assert_int_equal(ffs_build_descriptors(NULL, -1, &b), -EINVAL);
	assert_int_equal(ffs_build_strings(m, NULL), -EINVAL);
	fg_model_free(m);
}

static char *describe_to_string(const char *path, bool hex)
{
	struct fg_model *m = load(path);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(fg_describe(f, m, hex), 0);
	fclose(f);
	fg_model_free(m);
	return text;
}

static void test_describe(void **state)
{
	char *text = describe_to_string(FG_SOURCE_DIR "/descriptors/gadget-zero.conf", true);

	(void)state;
	assert_non_null(strstr(text, "Function 'gadget-zero' (personality 'zero')"));
	assert_non_null(strstr(text, "FunctionFS flags: 0x40 all_ctrl_recip"));
	assert_non_null(strstr(text, "Super-speed descriptors (9 descriptors, 61 bytes):"));
	assert_non_null(strstr(text, "'int_in' (FunctionFS ep3)"));
	assert_non_null(strstr(text, "wMaxPacketSize     0x0400  1x 1024 bytes"));
	assert_non_null(strstr(text, "language 0x0409:"));
	assert_non_null(strstr(text, "\"Gadget Zero source/sink\""));
	assert_non_null(strstr(text, "compatible ID \"WINUSB\""));
	assert_non_null(strstr(text, "pattern = mod63"));
	assert_non_null(strstr(text, "FunctionFS descriptors blob (282 bytes):"));
	assert_non_null(strstr(text, "  0000: 03 00 00 00 1a 01 00 00 4f 00 00 00 05 00 00 00"));
	assert_non_null(strstr(text, "FunctionFS strings blob (42 bytes):"));
	free(text);

	text = describe_to_string(FG_SOURCE_DIR "/tests/unit/good/iso-highbw.conf", false);
	assert_non_null(strstr(text, "wMaxPacketSize     0x1400  3x 1024 bytes"));
	assert_non_null(strstr(text, "wBytesPerInterval   6144"));
	assert_non_null(strstr(text, "property Blob (binary, 3 bytes) = 01 02 fe"));
	assert_null(strstr(text, "blob ("));
	free(text);

	text = describe_to_string(FG_SOURCE_DIR "/tests/unit/good/hid-keyboard.conf", false);
	assert_non_null(strstr(text, "bcdHID               1.11"));
	assert_non_null(strstr(text, "wDescriptorLength       63"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gadget_zero_descriptors),
		cmocka_unit_test(test_gadget_zero_eventfd),
		cmocka_unit_test(test_gadget_zero_strings),
		cmocka_unit_test(test_two_alts_blobs),
		cmocka_unit_test(test_hid_blob),
		cmocka_unit_test(test_iso_blob),
		cmocka_unit_test(test_speed_sizes),
		cmocka_unit_test(test_loader_counts_what_the_encoder_writes),
		cmocka_unit_test(test_refuses_broken_model),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
