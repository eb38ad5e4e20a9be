# A hostile host against Gadget Zero (sourced by scenario-test.sh after
# lib.sh): fg-hostile sends every standard, class, vendor and reserved
# request type to every recipient in both directions, with random wValue,
# wIndex and wLength (0xffff included) and oversized OUT data stages. The
# daemon must answer or STALL each, keep its PID, and usbtest must still
# pass afterwards. Also checks that the daemon runs unprivileged.
. /guest/ffs.sh

HOSTILE_COUNT=${HOSTILE_COUNT:-1500}

section "hostile host: random control requests against Gadget Zero"
: >"$FFS_LOG"
usbtest_pattern 1
if ffs_up "$FFS_CONF" --stats; then
	ffs_priv_check priv/unprivileged
	pid=$FFS_PID
	seed=$(awk 'BEGIN { srand(); printf "%d", rand() * 1000000 }')
	t0=$(uptime_s)
	fg-hostile -n "$HOSTILE_COUNT" -s "$seed" "$DEVNODE" >/tmp/hostile.out 2>&1
	rc=$?
	detail </tmp/hostile.out
	say "  $(grep 'answered' /tmp/hostile.out | sed 's/^fg-hostile: //') in $(elapsed "$t0") s (seed $seed)"
	check hostile/requests "fg-hostile exited $rc (seed $seed)" test "$rc" -eq 0
	check hostile/same-daemon "daemon $pid died (seed $seed)" \
		sh -c "[ -d /proc/$pid ] && ! grep -q '^State:.*Z' /proc/$pid/status"
	# fg-hostile reset the device and gave the interface back to usbtest.
	if wait_enum 10; then
		tu_header
		run_testusb hostile/after-t1 1 -c 20 -s 16384
		run_testusb hostile/after-t2 2 -c 20 -s 16384
		run_testusb hostile/after-t9 9 -c 10
		run_testusb hostile/after-t13 13 -c 10
		run_testusb hostile/after-t14 14 -c 100 -s 256 -v 1
	else
		fail hostile/after "device or usbtest gone after the hostile run"
	fi
	check hostile/same-daemon-after "daemon $pid died" test -d "/proc/$pid"
else
	fail hostile/enumerate "Gadget Zero did not enumerate"
fi
ffs_down || fail hostile/teardown "ffs_down failed"
ffs_log
