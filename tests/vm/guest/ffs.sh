# FunctionFS helpers for the scenarios: Gadget Zero served by the project's
# daemon, ffsgadget, on /dev/ffs-zero. Sourced after lib.sh.

FFS_FUNC=ffs.zero
FFS_MOUNT=/dev/ffs-zero
FFS_READY=/run/ffsgadget.ready
FFS_CONF=/descriptors/gadget-zero.conf
FFS_LOG=/tmp/ffsgadget.log
FFS_PID=""
# The gadget comes from this scheme through "ffsgadget up" (configfs on
# libusbgx; Microsoft OS descriptors on, vendor code 0xcd); its daemon's PID
# file is $FFS_RUN/$GADGET/zero.pid.
FFS_SCHEME=/configs/gadget-zero.scheme
FFS_RUN=/run/ffsgadget

ffs_available() { [ -x /bin/ffsgadget ] && [ -f "$FFS_CONF" ]; }

# ffs_conf_zeros: a Gadget Zero description sourcing and sinking zeros, which
# usbtest's tests 27/28 require (they run only with usbtest pattern=0).
ffs_conf_zeros() {
	if [ -f /descriptors/gadget-zero-zeros.conf ]; then
		echo /descriptors/gadget-zero-zeros.conf
		return
	fi
	sed 's/\(pattern[ 	]*=[ 	]*\)"mod63"/\1"zeros"/' "$FFS_CONF" >/tmp/gadget-zero-zeros.conf
	grep -q 'pattern[ 	]*=[ 	]*"zeros"' /tmp/gadget-zero-zeros.conf ||
		echo "ffs: $FFS_CONF names no mod63 pattern; zeros variant unchanged" | detail
	echo /tmp/gadget-zero-zeros.conf
}

# ffs_start [CONF [DAEMON_OPTIONS...]]: starts the daemon on the mounted
# FunctionFS; its output goes to $FFS_LOG unless FFS_OUT says otherwise.
ffs_start() {
	local conf=${1:-$FFS_CONF}
	[ $# -eq 0 ] || shift
	rm -f "$FFS_READY"
	ffsgadget run --ready-file "$FFS_READY" "$@" "$conf" "$FFS_MOUNT" \
		>>"${FFS_OUT:-$FFS_LOG}" 2>&1 &
	FFS_PID=$!
}

# ffs_stop: SIGTERM, then SIGKILL if it lingers; true if it exited cleanly.
ffs_stop() {
	local rc=0
	[ -n "$FFS_PID" ] || return 0
	kill "$FFS_PID" 2>/dev/null
	if ! wait_for 5 ffs_exited; then
		kill -9 "$FFS_PID" 2>/dev/null
		rc=1
		# A task stuck in the kernel ignores even SIGKILL: never wait blind.
		wait_for 5 ffs_exited || { stuck_tasks | detail; FFS_PID=""; return 1; }
	fi
	wait "$FFS_PID" 2>/dev/null
	FFS_PID=""
	return $rc
}
# Gone, or a zombie (kill -0 still succeeds on one): waiting cannot block.
ffs_exited() {
	[ ! -e "/proc/$FFS_PID/status" ] ||
		grep -q '^State:[[:space:]]*Z' "/proc/$FFS_PID/status" 2>/dev/null
}

# ffs_up [CONF [DAEMON_OPTIONS...]]: "ffsgadget up" composes the gadget,
# mounts FunctionFS, starts the daemon serving CONF, binds once it is ready;
# then wait for usbtest.
ffs_up() {
	local t0 conf=${1:-$FFS_CONF}
	[ $# -eq 0 ] || shift
	t0=$(uptime_s)
	if ! ffsgadget up --name "$GADGET" --description "zero=$conf" "$FFS_SCHEME" -- "$@" \
		>>"$FFS_LOG" 2>&1; then
		echo "ffs: ffsgadget up failed" | detail
		ffs_log
		return 1
	fi
	FFS_PID=$(cat "$FFS_RUN/$GADGET/zero.pid")
	wait_enum 10 || return 1
	say "  ffsgadget bound, enumerated as $USBDEV ($DEVNODE," \
		"$(cat "/sys/bus/usb/devices/$USBDEV/speed") Mb/s) in $(elapsed "$t0") s"
}

# ffs_down: "ffsgadget down": unbind, stop the daemon (and any other holding
# the mount), umount, remove the gadget.
ffs_down() {
	FFS_PID=""
	ffsgadget down "$GADGET" >>"$FFS_LOG" 2>&1
}

ffs_log() { [ -f "$FFS_LOG" ] && detail <"$FFS_LOG"; : >"$FFS_LOG"; }
