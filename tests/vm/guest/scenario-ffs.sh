# Gadget Zero on FunctionFS, served by ffsgadget: the baseline's testusb list
# (strict this time: a missing result line fails), unbind/rebind cycles, and a
# daemon kill/restart. Sourced by scenario-test.sh after the baseline, which
# defines TESTS_PATTERN and TESTS_ZEROS.
. /guest/ffs.sh

# Iso needs a description with iso endpoints: scenario-iso.sh.
FFS_TESTS=$(echo "$TESTS_PATTERN" | grep -vE '^(15|16|22|23) ')
FFS_CYCLES=${FFS_CYCLES:-20}

ffs_tests() { run_testusb_list ffs "$1"; }

# ffs_cycles N: unbind and bind again N times; each time the host must see
# the device go and come back with usbtest bound. Reasons go to $why.
ffs_cycles() {
	local i=0
	while [ "$i" -lt "$1" ]; do
		i=$((i + 1))
		gadget_unbind || { why="cycle $i: unbind failed"; return 1; }
		wait_for 5 device_gone || { why="cycle $i: device still there"; return 1; }
		gadget_bind || { why="cycle $i: bind failed"; return 1; }
		wait_enum 10 || { why="cycle $i: no enumeration"; return 1; }
	done
}

# ffs_kill_restart: SIGKILL the daemon (FunctionFS then unbinds the gadget
# itself), start a new one on the same mount, bind, and move data again.
ffs_kill_restart() {
	echo "kill -9 ffsgadget ($FFS_PID)" | detail
	kill -9 "$FFS_PID"
	wait_for 5 ffs_exited || { why="daemon survived SIGKILL (stuck in the kernel)"; return 1; }
	wait "$FFS_PID" 2>/dev/null
	FFS_PID=""
	wait_for 5 device_gone || { why="device stayed after the daemon died"; return 1; }
	echo "restarting ffsgadget" | detail
	ffs_start
	gadget_bind -r "$FFS_READY" -t 10 || { why="restarted daemon never ready"; return 1; }
	wait_enum 10 || { why="no enumeration after restart"; return 1; }
	testusb_once 1 -c 10 -s 16384
	[ "$TU_STATUS" = ok ] || { why="bulk OUT after restart: $TU_ERR"; return 1; }
	testusb_once 2 -c 10 -s 16384
	[ "$TU_STATUS" = ok ] || { why="bulk IN after restart: $TU_ERR"; return 1; }
}

# check_why NAME COMMAND...: pass, or fail with the reason COMMAND left in
# $why. No subshell: COMMAND may change FFS_PID.
check_why() {
	local n=$1
	shift
	why=""
	if "$@"; then pass "$n"; else fail "$n" "${why:-failed}"; fi
}

section "ffsgadget: Gadget Zero on FunctionFS, pattern mod63"
: >"$FFS_LOG"
usbtest_pattern 1
if ffs_up "$FFS_CONF" --stats; then
	ffs_tests "$FFS_TESTS"
	if [ -x /bin/ffsgadget-host ] && [ -f /guest/scenario-host.sh ]; then
		section "ffsgadget-host against Gadget Zero"
		. /guest/scenario-host.sh
		host_checks
	fi
	check_why "ffs/rebind-x$FFS_CYCLES" ffs_cycles "$FFS_CYCLES"
	check_why ffs/kill-restart ffs_kill_restart
else
	fail ffs/enumerate "Gadget Zero on FunctionFS did not enumerate with usbtest bound"
fi
ffs_down || fail ffs/teardown "gadget-down.sh failed"
ffs_log

section "ffsgadget: pattern zeros (27/28 need it)"
usbtest_pattern 0
if ffs_up "$(ffs_conf_zeros)" --stats; then
	ffs_tests "$TESTS_ZEROS"
else
	fail ffs/enumerate0 "zeros Gadget Zero did not enumerate with usbtest bound"
fi
usbtest_pattern 1
ffs_down || fail ffs/teardown0 "gadget-down.sh failed"
ffs_log
check ffs/gone "configfs gadget left behind" test ! -e "$CFS/$GADGET"
