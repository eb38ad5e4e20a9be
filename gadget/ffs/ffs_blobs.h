/* SPDX-License-Identifier: MIT */
/*
 * A model to the two blobs FunctionFS reads from ep0: the descriptors (v2
 * format, every speed the model has, MS OS descriptors) and the strings.
 * Layouts: include/uapi/linux/usb/functionfs.h; what the kernel checks:
 * __ffs_data_got_descs and __ffs_data_got_strings in f_fs.c.
 */
#ifndef FFSGADGET_FFS_BLOBS_H
#define FFSGADGET_FFS_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#include "description/model.h"

struct fg_blob {
	uint8_t *data;      /* owned; release with fg_blob_free */
	size_t len;
};

/*
 * Descriptors blob.  eventfd >= 0 adds FUNCTIONFS_EVENTFD and the fd number;
 * -1 leaves it out.  Returns 0, -EINVAL for a model that breaks its own
 * bounds, or -ENOMEM.
 */
int ffs_build_descriptors(const struct fg_model *m, int eventfd, struct fg_blob *out);

/* Strings blob; returns 0, -EINVAL or -ENOMEM. */
int ffs_build_strings(const struct fg_model *m, struct fg_blob *out);

void fg_blob_free(struct fg_blob *b);

/* Bytes of the interface/HID/endpoint descriptors written for one speed. */
size_t ffs_speed_descriptors_len(const struct fg_model *m, enum fg_speed_index s);

/* wMaxPacketSize as written at speed s (HS high-bandwidth bits included). */
uint16_t ffs_endpoint_wmaxpacket(const struct fg_endpoint *ep, enum fg_speed_index s);

/* How many descriptors one speed's list holds (the fs/hs/ss count field). */
unsigned ffs_speed_descriptors_count(const struct fg_model *m, enum fg_speed_index s);

#endif
