/* SPDX-License-Identifier: MIT */
/*
 * The "strings" part of a description.  Interfaces name their string by a
 * key; each language group gives the text of every key.  String ids are
 * assigned in the order interfaces first use a key, so the numbering is a
 * property of the descriptors, not of how a translator ordered a file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "description/description_parse.h"

/*
 * The kernel's usb_gadget_get_string() (drivers/usb/gadget/usbstring.c)
 * cuts the UTF-8 text at USB_MAX_STRING_LEN (126) bytes before converting
 * it, so the limit the host sees is in bytes of UTF-8, not UTF-16 units.
 */
#define STRING_BYTES_MAX 126

static int key_index(const struct fg_strings *st, const char *key)
{
	for (size_t i = 0; i < st->count; i++)
		if (strcmp(st->keys[i], key) == 0)
			return (int)i;
	return -1;
}

/* Collects the keys interfaces use, gives each alt its string id. */
static int collect_keys(struct fg_parse *p, const config_setting_t *list)
{
	struct fg_model *m = p->m;
	struct fg_strings *st = &m->strings;

	for (size_t i = 0; i < m->interface_count; i++) {
		for (size_t a = 0; a < m->interfaces[i].alt_count; a++) {
			const char *key = p->alt_string_key[i][a];
			const config_setting_t *at = p->alt_string_at[i][a];
			int idx;

			if (!key)
				continue;
			if (!list)
				return fg_fail(p, at,
					       "interface %zu alt %zu: string '%s' has no text; add a 'strings' block",
					       i, a, key);
			idx = key_index(st, key);
			if (idx < 0) {
				if (st->count >= FG_MAX_STRINGS)
					return fg_fail(p, at, "interface %zu alt %zu: more than %d strings",
						       i, a, FG_MAX_STRINGS);
				st->keys[st->count] = strdup(key);
				if (!st->keys[st->count])
					return -ENOMEM;
				idx = (int)st->count++;
			}
			m->interfaces[i].alts[a].string = (uint8_t)(idx + 1);
		}
	}
	return 0;
}

static int parse_text(struct fg_parse *p, const config_setting_t *s, const char *what,
		      size_t lang_index)
{
	struct fg_strings *st = &p->m->strings;
	const char *key = config_setting_name(s);
	const char *text;
	size_t units;
	int idx;

	if (!key)
		return fg_fail(p, s, "%s: strings must be named, as key = \"text\"", what);
	idx = key_index(st, key);
	if (idx < 0)
		return fg_fail(p, s, "%s: string '%s' is not used by any interface", what, key);
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fg_fail(p, s, "%s: '%s' must be a string", what, key);
	text = config_setting_get_string(s);
	if (!fg_utf8_check(text, strlen(text), &units))
		return fg_fail(p, s, "%s: '%s' is not valid UTF-8", what, key);
	if (strlen(text) > STRING_BYTES_MAX)
		return fg_fail(p, s,
			       "%s: '%s' is %zu bytes of UTF-8; the kernel sends at most %d "
			       "(usb_gadget_get_string cuts the rest)",
			       what, key, strlen(text), STRING_BYTES_MAX);
	st->text[lang_index][idx] = strdup(text);
	return st->text[lang_index][idx] ? 0 : -ENOMEM;
}

static int parse_language(struct fg_parse *p, const config_setting_t *g, size_t index)
{
	struct fg_strings *st = &p->m->strings;
	char what[48];
	long long lang = 0;
	int ret;

	snprintf(what, sizeof(what), "strings[%zu]", index);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fg_fail(p, g, "%s: must be a group { language = ...; key = \"text\"; }",
			       what);
	ret = fg_opt_int(p, g, "language", what, 1, 0xffff, &lang);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return fg_fail(p, g, "%s: 'language' is required", what);
	for (size_t l = 0; l < index; l++)
		if (st->lang[l] == lang)
			return fg_fail(p, fg_member(g, "language"),
				       "%s: language 0x%04llx given twice", what, lang);
	st->lang[index] = (uint16_t)lang;
	snprintf(what, sizeof(what), "strings language 0x%04llx", lang);

	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);

		if (strcmp(config_setting_name(s), "language") == 0)
			continue;
		ret = parse_text(p, s, what, index);
		if (ret < 0)
			return ret;
	}
	if (st->count == 0)
		return fg_fail(p, g, "%s: defines no strings", what);
	for (size_t k = 0; k < st->count; k++)
		if (!st->text[index][k])
			return fg_fail(p, g, "%s: missing string '%s'", what, st->keys[k]);
	return 0;
}

int fg_parse_strings(struct fg_parse *p, const config_setting_t *list)
{
	struct fg_strings *st = &p->m->strings;
	int n, ret;

	ret = collect_keys(p, list);
	if (ret < 0 || !list)
		return ret;
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return fg_fail(p, list, "function: 'strings' must be a list ( {...}, ... )");
	n = config_setting_length(list);
	if (n == 0)
		return fg_fail(p, list, "function: 'strings' is empty");
	if (n > FG_MAX_LANGS)
		return fg_fail(p, list, "function: %d string languages, at most %d", n,
			       FG_MAX_LANGS);
	for (int i = 0; i < n; i++) {
		ret = parse_language(p, config_setting_get_elem(list, (unsigned)i), (size_t)i);
		if (ret < 0)
			return ret;
		st->lang_count = (size_t)i + 1;
	}
	return 0;
}
