/* SPDX-License-Identifier: MIT */
/* The registry: a description's `personality` key names one of these. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "description/description.h"
#include "personalities/personalities.h"

extern const struct fg_personality fg_zero_personality;
extern const struct fg_personality fg_hid_personality;
extern const struct fg_personality fg_isostream_personality;
extern const struct fg_personality fg_bridge_personality;
extern const struct fg_personality fg_dfu_personality;

const struct fg_personality *const fg_personalities[] = {
	&fg_zero_personality,
	&fg_hid_personality,
	&fg_isostream_personality,
	&fg_bridge_personality,
	&fg_dfu_personality,
	NULL,
};

const struct fg_personality *fg_personality_find(const char *name)
{
	for (size_t i = 0; fg_personalities[i]; i++)
		if (strcmp(fg_personalities[i]->name, name) == 0)
			return fg_personalities[i];
	return NULL;
}

int fg_personality_prepare(const struct fg_model *m, const struct fg_personality **p,
			   void **state, char *err, size_t errlen)
{
	const struct fg_personality *found = fg_personality_find(m->personality);
	void *made = NULL;
	int rc;

	if (!found) {
		char known[128];
		size_t used = 0;

		for (size_t i = 0; fg_personalities[i] && used < sizeof(known); i++)
			used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
						 i ? ", " : "", fg_personalities[i]->name);
		snprintf(err, errlen, "%s:%u: function: personality '%s' is not built in (known: %s)",
			 m->source, m->personality_line, m->personality, known);
		return -EINVAL;
	}
	rc = fg_options_check(found->options, found->name, m, err, errlen);
	if (rc == 0 && found->create)
		rc = found->create(m, &made, err, errlen);
	if (rc < 0)
		return rc;
	if (state)
		*state = made;
	else if (found->destroy)
		found->destroy(made);
	*p = found;
	return 0;
}

int fg_personality_load(const char *path, struct fg_model **m,
			const struct fg_personality **p, char *err, size_t errlen)
{
	int rc = fg_description_load(path, m, err, errlen);

	if (rc < 0)
		return rc;
	rc = fg_personality_prepare(*m, p, NULL, err, errlen);
	if (rc < 0) {
		fg_model_free(*m);
		*m = NULL;
	}
	return rc;
}
