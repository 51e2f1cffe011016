#!/bin/sh
# bench/bench_submit.sh - many authors submitting at once: POST /add to
# `armistice serve` on loopback with three real witnesses (the agreement's
# quorum) cosigning, every answer a receipt pinned to a cosigned
# checkpoint. Runs 1, 16 and 64 authors, each with 4 keep-alive
# connections (build/bench/submit_load: entries signed before the clock
# starts, signing is the authors' cost), and reports submissions/s and the
# p50/p99 latency from request to cosigned receipt, against the raw
# Ed25519 verify rate on every core measured in the same run.
# BENCH_SUBMIT_M scales the entries per author. Bounded: about 30 s.
set -u
ARM=${ARMISTICE_BIN:-$(pwd)/build/armistice}
BUILD=${BUILD:-build}
TOP=$(pwd)
LOAD="$TOP/$BUILD/bench/submit_load"
[ -x "$LOAD" ] || { echo "bench_submit: build $LOAD first (make bench)"; exit 0; }
W=$(mktemp -d "${TMPDIR:-/tmp}/armistice-bench-submit.XXXXXX")
K="$W/keys"
mkdir -p "$K" && cp "$TOP"/tests/data/keys/* "$K"/ && chmod 600 "$K"/*.key
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "${BENCH_KEEP:-}" ] && cp "$W/srv.log" "$BENCH_KEEP"; rm -rf "$W"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

. "$TOP/bench/lib.sh"
start() { n=$1; shift; bench_start "$n" bench_submit "$@"; }

# The pilot agreement with 81 more actors (monitors), each its own key.
cd "$W" || exit 1
mkdir authors zones
"$LOAD" keys authors 81 >actors.yaml || { echo "bench_submit: cannot make keys"; exit 1; }
awk -v f=actors.yaml '/^phases:/ { while ((getline l < f) > 0) print l } { print }' \
	"$TOP/tests/data/agreements/pilot.yaml" >agreement.yaml
cp "$TOP/tests/data/agreements/zones/jsa-buffer.geojson" zones/
AID=$(sha256sum agreement.yaml | cut -d' ' -f1)
ZID=$(sha256sum zones/jsa-buffer.geojson | cut -d' ' -f1)
{ printf 'armistice/entry/v1\nkind: agreement\nagreement: %s\nzone: jsa sha256:%s\n\n' "$AID" "$ZID"
  cat agreement.yaml; } >e0.txt
"$ARM" note sign --key "$K/demo-south.key" --key "$K/demo-north.key" e0.txt >e0.signed &&
	"$ARM" init log --agreement agreement.yaml --log-key "$K/demo-log.key" e0.signed >/dev/null ||
	{ echo "bench_submit: armistice init failed"; exit 1; }

WARGS=""
for w in south north nnsc; do
	start "w$w" "$ARM" witness --key "$K/demo-w-$w.key" --state "$W/w-$w" \
		--log "demo.armistice.example/gp-pilot=$K/demo-log.vkey" --listen 127.0.0.1:0 \
		--max-conns-per-ip 1024
	WARGS="$WARGS --witness w-$w=$URL"
done
# shellcheck disable=SC2086
start srv "$ARM" serve log --listen 127.0.0.1:0 --key "$K/demo-log.key" --zones "$W" \
	--rate 0 --add-rate 0 --max-conns-per-ip 1024 $WARGS
HP=${URL#http://}
SPID=$PID_srv

# The raw limit, the server idle: Ed25519 verifies/s of 1 KiB on every core.
set -- $("$LOAD" verify 2)
RAW=$1
NCPU=$2

M=${BENCH_SUBMIT_M:-1}
C=${BENCH_SUBMIT_CONNS:-4} # connections per author
echo "## Submissions: many authors at once, three witnesses cosigning (bench_submit.sh)"
echo
echo "POST /add of signed 1 KiB statements, $C keep-alive connections per author, each waiting"
echo "for its receipt (durable, cosigned by the quorum of 3 witnesses, published) before its"
echo "next entry; raw limit: Ed25519 verifies/s of 1 KiB on all $NCPU cores (libsodium), same run."
echo
cpu() { # the server's CPU time so far, in clock ticks (user + system)
	awk '{print $14 + $15}' "/proc/$SPID/stat"
}
TCK=$(getconf CLK_TCK)
echo "| authors x connections | entries | answered 200 / 202 / other | submissions/s | p50 ms | p99 ms | server CPU per entry (us) | ratio to raw verify, $NCPU cores | goal |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---|"
first=0
for spec in "1 128" "16 32" "64 16"; do
	set -- $spec
	n=$1
	m=$(($2 * M))
	# BENCH_SUBMIT_PERF=FILE: a perf profile of the server during the 64-author run.
	if [ "$n" = 64 ] && [ -n "${BENCH_SUBMIT_PERF:-}" ]; then
		perf record -q -g -p "$SPID" -o "$BENCH_SUBMIT_PERF" 2>/dev/null &
		PERF=$!
		sleep 0.3
	fi
	c0=$(cpu)
	out=$("$LOAD" run "$HP" authors "$first" "$n" "$C" "$m" "$AID" 2>"$W/load.err") ||
		echo "(bench_submit: $(head -c 300 "$W/load.err"))"
	[ -n "${PERF:-}" ] && kill -INT "$PERF" && wait "$PERF" && PERF=""
	c1=$(cpu)
	set -- $out
	[ $# -eq 7 ] || { echo "bench_submit: load failed: $(head -c 300 "$W/load.err")"; break; }
	awk -v n="$n" -v c="$C" -v e="$((n * m))" -v ok="$1" -v acc="$2" -v oth="$3" -v rate="$5" \
		-v p50="$6" -v p99="$7" -v raw="$RAW" -v cpu="$((c1 - c0))" -v tck="$TCK" 'BEGIN {
		printf "| %d x %d | %d | %d / %d / %d | %.0f | %.1f | %.1f | %.0f | %.3f | >= 0.50, p99 < 100 ms |\n",
			n, c, e, ok, acc, oth, rate, p50, p99, cpu / tck * 1e6 / e, rate / raw }'
	first=$((first + n))
done
echo
echo "raw Ed25519 verify of 1 KiB on $NCPU cores: $RAW/s; the log grew to $(sed -n 2p log/checkpoint) entries;"
echo "server peak resident memory $(awk '/VmHWM/ {print $2}' "/proc/$SPID/status") KiB."
