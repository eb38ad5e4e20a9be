/* SPDX-License-Identifier: MIT */
/*
 * Gadget Zero: the source/sink device the kernel's usbtest driver tests
 * (0525:a4a0, set in configfs).  Behaviour follows the kernel's
 * f_sourcesink, the reference any usbtest run is judged against:
 *   - every IN endpoint sources zeros or usbtest's pattern, byte i of each
 *     packet being (i % 63);
 *   - every OUT endpoint sinks, checks the same pattern and counts the
 *     bytes that differ (iso OUT is counted, not checked: usbtest sends
 *     zeros there whatever its pattern);
 *   - vendor request 0x5b stores up to 4 KiB from the host, 0x5c returns
 *     it: usbtest's control loopback (tests 14 and 21).
 * With --dmabuf its bulk endpoints may run on DMABUF: the source writes its
 * pattern once per enable (refill), and the sink then only counts
 * transfers: the kernel tells no OUT length there, so nothing is checked.
 *
 * Options (description's `options` group):
 *   pattern = "zeros" | "mod63"     default "mod63"
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/usb/ch9.h>

#include "common/log.h"
#include "ffs/personality.h"

#define ZERO_REQ_WRITE 0x5b
#define ZERO_REQ_READ 0x5c
/* f_sourcesink's ep0 buffer: the loopback is no larger. */
#define ZERO_LOOPBACK_MAX 4096

enum zero_pattern { ZERO_PATTERN_ZEROS, ZERO_PATTERN_MOD63 };

struct zero {
	enum zero_pattern pattern;
	uint8_t loopback[ZERO_LOOPBACK_MAX];
	uint64_t checked_bytes;
	uint64_t mismatched_bytes;
	uint64_t mismatched_transfers;
	uint64_t loopbacks;
	uint64_t iso_bytes;         /* received on iso OUT, unchecked */
};

static inline uint8_t zero_expected(const struct zero *z, size_t offset, uint16_t maxpacket)
{
	if (z->pattern == ZERO_PATTERN_ZEROS)
		return 0;
	return (uint8_t)((offset % maxpacket) % 63);
}

static const char *const zero_patterns[] = { "zeros", "mod63", NULL };

static const struct fg_option_spec zero_options[] = {
	{ "pattern", FG_OPTION_CHOICE, 0, zero_patterns },
	{ NULL, FG_OPTION_TEXT, 0, NULL },
};

static int zero_create(const struct fg_model *m, void **state, char *err, size_t errlen)
{
	const struct fg_option *opt = fg_model_option(m, "pattern");
	struct zero *z;

	(void)err;
	(void)errlen;
	z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	z->pattern = opt && strcmp(opt->value, "zeros") == 0 ? ZERO_PATTERN_ZEROS :
		     ZERO_PATTERN_MOD63;
	*state = z;
	return 0;
}

static void zero_destroy(void *state)
{
	free(state);
}

static int zero_setup(void *state, const struct fg_setup *s, uint8_t *reply, size_t cap)
{
	struct zero *z = state;

	if ((s->request_type & USB_TYPE_MASK) != USB_TYPE_VENDOR)
		return -EOPNOTSUPP;
	/* As f_sourcesink: wValue and wIndex must be 0, and the data fits the buffer. */
	if (s->value || s->index || s->length > ZERO_LOOPBACK_MAX)
		return -EINVAL;
	switch (s->request) {
	case ZERO_REQ_WRITE:
		if (s->request_type & USB_DIR_IN)
			return -EINVAL;
		return 0;
	case ZERO_REQ_READ:
		if (!(s->request_type & USB_DIR_IN) || cap < s->length)
			return -EINVAL;
		memcpy(reply, z->loopback, s->length);
		z->loopbacks++;
		return s->length;
	default:
		return -EOPNOTSUPP;
	}
}

static int zero_control_out(void *state, const struct fg_setup *s, const uint8_t *data,
			    size_t len)
{
	struct zero *z = state;

	if (s->request != ZERO_REQ_WRITE || len > sizeof(z->loopback))
		return -EINVAL;
	memcpy(z->loopback, data, len);
	return 0;
}

static size_t zero_fill_in(void *state, const struct fg_ep_info *ep, uint8_t *buf, size_t cap,
			   int refill)
{
	struct zero *z = state;

	/* The pattern depends only on the speed's max packet: write it once per enable. */
	if (refill) {
		uint16_t mps = ep->maxpacket ? ep->maxpacket : 64;

		for (size_t i = 0; i < cap; i++)
			buf[i] = zero_expected(z, i, mps);
	}
	return cap;
}

static void zero_consume_out(void *state, const struct fg_ep_info *ep, const uint8_t *buf,
			     size_t len)
{
	struct zero *z = state;
	uint16_t mps = ep->maxpacket ? ep->maxpacket : 64;
	uint64_t bad = 0;
	size_t first_bad = 0;

	/* As f_sourcesink: iso OUT data is not checked (usbtest sends zeros). */
	if (ep->desc->type == FG_EP_ISO) {
		z->iso_bytes += len;
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != zero_expected(z, i, mps)) {
			if (!bad)
				first_bad = i;
			bad++;
		}
	}
	z->checked_bytes += len;
	if (bad) {
		if (!z->mismatched_transfers)
			fg_warn("%s: data differs from the pattern at byte %zu of %zu "
				"(0x%02x, expected 0x%02x)",
				ep->desc->name, first_bad, len, buf[first_bad],
				zero_expected(z, first_bad, mps));
		z->mismatched_bytes += bad;
		z->mismatched_transfers++;
	}
}

static void zero_report(void *state, FILE *out)
{
	const struct zero *z = state;

	fprintf(out, " | zero: %" PRIu64 " bytes checked, %" PRIu64 " mismatched, %" PRIu64
		" loopbacks", z->checked_bytes, z->mismatched_bytes, z->loopbacks);
	if (z->iso_bytes)
		fprintf(out, ", %" PRIu64 " iso bytes in", z->iso_bytes);
}

const struct fg_personality fg_zero_personality = {
	.name = "zero",
	.summary = "Gadget Zero source/sink for the kernel's usbtest (0525:a4a0)",
	.options = zero_options,
	.create = zero_create,
	.destroy = zero_destroy,
	.setup = zero_setup,
	.control_out = zero_control_out,
	.fill_in = zero_fill_in,
	.consume_out = zero_consume_out,
	.report = zero_report,
	.dmabuf = true,
};
