/* SPDX-License-Identifier: MIT */
/*
 * What the host companion accounts for a reaped iso IN transfer
 * (host/stream.c, fgh_stream_account), without a device: completed ones,
 * and those cancelled at shutdown, whose first packets were on the bus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fgh.h"
#include "isostream_wire.h"

#define PACKETS 8
#define LEN 1024

static uint8_t buf[PACKETS * LEN];

static void init_stream(struct fgh_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->cfg.ep.addr = 0x81;
	s->cfg.ep.type = LIBUSB_ENDPOINT_TRANSFER_TYPE_ISOCHRONOUS;
	s->cfg.pattern = FGH_PATTERN_SEQ;
	s->iso_len = LEN;
	assert_int_equal(fgh_pattern_init(&s->pat, FGH_PATTERN_SEQ, LEN), 0);
}

/* data packets stamped from *seq on; the rest of the PACKETS left unserviced. */
static void fill(struct libusb_transfer *t, enum libusb_transfer_status status, int data,
		 uint32_t *seq)
{
	memset(buf, 0, sizeof(buf));
	t->buffer = buf;
	t->length = sizeof(buf);
	t->num_iso_packets = PACKETS;
	t->status = status;
	for (int i = 0; i < PACKETS; i++) {
		t->iso_packet_desc[i].length = LEN;
		t->iso_packet_desc[i].status = LIBUSB_TRANSFER_COMPLETED;
		t->iso_packet_desc[i].actual_length = 0;
		if (i < data) {
			iso_pattern_fill(buf + i * LEN, LEN, LEN);
			iso_stamp(buf + i * LEN, LEN, LEN, seq, 1);
			t->iso_packet_desc[i].actual_length = LEN;
		}
	}
}

/*
 * A transfer cancelled at shutdown after 3 of its 8 packets carried data:
 * those 3 are received (the next transfer's numbers do not make them lost),
 * its 5 unserviced slots are neither packets nor empty ones.
 */
static void cancelled_data_is_received_not_lost(void **state)
{
	struct libusb_transfer *t = libusb_alloc_transfer(PACKETS);
	struct fgh_stream s;
	uint32_t seq = 0;

	(void)state;
	assert_non_null(t);
	init_stream(&s);
	fill(t, LIBUSB_TRANSFER_COMPLETED, PACKETS, &seq);
	fgh_stream_account(&s, t);
	fill(t, LIBUSB_TRANSFER_CANCELLED, 3, &seq);
	fgh_stream_account(&s, t);
	fill(t, LIBUSB_TRANSFER_COMPLETED, PACKETS, &seq);
	fgh_stream_account(&s, t);

	assert_int_equal(s.pat.seq.received, 19);
	assert_int_equal(s.pat.seq.lost, 0);
	assert_int_equal(s.c.packets, 19);
	assert_int_equal(s.c.empty_packets, 0);
	assert_int_equal(s.c.bytes, 19 * LEN);
	assert_int_equal(fgh_stream_failures(&s), 0);
	fgh_pattern_free(&s.pat);
	t->buffer = NULL;
	libusb_free_transfer(t);
}

/* Empty packets before the last data packet were serviced: zero-length on the bus. */
static void cancelled_empties_before_data_count(void **state)
{
	struct libusb_transfer *t = libusb_alloc_transfer(PACKETS);
	struct fgh_stream s;
	uint32_t seq = 0;

	(void)state;
	assert_non_null(t);
	init_stream(&s);
	fill(t, LIBUSB_TRANSFER_COMPLETED, PACKETS, &seq);
	fgh_stream_account(&s, t);
	fill(t, LIBUSB_TRANSFER_CANCELLED, 4, &seq);
	/* An underrun in the middle: packet 1 empty, packets 2 and 3 stamped on. */
	seq -= 3;
	t->iso_packet_desc[1].actual_length = 0;
	iso_stamp(buf + 2 * LEN, LEN, LEN, &seq, 1);
	iso_stamp(buf + 3 * LEN, LEN, LEN, &seq, 1);
	fgh_stream_account(&s, t);
	assert_int_equal(s.c.packets, PACKETS + 4);
	assert_int_equal(s.c.empty_packets, 1);
	/* where it fell: the second transfer's packet 1, counted from the stream's first */
	assert_int_equal(s.c.first_empty, PACKETS + 1);
	assert_int_equal(s.c.last_empty, PACKETS + 1);
	assert_int_equal(s.pat.seq.received, PACKETS + 3);
	assert_int_equal(s.pat.seq.lost, 0);
	fgh_pattern_free(&s.pat);
	t->buffer = NULL;
	libusb_free_transfer(t);
}

/*
 * usbfs leaves a cancelled transfer's unserviced slots as kernel memory held
 * them: often an earlier transfer's "completed, 1024 bytes" with its stale
 * stamps.  Those are not packets: counting stops where the sequence breaks.
 */
static void cancelled_stale_slots_are_not_packets(void **state)
{
	struct libusb_transfer *t = libusb_alloc_transfer(PACKETS);
	struct fgh_stream s;
	uint32_t seq = 0, stale = 2;

	(void)state;
	assert_non_null(t);
	init_stream(&s);
	fill(t, LIBUSB_TRANSFER_COMPLETED, PACKETS, &seq);
	fgh_stream_account(&s, t);
	fill(t, LIBUSB_TRANSFER_CANCELLED, 3, &seq);
	for (int i = 3; i < PACKETS; i++) {
		iso_pattern_fill(buf + i * LEN, LEN, LEN);
		iso_stamp(buf + i * LEN, LEN, LEN, &stale, 1);
		t->iso_packet_desc[i].actual_length = LEN;
	}
	fgh_stream_account(&s, t);
	assert_int_equal(s.c.packets, 11);
	assert_int_equal(s.pat.seq.received, 11);
	assert_int_equal(s.pat.seq.duplicates, 0);
	assert_int_equal(fgh_stream_failures(&s), 0);
	fgh_pattern_free(&s.pat);
	t->buffer = NULL;
	libusb_free_transfer(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cancelled_data_is_received_not_lost),
		cmocka_unit_test(cancelled_empties_before_data_count),
		cmocka_unit_test(cancelled_stale_slots_are_not_packets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
