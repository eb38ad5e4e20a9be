/* SPDX-License-Identifier: MIT */
/*
 * isostream's wire format (isostream_wire.h): packet stamps and the
 * GET_COUNTERS reply.  Linked into the daemon and into the host companion.
 */
#include "wire/isostream_wire.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

/*
 * Names and places of the counters, in wire order.  The wire order comes
 * from this table, not from the struct's layout, so that a field moved in
 * the struct cannot silently reorder the reply.
 */
#define COUNTER(field) { #field, offsetof(struct iso_counters, field) }
static const struct {
	const char *name;
	size_t offset;
} counters[] = {
	COUNTER(in_packets), COUNTER(in_bytes), COUNTER(in_idle), COUNTER(in_starved),
	COUNTER(in_underruns), COUNTER(in_short), COUNTER(in_errors), COUNTER(out_packets),
	COUNTER(out_bytes), COUNTER(out_short), COUNTER(out_overruns), COUNTER(out_lost),
	COUNTER(out_errors),
};
_Static_assert(sizeof(counters) / sizeof(counters[0]) == ISO_COUNTER_COUNT,
	       "every field of struct iso_counters has a place on the wire");

static void put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void iso_pattern_fill(uint8_t *buf, size_t len, uint16_t maxpacket)
{
	size_t chunk = maxpacket && maxpacket < len ? maxpacket : len;
	size_t done = chunk < 63 ? chunk : 63;

	/* One period by hand, then the chunk doubles itself, then chunks are copies. */
	for (size_t i = 0; i < done; i++)
		buf[i] = (uint8_t)i;
	for (; done < chunk; done *= 2)
		memcpy(buf + done, buf, chunk - done < done ? chunk - done : done);
	for (size_t off = chunk; off < len; off += chunk)
		memcpy(buf + off, buf, len - off < chunk ? len - off : chunk);
}

void iso_stamp_runt(uint8_t *chunk, size_t n, uint32_t seq, uint64_t now_ns)
{
	uint8_t hdr[ISO_SEQ_HEADER];
	uint32_t le_seq = htole32(seq);
	uint64_t le_now = htole64(now_ns);

	memcpy(hdr, &le_seq, 4);
	memcpy(hdr + 4, &le_now, 8);
	memcpy(chunk, hdr, n < sizeof(hdr) ? n : sizeof(hdr));
}

const char *iso_counter_name(size_t i)
{
	return i < ISO_COUNTER_COUNT ? counters[i].name : "?";
}

uint64_t iso_counter_value(const struct iso_counters *c, size_t i)
{
	uint64_t v;

	if (i >= ISO_COUNTER_COUNT)
		return 0;
	memcpy(&v, (const uint8_t *)c + counters[i].offset, sizeof(v));
	return v;
}

size_t iso_counters_encode(const struct iso_counters *c, uint8_t *out, size_t cap)
{
	if (cap < ISO_COUNTERS_LEN)
		return 0;
	put_le(out, ISO_COUNTERS_VERSION, 2);
	put_le(out + 2, ISO_COUNTER_COUNT, 2);
	for (size_t i = 0; i < ISO_COUNTER_COUNT; i++)
		put_le(out + ISO_COUNTERS_HEADER + 8 * i, iso_counter_value(c, i), 8);
	return ISO_COUNTERS_LEN;
}

int iso_counters_decode(const uint8_t *buf, size_t len, struct iso_counters *c,
			struct iso_counters_header *h)
{
	unsigned version, count;

	if (len < ISO_COUNTERS_HEADER)
		return -EMSGSIZE;
	version = (unsigned)get_le(buf, 2);
	count = (unsigned)get_le(buf + 2, 2);
	if (h)
		*h = (struct iso_counters_header){ .version = version, .count = count };
	if (version != ISO_COUNTERS_VERSION)
		return -EPROTONOSUPPORT;
	/* count is at most 65535: this cannot overflow a size_t. */
	if (len < ISO_COUNTERS_HEADER + 8 * (size_t)count)
		return -EMSGSIZE;
	if (count != ISO_COUNTER_COUNT || len != ISO_COUNTERS_LEN)
		return -EBADMSG;
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < ISO_COUNTER_COUNT; i++) {
		uint64_t v = get_le(buf + ISO_COUNTERS_HEADER + 8 * i, 8);

		memcpy((uint8_t *)c + counters[i].offset, &v, sizeof(v));
	}
	return 0;
}

const char *iso_counters_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case -EMSGSIZE: return "reply shorter than its header or than its count says";
	case -EPROTONOSUPPORT: return "unknown counters version";
	case -EBADMSG: return "counter count or reply length not those of this version";
	default: return "malformed reply";
	}
}
