# FunctionFS helpers for the scenarios: Gadget Zero served by the project's
# daemon, ffsgadget, on /dev/ffs-zero. Sourced after lib.sh.

FFS_FUNC=ffs.zero
FFS_MOUNT=/dev/ffs-zero
# In /tmp (mode 1777): the unprivileged daemon creates it.
FFS_READY=/tmp/ffsgadget.ready
FFS_CONF=/descriptors/gadget-zero.conf
FFS_LOG=/tmp/ffsgadget.log
FFS_PID=""
# The gadget comes from this scheme through "ffsgadget up" (configfs on
# libusbgx; Microsoft OS descriptors on, vendor code 0xcd); its daemon's PID
# file is $FFS_RUN/$GADGET/zero.pid.
FFS_SCHEME=/configs/gadget-zero.scheme
FFS_RUN=/run/ffsgadget
# The daemon runs as this unprivileged user (uid 1000 in the image's
# /etc/passwd), with no capabilities, on a FunctionFS mount it owns: "ffsgadget
# up" gets a copy of the scheme with user and group (the mount's uid and gid;
# rmode/fmode 0750/0660), ffs_start switches with su. FFS_USER= runs as root.
FFS_USER=${FFS_USER-ffs}
# ffs_scheme: the scheme to bring up, with $FFS_USER when set.
ffs_scheme() {
	local s=${FFS_SCHEME%.scheme}-user.scheme
	if [ -z "$FFS_USER" ]; then echo "$FFS_SCHEME"; return; fi
	# Beside the original: relative paths in it stay valid.
	sed "/^ffsgadget = {/a\\    user = \"$FFS_USER\"; group = \"$FFS_USER\";" \
		"$FFS_SCHEME" >"$s"
	echo "$s"
}

# ffs_priv_check NAME: the daemon is not root, has no capabilities, and the
# FunctionFS files it uses belong to its user.
ffs_priv_check() {
	local st uid caps owner
	st=/proc/$FFS_PID/status
	uid=$(awk '/^Uid:/ { print $3 }' "$st")
	caps=$(awk '/^CapEff:/ { print $2 }' "$st")
	owner=$(stat -c %u "$FFS_MOUNT/ep0" 2>/dev/null)
	grep -E '^(Uid|Gid|Cap[A-Za-z]*):' "$st" | detail
	ls -ln "$FFS_MOUNT" | detail
	if [ -z "$FFS_USER" ]; then
		skip "$1" "FFS_USER is empty: the daemon runs as root"
	elif [ "$uid" != 0 ] && [ "$caps" = 0000000000000000 ] && [ "$owner" = "$uid" ]; then
		pass "$1"
	else
		fail "$1" "daemon euid $uid, CapEff $caps, ep0 owned by uid $owner"
	fi
}

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
	if [ -n "$FFS_USER" ]; then
		# busybox su execs the shell, which execs the daemon: $! is its PID.
		# (su takes no arguments after -c's ARG0: one command line, no
		# spaces in the options.)
		su -m -s /bin/sh "$FFS_USER" -c \
			"exec ffsgadget run --ready-file $FFS_READY $* $conf $FFS_MOUNT" \
			>>"${FFS_OUT:-$FFS_LOG}" 2>&1 &
	else
		ffsgadget run --ready-file "$FFS_READY" "$@" "$conf" "$FFS_MOUNT" \
			>>"${FFS_OUT:-$FFS_LOG}" 2>&1 &
	fi
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
	# The daemons inherit up's output: FFS_OUT=/dev/console shows them live.
	if ! ffsgadget up --name "$GADGET" --description "zero=$conf" "$(ffs_scheme)" -- "$@" \
		>>"${FFS_OUT:-$FFS_LOG}" 2>&1; then
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
