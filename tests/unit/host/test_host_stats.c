/* SPDX-License-Identifier: MIT */
/*
 * Host companion helpers: latency histogram and percentiles, throughput,
 * hex parsing, endpoint selection on a hand-built configuration, JSON string
 * escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fgh.h"

static struct fgh_hist *new_hist(void)
{
	struct fgh_hist *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	return h;
}

static void test_hist_empty(void **state)
{
	struct fgh_hist *h = new_hist();

	(void)state;
	assert_int_equal(fgh_hist_percentile(h, 50), 0);
	assert_int_equal(fgh_hist_percentile(h, 100), 0);
	free(h);
}

static void test_hist_exact_small(void **state)
{
	struct fgh_hist *h = new_hist();

	(void)state;
	for (uint64_t v = 1; v <= 60; v++)
		fgh_hist_add(h, v);
	assert_int_equal(h->n, 60);
	assert_int_equal(h->min, 1);
	assert_int_equal(h->max, 60);
	assert_int_equal(h->sum, 60 * 61 / 2);
	/* nearest rank: ceil(0.5 * 60) = 30th value */
	assert_int_equal(fgh_hist_percentile(h, 50), 30);
	assert_int_equal(fgh_hist_percentile(h, 99), 60);   /* ceil(59.4) = 60th */
	assert_int_equal(fgh_hist_percentile(h, 1), 1);
	assert_int_equal(fgh_hist_percentile(h, 100), 60);
	free(h);
}

/* Large values: within 1/32 above the true percentile, never below it. */
static void test_hist_precision(void **state)
{
	struct fgh_hist *h = new_hist();

	(void)state;
	for (uint64_t i = 1; i <= 10000; i++)
		fgh_hist_add(h, i * 1000);   /* 1 us .. 10 ms in ns */
	uint64_t p50 = fgh_hist_percentile(h, 50), p99 = fgh_hist_percentile(h, 99);
	assert_true(p50 >= 5000000 && p50 <= 5000000 + 5000000 / 32);
	assert_true(p99 >= 9900000 && p99 <= 9900000 + 9900000 / 32);
	assert_int_equal(fgh_hist_percentile(h, 100), 10000000);
	assert_int_equal(h->max, 10000000);
	free(h);
}

static void test_hist_clamped(void **state)
{
	struct fgh_hist *h = new_hist();

	(void)state;
	for (int i = 0; i < 100; i++)
		fgh_hist_add(h, 1000);   /* bucket upper bound is above 1000 */
	assert_int_equal(fgh_hist_percentile(h, 50), 1000);
	assert_int_equal(fgh_hist_percentile(h, 99), 1000);
	fgh_hist_add(h, 5000000);
	/* max no longer clamps: the bucket's upper bound, a little high */
	uint64_t p50 = fgh_hist_percentile(h, 50);
	assert_true(p50 >= 1000 && p50 <= 1000 + 1000 / 32);
	assert_int_equal(fgh_hist_percentile(h, 100), 5000000);
	free(h);
}

/* Every value lies in its bucket, and buckets are ordered and contiguous. */
static void test_hist_buckets(void **state)
{
	static const uint64_t v[] = { 0, 1, 63, 64, 65, 127, 128, 1000, 123456789,
				      UINT64_C(1) << 40, UINT64_MAX };

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unsigned idx = fgh_hist_index(v[i]);

		assert_true(idx < FGH_HIST_BUCKETS);
		assert_true(fgh_hist_upper(idx) >= v[i]);
		if (idx > 0)
			assert_true(fgh_hist_upper(idx - 1) < v[i]);
	}
	for (unsigned i = 1; i < FGH_HIST_BUCKETS; i++)
		assert_true(fgh_hist_index(fgh_hist_upper(i - 1) + 1) == i);
	assert_int_equal(fgh_hist_index(UINT64_MAX), FGH_HIST_BUCKETS - 1);
}

static void test_mbps(void **state)
{
	(void)state;
	assert_true(fgh_mbps(0, 0) == 0);
	assert_true(fgh_mbps(1000000, 1000000000) > 0.999 && fgh_mbps(1000000, 1000000000) < 1.001);
	assert_true(fgh_mbps(62000000, 500000000) > 123.9 && fgh_mbps(62000000, 500000000) < 124.1);
}

static void test_hex_parse(void **state)
{
	uint8_t b[8];

	(void)state;
	assert_int_equal(fgh_hex_parse("0a0B", b, sizeof(b)), 2);
	assert_int_equal(b[0], 0x0a);
	assert_int_equal(b[1], 0x0b);
	assert_int_equal(fgh_hex_parse("de:ad be,ef", b, sizeof(b)), 4);
	assert_int_equal(b[3], 0xef);
	assert_int_equal(fgh_hex_parse("0x1 0x22", b, sizeof(b)), 2);
	assert_int_equal(b[0], 0x01);
	assert_int_equal(b[1], 0x22);
	assert_int_equal(fgh_hex_parse("1:2", b, sizeof(b)), 2);
	assert_int_equal(b[1], 0x02);
	assert_int_equal(fgh_hex_parse("", b, sizeof(b)), 0);
	assert_int_equal(fgh_hex_parse("abc", b, sizeof(b)), -1);   /* odd digit count */
	assert_int_equal(fgh_hex_parse("zz", b, sizeof(b)), -1);
	assert_int_equal(fgh_hex_parse("000000000000000000", b, sizeof(b)), -1);   /* 9 > cap */
}

static void test_ep_spec(void **state)
{
	struct fgh_ep_spec s;

	(void)state;
	assert_int_equal(fgh_ep_spec_parse("0x81", &s), 0);
	assert_true(s.by_addr);
	assert_int_equal(s.addr, 0x81);
	assert_int_equal(fgh_ep_spec_parse("2", &s), 0);
	assert_int_equal(s.addr, 0x02);
	assert_int_equal(fgh_ep_spec_parse("bulk-in", &s), 0);
	assert_false(s.by_addr);
	assert_true(s.in);
	assert_int_equal(s.type, LIBUSB_ENDPOINT_TRANSFER_TYPE_BULK);
	assert_int_equal(fgh_ep_spec_parse("int-out", &s), 0);
	assert_false(s.in);
	assert_int_equal(s.type, LIBUSB_ENDPOINT_TRANSFER_TYPE_INTERRUPT);
	assert_int_equal(fgh_ep_spec_parse("interrupt-in", &s), 0);
	assert_int_equal(s.type, LIBUSB_ENDPOINT_TRANSFER_TYPE_INTERRUPT);
	assert_int_equal(fgh_ep_spec_parse("iso-in", &s), 0);
	assert_int_equal(s.type, LIBUSB_ENDPOINT_TRANSFER_TYPE_ISOCHRONOUS);
	assert_int_equal(fgh_ep_spec_parse("0x80", &s), -1);    /* ep0 */
	assert_int_equal(fgh_ep_spec_parse("0x100", &s), -1);
	assert_int_equal(fgh_ep_spec_parse("0x91", &s), -1);    /* reserved bits */
	assert_int_equal(fgh_ep_spec_parse("control-in", &s), -1);
	assert_int_equal(fgh_ep_spec_parse("bulk", &s), -1);
	assert_int_equal(fgh_ep_spec_parse("bulk-up", &s), -1);
	assert_int_equal(s.alt, -1);
	assert_int_equal(fgh_ep_spec_parse("iso-in@2", &s), 0);
	assert_int_equal(s.alt, 2);
	assert_true(s.in);
	assert_int_equal(s.type, LIBUSB_ENDPOINT_TRANSFER_TYPE_ISOCHRONOUS);
	assert_int_equal(fgh_ep_spec_parse("iso-in@", &s), -1);
	assert_int_equal(fgh_ep_spec_parse("iso-in@256", &s), -1);
	assert_int_equal(fgh_ep_spec_parse("iso-in@1x", &s), -1);
	assert_int_equal(fgh_ep_spec_parse("0x81@1", &s), -1);     /* an address is already one */
	assert_int_equal(fgh_ep_spec_parse("@1", &s), -1);
	assert_int_equal(fgh_ep_spec_parse("iso-in@-1", &s), -1);
}

/* Gadget Zero as a UDC might number it: bulk IN 0x82, bulk OUT 0x01, int 0x83/0x04, in alt 0;
 * a second alt with an iso IN endpoint. */
static void test_ep_find(void **state)
{
	struct libusb_endpoint_descriptor alt0_eps[4] = {
		{ .bEndpointAddress = 0x82, .bmAttributes = 2, .wMaxPacketSize = 512 },
		{ .bEndpointAddress = 0x01, .bmAttributes = 2, .wMaxPacketSize = 512 },
		{ .bEndpointAddress = 0x83, .bmAttributes = 3, .wMaxPacketSize = 1024, .bInterval = 4 },
		{ .bEndpointAddress = 0x04, .bmAttributes = 3, .wMaxPacketSize = 1024, .bInterval = 4 },
	};
	struct libusb_endpoint_descriptor alt1_eps[1] = {
		{ .bEndpointAddress = 0x85, .bmAttributes = 1, .wMaxPacketSize = 0x1400 },
	};
	struct libusb_interface_descriptor alts[2] = {
		{ .bInterfaceNumber = 0, .bAlternateSetting = 0, .bNumEndpoints = 4,
		  .endpoint = alt0_eps },
		{ .bInterfaceNumber = 0, .bAlternateSetting = 1, .bNumEndpoints = 1,
		  .endpoint = alt1_eps },
	};
	struct libusb_interface intf = { .altsetting = alts, .num_altsetting = 2 };
	struct libusb_config_descriptor cfg = { .bNumInterfaces = 1, .interface = &intf };
	struct fgh_ep_spec spec;
	struct fgh_ep ep;

	(void)state;
	assert_int_equal(fgh_ep_spec_parse("bulk-in", &spec), 0);
	assert_int_equal(fgh_ep_find(&cfg, &spec, &ep), 0);
	assert_int_equal(ep.addr, 0x82);
	assert_int_equal(ep.wMaxPacketSize, 512);
	assert_int_equal(fgh_ep_spec_parse("int-out", &spec), 0);
	assert_int_equal(fgh_ep_find(&cfg, &spec, &ep), 0);
	assert_int_equal(ep.addr, 0x04);
	assert_int_equal(ep.type, LIBUSB_ENDPOINT_TRANSFER_TYPE_INTERRUPT);
	assert_int_equal(ep.interval, 4);
	assert_int_equal(fgh_ep_spec_parse("iso-in", &spec), 0);
	assert_int_equal(fgh_ep_find(&cfg, &spec, &ep), 0);
	assert_int_equal(ep.addr, 0x85);
	assert_int_equal(ep.alt, 1);
	assert_int_equal(fgh_maxpacket(ep.wMaxPacketSize), 1024);   /* mult bits dropped */
	assert_int_equal(fgh_ep_spec_parse("0x01", &spec), 0);
	assert_int_equal(fgh_ep_find(&cfg, &spec, &ep), 0);
	assert_int_equal(ep.type, LIBUSB_ENDPOINT_TRANSFER_TYPE_BULK);
	assert_int_equal(fgh_ep_spec_parse("iso-out", &spec), 0);
	assert_int_equal(fgh_ep_find(&cfg, &spec, &ep), -1);
	assert_int_equal(fgh_ep_spec_parse("0x81", &spec), 0);
	assert_int_equal(fgh_ep_find(&cfg, &spec, &ep), -1);
	/* By alt setting: no iso IN in alt 0, bulk IN only there. */
	assert_int_equal(fgh_ep_spec_parse("iso-in@0", &spec), 0);
	assert_int_equal(fgh_ep_find(&cfg, &spec, &ep), -1);
	assert_int_equal(fgh_ep_spec_parse("iso-in@1", &spec), 0);
	assert_int_equal(fgh_ep_find(&cfg, &spec, &ep), 0);
	assert_int_equal(ep.addr, 0x85);
	assert_int_equal(fgh_ep_spec_parse("bulk-in@1", &spec), 0);
	assert_int_equal(fgh_ep_find(&cfg, &spec, &ep), -1);
}

static void test_vidpid(void **state)
{
	uint16_t v = 0, p = 0;

	(void)state;
	assert_int_equal(fgh_parse_vidpid("0525:a4a0", &v, &p), 0);
	assert_int_equal(v, 0x0525);
	assert_int_equal(p, 0xa4a0);
	assert_int_equal(fgh_parse_vidpid("1d6b:0104", &v, &p), 0);
	assert_int_equal(p, 0x0104);
	assert_int_equal(fgh_parse_vidpid("0525", &v, &p), -1);
	assert_int_equal(fgh_parse_vidpid("0525:", &v, &p), -1);
	assert_int_equal(fgh_parse_vidpid("10000:1", &v, &p), -1);
	assert_int_equal(fgh_parse_vidpid("0525:a4a0x", &v, &p), -1);
}

static void test_json_string(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	fgh_json_string(f, "a\"b\\c\nd\x01");
	fclose(f);
	assert_string_equal(text, "\"a\\\"b\\\\c\\nd\\u0001\"");
	free(text);
}

/*
 * The host tool's exit status is its verdict: each kind of bad packet alone
 * (mismatched bytes, lost, duplicated, reordered, stale after an alt switch)
 * must count as a failure.
 */
static void test_stream_failures_count_each_kind(void **state)
{
	struct fgh_stream *st = calloc(1, sizeof(*st));

	(void)state;
	assert_non_null(st);
	assert_int_equal(fgh_stream_failures(st), 0);
	st->c.mismatched = 1;
	assert_int_equal(fgh_stream_failures(st), 1);
	st->c.mismatched = 0;
	st->pat.seq.lost = 2;
	assert_int_equal(fgh_stream_failures(st), 2);
	st->pat.seq.lost = 0;
	st->pat.seq.duplicates = 3;
	assert_int_equal(fgh_stream_failures(st), 3);
	st->pat.seq.duplicates = 0;
	st->pat.seq.reordered = 4;
	assert_int_equal(fgh_stream_failures(st), 4);
	st->pat.seq.reordered = 0;
	st->pat.seq.stale = 5;
	assert_int_equal(fgh_stream_failures(st), 5);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_empty),
		cmocka_unit_test(test_hist_exact_small),
		cmocka_unit_test(test_hist_precision),
		cmocka_unit_test(test_hist_clamped),
		cmocka_unit_test(test_hist_buckets),
		cmocka_unit_test(test_mbps),
		cmocka_unit_test(test_hex_parse),
		cmocka_unit_test(test_ep_spec),
		cmocka_unit_test(test_ep_find),
		cmocka_unit_test(test_vidpid),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_stream_failures_count_each_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
