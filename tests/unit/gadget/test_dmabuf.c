/* SPDX-License-Identifier: MIT */
/*
 * The DMABUF path's decisions without a kernel that has it
 * (gadget/ffs/dmabuf.c, stream_dmabuf.c): which endpoints may take it, what
 * each refusal means, and that a refused attach leaves the stream on AIO
 * exactly as it was, holding no file descriptor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cmocka.h>

#include "ffs/dmabuf.h"
#include "ffs/stream.h"

static const struct fg_personality sink = { .name = "sink", .dmabuf = true };
static const struct fg_personality reader = { .name = "reader" };

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void eligibility(void **state)
{
	struct fg_endpoint ep = { .type = FG_EP_BULK, .address = 0x81 };

	(void)state;
	assert_null(fg_stream_dmabuf_ineligible(&sink, &ep));
	assert_non_null(fg_stream_dmabuf_ineligible(&reader, &ep));
	ep.type = FG_EP_ISO;
	assert_string_equal(fg_stream_dmabuf_ineligible(&sink, &ep), "bulk endpoints only");
	ep.type = FG_EP_INT;
	assert_string_equal(fg_stream_dmabuf_ineligible(&sink, &ep), "bulk endpoints only");
}

/* What a kernel or UDC without DMABUF says is expected; anything else warns. */
static void refusals(void **state)
{
	bool expected;

	(void)state;
	assert_non_null(strstr(fg_dmabuf_refusal(-ENOTTY, &expected), "6.9"));
	assert_true(expected);
	assert_non_null(strstr(fg_dmabuf_refusal(-EPERM, &expected), "sg_supported"));
	assert_true(expected);
	assert_non_null(strstr(fg_dmabuf_refusal(-ENOENT, &expected), "/dev/udmabuf"));
	assert_true(expected);
	assert_non_null(strstr(fg_dmabuf_refusal(-EACCES, &expected), "udev"));
	assert_false(expected);
	assert_string_equal(fg_dmabuf_refusal(-EIO, &expected), strerror(EIO));
	assert_false(expected);
}

static void udc_notes(void **state)
{
	(void)state;
	assert_non_null(strstr(fg_dmabuf_udc_note("dwc3"), "should attach"));
	assert_non_null(strstr(fg_dmabuf_udc_note("dwc2"), "descriptor DMA"));
	assert_non_null(strstr(fg_dmabuf_udc_note("dummy_udc"), "test patch"));
	assert_non_null(strstr(fg_dmabuf_udc_note(""), "not visible"));
}

/*
 * /dev/null stands for a udmabuf device that refuses UDMABUF_CREATE
 * (-ENOTTY, as any non-udmabuf file does): the memfds made for the
 * buffers are closed again, the requests keep their AIO buffers, and the
 * stream stays on AIO.
 */
static void refused_attach_leaves_aio(void **state)
{
	struct fg_endpoint ep = {
		.type = FG_EP_BULK, .address = 0x81, .queue_depth = 4, .buffer_size = 16384,
	};
	struct fg_stream s;
	uint8_t *bufs[4];
	unsigned before;
	int null_fd, epfd, rc;

	(void)state;
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	assert_true(null_fd >= 0 && epfd >= 0);
	/* A file that knows no DMABUF ioctl reads as a kernel without them. */
	assert_int_equal(fg_dmabuf_probe(null_fd), -ENOTTY);
	assert_int_equal(fg_stream_init(&s, -1, &ep, 0), 0);
	for (unsigned i = 0; i < s.depth; i++)
		bufs[i] = s.reqs[i].buf;
	before = open_fds();
	rc = fg_stream_dmabuf_attach(&s, null_fd, epfd, NULL, NULL);
	assert_int_equal(rc, -ENOTTY);
	assert_int_equal(s.path, FG_PATH_AIO);
	assert_int_equal(open_fds(), before);
	for (unsigned i = 0; i < s.depth; i++) {
		assert_ptr_equal(s.reqs[i].buf, bufs[i]);
		assert_null(s.reqs[i].dmabuf.map);
		assert_int_equal(s.reqs[i].dmabuf.fd, -1);
		assert_int_equal(s.reqs[i].dmabuf.memfd, -1);
		assert_null(s.reqs[i].watch.ready);
	}
	/* Detaching a stream that never attached changes nothing. */
	fg_stream_dmabuf_detach(&s, &sink, NULL);
	assert_int_equal(s.path, FG_PATH_AIO);
	assert_ptr_equal(s.reqs[0].buf, bufs[0]);
	fg_stream_release(&s);
	close(epfd);
	close(null_fd);
}

/* A stream with requests in flight (AIO) does not switch under them. */
static void busy_stream_is_not_switched(void **state)
{
	struct fg_endpoint ep = { .type = FG_EP_BULK, .address = 0x01, .queue_depth = 2,
				  .buffer_size = 1024 };
	struct fg_stream s;

	(void)state;
	assert_int_equal(fg_stream_init(&s, -1, &ep, 0), 0);
	s.in_flight = 1;
	assert_int_equal(fg_stream_dmabuf_attach(&s, -1, -1, NULL, NULL), -EBUSY);
	assert_int_equal(s.path, FG_PATH_AIO);
	s.in_flight = 0;
	fg_stream_release(&s);
}

/* A buffer that was never made holds nothing: release and detach are no-ops. */
static void cleared_buffer(void **state)
{
	struct fg_dmabuf b;

	(void)state;
	fg_dmabuf_clear(&b);
	assert_int_equal(fg_dmabuf_detach(-1, &b), 0);
	fg_dmabuf_release(&b);
	assert_int_equal(b.fd, -1);
	assert_int_equal(b.memfd, -1);
	assert_int_equal(fg_dmabuf_create(-1, 0, &b), -EINVAL);
	assert_int_equal(b.fd, -1);
}

/*
 * A DMABUF OUT completion carries no length: a transfer is counted, no
 * bytes, and the personality is not handed stale data.
 */
static unsigned consumed;
static void count_out(void *st, const struct fg_ep_info *ep, const uint8_t *buf, size_t len)
{
	(void)st;
	(void)ep;
	(void)buf;
	(void)len;
	consumed++;
}

/* One enabled stream of one request, in flight on PATH. */
static void one_request_in_flight(struct fg_stream *s, struct fg_request *r,
				  const struct fg_endpoint *ep, unsigned *idle,
				  enum fg_stream_path path)
{
	memset(s, 0, sizeof(*s));
	memset(r, 0, sizeof(*r));
	s->info.desc = ep;
	s->depth = 1;
	s->reqs = r;
	s->idle = idle;
	s->in_flight = 1;
	s->enabled = true;
	s->path = path;
	r->stream = s;
	r->in_flight = true;
	r->sync_fd = -1;
}

static void out_completion_is_lengthless(void **state)
{
	static const struct fg_personality counting = { .name = "c", .consume_out = count_out,
							.dmabuf = true };
	struct fg_endpoint ep = { .type = FG_EP_BULK, .address = 0x01 };
	struct fg_request r;
	struct fg_stream s;
	unsigned idle[1];
	uint8_t buf[64];

	(void)state;
	one_request_in_flight(&s, &r, &ep, idle, FG_PATH_DMABUF);
	r.buf = buf;
	r.len = sizeof(buf);
	consumed = 0;
	/* No sync_file (the export failed): the fence's signal reads as success. */
	assert_int_equal(fg_stream_dmabuf_complete(&r, &counting, NULL), 0);
	assert_false(r.in_flight);
	assert_int_equal(s.idle_count, 1);
	assert_int_equal(s.stats.ep.transfers, 1);
	assert_int_equal(s.stats.lengthless, 1);
	assert_int_equal(s.stats.ep.bytes, 0);
	assert_int_equal(consumed, 0);
	/* A stale wakeup for a request already completed changes nothing. */
	assert_int_equal(fg_stream_dmabuf_complete(&r, &counting, NULL), 0);
	assert_int_equal(s.stats.ep.transfers, 1);
	/* The same completion on AIO hands the data over. */
	s.path = FG_PATH_AIO;
	s.idle_count = 0;
	s.in_flight = 1;
	r.in_flight = true;
	fg_stream_complete(&r, 10, &counting, NULL);
	assert_int_equal(consumed, 1);
	assert_int_equal(s.stats.ep.bytes, 10);
}

/*
 * A DMABUF transfer completing with -ESHUTDOWN (the endpoint disabled,
 * perhaps unbound) stops the stream until ENABLE: a TRANSFER on an unbound
 * function oopses in 6.12.  On AIO the stream stays enabled (io_submit
 * just gets -EAGAIN).
 */
static void shutdown_stops_dmabuf_stream(void **state)
{
	struct fg_endpoint ep = { .type = FG_EP_BULK, .address = 0x81 };
	struct fg_request r;
	struct fg_stream s;
	unsigned idle[1];

	(void)state;
	for (int path = FG_PATH_AIO; path <= FG_PATH_DMABUF; path++) {
		one_request_in_flight(&s, &r, &ep, idle, (enum fg_stream_path)path);
		fg_stream_complete(&r, -ESHUTDOWN, &sink, NULL);
		assert_int_equal(s.stats.cancelled, 1);
		assert_int_equal(s.stats.ep.errors, 0);
		assert_int_equal(s.enabled, path == FG_PATH_AIO);
		/* Disabled: nothing is submitted, no ioctl reaches the (absent) file. */
		if (path == FG_PATH_DMABUF) {
			assert_int_equal(fg_stream_dmabuf_submit_idle(&s, &sink, NULL), 0);
			assert_false(r.in_flight);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(eligibility),
		cmocka_unit_test(refusals),
		cmocka_unit_test(udc_notes),
		cmocka_unit_test(refused_attach_leaves_aio),
		cmocka_unit_test(busy_stream_is_not_switched),
		cmocka_unit_test(cleared_buffer),
		cmocka_unit_test(out_completion_is_lengthless),
		cmocka_unit_test(shutdown_stops_dmabuf_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
