/* SPDX-License-Identifier: MIT */
/*
 * The engine's API as a personality sees it.
 *
 * A personality (Gadget Zero, isostream, HID, ...) is one file that fills in
 * a struct fg_personality.  It never touches FunctionFS: the engine owns ep0,
 * the endpoint files and the AIO rings, and calls these hooks from its single
 * event loop thread, so hooks need no locking and must not block.
 */
#ifndef FFSGADGET_PERSONALITY_H
#define FFSGADGET_PERSONALITY_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "description/model.h"

/* A setup packet in host byte order. */
struct fg_setup {
	uint8_t request_type;   /* bmRequestType */
	uint8_t request;        /* bRequest */
	uint16_t value;         /* wValue */
	uint16_t index;         /* wIndex, function-relative (FunctionFS rewrites it) */
	uint16_t length;        /* wLength */
};

/* A live endpoint, as enabled at the current speed. */
struct fg_ep_info {
	const struct fg_endpoint *desc;
	size_t index;           /* 0-based: FunctionFS file ep(index+1) */
	/*
	 * bEndpointAddress as the host sees it: the UDC's autoconfig may give
	 * another number than the description's (FUNCTIONFS_ENDPOINT_DESC
	 * tells it once enabled; the description's until then).
	 */
	uint8_t address;
	enum fg_speed_index speed;  /* the speed the host runs the function at */
	uint16_t maxpacket;     /* bits 10:0 of wMaxPacketSize at the current speed */
	uint8_t mult;           /* transactions per interval at the current speed, 1..3 */
	/*
	 * Bytes per request at the current speed: for iso endpoints one
	 * service interval (maxpacket x mult x SS burst, capped by the
	 * description's buffer), since a request is one interval's packet;
	 * for bulk and interrupt the description's buffer size.
	 */
	size_t transfer_size;
	/* Interrupt and iso: the service interval at the current speed, in microseconds. */
	uint32_t interval_us;
	/*
	 * For fill_in: CLOCK_MONOTONIC in nanoseconds when the engine began
	 * this batch of submissions.  One clock read a batch, not one a packet:
	 * the packets of a batch are produced within microseconds.
	 */
	uint64_t now_ns;
};

/*
 * What an endpoint's stream did since the daemon started (fg_engine_counters).
 * idle_intervals, iso only: service intervals in which the kernel held no
 * request of this endpoint (IN: the host got a zero-length packet; OUT: its
 * data was dropped): while the host polls, the intervals elapsed less the
 * requests the bus took (ffs/stream.h says why and where it can err).
 */
struct fg_ep_counters {
	uint64_t transfers;        /* completed requests */
	uint64_t bytes;
	uint64_t short_transfers;  /* fewer bytes than asked for */
	uint64_t errors;           /* completed with an error (OUT -EOVERFLOW included) */
	uint64_t idle_intervals;
	int last_error;            /* negative errno */
};

/* The engine, opaque to personalities: they reach it only through the calls below. */
struct fg_engine;

/*
 * One entry of a personality's option table.  The loader checks a model's
 * options against it before create is called (fg_personality_prepare), so
 * check, describe, up and run refuse the same things with the same
 * "file:line: options: ..." message.  A name ending in '*' covers every
 * key with that prefix ("ep_*"; create checks the rest of the key).
 *   TEXT:   any string of at most max bytes (0: no limit).
 *   UINT:   a number 0..max (decimal, 0x hex or 0 octal).
 *   BOOL:   true or false.
 *   CHOICE: one of choices (NULL-terminated); a choice ending in ':' takes
 *           any non-empty rest ("fifo:" accepts "fifo:/run/x"); at most max
 *           bytes in all (0: no limit).
 */
enum fg_option_kind { FG_OPTION_TEXT, FG_OPTION_UINT, FG_OPTION_BOOL, FG_OPTION_CHOICE };

struct fg_option_spec {
	const char *name;
	enum fg_option_kind kind;
	uint32_t max;
	const char *const *choices;
};

/* Lifecycle events read from ep0, in FunctionFS's terms. */
enum fg_ep0_event {
	FG_EV_BIND,
	FG_EV_UNBIND,
	FG_EV_ENABLE,
	FG_EV_DISABLE,
	FG_EV_SUSPEND,
	FG_EV_RESUME,
};

/*
 * setup's answer when the reply is not known yet (a program elsewhere
 * decides): the engine leaves the request pending, reads nothing more from
 * ep0, and the personality answers once with fg_engine_answer_setup.  It
 * must answer in bounded time: until it does, no other event is read.
 */
#define FG_SETUP_DEFER (-EINPROGRESS)

/* fill_in's answer when there is nothing to send: the request stays idle until fg_engine_kick. */
#define FG_FILL_NONE ((size_t)-1)

/*
 * Hooks; any may be NULL.
 *
 * setup: called for every control request the kernel passes to user space.
 *   - IN (request_type & 0x80): write the reply into reply[0..cap) and return
 *     its length; the engine sends min(length, wLength).  cap is at least
 *     FG_CTRL_BUFSIZE.
 *   - OUT with wLength > 0: return 0 to accept the data stage; the engine
 *     reads it and calls control_out.  The status stage is acknowledged by
 *     the kernel once the data arrives, so refusal must happen here.
 *   - OUT with wLength == 0: return 0 to acknowledge.
 *   A negative errno STALLs the request (-EOPNOTSUPP for "not mine");
 *   FG_SETUP_DEFER answers later, with fg_engine_answer_setup.
 *
 * control_out: the data stage of an accepted OUT request (len <= wLength).
 *
 * enable / disable: the host selected (or dropped) the configuration or an
 *   alt setting.  enable may be called twice without disable in between:
 *   FunctionFS collapses DISABLE+ENABLE into ENABLE.
 *
 * fill_in: produce up to cap bytes for an IN request on ep; return the
 *   length to send (0 sends a zero-length packet), or FG_FILL_NONE to leave
 *   the request idle (an event source with nothing to say: HID); call
 *   fg_engine_kick when data arrives.  refill is false when the buffer still
 *   holds what the previous fill_in wrote for this request, so a constant
 *   pattern is written once per enable, not per transfer.
 *
 * consume_out: len bytes arrived on the OUT endpoint ep.  len may be 0
 *   (a zero-length packet is data, not end of file).
 *
 * complete_in: an IN request that fill_in gave asked bytes has completed:
 *   res >= 0 bytes went to the host, or a negative errno (-ESHUTDOWN,
 *   -ECONNRESET: cancelled, nothing sent).  What was sent is counted here,
 *   not at fill_in: up to a whole queue of filled requests may still be in
 *   flight, or be cancelled.
 *
 * event: every lifecycle event, after the engine acted on it (on ENABLE
 *   the endpoints' speeds are known; enable and disable were called first).
 *
 * create: allocate the state for a model whose options already passed the
 *   table (options).  What the table cannot say (a role per HID interface,
 *   an iso endpoint to stream on) is checked here: on error return a
 *   negative errno and one message in err naming file, line and field
 *   (fg_option.line).  create must not touch anything outside its state:
 *   `ffsgadget check` calls it, then destroy.
 *
 * report: append the personality's own counters to the statistics line.
 *
 * start: the kernel accepted the descriptors and the loop is about to run:
 *   the place to open the personality's own inputs and fg_engine_watch
 *   them.  A negative errno stops the daemon; start undoes what it did
 *   itself before returning it, since the engine calls stop only after a
 *   start that succeeded.  stop: the loop has ended.
 */
struct fg_personality {
	const char *name;
	const char *summary;
	const struct fg_option_spec *options;   /* ends with { NULL }; NULL: none */
	int (*create)(const struct fg_model *m, void **state, char *err, size_t errlen);
	void (*destroy)(void *state);
	int (*setup)(void *state, const struct fg_setup *s, uint8_t *reply, size_t cap);
	int (*control_out)(void *state, const struct fg_setup *s, const uint8_t *data, size_t len);
	void (*enable)(void *state);
	void (*disable)(void *state);
	size_t (*fill_in)(void *state, const struct fg_ep_info *ep, uint8_t *buf, size_t cap,
			  int refill);
	void (*consume_out)(void *state, const struct fg_ep_info *ep, const uint8_t *buf,
			    size_t len);
	void (*complete_in)(void *state, const struct fg_ep_info *ep, size_t asked, long res);
	void (*report)(void *state, FILE *out);
	int (*start)(void *state, struct fg_engine *e);
	void (*stop)(void *state);
	void (*event)(void *state, enum fg_ep0_event ev);
	/*
	 * The bulk endpoints may run on DMABUF (ffs/dmabuf.h, engine option
	 * dmabuf): fill_in writes the buffer only when refill is set (the
	 * buffer is a mapping that keeps what was written), and OUT data may
	 * go unread: on DMABUF consume_out is not called, since the kernel
	 * tells no length (a sink that only counts or discards).
	 */
	bool dmabuf;
};

/*
 * Engine services, for hooks and watch callbacks (all on the loop's thread).
 *
 * fg_engine_watch: call ready(ctx, fd) whenever fd is readable (level
 *   triggered); at most FG_MAX_WATCHES per engine.  fg_engine_unwatch stops
 *   it (the caller closes fd).
 * fg_engine_kick: IN data became available: submit every idle IN request
 *   (each asks fill_in again).
 * fg_engine_endpoint: the live endpoint with this 0-based index, or NULL.
 * fg_engine_request_stop: end the loop after the current iteration.
 * fg_engine_counters: the endpoint's counters; -ENOENT for a bad index.
 * fg_engine_answer_setup: answers the request setup deferred: len >= 0
 *   sends reply[0..len) (IN; clipped to wLength) or accepts (OUT: a data
 *   stage is then read and passed to control_out); len < 0 STALLs.
 *   -ENOENT when no request is pending.
 * fg_engine_hold: while held, the OUT endpoint's idle requests are not
 *   resubmitted, so the host is NAKed instead of its data being taken;
 *   releasing submits them again.  Requests in flight still complete.
 * fg_engine_speed: the speed the host enabled the function at, or -1
 *   (not enabled, or no endpoint to tell it by).
 */
#define FG_MAX_WATCHES 8
int fg_engine_watch(struct fg_engine *e, int fd, void (*ready)(void *ctx, int fd), void *ctx);
void fg_engine_unwatch(struct fg_engine *e, int fd);
void fg_engine_kick(struct fg_engine *e);
const struct fg_ep_info *fg_engine_endpoint(const struct fg_engine *e, size_t index);
void fg_engine_request_stop(struct fg_engine *e);
int fg_engine_counters(const struct fg_engine *e, size_t index, struct fg_ep_counters *c);
int fg_engine_answer_setup(struct fg_engine *e, const void *reply, int len);
void fg_engine_hold(struct fg_engine *e, size_t index, bool hold);
int fg_engine_speed(const struct fg_engine *e);

/* Largest control data stage the engine buffers (wLength is 16 bits). */
#define FG_CTRL_BUFSIZE 65536

#endif
