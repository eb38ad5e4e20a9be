/* SPDX-License-Identifier: MIT */
#include "ffs/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <systemd/sd-daemon.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sysfile.h"
#include "ffs/dmabuf.h"
#include "ffs/ep0.h"
#include "ffs/ffs_blobs.h"
#include "ffs/ffs_features.h"
#include "ffs/ffs_speed.h"
#include "ffs/realtime.h"
#include "ffs/stream.h"
#include "ffs/watch.h"

#define REAP_BATCH 64

/*
 * io_submit can be refused for a while (f_fs allocates each request's
 * buffer in the kernel: -ENOMEM on a fragmented board).  A ring that has
 * drained gets no completion to resubmit on, so a timer retries, backing
 * off from RETRY_FIRST_MS to RETRY_MAX_MS.
 */
#define RETRY_FIRST_MS 10
#define RETRY_MAX_MS 1000

/* The engine's own five sources, then the personality's. */
#define ENGINE_WATCHES (5 + FG_MAX_WATCHES)

struct fg_engine {
	const struct fg_model *model;
	const struct fg_personality *pers;
	void *pstate;
	const struct fg_engine_options *opt;

	int ep0_fd;
	int aio_fd;                 /* eventfd for AIO completions */
	int signal_fd;
	int timer_fd;
	int retry_fd;               /* one-shot: submit again after a refusal */
	unsigned retry_ms;          /* the armed or last delay; 0: no refusals */
	bool retry_armed;
	int epoll_fd;
	io_context_t aio;
	bool aio_ready;
	bool reaping;               /* inside engine_reap: a kick from a hook only submits */
	int udmabuf_fd;             /* /dev/udmabuf, opened at the first DMABUF attempt */
	bool dmabuf_tried;          /* since the last BIND: the next ENABLE attaches */

	struct fg_ep0 ep0;
	struct fg_stream streams[FG_MAX_ENDPOINTS];
	size_t stream_count;
	bool enabled;
	bool udc_speed_warned;      /* the UDC's speed was needed and not found */
	bool stats_on;
	bool stop;
	int fatal;                  /* negative errno that ended the loop */

	struct fg_watch watches[ENGINE_WATCHES];

	struct timespec started;
	struct timespec last_tick;
	uint64_t last_bytes[FG_MAX_ENDPOINTS];
};

static ssize_t ep0_fd_read(void *ctx, void *buf, size_t len)
{
	ssize_t n = read(*(int *)ctx, buf, len);
	return n < 0 ? -errno : n;
}

static ssize_t ep0_fd_write(void *ctx, const void *buf, size_t len)
{
	ssize_t n = write(*(int *)ctx, buf, len);
	return n < 0 ? -errno : n;
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static int write_blob(int fd, const struct fg_blob *b, const char *what, const char *path)
{
	ssize_t n = write(fd, b->data, b->len);

	if (n == (ssize_t)b->len)
		return 0;
	if (n >= 0) {
		fg_err("%s: short write of the %s (%zd of %zu bytes)", path, what, n, b->len);
		return -EIO;
	}
	n = -errno;
	fg_err("%s: the kernel refused the %s: %s%s", path, what, strerror((int)-n),
	       n == -EINVAL ? " (see dmesg: FunctionFS names the descriptor it rejects)" : "");
	return (int)n;
}

static int engine_write_blobs(struct fg_engine *e, const char *ep0_path)
{
	struct fg_blob descs = { 0 }, strs = { 0 };
	int rc;

	rc = ffs_build_descriptors(e->model, -1, &descs);
	if (rc == 0)
		rc = ffs_build_strings(e->model, &strs);
	if (rc == 0) {
		uint8_t dfu_iface;

		rc = write_blob(e->ep0_fd, &descs, "descriptors", ep0_path);
		if (rc == -EINVAL && fg_model_dfu_alt(e->model, &dfu_iface))
			fg_err("%s: interface %u is DFU: FunctionFS takes the DFU functional "
			       "descriptor from Linux %d.%d on; this kernel refused it", ep0_path,
			       dfu_iface, FG_FFS_DFU_MAJOR, FG_FFS_DFU_MINOR);
	}
	if (rc == 0)
		rc = write_blob(e->ep0_fd, &strs, "strings", ep0_path);
	fg_blob_free(&descs);
	fg_blob_free(&strs);
	return rc;
}

static int engine_open_endpoints(struct fg_engine *e)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < e->model->endpoint_count; i++) {
		const struct fg_endpoint *ep = &e->model->endpoints[i];
		int fd, rc;

		snprintf(path, sizeof(path), "%s/ep%zu", e->opt->mount, i + 1);
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			fg_err("%s (endpoint '%s'): %s", path, ep->name, strerror(errno));
			return rc;
		}
		rc = fg_stream_init(&e->streams[i], fd, ep, i);
		if (rc < 0) {
			close(fd);
			return rc;
		}
		e->stream_count = i + 1;
	}
	return 0;
}

/*
 * Which of the model's speeds the kernel enabled: FunctionFS hands out the
 * descriptor in use, not the speed, so find the speed whose descriptor it is.
 * High- and super-speed descriptors are often the same while their
 * companions differ (burst, iso Mult): there the UDC's current speed (udc,
 * or -1 when unknown) decides.
 */
static bool descriptor_is_speeds(const struct fg_endpoint *ep, enum fg_speed_index sp,
				 uint16_t wmaxpacket, uint8_t interval)
{
	return ep->maxpacket[sp] == (wmaxpacket & 0x7ff) &&
	       (ep->type == FG_EP_BULK || ep->interval[sp] == interval);
}

static enum fg_speed_index speed_of_descriptor(const struct fg_endpoint *ep, uint16_t wmaxpacket,
					       uint8_t interval, int udc)
{
	static const enum fg_speed_index order[] = { FG_HS, FG_SS, FG_FS };

	if (udc >= 0 && descriptor_is_speeds(ep, (enum fg_speed_index)udc, wmaxpacket, interval))
		return (enum fg_speed_index)udc;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (descriptor_is_speeds(ep, order[i], wmaxpacket, interval))
			return order[i];
	return FG_HS;
}

/*
 * What the host's configuration gave the endpoint at the speed it runs at,
 * and the address the UDC assigned; true when that address is new.
 */
static bool stream_learn_speed(struct fg_stream *s, int udc_speed)
{
	const struct fg_endpoint *ep = s->info.desc;
	struct usb_endpoint_descriptor d;
	size_t per_interval;

	memset(&d, 0, sizeof(d));
	bool moved = false;

	if (ioctl(s->fd, FUNCTIONFS_ENDPOINT_DESC, &d) < 0) {
		fg_dbg("endpoint '%s': FUNCTIONFS_ENDPOINT_DESC: %s", ep->name, strerror(errno));
		return false;
	}
	if (d.bEndpointAddress != s->bus_address) {
		moved = true;
		s->bus_address = d.bEndpointAddress;
		if (d.bEndpointAddress != ep->address)
			fg_info("endpoint '%s': the UDC assigned 0x%02x; the description asks for "
				"0x%02x, which the host does not see", ep->name, d.bEndpointAddress,
				ep->address);
	}
	uint16_t w = le16toh(d.wMaxPacketSize);
	s->info.address = d.bEndpointAddress;
	s->info.speed = speed_of_descriptor(ep, w, d.bInterval, udc_speed);
	s->info.maxpacket = w & 0x7ff;
	s->info.mult = 1;
	if (ep->type != FG_EP_BULK && (w >> 11) & 3)
		s->info.mult = (uint8_t)(((w >> 11) & 3) + 1);
	else if (ep->type == FG_EP_ISO && s->info.speed == FG_SS)
		s->info.mult = ep->mult ? ep->mult : 1;
	s->info.transfer_size = s->buffer_size;
	s->info.interval_us = 0;
	if (ep->type != FG_EP_BULK && d.bInterval) {
		unsigned b = d.bInterval > 16 ? 16 : d.bInterval;

		/* Full-speed interrupt: frames; otherwise 2^(b-1) frames or microframes. */
		if (s->info.speed == FG_FS && ep->type == FG_EP_INT)
			s->info.interval_us = 1000u * d.bInterval;
		else
			s->info.interval_us = (s->info.speed == FG_FS ? 1000u : 125u) << (b - 1);
	}
	if (ep->type == FG_EP_ISO) {
		per_interval = (size_t)s->info.maxpacket * s->info.mult;
		if (s->info.speed == FG_SS)
			per_interval *= ep->burst ? ep->burst : 1;
		if (per_interval && per_interval < s->buffer_size)
			s->info.transfer_size = per_interval;
	}
	return moved;
}

static void on_dmabuf_ready(void *request, int fd);
static int engine_write_ready(struct fg_engine *e);

/*
 * At the first ENABLE after a BIND (ATTACH needs a bound gadget), with
 * --dmabuf: each eligible stream attaches its buffers (again, after an
 * earlier bind), or stays on AIO.
 * Either way the log says which path each endpoint took and why.
 */
static void engine_try_dmabuf(struct fg_engine *e)
{
	int open_err = 0;
	bool changed = false;

	if (!e->opt->dmabuf || e->dmabuf_tried)
		return;
	e->dmabuf_tried = true;
	for (size_t i = 0; i < e->stream_count; i++) {
		struct fg_stream *s = &e->streams[i];
		const char *not = fg_stream_dmabuf_ineligible(e->pers, s->info.desc);
		const char *why;
		bool expected;
		int rc;

		/*
		 * Attached at an earlier bind, perhaps to another UDC (an
		 * attachment names the UDC's device): attach again.  Only now,
		 * bound: 6.12's f_fs dereferences the gadget in DETACH, which
		 * oopses while unbound (seen in the VM).
		 */
		if (s->path == FG_PATH_DMABUF)
			fg_stream_dmabuf_detach(s, e->pers, e->pstate);
		if (not) {
			fg_info("endpoint '%s': AIO (DMABUF: %s)", s->info.desc->name, not);
			continue;
		}
		/* The kernel first: a kernel without DMABUF may lack udmabuf too (6.1). */
		rc = fg_dmabuf_probe(s->fd);
		if (rc == 0 && e->udmabuf_fd < 0 && !open_err) {
			e->udmabuf_fd = open(FG_UDMABUF_DEV, O_RDWR | O_CLOEXEC);
			if (e->udmabuf_fd < 0)
				open_err = -errno;
		}
		if (rc == 0)
			rc = open_err ? open_err :
			     fg_stream_dmabuf_attach(s, e->udmabuf_fd, e->epoll_fd, e,
						     on_dmabuf_ready);
		if (rc == 0) {
			changed = true;
			fg_info("endpoint '%s': DMABUF (%u udmabuf buffers of %zu bytes attached)",
				s->info.desc->name, s->depth, s->buffer_size);
			continue;
		}
		why = fg_dmabuf_refusal(rc, &expected);
		if (expected)
			fg_info("endpoint '%s': AIO (DMABUF refused: %s)", s->info.desc->name, why);
		else
			fg_warn("endpoint '%s': AIO (DMABUF refused: %s)", s->info.desc->name, why);
	}
	if (changed && e->opt->ready_file)
		(void)engine_write_ready(e);
}

static void engine_arm_retry(struct fg_engine *e)
{
	struct itimerspec it = { 0 };
	unsigned ms;

	if (e->retry_armed)
		return;
	ms = e->retry_ms ? e->retry_ms * 2 : RETRY_FIRST_MS;
	if (ms > RETRY_MAX_MS)
		ms = RETRY_MAX_MS;
	it.it_value = fg_timespec_ms(ms);
	if (timerfd_settime(e->retry_fd, 0, &it, NULL) < 0) {
		fg_warn("retry timer: %s", strerror(errno));
		return;
	}
	e->retry_ms = ms;
	e->retry_armed = true;
}

/* Reports the start and the end of a run of refusals, once each. */
static void engine_note_submit(struct fg_stream *s, int rc)
{
	if (rc < 0 && !s->refused_since) {
		s->refused_since = s->stats.submit_failures;
		fg_warn("endpoint '%s': submit refused: %s; retrying", s->info.desc->name,
			strerror(-rc));
	} else if (rc == 0 && s->refused_since && s->in_flight) {
		fg_info("endpoint '%s': submitting again after %" PRIu64 " refusals",
			s->info.desc->name, s->stats.submit_failures - s->refused_since + 1);
		s->refused_since = 0;
	}
}

static void engine_submit_all(struct fg_engine *e)
{
	bool refused = false;

	for (size_t i = 0; i < e->stream_count; i++) {
		struct fg_stream *s = &e->streams[i];
		int rc = s->path == FG_PATH_DMABUF ?
			 fg_stream_dmabuf_submit_idle(s, e->pers, e->pstate) :
			 fg_stream_submit_idle(s, e->aio, e->aio_fd, e->pers, e->pstate);

		engine_note_submit(s, rc);
		refused |= rc < 0;
	}
	if (refused)
		engine_arm_retry(e);
	else if (!e->retry_armed)
		e->retry_ms = 0;
}

/*
 * Whether an endpoint's high- and super-speed descriptors are the same
 * while its super-speed interval carries more (burst, iso Mult): only then
 * does the descriptor leave the speed, and the request size, open.
 */
static bool model_needs_udc_speed(const struct fg_model *m)
{
	if (!(m->speeds & FG_SPEED_SUPER) || !(m->speeds & FG_SPEED_HIGH))
		return false;
	for (size_t i = 0; i < m->endpoint_count; i++) {
		const struct fg_endpoint *ep = &m->endpoints[i];

		if (ep->type == FG_EP_BULK || ep->maxpacket[FG_HS] != ep->maxpacket[FG_SS] ||
		    ep->interval[FG_HS] != ep->interval[FG_SS])
			continue;
		if (ep->burst > 1 || (ep->type == FG_EP_ISO && ep->mult > 1))
			return true;
	}
	return false;
}

/* The UDC's current speed, or -1 where the descriptors tell it alone. */
static int engine_udc_speed(struct fg_engine *e)
{
	enum fg_speed_index sp;
	int rc;

	if (!model_needs_udc_speed(e->model))
		return -1;
	rc = fg_ffs_current_speed(&fg_speed_paths_system, e->opt->mount, &sp);
	if (rc < 0) {
		/* At super speed the requests would carry too little: say so, once. */
		if (!e->udc_speed_warned)
			fg_warn("%s: cannot tell high from super speed (no UDC found for this "
				"FunctionFS mount: %s): requests sized for high speed",
				e->opt->mount, strerror(-rc));
		e->udc_speed_warned = true;
		return -1;
	}
	return (int)sp;
}

static int engine_write_ready(struct fg_engine *e);

static void engine_enable(struct fg_engine *e)
{
	int udc_speed = engine_udc_speed(e);
	bool moved = false;

	engine_try_dmabuf(e);

	for (size_t i = 0; i < e->stream_count; i++) {
		struct fg_stream *s = &e->streams[i];

		moved |= stream_learn_speed(s, udc_speed);
		s->enabled = true;
		s->generation++;
		if (s->info.desc->type == FG_EP_ISO && s->in_flight) {
			unsigned n = fg_stream_cancel_in_flight(s, e->aio);

			fg_dbg("endpoint '%s': %u of %u requests filled before this ENABLE "
			       "cancelled", s->info.desc->name, n, s->in_flight);
		}
	}
	if (moved && e->opt->ready_file)
		(void)engine_write_ready(e);
	if (!e->enabled)
		fg_info("enabled by the host");
	e->enabled = true;
	if (e->pers->enable)
		e->pers->enable(e->pstate);
	engine_submit_all(e);
}

static void engine_disable(struct fg_engine *e, const char *why)
{
	/* In-flight requests come back with -ESHUTDOWN; they stay idle until ENABLE. */
	for (size_t i = 0; i < e->stream_count; i++)
		e->streams[i].enabled = false;
	if (e->enabled) {
		fg_info("%s", why);
		if (e->pers->disable)
			e->pers->disable(e->pstate);
	}
	e->enabled = false;
}

static void engine_handle_event(struct fg_engine *e, enum fg_ep0_event ev)
{
	switch (ev) {
	case FG_EV_BIND:
		fg_info("bound to a UDC");
		e->dmabuf_tried = false;
		break;
	case FG_EV_UNBIND:
		engine_disable(e, "unbound from the UDC");
		/* Attachments stay (no DETACH while unbound): the next ENABLE renews them. */
		e->dmabuf_tried = false;
		break;
	case FG_EV_ENABLE:
		engine_enable(e);
		break;
	case FG_EV_DISABLE:
		engine_disable(e, "disabled by the host");
		break;
	case FG_EV_SUSPEND:
		fg_dbg("suspended");
		break;
	case FG_EV_RESUME:
		fg_dbg("resumed");
		break;
	}
}

static void engine_on_ep0_event(void *ctx, enum fg_ep0_event ev)
{
	struct fg_engine *e = ctx;

	engine_handle_event(e, ev);
	if (e->pers->event)
		e->pers->event(e->pstate, ev);
}

static void engine_reap(struct fg_engine *e)
{
	struct io_event events[REAP_BATCH];
	struct timespec no_wait = { 0, 0 };
	uint64_t signalled, now = 0;

	e->reaping = true;
	/* The count only wakes us: reaping continues until the queue is empty. */
	if (read(e->aio_fd, &signalled, sizeof(signalled)) < 0 && errno != EAGAIN)
		fg_dbg("aio eventfd: %s", strerror(errno));
	for (;;) {
		int n = io_getevents(e->aio, 0, REAP_BATCH, events, &no_wait);

		if (n < 0) {
			if (n != -EINTR)
				fg_warn("io_getevents: %s", strerror(-n));
			break;
		}
		for (int i = 0; i < n; i++)
			fg_stream_complete(events[i].data, (long)events[i].res, e->pers, e->pstate);
		if (n < REAP_BATCH)
			break;
	}
	e->reaping = false;
	for (size_t i = 0; i < e->stream_count; i++) {
		if (e->streams[i].info.desc->type != FG_EP_ISO)
			continue;
		if (!now)
			now = fg_now_ns();
		fg_stream_observe(&e->streams[i], now);
	}
	engine_submit_all(e);
}

static void print_stream_stats(const struct fg_stream *s, double mbps, FILE *out)
{
	const struct fg_ep_counters *st = &s->stats.ep;

	fprintf(out, " %s", s->info.desc->name);
	if (s->bus_address && s->bus_address != s->info.desc->address)
		fprintf(out, " (0x%02x on the bus, 0x%02x described)", s->bus_address,
			s->info.desc->address);
	if (s->path == FG_PATH_DMABUF)
		fprintf(out, " [dmabuf]");
	fprintf(out, " %.1f MB/s %" PRIu64 " xfers", mbps, st->transfers);
	if (s->stats.lengthless)
		fprintf(out, " (%" PRIu64 " of unknown length: DMABUF OUT)", s->stats.lengthless);
	if (st->short_transfers)
		fprintf(out, " %" PRIu64 " short", st->short_transfers);
	if (st->errors)
		fprintf(out, " %" PRIu64 " errors (last: %s)", st->errors, strerror(-st->last_error));
	if (s->stats.submit_failures)
		fprintf(out, " %" PRIu64 " submit failures", s->stats.submit_failures);
	if (st->idle_intervals)
		fprintf(out, " %" PRIu64 " idle intervals", st->idle_intervals);
}

/*
 * One line of figures: "stats" every interval, with rates over that
 * interval; "summary" at exit, with rates over the whole run and totals.
 */
static void engine_print_figures(struct fg_engine *e, bool summary)
{
	struct timespec now;
	double dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = seconds_between(summary ? &e->started : &e->last_tick, &now);
	if (dt <= 0)
		dt = 1e-9;
	printf("%s %.1fs:", summary ? "summary" : "stats", seconds_between(&e->started, &now));
	for (size_t i = 0; i < e->stream_count; i++) {
		const struct fg_stream *s = &e->streams[i];
		uint64_t since = summary ? 0 : e->last_bytes[i];

		print_stream_stats(s, (double)(s->stats.ep.bytes - since) / dt / 1e6, stdout);
		if (summary)
			printf(" %" PRIu64 " bytes %" PRIu64 " cancelled", s->stats.ep.bytes,
			       s->stats.cancelled);
		printf(" |");
		e->last_bytes[i] = s->stats.ep.bytes;
	}
	printf(" ep0 %lu setups %lu stalls", e->ep0.stats.setups, e->ep0.stats.stalls);
	if (summary)
		printf(" %lu cancelled %lu errors", e->ep0.stats.cancelled, e->ep0.stats.io_errors);
	if (e->pers->report)
		e->pers->report(e->pstate, stdout);
	printf("\n");
	fflush(stdout);
	e->last_tick = now;
}

static void engine_on_timer(struct fg_engine *e);

int fg_engine_watch(struct fg_engine *e, int fd, void (*ready)(void *ctx, int fd), void *ctx)
{
	for (size_t i = 0; i < ENGINE_WATCHES; i++) {
		struct fg_watch *w = &e->watches[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

		if (w->ready)
			continue;
		if (epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
			return -errno;
		w->fd = fd;
		w->ready = ready;
		w->ctx = ctx;
		return 0;
	}
	return -ENOSPC;
}

void fg_engine_unwatch(struct fg_engine *e, int fd)
{
	for (size_t i = 0; i < ENGINE_WATCHES; i++) {
		struct fg_watch *w = &e->watches[i];

		if (w->ready && w->fd == fd) {
			epoll_ctl(e->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
			memset(w, 0, sizeof(*w));
			w->fd = -1;
		}
	}
}

/*
 * Completions first: a request the kernel has finished but the loop has
 * not reaped yet still counts as in flight, and submitting past it would
 * hide the time the ring stood empty (a throttled source's timer and the
 * completion it follows are often ready in the same wake-up).
 */
void fg_engine_kick(struct fg_engine *e)
{
	if (e->aio_ready && !e->reaping)
		engine_reap(e);
	else
		engine_submit_all(e);
}

const struct fg_ep_info *fg_engine_endpoint(const struct fg_engine *e, size_t index)
{
	return index < e->stream_count ? &e->streams[index].info : NULL;
}

void fg_engine_request_stop(struct fg_engine *e)
{
	e->stop = true;
}

int fg_engine_counters(const struct fg_engine *e, size_t index, struct fg_ep_counters *c)
{
	if (index >= e->stream_count)
		return -ENOENT;
	*c = e->streams[index].stats.ep;
	return 0;
}

/*
 * While a SETUP is deferred ep0 stays readable (f_fs reports a pending
 * SETUP as readable and writable) and must not be read: stop watching it
 * until the answer, or the level-triggered loop would spin.
 */
static void engine_watch_ep0(struct fg_engine *e, bool on)
{
	for (size_t i = 0; i < ENGINE_WATCHES; i++) {
		struct fg_watch *w = &e->watches[i];
		struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.ptr = w };

		if (w->ready && w->fd == e->ep0_fd) {
			if (epoll_ctl(e->epoll_fd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
				fg_warn("ep0 watch: %s", strerror(errno));
			return;
		}
	}
}

static void on_ep0_ready(void *ctx, int fd)
{
	struct fg_engine *e = ctx;
	int rc;

	(void)fd;
	rc = fg_ep0_service(&e->ep0);
	if (rc < 0) {
		fg_err("%s/ep0: %s", e->opt->mount, strerror(-rc));
		e->fatal = rc;
		e->stop = true;
		return;
	}
	if (e->ep0.deferred)
		engine_watch_ep0(e, false);
}

int fg_engine_answer_setup(struct fg_engine *e, const void *reply, int len)
{
	int rc = fg_ep0_answer_deferred(&e->ep0, reply, len);

	if (rc == 0)
		engine_watch_ep0(e, true);
	return rc;
}

void fg_engine_hold(struct fg_engine *e, size_t index, bool hold)
{
	if (index >= e->stream_count || e->streams[index].held == hold)
		return;
	e->streams[index].held = hold;
	if (!hold)
		engine_submit_all(e);
}

int fg_engine_speed(const struct fg_engine *e)
{
	if (!e->enabled || e->stream_count == 0)
		return -1;
	return (int)e->streams[0].info.speed;
}

static void on_dmabuf_ready(void *request, int fd)
{
	struct fg_request *r = request;
	struct fg_engine *e = r->stream->owner;

	(void)fd;
	if (fg_stream_dmabuf_complete(r, e->pers, e->pstate) == 0)
		engine_submit_all(e);
}

static void on_aio_ready(void *ctx, int fd)
{
	(void)fd;
	engine_reap(ctx);
}

static void on_signal(void *ctx, int fd)
{
	struct fg_engine *e = ctx;
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) == sizeof(si))
		fg_info("signal %u: stopping", si.ssi_signo);
	e->stop = true;
}

static void on_retry(void *ctx, int fd)
{
	struct fg_engine *e = ctx;
	uint64_t expirations;

	if (read(fd, &expirations, sizeof(expirations)) < 0)
		return;
	e->retry_armed = false;
	engine_submit_all(e);
}

static void on_timer(void *ctx, int fd)
{
	(void)fd;
	engine_on_timer(ctx);
}

static int engine_setup_loop(struct fg_engine *e)
{
	sigset_t mask;
	unsigned total_depth = 0;
	int rc;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	e->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	e->aio_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	e->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	e->retry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	e->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (e->signal_fd < 0 || e->aio_fd < 0 || e->timer_fd < 0 || e->retry_fd < 0 ||
	    e->epoll_fd < 0)
		return -errno;

	for (size_t i = 0; i < e->stream_count; i++)
		total_depth += e->streams[i].depth;
	rc = io_setup((int)(total_depth ? total_depth : 1), &e->aio);
	if (rc < 0) {
		fg_err("io_setup(%u): %s", total_depth, strerror(-rc));
		return rc;
	}
	e->aio_ready = true;

	if (e->stats_on || e->opt->run_seconds) {
		unsigned ms = e->opt->stats_interval_ms ? e->opt->stats_interval_ms : 1000;
		struct itimerspec it = {
			.it_interval = fg_timespec_ms(ms),
			.it_value = fg_timespec_ms(ms),
		};
		if (timerfd_settime(e->timer_fd, 0, &it, NULL) < 0)
			return -errno;
	}
	if ((rc = fg_engine_watch(e, e->ep0_fd, on_ep0_ready, e)) < 0 ||
	    (rc = fg_engine_watch(e, e->aio_fd, on_aio_ready, e)) < 0 ||
	    (rc = fg_engine_watch(e, e->signal_fd, on_signal, e)) < 0 ||
	    (rc = fg_engine_watch(e, e->timer_fd, on_timer, e)) < 0 ||
	    (rc = fg_engine_watch(e, e->retry_fd, on_retry, e)) < 0)
		return rc;
	return 0;
}

static void engine_on_timer(struct fg_engine *e)
{
	uint64_t ticks;
	struct timespec now;

	if (read(e->timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	if (e->stats_on)
		engine_print_figures(e, false);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (e->opt->run_seconds && seconds_between(&e->started, &now) >= e->opt->run_seconds)
		e->stop = true;
}

static int engine_loop(struct fg_engine *e)
{
	while (!e->stop) {
		struct epoll_event evs[ENGINE_WATCHES];
		int n = epoll_wait(e->epoll_fd, evs, ENGINE_WATCHES, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !e->stop; i++) {
			struct fg_watch *w = evs[i].data.ptr;

			/* A callback earlier in this batch may have unwatched it. */
			if (w->ready)
				w->ready(w->ctx, w->fd);
		}
	}
	return e->fatal;
}

/* The ready file (engine.h): the PID, then each endpoint the UDC gave an address. */
static int engine_write_ready(struct fg_engine *e)
{
	char text[64 + FG_MAX_ENDPOINTS * (FG_NAME_MAX + 32)];
	size_t n = (size_t)snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	int rc;

	for (size_t i = 0; i < e->stream_count && n < sizeof(text); i++)
		if (e->streams[i].bus_address)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "endpoint %s 0x%02x 0x%02x%s\n",
					      e->streams[i].info.desc->name,
					      e->streams[i].info.desc->address,
					      e->streams[i].bus_address,
					      !e->opt->dmabuf ? "" :
					      e->streams[i].path == FG_PATH_DMABUF ? " dmabuf" : " aio");
	rc = fg_write_text(e->opt->ready_file, text);
	if (rc < 0)
		fg_err("%s: %s", e->opt->ready_file, strerror(-rc));
	return rc;
}

static int engine_mark_ready(struct fg_engine *e)
{
	fg_info("descriptors accepted by %s: %zu interface(s), %zu endpoint(s); ready",
		e->opt->mount, e->model->interface_count, e->model->endpoint_count);
	/* Under systemd (Type=notify): a no-op without NOTIFY_SOCKET. */
	sd_notifyf(0, "READY=1\nSTATUS=serving %s on %s", e->model->name, e->opt->mount);
	if (!e->opt->ready_file)
		return 0;
	return engine_write_ready(e);
}

static void engine_close(struct fg_engine *e)
{
	/* io_destroy cancels what is in flight and waits: buffers are free after it. */
	if (e->aio_ready)
		io_destroy(e->aio);
	for (size_t i = 0; i < e->stream_count; i++) {
		close(e->streams[i].fd);
		fg_stream_release(&e->streams[i]);
	}
	fg_ep0_release(&e->ep0);
	int fds[] = { e->epoll_fd, e->timer_fd, e->retry_fd, e->signal_fd, e->aio_fd, e->ep0_fd,
		      e->udmabuf_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (e->opt->ready_file)
		unlink(e->opt->ready_file);
}

int fg_engine_run(const struct fg_model *m, const struct fg_personality *p, void *pstate,
		  const struct fg_engine_options *o)
{
	struct fg_engine e = {
		.model = m, .pers = p, .pstate = pstate, .opt = o,
		.ep0_fd = -1, .aio_fd = -1, .signal_fd = -1, .timer_fd = -1, .retry_fd = -1,
		.epoll_fd = -1, .udmabuf_fd = -1,
	};
	struct fg_ep0_io io = { ep0_fd_read, ep0_fd_write, &e.ep0_fd };
	char ep0_path[PATH_MAX];
	int rc;

	e.stats_on = o->stats == FG_STATS_ON || (o->stats == FG_STATS_AUTO && isatty(1));
	snprintf(ep0_path, sizeof(ep0_path), "%s/ep0", o->mount);
	e.ep0_fd = open(ep0_path, O_RDWR | O_CLOEXEC);
	if (e.ep0_fd < 0) {
		rc = -errno;
		fg_err("%s: %s%s", ep0_path, strerror(errno),
		       errno == ENOENT ? " (is FunctionFS mounted there?)" : "");
		return rc;
	}
	rc = fg_ep0_init(&e.ep0, &io, p, pstate, engine_on_ep0_event, &e);
	if (rc < 0)
		goto out;
	rc = engine_write_blobs(&e, ep0_path);
	if (rc < 0)
		goto out;
	/* ep0 turns non-blocking only now: the blob writes must complete. */
	if (fcntl(e.ep0_fd, F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		goto out;
	}
	rc = engine_open_endpoints(&e);
	if (rc < 0)
		goto out;
	rc = engine_setup_loop(&e);
	if (rc < 0) {
		fg_err("event loop set-up: %s", strerror(-rc));
		goto out;
	}
	/* After the buffers are allocated and zeroed, before the host can stream. */
	if (o->realtime && (o->realtime->policy != FG_RT_OFF || o->realtime->cpu >= 0 ||
			    o->realtime->lock_memory)) {
		char what[160];

		rc = fg_rt_apply(o->realtime, &fg_rt_system_ops, what, sizeof(what));
		if (rc < 0)
			goto out;
		fg_info("realtime: %s", what);
	}
	clock_gettime(CLOCK_MONOTONIC, &e.started);
	e.last_tick = e.started;
	rc = engine_mark_ready(&e);
	if (rc < 0)
		goto out;
	if (p->start) {
		rc = p->start(pstate, &e);
		if (rc < 0) {
			fg_err("personality '%s' failed to start: %s", p->name, strerror(-rc));
			goto out;
		}
	}
	rc = engine_loop(&e);
	if (p->stop)
		p->stop(pstate);
	engine_print_figures(&e, true);
out:
	engine_close(&e);
	return rc;
}
