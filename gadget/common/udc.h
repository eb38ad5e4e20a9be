/* SPDX-License-Identifier: MIT */
/*
 * USB device controllers (/sys/class/udc): which one a gadget binds to, and
 * binding with a bounded retry.  Automatic choice prefers hardware UDCs
 * over the virtual ones (dummy_hcd's dummy_udc.N, usbip's vudc), and skips
 * controllers another gadget holds.
 */
#ifndef FFSGADGET_UDC_H
#define FFSGADGET_UDC_H

#include <stdbool.h>
#include <stddef.h>

#define FG_UDC_MAX 16
#define FG_UDC_NAME_MAX 64

struct fg_udc {
	char name[FG_UDC_NAME_MAX];
	char driver[FG_UDC_NAME_MAX];   /* "" when unknown */
	char state[32];                 /* /sys/class/udc/X/state */
	char gadget[FG_UDC_NAME_MAX];   /* configfs gadget bound to it, "" if none */
	bool is_virtual;
};

#define FG_SYS_UDC "/sys/class/udc"
#define FG_CONFIGFS_GADGETS "/sys/kernel/config/usb_gadget"

bool fg_udc_is_virtual(const char *name, const char *driver);
/* Reads class_dir (FG_SYS_UDC) and which gadget under gadgets_dir holds each. */
int fg_udc_list(const char *class_dir, const char *gadgets_dir, struct fg_udc *out, size_t max,
		size_t *count);
/* Hardware first, then by name. */
void fg_udc_sort(struct fg_udc *u, size_t n);
/*
 * want: a name, or NULL / "" for the best free one.  self: the gadget being
 * bound (a UDC it already holds counts as free).  Returns the index or a
 * negative errno (-ENODEV: none / not found, -EBUSY: held by another
 * gadget) with a message in err.
 */
int fg_udc_choose(const struct fg_udc *u, size_t n, const char *want, const char *self, char *err,
		  size_t errlen);

/* Bounded exponential backoff: first_ms, doubling up to max_ms, until total_ms. */
struct fg_backoff {
	unsigned first_ms, max_ms, total_ms;
};
/*
 * Calls op until it returns 0, a non-transient error, or the time is up.
 * Transient: -EBUSY, -ENODEV, -EAGAIN.  sleep_ms may be NULL (real sleep).
 * Returns op's last result; *tries counts the calls.
 */
int fg_retry(int (*op)(void *ctx), void *ctx, const struct fg_backoff *b,
	     void (*sleep_ms)(unsigned ms, void *ctx), unsigned *tries);

#endif
