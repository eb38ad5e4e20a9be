/* SPDX-License-Identifier: MIT */
/* CLOCK_MONOTONIC in nanoseconds, milliseconds as a timespec, a sleep. */
#ifndef FFSGADGET_CLOCK_H
#define FFSGADGET_CLOCK_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

/* Inline: the streams read it per completion. */
static inline uint64_t fg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline struct timespec fg_timespec_ms(uint64_t ms)
{
	return (struct timespec){ .tv_sec = (time_t)(ms / 1000),
				  .tv_nsec = (long)(ms % 1000) * 1000000L };
}

/* Sleeps ms milliseconds, signals or not. */
static inline void fg_sleep_ms(unsigned ms)
{
	struct timespec ts = fg_timespec_ms(ms);

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

#endif
