/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: a gadget scheme's text through fg_scheme_load, the
 * check "ffsgadget check" and "ffsgadget up" make, and which the image's
 * first boot runs on a gadget.scheme from the boot partition (a file anyone
 * with the card wrote).  Any input must end in a scheme or in exactly one
 * message, never in a crash or a leak.  fg_scheme_load reads a path: the
 * input goes to one scratch file, rewritten each time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "configfs/scheme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[64];

static void remove_scratch(void)
{
	unlink(scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_scheme s;
	char err[512];
	FILE *f;
	int rc;

	if (!scratch[0]) {
		int fd;

		snprintf(scratch, sizeof(scratch), "/tmp/fuzz_scheme.XXXXXX.scheme");
		fd = mkstemps(scratch, 7);
		if (fd < 0)
			abort();
		close(fd);
		atexit(remove_scratch);
	}
	f = fopen(scratch, "we");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	err[0] = '\0';
	rc = fg_scheme_load(scratch, &s, err, sizeof(err));
	if (rc < 0) {
		/* One message, always. */
		if (!err[0])
			abort();
		return 0;
	}
	fg_scheme_free(&s);
	return 0;
}
