/* SPDX-License-Identifier: MIT */
/*
 * Streams: one ring of in-flight AIO requests per data endpoint.
 *
 * Request lifecycle (who owns the buffer when):
 *   IDLE     the engine owns it.  fill_in may write it (IN).
 *   IN FLIGHT  submitted with io_submit; the kernel owns it until the
 *            completion is reaped from the shared io context.  Completions
 *            are signalled on the engine's eventfd (IOCB_FLAG_RESFD).
 *   REAPED   res >= 0: bytes moved (OUT: handed to consume_out, then the
 *            buffer is reused).  res < 0: -ESHUTDOWN / -ECONNRESET mean the
 *            endpoint was disabled or the request cancelled (host reset,
 *            SET_INTERFACE, unbind); anything else is an error, counted.
 *            Either way the request goes back to IDLE and, while the stream
 *            is enabled, straight back in flight.
 *
 * Iso streams count the service intervals during which the ring was empty
 * (all requests completed, none resubmitted: a slow personality, a source
 * with nothing to send, or a daemon that reaps late), from the moment the
 * kernel sent the last queued request to the next submission.  The bus
 * takes one request per service interval, so the kernel's queue runs dry
 * at the latest submission's time plus one interval per request then in
 * flight; the reap that shows the ring empty may come much later (a late
 * daemon, the usual cause of underruns), and counting from the reap would
 * miss that time.  The count assumes the host polls every interval while
 * the ring is empty (as it must for the ring to have drained); a ring that
 * never empties counts nothing.  It remains an estimate from the daemon's
 * clock: with dummy_hcd under TCG, whose timer services late microframes in
 * bursts, a source throttled to 1000 packets a second counted 15648
 * underruns where the host and dummy_hcd saw 20376 empty intervals, in
 * another run 20440 of 20932: how low depends on the load.
 *
 * Endpoint files are non-blocking: submitting on a disabled endpoint fails
 * at once with -EAGAIN instead of blocking the loop, and the request stays
 * IDLE until the next ENABLE.  Any other refusal (f_fs's -ENOMEM when it
 * cannot allocate the request's kernel buffer) also leaves it IDLE: the
 * engine tries again on its retry timer, since a drained ring has no
 * completion left to resubmit on.
 */
#ifndef FFSGADGET_STREAM_H
#define FFSGADGET_STREAM_H

#include <libaio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ffs/personality.h"

struct fg_stream_stats {
	/*
	 * What personalities read (fg_engine_counters): bytes, transfers,
	 * short_transfers (fewer bytes than requested), errors (other than a
	 * cancel), idle_intervals (iso: intervals with the ring empty, see
	 * below) and last_error.
	 */
	struct fg_ep_counters ep;
	uint64_t cancelled;        /* -ESHUTDOWN / -ECONNRESET: disable, reset, unbind */
	uint64_t submit_failures;  /* io_submit refused (other than disabled) */
};

struct fg_stream;

struct fg_request {
	struct iocb iocb;
	struct fg_stream *stream;
	uint8_t *buf;
	size_t len;                /* bytes asked for in the current submission */
	unsigned generation;       /* stream generation whose data the buffer holds */
	unsigned index;            /* in stream->reqs */
	bool in_flight;
};

struct fg_stream {
	int fd;                    /* the FunctionFS epN file */
	struct fg_ep_info info;
	/*
	 * The bEndpointAddress the UDC assigned, which the host sees
	 * (FUNCTIONFS_ENDPOINT_DESC at enable; 0 before): the description's
	 * address is a request, and usb_ep_autoconfig may pick another.
	 */
	uint8_t bus_address;
	size_t buffer_size;
	unsigned depth;
	struct fg_request *reqs;
	/*
	 * The idle requests' indexes, a stack of idle_count (of depth slots):
	 * completion pushes, submission pops, so neither scans the whole ring
	 * (1024 requests deep for iso) for the few that came back, and the
	 * buffer reused next is the one most recently touched.
	 */
	unsigned *idle;
	unsigned idle_count;
	unsigned in_flight;
	bool enabled;
	bool held;                 /* OUT: idle requests stay idle (fg_engine_hold) */
	unsigned generation;       /* bumped on every enable: speed may have changed */
	struct fg_stream_stats stats;
	/* stats.submit_failures when the current run of refusals began; 0: none. */
	uint64_t refused_since;
	/*
	 * Iso: when the last in-flight request was reaped (0: the ring is not
	 * empty).  The next submission adds the elapsed service intervals,
	 * rounded, to idle_intervals: the kernel held nothing that long.
	 */
	uint64_t empty_since_ns;
	unsigned empty_generation;
	/* Iso: when the latest io_submit succeeded, and how many were in flight after it. */
	uint64_t submitted_ns;
	unsigned queued_at_submit;
};

/* Allocates depth requests of buffer_size bytes; page-aligned buffers. */
int fg_stream_init(struct fg_stream *s, int fd, const struct fg_endpoint *desc, size_t index);
void fg_stream_release(struct fg_stream *s);

/*
 * Puts every idle request in flight: asks the personality for IN data, then
 * one io_submit for the batch.  -EAGAIN from the kernel (endpoint not
 * enabled) leaves the rest idle and is not an error.
 */
int fg_stream_submit_idle(struct fg_stream *s, io_context_t ctx, int resfd,
			  const struct fg_personality *p, void *pstate);

/*
 * Cancels every request in flight (io_cancel: f_fs dequeues it, and it
 * completes through the ring with -ECONNRESET, then is refilled like any
 * other).  For iso after an ENABLE: a request holds one interval's data
 * for the moment it was filled, and the host selecting an alt setting
 * (each SET_INTERFACE is an ENABLE, without the alt number) must not be
 * sent what was filled before it.  Returns the requests cancelled.
 */
unsigned fg_stream_cancel_in_flight(struct fg_stream *s, io_context_t ctx);

/* Accounts one reaped completion; the request becomes idle. */
void fg_stream_complete(struct fg_request *r, long res, const struct fg_personality *p,
			void *pstate);

#endif
