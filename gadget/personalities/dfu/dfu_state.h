/* SPDX-License-Identifier: MIT */
/*
 * The DFU 1.1 state machine (USB DFU 1.1, chapter 6 and appendix A), pure:
 * class requests in, replies and state changes out; where the image lives
 * is the caller's, behind struct dfu_store.  Every request is untrusted:
 * its direction, wLength, wIndex and state are checked before anything is
 * done, and whatever the state table does not allow is a STALL that puts
 * the device in dfuERROR with errSTALLEDPKT (6.1.2), as the spec wants.
 *
 * Request flow through the personality hooks: dfu_setup decides every
 * request at its setup stage (FunctionFS acknowledges an OUT data stage as
 * soon as the data arrives, so refusal cannot wait for it); an accepted
 * DNLOAD's data then goes to dfu_download_data, whose failure is reported
 * the DFU way, by the next GETSTATUS (bStatus, dfuERROR).
 *
 * Download: the first block opens the store's new image (a temporary
 * file); the zero-length DNLOAD ends it; the GETSTATUS in dfuMANIFEST-SYNC
 * starts manifestation (store->finish), which may take a while (a command
 * on the board): the device reports dfuMANIFEST with a poll timeout until
 * store->poll says it is done.  ABORT, an error, a reset or the daemon's
 * end before that discard the new image (store->discard): the old one is
 * never replaced by a broken download.
 *
 * Upload: each UPLOAD asks store->read for the next block.  A store whose
 * bytes come later (a command on the board still producing them) answers
 * DFU_READ_PENDING: dfu_setup then defers the request (FG_SETUP_DEFER) and
 * the caller finishes it with dfu_upload_done once the block, the end or a
 * failure is there.  However the upload ends (its short frame, ABORT, an
 * error, a reset), store->upload_end is told, once.
 */
#ifndef FFSGADGET_DFU_STATE_H
#define FFSGADGET_DFU_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ffs/personality.h"

/* Requests (DFU 1.1 table 3.2). */
enum dfu_request {
	DFU_DETACH = 0, DFU_DNLOAD = 1, DFU_UPLOAD = 2, DFU_GETSTATUS = 3,
	DFU_CLRSTATUS = 4, DFU_GETSTATE = 5, DFU_ABORT = 6,
};

/* bState (6.1.2). */
enum dfu_state {
	DFU_APP_IDLE = 0, DFU_APP_DETACH = 1, DFU_IDLE = 2, DFU_DNLOAD_SYNC = 3,
	DFU_DNBUSY = 4, DFU_DNLOAD_IDLE = 5, DFU_MANIFEST_SYNC = 6, DFU_MANIFEST = 7,
	DFU_MANIFEST_WAIT_RESET = 8, DFU_UPLOAD_IDLE = 9, DFU_ERROR = 10,
};

/* bStatus (6.1.2). */
enum dfu_status {
	DFU_OK = 0x00, DFU_ERR_TARGET = 0x01, DFU_ERR_FILE = 0x02, DFU_ERR_WRITE = 0x03,
	DFU_ERR_ERASE = 0x04, DFU_ERR_CHECK_ERASED = 0x05, DFU_ERR_PROG = 0x06,
	DFU_ERR_VERIFY = 0x07, DFU_ERR_ADDRESS = 0x08, DFU_ERR_NOTDONE = 0x09,
	DFU_ERR_FIRMWARE = 0x0a, DFU_ERR_VENDOR = 0x0b, DFU_ERR_USBR = 0x0c, DFU_ERR_POR = 0x0d,
	DFU_ERR_UNKNOWN = 0x0e, DFU_ERR_STALLEDPKT = 0x0f,
};

#define DFU_STATUS_LEN 6
/* bwPollTimeout while manifestation runs: how long the host waits between GETSTATUS. */
#define DFU_MANIFEST_POLL_MS 100

/* store->read's answer when the block is not there yet: never a bStatus. */
#define DFU_READ_PENDING (-256L)

/*
 * Where images go and come from.  Each returns DFU_OK or a bStatus code
 * (a positive enum dfu_status), except where said.
 *   begin: a download starts: prepare a new image (nothing replaced yet).
 *   write: the next len bytes of it.
 *   finish: all of it arrived: start making it the image.  DFU_OK with
 *     *busy set while that continues (poll decides), clear when done.
 *   poll: the same answer later.
 *   discard: drop the new image, if any (abort, error, reset, exit).
 *   read: up to len bytes of the current image from offset (0: a new
 *     upload starts): the count (fewer than len: its end), minus a bStatus
 *     code, or DFU_READ_PENDING (dfu_upload_done brings the answer).
 *   upload_end: the upload is over, however it ended: release what served
 *     it (may be NULL).
 *   detach: the host sent DETACH to the run-time interface.
 */
struct dfu_store {
	int (*begin)(void *ctx);
	int (*write)(void *ctx, const uint8_t *data, size_t len);
	int (*finish)(void *ctx, bool *busy);
	int (*poll)(void *ctx, bool *busy);
	void (*discard)(void *ctx);
	long (*read)(void *ctx, uint64_t offset, uint8_t *buf, size_t len);
	void (*detach)(void *ctx, uint16_t timeout_ms);
	void (*upload_end)(void *ctx);
};

struct dfu_machine {
	const struct dfu_store *store;
	void *ctx;
	uint8_t interface;          /* the DFU interface's number (wIndex) */
	bool runtime;               /* protocol 1: the run-time interface */
	uint8_t attributes;         /* enum fg_dfu_attr */
	uint16_t transfer_size;
	uint16_t detach_timeout;
	uint64_t max_image;         /* a download longer than this is errADDRESS */

	enum dfu_state state;
	enum dfu_status status;
	uint16_t next_block;        /* DNLOAD wValue expected next */
	uint64_t offset;            /* bytes downloaded, or uploaded, so far */
	bool manifest_started;
	bool upload_open;           /* store->read started an upload not yet ended */
	bool upload_pending;        /* an UPLOAD deferred: dfu_upload_done answers it */
	uint16_t pending_length;    /* its wLength */
	size_t pending_want;        /* the bytes store->read may give it */
	/* Counted for the statistics line and tests. */
	uint64_t downloads, uploads, stalls, errors;
};

/* A machine in appIDLE (runtime) or dfuIDLE, from a DFU interface's description. */
void dfu_machine_init(struct dfu_machine *d, const struct fg_dfu *desc, uint8_t interface,
		      bool runtime, uint64_t max_image, const struct dfu_store *store,
		      void *ctx);

/*
 * The setup stage of a class request to the DFU interface.  IN: the reply
 * in reply[0..cap) and its length.  OUT: 0 to take it (DNLOAD with data:
 * dfu_download_data follows).  -EOPNOTSUPP: not a DFU request for this
 * interface (left to others, STALLed by the engine); any other negative
 * errno: STALL, and the machine is in dfuERROR (errSTALLEDPKT) where DFU
 * says so.
 */
int dfu_setup(struct dfu_machine *d, const struct fg_setup *s, uint8_t *reply, size_t cap);

/*
 * The answer to the UPLOAD dfu_setup deferred (it returned FG_SETUP_DEFER
 * after store->read said DFU_READ_PENDING): n bytes are in the caller's
 * reply buffer, or n is minus a bStatus code.  Returns the length to send,
 * -EPIPE to STALL (the machine is then in dfuERROR), or -ENOENT when no
 * UPLOAD is pending (a reset ended it first).
 */
int dfu_upload_done(struct dfu_machine *d, long n);

/* The data stage of an accepted DNLOAD (len <= its wLength). */
void dfu_download_data(struct dfu_machine *d, const uint8_t *data, size_t len);

/*
 * A bus reset, a SET_CONFIGURATION or SET_INTERFACE (FunctionFS's ENABLE),
 * or the end: a download not yet manifested is discarded, an upload ended
 * (a pending one too: the caller answers it, or the engine ends), the
 * machine returns to its idle state (dfuIDLE; appIDLE for the run-time
 * interface).
 */
void dfu_reset(struct dfu_machine *d);

const char *dfu_state_name(enum dfu_state s);

#endif
