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
#include <time.h>

#include <cmocka.h>

#include "ffs/stream.h"

struct fixture {
	struct fg_endpoint ep;
	struct fg_stream s;
	struct fg_request r;
	unsigned idle[1];
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
	f->s.idle = f->idle;
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
	assert_int_equal(f.s.idle_count, 1);
	assert_int_equal(f.s.idle[0], 0);
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

struct in_log {
	unsigned calls;
	size_t asked;
	long res;
};

static void log_in(void *state, const struct fg_ep_info *ep, size_t asked, long res)
{
	struct in_log *l = state;

	(void)ep;
	l->calls++;
	l->asked = asked;
	l->res = res;
}

static const struct fg_personality in_logger = { .name = "in", .complete_in = log_in };

/* What the kernel reports for an IN request reaches the personality, cancels included. */
static void in_completion_reaches_the_personality(void **state)
{
	struct fixture f;
	struct in_log l = { 0 };

	(void)state;
	setup_stream(&f, 0x81);
	f.r.len = 40;
	fg_stream_complete(&f.r, 40, &in_logger, &l);
	assert_int_equal(l.calls, 1);
	assert_int_equal(l.asked, 40);
	assert_int_equal(l.res, 40);
	f.r.in_flight = true;
	f.s.in_flight = 1;
	fg_stream_complete(&f.r, -ESHUTDOWN, &in_logger, &l);
	assert_int_equal(l.calls, 2);
	assert_int_equal(l.res, -ESHUTDOWN);
}

/*
 * An iso ring submitted with 8 requests 100 ms ago and reaped only now ran
 * dry 8 intervals (1 ms) after the submission, not now: the empty time the
 * next submission accounts starts there (a late daemon's underruns count).
 */
static void iso_ring_ran_dry_when_the_bus_took_the_last(void **state)
{
	struct fixture f;
	struct timespec ts;
	uint64_t now;

	(void)state;
	setup_stream(&f, 0x81);
	f.ep.type = FG_EP_ISO;
	f.s.info.interval_us = 125;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	f.s.submitted_ns = now - 100000000u;
	f.s.queued_at_submit = 8;
	fg_stream_complete(&f.r, (long)f.r.len, &counter, &f);
	assert_int_equal(f.s.empty_since_ns, now - 100000000u + 8 * 125000u);
}

/*
 * A held OUT stream (the bridge's program is not reading) keeps its idle
 * requests idle: no io_submit at all.  Released, the same call submits,
 * which the null io context refuses: proof that it tried.
 */
static void held_stream_submits_nothing(void **state)
{
	struct fixture f;

	(void)state;
	setup_stream(&f, 0x01);
	fg_stream_complete(&f.r, 64, &counter, &f);
	assert_false(f.r.in_flight);
	f.s.held = true;
	assert_int_equal(fg_stream_submit_idle(&f.s, 0, -1, &counter, &f), 0);
	assert_false(f.r.in_flight);
	assert_int_equal(f.s.stats.submit_failures, 0);
	f.s.held = false;
	assert_true(fg_stream_submit_idle(&f.s, 0, -1, &counter, &f) < 0);
	assert_int_equal(f.s.stats.submit_failures, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(eagain_idles_the_stream),
		cmocka_unit_test(shutdown_is_a_cancel),
		cmocka_unit_test(other_errors_count),
		cmocka_unit_test(out_data_reaches_the_personality),
		cmocka_unit_test(in_completion_reaches_the_personality),
		cmocka_unit_test(iso_ring_ran_dry_when_the_bus_took_the_last),
		cmocka_unit_test(held_stream_submits_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
