/* SPDX-License-Identifier: MIT */
#include "personalities/dfu/dfu_state.h"

#include <errno.h>
#include <string.h>

#include <linux/usb/ch9.h>

void dfu_machine_init(struct dfu_machine *d, const struct fg_dfu *desc, uint8_t interface,
		      bool runtime, uint64_t max_image, const struct dfu_store *store,
		      void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->store = store;
	d->ctx = ctx;
	d->interface = interface;
	d->runtime = runtime;
	d->attributes = desc->attributes;
	d->transfer_size = desc->transfer_size;
	d->detach_timeout = desc->detach_timeout;
	d->max_image = max_image;
	d->state = runtime ? DFU_APP_IDLE : DFU_IDLE;
	d->status = DFU_OK;
}

const char *dfu_state_name(enum dfu_state s)
{
	static const char *const names[] = {
		"appIDLE", "appDETACH", "dfuIDLE", "dfuDNLOAD-SYNC", "dfuDNBUSY",
		"dfuDNLOAD-IDLE", "dfuMANIFEST-SYNC", "dfuMANIFEST", "dfuMANIFEST-WAIT-RESET",
		"dfuUPLOAD-IDLE", "dfuERROR",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* A new image exists (begun, not yet made the image): what discard drops. */
static bool download_open(const struct dfu_machine *d)
{
	return d->state == DFU_DNLOAD_SYNC || d->state == DFU_DNBUSY ||
	       d->state == DFU_DNLOAD_IDLE || d->state == DFU_MANIFEST_SYNC ||
	       d->state == DFU_MANIFEST;
}

/* The upload is over, however it ended: the store hears it once. */
static void upload_over(struct dfu_machine *d)
{
	if (!d->upload_open)
		return;
	d->upload_open = false;
	d->upload_pending = false;
	if (d->store->upload_end)
		d->store->upload_end(d->ctx);
}

static void enter_error(struct dfu_machine *d, enum dfu_status status)
{
	if (download_open(d))
		d->store->discard(d->ctx);
	upload_over(d);
	/* The first error is the cause: a STALL in dfuERROR does not hide it. */
	if (d->state != DFU_ERROR)
		d->status = status;
	d->state = DFU_ERROR;
	d->offset = 0;
	d->errors++;
}

/*
 * A request the state does not allow: STALL (6.1.2: and dfuERROR with
 * errSTALLEDPKT, except in the run-time states and while waiting for a
 * reset, which only a reset leaves).
 */
static int stall(struct dfu_machine *d)
{
	d->stalls++;
	if (!d->runtime && d->state != DFU_MANIFEST_WAIT_RESET)
		enter_error(d, DFU_ERR_STALLEDPKT);
	return -EPIPE;
}

static int fail(struct dfu_machine *d, int status)
{
	enter_error(d, (enum dfu_status)status);
	d->stalls++;
	return -EPIPE;
}

static void manifest_done(struct dfu_machine *d)
{
	d->downloads++;
	d->offset = 0;
	d->manifest_started = false;
	d->state = d->attributes & FG_DFU_MANIFESTATION_TOLERANT ? DFU_IDLE :
								   DFU_MANIFEST_WAIT_RESET;
}

/* GETSTATUS moves the states that wait for it (A.2: the host's poll drives them). */
static void status_step(struct dfu_machine *d, uint32_t *poll_ms)
{
	bool busy = false;
	int rc;

	*poll_ms = 0;
	switch (d->state) {
	case DFU_DNLOAD_SYNC:
		d->state = DFU_DNLOAD_IDLE;
		break;
	case DFU_MANIFEST_SYNC:
		if (d->manifest_started)
			break;
		d->manifest_started = true;
		rc = d->store->finish(d->ctx, &busy);
		if (rc != DFU_OK) {
			enter_error(d, (enum dfu_status)rc);
			d->manifest_started = false;
		} else if (busy) {
			d->state = DFU_MANIFEST;
			*poll_ms = DFU_MANIFEST_POLL_MS;
		} else {
			manifest_done(d);
		}
		break;
	case DFU_MANIFEST:
		rc = d->store->poll(d->ctx, &busy);
		if (rc != DFU_OK) {
			enter_error(d, (enum dfu_status)rc);
			d->manifest_started = false;
		} else if (busy) {
			*poll_ms = DFU_MANIFEST_POLL_MS;
		} else {
			manifest_done(d);
		}
		break;
	default:
		break;
	}
}

static int do_dnload(struct dfu_machine *d, const struct fg_setup *s)
{
	int rc;

	if (!(d->attributes & FG_DFU_CAN_DNLOAD) || s->length > d->transfer_size)
		return stall(d);
	if (d->state == DFU_IDLE) {
		/* Zero length from dfuIDLE: nothing to download (A.2.3). */
		if (s->length == 0)
			return stall(d);
		rc = d->store->begin(d->ctx);
		if (rc != DFU_OK)
			return fail(d, rc);
		d->offset = 0;
		d->next_block = s->value;
	} else if (d->state != DFU_DNLOAD_IDLE) {
		return stall(d);
	}
	if (s->value != d->next_block)
		return fail(d, DFU_ERR_ADDRESS);
	if (s->length == 0) {
		d->state = DFU_MANIFEST_SYNC;
		d->manifest_started = false;
		return 0;
	}
	if (s->length > d->max_image - d->offset)
		return fail(d, DFU_ERR_ADDRESS);
	d->state = DFU_DNLOAD_SYNC;
	return 0;
}

/* The block store->read gave (now or deferred): n bytes of at most want, or minus a bStatus. */
static int upload_result(struct dfu_machine *d, long n, uint16_t length, size_t want)
{
	if (n < 0)
		return fail(d, (int)-n);
	if ((size_t)n > want)
		return fail(d, DFU_ERR_UNKNOWN);
	d->offset += (uint64_t)n;
	/* A short frame ends the upload (6.2). */
	if ((size_t)n < length) {
		d->state = DFU_IDLE;
		d->uploads++;
		d->offset = 0;
		upload_over(d);
	} else {
		d->state = DFU_UPLOAD_IDLE;
	}
	return (int)n;
}

static int do_upload(struct dfu_machine *d, const struct fg_setup *s, uint8_t *reply,
		     size_t cap)
{
	size_t want = s->length < cap ? s->length : cap;
	long n;

	if (!(d->attributes & FG_DFU_CAN_UPLOAD) || s->length == 0 ||
	    s->length > d->transfer_size)
		return stall(d);
	if (d->state == DFU_IDLE) {
		d->offset = 0;
		d->upload_open = true;
	} else if (d->state != DFU_UPLOAD_IDLE) {
		return stall(d);
	}
	n = d->store->read(d->ctx, d->offset, reply, want);
	if (n == DFU_READ_PENDING) {
		d->upload_pending = true;
		d->pending_length = s->length;
		d->pending_want = want;
		return FG_SETUP_DEFER;
	}
	return upload_result(d, n, s->length, want);
}

int dfu_upload_done(struct dfu_machine *d, long n)
{
	if (!d->upload_pending)
		return -ENOENT;
	d->upload_pending = false;
	if (n == DFU_READ_PENDING)
		n = -DFU_ERR_UNKNOWN;
	return upload_result(d, n, d->pending_length, d->pending_want);
}

int dfu_setup(struct dfu_machine *d, const struct fg_setup *s, uint8_t *reply, size_t cap)
{
	bool in = s->request_type & USB_DIR_IN;
	bool want_in = s->request == DFU_UPLOAD || s->request == DFU_GETSTATUS ||
		       s->request == DFU_GETSTATE;
	uint32_t poll_ms;

	if ((s->request_type & USB_TYPE_MASK) != USB_TYPE_CLASS ||
	    (s->request_type & USB_RECIP_MASK) != USB_RECIP_INTERFACE || s->index != d->interface)
		return -EOPNOTSUPP;
	/* The engine reads no request while one is deferred: a caller that does breaks the upload. */
	if (d->upload_pending)
		return stall(d);
	if (s->request > DFU_ABORT || in != want_in)
		return stall(d);
	/* Requests without a data stage must not carry one. */
	if ((s->request == DFU_DETACH || s->request == DFU_CLRSTATUS ||
	     s->request == DFU_ABORT) && s->length)
		return stall(d);
	if (d->state == DFU_MANIFEST_WAIT_RESET)
		return stall(d);

	switch (s->request) {
	case DFU_GETSTATUS:
		if (s->length < DFU_STATUS_LEN || cap < DFU_STATUS_LEN)
			return stall(d);
		status_step(d, &poll_ms);
		reply[0] = (uint8_t)d->status;
		reply[1] = (uint8_t)poll_ms;
		reply[2] = (uint8_t)(poll_ms >> 8);
		reply[3] = (uint8_t)(poll_ms >> 16);
		reply[4] = (uint8_t)d->state;
		reply[5] = 0;
		return DFU_STATUS_LEN;
	case DFU_GETSTATE:
		if (s->length < 1 || cap < 1)
			return stall(d);
		reply[0] = (uint8_t)d->state;
		return 1;
	case DFU_DETACH:
		if (!d->runtime || d->state != DFU_APP_IDLE)
			return stall(d);
		d->state = DFU_APP_DETACH;
		if (d->store->detach)
			d->store->detach(d->ctx, s->value < d->detach_timeout ? s->value :
									       d->detach_timeout);
		return 0;
	default:
		break;
	}
	if (d->runtime)
		return stall(d);
	switch (s->request) {
	case DFU_CLRSTATUS:
		if (d->state != DFU_ERROR)
			return stall(d);
		d->state = DFU_IDLE;
		d->status = DFU_OK;
		return 0;
	case DFU_ABORT:
		if (d->state == DFU_ERROR || d->state == DFU_MANIFEST || d->state == DFU_DNBUSY)
			return stall(d);
		if (download_open(d))
			d->store->discard(d->ctx);
		upload_over(d);
		d->state = DFU_IDLE;
		d->offset = 0;
		d->manifest_started = false;
		return 0;
	case DFU_DNLOAD:
		return do_dnload(d, s);
	case DFU_UPLOAD:
		return do_upload(d, s, reply, cap);
	default:
		return stall(d);
	}
}

void dfu_download_data(struct dfu_machine *d, const uint8_t *data, size_t len)
{
	int rc;

	if (d->state != DFU_DNLOAD_SYNC)
		return;
	rc = d->store->write(d->ctx, data, len);
	if (rc != DFU_OK) {
		enter_error(d, (enum dfu_status)rc);
		return;
	}
	d->offset += len;
	d->next_block++;
}

void dfu_reset(struct dfu_machine *d)
{
	if (download_open(d))
		d->store->discard(d->ctx);
	upload_over(d);
	d->state = d->runtime ? DFU_APP_IDLE : DFU_IDLE;
	d->status = DFU_OK;
	d->offset = 0;
	d->manifest_started = false;
}
