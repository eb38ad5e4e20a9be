# The "demo" scenario: Gadget Zero brought up through configs/, the device as
# the host sees it (busybox has no lsusb: read from sysfs), a few seconds of
# traffic with the daemon's live statistics on the console, teardown.
# Without ffsgadget in the image it shows the in-kernel SourceSink instead.
. /guest/ffs.sh

DEMO_SECONDS=${DEMO_SECONDS:-5}

attr() { cat "$1/$2" 2>/dev/null; }

# show_device SYSFS_NAME: lsusb -v style summary of an enumerated device.
show_device() {
	local d=/sys/bus/usb/devices/$1 i e
	say "  Bus $(attr "$d" busnum) Device $(attr "$d" devnum):" \
		"ID $(attr "$d" idVendor):$(attr "$d" idProduct)" \
		"$(attr "$d" manufacturer) $(attr "$d" product)"
	say "    bcdUSB $(attr "$d" version) bcdDevice $(attr "$d" bcdDevice)" \
		"speed $(attr "$d" speed) Mb/s serial $(attr "$d" serial)"
	say "    class $(attr "$d" bDeviceClass) maxpacket0 $(attr "$d" bMaxPacketSize0)" \
		"configs $(attr "$d" bNumConfigurations) current $(attr "$d" bConfigurationValue)" \
		"\"$(attr "$d" configuration)\" $(attr "$d" bMaxPower)"
	for i in "$d/$1":*; do
		[ -d "$i" ] || continue
		say "    interface $(attr "$i" bInterfaceNumber) alt $(attr "$i" bAlternateSetting)" \
			"class $(attr "$i" bInterfaceClass) endpoints $(attr "$i" bNumEndpoints)" \
			"driver $(basename "$(readlink "$i/driver" 2>/dev/null)" 2>/dev/null)"
		for e in "$i"/ep_*; do
			[ -d "$e" ] || continue
			say "      endpoint $(attr "$e" bEndpointAddress) $(attr "$e" direction)" \
				"$(attr "$e" type) maxpacket $(attr "$e" wMaxPacketSize)" \
				"interval $(attr "$e" interval)"
		done
	done
	say "    raw descriptors (device + active configuration):"
	hexdump -C "$d/descriptors" | sed 's/^/      /'
}

# traffic SECONDS: alternates bulk OUT and IN tests with data checks.
traffic() {
	local end=$(($(cut -d. -f1 /proc/uptime) + $1)) out
	while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
		testusb_once 1 -c 100 -s 131072
		[ "$TU_STATUS" = ok ] || { why="bulk OUT: $TU_ERR"; return 1; }
		out=$(tu_value 1 "$TU_SECS" -c 100 -s 131072)
		testusb_once 2 -c 100 -s 131072
		[ "$TU_STATUS" = ok ] || { why="bulk IN: $TU_ERR"; return 1; }
		say "  host: OUT $out, IN $(tu_value 2 "$TU_SECS" -c 100 -s 131072)"
	done
}

usbtest_pattern 1
if ffs_available; then
	section "demo: Gadget Zero on FunctionFS (ffsgadget up configs/gadget-zero.scheme)"
	# The statistics lines are the point of the demo: console, not log.
	FFS_OUT=/dev/console
	ffs_up "$FFS_CONF" --stats --interval 1000 || fail demo/up "did not enumerate"
else
	section "demo: in-kernel SourceSink (no ffsgadget in the image)"
	gadget_up -a SourceSink.0/pattern=1 SourceSink.0 && wait_enum 10 ||
		fail demo/up "did not enumerate"
fi

if [ -n "$USBDEV" ]; then
	section "demo: the device, from the host side"
	show_device "$USBDEV"
	if [ -x /bin/ffsgadget-host ]; then
		section "demo: the same, from ffsgadget-host (libusb)"
		ffsgadget-host list || true
		ffsgadget-host info || true
	fi
	section "demo: ${DEMO_SECONDS} s of bulk traffic (testusb 1/2, mod63 checked)"
	why=""
	if traffic "$DEMO_SECONDS"; then pass demo/traffic; else fail demo/traffic "$why"; fi
fi

section "demo: teardown"
if ffs_available; then ffs_down; else gadget_down; fi
check demo/teardown "configfs gadget left behind" test ! -e "$CFS/$GADGET"
