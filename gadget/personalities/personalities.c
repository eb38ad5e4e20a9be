/* SPDX-License-Identifier: MIT */
/* The registry: a description's `personality` key names one of these. */
#include <string.h>

#include "ffs/personality.h"

extern const struct fg_personality fg_zero_personality;
extern const struct fg_personality fg_hid_personality;
extern const struct fg_personality fg_isostream_personality;

const struct fg_personality *const fg_personalities[] = {
	&fg_zero_personality,
	&fg_hid_personality,
	&fg_isostream_personality,
	NULL,
};

const struct fg_personality *fg_personality_find(const char *name)
{
	for (size_t i = 0; fg_personalities[i]; i++)
		if (strcmp(fg_personalities[i]->name, name) == 0)
			return fg_personalities[i];
	return NULL;
}
