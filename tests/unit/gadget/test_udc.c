/* SPDX-License-Identifier: MIT */
/*
 * UDC choice (hardware before dummy_udc/vudc, busy ones skipped, named ones
 * found or refused with the list) against fake sysfs/configfs trees, and
 * the bind retry's bounded backoff with a fake clock.
 */
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

#include "common/udc.h"

static char root[64], class_dir[128], gadgets[128];

static void put(const char *rel, const char *text)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	tmp_write(p, text);
}

static void udc(const char *name, const char *driver, const char *state)
{
	char p[512], t[512];

	snprintf(p, sizeof(p), "%s/%s", class_dir, name);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/drivers/%s", root, driver);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/device", class_dir, name);
	mkdir(p, 0755);
	snprintf(t, sizeof(t), "%s/drivers/%s", root, driver);
	snprintf(p, sizeof(p), "%s/%s/device/driver", class_dir, name);
	assert_int_equal(symlink(t, p), 0);
	snprintf(p, sizeof(p), "class/%s/state", name);
	put(p, state);
}

static void gadget(const char *name, const char *bound)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", gadgets, name);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "gadgets/%s/UDC", name);
	put(p, bound);
}

static int setup(void **state)
{
	char p[256];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/fg-udc.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(class_dir, sizeof(class_dir), "%s/class", root);
	snprintf(gadgets, sizeof(gadgets), "%s/gadgets", root);
	snprintf(p, sizeof(p), "%s/drivers", root);
	mkdir(class_dir, 0755);
	mkdir(gadgets, 0755);
	mkdir(p, 0755);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmp_tree_remove(root);
}

static void virtual_names(void **state)
{
	(void)state;
	assert_true(fg_udc_is_virtual("dummy_udc.0", "dummy_udc"));
	assert_true(fg_udc_is_virtual("dummy_udc.3", ""));
	assert_true(fg_udc_is_virtual("usbip-vudc.0", "usbip-vudc"));
	assert_false(fg_udc_is_virtual("20980000.usb", "dwc2"));
	assert_false(fg_udc_is_virtual("musb-hdrc.0", "musb-hdrc"));
}

static void choice(void **state)
{
	struct fg_udc u[FG_UDC_MAX];
	char err[512] = "";
	size_t n;
	int i;

	(void)state;
	/* Nothing there yet. */
	assert_int_equal(fg_udc_list(class_dir, gadgets, u, FG_UDC_MAX, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(fg_udc_choose(u, n, NULL, "g", err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "no UDC in /sys/class/udc"));

	udc("dummy_udc.0", "dummy_udc", "not attached\n");
	udc("usbip-vudc.0", "usbip-vudc", "not attached\n");
	udc("fe980000.usb", "dwc2", "configured\n");
	udc("a0000000.usb", "dwc2", "not attached\n");
	assert_int_equal(fg_udc_list(class_dir, gadgets, u, FG_UDC_MAX, &n), 0);
	assert_int_equal(n, 4);
	fg_udc_sort(u, n);
	assert_string_equal(u[0].name, "a0000000.usb");
	assert_string_equal(u[1].name, "fe980000.usb");
	assert_string_equal(u[2].name, "dummy_udc.0");
	assert_string_equal(u[3].name, "usbip-vudc.0");
	assert_string_equal(u[1].driver, "dwc2");
	assert_string_equal(u[1].state, "configured");
	assert_true(u[2].is_virtual && u[3].is_virtual && !u[0].is_virtual);

	/* Auto: the first hardware one. */
	i = fg_udc_choose(u, n, NULL, "mine", err, sizeof(err));
	assert_int_equal(i, 0);
	/* A gadget holds it: the next hardware one, not the dummy. */
	gadget("other", "a0000000.usb\n");
	gadget("idle", "\n");
	assert_int_equal(fg_udc_list(class_dir, gadgets, u, FG_UDC_MAX, &n), 0);
	fg_udc_sort(u, n);
	assert_string_equal(u[0].gadget, "other");
	assert_int_equal(fg_udc_choose(u, n, NULL, "mine", err, sizeof(err)), 1);
	/* ... unless it is the gadget being bound that holds it. */
	assert_int_equal(fg_udc_choose(u, n, NULL, "other", err, sizeof(err)), 0);
	/* Named. */
	assert_int_equal(fg_udc_choose(u, n, "dummy_udc.0", "mine", err, sizeof(err)), 2);
	assert_int_equal(fg_udc_choose(u, n, "a0000000.usb", "mine", err, sizeof(err)), -EBUSY);
	assert_string_equal(err, "UDC a0000000.usb is used by gadget other (ffsgadget down other)");
	assert_int_equal(fg_udc_choose(u, n, "nosuch.0", "mine", err, sizeof(err)), -ENODEV);
	assert_string_equal(err, "no UDC named nosuch.0; present: a0000000.usb (used by other), "
			    "fe980000.usb, dummy_udc.0, usbip-vudc.0");
	/* All taken. */
	gadget("g2", "fe980000.usb");
	gadget("g3", "dummy_udc.0");
	gadget("g4", "usbip-vudc.0");
	assert_int_equal(fg_udc_list(class_dir, gadgets, u, FG_UDC_MAX, &n), 0);
	fg_udc_sort(u, n);
	assert_int_equal(fg_udc_choose(u, n, NULL, "mine", err, sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "every UDC is in use: a0000000.usb (used by other)"));
}

struct fake {
	int results[16];
	unsigned calls;
	unsigned slept[32];
	unsigned sleeps;
};

static int fake_op(void *p)
{
	struct fake *f = p;

	return f->results[f->calls < 16 ? f->calls++ : 15];
}

static void fake_sleep(unsigned ms, void *p)
{
	struct fake *f = p;

	f->slept[f->sleeps++] = ms;
}

static void retry(void **state)
{
	const struct fg_backoff b = { .first_ms = 20, .max_ms = 500, .total_ms = 5000 };
	struct fake f = { .results = { -EBUSY, -ENODEV, -EBUSY, 0 } };
	unsigned tries = 0, total = 0;

	(void)state;
	assert_int_equal(fg_retry(fake_op, &f, &b, fake_sleep, &tries), 0);
	assert_int_equal(tries, 4);
	assert_int_equal(f.sleeps, 3);
	assert_int_equal(f.slept[0], 20);
	assert_int_equal(f.slept[1], 40);
	assert_int_equal(f.slept[2], 80);

	/* A hard error is not retried. */
	f = (struct fake){ .results = { -EINVAL } };
	assert_int_equal(fg_retry(fake_op, &f, &b, fake_sleep, &tries), -EINVAL);
	assert_int_equal(tries, 1);
	assert_int_equal(f.sleeps, 0);

	/* Always busy: bounded, the delays capped, never more than total_ms asleep. */
	f = (struct fake){ .results = { -EBUSY, -EBUSY, -EBUSY, -EBUSY, -EBUSY, -EBUSY, -EBUSY,
				       -EBUSY, -EBUSY, -EBUSY, -EBUSY, -EBUSY, -EBUSY, -EBUSY,
				       -EBUSY, -EBUSY } };
	assert_int_equal(fg_retry(fake_op, &f, &b, fake_sleep, &tries), -EBUSY);
	for (unsigned i = 0; i < f.sleeps; i++) {
		assert_true(f.slept[i] <= 500);
		total += f.slept[i];
	}
	assert_int_equal(total, 5000);
	assert_int_equal(tries, f.sleeps + 1);
	/* 20 40 80 160 320, then 500s: 620 + 8 x 500 = 4620, + 380 to reach 5000. */
	assert_int_equal(f.sleeps, 14);
	assert_int_equal(f.slept[4], 320);
	assert_int_equal(f.slept[5], 500);
	assert_int_equal(f.slept[13], 380);

	/* No time at all: one try. */
	const struct fg_backoff none = { .first_ms = 20, .max_ms = 500, .total_ms = 0 };
	f = (struct fake){ .results = { -EBUSY } };
	assert_int_equal(fg_retry(fake_op, &f, &none, fake_sleep, &tries), -EBUSY);
	assert_int_equal(tries, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(virtual_names),
		cmocka_unit_test(choice),
		cmocka_unit_test(retry),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
