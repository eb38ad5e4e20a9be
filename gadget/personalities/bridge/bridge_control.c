/* SPDX-License-Identifier: MIT */
/*
 * The control socket: what the canned answers do not cover goes to the
 * program as SETUP messages; its DATA, ACK or STALL answers the request.
 *
 * One request at a time is pending (the engine reads no ep0 event while
 * one is).  It ends exactly once: by the program's answer, by the timeout
 * (a STALL, logged), or by the program leaving (a STALL).  An answer whose
 * tag is not the pending one's is late and dropped.
 *
 * An OUT request with a data stage is accepted by the daemon before the
 * program hears of it (FunctionFS acknowledges the data on receipt, so a
 * later STALL could not reach the host): such SETUPs carry
 * BRIDGE_FLAG_NO_ANSWER.  Without a program connected, everything the
 * canned answers do not cover STALLs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <linux/usb/ch9.h>

#include "common/log.h"
#include "personalities/bridge/bridge.h"
#include "wire/bridge_wire.h"

static uint8_t wire_speed(int speed)
{
	switch (speed) {
	case FG_FS:
		return BRIDGE_SPEED_FULL;
	case FG_HS:
		return BRIDGE_SPEED_HIGH;
	case FG_SS:
		return BRIDGE_SPEED_SUPER;
	default:
		return BRIDGE_SPEED_UNKNOWN;
	}
}

static int send_msg(struct bridge_control *c, const uint8_t *buf, size_t len)
{
	if (c->io.fd < 0 || len == 0)
		return -ENOTCONN;
	if (send(c->io.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

static void send_error(struct bridge_control *c, const char *text)
{
	uint8_t buf[BRIDGE_HEADER_LEN + 256];

	send_msg(c, buf, bridge_encode_error(buf, sizeof(buf), text));
}

static void timer_set(struct bridge *b, unsigned ms)
{
	struct itimerspec it = { 0 };

	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (timerfd_settime(b->ctl.timer.fd, 0, &it, NULL) < 0)
		fg_warn("bridge: answer timer: %s", strerror(errno));
}

/* Ends the pending request: len >= 0 answers, < 0 STALLs. */
static void finish(struct bridge *b, const void *reply, int len)
{
	struct bridge_control *c = &b->ctl;

	if (!c->pending)
		return;
	c->pending = false;
	timer_set(b, 0);
	fg_engine_answer_setup(b->e, reply, len);
}

static void client_close(struct bridge *b, const char *why)
{
	struct bridge_control *c = &b->ctl;

	if (c->io.fd < 0)
		return;
	fg_info("bridge: control client %s", why);
	bridge_watch_close(b, &c->io);
	c->hello = false;
	if (c->pending) {
		c->n.no_client++;
		finish(b, NULL, -ENOTCONN);
	}
}

static void refuse(struct bridge *b, const char *why)
{
	b->ctl.n.refused_messages++;
	fg_warn("bridge: control client: message refused: %s", why);
	send_error(&b->ctl, why);
}

static void on_answer(struct bridge *b, const struct bridge_msg *m)
{
	struct bridge_control *c = &b->ctl;
	const struct fg_setup *s = &c->setup;
	char why[160];

	if (!c->pending || m->tag != c->tag) {
		c->n.late_answers++;
		fg_dbg("bridge: answer to request %u dropped: not pending", (unsigned)m->tag);
		return;
	}
	c->n.answered++;
	if (m->type == BRIDGE_MSG_STALL) {
		finish(b, NULL, -EPERM);
		return;
	}
	if (s->request_type & USB_DIR_IN) {
		if (m->type != BRIDGE_MSG_DATA) {
			refuse(b, "ACK answers an OUT request; this one is IN (send DATA or STALL)");
			finish(b, NULL, -EPROTO);
			return;
		}
		if (m->length > s->length) {
			snprintf(why, sizeof(why), "DATA of %u bytes answers a request with wLength %u",
				 m->length, s->length);
			refuse(b, why);
			finish(b, NULL, -EPROTO);
			return;
		}
		finish(b, m->payload, (int)m->length);
		return;
	}
	if (m->type != BRIDGE_MSG_ACK) {
		refuse(b, "DATA answers an IN request; this one is OUT (send ACK or STALL)");
		finish(b, NULL, -EPROTO);
		return;
	}
	finish(b, NULL, 0);
}

void bridge_control_message(struct bridge *b, const uint8_t *buf, size_t len)
{
	struct bridge_control *c = &b->ctl;
	struct bridge_msg m;
	uint8_t out[BRIDGE_HEADER_LEN + 4];
	char why[160];
	int rc = bridge_parse_client(buf, len, &m, why, sizeof(why));

	if (rc == -EPROTONOSUPPORT) {
		refuse(b, why);
		client_close(b, "closed: another wire version");
		return;
	}
	if (rc < 0) {
		refuse(b, why);
		return;
	}
	if (m.type == BRIDGE_MSG_HELLO) {
		uint8_t state = (uint8_t)((b->bound ? BRIDGE_STATE_BOUND : 0) |
					  (b->enabled ? BRIDGE_STATE_ENABLED : 0) |
					  (b->suspended ? BRIDGE_STATE_SUSPENDED : 0));

		c->hello = true;
		send_msg(c, out, bridge_encode_welcome(out, sizeof(out), state,
						       wire_speed(b->e ? fg_engine_speed(b->e) : -1),
						       (uint16_t)b->timeout_ms));
		return;
	}
	if (!c->hello) {
		refuse(b, "HELLO must come first");
		return;
	}
	on_answer(b, &m);
}

static void on_client(void *obj, uint32_t events)
{
	struct bridge *b = obj;
	struct bridge_control *c = &b->ctl;
	ssize_t n;

	n = recv(c->io.fd, c->msg, BRIDGE_MSG_MAX, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* Control messages are never empty: 0 is the end of the connection. */
	if (n <= 0) {
		client_close(b, n < 0 ? "failed; closed" : "left");
		return;
	}
	if ((size_t)n > BRIDGE_MSG_MAX) {
		char why[96];

		snprintf(why, sizeof(why), "oversized message: %zd bytes, at most %u", n,
			 (unsigned)BRIDGE_MSG_MAX);
		refuse(b, why);
		return;
	}
	(void)events;
	bridge_control_message(b, c->msg, (size_t)n);
}

static void on_listen(void *obj, uint32_t events)
{
	struct bridge *b = obj;
	struct bridge_control *c = &b->ctl;
	char why[160];
	int fd = accept4(c->listen.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)events;
	if (fd < 0)
		return;
	if (!bridge_peer_allowed(b, fd, why, sizeof(why))) {
		c->n.refused_clients++;
		fg_warn("bridge: %s: refused: %s", c->path, why);
		bridge_refuse(fd, why);
		return;
	}
	if (c->io.fd >= 0) {
		c->n.refused_clients++;
		fg_warn("bridge: %s: second client refused", c->path);
		bridge_refuse(fd, "another program is connected; refused");
		return;
	}
	c->io.fd = fd;
	c->hello = false;
	c->n.clients++;
	if (bridge_watch_set(b, &c->io, EPOLLIN) < 0) {
		bridge_watch_close(b, &c->io);
		return;
	}
	fg_info("bridge: control client connected on %s", c->path);
}

static void on_timer(void *obj, uint32_t events)
{
	struct bridge *b = obj;
	struct bridge_control *c = &b->ctl;
	uint64_t ticks;

	(void)events;
	if (read(c->timer.fd, &ticks, sizeof(ticks)) < 0 || !c->pending)
		return;
	c->n.timeouts++;
	fg_warn("bridge: request 0x%02x/0x%02x wValue 0x%04x: no answer within %u ms: STALL",
		c->setup.request_type, c->setup.request, c->setup.value, b->timeout_ms);
	finish(b, NULL, -ETIMEDOUT);
}

static void setup_bytes(const struct fg_setup *s, uint8_t out[BRIDGE_SETUP_LEN])
{
	out[0] = s->request_type;
	out[1] = s->request;
	out[2] = (uint8_t)s->value;
	out[3] = (uint8_t)(s->value >> 8);
	out[4] = (uint8_t)s->index;
	out[5] = (uint8_t)(s->index >> 8);
	out[6] = (uint8_t)s->length;
	out[7] = (uint8_t)(s->length >> 8);
}

int bridge_control_setup(struct bridge *b, const struct fg_setup *s)
{
	struct bridge_control *c = &b->ctl;
	uint8_t raw[BRIDGE_SETUP_LEN];
	size_t len;
	int rc;

	if (c->io.fd < 0 || !c->hello) {
		c->n.no_client++;
		return -ENOTCONN;
	}
	if (c->pending)
		return -EBUSY;
	/* The data stage comes first; bridge_control_out_data tells the program. */
	if (!(s->request_type & USB_DIR_IN) && s->length)
		return 0;
	if (++c->next_tag == 0)
		c->next_tag = 1;
	setup_bytes(s, raw);
	len = bridge_encode_setup(c->msg, BRIDGE_MSG_MAX, c->next_tag, 0, raw, NULL, 0);
	rc = send_msg(c, c->msg, len);
	if (rc < 0) {
		/* The program is not reading its socket: waiting would only end in the timeout. */
		fg_warn("bridge: request 0x%02x/0x%02x not forwarded: %s: STALL", s->request_type,
			s->request, strerror(-rc));
		return rc;
	}
	c->n.forwarded++;
	c->pending = true;
	c->tag = c->next_tag;
	c->setup = *s;
	timer_set(b, b->timeout_ms);
	return FG_SETUP_DEFER;
}

void bridge_control_out_data(struct bridge *b, const struct fg_setup *s, const uint8_t *data,
			     size_t len)
{
	struct bridge_control *c = &b->ctl;
	uint8_t raw[BRIDGE_SETUP_LEN];
	int rc;

	if (++c->next_tag == 0)
		c->next_tag = 1;
	setup_bytes(s, raw);
	rc = send_msg(c, c->msg, bridge_encode_setup(c->msg, BRIDGE_MSG_MAX, c->next_tag,
						     BRIDGE_FLAG_NO_ANSWER, raw, data, len));
	if (rc < 0) {
		fg_warn("bridge: data of request 0x%02x/0x%02x (%zu bytes) not delivered: %s",
			s->request_type, s->request, len, strerror(-rc));
		return;
	}
	c->n.forwarded++;
}

void bridge_control_event(struct bridge *b, enum fg_ep0_event ev)
{
	static const uint8_t wire[] = {
		[FG_EV_BIND] = BRIDGE_EVENT_BIND,       [FG_EV_UNBIND] = BRIDGE_EVENT_UNBIND,
		[FG_EV_ENABLE] = BRIDGE_EVENT_ENABLE,   [FG_EV_DISABLE] = BRIDGE_EVENT_DISABLE,
		[FG_EV_SUSPEND] = BRIDGE_EVENT_SUSPEND, [FG_EV_RESUME] = BRIDGE_EVENT_RESUME,
	};
	struct bridge_control *c = &b->ctl;
	uint8_t buf[BRIDGE_HEADER_LEN + 2];

	if (c->io.fd < 0 || !c->hello || (size_t)ev >= sizeof(wire))
		return;
	if (send_msg(c, buf, bridge_encode_event(buf, sizeof(buf), wire[ev],
						 wire_speed(fg_engine_speed(b->e)))) < 0)
		c->n.events_dropped++;
}

int bridge_control_start(struct bridge *b)
{
	struct bridge_control *c = &b->ctl;
	int fd;

	c->listen = (struct bridge_watch){ .fd = -1, .ready = on_listen, .obj = b };
	c->io = (struct bridge_watch){ .fd = -1, .ready = on_client, .obj = b };
	c->timer = (struct bridge_watch){ .fd = -1, .ready = on_timer, .obj = b };
	c->msg = malloc(BRIDGE_MSG_MAX);
	if (!c->msg)
		return -ENOMEM;
	c->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->timer.fd < 0)
		return -errno;
	fd = bridge_listen(b, c->path);
	if (fd < 0)
		return fd;
	c->listen.fd = fd;
	c->path_created = true;
	if (bridge_watch_set(b, &c->listen, EPOLLIN) < 0 ||
	    bridge_watch_set(b, &c->timer, EPOLLIN) < 0)
		return -EIO;
	fg_info("bridge: control socket %s (wire version %d, answers within %u ms)", c->path,
		BRIDGE_WIRE_VERSION, b->timeout_ms);
	return 0;
}

void bridge_control_stop(struct bridge *b)
{
	struct bridge_control *c = &b->ctl;

	if (c->path_created)
		unlink(c->path);
	c->path_created = false;
	bridge_watch_close(b, &c->io);
	bridge_watch_close(b, &c->listen);
	bridge_watch_close(b, &c->timer);
	free(c->msg);
	c->msg = NULL;
}
