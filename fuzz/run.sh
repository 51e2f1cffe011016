#!/bin/sh
# fuzz/run.sh - runs the libFuzzer targets given, each seeded from
# fuzz/corpus/<name>/ and fuzz/regress/<name>/, and prints one ok/not ok
# line per run; the last line is "N passed, N failed".
#
# For each target, in this order:
#   1. replay: every file of fuzz/regress/<name>/ (inputs that once crashed
#      or hung a target) is run once; these must never fail again.
#   2. fixed seed (FUZZ_RUNS=N): N inputs from -seed=1, so the same binary
#      on the same corpus explores the same inputs every time (the CI smoke).
#   3. random seed (FUZZ_RANDOM_SECONDS=S, or, without FUZZ_RUNS,
#      FUZZ_SECONDS): explores for S seconds from a seed read from
#      /dev/urandom, or FUZZ_SEED if set. The seed is printed, so
#      "FUZZ_SEED=<seed> FUZZ_RANDOM_SECONDS=<s> make fuzz" repeats the run
#      on the same corpus (exactly, for a single-threaded target, up to
#      timing: a run cut by time can end at a different input).
# FUZZ_SECONDS caps every run in time. FUZZ_JOBS=N runs N targets at a
# time. A crash or timeout input is copied to fuzz/regress/<name>/ (commit
# it: step 1 then replays it first from then on). FUZZ_STATS=file appends
# one line per run: target, mode, seed, seconds, executions, coverage,
# features, corpus size, failures (docs/fuzzing.md). FUZZ_KEEP=dir keeps
# each target's grown corpus in dir/<name>/.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

# One target: prints its lines on stdout.
one() {
	bin=$1
	name=$(basename "$bin")
	short=${name#fuzz_}
	secs=${FUZZ_SECONDS:-15}
	regress="$root/fuzz/regress/$short"
	work=$(mktemp -d)
	art="$work/artifacts"
	corpus="$work/corpus"
	mkdir -p "$art" "$corpus"
	[ -d "$root/fuzz/corpus/$short" ] && cp -r "$root/fuzz/corpus/$short"/. "$corpus"/ 2>/dev/null
	[ -d "$regress" ] && cp -r "$regress"/. "$corpus"/ 2>/dev/null
	common="-max_len=70000 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$art/"
	failed=0

	# stats LOG MODE SEED: the last status line of a libFuzzer log.
	stats() {
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -n 1)
		last=$(grep -E '^#[0-9]+' "$1" | tail -n 1)
		cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
		ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
		corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
		tsecs=$(sed -n 's/^stat::total_time_seconds\?: *//p' "$1" | tail -n 1)
		summary="execs: ${execs:-?} cov: ${cov:-?} ft: ${ft:-?} corp: ${corp:-?}"
		if [ -n "${FUZZ_STATS:-}" ]; then
			printf '%s %s seed=%s execs=%s cov=%s ft=%s corp=%s crashes=%s\n' \
				"$name" "$2" "$3" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
				"$4" >>"$FUZZ_STATS"
		fi
	}

	# keep: copies crash/timeout/leak inputs into fuzz/regress/<short>/.
	keep() {
		for f in "$art"/*; do
			[ -f "$f" ] || continue
			mkdir -p "$regress"
			cp "$f" "$regress/"
			echo "# kept $(basename "$f") in fuzz/regress/$short/ (commit it); its bytes, base64:"
			echo "# $(base64 -w0 "$f" | head -c 100000)"
			rm -f "$f"
		done
	}

	if [ -d "$regress" ] && [ -n "$(ls -A "$regress" 2>/dev/null)" ]; then
		n=$(ls -A "$regress" | wc -l)
		if "$bin" -timeout=10 -rss_limit_mb=2048 "$regress"/* >"$work/replay.log" 2>&1; then
			echo "ok - $name replays $n regression input(s)"
		else
			echo "not ok - $name replays $n regression input(s)"
			tail -n 30 "$work/replay.log"
			failed=1
		fi
	fi

	if [ -n "${FUZZ_RUNS:-}" ]; then
		if "$bin" $common -runs="$FUZZ_RUNS" -seed=1 -max_total_time="$secs" \
			"$corpus" >"$work/fixed.log" 2>&1; then
			stats "$work/fixed.log" fixed 1 0
			echo "ok - $name fixed seed 1, $FUZZ_RUNS runs ($summary)"
		else
			stats "$work/fixed.log" fixed 1 1
			echo "not ok - $name fixed seed 1, $FUZZ_RUNS runs ($summary)"
			tail -n 30 "$work/fixed.log"
			keep
			failed=1
		fi
	fi

	rsecs=${FUZZ_RANDOM_SECONDS:-}
	[ -z "${FUZZ_RUNS:-}" ] && [ -z "$rsecs" ] && rsecs=$secs
	if [ -n "$rsecs" ] && [ "$rsecs" -gt 0 ]; then
		seed=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
		# libFuzzer treats seed 0 as "pick one"; keep the printed seed real.
		[ "$seed" = 0 ] && seed=1
		if "$bin" $common -seed="$seed" -max_total_time="$rsecs" \
			"$corpus" >"$work/random.log" 2>&1; then
			stats "$work/random.log" random "$seed" 0
			echo "ok - $name random seed $seed, ${rsecs}s ($summary)"
		else
			stats "$work/random.log" random "$seed" 1
			echo "not ok - $name random seed $seed, ${rsecs}s ($summary)"
			echo "# reproduce: FUZZ_SEED=$seed FUZZ_RANDOM_SECONDS=$rsecs make fuzz FUZZ_TARGETS=$name"
			tail -n 30 "$work/random.log"
			keep
			failed=1
		fi
	fi
	if [ -n "${FUZZ_KEEP:-}" ]; then
		mkdir -p "$FUZZ_KEEP/$short"
		cp -r "$corpus"/. "$FUZZ_KEEP/$short"/ 2>/dev/null
	fi
	rm -rf "$work"
	return $failed
}

if [ "${1:-}" = "--one" ]; then
	one "$2"
	exit $?
fi

jobs=${FUZZ_JOBS:-1}
out=$(mktemp -d)
i=0
for bin in "$@"; do
	i=$((i + 1))
	printf '%s %s\n' "$i" "$bin"
done | xargs -P "$jobs" -n 2 sh -c 'sh "$0" --one "$3" >"$1/$(printf %04d "$2")" 2>&1' "$0" "$out"
pass=0
fail=0
for f in "$out"/*; do
	[ -f "$f" ] || continue
	cat "$f"
	pass=$((pass + $(grep -c '^ok - ' "$f")))
	fail=$((fail + $(grep -c '^not ok - ' "$f")))
done
rm -rf "$out"
[ "$#" -gt 0 ] && [ "$pass" -eq 0 ] && [ "$fail" -eq 0 ] && fail=1
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
