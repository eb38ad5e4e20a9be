/* SPDX-License-Identifier: MIT */
/*
 * ep0: reads FunctionFS events and answers control requests.
 *
 * FunctionFS's ep0 protocol, as this file relies on it:
 *   - read() returns whole struct usb_functionfs_event records;
 *   - after a SETUP event, the next ep0 I/O is its answer: for an IN request
 *     write() sends the data stage (a shorter reply than wLength gets a ZLP
 *     from the kernel) and read() STALLs; for an OUT request read() takes the
 *     data stage (or, with length 0, acknowledges the status stage) and
 *     write() STALLs.  A STALL returns -EL2HLT, which is the expected result;
 *   - a newer event cancels a pending SETUP: its answer fails with -EIDRM.
 *
 * A personality may defer its answer (FG_SETUP_DEFER): until it answers,
 * fg_ep0_service reads nothing, since any ep0 read would answer the request.
 *
 * I/O goes through fg_ep0_io so that the dispatcher can be driven by a
 * script in the unit tests, without a kernel.
 */
#ifndef FFSGADGET_EP0_H
#define FFSGADGET_EP0_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ffs/personality.h"

struct fg_ep0_io {
	/* Both return a byte count or a negative errno, like the syscalls. */
	ssize_t (*read)(void *ctx, void *buf, size_t len);
	ssize_t (*write)(void *ctx, const void *buf, size_t len);
	void *ctx;
};

/* Lifecycle events (enum fg_ep0_event, personality.h) go to whoever owns the streams. */

struct fg_ep0_stats {
	unsigned long events;
	unsigned long setups;
	unsigned long stalls;       /* requests we refused */
	unsigned long cancelled;    /* answers overtaken by a newer event (-EIDRM) */
	unsigned long in_bytes;     /* data stage bytes sent */
	unsigned long out_bytes;    /* data stage bytes received */
	unsigned long io_errors;    /* other failures of ep0 I/O */
};

struct fg_ep0 {
	struct fg_ep0_io io;
	const struct fg_personality *pers;
	void *pers_state;
	void (*on_event)(void *ctx, enum fg_ep0_event ev);
	void *event_ctx;
	uint8_t *buf;               /* FG_CTRL_BUFSIZE bytes */
	struct fg_ep0_stats stats;
	/* A request the personality deferred (FG_SETUP_DEFER): ep0 is not read until answered. */
	bool deferred;
	struct fg_setup deferred_setup;
};

int fg_ep0_init(struct fg_ep0 *e0, const struct fg_ep0_io *io,
		const struct fg_personality *pers, void *pers_state,
		void (*on_event)(void *ctx, enum fg_ep0_event ev), void *event_ctx);
void fg_ep0_release(struct fg_ep0 *e0);

/*
 * Reads the events that are queued (ep0 must be non-blocking) and handles
 * each.  Returns 0 once a read found fewer events than it had room for (the
 * queue was empty then; events queued since leave ep0 readable), or a
 * negative errno for a failure of ep0 itself (the function is gone: -ENODEV).
 */
int fg_ep0_service(struct fg_ep0 *e0);

/* Answers one SETUP (exposed for the tests). */
void fg_ep0_handle_setup(struct fg_ep0 *e0, const struct fg_setup *s);

/*
 * Answers the deferred request: len >= 0 replies with reply[0..len) (IN) or
 * accepts (OUT), len < 0 STALLs.  -ENOENT when nothing is deferred.
 */
int fg_ep0_answer_deferred(struct fg_ep0 *e0, const void *reply, int len);

#endif
