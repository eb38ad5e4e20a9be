#!/bin/sh
# The closing line of make test: every result file in RESULTS_DIR summed into
# "test: N passed, N failed, N skipped".  Fails when any step failed, or when
# an expected step left no result file (it did not run, or stopped before
# reporting).  Each file's first line is "NAME: N passed, N failed, N skipped";
# its other lines ("skip ...", "retried ...") are printed after the table, so
# every skip and retry of the run is listed in one place, at the end.
#
# usage: sum.sh RESULTS_DIR EXPECTED_NAME...
[ $# -ge 2 ] || { echo "usage: sum.sh RESULTS_DIR EXPECTED_NAME..." >&2; exit 2; }
dir=$1
shift
p=0 f=0 s=0 bad=""
echo
echo "== make test: every step"
# add NAME: its file's counts into the sum, one table row.
add() {
	line=$(head -n 1 "$dir/$1.txt")
	np=$(printf '%s\n' "$line" | sed -n 's/^[^:]*: \([0-9][0-9]*\) passed, .*/\1/p')
	nf=$(printf '%s\n' "$line" | sed -n 's/.* \([0-9][0-9]*\) failed, .*/\1/p')
	ns=$(printf '%s\n' "$line" | sed -n 's/.* \([0-9][0-9]*\) skipped.*/\1/p')
	if [ -z "$np" ] || [ -z "$nf" ] || [ -z "$ns" ]; then
		bad="$bad $1"
		printf '  %-26s unreadable: %s\n' "$1" "$line"
		return
	fi
	p=$((p + np)) f=$((f + nf)) s=$((s + ns))
	printf '  %-26s %s\n' "$1" "${line#*: }"
}
# The expected steps in their order, then any other result file (summed too).
for name in "$@"; do
	if [ -f "$dir/$name.txt" ]; then
		add "$name"
	else
		bad="$bad $name"
		printf '  %-26s did not run: no %s\n' "$name" "$dir/$name.txt"
	fi
done
for file in "$dir"/*.txt; do
	[ -f "$file" ] || continue
	name=$(basename "$file" .txt)
	case " $* " in *" $name "*) continue ;; esac
	add "$name"
done
notes=$(for file in "$dir"/*.txt; do [ -f "$file" ] && tail -n +2 "$file"; done)
if [ -n "$notes" ]; then
	echo "failures, skips and retries named in the result files:"
	printf '%s\n' "$notes" | sed 's/^/  /'
fi
if [ -n "$bad" ]; then
	echo "test: did not run or report:$bad"
	f=$((f + $(echo $bad | wc -w)))
fi
echo "test: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
