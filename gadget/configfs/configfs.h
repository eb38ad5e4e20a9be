/* SPDX-License-Identifier: MIT */
/*
 * The configfs lifecycle of a gadget made from a scheme, on libusbgx.
 *
 * up:   descriptions and their personalities' options checked (nothing
 *       touched yet) -> a stale gadget of the same name taken down -> UDC
 *       chosen -> board budget checked -> run dir and configfs tree (libusbgx
 *       import, os_desc) -> FunctionFS mounted, each mount recorded first ->
 *       daemons started, every one ready -> UDC bound (EBUSY/ENODEV retried
 *       with a bounded backoff).  Nothing is created before the checks pass;
 *       a failure after that is rolled back by down.
 * down: unbind -> stop the daemons (PID files, then whoever still holds the
 *       mount) -> umount -> remove the configfs tree -> remove the run dir.
 * Both are idempotent: up on a gadget that is up does nothing, up on a
 * stale one rebuilds it, down on nothing succeeds.
 */
#ifndef FFSGADGET_CONFIGFS_H
#define FFSGADGET_CONFIGFS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "configfs/scheme.h"

#define FG_CONFIGFS "/sys/kernel/config"

struct fg_up_options {
	const char *name;           /* overrides, NULL: the scheme's */
	const char *udc;
	const char *board;
	const char *boards_dir;
	const char *run_dir;
	const char *log;
	struct { const char *instance, *file; } descriptions[FG_SCHEME_MAX_FUNCS];
	size_t description_count;
	char **extra;               /* more "run" options for every daemon */
	size_t extra_count;
	unsigned udc_timeout_ms;    /* wait this long for a UDC to appear */
	int ready_timeout_ms;       /* -1: the scheme's */
	bool force;                 /* rebuild even when up */
};

int fg_gadget_up(struct fg_scheme *s, const struct fg_up_options *o);
int fg_gadget_down(const char *name, const char *run_dir);
/*
 * After up: waits in signals (SIGTERM, SIGINT, SIGCHLD, blocked by the
 * caller before up started the daemons).  A daemon's end takes the gadget
 * down and returns -ECHILD; SIGTERM or SIGINT take it down and return
 * down's result.  Tells systemd READY=1 first (Type=notify).
 */
int fg_gadget_supervise(const char *name, const char *run_dir, const sigset_t *signals);
int fg_gadget_status(const char *run_dir, const char *only);

/* Where board profiles are: explicit, $FFSGADGET_BOARDS, beside the scheme or the binary. */
const char *fg_boards_dir(const char *explicit_dir, const char *scheme_path, char *buf,
			  size_t len);
/* Loads configfs and libcomposite when missing (modprobe, mount). */
int fg_configfs_ensure(char *err, size_t errlen);
/* The device-tree model ("Raspberry Pi Zero W Rev 1.1"), or "" . */
void fg_dt_model(char *buf, size_t len);

/* The commands, argv[0] being the command name. */
int fg_cmd_up(int argc, char **argv);
int fg_cmd_down(int argc, char **argv);
int fg_cmd_status(int argc, char **argv);
int fg_cmd_doctor(int argc, char **argv);
int fg_cmd_board(int argc, char **argv);

#endif
