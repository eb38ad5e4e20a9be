/* SPDX-License-Identifier: MIT */
/* Look-ups into a validated model, and its release. */
#include <stdlib.h>
#include <string.h>

#include "description/model.h"

const struct fg_option *fg_model_option(const struct fg_model *m, const char *key)
{
	if (!m || !key)
		return NULL;
	for (size_t i = 0; i < m->option_count && i < FG_MAX_OPTIONS; i++)
		if (strcmp(m->options[i].key, key) == 0)
			return &m->options[i];
	return NULL;
}

const struct fg_endpoint *fg_model_endpoint(const struct fg_model *m, const char *name)
{
	if (!m || !name)
		return NULL;
	for (size_t i = 0; i < m->endpoint_count && i < FG_MAX_ENDPOINTS; i++)
		if (strcmp(m->endpoints[i].name, name) == 0)
			return &m->endpoints[i];
	return NULL;
}

/* Frees what the model owns, then the model; a partly built model is fine. */
void fg_model_free(struct fg_model *m)
{
	if (!m)
		return;
	free(m->source);
	for (size_t i = 0; i < FG_MAX_INTERFACES; i++)
		for (size_t a = 0; a < FG_MAX_ALTS; a++)
			free(m->interfaces[i].alts[a].hid.report);
	for (size_t i = 0; i < FG_MAX_STRINGS; i++) {
		free(m->strings.keys[i]);
		for (size_t l = 0; l < FG_MAX_LANGS; l++)
			free(m->strings.text[l][i]);
	}
	for (size_t i = 0; i < FG_MAX_MS_PROPS; i++) {
		free(m->ms_props[i].name);
		free(m->ms_props[i].data);
	}
	for (size_t i = 0; i < FG_MAX_OPTIONS; i++)
		free(m->options[i].value);
	free(m);
}
