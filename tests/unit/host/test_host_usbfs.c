/* SPDX-License-Identifier: MIT */
/*
 * The host companion's usbfs memory check (host/usbfs.c): what a run's
 * transfers hold in usbfs, and the cap read from a fake
 * usbcore.usbfs_memory_mb, so that a run past it is named before libusb
 * turns the kernel's ENOMEM into a bare I/O error.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmp_tree.h"

#include "fgh.h"

#define MiB (1024u * 1024u)

static char param[32];

static void write_param(const char *text)
{
	tmp_write(param, text);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(param, sizeof(param), "/tmp/fg-usbfs.XXXXXX");
	fd = mkstemp(param);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(param);
	return 0;
}

static void cap_is_read_and_compared(void **state)
{
	unsigned long cap = 0;

	(void)state;
	write_param("16\n");
	assert_int_equal(fgh_usbfs_over_cap(16u * MiB, param, &cap), 0);
	assert_int_equal(cap, 16);
	assert_int_equal(fgh_usbfs_over_cap(16u * MiB + 1, param, &cap), 1);
	/* 0: no cap at all. */
	write_param("0\n");
	assert_int_equal(fgh_usbfs_over_cap(UINT64_C(1) << 40, param, &cap), 0);
}

static void unreadable_cap_is_unknown(void **state)
{
	unsigned long cap = 0;

	(void)state;
	write_param("sixteen\n");
	assert_int_equal(fgh_usbfs_over_cap(1, param, &cap), -EINVAL);
	write_param("16MB\n");
	assert_int_equal(fgh_usbfs_over_cap(1, param, &cap), -EINVAL);
	write_param("");
	assert_int_equal(fgh_usbfs_over_cap(1, param, &cap), -EIO);
	assert_int_equal(fgh_usbfs_over_cap(1, "/nonexistent/usbfs_memory_mb", &cap), -ENOENT);
}

/* Bulk transfers need no device to be set up: their buffers count whole. */
static void transfers_are_summed(void **state)
{
	struct fgh_stream a, b;
	struct fgh_stream *s[] = { &a, &b };
	struct fgh_stream_cfg cfg = {
		.ep = { .addr = 0x81, .type = LIBUSB_ENDPOINT_TRANSFER_TYPE_BULK,
			.wMaxPacketSize = 512 },
		.pattern = FGH_PATTERN_ZEROS, .size = MiB, .queue = 4,
	};
	uint64_t one;

	(void)state;
	assert_int_equal(fgh_stream_init(&a, NULL, &cfg), 0);
	one = fgh_usbfs_bytes(s, 1);
	assert_true(one >= 4u * MiB && one < 4u * MiB + 4 * 4096);
	cfg.ep.addr = 0x02;
	cfg.queue = 12;
	assert_int_equal(fgh_stream_init(&b, NULL, &cfg), 0);
	/* 16 MiB of buffers and the bookkeeping: past a 16 MB cap. */
	write_param("16\n");
	unsigned long cap;
	assert_int_equal(fgh_usbfs_over_cap(fgh_usbfs_bytes(s, 2), param, &cap), 1);
	fgh_stream_free(&a);
	fgh_stream_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(cap_is_read_and_compared, setup, teardown),
		cmocka_unit_test_setup_teardown(unreadable_cap_is_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(transfers_are_summed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
