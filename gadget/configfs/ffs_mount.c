/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "common/log.h"
#include "common/sysfile.h"
#include "configfs/ffs_mount.h"

int fg_ffs_mount(const char *instance, const char *dir, const char *opts,
		 const char *record_file, fg_mount_fn do_mount)
{
	const char *o = opts && opts[0] ? opts : NULL;
	int rc = fg_write_text(record_file, dir);

	if (rc < 0) {
		fg_err("%s: %s (where down finds ffs.%s's mount)", record_file, strerror(-rc),
		       instance);
		return rc;
	}
	rc = fg_mkdir_p(dir, 0755);
	if (rc == 0 && do_mount(instance, dir, "functionfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
				o) < 0)
		rc = -errno;
	if (rc < 0) {
		fg_err("mount -t functionfs %s %s%s%s: %s", instance, dir, o ? " -o " : "",
		       o ? o : "", strerror(-rc));
		return rc;
	}
	fg_dbg("ffs.%s mounted at %s (%s)", instance, dir, o ? o : "defaults");
	return 0;
}
