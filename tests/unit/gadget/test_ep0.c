/* SPDX-License-Identifier: MIT */
/*
 * The ep0 dispatcher over scripted event sequences, no kernel.
 *
 * fake_ffs below plays FunctionFS's ep0 as f_fs.c implements it: events are
 * read in whole records; after a SETUP, I/O in the data stage's direction
 * answers it and I/O against it STALLs with -EL2HLT; an answer can be
 * cancelled (-EIDRM) by a newer event.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <endian.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>

#include "ffs/ep0.h"

extern const struct fg_personality fg_zero_personality;

#define MAX_EVENTS 32

struct fake_ffs {
	struct usb_functionfs_event events[MAX_EVENTS];
	size_t count, next;
	bool pending;
	struct usb_ctrlrequest setup;
	bool cancel_next_answer;
	/* What the device did. */
	unsigned stalls, acks;
	uint8_t sent[FG_CTRL_BUFSIZE];
	size_t sent_len;
	unsigned sends;
	const uint8_t *out_data;     /* what the host sends in OUT data stages */
	size_t out_len;
	ssize_t force_read_result;   /* nonzero: returned by the next event read */
	size_t read_overrun;         /* a data-stage read claims this many bytes more */
	unsigned event_reads;        /* reads in the event phase, EAGAIN included */
};

static ssize_t fake_read(void *ctx, void *buf, size_t len)
{
	struct fake_ffs *f = ctx;

	if (f->pending) {
		f->pending = false;
		if (f->cancel_next_answer) {
			f->cancel_next_answer = false;
			return -EIDRM;
		}
		if (f->setup.bRequestType & USB_DIR_IN) {
			f->stalls++;
			return -EL2HLT;
		}
		/*
		 * Strict: the device must never ask for more than wLength.  The
		 * kernel would cut the read short, which would hide the bug here.
		 */
		size_t want = le16toh(f->setup.wLength);
		if (len > want)
			fail_msg("OUT data stage read of %zu bytes, wLength %zu", len, want);
		if (len < want)
			want = len;
		if (want == 0) {
			f->acks++;
			return 0;
		}
		if (want > f->out_len)
			want = f->out_len;
		memcpy(buf, f->out_data, want);
		return (ssize_t)(want + f->read_overrun);
	}
	f->event_reads++;
	if (f->force_read_result) {
		ssize_t r = f->force_read_result;
		f->force_read_result = 0;
		return r;
	}
	size_t room = len / sizeof(struct usb_functionfs_event), n = 0;
	struct usb_functionfs_event *out = buf;
	if (f->next == f->count)
		return -EAGAIN;
	while (n < room && f->next < f->count) {
		out[n] = f->events[f->next++];
		if (out[n].type == FUNCTIONFS_SETUP) {
			f->pending = true;
			f->setup = out[n].u.setup;
			n++;
			/* The kernel hands out nothing behind a SETUP until it is answered. */
			break;
		}
		n++;
	}
	return (ssize_t)(n * sizeof(*out));
}

static ssize_t fake_write(void *ctx, const void *buf, size_t len)
{
	struct fake_ffs *f = ctx;

	if (!f->pending)
		return -ESRCH;
	f->pending = false;
	if (f->cancel_next_answer) {
		f->cancel_next_answer = false;
		return -EIDRM;
	}
	if (!(f->setup.bRequestType & USB_DIR_IN)) {
		f->stalls++;
		return -EL2HLT;
	}
	/* Strict: a reply longer than wLength is the device's bug, not cut here. */
	size_t max = le16toh(f->setup.wLength);
	if (len > max)
		fail_msg("IN data stage write of %zu bytes, wLength %zu", len, max);
	memcpy(f->sent, buf, len);
	f->sent_len = len;
	f->sends++;
	return (ssize_t)len;
}

/*
 * One fg_ep0_service call per poll wake-up, as the engine does, until the
 * script is spent.  Returns the last call's result.
 */
static int service_all(struct fg_ep0 *e0, struct fake_ffs *f)
{
	int rc, calls = 0;

	do {
		rc = fg_ep0_service(e0);
		assert_true(++calls <= MAX_EVENTS + 1);
	} while (rc == 0 && f->next < f->count);
	return rc;
}

static void push_event(struct fake_ffs *f, uint8_t type)
{
	assert_true(f->count < MAX_EVENTS);
	memset(&f->events[f->count], 0, sizeof(f->events[0]));
	f->events[f->count++].type = type;
}

static void push_setup(struct fake_ffs *f, uint8_t type, uint8_t req, uint16_t value,
		       uint16_t index, uint16_t length)
{
	push_event(f, FUNCTIONFS_SETUP);
	struct usb_ctrlrequest *s = &f->events[f->count - 1].u.setup;
	s->bRequestType = type;
	s->bRequest = req;
	s->wValue = htole16(value);
	s->wIndex = htole16(index);
	s->wLength = htole16(length);
}

/* A personality that records what reaches it. */
struct recorder {
	enum fg_ep0_event seen[MAX_EVENTS];
	size_t seen_count;
	struct fg_setup last;
	unsigned setups;
	int verdict;                 /* what setup returns; >= 0 is a length for IN */
	uint8_t got[FG_CTRL_BUFSIZE];
	size_t got_len;
	unsigned control_outs;
};

static int rec_setup(void *state, const struct fg_setup *s, uint8_t *reply, size_t cap)
{
	struct recorder *r = state;

	r->last = *s;
	r->setups++;
	if (r->verdict > 0 && (s->request_type & USB_DIR_IN)) {
		assert_true((size_t)r->verdict <= cap);
		for (int i = 0; i < r->verdict; i++)
			reply[i] = (uint8_t)(i ^ 0x5a);
	}
	return r->verdict;
}

static int rec_control_out(void *state, const struct fg_setup *s, const uint8_t *data,
			   size_t len)
{
	struct recorder *r = state;

	(void)s;
	memcpy(r->got, data, len);
	r->got_len = len;
	r->control_outs++;
	return 0;
}

static const struct fg_personality recorder_personality = {
	.name = "recorder",
	.setup = rec_setup,
	.control_out = rec_control_out,
};

static void rec_on_event(void *ctx, enum fg_ep0_event ev)
{
	struct recorder *r = ctx;

	assert_true(r->seen_count < MAX_EVENTS);
	r->seen[r->seen_count++] = ev;
}

struct fixture {
	struct fake_ffs ffs;
	struct recorder rec;
	struct fg_ep0 ep0;
};

static int fixture_setup(void **state)
{
	struct fixture *fx = test_calloc(1, sizeof(*fx));
	struct fg_ep0_io io = { fake_read, fake_write, &fx->ffs };

	assert_int_equal(fg_ep0_init(&fx->ep0, &io, &recorder_personality, &fx->rec,
				     rec_on_event, &fx->rec), 0);
	*state = fx;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	fg_ep0_release(&fx->ep0);
	test_free(fx);
	return 0;
}

static void test_lifecycle_events_reach_the_engine_in_order(void **state)
{
	struct fixture *fx = *state;
	const uint8_t script[] = { FUNCTIONFS_BIND, FUNCTIONFS_ENABLE, FUNCTIONFS_DISABLE,
				   FUNCTIONFS_ENABLE, FUNCTIONFS_ENABLE, FUNCTIONFS_SUSPEND,
				   FUNCTIONFS_RESUME, FUNCTIONFS_UNBIND };
	const enum fg_ep0_event expected[] = { FG_EV_BIND, FG_EV_ENABLE, FG_EV_DISABLE,
					       FG_EV_ENABLE, FG_EV_ENABLE, FG_EV_SUSPEND,
					       FG_EV_RESUME, FG_EV_UNBIND };

	for (size_t i = 0; i < sizeof(script); i++)
		push_event(&fx->ffs, script[i]);
	assert_int_equal(service_all(&fx->ep0, &fx->ffs), 0);
	assert_int_equal(fx->rec.seen_count, sizeof(script));
	for (size_t i = 0; i < sizeof(script); i++)
		assert_int_equal(fx->rec.seen[i], expected[i]);
	assert_int_equal(fx->ep0.stats.events, sizeof(script));
}

static void test_in_reply_shorter_than_wlength_is_sent_whole(void **state)
{
	struct fixture *fx = *state;

	fx->rec.verdict = 10;
	push_setup(&fx->ffs, USB_DIR_IN | USB_TYPE_VENDOR, 0x42, 0x1234, 3, 64);
	assert_int_equal(service_all(&fx->ep0, &fx->ffs), 0);
	assert_int_equal(fx->rec.setups, 1);
	assert_int_equal(fx->rec.last.request, 0x42);
	assert_int_equal(fx->rec.last.value, 0x1234);
	assert_int_equal(fx->rec.last.index, 3);
	assert_int_equal(fx->rec.last.length, 64);
	assert_int_equal(fx->ffs.sends, 1);
	assert_int_equal(fx->ffs.sent_len, 10);
	assert_int_equal(fx->ffs.sent[9], 9 ^ 0x5a);
	assert_int_equal(fx->ffs.stalls, 0);
}

static void test_in_reply_longer_than_wlength_is_cut(void **state)
{
	struct fixture *fx = *state;

	fx->rec.verdict = 300;
	push_setup(&fx->ffs, USB_DIR_IN | USB_TYPE_VENDOR, 1, 0, 0, 7);
	assert_int_equal(service_all(&fx->ep0, &fx->ffs), 0);
	assert_int_equal(fx->ffs.sent_len, 7);
	assert_int_equal(fx->ep0.stats.in_bytes, 7);
}

static void test_refused_in_request_stalls_by_reading(void **state)
{
	struct fixture *fx = *state;

	fx->rec.verdict = -EOPNOTSUPP;
	push_setup(&fx->ffs, USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_INTERFACE, 0x01, 0, 0, 0xffff);
	assert_int_equal(service_all(&fx->ep0, &fx->ffs), 0);
	assert_int_equal(fx->ffs.stalls, 1);
	assert_int_equal(fx->ffs.sends, 0);
	assert_int_equal(fx->ep0.stats.stalls, 1);
	assert_int_equal(fx->ep0.stats.io_errors, 0);
}

static void test_refused_out_request_stalls_by_writing(void **state)
{
	struct fixture *fx = *state;

	fx->rec.verdict = -EINVAL;
	push_setup(&fx->ffs, USB_DIR_OUT | USB_TYPE_VENDOR, 0x5b, 0, 0, 16);
	assert_int_equal(service_all(&fx->ep0, &fx->ffs), 0);
	assert_int_equal(fx->ffs.stalls, 1);
	assert_int_equal(fx->rec.control_outs, 0);
}

static void test_out_data_stage_reaches_the_personality(void **state)
{
	struct fixture *fx = *state;
	uint8_t data[100];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(200 - i);
	fx->ffs.out_data = data;
	fx->ffs.out_len = sizeof(data);
	push_setup(&fx->ffs, USB_DIR_OUT | USB_TYPE_VENDOR, 0x5b, 0, 0, 60);
	assert_int_equal(service_all(&fx->ep0, &fx->ffs), 0);
	assert_int_equal(fx->rec.control_outs, 1);
	/* wLength bounds what is read, whatever the host has to offer. */
	assert_int_equal(fx->rec.got_len, 60);
	assert_memory_equal(fx->rec.got, data, 60);
	assert_int_equal(fx->ep0.stats.out_bytes, 60);
}

/* A read that claims more than wLength is refused, nothing reaches the personality. */
static void test_out_read_longer_than_wlength_is_refused(void **state)
{
	struct fixture *fx = *state;
	uint8_t data[16] = { 1, 2, 3 };

	fx->ffs.out_data = data;
	fx->ffs.out_len = sizeof(data);
	fx->ffs.read_overrun = 4;
	push_setup(&fx->ffs, USB_DIR_OUT | USB_TYPE_VENDOR, 0x5b, 0, 0, 16);
	assert_int_equal(service_all(&fx->ep0, &fx->ffs), 0);
	assert_int_equal(fx->rec.control_outs, 0);
	assert_int_equal(fx->ep0.stats.io_errors, 1);
	assert_int_equal(fx->ep0.stats.out_bytes, 0);
}

static void test_zero_length_out_is_acknowledged(void **state)
{
	struct fixture *fx = *state;

	push_setup(&fx->ffs, USB_DIR_OUT | USB_TYPE_VENDOR | USB_RECIP_INTERFACE, 0x10, 1, 0, 0);
	assert_int_equal(service_all(&fx->ep0, &fx->ffs), 0);
	assert_int_equal(fx->ffs.acks, 1);
	assert_int_equal(fx->ffs.stalls, 0);
	assert_int_equal(fx->rec.control_outs, 0);
}

static void test_cancelled_answer_is_counted_and_the_queue_goes_on(void **state)
{
	struct fixture *fx = *state;

	fx->rec.verdict = 4;
	fx->ffs.cancel_next_answer = true;
	push_setup(&fx->ffs, USB_DIR_IN | USB_TYPE_VENDOR, 0x01, 0, 0, 4);
	push_event(&fx->ffs, FUNCTIONFS_DISABLE);
	push_setup(&fx->ffs, USB_DIR_IN | USB_TYPE_VENDOR, 0x02, 0, 0, 4);
	assert_int_equal(service_all(&fx->ep0, &fx->ffs), 0);
	assert_int_equal(fx->ep0.stats.cancelled, 1);
	assert_int_equal(fx->ep0.stats.io_errors, 0);
	assert_int_equal(fx->rec.seen_count, 1);
	assert_int_equal(fx->rec.seen[0], FG_EV_DISABLE);
	assert_int_equal(fx->ffs.sends, 1);
	assert_int_equal(fx->rec.last.request, 0x02);
}

static void test_torn_event_read_is_a_protocol_error(void **state)
{
	struct fixture *fx = *state;

	fx->ffs.force_read_result = 5;
	assert_int_equal(fg_ep0_service(&fx->ep0), -EPROTO);
}

static void test_ep0_failure_is_returned(void **state)
{
	struct fixture *fx = *state;

	fx->ffs.force_read_result = -ENODEV;
	assert_int_equal(fg_ep0_service(&fx->ep0), -ENODEV);
}

static void test_short_batch_ends_the_service_call(void **state)
{
	struct fixture *fx = *state;

	push_event(&fx->ffs, FUNCTIONFS_BIND);
	push_event(&fx->ffs, FUNCTIONFS_ENABLE);
	assert_int_equal(fg_ep0_service(&fx->ep0), 0);
	assert_int_equal(fx->ffs.event_reads, 1);
	assert_int_equal(fx->rec.seen_count, 2);

	/* A full batch may hide more: read again, up to -EAGAIN. */
	for (int i = 0; i < 4; i++)
		push_event(&fx->ffs, FUNCTIONFS_SUSPEND);
	assert_int_equal(fg_ep0_service(&fx->ep0), 0);
	assert_int_equal(fx->ffs.event_reads, 3);
	assert_int_equal(fx->rec.seen_count, 6);
}

static void test_cancelled_setup_reported_on_event_read_is_survived(void **state)
{
	struct fixture *fx = *state;

	/* FunctionFS reports a SETUP cancelled under us on the next ep0 read. */
	fx->ffs.force_read_result = -EIDRM;
	push_event(&fx->ffs, FUNCTIONFS_ENABLE);
	assert_int_equal(fg_ep0_service(&fx->ep0), 0);
	assert_int_equal(fx->ep0.stats.cancelled, 1);
	assert_int_equal(fx->rec.seen_count, 1);
	assert_int_equal(fx->rec.seen[0], FG_EV_ENABLE);
}

static void test_unknown_event_type_is_ignored(void **state)
{
	struct fixture *fx = *state;

	push_event(&fx->ffs, 42);
	push_event(&fx->ffs, FUNCTIONFS_ENABLE);
	assert_int_equal(service_all(&fx->ep0, &fx->ffs), 0);
	assert_int_equal(fx->rec.seen_count, 1);
	assert_int_equal(fx->rec.seen[0], FG_EV_ENABLE);
}

static void test_no_personality_hook_means_stall(void **state)
{
	struct fake_ffs f = { 0 };
	struct fg_ep0 e0;
	struct fg_ep0_io io = { fake_read, fake_write, &f };
	static const struct fg_personality bare = { .name = "bare" };

	(void)state;
	assert_int_equal(fg_ep0_init(&e0, &io, &bare, NULL, NULL, NULL), 0);
	push_setup(&f, USB_DIR_IN | USB_TYPE_VENDOR, 0x5c, 0, 0, 8);
	push_setup(&f, USB_DIR_OUT | USB_TYPE_VENDOR, 0x5b, 0, 0, 0);
	assert_int_equal(service_all(&e0, &f), 0);
	assert_int_equal(f.stalls, 2);
	fg_ep0_release(&e0);
}

/* Gadget Zero through the dispatcher: usbtest's test 14 in miniature. */
static void test_gadget_zero_control_loopback(void **state)
{
	struct fake_ffs f = { 0 };
	struct fg_ep0 e0;
	struct fg_ep0_io io = { fake_read, fake_write, &f };
	struct fg_model model = { .source = "test" };
	void *zs = NULL;
	char err[256];
	uint8_t data[256];

	(void)state;
	assert_int_equal(fg_zero_personality.create(&model, &zs, err, sizeof(err)), 0);
	assert_int_equal(fg_ep0_init(&e0, &io, &fg_zero_personality, zs, NULL, NULL), 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	f.out_data = data;
	f.out_len = sizeof(data);
	push_setup(&f, USB_DIR_OUT | USB_TYPE_VENDOR, 0x5b, 0, 0, 200);
	push_setup(&f, USB_DIR_IN | USB_TYPE_VENDOR, 0x5c, 0, 0, 200);
	/* Hostile: more than the 4 KiB buffer, a nonzero wValue, wrong direction. */
	push_setup(&f, USB_DIR_IN | USB_TYPE_VENDOR, 0x5c, 0, 0, 0xffff);
	push_setup(&f, USB_DIR_OUT | USB_TYPE_VENDOR, 0x5b, 0, 0, 4097);
	push_setup(&f, USB_DIR_IN | USB_TYPE_VENDOR, 0x5c, 1, 0, 4);
	push_setup(&f, USB_DIR_IN | USB_TYPE_VENDOR, 0x5b, 0, 0, 4);
	push_setup(&f, USB_DIR_IN | USB_TYPE_STANDARD, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, 18);
	assert_int_equal(service_all(&e0, &f), 0);
	assert_int_equal(f.sends, 1);
	assert_int_equal(f.sent_len, 200);
	assert_memory_equal(f.sent, data, 200);
	assert_int_equal(f.stalls, 5);
	assert_int_equal(e0.stats.setups, 7);
	fg_ep0_release(&e0);
	fg_zero_personality.destroy(zs);
}

static void test_deferred_in_request_is_answered_later_and_blocks_reads(void **state)
{
	struct fixture *fx = *state;
	const uint8_t reply[] = { 1, 2, 3, 4, 5 };
	unsigned reads;

	fx->rec.verdict = FG_SETUP_DEFER;
	push_setup(&fx->ffs, USB_DIR_IN | USB_TYPE_VENDOR, 0x42, 0, 0, 64);
	push_event(&fx->ffs, FUNCTIONFS_SUSPEND);
	assert_int_equal(fg_ep0_service(&fx->ep0), 0);
	assert_true(fx->ep0.deferred);
	assert_int_equal(fx->ffs.sends + fx->ffs.stalls, 0);
	/* Any read now would answer the request: service must not read. */
	reads = fx->ffs.event_reads;
	assert_int_equal(fg_ep0_service(&fx->ep0), 0);
	assert_int_equal(fx->ffs.event_reads, reads);
	assert_int_equal(fx->rec.seen_count, 0);

	assert_int_equal(fg_ep0_answer_deferred(&fx->ep0, reply, sizeof(reply)), 0);
	assert_false(fx->ep0.deferred);
	assert_int_equal(fx->ffs.sends, 1);
	assert_int_equal(fx->ffs.sent_len, sizeof(reply));
	assert_memory_equal(fx->ffs.sent, reply, sizeof(reply));
	assert_int_equal(fg_ep0_answer_deferred(&fx->ep0, reply, 1), -ENOENT);

	assert_int_equal(service_all(&fx->ep0, &fx->ffs), 0);
	assert_int_equal(fx->rec.seen_count, 1);
	assert_int_equal(fx->rec.seen[0], FG_EV_SUSPEND);
}

static void test_deferred_requests_stall_or_accept_in_the_right_direction(void **state)
{
	struct fixture *fx = *state;
	const uint8_t data[] = { 0x80, 0x25, 0, 0 };

	fx->rec.verdict = FG_SETUP_DEFER;
	push_setup(&fx->ffs, USB_DIR_IN | USB_TYPE_VENDOR, 0x42, 0, 0, 64);
	assert_int_equal(fg_ep0_service(&fx->ep0), 0);
	assert_int_equal(fg_ep0_answer_deferred(&fx->ep0, NULL, -ETIMEDOUT), 0);
	assert_int_equal(fx->ffs.stalls, 1);
	assert_int_equal(fx->ffs.sends, 0);

	push_setup(&fx->ffs, USB_DIR_OUT | USB_TYPE_VENDOR, 0x07, 0x0101, 0, 0);
	assert_int_equal(fg_ep0_service(&fx->ep0), 0);
	assert_int_equal(fg_ep0_answer_deferred(&fx->ep0, NULL, -EPERM), 0);
	assert_int_equal(fx->ffs.stalls, 2);
	assert_int_equal(fx->ffs.acks, 0);

	push_setup(&fx->ffs, USB_DIR_OUT | USB_TYPE_VENDOR, 0x07, 0x0101, 0, 0);
	assert_int_equal(fg_ep0_service(&fx->ep0), 0);
	assert_int_equal(fg_ep0_answer_deferred(&fx->ep0, NULL, 0), 0);
	assert_int_equal(fx->ffs.acks, 1);

	fx->ffs.out_data = data;
	fx->ffs.out_len = sizeof(data);
	push_setup(&fx->ffs, USB_DIR_OUT | USB_TYPE_VENDOR, 0x1e, 0, 0, 4);
	assert_int_equal(fg_ep0_service(&fx->ep0), 0);
	assert_int_equal(fx->rec.control_outs, 0);
	assert_int_equal(fg_ep0_answer_deferred(&fx->ep0, NULL, 0), 0);
	assert_int_equal(fx->rec.control_outs, 1);
	assert_int_equal(fx->rec.got_len, 4);
	assert_memory_equal(fx->rec.got, data, 4);
	assert_int_equal(fx->ep0.stats.stalls, 2);
	assert_int_equal(fx->ep0.stats.setups, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifecycle_events_reach_the_engine_in_order,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_in_reply_shorter_than_wlength_is_sent_whole,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_in_reply_longer_than_wlength_is_cut,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_refused_in_request_stalls_by_reading,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_refused_out_request_stalls_by_writing,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_out_data_stage_reaches_the_personality,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_out_read_longer_than_wlength_is_refused,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_zero_length_out_is_acknowledged,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cancelled_answer_is_counted_and_the_queue_goes_on,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_torn_event_read_is_a_protocol_error,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_ep0_failure_is_returned,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_short_batch_ends_the_service_call,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cancelled_setup_reported_on_event_read_is_survived,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_event_type_is_ignored,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_deferred_in_request_is_answered_later_and_blocks_reads,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_deferred_requests_stall_or_accept_in_the_right_direction,
			fixture_setup, fixture_teardown),
		cmocka_unit_test(test_no_personality_hook_means_stall),
		cmocka_unit_test(test_gadget_zero_control_loopback),
	};

	return cmocka_run_group_tests_name("ep0", tests, NULL, NULL);
}
