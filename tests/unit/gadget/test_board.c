/* SPDX-License-Identifier: MIT */
/*
 * Board profiles: every shipped profile loads, detection follows the UDC
 * and the device-tree model, the endpoint budget refuses what does not fit
 * with the message users see, and "board install" is idempotent on a
 * boot/root tree.
 */
#include <dirent.h>
#include <errno.h>
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

#include "configfs/board.h"
#include "description/description.h"

#define BOARDS FG_SOURCE_DIR "/boards"

static void shipped_profiles_load(void **state)
{
	static const char *const names[] = { "raspberrypi-zero", "raspberrypi-zero-2w",
					     "raspberrypi-4", "beaglebone-black", "qemu-dummy" };
	DIR *d = opendir(BOARDS);
	struct dirent *e;
	size_t n = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		char err[512] = "";
		struct fg_board b;

		if (l < 6 || strcmp(e->d_name + l - 5, ".conf") != 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", BOARDS, e->d_name);
		if (fg_board_load(path, &b, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		/* The file is named after the board. */
		assert_int_equal(strncmp(e->d_name, b.name, l - 5), 0);
		assert_int_equal(strlen(b.name), l - 5);
		assert_true(b.ep_total > 0 && b.ep_in > 0 && b.ep_out > 0);
		assert_true(b.udc_driver[0] && b.udc_pattern[0]);
		fg_board_free(&b);
		n++;
	}
	closedir(d);
	assert_int_equal(n, sizeof(names) / sizeof(names[0]));
	for (size_t i = 0; i < n; i++) {
		struct fg_board b;
		char err[512];

		assert_int_equal(fg_board_open(BOARDS, names[i], &b, err, sizeof(err)), 0);
		fg_board_free(&b);
	}
}

static void profile_contents(void **state)
{
	struct fg_board b;
	char err[512];

	(void)state;
	assert_int_equal(fg_board_open(BOARDS, "raspberrypi-zero", &b, err, sizeof(err)), 0);
	assert_string_equal(b.udc_driver, "dwc2");
	assert_int_equal(b.ep_total, 7);
	assert_int_equal(b.fifo_in_count, 7);
	assert_int_equal(b.fifo_out_shared, 1024);
	assert_int_equal(b.boot_count, 2);
	assert_int_equal(b.boot[0].kind, FG_BOOT_LINE);
	assert_string_equal(b.boot[0].file, "config.txt");
	assert_string_equal(b.boot[0].text, "dtoverlay=dwc2,dr_mode=peripheral");
	assert_int_equal(b.boot[1].kind, FG_BOOT_WORD);
	assert_string_equal(b.boot[1].text, "modules-load=dwc2");
	fg_board_free(&b);

	assert_int_equal(fg_board_open(BOARDS, "beaglebone-black", &b, err, sizeof(err)), 0);
	assert_int_equal(b.boot_count, 1);
	assert_int_equal(b.boot[0].kind, FG_BOOT_MASK);
	assert_true(b.boot[0].root);
	assert_string_equal(b.boot[0].text, "generic-board-startup.service");
	fg_board_free(&b);

	assert_int_equal(fg_board_open(BOARDS, "no-such-board", &b, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no board profile 'no-such-board'"));
}

static void detection(void **state)
{
	struct fg_board b;

	(void)state;
	assert_int_equal(fg_board_detect(BOARDS, "dummy_udc.0", "dummy_udc", "", &b), 1);
	assert_string_equal(b.name, "qemu-dummy");
	fg_board_free(&b);
	assert_int_equal(fg_board_detect(BOARDS, "20980000.usb", "dwc2",
					 "Raspberry Pi Zero W Rev 1.1", &b), 1);
	assert_string_equal(b.name, "raspberrypi-zero");
	fg_board_free(&b);
	assert_int_equal(fg_board_detect(BOARDS, "3f980000.usb", "dwc2",
					 "Raspberry Pi Zero 2 W Rev 1.0", &b), 1);
	assert_string_equal(b.name, "raspberrypi-zero-2w");
	fg_board_free(&b);
	assert_int_equal(fg_board_detect(BOARDS, "fe980000.usb", "dwc2",
					 "Raspberry Pi 4 Model B Rev 1.4", &b), 1);
	assert_string_equal(b.name, "raspberrypi-4");
	fg_board_free(&b);
	assert_int_equal(fg_board_detect(BOARDS, "musb-hdrc.0", "musb-hdrc",
					 "TI AM335x BeagleBone Black", &b), 1);
	assert_string_equal(b.name, "beaglebone-black");
	fg_board_free(&b);
	/* dwc2 on a board without a profile: no guess. */
	assert_int_equal(fg_board_detect(BOARDS, "ff580000.usb", "dwc2", "Rockchip RK3328", &b), 0);
	assert_int_equal(fg_board_detect(BOARDS, "fe980000.usb", "dwc2", "", &b), 0);
}

static struct fg_model *gadget_zero(void)
{
	struct fg_model *m;
	char err[512] = "";

	if (fg_description_load(FG_SOURCE_DIR "/descriptors/gadget-zero.conf", &m, err,
				sizeof(err)) != 0)
		fail_msg("%s", err);
	return m;
}

static void budget(void **state)
{
	struct fg_budget *bu = calloc(1, sizeof(*bu));
	struct fg_model *m = gadget_zero();
	struct fg_board pi, dummy;
	char err[512] = "";

	(void)state;
	assert_int_equal(fg_board_open(BOARDS, "raspberrypi-zero", &pi, err, sizeof(err)), 0);
	assert_int_equal(fg_board_open(BOARDS, "qemu-dummy", &dummy, err, sizeof(err)), 0);

	/* Gadget Zero: 4 endpoints, 1024-byte interrupt at high speed. */
	assert_int_equal(fg_budget_add_model(bu, "ffs.zero", m, false), 0);
	assert_int_equal(bu->count, 4);
	assert_string_equal(bu->eps[2].what, "ffs.zero int_in");
	assert_int_equal(bu->eps[2].bytes, 1024);
	assert_int_equal(fg_board_check(&pi, bu, err, sizeof(err)), 0);

	/* + acm (3) = 7: still fits. */
	assert_int_equal(fg_budget_add_kernel(bu, "acm", "usb0"), 0);
	assert_int_equal(fg_board_check(&pi, bu, err, sizeof(err)), 0);
	/* + a second Gadget Zero = 11 */
	assert_int_equal(fg_budget_add_model(bu, "ffs.two", m, false), 0);
	assert_int_equal(fg_board_check(&pi, bu, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "needs 11 endpoints; raspberrypi-zero has 7");
	assert_int_equal(fg_board_check(&dummy, bu, err, sizeof(err)), 0);

	/* 9 endpoints: the example. */
	bu->count = 9;
	assert_int_equal(fg_board_check(&pi, bu, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "needs 9 endpoints; raspberrypi-zero has 7");

	assert_int_equal(fg_budget_add_kernel(bu, "no-such-type", "0"), -ENOENT);
	fg_board_free(&pi);
	fg_board_free(&dummy);
	fg_model_free(m);
	free(bu);
}

static void budget_per_direction_and_fifos(void **state)
{
	struct fg_budget *bu = calloc(1, sizeof(*bu));
	struct fg_board pi, bbb;
	char err[512] = "";

	(void)state;
	assert_int_equal(fg_board_open(BOARDS, "raspberrypi-zero", &pi, err, sizeof(err)), 0);
	assert_int_equal(fg_board_open(BOARDS, "beaglebone-black", &bbb, err, sizeof(err)), 0);

	/* 16 IN endpoints on the BeagleBone: too many of one direction. */
	for (int i = 0; i < 16; i++) {
		bu->eps[i] = (struct fg_ep_need){ .in = true, .type = FG_EP_BULK, .bytes = 512,
						  .mult = 1 };
		snprintf(bu->eps[i].what, sizeof(bu->eps[i].what), "f ep%d", i);
	}
	bu->count = 16;
	assert_int_equal(fg_board_check(&bbb, bu, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "needs 16 IN endpoints; beaglebone-black has 15");

	/* 3 x 1024 iso IN: fits the Pi's 3072-byte TX FIFO; two do not fit a BeagleBone. */
	bu->count = 1;
	bu->eps[0] = (struct fg_ep_need){ .what = "ffs.iso iso_in", .in = true, .type = FG_EP_ISO,
					  .bytes = 3072, .mult = 3 };
	assert_int_equal(fg_board_check(&pi, bu, err, sizeof(err)), 0);
	assert_int_equal(fg_board_check(&bbb, bu, err, sizeof(err)), 0);
	bu->eps[1] = bu->eps[0];
	snprintf(bu->eps[1].what, sizeof(bu->eps[1].what), "ffs.iso iso_in2");
	bu->count = 2;
	assert_int_equal(fg_board_check(&bbb, bu, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "ffs.iso iso_in2 needs a 3072-byte IN FIFO; the largest "
			    "beaglebone-black has left is 1024 bytes");

	/* 1024-byte iso OUT does not fit the Pi's default RX FIFO. */
	bu->count = 1;
	bu->eps[0] = (struct fg_ep_need){ .what = "ffs.iso iso_out", .in = false,
					  .type = FG_EP_ISO, .bytes = 1024, .mult = 1 };
	assert_int_equal(fg_board_check(&pi, bu, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "ffs.iso iso_out needs 1080 bytes of RX FIFO; "
				    "raspberrypi-zero has 1024"));

	/* High-bandwidth iso refused where the profile says so. */
	pi.high_bandwidth_iso = false;
	bu->eps[0] = (struct fg_ep_need){ .what = "f hb", .in = true, .type = FG_EP_ISO,
					  .bytes = 2048, .mult = 2 };
	assert_int_equal(fg_board_check(&pi, bu, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "high-bandwidth"));
	pi.iso = false;
	assert_int_equal(fg_board_check(&pi, bu, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "f hb is isochronous; raspberrypi-zero has no isochronous "
			    "endpoints");
	fg_board_free(&pi);
	fg_board_free(&bbb);
	free(bu);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[8192];
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void install_idempotent(void **state)
{
	char dir[] = "/tmp/fg-board.XXXXXX", boot[128], root[128], p[256], err[512] = "";
	struct fg_board pi, bbb;
	FILE *out = fopen("/dev/null", "w");

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(boot, sizeof(boot), "%s/boot", dir);
	snprintf(root, sizeof(root), "%s/root", dir);
	mkdir(boot, 0755);
	mkdir(root, 0755);
	assert_int_equal(fg_board_open(BOARDS, "raspberrypi-zero", &pi, err, sizeof(err)), 0);
	assert_int_equal(fg_board_open(BOARDS, "beaglebone-black", &bbb, err, sizeof(err)), 0);

	/* No cmdline.txt: not a boot partition. */
	assert_int_equal(fg_board_install(&pi, boot, NULL, out, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cmdline.txt: missing"));

	snprintf(p, sizeof(p), "%s/config.txt", boot);
	tmp_write(p, "dtparam=audio=on\n[pi4]\narm_boost=1\n[all]\ndtoverlay=dwc2,dr_mode=host\n"
		"[cm4]\notg_mode=1");
	snprintf(p, sizeof(p), "%s/cmdline.txt", boot);
	tmp_write(p, "console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 rootwait quiet\n");
	assert_int_equal(fg_board_install(&pi, boot, NULL, out, err, sizeof(err)), 2);
	assert_string_equal(slurp(p), "console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 "
			    "rootwait modules-load=dwc2 quiet\n");
	snprintf(p, sizeof(p), "%s/config.txt", boot);
	assert_string_equal(slurp(p), "dtparam=audio=on\n[pi4]\narm_boost=1\n[all]\n"
			    "#dtoverlay=dwc2,dr_mode=host\n[cm4]\notg_mode=1\n[all]\n"
			    "dtoverlay=dwc2,dr_mode=peripheral\n");
	/* Again: nothing to do, nothing changed. */
	assert_int_equal(fg_board_install(&pi, boot, NULL, out, err, sizeof(err)), 0);
	assert_string_equal(slurp(p), "dtparam=audio=on\n[pi4]\narm_boost=1\n[all]\n"
			    "#dtoverlay=dwc2,dr_mode=host\n[cm4]\notg_mode=1\n[all]\n"
			    "dtoverlay=dwc2,dr_mode=peripheral\n");

	/* modules-load= with other modules: dwc2 joins the list. */
	snprintf(p, sizeof(p), "%s/cmdline.txt", boot);
	tmp_write(p, "root=/dev/mmcblk0p2 modules-load=g_serial rootwait\n");
	assert_int_equal(fg_board_install(&pi, boot, NULL, out, err, sizeof(err)), 1);
	assert_string_equal(slurp(p), "root=/dev/mmcblk0p2 modules-load=g_serial,dwc2 rootwait\n");
	assert_int_equal(fg_board_install(&pi, boot, NULL, out, err, sizeof(err)), 0);

	/* The BeagleBone's root partition: the stock gadget's service masked, once. */
	assert_int_equal(fg_board_install(&bbb, NULL, root, out, err, sizeof(err)), 1);
	assert_int_equal(fg_board_install(&bbb, NULL, root, out, err, sizeof(err)), 0);
	snprintf(p, sizeof(p), "%s/etc/systemd/system/generic-board-startup.service", root);
	char target[64] = "";
	assert_true(readlink(p, target, sizeof(target) - 1) > 0);
	assert_string_equal(target, "/dev/null");
	/* A real unit file there is not overwritten. */
	unlink(p);
	tmp_write(p, "[Unit]\n");
	assert_int_equal(fg_board_install(&bbb, NULL, root, out, err, sizeof(err)), -EEXIST);

	fclose(out);
	fg_board_free(&pi);
	fg_board_free(&bbb);
	assert_int_equal(tmp_tree_remove(dir), 0);
}

static void bad_profiles(void **state)
{
	static const struct { const char *text, *message; } cases[] = {
		{ "board = { name = \"x\"; };", "board needs endpoints" },
		{ "board = { name = \"x\"; endpoints = { total = 7; }; colour = 1; };",
		  ":1: board: unknown key 'colour'" },
		{ "board = { name = \"x\"; endpoints = { total = 7; };\n"
		  "  boot = ( { partition = \"boot\"; line = \"a\"; } ); };",
		  ":2: boot: a line or word step needs file" },
		{ "board = { name = \"x\"; endpoints = { total = 7; };\n"
		  "  boot = ( { partition = \"boot\"; file = \"../etc/x\"; line = \"a\"; } ); };",
		  "paths are relative to the partition" },
		{ "board = { name = \"x\"; endpoints = { total = 7; };\n"
		  "  boot = ( { file = \"f\"; line = \"a\"; word = \"b\"; } ); };",
		  "exactly one of line, word, mask" },
		{ "a = 1;", "a profile holds exactly one group" },
	};
	char path[] = "/tmp/fg-board-bad.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fg_board b;
		char err[512] = "";

		tmp_write(path, cases[i].text);
		if (fg_board_load(path, &b, err, sizeof(err)) != -EINVAL ||
		    !strstr(err, cases[i].message))
			fail_msg("case %zu: '%s', expected '%s'", i, err, cases[i].message);
	}
	unlink(path);
}

/* A FIFO (no writer) would block open() for ever: refused without opening it blocking. */
static void fifo_profile_is_refused(void **state)
{
	char dir[] = "/tmp/fg-board-fifo-XXXXXX", fifo[256], err[512] = "";
	struct fg_board b;

	(void)state;
	tmp_fifo(dir, "x.conf", fifo, sizeof(fifo));
	alarm(10);
	assert_int_equal(fg_board_load(fifo, &b, err, sizeof(err)), -EINVAL);
	alarm(0);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(tmp_tree_remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_profiles_load),
		cmocka_unit_test(profile_contents),
		cmocka_unit_test(detection),
		cmocka_unit_test(budget),
		cmocka_unit_test(budget_per_direction_and_fifos),
		cmocka_unit_test(install_idempotent),
		cmocka_unit_test(bad_profiles),
		cmocka_unit_test(fifo_profile_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
