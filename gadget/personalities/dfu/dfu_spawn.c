/* SPDX-License-Identifier: MIT */
#include "personalities/dfu/dfu_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>

#include "common/log.h"

extern char **environ;

pid_t dfu_spawn(const char *path, const char *arg, int out_fd)
{
	char *argv[] = { (char *)path, (char *)arg, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	short flags = POSIX_SPAWN_SETSIGMASK;
	sigset_t none;
	pid_t pid;
	int rc;

	sigemptyset(&none);
	rc = posix_spawn_file_actions_init(&fa);
	if (rc != 0) {
		fg_err("dfu: %s: %s", path, strerror(rc));
		return -rc;
	}
	rc = posix_spawnattr_init(&attr);
	if (rc != 0) {
		posix_spawn_file_actions_destroy(&fa);
		fg_err("dfu: %s: %s", path, strerror(rc));
		return -rc;
	}
	if (out_fd >= 0) {
		flags |= POSIX_SPAWN_SETPGROUP;
		rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		if (rc == 0)
			rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
		if (rc == 0)
			rc = posix_spawnattr_setpgroup(&attr, 0);
	}
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&attr, flags);
	if (rc == 0)
		rc = posix_spawn(&pid, path, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fg_err("dfu: %s: %s", path, strerror(rc));
		return -rc;
	}
	return pid;
}
