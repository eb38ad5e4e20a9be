/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the ep0 dispatcher and every registered personality,
 * driven by a host that sends anything.
 *
 * The first input byte picks a personality (each served with the first
 * shipped description that names it: descriptors/, tests/unit/good/).  The
 * rest is a script of records, read by a fake FunctionFS ep0 that behaves as
 * f_fs.c does (see tests/unit/gadget/test_ep0.c):
 *
 *   byte K: K & 7 is the event type (0..6 FunctionFS's, 7 an unknown one);
 *     SETUP (4): 8 setup bytes (as on the wire), then 2 bytes N and N bytes
 *       the host offers in the OUT data stage (more or less than wLength);
 *       K & 0x08: a newer event cancels the answer (-EIDRM);
 *     K & 0x10: after the event, 1 byte E and 2 bytes N: N data bytes on
 *       endpoint E % count (OUT: consume_out; IN: fill_in), at speed E >> 6;
 *     K & 0x20: the event read comes back torn (not whole records).
 *
 * The dispatcher must never send more than wLength, never answer twice,
 * and the personality must stay within its buffers (ASan) and survive.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <endian.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>

#include "common/log.h"
#include "description/description.h"
#include "ffs/ep0.h"
#include "ffs/personality.h"
#include "personalities/personalities.h"

#ifndef FG_SOURCE_DIR
#define FG_SOURCE_DIR "."
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct slot {
	const struct fg_personality *pers;
	struct fg_model *model;
};
static struct slot slots[16];
static size_t slot_count;

struct fake_host {
	const uint8_t *in;
	size_t len, pos;
	bool pending;               /* a SETUP awaits its answer */
	bool cancel;
	struct usb_ctrlrequest setup;
	const uint8_t *out_data;
	size_t out_len;
	/* the personality under test, for lifecycle and stream records */
	const struct slot *slot;
	void *pstate;
	bool enabled;
	uint8_t *ep_buf;
};

#define EP_BUF_MAX 65536

static bool take(struct fake_host *h, void *dst, size_t n)
{
	if (h->len - h->pos < n)
		return false;
	memcpy(dst, h->in + h->pos, n);
	h->pos += n;
	return true;
}

static void stream_record(struct fake_host *h)
{
	const struct fg_model *m = h->slot->model;
	uint8_t sel, nb[2];
	struct fg_ep_info info;
	size_t n;

	if (!take(h, &sel, 1) || !take(h, nb, 2) || !m->endpoint_count)
		return;
	n = (size_t)(nb[0] | nb[1] << 8);
	if (n > h->len - h->pos)
		n = h->len - h->pos;
	memset(&info, 0, sizeof(info));
	info.index = (sel & 0x3f) % m->endpoint_count;
	info.desc = &m->endpoints[info.index];
	info.speed = (enum fg_speed_index)((sel >> 6) % 3);
	info.maxpacket = info.desc->maxpacket[info.speed];
	info.mult = info.desc->mult ? info.desc->mult : 1;
	info.transfer_size = info.desc->buffer_size < EP_BUF_MAX ? info.desc->buffer_size
								  : EP_BUF_MAX;
	if (fg_ep_is_in(info.desc)) {
		if (h->slot->pers->fill_in) {
			size_t got = h->slot->pers->fill_in(h->pstate, &info, h->ep_buf,
							    info.transfer_size, n & 1);
			if (got != FG_FILL_NONE && got > info.transfer_size)
				abort();
		}
	} else if (h->slot->pers->consume_out) {
		if (n > info.transfer_size)
			n = info.transfer_size;
		memcpy(h->ep_buf, h->in + h->pos, n);
		h->slot->pers->consume_out(h->pstate, &info, h->ep_buf, n);
	}
	h->pos += n;
}

static ssize_t host_events(struct fake_host *h, void *buf, size_t len)
{
	struct usb_functionfs_event *ev = buf;
	size_t room = len / sizeof(*ev), n = 0;
	uint8_t k;

	while (n < room && take(h, &k, 1)) {
		memset(&ev[n], 0, sizeof(ev[n]));
		ev[n].type = (k & 7) == 7 ? (uint8_t)(0x40 | k) : (k & 7);
		if ((k & 7) == FUNCTIONFS_SETUP) {
			uint8_t lb[2];

			if (!take(h, &ev[n].u.setup, sizeof(ev[n].u.setup)) || !take(h, lb, 2))
				return n ? (ssize_t)(n * sizeof(*ev)) : -EAGAIN;
			h->out_len = (size_t)(lb[0] | lb[1] << 8);
			if (h->out_len > h->len - h->pos)
				h->out_len = h->len - h->pos;
			h->out_data = h->in + h->pos;
			h->pos += h->out_len;
			h->setup = ev[n].u.setup;
			h->pending = true;
			h->cancel = k & 0x08;
		}
		if (k & 0x10)
			stream_record(h);
		n++;
		if (k & 0x20) {
			/* Torn: the dispatcher must give up on ep0 (-EPROTO). */
			h->pending = false;
			return (ssize_t)(n * sizeof(*ev)) - 1;
		}
		/* Nothing is handed out behind a SETUP until it is answered. */
		if (h->pending)
			break;
	}
	return n ? (ssize_t)(n * sizeof(*ev)) : -EAGAIN;
}

static ssize_t host_read(void *ctx, void *buf, size_t len)
{
	struct fake_host *h = ctx;
	size_t want;

	if (!h->pending)
		return host_events(h, buf, len);
	h->pending = false;
	if (h->cancel)
		return -EIDRM;
	if (h->setup.bRequestType & USB_DIR_IN)
		return -EL2HLT;
	want = le16toh(h->setup.wLength);
	if (len < want)
		want = len;
	if (want > h->out_len)
		want = h->out_len;
	memcpy(buf, h->out_data, want);
	return (ssize_t)want;
}

static ssize_t host_write(void *ctx, const void *buf, size_t len)
{
	struct fake_host *h = ctx;
	static uint8_t sink[FG_CTRL_BUFSIZE];

	if (!h->pending)
		return -ESRCH;
	h->pending = false;
	if (h->cancel)
		return -EIDRM;
	if (!(h->setup.bRequestType & USB_DIR_IN))
		return -EL2HLT;
	/* More than wLength would be a protocol violation of ours. */
	if (len > le16toh(h->setup.wLength))
		abort();
	memcpy(sink, buf, len);
	return (ssize_t)len;
}

static void host_on_event(void *ctx, enum fg_ep0_event ev)
{
	struct fake_host *h = ctx;
	const struct fg_personality *p = h->slot->pers;

	switch (ev) {
	case FG_EV_ENABLE:
		h->enabled = true;
		if (p->enable)
			p->enable(h->pstate);
		break;
	case FG_EV_DISABLE:
	case FG_EV_UNBIND:
		if (h->enabled && p->disable)
			p->disable(h->pstate);
		h->enabled = false;
		break;
	default:
		break;
	}
}

/* The first description in dir that names personality p. */
static struct fg_model *model_for(const char *dir, const struct fg_personality *p)
{
	char path[4096], err[512];
	struct dirent **names;
	struct fg_model *found = NULL;
	int n = scandir(dir, &names, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		struct fg_model *m;
		size_t l = strlen(names[i]->d_name);

		if (!found && l > 5 && strcmp(names[i]->d_name + l - 5, ".conf") == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (fg_description_load(path, &m, err, sizeof(err)) == 0) {
				if (strcmp(m->personality, p->name) == 0)
					found = m;
				else
					fg_model_free(m);
			}
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return found;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fg_log_threshold = FG_LOG_ERR;
	for (size_t i = 0; fg_personalities[i] && slot_count < 16; i++) {
		const struct fg_personality *p = fg_personalities[i];
		struct fg_model *m = model_for(FG_SOURCE_DIR "/descriptors", p);

		if (!m)
			m = model_for(FG_SOURCE_DIR "/tests/unit/good", p);
		if (!m) {
			fprintf(stderr, "fuzz_ep0: no description for personality '%s': not fuzzed\n",
				p->name);
			continue;
		}
		slots[slot_count].pers = p;
		slots[slot_count].model = m;
		slot_count++;
	}
	if (!slot_count)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ep_buf[EP_BUF_MAX];
	struct fake_host h = { .in = data, .len = size, .ep_buf = ep_buf };
	struct fg_ep0_io io = { .read = host_read, .write = host_write, .ctx = &h };
	struct fg_ep0 e0;
	char err[512];

	if (size < 1)
		return 0;
	h.slot = &slots[data[0] % slot_count];
	h.pos = 1;
	if (h.slot->pers->create &&
	    h.slot->pers->create(h.slot->model, &h.pstate, err, sizeof(err)) < 0)
		abort();   /* the shipped description is valid */
	if (fg_ep0_init(&e0, &io, h.slot->pers, h.pstate, host_on_event, &h) < 0)
		abort();
	/* One service call per wake-up, as the engine's loop does. */
	for (unsigned calls = 0; h.pos < h.len || h.pending; calls++) {
		size_t before = h.pos;
		int rc = fg_ep0_service(&e0);

		if (rc == -EPROTO)
			break;   /* the engine stops on a broken ep0 */
		if (rc < 0)
			abort();
		if (h.pending) {
			/* Unanswered SETUP: the dispatcher must answer what it reads. */
			abort();
		}
		if (h.pos == before)
			break;
		if (calls > size + 1)
			abort();
	}
	if (h.enabled && h.slot->pers->disable)
		h.slot->pers->disable(h.pstate);
	fg_ep0_release(&e0);
	if (h.slot->pers->destroy)
		h.slot->pers->destroy(h.pstate);
	return 0;
}
