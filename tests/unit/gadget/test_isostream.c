/* SPDX-License-Identifier: MIT */
/*
 * isostream: packet checking, rate shaping, and the personality's hooks on
 * the shipped descriptions (start/stop/packet/rate requests, what fill_in
 * produces, what consume_out counts, read back through GET_COUNTERS and the
 * shared decoder; the wire format itself is test_isostream_wire.c's).  The
 * engine is not running here: fg_engine_* services are never reached
 * because the personality has no engine.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/usb/ch9.h>

#include "description/description.h"
#include "ffs/personality.h"
#include "personalities/personalities.h"
#include "personalities/isostream/isostream.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* One 3 x 1024-byte interval: three chunks, consecutive numbers, one timestamp. */
static void stamp_high_bandwidth(void **st)
{
	uint8_t buf[3072];
	uint32_t seq = 41;
	(void)st;

	iso_pattern_fill(buf, sizeof(buf), 1024);
	assert_int_equal(iso_stamp(buf, sizeof(buf), 1024, &seq, 123456789), 3);
	assert_int_equal(seq, 44);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(le32(buf + i * 1024), 41 + i);
		assert_int_equal(le64(buf + i * 1024 + 4), 123456789);
		assert_int_equal(buf[i * 1024 + 12], 12);       /* body: i % 63 */
		assert_int_equal(buf[i * 1024 + 100], 100 % 63);
	}
}

static void check_counts_gaps_and_runts(void **st)
{
	struct iso_seq_check c = { 0 };
	uint8_t buf[1024];
	uint32_t seq = 0;
	(void)st;

	iso_pattern_fill(buf, sizeof(buf), 1024);
	for (int i = 0; i < 5; i++) {
		iso_stamp(buf, sizeof(buf), 1024, &seq, 1);
		if (i != 2)             /* the third packet never arrives */
			iso_check(&c, buf, sizeof(buf), 1024);
	}
	assert_int_equal(c.chunks, 4);
	assert_int_equal(c.lost, 1);
	assert_int_equal(c.bad_bytes, 0);
	iso_check(&c, buf, 5, 1024);    /* shorter than a header */
	assert_int_equal(c.runts, 1);
	buf[500] ^= 0xff;
	iso_stamp(buf, sizeof(buf), 1024, &seq, 1);
	iso_check(&c, buf, sizeof(buf), 1024);
	assert_int_equal(c.bad_bytes, 1);
	assert_int_equal(c.lost, 1);
}

/*
 * A packet behind the expected sequence is late, not lost again: in 0 1 3 2 4
 * the gap at 3 counts 2 as lost once; 2 arriving afterwards is late.
 */
static void check_counts_late_apart_from_lost(void **st)
{
	static const uint32_t order[] = { 0, 1, 3, 2, 4 };
	struct iso_seq_check c = { 0 };
	uint8_t buf[1024];
	(void)st;

	iso_pattern_fill(buf, sizeof(buf), 1024);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		uint32_t seq = order[i];

		iso_stamp(buf, sizeof(buf), 1024, &seq, 1);
		iso_check(&c, buf, sizeof(buf), 1024);
	}
	assert_int_equal(c.chunks, 5);
	assert_int_equal(c.lost, 1);
	assert_int_equal(c.late, 1);
	assert_int_equal(c.bad_bytes, 0);
}

/*
 * The body check (whole 32-byte steps with the header masked on CPUs that
 * have AVX2, memcmp elsewhere) sees one wrong byte wherever it is: every
 * body position of a 1024-byte chunk, of the last chunk of a 3 x 1024
 * interval, of chunks whose size is not a multiple of 32, and none of the
 * header's bytes is counted as body.
 */
static void check_sees_every_body_byte(void **st)
{
	static const size_t sizes[][2] = {   /* bytes, wMaxPacketSize */
		{ 1024, 1024 }, { 3072, 1024 }, { 512, 512 }, { 1000, 1000 }, { 44, 44 },
		{ 2048 + 13, 1024 },
	};
	uint8_t buf[3072];
	(void)st;

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t len = sizes[k][0];
		uint16_t mps = (uint16_t)sizes[k][1];
		uint32_t seq = 7;

		iso_pattern_fill(buf, len, mps);
		for (size_t pos = 0; pos < len; pos++) {
			struct iso_seq_check c = { 0 };
			size_t in_chunk = pos % mps;
			uint32_t first = seq;

			iso_stamp(buf, len, mps, &seq, 99);
			if (in_chunk >= ISO_SEQ_HEADER)
				buf[pos] ^= 0x40;
			iso_check(&c, buf, len, mps);
			assert_int_equal(c.bad_bytes, in_chunk >= ISO_SEQ_HEADER ? 1 : 0);
			assert_int_equal(c.lost + c.late, 0);
			assert_int_equal(c.next, seq);
			assert_int_equal(c.chunks + c.runts, seq - first);
			if (in_chunk >= ISO_SEQ_HEADER)
				buf[pos] ^= 0x40;
		}
	}
}

/* Over one second of intervals, exactly `rate` carry data, spread evenly. */
static void rate_shaping(void **st)
{
	static const uint32_t rates[] = { 1, 1000, 3000, 7999 };
	(void)st;

	for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		unsigned due = 0, longest_gap = 0, gap = 0;

		for (uint64_t k = 0; k < 8000; k++) {
			if (iso_rate_due(k, rates[r], 8000)) {
				due++;
				gap = 0;
			} else if (++gap > longest_gap) {
				longest_gap = gap;
			}
		}
		assert_int_equal(due, rates[r]);
		assert_true(longest_gap <= 8000 / rates[r]);
	}
	assert_true(iso_rate_due(5, 0, 8000));
	assert_true(iso_rate_due(5, 9000, 8000));
}

/* ---- the personality on a shipped description ---- */

struct fixture {
	struct fg_model *m;
	const struct fg_personality *p;
	void *state;
	struct fg_ep_info in, out;
};

static int setup_desc(void **st, const char *file, unsigned mult)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[512], err[512];

	snprintf(path, sizeof(path), "%s/descriptors/%s", FG_SOURCE_DIR, file);
	assert_int_equal(fg_description_load(path, &f->m, err, sizeof(err)), 0);
	f->p = fg_personality_find("isostream");
	assert_non_null(f->p);
	assert_int_equal(f->p->create(f->m, &f->state, err, sizeof(err)), 0);
	f->in = (struct fg_ep_info){ .desc = &f->m->endpoints[0], .index = 0, .speed = FG_HS,
				     .maxpacket = 1024, .mult = (uint8_t)mult,
				     .transfer_size = 1024u * mult, .interval_us = 125 };
	f->out = f->in;
	f->out.desc = &f->m->endpoints[1];
	f->out.index = 1;
	*st = f;
	return 0;
}

static int setup_1x(void **st) { return setup_desc(st, "isostream.conf", 1); }
static int setup_3x(void **st) { return setup_desc(st, "isostream-hb3.conf", 3); }

static int teardown(void **st)
{
	struct fixture *f = *st;

	f->p->destroy(f->state);
	fg_model_free(f->m);
	free(f);
	return 0;
}

static int vendor(struct fixture *f, uint8_t req, uint16_t value, uint8_t *reply, size_t cap)
{
	struct fg_setup s = {
		.request_type = (uint8_t)(USB_TYPE_VENDOR | USB_RECIP_INTERFACE |
					  (reply ? USB_DIR_IN : 0)),
		.request = req, .value = value, .length = reply ? (uint16_t)cap : 0,
	};
	return f->p->setup(f->state, &s, reply, cap);
}

static void idle_until_started(void **st)
{
	struct fixture *f = *st;
	uint8_t buf[1024];

	assert_int_equal(f->p->fill_in(f->state, &f->in, buf, sizeof(buf), 1), FG_FILL_NONE);
	assert_int_equal(vendor(f, ISO_REQ_START, 1, NULL, 0), 0);
	assert_int_equal(f->p->fill_in(f->state, &f->in, buf, sizeof(buf), 1), 1024);
	assert_int_equal(le32(buf), 0);
	assert_int_equal(f->p->fill_in(f->state, &f->in, buf, sizeof(buf), 0), 1024);
	assert_int_equal(le32(buf), 1);
	assert_int_equal(vendor(f, ISO_REQ_STOP, 0, NULL, 0), 0);
	assert_int_equal(f->p->fill_in(f->state, &f->in, buf, sizeof(buf), 0), FG_FILL_NONE);
	assert_int_equal(vendor(f, 0x77, 0, NULL, 0), -EOPNOTSUPP);
}

/* 3 x 1024 per microframe, then 1000 bytes; rate 4000/s: every other interval empty. */
static void packet_size_and_rate(void **st)
{
	struct fixture *f = *st;
	uint8_t buf[3072], reply[256];
	unsigned data = 0, empty = 0;
	size_t asked[801];
	struct iso_counters c;

	assert_int_equal(vendor(f, ISO_REQ_START, 1, NULL, 0), 0);
	asked[0] = f->p->fill_in(f->state, &f->in, buf, sizeof(buf), 1);
	assert_int_equal(asked[0], 3072);
	assert_int_equal(le32(buf + 2048), 2);
	assert_int_equal(vendor(f, ISO_REQ_SET_PACKET, 1000, NULL, 0), 0);
	assert_int_equal(vendor(f, ISO_REQ_SET_RATE, 4000, NULL, 0), 0);
	for (int i = 1; i <= 800; i++) {
		size_t n = f->p->fill_in(f->state, &f->in, buf, sizeof(buf), 0);

		assert_true(n == 0 || n == 1000);
		n ? data++ : empty++;
		asked[i] = n;
	}
	assert_int_equal(data, 400);
	assert_int_equal(empty, 400);
	/* Filled is not sent: nothing has completed yet. */
	assert_int_equal(vendor(f, ISO_REQ_GET_COUNTERS, 0, reply, sizeof(reply)), ISO_COUNTERS_LEN);
	assert_int_equal(iso_counters_decode(reply, ISO_COUNTERS_LEN, &c, NULL), 0);
	assert_int_equal(c.in_packets, 0);
	assert_int_equal(c.in_bytes, 0);
	assert_int_equal(c.in_idle, 0);
	/* The first 601 complete; the last 200 (100 with data) are cancelled. */
	for (int i = 0; i <= 800; i++)
		f->p->complete_in(f->state, &f->in, asked[i], i <= 600 ? (long)asked[i] : -ESHUTDOWN);
	assert_int_equal(vendor(f, ISO_REQ_GET_COUNTERS, 0, reply, sizeof(reply)), ISO_COUNTERS_LEN);
	assert_int_equal(iso_counters_decode(reply, ISO_COUNTERS_LEN, &c, NULL), 0);
	assert_int_equal(c.in_packets, 301);
	assert_int_equal(c.in_bytes, 3072 + 300 * 1000);
	assert_int_equal(c.in_idle, 300);
}

/* The OUT sink counts packets, short ones, and gaps in the host's numbers. */
static void sink_counts(void **st)
{
	struct fixture *f = *st;
	uint8_t buf[1024], reply[256];
	uint32_t seq = 7;
	struct iso_counters c;

	iso_pattern_fill(buf, sizeof(buf), 1024);
	assert_int_equal(vendor(f, ISO_REQ_START, 1, NULL, 0), 0);
	for (int i = 0; i < 10; i++) {
		iso_stamp(buf, sizeof(buf), 1024, &seq, 5);
		if (i == 4 || i == 5)
			continue;
		f->p->consume_out(f->state, &f->out, buf, i == 9 ? 512 : sizeof(buf));
	}
	assert_int_equal(vendor(f, ISO_REQ_GET_COUNTERS, 0, reply, sizeof(reply)), ISO_COUNTERS_LEN);
	assert_int_equal(iso_counters_decode(reply, ISO_COUNTERS_LEN, &c, NULL), 0);
	assert_int_equal(c.out_packets, 8);
	assert_int_equal(c.out_short, 1);
	assert_int_equal(c.out_lost, 2);
	assert_int_equal(c.in_packets, 0);
}

/*
 * isostream-alts.conf: each iso IN endpoint (one per alt setting) numbers
 * its own chunks; after an ENABLE, GET_FRESH answers each endpoint's next
 * number, and stalls for an address that is not an iso IN endpoint.
 */
static void fresh_per_endpoint(void **st)
{
	struct fixture *f = *st;
	struct fg_ep_info in2 = f->in;
	uint8_t buf[1024], reply[8];

	in2.desc = &f->m->endpoints[2];
	in2.index = 2;
	assert_int_equal(f->m->endpoints[2].address, 0x83);
	assert_int_equal(vendor(f, ISO_REQ_START, 1, NULL, 0), 0);
	f->p->enable(f->state);
	assert_int_equal(vendor(f, ISO_REQ_GET_FRESH, 0x83, reply, sizeof(reply)), 4);
	assert_int_equal(le32(reply), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(f->p->fill_in(f->state, &f->in, buf, 512, 1), 512);
	assert_int_equal(le32(buf), 4);
	assert_int_equal(f->p->fill_in(f->state, &in2, buf, sizeof(buf), 1), 1024);
	assert_int_equal(le32(buf), 0);
	f->p->enable(f->state);
	assert_int_equal(vendor(f, ISO_REQ_GET_FRESH, 0x81, reply, sizeof(reply)), 4);
	assert_int_equal(le32(reply), 5);
	assert_int_equal(vendor(f, ISO_REQ_GET_FRESH, 0x83, reply, sizeof(reply)), 4);
	assert_int_equal(le32(reply), 1);
	/* An OUT endpoint, an unknown one, a reply with no room, an OUT request. */
	assert_int_equal(vendor(f, ISO_REQ_GET_FRESH, 0x02, reply, sizeof(reply)), -EINVAL);
	assert_int_equal(vendor(f, ISO_REQ_GET_FRESH, 0x85, reply, sizeof(reply)), -EINVAL);
	assert_int_equal(vendor(f, ISO_REQ_GET_FRESH, 0x81, reply, 2), -EINVAL);
	assert_int_equal(vendor(f, ISO_REQ_GET_FRESH, 0x81, NULL, 0), -EINVAL);
}

static int setup_alts(void **st) { return setup_desc(st, "isostream-alts.conf", 1); }

static void bad_options(void **st)
{
	static const char *const bad[] = {
		"source = \"tcp:1\";", "sink = \"tee\";", "packet = \"big\";", "rate = 70000;",
		"autostart = \"yes\";", "colour = \"red\";",
	};
	(void)st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char src[512], path[] = "/tmp/test_isostream_XXXXXX", err[512];
		const struct fg_personality *p;
		struct fg_model *m;
		void *state = NULL;
		int fd = mkstemp(path);
		FILE *fp = fdopen(fd, "w");

		snprintf(src, sizeof(src), "function = { name = \"x\"; personality = \"isostream\";"
			 " interfaces = ( { class = 0xff; endpoints = ( { name = \"i\"; address = 0x81;"
			 " type = \"iso\"; maxpacket = 1023; } ); } ); options = { %s }; };", bad[i]);
		fputs(src, fp);
		fclose(fp);
		assert_int_equal(fg_description_load(path, &m, err, sizeof(err)), 0);
		err[0] = 0;
		assert_int_equal(fg_personality_prepare(m, &p, &state, err, sizeof(err)), -EINVAL);
		assert_null(state);
		assert_non_null(strstr(err, "options:"));
		fg_model_free(m);
		unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stamp_high_bandwidth),
		cmocka_unit_test(check_counts_gaps_and_runts),
		cmocka_unit_test(check_counts_late_apart_from_lost),
		cmocka_unit_test(check_sees_every_body_byte),
		cmocka_unit_test(rate_shaping),
		cmocka_unit_test_setup_teardown(idle_until_started, setup_1x, teardown),
		cmocka_unit_test_setup_teardown(packet_size_and_rate, setup_3x, teardown),
		cmocka_unit_test_setup_teardown(sink_counts, setup_1x, teardown),
		cmocka_unit_test_setup_teardown(fresh_per_endpoint, setup_alts, teardown),
		cmocka_unit_test(bad_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
