/* SPDX-License-Identifier: MIT */
/*
 * fg-usbmon-iso: the VM's fourth witness of an iso stream.  Reads usbmon's
 * binary interface (/dev/usbmonN, Documentation/usb/usbmon.rst; the text
 * interface drops events under load) and counts, for one device and one
 * iso endpoint, the packets of every completed URB ('C' events): total,
 * with data, empty (status 0, no bytes) and errored (any other status), and
 * the bytes.  Runs until SIGINT/SIGTERM, then prints one line:
 *
 *   usbmon: urbs U packets P data D empty E errored R bytes B dropped X
 *
 * "dropped" is usbmon's own count of events it could not queue (the ring
 * was full): nonzero means the figures are incomplete.  Cancelled URBs
 * (status -ENOENT/-ECONNRESET) are counted apart ("cancelled C"), since their
 * unserviced slots hold whatever the kernel's memory held.
 *
 *   fg-usbmon-iso BUS DEVNUM EPADDR
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <unistd.h>

/* The binary API, as Documentation/usb/usbmon.rst defines it. */
struct usbmon_packet {
	uint64_t id;
	unsigned char type;
	unsigned char xfer_type;
	unsigned char epnum;
	unsigned char devnum;
	uint16_t busnum;
	char flag_setup;
	char flag_data;
	int64_t ts_sec;
	int32_t ts_usec;
	int32_t status;
	uint32_t length;
	uint32_t len_cap;
	union {
		unsigned char setup[8];
		struct {
			int32_t error_count;
			int32_t numdesc;
		} iso;
	} s;
	int32_t interval;
	int32_t start_frame;
	uint32_t xfer_flags;
	uint32_t ndesc;
};

struct mon_bin_isodesc {
	int32_t iso_status;
	uint32_t iso_off;
	uint32_t iso_len;
	uint32_t pad;
};

struct mon_bin_get {
	struct usbmon_packet *hdr;
	void *data;
	size_t alloc;
};

struct mon_bin_stats {
	uint32_t queued;
	uint32_t dropped;
};

#define MON_IOC_MAGIC 0x92
#define MON_IOCG_STATS _IOR(MON_IOC_MAGIC, 3, struct mon_bin_stats)
#define MON_IOCT_RING_SIZE _IO(MON_IOC_MAGIC, 4)
#define MON_IOCX_GETX _IOW(MON_IOC_MAGIC, 10, struct mon_bin_get)

/* usbmon keeps at most 128 descriptors per URB (ISODESC_MAX). */
#define DESC_MAX 128
/* 32 MiB of ring: about 160 completions of 64 x 3 KiB packets, 1.3 s at high speed. */
#define RING_BYTES (32u << 20)

struct tally {
	uint64_t urbs, packets, data, empty, errored, bytes, cancelled;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* One event: counted when it is a completion on the device's endpoint. */
static void count(struct tally *t, const struct usbmon_packet *h,
		  const struct mon_bin_isodesc *desc, unsigned dev, unsigned ep)
{
	if (h->type != 'C' || h->xfer_type != 0 || h->devnum != dev || h->epnum != ep)
		return;
	if (h->status == -ENOENT || h->status == -ECONNRESET) {
		t->cancelled++;
		return;
	}
	t->urbs++;
	for (uint32_t i = 0; i < h->ndesc && i < DESC_MAX; i++) {
		t->packets++;
		if (desc[i].iso_status != 0) {
			t->errored++;
		} else if (desc[i].iso_len == 0) {
			t->empty++;
		} else {
			t->data++;
			t->bytes += desc[i].iso_len;
		}
	}
}

int main(int argc, char **argv)
{
	struct mon_bin_isodesc desc[DESC_MAX];
	struct usbmon_packet hdr;
	struct mon_bin_get get = { &hdr, desc, sizeof(desc) };
	struct mon_bin_stats st = { 0, 0 };
	struct tally t = { 0 };
	struct sigaction sa;
	unsigned bus, dev;
	int ep;
	char path[64];
	int fd;

	if (argc != 4 || sscanf(argv[1], "%u", &bus) != 1 || sscanf(argv[2], "%u", &dev) != 1 ||
	    sscanf(argv[3], "%i", &ep) != 1 || ep < 0 || ep > 0xff) {
		fprintf(stderr, "usage: fg-usbmon-iso BUS DEVNUM EPADDR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/dev/usbmon%u", bus);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fg-usbmon-iso: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (ioctl(fd, MON_IOCT_RING_SIZE, RING_BYTES) < 0)
		fprintf(stderr, "fg-usbmon-iso: ring size: %s\n", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;   /* no SA_RESTART: a blocked GETX returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("usbmon: ready\n");
	fflush(stdout);
	while (!stop) {
		if (ioctl(fd, MON_IOCX_GETX, &get) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "fg-usbmon-iso: GETX: %s\n", strerror(errno));
			return 1;
		}
		count(&t, &hdr, desc, dev, (unsigned)ep);
	}
	/* What the ring still holds happened before the signal: count it too. */
	while (ioctl(fd, MON_IOCG_STATS, &st) == 0 && st.queued > 0 &&
	       ioctl(fd, MON_IOCX_GETX, &get) == 0)
		count(&t, &hdr, desc, dev, (unsigned)ep);
	if (ioctl(fd, MON_IOCG_STATS, &st) < 0)
		st.dropped = UINT32_MAX;
	printf("usbmon: urbs %llu packets %llu data %llu empty %llu errored %llu bytes %llu "
	       "cancelled %llu dropped %u\n",
	       (unsigned long long)t.urbs, (unsigned long long)t.packets,
	       (unsigned long long)t.data, (unsigned long long)t.empty,
	       (unsigned long long)t.errored, (unsigned long long)t.bytes,
	       (unsigned long long)t.cancelled, st.dropped);
	close(fd);
	return 0;
}
