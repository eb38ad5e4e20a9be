/* SPDX-License-Identifier: MIT */
/*
 * A stream's DMABUF path (stream.h, ffs/dmabuf.h): one attached udmabuf
 * per request, one TRANSFER per submission, completion from its fence.
 */
#include "ffs/stream.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/clock.h"

const char *fg_stream_dmabuf_ineligible(const struct fg_personality *p,
					const struct fg_endpoint *ep)
{
	if (!p->dmabuf)
		return "the personality reads OUT lengths or rewrites IN data at every fill";
	/*
	 * Bulk only: an iso ENABLE (an alt switch) must cancel what was filled
	 * before it, and a DMABUF transfer has no cancel but detaching its
	 * buffer; interrupt endpoints carry small reports, nothing to gain.
	 */
	if (ep->type != FG_EP_BULK)
		return "bulk endpoints only";
	return NULL;
}

/* Unwatches, detaches and releases r's buffer; r goes back to its AIO buffer. */
static void stream_drop_dmabuf(struct fg_stream *s, struct fg_request *r, int epoll_fd)
{
	/*
	 * Explicitly: the kernel's attachment and a pending transfer hold the
	 * dma-buf's file open, so closing our fd alone would leave it watched.
	 */
	if (r->watch.ready)
		(void)epoll_ctl(epoll_fd, EPOLL_CTL_DEL, r->dmabuf.fd, NULL);
	r->watch.ready = NULL;
	(void)fg_dmabuf_detach(s->fd, &r->dmabuf);
	if (r->sync_fd >= 0)
		close(r->sync_fd);
	r->sync_fd = -1;
	fg_dmabuf_release(&r->dmabuf);
	r->buf = r->aio_buf;
	/* The AIO buffer's contents are not the ones last filled: the next fill writes. */
	r->generation = ~0u;
	r->iocb_ready = false;
}

int fg_stream_dmabuf_attach(struct fg_stream *s, int udmabuf_fd, int epoll_fd, void *owner,
			    void (*ready)(void *request, int fd))
{
	int rc = 0;

	if (s->path == FG_PATH_DMABUF)
		return 0;
	if (s->in_flight)
		return -EBUSY;
	for (unsigned i = 0; i < s->depth && rc == 0; i++) {
		struct fg_request *r = &s->reqs[i];
		struct epoll_event ev = { .events = 0, .data.ptr = &r->watch };

		rc = fg_dmabuf_create(udmabuf_fd, s->buffer_size, &r->dmabuf);
		if (rc == 0)
			rc = fg_dmabuf_attach(s->fd, &r->dmabuf);
		/* Watched disarmed; each transfer arms it once (EPOLLONESHOT). */
		if (rc == 0 && epoll_ctl(epoll_fd, EPOLL_CTL_ADD, r->dmabuf.fd, &ev) < 0)
			rc = -errno;
		if (rc == 0)
			r->watch = (struct fg_watch){ .fd = r->dmabuf.fd, .ready = ready, .ctx = r };
		else if (r->dmabuf.map)
			stream_drop_dmabuf(s, r, epoll_fd);
	}
	if (rc < 0) {
		for (unsigned i = 0; i < s->depth; i++)
			if (s->reqs[i].dmabuf.map)
				stream_drop_dmabuf(s, &s->reqs[i], epoll_fd);
		return rc;
	}
	for (unsigned i = 0; i < s->depth; i++) {
		s->reqs[i].buf = s->reqs[i].dmabuf.map;
		s->reqs[i].generation = ~0u;
		s->reqs[i].iocb_ready = false;
	}
	s->path = FG_PATH_DMABUF;
	s->epoll_fd = epoll_fd;
	s->owner = owner;
	return 0;
}

void fg_stream_dmabuf_detach(struct fg_stream *s, const struct fg_personality *p, void *pstate)
{
	if (s->path != FG_PATH_DMABUF)
		return;
	for (unsigned i = 0; i < s->depth; i++) {
		struct fg_request *r = &s->reqs[i];
		bool was_in_flight = r->in_flight;

		/* DETACH dequeues what is in flight; it completes in the kernel, unseen here. */
		stream_drop_dmabuf(s, r, s->epoll_fd);
		if (was_in_flight)
			fg_stream_complete(r, -ECONNRESET, p, pstate);
	}
	s->path = FG_PATH_AIO;
}

int fg_stream_dmabuf_submit_idle(struct fg_stream *s, const struct fg_personality *p,
				 void *pstate)
{
	bool in = s->in;

	while (s->enabled && !s->held && s->idle_count) {
		struct fg_request *r = &s->reqs[s->idle[s->idle_count - 1]];
		struct epoll_event ev = { .events = EPOLLOUT | EPOLLONESHOT, .data.ptr = &r->watch };
		bool refill = in && r->generation != s->generation;
		bool filled;
		int rc;

		if (in && p->fill_in)
			s->info.now_ns = fg_now_ns();
		/*
		 * fg_personality.dmabuf: the CPU writes the buffer only on a
		 * refill, so only then is the write bracketed for the device
		 * (cache maintenance where the UDC is not coherent).
		 */
		if (refill)
			(void)fg_dmabuf_cpu_write(&r->dmabuf, true);
		filled = fg_stream_fill(s, r, p, pstate, &r->len);
		if (refill)
			(void)fg_dmabuf_cpu_write(&r->dmabuf, false);
		if (!filled)
			return 0;
		if (r->len == 0) {
			/* f_fs refuses a zero-length DMABUF transfer: no ZLP on this path. */
			s->stats.submit_failures++;
			s->stats.ep.last_error = -EINVAL;
			return -EINVAL;
		}
		rc = fg_dmabuf_transfer(s->fd, &r->dmabuf, r->len);
		if (rc == -EAGAIN || rc == -ESHUTDOWN)
			return 0;   /* disabled under us: the next ENABLE resumes */
		if (rc < 0) {
			s->stats.submit_failures++;
			s->stats.ep.last_error = rc;
			return rc;
		}
		/* At once: a fence signalled before this is left out of the export (dmabuf.h). */
		r->sync_fd = fg_dmabuf_export_fence(&r->dmabuf);
		r->in_flight = true;
		s->idle_count--;
		s->in_flight++;
		if (epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, r->dmabuf.fd, &ev) < 0) {
			/* Its completion would go unseen: the request stays in flight until detach. */
			s->stats.submit_failures++;
			s->stats.ep.last_error = -errno;
			return s->stats.ep.last_error;
		}
	}
	return 0;
}

int fg_stream_dmabuf_complete(struct fg_request *r, const struct fg_personality *p,
			      void *pstate)
{
	struct fg_stream *s = r->stream;
	int status = 1;

	if (!r->in_flight)
		return 0;
	if (r->sync_fd >= 0) {
		status = fg_dmabuf_sync_status(r->sync_fd);
		if (status == 0) {
			struct epoll_event ev = { .events = EPOLLOUT | EPOLLONESHOT,
						  .data.ptr = &r->watch };

			(void)epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, r->dmabuf.fd, &ev);
			return -EINPROGRESS;
		}
		close(r->sync_fd);
		r->sync_fd = -1;
	}
	fg_stream_complete(r, status < 0 ? status : (long)r->len, p, pstate);
	return 0;
}
