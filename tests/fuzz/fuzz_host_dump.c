/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the walker in ffsgadget-host's descriptor dump
 * (host/dump.c) over the class/vendor bytes libusb leaves in a
 * configuration's "extra" fields (HID descriptors, unknown ones, SS
 * companions), which come from the device unchecked.  dump.c is included
 * to reach its static functions.
 *
 * Byte 0: bit 0 says the bytes follow a HID interface; bit 1 says they
 * follow an endpoint (bytes 1..7 are then its descriptor, the rest its
 * extra bytes, which libusb's companion parser reads too).
 */
#include <limits.h>
#include <stdlib.h>

#include "../../host/dump.c"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool hid, endpoint;
	uint8_t *extra;
	size_t n;

	if (size < 1)
		return 0;
	hid = data[0] & 1;
	endpoint = data[0] & 2;
	data++;
	size--;
	if (endpoint) {
		struct libusb_endpoint_descriptor e;

		if (size < 7)
			return 0;
		memset(&e, 0, sizeof(e));
		e.bLength = data[0];
		e.bDescriptorType = data[1];
		e.bEndpointAddress = data[2];
		e.bmAttributes = data[3];
		e.wMaxPacketSize = (uint16_t)(data[4] | data[5] << 8);
		e.bInterval = data[6];
		data += 7;
		size -= 7;
		n = size > INT_MAX ? INT_MAX : size;
		extra = malloc(n ? n : 1);
		if (!extra)
			return 0;
		memcpy(extra, data, n);
		e.extra = extra;
		e.extra_length = (int)n;
		dump_endpoint(devnull, NULL, &e, hid);
	} else {
		n = size > INT_MAX ? INT_MAX : size;
		extra = malloc(n ? n : 1);
		if (!extra)
			return 0;
		memcpy(extra, data, n);
		dump_extra(devnull, 4, extra, (int)n, hid);
	}
	free(extra);
	return 0;
}
