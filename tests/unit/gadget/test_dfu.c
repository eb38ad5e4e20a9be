/* SPDX-License-Identifier: MIT */
/*
 * The DFU 1.1 state machine (personalities/dfu/dfu_state.c) over a store in
 * memory: download, manifestation (at once and polled), upload, ABORT,
 * CLRSTATUS, the error states, resets, the run-time interface, and every
 * request that must STALL: wrong direction, wrong length, wrong state.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/usb/ch9.h>

#include "personalities/dfu/dfu_state.h"

#define IMG_MAX 65536

struct mem_store {
	uint8_t image[IMG_MAX], next[IMG_MAX];
	size_t image_len, next_len;
	bool open;
	int begin_rc, write_rc, finish_rc, poll_rc;
	unsigned busy_polls;        /* finish busy, then poll busy this many times */
	unsigned discards, detaches, upload_ends;
	uint16_t detach_ms;
	bool read_later;            /* read answers DFU_READ_PENDING */
};

static int m_begin(void *ctx)
{
	struct mem_store *m = ctx;

	if (m->begin_rc)
		return m->begin_rc;
	m->open = true;
	m->next_len = 0;
	return DFU_OK;
}

static int m_write(void *ctx, const uint8_t *data, size_t len)
{
	struct mem_store *m = ctx;

	assert_true(m->open);
	if (m->write_rc)
		return m->write_rc;
	assert_true(m->next_len + len <= IMG_MAX);
	memcpy(m->next + m->next_len, data, len);
	m->next_len += len;
	return DFU_OK;
}

static void commit(struct mem_store *m)
{
	memcpy(m->image, m->next, m->next_len);
	m->image_len = m->next_len;
	m->open = false;
}

static int m_finish(void *ctx, bool *busy)
{
	struct mem_store *m = ctx;

	if (m->finish_rc)
		return m->finish_rc;
	*busy = m->busy_polls > 0;
	if (!*busy)
		commit(m);
	return DFU_OK;
}

static int m_poll(void *ctx, bool *busy)
{
	struct mem_store *m = ctx;

	if (--m->busy_polls > 0) {
		*busy = true;
		return DFU_OK;
	}
	*busy = false;
	if (m->poll_rc)
		return m->poll_rc;
	commit(m);
	return DFU_OK;
}

static void m_discard(void *ctx)
{
	struct mem_store *m = ctx;

	m->discards++;
	m->open = false;
	m->next_len = 0;
}

static long m_read(void *ctx, uint64_t offset, uint8_t *buf, size_t len)
{
	struct mem_store *m = ctx;
	size_t n;

	if (m->read_later)
		return DFU_READ_PENDING;
	if (offset >= m->image_len)
		return 0;
	n = m->image_len - (size_t)offset < len ? m->image_len - (size_t)offset : len;
	memcpy(buf, m->image + offset, n);
	return (long)n;
}

static void m_detach(void *ctx, uint16_t ms)
{
	struct mem_store *m = ctx;

	m->detaches++;
	m->detach_ms = ms;
}

static void m_upload_end(void *ctx)
{
	((struct mem_store *)ctx)->upload_ends++;
}

static const struct dfu_store mem_ops = {
	m_begin, m_write, m_finish, m_poll, m_discard, m_read, m_detach, m_upload_end,
};

struct fx {
	struct mem_store st;
	struct dfu_machine d;
	uint8_t reply[8192];
};

static const struct fg_dfu desc = {
	.present = true,
	.attributes = FG_DFU_CAN_DNLOAD | FG_DFU_CAN_UPLOAD | FG_DFU_MANIFESTATION_TOLERANT,
	.detach_timeout = 1000, .transfer_size = 1024, .bcd_dfu = 0x0110,
};

static struct fx *fx_new(const struct fg_dfu *dsc, bool runtime)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	dfu_machine_init(&f->d, dsc, 0, runtime, 3000, &mem_ops, &f->st);
	return f;
}

static int setup(void **state)
{
	*state = fx_new(&desc, false);
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static int req(struct fx *f, uint8_t type, uint8_t r, uint16_t value, uint16_t index,
	       uint16_t length)
{
	struct fg_setup s = { type, r, value, index, length };

	return dfu_setup(&f->d, &s, f->reply, sizeof(f->reply));
}

#define OUT (USB_TYPE_CLASS | USB_RECIP_INTERFACE)
#define IN (USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_INTERFACE)

/* GETSTATUS; returns bState, checks bStatus and bwPollTimeout. */
static int status(struct fx *f, uint8_t want_status, uint32_t want_poll)
{
	assert_int_equal(req(f, IN, DFU_GETSTATUS, 0, 0, 6), 6);
	assert_int_equal(f->reply[0], want_status);
	assert_int_equal(f->reply[1] | f->reply[2] << 8 | f->reply[3] << 16, want_poll);
	assert_int_equal(f->reply[5], 0);
	return f->reply[4];
}

static void dnload(struct fx *f, uint16_t block, const uint8_t *data, uint16_t len)
{
	assert_int_equal(req(f, OUT, DFU_DNLOAD, block, 0, len), 0);
	if (len)
		dfu_download_data(&f->d, data, len);
}

static uint8_t pattern[3000];

static void make_pattern(void)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
}

static void download_whole(struct fx *f, size_t len)
{
	uint16_t block = 0;

	for (size_t off = 0; off < len; off += 1024, block++) {
		uint16_t n = (uint16_t)(len - off < 1024 ? len - off : 1024);

		dnload(f, block, pattern + off, n);
		assert_int_equal(f->d.state, DFU_DNLOAD_SYNC);
		assert_int_equal(status(f, DFU_OK, 0), DFU_DNLOAD_IDLE);
	}
	dnload(f, block, NULL, 0);
	assert_int_equal(f->d.state, DFU_MANIFEST_SYNC);
}

static void download_then_upload(void **state)
{
	struct fx *f = *state;
	size_t got = 0;
	int n;

	make_pattern();
	assert_int_equal(status(f, DFU_OK, 0), DFU_IDLE);
	download_whole(f, 2500);
	assert_false(f->st.image_len);          /* nothing replaced before manifestation */
	assert_int_equal(status(f, DFU_OK, 0), DFU_IDLE);
	assert_int_equal(f->st.image_len, 2500);
	assert_memory_equal(f->st.image, pattern, 2500);
	assert_int_equal(f->d.downloads, 1);
	assert_int_equal(f->st.discards, 0);

	/* Upload in 1024-byte requests: 1024, 1024, then 452, short: the end. */
	while ((n = req(f, IN, DFU_UPLOAD, 0, 0, 1024)) == 1024) {
		assert_int_equal(f->d.state, DFU_UPLOAD_IDLE);
		assert_memory_equal(f->reply, pattern + got, 1024);
		got += 1024;
	}
	assert_int_equal(n, 452);
	assert_memory_equal(f->reply, pattern + got, 452);
	assert_int_equal(f->d.state, DFU_IDLE);
	assert_int_equal(f->d.uploads, 1);
	assert_int_equal(req(f, IN, DFU_GETSTATE, 0, 0, 1), 1);
	assert_int_equal(f->reply[0], DFU_IDLE);
}

/* Manifestation that takes a while: dfuMANIFEST with a poll timeout until done. */
static void manifest_polled(void **state)
{
	struct fx *f = *state;

	make_pattern();
	f->st.busy_polls = 3;
	download_whole(f, 100);
	assert_int_equal(status(f, DFU_OK, DFU_MANIFEST_POLL_MS), DFU_MANIFEST);
	assert_int_equal(status(f, DFU_OK, DFU_MANIFEST_POLL_MS), DFU_MANIFEST);
	assert_int_equal(f->st.image_len, 0);
	assert_int_equal(status(f, DFU_OK, DFU_MANIFEST_POLL_MS), DFU_MANIFEST);
	assert_int_equal(status(f, DFU_OK, 0), DFU_IDLE);
	assert_int_equal(f->st.image_len, 100);
}

/* A manifestation the board refuses (the command failed): dfuERROR, old image kept. */
static void manifest_refused(void **state)
{
	struct fx *f = *state;

	make_pattern();
	f->st.image_len = 5;
	memcpy(f->st.image, "old!!", 5);
	f->st.busy_polls = 1;
	f->st.poll_rc = DFU_ERR_VERIFY;
	download_whole(f, 300);
	assert_int_equal(status(f, DFU_OK, DFU_MANIFEST_POLL_MS), DFU_MANIFEST);
	assert_int_equal(status(f, DFU_ERR_VERIFY, 0), DFU_ERROR);
	assert_int_equal(f->st.discards, 1);
	assert_int_equal(f->st.image_len, 5);
	assert_memory_equal(f->st.image, "old!!", 5);
	assert_int_equal(req(f, OUT, DFU_CLRSTATUS, 0, 0, 0), 0);
	assert_int_equal(status(f, DFU_OK, 0), DFU_IDLE);
}

/* ABORT mid-download discards the new image; so do a reset and a write error. */
static void broken_downloads_keep_the_image(void **state)
{
	struct fx *f = *state;

	make_pattern();
	f->st.image_len = 3;
	memcpy(f->st.image, "old", 3);
	dnload(f, 0, pattern, 1024);
	assert_int_equal(status(f, DFU_OK, 0), DFU_DNLOAD_IDLE);
	assert_int_equal(req(f, OUT, DFU_ABORT, 0, 0, 0), 0);
	assert_int_equal(f->d.state, DFU_IDLE);
	assert_int_equal(f->st.discards, 1);

	dnload(f, 0, pattern, 1024);
	dfu_reset(&f->d);
	assert_int_equal(f->d.state, DFU_IDLE);
	assert_int_equal(f->st.discards, 2);

	f->st.write_rc = DFU_ERR_WRITE;
	dnload(f, 0, pattern, 1024);
	assert_int_equal(f->d.state, DFU_ERROR);
	assert_int_equal(status(f, DFU_ERR_WRITE, 0), DFU_ERROR);
	assert_int_equal(f->st.discards, 3);
	/* In dfuERROR only GETSTATUS, GETSTATE and CLRSTATUS: the first cause stays. */
	assert_int_equal(req(f, OUT, DFU_DNLOAD, 0, 0, 10), -EPIPE);
	assert_int_equal(req(f, OUT, DFU_ABORT, 0, 0, 0), -EPIPE);
	assert_int_equal(status(f, DFU_ERR_WRITE, 0), DFU_ERROR);
	assert_int_equal(req(f, OUT, DFU_CLRSTATUS, 0, 0, 0), 0);
	assert_int_equal(status(f, DFU_OK, 0), DFU_IDLE);
	assert_int_equal(f->st.image_len, 3);
	assert_memory_equal(f->st.image, "old", 3);

	/* The store cannot start a new image (no room for the temporary file). */
	f->st.begin_rc = DFU_ERR_FILE;
	assert_int_equal(req(f, OUT, DFU_DNLOAD, 0, 0, 10), -EPIPE);
	assert_int_equal(status(f, DFU_ERR_FILE, 0), DFU_ERROR);
}

/* Blocks out of order and images past max_image: errADDRESS, and the new image goes. */
static void address_errors(void **state)
{
	struct fx *f = *state;

	make_pattern();
	dnload(f, 7, pattern, 1000);
	assert_int_equal(status(f, DFU_OK, 0), DFU_DNLOAD_IDLE);
	assert_int_equal(req(f, OUT, DFU_DNLOAD, 9, 0, 1000), -EPIPE);
	assert_int_equal(status(f, DFU_ERR_ADDRESS, 0), DFU_ERROR);
	assert_int_equal(f->st.discards, 1);
	assert_int_equal(req(f, OUT, DFU_CLRSTATUS, 0, 0, 0), 0);

	/* max_image is 3000: the fourth 1000-byte block is refused. */
	for (uint16_t b = 0; b < 3; b++) {
		dnload(f, b, pattern, 1000);
		assert_int_equal(status(f, DFU_OK, 0), DFU_DNLOAD_IDLE);
	}
	assert_int_equal(req(f, OUT, DFU_DNLOAD, 3, 0, 1), -EPIPE);
	assert_int_equal(status(f, DFU_ERR_ADDRESS, 0), DFU_ERROR);
}

/* Requests that must STALL, each into dfuERROR with errSTALLEDPKT; others not ours. */
static void bounds_and_states(void **state)
{
	static const struct { uint8_t type, r; uint16_t value, length; } bad[] = {
		{ IN, DFU_GETSTATUS, 0, 5 },          /* shorter than its 6 bytes */
		{ IN, DFU_GETSTATE, 0, 0 },
		{ OUT, DFU_GETSTATUS, 0, 6 },         /* wrong direction */
		{ IN, DFU_DNLOAD, 0, 16 },
		{ OUT, DFU_UPLOAD, 0, 16 },
		{ OUT, DFU_DNLOAD, 0, 1025 },         /* past wTransferSize */
		{ IN, DFU_UPLOAD, 0, 1025 },
		{ IN, DFU_UPLOAD, 0, 0 },
		{ OUT, DFU_DNLOAD, 0, 0 },            /* nothing to download from dfuIDLE */
		{ OUT, DFU_ABORT, 0, 4 },             /* no data stage allowed */
		{ OUT, DFU_CLRSTATUS, 0, 0 },         /* not in dfuERROR */
		{ OUT, DFU_DETACH, 1000, 0 },         /* DFU mode has no DETACH */
		{ OUT, 7, 0, 0 },
		{ IN, 0xff, 0, 64 },
	};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(req(f, bad[i].type, bad[i].r, bad[i].value, 0, bad[i].length),
				 -EPIPE);
		assert_int_equal(f->d.state, DFU_ERROR);
		assert_int_equal(status(f, DFU_ERR_STALLEDPKT, 0), DFU_ERROR);
		assert_int_equal(req(f, OUT, DFU_CLRSTATUS, 0, 0, 0), 0);
	}
	/* Not for this interface, or not a class request: someone else's (or the engine's STALL). */
	assert_int_equal(req(f, IN, DFU_GETSTATUS, 0, 1, 6), -EOPNOTSUPP);
	assert_int_equal(req(f, USB_DIR_IN | USB_TYPE_VENDOR | USB_RECIP_INTERFACE, DFU_GETSTATUS,
			     0, 0, 6), -EOPNOTSUPP);
	assert_int_equal(req(f, USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_DEVICE, DFU_GETSTATUS,
			     0, 0, 6), -EOPNOTSUPP);
	assert_int_equal(f->d.state, DFU_IDLE);
	/* A reply buffer smaller than the status: STALL, never an overflow. */
	struct fg_setup s = { IN, DFU_GETSTATUS, 0, 0, 6 };
	assert_int_equal(dfu_setup(&f->d, &s, f->reply, 4), -EPIPE);
	/* UPLOAD in a download, DNLOAD in an upload. */
	assert_int_equal(req(f, OUT, DFU_CLRSTATUS, 0, 0, 0), 0);
	dnload(f, 0, pattern, 10);
	assert_int_equal(req(f, IN, DFU_UPLOAD, 0, 0, 10), -EPIPE);
	assert_int_equal(status(f, DFU_ERR_STALLEDPKT, 0), DFU_ERROR);
	assert_int_equal(f->st.discards, 1);
}

/* Without manifestation tolerance the device waits for a reset; nothing else moves it. */
static void wait_reset_without_tolerance(void **state)
{
	struct fg_dfu d2 = desc;
	struct fx *f;

	(void)state;
	make_pattern();
	d2.attributes = FG_DFU_CAN_DNLOAD;
	f = fx_new(&d2, false);
	download_whole(f, 10);
	assert_int_equal(status(f, DFU_OK, 0), DFU_MANIFEST_WAIT_RESET);
	assert_int_equal(f->st.image_len, 10);
	assert_int_equal(req(f, IN, DFU_GETSTATUS, 0, 0, 6), -EPIPE);
	assert_int_equal(req(f, OUT, DFU_CLRSTATUS, 0, 0, 0), -EPIPE);
	assert_int_equal(f->d.state, DFU_MANIFEST_WAIT_RESET);
	dfu_reset(&f->d);
	assert_int_equal(f->d.state, DFU_IDLE);
	assert_int_equal(f->st.discards, 0);
	/* Upload is not offered: STALL. */
	assert_int_equal(req(f, IN, DFU_UPLOAD, 0, 0, 16), -EPIPE);
	free(f);
}

/* The run-time interface: GETSTATUS, GETSTATE, DETACH; everything else STALLs, no dfuERROR. */
static void runtime_interface(void **state)
{
	struct fx *f;

	(void)state;
	f = fx_new(&desc, true);
	assert_int_equal(status(f, DFU_OK, 0), DFU_APP_IDLE);
	assert_int_equal(req(f, OUT, DFU_DNLOAD, 0, 0, 16), -EPIPE);
	assert_int_equal(req(f, IN, DFU_UPLOAD, 0, 0, 16), -EPIPE);
	assert_int_equal(req(f, OUT, DFU_CLRSTATUS, 0, 0, 0), -EPIPE);
	assert_int_equal(f->d.state, DFU_APP_IDLE);
	assert_int_equal(req(f, OUT, DFU_DETACH, 5000, 0, 0), 0);
	assert_int_equal(f->d.state, DFU_APP_DETACH);
	assert_int_equal(f->st.detaches, 1);
	assert_int_equal(f->st.detach_ms, 1000);   /* the descriptor's wDetachTimeOut caps it */
	assert_int_equal(req(f, OUT, DFU_DETACH, 100, 0, 0), -EPIPE);
	assert_int_equal(req(f, IN, DFU_GETSTATE, 0, 0, 1), 1);
	assert_int_equal(f->reply[0], DFU_APP_DETACH);
	dfu_reset(&f->d);
	assert_int_equal(f->d.state, DFU_APP_IDLE);
	free(f);
}

/*
 * A store whose blocks come later: UPLOAD is deferred, dfu_upload_done
 * answers it; the upload's end (short frame, failure, ABORT, reset) is
 * told to the store once each time.
 */
static void deferred_upload(void **state)
{
	struct fx *f = *state;

	f->st.read_later = true;
	assert_int_equal(req(f, IN, DFU_UPLOAD, 0, 0, 1024), FG_SETUP_DEFER);
	assert_true(f->d.upload_pending);
	assert_int_equal(dfu_upload_done(&f->d, 1024), 1024);
	assert_int_equal(f->d.state, DFU_UPLOAD_IDLE);
	assert_int_equal(dfu_upload_done(&f->d, 10), -ENOENT);   /* nothing pending */
	assert_int_equal(req(f, IN, DFU_UPLOAD, 0, 0, 1024), FG_SETUP_DEFER);
	/* More than asked is the store's bug: STALL, errUNKNOWN. */
	assert_int_equal(dfu_upload_done(&f->d, 1025), -EPIPE);
	assert_int_equal(status(f, DFU_ERR_UNKNOWN, 0), DFU_ERROR);
	assert_int_equal(f->st.upload_ends, 1);
	assert_int_equal(req(f, OUT, DFU_CLRSTATUS, 0, 0, 0), 0);

	/* The end: a short block; offset and state back to the start. */
	assert_int_equal(req(f, IN, DFU_UPLOAD, 0, 0, 1024), FG_SETUP_DEFER);
	assert_int_equal(dfu_upload_done(&f->d, 1024), 1024);
	assert_int_equal(req(f, IN, DFU_UPLOAD, 0, 0, 1024), FG_SETUP_DEFER);
	assert_int_equal(dfu_upload_done(&f->d, 3), 3);
	assert_int_equal(f->d.state, DFU_IDLE);
	assert_int_equal(f->d.uploads, 1);
	assert_int_equal(f->st.upload_ends, 2);

	/* The command failed: its bStatus, dfuERROR. */
	assert_int_equal(req(f, IN, DFU_UPLOAD, 0, 0, 1024), FG_SETUP_DEFER);
	assert_int_equal(dfu_upload_done(&f->d, -DFU_ERR_ADDRESS), -EPIPE);
	assert_int_equal(status(f, DFU_ERR_ADDRESS, 0), DFU_ERROR);
	assert_int_equal(f->st.upload_ends, 3);
	assert_int_equal(req(f, OUT, DFU_CLRSTATUS, 0, 0, 0), 0);

	/* A request while one is deferred (the engine never sends one): STALL, upload over. */
	assert_int_equal(req(f, IN, DFU_UPLOAD, 0, 0, 1024), FG_SETUP_DEFER);
	assert_int_equal(req(f, IN, DFU_GETSTATUS, 0, 0, 6), -EPIPE);
	assert_false(f->d.upload_pending);
	assert_int_equal(f->st.upload_ends, 4);
	assert_int_equal(dfu_upload_done(&f->d, 5), -ENOENT);
	assert_int_equal(req(f, OUT, DFU_CLRSTATUS, 0, 0, 0), 0);

	/* ABORT in dfuUPLOAD-IDLE, and a reset while deferred, end it too. */
	assert_int_equal(req(f, IN, DFU_UPLOAD, 0, 0, 1024), FG_SETUP_DEFER);
	assert_int_equal(dfu_upload_done(&f->d, 1024), 1024);
	assert_int_equal(req(f, OUT, DFU_ABORT, 0, 0, 0), 0);
	assert_int_equal(f->d.state, DFU_IDLE);
	assert_int_equal(f->st.upload_ends, 5);
	assert_int_equal(req(f, IN, DFU_UPLOAD, 0, 0, 1024), FG_SETUP_DEFER);
	dfu_reset(&f->d);
	assert_false(f->d.upload_pending);
	assert_int_equal(f->st.upload_ends, 6);
	dfu_reset(&f->d);
	assert_int_equal(f->st.upload_ends, 6);
	assert_int_equal(f->d.uploads, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(download_then_upload, setup, teardown),
		cmocka_unit_test_setup_teardown(manifest_polled, setup, teardown),
		cmocka_unit_test_setup_teardown(manifest_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(broken_downloads_keep_the_image, setup, teardown),
		cmocka_unit_test_setup_teardown(address_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(bounds_and_states, setup, teardown),
		cmocka_unit_test_setup_teardown(deferred_upload, setup, teardown),
		cmocka_unit_test(wait_reset_without_tolerance),
		cmocka_unit_test(runtime_interface),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
