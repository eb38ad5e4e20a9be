/* SPDX-License-Identifier: MIT */
/*
 * up's mount step (fg_ffs_mount) with a stand-in for mount(2): the file
 * down reads to find the mount is written, checked, before the mount.
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
#include <sys/mount.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "common/sysfile.h"
#include "configfs/ffs_mount.h"
#include "tmp_tree.h"

static struct {
	unsigned calls;
	char source[64], target[PATH_MAX], fstype[32], data[128];
	unsigned long flags;
	int fail_errno;
} fake;

static int fake_mount(const char *source, const char *target, const char *fstype,
		      unsigned long flags, const void *data)
{
	fake.calls++;
	snprintf(fake.source, sizeof(fake.source), "%s", source);
	snprintf(fake.target, sizeof(fake.target), "%s", target);
	snprintf(fake.fstype, sizeof(fake.fstype), "%s", fstype);
	snprintf(fake.data, sizeof(fake.data), "%s", data ? (const char *)data : "(null)");
	fake.flags = flags;
	if (fake.fail_errno) {
		errno = fake.fail_errno;
		return -1;
	}
	return 0;
}

static char root[] = "/tmp/test_ffs_mount_XXXXXX";

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	snprintf(root, sizeof(root), "/tmp/test_ffs_mount_XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return tmp_tree_remove(root);
}

static void mounts_after_recording(void **state)
{
	char dir[PATH_MAX], record[PATH_MAX], line[PATH_MAX];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/ffs-zero", root);
	snprintf(record, sizeof(record), "%s/zero.mount", root);
	assert_int_equal(fg_ffs_mount("zero", dir, "uid=1000", record, fake_mount), 0);
	assert_int_equal(fake.calls, 1);
	assert_string_equal(fake.source, "zero");
	assert_string_equal(fake.target, dir);
	assert_string_equal(fake.fstype, "functionfs");
	assert_string_equal(fake.data, "uid=1000");
	assert_int_equal(fake.flags, MS_NOSUID | MS_NODEV | MS_NOEXEC);
	assert_int_equal(fg_read_first_line(record, line, sizeof(line)), 0);
	assert_string_equal(line, dir);
	assert_int_equal(access(dir, F_OK), 0);
}

/* The slip: the record went unwritten and up went on; down then missed the mount. */
static void unwritable_record_refuses_before_mounting(void **state)
{
	char dir[PATH_MAX], record[PATH_MAX];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/ffs-zero", root);
	snprintf(record, sizeof(record), "%s/no-such-dir/zero.mount", root);
	assert_int_equal(fg_ffs_mount("zero", dir, "", record, fake_mount), -ENOENT);
	assert_int_equal(fake.calls, 0);
}

static void mount_failure_is_returned(void **state)
{
	char dir[PATH_MAX], record[PATH_MAX];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/ffs-zero", root);
	snprintf(record, sizeof(record), "%s/zero.mount", root);
	fake.fail_errno = EBUSY;
	assert_int_equal(fg_ffs_mount("zero", dir, NULL, record, fake_mount), -EBUSY);
	assert_int_equal(fake.calls, 1);
	assert_string_equal(fake.data, "(null)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(mounts_after_recording, setup, teardown),
		cmocka_unit_test_setup_teardown(unwritable_record_refuses_before_mounting, setup,
						teardown),
		cmocka_unit_test_setup_teardown(mount_failure_is_returned, setup, teardown),
	};

	fg_log_threshold = FG_LOG_ERR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
