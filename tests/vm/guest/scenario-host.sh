# Host companion checks (busybox ash), sourced by a scenario after lib.sh.
#
# Call host_checks once Gadget Zero (ffsgadget, descriptors/gadget-zero.conf,
# pattern mod63) is up, enumerated as 0525:a4a0 and bound to usbtest.
# Expects: /bin/ffsgadget-host with its shared libraries in the image;
# lib.sh's pass/fail/skip/detail, and USBDEV set by wait_enum (used only to
# check that usbtest is bound again afterwards). Each check is named host/*.
# Runs in about 10 s under TCG; no check can hang: every transfer has a
# timeout, and `timeout` (if busybox has it) guards each command as well.

FGH=${FGH:-/bin/ffsgadget-host}
FGH_TIMEOUT=${FGH_TIMEOUT:-60}
FGH_OUT=/tmp/fgh.out

# fgh ARGS...: runs ffsgadget-host, output (both streams) to $FGH_OUT and
# the log; returns its exit status.
fgh() {
	local rc
	if command -v timeout >/dev/null 2>&1; then
		timeout "$FGH_TIMEOUT" "$FGH" "$@" >"$FGH_OUT" 2>&1
	else
		"$FGH" "$@" >"$FGH_OUT" 2>&1
	fi
	rc=$?
	echo "ffsgadget-host $* -> exit $rc" | detail
	detail <"$FGH_OUT"
	return $rc
}

# fgh_check NAME ARGS...: pass if ffsgadget-host exits 0.
fgh_check() {
	local n=$1 rc
	shift
	fgh "$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$n"
	else
		fail "$n" "ffsgadget-host $* exited $rc: $(grep -v '^ ' "$FGH_OUT" | tail -n 1)"
	fi
}

# 64 bytes, all different, as hex without separators.
host_loopback_hex() {
	local i=0 hex=""
	while [ $i -lt 64 ]; do
		hex="$hex$(printf '%02x' $(((i * 37 + 11) % 256)))"
		i=$((i + 1))
	done
	echo "$hex"
}

host_checks() {
	local n data got
	if [ ! -x "$FGH" ]; then
		skip host "$FGH not in the image"
		return 0
	fi

	# list: the device, by its ids.
	if fgh list && grep -q "ID 0525:a4a0" "$FGH_OUT"; then
		pass host/list
	else
		fail host/list "list did not show 0525:a4a0"
	fi

	# info: four endpoints (whatever addresses the UDC gave them), vendor class.
	if fgh info; then
		n=$(grep -c 'bEndpointAddress' "$FGH_OUT")
		if [ "$n" -eq 4 ] && grep -q 'bInterfaceClass *255' "$FGH_OUT"; then
			pass host/info
		else
			fail host/info "expected 4 endpoints and class 255, got $n endpoints"
		fi
		# MS OS 1.0: only when the gadget script enabled configfs os_desc.
		if grep -q 'bMS_VendorCode' "$FGH_OUT"; then
			if grep -q 'compatibleID "WINUSB"' "$FGH_OUT" &&
				grep -q 'DeviceInterfaceGUID' "$FGH_OUT"; then
				pass host/msos
			else
				fail host/msos "MS OS string present but no WINUSB compat ID or GUID property"
			fi
		else
			skip host/msos "device has no MS OS string descriptor (configfs os_desc off)"
		fi
	else
		fail host/info "info failed: $(tail -n 1 "$FGH_OUT")"
	fi

	# ctrl: usbtest's loopback, 0x5b stores, 0x5c reads back.
	data=$(host_loopback_hex)
	if fgh ctrl 0x40 0x5b 0 0 "$data" && fgh ctrl 0xc0 0x5c 0 0 64; then
		got=$(grep -v '^ctrl:' "$FGH_OUT" | tr -d ' \n')
		if [ "$got" = "$data" ]; then
			pass host/ctrl-loopback
		else
			fail host/ctrl-loopback "read back '$got'"
		fi
	else
		fail host/ctrl-loopback "control transfer failed: $(tail -n 1 "$FGH_OUT")"
	fi

	# bulk IN, verified; JSON so that the counts are checked, not just the exit.
	if fgh read --ep bulk-in --pattern mod63 --count 200 --size 16384 --json --quiet; then
		if grep -q '"transfers":200,' "$FGH_OUT" &&
			grep -q '"mismatched_bytes":0,' "$FGH_OUT"; then
			pass host/read-bulk
		else
			fail host/read-bulk "summary lacks 200 transfers with 0 mismatched bytes"
		fi
	else
		fail host/read-bulk "exit $?: $(grep -v '^ ' "$FGH_OUT" | tail -n 1)"
	fi

	fgh_check host/write-bulk write --ep bulk-out --pattern mod63 --count 200 --size 16384 --quiet
	fgh_check host/read-int read --ep int-in --pattern mod63 --count 50 --quiet

	# The tool detached usbtest to claim the interface; it must have given it back.
	if [ -n "$USBDEV" ] && command -v usbtest_bound >/dev/null 2>&1; then
		if wait_for 2 usbtest_bound; then
			pass host/reattach
		else
			fail host/reattach "usbtest not bound to $USBDEV after ffsgadget-host"
		fi
	fi
}
