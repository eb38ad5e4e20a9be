/* SPDX-License-Identifier: MIT */
#include "ffs/ep0.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>

#include "common/log.h"

/* FunctionFS queues at most four events; reading more at once gains nothing. */
#define EP0_EVENTS_PER_READ 4

int fg_ep0_init(struct fg_ep0 *e0, const struct fg_ep0_io *io,
		const struct fg_personality *pers, void *pers_state,
		void (*on_event)(void *ctx, enum fg_ep0_event ev), void *event_ctx)
{
	memset(e0, 0, sizeof(*e0));
	e0->buf = calloc(1, FG_CTRL_BUFSIZE);
	if (!e0->buf)
		return -ENOMEM;
	e0->io = *io;
	e0->pers = pers;
	e0->pers_state = pers_state;
	e0->on_event = on_event;
	e0->event_ctx = event_ctx;
	return 0;
}

void fg_ep0_release(struct fg_ep0 *e0)
{
	free(e0->buf);
	e0->buf = NULL;
}

/* The result of answering a SETUP: counted, never fatal. */
static void ep0_account(struct fg_ep0 *e0, ssize_t rc, const char *what)
{
	if (rc >= 0)
		return;
	if (rc == -EIDRM) {
		e0->stats.cancelled++;
		return;
	}
	e0->stats.io_errors++;
	fg_dbg("ep0 %s: %s", what, strerror((int)-rc));
}

static void ep0_stall(struct fg_ep0 *e0, const struct fg_setup *s)
{
	ssize_t rc;

	e0->stats.stalls++;
	/* I/O against the data stage's direction is how FunctionFS stalls. */
	if (s->request_type & USB_DIR_IN)
		rc = e0->io.read(e0->io.ctx, e0->buf, 0);
	else
		rc = e0->io.write(e0->io.ctx, e0->buf, 0);
	if (rc == -EL2HLT)
		return;
	ep0_account(e0, rc < 0 ? rc : -EPROTO, "stall");
}

static int ep0_ask_personality(struct fg_ep0 *e0, const struct fg_setup *s)
{
	if (!e0->pers->setup)
		return -EOPNOTSUPP;
	return e0->pers->setup(e0->pers_state, s, e0->buf, FG_CTRL_BUFSIZE);
}

/* The IN request's answer: n bytes of e0->buf, or a negative errno to STALL. */
static void ep0_finish_in(struct fg_ep0 *e0, const struct fg_setup *s, int n)
{
	size_t len;
	ssize_t rc;

	if (n < 0) {
		ep0_stall(e0, s);
		return;
	}
	len = (size_t)n;
	if (len > FG_CTRL_BUFSIZE) {
		fg_warn("ep0: personality '%s' replied %zu bytes, more than its buffer",
			e0->pers->name, len);
		len = FG_CTRL_BUFSIZE;
	}
	if (len > s->length)
		len = s->length;
	rc = e0->io.write(e0->io.ctx, e0->buf, len);
	if (rc >= 0)
		e0->stats.in_bytes += (unsigned long)rc;
	ep0_account(e0, rc, "IN data stage");
}

/* The OUT request's answer: verdict 0 accepts (and reads the data stage), < 0 STALLs. */
static void ep0_finish_out(struct fg_ep0 *e0, const struct fg_setup *s, int verdict)
{
	ssize_t rc;

	if (verdict < 0) {
		ep0_stall(e0, s);
		return;
	}
	/* With wLength 0 this read is the status-stage acknowledgement. */
	rc = e0->io.read(e0->io.ctx, e0->buf, s->length);
	if (rc < 0) {
		ep0_account(e0, rc, "OUT data stage");
		return;
	}
	if ((size_t)rc > s->length) {
		/* Never trust a length beyond what the host announced. */
		e0->stats.io_errors++;
		return;
	}
	e0->stats.out_bytes += (unsigned long)rc;
	if (s->length && e0->pers->control_out) {
		int err = e0->pers->control_out(e0->pers_state, s, e0->buf, (size_t)rc);
		if (err < 0)
			fg_dbg("ep0: request 0x%02x/0x%02x data refused: %s", s->request_type,
			       s->request, strerror(-err));
	}
}

void fg_ep0_handle_setup(struct fg_ep0 *e0, const struct fg_setup *s)
{
	int verdict;

	e0->stats.setups++;
	verdict = ep0_ask_personality(e0, s);
	if (verdict == FG_SETUP_DEFER) {
		e0->deferred = true;
		e0->deferred_setup = *s;
		return;
	}
	if (s->request_type & USB_DIR_IN)
		ep0_finish_in(e0, s, verdict);
	else
		ep0_finish_out(e0, s, verdict);
}

int fg_ep0_answer_deferred(struct fg_ep0 *e0, const void *reply, int len)
{
	const struct fg_setup *s = &e0->deferred_setup;

	if (!e0->deferred)
		return -ENOENT;
	e0->deferred = false;
	if (s->request_type & USB_DIR_IN) {
		if (len > FG_CTRL_BUFSIZE)
			len = FG_CTRL_BUFSIZE;
		if (len > 0)
			memcpy(e0->buf, reply, (size_t)len);
		ep0_finish_in(e0, s, len);
	} else {
		ep0_finish_out(e0, s, len < 0 ? len : 0);
	}
	return 0;
}

static void ep0_notify(struct fg_ep0 *e0, enum fg_ep0_event ev)
{
	if (e0->on_event)
		e0->on_event(e0->event_ctx, ev);
}

static void ep0_dispatch(struct fg_ep0 *e0, const struct usb_functionfs_event *ev)
{
	struct fg_setup s;

	e0->stats.events++;
	switch (ev->type) {
	case FUNCTIONFS_BIND:
		ep0_notify(e0, FG_EV_BIND);
		break;
	case FUNCTIONFS_UNBIND:
		ep0_notify(e0, FG_EV_UNBIND);
		break;
	case FUNCTIONFS_ENABLE:
		ep0_notify(e0, FG_EV_ENABLE);
		break;
	case FUNCTIONFS_DISABLE:
		ep0_notify(e0, FG_EV_DISABLE);
		break;
	case FUNCTIONFS_SUSPEND:
		ep0_notify(e0, FG_EV_SUSPEND);
		break;
	case FUNCTIONFS_RESUME:
		ep0_notify(e0, FG_EV_RESUME);
		break;
	case FUNCTIONFS_SETUP:
		s.request_type = ev->u.setup.bRequestType;
		s.request = ev->u.setup.bRequest;
		s.value = le16toh(ev->u.setup.wValue);
		s.index = le16toh(ev->u.setup.wIndex);
		s.length = le16toh(ev->u.setup.wLength);
		fg_ep0_handle_setup(e0, &s);
		break;
	default:
		/* A newer kernel's event: ignoring it is what old kernels' peers do. */
		fg_dbg("ep0: unknown event type %u", ev->type);
		break;
	}
}

int fg_ep0_service(struct fg_ep0 *e0)
{
	struct usb_functionfs_event events[EP0_EVENTS_PER_READ];

	for (;;) {
		if (e0->deferred)
			return 0;

		ssize_t n = e0->io.read(e0->io.ctx, events, sizeof(events));
		size_t count;

		if (n == -EAGAIN || n == -EINTR)
			return 0;
		if (n == -EIDRM) {
			/*
			 * A SETUP was overtaken by a newer event after the kernel
			 * handed it out; the read that reports it also clears
			 * the state, so the queue is readable again.
			 */
			e0->stats.cancelled++;
			continue;
		}
		if (n < 0)
			return (int)n;
		if (n == 0 || (size_t)n % sizeof(events[0]) != 0)
			return -EPROTO;
		count = (size_t)n / sizeof(events[0]);
		/* FunctionFS queues one SETUP at most: a batch defers at most one. */
		for (size_t i = 0; i < count; i++)
			ep0_dispatch(e0, &events[i]);
		/*
		 * The kernel hands out every queued event up to the room given:
		 * a short batch drained the queue.  Whatever came since keeps ep0
		 * readable for the (level-triggered) poll, so one read saved per
		 * control transfer, which is most of the ep0 rate under load.
		 */
		if (count < EP0_EVENTS_PER_READ)
			return 0;
	}
}
