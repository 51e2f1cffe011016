#!/bin/sh
# scripts/check-format.sh - every C file git tracks is as clang-format
# (.clang-format, the house style) writes it. `make format` rewrites them.
# Prints one ok/not ok line per file that differs and ends with
# "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 2
command -v clang-format >/dev/null 2>&1 || { echo "not ok - clang-format is not installed"; echo "0 passed, 1 failed"; exit 1; }
pass=0
fail=0
for f in $(git ls-files '*.c' '*.h'); do
	if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		pass=$((pass + 1))
	else
		echo "not ok - $f is not formatted (run: clang-format -i $f)"
		fail=$((fail + 1))
	fi
done
echo "ok - clang-format: $pass files in the house style"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
