/* SPDX-License-Identifier: MIT */
/* One FunctionFS instance mounted for up, recorded where down finds it. */
#ifndef FFSGADGET_FFS_MOUNT_H
#define FFSGADGET_FFS_MOUNT_H

/* mount(2)'s signature, so tests can stand in for the kernel. */
typedef int (*fg_mount_fn)(const char *source, const char *target, const char *fstype,
			   unsigned long flags, const void *data);

/*
 * Mounts FunctionFS instance at dir (made if missing), opts NULL or "" for
 * the defaults.  dir is written to record_file first: down reads it to find
 * the mount once the configfs tree is gone, so a mount down could not find
 * is never made.  0, or a negative errno with one message logged.
 */
int fg_ffs_mount(const char *instance, const char *dir, const char *opts,
		 const char *record_file, fg_mount_fn do_mount);

#endif
