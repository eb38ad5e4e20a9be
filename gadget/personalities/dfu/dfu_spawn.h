/* SPDX-License-Identifier: MIT */
/*
 * The dfu personality's commands on the board (manifest, detach, upload),
 * started one way: posix_spawn of an absolute path, no shell, the daemon's
 * environment, and the signals the daemon blocks for its signalfd
 * unblocked again (a command must die of SIGTERM like any other).
 */
#ifndef FFSGADGET_DFU_SPAWN_H
#define FFSGADGET_DFU_SPAWN_H

#include <sys/types.h>

/*
 * Runs path with argv { path, arg } (arg may be NULL).  out_fd >= 0: the
 * command's stdout is out_fd, its stdin /dev/null, and it leads a process
 * group of its own, so that kill(-pid) also ends what it started.  Returns
 * the pid, or a negative errno (logged).
 */
pid_t dfu_spawn(const char *path, const char *arg, int out_fd);

#endif
