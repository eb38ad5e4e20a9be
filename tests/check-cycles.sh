#!/bin/sh
# No cycles between the parts of the tree (make unit runs it):
#   folders  gadget/'s subsystem folders by their #include "folder/..." lines
#            (gadget/main.c is "main")
#   headers  every header and source file by its #include "..." lines
#   calls    every object file of BUILD by the symbols it takes from another
#            (nm: a function or variable defined in one, undefined in the other)
# tsort finds the loops; each is printed, and any fails the check.
# usage: tests/check-cycles.sh [BUILD]
build=${1:-build}
cd "$(dirname "$0")/.." || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
failed=0

folder_of() {   # gadget/ffs/engine.c -> ffs; gadget/main.c -> main
	case $1 in
	gadget/*/*) f=${1#gadget/}; echo "${f%%/*}" ;;
	*) echo main ;;
	esac
}

# Every "file includes file" pair, as paths from the top of the tree.
for f in $(find gadget host -name '*.[ch]' | sort); do
	dir=$(dirname "$f")
	sed -n 's/^#include "\(.*\)"/\1/p' "$f" | while read -r inc; do
		case $f in host/*) cands="host/$inc gadget/wire/$inc" ;; *) cands="gadget/$inc $dir/$inc" ;; esac
		for c in $cands; do
			if [ -f "$c" ]; then echo "$f $c"; break; fi
		done
	done
done >"$tmp/includes"

awk '$1 ~ /^gadget\// && $2 ~ /^gadget\// { print }' "$tmp/includes" | while read -r a b; do
	fa=$(folder_of "$a")
	fb=$(folder_of "$b")
	echo "$fa $fb"
done | sort -u >"$tmp/folders"

# Objects: who defines what, who needs what.
objs=$(find "$build/gadget" "$build/host" -name '*.o' 2>/dev/null | sort)
if [ -z "$objs" ]; then
	echo "check-cycles: no objects in $build (build first)" >&2
	exit 2
fi
for o in $objs; do
	nm "$o" | awk -v o="$o" '$2 ~ /^[TDBR]$/ { print "def", $3, o } $1 == "U" { print "use", $2, o }'
done >"$tmp/syms"
awk '$1 == "def" { def[$2] = $3 } $1 == "use" { use[NR] = $2 " " $3 }
     END { for (i in use) { split(use[i], u, " "); if (u[1] in def && def[u[1]] != u[2])
           print u[2], def[u[1]] } }' "$tmp/syms" | sed "s|$build/||g; s|\.o\b|.c|g" |
	sort -u >"$tmp/calls"

for graph in folders includes calls; do
	if tsort "$tmp/$graph" >/dev/null 2>"$tmp/err"; then
		echo "check-cycles: $graph: no cycle ($(wc -l <"$tmp/$graph") edges)"
	else
		# tsort names the members of each loop it breaks; the edges among them show the cycle
		sed -n 's/^tsort: //p' "$tmp/err" | grep -v 'input contains a loop' | sort -u >"$tmp/members"
		echo "check-cycles: $graph: a cycle among $(tr '\n' ' ' <"$tmp/members")" >&2
		awk 'NR == FNR { m[$1] = 1; next } ($1 in m) && ($2 in m) && $1 != $2 { print "  " $1 " -> " $2 }' \
			"$tmp/members" "$tmp/$graph" >&2
		failed=1
	fi
done
exit $failed
