/* SPDX-License-Identifier: MIT */
/*
 * Entry points of the description loader: reading the file, handing the
 * text to libconfig, and the function-level keys.  The parts live in
 * description_iface.c, description_strings.c and description_msos.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/usb/functionfs.h>

#include "description/description.h"
#include "description/description_parse.h"
#include "description/usb_rules.h"
#include "common/conf_text.h"
#include "common/sysfile.h"

/*
 * The kernel's composite layer builds each configuration descriptor in one
 * USB_COMP_EP0_BUFSIZ (4096) buffer, after the 9-byte config header.
 */
#define CONFIG_BUFFER_ROOM (4096 - 9)
/* libconfig keeps line numbers in an unsigned short. */
#define LINES_MAX 65535

static const char *const root_keys[] = { "function", NULL };
static const char *const function_keys[] = {
	"name", "personality", "speeds", "flags", "interfaces", "strings", "ms_os", "options",
	"realtime", NULL
};

static void set_message(char *err, size_t errlen, const char *source, const char *what,
			int errnum)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s: %s", source, what, strerror(errnum));
}

/* Parses a list of words into bits; words[i] sets bits[i]. */
static int parse_words(struct fg_parse *p, const config_setting_t *s, const char *field,
		       const char *const *words, const unsigned *bits, unsigned *out)
{
	unsigned seen = 0;

	if (!fg_is_sequence(s))
		return fg_fail(p, s, "function: '%s' must be a list of strings", field);
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *w;
		int k;

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fg_fail(p, e, "function: '%s' must be a list of strings", field);
		w = config_setting_get_string(e);
		for (k = 0; words[k]; k++)
			if (strcmp(words[k], w) == 0)
				break;
		if (!words[k]) {
			char choices[96] = "";

			for (int j = 0; words[j]; j++) {
				size_t used = strlen(choices);
				snprintf(choices + used, sizeof(choices) - used, "%s\"%s\"",
					 j == 0 ? "" : ", ", words[j]);
			}
			return fg_fail(p, e, "function: '%s' has unknown \"%s\" (known: %s)", field,
				       w, choices);
		}
		if (seen & bits[k])
			return fg_fail(p, e, "function: '%s' lists \"%s\" twice", field, w);
		seen |= bits[k];
	}
	*out = seen;
	return 0;
}

static int parse_speeds_flags(struct fg_parse *p, const config_setting_t *fn)
{
	static const char *const speed_words[] = { "full", "high", "super", NULL };
	static const unsigned speed_bits[] = { FG_SPEED_FULL, FG_SPEED_HIGH, FG_SPEED_SUPER };
	static const char *const flag_words[] = { "all_ctrl_recip", "config0_setup", NULL };
	static const unsigned flag_bits[] = { FUNCTIONFS_ALL_CTRL_RECIP, FUNCTIONFS_CONFIG0_SETUP };
	const config_setting_t *s;
	int ret;

	p->m->speeds = FG_SPEED_FULL | FG_SPEED_HIGH | FG_SPEED_SUPER;
	s = fg_member(fn, "speeds");
	if (s) {
		ret = parse_words(p, s, "speeds", speed_words, speed_bits, &p->m->speeds);
		if (ret < 0)
			return ret;
		if (p->m->speeds == 0)
			return fg_fail(p, s, "function: 'speeds' is empty; at least one is needed");
	}
	s = fg_member(fn, "flags");
	if (s)
		return parse_words(p, s, "flags", flag_words, flag_bits, &p->m->ffs_flags);
	return 0;
}

static int parse_options(struct fg_parse *p, const config_setting_t *g)
{
	struct fg_model *m = p->m;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fg_fail(p, g, "function: 'options' must be a group { ... }");
	if (config_setting_length(g) > FG_MAX_OPTIONS)
		return fg_fail(p, g, "options: more than %d options", FG_MAX_OPTIONS);
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		struct fg_option *o = &m->options[i];
		const char *key = config_setting_name(s);
		char number[32];
		const char *text;

		if (strlen(key) >= FG_NAME_MAX)
			return fg_fail(p, s, "options: key '%s' longer than %d characters", key,
				       FG_NAME_MAX - 1);
		switch (config_setting_type(s)) {
		case CONFIG_TYPE_STRING:
			text = config_setting_get_string(s);
			break;
		case CONFIG_TYPE_INT:
		case CONFIG_TYPE_INT64:
			snprintf(number, sizeof(number), "%lld",
				 (long long)config_setting_get_int64(s));
			text = number;
			break;
		case CONFIG_TYPE_BOOL:
			text = config_setting_get_bool(s) ? "true" : "false";
			break;
		default:
			return fg_fail(p, s, "options: '%s' must be a string, integer or boolean",
				       key);
		}
		memcpy(o->key, key, strlen(key) + 1);
		o->line = config_setting_source_line(s);
		o->value = strdup(text);
		if (!o->value)
			return -ENOMEM;
		m->option_count = (size_t)i + 1;
	}
	return 0;
}

static int check_sizes(struct fg_parse *p, const config_setting_t *fn)
{
	for (int s = 0; s < 3; s++) {
		size_t len;

		if (!(p->m->speeds & (1u << s)))
			continue;
		len = fg_usb_speed_descriptors_len(p->m, (enum fg_speed_index)s);
		if (len > CONFIG_BUFFER_ROOM)
			return fg_fail(p, fn,
				       "function: %s descriptors take %zu bytes; the kernel sends at most %d in a configuration",
				       fg_speed_label((enum fg_speed_index)s), len, CONFIG_BUFFER_ROOM);
	}
	return 0;
}

static int parse_function(struct fg_parse *p, const config_setting_t *fn)
{
	const config_setting_t *s;
	const char *text;
	int ret;

	if (config_setting_type(fn) != CONFIG_TYPE_GROUP)
		return fg_fail(p, fn, "'function' must be a group { ... }");
	ret = fg_check_keys(p, fn, "function", function_keys);
	if (ret < 0)
		return ret;
	if ((ret = fg_req_string(p, fn, "name", "function", &text)) < 0 ||
	    (ret = fg_copy_name(p, fg_member(fn, "name"), "function", "name", text,
				p->m->name)) < 0 ||
	    (ret = fg_req_string(p, fn, "personality", "function", &text)) < 0 ||
	    (ret = fg_copy_name(p, fg_member(fn, "personality"), "function", "personality",
				text, p->m->personality)) < 0 ||
	    (ret = parse_speeds_flags(p, fn)) < 0)
		return ret;
	p->m->personality_line = config_setting_source_line(fg_member(fn, "personality"));

	s = fg_member(fn, "interfaces");
	if (!s)
		return fg_fail(p, fn, "function: 'interfaces' is required");
	if ((ret = fg_parse_interfaces(p, s)) < 0 ||
	    (ret = fg_parse_strings(p, fg_member(fn, "strings"))) < 0)
		return ret;
	s = fg_member(fn, "ms_os");
	if (s && (ret = fg_parse_ms_os(p, s)) < 0)
		return ret;
	s = fg_member(fn, "options");
	if (s && (ret = parse_options(p, s)) < 0)
		return ret;
	p->m->realtime.cpu = -1;
	s = fg_member(fn, "realtime");
	if (s && (ret = fg_parse_realtime(p, s)) < 0)
		return ret;
	return check_sizes(p, fn);
}

/* libconfig would open @include files relative to the working directory. */
static int check_text(struct fg_parse *p, const char *text)
{
	unsigned line = 1;
	bool line_start = true;

	for (const char *c = text; *c; c++) {
		if (*c == '\n') {
			if (++line > LINES_MAX)
				break;
			line_start = true;
		} else if (line_start && *c == '@') {
			snprintf(p->err, p->errlen,
				 "%s:%u: @include is not supported: a description is one file",
				 p->source, line);
			return -EINVAL;
		} else if (*c != ' ' && *c != '\t') {
			line_start = false;
		}
	}
	if (line > LINES_MAX) {
		snprintf(p->err, p->errlen, "%s: more than %d lines", p->source, LINES_MAX);
		return -EINVAL;
	}
	return 0;
}

int fg_description_parse(const char *text, const char *source_name, struct fg_model **out,
			 char *err, size_t errlen)
{
	char scratch[8];
	struct fg_parse p = {
		.source = source_name ? source_name : "<text>",
		.err = err && errlen ? err : scratch,
		.errlen = err && errlen ? errlen : sizeof(scratch),
	};
	const config_setting_t *fn;
	config_t cfg;
	char *wide;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	p.err[0] = '\0';
	if (!text) {
		snprintf(p.err, p.errlen, "%s: no text", p.source);
		return -EINVAL;
	}
	if (strnlen(text, FG_DESCRIPTION_MAX + 1) > FG_DESCRIPTION_MAX) {
		snprintf(p.err, p.errlen, "%s: larger than %u bytes", p.source, FG_DESCRIPTION_MAX);
		return -EFBIG;
	}
	ret = check_text(&p, text);
	if (ret < 0)
		return ret;
	ret = fg_conf_text_prepare(text, p.source, &wide, p.err, p.errlen);
	if (ret < 0) {
		if (ret == -ENOMEM)
			snprintf(p.err, p.errlen, "%s: out of memory", p.source);
		return ret;
	}

	config_init(&cfg);
	ret = config_read_string(&cfg, wide);
	free(wide);
	if (ret != CONFIG_TRUE) {
		snprintf(p.err, p.errlen, "%s:%d: %s", p.source, config_error_line(&cfg),
			 config_error_text(&cfg));
		config_destroy(&cfg);
		return -EINVAL;
	}
	p.m = calloc(1, sizeof(*p.m));
	if (!p.m || !(p.m->source = strdup(p.source))) {
		ret = -ENOMEM;
		goto out;
	}
	ret = fg_check_keys(&p, config_root_setting(&cfg), "description", root_keys);
	if (ret < 0)
		goto out;
	fn = config_lookup(&cfg, "function");
	if (!fn) {
		snprintf(p.err, p.errlen, "%s:1: description: 'function' is required", p.source);
		ret = -EINVAL;
		goto out;
	}
	ret = parse_function(&p, fn);
out:
	config_destroy(&cfg);
	if (ret < 0) {
		if (ret == -ENOMEM && !p.err[0])
			snprintf(p.err, p.errlen, "%s: out of memory", p.source);
		fg_model_free(p.m);
		return ret;
	}
	*out = p.m;
	return 0;
}

int fg_description_load(const char *path, struct fg_model **out, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int ret;

	if (!out || !path)
		return -EINVAL;
	*out = NULL;
	ret = fg_read_regular(path, FG_DESCRIPTION_MAX, &text, &len);
	if (ret == -EINVAL) {
		if (err && errlen)
			snprintf(err, errlen, "%s: not a regular file", path);
	} else if (ret == -EFBIG) {
		if (err && errlen)
			snprintf(err, errlen, "%s: descriptions are limited to %u bytes", path,
				 FG_DESCRIPTION_MAX);
	} else if (ret == -EILSEQ) {
		if (err && errlen)
			snprintf(err, errlen, "%s: contains a NUL byte; descriptions are text", path);
		ret = -EINVAL;
	} else if (ret < 0) {
		set_message(err, errlen, path, "cannot open", -ret);
	}
	if (ret < 0)
		return ret;
	ret = fg_description_parse(text, path, out, err, errlen);
	free(text);
	return ret;
}
