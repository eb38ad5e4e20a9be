/* SPDX-License-Identifier: MIT */
/*
 * The FunctionFS get_alt probe against fake kallsyms files: present as a
 * module and built in, absent, unknown (no FunctionFS, no file), and names
 * or lines that only look like ffs_func_get_alt; then which alt settings
 * of a model need get_alt.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmp_tree.h"

#include "description/description.h"
#include "ffs/ffs_features.h"

static char dir[64], path[128];

/* Unprivileged readers see zero addresses; the probe must not care. */
#define ZERO "0000000000000000"
#define KERNEL_NOISE ZERO " T _text\n" ZERO " t usb_ep_queue\n" ZERO " d ffs_lock\n"

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_ffs_features.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/kallsyms", dir);
	return 0;
}

static int remove_dir(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

static void probe_text(const char *text, struct fg_ffs_probe *p)
{
	tmp_write(path, text);
	fg_ffs_probe_get_alt(path, p);
}

static void explains(const struct fg_ffs_probe *p, const char *expected)
{
	char buf[200];

	fg_ffs_probe_explain(p, buf, sizeof(buf));
	assert_string_equal(buf, expected);
}

static void present_in_module(void **state)
{
	struct fg_ffs_probe p;

	(void)state;
	probe_text(KERNEL_NOISE
		   ZERO " t ffs_func_set_alt\t[usb_f_fs]\n"
		   ZERO " t ffs_func_get_alt\t[usb_f_fs]\n"
		   ZERO " t ffs_func_setup\t[usb_f_fs]\n", &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_PRESENT);
	assert_string_equal(p.module, "usb_f_fs");
	assert_int_equal(p.read_error, 0);
	explains(&p, "probed: usb_f_fs has ffs_func_get_alt");
}

static void present_built_in(void **state)
{
	struct fg_ffs_probe p;

	(void)state;
	/* Root sees real addresses; a built-in f_fs has no module field. */
	probe_text("ffffffff81000000 T _text\n"
		   "ffffffff81a3c2d0 t ffs_func_get_alt\n"
		   "ffffffff81a3c310 t ffs_func_set_alt\n", &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_PRESENT);
	assert_string_equal(p.module, "");
	explains(&p, "probed: built-in FunctionFS has ffs_func_get_alt");
}

static void present_with_compiler_suffix(void **state)
{
	struct fg_ffs_probe p;

	(void)state;
	/* clang LTO renames a promoted static function; it is still that function. */
	probe_text(ZERO " t ffs_func_set_alt.llvm.8812\t[usb_f_fs]\n"
		   ZERO " t ffs_func_get_alt.llvm.8812\t[usb_f_fs]\n", &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_PRESENT);
}

static void absent(void **state)
{
	struct fg_ffs_probe p;

	(void)state;
	probe_text(KERNEL_NOISE
		   ZERO " t ffs_func_bind\t[usb_f_fs]\n"
		   ZERO " t ffs_func_set_alt\t[usb_f_fs]\n"
		   ZERO " t ffs_func_disable\t[usb_f_fs]\n"
		   ZERO " t sourcesink_get_alt\t[usb_f_ss_lb]\n", &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_ABSENT);
	assert_string_equal(p.module, "usb_f_fs");
	explains(&p, "probed: usb_f_fs has no ffs_func_get_alt");

	probe_text(ZERO " t ffs_func_set_alt\n", &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_ABSENT);
	explains(&p, "probed: built-in FunctionFS has no ffs_func_get_alt");
}

static void unknown_without_functionfs(void **state)
{
	struct fg_ffs_probe p;

	(void)state;
	/* usb_f_fs not loaded: neither answer can be read from the file. */
	probe_text(KERNEL_NOISE ZERO " t sourcesink_set_alt\t[usb_f_ss_lb]\n", &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_UNKNOWN);
	assert_int_equal(p.read_error, 0);
	assert_string_equal(p.module, "");
	explains(&p, "no FunctionFS symbols in kallsyms (usb_f_fs not loaded)");

	probe_text("", &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_UNKNOWN);
}

static void unknown_without_file(void **state)
{
	struct fg_ffs_probe p;
	char missing[160];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/no-such-kallsyms", dir);
	fg_ffs_probe_get_alt(missing, &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_UNKNOWN);
	assert_int_equal(p.read_error, -ENOENT);
	explains(&p, "kallsyms unreadable (No such file or directory)");

	/* A directory opens but cannot be read: unknown too, with the reason. */
	fg_ffs_probe_get_alt(dir, &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_UNKNOWN);
	assert_int_equal(p.read_error, -EISDIR);
}

static void near_miss_names(void **state)
{
	struct fg_ffs_probe p;

	(void)state;
	probe_text(ZERO " t ffs_func_set_alt\t[usb_f_fs]\n"
		   ZERO " t ffs_func_get_alt_foo\t[usb_f_fs]\n"
		   ZERO " t my_ffs_func_get_alt\t[vendor]\n"
		   ZERO " t ffs_func_get_al\t[usb_f_fs]\n"
		   ZERO " t __pfx_ffs_func_get_altx\t[usb_f_fs]\n"
		   ZERO " t FFS_FUNC_GET_ALT\t[usb_f_fs]\n", &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_ABSENT);

	/* Near misses of the FunctionFS markers do not make FunctionFS present. */
	probe_text(ZERO " t ffs_func_set_alt_hook\t[vendor]\n"
		   ZERO " t xffs_func_bind\t[vendor]\n", &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_UNKNOWN);
}

static void malformed_lines(void **state)
{
	struct fg_ffs_probe p;
	char text[4096];
	/* With the 20 bytes around it, 1023: a 1024-byte fgets buffer's worth. */
	char long_name[1004];

	(void)state;
	/* A line that a fixed buffer would cut where a symbol-like tail begins. */
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	snprintf(text, sizeof(text),
		 ZERO " t ffs_func_set_alt\t[usb_f_fs]\n"
		 "ffs_func_get_alt\n"
		 "ffs_func_get_alt " ZERO " t\n"
		 "zzzz t ffs_func_get_alt\t[usb_f_fs]\n"
		 ZERO " tt ffs_func_get_alt\t[usb_f_fs]\n"
		 ZERO " t ffs_func_get_alt\t[usb_f_fs\n"
		 ZERO " t ffs_func_get_alt\tusb_f_fs]\n"
		 ZERO " t ffs_func_get_alt\t[usb_f_fs] extra\n"
		 ZERO " t %s " ZERO " t ffs_func_get_alt\n", long_name);
	probe_text(text, &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_ABSENT);

	/* The last line need not end in a newline. */
	probe_text(ZERO " t ffs_func_set_alt\t[usb_f_fs]\n" ZERO " t ffs_func_get_alt\t[usb_f_fs]",
		   &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_PRESENT);
}

static void alts_of_models(void **state)
{
	struct fg_model *m = calloc(1, sizeof(*m));
	char err[512] = "", list[64];

	(void)state;
	assert_non_null(m);
	/* Interface 0: alt 1 empty (no endpoints: nothing to reach). Interface 3: alt 2 has some. */
	m->interface_count = 2;
	m->interfaces[0] = (struct fg_interface){ .number = 0, .alt_count = 2 };
	m->interfaces[0].alts[0] = (struct fg_alt){ .number = 0, .ep_count = 2 };
	m->interfaces[0].alts[1] = (struct fg_alt){ .number = 1, .ep_count = 0 };
	m->interfaces[1] = (struct fg_interface){ .number = 3, .alt_count = 3 };
	m->interfaces[1].alts[0] = (struct fg_alt){ .number = 0, .ep_count = 0 };
	m->interfaces[1].alts[1] = (struct fg_alt){ .number = 1, .ep_count = 1 };
	m->interfaces[1].alts[2] = (struct fg_alt){ .number = 2, .ep_count = 2 };
	assert_int_equal(fg_ffs_alts_needing_get_alt(m, list, sizeof(list)), 2);
	assert_string_equal(list, "interface 3 alt 1, interface 3 alt 2");
	/* Cut short, still terminated, still counted. */
	assert_int_equal(fg_ffs_alts_needing_get_alt(m, list, 12), 2);
	assert_string_equal(list, "interface 3");
	assert_int_equal(fg_ffs_alts_needing_get_alt(m, NULL, 0), 2);
	free(m);

	assert_int_equal(fg_description_load(FG_SOURCE_DIR "/descriptors/gadget-zero-iso-alt1.conf",
					     &m, err, sizeof(err)), 0);
	assert_int_equal(fg_ffs_alts_needing_get_alt(m, list, sizeof(list)), 1);
	assert_string_equal(list, "interface 0 alt 1");
	fg_model_free(m);

	assert_int_equal(fg_description_load(FG_SOURCE_DIR "/descriptors/gadget-zero-iso.conf",
					     &m, err, sizeof(err)), 0);
	assert_int_equal(fg_ffs_alts_needing_get_alt(m, list, sizeof(list)), 0);
	assert_string_equal(list, "");
	fg_model_free(m);
}

/*
 * Without get_alt the alt settings fold into alt 0, every endpoint kept in
 * its place; with it, an alt setting above 2 is found (and refused).
 */
static void fold_and_limit(void **state)
{
	struct fg_model *m;
	char err[512] = "", list[64];
	uint8_t iface = 0xee;

	(void)state;
	assert_int_equal(fg_description_load(FG_SOURCE_DIR "/descriptors/isostream-alts.conf",
					     &m, err, sizeof(err)), 0);
	assert_null(fg_ffs_alt_over_limit(m, &iface));
	assert_int_equal(iface, 0xee);
	assert_int_equal(fg_ffs_alts_needing_get_alt(m, list, sizeof(list)), 2);
	assert_int_equal(m->interfaces[0].alts[0].ep_count, 0);
	assert_int_equal(fg_ffs_fold_alts(m), 1);
	assert_int_equal(m->interfaces[0].alt_count, 1);
	assert_int_equal(m->interfaces[0].alts[0].first_ep, 0);
	assert_int_equal(m->interfaces[0].alts[0].ep_count, 4);
	assert_int_equal(m->endpoint_count, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(m->endpoints[i].alt, 0);
	assert_string_equal(m->endpoints[2].name, "iso_in_1024");
	assert_int_equal(fg_ffs_alts_needing_get_alt(m, list, sizeof(list)), 0);
	assert_int_equal(fg_ffs_fold_alts(m), 0);
	fg_model_free(m);

	/* Four alt settings (0-3): alt 3 is past f_fs's MAX_ALT_SETTINGS. */
	tmp_write(path, "function = { name = \"x\"; personality = \"zero\"; interfaces = ( {"
		  " class = 0xff; alts = ( { endpoints = (); },"
		  " { endpoints = ( { name = \"a\"; address = 0x81; type = \"iso\"; maxpacket = 64; } ); },"
		  " { endpoints = ( { name = \"b\"; address = 0x82; type = \"iso\"; maxpacket = 128; } ); },"
		  " { endpoints = ( { name = \"c\"; address = 0x83; type = \"iso\"; maxpacket = 256; } ); }"
		  " ); } ); };");
	assert_int_equal(fg_description_load(path, &m, err, sizeof(err)), 0);
	const struct fg_alt *over = fg_ffs_alt_over_limit(m, &iface);
	assert_non_null(over);
	assert_int_equal(over->number, 3);
	assert_int_equal(iface, 0);
	/* Folded (a kernel without get_alt), nothing is over the limit. */
	assert_int_equal(fg_ffs_fold_alts(m), 1);
	assert_null(fg_ffs_alt_over_limit(m, &iface));
	assert_int_equal(m->interfaces[0].alts[0].ep_count, 3);
	fg_model_free(m);
}

/* DMABUF: 6.12's usb_f_fs has the completion callback, 6.1's does not. */
static void dmabuf_probed(void **state)
{
	struct fg_ffs_probe p;

	(void)state;
	tmp_write(path, KERNEL_NOISE
		  ZERO " t ffs_func_set_alt\t[usb_f_fs]\n"
		  ZERO " t ffs_epfile_dmabuf_io_complete\t[usb_f_fs]\n");
	fg_ffs_probe_dmabuf(path, &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_PRESENT);
	explains(&p, "probed: usb_f_fs has ffs_epfile_dmabuf_io_complete");
	tmp_write(path, KERNEL_NOISE
		  ZERO " t ffs_func_set_alt\t[usb_f_fs]\n"
		  ZERO " t ffs_epfile_dmabuf_io_completed\t[usb_f_fs]\n"
		  ZERO " t ffs_func_get_alt\t[usb_f_fs]\n");
	fg_ffs_probe_dmabuf(path, &p);
	assert_int_equal(p.answer, FG_FFS_FEATURE_ABSENT);
	explains(&p, "probed: usb_f_fs has no ffs_epfile_dmabuf_io_complete");
	/* The get_alt probe of the same file still answers for get_alt. */
	fg_ffs_probe_get_alt(path, &p);
	explains(&p, "probed: usb_f_fs has ffs_func_get_alt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(present_in_module),
		cmocka_unit_test(present_built_in),
		cmocka_unit_test(present_with_compiler_suffix),
		cmocka_unit_test(absent),
		cmocka_unit_test(unknown_without_functionfs),
		cmocka_unit_test(unknown_without_file),
		cmocka_unit_test(near_miss_names),
		cmocka_unit_test(malformed_lines),
		cmocka_unit_test(alts_of_models),
		cmocka_unit_test(fold_and_limit),
		cmocka_unit_test(dmabuf_probed),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
