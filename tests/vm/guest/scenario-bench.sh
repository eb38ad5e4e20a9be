# The "bench" scenario: the same testusb commands against the in-kernel
# SourceSink and against ffsgadget's Gadget Zero; prints each rate and the
# ratio ffsgadget / kernel. Both sides use zeros (27/28 run only with usbtest
# pattern 0), so only the transport is measured.
. /guest/ffs.sh

# The sections to run (run.sh passes FFS_BENCH as ffs.bench=a,b): kernel
# (SourceSink), ffs (Gadget Zero), bridge (the bridge personality taking
# turns with Gadget Zero), dmabuf (Gadget Zero on DMABUF taking turns with
# it on AIO), peers (the kernel's FunctionFS examples), iso; iso-curve and
# ep0-clock run in a boot of their own (run.sh: -icount). Default: all but
# those two.
BENCH_SECTIONS=$(sed -n 's/.*ffs\.bench=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
BENCH_SECTIONS=${BENCH_SECTIONS:-kernel ffs bridge dmabuf peers iso}
bench_wants() { case " $BENCH_SECTIONS " in *" $1 "*) true ;; *) false ;; esac; }
say "bench sections: $BENCH_SECTIONS"

# Each test runs BENCH_RUNS times; the median counts (TCG timing is noisy).
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_TESTS='
1 -c 100 -s 131072
2 -c 100 -s 131072
27 -c 100 -g 32 -s 16384
28 -c 100 -g 32 -s 16384
14 -c 1000 -s 256 -v 1
'

# dummy_hcd runs its whole schedule from one timer, about every 125 us: a
# transfer waits for the next run whenever the gadget has not queued what it
# needs. Counting the runs per transfer tells what the emulated bus, not the
# gadget's own work, costs. An in-kernel function queues its control data
# from inside the run that delivers the SETUP; a FunctionFS daemon can only
# answer after it, in the next one.
TRACEFS=/sys/kernel/tracing
# hcd_ticks_ready: tracefs, the filter and the buffer, once per boot.
hcd_ticks_ready() {
	[ -f "$TRACEFS/set_ftrace_filter" ] || mount -t tracefs nodev "$TRACEFS" 2>/dev/null
	echo dummy_timer >"$TRACEFS/set_ftrace_filter" 2>/dev/null &&
		echo 4096 >"$TRACEFS/buffer_size_kb"
}
# hcd_ticks TESTNUM ARGS...: one extra, untimed run of the test with the
# timer's calls traced (the tracer is attached for that run only); prints
# the runs per transfer (tu_transfers), nothing when the trace lost events.
hcd_ticks() {
	local t=$1 n hits lost
	shift
	n=$(tu_transfers "$t" "$@")
	[ -n "$n" ] || return 0
	echo >"$TRACEFS/trace"
	echo function >"$TRACEFS/current_tracer"
	echo 1 >"$TRACEFS/tracing_on"
	testusb_once "$t" "$@" >/dev/null
	echo 0 >"$TRACEFS/tracing_on"
	lost=$(cat "$TRACEFS"/per_cpu/cpu*/stats | awk '/^overrun:/ { o += $2 } END { print o + 0 }')
	hits=$(grep -c ' dummy_timer <-' "$TRACEFS/trace")
	# Only now: changing the tracer empties the buffer.
	echo nop >"$TRACEFS/current_tracer"
	[ "$TU_STATUS" = ok ] && [ "$lost" = 0 ] || return 0
	awk -v h="$hits" -v n="$n" 'BEGIN { if (h > 0 && n > 0) printf "%.2f", h / n }'
}

# ep0_latency LABEL SETUPFN: the control path's own latency, from a SETUP
# reaching the function (SETUPFN: the in-kernel function's setup callback,
# or f_fs's ffs_func_setup, which queues the event for the daemon) to its
# answer reaching the UDC (dummy_queue: test 14 queues nothing but ep0's
# data stages). One extra, untimed run of test 14 with the function tracer
# on both; writes "p50 p99 count" in us to /tmp/ep0lat.LABEL, nothing when
# the functions cannot be traced or the trace lost events.
EP0_TEST="14 -c 1000 -s 256 -v 1"
ep0_latency() {
	local label=$1 fn=$2 lost
	: >"/tmp/ep0lat.$label"
	[ "$HCD_TICKS" = 1 ] || return 0
	if ! echo "$fn dummy_queue" >"$TRACEFS/set_ftrace_filter" 2>/dev/null; then
		echo "ep0 latency: $fn or dummy_queue cannot be traced" | detail
		echo dummy_timer >"$TRACEFS/set_ftrace_filter"
		return 0
	fi
	echo >"$TRACEFS/trace"
	echo function >"$TRACEFS/current_tracer"
	echo 1 >"$TRACEFS/tracing_on"
	# shellcheck disable=SC2086
	testusb_once $EP0_TEST >/dev/null
	echo 0 >"$TRACEFS/tracing_on"
	lost=$(cat "$TRACEFS"/per_cpu/cpu*/stats | awk '/^overrun:/ { o += $2 } END { print o + 0 }')
	awk -v fn="$fn" '{
		for (i = 1; i < NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) break
		if (i >= NF) next
		t = substr($i, 1, length($i) - 1); f = $(i + 1)
		if (f == fn) pending = t
		else if (f == "dummy_queue" && pending != "") {
			printf "%.1f\n", (t - pending) * 1e6; pending = ""
		}
	}' "$TRACEFS/trace" | sort -n >/tmp/ep0lat.raw
	echo nop >"$TRACEFS/current_tracer"
	echo dummy_timer >"$TRACEFS/set_ftrace_filter"
	[ "$TU_STATUS" = ok ] && [ "$lost" = 0 ] || return 0
	awk '{ a[NR] = $1 } END { if (NR > 0) printf "%s %s %d\n",
		a[int((NR + 1) / 2)], a[int(NR * 0.99 + 0.999)], NR }' /tmp/ep0lat.raw \
		>"/tmp/ep0lat.$label"
}

# ep0_latency_say [TAIL]: the three sides' figures from /tmp/ep0lat.*.
ep0_latency_say() {
	local k50 k99 kn f50 f99 fn g50 g99 gn
	read -r k50 k99 kn <"/tmp/ep0lat.kernel" || k50=""
	read -r f50 f99 fn <"/tmp/ep0lat.ffs" || f50=""
	read -r g50 g99 gn <"/tmp/ep0lat.ffs-rt" || g50=""
	say "  ep0 answer latency (SETUP reaching the function -> answer queued to the UDC,"
	say "  ftrace, test 14): kernel p50 ${k50:--} p99 ${k99:--} us (${kn:-0} setups)," \
		"ffsgadget p50 ${f50:--} p99 ${f99:--} us (${fn:-0}); p50 ratio" \
		"$(echo "${k50:-} ${f50:-}" | awk 'NF == 2 && $1 > 0 { printf "%.1f", $2 / $1 }')${1:-}"
	say "  ffsgadget in real-time mode (--realtime fifo:50): p50 ${g50:--} p99 ${g99:--} us" \
		"(${gn:-0} setups); p50 ratio to the kernel" \
		"$(echo "${k50:-} ${g50:-}" | awk 'NF == 2 && $1 > 0 { printf "%.1f", $2 / $1 }')"
}

# bench_side LABEL: runs BENCH_TESTS on the enumerated device; appends
# "TESTNUM VALUE UNIT" lines to /tmp/bench.LABEL and "TESTNUM TICKS" lines
# to /tmp/ticks.LABEL.
bench_side() {
	local label=$1 t args i vals v ticks
	: >"/tmp/bench.$label"
	: >"/tmp/ticks.$label"
	printf '  %4s  %-22s %-26s %14s %11s\n' test name parameters median "hcd runs/xfer"
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
		ticks=""
		# shellcheck disable=SC2086
		[ "$HCD_TICKS" != 1 ] || ticks=$(hcd_ticks "$t" $args)
		[ -z "$ticks" ] || echo "$t $ticks" >>"/tmp/ticks.$label"
		printf '  %4s  %-22s %-26s %14s %11s\n' "$t" "$(tu_name "$t")" "$args" "$v" "${ticks:--}"
	done
}

HCD_TICKS=0
hcd_ticks_ready && HCD_TICKS=1

# The real-time runs (--realtime fifo:50): the daemons run as the scheme's
# unprivileged user, where only the limits count, as ffsgadget@.service
# grants them (LimitRTPRIO=95, LimitMEMLOCK=infinity); inherited from here.
# Without them the daemon says so in its log and runs without.
ulimit -r 95 2>/dev/null || say "  (cannot raise RLIMIT_RTPRIO: the realtime runs are refused)"
ulimit -l unlimited 2>/dev/null || say "  (cannot raise RLIMIT_MEMLOCK: memory is not locked)"

usbtest_pattern 0
if bench_wants kernel; then
	section "bench: in-kernel SourceSink (usb_f_ss_lb), zeros, median of $BENCH_RUNS"
	if gadget_up -a SourceSink.0/pattern=0 SourceSink.0 && wait_enum 10; then
		bench_side kernel
		ep0_latency kernel sourcesink_setup
	else
		fail bench/kernel "SourceSink did not enumerate with usbtest bound"
	fi
	gadget_down || fail bench/kernel-teardown "gadget-down.sh failed"
fi

if ! bench_wants ffs; then
	:
elif ffs_available; then
	section "bench: ffsgadget Gadget Zero, zeros, median of $BENCH_RUNS"
	if ffs_up "$(ffs_conf_zeros)"; then
		bench_side ffs
		ep0_latency ffs ffs_func_setup
	else
		fail bench/ffs "Gadget Zero on FunctionFS did not enumerate"
	fi
	ffs_down || fail bench/ffs-teardown "teardown failed"
	ffs_log
	# The same control path with the daemon in its real-time mode.
	: >/tmp/ep0lat.ffs-rt
	if ffs_up "$(ffs_conf_zeros)" --realtime fifo:50; then
		ep0_latency ffs-rt ffs_func_setup
		grep 'realtime:' "$FFS_LOG" | sed 's/^/  daemon: /'
	fi
	ffs_down || fail bench/ffs-rt-teardown "teardown failed"
	ffs_log

	if bench_wants kernel; then
		section "bench: ffsgadget / kernel"
		printf '  %4s  %-22s %14s %14s %7s %13s\n' test name kernel ffsgadget ratio \
			"hcd runs k/f"
		echo "$BENCH_TESTS" | while read -r t args; do
			[ -n "$t" ] || continue
			k=$(sed -n "s/^$t //p" /tmp/bench.kernel)
			f=$(sed -n "s/^$t //p" /tmp/bench.ffs)
			r=$(echo "${k%% *} ${f%% *}" |
				awk 'NF == 2 && $1 > 0 { printf "%.2f", $2 / $1 }')
			kt=$(sed -n "s/^$t //p" /tmp/ticks.kernel)
			ft=$(sed -n "s/^$t //p" /tmp/ticks.ffs)
			printf '  %4s  %-22s %14s %14s %7s %13s\n' "$t" "$(tu_name "$t")" \
				"${k:--}" "${f:--}" "${r:--}" "${kt:--}/${ft:--}"
		done
		say "  hcd runs/xfer: dummy_hcd timer runs per transfer (one extra, untimed run"
		say "  each); a transfer that needs more runs waits ~125 us (TCG: ~200) per run."
		r14=$(sed -n 's/^14 \([0-9.]*\) .*/\1/p' /tmp/bench.kernel /tmp/bench.ffs | tr '\n' ' ' |
			awk 'NF == 2 && $1 > 0 { printf "%.2f", $2 / $1 }')
		ep0_latency_say "; test 14 throughput ratio ffsgadget/kernel ${r14:--}"
	fi
else
	skip bench/ffs "build/ffsgadget or descriptors/gadget-zero.conf not in the image"
fi

# turns_table A B A_NAME B_NAME: the medians of two sides that took turns
# (/tmp/bench.A, /tmp/bench.B, bench_medians), B / A for each of
# BRIDGE_TESTS, then every run in round order (/tmp/runs.A, /tmp/runs.B).
turns_table() {
	local t args a b r
	printf '  %4s  %-22s %-26s %14s %14s %7s\n' test name parameters "$3" "$4" ratio
	echo "$BRIDGE_TESTS" | while read -r t args; do
		a=$(sed -n "s/^$t //p" "/tmp/bench.$1")
		b=$(sed -n "s/^$t //p" "/tmp/bench.$2")
		r=$(echo "${a%% *} ${b%% *}" |
			awk 'NF == 2 && $1 > 0 { printf "%.2f", $2 / $1 }')
		printf '  %4s  %-22s %-26s %14s %14s %7s\n' "$t" "$(tu_name "$t")" "$args" \
			"${a:--}" "${b:--}" "${r:--}"
	done
	say "  all runs, $3 / $4 (MB/s, in round order):"
	echo "$BRIDGE_TESTS" | while read -r t args; do
		say "    t$t $(sed -n "s/^$t \([0-9.]*\) .*/\1/p" "/tmp/runs.$1" | tr '\n' ' ')/" \
			"$(sed -n "s/^$t \([0-9.]*\) .*/\1/p" "/tmp/runs.$2" | tr '\n' ' ')"
	done
}

# ---- the bridge personality against Gadget Zero -----------------------------
# The same bulk endpoints (bridge-bench.conf: Gadget Zero's, same queue and
# buffer), the data through Unix sockets to bridgepeer, which sources and
# sinks zeros as Gadget Zero does: what the socket hop costs.  The two take
# turns, one round of the bulk tests each, BRIDGE_ROUNDS times, so that a
# change in the machine's load (other guests on the same cores) falls on
# both sides alike rather than on whichever ran second; medians per side.
# Each run moves about 52 MB (BENCH_TESTS' 13 MB for 1 and 2 last a quarter
# of a second here, shorter than the guest's stalls under load).
BRIDGE_ROUNDS=${BRIDGE_ROUNDS:-5}
BRIDGE_TESTS='1 -c 400 -s 131072
2 -c 400 -s 131072
27 -c 100 -g 32 -s 16384
28 -c 100 -g 32 -s 16384'

# bench_once LABEL: each of BRIDGE_TESTS once on the enumerated device;
# appends "TESTNUM VALUE UNIT" lines to /tmp/runs.LABEL.
bench_once() {
	local label=$1 t args
	echo "$BRIDGE_TESTS" | while read -r t args; do
		# shellcheck disable=SC2086
		testusb_once "$t" $args
		if [ "$TU_STATUS" != ok ]; then
			fail "bench/$label/t$t" "$TU_ERR"
			continue
		fi
		# shellcheck disable=SC2086
		echo "$t $(tu_value "$t" "$TU_SECS" $args)" >>"/tmp/runs.$label"
	done
}

# bench_medians LABEL: /tmp/bench.LABEL from /tmp/runs.LABEL, the median of
# each test's runs; a test passes when every round gave it a figure.
bench_medians() {
	local label=$1 t args n v
	: >"/tmp/bench.$label"
	echo "$BRIDGE_TESTS" | while read -r t args; do
		n=$(grep -c "^$t " "/tmp/runs.$label" 2>/dev/null)
		v=$(sed -n "s/^$t //p" "/tmp/runs.$label" 2>/dev/null | sort -n |
			awk '{ a[NR] = $0 } END { if (NR) print a[int((NR + 1) / 2)] }')
		[ -z "$v" ] || echo "$t $v" >>"/tmp/bench.$label"
		if [ "${n:-0}" = "$BRIDGE_ROUNDS" ]; then
			record PASS "bench/$label/t$t"
		else
			fail "bench/$label/t$t" "${n:-0} of $BRIDGE_ROUNDS rounds gave a figure"
		fi
	done
}

if bench_wants bridge && ffs_available; then
	section "bench: bridge vs Gadget Zero (bulk), zeros, taking turns, median of $BRIDGE_ROUNDS rounds"
	# The daemon runs as $FFS_USER: its runtime directory is its own, as
	# systemd's RuntimeDirectory= would make it.
	br_dir=/run/ffsgadget-bench
	mkdir -p "$br_dir"
	[ -z "$FFS_USER" ] || chown "$FFS_USER:$FFS_USER" "$br_dir"
	rm -f /tmp/runs.bridge-gz /tmp/runs.bridge
	round=0
	while [ "$round" -lt "$BRIDGE_ROUNDS" ]; do
		round=$((round + 1))
		if ffs_up "$(ffs_conf_zeros)"; then
			bench_once bridge-gz
		else
			fail bench/bridge-gz "Gadget Zero did not enumerate (round $round)"
		fi
		ffs_down || fail bench/bridge-gz-teardown "teardown failed"
		ffs_log
		export RUNTIME_DIRECTORY=$br_dir
		if ffs_up /guest/bridge-bench.conf; then
			bridgepeer source "$br_dir/bench.in" 65536 &
			src=$!
			bridgepeer sink "$br_dir/bench.out" &
			snk=$!
			bench_once bridge
			kill "$src" "$snk" 2>/dev/null
			wait "$src" "$snk" 2>/dev/null
		else
			fail bench/bridge "the bridge did not enumerate (round $round)"
		fi
		unset RUNTIME_DIRECTORY
		ffs_down || fail bench/bridge-teardown "teardown failed"
		ffs_log
	done
	bench_medians bridge-gz
	bench_medians bridge
	turns_table bridge-gz bridge "Gadget Zero" bridge
elif bench_wants bridge; then
	skip bench/bridge "build/ffsgadget or descriptors/gadget-zero.conf not in the image"
fi

# ---- Gadget Zero on DMABUF against Gadget Zero on AIO -----------------------
# The same daemon and description, --dmabuf or not (issue 15): its bulk
# endpoints on udmabuf buffers, f_fs copying nothing (here dummy_hcd copies
# through the scatterlist instead of from f_fs's buffer). Taking turns as
# the bridge does, the same tests. Figures only where the daemon says both
# bulk endpoints took DMABUF (a kernel with the DMABUF ioctls, 6.9 on, and
# the project's sg-capable dummy_hcd); elsewhere the section skips, saying
# what the daemon said.
# dmabuf_taken: the daemon's log says both bulk endpoints took DMABUF.
dmabuf_taken() {
	grep -q "endpoint 'bulk_in': DMABUF (" "$FFS_LOG" &&
		grep -q "endpoint 'bulk_out': DMABUF (" "$FFS_LOG"
}
if bench_wants dmabuf && ffs_available; then
	section "bench: Gadget Zero on DMABUF vs on AIO (bulk), zeros, taking turns, median of $BRIDGE_ROUNDS rounds"
	# What a udev rule would do on a board: /dev/udmabuf for the daemon's user.
	if [ -c /dev/udmabuf ] && [ -n "$FFS_USER" ]; then
		chgrp "$FFS_USER" /dev/udmabuf && chmod 0660 /dev/udmabuf
	fi
	rm -f /tmp/runs.dmabuf-aio /tmp/runs.dmabuf
	round=0 dmabuf_why=""
	while [ "$round" -lt "$BRIDGE_ROUNDS" ] && [ -z "$dmabuf_why" ]; do
		round=$((round + 1))
		: >"$FFS_LOG"
		if ffs_up "$(ffs_conf_zeros)" --dmabuf; then
			[ "$round" != 1 ] || grep -E "endpoint '[^']*': (DMABUF|AIO) " "$FFS_LOG" |
				sed 's/^/  daemon: /'
			if dmabuf_taken; then
				bench_once dmabuf
			else
				dmabuf_why=$(grep -m 1 "endpoint 'bulk_.*': AIO" "$FFS_LOG" | sed 's/.*: AIO/AIO/')
			fi
		else
			fail bench/dmabuf "Gadget Zero --dmabuf did not enumerate (round $round)"
		fi
		ffs_down || fail bench/dmabuf-teardown "teardown failed"
		ffs_log
		[ -z "$dmabuf_why" ] || break
		if ffs_up "$(ffs_conf_zeros)"; then
			bench_once dmabuf-aio
		else
			fail bench/dmabuf-aio "Gadget Zero did not enumerate (round $round)"
		fi
		ffs_down || fail bench/dmabuf-aio-teardown "teardown failed"
		ffs_log
	done
	if [ -n "$dmabuf_why" ]; then
		skip bench/dmabuf "the bulk endpoints did not take DMABUF: ${dmabuf_why:-no word from the daemon}"
	else
		bench_medians dmabuf-aio
		bench_medians dmabuf
		turns_table dmabuf-aio dmabuf AIO DMABUF
	fi
elif bench_wants dmabuf; then
	skip bench/dmabuf "build/ffsgadget or descriptors/gadget-zero.conf not in the image"
fi

# ---- the user-space peers ---------------------------------------------------
# The kernel's own FunctionFS examples (fetch.sh builds them from the same
# linux-source as testusb) on the bulk tests each can serve, zeros as usbtest
# pattern 0 expects: ffs-test (tests 1 2 27 28), ffs-aio-example simple (the
# same), multibuff (IN only: 2 28). A peer's failure to serve a test is a
# figure too ("-"), not the project's failure.
# peer_bench LABEL TESTS COMMAND...: COMMAND runs in the FunctionFS mount.
peer_bench() {
	local label=$1 tests=$2 pid t args i vals v n
	shift 2
	: >"/tmp/bench.$label"
	if ! gadget_up -n ffs.peer; then
		say "  $label: the gadget did not compose"
		return
	fi
	(cd /dev/ffs-peer && exec "$@") >"/tmp/peer.$label.log" 2>&1 &
	pid=$!
	n=0
	until gadget_bind >/dev/null 2>&1; do
		n=$((n + 1))
		if [ "$n" -gt 20 ] || ! kill -0 "$pid" 2>/dev/null; then
			say "  $label: did not bind (the peer's output is in the log)"
			detail <"/tmp/peer.$label.log"
			kill "$pid" 2>/dev/null
			gadget_down
			return
		fi
		sleep 0.5
	done
	if wait_enum 10; then
		printf '  %4s  %-22s %-26s %14s\n' test name parameters median
		echo "$BENCH_TESTS" | while read -r t args; do
			case " $tests " in *" $t "*) ;; *) continue ;; esac
			vals="" i=0
			while [ "$i" -lt "$BENCH_RUNS" ]; do
				i=$((i + 1))
				# shellcheck disable=SC2086
				testusb_once "$t" $args
				if [ "$TU_STATUS" != ok ]; then
					say "  $label could not serve test $t: $TU_ERR"
					continue 2
				fi
				# shellcheck disable=SC2086
				vals="$vals $(tu_value "$t" "$TU_SECS" $args)"
			done
			v=$(echo "$vals" | awk '{ for (i = 1; i < NF; i += 2) print $i, $(i+1) }' |
				sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
			echo "$t $v" >>"/tmp/bench.$label"
			printf '  %4s  %-22s %-26s %14s\n' "$t" "$(tu_name "$t")" "$args" "$v"
		done
	else
		say "  $label: did not enumerate with usbtest bound"
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	detail <"/tmp/peer.$label.log"
	gadget_down || say "  $label: teardown failed"
}

PEERS=""
if ! bench_wants peers; then
	:
elif command -v ffs-test >/dev/null; then
	section "bench: the kernel's FunctionFS examples as peers, zeros, median of $BENCH_RUNS"
	say "  ffs-test"
	peer_bench ffs-test "1 2 27 28" ffs-test
	say "  ffs-aio-example simple"
	peer_bench aio-simple "1 2 27 28" aio-simple /dev/ffs-peer
	say "  ffs-aio-example multibuff"
	peer_bench aio-multibuff "2 28" sh -c 'exec aio-multibuff /dev/ffs-peer >/dev/null'
	PEERS="ffs-test aio-simple aio-multibuff"
	section "bench: ffsgadget / best peer (user-space FunctionFS daemons)"
	printf '  %4s  %-22s %12s %12s %12s %12s %12s %7s\n' test name kernel ffsgadget \
		ffs-test aio-simple multibuff "f/peer"
	echo "$BENCH_TESTS" | while read -r t args; do
		[ -n "$t" ] || continue
		row="" best=""
		for side in kernel ffs $PEERS; do
			v=$(sed -n "s/^$t \([0-9.]*\) .*/\1/p" "/tmp/bench.$side" 2>/dev/null)
			row="$row ${v:--}"
			case $side in kernel | ffs) continue ;; esac
			[ -n "$v" ] || continue
			best=$(echo "$best $v" | awk '{ m = $1
				for (i = 2; i <= NF; i++) if ($i + 0 > m + 0) m = $i
				print m }')
		done
		f=$(sed -n "s/^$t \([0-9.]*\) .*/\1/p" /tmp/bench.ffs 2>/dev/null)
		r=$(echo "${best:-} ${f:-}" | awk 'NF == 2 && $1 > 0 { printf "%.2f", $2 / $1 }')
		# shellcheck disable=SC2086
		printf '  %4s  %-22s %12s %12s %12s %12s %12s %7s\n' "$t" "$(tu_name "$t")" $row "${r:--}"
	done
	say "  (MB/s or req/s as above; f/peer: ffsgadget / the best peer that served the test)"
else
	skip bench/peers "the kernel's FunctionFS examples are not in the image (fetch.sh builds them on x86)"
fi

# ep0-clock (the -icount boot, run.sh): the same control path latency on a
# guest whose clock follows its instructions: what the path costs on one
# 1 GHz CPU, with no host scheduling in the figure.
if bench_wants ep0-clock; then
	section "bench: ep0 answer latency on the instruction clock (one CPU, 1 ns an instruction)"
	: >/tmp/ep0lat.kernel
	: >/tmp/ep0lat.ffs
	: >/tmp/ep0lat.ffs-rt
	if gadget_up -a SourceSink.0/pattern=0 SourceSink.0 && wait_enum 10; then
		ep0_latency kernel sourcesink_setup
	fi
	gadget_down || fail bench/ep0-clock-teardown "gadget-down.sh failed"
	if ffs_available && ffs_up "$(ffs_conf_zeros)"; then
		ep0_latency ffs ffs_func_setup
	fi
	ffs_down || fail bench/ep0-clock-teardown "teardown failed"
	ffs_log
	if ffs_available && ffs_up "$(ffs_conf_zeros)" --realtime fifo:50; then
		ep0_latency ffs-rt ffs_func_setup
	fi
	ffs_down || fail bench/ep0-clock-teardown "teardown failed"
	ffs_log
	ep0_latency_say
	if [ -s /tmp/ep0lat.kernel ] && [ -s /tmp/ep0lat.ffs ] && [ -s /tmp/ep0lat.ffs-rt ]; then
		pass bench/ep0-clock
	else
		fail bench/ep0-clock "a side's latency was not measured (tracing, enumeration: see the log)"
	fi
fi

usbtest_pattern 1
if bench_wants iso || bench_wants iso-curve; then . /guest/iso-bench.sh; fi
