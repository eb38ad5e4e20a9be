/* SPDX-License-Identifier: MIT */
/*
 * Description loader: every shipped and good example loads, every file of
 * the bad corpus fails with exactly the message in its .expect file, and
 * the models of the examples hold what the files say.
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
#include <unistd.h>

#include <cmocka.h>

#include "tmp_tree.h"

#include "common/utf8.h"
#include "ffs/describe.h"
#include "description/description.h"

#define UNIT_DIR FG_SOURCE_DIR "/tests/unit"

/* Sorted *.conf names in dir; returns the count. */
static size_t list_confs(const char *dir, char names[][256], size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len < 6 || len >= 256 || strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		assert_true(n < max);
		memcpy(names[n++], e->d_name, len + 1);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	return n;
}

static size_t load_all_good(const char *dir)
{
	static char names[128][256];
	size_t n = list_confs(dir, names, 128);

	for (size_t i = 0; i < n; i++) {
		char path[1024], err[512] = "";
		struct fg_model *m = NULL;
		int ret;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		ret = fg_description_load(path, &m, err, sizeof(err));
		if (ret != 0)
			fail_msg("%s rejected (%d): %s", path, ret, err);
		assert_non_null(m);
		fg_model_free(m);
	}
	return n;
}

static void test_shipped_descriptors_load(void **state)
{
	(void)state;
	assert_true(load_all_good(FG_SOURCE_DIR "/descriptors") >= 1);
}

static void test_good_examples_load(void **state)
{
	(void)state;
	assert_true(load_all_good(UNIT_DIR "/good") >= 3);
}

static void read_expect(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		fail_msg("missing %s", path);
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* Paths relative to tests/unit, so messages read "bad/NAME.conf:LINE: ...". */
static void test_bad_corpus(void **state)
{
	static char names[256][256];
	char cwd[4096];
	size_t n, mismatches = 0;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(UNIT_DIR), 0);
	n = list_confs("bad", names, 256);
	assert_true(n >= 25);
	for (size_t i = 0; i < n; i++) {
		char path[512], expect_path[512], expect[1024], err[1024] = "";
		struct fg_model *m = (struct fg_model *)1;
		int ret;

		snprintf(path, sizeof(path), "bad/%s", names[i]);
		snprintf(expect_path, sizeof(expect_path), "bad/%.*s.expect",
			 (int)(strlen(names[i]) - 5), names[i]);
		read_expect(expect_path, expect, sizeof(expect));
		ret = fg_description_load(path, &m, err, sizeof(err));
		if (ret >= 0 || m != NULL || strcmp(err, expect) != 0) {
			print_error("%s: ret %d\n  got:    %s\n  wanted: %s\n", path, ret, err,
				    expect);
			mismatches++;
		}
		fg_model_free(ret == 0 ? m : NULL);
	}
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(mismatches, 0);
}

static struct fg_model *load(const char *path)
{
	char err[512] = "";
	struct fg_model *m = NULL;

	if (fg_description_load(path, &m, err, sizeof(err)) != 0)
		fail_msg("%s: %s", path, err);
	return m;
}

static void test_gadget_zero_model(void **state)
{
	struct fg_model *m = load(FG_SOURCE_DIR "/descriptors/gadget-zero.conf");
	static const char *const names[] = { "bulk_in", "bulk_out", "int_in", "int_out" };
	static const uint8_t addresses[] = { 0x81, 0x02, 0x83, 0x04 };

	(void)state;
	assert_string_equal(m->name, "gadget-zero");
	assert_string_equal(m->personality, "zero");
	assert_int_equal(m->speeds, FG_SPEED_FULL | FG_SPEED_HIGH | FG_SPEED_SUPER);
	assert_int_equal(m->ffs_flags, 64);   /* FUNCTIONFS_ALL_CTRL_RECIP */
	assert_int_equal(m->interface_count, 1);
	assert_int_equal(m->interfaces[0].alt_count, 1);
	assert_int_equal(m->interfaces[0].alts[0].class_, 0xff);
	assert_int_equal(m->interfaces[0].alts[0].string, 1);
	assert_int_equal(m->interfaces[0].alts[0].ep_count, 4);
	assert_int_equal(m->endpoint_count, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(m->endpoints[i].name, names[i]);
		assert_int_equal(m->endpoints[i].address, addresses[i]);
		assert_ptr_equal(fg_model_endpoint(m, names[i]), &m->endpoints[i]);
	}
	assert_int_equal(m->endpoints[0].type, FG_EP_BULK);
	assert_int_equal(m->endpoints[0].maxpacket[FG_FS], 64);
	assert_int_equal(m->endpoints[0].maxpacket[FG_HS], 512);
	assert_int_equal(m->endpoints[0].maxpacket[FG_SS], 1024);
	assert_int_equal(m->endpoints[0].queue_depth, 16);
	assert_int_equal(m->endpoints[0].buffer_size, 65536);
	assert_int_equal(m->endpoints[2].type, FG_EP_INT);
	assert_int_equal(m->endpoints[2].maxpacket[FG_HS], 1024);
	assert_int_equal(m->endpoints[2].interval[FG_FS], 1);
	assert_int_equal(m->endpoints[2].interval[FG_HS], 4);
	assert_int_equal(m->endpoints[2].interval[FG_SS], 4);
	assert_int_equal(m->endpoints[2].queue_depth, 2);
	assert_int_equal(m->endpoints[2].buffer_size, 1024);
	assert_int_equal(m->endpoints[2].mult, 1);
	assert_int_equal(m->endpoints[2].burst, 1);
	assert_null(fg_model_endpoint(m, "nope"));
	assert_int_equal(m->strings.count, 1);
	assert_string_equal(m->strings.keys[0], "iface");
	assert_int_equal(m->strings.lang_count, 1);
	assert_int_equal(m->strings.lang[0], 0x0409);
	assert_string_equal(m->strings.text[0][0], "Gadget Zero source/sink");
	assert_int_equal(m->ms_compat_count, 1);
	assert_memory_equal(m->ms_compat[0].compatible_id, "WINUSB\0\0", 8);
	assert_int_equal(m->ms_prop_count, 1);
	assert_int_equal(m->ms_props[0].type, 1);
	assert_string_equal(m->ms_props[0].name, "DeviceInterfaceGUID");
	assert_int_equal(m->ms_props[0].data_len, 39);
	assert_non_null(fg_model_option(m, "pattern"));
	assert_string_equal(fg_model_option(m, "pattern")->value, "mod63");
	assert_null(fg_model_option(m, "nope"));
	fg_model_free(m);
}

static void test_two_alts_model(void **state)
{
	struct fg_model *m = load(UNIT_DIR "/good/two-alts.conf");
	const struct fg_interface *iface = &m->interfaces[0];

	(void)state;
	assert_int_equal(m->speeds, FG_SPEED_FULL | FG_SPEED_HIGH);
	assert_int_equal(m->ffs_flags, 64 | 128);
	assert_int_equal(iface->alt_count, 2);
	assert_int_equal(iface->alts[0].ep_count, 0);
	assert_int_equal(iface->alts[1].first_ep, 0);
	assert_int_equal(iface->alts[1].ep_count, 2);
	assert_int_equal(iface->alts[1].subclass, 1);   /* inherited from the interface */
	assert_int_equal(iface->alts[1].protocol, 2);
	/* ids follow first use, not the order a language lists them */
	assert_int_equal(iface->alts[0].string, 1);
	assert_int_equal(iface->alts[1].string, 2);
	assert_string_equal(m->strings.text[1][0], "Ruhend");
	assert_string_equal(m->strings.text[1][1], "Datenstrom");
	assert_int_equal(m->endpoints[0].alt, 1);
	assert_int_equal(m->endpoints[0].queue_depth, 4);
	assert_int_equal(m->endpoints[0].buffer_size, 4096);
	assert_int_equal(m->endpoints[1].maxpacket[FG_FS], 32);
	assert_int_equal(m->endpoints[1].maxpacket[FG_SS], 0);   /* speed absent */
	assert_string_equal(fg_model_option(m, "verbose")->value, "true");
	assert_string_equal(fg_model_option(m, "count")->value, "3");
	assert_int_equal(m->option_count, 3);
	fg_model_free(m);
}

static void test_iso_model(void **state)
{
	struct fg_model *m = load(UNIT_DIR "/good/iso-highbw.conf");

	(void)state;
	assert_int_equal(m->endpoints[0].type, FG_EP_ISO);
	assert_int_equal(m->endpoints[0].mult, 3);
	assert_int_equal(m->endpoints[0].burst, 2);
	assert_int_equal(m->endpoints[0].sync, FG_SYNC_ASYNC);
	assert_int_equal(m->endpoints[0].queue_depth, 32);
	/* largest interval payload: SS 1024 x 3 x 2 */
	assert_int_equal(m->endpoints[0].buffer_size, 6144);
	assert_int_equal(m->endpoints[1].sync, FG_SYNC_ADAPTIVE);
	assert_int_equal(m->endpoints[1].interval[FG_SS], 3);
	fg_model_free(m);
}

static void test_parse_text_names_source(void **state)
{
	const char *text = "function = {\n name = \"t\";\n personality = \"zero\";\n"
			   " interfaces = ( { class = 0xff; bogus = 1; } );\n};\n";
	char err[256];
	struct fg_model *m = NULL;

	(void)state;
	assert_int_equal(fg_description_parse(text, "inline", &m, err, sizeof(err)), -EINVAL);
	assert_null(m);
	assert_string_equal(err, "inline:4: interface 0: unknown key 'bogus'");
	/* no error buffer at all is allowed */
	assert_int_equal(fg_description_parse(text, "inline", &m, NULL, 0), -EINVAL);
	/* a short buffer truncates, never overflows */
	char small[8];
	assert_int_equal(fg_description_parse(text, "inline", &m, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "inline:");
	assert_int_equal(fg_description_parse(NULL, "x", &m, err, sizeof(err)), -EINVAL);
}

static void test_minimal_text(void **state)
{
	const char *text = "function = { name = \"min\"; personality = \"zero\";"
			   " speeds = [\"high\"]; interfaces = ( { class = 0xff; } ); };";
	char err[256] = "";
	struct fg_model *m = NULL;

	(void)state;
	assert_int_equal(fg_description_parse(text, "min", &m, err, sizeof(err)), 0);
	assert_int_equal(m->speeds, FG_SPEED_HIGH);
	assert_int_equal(m->endpoint_count, 0);
	assert_int_equal(m->strings.count, 0);
	assert_string_equal(m->source, "min");
	fg_model_free(m);
}

/* The realtime group reaches the model; without it the daemon asks for nothing. */
static void test_realtime_model(void **state)
{
#define RT_BASE "function = { name = \"rt\"; personality = \"zero\";" \
		" speeds = [\"high\"]; interfaces = ( { class = 0xff; } ); %s };"
	char text[512], err[256] = "";
	struct fg_model *m = NULL;

	(void)state;
	snprintf(text, sizeof(text), RT_BASE, "");
	assert_int_equal(fg_description_parse(text, "rt", &m, err, sizeof(err)), 0);
	assert_int_equal(m->realtime.policy, FG_RT_OFF);
	assert_int_equal(m->realtime.cpu, -1);
	assert_false(m->realtime.lock_memory);
	fg_model_free(m);
	snprintf(text, sizeof(text), RT_BASE,
		 "realtime = { policy = \"rr\"; priority = 42; cpu = 1; required = true; };");
	assert_int_equal(fg_description_parse(text, "rt", &m, err, sizeof(err)), 0);
	assert_int_equal(m->realtime.policy, FG_RT_RR);
	assert_int_equal(m->realtime.priority, 42);
	assert_int_equal(m->realtime.cpu, 1);
	assert_true(m->realtime.lock_memory);   /* the default with a policy */
	assert_true(m->realtime.required);
	assert_int_equal(m->realtime.line, 1);
	fg_model_free(m);
	snprintf(text, sizeof(text), RT_BASE,
		 "realtime = { policy = \"fifo\"; priority = 1; lock_memory = false; };");
	assert_int_equal(fg_description_parse(text, "rt", &m, err, sizeof(err)), 0);
	assert_false(m->realtime.lock_memory);
	assert_false(m->realtime.required);
	fg_model_free(m);
#undef RT_BASE
}

static void test_load_io_errors(void **state)
{
	char err[512], path[] = "/tmp/fg-desc-XXXXXX";
	struct fg_model *m = (struct fg_model *)1;
	int fd;

	(void)state;
	assert_int_equal(fg_description_load("/nonexistent/x.conf", &m, err, sizeof(err)),
			 -ENOENT);
	assert_null(m);
	assert_string_equal(err, "/nonexistent/x.conf: cannot open: No such file or directory");
	assert_int_equal(fg_description_load("/tmp", &m, err, sizeof(err)), -EINVAL);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, FG_DESCRIPTION_MAX + 1), 0);
	assert_int_equal(fg_description_load(path, &m, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "descriptions are limited to 1048576"));

	/* a NUL byte would hide the rest of the file from libconfig */
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, "function\0= {};", 14, 0), 14);
	assert_int_equal(fg_description_load(path, &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "NUL byte"));
	close(fd);
	unlink(path);
}

/*
 * A FIFO with no writer blocks a plain open() for ever: the description
 * and a report_file must be refused as "not a regular file" instead.  The
 * alarm turns a hang into a failed test.
 */
static void test_fifo_refused(void **state)
{
	char dir[] = "/tmp/fg-fifo-XXXXXX", fifo[256], conf[256], err[512] = "";
	struct fg_model *m = NULL;

	(void)state;
	tmp_fifo(dir, "fifo", fifo, sizeof(fifo));
	snprintf(conf, sizeof(conf), "%s/mouse.conf", dir);
	alarm(10);
	assert_int_equal(fg_description_load(fifo, &m, err, sizeof(err)), -EINVAL);
	assert_null(m);
	assert_non_null(strstr(err, "not a regular file"));

	tmp_write(conf, "function = { name = \"m\"; personality = \"hid\"; interfaces = (\n"
		  "  { class = 3; hid = { report_file = \"fifo\"; };\n"
		  "    endpoints = ( { name = \"in\"; address = 0x81; type = \"interrupt\";"
		  " maxpacket = 4; } ); } ); };\n");
	assert_int_equal(fg_description_load(conf, &m, err, sizeof(err)), -EINVAL);
	assert_null(m);
	assert_non_null(strstr(err, "'report_file' \"fifo\" must be a regular file"));
	alarm(0);
	assert_int_equal(tmp_tree_remove(dir), 0);
}

/* The UDC assigns the addresses the host sees: describe must not claim to show them. */
static void test_describe_labels_requested_addresses(void **state)
{
	char path[512], err[512] = "", *text = NULL;
	struct fg_model *m = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	snprintf(path, sizeof(path), "%s/descriptors/gadget-zero.conf", FG_SOURCE_DIR);
	assert_int_equal(fg_description_load(path, &m, err, sizeof(err)), 0);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(fg_describe(out, m, false), 0);
	fclose(out);
	assert_non_null(strstr(text, "endpoint addresses: as requested; the UDC assigns"));
	assert_non_null(strstr(text, "bEndpointAddress     0x83  EP 3 IN (as requested)"));
	free(text);
	fg_model_free(m);
}

static void test_hid_report_file(void **state)
{
	static const uint8_t report[] = { 0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0xc0 };
	char dir[] = "/tmp/fg-hid-XXXXXX", path[256], err[512] = "";
	struct fg_model *m = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/report.bin", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(report, 1, sizeof(report), f), sizeof(report));
	fclose(f);
	snprintf(path, sizeof(path), "%s/mouse.conf", dir);
	tmp_write(path, "function = { name = \"m\"; personality = \"hid\"; interfaces = (\n"
		  "  { class = 3; hid = { report_file = \"report.bin\"; country = 9; };\n"
		  "    endpoints = ( { name = \"in\"; address = 0x81; type = \"interrupt\";"
		  " maxpacket = 4; } ); } ); };\n");
	assert_int_equal(fg_description_load(path, &m, err, sizeof(err)), 0);
	assert_true(m->interfaces[0].alts[0].hid.present);
	assert_int_equal(m->interfaces[0].alts[0].hid.country, 9);
	assert_int_equal(m->interfaces[0].alts[0].hid.bcd_hid, 0x0111);
	assert_int_equal(m->interfaces[0].alts[0].hid.report_len, sizeof(report));
	assert_memory_equal(m->interfaces[0].alts[0].hid.report, report, sizeof(report));
	fg_model_free(m);
	unlink(path);
	snprintf(path, sizeof(path), "%s/report.bin", dir);
	unlink(path);
	rmdir(dir);
}

static void test_utf8(void **state)
{
	size_t units = 0;

	(void)state;
	assert_true(fg_utf8_check("abc", 3, &units));
	assert_int_equal(units, 3);
	assert_true(fg_utf8_check("caf\xc3\xa9", 5, &units));
	assert_int_equal(units, 4);
	assert_true(fg_utf8_check("\xf0\x9f\x98\x80", 4, &units));   /* U+1F600: a pair */
	assert_int_equal(units, 2);
	assert_false(fg_utf8_check("\xc0\xaf", 2, NULL));            /* overlong '/' */
	assert_false(fg_utf8_check("\xe0\x80\xaf", 3, NULL));        /* overlong */
	assert_false(fg_utf8_check("\xed\xa0\x80", 3, NULL));        /* surrogate */
	assert_false(fg_utf8_check("\xf4\x90\x80\x80", 4, NULL));    /* > U+10FFFF */
	assert_false(fg_utf8_check("\xc3", 1, NULL));                /* truncated */
	/* Cut by len, not by a NUL: the bytes after len must not complete it. */
	assert_false(fg_utf8_check("ab\xc3\xa9", 3, NULL));
	assert_false(fg_utf8_check("\xf0\x9f\x98\x80", 3, NULL));
	assert_false(fg_utf8_check("\x80", 1, NULL));                /* lone continuation */
	assert_true(fg_ascii_printable("WINUSB"));
	assert_false(fg_ascii_printable("tab\there"));
}

static void test_model_free_null(void **state)
{
	(void)state;
	fg_model_free(NULL);
	assert_null(fg_model_option(NULL, "x"));
	assert_null(fg_model_endpoint(NULL, "x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_descriptors_load),
		cmocka_unit_test(test_good_examples_load),
		cmocka_unit_test(test_bad_corpus),
		cmocka_unit_test(test_fifo_refused),
		cmocka_unit_test(test_describe_labels_requested_addresses),
		cmocka_unit_test(test_gadget_zero_model),
		cmocka_unit_test(test_two_alts_model),
		cmocka_unit_test(test_iso_model),
		cmocka_unit_test(test_parse_text_names_source),
		cmocka_unit_test(test_minimal_text),
		cmocka_unit_test(test_realtime_model),
		cmocka_unit_test(test_load_io_errors),
		cmocka_unit_test(test_hid_report_file),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_model_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
