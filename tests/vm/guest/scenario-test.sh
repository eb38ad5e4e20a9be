# The "test" scenario: the in-kernel SourceSink baseline, then the FunctionFS
# Gadget Zero run when the daemon is in the image.

# Test list with parameters small enough for TCG: the whole VM cycle should
# stay well under a minute. Vary values for IN tests stay multiples of 512 (a
# read that ends mid-packet overflows), and for sg tests in both directions:
# dummy_hcd takes scatterlists but not entries that end mid-packet (-EINVAL);
# 14/21 need vary < length; 25/26 read whole high-speed interrupt packets.
# 27/28 are listed separately: usbtest runs them only with pattern 0.
# The iso tests 15/16/22/23 need iso endpoints: scenario-iso.sh runs them.
TESTS_PATTERN='
0 -c 1
1 -c 100 -s 131072
2 -c 100 -s 131072
3 -c 100 -s 131072 -v 421
4 -c 100 -s 131072 -v 512
5 -c 40 -g 32 -s 16384
6 -c 40 -g 32 -s 16384
7 -c 10 -g 32 -s 16384 -v 512
8 -c 10 -g 32 -s 16384 -v 512
9 -c 50
10 -c 50 -g 32
11 -c 50 -s 16384
12 -c 50 -s 16384
13 -c 50
14 -c 500 -s 256 -v 1
17 -c 100 -s 16384
18 -c 100 -s 16384
19 -c 100 -s 16384
20 -c 100 -s 16384
21 -c 100 -s 256 -v 1
24 -c 20 -g 32 -s 4096
25 -c 100 -s 1024
26 -c 100 -s 1024
29 -c 50
'
TESTS_ZEROS='
27 -c 100 -g 32 -s 16384
28 -c 100 -g 32 -s 16384
'

# Tests the stock SourceSink on dummy_hcd cannot run: usbtest skips them (no
# result line). Only the baseline may skip, and only these.
baseline_skip_reason() {
	case $1 in
	25 | 26) echo "interrupt: SourceSink has no interrupt endpoints" ;;
	*) return 1 ;;
	esac
}

# baseline_tests LIST: runs each line, reports "baseline/tNN" checks.
baseline_tests() {
	tu_header
	echo "$1" | while read -r t args; do
		[ -n "$t" ] || continue
		# shellcheck disable=SC2086
		testusb_once "$t" $args
		n=baseline/t$t
		case $TU_STATUS in
		ok)
			record PASS "$n"
			tu_row "$t" ok $args ;;
		missing)
			if why=$(baseline_skip_reason "$t"); then
				record SKIP "$n" "$why"
				tu_row "$t" "skip ($why)" $args
			else
				record FAIL "$n" "$TU_ERR"
				tu_row "$t" "FAIL: $TU_ERR" $args
			fi ;;
		*)
			record FAIL "$n" "$TU_ERR"
			tu_row "$t" "FAIL: $TU_ERR" $args ;;
		esac
	done
}

# baseline_gadget PATTERN: SourceSink.0 with that data pattern, enumerated.
baseline_gadget() {
	t0=$(uptime_s)
	gadget_up -a "SourceSink.0/pattern=$1" SourceSink.0 &&
		wait_enum 10 &&
		say "  bound to $(udc_name), enumerated as $USBDEV ($DEVNODE," \
			"$(cat /sys/bus/usb/devices/$USBDEV/speed) Mb/s) in $(elapsed "$t0") s"
}

# run.sh boots once per part (ffs.part=core|iso|reliability|bridge on the kernel
# command line), each within its own time limit; no part given runs them all.
part=$(sed -n 's/.*ffs\.part=\([^ ]*\).*/\1/p' /proc/cmdline)
part_wanted() { [ -z "$part" ] || [ "$part" = "$1" ]; }

run_core() {
section "baseline: in-kernel SourceSink (usb_f_ss_lb) on dummy_hcd, pattern mod63"
t_start=$(uptime_s)
if baseline_gadget 1; then
	usbtest_pattern 1
	baseline_tests "$TESTS_PATTERN"
else
	fail baseline/enumerate "SourceSink gadget did not enumerate with usbtest bound"
fi
gadget_down || fail baseline/teardown "gadget-down.sh failed"

section "baseline: SourceSink, pattern zeros (27/28 need it)"
if baseline_gadget 0; then
	usbtest_pattern 0
	baseline_tests "$TESTS_ZEROS"
	usbtest_pattern 1
else
	fail baseline/enumerate0 "SourceSink gadget did not enumerate with usbtest bound"
fi
gadget_down || fail baseline/teardown0 "gadget-down.sh failed"
check baseline/gone "configfs gadget left behind" test ! -e "$CFS/$GADGET"
say "  baseline took $(elapsed "$t_start") s"

if [ -x /bin/ffsgadget ] && [ -f /descriptors/gadget-zero.conf ]; then
	. /guest/scenario-ffs.sh
else
	section "ffsgadget"
	skip ffsgadget "build/ffsgadget or descriptors/gadget-zero.conf not in the image"
fi
[ ! -x /bin/ffsgadget ] || . /guest/scenario-configfs.sh
[ ! -x /bin/ffsgadget ] || [ ! -x /bin/hidtool ] || (. /guest/scenario-hid.sh)
[ ! -x /bin/ffsgadget ] || (. /guest/scenario-dfu.sh)
[ ! -x /bin/ffsgadget ] || (. /guest/scenario-dmabuf.sh)
}

part_wanted core && run_core
part_wanted iso && . /guest/scenario-iso.sh
# The bridge personality against the host's stock cp210x driver.
if part_wanted bridge && [ -x /bin/ffsgadget ] && [ -x /bin/bridgepeer ]; then
	(. /guest/scenario-bridge.sh)
fi
# Hostile host and lifecycle storms: on the x86 run (sanitized under make test).
if part_wanted reliability && [ -x /bin/ffsgadget ] && [ "$(uname -m)" = x86_64 ]; then
	[ ! -x /bin/fg-hostile ] || (. /guest/scenario-hostile.sh)
	(. /guest/scenario-refusal.sh)
	(. /guest/scenario-strings.sh)
	(. /guest/scenario-storm.sh)
fi
san_check san/reports
