/* SPDX-License-Identifier: MIT */
/* Human-readable dump of a model, for `ffsgadget describe FILE [--hex]`. */
#ifndef FFSGADGET_DESCRIBE_H
#define FFSGADGET_DESCRIBE_H

#include <stdbool.h>
#include <stdio.h>

#include "description/model.h"

/*
 * Prints the function per speed in the style of `lsusb -v`, then strings,
 * MS OS descriptors and options.  Endpoint addresses are the description's,
 * as FunctionFS is asked for them: the UDC may assign others at bind.  With hex, also hexdumps the exact
 * descriptors (eventfd left out) and strings blobs written to ep0.
 * Returns 0 or a negative errno (blob encoding or output failure).
 */
int fg_describe(FILE *out, const struct fg_model *m, bool hex);

#endif
