/* SPDX-License-Identifier: MIT */
#include "personalities/dfu/dfu_upload_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "personalities/dfu/dfu_spawn.h"

int dfu_upload_cmd_init(struct dfu_upload_cmd *c, const char *path, unsigned timeout_ms,
			uint64_t max_size, uint16_t transfer_size)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->timeout_ms = timeout_ms;
	c->max_size = max_size;
	c->timer_fd = c->pidfd = c->out_fd = -1;
	c->buf = malloc((size_t)transfer_size + 1);
	return c->buf ? 0 : -ENOMEM;
}

static void timer_arm(struct dfu_upload_cmd *c, unsigned ms)
{
	struct itimerspec it = { 0 };

	if (c->timer_fd < 0)
		return;
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_nsec = (long)(ms % 1000) * 1000000;
	if (timerfd_settime(c->timer_fd, 0, &it, NULL) < 0)
		fg_warn("dfu: upload timer: %s", strerror(errno));
}

static void watch_set(struct dfu_upload_cmd *c, int fd, bool *watched, bool on,
		      void (*ready)(void *ctx, int fd))
{
	if (on == *watched || fd < 0)
		return;
	if (!on) {
		fg_engine_unwatch(c->e, fd);
		*watched = false;
	} else if (fg_engine_watch(c->e, fd, ready, c) == 0) {
		*watched = true;
	}
}

static void on_ready(void *ctx, int fd);

/* No request waits: nothing watched (the pipe and an exited pidfd stay readable). */
static void stop_waiting(struct dfu_upload_cmd *c)
{
	watch_set(c, c->out_fd, &c->out_watched, false, on_ready);
	watch_set(c, c->pidfd, &c->pid_watched, false, on_ready);
	timer_arm(c, 0);
}

/* The command's exit, if it came: never blocks. */
static void reap(struct dfu_upload_cmd *c)
{
	pid_t r;
	int st;

	if (c->pid <= 0 || c->exited)
		return;
	do
		r = waitpid(c->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return;
	c->exited = true;
	/* ECHILD: not ours to reap any more; counted as a failure, never as success. */
	c->wstatus = r < 0 ? -1 : st;
	watch_set(c, c->pidfd, &c->pid_watched, false, on_ready);
}

static bool exit_ok(const struct dfu_upload_cmd *c)
{
	return c->wstatus != -1 && WIFEXITED(c->wstatus) && WEXITSTATUS(c->wstatus) == 0;
}

static void log_exit(const struct dfu_upload_cmd *c)
{
	if (c->wstatus == -1)
		fg_err("dfu: upload: %s (pid %d): its exit status was lost: STALL", c->path,
		       (int)c->pid);
	else if (WIFEXITED(c->wstatus))
		fg_err("dfu: upload: %s exited with status %d after %" PRIu64 " bytes: STALL",
		       c->path, WEXITSTATUS(c->wstatus), c->given + c->have);
	else
		fg_err("dfu: upload: %s killed by signal %d after %" PRIu64 " bytes: STALL",
		       c->path, WTERMSIG(c->wstatus), c->given + c->have);
}

/* Kills what is left of the command and reaps it; nothing of it stays open. */
static void cmd_end(struct dfu_upload_cmd *c)
{
	stop_waiting(c);
	if (c->pid > 0) {
		/* Its group: what it started (a pipeline) dies with it. */
		kill(-c->pid, SIGKILL);
		if (!c->exited)
			while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
				;
	}
	if (c->out_fd >= 0)
		close(c->out_fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->out_fd = c->pidfd = -1;
	c->pid = 0;
	c->eof = c->exited = c->pending = false;
	c->have = c->given = 0;
}

static int cmd_spawn(struct dfu_upload_cmd *c)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		fg_err("dfu: upload: pipe: %s", strerror(errno));
		return -errno;
	}
	pid = dfu_spawn(c->path, NULL, fds[1]);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return (int)pid;
	}
	c->pid = pid;
	c->out_fd = fds[0];
	c->runs++;
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (c->pidfd < 0 || fcntl(c->out_fd, F_SETFL, O_NONBLOCK) < 0) {
		int rc = -errno;

		fg_err("dfu: upload: %s: %s", c->pidfd < 0 ? "pidfd_open" : "pipe", strerror(errno));
		cmd_end(c);
		return rc;
	}
	fg_info("dfu: upload from %s (pid %d)", c->path, (int)pid);
	return 0;
}

/*
 * Takes what the pipe holds towards the block.  The answer once it is
 * decided (the block, the end's short block, or minus a bStatus), else
 * DFU_READ_PENDING.
 */
static long gather(struct dfu_upload_cmd *c)
{
	/* One byte past max_size tells an output that is too long. */
	size_t target = c->limit < c->want ? c->limit + 1 : c->want;

	while (!c->eof && c->have < target) {
		ssize_t n = read(c->out_fd, c->buf + c->have, target - c->have);

		if (n > 0) {
			c->have += (size_t)n;
		} else if (n == 0) {
			c->eof = true;
		} else if (errno == EAGAIN) {
			break;
		} else if (errno != EINTR) {
			fg_err("dfu: upload: reading %s: %s: STALL", c->path, strerror(errno));
			return -DFU_ERR_UNKNOWN;
		}
	}
	if (c->have > c->limit) {
		fg_err("dfu: upload: %s wrote more than max_size (%" PRIu64 " bytes): upload cut, "
		       "STALL", c->path, c->max_size);
		return -DFU_ERR_ADDRESS;
	}
	if (c->have == c->want)
		return (long)c->have;
	reap(c);
	if (c->exited && !exit_ok(c)) {
		log_exit(c);
		return -DFU_ERR_UNKNOWN;
	}
	if (!c->eof || !c->exited)
		return DFU_READ_PENDING;
	fg_info("dfu: upload from %s complete: %" PRIu64 " bytes", c->path, c->given + c->have);
	return (long)c->have;
}

/* A request waits: the pipe until its end, the command until its exit, the deadline. */
static int wait_more(struct dfu_upload_cmd *c)
{
	watch_set(c, c->out_fd, &c->out_watched, !c->eof, on_ready);
	watch_set(c, c->pidfd, &c->pid_watched, !c->exited, on_ready);
	if ((!c->eof && !c->out_watched) || (!c->exited && !c->pid_watched)) {
		fg_err("dfu: upload: no room to watch %s", c->path);
		return -DFU_ERR_UNKNOWN;
	}
	return 0;
}

/* The deferred UPLOAD's answer; a failure ends the upload (upload_end: cmd_end). */
static void answer(struct dfu_upload_cmd *c, long r)
{
	int n;

	c->pending = false;
	stop_waiting(c);
	if (r < 0)
		c->failures++;
	else
		c->given += (uint64_t)r;
	n = dfu_upload_done(c->sm, r);
	if (n < 0)
		fg_warn("dfu: deferred UPLOAD: %s, status %u", dfu_state_name(c->sm->state),
			c->sm->status);
	/* -ENOENT (the machine was reset first) too: a deferred request never stays unanswered. */
	fg_engine_answer_setup(c->e, c->buf, n >= 0 ? n : -1);
}

static void on_ready(void *ctx, int fd)
{
	struct dfu_upload_cmd *c = ctx;
	long r;

	if (fd == c->pidfd)
		reap(c);
	if (!c->pending) {
		stop_waiting(c);
		return;
	}
	r = gather(c);
	if (r == DFU_READ_PENDING) {
		int rc = wait_more(c);

		if (rc == 0)
			return;
		r = rc;
	}
	answer(c, r);
}

static void on_timer(void *ctx, int fd)
{
	struct dfu_upload_cmd *c = ctx;
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0 || !c->pending)
		return;
	c->timeouts++;
	fg_err("dfu: upload: %s gave %zu of the %zu bytes asked within %u ms: STALL, the "
	       "command killed", c->path, c->have, c->want, c->timeout_ms);
	answer(c, -DFU_ERR_UNKNOWN);
}

int dfu_upload_cmd_start(struct dfu_upload_cmd *c, struct fg_engine *e, struct dfu_machine *sm)
{
	int rc;

	c->e = e;
	c->sm = sm;
	c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->timer_fd < 0)
		return -errno;
	rc = fg_engine_watch(e, c->timer_fd, on_timer, c);
	if (rc < 0) {
		close(c->timer_fd);
		c->timer_fd = -1;
		return rc;
	}
	c->timer_watched = true;
	return 0;
}

long dfu_upload_cmd_read(struct dfu_upload_cmd *c, uint64_t offset, uint8_t *buf, size_t len)
{
	long r;

	if (!c->e)
		return -DFU_ERR_UNKNOWN;
	if (offset == 0) {
		cmd_end(c);
		if (cmd_spawn(c) < 0) {
			c->failures++;
			return -DFU_ERR_UNKNOWN;
		}
	} else if (c->pid <= 0) {
		return -DFU_ERR_UNKNOWN;
	}
	c->want = len;
	c->have = 0;
	c->limit = offset >= c->max_size ? 0 : c->max_size - offset < len ?
					       (size_t)(c->max_size - offset) : len;
	r = gather(c);
	if (r == DFU_READ_PENDING) {
		int rc = wait_more(c);

		if (rc == 0) {
			c->pending = true;
			timer_arm(c, c->timeout_ms);
			return r;
		}
		r = rc;
	}
	if (r < 0) {
		c->failures++;
		return r;
	}
	memcpy(buf, c->buf, (size_t)r);
	c->given += (uint64_t)r;
	return r;
}

void dfu_upload_cmd_end(struct dfu_upload_cmd *c)
{
	if (c->pending) {
		/* Only when the loop ends (or a caller breaks the rules): the request is not left hanging. */
		c->pending = false;
		if (c->e)
			fg_engine_answer_setup(c->e, NULL, -1);
	}
	cmd_end(c);
}

void dfu_upload_cmd_stop(struct dfu_upload_cmd *c)
{
	dfu_upload_cmd_end(c);
	if (c->timer_watched)
		fg_engine_unwatch(c->e, c->timer_fd);
	c->timer_watched = false;
	if (c->timer_fd >= 0)
		close(c->timer_fd);
	c->timer_fd = -1;
}

void dfu_upload_cmd_release(struct dfu_upload_cmd *c)
{
	dfu_upload_cmd_stop(c);
	free(c->buf);
	c->buf = NULL;
}
