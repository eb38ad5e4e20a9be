/* SPDX-License-Identifier: MIT */
/*
 * The VM's host-side HID probe: what the host's own HID stack made of the
 * gadget, and a client for the HID personality's control socket.
 *
 *   hidtool send SOCKET LINE...      send each line, print each reply;
 *                                    fails if a reply is an error
 *   hidtool run EVDEV N MS SOCKET LINE...
 *                                    open EVDEV, send the lines, then print
 *                                    the next N key/rel/abs events as
 *                                    "KEY 35 1" (SYN, MSC and autorepeat
 *                                    left out); fails if fewer arrive in MS
 *   hidtool led EVDEV LED VALUE      write an EV_LED event (the host driver
 *                                    sends the LED output report)
 *   hidtool rdesc HIDRAW             the report descriptor, as hex bytes
 *   hidtool pause SECONDS            sleep with SIGINT's default action, which
 *                                    a background job of a script lacks: a
 *                                    stand-in for init's ctrl+alt+del signal
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/hidraw.h>
#include <linux/input.h>

static int usage(void)
{
	fprintf(stderr, "usage: hidtool send SOCKET LINE... | run EVDEV N MS SOCKET LINE... |\n"
			"       led EVDEV LED VALUE | rdesc HIDRAW | pause SECONDS\n");
	return 2;
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "hidtool: %s: path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "hidtool: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Sends lines, one reply each; 0 when every reply was "ok...".  quiet: print errors only. */
static int send_lines(const char *path, char **lines, int count, int quiet)
{
	int fd = connect_socket(path), rc = 0;

	if (fd < 0)
		return 1;
	for (int i = 0; i < count; i++) {
		char reply[2048];
		size_t n = 0;

		if (dprintf(fd, "%s\n", lines[i]) < 0) {
			fprintf(stderr, "hidtool: write: %s\n", strerror(errno));
			rc = 1;
			break;
		}
		while (n < sizeof(reply) - 1) {
			ssize_t r = read(fd, reply + n, 1);

			if (r <= 0 || reply[n] == '\n')
				break;
			n++;
		}
		reply[n] = '\0';
		if (strncmp(reply, "ok", 2) != 0)
			rc = 1;
		if (!quiet || rc)
			printf("%s\n", reply);
	}
	close(fd);
	fflush(stdout);
	return rc;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run(const char *dev, int want, int ms, const char *sock, char **lines, int count)
{
	struct input_event ev;
	int fd = open(dev, O_RDONLY | O_NONBLOCK | O_CLOEXEC), got = 0;
	long long end;

	if (fd < 0) {
		fprintf(stderr, "hidtool: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	while (read(fd, &ev, sizeof(ev)) == sizeof(ev))
		;   /* whatever came before the commands */
	if (send_lines(sock, lines, count, 1) != 0) {
		close(fd);
		return 1;
	}
	end = now_ms() + ms;
	while (got < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = end - now_ms();

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		while (got < want && read(fd, &ev, sizeof(ev)) == sizeof(ev)) {
			const char *type = ev.type == EV_KEY ? "KEY" : ev.type == EV_REL ? "REL" :
					   ev.type == EV_ABS ? "ABS" : NULL;

			if (!type || (ev.type == EV_KEY && ev.value == 2))
				continue;
			printf("%s %u %d\n", type, ev.code, ev.value);
			got++;
		}
	}
	close(fd);
	if (got < want)
		fprintf(stderr, "hidtool: %d of %d events in %d ms\n", got, want, ms);
	return got < want;
}

static int led(const char *dev, int code, int value)
{
	struct input_event ev[2];
	int fd = open(dev, O_WRONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "hidtool: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	memset(ev, 0, sizeof(ev));
	ev[0].type = EV_LED;
	ev[0].code = (unsigned short)code;
	ev[0].value = value;
	ev[1].type = EV_SYN;
	ev[1].code = SYN_REPORT;
	if (write(fd, ev, sizeof(ev)) != (ssize_t)sizeof(ev)) {
		fprintf(stderr, "hidtool: %s: write: %s\n", dev, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

static int rdesc(const char *dev)
{
	struct hidraw_report_descriptor d;
	int fd = open(dev, O_RDONLY | O_CLOEXEC), size = 0;

	if (fd < 0) {
		fprintf(stderr, "hidtool: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	memset(&d, 0, sizeof(d));
	if (ioctl(fd, HIDIOCGRDESCSIZE, &size) < 0 || size < 0 || size > HID_MAX_DESCRIPTOR_SIZE) {
		fprintf(stderr, "hidtool: %s: HIDIOCGRDESCSIZE: %s\n", dev, strerror(errno));
		close(fd);
		return 1;
	}
	d.size = (unsigned)size;
	if (ioctl(fd, HIDIOCGRDESC, &d) < 0) {
		fprintf(stderr, "hidtool: %s: HIDIOCGRDESC: %s\n", dev, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	for (int i = 0; i < size; i++)
		printf("%s%02x", i ? " " : "", d.value[i]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "send") == 0)
		return send_lines(argv[2], argv + 3, argc - 3, 0);
	if (argc >= 7 && strcmp(argv[1], "run") == 0)
		return run(argv[2], atoi(argv[3]), atoi(argv[4]), argv[5], argv + 6, argc - 6);
	if (argc == 5 && strcmp(argv[1], "led") == 0)
		return led(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 3 && strcmp(argv[1], "rdesc") == 0)
		return rdesc(argv[2]);
	if (argc == 3 && strcmp(argv[1], "pause") == 0) {
		signal(SIGINT, SIG_DFL);
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	return usage();
}
