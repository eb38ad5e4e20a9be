/* SPDX-License-Identifier: MIT */
/*
 * Endpoint selection.  The UDC assigns the real addresses, so the usual way
 * to name an endpoint is by type and direction ("bulk-in"); an address
 * ("0x81") is for when there are several of a kind.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fgh.h"

static const struct {
	const char *name;
	uint8_t type;
} type_names[] = {
	{ "bulk", LIBUSB_ENDPOINT_TRANSFER_TYPE_BULK },
	{ "int", LIBUSB_ENDPOINT_TRANSFER_TYPE_INTERRUPT },
	{ "interrupt", LIBUSB_ENDPOINT_TRANSFER_TYPE_INTERRUPT },
	{ "iso", LIBUSB_ENDPOINT_TRANSFER_TYPE_ISOCHRONOUS },
	{ "isoc", LIBUSB_ENDPOINT_TRANSFER_TYPE_ISOCHRONOUS },
	{ "control", LIBUSB_ENDPOINT_TRANSFER_TYPE_CONTROL },
};

const char *fgh_ep_type_name(uint8_t type)
{
	switch (type & 3) {
	case LIBUSB_ENDPOINT_TRANSFER_TYPE_CONTROL: return "control";
	case LIBUSB_ENDPOINT_TRANSFER_TYPE_ISOCHRONOUS: return "iso";
	case LIBUSB_ENDPOINT_TRANSFER_TYPE_BULK: return "bulk";
	default: return "interrupt";
	}
}

int fgh_ep_spec_parse(const char *arg, struct fgh_ep_spec *spec)
{
	char buf[32];
	const char *at = strchr(arg, '@'), *s = arg;

	memset(spec, 0, sizeof(*spec));
	spec->alt = -1;
	if (at) {
		char *end;
		unsigned long alt = strtoul(at + 1, &end, 10);

		if (at[1] < '0' || at[1] > '9' || *end || alt > 255 ||
		    (size_t)(at - arg) >= sizeof(buf) || arg[0] == '@' ||
		    (arg[0] >= '0' && arg[0] <= '9'))
			return -1;
		memcpy(buf, arg, (size_t)(at - arg));
		buf[at - arg] = '\0';
		s = buf;
		spec->alt = (int)alt;
	}
	if (s[0] >= '0' && s[0] <= '9') {
		char *end;
		unsigned long v = strtoul(s, &end, 0);

		if (*end || v > 0xff || (v & 0x70) || (v & 0x0f) == 0)
			return -1;
		spec->by_addr = true;
		spec->addr = (uint8_t)v;
		return 0;
	}
	const char *dash = strrchr(s, '-');
	if (!dash)
		return -1;
	if (strcasecmp(dash + 1, "in") == 0)
		spec->in = true;
	else if (strcasecmp(dash + 1, "out") != 0)
		return -1;
	size_t n = (size_t)(dash - s);
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (strlen(type_names[i].name) == n && strncasecmp(s, type_names[i].name, n) == 0 &&
		    type_names[i].type != LIBUSB_ENDPOINT_TRANSFER_TYPE_CONTROL) {
			spec->type = type_names[i].type;
			return 0;
		}
	}
	return -1;
}

static bool ep_matches(const struct libusb_endpoint_descriptor *d, const struct fgh_ep_spec *spec,
		       int alt)
{
	if (spec->alt >= 0 && spec->alt != alt)
		return false;
	if (spec->by_addr)
		return d->bEndpointAddress == spec->addr;
	return (d->bmAttributes & 3) == spec->type &&
	       !!(d->bEndpointAddress & LIBUSB_ENDPOINT_IN) == spec->in;
}

int fgh_ep_find(const struct libusb_config_descriptor *cfg, const struct fgh_ep_spec *spec,
		struct fgh_ep *ep)
{
	for (int i = 0; i < cfg->bNumInterfaces; i++) {
		const struct libusb_interface *intf = &cfg->interface[i];

		for (int a = 0; a < intf->num_altsetting; a++) {
			const struct libusb_interface_descriptor *alt = &intf->altsetting[a];

			for (int e = 0; e < alt->bNumEndpoints; e++) {
				const struct libusb_endpoint_descriptor *d = &alt->endpoint[e];

				if (!ep_matches(d, spec, alt->bAlternateSetting))
					continue;
				ep->addr = d->bEndpointAddress;
				ep->type = d->bmAttributes & 3;
				ep->wMaxPacketSize = d->wMaxPacketSize;
				ep->interval = d->bInterval;
				ep->iface = alt->bInterfaceNumber;
				ep->alt = alt->bAlternateSetting;
				return 0;
			}
		}
	}
	return -1;
}
