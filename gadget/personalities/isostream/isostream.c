/* SPDX-License-Identifier: MIT */
/*
 * isostream: a vendor-class isochronous streaming device.
 *
 * Iso IN carries a source, one request per service interval:
 *   - "generator" (default): each wMaxPacketSize chunk stamped with a
 *     sequence number and a CLOCK_MONOTONIC timestamp (isostream_wire.h; the
 *     host companion's "seq" pattern checks it), optionally limited to
 *     `throttle` packets per second of wall clock: a deliberately slow
 *     source, whose underruns must show;
 *   - "stdin", "fifo:PATH" (watched, read in large chunks when readable) or
 *     "file:PATH" (read in large chunks, looping): packet-sized slices.
 * Iso OUT is a sink: counted, and checked for the same stamps unless
 * sink = "discard".
 *
 * Vendor requests (isostream_wire.h) start and stop the IN stream, set the bytes
 * per interval and the data packets per second (the other intervals send
 * zero-length packets, by design), read the counters and the first
 * sequence number filled since the latest ENABLE.
 *
 * Alt settings: every iso endpoint streams, each IN endpoint with its own
 * sequence numbers, since FunctionFS enables them all whatever alt setting
 * the host chose (no alt number reaches user space; an endpoint appears in
 * one alt setting only).  The host polls only the live setting's; on each
 * ENABLE the engine cancels what was filled before it, and the sequence
 * number each endpoint is at then is what GET_FRESH answers.  The engine's
 * ring (the description's queue) keeps the kernel's queue full: at
 * interval 1 that is 8000 requests a second per endpoint, each one
 * fill_in/consume_out call, batched io_submit/io_getevents, no allocation.
 *
 * Options (description's `options` group):
 *   source = "generator" | "stdin" | "fifo:PATH" | "file:PATH"
 *   sink = "check" | "discard"      default "check"
 *   packet = BYTES                  per interval, 0 = the interval's maximum
 *   rate = N                        data packets per second, 0 = every interval
 *   throttle = N                    generator: packets per second at most, 0 = no limit
 *   autostart = true | false        stream from the first enable, default false
 */
#include "personalities/isostream/isostream.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/usb/ch9.h>

#include "common/clock.h"
#include "common/log.h"
#include "ffs/personality.h"
#include "personalities/personalities.h"

/* ---- the pure parts (isostream.h) ---------------------------------------- */

/* One chunk's expected content, i % 63: chunks are at most 1024 bytes. */
static uint8_t reference[1024];

/*
 * The checking of len received bytes, inlined into each variant below with
 * its own body comparison: body_equal(chunk, n) answers whether bytes
 * [ISO_SEQ_HEADER, n) of the chunk are those of the reference.
 */
__attribute__((always_inline))
static inline void check_chunks(struct iso_seq_check *c, const uint8_t *buf, size_t len,
				uint16_t maxpacket,
				bool (*body_equal)(const uint8_t *chunk, size_t n))
{
	if (maxpacket > 1024)
		maxpacket = 1024;
	for (size_t off = 0; off < len; off += maxpacket) {
		size_t n = len - off < maxpacket ? len - off : maxpacket;
		const uint8_t *p = buf + off;
		uint32_t seq;
		uint64_t stamp;

		if (iso_stamp_read(p, n, &seq, &stamp) < 0) {
			c->runts++;
			continue;
		}
		c->chunks++;
		if (__builtin_expect(seq == c->next && c->started, 1)) {
			c->next = seq + 1;      /* in sequence: the common case, tested first */
		} else if (!c->started) {
			c->started = true;
			c->next = seq + 1;
		} else if (seq - c->next < UINT32_C(0x80000000)) {
			c->lost += seq - c->next;
			c->next = seq + 1;
		} else {
			c->late++;
		}
		if (body_equal(p, n))
			continue;
		for (size_t i = ISO_SEQ_HEADER; i < n; i++)
			c->bad_bytes += p[i] != reference[i];
	}
}

__attribute__((always_inline))
static inline bool body_equal_memcmp(const uint8_t *chunk, size_t n)
{
	return memcmp(chunk + ISO_SEQ_HEADER, reference + ISO_SEQ_HEADER, n - ISO_SEQ_HEADER) == 0;
}

__attribute__((noinline))
static void check_generic(struct iso_seq_check *c, const uint8_t *buf, size_t len,
			  uint16_t maxpacket)
{
	check_chunks(c, buf, len, maxpacket, body_equal_memcmp);
}

/*
 * The body check reads every byte of every chunk, 8000 to 24000 chunks a
 * second per endpoint, and is most of the sink's cost.  On x86 with AVX2 a
 * chunk whose size is a multiple of 32 is compared whole, in 32-byte steps
 * with the header bytes masked out, accumulating the differences and
 * testing once at the end (memcmp tests every step): half the instructions.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* Differences of bytes [32, n), n a multiple of 32: the compiler unrolls a constant n. */
__attribute__((target("avx2"), always_inline))
static inline __m256i body_diff_avx2(const uint8_t *chunk, size_t n, __m256i diff)
{
#pragma GCC unroll 32
	for (size_t i = 32; i < n; i += 32) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(chunk + i));
		__m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(reference + i));

		diff = _mm256_or_si256(diff, _mm256_xor_si256(x, y));
	}
	return diff;
}

__attribute__((target("avx2"), always_inline))
static inline bool body_equal_avx2(const uint8_t *chunk, size_t n)   /* n: 32, 64, ... */
{
	const __m256i body = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1,
					      -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, -1, -1);
	__m256i x, y, diff;

	x = _mm256_loadu_si256((const __m256i *)(const void *)chunk);
	y = _mm256_loadu_si256((const __m256i *)(const void *)reference);
	diff = _mm256_and_si256(_mm256_xor_si256(x, y), body);
	diff = n == 1024 ? body_diff_avx2(chunk, 1024, diff) : body_diff_avx2(chunk, n, diff);
	return _mm256_testz_si256(diff, diff);
}

/*
 * Whole 32-byte steps need every chunk a multiple of 32 bytes: then the
 * packet and the chunk size are.  Anything else goes to memcmp, whole, so
 * that this loop calls nothing and keeps its state in registers.
 */
__attribute__((target("avx2")))
static void check_avx2(struct iso_seq_check *c, const uint8_t *buf, size_t len, uint16_t maxpacket)
{
	/*
	 * High speed's full packets first: whole 1024-byte chunks, a size the
	 * compiler then knows (no per-chunk length, a fully unrolled body).
	 */
	if (__builtin_expect(maxpacket == 1024 && len % 1024 == 0, 1)) {
		for (size_t off = 0; off < len; off += 1024)
			check_chunks(c, buf + off, 1024, 1024, body_equal_avx2);
		return;
	}
	if (maxpacket > 1024)
		maxpacket = 1024;
	if ((len | maxpacket) % 32 || !maxpacket) {
		check_generic(c, buf, len, maxpacket);
		return;
	}
	check_chunks(c, buf, len, maxpacket, body_equal_avx2);
}

static bool have_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}
#else
#define check_avx2 check_generic
static bool have_avx2(void)
{
	return false;
}
#endif

static void check_first(struct iso_seq_check *c, const uint8_t *buf, size_t len,
			uint16_t maxpacket);
static void (*check_variant)(struct iso_seq_check *c, const uint8_t *buf, size_t len,
			     uint16_t maxpacket) = check_first;

/* The first call fills the reference and picks the variant for this CPU. */
static void check_first(struct iso_seq_check *c, const uint8_t *buf, size_t len,
			uint16_t maxpacket)
{
	iso_pattern_fill(reference, sizeof(reference), sizeof(reference));
	check_variant = have_avx2() ? check_avx2 : check_generic;
	check_variant(c, buf, len, maxpacket);
}

void iso_check(struct iso_seq_check *c, const uint8_t *buf, size_t len, uint16_t maxpacket)
{
	check_variant(c, buf, len, maxpacket);
}

bool iso_rate_due(uint64_t k, uint32_t rate, uint32_t per_second)
{
	if (!rate || rate >= per_second)
		return true;
	return (k + 1) * rate / per_second != k * rate / per_second;
}

/* ---- the personality ------------------------------------------------------ */

#define SOURCE_BUFFER (1024 * 1024)

enum source_kind { SOURCE_GENERATOR, SOURCE_FD };

struct isostream {
	const struct fg_model *m;
	struct fg_engine *e;
	long in_index, out_index;       /* FunctionFS ep index - 1, or -1 */
	uint32_t iso_mask[2];           /* [is IN]: bit i set when endpoint i is iso */

	enum source_kind source;
	char source_path[256];          /* "" = stdin */
	int src_fd;
	bool src_regular, src_watched, src_eof;
	uint8_t *ring;                  /* fd source: [head, head + len) is data */
	size_t ring_head, ring_len;
	bool sink_check;
	bool autostart;
	uint32_t packet, rate, throttle;

	bool started;
	uint64_t k;                     /* IN intervals filled since start */
	uint32_t seq[FG_MAX_ENDPOINTS];    /* IN: the next chunk's, per endpoint */
	uint32_t fresh[FG_MAX_ENDPOINTS];  /* IN: seq at the latest ENABLE */
	uint64_t t0_ns, produced;
	int timer_fd;
	struct iso_seq_check out_check;
	struct iso_counters c;
	struct fg_ep_counters base_in, base_out;
};

static const char *const iso_sources[] = { "generator", "stdin", "fifo:", "file:", NULL };
static const char *const iso_sinks[] = { "check", "discard", NULL };

static const struct fg_option_spec iso_options[] = {
	/* "fifo:" or "file:" and a path that fits source_path */
	{ "source", FG_OPTION_CHOICE, 5 + sizeof(((struct isostream *)0)->source_path) - 1,
	  iso_sources },
	{ "sink", FG_OPTION_CHOICE, 0, iso_sinks },
	{ "packet", FG_OPTION_UINT, 49152, NULL },
	{ "rate", FG_OPTION_UINT, 65535, NULL },
	{ "throttle", FG_OPTION_UINT, 1000000, NULL },
	{ "autostart", FG_OPTION_BOOL, 0, NULL },
	{ NULL, FG_OPTION_TEXT, 0, NULL },
};

/* The options as the table let them through. */
static void iso_read_options(struct isostream *s, const struct fg_model *m)
{
	const struct fg_option *o = fg_model_option(m, "source");

	if (o && strcmp(o->value, "generator") != 0) {
		s->source = SOURCE_FD;
		if (strcmp(o->value, "stdin") != 0)
			snprintf(s->source_path, sizeof(s->source_path), "%s", o->value + 5);
	}
	o = fg_model_option(m, "sink");
	s->sink_check = !o || strcmp(o->value, "discard") != 0;
	s->autostart = fg_option_bool(m, "autostart", false);
	s->packet = fg_option_uint(m, "packet", s->packet);
	s->rate = fg_option_uint(m, "rate", s->rate);
	s->throttle = fg_option_uint(m, "throttle", s->throttle);
}

static int iso_create(const struct fg_model *m, void **state, char *err, size_t errlen)
{
	struct isostream *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->m = m;
	s->in_index = s->out_index = -1;
	s->src_fd = s->timer_fd = -1;
	s->sink_check = true;
	for (size_t i = 0; i < m->endpoint_count; i++) {
		const struct fg_endpoint *ep = &m->endpoints[i];

		if (ep->type != FG_EP_ISO)
			continue;
		s->iso_mask[fg_ep_is_in(ep)] |= UINT32_C(1) << i;
		if (fg_ep_is_in(ep) && s->in_index < 0)
			s->in_index = (long)i;
		else if (!fg_ep_is_in(ep) && s->out_index < 0)
			s->out_index = (long)i;
	}
	iso_read_options(s, m);
	rc = 0;
	if (s->in_index < 0 && s->out_index < 0) {
		snprintf(err, errlen, "%s: 'isostream' needs an iso endpoint", m->source);
		rc = -EINVAL;
	}
	if (rc == 0 && s->source == SOURCE_FD && !(s->ring = malloc(SOURCE_BUFFER)))
		rc = -ENOMEM;
	if (rc < 0) {
		free(s);
		return rc;
	}
	*state = s;
	return 0;
}

static void iso_destroy(void *state)
{
	struct isostream *s = state;

	free(s->ring);
	free(s);
}

/* One test per packet: the masks are made at create from the model's endpoints. */
static bool is_iso_ep(const struct isostream *s, size_t index, bool in)
{
	return index < FG_MAX_ENDPOINTS && (s->iso_mask[in] >> index & 1);
}

/* ---- sources ---- */

static void iso_source_ready(void *ctx, int fd);

/* Moves the data to the front and reads what fits; 0 at end of file. */
static ssize_t iso_source_read(struct isostream *s)
{
	ssize_t n;

	if (s->ring_head) {
		memmove(s->ring, s->ring + s->ring_head, s->ring_len);
		s->ring_head = 0;
	}
	if (s->ring_len == SOURCE_BUFFER)
		return -ENOBUFS;
	n = read(s->src_fd, s->ring + s->ring_len, SOURCE_BUFFER - s->ring_len);
	if (n < 0)
		return -errno;
	s->ring_len += (size_t)n;
	return n;
}

static int iso_source_watch(struct isostream *s, bool on)
{
	int rc;

	if (on == s->src_watched || s->src_regular || s->src_eof || !s->e)
		return 0;
	if (on && (rc = fg_engine_watch(s->e, s->src_fd, iso_source_ready, s)) < 0)
		return rc;
	if (!on)
		fg_engine_unwatch(s->e, s->src_fd);
	s->src_watched = on;
	return 0;
}

static void iso_source_ready(void *ctx, int fd)
{
	struct isostream *s = ctx;
	ssize_t n = iso_source_read(s);

	(void)fd;
	if (n == 0) {
		fg_info("isostream: end of the source");
		iso_source_watch(s, false);
		s->src_eof = true;
	} else if (n == -ENOBUFS) {
		iso_source_watch(s, false);   /* full: resumed as packets leave */
	}
	if (s->started && s->e)
		fg_engine_kick(s->e);
}

/* Copies one packet of len bytes from the fd source; false when it has fewer. */
static bool iso_source_take(struct isostream *s, uint8_t *buf, size_t len)
{
	if (s->ring_len < len && s->src_regular) {
		ssize_t n = iso_source_read(s);

		if (n == 0 && lseek(s->src_fd, 0, SEEK_SET) == 0)   /* a file loops */
			n = iso_source_read(s);
		(void)n;
	}
	if (s->ring_len < len)
		return false;
	memcpy(buf, s->ring + s->ring_head, len);
	s->ring_head += len;
	s->ring_len -= len;
	if (s->ring_len < SOURCE_BUFFER / 2)
		iso_source_watch(s, true);
	return true;
}

static void iso_on_timer(void *ctx, int fd)
{
	struct isostream *s = ctx;
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0)
		return;
	if (s->started && s->e)
		fg_engine_kick(s->e);
}

/* ---- start, stop, counters ---- */

/* The engine's counters summed over the iso endpoints of one direction (one per alt setting). */
static bool iso_engine_counters(const struct isostream *s, bool in, struct fg_ep_counters *sum)
{
	struct fg_ep_counters c;
	bool any = false;

	memset(sum, 0, sizeof(*sum));
	for (size_t i = 0; s->e && i < s->m->endpoint_count; i++) {
		if (!is_iso_ep(s, i, in) || fg_engine_counters(s->e, i, &c) < 0)
			continue;
		sum->idle_intervals += c.idle_intervals;
		sum->short_transfers += c.short_transfers;
		sum->errors += c.errors;
		any = true;
	}
	return any;
}

static void iso_refresh(struct isostream *s)
{
	struct fg_ep_counters c;

	if (!s->started)
		return;   /* frozen at stop */
	s->c.out_lost = s->out_check.lost;
	if (iso_engine_counters(s, true, &c)) {
		s->c.in_underruns = c.idle_intervals - s->base_in.idle_intervals;
		s->c.in_short = c.short_transfers - s->base_in.short_transfers;
		s->c.in_errors = c.errors - s->base_in.errors;
	}
	if (iso_engine_counters(s, false, &c)) {
		s->c.out_overruns = c.idle_intervals - s->base_out.idle_intervals;
		s->c.out_errors = c.errors - s->base_out.errors;
	}
}

/* Names from the wire table, so that the log and ffsgadget-host iso-counters agree. */
static void iso_log_counters(const struct isostream *s, const char *what)
{
	char line[ISO_COUNTER_COUNT * 40];
	size_t n = 0;

	for (size_t i = 0; i < ISO_COUNTER_COUNT && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s=%" PRIu64,
				      iso_counter_name(i), iso_counter_value(&s->c, i));
	fg_info("isostream: %s:%s", what, line);
}

static void iso_start(struct isostream *s, bool reset)
{
	if (s->started)
		return;
	if (reset) {
		memset(&s->c, 0, sizeof(s->c));
		memset(&s->out_check, 0, sizeof(s->out_check));
	}
	s->started = true;
	s->k = 0;
	s->t0_ns = fg_now_ns();
	s->produced = 0;
	if (s->throttle && s->timer_fd >= 0) {
		struct itimerspec it = { { 0, 1000000 }, { 0, 1000000 } };   /* 1 ms */

		timerfd_settime(s->timer_fd, 0, &it, NULL);
	}
	if (!s->e)
		return;
	/* The kick accounts the stopped time as idle first: the baseline follows it. */
	fg_engine_kick(s->e);
	iso_engine_counters(s, true, &s->base_in);
	iso_engine_counters(s, false, &s->base_out);
	s->base_in.idle_intervals -= s->c.in_underruns;     /* counters continue */
	s->base_in.short_transfers -= s->c.in_short;
	s->base_in.errors -= s->c.in_errors;
	s->base_out.idle_intervals -= s->c.out_overruns;
	s->base_out.errors -= s->c.out_errors;
	fg_info("isostream: started");
}

static void iso_stop(struct isostream *s)
{
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };

	if (!s->started)
		return;
	iso_refresh(s);
	s->started = false;
	if (s->timer_fd >= 0)
		timerfd_settime(s->timer_fd, 0, &off, NULL);
	iso_log_counters(s, "stopped");
}

/* ---- hooks ---- */

/*
 * The iso IN endpoint the host calls value, or -1: its address as the
 * host sees it (the UDC may have renumbered it), the description's before
 * the engine runs.
 */
static long iso_in_by_address(const struct isostream *s, uint16_t value)
{
	for (size_t i = 0; i < s->m->endpoint_count; i++) {
		const struct fg_ep_info *live = s->e ? fg_engine_endpoint(s->e, i) : NULL;
		uint8_t address = live ? live->address : s->m->endpoints[i].address;

		if (is_iso_ep(s, i, true) && address == value)
			return (long)i;
	}
	return -1;
}

static int iso_setup(void *state, const struct fg_setup *r, uint8_t *reply, size_t cap)
{
	struct isostream *s = state;
	bool in = r->request_type & USB_DIR_IN;

	if ((r->request_type & USB_TYPE_MASK) != USB_TYPE_VENDOR)
		return -EOPNOTSUPP;
	if (r->request == ISO_REQ_GET_COUNTERS) {
		if (!in)
			return -EINVAL;
		iso_refresh(s);
		return (int)iso_counters_encode(&s->c, reply, cap);
	}
	if (r->request == ISO_REQ_GET_FRESH) {
		long i = iso_in_by_address(s, r->value);

		if (!in || i < 0 || cap < ISO_FRESH_LEN)
			return -EINVAL;
		for (unsigned b = 0; b < ISO_FRESH_LEN; b++)
			reply[b] = (uint8_t)(s->fresh[i] >> (8 * b));
		return ISO_FRESH_LEN;
	}
	if (in || r->length)
		return -EINVAL;
	switch (r->request) {
	case ISO_REQ_START:
		iso_start(s, r->value & 1);
		return 0;
	case ISO_REQ_STOP:
		iso_stop(s);
		return 0;
	case ISO_REQ_SET_PACKET:
		s->packet = r->value;
		return 0;
	case ISO_REQ_SET_RATE:
		s->rate = r->value;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static void iso_enable(void *state)
{
	struct isostream *s = state;

	/* The engine has cancelled what was filled before: from here on all is fresh. */
	memcpy(s->fresh, s->seq, sizeof(s->fresh));
	if (s->autostart && !s->started)
		iso_start(s, false);
}

static size_t iso_fill_in(void *state, const struct fg_ep_info *ep, uint8_t *buf, size_t cap,
			  int refill)
{
	struct isostream *s = state;
	uint16_t mps = ep->maxpacket ? ep->maxpacket : 1024;
	size_t len = s->packet && s->packet < cap ? s->packet : cap;

	if (!is_iso_ep(s, ep->index, true) || !s->started)
		return FG_FILL_NONE;
	/* The division only when shaping: this runs 8000 times a second. */
	if ((s->rate && !iso_rate_due(s->k, s->rate, ep->interval_us ? 1000000u / ep->interval_us
									    : 8000u)) ||
	    (s->source == SOURCE_FD && s->src_eof && s->ring_len < len)) {
		s->k++;
		return 0;
	}
	if (s->source == SOURCE_GENERATOR) {
		uint64_t now = ep->now_ns;

		if (s->throttle && s->produced >= (now > s->t0_ns ? now - s->t0_ns : 0) *
							   s->throttle / 1000000000u) {
			s->c.in_starved++;
			return FG_FILL_NONE;
		}
		if (refill)
			iso_pattern_fill(buf, cap, mps);
		iso_stamp(buf, len, mps, &s->seq[ep->index], now);
		s->produced++;
	} else if (!iso_source_take(s, buf, len)) {
		s->c.in_starved++;
		return FG_FILL_NONE;
	}
	s->k++;
	return len;
}

/* Sent is what completed: a filled request may still be cancelled (stop, reset, unbind). */
static void iso_complete_in(void *state, const struct fg_ep_info *ep, size_t asked, long res)
{
	struct isostream *s = state;

	if ((long)ep->index != s->in_index || res < 0)
		return;
	if (asked == 0) {
		s->c.in_idle++;
	} else {
		s->c.in_packets += res > 0;
		s->c.in_bytes += (uint64_t)res;
	}
}

static void iso_consume_out(void *state, const struct fg_ep_info *ep, const uint8_t *buf,
			    size_t len)
{
	struct isostream *s = state;

	if (!is_iso_ep(s, ep->index, false))
		return;
	s->c.out_packets++;
	s->c.out_bytes += len;
	if (len < ep->transfer_size)
		s->c.out_short++;
	if (s->sink_check)   /* the variant directly: iso_check would be one more call */
		check_variant(&s->out_check, buf, len, ep->maxpacket ? ep->maxpacket : 1024);
}

static void iso_report(void *state, FILE *out)
{
	struct isostream *s = state;
	const struct iso_counters *c = &s->c;

	iso_refresh(s);
	fprintf(out, " | isostream %s: in %" PRIu64 " pkts %" PRIu64 " idle %" PRIu64
		" starved %" PRIu64 " underruns, out %" PRIu64 " pkts %" PRIu64 " lost %" PRIu64
		" overruns", s->started ? "on" : "off", c->in_packets, c->in_idle, c->in_starved,
		c->in_underruns, c->out_packets, c->out_lost, c->out_overruns);
}

static int iso_open_timer(struct isostream *s)
{
	int rc;

	s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->timer_fd < 0)
		return -errno;
	rc = fg_engine_watch(s->e, s->timer_fd, iso_on_timer, s);
	if (rc < 0) {
		close(s->timer_fd);
		s->timer_fd = -1;
	}
	return rc;
}

static int iso_open_source(struct isostream *s)
{
	struct stat st;

	if (!s->source_path[0]) {
		s->src_fd = dup(STDIN_FILENO);
	} else {
		/* O_RDWR on a FIFO: no end of file while no writer is connected yet. */
		s->src_fd = open(s->source_path, O_RDONLY | O_CLOEXEC);
		if (s->src_fd >= 0 && fstat(s->src_fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
			close(s->src_fd);
			s->src_fd = open(s->source_path, O_RDWR | O_CLOEXEC);
		}
	}
	if (s->src_fd < 0) {
		int rc = -errno;

		fg_err("isostream: source %s: %s", s->source_path[0] ? s->source_path : "stdin",
		       strerror(errno));
		return rc;
	}
	s->src_regular = fstat(s->src_fd, &st) == 0 && S_ISREG(st.st_mode);
	if (!s->src_regular)
		fcntl(s->src_fd, F_SETFL, fcntl(s->src_fd, F_GETFL) | O_NONBLOCK);
	return iso_source_watch(s, true);
}

static void iso_stop_hook(void *state)
{
	struct isostream *s = state;

	iso_stop(s);
	if (s->src_fd >= 0) {
		iso_source_watch(s, false);
		close(s->src_fd);
		s->src_fd = -1;
	}
	if (s->timer_fd >= 0) {
		fg_engine_unwatch(s->e, s->timer_fd);
		close(s->timer_fd);
		s->timer_fd = -1;
	}
	s->e = NULL;
}

/* The engine calls stop only after a start that succeeded: a failed one undoes itself. */
static int iso_start_hook(void *state, struct fg_engine *e)
{
	struct isostream *s = state;
	int rc = 0;

	s->e = e;
	if (s->throttle)
		rc = iso_open_timer(s);
	if (rc == 0 && s->source == SOURCE_FD)
		rc = iso_open_source(s);
	if (rc < 0)
		iso_stop_hook(s);
	return rc;
}

const struct fg_personality fg_isostream_personality = {
	.name = "isostream",
	.summary = "vendor iso streaming: stamped or piped IN source, checked OUT sink",
	.options = iso_options,
	.create = iso_create,
	.destroy = iso_destroy,
	.setup = iso_setup,
	.enable = iso_enable,
	.fill_in = iso_fill_in,
	.consume_out = iso_consume_out,
	.complete_in = iso_complete_in,
	.report = iso_report,
	.start = iso_start_hook,
	.stop = iso_stop_hook,
};
