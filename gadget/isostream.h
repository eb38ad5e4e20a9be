/* SPDX-License-Identifier: MIT */
/*
 * isostream's pure parts, for its unit tests: packet stamping and checking,
 * rate shaping, the counters and their wire form.  The personality itself
 * is gadget/isostream.c.
 *
 * Packet format (the host companion's "seq" pattern): an interval's data is
 * cut into wMaxPacketSize chunks, as the transactions on the wire; byte i of
 * each chunk is i % 63, except that the first 12 bytes are a LE32 sequence
 * number (one per chunk, consecutive) and the LE64 CLOCK_MONOTONIC time in
 * nanoseconds at which the chunk was produced.
 */
#ifndef FFSGADGET_ISOSTREAM_H
#define FFSGADGET_ISOSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISO_SEQ_HEADER 12

/* Vendor requests, interface recipient (bmRequestType 0x41 / 0xc1). */
#define ISO_REQ_START 0x01        /* wValue bit 0: reset the counters first */
#define ISO_REQ_STOP 0x02
#define ISO_REQ_SET_PACKET 0x03   /* wValue: bytes per interval, 0 = the maximum */
#define ISO_REQ_SET_RATE 0x04     /* wValue: data packets per second, 0 = every interval */
#define ISO_REQ_GET_COUNTERS 0x05 /* IN: LE16 version, LE16 count, count x LE64 */

#define ISO_COUNTERS_VERSION 1

/*
 * What the device counts, in the order GET_COUNTERS sends them.  "Packets"
 * are service intervals (one request each); seq numbers count chunks.
 */
struct iso_counters {
	uint64_t in_packets;      /* IN intervals sent with data */
	uint64_t in_bytes;
	uint64_t in_idle;         /* zero-length by design: rate below the interval rate */
	uint64_t in_starved;      /* the source had nothing when a request was free */
	uint64_t in_underruns;    /* intervals with no IN request queued (engine estimate) */
	uint64_t in_short;        /* IN requests completed short */
	uint64_t in_errors;
	uint64_t out_packets;     /* OUT intervals received */
	uint64_t out_bytes;
	uint64_t out_short;       /* fewer bytes than an interval carries */
	uint64_t out_overruns;    /* intervals with no OUT request queued (estimate) + -EOVERFLOW */
	uint64_t out_lost;        /* gaps in the host's sequence numbers */
	uint64_t out_errors;
};
#define ISO_COUNTER_COUNT (sizeof(struct iso_counters) / sizeof(uint64_t))

/* Writes the body (i % 63 per chunk) of len bytes once; stamping changes only headers. */
void iso_pattern_fill(uint8_t *buf, size_t len, uint16_t maxpacket);
/* Stamps each chunk's header with *seq (incremented) and now_ns; returns the chunks. */
unsigned iso_stamp(uint8_t *buf, size_t len, uint16_t maxpacket, uint32_t *seq, uint64_t now_ns);

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

/* GET_COUNTERS reply; returns its length (at most cap). */
size_t iso_counters_encode(const struct iso_counters *c, uint8_t *out, size_t cap);

#endif
