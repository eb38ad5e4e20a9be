/* SPDX-License-Identifier: MIT */
/*
 * The speed the host runs a FunctionFS function at.  FunctionFS hands out
 * the endpoint descriptor in use, not the speed; high- and super-speed
 * descriptors are often the same, only the companion differs (burst, iso
 * Mult), so the bytes of an iso interval cannot be told from the descriptor.
 * The UDC knows: the configfs gadget holding function ffs.INSTANCE names its
 * UDC, and /sys/class/udc/UDC/current_speed says the speed.  Without
 * configfs (legacy g_ffs), a lone UDC is taken to be the one.
 */
#ifndef FFSGADGET_FFS_SPEED_H
#define FFSGADGET_FFS_SPEED_H

#include <stddef.h>

#include "description/model.h"

struct fg_speed_paths {
	const char *mounts;       /* /proc/self/mounts */
	const char *gadgets;      /* FG_CONFIGFS_GADGETS */
	const char *udc_class;    /* FG_SYS_UDC */
};

extern const struct fg_speed_paths fg_speed_paths_system;

/* The FunctionFS instance (the mount's source) mounted at dir. */
int fg_ffs_instance_of_mount(const char *mounts, const char *dir, char *inst, size_t len);
/* "full-speed", "high-speed", "super-speed", "super-speed-plus": 0 and *out; else -EINVAL. */
int fg_speed_from_sysfs(const char *text, enum fg_speed_index *out);
/*
 * The current speed of the UDC serving the FunctionFS mount at dir:
 * 0 and *out, -ENOENT when no UDC can be found for it, -ENOTCONN when the
 * UDC has no connection (current_speed UNKNOWN).
 */
int fg_ffs_current_speed(const struct fg_speed_paths *p, const char *dir, enum fg_speed_index *out);

#endif
