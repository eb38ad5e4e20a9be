# HID on FunctionFS, judged by the host's own HID stack (usbhid, hid-generic,
# evdev, hidraw): the keyboard, a keyboard+mouse composite and the gamepad
# from descriptors/, fed through the personality's control socket, read back
# with hidtool (tests/vm/hidtool.c). Sourced by scenario-test.sh in a
# subshell: it changes GZ_VID/GZ_PID for find_device.

HID_MOUNT=/dev/ffs-hid
HID_READY=/run/ffsgadget-hid.ready
HID_LOG=/tmp/ffsgadget-hid.log
HID_PID=""
# The Linux Foundation's multifunction composite gadget id: usbtest leaves it alone.
GZ_VID=1d6b
GZ_PID=0104

# hid_up CONF: gadget with one FunctionFS function, the daemon serving CONF, bound.
hid_up() {
	gadget_up -V 0x$GZ_VID -P 0x$GZ_PID -p "ffsgadget HID" -n ffs.hid || return 1
	rm -f "$HID_READY"
	ffsgadget run --ready-file "$HID_READY" "$1" "$HID_MOUNT" >>"$HID_LOG" 2>&1 &
	HID_PID=$!
	gadget_bind -r "$HID_READY" -t 10 || return 1
	wait_for 10 find_device
}

hid_down() {
	gadget_unbind
	if [ -n "$HID_PID" ]; then
		kill "$HID_PID" 2>/dev/null
		wait_for 5 hid_exited || kill -9 "$HID_PID" 2>/dev/null
		wait "$HID_PID" 2>/dev/null
		HID_PID=""
	fi
	gadget_down
}
# The ctrl+alt+del stand-in got its SIGINT: gone, or a zombie not yet reaped.
cad_signalled() { [ ! -e "/proc/$cad_pid/status" ] || grep -q '^State:[[:space:]]*Z' "/proc/$cad_pid/status"; }
# cad_ready: the stand-in runs hidtool with SIGINT's default action. Until
# it has exec'd and reset it, it is the shell's background child, which
# ignores SIGINT: a ctrl+alt+del then would be lost, not the console's fault.
cad_ready() {
	grep -q '^hidtool' "/proc/$cad_pid/cmdline" 2>/dev/null &&
		! sed -n 's/^SigIgn:[[:space:]]*//p' "/proc/$cad_pid/status" | grep -q '[2367abef]$'
}
hid_exited() { [ ! -e "/proc/$HID_PID/status" ] || grep -q '^State:[[:space:]]*Z' "/proc/$HID_PID/status"; }

# hid_dev IFACE: the sysfs HID device (0003:1D6B:0104.N) on USB interface IFACE.
hid_dev() {
	local d
	for d in /sys/bus/hid/devices/0003:1D6B:0104.*; do
		[ -e "$d" ] || continue
		case $(readlink -f "$d") in
		*":1.$1/"*) echo "$d"; return 0 ;;
		esac
	done
	return 1
}
# hid_bound IFACE: hid-generic took it and evdev made its event device.
hid_bound() {
	local d
	d=$(hid_dev "$1") || return 1
	[ -e "/sys/bus/hid/drivers/hid-generic/${d##*/}" ] && ls -d "$d"/input/input*/event* >/dev/null 2>&1
}
hid_event() { local d; d=$(hid_dev "$1") && echo "/dev/input/$(basename "$(ls -d "$d"/input/input*/event* | head -n 1)")"; }
hid_hidraw() { local d; d=$(hid_dev "$1") && echo "/dev/$(ls "$d/hidraw" | head -n 1)"; }

# conf_report CONF N: the Nth (1-based) report descriptor in CONF, as hidtool rdesc prints it.
conf_report() {
	awk -v want="$2" '
		/report = \[/ { n++; on = (n == want) }
		on { sub(/#.*/, ""); while (match($0, /0x[0-9a-fA-F][0-9a-fA-F]/)) {
			out = out (out == "" ? "" : " ") tolower(substr($0, RSTART + 2, 2))
			$0 = substr($0, RSTART + RLENGTH) } }
		on && /\]/ { on = 0 }
		END { print out }' "$1"
}

# hid_expect NAME EVDEV SOCKET EXPECTED LINE...: the events the lines cause
# must be exactly EXPECTED (newline-separated "KEY 35 1" lines).
hid_expect() {
	local n=$1 ev=$2 sock=$3 want=$4 count
	shift 4
	count=$(printf '%s\n' "$want" | grep -c .)
	if hidtool run "$ev" "$count" 8000 "$sock" "$@" >/tmp/hid.events 2>&1 &&
		[ "$(cat /tmp/hid.events)" = "$want" ]; then
		pass "$n"
	else
		fail "$n" "events: $(tr '\n' ',' </tmp/hid.events) wanted: $(printf '%s' "$want" | tr '\n' ',')"
	fi
}

# hid_leds NAME SOCKET WANT: the LED state the daemon received becomes WANT.
hid_leds_are() { [ "$(hidtool send "$1" 'leds?')" = "$2" ]; }

# Linux key codes: KEY_LEFTSHIFT 42, H 35, E 18, L 38, O 24, A 30, B 48,
# BTN_LEFT 272, BTN_GAMEPAD 304; REL_X 0, REL_Y 1; ABS_X 0; LED_CAPSL 1.
HELLO_EVENTS='KEY 42 1
KEY 35 1
KEY 42 0
KEY 35 0
KEY 18 1
KEY 18 0
KEY 38 1
KEY 38 0
KEY 38 1
KEY 38 0
KEY 24 1
KEY 24 0'

modprobe usbhid && modprobe hid-generic && modprobe evdev ||
	fail hid/modules "modprobe usbhid hid-generic evdev failed"

section "HID keyboard (descriptors/hid-keyboard.conf): usbhid, evdev, hidraw"
: >"$HID_LOG"
t0=$(uptime_s)
sock=/run/ffsgadget-hid-keyboard.sock
if hid_up /descriptors/hid-keyboard.conf && wait_for 10 hid_bound 0; then
	pass hid/keyboard-bound
	say "  bound to hid-generic as $(basename "$(hid_dev 0)") in $(elapsed "$t0") s"
	ev=$(hid_event 0)
	hid_expect hid/keyboard-type-Hello "$ev" "$sock" "$HELLO_EVENTS" "type Hello"
	# The host's console keyboard acts on ctrl+alt+del: by default it reboots.
	# Point it at a stand-in for init instead, which it then interrupts.
	cad=$(cat /proc/sys/kernel/ctrl-alt-del)
	hidtool pause 600 &
	cad_pid=$!
	wait_for 5 cad_ready || echo "the ctrl+alt+del stand-in did not start in 5 s" | detail
	echo 0 >/proc/sys/kernel/ctrl-alt-del
	echo "$cad_pid" >/proc/sys/kernel/cad_pid
	hid_expect hid/keyboard-ctrl-alt-del "$ev" "$sock" 'KEY 29 1
KEY 56 1
KEY 111 1
KEY 29 0
KEY 56 0
KEY 111 0' "key ctrl+alt+del"
	check hid/keyboard-ctrl-alt-del-signal "the host's console did not signal ctrl+alt+del" \
		wait_for 5 cad_signalled
	echo 1 >/proc/sys/kernel/cad_pid
	echo "$cad" >/proc/sys/kernel/ctrl-alt-del
	kill "$cad_pid" 2>/dev/null
	wait "$cad_pid" 2>/dev/null
	hid_expect hid/keyboard-press-release "$ev" "$sock" 'KEY 30 1
KEY 48 1
KEY 30 0
KEY 48 0' "press a" "press b" "release a" "release b"
	# The host's LED change arrives as an output report on interrupt OUT.
	if hidtool led "$ev" 1 1 && wait_for 5 hid_leds_are "$sock" "ok 0x02 capslock"; then
		pass hid/keyboard-led-interrupt-out
	else
		fail hid/keyboard-led-interrupt-out "daemon says: $(hidtool send "$sock" 'leds?')"
	fi
	# usbhid sets the idle rate to 0 when it binds (SET_IDLE reached the daemon).
	status=$(hidtool send "$sock" 'status?')
	case $status in
	*"if0 keyboard protocol=report idle=0 "*) pass hid/keyboard-set-idle ;;
	*) fail hid/keyboard-set-idle "status: $status" ;;
	esac
	got=$(hidtool rdesc "$(hid_hidraw 0)")
	want=$(conf_report /descriptors/hid-keyboard.conf 1)
	check hid/keyboard-hidraw-rdesc "hidraw: '$got', file: '$want'" \
		test -n "$want" -a "$got" = "$want"
else
	fail hid/keyboard-bound "no hid-generic device with an event node"
fi
hid_down || fail hid/keyboard-teardown "gadget-down.sh failed"
detail <"$HID_LOG"

section "HID keyboard + mouse composite (descriptors/hid-combo.conf)"
: >"$HID_LOG"
sock=/run/ffsgadget-hid-combo.sock
if hid_up /descriptors/hid-combo.conf && wait_for 10 hid_bound 0 && wait_for 10 hid_bound 1; then
	pass hid/combo-bound
	kbd=$(hid_event 0)
	mouse=$(hid_event 1)
	hid_expect hid/combo-mouse-move "$mouse" "$sock" 'REL 0 10
REL 1 -5' "move 10 -5"
	hid_expect hid/combo-mouse-click "$mouse" "$sock" 'KEY 272 1
KEY 272 0' "click left"
	hid_expect hid/combo-keyboard-type "$kbd" "$sock" 'KEY 30 1
KEY 30 0
KEY 48 1
KEY 48 0' "type ab"
	# No interrupt OUT here: the LED report comes by SET_REPORT on ep0.
	if hidtool led "$kbd" 1 1 && wait_for 5 hid_leds_are "$sock" "ok 0x02 capslock"; then
		pass hid/combo-led-set-report
	else
		fail hid/combo-led-set-report "daemon says: $(hidtool send "$sock" 'leds?')"
	fi
	got=$(hidtool rdesc "$(hid_hidraw 1)")
	want=$(conf_report /descriptors/hid-combo.conf 2)
	check hid/combo-mouse-hidraw-rdesc "hidraw: '$got', file: '$want'" \
		test -n "$want" -a "$got" = "$want"
else
	fail hid/combo-bound "two hid-generic devices with event nodes expected"
fi
hid_down || fail hid/combo-teardown "gadget-down.sh failed"
detail <"$HID_LOG"

section "HID gamepad (descriptors/hid-gamepad.conf)"
: >"$HID_LOG"
sock=/run/ffsgadget-hid-gamepad.sock
if hid_up /descriptors/hid-gamepad.conf && wait_for 10 hid_bound 0; then
	pass hid/gamepad-bound
	hid_expect hid/gamepad-button-axis "$(hid_event 0)" "$sock" 'KEY 304 1
ABS 0 100
KEY 304 0
ABS 0 0' "press button:1" "axis x 100" "release all"
else
	fail hid/gamepad-bound "no hid-generic device with an event node"
fi
hid_down || fail hid/gamepad-teardown "gadget-down.sh failed"
detail <"$HID_LOG"
