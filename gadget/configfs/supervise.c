/* SPDX-License-Identifier: MIT */
/*
 * ffsgadget up --supervise: after the gadget is up, "up" stays, as the
 * unit's main process (Type=notify), the parent of its FunctionFS daemons.
 * A daemon that ends, for whatever reason, leaves the host a device with a
 * dead function: the gadget is taken down and "up" exits non-zero, so that
 * systemd's Restart= brings it all back.  SIGTERM or SIGINT (systemctl
 * stop) take it down and exit 0.  The caller blocked SIGTERM, SIGINT and
 * SIGCHLD before the daemons were started, so none is lost in between.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <systemd/sd-daemon.h>

#include "common/log.h"
#include "configfs/configfs.h"

int fg_gadget_supervise(const char *name, const char *run_dir, const sigset_t *signals)
{
	bool children = true;

	/* A no-op without NOTIFY_SOCKET (not under systemd). */
	sd_notifyf(0, "READY=1\nSTATUS=%s is up; supervising its daemons", name);
	fg_info("%s: supervising its daemons (SIGTERM takes the gadget down)", name);
	for (;;) {
		siginfo_t info;
		int status, sig;
		pid_t pid;

		while (children && (pid = waitpid(-1, &status, WNOHANG)) != 0) {
			if (pid < 0) {
				/* A gadget of kernel functions only has no daemon to watch. */
				children = false;
				break;
			}
			if (WIFEXITED(status))
				fg_err("%s: daemon pid %ld exited (status %d): taking the gadget down",
				       name, (long)pid, WEXITSTATUS(status));
			else
				fg_err("%s: daemon pid %ld died (signal %d, %s): taking the gadget down",
				       name, (long)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
			sd_notifyf(0, "STOPPING=1\nSTATUS=a daemon of %s ended; taking it down", name);
			fg_gadget_down(name, run_dir);
			return -ECHILD;
		}
		sig = sigwaitinfo(signals, &info);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (sig == SIGTERM || sig == SIGINT) {
			fg_info("%s: %s: taking the gadget down", name, strsignal(sig));
			sd_notifyf(0, "STOPPING=1\nSTATUS=taking %s down", name);
			return fg_gadget_down(name, run_dir);
		}
	}
}
