/* SPDX-License-Identifier: MIT */
/*
 * MS OS 1.0 descriptors as Windows reads them: string 0xEE for the vendor
 * code, then GET_MS_DESCRIPTOR (a vendor request with that code) for the
 * extended compat ID (device recipient, wIndex 4) and, per interface, the
 * extended properties (interface recipient, wIndex 5).  wValue carries the
 * interface number in its low byte and page 0 in its high byte, which is
 * what Linux's composite layer answers.  Each descriptor is read twice:
 * its header for dwLength, then whole.
 */
#include <stdlib.h>

#include "fgh.h"

#define MSOS_MAX 4096
#define MSOS_TIMEOUT_MS 1000
#define MAX_SECTIONS 32

/* Header, then the whole descriptor.  Bytes read or a LIBUSB_ERROR. */
static int read_msos(libusb_device_handle *h, uint8_t reqtype, uint8_t code, uint16_t value,
		     uint16_t index, uint16_t header, uint8_t *buf)
{
	int r = libusb_control_transfer(h, reqtype, code, value, index, buf, header,
					MSOS_TIMEOUT_MS);
	uint32_t len;

	if (r < 0)
		return r;
	if (fgh_msos_header_length(buf, (size_t)r, &len) < 0)
		return r;   /* the parser reports what is wrong */
	if (len <= (uint32_t)r)
		return r;
	if (len > MSOS_MAX)
		len = MSOS_MAX;
	return libusb_control_transfer(h, reqtype, code, value, index, buf, (uint16_t)len,
				       MSOS_TIMEOUT_MS);
}

static void print_string_data(FILE *out, const struct fgh_msos_prop *p)
{
	char text[MSOS_MAX];
	uint32_t off = 0;

	/* REG_MULTI_SZ: strings one after another, each NUL-terminated, an empty one last. */
	do {
		int n = fgh_utf16le_to_utf8(p->data + off, p->data_len - off, text, sizeof(text));
		if (n < 0) {
			fprintf(out, "        ** %s\n", fgh_msos_strerror(n));
			return;
		}
		if (n == 0 && off > 0)
			break;
		fprintf(out, "        \"%s\"\n", text);
		/* Skip to just past this string's terminator. */
		while (off + 1 < p->data_len && (p->data[off] || p->data[off + 1]))
			off += 2;
		off += 2;
	} while (p->type == FGH_REG_MULTI_SZ && off + 1 < p->data_len);
}

static void print_props(FILE *out, const uint8_t *buf, size_t len, int iface)
{
	struct fgh_msos_prop props[MAX_SECTIONS];
	struct fgh_msos_props p = { .props = props, .capacity = MAX_SECTIONS };
	int err = fgh_msos_parse_props(buf, len, &p);

	fprintf(out, "  Extended Properties (interface %d):\n", iface);
	if (err) {
		fprintf(out, "    ** invalid: %s\n", fgh_msos_strerror(err));
		fgh_hex_print(out, buf, len, "    ");
		return;
	}
	fprintf(out, "    dwLength %zu, wCount %u\n", len, p.count);
	for (unsigned i = 0; i < p.count; i++) {
		char name[512];

		if (fgh_utf16le_to_utf8(props[i].name, props[i].name_len, name, sizeof(name)) < 0)
			name[0] = '\0';
		fprintf(out, "    Property %u: %s (%s, %u bytes)\n", i, name,
			fgh_reg_type_name(props[i].type), props[i].data_len);
		switch (props[i].type) {
		case FGH_REG_DWORD_LE:
			fprintf(out, "        0x%08x\n", (unsigned)(props[i].data[0] | props[i].data[1] << 8 |
				props[i].data[2] << 16 | (uint32_t)props[i].data[3] << 24));
			break;
		case FGH_REG_DWORD_BE:
			fprintf(out, "        0x%08x\n", (unsigned)((uint32_t)props[i].data[0] << 24 |
				props[i].data[1] << 16 | props[i].data[2] << 8 | props[i].data[3]));
			break;
		case FGH_REG_BINARY:
			fgh_hex_print(out, props[i].data, props[i].data_len, "        ");
			break;
		default:
			print_string_data(out, &props[i]);
			break;
		}
	}
}

static void print_compat(FILE *out, const uint8_t *buf, size_t len)
{
	struct fgh_msos_function fn[MAX_SECTIONS];
	struct fgh_msos_compat c = { .functions = fn, .capacity = MAX_SECTIONS };
	int err = fgh_msos_parse_compat(buf, len, &c);

	fprintf(out, "  Extended Compat ID:\n");
	if (err) {
		fprintf(out, "    ** invalid: %s\n", fgh_msos_strerror(err));
		fgh_hex_print(out, buf, len, "    ");
		return;
	}
	fprintf(out, "    dwLength %zu, bCount %u\n", len, c.count);
	for (unsigned i = 0; i < c.count; i++)
		fprintf(out, "    Function %u: bFirstInterfaceNumber %u, compatibleID \"%s\", "
			"subCompatibleID \"%s\"\n", i, fn[i].first_interface, fn[i].compatible_id,
			fn[i].sub_compatible_id);
}

void fgh_msos_dump(libusb_device_handle *h, FILE *out)
{
	uint8_t *buf = malloc(MSOS_MAX);
	uint8_t code;
	struct libusb_config_descriptor *cfg = NULL;

	fprintf(out, "Microsoft OS 1.0 Descriptors:\n");
	if (!buf) {
		fprintf(out, "  ** out of memory\n");
		return;
	}
	int r = libusb_get_string_descriptor(h, FGH_MSOS_STRING_INDEX, 0, buf, 255);
	if (r < 0) {
		fprintf(out, "  none (string descriptor 0xEE: %s)\n", libusb_strerror(r));
		goto out;
	}
	int err = fgh_msos_parse_string(buf, (size_t)r, &code);
	if (err) {
		fprintf(out, "  string descriptor 0xEE invalid: %s\n", fgh_msos_strerror(err));
		fgh_hex_print(out, buf, (size_t)r, "    ");
		goto out;
	}
	fprintf(out, "  OS String Descriptor: qwSignature \"MSFT100\", bMS_VendorCode 0x%02x\n", code);

	r = read_msos(h, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_DEVICE,
		      code, 0, FGH_MSOS_COMPAT_INDEX, FGH_MSOS_COMPAT_HEADER, buf);
	if (r < 0)
		fprintf(out, "  Extended Compat ID: none (%s)\n",
			r == LIBUSB_ERROR_PIPE ? "STALL" : libusb_strerror(r));
	else
		print_compat(out, buf, (size_t)r);

	libusb_device *dev = libusb_get_device(h);
	if (libusb_get_active_config_descriptor(dev, &cfg) < 0) {
		fprintf(out, "  Extended Properties: no active configuration\n");
		goto out;
	}
	for (int i = 0; i < cfg->bNumInterfaces; i++) {
		int iface = cfg->interface[i].altsetting[0].bInterfaceNumber;

		r = read_msos(h, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR |
			      LIBUSB_RECIPIENT_INTERFACE, code, (uint16_t)iface, FGH_MSOS_PROP_INDEX,
			      FGH_MSOS_PROP_HEADER, buf);
		if (r < 0)
			fprintf(out, "  Extended Properties (interface %d): none (%s)\n", iface,
				r == LIBUSB_ERROR_PIPE ? "STALL" : libusb_strerror(r));
		else
			print_props(out, buf, (size_t)r, iface);
	}
	libusb_free_config_descriptor(cfg);
out:
	free(buf);
}
