/* SPDX-License-Identifier: MIT */
#include "ffs/line_socket.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"

struct line_client {
	int fd;
	struct fg_line_socket *sock;
	char buf[FG_LINE_MAX];
	size_t len;
	bool discarding;            /* inside a line that was too long */
};

struct fg_line_socket {
	struct fg_engine *engine;
	fg_line_fn on_line;
	void *ctx;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	bool bound;
	struct line_client clients[FG_LINE_CLIENTS];
};

static void send_line(int fd, const char *text)
{
	char out[FG_LINE_REPLY_MAX + 1];
	size_t n = strnlen(text, FG_LINE_REPLY_MAX);

	memcpy(out, text, n);
	out[n++] = '\n';
	if (send(fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		fg_dbg("control socket: reply dropped: %s", strerror(errno));
}

static void client_close(struct line_client *c)
{
	fg_engine_unwatch(c->sock->engine, c->fd);
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->discarding = false;
}

static void client_line(struct line_client *c, char *line, size_t len)
{
	char reply[FG_LINE_REPLY_MAX];

	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	reply[0] = '\0';
	if (memchr(line, '\0', len))
		snprintf(reply, sizeof(reply), "error: NUL byte in line");
	else
		c->sock->on_line(c->sock->ctx, line, reply, sizeof(reply));
	send_line(c->fd, reply);
}

static void on_client(void *ctx, int fd)
{
	struct line_client *c = ctx;
	ssize_t n = read(fd, c->buf + c->len, sizeof(c->buf) - c->len);
	size_t start = 0;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	for (size_t i = 0; i < c->len; i++) {
		if (c->buf[i] != '\n')
			continue;
		c->buf[i] = '\0';
		if (c->discarding) {
			char msg[64];

			snprintf(msg, sizeof(msg), "error: line longer than %d bytes", FG_LINE_MAX - 1);
			send_line(fd, msg);
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
}

static void on_listen(void *ctx, int fd)
{
	struct fg_line_socket *s = ctx;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	for (size_t i = 0; i < FG_LINE_CLIENTS; i++) {
		struct line_client *c = &s->clients[i];

		if (c->fd >= 0)
			continue;
		if (fg_engine_watch(s->engine, cfd, on_client, c) < 0)
			break;
		c->fd = cfd;
		c->len = 0;
		c->discarding = false;
		return;
	}
	send_line(cfd, "error: too many clients");
	close(cfd);
}

static int open_listener(struct fg_line_socket *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	/* A socket left behind by a daemon that died: nobody listens there any more. */
	if (lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(s->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, FG_LINE_CLIENTS) < 0) {
		rc = -errno;
		fg_err("control socket %s: %s", s->path, strerror(errno));
		close(fd);
		return rc;
	}
	s->bound = true;
	s->listen_fd = fd;
	return 0;
}

int fg_line_socket_open(struct fg_engine *e, const char *path, fg_line_fn on_line, void *ctx,
			struct fg_line_socket **out)
{
	struct fg_line_socket *s;
	int rc;

	if (strlen(path) >= sizeof(s->path))
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->engine = e;
	s->on_line = on_line;
	s->ctx = ctx;
	memcpy(s->path, path, strlen(path) + 1);
	s->listen_fd = -1;
	for (size_t i = 0; i < FG_LINE_CLIENTS; i++) {
		s->clients[i].fd = -1;
		s->clients[i].sock = s;
	}
	rc = open_listener(s);
	if (rc == 0)
		rc = fg_engine_watch(e, s->listen_fd, on_listen, s);
	if (rc < 0) {
		fg_line_socket_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void fg_line_socket_close(struct fg_line_socket *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < FG_LINE_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			client_close(&s->clients[i]);
	if (s->listen_fd >= 0) {
		fg_engine_unwatch(s->engine, s->listen_fd);
		close(s->listen_fd);
	}
	if (s->bound)
		unlink(s->path);
	free(s);
}
