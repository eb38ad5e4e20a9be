# The bridge personality judged by a stock host driver: descriptors/
# bridge-cp210x.conf is a CP2102 for the host's own cp210x module (the
# chip's ids 10c4:ea60, used here only, as test gear), its serial data on a
# PTY on the board, its line settings on the control socket, read by
# bridgepeer (tests/vm/bridgepeer.c; the guest has no Python).  Sourced by
# scenario-test.sh in a subshell (part "bridge"): it sets GZ_VID/GZ_PID.

BR_MOUNT=/dev/ffs-cp210x
BR_READY=/run/ffsgadget-cp210x.ready
BR_LOG=/tmp/ffsgadget-bridge.log
BR_DIR=/run/ffsgadget
BR_CTL=$BR_DIR/cp210x.ctl
BR_TTY=$BR_DIR/cp210x-tty
BR_PEER_LOG=/tmp/bridgepeer.log
BR_PID="" PEER_PID=""
GZ_VID=10c4
GZ_PID=ea60

br_exited() { [ ! -e "/proc/$BR_PID/status" ] || grep -q '^State:[[:space:]]*Z' "/proc/$BR_PID/status"; }
br_alive() { [ -n "$BR_PID" ] && ! br_exited; }
tty_ready() { [ -c /dev/ttyUSB0 ] && [ -e /sys/bus/usb-serial/drivers/cp210x/ttyUSB0 ]; }
peer_says() { grep -q "$1" "$BR_PEER_LOG" 2>/dev/null; }

br_up() {
	gadget_up -V 0x$GZ_VID -P 0x$GZ_PID -p "ffsgadget bridge cp210x" -n ffs.cp210x || return 1
	rm -f "$BR_READY"
	ffsgadget run --ready-file "$BR_READY" /descriptors/bridge-cp210x.conf "$BR_MOUNT" \
		>>"$BR_LOG" 2>&1 &
	BR_PID=$!
	gadget_bind -r "$BR_READY" -t 10 || return 1
	wait_for 10 find_device
}

br_down() {
	[ -z "$PEER_PID" ] || { kill "$PEER_PID" 2>/dev/null; wait "$PEER_PID" 2>/dev/null; }
	PEER_PID=""
	gadget_unbind
	if [ -n "$BR_PID" ]; then
		kill "$BR_PID" 2>/dev/null
		wait_for 5 br_exited || kill -9 "$BR_PID" 2>/dev/null
		wait "$BR_PID" 2>/dev/null
		BR_PID=""
	fi
	gadget_down
}

peer_start() {
	: >"$BR_PEER_LOG"
	bridgepeer control "$BR_CTL" "$@" >>"$BR_PEER_LOG" 2>&1 &
	PEER_PID=$!
	wait_for 5 peer_says '^welcome'
}

peer_stop() {
	kill "$PEER_PID" 2>/dev/null
	wait "$PEER_PID" 2>/dev/null
	PEER_PID=""
}

# crosses NAME FROM TO: 1 MiB of random bytes written to FROM arrive at TO unchanged.
crosses() {
	local n=$1 from=$2 to=$3 t0 rpid
	head -c 1048576 /dev/urandom >/tmp/br.src
	rm -f /tmp/br.dst
	t0=$(uptime_s)
	head -c 1048576 <"$to" >/tmp/br.dst &
	rpid=$!
	sleep 0.5
	cat /tmp/br.src >"$from"
	wait_for 120 eval '[ "$(wc -c </tmp/br.dst)" -ge 1048576 ]'
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	if cmp -s /tmp/br.src /tmp/br.dst; then
		pass "$n"
		say "  1 MiB $from -> $to in $(elapsed "$t0") s, byte for byte"
	else
		fail "$n" "$(wc -c </tmp/br.dst) bytes arrived; $(cmp /tmp/br.src /tmp/br.dst 2>&1 | head -n 1)"
	fi
}

section "bridge: cp210x (descriptors/bridge-cp210x.conf), the host's stock cp210x driver"
modprobe cp210x || fail bridge/modules "modprobe cp210x failed"
# The board's PTYs: /init mounts devtmpfs only.
if [ ! -e /dev/pts/ptmx ]; then
	mkdir -p /dev/pts
	mount -t devpts -o ptmxmode=0666 devpts /dev/pts || fail bridge/devpts "mount devpts failed"
fi
: >"$BR_LOG"
t0=$(uptime_s)
if br_up && wait_for 10 tty_ready; then
	pass bridge/cp210x-bound
	say "  cp210x bound, /dev/ttyUSB0 in $(elapsed "$t0") s"
	check bridge/pty-linked "$BR_TTY is no link to a PTY" \
		eval 'case $(readlink "$BR_TTY") in /dev/pts/*) true ;; *) false ;; esac'

	# Broken programs: every message refused with a reason, the daemon serves on.
	if bridgepeer malformed "$BR_CTL" >/tmp/br.malformed 2>&1; then
		pass bridge/malformed-refused
	else
		fail bridge/malformed-refused "$(tr '\n' ';' </tmp/br.malformed)"
	fi
	detail </tmp/br.malformed
	check bridge/daemon-survives-malformed "the daemon exited" br_alive
	check bridge/refusals-logged "no refusal in the daemon's log" \
		grep -q 'message refused: wire version 2 is not supported' "$BR_LOG"

	if peer_start; then
		pass bridge/control-welcome
	else
		fail bridge/control-welcome "$(tr '\n' ';' <"$BR_PEER_LOG")"
	fi
	bridgepeer hello "$BR_CTL" >/tmp/br.second 2>&1
	check bridge/second-client-refused "$(cat /tmp/br.second)" grep -q 'another program' /tmp/br.second

	# stty on the host becomes SET_BAUDRATE (4 bytes, LE) and SET_LINE_CTL
	# (wValue: data bits << 8 | parity << 4 | stop bits) on the board.
	stty -F /dev/ttyUSB0 raw -echo clocal 19200 cs7 parenb parodd cstopb 2>/tmp/br.stty
	check bridge/stty-baud-19200 "$(tr '\n' ';' <"$BR_PEER_LOG")" \
		wait_for 5 peer_says '^setup 41 1e 0000 0000 0004 data 004b0000$'
	check bridge/stty-7o2 "$(tr '\n' ';' <"$BR_PEER_LOG")" \
		wait_for 5 peer_says '^setup 41 03 0712 0000 0000$'
	stty -F /dev/ttyUSB0 115200 cs8 -parenb -cstopb 2>>/tmp/br.stty
	check bridge/stty-baud-115200 "$(tr '\n' ';' <"$BR_PEER_LOG")" \
		wait_for 5 peer_says '^setup 41 1e 0000 0000 0004 data 00c20100$'
	check bridge/stty-8n1 "$(tr '\n' ';' <"$BR_PEER_LOG")" \
		wait_for 5 peer_says '^setup 41 03 0800 0000 0000$'
	detail <"$BR_PEER_LOG"

	# Byte streams both ways; the tty stays open (raw) on the host for both.
	exec 7<>/dev/ttyUSB0
	stty -F /dev/ttyUSB0 raw -echo clocal
	crosses bridge/pty-1MiB-host-to-board /dev/ttyUSB0 "$BR_TTY"
	crosses bridge/pty-1MiB-board-to-host "$BR_TTY" /dev/ttyUSB0
	# The board's program exits mid-transfer and another takes over: every
	# byte the host sent reaches one of them (the daemon holds the PTY).
	head -c 1048576 /dev/urandom >/tmp/br.src
	rm -f /tmp/br.part1 /tmp/br.part2
	# dd bs=1: a reader that takes exactly its share (head may read past it).
	(dd bs=1 count=300000 <"$BR_TTY" >/tmp/br.part1 2>/dev/null &&
		dd bs=1 count=748576 <"$BR_TTY" >/tmp/br.part2 2>/dev/null) &
	rpid=$!
	sleep 0.5
	cat /tmp/br.src >/dev/ttyUSB0
	wait_for 120 eval '[ "$(cat /tmp/br.part1 /tmp/br.part2 2>/dev/null | wc -c)" -ge 1048576 ]'
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	cat /tmp/br.part1 /tmp/br.part2 >/tmp/br.dst 2>/dev/null
	check bridge/pty-program-restart-loses-nothing \
		"$(wc -c </tmp/br.dst) bytes; $(cmp /tmp/br.src /tmp/br.dst 2>&1 | head -n 1)" \
		cmp -s /tmp/br.src /tmp/br.dst
	exec 7>&-

	# A program that does not answer: the request STALLs at the timeout
	# (1000 ms), not at the host's 5 s, and the port still works after it.
	peer_stop
	peer_start --silent
	t1=$(uptime_s)
	stty -F /dev/ttyUSB0 cs7 2>/dev/null
	took=$(elapsed "$t1")
	if awk -v t="$took" 'BEGIN { exit !(t >= 0.9 && t < 4.5) }' &&
		grep -q 'no answer within 1000 ms: STALL' "$BR_LOG"; then
		pass bridge/timeout-stalls
		say "  unanswered SET_LINE_CTL stalled; stty took $took s"
	else
		fail bridge/timeout-stalls "stty took $took s; log: $(grep -c 'no answer' "$BR_LOG") timeouts"
	fi
	peer_stop

	# The program gone: the device stays enumerated; line settings STALL at once.
	check bridge/enumerated-without-program "ttyUSB0 gone" tty_ready
	check bridge/daemon-alive "the daemon exited" br_alive
else
	fail bridge/cp210x-bound "no /dev/ttyUSB0 from cp210x"
	ls /sys/bus/usb-serial/devices/ 2>&1 | detail
fi
br_down
say "  bridge took $(elapsed "$t0") s"
detail <"$BR_LOG"
