/* SPDX-License-Identifier: MIT */
/*
 * The UDC speed behind a FunctionFS mount (gadget/ffs/ffs_speed.c) against fake
 * /proc/self/mounts, configfs and /sys/class/udc trees: the one thing that
 * tells high from super speed where their descriptors are the same.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmp_tree.h"

#include "ffs/ffs_speed.h"

static char root[64], mnt[PATH_MAX], mounts[128], gadgets[128], class_dir[128];
static struct fg_speed_paths paths;

/* A configfs gadget holding function ffs.inst, bound to udc ("" unbound). */
static void gadget(const char *name, const char *inst, const char *udc)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/gadgets/%s", root, name);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/gadgets/%s/functions", root, name);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/gadgets/%s/functions/ffs.%s", root, name, inst);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/gadgets/%s/UDC", root, name);
	tmp_write(p, udc[0] ? udc : "\n");
}

static void udc(const char *name, const char *speed)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/class/%s", root, name);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/class/%s/current_speed", root, name);
	tmp_write(p, speed);
}

/* Mount table lines; the FunctionFS mount point is the real directory mnt. */
static void mount_table(const char *lines)
{
	tmp_write(mounts, lines);
}

static int setup(void **state)
{
	char p[PATH_MAX];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/fg-speed.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(p, sizeof(p), "%s/mnt", root);
	mkdir(p, 0755);
	if (!realpath(p, mnt))
		return -1;
	snprintf(mounts, sizeof(mounts), "%s/mounts", root);
	snprintf(gadgets, sizeof(gadgets), "%s/gadgets", root);
	snprintf(class_dir, sizeof(class_dir), "%s/class", root);
	mkdir(gadgets, 0755);
	mkdir(class_dir, 0755);
	paths = (struct fg_speed_paths){ mounts, gadgets, class_dir };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmp_tree_remove(root);
}

static void instance_is_the_mount_source(void **state)
{
	char line[4 * PATH_MAX], inst[64];

	(void)state;
	snprintf(line, sizeof(line),
		 "proc /proc proc rw 0 0\n"
		 "other %s tmpfs rw 0 0\n"
		 "old %s functionfs rw 0 0\n"
		 "zero %s functionfs rw,uid=1000 0 0\n"
		 "elsewhere /dev/ffs-x functionfs rw 0 0\n", mnt, mnt, mnt);
	mount_table(line);
	/* The last mount at the path is the one in use. */
	assert_int_equal(fg_ffs_instance_of_mount(mounts, mnt, inst, sizeof(inst)), 0);
	assert_string_equal(inst, "zero");
	/* Too small a buffer is an error, never a truncated name. */
	assert_int_equal(fg_ffs_instance_of_mount(mounts, mnt, inst, 4), -ENAMETOOLONG);
	mount_table("proc /proc proc rw 0 0\n");
	assert_int_equal(fg_ffs_instance_of_mount(mounts, mnt, inst, sizeof(inst)), -ENOENT);
}

static void sysfs_speed_names(void **state)
{
	enum fg_speed_index s;

	(void)state;
	assert_int_equal(fg_speed_from_sysfs("full-speed", &s), 0);
	assert_int_equal(s, FG_FS);
	assert_int_equal(fg_speed_from_sysfs("high-speed", &s), 0);
	assert_int_equal(s, FG_HS);
	assert_int_equal(fg_speed_from_sysfs("super-speed", &s), 0);
	assert_int_equal(s, FG_SS);
	assert_int_equal(fg_speed_from_sysfs("super-speed-plus", &s), 0);
	assert_int_equal(s, FG_SS);
	assert_int_equal(fg_speed_from_sysfs("UNKNOWN", &s), -EINVAL);
	assert_int_equal(fg_speed_from_sysfs("", &s), -EINVAL);
}

static void configfs_names_the_udc(void **state)
{
	char line[2 * PATH_MAX];
	enum fg_speed_index s = FG_FS;

	(void)state;
	snprintf(line, sizeof(line), "zero %s functionfs rw 0 0\n", mnt);
	mount_table(line);
	/* Two UDCs: only the gadget holding ffs.zero says which is ours. */
	udc("a.udc", "high-speed\n");
	udc("dummy_udc.0", "super-speed\n");
	gadget("g-other", "other", "a.udc");
	gadget("g-zero", "zero", "dummy_udc.0");
	assert_int_equal(fg_ffs_current_speed(&paths, mnt, &s), 0);
	assert_int_equal(s, FG_SS);
}

static void unconnected_udc_is_not_a_speed(void **state)
{
	char line[2 * PATH_MAX];
	enum fg_speed_index s;

	(void)state;
	snprintf(line, sizeof(line), "zero %s functionfs rw 0 0\n", mnt);
	mount_table(line);
	udc("dummy_udc.0", "UNKNOWN\n");
	gadget("g", "zero", "dummy_udc.0");
	assert_int_equal(fg_ffs_current_speed(&paths, mnt, &s), -ENOTCONN);
}

static void without_configfs_a_lone_udc_counts(void **state)
{
	enum fg_speed_index s = FG_FS;

	(void)state;
	mount_table("proc /proc proc rw 0 0\n");   /* not even the mount is known */
	udc("musb-hdrc.0", "high-speed\n");
	assert_int_equal(fg_ffs_current_speed(&paths, mnt, &s), 0);
	assert_int_equal(s, FG_HS);
	/* Two UDCs and nothing to choose between them: unknown, not a guess. */
	udc("dummy_udc.0", "super-speed\n");
	assert_int_equal(fg_ffs_current_speed(&paths, mnt, &s), -ENOENT);
}

static void unbound_gadget_falls_back(void **state)
{
	char line[2 * PATH_MAX];
	enum fg_speed_index s;

	(void)state;
	snprintf(line, sizeof(line), "zero %s functionfs rw 0 0\n", mnt);
	mount_table(line);
	gadget("g", "zero", "");
	assert_int_equal(fg_ffs_current_speed(&paths, mnt, &s), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(instance_is_the_mount_source, setup, teardown),
		cmocka_unit_test_setup_teardown(sysfs_speed_names, setup, teardown),
		cmocka_unit_test_setup_teardown(configfs_names_the_udc, setup, teardown),
		cmocka_unit_test_setup_teardown(unconnected_udc_is_not_a_speed, setup, teardown),
		cmocka_unit_test_setup_teardown(without_configfs_a_lone_udc_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(unbound_gadget_falls_back, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
