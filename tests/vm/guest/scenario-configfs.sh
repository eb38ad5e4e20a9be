# ffsgadget up/down/status/doctor (configfs on libusbgx, issue 3): doctor on
# this kernel, up/down/up cycles that leave nothing behind, up over a stale
# gadget, two FunctionFS functions and a kernel function in one gadget with
# an unprivileged daemon, a slow daemon, a missing and a busy UDC, and the
# endpoint-budget refusal.  Sourced at the end of scenario-test.sh; runs on
# its own too (ffs.scenario=configfs).
. /guest/ffs.sh

CF_SCHEME=/configs/gadget-zero.scheme
CF_RUN=/run/ffsgadget
CF_OUT=/tmp/configfs.out

# cf CMD...: ffsgadget with its output kept in $CF_OUT and the log.
cf() {
	local rc
	ffsgadget "$@" >"$CF_OUT" 2>&1
	rc=$?
	echo "ffsgadget $* -> $rc" | detail
	detail <"$CF_OUT"
	return $rc
}
cf_says() { grep -q -- "$1" "$CF_OUT"; }

# Nothing left: no gadget, no FunctionFS mount, no run-dir entry, no daemon.
cf_clean() {
	why=""
	[ -z "$(ls "$CFS")" ] || why="configfs: $(ls "$CFS" | tr '\n' ' ')"
	! grep -q ' functionfs ' /proc/mounts || why="$why mounts: $(grep ' functionfs ' /proc/mounts | cut -d' ' -f2)"
	[ -z "$(ls "$CF_RUN" 2>/dev/null)" ] || why="$why run dir: $(ls "$CF_RUN")"
	! ps -o pid,stat,args | grep -v grep | grep -v ' Z ' | grep -q 'ffsgadget run' ||
		why="$why daemons: $(ps -o pid,args | grep 'ffsgadget run' | grep -v grep)"
	[ -z "$why" ]
}
check_clean() {
	if cf_clean; then pass "$1"; else fail "$1" "left behind:$why"; fi
}

# A scheme derived from gadget-zero.scheme: sed expressions on stdin's copy.
cf_scheme() { sed "$@" "$CF_SCHEME" >"/tmp/$SCHEME_NAME.scheme"; echo "/tmp/$SCHEME_NAME.scheme"; }

section "ffsgadget doctor on $(uname -r)"
if cf doctor "$CF_SCHEME"; then pass configfs/doctor-clean; else
	fail configfs/doctor-clean "doctor reports something missing"; fi
check configfs/doctor-kernel "no kernel version line" cf_says "version .*$(uname -r | cut -d. -f1-2)"
check configfs/doctor-modules "libcomposite or usb_f_fs not reported ok" \
	sh -c "grep -q 'ok  *libcomposite' $CF_OUT && grep -q 'ok  *usb_f_fs' $CF_OUT"
# get_alt is probed in /proc/kallsyms (ffs_func_get_alt), not judged by the
# version; usb_f_fs is loaded here, so the probe must answer.
if [ "$(uname -r | awk -F. '{ print $1 * 100 + $2 }')" -ge 610 ]; then
	cf_get_alt="yes (probed: usb_f_fs has ffs_func_get_alt)"
else
	cf_get_alt="no (probed: usb_f_fs has no ffs_func_get_alt)"
fi
check configfs/doctor-get-alt "get_alt not reported as '$cf_get_alt'" cf_says "get_alt *$cf_get_alt"
check configfs/doctor-udc "dummy_udc.0 or its board profile missing" \
	sh -c "grep -q 'ok  *dummy_udc.0' $CF_OUT && grep -q 'qemu-dummy' $CF_OUT"
check configfs/doctor-probe "the kernel's verdict on gadget-zero.conf missing" \
	cf_says "accepts its descriptors"
check_clean configfs/doctor-leaves-nothing
# kptr_restrict hides kallsyms addresses from the daemon's user, not the
# names: the probe must answer for it too, even at the strictest setting (2),
# and the daemon warns at start (before it opens ep0) when the kernel cannot
# select an alt it uses.
if [ -n "$FFS_USER" ]; then
	cf_kptr=$(cat /proc/sys/kernel/kptr_restrict)
	echo 2 >/proc/sys/kernel/kptr_restrict
	echo "kptr_restrict $(cat /proc/sys/kernel/kptr_restrict) (was $cf_kptr); as $FFS_USER:" | detail
	su -m -s /bin/sh "$FFS_USER" -c "grep -m 2 ' ffs_func_[gs]et_alt' /proc/kallsyms" 2>&1 | detail
	su -m -s /bin/sh "$FFS_USER" -c "exec ffsgadget doctor" >"$CF_OUT" 2>&1
	echo "$cf_kptr" >/proc/sys/kernel/kptr_restrict
	detail <"$CF_OUT"
	check configfs/doctor-get-alt-unprivileged "as $FFS_USER, get_alt not reported as '$cf_get_alt'" \
		cf_says "get_alt *$cf_get_alt"
	case $cf_get_alt in no*)
		su -m -s /bin/sh "$FFS_USER" -c \
			"exec ffsgadget run /descriptors/gadget-zero-iso-alt1.conf /nonexistent" \
			>"$CF_OUT" 2>&1
		detail <"$CF_OUT"
		check configfs/run-warns-alt "the daemon did not warn that alt 1 cannot be selected and is folded into alt 0" \
			cf_says "warning: .*gadget-zero-iso-alt1.conf: endpoints in interface 0 alt 1, .*no get_alt (probed: usb_f_fs has no ffs_func_get_alt).*could not select them: falling back to every endpoint in alt 0"
	esac
fi

section "ffsgadget up / down: cycles, idempotence, a stale gadget"
t0=$(uptime_s)
GADGET_SAVED=$GADGET
GADGET=gadget-zero
cycles_ok=1
i=0
while [ $i -lt 3 ]; do
	i=$((i + 1))
	if ! cf up "$CF_SCHEME"; then cycles_ok=0; why="cycle $i: up failed"; break; fi
	if ! wait_enum 10; then cycles_ok=0; why="cycle $i: no enumeration"; break; fi
	if [ $i = 1 ]; then
		cf up "$CF_SCHEME" && cf_says "already up" && find_device
		check configfs/up-twice "a second up was not a no-op" [ $? = 0 ]
		cf status gadget-zero
		check configfs/status "status does not show the bound gadget and its ready daemon" \
			sh -c "grep -q 'bound to dummy_udc.0' $CF_OUT && grep -q 'ffs.zero at /dev/ffs-zero, daemon [0-9]* ready' $CF_OUT"
	fi
	if ! cf down "$CF_SCHEME"; then cycles_ok=0; why="cycle $i: down failed"; break; fi
	wait_for 5 device_gone
	cf_clean || { cycles_ok=0; why="cycle $i: left behind:$why"; break; }
done
if [ $cycles_ok = 1 ]; then pass configfs/up-down-x3; else fail configfs/up-down-x3 "$why"; fi
check configfs/down-twice "down on nothing failed" cf down gadget-zero
check configfs/down-all-on-nothing "down without a name failed" cf down
say "  3 up/down cycles in $(elapsed "$t0") s"

# A daemon killed behind up's back leaves a stale gadget: up rebuilds it.
if cf up "$CF_SCHEME" && wait_enum 10; then
	kill -9 "$(cat $CF_RUN/gadget-zero/zero.pid)"
	wait_for 5 device_gone
	if cf up "$CF_SCHEME" && cf_says "left from an earlier run" && wait_enum 10; then
		pass configfs/stale-rebuilt
	else
		fail configfs/stale-rebuilt "up over a stale gadget did not bring it back"
	fi
else
	fail configfs/stale-rebuilt "up failed"
fi
cf down
check_clean configfs/stale-leaves-nothing
GADGET=$GADGET_SAVED

section "check and up refuse a typo'd option before anything is created"
# One validation path: check, describe, up and run refuse the same things with
# the same file:line message, and up does so before configfs is touched (no
# gadget made and rolled back: nothing to undo).
sed 's/^\( *\)pattern = /\1patern = /' /descriptors/gadget-zero.conf >/tmp/typo.conf
cf_typo_line=$(grep -n 'patern' /tmp/typo.conf | cut -d: -f1)
cf_typo_msg="/tmp/typo.conf:$cf_typo_line: options: 'zero' has no option 'patern'"
if cf check /tmp/typo.conf; then
	fail configfs/check-refuses-typo "check said ok"
else
	check configfs/check-refuses-typo "check's message is not '$cf_typo_msg'" cf_says "$cf_typo_msg"
fi
if cf up --description zero=/tmp/typo.conf "$CF_SCHEME"; then
	fail configfs/up-refuses-typo "up succeeded"
	cf down
else
	check configfs/up-refuses-typo "up's message is not '$cf_typo_msg'" cf_says "$cf_typo_msg"
	check configfs/up-refuses-first "up created something and undid it" \
		sh -c "! grep -q 'undoing what was done' $CF_OUT"
fi
check_clean configfs/up-refusal-leaves-nothing
sed 's/^\( *\)personality = "zero";/\1personality = "zer0";/' /descriptors/gadget-zero.conf >/tmp/typo.conf
cf_typo_msg="/tmp/typo.conf:$(grep -n 'zer0' /tmp/typo.conf | cut -d: -f1): function: personality 'zer0' is not built in"
if cf up --description zero=/tmp/typo.conf "$CF_SCHEME"; then
	fail configfs/up-refuses-personality "up succeeded"
	cf down
else
	check configfs/up-refuses-personality "up's message is not '$cf_typo_msg'" cf_says "$cf_typo_msg"
fi
check_clean configfs/up-personality-refusal-leaves-nothing

section "two FunctionFS functions and a kernel function (Loopback) in one gadget"
# ffs.one and ffs.two serve Gadget Zero, Loopback.0 is usb_f_ss_lb's; the
# daemons run as uid/gid 1000 on mounts owned by 1000.
cat >/tmp/compose.scheme <<'EOF'
attrs = { bcdUSB = 0x0200; idVendor = 0x0525; idProduct = 0xa4a0; bcdDevice = 0x0101; };
strings = ( { lang = 0x409; manufacturer = "ffsgadget"; product = "composite"; serialnumber = "42"; } );
functions = {
    ffs_one = { instance = "one"; type = "ffs";
                ffsgadget = { description = "/descriptors/gadget-zero.conf"; }; };
    ffs_two = { instance = "two"; type = "ffs";
                ffsgadget = { description = "/descriptors/gadget-zero.conf"; }; };
    lb = { instance = "0"; type = "Loopback"; };
};
configs = ( { id = 1; name = "c";
              attrs = { bmAttributes = 0x80; bMaxPower = 100; };
              strings = ( { lang = 0x409; configuration = "two ffs + Loopback"; } );
              functions = ( "ffs_one", "ffs_two", "lb" ); } );
ffsgadget = { user = 1000; group = 1000; };
EOF
if cf up --name "$GADGET" /tmp/compose.scheme && wait_enum 10; then
	nif=$(tr -d ' ' <"/sys/bus/usb/devices/$USBDEV/bNumInterfaces")
	cf status "$GADGET"
	check configfs/two-ffs "both daemons ready, 3 interfaces ($nif)" \
		sh -c "[ $nif = 3 ] && [ \$(grep -c 'daemon [0-9]* ready' $CF_OUT) = 2 ]"
	check configfs/kernel-function "Loopback.0 not in the gadget" cf_says "Loopback.0"
	pid=$(cat $CF_RUN/$GADGET/one.pid)
	check configfs/unprivileged "daemon not running as uid 1000" \
		grep -q "^Uid:[[:space:]]*1000[[:space:]]" "/proc/$pid/status"
	testusb_once 1 -c 20 -s 16384
	[ "$TU_STATUS" = ok ] && testusb_once 2 -c 20 -s 16384
	check configfs/compose-data "bulk OUT/IN through ffs.one: $TU_ERR" [ "$TU_STATUS" = ok ]
else
	fail configfs/two-ffs "up or enumeration failed"
fi
cf down -v "$GADGET"
check_clean configfs/compose-leaves-nothing

section "up: endpoint budget, missing and busy UDC, a slow daemon"
# 4 + 4 + 2 endpoints do not fit a Pi Zero.
if ! cf up --board raspberrypi-zero /tmp/compose.scheme &&
	cf_says "needs 10 endpoints; raspberrypi-zero has 7"; then
	pass configfs/budget-refused
else
	fail configfs/budget-refused "no refusal with the expected message"
fi
check_clean configfs/budget-leaves-nothing

if ! cf up --udc nosuch.0 "$CF_SCHEME" && cf_says "no UDC named nosuch.0; present: dummy_udc.0"; then
	pass configfs/udc-missing
else
	fail configfs/udc-missing "no clear error for a missing UDC"
fi
check_clean configfs/udc-missing-leaves-nothing

if cf up "$CF_SCHEME"; then
	if ! cf up --name other "$CF_SCHEME" && cf_says "every UDC is in use: dummy_udc.0 (used by gadget-zero)"; then
		pass configfs/udc-busy
	else
		fail configfs/udc-busy "a second gadget was not refused clearly"
	fi
	cf down gadget-zero
else
	fail configfs/udc-busy "up failed"
fi
cf down other
check_clean configfs/udc-busy-leaves-nothing

# The daemon writes its descriptors 3 s late: up waits for it, binds once,
# and neither EBUSY nor ENODEV ever reaches the user.
printf '#!/bin/sh\nsleep 3\nexec "$@"\n' >/tmp/slow-daemon.sh
chmod 0755 /tmp/slow-daemon.sh
SCHEME_NAME=slow
slow=$(cf_scheme 's|description = "\([^"]*\)";|description = "/descriptors/gadget-zero.conf"; wrapper = "/tmp/slow-daemon.sh";|')
t0=$(uptime_s)
GADGET_SAVED=$GADGET
GADGET=slow
if cf up -v "$slow" && wait_enum 10; then
	took=$(elapsed "$t0")
	if grep -qiE 'busy|no such device|retrying' "$CF_OUT"; then
		fail configfs/slow-daemon "up surfaced a bind error: $(grep -iE 'busy|no such device|retrying' "$CF_OUT" | head -n 1)"
	elif awk -v t="$took" 'BEGIN { exit !(t >= 3) }'; then
		pass configfs/slow-daemon
	else
		fail configfs/slow-daemon "up returned after $took s, before the daemon could be ready"
	fi
else
	fail configfs/slow-daemon "up with a slow daemon failed"
fi
cf down slow
GADGET=$GADGET_SAVED
check_clean configfs/slow-leaves-nothing

# The daemon exits before it is ready: up fails after the gadget, its
# functions and the FunctionFS mount were made, and must undo all of it
# (the rollback at the end of fg_gadget_up).
printf '#!/bin/sh\necho "dead-daemon: exiting before ready" >&2\nexit 3\n' >/tmp/dead-daemon.sh
chmod 0755 /tmp/dead-daemon.sh
SCHEME_NAME=dead
dead=$(cf_scheme 's|description = "\([^"]*\)";|description = "/descriptors/gadget-zero.conf"; wrapper = "/tmp/dead-daemon.sh";|')
if ! cf up -v "$dead" && cf_says "exited (status 3) before"; then
	if cf_clean; then
		pass configfs/daemon-dies-leaves-nothing
	else
		fail configfs/daemon-dies-leaves-nothing "up failed as it should, but left behind:$why"
	fi
else
	fail configfs/daemon-dies-leaves-nothing "up did not fail with the daemon's exit status: $(tail -n 1 "$CF_OUT")"
fi
cf down dead
