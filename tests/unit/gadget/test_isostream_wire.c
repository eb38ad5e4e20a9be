/* SPDX-License-Identifier: MIT */
/*
 * isostream's wire format, the definition the daemon and ffsgadget-host
 * share: stamp bytes, the GET_COUNTERS reply's bytes, its round trip, and
 * the decoder's refusal of short, foreign and inconsistent replies.  Each
 * reply under test sits in a buffer of exactly its length, so that a read
 * past it is an error under the sanitizers (make SAN=1 unit).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/isostream_wire.h"

static uint64_t le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Every counter a different value, none of whose bytes repeat another's place. */
static void distinct_counters(struct iso_counters *c)
{
	uint64_t v[ISO_COUNTER_COUNT];

	for (size_t i = 0; i < ISO_COUNTER_COUNT; i++)
		v[i] = UINT64_C(0x0102030405060708) * (i + 1) + i;
	memcpy(c, v, sizeof(*c));
}

static int decode_exact(const uint8_t *bytes, size_t len, struct iso_counters *c,
			struct iso_counters_header *h)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	rc = iso_counters_decode(copy, len, c, h);
	free(copy);
	return rc;
}

static void stamp_bytes(void **st)
{
	uint8_t chunk[64];
	uint32_t seq = 0x04030201, got_seq = 0;
	uint64_t got_ns = 0;
	(void)st;

	iso_pattern_fill(chunk, sizeof(chunk), sizeof(chunk));
	assert_int_equal(iso_stamp(chunk, sizeof(chunk), 64, &seq, UINT64_C(0x1122334455667788)), 1);
	assert_int_equal(seq, 0x04030202);
	assert_int_equal(chunk[0], 0x01);
	assert_int_equal(chunk[3], 0x04);
	assert_int_equal(chunk[4], 0x88);
	assert_int_equal(chunk[11], 0x11);
	assert_int_equal(chunk[12], 12);
	assert_int_equal(chunk[63], 0);         /* 63 % 63 */
	assert_int_equal(iso_stamp_read(chunk, ISO_SEQ_HEADER, &got_seq, &got_ns), 0);
	assert_int_equal(got_seq, 0x04030201);
	assert_true(got_ns == UINT64_C(0x1122334455667788));
	assert_int_equal(iso_stamp_read(chunk, ISO_SEQ_HEADER - 1, &got_seq, &got_ns), -EMSGSIZE);
}

/* The bytes, from the description of the format, not from the encoder. */
static void counters_bytes(void **st)
{
	struct iso_counters c;
	uint8_t out[ISO_COUNTERS_LEN + 8];
	(void)st;

	distinct_counters(&c);
	assert_int_equal(ISO_COUNTERS_LEN, 4 + 8 * 13);
	assert_int_equal(iso_counters_encode(&c, out, sizeof(out)), ISO_COUNTERS_LEN);
	assert_int_equal(le(out, 2), 1);
	assert_int_equal(le(out + 2, 2), 13);
	assert_true(le(out + 4, 8) == c.in_packets);
	assert_true(le(out + 4 + 8 * 4, 8) == c.in_underruns);
	assert_true(le(out + 4 + 8 * 7, 8) == c.out_packets);
	assert_true(le(out + 4 + 8 * 11, 8) == c.out_lost);
	assert_true(le(out + 4 + 8 * 12, 8) == c.out_errors);
	assert_int_equal(iso_counters_encode(&c, out, ISO_COUNTERS_LEN - 1), 0);
}

static void names_follow_wire_order(void **st)
{
	struct iso_counters c;
	(void)st;

	distinct_counters(&c);
	assert_string_equal(iso_counter_name(0), "in_packets");
	assert_string_equal(iso_counter_name(4), "in_underruns");
	assert_string_equal(iso_counter_name(11), "out_lost");
	assert_string_equal(iso_counter_name(12), "out_errors");
	assert_string_equal(iso_counter_name(ISO_COUNTER_COUNT), "?");
	assert_true(iso_counter_value(&c, 0) == c.in_packets);
	assert_true(iso_counter_value(&c, 9) == c.out_short);
	assert_true(iso_counter_value(&c, ISO_COUNTER_COUNT) == 0);
	for (size_t i = 0; i < ISO_COUNTER_COUNT; i++)
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(iso_counter_name(i), iso_counter_name(j));
}

static void round_trip(void **st)
{
	struct iso_counters c, back;
	struct iso_counters_header h = { 0 };
	uint8_t out[ISO_COUNTERS_LEN];
	(void)st;

	distinct_counters(&c);
	memset(&back, 0xee, sizeof(back));
	assert_int_equal(iso_counters_encode(&c, out, sizeof(out)), sizeof(out));
	assert_int_equal(decode_exact(out, sizeof(out), &back, &h), 0);
	assert_memory_equal(&c, &back, sizeof(c));
	assert_int_equal(h.version, ISO_COUNTERS_VERSION);
	assert_int_equal(h.count, ISO_COUNTER_COUNT);
	assert_int_equal(iso_counters_decode(out, sizeof(out), &back, NULL), 0);
}

/* Every truncation of a good reply is refused, and the output left alone. */
static void short_replies(void **st)
{
	struct iso_counters c, back, untouched;
	uint8_t out[ISO_COUNTERS_LEN];
	(void)st;

	distinct_counters(&c);
	iso_counters_encode(&c, out, sizeof(out));
	memset(&untouched, 0x5a, sizeof(untouched));
	for (size_t len = 0; len < sizeof(out); len++) {
		back = untouched;
		assert_int_equal(decode_exact(out, len, &back, NULL), -EMSGSIZE);
		assert_memory_equal(&back, &untouched, sizeof(back));
	}
}

static void foreign_versions(void **st)
{
	static const unsigned versions[] = { 0, 2, 0xffff };
	struct iso_counters c, back;
	struct iso_counters_header h;
	uint8_t out[ISO_COUNTERS_LEN];
	(void)st;

	distinct_counters(&c);
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		iso_counters_encode(&c, out, sizeof(out));
		out[0] = (uint8_t)versions[i];
		out[1] = (uint8_t)(versions[i] >> 8);
		assert_int_equal(decode_exact(out, sizeof(out), &back, &h), -EPROTONOSUPPORT);
		assert_int_equal(h.version, versions[i]);
	}
	/* Only the header: the version is what is wrong, not the length. */
	assert_int_equal(decode_exact(out, ISO_COUNTERS_HEADER, &back, &h), -EPROTONOSUPPORT);
}

static void inconsistent_counts(void **st)
{
	struct iso_counters c, back;
	struct iso_counters_header h;
	uint8_t out[ISO_COUNTERS_LEN + 8];
	(void)st;

	distinct_counters(&c);
	iso_counters_encode(&c, out, sizeof(out));
	/* More counters than the bytes carry. */
	out[2] = ISO_COUNTER_COUNT + 1;
	assert_int_equal(decode_exact(out, ISO_COUNTERS_LEN, &back, &h), -EMSGSIZE);
	assert_int_equal(h.count, ISO_COUNTER_COUNT + 1);
	out[2] = 0xff, out[3] = 0xff;
	assert_int_equal(decode_exact(out, ISO_COUNTERS_LEN, &back, &h), -EMSGSIZE);
	assert_int_equal(h.count, 0xffff);
	/* Fewer than this version has, the bytes there or not. */
	out[2] = ISO_COUNTER_COUNT - 1, out[3] = 0;
	assert_int_equal(decode_exact(out, ISO_COUNTERS_LEN - 8, &back, &h), -EBADMSG);
	assert_int_equal(decode_exact(out, ISO_COUNTERS_LEN, &back, &h), -EBADMSG);
	out[2] = 0;
	assert_int_equal(decode_exact(out, ISO_COUNTERS_HEADER, &back, &h), -EBADMSG);
	/* More than this version has, with the bytes for them. */
	out[2] = ISO_COUNTER_COUNT + 1;
	assert_int_equal(decode_exact(out, ISO_COUNTERS_LEN + 8, &back, &h), -EBADMSG);
	/* The right count, and a byte after the counters. */
	out[2] = ISO_COUNTER_COUNT;
	assert_int_equal(decode_exact(out, ISO_COUNTERS_LEN + 1, &back, &h), -EBADMSG);
	assert_int_equal(decode_exact(out, ISO_COUNTERS_LEN, &back, &h), 0);
}

static void error_messages(void **st)
{
	static const int errs[] = { -EMSGSIZE, -EPROTONOSUPPORT, -EBADMSG };
	(void)st;

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		assert_string_not_equal(iso_counters_strerror(errs[i]), "malformed reply");
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(iso_counters_strerror(errs[i]),
						iso_counters_strerror(errs[j]));
	}
	assert_string_equal(iso_counters_strerror(-EIO), "malformed reply");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stamp_bytes),
		cmocka_unit_test(counters_bytes),
		cmocka_unit_test(names_follow_wire_order),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(short_replies),
		cmocka_unit_test(foreign_versions),
		cmocka_unit_test(inconsistent_counts),
		cmocka_unit_test(error_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
