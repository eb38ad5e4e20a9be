/* SPDX-License-Identifier: MIT */
/*
 * fg-hostile: a hostile USB host for the test VM.  Sends control requests
 * of every type (standard, class, vendor, reserved), every recipient and
 * both directions, whatever the request's real direction, with random
 * wValue, wIndex and wLength (0xffff included), and OUT data stages larger
 * than any buffer the device has.  Through usbfs, no libusb: asynchronous
 * URBs, since the synchronous ioctl refuses wLength beyond a page.
 *
 * usage: fg-hostile [-n COUNT] [-s SEED] [-t TIMEOUT_MS] DEVNODE
 *
 * The interfaces are taken from their driver first (usbtest) and given back
 * at the end, after a port reset that undoes whatever state the requests
 * left (halted endpoints, alt settings).  Requests that would make the host
 * lose the device are not sent: SET_ADDRESS, SET_CONFIGURATION and
 * SET_FEATURE(TEST_MODE) to the device (the kernel and the UDC answer those,
 * never the gadget's daemon).
 *
 * Prints one line of counts: answered, STALLed, timed out (cancelled
 * after TIMEOUT_MS), other errors.  Exits 1 when the device stopped
 * answering altogether (the last 20 requests all timed out or failed with
 * -ENODEV/-ESHUTDOWN), 2 on usage or setup errors, else 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/usb/ch9.h>
#include <linux/usbdevice_fs.h>

#define MAX_IFACES 8
#define DATA_MAX 65535

struct counts {
	unsigned long ok, stall, timeout, other, bytes_in, bytes_out;
};

static uint64_t rng_state;

/* xorshift64*: reproducible from the printed seed. */
static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint16_t pick16(const uint16_t *interesting, size_t n)
{
	uint32_t r = rnd();

	if (r % 4 == 0)
		return (uint16_t)rnd();
	return interesting[(r >> 2) % n];
}

/* Requests that would cut the host off from the device: see the header. */
static int host_losing(uint8_t type, uint8_t req, uint16_t value)
{
	if ((type & (USB_TYPE_MASK | USB_RECIP_MASK)) != (USB_TYPE_STANDARD | USB_RECIP_DEVICE))
		return 0;
	return req == USB_REQ_SET_ADDRESS || req == USB_REQ_SET_CONFIGURATION ||
	       (req == USB_REQ_SET_FEATURE && value == USB_DEVICE_TEST_MODE);
}

/* One control transfer; returns 0, or a negative errno (-ETIMEDOUT: cancelled). */
static int control(int fd, uint8_t *buf, unsigned timeout_ms, int *actual)
{
	struct usbdevfs_urb urb, *done = NULL;
	struct usb_ctrlrequest *s = (struct usb_ctrlrequest *)buf;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int rc;

	memset(&urb, 0, sizeof(urb));
	urb.type = USBDEVFS_URB_TYPE_CONTROL;
	urb.endpoint = 0;
	urb.buffer = buf;
	urb.buffer_length = 8 + s->wLength;
	if (ioctl(fd, USBDEVFS_SUBMITURB, &urb) < 0)
		return -errno;
	/* usbfs signals reapable URBs as POLLOUT. */
	rc = poll(&p, 1, (int)timeout_ms);
	if (rc == 0) {
		ioctl(fd, USBDEVFS_DISCARDURB, &urb);
		/* A discarded URB still has to be reaped. */
		while (ioctl(fd, USBDEVFS_REAPURB, &done) < 0 && errno == EINTR)
			;
		return -ETIMEDOUT;
	}
	while ((rc = ioctl(fd, USBDEVFS_REAPURB, &done)) < 0 && errno == EINTR)
		;
	if (rc < 0)
		return -errno;
	*actual = urb.actual_length;
	return urb.status;
}

static void usage(void)
{
	fprintf(stderr, "usage: fg-hostile [-n COUNT] [-s SEED] [-t TIMEOUT_MS] DEVNODE\n");
}

int main(int argc, char **argv)
{
	static const uint16_t values[] = { 0, 1, 2, 0x0100, 0x0200, 0x0300, 0x03ee, 0x2200,
					   0x00ff, 0x8000, 0xfffe, 0xffff };
	static const uint16_t indexes[] = { 0, 1, 2, 4, 5, 0x81, 0x02, 0x83, 0x04, 0x0409,
					    0x00ff, 0xffff };
	static const uint16_t lengths[] = { 0, 1, 2, 7, 8, 18, 64, 255, 256, 4096, 4097,
					    8192, 0xfffe, 0xffff };
	static const uint8_t requests[] = { 0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 0x5b, 0x5c,
					    0xcd, 0xfe, 0xff };
	static uint8_t buf[8 + DATA_MAX];
	unsigned long count = 2000;
	unsigned timeout_ms = 500, streak = 0;
	unsigned long long seed = (unsigned long long)time(NULL);
	struct counts c = { 0 };
	int opt, fd;

	while ((opt = getopt(argc, argv, "n:s:t:")) != -1) {
		switch (opt) {
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': timeout_ms = (unsigned)strtoul(optarg, NULL, 0); break;
		default: usage(); return 2;
		}
	}
	if (optind != argc - 1) {
		usage();
		return 2;
	}
	rng_state = seed ? seed : 1;
	fd = open(argv[optind], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "fg-hostile: %s: %s\n", argv[optind], strerror(errno));
		return 2;
	}
	/* Interface-recipient requests need the interface claimed: take it from usbtest. */
	for (unsigned i = 0; i < MAX_IFACES; i++) {
		struct usbdevfs_ioctl cmd = { .ifno = (int)i, .ioctl_code = USBDEVFS_DISCONNECT };

		ioctl(fd, USBDEVFS_IOCTL, &cmd);
		ioctl(fd, USBDEVFS_CLAIMINTERFACE, &i);
	}
	printf("fg-hostile: seed %llu, %lu requests, timeout %u ms\n", seed, count, timeout_ms);

	for (unsigned long n = 0; n < count; n++) {
		struct usb_ctrlrequest *s = (struct usb_ctrlrequest *)buf;
		uint32_t r = rnd();
		uint8_t type;
		uint16_t value, len;
		int actual = 0, rc;

		/* Type: standard, class, vendor, reserved; any recipient, 0..31. */
		type = (uint8_t)((r & 0x80) | (r & USB_TYPE_MASK) |
				 ((r >> 8) % 4 == 0 ? (r >> 10) & 0x1f : (r >> 10) % 3));
		s->bRequestType = type;
		s->bRequest = rnd() % 3 == 0 ? (uint8_t)rnd()
					     : requests[rnd() % (sizeof(requests))];
		value = pick16(values, sizeof(values) / sizeof(values[0]));
		if (host_losing(type, s->bRequest, value)) {
			n--;
			continue;
		}
		s->wValue = value;   /* usbfs takes the setup packet in CPU order on LE hosts */
		s->wIndex = pick16(indexes, sizeof(indexes) / sizeof(indexes[0]));
		len = pick16(lengths, sizeof(lengths) / sizeof(lengths[0]));
		s->wLength = len;
		if (!(type & USB_DIR_IN)) {
			/* OUT data: random bytes, often far beyond any device buffer. */
			for (unsigned i = 0; i < len; i += 4) {
				uint32_t v = rnd();
				memcpy(buf + 8 + i, &v, len - i < 4 ? len - i : 4);
			}
		}
		rc = control(fd, buf, timeout_ms, &actual);
		if (rc == 0) {
			c.ok++;
			if (type & USB_DIR_IN)
				c.bytes_in += (unsigned long)actual;
			else
				c.bytes_out += (unsigned long)actual;
			streak = 0;
		} else if (rc == -EPIPE) {
			c.stall++;
			streak = 0;
		} else {
			if (rc == -ETIMEDOUT)
				c.timeout++;
			else
				c.other++;
			if (rc == -ENODEV || rc == -ESHUTDOWN || rc == -ETIMEDOUT)
				streak++;
			else
				streak = 0;
			if (getenv("FG_HOSTILE_VERBOSE"))
				printf("  %02x %02x %04x %04x %04x: %s\n", type, s->bRequest, value,
				       s->wIndex, len, strerror(-rc));
		}
		if (streak >= 20) {
			printf("fg-hostile: the device stopped answering after %lu requests\n", n + 1);
			break;
		}
	}
	printf("fg-hostile: %lu answered (%lu bytes in, %lu out), %lu stalled, %lu timed out, "
	       "%lu other errors\n", c.ok, c.bytes_in, c.bytes_out, c.stall, c.timeout, c.other);

	/* Undo halts and alt settings, then give the interfaces back to their driver. */
	if (ioctl(fd, USBDEVFS_RESET, NULL) < 0)
		printf("fg-hostile: reset: %s\n", strerror(errno));
	for (unsigned i = 0; i < MAX_IFACES; i++) {
		struct usbdevfs_ioctl cmd = { .ifno = (int)i, .ioctl_code = USBDEVFS_CONNECT };

		ioctl(fd, USBDEVFS_RELEASEINTERFACE, &i);
		ioctl(fd, USBDEVFS_IOCTL, &cmd);
	}
	close(fd);
	return streak >= 20 ? 1 : 0;
}
