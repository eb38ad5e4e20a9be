/* SPDX-License-Identifier: MIT */
/*
 * The engine: owns one FunctionFS instance and runs its event loop.
 *
 * It writes the model's blobs to ep0, opens the endpoint files, and then
 * serves four sources from one epoll loop: ep0 events, an eventfd signalled
 * by every AIO completion, a signalfd (SIGINT, SIGTERM) and a timerfd for
 * the statistics line.  Personalities see none of it (personality.h).
 */
#ifndef FFSGADGET_ENGINE_H
#define FFSGADGET_ENGINE_H

#include "description/model.h"
#include "ffs/personality.h"

enum fg_stats_mode { FG_STATS_AUTO, FG_STATS_ON, FG_STATS_OFF };

struct fg_engine_options {
	const char *mount;          /* FunctionFS mount point (holds ep0) */
	/*
	 * Created once the descriptors are accepted: "PID\n"; rewritten at each
	 * enable with one more line per endpoint the UDC has given an address,
	 * "endpoint NAME 0xDESCRIBED 0xASSIGNED[ PATH]\n" (ffsgadget status reads them;
	 * PATH, with dmabuf: "dmabuf" or "aio").
	 */
	const char *ready_file;
	enum fg_stats_mode stats;   /* AUTO: a line each interval when stdout is a TTY */
	unsigned stats_interval_ms;
	unsigned run_seconds;       /* 0: until SIGINT/SIGTERM */
	/* Real-time mode (ffs/realtime.h), applied once the buffers exist; NULL: none. */
	const struct fg_realtime *realtime;
	/*
	 * Try FunctionFS DMABUF (ffs/dmabuf.h) on the endpoints the personality
	 * allows (bulk, fg_personality.dmabuf) at the first ENABLE after each
	 * BIND; an endpoint the kernel or UDC refuses stays on AIO.  The log
	 * says which path each took, and the ready file's endpoint lines end
	 * in " dmabuf" or " aio".
	 */
	bool dmabuf;
};

/*
 * Runs until a signal, run_seconds, or a fatal error of the FunctionFS
 * instance.  Returns 0 or a negative errno; the message is logged here
 * only for what the caller cannot know (which file, which step).
 */
int fg_engine_run(const struct fg_model *m, const struct fg_personality *p, void *pstate,
		  const struct fg_engine_options *o);

#endif
