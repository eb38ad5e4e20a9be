/* SPDX-License-Identifier: MIT */
/*
 * The user-space hot path of one iso packet, for instruction counting under
 * callgrind (tests/bench/iso-instructions.sh): an isostream IN stream whose
 * endpoint file is /dev/null, driven as the engine drives it (batched
 * io_submit of idle requests, each asking fill_in for a stamped packet;
 * io_getevents; fg_stream_complete), then the OUT sink checking stamped
 * packets.  The kernel's side (FunctionFS, the UDC) is not in the count.
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

int main(int argc, char **argv)
{
	struct fg_model *m;
	struct fg_stream s;
	struct io_event ev[64];
	io_context_t ctx = 0;
	char err[512];
	void *state;
	uint8_t out[3072];
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
	/* OUT: the sink's check of stamped packets. */
	struct fg_ep_info oi = s.info;
	oi.desc = &m->endpoints[1];
	oi.index = 1;
	iso_pattern_fill(out, oi.transfer_size, oi.maxpacket);
	/* The direction is compared once: a strcmp per packet was the harness's cost, not the sink's. */
	for (long i = 0; out_dir && i < packets; i++) {
		iso_stamp(out, oi.transfer_size, oi.maxpacket, &seq, (uint64_t)i);
		p->consume_out(state, &oi, out, oi.transfer_size);
	}
	printf("%s: %ld packets of %zu bytes\n", argv[3], packets, s.info.transfer_size);
	io_destroy(ctx);
	fg_stream_release(&s);
	p->destroy(state);
	fg_model_free(m);
	return 0;
}
