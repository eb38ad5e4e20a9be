# isostream helpers for the VM scenarios (scenario-iso.sh, iso-bench.sh):
# the in-kernel SourceSink and ffsgadget's isostream streaming iso IN to
# ffsgadget-host on the iso-capable dummy_hcd. Sourced after lib.sh and ffs.sh.

# The descriptions ship queue = 64 (8 ms at one request a microframe), chosen
# from the bench's curve on a guest with an instruction-driven clock. These
# checks run on plain TCG, where the guest's clock is the host's and a late
# QEMU makes dummy_hcd serve up to 8 ms of microframes in one burst: they
# stream with 1024, from copies in ISO_DESC.
ISO_DESC=/tmp/iso-desc
mkdir -p "$ISO_DESC"
for f in /descriptors/isostream*.conf; do
	sed 's/queue = [0-9]*;/queue = 1024;/' "$f" >"$ISO_DESC/${f##*/}"
done

# The iso emulation's counters (uframe, slipped, exdev; per endpoint zlp and
# drop), or nothing on a stock dummy_hcd.
iso_stats_file() { ls /sys/devices/platform/dummy_udc.*/*/iso_stats 2>/dev/null | head -n 1; }
iso_stats() { f=$(iso_stats_file) && [ -n "$f" ] && cat "$f"; }

# ---- isostream -------------------------------------------------------------
# Each variant streams ISO_SECONDS: the in-kernel SourceSink first (iso IN,
# read by ffsgadget-host: an empty packet means its queue ran dry), then
# isostream with the same bytes per microframe (or frame), stamped packets
# checked by the host for sequence gaps. Where SourceSink streams without an
# empty or errored packet, isostream must too, with no underrun on the device.
ISO_SECONDS=${ISO_SECONDS:-10}
ISO_SS_SECONDS=${ISO_SS_SECONDS:-4}
# iso_host_queue TRANSFERS PACKETS: what ffsgadget-host keeps in flight
# (ISO_HOST), and the packets that makes (ISO_HOST_INFLIGHT: cancelled at the
# end, so in neither side's figures). 48 x 64 by default: 384 ms at 8000
# packets/s, so that a host process starved by TCG does not leave the bus
# without URBs.
iso_host_queue() {
	ISO_HOST="--quiet --queue $1 --packets $2" ISO_HOST_INFLIGHT=$(($1 * $2))
	ISO_HOST_PACKETS=$2
}
iso_host_queue 48 64
: >/tmp/iso.rates

# host_num FILE WORD: the number after WORD in ffsgadget-host's summary.
host_num() { sed -n "s/.*[ ,(]$2 \([0-9][0-9]*\).*/\1/p" "$1" | head -n 1; }
# dev_num NAME: the counter from the daemon's "isostream: stopped:" line.
dev_num() { grep 'isostream: stopped:' "$FFS_LOG" | tail -n 1 | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
# zlps: IN intervals dummy_hcd answered with no request queued, all endpoints.
zlps() { iso_stats | awk '$2 == "zlp" { n += $3 } END { print n + 0 }'; }
# slips: microframes dummy_hcd's late timer lost; exdevs: URB slots the host missed.
slips() { iso_stats | sed -n 's/.* slipped \([0-9]*\).*/\1/p' | head -n 1; }
exdevs() { iso_stats | sed -n 's/.* exdev \([0-9]*\).*/\1/p' | head -n 1; }
# A run's count of underruns may miss or add, at each end, dummy_hcd's
# catch-up (64 microframes, tests/vm/dummy_hcd-iso.patch) and one period of the slow
# source (1 ms, 8 microframes).
ISO_UNDERRUN_ENDS=$((2 * (64 + 8)))
# rate LABEL PACKETS BYTES SECONDS: packets/s and MB/s, appended to /tmp/iso.rates.
iso_rate() {
	awk -v l="$1" -v p="$2" -v b="$3" -v s="$4" 'BEGIN { if (s > 0)
		printf "%s %.0f %.2f\n", l, p / s, b / s / 1e6 }' >>/tmp/iso.rates
}
host_secs() { sed -n 's/.* bytes in \([0-9.]*\) s = .*/\1/p' "$1" | head -n 1; }

# ss_stream LABEL MULT [BURST]: SourceSink with MULT (x BURST at super speed)
# x maxpacket per interval; reads its iso IN. Passes when no packet was empty
# or errored. A baseline that emptied or errored packets is the kernel's own
# limit under TCG: a skip (tests/vm/skips.list), and isostream at that rate
# may skip too (/tmp/iso.kernel-dropped). A baseline with no figures, or
# whose ffsgadget-host failed otherwise, is a failure: nothing was measured.
ss_stream() {
	local label=$1 mult=$2 burst=${3:-1} out=/tmp/ss-$1.out z0 pk e er rc
	# shellcheck disable=SC2086
	if ! gadget_up -a SourceSink.0/pattern=0 -a SourceSink.0/isoc_interval=1 \
		-a SourceSink.0/isoc_maxpacket=1024 -a "SourceSink.0/isoc_mult=$((mult - 1))" \
		-a "SourceSink.0/isoc_maxburst=$((burst - 1))" \
		-a SourceSink.0/iso_qlen=16 SourceSink.0 || ! wait_enum 10; then
		fail "iso/kernel/$label" "SourceSink did not enumerate"
		gadget_down
		return
	fi
	z0=$(zlps)
	# shellcheck disable=SC2086
	ffsgadget-host read --ep iso-in --pattern none --seconds "$ISO_SS_SECONDS" $ISO_HOST \
		>"$out" 2>&1
	rc=$?
	detail <"$out"
	pk=$(host_num "$out" "iso packets") e=$(host_num "$out" empty) er=$(host_num "$out" errored)
	iso_rate "kernel/$label" "${pk:-0}" "$(sed -n 's/^ *\([0-9]*\) bytes in.*/\1/p' "$out" | head -n 1)" \
		"$(host_secs "$out")"
	say "  kernel SourceSink $label: ${pk:-?} packets, ${e:-?} empty, ${er:-?} errored" \
		"(dummy_hcd: $(($(zlps) - z0)) zero-length; ffsgadget-host exit $rc)"
	if [ -z "$pk" ] || [ "$pk" = 0 ] || [ -z "$e" ] || [ -z "$er" ] || [ "$rc" -gt 1 ]; then
		fail "iso/kernel/$label" "no figures from ffsgadget-host (exit $rc, ${pk:-no} packets)"
	elif [ "$e" = 0 ] && [ "$er" = 0 ]; then
		# Exit 1 is ffsgadget-host's verdict on errors: with none counted, a contradiction.
		if [ "$rc" = 0 ]; then
			pass "iso/kernel/$label"
		else
			fail "iso/kernel/$label" "ffsgadget-host exit $rc with no empty or errored packet"
		fi
	else
		skip "iso/kernel/$label" "SourceSink itself drops packets at this rate here ($e empty, $er errored of $pk)"
		echo "$label" >>/tmp/iso.kernel-dropped
	fi
	gadget_down || fail "iso/kernel/$label/teardown" "gadget-down.sh failed"
}

# iso_counters_check LABEL TEXT JSON HOSTOUT ZLPS [SLOW]: isostream's counters as
# "ffsgadget-host iso-counters" read them after the stop request (TEXT, and
# JSON with --json) must be the daemon's own from its "stopped:" line, the
# same moment, every one of version 1's 13 by name; and they must account for
# what the host received (HOSTOUT): in_packets counts the requests that
# completed with data, so it equals the packets the host got with data
# exactly (those of the transfers the host cancelled at the end included),
# whatever the device still had queued; the host's empty packets equal
# dummy_hcd's zero-length count (ZLPS) exactly, except that the zero-length
# packets at the end of the transfer the host cancelled, after its last data
# packet, cannot be told from slots never serviced (host/stream.c): when the
# device may underrun (SLOW), dummy_hcd may count up to a transfer's packets
# less one more; the device's own count of them (in_idle + in_underruns, an
# estimate from its clock) is shown beside.
# A duplex run's device cannot have received more OUT packets than the host
# counted plus its cancelled transfers.
iso_counters_check() {
	local label=$1 txt=$2 json=$3 hout=$4 zl=$5 slow=${6:-} logged kv name val got n=0 bad=""
	local ip op pk e er lost data opk idle un
	logged=$(grep 'isostream: stopped:' "$FFS_LOG" | tail -n 1 | sed 's/.*isostream: stopped://')
	for kv in $logged; do
		name=${kv%%=*} val=${kv#*=}
		n=$((n + 1))
		got=$(sed -n "s/^  $name  *\([0-9][0-9]*\)\$/\1/p" "$txt")
		[ "$got" = "$val" ] || bad="$bad $name=${got:-?}(daemon $val)"
		grep -q "\"$name\":${val}[,}]" "$json" || bad="$bad json:$name"
		case $name in
		in_packets) ip=$val ;; out_packets) op=$val ;;
		in_idle) idle=$val ;; in_underruns) un=$val ;;
		esac
	done
	[ "$n" = 13 ] && [ "$(grep -c '^  [a-z_]*  *[0-9][0-9]*$' "$txt")" = 13 ] ||
		bad="$bad counters:$n/$(grep -c '^  [a-z_]*  *[0-9][0-9]*$' "$txt")"
	grep -q '"ok":true' "$json" || bad="$bad json-not-ok"
	pk=$(host_num "$hout" "iso packets") e=$(host_num "$hout" empty)
	er=$(host_num "$hout" errored) lost=$(host_num "$hout" lost)
	data=$((${pk:-0} - ${e:-0} - ${er:-0}))
	if [ "${ip:-0}" -le 0 ] || [ "$ip" != "$data" ]; then
		bad="$bad in_packets=${ip:-?}(host $data with data, ${lost:-?} lost)"
	fi
	if [ -z "$e" ] || { [ -z "$slow" ] && [ "$e" != "$zl" ]; } ||
		[ "$zl" -lt "$e" ] || [ "$zl" -ge $((e + ISO_HOST_PACKETS)) ]; then
		bad="$bad empty:host=${e:-?},dummy_hcd=$zl"
	fi
	if [ "${ISO_CMD:-read}" != read ]; then
		opk=$(sed -n 's/.*iso packets \([0-9][0-9]*\),.*/\1/p' "$hout" | sed -n 2p)
		if [ "${op:-0}" -le 0 ] || [ "$op" -gt $((${opk:-0} + ISO_HOST_INFLIGHT)) ]; then
			bad="$bad out_packets=${op:-?}(host sent ${opk:-?} in completed transfers)"
		fi
	fi
	say "  isostream $label witnesses: with data: device ${ip:-?}, host ${data};" \
		"empty: host ${e:-?}, dummy_hcd $zl, device $((${idle:-0} + ${un:-0}))" \
		"(${idle:-?} idle + ${un:-?} underruns); errored: host ${er:-?};" \
		"out_packets ${op:-?}; $n named"
	if [ -z "$logged" ]; then
		fail "iso/ffs/$label/counters" "no 'isostream: stopped:' line in the daemon's log"
	elif [ -n "$bad" ]; then
		detail <"$txt"
		fail "iso/ffs/$label/counters" "iso-counters disagrees:$bad"
	else
		pass "iso/ffs/$label/counters"
	fi
}

# isostream_run LABEL CONF SECONDS [expect-underruns]: start, read iso IN
# with seq checking, stop; judge host and device counters. ISO_CMD=stream
# also writes seq packets to iso OUT, checked by the device.
isostream_run() {
	local label=$1 conf=$2 secs=$3 slow=${4:-} out=/tmp/iso-$1.out z0 z pk lost e er un ol oe sh
	local sl0 sl x0 x
	local want mbps rc tools=""
	local eps="--ep iso-in"
	[ "${ISO_CMD:-read}" = read ] || eps="--ep iso-in --ep iso-out"
	: >"$FFS_LOG"
	if ! ffs_up "$conf"; then
		fail "iso/ffs/$label" "isostream did not enumerate"
		ffs_down
		ffs_log
		return
	fi
	z0=$(zlps) sl0=$(slips) x0=$(exdevs)
	mbps=$(cat "/sys/bus/usb/devices/$USBDEV/speed")
	# Every ffsgadget-host call's exit status is part of the verdict.
	ffsgadget-host ctrl 0x41 0x01 1 0 >/dev/null 2>&1 || tools="$tools start request exit $?;"
	# shellcheck disable=SC2086
	ffsgadget-host "${ISO_CMD:-read}" $eps --pattern seq --seconds "$secs" $ISO_HOST \
		>"$out" 2>&1
	rc=$?
	ffsgadget-host ctrl 0x41 0x02 0 0 >/dev/null 2>&1 || tools="$tools stop request exit $?;"
	ffsgadget-host iso-counters >"/tmp/iso-$label.counters" 2>&1 ||
		tools="$tools iso-counters exit $?;"
	ffsgadget-host iso-counters --json >"/tmp/iso-$label.json" 2>&1 ||
		tools="$tools iso-counters --json exit $?;"
	z=$(($(zlps) - z0)) sl=$(($(slips) - sl0)) x=$(($(exdevs) - x0))
	detail <"$out"
	ffs_down || fail "iso/ffs/$label/teardown" "teardown failed"
	pk=$(host_num "$out" "iso packets") lost=$(host_num "$out" lost)
	e=$(host_num "$out" empty) er=$(host_num "$out" errored)
	un=$(dev_num in_underruns) ol=$(dev_num out_lost) oe=$(dev_num out_errors)
	# Packets shorter than the interval's bytes (the source sends whole
	# intervals), and at least 9/10 of the intervals the run lasted: 1000
	# a second at full speed (12 Mb/s), 8000 above.
	sh=$(sed -n 's/.*iso packets [0-9]*, errored [0-9]*, short \([0-9]*\).*/\1/p' "$out" | head -n 1)
	case $mbps in 12) want=$((secs * 900)) ;; *) want=$((secs * 7200)) ;; esac
	iso_rate "ffs/$label" "${pk:-0}" "$(sed -n 's/^ *\([0-9]*\) bytes in.*/\1/p' "$out" | head -n 1)" \
		"$(host_secs "$out")"
	say "  isostream $label: host ${pk:-?} packets in, ${lost:-?} lost, ${e:-?} empty," \
		"${er:-?} errored; device ${un:-?} underruns, $(dev_num out_packets) packets out" \
		"(${ol:-?} lost); dummy_hcd $z zero-length, $sl slipped, $x missed; ffsgadget-host exit $rc"
	grep 'packet age' "$out" | sed 's/^ */    /'
	iso_counters_check "$label" "/tmp/iso-$label.counters" "/tmp/iso-$label.json" "$out" "$z" \
		"$slow"
	ffs_log
	if [ -n "$tools" ]; then
		fail "iso/ffs/$label" "ffsgadget-host failed:$tools"
	elif [ -n "$slow" ]; then
		# The device's underruns against dummy_hcd's zero-length packets:
		# equal but for each end of the run (ISO_UNDERRUN_ENDS), and the
		# intervals dummy_hcd lost to a late timer (slipped) or the host
		# missed (exdev), which the device, counting by its clock, cannot
		# tell from empty ones (ffs/stream.h).
		if [ "$rc" = 0 ] && [ "$z" -gt 0 ] && [ -n "$un" ] &&
			[ "$un" -ge $((z - ISO_UNDERRUN_ENDS)) ] &&
			[ "$un" -le $((z + sl + x + ISO_UNDERRUN_ENDS)) ]; then
			pass "iso/ffs/$label"
		else
			fail "iso/ffs/$label" "slow source: device counted ${un:-?} underruns, dummy_hcd $z zero-length (+$sl slipped, +$x missed, each end $((ISO_UNDERRUN_ENDS / 2))), ffsgadget-host exit $rc"
		fi
	elif [ -z "$pk" ] || [ "$pk" = 0 ]; then
		fail "iso/ffs/$label" "no iso packets reached the host (ffsgadget-host exit $rc)"
	elif grep -qx "${label%-duplex}" /tmp/iso.kernel-dropped 2>/dev/null; then
		skip "iso/ffs/$label" "SourceSink did not sustain this rate either (lost ${lost:-?}, empty ${e:-?})"
	elif [ "$pk" -lt "$want" ]; then
		fail "iso/ffs/$label" "$pk packets in ${secs} s, fewer than $want (9/10 of every interval): the stream stopped early"
	elif [ "${sh:-1}" != 0 ]; then
		fail "iso/ffs/$label" "${sh:-?} of $pk packets shorter than a whole interval's bytes"
	elif [ "${lost:-1}" != 0 ] || [ "${e:-1}" != 0 ] || [ "${er:-1}" != 0 ] || [ "${un:-1}" != 0 ] ||
		[ "${ol:-0}" != 0 ] || [ "${oe:-0}" != 0 ]; then
		fail "iso/ffs/$label" "lost ${lost:-?}, empty ${e:-?}, errored ${er:-?}, device underruns ${un:-?}, OUT lost ${ol:-?}, OUT errors ${oe:-?}"
	elif [ "$rc" != 0 ]; then
		# Its own verdict: mismatched bytes, duplicated or reordered packets.
		fail "iso/ffs/$label" "ffsgadget-host exit $rc (mismatched, duplicated or reordered packets): see the log"
	else
		pass "iso/ffs/$label"
	fi
}


# ---- four witnesses ----------------------------------------------------------
# iso_witnesses LABEL CONF SECONDS: isostream streams SECONDS of iso IN to
# ffsgadget-host, which reads a fixed number of transfers (--count: every
# one completes, none is cancelled, so no slot is ambiguous), while four
# witnesses count the packets: the host tool, the daemon (iso-counters),
# dummy_hcd (iso_stats: zero-length and -EXDEV slots) and usbmon's binary
# interface (fg-usbmon-iso). They must agree exactly on the packets with
# data, the empty ones and the errored ones; usbmon must have dropped no
# event.

# iso_in_address: the iso IN endpoint as the host sees it (sysfs), e.g. 0x81.
iso_in_address() {
	local d
	for d in "/sys/bus/usb/devices/$USBDEV:1.0"/ep_*; do
		[ "$(cat "$d/type" 2>/dev/null)" = Isoc ] &&
			[ "$(cat "$d/direction" 2>/dev/null)" = in ] &&
			{ echo "0x$(cat "$d/bEndpointAddress")"; return 0; }
	done
	return 1
}
counter() { sed -n "s/^  $2  *\([0-9][0-9]*\)\$/\1/p" "$1"; }
mon_num() { sed -n "s/^usbmon: .* $2 \([0-9][0-9]*\).*/\1/p" "$1" | tail -n 1; }
iso_witnesses() {
	local label=$1 conf=$2 secs=$3 out=/tmp/iso-$1.out mon=/tmp/iso-$1.usbmon
	local cnt=/tmp/iso-$1.counters count ep monpid z0 x0 z x i
	local pk e er lost hdata dpk didle dun derr mpk mdata mempty merr mdrop bad=""
	count=$((secs * 8000 / ISO_HOST_PACKETS))
	: >"$FFS_LOG"
	if ! ffs_up "$conf"; then
		fail "iso/witnesses/$label" "isostream did not enumerate"
		ffs_down
		ffs_log
		return
	fi
	if ! ep=$(iso_in_address); then
		fail "iso/witnesses/$label" "no iso IN endpoint in the host's sysfs"
		ffs_down
		return
	fi
	: >"$mon"
	fg-usbmon-iso "$(cat "/sys/bus/usb/devices/$USBDEV/busnum")" \
		"$(cat "/sys/bus/usb/devices/$USBDEV/devnum")" "$ep" >"$mon" 2>&1 &
	monpid=$!
	i=0
	while ! grep -q '^usbmon: ready' "$mon" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	z0=$(zlps) x0=$(exdevs)
	ffsgadget-host ctrl 0x41 0x01 1 0 >/dev/null 2>&1 || echo "start request failed" | detail
	# shellcheck disable=SC2086
	ffsgadget-host read --ep iso-in --pattern seq --count "$count" $ISO_HOST >"$out" 2>&1
	ffsgadget-host ctrl 0x41 0x02 0 0 >/dev/null 2>&1 || echo "stop request failed" | detail
	ffsgadget-host iso-counters >"$cnt" 2>&1 || echo "iso-counters failed" | detail
	z=$(($(zlps) - z0)) x=$(($(exdevs) - x0))
	kill -TERM "$monpid" 2>/dev/null
	wait "$monpid" 2>/dev/null
	detail <"$out"
	detail <"$mon"
	ffs_down || fail "iso/witnesses/$label/teardown" "teardown failed"
	pk=$(host_num "$out" "iso packets") e=$(host_num "$out" empty)
	er=$(host_num "$out" errored) lost=$(host_num "$out" lost)
	hdata=$((${pk:-0} - ${e:-0} - ${er:-0}))
	dpk=$(counter "$cnt" in_packets) didle=$(counter "$cnt" in_idle)
	dun=$(counter "$cnt" in_underruns) derr=$(counter "$cnt" in_errors)
	mpk=$(mon_num "$mon" packets) mdata=$(mon_num "$mon" data) mempty=$(mon_num "$mon" empty)
	merr=$(mon_num "$mon" errored) mdrop=$(mon_num "$mon" dropped)
	say "  witnesses $label ($count transfers of $ISO_HOST_PACKETS packets):"
	say "    data:    host $hdata, device ${dpk:-?}, usbmon ${mdata:-?}"
	say "    empty:   host ${e:-?}, device $((${didle:-0} + ${dun:-0})) (${didle:-?} idle +" \
		"${dun:-?} underruns), dummy_hcd $z, usbmon ${mempty:-?}"
	say "    errored: host ${er:-?}, device ${derr:-?}, dummy_hcd $x (exdev), usbmon ${merr:-?}"
	say "    total:   host ${pk:-?}, usbmon ${mpk:-?}; host lost ${lost:-?}; usbmon dropped ${mdrop:-?}"
	[ -n "$pk" ] && [ "$pk" = $((count * ISO_HOST_PACKETS)) ] ||
		bad="$bad host-total=${pk:-?}/$((count * ISO_HOST_PACKETS))"
	[ "$hdata" -gt 0 ] && [ "$hdata" = "${dpk:-x}" ] && [ "$hdata" = "${mdata:-x}" ] ||
		bad="$bad data"
	[ "${e:-x}" = "$((${didle:-0} + ${dun:-0}))" ] && [ "${e:-x}" = "$z" ] &&
		[ "${e:-x}" = "${mempty:-y}" ] || bad="$bad empty"
	[ "${er:-x}" = "$x" ] && [ "${er:-x}" = "${merr:-y}" ] && [ "${derr:-x}" = 0 ] ||
		bad="$bad errored"
	[ "${pk:-x}" = "${mpk:-y}" ] || bad="$bad total"
	[ "${mdrop:-x}" = 0 ] || bad="$bad usbmon-dropped=${mdrop:-?}"
	ffs_log
	if [ -n "$bad" ]; then
		fail "iso/witnesses/$label" "the witnesses disagree:$bad"
	else
		pass "iso/witnesses/$label"
	fi
}
