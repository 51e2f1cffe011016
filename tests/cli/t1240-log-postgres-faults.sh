#!/bin/sh
# Faults of the database under a PostgreSQL log, each giving a clear error
# and losing nothing acknowledged: connection strings that cannot work
# (malformed, no such database, wrong port; for `log` and `serve`), the
# server crashing mid-append (pg_ctl stop -m immediate) and coming back,
# and a full disk: the log's database in a tablespace on a 6 MiB tmpfs,
# filled by appends until PostgreSQL cannot extend a file, then grown. The
# full-disk part needs root (mount); without it, it says so and claims
# nothing. Skips (claiming nothing) without the PostgreSQL server binaries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"
pg_require
SMALL=$T/small
cleanup() { pg_stop; mountpoint -q "$SMALL" 2>/dev/null && umount "$SMALL"; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
cd "$T" || exit 1
"$ARM" keygen log.example.org/t1240 --out log >/dev/null 2>&1

# --- connection strings that cannot work ---
expect_exit 4 "a malformed URI is a system error" "$ARM" log verify "postgresql://[::1"
expect_grep "it says it cannot connect, and why" "cannot connect: .*(IPv6 host|invalid|missing)" "$T/err"
expect_exit 4 "a database that does not exist" "$ARM" log verify "postgresql://postgres@/nosuch?host=$PG_SOCK&port=$PG_PORT"
expect_grep "it names the database" 'database "nosuch" does not exist' "$T/err"
expect_exit 4 "a port nobody listens on" "$ARM" log verify "postgresql://postgres@127.0.0.1:1/x?connect_timeout=2"
expect_grep "it says the connection was refused" "cannot connect: .*(refused|Connection)" "$T/err"
expect_exit 4 "serve on a database that does not exist" "$ARM" serve "postgresql://postgres@/nosuch?host=$PG_SOCK&port=$PG_PORT" --listen 127.0.0.1:0
expect_grep "serve names it too" 'database "nosuch" does not exist' "$T/err"
expect_exit 4 "serve --standby does not wait on a database it cannot reach" "$ARM" serve "postgresql://postgres@127.0.0.1:1/x?connect_timeout=2" --standby --listen 127.0.0.1:0

# --- the server crashes mid-append and comes back ---
U=$(pg_createdb crash)
"$ARM" log init "$U" --origin log.example.org/t1240 --key log.key >/dev/null 2>&1
awk 'BEGIN { for (i = 0; i < 30000; i++) print "crash entry " i }' >c.in
pg_append_bg "$U" 7 c.in c.ack 50
cp=$PG_WRITER
pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1
wait $cp
rc=$?
[ $rc -eq 4 ] && ok "the writer stops with exit 4 when the server crashes mid-append" || not_ok "exit $rc"
# the crash may come at any step of a batch, the NOTIFY to front ends after
# the commit included
grep -Eq "cannot (commit|reach the database|write a file|begin|move|notify)" c.ack.err &&
	ok "and says the database went away: $(grep -Eo "cannot (commit|reach the database|write a file|begin|move|notify).{0,80}" c.ack.err | head -n 1)" ||
	not_ok "unclear error: $(head -c 300 c.ack.err)"
pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$T/pg/server.log" -w -t 30 start >/dev/null 2>&1 ||
	{ not_ok "the server does not come back"; exit 1; }
expect_ok "after crash recovery the log verifies" "$ARM" log verify "$U"
pg_acked_ok "$U" c.ack c.in "server crash"
[ "$(wc -l <c.ack)" -ge 50 ] || not_ok "only $(wc -l <c.ack) acknowledged before the crash"

# --- a full disk ---
mkdir -p "$SMALL"
if ! mount -t tmpfs -o size=6m tmpfs "$SMALL" 2>/dev/null; then
	echo "# skip the full-disk part: cannot mount a small tmpfs here (needs root)"
	exit 0
fi
[ "$(id -u)" -eq 0 ] && chown postgres "$SMALL"
pg_psql -d postgres -c "CREATE TABLESPACE small LOCATION '$SMALL'" >/dev/null 2>tsp.err ||
	{ not_ok "CREATE TABLESPACE: $(cat tsp.err)"; exit 1; }
"$PG_BIN/createdb" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -D small full >/dev/null 2>&1 ||
	{ not_ok "createdb in the small tablespace"; exit 1; }
UF="postgresql://postgres@/full?host=$PG_SOCK&port=$PG_PORT"
"$ARM" log init "$UF" --origin log.example.org/t1240 --key log.key >/dev/null 2>&1
# 1 KiB random entries (TOAST would compress repeated bytes): 20 MiB of
# bundles and tiles do not fit in 6 MiB.
head -c 16000000 /dev/urandom | base64 -w 1000 | head -n 20000 >f.in
: >f.ack
"$ARM" log append "$UF" --lines --batch 64 f.in >>f.ack 2>f.err
rc=$?
[ $rc -eq 4 ] && ok "appending to a full tablespace fails with exit 4" || not_ok "exit $rc: $(head -c 200 f.err)"
grep -q "No space left on device" f.err && ok "and says so: $(grep -Eo "cannot [a-z ]*: .{0,120}" f.err | head -n 1)" ||
	not_ok "unclear error: $(head -c 300 f.err)"
[ "$(wc -l <f.ack)" -ge 64 ] && ok "$(wc -l <f.ack) entries were acknowledged before the disk was full" ||
	not_ok "only $(wc -l <f.ack) acknowledged"
expect_ok "the full log verifies (reads need no space)" "$ARM" log verify "$UF"
mount -o remount,size=64m "$SMALL" || { not_ok "cannot grow the tmpfs"; exit 1; }
pg_acked_ok "$UF" f.ack f.in "full disk"
tail -n 100 f.in >f.more
expect_ok "once there is room again, appends go on" "$ARM" log append "$UF" --lines f.more
expect_ok "and the log verifies" "$ARM" log verify "$UF"
