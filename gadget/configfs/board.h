/* SPDX-License-Identifier: MIT */
/*
 * Board profiles (boards/NAME.conf, libconfig syntax, boards/README.md):
 * what a board's UDC offers a gadget (endpoints per direction, FIFO sizes,
 * high-bandwidth iso) and how to switch the board to peripheral mode (boot
 * configuration lines).  up checks a gadget's endpoints against the
 * profile before it creates anything; "board install" applies the boot
 * lines to a mounted boot/root partition, idempotently.
 */
#ifndef FFSGADGET_BOARD_H
#define FFSGADGET_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "description/model.h"

#define FG_BOARD_NAME_MAX 64
#define FG_BOARD_MAX_FIFOS 32
#define FG_BOARD_MAX_BOOT 16
#define FG_BUDGET_MAX_EPS 128

enum fg_boot_kind {
	FG_BOOT_LINE,   /* the file holds this line (lines starting with 'replace' give way) */
	FG_BOOT_WORD,   /* line 1 of the file holds this word (cmdline.txt) */
	FG_BOOT_MASK,   /* systemd unit masked on the root partition */
};

struct fg_boot_op {
	enum fg_boot_kind kind;
	bool root;          /* on the root partition (else the boot partition) */
	char *file;         /* relative to the partition; MASK: the unit name */
	char *text;         /* the line or word */
	char *replace;      /* LINE: lines starting with this are replaced */
	char *section;      /* LINE: the config.txt section it belongs in, e.g. "[all]" */
	char *after;        /* WORD: put it after this word when present */
	char *comment;      /* why, printed when applied */
};

struct fg_board {
	char name[FG_BOARD_NAME_MAX];
	char *summary;
	char udc_driver[FG_BOARD_NAME_MAX];   /* /sys/class/udc/X/device/driver */
	char udc_pattern[FG_BOARD_NAME_MAX];  /* fnmatch(3) on the UDC name */
	char *models[4];                      /* fnmatch on the device-tree model; none: any */
	size_t model_count;
	unsigned ep_in, ep_out, ep_total;     /* besides ep0 */
	unsigned fifo_in[FG_BOARD_MAX_FIFOS]; /* bytes, one per IN endpoint */
	size_t fifo_in_count;
	unsigned fifo_out[FG_BOARD_MAX_FIFOS];
	size_t fifo_out_count;
	unsigned fifo_out_shared;             /* one RX FIFO for every OUT endpoint (dwc2) */
	bool iso;                             /* has isochronous endpoints at all */
	bool high_bandwidth_iso;              /* mult > 1 */
	bool super_speed;
	struct fg_boot_op boot[FG_BOARD_MAX_BOOT];
	size_t boot_count;
};

/* Loads a profile; 0, or a negative errno and "path:line: problem" in err. */
int fg_board_load(const char *path, struct fg_board *b, char *err, size_t errlen);
void fg_board_free(struct fg_board *b);
/* NAME (boards_dir/NAME.conf) or a path containing '/'. */
int fg_board_open(const char *boards_dir, const char *name, struct fg_board *b, char *err,
		  size_t errlen);
/*
 * The profile matching a UDC (driver and name) and, when the profile names
 * one, the device-tree model.  1 and *b filled, 0 when none matches.
 */
int fg_board_detect(const char *boards_dir, const char *udc_name, const char *udc_driver,
		    const char *dt_model, struct fg_board *b);

/* What a gadget asks of the UDC: one entry per endpoint. */
struct fg_ep_need {
	char what[96];      /* "ffs.zero bulk_in", "acm.usb0 notify" */
	bool in;
	enum fg_ep_type type;
	unsigned bytes;     /* maxpacket x mult at the fastest speed the board runs */
	unsigned mult;
};
struct fg_budget {
	struct fg_ep_need eps[FG_BUDGET_MAX_EPS];
	size_t count;
	bool overflow;
};
int fg_budget_add_model(struct fg_budget *bu, const char *function, const struct fg_model *m,
			bool super_speed);
/* A kernel function's usual endpoints; -ENOENT for a type not in the table. */
int fg_budget_add_kernel(struct fg_budget *bu, const char *type, const char *instance);
/* 0 if the gadget fits, else -ENOSPC and a message such as "needs 9 endpoints; ...". */
int fg_board_check(const struct fg_board *b, const struct fg_budget *bu, char *err, size_t errlen);

/*
 * Applies the profile's boot configuration under boot_dir / root_dir (either
 * may be NULL to skip that partition's steps).  Idempotent: a second run
 * changes nothing.  Each change is reported on out.  Returns the number of
 * changes or a negative errno with a message in err.
 */
int fg_board_install(const struct fg_board *b, const char *boot_dir, const char *root_dir,
		     FILE *out, char *err, size_t errlen);

#endif
