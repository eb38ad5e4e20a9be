# In-guest test library, sourced by /init and the scenarios (busybox ash).
#
# Results go to $RESULTS, one line each ("PASS name", "FAIL name reason",
# "SKIP name reason", "RETRIED name what the first run saw"), so scenarios
# may run in subshells and still count. run.sh judges them (tests/vm/parts.list
# names the results each part must have; tests/vm/skips.list the only skips
# and retries allowed).
# Lines starting with "| " are details: run.sh keeps them in the log file only.

RESULTS=/tmp/results
CFS=/sys/kernel/config/usb_gadget
GADGET=ffsgadget
GZ_VID=0525
GZ_PID=a4a0
USBDEV=""    # sysfs name of the enumerated gadget, e.g. 1-1
DEVNODE=""   # its usbfs node, e.g. /dev/bus/usb/001/002

# Sanitized builds (make SAN=1 vm-test; /etc/ffsgadget-build says build-san):
# every ASan/UBSan/LSan report of any project binary goes to $SAN_DIR, and
# stops the binary (halt_on_error). san_check turns any report into a failure.
SAN_DIR=/tmp/san
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$SAN_DIR/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$SAN_DIR/ubsan"
export LSAN_OPTIONS="suppressions=/guest/lsan.supp"
[ -d "$SAN_DIR" ] || { mkdir -p "$SAN_DIR" && chmod 1777 "$SAN_DIR"; }
san_build() { grep -q san /etc/ffsgadget-build 2>/dev/null; }
# san_check NAME: fails NAME with the reports found (their text to the log).
san_check() {
	local f n
	# LSan also logs "Suppressions used" tables: only reports count.
	n=$(grep -l -E 'ERROR: |runtime error' "$SAN_DIR"/* 2>/dev/null | wc -l)
	if [ "$n" -eq 0 ]; then
		if san_build; then pass "$1"; else skip "$1" "binaries not sanitized"; fi
		return
	fi
	for f in $(grep -l -E 'ERROR: |runtime error' "$SAN_DIR"/*); do
		echo "sanitizer report $f:" | detail
		detail <"$f"
	done
	fail "$1" "$n sanitizer report(s): $(grep -h -m1 'ERROR\|runtime error' "$SAN_DIR"/* | head -n 1)"
}

say() { echo "$*"; }
detail() { sed 's/^/| /'; }
section() { echo; echo "== $*"; }

# record PASS|FAIL|SKIP NAME [REASON]: counts a result. The "| result:" copy
# lets run.sh count results in the log when the guest dies before summary.
record() {
	echo "$*" >>"$RESULTS"
	echo "| result: $*"
}
pass() {
	record PASS "$1"
	echo "  ok    $1"
}
fail() {
	local n=$1
	shift
	record FAIL "$n" "$*"
	echo "  FAIL  $n: $*"
}
skip() {
	local n=$1
	shift
	record SKIP "$n" "$*"
	echo "  skip  $n: $*"
}
# retried NAME WHAT: NAME's first run failed with WHAT and it runs once more;
# run.sh counts and prints it, and fails it unless tests/vm/skips.list allows
# a retry of NAME (with the reason written down there).
retried() {
	local n=$1
	shift
	record RETRIED "$n" "$*"
	echo "  retry $n: $*"
}
# check NAME REASON COMMAND...: pass if COMMAND succeeds, else fail.
check() {
	local n=$1 why=$2
	shift 2
	if "$@"; then pass "$n"; else fail "$n" "$why"; fi
}

count() { grep -c "^$1 " "$RESULTS" 2>/dev/null || true; }

# Prints the skips, every result for run.sh to judge ("vm-result: ..."), then
# the line run.sh looks for; returns the exit status.
summary() {
	local p f s
	p=$(count PASS) f=$(count FAIL) s=$(count SKIP)
	sed 's/^/vm-result: /' "$RESULTS"
	if [ "$s" -gt 0 ]; then
		echo "vm: $s skipped:"
		grep '^SKIP ' "$RESULTS" | sed 's/^SKIP /  /'
	fi
	[ "$f" -eq 0 ] || { echo "vm: failures:"; grep '^FAIL ' "$RESULTS" | sed 's/^FAIL /  /'; }
	echo "vm: $p passed, $f failed"
	[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
}

# --- timing ---------------------------------------------------------------

uptime_s() { cut -d' ' -f1 /proc/uptime; }
# elapsed SINCE: seconds since an uptime_s reading, one decimal.
elapsed() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }'; }

# stuck_tasks: processes and, for those in uninterruptible sleep, where in
# the kernel they wait.
stuck_tasks() {
	local p
	ps -o pid,stat,args
	for p in /proc/[0-9]*; do
		grep -q '^State:.*D' "$p/status" 2>/dev/null || continue
		echo "${p#/proc/} $(cat "$p/comm") in D state:"
		cat "$p/stack" 2>/dev/null
	done
}

# --- gadget lifecycle (configs/gadget-*.sh) --------------------------------

gadget_up() { sh /configs/gadget-up.sh -g "$GADGET" "$@"; }
gadget_bind() { sh /configs/gadget-up.sh -g "$GADGET" -b "$@"; }
gadget_unbind() { sh /configs/gadget-down.sh -g "$GADGET" -u; }
gadget_down() { sh /configs/gadget-down.sh -g "$GADGET"; }
udc_name() { ls /sys/class/udc | head -n 1; }

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s.
wait_for() {
	local n=$(($1 * 10))
	shift
	until "$@"; do
		[ "$n" -gt 0 ] || return 1
		n=$((n - 1))
		sleep 0.1
	done
}

find_device() {
	local d
	for d in /sys/bus/usb/devices/*; do
		# The device may vanish while we look: ignore read errors.
		[ "$(cat "$d/idVendor" 2>/dev/null)" = "$GZ_VID" ] || continue
		[ "$(cat "$d/idProduct" 2>/dev/null)" = "$GZ_PID" ] || continue
		USBDEV=${d##*/}
		DEVNODE=$(printf '/dev/bus/usb/%03d/%03d' \
			"$(cat "$d/busnum" 2>/dev/null)" "$(cat "$d/devnum" 2>/dev/null)" 2>/dev/null)
		[ -e "$DEVNODE" ] && return 0
	done
	return 1
}
device_gone() { ! find_device; }
usbtest_bound() { ls /sys/bus/usb/drivers/usbtest/ 2>/dev/null | grep -q "^$USBDEV:"; }

# wait_enum [SECONDS]: the host side enumerated $GZ_VID:$GZ_PID and usbtest
# took its interface (no udev here: usbtest was loaded by /init).
wait_enum() {
	USBDEV="" DEVNODE=""
	wait_for "${1:-10}" find_device || return 1
	wait_for "${1:-10}" usbtest_bound
}

# Data pattern usbtest writes and expects: 1 = mod63, 0 = zeros.
# Tests 27/28 refuse to run unless it is 0.
usbtest_pattern() { echo "$1" >/sys/module/usbtest/parameters/pattern; }

# --- testusb --------------------------------------------------------------

TU_TIMEOUT=${TU_TIMEOUT:-30}

# testusb_once TESTNUM ARGS...: one testusb run against $DEVNODE, guarded by
# a watchdog. testusb cannot be killed while usbtest waits on a stuck URB, so
# the watchdog unbinds the UDC, which completes every URB with an error.
# Sets TU_STATUS (ok | error | missing | hung), TU_SECS, TU_ERR.
testusb_once() {
	local t=$1 out=/tmp/testusb.out wd line
	shift
	rm -f /tmp/watchdog.fired
	(
		sleep "$TU_TIMEOUT"
		touch /tmp/watchdog.fired
		echo "" >"$CFS/$GADGET/UDC"
	) &
	wd=$!
	testusb -D "$DEVNODE" -t "$t" "$@" </dev/null >"$out" 2>&1
	kill "$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	echo "testusb -t $t $*" | detail
	detail <"$out"

	TU_SECS="" TU_ERR=""
	line=$(grep -E " test $t(,| -->)" "$out" | head -n 1)
	if [ -e /tmp/watchdog.fired ]; then
		TU_STATUS=hung TU_ERR="no answer in ${TU_TIMEOUT}s (watchdog unbound the UDC)"
		recover
	elif [ -z "$line" ]; then
		TU_STATUS=missing TU_ERR="no result line: usbtest skipped it"
	else
		case $line in
		*" --> "*)
			TU_STATUS=error TU_ERR=${line#* --> } ;;
		*)
			TU_STATUS=ok
			TU_SECS=$(echo "$line" | sed 's/.*, *\([0-9.]*\) secs.*/\1/') ;;
		esac
	fi
}

# After a watchdog unbind: bind again so the next tests still have a device.
recover() {
	echo "watchdog fired: rebinding $GADGET" | detail
	wait_for 5 device_gone
	if ! gadget_bind || ! wait_enum 10; then
		echo "recover: device did not come back" | detail
	fi
}

# tu_name TESTNUM: usbtest's name for a test case.
tu_name() {
	case $1 in
	0) echo "nop" ;;               1) echo "bulk OUT" ;;
	2) echo "bulk IN" ;;           3) echo "bulk OUT varying" ;;
	4) echo "bulk IN varying" ;;   5) echo "bulk OUT sg" ;;
	6) echo "bulk IN sg" ;;        7) echo "bulk OUT sg varying" ;;
	8) echo "bulk IN sg varying" ;; 9) echo "ch9 control subset" ;;
	10) echo "queued control" ;;   11) echo "unlink IN" ;;
	12) echo "unlink OUT" ;;       13) echo "halt set/clear" ;;
	14) echo "ep0 OUT+IN loopback" ;; 15) echo "iso OUT" ;;
	16) echo "iso IN" ;;           17) echo "bulk OUT odd addr" ;;
	18) echo "bulk IN odd addr" ;; 19) echo "bulk OUT odd premapped" ;;
	20) echo "bulk IN odd premapped" ;; 21) echo "ep0 loopback odd addr" ;;
	22) echo "iso OUT odd" ;;      23) echo "iso IN odd" ;;
	24) echo "unlink queued OUT" ;; 25) echo "interrupt OUT" ;;
	26) echo "interrupt IN" ;;     27) echo "bulk OUT queued" ;;
	28) echo "bulk IN queued" ;;   29) echo "toggle reset" ;;
	*) echo "test $1" ;;
	esac
}

# tu_args ARGS...: testusb's count, size and queue (-c, -s, -g, with its
# defaults) into the caller's c, s and g.
tu_args() {
	c=1000 s=1024 g=32
	while [ $# -gt 1 ]; do
		case $1 in
		-c) c=$2 ;; -s) s=$2 ;; -g) g=$2 ;;
		esac
		shift 2
	done
}

# tu_value TESTNUM SECS ARGS...: "NUMBER UNIT": throughput for the
# fixed-size data tests, requests/s for the ep0 loopback, nothing for the
# rest (their lengths vary or they measure latency). MB = 10^6 bytes.
tu_value() {
	local t=$1 secs=$2 c s g bytes
	shift 2
	tu_args "$@"
	case $t in
	1 | 2 | 17 | 18 | 19 | 20) bytes=$((c * s)) ;;
	5 | 6 | 27 | 28) bytes=$((c * g * s)) ;;
	14 | 21)
		awk -v c="$c" -v t="$secs" 'BEGIN { if (t > 0) printf "%.0f req/s", c / t }'
		return ;;
	*) return ;;
	esac
	awk -v b="$bytes" -v t="$secs" 'BEGIN { if (t > 0) printf "%.1f MB/s", b / t / 1e6 }'
}

# tu_transfers TESTNUM ARGS...: how many transfers one run of the test
# makes (URBs for 1/2 and 27/28, control transfers for 14/21: two per
# iteration); nothing for the rest.
tu_transfers() {
	local t=$1 c s g
	shift
	tu_args "$@"
	case $t in
	1 | 2) echo "$c" ;;
	27 | 28) echo $((c * g)) ;;
	14 | 21) echo $((c * 2)) ;;
	esac
}

tu_header() {
	printf '  %4s  %-22s %-26s %9s %11s  %s\n' test name parameters time rate result
}
# tu_row TESTNUM RESULT ARGS...: one table line from the last testusb_once.
tu_row() {
	local t=$1 r=$2 time=""
	shift 2
	[ -z "$TU_SECS" ] || time="${TU_SECS%????}s"
	printf '  %4s  %-22s %-26s %9s %11s  %s\n' "$t" "$(tu_name "$t")" "$*" \
		"$time" "$(tu_value "$t" "${TU_SECS:-0}" "$@")" "$r"
}

# run_testusb_list PREFIX LIST: run_testusb for each "TESTNUM ARGS..." line
# of LIST, named PREFIX/tTESTNUM, under one table header.
run_testusb_list() {
	local prefix=$1 t args
	tu_header
	echo "$2" | while read -r t args; do
		[ -n "$t" ] || continue
		# shellcheck disable=SC2086
		run_testusb "$prefix/t$t" "$t" $args
	done
}

# run_testusb NAME TESTNUM ARGS...: strict check: only a result line without
# an error passes; a missing line (a skipped test) is a failure.
run_testusb() {
	local n=$1 t=$2
	shift 2
	testusb_once "$t" "$@"
	if [ "$TU_STATUS" = ok ]; then
		record PASS "$n"
		tu_row "$t" ok "$@"
	else
		record FAIL "$n" "$TU_ERR"
		tu_row "$t" "FAIL: $TU_ERR" "$@"
	fi
}
