/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the bridge's control-socket parser (wire/bridge_wire.c),
 * fed whatever a program might send.  A message it accepts must be exactly
 * what its header says; a refusal must come with a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bridge_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bridge_msg m;
	char why[200];
	/* A copy of exactly size bytes: ASan sees any read past the message. */
	uint8_t *buf = malloc(size ? size : 1);
	int rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	why[0] = 0;
	rc = bridge_parse_client(buf, size, &m, why, sizeof(why));
	if (rc == 0) {
		if (m.length != size - BRIDGE_HEADER_LEN || m.payload != buf + BRIDGE_HEADER_LEN ||
		    m.version != BRIDGE_WIRE_VERSION)
			abort();
		if (m.type != BRIDGE_MSG_DATA && m.length != 0)
			abort();
		/* Touch the payload the parser vouched for. */
		volatile uint8_t sum = 0;
		for (size_t i = 0; i < m.length; i++)
			sum ^= m.payload[i];
		(void)sum;
	} else if (why[0] == 0 || strnlen(why, sizeof(why)) == sizeof(why)) {
		abort();
	}
	free(buf);
	return 0;
}
