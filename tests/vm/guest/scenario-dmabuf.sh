# FunctionFS DMABUF (issue 15): Gadget Zero with --dmabuf. Where the kernel
# has the DMABUF ioctls (6.9 on) and the UDC takes scatter-gather requests
# (the project's dummy_hcd patch sets sg_supported), its bulk endpoints run
# on udmabuf buffers: usbtest's bulk tests must pass through them, the daemon
# must say each bulk endpoint took DMABUF, and rebinding must attach again
# without leaking a descriptor. On an older kernel (6.1) the daemon must fall
# back to AIO, say why, and pass the same tests. Sourced by scenario-test.sh
# in the core part, after scenario-ffs.sh (usb_f_fs is loaded: doctor's
# kallsyms probe can answer).
. /guest/ffs.sh

# Bulk tests: OUT (1 3 5 7 11), IN (2 4 6 8 12: usbtest checks the mod63
# pattern of what arrives), halts (13 29), odd buffer addresses (17-20),
# unlinks from a queue (24).
DMABUF_TESTS='
1 -c 100 -s 131072
2 -c 100 -s 131072
3 -c 100 -s 131072 -v 421
4 -c 100 -s 131072 -v 512
5 -c 40 -g 32 -s 16384
6 -c 40 -g 32 -s 16384
7 -c 10 -g 32 -s 16384 -v 512
8 -c 10 -g 32 -s 16384 -v 512
11 -c 50 -s 16384
12 -c 50 -s 16384
13 -c 50
17 -c 100 -s 16384
18 -c 100 -s 16384
19 -c 100 -s 16384
20 -c 100 -s 16384
24 -c 20 -g 32 -s 4096
29 -c 50
'
DMABUF_READY=$FFS_RUN/$GADGET/zero.ready
dmabuf_kernel=no
[ "$(uname -r | awk -F. '{ print $1 * 100 + $2 }')" -lt 609 ] || dmabuf_kernel=yes
# The project's dummy_hcd (iso_stats in sysfs) takes scatter-gather requests;
# the stock one (FFS_VM_STOCK_HCD=1, or a patch that did not apply) does not.
dmabuf_udc=no
[ -z "$(ls /sys/devices/platform/dummy_udc.*/*/iso_stats 2>/dev/null)" ] || dmabuf_udc=yes
# What the daemon must say for each bulk endpoint.
if [ "$dmabuf_kernel" = no ]; then
	dmabuf_path=aio dmabuf_says="AIO (DMABUF refused: this kernel's FunctionFS has no DMABUF ioctls"
elif [ "$dmabuf_udc" = no ]; then
	dmabuf_path=aio dmabuf_says="AIO (DMABUF refused: the UDC cannot take scatter-gather requests"
else
	dmabuf_path=dmabuf dmabuf_says="DMABUF ("
fi

# dmabuf_paths WORD: both bulk endpoints' lines in the ready file end in WORD
# (dmabuf or aio), and the interrupt endpoints' in aio.
dmabuf_paths() {
	grep -q "^endpoint bulk_in .* $1\$" "$DMABUF_READY" &&
		grep -q "^endpoint bulk_out .* $1\$" "$DMABUF_READY" &&
		! grep "^endpoint int_" "$DMABUF_READY" | grep -qv ' aio$'
}
# dmabuf_said PATTERN COUNT: the daemon's log has at least COUNT lines
# matching PATTERN (one per bulk endpoint and attach).
dmabuf_said() { [ "$(grep -c "$1" "$FFS_LOG")" -ge "$2" ]; }
dmabuf_fds() { ls "/proc/$FFS_PID/fd" 2>/dev/null | wc -l; }

section "DMABUF: Gadget Zero --dmabuf on $(uname -r) (kernel: $dmabuf_kernel, sg UDC: $dmabuf_udc)"
ffsgadget doctor >/tmp/dmabuf-doctor.out 2>&1
detail </tmp/dmabuf-doctor.out
if [ "$dmabuf_kernel" = yes ]; then
	want="DMABUF *yes (probed: usb_f_fs has ffs_epfile_dmabuf_io_complete)"
else
	want="DMABUF *no (probed: usb_f_fs has no ffs_epfile_dmabuf_io_complete)"
fi
check dmabuf/doctor "doctor does not say '$want'" grep -q "$want" /tmp/dmabuf-doctor.out

# /dev/udmabuf is root's alone; a udev rule would give it to the daemon's
# user. Without it the daemon must say so and stay on AIO.
if [ -c /dev/udmabuf ] && [ -n "$FFS_USER" ]; then
	chown root:root /dev/udmabuf && chmod 0600 /dev/udmabuf
	: >"$FFS_LOG"
	usbtest_pattern 1
	if ffs_up "$FFS_CONF" --dmabuf; then
		check dmabuf/no-access-said "the daemon did not say /dev/udmabuf is not accessible" \
			dmabuf_said "AIO (DMABUF refused: /dev/udmabuf is not accessible" 2
		testusb_once 2 -c 10 -s 16384
		check dmabuf/no-access-aio-works "bulk IN on the AIO fallback: $TU_ERR" \
			test "$TU_STATUS" = ok
	else
		fail dmabuf/no-access-said "Gadget Zero --dmabuf did not enumerate"
	fi
	ffs_down || fail dmabuf/no-access-teardown "teardown failed"
	ffs_log
	chgrp "$FFS_USER" /dev/udmabuf && chmod 0660 /dev/udmabuf
fi

usbtest_pattern 1
: >"$FFS_LOG"
if ffs_up "$FFS_CONF" --dmabuf --stats; then
	check dmabuf/paths "the daemon did not say '$dmabuf_says' for both bulk endpoints" \
		dmabuf_said "endpoint 'bulk_.*': $dmabuf_says" 2
	check dmabuf/ready-file "the ready file does not say $dmabuf_path for bulk, aio for interrupt" \
		dmabuf_paths "$dmabuf_path"
	ffsgadget status "$GADGET" >/tmp/dmabuf-status.out 2>&1
	detail </tmp/dmabuf-status.out
	want=AIO
	[ "$dmabuf_path" = aio ] || want=DMABUF
	check dmabuf/status "status does not say endpoint bulk_in: $want" \
		grep -q "endpoint bulk_in: $want" /tmp/dmabuf-status.out
	run_testusb_list dmabuf "$DMABUF_TESTS"
	# Unbind and bind again: the attachments go with the UDC and come back
	# at the next enable, with the same descriptors held as the first time.
	fds=$(dmabuf_fds)
	i=0 why=""
	while [ "$i" -lt 3 ] && [ -z "$why" ]; do
		i=$((i + 1))
		gadget_unbind || why="cycle $i: unbind failed"
		[ -n "$why" ] || wait_for 5 device_gone || why="cycle $i: device still there"
		[ -n "$why" ] || gadget_bind || why="cycle $i: bind failed"
		[ -n "$why" ] || wait_enum 10 || why="cycle $i: no enumeration"
		[ -n "$why" ] || testusb_once 2 -c 20 -s 131072
		[ -n "$why" ] || [ "$TU_STATUS" = ok ] || why="cycle $i: bulk IN: $TU_ERR"
		[ -n "$why" ] || testusb_once 1 -c 20 -s 131072
		[ -n "$why" ] || [ "$TU_STATUS" = ok ] || why="cycle $i: bulk OUT: $TU_ERR"
	done
	if [ -n "$why" ]; then fail dmabuf/rebind-x3 "$why"; else pass dmabuf/rebind-x3; fi
	# Each bind's first enable decides again: 2 bulk endpoints x 4 binds.
	check dmabuf/reattached "the daemon did not say '$dmabuf_says' again after each bind" \
		dmabuf_said "endpoint 'bulk_.*': $dmabuf_says" 8
	check dmabuf/no-fd-leak "the daemon held $fds descriptors before the rebinds, $(dmabuf_fds) after" \
		test "$(dmabuf_fds)" = "$fds"
	# The summary line marks the streams that ran on DMABUF and counts
	# OUT transfers whose length the kernel did not tell.
	kill -TERM "$FFS_PID"
	wait_for 5 ffs_exited
	if [ "$dmabuf_path" = dmabuf ]; then
		check dmabuf/summary "the summary does not show bulk_in and bulk_out on DMABUF" \
			sh -c "grep '^summary' $FFS_LOG | grep -q 'bulk_in \[dmabuf\].*bulk_out \[dmabuf\] [0-9.]* MB/s [1-9][0-9]* xfers ([1-9][0-9]* of unknown length'"
	else
		check dmabuf/summary "the summary shows a stream on DMABUF" \
			sh -c "grep '^summary' $FFS_LOG && ! grep '^summary' $FFS_LOG | grep -q dmabuf"
	fi
else
	fail dmabuf/enumerate "Gadget Zero --dmabuf did not enumerate with usbtest bound"
fi
ffs_down || fail dmabuf/teardown "teardown failed"
ffs_log
check dmabuf/gone "configfs gadget left behind" test ! -e "$CFS/$GADGET"
