/* SPDX-License-Identifier: MIT */
/*
 * The bridge personality: a device whose logic runs in another program.
 *
 *   bridge.c          options, the personality's hooks
 *   bridge_answers.c  the canned ep0 answers (option "answers")
 *   bridge_control.c  the control socket: SETUP out, DATA/ACK/STALL back,
 *                     lifecycle events, the answer timeout
 *   bridge_port.c     data endpoints on SOCK_SEQPACKET sockets, PTYs or
 *                     FIFOs, with flow control (held OUT streams, no loss)
 *   bridge_access.c   sockets under the runtime directory: owner, group,
 *                     mode, SO_PEERCRED; the personality's own epoll set
 *
 * Everything runs on the engine's loop.  The personality owns one epoll
 * set, watched by the engine as one fd, so that it can wait for writable
 * sockets (the engine watches only for input) and hold any number of fds.
 *
 * Wire format of the control socket: wire/bridge_wire.h.
 */
#ifndef FFSGADGET_BRIDGE_H
#define FFSGADGET_BRIDGE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ffs/personality.h"

#define BRIDGE_NAME_MAX 64
#define BRIDGE_ANSWERS_MAX 64
#define BRIDGE_REPLY_MAX 255
#define BRIDGE_TIMEOUT_DEFAULT_MS 1000
/* The host gives a control transfer 5 s (USB_CTRL_GET_TIMEOUT): answer well before. */
#define BRIDGE_TIMEOUT_MAX_MS 4000
#define BRIDGE_DEFAULT_DIR "/run/ffsgadget"

/* Which fields of an answer are compared; the others are wildcards. */
#define BRIDGE_MATCH_TYPE 0x1
#define BRIDGE_MATCH_REQUEST 0x2
#define BRIDGE_MATCH_VALUE 0x4
#define BRIDGE_MATCH_INDEX 0x8

enum bridge_action { BRIDGE_ACT_REPLY, BRIDGE_ACT_ACCEPT, BRIDGE_ACT_STALL };

struct bridge_answer {
	uint8_t match;              /* BRIDGE_MATCH_* */
	uint8_t request_type, request;
	uint16_t value, index;
	enum bridge_action action;
	uint8_t reply_len;
	uint8_t reply[BRIDGE_REPLY_MAX];
};

struct bridge_answers {
	struct bridge_answer entry[BRIDGE_ANSWERS_MAX];
	size_t count;
};

/*
 * Parses the "answers" option: entries separated by ';', each
 *   TYPE REQUEST VALUE INDEX -> ACTION
 * with hexadecimal numbers (0x optional) or '*', and ACTION one of
 * "stall", "accept" or hex reply bytes.  Returns 0 or -EINVAL with one
 * sentence in why naming the entry (1-based) and the field.
 */
int bridge_answers_parse(const char *text, struct bridge_answers *t, char *why, size_t whylen);

/* The first entry matching s, or NULL. */
const struct bridge_answer *bridge_answers_match(const struct bridge_answers *t,
						 const struct fg_setup *s);

/* One fd in the personality's epoll set and its handler. */
struct bridge_watch {
	int fd;
	uint32_t events;            /* armed interest */
	bool added;
	void (*ready)(void *obj, uint32_t events);
	void *obj;
};

struct bridge_access {
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

enum bridge_port_kind { BRIDGE_PORT_SEQPACKET, BRIDGE_PORT_PTY, BRIDGE_PORT_FIFO };

/* One OUT transfer (or the rest of one) the program has not taken yet. */
struct bridge_slot {
	uint8_t *buf;
	size_t len, off;
};

struct bridge;

struct bridge_port_counters {
	uint64_t in_transfers, in_bytes;      /* program -> host */
	uint64_t out_transfers, out_bytes;    /* host -> program */
	uint64_t held;                        /* times the OUT endpoint was held */
	uint64_t refused_messages;            /* too long for the IN endpoint */
	uint64_t iso_zlp;                     /* iso IN sent empty: nothing to send */
	uint64_t iso_dropped;                 /* iso OUT with no reader */
	uint64_t clients, refused_clients;
};

struct bridge_port {
	struct bridge *b;
	enum bridge_port_kind kind;
	char name[BRIDGE_NAME_MAX];
	unsigned line;              /* the option's line, for messages */
	char path[PATH_MAX];        /* the socket, the PTY's link, or the FIFO */
	char pty_name[64];          /* /dev/pts/N */
	int in_ep, out_ep;          /* endpoint indexes; -1: none */
	struct bridge_watch listen; /* seqpacket only */
	struct bridge_watch io;     /* the client, the PTY master, or the FIFO (read-write) */
	int pty_slave_fd;           /* held open: no hang-up while no program has it */
	bool draining;              /* the client left; its queued messages are still read */
	bool want_in;               /* IN: fill_in found nothing; wake the engine on input */
	bool path_created;          /* path is ours to remove */
	/* OUT backlog, a ring of the endpoint's queue depth (+1) transfers. */
	struct bridge_slot *backlog;
	unsigned head, count, cap;
	size_t slot_size;
	bool held;
	struct bridge_port_counters n;
};

struct bridge_control_counters {
	uint64_t canned, forwarded, answered, timeouts, no_client, refused_messages, late_answers,
		events_dropped, clients, refused_clients;
};

struct bridge_control {
	char path[PATH_MAX];
	struct bridge_watch listen, io, timer;
	bool path_created;
	bool hello;
	bool pending;
	struct fg_setup setup;
	uint32_t tag, next_tag;
	uint8_t *msg;               /* BRIDGE_MSG_MAX bytes, in and out */
	struct bridge_control_counters n;
};

struct bridge {
	const struct fg_model *m;
	struct fg_engine *e;
	char dir[PATH_MAX];
	struct bridge_access access;
	unsigned timeout_ms;
	struct bridge_answers answers;
	struct bridge_port ports[FG_MAX_ENDPOINTS];
	size_t port_count;
	struct bridge_port *port_of[FG_MAX_ENDPOINTS];
	struct bridge_control ctl;
	int epoll_fd;
	bool bound, enabled, suspended;
};

/* bridge_access.c */
int bridge_listen(const struct bridge *b, const char *path);
bool bridge_peer_allowed(const struct bridge *b, int fd, char *why, size_t whylen);
/* Refuses an accepted client: an ERROR with text (NULL: none, data sockets), then close. */
void bridge_refuse(int fd, const char *text);
int bridge_chown_chmod(const struct bridge *b, const char *path);
int bridge_watch_set(struct bridge *b, struct bridge_watch *w, uint32_t events);
void bridge_watch_close(struct bridge *b, struct bridge_watch *w);
void bridge_dispatch(void *ctx, int fd);

/* bridge_control.c */
int bridge_control_start(struct bridge *b);
void bridge_control_stop(struct bridge *b);
int bridge_control_setup(struct bridge *b, const struct fg_setup *s);
void bridge_control_out_data(struct bridge *b, const struct fg_setup *s, const uint8_t *data,
			     size_t len);
void bridge_control_event(struct bridge *b, enum fg_ep0_event ev);
/* Handles one message a program sent (exposed for the fuzzer and the tests). */
void bridge_control_message(struct bridge *b, const uint8_t *buf, size_t len);

/* bridge_port.c */
int bridge_port_start(struct bridge_port *p);
void bridge_port_stop(struct bridge_port *p);
size_t bridge_port_fill_in(struct bridge_port *p, const struct fg_ep_info *ep, uint8_t *buf,
			   size_t cap);
void bridge_port_consume_out(struct bridge_port *p, const struct fg_ep_info *ep,
			     const uint8_t *buf, size_t len);

#endif
