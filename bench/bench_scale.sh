#!/bin/sh
# bench/bench_scale.sh - how each cost grows with the log (issue 12,
# "Scaling, not only speed"): at 10,000, 100,000 and 1,000,000 entries
# (and 10,000,000 with BENCH_SCALE_10M=1: four more minutes, 4 GB of disk), each
# measure as a ratio against a limit measured in the same run:
#
#   appends/s      durable appends in batches of 256 of 330-byte entries
#                  onto the log of that size (build/bench/scale_probe), vs
#                  the same bytes written to one file, one fsync a batch
#   proof          median log_prove() latency, vs reading one tile file
#   replay         `armistice status --json` (every signature checked on
#                  every core, the rules in order), vs N signatures at the
#                  raw libsodium rate on every core
#   /state         GET /state?index=random from `armistice serve` (kept
#                  copies), median of 20, vs GET of one tile, same server
#   server RSS     peak resident memory of that server, vs the bytes of
#                  the log's entries
#   disk           bytes on disk per entry (tiles and bundles), vs the
#                  bytes of the entry itself in its bundle
#
# The log: the pilot agreement and signed statements and incidents
# (build/bench/mklog_state, the bulk append path). The 10,000,000 point
# is built without signatures (each author's signature line copied, the
# bulk path): its replay and /state rows are not measured (the server
# checks every signature when it starts, and these do not verify).
# Prints a table and writes the curve, an SVG drawn from the same numbers
# (bench/scale_svg.awk), to $BENCH_SCALE_SVG (default docs/scaling.svg).
set -u
ARM=${ARMISTICE_BIN:-$(pwd)/build/armistice}
BUILD=${BUILD:-build}
TOP=$(pwd)
MK="$TOP/$BUILD/bench/mklog_state"
PROBE="$TOP/$BUILD/bench/scale_probe"
SVG=${BENCH_SCALE_SVG:-$TOP/docs/scaling.svg}
SIZES="10000 100000 1000000"
[ -n "${BENCH_SCALE_10M:-}" ] && SIZES="$SIZES 10000000"
W=$(mktemp -d "${TMPDIR:-/tmp}/armistice-bench-scale.XXXXXX")
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

for x in "$MK" "$PROBE"; do
	[ -x "$x" ] || { echo "bench_scale: $x not built (make bench builds it)"; exit 0; }
done
command -v curl >/dev/null || { echo "bench_scale: curl not installed"; exit 0; }
cd "$W" || exit 1
mkdir keys && cp "$TOP"/tests/data/keys/* keys/ && chmod 600 keys/*.key
K="$W/keys"
. "$TOP/bench/lib.sh"
pilot_entry0 bench_scale
VRATE=$("$PROBE" verify-rate)
CORES=$(nproc)
NOW=2020-06-01T00:00:00Z

now_s() { date +%s.%N; }
med() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
start() { # serve log, set URL and SPID
	"$ARM" serve log --listen 127.0.0.1:0 --key "$K/demo-log.key" --zones "$W" --rate 0 2>srv.log &
	SPID=$!
	URL=""
	i=0
	while [ $i -lt 3000 ] && [ -z "$URL" ] && kill -0 "$SPID" 2>/dev/null; do
		URL=$(sed -n 's|.*listening on \(http://[^ /]*\)/.*|\1|p' srv.log 2>/dev/null | head -n 1)
		sleep 0.1
		i=$((i + 1))
	done
}
stop() {
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	SPID=""
}

: >rows
for N in $SIZES; do
	rm -rf log log.raw
	"$ARM" init log --agreement agreement.yaml --log-key "$K/demo-log.key" e0.signed >/dev/null ||
		{ echo "bench_scale: armistice init failed"; exit 1; }
	sign=""
	[ "$N" -ge 10000000 ] && sign=nosign
	t0=$(now_s)
	"$MK" log $((N - 1)) "$K" "$AID" $sign >/dev/null || { echo "bench_scale: mklog_state failed"; exit 1; }
	t1=$(now_s)
	build=$(awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN { printf "%.0f", n / (b - a) }')
	# Disk: tiles and bundles (allocated) per entry, vs the bundle bytes per entry.
	alloc=$(du -sB1 log/tile | cut -f1)
	bundles=$(find log/tile/entries -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
	idx=$(du -sB1 log/.armistice | cut -f1)
	# Proofs from tiles.
	set -- $("$PROBE" proofs log 200)
	proof_us=$1 tile_us=$2
	rep_s=- state_ms=- tileget_ms=- rss=-
	if [ -z "$sign" ]; then
		# Replay with every signature checked (status), against raw verify on every core.
		t0=$(now_s)
		"$ARM" status log --json --now "$NOW" >/dev/null 2>&1 || { echo "bench_scale: status failed"; exit 1; }
		t1=$(now_s)
		rep_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
		start
		[ -n "$URL" ] || { echo "bench_scale: serve did not start: $(head -c 200 srv.log)"; exit 1; }
		curl -s -o /dev/null --max-time 600 "$URL/state?now=$NOW"
		state_ms=$(for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			curl -s -o /dev/null -w '%{time_total}\n' --max-time 120 \
				"$URL/state?index=$(awk -v n="$N" -v s="$i" 'BEGIN { srand(s); print 1 + int(rand() * (n - 1)) }')&now=$NOW"
		done | med | awk '{ printf "%.2f", $1 * 1000 }')
		tileget_ms=$(for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			curl -s -o /dev/null -w '%{time_total}\n' "$URL/tile/0/000"
		done | med | awk '{ printf "%.3f", $1 * 1000 }')
		rss=$(awk '/VmHWM/ { print $2 }' "/proc/$SPID/status")
		stop
	fi
	# Appends onto the log of this size (last: they bypass the rules).
	set -- $("$PROBE" appends log "$K/demo-log.key" 2560 256)
	app=$1 raw=$2
	echo "$N $build $app $raw $proof_us $tile_us $rep_s $state_ms $tileget_ms $rss $alloc $bundles $idx" >>rows
done

echo "## Scaling with the log (bench_scale.sh)"
echo
echo "$(nproc) cores; raw Ed25519 verify $VRATE/s on one core. Each cell: the measure, then its ratio"
echo "to the limit measured in the same run (for a cost, measure / limit; for a rate, limit / measure:"
echo "1.0 is the limit, higher is further from it)."
echo
awk -v vr="$VRATE" -v cores="$CORES" '
function cell(v, r) { return v == "-" ? "-" : sprintf("%s (%.2f)", v, r) }
{
	n[NR] = $1; build[NR] = $2; app[NR] = $3; raw[NR] = $4; pr[NR] = $5; tl[NR] = $6
	rep[NR] = $7; st[NR] = $8; tg[NR] = $9; rss[NR] = $10; al[NR] = $11; bu[NR] = $12; ix[NR] = $13
}
END {
	printf "| measure (limit) |"; for (i = 1; i <= NR; i++) printf " %s |", n[i]; print ""
	printf "|---|"; for (i = 1; i <= NR; i++) printf "---:|"; print ""
	printf "| durable appends/s, batches of 256 (same bytes + fsync) |"
	for (i = 1; i <= NR; i++) printf " %s |", cell(app[i], raw[i] / app[i]); print ""
	printf "| proof latency, median us (read one tile) |"
	for (i = 1; i <= NR; i++) printf " %s |", cell(pr[i], pr[i] / tl[i]); print ""
	printf "| replay with signatures, s (raw verify on %d cores) |", cores
	for (i = 1; i <= NR; i++) printf " %s |", cell(rep[i], rep[i] == "-" ? 0 : rep[i] / (n[i] / (vr * cores))); print ""
	printf "| GET /state?index=N, median ms (GET one tile, same server) |"
	for (i = 1; i <= NR; i++) printf " %s |", cell(st[i], st[i] == "-" ? 0 : st[i] / tg[i]); print ""
	printf "| server peak RSS, KiB (the log entries bytes) |"
	for (i = 1; i <= NR; i++) printf " %s |", cell(rss[i], rss[i] == "-" ? 0 : rss[i] * 1024 / bu[i]); print ""
	printf "| disk per entry, tiles and bundles, bytes (entry in its bundle) |"
	for (i = 1; i <= NR; i++) printf " %s |", cell(sprintf("%.0f", al[i] / n[i]), al[i] / bu[i]); print ""
	printf "| index and private state per entry, bytes |"
	for (i = 1; i <= NR; i++) printf " %.0f |", ix[i] / n[i]; print ""
	printf "| bulk build, entries/s (signing on every core) |"
	for (i = 1; i <= NR; i++) printf " %s |", build[i]; print ""
}' rows
echo
[ -n "${BENCH_SCALE_10M:-}" ] && echo "10,000,000: built without signatures (bulk path); replay, /state and RSS not measured there."
awk -v vr="$VRATE" -v cores="$CORES" '{
	print "appends", $1, $4 / $3
	print "proof", $1, $5 / $6
	if ($7 != "-") print "replay", $1, $7 / ($1 / (vr * cores))
	if ($8 != "-") print "state", $1, $8 / $9
	if ($10 != "-") print "rss", $1, $10 * 1024 / $12
	print "disk", $1, $11 / $12
}' rows | awk -f "$TOP/bench/scale_svg.awk" >"$SVG" && echo "The curve: $SVG (bench/scale_svg.awk, from the numbers above)."
