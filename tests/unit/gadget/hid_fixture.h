/* SPDX-License-Identifier: MIT */
/*
 * The fixture the HID unit tests share: a shipped description loaded, the
 * HID personality created on it and enabled.  Included (after cmocka.h,
 * description.h and hid.h) by test_hid_ep0.c and test_hid_report.c.
 */
#ifndef FFSGADGET_TEST_HID_FIXTURE_H
#define FFSGADGET_TEST_HID_FIXTURE_H

struct fixture {
	struct fg_model *m;
	struct fg_hid_dev *d;
	uint8_t ctrl[FG_CTRL_BUFSIZE];  /* control replies */
	char reply[1024];               /* control socket replies */
};

static struct fixture *load(const char *name)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char path[512], err[512] = "";
	void *st = NULL;

	assert_non_null(fx);
	snprintf(path, sizeof(path), "%s/descriptors/%s", FG_SOURCE_DIR, name);
	if (fg_description_load(path, &fx->m, err, sizeof(err)) != 0)
		fail_msg("%s: %s", path, err);
	if (fg_hid_personality.create(fx->m, &st, err, sizeof(err)) != 0)
		fail_msg("%s: create: %s", path, err);
	fx->d = st;
	fg_hid_personality.enable(st);
	return fx;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->d)
		fg_hid_personality.destroy(fx->d);
	fg_model_free(fx->m);
	free(fx);
	return 0;
}

static int setup_keyboard(void **state)
{
	*state = load("hid-keyboard.conf");
	return 0;
}

static int setup_mouse(void **state)
{
	*state = load("hid-mouse.conf");
	return 0;
}

static int setup_gamepad(void **state)
{
	*state = load("hid-gamepad.conf");
	return 0;
}

static int setup_combo(void **state)
{
	*state = load("hid-combo.conf");
	return 0;
}

#endif
