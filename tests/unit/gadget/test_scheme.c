/* SPDX-License-Identifier: MIT */
/*
 * Gadget schemes: the shipped scheme loads with what it says, FunctionFS
 * functions need a description, unknown keys and types are refused with the
 * line, and the mount options follow the owner settings.
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

#include "configfs/scheme.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fg-scheme.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return tmp_tree_remove(tmpdir);
}

/* Writes text to tmpdir/name.scheme and loads it. */
static int load_text(const char *name, const char *text, struct fg_scheme *s, char *err,
		     size_t errlen)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.scheme", tmpdir, name);
	tmp_write(path, text);
	return fg_scheme_load(path, s, err, errlen);
}

static void shipped_gadget_zero(void **state)
{
	struct fg_scheme s;
	char err[512] = "", mp[256], opts[128];

	(void)state;
	assert_int_equal(fg_scheme_load(FG_SOURCE_DIR "/configs/gadget-zero.scheme", &s, err,
					sizeof(err)), 0);
	assert_string_equal(s.name, "gadget-zero");
	assert_string_equal(s.udc, "");            /* "auto" */
	assert_string_equal(s.board, "");
	assert_int_equal(s.ffs_count, 1);
	assert_int_equal(s.kfunc_count, 0);
	assert_string_equal(s.ffs[0].instance, "zero");
	assert_string_equal(s.ffs[0].description,
			    FG_SOURCE_DIR "/configs/../descriptors/gadget-zero.conf");
	assert_true(access(s.ffs[0].description, R_OK) == 0);
	assert_true(s.os_desc);
	assert_int_equal(s.os_vendor_code, 0xcd);
	assert_string_equal(s.os_qw_sign, "MSFT100");
	assert_int_equal(s.os_config, 1);
	assert_string_equal(s.run_dir, FG_RUN_DIR);
	assert_int_equal(fg_scheme_mount_point(&s, &s.ffs[0], mp, sizeof(mp)), 0);
	assert_string_equal(mp, "/dev/ffs-zero");
	fg_scheme_mount_options(&s, opts, sizeof(opts));
	assert_string_equal(opts, "");             /* root, kernel defaults */
	fg_scheme_free(&s);
}

static const char composite[] =
	"attrs = { idVendor = 0x1d6b; idProduct = 0x0104; };\n"
	"functions = {\n"
	"  one = { instance = \"one\"; type = \"ffs\";\n"
	"          ffsgadget = { description = \"d/one.conf\"; args = [\"--stats\", \"-v\"];\n"
	"                        wrapper = \"/usr/bin/chrt\"; }; };\n"
	"  acm = { instance = \"usb0\"; type = \"acm\"; };\n"
	"};\n"
	"configs = ( { id = 2; name = \"c\"; functions = ( \"one\", \"acm\",\n"
	"    { name = \"x\"; function = { instance = \"two\"; type = \"ffs\";\n"
	"        ffsgadget = { description = \"/abs/two.conf\"; }; }; } ); } );\n"
	"ffsgadget = { name = \"comp\"; udc = \"fe980000.usb\"; board = \"raspberrypi-4\";\n"
	"  mount_dir = \"/run/ffs\"; run_dir = \"/tmp/r\"; uid = 0; user = 1000; group = 1001;\n"
	"  rmode = \"0770\"; ready_timeout = 2.5; bind_timeout = 1;\n"
	"  os_desc = { vendor_code = 0x42; config = 2; }; };\n";

static void composite_scheme(void **state)
{
	struct fg_scheme s;
	char err[512] = "", buf[256], opts[128];

	(void)state;
	/* "uid" is not a key: the whole file is refused, with its line. */
	assert_int_equal(load_text("bad", composite, &s, err, sizeof(err)), -EINVAL);
	if (!strstr(err, "bad.scheme:12: ffsgadget: unknown key 'uid'"))
		fail_msg("%s", err);

	char *text = strdup(composite);
	char *uid = strstr(text, " uid = 0;");
	memset(uid, ' ', strlen(" uid = 0;"));
	assert_int_equal(load_text("comp-file", text, &s, err, sizeof(err)), 0);
	free(text);
	assert_string_equal(s.name, "comp");
	assert_string_equal(s.udc, "fe980000.usb");
	assert_string_equal(s.board, "raspberrypi-4");
	assert_int_equal(s.ffs_count, 2);
	assert_int_equal(s.kfunc_count, 1);
	assert_string_equal(s.kfuncs[0].type, "acm");
	assert_string_equal(s.kfuncs[0].instance, "usb0");
	snprintf(buf, sizeof(buf), "%s/d/one.conf", tmpdir);
	assert_string_equal(s.ffs[0].description, buf);
	assert_int_equal(s.ffs[0].arg_count, 2);
	assert_string_equal(s.ffs[0].args[1], "-v");
	assert_string_equal(s.ffs[0].wrapper, "/usr/bin/chrt");
	/* Defined inline in the configuration. */
	assert_string_equal(s.ffs[1].instance, "two");
	assert_string_equal(s.ffs[1].description, "/abs/two.conf");
	assert_int_equal(s.ready_timeout_ms, 2500);
	assert_int_equal(s.bind_timeout_ms, 1000);
	assert_true(s.os_desc);
	assert_int_equal(s.os_vendor_code, 0x42);
	assert_int_equal(s.os_config, 2);
	assert_int_equal(fg_scheme_mount_point(&s, &s.ffs[1], buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/ffs/ffs-two");
	assert_int_equal(fg_scheme_state_file(s.run_dir, s.name, "two", "ready", buf,
					      sizeof(buf)), 0);
	assert_string_equal(buf, "/tmp/r/comp/two.ready");
	fg_scheme_mount_options(&s, opts, sizeof(opts));
	assert_string_equal(opts, "uid=1000,gid=1001,rmode=0770,fmode=0660");
	fg_scheme_free(&s);
}

struct bad_case {
	const char *text;
	const char *message;
};

static void refusals(void **state)
{
	static const struct bad_case cases[] = {
		{ "functions = { f = { instance = \"a\"; type = \"ffs\"; }; };",
		  ":1: ffs function 'a' needs ffsgadget = { description = \"FILE\"; }" },
		{ "functions = { f = { instance = \"a\"; type = \"ffs\"; ffsgadget = { }; }; };",
		  ":1: ffs function 'a' names no description" },
		{ "functions = { f = { instance = \"a\"; type = \"SourceSink\"; }; };",
		  ":1: function type 'SourceSink' is unknown to libusbgx" },
		{ "functions = { f = { type = \"acm\"; }; };",
		  ":1: function needs instance" },
		{ "functions = {\n f = { instance = \"a\"; type = \"ffs\"; ffsgadget = { description = \"x\"; }; };\n"
		  " g = { instance = \"a\"; type = \"ffs\"; ffsgadget = { description = \"y\"; }; }; };",
		  ":3: ffs function 'a' appears twice" },
		{ "functions = { f = { instance = \"a\"; type = \"acm\"; ffsgadget = { }; }; };",
		  "only ffs functions take an ffsgadget group" },
		{ "ffsgadget = { os_desc = { vendor_code = 0; }; };\nconfigs = ( { id = 1; name = \"c\"; } );",
		  ":1: os_desc.vendor_code must be 0x01..0xff" },
		/* 2^32 + 0xcd: libconfig 1.5 alone would keep 0xcd. */
		{ "ffsgadget = { os_desc = { vendor_code = 0x1000000cd; }; };\nconfigs = ( { id = 1; name = \"c\"; } );",
		  ":1: os_desc.vendor_code must be 0x01..0xff" },
		{ "ffsgadget = { os_desc = { config = 3; }; };\nconfigs = ( { id = 1; name = \"c\"; } );",
		  "ffsgadget.os_desc.config 3 is not in configs" },
		{ "ffsgadget = { rmode = \"0778\"; };", ":1: rmode '0778' is not an octal mode" },
		{ "ffsgadget = { name = \"a/b\"; };", ":1: name 'a/b' must be 1..63 characters without '/'" },
		{ "ffsgadget = { user = \"no-such-user-here\"; };",
		  ":1: no user 'no-such-user-here' on this system" },
		{ "ffsgadget = { ready_timeout = \"5\"; };", ":1: ready_timeout must be a number of seconds" },
		{ "attrs = { idVendor = 0x1d6b; ", ":1: syntax error" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fg_scheme s;
		char err[512] = "";
		int rc = load_text("bad", cases[i].text, &s, err, sizeof(err));

		if (rc != -EINVAL || !strstr(err, cases[i].message))
			fail_msg("case %zu: rc %d, message '%s', expected '%s'", i, rc, err,
				 cases[i].message);
	}
}

static void missing_file(void **state)
{
	struct fg_scheme s;
	char err[512] = "";

	(void)state;
	assert_int_equal(fg_scheme_load("/nonexistent/x.scheme", &s, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/x.scheme: No such file or directory");
}

/* A directory would make libconfig's scanner exit the process: refused first. */
static void directory_is_refused(void **state)
{
	struct fg_scheme s;
	char err[512] = "";

	(void)state;
	assert_int_equal(fg_scheme_load(FG_SOURCE_DIR "/configs", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, FG_SOURCE_DIR "/configs: not a regular file");
}

/* A FIFO (no writer) would block open() for ever: refused without opening it blocking. */
static void fifo_is_refused(void **state)
{
	char dir[] = "/tmp/fg-scheme-fifo-XXXXXX", fifo[256], err[512] = "";
	struct fg_scheme s;

	(void)state;
	tmp_fifo(dir, "x.scheme", fifo, sizeof(fifo));
	alarm(10);
	assert_int_equal(fg_scheme_load(fifo, &s, err, sizeof(err)), -EINVAL);
	alarm(0);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(tmp_tree_remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_gadget_zero),
		cmocka_unit_test(composite_scheme),
		cmocka_unit_test(refusals),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(directory_is_refused),
		cmocka_unit_test(fifo_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
