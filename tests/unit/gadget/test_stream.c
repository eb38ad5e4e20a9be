/* SPDX-License-Identifier: MIT */
/*
 * Stream completions (gadget/ffs/stream.c) without a kernel: what a reaped
 * request's result does to the stream.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ffs/stream.h"

struct fixture {
	struct fg_endpoint ep;
	struct fg_stream s;
	struct fg_request r;
	uint8_t buf[64];
	unsigned consumed;
};

static void count_out(void *state, const struct fg_ep_info *ep, const uint8_t *buf, size_t len)
{
	struct fixture *f = state;

	(void)ep;
	(void)buf;
	(void)len;
	f->consumed++;
}

static const struct fg_personality counter = { .name = "counter", .consume_out = count_out };

static void setup_stream(struct fixture *f, uint8_t address)
{
	memset(f, 0, sizeof(*f));
	f->ep.address = address;
	f->ep.type = FG_EP_BULK;
	f->s.info.desc = &f->ep;
	f->s.enabled = true;
	f->s.depth = 1;
	f->s.reqs = &f->r;
	f->s.in_flight = 1;
	f->r.stream = &f->s;
	f->r.buf = f->buf;
	f->r.len = sizeof(f->buf);
	f->r.in_flight = true;
}

/*
 * Regression (lifecycle storms in the VM): a request submitted on an
 * endpoint that was disabled under us completes with -EAGAIN.  It used to
 * count as an error and go straight back in flight, which spun the loop
 * (15000 "errors" a second) until the DISABLE event was read.
 */
static void eagain_idles_the_stream(void **state)
{
	struct fixture f;

	(void)state;
	setup_stream(&f, 0x81);
	fg_stream_complete(&f.r, -EAGAIN, &counter, &f);
	assert_false(f.s.enabled);
	assert_false(f.r.in_flight);
	assert_int_equal(f.s.in_flight, 0);
	assert_int_equal(f.s.stats.ep.errors, 0);
	assert_int_equal(f.s.stats.cancelled, 1);
	/* Disabled: nothing is submitted (no AIO context needed) until ENABLE. */
	assert_int_equal(fg_stream_submit_idle(&f.s, NULL, -1, &counter, &f), 0);
	assert_false(f.r.in_flight);
}

static void shutdown_is_a_cancel(void **state)
{
	struct fixture f;

	(void)state;
	setup_stream(&f, 0x02);
	fg_stream_complete(&f.r, -ESHUTDOWN, &counter, &f);
	assert_int_equal(f.s.stats.cancelled, 1);
	assert_int_equal(f.s.stats.ep.errors, 0);
	assert_int_equal(f.consumed, 0);
}

static void other_errors_count(void **state)
{
	struct fixture f;

	(void)state;
	setup_stream(&f, 0x02);
	fg_stream_complete(&f.r, -EPIPE, &counter, &f);
	assert_true(f.s.enabled);
	assert_int_equal(f.s.stats.ep.errors, 1);
	assert_int_equal(f.s.stats.ep.last_error, -EPIPE);
}

static void out_data_reaches_the_personality(void **state)
{
	struct fixture f;

	(void)state;
	setup_stream(&f, 0x02);
	fg_stream_complete(&f.r, 0, &counter, &f);   /* a zero-length packet is data */
	assert_int_equal(f.consumed, 1);
	assert_int_equal(f.s.stats.ep.transfers, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(eagain_idles_the_stream),
		cmocka_unit_test(shutdown_is_a_cancel),
		cmocka_unit_test(other_errors_count),
		cmocka_unit_test(out_data_reaches_the_personality),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
