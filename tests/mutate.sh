#!/bin/sh
# The suite's teeth, measured: each product-code mutation in tests/mutations.list
# is applied alone to a temporary copy of the tree, the unit tests are built
# and run there, and they must fail.  Prints which test caught each one, then
# "mutate: N passed, N failed, N skipped" (passed: caught); exits non-zero when
# a mutation survived, no longer applies or does not build.
#
# usage: mutate.sh [LIST]   (default tests/mutations.list)
# MUTATE_JOBS: make -j for the copy's builds (default 2).
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
list=${1:-$repo/tests/mutations.list}
jobs=${MUTATE_JOBS:-2}
[ -f "$list" ] || { echo "mutate: no list $list" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/tree
mkdir -p "$tree"
# The working tree as it is (uncommitted changes included), without builds.
(cd "$repo" && git ls-files -co --exclude-standard -z |
	cpio -0 -pdm --quiet "$tree") || { echo "mutate: cannot copy the tree" >&2; exit 2; }

unit() { make -C "$tree" --no-print-directory -j"$jobs" BUILD=build-mutate all >"$tmp/build.out" 2>&1; }
if ! unit || ! make -C "$tree" --no-print-directory BUILD=build-mutate unit >"$tmp/unit.out" 2>&1; then
	echo "mutate: the unmutated tree does not build or pass its unit tests:" >&2
	tail -n 20 "$tmp/build.out" "$tmp/unit.out" >&2
	exit 2
fi

caught=0 survived=0 broken=0 n=0
table=$tmp/table
: >"$table"
# Lines "FILE :: SED :: WHAT"; # comments and blank lines skipped.
while IFS= read -r line; do
	case $line in '#'* | '') continue ;; esac
	file=$(printf '%s\n' "$line" | awk -F ' :: ' '{ print $1 }')
	expr=$(printf '%s\n' "$line" | awk -F ' :: ' '{ print $2 }')
	what=$(printf '%s\n' "$line" | awk -F ' :: ' '{ print $3 }')
	n=$((n + 1))
	if [ -z "$file" ] || [ -z "$expr" ] || [ -z "$what" ] || [ ! -f "$tree/$file" ]; then
		broken=$((broken + 1))
		printf '%s\t%s\n' "line $n: $line" "ERROR: not FILE :: SED :: WHAT on an existing file" >>"$table"
		continue
	fi
	cp "$tree/$file" "$tmp/orig"
	if ! sed -i -e "$expr" "$tree/$file" 2>"$tmp/sed.err" || cmp -s "$tree/$file" "$tmp/orig"; then
		broken=$((broken + 1))
		printf '%s\t%s\n' "$what" "ERROR: the mutation no longer changes $file $(cat "$tmp/sed.err")" >>"$table"
		cp "$tmp/orig" "$tree/$file"
		continue
	fi
	if ! unit; then
		broken=$((broken + 1))
		printf '%s\t%s\n' "$what" "ERROR: does not build: $(grep -m1 'error' "$tmp/build.out")" >>"$table"
	else
		make -C "$tree" --no-print-directory BUILD=build-mutate unit >"$tmp/unit.out" 2>&1
		rc=$?
		# cmocka's "[  FAILED  ] name" lines (not the count line), and the
		# binaries run-unit.sh gave up on.
		by=$(sed -n 's/^\[  FAILED  \] \([a-z_0-9]*\)$/\1/p' "$tmp/unit.out" | sort -u | tr '\n' ' ')
		by="$by$(sed -n 's|^run-unit: .*/\([^/ ]*\) \(printed no\|exited\).*|\1 (crashed)|p' "$tmp/unit.out" | tr '\n' ' ')"
		if [ "$rc" -ne 0 ]; then
			caught=$((caught + 1))
			printf '%s\t%s\n' "$what" "caught by ${by:-make unit (exit $rc)}" >>"$table"
		else
			survived=$((survived + 1))
			printf '%s\t%s\n' "$what" "SURVIVED: $file: $expr" >>"$table"
		fi
	fi
	cp "$tmp/orig" "$tree/$file"
	# The restored file must rebuild even when its copy is older than the object.
	touch "$tree/$file"
done <"$list"

echo "mutation -> caught by"
awk -F '\t' '{ printf "  %-54s %s\n", $1, $2 }' "$table"
echo "mutate: $caught passed, $((survived + broken)) failed, 0 skipped"
[ "$n" -gt 0 ] && [ "$survived" -eq 0 ] && [ "$broken" -eq 0 ]
