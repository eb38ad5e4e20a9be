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
 * Iso streams count the service intervals in which the kernel held no
 * request (IN: the host got a zero-length packet; OUT: its data was
 * dropped): a slow personality, a source with nothing to send, or a daemon
 * that reaps late, the usual cause.  No FunctionFS call tells when the bus
 * took a request, and the times of the daemon's own submissions are no
 * guide to it: a UDC may serve late intervals in a burst (dummy_hcd under
 * emulation does), taking a request submitted now for an interval that
 * began before, and f_fs completes requests from a workqueue, so the
 * daemon may see a request in flight that the bus took milliseconds ago.
 * Counting each episode from the submission that refilled the ring read
 * low (15648 of 20376 in one loaded run).  What holds is the bus's own
 * identity: while the host polls, every interval takes one request or is
 * empty.  So a run counts the intervals elapsed less the requests taken,
 * window by window between reaps (submissions follow reaps): a window
 * after which requests are still queued adds nothing yet (as far as the
 * daemon sees, nothing was empty; a ring that never runs dry counts no
 * underrun), and carries its balance to the next window that ends with the
 * ring dry, so that the errors of single windows cancel and only the run's
 * two ends carry one.  A run ends when the host stops polling: requests
 * stay queued, none taken, for longer than FG_STREAM_PAUSE_NS.  The
 * device's clock drifts from the host's by their crystals' tolerance
 * (100 ppm: 8 intervals in 10 s at high speed); intervals a bus never ran
 * (dummy_hcd's "slipped") or the host did not poll count as empty when the
 * ring went dry after them; a host that pauses while the ring is empty and
 * the personality has nothing to send cannot be told from underruns.
 *
 * DMABUF path (ffs/dmabuf.h): once the engine attaches a udmabuf per
 * request (fg_stream_dmabuf_attach), a request goes in flight with
 * FUNCTIONFS_DMABUF_TRANSFER instead of io_submit, its buf is the buffer's
 * mapping, and it completes when its dma-buf's fence is signalled (the
 * engine watches each dma-buf, armed one-shot per transfer).  IN data is
 * written only when fill_in is told to refill (the mapping keeps it), so
 * only personalities that refill only then take it (fg_personality.dmabuf).
 * OUT completions carry no length: counted as lengthless transfers, no
 * bytes, and consume_out is not called.
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

#include "ffs/dmabuf.h"
#include "ffs/personality.h"
#include "ffs/watch.h"

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
	uint64_t lengthless;       /* DMABUF OUT: completed, the kernel told no length */
};

/* How an endpoint's requests reach the kernel. */
enum fg_stream_path { FG_PATH_AIO, FG_PATH_DMABUF };

struct fg_stream;

struct fg_request {
	struct iocb iocb;
	struct fg_stream *stream;
	uint8_t *buf;              /* aio_buf, or dmabuf.map on the DMABUF path */
	uint8_t *aio_buf;
	size_t len;                /* bytes asked for in the current submission */
	/* DMABUF path: the buffer, its watch (ctx: this request), the in-flight fence's sync_file or -1. */
	struct fg_dmabuf dmabuf;
	struct fg_watch watch;
	int sync_fd;
	unsigned generation;       /* stream generation whose data the buffer holds */
	unsigned index;            /* in stream->reqs */
	bool in_flight;
	bool iocb_ready;           /* iocb prepared for len bytes: resubmitted as it is */
};

struct fg_stream {
	int fd;                    /* the FunctionFS epN file */
	struct fg_ep_info info;
	bool in;                   /* fg_ep_is_in(info.desc), asked once per packet otherwise */
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
	 * (up to 1024 requests deep) for the few that came back, and the
	 * buffer reused next is the one most recently touched.
	 */
	unsigned *idle;
	unsigned idle_count;
	unsigned in_flight;
	bool enabled;
	bool held;                 /* OUT: idle requests stay idle (fg_engine_hold) */
	unsigned generation;       /* bumped on every enable: speed may have changed */
	enum fg_stream_path path;
	int epoll_fd;              /* DMABUF: the engine's epoll, where each dma-buf is watched */
	void *owner;               /* DMABUF: the engine, for the watch callback */
	struct fg_stream_stats stats;
	/* stats.submit_failures when the current run of refusals began; 0: none. */
	uint64_t refused_since;
	/*
	 * Iso: the current run of polling (see above): whether one is on, the
	 * last reap, the last reap that found requests taken, the balance
	 * carried from windows that ended with requests queued, and the empty
	 * time so far.
	 */
	bool run_on;
	unsigned run_generation;
	uint64_t last_reap_ns;
	uint64_t last_take_ns;
	int64_t carry_ns;
	int64_t idle_ns;
	unsigned taken_in_reap;    /* completions of the reap in progress */
};

/* Allocates depth requests of buffer_size bytes; page-aligned buffers. */
int fg_stream_init(struct fg_stream *s, int fd, const struct fg_endpoint *desc, size_t index);
void fg_stream_release(struct fg_stream *s);

/*
 * Puts every idle request in flight (a stream on the AIO path): asks the
 * personality for IN data, then one io_submit for the batch.  -EAGAIN from the kernel (endpoint not
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

/*
 * Iso: the host has not polled for this long with requests queued and
 * none taken: a pause, not underruns.  Generous: a UDC late by a few
 * milliseconds (dummy_hcd catches up at most 8 ms) must not end a run.
 */
#define FG_STREAM_PAUSE_NS 100000000u

/*
 * Iso: one reap done at now_ns (its completions already passed to
 * fg_stream_complete, nothing resubmitted yet): updates the run and
 * stats.ep.idle_intervals.
 */
void fg_stream_observe(struct fg_stream *s, uint64_t now_ns);

/*
 * DMABUF (ffs/dmabuf.h).  attach: a udmabuf of buffer_size for every
 * request, each attached to the endpoint and watched in epoll_fd (ready is
 * called with the request when its transfer's fence is signalled); the
 * stream then takes the DMABUF path.  Only with nothing in flight.  On any
 * refusal everything done is undone, the stream stays on AIO, and the
 * negative errno of the first refusal is returned.
 * detach (only while bound, dmabuf.h): back to AIO, buffers detached and
 * released; requests in flight
 * are dequeued by the kernel and counted cancelled here (their fences
 * are not waited for: the kernel keeps the pages until they complete).
 * complete: the fence of r's transfer was signalled: its status is read
 * and r completes as fg_stream_complete; 0, or -EINPROGRESS when the fence
 * is still pending (a stale wakeup: r is armed again).
 */
/* NULL when endpoint ep of personality p may take the DMABUF path, else why not. */
const char *fg_stream_dmabuf_ineligible(const struct fg_personality *p,
					const struct fg_endpoint *ep);
int fg_stream_dmabuf_attach(struct fg_stream *s, int udmabuf_fd, int epoll_fd, void *owner,
			    void (*ready)(void *request, int fd));
void fg_stream_dmabuf_detach(struct fg_stream *s, const struct fg_personality *p, void *pstate);
int fg_stream_dmabuf_complete(struct fg_request *r, const struct fg_personality *p,
			      void *pstate);

/*
 * For the DMABUF path (stream_dmabuf.c): fill asks the personality for
 * r's IN data (*next_len: its length; false: nothing to send) or sizes an
 * OUT read; submit_idle is fg_stream_submit_idle for a stream on the
 * DMABUF path.
 */
bool fg_stream_fill(struct fg_stream *s, struct fg_request *r, const struct fg_personality *p,
		    void *pstate, size_t *next_len);
int fg_stream_dmabuf_submit_idle(struct fg_stream *s, const struct fg_personality *p,
				 void *pstate);

/* Accounts one reaped completion; the request becomes idle. */
void fg_stream_complete(struct fg_request *r, long res, const struct fg_personality *p,
			void *pstate);

#endif
