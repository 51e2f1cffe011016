#!/bin/sh
# tests/run.sh - runs every unit-test binary and every CLI/HTTP test script
# and ends with the line "N passed, N failed".
#
# Each test prints "ok - NAME" or "not ok - NAME ...". A program that exits
# non-zero without printing a "not ok" line counts as one failure (a crash).
# TESTS='pattern' limits the run to matching names.
set -u
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
export ARMISTICE_BIN="$top/$BUILD/armistice"
export ARMISTICE_TOP="$top"
export BUILD
pass=0
fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
	name=$1
	shift
	case "$name" in *${TESTS:-}*) ;; *) return ;; esac
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited $rc without reporting a failure" >>"$log"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $name ($p passed, $f failed)"
		grep -v '^ok ' "$log" | tail -n 40 | sed 's/^/    /'
	else
		echo "PASS $name ($p)"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
for t in tests/cli/t*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$t")" sh "$t"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
