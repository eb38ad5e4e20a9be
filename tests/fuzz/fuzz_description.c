/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: a description file's text through the whole loading
 * path the daemon takes before it touches FunctionFS: parse + validate,
 * both blobs, the personality's option check.  Any input must end in a
 * model or in exactly one message, never in a crash or a leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "description/description.h"
#include "ffs/ffs_blobs.h"
#include "ffs/personality.h"
#include "personalities/personalities.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct fg_model *m = NULL;
	char *text = malloc(size + 1);
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	rc = fg_description_parse(text, "fuzz.conf", &m, err, sizeof(err));
	free(text);
	if (rc < 0) {
		/* One message, always. */
		if (!err[0] || m)
			abort();
		return 0;
	}

	struct fg_blob descs = { 0 }, strs = { 0 };
	if (ffs_build_descriptors(m, 7, &descs) == 0)
		fg_blob_free(&descs);
	if (ffs_build_strings(m, &strs) == 0)
		fg_blob_free(&strs);

	/* The loader's second half: the personality, its option table, its create. */
	const struct fg_personality *p;

	err[0] = '\0';
	if (fg_personality_prepare(m, &p, NULL, err, sizeof(err)) < 0 && !err[0])
		abort();
	fg_model_free(m);
	return 0;
}
