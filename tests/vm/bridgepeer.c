/* SPDX-License-Identifier: MIT */
/*
 * The VM's board-side program for the bridge personality, in C so that the
 * malformed messages, the silent program and the bench's source and sink
 * need no interpreter and cost none: speaks the control socket's wire
 * format from gadget/wire/bridge_wire.h.  (The Python examples run in the
 * VM too: scenario-bridge.sh.)
 *
 *   bridgepeer control SOCKET [--silent]
 *       HELLO, then one line per message: "welcome STATE SPEED TIMEOUT",
 *       "setup TYPE REQ VALUE INDEX LENGTH [data HEX]", "event N SPEED";
 *       OUT requests awaiting an answer get ACK, IN ones STALL; --silent
 *       answers nothing (the daemon's timeout must STALL them).
 *   bridgepeer hello SOCKET
 *       exit 0 on WELCOME; prints the ERROR's text and exits 1 otherwise.
 *   bridgepeer malformed SOCKET
 *       sends what a broken program would (short, unknown type, wrong
 *       length, payload on ACK, oversized, answer before HELLO, another
 *       version); each must come back as an ERROR.  Prints them; exit 0
 *       when all seven were refused and the last closed the connection.
 *   bridgepeer sink SOCKET
 *       takes every transfer of an OUT endpoint's socket and drops it.
 *   bridgepeer source SOCKET SIZE
 *       sends SIZE-byte transfers of zeros to an IN endpoint's socket until
 *       the daemon goes.  (Both: the bench's bridge side, as Gadget Zero's
 *       sink and source are the other's.)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bridge_wire.h"

static uint8_t msg[BRIDGE_MSG_MAX + 64];

static int dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "bridgepeer: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

static void send_plain(int fd, uint8_t type, uint32_t tag)
{
	uint8_t h[BRIDGE_HEADER_LEN];

	bridge_put_header(h, type, 0, tag, 0);
	if (send(fd, h, sizeof(h), MSG_NOSIGNAL) < 0)
		perror("bridgepeer: send");
}

/* The next message (2 s at most): its length, 0 at the end, -1 on timeout. */
static ssize_t next(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) <= 0)
		return -1;
	return recv(fd, msg, sizeof(msg), 0);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int control(const char *path, int silent)
{
	int fd = dial(path);
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	send_plain(fd, BRIDGE_MSG_HELLO, 0);
	while ((n = next(fd, -1)) > 0) {
		const uint8_t *p = msg + BRIDGE_HEADER_LEN;
		uint16_t flags = (uint16_t)(msg[2] | msg[3] << 8);

		if (n < BRIDGE_HEADER_LEN || (size_t)n != BRIDGE_HEADER_LEN + le32(msg + 8)) {
			printf("bad message of %zd bytes\n", n);
			continue;
		}
		switch (msg[1]) {
		case BRIDGE_MSG_WELCOME:
			printf("welcome %u %u %u\n", p[0], p[1], p[2] | p[3] << 8);
			break;
		case BRIDGE_MSG_EVENT:
			printf("event %u %u\n", p[0], p[1]);
			break;
		case BRIDGE_MSG_ERROR:
			printf("error %.*s\n", (int)(n - BRIDGE_HEADER_LEN), (const char *)p);
			break;
		case BRIDGE_MSG_SETUP:
			printf("setup %02x %02x %04x %04x %04x", p[0], p[1], p[2] | p[3] << 8,
			       p[4] | p[5] << 8, p[6] | p[7] << 8);
			if (n > BRIDGE_HEADER_LEN + 8) {
				printf(" data ");
				for (ssize_t i = BRIDGE_HEADER_LEN + 8; i < n; i++)
					printf("%02x", msg[i]);
			}
			printf("\n");
			if (silent || (flags & BRIDGE_FLAG_NO_ANSWER))
				break;
			send_plain(fd, (p[0] & 0x80) ? BRIDGE_MSG_STALL : BRIDGE_MSG_ACK, le32(msg + 4));
			break;
		default:
			printf("message type 0x%02x\n", msg[1]);
		}
	}
	printf("closed\n");
	return 0;
}

static int hello(const char *path)
{
	int fd = dial(path);
	ssize_t n;

	send_plain(fd, BRIDGE_MSG_HELLO, 0);
	n = next(fd, 2000);
	if (n >= BRIDGE_HEADER_LEN && msg[1] == BRIDGE_MSG_WELCOME)
		return 0;
	if (n >= BRIDGE_HEADER_LEN && msg[1] == BRIDGE_MSG_ERROR)
		printf("error %.*s\n", (int)(n - BRIDGE_HEADER_LEN), (const char *)msg + BRIDGE_HEADER_LEN);
	else
		printf("no answer (%zd)\n", n);
	return 1;
}

/* Sends len bytes of msg, expects an ERROR; 1 when refused as it should be. */
static int refused(int fd, size_t len, const char *what)
{
	ssize_t n;

	if (send(fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len) {
		printf("%s: send: %s\n", what, strerror(errno));
		return 0;
	}
	n = next(fd, 2000);
	if (n < BRIDGE_HEADER_LEN || msg[1] != BRIDGE_MSG_ERROR) {
		printf("%s: not refused (%zd)\n", what, n);
		return 0;
	}
	printf("%s: refused: %.*s\n", what, (int)(n - BRIDGE_HEADER_LEN),
	       (const char *)msg + BRIDGE_HEADER_LEN);
	return 1;
}

static int malformed(const char *path)
{
	int fd = dial(path), ok = 0;

	memset(msg, 0, sizeof(msg));
	bridge_put_header(msg, BRIDGE_MSG_ACK, 0, 1, 0);
	ok += refused(fd, BRIDGE_HEADER_LEN, "before-hello");
	bridge_put_header(msg, BRIDGE_MSG_HELLO, 0, 0, 0);
	if (send(fd, msg, BRIDGE_HEADER_LEN, 0) < 0 || next(fd, 2000) < BRIDGE_HEADER_LEN ||
	    msg[1] != BRIDGE_MSG_WELCOME) {
		printf("hello: no welcome\n");
		return 1;
	}
	bridge_put_header(msg, BRIDGE_MSG_ACK, 0, 1, 0);
	ok += refused(fd, 5, "short");
	bridge_put_header(msg, 0x6e, 0, 1, 0);
	ok += refused(fd, BRIDGE_HEADER_LEN, "unknown-type");
	bridge_put_header(msg, BRIDGE_MSG_DATA, 0, 1, 100);
	ok += refused(fd, BRIDGE_HEADER_LEN + 10, "wrong-length");
	bridge_put_header(msg, BRIDGE_MSG_ACK, 0, 1, 4);
	ok += refused(fd, BRIDGE_HEADER_LEN + 4, "payload-on-ack");
	bridge_put_header(msg, BRIDGE_MSG_DATA, 0, 1, (uint32_t)(sizeof(msg) - BRIDGE_HEADER_LEN));
	ok += refused(fd, sizeof(msg), "oversized");
	bridge_put_header(msg, BRIDGE_MSG_HELLO, 0, 0, 0);
	msg[0] = BRIDGE_WIRE_VERSION + 1;
	ok += refused(fd, BRIDGE_HEADER_LEN, "other-version");
	if (next(fd, 2000) != 0) {
		printf("other-version: connection not closed\n");
		return 1;
	}
	printf("%d of 7 refused\n", ok);
	return ok == 7 ? 0 : 1;
}

static int sink(const char *path)
{
	int fd = dial(path);

	for (;;) {
		ssize_t n = recv(fd, msg, sizeof(msg), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;
		/* 0 is a zero-length transfer or the end: the end also hangs up. */
		if (n == 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (poll(&p, 1, 0) > 0 && (p.revents & POLLHUP))
				return 0;
		}
	}
}

static int source(const char *path, size_t size)
{
	int fd = dial(path);

	if (size > sizeof(msg))
		return 2;
	memset(msg, 0, size);
	for (;;) {
		if (send(fd, msg, size, MSG_NOSIGNAL) < 0 && errno != EINTR)
			return 0;
	}
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "control") == 0)
		return control(argv[2], argc > 3 && strcmp(argv[3], "--silent") == 0);
	if (argc == 3 && strcmp(argv[1], "hello") == 0)
		return hello(argv[2]);
	if (argc == 3 && strcmp(argv[1], "malformed") == 0)
		return malformed(argv[2]);
	if (argc == 3 && strcmp(argv[1], "sink") == 0)
		return sink(argv[2]);
	if (argc == 4 && strcmp(argv[1], "source") == 0)
		return source(argv[2], (size_t)strtoul(argv[3], NULL, 10));
	fprintf(stderr, "usage: bridgepeer control|hello|malformed|sink SOCKET [--silent]\n"
		"       bridgepeer source SOCKET SIZE\n");
	return 2;
}
