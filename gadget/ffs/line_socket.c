/* SPDX-License-Identifier: MIT */
/*
 * The HID personality's inputs on the engine's loop: a Unix stream socket
 * taking the text protocol (hid_input.c) from up to CLIENTS_MAX clients,
 * and a timerfd for the idle rates.
 *
 * A client writes lines and reads one reply line per line.  Replies are
 * sent without blocking: a client that does not read its replies loses
 * them, never the gadget's responsiveness.  A line longer than
 * FG_HID_LINE_MAX is discarded up to its newline and answered with an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "personalities/hid/hid.h"

#define CLIENTS_MAX 4
#define REPLY_MAX 1024

struct hid_client {
	int fd;
	struct fg_hid_dev *dev;
	char buf[FG_HID_LINE_MAX];
	size_t len;
	bool discarding;            /* inside a line that was too long */
};

struct fg_hid_socket {
	int listen_fd;
	int timer_fd;
	bool bound;
	struct hid_client clients[CLIENTS_MAX];
};

static void send_line(int fd, const char *text)
{
	char out[REPLY_MAX + 1];
	size_t n = strnlen(text, REPLY_MAX);

	memcpy(out, text, n);
	out[n++] = '\n';
	if (send(fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		fg_dbg("hid socket: reply dropped: %s", strerror(errno));
}

static void client_close(struct fg_hid_dev *d, struct hid_client *c)
{
	fg_engine_unwatch(d->engine, c->fd);
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->discarding = false;
}

static void client_line(struct hid_client *c, char *line, size_t len)
{
	char reply[REPLY_MAX];

	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (memchr(line, '\0', len))
		snprintf(reply, sizeof(reply), "error: NUL byte in line");
	else
		fg_hid_handle_line(c->dev, line, reply, sizeof(reply));
	send_line(c->fd, reply);
}

static void on_client(void *ctx, int fd)
{
	struct hid_client *c = ctx;
	struct fg_hid_dev *d = c->dev;
	ssize_t n = read(fd, c->buf + c->len, sizeof(c->buf) - c->len);
	size_t start = 0;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(d, c);
		return;
	}
	c->len += (size_t)n;
	for (size_t i = 0; i < c->len; i++) {
		if (c->buf[i] != '\n')
			continue;
		c->buf[i] = '\0';
		if (c->discarding) {
			send_line(fd, "error: line longer than 1023 bytes");
			c->discarding = false;
		} else {
			client_line(c, c->buf + start, i - start);
		}
		start = i + 1;
	}
	memmove(c->buf, c->buf + start, c->len - start);
	c->len -= start;
	if (c->len == sizeof(c->buf)) {
		c->discarding = true;
		c->len = 0;
	}
	fg_engine_kick(d->engine);
}

static void on_listen(void *ctx, int fd)
{
	struct fg_hid_dev *d = ctx;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	for (size_t i = 0; i < CLIENTS_MAX; i++) {
		struct hid_client *c = &d->sock->clients[i];

		if (c->fd >= 0)
			continue;
		if (fg_engine_watch(d->engine, cfd, on_client, c) < 0)
			break;
		c->fd = cfd;
		c->dev = d;
		c->len = 0;
		c->discarding = false;
		return;
	}
	send_line(cfd, "error: too many clients");
	close(cfd);
}

void fg_hid_timer_update(struct fg_hid_dev *d)
{
	uint64_t next;
	struct itimerspec it = { 0 };

	if (!d->sock || d->sock->timer_fd < 0)
		return;
	next = fg_hid_next_deadline(d);
	if (next)
		it.it_value = fg_timespec_ms(next);
	if (timerfd_settime(d->sock->timer_fd, TFD_TIMER_ABSTIME, &it, NULL) < 0)
		fg_warn("hid idle timer: %s", strerror(errno));
}

static void on_timer(void *ctx, int fd)
{
	struct fg_hid_dev *d = ctx;
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
		return;
	fg_hid_idle_tick(d, fg_hid_now_ms());
	fg_hid_timer_update(d);
	fg_engine_kick(d->engine);
}

static int open_listener(struct fg_hid_dev *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	memcpy(sa.sun_path, d->socket_path, strlen(d->socket_path) + 1);
	/* A socket left behind by a daemon that died: nobody listens there any more. */
	if (lstat(d->socket_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(d->socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, CLIENTS_MAX) < 0) {
		rc = -errno;
		fg_err("hid control socket %s: %s", d->socket_path, strerror(errno));
		close(fd);
		return rc;
	}
	d->sock->bound = true;
	d->sock->listen_fd = fd;
	return 0;
}

int fg_hid_socket_start(struct fg_hid_dev *d, struct fg_engine *e)
{
	struct fg_hid_socket *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->listen_fd = s->timer_fd = -1;
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		s->clients[i].fd = -1;
	d->sock = s;
	d->engine = e;
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->timer_fd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = fg_engine_watch(e, s->timer_fd, on_timer, d);
	if (rc == 0)
		rc = open_listener(d);
	if (rc == 0)
		rc = fg_engine_watch(e, s->listen_fd, on_listen, d);
	if (rc < 0)
		goto fail;
	fg_hid_timer_update(d);
	fg_info("hid: control socket %s", d->socket_path);
	return 0;
fail:
	fg_hid_socket_stop(d);
	return rc;
}

void fg_hid_socket_stop(struct fg_hid_dev *d)
{
	struct fg_hid_socket *s = d->sock;

	if (!s)
		return;
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		if (s->clients[i].fd >= 0)
			client_close(d, &s->clients[i]);
	if (s->listen_fd >= 0) {
		fg_engine_unwatch(d->engine, s->listen_fd);
		close(s->listen_fd);
	}
	if (s->bound)
		unlink(d->socket_path);
	if (s->timer_fd >= 0) {
		fg_engine_unwatch(d->engine, s->timer_fd);
		close(s->timer_fd);
	}
	free(s);
	d->sock = NULL;
	d->engine = NULL;
}
