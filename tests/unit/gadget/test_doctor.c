/* SPDX-License-Identifier: MIT */
/*
 * ffsgadget doctor's exit status: 1 whenever it reports a missing piece
 * (here a description that does not exist, on any machine), and its help
 * says so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "configfs/configfs.h"

/* Runs doctor with argv, its standard output into out; returns its status. */
static int doctor(char **argv, int argc, char *out, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO), rc;
	size_t n;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stdout);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	rc = fg_cmd_doctor(argc, argv);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, len - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return rc;
}

static void missing_description_fails(void **state)
{
	char *argv[] = { "doctor", "/nonexistent/ffsgadget-doctor-test.conf", NULL };
	static char out[16384];

	(void)state;
	assert_int_equal(doctor(argv, 2, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "MISSING  description"));
	assert_null(strstr(out, "doctor: 0 missing"));
}

static void help_names_the_exit_status(void **state)
{
	char *argv[] = { "doctor", "--help", NULL };
	static char out[4096];

	(void)state;
	assert_int_equal(doctor(argv, 2, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Exit status: 1 when a piece is MISSING"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(missing_description_fails),
		cmocka_unit_test(help_names_the_exit_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
