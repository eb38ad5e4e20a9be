/* SPDX-License-Identifier: MIT */
/*
 * One readable (or, for a dma-buf, signalled) fd in the engine's epoll and
 * who handles it: epoll's data.ptr points at one, so a structure that
 * embeds it (a DMABUF request) is found without a table.
 */
#ifndef FFSGADGET_WATCH_H
#define FFSGADGET_WATCH_H

struct fg_watch {
	int fd;
	void (*ready)(void *ctx, int fd);
	void *ctx;
};

#endif
