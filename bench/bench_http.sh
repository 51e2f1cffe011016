#!/bin/sh
# bench/bench_http.sh - tile GETs per second of armistice serve on
# loopback against nginx serving the same directory in the same run (wrk,
# same connections, threads and duration), at 16, 64 and 256 connections,
# and the server's resident memory under that load. Submissions are
# bench/bench_submit.sh. BENCH_HTTP_SECONDS (default 5) per measurement.
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

. "$TOP/bench/lib.sh"
start() { n=$1; shift; bench_start "$n" bench_http "$@"; }

# The pilot agreement (demo keys) as entry 0, then 1 KiB statements.
cd "$W" || exit 1
pilot_entry0 bench_http
TEXT=$(head -c 900 /dev/zero | tr '\0' 'x')
# 255 signed 1 KiB statements after entry 0: tile 0/000 and the first
# entry bundle are full, so immutable.
NPRE=255
i=1
while [ "$i" -le "$NPRE" ]; do
	printf 'armistice/entry/v1\nkind: statement\nagreement: %s\nauthor: south\nseq: %d\ntime: 2018-11-01T09:00:00+09:00\ntext: %s\n' \
		"$AID" "$i" "$TEXT" >"s-$i.txt"
	i=$((i + 1))
done
set --
i=1
while [ $i -le $NPRE ]; do set -- "$@" "s-$i.txt"; i=$((i + 1)); done
for f in "$@"; do
	"$ARM" note sign --key "$K/demo-south.key" "$f" >"${f%.txt}.signed" ||
		{ echo "bench_http: cannot sign with $ARM"; exit 1; }
done
"$ARM" init log --agreement agreement.yaml --log-key "$K/demo-log.key" e0.signed >/dev/null ||
	{ echo "bench_http: armistice init failed"; exit 1; }
set --
i=1
while [ $i -le $NPRE ]; do set -- "$@" "s-$i.signed"; i=$((i + 1)); done
"$ARM" log append log "$@" >/dev/null || { echo "bench_http: log append failed"; exit 1; }

# The tree is published by `log append`: no witness is needed to serve it.
start srv "$ARM" serve log --listen 127.0.0.1:0 --key "$K/demo-log.key" --zones "$W" \
	--max-conns-per-ip 1024 --idle-timeout 60
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

SECS=${BENCH_HTTP_SECONDS:-5}
wrk_rps() { # URL CONNS -> requests/s (2 threads)
	wrk -t2 -c"$2" -d"$SECS"s "$1" 2>/dev/null | awk '/^Requests\/sec/ {print $2}'
}
TILE=tile/0/000
curl -sf -o /dev/null "$S/$TILE" || { echo "bench_http: $S/$TILE not served"; exit 1; }
curl -sf -o /dev/null "http://127.0.0.1:$port/$TILE" || { echo "bench_http: nginx does not serve $TILE"; exit 1; }
echo "## HTTP: tile GETs, armistice serve vs nginx on the same files (bench_http.sh)"
echo
echo "Full tile $TILE (8 KiB, immutable), loopback, wrk 2 threads, ${SECS} s per run; nginx 2 workers, sendfile, access log off."
echo
echo "| connections | armistice GETs/s | nginx GETs/s (same run) | ratio | goal |"
echo "|---:|---:|---:|---:|---:|"
for c in 16 64 256; do
	ours=$(wrk_rps "$S/$TILE" "$c")
	theirs=$(wrk_rps "http://127.0.0.1:$port/$TILE" "$c")
	awk -v c="$c" -v o="$ours" -v t="$theirs" 'BEGIN {printf "| %d | %.0f | %.0f | %.2f | 0.80 |\n", c, o, t, (t > 0 ? o / t : 0)}'
done
echo
echo "server resident memory after the load: $(awk '/VmRSS/ {print $2}' "/proc/$SPID/status") KiB (peak $(awk '/VmHWM/ {print $2}' "/proc/$SPID/status") KiB)"
