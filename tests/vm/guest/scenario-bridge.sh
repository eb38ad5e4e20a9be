# The bridge personality judged by a stock host driver: descriptors/
# bridge-cp210x.conf is a CP2102 for the host's own cp210x module (the
# chip's ids 10c4:ea60, used here only, as test gear), its serial data on a
# PTY on the board, its line settings on the control socket, read by
# bridgepeer (tests/vm/bridgepeer.c) and by the Python example
# cp210x_lines.py; then the Python vendor device (vendor_device.py) under
# ffsgadget-host.  Sourced by scenario-test.sh in a subshell (part
# "bridge"): it sets GZ_VID/GZ_PID.

BR_READY=/run/ffsgadget-cp210x.ready
BR_LOG=/tmp/ffsgadget-bridge.log
BR_DIR=/run/ffsgadget
BR_CTL=$BR_DIR/cp210x.ctl
BR_TTY=$BR_DIR/cp210x-tty
BR_PEER_LOG=/tmp/bridgepeer.log
BR_PID="" PEER_PID=""
GZ_VID=10c4
GZ_PID=ea60

# The image's Python (mkinitramfs.sh copies the host's /usr/bin/python3 and
# the standard library files the examples load).
PY=/bin/python3
PY_PID="" PY_CLIENTS=0
PY_MISSING="no python3 in the image: the host has no /usr/bin/python3 (tests/deps.sh installs it)"

br_exited() { [ ! -e "/proc/$BR_PID/status" ] || grep -q '^State:[[:space:]]*Z' "/proc/$BR_PID/status"; }
br_alive() { [ -n "$BR_PID" ] && ! br_exited; }
tty_ready() { [ -c /dev/ttyUSB0 ] && [ -e /sys/bus/usb-serial/drivers/cp210x/ttyUSB0 ]; }
peer_says() { grep -q "$1" "$BR_PEER_LOG" 2>/dev/null; }

# br_up [CONF NAME PRODUCT]: the gadget (GZ_VID:GZ_PID) with FunctionFS NAME,
# the daemon serving CONF on it as root; default the cp210x.
br_up() {
	local conf=${1:-/descriptors/bridge-cp210x.conf} name=${2:-cp210x}
	gadget_up -V 0x$GZ_VID -P 0x$GZ_PID -p "${3:-ffsgadget bridge cp210x}" -n "ffs.$name" ||
		return 1
	rm -f "$BR_READY"
	ffsgadget run --ready-file "$BR_READY" "$conf" "/dev/ffs-$name" >>"$BR_LOG" 2>&1 &
	BR_PID=$!
	gadget_bind -r "$BR_READY" -t 10 || return 1
	wait_for 10 find_device
}

br_down() {
	[ -z "$PEER_PID" ] || { kill "$PEER_PID" 2>/dev/null; wait "$PEER_PID" 2>/dev/null; }
	PEER_PID=""
	py_stop
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

# ctl_clients_above N: the daemon has logged more than N control clients.
ctl_clients_above() { [ "$(grep -c 'control client connected' "$BR_LOG")" -gt "$1" ]; }

# py_start OUT SCRIPT ARGS...: runs a Python example in the background, its
# output to OUT; PY_CLIENTS: the control clients logged before it.
py_start() {
	local out=$1
	shift
	PY_CLIENTS=$(grep -c 'control client connected' "$BR_LOG")
	: >"$out"
	"$PY" "$@" >"$out" 2>&1 &
	PY_PID=$!
}

py_stop() {
	[ -n "$PY_PID" ] || return 0
	kill "$PY_PID" 2>/dev/null
	wait "$PY_PID" 2>/dev/null
	PY_PID=""
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

	# The same line settings through the Python example: cp210x_lines.py
	# prints each one the host sets.
	if [ -x "$PY" ]; then
		py_start /tmp/py.lines /descriptors/bridge/cp210x_lines.py --runtime-dir "$BR_DIR"
		if wait_for 20 ctl_clients_above "$PY_CLIENTS"; then
			stty -F /dev/ttyUSB0 9600 cs8 parenb -parodd -cstopb 2>>/tmp/br.stty
			check bridge/python-cp210x-baud-9600 "$(tr '\n' ';' </tmp/py.lines)" \
				wait_for 5 grep -qx 'baud 9600' /tmp/py.lines
			check bridge/python-cp210x-8e1 "$(tr '\n' ';' </tmp/py.lines)" \
				wait_for 5 grep -qx 'line 8E1' /tmp/py.lines
			stty -F /dev/ttyUSB0 38400 cs7 -parenb cstopb 2>>/tmp/br.stty
			check bridge/python-cp210x-baud-38400 "$(tr '\n' ';' </tmp/py.lines)" \
				wait_for 5 grep -qx 'baud 38400' /tmp/py.lines
			check bridge/python-cp210x-7n2 "$(tr '\n' ';' </tmp/py.lines)" \
				wait_for 5 grep -qx 'line 7N2' /tmp/py.lines
		else
			fail bridge/python-cp210x-connected "$(tr '\n' ';' </tmp/py.lines)"
		fi
		py_stop
		detail </tmp/py.lines
	else
		fail bridge/python-cp210x "$PY_MISSING"
	fi
else
	fail bridge/cp210x-bound "no /dev/ttyUSB0 from cp210x"
	ls /sys/bus/usb-serial/devices/ 2>&1 | detail
fi
br_down
say "  bridge took $(elapsed "$t0") s"
detail <"$BR_LOG"

# ---- a vendor device in Python, driven by ffsgadget-host -------------------
# descriptors/bridge-vendor.conf with descriptors/bridge/vendor_device.py
# behind it: the script answers the vendor requests and loops bulk data back;
# the description's table answers VERSION.  Ids no host driver claims.
section "bridge: vendor device in Python (descriptors/bridge/vendor_device.py), ffsgadget-host"
GZ_VID=1d6b
GZ_PID=0104
VD_DEV=$GZ_VID:$GZ_PID
VD_OUT=/tmp/py.vendor
FGH_OUT=/tmp/fgh.vendor
# vd_host ARGS...: ffsgadget-host on the vendor device, output in $FGH_OUT.
vd_host() {
	timeout 60 ffsgadget-host --device "$VD_DEV" "$@" >"$FGH_OUT" 2>&1
	local rc=$?
	echo "ffsgadget-host $* -> exit $rc" | detail
	detail <"$FGH_OUT"
	return $rc
}
# vd_in_hex: the data of the last IN control transfer, hex without spaces.
vd_in_hex() { grep -v '^ctrl:' "$FGH_OUT" | tr -d ' \n'; }
t0=$(uptime_s)
: >"$BR_LOG"
if [ ! -x "$PY" ]; then
	fail bridge/python-vendor "$PY_MISSING"
elif br_up /descriptors/bridge-vendor.conf vendor "ffsgadget bridge vendor"; then
	py_start "$VD_OUT" /descriptors/bridge/vendor_device.py --runtime-dir "$BR_DIR"
	if wait_for 20 grep -q '^connected: speed high' "$VD_OUT"; then
		pass bridge/python-vendor-connected
		greeting=$(printf 'greetings from the host' | od -An -tx1 | tr -d ' \n')
		if vd_host ctrl 0x41 0x01 0 0 "$greeting" && vd_host ctrl 0xc1 0x02 0 0 64; then
			check bridge/python-vendor-ctrl-stored "read back '$(vd_in_hex)'" \
				[ "$(vd_in_hex)" = "$greeting" ]
		else
			fail bridge/python-vendor-ctrl-stored "$(tail -n 1 "$FGH_OUT")"
		fi
		# Answered by the description's table, not the script.
		vd_host ctrl 0xc1 0x03 0 0 2
		check bridge/python-vendor-canned "VERSION read '$(vd_in_hex)'" [ "$(vd_in_hex)" = 0100 ]
		# A request the script does not know: STALL (exit status 1).
		vd_host ctrl 0xc1 0x7e 0 0 8
		rc=$?
		check bridge/python-vendor-unknown-stalls "exit $rc: $(tail -n 1 "$FGH_OUT")" \
			eval '[ "$rc" = 1 ] && grep -q "^ctrl: STALL" "$FGH_OUT"'
		# Bulk loopback through the script: stamped packets, each back once, in order.
		if vd_host stream --pattern seq --count 200 --size 16384 --json --quiet &&
			grep -q '"in":{[^}]*"transfers":200,' "$FGH_OUT" &&
			grep -q '"mismatched_bytes":0,"lost":0,"duplicates":0,"reordered":0,' "$FGH_OUT"; then
			pass bridge/python-vendor-loopback
		else
			fail bridge/python-vendor-loopback "$(grep -v '^ ' "$FGH_OUT" | tail -n 1)"
		fi
		# The script's own count: 200 transfers looped back (le32), by GET_COUNTS.
		vd_host ctrl 0xc1 0x04 0 0 8
		check bridge/python-vendor-counts "GET_COUNTS read '$(vd_in_hex)'" \
			eval 'case $(vd_in_hex) in c8000000*) true ;; *) false ;; esac'
	else
		fail bridge/python-vendor-connected "$(tr '\n' ';' <"$VD_OUT")"
	fi
	py_stop
	detail <"$VD_OUT"
else
	fail bridge/python-vendor "the vendor device did not enumerate"
fi
br_down
say "  vendor device took $(elapsed "$t0") s"
detail <"$BR_LOG"

# ---- FIFO endpoints ---------------------------------------------------------
# The cp210x description with its serial data on two FIFOs instead of the
# PTY (ep_tx: the board writes, the host reads; ep_rx: the other way): the
# daemon makes them in the runtime directory with the description's mode
# and holds both ends, so readers and writers come and go.
section "bridge: FIFO endpoints (bridge-cp210x.conf with ep_tx/ep_rx on FIFOs)"
GZ_VID=10c4
GZ_PID=ea60
FIFO_TX=$BR_DIR/cp210x-tx
FIFO_RX=$BR_DIR/cp210x-rx
sed -e 's|ep_tx = "pty:cp210x-tty";|ep_tx = "fifo:cp210x-tx";|' \
	-e 's|ep_rx = "pty:cp210x-tty";|ep_rx = "fifo:cp210x-rx";|' \
	/descriptors/bridge-cp210x.conf >/tmp/bridge-fifo.conf
t0=$(uptime_s)
: >"$BR_LOG"
if ! grep -q '"fifo:cp210x-tx"' /tmp/bridge-fifo.conf || ! grep -q '"fifo:cp210x-rx"' /tmp/bridge-fifo.conf; then
	fail bridge/fifo-made "bridge-cp210x.conf no longer has the ep_tx/ep_rx lines this test rewrites"
elif br_up /tmp/bridge-fifo.conf cp210x "ffsgadget bridge cp210x fifo" && wait_for 10 tty_ready; then
	check bridge/fifo-made "$(ls -l "$FIFO_TX" "$FIFO_RX" 2>&1 | tr '\n' ';')" \
		eval '[ -p "$FIFO_TX" ] && [ -p "$FIFO_RX" ] &&
			[ "$(stat -c %a "$FIFO_TX") $(stat -c %a "$FIFO_RX")" = "600 600" ]'
	# A program for the line settings, so that stty's requests are answered.
	peer_start || fail bridge/fifo-control "$(tr '\n' ';' <"$BR_PEER_LOG")"
	exec 7<>/dev/ttyUSB0
	stty -F /dev/ttyUSB0 raw -echo clocal
	crosses bridge/fifo-1MiB-host-to-board /dev/ttyUSB0 "$FIFO_RX"
	# Board to host by two writers, one after the other: the first one
	# leaving is no end of the stream.
	head -c 1048576 /dev/urandom >/tmp/br.src
	rm -f /tmp/br.dst
	head -c 1048576 </dev/ttyUSB0 >/tmp/br.dst &
	rpid=$!
	sleep 0.5
	head -c 400000 /tmp/br.src >"$FIFO_TX"
	sleep 0.2
	tail -c +400001 /tmp/br.src >"$FIFO_TX"
	wait_for 120 eval '[ "$(wc -c </tmp/br.dst)" -ge 1048576 ]'
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	check bridge/fifo-1MiB-board-to-host \
		"$(wc -c </tmp/br.dst) bytes; $(cmp /tmp/br.src /tmp/br.dst 2>&1 | head -n 1)" \
		cmp -s /tmp/br.src /tmp/br.dst
	# Host to board with the reader replaced mid-stream: every byte reaches
	# one of the two readers, in order.
	head -c 1048576 /dev/urandom >/tmp/br.src
	rm -f /tmp/br.part1 /tmp/br.part2
	(dd bs=1 count=300000 <"$FIFO_RX" >/tmp/br.part1 2>/dev/null &&
		head -c 748576 <"$FIFO_RX" >/tmp/br.part2) &
	rpid=$!
	sleep 0.5
	cat /tmp/br.src >/dev/ttyUSB0
	wait_for 120 eval '[ "$(cat /tmp/br.part1 /tmp/br.part2 2>/dev/null | wc -c)" -ge 1048576 ]'
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	cat /tmp/br.part1 /tmp/br.part2 >/tmp/br.dst 2>/dev/null
	check bridge/fifo-reader-restart-loses-nothing \
		"$(wc -c </tmp/br.dst) bytes; $(cmp /tmp/br.src /tmp/br.dst 2>&1 | head -n 1)" \
		cmp -s /tmp/br.src /tmp/br.dst
	exec 7>&-
	check bridge/fifo-enumerated-after "ttyUSB0 gone or the daemon exited" \
		eval 'tty_ready && br_alive'
	grep 'FIFO' "$BR_LOG" | sed 's/^/  daemon: /'
else
	fail bridge/fifo-made "no /dev/ttyUSB0 from cp210x with FIFO endpoints"
fi
br_down
check bridge/fifo-removed "FIFOs left behind: $(ls "$BR_DIR" 2>&1 | tr '\n' ' ')" \
	eval '[ ! -e "$FIFO_TX" ] && [ ! -e "$FIFO_RX" ]'
say "  FIFO endpoints took $(elapsed "$t0") s"
detail <"$BR_LOG"
