/* SPDX-License-Identifier: MIT */
/*
 * isostream's pure parts, for its unit tests: checking stamped packets and
 * rate shaping.  The wire format (stamps, vendor requests, the counters and
 * their reply) is isostream_wire.h, shared with the host companion; the
 * personality itself is isostream.c beside it.
 */
#ifndef FFSGADGET_ISOSTREAM_H
#define FFSGADGET_ISOSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/isostream_wire.h"

/* The receiving side of a stamped stream. */
struct iso_seq_check {
	bool started;
	uint32_t next;
	uint64_t chunks, lost, late, runts, bad_bytes;
};
/* Checks len received bytes: sequence gaps, runts, body bytes that differ. */
void iso_check(struct iso_seq_check *c, const uint8_t *buf, size_t len, uint16_t maxpacket);

/*
 * Rate shaping without a clock: interval k (from 0) carries data iff the
 * running total floor((k+1) * rate / per_second) grew.  rate 0 or >=
 * per_second: every interval.
 */
bool iso_rate_due(uint64_t k, uint32_t rate, uint32_t per_second);

#endif
