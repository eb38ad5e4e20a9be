/* SPDX-License-Identifier: MIT */
/*
 * Input state to reports.  A command changes an interface's state (keys
 * held, buttons, axes) and queues the report for every step of the change;
 * the IN endpoint takes one report per transfer (fg_hid_next_report), so
 * the host sees each step, in order, at its own polling rate.  Held keys
 * stay in every report until released: repeat and rollover are the host's
 * business, as with any keyboard.
 *
 * A command is queued whole or not at all: its reports are counted first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "personalities/hid/hid_keymap.h"
#include "personalities/hid/hid_report.h"

static const char *const role_names[] = {
	[FG_HID_RAW] = "raw", [FG_HID_KEYBOARD] = "keyboard",
	[FG_HID_MOUSE] = "mouse", [FG_HID_GAMEPAD] = "gamepad",
};

const char *fg_hid_role_name(enum fg_hid_role r)
{
	return role_names[r];
}

struct fg_hid_iface *fg_hid_iface_by_number(struct fg_hid_dev *d, unsigned number)
{
	for (size_t i = 0; i < d->iface_count; i++)
		if (d->ifaces[i].number == number)
			return &d->ifaces[i];
	return NULL;
}

#define KBD_REPORT_LEN 8
#define MOUSE_REPORT_LEN 4
#define MOUSE_BOOT_LEN 3
#define GAMEPAD_REPORT_LEN 6
#define MOUSE_STEP 127

int fg_hid_iface_init(struct fg_hid_iface *f)
{
	f->queue = calloc(FG_HID_QUEUE, sizeof(*f->queue));
	if (!f->queue)
		return -ENOMEM;
	f->sent.len = (uint8_t)fg_hid_report_len(f);
	return 0;
}

void fg_hid_iface_release(struct fg_hid_iface *f)
{
	free(f->queue);
	f->queue = NULL;
}

size_t fg_hid_report_len(const struct fg_hid_iface *f)
{
	switch (f->role) {
	case FG_HID_KEYBOARD:
		return KBD_REPORT_LEN;
	case FG_HID_MOUSE:
		return MOUSE_REPORT_LEN;
	case FG_HID_GAMEPAD:
		return GAMEPAD_REPORT_LEN;
	case FG_HID_RAW:
		break;
	}
	return 0;
}

static size_t queue_room(const struct fg_hid_iface *f)
{
	return FG_HID_QUEUE - f->q_count;
}

static struct fg_hid_report *queue_push(struct fg_hid_iface *f)
{
	struct fg_hid_report *r = &f->queue[(f->q_head + f->q_count) % FG_HID_QUEUE];

	f->q_count++;
	memset(r, 0, sizeof(*r));
	return r;
}

/* The keyboard report for the held keys plus one extra key and modifiers. */
static void kbd_report(struct fg_hid_iface *f, uint8_t extra, uint8_t extra_mods)
{
	struct fg_hid_report *r = queue_push(f);
	size_t keys = f->held_count + (extra ? 1 : 0);

	r->len = KBD_REPORT_LEN;
	r->data[0] = f->mods | extra_mods;
	/* More keys than the report holds: every slot says ErrorRollOver (HID 1.11 B.1). */
	if (keys > FG_HID_KBD_KEYS) {
		memset(r->data + 2, FG_HID_ROLLOVER, FG_HID_KBD_KEYS);
		return;
	}
	memcpy(r->data + 2, f->held, f->held_count);
	if (extra)
		r->data[2 + f->held_count] = extra;
}

static int8_t clamp_step(int *left)
{
	int v = *left;

	if (v > MOUSE_STEP)
		v = MOUSE_STEP;
	if (v < -MOUSE_STEP)
		v = -MOUSE_STEP;
	*left -= v;
	return (int8_t)v;
}

static void mouse_report(struct fg_hid_iface *f, int8_t dx, int8_t dy, int8_t wheel)
{
	struct fg_hid_report *r = queue_push(f);

	r->len = MOUSE_REPORT_LEN;
	r->data[0] = (uint8_t)(f->buttons & 0x1f);
	r->data[1] = (uint8_t)dx;
	r->data[2] = (uint8_t)dy;
	r->data[3] = (uint8_t)wheel;
}

static void gamepad_report(struct fg_hid_iface *f)
{
	struct fg_hid_report *r = queue_push(f);

	r->len = GAMEPAD_REPORT_LEN;
	r->data[0] = (uint8_t)(f->buttons & 0xff);
	r->data[1] = (uint8_t)(f->buttons >> 8);
	for (size_t i = 0; i < 4; i++)
		r->data[2 + i] = (uint8_t)f->axes[i];
}

static void state_report(struct fg_hid_iface *f)
{
	if (f->role == FG_HID_KEYBOARD)
		kbd_report(f, 0, 0);
	else if (f->role == FG_HID_MOUSE)
		mouse_report(f, 0, 0, 0);
	else if (f->role == FG_HID_GAMEPAD)
		gamepad_report(f);
}

int fg_hid_next_report(struct fg_hid_iface *f, uint8_t *buf, size_t cap)
{
	const struct fg_hid_report *r;
	size_t len;

	if (f->q_count) {
		r = &f->queue[f->q_head];
		f->q_head = (f->q_head + 1) % FG_HID_QUEUE;
		f->q_count--;
		f->sent = *r;
		/* Motion is relative: a repeat of the report must not move again. */
		if (f->role == FG_HID_MOUSE)
			memset(f->sent.data + 1, 0, MOUSE_REPORT_LEN - 1);
		f->reports_sent++;
	} else if (f->resend && f->sent.len) {
		r = &f->sent;
		f->repeats_sent++;
	} else {
		f->resend = false;
		return -1;
	}
	f->resend = false;
	len = r->len;
	/* The boot mouse report is the first three bytes (HID 1.11 B.2). */
	if (f->role == FG_HID_MOUSE && f->protocol == HID_PROTOCOL_BOOT && len > MOUSE_BOOT_LEN)
		len = MOUSE_BOOT_LEN;
	if (len > cap)
		len = cap;
	memcpy(buf, r->data, len);
	return (int)len;
}

static struct fg_hid_iface *find_role(struct fg_hid_dev *d, enum fg_hid_role role)
{
	for (size_t i = 0; i < d->iface_count; i++)
		if (d->ifaces[i].role == role && d->ifaces[i].in_ep >= 0)
			return &d->ifaces[i];
	return NULL;
}

static int reply_err(char *reply, size_t n, const char *why)
{
	snprintf(reply, n, "error: %s", why);
	return -EINVAL;
}

static int no_room(char *reply, size_t n)
{
	snprintf(reply, n, "error: queue full (%d reports): try again once the host caught up",
		 FG_HID_QUEUE);
	return -EAGAIN;
}

static bool is_held(const struct fg_hid_iface *f, uint8_t usage)
{
	for (size_t i = 0; i < f->held_count; i++)
		if (f->held[i] == usage)
			return true;
	return false;
}

static int exec_type(struct fg_hid_iface *f, const struct fg_hid_cmd *c, char *reply, size_t n)
{
	uint8_t usage, mods;

	for (size_t i = 0; i < c->text_len; i++) {
		if (!fg_hid_key_for_char((unsigned char)c->text[i], &usage, &mods)) {
			snprintf(reply, n, "error: type: character %zu (0x%02x) has no key on a US keyboard",
				 i + 1, (unsigned char)c->text[i]);
			return -EINVAL;
		}
	}
	if (queue_room(f) < 2 * c->text_len)
		return no_room(reply, n);
	for (size_t i = 0; i < c->text_len; i++) {
		fg_hid_key_for_char((unsigned char)c->text[i], &usage, &mods);
		kbd_report(f, usage, mods);
		kbd_report(f, 0, 0);
	}
	return 0;
}

static int exec_key(struct fg_hid_iface *f, const struct fg_hid_cmd *c, char *reply, size_t n)
{
	if (queue_room(f) < 2 * c->key_count)
		return no_room(reply, n);
	for (size_t i = 0; i < c->key_count; i++) {
		kbd_report(f, c->keys[i].usage, c->keys[i].mods);
		kbd_report(f, 0, 0);
	}
	return 0;
}

static int exec_key_hold(struct fg_hid_iface *f, const struct fg_hid_cmd *c, char *reply,
			 size_t n)
{
	const struct fg_hid_key *k = &c->keys[0];

	if (queue_room(f) < 1)
		return no_room(reply, n);
	if (c->verb == FG_HID_CMD_PRESS) {
		if (k->usage && !is_held(f, k->usage)) {
			if (f->held_count == FG_HID_HELD_MAX)
				return reply_err(reply, n, "too many keys held");
			f->held[f->held_count++] = k->usage;
		}
		f->mods |= k->mods;
	} else {
		size_t j = 0;

		for (size_t i = 0; i < f->held_count; i++)
			if (f->held[i] != k->usage)
				f->held[j++] = f->held[i];
		f->held_count = j;
		f->mods &= (uint8_t)~k->mods;
	}
	kbd_report(f, 0, 0);
	return 0;
}

static int exec_button(struct fg_hid_dev *d, const struct fg_hid_cmd *c, char *reply, size_t n)
{
	struct fg_hid_iface *f = NULL;
	uint16_t bit;

	if (c->button.gamepad_only)
		f = find_role(d, FG_HID_GAMEPAD);
	if (!f)
		f = find_role(d, FG_HID_MOUSE);
	if (!f)
		return reply_err(reply, n, c->button.gamepad_only ? "no gamepad or mouse interface"
								  : "no mouse interface");
	if (f->role == FG_HID_MOUSE && c->button.index >= 5)
		return reply_err(reply, n, "a mouse has buttons 1..5");
	bit = (uint16_t)(1u << c->button.index);
	if (queue_room(f) < 2)
		return no_room(reply, n);
	if (c->verb == FG_HID_CMD_PRESS || c->verb == FG_HID_CMD_CLICK) {
		f->buttons |= bit;
		state_report(f);
	}
	if (c->verb == FG_HID_CMD_RELEASE || c->verb == FG_HID_CMD_CLICK) {
		f->buttons &= (uint16_t)~bit;
		state_report(f);
	}
	return 0;
}

static int exec_release_all(struct fg_hid_dev *d, char *reply, size_t n)
{
	for (size_t i = 0; i < d->iface_count; i++)
		if (d->ifaces[i].role != FG_HID_RAW && queue_room(&d->ifaces[i]) < 1)
			return no_room(reply, n);
	for (size_t i = 0; i < d->iface_count; i++) {
		struct fg_hid_iface *f = &d->ifaces[i];

		if (f->role == FG_HID_RAW || f->in_ep < 0)
			continue;
		f->held_count = 0;
		f->mods = 0;
		f->buttons = 0;
		memset(f->axes, 0, sizeof(f->axes));
		state_report(f);
	}
	return 0;
}

static int exec_move(struct fg_hid_iface *f, const struct fg_hid_cmd *c, char *reply, size_t n)
{
	int dx = c->dx, dy = c->dy, wheel = c->wheel;
	size_t steps = 0;

	for (int a = abs(dx), b = abs(dy), w = abs(wheel); a > 0 || b > 0 || w > 0 || !steps;
	     a -= MOUSE_STEP, b -= MOUSE_STEP, w -= MOUSE_STEP)
		steps++;
	if (queue_room(f) < steps)
		return no_room(reply, n);
	for (size_t i = 0; i < steps; i++) {
		int8_t sx = clamp_step(&dx), sy = clamp_step(&dy), sw = clamp_step(&wheel);

		mouse_report(f, sx, sy, sw);
	}
	return 0;
}

static int exec_raw(struct fg_hid_dev *d, const struct fg_hid_cmd *c, char *reply, size_t n)
{
	struct fg_hid_iface *f = NULL;
	struct fg_hid_report *r;

	if (c->iface >= 0) {
		f = fg_hid_iface_by_number(d, (unsigned)c->iface);
		if (!f) {
			snprintf(reply, n, "error: raw: interface %d is not a HID interface", c->iface);
			return -EINVAL;
		}
	} else {
		for (size_t i = 0; i < d->iface_count && !f; i++)
			if (d->ifaces[i].in_ep >= 0)
				f = &d->ifaces[i];
	}
	if (!f || f->in_ep < 0)
		return reply_err(reply, n, "raw: no HID interface with an interrupt IN endpoint");
	if (c->raw_len > f->in_max) {
		snprintf(reply, n, "error: raw: %zu bytes, the endpoint carries at most %zu",
			 c->raw_len, f->in_max);
		return -EINVAL;
	}
	if (queue_room(f) < 1)
		return no_room(reply, n);
	r = queue_push(f);
	r->len = (uint8_t)c->raw_len;
	memcpy(r->data, c->raw, c->raw_len);
	return 0;
}

static void leds_reply(struct fg_hid_iface *f, char *reply, size_t n)
{
	static const char *const names[] = { "numlock", "capslock", "scrolllock", "compose",
					     "kana" };
	uint8_t v = f->output_len ? f->output[0] : 0;
	size_t used = (size_t)snprintf(reply, n, "ok 0x%02x", v);

	for (size_t i = 0; i < 5 && used < n; i++)
		if (v & (1u << i))
			used += (size_t)snprintf(reply + used, n - used, " %s", names[i]);
}

static void status_reply(struct fg_hid_dev *d, char *reply, size_t n)
{
	size_t used = (size_t)snprintf(reply, n, "ok");

	for (size_t i = 0; i < d->iface_count && used < n; i++) {
		const struct fg_hid_iface *f = &d->ifaces[i];

		used += (size_t)snprintf(reply + used, n - used,
					 "%s if%u %s protocol=%s idle=%u queued=%zu sent=%llu "
					 "repeats=%llu outputs=%llu",
					 i ? ";" : "", f->number, fg_hid_role_name(f->role),
					 f->protocol == HID_PROTOCOL_BOOT ? "boot" : "report",
					 f->idle, f->q_count, (unsigned long long)f->reports_sent,
					 (unsigned long long)f->repeats_sent,
					 (unsigned long long)f->outputs);
	}
}

int fg_hid_execute(struct fg_hid_dev *d, const struct fg_hid_cmd *c, char *reply, size_t n)
{
	struct fg_hid_iface *f = NULL;
	int rc;

	snprintf(reply, n, "ok");
	switch (c->verb) {
	case FG_HID_CMD_TYPE:
	case FG_HID_CMD_KEY:
	case FG_HID_CMD_LEDS_Q:
		f = find_role(d, FG_HID_KEYBOARD);
		if (!f)
			return reply_err(reply, n, "no keyboard interface");
		if (c->verb == FG_HID_CMD_LEDS_Q) {
			leds_reply(f, reply, n);
			return 0;
		}
		return c->verb == FG_HID_CMD_TYPE ? exec_type(f, c, reply, n) : exec_key(f, c, reply, n);
	case FG_HID_CMD_PRESS:
	case FG_HID_CMD_RELEASE:
		if (c->all)
			return exec_release_all(d, reply, n);
		if (c->is_button)
			return exec_button(d, c, reply, n);
		f = find_role(d, FG_HID_KEYBOARD);
		if (!f)
			return reply_err(reply, n, "no keyboard interface");
		return exec_key_hold(f, c, reply, n);
	case FG_HID_CMD_CLICK:
		return exec_button(d, c, reply, n);
	case FG_HID_CMD_MOVE:
		f = find_role(d, FG_HID_MOUSE);
		if (!f)
			return reply_err(reply, n, "no mouse interface");
		return exec_move(f, c, reply, n);
	case FG_HID_CMD_AXIS:
		f = find_role(d, FG_HID_GAMEPAD);
		if (!f)
			return reply_err(reply, n, "no gamepad interface");
		if (queue_room(f) < 1)
			return no_room(reply, n);
		f->axes[c->axis] = (int8_t)c->value;
		gamepad_report(f);
		return 0;
	case FG_HID_CMD_RAW:
		return exec_raw(d, c, reply, n);
	case FG_HID_CMD_STATUS_Q:
		status_reply(d, reply, n);
		return 0;
	}
	rc = -EINVAL;
	reply_err(reply, n, "unknown command");
	return rc;
}

int fg_hid_handle_line(struct fg_hid_dev *d, const char *line, char *reply, size_t n)
{
	struct fg_hid_cmd cmd;
	int rc = fg_hid_parse_line(line, &cmd, reply, n);

	if (rc < 0)
		return rc;
	return fg_hid_execute(d, &cmd, reply, n);
}
