#!/bin/sh
# One step of make test, its verdict kept for tests/results/sum.sh:
# runs COMMAND (its output passes through) and writes $FFS_RESULTS/NAME.txt,
# whose first line is "NAME: N passed, N failed, N skipped".
#
# usage: step.sh [--status | --parts] NAME COMMAND...
#   (default)  the counts are COMMAND's last "N passed, N failed[, N skipped]"
#              line; no such line, or a non-zero exit with 0 failed, is one
#              failure more: a step that stopped early never reads as a pass.
#   --status   COMMAND has no counts (a build): exit 0 is 1 passed, else 1 failed.
#   --parts    COMMAND writes its own NAME-*.txt files (tests/vm/run.sh, one per
#              VM part); only if it fails having written none is NAME.txt one
#              failure.
# Always exits 0, so that make test runs every step and ends with the sum
# (sum.sh fails the run); FFS_RESULTS defaults to build/results.
mode=counts
case ${1:-} in --status | --parts) mode=${1#--}; shift ;; esac
[ $# -ge 2 ] || { echo "usage: step.sh [--status|--parts] NAME COMMAND..." >&2; exit 2; }
name=$1
shift
dir=${FFS_RESULTS:-build/results}
mkdir -p "$dir"
export FFS_RESULTS
FFS_RESULTS=$(cd "$dir" && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# The command's status survives the pipe through a file.
{ "$@"; echo $? >"$log.rc"; } 2>&1 | tee "$log"
rc=$(cat "$log.rc" 2>/dev/null || echo 1)
rm -f "$log.rc"
out=$FFS_RESULTS/$name.txt

case $mode in
status)
	if [ "$rc" = 0 ]; then p=1 f=0; else p=0 f=1; fi
	s=0 note="exit $rc" ;;
parts)
	if [ "$rc" = 0 ] || ls "$FFS_RESULTS/$name"-*.txt >/dev/null 2>&1; then
		echo "step $name: exit $rc, results in $name-*.txt"
		exit 0
	fi
	p=0 f=1 s=0 note="exit $rc before any part reported" ;;
counts)
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(printf '%s\n' "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed, .*/\1/p')
	f=$(printf '%s\n' "$line" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
	s=$(printf '%s\n' "$line" | sed -n 's/.* \([0-9][0-9]*\) skipped.*/\1/p')
	s=${s:-0} note="exit $rc"
	if [ -z "$p" ] || [ -z "$f" ]; then
		p=0 f=1 note="exit $rc, no 'N passed, N failed' line"
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1 note="exit $rc with 0 failed: counted as 1 failed"
	fi ;;
esac
echo "$name: $p passed, $f failed, $s skipped ($note)" >"$out"
echo "step $(cat "$out")"
exit 0
