/* SPDX-License-Identifier: MIT */
/*
 * dfu: uploads from a command on the board (the `upload_command` option):
 * its standard output is the image the host uploads.
 *
 * The loop never waits for the command.  An upload's first UPLOAD starts
 * it (stdin /dev/null, stdout a pipe, a process group of its own); each
 * UPLOAD takes what the pipe already holds and, while that is not yet a
 * whole block, is deferred (FG_SETUP_DEFER): the pipe and the command's
 * pidfd are watched, and the request is answered once the block is there,
 * or the output ended and the command exited 0 (a short block: the
 * upload's end).  The request STALLs and the machine goes to dfuERROR when
 *   - the command exits non-zero, dies of a signal, or cannot start:
 *     errUNKNOWN (DFU 1.1 6.1.2 has no code for a device that could not
 *     produce its image; errFILE and errTARGET speak of a downloaded file);
 *   - no whole block (or end) is there timeout_ms after the request:
 *     errUNKNOWN, answered before the host's 5 s control timeout;
 *   - the output passes max_size bytes: errADDRESS, as a download past it.
 * At most one block (and one byte) is read ahead of the host: the rest
 * waits in the pipe, so memory stays bounded however much it writes.
 * However the upload ends, the command's process group is killed, the
 * command reaped, its pipe and pidfd closed.
 */
#ifndef FFSGADGET_DFU_UPLOAD_CMD_H
#define FFSGADGET_DFU_UPLOAD_CMD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ffs/personality.h"
#include "personalities/dfu/dfu_state.h"

/* Default and largest wait for one block: under the host's 5 s control timeout. */
#define DFU_UPLOAD_TIMEOUT_MS 2000
#define DFU_UPLOAD_TIMEOUT_MAX_MS 4000

struct dfu_upload_cmd {
	char path[PATH_MAX];
	unsigned timeout_ms;
	uint64_t max_size;
	struct fg_engine *e;        /* from dfu_upload_cmd_start */
	struct dfu_machine *sm;     /* whose deferred UPLOAD this answers */
	int timer_fd;

	pid_t pid;                  /* 0: no command */
	int pidfd, out_fd;
	bool out_watched, pid_watched, timer_watched;
	bool eof, exited, pending;
	int wstatus;                /* once exited */
	uint8_t *buf;               /* the block being gathered: transfer size + 1 bytes */
	size_t have, want, limit;   /* gathered; asked for; allowed by max_size */
	uint64_t given;             /* bytes of this command's output answered */

	/* Counted for the statistics line and the tests. */
	uint64_t runs, failures, timeouts;
};

/* A command ready to run, nothing started; -ENOMEM. */
int dfu_upload_cmd_init(struct dfu_upload_cmd *c, const char *path, unsigned timeout_ms,
			uint64_t max_size, uint16_t transfer_size);

/* The loop runs: its timer, watched; answers go to sm through e. */
int dfu_upload_cmd_start(struct dfu_upload_cmd *c, struct fg_engine *e, struct dfu_machine *sm);

/* store->read: offset 0 starts the command (a running one is ended first). */
long dfu_upload_cmd_read(struct dfu_upload_cmd *c, uint64_t offset, uint8_t *buf, size_t len);

/*
 * store->upload_end: the command killed (its group) and reaped, its fds
 * closed; a request still deferred is STALLed.
 */
void dfu_upload_cmd_end(struct dfu_upload_cmd *c);

/* The loop ended: dfu_upload_cmd_end, and the timer unwatched and closed. */
void dfu_upload_cmd_stop(struct dfu_upload_cmd *c);

/* dfu_upload_cmd_stop and the buffer freed. */
void dfu_upload_cmd_release(struct dfu_upload_cmd *c);

#endif
