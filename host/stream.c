/* SPDX-License-Identifier: MIT */
/*
 * The asynchronous transfer engine behind read, write and stream.
 *
 * Each stream owns cfg.queue transfers, each with its own buffer.  Lifecycle
 * of one transfer (libusb io.c's model):
 *   idle      allocated and filled; the stream owns the buffer
 *   busy      submitted: libusb and the kernel own the buffer until the
 *             callback runs; nothing here may touch it
 *   callback  runs inside libusb_handle_events_*(): the stream owns the buffer
 *             again, accounts the result, and either submits the transfer
 *             again (OUT buffers refilled first) or leaves it idle
 * A transfer is freed only while idle.  Stopping (count reached, --seconds,
 * SIGINT, a fatal status on any stream) means: no more submissions, cancel
 * what is busy, keep handling events until every callback has run.
 *
 * Statuses: COMPLETED is accounted and verified; CANCELLED is accounted (its
 * data is real) but is not a transfer.  A cancelled iso transfer is serviced
 * up to some packet and not after: Linux's usbfs leaves the status and
 * length of the slots never serviced as the kernel's memory happened to
 * hold them (usb_alloc_urb does not clear the packet descriptors, and an
 * HCD such as dummy_hcd does not write them on unlink), often a previous
 * transfer's "completed, full".  So with isostream's stamps (--pattern seq)
 * its packets count up to the last one whose stamp continues the sequence
 * exactly (its data is new, so the bus carried it), and are verified like
 * any: those sequence numbers are not lost.  The slots after that packet,
 * and a cancelled iso transfer without stamps to tell, are not counted at
 * all.  TIMED_OUT, ERROR and OVERFLOW count as
 * errors and the stream carries on unless they repeat; STALL stops the stream
 * (clearing a halt is synchronous, impossible in a callback); NO_DEVICE
 * marks the device lost and stops everything.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fgh.h"
#include "isostream_wire.h"

#define MAX_CONSECUTIVE_ERRORS 10
#define CANCEL_GRACE_NS (5 * UINT64_C(1000000000))

struct fgh_xfer {
	struct fgh_stream *s;
	struct libusb_transfer *t;
	uint64_t submit_ns;
	bool busy;
};

const struct libusb_transfer *fgh_stream_transfer(const struct fgh_stream *s, unsigned i)
{
	return i < s->nx ? s->x[i].t : NULL;
}

static bool is_iso(const struct fgh_stream *s)
{
	return s->cfg.ep.type == LIBUSB_ENDPOINT_TRANSFER_TYPE_ISOCHRONOUS;
}

static void fill_out(struct fgh_stream *s, struct libusb_transfer *t)
{
	uint64_t now = fgh_now_ns();

	if (!is_iso(s)) {
		fgh_pattern_fill(&s->pat, t->buffer, (size_t)t->length, now);
		return;
	}
	for (int i = 0; i < t->num_iso_packets; i++)
		fgh_pattern_fill(&s->pat, t->buffer + (size_t)i * s->iso_len, s->iso_len, now);
}

static void LIBUSB_CALL on_complete(struct libusb_transfer *t);

int fgh_stream_init(struct fgh_stream *s, libusb_device_handle *h, const struct fgh_stream_cfg *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->h = h;
	uint16_t maxp = fgh_maxpacket(cfg->ep.wMaxPacketSize);
	if (!maxp || !cfg->queue || (is_iso(s) && !cfg->iso_packets) || (!is_iso(s) && !cfg->size))
		return LIBUSB_ERROR_INVALID_PARAM;

	size_t length = cfg->size;
	int packets = 0;
	if (is_iso(s)) {
		int max = libusb_get_max_iso_packet_size(libusb_get_device(h), cfg->ep.addr);
		if (max <= 0)
			return max < 0 ? max : LIBUSB_ERROR_INVALID_PARAM;
		s->iso_len = cfg->size ? cfg->size : (size_t)max;
		packets = (int)cfg->iso_packets;
		length = s->iso_len * cfg->iso_packets;
	}
	if (length > INT32_MAX)
		return LIBUSB_ERROR_INVALID_PARAM;
	if (fgh_pattern_init(&s->pat, cfg->pattern, maxp) < 0)
		return LIBUSB_ERROR_NO_MEM;
	s->x = calloc(cfg->queue, sizeof(*s->x));
	if (!s->x)
		return LIBUSB_ERROR_NO_MEM;
	s->nx = cfg->queue;
	for (unsigned i = 0; i < s->nx; i++) {
		struct fgh_xfer *x = &s->x[i];
		uint8_t *buf = calloc(1, length ? length : 1);

		x->s = s;
		x->t = libusb_alloc_transfer(packets);
		if (!x->t || !buf) {
			free(buf);
			return LIBUSB_ERROR_NO_MEM;
		}
		switch (cfg->ep.type) {
		case LIBUSB_ENDPOINT_TRANSFER_TYPE_ISOCHRONOUS:
			libusb_fill_iso_transfer(x->t, h, cfg->ep.addr, buf, (int)length, packets,
						 on_complete, x, cfg->timeout_ms);
			libusb_set_iso_packet_lengths(x->t, (unsigned)s->iso_len);
			break;
		case LIBUSB_ENDPOINT_TRANSFER_TYPE_INTERRUPT:
			libusb_fill_interrupt_transfer(x->t, h, cfg->ep.addr, buf, (int)length,
						       on_complete, x, cfg->timeout_ms);
			break;
		default:
			libusb_fill_bulk_transfer(x->t, h, cfg->ep.addr, buf, (int)length,
						  on_complete, x, cfg->timeout_ms);
			break;
		}
		if (!fgh_stream_is_in(s))
			fill_out(s, x->t);
	}
	return 0;
}

void fgh_stream_free(struct fgh_stream *s)
{
	for (unsigned i = 0; i < s->nx; i++) {
		struct fgh_xfer *x = &s->x[i];

		if (!x->t || x->busy)   /* busy: libusb still owns it; leak rather than corrupt */
			continue;
		free(x->t->buffer);
		libusb_free_transfer(x->t);
	}
	free(s->x);
	s->x = NULL;
	s->nx = 0;
	fgh_pattern_free(&s->pat);
}

static bool want_more(const struct fgh_stream *s)
{
	return !s->stopping && (!s->cfg.count || s->submitted < s->cfg.count);
}

static int submit(struct fgh_xfer *x)
{
	struct fgh_stream *s = x->s;

	if (!fgh_stream_is_in(s) && s->cfg.pattern == FGH_PATTERN_SEQ)
		fill_out(s, x->t);
	x->submit_ns = fgh_now_ns();
	int r = libusb_submit_transfer(x->t);
	if (r < 0) {
		s->stopping = true;
		if (r == LIBUSB_ERROR_NO_DEVICE)
			s->lost = true;
		else
			s->c.errors++;
		s->last_error = r;
		return r;
	}
	if (!s->c.first_ns)
		s->c.first_ns = x->submit_ns;
	x->busy = true;
	s->in_flight++;
	s->submitted++;
	return 0;
}

/* Bytes, short counts and verification of the data a transfer (its first packets) moved. */
static void account(struct fgh_stream *s, struct libusb_transfer *t, bool count_short,
		    int packets)
{
	bool in = fgh_stream_is_in(s);

	if (in && s->cfg.pattern == FGH_PATTERN_SEQ) {
		s->pat.now_ns = fgh_now_ns();
		s->pat.stamp_age = &s->c.stamp_age;
	}

	if (!is_iso(s)) {
		s->c.bytes += (uint64_t)t->actual_length;
		if (count_short && t->actual_length < t->length)
			s->c.short_transfers++;
		if (in)
			s->c.mismatched += fgh_pattern_check(&s->pat, t->buffer, (size_t)t->actual_length);
		return;
	}
	for (int i = 0; i < packets; i++) {
		const struct libusb_iso_packet_descriptor *d = &t->iso_packet_desc[i];

		s->c.packets++;
		if (d->status != LIBUSB_TRANSFER_COMPLETED) {
			s->c.packet_errors++;
			continue;
		}
		s->c.bytes += d->actual_length;
		if (d->actual_length < d->length)
			s->c.short_packets++;
		if (!d->actual_length) {
			/* where: a start-up gap and a steady loss read alike as a count */
			if (!s->c.empty_packets++)
				s->c.first_empty = s->c.packets - 1;
			s->c.last_empty = s->c.packets - 1;
		}
		if (in && d->actual_length <= s->iso_len)
			s->c.mismatched += fgh_pattern_check(
				&s->pat, libusb_get_iso_packet_buffer_simple(t, (unsigned)i),
				d->actual_length);
	}
}

/*
 * A cancelled iso transfer's serviced packets (see the top): up to the last
 * whose stamps continue the sequence from the next number expected.
 */
static int iso_packets_serviced(const struct fgh_stream *s, struct libusb_transfer *t)
{
	uint16_t chunk = s->pat.maxpacket;
	uint32_t next = s->pat.seq.next;
	int serviced = 0;

	if (s->cfg.pattern != FGH_PATTERN_SEQ || !s->pat.seq.started || !chunk)
		return 0;
	for (int i = 0; i < t->num_iso_packets; i++) {
		const struct libusb_iso_packet_descriptor *d = &t->iso_packet_desc[i];
		const uint8_t *p = libusb_get_iso_packet_buffer_simple(t, (unsigned)i);
		uint32_t seq;
		uint64_t stamp;

		if (d->status != LIBUSB_TRANSFER_COMPLETED || d->actual_length > s->iso_len)
			break;
		if (!d->actual_length)
			continue;
		for (size_t off = 0; off < d->actual_length; off += chunk) {
			size_t n = d->actual_length - off < chunk ? d->actual_length - off : chunk;

			if (iso_stamp_read(p + off, n, &seq, &stamp) < 0 || seq != next)
				return serviced;
			next++;
		}
		serviced = i + 1;
	}
	return serviced;
}

void fgh_stream_account(struct fgh_stream *s, struct libusb_transfer *t)
{
	switch (t->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		account(s, t, true, t->num_iso_packets);
		break;
	case LIBUSB_TRANSFER_CANCELLED:
		account(s, t, false, is_iso(s) ? iso_packets_serviced(s, t) : 0);
		break;
	case LIBUSB_TRANSFER_NO_DEVICE:
	case LIBUSB_TRANSFER_STALL:
		break;
	default:   /* TIMED_OUT, ERROR, OVERFLOW */
		if (!is_iso(s))
			account(s, t, false, 0);
		break;
	}
}

static void LIBUSB_CALL on_complete(struct libusb_transfer *t)
{
	struct fgh_xfer *x = t->user_data;
	struct fgh_stream *s = x->s;
	uint64_t now = fgh_now_ns();

	x->busy = false;
	s->in_flight--;
	s->c.last_ns = now;
	switch (t->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		s->c.transfers++;
		fgh_hist_add(&s->c.latency, now - x->submit_ns);
		fgh_stream_account(s, t);
		s->consecutive_errors = 0;
		break;
	case LIBUSB_TRANSFER_CANCELLED:
		s->c.cancelled++;
		fgh_stream_account(s, t);
		break;
	case LIBUSB_TRANSFER_NO_DEVICE:
		s->lost = true;
		s->stopping = true;
		break;
	case LIBUSB_TRANSFER_STALL:
		s->c.errors++;
		s->stalled = true;
		s->stopping = true;
		s->last_error = (int)t->status;
		break;
	default:   /* TIMED_OUT, ERROR, OVERFLOW */
		s->c.errors++;
		s->last_error = (int)t->status;
		fgh_stream_account(s, t);
		if (++s->consecutive_errors >= MAX_CONSECUTIVE_ERRORS)
			s->stopping = true;
		break;
	}
	if (want_more(s))
		submit(x);
}

static unsigned in_flight(struct fgh_stream *const *s, size_t n)
{
	unsigned total = 0;

	for (size_t i = 0; i < n; i++)
		total += s[i]->in_flight;
	return total;
}

static void cancel_all(struct fgh_stream *const *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		s[i]->stopping = true;
		for (unsigned j = 0; j < s[i]->nx; j++)
			if (s[i]->x[j].busy)
				libusb_cancel_transfer(s[i]->x[j].t);
	}
}

enum fgh_run_result fgh_run(libusb_context *ctx, struct fgh_stream *const *s, size_t n,
			    const struct fgh_run_opts *o)
{
	uint64_t start = fgh_now_ns();
	uint64_t deadline = o->seconds > 0 ? start + (uint64_t)(o->seconds * 1e9) : 0;
	uint64_t next_live = start + 1000000000u;
	uint64_t cancel_at = 0;
	bool interrupted = false, lost = false, failed = false, live_printed = false;

	for (size_t i = 0; i < n; i++) {
		s[i]->live_ns = start;
		for (unsigned j = 0; j < s[i]->nx && want_more(s[i]); j++)
			submit(&s[i]->x[j]);
	}
	while (in_flight(s, n) > 0) {
		struct timeval tv = { 0, 100000 };
		int r = libusb_handle_events_timeout_completed(ctx, &tv, NULL);
		uint64_t now = fgh_now_ns();

		if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED && r != LIBUSB_ERROR_TIMEOUT) {
			fprintf(stderr, "ffsgadget-host: event handling failed: %s\n",
				libusb_strerror(r));
			failed = true;
		}
		bool stop = failed || (deadline && now >= deadline);
		if (o->stop && *o->stop) {
			interrupted = true;
			stop = true;
		}
		for (size_t i = 0; i < n; i++)
			stop = stop || s[i]->stopping;
		if (stop && !cancel_at) {
			cancel_at = now;
			cancel_all(s, n);
		}
		if (cancel_at && now - cancel_at > CANCEL_GRACE_NS) {
			fprintf(stderr, "ffsgadget-host: %u transfers did not finish after cancel\n",
				in_flight(s, n));
			failed = true;
			break;
		}
		if (o->live && now >= next_live) {
			fgh_live_line(o->live, s, n, now);
			live_printed = true;
			next_live = now + 1000000000u;
		}
	}
	if (live_printed)
		fputs("\r\033[K", o->live);   /* the summary replaces the live line */
	bool errors = false;
	for (size_t i = 0; i < n; i++) {
		lost = lost || s[i]->lost;
		errors = errors || s[i]->c.errors;
	}
	if (!lost && errors && n > 0 && in_flight(s, n) == 0)
		lost = fgh_device_gone(s[0]->h, 500);
	if (lost)
		return FGH_RUN_LOST;
	if (interrupted)
		return FGH_RUN_INTERRUPTED;
	return failed ? FGH_RUN_ERROR : FGH_RUN_DONE;
}

bool fgh_device_gone(libusb_device_handle *h, unsigned ms)
{
	const struct timespec pause = { 0, 50 * 1000000L };
	uint8_t status[2];

	for (unsigned waited = 0;; waited += 50) {
		int r = libusb_control_transfer(h, LIBUSB_ENDPOINT_IN, LIBUSB_REQUEST_GET_STATUS, 0, 0,
						status, sizeof(status), 200);
		if (r == LIBUSB_ERROR_NO_DEVICE)
			return true;
		if (waited >= ms)
			return false;
		nanosleep(&pause, NULL);
	}
}
