/* SPDX-License-Identifier: MIT */
/*
 * Data patterns of the host companion: what is generated for OUT and how IN
 * data is checked, packet by packet, against usbtest's definition (byte i
 * of each packet = (i % maxpacket) % 63); the sequence tracker's lost,
 * duplicate and reordered counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fgh.h"

static uint8_t buf[65536];

/* Expected mod63 byte at offset i of a transfer, computed independently. */
static uint8_t mod63(size_t i, size_t maxpacket)
{
	return (uint8_t)((i % maxpacket) % 63);
}

static void test_parse_names(void **state)
{
	enum fgh_pattern p;

	(void)state;
	assert_int_equal(fgh_pattern_parse("mod63", &p), 0);
	assert_int_equal(p, FGH_PATTERN_MOD63);
	assert_int_equal(fgh_pattern_parse("seq", &p), 0);
	assert_int_equal(p, FGH_PATTERN_SEQ);
	assert_int_equal(fgh_pattern_parse("zeros", &p), 0);
	assert_int_equal(p, FGH_PATTERN_ZEROS);
	assert_int_equal(fgh_pattern_parse("Mod63", &p), -1);
	assert_int_equal(fgh_pattern_parse("", &p), -1);
	assert_string_equal(fgh_pattern_name(FGH_PATTERN_NONE), "none");
}

static void fill_matches_definition(uint16_t maxpacket, size_t len)
{
	struct fgh_pattern_ctx c;

	assert_int_equal(fgh_pattern_init(&c, FGH_PATTERN_MOD63, maxpacket), 0);
	memset(buf, 0xaa, sizeof(buf));
	fgh_pattern_fill(&c, buf, len, 0);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(buf[i], mod63(i, maxpacket));
	assert_int_equal(buf[len], 0xaa);   /* nothing written past len */
	assert_int_equal(fgh_pattern_check(&c, buf, len), 0);
	fgh_pattern_free(&c);
}

static void test_mod63_maxpackets(void **state)
{
	(void)state;
	fill_matches_definition(8, 100);        /* packets shorter than 63 */
	fill_matches_definition(64, 64 * 3 + 5);
	fill_matches_definition(512, 16384);
	fill_matches_definition(1023, 4000);    /* full-speed iso size, odd */
	fill_matches_definition(1024, 16384 + 1);
}

/* The pattern restarts each packet: with maxpacket 64 byte 64 is 0, not 1. */
static void test_mod63_restarts_per_packet(void **state)
{
	struct fgh_pattern_ctx c;

	(void)state;
	assert_int_equal(fgh_pattern_init(&c, FGH_PATTERN_MOD63, 64), 0);
	fgh_pattern_fill(&c, buf, 256, 0);
	assert_int_equal(buf[63], 0);        /* 63 % 63 */
	assert_int_equal(buf[64], 0);
	assert_int_equal(buf[65], 1);
	/* A whole-transfer i % 63 sequence is wrong from byte 64 on. */
	uint8_t flat[256];
	for (size_t i = 0; i < sizeof(flat); i++)
		flat[i] = (uint8_t)(i % 63);
	assert_true(fgh_pattern_check(&c, flat, sizeof(flat)) > 0);
	fgh_pattern_free(&c);
}

static void test_mismatch_counts(void **state)
{
	struct fgh_pattern_ctx c;

	(void)state;
	assert_int_equal(fgh_pattern_init(&c, FGH_PATTERN_MOD63, 512), 0);
	fgh_pattern_fill(&c, buf, 4096, 0);
	buf[0] ^= 1;
	buf[511] ^= 0xff;
	buf[512] = 99;
	buf[4095]++;
	assert_int_equal(fgh_pattern_check(&c, buf, 4096), 4);
	/* A check of a prefix only sees the errors inside it. */
	assert_int_equal(fgh_pattern_check(&c, buf, 512), 2);
	fgh_pattern_free(&c);
}

static void test_zeros(void **state)
{
	struct fgh_pattern_ctx c;

	(void)state;
	assert_int_equal(fgh_pattern_init(&c, FGH_PATTERN_ZEROS, 64), 0);
	memset(buf, 0x55, 300);
	fgh_pattern_fill(&c, buf, 300, 0);
	for (size_t i = 0; i < 300; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(fgh_pattern_check(&c, buf, 300), 0);
	buf[7] = 1;
	buf[299] = 2;
	assert_int_equal(fgh_pattern_check(&c, buf, 300), 2);
	/* mod63 data read with pattern zeros: every nonzero byte counts. */
	struct fgh_pattern_ctx m;
	assert_int_equal(fgh_pattern_init(&m, FGH_PATTERN_MOD63, 64), 0);
	fgh_pattern_fill(&m, buf, 128, 0);
	assert_int_equal(fgh_pattern_check(&c, buf, 128), 2 * 62);   /* 1..62 in each packet; 63 -> 0 */
	fgh_pattern_free(&m);
	fgh_pattern_free(&c);
}

static void test_none_checks_nothing(void **state)
{
	struct fgh_pattern_ctx c;

	(void)state;
	assert_int_equal(fgh_pattern_init(&c, FGH_PATTERN_NONE, 64), 0);
	memset(buf, 0x5a, 128);
	assert_int_equal(fgh_pattern_check(&c, buf, 128), 0);
	fgh_pattern_free(&c);
	assert_int_equal(fgh_pattern_init(&c, FGH_PATTERN_MOD63, 0), -1);
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_seq_fill_layout(void **state)
{
	struct fgh_pattern_ctx c;

	(void)state;
	assert_int_equal(fgh_pattern_init(&c, FGH_PATTERN_SEQ, 64), 0);
	c.next_seq = 41;
	fgh_pattern_fill(&c, buf, 64 * 3, UINT64_C(0x1122334455667788));
	for (unsigned k = 0; k < 3; k++) {
		const uint8_t *p = buf + 64 * k;

		assert_int_equal(le32_at(p), 41 + k);
		assert_int_equal(p[4], 0x88);   /* LE64 timestamp */
		assert_int_equal(p[11], 0x11);
		for (size_t i = ISO_SEQ_HEADER; i < 64; i++)
			assert_int_equal(p[i], mod63(i, 64));
	}
	assert_int_equal(c.next_seq, 44);
	fgh_pattern_free(&c);
}

/* A reader checking what a writer generated sees every packet, none lost. */
static void test_seq_roundtrip(void **state)
{
	struct fgh_pattern_ctx w, r;

	(void)state;
	assert_int_equal(fgh_pattern_init(&w, FGH_PATTERN_SEQ, 512), 0);
	assert_int_equal(fgh_pattern_init(&r, FGH_PATTERN_SEQ, 512), 0);
	for (int t = 0; t < 10; t++) {
		fgh_pattern_fill(&w, buf, 4096, (uint64_t)t);
		assert_int_equal(fgh_pattern_check(&r, buf, 4096), 0);
	}
	assert_int_equal(r.seq.received, 80);
	assert_int_equal(r.seq.lost, 0);
	assert_int_equal(r.seq.duplicates, 0);

	/* Drop one transfer (8 packets) and corrupt a body byte of the next. */
	fgh_pattern_fill(&w, buf, 4096, 0);
	fgh_pattern_fill(&w, buf, 4096, 0);
	buf[100] ^= 0x40;
	assert_int_equal(fgh_pattern_check(&r, buf, 4096), 1);
	assert_int_equal(r.seq.lost, 8);
	/* A short packet cannot carry a header: a runt, not a mismatch. */
	assert_int_equal(fgh_pattern_check(&r, buf, 5), 0);
	assert_int_equal(r.seq.runts, 1);
	fgh_pattern_free(&w);
	fgh_pattern_free(&r);
}

/*
 * With a floor (GET_FRESH's answer), every packet numbered before it was
 * filled before the host's switch: stale, and a failure of the stream;
 * numbers at or past it, across the 32-bit wrap too, are not.
 */
static void test_seq_stale_before_floor(void **state)
{
	struct fgh_pattern_ctx w, r;

	(void)state;
	assert_int_equal(fgh_pattern_init(&w, FGH_PATTERN_SEQ, 512), 0);
	assert_int_equal(fgh_pattern_init(&r, FGH_PATTERN_SEQ, 512), 0);
	w.next_seq = UINT32_C(0xfffffffc);
	r.seq.floor = UINT32_C(0xfffffffe);
	r.seq.floor_set = true;
	/* 0xfffffffc .. 0x3: two before the floor, six at or past it. */
	fgh_pattern_fill(&w, buf, 4096, 0);
	assert_int_equal(fgh_pattern_check(&r, buf, 4096), 0);
	assert_int_equal(r.seq.received, 8);
	assert_int_equal(r.seq.stale, 2);
	fgh_pattern_fill(&w, buf, 4096, 0);
	assert_int_equal(fgh_pattern_check(&r, buf, 4096), 0);
	assert_int_equal(r.seq.stale, 2);
	fgh_pattern_free(&w);
	fgh_pattern_free(&r);
}

static void track(struct fgh_seq *q, const uint32_t *n, size_t count)
{
	for (size_t i = 0; i < count; i++)
		fgh_seq_track(q, n[i]);
}

static void test_seq_gaps(void **state)
{
	struct fgh_seq q = { 0 };
	static const uint32_t n[] = { 10, 11, 12, 15, 16, 20 };

	(void)state;
	track(&q, n, 6);
	assert_int_equal(q.received, 6);
	assert_int_equal(q.lost, 2 + 3);   /* 13 14, 17 18 19 */
	assert_int_equal(q.duplicates, 0);
	assert_int_equal(q.reordered, 0);
	assert_int_equal(q.next, 21);
}

static void test_seq_duplicates(void **state)
{
	struct fgh_seq q = { 0 };
	static const uint32_t n[] = { 0, 1, 2, 2, 3, 1, 4 };

	(void)state;
	track(&q, n, 7);
	assert_int_equal(q.duplicates, 2);
	assert_int_equal(q.lost, 0);
	assert_int_equal(q.reordered, 0);
}

static void test_seq_reorder(void **state)
{
	struct fgh_seq q = { 0 };
	static const uint32_t n[] = { 0, 1, 3, 2, 4, 7, 5, 6, 8 };

	(void)state;
	track(&q, n, 9);
	assert_int_equal(q.lost, 0);          /* every gap filled late */
	assert_int_equal(q.reordered, 3);     /* 2, 5, 6 */
	assert_int_equal(q.duplicates, 0);
	fgh_seq_track(&q, 5);                 /* a late packet seen twice is a dup */
	assert_int_equal(q.duplicates, 1);
	assert_int_equal(q.reordered, 3);
}

static void test_seq_wraps(void **state)
{
	struct fgh_seq q = { 0 };
	static const uint32_t n[] = { 0xfffffffd, 0xfffffffe, 0xffffffff, 0, 2 };

	(void)state;
	track(&q, n, 5);
	assert_int_equal(q.lost, 1);   /* 1 */
	assert_int_equal(q.duplicates, 0);
	assert_int_equal(q.next, 3);
}

/* Beyond the window a late packet cannot be told from a duplicate. */
static void test_seq_window(void **state)
{
	struct fgh_seq q = { 0 };

	(void)state;
	fgh_seq_track(&q, 0);
	fgh_seq_track(&q, 2 * FGH_SEQ_WINDOW);   /* big gap: window cleared */
	assert_int_equal(q.lost, 2 * FGH_SEQ_WINDOW - 1);
	fgh_seq_track(&q, 5);                    /* far behind */
	assert_int_equal(q.duplicates, 1);
	fgh_seq_track(&q, 2 * FGH_SEQ_WINDOW - 3);   /* inside: late */
	assert_int_equal(q.reordered, 1);
	assert_int_equal(q.lost, 2 * FGH_SEQ_WINDOW - 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_names),
		cmocka_unit_test(test_mod63_maxpackets),
		cmocka_unit_test(test_mod63_restarts_per_packet),
		cmocka_unit_test(test_mismatch_counts),
		cmocka_unit_test(test_zeros),
		cmocka_unit_test(test_none_checks_nothing),
		cmocka_unit_test(test_seq_fill_layout),
		cmocka_unit_test(test_seq_roundtrip),
		cmocka_unit_test(test_seq_stale_before_floor),
		cmocka_unit_test(test_seq_gaps),
		cmocka_unit_test(test_seq_duplicates),
		cmocka_unit_test(test_seq_reorder),
		cmocka_unit_test(test_seq_wraps),
		cmocka_unit_test(test_seq_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
