/* SPDX-License-Identifier: MIT */
/* Starting, watching and stopping the FunctionFS daemons. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sysfile.h"
#include "configfs/daemons.h"

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}


static int write_pid_file(const char *path, pid_t pid)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld\n", (long)pid);
	return fg_write_text(path, text);
}

/* In the child: never returns. */
static void exec_daemon(const struct fg_daemon *d)
{
	char *argv[64];
	sigset_t none;
	size_t n = 0;
	int fd;

	setsid();
	signal(SIGPIPE, SIG_DFL);
	/* up --supervise blocks SIGTERM, SIGINT and SIGCHLD for itself; a
	 * daemon must be stoppable by SIGTERM. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (d->log) {
		fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0640);
		if (fd < 0) {
			fprintf(stderr, "ffsgadget: %s: %s: %s\n", d->name, d->log, strerror(errno));
			_exit(126);
		}
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	/* Readiness under "up" is the ready file; systemd hears from "up" itself. */
	unsetenv("NOTIFY_SOCKET");
	if (d->drop && (setgroups(0, NULL) < 0 || setgid(d->gid) < 0 || setuid(d->uid) < 0)) {
		fprintf(stderr, "ffsgadget: %s: cannot switch to uid %u gid %u: %s\n", d->name,
			(unsigned)d->uid, (unsigned)d->gid, strerror(errno));
		_exit(126);
	}
	if (d->wrapper)
		argv[n++] = (char *)d->wrapper;
	argv[n++] = (char *)d->exe;
	argv[n++] = "run";
	argv[n++] = "--ready-file";
	argv[n++] = (char *)d->ready_file;
	for (size_t i = 0; i < d->arg_count && n < 56; i++)
		argv[n++] = d->args[i];
	for (size_t i = 0; i < d->extra_count && n < 60; i++)
		argv[n++] = d->extra[i];
	argv[n++] = (char *)d->description;
	argv[n++] = (char *)d->mount;
	argv[n] = NULL;
	execvp(argv[0], argv);
	fprintf(stderr, "ffsgadget: %s: cannot run %s: %s\n", d->name, argv[0], strerror(errno));
	_exit(127);
}

int fg_daemon_start(struct fg_daemon *d)
{
	pid_t pid;
	int rc;

	if (unlink(d->ready_file) < 0 && errno != ENOENT)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		exec_daemon(d);
	d->pid = pid;
	rc = write_pid_file(d->pid_file, pid);
	if (rc < 0)
		fg_err("%s: %s", d->pid_file, strerror(-rc));
	fg_dbg("%s: daemon pid %ld", d->name, (long)pid);
	return rc;
}

int fg_daemons_wait_ready(struct fg_daemon *d, size_t n, unsigned timeout_ms, char *err,
			  size_t errlen)
{
	unsigned long long deadline = now_ms() + timeout_ms;

	for (;;) {
		size_t ready = 0;

		for (size_t i = 0; i < n; i++) {
			int status;

			if (access(d[i].ready_file, F_OK) == 0) {
				ready++;
				continue;
			}
			if (waitpid(d[i].pid, &status, WNOHANG) == d[i].pid) {
				if (WIFEXITED(status))
					snprintf(err, errlen, "%s: the daemon exited (status %d) before "
						 "it was ready; its messages are above%s%s", d[i].name,
						 WEXITSTATUS(status), d[i].log ? " or in " : "",
						 d[i].log ? d[i].log : "");
				else
					snprintf(err, errlen, "%s: the daemon died (signal %d) before it "
						 "was ready", d[i].name, WTERMSIG(status));
				return -ECHILD;
			}
		}
		if (ready == n)
			return 0;
		if (now_ms() >= deadline)
			break;
		fg_sleep_ms(20);
	}
	for (size_t i = 0; i < n; i++) {
		if (access(d[i].ready_file, F_OK) != 0) {
			snprintf(err, errlen, "%s: the daemon was not ready within %u ms (no %s)",
				 d[i].name, timeout_ms, d[i].ready_file);
			break;
		}
	}
	return -ETIMEDOUT;
}

bool fg_process_gone(pid_t pid)
{
	char path[64], line[256];
	FILE *f;
	bool zombie = false;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "State:", 6) == 0) {
			zombie = strchr(line, 'Z') != NULL;
			break;
		}
	fclose(f);
	return zombie;
}

static bool wait_gone(pid_t pid, unsigned timeout_ms)
{
	unsigned long long deadline = now_ms() + timeout_ms;

	for (;;) {
		/* Our own child (up failing half-way) must be reaped to vanish. */
		waitpid(pid, NULL, WNOHANG);
		if (fg_process_gone(pid))
			return true;
		if (now_ms() >= deadline)
			return false;
		fg_sleep_ms(10);
	}
}

int fg_process_stop(pid_t pid, unsigned timeout_ms)
{
	if (pid <= 1 || fg_process_gone(pid))
		return 0;
	kill(pid, SIGTERM);
	if (wait_gone(pid, timeout_ms))
		return 0;
	fg_warn("pid %ld ignored SIGTERM for %u ms: SIGKILL", (long)pid, timeout_ms);
	kill(pid, SIGKILL);
	return wait_gone(pid, 5000) ? 0 : -ETIMEDOUT;
}

/* Whether /proc/PID/cmdline has an argument equal to arg. */
static bool cmdline_has(pid_t pid, const char *arg)
{
	char path[64], buf[8192];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *p = buf; p < buf + n; p += strlen(p) + 1)
		if (strcmp(p, arg) == 0)
			return true;
	return false;
}

int fg_daemon_stop_pidfile(const char *pid_file, const char *mount, unsigned timeout_ms)
{
	FILE *f = fopen(pid_file, "re");
	long pid = 0;
	int rc = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid > 1 && !fg_process_gone((pid_t)pid) && cmdline_has((pid_t)pid, mount)) {
		fg_dbg("stopping daemon %ld (%s)", pid, mount);
		rc = fg_process_stop((pid_t)pid, timeout_ms);
	}
	if (rc == 0)
		unlink(pid_file);
	return rc;
}

size_t fg_mount_holders(const char *mount, pid_t *out, size_t max)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;
	size_t n = 0, ml = strlen(mount);

	while (proc && (p = readdir(proc)) != NULL && n < max) {
		char dir[64], target[4096];
		long pid = strtol(p->d_name, NULL, 10);
		DIR *fds;
		struct dirent *e;

		if (pid <= 1 || pid == getpid())
			continue;
		snprintf(dir, sizeof(dir), "/proc/%ld/fd", pid);
		fds = opendir(dir);
		while (fds && (e = readdir(fds)) != NULL) {
			char path[384];
			ssize_t l;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			l = readlink(path, target, sizeof(target) - 1);
			if (l <= 0)
				continue;
			target[l] = '\0';
			if (strncmp(target, mount, ml) == 0 && (target[ml] == '/' || !target[ml])) {
				out[n++] = (pid_t)pid;
				break;
			}
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	return n;
}
