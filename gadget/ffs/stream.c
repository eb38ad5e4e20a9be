/* SPDX-License-Identifier: MIT */
#include "ffs/stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

#define SUBMIT_BATCH 64

/* Largest wMaxPacketSize: OUT buffers are kept a multiple of it (see init). */
#define MAX_PACKET 1024

int fg_stream_init(struct fg_stream *s, int fd, const struct fg_endpoint *desc, size_t index)
{
	size_t size = desc->buffer_size;
	long page = sysconf(_SC_PAGESIZE);

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->epoll_fd = -1;
	s->info.desc = desc;
	s->in = fg_ep_is_in(desc);
	s->info.index = index;
	s->info.address = desc->address;
	s->info.maxpacket = desc->maxpacket[FG_HS] ? desc->maxpacket[FG_HS] : desc->maxpacket[FG_FS];
	s->info.mult = desc->mult ? desc->mult : 1;
	s->depth = desc->queue_depth ? desc->queue_depth : 1;
	/*
	 * FunctionFS rounds an OUT read up to the endpoint's max packet and
	 * fails an AIO read whose data does not fit the caller's buffer, so a
	 * non-iso OUT buffer is a whole number of the largest packets.  An iso
	 * OUT read gets one interval's data, bounded by the descriptor.
	 */
	if (!fg_ep_is_in(desc) && desc->type != FG_EP_ISO)
		size = (size + MAX_PACKET - 1) / MAX_PACKET * MAX_PACKET;
	if (size == 0)
		size = MAX_PACKET;
	s->buffer_size = size;
	s->info.transfer_size = size;
	s->info.speed = FG_HS;

	s->reqs = calloc(s->depth, sizeof(*s->reqs));
	s->idle = calloc(s->depth, sizeof(*s->idle));
	if (!s->reqs || !s->idle) {
		fg_stream_release(s);
		return -ENOMEM;
	}
	s->idle_count = s->depth;
	/* Before any allocation can fail: release closes only what is set. */
	for (unsigned i = 0; i < s->depth; i++) {
		s->reqs[i].sync_fd = -1;
		fg_dmabuf_clear(&s->reqs[i].dmabuf);
	}
	for (unsigned i = 0; i < s->depth; i++) {
		struct fg_request *r = &s->reqs[i];
		void *buf;

		if (posix_memalign(&buf, (size_t)page, size)) {
			fg_stream_release(s);
			return -ENOMEM;
		}
		memset(buf, 0, size);
		r->buf = buf;
		r->aio_buf = buf;
		r->stream = s;
		r->index = i;
		s->idle[i] = s->depth - 1 - i;   /* request 0 on top: the first batch goes in order */
		/* Differs from the stream's first generation: the first fill writes. */
		r->generation = ~0u;
	}
	return 0;
}

void fg_stream_release(struct fg_stream *s)
{
	if (s->reqs) {
		for (unsigned i = 0; i < s->depth; i++) {
			struct fg_request *r = &s->reqs[i];

			free(r->aio_buf);
			if (r->sync_fd >= 0)
				close(r->sync_fd);
			if (r->dmabuf.map)
				fg_dmabuf_release(&r->dmabuf);
		}
	}
	free(s->reqs);
	free(s->idle);
	s->reqs = NULL;
	s->idle = NULL;
}

/*
 * The length r carries next (*next_len): for IN what fill_in gave (false:
 * nothing to send), for OUT the read's size.
 */
bool fg_stream_fill(struct fg_stream *s, struct fg_request *r, const struct fg_personality *p,
		    void *pstate, size_t *next_len)
{
	size_t cap = s->info.transfer_size;

	if (cap > s->buffer_size)
		cap = s->buffer_size;
	if (s->in) {
		size_t len = cap;

		if (p->fill_in) {
			int refill = r->generation != s->generation;

			len = p->fill_in(pstate, &s->info, r->buf, cap, refill);
			if (len == FG_FILL_NONE)
				return false;
			if (len > cap)
				len = cap;
		}
		r->generation = s->generation;
		cap = len;
	}
	*next_len = cap;
	return true;
}

/* Readies r for submission; false when the personality has nothing to send. */
static bool stream_prepare(struct fg_stream *s, struct fg_request *r, int resfd,
			   const struct fg_personality *p, void *pstate)
{
	size_t cap;

	if (!fg_stream_fill(s, r, p, pstate, &cap))
		return false;
	/*
	 * The kernel only reads an iocb (and writes its aio_key, always 0): one
	 * prepared for the same length goes back in as it is.
	 */
	if (!r->iocb_ready || r->len != cap) {
		if (s->in)
			io_prep_pwrite(&r->iocb, s->fd, r->buf, cap, 0);
		else
			io_prep_pread(&r->iocb, s->fd, r->buf, cap, 0);
		io_set_eventfd(&r->iocb, resfd);
		r->iocb.data = r;
		r->len = cap;
		r->iocb_ready = true;
	}
	return true;
}

int fg_stream_submit_idle(struct fg_stream *s, io_context_t ctx, int resfd,
			  const struct fg_personality *p, void *pstate)
{
	struct iocb *batch[SUBMIT_BATCH];
	bool more = true;

	while (s->enabled && !s->held && more && s->idle_count) {
		int n = 0, done = 0;

		if (p->fill_in && s->in)
			s->info.now_ns = fg_now_ns();

		while ((unsigned)n < s->idle_count && n < SUBMIT_BATCH) {
			struct fg_request *r = &s->reqs[s->idle[s->idle_count - 1 - (unsigned)n]];

			if (!stream_prepare(s, r, resfd, p, pstate)) {
				more = false;
				break;
			}
			batch[n++] = &r->iocb;
		}
		while (done < n) {
			int rc = io_submit(ctx, n - done, batch + done);

			if (rc > 0) {
				for (int i = done; i < done + rc; i++)
					((struct fg_request *)batch[i]->data)->in_flight = true;
				/* The batch is the stack's top, in order: what went, leaves it. */
				s->idle_count -= (unsigned)rc;
				s->in_flight += (unsigned)rc;
				done += rc;
				continue;
			}
			if (rc == -EAGAIN || rc == -ESHUTDOWN)
				return 0;   /* disabled under us: the next ENABLE resumes */
			s->stats.submit_failures++;
			s->stats.ep.last_error = rc ? rc : -EIO;
			return s->stats.ep.last_error;
		}
	}
	return 0;
}

void fg_stream_observe(struct fg_stream *s, uint64_t now_ns)
{
	int64_t interval = (int64_t)s->info.interval_us * 1000;
	unsigned taken = s->taken_in_reap;
	int64_t deficit;

	s->taken_in_reap = 0;
	if (!interval)
		return;
	if (s->run_on && (s->run_generation != s->generation || !s->enabled))
		s->run_on = false;
	if (!s->run_on) {
		/* The host is polling from here on; what it took before is not in the run. */
		if (taken && s->enabled) {
			s->run_on = true;
			s->run_generation = s->generation;
			s->last_reap_ns = s->last_take_ns = now_ns;
			s->carry_ns = 0;
		}
		goto out;
	}
	deficit = (int64_t)(now_ns - s->last_reap_ns) - (int64_t)taken * interval;
	s->last_reap_ns = now_ns;
	if (taken) {
		uint64_t since = now_ns - s->last_take_ns;

		s->last_take_ns = now_ns;
		/*
		 * Still queued, and far fewer taken than intervals passed: the
		 * host resumed after a pause (a daemon that slept would find as
		 * many taken as intervals, or the ring dry).
		 */
		if (s->in_flight && since > FG_STREAM_PAUSE_NS + (uint64_t)taken * (uint64_t)interval) {
			s->carry_ns = 0;
			goto out;
		}
	} else if (s->in_flight && now_ns - s->last_take_ns > FG_STREAM_PAUSE_NS) {
		s->run_on = false;   /* queued, nothing taken that long: the host stopped */
		goto out;
	}
	if (s->in_flight) {
		/*
		 * Requests still queued: nothing was empty, as far as the daemon
		 * sees; what the bus took and f_fs has not completed yet (its
		 * completions run from a workqueue) shows in a later window.
		 */
		s->carry_ns += deficit;
	} else {
		s->idle_ns += s->carry_ns + deficit;
		s->carry_ns = 0;
	}
out:
	s->stats.ep.idle_intervals = s->idle_ns > 0 ? (uint64_t)((s->idle_ns + interval / 2) / interval) : 0;
}

unsigned fg_stream_cancel_in_flight(struct fg_stream *s, io_context_t ctx)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->depth; i++) {
		struct fg_request *r = &s->reqs[i];
		struct io_event ev;
		int rc;

		if (!r->in_flight)
			continue;
		/* -EINPROGRESS: cancelled, the completion follows through the ring. */
		rc = io_cancel(ctx, &r->iocb, &ev);
		if (rc == 0 || rc == -EINPROGRESS)
			n++;
	}
	return n;
}

void fg_stream_complete(struct fg_request *r, long res, const struct fg_personality *p,
			void *pstate)
{
	struct fg_stream *s = r->stream;

	r->in_flight = false;
	s->in_flight--;
	s->idle[s->idle_count++] = r->index;
	if (res >= 0 && s->path == FG_PATH_DMABUF && !s->in) {
		s->taken_in_reap++;
		s->stats.ep.transfers++;
		s->stats.lengthless++;
		return;
	}
	if (res >= 0) {
		s->taken_in_reap++;
		s->stats.ep.bytes += (uint64_t)res;
		s->stats.ep.transfers++;
		if ((size_t)res < r->len)
			s->stats.ep.short_transfers++;
		if (s->in) {
			if (p->complete_in)
				p->complete_in(pstate, &s->info, r->len, res);
		} else if (p->consume_out) {
			p->consume_out(pstate, &s->info, r->buf, (size_t)res);
		}
		return;
	}
	if (s->in && p->complete_in)
		p->complete_in(pstate, &s->info, r->len, res);
	/* Cancels took no interval on the bus; errors (-EXDEV, -EOVERFLOW) did. */
	if (res != -ESHUTDOWN && res != -ECONNRESET && res != -EAGAIN)
		s->taken_in_reap++;
	if (res == -ESHUTDOWN || res == -ECONNRESET) {
		/*
		 * DMABUF: the endpoint is being disabled, perhaps unbound, and a
		 * TRANSFER on an unbound function oopses (dmabuf.h): none until
		 * the next ENABLE.  AIO just gets -EAGAIN back.
		 */
		if (res == -ESHUTDOWN && s->path == FG_PATH_DMABUF)
			s->enabled = false;
		s->stats.cancelled++;
		return;
	}
	if (res == -EAGAIN) {
		/*
		 * The endpoint was disabled under us (the files are non-blocking;
		 * AIO reports that as a completion).  Resubmitting would spin until
		 * the DISABLE event is read: stay idle until the next ENABLE.
		 */
		s->enabled = false;
		s->stats.cancelled++;
		return;
	}
	s->stats.ep.errors++;
	s->stats.ep.last_error = (int)res;
}
