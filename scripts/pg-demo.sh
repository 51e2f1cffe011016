#!/bin/sh
# scripts/pg-demo.sh - the worked example on PostgreSQL, in one command:
#
#   make && sh scripts/pg-demo.sh [OUT]
#
# Builds the worked example's log (examples/korea-2018, DEMO_QUIET: no
# servers), starts a private PostgreSQL cluster in OUT/pg (initdb, a Unix
# socket in OUT, a free port; as the user "postgres" when run as root),
# imports the log into it, verifies it there, prints where the process
# stands from the database, exports it back to a tlog-tiles directory and
# checks the two checkpoints are the same bytes. The cluster is stopped at
# the end; the commands to run it again and to serve the log with a
# standby front end are printed. Nothing uses a system-wide server.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ARM=${ARM:-$top/${BUILD:-build}/armistice}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/armistice-pg-demo.XXXXXX")}
[ -x "$PG_BIN/initdb" ] || { echo "pg-demo: no $PG_BIN/initdb; run scripts/setup.sh" >&2; exit 2; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
say() { printf '\n== %s\n' "$*"; }

say "1. The worked example's log, built locally in $out"
DEMO_QUIET=1 ARM=$ARM sh "$top/examples/korea-2018/demo.sh" "$out" >"$out.build.log" 2>&1 ||
	{ tail -5 "$out.build.log" >&2; exit 1; }
echo "   $("$ARM" log checkpoint "$out/log" | sed -n 2p) entries in $out/log"

say "2. A private PostgreSQL cluster in $out/pg"
mkdir -p "$out/pg" "$out/pgsock"
chmod 755 "$out"
[ "$(id -u)" -eq 0 ] && chown postgres "$out/pg" "$out/pgsock"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$PG_BIN/initdb" -D "$out/pg/data" -A trust -U postgres >"$out/pg/initdb.log" 2>&1
printf "port = %s\nunix_socket_directories = '%s'\nlisten_addresses = ''\n" "$port" "$out/pgsock" >>"$out/pg/data/postgresql.conf"
as_pg "$PG_BIN/pg_ctl" -D "$out/pg/data" -l "$out/pg/server.log" -w start >/dev/null
trap 'as_pg "$PG_BIN/pg_ctl" -D "$out/pg/data" -w stop >/dev/null 2>&1 || true' EXIT
"$PG_BIN/createdb" -h "$out/pgsock" -p "$port" -U postgres korea
url="postgresql://postgres@/korea?host=$out/pgsock&port=$port"
echo "   $url"

say "3. armistice log import: the directory log into the database"
"$ARM" log import "$out/log" "$url"

say "4. armistice log verify, on the database"
"$ARM" log verify "$url" --zones "$out/log/zones" --no-quorum

say "5. Where the process stands, read from the database"
"$ARM" status "$url" --zones "$out/log/zones" | head -12

say "6. armistice log export: back to a tlog-tiles directory for nginx or a CDN"
"$ARM" log export "$url" "$out/exported"
cmp "$out/log/checkpoint" "$out/exported/checkpoint" && echo "   same signed checkpoint, byte for byte"

say "Done. To run it again:"
echo "   $PG_BIN/pg_ctl -D $out/pg/data -l $out/pg/server.log start   (as postgres)"
echo "   $ARM serve '$url' --zones $out/log/zones --listen 127.0.0.1:8080 &"
echo "   $ARM serve '$url' --zones $out/log/zones --listen 127.0.0.1:8081 --standby &"
