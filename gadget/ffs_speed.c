/* SPDX-License-Identifier: MIT */
#include "ffs_speed.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysfile.h"
#include "udc.h"

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

/* The UDC of the configfs gadget that holds function ffs.inst. */
static int udc_of_instance(const char *gadgets, const char *inst, char *udc, size_t len)
{
	DIR *d = opendir(gadgets);
	struct dirent *de;
	int rc = -ENOENT;

	if (!d)
		return -errno;
	while (rc == -ENOENT && (de = readdir(d)) != NULL) {
		char path[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/functions/ffs.%s", gadgets, de->d_name, inst);
		if (access(path, F_OK) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/UDC", gadgets, de->d_name);
		if (fg_read_first_line(path, udc, len) == 0 && udc[0])
			rc = 0;
	}
	closedir(d);
	return rc;
}

/* Without configfs: the only UDC there is, if there is only one. */
static int lone_udc(const char *class_dir, char *udc, size_t len)
{
	DIR *d = opendir(class_dir);
	struct dirent *de;
	bool fits = false;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || n++ > 0)
			continue;
		fits = l < len;
		if (fits)
			memcpy(udc, de->d_name, l + 1);
	}
	closedir(d);
	return n == 1 && fits ? 0 : -ENOENT;
}

int fg_ffs_current_speed(const struct fg_speed_paths *p, const char *dir, enum fg_speed_index *out)
{
	char inst[256], udc[FG_UDC_NAME_MAX], path[PATH_MAX], speed[64];
	int rc;

	rc = fg_ffs_instance_of_mount(p->mounts, dir, inst, sizeof(inst));
	if (rc == 0)
		rc = udc_of_instance(p->gadgets, inst, udc, sizeof(udc));
	if (rc < 0)
		rc = lone_udc(p->udc_class, udc, sizeof(udc));
	if (rc < 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s/current_speed", p->udc_class, udc);
	rc = fg_read_first_line(path, speed, sizeof(speed));
	if (rc < 0)
		return -ENOENT;
	return fg_speed_from_sysfs(speed, out) == 0 ? 0 : -ENOTCONN;
}
