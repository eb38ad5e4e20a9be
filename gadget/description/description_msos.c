/* SPDX-License-Identifier: MIT */
/*
 * The "ms_os" part of a description: MS OS 1.0 extended compat IDs and
 * extended properties, in the form FunctionFS takes them.
 *
 * FunctionFS stores property names and string values as 8-bit text and the
 * composite layer widens each byte to one UTF-16 unit when Windows asks, so
 * both must be ASCII.  The composite layer (fill_ext_prop in 6.1) serves
 * only sz, expand_sz, link and binary properties and fails the whole
 * request for the others, so those are refused here rather than at Windows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "description/description_parse.h"

/* __ffs_data_do_os_desc keeps a property's dwSize in a u8. */
#define PROP_SIZE_MAX 255

static const char *const msos_keys[] = { "compat", "properties", NULL };
static const char *const compat_keys[] = { "interface", "id", "sub_id", NULL };
static const char *const prop_keys[] = { "interface", "name", "type", "value", NULL };

enum prop_type {
	PROP_SZ = 1, PROP_EXPAND_SZ, PROP_BINARY, PROP_DWORD_LE, PROP_DWORD_BE, PROP_LINK,
	PROP_MULTI_SZ,
};
static const char *const prop_type_names[] = {
	"sz", "expand_sz", "binary", "dword_le", "dword_be", "link", "multi_sz", NULL
};

static int parse_interface_ref(struct fg_parse *p, const config_setting_t *g, const char *what,
			       uint8_t *out)
{
	long long n;
	int ret = fg_opt_int(p, g, "interface", what, 0, 255, &n);

	if (ret < 0)
		return ret;
	if (ret == 0)
		return fg_fail(p, g, "%s: 'interface' is required", what);
	if ((size_t)n >= p->m->interface_count)
		return fg_fail(p, fg_member(g, "interface"),
			       "%s: 'interface' %lld does not exist (the function's interfaces are 0..%zu)", what, n,
			       p->m->interface_count - 1);
	*out = (uint8_t)n;
	return 0;
}

static int parse_compat_id(struct fg_parse *p, const config_setting_t *g, const char *what,
			   const char *key, bool required, char dst[8])
{
	const char *id = "";
	int ret = fg_opt_string(p, g, key, what, &id);

	if (ret < 0)
		return ret;
	if (ret == 0 && required)
		return fg_fail(p, g, "%s: '%s' is required", what, key);
	if (strlen(id) > 8)
		return fg_fail(p, fg_member(g, key), "%s: '%s' \"%s\" longer than 8 characters",
			       what, key, id);
	if (!fg_ascii_printable(id))
		return fg_fail(p, fg_member(g, key), "%s: '%s' must be printable ASCII", what, key);
	memset(dst, 0, 8);
	memcpy(dst, id, strlen(id));
	return 0;
}

static int parse_compat(struct fg_parse *p, const config_setting_t *list)
{
	struct fg_model *m = p->m;

	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return fg_fail(p, list, "ms_os: 'compat' must be a list ( {...}, ... )");
	if (config_setting_length(list) > FG_MAX_MS_COMPAT)
		return fg_fail(p, list, "ms_os: more than %d compat entries", FG_MAX_MS_COMPAT);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct fg_ms_compat *c = &m->ms_compat[i];
		char what[32];
		int ret;

		snprintf(what, sizeof(what), "ms_os compat[%d]", i);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			return fg_fail(p, g, "%s: must be a group { ... }", what);
		if ((ret = fg_check_keys(p, g, what, compat_keys)) < 0 ||
		    (ret = parse_interface_ref(p, g, what, &c->interface)) < 0 ||
		    (ret = parse_compat_id(p, g, what, "id", true, c->compatible_id)) < 0 ||
		    (ret = parse_compat_id(p, g, what, "sub_id", false, c->sub_compatible_id)) < 0)
			return ret;
		for (int k = 0; k < i; k++)
			if (m->ms_compat[k].interface == c->interface)
				return fg_fail(p, fg_member(g, "interface"),
					       "%s: interface %u already has a compat ID", what,
					       c->interface);
		m->ms_compat_count = (size_t)i + 1;
	}
	return 0;
}

/* Appends s and its NUL to buf; the caller sized buf. */
static size_t put_text(uint8_t *buf, size_t at, const char *s)
{
	size_t n = strlen(s) + 1;

	memcpy(buf + at, s, n);
	return at + n;
}

static int ascii_value(struct fg_parse *p, const config_setting_t *s, const char *what,
		       const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fg_fail(p, s, "%s: 'value' must be a string", what);
	*out = config_setting_get_string(s);
	if (!fg_ascii_printable(*out))
		return fg_fail(p, s, "%s: 'value' must be printable ASCII", what);
	return 0;
}

/* Puts the value in FunctionFS form: 8-bit text with NULs, raw bytes, or a dword. */
static int parse_prop_value(struct fg_parse *p, const config_setting_t *s, const char *what,
			    struct fg_ms_prop *prop)
{
	const char *text;
	long long dword;
	size_t len = 0;
	int ret;

	switch (prop->type) {
	case PROP_BINARY:
		return fg_byte_list(p, s, what, "value", PROP_SIZE_MAX, &prop->data,
				    &prop->data_len);
	case PROP_DWORD_LE:
	case PROP_DWORD_BE:
		ret = fg_int_value(p, s, what, "value", 0, 0xffffffffLL, &dword);
		if (ret < 0)
			return ret;
		prop->data = malloc(4);
		if (!prop->data)
			return -ENOMEM;
		for (int i = 0; i < 4; i++) {
			int shift = prop->type == PROP_DWORD_LE ? 8 * i : 8 * (3 - i);
			prop->data[i] = (uint8_t)(dword >> shift);
		}
		prop->data_len = 4;
		return 0;
	case PROP_MULTI_SZ:
		if (!fg_is_sequence(s) || config_setting_length(s) == 0)
			return fg_fail(p, s, "%s: 'value' must be a non-empty list of strings", what);
		for (int i = 0; i < config_setting_length(s); i++) {
			ret = ascii_value(p, config_setting_get_elem(s, (unsigned)i), what, &text);
			if (ret < 0)
				return ret;
			len += strlen(text) + 1;
		}
		if (len + 1 > PROP_SIZE_MAX)
			return fg_fail(p, s, "%s: 'value' too long", what);
		prop->data = malloc(len + 1);
		if (!prop->data)
			return -ENOMEM;
		len = 0;
		for (int i = 0; i < config_setting_length(s); i++)
			len = put_text(prop->data, len,
				       config_setting_get_string_elem(s, (unsigned)i));
		prop->data[len++] = 0;
		prop->data_len = len;
		return 0;
	default:
		ret = ascii_value(p, s, what, &text);
		if (ret < 0)
			return ret;
		if (strlen(text) + 1 > PROP_SIZE_MAX)
			return fg_fail(p, s, "%s: 'value' too long", what);
		prop->data = malloc(strlen(text) + 1);
		if (!prop->data)
			return -ENOMEM;
		prop->data_len = put_text(prop->data, 0, text);
		return 0;
	}
}

static int parse_property(struct fg_parse *p, const config_setting_t *g, int index)
{
	struct fg_ms_prop *prop = &p->m->ms_props[index];
	const config_setting_t *value;
	const char *name;
	char what[96];
	int type, ret;

	snprintf(what, sizeof(what), "ms_os properties[%d]", index);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fg_fail(p, g, "%s: must be a group { ... }", what);
	if ((ret = fg_check_keys(p, g, what, prop_keys)) < 0 ||
	    (ret = fg_req_string(p, g, "name", what, &name)) < 0)
		return ret;
	if (name[0] == '\0')
		return fg_fail(p, fg_member(g, "name"), "%s: 'name' is empty", what);
	if (!fg_ascii_printable(name) || strlen(name) > 64)
		return fg_fail(p, fg_member(g, "name"),
			       "%s: 'name' must be 1..64 characters of printable ASCII", what);
	snprintf(what, sizeof(what), "ms_os property '%s'", name);
	prop->name = strdup(name);
	if (!prop->name)
		return -ENOMEM;
	ret = parse_interface_ref(p, g, what, &prop->interface);
	if (ret < 0)
		return ret;

	const config_setting_t *type_at = fg_member(g, "type");
	const char *type_name;

	if (!type_at)
		return fg_fail(p, g, "%s: 'type' is required", what);
	ret = fg_opt_string(p, g, "type", what, &type_name);
	if (ret < 0)
		return ret;
	for (type = 0; prop_type_names[type]; type++)
		if (strcmp(prop_type_names[type], type_name) == 0)
			break;
	if (!prop_type_names[type])
		return fg_fail(p, type_at,
			       "%s: 'type' \"%s\" must be sz, expand_sz, binary, dword_le, dword_be, link or multi_sz",
			       what, type_name);
	prop->type = (uint32_t)type + 1;
	if (prop->type == PROP_DWORD_LE || prop->type == PROP_DWORD_BE ||
	    prop->type == PROP_MULTI_SZ)
		return fg_fail(p, type_at,
			       "%s: 'type' \"%s\" is accepted by FunctionFS but Linux's composite layer cannot send it to the host (only sz, expand_sz, link and binary)",
			       what, type_name);

	value = fg_member(g, "value");
	if (!value)
		return fg_fail(p, g, "%s: 'value' is required", what);
	ret = parse_prop_value(p, value, what, prop);
	if (ret < 0)
		return ret;
	if (14 + strlen(prop->name) + 1 + prop->data_len > PROP_SIZE_MAX)
		return fg_fail(p, value,
			       "%s: name and value take %zu bytes; FunctionFS parses at most %d per property",
			       what, 14 + strlen(prop->name) + 1 + prop->data_len, PROP_SIZE_MAX);
	return 0;
}

static int parse_properties(struct fg_parse *p, const config_setting_t *list)
{
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return fg_fail(p, list, "ms_os: 'properties' must be a list ( {...}, ... )");
	if (config_setting_length(list) > FG_MAX_MS_PROPS)
		return fg_fail(p, list, "ms_os: more than %d properties", FG_MAX_MS_PROPS);
	for (int i = 0; i < config_setting_length(list); i++) {
		int ret = parse_property(p, config_setting_get_elem(list, (unsigned)i), i);

		if (ret < 0)
			return ret;
		p->m->ms_prop_count = (size_t)i + 1;
	}
	return 0;
}

int fg_parse_ms_os(struct fg_parse *p, const config_setting_t *g)
{
	const config_setting_t *compat, *props;
	int ret;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fg_fail(p, g, "function: 'ms_os' must be a group { ... }");
	ret = fg_check_keys(p, g, "ms_os", msos_keys);
	if (ret < 0)
		return ret;
	compat = fg_member(g, "compat");
	props = fg_member(g, "properties");
	if (!compat && !props)
		return fg_fail(p, g, "ms_os: needs 'compat' or 'properties'");
	if (compat && (ret = parse_compat(p, compat)) < 0)
		return ret;
	if (props && (ret = parse_properties(p, props)) < 0)
		return ret;
	return 0;
}
