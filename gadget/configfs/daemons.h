/* SPDX-License-Identifier: MIT */
/*
 * The FunctionFS daemons "up" starts: one "ffsgadget run" per ffs function,
 * detached (own session, stdin from /dev/null), optionally as an
 * unprivileged user, with a PID file and a ready file under the run dir.
 * The UDC is bound only once every ready file exists: FunctionFS refuses
 * to bind (-ENODEV) before its descriptors are written.
 */
#ifndef FFSGADGET_DAEMONS_H
#define FFSGADGET_DAEMONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct fg_daemon {
	const char *name;           /* "ffs.zero", for messages */
	const char *exe;            /* the ffsgadget binary */
	const char *wrapper;        /* NULL, or a program given the whole command line */
	const char *description;
	const char *mount;
	const char *ready_file;
	const char *pid_file;
	const char *log;            /* NULL: inherit stdout and stderr */
	char *const *args;          /* extra "run" options */
	size_t arg_count;
	char *const *extra;         /* more, from the command line */
	size_t extra_count;
	bool drop;                  /* switch to uid/gid before exec */
	uid_t uid;
	gid_t gid;
	pid_t pid;                  /* set by fg_daemon_start */
};

/* Forks and execs; writes the PID file.  0 or a negative errno. */
int fg_daemon_start(struct fg_daemon *d);
/*
 * Waits until every daemon's ready file exists.  A daemon that exits first,
 * or the timeout, fails with a message in err naming it.
 */
int fg_daemons_wait_ready(struct fg_daemon *d, size_t n, unsigned timeout_ms, char *err,
			  size_t errlen);

/* Gone, or a zombie: nothing left to wait for. */
bool fg_process_gone(pid_t pid);
/* SIGTERM, then SIGKILL after timeout_ms; 0 once gone, -ETIMEDOUT if it lingers. */
int fg_process_stop(pid_t pid, unsigned timeout_ms);
/*
 * Stops the process in pid_file if it still is the daemon serving mount
 * (its command line names the mount: a recycled PID is left alone), and
 * removes the file.  0 when nothing runs any more.
 */
int fg_daemon_stop_pidfile(const char *pid_file, const char *mount, unsigned timeout_ms);
/* Processes holding a file under mount (ep0, epN); at most max. */
size_t fg_mount_holders(const char *mount, pid_t *out, size_t max);

#endif
