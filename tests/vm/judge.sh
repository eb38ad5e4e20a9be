#!/bin/bash
# A VM part's verdict from its results (tests/vm/run.sh sources this): every
# result parts.list declares for the part must be there, every skip and retry
# must be one skips.list allows, and something other than san/reports must
# have passed.
#
# Run on its own, it judges a log already written (a reproduction, or a
# check of this file):  judge.sh PART LOG   prints the verdict, exits 1 on
# any failure (FFS_SUITE=trixie adds parts.list's PART@trixie lines, as
# run.sh does for that suite's kernel).
here=${here:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}

# allowed KIND NAME REASON: skips.list has a KIND line for NAME whose reason
# (for skips) the guest's reason starts with.
allowed() {
	local kind=$1 name=$2 why=$3 k glob rest
	while read -r k glob rest; do
		[ "$k" = "$kind" ] || continue
		# shellcheck disable=SC2053 # glob matching on purpose
		[[ $name == $glob ]] || continue
		rest=${rest#:: }
		[ "$kind" = retry ] && return 0
		# shellcheck disable=SC2053
		[[ $why == $rest* ]] && return 0
	done < <(grep -v '^#' "$here/skips.list")
	return 1
}

# judge PART RESULTS: sets p, f, s, r from the results file; adds to
# problems (each one counted in f) and notes (skips, retries).
judge() {
	local part=$1 file=$2 kind name why glob found pass_other=0
	p=0 f=0 s=0 r=0
	while read -r kind name why; do
		case $kind in
		PASS)
			p=$((p + 1))
			[ "$name" = san/reports ] || pass_other=1 ;;
		FAIL) f=$((f + 1)) ;;
		SKIP)
			if allowed skip "$name" "$why"; then
				s=$((s + 1))
				notes+=("skip $name: $why")
			else
				f=$((f + 1))
				problems+=("$name skipped, not allowed by tests/vm/skips.list: $why")
			fi ;;
		RETRIED)
			if allowed retry "$name" ""; then
				r=$((r + 1))
				notes+=("retried $name: $why")
			else
				f=$((f + 1))
				problems+=("$name retried, not allowed by tests/vm/skips.list: $why")
			fi ;;
		*)
			f=$((f + 1))
			problems+=("unreadable result line: $kind $name $why")
			;;
		esac
	done <"$file"
	[ -n "$part" ] || return 0
	while read -r _ glob; do
		found=0
		while read -r kind name why; do
			# shellcheck disable=SC2053
			if [[ $name == $glob ]]; then found=1; break; fi
		done <"$file"
		if [ "$found" = 0 ]; then
			f=$((f + 1))
			problems+=("no result $glob (tests/vm/parts.list)")
		fi
	done < <(awk -v p="$part" -v s="${FFS_SUITE:-}" '$1 == p || (s != "" && $1 == p "@" s)' \
		"$here/parts.list")
	if [ "$pass_other" = 0 ]; then
		f=$((f + 1))
		problems+=("nothing passed but san/reports")
	fi
}

# Run directly: judge PART's LOG (its "vm-result:" lines, else "| result:").
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -uo pipefail
	[ $# = 2 ] || { echo "usage: judge.sh PART LOG" >&2; exit 2; }
	results=$(mktemp)
	trap 'rm -f "$results"' EXIT
	sed -n 's/^vm-result: //p' "$2" >"$results"
	[ -s "$results" ] || sed -n 's/^| result: //p' "$2" >"$results"
	problems=() notes=()
	judge "$1" "$results"
	for line in "${problems[@]}"; do echo "vm: $1: FAIL $line"; done
	for line in "${notes[@]}"; do echo "vm: $1: $line"; done
	echo "vm: $1: $p passed, $f failed, $s skipped, $r retried"
	[ "$f" = 0 ]
fi
