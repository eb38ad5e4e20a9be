# String descriptors at the kernel's limit (sourced by scenario-test.sh,
# reliability part): usb_gadget_get_string (drivers/usb/gadget/usbstring.c)
# cuts the UTF-8 text at USB_MAX_STRING_LEN, 126 bytes, before converting it
# to UTF-16. 63 x "ü" (126 bytes) must reach the host whole; one byte more
# must be refused by "ffsgadget check", with the limit and the length.
. /guest/ffs.sh

section "strings: 126 bytes of UTF-8 reach the host whole, 127 are refused by check"
u=$(printf '\303\274')
s126="" i=0
while [ "$i" -lt 63 ]; do s126="$s126$u"; i=$((i + 1)); done
s127="${s126}x"
sed "s|iface = \"Gadget Zero source/sink\"|iface = \"$s126\"|" "$FFS_CONF" >/tmp/string-126.conf
sed "s|iface = \"Gadget Zero source/sink\"|iface = \"$s127\"|" "$FFS_CONF" >/tmp/string-127.conf
check strings/edited "the iface string of $FFS_CONF was not replaced" \
	grep -q "$s126" /tmp/string-126.conf
check strings/126-passes-check "ffsgadget check refused 126 bytes" \
	ffsgadget check /tmp/string-126.conf
if ffsgadget check /tmp/string-127.conf >/tmp/string-127.out 2>&1; then
	fail strings/127-refused "ffsgadget check passed 127 bytes of UTF-8"
elif grep -q "'iface' is 127 bytes of UTF-8; the kernel sends at most 126" /tmp/string-127.out; then
	pass strings/127-refused
else
	fail strings/127-refused "unexpected message: $(cat /tmp/string-127.out)"
fi
: >"$FFS_LOG"
if ffs_up /tmp/string-126.conf; then
	got=$(cat "/sys/bus/usb/devices/$USBDEV:1.0/interface" 2>/dev/null)
	if [ "$got" = "$s126" ]; then
		pass strings/126-whole-on-host
	else
		fail strings/126-whole-on-host "the host read \"$got\" ($(printf %s "$got" | wc -c) bytes)"
	fi
else
	fail strings/up "Gadget Zero with a 126-byte string did not enumerate"
fi
ffs_down || fail strings/teardown "ffsgadget down failed"
ffs_log
