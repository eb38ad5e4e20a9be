/* SPDX-License-Identifier: MIT */
/*
 * The daemon's real-time mode: a SCHED_FIFO or SCHED_RR priority, memory
 * locked (mlockall) so that no page fault waits on the disk in the loop, the
 * stack touched in advance, optionally one CPU.  The engine applies it once
 * its buffers are allocated and touched (fg_stream_init zeroes each one),
 * before it tells the kernel it is ready, so nothing the stream needs is
 * first touched while it runs.
 *
 * Each part the kernel refuses is reported with the permission that is
 * missing and how to grant it (CAP_SYS_NICE or RLIMIT_RTPRIO, CAP_IPC_LOCK
 * or RLIMIT_MEMLOCK, the CPUs allowed); with `required` the daemon then
 * refuses to run, otherwise it goes on without that part.
 */
#ifndef FFSGADGET_REALTIME_H
#define FFSGADGET_REALTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

#include "description/model.h"

/* What is asked of the kernel; tests inject refusals. Each returns 0 or -errno. */
struct fg_rt_ops {
	int (*set_scheduler)(int policy, int priority);
	int (*lock_memory)(void);
	int (*set_cpu)(int cpu);
	int (*get_rlimit)(int resource, struct rlimit *out);
	/* Whether the capability (CAP_SYS_NICE, CAP_IPC_LOCK) is effective. */
	bool (*has_capability)(int cap);
	/* The CPUs this process may run on, as a list ("0-3"); "" when unknown. */
	void (*allowed_cpus)(char *out, size_t len);
};

extern const struct fg_rt_ops fg_rt_system_ops;

/*
 * A command-line setting of run: "--realtime" POLICY[:PRIORITY] ("fifo:50",
 * "rr:10", "off"), "--cpu" N, "--realtime-required" (value NULL).  Changes
 * only what it names, so that the command line overrides the description.
 * 0, or -EINVAL with a message in err.
 */
int fg_rt_parse_option(struct fg_realtime *rt, const char *option, const char *value, char *err,
		       size_t errlen);

/*
 * Applies rt.  Returns 0 when everything asked was granted or when a
 * refused part may be done without (each refusal logged as a warning); a
 * negative errno when rt->required and a part was refused (logged as an
 * error).  what[] (may be NULL) gets a one-line summary of the outcome.
 */
int fg_rt_apply(const struct fg_realtime *rt, const struct fg_rt_ops *ops, char *what,
		size_t whatlen);

/* "SCHED_FIFO", "SCHED_RR", "off". */
const char *fg_rt_policy_name(enum fg_rt_policy policy);

#endif
