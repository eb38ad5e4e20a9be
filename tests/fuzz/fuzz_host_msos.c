/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: ffsgadget-host's MS OS 1.0 descriptor parsers and the
 * printing that follows them (host/msos.c, host/msos_dump.c), on whatever a
 * device sends back.  msos_dump.c is included to reach its static printers.
 *
 * The first byte picks what the rest is: 0 string descriptor 0xEE,
 * 1 extended compat ID, 2 extended properties, 3 a UTF-16LE string.
 */
#include <string.h>

#include "../../host/msos_dump.c"

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
	uint8_t *buf, code;
	uint32_t dwlen;
	char text[64];

	if (size < 1)
		return 0;
	/* An exact-size copy, so that ASan sees any read past the end. */
	size--;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size);
	switch (data[0] & 3) {
	case 0:
		(void)fgh_msos_parse_string(buf, size, &code);
		break;
	case 1:
		(void)fgh_msos_header_length(buf, size, &dwlen);
		print_compat(devnull, buf, size);
		break;
	case 2:
		(void)fgh_msos_header_length(buf, size, &dwlen);
		print_props(devnull, buf, size, data[0] >> 2);
		break;
	case 3:
		/* A small output too: truncation must be reported, never overflow. */
		if (fgh_utf16le_to_utf8(buf, size, text, 1 + (data[0] >> 2) % sizeof(text)) >= 0 &&
		    !memchr(text, '\0', sizeof(text)))
			abort();
		break;
	}
	free(buf);
	return 0;
}
