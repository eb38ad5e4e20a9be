/* SPDX-License-Identifier: MIT */
/*
 * FunctionFS features the running kernel has, probed instead of guessed
 * from its version (vendor kernels backport), and the ones a model needs.
 *
 * get_alt (mainline 6.10, 2f550553e23c): without it composite stalls
 * SET_INTERFACE to any alt setting other than 0.  f_fs assigns
 * ffs_func_get_alt through a function pointer, so when it exists it is a
 * symbol in /proc/kallsyms, whose names every reader sees (kptr_restrict
 * hides only the addresses).
 */
#ifndef FFSGADGET_FFS_FEATURES_H
#define FFSGADGET_FFS_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "description/model.h"

#define FG_KALLSYMS "/proc/kallsyms"

enum fg_ffs_feature_answer {
	FG_FFS_FEATURE_UNKNOWN,     /* no kallsyms, or FunctionFS not in it */
	FG_FFS_FEATURE_ABSENT,
	FG_FFS_FEATURE_PRESENT,
};

struct fg_ffs_probe {
	enum fg_ffs_feature_answer answer;
	const char *symbol;         /* what was looked for */
	/* Where FunctionFS's symbols were found: a module name, or "" for built in. */
	char module[64];
	/* UNKNOWN only: the negative errno of opening or reading kallsyms, else 0. */
	int read_error;
};

/*
 * Looks for f_fs's ffs_func_get_alt in the kallsyms file at kallsyms_path
 * (FG_KALLSYMS, or a fake one).  Never fails: what could not be read
 * makes the answer UNKNOWN.
 */
void fg_ffs_probe_get_alt(const char *kallsyms_path, struct fg_ffs_probe *out);

/*
 * The same for FunctionFS DMABUF (FUNCTIONFS_DMABUF_*, mainline 6.9): f_fs's
 * ffs_epfile_dmabuf_io_complete.  The UDC's part (sg_supported) shows only
 * when the daemon attaches a buffer (ffs/dmabuf.h).
 */
void fg_ffs_probe_dmabuf(const char *kallsyms_path, struct fg_ffs_probe *out);

/*
 * How the answer was found, for people: "probed: usb_f_fs has no
 * ffs_func_get_alt", or for UNKNOWN why nothing was probed.
 */
void fg_ffs_probe_explain(const struct fg_ffs_probe *p, char *buf, size_t size);

/*
 * The alt settings other than 0 that hold endpoints, which only a kernel
 * with get_alt lets the host select: their count, and in list (when size
 * is not 0) "interface 0 alt 1, ...", truncated to fit.
 */
size_t fg_ffs_alts_needing_get_alt(const struct fg_model *m, char *list, size_t size);

/*
 * f_fs's set_alt refuses alt settings above MAX_ALT_SETTINGS (2 in 6.10
 * through 6.12, read from 6.12's f_fs.c): composite then stalls the
 * host's SET_INTERFACE.  It is a constant, not a symbol, so it cannot be
 * probed; every f_fs with get_alt has it.
 */
#define FG_FFS_MAX_ALT 2
#define FG_FFS_MAX_ALT_TEXT "2"

/*
 * The first alt setting numbered above FG_FFS_MAX_ALT, or NULL (*iface
 * set to its interface's number when found).
 */
const struct fg_alt *fg_ffs_alt_over_limit(const struct fg_model *m, uint8_t *iface);

/*
 * For kernels without get_alt, where only alt 0 can be selected: every
 * interface's alt settings become one alt 0 holding all their endpoints,
 * in their order (FunctionFS file numbers stay the same), with alt 0's
 * class, protocol and string.  Returns how many interfaces changed.
 */
size_t fg_ffs_fold_alts(struct fg_model *m);

/*
 * DFU: FunctionFS takes the DFU functional descriptor (type 0x21 in a
 * class 0xfe subclass 0x01 interface) from Linux 6.12 on.  Only writing
 * descriptors to a FunctionFS instance can prove it (the daemon does;
 * doctor does as root, in a scratch gadget); without that, the kernel's
 * version is the guess.
 */
#define FG_FFS_DFU_MAJOR 6
#define FG_FFS_DFU_MINOR 12
/* The model's DFU interface, or NULL (*iface set when found). */
const struct fg_alt *fg_model_dfu_alt(const struct fg_model *m, uint8_t *iface);
/* Whether the kernel release ("6.1.0-57-amd64") is at least 6.12; false when unreadable. */
bool fg_ffs_dfu_by_version(const char *release);

#endif
