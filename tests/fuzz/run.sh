#!/bin/sh
# Runs every libFuzzer target in BUILD/fuzz for SECONDS each and prints one
# "fuzz: N passed, N failed" line; a crash, leak, sanitizer report or timeout
# fails its target and leaves the input in BUILD/fuzz-artifacts/.
#
# usage: run.sh SECONDS BUILD
#
# Seeds (read only): tests/fuzz/corpus/TARGET/; the description parser also
# takes every shipped description, tests/unit/good/ and the malformed corpus
# tests/unit/bad/ that the unit tests check message by message.  What the
# fuzzer finds goes to BUILD/fuzz-corpus/TARGET/, kept between runs.
# Reproduce a failure: BUILD/fuzz/TARGET FILE.
secs=${1:-60}
build=${2:-build-fuzz}
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 1
passed=0
failed=0
mkdir -p "$build/fuzz-artifacts"
# A known leak inside libconfig 1.5: see lsan.supp.
LSAN_OPTIONS=suppressions=$repo/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
export LSAN_OPTIONS
for bin in "$build"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	t=${bin##*/}
	work=$build/fuzz-corpus/$t
	mkdir -p "$work"
	seeds=""
	[ -d "tests/fuzz/corpus/$t" ] && seeds="tests/fuzz/corpus/$t"
	[ "$t" = fuzz_description ] && seeds="$seeds descriptors tests/unit/good tests/unit/bad"
	[ "$t" = fuzz_scheme ] && seeds="$seeds configs"
	log=$build/fuzz-$t.log
	# -timeout: one input taking seconds is a hang; rss_limit: a leak.
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz-artifacts/$t-" "$work" $seeds >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "fuzz: $t: ok, ${execs:-?} runs in ${secs}s, $cov, corpus $(ls "$work" | wc -l)"
	else
		failed=$((failed + 1))
		echo "fuzz: $t: FAILED (exit $rc) after ${execs:-?} runs; log $log:"
		grep -E 'ERROR|SUMMARY|Test unit written|deadly signal' "$log" | head -n 8 | sed 's/^/  /'
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
