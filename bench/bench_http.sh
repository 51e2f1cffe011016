#!/bin/sh
# bench/bench_http.sh - the HTTP server under load, on loopback, against
# the machine's own limits measured in the same run:
#   - tile GETs per second: armistice serve vs nginx serving the same
#     directory (wrk, same connections and duration);
#   - signed 1 KiB submissions per second, p50/p99 latency, against the raw
#     Ed25519 verify rate (libsodium, bench_sign) and beside Sunlight's
#     published ~41 ms p50 sequencing latency;
#   - resident memory of the server under that load.
# Three witnesses cosign every published checkpoint, as in production.
# Bounded: about 40 s. Prints one markdown table.
set -u
ARM=${ARMISTICE_BIN:-$(pwd)/build/armistice}
BUILD=${BUILD:-build}
TOP=$(pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/armistice-bench-http.XXXXXX")
# Private copies of the demo keys: a secret key at git's 0644 is refused.
K="$W/keys"
mkdir -p "$K" && cp "$TOP"/tests/data/keys/* "$K"/ && chmod 600 "$K"/*.key
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null
	sleep 0.2
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

command -v wrk >/dev/null || { echo "bench_http: wrk not installed"; exit 0; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "bench_http: nginx not installed"; exit 0; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

start() { # NAME CMD...: background, wait for "listening on", set URL
	name=$1
	shift
	"$@" 2>"$W/$name.log" &
	PIDS="$PIDS $!"
	eval "PID_$name=$!"
	i=0
	URL=""
	while [ $i -lt 100 ] && [ -z "$URL" ]; do
		URL=$(sed -n 's|.*listening on \(http://[^ /]*\)/.*|\1|p' "$W/$name.log" | head -n 1)
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$URL" ] || { echo "bench_http: $name did not start: $(head -c 200 "$W/$name.log")"; exit 1; }
}

# The pilot agreement (demo keys) as entry 0, then 1 KiB statements.
cd "$W" || exit 1
. "$TOP/bench/lib.sh"
pilot_entry0 bench_http
TEXT=$(head -c 900 /dev/zero | tr '\0' 'x')
mkentries() { # WHO FROM TO
	i=$2
	while [ "$i" -le "$3" ]; do
		printf 'armistice/entry/v1\nkind: statement\nagreement: %s\nauthor: %s\nseq: %d\ntime: 2018-11-01T09:00:00+09:00\ntext: %s\n' \
			"$AID" "$1" "$i" "$TEXT" >"s-$1-$i.txt"
		"$ARM" note sign --key "$K/demo-$1.key" "s-$1-$i.txt" >"s-$1-$i.signed" ||
			{ echo "bench_http: cannot sign with $ARM"; exit 1; }
		i=$((i + 1))
	done
}
NPRE=255
NSUB=${BENCH_HTTP_SUBMISSIONS:-50}
mkentries south 1 $NPRE
for who in north nnsc press; do mkentries $who 1 "$NSUB"; done
mkentries south $((NPRE + 1)) $((NPRE + NSUB))
"$ARM" init log --agreement agreement.yaml --log-key "$K/demo-log.key" e0.signed >/dev/null ||
	{ echo "bench_http: armistice init failed"; exit 1; }
set --
i=1
while [ $i -le $NPRE ]; do set -- "$@" "s-south-$i.signed"; i=$((i + 1)); done
"$ARM" log append log "$@" >/dev/null || { echo "bench_http: log append failed"; exit 1; }

WARGS=""
for w in south north nnsc; do
	start "w$w" "$ARM" witness --key "$K/demo-w-$w.key" --state "$W/w-$w" \
		--log "demo.armistice.example/gp-pilot=$K/demo-log.vkey" --listen 127.0.0.1:0
	WARGS="$WARGS --witness w-$w=$URL"
done
# shellcheck disable=SC2086
start srv "$ARM" serve log --listen 127.0.0.1:0 --key "$K/demo-log.key" --zones "$W" $WARGS
S=$URL
SPID=$PID_srv

# nginx on the same directory, its own config and prefix, loopback only.
port=$((20000 + $$ % 30000))
mkdir -p ngx/logs
cat >ngx/nginx.conf <<NGX
worker_processes 2;
pid $W/nginx.pid;
error_log $W/ngx/logs/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$port;
		root $W/log;
		location /tile/ { add_header Cache-Control "public, max-age=31536000, immutable"; }
	}
}
NGX
# nginx workers run unprivileged: let them read the log's files.
chmod -R a+rX "$W/log" && chmod a+x "$W"
"$NGINX" -p "$W/ngx" -c "$W/ngx/nginx.conf" 2>"$W/ngx/start.err" ||
	{ echo "bench_http: nginx did not start: $(cat "$W/ngx/start.err")"; exit 1; }

wrk_rps() { # URL -> requests/s (2 threads, 32 connections, 5 s)
	wrk -t2 -c32 -d5s "$1" 2>/dev/null | awk '/^Requests\/sec/ {print $2}'
}
TILE=tile/0/000
curl -sf -o /dev/null "$S/$TILE" || { echo "bench_http: $S/$TILE not served"; exit 1; }
curl -sf -o /dev/null "http://127.0.0.1:$port/$TILE" || { echo "bench_http: nginx does not serve $TILE"; exit 1; }
ours=$(wrk_rps "$S/$TILE")
theirs=$(wrk_rps "http://127.0.0.1:$port/$TILE")
rss_tiles=$(awk '/VmRSS/ {print $2}' "/proc/$SPID/status")

# Submissions: four parties, each a keep-alive stream of its own entries
# in seq order (the rules refuse reordered seqs), all four at once.
stream() { # WHO FROM TO
	set --  "$1" "$2" "$3"
	args=""
	i=$2
	while [ "$i" -le "$3" ]; do
		[ -n "$args" ] && args="$args --next"
		args="$args -s -o /dev/null -w %{http_code}:%{time_total}\\n --data-binary @s-$1-$i.signed $S/add"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	curl $args >"lat-$1" 2>/dev/null
}
t0=$(date +%s.%N)
stream north 1 "$NSUB" &
a=$!
stream nnsc 1 "$NSUB" &
b=$!
stream press 1 "$NSUB" &
c=$!
stream south $((NPRE + 1)) $((NPRE + NSUB)) &
d=$!
wait $a $b $c $d
t1=$(date +%s.%N)
rss_peak=$(awk '/VmHWM/ {print $2}' "/proc/$SPID/status")
okn=$(cat lat-* | grep -c '^200:')
total=$(cat lat-* | wc -l)
cat lat-* | sed -n 's/^200://p' | sort -n >lat-sorted
pct() { awk -v p="$1" '{a[NR]=$1} END {if (NR == 0) {print "n/a"; exit} i=int(NR*p/100); if (i < 1) i=1; printf "%.1f", a[i]*1000}' lat-sorted; }
p50=$(pct 50)
p99=$(pct 99)
subs=$(awk -v n="$okn" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')
raw=""
if [ -x "$TOP/$BUILD/bench/bench_sign" ]; then
	raw=$("$TOP/$BUILD/bench/bench_sign" 2>/dev/null | awk -F'|' '/verify 300-byte entry \(note_verify/ {gsub(/ /,"",$4); print $4}')
fi
size=$(sed -n 2p log/checkpoint)

echo "## HTTP: armistice serve on loopback, three witnesses cosigning (bench_http.sh)"
echo
echo "| measure | armistice | machine limit (same run) | ratio |"
echo "|---|---:|---:|---:|"
awk -v o="$ours" -v t="$theirs" 'BEGIN {printf "| tile GETs/s (8 KiB full tile, wrk 2 threads x 32 conns, 5 s) | %.0f | %.0f (nginx, 2 workers, same files) | %.2f |\n", o, t, (t > 0 ? o / t : 0)}'
if [ -n "$raw" ]; then
	awk -v s="$subs" -v r="$raw" 'BEGIN {printf "| signed 1 KiB submissions/s (4 parties at once, each entry durable + cosigned before its answer) | %d | %d (raw Ed25519 verify/s, libsodium, one core) | %.4f |\n", s, r, s / r}'
else
	echo "| signed 1 KiB submissions/s (4 parties at once) | $subs | n/a (build bench_sign for the raw verify rate) | n/a |"
fi
echo "| submission latency p50 / p99 (ms): sequenced, fsynced, cosigned by 3 witnesses, published | $p50 / $p99 | Sunlight: ~41 ms p50 to sequence a pool (all of Let's Encrypt, one server) | |"
echo "| server resident memory (KiB): after the tile load / peak after the submissions | $rss_tiles / $rss_peak | | |"
echo
echo "$okn of $total submissions answered 200; the log grew to $size entries. The tile row is"
echo "a ratio against nginx serving the same directory in the same run; the submission row"
echo "against the raw single-core verify rate, the ceiling for checking one signature per entry."
