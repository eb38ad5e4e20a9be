/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the DFU 1.1 state machine (personalities/dfu/dfu_state.c)
 * under any sequence of class requests, over a store in memory whose
 * answers the input also picks.
 *
 * Input: byte 0 picks the functional descriptor's attributes (bits 0-3),
 * the run-time interface (bit 4) and wTransferSize (bits 5-7: 1 << (3 + n)).
 * Then records: 8 setup bytes as on the wire; 1 byte F of store faults
 * (bit 0 begin, 1 write, 2 finish, 3 poll fail; bits 4-5 busy polls; bit 6
 * a reset after the request; bit 7 read answers later, as a command's
 * output does); for an accepted OUT request with wLength, that many data
 * bytes (fewer when the input ends); for a deferred UPLOAD, one byte B for
 * its answer (bit 7: minus a bStatus 1..15, else B * wLength / 126 bytes,
 * up to a little more than asked).
 *
 * Invariants: a reply never exceeds wLength or the buffer; the state is a
 * DFU state; the new image is only committed from manifestation, and the
 * committed image is never longer than max_image; no store call outside
 * its lifecycle (write without begin, finish twice, a read past an upload's
 * start without it, an upload never ended).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "personalities/dfu/dfu_state.h"

#define MAX_IMAGE 8192

static struct {
	uint8_t faults;
	unsigned busy;
	bool open, finishing, uploading;
	size_t next_len, image_len;
	uint8_t next[MAX_IMAGE], image[MAX_IMAGE];
} st;

static int s_begin(void *c)
{
	(void)c;
	if (st.open || st.finishing)
		abort();
	if (st.faults & 1)
		return DFU_ERR_FILE;
	st.open = true;
	st.next_len = 0;
	return DFU_OK;
}

static int s_write(void *c, const uint8_t *d, size_t n)
{
	(void)c;
	if (!st.open || st.finishing || st.next_len + n > MAX_IMAGE)
		abort();
	if (st.faults & 2)
		return DFU_ERR_WRITE;
	memcpy(st.next + st.next_len, d, n);
	st.next_len += n;
	return DFU_OK;
}

static void s_commit(void)
{
	memcpy(st.image, st.next, st.next_len);
	st.image_len = st.next_len;
	st.open = st.finishing = false;
}

static int s_finish(void *c, bool *busy)
{
	(void)c;
	if (!st.open || st.finishing)
		abort();
	if (st.faults & 4)
		return DFU_ERR_VERIFY;
	st.finishing = true;
	st.busy = (st.faults >> 4) & 3;
	*busy = st.busy > 0;
	if (!*busy)
		s_commit();
	return DFU_OK;
}

static int s_poll(void *c, bool *busy)
{
	(void)c;
	if (!st.finishing)
		abort();
	if (st.busy && --st.busy) {
		*busy = true;
		return DFU_OK;
	}
	*busy = false;
	if (st.faults & 8)
		return DFU_ERR_VERIFY;
	s_commit();
	return DFU_OK;
}

static void s_discard(void *c)
{
	(void)c;
	st.open = st.finishing = false;
	st.next_len = 0;
}

static long s_read(void *c, uint64_t off, uint8_t *buf, size_t len)
{
	(void)c;
	if (off == 0)
		st.uploading = true;
	else if (!st.uploading)
		abort();
	if (st.faults & 0x80)
		return DFU_READ_PENDING;
	if (off > st.image_len)
		return -DFU_ERR_ADDRESS;
	size_t n = st.image_len - off < len ? st.image_len - off : len;
	memcpy(buf, st.image + off, n);
	return (long)n;
}

static void s_detach(void *c, uint16_t ms)
{
	(void)c;
	(void)ms;
}

static void s_upload_end(void *c)
{
	(void)c;
	if (!st.uploading)
		abort();
	st.uploading = false;
}

static const struct dfu_store store = {
	s_begin, s_write, s_finish, s_poll, s_discard, s_read, s_detach, s_upload_end,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t reply[65536];
	struct dfu_machine d;
	struct fg_dfu desc = { .present = true, .bcd_dfu = 0x0110, .detach_timeout = 500 };
	size_t pos = 1;

	if (size < 1)
		return 0;
	memset(&st, 0, sizeof(st));
	desc.attributes = data[0] & 0x0f;
	desc.transfer_size = (uint16_t)(1u << (3 + (data[0] >> 5)));
	dfu_machine_init(&d, &desc, 0, data[0] & 0x10, 3000, &store, NULL);
	while (pos + 9 <= size) {
		const uint8_t *p = data + pos;
		struct fg_setup s = {
			.request_type = p[0], .request = p[1],
			.value = (uint16_t)(p[2] | p[3] << 8), .index = (uint16_t)(p[4] | p[5] << 8),
			.length = (uint16_t)(p[6] | p[7] << 8),
		};
		int rc;

		st.faults = p[8];
		pos += 9;
		rc = dfu_setup(&d, &s, reply, sizeof(reply));
		if (rc == FG_SETUP_DEFER) {
			uint8_t b = pos < size ? data[pos++] : 0;
			long n = b & 0x80 ? -(long)(1 + (b & 0x7f) % 15) :
					    (long)((size_t)b * s.length / 126);

			if (s.request != DFU_UPLOAD || !d.upload_pending || !st.uploading)
				abort();
			rc = dfu_upload_done(&d, n);
			if (d.upload_pending)
				abort();
		}
		if (rc > 0 && (!(s.request_type & 0x80) || (size_t)rc > s.length))
			abort();
		if (rc == 0 && !(s.request_type & 0x80) && s.length) {
			size_t n = size - pos < s.length ? size - pos : s.length;

			dfu_download_data(&d, data + pos, n);
			pos += n;
		}
		if ((unsigned)d.state > DFU_ERROR || st.image_len > 3000)
			abort();
		if (st.faults & 0x40)
			dfu_reset(&d);
	}
	dfu_reset(&d);
	if (st.open || st.finishing || st.uploading || d.upload_pending)
		abort();
	return 0;
}
