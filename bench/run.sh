#!/bin/sh
# bench/run.sh - runs every benchmark (build/bench/bench_* and the
# bench/bench_*.sh scripts) and prints their tables. Never part of
# `make check`: numbers are ratios against the machine's own limits,
# measured in the same run. Copy the output into docs/performance.md.
set -u
BUILD=${BUILD:-build}
export ARMISTICE_BIN="$(pwd)/$BUILD/armistice"
echo "# armistice benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo
for b in "$BUILD"/bench/bench_*; do
	[ -x "$b" ] || continue
	"$b" || echo "($(basename "$b") failed: exit $?)"
	echo
done
for s in bench/bench_*.sh; do
	[ -f "$s" ] || continue
	sh "$s" || echo "($(basename "$s") failed: exit $?)"
	echo
done
