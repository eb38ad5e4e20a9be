/* SPDX-License-Identifier: MIT */
/*
 * Data patterns: what OUT transfers carry and what IN transfers are checked
 * against.  Data is cut into packets of wMaxPacketSize bytes, the last one
 * possibly shorter, as on the wire; every pattern restarts at each packet,
 * as usbtest and f_sourcesink do.
 *
 * seq: isostream's stamped packets (gadget/wire/isostream_wire.h, the one
 * definition both ends use): a sequence number and a timestamp first, so a
 * reader can tell lost, duplicated and reordered packets apart.
 */
#include <stdlib.h>
#include <string.h>

#include "fgh.h"

static const char *const pattern_names[] = {
	[FGH_PATTERN_NONE] = "none",
	[FGH_PATTERN_ZEROS] = "zeros",
	[FGH_PATTERN_MOD63] = "mod63",
	[FGH_PATTERN_SEQ] = "seq",
};

int fgh_pattern_parse(const char *s, enum fgh_pattern *p)
{
	for (size_t i = 0; i < sizeof(pattern_names) / sizeof(pattern_names[0]); i++) {
		if (strcmp(s, pattern_names[i]) == 0) {
			*p = (enum fgh_pattern)i;
			return 0;
		}
	}
	return -1;
}

const char *fgh_pattern_name(enum fgh_pattern p)
{
	if ((size_t)p >= sizeof(pattern_names) / sizeof(pattern_names[0]))
		return "?";
	return pattern_names[p];
}

static void seen_set(struct fgh_seq *q, uint32_t n)
{
	q->seen[(n % FGH_SEQ_WINDOW) / 64] |= UINT64_C(1) << (n % 64);
}

static void seen_clear(struct fgh_seq *q, uint32_t n)
{
	q->seen[(n % FGH_SEQ_WINDOW) / 64] &= ~(UINT64_C(1) << (n % 64));
}

static bool seen_test(const struct fgh_seq *q, uint32_t n)
{
	return q->seen[(n % FGH_SEQ_WINDOW) / 64] & (UINT64_C(1) << (n % 64));
}

/*
 * The window holds the numbers [next - WINDOW, next).  A number ahead of
 * next counts the gap as lost; one behind it is a duplicate if its bit is
 * set, else a late packet that had been counted lost.  Numbers wrap at 2^32.
 */
void fgh_seq_track(struct fgh_seq *q, uint32_t n)
{
	q->received++;
	if (!q->started) {
		q->started = true;
		memset(q->seen, 0, sizeof(q->seen));
		seen_set(q, n);
		q->next = n + 1;
		return;
	}
	uint32_t ahead = n - q->next;
	if (ahead < UINT32_C(0x80000000)) {
		uint64_t span = (uint64_t)ahead + 1;
		q->lost += ahead;
		if (span >= FGH_SEQ_WINDOW) {
			memset(q->seen, 0, sizeof(q->seen));
		} else {
			for (uint32_t i = 0; i < span; i++)
				seen_clear(q, q->next + i);
		}
		seen_set(q, n);
		q->next = n + 1;
		return;
	}
	uint32_t behind = q->next - n;
	if (behind > FGH_SEQ_WINDOW || seen_test(q, n)) {
		q->duplicates++;
		return;
	}
	seen_set(q, n);
	q->reordered++;
	if (q->lost)
		q->lost--;
}

int fgh_pattern_init(struct fgh_pattern_ctx *c, enum fgh_pattern kind, uint16_t maxpacket)
{
	memset(c, 0, sizeof(*c));
	if (!maxpacket)
		return -1;
	c->kind = kind;
	c->maxpacket = maxpacket;
	c->ref = malloc(maxpacket);
	if (!c->ref)
		return -1;
	/* The same bytes today, but two definitions: usbtest's and isostream's. */
	switch (kind) {
	case FGH_PATTERN_MOD63:
		for (size_t i = 0; i < maxpacket; i++)
			c->ref[i] = (uint8_t)(i % 63);
		break;
	case FGH_PATTERN_SEQ:
		iso_pattern_fill(c->ref, maxpacket, maxpacket);
		break;
	default:
		memset(c->ref, 0, maxpacket);
		break;
	}
	return 0;
}

void fgh_pattern_free(struct fgh_pattern_ctx *c)
{
	free(c->ref);
	c->ref = NULL;
}

void fgh_pattern_fill(struct fgh_pattern_ctx *c, uint8_t *buf, size_t len, uint64_t now_ns)
{
	for (size_t off = 0; off < len; off += c->maxpacket) {
		size_t n = len - off < c->maxpacket ? len - off : c->maxpacket;

		memcpy(buf + off, c->ref, n);
	}
	if (c->kind == FGH_PATTERN_SEQ)
		iso_stamp(buf, len, c->maxpacket, &c->next_seq, now_ns);
}

static uint64_t count_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t bad = 0;

	if (memcmp(a, b, n) == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		bad += a[i] != b[i];
	return bad;
}

uint64_t fgh_pattern_check(struct fgh_pattern_ctx *c, const uint8_t *buf, size_t len)
{
	uint64_t bad = 0;

	if (c->kind == FGH_PATTERN_NONE)
		return 0;
	for (size_t off = 0; off < len; off += c->maxpacket) {
		size_t n = len - off < c->maxpacket ? len - off : c->maxpacket;
		const uint8_t *p = buf + off;
		uint32_t seq;
		uint64_t stamp;

		if (c->kind != FGH_PATTERN_SEQ) {
			bad += count_diff(p, c->ref, n);
		} else if (iso_stamp_read(p, n, &seq, &stamp) < 0) {
			c->seq.runts++;
		} else {
			fgh_seq_track(&c->seq, seq);
			if (c->seq.floor_set && seq - c->seq.floor >= UINT32_C(0x80000000))
				c->seq.stale++;
			if (c->stamp_age && c->now_ns >= stamp &&
			    c->now_ns - stamp < UINT64_C(60000000000))
				fgh_hist_add(c->stamp_age, c->now_ns - stamp);
			bad += count_diff(p + ISO_SEQ_HEADER, c->ref + ISO_SEQ_HEADER,
					  n - ISO_SEQ_HEADER);
		}
	}
	return bad;
}
