/* SPDX-License-Identifier: MIT */
/*
 * Device discovery: which connected device a command talks to, opening it
 * with errors a user can act on, and claiming its interfaces.  usbtest (or
 * any kernel driver) bound to an interface is detached on claim and
 * reattached on release, by libusb's auto-detach.
 */
#include <stdlib.h>
#include <string.h>

#include "fgh.h"

void fgh_select_init(struct fgh_select *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->vid = FGH_DEFAULT_VID;
	sel->pid = FGH_DEFAULT_PID;
	sel->bus = -1;
	sel->addr = -1;
}

int fgh_parse_vidpid(const char *s, uint16_t *vid, uint16_t *pid)
{
	char *end;
	unsigned long v = strtoul(s, &end, 16);

	if (end == s || *end != ':' || v > 0xffff)
		return -1;
	const char *p = end + 1;
	unsigned long d = strtoul(p, &end, 16);
	if (end == p || *end || d > 0xffff)
		return -1;
	*vid = (uint16_t)v;
	*pid = (uint16_t)d;
	return 0;
}

int fgh_device_path(libusb_device *dev, char *buf, size_t len)
{
	uint8_t ports[8];
	int n = libusb_get_port_numbers(dev, ports, (int)sizeof(ports));

	if (n < 0)
		return n;
	int o = snprintf(buf, len, "%u", libusb_get_bus_number(dev));
	for (int i = 0; i < n && o >= 0 && (size_t)o < len; i++)
		o += snprintf(buf + o, len - (size_t)o, "%c%u", i ? '.' : '-', ports[i]);
	return 0;
}

const char *fgh_speed_name(int speed)
{
	switch (speed) {
	case LIBUSB_SPEED_LOW: return "low";
	case LIBUSB_SPEED_FULL: return "full";
	case LIBUSB_SPEED_HIGH: return "high";
	case LIBUSB_SPEED_SUPER: return "super";
	case LIBUSB_SPEED_SUPER_PLUS: return "super+";
	default: return "unknown";
	}
}

static const char *speed_mbps(int speed)
{
	switch (speed) {
	case LIBUSB_SPEED_LOW: return "1.5 Mb/s";
	case LIBUSB_SPEED_FULL: return "12 Mb/s";
	case LIBUSB_SPEED_HIGH: return "480 Mb/s";
	case LIBUSB_SPEED_SUPER: return "5 Gb/s";
	case LIBUSB_SPEED_SUPER_PLUS: return "10 Gb/s";
	default: return "? Mb/s";
	}
}

bool fgh_select_match(const struct fgh_select *sel, libusb_device *dev)
{
	struct libusb_device_descriptor dd;
	bool located = sel->bus >= 0 || sel->addr >= 0 || sel->path[0];

	if (libusb_get_device_descriptor(dev, &dd) < 0)
		return false;
	if (!sel->any && (sel->vidpid_given || !located) &&
	    (dd.idVendor != sel->vid || dd.idProduct != sel->pid))
		return false;
	if (sel->bus >= 0 && libusb_get_bus_number(dev) != sel->bus)
		return false;
	if (sel->addr >= 0 && libusb_get_device_address(dev) != sel->addr)
		return false;
	if (sel->path[0]) {
		char path[32];

		if (fgh_device_path(dev, path, sizeof(path)) < 0 || strcmp(path, sel->path) != 0)
			return false;
	}
	return true;
}

int fgh_list(libusb_context *ctx, const struct fgh_select *sel, FILE *out)
{
	libusb_device **list;
	ssize_t n = libusb_get_device_list(ctx, &list);
	int found = 0;

	if (n < 0)
		return (int)n;
	for (ssize_t i = 0; i < n; i++) {
		struct libusb_device_descriptor dd;
		char path[32];

		if (!fgh_select_match(sel, list[i]) ||
		    libusb_get_device_descriptor(list[i], &dd) < 0)
			continue;
		if (fgh_device_path(list[i], path, sizeof(path)) < 0)
			snprintf(path, sizeof(path), "?");
		int speed = libusb_get_device_speed(list[i]);
		fprintf(out, "Bus %03u Device %03u: ID %04x:%04x  path %-10s %s speed (%s)\n",
			libusb_get_bus_number(list[i]), libusb_get_device_address(list[i]),
			dd.idVendor, dd.idProduct, path, fgh_speed_name(speed), speed_mbps(speed));
		found++;
	}
	libusb_free_device_list(list, 1);
	return found;
}

static void print_udev_rule(uint16_t vid, uint16_t pid)
{
	fprintf(stderr,
		"A udev rule gives your user access, e.g. in /etc/udev/rules.d/70-ffsgadget.rules:\n"
		"  SUBSYSTEM==\"usb\", ATTR{idVendor}==\"%04x\", ATTR{idProduct}==\"%04x\", "
		"MODE=\"0660\", GROUP=\"plugdev\"\n"
		"then: sudo udevadm control --reload && sudo udevadm trigger; "
		"your user must be in group plugdev.\n",
		vid, pid);
}

static void describe_selection(const struct fgh_select *sel, char *buf, size_t len)
{
	int o = 0;

	if (!sel->any)
		o = snprintf(buf, len, "%04x:%04x", sel->vid, sel->pid);
	if (sel->bus >= 0 && o >= 0 && (size_t)o < len)
		o += snprintf(buf + o, len - (size_t)o, " on bus %d", sel->bus);
	if (sel->addr >= 0 && o >= 0 && (size_t)o < len)
		o += snprintf(buf + o, len - (size_t)o, " at address %d", sel->addr);
	if (sel->path[0] && o >= 0 && (size_t)o < len)
		snprintf(buf + o, len - (size_t)o, " at path %s", sel->path);
}

int fgh_open(libusb_context *ctx, const struct fgh_select *sel, libusb_device_handle **out)
{
	libusb_device **list;
	libusb_device *dev = NULL;
	char what[96];
	int matches = 0;

	describe_selection(sel, what, sizeof(what));
	ssize_t n = libusb_get_device_list(ctx, &list);
	if (n < 0) {
		fprintf(stderr, "ffsgadget-host: cannot list USB devices: %s\n",
			libusb_strerror((int)n));
		return FGH_EXIT_USAGE;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (!fgh_select_match(sel, list[i]))
			continue;
		if (!dev)
			dev = list[i];
		matches++;
	}
	if (!dev) {
		fprintf(stderr,
			"ffsgadget-host: no USB device %s found (is the gadget bound to a UDC and "
			"the cable connected? 'ffsgadget-host list --all' shows every device)\n",
			what);
		libusb_free_device_list(list, 1);
		return FGH_EXIT_USAGE;
	}
	if (matches > 1)
		fprintf(stderr,
			"ffsgadget-host: %d devices match %s; using bus %u address %u "
			"(choose with --bus/--addr or --path)\n",
			matches, what, libusb_get_bus_number(dev), libusb_get_device_address(dev));

	int r = libusb_open(dev, out);
	if (r < 0) {
		struct libusb_device_descriptor dd;

		libusb_get_device_descriptor(dev, &dd);
		fprintf(stderr, "ffsgadget-host: cannot open %04x:%04x (/dev/bus/usb/%03u/%03u): %s\n",
			dd.idVendor, dd.idProduct, libusb_get_bus_number(dev),
			libusb_get_device_address(dev), libusb_strerror(r));
		if (r == LIBUSB_ERROR_ACCESS)
			print_udev_rule(dd.idVendor, dd.idProduct);
		libusb_free_device_list(list, 1);
		return r == LIBUSB_ERROR_NO_DEVICE ? FGH_EXIT_LOST : FGH_EXIT_USAGE;
	}
	libusb_free_device_list(list, 1);
	return 0;
}

int fgh_claim(struct fgh_claim *c, libusb_device_handle *h, int iface, int alt)
{
	c->h = h;
	for (int i = 0; i < c->n; i++)
		if (c->ifaces[i] == iface)
			return alt ? libusb_set_interface_alt_setting(h, iface, alt) : 0;
	if (c->n == (int)(sizeof(c->ifaces) / sizeof(c->ifaces[0])))
		return LIBUSB_ERROR_OVERFLOW;
	/* Not supported off Linux: claiming then fails if a driver holds it. */
	libusb_set_auto_detach_kernel_driver(h, 1);
	int r = libusb_claim_interface(h, iface);
	if (r < 0)
		return r;
	c->ifaces[c->n++] = iface;
	if (alt)
		return libusb_set_interface_alt_setting(h, iface, alt);
	return 0;
}

void fgh_release(struct fgh_claim *c)
{
	while (c->n > 0)
		libusb_release_interface(c->h, c->ifaces[--c->n]);
}
