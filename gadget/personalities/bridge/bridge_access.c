/* SPDX-License-Identifier: MIT */
/*
 * Sockets under the runtime directory and who may use them, and the
 * personality's own epoll set.
 *
 * The socket file's owner, group and mode come from the description; the
 * kernel enforces them on connect.  SO_PEERCRED is checked again on accept
 * so that a socket whose mode was loosened behind the daemon's back, or a
 * descriptor passed on by an allowed process, still meets the description:
 * root and the daemon's own user always pass; the owner passes with the
 * owner write bit, the group (primary or supplementary, SO_PEERGROUPS)
 * with the group write bit, anyone with the other write bit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "personalities/bridge/bridge.h"
#include "wire/bridge_wire.h"

#define LISTEN_BACKLOG 4
#define PEER_GROUPS_MAX 64

int bridge_chown_chmod(const struct bridge *b, const char *path)
{
	const struct bridge_access *a = &b->access;

	if ((a->has_uid || a->has_gid) &&
	    chown(path, a->has_uid ? a->uid : (uid_t)-1, a->has_gid ? a->gid : (gid_t)-1) < 0) {
		int rc = -errno;
		fg_err("%s: chown: %s", path, strerror(errno));
		return rc;
	}
	if (chmod(path, a->mode) < 0) {
		int rc = -errno;
		fg_err("%s: chmod %04o: %s", path, (unsigned)a->mode, strerror(errno));
		return rc;
	}
	return 0;
}

int bridge_listen(const struct bridge *b, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fg_err("%s: socket path longer than %zu bytes", path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* A socket left by an earlier run is replaced; anything else is not ours to remove. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fg_err("%s: exists and is not a socket; not replacing it", path);
			return -EEXIST;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		rc = -errno;
		fg_err("%s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	rc = bridge_chown_chmod(b, path);
	if (rc < 0) {
		close(fd);
		unlink(path);
		return rc;
	}
	return fd;
}

static bool peer_in_group(int fd, gid_t gid, gid_t primary)
{
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t len = sizeof(groups);

	if (primary == gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

bool bridge_peer_allowed(const struct bridge *b, int fd, char *why, size_t whylen)
{
	const struct bridge_access *a = &b->access;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uid_t owner = a->has_uid ? a->uid : geteuid();
	gid_t group = a->has_gid ? a->gid : getegid();

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred)) {
		snprintf(why, whylen, "SO_PEERCRED: %s", strerror(errno));
		return false;
	}
	if (cred.uid == 0 || cred.uid == geteuid())
		return true;
	if (cred.uid == owner && (a->mode & S_IWUSR))
		return true;
	if ((a->mode & S_IWGRP) && peer_in_group(fd, group, cred.gid))
		return true;
	if (a->mode & S_IWOTH)
		return true;
	snprintf(why, whylen, "pid %ld (uid %u, gid %u) is not allowed by owner %u, group %u, "
		 "mode %04o", (long)cred.pid, (unsigned)cred.uid, (unsigned)cred.gid,
		 (unsigned)owner, (unsigned)group, (unsigned)a->mode);
	return false;
}

void bridge_refuse(int fd, const char *text)
{
	uint8_t buf[BRIDGE_HEADER_LEN + 256];
	int drained = 0;

	if (text)
		send(fd, buf, bridge_encode_error(buf, sizeof(buf), text),
		     MSG_DONTWAIT | MSG_NOSIGNAL);
	/*
	 * Closing a Unix socket with unread messages resets the peer, whose
	 * next recv then fails with ECONNRESET instead of reading the ERROR:
	 * take what it sent (a HELLO, usually) first.
	 */
	while (drained++ < 64 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
	close(fd);
}

int bridge_watch_set(struct bridge *b, struct bridge_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (w->fd < 0)
		return -EBADF;
	if (w->added && w->events == events)
		return 0;
	if (epoll_ctl(b->epoll_fd, w->added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, w->fd, &ev) < 0) {
		int rc = -errno;
		fg_warn("bridge: epoll_ctl: %s", strerror(errno));
		return rc;
	}
	w->added = true;
	w->events = events;
	return 0;
}

void bridge_watch_close(struct bridge *b, struct bridge_watch *w)
{
	if (w->fd < 0)
		return;
	if (w->added)
		epoll_ctl(b->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
	close(w->fd);
	w->fd = -1;
	w->added = false;
	w->events = 0;
}

/* The engine's callback for the personality's epoll set. */
void bridge_dispatch(void *ctx, int fd)
{
	struct epoll_event evs[16];
	int n = epoll_wait(fd, evs, 16, 0);

	(void)ctx;
	for (int i = 0; i < n; i++) {
		struct bridge_watch *w = evs[i].data.ptr;

		/* An earlier handler in this batch may have closed it. */
		if (w->fd >= 0 && w->ready)
			w->ready(w->obj, evs[i].events);
	}
}
