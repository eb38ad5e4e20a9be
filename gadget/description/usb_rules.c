/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "description/usb_rules.h"

const char *fg_speed_label(enum fg_speed_index s)
{
	static const char *const label[] = { "full-speed", "high-speed", "super-speed" };

	return (unsigned)s < 3 ? label[s] : "?";
}

const char *fg_speed_key(enum fg_speed_index s)
{
	static const char *const key[] = { "full", "high", "super" };

	return (unsigned)s < 3 ? key[s] : "?";
}

const char *fg_ep_type_name(enum fg_ep_type t)
{
	switch (t) {
	case FG_EP_BULK:
		return "bulk";
	case FG_EP_INT:
		return "interrupt";
	case FG_EP_ISO:
		return "iso";
	}
	return "?";
}

/* USB 2.0 5.7.3 / 5.8.3 / 5.6.3 and USB 3.2 9.6.6. */
static unsigned periodic_limit(enum fg_ep_type t, enum fg_speed_index s)
{
	if (s == FG_FS)
		return t == FG_EP_INT ? 64 : 1023;
	return 1024;
}

bool fg_usb_maxpacket_ok(enum fg_ep_type t, enum fg_speed_index s, unsigned maxp,
			 unsigned mult, unsigned burst, char *why, size_t whylen)
{
	const char *speed = fg_speed_label(s);

	if (t == FG_EP_BULK) {
		static const unsigned need[] = { 0, 512, 1024 };

		if (s == FG_FS && maxp != 8 && maxp != 16 && maxp != 32 && maxp != 64) {
			snprintf(why, whylen, "%s bulk max packet %u must be 8, 16, 32 or 64",
				 speed, maxp);
			return false;
		}
		if (s != FG_FS && maxp != need[s]) {
			snprintf(why, whylen, "%s bulk max packet %u must be %u", speed, maxp,
				 need[s]);
			return false;
		}
		return true;
	}
	if (maxp == 0) {
		snprintf(why, whylen, "%s max packet must be at least 1", speed);
		return false;
	}
	if (maxp > periodic_limit(t, s)) {
		snprintf(why, whylen, "%s max packet %u exceeds %u", speed, maxp,
			 periodic_limit(t, s));
		return false;
	}
	/* USB 2.0 table 9-14: high-bandwidth endpoints need large packets. */
	if (s == FG_HS && mult > 1) {
		unsigned low = mult == 2 ? 513 : 683;

		if (maxp < low) {
			snprintf(why, whylen,
				 "high-speed max packet %u too small for mult %u (needs %u..1024)",
				 maxp, mult, low);
			return false;
		}
	}
	/* USB 3.2 9.6.6: an endpoint that bursts sends only full packets. */
	if (s == FG_SS && burst > 1 && maxp != 1024) {
		snprintf(why, whylen, "super-speed max packet %u must be 1024 with burst %u",
			 maxp, burst);
		return false;
	}
	return true;
}

bool fg_usb_interval_ok(enum fg_ep_type t, enum fg_speed_index s, unsigned interval,
			char *why, size_t whylen)
{
	/* Full-speed interrupt counts frames; everything else is an exponent. */
	unsigned max = (t == FG_EP_INT && s == FG_FS) ? 255 : 16;

	if (interval < 1 || interval > max) {
		snprintf(why, whylen, "%s interval %u out of range 1..%u", fg_speed_label(s),
			 interval, max);
		return false;
	}
	return true;
}

unsigned fg_usb_bytes_per_interval(const struct fg_endpoint *ep, enum fg_speed_index s)
{
	unsigned maxp = ep->maxpacket[s];

	if (ep->type == FG_EP_BULK)
		return maxp;
	if (s == FG_FS)
		return maxp;
	if (s == FG_HS)
		return maxp * ep->mult;
	/* SS: Mult exists for iso only; interrupt endpoints scale by burst alone. */
	return maxp * ep->burst * (ep->type == FG_EP_ISO ? ep->mult : 1u);
}

size_t fg_usb_speed_descriptors_len(const struct fg_model *m, enum fg_speed_index s)
{
	/* bLength of each descriptor written per alt setting and endpoint */
	const size_t interface = 9, hid = 9, endpoint = 7, ss_companion = 6;
	size_t len = 0;

	for (size_t i = 0; i < m->interface_count; i++) {
		for (size_t a = 0; a < m->interfaces[i].alt_count; a++) {
			const struct fg_alt *alt = &m->interfaces[i].alts[a];

			len += interface + (alt->hid.present ? hid : 0);
			len += alt->ep_count * (endpoint + (s == FG_SS ? ss_companion : 0));
		}
	}
	return len;
}
