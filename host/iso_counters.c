/* SPDX-License-Identifier: MIT */
/*
 * isostream's counters (GET_COUNTERS), read from the device and printed by
 * name.  The reply comes from the device, so it is decoded by the shared
 * wire code's checks, never trusted for its length.
 */
#include <inttypes.h>

#include "fgh.h"

/* Room for a newer device's longer reply, so that it fails on its version, not its length. */
#define REPLY_MAX 1024

static void print_text(FILE *out, int iface, const struct iso_counters *c)
{
	fprintf(out, "isostream counters (interface %d, version %d):\n", iface,
		ISO_COUNTERS_VERSION);
	for (size_t i = 0; i < ISO_COUNTER_COUNT; i++)
		fprintf(out, "  %-13s %" PRIu64 "\n", iso_counter_name(i), iso_counter_value(c, i));
}

static void print_json(FILE *out, int iface, const struct iso_counters *c)
{
	fprintf(out, "{\"command\":\"iso-counters\",\"ok\":true,\"interface\":%d,\"version\":%d,"
		"\"counters\":{", iface, ISO_COUNTERS_VERSION);
	for (size_t i = 0; i < ISO_COUNTER_COUNT; i++)
		fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "", iso_counter_name(i),
			iso_counter_value(c, i));
	fputs("}}\n", out);
}

static void print_json_error(FILE *out, const char *error)
{
	fputs("{\"command\":\"iso-counters\",\"ok\":false,\"error\":", out);
	fgh_json_string(out, error);
	fputs("}\n", out);
}

int fgh_iso_counters(libusb_device_handle *h, int iface, bool json, unsigned timeout_ms,
		     FILE *out)
{
	uint8_t reply[REPLY_MAX];
	struct iso_counters c;
	struct iso_counters_header hdr = { 0 };
	int r, err;

	r = libusb_control_transfer(h, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR |
				    LIBUSB_RECIPIENT_INTERFACE, ISO_REQ_GET_COUNTERS, 0,
				    (uint16_t)iface, reply, sizeof(reply), timeout_ms);
	if (r == LIBUSB_ERROR_PIPE) {
		fprintf(stderr, "iso-counters: STALL: interface %d refused GET_COUNTERS "
			"(not isostream?)\n", iface);
		if (json)
			print_json_error(out, "stall");
		return FGH_EXIT_VERIFY;
	}
	if (r < 0) {
		fprintf(stderr, "iso-counters: %s\n", libusb_strerror(r));
		if (json)
			print_json_error(out, libusb_error_name(r));
		return r == LIBUSB_ERROR_NO_DEVICE ? FGH_EXIT_LOST : FGH_EXIT_VERIFY;
	}
	err = iso_counters_decode(reply, (size_t)r, &c, &hdr);
	if (err < 0) {
		fprintf(stderr, "iso-counters: malformed reply: %s: %d bytes", iso_counters_strerror(err),
			r);
		if (r >= ISO_COUNTERS_HEADER)
			fprintf(stderr, ", version %u, %u counters", hdr.version, hdr.count);
		fprintf(stderr, " (this ffsgadget-host reads version %d: %zu counters, %zu bytes)\n",
			ISO_COUNTERS_VERSION, ISO_COUNTER_COUNT, (size_t)ISO_COUNTERS_LEN);
		fgh_hex_print(stderr, reply, (size_t)(r < 64 ? r : 64), "  ");
		if (json)
			print_json_error(out, iso_counters_strerror(err));
		return FGH_EXIT_VERIFY;
	}
	if (json)
		print_json(out, iface, &c);
	else
		print_text(out, iface, &c);
	return FGH_EXIT_OK;
}

int fgh_iso_fresh(libusb_device_handle *h, int iface, uint8_t addr, unsigned timeout_ms,
		  struct fgh_seq *q)
{
	uint8_t reply[ISO_FRESH_LEN + 1];
	int r = libusb_control_transfer(h, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR |
					LIBUSB_RECIPIENT_INTERFACE, ISO_REQ_GET_FRESH, addr,
					(uint16_t)iface, reply, sizeof(reply), timeout_ms);

	if (r < 0)
		return r;
	if (r != ISO_FRESH_LEN)
		return LIBUSB_ERROR_IO;
	q->floor = iso_le32(reply);
	q->floor_set = true;
	return 0;
}
