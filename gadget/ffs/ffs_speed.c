/* SPDX-License-Identifier: MIT */
#include "ffs/ffs_speed.h"

#include <errno.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sysfile.h"
#include "common/udc.h"

const struct fg_speed_paths fg_speed_paths_system = {
	.mounts = "/proc/self/mounts",
	.gadgets = FG_CONFIGFS_GADGETS,
	.udc_class = FG_SYS_UDC,
};

int fg_ffs_instance_of_mount(const char *mounts, const char *dir, char *inst, size_t len)
{
	char want[PATH_MAX];
	FILE *f;
	struct mntent *m;
	int rc = -ENOENT;

	/* /proc/self/mounts shows canonical paths; the option may not be one. */
	if (!realpath(dir, want))
		snprintf(want, sizeof(want), "%s", dir);
	f = setmntent(mounts, "re");
	if (!f)
		return -errno;
	while ((m = getmntent(f)) != NULL) {
		if (strcmp(m->mnt_type, "functionfs") != 0 || strcmp(m->mnt_dir, want) != 0)
			continue;
		if (strlen(m->mnt_fsname) >= len) {
			rc = -ENAMETOOLONG;
			continue;
		}
		/* The last mount at a path is the one in use. */
		snprintf(inst, len, "%s", m->mnt_fsname);
		rc = 0;
	}
	endmntent(f);
	return rc;
}

int fg_speed_from_sysfs(const char *text, enum fg_speed_index *out)
{
	if (strcmp(text, "full-speed") == 0 || strcmp(text, "low-speed") == 0)
		*out = FG_FS;
	else if (strcmp(text, "high-speed") == 0 || strcmp(text, "wireless") == 0)
		*out = FG_HS;
	else if (strncmp(text, "super-speed", 11) == 0)   /* and super-speed-plus */
		*out = FG_SS;
	else
		return -EINVAL;
	return 0;
}

/*
 * The UDC serving FunctionFS instance inst: the one whose configfs gadget
 * holds function ffs.inst, or else, without configfs, the only UDC there is.
 */
static int udc_of_instance(const struct fg_speed_paths *p, const char *inst, char *udc,
			   size_t len)
{
	struct fg_udc u[FG_UDC_MAX];
	size_t n;
	int rc = fg_udc_list(p->udc_class, p->gadgets, u, FG_UDC_MAX, &n);

	if (rc < 0)
		return rc;
	for (size_t i = 0; inst && i < n; i++) {
		char path[PATH_MAX];

		if (!u[i].gadget[0])
			continue;
		snprintf(path, sizeof(path), "%s/%s/functions/ffs.%s", p->gadgets, u[i].gadget, inst);
		if (access(path, F_OK) == 0) {
			snprintf(udc, len, "%s", u[i].name);
			return 0;
		}
	}
	if (n != 1)
		return -ENOENT;
	snprintf(udc, len, "%s", u[0].name);
	return 0;
}

int fg_ffs_current_speed(const struct fg_speed_paths *p, const char *dir, enum fg_speed_index *out)
{
	char inst[256], udc[FG_UDC_NAME_MAX], path[PATH_MAX], speed[64];
	int rc;

	rc = fg_ffs_instance_of_mount(p->mounts, dir, inst, sizeof(inst));
	if (udc_of_instance(p, rc == 0 ? inst : NULL, udc, sizeof(udc)) < 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s/current_speed", p->udc_class, udc);
	rc = fg_read_first_line(path, speed, sizeof(speed));
	if (rc < 0)
		return -ENOENT;
	return fg_speed_from_sysfs(speed, out) == 0 ? 0 : -ENOTCONN;
}
