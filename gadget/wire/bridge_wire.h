/* SPDX-License-Identifier: MIT */
/*
 * The bridge personality's control-socket wire format: the one definition
 * for the daemon (gadget/personalities/bridge/) and for C programs that
 * talk to it.  descriptors/README.md ("The bridge personality") documents
 * the same bytes for other languages.  Pure: bytes in, bytes out, no I/O.
 *
 * The control socket is SOCK_SEQPACKET: one send is one message.  Every
 * message, either way, starts with the same 12-byte header:
 *
 *   offset 0  u8    version   BRIDGE_WIRE_VERSION; byte 0 in every version
 *   offset 1  u8    type      BRIDGE_MSG_*
 *   offset 2  le16  flags     BRIDGE_FLAG_*; 0 from programs
 *   offset 4  le32  tag       SETUP: the request's number, echoed by its answer; else 0
 *   offset 8  le32  length    payload bytes after the header
 *
 * Program -> daemon: HELLO first (else refused), then DATA, ACK or STALL
 * answering the SETUP whose tag they carry.  Daemon -> program: WELCOME
 * (answering HELLO), SETUP, EVENT, ERROR (a refused message, with why).
 * A message whose version is not BRIDGE_WIRE_VERSION gets an ERROR naming
 * both versions and the connection is closed.
 *
 * Data endpoints carry no header: on a SOCK_SEQPACKET endpoint socket one
 * message is one USB transfer, a zero-length message a zero-length packet.
 */
#ifndef FFSGADGET_BRIDGE_WIRE_H
#define FFSGADGET_BRIDGE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define BRIDGE_WIRE_VERSION 1
#define BRIDGE_HEADER_LEN 12
#define BRIDGE_SETUP_LEN 8               /* a setup packet, as on the bus (LE fields) */
/* The largest payload: SETUP with a full (wLength 65535) OUT data stage. */
#define BRIDGE_PAYLOAD_MAX (BRIDGE_SETUP_LEN + 65535u)
#define BRIDGE_MSG_MAX (BRIDGE_HEADER_LEN + BRIDGE_PAYLOAD_MAX)

enum bridge_msg_type {
	/* daemon -> program */
	BRIDGE_MSG_WELCOME = 0x01,  /* u8 state (BRIDGE_STATE_*), u8 speed, le16 timeout_ms */
	BRIDGE_MSG_SETUP = 0x02,    /* 8-byte setup packet, then the OUT data stage if any */
	BRIDGE_MSG_EVENT = 0x03,    /* u8 event (BRIDGE_EVENT_*), u8 speed */
	BRIDGE_MSG_ERROR = 0x04,    /* UTF-8 text, no NUL: why a message was refused */
	/* program -> daemon */
	BRIDGE_MSG_HELLO = 0x10,    /* no payload */
	BRIDGE_MSG_DATA = 0x11,     /* IN reply bytes (at most wLength) */
	BRIDGE_MSG_ACK = 0x12,      /* OUT: accept; no payload */
	BRIDGE_MSG_STALL = 0x13,    /* refuse; no payload */
};

enum bridge_event {
	BRIDGE_EVENT_BIND = 1,
	BRIDGE_EVENT_UNBIND = 2,
	BRIDGE_EVENT_ENABLE = 3,
	BRIDGE_EVENT_DISABLE = 4,
	BRIDGE_EVENT_SUSPEND = 5,
	BRIDGE_EVENT_RESUME = 6,
};

/* WELCOME state bits. */
#define BRIDGE_STATE_BOUND 0x01
#define BRIDGE_STATE_ENABLED 0x02
#define BRIDGE_STATE_SUSPENDED 0x04

/* Speeds in WELCOME and EVENT. */
enum bridge_speed {
	BRIDGE_SPEED_UNKNOWN = 0,
	BRIDGE_SPEED_FULL = 1,
	BRIDGE_SPEED_HIGH = 2,
	BRIDGE_SPEED_SUPER = 3,
};

/*
 * SETUP flag: an OUT request whose data stage the kernel already
 * acknowledged (FunctionFS acknowledges it on receipt), so the daemon
 * awaits no answer; one sent anyway is dropped.
 */
#define BRIDGE_FLAG_NO_ANSWER 0x0001u

/* A parsed message; payload points into the buffer that was parsed. */
struct bridge_msg {
	uint8_t version;
	uint8_t type;
	uint16_t flags;
	uint32_t tag;
	uint32_t length;
	const uint8_t *payload;
};

/*
 * Checks one message from a program: whole header, our version, a known
 * program-to-daemon type, a length field equal to what arrived, and the
 * payload each type allows.  Returns 0, -EPROTONOSUPPORT for another
 * version (m->version says which), or -EBADMSG; why gets one sentence.
 */
int bridge_parse_client(const uint8_t *buf, size_t len, struct bridge_msg *m, char *why,
			size_t whylen);

/* Writes a header; returns BRIDGE_HEADER_LEN. */
size_t bridge_put_header(uint8_t *buf, uint8_t type, uint16_t flags, uint32_t tag,
			 uint32_t length);

/*
 * Encoders: each writes the whole message into buf (cap bytes) and returns
 * its length, or 0 when it does not fit.  bridge_encode_setup takes the 8
 * setup bytes as on the bus and up to 65535 data bytes.
 */
size_t bridge_encode_setup(uint8_t *buf, size_t cap, uint32_t tag, uint16_t flags,
			   const uint8_t setup[BRIDGE_SETUP_LEN], const uint8_t *data,
			   size_t data_len);
size_t bridge_encode_event(uint8_t *buf, size_t cap, uint8_t event, uint8_t speed);
size_t bridge_encode_welcome(uint8_t *buf, size_t cap, uint8_t state, uint8_t speed,
			     uint16_t timeout_ms);
size_t bridge_encode_error(uint8_t *buf, size_t cap, const char *text);

#endif
