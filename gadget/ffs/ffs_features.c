/* SPDX-License-Identifier: MIT */
#include "ffs/ffs_features.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GET_ALT_SYMBOL "ffs_func_get_alt"
/*
 * DMABUF (6.9 on): the completion callback of f_fs's DMABUF requests,
 * stored in each usb_request, so never inlined away.
 */
#define DMABUF_SYMBOL "ffs_epfile_dmabuf_io_complete"

/*
 * Callbacks every f_fs since 3.x hands composite through function
 * pointers, so they stay symbols: any one of them says FunctionFS is in
 * the kernel, and then a missing get_alt means the kernel has none.
 */
static const char *const ffs_marker_symbols[] = {
	"ffs_func_set_alt", "ffs_func_bind", "ffs_func_unbind", "ffs_func_disable",
	"ffs_func_setup",
};

/*
 * name is sym, or sym with a suffix the compiler or clang's LTO gives a
 * part or a promoted copy of the same function ("sym.cold",
 * "sym.llvm.1234"): '.' is in no C identifier, so "sym_other" never matches.
 */
static bool is_symbol(const char *name, const char *sym)
{
	size_t n = strlen(sym);

	return strncmp(name, sym, n) == 0 && (name[n] == '\0' || name[n] == '.');
}

static bool is_marker(const char *name)
{
	for (size_t i = 0; i < sizeof(ffs_marker_symbols) / sizeof(ffs_marker_symbols[0]); i++)
		if (is_symbol(name, ffs_marker_symbols[i]))
			return true;
	return false;
}

/*
 * Splits one kallsyms line, "ADDR TYPE NAME" or "ADDR TYPE NAME\t[MODULE]",
 * in place.  Anything else is not trusted as a symbol: false.
 */
static bool split_line(char *line, const char **name, const char **module)
{
	static const char sep[] = " \t\r\n";
	char *save = NULL, *addr, *type, *mod;
	size_t n;

	addr = strtok_r(line, sep, &save);
	type = strtok_r(NULL, sep, &save);
	*name = strtok_r(NULL, sep, &save);
	mod = strtok_r(NULL, sep, &save);
	if (!addr || !type || !*name || strtok_r(NULL, sep, &save))
		return false;
	if (addr[strspn(addr, "0123456789abcdefABCDEF")] != '\0' || type[0] == '\0' ||
	    type[1] != '\0')
		return false;
	if (!mod) {
		*module = "";
		return true;
	}
	n = strlen(mod);
	if (n < 3 || mod[0] != '[' || mod[n - 1] != ']')
		return false;
	mod[n - 1] = '\0';
	*module = mod + 1;
	return true;
}

static void probe_symbol(const char *kallsyms_path, const char *symbol, struct fg_ffs_probe *out)
{
	FILE *f = fopen(kallsyms_path, "re");
	char *line = NULL;
	size_t cap = 0;
	bool ffs_seen = false, get_alt_seen = false;

	memset(out, 0, sizeof(*out));
	out->answer = FG_FFS_FEATURE_UNKNOWN;
	out->symbol = symbol;
	if (!f) {
		out->read_error = -errno;
		return;
	}
	/* getline: kallsyms names can be up to 512 bytes (KSYM_NAME_LEN, 6.1 on). */
	while (!get_alt_seen && getline(&line, &cap, f) != -1) {
		const char *name, *module;
		bool get_alt;

		if (!split_line(line, &name, &module))
			continue;
		get_alt = is_symbol(name, symbol);
		if (!get_alt && !is_marker(name))
			continue;
		if (!ffs_seen || get_alt)
			snprintf(out->module, sizeof(out->module), "%s", module);
		ffs_seen = true;
		get_alt_seen = get_alt;
	}
	/* A scan cut short by an error cannot prove an absence; a find stands. */
	if (!get_alt_seen && ferror(f))
		out->read_error = errno ? -errno : -EIO;
	free(line);
	fclose(f);
	if (get_alt_seen)
		out->answer = FG_FFS_FEATURE_PRESENT;
	else if (ffs_seen && !out->read_error)
		out->answer = FG_FFS_FEATURE_ABSENT;
	else
		out->module[0] = '\0';
}

void fg_ffs_probe_get_alt(const char *kallsyms_path, struct fg_ffs_probe *out)
{
	probe_symbol(kallsyms_path, GET_ALT_SYMBOL, out);
}

void fg_ffs_probe_dmabuf(const char *kallsyms_path, struct fg_ffs_probe *out)
{
	probe_symbol(kallsyms_path, DMABUF_SYMBOL, out);
}

void fg_ffs_probe_explain(const struct fg_ffs_probe *p, char *buf, size_t size)
{
	const char *sym = p->symbol ? p->symbol : GET_ALT_SYMBOL;

	char where[80];

	if (p->module[0])
		snprintf(where, sizeof(where), "%s", p->module);
	else
		snprintf(where, sizeof(where), "built-in FunctionFS");
	switch (p->answer) {
	case FG_FFS_FEATURE_PRESENT:
		snprintf(buf, size, "probed: %s has %s", where, sym);
		break;
	case FG_FFS_FEATURE_ABSENT:
		snprintf(buf, size, "probed: %s has no %s", where, sym);
		break;
	case FG_FFS_FEATURE_UNKNOWN:
	default:
		if (p->read_error)
			snprintf(buf, size, "kallsyms unreadable (%s)", strerror(-p->read_error));
		else
			snprintf(buf, size, "no FunctionFS symbols in kallsyms (usb_f_fs not loaded)");
		break;
	}
}

size_t fg_ffs_alts_needing_get_alt(const struct fg_model *m, char *list, size_t size)
{
	size_t count = 0, used = 0;

	if (size)
		list[0] = '\0';
	for (size_t i = 0; i < m->interface_count; i++) {
		const struct fg_interface *itf = &m->interfaces[i];

		for (size_t a = 0; a < itf->alt_count; a++) {
			const struct fg_alt *alt = &itf->alts[a];
			int n;

			if (alt->number == 0 || alt->ep_count == 0)
				continue;
			count++;
			if (used >= size)
				continue;
			n = snprintf(list + used, size - used, "%sinterface %u alt %u",
				     count > 1 ? ", " : "", itf->number, alt->number);
			used = n < 0 ? size : used + (size_t)n;
		}
	}
	return count;
}

const struct fg_alt *fg_ffs_alt_over_limit(const struct fg_model *m, uint8_t *iface)
{
	for (size_t i = 0; i < m->interface_count; i++) {
		const struct fg_interface *itf = &m->interfaces[i];

		for (size_t a = 0; a < itf->alt_count; a++) {
			if (itf->alts[a].number > FG_FFS_MAX_ALT) {
				*iface = itf->number;
				return &itf->alts[a];
			}
		}
	}
	return NULL;
}

size_t fg_ffs_fold_alts(struct fg_model *m)
{
	size_t changed = 0;

	for (size_t i = 0; i < m->interface_count; i++) {
		struct fg_interface *itf = &m->interfaces[i];
		struct fg_alt *alt0 = &itf->alts[0];
		size_t first = SIZE_MAX, end = 0;

		if (itf->alt_count < 2)
			continue;
		for (size_t a = 0; a < itf->alt_count; a++) {
			const struct fg_alt *alt = &itf->alts[a];

			if (!alt->ep_count)
				continue;
			if (alt->first_ep < first)
				first = alt->first_ep;
			if (alt->first_ep + alt->ep_count > end)
				end = alt->first_ep + alt->ep_count;
		}
		/* The parser numbers endpoints in alt order: the range is contiguous. */
		alt0->first_ep = first == SIZE_MAX ? alt0->first_ep : first;
		alt0->ep_count = first == SIZE_MAX ? 0 : end - first;
		for (size_t e = alt0->first_ep; e < alt0->first_ep + alt0->ep_count; e++)
			m->endpoints[e].alt = 0;
		for (size_t a = 1; a < itf->alt_count; a++) {
			free(itf->alts[a].hid.report);
			memset(&itf->alts[a], 0, sizeof(itf->alts[a]));
		}
		itf->alt_count = 1;
		changed++;
	}
	return changed;
}

const struct fg_alt *fg_model_dfu_alt(const struct fg_model *m, uint8_t *iface)
{
	for (size_t i = 0; i < m->interface_count; i++) {
		for (size_t a = 0; a < m->interfaces[i].alt_count; a++) {
			if (m->interfaces[i].alts[a].dfu.present) {
				*iface = m->interfaces[i].number;
				return &m->interfaces[i].alts[a];
			}
		}
	}
	return NULL;
}

bool fg_ffs_dfu_by_version(const char *release)
{
	unsigned major, minor;

	if (sscanf(release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > FG_FFS_DFU_MAJOR || (major == FG_FFS_DFU_MAJOR && minor >= FG_FFS_DFU_MINOR);
}
