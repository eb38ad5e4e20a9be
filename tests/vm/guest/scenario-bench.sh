# The "bench" scenario: the same testusb commands against the in-kernel
# SourceSink and against ffsgadget's Gadget Zero; prints each rate and the
# ratio ffsgadget / kernel. Both sides use zeros (27/28 run only with usbtest
# pattern 0), so only the transport is measured.
. /guest/ffs.sh

# Each test runs BENCH_RUNS times; the median counts (TCG timing is noisy).
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_TESTS='
1 -c 100 -s 131072
2 -c 100 -s 131072
27 -c 100 -g 32 -s 16384
28 -c 100 -g 32 -s 16384
14 -c 1000 -s 256 -v 1
'

# bench_side LABEL: runs BENCH_TESTS on the enumerated device; appends
# "TESTNUM VALUE UNIT" lines to /tmp/bench.LABEL.
bench_side() {
	local label=$1 t args i vals v
	: >"/tmp/bench.$label"
	printf '  %4s  %-22s %-26s %14s\n' test name parameters median
	echo "$BENCH_TESTS" | while read -r t args; do
		[ -n "$t" ] || continue
		vals="" i=0
		while [ "$i" -lt "$BENCH_RUNS" ]; do
			i=$((i + 1))
			# shellcheck disable=SC2086
			testusb_once "$t" $args
			if [ "$TU_STATUS" != ok ]; then
				fail "bench/$label/t$t" "$TU_ERR"
				continue 2
			fi
			# shellcheck disable=SC2086
			vals="$vals $(tu_value "$t" "$TU_SECS" $args)"
		done
		# The median of the runs' numbers; the unit follows each number.
		v=$(echo "$vals" | awk '{ for (i = 1; i < NF; i += 2) print $i, $(i+1) }' |
			sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
		echo "$t $v" >>"/tmp/bench.$label"
		record PASS "bench/$label/t$t"
		printf '  %4s  %-22s %-26s %14s\n' "$t" "$(tu_name "$t")" "$args" "$v"
	done
}

section "bench: in-kernel SourceSink (usb_f_ss_lb), zeros, median of $BENCH_RUNS"
usbtest_pattern 0
if gadget_up -a SourceSink.0/pattern=0 SourceSink.0 && wait_enum 10; then
	bench_side kernel
else
	fail bench/kernel "SourceSink did not enumerate with usbtest bound"
fi
gadget_down || fail bench/kernel-teardown "gadget-down.sh failed"

if ffs_available; then
	section "bench: ffsgadget Gadget Zero, zeros, median of $BENCH_RUNS"
	if ffs_up "$(ffs_conf_zeros)"; then
		bench_side ffs
	else
		fail bench/ffs "Gadget Zero on FunctionFS did not enumerate"
	fi
	ffs_down || fail bench/ffs-teardown "teardown failed"
	ffs_log

	section "bench: ffsgadget / kernel"
	printf '  %4s  %-22s %14s %14s %7s\n' test name kernel ffsgadget ratio
	echo "$BENCH_TESTS" | while read -r t args; do
		[ -n "$t" ] || continue
		k=$(sed -n "s/^$t //p" /tmp/bench.kernel)
		f=$(sed -n "s/^$t //p" /tmp/bench.ffs)
		r=$(echo "${k%% *} ${f%% *}" |
			awk 'NF == 2 && $1 > 0 { printf "%.2f", $2 / $1 }')
		printf '  %4s  %-22s %14s %14s %7s\n' "$t" "$(tu_name "$t")" \
			"${k:--}" "${f:--}" "${r:--}"
	done
else
	skip bench/ffs "build/ffsgadget or descriptors/gadget-zero.conf not in the image"
fi
usbtest_pattern 1
. /guest/iso-bench.sh
