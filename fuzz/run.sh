#!/bin/sh
# fuzz/run.sh - a short smoke run of each libFuzzer target given, seeded
# from fuzz/corpus/<name>/. Each run is bounded by FUZZ_SECONDS and
# prints one ok/not ok line; the last line is "N passed, N failed".
#
# FUZZ_RUNS=N makes the run reproducible: N inputs from a fixed seed
# (-seed=1), so the same binary on the same corpus explores the same
# inputs every time (CI uses this; FUZZ_SECONDS stays as a time cap).
# Without it, each run explores for FUZZ_SECONDS from a random seed.
set -u
secs=${FUZZ_SECONDS:-15}
runs_opt=""
[ -n "${FUZZ_RUNS:-}" ] && runs_opt="-runs=$FUZZ_RUNS -seed=1"
pass=0
fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	seed="fuzz/corpus/${name#fuzz_}"
	work=$(mktemp -d)
	[ -d "$seed" ] && cp -r "$seed"/. "$work"/ 2>/dev/null
	if "$bin" $runs_opt -max_total_time="$secs" -max_len=70000 -timeout=10 -rss_limit_mb=2048 \
		"$work" >"$work.log" 2>&1; then
		echo "ok - $name ($(grep -o 'cov: [0-9]*' "$work.log" | tail -n 1))"
		pass=$((pass + 1))
	else
		echo "not ok - $name"
		tail -n 30 "$work.log"
		fail=$((fail + 1))
	fi
	rm -rf "$work" "$work.log"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
