#!/bin/sh
# bench/bench_state.sh - GET /state?index=N requests per second at 100,000
# entries (BENCH_STATE_ENTRIES), N random over the whole log, `now` fixed
# so that only the kept copies (not the cache of recent answers) help:
#   - before: --state-every 0, every request replays the log from entry 0
#     (what serve did before the copies);
#   - after: the default, a copy every 256 entries within 64 MiB.
# The log: the pilot agreement and real signed entries (statements, an
# incident every 50th) built by build/bench/mklog_state through the bulk
# append path. wrk, 2 threads, 8 connections, random indices (a Lua
# script), rate limit off. Bounded: about a minute and a half.
set -u
ARM=${ARMISTICE_BIN:-$(pwd)/build/armistice}
BUILD=${BUILD:-build}
TOP=$(pwd)
N=${BENCH_STATE_ENTRIES:-100000}
MK="$TOP/$BUILD/bench/mklog_state"
W=$(mktemp -d "${TMPDIR:-/tmp}/armistice-bench-state.XXXXXX")
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	sleep 0.2
	[ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

command -v wrk >/dev/null || { echo "bench_state: wrk not installed"; exit 0; }
[ -x "$MK" ] || { echo "bench_state: $MK not built (make bench builds it)"; exit 0; }

cd "$W" || exit 1
K="$W/keys" # the demo keys, private to this user as the signer requires
mkdir -p "$K" && cp "$TOP"/tests/data/keys/* "$K"/ && chmod 600 "$K"/*.key
. "$TOP/bench/lib.sh"
pilot_entry0 bench_state
"$ARM" init log --agreement agreement.yaml --log-key "$K/demo-log.key" e0.signed >/dev/null ||
	{ echo "bench_state: armistice init failed"; exit 1; }
t0=$(date +%s.%N)
size=$("$MK" log "$N" "$K" "$AID") || { echo "bench_state: mklog_state failed"; exit 1; }
t1=$(date +%s.%N)
build_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')

# Each wrk thread draws its own indices (one seed would make the threads
# ask the same questions and the cache of recent answers would answer half).
cat >rand.lua <<LUA
local n = 0
function setup(thread)
	n = n + 1
	thread:set("id", n)
end
function init(args)
	math.randomseed(7 + id)
end
request = function()
	return wrk.format("GET", "/state?index=" .. math.random(1, $size) .. "&now=2020-06-01T00:00:00Z")
end
LUA

NSTART=0
start() { # ARGS...: serve the log, wait for "listening on", set URL, SPID and SLOG
	NSTART=$((NSTART + 1))
	SLOG="$W/srv$NSTART.log" # a new file each time: never read the last server's URL
	"$ARM" serve log --listen 127.0.0.1:0 --key "$K/demo-log.key" --zones "$W" --rate 0 \
		"$@" 2>"$SLOG" &
	SPID=$!
	URL=""
	i=0
	while [ $i -lt 600 ] && [ -z "$URL" ] && kill -0 "$SPID" 2>/dev/null; do
		URL=$(sed -n 's|.*listening on \(http://[^ /]*\)/.*|\1|p' "$SLOG" 2>/dev/null | head -n 1)
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$URL" ] || { echo "bench_state: serve did not start: $(head -c 200 "$SLOG")"; exit 1; }
}
stop() {
	[ -n "${BENCH_STATE_DEBUG:-}" ] && tail -n 3 "$SLOG" >&2
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	SPID=""
}
wrk_rps() { # URL SECONDS -> requests/s (2 threads, 8 connections, random indices)
	wrk -t2 -c8 -d"$2"s --timeout 30s -s rand.lua "$1" 2>/dev/null | awk '/^Requests\/sec/ {print $2}'
}
one() { # URL PATH -> seconds for one request
	curl -s -o /dev/null -w '%{time_total}' --max-time 120 "$1$2"
}

# Before: a full replay per request.
start --state-every 0
full_one=$(one "$URL" "/state?index=$size&now=2020-06-01T00:00:00Z")
before=$(wrk_rps "$URL" 10)
stop

# After: copies every 256 entries (the default). The first request builds them (one replay).
start
first=$(one "$URL" "/state?index=$size&now=2020-06-01T00:00:00Z")
after=$(wrk_rps "$URL" 10)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$SPID/status")
stop
copies=$(sed -n 's/.*; \([0-9]*\) copies every \([0-9]*\) entries, \([0-9]*\) KiB.*/\1 copies every \2 entries, \3 KiB/p' "$SLOG")
most=$(sed -n 's/.*at most \([0-9]*\) for one ?index=.*/\1/p' "$SLOG")

echo "## /state?index=N at $size entries (bench_state.sh)"
echo
echo "| measure | before: full replay per request | after: kept copies | ratio |"
echo "|---|---:|---:|---:|"
awk -v b="$before" -v a="$after" 'BEGIN {printf "| GET /state?index=N requests/s, N random in the log (wrk 2 threads x 8 conns, 10 s) | %.2f | %.1f | %.0fx |\n", b, a, (b > 0 ? a / b : 0)}'
echo "| one request for the whole log (s): a full replay / the first request, which builds the copies | $full_one | $first | |"
echo "| copies kept after the run; most entries one ?index= request replayed | | $copies; $most | |"
echo "| server peak resident memory (KiB) | | $rss | |"
echo
echo "The log ($size entries, signed, through the bulk append path) took ${build_s} s to build."
echo "Each answer is the bytes of status --json --index N (t5090-serve-state-cache.sh checks that)."
