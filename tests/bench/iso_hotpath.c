/* SPDX-License-Identifier: MIT */
/*
 * The user-space hot path of one iso packet, for instruction counting under
 * callgrind (tests/bench/iso-instructions.sh): an isostream IN stream whose
 * endpoint file is /dev/null, driven as the engine drives it (batched
 * io_submit of idle requests, each asking fill_in for a stamped packet;
 * io_getevents; fg_stream_complete), or an OUT stream driven the same way
 * into the sink that checks stamped packets.  The kernel's side
 * (FunctionFS, the UDC) is not in the count, nor the host's stamping.
 *
 * usage: iso_hotpath DESCRIPTION PACKETS in|out
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "description/description.h"
#include "ffs/personality.h"
#include "personalities/personalities.h"
#include "ffs/stream.h"
#include "personalities/isostream/isostream.h"

/* The host's part of an OUT packet: its stamps, not counted. */
__attribute__((noinline))
static void host_sends(uint8_t *buf, size_t len, uint16_t maxpacket, uint32_t *seq)
{
	iso_stamp(buf, len, maxpacket, seq, *seq);
}

/* A file whose every read at offset 0 returns one packet of the body pattern. */
static int out_file(size_t len)
{
	uint8_t packet[3072];
	char path[] = "/tmp/iso_hotpath.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || len > sizeof(packet))
		return -1;
	unlink(path);
	iso_pattern_fill(packet, len, len > 1024 ? 1024 : (uint16_t)len);
	if (write(fd, packet, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct fg_model *m;
	struct fg_stream s;
	struct io_event ev[64];
	io_context_t ctx = 0;
	char err[512];
	void *state;
	uint32_t seq = 0;
	long packets, done = 0;
	int fd, efd;
	const struct fg_personality *p;

	if (argc != 4 || (packets = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: iso_hotpath DESCRIPTION PACKETS in|out\n");
		return 2;
	}
	if (fg_description_load(argv[1], &m, err, sizeof(err)) < 0 ||
	    fg_personality_prepare(m, &p, &state, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	fd = open("/dev/null", O_RDWR);
	efd = eventfd(0, EFD_NONBLOCK);
	if (fd < 0 || efd < 0 || fg_stream_init(&s, fd, &m->endpoints[0], 0) < 0 ||
	    io_setup((int)s.depth, &ctx) < 0) {
		perror("iso_hotpath");
		return 1;
	}
	s.info.maxpacket = m->endpoints[0].maxpacket[FG_HS];
	s.info.mult = m->endpoints[0].mult ? m->endpoints[0].mult : 1;
	s.info.transfer_size = (size_t)s.info.maxpacket * s.info.mult;
	s.info.interval_us = 125;
	s.enabled = true;
	s.generation = 1;
	struct fg_setup start = { .request_type = 0x41, .request = ISO_REQ_START, .value = 1 };
	p->setup(state, &start, NULL, 0);

	bool in = strcmp(argv[3], "in") == 0, out_dir = strcmp(argv[3], "out") == 0;

	/* IN: submit what is idle, reap, account; as engine_reap does. */
	while (in && done < packets) {
		fg_stream_submit_idle(&s, ctx, efd, p, state);
		int n = io_getevents(ctx, 1, 64, ev, NULL);

		for (int i = 0; i < n; i++)
			fg_stream_complete(ev[i].data, (long)ev[i].res, p, state);
		done += n;
	}
	/*
	 * OUT, as the engine drives it: idle requests submitted as reads (of a
	 * file holding one packet), reaped, each completion accounted and
	 * handed to the sink.  What the host would have sent is written into
	 * each buffer by host_sends, which the count leaves out
	 * (iso-instructions.sh: callgrind --toggle-collect=host_sends).
	 */
	struct fg_stream o;
	int ofd = out_dir ? out_file(s.info.transfer_size) : -1;

	if (out_dir && (ofd < 0 || fg_stream_init(&o, ofd, &m->endpoints[1], 1) < 0)) {
		perror("iso_hotpath: OUT");
		return 1;
	}
	if (out_dir) {
		o.info.maxpacket = s.info.maxpacket;
		o.info.mult = s.info.mult;
		o.info.transfer_size = s.info.transfer_size;
		o.info.interval_us = 125;
		o.enabled = true;
		o.generation = 1;
	}
	while (out_dir && done < packets) {
		fg_stream_submit_idle(&o, ctx, efd, p, state);
		int n = io_getevents(ctx, 1, 64, ev, NULL);

		for (int i = 0; i < n; i++) {
			struct fg_request *r = ev[i].data;

			host_sends(r->buf, o.info.transfer_size, o.info.maxpacket, &seq);
			fg_stream_complete(r, (long)ev[i].res, p, state);
		}
		done += n;
	}
	if (out_dir)
		fg_stream_release(&o);
	printf("%s: %ld packets of %zu bytes\n", argv[3], packets, s.info.transfer_size);
	io_destroy(ctx);
	fg_stream_release(&s);
	p->destroy(state);
	fg_model_free(m);
	return 0;
}
