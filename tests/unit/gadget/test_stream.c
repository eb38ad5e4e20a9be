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
	f->s.in = (address & 0x80) != 0;
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

/* An iso IN stream at one request per 125 us interval, for fg_stream_observe. */
static void setup_iso(struct fixture *f)
{
	setup_stream(f, 0x81);
	f->ep.type = FG_EP_ISO;
	f->s.info.interval_us = 125;
	f->s.in_flight = 0;
}

/* One reap at t_us: taken requests came back, queued are still in flight. */
static void reap_at(struct fixture *f, uint64_t t_us, unsigned taken, unsigned queued)
{
	f->s.taken_in_reap = taken;
	f->s.in_flight = queued;
	fg_stream_observe(&f->s, 1000000000u + t_us * 1000u);
}

/*
 * A source of one packet a millisecond whose requests the bus takes in
 * bursts, late (as dummy_hcd under emulation does): what counts is the
 * intervals elapsed against the requests taken, not when each was
 * submitted.  1 s: 8000 intervals, 1000 taken, 7000 empty.
 */
static void iso_idle_is_intervals_less_requests_taken(void **state)
{
	struct fixture f;

	(void)state;
	setup_iso(&f);
	reap_at(&f, 0, 1, 0);
	for (unsigned ms = 1; ms < 1000; ms++)
		reap_at(&f, ms * 1000u + (ms % 7) * 90u, 1, 0);   /* jitter, not drift */
	reap_at(&f, 1000000u, 1, 0);
	assert_int_equal(f.s.stats.ep.idle_intervals, 7000);
}

/* A daemon that slept 200 ms past a ring of 100 requests: 1500 intervals empty. */
static void iso_late_daemon_counts_the_drained_time(void **state)
{
	struct fixture f;

	(void)state;
	setup_iso(&f);
	reap_at(&f, 0, 1, 100);
	reap_at(&f, 200000u, 100, 0);
	assert_int_equal(f.s.stats.ep.idle_intervals, 1500);
}

/*
 * The host stops polling with requests queued (the source goes on filling
 * them; every kick reaps nothing): not underruns.  It resumes 5 s later:
 * the run continues from there, the pause uncounted.
 */
static void iso_host_pause_is_not_underruns(void **state)
{
	struct fixture f;

	(void)state;
	setup_iso(&f);
	reap_at(&f, 0, 1, 0);
	reap_at(&f, 1000u, 1, 0);              /* 8 intervals, 1 taken: 7 empty */
	for (unsigned ms = 2; ms <= 300; ms++)
		reap_at(&f, ms * 1000u, 0, ms - 1);
	assert_int_equal(f.s.stats.ep.idle_intervals, 7);
	reap_at(&f, 5000000u, 2, 300);         /* the host is back */
	reap_at(&f, 5001000u, 8, 300);
	assert_int_equal(f.s.stats.ep.idle_intervals, 7);
}

/* A full ring and a host that went away for a second: no reap in between. */
static void iso_full_ring_pause_is_not_underruns(void **state)
{
	struct fixture f;

	(void)state;
	setup_iso(&f);
	reap_at(&f, 0, 1, 1023);
	reap_at(&f, 1000000u, 2, 1022);
	reap_at(&f, 1001000u, 8, 1022);
	assert_int_equal(f.s.stats.ep.idle_intervals, 0);
}

/*
 * A bus late by 2 ms: the kick at 1 ms finds the first packet still queued,
 * the burst at 2 ms takes both and serves 14 intervals empty.  The window
 * that stayed full owes its intervals to the dry one.
 */
static void iso_late_bus_deficit_carries_to_the_dry_window(void **state)
{
	struct fixture f;

	(void)state;
	setup_iso(&f);
	reap_at(&f, 0, 1, 0);
	for (unsigned ms = 1; ms < 100; ms += 2) {
		reap_at(&f, ms * 1000u, 0, 1);
		reap_at(&f, (ms + 1) * 1000u, 2, 0);
	}
	assert_int_equal(f.s.stats.ep.idle_intervals, 50 * 14);
}

/*
 * A ring that never ran dry had no underrun, whatever the bus fell short.
 * When it then runs dry (the daemon slept 200 ms), the dry window counts
 * its own empty intervals and what the full ones fell short: taken late
 * or never run, the daemon cannot tell (ffs/stream.h).
 */
static void iso_full_ring_has_no_underruns(void **state)
{
	struct fixture f;

	(void)state;
	setup_iso(&f);
	reap_at(&f, 0, 1, 1023);
	for (unsigned ms = 1; ms <= 1000; ms++)
		reap_at(&f, ms * 1000u, ms % 10 ? 8 : 1, 1023);   /* 7 short every 10 ms */
	assert_int_equal(f.s.stats.ep.idle_intervals, 0);
	reap_at(&f, 1200000u, 1023, 0);
	assert_int_equal(f.s.stats.ep.idle_intervals, 700 + 1600 - 1023);
}

/* A new generation (SET_INTERFACE, reset) ends the run: its count stays, the next starts afresh. */
static void iso_enable_ends_the_run(void **state)
{
	struct fixture f;

	(void)state;
	setup_iso(&f);
	reap_at(&f, 0, 1, 0);
	reap_at(&f, 1000u, 1, 0);
	f.s.generation++;
	reap_at(&f, 3000000u, 1, 0);           /* not 3 s of underruns */
	reap_at(&f, 3001000u, 1, 0);
	assert_int_equal(f.s.stats.ep.idle_intervals, 14);
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
		cmocka_unit_test(iso_idle_is_intervals_less_requests_taken),
		cmocka_unit_test(iso_late_daemon_counts_the_drained_time),
		cmocka_unit_test(iso_host_pause_is_not_underruns),
		cmocka_unit_test(iso_full_ring_pause_is_not_underruns),
		cmocka_unit_test(iso_late_bus_deficit_carries_to_the_dry_window),
		cmocka_unit_test(iso_full_ring_has_no_underruns),
		cmocka_unit_test(iso_enable_ends_the_run),
		cmocka_unit_test(held_stream_submits_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
