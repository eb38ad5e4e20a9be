/* SPDX-License-Identifier: MIT */
/*
 * A Unix stream socket of text lines on the engine's loop, for a
 * personality's control input (HID's text protocol): up to
 * FG_LINE_CLIENTS clients, each line handed to on_line, which writes one
 * reply line.  The socket knows nothing of what the lines mean.
 *
 * Replies are sent without blocking: a client that does not read its
 * replies loses them, never the gadget's responsiveness.  A line longer
 * than FG_LINE_MAX - 1 bytes is discarded up to its newline and answered
 * with an error, as is a line holding a NUL byte; on_line never sees them.
 */
#ifndef FFSGADGET_LINE_SOCKET_H
#define FFSGADGET_LINE_SOCKET_H

#include <stddef.h>

#include "ffs/personality.h"

#define FG_LINE_MAX 1024
#define FG_LINE_CLIENTS 4
#define FG_LINE_REPLY_MAX 1024

/*
 * One line, without its newline (and a trailing CR), NUL-terminated;
 * reply (replylen bytes) takes the answer, one line without a newline.
 */
typedef void (*fg_line_fn)(void *ctx, const char *line, char *reply, size_t replylen);

struct fg_line_socket;

/*
 * Listens at path (a socket left there by a dead daemon is replaced) and
 * watches it and its clients on e.  0 and *out, or a negative errno with
 * nothing left open.
 */
int fg_line_socket_open(struct fg_engine *e, const char *path, fg_line_fn on_line, void *ctx,
			struct fg_line_socket **out);
/* Closes the clients and the listener, removes path; NULL is fine. */
void fg_line_socket_close(struct fg_line_socket *s);

#endif
