/* SPDX-License-Identifier: MIT */
/*
 * Data endpoints: a port is a SOCK_SEQPACKET socket (one message, one
 * transfer) or a PTY (a byte stream), each serving at most one IN and one
 * OUT endpoint, or a named FIFO (a byte stream one way: one endpoint).
 *
 * Program -> host (IN): fill_in reads one message (or what the stream holds)
 * straight into the request; with nothing there the request stays idle (the
 * host is NAKed) and the port waits for input, then kicks the engine.  Iso
 * IN sends a zero-length packet instead, counted.
 *
 * Host -> program (OUT): consume_out sends the transfer on.  When the
 * program does not take it (socket full, no program, PTY buffer full) the
 * rest goes to the backlog and the endpoint is held: the engine resubmits
 * nothing, so the host is NAKed.  Requests already in flight still
 * complete, which is why the backlog has the endpoint's queue depth (+1).
 * When the program reads again the backlog drains, in order, and the hold
 * ends.  Iso OUT cannot be held: what has no reader is dropped, counted.
 *
 * On a SOCK_SEQPACKET socket a zero-length message and the end of the
 * connection both read as 0 bytes; SO_PASSCRED tells them apart (a message
 * carries credentials, the end does not).  A client that leaves is drained
 * of what it sent before it closes; a second one is refused.  A PTY's slave
 * side is held open by the daemon, so programs may come and go.  So is a
 * FIFO's other end: the daemon opens its FIFOs read-write, so that opening
 * either end never blocks, a writer that leaves is no end of file, a reader
 * that leaves is no EPIPE, and what the pipe holds waits for the next one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "common/log.h"
#include "personalities/bridge/bridge.h"

static bool port_is_iso(const struct bridge_port *p, int ep)
{
	return ep >= 0 && p->b->m->endpoints[ep].type == FG_EP_ISO;
}

static void update_interest(struct bridge_port *p)
{
	bool want_in = p->want_in;

	uint32_t events = 0;

	if (p->io.fd < 0 || p->draining)
		return;
	if (want_in || (p->kind == BRIDGE_PORT_SEQPACKET && p->in_ep < 0))
		events |= EPOLLIN;
	if (p->count)
		events |= EPOLLOUT;
	if (p->kind == BRIDGE_PORT_SEQPACKET)
		events |= EPOLLRDHUP;
	bridge_watch_set(p->b, &p->io, events);
}

static void client_close(struct bridge_port *p, const char *why)
{
	if (p->kind != BRIDGE_PORT_SEQPACKET || p->io.fd < 0)
		return;
	fg_info("bridge: %s: client %s", p->path, why);
	bridge_watch_close(p->b, &p->io);
	p->draining = false;
}

/* Bytes taken (a whole message on a socket), or a negative errno. */
static ssize_t deliver(struct bridge_port *p, const uint8_t *data, size_t len)
{
	ssize_t n;

	if (p->io.fd < 0 || p->draining)
		return -ENOTCONN;
	if (p->kind == BRIDGE_PORT_SEQPACKET)
		n = send(p->io.fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	else
		n = write(p->io.fd, data, len);
	return n < 0 ? -errno : n;
}

static void set_held(struct bridge_port *p, bool held)
{
	if (p->held == held)
		return;
	p->held = held;
	if (held)
		p->n.held++;
	fg_engine_hold(p->b->e, (size_t)p->out_ep, held);
}

static void delivered(struct bridge_port *p, size_t len, bool whole)
{
	p->n.out_bytes += len;
	if (whole)
		p->n.out_transfers++;
}

/* A delivery failed with err: the client is gone unless the program is only slow. */
static void delivery_failed(struct bridge_port *p, ssize_t err)
{
	if (err == -EAGAIN || err == -ENOTCONN)
		return;
	if (err == -EMSGSIZE) {
		fg_err("bridge: %s: transfer larger than the socket's buffer", p->path);
		return;
	}
	client_close(p, "failed; closed");
}

static void flush_backlog(struct bridge_port *p)
{
	while (p->count) {
		struct bridge_slot *s = &p->backlog[p->head];
		ssize_t n = deliver(p, s->buf + s->off, s->len - s->off);

		if (n < 0) {
			delivery_failed(p, n);
			break;
		}
		delivered(p, (size_t)n, s->off + (size_t)n == s->len);
		s->off += (size_t)n;
		if (s->off < s->len)
			break;
		p->head = (p->head + 1) % p->cap;
		p->count--;
	}
	if (!p->count && p->held)
		set_held(p, false);
}

static void enqueue(struct bridge_port *p, const uint8_t *data, size_t len)
{
	struct bridge_slot *s;

	if (!p->backlog)
		return;   /* not started: no endpoint runs either */
	if (p->count == p->cap || len > p->slot_size) {
		/* The hold bounds what can arrive: reaching this is a bug, said loudly. */
		fg_err("bridge: %s: OUT backlog overflow: %zu bytes lost", p->path, len);
		return;
	}
	s = &p->backlog[(p->head + p->count) % p->cap];
	memcpy(s->buf, data, len);
	s->len = len;
	s->off = 0;
	p->count++;
	set_held(p, true);
}

void bridge_port_consume_out(struct bridge_port *p, const struct fg_ep_info *ep,
			     const uint8_t *buf, size_t len)
{
	ssize_t n = -ENOTCONN;

	if (port_is_iso(p, (int)ep->index)) {
		n = deliver(p, buf, len);
		if (n >= 0)
			delivered(p, (size_t)n, (size_t)n == len);
		else
			p->n.iso_dropped++;
		return;
	}
	if (!p->count)
		n = deliver(p, buf, len);
	if (n < 0) {
		delivery_failed(p, n);
		n = 0;
	} else {
		delivered(p, (size_t)n, (size_t)n == len);
	}
	if ((size_t)n < len)
		enqueue(p, buf + n, len - (size_t)n);
	update_interest(p);
}

/* One message from the client into buf: its length, 0 for none yet, -1 for the end. */
static ssize_t read_message(struct bridge_port *p, uint8_t *buf, size_t cap)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	/* Bounded: each refused message is logged; more wait for the next request. */
	for (int tries = 0; tries < 8; tries++) {
		mh.msg_controllen = sizeof(control.buf);
		n = recvmsg(p->io.fd, &mh, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (n == 0 && mh.msg_controllen == 0)
			return -1;
		if ((size_t)n <= cap)
			return n == 0 ? -2 : n;
		p->n.refused_messages++;
		fg_warn("bridge: %s: message of %zd bytes refused: the endpoint takes at most "
			"%zu per transfer", p->path, n, cap);
	}
	return 0;
}

size_t bridge_port_fill_in(struct bridge_port *p, const struct fg_ep_info *ep, uint8_t *buf,
			   size_t cap)
{
	size_t none = port_is_iso(p, (int)ep->index) ? 0 : FG_FILL_NONE;
	ssize_t n;

	if (p->io.fd < 0) {
		if (none == 0)
			p->n.iso_zlp++;
		return none;
	}
	if (p->kind != BRIDGE_PORT_SEQPACKET) {
		n = read(p->io.fd, buf, cap);
		if (n < 0)
			n = 0;
	} else {
		n = read_message(p, buf, cap);
		if (n == -1) {
			client_close(p, p->draining ? "left; all it sent was taken" : "left");
			n = 0;
		} else if (n == -2) {
			/* A zero-length message: a zero-length packet. */
			p->n.in_transfers++;
			return 0;
		}
	}
	if (n == 0) {
		p->want_in = true;
		update_interest(p);
		if (none == 0)
			p->n.iso_zlp++;
		return none;
	}
	p->n.in_transfers++;
	p->n.in_bytes += (uint64_t)n;
	return (size_t)n;
}

static void on_io(void *obj, uint32_t events)
{
	struct bridge_port *p = obj;

	if (p->kind == BRIDGE_PORT_SEQPACKET && (events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR))) {
		if (p->in_ep < 0) {
			client_close(p, "left");
			return;
		}
		/* What it sent before leaving is still read, by fill_in. */
		p->draining = true;
		epoll_ctl(p->b->epoll_fd, EPOLL_CTL_DEL, p->io.fd, NULL);
		p->io.added = false;
		p->io.events = 0;
		fg_engine_kick(p->b->e);
		return;
	}
	if (events & EPOLLOUT)
		flush_backlog(p);
	if (events & EPOLLIN) {
		if (p->in_ep < 0 && p->kind == BRIDGE_PORT_SEQPACKET) {
			uint8_t junk[64];
			ssize_t n = recv(p->io.fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC);

			if (n >= 0) {
				p->n.refused_messages++;
				fg_warn("bridge: %s: message of %zd bytes refused: no IN endpoint "
					"behind this socket", p->path, n);
			}
		} else if (p->in_ep >= 0) {
			p->want_in = false;
			update_interest(p);
			fg_engine_kick(p->b->e);
			return;
		}
	}
	update_interest(p);
}

static void on_listen(void *obj, uint32_t events)
{
	struct bridge_port *p = obj;
	char why[160];
	int one = 1;
	int fd = accept4(p->listen.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)events;
	if (fd < 0)
		return;
	if (!bridge_peer_allowed(p->b, fd, why, sizeof(why))) {
		p->n.refused_clients++;
		fg_warn("bridge: %s: refused: %s", p->path, why);
		bridge_refuse(fd, NULL);
		return;
	}
	if (p->io.fd >= 0 && p->draining)
		client_close(p, "replaced while leaving; its unread messages are dropped");
	if (p->io.fd >= 0) {
		p->n.refused_clients++;
		fg_warn("bridge: %s: second client refused", p->path);
		bridge_refuse(fd, NULL);
		return;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
		fg_warn("bridge: %s: SO_PASSCRED: %s", p->path, strerror(errno));
		close(fd);
		return;
	}
	p->io.fd = fd;
	p->n.clients++;
	fg_info("bridge: %s: client connected", p->path);
	flush_backlog(p);
	p->want_in = true;
	update_interest(p);
	if (p->in_ep >= 0)
		fg_engine_kick(p->b->e);
}

static int pty_open(struct bridge_port *p)
{
	struct termios tio;
	struct stat st;
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	p->io.fd = fd;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 ||
	    ptsname_r(fd, p->pty_name, sizeof(p->pty_name)) != 0)
		return -errno;
	p->pty_slave_fd = open(p->pty_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->pty_slave_fd < 0)
		return -errno;
	/* Bytes pass unchanged until the program sets its own terminal modes. */
	if (tcgetattr(p->pty_slave_fd, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(p->pty_slave_fd, TCSANOW, &tio);
	}
	if (bridge_chown_chmod(p->b, p->pty_name) < 0)
		return -EPERM;
	if (lstat(p->path, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			fg_err("%s: exists and is not a symbolic link; not replacing it", p->path);
			return -EEXIST;
		}
		unlink(p->path);
	}
	if (symlink(p->pty_name, p->path) < 0) {
		int rc = -errno;
		fg_err("%s: symlink to %s: %s", p->path, p->pty_name, strerror(errno));
		return rc;
	}
	p->path_created = true;
	return 0;
}

/* The FIFO at p->path, made anew (one left by an earlier run is replaced), open read-write. */
static int fifo_open(struct bridge_port *p)
{
	struct stat st;
	int rc;

	if (lstat(p->path, &st) == 0) {
		if (!S_ISFIFO(st.st_mode)) {
			fg_err("%s: exists and is not a FIFO; not replacing it", p->path);
			return -EEXIST;
		}
		unlink(p->path);
	}
	if (mkfifo(p->path, 0600) < 0) {
		rc = -errno;
		fg_err("%s: mkfifo: %s", p->path, strerror(errno));
		return rc;
	}
	p->path_created = true;
	rc = bridge_chown_chmod(p->b, p->path);
	if (rc < 0)
		return rc;
	p->io.fd = open(p->path, O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (p->io.fd < 0) {
		rc = -errno;
		fg_err("%s: open: %s", p->path, strerror(errno));
		return rc;
	}
	if (fstat(p->io.fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		fg_err("%s: replaced behind the daemon's back; not a FIFO", p->path);
		return -EEXIST;
	}
	return 0;
}

int bridge_port_start(struct bridge_port *p)
{
	int rc;

	p->listen = (struct bridge_watch){ .fd = -1, .ready = on_listen, .obj = p };
	p->io = (struct bridge_watch){ .fd = -1, .ready = on_io, .obj = p };
	p->pty_slave_fd = -1;
	if (p->out_ep >= 0) {
		const struct fg_endpoint *ep = &p->b->m->endpoints[p->out_ep];

		p->cap = ep->queue_depth + 1;
		p->slot_size = ep->buffer_size;
		p->backlog = calloc(p->cap, sizeof(*p->backlog));
		if (!p->backlog)
			return -ENOMEM;
		for (unsigned i = 0; i < p->cap; i++) {
			p->backlog[i].buf = malloc(p->slot_size ? p->slot_size : 1);
			if (!p->backlog[i].buf)
				return -ENOMEM;
		}
	}
	if (p->kind == BRIDGE_PORT_PTY) {
		rc = pty_open(p);
		if (rc < 0) {
			fg_err("bridge: PTY for %s: %s%s", p->path, strerror(-rc),
			       rc == -ENOENT ? " (is devpts mounted on /dev/pts?)" : "");
			return rc;
		}
		p->want_in = true;
		update_interest(p);
		fg_info("bridge: PTY %s linked at %s", p->pty_name, p->path);
		printf("bridge: %s -> %s\n", p->path, p->pty_name);
		fflush(stdout);
		return 0;
	}
	if (p->kind == BRIDGE_PORT_FIFO) {
		rc = fifo_open(p);
		if (rc < 0)
			return rc;
		p->want_in = p->in_ep >= 0;
		update_interest(p);
		fg_info("bridge: endpoint FIFO %s (%s)", p->path,
			p->in_ep >= 0 ? "the program writes, the host reads"
				      : "the host writes, the program reads");
		return 0;
	}
	rc = bridge_listen(p->b, p->path);
	if (rc < 0)
		return rc;
	p->listen.fd = rc;
	p->path_created = true;
	rc = bridge_watch_set(p->b, &p->listen, EPOLLIN);
	if (rc < 0)
		return rc;
	fg_info("bridge: endpoint socket %s", p->path);
	return 0;
}

void bridge_port_stop(struct bridge_port *p)
{
	if (p->path_created)
		unlink(p->path);
	p->path_created = false;
	bridge_watch_close(p->b, &p->io);
	bridge_watch_close(p->b, &p->listen);
	if (p->pty_slave_fd >= 0)
		close(p->pty_slave_fd);
	p->pty_slave_fd = -1;
	if (p->backlog) {
		if (p->count)
			fg_warn("bridge: %s: %u OUT transfers never taken by a program", p->path,
				p->count);
		for (unsigned i = 0; i < p->cap; i++)
			free(p->backlog[i].buf);
	}
	free(p->backlog);
	p->backlog = NULL;
	p->count = 0;
}
