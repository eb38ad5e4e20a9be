/* SPDX-License-Identifier: MIT */
/*
 * Descriptor dump in the layout of `lsusb -v`: device, every configuration,
 * interfaces and alt settings, endpoints with their SuperSpeed companions,
 * HID class descriptors, the BOS, and the strings they name.  Descriptors
 * the parser does not know are printed as hex, each after a length check.
 */
#include <string.h>

#include "fgh.h"

static void field(FILE *out, int indent, const char *name, unsigned v)
{
	fprintf(out, "%*s%-20s%5u\n", indent, "", name, v);
}

static void field_hex(FILE *out, int indent, const char *name, unsigned v, int digits)
{
	fprintf(out, "%*s%-20s%*s0x%0*x\n", indent, "", name, 3 - digits < 0 ? 0 : 3 - digits, "",
		digits, v);
}

static void field_bcd(FILE *out, int indent, const char *name, unsigned v)
{
	fprintf(out, "%*s%-20s%2x.%02x\n", indent, "", name, v >> 8, v & 0xff);
}

static void field_str(FILE *out, int indent, const char *name, libusb_device_handle *h,
		      uint8_t idx)
{
	char s[256] = "";

	if (h && idx && libusb_get_string_descriptor_ascii(h, idx, (unsigned char *)s,
							   sizeof(s)) < 0)
		s[0] = '\0';
	fprintf(out, "%*s%-20s%5u %s\n", indent, "", name, idx, s);
}

static const char *class_name(uint8_t c)
{
	switch (c) {
	case 0x00: return "(Defined at Interface level)";
	case 0x01: return "Audio";
	case 0x02: return "Communications";
	case 0x03: return "Human Interface Device";
	case 0x08: return "Mass Storage";
	case 0x09: return "Hub";
	case 0x0a: return "CDC Data";
	case 0x0e: return "Video";
	case 0xef: return "Miscellaneous Device";
	case 0xfe: return "Application Specific Interface";
	case 0xff: return "Vendor Specific Class";
	default: return "";
	}
}

static void hex_block(FILE *out, int indent, const char *what, const uint8_t *p, size_t n)
{
	char pad[16];

	snprintf(pad, sizeof(pad), "%*s", indent + 2, "");
	fprintf(out, "%*s%s (%zu bytes):\n", indent, "", what, n);
	fgh_hex_print(out, p, n, pad);
}

static void dump_hid(FILE *out, const uint8_t *d, size_t n)
{
	const int in = 8;

	fprintf(out, "%*sHID Device Descriptor:\n", in - 2, "");
	field(out, in, "bLength", d[0]);
	field(out, in, "bDescriptorType", d[1]);
	if (n < 6) {
		hex_block(out, in, "** TRUNCATED", d, n);
		return;
	}
	field_bcd(out, in, "bcdHID", (unsigned)(d[2] | d[3] << 8));
	field(out, in, "bCountryCode", d[4]);
	field(out, in, "bNumDescriptors", d[5]);
	for (unsigned i = 0; i < d[5]; i++) {
		size_t o = 6 + 3 * (size_t)i;

		if (o + 3 > n) {
			fprintf(out, "%*s** bNumDescriptors larger than bLength\n", in, "");
			return;
		}
		field_hex(out, in, "bDescriptorType", d[o], 2);
		field(out, in, "wDescriptorLength", (unsigned)(d[o + 1] | d[o + 2] << 8));
	}
	fprintf(out, "%*s Report Descriptors:\n%*s   ** UNAVAILABLE (not fetched: it needs the "
		"interface claimed)\n", in, "", in, "");
}

/* Class and vendor descriptors after an interface or endpoint descriptor. */
static void dump_extra(FILE *out, int indent, const uint8_t *p, int len, bool in_hid_iface)
{
	size_t n = len > 0 ? (size_t)len : 0, o = 0;

	while (o < n) {
		if (n - o < 2 || p[o] < 2 || p[o] > n - o) {
			hex_block(out, indent, "** MALFORMED descriptor bytes", p + o, n - o);
			return;
		}
		const uint8_t *d = p + o;
		if (d[1] == 0x21 && in_hid_iface)
			dump_hid(out, d, d[0]);
		else if (d[1] != LIBUSB_DT_SS_ENDPOINT_COMPANION)   /* printed by dump_endpoint */
			hex_block(out, indent, "** UNRECOGNIZED descriptor", d, d[0]);
		o += d[0];
	}
}

static void dump_endpoint(FILE *out, libusb_context *ctx, const struct libusb_endpoint_descriptor *e,
			  bool hid)
{
	static const char *const types[] = { "Control", "Isochronous", "Bulk", "Interrupt" };
	static const char *const syncs[] = { "None", "Asynchronous", "Adaptive", "Synchronous" };
	static const char *const usages[] = { "Data", "Feedback", "Implicit feedback Data",
					      "Reserved" };
	const int in = 8;
	uint16_t mps = e->wMaxPacketSize;

	fprintf(out, "%*sEndpoint Descriptor:\n", in - 2, "");
	field(out, in, "bLength", e->bLength);
	field(out, in, "bDescriptorType", e->bDescriptorType);
	fprintf(out, "%*s%-20s%*s0x%02x  EP %u %s\n", in, "", "bEndpointAddress", 1, "",
		e->bEndpointAddress, e->bEndpointAddress & 0x0f,
		e->bEndpointAddress & LIBUSB_ENDPOINT_IN ? "IN" : "OUT");
	field(out, in, "bmAttributes", e->bmAttributes);
	fprintf(out, "%*s  Transfer Type            %s\n", in, "", types[e->bmAttributes & 3]);
	fprintf(out, "%*s  Synch Type               %s\n", in, "", syncs[(e->bmAttributes >> 2) & 3]);
	fprintf(out, "%*s  Usage Type               %s\n", in, "", usages[(e->bmAttributes >> 4) & 3]);
	fprintf(out, "%*s%-20s0x%04x  %ux %u bytes\n", in, "", "wMaxPacketSize", mps,
		((mps >> 11) & 3) + 1, mps & 0x7ff);
	field(out, in, "bInterval", e->bInterval);
	if (e->bLength >= 9) {
		field(out, in, "bRefresh", e->bRefresh);
		field(out, in, "bSynchAddress", e->bSynchAddress);
	}
	struct libusb_ss_endpoint_companion_descriptor *ss = NULL;
	if (libusb_get_ss_endpoint_companion_descriptor(ctx, e, &ss) == 0) {
		fprintf(out, "%*sSuperSpeed Endpoint Companion Descriptor:\n", in, "");
		field(out, in + 2, "bLength", ss->bLength);
		field(out, in + 2, "bDescriptorType", ss->bDescriptorType);
		field(out, in + 2, "bMaxBurst", ss->bMaxBurst);
		if ((e->bmAttributes & 3) == LIBUSB_ENDPOINT_TRANSFER_TYPE_BULK)
			field(out, in + 2, "MaxStreams", ss->bmAttributes & 0x1f ?
			      1u << (ss->bmAttributes & 0x1f) : 0);
		else if ((e->bmAttributes & 3) == LIBUSB_ENDPOINT_TRANSFER_TYPE_ISOCHRONOUS)
			field(out, in + 2, "Mult", ss->bmAttributes & 3);
		field(out, in + 2, "wBytesPerInterval", ss->wBytesPerInterval);
		libusb_free_ss_endpoint_companion_descriptor(ss);
	}
	dump_extra(out, in, e->extra, e->extra_length, hid);
}

static void dump_interface(FILE *out, libusb_context *ctx, libusb_device_handle *h,
			   const struct libusb_interface_descriptor *d)
{
	const int in = 6;
	bool hid = d->bInterfaceClass == LIBUSB_CLASS_HID;

	fprintf(out, "%*sInterface Descriptor:\n", in - 2, "");
	field(out, in, "bLength", d->bLength);
	field(out, in, "bDescriptorType", d->bDescriptorType);
	field(out, in, "bInterfaceNumber", d->bInterfaceNumber);
	field(out, in, "bAlternateSetting", d->bAlternateSetting);
	field(out, in, "bNumEndpoints", d->bNumEndpoints);
	fprintf(out, "%*s%-20s%5u %s\n", in, "", "bInterfaceClass", d->bInterfaceClass,
		class_name(d->bInterfaceClass));
	field(out, in, "bInterfaceSubClass", d->bInterfaceSubClass);
	field(out, in, "bInterfaceProtocol", d->bInterfaceProtocol);
	field_str(out, in, "iInterface", h, d->iInterface);
	dump_extra(out, in, d->extra, d->extra_length, hid);
	for (int e = 0; e < d->bNumEndpoints; e++)
		dump_endpoint(out, ctx, &d->endpoint[e], hid);
}

static void dump_config(FILE *out, libusb_context *ctx, libusb_device_handle *h,
			const struct libusb_config_descriptor *c)
{
	const int in = 4;

	fprintf(out, "%*sConfiguration Descriptor:\n", in - 2, "");
	field(out, in, "bLength", c->bLength);
	field(out, in, "bDescriptorType", c->bDescriptorType);
	field_hex(out, in, "wTotalLength", c->wTotalLength, 4);
	field(out, in, "bNumInterfaces", c->bNumInterfaces);
	field(out, in, "bConfigurationValue", c->bConfigurationValue);
	field_str(out, in, "iConfiguration", h, c->iConfiguration);
	field_hex(out, in, "bmAttributes", c->bmAttributes, 2);
	if (c->bmAttributes & 0x40)
		fprintf(out, "%*s  Self Powered\n", in, "");
	if (c->bmAttributes & 0x20)
		fprintf(out, "%*s  Remote Wakeup\n", in, "");
	fprintf(out, "%*s%-20s%5umA\n", in, "", "MaxPower", c->MaxPower * 2u);
	dump_extra(out, in, c->extra, c->extra_length, false);
	for (int i = 0; i < c->bNumInterfaces; i++)
		for (int a = 0; a < c->interface[i].num_altsetting; a++)
			dump_interface(out, ctx, h, &c->interface[i].altsetting[a]);
}

static void dump_bos(FILE *out, libusb_context *ctx, libusb_device_handle *h)
{
	struct libusb_bos_descriptor *bos;

	if (!h || libusb_get_bos_descriptor(h, &bos) < 0)
		return;
	fprintf(out, "Binary Object Store Descriptor:\n");
	field(out, 2, "bLength", bos->bLength);
	field(out, 2, "bDescriptorType", bos->bDescriptorType);
	field_hex(out, 2, "wTotalLength", bos->wTotalLength, 4);
	field(out, 2, "bNumDeviceCaps", bos->bNumDeviceCaps);
	for (unsigned i = 0; i < bos->bNumDeviceCaps; i++) {
		struct libusb_bos_dev_capability_descriptor *cap = bos->dev_capability[i];

		switch (cap->bDevCapabilityType) {
		case LIBUSB_BT_USB_2_0_EXTENSION: {
			struct libusb_usb_2_0_extension_descriptor *e;

			if (libusb_get_usb_2_0_extension_descriptor(ctx, cap, &e) < 0)
				break;
			fprintf(out, "  USB 2.0 Extension Device Capability:\n");
			field_hex(out, 4, "bmAttributes", e->bmAttributes, 8);
			if (e->bmAttributes & LIBUSB_BM_LPM_SUPPORT)
				fprintf(out, "      Link Power Management (LPM) Supported\n");
			libusb_free_usb_2_0_extension_descriptor(e);
			continue;
		}
		case LIBUSB_BT_SS_USB_DEVICE_CAPABILITY: {
			struct libusb_ss_usb_device_capability_descriptor *ss;

			if (libusb_get_ss_usb_device_capability_descriptor(ctx, cap, &ss) < 0)
				break;
			fprintf(out, "  SuperSpeed USB Device Capability:\n");
			field_hex(out, 4, "bmAttributes", ss->bmAttributes, 2);
			field_hex(out, 4, "wSpeedsSupported", ss->wSpeedSupported, 4);
			field(out, 4, "bFunctionalitySupport", ss->bFunctionalitySupport);
			field(out, 4, "bU1DevExitLat", ss->bU1DevExitLat);
			field(out, 4, "bU2DevExitLat", ss->bU2DevExitLat);
			libusb_free_ss_usb_device_capability_descriptor(ss);
			continue;
		}
		default:
			break;
		}
		hex_block(out, 2, "** UNRECOGNIZED device capability", (const uint8_t *)cap,
			  cap->bLength);
	}
	libusb_free_bos_descriptor(bos);
}

int fgh_dump(libusb_device *dev, libusb_device_handle *h, FILE *out)
{
	struct libusb_device_descriptor dd;
	libusb_context *ctx = NULL;   /* the default context: descriptor helpers only log with it */
	char path[32] = "?";

	int r = libusb_get_device_descriptor(dev, &dd);
	if (r < 0)
		return r;
	fgh_device_path(dev, path, sizeof(path));
	fprintf(out, "Bus %03u Device %03u: ID %04x:%04x  path %s, %s speed\n",
		libusb_get_bus_number(dev), libusb_get_device_address(dev), dd.idVendor,
		dd.idProduct, path, fgh_speed_name(libusb_get_device_speed(dev)));
	fprintf(out, "Device Descriptor:\n");
	field(out, 2, "bLength", dd.bLength);
	field(out, 2, "bDescriptorType", dd.bDescriptorType);
	field_bcd(out, 2, "bcdUSB", dd.bcdUSB);
	fprintf(out, "  %-20s%5u %s\n", "bDeviceClass", dd.bDeviceClass, class_name(dd.bDeviceClass));
	field(out, 2, "bDeviceSubClass", dd.bDeviceSubClass);
	field(out, 2, "bDeviceProtocol", dd.bDeviceProtocol);
	field(out, 2, "bMaxPacketSize0", dd.bMaxPacketSize0);
	field_hex(out, 2, "idVendor", dd.idVendor, 4);
	field_hex(out, 2, "idProduct", dd.idProduct, 4);
	field_bcd(out, 2, "bcdDevice", dd.bcdDevice);
	field_str(out, 2, "iManufacturer", h, dd.iManufacturer);
	field_str(out, 2, "iProduct", h, dd.iProduct);
	field_str(out, 2, "iSerial", h, dd.iSerialNumber);
	field(out, 2, "bNumConfigurations", dd.bNumConfigurations);
	for (uint8_t i = 0; i < dd.bNumConfigurations; i++) {
		struct libusb_config_descriptor *c;

		r = libusb_get_config_descriptor(dev, i, &c);
		if (r < 0) {
			fprintf(out, "  ** configuration %u: %s\n", i, libusb_strerror(r));
			continue;
		}
		dump_config(out, ctx, h, c);
		libusb_free_config_descriptor(c);
	}
	if (dd.bcdUSB >= 0x0201)
		dump_bos(out, ctx, h);
	return 0;
}
