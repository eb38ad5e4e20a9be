/* SPDX-License-Identifier: MIT */
/*
 * USB 2.0 / 3.x chapter 9 limits on endpoint descriptors, per speed.
 * Pure functions: they know nothing of description files; the loader turns
 * a false return plus the problem text into a located message.
 */
#ifndef FFSGADGET_USB_RULES_H
#define FFSGADGET_USB_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "description/model.h"

/* "full-speed", "high-speed", "super-speed" */
const char *fg_speed_label(enum fg_speed_index s);
/* "full", "high", "super": the words used in description files */
const char *fg_speed_key(enum fg_speed_index s);
/* "bulk", "interrupt", "iso" */
const char *fg_ep_type_name(enum fg_ep_type t);

/*
 * wMaxPacketSize bits 10:0 at one speed.  mult is the HS transactions per
 * microframe (1..3), burst the SS packets per burst (1..16).
 */
bool fg_usb_maxpacket_ok(enum fg_ep_type t, enum fg_speed_index s, unsigned maxp,
			 unsigned mult, unsigned burst, char *why, size_t whylen);

/* bInterval at one speed, for interrupt and iso endpoints. */
bool fg_usb_interval_ok(enum fg_ep_type t, enum fg_speed_index s, unsigned interval,
			char *why, size_t whylen);

/* Bytes one service interval can carry at speed s (what wBytesPerInterval says at SS). */
unsigned fg_usb_bytes_per_interval(const struct fg_endpoint *ep, enum fg_speed_index s);

/*
 * Bytes of the interface, HID, endpoint and SS companion descriptors that
 * one speed's list carries for m (USB 2.0 9.6.5, 9.6.6, HID 1.11 6.2.1,
 * USB 3.2 9.6.7): what the configuration descriptor adds to its header.
 */
size_t fg_usb_speed_descriptors_len(const struct fg_model *m, enum fg_speed_index s);

#endif
