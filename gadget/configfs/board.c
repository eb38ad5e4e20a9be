/* SPDX-License-Identifier: MIT */
/*
 * Board profiles: loading, detection from the UDC and the device-tree
 * model, and the endpoint budget check.  The boot configuration steps are
 * in board_install.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_diag.h"
#include "common/conf_text.h"
#include "configfs/board.h"

static int get_uint(struct fg_conf_diag *p, const config_setting_t *s, const char *what,
		    unsigned max, unsigned *out)
{
	long long v;

	if (!fg_conf_int(s, &v) || v < 0 || v > max)
		return fg_conf_fail(p, s, "%s must be an integer 0..%u", what, max);
	*out = (unsigned)v;
	return 0;
}

static int get_bool(struct fg_conf_diag *p, const config_setting_t *s, const char *what, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fg_conf_fail(p, s, "%s must be true or false", what);
	*out = config_setting_get_bool(s);
	return 0;
}

static int get_str(struct fg_conf_diag *p, const config_setting_t *s, const char *what, char *dst,
		   size_t len)
{
	const char *v = config_setting_get_string(s);

	if (!v || strlen(v) >= len)
		return fg_conf_fail(p, s, "%s must be a string of up to %zu characters", what,
				    len - 1);
	strcpy(dst, v);
	return 0;
}

static int get_fifos(struct fg_conf_diag *p, const config_setting_t *s, const char *what,
		     unsigned *out, size_t *count)
{
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return fg_conf_fail(p, s, "%s must be a list of FIFO sizes in bytes", what);
	if (config_setting_length(s) > FG_BOARD_MAX_FIFOS)
		return fg_conf_fail(p, s, "%s: more than %d FIFOs", what, FG_BOARD_MAX_FIFOS);
	*count = 0;
	for (int i = 0; i < config_setting_length(s); i++) {
		int rc = get_uint(p, config_setting_get_elem(s, (unsigned)i), what, 65536,
				  &out[(*count)++]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

#define FOR_MEMBERS(g, s, k, i) \
	for (int i = 0; i < config_setting_length(g) && \
	     ((s = config_setting_get_elem(g, (unsigned)i)), (k = config_setting_name(s)), 1); i++)

static int parse_boot_op(struct fg_conf_diag *p, const config_setting_t *g, struct fg_boot_op *op)
{
	const config_setting_t *s;
	const char *k;
	int kinds = 0, rc = 0;

	if (!config_setting_is_group(g))
		return fg_conf_fail(p, g, "boot: each step must be a group");
	FOR_MEMBERS(g, s, k, i) {
		if (strcmp(k, "partition") == 0) {
			const char *v = config_setting_get_string(s);

			if (!v || (strcmp(v, "boot") && strcmp(v, "root")))
				return fg_conf_fail(p, s, "partition must be \"boot\" or \"root\"");
			op->root = strcmp(v, "root") == 0;
		} else if (strcmp(k, "file") == 0) {
			rc = fg_conf_dup_string(p, s, "file", &op->file);
		} else if (strcmp(k, "line") == 0) {
			op->kind = FG_BOOT_LINE, kinds++;
			rc = fg_conf_dup_string(p, s, "line", &op->text);
		} else if (strcmp(k, "word") == 0) {
			op->kind = FG_BOOT_WORD, kinds++;
			rc = fg_conf_dup_string(p, s, "word", &op->text);
		} else if (strcmp(k, "mask") == 0) {
			op->kind = FG_BOOT_MASK, kinds++;
			op->root = true;
			rc = fg_conf_dup_string(p, s, "mask", &op->text);
		} else if (strcmp(k, "replace") == 0) {
			rc = fg_conf_dup_string(p, s, "replace", &op->replace);
		} else if (strcmp(k, "section") == 0) {
			rc = fg_conf_dup_string(p, s, "section", &op->section);
		} else if (strcmp(k, "after") == 0) {
			rc = fg_conf_dup_string(p, s, "after", &op->after);
		} else if (strcmp(k, "comment") == 0) {
			rc = fg_conf_dup_string(p, s, "comment", &op->comment);
		} else {
			return fg_conf_fail(p, s, "boot: unknown key '%s' (partition, file, line, "
					    "word, mask, replace, section, after, comment)", k);
		}
		if (rc < 0)
			return rc;
	}
	if (kinds != 1)
		return fg_conf_fail(p, g, "boot: each step has exactly one of line, word, mask");
	if (op->kind != FG_BOOT_MASK && !op->file)
		return fg_conf_fail(p, g, "boot: a line or word step needs file");
	if ((op->file && (op->file[0] == '/' || strstr(op->file, ".."))) ||
	    (op->kind == FG_BOOT_MASK && strchr(op->text, '/')))
		return fg_conf_fail(p, g,
				    "boot: paths are relative to the partition, without '..'");
	if (op->kind == FG_BOOT_WORD && strpbrk(op->text, " \t\n"))
		return fg_conf_fail(p, g, "boot: a word has no blanks");
	return 0;
}

static int parse_board(struct fg_conf_diag *p, const config_setting_t *g, struct fg_board *b)
{
	const config_setting_t *s, *t;
	const char *k, *kk;
	int rc = 0;

	b->iso = true;
	FOR_MEMBERS(g, s, k, i) {
		if (strcmp(k, "name") == 0) {
			rc = get_str(p, s, "name", b->name, sizeof(b->name));
		} else if (strcmp(k, "summary") == 0) {
			rc = fg_conf_dup_string(p, s, "summary", &b->summary);
		} else if (strcmp(k, "udc") == 0 && config_setting_is_group(s)) {
			FOR_MEMBERS(s, t, kk, j) {
				if (strcmp(kk, "driver") == 0)
					rc = get_str(p, t, "udc.driver", b->udc_driver,
						     sizeof(b->udc_driver));
				else if (strcmp(kk, "pattern") == 0)
					rc = get_str(p, t, "udc.pattern", b->udc_pattern,
						     sizeof(b->udc_pattern));
				else
					rc = fg_conf_fail(p, t, "udc: unknown key '%s' "
							  "(driver, pattern)", kk);
				if (rc < 0)
					return rc;
			}
		} else if (strcmp(k, "model") == 0) {
			if (!config_setting_is_array(s) || config_setting_length(s) > 4)
				return fg_conf_fail(p, s,
						    "model must be a list of up to 4 patterns");
			for (int j = 0; j < config_setting_length(s); j++) {
				rc = fg_conf_dup_string(p, config_setting_get_elem(s, (unsigned)j),
							"model", &b->models[b->model_count++]);
				if (rc < 0)
					return rc;
			}
		} else if (strcmp(k, "endpoints") == 0 && config_setting_is_group(s)) {
			FOR_MEMBERS(s, t, kk, j) {
				if (strcmp(kk, "in") == 0)
					rc = get_uint(p, t, "endpoints.in", 30, &b->ep_in);
				else if (strcmp(kk, "out") == 0)
					rc = get_uint(p, t, "endpoints.out", 30, &b->ep_out);
				else if (strcmp(kk, "total") == 0)
					rc = get_uint(p, t, "endpoints.total", 30, &b->ep_total);
				else
					rc = fg_conf_fail(p, t, "endpoints: unknown key '%s' "
							  "(in, out, total)", kk);
				if (rc < 0)
					return rc;
			}
		} else if (strcmp(k, "fifo") == 0 && config_setting_is_group(s)) {
			FOR_MEMBERS(s, t, kk, j) {
				if (strcmp(kk, "in") == 0)
					rc = get_fifos(p, t, "fifo.in", b->fifo_in, &b->fifo_in_count);
				else if (strcmp(kk, "out") == 0)
					rc = get_fifos(p, t, "fifo.out", b->fifo_out,
						       &b->fifo_out_count);
				else if (strcmp(kk, "out_shared") == 0)
					rc = get_uint(p, t, "fifo.out_shared", 65536,
						      &b->fifo_out_shared);
				else
					rc = fg_conf_fail(p, t, "fifo: unknown key '%s' "
							  "(in, out, out_shared)", kk);
				if (rc < 0)
					return rc;
			}
		} else if (strcmp(k, "iso") == 0) {
			rc = get_bool(p, s, "iso", &b->iso);
		} else if (strcmp(k, "high_bandwidth_iso") == 0) {
			rc = get_bool(p, s, "high_bandwidth_iso", &b->high_bandwidth_iso);
		} else if (strcmp(k, "super_speed") == 0) {
			rc = get_bool(p, s, "super_speed", &b->super_speed);
		} else if (strcmp(k, "boot") == 0) {
			if (!config_setting_is_list(s))
				return fg_conf_fail(p, s, "boot must be a list ( {...}, ... )");
			if (config_setting_length(s) > FG_BOARD_MAX_BOOT)
				return fg_conf_fail(p, s, "boot: more than %d steps",
						    FG_BOARD_MAX_BOOT);
			for (int j = 0; j < config_setting_length(s); j++) {
				rc = parse_boot_op(p, config_setting_get_elem(s, (unsigned)j),
						   &b->boot[b->boot_count++]);
				if (rc < 0)
					return rc;
			}
		} else {
			return fg_conf_fail(p, s, "board: unknown key '%s' (name, summary, udc, "
					    "model, endpoints, fifo, iso, high_bandwidth_iso, "
					    "super_speed, boot)", k);
		}
		if (rc < 0)
			return rc;
	}
	if (!b->name[0])
		return fg_conf_fail(p, g, "board needs a name");
	if (!b->ep_total)
		return fg_conf_fail(p, g,
				    "board needs endpoints = { in = N; out = N; total = N; }");
	if (!b->ep_in)
		b->ep_in = b->ep_total;
	if (!b->ep_out)
		b->ep_out = b->ep_total;
	return 0;
}

int fg_board_load(const char *path, struct fg_board *b, char *err, size_t errlen)
{
	struct fg_conf_diag p = { .path = path, .err = err, .errlen = errlen, .zero_line = true };
	const config_setting_t *g;
	config_t cfg;
	int rc;

	memset(b, 0, sizeof(*b));
	rc = fg_conf_read(&p, &cfg);
	if (rc < 0)
		return rc;
	g = config_setting_get_member(config_root_setting(&cfg), "board");
	if (!g || !config_setting_is_group(g) ||
	    config_setting_length(config_root_setting(&cfg)) != 1)
		rc = fg_conf_fail(&p, g, "a profile holds exactly one group: board = { ... };");
	else
		rc = parse_board(&p, g, b);
	config_destroy(&cfg);
	if (rc < 0)
		fg_board_free(b);
	return rc;
}

void fg_board_free(struct fg_board *b)
{
	free(b->summary);
	for (size_t i = 0; i < b->model_count; i++)
		free(b->models[i]);
	for (size_t i = 0; i < b->boot_count; i++) {
		struct fg_boot_op *op = &b->boot[i];

		free(op->file), free(op->text), free(op->replace);
		free(op->section), free(op->after), free(op->comment);
	}
	memset(b, 0, sizeof(*b));
}

int fg_board_open(const char *boards_dir, const char *name, struct fg_board *b, char *err,
		  size_t errlen)
{
	char path[4096];
	int rc;

	if (strchr(name, '/'))
		return fg_board_load(name, b, err, errlen);
	snprintf(path, sizeof(path), "%s/%s.conf", boards_dir, name);
	rc = fg_board_load(path, b, err, errlen);
	if (rc == -ENOENT)
		snprintf(err, errlen, "no board profile '%s' (%s; see 'ffsgadget board list')",
			 name, path);
	return rc;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_profile(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 5 && e->d_name[0] != '.' && strcmp(e->d_name + n - 5, ".conf") == 0;
}

static bool board_matches(const struct fg_board *b, const char *udc_name, const char *udc_driver,
			  const char *dt_model)
{
	if (!b->udc_driver[0] && !b->udc_pattern[0])
		return false;
	if (b->udc_driver[0] && (!udc_driver || strcmp(b->udc_driver, udc_driver) != 0))
		return false;
	if (b->udc_pattern[0] && (!udc_name || fnmatch(b->udc_pattern, udc_name, 0) != 0))
		return false;
	if (!b->model_count)
		return true;
	for (size_t i = 0; dt_model && i < b->model_count; i++)
		if (fnmatch(b->models[i], dt_model, 0) == 0)
			return true;
	return false;
}

int fg_board_detect(const char *boards_dir, const char *udc_name, const char *udc_driver,
		    const char *dt_model, struct fg_board *b)
{
	struct dirent **names;
	int n = scandir(boards_dir, &names, is_profile, name_cmp);
	int found = 0;

	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		char path[4096], err[256];

		snprintf(path, sizeof(path), "%s/%s", boards_dir, names[i]->d_name);
		if (!found && fg_board_load(path, b, err, sizeof(err)) == 0) {
			if (board_matches(b, udc_name, udc_driver, dt_model))
				found = 1;
			else
				fg_board_free(b);
		}
		free(names[i]);
	}
	free(names);
	return found;
}

/* --- the budget ---------------------------------------------------------- */

static struct fg_ep_need *budget_next(struct fg_budget *bu)
{
	if (bu->count >= FG_BUDGET_MAX_EPS) {
		bu->overflow = true;
		return NULL;
	}
	return &bu->eps[bu->count++];
}

int fg_budget_add_model(struct fg_budget *bu, const char *function, const struct fg_model *m,
			bool super_speed)
{
	for (size_t i = 0; i < m->endpoint_count; i++) {
		const struct fg_endpoint *ep = &m->endpoints[i];
		struct fg_ep_need *n = budget_next(bu);
		enum fg_speed_index s = FG_FS;

		if (!n)
			return -ENOSPC;
		if (super_speed && ep->maxpacket[FG_SS])
			s = FG_SS;
		else if (ep->maxpacket[FG_HS])
			s = FG_HS;
		snprintf(n->what, sizeof(n->what), "%s %s", function, ep->name);
		n->in = fg_ep_is_in(ep);
		n->type = ep->type;
		n->mult = s == FG_FS ? 1 : (ep->mult ? ep->mult : 1);
		n->bytes = ep->maxpacket[s] * n->mult;
	}
	return 0;
}

/*
 * The endpoints each kernel function asks for (drivers/usb/gadget/function),
 * at high speed.  Optional endpoints (hid's OUT, uac2's feedback) count.
 */
struct kernel_ep { const char *name; bool in; enum fg_ep_type type; unsigned bytes; };
static const struct {
	const char *type;
	struct kernel_ep eps[4];
} kernel_functions[] = {
	{ "acm", { { "notify", true, FG_EP_INT, 10 }, { "in", true, FG_EP_BULK, 512 },
		   { "out", false, FG_EP_BULK, 512 } } },
	{ "gser", { { "in", true, FG_EP_BULK, 512 }, { "out", false, FG_EP_BULK, 512 } } },
	{ "obex", { { "in", true, FG_EP_BULK, 512 }, { "out", false, FG_EP_BULK, 512 } } },
	{ "ecm", { { "notify", true, FG_EP_INT, 16 }, { "in", true, FG_EP_BULK, 512 },
		   { "out", false, FG_EP_BULK, 512 } } },
	{ "ncm", { { "notify", true, FG_EP_INT, 16 }, { "in", true, FG_EP_BULK, 512 },
		   { "out", false, FG_EP_BULK, 512 } } },
	{ "rndis", { { "notify", true, FG_EP_INT, 8 }, { "in", true, FG_EP_BULK, 512 },
		     { "out", false, FG_EP_BULK, 512 } } },
	{ "geth", { { "in", true, FG_EP_BULK, 512 }, { "out", false, FG_EP_BULK, 512 } } },
	{ "eem", { { "in", true, FG_EP_BULK, 512 }, { "out", false, FG_EP_BULK, 512 } } },
	{ "phonet", { { "in", true, FG_EP_BULK, 512 }, { "out", false, FG_EP_BULK, 512 } } },
	{ "mass_storage", { { "in", true, FG_EP_BULK, 512 }, { "out", false, FG_EP_BULK, 512 } } },
	{ "midi", { { "in", true, FG_EP_BULK, 512 }, { "out", false, FG_EP_BULK, 512 } } },
	{ "Loopback", { { "in", true, FG_EP_BULK, 512 }, { "out", false, FG_EP_BULK, 512 } } },
	{ "SourceSink", { { "in", true, FG_EP_BULK, 512 }, { "out", false, FG_EP_BULK, 512 } } },
	{ "printer", { { "in", true, FG_EP_BULK, 512 }, { "out", false, FG_EP_BULK, 512 } } },
	{ "hid", { { "in", true, FG_EP_INT, 64 }, { "out", false, FG_EP_INT, 64 } } },
	{ "uac2", { { "capture", true, FG_EP_ISO, 200 }, { "playback", false, FG_EP_ISO, 200 },
		    { "feedback", true, FG_EP_ISO, 4 } } },
	{ "uvc", { { "control", true, FG_EP_INT, 16 }, { "video", true, FG_EP_ISO, 1024 } } },
};

int fg_budget_add_kernel(struct fg_budget *bu, const char *type, const char *instance)
{
	for (size_t i = 0; i < sizeof(kernel_functions) / sizeof(kernel_functions[0]); i++) {
		if (strcmp(kernel_functions[i].type, type) != 0)
			continue;
		for (const struct kernel_ep *k = kernel_functions[i].eps; k->name; k++) {
			struct fg_ep_need *n = budget_next(bu);

			if (!n)
				return -ENOSPC;
			snprintf(n->what, sizeof(n->what), "%s.%s %s", type, instance, k->name);
			n->in = k->in;
			n->type = k->type;
			n->bytes = k->bytes;
			n->mult = 1;
		}
		return 0;
	}
	return -ENOENT;
}

static int by_bytes_desc(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

static int need_by_bytes_desc(const void *a, const void *b)
{
	const struct fg_ep_need *x = *(const struct fg_ep_need *const *)a;
	const struct fg_ep_need *y = *(const struct fg_ep_need *const *)b;

	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

/*
 * The largest need takes the largest FIFO, and so on down: if that pairing
 * fails, every pairing does.
 */
static int check_fifos(const struct fg_board *b, const struct fg_budget *bu, bool in, char *err,
		       size_t errlen)
{
	const unsigned *src = in ? b->fifo_in : b->fifo_out;
	size_t nf = in ? b->fifo_in_count : b->fifo_out_count, nn = 0;
	const struct fg_ep_need *needs[FG_BUDGET_MAX_EPS];
	unsigned fifos[FG_BOARD_MAX_FIFOS];

	if (!nf)
		return 0;
	memcpy(fifos, src, nf * sizeof(fifos[0]));
	qsort(fifos, nf, sizeof(fifos[0]), by_bytes_desc);
	for (size_t i = 0; i < bu->count; i++)
		if (bu->eps[i].in == in)
			needs[nn++] = &bu->eps[i];
	qsort(needs, nn, sizeof(needs[0]), need_by_bytes_desc);
	for (size_t i = 0; i < nn && i < nf; i++) {
		if (needs[i]->bytes <= fifos[i])
			continue;
		snprintf(err, errlen, "%s needs a %u-byte %s FIFO; the largest %s has left is "
			 "%u bytes", needs[i]->what, needs[i]->bytes, in ? "IN" : "OUT", b->name,
			 fifos[i]);
		return -ENOSPC;
	}
	return 0;
}

int fg_board_check(const struct fg_board *b, const struct fg_budget *bu, char *err, size_t errlen)
{
	unsigned in = 0, out = 0, out_count = 0;

	if (bu->overflow) {
		snprintf(err, errlen, "needs more than %d endpoints", FG_BUDGET_MAX_EPS);
		return -ENOSPC;
	}
	for (size_t i = 0; i < bu->count; i++) {
		if (bu->eps[i].in)
			in++;
		else
			out++;
	}
	if (in + out > b->ep_total) {
		snprintf(err, errlen, "needs %u endpoints; %s has %u", in + out, b->name,
			 b->ep_total);
		return -ENOSPC;
	}
	if (in > b->ep_in || out > b->ep_out) {
		bool din = in > b->ep_in;

		snprintf(err, errlen, "needs %u %s endpoints; %s has %u", din ? in : out,
			 din ? "IN" : "OUT", b->name, din ? b->ep_in : b->ep_out);
		return -ENOSPC;
	}
	for (size_t i = 0; i < bu->count; i++) {
		const struct fg_ep_need *n = &bu->eps[i];

		if (n->type == FG_EP_ISO && !b->iso) {
			snprintf(err, errlen, "%s is isochronous; %s has no isochronous endpoints",
				 n->what, b->name);
			return -ENOSPC;
		}
		if (n->mult > 1 && !b->high_bandwidth_iso) {
			snprintf(err, errlen, "%s is high-bandwidth (%u transactions per "
				 "microframe); %s cannot do that", n->what, n->mult, b->name);
			return -ENOSPC;
		}
		if (!n->in)
			out_count++;
	}
	if (b->fifo_out_shared) {
		/*
		 * One RX FIFO for all OUT endpoints (dwc2).  The databook's sizing
		 * for iso: the largest packet plus setup and status words.
		 */
		for (size_t i = 0; i < bu->count; i++) {
			const struct fg_ep_need *n = &bu->eps[i];
			unsigned need = n->bytes;

			if (n->in)
				continue;
			if (n->type == FG_EP_ISO)
				need += 4 * (10 + 1 + 2 * out_count + 1);
			if (need > b->fifo_out_shared) {
				snprintf(err, errlen, "%s needs %u bytes of RX FIFO; %s has %u "
					 "(raise it in the device tree: g-rx-fifo-size)", n->what,
					 need, b->name, b->fifo_out_shared);
				return -ENOSPC;
			}
		}
	}
	if (check_fifos(b, bu, true, err, errlen) < 0 || check_fifos(b, bu, false, err, errlen) < 0)
		return -ENOSPC;
	return 0;
}
