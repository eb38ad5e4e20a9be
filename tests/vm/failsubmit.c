/* SPDX-License-Identifier: MIT */
/*
 * LD_PRELOAD shim for the VM's reliability tests: libaio's io_submit is
 * refused with -ENOMEM, as f_fs refuses it when it cannot allocate a
 * request's kernel buffer, for FG_FAIL_SUBMIT_MS milliseconds from the
 * FG_FAIL_SUBMIT_AFTER-th call on.  Without both variables it passes every
 * call through.  The window is in time, not calls, so that it outlasts a
 * draining ring whatever the daemon's batching.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <libaio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef int (*io_submit_fn)(io_context_t, long, struct iocb **);

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static long env_long(const char *name)
{
	const char *v = getenv(name);

	return v ? strtol(v, NULL, 10) : 0;
}

int io_submit(io_context_t ctx, long nr, struct iocb *ios[])
{
	static io_submit_fn real;
	static long calls, refused;
	static uint64_t window_end;
	long after = env_long("FG_FAIL_SUBMIT_AFTER");
	long window_ms = env_long("FG_FAIL_SUBMIT_MS");

	if (!real) {
		real = (io_submit_fn)dlsym(RTLD_NEXT, "io_submit");
		if (!real)
			return -ENOSYS;
	}
	calls++;
	if (window_ms > 0 && calls == after) {
		window_end = monotonic_ms() + (uint64_t)window_ms;
		fprintf(stderr, "fg-failsubmit: refusing io_submit for %ld ms from call %ld\n",
			window_ms, calls);
	}
	if (window_end && monotonic_ms() < window_end) {
		refused++;
		return -ENOMEM;
	}
	if (window_end && refused) {
		fprintf(stderr, "fg-failsubmit: window over, %ld calls refused\n", refused);
		refused = 0;
	}
	return real(ctx, nr, ios);
}
