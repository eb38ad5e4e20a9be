/* SPDX-License-Identifier: MIT */
/*
 * Linux's usbfs caps what one process's in-flight transfers may hold
 * (usbcore.usbfs_memory_mb, 16 MB by default, 0 for no cap).  A submission
 * past the cap fails with ENOMEM, which libusb reports as a bare I/O error;
 * the run can say so before it starts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fgh.h"

/* What usbfs adds to a buffer: its URB bookkeeping, and per iso packet. */
#define USBFS_URB_OVERHEAD 512u
#define USBFS_ISO_PACKET_OVERHEAD 16u

uint64_t fgh_usbfs_bytes(struct fgh_stream *const *s, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		for (unsigned j = 0; j < s[i]->nx; j++) {
			const struct libusb_transfer *t = fgh_stream_transfer(s[i], j);

			total += (uint64_t)t->length + USBFS_URB_OVERHEAD +
				 (uint64_t)t->num_iso_packets * USBFS_ISO_PACKET_OVERHEAD;
		}
	return total;
}

int fgh_usbfs_over_cap(uint64_t need, const char *param_path, unsigned long *cap_mb)
{
	FILE *f = fopen(param_path, "re");
	char line[32], *end;
	unsigned long mb;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	errno = 0;
	mb = strtoul(line, &end, 10);
	if (errno || end == line || (*end && *end != '\n'))
		return -EINVAL;
	*cap_mb = mb;
	return mb && need > (uint64_t)mb * 1024u * 1024u;
}
