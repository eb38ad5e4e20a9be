/* SPDX-License-Identifier: MIT */
/*
 * Unit tests that build fake sysfs, configfs or board trees in /tmp: writing
 * their files, and removing a tree again without a shell.  Include after
 * cmocka.h.
 */
#ifndef FFSGADGET_TEST_TMP_TREE_H
#define FFSGADGET_TEST_TMP_TREE_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static int tmp_tree_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Writes text to path, a fixture file; the test fails when it cannot. */
static inline void tmp_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/*
 * Makes a fresh directory from template (mkdtemp) with a FIFO named name in
 * it, its path in fifo: a file no plain open() may be pointed at, since with
 * no writer it blocks for ever. Remove the directory with tmp_tree_remove.
 */
static inline void tmp_fifo(char *template, const char *name, char *fifo, size_t size)
{
	assert_non_null(mkdtemp(template));
	assert_true((size_t)snprintf(fifo, size, "%s/%s", template, name) < size);
	assert_int_equal(mkfifo(fifo, 0600), 0);
}

/* Removes root and everything below it (links are removed, not followed): 0 or -1. */
static inline int tmp_tree_remove(const char *root)
{
	return nftw(root, tmp_tree_remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

#endif
