/* SPDX-License-Identifier: MIT */
/*
 * HID: keyboards, mice, gamepads and raw HID devices (HID 1.11).
 *
 * The description carries the HID class descriptor and the report
 * descriptor of every class 3 interface; this file answers the host's
 * requests about them on ep0 and feeds each interface's interrupt IN
 * endpoint one report per transfer from the queue that commands on the
 * control socket fill (hid_report.c, hid_input.c; the socket is
 * ffs/line_socket.c, which hands this file each line).
 *
 * ep0, interface recipient (FunctionFS passes interface requests up with
 * wIndex rewritten to the function's interface number):
 *   GET_DESCRIPTOR   HID (0x21) and Report (0x22) descriptors
 *   GET_REPORT       input: the latest report sent; output: the latest received
 *   SET_REPORT       output reports (keyboard LEDs); also by interrupt OUT
 *   GET_IDLE / SET_IDLE      one idle rate per interface, honoured: the latest
 *                    report is repeated when a period passes without a new one
 *   GET_PROTOCOL / SET_PROTOCOL   boot interfaces (subclass 1) only
 *   GET_STATUS       two zero bytes (USB 2.0 9.4.5)
 * Everything else stalls.
 *
 * Options:
 *   socket = "PATH"     the control socket (default /run/ffsgadget-NAME.sock)
 *   roles = "keyboard, mouse"    per HID interface in order: keyboard, mouse,
 *                       gamepad or raw (default: from the boot protocol
 *                       field, 1 keyboard, 2 mouse, otherwise raw)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/usb/ch9.h>

#include "common/clock.h"
#include "common/log.h"
#include "ffs/line_socket.h"
#include "personalities/hid/hid.h"
#include "personalities/hid/hid_report.h"

#define HID_SUBCLASS_BOOT 1
/* HID 1.11 7.2.4: 500 ms for keyboards, infinite for mice and joysticks. */
#define HID_KBD_DEFAULT_IDLE 125
#define HID_IDLE_UNIT_MS 4

uint64_t fg_hid_now_ms(void)
{
	return fg_now_ns() / 1000000u;
}

static struct fg_hid_iface *iface_by_ep(struct fg_hid_dev *d, size_t index, bool in)
{
	for (size_t i = 0; i < d->iface_count; i++) {
		struct fg_hid_iface *f = &d->ifaces[i];

		if ((in ? f->in_ep : f->out_ep) == (int)index)
			return f;
	}
	return NULL;
}

static void hid_destroy(void *state)
{
	struct fg_hid_dev *d = state;

	if (!d)
		return;
	for (size_t i = 0; i < d->iface_count; i++)
		fg_hid_iface_release(&d->ifaces[i]);
	free(d);
}

/* "keyboard, mouse": the next role from *p, or -1 at the end, -2 when unknown. */
static int next_role(const char **p, char *word, size_t cap)
{
	const char *s = *p;
	size_t n = 0;

	s += strspn(s, " ,\t");
	if (*s == '\0')
		return -1;
	while (s[n] && !strchr(" ,\t", s[n]))
		n++;
	snprintf(word, cap, "%.*s", (int)n, s);
	*p = s + n;
	for (int r = FG_HID_RAW; r <= FG_HID_GAMEPAD; r++)
		if (strcasecmp(word, fg_hid_role_name((enum fg_hid_role)r)) == 0)
			return r;
	return -2;
}

static void find_endpoints(const struct fg_model *m, size_t iface_index, struct fg_hid_iface *f)
{
	f->in_ep = f->out_ep = -1;
	for (size_t i = 0; i < m->endpoint_count; i++) {
		const struct fg_endpoint *ep = &m->endpoints[i];
		size_t largest = 0;

		if (ep->interface != iface_index || ep->alt != 0 || ep->type != FG_EP_INT)
			continue;
		if (fg_ep_is_in(ep) && f->in_ep < 0) {
			f->in_ep = (int)i;
			for (size_t sp = 0; sp < 3; sp++)
				if (ep->maxpacket[sp] > largest)
					largest = ep->maxpacket[sp];
			if (ep->buffer_size && ep->buffer_size < largest)
				largest = ep->buffer_size;
			f->in_max = largest < FG_HID_REPORT_MAX ? largest : FG_HID_REPORT_MAX;
		} else if (!fg_ep_is_in(ep) && f->out_ep < 0) {
			f->out_ep = (int)i;
		}
	}
}

static const struct fg_option_spec hid_options[] = {
	/* sun_path holds 108 bytes with the NUL */
	{ "socket", FG_OPTION_TEXT, sizeof(((struct fg_hid_dev *)0)->socket_path) - 1, NULL },
	{ "roles", FG_OPTION_TEXT, 0, NULL },
	{ NULL, FG_OPTION_TEXT, 0, NULL },
};

static int hid_create(const struct fg_model *m, void **state, char *err, size_t errlen)
{
	const struct fg_option *sock = fg_model_option(m, "socket");
	const struct fg_option *roles = fg_model_option(m, "roles");
	const char *rp = roles ? roles->value : "";
	struct fg_hid_dev *d;
	char word[32];
	int rc;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->model = m;
	d->timer_fd = -1;
	if (sock)
		snprintf(d->socket_path, sizeof(d->socket_path), "%s", sock->value);
	else
		snprintf(d->socket_path, sizeof(d->socket_path), "/run/ffsgadget-%s.sock", m->name);

	for (size_t i = 0; i < m->interface_count; i++) {
		const struct fg_alt *alt = &m->interfaces[i].alts[0];
		struct fg_hid_iface *f;
		int role;

		if (m->interfaces[i].alt_count == 0 || alt->class_ != USB_CLASS_HID || !alt->hid.present)
			continue;
		f = &d->ifaces[d->iface_count++];
		f->number = m->interfaces[i].number;
		f->desc = &alt->hid;
		f->boot = alt->subclass == HID_SUBCLASS_BOOT;
		role = roles ? next_role(&rp, word, sizeof(word)) : -1;
		if (role == -2) {
			snprintf(err, errlen, "%s:%u: options: roles: unknown role '%s' (keyboard, mouse, gamepad, raw)",
				 m->source, roles->line, word);
			rc = -EINVAL;
			goto fail;
		}
		if (role == -1 && roles) {
			snprintf(err, errlen, "%s:%u: options: roles: no role for HID interface %u",
				 m->source, roles->line, f->number);
			rc = -EINVAL;
			goto fail;
		}
		if (role < 0)
			role = !f->boot ? FG_HID_RAW : alt->protocol == 1 ? FG_HID_KEYBOARD :
				alt->protocol == 2 ? FG_HID_MOUSE : FG_HID_RAW;
		f->role = (enum fg_hid_role)role;
		find_endpoints(m, i, f);
		if (f->in_ep < 0) {
			snprintf(err, errlen, "%s:%u: interface %u: a HID interface needs an interrupt IN endpoint",
				 m->source, m->interfaces[i].line, f->number);
			rc = -EINVAL;
			goto fail;
		}
		if (fg_hid_report_len(f) > f->in_max) {
			snprintf(err, errlen, "%s:%u: interface %u: %s reports are %zu bytes, the endpoint carries %zu",
				 m->source, m->interfaces[i].line, f->number,
				 fg_hid_role_name(f->role), fg_hid_report_len(f), f->in_max);
			rc = -EINVAL;
			goto fail;
		}
		rc = fg_hid_iface_init(f);
		if (rc < 0)
			goto fail;
		f->protocol = HID_PROTOCOL_REPORT;
	}
	if (roles && next_role(&rp, word, sizeof(word)) != -1) {
		snprintf(err, errlen, "%s:%u: options: roles: more roles than HID interfaces (%zu)",
			 m->source, roles->line, d->iface_count);
		rc = -EINVAL;
		goto fail;
	}
	if (d->iface_count == 0) {
		snprintf(err, errlen, "%s: 'hid' serves class 3 interfaces and there is none", m->source);
		rc = -EINVAL;
		goto fail;
	}
	*state = d;
	return 0;
fail:
	hid_destroy(d);
	return rc;
}

/* Arms the idle timer for the earliest deadline (none: disarmed); no-op before start. */
static void idle_timer_update(struct fg_hid_dev *d)
{
	struct itimerspec it = { 0 };
	uint64_t next;

	if (d->timer_fd < 0)
		return;
	next = fg_hid_next_deadline(d);
	if (next)
		it.it_value = fg_timespec_ms(next);
	if (timerfd_settime(d->timer_fd, TFD_TIMER_ABSTIME, &it, NULL) < 0)
		fg_warn("hid idle timer: %s", strerror(errno));
}

static void restart_idle(struct fg_hid_dev *d, struct fg_hid_iface *f, uint64_t now)
{
	f->idle_deadline_ms = f->idle ? now + (uint64_t)f->idle * HID_IDLE_UNIT_MS : 0;
	idle_timer_update(d);
}

uint64_t fg_hid_next_deadline(const struct fg_hid_dev *d)
{
	uint64_t next = 0;

	for (size_t i = 0; i < d->iface_count; i++) {
		uint64_t t = d->ifaces[i].idle_deadline_ms;

		if (t && (!next || t < next))
			next = t;
	}
	return next;
}

uint64_t fg_hid_idle_tick(struct fg_hid_dev *d, uint64_t now_ms)
{
	for (size_t i = 0; i < d->iface_count; i++) {
		struct fg_hid_iface *f = &d->ifaces[i];

		if (!f->idle) {
			f->idle_deadline_ms = 0;
			continue;
		}
		if (f->idle_deadline_ms && f->idle_deadline_ms <= now_ms) {
			f->resend = true;
			f->idle_deadline_ms = now_ms + (uint64_t)f->idle * HID_IDLE_UNIT_MS;
		}
	}
	return fg_hid_next_deadline(d);
}

/* The input report GET_REPORT returns: what the host last got (boot mouse: 3 bytes). */
static int current_input(const struct fg_hid_iface *f, uint8_t *reply, size_t cap)
{
	size_t len = f->sent.len;

	if (len == 0)
		return -EINVAL;
	if (f->role == FG_HID_MOUSE && f->protocol == HID_PROTOCOL_BOOT && len > 3)
		len = 3;
	if (len > cap)
		len = cap;
	memcpy(reply, f->sent.data, len);
	return (int)len;
}

static int hid_descriptor(const struct fg_hid_iface *f, uint8_t *reply)
{
	/* HID 1.11 6.2.1, as ffs_blobs.c writes it into the configuration. */
	reply[0] = 9;
	reply[1] = HID_DT_HID;
	reply[2] = (uint8_t)(f->desc->bcd_hid & 0xff);
	reply[3] = (uint8_t)(f->desc->bcd_hid >> 8);
	reply[4] = f->desc->country;
	reply[5] = 1;
	reply[6] = HID_DT_REPORT;
	reply[7] = (uint8_t)(f->desc->report_len & 0xff);
	reply[8] = (uint8_t)(f->desc->report_len >> 8);
	return 9;
}

static int standard_request(struct fg_hid_iface *f, const struct fg_setup *s, uint8_t *reply,
			    size_t cap)
{
	if (!(s->request_type & USB_DIR_IN))
		return -EOPNOTSUPP;
	switch (s->request) {
	case USB_REQ_GET_DESCRIPTOR:
		if ((s->value & 0xff) != 0)
			return -EINVAL;
		if (s->value >> 8 == HID_DT_REPORT) {
			size_t len = f->desc->report_len < cap ? f->desc->report_len : cap;

			memcpy(reply, f->desc->report, len);
			return (int)len;
		}
		if (s->value >> 8 == HID_DT_HID)
			return hid_descriptor(f, reply);
		return -EOPNOTSUPP;
	case USB_REQ_GET_STATUS:
		if (s->value != 0)
			return -EINVAL;
		reply[0] = reply[1] = 0;
		return 2;
	default:
		return -EOPNOTSUPP;
	}
}

static int class_request(struct fg_hid_dev *d, struct fg_hid_iface *f, const struct fg_setup *s,
			 uint8_t *reply, size_t cap)
{
	bool in = s->request_type & USB_DIR_IN;
	uint8_t type = (uint8_t)(s->value >> 8), id = (uint8_t)(s->value & 0xff);

	switch (s->request) {
	case HID_REQ_GET_REPORT:
		if (!in || id != 0)
			return -EINVAL;
		if (type == HID_REPORT_INPUT)
			return current_input(f, reply, cap);
		if (type == HID_REPORT_OUTPUT && (f->output_len || f->role == FG_HID_KEYBOARD)) {
			size_t len = f->output_len ? f->output_len : 1;

			memcpy(reply, f->output, len);
			return (int)len;
		}
		return -EINVAL;
	case HID_REQ_SET_REPORT:
		if (in || id != 0 || type != HID_REPORT_OUTPUT || s->length == 0 ||
		    s->length > FG_HID_REPORT_MAX)
			return -EINVAL;
		return 0;   /* the data stage arrives in hid_control_out */
	case HID_REQ_GET_IDLE:
		if (!in)
			return -EINVAL;
		reply[0] = f->idle;
		return 1;
	case HID_REQ_SET_IDLE:
		if (in || s->length != 0)
			return -EINVAL;
		/* One rate for all reports: these devices have no report IDs. */
		f->idle = (uint8_t)(s->value >> 8);
		restart_idle(d, f, fg_hid_now_ms());
		return 0;
	case HID_REQ_GET_PROTOCOL:
		if (!in || !f->boot)
			return -EINVAL;
		reply[0] = f->protocol;
		return 1;
	case HID_REQ_SET_PROTOCOL:
		if (in || !f->boot || s->length != 0 || s->value > HID_PROTOCOL_REPORT)
			return -EINVAL;
		f->protocol = (uint8_t)s->value;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int hid_setup(void *state, const struct fg_setup *s, uint8_t *reply, size_t cap)
{
	struct fg_hid_dev *d = state;
	struct fg_hid_iface *f;

	if ((s->request_type & USB_RECIP_MASK) != USB_RECIP_INTERFACE || (s->index >> 8) != 0)
		return -EOPNOTSUPP;
	f = fg_hid_iface_by_number(d, s->index & 0xff);
	if (!f)
		return -EOPNOTSUPP;
	switch (s->request_type & USB_TYPE_MASK) {
	case USB_TYPE_STANDARD:
		return standard_request(f, s, reply, cap);
	case USB_TYPE_CLASS:
		return class_request(d, f, s, reply, cap);
	default:
		return -EOPNOTSUPP;
	}
}

static void store_output(struct fg_hid_iface *f, const uint8_t *data, size_t len, const char *how)
{
	if (len == 0)
		return;
	if (len > sizeof(f->output))
		len = sizeof(f->output);
	if (f->role == FG_HID_KEYBOARD && (!f->output_len || f->output[0] != data[0]))
		fg_info("interface %u: LEDs 0x%02x (%s)", f->number, data[0], how);
	memcpy(f->output, data, len);
	f->output_len = len;
	f->outputs++;
}

static int hid_control_out(void *state, const struct fg_setup *s, const uint8_t *data, size_t len)
{
	struct fg_hid_iface *f = fg_hid_iface_by_number(state, s->index & 0xff);

	if (!f || s->request != HID_REQ_SET_REPORT)
		return -EINVAL;
	store_output(f, data, len, "SET_REPORT");
	return 0;
}

static void hid_enable(void *state)
{
	struct fg_hid_dev *d = state;
	uint64_t now = fg_hid_now_ms();

	/* A reset or a new configuration: the host starts over (HID 1.11 7.2.5, 7.2.6). */
	for (size_t i = 0; i < d->iface_count; i++) {
		struct fg_hid_iface *f = &d->ifaces[i];

		f->protocol = HID_PROTOCOL_REPORT;
		f->idle = f->role == FG_HID_KEYBOARD ? HID_KBD_DEFAULT_IDLE : 0;
		f->resend = false;
		restart_idle(d, f, now);
	}
}

static size_t hid_fill_in(void *state, const struct fg_ep_info *ep, uint8_t *buf, size_t cap,
			  int refill)
{
	struct fg_hid_dev *d = state;
	struct fg_hid_iface *f = iface_by_ep(d, ep->index, true);
	int len;

	(void)refill;
	if (!f)
		return FG_FILL_NONE;
	len = fg_hid_next_report(f, buf, cap);
	if (len < 0)
		return FG_FILL_NONE;
	restart_idle(d, f, fg_hid_now_ms());
	return (size_t)len;
}

static void hid_consume_out(void *state, const struct fg_ep_info *ep, const uint8_t *buf,
			    size_t len)
{
	struct fg_hid_iface *f = iface_by_ep(state, ep->index, false);

	if (f)
		store_output(f, buf, len, "interrupt OUT");
}

static void hid_report_stats(void *state, FILE *out)
{
	const struct fg_hid_dev *d = state;

	fprintf(out, " | hid:");
	for (size_t i = 0; i < d->iface_count; i++) {
		const struct fg_hid_iface *f = &d->ifaces[i];

		fprintf(out, " if%u %s %" PRIu64 " reports %" PRIu64 " repeats %zu queued",
			f->number, fg_hid_role_name(f->role), f->reports_sent, f->repeats_sent,
			f->q_count);
	}
}

static void on_idle_timer(void *ctx, int fd)
{
	struct fg_hid_dev *d = ctx;
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
		return;
	fg_hid_idle_tick(d, fg_hid_now_ms());
	idle_timer_update(d);
	fg_engine_kick(d->engine);
}

/* A line of the control socket: the text protocol, then new reports to send. */
static void on_control_line(void *ctx, const char *line, char *reply, size_t replylen)
{
	struct fg_hid_dev *d = ctx;

	fg_hid_handle_line(d, line, reply, replylen);
	fg_engine_kick(d->engine);
}

static void hid_stop(void *state)
{
	struct fg_hid_dev *d = state;

	fg_line_socket_close(d->control);
	d->control = NULL;
	if (d->timer_fd >= 0) {
		fg_engine_unwatch(d->engine, d->timer_fd);
		close(d->timer_fd);
		d->timer_fd = -1;
	}
	d->engine = NULL;
}

/* The engine calls stop only after a start that succeeded: a failed one undoes itself. */
static int hid_start(void *state, struct fg_engine *e)
{
	struct fg_hid_dev *d = state;
	int rc;

	d->engine = e;
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->timer_fd < 0) {
		rc = -errno;
		hid_stop(d);
		return rc;
	}
	rc = fg_engine_watch(e, d->timer_fd, on_idle_timer, d);
	if (rc < 0) {
		close(d->timer_fd);
		d->timer_fd = -1;
	}
	if (rc == 0)
		rc = fg_line_socket_open(e, d->socket_path, on_control_line, d, &d->control);
	if (rc < 0) {
		hid_stop(d);
		return rc;
	}
	idle_timer_update(d);
	fg_info("hid: control socket %s", d->socket_path);
	return 0;
}

const struct fg_personality fg_hid_personality = {
	.name = "hid",
	.summary = "HID keyboard, mouse, gamepad or raw device, fed by a control socket",
	.options = hid_options,
	.create = hid_create,
	.destroy = hid_destroy,
	.setup = hid_setup,
	.control_out = hid_control_out,
	.enable = hid_enable,
	.fill_in = hid_fill_in,
	.consume_out = hid_consume_out,
	.report = hid_report_stats,
	.start = hid_start,
	.stop = hid_stop,
};
