#!/bin/sh
# Runs inside the booted image (boot-test.sh puts it on the boot partition
# and names it with systemd.run= on the kernel command line), as a service
# of the image's own systemd, once per boot: phase 1 on the first boot,
# then a reboot, phase 2 on the second. One line per check on the console:
# "imgtest: PASS NAME" or "imgtest: FAIL NAME: WHY"; "imgtest: done" last.
set -u
# systemd.run= makes this kernel-command-line.service and the boot's
# default target (multi-user.target is never started), running right after
# sysinit.target. The checks need the image's whole boot: they run as a unit
# of their own that pulls in multi-user.target and starts after it.
if [ "${1:-}" != --checks ]; then
	cp "$0" /run/imgtest.sh
	exec systemd-run --no-block --unit=ffs-imgtest --property=Wants=multi-user.target \
		--property=After=multi-user.target /bin/sh /run/imgtest.sh --checks
fi
exec >/dev/console 2>&1
state=/var/lib/ffs-imgtest
mkdir -p "$state"
phase=$(cat "$state/phase" 2>/dev/null || echo 1)

pass() { echo "imgtest: PASS $1"; }
fail() { echo "imgtest: FAIL $1: $2"; }
check() { # NAME WHY COMMAND...
	c_name=$1 c_why=$2
	shift 2
	if "$@"; then pass "$c_name"; else fail "$c_name" "$c_why"; fi
}

# The gadget's device on the host side of dummy_hcd, by its ids.
device() {
	for d in /sys/bus/usb/devices/*; do
		[ "$(cat "$d/idVendor" 2>/dev/null)" = 0525 ] &&
			[ "$(cat "$d/idProduct" 2>/dev/null)" = a4a0 ] && { echo "$d"; return 0; }
	done
	return 1
}
wait_device() { # SECONDS
	i=0
	while [ "$i" -lt "$1" ]; do
		device >/dev/null && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}
wait_gone() {
	i=0
	while [ "$i" -lt 20 ]; do
		device >/dev/null || return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}
daemons() { pgrep -x ffsgadget | wc -l; }
leftovers() { # what a stopped gadget must not leave: daemon, mount, configfs gadget
	[ "$(daemons)" = 0 ] || { echo "ffsgadget process(es): $(pgrep -a -x ffsgadget | tr '\n' ' ')"; return; }
	grep -q ' functionfs ' /proc/mounts && { echo "mount: $(grep ' functionfs ' /proc/mounts)"; return; }
	[ -z "$(ls /sys/kernel/config/usb_gadget/ 2>/dev/null)" ] ||
		{ echo "gadget: $(ls /sys/kernel/config/usb_gadget/)"; return; }
	device >/dev/null && { echo "the device is still on the bus"; return; }
}

testusb_short() {
	d=$(device) || { fail usbtest "no 0525:a4a0 device"; return; }
	node=/dev/bus/usb/$(printf %03d "$(cat "$d/busnum")")/$(printf %03d "$(cat "$d/devnum")")
	i=0
	while [ ! -d /sys/bus/usb/drivers/usbtest ] || [ -z "$(ls /sys/bus/usb/drivers/usbtest | grep ':')" ]; do
		[ "$i" -lt 20 ] || { fail usbtest "usbtest did not bind to $d"; return; }
		sleep 1
		i=$((i + 1))
	done
	# /run is noexec: the root file system.
	cp /boot/firmware/testusb "$state/testusb" && chmod 755 "$state/testusb"
	# Gadget Zero's description serves usbtest's mod-63 pattern: usbtest
	# checks IN data against it only with pattern=1 (writable at run time).
	echo 1 >/sys/module/usbtest/parameters/pattern
	bad=""
	# Bulk out/in, with and without scatter-gather, and control (ch9).
	for t in 1 2 3 4 5 6 7 8 9; do
		out=$(timeout 60 "$state/testusb" -D "$node" -t "$t" -c 10 -s 512 2>&1)
		rc=$?
		echo "imgtest: testusb -t $t: $(echo "$out" | tail -n 1)"
		if [ "$rc" != 0 ] || ! echo "$out" | grep -q "test $t,"; then
			bad="$bad $t"
		elif echo "$out" | grep -qi 'error\|fail'; then
			bad="$bad $t"
		fi
	done
	if [ -z "$bad" ]; then pass "usbtest (testusb -t 1..9 -c 10 -s 512)"; else fail usbtest "tests$bad failed"; fi
}

# This script is itself a job of the boot (systemd.run=): waiting for the
# boot to finish would wait for itself. Wait for the gadget's unit instead.
i=0
while [ "$i" -lt 180 ]; do
	case $(systemctl is-active ffsgadget@gadget-zero) in active|failed) break ;; esac
	sleep 1
	i=$((i + 1))
done
echo "imgtest: phase $phase, $(systemctl is-system-running) after ${i} s wait ($(uname -r))"

if [ "$phase" = 1 ]; then
	check "pid 1 is systemd" "$(cat /proc/1/comm)" test "$(cat /proc/1/comm)" = systemd
	check "ffsgadget@gadget-zero active" "$(systemctl is-active ffsgadget@gadget-zero)" \
		systemctl -q is-active ffsgadget@gadget-zero
	check "host side enumerates 0525:a4a0" "not on the bus within 30 s" wait_device 30
	testusb_short
	check "no default password" "root's shadow entry: $(awk -F: '$1 == "root" { print substr($2, 1, 1) }' /etc/shadow)" \
		sh -c "awk -F: '\$1 == \"root\" && \$2 ~ /^[*!]/ { ok = 1 } END { exit !ok }' /etc/shadow"
	key=$(cat /boot/firmware/imgtest-key.pub)
	ak=/root/.ssh/authorized_keys
	check "ssh key from the boot partition in authorized_keys" "$(ls -ln $ak 2>&1)" grep -qxF "$key" "$ak"
	check "authorized_keys 0600 root:root, .ssh 0700" "$(stat -c '%a %u:%g' /root/.ssh $ak 2>&1 | tr '\n' ' ')" \
		test "$(stat -c '%a %u:%g' /root/.ssh $ak | tr '\n' ' ')" = "700 0:0 600 0:0 "
	check "authorized_keys read once (removed from the boot partition)" "still there" \
		test ! -e /boot/firmware/authorized_keys
	check "bad hostname refused, named in the journal" "$(journalctl -b -u ffsgadget-firstboot -o cat | tr '\n' '|')" \
		sh -c 'journalctl -b -u ffsgadget-firstboot -o cat | grep -q "hostname: line 1: .* is not a host name" &&
			test -e /boot/firmware/hostname.rejected && test "$(cat /etc/hostname)" = ffsgadget'
	check "ssh host keys made at first boot" "none" sh -c 'ls /etc/ssh/ssh_host_ed25519_key >/dev/null'
	rootsize=$(df -m --output=size / | tail -n 1 | tr -d ' ')
	check "root file system grown to the disk" "${rootsize} MiB, image's was $(cat /boot/firmware/imgtest-rootmb)" \
		test "$rootsize" -gt "$(($(cat /boot/firmware/imgtest-rootmb) + 256))"

	# systemd's supervision: a daemon killed outright (no clean-up of its
	# own) brings the unit down and back (Restart=), and the device with it.
	n=$(daemons)
	restarts=$(systemctl show -p NRestarts --value ffsgadget@gadget-zero)
	dpid=$(pgrep -f '^/usr/bin/ffsgadget run ' | head -n 1)
	if [ -n "$dpid" ]; then
		kill -9 "$dpid"
		i=0
		while [ "$i" -lt 60 ]; do
			[ "$(systemctl show -p NRestarts --value ffsgadget@gadget-zero)" -gt "$restarts" ] &&
				systemctl -q is-active ffsgadget@gadget-zero && break
			sleep 1
			i=$((i + 1))
		done
		check "kill -9 of the daemon: systemd restarted the unit" \
			"NRestarts $(systemctl show -p NRestarts --value ffsgadget@gadget-zero), $(systemctl is-active ffsgadget@gadget-zero)" \
			test "$(systemctl show -p NRestarts --value ffsgadget@gadget-zero)" -gt "$restarts"
		check "kill -9: the device is back on the bus" "not within 30 s" wait_device 30
		check "kill -9: a new daemon, as many processes as before ($n)" "$(pgrep -a -f ffsgadget | tr '\n' ' ')" \
			sh -c "test \"\$(pgrep -x ffsgadget | wc -l)\" = $n && ! kill -0 $dpid 2>/dev/null"
	else
		fail "kill -9 of the daemon" "no 'ffsgadget run' process: $(pgrep -a -f ffsgadget | tr '\n' ' ')"
	fi

	systemctl restart ffsgadget@gadget-zero
	check "restart: active again" "$(systemctl is-active ffsgadget@gadget-zero)" \
		systemctl -q is-active ffsgadget@gadget-zero
	check "restart: enumerates again" "not on the bus" wait_device 30
	check "restart: as many daemons as before ($n)" "$(daemons)" test "$(daemons)" = "$n"
	systemctl stop ffsgadget@gadget-zero
	wait_gone
	left=$(leftovers)
	check "stop: no daemon, mount, gadget or device left" "$left" test -z "$left"
	echo 2 >"$state/phase"
	sync
	echo "imgtest: rebooting"
	systemctl reboot
	exit 0
fi

check "after reboot: ffsgadget@gadget-zero active" "$(systemctl is-active ffsgadget@gadget-zero)" \
	systemctl -q is-active ffsgadget@gadget-zero
check "after reboot: host side enumerates 0525:a4a0" "not on the bus within 30 s" wait_device 30
check "after reboot: first-boot files not read again" "$(journalctl -b -u ffsgadget-firstboot -o cat | tr '\n' '|')" \
	sh -c '! journalctl -b -u ffsgadget-firstboot -o cat | grep -q "authorized_keys:"'
echo "imgtest: done"
systemctl poweroff
