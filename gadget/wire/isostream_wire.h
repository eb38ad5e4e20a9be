/* SPDX-License-Identifier: MIT */
/*
 * isostream's wire format: the one definition both ends use, the daemon
 * (gadget/personalities/isostream/) and the host companion (host/,
 * pattern "seq" and the iso-counters command).  Pure: bytes in, bytes out,
 * no I/O.
 *
 * Packet stamps: an interval's data is cut into wMaxPacketSize chunks, as
 * the transactions on the wire; byte i of each chunk is i % 63, except that
 * the first 12 bytes are a LE32 sequence number (one per chunk,
 * consecutive) and the LE64 CLOCK_MONOTONIC time in nanoseconds at which
 * the chunk was produced.
 *
 * GET_COUNTERS reply: LE16 version, LE16 count, count x LE64 in the order
 * of struct iso_counters.
 */
#ifndef FFSGADGET_ISOSTREAM_WIRE_H
#define FFSGADGET_ISOSTREAM_WIRE_H

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ISO_SEQ_HEADER 12

/* Vendor requests, interface recipient (bmRequestType 0x41 / 0xc1). */
#define ISO_REQ_START 0x01        /* wValue bit 0: reset the counters first */
#define ISO_REQ_STOP 0x02
#define ISO_REQ_SET_PACKET 0x03   /* wValue: bytes per interval, 0 = the maximum */
#define ISO_REQ_SET_RATE 0x04     /* wValue: data packets per second, 0 = every interval */
#define ISO_REQ_GET_COUNTERS 0x05 /* IN: the counters reply below */
/*
 * IN, wValue: an iso IN endpoint's address as the host sees it (the
 * UDC may renumber the description's): LE32, the sequence
 * number of its first chunk filled since the daemon's latest ENABLE.  The
 * host asks after its SET_INTERFACE (the ENABLE comes before the request
 * in FunctionFS's event queue); every chunk it then receives must carry
 * that number or a later one, else it was filled before the switch.
 */
#define ISO_REQ_GET_FRESH 0x06
#define ISO_FRESH_LEN 4

#define ISO_COUNTERS_VERSION 1
#define ISO_COUNTERS_HEADER 4     /* LE16 version, LE16 count */

/*
 * What the device counts, in the order GET_COUNTERS sends them: appending
 * is compatible only with a new version.  "Packets" are service intervals
 * (one request each); seq numbers count chunks.
 */
struct iso_counters {
	uint64_t in_packets;      /* IN requests completed with data: intervals sent */
	uint64_t in_bytes;        /* bytes those completions report sent */
	uint64_t in_idle;         /* completed zero-length by design: rate below the interval rate */
	uint64_t in_starved;      /* the source had nothing when a request was free */
	uint64_t in_underruns;    /* intervals with no IN request queued: while the host polls,
				   intervals elapsed less requests taken (ffs/stream.h) */
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
#define ISO_COUNTERS_LEN (ISO_COUNTERS_HEADER + 8 * ISO_COUNTER_COUNT)

/* Writes the body (i % 63 per chunk) of len bytes once; stamping changes only headers. */
void iso_pattern_fill(uint8_t *buf, size_t len, uint16_t maxpacket);
/* A chunk of n < ISO_SEQ_HEADER bytes: the header's first n bytes. */
void iso_stamp_runt(uint8_t *chunk, size_t n, uint32_t seq, uint64_t now_ns);
/*
 * Stamps each chunk's header with *seq (incremented) and now_ns; returns
 * the chunks.  Inline, as it runs for every packet: whole-width
 * little-endian stores, where byte loops cost 100 instructions a chunk.
 */
static inline unsigned iso_stamp(uint8_t *buf, size_t len, uint16_t maxpacket, uint32_t *seq,
				 uint64_t now_ns)
{
	uint64_t le_now = htole64(now_ns);
	uint32_t first = *seq, next = first;
	size_t step = maxpacket ? maxpacket : len;

	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;

		if (n >= ISO_SEQ_HEADER) {
			uint32_t le_seq = htole32(next);

			memcpy(buf + off, &le_seq, 4);
			memcpy(buf + off + 4, &le_now, 8);
		} else {
			iso_stamp_runt(buf + off, n, next, now_ns);
		}
		next++;
	}
	*seq = next;
	return next - first;
}
/*
 * One received chunk of n bytes: its stamp, or -EMSGSIZE when too short to
 * carry one.  Inline, as both ends call it for every packet: the compiler
 * turns the byte shifts into plain loads.
 */
static inline uint32_t iso_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline int iso_stamp_read(const uint8_t *chunk, size_t n, uint32_t *seq, uint64_t *now_ns)
{
	if (n < ISO_SEQ_HEADER)
		return -EMSGSIZE;
	*seq = iso_le32(chunk);
	*now_ns = iso_le32(chunk + 4) | (uint64_t)iso_le32(chunk + 8) << 32;
	return 0;
}

/* Counter i's name as the daemon logs it ("in_packets"), and its value in c. */
const char *iso_counter_name(size_t i);
uint64_t iso_counter_value(const struct iso_counters *c, size_t i);

/* GET_COUNTERS reply; returns its length, 0 when cap is too small. */
size_t iso_counters_encode(const struct iso_counters *c, uint8_t *out, size_t cap);
/* The reply's header, as received. */
struct iso_counters_header {
	unsigned version, count;
};
/*
 * Decodes a reply, which is untrusted: 0, or -EMSGSIZE (shorter than its
 * header or than its count says), -EPROTONOSUPPORT (another version),
 * -EBADMSG (a count this version does not have, or bytes after the
 * counters).  h (may be NULL) is set whenever the header was there, so that
 * an error can say what the device sent.
 */
int iso_counters_decode(const uint8_t *buf, size_t len, struct iso_counters *c,
			struct iso_counters_header *h);
/* What a decode error means, for messages. */
const char *iso_counters_strerror(int err);

#endif
