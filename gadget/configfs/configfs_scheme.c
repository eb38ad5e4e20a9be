/* SPDX-License-Identifier: MIT */
/*
 * Reads a gadget scheme for what ffsgadget needs beside libusbgx's import:
 * the "ffsgadget" groups, and the list of functions (the FunctionFS ones
 * need a daemon, the others count against the board's endpoint budget).
 * libusbgx reads the same file again when it creates the gadget.
 */
#include <errno.h>
#include <grp.h>
#include <libconfig.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <usbg/usbg.h>

#include "common/conf_diag.h"
#include "common/conf_text.h"
#include "configfs/scheme.h"

static char *join_dir(const char *base_file, const char *rel)
{
	const char *slash = strrchr(base_file, '/');
	size_t dl = slash ? (size_t)(slash - base_file) : 1;
	char *out;

	if (rel[0] == '/' || !slash)
		return strdup(rel);
	out = malloc(dl + 1 + strlen(rel) + 1);
	if (out)
		sprintf(out, "%.*s/%s", (int)dl, base_file, rel);
	return out;
}

static int copy_name(struct fg_conf_diag *p, const config_setting_t *s, const char *what,
		     char *dst, size_t len)
{
	const char *v = config_setting_get_string(s);

	if (!v)
		return fg_conf_fail(p, s, "%s must be a string", what);
	if (!v[0] || strlen(v) >= len || strchr(v, '/') || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0)
		return fg_conf_fail(p, s, "%s '%s' must be 1..%zu characters without '/'", what, v,
				    len - 1);
	strcpy(dst, v);
	return 0;
}

/* Seconds, as an integer or a float. */
static int get_ms(struct fg_conf_diag *p, const config_setting_t *s, const char *what,
		  unsigned *ms)
{
	double v;
	long long i;

	if (fg_conf_int(s, &i))
		v = (double)i;
	else if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(s);
	else
		return fg_conf_fail(p, s, "%s must be a number of seconds", what);
	if (v < 0 || v > 3600)
		return fg_conf_fail(p, s, "%s must be 0..3600 seconds", what);
	*ms = (unsigned)(v * 1000 + 0.5);
	return 0;
}

/* A file mode: a string read in octal ("0660"), or an integer. */
static int get_mode(struct fg_conf_diag *p, const config_setting_t *s, const char *what,
		    unsigned *mode)
{
	long long v;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *str = config_setting_get_string(s);
		char *end;

		errno = 0;
		v = strtoll(str, &end, 8);
		if (errno || end == str || *end)
			return fg_conf_fail(p, s, "%s '%s' is not an octal mode", what, str);
	} else if (!fg_conf_int(s, &v)) {
		return fg_conf_fail(p, s, "%s must be an octal string such as \"0660\"", what);
	}
	if (v <= 0 || v > 07777)
		return fg_conf_fail(p, s, "%s must be 0001..07777", what);
	*mode = (unsigned)v;
	return 0;
}

static int get_owner(struct fg_conf_diag *p, const config_setting_t *s, bool group,
		     struct fg_scheme *sc)
{
	const char *what = group ? "group" : "user";

	long long v;

	if (fg_conf_int(s, &v)) {
		if (v < 0 || v > 0xfffffffe)
			return fg_conf_fail(p, s, "%s must be a name or an id 0..4294967294", what);
		if (group)
			sc->gid = (gid_t)v, sc->has_gid = true;
		else
			sc->uid = (uid_t)v, sc->has_uid = true;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fg_conf_fail(p, s, "%s must be a name or an id", what);
	if (group) {
		const struct group *gr = getgrnam(config_setting_get_string(s));

		if (!gr)
			return fg_conf_fail(p, s, "no group '%s' on this system",
					    config_setting_get_string(s));
		sc->gid = gr->gr_gid, sc->has_gid = true;
	} else {
		const struct passwd *pw = getpwnam(config_setting_get_string(s));

		if (!pw)
			return fg_conf_fail(p, s, "no user '%s' on this system",
					    config_setting_get_string(s));
		sc->uid = pw->pw_uid, sc->has_uid = true;
		if (!sc->has_gid)
			sc->gid = pw->pw_gid, sc->has_gid = true;
	}
	return 0;
}

static int parse_os_desc(struct fg_conf_diag *p, const config_setting_t *g, struct fg_scheme *sc)
{
	if (!config_setting_is_group(g))
		return fg_conf_fail(p, g, "ffsgadget.os_desc must be a group");
	sc->os_desc = true;
	sc->os_vendor_code = 0xcd;
	strcpy(sc->os_qw_sign, "MSFT100");
	sc->os_config = 1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);

		if (strcmp(k, "vendor_code") == 0) {
			long long v;

			if (!fg_conf_int(s, &v) || v < 1 || v > 255)
				return fg_conf_fail(p, s, "os_desc.vendor_code must be 0x01..0xff");
			sc->os_vendor_code = (uint8_t)v;
		} else if (strcmp(k, "qw_sign") == 0) {
			const char *v = config_setting_get_string(s);

			if (!v || strlen(v) != 7)
				return fg_conf_fail(p, s,
						    "os_desc.qw_sign must be 7 characters (\"MSFT100\")");
			strcpy(sc->os_qw_sign, v);
		} else if (strcmp(k, "config") == 0) {
			long long v;

			if (!fg_conf_int(s, &v) || v < 1 || v > 255)
				return fg_conf_fail(p, s,
						    "os_desc.config must be a configuration id 1..255");
			sc->os_config = (int)v;
		} else {
			return fg_conf_fail(p, s, "os_desc: unknown key '%s' (vendor_code, "
					    "qw_sign, config)", k);
		}
	}
	return 0;
}

static int parse_settings(struct fg_conf_diag *p, const config_setting_t *g, struct fg_scheme *sc)
{
	int rc = 0;

	if (!config_setting_is_group(g))
		return fg_conf_fail(p, g, "'ffsgadget' must be a group");
	for (int i = 0; i < config_setting_length(g) && rc == 0; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);

		if (strcmp(k, "name") == 0)
			rc = copy_name(p, s, "name", sc->name, sizeof(sc->name));
		else if (strcmp(k, "udc") == 0)
			rc = copy_name(p, s, "udc", sc->udc, sizeof(sc->udc));
		else if (strcmp(k, "board") == 0)
			rc = copy_name(p, s, "board", sc->board, sizeof(sc->board));
		else if (strcmp(k, "mount_dir") == 0)
			rc = fg_conf_dup_string(p, s, "mount_dir", &sc->mount_dir);
		else if (strcmp(k, "run_dir") == 0)
			rc = fg_conf_dup_string(p, s, "run_dir", &sc->run_dir);
		else if (strcmp(k, "log") == 0)
			rc = fg_conf_dup_string(p, s, "log", &sc->log);
		else if (strcmp(k, "user") == 0)
			rc = get_owner(p, s, false, sc);
		else if (strcmp(k, "group") == 0)
			rc = get_owner(p, s, true, sc);
		else if (strcmp(k, "rmode") == 0)
			rc = get_mode(p, s, "rmode", &sc->rmode);
		else if (strcmp(k, "fmode") == 0)
			rc = get_mode(p, s, "fmode", &sc->fmode);
		else if (strcmp(k, "ready_timeout") == 0)
			rc = get_ms(p, s, "ready_timeout", &sc->ready_timeout_ms);
		else if (strcmp(k, "bind_timeout") == 0)
			rc = get_ms(p, s, "bind_timeout", &sc->bind_timeout_ms);
		else if (strcmp(k, "os_desc") == 0)
			rc = parse_os_desc(p, s, sc);
		else
			rc = fg_conf_fail(p, s, "ffsgadget: unknown key '%s' (name, udc, board, "
					  "mount_dir, run_dir, log, user, group, rmode, fmode, "
					  "ready_timeout, bind_timeout, os_desc)", k);
	}
	if (rc == 0 && sc->udc[0] && strcmp(sc->udc, "auto") == 0)
		sc->udc[0] = '\0';
	if (rc == 0 && sc->board[0] && strcmp(sc->board, "auto") == 0)
		sc->board[0] = '\0';
	return rc;
}

static int parse_ffs(struct fg_conf_diag *p, const config_setting_t *fn, const char *instance,
		     struct fg_scheme *sc)
{
	const config_setting_t *g = config_setting_get_member(fn, "ffsgadget");
	struct fg_scheme_ffs *f;
	int rc = 0;

	if (!g || !config_setting_is_group(g))
		return fg_conf_fail(p, fn,
				    "ffs function '%s' needs ffsgadget = { description = \"FILE\"; }",
				    instance);
	for (size_t i = 0; i < sc->ffs_count; i++)
		if (strcmp(sc->ffs[i].instance, instance) == 0)
			return fg_conf_fail(p, fn, "ffs function '%s' appears twice", instance);
	if (sc->ffs_count + sc->kfunc_count >= FG_SCHEME_MAX_FUNCS)
		return fg_conf_fail(p, fn, "more than %d functions", FG_SCHEME_MAX_FUNCS);
	f = &sc->ffs[sc->ffs_count++];
	snprintf(f->instance, sizeof(f->instance), "%s", instance);
	f->line = config_setting_source_line(fn);
	for (int i = 0; i < config_setting_length(g) && rc == 0; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);

		if (strcmp(k, "description") == 0) {
			const char *v = config_setting_get_string(s);

			if (!v || !v[0])
				return fg_conf_fail(p, s, "description must be a file name");
			f->description = join_dir(p->path, v);
			if (!f->description)
				return -ENOMEM;
		} else if (strcmp(k, "wrapper") == 0) {
			rc = fg_conf_dup_string(p, s, "wrapper", &f->wrapper);
		} else if (strcmp(k, "args") == 0) {
			if (!config_setting_is_array(s) && !config_setting_is_list(s))
				return fg_conf_fail(p, s, "args must be a list of strings");
			for (int j = 0; j < config_setting_length(s); j++) {
				const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);

				if (f->arg_count >= FG_SCHEME_MAX_ARGS)
					return fg_conf_fail(p, e, "more than %d args",
							    FG_SCHEME_MAX_ARGS);
				if (config_setting_type(e) != CONFIG_TYPE_STRING)
					return fg_conf_fail(p, e, "args must be a list of strings");
				f->args[f->arg_count] = strdup(config_setting_get_string(e));
				if (!f->args[f->arg_count++])
					return -ENOMEM;
			}
		} else {
			rc = fg_conf_fail(p, s, "ffs function '%s': unknown key '%s' (description, "
					  "wrapper, args)", instance, k);
		}
	}
	if (rc == 0 && !f->description)
		rc = fg_conf_fail(p, g, "ffs function '%s' names no description", instance);
	return rc;
}

/* One function definition: a group with type and instance. */
static int parse_function(struct fg_conf_diag *p, const config_setting_t *fn, struct fg_scheme *sc)
{
	const config_setting_t *t = config_setting_get_member(fn, "type");
	const config_setting_t *in = config_setting_get_member(fn, "instance");
	const char *type, *instance;
	struct fg_scheme_kfunc *k;

	if (!config_setting_is_group(fn))
		return fg_conf_fail(p, fn, "a function must be a group");
	if (!t || !(type = config_setting_get_string(t)))
		return fg_conf_fail(p, fn, "function needs type = \"...\"");
	if (!in || !(instance = config_setting_get_string(in)) || !instance[0] ||
	    strlen(instance) >= FG_SCHEME_NAME_MAX || strchr(instance, '/'))
		return fg_conf_fail(p, fn,
				    "function needs instance = \"...\" (1..%d characters, no '/')",
				    FG_SCHEME_NAME_MAX - 1);
	if (usbg_lookup_function_type(type) < 0)
		return fg_conf_fail(p, t, "function type '%s' is unknown to libusbgx", type);
	if (strcmp(type, "ffs") == 0)
		return parse_ffs(p, fn, instance, sc);
	if (config_setting_get_member(fn, "ffsgadget"))
		return fg_conf_fail(p, fn, "only ffs functions take an ffsgadget group");
	if (sc->ffs_count + sc->kfunc_count >= FG_SCHEME_MAX_FUNCS)
		return fg_conf_fail(p, fn, "more than %d functions", FG_SCHEME_MAX_FUNCS);
	k = &sc->kfuncs[sc->kfunc_count++];
	snprintf(k->type, sizeof(k->type), "%s", type);
	snprintf(k->instance, sizeof(k->instance), "%s", instance);
	return 0;
}

/* Functions defined inline in a configuration's function list. */
static int parse_configs(struct fg_conf_diag *p, const config_setting_t *configs,
			 struct fg_scheme *sc)
{
	bool os_config_found = false;

	if (!config_setting_is_list(configs))
		return fg_conf_fail(p, configs, "configs must be a list ( {...}, ... )");
	for (int i = 0; i < config_setting_length(configs); i++) {
		const config_setting_t *c = config_setting_get_elem(configs, (unsigned)i);
		const config_setting_t *fl = config_setting_get_member(c, "functions");
		long long id;

		if (fg_conf_int(config_setting_get_member(c, "id"), &id) && id == sc->os_config)
			os_config_found = true;
		if (!fl)
			continue;
		for (int j = 0; j < config_setting_length(fl); j++) {
			const config_setting_t *b = config_setting_get_elem(fl, (unsigned)j);
			const config_setting_t *fn = config_setting_is_group(b) ?
				config_setting_get_member(b, "function") : NULL;

			if (fn && config_setting_is_group(fn)) {
				int rc = parse_function(p, fn, sc);

				if (rc < 0)
					return rc;
			}
		}
	}
	if (sc->os_desc && !os_config_found)
		return fg_conf_fail(p, NULL, "ffsgadget.os_desc.config %d is not in configs",
				    sc->os_config);
	return 0;
}

int fg_scheme_load(const char *path, struct fg_scheme *s, char *err, size_t errlen)
{
	struct fg_conf_diag p = { .path = path, .err = err, .errlen = errlen };
	const config_setting_t *root, *node;
	const char *base;
	config_t cfg;
	int rc;

	memset(s, 0, sizeof(*s));
	s->ready_timeout_ms = 10000;
	s->bind_timeout_ms = 5000;
	rc = fg_conf_read(&p, &cfg);
	if (rc < 0)
		return rc;
	s->path = strdup(path);
	if (!s->path) {
		rc = -ENOMEM;
		goto out;
	}
	/* The gadget is named after the file unless the scheme says otherwise. */
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(s->name, sizeof(s->name), "%.*s",
		 (int)(strcspn(base, ".") ? strcspn(base, ".") : strlen(base)), base);

	root = config_root_setting(&cfg);
	node = config_setting_get_member(root, "ffsgadget");
	if (node)
		rc = parse_settings(&p, node, s);
	node = config_setting_get_member(root, "functions");
	if (rc == 0 && node) {
		if (!config_setting_is_group(node)) {
			rc = fg_conf_fail(&p, node,
					  "functions must be a group { label = {...}; ... }");
			goto out;
		}
		for (int i = 0; i < config_setting_length(node) && rc == 0; i++)
			rc = parse_function(&p, config_setting_get_elem(node, (unsigned)i), s);
	}
	node = config_setting_get_member(root, "configs");
	if (rc == 0 && node)
		rc = parse_configs(&p, node, s);
	else if (rc == 0 && s->os_desc)
		rc = fg_conf_fail(&p, NULL, "ffsgadget.os_desc needs a configuration to link");
	if (rc == 0 && !s->mount_dir)
		s->mount_dir = strdup(FG_MOUNT_DIR);
	if (rc == 0 && !s->run_dir)
		s->run_dir = strdup(FG_RUN_DIR);
	if (rc == 0 && (!s->mount_dir || !s->run_dir))
		rc = -ENOMEM;
	if (rc == 0 && (s->has_uid || s->has_gid)) {
		if (!s->rmode)
			s->rmode = 0750;
		if (!s->fmode)
			s->fmode = 0660;
	}
out:
	config_destroy(&cfg);
	if (rc < 0)
		fg_scheme_free(s);
	return rc;
}

void fg_scheme_free(struct fg_scheme *s)
{
	for (size_t i = 0; i < s->ffs_count; i++) {
		free(s->ffs[i].description);
		free(s->ffs[i].wrapper);
		for (size_t j = 0; j < s->ffs[i].arg_count; j++)
			free(s->ffs[i].args[j]);
	}
	free(s->path);
	free(s->mount_dir);
	free(s->run_dir);
	free(s->log);
	memset(s, 0, sizeof(*s));
}

static int fit(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int fg_scheme_mount_point(const struct fg_scheme *s, const struct fg_scheme_ffs *f, char *buf,
			  size_t len)
{
	return fit(snprintf(buf, len, "%s/ffs-%s", s->mount_dir, f->instance), len);
}

int fg_scheme_state_dir(const char *run_dir, const char *name, char *buf, size_t len)
{
	return fit(snprintf(buf, len, "%s/%s", run_dir, name), len);
}

int fg_scheme_state_file(const char *run_dir, const char *name, const char *instance,
			 const char *suffix, char *buf, size_t len)
{
	return fit(snprintf(buf, len, "%s/%s/%s.%s", run_dir, name, instance, suffix), len);
}

void fg_scheme_mount_options(const struct fg_scheme *s, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
#define ADD(...) n += (size_t)snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__)
	if (s->has_uid)
		ADD("%suid=%u", n ? "," : "", (unsigned)s->uid);
	if (s->has_gid)
		ADD("%sgid=%u", n ? "," : "", (unsigned)s->gid);
	if (s->rmode)
		ADD("%srmode=0%o", n ? "," : "", s->rmode);
	if (s->fmode)
		ADD("%sfmode=0%o", n ? "," : "", s->fmode);
#undef ADD
}
