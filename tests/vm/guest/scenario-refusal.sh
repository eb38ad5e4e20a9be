# Submissions refused for a while (sourced by scenario-test.sh, reliability
# part): f_fs refuses io_submit with -ENOMEM when it cannot allocate a
# request's kernel buffer. The preloaded shim refuses every io_submit for
# REFUSE_MS from the REFUSE_AFTER-th call on, in the middle of a bulk IN
# run: the IN ring drains, and with nothing left in flight no completion
# will resubmit it. The daemon must retry by itself (a backed-off timer),
# say so once when the refusals start and once when they end, and the
# host's transfers must all complete.
. /guest/ffs.sh

REFUSE_AFTER=${REFUSE_AFTER:-60}
REFUSE_MS=${REFUSE_MS:-400}
SHIM=/lib/fg-failsubmit.so

section "refused submissions: io_submit fails with ENOMEM for ${REFUSE_MS} ms mid-stream"
if [ ! -f "$SHIM" ]; then
	fail refusal/shim "$SHIM is not in the image"
else
	: >"$FFS_LOG"
	# ffsgadget up's daemons inherit its environment.
	export LD_PRELOAD=$SHIM FG_FAIL_SUBMIT_AFTER=$REFUSE_AFTER FG_FAIL_SUBMIT_MS=$REFUSE_MS
	# The sanitized daemon: its runtime need not come first when preloading.
	old_asan=$ASAN_OPTIONS
	export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
	ffs_up; up=$?
	unset LD_PRELOAD FG_FAIL_SUBMIT_AFTER FG_FAIL_SUBMIT_MS
	export ASAN_OPTIONS=$old_asan
	if [ "$up" != 0 ]; then
		fail refusal/up "Gadget Zero did not enumerate with the shim preloaded"
	else
		# Several megabytes: the window opens well inside the run.
		run_testusb refusal/bulk-in 2 -c 400 -s 65536
		run_testusb refusal/bulk-in-again 2 -c 50 -s 65536
		check refusal/window-opened "the shim never refused a call (REFUSE_AFTER too high?)" \
			grep -q 'fg-failsubmit: refusing io_submit' "$FFS_LOG"
		check refusal/reported "no 'submit refused' warning for bulk_in" \
			grep -q "endpoint 'bulk_in': submit refused: Cannot allocate memory; retrying" "$FFS_LOG"
		check refusal/recovered "no 'submitting again' line for bulk_in" \
			grep -q "endpoint 'bulk_in': submitting again after [0-9]* refusals" "$FFS_LOG"
	fi
	ffs_down || fail refusal/teardown "ffsgadget down failed"
	san_check refusal/sanitizers
	ffs_log
fi
